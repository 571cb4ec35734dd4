"""Plots of the KDD process: the ledger as a diagram, and the evaluation."""

from __future__ import annotations

import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from ._common import PALETTE, get_ax

__all__ = ["plot_kdd_ledger", "plot_evaluation", "LEVEL_COLOURS"]

#: colour of each rung of data -> information -> knowledge
LEVEL_COLOURS = {"data": PALETTE[0], "information": PALETTE[1], "knowledge": PALETTE[2]}

_TITLES = {
    "selection": "1 Selection",
    "split": "holdout split",
    "preprocessing": "2 Pre-processing",
    "transformation": "3 Transformation",
    "mining": "4 Data mining",
    "interpretation": "5 Interpretation",
}


def _role(row) -> str:
    learned = getattr(row, "learned_from", None)
    if (
        learned is not None
        and not (isinstance(learned, float) and np.isnan(learned))
        and str(learned) != "<NA>"
    ):
        return f"fit on {learned} train rows"
    return {
        "selection": "query / filter",
        "split": "holdout kept apart",
        "interpretation": "scored on the holdout",
    }.get(row.stage, "learns nothing")


def plot_kdd_ledger(result, ax=None, *, figsize=(12, 3.4), show_checksum: bool = True, **kwargs):
    """Draw the KDD process of ``result`` (a ``KDDResult`` or its ledger DataFrame).

    One box per step, left to right, coloured by its rung on data -> information ->
    knowledge, showing rows x columns out and (optionally) the output checksum.

    Returns the Axes.
    """
    ledger = result.ledger if hasattr(result, "ledger") else result
    ax = get_ax(ax, figsize=figsize)
    n = len(ledger)
    width, gap, height = 2.15, 0.5, 1.7
    total = n * width + (n - 1) * gap
    ax.set_xlim(-0.2, total + 0.2)
    ax.set_ylim(-0.9, height + 0.8)
    ax.set_axis_off()
    for k, row in enumerate(ledger.itertuples(index=False)):
        x = k * (width + gap)
        colour = LEVEL_COLOURS.get(row.level, PALETTE[7])
        box = FancyBboxPatch(
            (x, 0),
            width,
            height,
            boxstyle="round,pad=0.03,rounding_size=0.12",
            facecolor=colour,
            edgecolor=colour,
            alpha=0.18 if row.stage == "split" else 0.30,
            linestyle="--" if row.stage == "split" else "-",
        )
        ax.add_patch(box)
        ax.text(
            x + width / 2,
            height - 0.25,
            _TITLES.get(row.stage, row.stage),
            ha="center",
            va="center",
            fontsize=9,
            fontweight="bold",
        )
        ax.text(
            x + width / 2,
            height - 0.62,
            _role(row),
            ha="center",
            va="center",
            fontsize=8,
            style="italic",
        )
        ax.text(
            x + width / 2,
            height - 1.0,
            f"{row.rows_out} rows x {row.columns_out} cols",
            ha="center",
            va="center",
            fontsize=8,
        )
        if show_checksum:
            ax.text(
                x + width / 2,
                height - 1.35,
                f"#{str(row.checksum)[:8]}",
                ha="center",
                va="center",
                fontsize=7,
                family="monospace",
                color="#444444",
            )
        if k:
            ax.add_patch(
                FancyArrowPatch(
                    (x - gap + 0.04, height / 2),
                    (x - 0.04, height / 2),
                    arrowstyle="-|>",
                    mutation_scale=12,
                    color="#333333",
                )
            )
    # the data -> information -> knowledge ladder under the boxes
    levels = list(ledger["level"])
    for level in ("data", "information", "knowledge"):
        idx = [k for k, lv in enumerate(levels) if lv == level]
        if not idx:
            continue
        x0 = idx[0] * (width + gap)
        x1 = idx[-1] * (width + gap) + width
        ax.plot(
            [x0, x1], [-0.35, -0.35], color=LEVEL_COLOURS[level], linewidth=4, solid_capstyle="butt"
        )
        ax.text(
            (x0 + x1) / 2,
            -0.65,
            level,
            ha="center",
            va="center",
            fontsize=9,
            color=LEVEL_COLOURS[level],
            fontweight="bold",
        )
    ax.set_title(kwargs.pop("title", "The KDD process: data -> information -> knowledge"))
    return ax


def _curve(y: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(-s, kind="stable")
    hits = np.concatenate([[0.0], np.cumsum(y[order])])
    share = np.arange(len(y) + 1) / max(len(y), 1)
    return share, hits / max(hits[-1], 1)


def plot_evaluation(evaluation, ax=None, *, figsize=None, **kwargs):
    """Plot an ``Evaluation``.

    Classification and deviation detection: the cumulative gains curve of the model on the
    holdout against random targeting — and against the true propensity when a truth column
    was given. Regression: predicted against actual. Otherwise: the metric values as bars.

    Returns the Axes.
    """
    ax = get_ax(ax, figsize=figsize)
    scored = evaluation.scored
    task = evaluation.task
    if task == "classification" and "score" in scored.columns and len(evaluation.gains):
        y_raw = scored[evaluation.target]
        positive = True if y_raw.dtype == bool else sorted(y_raw.unique())[-1]
        y = (y_raw == positive).to_numpy(float)
        x, c = _curve(y, scored["score"].to_numpy(float))
        ax.plot(x, c, color=PALETTE[0], label="model")
        if "truth" in scored.columns:
            t = scored["truth"].astype(float).fillna(-np.inf).to_numpy()
            x, c = _curve(y, t)
            ax.plot(
                x,
                c,
                color=PALETTE[2],
                linestyle="--",
                label=f"true {evaluation.truth_column} (oracle)",
            )
        ax.plot([0, 1], [0, 1], color="#888888", linestyle=":", label="random")
        ax.set_xlabel("share of holdout contacted (best scores first)")
        ax.set_ylabel("share of all positives reached")
        ax.set_title(kwargs.pop("title", "Cumulative gains on the holdout"))
        ax.legend(loc="lower right")
    elif task == "deviation_detection" and "truth" in scored.columns:
        t = scored["truth"].fillna(False).astype(bool).to_numpy(float)
        x, c = _curve(t, scored["anomaly_score"].to_numpy(float))
        ax.plot(x, c, color=PALETTE[3], label="anomaly score")
        ax.plot([0, 1], [0, 1], color="#888888", linestyle=":", label="random")
        ax.set_xlabel("share of rows inspected (most unusual first)")
        ax.set_ylabel(f"share of true {evaluation.truth_column} found")
        ax.set_title(kwargs.pop("title", "Anomalies found against the truth"))
        ax.legend(loc="lower right")
    elif task == "regression" and evaluation.target in scored.columns:
        y = scored[evaluation.target].to_numpy(float)
        p = scored["prediction"].to_numpy(float)
        ax.scatter(y, p, s=8, alpha=0.5, color=PALETTE[0])
        lo, hi = float(np.nanmin([y.min(), p.min()])), float(np.nanmax([y.max(), p.max()]))
        ax.plot([lo, hi], [lo, hi], color="#888888", linestyle=":")
        ax.set_xlabel(f"actual {evaluation.target}")
        ax.set_ylabel("predicted")
        ax.set_title(kwargs.pop("title", "Predicted against actual on the holdout"))
    else:
        m = evaluation.metrics
        ax.barh(m["metric"], m["value"], color=PALETTE[0])
        ax.invert_yaxis()
        ax.set_xlabel("value")
        ax.set_title(kwargs.pop("title", f"Evaluation ({task})"))
    return ax
