"""Exercise notebooks: the solution template, the student version and the graded rebuild.

An exercise is authored once, as a solution notebook whose cells carry nbgrader metadata
(schema version 3)::

    nbgrader: {grade_id, solution, grade, locked, points, schema_version: 3, task: false}

* **answer cells** (``solution: true``) hold the solution between ``### BEGIN SOLUTION`` and
  ``### END SOLUTION``; the lines outside the markers (comments naming the variables to
  define) stay in the student's copy;
* **test cells** (``grade: true``, ``solution: false``, ``locked: true``) hold ``check(...)``
  calls; the ones between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS`` are hidden;
  the cell's ``points`` equal the sum of its checks' points;
* every other code cell is locked set-up code; the first code cell is tagged ``parameters``;
  cells after the last answer cell (plots, the run record) are not run when grading.

:meth:`Template.student_notebook` generates the student's copy (each solution region replaced
by ``# YOUR CODE HERE``, hidden checks removed, parameters filled in).
:meth:`Template.graded_notebook` rebuilds a submission from the template plus the student's
answer cells only (matched by ``grade_id``), with no test cell at all and a harness cell after
each answer that sends the answers out as JSON. :meth:`Template.reference_program` is the same
notebook with the solution, run by the checker process to recompute the expected answers.
"""

from __future__ import annotations

import ast
import copy
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from ..exceptions import EcrmLabError
from .harness import harness_source

__all__ = [
    "BEGIN_SOLUTION",
    "END_SOLUTION",
    "BEGIN_HIDDEN",
    "END_HIDDEN",
    "STUB",
    "ExerciseError",
    "CheckSpec",
    "Template",
    "Submission",
    "strip_solutions",
    "strip_hidden",
    "read_submission",
    "MAX_NOTEBOOK_BYTES",
]

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"
STUB = "# YOUR CODE HERE"
HIDDEN_NOTE = "# more checks, hidden, run when your notebook is graded"
PARAMETERS_TAG = "parameters"
#: the largest submitted notebook the grader reads
MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024

