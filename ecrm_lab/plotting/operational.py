"""Plots of operational CRM: campaigns, response versus uplift, the sales funnel, service.

Every function has the shape ``plot_x(result, ..., ax=None, **kwargs) -> Axes`` and draws
only on ``ax``.
"""

from __future__ import annotations

import numpy as np

from ..exceptions import InvalidParameterError
from ._common import PALETTE, get_ax

__all__ = [
    "plot_campaign",
    "plot_campaign_comparison",
    "plot_contact_plan",
    "plot_channel_comparison",
    "plot_uplift_curves",
    "plot_targeting_comparison",
    "plot_funnel",
    "plot_what_if",
    "plot_lead_scoring",
    "plot_deflection",
    "plot_staffing",
    "plot_queue",
    "plot_proactive",
    "plot_service_retention",
]

_CLASS_COLOURS = {
    "persuadable": PALETTE[2],
    "sure_thing": PALETTE[1],
    "lost_cause": "#999999",
    "do_not_disturb": PALETTE[3],
}


def _metric(result, name: str) -> tuple[float, float, float]:
    m = result.metrics
    row = m.loc[m["metric"] == name].iloc[0]
    return float(row["value"]), float(row["ci_low"]), float(row["ci_high"])


# -- campaigns ---------------------------------------------------------------------------------
def plot_campaign(result, ax=None, *, figsize=(7.0, 4.2), **kwargs):
    """Take-up rates with confidence intervals: contacted (matched to a contact), the whole
    treatment group and the control group; the incremental profit in the title."""
    ax = get_ax(ax, figsize)
    names = ["take_up_rate", "treatment_take_up_rate", "control_take_up_rate"]
    labels = [
        "contacted\n(matched responses)",
        "treatment group\n(all take-ups)",
        "control group\n(never contacted)",
    ]
    vals = [_metric(result, n) for n in names]
    v = np.array([x[0] for x in vals]) * 100
    lo = np.array([x[1] for x in vals]) * 100
    hi = np.array([x[2] for x in vals]) * 100
    ax.bar(labels, v, color=[PALETTE[0], PALETTE[5], "#999999"], **kwargs)
    ax.errorbar(labels, v, yerr=[v - lo, hi - v], fmt="none", ecolor="black", capsize=5)
    for i, x in enumerate(v):
        ax.annotate(
            f"{x:.2f} %",
            (i, hi[i]),
            textcoords="offset points",
            xytext=(0, 4),
            ha="center",
            fontsize=9,
        )
    inc, ilo, ihi = _metric(result, "incremental_profit")
    ax.set_ylabel("take-up rate (%)")
    ax.set_title(
        f"{result.name}: incremental profit {inc:,.0f} "
        f"({result.confidence:.0%} CI {ilo:,.0f} to {ihi:,.0f})"
    )
    ax.set_ylim(0, max(hi.max() * 1.25, 0.1))
    return ax


def plot_campaign_comparison(result, ax=None, *, figsize=(7.0, 4.2), **kwargs):
    """Take-up rate of each campaign with its confidence interval; the true (expected)
    rate as a black marker when the campaigns were simulated."""
    ax = get_ax(ax, figsize)
    t = result.table
    x = np.arange(len(t))
    v = 100 * t["take_up_rate"].to_numpy()
    lo = 100 * t["ci_low"].to_numpy()
    hi = 100 * t["ci_high"].to_numpy()
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(t))]
    ax.bar(x, v, color=colours, **kwargs)
    ax.errorbar(
        x,
        v,
        yerr=[v - lo, hi - v],
        fmt="none",
        ecolor="black",
        capsize=5,
        label=f"{result.confidence:.0%} interval",
    )
    truth = 100 * t["true_take_up_rate"].to_numpy()
    if np.isfinite(truth).any():
        ax.scatter(x, truth, marker="D", color="black", zorder=3, label="true (expected) rate")
    for i, row in enumerate(t.itertuples(index=False)):
        ax.annotate(
            f"{100 * row.take_up_rate:.1f} %\n{row.take_ups}/{row.contacts}",
            (i, hi[i]),
            textcoords="offset points",
            xytext=(0, 4),
            ha="center",
            fontsize=8,
        )
    ax.set_xticks(x, t["campaign"])
    ax.set_ylabel("take-up rate (%)")
    ax.set_ylim(0, np.nanmax(np.r_[hi, truth]) * 1.3)
    ax.set_title("Take-up by campaign")
    ax.legend(fontsize=8, loc="upper left")
    return ax


