"""What each synthetic business sells, and the names every source shares.

The bank sells seven products (:data:`BANK_PRODUCTS`); the retailer sells SKUs in twelve
categories (:data:`RETAIL_CATEGORIES`). A customer's affinity trait exists per bank product and
per retail category (``affinity_<code>``). The economic terms here (fees, interest margins,
balances, prices, gross margins, costs to serve) are the assumptions behind customer
profitability; they are documented in the data dictionary.

Channels
--------
* :data:`CHANNELS` — a customer's preferred channel (trait ``channel_pref``), per domain.
* :data:`CAMPAIGN_CHANNELS` — how campaigns reach customers, with the cost per contact and the
  consent flag each needs (permission marketing).
* :data:`SERVICE_CHANNELS` — where service requests arrive, per domain.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "DOMAINS",
    "BankProduct",
    "RetailCategory",
    "BANK_PRODUCTS",
    "RETAIL_CATEGORIES",
    "CHANNELS",
    "CAMPAIGN_CHANNELS",
    "CampaignChannel",
    "SERVICE_CHANNELS",
    "REGIONS",
    "VALUE_TIERS",
    "UPLIFT_CLASSES",
    "affinity_codes",
    "affinity_columns",
    "SEGMENTS",
]

DOMAINS = ("bank", "retail")


@dataclass(frozen=True)
class BankProduct:
    """A bank product and its monthly economics.

    Revenue per month of a holding with balance ``B`` is ``monthly_fee + margin_rate / 12 * B``;
    the bank spends ``cost_month`` to run it. A holder's balance is
    ``balance_scale * wealth ** balance_elasticity`` times log-normal noise with mean 1.
    """

    code: str
    name: str
    family: str
    monthly_fee: float
    margin_rate: float
    balance_scale: float
    balance_elasticity: float
    cost_month: float
    holding_scale: float  # P(hold) = holding_scale * affinity


BANK_PRODUCTS: tuple[BankProduct, ...] = (
    BankProduct("current_account", "Current account", "account", 2.0, 0.015, 1_500, 1.0, 6.0, 1.0),
    BankProduct("savings_account", "Savings account", "account", 0.0, 0.010, 8_000, 1.0, 1.5, 0.85),
    BankProduct("credit_card", "Credit card", "card", 1.0, 0.100, 1_000, 0.5, 4.0, 0.75),
    BankProduct("personal_loan", "Personal loan", "loan", 0.0, 0.040, 9_000, 0.5, 3.0, 0.40),
    BankProduct("mortgage", "Mortgage", "mortgage", 0.0, 0.008, 160_000, 0.6, 5.0, 0.40),
    BankProduct("investment_fund", "Investment fund", "investment", 0.0, 0.009, 20_000, 1.0, 3.0, 0.45),
    BankProduct("insurance", "Home and life insurance", "insurance", 7.5, 0.0, 0.0, 0.0, 1.0, 0.55),
)


@dataclass(frozen=True)
class RetailCategory:
    """A retail category: typical SKU price, gross margin and number of SKUs."""

    code: str
    name: str
    mean_price: float
    gross_margin: float
    n_skus: int


RETAIL_CATEGORIES: tuple[RetailCategory, ...] = (
    RetailCategory("fresh_food", "Fresh food", 4.0, 0.28, 30),
    RetailCategory("pantry", "Pantry", 3.5, 0.30, 30),
    RetailCategory("beverages", "Beverages", 3.0, 0.32, 20),
    RetailCategory("household", "Household", 6.0, 0.35, 20),
    RetailCategory("baby", "Baby", 12.0, 0.30, 15),
    RetailCategory("pet", "Pet", 9.0, 0.33, 15),
    RetailCategory("beauty", "Beauty", 11.0, 0.45, 20),
    RetailCategory("electronics", "Electronics", 80.0, 0.18, 20),
    RetailCategory("home_garden", "Home and garden", 25.0, 0.38, 20),
    RetailCategory("clothing", "Clothing", 30.0, 0.50, 25),
    RetailCategory("toys", "Toys", 18.0, 0.40, 15),
    RetailCategory("sports", "Sports", 35.0, 0.40, 15),
)

#: preferred channels (trait ``channel_pref``)
CHANNELS = {
    "bank": ("web", "email", "phone", "mobile", "branch"),
    "retail": ("web", "email", "phone", "mobile", "store"),
}


@dataclass(frozen=True)
class CampaignChannel:
    """A campaign channel: cost per contact, the consent it needs, the preferred channel it
    matches (a customer preferring it responds better) and its base effect on take-up
    (added on the logit scale)."""

    code: str
    cost: float
    consent: str
    matches: tuple[str, ...]
    effect: float


CAMPAIGN_CHANNELS: tuple[CampaignChannel, ...] = (
    CampaignChannel("email", 0.05, "consent_email", ("email", "web"), 0.0),
    CampaignChannel("sms", 0.08, "consent_sms", ("mobile",), -0.1),
    CampaignChannel("post", 0.85, "consent_post", ("branch", "store"), -0.2),
    CampaignChannel("phone", 4.50, "consent_phone", ("phone",), 0.6),
)

SERVICE_CHANNELS = {
    "bank": ("web_self_service", "email", "chat", "phone", "branch"),
    "retail": ("web_self_service", "email", "chat", "phone", "store"),
}

REGIONS = ("north", "south", "east", "west", "capital")
VALUE_TIERS = ("low", "medium", "high", "top")
UPLIFT_CLASSES = ("persuadable", "sure_thing", "lost_cause", "do_not_disturb")

#: true segments per domain (their parameters are in :mod:`ecrm_lab.world.traits`)
SEGMENTS = {
    "bank": ("young_digital", "family", "affluent", "retired", "small_business"),
    "retail": ("bargain_hunter", "loyal_family", "premium", "occasional", "online_native"),
}


def affinity_codes(domain: str) -> tuple[str, ...]:
    """Product codes (bank) or category codes (retail) that carry an affinity trait."""
    if domain == "bank":
        return tuple(p.code for p in BANK_PRODUCTS)
    return tuple(c.code for c in RETAIL_CATEGORIES)


def affinity_columns(domain: str) -> tuple[str, ...]:
    """``affinity_<code>`` column names of ``customer_traits`` for ``domain``."""
    return tuple(f"affinity_{c}" for c in affinity_codes(domain))
