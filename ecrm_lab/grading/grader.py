"""Grade a folder of submissions: rebuild, run sandboxed, check separately, write a gradebook.

For each ``<student_id>.ipynb`` in the submissions folder :func:`grade`

1. reads the student's **answer cells only** (by nbgrader ``grade_id``) and rebuilds the
   notebook from the instructor's template, with that student's parameters (the seed comes
   from the id, not from the file), no test cells and harness cells that send the answers
   out as JSON;
2. runs it in the **sandbox** (:mod:`ecrm_lab.grading.sandbox`): a child process in a fresh
   temporary directory with wall-clock, CPU, memory and output limits; the whole process tree
   is killed afterwards;
3. runs the **checker** (:mod:`ecrm_lab.grading._checker`) in another process, which
   recomputes the expected answers from the solution and the student's seed and scores the
   public and hidden checks against the JSON answers.

Submissions are graded in parallel (``jobs``); one that crashes, loops, floods output or is
not a notebook gets a score and a reason, and the others go on. Runs whose kernel crashed while
others ran in parallel are re-run once on their own, so a neighbour cannot cost a student
points by exhausting shared memory.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import datetime as _dt
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .._result import Result
from .._validation import Interval, check_param
from ..exceptions import DataError
from ._checker import COMMAND as CHECKER_COMMAND
from ._checker import SERVE_COMMAND
from .exercises import Exercise, check_student_id, get_exercise
from .notebook import Submission, Template
from .sandbox import Limits, RunResult, kill_tree, run_notebook, sandbox_env

__all__ = [
    "StudentGrade",
    "Gradebook",
    "grade",
    "grade_submission",
    "run_checker",
    "check_solution",
    "STATUSES",
]

#: the values of the gradebook's ``status`` column
STATUSES = {
    "ok": "the notebook ran without errors",
    "errors": "some cells raised errors; the answers that were defined were checked",
    "timeout": "the notebook hit the whole-notebook time limit and was killed",
    "crashed": "the kernel died (memory or CPU limit, hard exit, signal)",
    "empty": "no answers (empty file or every answer cell unchanged)",
    "invalid": "not a readable Jupyter notebook",
    "missing": "on the roster but no submission",
    "grader-error": "the grader could not compute the expected answers (instructor problem)",
}
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass(frozen=True)
class StudentGrade:
    """One student's grade: checks, total, status and the reasons behind them."""

    student_id: str
    status: str
    reason: str
    total: float
    max_points: float
    checks: tuple[dict[str, Any], ...]
    run: dict[str, Any] = field(default_factory=dict)
    errors: tuple[dict[str, Any], ...] = ()
    executed: Path | None = None

    def row(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "student_id": self.student_id,
            "total": round(self.total, 2),
            "max_points": self.max_points,
            "status": self.status,
            "reason": self.reason,
        }
        for c in self.checks:
            out[c["id"]] = c["earned"]
        return out


@dataclass(frozen=True)
class Gradebook(Result):
    """The grades of one exercise: ``table`` is ``gradebook.csv``."""

    exercise: str
    max_points: float
    grades: tuple[StudentGrade, ...]
    check_ids: tuple[str, ...]
    out: Path | None
    wall_time_s: float
    title = "Gradebook"

    @property
    def table(self) -> pd.DataFrame:
        cols = ["student_id", "total", "max_points", "status", "reason", *self.check_ids]
        rows = [g.row() for g in self.grades]
        df = pd.DataFrame(rows, columns=cols)
        for c in self.check_ids:
            df[c] = df[c].fillna(0.0)
        return df

    def summary(self) -> pd.DataFrame:
        return self.table

    def plot(self, ax=None, **kwargs):
        from ..plotting.grading import plot_scores

        return plot_scores(self, ax=ax, **kwargs)


