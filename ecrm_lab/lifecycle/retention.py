"""Retention: keep the customers you have — cohorts, retention curves, churn hazards by
segment and service experience, and retention offers with their incremental effect.

* :func:`cohort_table` — acquisition cohorts (month of acquisition x months since) with the
  share of each cohort still active (a purchase / transaction that month) or still a
  customer (not churned); :func:`world_cohorts` builds it from a world;
* :func:`retention_curve` — Kaplan-Meier survival of the observed churn, against the true
  churn dates and the survival the behaviour model expects;
* :func:`churn_hazards` — the monthly churn hazard by segment, value tier, channel or service
  experience (dissatisfying service requests in the three months before), each next to the
  hazard of the behaviour model (:func:`ecrm_lab.world.behaviour.churn_hazard`);
* :func:`retention_offer` — a randomised retention offer to the customers at risk: treatment
  against control, simulated with the behaviour model (a contact that solves the customer's
  problem — ``resolution_probability`` and ``satisfaction_probability`` — or an accepted
  offer — ``take_up_probability`` — means the customer no longer carries the extra hazard
  of recent dissatisfying contacts, :func:`~ecrm_lab.world.behaviour.churn_hazard`), its
  incremental effect, cost and value.

Churn is observed for every bank customer (all accounts close) but only for retail customers
with a loyalty card (they cancel it); retail hazards are therefore measured on loyalty-card
holders, and retail activity cohorts use purchases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._random import RandomState, check_random_state
from .._result import Result
from .._validation import Interval, check_columns, check_param
from ..exceptions import DataError
from ..world import behaviour
from ..world.catalogue import affinity_codes
from ._world import (
    DAYS_PER_MONTH,
    check_world,
    horizon,
    month_index,
    month_starts,
    observed_churn,
    service_months,
    traits_of,
)

__all__ = [
    "COHORT_MEASURES",
    "HAZARD_GROUPS",
    "CohortTable",
    "cohort_table",
    "world_cohorts",
    "kaplan_meier",
    "RetentionCurve",
    "retention_curve",
    "HazardTable",
    "churn_hazards",
    "OFFER_TARGETS",
    "RetentionOffer",
    "retention_offer",
]

COHORT_MEASURES = ("active", "retained")
HAZARD_GROUPS = ("segment", "value_tier", "acquisition_channel", "main_channel", "service")


# ---------------------------------------------------------------------------------------------
# cohorts
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False, eq=False)
class CohortTable(Result):
    """Acquisition cohorts by months since acquisition.

    Attributes
    ----------
    table : DataFrame
        Rows: cohort (first day of the acquisition month); columns: months since acquisition
        ``0, 1, ...``; cells: share of the cohort active / retained that month (NaN where the
        month is after the end of the data).
    sizes : Series
        Customers per cohort.
    measure : str
        ``'active'`` or ``'retained'``.
    """

    table: pd.DataFrame
    sizes: pd.Series
    measure: str
    title = "Cohort table"

    def curve(self) -> pd.Series:
        """The pooled retention curve: for each month since acquisition, the share over all
        cohorts observed that long (weighted by cohort size)."""
        shares = self.table.to_numpy()
        w = self.sizes.reindex(self.table.index).to_numpy(dtype=np.float64)[:, None]
        seen = ~np.isnan(shares)
        num = np.where(seen, shares * w, 0.0).sum(axis=0)
        den = np.where(seen, w, 0.0).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(den > 0, num / den, np.nan)
        return pd.Series(out, index=self.table.columns, name=self.measure)

    def summary(self) -> pd.DataFrame:
        c = self.curve()
        keep = [k for k in (0, 1, 3, 6, 12, 18) if k in c.index]
        out = pd.DataFrame({"share": c.loc[keep]})
        out.index.name = "months since acquisition"
        return out

    def plot(self, ax=None, **kwargs):
        from ..plotting.lifecycle import plot_cohort_table

        return plot_cohort_table(self, ax=ax, **kwargs)


def cohort_table(
    activity: pd.DataFrame,
    customer: str,
    date: str,
    *,
    acquisition: pd.Series | None = None,
    end: Any = None,
    churn: pd.Series | None = None,
    measure: str = "active",
) -> CohortTable:
    """Cohort table of any activity log.

    Parameters
    ----------
    activity : DataFrame
        One row per activity (purchase, transaction, visit): ``customer`` and ``date``.
    customer, date : str
        Column names.
    acquisition : Series, optional
        Acquisition date per customer (index: customer); default the first activity.
    end : date, optional
        End of the data (exclusive); default the day after the last activity.
    churn : Series, optional
        Churn date per customer (NaT: not churned); needed for ``measure='retained'``.
    measure : {'active', 'retained'}
        ``active``: share of the cohort with an activity in the month; ``retained``: share
        not churned by the end of the month.

    Examples
    --------
    >>> log = pd.DataFrame({"c": [1, 1, 2, 3], "d": pd.to_datetime(
    ...     ["2024-01-05", "2024-02-10", "2024-01-20", "2024-02-01"])})
    >>> cohort_table(log, "c", "d", end="2024-03-01").table.round(2).to_numpy().tolist()
    [[1.0, 0.5], [1.0, nan]]
    """
    where = "cohort_table"
    check_param(measure, "measure", where, str, choices=COHORT_MEASURES)
    check_columns(activity, [customer, date], where)
    if len(activity) == 0 and acquisition is None:
        raise DataError(f"{where}: the activity log is empty and no acquisition dates given.")
    dates = pd.to_datetime(activity[date], errors="coerce")
    if dates.isna().any():
        raise DataError(
            f"{where}: column {date!r} has {int(dates.isna().sum())} values that are not dates."
        )
    cust = activity[customer].to_numpy()
    if acquisition is None:
        acquisition = pd.Series(dates.to_numpy(), index=cust).groupby(level=0).min()
    acquisition = pd.to_datetime(acquisition)
    if measure == "retained" and churn is None:
        raise DataError(f"{where}: measure='retained' needs the churn dates (churn=...).")
    end_ts = (dates.max() + pd.Timedelta(days=1)) if end is None else pd.Timestamp(end)
    start = acquisition.min()
    ids = acquisition.index.to_numpy()
    cohort = month_index(acquisition.to_numpy(), start).astype(np.int64)
    n_months = int(month_index(np.array([end_ts - pd.Timedelta(1, "ns")]), start)[0]) + 1
    n_coh = int(cohort.max()) + 1
    last_obs = n_months - 1 - cohort  # months since acquisition still observed
    pos = pd.Index(ids).get_indexer(cust)
    if measure == "active":
        keep = (pos >= 0) & (dates.to_numpy() < end_ts.to_datetime64())
        m = month_index(dates.to_numpy()[keep], start).astype(np.int64)
        k = m - cohort[pos[keep]]
        ok = k >= 0
        flag = np.zeros((len(ids), n_months), dtype=bool)
        flag[pos[keep][ok], k[ok]] = True
    else:
        ch = pd.to_datetime(churn.reindex(ids)).to_numpy("datetime64[ns]")
        cm = month_index(ch, start)
        k_churn = np.where(np.isnan(cm), np.inf, cm - cohort)
        flag = np.arange(n_months)[None, :] < k_churn[:, None]
    counts = np.zeros((n_coh, n_months))
    np.add.at(counts, cohort, flag.astype(np.float64))
    sizes = np.bincount(cohort, minlength=n_coh).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = counts / sizes[:, None]
    observed = np.arange(n_months)[None, :] <= (n_months - 1 - np.arange(n_coh))[:, None]
    shares = np.where(observed & (sizes[:, None] > 0), shares, np.nan)
    del last_obs
    index = month_starts(start, n_coh)
    index.name = "cohort"
    table = pd.DataFrame(shares, index=index, columns=pd.RangeIndex(n_months, name="months"))
    sizes_s = pd.Series(sizes, index=index, name="customers")
    nonempty = sizes > 0
    return CohortTable(table=table[nonempty], sizes=sizes_s[nonempty], measure=measure)


def world_cohorts(world: Any, measure: str = "active") -> CohortTable:
    """Cohorts of the customers acquired inside the world's horizon.

    ``active``: a transaction (bank) or order (retail) in the month; ``retained``: not yet
    churned (observed churn events; retail: only loyalty-card cancellations are seen).
    """
    where = "world_cohorts"
    domain = check_world(world, where, ("customers",))
    check_param(measure, "measure", where, str, choices=COHORT_MEASURES)
    hz = horizon(world)
    cust = world["customers"]
    new = cust[(cust["acquisition_date"] >= hz.start) & (cust["acquisition_date"] < hz.end)]
    acq = pd.Series(new["acquisition_date"].to_numpy(), index=new["customer_id"].to_numpy())
    if domain == "bank":
        tx = world["transactions"]
        log = pd.DataFrame({"customer_id": tx["customer_id"], "at": tx["timestamp"]})
    else:
        o = world["orders"]
        log = pd.DataFrame({"customer_id": o["customer_id"], "at": o["order_date"]})
    churn_at, _ = observed_churn(world)
    return cohort_table(
        log, "customer_id", "at", acquisition=acq, end=hz.end, churn=churn_at, measure=measure
    )


# ---------------------------------------------------------------------------------------------
# retention curves
# ---------------------------------------------------------------------------------------------
def kaplan_meier(durations, events, grid) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Kaplan-Meier survival at the times of ``grid``.

    Returns ``(survival, at_risk, events_before)``: the survival just after each grid time,
    the customers still at risk at it and the events up to it.

    >>> s, _, _ = kaplan_meier([1, 2, 2, 3], [1, 1, 0, 1], [0, 1, 2, 3])
    >>> s.round(4).tolist()
    [1.0, 0.75, 0.5, 0.0]
    """
    d = np.asarray(durations, dtype=np.float64)
    e = np.asarray(events, dtype=bool)
    g = np.asarray(grid, dtype=np.float64)
    times, inv = np.unique(d, return_inverse=True)
    n_ev = np.bincount(inv, weights=e.astype(np.float64), minlength=len(times))
    n_at = len(d) - np.r_[0.0, np.cumsum(np.bincount(inv, minlength=len(times)))[:-1]]
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(n_at > 0, 1.0 - n_ev / n_at, 1.0)
    surv = np.cumprod(factor)
    idx = np.searchsorted(times, g, side="right") - 1
    s = np.where(idx >= 0, surv[np.maximum(idx, 0)], 1.0)
    at_risk = (d[None, :] >= g[:, None]).sum(axis=1).astype(np.float64)
    ev = np.where(idx >= 0, np.cumsum(n_ev)[np.maximum(idx, 0)], 0.0)
    return s, at_risk, ev


