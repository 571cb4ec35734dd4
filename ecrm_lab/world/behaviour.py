"""The one behavioural model of the customer: probabilities and rates given the latent traits.

Every source of the world (holdings and transactions, orders, campaigns, click-stream,
service, sales, lifecycle) and every later simulation asks *these* functions how a customer
behaves, instead of inventing its own probabilities. Each function takes ``traits``: a
DataFrame with rows of ``customer_traits`` (any subset, in any order; the result is aligned
with its rows) and returns NumPy arrays. Nothing here draws random numbers except
:func:`draw_categorical`, which takes a ``Generator``.

Overview
--------
Economics
    :func:`holding_probability`, :func:`expected_balance`, :func:`product_revenue`,
    :func:`cost_to_serve`, :func:`category_weights`, :func:`expected_order_value`,
    :func:`expected_monthly_profit`, :func:`survival`, :func:`true_value`.
Activity
    ``purchase_rate`` (trait) with :func:`seasonality`; BG/NBD dropout ``dropout_p`` (trait);
    the fading of activity in the months before churn, :func:`pre_churn_activity`.
Campaigns
    :func:`take_up_probability` (given offer, contact and channel), :func:`contact_cost`,
    :func:`open_probability`, :func:`click_probability`.
Churn
    :func:`churn_hazard` (monthly hazard, raised by dissatisfying service contacts),
    :func:`win_back_probability`.
Service
    :data:`SERVICE_HOURS_OFFICE`, :data:`SERVICE_HOURS_ANY` (arrival hours),
    :func:`service_request_rate`, :func:`service_channel_probabilities`,
    :func:`resolution_probability`, :func:`satisfaction_probability`,
    :func:`abandon_probability`.
Web
    :func:`web_session_rate`, :func:`session_intent_probability`,
    :func:`distress_probability`, :func:`web_account_probability`, :data:`SESSION_INTENTS`,
    :func:`repeat_visit_rate`, :func:`extra_page_views`.
Sales
    :data:`SALES_STAGES`, :data:`OBJECTIONS`, :func:`lead_rate`,
    :func:`stage_conversion_probability`, :func:`objection_probabilities`,
    :func:`stage_duration_factor`.

Examples
--------
>>> from ecrm_lab.world import generate
>>> from ecrm_lab.world import behaviour
>>> w = generate("bank", n_customers=300, seed=1, months=6)
>>> t = w.truth["customer_traits"]
>>> p = behaviour.take_up_probability(t, "credit_card", treated=True, channel="email")
>>> bool(((p >= 0) & (p <= 1)).all())
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .catalogue import (
    BANK_PRODUCTS,
    CAMPAIGN_CHANNELS,
    CHANNELS,
    RETAIL_CATEGORIES,
    SERVICE_CHANNELS,
    affinity_codes,
)

__all__ = [
    "ANNUAL_DISCOUNT",
    "BASE_COST_TO_SERVE",
    "BASKET_EXTRA_ITEMS",
    "QUANTITY_P",
    "CHANNEL_COST",
    "SALES_STAGES",
    "OBJECTIONS",
    "logistic",
    "logit",
    "draw_categorical",
    "draw_from_table",
    "search_unit",
    "domain_of",
    "holding_probability",
    "expected_balance",
    "product_revenue",
    "cost_to_serve",
    "category_weights",
    "expected_order_value",
    "expected_monthly_profit",
    "survival",
    "true_value",
    "seasonality",
    "take_up_probability",
    "contact_cost",
    "open_probability",
    "click_probability",
    "churn_hazard",
    "win_back_probability",
    "WIN_BACK_DAYS",
    "pre_churn_activity",
    "SESSION_INTENTS",
    "web_account_probability",
    "repeat_visit_rate",
    "extra_page_views",
    "abandon_probability",
    "stage_duration_factor",
    "SERVICE_HOURS_OFFICE",
    "SERVICE_HOURS_ANY",
    "OFFICE_CHANNELS",
    "PRE_CHURN_DECLINE_DAYS",
    "PRE_CHURN_FLOOR",
    "service_request_rate",
    "service_channel_probabilities",
    "resolution_probability",
    "satisfaction_probability",
    "web_session_rate",
    "session_intent_probability",
    "distress_probability",
    "lead_rate",
    "stage_conversion_probability",
    "objection_probabilities",
]

#: yearly discount rate of customer value
ANNUAL_DISCOUNT = 0.10
#: monthly cost to serve any customer (statements, IT, compliance), by domain
BASE_COST_TO_SERVE = {"bank": 13.0, "retail": 0.8}
#: extra monthly cost to serve by preferred channel (bank: branch and phone are expensive)
CHANNEL_COST = {
    "bank": {"web": 1.0, "email": 1.5, "phone": 7.0, "mobile": 0.5, "branch": 11.0},
    "retail": {"web": 0.3, "email": 0.3, "phone": 1.2, "mobile": 0.2, "store": 0.6},
}
#: monthly cost of service calls per unit of service distress, by domain
DISTRESS_COST = {"bank": 12.0, "retail": 2.0}
#: expected items per retail basket is 1 + this (Poisson)
BASKET_EXTRA_ITEMS = 2.5
#: mean quantity of a basket line (P(1) = 0.85, P(2) = 0.12, P(3) = 0.03)
QUANTITY_P = (0.85, 0.12, 0.03)
MEAN_QUANTITY = 1.18

SALES_STAGES = (
    "prospecting",
    "initiating_contact",
    "identifying_needs",
    "presenting_offer",
    "managing_objections",
    "closing",
)
"""The six stages of the sales process, in order."""

OBJECTIONS = ("price", "no_need", "timing", "trust", "competitor")
"""Objection types raised while managing objections."""

_BANK = {p.code: p for p in BANK_PRODUCTS}
_RETAIL = {c.code: c for c in RETAIL_CATEGORIES}


# -- small helpers -------------------------------------------------------------------------
def logistic(x):
    """The logistic function ``1 / (1 + exp(-x))``."""
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def logit(p):
    """The log-odds ``log(p / (1 - p))`` (p clipped to [1e-9, 1 - 1e-9])."""
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


def draw_categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One category index per row of ``probs`` (rows need not be normalised).

    Vectorised inverse-CDF sampling: ``probs`` has shape ``(n, k)``; returns ``n`` ints in
    ``[0, k)``. Uses ``n`` uniforms from ``rng``.
    """
    probs = np.asarray(probs, dtype=np.float64)
    cum = np.cumsum(probs, axis=1)
    u = rng.random(probs.shape[0]) * cum[:, -1]
    idx = (cum <= u[:, None]).sum(axis=1)
    return np.minimum(idx, probs.shape[1] - 1)