class CheckerServer:
    """A long-lived process that forks one checker per student (see ``_checker.serve``).

    It imports pandas, scikit-learn and the modules the exercise uses once, so each checker
    starts in milliseconds instead of seconds. Use as a context manager; thread-safe.
    """

    def __init__(self, template: Template, root: Path) -> None:
        import threading

        self.token = uuid.uuid4().hex
        root.mkdir(parents=True, exist_ok=True)
        self._log = (root / "server.log").open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVE_COMMAND, *_preload(template)],
            cwd=str(root),
            env=sandbox_env(root, self.token),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            start_new_session=True,
        )
        self._lock = threading.Lock()
        self._jobs: dict[str, dict[str, Any]] = {}
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for raw in self.proc.stdout:
            parts = raw.decode(errors="replace").rstrip("\n").split(" ", 2)
            if len(parts) != 3:
                continue
            kind, number, job_dir = parts
            with self._lock:
                job = self._jobs.get(job_dir)
            if job is None:
                continue
            if kind == "STARTED":
                job["pid"] = int(number)
                job["started"].set()
            elif kind == "DONE":
                job["returncode"] = int(number)
                job["done"].set()
        with self._lock:  # the server is gone: release every waiting job
            for job in self._jobs.values():
                job["started"].set()
                job["done"].set()

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def run(self, job_dir: Path, timeout: float) -> tuple[bool, int | None]:
        """Run the checker of ``job_dir``; return (finished in time, exit code)."""
        import threading

        key = str(job_dir)
        job = {"started": threading.Event(), "done": threading.Event(), "pid": None,
               "returncode": None}  # fmt: skip
        with self._lock:
            self._jobs[key] = job
        try:
            with self._lock:
                self.proc.stdin.write(f"RUN {key}\n".encode())
                self.proc.stdin.flush()
            job["started"].wait(60)
            finished = job["done"].wait(timeout)
            if not finished and job["pid"] is not None:
                kill_tree(job["pid"], None)
                job["done"].wait(5)
            return finished, job["returncode"]
        except (BrokenPipeError, OSError):
            return False, None
        finally:
            with self._lock:
                self._jobs.pop(key, None)

    def close(self) -> None:
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            pass
        finally:
            kill_tree(self.proc.pid, self.token)
            self.proc.wait()
            self._log.close()

    def __enter__(self) -> CheckerServer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


#: modules the package imports lazily, inside functions; preloaded when installed
_LAZY_HEAVY = [
    "scipy.stats",
    "scipy.sparse",
    "sklearn.compose",
    "sklearn.cluster",
    "sklearn.dummy",
    "sklearn.ensemble",
    "sklearn.impute",
    "sklearn.inspection",
    "sklearn.linear_model",
    "sklearn.metrics",
    "sklearn.model_selection",
    "sklearn.pipeline",
    "sklearn.preprocessing",
    "matplotlib.pyplot",
]


