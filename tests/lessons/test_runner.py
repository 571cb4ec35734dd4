"""The runner refuses bad parameters before any kernel starts and writes atomically."""

import json

import pytest

from ecrm_lab.cli import main
from ecrm_lab.exceptions import InvalidParameterError
from ecrm_lab.lessons import LESSONS
from ecrm_lab.lessons.runner import run_lesson, run_lessons

FIRST = LESSONS[0]
DATA_LESSONS = [lesson for lesson in LESSONS if lesson.uses_data]


def _no_kernel(monkeypatch):
    """Fail loudly if anything tries to start a kernel."""
    import papermill

    def boom(*a, **k):
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(papermill, "execute_notebook", boom)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"no_such_param": 1}, r"has no parameter 'no_such_param'"),
        (
            {"show_lessons": "yes"},
            r"The 'show_lessons' parameter of lesson 00_ecrm_architecture must be a bool\. Got 'yes' \(str\) instead\.",
        ),
    ],
)
def test_bad_parameters_are_refused_before_any_kernel_starts(
    tmp_path, monkeypatch, params, message
):
    _no_kernel(monkeypatch)
    with pytest.raises(InvalidParameterError, match=message):
        run_lesson(FIRST, params, tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not DATA_LESSONS, reason="no data lesson registered yet")
@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("n_customers", 10, r"must be an int in \[200, 200000\]\. Got 10 instead"),
        ("n_customers", 2000.5, r"Got 2000\.5 \(float\) instead"),
        ("domain", "insurance", r"must be one of 'bank', 'retail'\. Got 'insurance' instead"),
        ("seed", -1, r"'seed' parameter"),
    ],
)
def test_out_of_range_and_wrong_type_are_refused(tmp_path, monkeypatch, name, value, message):
    _no_kernel(monkeypatch)
    with pytest.raises(InvalidParameterError, match=message):
        run_lesson(DATA_LESSONS[0], {name: value}, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_parameter_no_selected_lesson_takes_is_refused_for_a_batch(tmp_path, monkeypatch):
    _no_kernel(monkeypatch)
    with pytest.raises(InvalidParameterError, match="has no parameter 'colour'"):
        run_lessons(list(LESSONS), {"colour": "red"}, tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["run", "0", "-p", "nope", "1"], "has no parameter 'nope'"),
        (["run", "0", "-p", "show_lessons", "maybe"], "must be a bool. Got 'maybe' instead"),
        (["run", "99"], "There is no lesson '99'"),
        (["run"], "give either lesson names or --all"),
        (["inspect", "zz"], "There is no lesson 'zz'"),
        (["run", "0", "--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line_and_no_output(
    tmp_path, monkeypatch, capsys, argv, needle
):
    _no_kernel(monkeypatch)
    argv = argv + ["--out", str(tmp_path / "out")] if argv[0] == "run" else argv
    with pytest.raises(SystemExit) if "--bogus" in argv else _nothing():
        code = main(argv)
        assert code == 2
    err = capsys.readouterr().err
    assert needle in err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.mark.notebooks
def test_run_writes_notebook_manifest_and_index(tmp_path):
    runs = run_lessons([FIRST], {}, tmp_path, progress=False)
    assert [r.lesson for r in runs] == [FIRST.name]
    assert (tmp_path / f"{FIRST.name}.ipynb").exists()
    assert (tmp_path / f"{FIRST.name}.html").exists()
    index = (tmp_path / "index.html").read_text()
    assert f"{FIRST.name}.html" in index
    manifest = json.loads((tmp_path / f"{FIRST.name}.manifest.json").read_text())
    assert manifest["parameters"] == FIRST.defaults()
    assert manifest["versions"]["pandas"]
    assert manifest["wall_time_s"] > 0
    assert len(manifest["output_sha256"]) == 64
    run_manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert [m["lesson"] for m in run_manifest["lessons"]] == [FIRST.name]
    # nothing temporary left behind
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_cli_lists_and_inspects_lessons(capsys):
    assert main(["lessons"]) == 0
    out = capsys.readouterr().out
    for lesson in LESSONS:
        assert lesson.name in out
    assert main(["inspect", "0"]) == 0
    assert "show_lessons" in capsys.readouterr().out
