"""Run an untrusted notebook in a child process with limits, and leave nothing behind.

:func:`run_notebook` writes the notebook into a fresh temporary directory and starts
``python -m ecrm_lab.grading._runner`` there:

* in its **own session** (so it and its process group can be signalled as a whole), with a
  clean environment (no ``PYTHONPATH``, ``HOME`` and the kernel's working directory inside
  the temporary directory, one BLAS thread) tagged with a random token;
* the runner lowers its own **resource limits** before it starts the kernel, which inherits
  them: address space (``RLIMIT_AS``), CPU seconds (``RLIMIT_CPU``), size of any file written
  (``RLIMIT_FSIZE``), no core dumps; it keeps at most ``output_mb`` of cell output and stops
  a cell that prints more;
* a **per-cell** wall-clock limit interrupts a cell that runs too long and moves on; a
  **whole-notebook** wall-clock limit kills everything.

Afterwards — on success, error or timeout alike — :func:`kill_tree` kills the whole tree:
every descendant of the runner (the Jupyter kernel runs in a session of its own, so killing
one process group is not enough), every process group they lead, and any process still
carrying the job's token in its environment (e.g. a daemon that double-forked away). It then
checks with :mod:`psutil` that nothing survives.

These limits are not a container: see ``docs/GRADING.md`` for what they do not stop.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from .._validation import Interval, check_param

__all__ = ["Limits", "RunResult", "run_notebook", "kill_tree", "sandbox_env", "TOKEN_ENV"]

#: environment variable that tags every process of one sandboxed run
TOKEN_ENV = "ECRM_GRADING_TOKEN"
_RESULT_MAX_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandboxed notebook run.

    Parameters
    ----------
    timeout : float
        Wall-clock seconds for the whole notebook (kernel start included); then everything
        is killed.
    cell_timeout : float
        Wall-clock seconds for one cell; the cell is interrupted and the next one runs.
    memory_mb : int
        Address-space limit of each process (runner and kernel), in MiB.
    cpu_seconds : int or None
        CPU-time limit of each process; ``None`` means ``timeout`` rounded up.
    output_mb : float
        Cell output kept; a cell printing more is interrupted.
    file_mb : int
        Largest file the notebook may write, in MiB.
    """

    timeout: float = 300.0
    cell_timeout: float = 120.0
    memory_mb: int = 2048
    cpu_seconds: int | None = None
    output_mb: float = 2.0
    file_mb: int = 64

    def __post_init__(self) -> None:
        where = "Limits"
        check_param(self.timeout, "timeout", where, float, interval=Interval(1, 86_400))
        check_param(self.cell_timeout, "cell_timeout", where, float, interval=Interval(1, 86_400))
        check_param(self.memory_mb, "memory_mb", where, int, interval=Interval(256, 1_048_576))
        check_param(
            self.cpu_seconds, "cpu_seconds", where, int, interval=Interval(1, 86_400), nullable=True
        )
        check_param(self.output_mb, "output_mb", where, float, interval=Interval(0.01, 1024))
        check_param(self.file_mb, "file_mb", where, int, interval=Interval(1, 1_048_576))

    @property
    def cpu(self) -> int:
        return self.cpu_seconds if self.cpu_seconds is not None else int(self.timeout + 0.999)

    def as_dict(self) -> dict[str, Any]:
        return {
            "timeout": float(self.timeout),
            "cell_timeout": float(self.cell_timeout),
            "memory_mb": int(self.memory_mb),
            "cpu_seconds": int(self.cpu),
            "output_mb": float(self.output_mb),
            "file_mb": int(self.file_mb),
        }


@dataclass(frozen=True)
class RunResult:
    """What happened when a notebook ran in the sandbox.

    ``status`` is ``"ok"`` (every cell ran, maybe with errors listed in ``errors``),
    ``"timeout"`` (killed at the whole-notebook limit) or ``"crashed"`` (the kernel or the
    runner died: memory or CPU limit, a hard exit, a signal).
    """

    status: str
    reason: str
    wall_time_s: float
    errors: tuple[dict[str, Any], ...] = ()
    output_truncated: bool = False
    executed: Path | None = None
    answers: Path | None = None
    survivors: int = 0
    details: dict[str, Any] = field(default_factory=dict)


def sandbox_env(home: Path, token: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a sandboxed run: minimal, deterministic, one thread, tagged."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": str(home),
        "TMPDIR": str(home),
        "IPYTHONDIR": str(home / ".ipython"),
        "JUPYTER_RUNTIME_DIR": str(home / ".jupyter-runtime"),
        "JUPYTER_PREFER_ENV_PATH": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "MPLBACKEND": "Agg",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "NUMEXPR_NUM_THREADS": "1",
        "MALLOC_ARENA_MAX": "2",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        TOKEN_ENV: token,
    }
    mpl_cache = _matplotlib_cache()
    if mpl_cache:
        env["MPLCONFIGDIR"] = mpl_cache
    if "VIRTUAL_ENV" in os.environ:
        env["VIRTUAL_ENV"] = os.environ["VIRTUAL_ENV"]
    env.update(extra or {})
    return env


def _matplotlib_cache() -> str | None:
    """Share matplotlib's font cache (rebuilding it in every sandbox costs seconds)."""
    env = os.environ.get("MPLCONFIGDIR")
    if env:
        return env
    try:
        import matplotlib

        return matplotlib.get_cachedir()
    except Exception:  # matplotlib missing or unwritable cache: it will use a temp dir
        return None