@dataclass(frozen=True, repr=False, eq=False)
class RetentionCurve(Result):
    """Share of customers still customers, by months since observation began.

    Attributes
    ----------
    table : DataFrame
        Index ``month``; ``at_risk``, ``churned`` (cumulative), ``observed`` (Kaplan-Meier of
        the observed churn), ``true`` (Kaplan-Meier of the true churn dates) and
        ``expected`` (mean survival the behaviour model expects from the churn hazards).
    population : str
        Who the curve is about.
    """

    table: pd.DataFrame
    population: str
    title = "Retention curve"

    def summary(self) -> pd.DataFrame:
        keep = [m for m in (3, 6, 12, 18, 24) if m in self.table.index]
        return self.table.loc[keep, ["at_risk", "observed", "true", "expected"]]

    def plot(self, ax=None, **kwargs):
        from ..plotting.lifecycle import plot_retention_curve

        return plot_retention_curve(self, ax=ax, **kwargs)


def _churn_population(world: Any, domain: str) -> np.ndarray:
    cust = world["customers"].sort_values("customer_id", kind="stable")
    if domain == "retail":
        return cust["loyalty_member"].to_numpy(dtype=bool)
    return np.ones(len(cust), dtype=bool)


def retention_curve(world: Any) -> RetentionCurve:
    """Kaplan-Meier retention of the world's customers from the start of observation
    (acquisition, or the start of the horizon), censored at the end of the horizon.

    Bank: every customer; retail: loyalty-card holders (the only ones whose churn is seen).
    """
    where = "retention_curve"
    domain = check_world(world, where, ("customers", "lifecycle_events"))
    hz = horizon(world)
    cust = world["customers"].sort_values("customer_id", kind="stable")
    pop = _churn_population(world, domain)
    t0 = np.maximum(cust["acquisition_date"].to_numpy("datetime64[ns]"), hz.start.to_datetime64())
    end = hz.end.to_datetime64()
    churn_at, _ = observed_churn(world)
    traits = traits_of(world, where)

    def durations(churn: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ev = ~np.isnat(churn) & (churn < end)
        stop = np.where(ev, churn, end)
        return np.maximum((stop - t0) / np.timedelta64(1, "D"), 0.0) / DAYS_PER_MONTH, ev

    d_obs, e_obs = durations(churn_at.to_numpy("datetime64[ns]"))
    tc = world.truth["true_churn"].set_index("customer_id").reindex(cust["customer_id"])
    d_true, e_true = durations(tc["churn_date"].to_numpy("datetime64[ns]"))
    grid = np.arange(hz.months + 1, dtype=np.float64)
    s_obs, risk, ev = kaplan_meier(d_obs[pop], e_obs[pop], grid)
    s_true, _, _ = kaplan_meier(d_true[pop], e_true[pop], grid)
    # expected: each customer's survival under the behaviour model, over the months observed
    h = traits["churn_hazard"].to_numpy()[pop]
    window = (end - t0[pop]) / np.timedelta64(1, "D") / DAYS_PER_MONTH
    surv = (1.0 - h[:, None]) ** grid[None, :]
    seen = window[:, None] >= grid[None, :]
    # the expected curve uses, at each month, the customers observed that long
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = np.where(
            seen.sum(axis=0) > 0, (surv * seen).sum(axis=0) / seen.sum(axis=0), np.nan
        )
    table = pd.DataFrame(
        {"at_risk": risk, "churned": ev, "observed": s_obs, "true": s_true, "expected": expected},
        index=pd.Index(grid.astype(int), name="month"),
    )
    population = "all customers" if domain == "bank" else "loyalty-card holders"
    return RetentionCurve(table=table, population=population)


# ---------------------------------------------------------------------------------------------
# churn hazards
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False, eq=False)
class HazardTable(Result):
    """Monthly churn hazard by group, estimated and true.

    Attributes
    ----------
    table : DataFrame
        One row per group: ``customer_months`` at risk, ``churns``, ``hazard`` (churns per
        customer-month), ``hazard_low`` / ``hazard_high`` (95% Wilson interval),
        ``true_hazard`` (mean hazard of the behaviour model over the same customer-months)
        and ``relative_risk`` (hazard over the overall hazard).
    by : str
        The grouping.
    truth_grouping : bool
        Whether the groups themselves come from the truth (true segments / value tiers).
    """

    table: pd.DataFrame
    by: str
    truth_grouping: bool
    title = "Monthly churn hazard"

    def summary(self) -> pd.DataFrame:
        return self.table

    def plot(self, ax=None, **kwargs):
        from ..plotting.lifecycle import plot_churn_hazards

        return plot_churn_hazards(self, ax=ax, **kwargs)