#: resolution of the lookup tables of :func:`draw_from_table` (probabilities are rounded to
#: multiples of 2**-16 ≈ 0.0015 %)
LUT_BITS = 16
_LUT_CACHE: dict[bytes, np.ndarray] = {}


def _lookup_table(table: np.ndarray) -> np.ndarray:
    key = table.tobytes() + str(table.shape).encode()
    lut = _LUT_CACHE.get(key)
    if lut is None:
        k, c = table.shape
        cum = np.cumsum(table, axis=1)
        cum = cum / cum[:, -1:]
        grid = (np.arange(1 << LUT_BITS) + 0.5) / (1 << LUT_BITS)
        dtype = np.int8 if c < 128 else np.int16
        lut = (
            np.stack(
                [np.minimum(np.searchsorted(cum[r], grid, side="right"), c - 1) for r in range(k)]
            )
            .astype(dtype)
            .ravel()
        )
        if len(_LUT_CACHE) > 256:
            _LUT_CACHE.clear()
        _LUT_CACHE[key] = lut
    return lut


def draw_from_table(rng: np.random.Generator, table: np.ndarray, row: np.ndarray) -> np.ndarray:
    """One category index per element of ``row``, drawn from ``table[row]``.

    For many draws from a few distinct distributions (e.g. merchant category given one of six
    transaction channels): ``table`` has shape ``(k, c)`` (rows need not be normalised) and
    ``row`` holds row indices in ``[0, k)``. Returns ints in ``[0, c)``; uses ``len(row)``
    random numbers from ``rng``. With at most 64 rows and many draws (at least ``k * 2**13``)
    a lookup table of 2**16 cells per row is used (probabilities rounded to multiples of
    2**-16); otherwise (e.g. one row per customer) the cumulative table is searched exactly.
    The choice depends only on the sizes, so it is the same for a block whoever generates it.
    """
    table = np.asarray(table, dtype=np.float64)
    k, c = table.shape
    row = np.asarray(row, dtype=np.int64)
    if len(row) == 0:
        return np.zeros(0, dtype=np.int64)
    # the lookup table pays off for many draws from a few rows (and is kept for reuse)
    if k <= 64 and len(row) >= (k << LUT_BITS) // 8:
        lut = _lookup_table(table)
        cell = rng.integers(0, 1 << LUT_BITS, len(row), dtype=np.int64)
        return lut[(row << LUT_BITS) | cell].astype(np.int64)
    flat = _flat_cumulative(table)
    u = rng.random(len(row))
    if k <= 256 and len(row) >= 4096:
        idx = search_unit(flat, u, row, k)
    else:
        idx = np.searchsorted(flat, row + u, side="right")
    return np.clip(idx - row * c, 0, c - 1)