def _preload(template: Template) -> list[str]:
    """The modules the template's code imports (what every checker would import)."""
    import ast

    names = ["pandas", "numpy", "ecrm_lab.grading.checks", "ecrm_lab.grading.notebook"]
    names += _LAZY_HEAVY
    for cell in template.notebook.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Import):
                names += [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.append(node.module)
    return list(dict.fromkeys(names))


def run_checker(
    exercise: Exercise,
    template: Template,
    values: Mapping[str, Any],
    answers: Path,
    job_dir: Path,
    limits: Limits,
    server: CheckerServer | None = None,
) -> dict[str, Any]:
    """Score one student's ``answers.json`` in a separate checker process.

    The checker gets the template loaded when grading started (not a path to re-read), so
    an edit to the exercise files during a grading run cannot change later grades. With a
    :class:`CheckerServer` the checker is forked from it; otherwise a new Python starts.
    """
    import nbformat

    job_dir.mkdir(parents=True, exist_ok=True)
    nbformat.write(template.notebook, job_dir / "template.ipynb")
    job = {
        "source": str(job_dir / "template.ipynb"),
        "sha256": template.sha256,
        "name": exercise.name,
        "param_names": list(template.param_names),
        "parameters_source": exercise.parameters_source(values),
        "answers": str(answers),
        "limits": {**limits.as_dict(), "memory_mb": max(limits.memory_mb, 1024)},
    }
    (job_dir / "check.json").write_text(json.dumps(job), encoding="utf-8")
    deadline = limits.timeout + 60
    if server is not None and server.alive:
        finished, returncode = server.run(job_dir, deadline)
        timed_out = not finished
    else:
        token = uuid.uuid4().hex
        with (job_dir / "checker.log").open("wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-c", CHECKER_COMMAND, str(job_dir)],
                cwd=str(job_dir),
                env=sandbox_env(job_dir, token),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                proc.wait(timeout=deadline)
                timed_out = False
            except subprocess.TimeoutExpired:
                timed_out = True
            finally:
                kill_tree(proc.pid, token)
                proc.wait()
        returncode = proc.returncode
    path = job_dir / "checks.json"
    if timed_out:
        return {"fatal": "the checker ran out of time computing the expected answers"}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        log_path = job_dir / "checker.log"
        tail = log_path.read_text(errors="replace")[-1500:] if log_path.exists() else ""
        return {"fatal": f"the checker stopped without a result (exit {returncode}): {tail}"}
    return data if isinstance(data, dict) else {"fatal": "the checker wrote no result"}


def _zero_checks(template: Template, message: str) -> tuple[dict[str, Any], ...]:
    return tuple(
        {
            "id": c.id,
            "grade_id": c.grade_id,
            "answer": c.answer,
            "rule": c.rule,
            "description": c.rule,
            "hidden": c.hidden,
            "points": c.points,
            "fraction": 0.0,
            "earned": 0.0,
            "message": message,
        }
        for c in template.checks
    )


def _error_lines(errors: Sequence[dict[str, Any]]) -> list[str]:
    lines = []
    for e in errors:
        where = f"answer cell {e['grade_id']!r}" if e.get("grade_id") else f"cell {e['index']}"
        if e.get("harness"):
            where = "sending the answers"
        lines.append(f"{where} raised {e.get('ename', 'an error')}: {e.get('evalue', '')}"[:300])
    return lines


def grade_submission(
    exercise: Exercise | str,
    student_id: str,
    path: Path | None,
    work: Path,
    limits: Limits,
    params: Mapping[str, Any] | None = None,
    *,
    template: Template | None = None,
    check_dir: Path | None = None,
    server: CheckerServer | None = None,
) -> StudentGrade:
    """Grade one submission (``path`` None: the student submitted nothing).

    The sandbox runs under ``work``; the checker under ``check_dir`` (default
    ``work/check``; the grader keeps it in a separate temporary tree).
    """
    ex = get_exercise(exercise)
    template = template or ex.template()
    values = ex.values(student_id, params)
    if path is None:
        return StudentGrade(
            student_id,
            "missing",
            "no submission",
            0.0,
            template.max_points,
            _zero_checks(template, "no submission"),
        )
    sub: Submission = template.read_submission(path)
    reasons = list(sub.problems)
    if sub.status != "ok":
        return StudentGrade(
            student_id,
            sub.status,
            "; ".join(reasons),
            0.0,
            template.max_points,
            _zero_checks(template, "; ".join(reasons)),
        )
    nb = template.graded_notebook(sub.answers, ex.parameters_source(values), "answers.json")
    run: RunResult = run_notebook(nb, work / "run", limits)
    status = run.status
    if run.status != "ok":
        reasons.append(run.reason)
    errors = [e for e in run.errors if isinstance(e, dict)]
    reasons.extend(_error_lines(errors))
    if run.output_truncated:
        reasons.append(f"printed more than {limits.output_mb:g} MB of output; the rest was cut")
    if status == "ok" and (errors or run.output_truncated):
        status = "errors"
    checked = run_checker(
        ex,
        template,
        values,
        run.answers or work / "missing.json",
        check_dir or work / "check",
        limits,
        server,
    )
    if "fatal" in checked or checked.get("grader_problems"):
        problem = checked.get("fatal") or "; ".join(checked.get("grader_problems", []))
        return StudentGrade(
            student_id,
            "grader-error",
            f"the grader failed: {str(problem)[-600:]}",
            0.0,
            template.max_points,
            _zero_checks(template, "not graded: grader error"),
            run=_run_summary(run),
            errors=tuple(errors),
            executed=run.executed,
        )
    if checked.get("answers_problem"):
        reasons.append(checked["answers_problem"])
    results = tuple(checked.get("checks", ()))
    total = round(sum(float(c["earned"]) for c in results), 2)
    return StudentGrade(
        student_id,
        status,
        "; ".join(dict.fromkeys(r for r in reasons if r)),
        total,
        template.max_points,
        results,
        run=_run_summary(run),
        errors=tuple(errors),
        executed=run.executed,
    )


def _run_summary(run: RunResult) -> dict[str, Any]:
    return {
        "status": run.status,
        "wall_time_s": round(run.wall_time_s, 2),
        "survivors": run.survivors,
        "output_truncated": run.output_truncated,
    }


def _feedback(grade: StudentGrade, exercise: Exercise) -> str:
    lines = [
        f"# Feedback: exercise {exercise.name} — {exercise.title}",
        "",
        f"Student: `{grade.student_id}`  ",
        f"Score: **{grade.total:g} / {grade.max_points:g}**  ",
        f"Status: {grade.status} ({STATUSES.get(grade.status, '')})",
        "",
    ]
    if grade.status == "grader-error":
        lines += [
            "Grading failed for a reason on the grader's side, not in your notebook; your "
            "instructor has the details and will grade it again.",
            "",
        ]
        return "\n".join(lines)
    if grade.reason:
        lines += ["## What went wrong while running your notebook", ""]
        lines += [f"- {r}" for r in grade.reason.split("; ") if r]
        lines.append("")
    if grade.checks:
        lines += [
            "## Checks",
            "",
            "| check | kind | points | result |",
            "|---|---|---|---|",
        ]
        for c in grade.checks:
            kind = "hidden" if c["hidden"] else "public"
            msg = str(c["message"]).replace("|", "\\|").replace("\n", " ")
            lines.append(f"| `{c['id']}` | {kind} | {c['earned']:g} / {c['points']:g} | {msg} |")
        lines.append("")
    for e in grade.errors[:5]:
        tb = "\n".join(_ANSI.sub("", t) for t in e.get("traceback", []))[-3000:]
        if tb.strip():
            where = e.get("grade_id") or f"cell {e.get('index')}"
            lines += [f"### Traceback in {where}", "", "```", tb, "```", ""]
    return "\n".join(lines)


def _collect(
    submissions: Path, roster: Sequence[str] | None
) -> tuple[dict[str, Path | None], list[str]]:
    if not submissions.is_dir():
        raise DataError(f"the submissions folder {str(submissions)!r} does not exist")
    found: dict[str, Path | None] = {}
    ignored: list[str] = []
    for p in sorted(submissions.iterdir()):
        if p.suffix != ".ipynb" or p.name.startswith("."):
            continue
        try:
            sid = check_student_id(p.stem, "a submission's file name")
        except ValueError:
            ignored.append(p.name)
            continue
        found[sid] = p
    if roster is not None:
        for sid in roster:
            found.setdefault(sid, None)
    return dict(sorted(found.items())), ignored


def grade(
    exercise: Exercise | str | int,
    submissions: str | Path,
    out: str | Path | None = None,
    *,
    students: Sequence[str] | None = None,
    jobs: int | None = None,
    limits: Limits | None = None,
    params: Mapping[str, Any] | None = None,
    overwrite: bool = False,
    progress: Callable[[StudentGrade], None] | None = None,
) -> Gradebook:
    """Grade every ``<student_id>.ipynb`` in ``submissions``; write the results to ``out``.

    Parameters
    ----------
    exercise : Exercise, str or int
        The exercise (registry entry, name, slug or number).
    submissions : path
        Folder with one notebook per student, named ``<student_id>.ipynb``.
    out : path, optional
        Folder to write (atomically): ``gradebook.csv``, ``feedback/<student_id>.md``,
        ``executed/<student_id>.ipynb`` and ``grading.json``. ``None`` writes nothing.
    students : list of str, optional
        The roster; students without a submission get a ``missing`` row.
    jobs : int, optional
        Submissions graded at the same time (default: the number of CPUs).
    limits : Limits, optional
        Sandbox limits (see :class:`~ecrm_lab.grading.sandbox.Limits`).
    params : dict, optional
        Exercise parameters other than ``student_id``/``seed`` (use the release's).
    overwrite : bool
        Replace ``out`` if it exists.
    progress : callable, optional
        Called with each :class:`StudentGrade` as it completes.
    """
    ex = get_exercise(exercise)
    template = ex.template()
    limits = limits or Limits()
    jobs = check_param(
        jobs if jobs is not None else (os.cpu_count() or 1),
        "jobs",
        "grade",
        int,
        interval=Interval(1, 256),
    )
    if params:
        ex.values("demo", params)
    if out is not None and Path(out).exists() and not overwrite:
        raise FileExistsError(f"{out} already exists (use overwrite to replace it)")
    found, ignored = _collect(Path(submissions), students)
    start = time.perf_counter()
    # sandboxes and checkers in separate temporary trees: the checker's copy of the
    # template (with the hidden checks) is never inside a sandbox directory
    root = Path(tempfile.mkdtemp(prefix="ecrm-grade-runs-"))
    check_root = Path(tempfile.mkdtemp(prefix="ecrm-grade-checks-"))
    grades: dict[str, StudentGrade] = {}
    server = CheckerServer(template, check_root / ".server") if found else None
    try:

        def one(sid: str, path: Path | None, attempt: int = 0) -> StudentGrade:
            work = root / f"{sid}.{attempt}"
            work.mkdir()
            try:
                return grade_submission(
                    ex,
                    sid,
                    path,
                    work,
                    limits,
                    params,
                    template=template,
                    check_dir=check_root / f"{sid}.{attempt}",
                    # a re-run starts its checker afresh, in case the server was harmed
                    server=server if attempt == 0 else None,
                )
            except Exception as exc:  # the grader itself failed on this student
                return StudentGrade(
                    sid,
                    "grader-error",
                    f"the grader failed: {type(exc).__name__}: {exc}",
                    0.0,
                    template.max_points,
                    _zero_checks(template, "not graded"),
                )

        with cf.ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(one, sid, path): sid for sid, path in found.items()}
            for fut in cf.as_completed(futures):
                g = fut.result()
                grades[g.student_id] = g
                if progress and not (jobs > 1 and g.status in ("crashed", "grader-error")):
                    progress(g)
        if jobs > 1:
            # a crash (or a checker killed) while others ran in parallel may come from a
            # neighbour: run those once more, alone
            retry = [s for s, g in grades.items() if g.status in ("crashed", "grader-error")]
            for sid in retry:
                grades[sid] = one(sid, found[sid], attempt=1)
                if progress:
                    progress(grades[sid])
        ordered = tuple(grades[s] for s in sorted(grades))
        book = Gradebook(
            exercise=ex.name,
            max_points=template.max_points,
            grades=ordered,
            check_ids=tuple(c.id for c in template.checks),
            out=Path(out) if out is not None else None,
            wall_time_s=time.perf_counter() - start,
        )
        if out is not None:
            _write(book, ex, template, Path(out), limits, params, ignored, jobs, overwrite)
        return book
    finally:
        if server is not None:
            server.close()
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(check_root, ignore_errors=True)


