"""Source: customer service — ``service_requests`` (tickets) by channel.

Volume and channel
------------------
While a customer (the windows of :func:`~._common.customer_windows`), each customer opens
requests as a Poisson process with :func:`ecrm_lab.world.behaviour.service_request_rate`
requests per month (driven by ``service_distress``), in the channel drawn from
:func:`~ecrm_lab.world.behaviour.service_channel_probabilities` (the preferred channel is three
times as likely). Phone, branch and store requests arrive in opening hours, the others at any
hour. Bank customers hit by planted card fraud or account takeover (truth
``planted_anomalies``) report it (category ``fraud_report``) within days with probability
:data:`FRAUD_REPORT_P`.

What the request is about
-------------------------
Bank: one of the customer's accounts open at that time (its ``product_code``) and a category
drawn given the product family (:data:`BANK_CATEGORY_MIX`); ``contract_status`` tells whether
that contract is still running. Retail: the customer's latest order before the request (its
``order_id`` and one of its SKUs) and a category drawn given the order's age; the warranty
covers :data:`WARRANTY_DAYS` (electronics twice as long). Complaints grow with distress
(weight x ``(0.5 + 2 service_distress)``).

Resolution and satisfaction
---------------------------
Resolved at the first contact with :func:`~ecrm_lab.world.behaviour.resolution_probability`;
otherwise escalated (probability 0.35) or handled by follow-up contacts, and abandoned by the
customer (never resolved) with probability :func:`abandon_probability`. Resolution times
are exponential (:data:`FIRST_CONTACT_HOURS` by channel; follow-up 3 days, escalation 10
days). Whether the customer is satisfied is drawn from
:func:`~ecrm_lab.world.behaviour.satisfaction_probability` with ``resolved`` = 1 (first
contact), 0.6 (follow-up), 0.3 (escalated), 0 (abandoned) and the channel-match penalty; the
observed 1-5 ``satisfaction`` score comes from a survey answered for :data:`SURVEY_P` of the
closed requests (4-5 when satisfied, 1-3 when not).

Service quality and churn
-------------------------
:func:`~ecrm_lab.world.behaviour.churn_hazard` multiplies the monthly churn hazard by 2.5 for
each dissatisfying contact in the last :data:`RECENT_DAYS` days. Churn dates are drawn by the
core from the trait, so this source adds what that implies: conditioned on churning at ``T``,
the number of dissatisfying contacts in ``[T - RECENT_DAYS, T)`` is Poisson with 2.5 times
its usual mean, so churners get ``Poisson(1.5 x usual mean)`` extra dissatisfying requests in
that window (truth ``service_truth.pre_churn``). The observed signal therefore leads churn with
the planted hazard ratio 2.5 per dissatisfying contact (distressed customers also churn more, so
the observed monthly hazard ratio of "a low score in the last 90 days" is higher still). Measure
it as a hazard with a time-varying covariate: comparing customers who *ever* gave a low score
with the others is biased by exposure (customers who leave early have less time to complain).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from .._context import WorldContext
from ..behaviour import (
    DISSATISFIED_CHURN_FACTOR,
    OFFICE_CHANNELS,
    SERVICE_HOURS_ANY,
    SERVICE_HOURS_OFFICE,
    abandon_probability,
    resolution_probability,
    satisfaction_probability,
    service_channel_probabilities,
    service_request_rate,
)
from ..catalogue import BANK_PRODUCTS, CHANNELS, SERVICE_CHANNELS
from ..schema import Column, TableSchema, register
from ._common import (
    DAYS_PER_MONTH,
    categorical,
    customer_windows,
    days_to_datetime,
    decimal_strings,
    draw_columns,
    draw_grouped,
    label_codes,
    string_codes,
    to_secs,
    vocab_strings,
)

__all__ = [
    "BANK_CATEGORIES",
    "RETAIL_CATEGORIES_SERVICE",
    "BANK_CATEGORY_MIX",
    "RESOLUTIONS",
    "STATUSES",
    "CONTRACT_STATUS",
    "FIRST_CONTACT_HOURS",
    "SURVEY_P",
    "RECENT_DAYS",
    "FRAUD_REPORT_P",
    "WARRANTY_DAYS",
    "generate",
    "SERVICE_REQUESTS_SCHEMA",
    "SERVICE_TRUTH_SCHEMA",
]

BANK_CATEGORIES = (
    "card_problem",
    "payment_dispute",
    "account_access",
    "fees_statement",
    "product_query",
    "address_change",
    "complaint",
    "fraud_report",
)
RETAIL_CATEGORIES_SERVICE = (
    "order_tracking",
    "delivery_problem",
    "return_refund",
    "product_defect",
    "warranty_claim",
    "billing_payment",
    "account_access",
    "complaint",
)
#: P(category | product family) for bank requests (columns: BANK_CATEGORIES without fraud)
BANK_CATEGORY_MIX = {
    "account": (0.00, 0.25, 0.22, 0.22, 0.08, 0.10, 0.13),
    "card": (0.42, 0.28, 0.05, 0.07, 0.05, 0.00, 0.13),
    "loan": (0.00, 0.05, 0.05, 0.25, 0.45, 0.07, 0.13),
    "mortgage": (0.00, 0.05, 0.05, 0.25, 0.45, 0.07, 0.13),
    "investment": (0.00, 0.00, 0.10, 0.20, 0.52, 0.05, 0.13),
    "insurance": (0.00, 0.05, 0.05, 0.20, 0.52, 0.05, 0.13),
}
#: P(category | age of the latest order) for retail requests (columns: the first six of
#: RETAIL_CATEGORIES_SERVICE, then account_access and complaint); orders older than 30 days
#: can no longer be tracked or returned
_RETAIL_MIX_RECENT = np.array([0.34, 0.18, 0.20, 0.08, 0.00, 0.06, 0.05, 0.09])
_RETAIL_MIX_OLD = np.array([0.00, 0.00, 0.00, 0.30, 0.35, 0.10, 0.10, 0.15])
_RETAIL_MIX_NONE = np.array([0.00, 0.00, 0.00, 0.00, 0.00, 0.25, 0.45, 0.30])
RESOLUTIONS = ("first_contact", "follow_up", "escalated")
STATUSES = ("resolved", "open", "abandoned")
CONTRACT_STATUS = {
    "bank": ("in_contract", "out_of_contract"),
    "retail": ("in_warranty", "out_of_warranty", "none"),
}
#: mean hours to resolve at the first contact, by service channel
FIRST_CONTACT_HOURS = {
    "web_self_service": 0.15,
    "email": 20.0,
    "chat": 0.3,
    "phone": 0.25,
    "branch": 0.5,
    "store": 0.5,
}
FOLLOW_UP_HOURS = 72.0
ESCALATED_HOURS = 240.0
P_ESCALATE = 0.35
#: share of closed requests whose satisfaction survey was answered
SURVEY_P = 0.4
#: the 'recent past' of behaviour.churn_hazard: dissatisfying contacts count for this long
RECENT_DAYS = 90.0
#: probability that a victim of planted fraud reports it
FRAUD_REPORT_P = 0.85
#: warranty of retail purchases (electronics: twice as long)
WARRANTY_DAYS = 365.0


def _request_columns() -> tuple[Column, ...]:
    return (
        Column(
            "request_id", "int64", "Ticket key, 1..n in order of opened_at.", unique=True, low=1
        ),
        Column("customer_id", "int64", "Customer who asked.", references="customers.customer_id"),
        Column(
            "channel",
            "category",
            "Where the request arrived (behaviour."
            "service_channel_probabilities: preferred channel three times as likely).",
            choices=SERVICE_CHANNELS["bank"],
            domains=("bank",),
        ),
        Column(
            "channel",
            "category",
            "Where the request arrived (behaviour."
            "service_channel_probabilities: preferred channel three times as likely).",
            choices=SERVICE_CHANNELS["retail"],
            domains=("retail",),
        ),
        Column(
            "category",
            "category",
            "What it is about: drawn given the product family of "
            "the account concerned; complaints weighted by 0.5 + 2 x service distress; "
            "fraud_report for planted fraud victims.",
            choices=BANK_CATEGORIES,
            domains=("bank",),
        ),
        Column(
            "category",
            "category",
            "What it is about: order_tracking, delivery_problem "
            "and return_refund only for orders at most 30 days old; product_defect and "
            "warranty_claim for older ones; complaints weighted by 0.5 + 2 x service "
            "distress.",
            choices=RETAIL_CATEGORIES_SERVICE,
            domains=("retail",),
        ),
        Column(
            "product_code",
            "string",
            "Product concerned (bank: the product of the account "
            "concerned, a random account of the customer opened before the request; retail: "
            "a SKU of the related order, missing when no order is concerned).",
            nullable=True,
            references="products.product_code",
        ),
        Column(
            "account_id",
            "int64",
            "Account concerned: a random account of the customer "
            "opened before the request (fraud reports: the account of the fraudulent "
            "transactions).",
            references="accounts.account_id",
            domains=("bank",),
        ),
        Column(
            "order_ref",
            "string",
            "Order concerned as the ticket system stores it: the "
            "decimal orders.order_id of the customer's latest order before the request "
            "(join with int(order_ref)); missing for account_access requests and before "
            "the first order.",
            nullable=True,
            domains=("retail",),
        ),
        Column(
            "contract_status",
            "category",
            "Bank: in_contract (the account concerned is "
            "open), out_of_contract (it was closed, e.g. a repaid loan or after churn).",
            choices=CONTRACT_STATUS["bank"],
            domains=("bank",),
        ),
        Column(
            "contract_status",
            "category",
            "Retail warranty status of the item concerned: "
            f"in_warranty (bought at most {WARRANTY_DAYS:.0f} days before, electronics "
            "twice that), out_of_warranty, none (no order concerned).",
            choices=CONTRACT_STATUS["retail"],
            domains=("retail",),
        ),
        Column(
            "opened_at",
            "datetime64[ns]",
            "When the request was opened (phone, branch and store in opening hours).",
            low="start",
            high="end",
        ),
        Column(
            "resolved_at",
            "datetime64[ns]",
            "When it was resolved; NaT if still open at the end of the horizon or abandoned.",
            nullable=True,
            low="start",
            high="end",
        ),
        Column(
            "resolution",
            "category",
            "first_contact (resolved at once, probability "
            "behaviour.resolution_probability), follow_up (more contacts, about 3 days), "
            "escalated (second line, about 10 days; 35 % of the rest).",
            choices=RESOLUTIONS,
        ),
        Column(
            "status",
            "category",
            "resolved; open (not resolved by the end of the "
            "horizon); abandoned (the customer gave up: probability 0.1 + 0.3 x service "
            "distress when not resolved at first contact).",
            choices=STATUSES,
        ),
        Column(
            "n_contacts",
            "int64",
            "Contacts needed (1 at first contact; 2 + Poisson(1) "
            "follow-up; 3 + Poisson(2) escalated).",
            low=1,
        ),
        Column(
            "satisfaction",
            "float64",
            f"Survey score 1-5 (answered for {SURVEY_P:.0%} of "
            "closed requests; 4-5 if the customer was satisfied, 1-3 if not); NaN when not "
            "answered or still open.",
            nullable=True,
            low=1.0,
            high=5.0,
        ),
    )


SERVICE_REQUESTS_SCHEMA = register(
    TableSchema(
        "service_requests",
        "Customer service requests (tickets) by channel: web self-service, e-mail, chat, phone, "
        "branch/store. Frequency from service distress (behaviour.service_request_rate); "
        "resolution, satisfaction and the contract/warranty status of the product concerned. "
        "Churners get extra dissatisfying requests in the 90 days before their true churn date "
        "(hazard x 2.5 per dissatisfying contact, behaviour.churn_hazard), so dissatisfaction "
        "leads churn.",
        _request_columns(),
        primary_key=("request_id",),
    )
)

SERVICE_TRUTH_SCHEMA = register(
    TableSchema(
        "service_truth",
        "Latent side of every service request: whether the customer was really satisfied (also "
        "without a survey answer), whether it is one of the extra dissatisfying contacts implied "
        "by the customer's coming churn, and which planted fraud case it reports.",
        (
            Column(
                "request_id",
                "int64",
                "Request.",
                unique=True,
                references="service_requests.request_id",
            ),
            Column(
                "satisfied",
                "bool",
                "Whether the customer was satisfied (also when no survey was answered).",
            ),
            Column(
                "pre_churn",
                "bool",
                "An extra dissatisfying request implied by the customer's "
                f"churn in the next {RECENT_DAYS:.0f} days (see service_requests).",
            ),
            Column(
                "fraud_case_id",
                "int64",
                "planted_anomalies.case_id reported by this request (0 for other requests).",
                low=0,
            ),
        ),
        primary_key=("request_id",),
        kind="truth",
    )
)


# -- generation ----------------------------------------------------------------------------
_RESOLVED_LEVEL = (1.0, 0.6, 0.3, 0.0)  # 'resolved' of satisfaction_probability per outcome
_ROUTE = np.array([0, 1, 2, 1, 2])  # outcome -> resolution route
_LEVEL = np.array([0, 1, 2, 3, 3])  # outcome -> satisfaction level
_PREF_MATCH = {
    "web": ("web_self_service", "chat"),
    "mobile": ("web_self_service", "chat"),
    "email": ("email",),
    "phone": ("phone",),
    "branch": ("branch",),
    "store": ("store",),
}


class _Model:
    """Per-customer probabilities of the service model (arrays over customer rows)."""

    def __init__(self, traits: pd.DataFrame, domain: str):
        chans = SERVICE_CHANNELS[domain]
        n = len(traits)
        self.rate = service_request_rate(traits, domain) / DAYS_PER_MONTH
        self.chan_p = service_channel_probabilities(traits, domain).T.copy()  # (5, n)
        self.p_fc = np.stack([resolution_probability(traits, c) for c in chans])  # (5, n)
        self.distress = traits["service_distress"].to_numpy()
        self.p_abandon = abandon_probability(traits)
        # satisfaction by [preferred channel?][outcome level]
        self.p_sat = np.stack(
            [
                np.stack(
                    [
                        satisfaction_probability(traits, np.full(n, lvl), np.full(n, pref))
                        for lvl in _RESOLVED_LEVEL
                    ]
                )
                for pref in (False, True)
            ]
        )  # (2, 4, n)
        self.n = n
        self.p_sat_flat = self.p_sat.ravel()
        table = np.array([[c in _PREF_MATCH[p] for c in chans] for p in CHANNELS[domain]])
        self.match = table[traits["channel_pref"].cat.codes.to_numpy()].T.copy()  # (5, n)
        self.office = np.array([c in OFFICE_CHANNELS for c in chans])
        # mean hours to resolution by route (first contact, follow-up, escalated) and channel
        self.hours = np.array(
            [
                [FIRST_CONTACT_HOURS[c] for c in chans],
                [FOLLOW_UP_HOURS] * len(chans),
                [ESCALATED_HOURS] * len(chans),
            ]
        )

    def outcomes(self, ch: np.ndarray, row: np.ndarray) -> tuple[list, list]:
        """P(outcome) and P(satisfied | outcome) of requests in channel ``ch`` of customers
        ``row``, as five arrays each. Outcomes: resolved at first contact / after follow-up /
        after escalation, abandoned on the follow-up / escalation route."""
        r = self.p_fc[ch, row]
        pa = self.p_abandon[row]
        rest = 1.0 - r
        fu, esc = rest * (1 - P_ESCALATE), rest * P_ESCALATE
        p = [r, fu * (1 - pa), esc * (1 - pa), fu * pa, esc * pa]
        pref = self.match[ch, row].astype(np.int64)
        sat = [self.p_sat[pref, lvl, row] for lvl in range(len(_RESOLVED_LEVEL))]
        return p, [sat[lvl] for lvl in _LEVEL]


def _fraud_cases(ctx: WorldContext) -> dict:
    """One entry per planted bank fraud case: case, customer, account, last transaction day."""
    an = ctx.truth.get("planted_anomalies")
    tx = ctx.tables.get("transactions")
    empty = {
        "case": np.zeros(0, np.int64),
        "customer": np.zeros(0, np.int64),
        "account": np.zeros(0, np.int64),
        "day": np.zeros(0),
    }
    if an is None or tx is None or ctx.domain != "bank" or not len(an):
        return empty
    an = an[(an["source_table"] == "transactions").to_numpy()]
    pos = pd.Index(tx["transaction_id"].to_numpy()).get_indexer(an["record_id"].to_numpy())
    frame = pd.DataFrame(
        {
            "case": an["case_id"].to_numpy(),
            "customer": an["customer_id"].to_numpy(),
            "account": tx["account_id"].to_numpy()[pos],
            "day": ctx.to_days(tx["timestamp"].to_numpy()[pos]),
        }
    )
    g = frame.groupby("case", sort=True).agg(
        customer=("customer", "first"), account=("account", "first"), day=("day", "max")
    )
    return {
        "case": g.index.to_numpy().astype(np.int64),
        "customer": g["customer"].to_numpy(),
        "account": g["account"].to_numpy(),
        "day": g["day"].to_numpy(),
    }


def _hour_shift(rng, t, lo, hi, office):
    """Move event days ``t`` to a drawn hour of the same day (office hours for ``office``),
    keeping them inside ``[lo, hi)``."""
    hour = draw_grouped(
        rng, np.stack([SERVICE_HOURS_ANY, SERVICE_HOURS_OFFICE]), office.astype(np.int64)
    )
    new = np.floor(t) + (hour + rng.random(len(t))) / 24.0
    return np.where((new >= lo) & (new < hi), new, t)


def _block(
    ctx: WorldContext,
    lo: int,
    hi: int,
    rng: np.random.Generator,
    M: _Model,
    win,
    fraud: dict,
    subject,
) -> dict:
    n = hi - lo
    rows = np.arange(lo, hi)
    rate = M.rate[lo:hi]
    parts = []
    for t0, t1 in ((win.a0[lo:hi], win.a1[lo:hi]), (win.b0[lo:hi], win.b1[lo:hi])):
        span = np.maximum(t1 - t0, 0.0)
        cnt = rng.poisson(rate * span)
        o = np.repeat(np.arange(n), cnt)
        parts.append((o, t0[o] + rng.random(len(o)) * span[o], t0[o], t1[o]))
    o, t, lo_t, hi_t = (np.concatenate([p[k] for p in parts]) for k in range(4))
    kind = np.zeros(len(o), np.int64)  # 0 regular, 1 pre-churn extra, 2 fraud report

    # extra dissatisfying requests before churn (see the module docstring)
    churn = win.churn[lo:hi]
    ch_rows = np.flatnonzero(~np.isnan(churn))
    if len(ch_rows):
        g = rows[ch_rows]
        mean_unsat = np.zeros(len(ch_rows))
        for c in range(M.chan_p.shape[0]):
            p, sat = M.outcomes(np.full(len(g), c), g)
            mean_unsat += M.chan_p[c, g] * sum(
                pk * (1.0 - sk) for pk, sk in zip(p, sat, strict=True)
            )
        start = np.maximum(churn[ch_rows] - RECENT_DAYS, win.a0[lo:hi][ch_rows])
        span = np.maximum(churn[ch_rows] - start, 0.0)
        cnt = rng.poisson((DISSATISFIED_CHURN_FACTOR - 1.0) * rate[ch_rows] * mean_unsat * span)
        e = np.repeat(np.arange(len(ch_rows)), cnt)
        o = np.r_[o, ch_rows[e]]
        t = np.r_[t, start[e] + rng.random(len(e)) * span[e]]
        lo_t, hi_t = np.r_[lo_t, start[e]], np.r_[hi_t, churn[ch_rows][e]]
        kind = np.r_[kind, np.ones(len(e), np.int64)]

    # fraud victims report the case
    case = np.zeros(len(o), np.int64)
    account = np.full(len(o), -1, np.int64)
    sel = (fraud["customer"] > lo) & (fraud["customer"] <= hi)
    if sel.any():
        fr = fraud["customer"][sel] - 1 - lo
        day = fraud["day"][sel]
        t_rep = day + 0.05 + rng.exponential(1.5, len(fr))
        end = np.where(win.a1[lo:hi][fr] > day, win.a1[lo:hi][fr], win.b1[lo:hi][fr])
        ok = (rng.random(len(fr)) < FRAUD_REPORT_P) & (t_rep < end)
        o = np.r_[o, fr[ok]]
        t = np.r_[t, t_rep[ok]]
        lo_t, hi_t = np.r_[lo_t, t_rep[ok]], np.r_[hi_t, end[ok]]
        kind = np.r_[kind, np.full(int(ok.sum()), 2, np.int64)]
        case = np.r_[case, fraud["case"][sel][ok]]
        account = np.r_[account, fraud["account"][sel][ok]]

    m = len(o)
    g = rows[o]
    ch = draw_columns(rng, [M.chan_p[c, g] for c in range(M.chan_p.shape[0])])
    t = np.where(kind == 2, t, _hour_shift(rng, t, lo_t, hi_t, M.office[ch]))
    # the outcome, drawn step by step: resolved at the first contact? escalated? abandoned?
    u = rng.random((4, m))
    first = u[0] < M.p_fc[ch, g]
    route = np.where(first, 0, np.where(u[1] < P_ESCALATE, 2, 1))
    abandoned = ~first & (u[2] < M.p_abandon[g])
    outcome = np.where(abandoned, route + 2, route)
    extra = np.flatnonzero(kind == 1)
    if len(extra):  # pre-churn requests: the outcome given that the customer is dissatisfied
        p, sat = M.outcomes(ch[extra], g[extra])
        outcome[extra] = draw_columns(rng, [pk * (1.0 - sk) for pk, sk in zip(p, sat, strict=True)])
        route = _ROUTE[outcome]
        abandoned = outcome >= 3
    pref = M.match[ch, g].astype(np.int64)
    p_sat = M.p_sat_flat[(pref * len(_RESOLVED_LEVEL) + _LEVEL[outcome]) * M.n + g]
    satisfied = (u[3] < p_sat) & (kind != 1)
    mean_hours = M.hours[route, ch]
    resolved_t = t + rng.standard_exponential(m) * mean_hours / 24.0
    status = np.where(abandoned, 2, np.where(resolved_t >= ctx.horizon_days, 1, 0))
    resolved_t = np.where(status == 0, resolved_t, np.nan)
    n_contacts = np.ones(m, dtype=np.int64)
    for r_, (base, lam) in ((1, (2, 1.0)), (2, (3, 2.0))):
        sel = np.flatnonzero(route == r_)
        n_contacts[sel] = base + rng.poisson(lam, len(sel))
    v = rng.random((3, m))
    surveyed = (status != 1) & (v[0] < SURVEY_P)
    low = 1 + (v[1] >= 0.4) + (v[1] >= 0.75)  # 1, 2, 3 with probabilities 0.4, 0.35, 0.25
    score = np.where(satisfied, 4 + (v[2] < 0.5), low)
    out = {
        "customer_id": (g + 1).astype(np.int64),
        "channel": ch,
        "t": t,
        "resolved_t": resolved_t,
        "route": route,
        "status": status,
        "n_contacts": n_contacts,
        "satisfaction": np.where(surveyed, score.astype(np.float64), np.nan),
        "satisfied": satisfied,
        "pre_churn": kind == 1,
        "case": case,
    }
    out.update(subject(rng, g, t, kind, account, 0.5 + 2.0 * M.distress[g]))
    return out


class _BankSubject:
    """What a bank request is about: one of the customer's accounts (sorted once)."""

    def __init__(self, ctx: WorldContext):
        acc = ctx.tables["accounts"]
        cust = acc["customer_id"].to_numpy()
        order = np.argsort(cust, kind="stable")
        self.cust = cust[order]
        self.id = acc["account_id"].to_numpy()[order]
        self.open = ctx.to_days(acc["open_date"].to_numpy()[order])
        close = ctx.to_days(acc["close_date"].to_numpy()[order])
        self.close = np.where(np.isnan(close), np.inf, close)
        codes = ctx.tables["products"]["product_code"].to_numpy()
        self.prod = string_codes(acc["product_code"], codes)[order]
        self.index = pd.Index(self.id)
        # the current account (slot 0, product 0) opens every customer's group of accounts
        ids = np.arange(1, ctx.n_customers + 1)
        first = np.searchsorted(self.cust, ids, side="left")
        ok = self.id[np.minimum(first, len(self.id) - 1)] == ids * 100
        self.current = first if ok.all() else self.index.get_indexer(ids * 100)
        self.first = first
        self.count = np.searchsorted(self.cust, ids, side="right") - first
        families = [p.family for p in BANK_PRODUCTS]
        mix = np.array([BANK_CATEGORY_MIX[families[i]] for i in range(len(BANK_PRODUCTS))])
        self.mix = [np.ascontiguousarray(mix[:, j]) for j in range(mix.shape[1])]

    def __call__(self, rng, g, t, kind, account, complaint_w) -> dict:
        count = self.count[g]
        pick = self.first[g] + np.minimum((rng.random(len(t)) * count).astype(np.int64), count - 1)
        pick = np.where(self.open[pick] <= t, pick, self.current[g])
        given = account >= 0
        if given.any():
            pick[given] = self.index.get_indexer(account[given])
        prod = self.prod[pick]
        w = [col[prod] for col in self.mix]
        w[-1] = w[-1] * complaint_w
        cat = np.where(kind == 2, len(BANK_CATEGORIES) - 1, draw_columns(rng, w))
        return {
            "account_id": self.id[pick],
            "product": self.prod[pick].astype(np.int64),
            "category": cat,
            "contract": (self.close[pick] <= t).astype(np.int64),
        }


