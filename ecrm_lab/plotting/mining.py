"""Plots of the five data-mining tasks (:mod:`ecrm_lab.mining`).

Every function has the shape ``plot_x(result, ..., ax=None, **kwargs) -> Axes``, draws only on
``ax`` and never shows the figure. The ``plot()`` methods of the mining results delegate here.
"""

from __future__ import annotations

import numpy as np

from ._common import PALETTE, get_ax

__all__ = [
    "plot_gains",
    "plot_lift",
    "plot_roc",
    "plot_importance",
    "plot_confusion",
    "plot_profit",
    "plot_residuals",
    "plot_predicted",
    "plot_rules",
    "plot_top_rules",
    "plot_recommendations",
    "plot_sequences",
    "plot_rfm_segments",
    "plot_rfm_grid",
    "plot_segment_profiles",
    "plot_silhouette",
    "plot_segment_sizes",
    "plot_anomaly_scores",
    "plot_behaviour_change",
    "plot_truth_score",
]

#: most points drawn in a scatter plot (an evenly spaced subset beyond that)
MAX_POINTS = 5000


def _thin(n: int) -> np.ndarray:
    if n <= MAX_POINTS:
        return np.arange(n)
    return np.linspace(0, n - 1, MAX_POINTS).astype(np.int64)


