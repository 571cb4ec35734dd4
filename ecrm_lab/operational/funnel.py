"""The sales funnel: leads through the six stages of the sales process.

prospecting -> initiating contact -> identifying needs -> presenting the offer -> managing
objections -> closing. :func:`simulate_funnel` draws leads from the latent customers and walks
each through the stages; :func:`funnel_metrics` measures any lead table (simulated, or the
world's ``sales_leads``) the way a sales-force-automation report does:

* **win rate** (won / closed leads), **cycle time** (days from lead to decision),
  **pipeline value** (deal value of the leads still open at the reporting date, also weighted
  by each stage's chance to win), **leakage per stage** (leads lost at each stage), the
  **objection mix** (which objections were raised, and which lost the deal);
* a funnel chart (:meth:`FunnelResult.plot`).

:meth:`FunnelResult.what_if` improves one stage and replays *the same* leads (common random
numbers), so the difference is the effect of the improvement alone; :func:`score_leads` and
:func:`lead_scoring_effect` show what scoring leads with a classifier does to the win rate and
to wins per sales hour.

Where the behaviour comes from
------------------------------
Lead volume :func:`ecrm_lab.world.behaviour.lead_rate`, stage conversion
:func:`~ecrm_lab.world.behaviour.stage_conversion_probability` and the objection mix
:func:`~ecrm_lab.world.behaviour.objection_probabilities` are the world's behaviour model;
lead sources, products, stage durations and deal values follow the world's sales source
(:mod:`ecrm_lab.world.sources.sales`: :data:`LEAD_SOURCES`, :data:`SOURCE_BY_PREF`,
:data:`STAGE_DAYS`, :data:`LEAD_PRODUCTS`), so a simulated funnel looks like the observed
``sales_leads`` / ``sales_opportunities``. Only the sales effort is defined here
(:data:`STAGE_HOURS`, :data:`TRIAGE_HOURS`). :func:`leads_from_tables` turns the world's
sales tables into the lead table :func:`funnel_metrics` measures.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from .._random import RandomState
from .._result import MetricResult, Result
from .._validation import Interval, check_columns, check_param
from ..exceptions import DataError, InvalidParameterError
from ..world import behaviour
from ..world.behaviour import OBJECTIONS, SALES_STAGES
from ..world.catalogue import CHANNELS
from ..world.products import retail_skus
from ..world.sources.sales import LEAD_SOURCES, SALES_PRODUCTS, SOURCE_BY_PREF, STAGE_DAYS
from ._common import as_rng, as_traits, safe_ratio

__all__ = [
    "SALES_STAGES",
    "OBJECTIONS",
    "LEAD_SOURCES",
    "LEAD_PRODUCTS",
    "SOURCE_BY_PREF",
    "STAGE_DAYS",
    "STAGE_HOURS",
    "TRIAGE_HOURS",
    "stage_duration_days",
    "lead_source_probabilities",
    "lead_product_probabilities",
    "deal_value",
    "FunnelResult",
    "WhatIf",
    "simulate_funnel",
    "funnel_metrics",
    "leads_from_tables",
    "score_leads",
    "LeadScoringEffect",
    "lead_scoring_effect",
]

#: where leads come from, how the source follows the preferred channel, which products are
#: sold through the sales force and the mean days per stage — the world's sales source
#: (:mod:`ecrm_lab.world.sources.sales`), so simulated funnels look like the observed one
LEAD_PRODUCTS = SALES_PRODUCTS
#: sales hours a lead needs in each stage it enters (not in the world: defined here)
STAGE_HOURS = {
    "prospecting": 0.5,
    "initiating_contact": 0.75,
    "identifying_needs": 1.5,
    "presenting_offer": 2.0,
    "managing_objections": 1.5,
    "closing": 1.0,
}
#: hours to look at a lead and decide not to work it (lead scoring)
TRIAGE_HOURS = 0.1


# -- the parts of the sales process the behaviour model does not describe -----------------
def stage_duration_days(traits: pd.DataFrame, stage: str, rng: np.random.Generator) -> np.ndarray:
    """Days a lead spends in ``stage``, as in the world's sales source: exponential with the
    stage's mean (:data:`STAGE_DAYS`) times ``0.7 + 0.6 price_sensitivity``
    (price-sensitive customers deliberate longer)."""
    if stage not in SALES_STAGES:
        raise InvalidParameterError(
            f"The 'stage' parameter of stage_duration_days must be one of {SALES_STAGES}. "
            f"Got {stage!r} instead."
        )
    slow = 0.7 + 0.6 * traits["price_sensitivity"].to_numpy(dtype=np.float64)
    return rng.exponential(STAGE_DAYS[SALES_STAGES.index(stage)] * slow)


def lead_source_probabilities(traits: pd.DataFrame) -> np.ndarray:
    """P(lead source) per customer, shape ``(n, 4)`` in the order of :data:`LEAD_SOURCES`:
    the world's :data:`SOURCE_BY_PREF` row of the customer's preferred channel."""
    domain = behaviour.domain_of(traits)
    codes = pd.Categorical(traits["channel_pref"].astype(str), categories=CHANNELS[domain]).codes
    return SOURCE_BY_PREF[codes]


def lead_product_probabilities(traits: pd.DataFrame) -> np.ndarray:
    """P(product of a lead) per customer, shape ``(n, k)`` in the order of
    :data:`LEAD_PRODUCTS` of the domain: proportional to the customer's affinity (as in the
    world's sales source)."""
    domain = behaviour.domain_of(traits)
    a = np.column_stack(
        [traits[f"affinity_{c}"].to_numpy(dtype=np.float64) for c in LEAD_PRODUCTS[domain]]
    )
    a = np.maximum(a, 1e-9)
    return a / a.sum(axis=1, keepdims=True)


