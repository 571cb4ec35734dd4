"""Where the warehouse's data comes from: a World in memory or a saved world directory.

A saved world is read in place by DuckDB when its tables are Parquet files (fast, out of
core); CSV worlds are read with :func:`ecrm_lab.world.load_world` so their dtypes are
restored from the schemas. Either way the warehouse sees each source table as a relation
``src_<name>`` with plain SQL types: categoricals become VARCHAR, nanosecond timestamps
become TIMESTAMP.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .._io import record_read, sha256_file
from ..exceptions import DataError, InvalidParameterError

__all__ = ["REQUIRED_TABLES", "OPTIONAL_TABLES", "WorldSource", "open_source"]

_COMMON = (
    "customers",
    "products",
    "campaigns",
    "campaign_contacts",
    "campaign_responses",
    "web_sessions",
    "page_views",
    "service_requests",
    "sales_leads",
    "sales_opportunities",
    "sales_stage_events",
    "lifecycle_events",
    "raw_crm_customers",
    "raw_web_customers",
    "raw_billing_customers",
)

#: the source tables the warehouse reads, per domain (a missing one is a clear DataError)
REQUIRED_TABLES: dict[str, tuple[str, ...]] = {
    "bank": _COMMON + ("accounts", "transactions"),
    "retail": _COMMON + ("orders", "order_lines"),
}

#: source tables staged when present (a world may add more)
OPTIONAL_TABLES: tuple[str, ...] = ()


@dataclass
class WorldSource:
    """The world's tables as the warehouse sees them.

    Attributes
    ----------
    domain : str
        ``"bank"`` or ``"retail"``.
    meta : dict
        The world's metadata (domain, n_customers, seed, start, months, ...).
    frames : dict
        In-memory tables (a World, or a CSV world loaded with pandas).
    parquet : dict
        Table name -> Parquet file path (a saved Parquet world, read by DuckDB in place).
    label : str
        Where the world came from, for messages.
    """

    domain: str
    meta: dict
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    parquet: dict[str, Path] = field(default_factory=dict)
    label: str = "world"

    @property
    def names(self) -> set[str]:
        return set(self.frames) | set(self.parquet)

    def check(self) -> None:
        """Raise :class:`DataError` naming the first required table the world lacks."""
        for name in REQUIRED_TABLES[self.domain]:
            if name not in self.names:
                where = (
                    f" (expected the file tables/{name}.parquet or .csv)"
                    if self.parquet or self.label.startswith("directory")
                    else ""
                )
                raise DataError(
                    f"warehouse build: the {self.domain} world from {self.label} is missing the "
                    f"table {name!r}{where}; the warehouse needs "
                    f"{', '.join(REQUIRED_TABLES[self.domain])}."
                )

    def register(self, con: Any) -> dict[str, str]:
        """Make every table available to ``con``; return name -> SQL relation expression."""
        rel: dict[str, str] = {}
        for name, frame in self.frames.items():
            view = f"src_{name}"
            con.register(view, frame)
            rel[name] = view
        for name, path in self.parquet.items():
            literal = str(path).replace("'", "''")
            rel[name] = f"read_parquet('{literal}')"
        return rel


def _domain_of(meta: Mapping[str, Any], label: str) -> str:
    domain = meta.get("domain")
    if domain not in REQUIRED_TABLES:
        raise DataError(
            f"warehouse build: cannot tell the domain of the world from {label}: its metadata "
            f"says domain={domain!r}; expected 'bank' or 'retail'."
        )
    return str(domain)


def open_source(world_or_dir: Any) -> WorldSource:
    """A :class:`WorldSource` for a World object or a saved world directory."""
    if isinstance(world_or_dir, str | os.PathLike):
        return _from_dir(Path(world_or_dir))
    tables = getattr(world_or_dir, "tables", None)
    meta = getattr(world_or_dir, "meta", None)
    if not isinstance(tables, Mapping) or not isinstance(meta, Mapping):
        raise InvalidParameterError(
            "The 'world_or_dir' parameter of build must be a World or the directory of a saved "
            f"world. Got {type(world_or_dir).__name__} instead."
        )
    domain = _domain_of(meta, "the World object")
    return WorldSource(domain=domain, meta=dict(meta), frames=dict(tables), label="a World object")


def _from_dir(path: Path) -> WorldSource:
    label = f"directory {str(path)!r}"
    if not path.is_dir():
        raise DataError(f"warehouse build: the world directory {str(path)!r} does not exist.")
    meta_file = path / "world.json"
    if not meta_file.is_file():
        raise DataError(
            f"warehouse build: {str(path)!r} is not a saved world (no world.json); create one "
            "with `ecrm-lab generate ... --out DIR` or World.save(DIR)."
        )
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"warehouse build: cannot read {str(meta_file)!r}: {exc}") from None
    domain = _domain_of(meta, label)
    tables_dir = path / "tables"
    parquet = {p.name[: -len(".parquet")]: p for p in sorted(tables_dir.glob("*.parquet"))}
    csvs = sorted(tables_dir.glob("*.csv")) + sorted(tables_dir.glob("*.csv.gz"))
    src = WorldSource(domain=domain, meta=meta, label=label)
    if parquet:
        src.parquet = parquet
        src.check()
        for name, p in parquet.items():
            record_read(f"world:{name}", sha256_file(p))
    elif csvs:
        src.frames = {}
        names = {p.name.split(".")[0] for p in csvs}
        src.parquet = {}
        # check before loading, then let the world's loader restore the dtypes
        missing = [t for t in REQUIRED_TABLES[domain] if t not in names]
        if missing:
            src.frames = {n: pd.DataFrame() for n in names}
            src.check()
        from ..world import load_world

        world = load_world(path)
        src.frames = dict(world.tables)
    else:
        src.check()
    return src
