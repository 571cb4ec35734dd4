"""Benchmark of the data warehouse (ecrm_lab.warehouse), side by side with pandas.

1. The warehouse of a 1,000,000-customer bank world (24 months, >= 20 million transactions)
   built from its saved Parquet files into an on-disk DuckDB file — staging, integration,
   star schema and marts — in a fresh subprocess with DuckDB's memory limit at 2 GB and 2
   threads: wall and CPU time, peak resident memory (``ru_maxrss`` of that process).
   Targets: build < 90 s, peak memory < 4 GB.
2. The customer 360 view for every customer: the time of the mart's SQL inside the build and
   the time to read the whole mart into a DataFrame. Target: < 10 s. Side by side, in its own
   subprocess: pandas computing the core of the same view (recency / frequency / monetary
   over 12 months, holdings, service and campaign counts) from the same Parquet files.

Usage::

    .venv/bin/python benchmarks/bench_warehouse.py            # full size (world generated once)
    .venv/bin/python benchmarks/bench_warehouse.py --quick    # 10,000 customers, seconds
    .venv/bin/python benchmarks/bench_warehouse.py --world DIR  # reuse a saved bank world

Writes ``benchmarks/results/warehouse.json`` (``warehouse_quick.json`` with ``--quick``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
GB = 1024**3


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# -- child processes ---------------------------------------------------------------------------
def child_generate(n: int, out: str) -> dict:
    from ecrm_lab.world import generate

    t0, c0 = time.perf_counter(), _cpu()
    world = generate("bank", n_customers=n, seed=7)
    world.save(out)
    return {
        "wall_s": time.perf_counter() - t0,
        "cpu_s": _cpu() - c0,
        "transactions": len(world["transactions"]),
        "peak_rss_bytes": _peak(),
    }


def child_build(world: str, db: str, memory_limit: str, threads: int) -> dict:
    from ecrm_lab.warehouse import build, customer_360

    t0, c0 = time.perf_counter(), _cpu()
    result = build(world, db, memory_limit=memory_limit, threads=threads)
    build_wall, build_cpu = time.perf_counter() - t0, _cpu() - c0
    timings = dict(zip(result.timings["stage"], result.timings["seconds"], strict=True))
    t1 = time.perf_counter()
    c360 = customer_360(db)
    fetch = time.perf_counter() - t1
    rows = dict(zip(result.tables["table"], result.tables["rows"], strict=True))
    by_layer = result.timings.groupby("layer")["seconds"].sum().to_dict()
    return {
        "build_wall_s": build_wall,
        "build_cpu_s": build_cpu,
        "c360_sql_s": timings["50_mart_customer_360.sql"],
        "c360_fetch_s": fetch,
        "c360_rows": len(c360),
        "c360_columns": c360.shape[1],
        "transactions": int(rows["fact_transaction"]),
        "db_bytes": Path(db).stat().st_size,
        "seconds_by_layer": by_layer,
        "slowest_steps": sorted(timings.items(), key=lambda kv: -kv[1])[:8],
        "peak_rss_bytes": _peak(),
    }


def child_pandas(world: str) -> dict:
    """The core of the customer 360 view with pandas, from the same Parquet files."""
    import pandas as pd

    t0, c0 = time.perf_counter(), _cpu()
    tables = Path(world) / "tables"
    meta = json.loads((Path(world) / "world.json").read_text())
    end = pd.Timestamp(meta["start"]) + pd.DateOffset(months=int(meta["months"]))
    cust = pd.read_parquet(tables / "customers.parquet", columns=["customer_id"])
    tx = pd.read_parquet(
        tables / "transactions.parquet", columns=["customer_id", "timestamp", "amount"]
    )
    spend = tx[tx["amount"] < 0]
    recent = spend[spend["timestamp"] >= end - pd.Timedelta(days=365)]
    out = cust.set_index("customer_id")
    out["recency_days"] = (end - spend.groupby("customer_id")["timestamp"].max()).dt.days
    out["frequency_12m"] = recent.groupby("customer_id").size()
    out["monetary_12m"] = -recent.groupby("customer_id")["amount"].sum()
    out["frequency_total"] = spend.groupby("customer_id").size()
    del tx, spend, recent
    acc = pd.read_parquet(tables / "accounts.parquet", columns=["customer_id", "status"])
    out["n_holdings"] = acc[acc["status"] == "open"].groupby("customer_id").size()
    sr = pd.read_parquet(
        tables / "service_requests.parquet", columns=["customer_id", "category", "satisfaction"]
    )
    g = sr.groupby("customer_id")
    out["n_service_requests"] = g.size()
    out["n_complaints"] = sr[sr["category"] == "complaint"].groupby("customer_id").size()
    out["avg_satisfaction"] = g["satisfaction"].mean()
    cc = pd.read_parquet(tables / "campaign_contacts.parquet", columns=["customer_id", "group"])
    out["n_campaign_contacts"] = cc[cc["group"] == "treatment"].groupby("customer_id").size()
    out = out.fillna({c: 0 for c in out.columns if c.startswith("n_") or c.startswith("frequency")})
    return {
        "wall_s": time.perf_counter() - t0,
        "cpu_s": _cpu() - c0,
        "rows": len(out),
        "columns": out.shape[1],
        "peak_rss_bytes": _peak(),
    }


def run_child(args: list[str]) -> dict:
    cmd = [sys.executable, __file__, "--child", *args]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise RuntimeError(f"child failed: {' '.join(cmd)}\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


# -- the run -----------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 customers, seconds")
    parser.add_argument("--customers", type=int, default=None, help="world size")
    parser.add_argument("--world", default=None, help="a saved bank world to use")
    parser.add_argument("--repeats", type=int, default=None, help="builds (default 2; quick 1)")
    parser.add_argument("--memory-limit", default="2GB", help="DuckDB memory limit")
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads")
    parser.add_argument("--child", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        kind, *rest = args.child
        if kind == "generate":
            print(json.dumps(child_generate(int(rest[0]), rest[1])))
        elif kind == "build":
            print(json.dumps(child_build(rest[0], rest[1], rest[2], int(rest[3]))))
        else:
            print(json.dumps(child_pandas(rest[0])))
        return 0

    n = args.customers or (10_000 if args.quick else 1_000_000)
    repeats = args.repeats or (1 if args.quick else 2)
    tmp = Path(tempfile.mkdtemp(prefix="bench_warehouse_"))
    try:
        generated = None
        world = args.world
        if world is None:
            world = str(tmp / "world")
            generated = run_child(["generate", str(n), world])
        builds = []
        for i in range(repeats):
            db = tmp / f"wh{i}.duckdb"
            builds.append(
                run_child(["build", world, str(db), args.memory_limit, str(args.threads)])
            )
            db.unlink(missing_ok=True)
        peer = [run_child(["pandas", world]) for _ in range(repeats)]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    def med(rows, key):
        return statistics.median(r[key] for r in rows)

    summary = {
        "build_wall_s": med(builds, "build_wall_s"),
        "build_cpu_s": med(builds, "build_cpu_s"),
        "c360_sql_s": med(builds, "c360_sql_s"),
        "c360_fetch_s": med(builds, "c360_fetch_s"),
        "peak_rss_bytes": max(r["peak_rss_bytes"] for r in builds),
        "pandas_c360_core_wall_s": med(peer, "wall_s"),
        "pandas_c360_core_cpu_s": med(peer, "cpu_s"),
        "pandas_peak_rss_bytes": max(r["peak_rss_bytes"] for r in peer),
    }
    summary["c360_ratio_pandas_over_duckdb"] = summary["pandas_c360_core_wall_s"] / (
        summary["c360_sql_s"] + summary["c360_fetch_s"]
    )
    load = os.getloadavg()
    print(
        f"ecrm-lab warehouse benchmark ({platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}; load average {load[0]:.1f} - above {os.cpu_count()} other "
        "processes share the CPUs and wall times grow, CPU times do not)"
    )
    print(
        f"bank world: {n:,} customers, {builds[0]['transactions']:,} transactions; DuckDB "
        f"memory_limit {args.memory_limit}, {args.threads} threads; median of {repeats} run(s)"
    )
    if generated:
        print(f"(world generated and saved in {generated['wall_s']:.1f} s, not part of the build)")
    print()
    rows = [
        (
            "warehouse build (wall)",
            f"{summary['build_wall_s']:.1f} s",
            "< 90 s",
            summary["build_wall_s"] < 90,
        ),
        ("warehouse build (CPU)", f"{summary['build_cpu_s']:.1f} s", "", None),
        (
            "peak memory of the build",
            f"{summary['peak_rss_bytes'] / GB:.2f} GB",
            "< 4 GB",
            summary["peak_rss_bytes"] < 4 * GB,
        ),
        (
            "customer_360 mart SQL, all customers",
            f"{summary['c360_sql_s']:.1f} s",
            "< 10 s",
            summary["c360_sql_s"] < 10,
        ),
        ("customer_360 read into a DataFrame", f"{summary['c360_fetch_s']:.1f} s", "", None),
        (
            "pandas: core of the 360 view (peer)",
            f"{summary['pandas_c360_core_wall_s']:.1f} s",
            "",
            None,
        ),
        ("pandas peak memory (peer)", f"{summary['pandas_peak_rss_bytes'] / GB:.2f} GB", "", None),
        (
            "ratio pandas / DuckDB (360 SQL + read)",
            f"{summary['c360_ratio_pandas_over_duckdb']:.2f}x",
            "",
            None,
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'value':>10}  {'target':>8}  pass")
    for name, value, target, ok in rows:
        mark = "" if ok is None else ("yes" if ok else "NO")
        print(f"{name:<{width}}  {value:>10}  {target:>8}  {mark}")
    print()
    print(
        "build seconds by layer (first run):",
        ", ".join(f"{k} {v:.1f}" for k, v in sorted(builds[0]["seconds_by_layer"].items())),
    )
    print(
        "slowest steps (first run):",
        ", ".join(f"{k} {v:.1f}" for k, v in builds[0]["slowest_steps"]),
    )

    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / ("warehouse_quick.json" if args.quick else "warehouse.json")
    out.write_text(
        json.dumps(
            {
                "n_customers": n,
                "memory_limit": args.memory_limit,
                "threads": args.threads,
                "repeats": repeats,
                "load_average": load,
                "summary": summary,
                "builds": builds,
                "pandas_peer": peer,
                "generated_world": generated,
            },
            indent=2,
        )
    )
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
