"""The customer as a state machine: prospect -> new -> active -> at risk -> lapsed -> won back.

Every customer of a world is put, each month, in one of :data:`STATES`:

* **prospect** — before the month of acquisition (the world's customer table knows the
  prospects who become customers inside the horizon);
* **new** — the month of acquisition;
* **active** — a customer with recent activity;
* **at_risk** — still a customer, showing warning signs;
* **lapsed** — churned, or gone quiet for long;
* **won_back** — the month a lapsed customer comes back.

:func:`observed_states` assigns them from OBSERVED data only: activity (transactions or
orders, service requests, lifecycle events), observed churn and win-back events, and
dissatisfied service surveys. :func:`true_states` assigns them from the TRUTH: the true
churn, dropout (BG/NBD inactivity) and win-back dates, and "at risk" meaning the customer
truly lapses within the next ``risk_months`` months. :func:`state_model` estimates the
monthly transition matrix from each and compares them; :func:`simulate_base` runs the
customer base forward under a :class:`Policy` (e.g. retention offers to the customers at
risk, :func:`policy_from_offer`) with a seeded generator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._random import RandomState, check_random_state
from .._result import Result
from .._validation import Interval, check_param
from ..exceptions import DataError
from ._world import (
    activity_events,
    check_world,
    horizon,
    month_index,
    month_starts,
    observed_churn,
    service_months,
)

__all__ = [
    "STATES",
    "observed_states",
    "true_states",
    "transition_counts",
    "StateModel",
    "state_model",
    "Policy",
    "policy_from_offer",
    "BaseSimulation",
    "simulate_base",
]

STATES = ("prospect", "new", "active", "at_risk", "lapsed", "won_back")
_P, _N, _A, _R, _L, _W = range(6)


def _as_frame(codes: np.ndarray, ids: np.ndarray, start: pd.Timestamp) -> pd.DataFrame:
    cols = month_starts(start, codes.shape[1])
    cats = pd.CategoricalDtype(STATES)
    data = {c: pd.Categorical.from_codes(codes[:, j], dtype=cats) for j, c in enumerate(cols)}
    out = pd.DataFrame(data, index=pd.Index(ids, name="customer_id"))
    out.columns.name = "month"
    return out


def _months_of(values, start, n_months) -> np.ndarray:
    m = month_index(values, start)
    return np.where(np.isnan(m), np.inf, m)


def observed_states(world: Any, active_months: int = 3, lapse_months: int = 6) -> pd.DataFrame:
    """Each customer's state at the end of every month, from the observed data.

    * active: some activity (a transaction / order, a service request, an adoption) in the
      last ``active_months`` months and no dissatisfied service survey (1-2) in the last
      three months;
    * at_risk: quiet for ``active_months`` months or more, or a dissatisfied survey in the
      last three months;
    * lapsed: observed churn (bank: accounts closed; retail: loyalty card cancelled) or quiet
      for ``lapse_months`` months or more;
    * won_back: an observed win-back, or activity again after a lapse.

    Customers acquired before the horizon are taken as active at its start. Returns a
    DataFrame of categorical states: rows customers (sorted ids), columns months.
    """
    where = "observed_states"
    check_world(world, where, ("customers", "lifecycle_events", "service_requests"))
    check_param(active_months, "active_months", where, int, interval=Interval(1, 24))
    check_param(lapse_months, "lapse_months", where, int, interval=Interval(2, 36))
    if lapse_months <= active_months:
        raise DataError(
            f"{where}: lapse_months ({lapse_months}) must be larger than active_months "
            f"({active_months})."
        )
    hz = horizon(world)
    M = hz.months
    cust = world["customers"].sort_values("customer_id", kind="stable")
    ids = cust["customer_id"].to_numpy(np.int64)
    n = len(ids)
    acq = month_index(cust["acquisition_date"].to_numpy(), hz.start)
    ev = activity_events(world)
    rows = np.searchsorted(ids, ev["customer_id"].to_numpy(np.int64))
    m = month_index(ev["at"].to_numpy(), hz.start)
    ok = (m >= 0) & (m < M)
    active = np.zeros((n, M), dtype=bool)
    active[rows[ok], m[ok].astype(np.int64)] = True
    churn_at, back_at = observed_churn(world)
    c = _months_of(churn_at.to_numpy("datetime64[ns]"), hz.start, M)
    b = _months_of(back_at.to_numpy("datetime64[ns]"), hz.start, M)
    _, dis = service_months(world, M, 3)
    unhappy = dis > 0
    codes = np.zeros((n, M), dtype=np.int8)
    last = np.where(acq < 0, -1.0, -np.inf)
    prev = np.full(n, -1)
    for j in range(M):
        last = np.where(active[:, j], float(j), last)
        quiet = j - last
        gone = (c <= j) & ~(b <= j)
        state = np.full(n, _A)
        state = np.where((quiet >= active_months) | unhappy[:, j], _R, state)
        state = np.where(quiet >= lapse_months, _L, state)
        back = ((prev == _L) & active[:, j]) | (b == j)
        state = np.where(back, _W, state)
        state = np.where(gone, _L, state)
        state = np.where(acq == j, _N, state)
        state = np.where(acq > j, _P, state)
        codes[:, j] = state
        prev = state
    return _as_frame(codes, ids, hz.start)


def true_states(world: Any, risk_months: int = 3) -> pd.DataFrame:
    """Each customer's TRUE state at the end of every month, from the truth tables.

    lapsed: truly churned (``true_churn.churn_date``) or dropped out (``inactive_date``,
    or inactive since before the horizon) and not won back; won_back: the month of the
    win-back; at_risk: a customer who truly lapses within the next ``risk_months`` months;
    active: every other customer.
    """
    where = "true_states"
    check_world(world, where, ("customers", "true_churn", "lifecycle_events"))
    check_param(risk_months, "risk_months", where, int, interval=Interval(1, 24))
    hz = horizon(world)
    M = hz.months
    cust = world["customers"].sort_values("customer_id", kind="stable")
    ids = cust["customer_id"].to_numpy(np.int64)
    n = len(ids)
    acq = month_index(cust["acquisition_date"].to_numpy(), hz.start)
    tc = world.truth["true_churn"].set_index("customer_id").reindex(ids)
    c = _months_of(tc["churn_date"].to_numpy("datetime64[ns]"), hz.start, M)
    i = _months_of(tc["inactive_date"].to_numpy("datetime64[ns]"), hz.start, M)
    dormant = tc["inactive"].to_numpy(dtype=bool) & np.isinf(i)
    i = np.where(dormant, -1.0, i)
    _, back_at = observed_churn(world)
    b = _months_of(back_at.to_numpy("datetime64[ns]"), hz.start, M)
    onset = np.minimum(c, i)
    months = np.arange(M)[None, :]
    lapsed = (months >= onset[:, None]) & ~(months >= b[:, None])
    codes = np.full((n, M), _A, dtype=np.int8)
    ahead = onset[:, None] - months
    codes[(ahead >= 1) & (ahead <= risk_months)] = _R
    codes[lapsed] = _L
    codes[months == b[:, None]] = _W
    codes[months == acq[:, None]] = _N
    codes[months < acq[:, None]] = _P
    return _as_frame(codes, ids, hz.start)


def transition_counts(
    states: pd.DataFrame, first: int = 0, last: int | None = None
) -> pd.DataFrame:
    """Counts of month-to-month transitions between :data:`STATES` (rows: from, columns: to),
    over the transitions from month ``first`` to month ``last`` (column positions)."""
    codes = np.column_stack([states[c].cat.codes.to_numpy() for c in states.columns])
    last = codes.shape[1] - 1 if last is None else last
    a = codes[:, first:last].ravel().astype(np.int64)
    b = codes[:, first + 1 : last + 1].ravel().astype(np.int64)
    k = len(STATES)
    counts = np.bincount(a * k + b, minlength=k * k).reshape(k, k)
    return pd.DataFrame(
        counts, index=pd.Index(STATES, name="from"), columns=pd.Index(STATES, name="to")
    )


def _normalise(counts: pd.DataFrame) -> pd.DataFrame:
    tot = counts.sum(axis=1).to_numpy(dtype=np.float64)[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(tot > 0, counts.to_numpy() / tot, np.nan)
    return pd.DataFrame(p, index=counts.index, columns=counts.columns)


@dataclass(frozen=True, repr=False, eq=False)
class StateModel(Result):
    """Monthly transition matrices of the customer states, estimated and true.

    Attributes
    ----------
    observed, truth : DataFrame
        States per customer and month (:func:`observed_states`, :func:`true_states`).
    counts, true_counts : DataFrame
        Transitions counted over the estimation window.
    matrix, true_matrix : DataFrame
        Row-normalised transition probabilities (NaN rows: state never left).
    comparison : DataFrame
        Per from-state: ``transitions`` (observed), ``true_transitions``, ``total_variation``
        (half the L1 distance between the two rows), ``stay`` and ``true_stay``.
    confusion : DataFrame
        Customer-months by observed state (rows) and true state (columns).
    state_value : Series
        Mean estimated monthly profit of the customers in each state in the last month.
    acquisitions_per_month : float
        Mean new customers per month over the horizon (the inflow of the simulation).
    lapse_churn_share : float
        Share of observed at_risk -> lapsed transitions that are churns (not just silence).
    window : tuple of int
        First and last month position of the estimation window.
    """

    observed: pd.DataFrame
    truth: pd.DataFrame
    counts: pd.DataFrame
    true_counts: pd.DataFrame
    matrix: pd.DataFrame
    true_matrix: pd.DataFrame
    comparison: pd.DataFrame
    confusion: pd.DataFrame
    state_value: pd.Series
    acquisitions_per_month: float
    lapse_churn_share: float
    window: tuple[int, int]
    title = "Customer state model (monthly transitions)"

    def occupancy(self, truth: bool = False) -> pd.DataFrame:
        """Share of the customers (prospects excluded) in each state, by month."""
        states = self.truth if truth else self.observed
        codes = np.column_stack([states[c].cat.codes.to_numpy() for c in states.columns])
        k = len(STATES)
        counts = np.stack([(codes == s).sum(axis=0) for s in range(k)], axis=1).astype(float)
        counts[:, _P] = 0.0
        share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)
        return pd.DataFrame(share, index=states.columns, columns=list(STATES)).drop(
            columns="prospect"
        )

    def summary(self) -> pd.DataFrame:
        return self.comparison

    def plot(self, ax=None, truth: bool = False, **kwargs):
        from ..plotting.lifecycle import plot_transition_matrix

        return plot_transition_matrix(self, ax=ax, truth=truth, **kwargs)


def state_model(
    world: Any,
    active_months: int = 3,
    lapse_months: int = 6,
    risk_months: int = 3,
    burn_in: int | None = None,
) -> StateModel:
    """Estimate the monthly transition matrix from the observed states and compare it with
    the one of the true states.

    Transitions are counted from month ``burn_in`` (default ``lapse_months``: before that,
    the quiet spells of customers acquired before the horizon are unknown) to ``risk_months``
    months before the end (after that, the true "at risk" label is censored), in both.
    """
    from .value import customer_profitability

    where = "state_model"
    check_world(world, where, ("customers",))
    obs = observed_states(world, active_months, lapse_months)
    tru = true_states(world, risk_months)
    M = obs.shape[1]
    first = lapse_months if burn_in is None else burn_in
    check_param(first, "burn_in", where, int, interval=Interval(0, max(M - 2, 0)))
    last = M - 1 - risk_months
    if last <= first:
        raise DataError(
            f"{where}: the world's {M} months leave no estimation window after a burn-in of "
            f"{first} months and {risk_months} months at the end; use a longer world."
        )
    counts = transition_counts(obs, first, last)
    true_counts = transition_counts(tru, first, last)
    P, T = _normalise(counts), _normalise(true_counts)
    tv = 0.5 * np.nansum(np.abs(P.to_numpy() - T.to_numpy()), axis=1)
    tv = np.where(
        np.isnan(P.to_numpy()).all(axis=1) | np.isnan(T.to_numpy()).all(axis=1), np.nan, tv
    )
    comparison = pd.DataFrame(
        {
            "transitions": counts.sum(axis=1),
            "true_transitions": true_counts.sum(axis=1),
            "total_variation": tv,
            "stay": np.diag(P.to_numpy()),
            "true_stay": np.diag(T.to_numpy()),
        },
        index=pd.Index(STATES, name="state"),
    )
    oc = np.column_stack([obs[c].cat.codes.to_numpy() for c in obs.columns])[:, first : last + 1]
    tc = np.column_stack([tru[c].cat.codes.to_numpy() for c in tru.columns])[:, first : last + 1]
    k = len(STATES)
    conf = np.bincount(oc.ravel().astype(np.int64) * k + tc.ravel(), minlength=k * k)
    confusion = pd.DataFrame(
        conf.reshape(k, k),
        index=pd.Index(STATES, name="observed"),
        columns=pd.Index(STATES, name="true"),
    )
    # value of a month in each state: the estimated monthly profit of the customers in it
    # in the last month (0 for customers who churned: they no longer yield anything)
    hz = horizon(world)
    prof = customer_profitability(world).table["monthly_profit"].reindex(obs.index)
    churn_at, _ = observed_churn(world)
    gone = ~np.isnat(churn_at.reindex(obs.index).to_numpy("datetime64[ns]"))
    prof = prof.where(~gone, 0.0)
    last_state = obs.iloc[:, -1].astype(str)
    state_value = prof.groupby(last_state.to_numpy()).mean().reindex(STATES)
    state_value = state_value.fillna(float(prof.mean()))
    state_value.name = "monthly_profit"
    cust = world["customers"]
    n_new = int(
        ((cust["acquisition_date"] >= hz.start) & (cust["acquisition_date"] < hz.end)).sum()
    )
    # which at_risk -> lapsed transitions are churns
    cm = month_index(churn_at.reindex(obs.index).to_numpy("datetime64[ns]"), hz.start)
    j = np.arange(first, last)[None, :]
    moved = (oc[:, :-1] == _R) & (oc[:, 1:] == _L)
    is_churn = moved & (cm[:, None] == j + 1)
    share = float(is_churn.sum() / moved.sum()) if moved.sum() else 0.0
    return StateModel(
        observed=obs,
        truth=tru,
        counts=counts,
        true_counts=true_counts,
        matrix=P,
        true_matrix=T,
        comparison=comparison,
        confusion=confusion,
        state_value=state_value,
        acquisitions_per_month=n_new / hz.months,
        lapse_churn_share=share,
        window=(first, last),
    )


# ---------------------------------------------------------------------------------------------
# forward simulation
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Policy:
    """An action on the customers in one state, and what it does to the transitions.

    A share ``share`` of the customers in ``state`` is contacted each month at
    ``cost_per_contact``; among them the probability of moving to ``lapsed`` falls by
    ``lapse_reduction`` (relative), the difference moving to ``active`` instead.
    """

    name: str
    state: str = "at_risk"
    share: float = 1.0
    lapse_reduction: float = 0.0
    cost_per_contact: float = 0.0

    def __post_init__(self) -> None:
        where = "Policy"
        check_param(self.name, "name", where, str)
        check_param(self.state, "state", where, str, choices=STATES[1:])
        check_param(self.share, "share", where, float, interval=Interval(0, 1))
        check_param(self.lapse_reduction, "lapse_reduction", where, float, interval=Interval(0, 1))
        check_param(
            self.cost_per_contact, "cost_per_contact", where, float, interval=Interval(0, None)
        )

    def apply(self, matrix: np.ndarray) -> np.ndarray:
        """The transition matrix under the policy."""
        P = matrix.copy()
        s = STATES.index(self.state)
        moved = P[s, _L] * self.share * self.lapse_reduction
        P[s, _L] -= moved
        P[s, _A] += moved
        return P


def policy_from_offer(
    offer: Any,
    model: StateModel,
    share: float = 1.0,
    name: str = "retention offers to customers at risk",
) -> Policy:
    """A :class:`Policy` from a measured :class:`~ecrm_lab.lifecycle.RetentionOffer`.

    The offer lowers churn by its ``relative_churn_reduction``; churn is the share
    ``model.lapse_churn_share`` of the at-risk customers who lapse (the rest just go quiet,
    which the offer does not change), so the lapse probability falls by their product. The
    cost per contact is the offer's cost per treated customer.
    """
    eff = getattr(offer, "effect", None)
    if not isinstance(eff, dict) or "relative_churn_reduction" not in eff:
        raise DataError("policy_from_offer: offer must be a RetentionOffer (retention_offer).")
    if not isinstance(model, StateModel):
        raise DataError("policy_from_offer: model must be a StateModel (state_model).")
    red = max(0.0, float(eff["relative_churn_reduction"])) * model.lapse_churn_share
    cost = float(eff["cost"]) / max(float(eff["treated"]), 1.0)
    return Policy(
        name=name,
        state="at_risk",
        share=share,
        lapse_reduction=min(red, 1.0),
        cost_per_contact=cost,
    )


@dataclass(frozen=True, repr=False, eq=False)
class BaseSimulation(Result):
    """The customer base simulated forward, without and with a policy.

    Attributes
    ----------
    counts : DataFrame
        Mean customers per state (columns) and month ahead (index) without the policy;
        ``policy_counts`` the same with it.
    value : DataFrame
        Per month ahead: ``baseline`` and ``policy`` mean value (customers times the state's
        monthly profit, minus the policy's contact cost), ``difference`` and its 5% / 95%
        quantiles over the runs (``low``, ``high``), and ``cumulative_difference``.
    policy : Policy or None
    n_runs : int
    matrix : str
        Which transition matrix was used (``'estimated'`` or ``'true'``).
    """

    counts: pd.DataFrame
    policy_counts: pd.DataFrame
    value: pd.DataFrame
    policy: Policy | None
    n_runs: int
    matrix: str
    draws: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    title = "Forward simulation of the customer base"

    def summary(self) -> pd.DataFrame:
        end = self.counts.index[-1]
        rows = {f"{s} customers (baseline)": self.counts.loc[end, s] for s in STATES[1:]}
        if self.policy is not None:
            rows.update(
                {f"{s} customers (policy)": self.policy_counts.loc[end, s] for s in STATES[1:]}
            )
            rows["cumulative value difference"] = float(
                self.value["cumulative_difference"].iloc[-1]
            )
            cum = self.draws.sum(axis=1)
            rows["cumulative difference, 5%"] = float(np.quantile(cum, 0.05))
            rows["cumulative difference, 95%"] = float(np.quantile(cum, 0.95))
        return pd.DataFrame({"value": pd.Series(rows, dtype=float)})

    def plot(self, ax=None, **kwargs):
        from ..plotting.lifecycle import plot_base_simulation

        return plot_base_simulation(self, ax=ax, **kwargs)


def _run(
    P: np.ndarray, start: np.ndarray, inflow: float, months: int, n_runs: int, seed: int
) -> np.ndarray:
    """Counts per run, month and state (n_runs, months + 1, k) of a multinomial chain with a
    Poisson inflow of new customers.

    Every (month, state) draw has its own random stream spawned from ``seed``, so two runs
    with the same seed and different matrices share their randomness wherever they can
    (common random numbers): their difference shows the change, not the noise.
    """
    k = len(STATES)
    streams = np.random.SeedSequence(seed).spawn(months * (k + 1))
    out = np.zeros((n_runs, months + 1, k))
    cur = np.broadcast_to(start.astype(np.int64), (n_runs, k)).copy()
    out[:, 0] = cur
    Pz = np.nan_to_num(P, nan=0.0)
    for s in range(k):
        if Pz[s].sum() <= 0:
            Pz[s, s] = 1.0
        Pz[s] = Pz[s] / Pz[s].sum()
    for t in range(1, months + 1):
        nxt = np.zeros_like(cur)
        for s in range(k):
            if s == _P:
                continue
            rng = np.random.default_rng(streams[(t - 1) * (k + 1) + s])
            nxt += rng.multinomial(cur[:, s], Pz[s])
        rng = np.random.default_rng(streams[(t - 1) * (k + 1) + k])
        nxt[:, _N] += rng.poisson(inflow, n_runs)
        cur = nxt
        out[:, t] = cur
    return out


def simulate_base(
    model: StateModel,
    months: int = 12,
    policy: Policy | None = None,
    n_runs: int = 200,
    matrix: str = "estimated",
    random_state: RandomState = 0,
) -> BaseSimulation:
    """Run the customer base forward month by month with the transition matrix.

    Starts from the observed state counts of the last month (prospects left out); new
    customers arrive as a Poisson stream at the observed acquisition rate; each month every
    state's customers are redistributed by a multinomial draw from its row of the matrix
    (``'estimated'`` or ``'true'``). With a ``policy`` the same random numbers are used (a
    common seed) so the difference shows the policy, not the noise.
    """
    where = "simulate_base"
    if not isinstance(model, StateModel):
        raise DataError(f"{where}: model must be a StateModel (state_model).")
    check_param(months, "months", where, int, interval=Interval(1, 600))
    check_param(n_runs, "n_runs", where, int, interval=Interval(1, 100_000))
    check_param(matrix, "matrix", where, str, choices=("estimated", "true"))
    if policy is not None and not isinstance(policy, Policy):
        raise DataError(f"{where}: policy must be a Policy or None.")
    rng = check_random_state(random_state, where)
    seed = int(rng.integers(0, 2**63 - 1))
    P = (model.matrix if matrix == "estimated" else model.true_matrix).to_numpy()
    last = model.observed.iloc[:, -1].cat.codes.to_numpy()
    start = np.bincount(last, minlength=len(STATES)).astype(np.int64)
    start[_P] = 0
    inflow = model.acquisitions_per_month
    base = _run(P, start, inflow, months, n_runs, seed)
    vals = model.state_value.reindex(STATES).to_numpy()
    v_base = (base[:, 1:] * vals).sum(axis=2)
    if policy is not None:
        pol = _run(policy.apply(P), start, inflow, months, n_runs, seed)
        s = STATES.index(policy.state)
        cost = pol[:, :-1, s] * policy.share * policy.cost_per_contact
        v_pol = (pol[:, 1:] * vals).sum(axis=2) - cost
    else:
        pol, v_pol = base, v_base
    diff = v_pol - v_base
    idx = pd.RangeIndex(0, months + 1, name="months ahead")
    value = pd.DataFrame(
        {
            "baseline": v_base.mean(axis=0),
            "policy": v_pol.mean(axis=0),
            "difference": diff.mean(axis=0),
            "low": np.quantile(diff, 0.05, axis=0),
            "high": np.quantile(diff, 0.95, axis=0),
        },
        index=pd.RangeIndex(1, months + 1, name="months ahead"),
    )
    value["cumulative_difference"] = value["difference"].cumsum()
    counts = pd.DataFrame(base.mean(axis=0), index=idx, columns=list(STATES))
    pcounts = pd.DataFrame(pol.mean(axis=0), index=idx, columns=list(STATES))
    return BaseSimulation(
        counts=counts,
        policy_counts=pcounts,
        value=value,
        policy=policy,
        n_runs=n_runs,
        matrix=matrix,
        draws=diff,
    )
