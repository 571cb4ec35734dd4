"""The broadcast engine: through which channel, when, and how often.

* :func:`choose_channel` — one channel per customer among those the customer consented to and
  can be reached on (a valid e-mail address, a phone number), weighing the expected value of
  a contact through the customer's preferred channel against the cost per contact, and a send
  hour from the customer's own activity (time of day);
* :func:`channel_reach` — multi-channel reach: how many customers each channel reaches alone,
  and how many more each added channel reaches;
* :func:`frequency_cap` — at most ``max_messages`` per customer per period (across all
  channels, counting what was already sent), keeping the highest-priority messages, so that
  customers are not inundated;
* :func:`broadcast_messages` — the messages of a plan (customer, channel, send time, offer),
  ready for the consent gate (:func:`ecrm_lab.engines.gate_messages`).

Examples
--------
>>> import pandas as pd
>>> consent = pd.DataFrame({"customer_id": [1, 2, 3], "consent_email": [True, False, False],
...                         "consent_sms": [True, True, False], "consent_phone": False,
...                         "consent_post": [False, False, False]})
>>> plan = choose_channel(consent, preferred=pd.Series({1: "sms"}))
>>> plan.plan["channel"].tolist()
['sms', 'sms', nan]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._result import Result
from .._validation import Interval, check_columns, check_param
from ..exceptions import DataError
from ._common import CONSENT_COLUMNS, CONTACT_CHANNELS

__all__ = [
    "DEFAULT_CONTACT_COST",
    "DEFAULT_SEND_HOUR",
    "SEND_HOURS",
    "ChannelPlan",
    "choose_channel",
    "ReachResult",
    "channel_reach",
    "CapResult",
    "frequency_cap",
    "broadcast_messages",
]


def _default_costs() -> dict[str, float]:
    from ..world.catalogue import CAMPAIGN_CHANNELS

    return {c.code: float(c.cost) for c in CAMPAIGN_CHANNELS}


#: cost of one contact per channel (the world's campaign channel costs)
DEFAULT_CONTACT_COST: dict[str, float] = _default_costs()
#: send hour when nothing is known about the customer
DEFAULT_SEND_HOUR: dict[str, float] = {"email": 9.0, "sms": 12.0, "phone": 18.0, "post": np.nan}
#: hours a channel may be used (customers are not called at night)
SEND_HOURS: dict[str, tuple[int, int]] = {
    "email": (0, 23),
    "sms": (9, 20),
    "phone": (9, 19),
    "post": (0, 23),
}


def _consent_frame(consent: pd.DataFrame, where: str) -> pd.DataFrame:
    if not isinstance(consent, pd.DataFrame):
        raise DataError(f"{where}: consent must be a DataFrame, got {type(consent).__name__}.")
    if "customer_id" in consent.columns:
        consent = consent.set_index("customer_id")
    cols = [CONSENT_COLUMNS[c] for c in CONTACT_CHANNELS if CONSENT_COLUMNS[c] in consent.columns]
    if not cols:
        raise DataError(
            f"{where}: no consent column; expected some of {tuple(CONSENT_COLUMNS.values())} "
            "(e.g. ConsentLedger.state(at=...))."
        )
    if consent.index.has_duplicates:
        raise DataError(f"{where}: consent has duplicate customer ids.")
    out = pd.DataFrame(index=pd.Index(consent.index.astype(np.int64), name="customer_id"))
    for ch in CONTACT_CHANNELS:
        col = CONSENT_COLUMNS[ch]
        out[ch] = (
            consent[col].fillna(False).to_numpy(dtype=bool) if col in consent.columns else False
        )
    return out


def _align_flags(flags: Any, index: pd.Index, where: str, what: str) -> pd.DataFrame:
    """Per-channel bool flags (DataFrame with channel columns) aligned to ``index``; missing
    channels or customers are True (no restriction)."""
    out = pd.DataFrame(True, index=index, columns=list(CONTACT_CHANNELS))
    if flags is None:
        return out
    if not isinstance(flags, pd.DataFrame):
        raise DataError(f"{where}: {what} must be a DataFrame with channel columns.")
    if "customer_id" in flags.columns:
        flags = flags.set_index("customer_id")
    for ch in CONTACT_CHANNELS:
        if ch in flags.columns:
            out[ch] = flags[ch].reindex(index).fillna(True).to_numpy(dtype=bool)
    return out


# ---------------------------------------------------------------------------------------------
# channel choice
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False, eq=False)
class ChannelPlan(Result):
    """One channel (or none) per customer.

    Attributes
    ----------
    plan : DataFrame
        ``customer_id``, ``channel`` (NaN: cannot be contacted), ``send_hour``, ``cost``,
        ``utility`` (expected value minus cost of the chosen contact), ``preferred`` (the
        chosen channel is the customer's preferred one), ``n_allowed`` (channels with consent
        and an address).
    costs : dict
        Cost per contact used.
    """

    plan: pd.DataFrame
    costs: Mapping[str, float]
    title = "Channel per customer"

    def summary(self) -> pd.DataFrame:
        p = self.plan
        n = max(len(p), 1)
        ch = p["channel"].astype(object).fillna("none")
        g = p.assign(channel=ch).groupby("channel", sort=False)
        table = pd.DataFrame(
            {
                "customers": g.size(),
                "share": g.size() / n,
                "cost": g["cost"].sum(),
                "preferred_share": g["preferred"].mean(),
            }
        )
        order = [c for c in (*CONTACT_CHANNELS, "none") if c in table.index]
        return table.loc[order]

    def plot(self, ax=None, **kwargs):
        from ..plotting.engines import plot_channel_plan

        return plot_channel_plan(self, ax=ax, **kwargs)


def choose_channel(
    consent: pd.DataFrame,
    *,
    addressable: pd.DataFrame | None = None,
    preferred: pd.Series | None = None,
    value: float | pd.Series = 1.0,
    preferred_lift: float = 1.5,
    costs: Mapping[str, float] | None = None,
    hours: pd.Series | None = None,
    channels: Sequence[str] = CONTACT_CHANNELS,
) -> ChannelPlan:
    """Choose the channel of each customer: consent first, then value against cost.

    Among the channels the customer consented to (``consent``) and can be reached on
    (``addressable``), pick the one with the highest utility
    ``value x (preferred_lift if it is the preferred channel else 1) - cost``; ties go to
    the cheaper channel. Customers without any allowed channel get none — the engine never
    plans a message without permission.

    Parameters
    ----------
    consent : DataFrame
        ``consent_email``, ``consent_sms``, ``consent_phone``, ``consent_post`` per customer
        (indexed by or with a ``customer_id`` column), e.g. ``ConsentLedger.state(at)`` or the
        customer table.
    addressable : DataFrame, optional
        Bool columns named after channels (``email``, ``sms``, ``phone``, ``post``): whether
        the customer has a usable address (valid e-mail, phone number). Missing = usable.
    preferred : Series, optional
        The customer's preferred contact channel (indexed by customer id); unknown = none.
    value : float or Series
        Expected value of a contact (response probability x margin) through a non-preferred
        channel, in the currency of ``costs``.
    preferred_lift : float
        How much more a contact through the preferred channel is worth.
    costs : mapping, optional
        Cost per contact; default :data:`DEFAULT_CONTACT_COST`.
    hours : Series, optional
        The customer's typical active hour (0-23), e.g. the most common hour of their web
        sessions; the send hour is clipped to the channel's allowed hours
        (:data:`SEND_HOURS`). Missing = the channel's default hour.
    channels : sequence of str
        The channels the campaign may use.

    Returns
    -------
    ChannelPlan
    """
    where = "choose_channel"
    check_param(preferred_lift, "preferred_lift", where, float, interval=Interval(0, None))
    chans = tuple(channels)
    if not chans:
        raise DataError(f"{where}: give at least one channel.")
    for ch in chans:
        check_param(ch, "channels", where, str, choices=CONTACT_CHANNELS)
    cost_map = dict(DEFAULT_CONTACT_COST if costs is None else costs)
    for ch in chans:
        if ch not in cost_map:
            raise DataError(f"{where}: no cost for channel {ch!r} in costs.")
        check_param(float(cost_map[ch]), f"costs[{ch!r}]", where, float, interval=Interval(0, None))
    c = _consent_frame(consent, where)
    idx = c.index
    addr = _align_flags(addressable, idx, where, "addressable")
    n = len(idx)
    if isinstance(value, pd.Series):
        v = value.reindex(idx).to_numpy(dtype=np.float64)
        if np.isnan(v).any():
            raise DataError(f"{where}: value is missing for {int(np.isnan(v).sum())} customers.")
    else:
        v = np.full(n, check_param(value, "value", where, float))
    pref = (
        preferred.reindex(idx).astype(object).to_numpy()
        if preferred is not None
        else np.full(n, None, dtype=object)
    )
    util = np.full((n, len(chans)), -np.inf)
    is_pref = np.zeros((n, len(chans)), dtype=bool)
    for j, ch in enumerate(chans):
        allowed = c[ch].to_numpy(dtype=bool) & addr[ch].to_numpy(dtype=bool)
        is_pref[:, j] = pref == ch
        u = v * np.where(is_pref[:, j], preferred_lift, 1.0) - float(cost_map[ch])
        util[:, j] = np.where(allowed, u, -np.inf)
    # ties -> cheaper channel: order the columns by cost and take the first maximum
    by_cost = np.argsort([float(cost_map[ch]) for ch in chans], kind="stable")
    u_sorted = util[:, by_cost]
    best_sorted = np.argmax(u_sorted, axis=1)
    best = by_cost[best_sorted]
    has = np.isfinite(u_sorted[np.arange(n), best_sorted]) if n else np.zeros(0, bool)
    chosen = np.where(has, np.asarray(chans, dtype=object)[best], None)
    rows = np.arange(n)
    hour = np.full(n, np.nan)
    h_cust = (
        pd.to_numeric(hours.reindex(idx), errors="coerce").to_numpy(dtype=np.float64)
        if hours is not None
        else np.full(n, np.nan)
    )
    for ch in chans:
        sel = chosen == ch
        if not sel.any():
            continue
        lo, hi = SEND_HOURS[ch]
        default = DEFAULT_SEND_HOUR[ch]
        if np.isnan(default):
            continue
        hour[sel] = np.clip(np.where(np.isnan(h_cust[sel]), default, h_cust[sel]), lo, hi)
    plan = pd.DataFrame(
        {
            "customer_id": idx.to_numpy(dtype=np.int64),
            "channel": pd.Categorical(chosen, categories=list(CONTACT_CHANNELS)),
            "send_hour": hour,
            "cost": np.where(has, np.array([float(cost_map[ch]) for ch in chans])[best], 0.0),
            "utility": np.where(has, util[rows, best], np.nan),
            "preferred": np.where(has, is_pref[rows, best], False),
            "n_allowed": np.isfinite(util).sum(axis=1),
        }
    )
    return ChannelPlan(plan=plan, costs=cost_map)


# ---------------------------------------------------------------------------------------------
# multi-channel reach
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False, eq=False)
class ReachResult(Result):
    """Multi-channel reach.

    Attributes
    ----------
    table : DataFrame
        One row per channel in the order added: ``reach_alone`` (customers reachable on it),
        ``cumulative_reach`` (reachable on it or an earlier one), ``incremental`` (new
        customers it adds), and the shares of all customers.
    overlap : DataFrame
        Customers reachable on both channels (diagonal: on the channel).
    n_customers : int
    """

    table: pd.DataFrame
    overlap: pd.DataFrame
    n_customers: int
    title = "Multi-channel reach"

    def summary(self) -> pd.DataFrame:
        return self.table

    def plot(self, ax=None, **kwargs):
        from ..plotting.engines import plot_reach

        return plot_reach(self, ax=ax, **kwargs)


def channel_reach(
    consent: pd.DataFrame,
    addressable: pd.DataFrame | None = None,
    order: Sequence[str] | None = None,
) -> ReachResult:
    """How many customers each channel reaches, alone and added one after another.

    A customer is reachable on a channel with consent and a usable address. By default the
    channels are added cheapest first.
    """
    where = "channel_reach"
    c = _consent_frame(consent, where)
    addr = _align_flags(addressable, c.index, where, "addressable")
    if order is None:
        order = sorted(CONTACT_CHANNELS, key=lambda ch: DEFAULT_CONTACT_COST[ch])
    order = tuple(order)
    for ch in order:
        check_param(ch, "order", where, str, choices=CONTACT_CHANNELS)
    if len(set(order)) != len(order):
        raise DataError(f"{where}: order lists a channel twice.")
    R = np.column_stack([c[ch].to_numpy(bool) & addr[ch].to_numpy(bool) for ch in order])
    n = len(c)
    cum = np.logical_or.accumulate(R, axis=1) if n else R
    cum_counts = cum.sum(axis=0)
    alone = R.sum(axis=0)
    inc = np.diff(np.r_[0, cum_counts])
    table = pd.DataFrame(
        {
            "reach_alone": alone,
            "reach_alone_share": alone / max(n, 1),
            "cumulative_reach": cum_counts,
            "cumulative_share": cum_counts / max(n, 1),
            "incremental": inc,
        },
        index=pd.Index(order, name="channel"),
    )
    Ri = R.astype(np.int64)
    overlap = pd.DataFrame(Ri.T @ Ri, index=list(order), columns=list(order))
    return ReachResult(table=table, overlap=overlap, n_customers=n)


# ---------------------------------------------------------------------------------------------
# frequency capping
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False, eq=False)
class CapResult(Result):
    """Messages kept and dropped by a frequency cap.

    Attributes
    ----------
    kept, dropped : DataFrame
        The input messages (dropped ones with ``reason`` = ``'frequency cap'``).
    max_messages, period_days : the cap
    before, after : DataFrame
        Distribution of messages per customer and period before and after capping
        (``messages`` -> ``customer_periods``).
    """

    kept: pd.DataFrame
    dropped: pd.DataFrame
    max_messages: int
    period_days: float
    before: pd.DataFrame
    after: pd.DataFrame

    @property
    def title(self) -> str:  # type: ignore[override]
        return f"Frequency cap: at most {self.max_messages} per {self.period_days:g} days"

    def summary(self) -> pd.DataFrame:
        b, a = self.before, self.after
        over_b = int(b.loc[b["messages"] > self.max_messages, "customer_periods"].sum())
        over_a = int(a.loc[a["messages"] > self.max_messages, "customer_periods"].sum())
        return pd.DataFrame(
            {
                "messages": [
                    int((b["messages"] * b["customer_periods"]).sum()),
                    int((a["messages"] * a["customer_periods"]).sum()),
                ],
                "max_per_period": [
                    int(b["messages"].max()) if len(b) else 0,
                    int(a["messages"].max()) if len(a) else 0,
                ],
                "customer_periods_over_cap": [over_b, over_a],
            },
            index=pd.Index(["before cap", "after cap"], name="stage"),
        )

    def plot(self, ax=None, **kwargs):
        from ..plotting.engines import plot_frequency_cap

        return plot_frequency_cap(self, ax=ax, **kwargs)


def _period_of(times: pd.Series, origin: pd.Timestamp, period_days: float) -> np.ndarray:
    delta = pd.to_datetime(times).to_numpy(dtype="datetime64[ns]") - origin.to_datetime64()
    return np.floor(delta / np.timedelta64(1, "s") / (86_400.0 * period_days)).astype(np.int64)


def _per_period(cust: np.ndarray, period: np.ndarray) -> pd.DataFrame:
    if len(cust) == 0:
        return pd.DataFrame({"messages": [], "customer_periods": []}, dtype=np.int64)
    counts = (
        pd.Series(1, index=pd.MultiIndex.from_arrays([cust, period])).groupby(level=[0, 1]).size()
    )
    dist = counts.value_counts().sort_index()
    return pd.DataFrame(
        {"messages": dist.index.to_numpy(np.int64), "customer_periods": dist.to_numpy(np.int64)}
    )


def frequency_cap(
    messages: pd.DataFrame,
    max_messages: int = 2,
    period_days: float = 7.0,
    *,
    history: pd.DataFrame | None = None,
    priority_col: str | None = "priority",
    time_col: str = "send_time",
    customer_col: str = "customer_id",
    origin: Any = "2000-01-03",
) -> CapResult:
    """Keep at most ``max_messages`` messages per customer in each period of ``period_days``.

    Time is cut into consecutive periods of ``period_days`` days from ``origin`` (default a
    Monday, so 7-day periods are calendar weeks). Messages already sent (``history``) count
    against the cap. Within a customer's period the messages with the highest priority (then
    the earliest, then input order) are kept. All channels count together: the cap protects
    the customer, not the channel.

    Parameters
    ----------
    messages : DataFrame
        Planned messages with ``customer_col``, ``time_col`` and optionally ``priority_col``
        (higher = more important; missing column = equal priority).
    max_messages : int
        Messages allowed per customer and period (0 blocks everything).
    period_days : float
        Length of a period.
    history : DataFrame, optional
        Messages already sent (``customer_col``, ``time_col``).
    """
    where = "frequency_cap"
    check_param(max_messages, "max_messages", where, int, interval=Interval(0, None))
    check_param(period_days, "period_days", where, float, interval=Interval(0, None, "neither"))
    if not isinstance(messages, pd.DataFrame):
        raise DataError(f"{where}: messages must be a DataFrame, got {type(messages).__name__}.")
    check_columns(messages, [customer_col, time_col], where)
    msgs = messages.reset_index(drop=True)
    origin_ts = pd.Timestamp(origin)
    cust = pd.to_numeric(msgs[customer_col]).to_numpy(dtype=np.int64)
    times = pd.to_datetime(msgs[time_col])
    if times.isna().any():
        raise DataError(
            f"{where}: column {time_col!r} has {int(times.isna().sum())} missing times."
        )
    period = _period_of(times, origin_ts, period_days)
    if priority_col is not None and priority_col in msgs.columns:
        prio = pd.to_numeric(msgs[priority_col], errors="coerce").fillna(0.0).to_numpy(np.float64)
    else:
        prio = np.zeros(len(msgs))
    used = np.zeros(len(msgs), dtype=np.int64)
    if history is not None and len(history):
        check_columns(history, [customer_col, time_col], f"{where} (history)")
        h_cust = pd.to_numeric(history[customer_col]).to_numpy(dtype=np.int64)
        h_per = _period_of(history[time_col], origin_ts, period_days)
        h_counts = (
            pd.Series(1, index=pd.MultiIndex.from_arrays([h_cust, h_per]))
            .groupby(level=[0, 1])
            .size()
        )
        key = pd.MultiIndex.from_arrays([cust, period])
        used = h_counts.reindex(key).fillna(0).to_numpy(dtype=np.int64)
    order = np.lexsort(
        (np.arange(len(msgs)), times.to_numpy(dtype="datetime64[ns]"), -prio, period, cust)
    )
    ranked = pd.DataFrame({"c": cust[order], "p": period[order]})
    rank = np.empty(len(msgs), dtype=np.int64)
    rank[order] = ranked.groupby(["c", "p"], sort=False).cumcount().to_numpy()
    keep = rank + used < max_messages
    kept = msgs[keep].copy()
    dropped = msgs[~keep].copy()
    dropped["reason"] = "frequency cap"
    before_c, before_p = cust, period
    if history is not None and len(history):
        before_c = np.r_[h_cust, cust]
        before_p = np.r_[h_per, period]
        after_c = np.r_[h_cust, cust[keep]]
        after_p = np.r_[h_per, period[keep]]
    else:
        after_c, after_p = cust[keep], period[keep]
    return CapResult(
        kept=kept,
        dropped=dropped,
        max_messages=max_messages,
        period_days=float(period_days),
        before=_per_period(before_c, before_p),
        after=_per_period(after_c, after_p),
    )


# ---------------------------------------------------------------------------------------------
# from a plan to messages
# ---------------------------------------------------------------------------------------------
def broadcast_messages(
    plan: ChannelPlan,
    at: Any,
    offers: pd.Series | None = None,
    campaign: str = "broadcast",
    priority: float | pd.Series = 1.0,
) -> pd.DataFrame:
    """The messages of a channel plan on the day ``at``: one per customer with a channel.

    Returns a DataFrame with ``customer_id``, ``channel``, ``send_time`` (the day plus the
    plan's send hour; post at midnight), ``offer`` (from ``offers``, a Series indexed by
    customer id; customers without an offer get no message), ``campaign``, ``priority`` and
    ``cost``. The messages still have to pass :func:`~ecrm_lab.engines.gate_messages`.
    """
    where = "broadcast_messages"
    if not isinstance(plan, ChannelPlan):
        raise DataError(f"{where}: plan must be a ChannelPlan, got {type(plan).__name__}.")
    check_param(campaign, "campaign", where, str)
    day = pd.Timestamp(at).normalize()
    p = plan.plan[plan.plan["channel"].notna()].reset_index(drop=True)
    out = pd.DataFrame(
        {
            "customer_id": p["customer_id"].to_numpy(np.int64),
            "channel": p["channel"].astype(str).to_numpy(),
            "send_time": day + pd.to_timedelta(p["send_hour"].fillna(0.0).to_numpy(), unit="h"),
            "campaign": campaign,
            "cost": p["cost"].to_numpy(np.float64),
        }
    )
    out["send_time"] = out["send_time"].astype("datetime64[ns]")
    if offers is not None:
        o = offers.reindex(out["customer_id"]).to_numpy(dtype=object)
        out["offer"] = o
        out = out[pd.notna(o)].reset_index(drop=True)
    if isinstance(priority, pd.Series):
        out["priority"] = priority.reindex(out["customer_id"]).fillna(0.0).to_numpy(np.float64)
    else:
        out["priority"] = check_param(priority, "priority", where, float)
    return out
