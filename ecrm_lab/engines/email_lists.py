"""E-mail list quality: measure how many addresses can be mailed, and improve the list.

Permission to e-mail is worth nothing without a deliverable address. :func:`email_list_quality`
classifies every customer's address *as typed* and *after cleaning*:

``missing``
    no address, or a placeholder (``n/a``, ``none@none.com``, ``test@test.com``...);
``invalid``
    not an address (no ``@``, spaces inside, no dot in the domain) and not repairable;
``typo_domain``
    the domain is a near-miss of a common mail domain (``gmial.com``) — repaired by cleaning;
``needs_cleaning``
    upper case or surrounding blanks — repaired by cleaning;
``bounced``
    a hard bounce was recorded for the address as it was sent; after cleaning, an address
    that is still the one that bounced is suppressed (a repaired one gets another chance);
``duplicate``
    the same address belongs to an earlier customer (a household sharing one) — one message
    per address, so later customers are not mailed on it;
``valid``
    mailable.

Cleaning trims and lower-cases, maps placeholders to missing, and repairs domains within edit
distance 2 of a known domain (the common providers plus the domains frequent in the list
itself that are not near-misses of a common provider). The result's :attr:`EmailQuality.mailable` is the improved list.

Examples
--------
>>> import pandas as pd
>>> customers = pd.DataFrame({"customer_id": [1, 2, 3, 4, 5],
...     "email": ["Ann.Lee@Gmail.com ", "bob@gmial.com", "n/a", "ann.lee@gmail.com", None]})
>>> q = email_list_quality(customers)
>>> q.table[["customer_id", "status_before", "status_after", "email_clean"]]
   customer_id   status_before status_after        email_clean
0            1  needs_cleaning        valid  ann.lee@gmail.com
1            2     typo_domain        valid      bob@gmail.com
2            3         missing      missing               <NA>
3            4       duplicate    duplicate  ann.lee@gmail.com
4            5         missing      missing               <NA>
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._result import Result
from .._validation import Interval, check_columns, check_param
from ..exceptions import DataError

__all__ = [
    "COMMON_EMAIL_DOMAINS",
    "EMAIL_STATUSES",
    "PLACEHOLDER_EMAILS",
    "EmailQuality",
    "email_list_quality",
    "edit_distance",
]

#: well-known mail providers used to repair typos in domains
COMMON_EMAIL_DOMAINS: tuple[str, ...] = (
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.co.uk", "live.com",
    "msn.com", "yahoo.com", "yahoo.co.uk", "icloud.com", "me.com", "aol.com", "mail.com",
    "gmx.com", "gmx.de", "web.de", "proton.me", "protonmail.com", "btinternet.com",
    "sky.com", "virginmedia.com", "orange.fr", "free.fr", "libero.it",
)  # fmt: skip
#: addresses people type when they do not want to give one
PLACEHOLDER_EMAILS: tuple[str, ...] = (
    "n/a", "na", "none", "no email", "noemail", "no", "-", ".", "x", "none@none.com",
    "test@test.com", "no@email.com", "noemail@noemail.com", "a@a.com", "unknown",
)  # fmt: skip
#: statuses, from worst to best
EMAIL_STATUSES: tuple[str, ...] = (
    "missing", "invalid", "typo_domain", "needs_cleaning", "bounced", "duplicate", "valid",
)  # fmt: skip

_SYNTAX = re.compile(r"^[a-z0-9._%+'-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$")


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions) between two strings.

    >>> edit_distance("gmial.com", "gmail.com")
    2
    """
    if len(a) < len(b):
        a, b = b, a
    prev = np.arange(len(b) + 1)
    for i, ca in enumerate(a, start=1):
        cur = np.empty_like(prev)
        cur[0] = i
        sub = prev[:-1] + (np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32) != ord(ca))
        cur[1:] = np.minimum(prev[1:] + 1, sub)
        # insertions depend on the left neighbour: a running minimum
        cur = np.minimum.accumulate(cur - np.arange(len(cur))) + np.arange(len(cur))
        prev = cur
    return int(prev[-1])


