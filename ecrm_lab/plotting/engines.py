"""Plots of the engines of eCRM (:mod:`ecrm_lab.engines`)."""

from __future__ import annotations

import numpy as np

from ._common import PALETTE, get_ax

__all__ = [
    "plot_offer_mix",
    "plot_offer_evaluation",
    "plot_consent",
    "plot_gate",
    "plot_channel_plan",
    "plot_reach",
    "plot_frequency_cap",
    "plot_email_quality",
    "plot_mailing_comparison",
    "plot_faq_suggestions",
]


def plot_offer_mix(offers, ax=None, **kwargs):
    """Horizontal bars: share of customers whose best offer is each item."""
    ax = get_ax(ax)
    table = offers.summary().sort_values("best_offer_share")
    kwargs.setdefault("color", PALETTE[0])
    ax.barh(table.index.astype(str), table["best_offer_share"], **kwargs)
    ax.set_xlabel("share of customers (best offer)")
    ax.set_title(f"Best offer by {offers.engine}")
    return ax


def plot_offer_evaluation(evaluation, metric: str = "hit_rate", ax=None, **kwargs):
    """Grouped bars: ``metric`` of each engine at each ``k``."""
    from .._validation import check_param

    table = evaluation.table
    allowed = [c for c in table.columns if c not in ("engine", "k", "customers")]
    check_param(metric, "metric", "plot_offer_evaluation", str, choices=allowed)
    ax = get_ax(ax)
    engines = list(dict.fromkeys(table["engine"]))
    ks = list(evaluation.ks)
    width = 0.8 / max(len(engines), 1)
    pos = np.arange(len(ks))
    for i, eng in enumerate(engines):
        vals = table[table["engine"] == eng].set_index("k").reindex(ks)[metric]
        ax.bar(
            pos + (i - (len(engines) - 1) / 2) * width,
            vals.to_numpy(),
            width,
            label=eng,
            color=PALETTE[i % len(PALETTE)],
            **kwargs,
        )
    ax.set_xticks(pos, [f"k = {k}" for k in ks])
    ax.set_ylabel(metric.replace("_", " "))
    ax.set_title(
        f"{metric.replace('_', ' ')} on held-out take-up ({evaluation.n_evaluated:,} customers)"
    )
    ax.legend(fontsize=8)
    return ax


def plot_consent(ledger, ax=None, freq: str = "MS", **kwargs):
    """Customers with consent per channel over time."""
    ax = get_ax(ax)
    table = ledger.over_time(freq=freq)
    for i, col in enumerate(table.columns):
        ax.plot(
            table.index,
            table[col],
            label=col.replace("consent_", ""),
            color=PALETTE[i % len(PALETTE)],
            **kwargs,
        )
    ax.set_ylabel("customers with consent")
    ax.set_title("Permission per channel over time")
    ax.legend()
    return ax


def plot_gate(gate, ax=None, **kwargs):
    """Stacked bars per channel: messages sent and blocked (by reason)."""
    ax = get_ax(ax)
    table = gate.summary()
    parts = ["sent"] + [c for c in table.columns if c not in ("sent", "blocked")]
    bottom = np.zeros(len(table))
    for i, col in enumerate(parts):
        ax.bar(
            table.index,
            table[col],
            bottom=bottom,
            label=col,
            color=PALETTE[i % len(PALETTE)],
            **kwargs,
        )
        bottom += table[col].to_numpy()
    ax.set_ylabel("messages")
    ax.set_title("The consent gate")
    ax.legend()
    return ax


def plot_channel_plan(plan, ax=None, **kwargs):
    """Bars: customers per chosen channel (and those who cannot be contacted)."""
    ax = get_ax(ax)
    table = plan.summary()
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(table))]
    kwargs.setdefault("color", colors)
    ax.bar(table.index.astype(str), table["customers"], **kwargs)
    ax.set_ylabel("customers")
    ax.set_title("Channel chosen per customer")
    return ax


def plot_reach(reach, ax=None, **kwargs):
    """Bars of each channel's reach alone, with the cumulative reach as a line."""
    ax = get_ax(ax)
    t = reach.table
    labels = list(t.index)
    ax.bar(labels, t["reach_alone_share"], color=PALETTE[0], label="reach alone", **kwargs)
    ax.plot(labels, t["cumulative_share"], marker="o", color=PALETTE[1], label="cumulative reach")
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of customers")
    ax.set_title("Multi-channel reach")
    ax.legend()
    return ax


def plot_frequency_cap(cap, ax=None, **kwargs):
    """Customer-periods by number of messages, before and after the cap."""
    ax = get_ax(ax)
    b = cap.before.set_index("messages")["customer_periods"]
    a = cap.after.set_index("messages")["customer_periods"]
    idx = sorted(set(b.index) | set(a.index))
    pos = np.arange(len(idx))
    ax.bar(pos - 0.2, b.reindex(idx).fillna(0), 0.4, label="planned", color=PALETTE[1], **kwargs)
    ax.bar(pos + 0.2, a.reindex(idx).fillna(0), 0.4, label="after cap", color=PALETTE[0], **kwargs)
    ax.axvline(
        idx.index(cap.max_messages) + 0.5 if cap.max_messages in idx else -0.5,
        color=PALETTE[3],
        linestyle="--",
        label="cap",
    )
    ax.set_xticks(pos, [str(i) for i in idx])
    ax.set_xlabel(f"messages per customer per {cap.period_days:g} days")
    ax.set_ylabel("customer-periods")
    ax.set_title(cap.title)
    ax.legend()
    return ax


def plot_email_quality(quality, ax=None, **kwargs):
    """Bars: e-mail addresses by status, before and after cleaning."""
    ax = get_ax(ax)
    t = quality.summary()
    pos = np.arange(len(t))
    cols = [c for c in ("before", "after") if c in t.columns]
    width = 0.8 / len(cols)
    for i, col in enumerate(cols):
        ax.bar(
            pos + (i - (len(cols) - 1) / 2) * width,
            t[col],
            width,
            label=col,
            color=PALETTE[i],
            **kwargs,
        )
    ax.set_xticks(pos, list(t.index), rotation=30, ha="right")
    ax.set_ylabel("addresses")
    ax.set_title("E-mail list quality")
    ax.legend()
    return ax


def plot_mailing_comparison(comparison, ax=None, metric: str = "net_margin", **kwargs):
    """Bars of one metric (default net margin) per mailing plan."""
    from .._validation import check_param

    t = comparison.summary()
    check_param(metric, "metric", "plot_mailing_comparison", str, choices=list(t.columns))
    ax = get_ax(ax)
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(t))]
    kwargs.setdefault("color", colors)
    ax.bar(t.index.astype(str), t[metric], **kwargs)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_ylabel(metric.replace("_", " "))
    ax.set_title("One-to-many against one-to-one")
    return ax


def plot_faq_suggestions(page, ax=None, **kwargs):
    """Horizontal bars: the FAQ suggestions of a self-service page by score."""
    ax = get_ax(ax)
    faq = page.faq.iloc[::-1]
    kwargs.setdefault("color", PALETTE[2])
    ax.barh(faq["question"], faq["score"], **kwargs)
    ax.set_xlabel("relevance (recent page views, time-decayed)")
    ax.set_title(f"FAQ suggestions for customer {page.customer_id}")
    return ax
