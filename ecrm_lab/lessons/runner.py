"""Run lessons headless with papermill, validate parameters first, write a manifest.

Papermill does not validate parameters, so :func:`run_lesson` does: an unknown name, a wrong
type or an out-of-range value raises :class:`~ecrm_lab.exceptions.InvalidParameterError`
before any kernel starts. The executed notebook is written to a temporary file and moved into
place only on success; next to it goes ``NN_slug.manifest.json`` with the parameters, seed,
package versions, wall time and the checksums of the data the lesson read.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import html
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from .._io import READ_LOG_ENV, atomic_path, sha256_file
from .._validation import Param, unknown_param_error
from ..exceptions import InvalidParameterError, LessonFailed
from . import package_versions
from .notebooks import normalise, read_script, sync_parameters, write_notebook
from .registry import LESSONS, Lesson, get_lesson

__all__ = [
    "LessonRun",
    "LessonFailed",
    "run_lesson",
    "run_lessons",
    "render_lesson",
    "parse_params",
    "find_param",
    "write_index",
    "DEFAULT_KERNEL",
]

DEFAULT_KERNEL = "python3"


@dataclass(frozen=True)
class LessonRun:
    """What one lesson run produced."""

    lesson: str
    notebook: Path
    manifest: Path
    parameters: dict[str, Any]
    wall_time_s: float
    data_read: tuple[dict[str, Any], ...] = field(default=())


def _as_lesson(lesson: Lesson | str | int) -> Lesson:
    return lesson if isinstance(lesson, Lesson) else get_lesson(lesson)


@contextlib.contextmanager
def _kernel_environment(read_log: Path) -> Iterator[None]:
    """Environment for the kernel: the venv's kernelspec first, a read log for provenance."""
    keys = (READ_LOG_ENV, "JUPYTER_PREFER_ENV_PATH", "PYDEVD_DISABLE_FILE_VALIDATION", "MPLBACKEND")
    saved = {k: os.environ.get(k) for k in keys}
    # a non-interactive backend set for the caller (e.g. MPLBACKEND=Agg in CI) would keep the
    # kernel from its inline backend, and the notebooks would lose their figures
    os.environ.pop("MPLBACKEND", None)
    os.environ[READ_LOG_ENV] = str(read_log)
    os.environ["JUPYTER_PREFER_ENV_PATH"] = "1"  # the kernel of this interpreter's env
    os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # silence the debugger warning
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _execute(
    nb: nbformat.NotebookNode,
    dest: Path,
    parameters: Mapping[str, Any] | None,
    *,
    kernel_name: str,
    progress: bool,
    cwd: Path,
    timeout: float | None,
    label: str,
) -> tuple[nbformat.NotebookNode, list[dict[str, Any]], float]:
    """Execute ``nb`` with papermill into a temp file beside ``dest``; return the result."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError
    from traitlets.config import Config

    with tempfile.TemporaryDirectory(prefix="ecrm-lab-run-") as work:
        read_log = Path(work) / "reads.jsonl"
        read_log.touch()
        tmp_out = Path(work) / dest.name
        start = time.perf_counter()
        with _kernel_environment(read_log):
            try:
                executed = pm.execute_notebook(
                    nb,
                    str(tmp_out),
                    parameters=dict(parameters) if parameters else None,
                    kernel_name=kernel_name,
                    progress_bar=progress and {"desc": label, "leave": False},
                    cwd=str(cwd),
                    execution_timeout=timeout,
                    language="python",
                    # private IPC sockets (in this run's temporary directory) instead of
                    # unencrypted TCP on localhost; concurrent runs never share them
                    config=Config(
                        {"KernelManager": {"transport": "ipc", "ip": str(Path(work) / "kernel")}}
                    ),
                )
            except PapermillExecutionError as exc:
                raise LessonFailed(
                    f"lesson {label} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}"
                ) from None
        wall = time.perf_counter() - start
        reads = [json.loads(line) for line in read_log.read_text().splitlines() if line.strip()]
    return executed, reads, wall


def run_lesson(
    lesson: Lesson | str | int,
    params: Mapping[str, Any] | None = None,
    out_dir: str | os.PathLike = "runs/latest",
    *,
    kernel_name: str = DEFAULT_KERNEL,
    progress: bool = True,
    timeout: float | None = 600,
) -> LessonRun:
    """Execute one lesson with papermill.

    Parameters
    ----------
    lesson : Lesson, str or int
        The lesson, its number, slug or ``NN_slug`` name.
    params : mapping, optional
        Parameter values; validated against the registry before any kernel starts.
    out_dir : path
        Where the executed notebook and its manifest go.
    kernel_name : str
        Jupyter kernel; the default is this interpreter's own ``python3`` kernel.
    progress : bool
        Show a progress bar (tqdm, via papermill).
    timeout : float, optional
        Per-cell timeout in seconds.

    Examples
    --------
    >>> run = run_lesson("01", {"domain": "retail"}, "runs/demo")  # doctest: +SKIP
    """
    lesson = _as_lesson(lesson)
    values = lesson.validate(params or {})
    if not lesson.notebook.exists():
        raise InvalidParameterError(f"lesson {lesson.name}: notebook {lesson.notebook} is missing")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    dest = out_dir / f"{lesson.name}.ipynb"
    nb = nbformat.read(lesson.notebook, as_version=4)
    executed, reads, wall = _execute(
        nb,
        dest,
        values,
        kernel_name=kernel_name,
        progress=progress,
        cwd=lesson.notebook.parent,
        timeout=timeout,
        label=lesson.name,
    )
    write_notebook(executed, dest)
    manifest = {
        "lesson": lesson.name,
        "title": lesson.title,
        "parameters": values,
        "seed": values.get("seed"),
        "source": str(lesson.notebook),
        "source_sha256": sha256_file(lesson.notebook),
        "output": dest.name,
        "output_sha256": sha256_file(dest),
        "data_read": reads,
        "wall_time_s": round(wall, 3),
        "finished_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "kernel": kernel_name,
        "python": sys.executable,
        "versions": package_versions(),
    }
    manifest_path = out_dir / f"{lesson.name}.manifest.json"
    with atomic_path(manifest_path) as tmp:
        tmp.write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")
    return LessonRun(lesson.name, dest, manifest_path, values, wall, tuple(reads))


def _where(lessons: Sequence[Lesson]) -> str:
    return f"lesson {lessons[0].name}" if len(lessons) == 1 else "the selected lessons"


def find_param(lessons: Sequence[Lesson], name: str) -> Param:
    """The declaration of parameter ``name`` in the first selected lesson that has it."""
    for lesson in lessons:
        for p in lesson.params:
            if p.name == name:
                return p
    known = sorted({p.name for lesson in lessons for p in lesson.params})
    raise unknown_param_error(name, known, _where(lessons))


def parse_params(lessons: Sequence[Lesson], pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Parse command-line ``NAME VALUE`` strings with the declared type of each name."""
    return {name: find_param(lessons, name).parse(text, _where(lessons)) for name, text in pairs}


