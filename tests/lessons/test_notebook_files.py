"""Committed notebooks are normalised and agree with their paired scripts."""

import json

import nbformat
import pytest

from ecrm_lab.lessons import LESSONS, get_lesson
from ecrm_lab.lessons.notebooks import normalise, paired_differences

NAMES = [lesson.name for lesson in LESSONS]


@pytest.mark.parametrize("name", NAMES)
def test_committed_inputs_match_the_paired_script(name):
    assert paired_differences(get_lesson(name)) == []


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_is_normalised(name):
    """Re-normalising changes nothing: no timings, no papermill metadata, stable cell ids."""
    path = get_lesson(name).notebook
    nb = nbformat.read(path, as_version=4)
    assert normalise(nb) == nb
    raw = json.loads(path.read_text())
    assert raw["metadata"]["kernelspec"]["name"] == "python3"
    assert set(raw["metadata"]) <= {"kernelspec", "language_info", "jupytext"}
    text = path.read_text()
    for volatile in ('"papermill"', '"execution"', "ExecuteTime", "/root/", "/home/"):
        assert volatile not in text, volatile


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_was_executed_without_errors(name):
    nb = nbformat.read(get_lesson(name).notebook, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code), "commit the outputs of a full run"
    for cell in code:
        assert all(o.output_type != "error" for o in cell.outputs)
    assert any("nbval-check-output" in c.metadata.get("tags", []) for c in code), (
        "tag the cells that show key results with nbval-check-output"
    )


def test_normalise_gives_stable_ids_and_drops_volatile_metadata():
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "papermill": {"duration": 1.2},
        "language_info": {"name": "python", "version": "3.11.7"},
    }
    cell = nbformat.v4.new_code_cell(
        "x = 1", metadata={"tags": ["a"], "execution": {"iopub.status.busy": "2026-01-01T00:00:00"}}
    )
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stderr", text="100%|####|"),
        nbformat.v4.new_output("stream", name="stdout", text="hi"),
    ]
    nb.cells = [cell, nbformat.v4.new_code_cell("x = 1")]
    out = normalise(nb)
    assert out.metadata["language_info"] == {"name": "python"}
    assert "papermill" not in out.metadata
    assert out.cells[0].metadata == {"tags": ["a"]}
    assert [o.name for o in out.cells[0].outputs] == ["stdout"]
    assert out.cells[0].id != out.cells[1].id  # same source, still unique
    assert normalise(out) == out
    assert normalise(nb).cells[0].id == out.cells[0].id  # ids depend on content, not chance