def _risk_panel(world: Any) -> tuple[np.ndarray, np.ndarray, int]:
    """``at_risk`` and ``event`` arrays (customers x months): a customer is at risk in every
    month from acquisition (or the start) to the month of the observed churn."""
    hz = horizon(world)
    cust = world["customers"].sort_values("customer_id", kind="stable")
    a = np.maximum(month_index(cust["acquisition_date"].to_numpy(), hz.start), 0.0)
    churn_at, _ = observed_churn(world)
    c = month_index(churn_at.to_numpy("datetime64[ns]"), hz.start)
    c = np.where(np.isnan(c) | (c >= hz.months), np.inf, c)
    months = np.arange(hz.months)[None, :]
    at_risk = (months >= a[:, None]) & (months <= c[:, None])
    event = months == c[:, None]
    return at_risk, event, hz.months


def churn_hazards(world: Any, by: str = "segment", window_months: int = 3) -> HazardTable:
    """Monthly churn hazard (churns per customer-month at risk) by group.

    ``by``:

    * ``'segment'``, ``'value_tier'`` — the TRUE segment / value tier (truth), to see how the
      hazard differs between the kinds of customers the world holds;
    * ``'acquisition_channel'`` — observed;
    * ``'main_channel'`` — the channel the data reveal (:func:`~ecrm_lab.lifecycle.
      customer_profitability`);
    * ``'service'`` — service experience in the ``window_months`` months BEFORE the month:
      no request, requests without a dissatisfied survey, 1, or 2+ dissatisfying requests
      (survey satisfaction 1-2). Its ``true_hazard`` applies
      :func:`ecrm_lab.world.behaviour.churn_hazard` to the true number of dissatisfying
      contacts of each customer-month.

    Bank: all customers; retail: loyalty-card holders.
    """
    where = "churn_hazards"
    domain = check_world(world, where, ("customers", "lifecycle_events", "service_requests"))
    check_param(by, "by", where, str, choices=HAZARD_GROUPS)
    check_param(window_months, "window_months", where, int, interval=Interval(1, 24))
    at_risk, event, n_months = _risk_panel(world)
    pop = _churn_population(world, domain)
    at_risk &= pop[:, None]
    event &= at_risk
    traits = traits_of(world, where)
    base_h = traits["churn_hazard"].to_numpy()
    if by == "service":
        req, dis = service_months(world, n_months, window_months)
        _, dis_true = service_months(world, n_months, window_months, truth=True)
        shift = lambda a: np.concatenate([np.zeros((a.shape[0], 1)), a[:, :-1]], axis=1)  # noqa: E731
        req, dis, dis_true = shift(req), shift(dis), shift(dis_true)
        labels = np.array(
            ["no request", "requests, none dissatisfied", "1 dissatisfied", "2+ dissatisfied"],
            dtype=object,
        )
        code = np.where(req == 0, 0, np.where(dis == 0, 1, np.where(dis == 1, 2, 3)))
        hazard_rows = pd.DataFrame({"churn_hazard": np.repeat(base_h, n_months)})
        true_h = behaviour.churn_hazard(hazard_rows, dis_true.ravel()).reshape(at_risk.shape)
        truth_grouping = False
    else:
        if by in ("segment", "value_tier"):
            g = traits[by].astype(str).to_numpy(dtype=object)
            truth_grouping = True
        elif by == "acquisition_channel":
            g = (
                world["customers"]
                .sort_values("customer_id", kind="stable")["acquisition_channel"]
                .astype(str)
                .to_numpy(dtype=object)
            )
            truth_grouping = False
        else:
            from .value import customer_profitability

            g = (
                customer_profitability(world)
                .table["main_channel"]
                .astype(str)
                .to_numpy(dtype=object)
            )
            truth_grouping = False
        codes_1d, uniq = pd.factorize(g, sort=True)
        labels = np.asarray(uniq, dtype=object)
        code = np.broadcast_to(codes_1d[:, None], at_risk.shape)
        true_h = np.broadcast_to(base_h[:, None], at_risk.shape)
    sel = at_risk.ravel()
    frame = pd.DataFrame(
        {
            "group": np.asarray(code).ravel()[sel],
            "event": event.ravel()[sel].astype(np.float64),
            "true": np.asarray(true_h).ravel()[sel],
        }
    )
    agg = frame.groupby("group", sort=True).agg(
        customer_months=("event", "size"), churns=("event", "sum"), true_hazard=("true", "mean")
    )
    agg.index = pd.Index(labels[agg.index.to_numpy()])
    from ..operational import wilson_interval

    agg["hazard"] = agg["churns"] / agg["customer_months"]
    lo, hi = wilson_interval(agg["churns"].to_numpy(), agg["customer_months"].to_numpy())
    agg["hazard_low"], agg["hazard_high"] = lo, hi
    overall = frame["event"].mean()
    agg["relative_risk"] = agg["hazard"] / overall if overall > 0 else np.nan
    agg.index.name = by
    cols = [
        "customer_months",
        "churns",
        "hazard",
        "hazard_low",
        "hazard_high",
        "true_hazard",
        "relative_risk",
    ]
    return HazardTable(table=agg[cols], by=by, truth_grouping=truth_grouping)


