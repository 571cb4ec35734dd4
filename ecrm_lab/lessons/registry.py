"""The lesson registry: every lesson declared once.

A :class:`Lesson` names its number, slug, title, the eCRM concepts it covers and its
parameters (type, default, allowed values, one-line help). The notebook's ``parameters`` cell
is generated from this declaration (``make render``) and a test checks they agree, so the
runner, the command line and the notebook never disagree about what a lesson accepts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._validation import Interval, Param, unknown_param_error, validate_params
from ..exceptions import InvalidParameterError

__all__ = [
    "Lesson",
    "LESSONS",
    "get_lesson",
    "notebooks_dir",
    "data_params",
    "DOMAINS",
]

DOMAINS = ("bank", "retail")


def data_params(
    n_customers: int = 2000, seed: int = 42, max_customers: int = 200_000
) -> tuple[Param, ...]:
    """The parameters every lesson that uses data takes: ``domain``, ``n_customers``, ``seed``."""
    return (
        Param(
            "domain", str, "bank", "which synthetic business: 'bank' or 'retail'", choices=DOMAINS
        ),
        Param(
            "n_customers",
            int,
            n_customers,
            "number of customers in the synthetic world",
            Interval(200, max_customers),
        ),
        Param(
            "seed",
            int,
            seed,
            "random seed: same seed, same data and results",
            Interval(0, 2**32 - 1),
        ),
    )


@dataclass(frozen=True)
class Lesson:
    """One numbered lesson."""

    number: int
    slug: str
    title: str
    concepts: tuple[str, ...]
    params: tuple[Param, ...]

    @property
    def name(self) -> str:
        """``NN_slug``, the notebook's file stem."""
        return f"{self.number:02d}_{self.slug}"

    @property
    def notebook(self) -> Path:
        return notebooks_dir() / f"{self.name}.ipynb"

    @property
    def script(self) -> Path:
        """The paired jupytext percent script (the reviewable source of the notebook)."""
        return notebooks_dir() / f"{self.name}.py"

    @property
    def uses_data(self) -> bool:
        return any(p.name == "domain" for p in self.params)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise unknown_param_error(name, [p.name for p in self.params], f"lesson {self.name}")

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def validate(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Validated parameters with defaults filled in; raises InvalidParameterError."""
        return validate_params(self.params, values, f"lesson {self.name}")

    def parse(self, pairs: list[tuple[str, str]]) -> dict[str, Any]:
        """Parse ``NAME VALUE`` strings from the command line into validated parameters."""
        values: dict[str, Any] = {}
        for name, text in pairs:
            values[name] = self.param(name).parse(text, f"lesson {self.name}")
        return self.validate(values)


def notebooks_dir() -> Path:
    """Where the lesson notebooks live: ``$ECRM_LAB_NOTEBOOKS`` or ``notebooks/`` of the clone."""
    env = os.environ.get("ECRM_LAB_NOTEBOOKS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "notebooks"


LESSONS: tuple[Lesson, ...] = (
    Lesson(
        0,
        "ecrm_architecture",
        "The eCRM architecture and the map of the course",
        (
            "eCRM definition",
            "operational CRM",
            "collaborative CRM",
            "analytical CRM",
            "data warehouse",
            "engines of eCRM",
            "customer touch points",
            "e-business surroundings",
        ),
        (
            Param(
                "show_lessons",
                bool,
                True,
                "label each part of the architecture with the lessons that cover it",
            ),
        ),
    ),
    Lesson(
        1,
        "synthetic_world",
        "A synthetic enterprise with planted ground truth",
        (
            "synthetic world",
            "latent customer traits",
            "one behavioural model",
            "data dictionary",
            "ground truth",
            "customer touch points",
            "click-stream",
        ),
        data_params(),
    ),
    Lesson(
        2,
        "data_warehouse",
        "The data warehouse: many sources, one customer view",
        (
            "data warehouse",
            "analytical CRM",
            "staging",
            "integration",
            "identity resolution",
            "de-duplication",
            "code harmonisation",
            "star schema",
            "slowly changing dimension",
            "customer 360",
            "click-stream",
            "campaign mart",
            "OLAP",
            "e-business surroundings",
        ),
        data_params(),
    ),
    Lesson(
        3,
        "kdd_process",
        "The KDD process: from data to knowledge in five steps",
        (
            "KDD process",
            "analytical CRM",
            "data mining",
            "selection",
            "pre-processing",
            "transformation",
            "interpretation",
            "data leakage",
            "data, information, knowledge",
            "engines of eCRM",
        ),
        data_params(),
    ),
    Lesson(
        4,
        "classification",
        "Classification: who will take up the offer?",
        (
            "analytical CRM",
            "data mining",
            "classification",
            "propensity modelling",
            "response modelling",
            "baseline vs linear vs tree ensemble",
            "holdout evaluation",
            "ROC AUC",
            "precision and recall",
            "confusion matrix",
            "decile lift",
            "cumulative gains",
            "cost/benefit matrix",
            "profit-optimal threshold",
            "permutation importance",
            "oracle gap",
            "campaign targeting",
        ),
        data_params(),
    ),
    Lesson(
        5,
        "regression",
        "Regression: how much will a customer spend next?",
        (
            "analytical CRM",
            "data mining",
            "regression",
            "next-period spend",
            "customer value",
            "holdout evaluation",
            "RMSE",
            "MAE",
            "R²",
            "naive forecast",
            "residual diagnostics",
            "heteroscedasticity",
            "permutation importance",
        ),
        data_params(),
    ),
    Lesson(
        6,
        "link_analysis",
        "Link analysis: what goes together, and what comes next",
        (
            "analytical CRM",
            "data mining",
            "link analysis",
            "market basket analysis",
            "association rules",
            "support",
            "confidence",
            "lift",
            "leverage",
            "conviction",
            "apriori",
            "FP-growth",
            "redundant-rule pruning",
            "cross-sell",
            "next-best product",
            "sequential patterns",
        ),
        data_params(),
    ),
    Lesson(
        7,
        "segmentation",
        "Segmentation: groups of customers to treat alike",
        (
            "analytical CRM",
            "data mining",
            "segmentation",
            "RFM analysis",
            "cluster analysis",
            "k-means",
            "silhouette",
            "segment profiles",
            "segment actions",
            "adjusted Rand index",
        ),
        data_params(),
    ),
    Lesson(
        8,
        "deviation_detection",
        "Deviation detection: the unusual transaction, the customer who goes quiet",
        (
            "analytical CRM",
            "data mining",
            "deviation detection",
            "anomaly detection",
            "fraud detection",
            "isolation forest",
            "robust z-score",
            "precision at k",
            "recall at k",
            "behaviour change",
            "churn warning",
            "retention",
        ),
        data_params(),
    ),
    Lesson(
        9,
        "campaign_management",
        "Campaign management: from plan to incremental profit",
        (
            "operational CRM",
            "campaign management",
            "campaign workflow",
            "segmentation",
            "personalisation",
            "multi-channel execution",
            "permission marketing",
            "frequency caps",
            "response management",
            "attribution window",
            "response modelling",
            "uplift modelling",
            "campaign metrics",
            "ROI",
            "incremental profit",
            "online vs traditional direct marketing",
        ),
        (
            *data_params(),
            Param(
                "market_customers",
                int,
                15000,
                "customers in the larger market of the targeting case and the uplift pilot",
                Interval(2000, 200000),
            ),
            Param(
                "budget",
                float,
                400.0,
                "budget of the workflow campaign (fixed cost + contacts)",
                Interval(0, None),
            ),
            Param(
                "target_share",
                float,
                0.1,
                "share of the eligible customers a targeted campaign contacts",
                Interval(0, 1, "right"),
            ),
        ),
    ),
    Lesson(
        10,
        "sales_funnel",
        "The sales funnel: from lead to closed deal",
        (
            "operational CRM",
            "sales funnel",
            "sales process",
            "lead generation",
            "win rate",
            "sales cycle",
            "pipeline value",
            "leakage",
            "objections",
            "what-if analysis",
            "lead scoring",
        ),
        (
            *data_params(),
            Param(
                "market_customers",
                int,
                15000,
                "customers in the larger market used for the what-if and lead scoring",
                Interval(2000, 200000),
            ),
            Param(
                "leakage_cut",
                float,
                0.2,
                "share of a stage's lost leads won back in the what-if",
                Interval(0, 1),
            ),
            Param(
                "work_share",
                float,
                0.5,
                "share of the leads the sales force works when leads are scored",
                Interval(0, 1, "right"),
            ),
        ),
    ),
    Lesson(
        11,
        "customer_service",
        "Customer service: self-service, the queue, proactive chat and retention",
        (
            "operational CRM",
            "customer service",
            "multi-channel access",
            "knowledge base",
            "FAQ deflection",
            "order tracking",
            "contract and warranty status",
            "request management",
            "Erlang C",
            "staffing",
            "proactive chat",
            "service quality and retention",
        ),
        (
            *data_params(),
            Param(
                "call_centre_customers",
                int,
                100000,
                "customers served by the contact centre of the queue and staffing what-ifs",
                Interval(1000, 2000000),
            ),
            Param(
                "service_level_target",
                float,
                0.8,
                "share of calls to answer within 20 seconds",
                Interval(0, 1, "neither"),
            ),
            Param(
                "faq_first_share",
                float,
                0.2,
                "share of requests to assisted channels steered to the FAQ first",
                Interval(0, 1),
            ),
        ),
    ),
    Lesson(
        12,
        "customer_lifecycle",
        "The customer lifecycle: acquisition, retention, extension and what a customer is worth",
        (
            "customer lifecycle",
            "acquisition",
            "retention",
            "extension",
            "customer value",
            "acquisition channels",
            "cost per acquisition",
            "pay-per-click",
            "cohorts",
            "retention curve",
            "churn hazard",
            "service quality and retention",
            "up-sell",
            "cross-sell",
            "next-best product",
            "depth of relationship",
            "customer state model",
            "customer profitability",
            "ROI of interactions",
            "customer lifetime value",
        ),
        data_params(),
    ),
    Lesson(
        13,
        "personalization",
        "Personalization, broadcast and permission: the engines of eCRM",
        (
            "engines of eCRM",
            "customer 360",
            "360° customer view",
            "personalization engine",
            "rule-based offers",
            "collaborative filtering",
            "next-best product",
            "broadcast engine",
            "multi-channel reach",
            "frequency capping",
            "transaction engine",
            "permission marketing",
            "e-mail list quality",
            "web self-service",
            "one-to-many vs one-to-one",
        ),
        data_params(),
    ),
)


def get_lesson(key: str | int) -> Lesson:
    """Find a lesson by number (``1``, ``"01"``), slug or full name (``"01_synthetic_world"``)."""
    text = str(key).strip()
    for lesson in LESSONS:
        if text in (lesson.name, lesson.slug) or (text.isdigit() and int(text) == lesson.number):
            return lesson
    known = ", ".join(lesson.name for lesson in LESSONS)
    raise InvalidParameterError(f"There is no lesson {key!r}. Known lessons: {known}.")