def _flat_cumulative(table: np.ndarray) -> np.ndarray:
    """Row ``r`` of the normalised cumulative table, shifted by ``r`` and flattened, so one
    sorted array serves every row: the category of ``u`` in row ``r`` is found at ``r + u``."""
    k = table.shape[0]
    cum = np.cumsum(table, axis=1)
    cum = cum / cum[:, -1:]
    return (cum + np.arange(k)[:, None]).ravel()


#: cells per unit interval of the brackets of :func:`search_unit`
_BRACKET_BITS = 12
_BRACKET_CACHE: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}


def search_unit(
    edges: np.ndarray, u: np.ndarray, row: np.ndarray | None = None, k: int = 1
) -> np.ndarray:
    """``np.searchsorted(edges, row + u, side="right")`` for uniforms ``u`` in ``[0, 1)``
    (``row`` in ``[0, k)``, or none), exactly, in a fraction of its time.

    For drawing categories from a cumulative distribution (``edges`` sorted, e.g. the CDF of
    a few regions, or :func:`_flat_cumulative` of a table): each unit interval is cut into
    2**12 cells whose first and last answers are tabled (and cached); inside a cell with equal
    answers the answer is known, and only the few values whose cell holds an edge are
    searched.
    """
    edges = np.asarray(edges, dtype=np.float64)
    u = np.asarray(u, dtype=np.float64)
    key = edges.tobytes() + str(k).encode()
    brackets = _BRACKET_CACHE.get(key)
    g = 1 << _BRACKET_BITS
    if brackets is None:
        cuts = (np.arange(k)[:, None] + np.arange(g + 1)[None, :] / g).ravel()
        at = np.searchsorted(edges, cuts, side="right").reshape(k, g + 1)
        dtype = np.int16 if len(edges) < 2**15 else np.int64
        brackets = (at[:, :-1].astype(dtype).ravel(), at[:, 1:].astype(dtype).ravel())
        if len(_BRACKET_CACHE) > 256:
            _BRACKET_CACHE.clear()
        _BRACKET_CACHE[key] = brackets
    first, last = brackets
    # u * 2**12 is exact, and row + u (rounded) stays inside the closed cell
    cell = (u * g).astype(np.int64)
    if row is not None:
        cell |= row << _BRACKET_BITS
    lo = first[cell]
    idx = lo.astype(np.int64)
    open_ = np.flatnonzero(lo != last[cell])
    if len(open_):
        x = u[open_] if row is None else row[open_] + u[open_]
        idx[open_] = np.searchsorted(edges, x, side="right")
    return idx


def domain_of(traits: pd.DataFrame) -> str:
    """``"bank"`` or ``"retail"``, told from the columns of ``traits`` (affinity columns, or
    the categories of ``channel_pref`` / ``segment``)."""
    cols = set(traits.columns)
    bank_aff = {f"affinity_{c}" for c in affinity_codes("bank")}
    retail_aff = {f"affinity_{c}" for c in affinity_codes("retail")}
    if cols & bank_aff:
        return "bank"
    if cols & retail_aff:
        return "retail"
    for col, bank_value in (("channel_pref", "branch"), ("segment", "young_digital")):
        if col in cols:
            s = traits[col]
            values = s.cat.categories if isinstance(s.dtype, pd.CategoricalDtype) else s.unique()
            return "bank" if bank_value in set(map(str, values)) else "retail"
    raise ValueError(
        "cannot tell the domain of these traits: no affinity, channel_pref or segment column"
    )


def _col(traits: pd.DataFrame, name: str) -> np.ndarray:
    return traits[name].to_numpy(dtype=np.float64)


def _channel_lookup(traits: pd.DataFrame, table: dict, domain: str) -> np.ndarray:
    pref = traits["channel_pref"]
    if isinstance(pref.dtype, pd.CategoricalDtype) and list(pref.cat.categories) == list(
        CHANNELS[domain]
    ):
        values = np.array([table[c] for c in CHANNELS[domain]], dtype=np.float64)
        return values[pref.cat.codes.to_numpy()]
    return pref.astype(str).map(table).to_numpy(dtype=np.float64)


def _codes(values, vocabulary: tuple[str, ...], n: int, what: str) -> np.ndarray:
    """Integer codes of ``values`` (a str, or an array/Series of str) in ``vocabulary``."""
    if isinstance(values, str):
        if values not in vocabulary:
            raise ValueError(f"unknown {what} {values!r}; use one of {vocabulary}")
        return np.full(n, vocabulary.index(values), dtype=np.int64)
    if (
        isinstance(values, pd.Series)
        and isinstance(values.dtype, pd.CategoricalDtype)
        and tuple(values.cat.categories) == tuple(vocabulary)
    ):
        codes = values.cat.codes.to_numpy().astype(np.int64)
    else:
        codes = pd.Categorical(np.asarray(values, dtype=object), categories=vocabulary).codes
        codes = codes.astype(np.int64)
    if (codes < 0).any():
        bad = np.asarray(values, dtype=object)[codes < 0][0]
        raise ValueError(f"unknown {what} {bad!r}; use one of {vocabulary}")
    return codes