# ---------------------------------------------------------------------------------------------
# retention offers
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False, eq=False)
class RetentionOffer(Result):
    """A randomised retention offer to the customers at risk, simulated with the behaviour
    model.

    Attributes
    ----------
    table : DataFrame
        Index ``treatment`` / ``control``: ``customers``, ``recovered`` (treatment: the
        contact solved the customer's problem or the offer was accepted), ``accepted``,
        ``churned`` (simulated, in the window), ``churn_rate``, ``expected_churn_rate``
        (behaviour model, no simulation noise), ``customer_months`` (simulated months as a
        customer in the window) and ``profit`` (estimated monthly profit times those months).
    effect : dict
        ``incremental_retention`` as an experiment would see it (control churn rate minus
        treatment churn rate) with its 95% Newcombe interval ``low`` / ``high``;
        ``expected_incremental_retention`` and ``relative_churn_reduction`` (1 - expected
        treated / control churn) from the behaviour model; ``cost`` (contacts and discounts);
        ``expected_incremental_profit`` (expected extra months as a customer times the
        estimated monthly profit, treatment group), ``net`` and ``roi`` on it.
    customers : DataFrame
        One row per customer of the trial: ``group``, ``recovered``, ``accepted``,
        ``churned``, ``months``, ``monthly_profit``, ``dissatisfied`` (true recent
        dissatisfying contacts), ``p_recover``, ``expected_extra_months`` (if treated).
    at : Timestamp
    months : int
    """

    table: pd.DataFrame
    effect: dict
    customers: pd.DataFrame
    at: pd.Timestamp
    months: int
    title = "Retention offer: treatment against control"

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame({"value": pd.Series(self.effect, dtype=float)})

    def plot(self, ax=None, **kwargs):
        from ..plotting.lifecycle import plot_retention_offer

        return plot_retention_offer(self, ax=ax, **kwargs)


