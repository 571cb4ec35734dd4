"""The sandboxed notebook runner: ``python -m ecrm_lab.grading._runner JOB_DIR``.

Started by :func:`ecrm_lab.grading.sandbox.run_notebook` in its own session with a clean
environment. It first lowers its own resource limits (address space, CPU time, file size, no
core dumps) so that the kernel it starts inherits them, makes itself the "child subreaper" of
its descendants (Linux) so that processes the student's code spawns stay in its tree, then
executes ``JOB_DIR/work/notebook.ipynb`` cell by cell with a per-cell timeout, keeping at most
``max_output_bytes`` of cell output. It writes ``JOB_DIR/result.json`` and
``JOB_DIR/executed.ipynb``; the kernel's working directory is ``JOB_DIR/work``.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
from pathlib import Path
from typing import Any

_PR_SET_CHILD_SUBREAPER = 36


def skip_slow_imports() -> None:
    """Opt out of jsonschema's optional IRI format checker in grading child processes.

    nbformat imports jsonschema, which imports ``rfc3987_syntax`` when installed; that module
    compiles an Earley grammar at import time (2-3 s of CPU in every runner and checker).
    Notebook validation never checks IRIs, so the child processes block that import.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def set_limits(limits: dict[str, Any]) -> None:
    """Lower this process's resource limits (inherited by every child)."""
    mem = int(limits["memory_mb"]) * 1024 * 1024
    cpu = int(limits["cpu_seconds"])
    fsize = int(limits["file_mb"]) * 1024 * 1024
    for res, soft, hard in (
        (resource.RLIMIT_AS, mem, mem),
        (resource.RLIMIT_CPU, cpu, cpu + 5),
        (resource.RLIMIT_FSIZE, fsize, fsize),
        (resource.RLIMIT_CORE, 0, 0),
    ):
        _, old_hard = resource.getrlimit(res)
        if old_hard != resource.RLIM_INFINITY:
            soft, hard = min(soft, old_hard), min(hard, old_hard)
        resource.setrlimit(res, (soft, hard))


