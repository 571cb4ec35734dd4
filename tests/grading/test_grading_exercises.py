"""The exercise registry, per-student seeds, rosters, release, and the six real exercises."""

import json
from pathlib import Path

import jupytext
import nbformat
import pytest

from ecrm_lab.exceptions import DataError, InvalidParameterError
from ecrm_lab.grading import (
    EXERCISES,
    Exercise,
    check_solution,
    exercise_params,
    get_exercise,
    read_roster,
    release,
    student_seed,
)
from ecrm_lab.lessons.notebooks import cell_inputs

TOY = Path(__file__).parent / "fixtures" / "toy_exercise.py"
TOPICS = {
    "kdd_process",
    "classification_lift",
    "association_rules",
    "rfm_segmentation",
    "deviation_detection",
    "campaign_uplift",
}


def test_registry_covers_the_six_topics():
    assert {ex.slug for ex in EXERCISES} >= TOPICS
    assert [ex.number for ex in EXERCISES] == sorted({ex.number for ex in EXERCISES})
    assert get_exercise("02") is get_exercise("classification_lift") is get_exercise(2)
    with pytest.raises(InvalidParameterError, match="There is no exercise 'nope'"):
        get_exercise("nope")


def test_student_seeds_are_stable_distinct_and_fixed_by_the_id():
    assert student_seed("alice") == student_seed("alice")
    assert len({student_seed(f"s{i}") for i in range(200)}) == 200
    ex = get_exercise(1)
    values = ex.values("alice", {"n_customers": 500})
    assert values == {
        "student_id": "alice",
        "seed": student_seed("alice"),
        "domain": "bank",
        "n_customers": 500,
    }
    with pytest.raises(InvalidParameterError, match="'seed' cannot be set"):
        ex.values("alice", {"seed": 3})
    with pytest.raises(InvalidParameterError, match="usable as a file name"):
        ex.values("../etc/passwd")
    with pytest.raises(InvalidParameterError, match="must be one of 'retail'"):
        get_exercise("association_rules").values("a", {"domain": "bank"})
    with pytest.raises(InvalidParameterError, match="has no parameter 'n_custmers'"):
        ex.parse([("n_custmers", "5")])


def test_read_roster(tmp_path):
    p = tmp_path / "roster.csv"
    p.write_text("student_id,name\nalice,Alice A\nbob,Bob B\n")
    assert read_roster(p) == ["alice", "bob"]
    p.write_text("student_id\nalice\nalice\n")
    with pytest.raises(DataError, match="lists student 'alice' twice"):
        read_roster(p)
    p.write_text("name\nalice\n")
    with pytest.raises(DataError, match="needs a 'student_id' column"):
        read_roster(p)
    p.write_text("student_id\nal ice\n")
    with pytest.raises(DataError, match="line 2"):
        read_roster(p)
    with pytest.raises(DataError, match="does not exist"):
        read_roster(tmp_path / "missing.csv")


def test_release_with_and_without_roster(tmp_path):
    toy = Exercise(99, "toy", "Toy", (), (), exercise_params("bank", 300), source=TOY)
    plain = release([toy], tmp_path / "plain")
    assert [p.name for p in plain.notebooks] == ["99_toy.ipynb"]
    per_student = release([toy], tmp_path / "class", students=["alice", "bob"])
    assert sorted(p.name for p in per_student.notebooks) == ["alice.ipynb", "bob.ipynb"]
    nb = nbformat.read(tmp_path / "class" / "99_toy" / "bob.ipynb", as_version=4)
    assert f"seed: int = {student_seed('bob')}" in nb.cells[1].source
    assert nb.metadata["ecrm_lab"]["student_id"] == "bob"
    manifest = json.loads(per_student.manifest.read_text())
    assert manifest["students"]["alice"]["seed"] == student_seed("alice")
    assert manifest["exercises"]["99_toy"]["max_points"] == 11
    with pytest.raises(FileExistsError):
        release([toy], tmp_path / "class", students=["alice"])


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.name)
def test_each_exercise_is_valid_and_its_notebook_matches_its_script(ex):
    t = ex.template()  # validates metadata, markers, checks and points
    assert t.max_points > t.public_points > 0
    assert any(c.hidden for c in t.checks)
    script = jupytext.read(ex.script, fmt="py:percent")
    params = next(c for c in script.cells if c.cell_type == "code")
    assert params.source == ex.parameters_source(ex.defaults()), (
        f"the parameters cell of {ex.script.name} differs from the registry"
    )
    committed = nbformat.read(ex.notebook, as_version=4)
    assert cell_inputs(committed) == cell_inputs(script), (
        f"{ex.notebook.name} is out of date: run `ecrm-lab exercises build {ex.name}`"
    )
    for c in committed.cells:
        assert c.get("outputs", []) == []


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.name)
def test_each_student_version_hides_the_solution(ex):
    t = ex.template()
    nb = t.student_notebook(ex.parameters_source(ex.values("alice")), student_id="alice")
    text = json.dumps(nb.cells)
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    assert "jupytext" not in nb.metadata
    nbformat.validate(nb)
    stubs = t.stub_sources()
    answer_cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert [c.source for c in answer_cells] == list(stubs.values())


@pytest.mark.notebooks
@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.name)
def test_each_solution_scores_full_marks_on_several_students_data(ex):
    table = check_solution(ex, ["alice", "bob", "carol"])
    short = table[table["earned"] < table["points"]]
    assert short.empty, short.to_string()
    assert (table["problem"] == "").all()