def _offer_take_up(traits: pd.DataFrame, domain: str, channel: str, discount: float):
    """P(accepting the offer): bank a fee waiver on the current account; retail a discount
    on the customer's strongest category."""
    if domain == "bank":
        return behaviour.take_up_probability(traits, "current_account", True, channel, discount)
    codes = affinity_codes("retail")
    aff = traits[[f"affinity_{c}" for c in codes]].to_numpy()
    best = np.argmax(aff, axis=1)
    p = np.column_stack(
        [behaviour.take_up_probability(traits, c, True, channel, discount) for c in codes]
    )
    return p[np.arange(len(traits)), best]


#: service channel through which a retention contact can solve a problem
_RECOVERY_CHANNEL = {"phone": "phone", "email": "email"}
OFFER_TARGETS = ("at_risk", "dissatisfied", "active", "lapsed")


def _expected_months(h_recent: np.ndarray, h_later: np.ndarray, months: int) -> np.ndarray:
    """Expected full months as a customer in a window of ``months`` months when the monthly
    hazard is ``h_recent`` for the first three months and ``h_later`` after."""
    t = np.arange(1, months + 1)
    k = np.minimum(t, 3)
    surv = (1.0 - h_recent[:, None]) ** k[None, :] * (1.0 - h_later[:, None]) ** (t - k)[None, :]
    return surv.sum(axis=1)