_NBGRADER_KEYS = {
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
_GRADE_ID = re.compile(r"^[A-Za-z0-9_\-]+$")
_METADATA_KEY = "ecrm_lab"


class ExerciseError(EcrmLabError):
    """An exercise's solution notebook is malformed (metadata, markers, checks, points)."""


def _regions(source: str, begin: str, end: str, where: str) -> list[tuple[int, int]]:
    """(first, last) line numbers of each ``begin``..``end`` region; checks they pair up."""
    lines = source.split("\n")
    out, start = [], None
    for i, line in enumerate(lines):
        text = line.strip()
        if text == begin:
            if start is not None:
                raise ExerciseError(f"{where}: {begin!r} inside another region (line {i + 1})")
            start = i
        elif text == end:
            if start is None:
                raise ExerciseError(f"{where}: {end!r} without {begin!r} (line {i + 1})")
            out.append((start, i))
            start = None
    if start is not None:
        raise ExerciseError(f"{where}: {begin!r} is never closed by {end!r}")
    return out


def strip_solutions(source: str, where: str = "cell") -> str:
    """Replace each solution region by ``# YOUR CODE HERE`` (indented like its marker)."""
    lines = source.split("\n")
    regions = _regions(source, BEGIN_SOLUTION, END_SOLUTION, where)
    for first, last in reversed(regions):
        indent = lines[first][: len(lines[first]) - len(lines[first].lstrip())]
        lines[first : last + 1] = [indent + STUB]
    return "\n".join(lines)


def strip_hidden(source: str, where: str = "cell") -> str:
    """Remove the hidden-test regions of a test cell (markers included)."""
    lines = source.split("\n")
    for first, last in reversed(_regions(source, BEGIN_HIDDEN, END_HIDDEN, where)):
        del lines[first : last + 1]
    return "\n".join(lines).strip("\n")


def _segments(source: str, where: str) -> list[tuple[str, bool]]:
    """The test cell split into (source, hidden) pieces, in order, line numbers kept."""
    lines = source.split("\n")
    regions = _regions(source, BEGIN_HIDDEN, END_HIDDEN, where)
    out: list[tuple[str, bool]] = []
    pos = 0
    for first, last in regions:
        out.append(("\n" * pos + "\n".join(lines[pos:first]), False))
        out.append(("\n" * (first + 1) + "\n".join(lines[first + 1 : last]), True))
        pos = last + 1
    out.append(("\n" * pos + "\n".join(lines[pos:]), False))
    return [(src, hidden) for src, hidden in out if src.strip()]


@dataclass(frozen=True)
class CheckSpec:
    """One check as declared in a test cell (read statically, before anything runs)."""

    id: str
    grade_id: str
    answer: str
    rule: str
    points: float
    hidden: bool


def _literal_number(node: ast.AST, where: str) -> float:
    try:
        value = ast.literal_eval(node)
    except ValueError:
        raise ExerciseError(f"{where}: points must be a literal number") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ExerciseError(f"{where}: points must be a number >= 0, got {value!r}")
    return float(value)


def _parse_checks(grade_id: str, source: str) -> list[tuple[str, str, float, bool]]:
    """(answer, rule name, points, hidden) of each top-level ``check(...)`` call."""
    where = f"test cell {grade_id!r}"
    found = []
    for seg, hidden in _segments(source, where):
        try:
            tree = ast.parse(seg)
        except SyntaxError as exc:
            raise ExerciseError(
                f"{where}: not valid Python ({exc.msg}, line {exc.lineno})"
            ) from None
        top = set()
        for stmt in tree.body:
            call = stmt.value if isinstance(stmt, ast.Expr) else None
            if (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Name)
                and call.func.id == "check"
            ):
                top.add(id(call))
                args = list(call.args)
                kw = {k.arg: k.value for k in call.keywords}
                if (
                    not args
                    or not isinstance(args[0], ast.Constant)
                    or not isinstance(args[0].value, str)
                ):
                    raise ExerciseError(
                        f"{where}, line {stmt.lineno}: check()'s first argument must be the "
                        "answer's name as a literal string"
                    )
                rule_node = args[1] if len(args) > 1 else kw.get("rule")
                if rule_node is None:
                    raise ExerciseError(f"{where}, line {stmt.lineno}: check() needs a rule")
                rule = "rule"
                if isinstance(rule_node, ast.Call) and isinstance(rule_node.func, ast.Name):
                    rule = rule_node.func.id
                points_node = args[2] if len(args) > 2 else kw.get("points")
                points = (
                    1.0
                    if points_node is None
                    else _literal_number(points_node, f"{where}, line {stmt.lineno}")
                )
                found.append((args[0].value, rule, points, hidden))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "check"
                and id(node) not in top
            ):
                raise ExerciseError(
                    f"{where}, line {node.lineno}: call check() only as a statement at the top "
                    "level of the cell (not inside a loop, condition or expression), so every "
                    "student gets the same checks"
                )
    return found


def _assigned_names(source: str) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
    return names


def _nbgrader(cell: Any) -> dict[str, Any] | None:
    md = cell.get("metadata", {}) if isinstance(cell, dict) else {}
    nbg = md.get("nbgrader") if isinstance(md, dict) else None
    return nbg if isinstance(nbg, dict) else None


def _validate_nbgrader(meta: dict[str, Any], where: str) -> None:
    """The checks of nbgrader's cell metadata schema, version 3."""
    extra = set(meta) - _NBGRADER_KEYS
    if extra:
        raise ExerciseError(f"{where}: unknown nbgrader keys {sorted(extra)}")
    for key in ("schema_version", "grade", "locked", "solution"):
        if key not in meta:
            raise ExerciseError(f"{where}: nbgrader metadata needs {key!r}")
    if meta["schema_version"] != 3:
        raise ExerciseError(f"{where}: nbgrader schema_version must be 3")
    for key in ("grade", "locked", "solution", "task"):
        if key in meta and not isinstance(meta[key], bool):
            raise ExerciseError(f"{where}: nbgrader {key!r} must be true or false")
    gid = meta.get("grade_id")
    if not isinstance(gid, str) or not _GRADE_ID.match(gid):
        raise ExerciseError(f"{where}: nbgrader grade_id must match [A-Za-z0-9_-]+, got {gid!r}")
    if meta["grade"]:
        p = meta.get("points")
        if isinstance(p, bool) or not isinstance(p, int | float) or p < 0:
            raise ExerciseError(f"{where}: a graded cell needs points >= 0")
    elif "points" in meta:
        raise ExerciseError(f"{where}: points are only allowed on graded cells")


def _source(cell: Any) -> str:
    src = cell.get("source", "")
    if isinstance(src, list) and all(isinstance(s, str) for s in src):
        return "".join(src)
    return src if isinstance(src, str) else ""


def _code(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.strip().split("\n"))


