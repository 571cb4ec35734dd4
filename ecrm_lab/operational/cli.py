"""``ecrm-lab campaign-report`` and ``ecrm-lab staffing``: operational CRM on your own tables.

* ``campaign-report`` measures a campaign from three tables (who was in which group, who was
  contacted at what cost, who took up when): the course's metrics and the incremental
  profit against the control group, with intervals;
* ``staffing`` answers "how many agents for this call volume?" with Erlang C.
"""

from __future__ import annotations

import argparse
import json

import pandas as pd

from .._io import read_table
from .._validation import Interval, Param

__all__ = ["register", "REPORT_PARAMS", "STAFFING_PARAMS"]

#: options of ``ecrm-lab campaign-report``, declared once (validation and --help)
REPORT_PARAMS = {
    p.name: p
    for p in (
        Param("window_days", int, 30, "attribution window in days", Interval(1, 365)),
        Param("revenue", float, None, "revenue of one take-up", Interval(0, None), nullable=True),
        Param("margin", float, None, "margin of one take-up", nullable=True),
        Param("fixed_cost", float, 0.0, "fixed cost of the campaign", Interval(0, None)),
        Param("confidence", float, 0.95, "level of the intervals", Interval(0, 1, "neither")),
        Param("seed", int, 0, "seed of the bootstrap", Interval(0, 2**32 - 1)),
    )
}

#: options of ``ecrm-lab staffing``
STAFFING_PARAMS = {
    p.name: p
    for p in (
        Param("arrivals_per_hour", float, 100.0, "requests arriving per hour", Interval(0, None)),
        Param("handle_minutes", float, 3.0, "average handling time", Interval(0, None, "neither")),
        Param("target_seconds", float, 20.0, "answer within this many seconds", Interval(0, None)),
        Param(
            "service_level",
            float,
            0.8,
            "share to answer within the target",
            Interval(0, 1, "neither"),
        ),
    )
}


def _add_params(parser: argparse.ArgumentParser, specs: dict[str, Param]) -> None:
    for name, spec in specs.items():
        parser.add_argument(
            "--" + name.replace("_", "-"),
            dest=name,
            default=None,
            metavar=name.upper(),
            help=f"{spec.help}, {spec.allowed()}; default {spec.default!r}",
        )


def _options(args: argparse.Namespace, specs: dict[str, Param], where: str) -> dict:
    out = {}
    for name, spec in specs.items():
        raw = getattr(args, name)
        out[name] = spec.default if raw is None else spec.parse(raw, where)
    return out


def register(subparsers) -> None:
    """Add the ``campaign-report`` and ``staffing`` subcommands."""
    p = subparsers.add_parser(
        "campaign-report",
        help="metrics and incremental profit of a campaign from its tables",
        description=(
            "Measure a campaign: ASSIGNMENT has customer_id and group (treatment/control; "
            "optional revenue and margin per customer), CONTACTS has contact_id, customer_id, "
            "contact_date, channel, cost (optional opened, clicked), RESPONSES has customer_id "
            "and response_date of every take-up. Take-ups are matched to the latest contact "
            "within the attribution window; the control group gives the incremental effect."
        ),
    )
    p.add_argument("--assignment", required=True, metavar="FILE", help="groups (.csv/.parquet)")
    p.add_argument("--contacts", required=True, metavar="FILE", help="sends (.csv/.parquet)")
    p.add_argument("--responses", required=True, metavar="FILE", help="take-ups (.csv/.parquet)")
    _add_params(p, REPORT_PARAMS)
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    p.set_defaults(func=_cmd_report)

    s = subparsers.add_parser(
        "staffing",
        help="agents needed for a call volume and service-level target (Erlang C)",
        description=(
            "Erlang C (M/M/c): service level, average speed of answer and occupancy for a "
            "range of staffing levels, and the fewest agents meeting the target."
        ),
    )
    _add_params(s, STAFFING_PARAMS)
    s.add_argument("--json", action="store_true", help="print the table as JSON")
    s.set_defaults(func=_cmd_staffing)


def _cmd_report(args: argparse.Namespace) -> int:
    from .campaign import evaluate_campaign

    where = "ecrm-lab campaign-report"
    o = _options(args, REPORT_PARAMS, where)
    assignment = read_table(args.assignment, where)
    contacts = read_table(args.contacts, where)
    responses = read_table(args.responses, where)
    for frame, cols in ((contacts, ("contact_date",)), (responses, ("response_date",))):
        for c in cols:
            if c in frame.columns:
                frame[c] = pd.to_datetime(frame[c], errors="coerce")
    res = evaluate_campaign(
        assignment,
        contacts,
        responses,
        window_days=o["window_days"],
        revenue_per_take_up=o["revenue"],
        margin_per_take_up=o["margin"],
        fixed_cost=o["fixed_cost"],
        confidence=o["confidence"],
        random_state=o["seed"],
    )
    if args.json:
        rows = res.metrics.astype(object).where(res.metrics.notna(), None)
        print(json.dumps(rows.to_dict(orient="records"), indent=2))
        return 0
    with pd.option_context("display.width", 100, "display.precision", 4):
        print(res.metrics.to_string(index=False))
    return 0


def _cmd_staffing(args: argparse.Namespace) -> int:
    from .service import staffing

    where = "ecrm-lab staffing"
    o = _options(args, STAFFING_PARAMS, where)
    res = staffing(
        o["arrivals_per_hour"],
        o["handle_minutes"],
        target_seconds=o["target_seconds"],
        service_level_target=o["service_level"],
    )
    if args.json:
        table = res.table.astype(object).where(res.table.notna(), None)
        print(
            json.dumps(
                {"recommended": res.recommended, "table": table.to_dict(orient="records")},
                indent=2,
                default=float,
            )
        )
        return 0
    with pd.option_context("display.width", 100, "display.precision", 4):
        print(res.table.to_string(index=False))
    print(f"\nrecommended: {res.recommended} agents")
    return 0
