"""Customer service: multi-channel requests, self-service, the queue, proactive chat, retention.

The customer-service module of an eCRM system, simulated on the latent customers:

* **multi-channel requests** — :func:`simulate_requests` draws requests with
  :func:`ecrm_lab.world.behaviour.service_request_rate` and
  :func:`~ecrm_lab.world.behaviour.service_channel_probabilities`; the world's
  ``service_requests`` table has the same columns and works everywhere below;
* **a solutions knowledge base / FAQ**, **order and package tracking** and **contract and
  warranty status pages** — a :class:`SelfService` configuration says how much of each
  request category they answer; :func:`deflection` replays the same requests with and
  without it: requests solved by self-service are *deflected* from the agents, and the
  difference in handling cost is the saving;
* **contract and warranty status look-ups** — :func:`contract_status` (bank accounts) and
  :func:`warranty_status` (retail order lines) answer "is this still covered?" from the
  tables;
* **request management as a queue** — :func:`erlang_c` / :func:`staffing` (the M/M/c model a
  call centre plans with) and :func:`simulate_queue` (a vectorised discrete-time FIFO
  simulation of the real arrivals, with backlog, waiting time and service level);
* **proactive chat or callback** — :func:`session_signals` (the world's click-stream) or
  :func:`simulate_sessions` (from the traits) give each web session its observable signals;
  a :class:`TriggerRule` offers chat to sessions that look like purchase intent or distress,
  and :func:`proactive_chat` counts offers, acceptances, conversions, problems solved and
  cost, scored against the true intent of each session;
* **service quality and retention** — :func:`churn_hazard_given_service` is the monthly churn
  hazard under a change in first-contact resolution (the function the lifecycle lessons
  consume) and :func:`service_retention` summarises what it does to churn and customer value.

Defined here (the behaviour model does not describe them): handling times and costs by
channel (:data:`HANDLE_MINUTES`, :data:`COST_PER_REQUEST`), the marginal category mix of
simulated requests (:data:`CATEGORY_MIX`), default self-service coverage
(:meth:`SelfService.default`), the chance of accepting a proactive offer
(:func:`offer_acceptance_probability`) and the conversion of a high-intent session
(:func:`session_conversion_probability`) — all functions of the traits only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._random import RandomState
from .._result import MetricResult, Result
from .._validation import Interval, check_columns, check_param
from ..exceptions import DataError, InvalidParameterError
from ..world import behaviour
from ..world.catalogue import SERVICE_CHANNELS, affinity_codes
from ._common import align_traits, as_rng, as_traits, safe_ratio

__all__ = [
    "SERVICE_CATEGORIES",
    "CATEGORY_MIX",
    "HANDLE_MINUTES",
    "COST_PER_REQUEST",
    "SELF_SERVICE_COST",
    "AGENT_COST_PER_HOUR",
    "RECENT_DAYS",
    "P_ESCALATE",
    "simulate_requests",
    "SelfService",
    "DeflectionResult",
    "deflection",
    "contract_status",
    "warranty_status",
    "erlang_c",
    "StaffingResult",
    "staffing",
    "hourly_staffing",
    "QueueResult",
    "simulate_queue",
    "PAGE_TYPES",
    "session_signals",
    "simulate_sessions",
    "TriggerRule",
    "INTENT_LOGIT_LIFT",
    "offer_acceptance_probability",
    "session_conversion_probability",
    "ProactiveResult",
    "proactive_chat",
    "expected_dissatisfied_contacts",
    "churn_hazard_given_service",
    "ServiceRetention",
    "service_retention",
]

#: request categories per domain (as in the world's service_requests table)
SERVICE_CATEGORIES = {
    "bank": (
        "card_problem",
        "payment_dispute",
        "account_access",
        "fees_statement",
        "product_query",
        "address_change",
        "complaint",
        "fraud_report",
    ),
    "retail": (
        "order_tracking",
        "delivery_problem",
        "return_refund",
        "product_defect",
        "warranty_claim",
        "billing_payment",
        "account_access",
        "complaint",
    ),
}
#: marginal category mix of simulated requests (close to the world's mix, which depends on
#: the customer's products or latest order)
CATEGORY_MIX = {
    "bank": (0.14, 0.16, 0.13, 0.18, 0.18, 0.07, 0.12, 0.02),
    "retail": (0.20, 0.11, 0.12, 0.12, 0.13, 0.08, 0.10, 0.14),
}
#: agent minutes to handle a request, by service channel (self-service: none)
HANDLE_MINUTES = {
    "web_self_service": 0.0,
    "email": 10.0,
    "chat": 12.0,
    "phone": 8.0,
    "branch": 20.0,
    "store": 12.0,
}
#: cost of one agent hour (salary, overhead, systems)
AGENT_COST_PER_HOUR = 36.0
#: cost of a request solved by self-service (hosting, content upkeep per use)
SELF_SERVICE_COST = 0.25
#: handling cost of one request by channel
COST_PER_REQUEST = {
    ch: (
        SELF_SERVICE_COST
        if m == 0
        else round(AGENT_COST_PER_HOUR * m / 60.0, 2) + (4.0 if ch in ("branch", "store") else 0.0)
    )
    for ch, m in HANDLE_MINUTES.items()
}
#: days a dissatisfying contact keeps raising the churn hazard (as in the world's service
#: source)
RECENT_DAYS = 90.0
#: share of requests not solved at first contact that are escalated (world's service source)
P_ESCALATE = 0.35
#: the 'resolved' input of satisfaction_probability after first contact, follow-up,
#: escalation (as in the world's service source)
_RESOLVED_LEVEL = (1.0, 0.6, 0.3)
_ASSISTED = {
    dom: tuple(c for c in SERVICE_CHANNELS[dom] if c != "web_self_service")
    for dom in SERVICE_CHANNELS
}


def _domain(traits: pd.DataFrame) -> str:
    return behaviour.domain_of(traits)


# ---------------------------------------------------------------------------------------------
# requests
# ---------------------------------------------------------------------------------------------
def simulate_requests(
    traits: Any,
    *,
    days: int = 30,
    start: Any = "2025-01-01",
    random_state: RandomState = None,
) -> pd.DataFrame:
    """Service requests of ``days`` days: who asks, in which channel, about what, when.

    Each customer opens ``Poisson(service_request_rate x days / 30.4)`` requests at uniform
    days; the channel comes from ``service_channel_probabilities`` and the category from
    :data:`CATEGORY_MIX`. Phone, branch and store requests arrive in opening hours
    (:data:`ecrm_lab.world.behaviour.SERVICE_HOURS_OFFICE`: 7-20, peaking late morning); the
    others at any time, mostly in the day (the same profiles as the world's requests).

    Returns
    -------
    DataFrame
        ``request_id``, ``customer_id``, ``channel``, ``category``, ``opened_at`` — the
        columns of the world's ``service_requests`` the analyses need.
    """
    where = "simulate_requests"
    traits = as_traits(traits, where)
    check_param(days, "days", where, int, interval=Interval(1, 3660))
    rng = as_rng(random_state, where)
    domain = _domain(traits)
    t0 = pd.Timestamp(start).as_unit("ns")
    rate = behaviour.service_request_rate(traits, domain) * days / 30.4
    k = rng.poisson(rate)
    owner = np.repeat(np.arange(len(traits)), k)
    tr = traits.iloc[owner]
    n = len(owner)
    chans = np.array(SERVICE_CHANNELS[domain], dtype=object)
    ch = chans[behaviour.draw_categorical(rng, behaviour.service_channel_probabilities(tr, domain))]
    cats = np.array(SERVICE_CATEGORIES[domain], dtype=object)
    cat = cats[rng.choice(len(cats), size=n, p=np.array(CATEGORY_MIX[domain]))]
    day = rng.integers(0, days, size=n).astype(np.float64)
    office = np.isin(ch, behaviour.OFFICE_CHANNELS)
    hours_office, hours_any = behaviour.SERVICE_HOURS_OFFICE, behaviour.SERVICE_HOURS_ANY
    h = np.where(
        office,
        rng.choice(24, size=n, p=hours_office / hours_office.sum()),
        rng.choice(24, size=n, p=hours_any / hours_any.sum()),
    )
    t = day + (h + rng.random(n)) / 24.0
    order = np.argsort(t, kind="stable")
    return pd.DataFrame(
        {
            "request_id": np.arange(1, n + 1, dtype=np.int64),
            "customer_id": tr["customer_id"].to_numpy(dtype=np.int64)[order],
            "channel": pd.Categorical(ch[order], categories=SERVICE_CHANNELS[domain]),
            "category": pd.Categorical(cat[order], categories=SERVICE_CATEGORIES[domain]),
            "opened_at": t0 + pd.to_timedelta(np.floor(t[order] * 86_400), unit="s"),
        }
    )


# ---------------------------------------------------------------------------------------------
# self-service: knowledge base / FAQ, tracking, status pages
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SelfService:
    """What the self-service channel can answer.

    Parameters
    ----------
    faq_coverage : mapping of category to float
        Share of the requests of each category the solutions knowledge base / FAQ answers
        (categories not listed: 0).
    tracking : bool
        Order / package tracking page: answers every ``order_tracking`` request and half of
        ``delivery_problem`` (retail).
    status_pages : bool
        Contract and warranty status pages: answer half of ``warranty_claim`` (retail) and a
        third of ``product_query`` (bank) — the "is it still covered?" part.
    faq_first_share : float
        Share of requests arriving at an assisted channel that are steered to the FAQ first
        (web banners, a recorded message on the phone line).

    Examples
    --------
    >>> SelfService.default("retail").coverage("retail")["order_tracking"]
    1.0
    >>> SelfService(faq_coverage={"complaint": 1.5})
    Traceback (most recent call last):
    ...
    ecrm_lab.exceptions.InvalidParameterError: The 'faq_coverage' parameter of SelfService must be a float in [0, 1]. Got 1.5 instead.
    """

    faq_coverage: Mapping[str, float] = field(default_factory=dict)
    tracking: bool = False
    status_pages: bool = False
    faq_first_share: float = 0.0

    def __post_init__(self) -> None:
        where = "SelfService"
        known = set(SERVICE_CATEGORIES["bank"]) | set(SERVICE_CATEGORIES["retail"])
        if not isinstance(self.faq_coverage, Mapping):
            raise InvalidParameterError(
                f"The 'faq_coverage' parameter of {where} must be a mapping of category to "
                f"share. Got {self.faq_coverage!r} instead."
            )
        for cat, v in self.faq_coverage.items():
            check_param(cat, "faq_coverage", where, str, choices=tuple(sorted(known)))
            check_param(v, "faq_coverage", where, float, interval=Interval(0, 1))
        check_param(self.tracking, "tracking", where, bool)
        check_param(self.status_pages, "status_pages", where, bool)
        check_param(self.faq_first_share, "faq_first_share", where, float, interval=Interval(0, 1))

    @classmethod
    def none(cls) -> SelfService:
        """No knowledge base, no tracking, no status pages."""
        return cls()

    @classmethod
    def default(cls, domain: str) -> SelfService:
        """A typical knowledge base: answers routine questions, not disputes or complaints."""
        cov = {
            "bank": {
                "account_access": 0.7,
                "fees_statement": 0.6,
                "product_query": 0.5,
                "address_change": 0.8,
                "card_problem": 0.3,
            },
            "retail": {
                "return_refund": 0.6,
                "product_defect": 0.3,
                "billing_payment": 0.5,
                "account_access": 0.7,
                "delivery_problem": 0.2,
            },
        }[check_param(domain, "domain", "SelfService.default", str, choices=("bank", "retail"))]
        return cls(faq_coverage=cov, tracking=True, status_pages=True, faq_first_share=0.2)

    def coverage(self, domain: str) -> dict[str, float]:
        """Share of each category answered by self-service (FAQ, tracking, status pages)."""
        cov = {c: float(self.faq_coverage.get(c, 0.0)) for c in SERVICE_CATEGORIES[domain]}
        if self.tracking and domain == "retail":
            cov["order_tracking"] = 1.0
            cov["delivery_problem"] = max(cov["delivery_problem"], 0.5)
        if self.status_pages:
            if domain == "retail":
                cov["warranty_claim"] = max(cov["warranty_claim"], 0.5)
            else:
                cov["product_query"] = 1.0 - (1.0 - cov["product_query"]) * (2.0 / 3.0)
        return cov


@dataclass(frozen=True, eq=False, repr=False)
class DeflectionResult(Result):
    """Requests deflected to self-service and the handling cost saved.

    Attributes
    ----------
    table : DataFrame
        One row per configuration (``baseline``, ``with self-service``): ``requests``,
        ``tried_self_service``, ``deflected``, ``deflection_rate``, ``assisted``,
        ``agent_hours``, ``cost``, ``cost_per_request``.
    by_category : DataFrame
        Per request category: ``requests``, ``coverage``, ``deflected`` (with self-service),
        ``deflection_rate``, ``cost_saved``.
    requests : DataFrame
        The requests with ``final_channel_baseline``, ``final_channel`` and ``deflected``.
    cost_saved : float
    """

    table: pd.DataFrame
    by_category: pd.DataFrame
    requests: pd.DataFrame
    cost_saved: float
    title = "Self-service deflection"

    def summary(self) -> pd.DataFrame:
        return self.table

    def plot(self, ax=None, **kwargs):
        from ..plotting.operational import plot_deflection

        return plot_deflection(self, ax=ax, **kwargs)


def _route(
    tr: pd.DataFrame,
    channel: np.ndarray,
    category: np.ndarray,
    ss: SelfService,
    domain: str,
    u: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Final channel, whether self-service was tried and whether it solved the request."""
    cov = ss.coverage(domain)
    c = np.array([cov[x] for x in SERVICE_CATEGORIES[domain]])
    cat_idx = pd.Categorical(category, categories=SERVICE_CATEGORIES[domain]).codes
    coverage = np.where(cat_idx >= 0, c[np.maximum(cat_idx, 0)], 0.0)
    on_ss = channel == "web_self_service"
    steered = ~on_ss & (u[:, 0] < ss.faq_first_share)
    tried = on_ss | steered
    success = behaviour.resolution_probability(tr, "web_self_service") * coverage
    solved = tried & (u[:, 1] < success)
    # unsolved self-service requests go to an assisted channel: back to the original one, or
    # (arrived on self-service) the customer's likeliest assisted channel by the behaviour mix
    probs = behaviour.service_channel_probabilities(tr, domain)
    chans = np.array(SERVICE_CHANNELS[domain], dtype=object)
    assisted = probs.copy()
    assisted[:, list(chans).index("web_self_service")] = 0.0
    cum = np.cumsum(assisted, axis=1)
    pick = (cum < (u[:, 2] * cum[:, -1])[:, None]).sum(axis=1)
    fallback = chans[np.minimum(pick, len(chans) - 1)]
    final = np.where(solved, "web_self_service", np.where(on_ss, fallback, channel))
    return final.astype(object), tried, solved


def deflection(
    requests: pd.DataFrame,
    traits: Any,
    self_service: SelfService,
    *,
    baseline: SelfService | None = None,
    random_state: RandomState = None,
) -> DeflectionResult:
    """Replay requests with and without self-service and count what it deflects.

    A request tries self-service when it arrives on the web self-service channel or is
    steered there (``faq_first_share``); it is solved there with probability *coverage of
    its category* x :func:`~ecrm_lab.world.behaviour.resolution_probability` (``web_self_service``,
    lower for distressed customers). Unsolved requests go to an assisted channel. Both
    configurations see the same random draws, so the difference is the effect of the
    self-service channel alone. Costs are :data:`COST_PER_REQUEST`.

    Parameters
    ----------
    requests : DataFrame
        ``customer_id``, ``channel``, ``category`` (the world's ``service_requests`` or
        :func:`simulate_requests`).
    traits : World or DataFrame
    self_service : SelfService
    baseline : SelfService, optional
        What it is compared with (default :meth:`SelfService.none`).
    """
    where = "deflection"
    traits = as_traits(traits, where)
    for name, v in (("self_service", self_service), ("baseline", baseline)):
        if v is not None and not isinstance(v, SelfService):
            raise InvalidParameterError(
                f"The {name!r} parameter of {where} must be a SelfService. Got "
                f"{type(v).__name__} instead."
            )
    baseline = baseline or SelfService.none()
    check_columns(requests, ["customer_id", "channel", "category"], where)
    domain = _domain(traits)
    ch = requests["channel"].astype(str).to_numpy(dtype=object)
    bad = ~np.isin(ch, SERVICE_CHANNELS[domain])
    if bad.any():
        raise DataError(
            f"{where}: unknown service channel {ch[bad][0]!r}; use {SERVICE_CHANNELS[domain]}."
        )
    cat = requests["category"].astype(str).to_numpy(dtype=object)
    tr = align_traits(traits, requests["customer_id"].to_numpy(), where)
    u = as_rng(random_state, where).random((len(requests), 3))
    rows, finals = [], {}
    cost_map = COST_PER_REQUEST
    for name, ss in (("baseline", baseline), ("with self-service", self_service)):
        final, tried, solved = _route(tr, ch, cat, ss, domain, u)
        finals[name] = (final, solved)
        cost = np.array([cost_map[x] for x in final]) + np.where(
            tried & ~solved, SELF_SERVICE_COST, 0.0
        )
        minutes = np.array([HANDLE_MINUTES[x] for x in final])
        rows.append(
            {
                "configuration": name,
                "requests": len(final),
                "tried_self_service": int(tried.sum()),
                "deflected": int(solved.sum()),
                "deflection_rate": safe_ratio(solved.sum(), len(final)),
                "assisted": int((final != "web_self_service").sum()),
                "agent_hours": float(minutes.sum() / 60.0),
                "cost": float(cost.sum()),
                "cost_per_request": safe_ratio(cost.sum(), len(final)),
            }
        )
    table = pd.DataFrame(rows)
    saved = float(table["cost"].iloc[0] - table["cost"].iloc[1])
    f0, s0 = finals["baseline"]
    f1, s1 = finals["with self-service"]
    c0 = np.array([cost_map[x] for x in f0])
    c1 = np.array([cost_map[x] for x in f1])
    cov = self_service.coverage(domain)
    per = pd.DataFrame({"category": cat, "deflected": s1, "saved": c0 - c1})
    g = per.groupby("category", sort=False)
    by_cat = pd.DataFrame(
        {"requests": g.size(), "deflected": g["deflected"].sum(), "cost_saved": g["saved"].sum()}
    ).reset_index()
    by_cat.insert(2, "coverage", by_cat["category"].map(cov).astype(np.float64))
    by_cat["deflection_rate"] = by_cat["deflected"] / by_cat["requests"]
    by_cat = by_cat.sort_values("cost_saved", ascending=False, kind="stable").reset_index(drop=True)
    out = requests.copy()
    out["final_channel_baseline"] = f0.astype(str)
    out["final_channel"] = f1.astype(str)
    out["deflected"] = s1
    return DeflectionResult(table=table, by_category=by_cat, requests=out, cost_saved=saved)


# ---------------------------------------------------------------------------------------------
# contract and warranty status look-ups
# ---------------------------------------------------------------------------------------------
def contract_status(accounts: pd.DataFrame, as_of: Any, customer_id: Any = None) -> pd.DataFrame:
    """Which of a customer's contracts (bank accounts) are running on ``as_of``.

    Parameters
    ----------
    accounts : DataFrame
        ``account_id``, ``customer_id``, ``product_code``, ``open_date``, ``close_date``
        (the world's ``accounts``).
    as_of : date
    customer_id : int or sequence of int, optional
        Look up only these customers (the service agent's screen); default all.

    Returns
    -------
    DataFrame
        ``account_id``, ``customer_id``, ``product_code``, ``open_date``, ``close_date``,
        ``contract_status`` (``in_contract``, ``out_of_contract``, ``not_yet_open``) and
        ``months_held``.
    """
    where = "contract_status"
    check_columns(
        accounts, ["account_id", "customer_id", "product_code", "open_date", "close_date"], where
    )
    t = pd.Timestamp(as_of)
    a = accounts
    if customer_id is not None:
        ids = np.atleast_1d(np.asarray(customer_id, dtype=np.int64))
        a = a[a["customer_id"].isin(ids)]
    opened = pd.to_datetime(a["open_date"])
    closed = pd.to_datetime(a["close_date"])
    status = np.where(
        opened > t,
        "not_yet_open",
        np.where(closed.notna() & (closed <= t), "out_of_contract", "in_contract"),
    )
    end = closed.where(closed.notna() & (closed <= t), t)
    months = ((end - opened) / pd.Timedelta(days=30.4375)).clip(lower=0)
    out = a[["account_id", "customer_id", "product_code", "open_date", "close_date"]].copy()
    out["contract_status"] = pd.Categorical(
        status, categories=["in_contract", "out_of_contract", "not_yet_open"]
    )
    out["months_held"] = months.to_numpy(dtype=np.float64)
    return out.reset_index(drop=True)


def warranty_status(
    orders: pd.DataFrame,
    order_lines: pd.DataFrame,
    products: pd.DataFrame,
    as_of: Any,
    *,
    customer_id: Any = None,
    warranty_days: float = 365.0,
    long_warranty: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Warranty status of every item a customer bought (retail).

    Parameters
    ----------
    orders, order_lines, products : DataFrame
        The world's ``orders`` (``order_id``, ``customer_id``, ``order_date``),
        ``order_lines`` (``order_id``, ``product_code``) and ``products`` (``product_code``,
        ``category``).
    as_of : date
    customer_id : int or sequence, optional
    warranty_days : float
        Length of the standard warranty (the world's: 365 days).
    long_warranty : mapping of category to days, optional
        Categories with a longer warranty (default: electronics, twice as long).

    Returns
    -------
    DataFrame
        ``customer_id``, ``order_id``, ``product_code``, ``category``, ``order_date``,
        ``warranty_until``, ``warranty_status`` (``in_warranty`` / ``out_of_warranty``),
        ``days_left``.
    """
    where = "warranty_status"
    check_param(warranty_days, "warranty_days", where, float, interval=Interval(0, None, "neither"))
    check_columns(orders, ["order_id", "customer_id", "order_date"], where + " (orders)")
    check_columns(order_lines, ["order_id", "product_code"], where + " (order_lines)")
    check_columns(products, ["product_code", "category"], where + " (products)")
    long_warranty = {"electronics": 2 * warranty_days} if long_warranty is None else long_warranty
    o = orders[["order_id", "customer_id", "order_date"]]
    if customer_id is not None:
        ids = np.atleast_1d(np.asarray(customer_id, dtype=np.int64))
        o = o[o["customer_id"].isin(ids)]
    t = pd.Timestamp(as_of)
    o = o[pd.to_datetime(o["order_date"]) <= t]
    lines = order_lines[["order_id", "product_code"]].merge(o, on="order_id", how="inner")
    cat = products[["product_code", "category"]].drop_duplicates("product_code")
    lines = lines.merge(cat, on="product_code", how="left")
    days = lines["category"].astype(str).map(long_warranty).fillna(warranty_days)
    until = pd.to_datetime(lines["order_date"]) + pd.to_timedelta(days.to_numpy(), unit="D")
    left = (until - t) / pd.Timedelta(days=1)
    out = lines[["customer_id", "order_id", "product_code", "category", "order_date"]].copy()
    out["warranty_until"] = until.to_numpy()
    out["warranty_status"] = pd.Categorical(
        np.where(left >= 0, "in_warranty", "out_of_warranty"),
        categories=["in_warranty", "out_of_warranty"],
    )
    out["days_left"] = left.clip(lower=0).to_numpy(dtype=np.float64)
    return out.sort_values(["customer_id", "order_date", "order_id"], kind="stable").reset_index(
        drop=True
    )


# ---------------------------------------------------------------------------------------------
# the queue: Erlang C and a discrete-time simulation
# ---------------------------------------------------------------------------------------------
def erlang_c(
    arrivals_per_hour: float,
    handle_minutes: float,
    agents: Any,
    target_seconds: float = 20.0,
) -> pd.DataFrame:
    """The M/M/c queue a call centre plans with (Erlang C), for one or more staffing levels.

    With offered load ``a = arrivals x handle time`` (Erlangs) and ``c`` agents:
    ``P(wait) = C(c, a)`` (the Erlang C formula), mean wait (ASA)
    ``= P(wait) x handle / (c - a)``, service level (share answered within the target)
    ``= 1 - P(wait) x exp(-(c - a) x target / handle)``, occupancy ``= a / c``.
    With ``c <= a`` the queue grows without bound (service level 0, wait infinite).

    Examples
    --------
    100 calls an hour of 3 minutes (5 Erlangs) with 7 agents: a third of the callers wait,
    74 % are answered within 20 seconds:

    >>> r = erlang_c(100, 3.0, 7, target_seconds=20)
    >>> round(float(r["p_wait"].iloc[0]), 4), round(float(r["service_level"].iloc[0]), 3)
    (0.3241, 0.74)
    """
    where = "erlang_c"
    lam = check_param(
        arrivals_per_hour, "arrivals_per_hour", where, float, interval=Interval(0, None)
    )
    h = check_param(
        handle_minutes, "handle_minutes", where, float, interval=Interval(0, None, "neither")
    )
    tgt = check_param(target_seconds, "target_seconds", where, float, interval=Interval(0, None))
    c = np.atleast_1d(np.asarray(agents))
    if c.dtype.kind not in "iu" or (c < 1).any():
        raise InvalidParameterError(
            f"The 'agents' parameter of {where} must be an int >= 1 (or a list of them). "
            f"Got {agents!r} instead."
        )
    a = lam * h / 60.0
    out = []
    for ci in c.astype(np.int64):
        if a == 0:
            pw = 0.0
        elif ci <= a:
            pw = 1.0
        else:
            # Erlang B by the stable recursion, then Erlang C
            b = 1.0
            for k in range(1, ci + 1):
                b = a * b / (k + a * b)
            pw = ci * b / (ci - a * (1 - b))
        stable = ci > a
        asa = pw * h * 60.0 / (ci - a) if stable else np.inf
        sl = 1 - pw * np.exp(-(ci - a) * tgt / (h * 60.0)) if stable else 0.0
        out.append(
            {
                "agents": int(ci),
                "load_erlangs": a,
                "occupancy": min(a / ci, 1.0),
                "p_wait": pw,
                "asa_seconds": asa,
                "service_level": sl,
            }
        )
    return pd.DataFrame(out)


@dataclass(frozen=True, eq=False, repr=False)
class StaffingResult(Result):
    """Service level, waiting time and cost for each number of agents.

    Attributes
    ----------
    table : DataFrame
        :func:`erlang_c` per staffing level, with ``cost_per_hour`` and ``meets_target``.
    recommended : int
        Fewest agents meeting the service-level target.
    arrivals_per_hour, handle_minutes, target_seconds, service_level_target : float
    """

    table: pd.DataFrame
    recommended: int
    arrivals_per_hour: float
    handle_minutes: float
    target_seconds: float
    service_level_target: float
    title = "Staffing what-if (Erlang C)"

    def summary(self) -> pd.DataFrame:
        return self.table

    def plot(self, ax=None, **kwargs):
        from ..plotting.operational import plot_staffing

        return plot_staffing(self, ax=ax, **kwargs)


def staffing(
    arrivals_per_hour: float,
    handle_minutes: float,
    *,
    target_seconds: float = 20.0,
    service_level_target: float = 0.8,
    agents: Sequence[int] | None = None,
    cost_per_agent_hour: float = AGENT_COST_PER_HOUR,
) -> StaffingResult:
    """How many agents for a service-level target (e.g. 80 % answered within 20 s)?

    Examples
    --------
    >>> staffing(100, 3.0).recommended
    8
    """
    where = "staffing"
    slt = check_param(
        service_level_target,
        "service_level_target",
        where,
        float,
        interval=Interval(0, 1, "neither"),
    )
    cost = check_param(
        cost_per_agent_hour, "cost_per_agent_hour", where, float, interval=Interval(0, None)
    )
    load = (
        check_param(
            arrivals_per_hour, "arrivals_per_hour", where, float, interval=Interval(0, None)
        )
        * check_param(
            handle_minutes, "handle_minutes", where, float, interval=Interval(0, None, "neither")
        )
        / 60.0
    )
    if agents is None:
        lo = max(1, int(np.floor(load)))
        agents = list(range(lo, lo + max(6, int(np.ceil(0.5 * load)) + 4)))
    table = erlang_c(arrivals_per_hour, handle_minutes, list(agents), target_seconds)
    table["cost_per_hour"] = table["agents"] * cost
    table["meets_target"] = table["service_level"] >= slt
    ok = table.loc[table["meets_target"], "agents"]
    if ok.empty:
        extra = int(load) + 1
        while True:
            r = erlang_c(arrivals_per_hour, handle_minutes, extra, target_seconds)
            if float(r["service_level"].iloc[0]) >= slt:
                break
            extra += 1
        recommended = extra
    else:
        recommended = int(ok.min())
    return StaffingResult(
        table=table,
        recommended=recommended,
        arrivals_per_hour=float(arrivals_per_hour),
        handle_minutes=float(handle_minutes),
        target_seconds=float(target_seconds),
        service_level_target=slt,
    )


def hourly_staffing(
    arrivals: Any,
    handle_minutes: float,
    *,
    target_seconds: float = 20.0,
    service_level_target: float = 0.8,
) -> pd.DataFrame:
    """Agents needed in each hour of the day for the service-level target (Erlang C).

    The arrivals are averaged per hour of the day over the days they span; each hour gets
    the fewest agents whose Erlang C service level meets the target (none when nobody
    calls). The result's ``agents`` column is a schedule :func:`simulate_queue` accepts.

    Returns
    -------
    DataFrame
        24 rows: ``hour``, ``arrivals_per_hour`` (mean), ``agents``, ``service_level``.
    """
    where = "hourly_staffing"
    h = check_param(
        handle_minutes, "handle_minutes", where, float, interval=Interval(0, None, "neither")
    )
    slt = check_param(
        service_level_target,
        "service_level_target",
        where,
        float,
        interval=Interval(0, 1, "neither"),
    )
    t = pd.to_datetime(pd.Series(np.asarray(arrivals))).astype("datetime64[ns]")
    if len(t) == 0 or t.isna().any():
        raise DataError(f"{where}: needs arrival times without missing values.")
    days = max(1, int(t.dt.normalize().nunique()))
    span = (t.max().normalize() - t.min().normalize()).days + 1
    days = max(days, span)
    rate = np.bincount(t.dt.hour.to_numpy(), minlength=24) / days
    agents = np.zeros(24, dtype=np.int64)
    level = np.ones(24)
    for hr in range(24):
        if rate[hr] <= 0:
            continue
        s = staffing(float(rate[hr]), h, target_seconds=target_seconds, service_level_target=slt)
        agents[hr] = s.recommended
        level[hr] = float(
            erlang_c(float(rate[hr]), h, s.recommended, target_seconds)["service_level"].iloc[0]
        )
    return pd.DataFrame(
        {"hour": np.arange(24), "arrivals_per_hour": rate, "agents": agents, "service_level": level}
    )


@dataclass(frozen=True, eq=False, repr=False)
class QueueResult(MetricResult):
    """A simulated queue of requests.

    Attributes
    ----------
    intervals : DataFrame
        Per time step: ``start``, ``arrivals``, ``agents``, ``capacity`` (requests the agents
        can finish), ``served``, ``backlog`` (waiting at the end of the step).
    waits : numpy.ndarray
        Waiting time of each request in minutes (NaN for requests still waiting at the end).
    metrics : DataFrame
        ``metric``, ``value``: requests, served, still_waiting, mean_wait_minutes,
        p90_wait_minutes, service_level (share waiting at most ``target_minutes``),
        max_backlog, agent_hours, occupancy.
    target_minutes : float
    """

    intervals: pd.DataFrame
    waits: np.ndarray
    metrics: pd.DataFrame
    target_minutes: float
    title = "Request queue"

    def summary(self) -> pd.DataFrame:
        return self.metrics

    def plot(self, ax=None, **kwargs):
        from ..plotting.operational import plot_queue

        return plot_queue(self, ax=ax, **kwargs)


def simulate_queue(
    arrivals: Any,
    *,
    handle_minutes: float,
    agents: Any,
    step_minutes: float = 15.0,
    target_minutes: float = 0.5,
    start: Any = None,
    end: Any = None,
) -> QueueResult:
    """A first-in-first-out queue of requests, simulated in discrete time steps.

    In each step of ``step_minutes`` the agents on duty can finish
    ``agents x step / handle_minutes`` requests; the backlog carries over
    (``backlog_t = max(0, backlog_{t-1} + arrivals_t - capacity_t)``). Each request's
    waiting time comes from the cumulative served curve (the request that arrived ``k``-th is
    served when ``k`` requests have been served), so no per-request loop is needed.

    Parameters
    ----------
    arrivals : array-like of datetime
        Arrival times (e.g. ``service_requests.opened_at`` of one channel).
    handle_minutes : float
        Average handling time.
    agents : int, array-like or callable
        Agents on duty: a constant, one value per hour of the day (24 values), or a callable
        ``agents(step_starts) -> array``.
    step_minutes : float
        Length of a time step.
    target_minutes : float
        Service-level target (e.g. 0.33 for 20 s on the phone, 1440 for e-mail within a day).
    start, end : date, optional
        Simulated period (default: the day of the first arrival to the day after the last).
    """
    where = "simulate_queue"
    h = check_param(
        handle_minutes, "handle_minutes", where, float, interval=Interval(0, None, "neither")
    )
    step = check_param(
        step_minutes, "step_minutes", where, float, interval=Interval(0, 1440, "right")
    )
    tgt = check_param(target_minutes, "target_minutes", where, float, interval=Interval(0, None))
    t = pd.to_datetime(pd.Series(np.asarray(arrivals))).astype("datetime64[ns]").sort_values()
    if t.isna().any():
        raise DataError(f"{where}: arrivals has missing times.")
    if len(t) == 0:
        raise DataError(f"{where}: there are no arrivals to simulate.")
    t0 = pd.Timestamp(start) if start is not None else t.iloc[0].normalize()
    t1 = pd.Timestamp(end) if end is not None else t.iloc[-1].normalize() + pd.Timedelta(days=1)
    if t1 <= t0:
        raise InvalidParameterError(f"{where}: end must be after start.")
    n_steps = int(np.ceil((t1 - t0) / pd.Timedelta(minutes=step)))
    starts = t0 + pd.to_timedelta(np.arange(n_steps) * step, unit="min")
    mins = ((t - t0) / pd.Timedelta(minutes=1)).to_numpy(dtype=np.float64)
    if (mins < 0).any() or (mins >= n_steps * step).any():
        raise DataError(f"{where}: some arrivals fall outside [start, end).")
    idx = np.floor(mins / step).astype(np.int64)
    arr = np.bincount(idx, minlength=n_steps).astype(np.float64)
    if callable(agents):
        staff = np.asarray(agents(starts), dtype=np.float64)
    else:
        a = np.asarray(agents, dtype=np.float64)
        if a.ndim == 0:
            staff = np.full(n_steps, float(a))
        elif a.shape == (24,):
            staff = a[starts.hour.to_numpy()]
        else:
            raise InvalidParameterError(
                f"The 'agents' parameter of {where} must be a number, 24 hourly values or a "
                f"callable. Got an array of shape {a.shape} instead."
            )
    if staff.shape != (n_steps,) or (staff < 0).any() or np.isnan(staff).any():
        raise InvalidParameterError(
            f"The 'agents' parameter of {where} must give one number >= 0 per step."
        )
    cap = staff * step / h
    backlog = np.zeros(n_steps)
    served = np.zeros(n_steps)
    b = 0.0
    for i in range(n_steps):  # Lindley recursion over time steps (not over requests)
        work = b + arr[i]
        s = min(work, cap[i])
        served[i] = s
        b = work - s
        backlog[i] = b
    # FIFO: the k-th arrival (k = 1..n) leaves when cumulative service reaches k; service
    # inside a step is spread evenly over the step
    cum_served = np.cumsum(served)
    k = np.arange(1, len(mins) + 1, dtype=np.float64)
    j = np.searchsorted(cum_served, k - 1e-9)
    done = j < n_steps
    prev = np.where(j > 0, cum_served[np.maximum(j - 1, 0)], 0.0)
    frac = np.where(
        served[np.minimum(j, n_steps - 1)] > 0,
        (k - prev) / np.maximum(served[np.minimum(j, n_steps - 1)], 1e-12),
        1.0,
    )
    leave = (j + np.clip(frac, 0.0, 1.0)) * step
    waits = np.where(done, np.maximum(leave - mins - h, 0.0), np.nan)
    # the wait is the time before an agent starts: leave time minus arrival minus handling
    # (never negative)
    w_ok = waits[done]
    intervals = pd.DataFrame(
        {
            "start": starts,
            "arrivals": arr.astype(np.int64),
            "agents": staff,
            "capacity": cap,
            "served": served,
            "backlog": backlog,
        }
    )
    agent_hours = float(staff.sum() * step / 60.0)
    metrics = pd.DataFrame(
        [
            ("requests", float(len(mins))),
            ("served", float(done.sum())),
            ("still_waiting", float((~done).sum())),
            ("mean_wait_minutes", float(w_ok.mean()) if len(w_ok) else np.nan),
            ("p90_wait_minutes", float(np.quantile(w_ok, 0.9)) if len(w_ok) else np.nan),
            ("service_level", float((w_ok <= tgt).sum() / len(mins))),
            ("max_backlog", float(backlog.max())),
            ("agent_hours", agent_hours),
            ("occupancy", safe_ratio(served.sum() * h / 60.0, agent_hours)),
        ],
        columns=["metric", "value"],
    )
    return QueueResult(intervals=intervals, waits=waits, metrics=metrics, target_minutes=tgt)


# ---------------------------------------------------------------------------------------------
# proactive chat / callback from the click-stream
# ---------------------------------------------------------------------------------------------
#: page types of the web site (as in the world's page_views)
PAGE_TYPES = ("catalogue", "product", "faq", "tracking", "support", "checkout", "login")
#: P(page type) of a page view by session intent (browse, high intent, distressed) — the
#: world's click-stream mix (columns: PAGE_TYPES without login)
_PAGE_MIX = np.array(
    [
        [0.42, 0.40, 0.07, 0.05, 0.03, 0.03],
        [0.20, 0.50, 0.05, 0.03, 0.02, 0.20],
        [0.05, 0.06, 0.30, 0.25, 0.31, 0.03],
    ]
)
_INTENTS = ("browse", "high_intent", "distressed")
SIGNAL_COLUMNS = (
    "session_id",
    "customer_id",
    "started_at",
    "n_page_views",
    "product_views",
    "support_views",
    "checkout_views",
    "recent_visits",
    "product_code",
)


def session_signals(
    web_sessions: pd.DataFrame,
    page_views: pd.DataFrame,
    identity: pd.DataFrame,
    *,
    session_truth: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Observable signals of each web session of the world's click-stream.

    Parameters
    ----------
    web_sessions, page_views : DataFrame
        The world's ``web_sessions`` (``session_id``, ``visitor_id``, ``started_at``,
        ``n_page_views``) and ``page_views`` (``session_id``, ``page_type``,
        ``product_code``).
    identity : DataFrame
        Who owns each cookie: ``key`` (the visitor id) and ``customer_id`` — the world's
        truth ``identity_map`` (rows with ``system == 'web_cookie'``), or the result of an
        identity-resolution step.
    session_truth : DataFrame, optional
        The world's ``web_session_truth`` (``session_id``, ``intent``) to score triggers.

    Returns
    -------
    DataFrame
        :data:`SIGNAL_COLUMNS` (sessions of cookies with a known owner) plus ``intent`` when
        the truth is given. ``recent_visits`` counts the same cookie's sessions in the 7 days
        before.
    """
    where = "session_signals"
    check_columns(
        web_sessions,
        ["session_id", "visitor_id", "started_at", "n_page_views"],
        where + " (web_sessions)",
    )
    check_columns(page_views, ["session_id", "page_type", "product_code"], where + " (page_views)")
    check_columns(identity, ["key", "customer_id"], where + " (identity)")
    ident = identity
    if "system" in identity.columns:
        ident = identity[identity["system"].astype(str) == "web_cookie"]
    owner = ident.drop_duplicates("key").set_index("key")["customer_id"]
    s = web_sessions[["session_id", "visitor_id", "started_at", "n_page_views"]].copy()
    s["customer_id"] = s["visitor_id"].astype(str).map(owner)
    s = s[s["customer_id"].notna()].copy()
    s["customer_id"] = s["customer_id"].astype(np.int64)
    pv = page_views[["session_id", "page_type", "product_code"]]
    pt = pv["page_type"].astype(str)
    counts = (
        pd.DataFrame(
            {
                "session_id": pv["session_id"].to_numpy(),
                "product_views": (pt == "product").to_numpy(),
                "support_views": pt.isin(["faq", "support", "tracking"]).to_numpy(),
                "checkout_views": (pt == "checkout").to_numpy(),
            }
        )
        .groupby("session_id")
        .sum()
    )
    prod = pv[pt == "product"].dropna(subset=["product_code"])
    top = (
        prod.groupby(["session_id", "product_code"], observed=True)
        .size()
        .rename("n")
        .reset_index()
        .sort_values(["session_id", "n"], ascending=[True, False], kind="stable")
        .drop_duplicates("session_id")
        .set_index("session_id")["product_code"]
    )
    s = s.join(counts, on="session_id")
    for c in ("product_views", "support_views", "checkout_views"):
        s[c] = s[c].fillna(0).astype(np.int64)
    s["product_code"] = s["session_id"].map(top)
    # repeat visits of the same cookie in the 7 days before
    s = s.sort_values(["visitor_id", "started_at"], kind="stable")
    st = pd.to_datetime(s["started_at"]).to_numpy(dtype="datetime64[ns]").astype(np.int64)
    vis = s["visitor_id"].astype(str).to_numpy()
    week = 7 * 86_400 * 10**9
    recent = np.zeros(len(s), dtype=np.int64)
    if len(s):
        codes = pd.factorize(vis)[0]
        key = codes.astype(np.float64) * 1e19 + st.astype(np.float64)
        lo = np.searchsorted(key, codes.astype(np.float64) * 1e19 + (st - week).astype(np.float64))
        recent = np.arange(len(s)) - lo
    s["recent_visits"] = recent
    s = s.sort_values("session_id", kind="stable").reset_index(drop=True)
    out = s[list(SIGNAL_COLUMNS)]
    if session_truth is not None:
        check_columns(session_truth, ["session_id", "intent"], where + " (session_truth)")
        out = out.merge(session_truth[["session_id", "intent"]], on="session_id", how="left")
        out["intent"] = out["intent"].astype(str)
    return out


def simulate_sessions(
    traits: Any,
    *,
    days: int = 30,
    start: Any = "2025-01-01",
    random_state: RandomState = None,
) -> pd.DataFrame:
    """Web sessions of ``days`` days with their observable signals and true intent.

    The same model as the world's click-stream: ``web_session_rate`` sessions a month; a
    session is *distressed* with ``distress_probability``, else *high intent* with
    ``session_intent_probability``, else *browse*; page views ``1 + Poisson(2)`` (browse),
    ``3 + Poisson(2 + 10 P(intent))`` (high intent) or ``3 + Poisson(3 + 10 distress)``
    (distressed), spread over the page types by the world's page mix. Distressed and
    high-intent sessions are followed by repeat visits within days (``Poisson(3 distress)``
    resp. ``Poisson(2 P(intent))``), which show up as ``recent_visits``.

    Returns
    -------
    DataFrame
        :data:`SIGNAL_COLUMNS` plus ``intent``.
    """
    where = "simulate_sessions"
    traits = as_traits(traits, where)
    check_param(days, "days", where, int, interval=Interval(1, 3660))
    rng = as_rng(random_state, where)
    domain = _domain(traits)
    t0 = pd.Timestamp(start).as_unit("ns")
    rate = behaviour.web_session_rate(traits, domain) * days / 30.4
    k = rng.poisson(rate)
    owner = np.repeat(np.arange(len(traits)), k)
    tr = traits.iloc[owner].reset_index(drop=True)
    n = len(tr)
    p_d = behaviour.distress_probability(tr)
    p_i = behaviour.session_intent_probability(tr)
    u = rng.random(n)
    intent = np.where(u < p_d, 2, np.where(u < p_d + (1 - p_d) * p_i, 1, 0))
    dist = tr["service_distress"].to_numpy(dtype=np.float64)
    # repeat visits of distress / intent episodes
    reps = np.where(
        intent == 2, rng.poisson(3 * dist), np.where(intent == 1, rng.poisson(2 * p_i), 0)
    )
    day0 = rng.random(n) * days
    base_idx = np.repeat(np.arange(n), 1 + reps)
    seq = np.arange(len(base_idx)) - np.repeat(np.cumsum(1 + reps) - (1 + reps), 1 + reps)
    gap = np.where(seq > 0, rng.exponential(1.5, len(base_idx)), 0.0)
    # cumulative gaps within each episode
    grp_start = np.cumsum(1 + reps) - (1 + reps)
    csum = np.cumsum(gap)
    t = day0[base_idx] + csum - np.repeat(csum[grp_start] - gap[grp_start], 1 + reps)
    keep = t < days
    s_idx = base_idx[keep]
    s_t = t[keep]
    s_int = intent[s_idx]
    trs = tr.iloc[s_idx].reset_index(drop=True)
    pi_s = p_i[s_idx]
    d_s = dist[s_idx]
    lam = np.where(s_int == 0, 2.0, np.where(s_int == 1, 2 + 10 * pi_s, 3 + 10 * d_s))
    views = np.where(s_int == 0, 1, 3) + rng.poisson(lam)
    mix = _PAGE_MIX[s_int]
    counts = np.zeros((len(views), mix.shape[1]), dtype=np.int64)
    # multinomial split of the page views over the page types, vectorised by intent
    for it in range(3):
        sel = np.flatnonzero(s_int == it)
        if len(sel):
            counts[sel] = rng.multinomial(views[sel], _PAGE_MIX[it])
    # product looked at: drawn from the customer's affinities (bank: not the current
    # account, which nearly everybody holds)
    codes = _shop_codes(domain)
    aff = np.column_stack([trs[f"affinity_{c}"].to_numpy(dtype=np.float64) for c in codes])
    product = (
        np.array(codes, dtype=object)[behaviour.draw_categorical(rng, aff**2)]
        if len(trs)
        else np.array([], dtype=object)
    )
    cust = trs["customer_id"].to_numpy(dtype=np.int64)
    order = np.lexsort((cust, s_t))
    started = t0 + pd.to_timedelta(np.floor(s_t[order] * 86_400), unit="s")
    frame = pd.DataFrame(
        {
            "session_id": np.arange(1, len(order) + 1, dtype=np.int64),
            "customer_id": cust[order],
            "started_at": started,
            "n_page_views": views[order].astype(np.int64),
            "product_views": counts[order, 1],
            "support_views": counts[order][:, [2, 3, 4]].sum(axis=1),
            "checkout_views": counts[order, 5],
            "product_code": np.where(counts[order, 1] > 0, product[order], None),
            "intent": np.array(_INTENTS, dtype=object)[s_int[order]],
        }
    )
    # visits of the same customer in the 7 days before
    f = frame.sort_values(["customer_id", "started_at"], kind="stable")
    ts = f["started_at"].to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(np.float64)
    cid = f["customer_id"].to_numpy(dtype=np.float64)
    key = cid * 1e17 + ts / 1e3
    lo = np.searchsorted(key, cid * 1e17 + (ts - 7 * 86_400e9) / 1e3)
    recent = pd.Series(np.arange(len(f)) - lo, index=f.index)
    frame["recent_visits"] = recent.sort_index().to_numpy(dtype=np.int64)
    return frame[list(SIGNAL_COLUMNS) + ["intent"]]


@dataclass(frozen=True)
class TriggerRule:
    """When to offer proactive chat (or a callback) to a web visitor.

    Offer when the session looks like purchase **intent** — at least
    ``min_product_views`` product pages, or a checkout page after at least
    ``min_page_views`` pages — or like **distress** — at least ``min_support_views`` FAQ,
    support or tracking pages, or at least ``min_recent_visits`` visits in the past week with
    a support page in this one. Set a threshold to 0 to switch that part off.

    Examples
    --------
    >>> TriggerRule(min_product_views=-1)
    Traceback (most recent call last):
    ...
    ecrm_lab.exceptions.InvalidParameterError: The 'min_product_views' parameter of TriggerRule must be an int in [0, inf). Got -1 instead.
    """

    min_product_views: int = 4
    min_page_views: int = 6
    min_support_views: int = 3
    min_recent_visits: int = 2
    offer: str = "chat"

    def __post_init__(self) -> None:
        for name in (
            "min_product_views",
            "min_page_views",
            "min_support_views",
            "min_recent_visits",
        ):
            check_param(getattr(self, name), name, "TriggerRule", int, interval=Interval(0, None))
        check_param(self.offer, "offer", "TriggerRule", str, choices=("chat", "callback"))

    def fire(self, signals: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Boolean arrays (intent trigger, distress trigger) for each session."""
        pv = signals["n_page_views"].to_numpy()
        prod = signals["product_views"].to_numpy()
        sup = signals["support_views"].to_numpy()
        chk = signals["checkout_views"].to_numpy()
        rec = signals["recent_visits"].to_numpy()
        intent = np.zeros(len(signals), dtype=bool)
        if self.min_product_views:
            intent |= prod >= self.min_product_views
        if self.min_page_views:
            intent |= (chk > 0) & (pv >= self.min_page_views)
        distress = np.zeros(len(signals), dtype=bool)
        if self.min_support_views:
            distress |= sup >= self.min_support_views
        if self.min_recent_visits:
            distress |= (rec >= self.min_recent_visits) & (sup > 0)
        return intent & ~distress, distress


def offer_acceptance_probability(traits: pd.DataFrame, offer: str) -> np.ndarray:
    """P(a visitor accepts a proactive offer): chat ``0.15 + 0.25`` for customers who prefer
    web or mobile; callback ``0.15 + 0.25`` for customers who prefer the phone; lower for
    those who do not like being contacted (``- 0.1`` for do-not-disturb-prone low
    ``response_treated``). A function of the traits (not part of the behaviour model)."""
    pref = traits["channel_pref"].astype(str).to_numpy(dtype=object)
    likes = np.isin(pref, ("web", "mobile")) if offer == "chat" else np.isin(pref, ("phone",))
    resp = traits["response_treated"].to_numpy(dtype=np.float64)
    return np.clip(0.15 + 0.25 * likes - 0.1 * (resp < 0.002), 0.02, 0.9)


#: how much likelier a purchase is in a high-intent session than over a campaign window
#: (added on the logit scale to the behaviour model's take-up probability)
INTENT_LOGIT_LIFT = 1.5


def _shop_codes(domain: str) -> tuple[str, ...]:
    return tuple(c for c in affinity_codes(domain) if c != "current_account")


def session_conversion_probability(
    traits: pd.DataFrame, product_code: Any, helped: Any, offer: str = "chat"
) -> np.ndarray:
    """P(a high-intent session ends in a purchase of ``product_code``), with or without a
    proactive chat or callback.

    The behaviour model's :func:`~ecrm_lab.world.behaviour.take_up_probability` — contacted
    (``helped``: the chat or callback is a personal contact; a callback is a phone contact)
    or not — raised by :data:`INTENT_LOGIT_LIFT` on the logit scale because the visitor is
    shopping right now. So a chat helps persuadables, does nothing for sure things and lost
    causes, and puts do-not-disturb customers off.
    """
    n = len(traits)
    codes = (
        np.full(n, product_code, dtype=object)
        if isinstance(product_code, str)
        else np.asarray(product_code, dtype=object)
    )
    helped = np.broadcast_to(np.asarray(helped, dtype=bool), (n,))
    channel = "phone" if offer == "callback" else None
    p = np.zeros(n)
    for c in pd.unique(codes):
        sel = codes == c
        sub = traits[sel]
        p[sel] = behaviour.take_up_probability(
            sub, c, helped[sel], channel if channel is None else np.full(int(sel.sum()), channel)
        )
    return behaviour.logistic(behaviour.logit(p) + INTENT_LOGIT_LIFT)


@dataclass(frozen=True, eq=False, repr=False)
class ProactiveResult(MetricResult):
    """What a proactive chat / callback rule achieved.

    Attributes
    ----------
    table : DataFrame
        ``metric``, ``value``: sessions, triggered (intent / distress), precision of each
        trigger against the true intent, recall, offers, accepted, conversions with the
        offers, conversions without (the same sessions, no offer), incremental conversions,
        problems solved in chat, dissatisfying contacts avoided, churners avoided (expected),
        cost (split by trigger), incremental margin, net value (incremental margin minus
        cost; the service value of distress chats is not in money), cost per incremental
        conversion.
    sessions : DataFrame
        The signals with ``trigger`` (``intent``, ``distress`` or empty), ``accepted``,
        ``converted``, ``converted_without``.
    rule : TriggerRule
    """

    table: pd.DataFrame
    sessions: pd.DataFrame
    rule: TriggerRule
    title = "Proactive chat / callback"

    def summary(self) -> pd.DataFrame:
        return self.table

    def plot(self, ax=None, **kwargs):
        from ..plotting.operational import plot_proactive

        return plot_proactive(self, ax=ax, **kwargs)


def proactive_chat(
    signals: pd.DataFrame,
    traits: Any,
    rule: TriggerRule | None = None,
    *,
    margin_per_conversion: float | None = None,
    random_state: RandomState = None,
) -> ProactiveResult:
    """Offer chat (or a callback) to the sessions a rule picks, and count the outcome.

    For each triggered session the visitor accepts with
    :func:`offer_acceptance_probability`. An accepted chat in a truly high-intent session
    converts with :func:`session_conversion_probability` (helped); without the offer it
    would have converted with the unhelped probability (same random draw, so the difference
    is the chat's effect). An accepted chat in a truly distressed session solves the problem
    with :func:`~ecrm_lab.world.behaviour.resolution_probability` (``chat``); otherwise the
    customer would have raised a service request, dissatisfying with the probability of the
    assisted channels. Cost: agent minutes of the accepted chats/callbacks.

    Parameters
    ----------
    signals : DataFrame
        :func:`session_signals` or :func:`simulate_sessions` (with ``intent`` to score).
    traits : World or DataFrame
    rule : TriggerRule, optional
    margin_per_conversion : float, optional
        Margin of one purchase (default: the catalogue margin of the product,
        :func:`~ecrm_lab.operational.campaign.offer_economics`).
    """
    from .campaign import offer_economics

    where = "proactive_chat"
    traits = as_traits(traits, where)
    rule = rule or TriggerRule()
    if not isinstance(rule, TriggerRule):
        raise InvalidParameterError(
            f"The 'rule' parameter of {where} must be a TriggerRule. Got "
            f"{type(rule).__name__} instead."
        )
    check_param(margin_per_conversion, "margin_per_conversion", where, float, nullable=True)
    check_columns(signals, [c for c in SIGNAL_COLUMNS if c != "started_at"], where)
    domain = _domain(traits)
    if "intent" not in signals.columns:
        raise DataError(
            f"{where}: the signals need the true 'intent' column to score the "
            "rule (pass session_truth= to session_signals)."
        )
    tr = align_traits(traits, signals["customer_id"].to_numpy(), where)
    n = len(signals)
    rng = as_rng(random_state, where)
    u = rng.random((n, 3))
    trig_i, trig_d = rule.fire(signals)
    triggered = trig_i | trig_d
    accepted = triggered & (u[:, 0] < offer_acceptance_probability(tr, rule.offer))
    intent = signals["intent"].astype(str).to_numpy()
    hi = intent == "high_intent"
    di = intent == "distressed"
    codes = _shop_codes(domain)
    aff = np.column_stack([tr[f"affinity_{c}"].to_numpy(dtype=np.float64) for c in codes])
    fav = np.array(codes, dtype=object)[aff.argmax(axis=1)] if n else np.array([], object)
    prod = signals["product_code"].astype(object).to_numpy()
    prod = np.where(pd.isna(prod) | ~np.isin(prod, codes), fav, prod)
    p_help = session_conversion_probability(tr, prod, accepted, rule.offer)
    p_none = session_conversion_probability(tr, prod, np.zeros(n, dtype=bool), rule.offer)
    converted = hi & (u[:, 1] < p_help)
    converted_without = hi & (u[:, 1] < p_none)
    # distress: chat solves the problem, or a later request may dissatisfy
    solved = accepted & di & (u[:, 2] < behaviour.resolution_probability(tr, "chat"))
    p_dis = _p_dissatisfied(tr, domain)
    avoided = float(p_dis[solved].sum())
    # each dissatisfying contact multiplies the monthly hazard by the behaviour model's
    # DISSATISFIED_CHURN_FACTOR for RECENT_DAYS
    hz = tr["churn_hazard"].to_numpy(dtype=np.float64)
    lift = 1.0 - 1.0 / behaviour.DISSATISFIED_CHURN_FACTOR
    churn_avoided = float((p_dis * hz * lift * RECENT_DAYS / 30.4)[solved].sum())
    minutes = HANDLE_MINUTES["chat"] if rule.offer == "chat" else HANDLE_MINUTES["phone"]
    per_chat = AGENT_COST_PER_HOUR * minutes / 60.0
    cost = float(accepted.sum() * per_chat)
    if margin_per_conversion is None:
        marg = np.array([offer_economics(domain, c)["margin"] for c in codes])
        m = marg[pd.Categorical(prod, categories=codes).codes]
    else:
        m = np.full(n, margin_per_conversion)
    inc_margin = float(m[converted].sum() - m[converted_without].sum())
    inc = int(converted.sum()) - int(converted_without.sum())
    rows = [
        ("sessions", n),
        ("triggered_intent", int(trig_i.sum())),
        ("triggered_distress", int(trig_d.sum())),
        ("precision_intent", safe_ratio((trig_i & hi).sum(), trig_i.sum())),
        ("recall_intent", safe_ratio((trig_i & hi).sum(), hi.sum())),
        ("precision_distress", safe_ratio((trig_d & di).sum(), trig_d.sum())),
        ("recall_distress", safe_ratio((trig_d & di).sum(), di.sum())),
        ("offers", int(triggered.sum())),
        ("accepted", int(accepted.sum())),
        ("acceptance_rate", safe_ratio(accepted.sum(), triggered.sum())),
        ("conversions_with_offers", int(converted.sum())),
        ("conversions_without_offers", int(converted_without.sum())),
        ("incremental_conversions", inc),
        ("problems_solved_in_chat", int(solved.sum())),
        ("dissatisfying_contacts_avoided", avoided),
        ("churners_avoided", churn_avoided),
        ("cost_intent_offers", float((accepted & trig_i).sum() * per_chat)),
        ("cost_distress_offers", float((accepted & trig_d).sum() * per_chat)),
        ("cost", cost),
        ("incremental_margin", inc_margin),
        ("net_value", inc_margin - cost),
        ("cost_per_incremental_conversion", safe_ratio(cost, inc) if inc > 0 else np.nan),
    ]
    table = pd.DataFrame(rows, columns=["metric", "value"]).astype({"value": np.float64})
    sess = signals.copy()
    sess["trigger"] = np.where(trig_i, "intent", np.where(trig_d, "distress", ""))
    sess["accepted"] = accepted
    sess["converted"] = converted
    sess["converted_without"] = converted_without
    return ProactiveResult(table=table, sessions=sess, rule=rule)


# ---------------------------------------------------------------------------------------------
# service quality and retention
# ---------------------------------------------------------------------------------------------
def _p_dissatisfied(traits: pd.DataFrame, domain: str, resolution_boost: float = 0.0) -> np.ndarray:
    """P(a service request of the customer leaves them dissatisfied), averaged over the
    channels they use, with first-contact resolution improved by ``resolution_boost`` (a
    share of the unresolved requests resolved at once instead)."""
    probs = behaviour.service_channel_probabilities(traits, domain)
    d = traits["service_distress"].to_numpy(dtype=np.float64)
    pa = 0.1 + 0.3 * d
    n = len(traits)
    out = np.zeros(n)
    for j, ch in enumerate(SERVICE_CHANNELS[domain]):
        r = behaviour.resolution_probability(traits, ch)
        r = r + resolution_boost * (1.0 - r)
        routes = np.column_stack(
            [
                r,
                (1 - r) * (1 - P_ESCALATE) * (1 - pa),
                (1 - r) * P_ESCALATE * (1 - pa),
                (1 - r) * pa,
            ]
        )
        sat = np.column_stack(
            [
                behaviour.satisfaction_probability(traits, np.full(n, lvl))
                for lvl in (*_RESOLVED_LEVEL, 0.0)
            ]
        )
        out += probs[:, j] * (routes * (1.0 - sat)).sum(axis=1)
    return out


def expected_dissatisfied_contacts(
    traits: Any, resolution_boost: float = 0.0, window_days: float = RECENT_DAYS
) -> np.ndarray:
    """Expected dissatisfying service contacts of each customer in ``window_days``.

    ``service_request_rate x window / 30.4 x P(dissatisfied | request)``, where the
    probability follows the world's service model: resolved at first contact with
    ``resolution_probability`` (raised by ``resolution_boost``), else followed up or
    escalated (:data:`P_ESCALATE`) or abandoned, each with its ``satisfaction_probability``.
    """
    where = "expected_dissatisfied_contacts"
    traits = as_traits(traits, where)
    check_param(resolution_boost, "resolution_boost", where, float, interval=Interval(-1, 1))
    check_param(window_days, "window_days", where, float, interval=Interval(0, None, "neither"))
    domain = _domain(traits)
    rate = behaviour.service_request_rate(traits, domain) * window_days / 30.4
    return rate * _p_dissatisfied(traits, domain, resolution_boost)


def churn_hazard_given_service(traits: Any, resolution_boost: float = 0.0) -> np.ndarray:
    """Monthly churn hazard of each customer when first-contact resolution changes.

    The trait ``churn_hazard`` is the hazard under the world's service quality. Each
    dissatisfying contact in the last :data:`RECENT_DAYS` days multiplies the hazard by
    :data:`~ecrm_lab.world.behaviour.DISSATISFIED_CHURN_FACTOR` (2.5)
    (:func:`ecrm_lab.world.behaviour.churn_hazard`), so a service that leaves ``D_new``
    instead of ``D_base`` expected dissatisfying contacts gives
    ``churn_hazard(traits, D_new - D_base)``. ``resolution_boost`` is the share of the
    requests not solved at first contact that are solved at once instead (negative: service
    gets worse). ``resolution_boost=0`` returns the trait itself. This is the function the
    lifecycle lessons use for "service quality and retention".

    Examples
    --------
    >>> from ecrm_lab.operational import population_traits
    >>> t = population_traits("bank", 300, seed=1)
    >>> bool((churn_hazard_given_service(t, 0.5) <= t["churn_hazard"].to_numpy()).all())
    True
    """
    where = "churn_hazard_given_service"
    traits = as_traits(traits, where)
    check_param(resolution_boost, "resolution_boost", where, float, interval=Interval(-1, 1))
    if resolution_boost == 0.0:
        return traits["churn_hazard"].to_numpy(dtype=np.float64).copy()
    d0 = expected_dissatisfied_contacts(traits, 0.0)
    d1 = expected_dissatisfied_contacts(traits, resolution_boost)
    return behaviour.churn_hazard(traits, d1 - d0)


@dataclass(frozen=True, eq=False, repr=False)
class ServiceRetention(Result):
    """Service quality and retention: churn and customer value under better (or worse)
    first-contact resolution.

    Attributes
    ----------
    table : DataFrame
        One row per ``resolution_boost``: ``first_contact_resolution`` (mean),
        ``dissatisfied_per_customer_year``, ``monthly_churn`` (mean hazard),
        ``retention_12m`` (mean 12-month survival), ``churners_per_1000_year``,
        ``value`` (sum of the customers' discounted value over ``months``) and
        ``value_change`` against no change.
    months : int
    """

    table: pd.DataFrame
    months: int
    title = "Service quality and retention"

    def summary(self) -> pd.DataFrame:
        return self.table

    def plot(self, ax=None, **kwargs):
        from ..plotting.operational import plot_service_retention

        return plot_service_retention(self, ax=ax, **kwargs)


def service_retention(
    traits: Any,
    resolution_boosts: Sequence[float] = (-0.2, 0.0, 0.2, 0.5),
    *,
    months: int = 24,
) -> ServiceRetention:
    """Churn and customer value at several levels of first-contact resolution.

    Uses :func:`churn_hazard_given_service` and the world's value formula
    (:func:`ecrm_lab.world.behaviour.true_value` with the trait ``monthly_profit``). Note
    that keeping an unprofitable customer longer *lowers* the value — at a typical bank most
    customers are unprofitable, which is why customer-centric metrics matter.
    """
    where = "service_retention"
    traits = as_traits(traits, where)
    check_param(months, "months", where, int, interval=Interval(1, 600))
    boosts = [
        check_param(b, "resolution_boosts", where, float, interval=Interval(-1, 1))
        for b in resolution_boosts
    ]
    if not boosts:
        raise InvalidParameterError(f"The 'resolution_boosts' parameter of {where} is empty.")
    domain = _domain(traits)
    if "monthly_profit" in traits.columns:
        profit = traits["monthly_profit"].to_numpy(dtype=np.float64)
    else:
        profit = behaviour.expected_monthly_profit(traits, domain)
    probs = behaviour.service_channel_probabilities(traits, domain)
    rows = []
    base_value = None
    for b in [0.0, *boosts]:
        h = churn_hazard_given_service(traits, b)
        fcr = np.zeros(len(traits))
        for j, ch in enumerate(SERVICE_CHANNELS[domain]):
            r = behaviour.resolution_probability(traits, ch)
            fcr += probs[:, j] * (r + b * (1 - r))
        value = float(behaviour.true_value(profit, h, months).sum())
        if base_value is None:
            base_value = value
            continue
        rows.append(
            {
                "resolution_boost": b,
                "first_contact_resolution": float(fcr.mean()),
                "dissatisfied_per_customer_year": float(
                    expected_dissatisfied_contacts(traits, b, 365.25).mean()
                ),
                "monthly_churn": float(h.mean()),
                "retention_12m": float(((1 - h) ** 12).mean()),
                "churners_per_1000_year": float(1000 * (1 - (1 - h) ** 12).mean()),
                "value": value,
                "value_change": value - base_value,
            }
        )
    return ServiceRetention(table=pd.DataFrame(rows), months=months)
