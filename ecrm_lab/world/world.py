"""The :class:`World` container: observed tables, ground truth and metadata; saving and loading.

On disk a world is a directory::

    world.json              metadata, schema version and the SHA-256 of every file
    tables/<name>.parquet   observed tables (or .csv)
    truth/<name>.parquet    ground truth

:meth:`World.save` writes into a temporary directory and renames it into place only when
everything is written (:func:`ecrm_lab._io.atomic_dir`), so an interrupted save leaves no half
world. It refuses to replace a directory that exists and is not a world. :func:`load_world`
names the missing or corrupt file in a :class:`~ecrm_lab.exceptions.DataError`.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._io import READ_LOG_ENV, atomic_dir, record_read, sha256_file
from .._validation import check_param
from ..exceptions import DataError, SchemaError
from .schema import coerce_table, get_schema, validate_table

__all__ = ["World", "load_world", "SCHEMA_VERSION", "FORMATS", "check_out_dir", "is_world_dir"]

#: version of the table layout; bump when a schema changes incompatibly
SCHEMA_VERSION = 1
FORMATS = ("parquet", "csv")
META_FILE = "world.json"
_NA = [""]


@dataclass
class World:
    """A generated (or loaded) synthetic world.

    Attributes
    ----------
    tables : dict[str, DataFrame]
        Observed data sources by table name.
    truth : dict[str, DataFrame]
        Ground truth by name (never shown to models).
    meta : dict
        ``domain``, ``n_customers``, ``seed``, ``start``, ``months``, ``end``,
        ``package_version``, ``schema_version``.

    Examples
    --------
    >>> from ecrm_lab.world import generate
    >>> w = generate("retail", n_customers=300, seed=3, months=6)
    >>> w["customers"].shape[0]
    300
    >>> w.validate()
    """

    tables: dict[str, pd.DataFrame]
    truth: dict[str, pd.DataFrame]
    meta: dict[str, Any] = field(default_factory=dict)

    # -- access ---------------------------------------------------------------------------
    def __getitem__(self, name: str) -> pd.DataFrame:
        """An observed table (``w["customers"]``); truth tables are only in ``w.truth``."""
        try:
            return self.tables[name]
        except KeyError:
            where = " It is a truth table: use world.truth[...]." if name in self.truth else ""
            known = ", ".join(sorted(self.tables))
            raise KeyError(f"no table {name!r} in this world.{where} Tables: {known}.") from None

    def __contains__(self, name: object) -> bool:
        return name in self.tables

    @property
    def domain(self) -> str:
        return str(self.meta.get("domain"))

    def summary(self) -> pd.DataFrame:
        """One row per table: kind (table/truth), rows, columns and its description."""
        rows = []
        for kind, group in (("table", self.tables), ("truth", self.truth)):
            for name, df in group.items():
                try:
                    desc = get_schema(name).description
                except SchemaError:
                    desc = ""
                rows.append((name, kind, len(df), df.shape[1], desc))
        return pd.DataFrame(rows, columns=["table", "kind", "rows", "columns", "description"])

    def __repr__(self) -> str:
        m = self.meta
        head = (
            f"World(domain={m.get('domain')!r}, n_customers={m.get('n_customers')}, "
            f"seed={m.get('seed')}, start={str(m.get('start'))[:10]}, "
            f"months={m.get('months')})"
        )
        tables = ", ".join(f"{k} ({len(v):,})" for k, v in self.tables.items())
        truth = ", ".join(f"{k} ({len(v):,})" for k, v in self.truth.items())
        return f"{head}\n  tables: {tables}\n  truth:  {truth}"

    # -- checks ---------------------------------------------------------------------------
    def span(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        return pd.Timestamp(self.meta["start"]).as_unit("ns"), pd.Timestamp(
            self.meta["end"]
        ).as_unit("ns")

    def validate(self) -> None:
        """Check every table and truth table against its schema (types, nulls, ranges,
        allowed values, keys, references); raises :class:`SchemaError` naming table/column."""
        everything = {**self.tables, **self.truth}
        span = self.span()
        for group, kind in ((self.tables, "table"), (self.truth, "truth")):
            for name, df in group.items():
                schema = get_schema(name)
                if schema.kind != kind:
                    raise SchemaError(
                        f"table {name!r} is declared as {schema.kind!r} but is "
                        f"stored with the {kind} tables."
                    )
                validate_table(df, schema, domain=self.domain, tables=everything, span=span)

    # -- files ----------------------------------------------------------------------------
    def save(self, path: str | os.PathLike, format: str = "parquet", *, n_jobs: int = 2) -> Path:
        """Write the world to directory ``path`` atomically; returns the path.

        Parameters
        ----------
        path : path-like
            Destination directory. If it exists it must be a world (it is then replaced) or
            empty; anything else is refused before writing.
        format : {'parquet', 'csv'}
            File format of the tables.
        n_jobs : int
            Tables written in parallel (threads); the files do not depend on it.
        """
        fmt = check_param(format, "format", "World.save", str, choices=FORMATS)
        dest = check_out_dir(path, "World.save")
        jobs = [
            (f"{sub}/{name}.{fmt}", df)
            for sub, group in (("tables", self.tables), ("truth", self.truth))
            for name, df in group.items()
        ]
        order = [rel for rel, _ in jobs]
        # biggest first, so the threads finish together
        jobs.sort(key=lambda job: -len(job[1]) * max(1, job[1].shape[1]))
        with atomic_dir(dest, overwrite=True) as tmp:
            (tmp / "tables").mkdir()
            (tmp / "truth").mkdir()

            def write(job: tuple[str, pd.DataFrame]) -> tuple[str, dict[str, Any]]:
                rel, df = job
                _write(df, tmp / rel, fmt)
                return rel, {"rows": int(len(df)), "sha256": sha256_file(tmp / rel)}

            workers = max(1, min(int(n_jobs), len(jobs)))
            if workers > 1:
                from concurrent.futures import ThreadPoolExecutor

                with ThreadPoolExecutor(max_workers=workers) as pool:
                    files = dict(sorted(pool.map(write, jobs)))
            else:
                files = dict(sorted(map(write, jobs)))
            meta = {**_jsonable(self.meta), "format": fmt, "files": files, "order": order}
            (tmp / META_FILE).write_text(
                json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8"
            )
        return dest


def _jsonable(meta: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in meta.items():
        if isinstance(v, pd.Timestamp):
            v = v.isoformat()
        elif isinstance(v, np.integer):
            v = int(v)
        elif isinstance(v, np.floating):
            v = float(v)
        out[k] = v
    return out


def _write(df: pd.DataFrame, path: Path, fmt: str) -> None:
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(df, preserve_index=False)
        # dictionary encoding only where it pays (categories and text), not for ids/amounts
        dict_cols = [
            c
            for c in df.columns
            if isinstance(df[c].dtype, pd.CategoricalDtype | pd.StringDtype)
            or df[c].dtype == object
            or df[c].dtype == bool
        ]
        # integers and times (ids, keys, timestamps: mostly sorted) delta-encode well
        delta = {
            c: "DELTA_BINARY_PACKED"
            for c in df.columns
            if df[c].dtype == np.int64 or df[c].dtype == np.dtype("datetime64[ns]")
        }
        pq.write_table(
            table, path, compression="snappy", use_dictionary=dict_cols, column_encoding=delta
        )
    else:
        df.to_csv(path, index=False, lineterminator="\n")


def is_world_dir(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a directory holding a saved world (has ``world.json``)."""
    p = Path(path)
    return p.is_dir() and (p / META_FILE).is_file()


