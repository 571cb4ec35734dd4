"""Benchmark: grading a class of submissions, ecrm-lab's sandboxed grader against nbgrader.

A class of ``--n`` students (default 30) hands in one exercise (default
``02_classification_lift``): each notebook is the released student version of that student,
with the solution typed into the answer cells, except three that go wrong in the ordinary
ways (one answer raises, one file is not a notebook, one is handed in unanswered). ecrm-lab
grades them with ``--jobs`` parallel sandboxes (default 2); every submission runs in its own
kernel under resource limits and is checked in a separate process against the answers
recomputed for that student's data. The target is under 5 minutes for 30 submissions on two
cores.

The peer is nbgrader (``nbgrader generate_assignment`` + ``nbgrader autograde`` on the same
notebooks, same kernel, in a course directory of its own). It is not a dependency of ecrm-lab;
give the path of an ``nbgrader`` executable from another environment with ``--nbgrader``
(or have one on ``PATH``). Without it the peer column says so. nbgrader runs the hidden tests
in the student's kernel, one submission after another, without resource limits.

Measured: wall time of the whole class (median over ``--repeats``), the median and maximum
sandbox time per submission, submissions per minute, peak resident memory of all grading
processes together (sampled every 0.2 s with psutil).

Usage::

    .venv/bin/python benchmarks/bench_grading.py                 # 30 submissions, 2 jobs
    .venv/bin/python benchmarks/bench_grading.py --nbgrader /path/to/venv/bin/nbgrader
    .venv/bin/python benchmarks/bench_grading.py --quick         # 2 toy submissions

Writes ``benchmarks/results/grading.json`` (``grading_quick.json`` with ``--quick``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import psutil

from ecrm_lab.grading import Exercise, Limits, exercise_params, get_exercise, grade

RESULTS = Path(__file__).parent / "results"
TOY = Path(__file__).parents[1] / "tests" / "grading" / "fixtures" / "toy_exercise.py"


class PeakRSS:
    """Peak resident memory of this process and all its descendants, sampled in a thread."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        me = psutil.Process()
        total = 0
        for p in [me, *me.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                continue
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def make_class(ex: Exercise, n: int, folder: Path) -> dict[str, str]:
    """Write ``n`` submissions; return what each student is expected to get."""
    template = ex.template()
    solution = {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in template.notebook.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }
    first = template.solution_ids[0]
    expected = {}
    for i in range(n):
        sid = f"student{i:03d}"
        nb = template.student_notebook(ex.parameters_source(ex.values(sid)), student_id=sid)
        kind = (
            {0: "raises", 1: "invalid", 2: "unanswered"}.get(i, "solution")
            if n >= 10
            else ("solution")
        )
        if kind == "invalid":
            (folder / f"{sid}.ipynb").write_text("{ this is not a notebook")
            expected[sid] = "invalid"
            continue
        for c in nb.cells:
            gid = c.metadata.get("nbgrader", {}).get("grade_id")
            if gid in solution and kind != "unanswered":
                c.source = solution[gid]
            if gid == first and kind == "raises":
                c.source = "raise RuntimeError('the student gave up')"
        nbformat.write(nb, folder / f"{sid}.ipynb")
        expected[sid] = {"raises": "errors", "unanswered": "empty"}.get(kind, "ok")
    return expected


def run_ecrm(ex: Exercise, subs: Path, jobs: int, limits: Limits) -> dict:
    with PeakRSS() as mem:
        start = time.perf_counter()
        book = grade(ex, subs, None, jobs=jobs, limits=limits)
        wall = time.perf_counter() - start
    table = book.table
    run_times = [g.run["wall_time_s"] for g in book.grades if g.run]
    return {
        "wall_s": wall,
        "peak_rss_mb": mem.peak / 2**20,
        "per_submission_median_s": statistics.median(run_times) if run_times else None,
        "per_submission_max_s": max(run_times) if run_times else None,
        "statuses": table["status"].value_counts().to_dict(),
        "full_marks": int((table["total"] == table["max_points"]).sum()),
        "table": table,
    }


def nbgrader_status(path: str | None) -> tuple[str | None, str]:
    exe = path or shutil.which("nbgrader")
    if not exe:
        return None, "nbgrader not installed here (give --nbgrader PATH): skipped"
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"nbgrader at {exe} does not run: {exc}"
    version = (out.stdout or out.stderr).strip().splitlines()[-1] if out.returncode == 0 else ""
    if not version:
        return None, f"nbgrader at {exe} does not run"
    return exe, version


def run_nbgrader(exe: str, ex: Exercise, subs: Path, work: Path) -> dict:
    """Autograde the same notebooks with nbgrader, in the same kernel (this venv's python)."""
    course = work / "nbgrader_course"
    (course / "source" / "ex").mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        "c.CourseDirectory.course_id = 'bench'\n"
        "c.ExecutePreprocessor.timeout = 300\n"
    )
    shutil.copy(ex.notebook, course / "source" / "ex" / f"{ex.name}.ipynb")
    kernels = work / "jupyter" / "kernels" / "python3"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3 (ecrm-lab)",
                "language": "python",
            }
        )
    )
    env = {
        **os.environ,
        "JUPYTER_PATH": str(work / "jupyter"),
        "PATH": f"{Path(exe).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    for p in subs.glob("*.ipynb"):
        dest = course / "submitted" / p.stem / "ex"
        dest.mkdir(parents=True)
        shutil.copy(p, dest / f"{ex.name}.ipynb")

    def call(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([exe, *args], cwd=course, env=env, capture_output=True, text=True)

    gen = call("generate_assignment", "ex", "--force")
    if gen.returncode != 0:
        return {"error": "generate_assignment failed: " + gen.stderr[-500:]}
    with PeakRSS() as mem:
        start = time.perf_counter()
        auto = call("autograde", "ex", "--force")
        wall = time.perf_counter() - start
    call("export")
    grades = course / "grades.csv"
    import pandas as pd

    table = pd.read_csv(grades) if grades.is_file() else pd.DataFrame()
    return {
        "wall_s": wall,
        "peak_rss_mb": mem.peak / 2**20,
        "returncode": auto.returncode,
        "graded": int(len(table)),
        "full_marks": int((table["score"] == table["max_score"]).sum()) if len(table) else 0,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="2 toy submissions, a few seconds")
    ap.add_argument("--exercise", default="02_classification_lift")
    ap.add_argument("--n", type=int, default=30, help="submissions (default 30)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--nbgrader", default=None, help="path of an nbgrader executable")
    args = ap.parse_args(argv)
    if args.quick:
        ex = Exercise(99, "toy", "Toy", (), (), exercise_params("bank", 300), source=TOY)
        n, repeats, peer = 2, 1, None
    else:
        ex, n, repeats, peer = get_exercise(args.exercise), args.n, args.repeats, args.nbgrader
    limits = Limits(timeout=300, cell_timeout=120, memory_mb=2048)
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        subs = Path(tmp) / "submissions"
        subs.mkdir()
        expected = make_class(ex, n, subs)
        for _ in range(repeats):
            runs.append(run_ecrm(ex, subs, args.jobs, limits))
        exe, peer_version = nbgrader_status(peer) if not args.quick else (None, "skipped (--quick)")
        peer_result = run_nbgrader(exe, ex, subs, Path(tmp)) if exe else None
    table = runs[-1]["table"]
    got = dict(zip(table["student_id"], table["status"], strict=True))
    correct = sum(got.get(s) == v for s, v in expected.items())
    wall = statistics.median(r["wall_s"] for r in runs)
    row = {
        "exercise": ex.name,
        "submissions": n,
        "jobs": args.jobs,
        "cpus": os.cpu_count(),
        "repeats": repeats,
        "wall_s_median": round(wall, 1),
        "wall_s_all": [round(r["wall_s"], 1) for r in runs],
        "submissions_per_minute": round(60 * n / wall, 1),
        "per_submission_median_s": runs[-1]["per_submission_median_s"],
        "per_submission_max_s": runs[-1]["per_submission_max_s"],
        "peak_rss_mb": round(max(r["peak_rss_mb"] for r in runs)),
        "statuses": runs[-1]["statuses"],
        "statuses_as_expected": f"{correct}/{n}",
        "solutions_at_full_marks": runs[-1]["full_marks"],
        "under_5_minutes": wall < 300,
        "peer": peer_version,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
    }
    if peer_result:
        row["nbgrader"] = {
            k: (round(v, 1) if isinstance(v, float) else v) for k, v in peer_result.items()
        }
        if "wall_s" in peer_result:
            row["nbgrader_over_ecrm_wall"] = round(peer_result["wall_s"] / wall, 2)
    print(f"{'':28}{'ecrm-lab':>14}{'nbgrader':>14}")
    nb = row.get("nbgrader", {})
    print(f"{'wall time (s)':28}{wall:14.1f}{nb.get('wall_s', float('nan')):14.1f}")
    print(
        f"{'submissions per minute':28}{row['submissions_per_minute']:14.1f}"
        f"{60 * n / nb['wall_s'] if nb.get('wall_s') else float('nan'):14.1f}"
    )
    print(
        f"{'peak RSS, all processes (MB)':28}{row['peak_rss_mb']:14.0f}"
        f"{nb.get('peak_rss_mb', float('nan')):14.0f}"
    )
    print(f"{'parallel jobs':28}{args.jobs:14d}{1:14d}")
    print(
        f"per-submission sandbox time: median {row['per_submission_median_s']:.1f} s, "
        f"max {row['per_submission_max_s']:.1f} s"
    )
    print(
        f"statuses {row['statuses']} (as expected: {row['statuses_as_expected']}); "
        f"under 5 minutes: {row['under_5_minutes']}; peer: {peer_version}"
    )
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / ("grading_quick.json" if args.quick else "grading.json")
    out.write_text(json.dumps(row, indent=2, default=str) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