class _RetailSubject:
    """What a retail request is about: the customer's latest order before it."""

    def __init__(self, ctx: WorldContext):
        orders, lines = ctx.tables["orders"], ctx.tables["order_lines"]
        o_cust = orders["customer_id"].to_numpy().astype(np.int64)
        o_secs = (orders["order_date"].to_numpy().astype(np.int64) - ctx.start.value) // 10**9
        key = (o_cust << 32) | o_secs  # (customer, time) as one sortable integer
        order = None if np.all(key[1:] >= key[:-1]) else np.argsort(key, kind="stable")
        pick = (lambda a: a) if order is None else (lambda a: a[order])
        self.key, self.o_cust = pick(key), pick(o_cust)
        self.o_day = pick(o_secs) / 86_400.0
        self.o_id = pick(orders["order_id"].to_numpy())
        l_order = lines["order_id"].to_numpy()
        sorted_lines = np.all(l_order[1:] >= l_order[:-1])
        self.l_pos = np.arange(len(l_order)) if sorted_lines else np.argsort(l_order, kind="stable")
        self.l_sorted = l_order[self.l_pos]
        self.l_sku = pa.array(lines["product_code"])
        prod = ctx.tables["products"]
        self.codes = prod["product_code"].to_numpy()
        electronics = label_codes(prod["category"], ["electronics"]) == 0
        self.limit = np.where(electronics, 2 * WARRANTY_DAYS, WARRANTY_DAYS)

    def __call__(self, rng, g, t, kind, account, complaint_w) -> dict:
        cid = (g + 1).astype(np.int64)
        pos = np.searchsorted(self.key, (cid << 32) | to_secs(t), side="right") - 1
        has = (pos >= 0) & (self.o_cust[np.maximum(pos, 0)] == cid)
        pos = np.maximum(pos, 0)
        age = np.where(has, t - self.o_day[pos], np.inf)
        group = np.where(age <= 30, 0, np.where(has, 1, 2))
        table = np.stack([_RETAIL_MIX_RECENT, _RETAIL_MIX_OLD, _RETAIL_MIX_NONE])
        w = [table[:, j][group] for j in range(table.shape[1])]
        w[-1] = w[-1] * complaint_w
        cat = draw_columns(rng, w)
        with_order = has & (cat != RETAIL_CATEGORIES_SERVICE.index("account_access"))
        oid = self.o_id[pos]
        first = np.searchsorted(self.l_sorted, oid, side="left")
        count = np.searchsorted(self.l_sorted, oid, side="right") - first
        pick = first + (rng.random(len(t)) * count).astype(np.int64)
        if len(self.l_pos):
            line = self.l_pos[np.minimum(pick, len(self.l_pos) - 1)]
            sku = string_codes(self.l_sku.take(pa.array(line)), self.codes)
        else:  # no order lines at all (a tiny world): no request concerns an order
            sku = np.zeros(len(t), dtype=np.int64)
        contract = np.where(with_order, np.where(age <= self.limit[sku], 0, 1), 2)
        return {
            "order": np.where(with_order, oid, -1),
            "product": np.where(with_order, sku, -1),
            "category": cat,
            "contract": contract,
        }