def _write(
    book: Gradebook,
    ex: Exercise,
    template: Template,
    out: Path,
    limits: Limits,
    params: Mapping[str, Any] | None,
    ignored: list[str],
    jobs: int,
    overwrite: bool,
) -> None:
    from .. import __version__
    from .._io import atomic_dir

    with atomic_dir(out, overwrite=overwrite) as tmp:
        book.table.to_csv(tmp / "gradebook.csv", index=False)
        (tmp / "feedback").mkdir()
        (tmp / "executed").mkdir()
        for g in book.grades:
            (tmp / "feedback" / f"{g.student_id}.md").write_text(_feedback(g, ex), encoding="utf-8")
            if g.executed is not None and g.executed.is_file():
                shutil.copyfile(g.executed, tmp / "executed" / f"{g.student_id}.ipynb")
        manifest = {
            "exercise": ex.name,
            "template_sha256": template.sha256,
            "max_points": template.max_points,
            "checks": [
                {
                    "id": c.id,
                    "answer": c.answer,
                    "rule": c.rule,
                    "points": c.points,
                    "hidden": c.hidden,
                }
                for c in template.checks
            ],
            "parameters": dict(params or {}),
            "limits": limits.as_dict(),
            "jobs": jobs,
            "ecrm_lab_version": __version__,
            "graded_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "wall_time_s": round(book.wall_time_s, 2),
            "ignored_files": ignored,
            "students": {
                g.student_id: {"status": g.status, "total": g.total, **g.run} for g in book.grades
            },
        }
        (tmp / "grading.json").write_text(json.dumps(manifest, indent=2) + "\n")


def check_solution(
    exercise: Exercise | str | int,
    student_ids: Sequence[str],
    params: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Grade the solution against itself for these students' data, in this process.

    Every check should give full points for every student; a row with ``earned < points``
    is a check too strict for some data (or broken). Runs the instructor's own code only,
    without a sandbox. Returns one row per student and check.
    """
    from ._checker import self_check

    ex = get_exercise(exercise)
    template = ex.template()
    rows = []
    with tempfile.TemporaryDirectory(prefix="ecrm-solution-check-") as tmp:
        for sid in student_ids:
            values = ex.values(sid, params)
            with contextlib.redirect_stdout(io.StringIO()):
                result = self_check(template, ex.parameters_source(values), Path(tmp))
            problems = "; ".join(result.get("grader_problems", []))
            for c in result["checks"]:
                rows.append(
                    {
                        "student_id": sid,
                        "check": c["id"],
                        "points": c["points"],
                        "earned": c["earned"],
                        "message": c["message"],
                        "problem": problems,
                    }
                )
    return pd.DataFrame(
        rows, columns=["student_id", "check", "points", "earned", "message", "problem"]
    )
