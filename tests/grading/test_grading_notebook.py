"""Solution templates: validation, the generated student version, the graded rebuild."""

import json
from pathlib import Path

import jupytext
import nbformat
import pytest

from ecrm_lab.grading import Exercise, ExerciseError, Template, exercise_params
from ecrm_lab.grading.notebook import (
    BEGIN_SOLUTION,
    STUB,
    strip_hidden,
    strip_solutions,
)

TOY = Path(__file__).parent / "fixtures" / "toy_exercise.py"
NBGRADER_V3_KEYS = {
    "schema_version",
    "grade",
    "locked",
    "solution",
    "task",
    "grade_id",
    "points",
    "checksum",
    "cell_type",
}


@pytest.fixture(scope="module")
def toy():
    ex = Exercise(99, "toy", "Toy", (), (), exercise_params("bank", 300), source=TOY)
    return ex, ex.template()


def _nb(*cells):
    """A notebook from (kind, source, nbgrader-metadata-or-None, tags) tuples."""
    out = []
    for kind, src, meta, tags in cells:
        cell = (nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell)(src)
        if meta is not None:
            cell.metadata["nbgrader"] = {"schema_version": 3, "task": False, **meta}
        if tags:
            cell.metadata["tags"] = tags
        out.append(cell)
    return nbformat.v4.new_notebook(cells=out)


PARAMS = ("code", "student_id = 'demo'", None, ["parameters"])
ANSWER = (
    "code",
    f"{BEGIN_SOLUTION}\nx = 1\n### END SOLUTION",
    {"grade": False, "grade_id": "a1", "locked": False, "solution": True},
    None,
)


def _test_cell(src, points=1, gid="t1"):
    return (
        "code",
        src,
        {"grade": True, "grade_id": gid, "locked": True, "solution": False, "points": points},
        None,
    )


def test_the_toy_template_declares_its_checks(toy):
    _, t = toy
    assert t.answers == ("mean_spend", "top_customers", "n_big", "quartiles")
    assert [c.id for c in t.checks][:2] == ["mean_spend.is_kind", "mean_spend.close_to"]
    assert t.max_points == 11 and t.public_points == 3
    assert [c.hidden for c in t.checks if c.answer == "n_big"] == [True]


@pytest.mark.parametrize(
    "cells, match",
    [
        ((ANSWER,), "first code cell must be tagged 'parameters'"),
        ((PARAMS, ANSWER, _test_cell('check("x", at_least(0))', points=2)), "worth 1 points"),
        ((PARAMS, ANSWER, _test_cell('check("y", at_least(0))')), r"\['y'\] are not assigned"),
        (
            (PARAMS, ANSWER, _test_cell('for _ in range(2):\n    check("x", at_least(0))')),
            "only as a statement at the top",
        ),
        ((PARAMS, ANSWER, _test_cell("check(name, at_least(0))")), "literal string"),
        (
            (PARAMS, ANSWER, _test_cell('check("x", at_least(0), points=p)')),
            "points must be a literal",
        ),
        ((PARAMS, ("code", "x = 1\n### END SOLUTION", ANSWER[2], None)), "without"),
        ((PARAMS, ("code", "x = 1", ANSWER[2], None)), "needs '### BEGIN SOLUTION'"),
        (
            (PARAMS, ANSWER, _test_cell('### BEGIN HIDDEN TESTS\ncheck("x", at_least(0))')),
            "never closed",
        ),
        ((PARAMS, ANSWER, ("code", "%timeit 1", None, None)), "magics"),
        ((PARAMS, ANSWER, ANSWER), "used twice"),
        (
            (PARAMS, ("code", ANSWER[1], {**ANSWER[2], "grade": True, "points": 1}, None)),
            "manually graded",
        ),
        ((PARAMS, ("code", ANSWER[1], {**ANSWER[2], "grade_id": "a b"}, None)), "grade_id"),
        ((PARAMS, ("code", ANSWER[1], {**ANSWER[2], "extra": 1}, None)), "unknown nbgrader"),
        (
            (PARAMS, ANSWER, ("code", 'check("x", at_least(0))', None, None)),
            "belong in a graded test cell",
        ),
        ((PARAMS, ANSWER), "there are no checks"),
    ],
)
def test_malformed_templates_are_refused(cells, match):
    with pytest.raises(ExerciseError, match=match):
        Template.from_notebook(_nb(*cells), "bad")


def test_parameters_must_match_the_registry():
    nb = _nb(PARAMS, ANSWER, _test_cell('check("x", at_least(0))'))
    Template.from_notebook(nb, "ok", ["student_id"])
    with pytest.raises(ExerciseError, match="registry"):
        Template.from_notebook(nb, "bad", ["student_id", "seed"])


