"""Reference code lists of the warehouse, taken from the world's own catalogue.

The integration step maps every source's codes onto these lists (code harmonisation). They are
built from the same Python constants the world generator uses — the channel codes of every
source, the e-mail domains and their common typos, the value tiers — so they never go stale.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["tables", "channel_codes", "CHANNEL_GROUPS"]

#: known channel codes -> (name, group, digital?)
CHANNEL_GROUPS: dict[str, tuple[str, str, bool]] = {
    "web": ("Web site", "digital", True),
    "mobile": ("Mobile app / phone browser", "digital", True),
    "email": ("E-mail", "digital", True),
    "sms": ("SMS", "digital", True),
    "chat": ("Web chat", "digital", True),
    "web_self_service": ("Web self-service", "digital", True),
    "phone": ("Telephone / call centre", "personal", False),
    "branch": ("Branch", "personal", False),
    "store": ("Store", "personal", False),
    "post": ("Post / direct mail", "mail", False),
    "card_pos": ("Card at a point of sale", "payment", False),
    "card_online": ("Card online", "payment", True),
    "atm": ("Cash machine", "payment", False),
    "direct_debit": ("Direct debit", "payment", False),
    "transfer_out": ("Outgoing transfer", "payment", True),
    "transfer_in": ("Incoming transfer", "payment", True),
    "organic_search": ("Organic search (SEO)", "marketing", True),
    "paid_search": ("Paid search (pay-per-click)", "marketing", True),
    "affiliate": ("Affiliate links", "marketing", True),
    "online_pr": ("Online PR", "marketing", True),
    "display_ads": ("Display advertising", "marketing", True),
    "referral": ("Referral", "marketing", False),
    "direct_mail": ("Direct mail", "marketing", False),
    "social": ("Social media", "marketing", True),
    "direct": ("Direct visit", "marketing", True),
}


def channel_codes(domain: str) -> list[str]:
    """Every channel code any source of ``domain`` uses, in a stable order."""
    from ..world import schema as ws
    from ..world.catalogue import CAMPAIGN_CHANNELS, CHANNELS, SERVICE_CHANNELS

    codes: list[str] = []

    def add(values) -> None:
        for v in values or ():
            if v not in codes:
                codes.append(v)

    add(CHANNELS[domain])
    add(c.code for c in CAMPAIGN_CHANNELS)
    add(SERVICE_CHANNELS[domain])
    for table, column in (
        ("transactions", "channel"),
        ("orders", "channel"),
        ("customers", "acquisition_channel"),
        ("web_sessions", "referrer"),
    ):
        schema = ws.SCHEMAS.get(table)
        if schema is None or domain not in schema.domains:
            continue
        try:
            add(schema.column(column, domain).choices)
        except KeyError:
            continue
    return codes


def _channels(domain: str) -> pd.DataFrame:
    codes = channel_codes(domain)
    rows = [
        (code, *CHANNEL_GROUPS.get(code, (code.replace("_", " ").capitalize(), "other", False)))
        for code in codes
    ]
    return pd.DataFrame(
        rows, columns=["channel_code", "channel_name", "channel_group", "is_digital"]
    )


def _email_domains() -> pd.DataFrame:
    from ..world.customers import EMAIL_DOMAINS, TYPO_DOMAINS

    rows = [(d, d, False) for d in EMAIL_DOMAINS]
    rows += [(t, d, True) for t, d in zip(TYPO_DOMAINS, EMAIL_DOMAINS, strict=True)]
    return pd.DataFrame(rows, columns=["raw_domain", "clean_domain", "is_typo"])


def _placeholders() -> pd.DataFrame:
    from ..world.customers import PLACEHOLDERS

    return pd.DataFrame({"placeholder": [p.lower() for p in PLACEHOLDERS]})


def _tiers() -> pd.DataFrame:
    from ..world.catalogue import VALUE_TIERS

    # observed tier = band of the customer's percentile rank of yearly value
    upper = {"low": 0.40, "medium": 0.70, "high": 0.90, "top": 1.01}
    return pd.DataFrame(
        {
            "value_tier": list(VALUE_TIERS),
            "tier_rank": list(range(1, len(VALUE_TIERS) + 1)),
            "upper_percentile": [upper.get(t, 1.01) for t in VALUE_TIERS],
        }
    )


def tables(domain: str) -> dict[str, tuple[pd.DataFrame, str]]:
    """The reference tables of ``domain``: name -> (frame, description)."""
    return {
        "ref_channel": (
            _channels(domain),
            "Reference: every channel code used by any source (preferred, campaign, service, "
            "order/payment, acquisition and web referrer channels) with a readable name, its "
            "group (digital, personal, mail, payment, marketing) and whether it is digital.",
        ),
        "ref_email_domain": (
            _email_domains(),
            "Reference: the e-mail domains customers use and the common typos of each "
            "(code harmonisation of e-mail addresses).",
        ),
        "ref_email_placeholder": (
            _placeholders(),
            "Reference: placeholder texts typed instead of an e-mail address (treated as missing).",
        ),
        "ref_value_tier": (
            _tiers(),
            "Reference: observed value tiers; a customer's tier in a year is the band of their "
            "percentile rank of that year's value (low < 40 %, medium < 70 %, high < 90 %, top).",
        ),
    }
