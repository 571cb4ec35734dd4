"""The warehouse's SQL files: finding them in order and running them statement by statement.

The SQL lives in numbered files under ``ecrm_lab/warehouse/sql/``: ``NN_name.sql`` runs for
every domain, ``NN_name.bank.sql`` / ``NN_name.retail.sql`` only for that domain. Files run in
the order of their names; statements are separated by ``;`` at the end of a line. The SQL is
plain (CREATE TABLE AS, joins, window functions, GROUP BY, COMMENT ON), so it ports to other
engines with little change.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from importlib import resources
from typing import Any

from ..exceptions import DataError

__all__ = ["SqlFile", "sql_files", "split_statements", "run_file"]


@dataclass(frozen=True)
class SqlFile:
    """One SQL file of the build: its name, layer (from the name) and text."""

    name: str
    text: str

    @property
    def number(self) -> int:
        return int(self.name.split("_", 1)[0])

    @property
    def layer(self) -> str:
        """The layer of the tables the file builds, from its name (``30_dim_date`` -> dimension)."""
        from .db import layer_of

        stem = self.name.split(".", 1)[0].split("_", 1)[1]
        layer = layer_of(stem)
        return layer if layer != "other" else "integration"


def sql_files(domain: str) -> list[SqlFile]:
    """The SQL files that run for ``domain``, in order."""
    root = resources.files("ecrm_lab.warehouse") / "sql"
    out = []
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        name = entry.name
        if not name.endswith(".sql"):
            continue
        parts = name[: -len(".sql")].split(".")
        if len(parts) == 2 and parts[1] != domain:
            continue
        out.append(SqlFile(name, entry.read_text(encoding="utf-8")))
    return out


def split_statements(text: str) -> list[str]:
    """Split SQL text into statements on ``;`` outside quotes and comments.

    >>> split_statements("SELECT 1; -- a; comment\\nSELECT ';' AS x;")
    ['SELECT 1', "-- a; comment\\nSELECT ';' AS x"]
    """
    out: list[str] = []
    buf: list[str] = []
    i, n = 0, len(text)
    quote: str | None = None
    while i < n:
        ch = text[i]
        if quote:
            buf.append(ch)
            if ch == quote:
                if i + 1 < n and text[i + 1] == quote:  # escaped quote ''
                    buf.append(text[i + 1])
                    i += 1
                else:
                    quote = None
        elif ch in ("'", '"'):
            quote = ch
            buf.append(ch)
        elif ch == "-" and text.startswith("--", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            buf.append(text[i:end])
            i = end - 1
        elif ch == ";":
            stmt = "".join(buf).strip()
            if stmt and not all(
                line.strip().startswith("--") or not line.strip() for line in stmt.splitlines()
            ):
                out.append(stmt)
            buf = []
        else:
            buf.append(ch)
        i += 1
    stmt = "".join(buf).strip()
    if stmt and not all(
        line.strip().startswith("--") or not line.strip() for line in stmt.splitlines()
    ):
        out.append(stmt)
    return out


def run_file(con: Any, sql: SqlFile) -> float:
    """Run every statement of ``sql`` on ``con``; return the seconds taken.

    A failing statement raises :class:`DataError` naming the file and the statement's first
    line, so a broken build says where it broke.
    """
    import duckdb

    t0 = time.perf_counter()
    for stmt in split_statements(sql.text):
        try:
            con.execute(stmt)
        except duckdb.Error as exc:
            first = next(
                (
                    ln.strip()
                    for ln in stmt.splitlines()
                    if ln.strip() and not ln.strip().startswith("--")
                ),
                stmt[:60],
            )
            msg = str(exc).strip().splitlines()[0]
            raise DataError(
                f"warehouse build: {sql.name} failed at `{first[:80]}`: {msg}"
            ) from None
    return time.perf_counter() - t0