@dataclass(frozen=True, repr=False, eq=False)
class EmailQuality(Result):
    """The e-mail list before and after cleaning.

    Attributes
    ----------
    table : DataFrame
        Per customer: ``customer_id``, ``email_raw``, ``email_clean`` (NA when unusable),
        ``status_before`` (the address as typed), ``status_after`` (after cleaning),
        ``repair`` (what cleaning did), ``mailable``.
    domain_fixes : DataFrame
        Each repaired domain, what it became, and how many addresses it affected.
    known_domains : tuple of str
        The domains typos were repaired towards.
    """

    table: pd.DataFrame
    domain_fixes: pd.DataFrame
    known_domains: tuple[str, ...]
    title = "E-mail list quality"

    @property
    def mailable(self) -> pd.DataFrame:
        """The improved list: ``customer_id``, ``email`` of every mailable customer."""
        t = self.table[self.table["mailable"]]
        return t[["customer_id", "email_clean"]].rename(columns={"email_clean": "email"})

    def summary(self) -> pd.DataFrame:
        """Customers per status before and after cleaning (and the change)."""
        b = self.table["status_before"].value_counts().reindex(EMAIL_STATUSES, fill_value=0)
        a = self.table["status_after"].value_counts().reindex(EMAIL_STATUSES, fill_value=0)
        out = pd.DataFrame({"before": b, "after": a})
        out["change"] = out["after"] - out["before"]
        out.index.name = "status"
        return out

    def rates(self) -> pd.Series:
        """Share of customers mailable before (as typed) and after cleaning."""
        t = self.table
        return pd.Series(
            {
                "mailable_before": float((t["status_before"] == "valid").mean()),
                "mailable_after": float(t["mailable"].mean()),
            }
        )

    def plot(self, ax=None, **kwargs):
        from ..plotting.engines import plot_email_quality

        return plot_email_quality(self, ax=ax, **kwargs)


