"""Step 4 (retail): ``orders`` and ``order_lines`` with planted rules, sequences and anomalies.

Orders
------
Order times are BG/NBD (:mod:`ecrm_lab.world.activity`) with the customer's ``purchase_rate``
(orders per month) and ``dropout_p``; a customer acquired inside the horizon places the first
order on the acquisition day. The order channel depends on the preferred channel.

Baskets
-------
``1 + Poisson(2.5)`` lines; each line's category is drawn from
:func:`~ecrm_lab.world.behaviour.category_weights` (affinity squared), the SKU from
:func:`~ecrm_lab.world.products.sku_probabilities` (popularity and price sensitivity), the
quantity is 1, 2 or 3 (0.85 / 0.12 / 0.03). Repeated SKUs in one order are merged.

Planted patterns (truth ``planted_rules`` / ``planted_sequences``): after the basket is drawn,
for each rule whose antecedent SKUs are all in the order and whose consequent is not, the
consequent is added with the planted probability (rules are applied in order, so the pasta ->
tomato sauce rule feeds the {pasta, tomato sauce} -> parmesan rule). For each sequence, when an
order contains 'first', the customer's next order gets 'then' with the planted probability.

Planted anomalies (truth ``planted_anomalies``): 0.05 % of orders are bulk orders (one line of
40-160 units, a reseller) and 0.02 % of lines carry a price glitch (unit price 0.01).
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from . import _strings as S
from . import behaviour as B
from ._context import WorldContext
from .activity import Warp, last_event_day, lifetime_events, time_of_day
from .catalogue import CHANNELS, RETAIL_CATEGORIES, sku_code
from .products import N_PRICE_BINS, price_bin, retail_skus, sku_probabilities
from .schema import Column, TableSchema, register
from .truth import anomalies_frame, rules_frame, sequences_frame, set_inactivity

__all__ = [
    "ORDER_CHANNELS",
    "RULES",
    "SEQUENCES",
    "BULK_ORDER_RATE",
    "PRICE_GLITCH_RATE",
    "make_retail_activity",
    "basket_lines",
    "build_orders",
    "dedupe_lines",
    "sku_index",
    "ORDERS_SCHEMA",
    "ORDER_LINES_SCHEMA",
]

ORDER_CHANNELS = ("web", "mobile", "store", "phone")
#: P(order channel | preferred channel), rows in the order of CHANNELS['retail']
_ORDER_CHANNEL_BY_PREF = np.array(
    [
        [0.70, 0.20, 0.10, 0.00],  # web
        [0.50, 0.10, 0.38, 0.02],  # email
        [0.20, 0.05, 0.50, 0.25],  # phone
        [0.25, 0.65, 0.10, 0.00],  # mobile
        [0.15, 0.05, 0.80, 0.00],  # store
    ]
)
assert _ORDER_CHANNEL_BY_PREF.shape[0] == len(CHANNELS["retail"])

#: planted co-purchase rules: (antecedent items, consequent item, probability)
RULES = (
    ((("pantry", "Pasta"),), ("pantry", "Tomato sauce"), 0.55),
    ((("baby", "Nappies"),), ("baby", "Baby wipes"), 0.65),
    ((("pet", "Dog food"),), ("pet", "Dog treats"), 0.50),
    ((("beverages", "Beer"),), ("pantry", "Crisps"), 0.45),
    ((("pantry", "Pasta"), ("pantry", "Tomato sauce")), ("fresh_food", "Parmesan"), 0.50),
    ((("sports", "Running shoes"),), ("sports", "Sports socks"), 0.60),
    ((("home_garden", "Paint"),), ("home_garden", "Paint brush"), 0.70),
)
#: planted sequences: (first item, item in the next order, probability)
SEQUENCES = (
    (("electronics", "Games console"), ("electronics", "Video game"), 0.50),
    (("baby", "Baby bottle"), ("baby", "Baby formula"), 0.40),
    (("sports", "Tent"), ("sports", "Sleeping bag"), 0.45),
    (("electronics", "Printer"), ("electronics", "Printer ink"), 0.50),
)
#: relative order volume by hour of day
_ORDER_HOURS = np.array(
    [
        0.2,
        0.1,
        0.1,
        0.1,
        0.1,
        0.2,
        0.5,
        1,
        2,
        3,
        4,
        4.5,
        5,
        4.5,
        4,
        4,
        4.5,
        5,
        5.5,
        5.5,
        5,
        4,
        2,
        0.8,
    ]
)
BULK_ORDER_RATE = 0.0005
PRICE_GLITCH_RATE = 0.0002

ORDERS_SCHEMA = register(
    TableSchema(
        "orders",
        "Retail orders (web, app, store, phone). BG/NBD timing per customer; the value is the sum "
        "of the order's lines. Campaign take-ups appear as orders with a promo code.",
        (
            Column(
                "order_id",
                "int64",
                "Key: orders numbered by customer and time, campaign orders after them.",
                unique=True,
                low=1,
            ),
            Column("customer_id", "int64", "Customer.", references="customers.customer_id"),
            Column(
                "order_date",
                "datetime64[ns]",
                "When the order was placed.",
                low="start",
                high="end",
            ),
            Column("channel", "category", "Where the order was placed.", choices=ORDER_CHANNELS),
            Column("n_lines", "int64", "Number of lines (distinct SKUs).", low=1),
            Column("n_items", "int64", "Number of units.", low=1),
            Column("order_value", "float64", "Sum of line values.", low=0.0),
            Column(
                "promo_code",
                "string",
                "Campaign code redeemed (campaigns.campaign_code), if any.",
                nullable=True,
                references="campaigns.campaign_code",
            ),
        ),
        primary_key=("order_id",),
        domains=("retail",),
    )
)

ORDER_LINES_SCHEMA = register(
    TableSchema(
        "order_lines",
        "Lines of retail orders: one row per SKU in an order (the basket). Planted co-purchase "
        "rules and sequences live here.",
        (
            Column("order_id", "int64", "Order.", references="orders.order_id"),
            Column("line_no", "int64", "Line number within the order, from 1.", low=1),
            Column("product_code", "string", "SKU.", references="products.product_code"),
            Column("quantity", "int64", "Units.", low=1),
            Column(
                "unit_price",
                "float64",
                "Price paid per unit (list price; campaign orders get the campaign discount).",
                low=0.0,
            ),
            Column("line_value", "float64", "quantity x unit_price.", low=0.0),
        ),
        primary_key=("order_id", "line_no"),
        domains=("retail",),
    )
)

_SKU_VOCAB: list = []


def sku_vocab() -> S.Vocab:
    if not _SKU_VOCAB:
        _SKU_VOCAB.append(S.Vocab(list(retail_skus()["product_code"])))
    return _SKU_VOCAB[0]


def sku_index(cat: str, item: str) -> int:
    """Row of the classic SKU of ``item`` in :func:`~ecrm_lab.world.products.retail_skus`."""
    codes = list(retail_skus()["product_code"])
    return codes.index(sku_code(cat, item))


@functools.lru_cache(maxsize=1)
def _sku_table() -> np.ndarray:
    """Rows ``bin * 12 + category``: P(sku) (zero outside the category)."""
    probs, cat, _ = sku_probabilities()
    n_cat = len(RETAIL_CATEGORIES)
    table = np.zeros((N_PRICE_BINS * n_cat, probs.shape[1]))
    for b in range(N_PRICE_BINS):
        for c in range(n_cat):
            table[b * n_cat + c] = np.where(cat == c, probs[b], 0.0)
    return table


def basket_lines(
    rng: np.random.Generator,
    traits: pd.DataFrame,
    order_owner: np.ndarray,
    extra_items: float = B.BASKET_EXTRA_ITEMS,
):
    """Draw basket lines for orders whose customers are rows ``order_owner`` of ``traits``.

    Returns ``(line_order, sku, quantity)``: the order index of each line (sorted), the SKU
    index (row of :func:`~ecrm_lab.world.products.retail_skus`) and the quantity.
    """
    n_orders = len(order_owner)
    n_items = 1 + rng.poisson(extra_items, n_orders)
    line_order = np.repeat(np.arange(n_orders, dtype=np.int64), n_items)
    owner = order_owner[line_order]
    w = B.category_weights(traits)
    cat = B.draw_from_table(rng, w, owner)
    pbin = price_bin(traits["price_sensitivity"].to_numpy())[owner]
    sku = B.draw_from_table(rng, _sku_table(), pbin * len(RETAIL_CATEGORIES) + cat)
    qty = 1 + B.draw_from_table(rng, np.array([B.QUANTITY_P]), np.zeros(len(sku), dtype=np.int64))
    return line_order, sku, qty


def dedupe_lines(line_order, sku, qty, n_sku):
    """Keep the first line of each SKU within an order (arrays sorted by order)."""
    key = line_order * n_sku + sku
    _, first = np.unique(key, return_index=True)
    keep = np.sort(first)
    return line_order[keep], sku[keep], qty[keep]


def _presence(line_order, sku, target, n_orders):
    return np.bincount(line_order[sku == target], minlength=n_orders) > 0


def _block(ctx, warp, traits, acq, churn, back, rng):
    H = ctx.horizon_days
    stop = np.where(np.isnan(churn), H, churn)
    start = np.maximum(acq, 0.0)
    pre = acq < 0
    rate, dropout = traits["purchase_rate"].to_numpy(), traits["dropout_p"].to_numpy()
    # won-back customers buy again from their return, which is itself an order
    life = lifetime_events(
        rng,
        warp,
        rate,
        dropout,
        start,
        stop,
        pre,
        churn,
        back,
        H,
        first_at_start=~pre,
        return_purchase=True,
    )
    ev = life.events
    owner = ev.owner
    n_orders = len(owner)
    pref = traits["channel_pref"].cat.codes.to_numpy()
    channel = B.draw_from_table(rng, _ORDER_CHANNEL_BY_PREF, pref[owner])
    day = ev.day.copy()
    # a new customer's first order is placed on the acquisition day (the uniform part of the
    # day is drawn here; never after the customer's next order)
    if n_orders:
        first = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        first = first[(~pre[owner[first]]) & (day[first] == start[owner[first]])]
        nxt = np.append(day, np.inf)[first + 1]
        nxt = np.where(np.append(owner, -1)[first + 1] == owner[first], nxt, np.inf)
        day[first] = np.minimum(day[first] + rng.random(len(first)), nxt)
    ts = np.clip(time_of_day(day, _ORDER_HOURS), life.lo, life.hi - 1e-6)
    secs = np.floor(ts * 86_400.0).astype(np.int64)
    ev.inactive_day = last_event_day(ev, secs / 86_400.0, len(traits))

    line_order, sku, qty = basket_lines(rng, traits, owner)
    n_sku = len(retail_skus())
    line_order, sku, qty = dedupe_lines(line_order, sku, qty, n_sku)
    for antecedent, consequent, p in RULES:
        has = np.ones(n_orders, dtype=bool)
        for item in antecedent:
            has &= _presence(line_order, sku, sku_index(*item), n_orders)
        c = sku_index(*consequent)
        add = np.flatnonzero(
            has & ~_presence(line_order, sku, c, n_orders) & (rng.random(n_orders) < p)
        )
        line_order, sku, qty = _append(line_order, sku, qty, add, c)
    nxt = np.arange(1, n_orders + 1)
    has_next = np.zeros(n_orders, dtype=bool)
    if n_orders:
        has_next[:-1] = owner[1:] == owner[:-1]
    for first, then, p in SEQUENCES:
        f, t = sku_index(*first), sku_index(*then)
        src = _presence(line_order, sku, f, n_orders) & has_next
        target = nxt[np.flatnonzero(src & (rng.random(n_orders) < p))]
        target = target[~_presence(line_order, sku, t, n_orders)[target]]
        line_order, sku, qty = _append(line_order, sku, qty, np.unique(target), t)
    srt = np.argsort(line_order, kind="stable")
    line_order, sku, qty = line_order[srt], sku[srt], qty[srt]

    prices = retail_skus()["price"].to_numpy()
    unit_price = prices[sku].copy()
    bulk_orders = np.flatnonzero(rng.random(n_orders) < BULK_ORDER_RATE)
    first_line = np.searchsorted(line_order, bulk_orders)
    qty[first_line] = 40 + rng.integers(0, 121, len(bulk_orders))
    glitch = np.flatnonzero(rng.random(len(sku)) < PRICE_GLITCH_RATE)
    unit_price[glitch] = 0.01
    return {
        "row": owner,
        "secs": secs,
        "channel": channel,
        "line_order": line_order,
        "sku": sku,
        "qty": qty,
        "unit_price": unit_price,
        "bulk": bulk_orders,
        "bulk_sku": sku[first_line],
        "glitch": glitch,
    }, ev


def _append(line_order, sku, qty, orders, s):
    if len(orders) == 0:
        return line_order, sku, qty
    return (
        np.concatenate([line_order, orders]),
        np.concatenate([sku, np.full(len(orders), s)]),
        np.concatenate([qty, np.ones(len(orders), dtype=np.int64)]),
    )


def make_retail_activity(ctx: WorldContext, traits: pd.DataFrame) -> None:
    """Add ``orders`` and ``order_lines`` to ``ctx.tables``; add ``planted_rules``,
    ``planted_sequences``, ``planted_anomalies`` to ``ctx.truth``; fill the inactivity columns
    of ``true_churn``."""
    cust = ctx.tables["customers"]
    ids = cust["customer_id"].to_numpy()
    acq_all = ctx.to_days(cust["acquisition_date"].to_numpy())
    churn_all = ctx.to_days(ctx.truth["true_churn"]["churn_date"].to_numpy())
    back_all = ctx.to_days(ctx.truth["true_churn"]["win_back_date"].to_numpy())
    warp = Warp(ctx)
    _sku_table()  # fill the caches before the threads start

    def block(lo: int, hi: int, rng: np.random.Generator):
        part, ev = _block(
            ctx,
            warp,
            traits.iloc[lo:hi],
            acq_all[lo:hi],
            churn_all[lo:hi],
            back_all[lo:hi],
            rng,
        )
        part["row"] = part["row"] + lo
        return part, ev.inactive_day, ev.dormant

    results = ctx.map_blocks("orders", block)
    parts = [r[0] for r in results]
    inactive = [r[1] for r in results]
    dormant = [r[2] for r in results]
    del results
    # global order ids
    counts = np.array([len(p["row"]) for p in parts])
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    row = np.concatenate([p["row"] for p in parts])
    order_id = np.arange(1, len(row) + 1, dtype=np.int64)
    line_order = np.concatenate([p["line_order"] + o for p, o in zip(parts, offsets, strict=True)])
    sku = np.concatenate([p["sku"] for p in parts])
    qty = np.concatenate([p["qty"] for p in parts])
    unit_price = np.concatenate([p["unit_price"] for p in parts])
    line_counts = np.array([len(p["sku"]) for p in parts])
    line_offsets = np.concatenate([[0], np.cumsum(line_counts)[:-1]])
    glitch = np.concatenate([p["glitch"] + o for p, o in zip(parts, line_offsets, strict=True)])
    bulk = np.concatenate([p["bulk"] + o for p, o in zip(parts, offsets, strict=True)])
    bulk_sku = np.concatenate([p["bulk_sku"] for p in parts])
    secs = np.concatenate([p["secs"] for p in parts])
    channel = np.concatenate([p["channel"] for p in parts])
    orders, lines = build_orders(
        ctx,
        ids[row],
        secs,
        channel,
        order_id[line_order],
        sku,
        qty,
        unit_price,
        promo_code=None,
        first_id=1,
    )
    ctx.tables["orders"] = orders
    ctx.tables["order_lines"] = lines
    set_inactivity(ctx, np.concatenate(inactive), np.concatenate(dormant))
    codes = np.array(retail_skus()["product_code"], dtype=object)
    g_order = line_order[glitch]
    ctx.truth["planted_anomalies"] = anomalies_frame(
        kind=np.concatenate(
            [
                np.full(len(bulk), "bulk_order", dtype=object),
                np.full(len(glitch), "price_glitch", dtype=object),
            ]
        ),
        case_id=np.arange(1, len(bulk) + len(glitch) + 1),
        source_table=np.concatenate(
            [
                np.full(len(bulk), "orders", dtype=object),
                np.full(len(glitch), "order_lines", dtype=object),
            ]
        ),
        record_id=np.concatenate([order_id[bulk], order_id[g_order]]),
        customer_id=np.concatenate([ids[row[bulk]], ids[row[g_order]]]),
        product_code=np.concatenate([codes[bulk_sku], codes[sku[glitch]]]),
    )
    ctx.truth["planted_rules"] = rules_frame(
        [
            (
                "|".join(sku_code(*a) for a in ante),
                sku_code(*cons),
                p,
                "basket",
                f"{' and '.join(i for _, i in ante)} (classic) -> {cons[1]} (classic): added to the "
                f"order with probability {p}.",
            )
            for ante, cons, p in RULES
        ]
    )
    ctx.truth["planted_sequences"] = sequences_frame(
        [
            (
                sku_code(*f),
                sku_code(*t),
                p,
                None,
                "next_order",
                f"An order with {f[1]} (classic) is followed by {t[1]} (classic) in the customer's "
                f"next order with probability {p}.",
            )
            for f, t, p in SEQUENCES
        ]
    )


def build_orders(
    ctx: WorldContext,
    customer_id,
    secs,
    channel,
    line_order_id,
    sku,
    qty,
    unit_price,
    promo_code,
    first_id: int,
):
    """Assemble ``orders`` and ``order_lines`` frames from arrays (lines sorted by order)."""
    n_orders = len(customer_id)
    order_id = np.arange(first_id, first_id + n_orders, dtype=np.int64)
    line_value = np.round(qty * unit_price, 2)
    local = line_order_id - first_id
    n_lines = np.bincount(local, minlength=n_orders)
    starts = np.cumsum(n_lines) - n_lines
    line_no = np.arange(len(local)) - np.repeat(starts, n_lines) + 1
    if promo_code is None:
        promo = pd.Series(pd.array([None] * n_orders, dtype="str"))
    else:
        promo = pd.Series(pd.array(promo_code, dtype="str"))
    orders = pd.DataFrame(
        {
            "order_id": order_id,
            "customer_id": np.asarray(customer_id, dtype=np.int64),
            "order_date": (ctx.start.value + np.asarray(secs) * 10**9).astype("datetime64[ns]"),
            "channel": pd.Categorical.from_codes(channel, categories=ORDER_CHANNELS),
            "n_lines": n_lines.astype(np.int64),
            "n_items": np.bincount(local, weights=qty, minlength=n_orders).astype(np.int64),
            "order_value": np.round(
                np.bincount(local, weights=line_value, minlength=n_orders).astype(np.float64), 2
            ),
            "promo_code": promo.array,
        },
        copy=False,
    )
    lines = pd.DataFrame(
        {
            "order_id": np.asarray(line_order_id, dtype=np.int64),
            "line_no": line_no.astype(np.int64),
            "product_code": S.from_vocab(sku_vocab(), sku).array,
            "quantity": qty.astype(np.int64),
            "unit_price": unit_price,
            "line_value": line_value,
        },
        copy=False,
    )
    return orders, lines
