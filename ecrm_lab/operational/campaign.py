"""Campaign management: the six features of the module as one workflow, and its economics.

A :class:`Campaign` walks through the states ``planned -> approved -> executed -> measured``
(or ``cancelled``) and records every action in an audit trail; an action the state does not
allow raises :class:`~ecrm_lab.operational._common.WorkflowError`. The six features of
campaign management map onto its methods:

=====================  ==================================================================
workflow               the states, :meth:`Campaign.approve`, :meth:`Campaign.cancel`,
                       :meth:`Campaign.audit_trail`
segmentation           :meth:`Campaign.target` — from segments, model scores or a sample
personalisation        :meth:`Campaign.personalise` — offer, discount, message and channel
                       per customer
execution              :meth:`Campaign.execute` — multi-channel sends with a cost per
                       contact, consent checked for every send, frequency caps against the
                       contact history; a random control group is never contacted
response management    :func:`match_responses` — take-ups matched to the contact that
                       preceded them within the attribution window
response modelling     :mod:`ecrm_lab.operational.uplift` — response and uplift models
                       trained on a randomised pilot
=====================  ==================================================================

:func:`evaluate_campaign` (called by :meth:`Campaign.measure`) turns the contacts and the
take-ups into the metrics of the course — response rate, take-up rate, cost per contact,
CPM, cost per click, cost per acquisition, revenue, margin, ROI — and, against the control
group, the *incremental* take-up and profit with confidence intervals. :func:`plan_contacts`
decides how many customers to contact under a budget by expected profit;
:func:`compare_channels` sets online against traditional direct marketing.

How customers react is never invented here: the simulation asks
:mod:`ecrm_lab.world.behaviour` (``take_up_probability``, ``open_probability``,
``click_probability``, ``contact_cost``) with the latent traits of each customer. Only the
*timing* of contacts and responses and the lead times of channels, which the behaviour model
does not describe, are defined in this module (:data:`RESPONSE_DELAY_MEAN` — the world's
campaign convention —, :data:`CREATION_DAYS`, :data:`DELIVERY_DAYS`,
:func:`contact_offset_days`, :func:`response_delay_days`).

Examples
--------
>>> from ecrm_lab.operational import population_traits, Campaign, CampaignPlan
>>> traits = population_traits("bank", 5000, seed=3)
>>> audience = traits[["customer_id", "consent_email", "consent_sms", "consent_phone",
...                    "consent_post"]]
>>> c = Campaign(CampaignPlan("credit_card", channels=("email",)), audience, random_state=1)
>>> result = c.approve().execute(traits).measure()
>>> c.state
'measured'
>>> bool(result["contacts"] > 0)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from .._random import RandomState
from .._result import MetricResult, Result
from .._validation import (
    Interval,
    Param,
    check_columns,
    check_numeric_column,
    check_param,
    validate_params,
)
from ..exceptions import DataError, InvalidParameterError
from ..world import behaviour
from ..world.catalogue import (
    BANK_PRODUCTS,
    CAMPAIGN_CHANNELS,
    RETAIL_CATEGORIES,
    affinity_codes,
)
from ._common import (
    WorkflowError,
    align_traits,
    as_rng,
    as_traits,
    bootstrap_sum_diff,
    check_confidence,
    newcombe_interval,
    safe_ratio,
    wilson_interval,
)

__all__ = [
    "CHANNEL_CODES",
    "ONLINE_CHANNELS",
    "CONSENT_COLUMNS",
    "CONTACT_COST",
    "RESPONSE_DELAY_MEAN",
    "CREATION_DAYS",
    "DELIVERY_DAYS",
    "CAMPAIGN_STATES",
    "PLAN_PARAMS",
    "contact_offset_days",
    "response_delay_days",
    "offer_economics",
    "CampaignPlan",
    "Campaign",
    "CampaignResult",
    "CampaignComparison",
    "compare_campaigns",
    "DEFAULT_OFFER",
    "match_responses",
    "evaluate_campaign",
    "ContactPlan",
    "plan_contacts",
    "ChannelComparison",
    "compare_channels",
]

#: campaign channels, in the order of the catalogue
CHANNEL_CODES = tuple(c.code for c in CAMPAIGN_CHANNELS)
#: channels of online direct marketing (the rest are traditional)
ONLINE_CHANNELS = ("email", "sms")
#: the consent column each channel needs (permission marketing)
CONSENT_COLUMNS = {c.code: c.consent for c in CAMPAIGN_CHANNELS}
#: cost of one contact by channel (the world's catalogue)
CONTACT_COST = {c.code: c.cost for c in CAMPAIGN_CHANNELS}
_COST = CONTACT_COST

# -- timing: as in the world's campaigns, plus the lead times of the channels ---------------
#: mean of the exponential part of the delay from (would-be) contact to take-up: a take-up
#: comes ``1 + Exponential(8)`` days after the contact, for contacted and control customers
#: alike (the world's campaign source uses the same delays)
RESPONSE_DELAY_MEAN = 8.0
#: days to create and launch a campaign in each channel (copy, creative, print, call lists)
CREATION_DAYS = {"email": 3.0, "sms": 2.0, "post": 21.0, "phone": 10.0}
#: days to deliver every contact of a campaign (post: printing and mail; phone: working
#: through the call list); each contact lands at a uniform time within them
DELIVERY_DAYS = {"email": 0.0, "sms": 0.0, "post": 3.0, "phone": 7.0}

#: a product (bank) or category (retail) that about 1 % of customers take up when offered at
#: random by e-mail — the lessons' default offer
DEFAULT_OFFER = {"bank": "personal_loan", "retail": "sports"}

CAMPAIGN_STATES = ("planned", "approved", "executed", "measured", "cancelled")
_ALLOWED = {
    "planned": ("target", "personalise", "approve", "cancel"),
    "approved": ("execute", "cancel"),
    "executed": ("measure",),
    "measured": ("measure",),
    "cancelled": (),
}


def contact_offset_days(channel: Any, rng: np.random.Generator) -> np.ndarray:
    """Days from the campaign start to each contact: a uniform time within the channel's
    :data:`DELIVERY_DAYS`, during the working day (9:00-18:00)."""
    ch = pd.Categorical(np.atleast_1d(np.asarray(channel, dtype=object)))
    days = np.array([DELIVERY_DAYS[c] for c in ch.categories], dtype=np.float64)
    return _offsets(days[np.asarray(ch.codes)] if len(ch) else np.zeros(0), rng)


def _offsets(spread: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    u = rng.random((2, len(spread)))
    return np.floor(u[0] * spread) + (9.0 + 9.0 * u[1]) / 24.0


def response_delay_days(traits: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Days from the (would-be) contact to a take-up: ``1 + Exponential(RESPONSE_DELAY_MEAN)``
    for every customer who takes up, contacted or not — the world's campaign convention, so
    a treatment group and its control group are measured alike. (Timing is not part of
    :mod:`ecrm_lab.world.behaviour`; it does not depend on the traits.)"""
    return 1.0 + rng.exponential(RESPONSE_DELAY_MEAN, len(traits))


def offer_economics(domain: str, product_code: str, months: int = 12) -> dict[str, float]:
    """Revenue and margin of one take-up for a typical customer, from the catalogue.

    Bank: ``months`` of the product's revenue at the balance of a typical (wealth 1)
    customer, minus ``months`` of its running cost. Retail: one promoted basket of the
    category (``1 + BASKET_EXTRA_ITEMS`` items at the category's mean price) at its gross
    margin.

    Examples
    --------
    >>> offer_economics("bank", "credit_card")
    {'revenue': 112.0, 'margin': 64.0}
    """
    where = "offer_economics"
    check_param(domain, "domain", where, str, choices=("bank", "retail"))
    check_param(product_code, "product_code", where, str, choices=affinity_codes(domain))
    check_param(months, "months", where, int, interval=Interval(1, None))
    if domain == "bank":
        p = {q.code: q for q in BANK_PRODUCTS}[product_code]
        revenue = months * float(behaviour.product_revenue(product_code, p.balance_scale))
        margin = revenue - months * p.cost_month
    else:
        c = {q.code: q for q in RETAIL_CATEGORIES}[product_code]
        revenue = (1.0 + behaviour.BASKET_EXTRA_ITEMS) * c.mean_price
        margin = revenue * c.gross_margin
    return {"revenue": round(revenue, 6), "margin": round(margin, 6)}


# ---------------------------------------------------------------------------------------------
# the plan
# ---------------------------------------------------------------------------------------------
_ALL_PRODUCTS = tuple(dict.fromkeys(affinity_codes("bank") + affinity_codes("retail")))

PLAN_PARAMS = (
    Param(
        "product_code",
        str,
        "credit_card",
        "product (bank) or category (retail) offered",
        choices=_ALL_PRODUCTS,
    ),
    Param(
        "budget",
        float,
        None,
        "most money to spend (fixed cost + contacts); None: no limit",
        Interval(0, None),
        nullable=True,
    ),
    Param(
        "control_share",
        float,
        0.1,
        "share of eligible customers held out as the control group (never contacted)",
        Interval(0, 1, "left"),
    ),
    Param(
        "window_days",
        int,
        30,
        "attribution window: days after a contact in which a take-up counts as a response",
        Interval(1, 365),
    ),
    Param(
        "max_contacts",
        int,
        3,
        "frequency cap: most campaign contacts a customer may "
        "receive within cap_days, this one included",
        Interval(1, 100),
    ),
    Param("cap_days", int, 30, "days the frequency cap looks back", Interval(1, 365)),
    Param("discount", float, 0.0, "price discount offered, a fraction", Interval(0, 1, "left")),
    Param(
        "revenue_per_take_up",
        float,
        None,
        "revenue of one take-up before discount; None: from the catalogue (offer_economics)",
        Interval(0, None),
        nullable=True,
    ),
    Param(
        "margin_per_take_up",
        float,
        None,
        "margin of one take-up before discount; None: from the catalogue",
        nullable=True,
    ),
    Param(
        "fixed_cost", float, 0.0, "fixed cost of the campaign (creative, set-up)", Interval(0, None)
    ),
    Param("start", str, "2025-01-01", "date of the sends"),
    Param("name", str, "campaign", "name of the campaign"),
)


