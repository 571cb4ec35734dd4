"""The warehouse schema reference, generated from built databases (never written by hand).

:func:`schema_reference` reads the catalogue of one or more built warehouses (typically one
bank and one retail) — tables, columns, SQL types and the ``COMMENT ON`` descriptions the SQL
files attach — and renders it as Markdown. ``docs/WAREHOUSE_SCHEMA.md`` is this output for
the two reference worlds (``ecrm-lab warehouse schema --out docs/WAREHOUSE_SCHEMA.md``, or
:func:`write_reference_docs`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._io import atomic_path
from .db import LAYERS, _Conn, layer_of

__all__ = ["schema_reference", "write_schema_reference", "write_reference_docs"]

_LAYER_TEXT = {
    "staging": "Source tables exactly as the source systems delivered them.",
    "reference": "Code lists the integration maps source codes onto.",
    "integration": "Identity resolution, harmonised codes and de-duplicated records.",
    "dimension": "Who, what, when, where and which campaign: the axes of analysis.",
    "fact": "Events and their measures, keyed to the dimensions.",
    "mart": "Ready-made views for one kind of analysis.",
    "metadata": "How and from what the warehouse was built.",
}


def _catalogue(db: Any) -> tuple[str, dict[str, tuple[str, str, list[tuple[str, str, str]]]]]:
    """Domain, and table -> (kind, description, [(column, type, description)])."""
    with _Conn(db) as con:
        domain = con.execute("SELECT domain FROM etl_run").fetchone()[0]
        objects = con.execute(
            "SELECT table_name, 'table', comment FROM duckdb_tables() WHERE NOT internal "
            "UNION ALL "
            "SELECT view_name, 'view', comment FROM duckdb_views() "
            "WHERE NOT internal AND schema_name = 'main'"
        ).fetchall()
        cols = con.execute(
            "SELECT table_name, column_name, data_type, comment FROM duckdb_columns() "
            "WHERE schema_name = 'main' ORDER BY table_name, column_index"
        ).fetchall()
    out: dict[str, tuple[str, str, list[tuple[str, str, str]]]] = {
        name: (kind, comment or "", []) for name, kind, comment in objects
    }
    for t, c, typ, comment in cols:
        if t in out:
            out[t][2].append((c, typ, comment or ""))
    return domain, out


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def schema_reference(dbs: Sequence[Any] | Any) -> str:
    """Markdown reference of the warehouse schema of one or more built warehouses.

    Tables present in only some of the warehouses are marked with their domain; a column
    whose type differs between domains shows both.
    """
    if not isinstance(dbs, list | tuple):
        dbs = [dbs]
    merged: dict[str, dict[str, Any]] = {}
    domains = []
    for db in dbs:
        domain, cat = _catalogue(db)
        domains.append(domain)
        for table, (kind, comment, cols) in cat.items():
            entry = merged.setdefault(
                table, {"comment": comment, "kind": kind, "domains": [], "columns": {}}
            )
            entry["domains"].append(domain)
            for name, typ, ccomment in cols:
                col = entry["columns"].setdefault(
                    name, {"types": {}, "comment": ccomment, "domains": []}
                )
                col["types"][domain] = typ
                col["domains"].append(domain)
                if not col["comment"]:
                    col["comment"] = ccomment
    lines = [
        "# Warehouse schema reference",
        "",
        "Generated from built warehouses of the "
        + " and ".join(domains)
        + " worlds by `ecrm_lab.warehouse.schema_doc` "
        "(`ecrm-lab warehouse schema`); do not edit by hand. The descriptions are the "
        "`COMMENT ON` statements of the SQL files in `ecrm_lab/warehouse/sql/`.",
        "",
        "Layers, in the order data flows through them:",
        "",
    ]
    by_layer: dict[str, list[str]] = {}
    for table in sorted(merged):
        by_layer.setdefault(layer_of(table), []).append(table)
    for layer in [*LAYERS.values(), "other"]:
        if layer in by_layer:
            lines.append(
                f"- **{layer}** ({len(by_layer[layer])} tables): {_LAYER_TEXT.get(layer, '')}"
            )
    for layer in [*LAYERS.values(), "other"]:
        if layer not in by_layer:
            continue
        lines += ["", f"## {layer.capitalize()}", ""]
        for table in by_layer[layer]:
            entry = merged[table]
            only = (
                f" *({', '.join(entry['domains'])} only)*"
                if len(entry["domains"]) < len(domains)
                else ""
            )
            view = " (view)" if entry["kind"] == "view" else ""
            lines += [
                f"### `{table}`{view}{only}",
                "",
                _cell(entry["comment"]) or "(no description)",
                "",
            ]
            lines += ["| column | type | description |", "|---|---|---|"]
            for name, col in entry["columns"].items():
                types = sorted(set(col["types"].values()))
                typ = (
                    types[0]
                    if len(types) == 1
                    else ", ".join(f"{t} ({d})" for d, t in sorted(col["types"].items()))
                )
                note = ""
                if len(col["domains"]) < len(entry["domains"]):
                    note = f" *({', '.join(col['domains'])} only)*"
                lines.append(f"| `{name}` | {typ} | {_cell(col['comment'])}{note} |")
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def write_schema_reference(dbs: Sequence[Any] | Any, path: str | os.PathLike) -> Path:
    """Write :func:`schema_reference` to ``path`` atomically; return the path."""
    text = schema_reference(dbs)
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    return Path(path)


def write_reference_docs(
    path: str | os.PathLike = "docs/WAREHOUSE_SCHEMA.md",
    *,
    n_customers: int = 500,
    seed: int = 42,
    workdir: str | os.PathLike | None = None,
) -> Path:
    """Build small bank and retail warehouses and write their schema reference to ``path``.

    The reference does not depend on ``n_customers`` or ``seed`` (only on the SQL and the
    world's schemas).
    """
    import tempfile

    from ..world import generate
    from .build import build

    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        dbs = []
        for domain in ("bank", "retail"):
            world = generate(domain, n_customers=n_customers, seed=seed)
            db = Path(tmp) / f"{domain}.duckdb"
            build(world, db)
            dbs.append(db)
        return write_schema_reference(dbs, path)
