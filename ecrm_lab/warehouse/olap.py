"""OLAP on the warehouse: roll-up, cube, drill-down, slice and dice, as plain SQL.

Each helper writes one ``SELECT ... GROUP BY`` (with ``ROLLUP`` or ``CUBE`` where it needs
sub-totals) against a warehouse table or mart and returns a DataFrame. Dimensions and measures
are checked against the table's columns before any SQL runs; filter values are passed as
query parameters, never pasted into the SQL.

Measures are given as ``{"name": (function, column)}`` with function one of
:data:`FUNCTIONS` (``("count", "*")`` counts rows). Results of :func:`rollup` and :func:`cube`
carry a ``grouping`` column naming the dimensions of each row's level (``"(total)"`` for the
grand total); the aggregated-away dimensions hold missing values on sub-total rows.

Examples
--------
>>> rollup("warehouse.duckdb", "mart_campaign", ["campaign_name", "channel"],  # doctest: +SKIP
...        {"contacts": ("sum", "contacts"), "responses": ("sum", "responses")})
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from ..exceptions import DataError, InvalidParameterError
from .db import _check_table, _Conn, _one_line

__all__ = ["FUNCTIONS", "rollup", "cube", "drill_down", "slice", "dice", "olap_sql"]

#: aggregate functions a measure may use, with their SQL
FUNCTIONS = {
    "sum": "SUM({c})",
    "count": "COUNT({c})",
    "avg": "AVG({c})",
    "min": "MIN({c})",
    "max": "MAX({c})",
    "count_distinct": "COUNT(DISTINCT {c})",
}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _columns(con: Any, table: str) -> dict[str, str]:
    _check_table(con, table)
    return {r[0]: r[1] for r in con.execute(f"DESCRIBE {_q(table)}").fetchall()}


_WHOLE = (
    "BOOLEAN",
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
)


def _check_cols(cols: Sequence[str], have: list[str], table: str, what: str) -> None:
    import difflib

    for c in cols:
        if c not in have:
            hint = difflib.get_close_matches(str(c), have, n=1)
            did = f" Did you mean {hint[0]!r}?" if hint else ""
            raise DataError(
                f"OLAP: table {table!r} has no {what} column {c!r}.{did} "
                f"Columns: {', '.join(have)}."
            )


def _names(value: Any, name: str, where: str, *, allow_empty: bool = False) -> list[str]:
    if (
        isinstance(value, str)
        or not isinstance(value, Sequence)
        or not all(isinstance(v, str) for v in value)
    ):
        raise InvalidParameterError(
            f"The {name!r} parameter of {where} must be a list of column names. Got {value!r} instead."
        )
    if not value and not allow_empty:
        raise InvalidParameterError(
            f"The {name!r} parameter of {where} must name at least one column. Got [] instead."
        )
    return list(value)


def _measures(measures: Any, where: str) -> dict[str, tuple[str, str]]:
    ok = (
        isinstance(measures, Mapping)
        and measures
        and all(
            isinstance(k, str)
            and isinstance(v, tuple | list)
            and len(v) == 2
            and v[0] in FUNCTIONS
            and isinstance(v[1], str)
            for k, v in measures.items()
        )
    )
    if not ok:
        raise InvalidParameterError(
            f"The 'measures' parameter of {where} must be a non-empty mapping of name -> "
            f"(function, column) with function one of {', '.join(FUNCTIONS)}. Got {measures!r} instead."
        )
    return {k: (v[0], v[1]) for k, v in measures.items()}


def olap_sql(
    table: str,
    dimensions: Sequence[str],
    measures: Mapping[str, tuple[str, str]],
    *,
    grouping: str = "plain",
    filters: Mapping[str, Sequence[Any]] | None = None,
    whole: Sequence[str] = (),
) -> tuple[str, list[Any]]:
    """The SQL and parameters of one OLAP query (``grouping``: plain, rollup or cube).

    ``whole`` names integer or boolean columns: their sums are computed and returned as
    integers (a sum of flags is a count).
    """
    dims = [_q(d) for d in dimensions]
    select = list(dims)
    for name, (fn, col) in measures.items():
        arg = "*" if col == "*" and fn == "count" else _q(col)
        if fn == "sum" and col in whole:
            expr = f"CAST(SUM(CAST({arg} AS BIGINT)) AS BIGINT)"
        else:
            expr = FUNCTIONS[fn].format(c=arg)
        select.append(f"{expr} AS {_q(name)}")
    if grouping in ("rollup", "cube"):
        select += [f"GROUPING({d}) AS {_q('_g_' + str(i))}" for i, d in enumerate(dims)]
    sql = f"SELECT {', '.join(select)} FROM {_q(table)}"
    params: list[Any] = []
    if filters:
        conds = []
        for col, values in filters.items():
            values = list(values)
            conds.append(f"{_q(col)} IN ({', '.join('?' for _ in values)})")
            params += values
        sql += " WHERE " + " AND ".join(conds)
    if dims:
        group = ", ".join(dims)
        if grouping == "rollup":
            sql += f" GROUP BY ROLLUP ({group})"
        elif grouping == "cube":
            sql += f" GROUP BY CUBE ({group})"
        else:
            sql += f" GROUP BY {group}"
    return sql, params


def _run(
    db: Any,
    table: str,
    dimensions: list[str],
    measures: dict[str, tuple[str, str]],
    grouping: str,
    filters: Mapping[str, Sequence[Any]] | None,
    where: str,
) -> pd.DataFrame:
    import duckdb

    if not isinstance(table, str):
        raise InvalidParameterError(
            f"The 'table' parameter of {where} must be a str. Got {table!r} instead."
        )
    with _Conn(db) as con:
        types = _columns(con, table)
        have = list(types)
        _check_cols(dimensions, have, table, "dimension")
        _check_cols([c for _, c in measures.values() if c != "*"], have, table, "measure")
        if filters:
            _check_cols(list(filters), have, table, "filter")
        whole = [c for c, t in types.items() if t in _WHOLE]
        sql, params = olap_sql(
            table, dimensions, measures, grouping=grouping, filters=filters, whole=whole
        )
        try:
            out = con.execute(sql, params or None).df()
        except duckdb.Error as exc:
            raise DataError(f"OLAP {where} on {table!r} failed: {_one_line(exc)}") from None
    if grouping in ("rollup", "cube"):
        flags = out[[f"_g_{i}" for i in range(len(dimensions))]].to_numpy()
        out["grouping"] = [
            "+".join(d for d, g in zip(dimensions, row, strict=True) if g == 0) or "(total)"
            for row in flags
        ]
        out["_depth"] = (flags == 0).sum(axis=1)
        out = out.drop(columns=[f"_g_{i}" for i in range(len(dimensions))])
        out = out.sort_values(
            ["_depth", "grouping", *dimensions],
            ascending=[False, True, *[True] * len(dimensions)],
            na_position="last",
            kind="stable",
        ).drop(columns="_depth")
    elif dimensions:
        out = out.sort_values(dimensions, na_position="last", kind="stable")
    return out.reset_index(drop=True)


def _filters(value: Any, name: str, where: str, *, single: bool) -> dict[str, list[Any]]:
    if not isinstance(value, Mapping) or not value:
        raise InvalidParameterError(
            f"The {name!r} parameter of {where} must be a non-empty mapping of column -> "
            f"{'value' if single else 'list of values'}. Got {value!r} instead."
        )
    out = {}
    for col, v in value.items():
        if single:
            out[col] = [v]
        else:
            if isinstance(v, str) or not isinstance(v, Sequence) or not v:
                raise InvalidParameterError(
                    f"The {name!r} parameter of {where} must map each column to a non-empty list of "
                    f"values. Got {col!r}: {v!r} instead."
                )
            out[col] = list(v)
    return out


def rollup(
    db: Any,
    table: str,
    dimensions: Sequence[str],
    measures: Mapping[str, tuple[str, str]],
    *,
    where: Mapping[str, Sequence[Any]] | None = None,
) -> pd.DataFrame:
    """Aggregate ``measures`` by ``dimensions`` with sub-totals along the hierarchy.

    ``GROUP BY ROLLUP (d1, d2, d3)`` gives the rows of (d1, d2, d3), (d1, d2), (d1) and the grand
    total: roll-up from detail to summary along the order of ``dimensions``.
    """
    dims = _names(dimensions, "dimensions", "rollup")
    f = _filters(where, "where", "rollup", single=False) if where is not None else None
    return _run(db, table, dims, _measures(measures, "rollup"), "rollup", f, "rollup")


def cube(
    db: Any,
    table: str,
    dimensions: Sequence[str],
    measures: Mapping[str, tuple[str, str]],
    *,
    where: Mapping[str, Sequence[Any]] | None = None,
) -> pd.DataFrame:
    """Aggregate by every combination of ``dimensions`` (``GROUP BY CUBE``): all sub-totals."""
    dims = _names(dimensions, "dimensions", "cube")
    f = _filters(where, "where", "cube", single=False) if where is not None else None
    return _run(db, table, dims, _measures(measures, "cube"), "cube", f, "cube")


def drill_down(
    db: Any,
    table: str,
    hierarchy: Sequence[str],
    measures: Mapping[str, tuple[str, str]],
    *,
    path: Sequence[Any] = (),
) -> pd.DataFrame:
    """One level further down a hierarchy, inside the members chosen so far.

    With ``hierarchy = ["year", "quarter", "month"]``: ``path=()`` gives the years,
    ``path=(2024,)`` the quarters of 2024, ``path=(2024, 2)`` the months of its second quarter.
    """
    dims = _names(hierarchy, "hierarchy", "drill_down")
    if isinstance(path, str) or not isinstance(path, Sequence) or len(path) >= len(dims):
        raise InvalidParameterError(
            "The 'path' parameter of drill_down must be a list of at most "
            f"{len(dims) - 1} members (one per level above the one shown). Got {path!r} instead."
        )
    level = len(path)
    filters = {d: [v] for d, v in zip(dims[:level], path, strict=False)} or None
    return _run(
        db,
        table,
        dims[: level + 1],
        _measures(measures, "drill_down"),
        "plain",
        filters,
        "drill_down",
    )


def slice(  # noqa: A001 - the OLAP operation's name
    db: Any,
    table: str,
    dimensions: Sequence[str],
    measures: Mapping[str, tuple[str, str]],
    *,
    at: Mapping[str, Any],
) -> pd.DataFrame:
    """Fix one (or more) dimensions to a single member and aggregate the rest.

    ``slice(db, "mart_campaign", ["channel"], m, at={"campaign_name": "Spring savings"})``
    """
    dims = _names(dimensions, "dimensions", "slice", allow_empty=True)
    f = _filters(at, "at", "slice", single=True)
    return _run(db, table, dims, _measures(measures, "slice"), "plain", f, "slice")


def dice(
    db: Any,
    table: str,
    dimensions: Sequence[str],
    measures: Mapping[str, tuple[str, str]],
    *,
    where: Mapping[str, Sequence[Any]],
) -> pd.DataFrame:
    """A sub-cube: keep several members of several dimensions, then aggregate.

    ``dice(db, "mart_clickstream", ["device", "channel"], m, where={"device": ["mobile", "web"]})``
    """
    dims = _names(dimensions, "dimensions", "dice", allow_empty=True)
    f = _filters(where, "where", "dice", single=False)
    return _run(db, table, dims, _measures(measures, "dice"), "plain", f, "dice")