@dataclass(frozen=True)
class CampaignPlan:
    """What a campaign offers, to whom it may speak, and what it may spend.

    Parameters
    ----------
    product_code : str
        Product (bank) or category (retail) offered by default; :meth:`Campaign.personalise`
        can offer another product per customer.
    channels : tuple of str
        Campaign channels the campaign may use, in order of preference (``email``, ``sms``,
        ``post``, ``phone``).
    budget, control_share, window_days, max_contacts, cap_days, discount,
    revenue_per_take_up, margin_per_take_up, fixed_cost, start, name
        See :data:`PLAN_PARAMS` (each is validated; a negative budget, a share above 1 or a
        window of zero days raise :class:`~ecrm_lab.exceptions.InvalidParameterError`).

    Examples
    --------
    >>> CampaignPlan("credit_card", budget=-5.0)
    Traceback (most recent call last):
    ...
    ecrm_lab.exceptions.InvalidParameterError: The 'budget' parameter of CampaignPlan must be a float in [0, inf) or None. Got -5.0 instead.
    """

    product_code: str = "credit_card"
    channels: tuple[str, ...] = ("email",)
    budget: float | None = None
    control_share: float = 0.1
    window_days: int = 30
    max_contacts: int = 3
    cap_days: int = 30
    discount: float = 0.0
    revenue_per_take_up: float | None = None
    margin_per_take_up: float | None = None
    fixed_cost: float = 0.0
    start: str = "2025-01-01"
    name: str = "campaign"

    def __post_init__(self) -> None:
        where = "CampaignPlan"
        values = {p.name: getattr(self, p.name) for p in PLAN_PARAMS}
        if isinstance(values["budget"], int) and not isinstance(values["budget"], bool):
            values["budget"] = float(values["budget"])
        for key in ("revenue_per_take_up", "margin_per_take_up", "fixed_cost"):
            v = values[key]
            if isinstance(v, int) and not isinstance(v, bool):
                values[key] = float(v)
        if isinstance(values["start"], pd.Timestamp):
            values["start"] = str(values["start"].date())
        clean = validate_params(PLAN_PARAMS, values, where)
        for k, v in clean.items():
            object.__setattr__(self, k, v)
        chans = (self.channels,) if isinstance(self.channels, str) else tuple(self.channels)
        if not chans or any(c not in CHANNEL_CODES for c in chans) or len(set(chans)) < len(chans):
            raise InvalidParameterError(
                f"The 'channels' parameter of {where} must be a non-empty tuple of distinct "
                f"campaign channels from {CHANNEL_CODES}. Got {self.channels!r} instead."
            )
        object.__setattr__(self, "channels", chans)
        try:
            start = pd.Timestamp(self.start)
        except (TypeError, ValueError):
            start = None
        if start is None or pd.isna(start):
            raise InvalidParameterError(
                f"The 'start' parameter of {where} must be a date such as '2025-01-01'. "
                f"Got {self.start!r} instead."
            )
        if (
            self.revenue_per_take_up is not None
            and self.margin_per_take_up is not None
            and self.margin_per_take_up > self.revenue_per_take_up
        ):
            raise InvalidParameterError(
                f"The 'margin_per_take_up' parameter of {where} must not exceed "
                f"revenue_per_take_up ({self.revenue_per_take_up}). Got "
                f"{self.margin_per_take_up} instead."
            )
        if self.budget is not None and self.fixed_cost > self.budget:
            raise InvalidParameterError(
                f"The 'budget' parameter of {where} must cover the fixed cost "
                f"({self.fixed_cost}). Got {self.budget} instead."
            )

    @property
    def start_date(self) -> pd.Timestamp:
        return pd.Timestamp(self.start).as_unit("ns")

    def economics(self, domain: str, product_code: str | None = None) -> tuple[float, float]:
        """(revenue, margin) of one take-up of ``product_code`` before any discount."""
        code = product_code or self.product_code
        cat = offer_economics(domain, code)
        rev = cat["revenue"] if self.revenue_per_take_up is None else self.revenue_per_take_up
        mar = cat["margin"] if self.margin_per_take_up is None else self.margin_per_take_up
        return float(rev), float(mar)

    def to_frame(self) -> pd.DataFrame:
        """The plan as a two-column table (parameter, value)."""
        rows = [("channels", ", ".join(self.channels))]
        rows += [(p.name, getattr(self, p.name)) for p in PLAN_PARAMS]
        return pd.DataFrame(rows, columns=["parameter", "value"]).astype({"value": object})


# ---------------------------------------------------------------------------------------------
# response management
# ---------------------------------------------------------------------------------------------
def match_responses(
    contacts: pd.DataFrame,
    responses: pd.DataFrame,
    window_days: int = 30,
    *,
    customer: str = "customer_id",
    contact_date: str = "contact_date",
    response_date: str = "response_date",
    contact_id: str = "contact_id",
) -> pd.DataFrame:
    """Match each response to the latest contact of the same customer within the window.

    A response on day ``t`` is credited to the customer's latest contact on a day in
    ``[t - window_days, t]``; responses with no such contact stay unmatched (organic).

    Returns
    -------
    DataFrame
        ``responses`` (in their order) with ``contact_id`` (NA when unmatched),
        ``days_after_contact`` and ``matched`` (bool).

    Examples
    --------
    >>> contacts = pd.DataFrame({"contact_id": [1, 2], "customer_id": [7, 8],
    ...     "contact_date": pd.to_datetime(["2025-01-01", "2025-01-01"])})
    >>> responses = pd.DataFrame({"customer_id": [7, 8, 9],
    ...     "response_date": pd.to_datetime(["2025-01-05", "2025-03-01", "2025-01-02"])})
    >>> match_responses(contacts, responses, 30)["matched"].tolist()
    [True, False, False]
    """
    where = "match_responses"
    check_param(window_days, "window_days", where, int, interval=Interval(1, None))
    check_columns(contacts, [customer, contact_date, contact_id], where + " (contacts)")
    check_columns(responses, [customer, response_date], where + " (responses)")
    left = responses.copy()
    left["_pos"] = np.arange(len(left))
    left["_rdate"] = pd.to_datetime(left[response_date]).astype("datetime64[ns]")
    left["_cust"] = left[customer].to_numpy(dtype=np.int64)
    # only the contacts of customers who responded can be matched
    c_cust = contacts[customer].to_numpy(dtype=np.int64)
    keep = np.isin(c_cust, left["_cust"].to_numpy())
    contacts = contacts[keep]
    right = pd.DataFrame(
        {
            "_cust": contacts[customer].to_numpy(dtype=np.int64),
            "_cdate": pd.to_datetime(contacts[contact_date]).astype("datetime64[ns]").to_numpy(),
            "_cid": contacts[contact_id].to_numpy(),
        }
    )
    if left["_rdate"].isna().any():
        raise DataError(f"{where}: column {response_date!r} has missing dates.")
    left = left.sort_values(["_rdate", "_cust"], kind="stable").reset_index(drop=True)
    right = right.sort_values(["_cdate", "_cust"], kind="stable").reset_index(drop=True)
    merged = pd.merge_asof(
        left,
        right,
        left_on="_rdate",
        right_on="_cdate",
        by="_cust",
        direction="backward",
        tolerance=pd.Timedelta(days=window_days),
    )
    merged = merged.sort_values("_pos", kind="stable").reset_index(drop=True)
    matched = merged["_cid"].notna().to_numpy()
    out = merged.drop(columns=["_pos", "_rdate", "_cust", "_cdate", "_cid"])
    cid = merged["_cid"]
    out[contact_id] = cid.astype("Int64") if right["_cid"].dtype.kind in "iuf" else cid
    out["days_after_contact"] = (merged["_rdate"] - merged["_cdate"]) / pd.Timedelta(days=1)
    out["matched"] = matched
    return out


# ---------------------------------------------------------------------------------------------
# economics
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False, repr=False)
class CampaignResult(MetricResult):
    """The measured outcome of one campaign.

    Attributes
    ----------
    metrics : DataFrame
        ``metric``, ``value``, ``ci_low``, ``ci_high`` (confidence interval where one
        exists), ``unit``. See :func:`evaluate_campaign` for the list.
    by_channel : DataFrame
        Contacts, cost and responses per channel, with CPM, CPC and CPA.
    outcomes : DataFrame
        One row per customer of the treatment or control group: ``customer_id``, ``group``,
        ``contacted``, ``took_up`` (a take-up within the window), ``attributed`` (matched to
        a contact), ``margin`` (margin of that take-up, 0 otherwise).
    responses : DataFrame
        Every take-up with its matched contact (:func:`match_responses`).
    window_days : int
    confidence : float
    incremental_profit_draws : numpy.ndarray
        Bootstrap replicates of the incremental profit (seeded).
    name : str
    """

    metrics: pd.DataFrame
    by_channel: pd.DataFrame
    outcomes: pd.DataFrame
    responses: pd.DataFrame
    window_days: int
    confidence: float
    incremental_profit_draws: np.ndarray = field(repr=False)
    name: str = "campaign"
    title = "Campaign result"

    def summary(self) -> pd.DataFrame:
        return self.metrics

    def interval(self, metric: str) -> tuple[float, float]:
        """The confidence interval of ``metric`` (NaN when it has none)."""
        row = self.metrics.loc[self.metrics["metric"] == metric]
        if row.empty:
            raise KeyError(f"no metric {metric!r}")
        return float(row["ci_low"].iloc[0]), float(row["ci_high"].iloc[0])

    def plot(self, ax=None, **kwargs):
        from ..plotting.operational import plot_campaign

        return plot_campaign(self, ax=ax, **kwargs)


