"""From one-to-many to one-to-one, in numbers: a mass mailing against personalised offers.

A *mailing plan* is a table with one row per contact: ``customer_id``, ``offer`` (bank product
or retail category code), ``channel`` (``email``, ``sms``, ``post``, ``phone``) and optionally
``discount``. :func:`compare_mailings` values plans with the synthetic world's ONE behaviour
model — :func:`ecrm_lab.world.behaviour.take_up_probability`, contacted and not contacted —
and the economics of the catalogue (:func:`offer_margin`), so the comparison uses exactly the
probabilities that generated the data:

* expected take-ups and response rate,
* incremental take-ups (minus those who would have taken the offer up anyway),
* contact cost, gross margin of the take-ups, net margin and return on the contact spend,
* one simulated outcome (seeded draws of the same probabilities) to show the noise.

:func:`mass_mailing` builds the one-to-many plan (one offer, one channel, everybody who may be
mailed); :func:`personalised_mailing` the one-to-one plan (each customer's best offer through
the channel chosen for them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._random import RandomState, check_random_state
from .._result import Result
from .._validation import Interval, check_columns, check_param
from ..exceptions import DataError
from ._common import CONSENT_COLUMNS, CONTACT_CHANNELS, InteractionMatrix

__all__ = [
    "offer_margin",
    "mass_mailing",
    "personalised_mailing",
    "contact_values",
    "oracle_mailing",
    "MailingComparison",
    "compare_mailings",
]


def offer_margin(
    traits: pd.DataFrame, offer: str, months: int = 12, discount: Any = 0.0
) -> np.ndarray:
    """Gross margin of one take-up of ``offer`` for each customer (rows of ``traits``).

    Bank: ``months`` of the product's monthly revenue at the customer's expected balance minus
    its running cost (:func:`behaviour.product_revenue`, :func:`behaviour.expected_balance`;
    undiscounted). Retail: a campaign take-up is an order with the offered item at the
    discount plus, on average, one more line from the customer's usual basket (as the world's
    campaigns generate them): the offered category's expected price
    (:func:`ecrm_lab.world.products.expected_category_price`) times ``gross margin -
    discount``, plus the expected margin of one line of the customer's category mix
    (:func:`behaviour.category_weights`).
    """
    from ..world import behaviour
    from ..world.catalogue import BANK_PRODUCTS, RETAIL_CATEGORIES

    check_param(months, "months", "offer_margin", int, interval=Interval(1, 600))
    bank = {p.code: p for p in BANK_PRODUCTS}
    retail = [c.code for c in RETAIL_CATEGORIES]
    if offer in bank:
        rev = behaviour.product_revenue(offer, behaviour.expected_balance(traits, offer))
        return months * (rev - bank[offer].cost_month)
    if offer in retail:
        from ..world.products import expected_category_price, price_bin

        j = retail.index(offer)
        prices = expected_category_price(price_bin(traits["price_sensitivity"]))
        gms = np.array([c.gross_margin for c in RETAIL_CATEGORIES])
        extra_line = (behaviour.category_weights(traits) * prices * gms[None, :]).sum(axis=1)
        return prices[:, j] * (gms[j] - np.asarray(discount, dtype=np.float64)) + extra_line
    raise DataError(
        f"offer_margin: {offer!r} is neither a bank product {tuple(bank)} nor a retail "
        f"category {tuple(retail)}."
    )


def _allowed(consent: pd.DataFrame, ids: np.ndarray, channel: str) -> np.ndarray:
    c = consent.set_index("customer_id") if "customer_id" in consent.columns else consent
    col = CONSENT_COLUMNS[channel]
    if col not in c.columns:
        raise DataError(f"no column {col!r} in the consent table.")
    return c[col].reindex(ids).fillna(False).to_numpy(dtype=bool)


def mass_mailing(
    owned: InteractionMatrix,
    consent: pd.DataFrame,
    offer: str,
    channel: str = "email",
    addressable: pd.Series | None = None,
) -> pd.DataFrame:
    """The one-to-many plan: ``offer`` through ``channel`` to every customer who consented to
    the channel, has an address on it (``addressable``: bool Series by customer id) and does
    not hold the offer yet."""
    where = "mass_mailing"
    check_param(channel, "channel", where, str, choices=CONTACT_CHANNELS)
    check_param(offer, "offer", where, str, choices=owned.items)
    ids = owned.customer_ids
    ok = _allowed(consent, ids, channel).copy()
    if addressable is not None:
        ok &= addressable.reindex(ids).fillna(False).to_numpy(dtype=bool)
    j = owned.items.index(offer)
    held = np.asarray((owned.matrix[:, j] > 0).todense()).ravel()
    ok &= ~held
    return pd.DataFrame({"customer_id": ids[ok], "offer": offer, "channel": channel})


def personalised_mailing(
    offers: Any,
    channel_plan: Any,
    rank: int = 1,
    min_utility: float | None = None,
) -> pd.DataFrame:
    """The one-to-one plan: each customer's ``rank``-th best offer (an
    :class:`~ecrm_lab.engines.Offers`) through the channel of ``channel_plan`` (a
    :class:`~ecrm_lab.engines.ChannelPlan`). Customers without an offer or a channel are not
    contacted; with ``min_utility`` neither are those whose planned contact is expected to
    earn less than that (expected value minus cost, the plan's ``utility``)."""
    from .broadcast import ChannelPlan
    from .personalization import Offers

    where = "personalised_mailing"
    if not isinstance(offers, Offers):
        raise DataError(f"{where}: offers must be Offers, got {type(offers).__name__}.")
    if not isinstance(channel_plan, ChannelPlan):
        raise DataError(f"{where}: channel_plan must be a ChannelPlan.")
    check_param(rank, "rank", where, int, interval=Interval(1, offers.index.shape[1]))
    idx = offers.index[:, rank - 1]
    codes = np.asarray(offers.items + (None,), dtype=object)[np.where(idx >= 0, idx, -1)]
    plan = channel_plan.plan.set_index("customer_id")
    chan = plan["channel"].astype(object).reindex(offers.customer_ids).to_numpy(dtype=object)
    ok = (idx >= 0) & pd.notna(chan)
    if min_utility is not None:
        check_param(min_utility, "min_utility", where, float)
        util = plan["utility"].reindex(offers.customer_ids).to_numpy(np.float64)
        ok &= np.nan_to_num(util, nan=-np.inf) > min_utility
    return pd.DataFrame(
        {"customer_id": offers.customer_ids[ok], "offer": codes[ok], "channel": chan[ok]}
    )


def contact_values(offers: Any, item_values: pd.DataFrame) -> pd.Series:
    """Expected value of contacting each customer with their best offer, from observed data:
    the offered item's ``value_per_contact`` (observed campaign take-up rate x margin per
    take-up, see :func:`ecrm_lab.engines.world_data.offer_values`); 0 without an offer."""
    from .personalization import Offers

    where = "contact_values"
    if not isinstance(offers, Offers):
        raise DataError(f"{where}: offers must be Offers, got {type(offers).__name__}.")
    check_columns(item_values, ["value_per_contact"], where)
    v = item_values["value_per_contact"].reindex(list(offers.items)).fillna(0.0)
    first = offers.index[:, 0]
    value = np.where(first >= 0, v.to_numpy(np.float64)[np.maximum(first, 0)], 0.0)
    return pd.Series(
        value, index=pd.Index(offers.customer_ids, name="customer_id"), name="expected_value"
    )


def oracle_mailing(
    traits: pd.DataFrame,
    owned: InteractionMatrix,
    consent: pd.DataFrame,
    addressable: pd.DataFrame | None = None,
    months: int = 12,
    costs: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """The ceiling of one-to-one marketing: with the TRUE take-up probabilities and margins
    (from the traits), each customer gets the offer and channel with the highest expected
    margin minus cost — among the items they do not hold and the channels they consented to
    and can be reached on — and is contacted only when that is positive. No real engine can
    do this; it shows how much is left on the table."""
    from ..world.behaviour import take_up_probability
    from .broadcast import DEFAULT_CONTACT_COST, _align_flags, _consent_frame

    where = "oracle_mailing"
    cost_map = dict(DEFAULT_CONTACT_COST if costs is None else costs)
    ids = owned.customer_ids
    t_all = traits.set_index("customer_id", drop=False)
    known = pd.Index(ids).isin(t_all.index)
    if not known.all():
        raise DataError(f"{where}: {int((~known).sum())} customers have no traits.")
    t = t_all.loc[ids]
    c = _consent_frame(consent, where).reindex(ids).fillna(False)
    addr = _align_flags(addressable, pd.Index(ids), where, "addressable")
    held = owned.dense_bool()
    n = len(ids)
    best = np.full(n, -np.inf)
    best_offer = np.full(n, -1)
    best_ch = np.full(n, -1)
    chans = [ch for ch in CONTACT_CHANNELS if ch in cost_map]
    for j, item in enumerate(owned.items):
        margin = offer_margin(t, item, months)
        for k, ch in enumerate(chans):
            ok = c[ch].to_numpy(bool) & addr[ch].to_numpy(bool) & ~held[:, j]
            u = take_up_probability(t, item, treated=True, channel=ch) * margin - cost_map[ch]
            u = np.where(ok, u, -np.inf)
            better = u > best
            best = np.where(better, u, best)
            best_offer = np.where(better, j, best_offer)
            best_ch = np.where(better, k, best_ch)
    sel = best > 0
    return pd.DataFrame(
        {
            "customer_id": ids[sel],
            "offer": np.asarray(owned.items, dtype=object)[best_offer[sel]],
            "channel": np.asarray(chans, dtype=object)[best_ch[sel]],
        }
    )


@dataclass(frozen=True, repr=False, eq=False)
class MailingComparison(Result):
    """Mailing plans valued with the world's behaviour model.

    Attributes
    ----------
    table : DataFrame
        One row per plan: ``contacts``, ``offers`` (distinct offers used), ``expected_take_ups``,
        ``response_rate``, ``incremental_take_ups`` (minus take-ups without contact),
        ``contact_cost``, ``gross_margin`` (of the expected take-ups), ``net_margin``
        (gross margin - cost), ``incremental_net_margin``, ``roi`` (net margin / cost),
        ``simulated_take_ups`` (one seeded draw).
    months : int
        Months of product margin counted per bank take-up.
    random_state : the seed of the simulated draw
    """

    table: pd.DataFrame
    months: int
    random_state: Any = None
    title = "Mailing plans: expected response and margin"

    def summary(self) -> pd.DataFrame:
        return self.table

    def plot(self, ax=None, metric: str = "net_margin", **kwargs):
        from ..plotting.engines import plot_mailing_comparison

        return plot_mailing_comparison(self, ax=ax, metric=metric, **kwargs)


def compare_mailings(
    plans: Mapping[str, pd.DataFrame],
    traits: pd.DataFrame,
    *,
    months: int = 12,
    costs: Mapping[str, float] | None = None,
    random_state: RandomState = 0,
) -> MailingComparison:
    """Expected response and margin of mailing plans under the world's behaviour model.

    Parameters
    ----------
    plans : mapping name -> DataFrame
        Each with ``customer_id``, ``offer``, ``channel`` and optionally ``discount``.
    traits : DataFrame
        ``customer_traits`` of the world.
    months : int
        Months of product margin per bank take-up (see :func:`offer_margin`).
    costs : mapping, optional
        Cost per contact by channel (default: the world's campaign channel costs).
    random_state : int, Generator or None
        Seeds the one simulated outcome per plan.
    """
    from ..world.behaviour import take_up_probability
    from .broadcast import DEFAULT_CONTACT_COST

    where = "compare_mailings"
    check_param(months, "months", where, int, interval=Interval(1, 600))
    if not plans:
        raise DataError(f"{where}: give at least one plan.")
    cost_map = dict(DEFAULT_CONTACT_COST if costs is None else costs)
    check_columns(traits, ["customer_id"], f"{where} (traits)")
    t_all = traits.set_index("customer_id", drop=False)
    rng = check_random_state(random_state, where)
    rows = []
    for name, plan in plans.items():
        check_columns(plan, ["customer_id", "offer", "channel"], f"{where} (plan {name!r})")
        if plan["customer_id"].duplicated().any():
            raise DataError(f"{where}: plan {name!r} contacts a customer twice.")
        bad = ~plan["channel"].isin(list(cost_map))
        if bad.any():
            raise DataError(
                f"{where}: plan {name!r} uses channel {plan['channel'][bad].iloc[0]!r}; "
                f"use one of {tuple(cost_map)}."
            )
        known = plan["customer_id"].isin(t_all.index)
        if not known.all():
            raise DataError(f"{where}: plan {name!r} has {int((~known).sum())} unknown customers.")
        p_t = np.zeros(len(plan))
        p_0 = np.zeros(len(plan))
        margin = np.zeros(len(plan))
        disc = (
            plan["discount"].to_numpy(np.float64)
            if "discount" in plan.columns
            else np.zeros(len(plan))
        )
        offers = plan["offer"].astype(str).to_numpy()
        for offer in pd.unique(offers):
            sel = offers == offer
            t = t_all.loc[plan["customer_id"].to_numpy()[sel]]
            ch = plan["channel"].astype(str).to_numpy()[sel]
            p_t[sel] = take_up_probability(t, offer, treated=True, channel=ch, discount=disc[sel])
            p_0[sel] = take_up_probability(t, offer, treated=False, discount=disc[sel])
            margin[sel] = offer_margin(t, offer, months, disc[sel])
        cost = plan["channel"].astype(str).map(cost_map).to_numpy(np.float64)
        n = len(plan)
        exp = float(p_t.sum())
        gross = float((p_t * margin).sum())
        inc_gross = float(((p_t - p_0) * margin).sum())
        spend = float(cost.sum())
        sim = int((rng.random(n) < p_t).sum())
        rows.append(
            {
                "plan": name,
                "contacts": n,
                "offers": int(len(pd.unique(offers))),
                "expected_take_ups": exp,
                "response_rate": exp / n if n else np.nan,
                "incremental_take_ups": float((p_t - p_0).sum()),
                "contact_cost": spend,
                "gross_margin": gross,
                "net_margin": gross - spend,
                "incremental_net_margin": inc_gross - spend,
                "roi": (gross - spend) / spend if spend > 0 else np.nan,
                "simulated_take_ups": sim,
            }
        )
    return MailingComparison(
        table=pd.DataFrame(rows).set_index("plan"),
        months=months,
        random_state=random_state if not isinstance(random_state, np.random.Generator) else None,
    )
