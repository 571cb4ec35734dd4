"""Customer-centric value: profitability, ROI of interactions, lifetime value and what it
changes in a campaign decision.

The course insists on three customer metrics instead of channel metrics:

* **customer profitability** (:func:`customer_profitability`) — revenue minus the cost to
  serve, where service contacts, the channels a customer uses and campaign contacts carry
  costs. At a typical bank most customers are unprofitable;
* **return on investment of customer interactions** (:func:`interaction_roi`) — every
  campaign of the world measured against its control group (with
  :func:`ecrm_lab.operational.evaluate_campaign`), next to its true return;
* **customer lifetime value** (:func:`clv_comparison`) — by the retention formula on each
  customer's margin and by BG/NBD + Gamma-Gamma on the transaction log, compared with the
  true value of the world.

:func:`value_targeting` shows what lifetime value changes in the campaign decision: contact
the customers with the best response score, or those whose take-up is worth most.

Everything is ESTIMATED from the observed tables of a world; the truth (``customer_value``,
``customer_traits``, ``campaign_uplift``) is only read to score the estimates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._random import RandomState, check_random_state
from .._result import Result
from .._validation import Interval, check_param
from ..exceptions import DataError
from ..world import behaviour
from ..world.catalogue import BANK_PRODUCTS, CHANNELS, affinity_codes
from ._world import (
    DAYS_PER_MONTH,
    check_world,
    horizon,
    observed_churn,
    traits_of,
)
from .clv import retention_clv

__all__ = [
    "SERVICE_TO_CHANNEL",
    "service_cost_per_request",
    "Profitability",
    "customer_profitability",
    "InteractionROI",
    "interaction_roi",
    "observed_churn_rate",
    "retention_values",
    "take_up_value",
    "CLVComparison",
    "clv_comparison",
    "ValueTargeting",
    "value_targeting",
]

#: which preferred channel a service request's channel reveals
SERVICE_TO_CHANNEL = {
    "web_self_service": "web",
    "chat": "web",
    "email": "email",
    "phone": "phone",
    "branch": "branch",
    "store": "store",
}


def _monthly_discount() -> float:
    return (1.0 + behaviour.ANNUAL_DISCOUNT) ** (1.0 / 12.0) - 1.0


def service_cost_per_request(domain: str) -> float:
    """Cost of one service request, from the world's own cost model.

    The behaviour model charges ``DISTRESS_COST`` per month per unit of service distress and
    lets the request rate grow with distress (:func:`~ecrm_lab.world.behaviour.
    service_request_rate`); one extra request therefore costs ``DISTRESS_COST / (d rate /
    d distress)``: 24 for the bank, about 6.7 for the retailer.

    >>> service_cost_per_request("bank")
    24.0
    """
    check_param(domain, "domain", "service_cost_per_request", str, choices=("bank", "retail"))
    probe = pd.DataFrame({"service_distress": [0.0, 1.0], "purchase_rate": [1.0, 1.0]})
    rate = behaviour.service_request_rate(probe, domain)
    return float(behaviour.DISTRESS_COST[domain] / (rate[1] - rate[0]))


# ---------------------------------------------------------------------------------------------
# customer profitability
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False, eq=False)
class Profitability(Result):
    """Customer profitability estimated from the observed tables.

    Attributes
    ----------
    table : DataFrame
        One row per customer (index ``customer_id``): ``months_active``, ``revenue``,
        ``product_cost`` (running cost of holdings, bank), ``base_cost``, ``channel_cost``,
        ``service_cost``, ``contact_cost``, ``cost``, ``profit``, ``monthly_profit``
        (profit per month as a customer, at least one month), ``profitable``,
        ``main_channel`` (the channel the data reveal, ``unknown`` when none),
        ``n_requests``.
    truth : DataFrame
        The world's realised ``customer_value`` (``true_revenue``, ``true_cost``,
        ``true_profit``) and the expected ``true_monthly_profit`` of the traits, same index.
    domain : str
    at : Timestamp
        Value up to this date.
    """

    table: pd.DataFrame
    truth: pd.DataFrame
    domain: str
    at: pd.Timestamp

    title = "Customer profitability (revenue minus cost to serve)"

    @property
    def share_unprofitable(self) -> float:
        """Share of customers whose estimated profit is <= 0."""
        return float((self.table["profit"] <= 0).mean())

    def summary(self) -> pd.DataFrame:
        t, tr = self.table, self.truth
        profit = t["profit"].to_numpy()
        order = np.sort(profit)[::-1]
        n20 = max(1, int(np.ceil(0.2 * len(order))))
        rows = {
            "customers": len(t),
            "revenue": float(t["revenue"].sum()),
            "cost to serve": float(t["cost"].sum()),
            "profit": float(profit.sum()),
            "share unprofitable (estimated)": self.share_unprofitable,
            "share unprofitable (true, realised)": float((tr["true_profit"] <= 0).mean()),
            "share unprofitable (true, expected monthly)": float(
                (tr["true_monthly_profit"] <= 0).mean()
            ),
            "profit of the top 20% customers": float(order[:n20].sum()),
            "peak of the whale curve (share of total profit)": float(
                np.max(np.cumsum(order)) / profit.sum()
            )
            if profit.sum() > 0
            else float("nan"),
            "corr(estimated, true profit)": float(np.corrcoef(profit, tr["true_profit"])[0, 1]),
        }
        return pd.DataFrame({"value": pd.Series(rows, dtype=float)})

    def by(self, column: str) -> pd.DataFrame:
        """Customers, mean profit and share unprofitable by a column of :attr:`table`."""
        if column not in self.table.columns:
            raise DataError(
                f"Profitability.by: no column {column!r}; columns: {list(self.table.columns)}."
            )
        g = self.table.groupby(column, observed=True)
        return pd.DataFrame(
            {
                "customers": g.size(),
                "mean_monthly_profit": g["monthly_profit"].mean(),
                "share_unprofitable": g["profitable"].apply(lambda s: 1.0 - s.mean()),
                "total_profit": g["profit"].sum(),
            }
        )

    def plot(self, ax=None, kind: str = "whale", **kwargs):
        from ..plotting.lifecycle import plot_profit_distribution, plot_whale_curve

        if kind == "whale":
            return plot_whale_curve(self, ax=ax, **kwargs)
        return plot_profit_distribution(self, ax=ax, **kwargs)


def _main_channel(world: Any, domain: str, ids: np.ndarray, at: pd.Timestamp) -> np.ndarray:
    """The preferred channel the data reveal: the most used service channel (bank) or order
    channel (retail); ``'unknown'`` when the customer left no trace."""
    if domain == "bank":
        sr = world["service_requests"]
        sr = sr[sr["opened_at"] < at]
        cust = sr["customer_id"].to_numpy(np.int64)
        ch = sr["channel"].astype(str).map(SERVICE_TO_CHANNEL).to_numpy(dtype=object)
    else:
        o = world["orders"]
        o = o[o["order_date"] < at]
        cust = o["customer_id"].to_numpy(np.int64)
        ch = o["channel"].astype(str).to_numpy(dtype=object)
    chans = CHANNELS[domain]
    code = pd.Categorical(ch, categories=chans).codes
    keep = code >= 0
    rows = np.searchsorted(ids, cust[keep])
    counts = np.zeros((len(ids), len(chans)))
    np.add.at(counts, (rows, code[keep]), 1.0)
    best = np.argmax(counts, axis=1)
    names = np.asarray(chans, dtype=object)[best]
    return np.where(counts.sum(axis=1) > 0, names, "unknown")


def customer_profitability(world: Any, at: Any = None) -> Profitability:
    """Revenue, cost to serve and profit of every customer, from the observed tables.

    Revenue: bank — the monthly fee and the interest margin on the balance of each account for
    the months it was open (``products``: ``price``, ``margin_rate``); retail — the gross
    margin of every order line (``line_value`` minus quantity times ``unit_cost``).

    Cost to serve, for the months as a customer (from acquisition or the start of the horizon
    until the observed churn or ``at``):

    * the base cost of any customer (statements, IT, compliance:
      ``behaviour.BASE_COST_TO_SERVE``) and, bank, the running cost of each holding
      (``products.unit_cost``);
    * the cost of the channel the customer uses (``behaviour.CHANNEL_COST``): the channel is
      the most used service channel (bank) or order channel (retail); customers who left no
      trace are charged the average of the others;
    * every service request at :func:`service_cost_per_request`;
    * every campaign contact at its recorded cost.

    Parameters
    ----------
    world : World
    at : date, optional
        Value up to this date (default: the end of the horizon).

    Returns
    -------
    Profitability
    """
    where = "customer_profitability"
    domain = check_world(world, where, ("customers", "service_requests", "campaign_contacts"))
    hz = horizon(world)
    at = hz.end if at is None else pd.Timestamp(at)
    if not hz.start < at <= hz.end:
        raise DataError(
            f"{where}: 'at' = {at.date()} is outside the horizon ({hz.start.date()}, "
            f"{hz.end.date()}]."
        )
    cust = world["customers"].sort_values("customer_id", kind="stable")
    ids = cust["customer_id"].to_numpy(np.int64)
    n = len(ids)
    acq = np.maximum(cust["acquisition_date"].to_numpy("datetime64[ns]"), hz.start.to_datetime64())
    churn_at, _ = observed_churn(world)
    stop = churn_at.to_numpy("datetime64[ns]")
    stop = np.where(np.isnat(stop) | (stop > at.to_datetime64()), at.to_datetime64(), stop)
    months = np.maximum((stop - acq) / np.timedelta64(1, "D"), 0.0) / DAYS_PER_MONTH
    months = np.where(acq >= at.to_datetime64(), 0.0, months)

    prod = world["products"].set_index("product_code")
    if domain == "bank":
        acc = world["accounts"]
        o = np.maximum(acc["open_date"].to_numpy("datetime64[ns]"), hz.start.to_datetime64())
        c = acc["close_date"].to_numpy("datetime64[ns]")
        c = np.where(np.isnat(c) | (c > at.to_datetime64()), at.to_datetime64(), c)
        m_open = np.maximum((c - o) / np.timedelta64(1, "D"), 0.0) / DAYS_PER_MONTH
        p = prod.reindex(acc["product_code"].astype(str).to_numpy())
        rev_acc = m_open * (
            p["price"].to_numpy() + p["margin_rate"].to_numpy() / 12.0 * acc["balance"].to_numpy()
        )
        rows = np.searchsorted(ids, acc["customer_id"].to_numpy(np.int64))
        revenue = np.bincount(rows, weights=rev_acc, minlength=n)
        product_cost = np.bincount(rows, weights=m_open * p["unit_cost"].to_numpy(), minlength=n)
    else:
        orders = world["orders"]
        lines = world["order_lines"]
        odate = orders.set_index("order_id")["order_date"]
        ocust = orders.set_index("order_id")["customer_id"]
        oid = lines["order_id"].to_numpy()
        keep = odate.reindex(oid).to_numpy("datetime64[ns]") < at.to_datetime64()
        unit_cost = prod["unit_cost"].reindex(lines["product_code"].astype(str).to_numpy())
        gm = lines["line_value"].to_numpy() - lines["quantity"].to_numpy() * unit_cost.to_numpy()
        rows = np.searchsorted(ids, ocust.reindex(oid[keep]).to_numpy(np.int64))
        revenue = np.bincount(rows, weights=gm[keep], minlength=n)
        product_cost = np.zeros(n)

    base_cost = behaviour.BASE_COST_TO_SERVE[domain] * months
    main = _main_channel(world, domain, ids, at)
    table_cost = behaviour.CHANNEL_COST[domain]
    known = main != "unknown"
    per_month = np.array([table_cost.get(ch, np.nan) for ch in main], dtype=np.float64)
    fallback = (
        float(np.nanmean(per_month[known]))
        if known.any()
        else float(np.mean(list(table_cost.values())))
    )
    per_month = np.where(known, per_month, fallback)
    channel_cost = per_month * months

    sr = world["service_requests"]
    sr = sr[sr["opened_at"] < at]
    n_req = np.bincount(np.searchsorted(ids, sr["customer_id"].to_numpy(np.int64)), minlength=n)
    service_cost = n_req * service_cost_per_request(domain)
    cc = world["campaign_contacts"]
    cc = cc[cc["contact_date"] < at]
    contact_cost = np.bincount(
        np.searchsorted(ids, cc["customer_id"].to_numpy(np.int64)),
        weights=cc["cost"].to_numpy(np.float64),
        minlength=n,
    )
    cost = base_cost + product_cost + channel_cost + service_cost + contact_cost
    profit = revenue - cost
    # per month as a customer; a customer of a few days is spread over one month, so that a
    # single early service request does not make an extreme monthly figure
    monthly = np.where(months > 0, profit / np.maximum(months, 1.0), 0.0)
    table = pd.DataFrame(
        {
            "months_active": months,
            "revenue": revenue,
            "product_cost": product_cost,
            "base_cost": base_cost,
            "channel_cost": channel_cost,
            "service_cost": service_cost,
            "contact_cost": contact_cost,
            "cost": cost,
            "profit": profit,
            "monthly_profit": monthly,
            "profitable": profit > 0,
            "main_channel": pd.Categorical(main, categories=(*CHANNELS[domain], "unknown")),
            "n_requests": n_req,
        },
        index=pd.Index(ids, name="customer_id"),
    )
    truth = _profit_truth(world, ids)
    return Profitability(table=table, truth=truth, domain=domain, at=at)


def _profit_truth(world: Any, ids: np.ndarray) -> pd.DataFrame:
    cv = world.truth["customer_value"].set_index("customer_id").reindex(ids)
    tr = traits_of(world, "customer_profitability").set_index("customer_id").reindex(ids)
    return pd.DataFrame(
        {
            "true_revenue": cv["revenue"].to_numpy(),
            "true_cost": cv["cost"].to_numpy(),
            "true_profit": cv["profit"].to_numpy(),
            "true_monthly_profit": tr["monthly_profit"].to_numpy(),
            "true_value": tr["true_value"].to_numpy(),
        },
        index=pd.Index(ids, name="customer_id"),
    )


# ---------------------------------------------------------------------------------------------
# ROI of customer interactions
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False, eq=False)
class InteractionROI(Result):
    """Return on investment of every campaign of a world.

    Attributes
    ----------
    table : DataFrame
        One row per campaign: ``campaign_id``, ``product_code``, ``channel``, ``contacts``,
        ``cost``, ``take_ups`` (matched to a contact), ``margin_per_take_up``, ``roi`` (the
        naive view: margin of all matched take-ups against cost), ``incremental_take_ups``
        and ``incremental_roi`` (against the control group), their interval
        ``incremental_roi_low`` / ``_high`` and ``true_roi`` (with the true uplift of every
        contact, truth ``campaign_uplift``).
    by_channel : DataFrame
        The same summed by campaign channel.
    """

    table: pd.DataFrame
    by_channel: pd.DataFrame
    title = "ROI of customer interactions (campaigns)"

    def summary(self) -> pd.DataFrame:
        return self.by_channel

    def plot(self, ax=None, **kwargs):
        from ..plotting.lifecycle import plot_interaction_roi

        return plot_interaction_roi(self, ax=ax, **kwargs)


def interaction_roi(
    world: Any, window_days: int = 30, months_of_margin: int = 12, random_state: RandomState = 0
) -> InteractionROI:
    """ROI of each campaign: naive (matched take-ups) and incremental (treatment against the
    random control group), measured with :func:`ecrm_lab.operational.evaluate_campaign`, and
    true (truth ``campaign_uplift``).

    A take-up is worth the margin of ``months_of_margin`` months of the product for a
    typical customer (bank) or of one promoted basket of the SKU's category (retail)
    (:func:`ecrm_lab.operational.offer_economics`).
    """
    from ..operational import evaluate_campaign, offer_economics

    where = "interaction_roi"
    domain = check_world(world, where, ("campaigns", "campaign_contacts", "campaign_responses"))
    check_param(window_days, "window_days", where, int, interval=Interval(1, 365))
    check_param(months_of_margin, "months_of_margin", where, int, interval=Interval(1, 120))
    rng = check_random_state(random_state, where)
    camps = world["campaigns"].sort_values("campaign_id")
    contacts = world["campaign_contacts"]
    resp = world["campaign_responses"]
    took = resp[resp["response_type"].astype(str) == "took_up"]
    uplift = world.truth["campaign_uplift"]
    category = world["products"].set_index("product_code")["category"].astype(str)
    offerable = set(affinity_codes(domain))
    rows = []
    for _, c in camps.iterrows():
        cid = int(c["campaign_id"])
        cc = contacts[contacts["campaign_id"] == cid]
        if len(cc) == 0:
            continue
        assign = cc[["customer_id", "group"]].drop_duplicates("customer_id")
        treat = cc[cc["group"].astype(str) == "treatment"]
        r = took[took["campaign_id"] == cid]
        code = str(c["product_code"])
        item = code if code in offerable else str(category.get(code, code))
        econ = offer_economics(domain, item, months_of_margin)
        margin = econ["margin"]
        res = evaluate_campaign(
            assign,
            treat[["contact_id", "customer_id", "contact_date", "channel", "cost"]],
            r[["customer_id", "response_date"]],
            window_days=window_days,
            revenue_per_take_up=econ["revenue"],
            margin_per_take_up=margin,
            n_boot=200,
            random_state=rng,
            name=str(c["campaign_code"]),
        )
        up = uplift[uplift["campaign_id"] == cid]
        cost = float(treat["cost"].sum())
        true_gain = float(up["true_uplift"].sum()) * margin
        lo, hi = res.interval("incremental_roi")
        rows.append(
            {
                "campaign_id": cid,
                "product_code": str(c["product_code"]),
                "channel": str(c["channel"]),
                "contacts": len(treat),
                "cost": cost,
                "take_ups": res["take_ups"],
                "margin_per_take_up": margin,
                "roi": res["roi"],
                "incremental_take_ups": res["incremental_take_ups"],
                "incremental_roi": res["incremental_roi"],
                "incremental_roi_low": lo,
                "incremental_roi_high": hi,
                "true_incremental_take_ups": float(up["true_uplift"].sum()),
                "true_roi": (true_gain - cost) / cost if cost > 0 else np.nan,
            }
        )
    table = pd.DataFrame(rows)
    if table.empty:
        raise DataError(f"{where}: the world has no campaign contacts.")
    g = table.groupby("channel")
    by = pd.DataFrame(
        {
            "campaigns": g.size(),
            "contacts": g["contacts"].sum(),
            "cost": g["cost"].sum(),
            "take_ups": g["take_ups"].sum(),
            "incremental_take_ups": g["incremental_take_ups"].sum(),
            "true_incremental_take_ups": g["true_incremental_take_ups"].sum(),
        }
    )
    gain = (table["take_ups"] * table["margin_per_take_up"]).groupby(table["channel"]).sum()
    inc = (
        (table["incremental_take_ups"] * table["margin_per_take_up"])
        .groupby(table["channel"])
        .sum()
    )
    true = (
        (table["true_incremental_take_ups"] * table["margin_per_take_up"])
        .groupby(table["channel"])
        .sum()
    )
    by["roi"] = (gain - by["cost"]) / by["cost"]
    by["incremental_roi"] = (inc - by["cost"]) / by["cost"]
    by["true_roi"] = (true - by["cost"]) / by["cost"]
    return InteractionROI(table=table, by_channel=by)


# ---------------------------------------------------------------------------------------------
# lifetime value: retention formula and BG/NBD + Gamma-Gamma against the truth
# ---------------------------------------------------------------------------------------------
def observed_churn_rate(world: Any, at: Any = None) -> float:
    """Monthly churn rate from the observed churn events: churns per customer-month at risk.

    Bank churn is observed for everybody (all accounts close); retail churn only for
    loyalty-card holders (the card is cancelled), so the retail rate is measured on them.
    """
    where = "observed_churn_rate"
    domain = check_world(world, where, ("customers", "lifecycle_events"))
    hz = horizon(world)
    at = hz.end if at is None else pd.Timestamp(at)
    cust = world["customers"].sort_values("customer_id", kind="stable")
    churn_at, _ = observed_churn(world)
    acq = np.maximum(cust["acquisition_date"].to_numpy("datetime64[ns]"), hz.start.to_datetime64())
    ch = churn_at.to_numpy("datetime64[ns]")
    churned = ~np.isnat(ch) & (ch < at.to_datetime64())
    stop = np.where(churned, ch, at.to_datetime64())
    exposure = np.maximum((stop - acq) / np.timedelta64(1, "D"), 0.0) / DAYS_PER_MONTH
    mask = np.ones(len(cust), dtype=bool)
    if domain == "retail":
        mask = cust["loyalty_member"].to_numpy(dtype=bool)
    if exposure[mask].sum() <= 0:
        raise DataError(f"{where}: no customer-months at risk before {at.date()}.")
    return float(churned[mask].sum() / exposure[mask].sum())


@dataclass(frozen=True, repr=False, eq=False)
class CLVComparison(Result):
    """Customer value estimated three ways, next to the truth.

    Attributes
    ----------
    table : DataFrame
        One row per customer: ``historical_profit`` (to date), ``monthly_margin``,
        ``retention_clv`` (retention formula), ``bgnbd_clv`` (BG/NBD + Gamma-Gamma, revenue
        or spend times ``margin``; NaN for customers without a purchase), ``p_alive``,
        ``true_value`` (traits: expected discounted profit over the horizon) and
        ``true_profit`` (realised, truth ``customer_value``).
    churn_rate : float
        The observed monthly churn rate used by the retention formula.
    months : int
        Horizon of the lifetime values, in months.
    clv : CLVAnalysis
        The fitted BG/NBD + Gamma-Gamma analysis.
    """

    table: pd.DataFrame
    churn_rate: float
    months: int
    clv: Any
    title = "Customer lifetime value against the true value"

    def scores(self, top_share: float = 0.2) -> pd.DataFrame:
        """Spearman rank correlation with the true value and the share of the true top
        ``top_share`` customers found in each method's top ``top_share``."""
        t = self.table
        truth = t["true_value"]
        k = max(1, int(round(top_share * len(t))))
        true_top = set(truth.sort_values(ascending=False, kind="stable").index[:k])
        rows = {}
        for col in ("historical_profit", "retention_clv", "bgnbd_clv"):
            s = t[col]
            ok = s.notna()
            top = set(s[ok].sort_values(ascending=False, kind="stable").index[:k])
            rows[col] = {
                "spearman_with_true_value": float(s[ok].rank().corr(truth[ok].rank())),
                f"top_{int(top_share * 100)}pct_overlap": len(top & true_top) / k,
                "customers_scored": int(ok.sum()),
            }
        return pd.DataFrame(rows).T

    def summary(self) -> pd.DataFrame:
        return self.scores()

    def plot(self, ax=None, method: str = "retention_clv", **kwargs):
        from ..plotting.lifecycle import plot_clv_vs_truth

        return plot_clv_vs_truth(self, method=method, ax=ax, **kwargs)