def check_out_dir(path: str | os.PathLike, where: str) -> Path:
    """Refuse an output path that exists and is neither a world nor an empty directory."""
    if not isinstance(path, str | os.PathLike):
        raise DataError(f"{where}: the output directory must be a path, got {path!r}.")
    p = Path(path)
    if p.exists():
        if not p.is_dir():
            raise DataError(
                f"{where}: {str(p)!r} exists and is a file, not a world directory; "
                "choose another output directory."
            )
        if not is_world_dir(p) and any(p.iterdir()):
            raise DataError(
                f"{where}: {str(p)!r} exists and is not a world (no {META_FILE}); "
                "refusing to overwrite it. Choose a new or empty directory."
            )
    return p


def load_world(path: str | os.PathLike) -> World:
    """Load a world saved by :meth:`World.save`.

    Every file listed in ``world.json`` is checked against its SHA-256 and read with the
    declared dtypes; a missing, corrupt or unreadable file raises :class:`DataError` naming it.
    """
    p = Path(path)
    meta_path = p / META_FILE
    if not p.is_dir():
        raise DataError(f"load_world: {str(p)!r} is not a directory.")
    if not meta_path.is_file():
        raise DataError(f"load_world: {str(p)!r} is not a world: file {META_FILE!r} is missing.")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        files = meta.pop("files")
        fmt = meta.pop("format")
        order = meta.pop("order", sorted(files))
        if sorted(order) != sorted(files):
            raise KeyError("order and files disagree")
        domain = meta["domain"]
    except (json.JSONDecodeError, KeyError, UnicodeDecodeError) as exc:
        raise DataError(f"load_world: file {str(meta_path)!r} is corrupt ({exc}).") from None
    if meta.get("schema_version") != SCHEMA_VERSION:
        raise DataError(
            f"load_world: {str(meta_path)!r} has schema version "
            f"{meta.get('schema_version')!r}; this ecrm-lab reads version "
            f"{SCHEMA_VERSION}. Regenerate the world."
        )
    tables: dict[str, pd.DataFrame] = {}
    truth: dict[str, pd.DataFrame] = {}
    for rel in order:
        info = files[rel]
        f = p / rel
        if not f.is_file():
            raise DataError(f"load_world: file {str(f)!r} is missing.")
        if sha256_file(f) != info["sha256"]:
            raise DataError(
                f"load_world: file {str(f)!r} is corrupt (its SHA-256 differs from "
                f"the one in {META_FILE})."
            )
        name = Path(rel).name.rsplit(".", 1)[0]
        schema = get_schema(name)
        df = _read(f, fmt, schema, domain)
        if len(df) != info["rows"]:
            raise DataError(
                f"load_world: file {str(f)!r} has {len(df)} rows, expected {info['rows']}."
            )
        (tables if rel.startswith("tables/") else truth)[name] = df
    digest = hashlib.sha256(
        "".join(f"{k}:{files[k]['sha256']};" for k in sorted(files)).encode()
    ).hexdigest()
    record_read(f"world:{p}", digest, sum(len(d) for d in tables.values()))
    return World(tables=tables, truth=truth, meta=meta)


