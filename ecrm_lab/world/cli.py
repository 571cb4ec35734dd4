"""``ecrm-lab generate``: generate a synthetic world and save it.

Example::

    ecrm-lab generate --domain bank --customers 100000 --seed 7 --out worlds/bank7
    ecrm-lab generate --domain retail --customers 2000 --seed 42 --out w --format csv

Every value is checked (with the same declarations as :func:`ecrm_lab.world.generate`) and
the output directory is checked *before* any generation starts.
"""

from __future__ import annotations

import argparse
import time

from .._validation import Param
from ..exceptions import InvalidParameterError
from .generate import GENERATE_PARAMS, _parse_start
from .world import FORMATS, check_out_dir

__all__ = ["register"]

WHERE = "ecrm-lab generate"
_SPECS = {p.name: p for p in GENERATE_PARAMS}


def _parse(spec: Param, text: str):
    return spec.parse(text, WHERE)


def _cmd_generate(args: argparse.Namespace) -> int:
    from .generate import generate

    values = {
        "domain": _parse(_SPECS["domain"], args.domain),
        "n_customers": _parse(_SPECS["n_customers"], args.customers),
        "seed": _parse(_SPECS["seed"], args.seed),
        "start": _parse_start(args.start, WHERE).strftime("%Y-%m-%d"),
        "months": _parse(_SPECS["months"], args.months),
    }
    if args.format not in FORMATS:
        raise InvalidParameterError(
            f"The 'format' parameter of {WHERE} must be one of "
            f"{', '.join(map(repr, FORMATS))}. Got {args.format!r} instead."
        )
    out = check_out_dir(args.out, WHERE)
    t0 = time.perf_counter()
    world = generate(**values)
    t1 = time.perf_counter()
    world.save(out, format=args.format)
    t2 = time.perf_counter()
    rows = sum(len(df) for df in world.tables.values())
    print(world)
    print(
        f"saved to {out} ({args.format}): {len(world.tables)} tables, {rows:,} rows; "
        f"generated in {t1 - t0:.1f} s, written in {t2 - t1:.1f} s"
    )
    return 0


def register(subparsers) -> None:
    """Add the ``generate`` subcommand."""
    p = subparsers.add_parser(
        "generate",
        help="generate a synthetic bank or retail world and save it",
        description="Generate a synthetic eCRM world (customers, holdings or orders, "
        "campaigns, click-stream, service, sales, lifecycle, raw extracts and the ground "
        "truth) and save it to a directory.",
    )
    p.add_argument("--domain", default="bank", help="'bank' or 'retail' (default bank)")
    p.add_argument(
        "--customers", default="2000", metavar="N", help="number of customers (default 2000)"
    )
    p.add_argument("--seed", default="42", help="random seed (default 42)")
    p.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="output directory (new, empty, or an existing world to replace)",
    )
    p.add_argument("--format", default="parquet", help="'parquet' (default) or 'csv'")
    p.add_argument(
        "--start",
        default="2023-01-01",
        metavar="DATE",
        help="first day of the horizon, YYYY-MM-DD (default 2023-01-01)",
    )
    p.add_argument(
        "--months", default="24", metavar="N", help="length of the horizon in months (default 24)"
    )
    p.set_defaults(func=_cmd_generate)