def generate(ctx: WorldContext) -> None:
    """Add ``service_requests`` and the truth ``service_truth`` (module docstring)."""
    domain = ctx.domain
    traits = ctx.truth["customer_traits"]
    win = customer_windows(ctx)
    M = _Model(traits, domain)
    fraud = _fraud_cases(ctx)
    subject = _BankSubject(ctx) if domain == "bank" else _RetailSubject(ctx)
    parts = ctx.map_blocks(
        "service", lambda lo, hi, rng: _block(ctx, lo, hi, rng, M, win, fraud, subject)
    )
    r = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    secs = to_secs(r["t"])
    order = np.argsort(secs, kind="stable")
    m = len(order)
    codes = ctx.tables["products"]["product_code"].to_numpy()
    prod = r["product"][order]
    resolved = r["resolved_t"][order]
    df = {
        "request_id": np.arange(1, m + 1, dtype=np.int64),
        "customer_id": r["customer_id"][order],
        "channel": categorical(r["channel"][order], SERVICE_CHANNELS[domain]),
        "category": categorical(
            r["category"][order], BANK_CATEGORIES if domain == "bank" else RETAIL_CATEGORIES_SERVICE
        ),
        "product_code": vocab_strings(list(codes), prod, valid=prod >= 0),
    }
    if domain == "bank":
        df["account_id"] = r["account_id"][order]
    else:
        oid = r["order"][order]
        df["order_ref"] = decimal_strings(oid, valid=oid >= 0)
    df.update(
        {
            "contract_status": categorical(r["contract"][order], CONTRACT_STATUS[domain]),
            "opened_at": (ctx.start.value + secs[order] * 10**9).astype("datetime64[ns]"),
            "resolved_at": days_to_datetime(ctx, resolved),
            "resolution": categorical(r["route"][order], RESOLUTIONS),
            "status": categorical(r["status"][order], STATUSES),
            "n_contacts": r["n_contacts"][order],
            "satisfaction": r["satisfaction"][order],
        }
    )
    ctx.tables["service_requests"] = pd.DataFrame(df)
    ctx.truth["service_truth"] = pd.DataFrame(
        {
            "request_id": df["request_id"],
            "satisfied": r["satisfied"][order],
            "pre_churn": r["pre_churn"][order],
            "fraud_case_id": r["case"][order].astype(np.int64),
        }
    )