def _premium_prices() -> dict[str, float]:
    skus = retail_skus()
    out = {}
    for c in LEAD_PRODUCTS["retail"]:
        sel = (skus["category"] == c) & skus["product_code"].str.endswith("P")
        out[c] = float(skus.loc[sel, "price"].max())
    return out


def deal_value(
    traits: pd.DataFrame, product_code: Any, rng: np.random.Generator | None = None
) -> np.ndarray:
    """Value of a deal, as in the world's ``sales_opportunities.deal_value``.

    Bank: the amount (loan, mortgage, investment) = :func:`~ecrm_lab.world.behaviour.
    expected_balance` of the product, times log-normal noise with mean 1 when ``rng`` is
    given. Retail: the list price of the category's dearest premium SKU, times a quantity of
    1 (2 with probability 0.15 when ``rng`` is given).
    """
    domain = behaviour.domain_of(traits)
    n = len(traits)
    codes = (
        np.full(n, product_code, dtype=object)
        if isinstance(product_code, str)
        else np.asarray(product_code, dtype=object)
    )
    out = np.zeros(n)
    if domain == "bank":
        for code in pd.unique(codes):
            sel = codes == code
            out[sel] = behaviour.expected_balance(traits[sel], code)
        if rng is not None:
            out = np.round(out * np.exp(rng.normal(-0.245, 0.7, n)), 2)
        return out
    price = _premium_prices()
    for code in pd.unique(codes):
        out[codes == code] = price[code]
    if rng is not None:
        out = out * (1 + (rng.random(n) < 0.15))
    return out


# ---------------------------------------------------------------------------------------------
# measuring a lead table
# ---------------------------------------------------------------------------------------------
_STAGE_INDEX = {s: i for i, s in enumerate(SALES_STAGES)}
LEAD_COLUMNS = (
    "lead_id",
    "customer_id",
    "source",
    "product_code",
    "created_at",
    "last_stage",
    "outcome",
    "closed_at",
    "objection",
    "value",
)


