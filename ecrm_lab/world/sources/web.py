"""Source: the web click-stream — ``web_sessions`` and ``page_views``.

Who visits
----------
* **Customers** visit while they are customers (:func:`~._common.customer_windows`: from the
  acquisition, or the start of the horizon, to the true churn date, and again after a
  win-back) as a Poisson process with :func:`ecrm_lab.world.behaviour.web_session_rate`
  sessions per month, modulated by the domain's seasonality, at an hour of the day drawn from
  an evening-peaked profile. The extract keeps a :data:`CLICKSTREAM_SAMPLE` random sample of
  these routine visits (as web-analytics exports do), so rates estimated from it must be
  divided by the sample share.
* **Signup journeys**: a customer acquired inside the horizon through an online channel
  (search, pay-per-click, affiliate, online PR, display ads) visited ``1 + Poisson(0.8)`` times
  in the 30 days before; the last visit is on the acquisition date, comes from the acquisition
  channel and ends on the checkout (application/registration) page. These are all kept.
* **Campaign clicks**: every ``clicked`` row of ``campaign_responses`` (e-mail and SMS
  campaigns) opens a session at the click time, referred by ``email``/``sms``, whose link
  carries the CRM customer key and lands on the product page of the campaign's product.
* **Prospects**: :data:`PROSPECTS_PER_CUSTOMER` anonymous visitors per customer who never
  become customers, with ``1 + Poisson(0.5)`` visits each. A prospect behaves like a randomly
  chosen customer of the same block (a look-alike: their traits drive the visit), so no
  separate behaviour model exists.

What a visit looks like
-----------------------
Each session has a true intent: *distressed* with
:func:`~ecrm_lab.world.behaviour.distress_probability`, otherwise *high intent* with
:func:`~ecrm_lab.world.behaviour.session_intent_probability`, otherwise *browse*. Distressed
and high-intent sessions come in episodes: ``Poisson(2 x service_distress)`` resp.
``Poisson(P(intent))`` repeat visits from the same device follow, 0.7 days apart on average
(:func:`repeat_visit_rate`). The intent sets the number of page views (browse
``1 + Poisson(1.5)``, high intent ``2 + Poisson(1 + 8 P(intent))``, distressed
``3 + Poisson(2 + 8 service_distress)``; :func:`extra_page_views`) and the
page-type mix (:data:`PAGE_MIX`: distressed visitors loop over FAQ, support and tracking pages,
high-intent visitors over product pages and checkout). Product pages show a product drawn
from the visitor's affinities (bank) or category weights and SKU choice model (retail).

Identity
--------
Every device has a cookie (``visitor_id``; customers use 1-3 devices). A customer may hold a
web account (probability :func:`web_account_probability`); a session is *identified* when the
visitor logs in (``web_user_id``, probability :data:`LOGIN_P` by intent, only after the account
was opened) or arrives from a campaign e-mail or SMS whose link carries the CRM customer key
(``link_customer_ref``). All other sessions are anonymous; their owner can be found only by
stitching cookies (identity resolution). The true owner of every cookie is in the truth table
``identity_map``; the true intent of every session in ``web_session_truth``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._context import WorldContext
from ..activity import Warp
from ..behaviour import (
    SESSION_INTENTS,
    category_weights,
    distress_probability,
    extra_page_views,
    repeat_visit_rate,
    session_intent_probability,
    web_account_probability,
    web_session_rate,
)
from ..catalogue import affinity_codes
from ..products import price_bin, sku_probabilities
from ..schema import Column, TableSchema, register
from ._common import (
    DAYS_PER_MONTH,
    categorical,
    cumcount,
    customer_windows,
    digit_keys,
    draw_columns,
    draw_grouped,
    hex_keys,
    label_codes,
    permute_segments,
    scramble,
    segment_cumsum,
    to_secs,
    vocab_strings,
)

__all__ = [
    "CLICKSTREAM_SAMPLE",
    "PROSPECTS_PER_CUSTOMER",
    "PAGE_TYPES",
    "INTENTS",
    "DEVICES",
    "REFERRERS",
    "PAGE_MIX",
    "LOGIN_P",
    "MIN_PAGE_VIEWS",
    "WebAccounts",
    "web_accounts",
    "cookie_key",
    "web_user_key",
    "crm_key",
    "generate",
    "WEB_SESSIONS_SCHEMA",
    "PAGE_VIEWS_SCHEMA",
    "WEB_SESSION_TRUTH_SCHEMA",
    "IDENTITY_MAP_SCHEMA",
]

#: share of customers' routine visits kept in the click-stream extract
CLICKSTREAM_SAMPLE = 0.02
#: anonymous prospect visitors per customer (never become customers)
PROSPECTS_PER_CUSTOMER = 0.15
#: page types of the site
PAGE_TYPES = ("catalogue", "product", "faq", "tracking", "support", "checkout", "login")
#: true intent of a session (of the behaviour model)
INTENTS = SESSION_INTENTS
DEVICES = ("desktop", "mobile", "tablet")
#: where a session came from (the online acquisition channels, e-mail links, direct, social)
REFERRERS = (
    "direct",
    "organic_search",
    "paid_search",
    "email",
    "sms",
    "affiliate",
    "online_pr",
    "display_ads",
    "social",
)
#: P(page type) of a page view by intent (rows: INTENTS; columns: PAGE_TYPES without login)
PAGE_MIX = np.array(
    [
        [0.42, 0.40, 0.07, 0.05, 0.03, 0.03],  # browse
        [0.22, 0.58, 0.05, 0.03, 0.02, 0.10],  # high intent
        [0.05, 0.06, 0.30, 0.25, 0.31, 0.03],  # distressed
    ]
)
#: P(the visitor logs in | has an open web account) by intent: tracking, checkout and
#: support need a login
LOGIN_P = np.array([0.30, 0.70, 0.80])
#: mean seconds on a page by intent
DWELL_MEAN = np.array([40.0, 55.0, 70.0])
#: referrer mix of routine customer visits and of prospects (e-mail and SMS referrers are
#: campaign clicks, generated from campaign_responses)
_REF_CUSTOMER = np.array([0.50, 0.20, 0.06, 0.00, 0.00, 0.03, 0.02, 0.06, 0.13])
_REF_PROSPECT = np.array([0.20, 0.30, 0.15, 0.00, 0.00, 0.10, 0.05, 0.10, 0.10])
_REF_EMAIL, _REF_SMS = 3, 4
#: online acquisition channels and the referrer they correspond to
_ONLINE_ACQ = {
    "organic_search": 1,
    "paid_search": 2,
    "affiliate": 5,
    "online_pr": 6,
    "display_ads": 7,
}
#: P(device) of a cookie: a customer preferring mobile uses phones far more
_DEVICE_MOBILE_PREF = np.array([0.20, 0.72, 0.08])
_DEVICE_OTHER = np.array([0.62, 0.30, 0.08])
#: key spaces (before scrambling) of cookies and web accounts
_PROSPECT_BASE = 1 << 38
_COOKIE_SALT = 0x5EED_C00C
_ACCOUNT_SALT = 0x0ACC_0417

# -- schemas --------------------------------------------------------------------------------
WEB_SESSIONS_SCHEMA = register(
    TableSchema(
        "web_sessions",
        "Visits to the web site / app (click-stream, one row per session). Holds a "
        f"{CLICKSTREAM_SAMPLE:.0%} random sample of customers' routine visits (web-analytics "
        "sampling: divide rates by it), every visit of customers' signup journeys in the 30 days "
        "before an online acquisition, one visit per campaign click (campaign_responses "
        "'clicked'), and the visits of anonymous prospects "
        f"({PROSPECTS_PER_CUSTOMER} per customer) who never become customers. Visit rate, intent "
        "and distress come from the customer's traits (behaviour.web_session_rate, "
        "session_intent_probability, distress_probability); distressed and high-intent visits "
        "come in episodes of repeated visits. A session is identified only by a login "
        "(web_user_id) or a campaign link (link_customer_ref); all others are anonymous.",
        (
            Column(
                "session_id",
                "int64",
                "Session key, 1..n in order of start time.",
                unique=True,
                low=1,
            ),
            Column(
                "visitor_id",
                "string",
                "Cookie of the device ('ck-' + 10 hex digits, a "
                "scrambled number: it reveals nothing about the customer). Customers use 1-3 "
                "devices; prospects one. True owners: truth identity_map (system "
                "'web_cookie').",
            ),
            Column(
                "started_at",
                "datetime64[ns]",
                "Time of the first page view.",
                low="start",
                high="end",
            ),
            Column(
                "ended_at",
                "datetime64[ns]",
                "Time the last page was left (started_at + the dwell times of all page views).",
                low="start",
                high="end",
            ),
            Column("n_page_views", "int64", "Number of page views (rows of page_views).", low=1),
            Column(
                "device",
                "category",
                "Device of the cookie (customers preferring mobile use "
                "phones 72 % of the time, others 30 %).",
                choices=DEVICES,
            ),
            Column(
                "referrer",
                "category",
                "Traffic source: routine customer visits 50 % direct, "
                "20 % organic search, 13 % social, ...; email/sms exactly for campaign clicks; "
                "prospects mostly search and paid search; the last visit of a signup journey "
                "comes from the customer's acquisition channel; repeat visits are direct.",
                choices=REFERRERS,
            ),
            Column(
                "landing_page", "category", "Page type of the first page view.", choices=PAGE_TYPES
            ),
            Column(
                "web_user_id",
                "string",
                "Web account that logged in during the session "
                "('wu-' + 10 hex digits, the key of raw_web_customers); missing when the "
                "visitor did not log in. Login probability by true intent: browse 30 %, high "
                "intent 70 %, distressed 80 %, once the account exists (a customer holds one "
                "with probability 1 - exp(-0.8 x web_session_rate), opened at an online "
                "acquisition, within 90 days of another acquisition, or before the horizon).",
                nullable=True,
            ),
            Column(
                "link_customer_ref",
                "string",
                "CRM customer key ('C' + 7 digits, as in "
                "raw_crm_customers.crm_id) carried by the link of the campaign e-mail or SMS "
                "the visitor clicked (campaign_responses 'clicked' at the same time); missing "
                "for other referrers.",
                nullable=True,
            ),
        ),
        primary_key=("session_id",),
    )
)

PAGE_VIEWS_SCHEMA = register(
    TableSchema(
        "page_views",
        "Every page view of the sessions in web_sessions, in session order. The page-type mix "
        "depends on the session's true intent: distressed visitors loop over faq, support and "
        "tracking pages (30/31/25 %), high-intent visitors over product pages and checkout "
        "(58/10 %, and a checkout last page with probability P(intent)), browsers over "
        "catalogue and product pages; a login page is inserted where an "
        "account holder logs in. Many page views, support/faq loops and repeated visits are the "
        "distress signals that should trigger a chat or callback offer.",
        (
            Column("view_id", "int64", "Page-view key, 1..n in session order.", unique=True, low=1),
            Column("session_id", "int64", "Session.", references="web_sessions.session_id"),
            Column(
                "seq", "int64", "Position of the view within its session (1 = landing page).", low=1
            ),
            Column(
                "viewed_at", "datetime64[ns]", "Time the page was opened.", low="start", high="end"
            ),
            Column("page_type", "category", "Kind of page.", choices=PAGE_TYPES),
            Column(
                "product_code",
                "string",
                "Product shown on a product page (bank: drawn in "
                "proportion to the visitor's product affinities; retail: category by the "
                "visitor's category weights, then SKU by the SKU choice model); missing on "
                "other pages.",
                nullable=True,
                references="products.product_code",
            ),
            Column(
                "dwell_seconds",
                "float64",
                "Seconds on the page (exponential; mean 40 s when "
                "browsing, 55 s with high intent, 70 s when distressed).",
                low=0.0,
            ),
        ),
        primary_key=("view_id",),
    )
)

WEB_SESSION_TRUTH_SCHEMA = register(
    TableSchema(
        "web_session_truth",
        "The true nature of every web session: whose phase it belongs to and whether the visitor "
        "really had purchase intent or was in distress (the target of chat/callback triggers).",
        (
            Column(
                "session_id", "int64", "Session.", unique=True, references="web_sessions.session_id"
            ),
            Column(
                "phase",
                "category",
                "customer (a routine visit of a customer), "
                "pre_acquisition (signup journey before becoming a customer) or prospect (a "
                "visitor who never becomes a customer).",
                choices=("customer", "pre_acquisition", "prospect"),
            ),
            Column("intent", "category", "True intent (see web_sessions).", choices=INTENTS),
            Column("high_intent", "bool", "intent == 'high_intent'."),
            Column("distressed", "bool", "intent == 'distressed'."),
            Column("follow_up", "bool", "A repeat visit of a distress or intent episode."),
        ),
        primary_key=("session_id",),
        kind="truth",
    )
)

IDENTITY_MAP_SCHEMA = register(
    TableSchema(
        "identity_map",
        "Ground truth for identity resolution: which customer each key of each source system "
        "belongs to. Keys absent from this table (prospects' cookies and web accounts, "
        "prospects' billing records) belong to no customer.",
        (
            Column(
                "system",
                "category",
                "Source system of the key: web_cookie "
                "(web_sessions.visitor_id), web_account (web_sessions.web_user_id and "
                "raw_web_customers.web_user_id), crm (raw_crm_customers.crm_id), billing "
                "(raw_billing_customers.billing_id).",
                choices=("web_cookie", "web_account", "crm", "billing"),
            ),
            Column("key", "string", "The key as it appears in the source."),
            Column("customer_id", "int64", "True customer.", references="customers.customer_id"),
        ),
        primary_key=("system", "key"),
        kind="truth",
    )
)


# -- keys ----------------------------------------------------------------------------------
def cookie_key(numbers: np.ndarray) -> pd.Series:
    """Cookie strings of cookie numbers (customer ``c`` device ``k``: ``4 c + k``)."""
    return hex_keys("ck-", scramble(numbers, _COOKIE_SALT), 10)


def web_user_key(numbers: np.ndarray, valid=None) -> pd.Series:
    """Web account keys of account numbers (a customer's account number is its id)."""
    return hex_keys("wu-", scramble(numbers, _ACCOUNT_SALT), 10, valid=valid)


def crm_key(customer_ids: np.ndarray, valid=None) -> pd.Series:
    """CRM keys ``'C' + 7 digits`` of customer ids (the CRM's own key format)."""
    return digit_keys("C", customer_ids, 7, valid=valid)


# -- web accounts and prospects ------------------------------------------------------------
@dataclass
class WebAccounts:
    """Web accounts of customers and prospects (day offsets; NaN = no account).

    ``customer_day``: day each customer opened a web account (NaN without one).
    ``prospect_block`` (first customer row of the block it belongs to), ``prospect_template``
    (row of the look-alike customer, global),
    ``prospect_number`` (account/cookie number) and ``prospect_day`` per prospect.
    """

    customer_day: np.ndarray
    prospect_block: np.ndarray
    prospect_template: np.ndarray
    prospect_number: np.ndarray
    prospect_day: np.ndarray


def web_accounts(ctx: WorldContext) -> WebAccounts:
    """Who holds a web account since when, and the prospects (deterministic per block).

    A customer acquired inside the horizon through an online channel opens the account on the
    acquisition date; one acquired otherwise up to 90 days later; one acquired before the
    horizon at a uniform time between acquisition and start. A prospect registers (e.g. for a
    newsletter) with 0.3 x the probability of its look-alike, at a uniform time.
    """
    traits = ctx.truth["customer_traits"]
    customers = ctx.tables["customers"]
    acq = ctx.to_days(customers["acquisition_date"].to_numpy())
    online = label_codes(customers["acquisition_channel"], list(_ONLINE_ACQ)) >= 0
    h = ctx.horizon_days
    p_all = web_account_probability(traits)
    days = np.full(ctx.n_customers, np.nan)
    pb, pt, pn, pd_ = [], [], [], []
    for lo, hi, rng in ctx.blocks("web_accounts"):
        n = hi - lo
        u = rng.random((n, 2))
        p = p_all[lo:hi]
        a = acq[lo:hi]
        day = np.where(a >= 0, np.where(online[lo:hi], a, a + 90.0 * u[:, 1]), a - a * u[:, 1])
        days[lo:hi] = np.where((u[:, 0] < p) & (day < h), day, np.nan)
        n_p = int(PROSPECTS_PER_CUSTOMER * n)
        tmpl = lo + rng.integers(0, n, n_p)
        v = rng.random((n_p, 2))
        has = v[:, 0] < 0.3 * p_all[tmpl]
        pb.append(np.full(n_p, lo))
        pt.append(tmpl)
        pn.append(_PROSPECT_BASE + lo + np.arange(n_p))
        pd_.append(np.where(has, v[:, 1] * h, np.nan))
    return WebAccounts(
        days, np.concatenate(pb), np.concatenate(pt), np.concatenate(pn), np.concatenate(pd_)
    )


# -- generation ----------------------------------------------------------------------------
#: relative frequency of visits by hour of day (evening peak)
_WEB_HOURS = np.array(
    [
        0.3,
        0.15,
        0.08,
        0.05,
        0.05,
        0.1,
        0.3,
        0.7,
        1.0,
        1.1,
        1.1,
        1.1,
        1.2,
        1.1,
        1.0,
        1.0,
        1.0,
        1.1,
        1.3,
        1.5,
        1.6,
        1.5,
        1.1,
        0.6,
    ]
)
#: page views per session by intent: this minimum plus Poisson(extra_page_views)
MIN_PAGE_VIEWS = np.array([1, 2, 3])
#: key of the session fields kept per block
_FIELDS = (
    "who",
    "cookie",
    "account",
    "account_day",
    "customer",
    "t",
    "end",
    "intent",
    "referrer",
    "device",
    "phase",
    "follow_up",
    "checkout_last",
    "landing_product",
)


@dataclass
class _Visitors:
    """Per-customer inputs of the generation (global arrays, aligned with customer rows)."""

    p_d: np.ndarray
    p_i: np.ndarray
    distress: np.ndarray
    rate: np.ndarray
    pref_mobile: np.ndarray
    acq_ref: np.ndarray
    product_cols: list  # bank: affinity per product; retail: category weight per category
    price_bin: np.ndarray
    sku_cum: np.ndarray  # retail: stacked cumulative SKU probabilities per price bin
    repeat: np.ndarray  # (intent, customer): mean repeat visits of an episode
    extra_views: np.ndarray  # (intent, customer): mean page views above the minimum


def _cat(parts: list[dict]) -> dict:
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _draw_intent(rng: np.random.Generator, p_d: np.ndarray, p_i: np.ndarray) -> np.ndarray:
    u = rng.random(len(p_d))
    return np.where(u < p_d, 2, np.where(u < p_d + (1.0 - p_d) * p_i, 1, 0)).astype(np.int64)


def _sessions(n: int, **cols) -> dict:
    return {f: (np.full(n, cols[f]) if np.ndim(cols[f]) == 0 else cols[f]) for f in _FIELDS}


def _at_hour(rng: np.random.Generator, t: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Move visit days to an hour drawn from :data:`_WEB_HOURS` (kept inside ``[lo, hi)``)."""
    hour = draw_grouped(rng, _WEB_HOURS[None, :], np.zeros(len(t), np.int64))
    new = np.floor(t) + (hour + rng.random(len(t))) / 24.0
    return np.where((new >= lo) & (new < hi), new, t)


def _block_sessions(
    ctx: WorldContext,
    lo: int,
    hi: int,
    rng: np.random.Generator,
    V: _Visitors,
    win,
    warp: Warp,
    acc: WebAccounts,
    clicks: dict,
) -> dict:
    n = hi - lo
    h = ctx.horizon_days
    rows = np.arange(lo, hi)
    device = draw_grouped(
        rng,
        np.stack([_DEVICE_OTHER, _DEVICE_MOBILE_PREF]),
        np.repeat(V.pref_mobile[lo:hi].astype(np.int64), 3),
    ).reshape(n, 3)
    n_cookies = 1 + rng.binomial(2, 0.25, n)
    acc_day = acc.customer_day[lo:hi]
    has_acc = ~np.isnan(acc_day)

    # routine visits: seasonal Poisson process on both windows, thinned to the sample
    rate = V.rate[lo:hi] / DAYS_PER_MONTH * CLICKSTREAM_SAMPLE
    parts = []
    for t0, t1 in ((win.a0[lo:hi], win.a1[lo:hi]), (win.b0[lo:hi], win.b1[lo:hi])):
        o0, o1 = warp.forward(t0), warp.forward(np.maximum(t1, t0))
        cnt = rng.poisson(rate * (o1 - o0))
        o = np.repeat(np.arange(n), cnt)
        t = warp.inverse(o0[o] + rng.random(len(o)) * (o1 - o0)[o])
        parts.append((o, _at_hour(rng, t, t0[o], t1[o]), t1[o]))
    o = np.concatenate([p[0] for p in parts])
    k = np.minimum((rng.random(len(o)) * n_cookies[o]).astype(np.int64), 2)
    g = rows[o]
    routine = _sessions(
        len(o),
        who=g,
        cookie=4 * (g + 1) + k,
        account=np.where(has_acc[o], g + 1, -1),
        account_day=np.where(has_acc[o], acc_day[o], np.inf),
        customer=g + 1,
        t=np.concatenate([p[1] for p in parts]),
        end=np.concatenate([p[2] for p in parts]),
        intent=_draw_intent(rng, V.p_d[g], V.p_i[g]),
        referrer=draw_grouped(rng, _REF_CUSTOMER[None, :], np.zeros(len(o), np.int64)),
        device=device[o, k],
        phase=0,
        follow_up=False,
        checkout_last=False,
        landing_product=-1,
    )

    # campaign clicks (e-mail / SMS links carrying the CRM key)
    o = clicks["customer"] - 1 - lo
    k = np.minimum((rng.random(len(o)) * n_cookies[o]).astype(np.int64), 2)
    g = rows[o]
    campaign = _sessions(
        len(o),
        who=g,
        cookie=4 * (g + 1) + k,
        account=np.where(has_acc[o], g + 1, -1),
        account_day=np.where(has_acc[o], acc_day[o], np.inf),
        customer=g + 1,
        t=clicks["day"],
        end=h,
        intent=_draw_intent(rng, V.p_d[g], V.p_i[g]),
        referrer=clicks["referrer"],
        device=device[o, k],
        phase=0,
        follow_up=False,
        checkout_last=False,
        landing_product=clicks["product"],
    )

    # signup journeys before an online acquisition inside the horizon
    a = win.acq[lo:hi]
    cnt = np.where((a >= 0) & (V.acq_ref[lo:hi] >= 0), 1 + rng.poisson(0.8, n), 0)
    o = np.repeat(np.arange(n), cnt)
    last = cumcount(cnt) == cnt[o] - 1
    t = np.where(last, a[o] + 0.3 + 0.6 * rng.random(len(o)), a[o] - 30.0 * rng.random(len(o)))
    g = rows[o]
    intent = np.where(last, 1, _draw_intent(rng, V.p_d[g], V.p_i[g]))
    ref = np.where(
        last, V.acq_ref[g], draw_grouped(rng, _REF_PROSPECT[None, :], np.zeros(len(o), np.int64))
    )
    keep = t >= 0
    signup = _sessions(
        int(keep.sum()),
        who=g[keep],
        cookie=4 * (g[keep] + 1),
        account=-1,
        account_day=np.inf,
        customer=g[keep] + 1,
        t=t[keep],
        end=h,
        intent=intent[keep],
        referrer=ref[keep],
        device=device[o[keep], 0],
        phase=1,
        follow_up=False,
        checkout_last=last[keep],
        landing_product=-1,
    )

    # anonymous prospects of this block: 1 + Poisson(0.5) visits at uniform times
    pros = np.flatnonzero(acc.prospect_block == lo)
    tmpl = acc.prospect_template[pros]
    p_dev = draw_grouped(
        rng, np.stack([_DEVICE_OTHER, _DEVICE_MOBILE_PREF]), V.pref_mobile[tmpl].astype(np.int64)
    )
    cnt = 1 + rng.poisson(0.5, len(pros))
    j = np.repeat(np.arange(len(pros)), cnt)
    g = tmpl[j]
    pday = acc.prospect_day[pros][j]
    num = acc.prospect_number[pros][j]
    t = rng.random(len(j)) * h
    prospect = _sessions(
        len(j),
        who=g,
        cookie=num,
        account=np.where(np.isnan(pday), -1, num),
        account_day=np.nan_to_num(pday, nan=np.inf),
        customer=0,
        t=_at_hour(rng, t, np.zeros(len(j)), np.full(len(j), h)),
        end=h,
        intent=_draw_intent(rng, V.p_d[g], V.p_i[g]),
        referrer=draw_grouped(rng, _REF_PROSPECT[None, :], np.zeros(len(j), np.int64)),
        device=p_dev[j],
        phase=2,
        follow_up=False,
        checkout_last=False,
        landing_product=-1,
    )
    base = _cat([routine, campaign, signup, prospect])

    # repeat visits of distress and intent episodes (same cookie, within days)
    who, intent = base["who"], base["intent"]
    lam = V.repeat[intent, who]
    cnt = rng.poisson(np.where(base["phase"] == 1, 0.0, lam))
    src = np.repeat(np.arange(len(cnt)), cnt)
    t = base["t"][src] + 0.02 + segment_cumsum(rng.exponential(0.7, len(src)), cnt)
    keep = t < base["end"][src]
    src, t = src[keep], t[keep]
    follow = {f: base[f][src] for f in _FIELDS}
    follow.update(
        t=t,
        referrer=np.zeros(len(src), np.int64),
        follow_up=np.ones(len(src), bool),
        checkout_last=np.zeros(len(src), bool),
        landing_product=np.full(len(src), -1, np.int64),
    )
    return _cat([base, follow])


def _block_views(ctx: WorldContext, rng: np.random.Generator, s: dict, V: _Visitors) -> dict:
    """Page views of a block's sessions, and the session results (times in seconds)."""
    m = len(s["t"])
    who, intent = s["who"], s["intent"]
    p_i = V.p_i[who]
    lam = V.extra_views[intent, who]
    n_views = MIN_PAGE_VIEWS[intent] + rng.poisson(lam)
    landing = s["landing_product"] >= 0
    login = (s["account"] >= 0) & (s["t"] >= s["account_day"]) & (rng.random(m) < LOGIN_P[intent])
    login_pos = np.where(landing, 1, (rng.random(m) < 0.5).astype(np.int64))
    login &= login_pos < n_views
    checkout = s["checkout_last"] | ((intent == 1) & (rng.random(m) < p_i))

    first = np.cumsum(n_views) - n_views
    vs = np.repeat(np.arange(m), n_views)
    vint = intent[vs]
    page = draw_grouped(rng, PAGE_MIX, vint)
    page[(first + n_views - 1)[checkout]] = 5
    page[(first + login_pos)[login]] = 6
    page[first[landing]] = 1

    # products on product pages
    prod = np.flatnonzero(page == 1)
    pw = who[vs[prod]]
    code = draw_columns(rng, [c[pw] for c in V.product_cols])
    if V.sku_cum.size:
        n_bins, n_cat = V.sku_cum.shape[0], len(V.product_cols)
        key = V.price_bin[pw] * n_cat + code + rng.random(len(prod))
        n_sku = V.sku_cum.shape[1]
        flat = (V.sku_cum + n_cat * np.arange(n_bins)[:, None]).ravel()
        code = np.clip(
            np.searchsorted(flat, key, side="right") - V.price_bin[pw] * n_sku, 0, n_sku - 1
        )
    product = np.full(len(page), -1, dtype=np.int64)
    product[prod] = code
    product[first[landing]] = s["landing_product"][landing]

    # times in whole seconds; the session must end inside the horizon
    dwell = np.round(rng.standard_exponential(len(page)) * DWELL_MEAN[vint], 1)
    cs = np.cumsum(dwell)
    before = cs[first] - dwell[first] if m else np.zeros(0)
    offset = np.floor(cs - dwell - before[vs])
    dur = np.floor(cs[first + n_views - 1] - before) if m else np.zeros(0)
    h_secs = int(round(ctx.horizon_days * 86_400))
    start = np.minimum(to_secs(s["t"]), h_secs - dur - 1).astype(np.int64)
    return {
        "n_views": n_views,
        "login": login,
        "start": start,
        "end": start + dur.astype(np.int64),
        "landing": page[first],
        "v_secs": start[vs] + offset.astype(np.int64),
        "v_page": page,
        "v_product": product,
        "v_dwell": dwell,
    }


def generate(ctx: WorldContext) -> None:
    """Add ``web_sessions``, ``page_views``, truth ``web_session_truth`` and the
    ``web_cookie`` rows of truth ``identity_map`` (see the module docstring)."""
    domain = ctx.domain
    traits = ctx.truth["customer_traits"]
    customers = ctx.tables["customers"]
    win = customer_windows(ctx)
    warp = Warp(ctx)
    acc = web_accounts(ctx)
    online = label_codes(customers["acquisition_channel"], list(_ONLINE_ACQ))
    acq_ref = np.where(online >= 0, np.array(list(_ONLINE_ACQ.values()))[online], -1)
    if domain == "bank":
        product_cols = [traits[f"affinity_{c}"].to_numpy() for c in affinity_codes("bank")]
        sku_cum = np.zeros((0, 0))
    else:
        w = category_weights(traits)
        product_cols = [np.ascontiguousarray(w[:, j]) for j in range(w.shape[1])]
        sku_cum = np.cumsum(sku_probabilities()[0], axis=1)
    V = _Visitors(
        p_d=distress_probability(traits),
        p_i=session_intent_probability(traits),
        distress=traits["service_distress"].to_numpy(),
        rate=web_session_rate(traits, domain),
        pref_mobile=(traits["channel_pref"] == "mobile").to_numpy(),
        acq_ref=acq_ref,
        product_cols=product_cols,
        price_bin=price_bin(traits["price_sensitivity"].to_numpy()),
        sku_cum=sku_cum,
        repeat=np.stack([repeat_visit_rate(traits, k) for k in range(len(INTENTS))]),
        extra_views=np.stack([extra_page_views(traits, k) for k in range(len(INTENTS))]),
    )
    clicks = _campaign_clicks(ctx)

    def block(lo: int, hi: int, rng: np.random.Generator) -> dict:
        sel = (clicks["customer"] > lo) & (clicks["customer"] <= hi)
        s = _block_sessions(
            ctx, lo, hi, rng, V, win, warp, acc, {k: v[sel] for k, v in clicks.items()}
        )
        res = _block_views(ctx, rng, s, V)
        keep = (
            "cookie",
            "account",
            "customer",
            "intent",
            "referrer",
            "device",
            "phase",
            "follow_up",
        )
        return {**{k: s[k] for k in keep}, **res}

    _assemble(ctx, _cat(ctx.map_blocks("web", block)))


def _campaign_clicks(ctx: WorldContext) -> dict:
    """Clicks of ``campaign_responses``: customer, day, referrer code and product index."""
    resp = ctx.tables.get("campaign_responses")
    empty = {
        "customer": np.zeros(0, np.int64),
        "day": np.zeros(0),
        "referrer": np.zeros(0, np.int64),
        "product": np.zeros(0, np.int64),
    }
    if resp is None or not len(resp):
        return empty
    resp = resp[resp["response_type"] == "clicked"]
    contacts = ctx.tables["campaign_contacts"]
    camps = ctx.tables["campaigns"]
    pos = pd.Index(contacts["contact_id"].to_numpy()).get_indexer(resp["contact_id"].to_numpy())
    sms = label_codes(contacts["channel"], ["sms"])[pos] == 0
    cpos = pd.Index(camps["campaign_id"].to_numpy()).get_indexer(resp["campaign_id"].to_numpy())
    codes = list(ctx.tables["products"]["product_code"].to_numpy())
    product = pd.Index(codes).get_indexer(camps["product_code"].to_numpy())[cpos]
    out = {
        "customer": resp["customer_id"].to_numpy().astype(np.int64),
        "day": ctx.to_days(resp["response_date"].to_numpy()),
        "referrer": np.where(sms, _REF_SMS, _REF_EMAIL).astype(np.int64),
        "product": product.astype(np.int64),
    }
    order = np.lexsort((out["day"], out["customer"]))
    return {k: v[order] for k, v in out.items()}


def _secs_to_datetime(ctx: WorldContext, secs: np.ndarray) -> np.ndarray:
    return (ctx.start.value + secs * 10**9).astype("datetime64[ns]")


def _assemble(ctx: WorldContext, r: dict) -> None:
    order = np.argsort(r["start"], kind="stable")
    m = len(order)
    n_views = r["n_views"][order]
    vorder = permute_segments(r["n_views"], order)
    session_id = np.arange(1, m + 1, dtype=np.int64)
    referrer = r["referrer"][order]
    customer = r["customer"][order]
    cookie = r["cookie"][order]
    ctx.tables["web_sessions"] = pd.DataFrame(
        {
            "session_id": session_id,
            "visitor_id": cookie_key(cookie),
            "started_at": _secs_to_datetime(ctx, r["start"][order]),
            "ended_at": _secs_to_datetime(ctx, r["end"][order]),
            "n_page_views": n_views.astype(np.int64),
            "device": categorical(r["device"][order], DEVICES),
            "referrer": categorical(referrer, REFERRERS),
            "landing_page": categorical(r["landing"][order], PAGE_TYPES),
            "web_user_id": web_user_key(
                np.maximum(r["account"][order], 0), valid=r["login"][order]
            ),
            "link_customer_ref": crm_key(customer, valid=np.isin(referrer, (_REF_EMAIL, _REF_SMS))),
        }
    )
    # product indices follow the order of the products table (bank: affinity order,
    # retail: the SKU order of the choice model)
    codes = ctx.tables["products"]["product_code"].to_numpy()
    prod = r["v_product"][vorder]
    ctx.tables["page_views"] = pd.DataFrame(
        {
            "view_id": np.arange(1, len(vorder) + 1, dtype=np.int64),
            "session_id": np.repeat(session_id, n_views),
            "seq": cumcount(n_views) + 1,
            "viewed_at": _secs_to_datetime(ctx, r["v_secs"][vorder]),
            "page_type": categorical(r["v_page"][vorder], PAGE_TYPES),
            "product_code": vocab_strings(list(codes), prod, valid=prod >= 0),
            "dwell_seconds": r["v_dwell"][vorder],
        }
    )
    intent = r["intent"][order]
    ctx.truth["web_session_truth"] = pd.DataFrame(
        {
            "session_id": session_id,
            "phase": categorical(r["phase"][order], ("customer", "pre_acquisition", "prospect")),
            "intent": categorical(intent, INTENTS),
            "high_intent": intent == 1,
            "distressed": intent == 2,
            "follow_up": r["follow_up"][order],
        }
    )
    # identity truth: the customers' cookies seen in the click-stream (the web accounts are
    # added with the raw extracts)
    seen = np.zeros(4 * (ctx.n_customers + 1), dtype=bool)
    seen[r["cookie"][r["phase"] != 2]] = True
    cookies = np.flatnonzero(seen)
    add_identity(
        ctx,
        pd.DataFrame(
            {
                "system": categorical(
                    np.zeros(len(cookies), np.int64), IDENTITY_MAP_SCHEMA.column("system").choices
                ),
                "key": cookie_key(cookies),
                "customer_id": (cookies // 4).astype(np.int64),
            }
        ),
    )


def add_identity(ctx: WorldContext, rows: pd.DataFrame) -> None:
    """Append rows to the truth ``identity_map`` (created on first use)."""
    old = ctx.truth.get("identity_map")
    ctx.truth["identity_map"] = rows if old is None else pd.concat([old, rows], ignore_index=True)