def email_list_quality(
    customers: pd.DataFrame,
    email_col: str = "email",
    *,
    bounced: Iterable[str] | None = None,
    known_domains: Sequence[str] = COMMON_EMAIL_DOMAINS,
    frequent_share: float = 0.005,
    max_distance: int = 2,
) -> EmailQuality:
    """Measure the quality of an e-mail list and clean it.

    Parameters
    ----------
    customers : DataFrame
        ``customer_id`` and the e-mail column.
    email_col : str
        The column with addresses as typed.
    bounced : iterable of str, optional
        Addresses with a recorded hard bounce (compared after cleaning, case-insensitive).
    known_domains : sequence of str
        Reference mail domains for typo repair.
    frequent_share : float
        Domains used by at least this share of the list also count as known, unless they
        are within ``max_distance`` of a reference domain.
    max_distance : int
        Largest edit distance of a domain typo that is repaired.

    Returns
    -------
    EmailQuality
    """
    where = "email_list_quality"
    check_columns(customers, ["customer_id", email_col], where)
    check_param(frequent_share, "frequent_share", where, float, interval=Interval(0, 1))
    check_param(max_distance, "max_distance", where, int, interval=Interval(0, 5))
    if len(customers) == 0:
        raise DataError(f"{where}: the customer table is empty.")
    ids = pd.to_numeric(customers["customer_id"], errors="coerce")
    if ids.isna().any():
        raise DataError(f"{where}: column 'customer_id' has missing or non-numeric values.")
    raw = customers[email_col].astype("string").reset_index(drop=True)
    n = len(raw)

    trimmed = raw.str.strip()
    lower = trimmed.str.lower()
    missing = raw.isna() | (trimmed == "") | lower.isin(PLACEHOLDER_EMAILS)
    compact = lower.str.replace(r"\s+", "", regex=True)
    local = compact.str.extract(r"^([^@]*)@", expand=False)
    domain = compact.str.extract(r"@([^@]+)$", expand=False)
    syntax_ok = compact.str.match(_SYNTAX.pattern).fillna(False).to_numpy(dtype=bool)

    # known domains: the reference list plus the domains frequent in this list
    dom_counts = domain[syntax_ok & ~missing.to_numpy(bool)].value_counts()
    reference = tuple(dict.fromkeys(map(str.lower, known_domains)))
    # a frequent domain counts as real unless it is a near-miss of a reference domain (a
    # typo made often enough to look frequent, such as gmial.com)
    frequent = [
        str(d)
        for d in dom_counts[dom_counts >= max(2, frequent_share * n)].index
        if str(d) in reference
        or not any(
            abs(len(str(d)) - len(r)) <= max_distance and edit_distance(str(d), r) <= max_distance
            for r in reference
        )
    ]
    known = tuple(dict.fromkeys([*reference, *frequent]))
    known_set = set(known)
    fixes = []
    fix_map: dict[str, str] = {}
    for dom in pd.unique(domain.dropna()):
        d = str(dom)
        if d in known_set:
            continue
        # only references of a similar length can be within max_distance
        dist = [
            (edit_distance(d, k), i, k)
            for i, k in enumerate(known)
            if abs(len(d) - len(k)) <= max_distance
        ]
        if not dist:
            continue
        best = min(dist)
        if 0 < best[0] <= max_distance:
            fix_map[d] = best[2]
    fixed_domain = domain.map(lambda d: fix_map.get(d, d) if isinstance(d, str) else d)
    fixed = (local + "@" + fixed_domain).astype("string")
    fixed_ok = fixed.str.match(_SYNTAX.pattern).fillna(False).to_numpy(dtype=bool)
    typo = domain.isin(list(fix_map)).to_numpy(dtype=bool) & fixed_ok
    for src, dst in fix_map.items():
        fixes.append({"domain": src, "fixed_to": dst, "addresses": int((domain == src).sum())})

    miss = missing.to_numpy(dtype=bool)
    clean = pd.Series(pd.NA, index=raw.index, dtype="string")
    usable = ~miss & (syntax_ok | typo)
    clean[usable & typo] = fixed[usable & typo]
    clean[usable & ~typo] = compact[usable & ~typo]
    cosmetic = (raw != compact).fillna(False).to_numpy(dtype=bool)

    bounce_set = (
        set()
        if bounced is None
        else {str(b).strip().lower() for b in bounced if b is not None and not pd.isna(b)}
    )
    # the bounce log holds addresses as they were sent: the raw address bounced before
    # cleaning; after cleaning only an unchanged (or equal) address is still known to bounce
    bounced_raw = compact.isin(list(bounce_set)).fillna(False).to_numpy(dtype=bool)
    bounced_after = clean.isin(list(bounce_set)).fillna(False).to_numpy(dtype=bool)
    # duplicates: an address (after cleaning) already used by an earlier customer
    order = np.argsort(ids.to_numpy(), kind="stable")
    dup = np.zeros(n, dtype=bool)
    dup[order] = clean.iloc[order].duplicated(keep="first").to_numpy() & usable[order]
    raw_dup = np.zeros(n, dtype=bool)
    raw_key = compact.where(pd.Series(syntax_ok) & ~missing)
    raw_dup[order] = raw_key.iloc[order].duplicated(keep="first").to_numpy() & syntax_ok[order]

    before = np.select(
        [miss, ~syntax_ok & ~typo, bounced_raw, typo, raw_dup, cosmetic],
        ["missing", "invalid", "bounced", "typo_domain", "duplicate", "needs_cleaning"],
        default="valid",
    )
    after = np.select(
        [miss, ~usable, bounced_after, dup],
        ["missing", "invalid", "bounced", "duplicate"],
        default="valid",
    )
    repair = np.select(
        [miss, ~usable, typo, cosmetic & usable],
        ["none", "none", "domain repaired", "trimmed / lower-cased"],
        default="none",
    )
    table = pd.DataFrame(
        {
            "customer_id": ids.to_numpy(dtype=np.int64),
            "email_raw": raw,
            "email_clean": clean.where(pd.Series(usable)),
            "status_before": pd.Categorical(before, categories=EMAIL_STATUSES),
            "status_after": pd.Categorical(after, categories=EMAIL_STATUSES),
            "repair": repair,
            "mailable": after == "valid",
        }
    )
    fix_table = pd.DataFrame(fixes, columns=["domain", "fixed_to", "addresses"])
    fix_table = fix_table.sort_values(
        ["addresses", "domain"], ascending=[False, True], ignore_index=True
    )
    return EmailQuality(table=table, domain_fixes=fix_table, known_domains=known)
