"""Step 3 of the world: the ``products`` table, and how retail customers choose SKUs.

Bank: one row per product of :data:`~ecrm_lab.world.catalogue.BANK_PRODUCTS` (price = monthly
fee, unit_cost = monthly running cost, margin_rate = yearly interest margin on the balance).
Retail: one row per SKU (item x variant) of :data:`~ecrm_lab.world.catalogue.RETAIL_CATEGORIES`
(price = list price, unit_cost = cost price, margin_rate = gross margin).

SKU choice (retail)
-------------------
Given the category of a basket item, the SKU is drawn from :func:`sku_probabilities`: the
item's popularity (items listed first in a category are the best sellers, dearer items sell
less: ``rank ** -0.6 * (price / category mean) ** -0.5``) times the variant probability, which
depends on the customer's price sensitivity (value variants for price-sensitive customers,
premium for the others). Price sensitivity is binned into :data:`N_PRICE_BINS` bins.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._context import WorldContext
from .catalogue import BANK_PRODUCTS, RETAIL_CATEGORIES, RETAIL_VARIANTS
from .schema import Column, TableSchema, register

__all__ = [
    "N_PRICE_BINS",
    "retail_skus",
    "sku_probabilities",
    "expected_category_price",
    "price_bin",
    "make_products",
    "PRODUCTS_SCHEMA",
]

N_PRICE_BINS = 5
_VARIANT_FACTOR = np.array([f for _, _, f in RETAIL_VARIANTS])
_VARIANT_MARGIN = np.array([0.8, 1.0, 1.2])


def retail_skus() -> pd.DataFrame:
    """The fixed SKU catalogue: code, name, category index, item rank, variant, price, cost."""
    rows = []
    for ci, c in enumerate(RETAIL_CATEGORIES):
        for i, (item, price) in enumerate(c.items, start=1):
            for vi, (letter, vname, factor) in enumerate(RETAIL_VARIANTS):
                p = round(price * factor, 2)
                margin = min(0.9, c.gross_margin * _VARIANT_MARGIN[vi])
                rows.append(
                    (
                        f"{c.prefix}{i:02d}{letter}",
                        f"{item} ({vname})",
                        ci,
                        c.code,
                        i,
                        vi,
                        p,
                        round(p * (1 - margin), 2),
                        margin,
                    )
                )
    return pd.DataFrame(
        rows,
        columns=[
            "product_code",
            "product_name",
            "cat_idx",
            "category",
            "rank",
            "variant",
            "price",
            "unit_cost",
            "margin_rate",
        ],
    )


_SKU_CACHE: dict[str, object] = {}


def sku_probabilities() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SKU choice model.

    Returns
    -------
    probs : ndarray, shape (N_PRICE_BINS, n_skus)
        P(sku | its category, price bin); sums to 1 within each category.
    cat_idx : ndarray of int, shape (n_skus,)
        Category index of each SKU (order of ``RETAIL_CATEGORIES``); SKUs are grouped by
        category.
    prices : ndarray, shape (n_skus,)
        List prices.
    """
    if "probs" not in _SKU_CACHE:
        sku = retail_skus()
        cat_mean = np.array([c.mean_price for c in RETAIL_CATEGORIES])[sku["cat_idx"]]
        item_price = sku["price"].to_numpy() / _VARIANT_FACTOR[sku["variant"]]
        w_item = sku["rank"].to_numpy() ** -0.6 * (item_price / cat_mean) ** -0.5
        ps = (np.arange(N_PRICE_BINS) + 0.5) / N_PRICE_BINS
        logits = np.stack(
            [2.5 * (ps - 0.5), np.full(N_PRICE_BINS, 0.5), 2.5 * (0.5 - ps) - 0.3], axis=1
        )
        pv = np.exp(logits)
        pv /= pv.sum(axis=1, keepdims=True)
        probs = w_item[None, :] * pv[:, sku["variant"].to_numpy()]
        cat = sku["cat_idx"].to_numpy()
        totals = np.zeros((N_PRICE_BINS, len(RETAIL_CATEGORIES)))
        for b in range(N_PRICE_BINS):
            totals[b] = np.bincount(cat, weights=probs[b], minlength=len(RETAIL_CATEGORIES))
        probs = probs / totals[:, cat]
        _SKU_CACHE.update(probs=probs, cat=cat, prices=sku["price"].to_numpy())
    return _SKU_CACHE["probs"], _SKU_CACHE["cat"], _SKU_CACHE["prices"]  # type: ignore[return-value]