def _pref_codes(traits: pd.DataFrame) -> tuple[np.ndarray, str]:
    domain = domain_of(traits)
    return _codes(traits["channel_pref"], CHANNELS[domain], len(traits), "channel"), domain


_CAMPAIGN_CODES = tuple(c.code for c in CAMPAIGN_CHANNELS)


def _campaign_match(domain: str) -> np.ndarray:
    """``M[campaign channel, preferred channel]``: the campaign channel suits the preference."""
    return np.array([[p in c.matches for p in CHANNELS[domain]] for c in CAMPAIGN_CHANNELS])


# -- economics -----------------------------------------------------------------------------
def holding_probability(traits: pd.DataFrame, product_code: str) -> np.ndarray:
    """Bank: probability of holding ``product_code`` at the start of the horizon.

    ``holding_scale`` of the product (catalogue) times the customer's affinity for it. The
    current account is the relationship account: every customer holds one (probability 1).
    """
    if product_code == "current_account":
        return np.ones(len(traits))
    p = _BANK[product_code]
    return np.clip(p.holding_scale * _col(traits, f"affinity_{product_code}"), 0.0, 1.0)


def expected_balance(traits: pd.DataFrame, product_code: str) -> np.ndarray:
    """Bank: expected balance of a holding (``balance_scale * wealth ** elasticity``)."""
    p = _BANK[product_code]
    return p.balance_scale * _col(traits, "wealth") ** p.balance_elasticity


def product_revenue(product_code: str, balance) -> np.ndarray:
    """Bank: monthly revenue of a holding: ``monthly_fee + margin_rate / 12 * balance``."""
    p = _BANK[product_code]
    return p.monthly_fee + p.margin_rate / 12.0 * np.asarray(balance, dtype=np.float64)


def cost_to_serve(traits: pd.DataFrame, domain: str | None = None) -> np.ndarray:
    """Monthly cost to serve a customer, excluding product running costs.

    Base cost + the cost of the preferred channel (branch and phone customers cost the bank
    far more than mobile ones) + service cost proportional to ``service_distress``.
    """
    domain = domain or domain_of(traits)
    ch = _channel_lookup(traits, CHANNEL_COST[domain], domain)
    return (
        BASE_COST_TO_SERVE[domain] + ch + DISTRESS_COST[domain] * _col(traits, "service_distress")
    )


def category_weights(traits: pd.DataFrame) -> np.ndarray:
    """Retail: probability of each category for one basket item, shape ``(n, 12)``.

    Proportional to affinity squared, so a customer's strong categories dominate; columns in
    the order of :data:`ecrm_lab.world.catalogue.RETAIL_CATEGORIES`.
    """
    a = np.column_stack([_col(traits, f"affinity_{c}") for c in affinity_codes("retail")])
    w = a * a
    return w / w.sum(axis=1, keepdims=True)


def expected_order_value(traits: pd.DataFrame) -> np.ndarray:
    """Retail: expected value of one order: ``(1 + BASKET_EXTRA_ITEMS)`` items x mean quantity
    x the expected SKU price of the customer's category mix and price sensitivity
    (:func:`ecrm_lab.world.products.expected_category_price`)."""
    from .products import expected_category_price, price_bin

    w = category_weights(traits)
    price = expected_category_price(price_bin(_col(traits, "price_sensitivity")))
    return (1.0 + BASKET_EXTRA_ITEMS) * MEAN_QUANTITY * (w * price).sum(axis=1)


def expected_monthly_profit(traits: pd.DataFrame, domain: str | None = None) -> np.ndarray:
    """Expected profit per month while a customer (revenue minus all costs).

    Bank: sum over products of P(hold) x (revenue at the expected balance - running cost),
    minus :func:`cost_to_serve`. Retail: orders per month x expected order value x gross
    margin of the category mix, minus :func:`cost_to_serve`.
    """
    domain = domain or domain_of(traits)
    cost = cost_to_serve(traits, domain)
    if domain == "bank":
        total = np.zeros(len(traits))
        for p in BANK_PRODUCTS:
            rev = product_revenue(p.code, expected_balance(traits, p.code))
            total += holding_probability(traits, p.code) * (rev - p.cost_month)
        return total - cost
    w = category_weights(traits)
    margin = w @ np.array([c.gross_margin for c in RETAIL_CATEGORIES])
    return _col(traits, "purchase_rate") * expected_order_value(traits) * margin - cost


