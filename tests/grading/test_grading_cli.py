"""`ecrm-lab exercises ...` and `ecrm-lab grade`, called as a user would."""

import csv
from pathlib import Path

import jupytext
import nbformat
import pytest

from ecrm_lab.cli import COMMAND_MODULES, main
from ecrm_lab.grading import Exercise, exercise_params
from ecrm_lab.grading import exercises as registry

TOY = Path(__file__).parent / "fixtures" / "toy_exercise.py"


@pytest.fixture()
def toy_registered(monkeypatch):
    toy = Exercise(99, "toy", "Toy", (), (), exercise_params("bank", 300), source=TOY)
    monkeypatch.setattr(registry, "EXERCISES", (*registry.EXERCISES, toy))
    return toy


def test_the_grading_commands_are_registered():
    assert "ecrm_lab.grading.cli" in COMMAND_MODULES


def test_list_and_lint(capsys):
    assert main(["exercises"]) == 0
    out = capsys.readouterr().out
    assert "01_kdd_process" in out and "06_campaign_uplift" in out
    assert main(["exercises", "lint", "3"]) == 0
    assert "03_association_rules: ok" in capsys.readouterr().out


def test_release_then_grade(tmp_path, capsys, toy_registered):
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\nalice,A\nbob,B\ncarol,C\n")
    out = tmp_path / "release"
    assert main(["exercises", "release", "toy", "--out", str(out), "--students", str(roster)]) == 0
    assert "3 notebooks" in capsys.readouterr().out
    assert sorted(p.name for p in (out / "99_toy").iterdir()) == [
        "alice.ipynb",
        "bob.ipynb",
        "carol.ipynb",
    ]
    subs = tmp_path / "subs"
    subs.mkdir()
    solution = jupytext.read(TOY, fmt="py:percent")
    nbformat.write(solution, subs / "alice.ipynb")
    (subs / "bob.ipynb").write_text("not a notebook")
    graded = tmp_path / "graded"
    code = main(
        [
            "grade",
            "toy",
            "--submissions",
            str(subs),
            "--out",
            str(graded),
            "--students",
            str(roster),
            "--jobs",
            "2",
            "--timeout",
            "60",
            "--memory-mb",
            "1024",
            "-q",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "graded 3 submission(s) of 99_toy" in printed
    rows = {r["student_id"]: r for r in csv.DictReader((graded / "gradebook.csv").open())}
    assert (rows["alice"]["status"], float(rows["alice"]["total"])) == ("ok", 11.0)
    assert rows["bob"]["status"] == "invalid" and rows["carol"]["status"] == "missing"
    assert sorted(p.name for p in (graded / "feedback").iterdir()) == [
        "alice.md",
        "bob.md",
        "carol.md",
    ]
    # the output folder is never overwritten by accident
    again = ["grade", "toy", "--submissions", str(subs), "--out", str(graded), "-q"]
    assert main(again) == 2
    assert "already exists" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["grade", "nope", "--submissions", ".", "--out", "x"], "There is no exercise 'nope'"),
        (["grade", "1", "--submissions", "/no/such/dir", "--out", "x"], "does not exist"),
        (
            ["grade", "1", "--submissions", ".", "--out", "x", "--jobs", "0"],
            "'jobs' parameter of grade",
        ),
        (
            ["grade", "1", "--submissions", ".", "--out", "x", "-p", "seed", "3"],
            "'seed' cannot be set",
        ),
        (["exercises", "release", "--out", "x", "--students", "/no/roster.csv"], "does not exist"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_timeout_must_be_positive(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["grade", "1", "--submissions", ".", "--out", "x", "--timeout", "-1"])
    assert exc.value.code == 2