@dataclass(frozen=True)
class Submission:
    """What the grader takes from a student's notebook: answer sources by grade_id."""

    answers: dict[str, str]
    status: str  # "ok", "empty" or "invalid"
    problems: tuple[str, ...] = ()
    exercise: str | None = None


@dataclass(frozen=True, eq=False)
class Template:
    """A validated solution notebook of one exercise.

    Build one with :meth:`from_notebook` (or :func:`ecrm_lab.grading.load_template`); it
    refuses malformed metadata, unbalanced markers, checks whose points do not add up to the
    cell's points, and checked answers that no answer cell defines.
    """

    name: str
    notebook: nbformat.NotebookNode = field(repr=False)
    param_names: tuple[str, ...]
    checks: tuple[CheckSpec, ...]
    answers: tuple[str, ...]
    solution_ids: tuple[str, ...]
    sha256: str

    @property
    def max_points(self) -> float:
        return float(sum(c.points for c in self.checks))

    @property
    def public_points(self) -> float:
        return float(sum(c.points for c in self.checks if not c.hidden))

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_notebook(
        cls, nb: nbformat.NotebookNode, name: str, param_names: Sequence[str] | None = None
    ) -> Template:
        nb = copy.deepcopy(nb)
        where0 = f"exercise {name}"
        code = [c for c in nb.cells if c.cell_type == "code"]
        if not code or PARAMETERS_TAG not in code[0].get("metadata", {}).get("tags", []):
            raise ExerciseError(f"{where0}: the first code cell must be tagged 'parameters'")
        declared = _parameter_names(code[0].source, where0)
        if param_names is not None and tuple(declared) != tuple(param_names):
            raise ExerciseError(
                f"{where0}: the parameters cell declares {declared}, the registry "
                f"{list(param_names)}"
            )
        seen: set[str] = set()
        checks: list[CheckSpec] = []
        solution_ids: list[str] = []
        defined: set[str] = set()
        ids: dict[str, int] = {}
        for i, cell in enumerate(nb.cells):
            meta = _nbgrader(cell)
            where = f"{where0}, cell {i}"
            if cell.cell_type == "code":
                try:
                    ast.parse(cell.source)
                except SyntaxError as exc:
                    raise ExerciseError(
                        f"{where}: not plain Python ({exc.msg}); magics and shell escapes are "
                        "not allowed in exercises"
                    ) from None
            if meta is None:
                if cell.cell_type == "code" and (
                    BEGIN_SOLUTION in cell.source or BEGIN_HIDDEN in cell.source
                ):
                    raise ExerciseError(f"{where}: solution/hidden markers need nbgrader metadata")
                if cell.cell_type == "code" and re.search(r"^\s*check\(", cell.source, re.M):
                    raise ExerciseError(f"{where}: check() calls belong in a graded test cell")
                continue
            _validate_nbgrader(meta, where)
            gid = meta["grade_id"]
            if gid in seen:
                raise ExerciseError(f"{where0}: grade_id {gid!r} is used twice")
            seen.add(gid)
            if meta["solution"] and meta["grade"]:
                raise ExerciseError(
                    f"{where}: manually graded answers (solution and grade) are not supported"
                )
            if meta["solution"]:
                if cell.cell_type != "code":
                    raise ExerciseError(f"{where}: answer cells must be code cells")
                if not _regions(cell.source, BEGIN_SOLUTION, END_SOLUTION, where):
                    raise ExerciseError(f"{where}: an answer cell needs {BEGIN_SOLUTION!r}")
                if meta["locked"]:
                    raise ExerciseError(f"{where}: an answer cell cannot be locked")
                solution_ids.append(gid)
                defined |= _assigned_names(cell.source)
            elif meta["grade"]:
                if cell.cell_type != "code" or not meta["locked"]:
                    raise ExerciseError(f"{where}: a test cell must be a locked code cell")
                if BEGIN_SOLUTION in cell.source:
                    raise ExerciseError(f"{where}: a test cell cannot hold a solution")
                parsed = _parse_checks(gid, cell.source)
                if not parsed:
                    raise ExerciseError(f"{where}: a test cell needs at least one check()")
                total = sum(p for _, _, p, _ in parsed)
                if abs(total - float(meta["points"])) > 1e-9:
                    raise ExerciseError(
                        f"{where}: the checks are worth {total:g} points but the cell's "
                        f"nbgrader points say {meta['points']:g}"
                    )
                for answer, rule, points, hidden in parsed:
                    base = f"{answer}.{rule}"
                    ids[base] = ids.get(base, 0) + 1
                    cid = base if ids[base] == 1 else f"{base}_{ids[base]}"
                    checks.append(CheckSpec(cid, gid, answer, rule, points, hidden))
            elif cell.cell_type == "code":
                defined |= _assigned_names(cell.source)
        if not checks:
            raise ExerciseError(f"{where0}: there are no checks")
        answers = tuple(dict.fromkeys(c.answer for c in checks))
        undefined = [a for a in answers if a not in defined]
        if undefined:
            raise ExerciseError(
                f"{where0}: checked answers {undefined} are not assigned in any answer cell"
            )
        text = json.dumps(
            [[c.cell_type, c.source, c.get("metadata", {}).get("nbgrader")] for c in nb.cells],
            sort_keys=True,
        )
        return cls(
            name=name,
            notebook=nb,
            param_names=tuple(declared),
            checks=tuple(checks),
            answers=answers,
            solution_ids=tuple(solution_ids),
            sha256=hashlib.sha256(text.encode()).hexdigest(),
        )

    @classmethod
    def from_file(
        cls, path: str | Path, name: str | None = None, param_names: Sequence[str] | None = None
    ) -> Template:
        """Read a solution notebook: a jupytext percent script ``.py`` or an ``.ipynb``."""
        path = Path(path)
        if not path.is_file():
            raise ExerciseError(f"the exercise source {str(path)!r} does not exist")
        if path.suffix == ".py":
            import jupytext

            nb = jupytext.read(path, fmt="py:percent")
        else:
            nb = nbformat.read(path, as_version=4)
        return cls.from_notebook(nb, name or path.stem, param_names)

    # -- the notebooks it makes ---------------------------------------------------------
    def _cells(self) -> list[nbformat.NotebookNode]:
        return copy.deepcopy(self.notebook.cells)

    def _role(self, cell: Any) -> str:
        meta = _nbgrader(cell)
        if cell.cell_type != "code":
            return "text"
        if PARAMETERS_TAG in cell.get("metadata", {}).get("tags", []):
            return "parameters"
        if meta is None:
            return "code"
        if meta["solution"]:
            return "answer"
        if meta["grade"]:
            return "test"
        return "code"

    def student_notebook(
        self, parameters_source: str, *, student_id: str | None = None
    ) -> nbformat.NotebookNode:
        """The student's copy: solutions stubbed, hidden checks removed, outputs cleared."""
        from ..lessons.notebooks import normalise

        nb = copy.deepcopy(self.notebook)
        for i, cell in enumerate(nb.cells):
            role = self._role(cell)
            where = f"exercise {self.name}, cell {i}"
            if role == "parameters":
                cell.source = parameters_source
            elif role == "answer":
                cell.source = strip_solutions(cell.source, where)
            elif role == "test":
                public = strip_hidden(cell.source, where)
                if public != cell.source.strip("\n"):
                    public = (public + "\n" + HIDDEN_NOTE).strip("\n")
                cell.source = public
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
        nb = normalise(nb)
        nb.metadata.pop("jupytext", None)  # the student's copy is not paired with a script
        nb.metadata[_METADATA_KEY] = {
            "exercise": self.name,
            "template_sha256": self.sha256,
            **({"student_id": student_id} if student_id is not None else {}),
        }
        return nb

    def stub_sources(self) -> dict[str, str]:
        """The released (unanswered) source of each answer cell, by grade_id."""
        out = {}
        for i, cell in enumerate(self.notebook.cells):
            if self._role(cell) == "answer":
                meta = _nbgrader(cell)
                out[meta["grade_id"]] = strip_solutions(cell.source, f"cell {i}")
        return out

    def _last_answer(self) -> int:
        """Index of the last answer cell: later cells cannot change an answer."""
        return max(i for i, c in enumerate(self.notebook.cells) if self._role(c) == "answer")

    def graded_notebook(
        self, answers: Mapping[str, str], parameters_source: str, answers_file: str
    ) -> nbformat.NotebookNode:
        """The notebook the sandbox runs: the template, the student's answer cells, no checks.

        ``answers`` maps grade_id to the student's source (missing ids get the stub). A
        harness cell after each answer cell writes the answers as JSON to ``answers_file``.
        Cells after the last answer cell (plots, the run record) are left out: they cannot
        change an answer.
        """
        cells = []
        harness = harness_source(self.answers, answers_file)
        stubs = self.stub_sources()
        for cell in self._cells()[: self._last_answer() + 1]:
            role = self._role(cell)
            if role == "test":
                continue
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
            if role == "parameters":
                cell.source = parameters_source
            elif role == "answer":
                gid = _nbgrader(cell)["grade_id"]
                cell.source = answers.get(gid, stubs[gid])
            cells.append(cell)
            if role == "answer":
                cells.append(_harness_cell(harness))
        nb = nbformat.v4.new_notebook(cells=cells)
        nb.metadata = copy.deepcopy(self.notebook.metadata)
        nb.metadata.pop("jupytext", None)
        return nb

    def reference_program(self, parameters_source: str) -> list[tuple[str, str]]:
        """(label, source) of the code cells the checker runs to get the reference answers:
        the same cells as :meth:`graded_notebook`, with the solution."""
        out = []
        for i, cell in enumerate(self.notebook.cells[: self._last_answer() + 1]):
            role = self._role(cell)
            if role in ("text", "test"):
                continue
            src = parameters_source if role == "parameters" else cell.source
            out.append((f"cell {i}", src))
        return out

    def test_cells(self) -> list[tuple[str, list[tuple[str, bool]]]]:
        """(grade_id, [(source, hidden), ...]) of each test cell, in notebook order."""
        out = []
        for cell in self.notebook.cells:
            if self._role(cell) == "test":
                gid = _nbgrader(cell)["grade_id"]
                out.append((gid, _segments(cell.source, f"test cell {gid!r}")))
        return out

    def read_submission(self, path: str | Path) -> Submission:
        """The student's answer cells from a submitted notebook; never runs anything."""
        return read_submission(path, self)


