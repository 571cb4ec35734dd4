"""What each synthetic business sells, and the names every source shares.

The bank sells seven products (:data:`BANK_PRODUCTS`); the retailer sells 249 SKUs (83 items
in three variants) in twelve categories (:data:`RETAIL_CATEGORIES`). A customer's affinity trait exists per bank product and
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
    "RETAIL_VARIANTS",
    "sku_code",
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
    BankProduct(
        "investment_fund", "Investment fund", "investment", 0.0, 0.009, 20_000, 1.0, 3.0, 0.45
    ),
    BankProduct("insurance", "Home and life insurance", "insurance", 7.5, 0.0, 0.0, 0.0, 1.0, 0.55),
)


@dataclass(frozen=True)
class RetailCategory:
    """A retail category: its items (name, classic price), SKU code prefix and gross margin.

    Each item is sold in three variants (SKUs): ``V`` value (0.7 x price), ``C`` classic and
    ``P`` premium (1.6 x price); SKU codes are ``<prefix><item number><variant>``, e.g.
    ``PAN01C`` = classic pasta.
    """

    code: str
    name: str
    prefix: str
    gross_margin: float
    items: tuple[tuple[str, float], ...]

    @property
    def mean_price(self) -> float:
        return sum(p for _, p in self.items) / len(self.items)

    @property
    def n_skus(self) -> int:
        return 3 * len(self.items)


RETAIL_VARIANTS = (("V", "value", 0.7), ("C", "classic", 1.0), ("P", "premium", 1.6))

RETAIL_CATEGORIES: tuple[RetailCategory, ...] = (
    RetailCategory(
        "fresh_food",
        "Fresh food",
        "FRE",
        0.28,
        (
            ("Milk", 1.2),
            ("Bread", 1.5),
            ("Eggs", 2.4),
            ("Cheddar", 3.5),
            ("Parmesan", 4.5),
            ("Bananas", 1.1),
            ("Apples", 2.2),
            ("Chicken", 5.5),
            ("Salad", 1.6),
            ("Yoghurt", 1.8),
        ),
    ),
    RetailCategory(
        "pantry",
        "Pantry",
        "PAN",
        0.30,
        (
            ("Pasta", 1.3),
            ("Tomato sauce", 2.0),
            ("Rice", 2.2),
            ("Cereal", 3.2),
            ("Coffee", 5.5),
            ("Tea", 3.0),
            ("Crisps", 1.8),
            ("Biscuits", 1.6),
            ("Olive oil", 6.5),
            ("Tortilla chips", 1.9),
        ),
    ),
    RetailCategory(
        "beverages",
        "Beverages",
        "BEV",
        0.32,
        (
            ("Water", 0.9),
            ("Cola", 1.8),
            ("Orange juice", 2.3),
            ("Beer", 5.5),
            ("Red wine", 8.0),
            ("White wine", 7.5),
            ("Sparkling wine", 12.0),
        ),
    ),
    RetailCategory(
        "household",
        "Household",
        "HOU",
        0.35,
        (
            ("Washing powder", 8.0),
            ("Dish soap", 2.0),
            ("Toilet paper", 4.5),
            ("Kitchen roll", 3.0),
            ("Bin bags", 2.5),
            ("Cleaning spray", 2.8),
            ("Light bulbs", 6.0),
        ),
    ),
    RetailCategory(
        "baby",
        "Baby",
        "BAB",
        0.30,
        (
            ("Nappies", 11.0),
            ("Baby wipes", 3.0),
            ("Baby formula", 14.0),
            ("Baby bottle", 9.0),
            ("Baby food", 1.6),
        ),
    ),
    RetailCategory(
        "pet",
        "Pet",
        "PET",
        0.33,
        (
            ("Dog food", 12.0),
            ("Dog treats", 4.0),
            ("Cat food", 9.0),
            ("Cat litter", 7.0),
            ("Pet toy", 6.0),
        ),
    ),
    RetailCategory(
        "beauty",
        "Beauty",
        "BEA",
        0.45,
        (
            ("Shampoo", 4.0),
            ("Conditioner", 4.0),
            ("Shower gel", 3.0),
            ("Toothpaste", 2.5),
            ("Face cream", 15.0),
            ("Perfume", 45.0),
            ("Razor", 9.0),
        ),
    ),
    RetailCategory(
        "electronics",
        "Electronics",
        "ELE",
        0.18,
        (
            ("Headphones", 60.0),
            ("Games console", 300.0),
            ("Video game", 50.0),
            ("Controller", 55.0),
            ("Printer", 120.0),
            ("Printer ink", 25.0),
            ("Phone charger", 18.0),
        ),
    ),
    RetailCategory(
        "home_garden",
        "Home and garden",
        "HOM",
        0.38,
        (
            ("Paint", 22.0),
            ("Paint brush", 7.0),
            ("Plant pot", 12.0),
            ("Compost", 8.0),
            ("Cushion", 15.0),
            ("Lamp", 35.0),
            ("Towels", 18.0),
        ),
    ),
    RetailCategory(
        "clothing",
        "Clothing",
        "CLO",
        0.50,
        (
            ("T-shirt", 12.0),
            ("Jeans", 40.0),
            ("Socks", 6.0),
            ("Jumper", 35.0),
            ("Jacket", 80.0),
            ("Dress", 45.0),
            ("Trainers", 60.0),
        ),
    ),
    RetailCategory(
        "toys",
        "Toys",
        "TOY",
        0.40,
        (
            ("Building blocks", 30.0),
            ("Doll", 18.0),
            ("Board game", 25.0),
            ("Puzzle", 12.0),
            ("Toy car", 9.0),
        ),
    ),
    RetailCategory(
        "sports",
        "Sports",
        "SPO",
        0.40,
        (
            ("Running shoes", 75.0),
            ("Sports socks", 8.0),
            ("Yoga mat", 20.0),
            ("Tent", 120.0),
            ("Sleeping bag", 60.0),
            ("Water bottle", 10.0),
        ),
    ),
)


def sku_code(category: str, item: str, variant: str = "C") -> str:
    """The SKU code of ``item`` of retail ``category`` in ``variant`` (V, C or P).

    >>> sku_code("pantry", "Pasta")
    'PAN01C'
    """
    for c in RETAIL_CATEGORIES:
        if c.code == category:
            for i, (name, _) in enumerate(c.items, start=1):
                if name == item:
                    return f"{c.prefix}{i:02d}{variant}"
            raise KeyError(f"no item {item!r} in category {category!r}")
    raise KeyError(f"no retail category {category!r}")


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
