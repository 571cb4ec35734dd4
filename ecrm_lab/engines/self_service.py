"""Web self-service and personalised pages: what a logged-in customer sees.

:func:`self_service_page` assembles the page of one customer at a moment, from the world's
observed tables:

* **bank** — the accounts held with their balances and status, the latest transactions;
* **retail** — the latest orders with their tracking status (from the delivery promise:
  dispatched the day after the order, delivered within :data:`DELIVERY_DAYS` days) and the
  order history;
* the customer's open service requests;
* FAQ suggestions ranked by what the customer looked at recently (:func:`rank_faq`): each
  recent page view counts for the FAQ entries about its page type (tracking, support, login,
  checkout) or its product, weighted by recency (half-life ``half_life_days``); open service
  requests count for the FAQ entries about their category;
* personalised offers, when an :class:`~ecrm_lab.engines.Offers` is given.

The FAQ catalogue (:data:`FAQ_ENTRIES`) is a small knowledge base per domain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._result import Result
from .._validation import Interval, check_param
from ..exceptions import DataError

__all__ = [
    "FAQ",
    "FAQ_ENTRIES",
    "DELIVERY_DAYS",
    "SelfServicePage",
    "rank_faq",
    "self_service_page",
]

#: days within which the retailer promises delivery (tracking status of orders)
DELIVERY_DAYS = 3


@dataclass(frozen=True)
class FAQ:
    """One entry of the knowledge base and what it is about."""

    question: str
    pages: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()


FAQ_ENTRIES: dict[str, tuple[FAQ, ...]] = {
    "bank": (
        FAQ(
            "How do I reset my online banking password?",
            pages=("login",),
            topics=("account_access",),
        ),
        FAQ(
            "How do I dispute a card payment?",
            pages=("support",),
            topics=("payment_dispute", "card_problem"),
        ),
        FAQ(
            "Which fees do I pay, and where is my statement?",
            pages=("faq",),
            topics=("fees_statement",),
        ),
        FAQ(
            "How do I report a lost card or a fraudulent payment?",
            pages=("support",),
            topics=("fraud_report", "card_problem"),
        ),
        FAQ("How do I change my address?", topics=("address_change",)),
        FAQ("How do I open a new account online?", pages=("checkout",)),
        FAQ("How much could I borrow with a mortgage?", items=("mortgage",)),
        FAQ(
            "How much can I borrow with a personal loan, and at what rate?",
            items=("personal_loan",),
        ),
        FAQ("Which credit card suits me?", items=("credit_card",)),
        FAQ("How is interest on savings paid?", items=("savings_account",)),
        FAQ("How do investment funds work, and what are the risks?", items=("investment_fund",)),
        FAQ("What does home and life insurance cover?", items=("insurance",)),
        FAQ("How do I use my current account abroad?", items=("current_account",)),
    ),
    "retail": (
        FAQ("Where is my order?", pages=("tracking",), topics=("order_tracking",)),
        FAQ(
            "My delivery is late or damaged: what now?",
            pages=("tracking",),
            topics=("delivery_problem",),
        ),
        FAQ(
            "How do I return an item and get a refund?",
            pages=("support",),
            topics=("return_refund",),
        ),
        FAQ(
            "My item is faulty: what does the warranty cover?",
            pages=("support",),
            topics=("product_defect", "warranty_claim"),
        ),
        FAQ("Why was my payment declined?", pages=("checkout",), topics=("billing_payment",)),
        FAQ("I cannot log in to my account", pages=("login",), topics=("account_access",)),
        FAQ("How do I make a complaint?", pages=("faq",), topics=("complaint",)),
        FAQ("Is there an extended warranty on electronics?", items=("electronics",)),
        FAQ("How do I choose the right size of clothing?", items=("clothing", "sports")),
        FAQ("Are your baby and toy products safety tested?", items=("baby", "toys")),
        FAQ("How fresh is the fresh food, and how is it delivered?", items=("fresh_food",)),
        FAQ(
            "Can I set up a repeat order for pantry and household items?",
            items=("pantry", "household", "beverages"),
        ),
        FAQ("Which pet food suits my pet?", items=("pet",)),
        FAQ("Can I return opened beauty products?", items=("beauty",)),
        FAQ("Do you deliver large home and garden items?", items=("home_garden",)),
    ),
}


def rank_faq(
    page_views: pd.DataFrame,
    at: Any,
    domain: str,
    requests: pd.DataFrame | None = None,
    half_life_days: float = 7.0,
    days: float = 30.0,
    n: int = 5,
) -> pd.DataFrame:
    """FAQ entries ranked by one customer's recent page views (and open requests).

    Parameters
    ----------
    page_views : DataFrame
        The customer's page views: ``viewed_at``, ``page_type`` and ``item`` (the product
        code or category of product pages, else missing).
    at : date
        The moment of the visit; views in the ``days`` before it count, with weight
        ``0.5 ** (age in days / half_life_days)``.
    domain : str
        ``'bank'`` or ``'retail'`` (which FAQ catalogue).
    requests : DataFrame, optional
        The customer's open service requests (``category``): each adds 1 to the entries about
        its category.
    n : int
        Entries returned (those with a positive score, best first).

    Returns
    -------
    DataFrame
        ``question``, ``score``, ``because`` (the pages / items / requests that led to it).

    Examples
    --------
    >>> views = pd.DataFrame({"viewed_at": pd.to_datetime(["2024-03-01", "2024-03-09"]),
    ...                       "page_type": ["product", "tracking"], "item": ["toys", None]})
    >>> rank_faq(views, "2024-03-10", "retail")["question"].tolist()
    ['Where is my order?', 'My delivery is late or damaged: what now?', \
'Are your baby and toy products safety tested?']
    """
    where = "rank_faq"
    check_param(domain, "domain", where, str, choices=tuple(FAQ_ENTRIES))
    check_param(
        half_life_days, "half_life_days", where, float, interval=Interval(0, None, "neither")
    )
    check_param(days, "days", where, float, interval=Interval(0, None, "neither"))
    check_param(n, "n", where, int, interval=Interval(1, None))
    at = pd.Timestamp(at)
    pv = page_views[
        (page_views["viewed_at"] <= at) & (page_views["viewed_at"] > at - pd.Timedelta(days=days))
    ]
    age = ((at - pv["viewed_at"]) / pd.Timedelta(days=1)).to_numpy(np.float64)
    weight = 0.5 ** (age / half_life_days)
    ptype = pv["page_type"].astype(str).to_numpy()
    item = pv["item"].astype(object).to_numpy() if "item" in pv.columns else np.full(len(pv), None)
    topics = (
        requests["category"].astype(str).to_numpy()
        if requests is not None and len(requests)
        else np.array([], dtype=object)
    )
    rows = []
    for faq in FAQ_ENTRIES[domain]:
        by_page = np.isin(ptype, faq.pages)
        by_item = np.isin(item, faq.items) if faq.items else np.zeros(len(pv), bool)
        hit = by_page | by_item
        n_topic = int(np.isin(topics, faq.topics).sum()) if faq.topics else 0
        score = float(weight[hit].sum()) + n_topic
        if score <= 0:
            continue
        because = []
        if by_page.any():
            because.append(f"{int(by_page.sum())} {'/'.join(faq.pages)} page(s)")
        if by_item.any():
            because.append(f"{int(by_item.sum())} product page(s) on {'/'.join(faq.items)}")
        if n_topic:
            because.append(f"{n_topic} open request(s)")
        rows.append({"question": faq.question, "score": score, "because": ", ".join(because)})
    table = pd.DataFrame(rows, columns=["question", "score", "because"])
    table = table.sort_values("score", ascending=False, kind="stable").head(n)
    return table.reset_index(drop=True)


@dataclass(frozen=True, repr=False, eq=False)
class SelfServicePage(Result):
    """What one logged-in customer sees.

    Attributes
    ----------
    customer_id : int
    at : Timestamp
    domain : str
    greeting : str
    holdings : DataFrame
        Bank: accounts (product, opened, status, balance). Retail: the latest orders with
        ``status`` (processing / in transit / delivered) and ``expected_delivery``.
    history : DataFrame
        Bank: the latest transactions. Retail: the order history.
    requests : DataFrame
        Open service requests (not resolved by ``at``; abandoned ones left out).
    faq : DataFrame
        FAQ suggestions (:func:`rank_faq`).
    offers : DataFrame
        Personalised offers (empty without an Offers object).
    """

    customer_id: int
    at: pd.Timestamp
    domain: str
    greeting: str
    holdings: pd.DataFrame
    history: pd.DataFrame
    requests: pd.DataFrame
    faq: pd.DataFrame
    offers: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def title(self) -> str:  # type: ignore[override]
        return f"Self-service page of customer {self.customer_id} on {self.at.date()}"

    def summary(self) -> pd.DataFrame:
        """The page at a glance: one row per section."""
        h = self.holdings
        if self.domain == "bank":
            is_open = h["status"] == "open"
            loans = h["product"].isin(["personal_loan", "mortgage"])
            first = (
                f"{int(is_open.sum())} open accounts; deposits "
                f"{h.loc[is_open & ~loans, 'balance'].sum():,.2f}, loans "
                f"{h.loc[is_open & loans, 'balance'].abs().sum():,.2f}"
            )
        else:
            open_orders = int((h["status"] != "delivered").sum()) if len(h) else 0
            first = f"{len(h)} recent orders, {open_orders} on the way"
        rows = [
            ("greeting", self.greeting),
            ("accounts" if self.domain == "bank" else "orders", first),
            ("history", f"{len(self.history)} latest entries"),
            ("open requests", str(len(self.requests))),
            ("top FAQ", self.faq["question"].iloc[0] if len(self.faq) else "none"),
            ("best offer", str(self.offers["offer"].iloc[0]) if len(self.offers) else "none"),
        ]
        return pd.DataFrame(rows, columns=["section", "content"]).set_index("section")

    def plot(self, ax=None, **kwargs):
        from ..plotting.engines import plot_faq_suggestions

        return plot_faq_suggestions(self, ax=ax, **kwargs)


def self_service_page(
    world: Any,
    customer_id: int,
    at: Any = None,
    offers: Any = None,
    n_history: int = 10,
    days: float = 30.0,
    half_life_days: float = 7.0,
) -> SelfServicePage:
    """The self-service page of ``customer_id`` at ``at`` (default: the end of the horizon).

    Uses only observed tables: the customer's web sessions are those linked by login or
    campaign link (:func:`~ecrm_lab.engines.world_data.session_customers`).
    """
    from .personalization import Offers
    from .world_data import _at, _domain, _items, session_customers

    where = "self_service_page"
    domain = _domain(world)
    at = _at(world, at, where)
    check_param(customer_id, "customer_id", where, int)
    check_param(n_history, "n_history", where, int, interval=Interval(1, 1000))
    c = world["customers"]
    row = c[c["customer_id"] == customer_id]
    if row.empty:
        raise DataError(f"{where}: there is no customer {customer_id}.")
    row = row.iloc[0]
    if row["acquisition_date"] > at:
        raise DataError(f"{where}: customer {customer_id} was not yet a customer on {at.date()}.")
    greeting = f"Welcome back, {row['first_name']} {row['last_name']}"

    if domain == "bank":
        a = world["accounts"]
        a = a[(a["customer_id"] == customer_id) & (a["open_date"] <= at)]
        status = np.where(a["close_date"].notna() & (a["close_date"] <= at), "closed", "open")
        holdings = pd.DataFrame(
            {
                "product": a["product_code"].astype(str).to_numpy(),
                "opened": a["open_date"].dt.date.to_numpy(),
                "status": status,
                "balance": a["balance"].round(2).to_numpy(),
            }
        ).sort_values(["status", "product"], ascending=[False, True], ignore_index=True)
        t = world["transactions"]
        t = t[(t["customer_id"] == customer_id) & (t["timestamp"] <= at)]
        t = t.sort_values("timestamp", ascending=False, kind="stable").head(n_history)
        history = pd.DataFrame(
            {
                "when": t["timestamp"].to_numpy(),
                "what": t["merchant_category"].astype(str).to_numpy(),
                "channel": t["channel"].astype(str).to_numpy(),
                "amount": t["amount"].round(2).to_numpy(),
            }
        )
    else:
        o = world["orders"]
        o = o[(o["customer_id"] == customer_id) & (o["order_date"] <= at)]
        o = o.sort_values("order_date", ascending=False, kind="stable")
        age = ((at - o["order_date"]) / pd.Timedelta(days=1)).to_numpy()
        status = np.select(
            [age < 1, age < DELIVERY_DAYS], ["processing", "in transit"], default="delivered"
        )
        recent = pd.DataFrame(
            {
                "order_id": o["order_id"].to_numpy(),
                "ordered": o["order_date"].to_numpy(),
                "items": o["n_items"].to_numpy(),
                "value": o["order_value"].round(2).to_numpy(),
                "status": status,
                "expected_delivery": (
                    o["order_date"].dt.normalize() + pd.Timedelta(days=DELIVERY_DAYS)
                ).dt.date.to_numpy(),
            }
        )
        holdings = recent.head(5).reset_index(drop=True)
        history = recent.head(n_history).drop(columns=["expected_delivery"]).reset_index(drop=True)

    sr = world["service_requests"]
    sr = sr[
        (sr["customer_id"] == customer_id)
        & (sr["opened_at"] <= at)
        & (sr["resolved_at"].isna() | (sr["resolved_at"] > at))
        & (sr["status"].astype(str) != "abandoned")
    ]
    requests = pd.DataFrame(
        {
            "request_id": sr["request_id"].to_numpy(),
            "opened": sr["opened_at"].to_numpy(),
            "category": sr["category"].astype(str).to_numpy(),
            "channel": sr["channel"].astype(str).to_numpy(),
        }
    ).reset_index(drop=True)

    owners = session_customers(world)
    mine = owners.loc[owners["customer_id"] == customer_id, "session_id"]
    pv = world["page_views"]
    pv = pv[pv["session_id"].isin(mine)]
    code = pv["product_code"].astype("string").fillna("")
    if domain == "retail":
        p = world["products"]
        cat = pd.Series(p["category"].astype(str).to_numpy(), index=p["product_code"].astype(str))
        code = cat.reindex(code).fillna("")
    item = pd.Series(code.to_numpy(dtype=object))
    item = item.where(item.isin(_items(domain)), None).to_numpy(dtype=object)
    views = pd.DataFrame(
        {
            "viewed_at": pv["viewed_at"].to_numpy(),
            "page_type": pv["page_type"].astype(str).to_numpy(),
            "item": item,
        }
    )
    faq = rank_faq(views, at, domain, requests=requests, half_life_days=half_life_days, days=days)

    offer_table = pd.DataFrame(columns=["rank", "offer", "reason"])
    if offers is not None:
        if not isinstance(offers, Offers):
            raise DataError(f"{where}: offers must be Offers, got {type(offers).__name__}.")
        if customer_id in set(offers.customer_ids.tolist()):
            f = offers.for_customer(customer_id).head(3)
            cols = [col for col in ("rank", "offer", "reason") if col in f.columns]
            offer_table = f[cols].reset_index(drop=True)
            offer_table["offer"] = offer_table["offer"].astype(str)
    return SelfServicePage(
        customer_id=int(customer_id),
        at=at,
        domain=domain,
        greeting=greeting,
        holdings=holdings,
        history=history,
        requests=requests,
        faq=faq,
        offers=offer_table,
    )
