"""Schemas of the world's tables: declared once, checked everywhere, documented from here.

Every module that produces a table declares its schema at import time with :func:`register`.
The same declaration

* validates a generated or loaded table (:func:`validate_table`: columns, dtypes, nulls,
  ranges, allowed values, unique columns, primary key, references to other tables) and
  raises :class:`~ecrm_lab.exceptions.SchemaError` naming the table and the column;
* restores dtypes after a CSV round trip (:func:`coerce_table`);
* writes the data dictionary ``datasets/README.md`` (:func:`data_dictionary`).

A column or a table may exist in only one domain (``domains=("bank",)``): the bank's
``customer_traits`` has ``affinity_mortgage``, the retail one ``affinity_pet``.

dtypes
------
``"int64"``, ``"float64"``, ``"bool"``, ``"string"``, ``"category"``, ``"datetime64[ns]"`` and
``"date"`` (a ``datetime64[ns]`` value at midnight; pandas has no date dtype). A nullable
``int64`` column does not exist: use a ``"category"``/``"string"`` code or split the table.
A nullable datetime column holds ``NaT``.

Example
-------
>>> from ecrm_lab.world.schema import Column, TableSchema, validate_table
>>> import pandas as pd
>>> s = TableSchema("pets", "Pets.", (Column("pet_id", "int64", "Key.", unique=True),
...     Column("legs", "int64", "Number of legs.", low=0, high=4)), primary_key=("pet_id",))
>>> validate_table(pd.DataFrame({"pet_id": [1, 2], "legs": [4, 9]}), s)
Traceback (most recent call last):
...
ecrm_lab.exceptions.SchemaError: table 'pets', column 'legs': 1 value(s) above the maximum 4 (for example 9).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import SchemaError

__all__ = [
    "DTYPES",
    "DOMAINS",
    "Column",
    "TableSchema",
    "SCHEMAS",
    "register",
    "get_schema",
    "schemas_for",
    "validate_table",
    "coerce_table",
    "data_dictionary",
]

DTYPES = ("int64", "float64", "bool", "string", "category", "datetime64[ns]", "date")
DOMAINS = ("bank", "retail")
KINDS = ("table", "truth")


@dataclass(frozen=True)
class Column:
    """One column of a table.

    Parameters
    ----------
    name : str
        Column name.
    dtype : str
        One of :data:`DTYPES`.
    description : str
        What the column means, its unit and how it was generated (goes into the dictionary).
    nullable : bool
        Whether missing values (NaN/NaT/None) are allowed.
    low, high : float or str, optional
        Inclusive range of the values (for datetimes a date string or ``"start"``/``"end"``,
        meaning the world's horizon: ``"end"`` is exclusive).
    choices : tuple of str, optional
        Allowed values; for ``category`` columns also the category order.
    unique : bool
        Whether values must be unique.
    references : str, optional
        ``"table.column"`` that every non-null value must appear in.
    domains : tuple of str, optional
        Domains in which the column exists (default: every domain of its table).
    """

    name: str
    dtype: str
    description: str
    nullable: bool = False
    low: float | str | None = None
    high: float | str | None = None
    choices: tuple[str, ...] | None = None
    unique: bool = False
    references: str | None = None
    domains: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.dtype not in DTYPES:
            raise ValueError(
                f"Column {self.name!r}: dtype must be one of {DTYPES}, got {self.dtype!r}"
            )
        if self.references is not None and self.references.count(".") != 1:
            raise ValueError(f"Column {self.name!r}: references must be 'table.column'")
        if self.domains is not None and not set(self.domains) <= set(DOMAINS):
            raise ValueError(f"Column {self.name!r}: unknown domain in {self.domains}")
        if self.choices is not None:
            object.__setattr__(self, "choices", tuple(self.choices))

    def in_domain(self, domain: str | None) -> bool:
        return domain is None or self.domains is None or domain in self.domains


@dataclass(frozen=True)
class TableSchema:
    """The schema of one table.

    Parameters
    ----------
    name : str
        Table name (the key in ``World.tables`` or ``World.truth``).
    description : str
        What the table records and how it is generated.
    columns : tuple of Column
        The columns, in order.
    primary_key : tuple of str
        Columns whose combination is unique and never null.
    kind : str
        ``"table"`` (observed data) or ``"truth"`` (ground truth).
    domains : tuple of str
        Domains that have this table (default both).
    """

    name: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    kind: str = "table"
    domains: tuple[str, ...] = DOMAINS

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", tuple(self.columns))
        object.__setattr__(self, "primary_key", tuple(self.primary_key))
        object.__setattr__(self, "domains", tuple(self.domains))
        if self.kind not in KINDS:
            raise ValueError(f"TableSchema {self.name!r}: kind must be one of {KINDS}")
        names = [c.name for c in self.columns]
        for dom in self.domains:
            in_dom = [c.name for c in self.columns if c.in_domain(dom)]
            if len(set(in_dom)) != len(in_dom):
                raise ValueError(f"TableSchema {self.name!r}: duplicate column names in {dom!r}")
        missing = [k for k in self.primary_key if k not in names]
        if missing:
            raise ValueError(
                f"TableSchema {self.name!r}: primary key column {missing[0]!r} not declared"
            )

    def columns_for(self, domain: str | None) -> tuple[Column, ...]:
        """The columns this table has in ``domain`` (all columns when ``None``)."""
        return tuple(c for c in self.columns if c.in_domain(domain))

    def column(self, name: str, domain: str | None = None) -> Column:
        """The column ``name`` (the one of ``domain`` when it differs between domains)."""
        for c in self.columns:
            if c.name == name and c.in_domain(domain):
                return c
        raise KeyError(name)


#: every registered schema, by table name
SCHEMAS: dict[str, TableSchema] = {}


def register(schema: TableSchema) -> TableSchema:
    """Add ``schema`` to :data:`SCHEMAS` (re-registering an equal schema is allowed)."""
    old = SCHEMAS.get(schema.name)
    if old is not None and old != schema:
        raise ValueError(f"a different schema for table {schema.name!r} is already registered")
    SCHEMAS[schema.name] = schema
    return schema


def get_schema(name: str) -> TableSchema:
    """The schema of table ``name``; a SchemaError lists the known tables."""
    try:
        return SCHEMAS[name]
    except KeyError:
        known = ", ".join(sorted(SCHEMAS))
        raise SchemaError(
            f"table {name!r} has no registered schema. Known tables: {known}."
        ) from None


def schemas_for(domain: str, kind: str | None = None) -> dict[str, TableSchema]:
    """Registered schemas of ``domain`` (optionally only ``kind`` 'table' or 'truth')."""
    return {
        n: s for n, s in SCHEMAS.items() if domain in s.domains and (kind is None or s.kind == kind)
    }


# -- validation ----------------------------------------------------------------------------
def _dtype_ok(series: pd.Series, dtype: str) -> bool:
    d = series.dtype
    if dtype == "int64":
        return d == np.int64
    if dtype == "float64":
        return d == np.float64
    if dtype == "bool":
        return d == np.bool_
    if dtype == "string":
        return isinstance(d, pd.StringDtype)
    if dtype == "category":
        return isinstance(d, pd.CategoricalDtype)
    return d == np.dtype("datetime64[ns]")


def _show(value) -> str:
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)


def _fail(table: str, column: str | None, message: str) -> SchemaError:
    where = f"table {table!r}" + (f", column {column!r}" if column else "")
    return SchemaError(f"{where}: {message}")


def _bound(value, col: Column, span: tuple[pd.Timestamp, pd.Timestamp] | None):
    if col.dtype in ("datetime64[ns]", "date"):
        if value == "start":
            return None if span is None else span[0]
        if value == "end":
            return None if span is None else span[1]
        return pd.Timestamp(value)
    return value


def validate_table(
    df: pd.DataFrame,
    schema: TableSchema,
    *,
    domain: str | None = None,
    tables: Mapping[str, pd.DataFrame] | None = None,
    span: tuple[pd.Timestamp, pd.Timestamp] | None = None,
    strict: bool = True,
) -> None:
    """Check ``df`` against ``schema``; raise :class:`SchemaError` naming table and column.

    Parameters
    ----------
    df : DataFrame
        The table.
    schema : TableSchema
        Its declaration.
    domain : str, optional
        Check only the columns of this domain (and refuse the table if the domain lacks it).
    tables : mapping, optional
        Other tables by name, for the ``references`` checks (references to tables not given
        are skipped).
    span : (Timestamp, Timestamp), optional
        The world's ``(start, end)``, for datetime bounds ``"start"``/``"end"``.
    strict : bool
        Refuse columns that the schema does not declare.
    """
    name = schema.name
    if domain is not None and domain not in schema.domains:
        raise _fail(name, None, f"this table does not exist in the {domain!r} domain.")
    cols = schema.columns_for(domain)
    declared = [c.name for c in cols]
    for c in declared:
        if c not in df.columns:
            raise _fail(name, c, "missing column.")
    if strict:
        extra = [c for c in df.columns if c not in declared]
        if extra:
            raise _fail(name, str(extra[0]), "column not declared in the schema.")
    for col in cols:
        s = df[col.name]
        if not _dtype_ok(s, col.dtype):
            want = "datetime64[ns]" if col.dtype == "date" else col.dtype
            raise _fail(name, col.name, f"dtype must be {want}, got {s.dtype}.")
        isna = s.isna().to_numpy()
        n_na = int(isna.sum())
        if n_na and not col.nullable:
            raise _fail(name, col.name, f"{n_na} missing value(s) in a non-nullable column.")
        values = s[~isna] if n_na else s
        if col.dtype == "date" and len(values):
            ns = values.to_numpy().astype(np.int64)
            off = int(((ns % 86_400_000_000_000) != 0).sum())
            if off:
                raise _fail(name, col.name, f"{off} value(s) are not at midnight (a date column).")
        if col.choices is not None and len(values):
            if col.dtype == "category":
                bad_cats = [c for c in s.cat.categories if c not in col.choices]
                used = set(pd.unique(values.astype(str))) if bad_cats else set()
                bad = [c for c in bad_cats if c in used]
            else:
                uniq = pd.unique(values.astype(str))
                bad = [u for u in uniq if u not in col.choices]
            if bad:
                allowed = ", ".join(map(repr, col.choices))
                raise _fail(name, col.name, f"value {bad[0]!r} is not one of {allowed}.")
        if (col.low is not None or col.high is not None) and len(values):
            arr = values.to_numpy()
            lo = _bound(col.low, col, span)
            hi = _bound(col.high, col, span)
            exclusive_high = col.high == "end"
            if lo is not None:
                low_v = np.datetime64(lo.as_unit("ns")) if isinstance(lo, pd.Timestamp) else lo
                below = arr < low_v
                if below.any():
                    raise _fail(
                        name,
                        col.name,
                        f"{int(below.sum())} value(s) below the minimum {lo} "
                        f"(for example {arr[below][0]}).",
                    )
            if hi is not None:
                high_v = np.datetime64(hi.as_unit("ns")) if isinstance(hi, pd.Timestamp) else hi
                above = arr >= high_v if exclusive_high else arr > high_v
                if above.any():
                    what = "at or after the end" if exclusive_high else "above the maximum"
                    raise _fail(
                        name,
                        col.name,
                        f"{int(above.sum())} value(s) {what} {hi} (for example {arr[above][0]}).",
                    )
        if col.unique and s.duplicated().any():
            dup = s[s.duplicated()].iloc[0]
            raise _fail(
                name, col.name, f"values must be unique; {_show(dup)} occurs more than once."
            )
        if col.references is not None and tables is not None and len(values):
            ref_table, ref_col = col.references.split(".")
            if ref_table in tables:
                target = tables[ref_table]
                if ref_col not in target.columns:
                    raise _fail(name, col.name, f"referenced column {col.references!r} is missing.")
                ok = (
                    pd.Index(target[ref_col].to_numpy()).get_indexer(pd.unique(values.to_numpy()))
                    >= 0
                )
                if not ok.all():
                    first = pd.unique(values.to_numpy())[~ok][0]
                    raise _fail(
                        name,
                        col.name,
                        f"{int((~ok).sum())} value(s) not found in {col.references} "
                        f"(for example {_show(first)}).",
                    )
    if schema.primary_key:
        key = list(schema.primary_key)
        if df[key].isna().any().any():
            raise _fail(name, None, f"primary key {tuple(key)} has missing values.")
        dup = df.duplicated(subset=key)
        if dup.any():
            example = df.loc[dup, key].iloc[0].tolist()
            raise _fail(
                name, None, f"primary key {tuple(key)} is not unique (for example {example})."
            )


# -- dtypes after a round trip --------------------------------------------------------------
def coerce_table(
    df: pd.DataFrame, schema: TableSchema, *, domain: str | None = None, where: str = "load_world"
) -> pd.DataFrame:
    """Return ``df`` with the declared dtypes (used after reading CSV or Parquet).

    Columns the schema does not declare are left as they are; a value that cannot be
    converted raises :class:`SchemaError` naming the table and column.
    """
    out = {}
    cols = {c.name: c for c in schema.columns_for(domain)}
    for name in df.columns:
        s = df[name]
        col = cols.get(name)
        if col is None:
            out[name] = s
            continue
        try:
            out[name] = _coerce(s, col)
        except (ValueError, TypeError) as exc:
            raise _fail(schema.name, name, f"cannot convert to {col.dtype}: {exc}") from None
    return pd.DataFrame(out, index=df.index)


def _coerce(s: pd.Series, col: Column) -> pd.Series:
    dtype = col.dtype
    if dtype == "int64":
        return s if s.dtype == np.int64 else s.astype(np.int64)
    if dtype == "float64":
        return s if s.dtype == np.float64 else s.astype(np.float64)
    if dtype == "bool":
        if s.dtype == np.bool_:
            return s
        if pd.api.types.is_string_dtype(s.dtype) or s.dtype == object:
            mapped = s.map({"True": True, "False": False, "true": True, "false": False})
            if mapped.isna().any():
                raise ValueError("values other than True/False")
            return mapped.astype(bool)
        return s.astype(bool)
    if dtype == "string":
        return s if isinstance(s.dtype, pd.StringDtype) else s.astype("str")
    if dtype == "category":
        if col.choices is not None:
            cats = list(col.choices)
        else:
            cats = sorted(pd.unique(s.dropna().astype(str)))
        values = s.astype(object).where(s.notna(), None)
        values = values.map(lambda v: v if v is None else str(v))
        return pd.Series(pd.Categorical(values, categories=cats), index=s.index, name=s.name)
    # datetimes
    if s.dtype == np.dtype("datetime64[ns]"):
        return s
    return pd.to_datetime(s).astype("datetime64[ns]")


# -- the data dictionary ---------------------------------------------------------------------
def _range_text(col: Column) -> str:
    parts = []
    if col.low is not None or col.high is not None:
        lo = "" if col.low is None else str(col.low)
        hi = "" if col.high is None else str(col.high)
        close = ")" if col.high == "end" else "]"
        parts.append(f"[{lo or '-inf'}, {hi or 'inf'}{close}")
    if col.choices is not None:
        if len(col.choices) <= 12:
            parts.append(", ".join(col.choices))
        else:
            parts.append(", ".join(col.choices[:6]) + f", … ({len(col.choices)} values)")
    if col.unique:
        parts.append("unique")
    if col.references:
        parts.append(f"→ {col.references}")
    if col.nullable:
        parts.append("nullable")
    return "; ".join(parts)


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def data_dictionary(domains: tuple[str, ...] = DOMAINS) -> str:
    """The data dictionary (Markdown) of every registered schema, tables then truth."""
    lines: list[str] = []
    for kind, title in (("table", "Observed tables"), ("truth", "Ground truth")):
        names = [n for n, s in SCHEMAS.items() if s.kind == kind and set(s.domains) & set(domains)]
        if not names:
            continue
        lines += [f"## {title}", ""]
        for n in names:
            s = SCHEMAS[n]
            doms = " and ".join(d for d in s.domains if d in domains)
            key = ", ".join(s.primary_key) if s.primary_key else "—"
            lines += [
                f"### `{n}`",
                "",
                _cell(s.description),
                "",
                f"*Domains:* {doms}. *Primary key:* {key}.",
                "",
                "| column | dtype | domains | allowed | description |",
                "|---|---|---|---|---|",
            ]
            for c in s.columns:
                cd = "all" if c.domains is None else ", ".join(c.domains)
                lines.append(
                    f"| `{c.name}` | {c.dtype} | {cd} | {_cell(_range_text(c))} | {_cell(c.description)} |"
                )
            lines.append("")
    return "\n".join(lines)