def _metric_rows(rows: list[tuple]) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=["metric", "value", "ci_low", "ci_high", "unit"])
    for c in ("value", "ci_low", "ci_high"):
        out[c] = out[c].astype(np.float64)
    return out


def evaluate_campaign(
    assignment: pd.DataFrame,
    contacts: pd.DataFrame,
    responses: pd.DataFrame,
    *,
    window_days: int = 30,
    start: Any = None,
    revenue_per_take_up: float | None = None,
    margin_per_take_up: float | None = None,
    fixed_cost: float = 0.0,
    confidence: float = 0.95,
    n_boot: int = 2000,
    random_state: RandomState = None,
    name: str = "campaign",
) -> CampaignResult:
    """Measure a campaign from its tables: the course's metrics and the incremental effect.

    Parameters
    ----------
    assignment : DataFrame
        One row per customer of the campaign: ``customer_id`` and ``group`` (``'treatment'``
        or ``'control'``); optional per-customer ``revenue`` and ``margin`` of a take-up
        (personalised offers), which override ``revenue_per_take_up`` /
        ``margin_per_take_up``.
    contacts : DataFrame
        One row per send: ``contact_id``, ``customer_id``, ``contact_date``, ``channel``,
        ``cost``; optional ``opened`` and ``clicked`` (bool).
    responses : DataFrame
        Take-ups: ``customer_id``, ``response_date``.
    window_days : int
        Attribution window in days (>= 1).
    start : date, optional
        Start of the measurement period of the groups (default: the first contact date).
    revenue_per_take_up, margin_per_take_up : float, optional
        Value of one take-up when ``assignment`` has no ``revenue`` / ``margin`` column.
    fixed_cost : float
        Fixed cost of the campaign.
    confidence : float
        Level of the intervals (Wilson for rates, Newcombe for differences of rates; for the
        incremental margin and profit the wider of a stratified bootstrap with ``n_boot``
        replicates and the Newcombe interval valued at the mean margin of a take-up — the
        bootstrap alone is too narrow when a group has almost no take-ups).
    random_state : int, Generator or None
        Seeds the bootstrap.

    Returns
    -------
    CampaignResult
        Metrics: ``customers_treatment``, ``customers_control``, ``contacts``, ``opens``,
        ``clicks``, ``take_ups`` (matched to a contact), ``open_rate``, ``responses`` and
        ``response_rate`` (contacts that clicked or — offline — took up, per contact),
        ``take_up_rate`` (matched take-ups per contact),
        ``treatment_take_up_rate`` and ``control_take_up_rate`` (take-ups in the window per
        customer of each group), ``incremental_take_up_rate``, ``contact_cost``,
        ``fixed_cost``, ``total_cost``, ``cost_per_contact``, ``cpm``, ``cpc``, ``cpa``,
        ``revenue``, ``margin``, ``roi`` (margin of matched take-ups against the cost — the
        naive view), ``incremental_take_ups``, ``incremental_margin``,
        ``incremental_profit``, ``incremental_roi`` (against the control group — the true
        value of the campaign).

    Raises
    ------
    DataError
        For missing columns, negative costs, unknown groups, or a control customer who was
        contacted.
    """
    where = "evaluate_campaign"
    check_param(window_days, "window_days", where, int, interval=Interval(1, None))
    check_param(fixed_cost, "fixed_cost", where, float, interval=Interval(0, None))
    check_param(n_boot, "n_boot", where, int, interval=Interval(100, None))
    conf = check_confidence(confidence, where)
    for key, val in (
        ("revenue_per_take_up", revenue_per_take_up),
        ("margin_per_take_up", margin_per_take_up),
    ):
        check_param(
            val,
            key,
            where,
            float,
            nullable=True,
            interval=Interval(0, None) if key.startswith("revenue") else None,
        )
    check_columns(assignment, ["customer_id", "group"], where + " (assignment)")
    check_columns(
        contacts,
        ["contact_id", "customer_id", "contact_date", "channel", "cost"],
        where + " (contacts)",
    )
    check_columns(responses, ["customer_id", "response_date"], where + " (responses)")
    check_numeric_column(contacts, "cost", where + " (contacts)", allow_negative=False)
    group_col = assignment["group"]
    bad = ~group_col.isin(["treatment", "control"]).to_numpy()
    if bad.any():
        raise DataError(
            f"{where}: column 'group' has {int(bad.sum())} values other than 'treatment' or "
            f"'control' (for example {str(group_col[bad].iloc[0])!r})."
        )
    is_treat = (group_col == "treatment").to_numpy()
    ids = assignment["customer_id"].to_numpy(dtype=np.int64)
    if len(np.unique(ids)) != len(ids):
        raise DataError(f"{where}: assignment lists a customer more than once.")
    is_t = is_treat
    contacted_ids = contacts["customer_id"].to_numpy(dtype=np.int64)
    pos = pd.Index(ids).get_indexer(contacted_ids)
    if (pos < 0).any():
        raise DataError(
            f"{where}: contact of customer {int(contacted_ids[pos < 0][0])} who is not in the "
            "assignment."
        )
    if (~is_t[pos]).any():
        n_bad = len(np.unique(contacted_ids[~is_t[pos]]))
        raise DataError(
            f"{where}: {n_bad} customers of the control group were contacted; a control group "
            "must stay untouched."
        )
    for key, default in (("revenue", revenue_per_take_up), ("margin", margin_per_take_up)):
        if key not in assignment.columns and default is None:
            raise DataError(
                f"{where}: give {key}_per_take_up= or a {key!r} column in the assignment."
            )
    rev_c = (
        assignment["revenue"].to_numpy(dtype=np.float64)
        if "revenue" in assignment
        else np.full(len(ids), float(revenue_per_take_up))
    )
    mar_c = (
        assignment["margin"].to_numpy(dtype=np.float64)
        if "margin" in assignment
        else np.full(len(ids), float(margin_per_take_up))
    )

    cdates = pd.to_datetime(contacts["contact_date"]).astype("datetime64[ns]")
    if start is None:
        if len(cdates):
            t0 = cdates.min()
        elif len(responses):
            t0 = pd.to_datetime(responses["response_date"]).min()
        else:
            t0 = pd.Timestamp("1970-01-01")
    else:
        t0 = pd.Timestamp(start)
    t0 = pd.Timestamp(t0).as_unit("ns")
    t1 = t0 + pd.Timedelta(days=window_days)

    # response management: match take-ups to contacts within the window
    matched = match_responses(contacts, responses, window_days)
    rdates = pd.to_datetime(matched["response_date"]).astype("datetime64[ns]")
    in_period = ((rdates >= t0) & (rdates <= t1)).to_numpy()
    r_pos = pd.Index(ids).get_indexer(matched["customer_id"].to_numpy(dtype=np.int64))
    known = r_pos >= 0
    took_up = np.zeros(len(ids), dtype=bool)
    took_up[r_pos[known & in_period]] = True
    attributed = np.zeros(len(ids), dtype=bool)
    m_ok = matched["matched"].to_numpy() & known
    attributed[r_pos[m_ok]] = True
    contacted = np.zeros(len(ids), dtype=bool)
    contacted[pos] = True
    margin_i = np.where(took_up, mar_c, 0.0)

    n_t, n_c = int(is_t.sum()), int((~is_t).sum())
    n_contacts = len(contacts)
    opens = int(contacts["opened"].sum()) if "opened" in contacts else np.nan
    clicks = int(contacts["clicked"].sum()) if "clicked" in contacts else np.nan
    clicked_c = (
        contacts["clicked"].to_numpy(dtype=bool)
        if "clicked" in contacts
        else np.zeros(n_contacts, dtype=bool)
    )
    responders = int((clicked_c | attributed[pos]).sum())
    k_attr = int(attributed.sum())
    k_t = int(took_up[is_t].sum())
    k_c = int(took_up[~is_t].sum())
    contact_cost = float(contacts["cost"].sum())
    total_cost = contact_cost + fixed_cost
    revenue = float(rev_c[attributed].sum())
    margin = float(mar_c[attributed].sum())

    def w(k, n) -> tuple[float, float, float]:
        if not n or k != k:
            return (np.nan, np.nan, np.nan)
        lo, hi = wilson_interval(k, n, conf)
        return (safe_ratio(k, n), lo, hi)

    r_t, r_c = safe_ratio(k_t, n_t), safe_ratio(k_c, n_c)
    d_lo, d_hi = newcombe_interval(k_t, n_t, k_c, n_c, conf)
    rng = as_rng(random_state, where)
    m_lo, m_hi, reps = bootstrap_sum_diff(
        margin_i[is_t], margin_i[~is_t], n_t, n_boot=n_boot, confidence=conf, random_state=rng
    )
    inc_margin = n_t * (margin_i[is_t].mean() - margin_i[~is_t].mean()) if n_t and n_c else np.nan
    # with (almost) no take-ups in a group the bootstrap cannot see the uncertainty of that
    # group; the Newcombe interval of the rate difference, valued at the mean margin of a
    # take-up, can: report the wider of the two
    if n_t and n_c:
        m_bar = float(mar_c[is_t].mean())
        m_lo = min(m_lo, n_t * m_bar * d_lo)
        m_hi = max(m_hi, n_t * m_bar * d_hi)
    profit_draws = reps - total_cost
    nan = np.nan
    rows = [
        ("customers_treatment", n_t, nan, nan, "customers"),
        ("customers_control", n_c, nan, nan, "customers"),
        ("contacts", n_contacts, nan, nan, "contacts"),
        ("opens", opens, nan, nan, "contacts"),
        ("clicks", clicks, nan, nan, "contacts"),
        ("take_ups", k_attr, nan, nan, "take-ups"),
        ("open_rate", *w(opens, n_contacts), "share"),
        ("responses", responders, nan, nan, "contacts"),
        ("response_rate", *w(responders, n_contacts), "share"),
        ("take_up_rate", *w(k_attr, n_contacts), "share"),
        ("treatment_take_up_rate", *w(k_t, n_t), "share"),
        ("control_take_up_rate", *w(k_c, n_c), "share"),
        ("incremental_take_up_rate", r_t - r_c, d_lo, d_hi, "share"),
        ("contact_cost", contact_cost, nan, nan, "currency"),
        ("fixed_cost", fixed_cost, nan, nan, "currency"),
        ("total_cost", total_cost, nan, nan, "currency"),
        ("cost_per_contact", safe_ratio(contact_cost, n_contacts), nan, nan, "currency"),
        ("cpm", 1000.0 * safe_ratio(contact_cost, n_contacts), nan, nan, "currency"),
        ("cpc", safe_ratio(total_cost, clicks) if clicks == clicks else nan, nan, nan, "currency"),
        ("cpa", safe_ratio(total_cost, k_attr), nan, nan, "currency"),
        ("revenue", revenue, nan, nan, "currency"),
        ("margin", margin, nan, nan, "currency"),
        ("roi", safe_ratio(margin - total_cost, total_cost), nan, nan, "ratio"),
        ("incremental_take_ups", n_t * (r_t - r_c), n_t * d_lo, n_t * d_hi, "take-ups"),
        ("incremental_margin", inc_margin, m_lo, m_hi, "currency"),
        (
            "incremental_profit",
            inc_margin - total_cost,
            m_lo - total_cost,
            m_hi - total_cost,
            "currency",
        ),
        (
            "incremental_roi",
            safe_ratio(inc_margin - total_cost, total_cost),
            safe_ratio(m_lo - total_cost, total_cost),
            safe_ratio(m_hi - total_cost, total_cost),
            "ratio",
        ),
    ]
    metrics = _metric_rows(rows)

    # per channel
    ch = contacts["channel"].to_numpy()
    if isinstance(contacts["channel"].dtype, pd.CategoricalDtype):
        ch = contacts["channel"].array
    c_pos = pos
    att_by_contact = attributed[c_pos]
    per = pd.DataFrame(
        {
            "channel": ch,
            "cost": contacts["cost"].to_numpy(dtype=np.float64),
            "opened": contacts["opened"].to_numpy(dtype=bool)
            if "opened" in contacts
            else np.zeros(n_contacts, bool),
            "clicked": contacts["clicked"].to_numpy(dtype=bool)
            if "clicked" in contacts
            else np.zeros(n_contacts, bool),
            "took_up": att_by_contact,
            "responded": clicked_c | att_by_contact,
            "margin": np.where(att_by_contact, mar_c[c_pos], 0.0),
        }
    )
    g = per.groupby("channel", sort=True, observed=True)
    by_channel = pd.DataFrame(
        {
            "contacts": g.size(),
            "cost": g["cost"].sum(),
            "opens": g["opened"].sum(),
            "clicks": g["clicked"].sum(),
            "responses": g["responded"].sum(),
            "take_ups": g["took_up"].sum(),
            "margin": g["margin"].sum(),
        }
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        by_channel["response_rate"] = by_channel["responses"] / by_channel["contacts"]
        by_channel["take_up_rate"] = by_channel["take_ups"] / by_channel["contacts"]
        by_channel["cpm"] = 1000 * by_channel["cost"] / by_channel["contacts"]
        by_channel["cpc"] = by_channel["cost"] / by_channel["clicks"].replace(0, np.nan)
        by_channel["cpa"] = by_channel["cost"] / by_channel["take_ups"].replace(0, np.nan)
    by_channel = by_channel.reset_index()

    outcomes = pd.DataFrame(
        {
            "customer_id": ids,
            "group": pd.Categorical.from_codes(
                (~is_t).astype(np.int8), categories=["treatment", "control"]
            ),
            "contacted": contacted,
            "took_up": took_up,
            "attributed": attributed,
            "margin": margin_i,
        }
    )
    return CampaignResult(
        metrics=metrics,
        by_channel=by_channel,
        outcomes=outcomes,
        responses=matched,
        window_days=window_days,
        confidence=conf,
        incremental_profit_draws=profit_draws,
        name=name,
    )


# ---------------------------------------------------------------------------------------------
# the workflow
# ---------------------------------------------------------------------------------------------
def _series_by_id(values: Any, name: str, where: str) -> pd.Series:
    if isinstance(values, pd.DataFrame):
        if "customer_id" not in values.columns or values.shape[1] != 2:
            raise InvalidParameterError(
                f"The {name!r} parameter of {where} must be a Series indexed by customer_id or "
                "a DataFrame with customer_id and one value column."
            )
        other = [c for c in values.columns if c != "customer_id"][0]
        values = values.set_index("customer_id")[other]
    if not isinstance(values, pd.Series):
        raise InvalidParameterError(
            f"The {name!r} parameter of {where} must be a Series indexed by customer_id. "
            f"Got {type(values).__name__} instead."
        )
    if not values.index.is_unique:
        raise DataError(f"{where}: {name} lists a customer more than once.")
    return values


class Campaign:
    """One campaign as a workflow: plan -> approve -> execute -> measure.

    Parameters
    ----------
    plan : CampaignPlan
    audience : DataFrame
        The customers the campaign may address: ``customer_id`` and the consent columns
        ``consent_email``, ``consent_sms``, ``consent_phone``, ``consent_post`` (only those of
        the plan's channels are needed), as in the ``customers`` table of the world.
    contact_history : DataFrame, optional
        Earlier campaign contacts (``customer_id``, ``contact_date``) for the frequency cap —
        e.g. the world's ``campaign_contacts``.
    random_state : int, Generator or None
        Seeds the control-group draw, the simulated reactions and the bootstrap.
    actor : str
        Who plans the campaign (recorded in the audit trail).

    Attributes
    ----------
    state : str
        One of :data:`CAMPAIGN_STATES`.
    assignment : DataFrame or None
        After approval: every eligible customer within the budget with ``group``, offer,
        channel and expected cost.
    contacts, responses, blocked : DataFrame or None
        After execution: the sends, all take-ups (contacted or not), and the sends refused
        at execution (no consent, frequency cap).
    result : CampaignResult or None
        After measurement.
    """

    def __init__(
        self,
        plan: CampaignPlan,
        audience: pd.DataFrame,
        *,
        contact_history: pd.DataFrame | None = None,
        random_state: RandomState = None,
        actor: str = "analyst",
    ) -> None:
        where = "Campaign"
        if not isinstance(plan, CampaignPlan):
            raise InvalidParameterError(
                f"The 'plan' parameter of {where} must be a CampaignPlan. Got "
                f"{type(plan).__name__} instead."
            )
        if not isinstance(audience, pd.DataFrame):
            raise InvalidParameterError(
                f"The 'audience' parameter of {where} must be a DataFrame. Got "
                f"{type(audience).__name__} instead."
            )
        needed = ["customer_id"] + [CONSENT_COLUMNS[c] for c in plan.channels]
        check_columns(audience, needed, where + " (audience)")
        if not audience["customer_id"].is_unique:
            raise DataError(f"{where}: the audience lists a customer more than once.")
        if contact_history is not None:
            check_columns(
                contact_history, ["customer_id", "contact_date"], where + " (contact_history)"
            )
        self.plan = plan
        self.audience = audience
        self.contact_history = contact_history
        self.actor = check_param(actor, "actor", where, str)
        rng = as_rng(random_state, where)
        self._rng_assign, self._rng_execute, self._rng_measure = rng.spawn(3)
        self.state = "planned"
        self._audit: list[dict[str, Any]] = []
        self._target: pd.DataFrame = pd.DataFrame(
            {"customer_id": audience["customer_id"].to_numpy(dtype=np.int64), "score": np.nan}
        )
        self._offers: dict[str, Any] = {"channel_rule": "first_consented"}
        self.assignment: pd.DataFrame | None = None
        self.contacts: pd.DataFrame | None = None
        self.responses: pd.DataFrame | None = None
        self.blocked: pd.DataFrame | None = None
        self.result: CampaignResult | None = None
        self.domain: str | None = None
        self._log(
            "plan",
            None,
            "planned",
            actor,
            f"{plan.name}: offer {plan.product_code} via {', '.join(plan.channels)} to "
            f"an audience of {len(audience)}",
        )

    # -- workflow machinery -------------------------------------------------------------------
    def _business_date(self, action: str) -> pd.Timestamp:
        start = self.plan.start_date
        lead = max(CREATION_DAYS[c] for c in self.plan.channels)
        return {
            "plan": start - pd.Timedelta(days=lead),
            "target": start - pd.Timedelta(days=lead),
            "personalise": start - pd.Timedelta(days=lead),
            "approve": start - pd.Timedelta(days=1),
            "cancel": start - pd.Timedelta(days=1),
            "execute": start,
            "measure": start + pd.Timedelta(days=self.plan.window_days),
        }[action]

    def _log(self, action: str, before: str | None, after: str, actor: str, detail: str):
        self._audit.append(
            {
                "step": len(self._audit) + 1,
                "business_date": self._business_date(action),
                "action": action,
                "from_state": before,
                "to_state": after,
                "actor": actor,
                "detail": detail,
            }
        )

    def _require(self, action: str) -> None:
        if action not in _ALLOWED[self.state]:
            allowed = ", ".join(_ALLOWED[self.state]) or "nothing"
            raise WorkflowError(
                f"Campaign {self.plan.name!r} is {self.state}: it cannot {action}. "
                f"Allowed now: {allowed}."
            )

    def audit_trail(self) -> pd.DataFrame:
        """Every action so far: step, business date, action, state change, actor, detail."""
        return pd.DataFrame(self._audit)

    # -- segmentation -------------------------------------------------------------------------
    def target(
        self,
        *,
        segments: Any = None,
        include: Sequence[Any] | None = None,
        scores: Any = None,
        top_share: float | None = None,
        top_n: int | None = None,
        min_score: float | None = None,
        sample_share: float | None = None,
    ) -> Campaign:
        """Choose the target list (segmentation).

        Parameters
        ----------
        segments : Series, optional
            A segment label per customer (index ``customer_id``), e.g. clusters or RFM
            segments; with ``include``, keep only customers of those segments.
        scores : Series, optional
            A model score per customer (index ``customer_id``); the target list is ranked by
            it (the budget then reaches the best-scored customers first). With ``top_share``,
            ``top_n`` or ``min_score`` only the top of the ranking is kept.
        sample_share : float, optional
            Keep a random share of the (remaining) customers — e.g. for a pilot.

        Returns
        -------
        Campaign
            ``self``, for chaining.
        """
        where = "Campaign.target"
        self._require("target")
        check_param(
            top_share, "top_share", where, float, interval=Interval(0, 1, "right"), nullable=True
        )
        check_param(top_n, "top_n", where, int, interval=Interval(0, None), nullable=True)
        check_param(min_score, "min_score", where, float, nullable=True)
        check_param(
            sample_share,
            "sample_share",
            where,
            float,
            interval=Interval(0, 1, "right"),
            nullable=True,
        )
        if (top_share is not None or top_n is not None or min_score is not None) and scores is None:
            raise InvalidParameterError(f"{where}: top_share, top_n and min_score need scores=.")
        if include is not None and segments is None:
            raise InvalidParameterError(f"{where}: include= needs segments=.")
        tgt = self._target.copy()
        notes = []
        if segments is not None:
            seg = _series_by_id(segments, "segments", where)
            lab = seg.reindex(tgt["customer_id"].to_numpy())
            tgt["segment"] = lab.to_numpy()
            if include is not None:
                keep = lab.isin(list(include)).to_numpy()
                tgt = tgt[keep]
                notes.append(f"segments {list(include)}")
        if scores is not None:
            sc = _series_by_id(scores, "scores", where)
            vals = sc.reindex(tgt["customer_id"].to_numpy()).to_numpy(dtype=np.float64)
            tgt = tgt.assign(score=vals)[~np.isnan(vals)]
            tgt = tgt.sort_values("score", ascending=False, kind="stable")
            if min_score is not None:
                tgt = tgt[tgt["score"] >= min_score]
                notes.append(f"score >= {min_score}")
            if top_share is not None:
                tgt = tgt.iloc[: int(round(top_share * len(tgt)))]
                notes.append(f"top {top_share:.0%} by score")
            if top_n is not None:
                tgt = tgt.iloc[:top_n]
                notes.append(f"top {top_n} by score")
        if sample_share is not None:
            keep = self._rng_assign.random(len(tgt)) < sample_share
            tgt = tgt[keep]
            notes.append(f"random {sample_share:.0%} sample")
        self._target = tgt.reset_index(drop=True)
        self._log(
            "target",
            self.state,
            self.state,
            self.actor,
            f"target list of {len(self._target)}" + (f" ({'; '.join(notes)})" if notes else ""),
        )
        return self

    # -- personalisation ----------------------------------------------------------------------
    def personalise(
        self,
        *,
        offers: Any = None,
        discounts: Any = None,
        channel_rule: str | Any = "first_consented",
        message: str = "{product}: an offer for you{discount_text}",
    ) -> Campaign:
        """Choose the offer, discount, message and channel of each customer.

        Parameters
        ----------
        offers : Series, optional
            Product (bank) or category (retail) to offer each customer (index
            ``customer_id``), e.g. the next-best product of a model; others get the plan's.
        discounts : Series, optional
            Discount per customer (fractions in [0, 1)); others get the plan's.
        channel_rule : str or Series
            ``'first_consented'`` (the first of the plan's channels the customer consented
            to), ``'cheapest'`` (the cheapest consented channel), or a Series of preferred
            channels per customer (used when consented, else the first consented one).
        message : str
            Message template; ``{product}``, ``{channel}`` and ``{discount_text}`` are filled
            in per customer.
        """
        where = "Campaign.personalise"
        self._require("personalise")
        if isinstance(channel_rule, str):
            check_param(
                channel_rule, "channel_rule", where, str, choices=("first_consented", "cheapest")
            )
        else:
            rule = _series_by_id(channel_rule, "channel_rule", where)
            bad = ~rule.dropna().isin(CHANNEL_CODES)
            if bad.any():
                raise InvalidParameterError(
                    f"The 'channel_rule' parameter of {where} holds unknown channels, for "
                    f"example {rule.dropna()[bad].iloc[0]!r}; use {CHANNEL_CODES}."
                )
            channel_rule = rule
        check_param(message, "message", where, str)
        if offers is not None:
            offers = _series_by_id(offers, "offers", where)
            bad = ~offers.dropna().isin(_ALL_PRODUCTS)
            if bad.any():
                raise InvalidParameterError(
                    f"The 'offers' parameter of {where} holds unknown products, for example "
                    f"{offers.dropna()[bad].iloc[0]!r}."
                )
        if discounts is not None:
            discounts = _series_by_id(discounts, "discounts", where)
            d = discounts.to_numpy(dtype=np.float64)
            if np.any((d < 0) | (d >= 1)):
                raise InvalidParameterError(
                    f"The 'discounts' parameter of {where} must hold fractions in [0, 1). "
                    f"Got {float(d[(d < 0) | (d >= 1)][0])} instead."
                )
        self._offers = {
            "offers": offers,
            "discounts": discounts,
            "channel_rule": channel_rule,
            "message": message,
        }
        parts = []
        if offers is not None:
            parts.append(f"{offers.nunique()} offers")
        if discounts is not None:
            parts.append("personal discounts")
        parts.append(
            "channel "
            + (channel_rule if isinstance(channel_rule, str) else "by customer preference")
        )
        self._log("personalise", self.state, self.state, self.actor, ", ".join(parts))
        return self

    # -- approval: eligibility, control group, budget -------------------------------------------
    def _history_counts(self, ids: np.ndarray) -> np.ndarray:
        if self.contact_history is None or len(self.contact_history) == 0:
            return np.zeros(len(ids), dtype=np.int64)
        start = self.plan.start_date
        lo = start - pd.Timedelta(days=self.plan.cap_days)
        d = pd.to_datetime(self.contact_history["contact_date"]).astype("datetime64[ns]")
        recent = self.contact_history.loc[((d >= lo) & (d < start)).to_numpy(), "customer_id"]
        counts = recent.value_counts()
        return counts.reindex(ids, fill_value=0).to_numpy(dtype=np.int64)

    def _consent(self, frame: pd.DataFrame, ids: np.ndarray) -> np.ndarray:
        """Consent matrix (n, n_channels) of the plan's channels from ``frame``."""
        pos = pd.Index(frame["customer_id"].to_numpy(dtype=np.int64)).get_indexer(ids)
        cols = []
        for c in self.plan.channels:
            v = frame[CONSENT_COLUMNS[c]].to_numpy()
            v = np.asarray(pd.array(v, dtype="boolean").fillna(False), dtype=bool)
            col = np.zeros(len(ids), dtype=bool)
            col[pos >= 0] = v[pos[pos >= 0]]
            cols.append(col)
        return np.column_stack(cols)

    def approve(self, approver: str = "marketing manager") -> Campaign:
        """Sign the campaign off: eligibility, channel, control group and budget.

        Customers without consent for any of the plan's channels, or who already had
        ``max_contacts`` contacts within ``cap_days`` before the start, are not eligible.
        Eligible customers are ranked (by score when targeted by scores, else at random),
        each is drawn into the control group with probability ``control_share``, and the
        list is cut where the treatment group's contact cost plus the fixed cost would exceed
        the budget (control customers above the cut stay, so both groups cover the same
        ranks).
        """
        where = "Campaign.approve"
        self._require("approve")
        check_param(approver, "approver", where, str)
        plan = self.plan
        tgt = self._target
        ids = tgt["customer_id"].to_numpy(dtype=np.int64)
        n0 = len(ids)
        consent = self._consent(self.audience, ids)
        has_consent = consent.any(axis=1)
        capped = self._history_counts(ids) >= plan.max_contacts
        ok = has_consent & ~capped
        ids, consent, tgt = ids[ok], consent[ok], tgt[ok].reset_index(drop=True)
        # channel per customer (index into the plan's channels)
        rule = self._offers.get("channel_rule", "first_consented")
        if isinstance(rule, str) and rule == "cheapest":
            costs = np.array([_COST[c] for c in plan.channels])
            masked = np.where(consent, costs[None, :], np.inf)
            ch_idx = masked.argmin(axis=1)
        else:
            ch_idx = consent.argmax(axis=1)
            if not isinstance(rule, str):
                want = rule.reindex(ids).to_numpy(dtype=object)
                for j, c in enumerate(plan.channels):
                    use = (want == c) & consent[:, j]
                    ch_idx = np.where(use, j, ch_idx)
        ch_idx = ch_idx.astype(np.int64) if len(ids) else np.zeros(0, dtype=np.int64)
        # offers (as codes into the product list), discounts, messages
        products = [plan.product_code]
        prod_idx = np.zeros(len(ids), dtype=np.int64)
        offers = self._offers.get("offers")
        if offers is not None:
            o = pd.Categorical(offers.reindex(ids).to_numpy(dtype=object))
            extra = [c for c in o.categories if c not in products]
            products += extra
            lookup = np.array([products.index(c) for c in o.categories], dtype=np.int64)
            codes = np.asarray(o.codes, dtype=np.int64)
            prod_idx = np.where(codes >= 0, lookup[np.maximum(codes, 0)] if len(lookup) else 0, 0)
        disc = np.full(len(ids), plan.discount)
        if self._offers.get("discounts") is not None:
            dd = self._offers["discounts"].reindex(ids).to_numpy(dtype=np.float64)
            disc = np.where(np.isnan(dd), disc, dd)
        # priority: score order (set by target), ties and unscored at random
        u = self._rng_assign.random(len(ids))
        score = tgt["score"].to_numpy(dtype=np.float64)
        order = np.lexsort((u, -np.nan_to_num(score, nan=-np.inf)))
        ids, ch_idx, prod_idx, disc, score = (
            a[order] for a in (ids, ch_idx, prod_idx, disc, score)
        )
        control = self._rng_assign.random(len(ids)) < plan.control_share
        costs = np.array([_COST[c] for c in plan.channels], dtype=np.float64)
        cost = costs[ch_idx]
        if plan.budget is not None:
            spend = plan.fixed_cost + np.cumsum(np.where(control, 0.0, cost))
            keep = spend <= plan.budget + 1e-9
            n_keep = int(np.argmin(keep)) if not keep.all() else len(keep)
        else:
            n_keep = len(ids)
        sl = slice(0, n_keep)
        ids, ch_idx, prod_idx, disc, score, control, cost = (
            a[sl] for a in (ids, ch_idx, prod_idx, disc, score, control, cost)
        )
        names = {p.code: p.name for p in BANK_PRODUCTS}
        names.update({c.code: c.name for c in RETAIL_CATEGORIES})
        template = self._offers.get("message", "{product}: an offer for you{discount_text}")
        d_values, d_idx = np.unique(disc, return_inverse=True)
        combo = (prod_idx * len(plan.channels) + ch_idx) * max(len(d_values), 1) + d_idx
        uniq, msg_idx = np.unique(combo, return_inverse=True)
        texts = []
        for k in uniq:
            pk, rest = divmod(int(k), len(plan.channels) * max(len(d_values), 1))
            ck, dk = divmod(rest, max(len(d_values), 1))
            d = float(d_values[dk])
            texts.append(
                template.format(
                    product=names.get(products[pk], products[pk]),
                    channel=plan.channels[ck],
                    discount_text=f" — {d:.0%} off" if d > 0 else "",
                )
            )
        # texts can repeat (e.g. two discounts shown with the same rounding): merge them
        cats = list(dict.fromkeys(texts))
        text_code = np.array([cats.index(t) for t in texts], dtype=np.int64)
        self.assignment = pd.DataFrame(
            {
                "customer_id": ids,
                "group": pd.Categorical.from_codes(
                    control.astype(np.int8), categories=["treatment", "control"]
                ),
                "rank": np.arange(1, len(ids) + 1),
                "score": score,
                "product_code": pd.Categorical.from_codes(prod_idx, categories=products),
                "discount": disc,
                "channel": pd.Categorical.from_codes(ch_idx, categories=list(plan.channels)),
                "message": pd.Categorical.from_codes(
                    text_code[msg_idx] if len(ids) else np.zeros(0, dtype=np.int64),
                    categories=cats if cats else ["(none)"],
                ),
                "planned_cost": np.where(control, 0.0, cost),
            }
        )
        planned = float(self.assignment["planned_cost"].sum()) + plan.fixed_cost
        before = self.state
        self.state = "approved"
        self._log(
            "approve",
            before,
            self.state,
            approver,
            f"{n0} targeted; {int((~has_consent).sum())} without consent, {int(capped.sum())} "
            f"at the frequency cap; {int((~control).sum())} to contact, {int(control.sum())} "
            f"in the control group; planned cost {planned:,.2f}"
            + (f" of budget {plan.budget:,.2f}" if plan.budget is not None else ""),
        )
        return self

    def cancel(self, reason: str = "", actor: str | None = None) -> Campaign:
        """Stop the campaign before it is executed."""
        self._require("cancel")
        before = self.state
        self.state = "cancelled"
        self._log("cancel", before, self.state, actor or self.actor, reason or "cancelled")
        return self

    # -- execution ----------------------------------------------------------------------------
    def execute(
        self,
        traits: Any,
        *,
        consents: pd.DataFrame | None = None,
        actor: str = "campaign engine",
    ) -> Campaign:
        """Send the campaign and simulate how each customer reacts.

        Every send is checked against the consent of its channel at execution time
        (``consents``, default the audience's — pass an updated table when customers opted out
        after approval) and against the frequency cap; refused sends go to :attr:`blocked`.
        Opens, clicks and take-ups come from :mod:`ecrm_lab.world.behaviour` with each
        customer's latent traits; customers not contacted (the control group and refused
        sends) take up at their uncontacted rate, without discount.

        Parameters
        ----------
        traits : World or DataFrame
            The world (its truth ``customer_traits``) or the traits table itself.
        """
        where = "Campaign.execute"
        self._require("execute")
        traits = as_traits(traits, where)
        domain = behaviour.domain_of(traits)
        codes = affinity_codes(domain)
        a = self.assignment
        assert a is not None
        bad = ~a["product_code"].isin(codes)
        if bad.any():
            raise DataError(
                f"{where}: product {a['product_code'][bad].iloc[0]!r} is not sold in the "
                f"{domain} world; use one of {codes}."
            )
        self.domain = domain
        plan = self.plan
        rng = self._rng_execute
        ids = a["customer_id"].to_numpy(dtype=np.int64)
        is_t = (a["group"] == "treatment").to_numpy()
        ch_code = np.asarray(a["channel"].cat.codes, dtype=np.int64)
        chans = list(a["channel"].cat.categories)
        pr_code = np.asarray(a["product_code"].cat.codes, dtype=np.int64)
        prods = list(a["product_code"].cat.categories)
        # consent and frequency cap at send time
        cons_frame = self.audience if consents is None else consents
        if consents is not None:
            check_columns(
                consents,
                ["customer_id"] + [CONSENT_COLUMNS[c] for c in plan.channels],
                where + " (consents)",
            )
        consent = self._consent(cons_frame, ids)
        plan_pos = np.array([plan.channels.index(c) for c in chans], dtype=np.int64)
        ch_pos = plan_pos[ch_code] if len(ids) else np.zeros(0, np.int64)
        consent_ok = consent[np.arange(len(ids)), ch_pos] if len(ids) else np.zeros(0, bool)
        cap_ok = self._history_counts(ids) < plan.max_contacts
        sent = is_t & consent_ok & cap_ok
        reason_code = np.where(~consent_ok, 0, np.where(~cap_ok, 1, -1))
        tr = align_traits(traits, ids, where)
        disc = a["discount"].to_numpy(dtype=np.float64)
        p_open = np.zeros(len(ids))
        p_click = np.zeros(len(ids))
        # the truth of both potential outcomes, for scoring the measurement (never observed)
        p_yes = np.zeros(len(ids))
        p_no = np.zeros(len(ids))
        for k, code in enumerate(prods):
            sel_p = pr_code == k
            for j, c in enumerate(chans):
                sel = sel_p & (ch_code == j)
                if not sel.any():
                    continue
                sub = tr[sel]
                p_yes[sel] = behaviour.take_up_probability(sub, code, True, c, disc[sel])
                p_no[sel] = behaviour.take_up_probability(sub, code, False)
                snt = sent[sel]
                if snt.any():
                    idx = np.flatnonzero(sel)[snt]
                    p_open[idx] = behaviour.open_probability(sub[snt], c)
                    p_click[idx] = behaviour.click_probability(sub[snt], code)
        # contacted customers take up with the contacted probability (with the discount),
        # everybody else (control group, refused sends) with the uncontacted one
        p_take = np.where(sent, p_yes, p_no)
        u = rng.random((3, len(ids)))
        took = u[2] < p_take
        # as in the world's campaigns: a take-up implies the message was opened (and, for
        # e-mail and SMS, clicked); offline channels have no clicks
        online = np.isin(np.array(chans, dtype=object), ONLINE_CHANNELS)[ch_code]
        opened = sent & ((u[0] < p_open) | took)
        clicked = opened & online & ((u[1] < p_click) | took)
        spread = np.array([DELIVERY_DAYS[c] for c in chans], dtype=np.float64)[ch_code]
        offset = _offsets(spread, rng)
        delay = response_delay_days(tr[took], rng)
        start = plan.start_date
        cost = np.array([_COST[c] for c in chans], dtype=np.float64)[ch_code[sent]]
        self.contacts = pd.DataFrame(
            {
                "contact_id": np.arange(1, int(sent.sum()) + 1, dtype=np.int64),
                "customer_id": ids[sent],
                "contact_date": np.asarray(
                    start + pd.to_timedelta(np.floor(offset[sent] * 86_400.0), unit="s"),
                    dtype="datetime64[ns]",
                ),
                "channel": a["channel"].array[sent],
                "product_code": a["product_code"].array[sent],
                "discount": disc[sent],
                "message": a["message"].array[sent],
                "cost": cost,
                "consent_checked": consent_ok[sent],
                "opened": opened[sent],
                "clicked": clicked[sent],
            }
        )
        blocked = is_t & ~sent
        self.blocked = pd.DataFrame(
            {
                "customer_id": ids[blocked],
                "channel": a["channel"].array[blocked],
                "reason": pd.Categorical.from_codes(
                    reason_code[blocked], categories=["no_consent", "frequency_cap"]
                ),
            }
        )
        rdates = start + pd.to_timedelta(np.floor((offset[took] + delay) * 86_400.0), unit="s")
        responses = pd.DataFrame(
            {
                "customer_id": ids[took],
                "product_code": a["product_code"].array[took],
                "response_date": np.asarray(rdates, dtype="datetime64[ns]"),
            }
        ).sort_values(["response_date", "customer_id"], kind="stable")
        responses.insert(0, "response_id", np.arange(1, len(responses) + 1, dtype=np.int64))
        self.responses = responses.reset_index(drop=True)
        # per-customer value of a take-up (personalised offers and discounts)
        rev = np.zeros(len(ids))
        mar = np.zeros(len(ids))
        for k, code in enumerate(prods):
            sel = pr_code == k
            r0, m0 = plan.economics(domain, code)
            d = np.where(sent[sel], disc[sel], 0.0)
            rev[sel] = r0 * (1.0 - d)
            mar[sel] = m0 - r0 * d
        sent_by = np.bincount(ch_code[sent], minlength=len(chans))
        per_channel = ", ".join(f"{c}: {int(sent_by[j])}" for j, c in enumerate(chans))
        a["revenue"] = rev
        a["margin"] = mar
        a["sent"] = sent
        a["true_p_contacted"] = p_yes
        a["true_p_not_contacted"] = p_no
        before = self.state
        self.state = "executed"
        self._log(
            "execute",
            before,
            self.state,
            actor,
            f"{int(sent.sum())} sent ({per_channel}); "
            f"{int((is_t & ~consent_ok).sum())} refused for lack of consent, "
            f"{int((is_t & consent_ok & ~cap_ok).sum())} at the frequency cap; cost "
            f"{float(cost.sum()) + plan.fixed_cost:,.2f}",
        )
        return self

    # -- measurement --------------------------------------------------------------------------
    def measure(
        self,
        *,
        window_days: int | None = None,
        confidence: float = 0.95,
        n_boot: int = 2000,
        actor: str = "analyst",
    ) -> CampaignResult:
        """Match take-ups to contacts within the attribution window and compute the metrics.

        ``window_days`` defaults to the plan's. May be repeated (e.g. with another window);
        each measurement is recorded in the audit trail.
        """
        where = "Campaign.measure"
        self._require("measure")
        window = self.plan.window_days if window_days is None else window_days
        check_param(window, "window_days", where, int, interval=Interval(1, 365))
        assert self.assignment is not None and self.contacts is not None
        res = evaluate_campaign(
            self.assignment,
            self.contacts,
            self.responses,
            window_days=window,
            start=self.plan.start_date,
            fixed_cost=self.plan.fixed_cost,
            confidence=confidence,
            n_boot=n_boot,
            random_state=self._rng_measure,
            name=self.plan.name,
        )
        res = replace(
            res, metrics=pd.concat([res.metrics, self._truth_rows(res)], ignore_index=True)
        )
        before = self.state
        self.state = "measured"
        self.result = res
        self._log(
            "measure",
            before,
            self.state,
            actor,
            f"window {window} days: {int(res['take_ups'])} take-ups matched to contacts; "
            f"take-up rate {res['take_up_rate']:.2%} vs control {res['control_take_up_rate']:.2%}; "
            f"incremental profit {res['incremental_profit']:,.2f}",
        )
        return res

    def _truth_rows(self, res: CampaignResult) -> pd.DataFrame:
        """What the campaign really did, from the simulation's truth (both potential
        outcomes of every customer): the expected take-up rate of the contacted and the
        expected incremental take-ups and profit of the treatment group."""
        a = self.assignment
        sent = a["sent"].to_numpy()
        is_t = (a["group"] == "treatment").to_numpy()
        te = np.where(sent, a["true_p_contacted"] - a["true_p_not_contacted"], 0.0)
        inc = float(te[is_t].sum())
        inc_margin = float((te * a["margin"].to_numpy())[is_t].sum())
        nan = np.nan
        return _metric_rows(
            [
                (
                    "true_take_up_rate",
                    float(a.loc[sent, "true_p_contacted"].mean()) if sent.any() else nan,
                    nan,
                    nan,
                    "share (truth)",
                ),
                (
                    "true_control_take_up_rate",
                    float(a.loc[~is_t, "true_p_not_contacted"].mean()) if (~is_t).any() else nan,
                    nan,
                    nan,
                    "share (truth)",
                ),
                ("true_incremental_take_ups", inc, nan, nan, "take-ups (truth)"),
                (
                    "true_incremental_profit",
                    inc_margin - res["total_cost"],
                    nan,
                    nan,
                    "currency (truth)",
                ),
            ]
        )

    def __repr__(self) -> str:
        return (
            f"Campaign({self.plan.name!r}, state={self.state!r}, "
            f"audience={len(self.audience)}, target={len(self._target)})"
        )


@dataclass(frozen=True, eq=False, repr=False)
class CampaignComparison(Result):
    """Several measured campaigns side by side (e.g. a mass mailing against a targeted one).

    Attributes
    ----------
    table : DataFrame
        One row per campaign: ``campaign``, ``contacts``, ``take_ups``, ``take_up_rate``
        with ``ci_low`` / ``ci_high``, ``true_take_up_rate`` (when simulated: the expected
        rate from the traits), ``total_cost``, ``cpa``, ``incremental_profit`` with its
        interval, ``true_incremental_profit``.
    confidence : float
    """

    table: pd.DataFrame
    confidence: float
    title = "Campaigns compared"

    def summary(self) -> pd.DataFrame:
        return self.table

    def plot(self, ax=None, **kwargs):
        from ..plotting.operational import plot_campaign_comparison

        return plot_campaign_comparison(self, ax=ax, **kwargs)


def compare_campaigns(results: Any) -> CampaignComparison:
    """Put measured campaigns side by side: take-up with its interval, cost, profit.

    Parameters
    ----------
    results : mapping of name to CampaignResult
    """
    where = "compare_campaigns"
    if not hasattr(results, "items") or not results:
        raise InvalidParameterError(
            f"The 'results' parameter of {where} must be a non-empty mapping of name to "
            "CampaignResult."
        )
    rows, conf = [], None
    for name, r in results.items():
        if not isinstance(r, CampaignResult):
            raise InvalidParameterError(
                f"The 'results' parameter of {where} must map names to CampaignResult. Got "
                f"{type(r).__name__} for {name!r} instead."
            )
        conf = r.confidence
        m = r.metrics.set_index("metric")
        lo, hi = r.interval("take_up_rate")
        plo, phi = r.interval("incremental_profit")

        def get(key: str, m=m) -> float:
            return float(m.loc[key, "value"]) if key in m.index else np.nan

        rows.append(
            {
                "campaign": name,
                "contacts": int(get("contacts")),
                "take_ups": int(get("take_ups")),
                "take_up_rate": get("take_up_rate"),
                "ci_low": lo,
                "ci_high": hi,
                "true_take_up_rate": get("true_take_up_rate"),
                "total_cost": get("total_cost"),
                "cpa": get("cpa"),
                "incremental_profit": get("incremental_profit"),
                "profit_ci_low": plo,
                "profit_ci_high": phi,
                "true_incremental_profit": get("true_incremental_profit"),
            }
        )
    return CampaignComparison(table=pd.DataFrame(rows), confidence=float(conf))


# ---------------------------------------------------------------------------------------------
# how many to contact under a budget
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False, repr=False)
class ContactPlan(Result):
    """How many customers to contact, and whom, for the most expected profit.

    Attributes
    ----------
    curve : DataFrame
        ``n_contacted``, ``cost`` (fixed + contacts), ``expected_incremental``
        (take-ups), ``expected_profit`` and, when the truth was given, ``true_incremental``
        and ``true_profit`` — contacting customers in order of expected profit per contact.
    selected : Series
        Expected profit of each selected customer, indexed by ``customer_id`` (pass it to
        :meth:`Campaign.target` as ``scores=`` with ``top_n=n``).
    n : int
        Customers to contact.
    expected_profit, cost : float
    budget : float or None
    """

    curve: pd.DataFrame
    selected: pd.Series
    n: int
    expected_profit: float
    cost: float
    budget: float | None
    title = "Contact plan under a budget"

    def summary(self) -> pd.DataFrame:
        c = self.curve
        row = c.loc[c["n_contacted"] == self.n].iloc[0]
        out = {
            "customers": [int(c["n_contacted"].iloc[-1])],
            "budget": [np.nan if self.budget is None else self.budget],
            "n_contact": [self.n],
            "cost": [self.cost],
            "expected_incremental_take_ups": [float(row["expected_incremental"])],
            "expected_profit": [self.expected_profit],
            "expected_profit_contact_all": [float(c["expected_profit"].iloc[-1])],
        }
        if "true_profit" in c:
            out["true_profit"] = [float(row["true_profit"])]
            out["true_profit_best_n"] = [int(c.loc[c["true_profit"].idxmax(), "n_contacted"])]
        return pd.DataFrame(out)

    def plot(self, ax=None, **kwargs):
        from ..plotting.operational import plot_contact_plan

        return plot_contact_plan(self, ax=ax, **kwargs)


