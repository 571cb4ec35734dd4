"""Building the warehouse: staging -> integration -> star schema -> marts, in one DuckDB file.

:func:`build` reads a synthetic world (in memory or saved) and writes an on-disk DuckDB
database:

1. **staging** (``stg_*``): every source table as the source system delivered it — including
   the raw CRM and web-shop customer extracts with their conflicting keys, formats and faults;
2. **reference** (``ref_*``): code lists the integration maps onto (from the world's
   catalogue), and the run's parameters (``etl_run``);
3. **integration** (``int_*``): identity resolution (web visitors' cookies, e-mail addresses
   and customer records), code harmonisation and de-duplication; every step writes how many
   rows it changed into ``etl_integration_report``;
4. **star schema**: dimensions (``dim_customer`` with type-2 history, ``dim_product``,
   ``dim_date``, ``dim_channel``, ``dim_campaign``) and facts (``fact_*``);
5. **marts** (``mart_*``): the customer 360 view, the click-stream mart and the campaign mart.

The SQL of steps 2–5 is plain SQL in numbered files under ``ecrm_lab/warehouse/sql/``. The
database is written to a temporary file beside ``db_path`` and renamed into place only when
the whole build succeeded, so an interrupted build never leaves a half-built warehouse and a
rebuild replaces the old one atomically.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .._io import atomic_path
from .._result import Result
from .._validation import Interval, check_param
from ..exceptions import DataError, InvalidParameterError
from ._source import WorldSource, open_source
from ._sql import run_file, sql_files
from .db import table_catalogue
from .glossary import document_columns

__all__ = ["build", "WarehouseBuild", "MEMORY_LIMIT_PATTERN"]

_WHERE = "build"
MEMORY_LIMIT_PATTERN = re.compile(r"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$", re.I)


@dataclass(frozen=True, eq=False, repr=False)
class WarehouseBuild(Result):
    """What :func:`build` produced.

    Attributes
    ----------
    db_path : Path
        The warehouse file.
    domain : str
        ``"bank"`` or ``"retail"``.
    n_customers : int
        Customers in the world.
    tables : DataFrame
        ``table``, ``layer``, ``rows``, ``columns``, ``description`` of every table built.
    integration : DataFrame
        What every integration step changed: ``stage_no``, ``stage``, ``source_table``,
        ``fault``, ``column_name``, ``rows_changed``, ``action`` (the table
        ``etl_integration_report``).
    timings : DataFrame
        ``stage`` (staging or a SQL file), ``layer``, ``seconds``.
    seconds : float
        Wall time of the whole build.
    """

    db_path: Path
    domain: str
    n_customers: int
    tables: pd.DataFrame
    integration: pd.DataFrame
    timings: pd.DataFrame
    seconds: float
    title = "Warehouse build"

    def summary(self) -> pd.DataFrame:
        """The tables built, layer by layer (rows, columns, description)."""
        return self.tables

    def plot(self, ax=None, **kwargs):
        """The star schema of the built warehouse."""
        from ..plotting.warehouse import plot_star_schema

        return plot_star_schema(self.db_path, ax=ax, **kwargs)


def _check_args(memory_limit: Any, threads: Any) -> None:
    if not isinstance(memory_limit, str) or not MEMORY_LIMIT_PATTERN.match(memory_limit):
        raise InvalidParameterError(
            f"The 'memory_limit' parameter of {_WHERE} must be a size such as '2GB' or "
            f"'512MB'. Got {memory_limit!r} instead."
        )
    check_param(threads, "threads", _WHERE, int, interval=Interval(1, 256))


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _stage(con: Any, src: WorldSource) -> dict[str, float]:
    """Load every source table into ``stg_<name>`` as delivered (types made plain SQL)."""
    from ..world import schema as world_schema

    relations = src.register(con)
    timings = {}
    for name in sorted(relations):
        t0 = time.perf_counter()
        rel = relations[name]
        cols = con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()
        select = []
        for col, typ, *_ in cols:
            q = _quote(col)
            if typ.startswith("ENUM"):
                select.append(f"CAST({q} AS VARCHAR) AS {q}")
            elif typ in ("TIMESTAMP_NS", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_MS", "TIMESTAMP_S"):
                select.append(f"CAST({q} AS TIMESTAMP) AS {q}")
            else:
                select.append(q)
        table = f"stg_{name}"
        con.execute(f"CREATE TABLE {_quote(table)} AS SELECT {', '.join(select)} FROM {rel}")
        schema = world_schema.SCHEMAS.get(name)
        desc = schema.description if schema is not None else "source table"
        con.execute(
            f"COMMENT ON TABLE {_quote(table)} IS "
            + _literal(f"Staging: source table {name!r} as delivered. {desc}")
        )
        if schema is not None:
            have = {c for c, *_ in cols}
            for column in schema.columns_for(src.domain):
                if column.name in have:
                    con.execute(
                        f"COMMENT ON COLUMN {_quote(table)}.{_quote(column.name)} IS "
                        + _literal(column.description)
                    )
        timings[f"staging {name}"] = time.perf_counter() - t0
    for name in relations:
        if relations[name].startswith("src_"):
            con.unregister(relations[name])
    return timings


def _parameters(con: Any, src: WorldSource) -> None:
    """The run's parameters as a one-row table the SQL files read (no string templating)."""
    from .. import __version__

    meta = src.meta
    start = pd.Timestamp(meta.get("start", "2023-01-01"))
    months = int(meta.get("months", 24))
    end = start + pd.DateOffset(months=months)
    con.execute(
        "CREATE TABLE etl_run AS SELECT "
        f"{_literal(src.domain)} AS domain, "
        f"CAST({int(meta.get('n_customers', 0))} AS BIGINT) AS n_customers, "
        f"CAST({int(meta.get('seed', 0))} AS BIGINT) AS seed, "
        f"DATE {_literal(start.date().isoformat())} AS start_date, "
        f"DATE {_literal(end.date().isoformat())} AS end_date, "
        f"CAST({months} AS INTEGER) AS months, "
        f"{_literal(__version__)} AS package_version"
    )
    con.execute(
        "COMMENT ON TABLE etl_run IS 'Metadata: the parameters of the world this warehouse was "
        "built from; end_date is exclusive and is the as-of date of the marts.'"
    )


