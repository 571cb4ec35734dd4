"""Acquisition: attract visitors and convert them to customers — channels, conversion, cost
per acquisition, and a pay-per-click what-if.

Channels
--------
The world acquires customers through eight channels (``customers.acquisition_channel``); the
course's names for the online ones are in :data:`COURSE_NAMES` (search engine optimisation,
pay-per-click, affiliates, online PR, display advertising). :func:`acquisition_channels`
measures, per channel and from the observed tables only,

* **visitors** — distinct cookies (``web_sessions.visitor_id``) that arrived from the channel
  (``referrer``) during the horizon, and their sessions (clicks);
* **new customers** — customers acquired inside the horizon through the channel (the channel
  of the last visit, as web analytics credits it);
* **visitor -> customer conversion** = new customers / visitors (online channels only);
* **cost** and **cost per acquisition** from :data:`ACQUISITION_COSTS`;
* the **value** of the customers the channel brought: their estimated monthly profit and
  lifetime value (retention formula), next to the true value (truth), and value per unit of
  acquisition cost.

E-mail in the world reaches existing customers (campaign clicks, lesson 09), and the web
catalogue is where visitors land (``landing_page``), so neither is an acquisition channel of
its own here: :func:`landing_conversion` shows how visitors who land on the catalogue convert
against those who land elsewhere.

Costs
-----
The world's catalogue prices products, campaign contacts and service, not media. The cost of
each acquisition channel is therefore an explicit, documented assumption
(:data:`ACQUISITION_COSTS`, replaceable with the ``costs`` argument), except where the world
gives it: direct mail costs the catalogue's price of a letter (``post`` contact cost) per
piece, with the response rate of a mailed prospect from
:func:`ecrm_lab.world.behaviour.take_up_probability`; branch / store sign-ups cost staff time
at the agent cost of :mod:`ecrm_lab.operational.service`; pay-per-click costs the current
cost per click of the keyword portfolio (:func:`keyword_portfolio`). Fixed monthly costs
(search engine optimisation, online PR) are given per 1,000 customers of the business so
they scale with the size of the world.

Pay-per-click
-------------
:func:`keyword_portfolio` derives a keyword portfolio from the world (seeded): for every
product / category, brand, head, product, long-tail and informational keywords. Who clicks
a keyword is a weighted sample of the world's customers (look-alike prospects, as in the
world's click-stream): weights rise with their affinity for the product, steeply for precise
keywords and not at all for informational ones; a click converts with the visitor's
probability of a purchase-intent session (:func:`ecrm_lab.world.behaviour.
session_intent_probability`) times the keyword's relevance (the share of searchers in the
market). Competitors' bids are log-normal around a level that grows with the product's
revenue. The portfolio is calibrated so that its current state reproduces the world's
observed paid-search clicks and acquisitions per day.

:func:`ppc_what_if` then optimises it under the same daily budget (a second-price auction:
a bid ``b`` wins the searches where the best competing bid ``X < b`` and pays ``X``): cut
wasteful keywords, lower the bids, or both — bids and keywords chosen together by a
Lagrangian search (maximise sales per day subject to spend <= budget; every keyword picks
the bid that maximises ``sales - lambda x spend`` on a grid, ``lambda`` bisected until the
budget binds). With an untuned account (one high bid on every keyword), this reproduces the
course's case: sales per day doubled while the cost per click halved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from .._random import RandomState, check_random_state
from .._result import Result
from .._validation import Interval, check_param
from ..exceptions import DataError
from ..world import behaviour
from ..world.catalogue import BANK_PRODUCTS, RETAIL_CATEGORIES, affinity_codes
from ._world import check_world, horizon, month_index, month_starts, traits_of

__all__ = [
    "COURSE_NAMES",
    "ChannelCost",
    "ACQUISITION_COSTS",
    "KEYWORD_KINDS",
    "KeywordKind",
    "PPC_STRATEGIES",
    "AcquisitionChannels",
    "acquisition_channels",
    "landing_conversion",
    "keyword_portfolio",
    "ppc_outcome",
    "PPCWhatIf",
    "ppc_what_if",
]

#: the course's name of each of the world's acquisition channels
COURSE_NAMES = {
    "organic_search": "search engine optimisation",
    "paid_search": "pay-per-click",
    "affiliate": "affiliates",
    "online_pr": "online PR",
    "display_ads": "display advertising",
    "referral": "referral (member gets member)",
    "direct_mail": "direct mail",
    "branch": "branch",
    "store": "store",
}
ONLINE = ("organic_search", "paid_search", "affiliate", "online_pr", "display_ads")


@dataclass(frozen=True)
class ChannelCost:
    """How an acquisition channel is paid.

    ``pricing`` is ``'per_click'`` (every session it refers), ``'per_acquisition'`` (every
    customer it brings), ``'per_month'`` (a fixed cost per month and per 1,000 customers of
    the business) or ``'per_piece'`` (direct mail: pieces mailed = customers / response
    rate). ``rate`` is ``None`` where the world gives the price (see the module docstring).
    """

    pricing: str
    rate: float | None
    note: str


#: cost model of each acquisition channel, per domain (assumptions where ``rate`` is set)
ACQUISITION_COSTS: dict[str, dict[str, ChannelCost]] = {
    "bank": {
        "organic_search": ChannelCost("per_month", 60.0, "content and agency fees"),
        "paid_search": ChannelCost("per_click", None, "current CPC of the keyword portfolio"),
        "affiliate": ChannelCost("per_acquisition", 60.0, "commission per account opened"),
        "online_pr": ChannelCost("per_month", 40.0, "press and blogger outreach"),
        "display_ads": ChannelCost("per_click", 1.5, "CPM 6 at 0.4% click-through"),
        "referral": ChannelCost("per_acquisition", 50.0, "bonus to the referring customer"),
        "direct_mail": ChannelCost("per_piece", None, "catalogue price of a letter"),
        "branch": ChannelCost("per_acquisition", None, "one hour of staff time"),
    },
    "retail": {
        "organic_search": ChannelCost("per_month", 25.0, "content and agency fees"),
        "paid_search": ChannelCost("per_click", None, "current CPC of the keyword portfolio"),
        "affiliate": ChannelCost("per_acquisition", 8.0, "commission per first order"),
        "online_pr": ChannelCost("per_month", 15.0, "press and blogger outreach"),
        "display_ads": ChannelCost("per_click", 0.8, "CPM 4 at 0.5% click-through"),
        "referral": ChannelCost("per_acquisition", 10.0, "voucher to the referring customer"),
        "direct_mail": ChannelCost("per_piece", None, "catalogue price of a letter"),
        "store": ChannelCost("per_acquisition", None, "six minutes of staff time"),
    },
}
#: staff hours per branch / store sign-up (priced at the operational agent cost)
_STAFF_HOURS = {"bank": 1.0, "retail": 0.1}


# ---------------------------------------------------------------------------------------------
# channels
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False, eq=False)
class AcquisitionChannels(Result):
    """Acquisition channels: visitors, conversion, cost per acquisition and value.

    Attributes
    ----------
    table : DataFrame
        One row per channel (index ``channel``): ``course_name``, ``visitors``,
        ``sessions``, ``new_customers``, ``conversion``, ``pricing``, ``cost``,
        ``cost_per_acquisition``, ``mean_monthly_profit`` and ``mean_clv`` (estimated, all
        customers of the channel), ``mean_true_value`` (truth), ``clv_per_cost``
        (``mean_clv / cost_per_acquisition``).
    monthly : DataFrame
        New customers per month (rows, first day of the month) and channel (columns).
    domain : str
    """

    table: pd.DataFrame
    monthly: pd.DataFrame
    domain: str
    title = "Acquisition channels"

    def summary(self) -> pd.DataFrame:
        return self.table

    def plot(self, ax=None, kind: str = "cpa", **kwargs):
        from ..plotting.lifecycle import plot_acquisition_channels, plot_acquisitions_monthly

        if kind == "monthly":
            return plot_acquisitions_monthly(self, ax=ax, **kwargs)
        return plot_acquisition_channels(self, ax=ax, **kwargs)


def _mail_response_rate(traits: pd.DataFrame, domain: str) -> float:
    """Mean P(a mailed prospect signs up) from the behaviour model: the relationship product
    (bank current account) or the strongest category (retail), contacted by post."""
    if domain == "bank":
        p = behaviour.take_up_probability(traits, "current_account", True, "post")
    else:
        codes = affinity_codes("retail")
        p = np.column_stack(
            [behaviour.take_up_probability(traits, c, True, "post") for c in codes]
        ).max(axis=1)
    return float(np.mean(p))


def acquisition_channels(
    world: Any, costs: dict[str, ChannelCost] | None = None, random_state: RandomState = 0
) -> AcquisitionChannels:
    """Visitors, conversion, cost per acquisition and value of every acquisition channel.

    Parameters
    ----------
    world : World
    costs : dict of channel -> ChannelCost, optional
        Replaces entries of :data:`ACQUISITION_COSTS` for the world's domain.
    random_state : int, Generator or None
        Seeds the keyword portfolio that prices pay-per-click (:func:`keyword_portfolio`).
    """
    from ..operational.service import AGENT_COST_PER_HOUR
    from .value import retention_values

    where = "acquisition_channels"
    domain = check_world(world, where, ("customers", "web_sessions"))
    model = dict(ACQUISITION_COSTS[domain])
    if costs is not None:
        if not isinstance(costs, dict) or not all(
            isinstance(v, ChannelCost) for v in costs.values()
        ):
            raise DataError(f"{where}: costs must be a dict of channel name -> ChannelCost.")
        unknown = set(costs) - set(model)
        if unknown:
            raise DataError(
                f"{where}: unknown channel {sorted(unknown)[0]!r}; channels: {sorted(model)}."
            )
        model.update(costs)
    hz = horizon(world)
    cust = world["customers"].sort_values("customer_id", kind="stable")
    acq_date = cust["acquisition_date"]
    new = (acq_date >= hz.start) & (acq_date < hz.end)
    channel = cust["acquisition_channel"].astype(str)
    ws = world["web_sessions"]
    in_h = (ws["started_at"] >= hz.start) & (ws["started_at"] < hz.end)
    ws = ws[in_h]
    ref = ws["referrer"].astype(str)
    visitors = ws.groupby(ref)["visitor_id"].nunique()
    sessions = ref.value_counts()
    channels = list(model)
    n_new = channel[new].value_counts().reindex(channels, fill_value=0)
    traits = traits_of(world, where)
    per_k = len(cust) / 1000.0

    clv = retention_values(world)
    ids = cust["customer_id"].to_numpy()
    rows = []
    for ch in channels:
        spec = model[ch]
        n_vis = float(visitors.get(ch, np.nan)) if ch in ONLINE else np.nan
        n_ses = float(sessions.get(ch, np.nan)) if ch in ONLINE else np.nan
        k = float(n_new[ch])
        if spec.pricing == "per_click":
            rate = spec.rate
            if rate is None:
                rate = float(
                    ppc_outcome(keyword_portfolio(world, random_state=random_state))["cpc"]
                )
            cost = rate * np.nan_to_num(n_ses)
        elif spec.pricing == "per_acquisition":
            rate = spec.rate
            if rate is None:
                rate = AGENT_COST_PER_HOUR * _STAFF_HOURS[domain]
            cost = rate * k
        elif spec.pricing == "per_month":
            rate = float(spec.rate)
            cost = rate * per_k * hz.months
        elif spec.pricing == "per_piece":
            rate = spec.rate
            if rate is None:
                rate = float(behaviour.contact_cost("post")[0])
            cost = rate * k / _mail_response_rate(traits, domain)
        else:
            raise DataError(f"{where}: unknown pricing {spec.pricing!r} of channel {ch!r}.")
        members = (channel == ch).to_numpy()
        cv = clv.loc[ids[members]]
        rows.append(
            {
                "channel": ch,
                "course_name": COURSE_NAMES.get(ch, ch),
                "visitors": n_vis,
                "sessions": n_ses,
                "new_customers": k,
                "conversion": k / n_vis if n_vis and n_vis > 0 else np.nan,
                "pricing": spec.pricing,
                "cost": float(cost),
                "cost_per_acquisition": float(cost) / k if k > 0 else np.nan,
                "mean_monthly_profit": float(cv["monthly_margin"].mean()),
                "mean_clv": float(cv["retention_clv"].mean()),
                "mean_true_value": float(cv["true_value"].mean()),
            }
        )
    table = pd.DataFrame(rows).set_index("channel")
    table["clv_per_cost"] = table["mean_clv"] / table["cost_per_acquisition"]
    m = month_index(acq_date[new].to_numpy(), hz.start).astype(np.int64)
    counts = pd.crosstab(m, channel[new].to_numpy()).reindex(
        index=range(hz.months), columns=channels, fill_value=0
    )
    counts.index = month_starts(hz.start, hz.months)
    counts.index.name = "month"
    return AcquisitionChannels(table=table, monthly=counts, domain=domain)


def landing_conversion(world: Any) -> pd.DataFrame:
    """How visitors convert by the page they land on (the web catalogue, a product page...).

    A visitor (cookie) converts when one of its sessions ends on the ``checkout`` page
    (an application or first order). Rows: landing page of the visitor's first session;
    columns ``visitors``, ``converted``, ``conversion``.
    """
    where = "landing_conversion"
    check_world(world, where, ("web_sessions", "page_views"))
    ws = world["web_sessions"].sort_values(["visitor_id", "started_at"], kind="stable")
    pv = world["page_views"]
    last = pv.groupby("session_id")["seq"].transform("max") == pv["seq"]
    checkout_sessions = pv.loc[last & (pv["page_type"].astype(str) == "checkout"), "session_id"]
    ws = ws.assign(checkout=ws["session_id"].isin(checkout_sessions))
    first = ws.groupby("visitor_id", sort=False).first()
    conv = ws.groupby("visitor_id", sort=False)["checkout"].any()
    landing = first["landing_page"].astype(str)
    out = pd.DataFrame({"landing_page": landing, "converted": conv.reindex(landing.index)})
    g = out.groupby("landing_page")
    table = pd.DataFrame({"visitors": g.size(), "converted": g["converted"].sum()})
    table["conversion"] = table["converted"] / table["visitors"]
    return table.sort_values("visitors", ascending=False)


# ---------------------------------------------------------------------------------------------
# pay-per-click
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KeywordKind:
    """A kind of search keyword: its templates and search behaviour (assumptions).

    ``volume``: relative searches per day; ``ctr``: click-through rate of an ad that wins
    the auction; ``relevance``: share of clickers who are in the market for the product;
    ``audience``: exponent of the affinity weighting who clicks (0 = anybody);
    ``competition``: relative level of the competitors' bids.
    """

    name: str
    templates: tuple[str, ...]
    volume: float
    ctr: float
    relevance: float
    audience: float
    competition: float


KEYWORD_KINDS: tuple[KeywordKind, ...] = (
    KeywordKind("brand", ("{brand} {item}",), 0.4, 0.20, 0.95, 2.0, 0.3),
    KeywordKind("head", ("{item}",), 4.0, 0.03, 0.55, 0.5, 1.6),
    KeywordKind("product", ("best {item} deals", "{item} online"), 1.0, 0.05, 0.85, 2.0, 1.0),
    KeywordKind("long_tail", ("{item} comparison", "switch {item}"), 0.3, 0.07, 0.85, 3.0, 0.6),
    KeywordKind("informational", ("what is a {item}", "free {item}"), 2.0, 0.04, 0.12, 0.0, 0.9),
)
#: the level of competitors' bids per click for an average product (currency units)
_BASE_CPC = {"bank": 2.5, "retail": 0.6}
#: spread (log-scale standard deviation) of the best competing bid between auctions
_BID_SIGMA = 0.8
_BRAND = {"bank": "northbank", "retail": "shopwell"}

PPC_STRATEGIES = ("as_is", "cut_keywords", "lower_bids", "optimal")


def _item_names(domain: str) -> dict[str, str]:
    if domain == "bank":
        return {p.code: p.name.lower() for p in BANK_PRODUCTS}
    return {c.code: c.name.lower() for c in RETAIL_CATEGORIES}


def keyword_portfolio(
    world: Any, budget_share: float = 0.4, random_state: RandomState = 0
) -> pd.DataFrame:
    """A pay-per-click keyword portfolio derived from the world, in its current (untuned)
    state: one high bid on every keyword and a daily budget that runs out during the day.

    See the module docstring for the model. Columns: ``keyword``, ``item`` (product or
    category), ``kind``, ``searches_per_day``, ``ctr``, ``conversion_rate`` (per click),
    ``competitor_median`` and ``competitor_sigma`` (log-normal best competing bid),
    ``current_bid``; ``attrs["daily_budget"]`` is the current daily budget:
    ``budget_share`` of what the current bids would spend if the ads were shown all day.
    Deterministic for a seed; calibrated so that the current state gives the world's
    observed paid-search clicks and acquisitions per day.
    """
    from ..operational import offer_economics

    where = "keyword_portfolio"
    check_param(budget_share, "budget_share", where, float, interval=Interval(0, 1, "right"))
    domain = check_world(world, where, ("customers", "web_sessions"))
    rng = check_random_state(random_state, where)
    traits = traits_of(world, where)
    items = affinity_codes(domain)
    names = _item_names(domain)
    revenue = np.array([offer_economics(domain, c)["revenue"] for c in items])
    value = np.clip(np.sqrt(np.abs(revenue) / np.mean(np.abs(revenue))), 0.3, 3.0)
    popularity = np.array([traits[f"affinity_{c}"].mean() for c in items])
    rows = []
    for j, code in enumerate(items):
        aff = traits[f"affinity_{code}"].to_numpy(dtype=np.float64)
        intent = behaviour.session_intent_probability(traits, code)
        for kind in KEYWORD_KINDS:
            w = np.power(np.clip(aff, 1e-6, 1.0), kind.audience)
            q = float(np.sum(w * intent) / np.sum(w)) * kind.relevance
            for template in kind.templates:
                rows.append(
                    {
                        "keyword": template.format(item=names[code], brand=_BRAND[domain]),
                        "item": code,
                        "kind": kind.name,
                        "searches_per_day": kind.volume * popularity[j],
                        "ctr": kind.ctr,
                        "conversion_rate": q,
                        "competitor_median": _BASE_CPC[domain] * value[j] * kind.competition,
                        "competitor_sigma": _BID_SIGMA,
                    }
                )
    table = pd.DataFrame(rows)
    n = len(table)
    table["searches_per_day"] *= rng.lognormal(0.0, 0.5, n)
    table["competitor_median"] *= rng.lognormal(0.0, 0.3, n)
    table["conversion_rate"] *= rng.lognormal(0.0, 0.2, n)
    # the untuned account: one bid, high enough to win most auctions of the dearest head term
    heads = table["kind"] == "head"
    top = float(table.loc[heads, "competitor_median"].max())
    table["current_bid"] = round(top * float(np.exp(2.0 * _BID_SIGMA)), 2)

    # calibrate to the world's observed paid search
    hz = horizon(world)
    days = (hz.end - hz.start).days
    ws = world["web_sessions"]
    clicks_obs = float((ws["referrer"].astype(str) == "paid_search").sum()) / days
    cust = world["customers"]
    new = (cust["acquisition_date"] >= hz.start) & (cust["acquisition_date"] < hz.end)
    sales_obs = (
        float((cust.loc[new, "acquisition_channel"].astype(str) == "paid_search").sum()) / days
    )
    if clicks_obs <= 0 or sales_obs <= 0:
        raise DataError(
            f"{where}: the world has no paid-search clicks or acquisitions to calibrate on."
        )
    now = _auction(table, table["current_bid"].to_numpy())
    table["searches_per_day"] *= clicks_obs / (budget_share * now["clicks"].sum())
    now = _auction(table, table["current_bid"].to_numpy())
    scale = sales_obs / (budget_share * now["sales"].sum())
    table["conversion_rate"] = np.minimum(table["conversion_rate"] * scale, 1.0)
    table.attrs["daily_budget"] = float(budget_share * now["spend"].sum())
    return table


def _auction(portfolio: pd.DataFrame, bids) -> pd.DataFrame:
    """Expected clicks, spend and sales per day of each keyword at ``bids`` (array shaped
    like the portfolio, or (n_keywords, n_grid)); bids <= 0 mean the keyword is off."""
    b = np.asarray(bids, dtype=np.float64)
    two_d = b.ndim == 2
    col = (
        (lambda c: portfolio[c].to_numpy(dtype=np.float64)[:, None])
        if two_d
        else (lambda c: portfolio[c].to_numpy(dtype=np.float64))
    )
    mu = np.log(col("competitor_median"))
    s = col("competitor_sigma")
    demand = col("searches_per_day") * col("ctr")
    with np.errstate(divide="ignore"):
        lb = np.log(np.where(b > 0, b, 1.0))
    z = (lb - mu) / s
    win = np.where(b > 0, special.ndtr(z), 0.0)
    partial = np.where(b > 0, np.exp(mu + s * s / 2.0) * special.ndtr(z - s), 0.0)
    clicks = demand * win
    spend = demand * partial
    sales = clicks * col("conversion_rate")
    if two_d:
        return {"clicks": clicks, "spend": spend, "sales": sales}
    return pd.DataFrame({"clicks": clicks, "spend": spend, "sales": sales})


def _served(r: pd.DataFrame, budget: float | None) -> pd.DataFrame:
    """Outcome when a daily budget caps the spend: the ads are shown in a share
    ``budget / spend`` of the auctions (the budget runs out during the day)."""
    spend = float(r["spend"].sum())
    if budget is None or spend <= budget:
        return r
    return r * (budget / spend)


def ppc_outcome(portfolio: pd.DataFrame, bids=None, budget: float | None = None) -> pd.Series:
    """Clicks, spend, sales per day, cost per click and per acquisition of ``portfolio`` at
    ``bids`` (default its ``current_bid``) under a daily ``budget`` (default: the
    portfolio's ``attrs["daily_budget"]``, or none)."""
    where = "ppc_outcome"
    _check_portfolio(portfolio, where)
    b = portfolio["current_bid"].to_numpy() if bids is None else np.asarray(bids, float)
    if b.shape != (len(portfolio),):
        raise DataError(f"{where}: {len(b)} bids for {len(portfolio)} keywords.")
    if budget is None:
        budget = portfolio.attrs.get("daily_budget")
    r = _served(_auction(portfolio, b), budget)
    clicks, spend, sales = (float(r[c].sum()) for c in ("clicks", "spend", "sales"))
    return pd.Series(
        {
            "keywords": int((b > 0).sum()),
            "clicks_per_day": clicks,
            "spend_per_day": spend,
            "sales_per_day": sales,
            "cpc": spend / clicks if clicks > 0 else np.nan,
            "cpa": spend / sales if sales > 0 else np.nan,
            "conversion": sales / clicks if clicks > 0 else np.nan,
        }
    )


def _check_portfolio(portfolio: Any, where: str) -> None:
    from .._validation import check_columns

    if not isinstance(portfolio, pd.DataFrame):
        raise DataError(f"{where}: the portfolio must be a DataFrame (see keyword_portfolio).")
    check_columns(
        portfolio,
        [
            "searches_per_day",
            "ctr",
            "conversion_rate",
            "competitor_median",
            "competitor_sigma",
            "current_bid",
        ],
        where,
    )
    if len(portfolio) == 0:
        raise DataError(f"{where}: the portfolio has no keywords.")
    for c in ("searches_per_day", "competitor_median", "competitor_sigma"):
        v = portfolio[c].to_numpy(dtype=np.float64)
        if not np.all(np.isfinite(v) & (v > 0)):
            raise DataError(f"{where}: column {c!r} must hold positive numbers.")
    for c in ("ctr", "conversion_rate"):
        v = portfolio[c].to_numpy(dtype=np.float64)
        if not np.all((v >= 0) & (v <= 1)):
            raise DataError(f"{where}: column {c!r} must hold probabilities in [0, 1].")


@dataclass(frozen=True, repr=False, eq=False)
class PPCWhatIf(Result):
    """A pay-per-click account before and after rationalisation, at the same budget.

    Attributes
    ----------
    table : DataFrame
        One row per strategy (``as_is``, ``cut_keywords``, ``lower_bids``, ``optimal``):
        ``keywords``, ``clicks_per_day``, ``spend_per_day``, ``sales_per_day``, ``cpc``,
        ``cpa``, ``conversion``, ``sales_ratio`` and ``cpc_ratio`` (against as-is).
    keywords : DataFrame
        The portfolio with the bid (``bid_<strategy>``) and sales per day
        (``sales_<strategy>``) of every keyword under every strategy.
    budget : float
        Daily budget every strategy must respect (default: the current spend).
    """

    table: pd.DataFrame
    keywords: pd.DataFrame
    budget: float
    title = "Pay-per-click what-if"

    @property
    def sales_ratio(self) -> float:
        """Sales per day of the optimal account over the current one."""
        return float(self.table.loc["optimal", "sales_ratio"])

    @property
    def cpc_ratio(self) -> float:
        """Cost per click of the optimal account over the current one."""
        return float(self.table.loc["optimal", "cpc_ratio"])

    def summary(self) -> pd.DataFrame:
        return self.table

    def plot(self, ax=None, **kwargs):
        from ..plotting.lifecycle import plot_ppc_what_if

        return plot_ppc_what_if(self, ax=ax, **kwargs)


def _lagrangian(sales: np.ndarray, spend: np.ndarray, budget: float) -> np.ndarray:
    """Grid column chosen per keyword maximising total sales subject to spend <= budget."""

    def pick(lam: float) -> np.ndarray:
        return np.argmax(sales - lam * spend, axis=1)

    rows = np.arange(sales.shape[0])

    def total(idx):
        return float(spend[rows, idx].sum())

    lo, hi = 0.0, 1.0
    if total(pick(0.0)) <= budget:
        return pick(0.0)
    while total(pick(hi)) > budget:
        hi *= 2.0
        if hi > 1e12:
            break
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if total(pick(mid)) > budget:
            lo = mid
        else:
            hi = mid
    return pick(hi)


def ppc_what_if(
    portfolio: pd.DataFrame, budget: float | None = None, n_grid: int = 121
) -> PPCWhatIf:
    """Rationalise a pay-per-click account at a fixed daily budget.

    Strategies, each held to ``budget`` (default the portfolio's ``attrs["daily_budget"]``,
    else the current spend). When bids would spend more than the budget, the ads are shown
    in only ``budget / spend`` of the auctions (the budget runs out during the day):

    * ``as_is`` — the current bids;
    * ``cut_keywords`` — keep the current bids, drop every keyword whose cost per
      acquisition is above the account's (the wasteful ones), so the budget lasts longer on
      the others;
    * ``lower_bids`` — one bid for every keyword, the one with the most sales in budget;
    * ``optimal`` — a bid per keyword (0 = cut) from a grid of ``n_grid`` bids around the
      competitors' level, chosen together by the Lagrangian search of the module docstring.

    Returns
    -------
    PPCWhatIf
    """
    where = "ppc_what_if"
    _check_portfolio(portfolio, where)
    check_param(n_grid, "n_grid", where, int, interval=Interval(11, 2001))
    check_param(
        budget, "budget", where, float, interval=Interval(0, None, "neither"), nullable=True
    )
    pf = portfolio.reset_index(drop=True)
    current = pf["current_bid"].to_numpy(dtype=np.float64)
    now = _auction(pf, current)
    if budget is None:
        budget = float(portfolio.attrs.get("daily_budget", now["spend"].sum()))
    med = pf["competitor_median"].to_numpy(dtype=np.float64)

    # a shared grid of multiples of each keyword's competitor median, plus "off"
    mult = np.exp(np.linspace(-3.0, 3.0, n_grid - 1))
    grid = np.column_stack([np.zeros(len(pf)), med[:, None] * mult[None, :]])
    g = _auction(pf, grid)
    bids: dict[str, np.ndarray] = {}

    bids["as_is"] = current
    cpa = np.where(now["sales"] > 0, now["spend"] / np.maximum(now["sales"], 1e-300), np.inf)
    account_cpa = now["spend"].sum() / max(now["sales"].sum(), 1e-300)
    bids["cut_keywords"] = np.where(cpa <= account_cpa, current, 0.0)
    # one bid for all: scan a grid of uniform bids (all at once), thinned by the budget
    uni = np.exp(np.linspace(np.log(med.min()) - 2.0, np.log(current.max()) + 0.5, 400))
    u = _auction(pf, np.broadcast_to(uni[None, :], (len(pf), len(uni))))
    spend_u = u["spend"].sum(axis=0)
    sales_u = u["sales"].sum(axis=0) * np.minimum(1.0, budget / np.maximum(spend_u, 1e-300))
    best_b = float(uni[int(np.argmax(sales_u))])
    bids["lower_bids"] = np.full(len(pf), best_b)
    idx = _lagrangian(g["sales"], g["spend"], budget)
    bids["optimal"] = grid[np.arange(len(pf)), idx]

    rows, kw = {}, pf.copy()
    for name in PPC_STRATEGIES:
        rows[name] = ppc_outcome(pf.assign(current_bid=bids[name]), budget=budget)
        kw[f"bid_{name}"] = bids[name]
        kw[f"sales_{name}"] = _served(_auction(pf, bids[name]), budget)["sales"].to_numpy()
    table = pd.DataFrame(rows).T
    table.index.name = "strategy"
    table["sales_ratio"] = table["sales_per_day"] / table.loc["as_is", "sales_per_day"]
    table["cpc_ratio"] = table["cpc"] / table.loc["as_is", "cpc"]
    table["keywords"] = table["keywords"].astype(int)
    return PPCWhatIf(table=table, keywords=kw, budget=float(budget))
