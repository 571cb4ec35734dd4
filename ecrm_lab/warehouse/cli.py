"""``ecrm-lab warehouse build | query | schema``: the warehouse from the command line."""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from .._validation import Interval, Param

__all__ = ["register", "WAREHOUSE_PARAMS"]

WHERE = "ecrm-lab warehouse"

#: tuning options of ``warehouse build``, declared once (validation and --help)
WAREHOUSE_PARAMS = {
    p.name: p
    for p in (
        Param(
            "memory_limit",
            str,
            "2GB",
            "DuckDB memory limit, e.g. 2GB (works out of core beyond it)",
        ),
        Param("threads", int, 2, "DuckDB worker threads", Interval(1, 256)),
        Param("max_rows", int, 50, "rows of a query result to print", Interval(1, 1_000_000)),
    )
}


def _cmd_build(args: argparse.Namespace) -> int:
    from .build import build

    memory = WAREHOUSE_PARAMS["memory_limit"].parse(args.memory_limit, WHERE)
    threads = WAREHOUSE_PARAMS["threads"].parse(args.threads, WHERE)
    result = build(args.world, args.db, memory_limit=memory, threads=threads)
    print(
        f"built {result.db_path} ({result.domain}, {result.n_customers} customers) in {result.seconds:.1f} s"
    )
    print(result.tables[["table", "layer", "rows", "columns"]].to_string(index=False))
    print()
    print("integration:")
    cols = ["stage", "source_table", "fault", "column_name", "rows_changed"]
    print(result.integration[cols].to_string(index=False))
    return 0


def _cmd_query(args: argparse.Namespace) -> int:
    from .db import query

    max_rows = WAREHOUSE_PARAMS["max_rows"].parse(args.max_rows, WHERE)
    df = query(args.db, args.sql)
    with pd.option_context("display.width", 200, "display.max_columns", 50):
        print(df.head(max_rows).to_string(index=False, max_colwidth=60))
    if len(df) > max_rows:
        print(
            f"... {len(df) - max_rows} more rows ({len(df)} in all; raise --max-rows to see them)"
        )
    return 0


def _cmd_schema(args: argparse.Namespace) -> int:
    from ..exceptions import InvalidParameterError
    from .schema_doc import schema_reference, write_reference_docs, write_schema_reference

    if args.reference:
        path = write_reference_docs(args.out or "docs/WAREHOUSE_SCHEMA.md")
        print(f"wrote {path}")
        return 0
    if not args.db:
        raise InvalidParameterError(f"{WHERE} schema needs --db FILE (or --reference).")
    if args.out:
        path = write_schema_reference(args.db, args.out)
        print(f"wrote {path}")
    else:
        print(schema_reference(args.db), end="")
    return 0


def register(subparsers) -> None:
    """Add the ``warehouse`` command with its ``build``, ``query`` and ``schema`` subcommands."""
    p = subparsers.add_parser(
        "warehouse",
        help="build and query the data warehouse of a synthetic world",
        description=(
            "Build a DuckDB data warehouse (staging, integration, star schema, marts) from a "
            "saved synthetic world, query it with SQL, or print its schema reference."
        ),
    )
    sub = p.add_subparsers(dest="warehouse_command", metavar="SUBCOMMAND", parser_class=type(p))
    p.set_defaults(func=lambda args: (p.print_help(sys.stderr), 2)[1])

    b = sub.add_parser("build", help="build the warehouse of a saved world into a DuckDB file")
    b.add_argument("--world", required=True, metavar="DIR", help="directory of a saved world")
    b.add_argument(
        "--db", required=True, metavar="FILE", help="database file to write (replaced atomically)"
    )
    for name in ("memory_limit", "threads"):
        spec = WAREHOUSE_PARAMS[name]
        b.add_argument(
            "--" + name.replace("_", "-"),
            dest=name,
            default=str(spec.default),
            metavar=name.upper(),
            help=f"{spec.help}; default {spec.default!r}",
        )
    b.set_defaults(func=_cmd_build)

    q = sub.add_parser("query", help="run one SQL query on a warehouse and print the table")
    q.add_argument("--db", required=True, metavar="FILE", help="warehouse database file")
    q.add_argument("sql", metavar="SQL", help='the query, e.g. "SELECT * FROM mart_campaign"')
    spec = WAREHOUSE_PARAMS["max_rows"]
    q.add_argument(
        "--max-rows",
        dest="max_rows",
        default=str(spec.default),
        metavar="N",
        help=f"{spec.help}; default {spec.default}",
    )
    q.set_defaults(func=_cmd_query)

    s = sub.add_parser("schema", help="print (or write) the schema reference of a warehouse")
    s.add_argument("--db", metavar="FILE", help="warehouse database file")
    s.add_argument("--out", metavar="FILE", help="write Markdown here instead of printing it")
    s.add_argument(
        "--reference",
        action="store_true",
        help="build small bank and retail warehouses and write their reference "
        "(default --out docs/WAREHOUSE_SCHEMA.md)",
    )
    s.set_defaults(func=_cmd_schema)