def plan_contacts(
    customer_ids: Any,
    expected_uplift: Any,
    *,
    margin_per_take_up: Any,
    cost_per_contact: Any,
    budget: float | None = None,
    fixed_cost: float = 0.0,
    true_uplift: Any = None,
) -> ContactPlan:
    """Decide how many customers to contact by expected profit, within a budget.

    Each customer's expected profit of a contact is ``uplift x margin - cost``. Customers are
    taken in decreasing order of it; the plan contacts the prefix with the highest expected
    total profit whose cost (fixed + contacts) stays within ``budget`` (contacting nobody,
    profit 0, is always allowed).

    Parameters
    ----------
    customer_ids : array-like
    expected_uplift : array-like
        Expected increase in take-up probability from a contact (an uplift model's score; a
        response model's probability gives the naive plan).
    margin_per_take_up, cost_per_contact : float or array-like
    budget : float, optional
        Most money to spend; None for no limit.
    fixed_cost : float
        Paid once as soon as anybody is contacted.
    true_uplift : array-like, optional
        The true treatment effects (from the world's truth) to score the plan.

    Examples
    --------
    >>> p = plan_contacts([1, 2, 3], [0.10, 0.02, 0.001], margin_per_take_up=100.0,
    ...                   cost_per_contact=1.0)
    >>> p.n, round(p.expected_profit, 2)
    (2, 10.0)
    """
    where = "plan_contacts"
    check_param(budget, "budget", where, float, interval=Interval(0, None), nullable=True)
    check_param(fixed_cost, "fixed_cost", where, float, interval=Interval(0, None))
    ids = np.asarray(customer_ids)
    up = np.asarray(expected_uplift, dtype=np.float64)
    n = len(ids)
    if len(up) != n:
        raise DataError(f"{where}: {n} customers but {len(up)} uplift values.")
    if np.isnan(up).any():
        raise DataError(f"{where}: expected_uplift has missing values.")
    margin = np.broadcast_to(np.asarray(margin_per_take_up, dtype=np.float64), (n,))
    cost = np.broadcast_to(np.asarray(cost_per_contact, dtype=np.float64), (n,))
    if (cost < 0).any():
        raise DataError(f"{where}: cost_per_contact has negative values; costs are >= 0.")
    gain = up * margin - cost
    order = np.argsort(-gain, kind="stable")
    cum_cost = np.r_[0.0, fixed_cost + np.cumsum(cost[order])]
    cum_gain = np.r_[0.0, np.cumsum(gain[order]) - fixed_cost]
    cum_inc = np.r_[0.0, np.cumsum(up[order])]
    feasible = np.ones(n + 1, dtype=bool) if budget is None else cum_cost <= budget + 1e-9
    feasible[0] = True
    best = int(np.argmax(np.where(feasible, cum_gain, -np.inf)))
    curve = pd.DataFrame(
        {
            "n_contacted": np.arange(n + 1),
            "cost": np.where(np.arange(n + 1) == 0, 0.0, cum_cost),
            "expected_incremental": cum_inc,
            "expected_profit": cum_gain,
            "within_budget": feasible,
        }
    )
    if true_uplift is not None:
        tu = np.asarray(true_uplift, dtype=np.float64)
        if len(tu) != n:
            raise DataError(f"{where}: {n} customers but {len(tu)} true uplift values.")
        curve["true_incremental"] = np.r_[0.0, np.cumsum(tu[order])]
        curve["true_profit"] = np.r_[
            0.0, np.cumsum(tu[order] * margin[order] - cost[order]) - fixed_cost
        ]
    sel = order[:best]
    return ContactPlan(
        curve=curve,
        selected=pd.Series(
            gain[sel], index=pd.Index(ids[sel], name="customer_id"), name="expected_profit"
        ),
        n=best,
        expected_profit=float(cum_gain[best]),
        cost=float(curve["cost"].iloc[best]),
        budget=budget,
    )


