"""Plots of the customer lifecycle and customer value (:mod:`ecrm_lab.lifecycle`).

Every function has the shape ``plot_x(result, ..., ax=None, **kwargs) -> Axes`` and draws
only on ``ax``.
"""

from __future__ import annotations

import numpy as np

from ._common import PALETTE, get_ax

__all__ = [
    "plot_rfm_summary",
    "plot_frequency_fit",
    "plot_holdout_check",
    "plot_clv_concentration",
    "plot_p_alive_matrix",
    "plot_whale_curve",
    "plot_profit_distribution",
    "plot_interaction_roi",
    "plot_clv_vs_truth",
    "plot_value_targeting",
    "plot_acquisition_channels",
    "plot_acquisitions_monthly",
    "plot_ppc_what_if",
    "plot_cohort_table",
    "plot_retention_curve",
    "plot_churn_hazards",
    "plot_retention_offer",
    "plot_adoption",
    "plot_relationship_depth",
    "plot_cross_sell",
    "plot_transition_matrix",
    "plot_state_occupancy",
    "plot_base_simulation",
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


# -- customer value --------------------------------------------------------------------------
def plot_whale_curve(result, ax=None, truth: bool = True, **kwargs):
    """The customer profitability ("whale") curve: cumulative profit, customers ranked from
    the most to the least profitable, as a share of total profit (estimated, and true)."""
    ax = get_ax(ax)

    def draw(profit, label, colour, style="-"):
        p = np.sort(np.asarray(profit, dtype=float))[::-1]
        total = p.sum()
        x = np.linspace(0, 100, p.size + 1)
        y = np.concatenate([[0.0], np.cumsum(p)]) / (abs(total) if total else 1.0) * 100
        ax.plot(x, y, style, color=colour, label=label, **kwargs)
        return x, y

    x, y = draw(result.table["profit"], "estimated from the data", PALETTE[0])
    if truth:
        draw(result.truth["true_profit"], "true (realised)", PALETTE[1], "--")
    peak = int(np.argmax(y))
    ax.annotate(
        f"peak {y[peak]:.0f}% of total profit\nat the top {x[peak]:.0f}% customers",
        xy=(x[peak], y[peak]),
        xytext=(x[peak] + 8, y[peak] * 0.75),
        arrowprops={"arrowstyle": "->"},
    )
    ax.axhline(100, color=PALETTE[7], linewidth=0.8, linestyle=":")
    ax.set_xlabel("% of customers (most profitable first)")
    ax.set_ylabel("cumulative profit, % of total")
    ax.set_title(f"Customer profitability: {result.share_unprofitable:.0%} unprofitable")
    ax.legend(loc="lower left")
    return ax


def plot_profit_distribution(result, ax=None, bins: int = 60, **kwargs):
    """Histogram of each customer's profit (estimated), zero marked."""
    ax = get_ax(ax)
    p = result.table["profit"].to_numpy()
    lo, hi = np.quantile(p, [0.01, 0.99])
    kwargs.setdefault("color", PALETTE[0])
    ax.hist(np.clip(p, lo, hi), bins=bins, **kwargs)
    ax.axvline(0.0, color=PALETTE[3], linewidth=1.2)
    ax.set_xlabel("profit per customer over the horizon (clipped at 1% / 99%)")
    ax.set_ylabel("customers")
    ax.set_title(f"{result.share_unprofitable:.0%} of customers are unprofitable")
    return ax


def plot_interaction_roi(result, ax=None, **kwargs):
    """ROI of each campaign channel: naive, incremental (against control) and true."""
    ax = get_ax(ax)
    t = result.by_channel
    pos = np.arange(len(t))
    w = 0.27
    for i, (col, label) in enumerate(
        (
            ("roi", "naive (all matched take-ups)"),
            ("incremental_roi", "incremental (vs control)"),
            ("true_roi", "true (world's uplift)"),
        )
    ):
        ax.bar(pos + (i - 1) * w, t[col], w, label=label, color=PALETTE[i], **kwargs)
    ax.axhline(0.0, color=PALETTE[7], linewidth=0.8)
    ax.set_xticks(pos, list(t.index))
    ax.set_ylabel("ROI (return / cost - 1)")
    ax.set_title("Return on investment of campaign contacts")
    ax.legend()
    return ax


def plot_clv_vs_truth(result, method: str = "retention_clv", ax=None, **kwargs):
    """Estimated lifetime value against the true value, one dot per customer."""
    ax = get_ax(ax)
    t = result.table.dropna(subset=[method])
    kwargs.setdefault("s", 6)
    kwargs.setdefault("alpha", 0.4)
    kwargs.setdefault("color", PALETTE[0])
    ax.scatter(t["true_value"], t[method], **kwargs)
    ax.axhline(0.0, color=PALETTE[7], linewidth=0.6)
    ax.axvline(0.0, color=PALETTE[7], linewidth=0.6)
    rho = t[method].rank().corr(t["true_value"].rank())
    ax.set_xlabel("true value (truth)")
    ax.set_ylabel(method.replace("_", " "))
    ax.set_title(f"{method.replace('_', ' ')} against the truth (Spearman {rho:.2f})")
    return ax


def plot_value_targeting(result, ax=None, **kwargs):
    """Expected take-ups against true incremental value of each contact list."""
    ax = get_ax(ax)
    t = result.table
    pos = np.arange(len(t))
    w = 0.4
    ax.bar(
        pos - w / 2, t["net_value"], w, color=PALETTE[0], label="net incremental value", **kwargs
    )
    ax.set_ylabel("true incremental value - cost")
    ax2 = ax.twinx()
    ax2.bar(pos + w / 2, t["expected_take_ups"], w, color=PALETTE[1], label="expected take-ups")
    ax2.set_ylabel("expected take-ups")
    ax2.grid(False)
    ax.set_xticks(pos, [n.replace(" x ", " x\n").replace(": ", ":\n") for n in t.index], fontsize=8)
    ax.set_title(
        f"Top {result.share:.0%} by each ranking: {result.product_code} by {result.channel}"
    )
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="upper right")
    return ax


