"""Purchase / transaction times: a vectorised BG/NBD process with seasonality.

While *active*, a customer buys (bank: transacts) as a Poisson process with rate
``purchase_rate`` per month, modulated by the domain's seasonality
(:func:`ecrm_lab.world.behaviour.seasonality`). After every purchase the customer becomes
inactive for good with probability ``dropout_p`` (BG/NBD). Customers who were already
customers well before the horizon may be dormant from the start.

The process is simulated exactly and without per-customer Python loops:

1. the window of each customer is ``[max(acquisition, start), min(churn, end))``, mapped to
   *operational time* (the cumulative seasonal intensity);
2. ``N ~ Poisson(rate x window)`` events would happen if the customer never dropped out, and
   ``K ~ Geometric(dropout_p)`` is the purchase after which they drop out; ``m = min(N, K-1)``
   events are kept;
3. the first ``m`` of ``N`` sorted uniform times are ``S_i / (S_m + G)`` with ``S_i`` the cumulative
   sums of standard exponentials and ``G ~ Gamma(N - m + 1)`` (the rest of the spacings), so
   only the kept events are ever drawn;
4. operational times are mapped back to calendar days;
5. customers who churn inside the horizon drift away first: in the last
   :data:`~ecrm_lab.world.behaviour.PRE_CHURN_DECLINE_DAYS` days before the churn date each
   event is kept with probability :func:`~ecrm_lab.world.behaviour.pre_churn_activity`
   (thinning a Poisson process by a time-varying probability gives the Poisson process of
   the lower rate).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._context import WorldContext
from .behaviour import PRE_CHURN_DECLINE_DAYS, pre_churn_activity, seasonality

__all__ = [
    "Events",
    "bgnbd_events",
    "Lifetime",
    "lifetime_events",
    "Warp",
    "time_of_day",
    "last_event_day",
]

DAYS_PER_MONTH = 365.25 / 12


class Warp:
    """Calendar days <-> operational time of the seasonal intensity (mean 1 per day)."""

    def __init__(self, ctx: WorldContext):
        n_days = int(np.ceil(ctx.horizon_days)) + 1
        days = np.arange(n_days + 1, dtype=np.float64)
        dates = np.datetime64(ctx.start.value, "ns") + np.arange(n_days).astype("timedelta64[D]")
        months = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
        intensity = seasonality(ctx.domain, months)
        self.days = days
        self.cum = np.concatenate([[0.0], np.cumsum(intensity)])
        self.rate = np.diff(self.cum)
        # lookup of the day in which an operational time falls: bins narrower than the
        # smallest daily intensity hold at most one day boundary, so one correction suffices
        self.width = 0.5 * float(self.rate.min())
        grid = np.arange(int(self.cum[-1] / self.width) + 2) * self.width
        self.lut = np.clip(np.searchsorted(self.cum, grid, side="right") - 1, 0, n_days - 1)

    def forward(self, t: np.ndarray) -> np.ndarray:
        """Calendar day offsets (within the horizon) to operational time."""
        t = np.clip(np.asarray(t, dtype=np.float64), 0.0, self.days[-1])
        d = np.minimum(t.astype(np.int64), len(self.rate) - 1)
        return self.cum[d] + (t - d) * self.rate[d]

    def inverse(self, s: np.ndarray) -> np.ndarray:
        """Operational time back to calendar day offsets."""
        s = np.clip(np.asarray(s, dtype=np.float64), 0.0, self.cum[-1])
        d = self.lut[np.minimum((s / self.width).astype(np.int64), len(self.lut) - 1)]
        d = np.minimum(
            d + (self.cum[np.minimum(d + 1, len(self.cum) - 1)] <= s), len(self.rate) - 1
        )
        return d + (s - self.cum[d]) / self.rate[d]


@dataclass
class Events:
    """Event times of one block of customers.

    ``owner`` (row of the customer in the block, sorted), ``day`` (day offset from start,
    increasing within each owner), ``inactive_day`` per customer (NaN if not dropped out in
    the window), ``dormant`` per customer (inactive before the horizon began).
    """

    owner: np.ndarray
    day: np.ndarray
    inactive_day: np.ndarray
    dormant: np.ndarray


def bgnbd_events(
    rng: np.random.Generator,
    warp: Warp,
    rate_per_month: np.ndarray,
    dropout_p: np.ndarray,
    window_start: np.ndarray,
    window_end: np.ndarray,
    pre_existing: np.ndarray,
    first_at_start: np.ndarray | None = None,
    churn_day: np.ndarray | None = None,
) -> Events:
    """Simulate the BG/NBD event times of one block (see the module docstring).

    Parameters
    ----------
    rng : Generator
        The block's stream.
    warp : Warp
        Seasonal time warp of the world.
    rate_per_month, dropout_p : ndarray
        Traits per customer.
    window_start, window_end : ndarray
        Day offsets of the active window per customer (empty when ``end <= start``).
    pre_existing : ndarray of bool
        Customers acquired before the horizon; they are dormant at the start with the
        probability of having dropped out during six earlier months.
    first_at_start : ndarray of bool, optional
        Customers whose window starts with a purchase (retail: a new customer is acquired by
        their first order). It counts as purchase 1 and may itself trigger the dropout.
    churn_day : ndarray, optional
        Day offset of the churn per customer (NaN when the customer does not churn in the
        horizon): activity fades before it (step 5 of the module docstring).
    """
    n = len(rate_per_month)
    a = np.clip(window_start, 0.0, None)
    b = np.maximum(window_end, a)
    op_a, op_b = warp.forward(a), warp.forward(b)
    lam = rate_per_month / DAYS_PER_MONTH
    p_dormant = 1.0 - (1.0 - dropout_p) ** (rate_per_month * 6.0)
    dormant = pre_existing & (rng.random(n) < p_dormant)
    big_n = rng.poisson(lam * (op_b - op_a))
    first = np.zeros(n, dtype=np.int64) if first_at_start is None else first_at_start & (b > a)
    # K: index of the purchase after which the customer drops out (1, 2, ...)
    k = rng.geometric(np.clip(dropout_p, 1e-9, 1.0))
    big_n = np.where(dormant, 0, big_n)
    k_rep = k - first  # repeat purchases that can still happen
    m_rep = np.minimum(big_n, k_rep)
    m = m_rep + first
    total = int(m.sum())
    owner = np.repeat(np.arange(n, dtype=np.int64), m)
    e = rng.standard_exponential(total)
    cs = np.cumsum(e)
    ends = np.cumsum(m)
    starts = ends - m
    base = np.where(starts > 0, cs[np.maximum(starts - 1, 0)], 0.0) if total else np.zeros(n)
    group_sum = np.where(m > 0, cs[np.maximum(ends - 1, 0)] - base, 0.0) if total else np.zeros(n)
    g = rng.gamma(big_n - m_rep + 1.0)
    within = cs - base[owner]
    # with a first purchase at the start, the first exponential of the group is replaced by 0
    first_e = np.where(first > 0, e[np.minimum(starts, max(total - 1, 0))] if total else 0.0, 0.0)
    u = (within - first_e[owner]) / (group_sum - first_e + g)[owner]
    u = np.maximum(u, 0.0)
    u[starts[(first > 0) & (m > 0)]] = 0.0  # the purchase at the window start
    op_t = op_a[owner] + u * (op_b - op_a)[owner]
    day = warp.inverse(op_t)
    if churn_day is not None and total:
        to_churn = np.asarray(churn_day, dtype=np.float64)[owner] - day
        near = np.flatnonzero(to_churn < PRE_CHURN_DECLINE_DAYS)  # (NaN: no churn, never near)
        if len(near):
            gone = rng.random(len(near)) >= pre_churn_activity(to_churn[near])
            keep = np.ones(total, dtype=bool)
            keep[near[gone]] = False
            keep[starts[(first > 0) & (m > 0)]] = True  # the acquiring purchase happens
            owner, day = owner[keep], day[keep]
            m = np.bincount(owner, minlength=n)
            total = len(owner)
            ends = np.cumsum(m)
    dropped = (k_rep <= big_n) & ~dormant
    if total:
        last_day = np.where(m > 0, day[np.maximum(ends - 1, 0)], a)
    else:
        last_day = a
    inactive_day = np.where(dropped, last_day, np.nan)
    return Events(owner=owner, day=day, inactive_day=inactive_day, dormant=dormant)


@dataclass
class Lifetime:
    """The events of a block over the customers' whole time with the company (see
    :func:`lifetime_events`): ``events`` sorted by owner then time, and per event the
    relationship it belongs to (``rel``: 0 first, 1 after a win-back) and that relationship's
    bounds ``[lo, hi)`` in day offsets."""

    events: Events
    rel: np.ndarray
    lo: np.ndarray
    hi: np.ndarray


def lifetime_events(
    rng: np.random.Generator,
    warp: Warp,
    rate_per_month: np.ndarray,
    dropout_p: np.ndarray,
    start: np.ndarray,
    stop: np.ndarray,
    pre_existing: np.ndarray,
    churn_day: np.ndarray,
    back: np.ndarray,
    horizon: float,
    *,
    first_at_start: np.ndarray | None = None,
    return_purchase: bool = False,
) -> Lifetime:
    """:func:`bgnbd_events` over the first relationship ``[start, stop)`` (fading before the
    churn), then, for the customers won back at day ``back`` (NaN: not won back), over a new
    relationship from the return to the end of the horizon (starting with a purchase when
    ``return_purchase``). After a return only the new relationship decides inactivity."""
    ev = bgnbd_events(
        rng,
        warp,
        rate_per_month,
        dropout_p,
        start,
        stop,
        pre_existing,
        first_at_start=first_at_start,
        churn_day=churn_day,
    )
    rows = np.flatnonzero(~np.isnan(back))
    again = bgnbd_events(
        rng,
        warp,
        rate_per_month[rows],
        dropout_p[rows],
        back[rows],
        np.full(len(rows), horizon),
        np.zeros(len(rows), dtype=bool),
        first_at_start=np.full(len(rows), return_purchase),
    )
    # a return always follows the churn, so a stable sort by owner keeps time order
    owner = np.concatenate([ev.owner, rows[again.owner]])
    day = np.concatenate([ev.day, again.day])
    rel = np.concatenate([np.zeros(len(ev.day), np.int8), np.ones(len(again.day), np.int8)])
    order = np.argsort(owner, kind="stable")
    owner, day, rel = owner[order], day[order], rel[order]
    inactive_day = ev.inactive_day.copy()
    inactive_day[rows] = again.inactive_day
    dormant = ev.dormant.copy()
    dormant[rows] = False
    return Lifetime(
        events=Events(owner, day, inactive_day, dormant),
        rel=rel,
        lo=np.where(rel == 1, back[owner], start[owner]),
        hi=np.where(rel == 1, horizon, stop[owner]),
    )


def time_of_day(day: np.ndarray, hour_profile: np.ndarray) -> np.ndarray:
    """Give event times a realistic hour of day without changing their order.

    The fraction of each day (uniform for Poisson events) is mapped through the inverse CDF
    of ``hour_profile`` (24 relative weights). The map is monotone within a day, so times that
    were sorted stay sorted and the day itself does not change.
    """
    cdf = np.concatenate([[0.0], np.cumsum(hour_profile) / np.sum(hour_profile)])
    whole = np.floor(day)
    frac = day - whole
    # hour h with cdf[h] <= frac < cdf[h+1]: a lookup on a fine grid, then one correction
    grid = np.arange(4097) / 4096
    lut = np.clip(np.searchsorted(cdf, grid, side="right") - 1, 0, 23)
    h = lut[(frac * 4096).astype(np.int64)]
    h = h - (frac < cdf[h]) + (frac >= cdf[np.minimum(h + 1, 24)]) * (h < 23)
    h = np.clip(h, 0, 23)
    return whole + (h + (frac - cdf[h]) / (cdf[h + 1] - cdf[h])) / 24.0


def last_event_day(ev: Events, t: np.ndarray, n: int) -> np.ndarray:
    """The BG/NBD inactivity day per customer, taken from the final event times ``t``
    (``t`` aligned with ``ev.owner``): the time of the last event of customers who dropped
    out, NaN for the others."""
    out = np.full(n, np.nan)
    dropped = ~np.isnan(ev.inactive_day)
    if len(t):
        last = np.full(n, np.nan)
        ends = np.flatnonzero(np.r_[ev.owner[1:] != ev.owner[:-1], True])
        last[ev.owner[ends]] = t[ends]
        out[dropped] = np.where(np.isnan(last[dropped]), ev.inactive_day[dropped], last[dropped])
    else:
        out[dropped] = ev.inactive_day[dropped]
    return out