def plot_contact_plan(result, ax=None, *, figsize=(7.0, 4.2), **kwargs):
    """Expected (and, with the truth, true) profit against the number of customers
    contacted; the budget limit and the chosen number."""
    ax = get_ax(ax, figsize)
    c = result.curve
    ax.plot(
        c["n_contacted"], c["expected_profit"], color=PALETTE[0], label="expected profit", **kwargs
    )
    if "true_profit" in c:
        ax.plot(c["n_contacted"], c["true_profit"], color=PALETTE[2], ls="--", label="true profit")
    if result.budget is not None and not c["within_budget"].all():
        limit = int(c.loc[c["within_budget"], "n_contacted"].max())
        ax.axvline(limit, color=PALETTE[3], ls=":", label=f"budget limit ({limit:,})")
    ax.axvline(result.n, color="black", lw=1, label=f"contact {result.n:,}")
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xlabel("customers contacted (best expected profit first)")
    ax.set_ylabel("profit")
    ax.set_title("How many to contact?")
    ax.legend()
    return ax


def plot_channel_comparison(result, ax=None, *, figsize=(7.0, 4.2), **kwargs):
    """Cycle time against cost per incremental take-up, one point per channel (online in
    blue, traditional in orange); the label shows the take-up rate."""
    ax = get_ax(ax, figsize)
    t = result.table
    for row in t.itertuples(index=False):
        colour = PALETTE[0] if row.online else PALETTE[1]
        y = row.cost_per_incremental
        ax.scatter(
            row.cycle_days,
            y,
            s=300 * max(row.take_up_rate, 0) / max(t["take_up_rate"].max(), 1e-9) + 30,
            color=colour,
            **kwargs,
        )
        ax.annotate(
            f"{row.channel}\n{row.take_up_rate:.1%} take-up",
            (row.cycle_days, y),
            textcoords="offset points",
            xytext=(8, 4),
            fontsize=9,
        )
    ax.set_yscale("log")
    y = t["cost_per_incremental"].to_numpy(dtype=float)
    y = y[np.isfinite(y) & (y > 0)]
    if len(y):
        ax.set_ylim(y.min() / 2.0, y.max() * 4.0)
    ax.set_xlabel("cycle time: creation + delivery + 90 % of responses (days)")
    ax.set_ylabel("cost per incremental take-up (log scale)")
    ax.set_title(f"Online (blue) vs traditional (orange): {result.product_code}")
    ax.set_xlim(0, t["cycle_days"].max() * 1.3)
    return ax


def plot_uplift_curves(result, ax=None, *, kind: str = "qini", figsize=(7.0, 4.2), **kwargs):
    """Qini curves (``kind='qini'``), uplift curves (``'uplift'``) or — with the truth —
    the true incremental take-ups each ranking achieves (``'true'``)."""
    ax = get_ax(ax, figsize)
    col = {"qini": "qini", "uplift": "uplift", "true": "true_incremental"}.get(kind)
    if col is None:
        raise InvalidParameterError(
            f"The 'kind' parameter of plot_uplift_curves must be one of 'qini', 'uplift', "
            f"'true'. Got {kind!r} instead."
        )
    c = result.curves
    if col not in c:
        raise InvalidParameterError(
            "plot_uplift_curves: the evaluation has no true effects; use kind='qini' or 'uplift'."
        )
    for i, (name, q) in enumerate(c.groupby("ranking", sort=False)):
        style = (
            {"color": "grey", "ls": "--"}
            if name == "random"
            else {"color": PALETTE[i % len(PALETTE)]}
        )
        if name == "true uplift (oracle)":
            style = {"color": "black", "ls": ":"}
        ax.plot(100 * q["share"], q[col], label=name, **style, **kwargs)
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xlabel("customers targeted (%), best score first")
    ax.set_ylabel(
        {
            "qini": "incremental take-ups (Qini)",
            "uplift": "incremental take-ups if all targeted were contacted",
            "true": "true incremental take-ups",
        }[kind]
    )
    ax.set_title(
        {
            "qini": "Qini curves",
            "uplift": "Uplift curves",
            "true": "What each ranking really gains",
        }[kind]
    )
    ax.legend()
    return ax


