"""Files: atomic writes, checksums, reading a user's table.

Nothing half-written is ever left behind: :func:`atomic_path` and :func:`atomic_dir` hand out
a temporary path next to the destination and move it into place only when the block finishes
without an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .exceptions import DataError

__all__ = ["atomic_path", "atomic_dir", "sha256_file", "sha256_bytes", "read_table", "record_read"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(dest: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary file path beside ``dest``; rename it to ``dest`` on success.

    On an exception the temporary file is removed and ``dest`` is left as it was.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{dest.name}.", suffix=suffix if suffix is not None else ".tmp", dir=dest.parent
    )
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o666 & ~_umask())
        os.replace(tmp_path, dest)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


@contextlib.contextmanager
def atomic_dir(dest: str | os.PathLike, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary directory beside ``dest``; move it to ``dest`` on success.

    With ``overwrite=True`` an existing ``dest`` is replaced only after the new one is
    complete (the old one is renamed aside, then deleted).
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent))
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask())
        if dest.exists():
            if not overwrite:
                raise FileExistsError(f"{dest} already exists")
            old = dest.with_name(f".{dest.name}.old-{os.getpid()}")
            os.replace(dest, old)
            os.replace(tmp, dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, dest)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


READ_LOG_ENV = "ECRM_LAB_READ_LOG"


def record_read(name: str, sha256: str, rows: int | None = None) -> None:
    """Note that data named ``name`` with checksum ``sha256`` was read.

    The lesson runner sets ``ECRM_LAB_READ_LOG`` to a file; every loader in the package calls
    this, so the run manifest lists the checksums of the data a lesson read. Outside a run it
    does nothing.
    """
    log = os.environ.get(READ_LOG_ENV)
    if not log:
        return
    import json

    with open(log, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"name": name, "sha256": sha256, "rows": rows}) + "\n")


def read_table(path: str | os.PathLike, where: str = "read_table"):
    """Read a user's CSV or Parquet table into a DataFrame, with clear errors.

    The format is chosen by the file's ending (``.csv``, ``.csv.gz``, ``.tsv``, ``.parquet``,
    ``.pq``). A missing, unreadable or empty file raises :class:`DataError` naming it.
    """
    import pandas as pd

    p = Path(path)
    if not p.exists():
        raise DataError(f"{where}: file {str(p)!r} does not exist.")
    if p.is_dir():
        raise DataError(f"{where}: {str(p)!r} is a directory, not a CSV or Parquet file.")
    name = p.name.lower()
    try:
        if name.endswith((".parquet", ".pq")):
            df = pd.read_parquet(p)
        elif name.endswith((".csv", ".csv.gz", ".txt")):
            df = pd.read_csv(p)
        elif name.endswith((".tsv", ".tsv.gz")):
            df = pd.read_csv(p, sep="\t")
        else:
            raise DataError(
                f"{where}: cannot tell the format of {str(p)!r}; use a file ending in .csv, "
                ".tsv or .parquet."
            )
    except DataError:
        raise
    except pd.errors.EmptyDataError:
        raise DataError(f"{where}: file {str(p)!r} is empty.") from None
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"{where}: cannot read {str(p)!r}: {first}") from None
    if len(df) == 0:
        raise DataError(f"{where}: file {str(p)!r} has no data rows.")
    record_read(str(p), sha256_file(p), len(df))
    return df