def retention_offer(
    world: Any,
    at: Any = None,
    *,
    targets: str = "at_risk",
    channel: str = "phone",
    discount: float = 0.2,
    discount_months: int = 3,
    months: int = 6,
    treatment_share: float = 0.5,
    only_profitable: bool = False,
    random_state: RandomState = 0,
) -> RetentionOffer:
    """Contact the customers at risk at ``at`` with a retention offer and measure its
    incremental effect against a random control group, by simulation with the behaviour
    model.

    Who (observed data only): ``targets`` — ``'at_risk'``, ``'active'`` or ``'lapsed'``:
    the customers in that state at the month of ``at`` (:func:`~ecrm_lab.lifecycle.
    observed_states`: at risk = quiet, or a recent dissatisfied survey); ``'dissatisfied'``:
    customers (not churned) with a dissatisfied survey (1-2) in the 90 days before ``at``.
    Only customers with consent for ``channel`` (and, with ``only_profitable``, an estimated
    monthly profit > 0). They are split at random into treatment (``treatment_share``) and
    control.

    What happens (behaviour model, :mod:`ecrm_lab.world.behaviour`): each customer churns
    each month with ``churn_hazard`` given the TRUE dissatisfying contacts of the last 90
    days, for the first three months (while they count as recent), then with the base
    hazard. A treated customer is *recovered* — the recent dissatisfaction no longer counts
    — when the contact solves the problem (phone / e-mail: ``resolution_probability`` of
    that service channel times ``satisfaction_probability`` of a resolved request) or when
    the customer accepts the offer (``take_up_probability``: bank a fee waiver on the
    current account, retail a ``discount`` on the strongest category). Churn over the
    ``months`` months after ``at`` is drawn with a seeded generator (what an experiment
    would see) and also computed exactly (what to expect).

    Value: the estimated monthly profit (:func:`~ecrm_lab.lifecycle.customer_profitability`)
    for every month a customer stays; cost: the contact (``contact_cost``) and, for those who
    accept, ``discount`` of their monthly revenue for ``discount_months`` months.
    """
    from ..operational import newcombe_interval
    from .states import observed_states
    from .value import customer_profitability

    where = "retention_offer"
    domain = check_world(world, where, ("customers", "service_requests", "service_truth"))
    check_param(targets, "targets", where, str, choices=OFFER_TARGETS)
    check_param(channel, "channel", where, str, choices=("email", "sms", "post", "phone"))
    check_param(discount, "discount", where, float, interval=Interval(0, 1, "right"))
    check_param(discount_months, "discount_months", where, int, interval=Interval(0, 60))
    check_param(months, "months", where, int, interval=Interval(1, 60))
    check_param(
        treatment_share, "treatment_share", where, float, interval=Interval(0, 1, "neither")
    )
    check_param(only_profitable, "only_profitable", where, bool)
    rng = check_random_state(random_state, where)
    hz = horizon(world)
    at = (hz.end - pd.DateOffset(months=months)) if at is None else pd.Timestamp(at)
    if not hz.start < at <= hz.end:
        raise DataError(
            f"{where}: 'at' = {at.date()} is outside the horizon ({hz.start.date()}, "
            f"{hz.end.date()}]."
        )
    m_at = int(month_index(np.array([at - pd.Timedelta(days=1)]), hz.start)[0])
    states = observed_states(world)
    ids = states.index.to_numpy()
    state_now = states.iloc[:, m_at].astype(str).to_numpy()
    sr = world["service_requests"]
    recent = ((sr["opened_at"] < at) & (sr["opened_at"] >= at - pd.Timedelta(days=90))).to_numpy()
    if targets == "dissatisfied":
        sat = sr["satisfaction"].to_numpy(dtype=np.float64)
        unhappy_ids = sr.loc[recent & (np.nan_to_num(sat, nan=5.0) <= 2.0), "customer_id"]
        in_target = np.isin(ids, unhappy_ids.to_numpy()) & ~np.isin(state_now, ("prospect",))
        churn_at, _ = observed_churn(world)
        gone = churn_at.reindex(ids).to_numpy("datetime64[ns]")
        in_target &= np.isnat(gone) | (gone >= at.to_datetime64())
    else:
        in_target = state_now == targets
    cust = world["customers"].set_index("customer_id").reindex(ids)
    eligible = in_target & cust[f"consent_{channel}"].to_numpy(dtype=bool)
    prof = customer_profitability(world, at=at)
    monthly_profit = prof.table["monthly_profit"].reindex(ids).to_numpy()
    months_active = prof.table["months_active"].reindex(ids).to_numpy()
    monthly_revenue = np.where(
        months_active > 0,
        prof.table["revenue"].reindex(ids).to_numpy() / np.maximum(months_active, 1e-9),
        0.0,
    )
    if only_profitable:
        eligible &= monthly_profit > 0
    sel = np.flatnonzero(eligible)
    if len(sel) < 2:
        raise DataError(
            f"{where}: only {len(sel)} eligible customers ({targets!r}, consent for "
            f"{channel!r}) at {at.date()}; choose another date, target or channel."
        )
    traits = traits_of(world, where).set_index("customer_id").reindex(ids[sel]).reset_index()
    # the TRUE dissatisfying contacts of the 90 days before `at`
    st = world.truth["service_truth"].set_index("request_id")["satisfied"]
    bad = ~st.reindex(sr.loc[recent, "request_id"].to_numpy()).to_numpy(dtype=bool)
    d = (
        pd.Series(bad.astype(np.float64), index=sr.loc[recent, "customer_id"].to_numpy())
        .groupby(level=0)
        .sum()
        .reindex(ids[sel], fill_value=0.0)
        .to_numpy()
    )

    n = len(sel)
    treat = np.zeros(n, dtype=bool)
    n_t = min(max(int(round(treatment_share * n)), 1), n - 1)
    treat[rng.permutation(n)[:n_t]] = True
    p_accept = _offer_take_up(traits, domain, channel, discount)
    if channel in _RECOVERY_CHANNEL:
        service_channel = _RECOVERY_CHANNEL[channel]
        p_solve = behaviour.resolution_probability(traits, service_channel) * (
            behaviour.satisfaction_probability(traits, np.ones(n, dtype=bool))
        )
    else:
        p_solve = np.zeros(n)
    p_recover = 1.0 - (1.0 - p_solve) * (1.0 - p_accept)
    u = rng.random((n, 2))
    accepted = treat & (u[:, 0] < p_accept)
    recovered = treat & (accepted | (u[:, 1] < p_solve))
    h_bad = behaviour.churn_hazard(traits, d)
    h_base = behaviour.churn_hazard(traits, 0.0)
    recent_months = np.arange(months) < 3
    h = np.where(recent_months[None, :] & ~recovered[:, None], h_bad[:, None], h_base[:, None])
    draw = rng.random((n, months))
    churn_month = np.where((draw < h).any(axis=1), np.argmax(draw < h, axis=1), months)
    churned = churn_month < months
    stay = churn_month.astype(np.float64)  # full months as a customer in the window
    profit = stay * monthly_profit[sel]
    # expected months and churn (no simulation noise)
    m_c = _expected_months(h_bad, h_base, months)
    m_r = _expected_months(h_base, h_base, months)
    extra = p_recover * (m_r - m_c)
    k = min(3, months)
    churn_c = 1.0 - (1.0 - h_bad) ** k * (1.0 - h_base) ** (months - k)
    churn_r = 1.0 - (1.0 - h_base) ** months
    churn_t = p_recover * churn_r + (1.0 - p_recover) * churn_c
    contact = float(behaviour.contact_cost(channel)[0])
    disc_cost = discount * monthly_revenue[sel] * discount_months
    cost = contact * n_t + float((disc_cost * p_accept)[treat].sum())
    rows = {}
    for name, g in (("treatment", treat), ("control", ~treat)):
        rows[name] = {
            "customers": int(g.sum()),
            "recovered": int(recovered[g].sum()),
            "accepted": int(accepted[g].sum()),
            "churned": int(churned[g].sum()),
            "churn_rate": float(churned[g].mean()),
            "expected_churn_rate": float((churn_t if name == "treatment" else churn_c)[g].mean()),
            "customer_months": float(stay[g].sum()),
            "profit": float(profit[g].sum()),
        }
    table = pd.DataFrame(rows).T
    k_t, k_c = rows["treatment"]["churned"], rows["control"]["churned"]
    lo, hi = newcombe_interval(n_t - k_t, n_t, (n - n_t) - k_c, n - n_t)
    exp_profit = float((extra * monthly_profit[sel])[treat].sum())
    effect = {
        "customers in target": float(in_target.sum()),
        "eligible": float(n),
        "treated": float(n_t),
        "recovered": float(recovered.sum()),
        "incremental_retention": rows["control"]["churn_rate"] - rows["treatment"]["churn_rate"],
        "low": lo,
        "high": hi,
        "expected_incremental_retention": float((churn_c - churn_t)[treat].mean()),
        "relative_churn_reduction": float(1.0 - churn_t.mean() / churn_c.mean())
        if churn_c.mean() > 0
        else 0.0,
        "cost": cost,
        "expected_incremental_profit": exp_profit,
        "net": exp_profit - cost,
        "roi": (exp_profit - cost) / cost if cost > 0 else float("nan"),
    }
    customers = pd.DataFrame(
        {
            "group": np.where(treat, "treatment", "control"),
            "recovered": recovered,
            "accepted": accepted,
            "churned": churned,
            "months": stay,
            "monthly_profit": monthly_profit[sel],
            "dissatisfied": d,
            "p_recover": p_recover,
            "expected_extra_months": extra,
        },
        index=pd.Index(ids[sel], name="customer_id"),
    )
    return RetentionOffer(table=table, effect=effect, customers=customers, at=at, months=months)
