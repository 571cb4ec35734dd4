"""Shared plotting machinery: the house style, the palette and ``get_ax``."""

from __future__ import annotations

import matplotlib as mpl

__all__ = ["PALETTE", "STYLE", "get_ax", "use_style"]

#: colour-blind safe palette (Okabe–Ito), in the order series are drawn
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
)

STYLE = {
    "figure.figsize": (7.0, 4.2),
    "figure.dpi": 80,
    "savefig.dpi": 80,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.titleweight": "bold",
    "font.size": 10,
    "legend.frameon": False,
    # byte-stable image output: no dates or random ids in saved files
    "svg.hashsalt": "ecrm-lab",
    "path.simplify": True,
}


def use_style() -> None:
    """Apply the house style to matplotlib's rcParams (lessons call this once)."""
    mpl.rcParams.update(STYLE)


def get_ax(ax=None, figsize: tuple[float, float] | None = None):
    """Return ``ax``, or a new Axes on a new figure when ``ax`` is None."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new_ax = plt.subplots(figsize=figsize)
    return new_ax