def test_strip_solutions_and_hidden_like_nbgrader():
    src = "a = 1\n    ### BEGIN SOLUTION\n    b = 2\n    ### END SOLUTION\nc = 3"
    assert strip_solutions(src) == f"a = 1\n    {STUB}\nc = 3"
    tests = "public()\n### BEGIN HIDDEN TESTS\nsecret()\n### END HIDDEN TESTS\nmore()"
    assert strip_hidden(tests) == "public()\nmore()"


def test_student_version_has_no_solution_and_no_hidden_check(toy):
    ex, t = toy
    nb = t.student_notebook(ex.parameters_source(ex.values("alice")), student_id="alice")
    text = json.dumps(nb)
    for secret in ("BEGIN SOLUTION", "HIDDEN TESTS", "close_to(rel", "overlaps(", "nlargest"):
        assert secret not in text
    nbformat.validate(nb)
    ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
    assert ids == [
        "q1_mean",
        "q1_check",
        "q2_top",
        "q2_check",
        "q3_big",
        "q3_check",
        "q4_quartiles",
        "q4_check",
    ]
    for c in nb.cells:
        meta = c.metadata.get("nbgrader")
        if meta:
            assert set(meta) <= NBGRADER_V3_KEYS and meta["schema_version"] == 3
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert first.metadata["tags"] == ["parameters"]
    assert 'student_id: str = "alice"' in first.source
    assert f"seed: int = {ex.values('alice')['seed']}" in first.source
    answer = next(
        c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "q1_mean"
    )
    assert answer.source == f"# mean_spend: float\n{STUB}"
    assert nb.metadata["ecrm_lab"] == {
        "exercise": "99_toy",
        "template_sha256": t.sha256,
        "student_id": "alice",
    }


def test_graded_rebuild_takes_only_the_answer_cells(toy):
    ex, t = toy
    params = ex.parameters_source(ex.values("bob"))
    nb = t.graded_notebook({"q1_mean": "mean_spend = 1.0"}, params, "answers.json")
    sources = [c.source for c in nb.cells if c.cell_type == "code"]
    assert sources[0] == params
    assert "mean_spend = 1.0" in sources
    assert not any("check(" in s for s in sources)  # no test cell runs in the sandbox
    harness = [s for s in sources if "dump_answers" in s]
    assert len(harness) == 4  # one after each of the 4 answers
    assert sum(STUB in s for s in sources) == 3  # unanswered cells get the stub


def _write_student(tmp_path, nb, name="s.ipynb"):
    p = tmp_path / name
    nbformat.write(nb, p)
    return p


def test_read_submission_ignores_edited_locked_cells(toy, tmp_path):
    ex, t = toy
    nb = t.student_notebook(ex.parameters_source(ex.values("eve")))
    for c in nb.cells:
        gid = c.metadata.get("nbgrader", {}).get("grade_id")
        if gid == "q1_mean":
            c.source = "mean_spend = 5"
        elif c.cell_type == "code":
            c.source = "seed = 0  # tampered"
    sub = t.read_submission(_write_student(tmp_path, nb))
    assert sub.status == "ok"
    assert sub.answers["q1_mean"] == "mean_spend = 5"
    assert set(sub.answers) == set(t.solution_ids)


def test_read_submission_reports_missing_duplicate_and_unchanged_cells(toy, tmp_path):
    ex, t = toy
    nb = t.student_notebook(ex.parameters_source(ex.values("eve")))
    sub = t.read_submission(_write_student(tmp_path, nb))
    assert sub.status == "empty" and "unchanged" in sub.problems[-1]
    cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "q2_top"]
    q1 = next(c for c in cells if c.metadata.get("nbgrader", {}).get("grade_id") == "q1_mean")
    q1.source = "mean_spend = 1"
    dup = nbformat.from_dict(json.loads(json.dumps(q1)))
    dup["id"] = "duplicate"
    nb.cells = cells + [dup]
    sub = t.read_submission(_write_student(tmp_path, nb))
    assert sub.status == "ok"
    assert any("missing answer cells: q2_top" in p for p in sub.problems)
    assert any("appears twice" in p for p in sub.problems)


@pytest.mark.parametrize(
    "content, status, match",
    [
        (b"", "empty", "empty"),
        (b"{not json", "invalid", "not valid JSON"),
        (b'{"cells": 3}', "invalid", "no cell list"),
        (b"\xff\xfe", "invalid", "not valid JSON"),
        (b'{"cells": [], "metadata": {}}', "empty", "no answers"),
    ],
)
def test_read_submission_of_broken_files(toy, tmp_path, content, status, match):
    _, t = toy
    p = tmp_path / "x.ipynb"
    p.write_bytes(content)
    sub = t.read_submission(p)
    assert sub.status == status and any(match in m for m in sub.problems)


def test_solution_script_reads_as_nbgrader_metadata():
    nb = jupytext.read(TOY, fmt="py:percent")
    metas = [c.metadata["nbgrader"] for c in nb.cells if "nbgrader" in c.metadata]
    assert all(m["schema_version"] == 3 for m in metas)
    assert sum(m["solution"] for m in metas) == 4 and sum(m["grade"] for m in metas) == 4
