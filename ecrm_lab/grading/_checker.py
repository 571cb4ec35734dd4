"""The checker process: :func:`main` with ``JOB_DIR`` (see :data:`COMMAND`).

Runs in its own process, never in the student's kernel and never importing anything the
student wrote. It

1. runs the instructor's solution (set-up and answer cells of the template, with the
   student's parameters) to recompute the *reference* answers for that student's data;
2. reads the student's answers from the JSON the sandboxed kernel wrote (plain data only);
3. executes the template's test cells — public and hidden checks — with :func:`check`
   recording each call, and scores every check.

Input ``JOB_DIR/check.json``; output ``JOB_DIR/checks.json``.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

from . import checks as _checks
from .checks import Outcome, Rule, score
from .harness import AnswerError, decode, encode, read_answers
from .notebook import CheckSpec, Template

#: how the grader starts a checker (the job folder is appended); the first statement skips a
#: slow optional import of jsonschema (see ``_runner.skip_slow_imports``) before nbformat loads
COMMAND = (
    "import sys; sys.modules.setdefault('rfc3987_syntax', None); "
    "from ecrm_lab.grading._checker import main; sys.exit(main(sys.argv[1:]))"
)
#: how the grader starts a checker *server* (modules to preload are appended)
SERVE_COMMAND = (
    "import sys; sys.modules.setdefault('rfc3987_syntax', None); "
    "from ecrm_lab.grading._checker import serve; sys.exit(serve(sys.argv[1:]))"
)


class _Recorder:
    """Collects the ``check()`` calls of one test cell and scores them."""

    def __init__(self, answers: dict[str, Any], reference: dict[str, Any]) -> None:
        self.answers = answers
        self.reference = reference
        self.calls: list[tuple[str, Rule, float, Outcome]] = []
        self.reference_problems: list[str] = []

    def record(self, answer: str, rule: Rule, points: float) -> None:
        ref_entry = self.reference.get(answer)
        ref_value = None
        if rule.needs_reference:
            if ref_entry is None or "value" not in ref_entry:
                why = (ref_entry or {}).get("error", "the solution did not define it")
                self.reference_problems.append(f"reference answer {answer!r}: {why}")
                self.calls.append(
                    (answer, rule, points, Outcome(0.0, "the expected answer is unavailable"))
                )
                return
            ref_value = decode(ref_entry["value"])
        self.calls.append((answer, rule, points, score(rule, self.answers.get(answer), ref_value)))


def _reference_answers(template: Template, parameters_source: str, workdir: Path):
    """Run the solution in ``workdir``; return ({name: entry}, namespace, problem or None)."""
    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": __builtins__}
    cwd = os.getcwd()
    os.chdir(workdir)
    try:
        for label, src in template.reference_program(parameters_source):
            try:
                exec(compile(src, f"<solution {label}>", "exec"), namespace)
            except Exception:
                tb = traceback.format_exc(limit=-3)
                return {}, namespace, f"the solution failed in {label}:\n{tb}"
    finally:
        os.chdir(cwd)
    out: dict[str, Any] = {}
    for name in template.answers:
        if name not in namespace:
            out[name] = {"missing": True}
            continue
        try:
            out[name] = {"value": encode(namespace[name])}
        except AnswerError as exc:
            out[name] = {"error": str(exc)}
    return out, namespace, None


def run_checks(job: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """Score one student's answers; returns the content of ``checks.json``."""
    template = Template.from_file(job["source"], job["name"], job["param_names"])
    if job.get("sha256") and template.sha256 != job["sha256"]:
        raise RuntimeError("the exercise template changed on disk while grading")
    reference, namespace, ref_problem = _reference_answers(
        template, job["parameters_source"], workdir
    )
    answers, answers_problem = read_answers(job["answers"])
    return _score_all(template, reference, namespace, ref_problem, answers, answers_problem)


def self_check(template: Template, parameters_source: str, workdir: Path) -> dict[str, Any]:
    """Grade the solution against itself (in this process): every check should pass.

    For instructors: shows, for one student's parameters, which checks the solution itself
    fails (an absolute threshold too strict for some data, a broken check).
    """
    reference, namespace, problem = _reference_answers(template, parameters_source, workdir)
    return _score_all(template, reference, namespace, problem, reference, None)