@dataclass(frozen=True, eq=False, repr=False)
class FunnelResult(MetricResult):
    """A sales funnel measured.

    Attributes
    ----------
    leads : DataFrame
        One row per lead: ``lead_id``, ``customer_id``, ``source``, ``product_code``,
        ``created_at``, ``last_stage`` (furthest stage entered), ``outcome`` (``won``,
        ``lost`` or ``open`` at the reporting date), ``closed_at``, ``objection`` (raised when
        the lead reached managing objections), ``value`` (deal value), ``hours`` (sales hours
        spent), ``cycle_days``.
    stages : DataFrame
        Per stage: ``entered``, ``advanced`` (won, for closing), ``lost``, ``open``,
        ``conversion`` (advanced / decided), ``leakage_share`` (share of all lost leads lost
        here), ``win_probability`` (P(win) of a lead in this stage), ``hours``.
    metrics : DataFrame
        ``metric``, ``value``: leads, won, lost, open, win_rate (won / decided),
        cycle_days_mean / cycle_days_median (the sales cycle: days from lead to won deal),
        won_value, pipeline_value, weighted_pipeline_value, sales_hours,
        wins_per_100_hours. ``leads["cycle_days"]`` has the days to the decision of every
        closed lead whose closing date is known.
    objections : DataFrame
        Per objection: ``raised``, ``lost`` (deals lost after it), ``share_raised``,
        ``share_of_losses``.
    by_source : DataFrame
        Leads, won and win rate per lead source.
    as_of : Timestamp
        Reporting date.
    """

    leads: pd.DataFrame
    stages: pd.DataFrame
    metrics: pd.DataFrame
    objections: pd.DataFrame
    by_source: pd.DataFrame
    as_of: pd.Timestamp
    _sim: dict = field(default_factory=dict, repr=False)
    title = "Sales funnel"

    def summary(self) -> pd.DataFrame:
        return self.metrics

    def plot(self, ax=None, **kwargs):
        from ..plotting.operational import plot_funnel

        return plot_funnel(self, ax=ax, **kwargs)

    def what_if(self, stage: str | None = None, leakage_cut: float = 0.1) -> WhatIf:
        """Replay the same leads with ``leakage_cut`` of a stage's losses won back.

        The conversion of ``stage`` becomes ``p + leakage_cut (1 - p)`` for every lead; all
        random draws stay the same (common random numbers), so the difference in wins, value
        and hours is the effect of the improvement alone. With ``stage=None`` every stage is
        tried in turn, which shows where an improvement pays most. Only for simulated
        funnels.
        """
        where = "FunnelResult.what_if"
        check_param(leakage_cut, "leakage_cut", where, float, interval=Interval(0, 1))
        if stage is not None:
            check_param(stage, "stage", where, str, choices=SALES_STAGES)
        if not self._sim:
            raise DataError(
                f"{where}: only a simulated funnel (simulate_funnel) can be replayed; this one "
                "was measured from a table."
            )
        stages = SALES_STAGES if stage is None else (stage,)
        base = _replay(self._sim, None)
        rows = []
        for s in stages:
            p = self._sim["p"].copy()
            j = _STAGE_INDEX[s]
            p[:, j] = p[:, j] + leakage_cut * (1.0 - p[:, j])
            alt = _replay(self._sim, p)
            exp_base = float(np.prod(self._sim["p"], axis=1).sum())
            exp_alt = float(np.prod(p, axis=1).sum())
            rows.append(
                {
                    "stage": s,
                    "conversion_before": float(self._sim["p"][:, j].mean()),
                    "conversion_after": float(p[:, j].mean()),
                    "wins_before": base["wins"],
                    "wins_after": alt["wins"],
                    "extra_wins": alt["wins"] - base["wins"],
                    "expected_extra_wins": exp_alt - exp_base,
                    "extra_value": alt["value"] - base["value"],
                    "extra_hours": alt["hours"] - base["hours"],
                    "wins_per_100_hours_after": 100 * safe_ratio(alt["wins"], alt["hours"]),
                }
            )
        return WhatIf(
            table=pd.DataFrame(rows),
            leakage_cut=leakage_cut,
            wins_per_100_hours_before=100 * safe_ratio(base["wins"], base["hours"]),
        )


@dataclass(frozen=True, eq=False, repr=False)
class WhatIf(Result):
    """The effect of improving one stage at a time (see :meth:`FunnelResult.what_if`)."""

    table: pd.DataFrame
    leakage_cut: float
    wins_per_100_hours_before: float
    title = "What if one stage converted better?"

    def summary(self) -> pd.DataFrame:
        return self.table

    def plot(self, ax=None, **kwargs):
        from ..plotting.operational import plot_what_if

        return plot_what_if(self, ax=ax, **kwargs)


def _replay(sim: dict, p: np.ndarray | None) -> dict[str, float]:
    """Wins, won value and hours of the simulated leads with conversion matrix ``p``."""
    p = sim["p"] if p is None else p
    passed = sim["u"] < p
    reached = _furthest(passed, sim.get("worked"))
    won = reached == len(SALES_STAGES)
    hours = _hours(reached, sim.get("worked"))
    return {
        "wins": float(won.sum()),
        "value": float(sim["value"][won].sum()),
        "hours": float(hours.sum()),
    }


def _furthest(passed: np.ndarray, worked: np.ndarray | None) -> np.ndarray:
    """Number of stages passed (6 = won) given the pass matrix; unworked leads pass none."""
    fail = ~passed
    first_fail = np.where(fail.any(axis=1), fail.argmax(axis=1), passed.shape[1])
    if worked is not None:
        first_fail = np.where(worked, first_fail, 0)
    return first_fail


_HOURS = np.array([STAGE_HOURS[s] for s in SALES_STAGES])
_CUM_HOURS = np.r_[0.0, np.cumsum(_HOURS)]


def _hours(stages_passed: np.ndarray, worked: np.ndarray | None) -> np.ndarray:
    """Sales hours: every stage entered (passed ones and the one lost at) costs its hours."""
    entered = np.minimum(stages_passed + 1, len(SALES_STAGES))
    h = _CUM_HOURS[entered]
    if worked is not None:
        h = np.where(worked, h, TRIAGE_HOURS)
    return h