def survival(churn_hazard, months: int) -> np.ndarray:
    """P(still a customer at the start of month ``t``), ``t = 0..months-1``, shape (n, months)."""
    h = np.asarray(churn_hazard, dtype=np.float64)[:, None]
    return (1.0 - h) ** np.arange(months)[None, :]


def true_value(monthly_profit, churn_hazard, months: int) -> np.ndarray:
    """Discounted expected profit over ``months``: ``sum_t profit S(t) / (1 + d)^t`` with the
    survival ``S(t) = (1 - h)^t`` (closed form of the geometric sum)."""
    d = (1.0 + ANNUAL_DISCOUNT) ** (1.0 / 12.0) - 1.0
    q = (1.0 - np.asarray(churn_hazard, dtype=np.float64)) / (1.0 + d)
    return np.asarray(monthly_profit, dtype=np.float64) * (1.0 - q**months) / (1.0 - q)


def seasonality(domain: str, month_of_year) -> np.ndarray:
    """Relative activity by calendar month (1..12); mean 1 over the year.

    Retail peaks in November-December and dips in January-February; the bank is flatter
    (holiday spending in December, summer travel).
    """
    m = np.asarray(month_of_year, dtype=np.int64)
    if domain == "retail":
        table = np.array([0.80, 0.80, 0.95, 0.95, 1.00, 1.00, 0.95, 0.95, 1.00, 1.05, 1.25, 1.30])
    else:
        table = np.array([0.92, 0.90, 0.97, 0.98, 1.00, 1.05, 1.08, 1.06, 0.98, 0.98, 0.99, 1.09])
    table = table / table.mean()
    return table[m - 1]


# -- campaigns -----------------------------------------------------------------------------
#: weight of the affinity for the offered product in the take-up logit
AFFINITY_TAKE_UP = 5.0


def take_up_probability(
    traits: pd.DataFrame,
    product_code: str,
    treated,
    channel=None,
    discount=0.0,
) -> np.ndarray:
    """P(customer takes up the offer of ``product_code``), with or without a contact.

    Starts from ``response_treated`` (contacted) or ``response_base`` (not contacted) on the
    logit scale and adds

    * ``+AFFINITY_TAKE_UP (affinity - 0.5)`` (5.0) for the offered (bank) or category (retail);
    * for contacted customers the channel's effect and ``+0.5`` when the channel matches the
      preferred channel (phone is more persuasive, post less);
    * ``+4 discount x price_sensitivity`` for a price discount (a fraction in [0, 1)).

    Parameters
    ----------
    traits : DataFrame
        Rows of ``customer_traits``.
    product_code : str
        Bank product code or retail category code.
    treated : bool or array of bool
        Whether each customer was contacted.
    channel : str or array of str, optional
        Campaign channel code (``email``, ``sms``, ``post``, ``phone``); ignored for
        customers not contacted.
    discount : float or array
        Price discount of the offer.
    """
    n = len(traits)
    treated = np.broadcast_to(np.asarray(treated, dtype=bool), (n,))
    base = np.where(treated, _col(traits, "response_treated"), _col(traits, "response_base"))
    z = logit(base) + AFFINITY_TAKE_UP * (_col(traits, f"affinity_{product_code}") - 0.5)
    if channel is not None:
        ch = _codes(channel, _CAMPAIGN_CODES, n, "campaign channel")
        pref, domain = _pref_codes(traits)
        effects = np.array([c.effect for c in CAMPAIGN_CHANNELS])
        effect = effects[ch] + 0.5 * _campaign_match(domain)[ch, pref]
        z = z + np.where(treated, effect, 0.0)
    z = z + 4.0 * np.asarray(discount, dtype=np.float64) * _col(traits, "price_sensitivity")
    return logistic(z)


def contact_cost(channel) -> np.ndarray:
    """Cost of one campaign contact by channel (currency units), as an array."""
    ch = np.atleast_1d(np.asarray(channel, dtype=object))
    codes = _codes(ch, _CAMPAIGN_CODES, len(ch), "campaign channel")
    return np.array([c.cost for c in CAMPAIGN_CHANNELS])[codes]


_OPEN_BASE = {"email": 0.22, "sms": 0.45, "post": 0.35, "phone": 0.55}


