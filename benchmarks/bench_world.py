"""Benchmark of the synthetic world generator (ecrm_lab.world), side by side with Faker.

1. A 1,000,000-customer bank world (24 months: >= 20 million transactions) generated *and*
   written to Parquet — every table and truth table, all sources — in a fresh subprocess;
   wall time of generation and of writing, peak resident memory (``ru_maxrss`` of that
   process). Target: < 60 s and < 6 GB on 2 cores.
2. The ``customers`` table: rows per second of ecrm-lab, one thread, against an equivalent
   Faker generator (same columns: names by gender, gender, birth date, region and city,
   e-mail, phone, acquisition date and channel, four consent flags, income band) measured in
   the same run, median over repeats. Two rows for ecrm-lab: the customers step from the
   latent traits (what the table costs; target >= 300x), and traits + customers (the latent
   model too, which Faker has no equivalent of).

Usage::

    .venv/bin/python benchmarks/bench_world.py            # full size
    .venv/bin/python benchmarks/bench_world.py --quick    # 20,000 customers, a few seconds

Writes ``benchmarks/results/world.json`` (``world_quick.json`` with ``--quick``).
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


# -- child processes ---------------------------------------------------------------------------
def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def child_world(n: int, months: int, n_jobs: int) -> dict:
    """Generate a bank world of n customers and write it to Parquet; runs in a fresh process."""
    t0 = time.perf_counter()
    from ecrm_lab.world import generate

    t_import = time.perf_counter() - t0
    import ecrm_lab.world.generate  # noqa: F401 - the module, for the step timings

    gen_mod = sys.modules["ecrm_lab.world.generate"]
    steps: dict[str, list[float]] = {}

    def timed(name, fn):
        def run(*a, **k):
            w0, c0 = time.perf_counter(), _cpu()
            out = fn(*a, **k)
            steps[name] = [time.perf_counter() - w0, _cpu() - c0]
            return out

        return run

    for name in (
        "draw_traits",
        "make_customers",
        "make_bank_activity",
        "make_campaigns",
        "customer_value",
    ):
        setattr(gen_mod, name, timed(name, getattr(gen_mod, name)))
    for mod in (gen_mod.web, gen_mod.service, gen_mod.sales, gen_mod.lifecycle, gen_mod.extracts):
        mod.generate = timed("sources." + mod.__name__.rsplit(".", 1)[1], mod.generate)
    tmp = tempfile.mkdtemp(prefix="bench_world_")
    try:
        t1, c1 = time.perf_counter(), _cpu()
        world = generate("bank", n_customers=n, seed=7, months=months, n_jobs=n_jobs)
        t2, c2 = time.perf_counter(), _cpu()
        out = world.save(Path(tmp) / "world", format="parquet", n_jobs=n_jobs)
        t3, c3 = time.perf_counter(), _cpu()
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        rows = {k: len(v) for k, v in world.tables.items()}
        truth_rows = sum(len(v) for v in world.truth.values())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "n_customers": n,
        "months": months,
        "n_jobs": n_jobs,
        "import_s": t_import,
        "generate_s": t2 - t1,
        "write_s": t3 - t2,
        "total_s": t3 - t1,
        "generate_cpu_s": c2 - c1,
        "write_cpu_s": c3 - c2,
        "total_cpu_s": c3 - c1,
        "steps_wall_cpu_s": steps,
        "transactions": rows["transactions"],
        "table_rows": sum(rows.values()),
        "truth_rows": truth_rows,
        "parquet_bytes": size,
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


def run_child(args: list[str]) -> dict:
    cmd = [sys.executable, __file__, "--child", *args]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise RuntimeError(f"child failed: {' '.join(cmd)}\n{res.stderr}")
    return json.loads(res.stdout.strip().splitlines()[-1])


# -- customers table: ecrm-lab against Faker -----------------------------------------------------
def _ctx(n: int, seed: int):
    import pandas as pd

    from ecrm_lab.world._context import WorldContext

    return WorldContext("bank", n, seed, pd.Timestamp("2023-01-01"), 24, n_jobs=1)


def ecrm_customers(n: int, seed: int):
    """Latent traits, then the customers table (what ``generate`` does), one thread."""
    from ecrm_lab.world.customers import make_customers
    from ecrm_lab.world.traits import draw_traits

    ctx = _ctx(n, seed)
    make_customers(ctx, draw_traits(ctx))
    return ctx.tables["customers"]


def ecrm_customers_only(traits, n: int, seed: int):
    """The customers table from already drawn traits, one thread."""
    from ecrm_lab.world.customers import make_customers

    ctx = _ctx(n, seed)
    make_customers(ctx, traits)
    return ctx.tables["customers"]


def faker_customers(n: int, seed: int):
    """The same columns, row by row with Faker (the usual way to make fake customers)."""
    import datetime as dt

    import pandas as pd
    from faker import Faker

    from ecrm_lab.world.catalogue import REGIONS
    from ecrm_lab.world.customers import ACQUISITION_CHANNELS, CITIES, INCOME_BANDS

    fake = Faker("en_GB")
    fake.seed_instance(seed)
    start, end = dt.date(2011, 1, 1), dt.date(2025, 1, 1)
    rows = []
    for i in range(1, n + 1):
        gender = fake.random_element(("female", "male"))
        first = fake.first_name_female() if gender == "female" else fake.first_name_male()
        region = fake.random_element(REGIONS)
        rows.append(
            {
                "customer_id": i,
                "first_name": first,
                "last_name": fake.last_name(),
                "gender": gender,
                "birth_date": fake.date_of_birth(minimum_age=18, maximum_age=95),
                "region": region,
                "city": fake.random_element(CITIES[region]),
                "email": fake.email(),
                "phone": fake.phone_number(),
                "acquisition_date": fake.date_between(start, end),
                "acquisition_channel": fake.random_element(ACQUISITION_CHANNELS["bank"]),
                "consent_email": fake.pybool(),
                "consent_sms": fake.pybool(),
                "consent_phone": fake.pybool(),
                "consent_post": fake.pybool(),
                "income_band": fake.random_element(INCOME_BANDS),
            }
        )
    return pd.DataFrame(rows)


def time_it(fn, *args, repeats: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of ``repeats`` calls."""
    wall, cpu = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        fn(*args)
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return wall, cpu


