"""The latent customer: one row of traits per customer, drawn before anything is observed.

Every observed table of the world is generated *from these traits* through the functions of
:mod:`ecrm_lab.world.behaviour`, and the traits are kept as the truth table
``customer_traits``. That is what makes the ground truth meaningful: a mined segment can be
compared with ``segment``, a response model with ``response_treated``, an uplift model with
``true_uplift`` and a CLV model with ``true_value``.

How the traits are drawn (per customer, in fixed blocks of customers, see
:mod:`ecrm_lab.world._context`):

1. ``segment`` from the domain's segment shares (:data:`SEGMENT_PROFILES`). The segment sets
   the distribution of every other trait.
2. ``value_tier`` from the segment's tier probabilities; ``wealth`` (relative income and
   balance scale, 1 = a typical medium-tier customer) is log-normal around the tier's level.
3. ``price_sensitivity`` ~ logit-normal around the segment's value (``logistic(logit(m) +
   0.8 z)``, median ``m``); ``channel_pref`` from the segment's channel probabilities;
   ``affinity_<code>`` logit-normal around the segment's affinity for each bank product /
   retail category, all lifted by the customer's latent receptiveness ``r ~ N(0, 1)``
   (:data:`RECEPTIVENESS_AFFINITY` r on the logit scale): receptive customers hold more
   products, spend and browse more, and answer offers more, so observed data reveal them.
4. ``purchase_rate`` ~ Gamma (shape :data:`RATE_SHAPE`) around the segment's mean
   transactions (bank) or orders (retail) per month, scaled up slightly with wealth;
   ``dropout_p`` logit-normal around the segment's value (BG/NBD: after each purchase the
   customer becomes inactive with this probability).
5. ``service_distress`` logit-normal around the segment's value: the tendency to run into
   problems and contact service, and to be dissatisfied.
6. ``churn_hazard``: the segment's monthly churn probability, raised by service distress
   (:func:`ecrm_lab.world.behaviour.churn_hazard`).
7. Campaign responsiveness: a latent propensity ``z`` (normal around the domain intercept +
   segment mean + :data:`RECEPTIVENESS_PROPENSITY` r) and an ``uplift_class`` (persuadable,
   sure thing, lost cause, do-not-disturb) from the segment's class probabilities, tilted by
   ``r`` towards persuadables and sure things (:data:`RECEPTIVENESS_UPLIFT`), give ``response_base`` = P(take-up | not contacted) and
   ``response_treated`` = P(take-up | contacted) for a typical offer; ``true_uplift`` is their
   difference. Defaults (bank, personal-loan e-mail to non-holders): contacting customers at random
   gives about 1 % take-up, the top decile by a look-alike model mined from observed data
   about 3.5 %, the top decile by the true take-up probability about 9 %.
8. ``consent_email/sms/phone/post`` ~ Bernoulli with the segment's probabilities.
9. ``monthly_profit`` (expected profit per month while a customer, from holdings/purchases
   expected under the traits minus the cost to serve) and ``true_value`` (its discounted sum
   over the horizon, weighted by the probability of still being a customer). At the bank most
   customers have ``true_value < 0``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import behaviour
from ._context import WorldContext, categorical
from .catalogue import (
    CHANNELS,
    SEGMENTS,
    UPLIFT_CLASSES,
    VALUE_TIERS,
    affinity_codes,
)
from .schema import Column, TableSchema, register

__all__ = [
    "SegmentProfile",
    "SEGMENT_PROFILES",
    "TIER_WEALTH",
    "RATE_SHAPE",
    "TRAIT_COLUMNS",
    "draw_traits",
    "draw_traits_block",
    "TRAITS_SCHEMA",
]

#: wealth level of each value tier (relative to a typical medium-tier customer)
TIER_WEALTH = {"low": 0.45, "medium": 1.0, "high": 2.4, "top": 7.0}
#: log-normal spread of wealth within a tier
WEALTH_SIGMA = 0.35
#: Gamma shape of the purchase-rate heterogeneity (smaller = more heterogeneous)
RATE_SHAPE = 2.0
#: spread (sd on the logit scale) of affinities, price sensitivity, dropout and distress
LOGIT_SD = 0.8
#: spread (sd on the logit scale) of the latent campaign propensity within a segment, beyond
#: what the customer's receptiveness explains
PROPENSITY_SD = 0.35
#: receptiveness ``r ~ N(0, 1)``: one latent disposition to buy financial products / shop
#: categories and to answer offers. It lifts every affinity (logit scale, so products are held
#: together and holdings, spending and page views reveal it), the campaign propensity, and
#: moves the uplift class towards persuadables and sure things.
RECEPTIVENESS_AFFINITY = 1.2
RECEPTIVENESS_PROPENSITY = 1.0
#: logit shift of each uplift class's probability per unit of receptiveness
RECEPTIVENESS_UPLIFT = {
    "persuadable": 0.6,
    "sure_thing": 0.6,
    "lost_cause": -0.6,
    "do_not_disturb": -0.6,
}
#: logit shift of each uplift class: (not contacted, contacted) added to the latent propensity
UPLIFT_SHIFTS = {
    "persuadable": (-1.6, 1.0),
    "sure_thing": (1.3, 1.3),
    "lost_cause": (-2.6, -2.6),
    "do_not_disturb": (0.0, -1.7),
}
#: intercept of the propensity (logit scale) per domain, calibrated so that random contact
#: gives ~1 % take-up
PROPENSITY_INTERCEPT = {"bank": -6.8, "retail": -6.0}


@dataclass(frozen=True)
class SegmentProfile:
    """How the traits of one true segment are distributed (see the module docstring)."""

    name: str
    share: float
    age: tuple[float, float, float, float]  # mean, sd, min, max
    tiers: tuple[float, float, float, float]  # P(low, medium, high, top)
    price_sensitivity: float
    channels: tuple[float, ...]  # P(channel_pref), in the order of CHANNELS[domain]
    affinity: tuple[float, ...]  # mean affinity, in the order of affinity_codes(domain)
    purchase_rate: float  # mean transactions / orders per month
    dropout_p: float
    churn: float  # baseline monthly churn probability
    propensity: float  # mean latent campaign propensity (logit scale, relative)
    uplift: tuple[float, float, float, float]  # P(uplift class), order of UPLIFT_CLASSES
    service_distress: float
    consent: tuple[float, float, float, float]  # P(email, sms, phone, post)


SEGMENT_PROFILES: dict[str, tuple[SegmentProfile, ...]] = {
    "bank": (
        SegmentProfile(
            "young_digital",
            0.24,
            (28, 5, 18, 40),
            (0.55, 0.35, 0.09, 0.01),
            0.65,
            (0.25, 0.10, 0.03, 0.57, 0.05),
            (0.92, 0.30, 0.55, 0.35, 0.08, 0.15, 0.15),
            1.90,
            0.009,
            0.011,
            -0.1,
            (0.35, 0.10, 0.45, 0.10),
            0.25,
            (0.70, 0.60, 0.20, 0.30),
        ),
        SegmentProfile(
            "family",
            0.28,
            (42, 7, 26, 62),
            (0.30, 0.45, 0.20, 0.05),
            0.60,
            (0.35, 0.20, 0.10, 0.25, 0.10),
            (0.92, 0.45, 0.50, 0.45, 0.45, 0.20, 0.50),
            1.60,
            0.006,
            0.006,
            0.0,
            (0.30, 0.12, 0.48, 0.10),
            0.30,
            (0.65, 0.50, 0.30, 0.50),
        ),
        SegmentProfile(
            "affluent",
            0.10,
            (51, 10, 28, 85),
            (0.02, 0.18, 0.45, 0.35),
            0.30,
            (0.30, 0.25, 0.20, 0.15, 0.10),
            (0.92, 0.70, 0.70, 0.20, 0.40, 0.75, 0.55),
            1.55,
            0.005,
            0.007,
            0.3,
            (0.25, 0.20, 0.45, 0.10),
            0.20,
            (0.55, 0.35, 0.25, 0.50),
        ),
        SegmentProfile(
            "retired",
            0.26,
            (72, 6, 60, 98),
            (0.45, 0.35, 0.15, 0.05),
            0.50,
            (0.10, 0.10, 0.30, 0.05, 0.45),
            (0.92, 0.60, 0.30, 0.10, 0.06, 0.35, 0.40),
            0.95,
            0.005,
            0.004,
            -0.4,
            (0.20, 0.10, 0.55, 0.15),
            0.35,
            (0.35, 0.20, 0.45, 0.75),
        ),
        SegmentProfile(
            "small_business",
            0.12,
            (46, 9, 24, 78),
            (0.25, 0.40, 0.25, 0.10),
            0.45,
            (0.35, 0.25, 0.20, 0.10, 0.10),
            (0.95, 0.40, 0.60, 0.55, 0.20, 0.25, 0.35),
            2.50,
            0.006,
            0.009,
            0.1,
            (0.30, 0.12, 0.48, 0.10),
            0.30,
            (0.70, 0.50, 0.40, 0.40),
        ),
    ),
    "retail": (
        SegmentProfile(
            "bargain_hunter",
            0.25,
            (38, 12, 18, 85),
            (0.45, 0.40, 0.13, 0.02),
            0.80,
            (0.20, 0.25, 0.05, 0.15, 0.35),
            (0.70, 0.80, 0.60, 0.60, 0.20, 0.35, 0.30, 0.20, 0.30, 0.35, 0.20, 0.20),
            1.10,
            0.06,
            0.006,
            -0.2,
            (0.35, 0.10, 0.45, 0.10),
            0.30,
            (0.75, 0.50, 0.15, 0.40),
        ),
        SegmentProfile(
            "loyal_family",
            0.25,
            (40, 7, 24, 62),
            (0.20, 0.45, 0.28, 0.07),
            0.55,
            (0.15, 0.15, 0.05, 0.15, 0.50),
            (0.80, 0.80, 0.60, 0.65, 0.55, 0.45, 0.35, 0.25, 0.45, 0.50, 0.60, 0.35),
            1.60,
            0.03,
            0.004,
            -0.3,
            (0.30, 0.15, 0.45, 0.10),
            0.25,
            (0.65, 0.45, 0.20, 0.45),
        ),
        SegmentProfile(
            "premium",
            0.10,
            (48, 11, 24, 88),
            (0.03, 0.17, 0.45, 0.35),
            0.20,
            (0.25, 0.20, 0.10, 0.15, 0.30),
            (0.60, 0.40, 0.50, 0.35, 0.15, 0.35, 0.70, 0.50, 0.60, 0.65, 0.20, 0.45),
            0.70,
            0.04,
            0.005,
            -0.4,
            (0.25, 0.20, 0.45, 0.10),
            0.20,
            (0.55, 0.30, 0.20, 0.50),
        ),
        SegmentProfile(
            "occasional",
            0.28,
            (45, 15, 18, 92),
            (0.60, 0.30, 0.09, 0.01),
            0.50,
            (0.10, 0.10, 0.05, 0.10, 0.65),
            (0.40, 0.40, 0.35, 0.35, 0.10, 0.20, 0.25, 0.30, 0.30, 0.35, 0.20, 0.20),
            0.25,
            0.15,
            0.008,
            -0.9,
            (0.20, 0.10, 0.55, 0.15),
            0.20,
            (0.40, 0.25, 0.10, 0.35),
        ),
        SegmentProfile(
            "online_native",
            0.12,
            (29, 6, 18, 52),
            (0.30, 0.45, 0.20, 0.05),
            0.45,
            (0.45, 0.10, 0.02, 0.40, 0.03),
            (0.30, 0.35, 0.40, 0.30, 0.15, 0.30, 0.55, 0.65, 0.35, 0.60, 0.30, 0.45),
            0.90,
            0.06,
            0.007,
            -0.3,
            (0.35, 0.10, 0.45, 0.10),
            0.35,
            (0.80, 0.65, 0.10, 0.15),
        ),
    ),
}


def _trait_columns() -> tuple[Column, ...]:
    cols = [
        Column(
            "customer_id",
            "int64",
            "Customer key, 1..n (same as customers.customer_id).",
            unique=True,
            low=1,
            references="customers.customer_id",
        ),
        Column(
            "segment",
            "category",
            "True segment; drives the distribution of every other trait.",
            choices=SEGMENTS["bank"],
            domains=("bank",),
        ),
        Column(
            "segment",
            "category",
            "True segment; drives the distribution of every other trait.",
            choices=SEGMENTS["retail"],
            domains=("retail",),
        ),
        Column(
            "value_tier",
            "category",
            "True value tier, drawn from the segment's tier shares.",
            choices=VALUE_TIERS,
        ),
        Column(
            "wealth",
            "float64",
            "Relative income/balance scale (1 = typical medium-tier "
            f"customer): tier level {TIER_WEALTH} times log-normal noise (sigma "
            f"{WEALTH_SIGMA}).",
            low=0.0,
        ),
        Column(
            "price_sensitivity",
            "float64",
            "0 = ignores price, 1 = buys only on price. Logit-normal around the segment value.",
            low=0.0,
            high=1.0,
        ),
        Column(
            "channel_pref",
            "category",
            "Preferred channel.",
            choices=CHANNELS["bank"],
            domains=("bank",),
        ),
        Column(
            "channel_pref",
            "category",
            "Preferred channel.",
            choices=CHANNELS["retail"],
            domains=("retail",),
        ),
    ]
    for dom in ("bank", "retail"):
        for code in affinity_codes(dom):
            what = "product" if dom == "bank" else "category"
            cols.append(
                Column(
                    f"affinity_{code}",
                    "float64",
                    f"Affinity for the {what} '{code}' in [0, 1] (logit-normal around the segment value); "
                    + (
                        "P(holding) = holding_scale x affinity."
                        if dom == "bank"
                        else "basket category weights are proportional to affinity squared."
                    ),
                    low=0.0,
                    high=1.0,
                    domains=(dom,),
                )
            )
    cols += [
        Column(
            "purchase_rate",
            "float64",
            "Expected transactions (bank) / orders (retail) per "
            f"month while active: Gamma (shape {RATE_SHAPE}) around the segment mean.",
            low=0.0,
        ),
        Column(
            "dropout_p",
            "float64",
            "BG/NBD: probability of becoming inactive after each "
            "purchase (logit-normal around the segment value).",
            low=0.0,
            high=1.0,
        ),
        Column(
            "service_distress",
            "float64",
            "Tendency to have problems, contact service and "
            "be dissatisfied (logit-normal around the segment value).",
            low=0.0,
            high=1.0,
        ),
        Column(
            "churn_hazard",
            "float64",
            "Monthly probability of churning (closing the "
            "relationship): segment baseline raised by service distress.",
            low=0.0,
            high=1.0,
        ),
        Column(
            "response_base",
            "float64",
            "P(take-up of a typical offer | not contacted).",
            low=0.0,
            high=1.0,
        ),
        Column(
            "response_treated",
            "float64",
            "P(take-up of a typical offer | contacted).",
            low=0.0,
            high=1.0,
        ),
        Column("true_uplift", "float64", "response_treated - response_base.", low=-1.0, high=1.0),
        Column(
            "uplift_class",
            "category",
            "persuadable (responds only if contacted), sure_thing "
            "(responds anyway), lost_cause (never), do_not_disturb (contact backfires).",
            choices=UPLIFT_CLASSES,
        ),
        Column("consent_email", "bool", "Permission to market by e-mail."),
        Column("consent_sms", "bool", "Permission to market by SMS."),
        Column("consent_phone", "bool", "Permission to market by phone."),
        Column("consent_post", "bool", "Permission to market by post."),
        Column(
            "monthly_profit",
            "float64",
            "Expected profit per month while a customer: "
            "expected revenue of the holdings (bank) or purchases (retail) the traits imply, "
            "minus the cost to serve (behaviour.expected_monthly_profit).",
        ),
        Column(
            "true_value",
            "float64",
            "True customer value over the horizon: monthly_profit "
            "times the probability of still being a customer, discounted at "
            f"{behaviour.ANNUAL_DISCOUNT:.0%} a year (behaviour.true_value).",
        ),
    ]
    return tuple(cols)


TRAITS_SCHEMA = register(
    TableSchema(
        "customer_traits",
        "The latent model of each customer (ground truth): drawn first, from the segment, and "
        "used by every source of the world through ecrm_lab.world.behaviour.",
        _trait_columns(),
        primary_key=("customer_id",),
        kind="truth",
    )
)

#: the columns of ``customer_traits`` in order, per domain
TRAIT_COLUMNS = {
    dom: tuple(c.name for c in TRAITS_SCHEMA.columns_for(dom)) for dom in ("bank", "retail")
}


def _logit_normal(
    rng: np.random.Generator, median_table: np.ndarray, seg: np.ndarray, shift=None
) -> np.ndarray:
    """Values in (0, 1) with median ``median_table[seg]``: ``logistic(logit(median) +
    LOGIT_SD * z)`` (the logit is taken on the small per-segment table); ``shift`` (per row)
    is added on the logit scale."""
    med = np.clip(median_table, 1e-4, 1 - 1e-4)
    center = np.log(med / (1 - med))[seg]
    center += LOGIT_SD * rng.standard_normal(center.shape)
    if shift is not None:
        center += shift if center.ndim == 1 else shift[:, None]
    return behaviour.logistic(center)


def _table(prof, attr: str) -> np.ndarray:
    return np.array([getattr(p, attr) for p in prof], dtype=np.float64)


def _draw_block(domain: str, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """The drawn traits of ``n`` customers from ``rng``, as arrays (categories as codes).

    See the module docstring for the model. Every draw is vectorised over the block.
    """
    prof = SEGMENT_PROFILES[domain]
    seg = rng.choice(len(prof), size=n, p=_table(prof, "share"))

    def per_seg(attr: str) -> np.ndarray:
        return _table(prof, attr)[seg]

    tier = behaviour.draw_from_table(rng, _table(prof, "tiers"), seg)
    tier_level = np.array([TIER_WEALTH[t] for t in VALUE_TIERS])[tier]
    wealth = tier_level * np.exp(rng.normal(-0.5 * WEALTH_SIGMA**2, WEALTH_SIGMA, n))
    price = _logit_normal(rng, _table(prof, "price_sensitivity"), seg)
    channel = behaviour.draw_from_table(rng, _table(prof, "channels"), seg)
    recept = rng.standard_normal(n)
    aff = _logit_normal(rng, _table(prof, "affinity"), seg, RECEPTIVENESS_AFFINITY * recept)
    rate_mean = per_seg("purchase_rate") * wealth**0.1
    rate = rng.gamma(RATE_SHAPE, rate_mean / RATE_SHAPE)
    dropout = _logit_normal(rng, _table(prof, "dropout_p"), seg)
    seg_distress = per_seg("service_distress")
    distress = _logit_normal(rng, _table(prof, "service_distress"), seg)
    hazard = np.clip(per_seg("churn") * np.exp(2.0 * (distress - seg_distress)), 1e-4, 0.5)
    z = (
        PROPENSITY_INTERCEPT[domain]
        + per_seg("propensity")
        + RECEPTIVENESS_PROPENSITY * recept
        + rng.normal(0.0, PROPENSITY_SD, n)
    )
    tilt = np.array([RECEPTIVENESS_UPLIFT[c] for c in UPLIFT_CLASSES])
    uplift_p = _table(prof, "uplift")[seg] * np.exp(recept[:, None] * tilt[None, :])
    uplift_cls = behaviour.draw_categorical(rng, uplift_p)
    shifts = np.array([UPLIFT_SHIFTS[c] for c in UPLIFT_CLASSES])[uplift_cls]
    resp_base = behaviour.logistic(z + shifts[:, 0])
    resp_treated = behaviour.logistic(z + shifts[:, 1])
    consent = rng.random((n, 4)) < _table(prof, "consent")[seg]

    cols: dict[str, np.ndarray] = {
        "segment": seg,
        "value_tier": tier,
        "wealth": wealth,
        "price_sensitivity": price,
        "channel_pref": channel,
    }
    for j, code in enumerate(affinity_codes(domain)):
        cols[f"affinity_{code}"] = aff[:, j]
    cols.update(
        purchase_rate=rate,
        dropout_p=dropout,
        service_distress=distress,
        churn_hazard=hazard,
        response_base=resp_base,
        response_treated=resp_treated,
        true_uplift=resp_treated - resp_base,
        uplift_class=uplift_cls,
        consent_email=consent[:, 0],
        consent_sms=consent[:, 1],
        consent_phone=consent[:, 2],
        consent_post=consent[:, 3],
    )
    return cols


def _categories(domain: str) -> dict[str, tuple[str, ...]]:
    """The categorical trait columns and their categories."""
    return {
        "segment": SEGMENTS[domain],
        "value_tier": VALUE_TIERS,
        "channel_pref": CHANNELS[domain],
        "uplift_class": UPLIFT_CLASSES,
    }


def _frame(domain: str, lo: int, arrays: dict[str, np.ndarray], months: int) -> pd.DataFrame:
    """``customer_traits`` from drawn arrays of customers ``lo+1 ..``, with the economics
    (``monthly_profit``, ``true_value``) computed from the traits by the behaviour model."""
    n = len(arrays["segment"])
    cats = _categories(domain)
    cols: dict[str, object] = {"customer_id": np.arange(lo + 1, lo + n + 1, dtype=np.int64)}
    for name, values in arrays.items():
        if name in cats:
            cols[name] = categorical(values, cats[name])
        else:
            cols[name] = values
    df = pd.DataFrame(cols, copy=False)
    profit = behaviour.expected_monthly_profit(df, domain)
    df["monthly_profit"] = profit
    df["true_value"] = behaviour.true_value(profit, arrays["churn_hazard"], months)
    return df


def draw_traits_block(
    domain: str, rng: np.random.Generator, lo: int, hi: int, months: int
) -> pd.DataFrame:
    """Traits of customers ``lo+1 .. hi`` drawn from ``rng`` (one block of the world)."""
    return _frame(domain, lo, _draw_block(domain, rng, hi - lo), months)


def draw_traits(ctx: WorldContext) -> pd.DataFrame:
    """Draw ``customer_traits`` for the whole world, block by block (chunk-invariant).

    Each block writes its rows into preallocated columns (no per-block frames to
    concatenate); the economics are then computed once over the whole table.
    """
    cats = _categories(ctx.domain)
    derived = ("customer_id", "monthly_profit", "true_value")
    columns = {
        name: np.int8 if name in cats else bool if name.startswith("consent_") else np.float64
        for name in TRAIT_COLUMNS[ctx.domain]
        if name not in derived
    }
    out, _ = ctx.fill_blocks(
        "traits", columns, lambda lo, hi, rng: (_draw_block(ctx.domain, rng, hi - lo), None)
    )
    return _frame(ctx.domain, 0, out, ctx.months)
