"""``ecrm-lab clv``: customer lifetime value of any transaction log."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from .._io import atomic_path, read_table
from .._validation import Interval, Param
from ..exceptions import DataError
from ._common import PERIODS, UNITS

__all__ = ["register", "CLV_PARAMS"]

WHERE = "ecrm-lab clv"

#: the tuning options of ``ecrm-lab clv``, declared once (validation and --help)
CLV_PARAMS = {
    p.name: p
    for p in (
        Param("unit", str, "day", "time unit of recency and T", choices=UNITS),
        Param("horizon", int, 12, "number of periods of the CLV horizon", Interval(1, 10_000)),
        Param("period", str, "month", "length of one CLV period", choices=PERIODS),
        Param("discount_rate", float, 0.01, "discount rate per period", Interval(0, 1)),
        Param("margin", float, 1.0, "share of revenue that is profit", Interval(0, 1, "right")),
        Param("n_starts", int, 5, "starting points of each ML fit", Interval(1, 100)),
    )
}

_OUT_FORMATS = (".csv", ".parquet", ".pq")


def register(subparsers) -> None:
    """Add the ``clv`` subcommand."""
    p = subparsers.add_parser(
        "clv",
        help="customer lifetime value (BG/NBD + Gamma-Gamma) of a transaction log",
        description=(
            "Fit BG/NBD and Gamma-Gamma models to a transaction log (CSV or Parquet, one row "
            "per transaction) and predict each customer's P(alive), purchases and discounted "
            "lifetime value. Same-day transactions of a customer count as one purchase."
        ),
    )
    p.add_argument("--data", required=True, metavar="FILE", help="transaction log (.csv/.parquet)")
    p.add_argument("--customer", required=True, metavar="COL", help="customer id column")
    p.add_argument("--date", required=True, metavar="COL", help="transaction date column")
    p.add_argument("--amount", required=True, metavar="COL", help="transaction value column")
    p.add_argument(
        "--calibration-end",
        required=True,
        metavar="DATE",
        help="last day of the calibration period (inclusive)",
    )
    p.add_argument("--holdout-end", metavar="DATE", help="last day of a holdout period to check on")
    p.add_argument("--date-format", metavar="FMT", help="strftime format of the dates if unusual")
    for name, spec in CLV_PARAMS.items():
        flag = "--" + name.replace("_", "-")
        choices = f" ({'|'.join(spec.choices)})" if spec.choices else f", {spec.allowed()}"
        p.add_argument(
            flag,
            dest=name,
            default=None,
            metavar=name.upper() if not spec.choices else None,
            help=f"{spec.help}{choices}; default {spec.default!r}",
        )
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument(
        "--out",
        metavar="FILE",
        help="write per-customer predictions here (.csv or .parquet), atomically",
    )
    p.set_defaults(func=_cmd_clv)


def _options(args: argparse.Namespace) -> dict:
    out = {}
    for name, spec in CLV_PARAMS.items():
        raw = getattr(args, name)
        out[name] = spec.default if raw is None else spec.parse(raw, WHERE)
    return out


def _write_predictions(predictions: pd.DataFrame, dest: str) -> None:
    path = Path(dest)
    table = predictions.reset_index()
    with atomic_path(path) as tmp:
        if path.name.lower().endswith(".csv"):
            table.to_csv(tmp, index=False)
        else:
            table.to_parquet(tmp, index=False)


def _cmd_clv(args: argparse.Namespace) -> int:
    from .clv import clv_analysis

    opts = _options(args)
    if args.out is not None and not args.out.lower().endswith(_OUT_FORMATS):
        raise DataError(
            f"{WHERE}: --out {args.out!r} must end in .csv or .parquet (the format is chosen "
            "by the ending)."
        )
    data = read_table(args.data, WHERE)
    result = clv_analysis(
        data,
        args.customer,
        args.date,
        args.amount,
        calibration_end=args.calibration_end,
        unit=opts["unit"],
        holdout_end=args.holdout_end,
        horizon=opts["horizon"],
        period=opts["period"],
        discount_rate=opts["discount_rate"],
        margin=opts["margin"],
        date_format=args.date_format,
        n_starts=opts["n_starts"],
        random_state=0,
    )
    if args.out is not None:
        _write_predictions(result.predictions, args.out)
    if args.json:
        payload = result.to_dict()
        if args.out is not None:
            payload["out"] = str(args.out)
        print(json.dumps(payload, indent=2))
        return 0
    with pd.option_context("display.width", 100, "display.precision", 4):
        print(result.summary().to_string())
        if result.rfm.n_excluded:
            print(
                f"\n{result.rfm.n_excluded} customers whose first purchase is after "
                "calibration-end were left out."
            )
        if result.holdout is not None:
            print("\nHoldout check (mean purchases per customer by calibration frequency):")
            print(result.holdout.table.to_string())
        if args.out is not None:
            print(f"\nwrote {len(result.predictions)} customers' predictions to {args.out}")
    return 0