def _reference(con: Any, src: WorldSource) -> None:
    """Reference code lists from the world's catalogue (the targets of code harmonisation)."""
    from . import reference

    for name, (frame, comment) in reference.tables(src.domain).items():
        view = f"_ref_{name}"
        con.register(view, frame)
        con.execute(f"CREATE TABLE {_quote(name)} AS SELECT * FROM {view}")
        con.unregister(view)
        con.execute(f"COMMENT ON TABLE {_quote(name)} IS {_literal(comment)}")


def build(
    world_or_dir: Any,
    db_path: str | os.PathLike,
    *,
    memory_limit: str = "2GB",
    threads: int = 2,
) -> WarehouseBuild:
    """Build the warehouse of a world into the DuckDB file ``db_path``.

    Parameters
    ----------
    world_or_dir : World or path
        A :class:`ecrm_lab.world.World` or the directory of a saved world (Parquet tables are
        read in place; CSV tables through :func:`ecrm_lab.world.load_world`).
    db_path : path
        The database file to write. An existing file is replaced only when the new build has
        succeeded.
    memory_limit : str
        DuckDB's memory limit (e.g. ``"2GB"``); beyond it DuckDB works out of core.
    threads : int
        DuckDB worker threads.

    Returns
    -------
    WarehouseBuild
        The tables built, the integration report and the timings.

    Raises
    ------
    DataError
        The world lacks a table the warehouse needs (named in the message), or a SQL step
        failed (the file and statement are named).
    """
    import duckdb

    _check_args(memory_limit, threads)
    t_start = time.perf_counter()
    src = open_source(world_or_dir)
    src.check()
    db_path = Path(db_path)
    if db_path.is_dir():
        raise DataError(
            f"{_WHERE}: {str(db_path)!r} is a directory; give the path of a database file."
        )
    timings: dict[str, float] = {}
    with atomic_path(db_path, suffix=".building") as tmp:
        tmp.unlink()  # DuckDB refuses an existing empty file; it creates its own
        con = duckdb.connect(str(tmp))
        try:
            con.execute(f"SET memory_limit = {_literal(memory_limit.strip())}")
            con.execute(f"SET threads = {int(threads)}")
            con.execute("SET preserve_insertion_order = false")
            con.execute("BEGIN TRANSACTION")  # one commit at the end: no per-statement flush
            timings.update(_stage(con, src))
            t0 = time.perf_counter()
            _parameters(con, src)
            _reference(con, src)
            timings["reference tables"] = time.perf_counter() - t0
            layers = {"staging": "staging", "reference tables": "reference"}
            for sql in sql_files(src.domain):
                timings[sql.name] = run_file(con, sql)
                layers[sql.name] = sql.layer
            t0 = time.perf_counter()
            document_columns(con)
            timings["column descriptions"] = time.perf_counter() - t0
            integration = con.execute(
                "SELECT stage_no, stage, source_table, fault, column_name, rows_changed, action "
                "FROM etl_integration_report "
                "ORDER BY stage_no, source_table, column_name, fault"
            ).df()
            con.execute("COMMIT")
            tables = table_catalogue(con)
            con.execute("CHECKPOINT")
        finally:
            con.close()
            wal = Path(str(tmp) + ".wal")
            if wal.exists():
                wal.unlink()
    timing_rows = [
        (stage, layers.get(stage, "staging" if stage.startswith("staging") else "reference"), s)
        for stage, s in timings.items()
    ]
    return WarehouseBuild(
        db_path=db_path,
        domain=src.domain,
        n_customers=int(src.meta.get("n_customers", 0)),
        tables=tables,
        integration=integration,
        timings=pd.DataFrame(timing_rows, columns=["stage", "layer", "seconds"]),
        seconds=time.perf_counter() - t_start,
    )