def open_probability(traits: pd.DataFrame, channel) -> np.ndarray:
    """P(a contacted customer opens / notices the message): e-mail 0.22, SMS 0.45, post 0.35,
    phone (answered) 0.55, times 1.5 when the channel matches the preferred one."""
    n = len(traits)
    ch = _codes(channel, _CAMPAIGN_CODES, n, "campaign channel")
    pref, domain = _pref_codes(traits)
    base = np.array([_OPEN_BASE[c] for c in _CAMPAIGN_CODES])[ch]
    match = _campaign_match(domain)[ch, pref]
    return np.clip(base * np.where(match, 1.5, 1.0), 0.0, 0.95)


def click_probability(traits: pd.DataFrame, product_code: str) -> np.ndarray:
    """P(an opened message is clicked / engaged with), rising with affinity for the offer."""
    return np.clip(0.05 + 0.25 * _col(traits, f"affinity_{product_code}"), 0.0, 1.0)


# -- churn and lifecycle ---------------------------------------------------------------------
#: factor on the churn hazard per dissatisfying service contact
DISSATISFIED_CHURN_FACTOR = 2.5


def churn_hazard(traits: pd.DataFrame, dissatisfied_contacts=0.0) -> np.ndarray:
    """Monthly churn probability given the service experience.

    The trait ``churn_hazard`` already includes the customer's latent service distress; each
    dissatisfying service contact in the recent past multiplies the hazard by 2.5 (capped at
    0.6). The core generator draws churn dates from the trait (the expected experience); the
    service source makes dissatisfying contacts more frequent for distressed customers and
    in the weeks before their true churn date, so the observed signal leads churn.
    """
    d = np.asarray(dissatisfied_contacts, dtype=np.float64)
    return np.clip(_col(traits, "churn_hazard") * DISSATISFIED_CHURN_FACTOR**d, 0.0, 0.6)


#: when service requests arrive: relative weight per hour of the day (0-23) of requests in
#: the channels with opening hours (phone, branch, store: 7-20, peaking late morning) and in
#: the others (web self-service, e-mail, chat: any time, mostly in the day and evening)
SERVICE_HOURS_OFFICE = np.array(
    [0, 0, 0, 0, 0, 0, 0, 0.3, 1, 1.2, 1.2, 1.1, 1, 1, 1.1, 1, 0.9, 0.7, 0.5, 0.3, 0, 0, 0, 0],
    dtype=np.float64,
)
SERVICE_HOURS_ANY = np.array(
    [0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.6, 0.9, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1.1, 1.2, 1.2]
    + [1, 0.7, 0.4],
    dtype=np.float64,
)
#: the service channels that keep opening hours
OFFICE_CHANNELS = ("phone", "branch", "store")


#: a customer who is about to churn drifts away first: over the last
#: ``PRE_CHURN_DECLINE_DAYS`` days before the churn date their transactions / orders fall
#: linearly to ``PRE_CHURN_FLOOR`` of the usual rate (the early-warning signal churn models
#: can learn from recency and a falling frequency)
PRE_CHURN_DECLINE_DAYS = 90.0
PRE_CHURN_FLOOR = 0.2


def pre_churn_activity(days_to_churn) -> np.ndarray:
    """Activity relative to the usual rate, ``days_to_churn`` days before the churn date.

    1 until :data:`PRE_CHURN_DECLINE_DAYS` before churn, then falling linearly to
    :data:`PRE_CHURN_FLOOR` at the churn date; 1 where ``days_to_churn`` is NaN (no churn).

    >>> pre_churn_activity([200.0, 45.0, 0.0, float("nan")]).round(2).tolist()
    [1.0, 0.6, 0.2, 1.0]
    """
    d = np.asarray(days_to_churn, dtype=np.float64)
    x = np.clip(d / PRE_CHURN_DECLINE_DAYS, 0.0, 1.0)
    return np.where(np.isnan(d), 1.0, PRE_CHURN_FLOOR + (1.0 - PRE_CHURN_FLOOR) * x)


#: a churned customer who is won back returns between this many days after churn
WIN_BACK_DAYS = (30.0, 365.0)


def win_back_probability(traits: pd.DataFrame) -> np.ndarray:
    """P(a churned customer returns within a year, :data:`WIN_BACK_DAYS` after churning): low
    for distressed customers. A returning customer starts a new relationship: they buy /
    transact again (bank: in a reopened current account), visit the web site and contact
    service."""
    return np.clip(
        0.25 * (1.0 - _col(traits, "service_distress")) + 2.0 * _col(traits, "response_base"),
        0.0,
        0.9,
    )


# -- service -------------------------------------------------------------------------------
def service_request_rate(traits: pd.DataFrame, domain: str | None = None) -> np.ndarray:
    """Expected service requests per month while a customer.

    Bank: ``0.06 + 0.5 distress`` (≈ 2-3 a year). Retail: ``0.03 + 0.3 distress`` plus
    ``0.06`` per order per month (tracking, returns, warranty).
    """
    domain = domain or domain_of(traits)
    dist = _col(traits, "service_distress")
    if domain == "bank":
        return 0.06 + 0.5 * dist
    return 0.03 + 0.3 * dist + 0.06 * _col(traits, "purchase_rate")