def _split_params(lessons: Sequence[Lesson], params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Give each lesson the parameters it declares; refuse names no selected lesson declares."""
    per_lesson: list[dict[str, Any]] = []
    for name in params:
        find_param(lessons, name)
    for lesson in lessons:
        mine = {k: v for k, v in params.items() if k in {p.name for p in lesson.params}}
        per_lesson.append(lesson.validate(mine))
    return per_lesson


def run_lessons(
    lessons: Iterable[Lesson | str | int] | None = None,
    params: Mapping[str, Any] | None = None,
    out_dir: str | os.PathLike = "runs/latest",
    *,
    kernel_name: str = DEFAULT_KERNEL,
    progress: bool = True,
) -> list[LessonRun]:
    """Run several lessons (all registered ones by default), then write ``index.html``.

    Every lesson's parameters are validated before the first kernel starts; a parameter
    applies to each selected lesson that declares it.
    """
    selected = [_as_lesson(x) for x in (LESSONS if lessons is None else lessons)]
    values = _split_params(selected, dict(params or {}))
    for lesson in selected:
        if not lesson.notebook.exists():
            raise InvalidParameterError(
                f"lesson {lesson.name}: notebook {lesson.notebook} is missing"
            )
    runs = [
        run_lesson(lesson, v, out_dir, kernel_name=kernel_name, progress=progress)
        for lesson, v in zip(selected, values, strict=True)
    ]
    write_index(runs, out_dir)
    return runs


def _to_html(notebook: Path) -> str:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    body, _ = exporter.from_filename(str(notebook))
    return body


def write_index(runs: Sequence[LessonRun], out_dir: str | os.PathLike) -> Path:
    """Render each executed notebook to HTML and write ``index.html`` and ``manifest.json``."""
    out_dir = Path(out_dir)
    rows = []
    for run in runs:
        html_path = run.notebook.with_suffix(".html")
        with atomic_path(html_path, suffix=".html") as tmp:
            tmp.write_text(_to_html(run.notebook), encoding="utf-8")
        lesson = get_lesson(run.lesson)
        params = ", ".join(f"{k}={v!r}" for k, v in run.parameters.items()) or "—"
        rows.append(
            f"<tr><td>{lesson.number:02d}</td>"
            f"<td><a href='{html.escape(html_path.name)}'>{html.escape(lesson.title)}</a></td>"
            f"<td><a href='{html.escape(run.notebook.name)}'>notebook</a></td>"
            f"<td><code>{html.escape(params)}</code></td>"
            f"<td>{run.wall_time_s:.1f} s</td></tr>"
        )
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>ecrm-lab run</title>"
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
        "td,th{padding:.3em .8em;text-align:left}tr:nth-child(even){background:#f4f4f4}</style>"
        "</head><body><h1>ecrm-lab: executed lessons</h1>"
        f"<p>{len(runs)} lessons executed; the run manifest is "
        "<a href='manifest.json'>manifest.json</a>.</p>"
        "<table><tr><th>#</th><th>lesson</th><th></th><th>parameters</th><th>time</th></tr>"
        + "".join(rows)
        + "</table></body></html>\n"
    )
    index = out_dir / "index.html"
    with atomic_path(index, suffix=".html") as tmp:
        tmp.write_text(page, encoding="utf-8")
    run_manifest = {
        "lessons": [json.loads(r.manifest.read_text()) for r in runs],
        "versions": package_versions(),
        "total_wall_time_s": round(sum(r.wall_time_s for r in runs), 3),
    }
    with atomic_path(out_dir / "manifest.json") as tmp:
        tmp.write_text(json.dumps(run_manifest, indent=2, default=str) + "\n", encoding="utf-8")
    return index


def render_lesson(
    lesson: Lesson | str | int, *, kernel_name: str = DEFAULT_KERNEL, progress: bool = True
) -> Path:
    """Refresh a committed notebook: script → parameters cell from the registry → execute
    with defaults → normalise → write ``notebooks/NN_slug.ipynb`` (and the script, if its
    parameters cell was out of date)."""
    import jupytext

    lesson = _as_lesson(lesson)
    nb = read_script(lesson)
    if sync_parameters(nb, lesson):
        text = jupytext.writes(nb, fmt="py:percent")
        with atomic_path(lesson.script, suffix=".py") as tmp:
            tmp.write_text(text, encoding="utf-8")
        nb = read_script(lesson)
    executed, _, _ = _execute(
        nb,
        lesson.notebook,
        None,
        kernel_name=kernel_name,
        progress=progress,
        cwd=lesson.notebook.parent,
        timeout=600,
        label=lesson.name,
    )
    write_notebook(normalise(executed), lesson.notebook)
    return lesson.notebook
