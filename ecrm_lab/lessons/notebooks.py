"""Notebook plumbing: paired scripts, the generated parameters cell, normalised outputs.

Each lesson exists as a jupytext percent script ``notebooks/NN_slug.py`` (the reviewable
source) paired with ``notebooks/NN_slug.ipynb`` (committed with the outputs of a default run).
:func:`normalise` strips everything volatile (timings, papermill metadata, random cell ids,
interpreter details, progress bars on stderr) so that re-rendering an unchanged lesson leaves
no diff.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import nbformat

from .._io import atomic_path
from .registry import Lesson

__all__ = [
    "KERNELSPEC",
    "parameters_source",
    "read_script",
    "sync_parameters",
    "normalise",
    "write_notebook",
    "cell_inputs",
    "paired_differences",
    "update_markdown",
]

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
_KEEP_CELL_METADATA = ("tags", "nbgrader")
PARAMETERS_TAG = "parameters"


def parameters_source(lesson: Lesson) -> str:
    """The ``parameters`` cell generated from the registry: ``name: type = value  # help``."""
    lines = []
    for p in lesson.params:
        value = json.dumps(p.default) if isinstance(p.default, str) else repr(p.default)
        lines.append(f"{p.name}: {p.type_name} = {value}  # {p.help}; {p.allowed()}")
    return "\n".join(lines)


def _parameters_cell(nb: nbformat.NotebookNode):
    for cell in nb.cells:
        if cell.cell_type == "code" and PARAMETERS_TAG in cell.get("metadata", {}).get("tags", []):
            return cell
    return None


def read_script(lesson: Lesson) -> nbformat.NotebookNode:
    """Read the lesson's paired percent script as a notebook (no outputs)."""
    import jupytext

    return jupytext.read(lesson.script, fmt="py:percent")


def sync_parameters(nb: nbformat.NotebookNode, lesson: Lesson) -> bool:
    """Rewrite the ``parameters`` cell from the registry; return True if it changed.

    A lesson without parameters may have no ``parameters`` cell; a lesson with parameters
    must have one (``ValueError`` otherwise).
    """
    cell = _parameters_cell(nb)
    if cell is None:
        if lesson.params:
            raise ValueError(f"{lesson.script} has no code cell tagged 'parameters'")
        return False
    new = parameters_source(lesson)
    changed = cell.source != new
    cell.source = new
    return changed


def _cell_id(source: str, seen: dict[str, int]) -> str:
    digest = hashlib.sha1(source.encode()).hexdigest()[:8]
    n = seen.get(digest, 0)
    seen[digest] = n + 1
    return digest if n == 0 else f"{digest}-{n}"


def normalise(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` with every volatile detail removed (see module docstring)."""
    nb = copy.deepcopy(nb)
    jt = nb.metadata.get("jupytext", {})
    meta = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    if "formats" in jt:
        meta["jupytext"] = {"formats": jt["formats"]}
    nb.metadata = nbformat.from_dict(meta)
    nb.nbformat, nb.nbformat_minor = 4, 5
    seen: dict[str, int] = {}
    for cell in nb.cells:
        md = cell.get("metadata", {})
        cell.metadata = nbformat.from_dict({k: md[k] for k in _KEEP_CELL_METADATA if md.get(k)})
        cell.id = _cell_id(cell.source, seen)
        if cell.cell_type == "code":
            outputs = []
            for out in cell.get("outputs", []):
                if out.get("output_type") == "stream" and out.get("name") == "stderr":
                    continue  # progress bars and warnings: volatile, machine specific
                out.pop("transient", None)
                outputs.append(out)
            cell.outputs = outputs
        else:
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
            if not cell.get("attachments"):
                cell.pop("attachments", None)
    return nb


def write_notebook(nb: nbformat.NotebookNode, path: str | Path) -> None:
    """Validate and write ``nb`` atomically (indent 1, trailing newline, as Jupyter does)."""
    nbformat.validate(nb)
    text = nbformat.writes(nb)
    if not text.endswith("\n"):
        text += "\n"
    with atomic_path(path, suffix=".ipynb") as tmp:
        tmp.write_text(text, encoding="utf-8")


def cell_inputs(nb: nbformat.NotebookNode) -> list[tuple[str, str, tuple[str, ...]]]:
    """(cell type, source, tags) of every cell: what the paired script must agree with."""
    return [
        (c.cell_type, c.source.strip(), tuple(c.get("metadata", {}).get("tags", [])))
        for c in nb.cells
    ]


def paired_differences(lesson: Lesson) -> list[str]:
    """Human-readable differences between the committed notebook and its paired script."""
    script = cell_inputs(read_script(lesson))
    committed = cell_inputs(nbformat.read(lesson.notebook, as_version=4))
    diffs = []
    if len(script) != len(committed):
        diffs.append(
            f"{len(script)} cells in {lesson.script.name}, {len(committed)} in the notebook"
        )
    for i, (a, b) in enumerate(zip(script, committed, strict=False)):
        if a != b:
            diffs.append(
                f"cell {i}: script {a[0]} {a[2]} {a[1][:60]!r} != notebook {b[0]} {b[2]} {b[1][:60]!r}"
            )
    return diffs


def update_markdown(lesson: Lesson) -> bool:
    """Copy the script's markdown cells into the committed notebook, keeping its outputs.

    For narrative-only edits: no kernel runs. The code cells of the script and the notebook
    must be identical (otherwise the outputs would no longer belong to the code, and
    ``ValueError`` asks for a full render). Returns True if the notebook changed.
    """
    script = read_script(lesson)
    sync_parameters(script, lesson)
    committed = nbformat.read(lesson.notebook, as_version=4)

    def code(nb):
        return [c.source.strip() for c in nb.cells if c.cell_type == "code"]

    if code(script) != code(committed):
        raise ValueError(
            f"{lesson.name}: code cells differ between {lesson.script.name} and the notebook; "
            "run a full render"
        )
    outputs = iter([c for c in committed.cells if c.cell_type == "code"])
    cells = [next(outputs) if c.cell_type == "code" else c for c in script.cells]
    updated = copy.deepcopy(committed)
    updated.cells = cells
    updated = normalise(updated)
    if updated == committed:
        return False
    write_notebook(updated, lesson.notebook)
    return True