def service_channel_probabilities(traits: pd.DataFrame, domain: str | None = None) -> np.ndarray:
    """P(channel) of a service request, shape ``(n, 5)`` in the order of
    ``catalogue.SERVICE_CHANNELS[domain]``: a base mix, with the channels that match the
    preferred channel three times as likely."""
    domain = domain or domain_of(traits)
    chans = SERVICE_CHANNELS[domain]
    base = np.array([0.30, 0.15, 0.15, 0.30, 0.10])
    match = {
        "web": ("web_self_service", "chat"),
        "mobile": ("web_self_service", "chat"),
        "email": ("email",),
        "phone": ("phone",),
        "branch": ("branch",),
        "store": ("store",),
    }
    pref, _ = _pref_codes(traits)
    hit = np.array([[ch in match[p] for ch in chans] for p in CHANNELS[domain]])
    w = base[None, :] * np.where(hit, 3.0, 1.0)[pref]
    return w / w.sum(axis=1, keepdims=True)


def resolution_probability(traits: pd.DataFrame, channel) -> np.ndarray:
    """P(a request is resolved at the first contact) by service channel, lower for
    distressed customers (their problems are harder)."""
    n = len(traits)
    chans = SERVICE_CHANNELS[domain_of(traits)]
    ch = _codes(channel, chans, n, "service channel")
    base = {
        "web_self_service": 0.6,
        "email": 0.75,
        "chat": 0.8,
        "phone": 0.85,
        "branch": 0.9,
        "store": 0.9,
    }
    p = np.array([base[c] for c in chans])[ch]
    return np.clip(p * (1.0 - 0.35 * _col(traits, "service_distress")), 0.0, 1.0)


def satisfaction_probability(traits: pd.DataFrame, resolved, preferred_channel=None) -> np.ndarray:
    """P(the customer is satisfied with a request): ``logistic(1.2 + 1.6 resolved - 3.5
    distress - 0.5 [not the preferred channel])``. ``preferred_channel`` is a bool array
    (``None`` means unknown, no penalty)."""
    z = 1.2 + 1.6 * np.asarray(resolved, dtype=np.float64) - 3.5 * _col(traits, "service_distress")
    if preferred_channel is not None:
        z = z - 0.5 * (~np.asarray(preferred_channel, dtype=bool))
    return logistic(z)


def abandon_probability(traits: pd.DataFrame) -> np.ndarray:
    """P(a customer gives up on a service request not resolved at the first contact):
    ``0.1 + 0.3 service_distress``."""
    return 0.1 + 0.3 * _col(traits, "service_distress")


# -- web -----------------------------------------------------------------------------------
def web_session_rate(traits: pd.DataFrame, domain: str | None = None) -> np.ndarray:
    """Expected web/app sessions per month: customers preferring web or mobile visit far more;
    in retail sessions also grow with the order rate."""
    domain = domain or domain_of(traits)
    pref, _ = _pref_codes(traits)
    digital = np.isin(pref, (CHANNELS[domain].index("web"), CHANNELS[domain].index("mobile")))
    rate = 0.6 + 2.4 * digital
    if domain == "retail":
        rate = rate + 1.2 * _col(traits, "purchase_rate")
    return rate


def session_intent_probability(traits: pd.DataFrame, product_code: str | None = None) -> np.ndarray:
    """P(a session shows purchase intent: product pages, pricing, checkout), from the
    customer's affinity (for ``product_code``, or the largest one) and responsiveness."""
    if product_code is None:
        cols = [f"affinity_{c}" for c in affinity_codes(domain_of(traits))]
        aff = traits[cols].to_numpy(dtype=np.float64).max(axis=1)
    else:
        aff = _col(traits, f"affinity_{product_code}")
    return np.clip(0.05 + 0.25 * aff + 3.0 * _col(traits, "response_treated"), 0.0, 0.9)


def distress_probability(traits: pd.DataFrame) -> np.ndarray:
    """P(a session shows distress: repeated FAQ/support/tracking pages, many page views),
    ``0.02 + 0.3 service_distress``."""
    return np.clip(0.02 + 0.3 * _col(traits, "service_distress"), 0.0, 1.0)


#: true intent of a web session
SESSION_INTENTS = ("browse", "high_intent", "distressed")


def _intent(intent: int | str) -> str:
    return SESSION_INTENTS[intent] if isinstance(intent, int | np.integer) else str(intent)