def become_subreaper() -> bool:
    """Adopt orphaned descendants (Linux ``prctl``); False where that is not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _output_size(out: Any) -> int:
    size = 0
    for key in ("text", "data", "traceback", "evalue"):
        value = out.get(key) if hasattr(out, "get") else None
        if isinstance(value, str):
            size += len(value)
        elif isinstance(value, list):
            size += sum(len(str(v)) for v in value)
        elif isinstance(value, dict):
            size += sum(len(str(v)) for v in value.values())
    return size


def _make_client(nb, limits: dict[str, Any], work: Path):
    from nbclient import NotebookClient

    class CappedClient(NotebookClient):
        """A notebook client that keeps at most ``max_output_bytes`` of output."""

        def __init__(self, *args, max_output_bytes: int, **kwargs):
            super().__init__(*args, **kwargs)
            self.max_output_bytes = max_output_bytes
            self.output_bytes = 0
            self.output_truncated = False
            self.timed_out: set[int] = set()

        async def _async_handle_timeout(self, timeout, cell=None):
            if cell is not None:
                self.timed_out.add(id(cell))
            return await super()._async_handle_timeout(timeout, cell)

        def output(self, outs, msg, display_id, cell_index):
            from nbformat.v4 import output_from_msg

            try:
                size = _output_size(output_from_msg(msg))
            except ValueError:
                size = 0
            self.output_bytes += size
            if self.output_bytes > self.max_output_bytes:
                if not self.output_truncated:
                    self.output_truncated = True
                    from nbformat.v4 import new_output

                    outs.append(
                        new_output(
                            "stream",
                            name="stderr",
                            text=f"[output stopped: more than "
                            f"{self.max_output_bytes / 2**20:.1f} MB printed]\n",
                        )
                    )
                    # stop the printing cell: the kernel gets a KeyboardInterrupt
                    if self.km is not None:
                        asyncio.ensure_future(_interrupt(self.km))
                return None
            return super().output(outs, msg, display_id, cell_index)

    return CappedClient(
        nb,
        kernel_name=limits.get("kernel_name", "python3"),
        timeout=int(limits["cell_timeout"]),
        startup_timeout=int(limits.get("startup_timeout", 60)),
        allow_errors=True,
        interrupt_on_timeout=True,
        error_on_timeout={
            "ename": "CellTimeout",
            "evalue": f"the cell ran longer than {limits['cell_timeout']:g} s and was stopped",
            "traceback": [],
        },
        record_timing=False,
        resources={"metadata": {"path": str(work)}},
        max_output_bytes=int(limits["output_mb"] * 1024 * 1024),
        shutdown_kernel="immediate",
    )


async def _interrupt(km) -> None:
    from jupyter_core.utils import ensure_async

    try:
        await ensure_async(km.interrupt_kernel())
    except Exception:  # the kernel may already be gone
        pass


def _kernel_returncode(client) -> int | None:
    try:
        proc = client.km.provisioner.process
        return proc.poll()
    except AttributeError:
        return None


def _cell_errors(nb, timed_out: set[int], cell_timeout: float) -> list[dict[str, Any]]:
    errors = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if id(cell) in timed_out:
            errors.append(
                {
                    "index": i,
                    "grade_id": cell.get("metadata", {}).get("nbgrader", {}).get("grade_id"),
                    "harness": False,
                    "ename": "CellTimeout",
                    "evalue": f"the cell ran longer than {cell_timeout:g} s and was stopped",
                    "traceback": [],
                }
            )
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                errors.append(
                    {
                        "index": i,
                        "grade_id": cell.get("metadata", {}).get("nbgrader", {}).get("grade_id"),
                        "harness": "ecrm-grading-harness"
                        in cell.get("metadata", {}).get("tags", []),
                        "ename": str(out.get("ename", ""))[:200],
                        "evalue": str(out.get("evalue", ""))[:500],
                        "traceback": [str(t)[:2000] for t in out.get("traceback", [])[-8:]],
                    }
                )
    return errors


async def _run(job_dir: Path, limits: dict[str, Any]) -> dict[str, Any]:
    import nbformat
    from nbclient.exceptions import DeadKernelError

    work = job_dir / "work"
    nb = nbformat.read(work / "notebook.ipynb", as_version=4)
    client = _make_client(nb, limits, work)
    status, reason, returncode = "ok", "", None
    try:
        async with client.async_setup_kernel():
            for index, cell in enumerate(nb.cells):
                try:
                    await client.async_execute_cell(cell, index, execution_count=index + 1)
                except DeadKernelError:
                    returncode = _kernel_returncode(client)
                    status = "crashed"
                    reason = "the kernel died"
                    break
    except DeadKernelError:
        returncode = _kernel_returncode(client)
        status, reason = "crashed", "the kernel died"
    except RuntimeError as exc:  # kernel failed to start, among others
        status, reason = "crashed", f"the kernel could not run: {exc}"[:500]
    result = {
        "status": status,
        "reason": reason,
        "kernel_returncode": returncode,
        "output_truncated": client.output_truncated,
        "output_bytes": client.output_bytes,
        "errors": _cell_errors(nb, client.timed_out, float(limits["cell_timeout"])),
    }
    try:
        nbformat.write(nb, job_dir / "executed.ipynb")
    except (OSError, ValueError) as exc:
        result["executed_error"] = f"{type(exc).__name__}: {exc}"[:300]
    return result


def main(argv: list[str] | None = None) -> int:
    skip_slow_imports()
    args = sys.argv[1:] if argv is None else argv
    job_dir = Path(args[0]).resolve()
    job = json.loads((job_dir / "job.json").read_text(encoding="utf-8"))
    limits = job["limits"]
    set_limits(limits)
    become_subreaper()
    os.chdir(job_dir / "work")
    try:
        result = asyncio.run(_run(job_dir, limits))
    except MemoryError:
        result = {"status": "crashed", "reason": "the grader ran out of memory", "errors": []}
    tmp = job_dir / ".result.json.tmp"
    tmp.write_text(json.dumps(result), encoding="utf-8")
    os.replace(tmp, job_dir / "result.json")
    kill_descendants()
    return 0


def kill_descendants() -> None:
    """Kill every process below this one, including orphans it adopted as subreaper.

    Runs before the runner exits: once it is gone, adopted orphans would move to init and
    out of the grader's sight (the grader still sweeps by token afterwards).
    """
    import psutil

    for _ in range(3):
        kids = psutil.Process().children(recursive=True)
        if not kids:
            return
        for k in kids:
            try:
                k.suspend()
            except psutil.Error:
                pass
        for k in kids:
            try:
                k.kill()
            except psutil.Error:
                pass
        psutil.wait_procs(kids, timeout=2)


if __name__ == "__main__":
    sys.exit(main())