def _read(f: Path, fmt: str, schema, domain: str) -> pd.DataFrame:
    try:
        if fmt == "parquet":
            df = pd.read_parquet(f)
        else:
            cols = schema.columns_for(domain)
            dtype = {c.name: "str" for c in cols if c.dtype in ("string", "category")}
            df = pd.read_csv(f, dtype=dtype, keep_default_na=False, na_values=_NA)
            if len(df) == 0:
                df = pd.DataFrame({c.name: pd.Series(dtype="object") for c in cols})
        return coerce_table(df, schema, domain=domain)
    except SchemaError as exc:
        raise DataError(f"load_world: file {str(f)!r} does not match its schema: {exc}") from None
    except (OSError, ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"load_world: cannot read file {str(f)!r}: {first}") from None


def tables_digest(world_tables: Mapping[str, pd.DataFrame]) -> str:
    """SHA-256 over the contents of ``world_tables`` (row hashes, in name order)."""
    h = hashlib.sha256()
    for name in sorted(world_tables):
        df = world_tables[name]
        h.update(name.encode())
        h.update(",".join(map(str, df.columns)).encode())
        h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return h.hexdigest()


def record_generated(name: str, world: World) -> None:
    """``record_read`` for a generated world (the hash is computed only inside a lesson run)."""
    if not os.environ.get(READ_LOG_ENV):
        return
    record_read(name, tables_digest(world.tables), sum(len(d) for d in world.tables.values()))