def web_account_probability(traits: pd.DataFrame) -> np.ndarray:
    """P(a customer holds a web account): ``1 - exp(-0.8 x web_session_rate)``.

    Frequent visitors (customers preferring web or mobile) almost all have one (≈ 0.9), the
    others about 0.4.
    """
    return 1.0 - np.exp(-0.8 * web_session_rate(traits))


def repeat_visit_rate(traits: pd.DataFrame, intent: int | str) -> np.ndarray:
    """Mean number of repeat visits after a session of ``intent`` (a name or index in
    :data:`SESSION_INTENTS`): ``2 x service_distress`` when distressed,
    :func:`session_intent_probability` with high intent, 0 when browsing."""
    name = _intent(intent)
    if name == "distressed":
        return 2.0 * _col(traits, "service_distress")
    if name == "high_intent":
        return session_intent_probability(traits)
    return np.zeros(len(traits))


def extra_page_views(traits: pd.DataFrame, intent: int | str) -> np.ndarray:
    """Mean page views of a session of ``intent`` above the minimum of its intent: 1.5 when
    browsing, ``1 + 8 P(intent)`` with high intent, ``2 + 8 service_distress`` when
    distressed."""
    name = _intent(intent)
    if name == "distressed":
        return 2.0 + 8.0 * _col(traits, "service_distress")
    if name == "high_intent":
        return 1.0 + 8.0 * session_intent_probability(traits)
    return np.full(len(traits), 1.5)


# -- sales ---------------------------------------------------------------------------------
def lead_rate(traits: pd.DataFrame, domain: str | None = None) -> np.ndarray:
    """Expected sales leads per month (bank: loans, mortgages, investments for wealthier,
    interested customers; retail: large electronics/home/furniture orders)."""
    domain = domain or domain_of(traits)
    if domain == "bank":
        aff = (
            _col(traits, "affinity_mortgage")
            + _col(traits, "affinity_investment_fund")
            + _col(traits, "affinity_personal_loan")
        ) / 3.0
    else:
        aff = (_col(traits, "affinity_electronics") + _col(traits, "affinity_home_garden")) / 2.0
    return 0.004 + 0.02 * aff * np.sqrt(_col(traits, "wealth"))


_STAGE_BASE = {
    "prospecting": 0.60,
    "initiating_contact": 0.70,
    "identifying_needs": 0.75,
    "presenting_offer": 0.60,
    "managing_objections": 0.55,
    "closing": 0.50,
}


def stage_conversion_probability(
    traits: pd.DataFrame, stage: str, product_code: str | None = None
) -> np.ndarray:
    """P(a lead in ``stage`` moves on to the next stage; for ``closing``: the deal is won).

    A stage base rate (0.60, 0.70, 0.75, 0.60, 0.55, 0.50 for the six stages) on the logit
    scale plus ``1.8 (affinity - 0.5)`` for the product and ``+0.6`` standardised
    responsiveness; price-sensitive customers fall out at ``managing_objections`` and
    ``closing``.
    """
    if stage not in _STAGE_BASE:
        raise ValueError(f"unknown sales stage {stage!r}; use one of {SALES_STAGES}")
    z = logit(_STAGE_BASE[stage]) + np.zeros(len(traits))
    if product_code is not None:
        z = z + 1.8 * (_col(traits, f"affinity_{product_code}") - 0.5)
    resp = logit(_col(traits, "response_treated"))
    z = z + 0.6 * (resp + 4.5) / 1.3
    if stage in ("managing_objections", "closing"):
        z = z - 1.2 * (_col(traits, "price_sensitivity") - 0.5)
    return logistic(z)


def objection_probabilities(traits: pd.DataFrame, product_code: str | None = None) -> np.ndarray:
    """P(objection type) when objections are raised, shape ``(n, 5)`` in the order of
    :data:`OBJECTIONS`: price grows with price sensitivity, no_need with low affinity, trust
    with service distress."""
    ps = _col(traits, "price_sensitivity")
    dist = _col(traits, "service_distress")
    if product_code is None:
        aff = np.full(len(traits), 0.5)
    else:
        aff = _col(traits, f"affinity_{product_code}")
    w = np.column_stack(
        [
            0.2 + 1.2 * ps,
            0.2 + 1.0 * (1 - aff),
            np.full(len(traits), 0.35),
            0.1 + 1.0 * dist,
            np.full(len(traits), 0.25),
        ]
    )
    return w / w.sum(axis=1, keepdims=True)


def stage_duration_factor(traits: pd.DataFrame) -> np.ndarray:
    """How much longer than the mean a customer spends in each sales stage:
    ``0.7 + 0.6 price_sensitivity`` (price-sensitive customers deliberate longer)."""
    return 0.7 + 0.6 * _col(traits, "price_sensitivity")
