"""Extension: lengthen and deepen the relationship — product adoption over time, up-sell and
cross-sell driven by link analysis and next-best-product, and depth of relationship.

* :func:`product_adoption` — new products (bank) / categories (retail) taken up per month,
  split into **up-sell** (more of what the customer already has: a product of a family the
  customer holds, or a premium variant of a category the customer buys) and **cross-sell**
  (something new), and by how the bank sold it (organic, rule, campaign, sales);
* :func:`relationship_depth` — products per customer over time (bank: open accounts;
  retail: categories bought in the last twelve months);
* :func:`cross_sell` — offers at a cut-off date from association rules mined on the
  holdings (:func:`ecrm_lab.mining.association_rules` and :func:`ecrm_lab.mining.recommend`,
  link analysis) and from the model-based next-best-product engine
  (:class:`ecrm_lab.engines.PropensityRecommender`), against a popularity baseline and the
  oracle of the true take-up probabilities, judged on what customers took up after the
  cut-off (:func:`ecrm_lab.engines.evaluate_offers`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._result import Result
from .._validation import Interval, check_param
from ..exceptions import DataError
from ..world.catalogue import BANK_PRODUCTS
from ._world import check_world, horizon, month_index, month_starts, observed_churn

__all__ = [
    "AdoptionResult",
    "product_adoption",
    "DepthResult",
    "relationship_depth",
    "CrossSellResult",
    "cross_sell",
]

_FAMILY = {p.code: p.family for p in BANK_PRODUCTS}


@dataclass(frozen=True, repr=False, eq=False)
class AdoptionResult(Result):
    """Product adoption over time.

    Attributes
    ----------
    monthly : DataFrame
        Adoptions per month (rows, first day) and product / category (columns).
    by_kind : DataFrame
        Adoptions per month of each kind: ``up_sell``, ``cross_sell``.
    table : DataFrame
        Per product / category: ``adoptions``, ``up_sell``, ``cross_sell``, and (bank) the
        number sold ``organic``, by a ``rule`` (co-holding), a ``campaign`` or ``sales``.
    domain : str
    """

    monthly: pd.DataFrame
    by_kind: pd.DataFrame
    table: pd.DataFrame
    domain: str
    title = "Product adoption (extension)"

    def summary(self) -> pd.DataFrame:
        return self.table

    def plot(self, ax=None, **kwargs):
        from ..plotting.lifecycle import plot_adoption

        return plot_adoption(self, ax=ax, **kwargs)


def _bank_adoptions(world: Any) -> pd.DataFrame:
    """Accounts opened inside the horizon after acquisition, with the kind of sale."""
    hz = horizon(world)
    acc = world["accounts"]
    via = acc["opened_via"].astype(str)
    new = (acc["open_date"] >= hz.start) & ~via.isin(("existing", "acquisition", "win_back"))
    a = acc.loc[new, ["customer_id", "product_code", "open_date"]].copy()
    a["product_code"] = a["product_code"].astype(str)
    a["route"] = via[new].to_numpy()
    # families the customer held before this opening (any account opened earlier)
    held = acc[["customer_id", "product_code", "open_date"]].copy()
    held["family"] = held["product_code"].astype(str).map(_FAMILY)
    a["family"] = a["product_code"].map(_FAMILY)
    m = a.reset_index().merge(held, on=["customer_id", "family"], suffixes=("", "_held"))
    earlier = m[m["open_date_held"] < m["open_date"]]
    up = set(earlier["index"].tolist())
    a["kind"] = np.where(a.index.isin(up), "up_sell", "cross_sell")
    return a.rename(columns={"open_date": "at", "product_code": "item"})


def _retail_adoptions(world: Any) -> pd.DataFrame:
    """Cross-sell: a category first bought (lifecycle ``adoption`` events); up-sell: the first
    premium-variant SKU of a category the customer had bought before in a cheaper variant."""
    hz = horizon(world)
    ev = world["lifecycle_events"]
    ad = ev[ev["event_type"].astype(str) == "adoption"]
    cross = pd.DataFrame(
        {
            "customer_id": ad["customer_id"].to_numpy(),
            "item": ad["detail"].astype(str).to_numpy(),
            "at": ad["event_at"].to_numpy(),
            "kind": "cross_sell",
            "route": "organic",
        }
    )
    orders = world["orders"].set_index("order_id")
    lines = world["order_lines"]
    prod = world["products"].set_index("product_code")
    code = lines["product_code"].astype(str).to_numpy()
    cat = prod["category"].astype(str).reindex(code).to_numpy()
    premium = pd.Series(code).str.endswith("P").to_numpy()
    oid = lines["order_id"].to_numpy()
    df = pd.DataFrame(
        {
            "customer_id": orders["customer_id"].reindex(oid).to_numpy(),
            "at": orders["order_date"].reindex(oid).to_numpy(),
            "item": cat,
            "premium": premium,
        }
    )
    first_any = df.groupby(["customer_id", "item"])["at"].min()
    first_cheap = df[~df["premium"]].groupby(["customer_id", "item"])["at"].min()
    first_prem = df[df["premium"]].groupby(["customer_id", "item"])["at"].min()
    j = pd.concat({"any": first_any, "cheap": first_cheap, "prem": first_prem}, axis=1)
    up = j[
        j["prem"].notna() & j["cheap"].notna() & (j["cheap"] < j["prem"]) & (j["prem"] >= hz.start)
    ]
    ups = pd.DataFrame(
        {
            "customer_id": up.index.get_level_values(0).to_numpy(),
            "item": up.index.get_level_values(1).to_numpy(),
            "at": up["prem"].to_numpy(),
            "kind": "up_sell",
            "route": "organic",
        }
    )
    return pd.concat([cross, ups], ignore_index=True)


def product_adoption(world: Any) -> AdoptionResult:
    """Adoptions of new products (bank) or categories (retail) inside the horizon, by month,
    product and kind (up-sell or cross-sell) — see the module docstring."""
    where = "product_adoption"
    domain = check_world(world, where, ("customers", "lifecycle_events"))
    hz = horizon(world)
    a = _bank_adoptions(world) if domain == "bank" else _retail_adoptions(world)
    a = a[(a["at"] >= hz.start) & (a["at"] < hz.end)]
    if len(a) == 0:
        raise DataError(f"{where}: no adoptions inside the horizon.")
    m = month_index(a["at"].to_numpy(), hz.start).astype(np.int64)
    idx = month_starts(hz.start, hz.months)
    monthly = pd.crosstab(m, a["item"].to_numpy()).reindex(range(hz.months), fill_value=0)
    monthly.index = idx
    monthly.index.name = "month"
    monthly.columns.name = "item"
    by_kind = pd.crosstab(m, a["kind"].to_numpy()).reindex(
        index=range(hz.months), columns=["up_sell", "cross_sell"], fill_value=0
    )
    by_kind.index = idx
    by_kind.index.name = "month"
    by_kind.columns.name = None
    table = pd.crosstab(a["item"].to_numpy(), a["kind"].to_numpy()).reindex(
        columns=["up_sell", "cross_sell"], fill_value=0
    )
    table.columns.name = None
    table.insert(0, "adoptions", table.sum(axis=1))
    if domain == "bank":
        routes = pd.crosstab(a["item"].to_numpy(), a["route"].to_numpy())
        for r in ("organic", "rule", "campaign", "sales"):
            table[r] = routes[r] if r in routes.columns else 0
    table.index.name = "item"
    table = table.sort_values("adoptions", ascending=False, kind="stable")
    return AdoptionResult(monthly=monthly, by_kind=by_kind, table=table, domain=domain)


@dataclass(frozen=True, repr=False, eq=False)
class DepthResult(Result):
    """Depth of relationship: products per customer over time.

    Attributes
    ----------
    table : DataFrame
        Per month (first day): ``customers`` (current customers), ``mean_products``,
        ``share_1``, ``share_2``, ``share_3``, ``share_4plus``.
    unit : str
        What is counted (open accounts, or categories bought in the last 12 months).
    """

    table: pd.DataFrame
    unit: str
    title = "Depth of relationship"

    def summary(self) -> pd.DataFrame:
        t = self.table
        return t.iloc[[0, len(t) // 2, len(t) - 1]]

    def plot(self, ax=None, **kwargs):
        from ..plotting.lifecycle import plot_relationship_depth

        return plot_relationship_depth(self, ax=ax, **kwargs)


def relationship_depth(world: Any, window_months: int = 12) -> DepthResult:
    """Products per current customer at the end of every month.

    Bank: accounts open at the end of the month; retail: distinct categories bought in the
    last ``window_months`` months (from the first month with a full window). Current
    customers: acquired and not (observedly) churned; retail customers count when they have
    bought something in the window.
    """
    where = "relationship_depth"
    domain = check_world(world, where, ("customers",))
    check_param(window_months, "window_months", where, int, interval=Interval(1, 60))
    hz = horizon(world)
    M = hz.months
    cust = world["customers"].sort_values("customer_id", kind="stable")
    ids = cust["customer_id"].to_numpy(np.int64)
    n = len(ids)
    ends = (month_starts(hz.start, M) + pd.offsets.MonthBegin(1)).to_numpy("datetime64[ns]")
    acq = cust["acquisition_date"].to_numpy("datetime64[ns]")
    churn_at, _ = observed_churn(world)
    ch = churn_at.reindex(ids).to_numpy("datetime64[ns]")
    current = (acq[:, None] < ends[None, :]) & (np.isnat(ch)[:, None] | (ch[:, None] >= ends))
    if domain == "bank":
        acc = world["accounts"]
        o = acc["open_date"].to_numpy("datetime64[ns]")
        c = acc["close_date"].to_numpy("datetime64[ns]")
        rows = np.searchsorted(ids, acc["customer_id"].to_numpy(np.int64))
        open_at = (o[:, None] < ends[None, :]) & (np.isnat(c)[:, None] | (c[:, None] >= ends))
        depth = np.zeros((n, M))
        np.add.at(depth, rows, open_at.astype(np.float64))
        unit = "open accounts"
    else:
        orders = world["orders"].set_index("order_id")
        lines = world["order_lines"]
        cat = world["products"].set_index("product_code")["category"]
        cats = list(cat.cat.categories) if hasattr(cat, "cat") else sorted(cat.unique())
        oid = lines["order_id"].to_numpy()
        cc = pd.Categorical(
            cat.reindex(lines["product_code"].astype(str)).to_numpy(), categories=cats
        ).codes
        rows = np.searchsorted(ids, orders["customer_id"].reindex(oid).to_numpy(np.int64))
        m = month_index(orders["order_date"].reindex(oid).to_numpy(), hz.start)
        ok = (m >= 0) & (m < M) & (cc >= 0)
        k = len(cats)
        # a purchase in month p covers months p .. p + window - 1: a difference array over
        # the unique (customer, category, month) triples
        key = np.unique((rows[ok] * k + cc[ok]) * M + m[ok].astype(np.int64))
        pair, month = key // M, key % M
        diff = np.zeros((n * k, M + 1), dtype=np.int8)
        np.add.at(diff, (pair, month), 1)
        np.add.at(diff, (pair, np.minimum(month + window_months, M)), -1)
        covered = np.cumsum(diff[:, :M], axis=1, dtype=np.int8) > 0
        depth = covered.reshape(n, k, M).sum(axis=1).astype(np.float64)
        current &= depth > 0
        unit = f"categories bought in the last {window_months} months"
    cur = current.sum(axis=0)
    d = np.where(current, depth, np.nan)
    with np.errstate(invalid="ignore"):
        mean = np.nanmean(np.where(cur[None, :] > 0, d, 0.0), axis=0)

    def share(lo, hi):
        hit = current & (depth >= lo) & (depth <= hi)
        return hit.sum(axis=0) / np.maximum(cur, 1)

    table = pd.DataFrame(
        {
            "customers": cur,
            "mean_products": mean,
            "share_1": share(1, 1),
            "share_2": share(2, 2),
            "share_3": share(3, 3),
            "share_4plus": share(4, np.inf),
        },
        index=pd.Index(month_starts(hz.start, M), name="month"),
    )
    if domain == "retail":
        # the first months have no full window behind them
        table = table.iloc[min(window_months, M) - 1 :]
    return DepthResult(table=table, unit=unit)


@dataclass(frozen=True, repr=False, eq=False)
class CrossSellResult(Result):
    """Cross-sell and up-sell offers at a cut-off, judged on later take-up.

    Attributes
    ----------
    evaluation : DataFrame
        :func:`ecrm_lab.engines.evaluate_offers` table: per engine and ``k``, hit rate,
        precision, recall and the mean TRUE take-up probability of the offers.
    rules : DataFrame
        The association rules mined on the holdings at the cut-off (strongest lift first).
    planted_recall : float
        Share of the world's planted co-holding rules among the mined rules (bank; NaN for
        retail, whose planted rules are between SKUs in one basket).
    offers : dict
        Engine name -> :class:`ecrm_lab.engines.Offers`.
    cutoff : Timestamp
    k : int
    """

    evaluation: pd.DataFrame
    rules: pd.DataFrame
    planted_recall: float
    offers: dict = field(repr=False)
    cutoff: pd.Timestamp = None
    k: int = 3
    title = "Cross-sell: link analysis and next-best-product"

    def summary(self) -> pd.DataFrame:
        t = self.evaluation
        return t[t["k"] == self.k].set_index("engine") if "engine" in t.columns else t

    def plot(self, ax=None, **kwargs):
        from ..plotting.lifecycle import plot_cross_sell

        return plot_cross_sell(self, ax=ax, **kwargs)


def _rule_offers(rules: pd.DataFrame, owned, k: int):
    """The association-rule recommendations as engines Offers (one row per customer)."""
    from ..engines import Offers
    from ..mining import recommend

    coo = owned.matrix.tocoo()
    holdings = pd.DataFrame(
        {
            "customer_id": owned.customer_ids[coo.row],
            "item": np.asarray(owned.items, dtype=object)[coo.col],
        }
    )
    rec = recommend(rules, holdings, top_n=k, metric="confidence").table
    n = owned.n_customers
    index = np.full((n, k), -1, dtype=np.int32)
    scores = np.full((n, k), np.nan, dtype=np.float32)
    if len(rec):
        r = np.searchsorted(owned.customer_ids, rec["customer"].to_numpy(np.int64))
        c = pd.Index(owned.items).get_indexer(rec["item"].astype(str))
        ok = c >= 0
        index[r[ok], rec["rank"].to_numpy()[ok] - 1] = c[ok]
        scores[r[ok], rec["rank"].to_numpy()[ok] - 1] = rec["score"].to_numpy()[ok]
    return Offers(
        engine="association_rules",
        customer_ids=owned.customer_ids,
        items=owned.items,
        index=index,
        scores=scores,
        k=k,
    )


def cross_sell(
    world: Any,
    cutoff: Any = None,
    *,
    k: int = 3,
    min_support: float = 0.02,
    min_confidence: float = 0.2,
    holdout_months: int = 6,
    random_state: int = 0,
) -> CrossSellResult:
    """Offers at ``cutoff`` from link analysis and from next-best-product, judged on the
    products / categories customers took up after it.

    Engines: ``association_rules`` (rules mined on the holdings at the cut-off with
    ``min_support`` / ``min_confidence``, each customer offered the consequents of the rules
    it fires, by confidence), ``next_best_product`` (one look-alike classifier per item on
    the customer 360 view, :class:`ecrm_lab.engines.PropensityRecommender`), ``popularity``
    (the baseline) and the oracle of the true take-up probabilities.
    """
    from ..engines import (
        AffinityOracle,
        PopularityRecommender,
        PropensityRecommender,
        evaluate_offers,
    )
    from ..engines.world_data import HOLDING_AGGREGATES, offer_data
    from ..mining import association_rules, make_baskets, planted_rule_recall

    where = "cross_sell"
    domain = check_world(world, where, ("customers",))
    check_param(k, "k", where, int, interval=Interval(1, 20))
    check_param(min_support, "min_support", where, float, interval=Interval(0, 1, "right"))
    check_param(min_confidence, "min_confidence", where, float, interval=Interval(0, 1, "right"))
    data = offer_data(world, cutoff, holdout_months=holdout_months)
    owned = data.owned.binary()
    baskets = make_baskets(owned.matrix, items=list(owned.items))
    assoc = association_rules(
        baskets, min_support=min_support, min_confidence=min_confidence, max_len=3
    )
    rules = assoc.rules
    offers = {"association_rules": _rule_offers(rules, owned, k)}
    nbp = PropensityRecommender(drop=HOLDING_AGGREGATES, random_state=random_state)
    nbp.fit(data.owned, data.view)
    offers["next_best_product"] = nbp.recommend(data.owned, data.view, k=k)
    pop = PopularityRecommender().fit(data.owned)
    offers["popularity"] = pop.recommend(data.owned, k=k)
    oracle = AffinityOracle(data.traits).fit(data.owned)
    offers["oracle_true_take_up"] = oracle.recommend(data.owned, k=k)
    ev = evaluate_offers(offers, data.heldout, k=tuple(range(1, k + 1)), traits=data.traits)
    table = ev.table.reset_index() if "engine" not in ev.table.columns else ev.table
    recall = float("nan")
    if domain == "bank":
        planted = world.truth["planted_rules"]
        planted = planted[planted["level"].astype(str) == "holdings"]
        if len(planted):
            recall = float(planted_rule_recall(rules, planted, match="exact").metrics["recall"])
    return CrossSellResult(
        evaluation=table,
        rules=assoc.summary(),
        planted_recall=recall,
        offers=offers,
        cutoff=data.cutoff,
        k=k,
    )
