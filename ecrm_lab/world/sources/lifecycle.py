"""Source: ``lifecycle_events`` — acquisition, product adoption (extension), churn, win-back.

Every event is read off the other tables, so the lifecycle agrees with them:

* **acquisition**: each customer acquired inside the horizon, on ``customers.acquisition_date``
  (detail: the acquisition channel; bank product: the current account opened then);
* **adoption** (extension): bank — every account opened inside the horizon after the
  acquisition (``accounts.opened_via`` organic, rule, campaign or sales; detail: how);
  retail — the first purchase of a category at least :data:`ADOPTION_HISTORY_DAYS` days after
  the customer's observation began (acquisition or start), i.e. a category the customer had
  not bought in that time (detail: the category; product: the SKU);
* **churn**: bank — the true churn date (all accounts close, ``true_churn.churn_date``);
  retail — churn is not observable in a non-contractual business: only churners who hold a
  loyalty card cancel it (detail ``loyalty_card_cancelled``); the others leave silently and
  must be inferred from inactivity (the truth is ``true_churn``);
* **win_back**: a churned customer returns with probability
  :func:`ecrm_lab.world.behaviour.win_back_probability`, 30-365 days after churn
  (``true_churn.win_back_date``; purchases / transactions, the web and service sources resume
  at that date).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._context import WorldContext
from ..schema import Column, TableSchema, register
from ._common import (
    categorical,
    customer_windows,
    label_codes,
    string_codes,
    to_secs,
    vocab_strings,
)

__all__ = ["EVENT_TYPES", "ADOPTION_HISTORY_DAYS", "generate", "LIFECYCLE_EVENTS_SCHEMA"]

EVENT_TYPES = ("acquisition", "adoption", "churn", "win_back")
#: retail: a category first bought this long after observation began counts as adopted
ADOPTION_HISTORY_DAYS = 90.0

LIFECYCLE_EVENTS_SCHEMA = register(
    TableSchema(
        "lifecycle_events",
        "The customer lifecycle as events: acquisition, product adoption (extension: up-sell, "
        "cross-sell), churn and win-back, consistent with customers, accounts/orders and the true "
        "churn dates. Bank churn is observed (all accounts close); retail churn only when a "
        "loyalty-card holder cancels the card. Win-back: a churned customer returns with "
        "probability behaviour.win_back_probability, 30-365 days after churn (purchases or "
        "transactions, web visits and service requests resume then).",
        (
            Column("event_id", "int64", "Key, 1..n in order of time.", unique=True, low=1),
            Column("customer_id", "int64", "Customer.", references="customers.customer_id"),
            Column("event_type", "category", "Lifecycle event.", choices=EVENT_TYPES),
            Column(
                "event_at",
                "datetime64[ns]",
                "When (acquisition, adoption and win-back at midnight of "
                "the day; churn at the true moment).",
                low="start",
                high="end",
            ),
            Column(
                "product_code",
                "string",
                "Product adopted (bank: the account's product; "
                "retail: the SKU of the first purchase in the category); bank acquisition: "
                "current_account; missing otherwise.",
                nullable=True,
                references="products.product_code",
            ),
            Column(
                "detail",
                "string",
                "acquisition: the acquisition channel; adoption: bank "
                "opened_via (organic, rule, campaign, sales), retail the category; churn: "
                "accounts_closed (bank) or loyalty_card_cancelled (retail); win_back: "
                "returned.",
                nullable=True,
            ),
        ),
        primary_key=("event_id",),
    )
)


_CHURN_DETAIL = ("accounts_closed", "loyalty_card_cancelled", "returned")


def generate(ctx: WorldContext) -> None:
    """Add ``lifecycle_events`` (module docstring)."""
    from ..banking import OPENED_VIA
    from ..customers import ACQUISITION_CHANNELS

    customers = ctx.tables["customers"]
    products = ctx.tables["products"]
    codes = list(products["product_code"].to_numpy())
    categories = list(products["category"].cat.categories)
    acq_channels = list(ACQUISITION_CHANNELS[ctx.domain])
    # one vocabulary for the detail column; each event type uses its own slice of it
    vocab = acq_channels + list(OPENED_VIA) + categories + list(_CHURN_DETAIL)
    at_via, at_cat, at_end = (
        len(acq_channels),
        len(acq_channels) + len(OPENED_VIA),
        len(acq_channels) + len(OPENED_VIA) + len(categories),
    )
    h = ctx.horizon_days
    win = customer_windows(ctx)
    ids = customers["customer_id"].to_numpy()
    parts = []

    def add(kind, cust, day, product, detail):
        parts.append(
            {
                "type": np.full(len(cust), EVENT_TYPES.index(kind)),
                "customer": np.asarray(cust, np.int64),
                "day": np.asarray(day, np.float64),
                "product": np.asarray(product, np.int64),
                "detail": np.asarray(detail, np.int64),
            }
        )

    bank = ctx.domain == "bank"
    new = np.flatnonzero((win.acq >= 0) & (win.acq < h))
    acq_ch = label_codes(customers["acquisition_channel"], acq_channels)
    add(
        "acquisition",
        ids[new],
        win.acq[new],
        np.full(len(new), codes.index("current_account") if bank else -1),
        acq_ch[new],
    )

    if bank:
        acc = ctx.tables["accounts"]
        via = label_codes(acc["opened_via"], OPENED_VIA)
        day = ctx.to_days(acc["open_date"].to_numpy())
        # (the current account reopened by a won-back customer is no adoption)
        adopted = (via >= OPENED_VIA.index("organic")) & (via != OPENED_VIA.index("win_back"))
        sel = np.flatnonzero((day >= 0) & adopted)
        prod = string_codes(acc["product_code"], codes)[sel]
        add("adoption", acc["customer_id"].to_numpy()[sel], day[sel], prod, at_via + via[sel])
    else:
        cust, day, sku, cat = _retail_adoptions(ctx, win)
        add("adoption", cust, day, sku, at_cat + cat)

    churned = np.flatnonzero(~np.isnan(win.churn))
    if not bank:  # only loyalty-card holders tell the retailer that they leave
        churned = churned[customers["loyalty_member"].to_numpy()[churned]]
    add(
        "churn",
        ids[churned],
        win.churn[churned],
        np.full(len(churned), -1),
        np.full(len(churned), at_end + (0 if bank else 1)),
    )
    back = np.flatnonzero(~np.isnan(win.back))
    add(
        "win_back",
        ids[back],
        win.back[back],
        np.full(len(back), -1),
        np.full(len(back), at_end + 2),
    )

    e = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    secs = to_secs(e["day"])
    order = np.lexsort((e["customer"], e["type"], secs))
    product = e["product"][order]
    ctx.tables["lifecycle_events"] = pd.DataFrame(
        {
            "event_id": np.arange(1, len(order) + 1, dtype=np.int64),
            "customer_id": e["customer"][order],
            "event_type": categorical(e["type"][order], EVENT_TYPES),
            "event_at": (ctx.start.value + secs[order] * 10**9).astype("datetime64[ns]"),
            "product_code": vocab_strings(codes, product, valid=product >= 0),
            "detail": vocab_strings(vocab, e["detail"][order]),
        }
    )


def _retail_adoptions(ctx: WorldContext, win):
    """First purchase per (customer, category) at least ADOPTION_HISTORY_DAYS after the
    customer's observation began: customer id, day, SKU index, category index."""
    orders = ctx.tables["orders"]
    lines = ctx.tables["order_lines"]
    prod = ctx.tables["products"]
    sku_cat = prod["category"].cat.codes.to_numpy().astype(np.int64)
    n_cat = len(prod["category"].cat.categories)
    o_id = orders["order_id"].to_numpy()
    l_order = lines["order_id"].to_numpy()
    if len(o_id) and np.array_equal(o_id, np.arange(1, len(o_id) + 1)):
        pos = l_order - 1  # orders are numbered 1..n in row order
    else:
        pos = pd.Index(o_id).get_indexer(l_order)
    cust = orders["customer_id"].to_numpy()[pos]
    secs = (orders["order_date"].to_numpy().astype(np.int64) - ctx.start.value) // 10**9
    secs = secs[pos]
    sku = string_codes(lines["product_code"], prod["product_code"].to_numpy())
    key = (cust - 1) * n_cat + sku_cat[sku]
    # the first purchase of each (customer, category): earliest time, then first line
    first_secs = np.full(ctx.n_customers * n_cat, np.iinfo(np.int64).max)
    np.minimum.at(first_secs, key, secs)
    cand = np.flatnonzero(secs == first_secs[key])
    first_row = np.full(ctx.n_customers * n_cat, len(secs))
    np.minimum.at(first_row, key[cand], cand)
    rows = first_row[first_row < len(secs)]
    c, d, s = cust[rows], secs[rows] / 86_400.0, sku[rows]
    keep = d >= win.a0[c - 1] + ADOPTION_HISTORY_DAYS
    c, d, s = c[keep], d[keep], s[keep]
    return c, np.floor(d), s, sku_cat[s]
