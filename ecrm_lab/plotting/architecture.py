"""The eCRM architecture figure (lesson 00)."""

from __future__ import annotations

from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from ._common import PALETTE, get_ax

__all__ = ["plot_architecture"]

# (x, y, width, height) of each component in a 16 x 10 canvas
_LAYOUT = {
    "touch_points": (0.3, 8.2, 11.4, 1.5),
    "operational": (0.3, 5.2, 5.5, 2.5),
    "collaborative": (6.2, 5.2, 5.5, 2.5),
    "warehouse": (0.3, 2.2, 5.5, 2.5),
    "analytical": (6.2, 2.2, 5.5, 2.5),
    "engines": (12.2, 2.2, 3.5, 7.5),
    "ebusiness": (0.3, 0.1, 11.4, 1.6),
}
_COLOURS = {
    "customers": PALETTE[5],
    "operational CRM": PALETTE[1],
    "collaborative CRM": PALETTE[2],
    "analytical CRM": PALETTE[0],
    "engines": PALETTE[4],
    "e-business": "#999999",
}
# (from, to, label[, start, end]): customers touch operational and collaborative CRM; analytical feeds both
_ARROWS = (
    ("touch_points", "operational", "interactions"),
    ("touch_points", "collaborative", "interactions"),
    ("warehouse", "analytical", "data"),
    ("analytical", "operational", "supports", (6.5, 4.7), (5.4, 5.2)),
    ("analytical", "collaborative", "supports"),
    ("operational", "warehouse", "contact history"),
    ("ebusiness", "warehouse", "orders, billing"),
    ("analytical", "engines", "knowledge"),
)


def _centre(box, side):
    x, y, w, h = box
    return {
        "top": (x + w / 2, y + h),
        "bottom": (x + w / 2, y),
        "left": (x, y + h / 2),
        "right": (x + w, y + h / 2),
    }[side]


def _anchor(a, b):
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    if ay >= by + bh:  # a above b
        return _centre(a, "bottom"), _centre(b, "top")
    if by >= ay + ah:
        return _centre(a, "top"), _centre(b, "bottom")
    if ax < bx:
        return _centre(a, "right"), _centre(b, "left")
    return _centre(a, "left"), _centre(b, "right")


def plot_architecture(ax=None, *, show_lessons: bool = True, figsize=(12, 7.5)):
    """Draw the eCRM architecture; each part is labelled with the lessons that cover it.

    Returns the Axes.
    """
    from ..architecture import COMPONENTS, lessons_for

    ax = get_ax(ax, figsize=figsize)
    ax.set_xlim(0, 16)
    ax.set_ylim(0, 10)
    ax.set_axis_off()
    boxes = {}
    for comp in COMPONENTS:
        if comp.key not in _LAYOUT:
            continue
        x, y, w, h = _LAYOUT[comp.key]
        boxes[comp.key] = (x, y, w, h)
        colour = _COLOURS[comp.layer]
        ax.add_patch(
            FancyBboxPatch(
                (x, y),
                w,
                h,
                boxstyle="round,pad=0.02,rounding_size=0.15",
                facecolor=colour,
                alpha=0.18,
                edgecolor=colour,
                linewidth=1.5,
            )
        )
        ax.text(x + 0.15, y + h - 0.15, comp.label, va="top", ha="left", fontsize=11, weight="bold")
        wrap = 2 if comp.key in ("touch_points", "ebusiness") else 1
        items = list(comp.items)
        lines = (
            [" · ".join(items[i : i + 4]) for i in range(0, len(items), 4)] if wrap == 2 else items
        )
        ax.text(
            x + 0.2,
            y + h - 0.6,
            "\n".join(lines),
            va="top",
            ha="left",
            fontsize=8.5,
            linespacing=1.35,
        )
        if show_lessons:
            names = lessons_for(comp)
            if names:
                label = "lessons " + ", ".join(n[:2] for n in names)
                ax.text(
                    x + w - 0.12,
                    y + 0.1,
                    label,
                    va="bottom",
                    ha="right",
                    fontsize=8,
                    color="#333333",
                    style="italic",
                )
    for src, dst, label, *points in _ARROWS:
        (x0, y0), (x1, y1) = points if points else _anchor(boxes[src], boxes[dst])
        ax.add_patch(
            FancyArrowPatch(
                (x0, y0),
                (x1, y1),
                arrowstyle="-|>",
                mutation_scale=12,
                color="#555555",
                linewidth=1.0,
                shrinkA=2,
                shrinkB=2,
            )
        )
        ax.text(
            (x0 + x1) / 2 + 0.08,
            (y0 + y1) / 2,
            label,
            fontsize=7.5,
            color="#555555",
            ha="left",
            va="center",
        )
    ax.set_title("The eCRM architecture: customers, operational, collaborative and analytical CRM")
    return ax