def bench_customers(n_ours: int, n_faker: int, repeats: int) -> dict:
    from ecrm_lab.world.traits import draw_traits

    ecrm_customers(1000, 0)  # warm caches and imports
    faker_customers(100, 0)
    traits = draw_traits(_ctx(n_ours, 1))
    results = {
        "ecrm-lab (traits + customers)": (
            n_ours,
            time_it(ecrm_customers, n_ours, 1, repeats=repeats),
        ),
        "ecrm-lab (customers from traits)": (
            n_ours,
            time_it(ecrm_customers_only, traits, n_ours, 1, repeats=repeats),
        ),
        "Faker": (n_faker, time_it(faker_customers, n_faker, 1, repeats=repeats)),
    }
    out = {}
    for name, (rows, (wall, cpu)) in results.items():
        out[name] = {
            "rows": rows,
            "wall_s": wall,
            "cpu_s": cpu,
            "rows_per_s": rows / statistics.median(wall),
            "rows_per_cpu_s": rows / statistics.median(cpu),
        }
    faker = out["Faker"]
    for r in out.values():
        r["ratio"] = r["rows_per_s"] / faker["rows_per_s"]
        r["ratio_cpu"] = r["rows_per_cpu_s"] / faker["rows_per_cpu_s"]
    cols_ours = list(ecrm_customers(10, 0).columns)
    cols_faker = list(faker_customers(10, 0).columns)
    return {"generators": out, "same_columns": sorted(cols_ours) == sorted(cols_faker)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few seconds")
    parser.add_argument("--customers", type=int, default=None, help="world size")
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--jobs", type=int, default=2, help="threads (default 2)")
    parser.add_argument("--repeats", type=int, default=None, help="world runs (default 1)")
    parser.add_argument("--child", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        n, months, jobs = (int(x) for x in args.child)
        print(json.dumps(child_world(n, months, jobs)))
        return 0

    n_world = args.customers or (20_000 if args.quick else 1_000_000)
    world_repeats = args.repeats or 1
    n_ours, n_faker, c_repeats = (20_000, 1_000, 3) if args.quick else (1_000_000, 20_000, 3)

    runs = [
        run_child([str(n_world), str(args.months), str(args.jobs)]) for _ in range(world_repeats)
    ]
    world = {
        k: statistics.median(r[k] for r in runs)
        for k in runs[0]
        if k not in ("n_jobs", "steps_wall_cpu_s")
    }
    world["runs"] = runs
    cust = bench_customers(n_ours, n_faker, c_repeats)

    gb = 1024**3
    load = os.getloadavg()
    print(
        f"ecrm-lab world benchmark ({platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}; load average "
        f"{load[0]:.1f} — above {os.cpu_count()} other processes share the CPUs and wall "
        "times grow, CPU times do not)"
    )
    print()
    print(
        f"1. bank world: {n_world:,} customers, {args.months} months, {args.jobs} threads, "
        f"median of {world_repeats} run(s)"
    )
    print(f"   transactions         {int(world['transactions']):>14,}")
    print(
        f"   rows in all tables   {int(world['table_rows']):>14,}  (+ {int(world['truth_rows']):,} truth rows)"
    )
    print(f"   generate             {world['generate_s']:>12.1f} s")
    print(
        f"   write Parquet        {world['write_s']:>12.1f} s  ({world['parquet_bytes'] / 1e6:,.0f} MB)"
    )
    print(f"   generate + write     {world['total_s']:>12.1f} s   target < 60 s")
    print(
        f"   CPU time (all threads) {world['total_cpu_s']:>10.1f} s  (generate "
        f"{world['generate_cpu_s']:.1f} s, write {world['write_cpu_s']:.1f} s)"
    )
    print(
        "   steps (wall s / CPU s): "
        + ", ".join(f"{k} {v[0]:.1f}/{v[1]:.1f}" for k, v in runs[0]["steps_wall_cpu_s"].items())
    )
    print(f"   peak memory          {world['peak_rss_bytes'] / gb:>12.2f} GB  target < 6 GB")
    print()
    print(
        f"2. customers table, one thread, median of {c_repeats} (same columns: "
        f"{cust['same_columns']})"
    )
    print(
        f"   {'generator':<34} {'rows':>10} {'wall s':>8} {'rows/s':>12} {'ratio':>7}"
        f" {'CPU s':>7} {'rows/CPU s':>12} {'ratio':>7}"
    )
    for name, r in cust["generators"].items():
        print(
            f"   {name:<34} {r['rows']:>10,} {statistics.median(r['wall_s']):>8.2f} "
            f"{r['rows_per_s']:>12,.0f} {r['ratio']:>6,.0f}x {statistics.median(r['cpu_s']):>7.2f} "
            f"{r['rows_per_cpu_s']:>12,.0f} {r['ratio_cpu']:>6,.0f}x"
        )
    print(
        "   target: the customers table (from traits) >= 300x the rows per second of Faker; "
        "traits + customers\n   also draws the latent model, which Faker has no equivalent of"
    )

    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "world_quick.json" if args.quick else "world.json"
    payload = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "world": world,
        "customers": cust,
        "targets": {"world_total_s": 60, "world_peak_gb": 6, "customers_ratio": 300},
    }
    (RESULTS / name).write_text(json.dumps(payload, indent=2) + "\n")
    print(f"\nwritten {RESULTS / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
