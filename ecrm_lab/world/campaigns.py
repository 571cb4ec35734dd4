"""Step 5: ``campaigns``, ``campaign_contacts`` and ``campaign_responses`` (randomised).

The business ran about one campaign every two months (``max(2, months // 2)``), each offering
one product (bank: a product the customer does not hold yet; retail: a category, with a
featured classic SKU and a discount of 0-30 %) through one channel (e-mail 45 %, SMS 20 %,
post 20 %, phone 15 %). The historic campaigns were *untargeted*: among the eligible customers
(a customer at the time, consenting to the channel, bank: not holding the product) a random
share was selected (e-mail 100 %, SMS 80 %, post 40 %, phone 15 %: the dearer the channel, the
fewer contacts), and a random 20 % of those were held out as the control group (listed in
``campaign_contacts`` with ``group = 'control'``, not contacted, cost 0). That makes the data
suitable for response and uplift modelling.

Responses come from the latent model: P(take-up) is
:func:`~ecrm_lab.world.behaviour.take_up_probability` (contacted or not). Both potential
outcomes are drawn with one common uniform per customer and kept in the truth table
``campaign_uplift`` (true P(take-up) with and without contact and the true uplift), so an uplift
model can be scored against the truth. Take-ups happen 1-30 days after the contact (never after
churn or the horizon). Contacted customers also 'open' the message
(:func:`~ecrm_lab.world.behaviour.open_probability`) and e-mail/SMS recipients 'click'
(:func:`~ecrm_lab.world.behaviour.click_probability`).

A take-up is a real sale: bank take-ups open an account (``opened_via = 'campaign'``), retail
take-ups are orders with the campaign's promo code (the featured SKU at the discount plus
Poisson(1) more lines).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import behaviour as B
from ._context import WorldContext
from .catalogue import BANK_PRODUCTS, CAMPAIGN_CHANNELS, RETAIL_CATEGORIES, sku_code
from .schema import Column, TableSchema, register

__all__ = [
    "CONTACT_GROUPS",
    "RESPONSE_TYPES",
    "TARGET_SHARE",
    "CONTROL_SHARE",
    "make_campaigns",
    "n_campaigns",
]

CONTACT_GROUPS = ("treatment", "control")
RESPONSE_TYPES = ("opened", "clicked", "took_up")
CAMPAIGN_CHANNEL_CODES = tuple(c.code for c in CAMPAIGN_CHANNELS)
_CHANNEL_P = np.array([0.45, 0.20, 0.20, 0.15])
#: share of the eligible customers selected, by channel (cheap channels reach everybody)
TARGET_SHARE = {"email": 1.0, "sms": 0.8, "post": 0.4, "phone": 0.15}
CONTROL_SHARE = 0.20
RESPONSE_WINDOW_DAYS = 30
_BANK_CODES = tuple(p.code for p in BANK_PRODUCTS)
_BANK_OFFERS = tuple(c for c in _BANK_CODES if c != "current_account")
_RETAIL_OFFERS = tuple(c.code for c in RETAIL_CATEGORIES)

register(
    TableSchema(
        "campaigns",
        "Marketing campaigns: one offer through one channel to a random share of the eligible "
        "customers (e-mail 100 %, SMS 80 %, post 40 %, phone 15 %), with a random 20 % control "
        "group (see campaign_contacts).",
        (
            Column("campaign_id", "int64", "Key.", unique=True, low=1),
            Column(
                "campaign_code",
                "string",
                "Code printed on the offer / promo code ('C001', ...).",
                unique=True,
            ),
            Column("name", "string", "Name."),
            Column(
                "offer",
                "string",
                "What is offered: a bank product code, or a retail category code.",
            ),
            Column(
                "product_code",
                "string",
                "Product (bank) or featured SKU (retail).",
                references="products.product_code",
            ),
            Column(
                "channel", "category", "Channel of the contacts.", choices=CAMPAIGN_CHANNEL_CODES
            ),
            Column("start_date", "date", "First contact day.", low="start", high="end"),
            Column(
                "end_date",
                "date",
                "End of the response window (start + 30 days, at most the end of the horizon).",
            ),
            Column(
                "discount",
                "float64",
                "Price discount of the offer (retail: 0-30 %; bank: 0).",
                low=0.0,
                high=1.0,
            ),
            Column(
                "cost_per_contact",
                "float64",
                "Cost of one contact (e-mail 0.05, SMS 0.08, post 0.85, phone 4.50).",
                low=0.0,
            ),
            Column("n_treatment", "int64", "Customers contacted.", low=0),
            Column("n_control", "int64", "Customers held out as control group.", low=0),
        ),
        primary_key=("campaign_id",),
    )
)

register(
    TableSchema(
        "campaign_contacts",
        "Customers selected for a campaign: group 'treatment' (contacted, with the cost of the "
        "contact) or 'control' (held out at random, not contacted, cost 0). Only customers "
        "consenting to the channel are selected (permission marketing).",
        (
            Column("contact_id", "int64", "Key.", unique=True, low=1),
            Column("campaign_id", "int64", "Campaign.", references="campaigns.campaign_id"),
            Column("customer_id", "int64", "Customer.", references="customers.customer_id"),
            Column(
                "contact_date",
                "datetime64[ns]",
                "When the contact was made (control: when it would have been).",
                low="start",
                high="end",
            ),
            Column("channel", "category", "Channel.", choices=CAMPAIGN_CHANNEL_CODES),
            Column("group", "category", "treatment or control.", choices=CONTACT_GROUPS),
            Column("cost", "float64", "Cost of the contact (0 for the control group).", low=0.0),
        ),
        primary_key=("contact_id",),
    )
)

register(
    TableSchema(
        "campaign_responses",
        "Responses to campaigns: 'opened' (message seen / call answered), 'clicked' (e-mail, "
        "SMS) and 'took_up' (bought the offer; also by control customers who bought on their "
        "own inside the response window).",
        (
            Column("response_id", "int64", "Key.", unique=True, low=1),
            Column(
                "contact_id", "int64", "Contact row.", references="campaign_contacts.contact_id"
            ),
            Column("campaign_id", "int64", "Campaign.", references="campaigns.campaign_id"),
            Column("customer_id", "int64", "Customer.", references="customers.customer_id"),
            Column("response_date", "datetime64[ns]", "When.", low="start", high="end"),
            Column(
                "response_type", "category", "opened, clicked or took_up.", choices=RESPONSE_TYPES
            ),
        ),
        primary_key=("response_id",),
    )
)

register(
    TableSchema(
        "campaign_uplift",
        "True potential outcomes of every campaign contact row: P(take-up) if contacted and if "
        "not, the true uplift, and both outcomes drawn with one common uniform (only the one of "
        "the customer's group is observed).",
        (
            Column(
                "contact_id",
                "int64",
                "Contact row.",
                unique=True,
                references="campaign_contacts.contact_id",
            ),
            Column("campaign_id", "int64", "Campaign.", references="campaigns.campaign_id"),
            Column("customer_id", "int64", "Customer.", references="customers.customer_id"),
            Column("p_treated", "float64", "True P(take-up | contacted).", low=0.0, high=1.0),
            Column("p_control", "float64", "True P(take-up | not contacted).", low=0.0, high=1.0),
            Column("true_uplift", "float64", "p_treated - p_control.", low=-1.0, high=1.0),
            Column("outcome_treated", "bool", "Would take up if contacted."),
            Column("outcome_control", "bool", "Would take up if not contacted."),
        ),
        primary_key=("contact_id",),
        kind="truth",
    )
)


def n_campaigns(months: int) -> int:
    """Number of campaigns in a horizon of ``months`` months."""
    return max(2, months // 2)


def _plan(ctx: WorldContext, rng: np.random.Generator) -> pd.DataFrame:
    k = n_campaigns(ctx.months)
    H = ctx.horizon_days
    offers = _BANK_OFFERS if ctx.domain == "bank" else _RETAIL_OFFERS
    order = rng.permutation(len(offers))
    offer = [offers[order[i % len(offers)]] for i in range(k)]
    channel = rng.choice(len(CAMPAIGN_CHANNELS), size=k, p=_CHANNEL_P)
    start = np.floor((np.arange(k) + 0.15 + 0.5 * rng.random(k)) * (H - 7) / k)
    discount = np.zeros(k) if ctx.domain == "bank" else rng.choice([0.0, 0.1, 0.2, 0.3], size=k)
    return pd.DataFrame({"offer": offer, "channel": channel, "start": start, "discount": discount})


class _Holdings:
    """Account open/close days by product, to find who holds a product on a given day."""

    def __init__(self, ctx: WorldContext):
        acc = ctx.tables["accounts"]
        # the product index is part of the account key (see banking.account_id)
        self.product = (acc["account_id"].to_numpy() % 100) // 10
        self.open = ctx.to_days(acc["open_date"].to_numpy())
        close = ctx.to_days(acc["close_date"].to_numpy())
        self.close = np.where(np.isnan(close), np.inf, close)
        self.customer = acc["customer_id"].to_numpy()

    def holders(self, product: str, day: float) -> np.ndarray:
        sel = (self.product == _BANK_CODES.index(product)) & (self.open <= day) & (self.close > day)
        return self.customer[sel]


def make_campaigns(ctx: WorldContext, traits: pd.DataFrame) -> None:
    """Add ``campaigns``, ``campaign_contacts``, ``campaign_responses`` (and the take-up
    accounts or orders) to ``ctx.tables`` and ``campaign_uplift`` to ``ctx.truth``."""
    plan = _plan(ctx, ctx.rng("campaigns", "plan"))
    cust = ctx.tables["customers"]
    ids = cust["customer_id"].to_numpy()
    acq = ctx.to_days(cust["acquisition_date"].to_numpy())
    churn = ctx.to_days(ctx.truth["true_churn"]["churn_date"].to_numpy())
    stop = np.where(np.isnan(churn), ctx.horizon_days, churn)
    H = ctx.horizon_days
    holdings = _Holdings(ctx) if ctx.domain == "bank" else None
    needed = [
        "response_base",
        "response_treated",
        "price_sensitivity",
        "channel_pref",
        "wealth",
    ] + [f"affinity_{o}" for o in dict.fromkeys(plan["offer"])]
    narrow = traits[needed]

    def run(i: int):
        # one stream per campaign: campaigns can run in parallel threads
        rng = ctx.rng("campaigns", f"campaign-{i}")
        row = plan.iloc[i - 1]
        ch = CAMPAIGN_CHANNELS[int(row.channel)]
        day0 = float(row.start)
        eligible = (acq <= day0) & (stop > day0) & cust[ch.consent].to_numpy()
        if holdings is not None:
            eligible[np.searchsorted(ids, holdings.holders(row.offer, day0))] = False
        cand = np.flatnonzero(eligible)
        size = int(round(TARGET_SHARE[ch.code] * len(cand)))
        chosen = cand if size == len(cand) else np.sort(rng.choice(cand, size=size, replace=False))
        m = len(chosen)
        control = rng.random(m) < CONTROL_SHARE
        contact_day = day0 + rng.integers(0, 7, m) + (9 + rng.random(m) * 9) / 24.0
        contact_day = np.minimum(contact_day, np.nextafter(stop[chosen], 0))
        tr = narrow.iloc[chosen]
        p_t = B.take_up_probability(tr, row.offer, True, ch.code, row.discount)
        p_c = B.take_up_probability(tr, row.offer, False, None, 0.0)
        u = rng.random(m)
        delay = 1.0 + np.minimum(rng.exponential(8.0, m), RESPONSE_WINDOW_DAYS - 1.0)
        take_day = contact_day + delay
        limit = np.minimum(stop[chosen], H)
        in_window = take_day < limit
        y_t = (u < p_t) & in_window
        y_c = (u < p_c) & in_window
        took = np.where(control, y_c, y_t)
        opened = ~control & ((rng.random(m) < B.open_probability(tr, ch.code)) | took)
        open_day = contact_day + rng.exponential(0.8, m)
        opened &= open_day < limit
        clicked = (
            opened
            & (ch.code in ("email", "sms"))
            & ((rng.random(m) < B.click_probability(tr, row.offer)) | took)
        )
        click_day = open_day + rng.random(m) * 0.05
        clicked &= click_day < limit
        end = min(day0 + RESPONSE_WINDOW_DAYS, H)
        return (
            dict(
                campaign=np.full(m, i, dtype=np.int64),
                row=chosen,
                day=contact_day,
                channel=np.full(m, int(row.channel)),
                control=control,
                cost=np.where(control, 0.0, ch.cost),
            ),
            dict(p_t=p_t, p_c=p_c, y_t=y_t, y_c=y_c),
            dict(
                opened=opened,
                open_day=open_day,
                clicked=clicked,
                click_day=click_day,
                took=took,
                take_day=take_day,
            ),
            dict(row=chosen[took], day=take_day[took], campaign=i),
            (
                i,
                row.offer,
                int(row.channel),
                day0,
                end,
                float(row.discount),
                ch.cost,
                int((~control).sum()),
                int(control.sum()),
            ),
        )

    numbers = range(1, len(plan) + 1)
    if ctx.n_jobs > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=ctx.n_jobs) as pool:
            results = list(pool.map(run, numbers))
    else:
        results = [run(i) for i in numbers]
    c_rows, u_rows, r_rows, takeups, meta = (list(x) for x in zip(*results, strict=True))
    del results
    _campaigns_frame(ctx, meta)
    contacts = _concat(c_rows)
    n_c = len(contacts["row"])
    contact_id = np.arange(1, n_c + 1, dtype=np.int64)
    cust_id = ids[contacts["row"]]
    camp_id = contacts["campaign"].astype(np.int64)
    ctx.tables["campaign_contacts"] = pd.DataFrame(
        {
            "contact_id": contact_id,
            "campaign_id": camp_id,
            "customer_id": cust_id,
            "contact_date": ctx.to_datetime(contacts["day"]),
            "channel": pd.Categorical.from_codes(
                contacts["channel"], categories=CAMPAIGN_CHANNEL_CODES
            ),
            "group": pd.Categorical.from_codes(
                contacts["control"].astype(np.int64), categories=CONTACT_GROUPS
            ),
            "cost": contacts["cost"],
        },
        copy=False,
    )
    up = _concat(u_rows)
    ctx.truth["campaign_uplift"] = pd.DataFrame(
        {
            "contact_id": contact_id,
            "campaign_id": camp_id,
            "customer_id": cust_id,
            "p_treated": up["p_t"],
            "p_control": up["p_c"],
            "true_uplift": up["p_t"] - up["p_c"],
            "outcome_treated": up["y_t"],
            "outcome_control": up["y_c"],
        },
        copy=False,
    )
    rs = _concat(r_rows)
    kinds, days, who = [], [], []
    for code, (flag, day) in enumerate(
        (("opened", "open_day"), ("clicked", "click_day"), ("took", "take_day"))
    ):
        sel = np.flatnonzero(rs[flag])
        who.append(sel)
        days.append(rs[day][sel])
        kinds.append(np.full(len(sel), code))
    who_a, days_a, kinds_a = (np.concatenate(x) for x in (who, days, kinds))
    order = np.lexsort((kinds_a, days_a, who_a))
    who_a, days_a, kinds_a = who_a[order], days_a[order], kinds_a[order]
    ctx.tables["campaign_responses"] = pd.DataFrame(
        {
            "response_id": np.arange(1, len(who_a) + 1, dtype=np.int64),
            "contact_id": contact_id[who_a],
            "campaign_id": camp_id[who_a],
            "customer_id": cust_id[who_a],
            "response_date": ctx.to_datetime(days_a),
            "response_type": pd.Categorical.from_codes(kinds_a, categories=RESPONSE_TYPES),
        },
        copy=False,
    )
    _record_takeups(ctx, traits, plan, takeups, ctx.rng("campaigns", "take-ups"))


def _concat(rows: list[dict]) -> dict:
    return {k: np.concatenate([r[k] for r in rows]) for k in rows[0]}


def _campaigns_frame(ctx: WorldContext, meta: list[tuple]) -> None:
    ids = np.array([m[0] for m in meta], dtype=np.int64)
    offers = [m[1] for m in meta]
    chans = [CAMPAIGN_CHANNELS[m[2]].code for m in meta]
    if ctx.domain == "bank":
        names = {p.code: p.name for p in BANK_PRODUCTS}
        products = offers
    else:
        names = {c.code: c.name for c in RETAIL_CATEGORIES}
        products = [sku_code(o, _featured_item(o)) for o in offers]
    start = ctx.to_datetime(np.array([m[3] for m in meta]))
    month = pd.DatetimeIndex(start).strftime("%Y-%m")
    ctx.tables["campaigns"] = pd.DataFrame(
        {
            "campaign_id": ids,
            "campaign_code": pd.array([f"C{i:03d}" for i in ids], dtype="str"),
            "name": pd.array(
                [
                    f"{names[o]} offer by {c}, {mo}"
                    for o, c, mo in zip(offers, chans, month, strict=True)
                ],
                dtype="str",
            ),
            "offer": pd.array(offers, dtype="str"),
            "product_code": pd.array(products, dtype="str"),
            "channel": pd.Categorical(chans, categories=CAMPAIGN_CHANNEL_CODES),
            "start_date": start,
            "end_date": ctx.to_datetime(np.floor(np.array([m[4] for m in meta]))),
            "discount": np.array([m[5] for m in meta], dtype=np.float64),
            "cost_per_contact": np.array([m[6] for m in meta], dtype=np.float64),
            "n_treatment": np.array([m[7] for m in meta], dtype=np.int64),
            "n_control": np.array([m[8] for m in meta], dtype=np.int64),
        }
    )


def _featured_item(category: str) -> str:
    for c in RETAIL_CATEGORIES:
        if c.code == category:
            return c.items[0][0]
    raise KeyError(category)


def _record_takeups(ctx, traits, plan, takeups, rng) -> None:
    """Turn take-ups into accounts (bank) or promo-code orders (retail)."""
    ids = ctx.tables["customers"]["customer_id"].to_numpy()
    rows = np.concatenate([t["row"] for t in takeups])
    days = np.concatenate([t["day"] for t in takeups])
    camp = np.concatenate([np.full(len(t["row"]), t["campaign"]) for t in takeups])
    if ctx.domain == "bank":
        _bank_takeups(ctx, traits, plan, ids, rows, days, camp, rng)
    else:
        _retail_takeups(ctx, traits, plan, ids, rows, days, camp, rng)


def _bank_takeups(ctx, traits, plan, ids, rows, days, camp, rng) -> None:
    from .banking import OPENED_VIA, P_IDX, STATUS

    offers = plan["offer"].to_numpy(dtype=object)[camp - 1]
    churn = ctx.to_days(ctx.truth["true_churn"]["churn_date"].to_numpy())[rows]
    # a customer can take up the same product in two campaigns: keep the first
    key = ids[rows] * 100 + np.array([P_IDX[o] for o in offers], dtype=np.int64) * 10 + 1
    order = np.lexsort((days, key))
    first = order[np.r_[True, key[order][1:] != key[order][:-1]]] if len(order) else order
    first = np.sort(first)
    rows, days, offers, churn, key = (
        rows[first],
        days[first],
        offers[first],
        churn[first],
        key[first],
    )
    exp_bal = np.zeros(len(rows))
    for code in np.unique(offers):
        sel = offers == code
        exp_bal[sel] = B.expected_balance(traits.iloc[rows[sel]], code)
    bal = np.round(exp_bal * np.exp(rng.normal(-0.245, 0.7, len(rows))), 2)
    bal = np.where(offers == "insurance", 0.0, bal)
    open_day = np.floor(days)
    close = np.where(np.isnan(churn) | (churn < open_day), np.nan, np.floor(churn))
    new = pd.DataFrame(
        {
            "account_id": key,
            "customer_id": ids[rows],
            "product_code": pd.array(offers, dtype="str"),
            "open_date": ctx.to_datetime(open_day),
            "close_date": ctx.to_datetime(close),
            "status": pd.Categorical.from_codes(np.where(np.isnan(close), 0, 1), categories=STATUS),
            "opened_via": pd.Categorical.from_codes(
                np.full(len(rows), OPENED_VIA.index("campaign")), categories=OPENED_VIA
            ),
            "balance": bal,
        },
        copy=False,
    )
    acc = pd.concat([ctx.tables["accounts"], new], ignore_index=True)
    ctx.tables["accounts"] = acc.sort_values("account_id", kind="stable", ignore_index=True)


def _retail_takeups(ctx, traits, plan, ids, rows, days, camp, rng) -> None:
    from .orders import basket_lines, build_orders, dedupe_lines, sku_index
    from .products import retail_skus

    n = len(rows)
    offers = plan["offer"].to_numpy(dtype=object)[camp - 1]
    discount = plan["discount"].to_numpy()[camp - 1]
    featured = np.array([sku_index(o, _featured_item(o)) for o in offers], dtype=np.int64)
    line_order, sku, qty = basket_lines(rng, traits.iloc[rows], np.arange(n), extra_items=1.0)
    # the first line of each order becomes the featured SKU, at the discount
    starts = np.searchsorted(line_order, np.arange(n))
    sku[starts] = featured
    qty[starts] = 1
    line_order, sku, qty = dedupe_lines(line_order, sku, qty, len(retail_skus()))
    prices = retail_skus()["price"].to_numpy()
    unit_price = prices[sku].copy()
    is_feat = sku == featured[line_order]
    unit_price[is_feat] = np.round(unit_price[is_feat] * (1 - discount[line_order[is_feat]]), 2)
    existing = ctx.tables["orders"]
    first_id = int(existing["order_id"].max()) + 1 if len(existing) else 1
    channel = np.where(rng.random(n) < 0.7, 0, 2)  # web or store
    order = np.lexsort((days, ids[rows]))
    inv = np.empty(n, dtype=np.int64)
    inv[order] = np.arange(n)
    line_order = inv[line_order]
    srt = np.argsort(line_order, kind="stable")
    line_order, sku, qty, unit_price = line_order[srt], sku[srt], qty[srt], unit_price[srt]
    codes = np.array([f"C{c:03d}" for c in camp], dtype=object)[order]
    secs = np.floor(days[order] * 86_400.0).astype(np.int64)
    o, lines = build_orders(
        ctx,
        ids[rows][order],
        secs,
        channel[order],
        line_order + first_id,
        sku,
        qty,
        unit_price,
        promo_code=codes,
        first_id=first_id,
    )
    ctx.tables["orders"] = pd.concat([existing, o], ignore_index=True)
    ctx.tables["order_lines"] = pd.concat([ctx.tables["order_lines"], lines], ignore_index=True)
