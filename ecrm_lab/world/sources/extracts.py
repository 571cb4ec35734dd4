"""Source: raw customer extracts of three source systems, with planted data-quality faults.

A data warehouse integrates customer records from systems that disagree. Three extracts are
produced from the same customers (and the web system's prospects):

``raw_crm_customers`` (the CRM)
    key ``crm_id`` = ``'C'`` + 7 digits of the customer id; names in title case; gender
    ``F/M/U``; dates ISO ``YYYY-MM-DD``; region names; country ``GB``; annual income.
``raw_web_customers`` (web shop / online banking accounts)
    key ``web_user_id`` (``'wu-'`` + 10 hex digits, as in ``web_sessions``); one full-name
    field; gender ``female/male/other``; dates ``DD/MM/YYYY``; country ``UK``; the CRM number
    as plain digits (``'123'``) only for accounts linked at onboarding (half of them); also the
    accounts of prospects who never became customers.
``raw_billing_customers`` (card/loan billing at the bank; store-card billing at the retailer)
    numeric key ``billing_id``; the customer number as text ``'123'``; holder as ``'LAST,
    FIRST'``; one-letter region codes; dates ``YYYYMMDD``; currency ``GBP``.

These systematic conflicts (keys, formats, code sets) are *not* faults. On top of them faults
are planted at the rates of :data:`FAULT_RATES`: exact duplicate rows (double loads), near
duplicates (the same person registered twice under a new key, with a case variant of the name
or e-mail), missing values, case/whitespace variants of names and e-mails, inconsistent codes
(values outside the system's own code set), dates/numbers in the wrong format, outliers
(sentinel birth dates 1900-01-01 or 2099-12-31, incomes x 1000 or negative, balances x 1000).
Each cell has at most one planted fault. The raw CRM e-mail also inherits the problems of
``customers.email`` (truth ``email_quality``), and the CRM phone its missing values.

The truth ``data_quality_faults`` has the exact count of every fault per table and column (how
each is detected is in its description), and ``identity_map`` the true customer of every key,
for scoring cleaning and identity resolution.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import _strings as S
from .._context import WorldContext
from ..customers import EMAIL_DOMAINS, EMAIL_FAULTS, FIRST_F, FIRST_M, LAST
from ..schema import Column, TableSchema, register
from ._common import (
    categorical,
    choose_strings,
    date_chars,
    decimal_strings,
    digit_keys,
    label_codes,
    scramble,
    string_codes,
    vocab_strings,
)
from .web import IDENTITY_MAP_SCHEMA, add_identity, web_accounts, web_user_key

__all__ = [
    "RAW_TABLES",
    "FAULTS",
    "FAULT_RATES",
    "CRM_GENDERS",
    "WEB_GENDERS",
    "BILLING_REGIONS",
    "generate",
    "RAW_CRM_SCHEMA",
    "RAW_WEB_SCHEMA",
    "RAW_BILLING_SCHEMA",
    "DATA_QUALITY_FAULTS_SCHEMA",
]

RAW_TABLES = ("raw_crm_customers", "raw_web_customers", "raw_billing_customers")
FAULTS = (
    "duplicate_exact",
    "duplicate_near",
    "missing_value",
    "case_whitespace",
    "inconsistent_code",
    "invalid_format",
    "outlier",
    "invalid_value",
)
#: planted fault rates (share of rows / of eligible cells)
FAULT_RATES = {
    "duplicate_near": 0.015,
    "duplicate_exact": 0.005,
    "missing_value": 0.03,
    "case_whitespace": 0.04,
    "inconsistent_code": 0.03,
    "invalid_format": 0.02,
    "outlier": 0.004,
}
CRM_GENDERS = ("F", "M", "U")
WEB_GENDERS = ("female", "male", "other")
BILLING_REGIONS = ("N", "S", "E", "W", "C")
#: inconsistent variants of each canonical code (same order as the canonical codes)
_CRM_GENDER_VARIANTS = (
    ("female", "f", "Female", "2"),
    ("male", "m", "Male", "1"),
    ("unknown", "u", "?", "0"),
)
_WEB_GENDER_VARIANTS = (("F", "Female", "woman"), ("M", "MALE", "man"), ("X", "Other", "n/a"))
_REGION_NAMES = ("north", "south", "east", "west", "capital")
_CRM_REGION_VARIANTS = (
    ("N", "NORTH", "Nth"),
    ("S", "SOUTH", "Sth"),
    ("E", "EAST", "Est"),
    ("W", "WEST", "Wst"),
    ("C", "CAPITAL", "Cap"),
)
_BILLING_REGION_VARIANTS = (
    ("north", "NTH"),
    ("south", "STH"),
    ("east", "EST"),
    ("west", "WST"),
    ("capital", "CAP"),
)
_CRM_COUNTRIES = ("GB", "UK", "United Kingdom", "gb")
_WEB_COUNTRIES = ("UK", "GB", "U.K.", "England")
_CURRENCIES = ("GBP", "gbp", "£", "UKP")
_FIRST = FIRST_F + FIRST_M
#: share of customers' web accounts linked to the CRM number at onboarding
LINKED_SHARE = 0.5
_NEAR_BASE = 1 << 39
_BILLING_SALT = 0xB111_4200
#: CRM annual income: 35 000 x wealth x log-normal noise, clipped to this range
_INCOME_RANGE = (8_000.0, 3_000_000.0)
IDENTITY_SYSTEMS = IDENTITY_MAP_SCHEMA.column("system").choices

# -- schemas --------------------------------------------------------------------------------
_DUP_DOC = (
    "Contains planted exact duplicate rows and near duplicates (same person, new key; "
    "see data_quality_faults)."
)

RAW_CRM_SCHEMA = register(
    TableSchema(
        "raw_crm_customers",
        "Raw extract of the CRM's customer master, one row per customer plus planted faults. "
        + _DUP_DOC
        + " All values are text as exported, except annual_income.",
        (
            Column(
                "crm_id",
                "string",
                "CRM key 'C' + 7 digits of the customer id ('C0000123'); "
                "near duplicates got a new key above the customer range.",
            ),
            Column(
                "first_name",
                "string",
                "First name, title case (faults: UPPER, lower, leading/trailing blanks).",
            ),
            Column("last_name", "string", "Last name, title case (same faults)."),
            Column("gender", "string", "F / M / U (faults: female, Male, f, 1, 2, ?, ...)."),
            Column(
                "birth_date",
                "string",
                "ISO YYYY-MM-DD (faults: DD/MM/YYYY, sentinel 1900-01-01 or 2099-12-31, missing).",
                nullable=True,
            ),
            Column(
                "email",
                "string",
                "customers.email as typed (with its quality problems, truth "
                "email_quality) plus planted upper case, blanks and missing values.",
                nullable=True,
            ),
            Column(
                "phone",
                "string",
                "'+44 7ddd dddddd' (faults: '07ddddddddd'; missing as in customers.phone).",
                nullable=True,
            ),
            Column(
                "region",
                "string",
                "Region name (north, ...; faults: N, NORTH, Nth, ..., missing).",
                nullable=True,
            ),
            Column("country", "string", "GB (faults: UK, United Kingdom, gb)."),
            Column(
                "customer_since",
                "string",
                "Acquisition date, ISO (near duplicates: the later "
                "date of the second registration).",
            ),
            Column(
                "annual_income",
                "float64",
                "Declared yearly income: 35 000 x wealth x "
                "log-normal noise, 8 000 - 3 000 000 (faults: x 1000, negative, missing).",
                nullable=True,
            ),
        ),
        primary_key=(),
    )
)

RAW_WEB_SCHEMA = register(
    TableSchema(
        "raw_web_customers",
        "Raw extract of the web shop / online-banking accounts: customers with a web account "
        "and prospects who registered but never became customers. "
        + _DUP_DOC
        + " Near duplicates are customers who registered a second account.",
        (
            Column(
                "web_user_id",
                "string",
                "Web account key ('wu-' + 10 hex digits), as web_sessions.web_user_id.",
            ),
            Column(
                "email",
                "string",
                "Login e-mail, lower case: the customer's address cleaned "
                "(a generated one when the CRM address is unusable); faults: UPPER CASE, "
                "leading/trailing blanks.",
            ),
            Column("full_name", "string", "'First Last' (faults: UPPER, lower, double blank)."),
            Column(
                "gender",
                "string",
                "female / male / other (faults: F, M, X, Female, MALE, "
                "woman, man, Other, n/a; missing).",
                nullable=True,
            ),
            Column(
                "date_of_birth",
                "string",
                "DD/MM/YYYY (faults: ISO dates, 01/01/1900 or 31/12/2099, missing).",
                nullable=True,
            ),
            Column(
                "signup_date",
                "string",
                "Account opening day, DD/MM/YYYY (may be before the horizon).",
            ),
            Column("country", "string", "UK (faults: GB, U.K., England)."),
            Column(
                "newsletter",
                "bool",
                "Subscribed to the newsletter (customers: the e-mail consent; prospects: 40 %).",
            ),
            Column(
                "crm_customer_no",
                "string",
                "The CRM customer number as plain digits ('123') "
                f"for accounts linked at onboarding ({LINKED_SHARE:.0%} of customers' "
                "accounts); missing otherwise (not a fault).",
                nullable=True,
            ),
        ),
        primary_key=(),
    )
)

RAW_BILLING_SCHEMA = register(
    TableSchema(
        "raw_billing_customers",
        "Raw extract of the billing system: bank customers who ever held a credit card, personal "
        "loan or mortgage; retail loyalty-card (store card) members. " + _DUP_DOC,
        (
            Column(
                "billing_id",
                "int64",
                "Billing account number (a scrambled number, unrelated to the customer id).",
            ),
            Column(
                "customer_ref",
                "string",
                "Customer number as text ('123'; faults: zero-padded '000123', missing).",
                nullable=True,
            ),
            Column(
                "account_holder",
                "string",
                "'LAST, FIRST' in upper case (faults: 'Last, First', leading blank).",
            ),
            Column("region_code", "string", "N / S / E / W / C (faults: north, NTH, ...)."),
            Column("currency", "string", "GBP (faults: gbp, £, UKP)."),
            Column(
                "balance_due",
                "float64",
                "Amount due: log-normal, at most 100 000 (faults: x 1000 + 1 000 000, missing).",
                nullable=True,
            ),
            Column(
                "last_payment_date",
                "string",
                "YYYYMMDD, within the last 60 days of the horizon (faults: DD-MM-YYYY, missing).",
                nullable=True,
            ),
        ),
        primary_key=(),
    )
)

DATA_QUALITY_FAULTS_SCHEMA = register(
    TableSchema(
        "data_quality_faults",
        "Exact number of planted (and inherited) data-quality faults in the raw extracts, per "
        "table, fault and column; a cleaning step should find exactly these. Detection: "
        "duplicate_exact = rows identical to an earlier row; duplicate_near = rows of a person "
        "already present under another key (identity_map); missing_value = nulls; "
        "case_whitespace = text differing from its canonical form (trimmed, and title case for "
        "CRM names, 'First Last' title case with single blanks for web names, upper case for "
        "billing holders, lower case for e-mails); inconsistent_code = values outside the "
        "system's own code set; invalid_format = text not in the column's format; outlier = "
        "birth years before 1905 or after the horizon, incomes below 0 or above 5 000 000, "
        "balances above 1 000 000; invalid_value = e-mails without '@' or placeholders "
        "(customers.PLACEHOLDERS).",
        (
            Column("table", "category", "Raw table.", choices=RAW_TABLES),
            Column("fault", "category", "Kind of fault.", choices=FAULTS),
            Column("column", "string", "Column affected ('*' for whole-row duplicates)."),
            Column("count", "int64", "Number of rows (duplicates) or cells with the fault.", low=0),
            Column(
                "planted_rate",
                "float64",
                "Rate at which it was planted (NaN: inherited from customers).",
                nullable=True,
                low=0.0,
                high=1.0,
            ),
        ),
        primary_key=("table", "fault", "column"),
        kind="truth",
    )
)


# -- helpers --------------------------------------------------------------------------------
def _states(
    rng: np.random.Generator, n: int, rates: tuple[float, ...], eligible=None
) -> np.ndarray:
    """One fault state per cell: 0 = clean, k = the k-th fault (probability ``rates[k-1]``)."""
    u = rng.random(n)
    cum = np.cumsum(rates)
    state = np.zeros(n, dtype=np.int64)
    for c in cum[:-1]:
        state += u >= c
    state += 1
    state[u >= cum[-1]] = 0
    if eligible is not None:
        state[~np.asarray(eligible, dtype=bool)] = 0
    return state


def _fault_in(codes: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """Whether each ``customers.EMAIL_FAULTS`` code is one of ``names``."""
    return np.isin(codes, [EMAIL_FAULTS.index(n) for n in names])


def _take(t: dict, idx: np.ndarray) -> dict:
    return {k: v[idx] for k, v in t.items()}


def _cat(parts: list[dict]) -> dict:
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _with_duplicates(
    rng: np.random.Generator, t: dict, near_change, eligible=None, shuffle: bool = True
) -> dict:
    """Add near duplicates of ``eligible`` rows (``near_change`` edits them) and exact
    duplicates; shuffle the rows (else: originals, then near, then exact duplicates)."""
    n = len(t["kind"])
    near = rng.random(n) < FAULT_RATES["duplicate_near"]
    near = np.flatnonzero(near if eligible is None else near & eligible)
    nd = _take(t, near)
    nd["kind"] = np.ones(len(near), np.int64)
    nd["serial"] = np.arange(len(near), dtype=np.int64)
    near_change(rng, nd)
    both = _cat([t, nd])
    m = len(both["kind"])
    exact = np.flatnonzero(rng.random(m) < FAULT_RATES["duplicate_exact"])
    ed = _take(both, exact)
    ed["kind"] = np.full(len(exact), 2, np.int64)
    allrows = _cat([both, ed])
    if not shuffle:
        return allrows
    return _take(allrows, rng.permutation(len(allrows["kind"])))


def _blocks(ctx: WorldContext, name: str, fn) -> dict:
    """Run a block function over the customer blocks and concatenate, numbering the blocks."""
    parts = ctx.map_blocks(name, fn)
    for b, part in enumerate(parts):
        part["block"] = np.full(len(part["kind"]), b, np.int64)
    return _cat(parts)


def _global_serial(t: dict, n_blocks: int) -> np.ndarray:
    """Near-duplicate number across blocks (-1 for rows that are not near duplicates)."""
    first = t["kind"] == 1
    counts = np.bincount(t["block"][first], minlength=n_blocks)
    offset = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return np.where(t["serial"] >= 0, t["serial"] + offset[t["block"]], -1)


def _variants(words, kinds: tuple[str, ...]) -> S.Vocab:
    """A vocabulary of every word in each variant: title, upper, lower, ' lead', 'trail  '."""
    out = []
    for k in kinds:
        f = {
            "title": str,
            "upper": str.upper,
            "lower": str.lower,
            "lead": lambda w: " " + w,
            "trail": lambda w: w + "  ",
        }[k]
        out += [f(w) for w in words]
    return S.Vocab(out)


def _code_strings(
    canonical, variants, code: np.ndarray, state: np.ndarray, variant: np.ndarray, valid=None
) -> pd.Series:
    """Canonical code ``canonical[code]``, or ``variants[code][variant]`` where ``state``."""
    k = len(variants[0])
    words = list(canonical) + [v for row in variants for v in row]
    idx = np.where(state, len(canonical) + code * k + variant, code)
    return vocab_strings(words, idx, valid=valid)


def _dates(days_ns: np.ndarray, fmt_ok: str, fmt_bad: str, state: np.ndarray) -> pd.Series:
    """Dates as text in ``fmt_ok``; state 1 missing, 2 in ``fmt_bad``, 3 a sentinel outlier
    (1900-01-01 for even day numbers, 2099-12-31 for odd ones, in ``fmt_ok``)."""
    ok, bad, out = (np.flatnonzero(state == k) for k in (0, 2, 3))
    day_no = np.asarray(days_ns[out]).astype("datetime64[D]").astype(np.int64)
    sentinel = np.where(
        day_no % 2 == 0, np.datetime64("1900-01-01", "ns"), np.datetime64("2099-12-31", "ns")
    )
    return choose_strings(
        [
            (ok, date_chars(days_ns[ok], fmt_ok)),
            (bad, date_chars(days_ns[bad], fmt_bad)),
            (out, date_chars(sentinel, fmt_ok)),
        ],
        len(state),
    )


def _patch(arr: pa.Array, edits: list[tuple[np.ndarray, object]], null_rows=None) -> pa.Array:
    """``arr`` with rows replaced: each edit is ``(rows, fn)`` and row ``rows[j]`` becomes
    ``fn(arr.take(rows))[j]``; ``null_rows`` become null. Only the edited rows are
    transformed; one ``take`` assembles the result."""
    n = len(arr)
    index = np.arange(n, dtype=np.int64)
    chunks = [arr]
    offset = n
    for rows, fn in edits:
        chunks.append(fn(arr.take(pa.array(rows))).cast(pa.string()))
        index[rows] = offset + np.arange(len(rows))
        offset += len(rows)
    mask = None
    if null_rows is not None and len(null_rows):
        keep = np.ones(n, dtype=bool)
        keep[null_rows] = False
        mask = ~keep
    return pa.concat_arrays(chunks).take(pa.array(index, mask=mask))


def _email_faults(arr, state: np.ndarray, missing_state: int | None = None):
    """Apply e-mail faults: state 1 -> UPPER CASE, 2 -> padded with blanks, ``missing_state``
    -> null."""
    arr = arr.cast(pa.string())
    edits = [
        (np.flatnonzero(state == 1), pc.utf8_upper),
        (np.flatnonzero(state == 2), lambda a: pc.binary_join_element_wise(" ", a, "  ", "")),
    ]
    nulls = None if missing_state is None else np.flatnonzero(state == missing_state)
    return _patch(arr, edits, nulls)


def _as_arrow(series: pd.Series) -> pa.Array:
    arr = pa.array(series)
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    return arr.cast(pa.string())


# -- the CRM -------------------------------------------------------------------------------
def _crm_block(lo, hi, rng, email_fault, phone_ok, wealth) -> dict:
    n = hi - lo
    r = FAULT_RATES
    idx = np.arange(lo, hi)
    eligible_email = _fault_in(email_fault[idx], ("ok", "shared", "typo_domain"))
    t = {
        "cust": idx,
        "kind": np.zeros(n, np.int64),
        "serial": np.full(n, -1, np.int64),
        "first_v": _states(rng, n, (r["case_whitespace"] / 4,) * 4),
        "last_v": _states(rng, n, (r["case_whitespace"] / 4,) * 4),
        "gender_s": _states(rng, n, (r["inconsistent_code"],)),
        "gender_v": rng.integers(0, 4, n),
        "bd_s": _states(rng, n, (r["missing_value"], r["invalid_format"], r["outlier"])),
        "email_s": _states(
            rng,
            n,
            (r["case_whitespace"] / 2, r["case_whitespace"] / 2, r["missing_value"]),
            eligible_email,
        ),
        "phone_s": _states(rng, n, (r["invalid_format"],), phone_ok[idx]),
        "region_s": _states(rng, n, (r["missing_value"], r["inconsistent_code"])),
        "region_v": rng.integers(0, 3, n),
        "country_s": _states(rng, n, (r["inconsistent_code"],)),
        "country_v": rng.integers(0, 3, n),
        "since_shift": np.zeros(n),
        "income": np.clip(
            35_000.0 * wealth[idx] * np.exp(rng.normal(-0.045, 0.3, n)), *_INCOME_RANGE
        ).round(-2),
        "income_s": _states(rng, n, (r["missing_value"], r["outlier"] / 2, r["outlier"] / 2)),
    }

    def near(rng, nd):
        nd["last_v"] = np.ones(len(nd["kind"]), np.int64)  # UPPER case variant
        nd["since_shift"] = rng.uniform(1.0, 365.0, len(nd["kind"]))

    # the CRM extract is in load order: customers, then second registrations, then the
    # double-loaded rows
    return _with_duplicates(rng, t, near, shuffle=False)


def _crm(ctx: WorldContext, email_quality: np.ndarray) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    customers = ctx.tables["customers"]
    traits = ctx.truth["customer_traits"]
    phone_ok = customers["phone"].notna().to_numpy()
    wealth = traits["wealth"].to_numpy()
    t = _blocks(
        ctx, "raw_crm", lambda lo, hi, rng: _crm_block(lo, hi, rng, email_quality, phone_ok, wealth)
    )
    serial = _global_serial(t, ctx.n_blocks)
    c = t["cust"]
    key_no = np.where(serial >= 0, ctx.n_customers + 1 + serial, c + 1)
    kinds = ("title", "upper", "lower", "lead", "trail")
    first = customers["first_name"].cat.codes.to_numpy()[c]
    last = customers["last_name"].cat.codes.to_numpy()[c]
    gender = customers["gender"].cat.codes.to_numpy()[c]
    region = customers["region"].cat.codes.to_numpy()[c]
    bd = customers["birth_date"].to_numpy()[c]
    emails = _email_faults(
        _as_arrow(customers["email"]).take(pa.array(c)), t["email_s"], missing_state=3
    )
    phones = _as_arrow(customers["phone"]).take(pa.array(c))
    phones = _patch(
        phones,
        [
            (
                np.flatnonzero(t["phone_s"] == 1),
                lambda a: pc.replace_substring_regex(a, r"^\+44 (\d{4}) (\d{6})$", r"0\1\2"),
            )
        ],
    )
    income = t["income"].copy()
    income = np.where(t["income_s"] == 2, income * 1000.0, income)
    income = np.where(t["income_s"] == 3, -income, income)
    income = np.where(t["income_s"] == 1, np.nan, income)
    since_days = np.floor(
        ctx.to_days(customers["acquisition_date"].to_numpy()[c]) + t["since_shift"]
    )
    since_days = np.minimum(since_days, np.floor(ctx.horizon_days) - 1)
    df = pd.DataFrame(
        {
            "crm_id": digit_keys("C", key_no, 7),
            "first_name": vocab_strings(
                _variants(_FIRST, kinds), t["first_v"] * len(_FIRST) + first
            ),
            "last_name": vocab_strings(_variants(LAST, kinds), t["last_v"] * len(LAST) + last),
            "gender": _code_strings(
                CRM_GENDERS, _CRM_GENDER_VARIANTS, gender, t["gender_s"] == 1, t["gender_v"]
            ),
            "birth_date": _dates(bd, "iso", "dmy", t["bd_s"]),
            "email": S.to_series(emails),
            "phone": S.to_series(phones),
            "region": _code_strings(
                _REGION_NAMES,
                _CRM_REGION_VARIANTS,
                region,
                t["region_s"] == 2,
                t["region_v"],
                valid=t["region_s"] != 1,
            ),
            "country": vocab_strings(
                _CRM_COUNTRIES, np.where(t["country_s"] == 1, 1 + t["country_v"], 0)
            ),
            "customer_since": _dates(
                ctx.to_datetime(since_days), "iso", "iso", np.zeros(len(c), np.int64)
            ),
            "annual_income": income,
        }
    )
    inherited_case = _fault_in(email_quality[c], ("uppercase", "whitespace"))
    inherited_missing = _fault_in(email_quality[c], ("missing",))
    inherited_invalid = _fault_in(email_quality[c], ("no_at", "placeholder"))
    r = FAULT_RATES
    faults = [
        ("duplicate_exact", "*", t["kind"] == 2, r["duplicate_exact"]),
        ("duplicate_near", "*", t["kind"] == 1, r["duplicate_near"]),
        ("case_whitespace", "first_name", t["first_v"] > 0, r["case_whitespace"]),
        ("case_whitespace", "last_name", t["last_v"] > 0, r["case_whitespace"]),
        (
            "case_whitespace",
            "email",
            inherited_case | np.isin(t["email_s"], (1, 2)),
            r["case_whitespace"],
        ),
        ("inconsistent_code", "gender", t["gender_s"] == 1, r["inconsistent_code"]),
        ("missing_value", "birth_date", t["bd_s"] == 1, r["missing_value"]),
        ("invalid_format", "birth_date", t["bd_s"] == 2, r["invalid_format"]),
        ("outlier", "birth_date", t["bd_s"] == 3, r["outlier"]),
        ("missing_value", "email", inherited_missing | (t["email_s"] == 3), r["missing_value"]),
        ("invalid_value", "email", inherited_invalid, np.nan),
        ("missing_value", "phone", ~phone_ok[c], np.nan),
        ("invalid_format", "phone", t["phone_s"] == 1, r["invalid_format"]),
        ("missing_value", "region", t["region_s"] == 1, r["missing_value"]),
        ("inconsistent_code", "region", t["region_s"] == 2, r["inconsistent_code"]),
        ("inconsistent_code", "country", t["country_s"] == 1, r["inconsistent_code"]),
        ("missing_value", "annual_income", t["income_s"] == 1, r["missing_value"]),
        ("outlier", "annual_income", np.isin(t["income_s"], (2, 3)), r["outlier"]),
    ]
    ident = _identity("crm", t["kind"] != 2, c + 1, df["crm_id"])
    return df, faults, ident


def _identity(
    system: str, first: np.ndarray, customer_id: np.ndarray, keys: pd.Series, subset: bool = False
) -> pd.DataFrame:
    """The (key, customer) rows of one system for the truth ``identity_map``: the rows
    ``first`` (first occurrences of the customers' keys; exact duplicates repeat a key).
    ``keys`` holds the key text of every row, or of the ``first`` rows only (``subset``)."""
    rows = np.flatnonzero(first)
    text = keys if subset else S.to_series(_as_arrow(keys).take(pa.array(rows)))
    return pd.DataFrame(
        {
            "system": categorical(
                np.full(len(rows), IDENTITY_SYSTEMS.index(system)), IDENTITY_SYSTEMS
            ),
            "key": text.array,
            "customer_id": customer_id[rows].astype(np.int64),
        }
    )


# -- the web system ------------------------------------------------------------------------
def _web_block(lo, hi, rng, acc, usable, C: dict) -> dict:
    r = FAULT_RATES
    idx = lo + np.flatnonzero(~np.isnan(acc.customer_day[lo:hi]))
    pros = np.flatnonzero((acc.prospect_block == lo) & ~np.isnan(acc.prospect_day))
    nc, npr = len(idx), len(pros)
    n = nc + npr
    first, last, gender, birth = C["first"], C["last"], C["gender"], C["birth"]
    tmpl = acc.prospect_template[pros]
    p_gender = rng.choice(3, size=npr, p=[0.495, 0.495, 0.01])
    p_first = np.where(
        p_gender == 1,
        len(FIRST_F) + rng.integers(0, len(FIRST_M), npr),
        rng.integers(0, len(FIRST_F), npr),
    )
    t = {
        "cust": np.r_[idx, np.full(npr, -1)],
        "prospect": np.r_[np.full(nc, -1), pros],
        "kind": np.zeros(n, np.int64),
        "serial": np.full(n, -1, np.int64),
        "first": np.r_[first[idx], p_first],
        "last": np.r_[last[idx], rng.integers(0, len(LAST), npr)],
        "gender": np.r_[gender[idx], p_gender],
        "birth": np.floor(np.r_[birth[idx], birth[tmpl] + rng.normal(0.0, 5 * 365.25, npr)]),
        "signup": np.floor(np.r_[acc.customer_day[idx], acc.prospect_day[pros]]),
        "usable": np.r_[usable[idx], np.zeros(npr, bool)],
        "e_num": rng.integers(0, 100, n),
        "e_dom": rng.integers(0, len(EMAIL_DOMAINS), n),
        "name_v": _states(rng, n, (r["case_whitespace"] / 3,) * 3),
        "email_s": _states(rng, n, (r["case_whitespace"] / 2,) * 2),
        "gender_s": _states(rng, n, (r["missing_value"], r["inconsistent_code"])),
        "gender_v": rng.integers(0, 3, n),
        "dob_s": _states(rng, n, (r["missing_value"], r["invalid_format"], r["outlier"])),
        "country_s": _states(rng, n, (r["inconsistent_code"],)),
        "country_v": rng.integers(0, 3, n),
        "linked": np.r_[rng.random(nc) < LINKED_SHARE, np.zeros(npr, bool)],
        "newsletter": np.r_[C["consent"][idx], rng.random(npr) < 0.4],
    }
    h = C["horizon"]

    def near(rng, nd):
        m = len(nd["kind"])
        nd["email_s"] = np.ones(m, np.int64)
        nd["signup"] = np.minimum(
            np.maximum(nd["signup"], 0.0) + np.floor(rng.uniform(1, 365, m)), np.floor(h) - 1
        )

    # only customers register twice (a prospect's second account is just another prospect)
    return _with_duplicates(rng, t, near, eligible=t["cust"] >= 0)


def _web(ctx: WorldContext, email_fault: np.ndarray):
    customers = ctx.tables["customers"]
    acc = web_accounts(ctx)
    usable = _fault_in(email_fault, ("ok", "uppercase", "whitespace", "shared", "typo_domain"))
    C = {
        "first": customers["first_name"].cat.codes.to_numpy().astype(np.int64),
        "last": customers["last_name"].cat.codes.to_numpy().astype(np.int64),
        "gender": customers["gender"].cat.codes.to_numpy().astype(np.int64),
        "birth": ctx.to_days(customers["birth_date"].to_numpy()),
        "consent": customers["consent_email"].to_numpy(),
        "horizon": ctx.horizon_days,
    }
    t = _blocks(ctx, "raw_web", lambda lo, hi, rng: _web_block(lo, hi, rng, acc, usable, C))
    serial = _global_serial(t, ctx.n_blocks)
    c, p = t["cust"], t["prospect"]
    number = np.where(
        serial >= 0,
        _NEAR_BASE + serial,
        np.where(c >= 0, c + 1, np.append(acc.prospect_number, 0)[np.maximum(p, 0)]),
    )
    n = len(c)
    cust_email = _as_arrow(customers["email"]).take(pa.array(np.maximum(c, 0)))
    need = np.flatnonzero(~t["usable"])
    gen = _emails_generated_from({k: t[k][need] for k in ("first", "last", "e_num", "e_dom")})
    messy = np.flatnonzero(
        _fault_in(np.where(c >= 0, email_fault[np.maximum(c, 0)], -1), ("uppercase", "whitespace"))
    )
    email = _patch(
        cust_email,
        [(need, lambda _: gen), (messy, lambda a: pc.utf8_lower(pc.utf8_trim_whitespace(a)))],
    )
    email = _email_faults(email, t["email_s"])
    fv = _variants(_FIRST, ("title", "upper", "lower"))
    lv = _variants(LAST, ("title", "upper", "lower"))
    case = np.where(t["name_v"] == 3, 0, t["name_v"])
    full = S.concat(
        [
            (fv, case * len(_FIRST) + t["first"]),
            (S.Vocab([" ", "  "]), (t["name_v"] == 3).astype(np.int64)),
            (lv, case * len(LAST) + t["last"]),
        ],
        n,
    )
    df = pd.DataFrame(
        {
            "web_user_id": web_user_key(number),
            "email": S.to_series(email),
            "full_name": S.to_series(full),
            "gender": _code_strings(
                WEB_GENDERS,
                _WEB_GENDER_VARIANTS,
                t["gender"],
                t["gender_s"] == 2,
                t["gender_v"],
                valid=t["gender_s"] != 1,
            ),
            "date_of_birth": _dates(ctx.to_datetime(t["birth"]), "dmy", "iso", t["dob_s"]),
            "signup_date": _dates(
                ctx.to_datetime(t["signup"]), "dmy", "dmy", np.zeros(n, np.int64)
            ),
            "country": vocab_strings(
                _WEB_COUNTRIES, np.where(t["country_s"] == 1, 1 + t["country_v"], 0)
            ),
            "newsletter": t["newsletter"].astype(bool),
            "crm_customer_no": decimal_strings(c + 1, valid=t["linked"] & (c >= 0)),
        }
    )
    r = FAULT_RATES
    faults = [
        ("duplicate_exact", "*", t["kind"] == 2, r["duplicate_exact"]),
        ("duplicate_near", "*", t["kind"] == 1, r["duplicate_near"]),
        ("case_whitespace", "email", t["email_s"] > 0, r["case_whitespace"]),
        ("case_whitespace", "full_name", t["name_v"] > 0, r["case_whitespace"]),
        ("missing_value", "gender", t["gender_s"] == 1, r["missing_value"]),
        ("inconsistent_code", "gender", t["gender_s"] == 2, r["inconsistent_code"]),
        ("missing_value", "date_of_birth", t["dob_s"] == 1, r["missing_value"]),
        ("invalid_format", "date_of_birth", t["dob_s"] == 2, r["invalid_format"]),
        ("outlier", "date_of_birth", t["dob_s"] == 3, r["outlier"]),
        ("inconsistent_code", "country", t["country_s"] == 1, r["inconsistent_code"]),
    ]
    own = c >= 0
    ident = _identity("web_account", own & (t["kind"] != 2), c + 1, df["web_user_id"])
    return df, faults, ident


def _emails_generated_from(t: dict) -> pa.Array:
    n = len(t["first"])
    fv = S.Vocab([w.lower() for w in _FIRST])
    lv = S.Vocab([w.lower() for w in LAST])
    num = S.Vocab([""] + [str(i) for i in range(1, 100)])
    dom = S.Vocab(list(EMAIL_DOMAINS))
    return S.concat(
        [(fv, t["first"]), ".", (lv, t["last"]), (num, t["e_num"]), "@", (dom, t["e_dom"])], n
    )


# -- billing -------------------------------------------------------------------------------
def _billed(ctx: WorldContext) -> np.ndarray:
    """Customers (rows) with a billing relationship."""
    if ctx.domain == "bank":
        acc = ctx.tables["accounts"]
        sel = string_codes(acc["product_code"], ["credit_card", "personal_loan", "mortgage"]) >= 0
        billed = np.zeros(ctx.n_customers, bool)
        billed[acc["customer_id"].to_numpy()[sel] - 1] = True
        return billed
    return ctx.tables["customers"]["loyalty_member"].to_numpy().astype(bool)


def _billing_block(ctx, lo, hi, rng, billed, wealth) -> dict:
    r = FAULT_RATES
    idx = lo + np.flatnonzero(billed[lo:hi])
    n = len(idx)
    median = 1200.0 * np.sqrt(wealth[idx]) if ctx.domain == "bank" else np.full(n, 150.0)
    t = {
        "cust": idx,
        "kind": np.zeros(n, np.int64),
        "serial": np.full(n, -1, np.int64),
        "ref_s": _states(rng, n, (r["missing_value"], r["invalid_format"])),
        "holder_v": _states(rng, n, (r["case_whitespace"] / 2,) * 2),
        "region_s": _states(rng, n, (r["inconsistent_code"],)),
        "region_v": rng.integers(0, 2, n),
        "currency_s": _states(rng, n, (r["inconsistent_code"] / 3,)),
        "currency_v": rng.integers(0, 3, n),
        "balance": np.minimum(np.round(median * np.exp(rng.normal(0.0, 0.8, n)), 2), 100_000.0),
        "bal_s": _states(rng, n, (r["missing_value"], r["outlier"])),
        "pay": np.floor(ctx.horizon_days - rng.uniform(0.0, 60.0, n)),
        "pay_s": _states(rng, n, (r["missing_value"], r["invalid_format"])),
    }

    def near(rng, nd):
        nd["holder_v"] = np.ones(len(nd["kind"]), np.int64)

    return _with_duplicates(rng, t, near)


def _billing(ctx: WorldContext):
    customers = ctx.tables["customers"]
    billed = _billed(ctx)
    wealth = ctx.truth["customer_traits"]["wealth"].to_numpy()
    t = _blocks(
        ctx, "raw_billing", lambda lo, hi, rng: _billing_block(ctx, lo, hi, rng, billed, wealth)
    )
    serial = _global_serial(t, ctx.n_blocks)
    c = t["cust"]
    n = len(c)
    number = np.where(serial >= 0, _NEAR_BASE + serial, c + 1)
    billing_id = scramble(number, _BILLING_SALT).astype(np.int64)
    ref = pc.if_else(
        pa.array(t["ref_s"] == 2),
        _as_arrow(digit_keys("", c + 1, 9)),
        _as_arrow(decimal_strings(c + 1, valid=t["ref_s"] != 1)),
    )
    first = customers["first_name"].cat.codes.to_numpy()[c]
    last = customers["last_name"].cat.codes.to_numpy()[c]
    fv = _variants(_FIRST, ("upper", "title"))
    lv = _variants(LAST, ("upper", "title"))
    title = (t["holder_v"] == 1).astype(np.int64)
    holder = S.concat(
        [
            (S.Vocab(["", " "]), (t["holder_v"] == 2).astype(np.int64)),
            (lv, title * len(LAST) + last),
            ", ",
            (fv, title * len(_FIRST) + first),
        ],
        n,
    )
    region = customers["region"].cat.codes.to_numpy()[c]
    balance = np.where(t["bal_s"] == 2, t["balance"] * 1000.0 + 1_000_000.0, t["balance"])
    balance = np.where(t["bal_s"] == 1, np.nan, balance)
    df = pd.DataFrame(
        {
            "billing_id": billing_id,
            "customer_ref": S.to_series(ref),
            "account_holder": S.to_series(holder),
            "region_code": _code_strings(
                BILLING_REGIONS, _BILLING_REGION_VARIANTS, region, t["region_s"] == 1, t["region_v"]
            ),
            "currency": vocab_strings(
                _CURRENCIES, np.where(t["currency_s"] == 1, 1 + t["currency_v"], 0)
            ),
            "balance_due": balance,
            "last_payment_date": _dates(
                ctx.to_datetime(t["pay"]), "compact", "dmy_dash", t["pay_s"]
            ),
        }
    )
    r = FAULT_RATES
    faults = [
        ("duplicate_exact", "*", t["kind"] == 2, r["duplicate_exact"]),
        ("duplicate_near", "*", t["kind"] == 1, r["duplicate_near"]),
        ("missing_value", "customer_ref", t["ref_s"] == 1, r["missing_value"]),
        ("invalid_format", "customer_ref", t["ref_s"] == 2, r["invalid_format"]),
        ("case_whitespace", "account_holder", t["holder_v"] > 0, r["case_whitespace"]),
        ("inconsistent_code", "region_code", t["region_s"] == 1, r["inconsistent_code"]),
        ("inconsistent_code", "currency", t["currency_s"] == 1, r["inconsistent_code"] / 3),
        ("missing_value", "balance_due", t["bal_s"] == 1, r["missing_value"]),
        ("outlier", "balance_due", t["bal_s"] == 2, r["outlier"]),
        ("missing_value", "last_payment_date", t["pay_s"] == 1, r["missing_value"]),
        ("invalid_format", "last_payment_date", t["pay_s"] == 2, r["invalid_format"]),
    ]
    first = t["kind"] != 2
    ident = _identity("billing", first, c + 1, decimal_strings(billing_id[first]), subset=True)
    return df, faults, ident


# -- the step ------------------------------------------------------------------------------
def generate(ctx: WorldContext) -> None:
    """Add the raw extracts and the truth ``data_quality_faults``; add the ``crm``,
    ``web_account`` and ``billing`` rows of truth ``identity_map`` (module docstring)."""
    eq = ctx.truth["email_quality"]
    order = np.argsort(eq["customer_id"].to_numpy(), kind="stable")
    email_fault = label_codes(eq["email_fault"], EMAIL_FAULTS)[order]
    rows, idents = [], []
    for name, (df, faults, ident) in zip(
        RAW_TABLES, (_crm(ctx, email_fault), _web(ctx, email_fault), _billing(ctx)), strict=True
    ):
        ctx.tables[name] = df
        idents.append(ident)
        rows += [
            (name, fault, col, int(np.count_nonzero(mask)), rate)
            for fault, col, mask, rate in faults
        ]
    ctx.truth["data_quality_faults"] = pd.DataFrame(
        {
            "table": pd.Categorical([r[0] for r in rows], categories=RAW_TABLES),
            "fault": pd.Categorical([r[1] for r in rows], categories=FAULTS),
            "column": pd.array([r[2] for r in rows], dtype="str"),
            "count": np.array([r[3] for r in rows], dtype=np.int64),
            "planted_rate": np.array([r[4] for r in rows], dtype=np.float64),
        }
    )
    add_identity(ctx, pd.concat(idents, ignore_index=True))
