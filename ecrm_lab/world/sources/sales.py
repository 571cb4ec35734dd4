"""Source: sales force automation — ``sales_leads``, ``sales_opportunities`` and
``sales_stage_events`` moving through the six stages of the sales process.

Leads
-----
Leads are existing customers (cross-sell and up-sell of big-ticket products; prospects appear
only in the click-stream). While a customer (:func:`~._common.customer_windows`), each customer
generates leads as a Poisson process with :func:`ecrm_lab.world.behaviour.lead_rate` leads per
month. The product is drawn in proportion to the customer's affinity among
:data:`SALES_PRODUCTS` (bank: personal loan, mortgage, investment fund; retail: the premium
SKUs of electronics and home and garden, the dearest items of the catalogue); a customer gets at
most one lead per product. The source (web form, campaign response, phone inquiry, branch/store
referral) follows the preferred channel (:data:`SOURCE_BY_PREF`); a sales rep of the region's
team of :data:`REPS_PER_REGION` owns the lead.

The funnel
----------
From each stage of :data:`~ecrm_lab.world.behaviour.SALES_STAGES` (prospecting → initiating
contact → identifying needs → presenting the offer → managing objections → closing) a lead moves
on with :func:`~ecrm_lab.world.behaviour.stage_conversion_probability` (for closing: the deal is
won); otherwise it is lost at that stage. Stage durations are exponential with the means of
:data:`STAGE_DAYS` times :func:`stage_duration_factor` (``0.7 + 0.6 x price_sensitivity``:
price-sensitive customers deliberate longer). An objection is raised at managing objections,
its type drawn from :func:`~ecrm_lab.world.behaviour.objection_probabilities`. A deal whose
next step would fall after the end of the horizon is still ``open``; one whose customer churns
first is lost with reason ``customer_left``. Stage counts never grow down the funnel.

A lead is qualified (becomes an *opportunity*) when it reaches identifying needs. A won bank deal
opens an account (appended to ``accounts`` with slot 2 and ``opened_via = 'sales'``); a won
retail deal is an order placed in store (appended to ``orders``/``order_lines``). The true
P(win) of every lead is in truth ``sales_truth`` (for scoring lead-scoring models).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._context import WorldContext
from ..behaviour import (
    OBJECTIONS,
    SALES_STAGES,
    expected_balance,
    lead_rate,
    objection_probabilities,
    stage_conversion_probability,
    stage_duration_factor,
)
from ..catalogue import REGIONS
from ..schema import Column, TableSchema, register
from ._common import (
    DAYS_PER_MONTH,
    categorical,
    customer_windows,
    days_to_datetime,
    draw_columns,
    draw_grouped,
    to_secs,
    vocab_strings,
)

__all__ = [
    "SALES_PRODUCTS",
    "LEAD_SOURCES",
    "SOURCE_BY_PREF",
    "STAGE_DAYS",
    "REPS_PER_REGION",
    "OUTCOMES",
    "LOST_REASONS",
    "LEAD_STATUS",
    "generate",
    "SALES_LEADS_SCHEMA",
    "SALES_OPPORTUNITIES_SCHEMA",
    "SALES_STAGE_EVENTS_SCHEMA",
    "SALES_TRUTH_SCHEMA",
]

#: products sold through the sales force: bank product codes; retail (category, item) pairs
#: whose premium SKU is sold
SALES_PRODUCTS = {
    "bank": ("personal_loan", "mortgage", "investment_fund"),
    "retail": ("electronics", "home_garden"),
}
LEAD_SOURCES = ("web_form", "campaign_response", "phone_inquiry", "branch_referral")
#: P(lead source | preferred channel), rows in the order of CHANNELS[domain]
SOURCE_BY_PREF = np.array(
    [
        [0.60, 0.20, 0.10, 0.10],  # web
        [0.25, 0.50, 0.10, 0.15],  # email
        [0.10, 0.15, 0.60, 0.15],  # phone
        [0.55, 0.25, 0.10, 0.10],  # mobile
        [0.10, 0.15, 0.15, 0.60],  # branch / store
    ]
)
#: mean days spent in each stage before the next step (or the decision, for closing)
STAGE_DAYS = np.array([3.0, 6.0, 10.0, 7.0, 9.0, 6.0])
REPS_PER_REGION = 6
OUTCOMES = ("won", "lost", "open")
LOST_REASONS = ("no_response", "not_qualified", "no_need", "objection", "declined", "customer_left")
LEAD_STATUS = ("converted", "disqualified", "open")

_STAGE_DOC = " → ".join(SALES_STAGES)

# -- schemas --------------------------------------------------------------------------------
SALES_LEADS_SCHEMA = register(
    TableSchema(
        "sales_leads",
        "Sales leads (cross-sell/up-sell of big-ticket products to existing customers), one row "
        f"per lead; rate behaviour.lead_rate. Stages: {_STAGE_DOC}. A lead is converted into an "
        "opportunity when it reaches identifying_needs.",
        (
            Column(
                "lead_id", "int64", "Lead key, 1..n in order of created_at.", unique=True, low=1
            ),
            Column("customer_id", "int64", "Customer.", references="customers.customer_id"),
            Column(
                "product_code",
                "string",
                "Product offered (bank: personal loan, mortgage or "
                "investment fund; retail: a premium electronics or home-and-garden SKU), drawn "
                "in proportion to the customer's affinity.",
                references="products.product_code",
            ),
            Column(
                "source",
                "category",
                "Where the lead came from (follows the preferred channel).",
                choices=LEAD_SOURCES,
            ),
            Column(
                "sales_rep",
                "string",
                "Owner: a rep of the customer's region ('<REGION>-<n>', "
                f"{REPS_PER_REGION} per region).",
            ),
            Column(
                "created_at",
                "datetime64[ns]",
                "Prospecting: the lead was created.",
                low="start",
                high="end",
            ),
            Column(
                "contacted_at",
                "datetime64[ns]",
                "Initiating contact reached (NaT if not).",
                nullable=True,
                low="start",
                high="end",
            ),
            Column(
                "qualified_at",
                "datetime64[ns]",
                "Identifying needs reached: converted into an opportunity (NaT if not).",
                nullable=True,
                low="start",
                high="end",
            ),
            Column(
                "status",
                "category",
                "converted (opportunity), disqualified (lost before "
                "identifying needs) or open at the end of the horizon.",
                choices=LEAD_STATUS,
            ),
        ),
        primary_key=("lead_id",),
    )
)

SALES_OPPORTUNITIES_SCHEMA = register(
    TableSchema(
        "sales_opportunities",
        "Qualified leads (reached identifying_needs) and their way through the later stages: "
        "offer, objections, closing, outcome and deal value. Conversion per stage: "
        "behaviour.stage_conversion_probability; objection types: behaviour."
        "objection_probabilities. Won bank deals open an account (accounts.opened_via 'sales', "
        "open_date = the day of closed_at); won retail deals are store orders on that day.",
        (
            Column(
                "opportunity_id", "int64", "Key, 1..n in order of opened_at.", unique=True, low=1
            ),
            Column(
                "lead_id",
                "int64",
                "The lead it came from.",
                unique=True,
                references="sales_leads.lead_id",
            ),
            Column("customer_id", "int64", "Customer.", references="customers.customer_id"),
            Column(
                "product_code", "string", "Product offered.", references="products.product_code"
            ),
            Column(
                "opened_at", "datetime64[ns]", "Identifying needs reached.", low="start", high="end"
            ),
            Column(
                "offer_at",
                "datetime64[ns]",
                "Presenting the offer reached (NaT if not).",
                nullable=True,
                low="start",
                high="end",
            ),
            Column(
                "objections_at",
                "datetime64[ns]",
                "Managing objections reached (NaT if not).",
                nullable=True,
                low="start",
                high="end",
            ),
            Column(
                "closing_at",
                "datetime64[ns]",
                "Closing reached (NaT if not).",
                nullable=True,
                low="start",
                high="end",
            ),
            Column(
                "closed_at",
                "datetime64[ns]",
                "When the deal was won or lost (NaT while open).",
                nullable=True,
                low="start",
                high="end",
            ),
            Column("stage", "category", "Furthest stage reached.", choices=SALES_STAGES),
            Column(
                "outcome",
                "category",
                "won, lost, or open at the end of the horizon.",
                choices=OUTCOMES,
            ),
            Column(
                "lost_stage",
                "category",
                "Stage at which a lost deal was lost (missing unless lost).",
                choices=SALES_STAGES,
                nullable=True,
            ),
            Column(
                "lost_reason",
                "category",
                "Why it was lost: no_need (at identifying needs), "
                "declined (at presenting the offer or closing), objection (not overcome), "
                "customer_left (churned first); missing unless lost.",
                choices=LOST_REASONS,
                nullable=True,
            ),
            Column(
                "objection",
                "category",
                "Objection raised at managing objections (also when "
                "overcome); missing if that stage was not reached.",
                choices=OBJECTIONS,
                nullable=True,
            ),
            Column(
                "deal_value",
                "float64",
                "Value of the deal: bank = amount (loan, mortgage, "
                "investment) = behaviour.expected_balance x log-normal noise; retail = the "
                "SKU's list price x quantity (1-2).",
                low=0.0,
            ),
        ),
        primary_key=("opportunity_id",),
    )
)

SALES_STAGE_EVENTS_SCHEMA = register(
    TableSchema(
        "sales_stage_events",
        "One row per lead and stage reached (the funnel in long form): the number of leads per "
        "stage never grows down the funnel.",
        (
            Column("event_id", "int64", "Key, 1..n by lead and stage.", unique=True, low=1),
            Column("lead_id", "int64", "Lead.", references="sales_leads.lead_id"),
            Column("stage", "category", "Stage entered.", choices=SALES_STAGES),
            Column(
                "stage_no", "int64", "1..6, the stage's position in the process.", low=1, high=6
            ),
            Column(
                "entered_at",
                "datetime64[ns]",
                "When the stage was entered.",
                low="start",
                high="end",
            ),
        ),
        primary_key=("event_id",),
    )
)

SALES_TRUTH_SCHEMA = register(
    TableSchema(
        "sales_truth",
        "True probabilities behind every lead (the answer key of lead scoring).",
        (
            Column("lead_id", "int64", "Lead.", unique=True, references="sales_leads.lead_id"),
            Column(
                "p_win",
                "float64",
                "True P(won) = product of the six stage conversion probabilities.",
                low=0.0,
                high=1.0,
            ),
            Column(
                "p_qualify", "float64", "True P(reaching identifying_needs).", low=0.0, high=1.0
            ),
        ),
        primary_key=("lead_id",),
        kind="truth",
    )
)


# -- generation ----------------------------------------------------------------------------
def _sales_skus(ctx: WorldContext) -> np.ndarray:
    """Retail: index (in the products table) of the premium SKU of the dearest item of each
    sales category."""
    prod = ctx.tables["products"]
    cats = prod["category"].astype(str).to_numpy()
    codes = prod["product_code"].astype(str).to_numpy()
    price = prod["price"].to_numpy()
    out = []
    for c in SALES_PRODUCTS["retail"]:
        idx = np.flatnonzero((cats == c) & np.char.endswith(codes.astype(str), "P"))
        out.append(idx[np.argmax(price[idx])])
    return np.array(out, dtype=np.int64)


class _Model:
    """Per-customer sales probabilities for every sales product (arrays over customers)."""

    def __init__(self, ctx: WorldContext, traits: pd.DataFrame):
        domain = ctx.domain
        products = SALES_PRODUCTS[domain]
        self.rate = lead_rate(traits, domain) / DAYS_PER_MONTH
        self.aff = [traits[f"affinity_{p}"].to_numpy() for p in products]
        # (product, stage, customer) and (product, objection, customer)
        self.p_stage = np.stack(
            [
                np.stack([stage_conversion_probability(traits, st, p) for st in SALES_STAGES])
                for p in products
            ]
        ).astype(np.float32)
        self.p_obj = np.stack([objection_probabilities(traits, p).T for p in products]).astype(
            np.float32
        )
        self.slow = stage_duration_factor(traits)
        self.pref = traits["channel_pref"].cat.codes.to_numpy().astype(np.int64)
        if domain == "bank":
            self.value = np.stack([expected_balance(traits, p) for p in products])
        else:
            price = ctx.tables["products"]["price"].to_numpy()[_sales_skus(ctx)]
            self.value = np.repeat(price[:, None], len(traits), axis=1)


def _block(ctx: WorldContext, lo: int, hi: int, rng: np.random.Generator, M: _Model, win) -> dict:
    n = hi - lo
    rate = M.rate[lo:hi]
    owners, times, ends = [], [], []
    for t0, t1 in ((win.a0[lo:hi], win.a1[lo:hi]), (win.b0[lo:hi], win.b1[lo:hi])):
        span = np.maximum(t1 - t0, 0.0)
        cnt = rng.poisson(rate * span)
        o = np.repeat(np.arange(n), cnt)
        owners.append(o)
        times.append(t0[o] + rng.random(len(o)) * span[o])
        ends.append(t1[o])
    o = np.concatenate(owners) + lo
    t = np.concatenate(times)
    end = np.concatenate(ends)
    prod = draw_columns(rng, [a[o] for a in M.aff])
    # one lead per customer and product: keep the first
    order = np.lexsort((t, prod, o))
    o, t, end, prod = o[order], t[order], end[order], prod[order]
    dup = np.zeros(len(o), dtype=bool)
    dup[1:] = (o[1:] == o[:-1]) & (prod[1:] == prod[:-1])
    o, t, end, prod = o[~dup], t[~dup], end[~dup], prod[~dup]
    m = len(o)

    # the funnel
    p_stage = M.p_stage[prod, :, o].astype(np.float64)  # (m, 6)
    passed = rng.random((m, len(SALES_STAGES))) < p_stage
    # index of the first failed stage (6 = won)
    fail = np.where(passed.all(axis=1), len(SALES_STAGES), np.argmin(passed, axis=1))
    slow = M.slow[o]
    dur = rng.standard_exponential((m, len(SALES_STAGES))) * (STAGE_DAYS[None, :] * slow[:, None])
    # entry time of stage k = t + sum of durations of the stages before; decision after the
    # last stage reached
    entry = t[:, None] + np.concatenate([np.zeros((m, 1)), np.cumsum(dur, axis=1)], axis=1)
    last_stage = np.minimum(fail, len(SALES_STAGES) - 1)  # stage where the decision happens
    decision = entry[np.arange(m), last_stage + 1]
    reached = np.arange(len(SALES_STAGES))[None, :] <= last_stage[:, None]
    # truncation by the end of the customer's window (churn) or of the horizon
    inside = entry[:, : len(SALES_STAGES)] < end[:, None]
    reached &= inside
    furthest = reached.sum(axis=1) - 1  # >= 0: prospecting is always inside
    cut = (decision >= end) | (furthest < last_stage)
    churned_first = cut & (end < ctx.horizon_days)
    outcome = np.where(
        cut, np.where(churned_first, 1, 2), np.where(fail == len(SALES_STAGES), 0, 1)
    )
    last_entry = entry[np.arange(m), np.maximum(furthest, 0)]
    closed_t = np.where(
        outcome == 2,
        np.nan,
        np.where(churned_first, np.maximum(end - 1.0 / 86_400, last_entry), decision),
    )
    reason = np.select(
        [fail == 0, fail == 1, fail == 2, fail == 3, fail == 4, fail == 5],
        [0, 1, 2, 4, 3, 4],
        4,
    )
    reason = np.where(churned_first, 5, reason)
    objection = draw_columns(rng, list(M.p_obj[prod, :, o].T))
    value = M.value[prod, o]
    if ctx.domain == "bank":
        value = np.round(value * np.exp(rng.normal(-0.245, 0.7, m)), 2)
    return {
        "customer": (o + 1).astype(np.int64),
        "product": prod,
        "t": t,
        "entry": entry,
        "reached": reached,
        "furthest": furthest,
        "outcome": outcome,
        "closed_t": closed_t,
        "reason": reason,
        "objection": objection,
        "deal": value,
        "source": draw_grouped(rng, SOURCE_BY_PREF, M.pref[o]),
        "rep": rng.integers(1, REPS_PER_REGION + 1, m),
        "p_win": p_stage.prod(axis=1),
        "p_qualify": p_stage[:, :2].prod(axis=1),
        "qty": 1 + (rng.random(m) < 0.15),
        "term": (1 + rng.integers(0, 5, m)) * 365.25,
    }


def generate(ctx: WorldContext) -> None:
    """Add ``sales_leads``, ``sales_opportunities``, ``sales_stage_events`` and truth
    ``sales_truth``; won deals add bank ``accounts`` / retail ``orders`` (module docstring)."""
    domain = ctx.domain
    traits = ctx.truth["customer_traits"]
    win = customer_windows(ctx)
    M = _Model(ctx, traits)
    parts = ctx.map_blocks("sales", lambda lo, hi, rng: _block(ctx, lo, hi, rng, M, win))
    r = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    created = days_to_datetime(ctx, r["t"])
    order = np.argsort(created, kind="stable")
    r = {k: v[order] for k, v in r.items()}
    m = len(order)
    lead_id = np.arange(1, m + 1, dtype=np.int64)
    codes = ctx.tables["products"]["product_code"].to_numpy()
    if domain == "bank":
        prod_idx = pd.Index(list(codes)).get_indexer(list(SALES_PRODUCTS["bank"]))[r["product"]]
    else:
        prod_idx = _sales_skus(ctx)[r["product"]]
    entry, reached = r["entry"], r["reached"]

    def stage_time(k):
        ok = reached[:, k]
        return days_to_datetime(ctx, np.where(ok, entry[:, k], np.nan))

    region = ctx.tables["customers"]["region"].cat.codes.to_numpy()[r["customer"] - 1]
    furthest = r["furthest"]
    outcome = r["outcome"]
    lead_status = np.where(furthest >= 2, 0, np.where(outcome == 2, 2, 1))
    ctx.tables["sales_leads"] = pd.DataFrame(
        {
            "lead_id": lead_id,
            "customer_id": r["customer"],
            "product_code": vocab_strings(list(codes), prod_idx),
            "source": categorical(r["source"], LEAD_SOURCES),
            "sales_rep": _rep_names(region, r["rep"]),
            "created_at": created[order],
            "contacted_at": stage_time(1),
            "qualified_at": stage_time(2),
            "status": categorical(lead_status, LEAD_STATUS),
        }
    )
    stage_no = np.tile(np.arange(len(SALES_STAGES)), (m, 1))[reached]
    ev_lead = np.repeat(lead_id, reached.sum(axis=1))
    ctx.tables["sales_stage_events"] = pd.DataFrame(
        {
            "event_id": np.arange(1, len(ev_lead) + 1, dtype=np.int64),
            "lead_id": ev_lead,
            "stage": categorical(stage_no, SALES_STAGES),
            "stage_no": (stage_no + 1).astype(np.int64),
            "entered_at": days_to_datetime(ctx, entry[:, : len(SALES_STAGES)][reached]),
        }
    )
    q = np.flatnonzero(furthest >= 2)
    lost = outcome[q] == 1
    closed = r["closed_t"][q]
    ctx.tables["sales_opportunities"] = pd.DataFrame(
        {
            "opportunity_id": np.arange(1, len(q) + 1, dtype=np.int64),
            "lead_id": lead_id[q],
            "customer_id": r["customer"][q],
            "product_code": vocab_strings(list(codes), prod_idx[q]),
            "opened_at": stage_time(2)[q],
            "offer_at": stage_time(3)[q],
            "objections_at": stage_time(4)[q],
            "closing_at": stage_time(5)[q],
            "closed_at": days_to_datetime(ctx, closed),
            "stage": categorical(furthest[q], SALES_STAGES),
            "outcome": categorical(outcome[q], OUTCOMES),
            "lost_stage": categorical(np.where(lost, furthest[q], -1), SALES_STAGES),
            "lost_reason": categorical(np.where(lost, r["reason"][q], -1), LOST_REASONS),
            "objection": categorical(np.where(furthest[q] >= 4, r["objection"][q], -1), OBJECTIONS),
            "deal_value": r["deal"][q] * (r["qty"][q] if domain == "retail" else 1),
        }
    )
    ctx.truth["sales_truth"] = pd.DataFrame(
        {
            "lead_id": lead_id,
            "p_win": r["p_win"],
            "p_qualify": r["p_qualify"],
        }
    )
    won = q[outcome[q] == 0]
    if domain == "bank":
        _bank_deals(ctx, r, won, codes[prod_idx[won]])
    else:
        _retail_deals(ctx, r, won, prod_idx[won])


def _rep_names(region: np.ndarray, rep: np.ndarray) -> pd.Series:
    names = [f"{reg.upper()}-{i}" for reg in REGIONS for i in range(1, REPS_PER_REGION + 1)]
    return vocab_strings(names, region * REPS_PER_REGION + rep - 1)


def _bank_deals(ctx: WorldContext, r: dict, won: np.ndarray, product: np.ndarray) -> None:
    """Won bank deals open accounts (slot 2, opened_via 'sales'); they close at churn."""
    if not len(won):
        return
    from ..banking import OPENED_VIA, account_id

    acc = ctx.tables["accounts"]
    cust = r["customer"][won]
    open_day = np.floor(r["closed_t"][won])
    churn = ctx.to_days(ctx.truth["true_churn"]["churn_date"].to_numpy())[cust - 1]
    close = np.where(churn > open_day, churn, np.inf)
    loan = product == "personal_loan"
    close[loan] = np.minimum(close[loan], open_day[loan] + r["term"][won][loan])
    close = np.where(close < ctx.horizon_days, np.floor(close), np.nan)
    ids = np.concatenate([account_id(cust[product == p], p, slot=2) for p in np.unique(product)])
    order = np.concatenate([np.flatnonzero(product == p) for p in np.unique(product)])
    account = np.empty(len(won), np.int64)
    account[order] = ids
    new = pd.DataFrame(
        {
            "account_id": account,
            "customer_id": cust,
            "product_code": pd.array(product, dtype="str"),
            "open_date": days_to_datetime(ctx, open_day),
            "close_date": days_to_datetime(ctx, close),
            "status": pd.Categorical(
                np.where(np.isnan(close), "open", "closed"), categories=acc["status"].cat.categories
            ),
            "opened_via": pd.Categorical(np.full(len(won), "sales"), categories=OPENED_VIA),
            "balance": r["deal"][won],
        }
    )
    ctx.tables["accounts"] = pd.concat([acc, new], ignore_index=True)


def _retail_deals(ctx: WorldContext, r: dict, won: np.ndarray, sku: np.ndarray) -> None:
    """Won retail deals are store orders of the SKU (numbered after the existing orders)."""
    if not len(won):
        return
    from ..orders import ORDER_CHANNELS, build_orders

    orders, lines = ctx.tables["orders"], ctx.tables["order_lines"]
    order = np.lexsort((r["closed_t"][won], r["customer"][won]))
    won = won[order]
    sku = sku[order]
    n = len(won)
    first_id = int(orders["order_id"].max()) + 1 if len(orders) else 1
    secs = to_secs(r["closed_t"][won])
    price = ctx.tables["products"]["price"].to_numpy()[sku]
    new_o, new_l = build_orders(
        ctx,
        r["customer"][won],
        secs,
        np.full(n, ORDER_CHANNELS.index("store")),
        np.arange(first_id, first_id + n),
        sku,
        r["qty"][won].astype(np.int64),
        price,
        None,
        first_id,
    )
    ctx.tables["orders"] = pd.concat([orders, new_o], ignore_index=True)
    ctx.tables["order_lines"] = pd.concat([lines, new_l], ignore_index=True)