def expected_category_price(bin_idx: np.ndarray) -> np.ndarray:
    """Expected SKU price per category for customers in price bins ``bin_idx``: (n, 12)."""
    probs, cat, prices = sku_probabilities()
    table = np.zeros((N_PRICE_BINS, len(RETAIL_CATEGORIES)))
    for b in range(N_PRICE_BINS):
        table[b] = np.bincount(cat, weights=probs[b] * prices, minlength=len(RETAIL_CATEGORIES))
    return table[np.asarray(bin_idx)]


def price_bin(price_sensitivity) -> np.ndarray:
    """Bin index (0..N_PRICE_BINS-1) of price sensitivities in [0, 1]."""
    ps = np.asarray(price_sensitivity, dtype=np.float64)
    return np.minimum((ps * N_PRICE_BINS).astype(np.int64), N_PRICE_BINS - 1)


PRODUCTS_SCHEMA = register(
    TableSchema(
        "products",
        "What the business sells. Bank: 7 products (price = monthly fee, unit_cost = monthly "
        "running cost, margin_rate = yearly interest margin on the balance). Retail: 249 SKUs, "
        "83 items in value/classic/premium variants (price = list price, unit_cost = cost price, "
        "margin_rate = gross margin).",
        (
            Column(
                "product_code",
                "string",
                "Product code (bank, e.g. 'mortgage') or SKU code "
                "(retail, '<category prefix><item no><V|C|P>', e.g. 'PAN01C').",
                unique=True,
            ),
            Column("product_name", "string", "Name."),
            Column(
                "category",
                "category",
                "Product family (bank) or category (retail).",
                choices=tuple(dict.fromkeys(p.family for p in BANK_PRODUCTS)),
                domains=("bank",),
            ),
            Column(
                "category",
                "category",
                "Product family (bank) or category (retail).",
                choices=tuple(c.code for c in RETAIL_CATEGORIES),
                domains=("retail",),
            ),
            Column("price", "float64", "Monthly fee (bank) or list price (retail).", low=0.0),
            Column(
                "unit_cost",
                "float64",
                "Monthly running cost per holding (bank) or cost price (retail).",
                low=0.0,
            ),
            Column(
                "margin_rate",
                "float64",
                "Yearly interest margin on the balance (bank) or gross margin (retail).",
                low=0.0,
                high=1.0,
            ),
        ),
        primary_key=("product_code",),
    )
)


def make_products(ctx: WorldContext) -> None:
    """Add ``products`` to ``ctx.tables`` (fixed catalogue; no randomness)."""
    if ctx.domain == "bank":
        families = tuple(dict.fromkeys(p.family for p in BANK_PRODUCTS))
        df = pd.DataFrame(
            {
                "product_code": pd.array([p.code for p in BANK_PRODUCTS], dtype="str"),
                "product_name": pd.array([p.name for p in BANK_PRODUCTS], dtype="str"),
                "category": pd.Categorical([p.family for p in BANK_PRODUCTS], categories=families),
                "price": np.array([p.monthly_fee for p in BANK_PRODUCTS]),
                "unit_cost": np.array([p.cost_month for p in BANK_PRODUCTS]),
                "margin_rate": np.array([p.margin_rate for p in BANK_PRODUCTS]),
            }
        )
    else:
        sku = retail_skus()
        df = pd.DataFrame(
            {
                "product_code": sku["product_code"].astype("str"),
                "product_name": sku["product_name"].astype("str"),
                "category": pd.Categorical(
                    sku["category"], categories=[c.code for c in RETAIL_CATEGORIES]
                ),
                "price": sku["price"].astype(np.float64),
                "unit_cost": sku["unit_cost"].astype(np.float64),
                "margin_rate": sku["margin_rate"].astype(np.float64),
            }
        )
    ctx.tables["products"] = df
