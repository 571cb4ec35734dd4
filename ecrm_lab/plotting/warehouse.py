"""Plots of the warehouse: the star schema and the layers data flows through."""

from __future__ import annotations

from matplotlib.patches import FancyBboxPatch

from ._common import PALETTE, get_ax

__all__ = ["plot_star_schema", "star_schema_edges"]


def star_schema_edges(db) -> tuple[list[str], list[str], list[tuple[str, str, str]]]:
    """Facts, dimensions and the (fact, dimension, key) joins of a warehouse.

    A fact joins a dimension when it has a ``*_key`` column that is also a column of the
    dimension (its surrogate key), read from the database's own catalogue.
    """
    from ..warehouse.db import _Conn

    with _Conn(db) as con:
        cols = con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() ORDER BY table_name, column_index"
        ).fetchall()
    by_table: dict[str, list[str]] = {}
    for t, c in cols:
        by_table.setdefault(t, []).append(c)
    facts = sorted(t for t in by_table if t.startswith("fact_"))
    dims = sorted(t for t in by_table if t.startswith("dim_"))
    edges = []
    for f in facts:
        for c in by_table[f]:
            if not c.endswith("_key"):
                continue
            for d in dims:
                key = by_table[d][0]
                # role-playing dates: open_date_key, close_date_key -> dim_date.date_key
                if c == key or (key == "date_key" and c.endswith("_date_key")):
                    edges.append((f, d, c))
    return facts, dims, edges


def plot_star_schema(db, ax=None, *, figsize=(11, 6.5), **kwargs):
    """Draw the star schema of a built warehouse: facts in the middle, dimensions either side.

    ``db`` is the warehouse file, a connection, a ``Warehouse`` or a ``WarehouseBuild``. A line
    joins a fact to each dimension it has a key of. Returns the Axes.
    """
    if hasattr(db, "db_path"):
        db = db.db_path
    facts, dims, edges = star_schema_edges(db)
    ax = get_ax(ax, figsize=figsize)
    ax.set_xlim(-2.3, 2.3)
    ax.set_ylim(-1.25, 1.2)
    ax.set_axis_off()
    fw, fh, dw, dh = 1.25, 0.13, 0.85, 0.16
    pos: dict[str, tuple[float, float]] = {}
    for i, f in enumerate(facts):
        pos[f] = (0.0, 1.0 - 2.0 * i / max(len(facts) - 1, 1)) if len(facts) > 1 else (0.0, 0.0)
    half = (len(dims) + 1) // 2
    for side, group in ((-1, dims[:half]), (1, dims[half:])):
        for i, d in enumerate(group):
            y = 0.8 - 1.6 * i / max(len(group) - 1, 1) if len(group) > 1 else 0.0
            pos[d] = (side * 1.75, y)
    for f, d, _key in edges:
        (x0, y0), (x1, y1) = pos[f], pos[d]
        side = 1 if x1 > x0 else -1
        ax.plot(
            [x0 + side * fw / 2, x1 - side * dw / 2],
            [y0, y1],
            color="#999999",
            linewidth=0.7,
            zorder=1,
        )
    for name in facts + dims:
        x, y = pos[name]
        is_fact = name.startswith("fact_")
        colour = PALETTE[1] if is_fact else PALETTE[0]
        w, h = (fw, fh) if is_fact else (dw, dh)
        ax.add_patch(
            FancyBboxPatch(
                (x - w / 2, y - h / 2),
                w,
                h,
                boxstyle="round,pad=0.01,rounding_size=0.03",
                facecolor=colour,
                edgecolor=colour,
                alpha=0.9,
                zorder=2,
            )
        )
        ax.text(
            x,
            y,
            name,
            ha="center",
            va="center",
            fontsize=8,
            color="white",
            fontweight="bold",
            zorder=3,
        )
    ax.text(
        0.0,
        -1.22,
        "orange: facts (events and their measures)    blue: dimensions (who, "
        "what, when, through which channel, which campaign)",
        fontsize=8,
        color="#444444",
        ha="center",
    )
    ax.set_title(kwargs.pop("title", "The warehouse's star schema"))
    return ax