def clv_comparison(
    world: Any,
    *,
    months: int | None = None,
    margin: float | None = None,
    calibration_end: Any = None,
    n_starts: int = 3,
) -> CLVComparison:
    """Lifetime value by the retention formula and by BG/NBD + Gamma-Gamma, against the
    world's true value.

    * **historical profit** — :func:`customer_profitability` to the end of the horizon;
    * **retention formula** — each customer's observed monthly profit ``m`` and the observed
      monthly churn rate ``c`` (:func:`observed_churn_rate`):
      ``CLV = m + retention_clv(m, 1 - c, d, months - 1)`` with the world's monthly discount
      rate ``d`` — the same convention as the true value (profit in the current month
      counted, then discounted survival);
    * **BG/NBD + Gamma-Gamma** — :func:`~ecrm_lab.lifecycle.clv_analysis` on the transaction
      log (bank: card and account spending, ``-amount`` of the debits; retail: order values),
      in weeks, over ``months`` months, times ``margin`` (default: retail the observed gross
      margin of all sales, bank 1 — spending, not bank profit).

    The truth is ``customer_traits.true_value`` (expected discounted profit over the horizon)
    and the realised profit of ``customer_value``.
    """
    from .clv import clv_analysis

    where = "clv_comparison"
    domain = check_world(world, where, ("customers",))
    hz = horizon(world)
    months = hz.months if months is None else months
    check_param(months, "months", where, int, interval=Interval(1, 600))
    check_param(margin, "margin", where, float, interval=Interval(0, 1, "right"), nullable=True)
    check_param(n_starts, "n_starts", where, int, interval=Interval(1, 100))
    prof = customer_profitability(world)
    ids = prof.table.index.to_numpy()
    d = _monthly_discount()
    rv = retention_values(world, months, profitability=prof)
    c = float(rv.attrs["churn_rate"])

    if domain == "bank":
        tx = world["transactions"]
        log = pd.DataFrame(
            {"customer_id": tx["customer_id"], "at": tx["timestamp"], "value": -tx["amount"]}
        )
        log = log[log["value"] > 0]
        if margin is None:
            margin = 1.0
    else:
        o = world["orders"]
        log = pd.DataFrame(
            {"customer_id": o["customer_id"], "at": o["order_date"], "value": o["order_value"]}
        )
        if margin is None:
            margin = _retail_gross_margin(world)
    cal_end = (hz.end - pd.Timedelta(days=1)) if calibration_end is None else calibration_end
    analysis = clv_analysis(
        log,
        "customer_id",
        "at",
        "value",
        calibration_end=cal_end,
        unit="week",
        horizon=months,
        period="month",
        discount_rate=d,
        margin=margin,
        n_starts=n_starts,
    )
    pred = analysis.predictions.reindex(ids)
    truth = prof.truth
    table = pd.DataFrame(
        {
            "historical_profit": prof.table["profit"].to_numpy(),
            "monthly_margin": rv["monthly_margin"].to_numpy(),
            "retention_clv": rv["retention_clv"].to_numpy(),
            "bgnbd_clv": pred["clv"].to_numpy(),
            "p_alive": pred["p_alive"].to_numpy(),
            "true_value": truth["true_value"].to_numpy(),
            "true_profit": truth["true_profit"].to_numpy(),
        },
        index=pd.Index(ids, name="customer_id"),
    )
    return CLVComparison(table=table, churn_rate=c, months=months, clv=analysis)


