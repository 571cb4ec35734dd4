"""Reading a built warehouse: connections, queries and the table catalogue.

Every function here accepts a warehouse as the path of its DuckDB file, an open
``duckdb`` connection or a :class:`Warehouse`; paths are opened read-only.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..exceptions import DataError, InvalidParameterError

__all__ = ["Warehouse", "open_warehouse", "query", "table_catalogue", "layer_of", "LAYERS"]

#: table-name prefix -> layer of the warehouse, in the order data flows through them
LAYERS = {
    "stg_": "staging",
    "ref_": "reference",
    "int_": "integration",
    "dim_": "dimension",
    "fact_": "fact",
    "mart_": "mart",
    "etl_": "metadata",
}


def layer_of(table: str) -> str:
    """The layer of a warehouse table, from its name prefix."""
    for prefix, layer in LAYERS.items():
        if table.startswith(prefix):
            return layer
    return "other"


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class Warehouse:
    """An open warehouse file.

    Parameters
    ----------
    path : str or PathLike
        The DuckDB file written by :func:`ecrm_lab.warehouse.build`.
    read_only : bool
        Open read-only (the default; several readers may share the file).

    Examples
    --------
    >>> with Warehouse("warehouse.duckdb") as wh:          # doctest: +SKIP
    ...     wh.query("SELECT count(*) FROM mart_customer_360")
    """

    def __init__(self, path: str | os.PathLike, *, read_only: bool = True) -> None:
        import duckdb

        self.path = Path(path)
        if not self.path.is_file():
            raise DataError(
                f"warehouse file {str(self.path)!r} does not exist; build it with "
                "`ecrm-lab warehouse build --world DIR --db FILE`."
            )
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as exc:
            raise DataError(
                f"cannot open {str(self.path)!r} as a DuckDB warehouse: {_one_line(exc)}"
            ) from None

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Warehouse({str(self.path)!r})"

    def close(self) -> None:
        """Close the connection."""
        self.con.close()

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        """Run ``sql`` (with ``?`` placeholders filled from ``params``) and return a DataFrame."""
        return query(self.con, sql, params)

    def tables(self) -> pd.DataFrame:
        """The catalogue: table, layer, rows, columns, description."""
        return table_catalogue(self.con)

    def table(self, name: str) -> pd.DataFrame:
        """A whole table as a DataFrame."""
        _check_table(self.con, name)
        return self.query(f'SELECT * FROM "{name}"')


def open_warehouse(path: str | os.PathLike) -> Warehouse:
    """Open a built warehouse read-only."""
    return Warehouse(path)


class _Conn:
    """A connection for any accepted warehouse handle, closed afterwards if we opened it."""

    def __init__(self, db: Any) -> None:
        import duckdb

        self.own = False
        if isinstance(db, Warehouse):
            self.con = db.con
        elif isinstance(db, duckdb.DuckDBPyConnection):
            self.con = db
        elif isinstance(db, str | os.PathLike):
            self.con = Warehouse(db).con
            self.own = True
        else:
            raise InvalidParameterError(
                "The 'db' parameter must be the path of a warehouse file, a duckdb connection or "
                f"a Warehouse. Got {type(db).__name__} instead."
            )

    def __enter__(self):
        return self.con

    def __exit__(self, *exc: object) -> None:
        if self.own:
            self.con.close()


def query(db: Any, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
    """Run one SQL query on a warehouse and return the result as a DataFrame.

    A SQL error raises :class:`DataError` with DuckDB's first message line.
    """
    import duckdb

    if not isinstance(sql, str) or not sql.strip():
        raise InvalidParameterError(
            f"The 'sql' parameter of query must be a non-empty str. Got {sql!r} instead."
        )
    with _Conn(db) as con:
        try:
            return con.execute(sql, list(params) if params else None).df()
        except duckdb.Error as exc:
            raise DataError(f"SQL error: {_one_line(exc)}") from None


def _check_table(con: Any, name: str) -> None:
    names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
    if name not in names:
        import difflib

        hint = difflib.get_close_matches(name, names, n=1)
        did = f" Did you mean {hint[0]!r}?" if hint else ""
        raise DataError(
            f"the warehouse has no table {name!r}.{did} Tables: {', '.join(sorted(names))}."
        )


def table_catalogue(db: Any) -> pd.DataFrame:
    """Every table and view of the warehouse: layer, kind, row and column counts, description."""
    with _Conn(db) as con:
        tables = con.execute(
            "SELECT table_name AS name, 'table' AS kind, column_count, comment "
            "FROM duckdb_tables() WHERE NOT internal "
            "UNION ALL "
            "SELECT view_name, 'view', column_count, comment "
            "FROM duckdb_views() WHERE NOT internal AND schema_name = 'main' "
            "ORDER BY 1"
        ).df()
        rows = [
            con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in tables["name"]
        ]
    order = {layer: i for i, layer in enumerate(LAYERS.values())}
    out = pd.DataFrame(
        {
            "table": tables["name"],
            "layer": [layer_of(t) for t in tables["name"]],
            "kind": tables["kind"],
            "rows": pd.array(rows, dtype="int64"),
            "columns": tables["column_count"].astype("int64"),
            "description": tables["comment"].fillna(""),
        }
    )
    out["_o"] = out["layer"].map(order).fillna(len(order))
    return out.sort_values(["_o", "table"]).drop(columns="_o").reset_index(drop=True)