def _harness_cell(source: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = ["ecrm-grading-harness"]
    return cell


def _parameter_names(source: str, where: str) -> list[str]:
    names = []
    for stmt in ast.parse(source).body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            names.append(stmt.target.id)
        elif (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
        ):
            names.append(stmt.targets[0].id)
        else:
            raise ExerciseError(f"{where}: the parameters cell may only assign parameters")
    return names


def read_submission(path: str | Path, template: Template) -> Submission:
    """Read the answer cells of a submitted notebook, treating the file as untrusted data.

    The file is parsed as JSON only (never executed, never unpickled). Answer cells are found
    by their nbgrader ``grade_id``; everything else in the file is ignored, so edited or
    deleted locked cells do not matter.
    """
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        return Submission({}, "invalid", (f"cannot read the submission: {exc.strerror}",))
    if size == 0:
        return Submission({}, "empty", ("the submitted file is empty",))
    if size > MAX_NOTEBOOK_BYTES:
        return Submission({}, "invalid", (f"the notebook is too large ({size / 2**20:.0f} MB)",))
    try:
        data = json.loads(p.read_bytes().decode("utf-8"))
    except (ValueError, RecursionError, UnicodeDecodeError):
        return Submission({}, "invalid", ("the file is not a notebook: it is not valid JSON",))
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        return Submission({}, "invalid", ("the file is not a Jupyter notebook (no cell list)",))
    wanted = set(template.solution_ids)
    answers: dict[str, str] = {}
    problems: list[str] = []
    for cell in data["cells"]:
        meta = _nbgrader(cell)
        gid = meta.get("grade_id") if meta else None
        if gid not in wanted or not isinstance(cell, dict):
            continue
        if gid in answers:
            problems.append(f"answer cell {gid!r} appears twice; the first copy was graded")
            continue
        if cell.get("cell_type") != "code":
            problems.append(f"answer cell {gid!r} was turned into a {cell.get('cell_type')} cell")
            continue
        answers[gid] = _source(cell)
    exercise = None
    md = data.get("metadata")
    if isinstance(md, dict) and isinstance(md.get(_METADATA_KEY), dict):
        ex = md[_METADATA_KEY].get("exercise")
        exercise = ex if isinstance(ex, str) else None
        if exercise is not None and exercise != template.name:
            problems.append(f"this notebook was released for exercise {exercise!r}")
    missing = [g for g in template.solution_ids if g not in answers]
    if missing:
        problems.append("missing answer cells: " + ", ".join(missing))
    stubs = template.stub_sources()
    answered = [g for g, src in answers.items() if _code(src) != _code(stubs[g])]
    if not answered:
        problems.append("no answers: every answer cell is missing or unchanged")
        return Submission(answers, "empty", tuple(problems), exercise)
    return Submission(answers, "ok", tuple(problems), exercise)