def _gains_curve(y: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(-s, kind="stable")
    cum = np.r_[0, np.cumsum(y[order])]
    share = np.arange(len(y) + 1) / len(y)
    return share, cum / max(cum[-1], 1)


# --- classification -----------------------------------------------------------------------------
def plot_gains(result, ax=None, **kwargs):
    """Cumulative gains: share of all positives captured when targeting the top x% by score,
    for every model, with the random and the perfect targeting lines."""
    ax = get_ax(ax)
    y = np.asarray(result.y_test)
    for i, name in enumerate(result.models):
        share, gain = _gains_curve(y, np.asarray(result.scores[name]))
        lw = 2.2 if name == result.best_model else 1.2
        ax.plot(share, gain, color=PALETTE[i % len(PALETTE)], lw=lw, label=name, **kwargs)
    rate = y.mean()
    ax.plot([0, 1], [0, 1], color="grey", ls="--", lw=1, label="random")
    ax.plot([0, rate, 1], [0, 1, 1], color="grey", ls=":", lw=1, label="perfect")
    ax.set_xlabel("share of customers targeted (highest score first)")
    ax.set_ylabel("share of positives captured")
    ax.set_title(f"Cumulative gains: {result.target}")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower right")
    return ax


def plot_lift(result, ax=None, **kwargs):
    """Lift of each decile of the best model's score (1 = no better than random)."""
    ax = get_ax(ax)
    t = result.lift
    ax.bar(t["bin"], t["lift"], color=PALETTE[0], **kwargs)
    ax.plot(t["bin"], t["cum_lift"], color=PALETTE[1], marker="o", label="cumulative lift")
    ax.axhline(1.0, color="grey", ls="--", lw=1)
    ax.set_xticks(t["bin"])
    ax.set_xlabel("decile of score (1 = highest)")
    ax.set_ylabel("lift")
    ax.set_title(f"Decile lift: {result.best_model}")
    ax.legend()
    return ax


def plot_roc(result, ax=None, **kwargs):
    """ROC curve of every model on the holdout."""
    from sklearn.metrics import roc_curve

    ax = get_ax(ax)
    for i, name in enumerate(result.models):
        fpr, tpr, _ = roc_curve(result.y_test, result.scores[name])
        auc = result.metrics.loc[name, "roc_auc"]
        ax.plot(
            fpr, tpr, color=PALETTE[i % len(PALETTE)], label=f"{name} (AUC {auc:.3f})", **kwargs
        )
    ax.plot([0, 1], [0, 1], color="grey", ls="--", lw=1)
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_title("ROC curves (holdout)")
    ax.legend(loc="lower right")
    return ax


def plot_importance(result, ax=None, n: int = 15, **kwargs):
    """Permutation importance of the best model's input columns (top ``n``)."""
    ax = get_ax(ax)
    t = result.importance.head(n).iloc[::-1]
    ax.barh(
        t["feature"].astype(str),
        t["importance_mean"],
        xerr=t["importance_std"],
        color=PALETTE[2],
        **kwargs,
    )
    ax.axvline(0, color="grey", lw=1)
    ax.set_xlabel("drop in score when the column is shuffled")
    ax.set_title(f"Permutation importance: {result.best_model}")
    return ax


def plot_confusion(result, ax=None, **kwargs):
    """Confusion matrix of the best model at the result's threshold."""
    ax = get_ax(ax)
    cm = result.confusion.to_numpy()
    ax.imshow(cm, cmap=kwargs.pop("cmap", "Blues"), **kwargs)
    for (i, j), v in np.ndenumerate(cm):
        ax.text(j, i, f"{v:,}", ha="center", va="center",
                color="white" if v > cm.max() / 2 else "black")  # fmt: skip
    ax.set_xticks([0, 1], ["predicted no", "predicted yes"])
    ax.set_yticks([0, 1], ["actual no", "actual yes"])
    ax.grid(False)
    ax.set_title(f"Confusion matrix at threshold {result.threshold:g}")
    return ax


def plot_profit(result, ax=None, **kwargs):
    """Profit against the share targeted, with the profit-optimal cut-off marked."""
    ax = get_ax(ax)
    c = result.curve
    ax.plot(c["share_targeted"], c["profit"], color=PALETTE[0], **kwargs)
    best = result.n_targeted / max(result.n, 1)
    ax.axvline(best, color=PALETTE[3], ls="--", lw=1)
    ax.scatter([best], [result.profit], color=PALETTE[3], zorder=3,
               label=f"best: target {best:.0%}, threshold {result.threshold:.3g}")  # fmt: skip
    ax.axhline(0, color="grey", lw=1)
    ax.set_xlabel("share of customers targeted (highest score first)")
    ax.set_ylabel("profit")
    ax.set_title("Profit of targeting by score")
    ax.legend()
    return ax


# --- regression ---------------------------------------------------------------------------------
def plot_residuals(result, ax=None, **kwargs):
    """Residuals (truth - prediction) of the best model against its prediction."""
    ax = get_ax(ax)
    p = result.predictions[result.best_model]
    r = result.y_test - p
    idx = _thin(len(p))
    ax.scatter(p[idx], r[idx], s=kwargs.pop("s", 8), alpha=kwargs.pop("alpha", 0.5),
               color=PALETTE[0], **kwargs)  # fmt: skip
    ax.axhline(0, color=PALETTE[3], lw=1)
    ax.set_xlabel(f"predicted {result.target}")
    ax.set_ylabel("residual (truth - prediction)")
    ax.set_title(f"Residuals: {result.best_model}")
    return ax


def plot_predicted(result, ax=None, **kwargs):
    """Predicted against true values of the best model, with the line of perfect prediction."""
    ax = get_ax(ax)
    p = result.predictions[result.best_model]
    y = result.y_test
    idx = _thin(len(p))
    ax.scatter(y[idx], p[idx], s=kwargs.pop("s", 8), alpha=kwargs.pop("alpha", 0.5),
               color=PALETTE[0], **kwargs)  # fmt: skip
    lo, hi = float(min(y.min(), p.min())), float(max(y.max(), p.max()))
    ax.plot([lo, hi], [lo, hi], color=PALETTE[3], lw=1)
    ax.set_xlabel(f"true {result.target}")
    ax.set_ylabel(f"predicted {result.target}")
    ax.set_title(f"Predicted vs. true: {result.best_model}")
    return ax


# --- link analysis ------------------------------------------------------------------------------
def plot_rules(result, ax=None, **kwargs):
    """Rules as points: support against confidence, coloured by lift."""
    ax = get_ax(ax)
    r = result.rules
    if len(r) == 0:
        ax.text(0.5, 0.5, "no rules", ha="center", va="center", transform=ax.transAxes)
        return ax
    sc = ax.scatter(r["support"], r["confidence"], c=r["lift"], cmap=kwargs.pop("cmap", "viridis"),
                    s=kwargs.pop("s", 18), **kwargs)  # fmt: skip
    ax.figure.colorbar(sc, ax=ax, label="lift")
    ax.set_xlabel("support")
    ax.set_ylabel("confidence")
    ax.set_title(f"{len(r)} association rules")
    return ax


def plot_top_rules(result, ax=None, n: int = 15, **kwargs):
    """The ``n`` rules with the highest lift."""
    ax = get_ax(ax)
    r = result.rules.head(n).iloc[::-1]
    labels = [
        f"{', '.join(sorted(a))} → {', '.join(sorted(c))}"
        for a, c in zip(r["antecedents"], r["consequents"], strict=True)
    ]
    ax.barh(labels, r["lift"], color=PALETTE[0], **kwargs)
    ax.axvline(1.0, color="grey", ls="--", lw=1)
    ax.set_xlabel("lift")
    ax.set_title(f"Top {len(r)} rules by lift")
    return ax


def plot_recommendations(result, ax=None, n: int = 15, **kwargs):
    """How many customers each item is recommended to (top ``n`` items)."""
    ax = get_ax(ax)
    s = result.summary().head(n).iloc[::-1]
    ax.barh(s["item"].astype(str), s["n_customers"], color=PALETTE[2], **kwargs)
    ax.set_xlabel("customers it is recommended to")
    ax.set_title("Cross-sell recommendations")
    return ax


def plot_sequences(result, ax=None, n: int = 15, **kwargs):
    """Confidence of the ``n`` strongest "A then B" patterns."""
    ax = get_ax(ax)
    p = result.patterns.head(n).iloc[::-1]
    labels = [f"{a} ⇒ {b}" for a, b in zip(p["antecedent"], p["consequent"], strict=True)]
    ax.barh(labels, p["confidence"], color=PALETTE[4], **kwargs)
    ax.set_xlabel(f"confidence (B within {result.window_days:g} days after A)")
    ax.set_title("Sequential patterns")
    return ax


# --- segmentation -------------------------------------------------------------------------------
def plot_rfm_segments(result, ax=None, **kwargs):
    """Share of customers and share of revenue of each RFM segment."""
    ax = get_ax(ax)
    s = result.summary()
    x = np.arange(len(s))
    ax.bar(x - 0.2, s["share"], width=0.4, color=PALETTE[0], label="customers", **kwargs)
    ax.bar(x + 0.2, s["revenue_share"], width=0.4, color=PALETTE[1], label="revenue", **kwargs)
    ax.set_xticks(x, s["segment"], rotation=35, ha="right")
    ax.set_ylabel("share")
    ax.set_title("RFM segments")
    ax.legend()
    return ax


def plot_rfm_grid(result, ax=None, **kwargs):
    """Customers in each recency x frequency cell, labelled with the segment name."""
    from ..mining.segmentation import RFM_GRID

    ax = get_ax(ax)
    t = result.table
    n = result.n_bins
    counts = np.zeros((n, n), dtype=np.int64)
    np.add.at(counts, (t["R"].to_numpy() - 1, t["F"].to_numpy() - 1), 1)
    ax.imshow(counts, origin="lower", cmap=kwargs.pop("cmap", "Blues"), **kwargs)
    for (i, j), v in np.ndenumerate(counts):
        name = RFM_GRID[i][j].replace("_", " ") if n == 5 else ""
        ax.text(j, i, f"{name}\n{v:,}", ha="center", va="center", fontsize=7,
                color="white" if v > counts.max() / 2 else "black")  # fmt: skip
    ax.set_xticks(range(n), [str(i + 1) for i in range(n)])
    ax.set_yticks(range(n), [str(i + 1) for i in range(n)])
    ax.set_xlabel("F score (5 = most frequent)")
    ax.set_ylabel("R score (5 = most recent)")
    ax.grid(False)
    ax.set_title("Customers per RFM cell")
    return ax


def plot_segment_profiles(result, ax=None, **kwargs):
    """Heatmap of each segment's feature means in standard deviations from the overall mean."""
    ax = get_ax(ax)
    z = result.standardized_profiles
    if z.shape[1] == 0:
        ax.text(0.5, 0.5, "no numeric features", ha="center", va="center", transform=ax.transAxes)
        return ax
    vals = z.to_numpy(dtype=float)
    lim = max(float(np.nanmax(np.abs(vals))), 1e-9)
    im = ax.imshow(vals, cmap=kwargs.pop("cmap", "RdBu_r"), vmin=-lim, vmax=lim,
                   aspect="auto", **kwargs)  # fmt: skip
    ax.figure.colorbar(im, ax=ax, label="standard deviations from the mean")
    ax.set_xticks(range(z.shape[1]), [str(c) for c in z.columns], rotation=35, ha="right")
    sizes = result.sizes.to_numpy()
    ax.set_yticks(range(z.shape[0]), [f"{i} (n={sizes[i]:,})" for i in range(z.shape[0])])
    ax.grid(False)
    ax.set_title(f"Segment profiles (k={result.k})")
    return ax


def plot_silhouette(result, ax=None, **kwargs):
    """Silhouette score for each k tried, the chosen k marked."""
    ax = get_ax(ax)
    s = result.scores
    ax.plot(s["k"], s["silhouette"], marker="o", color=PALETTE[0], **kwargs)
    ax.axvline(result.k, color=PALETTE[3], ls="--", lw=1, label=f"chosen k = {result.k}")
    ax.set_xlabel("k (number of segments)")
    ax.set_ylabel("silhouette")
    ax.set_title("Choosing k by silhouette")
    ax.legend()
    return ax


def plot_segment_sizes(result, ax=None, **kwargs):
    """Customers per segment."""
    ax = get_ax(ax)
    s = result.sizes
    ax.bar(s.index.astype(str), s.to_numpy(), color=PALETTE[0], **kwargs)
    ax.set_xlabel("segment")
    ax.set_ylabel("customers")
    ax.set_title("Segment sizes")
    return ax


# --- deviation detection ------------------------------------------------------------------------
def plot_anomaly_scores(result, ax=None, k: int = 50, **kwargs):
    """Distribution of anomaly scores, with the score of the k-th most unusual row marked."""
    ax = get_ax(ax)
    s = result.table["score"].to_numpy(dtype=float)
    s = s[np.isfinite(s)]
    ax.hist(s, bins=kwargs.pop("bins", 60), color=PALETTE[0], **kwargs)
    if len(s):
        cut = float(np.sort(s)[::-1][min(k, len(s)) - 1])
        ax.axvline(cut, color=PALETTE[3], ls="--", lw=1, label=f"top {min(k, len(s))}")
        ax.legend()
    ax.set_yscale("log")
    ax.set_xlabel("anomaly score (higher = more unusual)")
    ax.set_ylabel("rows")
    ax.set_title(f"Anomaly scores ({result.method})")
    return ax


def plot_behaviour_change(result, ax=None, **kwargs):
    """Recent against expected spend of every assessed customer; warnings highlighted."""
    ax = get_ax(ax)
    t = result.table
    idx = _thin(len(t))
    sub = t.iloc[idx]
    ok = ~sub["warning"].to_numpy()
    ax.scatter(sub["expected_spend"][ok], sub["recent_spend"][ok], s=8, alpha=0.4,
               color=PALETTE[0], label="no warning")  # fmt: skip
    ax.scatter(sub["expected_spend"][~ok], sub["recent_spend"][~ok], s=14,
               color=PALETTE[3], label="spend-drop warning")  # fmt: skip
    hi = float(max(sub["expected_spend"].max(), sub["recent_spend"].max(), 1.0))
    ax.plot([0, hi], [0, hi], color="grey", ls="--", lw=1)
    ax.set_xscale("symlog")
    ax.set_yscale("symlog")
    ax.set_xlabel(f"expected spend in the last {result.recent_days} days (from the baseline)")
    ax.set_ylabel(f"actual spend in the last {result.recent_days} days")
    ax.set_title("Behaviour change against own baseline")
    ax.legend()
    return ax


def plot_truth_score(result, ax=None, **kwargs):
    """The headline numbers of a comparison with the planted truth."""
    ax = get_ax(ax)
    s = result.summary()
    s = s[~s["metric"].str.startswith("n_")] if len(s) > 1 else s
    ax.barh(s["metric"].iloc[::-1], s["value"].iloc[::-1], color=PALETTE[2], **kwargs)
    ax.set_title(result.title)
    return ax
