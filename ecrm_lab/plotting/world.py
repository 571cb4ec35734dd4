"""Figures of a synthetic world (:mod:`ecrm_lab.world`): the latent traits and the truth.

Every function takes a :class:`~ecrm_lab.world.World`, draws on ``ax`` (a new figure when
``None``) and returns the Axes.
"""

from __future__ import annotations

import numpy as np

from ._common import PALETTE, get_ax

__all__ = [
    "plot_segment_traits",
    "plot_activity",
    "plot_profit_curve",
    "plot_uplift_classes",
    "plot_take_up_by_decile",
]


def plot_segment_traits(world, trait: str = "purchase_rate", ax=None, **kwargs):
    """Box plot of one latent ``trait`` per true segment (from truth ``customer_traits``)."""
    ax = get_ax(ax, figsize=(7.0, 4.0))
    t = world.truth["customer_traits"]
    segs = list(t["segment"].cat.categories)
    data = [t.loc[t["segment"] == s, trait].to_numpy() for s in segs]
    box = ax.boxplot(data, showfliers=False, patch_artist=True, **kwargs)
    ax.set_xticks(range(1, len(segs) + 1), segs, rotation=15)
    for patch, colour in zip(box["boxes"], PALETTE, strict=False):
        patch.set_facecolor(colour)
        patch.set_alpha(0.6)
    ax.set_ylabel(trait)
    ax.set_title(f"Latent trait '{trait}' by true segment")
    return ax


def plot_activity(world, ax=None, **kwargs):
    """Transactions (bank) or orders (retail) per month: seasonality, acquisition and churn."""
    ax = get_ax(ax, figsize=(7.0, 3.6))
    if "transactions" in world.tables:
        when, what = world["transactions"]["timestamp"], "transactions"
    else:
        when, what = world["orders"]["order_date"], "orders"
    counts = when.dt.to_period("M").value_counts().sort_index()
    x = counts.index.to_timestamp()
    ax.bar(x, counts.to_numpy(), width=20, color=PALETTE[0], **kwargs)
    ax.set_ylabel(f"{what} per month")
    ax.set_title(f"Activity over the horizon ({world.meta.get('domain')})")
    ax.tick_params(axis="x", rotation=30)
    return ax


def plot_profit_curve(world, ax=None, **kwargs):
    """The 'whale curve': cumulative true value of customers ranked from most to least
    valuable, as a share of the total. Above 100 %: the unprofitable tail gives profit back."""
    ax = get_ax(ax, figsize=(6.0, 4.0))
    v = np.sort(world.truth["customer_traits"]["true_value"].to_numpy())[::-1]
    share = np.arange(1, len(v) + 1) / len(v) * 100
    cum = np.cumsum(v) / v.sum() * 100
    ax.plot(share, cum, color=PALETTE[0], **kwargs)
    ax.axhline(100, color="grey", lw=0.8, ls="--")
    neg = (v < 0).mean() * 100
    ax.axvline(100 - neg, color=PALETTE[3], lw=0.8, ls=":")
    ax.text(
        100 - neg,
        ax.get_ylim()[0],
        f" {neg:.0f} % unprofitable →",
        color=PALETTE[3],
        va="bottom",
        ha="left",
        fontsize=9,
    )
    ax.set_xlabel("customers, most valuable first (%)")
    ax.set_ylabel("cumulative true value (% of total)")
    ax.set_title("Customer profitability (truth)")
    return ax


def plot_uplift_classes(world, ax=None, **kwargs):
    """Mean true P(take-up) without and with a contact, per uplift class (truth)."""
    ax = get_ax(ax, figsize=(6.5, 3.8))
    t = world.truth["customer_traits"]
    g = t.groupby("uplift_class", observed=False)[["response_base", "response_treated"]].mean()
    x = np.arange(len(g))
    ax.bar(
        x - 0.2,
        g["response_base"] * 100,
        width=0.4,
        label="not contacted",
        color=PALETTE[1],
        **kwargs,
    )
    ax.bar(
        x + 0.2,
        g["response_treated"] * 100,
        width=0.4,
        label="contacted",
        color=PALETTE[0],
        **kwargs,
    )
    ax.set_xticks(x, list(g.index))
    ax.set_ylabel("mean P(take-up) (%)")
    ax.set_title("Who responds because of the contact?")
    ax.legend()
    return ax


def plot_take_up_by_decile(world, ax=None, **kwargs):
    """Observed take-up per decile of the true propensity, against the untargeted average."""
    from ..world.describe import take_up_by_decile

    ax = get_ax(ax, figsize=(6.5, 3.8))
    d = take_up_by_decile(world)
    ax.bar(d.index, d["take_up"] * 100, color=PALETTE[0], label="observed take-up", **kwargs)
    ax.plot(d.index, d["true_p"] * 100, "o-", color=PALETTE[3], label="true P(take-up)")
    overall = (d["take_up"] * d["contacts"]).sum() / d["contacts"].sum() * 100
    ax.axhline(overall, color="grey", ls="--", lw=0.8, label=f"untargeted {overall:.1f} %")
    ax.set_xticks(d.index)
    ax.set_xlabel("decile of true propensity (1 = best)")
    ax.set_ylabel("take-up (%)")
    ax.set_title("Targeting by true propensity")
    ax.legend()
    return ax