def plot_targeting_comparison(result, ax=None, *, figsize=(7.5, 4.2), **kwargs):
    """Who each ranking contacts, by true uplift class, with its true profit."""
    ax = get_ax(ax, figsize)
    t = result.table
    y = np.arange(len(t))
    left = np.zeros(len(t))
    for cls, colour in _CLASS_COLOURS.items():
        w = 100 * t[f"share_{cls}"].to_numpy()
        ax.barh(y, w, left=left, color=colour, label=cls.replace("_", " "), **kwargs)
        left += w
    for i, row in enumerate(t.itertuples(index=False)):
        ax.annotate(
            f"true profit {row.true_profit:,.0f}",
            (101, i),
            va="center",
            fontsize=9,
            annotation_clip=False,
        )
    ax.set_yticks(y, t["ranking"])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"share of the contacted (top {result.share:.0%} of each ranking), %")
    ax.set_title("Where the contacts go (true uplift class)")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, -0.42), ncol=4)
    return ax


# -- the sales funnel ----------------------------------------------------------------------
def plot_funnel(result, ax=None, *, figsize=(7.0, 4.2), **kwargs):
    """The classic funnel chart: one centred bar per stage, its width the number of leads
    that entered; the conversion to the next stage beside it."""
    ax = get_ax(ax, figsize)
    st = result.stages
    n = st["entered"].to_numpy(dtype=float)
    y = np.arange(len(st))[::-1]
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(st))]
    ax.barh(y, n, left=-n / 2, color=colours, **kwargs)
    width = max(n.max(), 1)
    for yi, row in zip(y, st.itertuples(index=False), strict=True):
        ax.annotate(
            f"{row.stage.replace('_', ' ')}: {row.entered:,}",
            (0, yi),
            ha="center",
            va="center",
            fontsize=9,
            color="black",
        )
        conv = row.conversion
        if conv == conv:
            ax.annotate(f"→ {conv:.0%}", (width / 2 + width * 0.03, yi), va="center", fontsize=9)
    won = int(result.metrics.loc[result.metrics["metric"] == "won", "value"].iloc[0])
    ax.set_xlim(-width / 2 * 1.05, width / 2 * 1.3)
    ax.set_yticks([])
    ax.set_xticks([])
    ax.grid(False)
    ax.set_title(f"Sales funnel: {int(n[0]):,} leads, {won:,} won")
    return ax


def plot_what_if(result, ax=None, *, figsize=(7.0, 4.2), **kwargs):
    """Extra wins (replayed and expected) from improving each stage."""
    ax = get_ax(ax, figsize)
    t = result.table
    x = np.arange(len(t))
    ax.bar(x - 0.2, t["extra_wins"], width=0.4, color=PALETTE[0], label="replayed leads", **kwargs)
    ax.bar(x + 0.2, t["expected_extra_wins"], width=0.4, color=PALETTE[1], label="expected")
    ax.set_xticks(x, [s.replace("_", "\n") for s in t["stage"]], fontsize=8)
    ax.set_ylabel("extra wins")
    ax.set_title(f"Winning back {result.leakage_cut:.0%} of one stage's losses")
    ax.legend()
    return ax


def plot_lead_scoring(result, ax=None, *, figsize=(7.0, 4.2), **kwargs):
    """Wins per 100 sales hours for each way of choosing the leads to work."""
    ax = get_ax(ax, figsize)
    t = result.table
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(t))]
    ax.barh(t["policy"], t["wins_per_100_hours"], color=colours, **kwargs)
    for i, row in enumerate(t.itertuples(index=False)):
        ax.annotate(
            f"{row.wins} wins, {row.sales_hours:,.0f} h",
            (row.wins_per_100_hours, i),
            textcoords="offset points",
            xytext=(4, 0),
            va="center",
            fontsize=9,
        )
    ax.invert_yaxis()
    ax.set_xlabel("wins per 100 sales hours")
    ax.set_title("Lead scoring: productivity of the sales force")
    ax.set_xlim(0, t["wins_per_100_hours"].max() * 1.45)
    return ax


# -- customer service ------------------------------------------------------------------------
def plot_deflection(result, ax=None, *, figsize=(7.0, 4.2), **kwargs):
    """Requests and deflected requests per category."""
    ax = get_ax(ax, figsize)
    t = result.by_category
    y = np.arange(len(t))
    ax.barh(y, t["requests"], color="#cccccc", label="requests", **kwargs)
    ax.barh(y, t["deflected"], color=PALETTE[2], label="solved by self-service")
    ax.set_yticks(y, [c.replace("_", " ") for c in t["category"]])
    ax.invert_yaxis()
    ax.set_xlabel("requests")
    rate = float(result.table["deflection_rate"].iloc[1])
    ax.set_title(f"Deflection {rate:.0%}, cost saved {result.cost_saved:,.0f}")
    ax.legend()
    return ax