def funnel_metrics(leads: pd.DataFrame, as_of: Any = None) -> FunnelResult:
    """Measure a lead table: stage counts, leakage, win rate, cycle time, pipeline, objections.

    Parameters
    ----------
    leads : DataFrame
        One row per lead with ``lead_id``, ``customer_id``, ``source``, ``product_code``,
        ``created_at``, ``last_stage`` (furthest of :data:`SALES_STAGES` entered),
        ``outcome`` (``won``, ``lost`` or ``open``), ``closed_at`` (NaT while open),
        ``objection`` (missing when none was raised) and ``value`` (missing when not known:
        counted as 0); ``hours`` is optional. :func:`leads_from_tables` builds it from the
        world's sales tables.
    as_of : date, optional
        Reporting date (default: the latest date in the table).

    Raises
    ------
    DataError
        For a missing column, an unknown stage or outcome, or a negative value.
    """
    where = "funnel_metrics"
    check_columns(leads, LEAD_COLUMNS, where)
    stage_idx = leads["last_stage"].astype(str).map(_STAGE_INDEX)
    if stage_idx.isna().any():
        bad = leads["last_stage"][stage_idx.isna()].iloc[0]
        raise DataError(f"{where}: unknown stage {bad!r} in 'last_stage'; use {SALES_STAGES}.")
    outcome = leads["outcome"].astype(str).to_numpy()
    bad = ~np.isin(outcome, ("won", "lost", "open"))
    if bad.any():
        raise DataError(
            f"{where}: column 'outcome' has {int(bad.sum())} values other than won, lost, open "
            f"(for example {outcome[bad][0]!r})."
        )
    value = leads["value"].to_numpy(dtype=np.float64)
    if (value < 0).any():
        raise DataError(f"{where}: column 'value' has {int((value < 0).sum())} negative values.")
    value = np.nan_to_num(value, nan=0.0)  # deal value not (yet) known
    if np.any((outcome == "won") & (stage_idx.to_numpy() != len(SALES_STAGES) - 1)):
        raise DataError(f"{where}: a lead can only be won at the closing stage.")
    si = stage_idx.to_numpy(dtype=np.int64)
    created = pd.to_datetime(leads["created_at"]).astype("datetime64[ns]")
    closed = pd.to_datetime(leads["closed_at"]).astype("datetime64[ns]")
    if as_of is None:
        as_of = max(created.max(), closed.max() if closed.notna().any() else created.max())
    as_of = pd.Timestamp(as_of).as_unit("ns")
    k = len(SALES_STAGES)
    won = outcome == "won"
    lost = outcome == "lost"
    is_open = outcome == "open"
    entered = np.array([(si >= j).sum() for j in range(k)], dtype=np.int64)
    lost_at = np.bincount(si[lost], minlength=k)
    open_at = np.bincount(si[is_open], minlength=k)
    advanced = np.r_[entered[1:], won.sum()]
    decided = advanced + lost_at
    # P(win | in stage j) from decided leads: product of later conversions
    conv = np.array([safe_ratio(a, d) for a, d in zip(advanced, decided, strict=True)])
    win_p = np.array([np.prod(np.nan_to_num(conv[j:], nan=0.0)) for j in range(k)])
    hours = (
        leads["hours"].to_numpy(dtype=np.float64)
        if "hours" in leads
        else _hours(np.where(won, k, si), None)
    )
    stage_hours = np.array(
        [_HOURS[j] * (si >= j).sum() if "hours" not in leads else np.nan for j in range(k)]
    )
    stages = pd.DataFrame(
        {
            "stage": list(SALES_STAGES),
            "entered": entered,
            "advanced": advanced,
            "lost": lost_at,
            "open": open_at,
            "conversion": conv,
            "leakage_share": lost_at / max(lost_at.sum(), 1),
            "win_probability": win_p,
            "hours": stage_hours,
        }
    )
    cycle = ((closed - created) / pd.Timedelta(days=1)).to_numpy(dtype=np.float64)
    n_closed = int(won.sum() + lost.sum())
    won_cycle = cycle[won & ~np.isnan(cycle)]
    pipeline = float(value[is_open].sum())
    weighted = float((value * win_p[si])[is_open].sum())
    total_hours = float(np.nansum(hours))
    metrics = pd.DataFrame(
        [
            ("leads", len(leads)),
            ("won", int(won.sum())),
            ("lost", int(lost.sum())),
            ("open", int(is_open.sum())),
            ("win_rate", safe_ratio(won.sum(), n_closed)),
            ("cycle_days_mean", float(won_cycle.mean()) if len(won_cycle) else np.nan),
            ("cycle_days_median", float(np.median(won_cycle)) if len(won_cycle) else np.nan),
            ("won_value", float(value[won].sum())),
            ("pipeline_value", pipeline),
            ("weighted_pipeline_value", weighted),
            ("sales_hours", total_hours),
            ("wins_per_100_hours", 100 * safe_ratio(won.sum(), total_hours)),
        ],
        columns=["metric", "value"],
    ).astype({"value": np.float64})
    obj = leads["objection"]
    has_obj = obj.notna().to_numpy()
    o = obj.astype(object).where(obj.notna(), None).to_numpy()
    raised = np.array([int(((o == x) & has_obj).sum()) for x in OBJECTIONS])
    lost_after = np.array(
        [
            int(((o == x) & has_obj & lost & (si >= _STAGE_INDEX["managing_objections"])).sum())
            for x in OBJECTIONS
        ]
    )
    objections = pd.DataFrame(
        {
            "objection": list(OBJECTIONS),
            "raised": raised,
            "lost": lost_after,
            "share_raised": raised / max(raised.sum(), 1),
            "share_of_losses": lost_after / max(lost_after.sum(), 1),
            "loss_rate": [safe_ratio(a, b) for a, b in zip(lost_after, raised, strict=True)],
        }
    )
    src = pd.DataFrame(
        {
            "source": leads["source"].astype(str).to_numpy(),
            "won": won,
            "closed": won | lost,
            "value": np.where(won, value, 0.0),
        }
    )
    g = src.groupby("source", sort=True)
    by_source = pd.DataFrame(
        {
            "leads": g.size(),
            "won": g["won"].sum(),
            "closed": g["closed"].sum(),
            "won_value": g["value"].sum(),
        }
    )
    by_source["win_rate"] = by_source["won"] / by_source["closed"].replace(0, np.nan)
    by_source = by_source.reset_index()
    out = leads.copy()
    out["cycle_days"] = cycle
    if "hours" not in out:
        out["hours"] = hours
    return FunnelResult(
        leads=out,
        stages=stages,
        metrics=metrics,
        objections=objections,
        by_source=by_source,
        as_of=as_of,
    )