# ---------------------------------------------------------------------------------------------
# online versus traditional direct marketing
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False, repr=False)
class ChannelComparison(Result):
    """Online (e-mail, SMS) against traditional (post, phone) direct marketing.

    Attributes
    ----------
    table : DataFrame
        One row per channel: ``channel``, ``online``, ``reachable`` (customers with consent),
        ``cost_per_contact``, ``open_rate``, ``response_rate`` (clicks), ``take_up_rate``,
        ``incremental_take_up_rate`` (against not contacting), ``cpa`` (cost per take-up),
        ``cost_per_incremental``, ``profit_per_1000`` (incremental margin minus cost per
        thousand contacts), ``creation_days``, ``delivery_days``,
        ``days_to_90pct_responses`` and ``cycle_days`` (creation + delivery + 90 % of the
        responses in).
    product_code : str
    """

    table: pd.DataFrame
    product_code: str
    title = "Online versus traditional direct marketing"

    def summary(self) -> pd.DataFrame:
        return self.table

    def plot(self, ax=None, **kwargs):
        from ..plotting.operational import plot_channel_comparison

        return plot_channel_comparison(self, ax=ax, **kwargs)


def compare_channels(
    traits: Any,
    product_code: str = "credit_card",
    channels: Sequence[str] = CHANNEL_CODES,
    *,
    margin_per_take_up: float | None = None,
) -> ChannelComparison:
    """Expected cost, response and cycle time of one offer in each campaign channel.

    For each channel, the customers who consented to it are contacted (in expectation — no
    random draws): rates are the means of :func:`ecrm_lab.world.behaviour.open_probability`,
    ``click_probability`` and ``take_up_probability`` over them, costs come from
    ``contact_cost`` and the cycle time from :data:`CREATION_DAYS`, :data:`DELIVERY_DAYS` and
    the response delays (90 % of ``1 + Exponential(RESPONSE_DELAY_MEAN)``). The response rate
    counts clicks (e-mail, SMS) or, offline, take-ups (replies).
    """
    where = "compare_channels"
    traits = as_traits(traits, where)
    domain = behaviour.domain_of(traits)
    check_param(product_code, "product_code", where, str, choices=affinity_codes(domain))
    chans = (channels,) if isinstance(channels, str) else tuple(channels)
    for c in chans:
        check_param(c, "channels", where, str, choices=CHANNEL_CODES)
    margin = (
        offer_economics(domain, product_code)["margin"]
        if margin_per_take_up is None
        else check_param(margin_per_take_up, "margin_per_take_up", where, float)
    )
    p_base = behaviour.take_up_probability(traits, product_code, treated=False)
    rows = []
    for c in chans:
        ok = traits[CONSENT_COLUMNS[c]].to_numpy(dtype=bool)
        sub = traits[ok]
        n = int(ok.sum())
        cost = float(behaviour.contact_cost(c)[0])
        if n:
            p_open = float(behaviour.open_probability(sub, c).mean())
            p_take = float(behaviour.take_up_probability(sub, product_code, True, c).mean())
            if c in ONLINE_CHANNELS:
                po = behaviour.open_probability(sub, c)
                pc = behaviour.click_probability(sub, product_code)
                pt = behaviour.take_up_probability(sub, product_code, True, c)
                # clicked = opened and (clicks or takes up); a take-up implies an open
                p_click = float((pt + (1 - pt) * po * pc).mean())
            else:
                p_click = p_take
            p_inc = p_take - float(p_base[ok].mean())
            q90 = DELIVERY_DAYS[c] + 1.0 + RESPONSE_DELAY_MEAN * float(np.log(10.0))
        else:
            p_open = p_click = p_take = p_inc = q90 = np.nan
        rows.append(
            {
                "channel": c,
                "online": c in ONLINE_CHANNELS,
                "reachable": n,
                "cost_per_contact": cost,
                "open_rate": p_open,
                "response_rate": p_click,
                "take_up_rate": p_take,
                "incremental_take_up_rate": p_inc,
                "cpa": safe_ratio(cost, p_take) if n else np.nan,
                "cost_per_incremental": safe_ratio(cost, p_inc) if n and p_inc > 0 else np.nan,
                "profit_per_1000": 1000 * (p_inc * margin - cost) if n else np.nan,
                "creation_days": CREATION_DAYS[c],
                "delivery_days": DELIVERY_DAYS[c],
                "days_to_90pct_responses": q90,
                "cycle_days": CREATION_DAYS[c] + DELIVERY_DAYS[c] + q90,
            }
        )
    return ChannelComparison(table=pd.DataFrame(rows), product_code=product_code)