def retention_values(
    world: Any, months: int | None = None, profitability: Profitability | None = None
) -> pd.DataFrame:
    """Each customer's lifetime value by the retention formula, next to the true value.

    ``monthly_margin`` is the estimated monthly profit (:func:`customer_profitability`),
    ``retention_clv = m + retention_clv(m, 1 - c, d, months - 1)`` with the observed monthly
    churn rate ``c`` (:func:`observed_churn_rate`, kept in ``attrs["churn_rate"]``) and the
    world's monthly discount rate ``d``; ``true_value`` is the trait (truth). Indexed by
    ``customer_id``.
    """
    where = "retention_values"
    check_world(world, where, ("customers",))
    hz = horizon(world)
    months = hz.months if months is None else months
    check_param(months, "months", where, int, interval=Interval(1, 600))
    prof = customer_profitability(world) if profitability is None else profitability
    m = prof.table["monthly_profit"].to_numpy()
    c = observed_churn_rate(world)
    d = _monthly_discount()
    ret = m + np.asarray(retention_clv(m, 1.0 - c, d, horizon=months - 1)) if months > 1 else m
    out = pd.DataFrame(
        {
            "monthly_margin": m,
            "retention_clv": ret,
            "true_value": prof.truth["true_value"].to_numpy(),
        },
        index=prof.table.index,
    )
    out.attrs["churn_rate"] = c
    return out


