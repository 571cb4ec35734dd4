"""KDD step 1 — selection of the target data.

:class:`Selection` picks the rows and columns the question needs, either with a SQL query
against a DuckDB warehouse (or against DataFrames, which DuckDB queries in place) or with a
column list and a row filter on a DataFrame. It can also load side tables — for example the
transaction log that the transformation step turns into RFM features.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .._validation import check_param
from ..exceptions import DataError, InvalidParameterError
from ._common import Change, KDDContext, Step, StepOutput

__all__ = ["Selection", "select"]

_WHERE = "Selection"


def _is_sql(text: str) -> bool:
    head = text.lstrip().split(None, 1)[0].upper() if text.strip() else ""
    return head in ("SELECT", "WITH", "FROM", "TABLE", "VALUES", "(")


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class _Source:
    """A uniform view of what a selection can read from: frames, a world or a DuckDB file."""

    def __init__(self, source: Any) -> None:
        import duckdb

        self._own = False
        self.frames: dict[str, pd.DataFrame] = {}
        self.con = None
        if isinstance(source, pd.DataFrame):
            self.frames = {"data": source}
            self.label = "DataFrame"
        elif isinstance(source, duckdb.DuckDBPyConnection):
            self.con = source
            self.label = "DuckDB connection"
        elif isinstance(source, str | os.PathLike):
            path = Path(source)
            if not path.is_file():
                raise DataError(f"{_WHERE}: database file {str(path)!r} does not exist.")
            try:
                self.con = duckdb.connect(str(path), read_only=True)
            except duckdb.Error as exc:
                raise DataError(
                    f"{_WHERE}: cannot open {str(path)!r} as a DuckDB database: {_one_line(exc)}"
                ) from None
            self._own = True
            self.label = f"database {path.name}"
        elif isinstance(source, Mapping) or isinstance(getattr(source, "tables", None), Mapping):
            tables = source if isinstance(source, Mapping) else source.tables
            for name, frame in tables.items():
                if not isinstance(frame, pd.DataFrame):
                    raise DataError(
                        f"{_WHERE}: table {name!r} is a {type(frame).__name__}, not a DataFrame."
                    )
            self.frames = dict(tables)
            self.label = f"{len(self.frames)} tables"
        else:
            raise InvalidParameterError(
                f"The 'source' parameter of {_WHERE} must be a DataFrame, a mapping of "
                "DataFrames, a World, a DuckDB connection or the path of a DuckDB file. "
                f"Got {type(source).__name__} instead."
            )

    def close(self) -> None:
        if self._own and self.con is not None:
            self.con.close()

    def _connection(self):
        if self.con is None:
            import duckdb

            self.con = duckdb.connect(":memory:")
            self._own = True
            for name, frame in self.frames.items():
                self.con.register(name, frame)
        return self.con

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        import duckdb

        con = self._connection()
        try:
            rel = con.execute(sql, list(params) if params else None)
            return rel.df()
        except duckdb.Error as exc:
            raise DataError(f"{_WHERE}: the SQL query failed: {_one_line(exc)}") from None

    def table(self, name: str) -> pd.DataFrame:
        if self.con is None or name in self.frames:
            if name not in self.frames:
                have = ", ".join(sorted(self.frames)) or "none"
                raise DataError(f"{_WHERE}: table {name!r} not found. Available tables: {have}.")
            return self.frames[name]
        names = [
            r[0]
            for r in self.con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        ]
        if name not in names:
            raise DataError(
                f"{_WHERE}: table {name!r} not found. Available tables: {', '.join(sorted(names))}."
            )
        return self.query(f'SELECT * FROM "{name}"')

    def get(self, spec: str) -> pd.DataFrame:
        return self.query(spec) if _is_sql(spec) else self.table(spec)

    def single_frame(self) -> pd.DataFrame | None:
        return next(iter(self.frames.values())) if len(self.frames) == 1 else None


class Selection(Step):
    """Select the target data: a SQL query, or a table with a column list and a row filter.

    Parameters
    ----------
    sql : str, optional
        A SQL query run by DuckDB against the source (a warehouse file or connection, or the
        DataFrames of a world / mapping, which are queried in place under their names; a single
        DataFrame is called ``data``). Add ``ORDER BY`` for a row order that is reproducible.
    table : str, optional
        Instead of ``sql``: the name of one table of the source.
    columns : sequence of str, optional
        Keep only these columns (after the query), in this order.
    rows : str, optional
        A pandas ``DataFrame.query`` expression applied after the query (before ``columns``),
        e.g. ``"age >= 18"``.
    tables : mapping of str to str, optional
        Side tables to load for later steps: name -> SQL query or table name.
    params : sequence, optional
        Values for ``?`` placeholders in ``sql`` (keeps literal values out of the SQL text).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"customer_id": [1, 2, 3], "age": [17, 30, 45]})
    >>> Selection(columns=["customer_id"], rows="age >= 18").select(df)[0]["customer_id"].tolist()
    [2, 3]
    >>> Selection("SELECT customer_id FROM data WHERE age > ? ORDER BY 1", params=[40]).select(df)[0]
       customer_id
    0            3
    """

    stage = "selection"

    def __init__(
        self,
        sql: str | None = None,
        *,
        table: str | None = None,
        columns: Sequence[str] | None = None,
        rows: str | None = None,
        tables: Mapping[str, str] | None = None,
        params: Sequence[Any] | None = None,
    ) -> None:
        self.sql = sql
        self.table = table
        self.columns = columns
        self.rows = rows
        self.tables = tables
        self.params = params
        check_param(sql, "sql", _WHERE, str, nullable=True)
        check_param(table, "table", _WHERE, str, nullable=True)
        check_param(rows, "rows", _WHERE, str, nullable=True)
        if sql is not None and table is not None:
            raise InvalidParameterError(
                f"The 'table' parameter of {_WHERE} must be None when 'sql' is given. "
                f"Got {table!r} instead."
            )
        if sql is not None and not sql.strip():
            raise InvalidParameterError(
                f"The 'sql' parameter of {_WHERE} must be a non-empty str or None. Got '' instead."
            )
        if columns is not None and (
            isinstance(columns, str) or not all(isinstance(c, str) for c in columns)
        ):
            raise InvalidParameterError(
                f"The 'columns' parameter of {_WHERE} must be a list of column names or None. "
                f"Got {columns!r} instead."
            )
        if tables is not None and (
            not isinstance(tables, Mapping)
            or not all(isinstance(k, str) and isinstance(v, str) for k, v in tables.items())
        ):
            raise InvalidParameterError(
                f"The 'tables' parameter of {_WHERE} must be a mapping of name to SQL query or "
                f"table name, or None. Got {tables!r} instead."
            )

    # -- the step ---------------------------------------------------------------------------
    def select(self, source: Any) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
        """Run the selection on ``source``; return the target frame and the side tables."""
        out = self.select_with_report(source)
        return out[0].frame, out[1]

    def select_with_report(
        self, source: Any
    ) -> tuple[StepOutput, dict[str, pd.DataFrame], int | None]:
        """Like :meth:`select`, plus the changes made and the row count of the input (if known)."""
        src = _Source(source)
        try:
            rows_in: int | None = None
            if self.sql is not None:
                frame = src.query(self.sql, self.params)
                origin = "SQL query"
            elif self.table is not None:
                frame = src.table(self.table)
                rows_in = len(frame)
                origin = f"table {self.table!r}"
            else:
                frame = src.single_frame()
                if frame is None:
                    raise DataError(
                        f"{_WHERE}: the source holds {len(src.frames) or 'several'} tables; say "
                        "which one with table= or write a sql= query."
                    )
                rows_in = len(frame)
                origin = "the input frame"
            side = {name: src.get(spec) for name, spec in (self.tables or {}).items()}
        finally:
            src.close()
        result = self.apply(frame)
        changes = (
            Change(f"selected rows from {origin} of {src.label}", len(result.frame)),
            *result.changes,
            *(Change("loaded side table", len(t), name) for name, t in side.items()),
        )
        return StepOutput(result.frame, changes), side, rows_in

    def apply(self, frame: pd.DataFrame, context: KDDContext | None = None) -> StepOutput:
        """Apply the column list and row filter to an already fetched ``frame``."""
        changes: list[Change] = []
        if self.rows is not None:
            try:
                kept = frame.query(self.rows)
            except Exception as exc:  # pandas raises many types for a bad expression
                raise DataError(
                    f"{_WHERE}: the row filter {self.rows!r} failed: {_one_line(exc)}"
                ) from None
            if len(kept) < len(frame):
                changes.append(
                    Change(f"left out rows not matching {self.rows!r}", len(frame) - len(kept))
                )
            frame = kept
        if self.columns is not None:
            missing = [c for c in self.columns if c not in frame.columns]
            if missing:
                from .._validation import check_columns

                check_columns(frame, missing, _WHERE)
            dropped = frame.shape[1] - len(self.columns)
            frame = frame.loc[:, list(self.columns)]
            if dropped:
                changes.append(Change("left out columns", dropped))
        return StepOutput(frame.reset_index(drop=True), tuple(changes))


def select(source: Any, sql: str | None = None, **kwargs: Any) -> pd.DataFrame:
    """Function form of :class:`Selection`: the selected frame (side tables are dropped)."""
    return Selection(sql, **kwargs).select(source)[0]
