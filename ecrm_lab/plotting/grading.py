"""Plots for the autograder: the distribution of a class's scores."""

from __future__ import annotations

from ._common import PALETTE, get_ax

__all__ = ["plot_scores"]


def plot_scores(gradebook, ax=None, *, bins: int = 10, **kwargs):
    """Histogram of the students' totals, with the maximum marked.

    Parameters
    ----------
    gradebook : ecrm_lab.grading.Gradebook
        The result of :func:`ecrm_lab.grading.grade`.
    ax : matplotlib Axes, optional
        Where to draw (a new figure when None).
    bins : int
        Number of histogram bins between 0 and the maximum.
    **kwargs
        Passed to ``Axes.hist``.
    """
    ax = get_ax(ax)
    totals = gradebook.table["total"].to_numpy(dtype=float)
    top = max(float(gradebook.max_points), 1e-9)
    kwargs.setdefault("color", PALETTE[0])
    ax.hist(totals, bins=bins, range=(0, top), **kwargs)
    ax.axvline(top, color=PALETTE[3], linestyle="--", label=f"maximum {top:g}")
    ax.set_xlabel("total points")
    ax.set_ylabel("students")
    ax.set_title(f"Scores, exercise {gradebook.exercise} ({len(totals)} students)")
    ax.legend()
    return ax
