"""Generate a synthetic eCRM world: one latent model of each customer drives every source.

The steps, each reading what the previous ones produced (see :class:`WorldContext`):

1. :func:`~ecrm_lab.world.traits.draw_traits` — the latent customer (truth ``customer_traits``);
2. :func:`~ecrm_lab.world.customers.make_customers` — ``customers`` (+ truth ``email_quality``,
   ``true_churn``);
3. :func:`~ecrm_lab.world.products.make_products` — ``products``;
4. bank: :func:`~ecrm_lab.world.banking.make_bank_activity` — ``accounts``, ``transactions``;
   retail: :func:`~ecrm_lab.world.orders.make_retail_activity` — ``orders``, ``order_lines``
   (+ truth ``planted_rules``, ``planted_sequences``, ``planted_anomalies``);
5. :func:`~ecrm_lab.world.campaigns.make_campaigns` — ``campaigns``, ``campaign_contacts``,
   ``campaign_responses`` (+ truth ``campaign_uplift``);
6. the sources in :mod:`ecrm_lab.world.sources`, in the order of :data:`SOURCE_MODULES`
   (web click-stream, service requests, sales funnel, lifecycle events, raw extracts with
   planted data-quality faults);
7. truth ``customer_value`` (realised profit).
"""

from __future__ import annotations

import os
from datetime import date, datetime
from typing import Any

import pandas as pd

from .. import __version__
from .._validation import Interval, Param, check_param, validate_params
from ..exceptions import InvalidParameterError
from ._context import WorldContext
from .banking import make_bank_activity
from .campaigns import make_campaigns
from .customers import make_customers
from .orders import make_retail_activity
from .products import make_products
from .sources import extracts, lifecycle, sales, service, web
from .traits import draw_traits
from .truth import customer_value
from .world import SCHEMA_VERSION, World, record_generated

__all__ = ["generate", "GENERATE_PARAMS", "SOURCE_MODULES", "MAX_CUSTOMERS", "MAX_MONTHS"]

MAX_CUSTOMERS = 5_000_000
MAX_MONTHS = 120
#: the source modules of :mod:`ecrm_lab.world.sources`, called in this order
SOURCE_MODULES = ("web", "service", "sales", "lifecycle", "extracts")
assert SOURCE_MODULES == tuple(
    m.__name__.rsplit(".", 1)[1] for m in (web, service, sales, lifecycle, extracts)
)

GENERATE_PARAMS = (
    Param(
        "domain",
        str,
        "bank",
        "which synthetic business: 'bank' or 'retail'",
        choices=("bank", "retail"),
    ),
    Param("n_customers", int, 2000, "number of customers", Interval(1, MAX_CUSTOMERS)),
    Param("seed", int, 42, "random seed: same seed, same world", Interval(0, 2**32 - 1)),
    Param("start", str, "2023-01-01", "first day of the observed horizon (YYYY-MM-DD)"),
    Param("months", int, 24, "length of the horizon in months", Interval(1, MAX_MONTHS)),
)


def _parse_start(value: Any, where: str = "generate") -> pd.Timestamp:
    if isinstance(value, datetime | date | pd.Timestamp):
        value = pd.Timestamp(value).strftime("%Y-%m-%d")
    spec = GENERATE_PARAMS[3]
    text = spec.validate(value, where)
    try:
        ts = pd.Timestamp(text)
    except (ValueError, TypeError):
        ts = None
    if ts is None or ts is pd.NaT or ts != ts.normalize() or not 1950 <= ts.year <= 2100:
        raise InvalidParameterError(
            f"The 'start' parameter of {where} must be a date 'YYYY-MM-DD' between 1950 and "
            f"2100. Got {value!r} instead."
        )
    return ts.as_unit("ns")


def generate(
    domain: str = "bank",
    n_customers: int = 2000,
    seed: int = 42,
    start: str = "2023-01-01",
    months: int = 24,
    *,
    n_jobs: int | None = None,
) -> World:
    """Generate a synthetic bank or retail world.

    Parameters
    ----------
    domain : {'bank', 'retail'}
        Which business.
    n_customers : int
        Number of customers (1 to 5,000,000).
    seed : int
        Seed; the same parameters always give the same world, whatever the machine.
    start : str
        First day of the observed horizon, ``'YYYY-MM-DD'``.
    months : int
        Length of the horizon (1 to 120 months).
    n_jobs : int, optional
        Threads for the block-wise steps (default: up to 4, the number of CPUs). The world
        does not depend on it: blocks of customers have their own random streams.

    Returns
    -------
    World
        Observed ``tables``, ground ``truth`` and ``meta``.

    Examples
    --------
    >>> w = generate("bank", n_customers=500, seed=7, months=12)
    >>> w.meta["domain"], len(w["customers"])
    ('bank', 500)
    >>> float(w.truth["customer_traits"]["true_value"].lt(0).mean()) > 0.5
    True
    """
    p = validate_params(
        GENERATE_PARAMS,
        {
            "domain": domain,
            "n_customers": n_customers,
            "seed": seed,
            "months": months,
            "start": "2023-01-01",
        },
        "generate",
    )
    start_ts = _parse_start(start)
    if n_jobs is None:
        n_jobs = min(4, os.cpu_count() or 1)
    n_jobs = check_param(n_jobs, "n_jobs", "generate", int, interval=Interval(1, 64))
    ctx = WorldContext(
        p["domain"], p["n_customers"], p["seed"], start_ts, p["months"], n_jobs=n_jobs
    )
    traits = draw_traits(ctx)
    ctx.truth["customer_traits"] = traits
    make_customers(ctx, traits)
    make_products(ctx)
    if ctx.domain == "bank":
        make_bank_activity(ctx, traits)
    else:
        make_retail_activity(ctx, traits)
    make_campaigns(ctx, traits)
    for module in (web, service, sales, lifecycle, extracts):
        module.generate(ctx)
    ctx.truth["customer_value"] = customer_value(ctx, traits)
    meta = {
        "domain": ctx.domain,
        "n_customers": ctx.n_customers,
        "seed": ctx.seed,
        "start": ctx.start.strftime("%Y-%m-%d"),
        "months": ctx.months,
        "end": ctx.end.strftime("%Y-%m-%d"),
        "package_version": __version__,
        "schema_version": SCHEMA_VERSION,
    }
    world = World(tables=dict(ctx.tables), truth=dict(ctx.truth), meta=meta)
    record_generated(
        f"world:{ctx.domain}:n={ctx.n_customers}:seed={ctx.seed}:"
        f"start={meta['start']}:months={ctx.months}",
        world,
    )
    return world