def _token_processes(token: str) -> list:
    import psutil

    me = os.getpid()
    found = []
    for p in psutil.process_iter(["pid"]):
        if p.pid == me:
            continue
        try:
            if p.environ().get(TOKEN_ENV) == token:
                found.append(p)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess, OSError):
            continue
    return found


def _alive(procs) -> list:
    import psutil

    out = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            continue
    return out


def kill_tree(root_pid: int | None, token: str | None, *, rounds: int = 5) -> int:
    """Kill ``root_pid``, all its descendants, their process groups and every process tagged
    with ``token``; return how many are still alive afterwards (0 when all went).

    The grader's own process group is never signalled.
    """
    import psutil

    own_group = os.getpgid(0)
    for _ in range(rounds):
        procs: dict[int, Any] = {}
        if root_pid is not None:
            try:
                root = psutil.Process(root_pid)
                procs[root.pid] = root
                for child in root.children(recursive=True):
                    procs[child.pid] = child
            except psutil.NoSuchProcess:
                pass
        if token:
            for p in _token_processes(token):
                procs.setdefault(p.pid, p)
        procs.pop(os.getpid(), None)
        alive = _alive(procs.values())
        if not alive:
            return 0
        # freeze first so nothing forks away between the listing and the kill
        for p in alive:
            try:
                p.suspend()
            except psutil.Error:
                pass
        groups = set()
        for p in alive:
            try:
                groups.add(os.getpgid(p.pid))
            except OSError:
                pass
        for g in groups - {own_group}:
            try:
                os.killpg(g, signal.SIGKILL)
            except OSError:
                pass
        for p in alive:
            try:
                p.kill()
            except psutil.Error:
                pass
        psutil.wait_procs(alive, timeout=2)
    remaining = set()
    if token:
        remaining |= {p.pid for p in _alive(_token_processes(token))}
    if root_pid is not None:
        try:
            root = psutil.Process(root_pid)
            remaining |= {p.pid for p in _alive([root, *root.children(recursive=True)])}
        except psutil.NoSuchProcess:
            pass
    return len(remaining)


def _read_result(path: Path) -> dict[str, Any] | None:
    try:
        if path.stat().st_size > _RESULT_MAX_BYTES:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _tail(path: Path, n: int = 2000) -> str:
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - n))
            return fh.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _describe_death(code: int | None) -> str:
    if code is None:
        return ""
    if code < 0:
        sig = -code
        if sig == getattr(signal, "SIGXCPU", -1):
            return " (CPU time limit reached)"
        if sig == signal.SIGKILL:
            return " (killed)"
        if sig == signal.SIGSEGV:
            return " (segmentation fault)"
        try:
            return f" (signal {signal.Signals(sig).name})"
        except ValueError:
            return f" (signal {sig})"
    return f" (exit code {code})"


def run_notebook(
    nb: nbformat.NotebookNode,
    job_dir: str | Path,
    limits: Limits | None = None,
    *,
    kernel_name: str = "python3",
    python: str | None = None,
) -> RunResult:
    """Execute ``nb`` in the sandbox under ``job_dir`` (which must not exist yet).

    The kernel works in ``job_dir/work``; the executed notebook goes to
    ``job_dir/executed.ipynb``. Returns a :class:`RunResult`; never raises for anything the
    notebook does.
    """
    limits = limits or Limits()
    job_dir = Path(job_dir).resolve()
    work = job_dir / "work"
    work.mkdir(parents=True)
    (job_dir / ".jupyter-runtime").mkdir()
    nbformat.write(nb, work / "notebook.ipynb")
    job = {"limits": {**limits.as_dict(), "kernel_name": kernel_name, "startup_timeout": 60}}
    (job_dir / "job.json").write_text(json.dumps(job), encoding="utf-8")
    token = uuid.uuid4().hex
    env = sandbox_env(job_dir, token)
    log_path = job_dir / "runner.log"
    start = time.perf_counter()
    timed_out = False
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [python or sys.executable, "-m", "ecrm_lab.grading._runner", str(job_dir)],
            cwd=str(job_dir),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
        try:
            proc.wait(timeout=limits.timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            survivors = kill_tree(proc.pid, token)
            proc.wait()
    wall = time.perf_counter() - start
    result = _read_result(job_dir / "result.json")
    executed = job_dir / "executed.ipynb"
    answers = work / "answers.json"
    common = {
        "wall_time_s": wall,
        "executed": executed if executed.is_file() else None,
        "answers": answers,
        "survivors": survivors,
    }
    if timed_out:
        return RunResult(
            "timeout",
            f"the notebook ran longer than the limit of {limits.timeout:g} s; it was stopped "
            "and every process it started was killed",
            errors=tuple(result.get("errors", ())) if result else (),
            **common,
        )
    if result is None:
        tail = _tail(log_path).strip().splitlines()
        last = tail[-1][:300] if tail else ""
        return RunResult(
            "crashed",
            "the notebook runner stopped without a result"
            + _describe_death(proc.returncode)
            + (f": {last}" if last else ""),
            **common,
        )
    status = result.get("status", "crashed")
    reason = str(result.get("reason", ""))
    if status == "crashed":
        rc = result.get("kernel_returncode")
        reason += _describe_death(rc if isinstance(rc, int) else None)
        if isinstance(rc, int) and rc < 0 and -rc == signal.SIGKILL:
            reason += "; memory may have run out"
    if status not in ("ok", "crashed"):
        status, reason = "crashed", "the notebook runner reported an unknown status"
    return RunResult(
        status,
        reason,
        errors=tuple(e for e in result.get("errors", ()) if isinstance(e, dict)),
        output_truncated=bool(result.get("output_truncated", False)),
        details={"kernel_returncode": result.get("kernel_returncode")},
        **common,
    )