def _score_all(
    template: Template,
    reference: dict[str, Any],
    namespace: dict[str, Any],
    ref_problem: str | None,
    answers: dict[str, Any],
    answers_problem: str | None,
) -> dict[str, Any]:
    specs_by_cell: dict[str, list[CheckSpec]] = {}
    for spec in template.checks:
        specs_by_cell.setdefault(spec.grade_id, []).append(spec)
    results: list[dict[str, Any]] = []
    problems: list[str] = [ref_problem] if ref_problem else []
    for gid, segments in template.test_cells():
        recorder = _Recorder(answers, reference)
        failed = None
        if ref_problem is None:
            _checks._install(recorder)
            try:
                for src, _hidden in segments:
                    exec(compile(src, f"<test cell {gid}>", "exec"), namespace)
            except Exception:
                failed = traceback.format_exc(limit=-2)
            finally:
                _checks._uninstall()
        problems.extend(recorder.reference_problems)
        specs = specs_by_cell.get(gid, [])
        if failed:
            problems.append(f"test cell {gid!r} failed:\n{failed}")
        if len(recorder.calls) > len(specs):
            problems.append(f"test cell {gid!r} made more check() calls than it declares")
        for k, spec in enumerate(specs):
            if k < len(recorder.calls):
                answer, rule, points, outcome = recorder.calls[k]
                if answer != spec.answer or points != spec.points:
                    problems.append(f"test cell {gid!r}: check {k + 1} does not match its source")
                    outcome = Outcome(0.0, "the check could not be matched")
                description = rule.describe()
            else:
                outcome = Outcome(
                    0.0, "not checked: the grader could not compute the expected answer"
                )
                description = spec.rule
            results.append(
                {
                    "id": spec.id,
                    "grade_id": gid,
                    "answer": spec.answer,
                    "rule": spec.rule,
                    "description": description,
                    "hidden": spec.hidden,
                    "points": spec.points,
                    "fraction": outcome.fraction,
                    "earned": round(spec.points * outcome.fraction, 2),
                    "message": outcome.message,
                }
            )
    return {
        "checks": results,
        "answers_problem": answers_problem,
        "grader_problems": problems,
        "answers_sent": {
            name: ("value" if "value" in e else "missing" if e.get("missing") else "error")
            for name, e in answers.items()
        },
    }


def main(argv: list[str] | None = None) -> int:
    from ._runner import set_limits

    args = sys.argv[1:] if argv is None else argv
    job_dir = Path(args[0]).resolve()
    job = json.loads((job_dir / "check.json").read_text(encoding="utf-8"))
    set_limits(job["limits"])
    work = job_dir / "work"
    work.mkdir(exist_ok=True)
    try:
        result = run_checks(job, work)
    except Exception:
        result = {"fatal": traceback.format_exc(limit=-4)}
    tmp = job_dir / ".checks.json.tmp"
    tmp.write_text(json.dumps(result, allow_nan=False, default=str), encoding="utf-8")
    os.replace(tmp, job_dir / "checks.json")
    return 0


def _run_forked(job_dir: str) -> int:
    """In a child forked by :func:`serve`: detach, point stdio at the job's log, check."""
    try:
        os.setsid()
        log = os.open(os.path.join(job_dir, "checker.log"), os.O_WRONLY | os.O_CREAT, 0o644)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        return main([job_dir])
    except BaseException:  # the child must never return into the server's loop
        traceback.print_exc()
        return 1


def serve(preload: list[str]) -> int:
    """A checker server: import the heavy modules once, then fork one checker per job.

    Reads ``RUN <job_dir>`` lines on stdin; answers ``STARTED <job_dir> <pid>`` and, when the
    child exits, ``DONE <job_dir> <exit code>``. Each child runs :func:`main` in a session of
    its own, so the grader can kill it and its descendants like any checker. The server is
    single-threaded (forking is safe) and exits when stdin closes and its children are done.
    Forking saves every checker the seconds of importing pandas, scikit-learn and the
    exercise's modules.
    """
    import importlib
    import selectors

    for name in preload:
        try:
            importlib.import_module(name)
        except Exception:  # a module that does not import is imported (and fails) per job
            pass
    children: dict[int, str] = {}
    sel = selectors.DefaultSelector()
    sel.register(0, selectors.EVENT_READ)
    buffer, eof = b"", False

    def say(text: str) -> None:
        os.write(1, (text + "\n").encode())

    while not eof or children:
        for _key, _ in sel.select(timeout=0.05) if not eof else []:
            data = os.read(0, 65536)
            if not data:
                eof = True
                sel.unregister(0)
                break
            buffer += data
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                parts = line.decode().split(" ", 1)
                if len(parts) != 2 or parts[0] != "RUN":
                    continue
                job_dir = parts[1]
                pid = os.fork()
                if pid == 0:
                    os._exit(_run_forked(job_dir))
                children[pid] = job_dir
                say(f"STARTED {pid} {job_dir}")
        if eof and children:
            import time

            time.sleep(0.05)
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                children.clear()
                break
            if pid == 0:
                break
            job_dir = children.pop(pid, None)
            if job_dir is not None:
                say(f"DONE {os.waitstatus_to_exitcode(status)} {job_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