def plot_staffing(result, ax=None, *, figsize=(7.0, 4.2), **kwargs):
    """Service level and occupancy against the number of agents; the target and the
    recommended staffing."""
    ax = get_ax(ax, figsize)
    t = result.table
    ax.plot(
        t["agents"],
        t["service_level"],
        marker="o",
        color=PALETTE[0],
        label=f"service level (answered within {result.target_seconds:.0f} s)",
        **kwargs,
    )
    ax.plot(t["agents"], t["occupancy"], marker="s", color=PALETTE[1], label="occupancy")
    ax.axhline(result.service_level_target, color=PALETTE[3], ls=":", label="target")
    ax.axvline(
        result.recommended, color="black", lw=1, label=f"recommended: {result.recommended} agents"
    )
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("agents on duty")
    ax.set_ylabel("share")
    ax.set_title(f"{result.arrivals_per_hour:.0f} requests/h of {result.handle_minutes:.0f} min")
    ax.legend(fontsize=8)
    return ax


def plot_queue(result, ax=None, *, figsize=(7.5, 4.2), **kwargs):
    """Arrivals and backlog per time step of a simulated queue."""
    ax = get_ax(ax, figsize)
    iv = result.intervals
    ax.plot(iv["start"], iv["arrivals"], color="#aaaaaa", lw=0.8, label="arrivals per step")
    ax.plot(
        iv["start"],
        iv["backlog"],
        color=PALETTE[3],
        lw=1.2,
        label="backlog (waiting at step end)",
        **kwargs,
    )
    ax.plot(
        iv["start"], iv["capacity"], color=PALETTE[0], lw=0.8, ls="--", label="capacity per step"
    )
    sl = result["service_level"]
    tgt = result.target_minutes
    within = f"{tgt * 60:.0f} s" if tgt < 1 else f"{tgt:g} min"
    ax.set_title(f"Service level {sl:.0%} within {within}")
    ax.set_ylabel("requests")
    ax.legend(fontsize=8)
    ax.tick_params(axis="x", labelrotation=30)
    return ax


def plot_proactive(result, ax=None, *, figsize=(7.0, 4.2), **kwargs):
    """From triggers to offers, acceptances and conversions (with and without the offers)."""
    ax = get_ax(ax, figsize)
    names = [
        "offers",
        "accepted",
        "conversions_without_offers",
        "conversions_with_offers",
        "problems_solved_in_chat",
    ]
    labels = [
        "offers",
        "accepted",
        "conversions\nwithout offers",
        "conversions\nwith offers",
        "problems solved\nin chat",
    ]
    vals = [result[n] for n in names]
    colours = [PALETTE[0], PALETTE[5], "#999999", PALETTE[2], PALETTE[1]]
    ax.bar(labels, vals, color=colours, **kwargs)
    for i, v in enumerate(vals):
        ax.annotate(
            f"{v:,.0f}", (i, v), textcoords="offset points", xytext=(0, 3), ha="center", fontsize=9
        )
    ax.set_ylabel("sessions")
    ax.set_ylim(0, max(vals) * 1.15 if max(vals) > 0 else 1)
    ax.set_title(f"Proactive {result.rule.offer}: net value {result['net_value']:,.0f}")
    return ax


def plot_service_retention(result, ax=None, *, figsize=(7.0, 4.2), **kwargs):
    """Churners per 1000 customers a year against first-contact resolution."""
    ax = get_ax(ax, figsize)
    t = result.table.sort_values("first_contact_resolution")
    ax.plot(
        100 * t["first_contact_resolution"],
        t["churners_per_1000_year"],
        marker="o",
        color=PALETTE[3],
        **kwargs,
    )
    for row in t.itertuples(index=False):
        ax.annotate(
            f"value {row.value_change:+,.0f}",
            (100 * row.first_contact_resolution, row.churners_per_1000_year),
            textcoords="offset points",
            xytext=(4, 6),
            fontsize=8,
        )
    ax.set_xlabel("first-contact resolution (%)")
    ax.set_ylabel("churners per 1000 customers a year")
    ax.set_title("Service quality and retention")
    return ax