def _retail_gross_margin(world: Any) -> float:
    lines = world["order_lines"]
    cost = world["products"].set_index("product_code")["unit_cost"]
    value = lines["line_value"].to_numpy()
    unit = cost.reindex(lines["product_code"].astype(str).to_numpy()).to_numpy()
    gm = float((value - lines["quantity"].to_numpy() * unit).sum() / value.sum())
    return float(min(max(gm, 1e-3), 1.0))


# ---------------------------------------------------------------------------------------------
# what lifetime value changes in the campaign decision
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False, eq=False)
class ValueTargeting(Result):
    """Whom to contact: by response score or by value.

    Attributes
    ----------
    table : DataFrame
        One row per ranking: ``contacted``, ``expected_take_ups`` (true P(take-up | contact)
        summed), ``true_incremental_take_ups``, ``cost``, ``true_incremental_value`` (true
        uplift times the customer's true value of a take-up), ``net_value`` (minus cost),
        ``mean_true_clv`` of the contacted customers, ``share_unprofitable`` (true value <= 0)
        and ``overlap_with_response`` (share of contacts also chosen by the response score).
    product_code, channel : str
    share : float
    """

    table: pd.DataFrame
    product_code: str
    channel: str
    share: float
    title = "Contact by response score or by customer value"

    def summary(self) -> pd.DataFrame:
        return self.table

    def plot(self, ax=None, **kwargs):
        from ..plotting.lifecycle import plot_value_targeting

        return plot_value_targeting(self, ax=ax, **kwargs)


