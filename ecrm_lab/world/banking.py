"""Step 4 (bank): holdings (``accounts``) and ``transactions`` with planted fraud.

Holdings
--------
Every customer holds a current account from acquisition. Customers acquired before the
horizon hold each other product with :func:`~ecrm_lab.world.behaviour.holding_probability`
(opened between acquisition and the start); customers acquired inside the horizon open each
with half that probability at acquisition. During the horizon customers adopt products they do
not hold at a monthly rate of ``0.012 x affinity^2`` (lifecycle *extension*). Two association
rules and two sequences are planted (truth ``planted_rules`` / ``planted_sequences``):

* mortgage → insurance: a mortgage holder without insurance takes it, within 60 days of the
  mortgage, with probability 0.8;
* investment_fund → savings_account: an investor without savings opens savings before the
  investment with probability 0.85;
* a customer acquired inside the horizon without a card opens a credit card within 90 days
  with probability 0.35.

All accounts close when the customer churns; personal loans close at the end of their term
(1-5 years). Balances are ``expected_balance`` times log-normal noise.

Transactions
------------
Times are BG/NBD (:mod:`ecrm_lab.world.activity`) with the customer's ``purchase_rate``;
channel mix by segment; merchant category given the channel; amount log-normal around a
category median scaled by ``wealth ** 0.35``; hour of day from a daytime profile; country
mostly home (``GB``), abroad for travel and some online purchases. Debits are negative.

Planted fraud (truth ``planted_anomalies``):

* ``card_fraud``: 0.4 % of customers suffer one case: a burst of 3 + Poisson(3) card
  transactions a couple of hours apart, mostly online, at night, abroad, in electronics,
  jewellery, gift cards or crypto exchanges, with high amounts;
* ``account_takeover``: 0.1 % of customers: one large transfer abroad draining 50-90 % of the
  current-account balance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import _strings as S
from . import behaviour as B
from ._context import WorldContext
from .activity import Warp, last_event_day, lifetime_events, time_of_day
from .catalogue import BANK_PRODUCTS
from .schema import Column, TableSchema, register
from .truth import anomalies_frame, rules_frame, sequences_frame, set_inactivity

__all__ = [
    "TX_CHANNELS",
    "MERCHANT_CATEGORIES",
    "COUNTRIES",
    "OPENED_VIA",
    "FRAUD_RATE",
    "TAKEOVER_RATE",
    "make_bank_activity",
    "account_id",
    "ACCOUNTS_SCHEMA",
    "TRANSACTIONS_SCHEMA",
]

CODES = tuple(p.code for p in BANK_PRODUCTS)
P_IDX = {c: i for i, c in enumerate(CODES)}
_CODE_VOCAB = S.Vocab(CODES)
OPENED_VIA = ("existing", "acquisition", "organic", "rule", "campaign", "sales", "win_back")
STATUS = ("open", "closed")
TX_CHANNELS = ("card_pos", "card_online", "atm", "direct_debit", "transfer_out", "transfer_in")
MERCHANT_CATEGORIES = (
    "grocery",
    "restaurant",
    "fuel",
    "retail",
    "travel",
    "entertainment",
    "health",
    "online_retail",
    "electronics",
    "subscriptions",
    "utilities",
    "telecom",
    "insurance_premium",
    "cash",
    "transfer",
    "income",
    "jewellery",
    "gift_cards",
    "crypto_exchange",
)
_MEDIAN = np.array(
    [35, 28, 55, 45, 180, 30, 25, 40, 150, 12, 85, 40, 45, 80, 250, 900, 220, 50, 300],
    dtype=np.float64,
)
_M = {m: i for i, m in enumerate(MERCHANT_CATEGORIES)}
COUNTRIES = (
    "GB",
    "FR",
    "ES",
    "IT",
    "DE",
    "US",
    "PT",
    "GR",
    "NL",
    "IE",
    "CN",
    "RU",
    "NG",
    "BR",
    "RO",
    "UA",
    "VN",
)
_C = {c: i for i, c in enumerate(COUNTRIES)}
FRAUD_RATE = 0.004
TAKEOVER_RATE = 0.001

#: channel mix per segment (rows in the order of SEGMENTS['bank'])
_CHANNEL_MIX = np.array(
    [
        [0.45, 0.32, 0.05, 0.08, 0.05, 0.05],
        [0.52, 0.18, 0.06, 0.12, 0.06, 0.06],
        [0.45, 0.22, 0.03, 0.12, 0.10, 0.08],
        [0.55, 0.06, 0.14, 0.15, 0.04, 0.06],
        [0.35, 0.20, 0.04, 0.12, 0.17, 0.12],
    ]
)


def _merchant_table() -> np.ndarray:
    t = np.zeros((len(TX_CHANNELS), len(MERCHANT_CATEGORIES)))
    rows = {
        "card_pos": {
            "grocery": 0.35,
            "restaurant": 0.15,
            "fuel": 0.12,
            "retail": 0.18,
            "travel": 0.04,
            "entertainment": 0.08,
            "health": 0.05,
            "electronics": 0.02,
            "jewellery": 0.005,
        },
        "card_online": {
            "online_retail": 0.45,
            "travel": 0.15,
            "entertainment": 0.12,
            "electronics": 0.08,
            "subscriptions": 0.15,
            "gift_cards": 0.03,
            "crypto_exchange": 0.01,
        },
        "atm": {"cash": 1.0},
        "direct_debit": {
            "utilities": 0.4,
            "telecom": 0.3,
            "insurance_premium": 0.2,
            "subscriptions": 0.1,
        },
        "transfer_out": {"transfer": 1.0},
        "transfer_in": {"income": 0.7, "transfer": 0.3},
    }
    for ch, probs in rows.items():
        for m, p in probs.items():
            t[TX_CHANNELS.index(ch), _M[m]] = p
    return t


_MERCHANT = _merchant_table()
#: hour-of-day profiles: normal (daytime) and fraud (night-heavy)
_HOURS = np.array(
    [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2.5, 4, 5, 6, 7, 8, 7.5, 7, 7, 7.5, 8, 8, 7, 6, 4.5, 3, 2],
    dtype=np.float64,
)
_FRAUD_HOURS = np.array(
    [6, 7, 7, 6, 5, 4, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4, 5, 6], dtype=np.float64
)
_FRAUD_MERCHANTS = {
    "electronics": 0.3,
    "jewellery": 0.2,
    "gift_cards": 0.25,
    "crypto_exchange": 0.15,
    "online_retail": 0.1,
}
_ABROAD = ("FR", "ES", "IT", "DE", "US", "PT", "GR", "NL")
_ONLINE_ABROAD = ("US", "IE", "NL", "DE", "CN")
_RISKY = ("US", "RU", "NG", "CN", "BR", "RO", "UA", "VN")


#: account-id slot of the current account reopened after a win-back
REOPENED_SLOT = 3


def account_id(customer_id, product_code: str, slot: int = 0) -> np.ndarray:
    """The account key: ``customer_id * 100 + 10 * product index + slot``.

    Slot 0 is used by the core generator, 1 by campaign take-ups, 2 by the sales source, 3
    by the current account a won-back customer reopens (:data:`REOPENED_SLOT`), so ids never
    collide and do not depend on how generation is chunked.
    """
    return np.asarray(customer_id, dtype=np.int64) * 100 + 10 * P_IDX[product_code] + slot


ACCOUNTS_SCHEMA = register(
    TableSchema(
        "accounts",
        "Bank holdings: one row per account (product held by a customer), with opening and "
        "closing dates and the balance (current balance, or at closing). Everybody holds a current "
        "account; other products follow the affinities (see the generator's assumptions).",
        (
            Column(
                "account_id",
                "int64",
                "Account key: customer_id * 100 + 10 * product index + "
                "slot (0 generator, 1 campaign take-up, 2 sales, 3 the current account reopened "
                "after a win-back).",
                unique=True,
            ),
            Column("customer_id", "int64", "Holder.", references="customers.customer_id"),
            Column("product_code", "string", "Product held.", references="products.product_code"),
            Column(
                "open_date",
                "date",
                "Opening date (before the start for existing holdings).",
                high="end",
            ),
            Column(
                "close_date",
                "date",
                "Closing date (churn, loan repaid); NaT while open.",
                nullable=True,
                high="end",
            ),
            Column("status", "category", "Status at the end of the horizon.", choices=STATUS),
            Column(
                "opened_via",
                "category",
                "existing (held at the start), acquisition (opened "
                "with the acquisition), organic (adopted later), rule (planted co-holding), "
                "campaign (campaign take-up), sales (won opportunity).",
                choices=OPENED_VIA,
            ),
            Column(
                "balance",
                "float64",
                "Balance (currency units; loans and mortgages: amount owed; insurance: 0).",
                low=0.0,
            ),
        ),
        primary_key=("account_id",),
        domains=("bank",),
    )
)

TRANSACTIONS_SCHEMA = register(
    TableSchema(
        "transactions",
        "Card and account movements (bank). BG/NBD timing per customer, channel mix by segment, "
        "merchant category by channel, log-normal amounts; planted fraud is listed in the truth "
        "table planted_anomalies (not flagged here).",
        (
            Column(
                "transaction_id", "int64", "Key, in order of customer and time.", unique=True, low=1
            ),
            Column(
                "account_id",
                "int64",
                "Account moved (current account or credit card).",
                references="accounts.account_id",
            ),
            Column("customer_id", "int64", "Customer.", references="customers.customer_id"),
            Column(
                "timestamp", "datetime64[ns]", "When (second precision).", low="start", high="end"
            ),
            Column(
                "amount", "float64", "Signed amount: negative = money out, positive = money in."
            ),
            Column("channel", "category", "How the money moved.", choices=TX_CHANNELS),
            Column(
                "merchant_category",
                "category",
                "Merchant category (or cash / transfer / income).",
                choices=MERCHANT_CATEGORIES,
            ),
            Column(
                "country", "category", "Country of the merchant / counterparty.", choices=COUNTRIES
            ),
        ),
        primary_key=("transaction_id",),
        domains=("bank",),
    )
)


def _lognormal(rng, median, sigma, size=None):
    return median * np.exp(rng.normal(0.0, sigma, size if size is not None else np.shape(median)))


def _accounts_block(ctx, traits, acq, churn, back, rng):
    """Accounts of one block as a dict of arrays (``row`` = customer row in the block)."""
    n = len(traits)
    P = len(CODES)
    H = ctx.horizon_days
    stop = np.where(np.isnan(churn), H, churn)  # relationship ends
    pre = acq < 0
    hp = np.column_stack([B.holding_probability(traits, c) for c in CODES])
    u = rng.random((n, P))
    held = np.where(pre[:, None], u < hp, u < 0.5 * hp)
    held[:, 0] = True
    via = np.where(pre[:, None], 0, 1) * np.ones((n, P), dtype=np.int64)
    open_day = np.where(
        pre[:, None],
        acq[:, None] + rng.random((n, P)) * (-acq[:, None]),
        acq[:, None] + np.floor(rng.random((n, P)) * 30),
    )
    open_day[:, 0] = acq
    held &= open_day < stop[:, None]
    held[:, 0] = True
    # organic adoption during the horizon (extension)
    aff = np.column_stack([traits[f"affinity_{c}"].to_numpy() for c in CODES])
    rate = 0.012 * aff**2 / 30.4375
    t0 = np.maximum(acq, 0.0)[:, None]
    t_adopt = t0 + rng.exponential(1.0, (n, P)) / np.maximum(rate, 1e-12)
    adopt = ~held & (t_adopt < stop[:, None])
    held |= adopt
    open_day = np.where(adopt, t_adopt, open_day)
    via = np.where(adopt, 2, via)
    # planted sequence: new customers without a card open one within 90 days
    new_no_card = ~pre & ~held[:, P_IDX["credit_card"]] & (rng.random(n) < 0.35)
    t_card = acq + 1 + rng.random(n) * 89
    seq_card = new_no_card & (t_card < stop)
    j = P_IDX["credit_card"]
    held[seq_card, j] = True
    open_day[seq_card, j] = t_card[seq_card]
    via[seq_card, j] = 3
    # planted rule + sequence: mortgage -> insurance within 60 days
    m, i = P_IDX["mortgage"], P_IDX["insurance"]
    add_ins = held[:, m] & ~held[:, i] & (rng.random(n) < 0.8)
    t_ins = open_day[:, m] + rng.random(n) * 60
    add_ins &= t_ins < stop
    held[add_ins, i] = True
    open_day[add_ins, i] = t_ins[add_ins]
    via[add_ins, i] = 3
    # planted rule: investment_fund -> savings_account (opened before the investment)
    v, s = P_IDX["investment_fund"], P_IDX["savings_account"]
    add_sav = held[:, v] & ~held[:, s] & (rng.random(n) < 0.85)
    t_sav = np.maximum(open_day[:, v] - rng.random(n) * 365, acq)
    held[add_sav, s] = True
    open_day[add_sav, s] = t_sav[add_sav]
    via[add_sav, s] = 3
    open_day = np.floor(open_day)
    # closing: churn closes everything, loans close at the end of their term
    close = np.where(np.isnan(churn), np.inf, churn)[:, None] * np.ones((1, P))
    term = (1 + rng.integers(0, 5, n)) * 365.25
    loan = P_IDX["personal_loan"]
    close[:, loan] = np.minimum(close[:, loan], open_day[:, loan] + term)
    close = np.where(close < H, np.floor(close), np.nan)
    close = np.where(close < open_day, open_day, close)
    exp_bal = np.column_stack([B.expected_balance(traits, c) for c in CODES])
    bal = np.round(exp_bal * np.exp(rng.normal(-0.245, 0.7, (n, P))), 2)
    rows, prods = np.nonzero(held)
    # a won-back customer reopens a current account on the day they return
    won = np.flatnonzero(~np.isnan(back))
    cur_bal = np.round(exp_bal[won, 0] * np.exp(rng.normal(-0.245, 0.7, len(won))), 2)
    return {
        "row": np.concatenate([rows, won]),
        "product": np.concatenate([prods, np.zeros(len(won), dtype=prods.dtype)]),
        "open": np.concatenate([open_day[rows, prods], np.floor(back[won])]),
        "close": np.concatenate([close[rows, prods], np.full(len(won), np.nan)]),
        "via": np.concatenate([via[rows, prods], np.full(len(won), OPENED_VIA.index("win_back"))]),
        "balance": np.concatenate([bal[rows, prods], cur_bal]),
        "reopened": np.concatenate(
            [np.zeros(len(rows), dtype=bool), np.ones(len(won), dtype=bool)]
        ),
    }


def _tx_block(ctx, warp, traits, acq, churn, back, accts, rng):
    """Transactions (incl. fraud) of one block as a dict of arrays (sorted by customer, time)."""
    n = len(traits)
    H = ctx.horizon_days
    stop = np.where(np.isnan(churn), H, churn)
    start = np.maximum(acq, 0.0)
    rate, dropout = traits["purchase_rate"].to_numpy(), traits["dropout_p"].to_numpy()
    # won-back customers transact again, in their reopened current account
    life = lifetime_events(rng, warp, rate, dropout, start, stop, acq < 0, churn, back, H)
    ev = life.events
    owner = ev.owner
    m = len(owner)
    seg = traits["segment"].cat.codes.to_numpy()
    wealth = traits["wealth"].to_numpy()
    channel = B.draw_from_table(rng, _CHANNEL_MIX, seg[owner]).astype(np.int8)
    merchant = B.draw_from_table(rng, _MERCHANT, channel).astype(np.int8)
    amount = _MEDIAN[merchant] * (wealth**0.35)[owner] * np.exp(rng.normal(0.0, 0.6, m))
    ts = np.clip(time_of_day(ev.day, _HOURS), life.lo, life.hi - 1e-6)
    secs = np.floor(ts * 86_400.0).astype(np.int64)
    ev.inactive_day = last_event_day(ev, secs / 86_400.0, n)
    country = np.zeros(m, dtype=np.int8)
    travel = np.flatnonzero(merchant == _M["travel"])
    travel = travel[rng.random(len(travel)) < 0.6]
    pos = np.flatnonzero(channel == 0)
    pos = pos[rng.random(len(pos)) < 0.02]
    abroad = np.concatenate([travel, pos])
    country[abroad] = np.array([_C[c] for c in _ABROAD])[rng.integers(0, len(_ABROAD), len(abroad))]
    onl = np.flatnonzero(channel == 1)
    onl = onl[rng.random(len(onl)) < 0.10]
    country[onl] = np.array([_C[c] for c in _ONLINE_ABROAD])[
        rng.integers(0, len(_ONLINE_ABROAD), len(onl))
    ]

    # fraud cases: bursts of card transactions
    span = stop - start
    victim = np.flatnonzero((span > 30) & (rng.random(n) < FRAUD_RATE))
    k = 3 + rng.poisson(3.0, len(victim))
    f_owner = np.repeat(victim, k)
    first_hour = B.draw_from_table(
        rng, _FRAUD_HOURS[None, :], np.zeros(len(victim), dtype=np.int64)
    )
    t0 = start[victim] + rng.random(len(victim)) * (span[victim] - 3)
    t0 = np.floor(t0) + (first_hour + rng.random(len(victim))) / 24.0
    gaps = rng.exponential(2.0 / 24.0, len(f_owner))
    cs = np.cumsum(gaps)
    ends = np.cumsum(k)
    base = np.where(ends - k > 0, cs[np.maximum(ends - k - 1, 0)], 0.0) if len(k) else np.zeros(0)
    f_ts = np.repeat(t0, k) + cs - np.repeat(base, k)
    f_ts = np.minimum(f_ts, np.repeat(stop[victim], k) - 1e-5)
    nf = len(f_owner)
    f_channel = np.where(rng.random(nf) < 0.75, 1, 0)
    fm = np.array([_M[x] for x in _FRAUD_MERCHANTS])
    f_merchant = fm[
        B.draw_from_table(
            rng, np.array([list(_FRAUD_MERCHANTS.values())]), np.zeros(nf, dtype=np.int64)
        )
    ]
    f_amount = 320.0 * (1 + wealth[f_owner] ** 0.3) / 2 * np.exp(rng.normal(0.0, 0.7, nf))
    risky = np.array([_C[c] for c in _RISKY])
    f_country = np.where(rng.random(nf) < 0.8, risky[rng.integers(0, len(risky), nf)], 0)
    f_case = np.repeat(np.arange(1, len(victim) + 1), k)

    # account takeover: one large transfer abroad
    ato = np.flatnonzero((span > 30) & (rng.random(n) < TAKEOVER_RATE))
    cur_bal = np.zeros(n)
    is_cur = (accts["product"] == 0) & ~accts["reopened"]
    cur_bal[accts["row"][is_cur]] = accts["balance"][is_cur]
    a_ts = start[ato] + rng.random(len(ato)) * (span[ato] - 1)
    a_amount = np.maximum(
        cur_bal[ato] * (0.5 + 0.4 * rng.random(len(ato))), 500.0 + 1500 * rng.random(len(ato))
    )
    a_country = risky[rng.integers(0, len(risky), len(ato))]

    # merge the planted rows into the sorted normal rows
    x_owner = np.concatenate([f_owner, ato])
    x_secs = np.floor(np.concatenate([f_ts, a_ts]) * 86_400.0).astype(np.int64)
    x_order = np.lexsort((x_secs, x_owner))
    key = owner.astype(np.int64) << 31 | secs
    x_key = x_owner[x_order].astype(np.int64) << 31 | x_secs[x_order]
    x_pos = np.searchsorted(key, x_key, side="right") + np.arange(len(x_key))
    total = m + len(x_key)
    is_x = np.zeros(total, dtype=bool)
    is_x[x_pos] = True
    normal_pos = np.flatnonzero(~is_x)

    def merge(a, extra, dtype):
        # normal rows keep their order; planted rows go to x_pos (sorted by customer, time)
        out = np.empty(total, dtype=dtype)
        out[normal_pos] = a
        out[x_pos] = np.asarray(extra)[x_order]
        return out

    owner = merge(owner, x_owner, np.int32)
    secs = merge(secs, x_secs, np.int32)
    channel = merge(channel, np.concatenate([f_channel, np.full(len(ato), 4)]), np.int8)
    merchant = merge(
        merchant, np.concatenate([f_merchant, np.full(len(ato), _M["transfer"])]), np.int8
    )
    amount = merge(amount, np.concatenate([f_amount, a_amount]), np.float64)
    country = merge(country, np.concatenate([f_country, a_country]), np.int8)
    reopened = merge(life.rel == 1, np.zeros(len(x_owner), dtype=bool), bool)
    x_kind = np.concatenate([np.ones(nf, dtype=np.int8), np.full(len(ato), 2, np.int8)])[x_order]
    x_case = np.concatenate([f_case, np.arange(1, len(ato) + 1)])[x_order]
    incoming = channel == 5
    amount = np.round(amount, 2)
    amount = np.where(amount == 0, 0.01, amount)

    # which account: card spending goes to the credit card half the time when it is open
    card_open = np.full(n, np.inf)
    card_close = np.full(n, -np.inf)
    is_card = accts["product"] == P_IDX["credit_card"]
    card_open[accts["row"][is_card]] = accts["open"][is_card] * 86_400.0
    cc = accts["close"][is_card]
    card_close[accts["row"][is_card]] = np.where(np.isnan(cc), np.inf, cc * 86_400.0)
    on_card = (
        (channel <= 1)
        & ~reopened
        & (secs >= card_open[owner])
        & (secs < card_close[owner])
        & (rng.random(total) < 0.5)
    )
    amount = np.where(incoming, amount, -amount)
    return {
        "row": owner,
        "secs": secs,
        "on_card": on_card,
        "reopened": reopened,
        "channel": channel,
        "merchant": merchant,
        "amount": amount,
        "country": country,
        "x_pos": x_pos,
        "x_kind": x_kind,
        "x_case": x_case,
    }, ev


def make_bank_activity(ctx: WorldContext, traits: pd.DataFrame) -> None:
    """Add ``accounts`` and ``transactions`` to ``ctx.tables``; add ``planted_anomalies``,
    ``planted_rules``, ``planted_sequences`` to ``ctx.truth`` and fill the inactivity columns
    of ``true_churn``."""
    cust = ctx.tables["customers"]
    ids = cust["customer_id"].to_numpy()
    acq_all = ctx.to_days(cust["acquisition_date"].to_numpy())
    churn_all = ctx.to_days(ctx.truth["true_churn"]["churn_date"].to_numpy())
    back_all = ctx.to_days(ctx.truth["true_churn"]["win_back_date"].to_numpy())
    warp = Warp(ctx)
    acc_rngs = ctx.block_rngs("accounts", ctx.n_blocks)

    def block(lo: int, hi: int, rng: np.random.Generator):
        tr = traits.iloc[lo:hi]
        acq, churn, back = acq_all[lo:hi], churn_all[lo:hi], back_all[lo:hi]
        acc = _accounts_block(ctx, tr, acq, churn, back, acc_rngs[ctx.block_index(lo)])
        tx, ev = _tx_block(ctx, warp, tr, acq, churn, back, acc, rng)
        acc["row"] = acc["row"] + lo
        tx["row"] = tx["row"] + lo
        return acc, tx, ev.inactive_day, ev.dormant

    results = ctx.map_blocks("transactions", block)
    a_parts = [r[0] for r in results]
    t_parts = [r[1] for r in results]
    inactive = [r[2] for r in results]
    dormant = [r[3] for r in results]
    del results
    ctx.tables["accounts"] = _accounts_frame(ctx, ids, a_parts)
    tx_df, anomalies = _transactions_frame(ctx, ids, t_parts)
    ctx.tables["transactions"] = tx_df
    ctx.truth["planted_anomalies"] = anomalies
    set_inactivity(ctx, np.concatenate(inactive), np.concatenate(dormant))
    ctx.truth["planted_rules"] = rules_frame(
        [
            (
                "mortgage",
                "insurance",
                0.8,
                "holdings",
                "A mortgage holder without insurance takes home and life insurance within 60 days "
                "with probability 0.8 (co-holding rule in accounts).",
            ),
            (
                "investment_fund",
                "savings_account",
                0.85,
                "holdings",
                "An investor without a savings account opens one before the investment with "
                "probability 0.85 (co-holding rule in accounts).",
            ),
        ]
    )
    ctx.truth["planted_sequences"] = sequences_frame(
        [
            (
                "mortgage",
                "insurance",
                0.8,
                60.0,
                "account_opening",
                "After opening a mortgage, insurance is opened within 60 days (if not held).",
            ),
            (
                "current_account",
                "credit_card",
                0.35,
                90.0,
                "account_opening",
                "A customer acquired inside the horizon (current account) without a card opens a "
                "credit card within 90 days.",
            ),
        ]
    )


def _accounts_frame(ctx: WorldContext, ids: np.ndarray, parts: list[dict]) -> pd.DataFrame:
    def cat(key):
        return np.concatenate([p[key] for p in parts])

    row, prod = cat("row"), cat("product")
    cust = ids[row]
    close = cat("close")
    return pd.DataFrame(
        {
            "account_id": cust * 100 + 10 * prod + REOPENED_SLOT * cat("reopened"),
            "customer_id": cust,
            "product_code": S.from_vocab(_CODE_VOCAB, prod).array,
            "open_date": ctx.to_datetime(cat("open")),
            "close_date": ctx.to_datetime(close),
            "status": pd.Categorical.from_codes(np.where(np.isnan(close), 0, 1), categories=STATUS),
            "opened_via": pd.Categorical.from_codes(cat("via"), categories=OPENED_VIA),
            "balance": np.where(prod == P_IDX["insurance"], 0.0, cat("balance")),
        },
        copy=False,
    )


def _transactions_frame(ctx: WorldContext, ids: np.ndarray, parts: list[dict]):
    sizes = np.array([len(p["row"]) for p in parts], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    total = int(sizes.sum())

    def cat(key, dtype=None):
        out = np.empty(total, dtype=dtype or parts[0][key].dtype)
        for p, o in zip(parts, offsets, strict=True):
            out[o : o + len(p[key])] = p[key]
            del p[key]  # free the block's copy as soon as it is in place
        return out

    cust = ids[cat("row", np.int32)]
    acct = cust * 100
    acct[cat("on_card")] += 10 * P_IDX["credit_card"]
    acct += REOPENED_SLOT * cat("reopened")  # the current account reopened after a win-back
    ts = cat("secs", np.int64)
    ts *= 10**9
    ts += ctx.start.value
    tx_id = np.arange(1, total + 1, dtype=np.int64)
    df = pd.DataFrame(
        {
            "transaction_id": tx_id,
            "account_id": acct,
            "customer_id": cust,
            "timestamp": ts.view("datetime64[ns]"),
            "amount": cat("amount"),
            "channel": pd.Categorical.from_codes(cat("channel"), categories=TX_CHANNELS),
            "merchant_category": pd.Categorical.from_codes(
                cat("merchant"), categories=MERCHANT_CATEGORIES
            ),
            "country": pd.Categorical.from_codes(cat("country"), categories=COUNTRIES),
        },
        copy=False,
    )
    fraud = np.concatenate([p["x_pos"] + o for p, o in zip(parts, offsets, strict=True)])
    kind = np.concatenate([p["x_kind"] for p in parts])
    case = np.concatenate([p["x_case"] for p in parts])
    # case ids are per block; make them global: order of (kind, customer, block case)
    key_cust = cust[fraud]
    _, inverse = np.unique(
        np.stack([kind.astype(np.int64), key_cust, case]), axis=1, return_inverse=True
    )
    anomalies = anomalies_frame(
        kind=np.where(kind == 1, "card_fraud", "account_takeover"),
        case_id=inverse.ravel() + 1,
        source_table="transactions",
        record_id=tx_id[fraud],
        customer_id=key_cust,
        product_code=None,
    )
    return df, anomalies