def leads_from_tables(
    sales_leads: pd.DataFrame,
    sales_opportunities: pd.DataFrame,
    sales_stage_events: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The world's sales tables as one lead table for :func:`funnel_metrics`.

    Leads that became opportunities take their stage, outcome, closing date, objection and
    deal value from ``sales_opportunities``; the others are lost (``disqualified``) or open
    at their furthest stage (from ``sales_stage_events``, else from ``contacted_at``), with
    no closing date or deal value recorded.
    """
    where = "leads_from_tables"
    check_columns(
        sales_leads,
        [
            "lead_id",
            "customer_id",
            "product_code",
            "source",
            "created_at",
            "contacted_at",
            "status",
        ],
        where + " (leads)",
    )
    check_columns(
        sales_opportunities,
        ["lead_id", "stage", "outcome", "closed_at", "objection", "deal_value"],
        where + " (opportunities)",
    )
    leads = sales_leads.reset_index(drop=True)
    opp = sales_opportunities.set_index("lead_id")
    ids = leads["lead_id"].to_numpy()
    pos = opp.index.get_indexer(ids)
    has = pos >= 0
    if sales_stage_events is not None:
        check_columns(sales_stage_events, ["lead_id", "stage_no"], where + " (stage events)")
        furthest = (sales_stage_events.groupby("lead_id")["stage_no"].max() - 1).reindex(ids)
        stage = furthest.fillna(0).to_numpy(dtype=np.int64)
    else:
        stage = np.where(leads["contacted_at"].notna().to_numpy(), 1, 0)
    opp_stage = opp["stage"].astype(str).map(_STAGE_INDEX).to_numpy()
    stage = np.where(has, opp_stage[np.maximum(pos, 0)] if len(opp) else stage, stage)
    status = leads["status"].astype(str).to_numpy()
    opp_out = opp["outcome"].astype(str).to_numpy(dtype=object)
    outcome = np.where(
        has,
        opp_out[np.maximum(pos, 0)] if len(opp) else "open",
        np.where(status == "open", "open", "lost"),
    )
    closed = pd.Series(pd.NaT, index=leads.index, dtype="datetime64[ns]")
    value = np.full(len(leads), np.nan)
    objection = pd.Series(pd.NA, index=leads.index, dtype=object)
    if has.any():
        sel = np.flatnonzero(has)
        closed.iloc[sel] = pd.to_datetime(opp["closed_at"]).to_numpy()[pos[sel]]
        value[sel] = opp["deal_value"].to_numpy(dtype=np.float64)[pos[sel]]
        objection.iloc[sel] = opp["objection"].astype(object).to_numpy()[pos[sel]]
    return pd.DataFrame(
        {
            "lead_id": ids,
            "customer_id": leads["customer_id"].to_numpy(dtype=np.int64),
            "source": leads["source"].to_numpy(),
            "product_code": leads["product_code"].astype(str).to_numpy(),
            "created_at": pd.to_datetime(leads["created_at"]).to_numpy(),
            "last_stage": pd.Categorical.from_codes(stage, categories=SALES_STAGES),
            "outcome": pd.Categorical(outcome, categories=["won", "lost", "open"]),
            "closed_at": closed.to_numpy(),
            "objection": pd.Categorical(
                objection.where(objection.notna(), None), categories=OBJECTIONS
            ),
            "value": value,
        }
    )


# ---------------------------------------------------------------------------------------------
# simulation
# ---------------------------------------------------------------------------------------------
def simulate_funnel(
    traits: Any,
    *,
    months: int = 12,
    start: Any = "2025-01-01",
    as_of: Any = None,
    lead_multiplier: float = 1.0,
    worked: Any = None,
    random_state: RandomState = None,
) -> FunnelResult:
    """Simulate the leads of ``months`` and walk each through the six stages.

    Each customer generates ``Poisson(lead_rate x months x lead_multiplier)`` leads at
    uniform times (at most one per product, as in the world's sales source); a lead's
    source, product, stage conversions (and hence how far it gets), stage durations,
    objection and deal value are drawn from the customer's traits. A lead still in a stage
    at ``as_of`` (default: the end of the period) is *open*.

    Parameters
    ----------
    traits : World or DataFrame
    months : int
        Months of lead generation (>= 1).
    lead_multiplier : float
        Scales every customer's lead rate (> 0), e.g. for bigger sales territories.
    worked : callable, optional
        ``worked(leads) -> bool array``: which leads the sales force works (the others are
        triaged away after :data:`TRIAGE_HOURS`); see :func:`lead_scoring_effect`.
    random_state : int, Generator or None

    Returns
    -------
    FunnelResult
        Can be replayed with :meth:`FunnelResult.what_if`.
    """
    where = "simulate_funnel"
    traits = as_traits(traits, where)
    check_param(months, "months", where, int, interval=Interval(1, 240))
    check_param(
        lead_multiplier, "lead_multiplier", where, float, interval=Interval(0, None, "neither")
    )
    t0 = pd.Timestamp(start).as_unit("ns")
    t_end = t0 + pd.DateOffset(months=months)
    as_of_ts = t_end if as_of is None else pd.Timestamp(as_of).as_unit("ns")
    horizon = (t_end - t0) / pd.Timedelta(days=1)
    rng = as_rng(random_state, where)
    domain = behaviour.domain_of(traits)
    rate = behaviour.lead_rate(traits, domain) * months * lead_multiplier
    n_leads = rng.poisson(rate)
    owner = np.repeat(np.arange(len(traits)), n_leads)
    created = rng.random(len(owner)) * horizon
    prods = np.array(LEAD_PRODUCTS[domain], dtype=object)
    tr_all = traits.iloc[owner]
    prod_idx = (
        behaviour.draw_categorical(rng, lead_product_probabilities(tr_all))
        if len(owner)
        else np.zeros(0, dtype=np.int64)
    )
    # one lead per customer and product (the first), as in the world's sales source
    order = np.lexsort((created, prod_idx, owner))
    owner, created, prod_idx = owner[order], created[order], prod_idx[order]
    dup = np.r_[False, (owner[1:] == owner[:-1]) & (prod_idx[1:] == prod_idx[:-1])]
    owner, created, prod_idx = owner[~dup], created[~dup], prod_idx[~dup]
    order = np.argsort(created, kind="stable")
    owner, created, prod_idx = owner[order], created[order], prod_idx[order]
    tr = traits.iloc[owner].reset_index(drop=True)
    n = len(tr)
    product = prods[prod_idx]
    src = (
        behaviour.draw_categorical(rng, lead_source_probabilities(tr))
        if n
        else np.zeros(0, dtype=np.int64)
    )
    k = len(SALES_STAGES)
    p = np.zeros((n, k))
    for code in pd.unique(product):
        sel = product == code
        sub = tr[sel]
        for j, s in enumerate(SALES_STAGES):
            p[sel, j] = behaviour.stage_conversion_probability(sub, s, code)
    u = rng.random((n, k))
    dur = (
        np.column_stack([stage_duration_days(tr, s, rng) for s in SALES_STAGES])
        if n
        else np.zeros((0, k))
    )
    objection_idx = np.zeros(n, dtype=np.int64)
    for code in pd.unique(product):
        sel = product == code
        objection_idx[sel] = behaviour.draw_categorical(
            rng, behaviour.objection_probabilities(tr[sel], code)
        )
    value = deal_value(tr, product, rng)
    leads_frame = pd.DataFrame(
        {
            "lead_id": np.arange(1, n + 1, dtype=np.int64),
            "customer_id": tr["customer_id"].to_numpy(dtype=np.int64),
            "source": pd.Categorical.from_codes(src, categories=LEAD_SOURCES),
            "product_code": product.astype(str),
            "created_at": (t0 + pd.to_timedelta(np.floor(created * 86_400), unit="s")),
        }
    )
    work = None
    if worked is not None:
        work = np.asarray(worked(leads_frame), dtype=bool)
        if work.shape != (n,):
            raise DataError(f"{where}: worked() must return one bool per lead ({n}).")
    sim = {"p": p, "u": u, "dur": dur, "value": value, "worked": work}
    return _assemble(leads_frame, sim, objection_idx, t0, as_of_ts)


def _assemble(
    leads: pd.DataFrame, sim: dict, objection_idx: np.ndarray, t0: pd.Timestamp, as_of: pd.Timestamp
) -> FunnelResult:
    p, u, dur, work = sim["p"], sim["u"], sim["dur"], sim["worked"]
    n, k = p.shape
    passed = u < p
    n_passed = _furthest(passed, work)
    won = n_passed == k
    # time in the funnel: durations of every stage entered (passed ones and the last)
    entered = np.minimum(n_passed + 1, k)
    cum = np.cumsum(dur, axis=1)
    end_day = np.where(entered > 0, cum[np.arange(n), np.maximum(entered - 1, 0)], 0.0)
    if work is not None:
        end_day = np.where(work, end_day, 0.1)
    created_day = ((leads["created_at"] - t0) / pd.Timedelta(days=1)).to_numpy(dtype=np.float64)
    as_of_day = (as_of - t0) / pd.Timedelta(days=1)
    close_day = created_day + end_day
    is_open = close_day > as_of_day
    # the stage an open lead is in at as_of
    elapsed = as_of_day - created_day
    cur = (cum < elapsed[:, None]).sum(axis=1) if n else np.zeros(0, np.int64)
    last_stage = np.where(is_open, np.minimum(cur, n_passed), np.minimum(n_passed, k - 1))
    outcome = np.where(is_open, "open", np.where(won, "won", "lost"))
    obj_stage = _STAGE_INDEX["managing_objections"]
    has_obj = last_stage >= obj_stage
    objection = pd.Categorical.from_codes(
        np.where(has_obj, objection_idx, -1), categories=OBJECTIONS
    )
    hours_total = _hours(n_passed, work)
    # open leads have spent the hours of the stages entered so far
    hours_open = _CUM_HOURS[np.minimum(last_stage + 1, k)]
    hours = np.where(is_open, hours_open, hours_total)
    if work is not None:
        hours = np.where(work, hours, TRIAGE_HOURS)
    closed_at = pd.Series(t0 + pd.to_timedelta(np.floor(close_day * 86_400), unit="s"))
    closed_at[is_open] = pd.NaT
    out = leads.assign(
        last_stage=pd.Categorical.from_codes(last_stage, categories=SALES_STAGES),
        outcome=pd.Categorical(outcome, categories=["won", "lost", "open"]),
        closed_at=closed_at.astype("datetime64[ns]").to_numpy(),
        objection=objection,
        value=sim["value"],
        hours=hours,
    )
    if work is not None:
        out["worked"] = work
    res = funnel_metrics(out, as_of=as_of)
    return replace(res, _sim=sim)


# ---------------------------------------------------------------------------------------------
# lead scoring
# ---------------------------------------------------------------------------------------------
def score_leads(
    train: pd.DataFrame,
    new: pd.DataFrame,
    *,
    features: pd.DataFrame | None = None,
    new_features: pd.DataFrame | None = None,
    model: str = "logistic",
    random_state: RandomState = None,
) -> np.ndarray:
    """Score new leads with a classifier trained on closed leads of an earlier period.

    Parameters
    ----------
    train : DataFrame
        Earlier leads (e.g. ``FunnelResult.leads`` of last year): ``customer_id``,
        ``source``, ``product_code``, ``outcome`` (only won and lost leads are used).
    new : DataFrame
        Leads to score (``customer_id``, ``source``, ``product_code``).
    features : DataFrame, optional
        Observed customer features, one row per customer with ``customer_id`` (e.g. the
        customer 360 view), as they were when the training leads came in; joined to them.
    new_features : DataFrame, optional
        The same features as of now, joined to the new leads (default: ``features``).
        Taking both from before each period keeps the outcome of a deal out of its
        features.
    model : {'logistic', 'gradient_boosting'}

    Returns
    -------
    numpy.ndarray
        P(won) of each new lead.
    """
    from .uplift import UPLIFT_MODELS

    where = "score_leads"
    check_param(model, "model", where, str, choices=UPLIFT_MODELS)
    check_columns(train, ["customer_id", "source", "product_code", "outcome"], where + " (train)")
    check_columns(new, ["customer_id", "source", "product_code"], where + " (new)")
    closed = train[train["outcome"].astype(str).isin(["won", "lost"])]
    y = (closed["outcome"].astype(str) == "won").to_numpy()
    if y.sum() < 2 or (~y).sum() < 2:
        raise DataError(f"{where}: the training leads need at least 2 won and 2 lost leads.")

    def frame(d: pd.DataFrame, feats: pd.DataFrame | None) -> pd.DataFrame:
        X = pd.DataFrame(
            {
                "source": d["source"].astype(str).to_numpy(),
                "product_code": d["product_code"].astype(str).to_numpy(),
                "customer_id": d["customer_id"].to_numpy(dtype=np.int64),
            }
        )
        if feats is not None:
            check_columns(feats, ["customer_id"], where + " (features)")
            X = X.merge(feats, on="customer_id", how="left", validate="many_to_one")
            # flags of customers without features become missing numbers, not categories
            for c in feats.columns:
                if c != "customer_id" and pd.api.types.is_bool_dtype(feats[c]):
                    X[c] = X[c].astype("float64")
        return X.drop(columns=["customer_id"])

    from .uplift import TwoModelUplift, _feature_kinds

    Xtr = frame(closed, features)
    Xnew = frame(new, features if new_features is None else new_features)
    missing = [c for c in Xtr.columns if c not in Xnew.columns]
    if missing:
        raise DataError(f"{where}: the new features lack column {missing[0]!r}.")
    num, cat = _feature_kinds(Xtr)
    seed = int(as_rng(random_state, where).integers(0, 2**31 - 1))
    pipe = TwoModelUplift(model=model)._make(num, cat, seed).fit(Xtr, y)
    return pipe.predict_proba(Xnew[Xtr.columns])[:, 1]


@dataclass(frozen=True, eq=False, repr=False)
class LeadScoringEffect(Result):
    """Working all leads versus only the best-scored ones.

    Attributes
    ----------
    table : DataFrame
        One row per policy (``work all leads``, ``top <share> by score``, ``random <share>``,
        ``top <share> by true P(win)``): ``leads_worked``, ``wins``, ``win_rate`` (wins per
        lead worked), ``sales_hours``, ``wins_per_100_hours``, ``won_value``,
        ``value_per_hour``.
    share : float
    """

    table: pd.DataFrame
    share: float
    title = "Lead scoring: win rate per sales hour"

    def summary(self) -> pd.DataFrame:
        return self.table

    def plot(self, ax=None, **kwargs):
        from ..plotting.operational import plot_lead_scoring

        return plot_lead_scoring(self, ax=ax, **kwargs)


def lead_scoring_effect(
    funnel: FunnelResult,
    scores: Any,
    *,
    share: float = 0.5,
    random_state: RandomState = 0,
) -> LeadScoringEffect:
    """Replay a simulated funnel with the sales force working only the top ``share`` of leads.

    The same leads and random draws are replayed (common random numbers) under four
    policies: work every lead; work the top ``share`` by ``scores``; work a random
    ``share``; work the top ``share`` by the true P(win) (the oracle). Leads not worked cost
    :data:`TRIAGE_HOURS` and are lost.
    """
    where = "lead_scoring_effect"
    check_param(share, "share", where, float, interval=Interval(0, 1, "right"))
    if not funnel._sim:
        raise DataError(f"{where}: needs a simulated funnel (simulate_funnel).")
    sim = funnel._sim
    n = len(sim["value"])
    s = np.asarray(scores, dtype=np.float64)
    if len(s) != n:
        raise DataError(f"{where}: {len(s)} scores for {n} leads.")
    k = int(round(share * n))
    rng = as_rng(random_state, where)

    def top(v: np.ndarray) -> np.ndarray:
        w = np.zeros(n, dtype=bool)
        w[np.lexsort((rng.random(n), -v))[:k]] = True
        return w

    true_p = np.prod(sim["p"], axis=1)
    policies = {
        "work all leads": np.ones(n, dtype=bool),
        f"top {share:.0%} by score": top(s),
        f"random {share:.0%}": top(rng.random(n)),
        f"top {share:.0%} by true P(win)": top(true_p),
    }
    rows = []
    for name, w in policies.items():
        r = _replay({**sim, "worked": w}, None)
        rows.append(
            {
                "policy": name,
                "leads_worked": int(w.sum()),
                "wins": int(r["wins"]),
                "win_rate": safe_ratio(r["wins"], w.sum()),
                "sales_hours": r["hours"],
                "wins_per_100_hours": 100 * safe_ratio(r["wins"], r["hours"]),
                "won_value": r["value"],
                "value_per_hour": safe_ratio(r["value"], r["hours"]),
            }
        )
    return LeadScoringEffect(table=pd.DataFrame(rows), share=share)
