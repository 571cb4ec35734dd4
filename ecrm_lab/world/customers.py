"""Step 2 of the world: the ``customers`` table (and the true churn dates).

Observed per customer: name, gender, birth date (age from the true segment), region and city,
e-mail address (with realistic quality problems), phone number, acquisition date and channel,
marketing consent per channel (the consent traits) and a self-declared income band (bank) or
loyalty-card membership (retail).

The e-mail faults are those a CRM team meets: missing, upper case, surrounding blanks, a typo
in the domain, no ``@``, a placeholder (``n/a``) and addresses shared by two customers of one
household. Which customer has which fault is kept in the truth table ``email_quality``.

Churn is drawn here, because every later source must stop when the customer leaves: the time
to churn after acquisition (or after ``start`` for customers acquired earlier) is exponential
with the monthly ``churn_hazard`` trait; churn dates inside the horizon go to the truth table
``true_churn`` (the activity step adds the BG/NBD inactivity dates).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from . import _strings as S
from ._context import WorldContext, categorical
from .behaviour import WIN_BACK_DAYS, draw_from_table, search_unit, win_back_probability
from .catalogue import REGIONS
from .schema import Column, TableSchema, register

__all__ = [
    "ACQUISITION_CHANNELS",
    "EMAIL_FAULTS",
    "GENDERS",
    "INCOME_BANDS",
    "CITIES",
    "make_customers",
    "CUSTOMERS_SCHEMA",
    "EMAIL_QUALITY_SCHEMA",
    "TRUE_CHURN_SCHEMA",
]

GENDERS = ("female", "male", "undisclosed")
INCOME_BANDS = ("under_20k", "20k_40k", "40k_70k", "70k_120k", "over_120k")
#: income band thresholds in units of wealth (wealth 1 ≈ 35k a year)
_INCOME_EDGES = np.array([0.55, 1.15, 2.0, 3.4])
ACQUISITION_CHANNELS = {
    "bank": (
        "organic_search",
        "paid_search",
        "affiliate",
        "online_pr",
        "display_ads",
        "referral",
        "direct_mail",
        "branch",
    ),
    "retail": (
        "organic_search",
        "paid_search",
        "affiliate",
        "online_pr",
        "display_ads",
        "referral",
        "direct_mail",
        "store",
    ),
}
#: P(acquisition channel | preferred channel), rows in the order of CHANNELS[domain]
_ACQ_BY_PREF = np.array(
    [
        [0.30, 0.25, 0.15, 0.06, 0.10, 0.08, 0.02, 0.04],  # web
        [0.20, 0.15, 0.15, 0.08, 0.10, 0.10, 0.15, 0.07],  # email
        [0.08, 0.08, 0.04, 0.05, 0.05, 0.20, 0.25, 0.25],  # phone
        [0.25, 0.25, 0.20, 0.05, 0.15, 0.07, 0.01, 0.02],  # mobile
        [0.05, 0.05, 0.02, 0.03, 0.05, 0.20, 0.20, 0.40],  # branch / store
    ]
)
EMAIL_FAULTS = (
    "ok",
    "missing",
    "uppercase",
    "whitespace",
    "typo_domain",
    "no_at",
    "placeholder",
    "shared",
)
_FAULT_P = np.array([0.83, 0.06, 0.03, 0.02, 0.02, 0.01, 0.01, 0.02])
#: share of customers acquired during the horizon, and years of history before it
_NEW_SHARE = {"bank": 0.22, "retail": 0.35}
_HISTORY_YEARS = {"bank": 12.0, "retail": 5.0}
_REGION_P = np.array([0.20, 0.22, 0.18, 0.15, 0.25])
_REGION_CDF = np.cumsum(_REGION_P)[:-1]
#: e-mail styles: first.last, f.last, firstlast
_STYLE_CDF = np.array([0.6, 0.85])

CITIES = {
    "north": ("Aldport", "Brackenby", "Northwick", "Skelbridge"),
    "south": ("Southmere", "Chalford", "Dunmouth", "Wexley"),
    "east": ("Eastbury", "Fenmarsh", "Harwick", "Lowestead"),
    "west": ("Westholm", "Carrow", "Penrith Vale", "Tamsford"),
    "capital": ("Kingsgate", "Riverside", "Old Town", "Parkfield"),
}

FIRST_F = (
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Emily",
    "Sophia",
    "Grace",
    "Mia",
    "Poppy",
    "Ella",
    "Lily",
    "Evie",
    "Isabella",
    "Charlotte",
    "Freya",
    "Jessica",
    "Daisy",
    "Alice",
    "Sophie",
    "Ruby",
    "Florence",
    "Chloe",
    "Matilda",
    "Hannah",
    "Lucy",
    "Sarah",
    "Laura",
    "Helen",
    "Anna",
    "Maria",
    "Fatima",
    "Aisha",
    "Priya",
    "Zara",
    "Mei",
    "Elena",
    "Julia",
    "Nora",
    "Eva",
    "Clara",
)
FIRST_M = (
    "Oliver",
    "George",
    "Harry",
    "Noah",
    "Jack",
    "Leo",
    "Arthur",
    "Muhammad",
    "Oscar",
    "Charlie",
    "Jacob",
    "Thomas",
    "Henry",
    "William",
    "James",
    "Joshua",
    "Alfie",
    "Freddie",
    "Daniel",
    "Samuel",
    "David",
    "Michael",
    "Peter",
    "Paul",
    "Mark",
    "John",
    "Richard",
    "Ali",
    "Omar",
    "Arjun",
    "Wei",
    "Lucas",
    "Mateo",
    "Adam",
    "Ethan",
    "Max",
    "Ben",
    "Tom",
    "Sam",
    "Luke",
)
LAST = (
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Patel",
    "Khan",
    "Lewis",
    "James",
    "Phillips",
    "Mason",
    "Mitchell",
    "Rose",
    "Davis",
    "Rodriguez",
    "Cox",
    "Alexander",
    "Garcia",
    "Turner",
    "Martin",
    "Moore",
    "King",
    "Harris",
    "Hughes",
    "Edwards",
    "Baker",
    "Hill",
    "Scott",
    "Young",
    "Morris",
    "Cooper",
    "Ward",
    "Morgan",
    "Bennett",
    "Gray",
    "Shaw",
    "Kelly",
    "Murphy",
    "Singh",
    "Ali",
    "Chen",
    "Nowak",
    "Kowalski",
    "Novak",
    "Rossi",
    "Muller",
    "Schmidt",
    "Dubois",
    "Silva",
    "Santos",
    "Costa",
    "Jensen",
    "Hansen",
    "Berg",
    "Lindqvist",
    "Fischer",
    "Weber",
    "Becker",
    "Wagner",
    "Hoffmann",
    "Ivanova",
    "Popescu",
    "Horvat",
    "Murray",
    "Reid",
)
EMAIL_DOMAINS = (
    "gmail.com",
    "outlook.com",
    "yahoo.com",
    "hotmail.com",
    "icloud.com",
    "mail.com",
    "proton.me",
    "web.de",
    "btinternet.com",
    "aol.com",
)
_DOMAIN_P = np.array([0.34, 0.18, 0.10, 0.12, 0.08, 0.04, 0.03, 0.03, 0.05, 0.03])
_DOMAIN_CDF = np.cumsum(_DOMAIN_P)[:-1]
#: a common typo of each domain, same order
TYPO_DOMAINS = (
    "gmial.com",
    "outlok.com",
    "yahooo.com",
    "hotmial.com",
    "icloud.co",
    "mail.cm",
    "proton.mee",
    "web.d",
    "btinternet.co",
    "aol.cm",
)
PLACEHOLDERS = ("n/a", "none@none.com", "no email", "test@test.com")

_V: dict[str, S.Vocab] = {}


def _vocabs() -> dict[str, S.Vocab]:
    if not _V:
        lower = [n.lower() for n in FIRST_F + FIRST_M]
        last = [n.lower() for n in LAST]
        initials = [w[0] for w in lower] + [w[0].upper() for w in lower]
        # entry 0 of each part is ''
        _V["first_or_initial"] = S.Vocab(["", *lower, *(w.upper() for w in lower), *initials])
        _V["last"] = S.Vocab(["", *last, *(w.upper() for w in last)])
        _V["sep"] = S.Vocab(["", ".", "_", ""])
        _V["num"] = S.Vocab(
            [""] + [str(i) for i in range(1, 100)] + [str(y) for y in range(1940, 2010)]
        )
        _V["at"] = S.Vocab(["", "@"])
        _V["domain"] = S.Vocab(
            ["", *EMAIL_DOMAINS, *TYPO_DOMAINS, *(d.upper() for d in EMAIL_DOMAINS)]
        )
        # joined vocabularies, so an address is built from three parts instead of six; the
        # first and last parts also come with the blanks of the 'whitespace' fault, and the
        # first part can be a whole placeholder
        first = _V["first_or_initial"].words
        _V["email_first"] = S.Vocab([*first, *(" " + w for w in first), *PLACEHOLDERS])
        _V["sep_last"] = S.Vocab([s + w for s in _V["sep"].words for w in _V["last"].words])
        tail = [
            n + a + d for n in _V["num"].words for a in _V["at"].words for d in _V["domain"].words
        ]
        _V["tail"] = S.Vocab(tail)
        _V["email_tail"] = S.Vocab([*tail, *(w + " " for w in tail)])
    return _V


def _customer_columns() -> tuple[Column, ...]:
    return (
        Column("customer_id", "int64", "Customer key, 1..n.", unique=True, low=1),
        Column(
            "first_name",
            "category",
            "First name (from a list of common names, by gender).",
            choices=FIRST_F + FIRST_M,
        ),
        Column("last_name", "category", "Last name (shared within a household).", choices=LAST),
        Column("gender", "category", "Self-declared gender.", choices=GENDERS),
        Column(
            "birth_date",
            "date",
            "Date of birth; the age is drawn from the true segment "
            "(e.g. retired customers are 60-98).",
        ),
        Column("region", "category", "Home region.", choices=REGIONS),
        Column(
            "city",
            "category",
            "Home city (four per region).",
            choices=tuple(c for r in REGIONS for c in CITIES[r]),
        ),
        Column(
            "email",
            "string",
            "E-mail address as typed at sign-up: about 17 % have a "
            "quality problem (missing, upper case, blanks, typo domain, no '@', placeholder, "
            "shared by a household); see truth email_quality.",
            nullable=True,
        ),
        Column("phone", "string", "Mobile number '+44 7ddd dddddd'; 5 % missing.", nullable=True),
        Column(
            "acquisition_date",
            "date",
            "Date the customer was acquired; about a quarter "
            "(bank 22 %, retail 35 %) inside the horizon, the rest up to 12 (bank) / 5 "
            "(retail) years before it.",
            high="end",
        ),
        Column(
            "acquisition_channel",
            "category",
            "How the customer was acquired (search, "
            "pay-per-click, affiliate links, online PR, display ads, referral, direct mail, "
            "branch/store); depends on the preferred channel.",
            choices=ACQUISITION_CHANNELS["bank"],
            domains=("bank",),
        ),
        Column(
            "acquisition_channel",
            "category",
            "How the customer was acquired (search, "
            "pay-per-click, affiliate links, online PR, display ads, referral, direct mail, "
            "branch/store); depends on the preferred channel.",
            choices=ACQUISITION_CHANNELS["retail"],
            domains=("retail",),
        ),
        Column("consent_email", "bool", "Permission to market by e-mail (permission marketing)."),
        Column("consent_sms", "bool", "Permission to market by SMS."),
        Column("consent_phone", "bool", "Permission to market by phone."),
        Column("consent_post", "bool", "Permission to market by post."),
        Column(
            "income_band",
            "category",
            "Self-declared yearly income band: the true wealth with noise, 10 % not declared.",
            choices=INCOME_BANDS,
            nullable=True,
            domains=("bank",),
        ),
        Column(
            "loyalty_member",
            "bool",
            "Holds a loyalty card (more likely for frequent buyers).",
            domains=("retail",),
        ),
    )


CUSTOMERS_SCHEMA = register(
    TableSchema(
        "customers",
        "One row per customer: demographics, contact data, acquisition and consent. Generated "
        "from the latent traits (segment drives age, channel preference drives acquisition "
        "channel, consent is the consent trait).",
        _customer_columns(),
        primary_key=("customer_id",),
    )
)

EMAIL_QUALITY_SCHEMA = register(
    TableSchema(
        "email_quality",
        "Which e-mail quality problem was planted in customers.email (ground truth for the "
        "cleaning lessons).",
        (
            Column(
                "customer_id", "int64", "Customer.", unique=True, references="customers.customer_id"
            ),
            Column(
                "email_fault",
                "category",
                "Planted problem ('ok' when the address is clean).",
                choices=EMAIL_FAULTS,
            ),
        ),
        primary_key=("customer_id",),
        kind="truth",
    )
)

TRUE_CHURN_SCHEMA = register(
    TableSchema(
        "true_churn",
        "When each customer really left. churn_date: the relationship ends (accounts closed, no "
        "more activity; exponential time with the monthly churn_hazard trait); transactions and "
        "orders fade over the 90 days before it, to a fifth of the usual rate at the churn date "
        "(behaviour.pre_churn_activity). inactive_date: "
        "BG/NBD dropout, the last purchase/transaction after which the customer never buys "
        "again although formally still a customer.",
        (
            Column(
                "customer_id", "int64", "Customer.", unique=True, references="customers.customer_id"
            ),
            Column("churned", "bool", "Churned inside the horizon."),
            Column(
                "churn_date",
                "datetime64[ns]",
                "Moment of churn (NaT if not churned in the horizon).",
                nullable=True,
                low="start",
                high="end",
            ),
            Column(
                "won_back",
                "bool",
                "Churned and came back inside the horizon (probability "
                "behaviour.win_back_probability, 30-365 days after churn): a new relationship "
                "starts (purchases / transactions, web visits and service contacts resume).",
            ),
            Column(
                "win_back_date",
                "datetime64[ns]",
                "Moment of the return (NaT if not won back).",
                nullable=True,
                low="start",
                high="end",
            ),
            Column(
                "inactive",
                "bool",
                "Stopped buying/transacting for good (BG/NBD dropout) "
                "before the end of the horizon (and before any churn; after a win-back: in the "
                "new relationship), or was dormant from the start.",
            ),
            Column(
                "inactive_date",
                "datetime64[ns]",
                "Time of the last purchase before the "
                "dropout (NaT if not inactive or dormant from the start).",
                nullable=True,
                low="start",
                high="end",
            ),
            Column(
                "status_at_end",
                "category",
                "Status at the end of the horizon (a won-back customer is active or inactive in "
                "the new relationship).",
                choices=("active", "inactive", "churned"),
            ),
        ),
        primary_key=("customer_id",),
        kind="truth",
    )
)


def _block(
    ctx: WorldContext, traits: dict[str, np.ndarray], rng: np.random.Generator
) -> tuple[dict, tuple[pa.Array, pa.Array]]:
    """The customers of one block: the columns (arrays, categories as codes, with the truth
    columns ``email_fault``, ``churn_days``), and the e-mail and phone columns (Arrow)."""
    n = len(traits["segment"])
    domain = ctx.domain
    seg = traits["segment"]
    u = rng.random((14, n))  # one uniform per row for each of the draws below

    # demographics
    age_mean, age_sd, age_lo, age_hi = _segment_age(domain).T
    age = age_mean[seg] + age_sd[seg] * rng.standard_normal(n)
    age = np.clip(age, age_lo[seg], age_hi[seg])
    birth_days = np.floor(-age * 365.25)
    gender = (u[0] >= 0.495).astype(np.int8) + (u[0] >= 0.99)
    n_f, n_m = len(FIRST_F), len(FIRST_M)
    name_base = np.array([0, n_f, 0], dtype=np.int32)[gender]
    name_span = np.array([n_f, n_m, n_f + n_m], dtype=np.int32)[gender]
    fidx = name_base + (u[1] * name_span).astype(np.int32)
    lidx = (u[2] * len(LAST)).astype(np.int32)
    region = search_unit(_REGION_CDF, u[3]).astype(np.int32)
    city = region * 4 + (u[4] * 4).astype(np.int32)

    # acquisition: channel from the preferred channel; a share acquired inside the horizon
    pref = traits["channel_pref"]
    acq_channel = draw_from_table(rng, _ACQ_BY_PREF, pref)
    hist = _HISTORY_YEARS[domain] * 365.25
    acq = np.floor(np.where(u[5] < _NEW_SHARE[domain], u[6] * ctx.horizon_days, -u[6] * hist))

    # churn: exponential time from max(acquisition, start)
    rate_per_day = -np.log1p(-traits["churn_hazard"]) / 30.4375
    churn = np.maximum(acq, 0.0) + rng.standard_exponential(n) / rate_per_day
    churned = churn < ctx.horizon_days

    # e-mail address: [blank] first|initial [sep] last [number] @ domain [blank], with faults
    V = _vocabs()
    fault = draw_from_table(rng, _FAULT_P[None, :], np.zeros(n, dtype=np.int64))
    upper = fault == 2
    style = search_unit(_STYLE_CDF, u[7])  # first.last / f.last / firstlast
    sep = np.where(style == 2, 2, (u[8] >= 0.8).astype(np.int64))
    num = np.where(u[9] < 0.45, 1 + (u[10] * (len(V["num"]) - 1)).astype(np.int64), 0)
    dom = search_unit(_DOMAIN_CDF, u[11])
    dom_idx = dom + len(EMAIL_DOMAINS) * np.where(upper, 2, fault == 4)
    n_first = n_f + n_m
    # one vocabulary: first names, FIRST NAMES, initials, INITIALS
    first_part = fidx + n_first * (upper + 2 * (style == 1))
    last_part = lidx + len(LAST) * upper
    # placeholders and addresses shared within a household are other rows' parts
    placeholder = fault == 6
    shared = np.flatnonzero(fault == 7)
    ok_rows = np.flatnonzero(fault == 0)
    if len(ok_rows) == 0:
        fault[shared] = 0
    elif len(shared):
        # the address of a nearby customer with a clean address (a household member)
        pos = np.searchsorted(ok_rows, shared) - 1 - rng.integers(0, 3, len(shared))
        src = ok_rows[np.clip(pos, 0, len(ok_rows) - 1)]
        for arr in (first_part, sep, last_part, num, dom_idx, lidx):
            arr[shared] = arr[src]
    # three parts: [blank] first name or initial | separator + last name | number + '@' +
    # domain [blank]; a placeholder is a whole first part (the other two are empty)
    n_first_v, n_last, n_at, n_dom = (
        len(V[k]) for k in ("first_or_initial", "last", "at", "domain")
    )
    blank = fault == 3
    first_idx = first_part + 1 + n_first_v * blank
    sep_last_idx = (sep + 1) * n_last + last_part + 1
    tail_idx = (num * n_at + (fault != 5)) * n_dom + dom_idx + 1 + len(V["tail"]) * blank
    ph_rows = np.flatnonzero(placeholder)
    first_idx[ph_rows] = 2 * n_first_v + (u[12][ph_rows] * len(PLACEHOLDERS)).astype(np.int64)
    sep_last_idx[ph_rows] = 0
    tail_idx[ph_rows] = 0
    email = S.concat(
        [
            (V["email_first"], first_idx),
            (V["sep_last"], sep_last_idx),
            (V["email_tail"], tail_idx),
        ],
        n,
        valid=fault != 1,
    )
    phone = _phone_numbers(rng.integers(0, 10**9, n, dtype=np.uint32), u[13] >= 0.05)

    cols = {
        "first_idx": fidx,
        "last_idx": lidx,
        "gender": gender,
        "birth_date": ctx.to_datetime(birth_days),
        "region": region,
        "city": city,
        "acquisition_date": ctx.to_datetime(acq),
        "acquisition_channel": acq_channel,
        "email_fault": fault,
        "churn_days": np.where(churned, churn, np.nan),
    }
    extra = rng.random((2, n))
    if domain == "bank":
        w = traits["wealth"] * np.exp(0.25 * rng.standard_normal(n))
        band = sum((w > e).view(np.int8) for e in _INCOME_EDGES)  # = searchsorted(edges, w)
        band[extra[0] < 0.10] = -1
        cols["income_band"] = band
    else:
        p = 1 - np.exp(-1.2 * traits["purchase_rate"])
        cols["loyalty_member"] = extra[0] < p
    return cols, (email, phone)


_PHONE_TEMPLATE = np.frombuffer(b"+44 7000 000000", dtype=np.uint8)
#: positions of the nine random digits in the template, last digit first
_PHONE_DIGITS = (14, 13, 12, 11, 10, 9, 7, 6, 5)


def _phone_numbers(numbers: np.ndarray, valid: np.ndarray) -> pa.Array:
    """'+44 7ddd dddddd' with the nine digits of ``numbers`` (ints below 10**9), as an Arrow
    string array (null where not ``valid``)."""
    n = len(numbers)
    q = np.array(numbers, dtype=np.uint32)
    chars = np.empty((n, 15), dtype=np.uint8)
    chars[:] = _PHONE_TEMPLATE
    for pos in _PHONE_DIGITS:
        chars[:, pos] += (q % 10).astype(np.uint8)
        q //= 10
    offsets = (np.arange(n + 1, dtype=np.int64) * 15).astype(np.int32)
    bitmap = None
    nulls = int((~valid).sum())
    if nulls:
        bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.Array.from_buffers(
        pa.string(),
        n,
        [bitmap, pa.py_buffer(offsets), pa.py_buffer(chars.ravel())],
        null_count=nulls,
    )


def _segment_age(domain: str) -> np.ndarray:
    from .traits import SEGMENT_PROFILES

    return np.array([p.age for p in SEGMENT_PROFILES[domain]], dtype=np.float64)


#: dtypes of the per-block columns of :func:`_block` (categories as codes)
_BLOCK_COLUMNS = {
    "first_idx": np.int32,
    "last_idx": np.int32,
    "gender": np.int8,
    "birth_date": "datetime64[ns]",
    "region": np.int32,
    "city": np.int32,
    "acquisition_date": "datetime64[ns]",
    "acquisition_channel": np.int8,
    "email_fault": np.int8,
    "churn_days": np.float64,
}


def make_customers(ctx: WorldContext, traits: pd.DataFrame) -> None:
    """Add ``customers`` to ``ctx.tables`` and ``email_quality``, ``true_churn`` to
    ``ctx.truth`` (``true_churn`` gets its inactivity columns in the activity step)."""
    _vocabs()  # fill the cache before the threads start
    domain = ctx.domain
    declared = "wealth" if domain == "bank" else "purchase_rate"  # income band / loyalty
    tr = {c: traits[c].to_numpy() for c in ("churn_hazard", declared)}
    tr.update(
        segment=traits["segment"].cat.codes.to_numpy(),
        channel_pref=traits["channel_pref"].cat.codes.to_numpy(),
    )
    columns = dict(_BLOCK_COLUMNS)
    columns["income_band" if domain == "bank" else "loyalty_member"] = (
        np.int8 if domain == "bank" else bool
    )
    cols, strings = ctx.fill_blocks(
        "customers",
        columns,
        lambda lo, hi, rng: _block(ctx, {k: v[lo:hi] for k, v in tr.items()}, rng),
    )
    ids = traits["customer_id"].to_numpy()
    all_cities = [c for r in REGIONS for c in CITIES[r]]
    columns = {
        "customer_id": ids,
        "first_name": categorical(cols["first_idx"], FIRST_F + FIRST_M),
        "last_name": categorical(cols["last_idx"], LAST),
        "gender": categorical(cols["gender"], GENDERS),
        "birth_date": cols["birth_date"],
        "region": categorical(cols["region"], REGIONS),
        "city": categorical(cols["city"], all_cities),
        "email": pa_concat([s[0] for s in strings]),
        "phone": pa_concat([s[1] for s in strings]),
        "acquisition_date": cols["acquisition_date"],
        "acquisition_channel": categorical(
            cols["acquisition_channel"], ACQUISITION_CHANNELS[domain]
        ),
    }
    for c in ("consent_email", "consent_sms", "consent_phone", "consent_post"):
        columns[c] = traits[c].to_numpy()
    if domain == "bank":
        columns["income_band"] = categorical(cols["income_band"], INCOME_BANDS)
    else:
        columns["loyalty_member"] = cols["loyalty_member"]
    ctx.tables["customers"] = pd.DataFrame(columns, copy=False)

    ctx.truth["email_quality"] = pd.DataFrame(
        {"customer_id": ids, "email_fault": categorical(cols["email_fault"], EMAIL_FAULTS)}
    )
    churn_days = cols["churn_days"]
    churned = ~np.isnan(churn_days)
    churn_dt = ctx.to_datetime(churn_days)
    back_dt = ctx.to_datetime(draw_win_back(ctx, traits, ctx.to_days(churn_dt)))
    won_back = ~np.isnat(back_dt)
    ctx.truth["true_churn"] = pd.DataFrame(
        {
            "customer_id": ids,
            "churned": churned,
            "churn_date": churn_dt,
            "won_back": won_back,
            "win_back_date": back_dt,
            "inactive": np.zeros(len(ids), dtype=bool),
            "inactive_date": np.full(len(ids), np.datetime64("NaT"), dtype="datetime64[ns]"),
            "status_at_end": categorical(
                np.where(churned & ~won_back, 2, 0).astype(np.int8),
                ("active", "inactive", "churned"),
            ),
        },
        copy=False,
    )


def draw_win_back(ctx: WorldContext, traits: pd.DataFrame, churn_days: np.ndarray) -> np.ndarray:
    """Day offset at which each churned customer is won back (NaN: never, or after the end).

    A customer who churned at day ``c`` returns with probability
    :func:`ecrm_lab.world.behaviour.win_back_probability`, at midnight of day
    ``c + U(30, 365)`` (:data:`~ecrm_lab.world.behaviour.WIN_BACK_DAYS`), the day the new
    relationship starts. Drawn per customer block from the
    stream ``"win_back"`` (two uniforms per customer); every later step reads the dates from
    ``true_churn``.
    """
    first, last = WIN_BACK_DAYS
    out = np.full(ctx.n_customers, np.nan)
    for lo, hi, rng in ctx.blocks("win_back"):
        u = rng.random((hi - lo, 2))
        p = win_back_probability(traits.iloc[lo:hi])
        back = np.floor(churn_days[lo:hi] + first + u[:, 1] * (last - first))
        out[lo:hi] = np.where((u[:, 0] < p) & (back < ctx.horizon_days), back, np.nan)
    return out


def pa_concat(arrays: list) -> pd.Series:
    """Per-block string columns (Arrow arrays or object arrays) as one str Series, backed by
    a chunked Arrow array (one chunk per block: nothing is copied)."""
    chunks = [a if isinstance(a, pa.Array) else pa.array(a, type=pa.string()) for a in arrays]
    return S.to_series(pa.chunked_array(chunks, type=pa.string()))
