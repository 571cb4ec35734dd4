"""The event sources of the synthetic world, generated after the customers, their holdings /
orders and the campaigns exist (see :mod:`ecrm_lab.world.generate`).

Each module exposes ``generate(ctx)`` and registers the schemas of its tables:

* :mod:`~ecrm_lab.world.sources.web` — ``web_sessions``, ``page_views`` (click-stream with
  intent and distress signals; truth ``web_session_truth``, cookie rows of ``identity_map``);
* :mod:`~ecrm_lab.world.sources.service` — ``service_requests`` (truth ``service_truth``);
* :mod:`~ecrm_lab.world.sources.sales` — ``sales_leads``, ``sales_opportunities``,
  ``sales_stage_events`` (truth ``sales_truth``);
* :mod:`~ecrm_lab.world.sources.lifecycle` — ``lifecycle_events``;
* :mod:`~ecrm_lab.world.sources.extracts` — ``raw_crm_customers``, ``raw_web_customers``,
  ``raw_billing_customers`` (truth ``data_quality_faults``, key rows of ``identity_map``).

Every probability and rate comes from the latent traits through
:mod:`ecrm_lab.world.behaviour` (the sources only draw from it); churn and win-back dates are drawn once, in the customers
step, and read from ``true_churn``.
"""

from . import extracts, lifecycle, sales, service, web

__all__ = ["web", "service", "sales", "lifecycle", "extracts", "SOURCE_ORDER"]

#: the order in which the generator calls the modules
SOURCE_ORDER = ("web", "service", "sales", "lifecycle", "extracts")