def take_up_value(traits: pd.DataFrame, product_code: str, months: int) -> np.ndarray:
    """True value of a take-up of ``product_code`` for each customer (behaviour model).

    Bank: the product's monthly margin at the customer's expected balance
    (``product_revenue`` minus the running cost) over the customer's expected, discounted
    lifetime (:func:`~ecrm_lab.world.behaviour.true_value` with the churn hazard). Retail: the
    margin of one promoted basket of the category
    (:func:`~ecrm_lab.operational.offer_economics`) if the customer is still there the next
    month.
    """
    from ..operational import offer_economics

    domain = behaviour.domain_of(traits)
    if domain == "bank":
        p = {q.code: q for q in BANK_PRODUCTS}[product_code]
        rev = behaviour.product_revenue(
            product_code, behaviour.expected_balance(traits, product_code)
        )
        return behaviour.true_value(rev - p.cost_month, traits["churn_hazard"].to_numpy(), months)
    basket = offer_economics("retail", product_code)["margin"]
    return basket * (1.0 - traits["churn_hazard"].to_numpy())


def value_targeting(
    world: Any,
    product_code: str | None = None,
    *,
    channel: str = "email",
    share: float = 0.2,
    clv: pd.Series | None = None,
    response_score: pd.Series | None = None,
    months: int = 24,
) -> ValueTargeting:
    """Contact the top ``share`` of customers by response score, by lifetime value, or by
    both, and account for each list with the world's behaviour model.

    Rankings: ``response score`` (P(take-up | contacted); default the TRUE probability, i.e. a
    perfect response model), ``lifetime value`` (``clv``; default the retention-formula CLV
    of :func:`retention_values`), ``response x value`` (score times the positive part of the
    CLV) and the oracle ``true uplift x take-up value``. Each list is judged by the true
    incremental take-ups (:func:`ecrm_lab.operational.true_treatment_effect`), their value
    for the customers who take up (:func:`take_up_value`) and the contact cost.

    Customers without consent for ``channel`` are never contacted.
    """
    from ..operational import true_treatment_effect

    where = "value_targeting"
    domain = check_world(world, where, ("customers",))
    if product_code is None:
        product_code = "credit_card" if domain == "bank" else "electronics"
    check_param(product_code, "product_code", where, str, choices=affinity_codes(domain))
    check_param(channel, "channel", where, str, choices=("email", "sms", "post", "phone"))
    check_param(share, "share", where, float, interval=Interval(0, 1, "right"))
    check_param(months, "months", where, int, interval=Interval(1, 600))
    traits = traits_of(world, where)
    ids = traits["customer_id"].to_numpy(np.int64)
    consent = world["customers"].set_index("customer_id")[f"consent_{channel}"].reindex(ids)
    ok = consent.to_numpy(dtype=bool)
    p_t = behaviour.take_up_probability(traits, product_code, True, channel)
    effect = true_treatment_effect(traits, product_code, channel)
    v_take = take_up_value(traits, product_code, months)
    true_clv = traits["true_value"].to_numpy()
    cost_each = float(behaviour.contact_cost(channel)[0])
    if response_score is None:
        score = p_t
    else:
        score = _aligned(response_score, ids, "response_score", where)
    if clv is None:
        clv_est = retention_values(world)["retention_clv"].reindex(ids).to_numpy()
    else:
        clv_est = _aligned(clv, ids, "clv", where)
    rankings = {
        "response score": score,
        "lifetime value": clv_est,
        "response x value": score * np.maximum(clv_est, 0.0),
        "oracle: true uplift x take-up value": effect * v_take - cost_each,
    }
    n_eligible = int(ok.sum())
    k = int(round(share * n_eligible))
    chosen = {}
    for name, s in rankings.items():
        s = np.where(ok, np.nan_to_num(s, nan=-np.inf), -np.inf)
        order = np.lexsort((ids, -s))
        chosen[name] = order[:k]
    base = set(chosen["response score"].tolist())
    rows = []
    for name, sel in chosen.items():
        cost = k * cost_each
        value = float((effect[sel] * v_take[sel]).sum())
        rows.append(
            {
                "ranking": name,
                "contacted": k,
                "expected_take_ups": float(p_t[sel].sum()),
                "true_incremental_take_ups": float(effect[sel].sum()),
                "cost": cost,
                "true_incremental_value": value,
                "net_value": value - cost,
                "mean_true_clv": float(true_clv[sel].mean()) if k else np.nan,
                "share_unprofitable": float((true_clv[sel] <= 0).mean()) if k else np.nan,
                "overlap_with_response": len(base & set(sel.tolist())) / k if k else np.nan,
            }
        )
    table = pd.DataFrame(rows).set_index("ranking")
    return ValueTargeting(table=table, product_code=product_code, channel=channel, share=share)


def _aligned(values: Any, ids: np.ndarray, name: str, where: str) -> np.ndarray:
    if not isinstance(values, pd.Series):
        raise DataError(f"{where}: {name} must be a pandas Series indexed by customer_id.")
    out = values.reindex(ids).to_numpy(dtype=np.float64)
    if np.isnan(out).all():
        raise DataError(f"{where}: {name} has no value for any customer of the world.")
    return out