# -- acquisition -----------------------------------------------------------------------------
def plot_acquisition_channels(result, ax=None, **kwargs):
    """Cost per acquisition and mean estimated lifetime value of the customers of every
    acquisition channel."""
    ax = get_ax(ax)
    t = result.table.sort_values("cost_per_acquisition")
    pos = np.arange(len(t))
    w = 0.4
    ax.barh(
        pos - w / 2,
        t["cost_per_acquisition"],
        w,
        color=PALETTE[3],
        label="cost per acquisition",
        **kwargs,
    )
    ax.barh(pos + w / 2, t["mean_clv"], w, color=PALETTE[2], label="mean lifetime value")
    ax.set_yticks(pos, list(t["course_name"]))
    ax.axvline(0.0, color=PALETTE[7], linewidth=0.8)
    ax.set_xlabel("currency per customer")
    ax.set_title("Acquisition channels: what a customer costs and is worth")
    ax.legend(loc="lower right")
    return ax


def plot_acquisitions_monthly(result, ax=None, **kwargs):
    """New customers per month, stacked by acquisition channel."""
    ax = get_ax(ax)
    m = result.monthly
    bottom = np.zeros(len(m))
    x = np.arange(len(m))
    for i, c in enumerate(m.columns):
        ax.bar(x, m[c], bottom=bottom, label=str(c), color=PALETTE[i % len(PALETTE)], **kwargs)
        bottom += m[c].to_numpy()
    step = max(1, len(m) // 8)
    ax.set_xticks(x[::step], [d.strftime("%Y-%m") for d in m.index[::step]])
    ax.set_ylabel("new customers")
    ax.set_title("Acquisitions per month by channel")
    ax.legend(fontsize=7, ncol=2)
    return ax


def plot_ppc_what_if(result, ax=None, **kwargs):
    """Sales per day and cost per click of every strategy, relative to the current account."""
    ax = get_ax(ax)
    t = result.table
    pos = np.arange(len(t))
    w = 0.4
    ax.bar(pos - w / 2, t["sales_ratio"], w, color=PALETTE[2], label="sales per day", **kwargs)
    ax.bar(pos + w / 2, t["cpc_ratio"], w, color=PALETTE[3], label="cost per click")
    for i in range(len(t)):
        ax.annotate(
            f"x{t['sales_ratio'].iloc[i]:.2f}",
            (pos[i] - w / 2, t["sales_ratio"].iloc[i]),
            textcoords="offset points",
            xytext=(0, 3),
            ha="center",
            fontsize=8,
        )
        ax.annotate(
            f"x{t['cpc_ratio'].iloc[i]:.2f}",
            (pos[i] + w / 2, t["cpc_ratio"].iloc[i]),
            textcoords="offset points",
            xytext=(0, 3),
            ha="center",
            fontsize=8,
        )
    ax.axhline(1.0, color=PALETTE[7], linewidth=0.8, linestyle=":")
    ax.set_xticks(pos, [s.replace("_", " ") for s in t.index])
    ax.set_ylabel("relative to the current account")
    ax.set_title(f"Pay-per-click at the same budget ({result.budget:.2f} a day)")
    ax.legend()
    return ax


# -- retention -------------------------------------------------------------------------------
def plot_cohort_table(result, ax=None, max_months: int | None = None, **kwargs):
    """Heat map of the cohort table (cohorts down, months since acquisition across)."""
    ax = get_ax(ax)
    t = result.table
    if max_months is not None:
        t = t.loc[:, t.columns[: max_months + 1]]
    kwargs.setdefault("cmap", "viridis")
    im = ax.imshow(t.to_numpy(dtype=float), aspect="auto", vmin=0, vmax=1, **kwargs)
    ax.figure.colorbar(im, ax=ax, label=f"share {result.measure}")
    step = max(1, len(t) // 8)
    ax.set_yticks(np.arange(len(t))[::step], [d.strftime("%Y-%m") for d in t.index[::step]])
    ax.set_xlabel("months since acquisition")
    ax.set_ylabel("acquisition cohort")
    ax.set_title(f"Cohorts: share {result.measure} by month since acquisition")
    ax.grid(False)
    return ax


def plot_retention_curve(result, ax=None, **kwargs):
    """Kaplan-Meier retention: observed churn, true churn dates and the behaviour model."""
    ax = get_ax(ax)
    t = result.table
    ax.step(
        t.index,
        t["observed"] * 100,
        where="post",
        color=PALETTE[0],
        label="observed churn (Kaplan-Meier)",
        **kwargs,
    )
    ax.step(
        t.index,
        t["true"] * 100,
        where="post",
        color=PALETTE[1],
        linestyle="--",
        label="true churn dates",
    )
    ax.plot(
        t.index,
        t["expected"] * 100,
        color=PALETTE[2],
        linestyle=":",
        label="behaviour model (expected)",
    )
    ax.set_xlabel("months since observation began")
    ax.set_ylabel("% still customers")
    ax.set_title(f"Retention curve ({result.population})")
    ax.legend(loc="lower left")
    return ax


def plot_churn_hazards(result, ax=None, **kwargs):
    """Estimated monthly churn hazard per group with its 95% interval, and the true hazard."""
    ax = get_ax(ax)
    t = result.table
    pos = np.arange(len(t))
    h = t["hazard"].to_numpy() * 100
    ax.bar(pos, h, color=PALETTE[0], label="estimated", **kwargs)
    ax.errorbar(
        pos,
        h,
        yerr=[h - t["hazard_low"] * 100, t["hazard_high"] * 100 - h],
        fmt="none",
        ecolor="black",
        capsize=4,
    )
    ax.plot(pos, t["true_hazard"] * 100, "D", color=PALETTE[3], label="behaviour model")
    ax.set_xticks(pos, [str(i).replace(", ", ",\n") for i in t.index], fontsize=8)
    ax.set_ylabel("monthly churn, %")
    src = " (true groups)" if result.truth_grouping else ""
    ax.set_title(f"Churn hazard by {result.by.replace('_', ' ')}{src}")
    ax.legend()
    return ax


def plot_retention_offer(result, ax=None, **kwargs):
    """Churn rate of treatment and control: simulated (an experiment) and expected."""
    ax = get_ax(ax)
    t = result.table
    pos = np.arange(len(t))
    w = 0.4
    ax.bar(pos - w / 2, t["churn_rate"] * 100, w, color=PALETTE[0], label="simulated", **kwargs)
    ax.bar(
        pos + w / 2,
        t["expected_churn_rate"] * 100,
        w,
        color=PALETTE[5],
        label="expected (behaviour model)",
    )
    ax.set_xticks(pos, list(t.index))
    ax.set_ylabel(f"churn in {result.months} months, %")
    e = result.effect
    ax.set_title(
        f"Retention offer: {e['expected_incremental_retention'] * 100:.2f} points fewer "
        f"churners expected, ROI {e['roi']:.2f}"
    )
    ax.legend()
    return ax


# -- extension -------------------------------------------------------------------------------
def plot_adoption(result, ax=None, **kwargs):
    """Adoptions per month: up-sell and cross-sell."""
    ax = get_ax(ax)
    k = result.by_kind
    x = np.arange(len(k))
    ax.bar(x, k["cross_sell"], color=PALETTE[0], label="cross-sell", **kwargs)
    ax.bar(x, k["up_sell"], bottom=k["cross_sell"], color=PALETTE[1], label="up-sell")
    step = max(1, len(k) // 8)
    ax.set_xticks(x[::step], [d.strftime("%Y-%m") for d in k.index[::step]])
    ax.set_ylabel("adoptions")
    ax.set_title("Extension: new products / categories taken up per month")
    ax.legend()
    return ax


def plot_relationship_depth(result, ax=None, **kwargs):
    """Stacked shares of customers by number of products, and the mean, over time."""
    ax = get_ax(ax)
    t = result.table
    x = np.arange(len(t))
    cols = ["share_1", "share_2", "share_3", "share_4plus"]
    labels = ["1", "2", "3", "4+"]
    ax.stackplot(
        x, *[t[c] * 100 for c in cols], labels=labels, colors=PALETTE[:4], alpha=0.85, **kwargs
    )
    ax.set_ylabel("% of customers")
    ax.set_ylim(0, 100)
    ax2 = ax.twinx()
    ax2.plot(x, t["mean_products"], color=PALETTE[7], linewidth=2, label="mean")
    ax2.set_ylabel(f"mean {result.unit}")
    ax2.grid(False)
    step = max(1, len(t) // 8)
    ax.set_xticks(x[::step], [d.strftime("%Y-%m") for d in t.index[::step]])
    ax.set_title(f"Depth of relationship ({result.unit})")
    ax.legend(loc="lower left", title="products", ncol=4, fontsize=8)
    return ax


def plot_cross_sell(result, ax=None, metric: str = "hit_rate", **kwargs):
    """Hit rate (or another metric) at k of every offer engine."""
    ax = get_ax(ax)
    t = result.evaluation
    for i, (name, g) in enumerate(t.groupby("engine", sort=False)):
        ax.plot(
            g["k"],
            g[metric],
            marker="o",
            color=PALETTE[i % len(PALETTE)],
            label=str(name).replace("_", " "),
            **kwargs,
        )
    ax.set_xlabel("offers per customer (k)")
    ax.set_ylabel(metric.replace("_", " "))
    ax.set_title(f"Cross-sell offers after {result.cutoff.date()}: {metric.replace('_', ' ')}")
    ax.legend()
    return ax


# -- states ----------------------------------------------------------------------------------
def plot_transition_matrix(result, ax=None, truth: bool = False, **kwargs):
    """Heat map of the monthly transition matrix (estimated, or true), with the values."""
    ax = get_ax(ax)
    P = result.true_matrix if truth else result.matrix
    v = P.to_numpy(dtype=float)
    kwargs.setdefault("cmap", "Blues")
    ax.imshow(np.nan_to_num(v), vmin=0, vmax=1, **kwargs)
    for i in range(v.shape[0]):
        for j in range(v.shape[1]):
            if np.isfinite(v[i, j]) and v[i, j] >= 0.005:
                ax.text(
                    j,
                    i,
                    f"{v[i, j]:.2f}",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if v[i, j] > 0.6 else "black",
                )
    names = [s.replace("_", " ") for s in P.columns]
    ax.set_xticks(range(len(names)), names, rotation=30)
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel("to")
    ax.set_ylabel("from")
    ax.set_title(("True" if truth else "Estimated") + " monthly transitions")
    ax.grid(False)
    return ax


def plot_state_occupancy(result, ax=None, **kwargs):
    """Share of customers in each state over time: observed (solid) and true (dashed)."""
    ax = get_ax(ax)
    obs = result.occupancy()
    tru = result.occupancy(truth=True)
    x = np.arange(len(obs))
    for i, c in enumerate(obs.columns):
        colour = PALETTE[i % len(PALETTE)]
        ax.plot(x, obs[c] * 100, color=colour, label=c.replace("_", " "), **kwargs)
        ax.plot(x, tru[c] * 100, color=colour, linestyle="--")
    step = max(1, len(obs) // 8)
    ax.set_xticks(x[::step], [d.strftime("%Y-%m") for d in obs.index[::step]])
    ax.set_ylabel("% of customers")
    ax.set_title("Customers by state: observed (solid) and true (dashed)")
    ax.legend(fontsize=8, ncol=3)
    return ax


def plot_base_simulation(result, ax=None, **kwargs):
    """Cumulative value difference of the policy against the baseline, with a 90% band."""
    ax = get_ax(ax)
    v = result.value
    cum = np.cumsum(result.draws, axis=1)
    lo, hi = np.quantile(cum, [0.05, 0.95], axis=0)
    ax.fill_between(v.index, lo, hi, color=PALETTE[5], alpha=0.3, label="90% of runs")
    ax.plot(v.index, v["cumulative_difference"], color=PALETTE[0], label="mean", **kwargs)
    ax.axhline(0.0, color=PALETTE[7], linewidth=0.8)
    ax.set_xlabel("months ahead")
    ax.set_ylabel("cumulative value: policy - baseline")
    name = result.policy.name if result.policy is not None else "no policy"
    ax.set_title(f"Forward simulation ({result.n_runs} runs): {name}")
    ax.legend()
    return ax
