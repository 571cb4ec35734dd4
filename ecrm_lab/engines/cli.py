"""``ecrm-lab engines recommend | email-quality | compare``: the engines from the command line.

* ``recommend`` — item-item collaborative filtering on a user's own interaction table (CSV or
  Parquet: one row per customer and item bought / held), top-k offers per customer to a file;
* ``email-quality`` — measure and clean the e-mail list of a user's customer table;
* ``compare`` — the offer engines side by side on a synthetic world (time-split evaluation).
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from .._validation import Interval, Param

__all__ = ["register", "ENGINE_PARAMS"]

WHERE = "ecrm-lab engines"

#: options declared once (validation and --help)
ENGINE_PARAMS = {
    p.name: p
    for p in (
        Param("k", int, 10, "offers per customer", Interval(1, 1000)),
        Param(
            "shrinkage",
            float,
            0.0,
            "shrink similarities supported by few co-buyers",
            Interval(0, None),
        ),
        Param("domain", str, "bank", "which synthetic business", choices=("bank", "retail")),
        Param("n_customers", int, 2000, "customers in the synthetic world", Interval(200, 200_000)),
        Param("seed", int, 42, "random seed", Interval(0, 2**32 - 1)),
        Param("holdout_months", int, 6, "months after the cut-off held out", Interval(1, 12)),
    )
}


def _parse(args: argparse.Namespace, name: str):
    return ENGINE_PARAMS[name].parse(str(getattr(args, name)), WHERE)


def _write(df: pd.DataFrame, out: str) -> None:
    from .._io import atomic_path

    suffix = ".parquet" if out.lower().endswith((".parquet", ".pq")) else ".csv"
    with atomic_path(out, suffix=suffix) as tmp:
        if suffix == ".parquet":
            df.to_parquet(tmp, index=False)
        else:
            df.to_csv(tmp, index=False)


def _cmd_recommend(args: argparse.Namespace) -> int:
    from .._io import read_table
    from ._common import interaction_matrix
    from .personalization import ItemItemCF

    k = _parse(args, "k")
    shrinkage = _parse(args, "shrinkage")
    table = read_table(args.table, WHERE)
    owned = interaction_matrix(table, args.customer_col, args.item_col)
    offers = ItemItemCF(shrinkage=shrinkage).fit(owned).recommend(owned, k=k)
    frame = offers.to_frame()
    frame["offer"] = frame["offer"].astype(str)
    print(f"{owned.n_customers:,} customers x {owned.n_items:,} items, {owned.nnz:,} interactions")
    print(offers.summary().head(10).to_string())
    if args.out:
        _write(frame, args.out)
        print(f"wrote {len(frame):,} offers to {args.out}")
    else:
        print(frame.head(20).to_string(index=False))
    return 0


def _cmd_email(args: argparse.Namespace) -> int:
    from .._io import read_table
    from .email_lists import email_list_quality

    table = read_table(args.table, WHERE)
    bounced = None
    if args.bounces:
        b = read_table(args.bounces, WHERE)
        col = args.email_col if args.email_col in b.columns else b.columns[0]
        bounced = b[col].dropna().astype(str).tolist()
    q = email_list_quality(table, args.email_col, bounced=bounced)
    print(q.summary().to_string())
    rates = q.rates()
    print(
        f"mailable: {rates['mailable_before']:.1%} as typed, {rates['mailable_after']:.1%} "
        "after cleaning"
    )
    if len(q.domain_fixes):
        print("repaired domains:")
        print(q.domain_fixes.to_string(index=False))
    if args.out:
        _write(q.table, args.out)
        print(f"wrote the per-customer statuses to {args.out}")
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from ..world import generate
    from .world_data import compare_engines, offer_data

    world = generate(
        _parse(args, "domain"), n_customers=_parse(args, "n_customers"), seed=_parse(args, "seed")
    )
    data = offer_data(world, holdout_months=_parse(args, "holdout_months"))
    result = compare_engines(data, k=(1, 3, 5))
    print(
        f"{data.title}: {data.owned.n_customers:,} customers, "
        f"{result.evaluation.n_evaluated:,} took something new up afterwards"
    )
    with pd.option_context("display.width", 150, "display.max_columns", 20):
        print(result.summary().round(4).to_string(index=False))
    return 0


def register(subparsers) -> None:
    """Add the ``engines`` command with ``recommend``, ``email-quality`` and ``compare``."""
    p = subparsers.add_parser(
        "engines",
        help="personalization and permission engines: offers, e-mail list quality",
        description=(
            "Top-k offers by item-item collaborative filtering on your own interaction table, "
            "e-mail list quality of your customer table, or the offer engines side by side on "
            "a synthetic world."
        ),
    )
    sub = p.add_subparsers(dest="engines_command", metavar="SUBCOMMAND", parser_class=type(p))
    p.set_defaults(func=lambda args: (p.print_help(sys.stderr), 2)[1])

    def option(parser, name: str) -> None:
        spec = ENGINE_PARAMS[name]
        parser.add_argument(
            "--" + name.replace("_", "-"),
            dest=name,
            default=str(spec.default),
            metavar=name.upper(),
            help=f"{spec.help}; default {spec.default!r}",
        )

    r = sub.add_parser("recommend", help="top-k item-item CF offers for every customer")
    r.add_argument("table", metavar="FILE", help="CSV or Parquet: one row per customer and item")
    r.add_argument("--customer-col", default="customer_id", help="customer id column")
    r.add_argument("--item-col", default="item", help="item column (product, SKU, category)")
    r.add_argument("--out", metavar="FILE", help="write the offers here (.csv or .parquet)")
    option(r, "k")
    option(r, "shrinkage")
    r.set_defaults(func=_cmd_recommend)

    e = sub.add_parser("email-quality", help="measure and clean an e-mail list")
    e.add_argument("table", metavar="FILE", help="CSV or Parquet with customer_id and e-mail")
    e.add_argument("--email-col", default="email", help="column with the addresses")
    e.add_argument("--bounces", metavar="FILE", help="table of addresses that hard-bounced")
    e.add_argument("--out", metavar="FILE", help="write the per-customer statuses here")
    e.set_defaults(func=_cmd_email)

    c = sub.add_parser("compare", help="offer engines side by side on a synthetic world")
    for name in ("domain", "n_customers", "seed", "holdout_months"):
        option(c, name)
    c.set_defaults(func=_cmd_compare)
