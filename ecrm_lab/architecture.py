"""The eCRM architecture as data: its parts, what they contain, and which lesson covers them.

The figure of lesson 00 (:func:`ecrm_lab.plotting.plot_architecture`) and the course map are
drawn from :data:`COMPONENTS` and the lesson registry, so the map stays true as lessons are
added: a part is linked to every registered lesson that lists one of the part's concepts.

>>> from ecrm_lab.architecture import components
>>> components().loc["analytical", "layer"]
'analytical CRM'
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["Component", "COMPONENTS", "components", "course_map", "lessons_for"]


@dataclass(frozen=True)
class Component:
    """One part of the eCRM picture."""

    key: str
    label: str
    layer: str
    items: tuple[str, ...]
    concepts: tuple[str, ...]
    description: str


COMPONENTS: tuple[Component, ...] = (
    Component(
        "touch_points",
        "Customer touch points",
        "customers",
        ("web site", "e-mail", "chat", "call centre", "branch / store", "mobile", "letter"),
        ("customer touch points", "multi-channel access"),
        "Where customers meet the firm; customers touch operational and collaborative CRM.",
    ),
    Component(
        "operational",
        "Operational CRM",
        "operational CRM",
        ("campaign management", "sales force automation", "customer service"),
        ("operational CRM", "campaign management", "sales funnel", "customer service"),
        "Customer-facing processes: marketing automation, sales force automation, service.",
    ),
    Component(
        "collaborative",
        "Collaborative CRM",
        "collaborative CRM",
        (
            "e-mail",
            "web conferencing",
            "voice",
            "letter",
            "direct interaction",
            "partners / affiliates",
        ),
        ("collaborative CRM", "channels", "broadcast engine"),
        "Interaction between customers, staff and partners across channels.",
    ),
    Component(
        "analytical",
        "Analytical CRM",
        "analytical CRM",
        ("capture", "store", "extract", "process", "interpret", "report"),
        (
            "analytical CRM",
            "KDD process",
            "data mining",
            "classification",
            "regression",
            "link analysis",
            "segmentation",
            "deviation detection",
        ),
        "Answers why customers behave as they do; supports operational and collaborative CRM.",
    ),
    Component(
        "warehouse",
        "Data warehouse / marts",
        "analytical CRM",
        ("staging", "integration", "star schema", "customer 360 mart", "click-stream mart", "OLAP"),
        ("data warehouse", "customer 360", "OLAP", "click-stream"),
        "Integrates many sources, stores click-stream, supports campaigns and personalisation.",
    ),
    Component(
        "engines",
        "Engines of eCRM",
        "engines",
        (
            "360° customer view",
            "personalization engine",
            "broadcast engine",
            "transaction engine",
            "analytical (KDD) engine",
        ),
        (
            "engines of eCRM",
            "customer 360",
            "personalization engine",
            "broadcast engine",
            "transaction engine",
            "permission marketing",
        ),
        "The machinery that turns one view of the customer into message, offer and channel.",
    ),
    Component(
        "ebusiness",
        "Surrounding e-business",
        "e-business",
        (
            "storefront / web catalogue",
            "billing & payment gateway",
            "supply chain",
            "ERP",
            "back office",
            "content & knowledge management",
        ),
        ("e-business surroundings",),
        "The systems eCRM connects to and draws data from.",
    ),
    Component(
        "lifecycle",
        "Customer lifecycle",
        "customers",
        ("acquisition", "retention", "extension"),
        ("customer lifecycle", "acquisition", "retention", "extension", "customer value"),
        "Acquire, keep and grow customers; measured by profitability and lifetime value.",
    ),
)


def components() -> pd.DataFrame:
    """The parts of the architecture as a table indexed by key."""
    return pd.DataFrame(
        [
            {
                "key": c.key,
                "component": c.label,
                "layer": c.layer,
                "contains": ", ".join(c.items),
                "role": c.description,
            }
            for c in COMPONENTS
        ]
    ).set_index("key")


def lessons_for(component: Component) -> tuple[str, ...]:
    """Names of the registered lessons that cover one of the component's concepts."""
    from .lessons.registry import LESSONS

    wanted = {c.lower() for c in component.concepts}
    return tuple(lesson.name for lesson in LESSONS if wanted & {c.lower() for c in lesson.concepts})


def course_map() -> pd.DataFrame:
    """Which registered lesson covers which part of the architecture (one row per lesson)."""
    from .lessons.registry import LESSONS

    rows = []
    for lesson in LESSONS:
        parts = [c.label for c in COMPONENTS if lesson.name in lessons_for(c)]
        rows.append(
            {
                "lesson": lesson.name,
                "title": lesson.title,
                "architecture parts": ", ".join(parts) or "-",
                "concepts": ", ".join(lesson.concepts),
            }
        )
    return pd.DataFrame(rows)
