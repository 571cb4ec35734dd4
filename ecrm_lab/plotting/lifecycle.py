"""Plots of the customer lifecycle and customer value (:mod:`ecrm_lab.lifecycle`)."""

from __future__ import annotations

import numpy as np

from ._common import PALETTE, get_ax

__all__ = [
    "plot_rfm_summary",
    "plot_frequency_fit",
    "plot_holdout_check",
    "plot_clv_concentration",
    "plot_p_alive_matrix",
]


def plot_rfm_summary(summary, max_frequency: int = 10, ax=None, **kwargs):
    """Bar chart of customers by number of repeat purchases in the calibration period."""
    ax = get_ax(ax)
    x = summary.table["frequency"].to_numpy()
    counts = np.bincount(np.minimum(x, max_frequency).astype(np.int64), minlength=max_frequency + 1)
    labels = [str(i) for i in range(max_frequency)] + [f"{max_frequency}+"]
    kwargs.setdefault("color", PALETTE[0])
    ax.bar(labels, counts, **kwargs)
    ax.set_xlabel("repeat purchases in calibration (frequency)")
    ax.set_ylabel("customers")
    ax.set_title(f"{summary.n_customers:,} customers up to {summary.calibration_end.date()}")
    return ax


def plot_frequency_fit(fit, ax=None, **kwargs):
    """Observed against model-expected customers by number of repeat purchases."""
    ax = get_ax(ax)
    table = fit.table
    pos = np.arange(len(table))
    width = kwargs.pop("width", 0.4)
    ax.bar(pos - width / 2, table["observed"], width, label="observed", color=PALETTE[0], **kwargs)
    ax.bar(pos + width / 2, table["expected"], width, label="BG/NBD", color=PALETTE[1], **kwargs)
    ax.set_xticks(pos, list(table.index))
    ax.set_xlabel("repeat purchases in calibration")
    ax.set_ylabel("customers")
    ax.set_title("Calibration fit")
    ax.legend()
    return ax


def plot_holdout_check(check, ax=None, **kwargs):
    """Mean holdout purchases by calibration frequency: actual against predicted."""
    ax = get_ax(ax)
    table = check.table.drop(index="all")
    table = table[table["customers"] > 0]
    labels = list(table.index)
    ax.plot(labels, table["actual"], marker="o", color=PALETTE[0], label="actual", **kwargs)
    ax.plot(
        labels,
        table["predicted"],
        marker="s",
        linestyle="--",
        color=PALETTE[1],
        label="BG/NBD prediction",
        **kwargs,
    )
    ax.set_xlabel("repeat purchases in calibration")
    ax.set_ylabel("mean purchases in holdout")
    ax.set_title(
        f"Holdout: {check.actual_total:,.0f} actual vs {check.predicted_total:,.0f} predicted"
    )
    ax.legend()
    return ax


def plot_clv_concentration(result, ax=None, **kwargs):
    """Cumulative share of total CLV held by the top customers (ranked by CLV).

    ``result`` is a :class:`~ecrm_lab.lifecycle.CLVAnalysis` or an array of CLV values.
    """
    ax = get_ax(ax)
    values = result.predictions["clv"].to_numpy() if hasattr(result, "predictions") else result
    values = np.sort(np.asarray(values, dtype=float))[::-1]
    total = values.sum()
    share_value = np.concatenate([[0.0], np.cumsum(values) / total]) if total > 0 else None
    share_cust = np.linspace(0.0, 1.0, values.size + 1)
    kwargs.setdefault("color", PALETTE[0])
    if share_value is not None:
        ax.plot(share_cust * 100, share_value * 100, label="customers ranked by CLV", **kwargs)
        i20 = int(np.ceil(0.2 * values.size))
        ax.axvline(20, color=PALETTE[7], linewidth=0.8, linestyle=":")
        ax.annotate(
            f"top 20% hold {share_value[i20] * 100:.0f}%",
            xy=(20, share_value[i20] * 100),
            xytext=(30, share_value[i20] * 100 - 15),
            arrowprops={"arrowstyle": "->"},
        )
    ax.plot(
        [0, 100], [0, 100], color=PALETTE[7], linewidth=0.8, linestyle="--", label="equal value"
    )
    ax.set_xlabel("% of customers (highest CLV first)")
    ax.set_ylabel("% of total CLV")
    ax.set_title("Concentration of customer lifetime value")
    ax.legend(loc="lower right")
    return ax


def plot_p_alive_matrix(model, T: float, max_frequency: int | None = None, ax=None, **kwargs):
    """Heat map of P(alive) by frequency and recency for customers first seen ``T`` ago."""
    ax = get_ax(ax)
    if max_frequency is None:
        max_frequency = int(max(10, np.ceil(3 * model.r_ / model.alpha_ * T)))
    freqs = np.arange(max_frequency + 1, dtype=float)
    rec = np.linspace(0.0, T, 60)
    ff, rr = np.meshgrid(freqs, rec, indexing="ij")
    rr = np.where(ff == 0, 0.0, rr)
    p = model.probability_alive(ff.ravel(), rr.ravel(), np.full(ff.size, float(T))).reshape(
        ff.shape
    )
    kwargs.setdefault("cmap", "viridis")
    mesh = ax.imshow(
        p,
        origin="lower",
        aspect="auto",
        extent=(0, T, -0.5, max_frequency + 0.5),
        vmin=0,
        vmax=1,
        **kwargs,
    )
    ax.figure.colorbar(mesh, ax=ax, label="P(alive)")
    ax.set_xlabel("recency (time of last purchase since first)")
    ax.set_ylabel("repeat purchases (frequency)")
    ax.set_title(f"Probability a customer is still active, age T = {T:g}")
    ax.grid(False)
    return ax
