"""Ground-truth tables shared by both domains: planted rules, sequences and anomalies, and the
realised customer value.

The truth is what a mining method should find. ``planted_rules`` and ``planted_sequences``
describe the patterns put into the data *on top of* the latent behaviour (their observed
confidence is about ``planted_probability + (1 - planted_probability) x base rate``);
``planted_anomalies`` lists every planted deviation (fraud, bulk orders, price glitches);
``customer_value`` is the realised revenue, cost and profit of each customer over the
horizon, next to the expected value ``customer_traits.true_value``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._context import WorldContext
from .schema import Column, TableSchema, register

__all__ = [
    "RULE_LEVELS",
    "SEQ_CONTEXTS",
    "ANOMALY_KINDS",
    "ANOMALY_TABLES",
    "rules_frame",
    "sequences_frame",
    "anomalies_frame",
    "set_inactivity",
    "customer_value",
]

RULE_LEVELS = ("holdings", "basket")
SEQ_CONTEXTS = ("account_opening", "next_order")
ANOMALY_KINDS = ("card_fraud", "account_takeover", "bulk_order", "price_glitch")
ANOMALY_TABLES = ("transactions", "orders", "order_lines")

register(
    TableSchema(
        "planted_rules",
        "Association rules planted in the data. Bank: co-holding rules between products "
        "(accounts); retail: co-purchase rules between SKUs in one order (order_lines). "
        "When the antecedent is present and the consequent is not, the consequent is added with "
        "planted_probability.",
        (
            Column("rule_id", "int64", "Key.", unique=True, low=1),
            Column(
                "antecedent",
                "string",
                "Product/SKU code(s) of the antecedent, joined by '|' "
                "when there are several (all must be present).",
            ),
            Column("consequent", "string", "Product/SKU code added."),
            Column(
                "planted_probability",
                "float64",
                "Probability of adding the consequent.",
                low=0.0,
                high=1.0,
            ),
            Column(
                "level",
                "category",
                "holdings (bank accounts) or basket (retail orders).",
                choices=RULE_LEVELS,
            ),
            Column("description", "string", "The rule in words."),
        ),
        primary_key=("rule_id",),
        kind="truth",
    )
)

register(
    TableSchema(
        "planted_sequences",
        "Sequential patterns planted in the data: after 'first', 'then' follows with "
        "planted_probability (bank: account openings within max_gap_days; retail: the customer's "
        "next order).",
        (
            Column("sequence_id", "int64", "Key.", unique=True, low=1),
            Column("first", "string", "Product/SKU code that comes first."),
            Column("then", "string", "Product/SKU code that follows."),
            Column(
                "planted_probability", "float64", "Probability that it follows.", low=0.0, high=1.0
            ),
            Column(
                "max_gap_days",
                "float64",
                "Largest gap in days (NaN: the next order, whenever it comes).",
                nullable=True,
                low=0.0,
            ),
            Column("context", "category", "account_opening or next_order.", choices=SEQ_CONTEXTS),
            Column("description", "string", "The sequence in words."),
        ),
        primary_key=("sequence_id",),
        kind="truth",
    )
)

register(
    TableSchema(
        "planted_anomalies",
        "Every planted deviation, one row per affected record: card fraud bursts and account "
        "takeovers (bank transactions), bulk orders and price glitches (retail orders/lines).",
        (
            Column("anomaly_id", "int64", "Key.", unique=True, low=1),
            Column("case_id", "int64", "Case: records of one fraud burst share it.", low=1),
            Column("kind", "category", "Type of anomaly.", choices=ANOMALY_KINDS),
            Column("source_table", "category", "Table holding the record.", choices=ANOMALY_TABLES),
            Column(
                "record_id",
                "int64",
                "transaction_id (transactions) or order_id (orders, order_lines).",
            ),
            Column("customer_id", "int64", "Customer.", references="customers.customer_id"),
            Column(
                "product_code",
                "string",
                "SKU of the affected line (order_lines), else missing.",
                nullable=True,
            ),
        ),
        primary_key=("anomaly_id",),
        kind="truth",
    )
)

register(
    TableSchema(
        "customer_value",
        "Realised value of each customer over the horizon (ground truth for profitability and "
        "CLV lessons): revenue of holdings (bank: fees and interest margin per month open) or "
        "gross margin of purchases (retail), minus product running costs and the cost to serve "
        "per month as a customer.",
        (
            Column(
                "customer_id", "int64", "Customer.", unique=True, references="customers.customer_id"
            ),
            Column("months_active", "float64", "Months as a customer inside the horizon.", low=0.0),
            Column(
                "revenue",
                "float64",
                "Bank: fees and interest margin of the accounts in the "
                "horizon; retail: gross margin of the purchases (line value - quantity x unit "
                "cost; price glitches can make it negative).",
            ),
            Column("cost", "float64", "Running and service costs in the horizon.", low=0.0),
            Column("profit", "float64", "revenue - cost."),
            Column("profitable", "bool", "profit > 0."),
        ),
        primary_key=("customer_id",),
        kind="truth",
    )
)


def rules_frame(rows: list[tuple]) -> pd.DataFrame:
    """``planted_rules`` from ``(antecedent, consequent, probability, level, text)`` rows."""
    return pd.DataFrame(
        {
            "rule_id": np.arange(1, len(rows) + 1, dtype=np.int64),
            "antecedent": pd.array([r[0] for r in rows], dtype="str"),
            "consequent": pd.array([r[1] for r in rows], dtype="str"),
            "planted_probability": np.array([r[2] for r in rows], dtype=np.float64),
            "level": pd.Categorical([r[3] for r in rows], categories=RULE_LEVELS),
            "description": pd.array([r[4] for r in rows], dtype="str"),
        }
    )


def sequences_frame(rows: list[tuple]) -> pd.DataFrame:
    """``planted_sequences`` from ``(first, then, probability, max_gap_days, context, text)``."""
    return pd.DataFrame(
        {
            "sequence_id": np.arange(1, len(rows) + 1, dtype=np.int64),
            "first": pd.array([r[0] for r in rows], dtype="str"),
            "then": pd.array([r[1] for r in rows], dtype="str"),
            "planted_probability": np.array([r[2] for r in rows], dtype=np.float64),
            "max_gap_days": np.array(
                [np.nan if r[3] is None else r[3] for r in rows], dtype=np.float64
            ),
            "context": pd.Categorical([r[4] for r in rows], categories=SEQ_CONTEXTS),
            "description": pd.array([r[5] for r in rows], dtype="str"),
        }
    )


def anomalies_frame(
    *, kind, case_id, source_table, record_id, customer_id, product_code=None
) -> pd.DataFrame:
    """``planted_anomalies`` rows (ids 1..n in the given order)."""
    n = len(record_id)
    kind = np.broadcast_to(np.asarray(kind, dtype=object), (n,))
    table = np.broadcast_to(np.asarray(source_table, dtype=object), (n,))
    codes = [None] * n if product_code is None else list(product_code)
    return pd.DataFrame(
        {
            "anomaly_id": np.arange(1, n + 1, dtype=np.int64),
            "case_id": np.asarray(case_id, dtype=np.int64),
            "kind": pd.Categorical(kind, categories=ANOMALY_KINDS),
            "source_table": pd.Categorical(table, categories=ANOMALY_TABLES),
            "record_id": np.asarray(record_id, dtype=np.int64),
            "customer_id": np.asarray(customer_id, dtype=np.int64),
            "product_code": pd.array(codes, dtype="str"),
        }
    )


def set_inactivity(ctx: WorldContext, inactive_day: np.ndarray, dormant: np.ndarray) -> None:
    """Fill ``inactive``, ``inactive_date`` and ``status_at_end`` of ``true_churn`` from the
    BG/NBD simulation (``inactive_day`` NaN = no dropout in the window; ``dormant`` =
    inactive before the horizon). A won-back customer's status is that of the new
    relationship."""
    tc = ctx.truth["true_churn"]
    gone = tc["churned"].to_numpy() & ~tc["won_back"].to_numpy()  # churned, not come back
    dropped = ~np.isnan(inactive_day)
    inactive = dropped | dormant
    inactive_date = ctx.to_datetime(inactive_day)
    status = np.where(gone, 2, np.where(inactive, 1, 0))
    tc = tc.assign(
        inactive=inactive,
        inactive_date=inactive_date,
        status_at_end=pd.Categorical.from_codes(
            status, categories=("active", "inactive", "churned")
        ),
    )
    ctx.truth["true_churn"] = tc


def customer_value(ctx: WorldContext, traits: pd.DataFrame) -> pd.DataFrame:
    """The realised ``customer_value`` table from the generated holdings or orders."""
    from . import behaviour as B

    cust = ctx.tables["customers"]
    ids = cust["customer_id"].to_numpy()
    n = len(ids)
    H = ctx.horizon_days
    month = 365.25 / 12
    acq = ctx.to_days(cust["acquisition_date"].to_numpy())
    churn = ctx.to_days(ctx.truth["true_churn"]["churn_date"].to_numpy())
    stop = np.where(np.isnan(churn), H, churn)
    months_active = np.maximum(stop - np.maximum(acq, 0.0), 0.0) / month
    serve = B.cost_to_serve(traits, ctx.domain) * months_active
    row_of = pd.Index(ids)
    if ctx.domain == "bank":
        from .catalogue import BANK_PRODUCTS

        acc = ctx.tables["accounts"]
        rows = row_of.get_indexer(acc["customer_id"].to_numpy())
        o = np.maximum(ctx.to_days(acc["open_date"].to_numpy()), 0.0)
        c = ctx.to_days(acc["close_date"].to_numpy())
        c = np.where(np.isnan(c), H, c)
        months_open = np.maximum(c - o, 0.0) / month
        code = acc["product_code"].to_numpy(dtype=object)
        fee = np.zeros(len(acc))
        rate = np.zeros(len(acc))
        run = np.zeros(len(acc))
        for p in BANK_PRODUCTS:
            sel = code == p.code
            fee[sel], rate[sel], run[sel] = p.monthly_fee, p.margin_rate, p.cost_month
        rev_acc = months_open * (fee + rate / 12.0 * acc["balance"].to_numpy())
        revenue = np.bincount(rows, weights=rev_acc, minlength=n)
        cost = serve + np.bincount(rows, weights=months_open * run, minlength=n)
    else:
        lines = ctx.tables["order_lines"]
        orders = ctx.tables["orders"]
        prod = ctx.tables["products"]
        unit_cost = pd.Series(prod["unit_cost"].to_numpy(), index=prod["product_code"].to_numpy())
        gm = (
            lines["line_value"].to_numpy()
            - lines["quantity"].to_numpy()
            * unit_cost.reindex(lines["product_code"].to_numpy()).to_numpy()
        )
        order_row = pd.Index(orders["order_id"].to_numpy()).get_indexer(
            lines["order_id"].to_numpy()
        )
        cust_row = row_of.get_indexer(orders["customer_id"].to_numpy())[order_row]
        revenue = np.bincount(cust_row, weights=gm, minlength=n)
        cost = serve
    profit = revenue - cost
    return pd.DataFrame(
        {
            "customer_id": ids,
            "months_active": months_active,
            "revenue": np.round(np.asarray(revenue, dtype=np.float64), 2),
            "cost": np.round(cost, 2),
            "profit": np.round(profit, 2),
            "profitable": profit > 0,
        },
        copy=False,
    )
