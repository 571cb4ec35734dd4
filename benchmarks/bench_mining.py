"""Benchmarks of the data-mining tasks (ecrm_lab.mining), side by side with the peers.

1. Association rules on N baskets (default 1,000,000): the sparse path of
   ``ecrm_lab.mining.association_rules`` against mlxtend's ``fpgrowth`` + ``association_rules``
   on the same data and thresholds, both starting from the same long (basket, item) table. The
   mlxtend side needs the dense one-hot table; its build time is reported separately and in the
   total. Every run is a fresh subprocess, so its peak resident memory (``ru_maxrss``) is its
   own. The rules of both sides are compared exactly (same rules, bit-identical metrics). The
   same comparison is made for item-to-item rules (``max_len=2``, the pair-counting path).
2. Segmentation of N customers: RFM from a transaction log, k-means on the RFM values (k by
   silhouette), and k-means on a customer feature table.
3. Deviation detection on N customers: robust per-customer z-scores of every transaction,
   behaviour change against each customer's baseline, and an isolation forest on a customer
   table.

Usage::

    .venv/bin/python benchmarks/bench_mining.py            # full size (a few minutes)
    .venv/bin/python benchmarks/bench_mining.py --quick    # small size, seconds (smoke test)

Writes ``benchmarks/results/mining.json`` (``mining_quick.json`` with ``--quick``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"

N_ITEMS = 200
MIN_SUPPORT = 0.005
MIN_CONFIDENCE = 0.3
#: planted co-purchases: (if this item, add that item, with this probability)
PLANTED = [(3, 17, 0.6), (5, 40, 0.5), (12, 60, 0.7), (25, 90, 0.6), (8, 9, 0.4),
           (30, 31, 0.8), (50, 51, 0.8), (70, 71, 0.9)]  # fmt: skip
PLANTED_TRIPLE = [((30, 31), 120, 0.7), ((50, 51), 121, 0.7)]


# ---------------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------------
def make_baskets(n: int, seed: int = 0) -> pd.DataFrame:
    """A long (basket, item) table: Zipf-like item popularity, ~3.5 items per basket, planted
    pairs and triples."""
    rng = np.random.default_rng(seed)
    p = 1 / (np.arange(N_ITEMS) + 10.0) ** 0.8
    p /= p.sum()
    size = 1 + rng.poisson(2.5, n)
    basket = np.repeat(np.arange(n, dtype=np.int64), size)
    item = rng.choice(N_ITEMS, int(size.sum()), p=p)
    parts_b, parts_i = [basket], [item]
    for a, c, prob in PLANTED:
        b = basket[item == a]
        b = b[rng.random(len(b)) < prob]
        parts_b.append(b)
        parts_i.append(np.full(len(b), c))
    basket, item = np.concatenate(parts_b), np.concatenate(parts_i)
    for (a, b2), c, prob in PLANTED_TRIPLE:
        has_a = np.zeros(n, dtype=bool)
        has_a[basket[item == a]] = True
        has_b = np.zeros(n, dtype=bool)
        has_b[basket[item == b2]] = True
        both = np.flatnonzero(has_a & has_b)
        both = both[rng.random(len(both)) < prob]
        basket = np.concatenate([basket, both])
        item = np.concatenate([item, np.full(len(both), c)])
    names = np.array([f"p{j:03d}" for j in range(N_ITEMS)], dtype=object)
    return pd.DataFrame({"basket": basket, "item": names[item]})


def make_transactions(n_customers: int, seed: int = 0) -> pd.DataFrame:
    """A transaction log over one year: ~5 transactions per customer, gamma amounts, 5% of
    customers stop buying in the last 90 days, a few amounts far above the customer's usual."""
    rng = np.random.default_rng(seed)
    k = 1 + rng.poisson(4, n_customers)
    cust = np.repeat(np.arange(1, n_customers + 1, dtype=np.int64), k)
    day = rng.integers(0, 365, len(cust))
    stopped = rng.random(n_customers) < 0.05
    late = (day >= 275) & stopped[cust - 1]
    day[late] = rng.integers(0, 275, int(late.sum()))
    usual = rng.gamma(3, 15, n_customers)
    amount = usual[cust - 1] * rng.gamma(20, 1 / 20, len(cust))
    odd = rng.random(len(cust)) < 0.001
    amount[odd] *= 10
    return pd.DataFrame(
        {
            "tid": np.arange(len(cust), dtype=np.int64),
            "customer": cust,
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(day, "D"),
            "amount": amount,
        }
    )


def make_customers(n: int, seed: int = 0) -> pd.DataFrame:
    """A customer feature table with numbers, a category and missing values."""
    rng = np.random.default_rng(seed)
    seg = rng.integers(0, 4, n)
    centers = np.array([[20, 2, 200], [45, 8, 1500], [60, 4, 600], [35, 15, 4000]], dtype=float)
    X = centers[seg] * rng.gamma(20, 1 / 20, (n, 3))
    df = pd.DataFrame({"customer_id": np.arange(1, n + 1), "age": X[:, 0],
                       "visits": X[:, 1], "spend": X[:, 2],
                       "channel": np.array(["web", "store", "app"])[rng.integers(0, 3, n)]})  # fmt: skip
    df.loc[rng.random(n) < 0.02, "age"] = np.nan
    return df


# ---------------------------------------------------------------------------------------------
# child processes (one measurement each)
# ---------------------------------------------------------------------------------------------
def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _digest(rules: pd.DataFrame) -> str:
    rows = sorted(
        (sorted(a), sorted(c), *(repr(float(x)) for x in m))
        for a, c, *m in rules[
            [
                "antecedents",
                "consequents",
                "support",
                "confidence",
                "lift",
                "leverage",
                "conviction",
            ]
        ].itertuples(index=False)  # fmt: skip
    )
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def child_associate(path: str, side: str, max_len: int | None) -> dict:
    import warnings

    from ecrm_lab.mining.association import Baskets, association_rules

    df = pd.read_parquet(path)
    n = int(df["basket"].nunique())
    if side != "sparse":
        import mlxtend.frequent_patterns  # noqa: F401
    rss0 = _rss_mb()
    t0 = time.perf_counter()
    baskets = Baskets.from_transactions(df, "basket", "item")
    t1 = time.perf_counter()
    out: dict = {"side": side, "rss_after_load_mb": rss0, "n_baskets": n}
    if side == "sparse":
        res = association_rules(baskets, min_support=MIN_SUPPORT, min_confidence=MIN_CONFIDENCE,
                                max_len=max_len)  # fmt: skip
        t2 = time.perf_counter()
        by_length = res.itemsets["length"].value_counts().sort_index()
        out.update(build_s=t1 - t0, mine_s=t2 - t1, total_s=t2 - t0, n_itemsets=len(res.itemsets),
                   itemsets_by_length={str(k): int(v) for k, v in by_length.items()},
                   n_rules=len(res.rules), digest=_digest(res.rules))  # fmt: skip
    else:
        from mlxtend.frequent_patterns import association_rules as mlx_rules
        from mlxtend.frequent_patterns import fpgrowth

        onehot = pd.DataFrame(baskets.matrix.toarray(), columns=list(baskets.items))
        t2 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fi = fpgrowth(onehot, min_support=MIN_SUPPORT, use_colnames=True, max_len=max_len)
            t3 = time.perf_counter()
            rules = mlx_rules(fi, num_itemsets=n, metric="confidence",
                              min_threshold=MIN_CONFIDENCE)  # fmt: skip
        t4 = time.perf_counter()
        out.update(build_s=t2 - t0, onehot_s=t2 - t1, fpgrowth_s=t3 - t2, rules_s=t4 - t3,
                   mine_s=t4 - t2, total_s=t4 - t0, n_itemsets=len(fi), n_rules=len(rules),
                   digest=_digest(rules))  # fmt: skip
    out["peak_rss_mb"] = _peak_mb()
    return out


def _warm_imports() -> None:
    """Import what the timed code imports lazily, so timings measure work, not imports."""
    import scipy.stats  # noqa: F401
    import sklearn.cluster  # noqa: F401
    import sklearn.ensemble  # noqa: F401
    import sklearn.metrics  # noqa: F401
    import sklearn.pipeline  # noqa: F401
    import threadpoolctl  # noqa: F401


def child_segment(n: int) -> dict:
    from ecrm_lab.mining import kmeans_segments, rfm

    _warm_imports()

    tx = make_transactions(n, seed=1)
    customers = make_customers(n, seed=2)
    t0 = time.perf_counter()
    r = rfm(tx, customer="customer", date="date", amount="amount")
    t1 = time.perf_counter()
    seg_rfm = kmeans_segments(r.table[["customer", "recency_days", "frequency", "monetary"]],
                              id_col="customer", random_state=0)  # fmt: skip
    t2 = time.perf_counter()
    seg = kmeans_segments(customers, id_col="customer_id", random_state=0)
    t3 = time.perf_counter()
    return {
        "n_customers": n,
        "n_transactions": len(tx),
        "rfm_s": t1 - t0,
        "kmeans_rfm_s": t2 - t1,
        "rfm_total_s": t2 - t0,
        "kmeans_features_s": t3 - t2,
        "k_rfm": seg_rfm.k,
        "k_features": seg.k,
        "silhouette_features": seg.silhouette,
        "peak_rss_mb": _peak_mb(),
    }


def child_detect(n: int) -> dict:
    from ecrm_lab.mining import behaviour_change, isolation_forest, robust_zscores

    _warm_imports()

    tx = make_transactions(n, seed=1)
    customers = make_customers(n, seed=2)
    t0 = time.perf_counter()
    z = robust_zscores(tx, customer="customer", amount="amount", id_col="tid")
    t1 = time.perf_counter()
    bc = behaviour_change(tx, customer="customer", date="date", amount="amount",
                          baseline_days=180, recent_days=90)  # fmt: skip
    t2 = time.perf_counter()
    iso = isolation_forest(customers, id_col="customer_id", random_state=0)
    t3 = time.perf_counter()
    return {
        "n_customers": n,
        "n_transactions": len(tx),
        "robust_z_s": t1 - t0,
        "behaviour_change_s": t2 - t1,
        "isolation_forest_s": t3 - t2,
        "total_s": t3 - t0,
        "n_warnings": int(bc.table["warning"].sum()),
        "top_z": float(z.table["score"].iloc[0]),
        "top_iforest": float(iso.table["score"].iloc[0]),
        "peak_rss_mb": _peak_mb(),
    }


def run_child(*args: str) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", *args]
    env = dict(os.environ, PYTHONHASHSEED="0")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"child {args} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------
# the benchmark
# ---------------------------------------------------------------------------------------------
def _median(runs: list[dict], key: str) -> float:
    return float(statistics.median(r[key] for r in runs))


def bench_associate(n: int, repeats: int, mlx_repeats: int, tmp: Path) -> dict:
    path = tmp / "baskets.parquet"
    make_baskets(n).to_parquet(path)
    out = {}
    for label, max_len in (("all_itemsets", None), ("pairs_max_len_2", 2)):
        ml = "none" if max_len is None else str(max_len)
        sparse = [run_child("associate", str(path), "sparse", ml) for _ in range(repeats)]
        mlx = [run_child("associate", str(path), "mlxtend", ml) for _ in range(mlx_repeats)]
        digests = {r["digest"] for r in sparse} | {r["digest"] for r in mlx}
        out[label] = {
            "max_len": max_len,
            "n_baskets": sparse[0]["n_baskets"],
            "n_itemsets": sparse[0]["n_itemsets"],
            "itemsets_by_length": sparse[0]["itemsets_by_length"],
            "n_rules": sparse[0]["n_rules"],
            "identical_rules": len(digests) == 1
            and sparse[0]["n_itemsets"] == mlx[0]["n_itemsets"],
            "sparse": {
                "total_s": _median(sparse, "total_s"),
                "build_csr_s": _median(sparse, "build_s"),
                "mine_s": _median(sparse, "mine_s"),
                "peak_rss_mb": max(r["peak_rss_mb"] for r in sparse),
                "rss_after_load_mb": _median(sparse, "rss_after_load_mb"),
                "runs_total_s": [round(r["total_s"], 3) for r in sparse],
            },
            "mlxtend_fpgrowth": {
                "total_s": _median(mlx, "total_s"),
                "build_onehot_s": _median(mlx, "build_s"),
                "fpgrowth_s": _median(mlx, "fpgrowth_s"),
                "rules_s": _median(mlx, "rules_s"),
                "mine_s": _median(mlx, "mine_s"),
                "peak_rss_mb": max(r["peak_rss_mb"] for r in mlx),
                "runs_total_s": [round(r["total_s"], 3) for r in mlx],
            },
        }
        o = out[label]
        o["speedup_total"] = o["mlxtend_fpgrowth"]["total_s"] / o["sparse"]["total_s"]
        o["speedup_mining_only"] = o["mlxtend_fpgrowth"]["mine_s"] / o["sparse"]["mine_s"]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, a few seconds")
    ap.add_argument("--n-baskets", type=int, default=None)
    ap.add_argument("--n-customers", type=int, default=None)
    ap.add_argument("--repeats", type=int, default=3, help="runs of each fast measurement")
    ap.add_argument("--mlxtend-repeats", type=int, default=None,
                    help="runs of mlxtend (default: 3 with --quick, 2 otherwise)")  # fmt: skip
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child:
        task, *rest = args.child
        if task == "associate":
            path, side, ml = rest
            res = child_associate(path, side, None if ml == "none" else int(ml))
        elif task == "segment":
            res = child_segment(int(rest[0]))
        else:
            res = child_detect(int(rest[0]))
        print(json.dumps(res))
        return 0

    n_baskets = args.n_baskets or (20_000 if args.quick else 1_000_000)
    n_customers = args.n_customers or (20_000 if args.quick else 1_000_000)
    mlx_repeats = args.mlxtend_repeats or (3 if args.quick else 2)
    seg_repeats = 1
    load_start = os.getloadavg()

    with tempfile.TemporaryDirectory(prefix="bench_mining_") as tmp:
        assoc = bench_associate(n_baskets, args.repeats, mlx_repeats, Path(tmp))
    seg = [run_child("segment", str(n_customers)) for _ in range(seg_repeats)]
    det = [run_child("detect", str(n_customers)) for _ in range(seg_repeats)]

    seg_res = {k: (_median(seg, k) if isinstance(seg[0][k], float) else seg[0][k]) for k in seg[0]}
    det_res = {k: (_median(det, k) if isinstance(det[0][k], float) else det[0][k]) for k in det[0]}
    results = {
        "benchmark": "mining",
        "quick": args.quick,
        "command": " ".join(
            [".venv/bin/python", "benchmarks/bench_mining.py", *(argv or sys.argv[1:])]
        ),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },  # fmt: skip
        "thresholds": {
            "min_support": MIN_SUPPORT,
            "min_confidence": MIN_CONFIDENCE,
            "n_items": N_ITEMS,
        },  # fmt: skip
        "association": assoc,
        "segmentation": seg_res,
        "deviation": det_res,
        "targets": {
            "association_speedup_at_least": 5.0,
            "association_peak_rss_mb_below": 2048,
            "segmentation_s_below": 60,
            "deviation_s_below": 60,
        },
    }
    a = assoc["all_itemsets"]
    results["pass"] = {
        "association_identical_rules": all(v["identical_rules"] for v in assoc.values()),
        "association_speedup": a["speedup_total"] >= 5.0,
        "association_memory": a["sparse"]["peak_rss_mb"] < 2048,
        "segmentation_time": max(seg_res["rfm_total_s"], seg_res["kmeans_features_s"]) < 60,
        "deviation_time": det_res["total_s"] < 60,
    }

    print(f"ecrm_lab.mining benchmark ({'quick' if args.quick else 'full'}), "
          f"{n_baskets:,} baskets, {n_customers:,} customers; load average "
          f"{load_start[0]:.1f} at start, {os.getloadavg()[0]:.1f} at end on {os.cpu_count()} cpus")  # fmt: skip
    print()
    print(f"Association rules, min_support={MIN_SUPPORT}, min_confidence={MIN_CONFIDENCE}, "
          f"{N_ITEMS} items (median of {args.repeats} sparse / {mlx_repeats} mlxtend runs)")  # fmt: skip
    hdr = f"{'case':<18}{'side':<18}{'total s':>9}{'build s':>9}{'mine s':>9}{'peak MB':>9}"
    print(hdr)
    print("-" * len(hdr))
    for label, o in assoc.items():
        s, m = o["sparse"], o["mlxtend_fpgrowth"]
        print(f"{label:<18}{'ecrm_lab sparse':<18}{s['total_s']:>9.2f}{s['build_csr_s']:>9.2f}"
              f"{s['mine_s']:>9.2f}{s['peak_rss_mb']:>9.0f}")  # fmt: skip
        print(f"{'':<18}{'mlxtend fpgrowth':<18}{m['total_s']:>9.2f}{m['build_onehot_s']:>9.2f}"
              f"{m['mine_s']:>9.2f}{m['peak_rss_mb']:>9.0f}")  # fmt: skip
        print(f"{'':<18}speedup {o['speedup_total']:.1f}x total, {o['speedup_mining_only']:.1f}x "
              f"mining only; {o['n_itemsets']} itemsets (by length {o['itemsets_by_length']}), "
              f"{o['n_rules']} rules, identical: {o['identical_rules']}")  # fmt: skip
    print()
    print(f"Segmentation of {n_customers:,} customers ({seg_res['n_transactions']:,} transactions)")
    print(f"  RFM scores + segments     {seg_res['rfm_s']:8.2f} s")
    print(f"  k-means on RFM (k={seg_res['k_rfm']})     {seg_res['kmeans_rfm_s']:8.2f} s")
    print(
        f"  k-means on features (k={seg_res['k_features']}) {seg_res['kmeans_features_s']:8.2f} s"
    )
    print(f"  peak memory               {seg_res['peak_rss_mb']:8.0f} MB")
    print(f"Deviation detection on {n_customers:,} customers")
    print(f"  robust z per customer     {det_res['robust_z_s']:8.2f} s")
    print(f"  behaviour change          {det_res['behaviour_change_s']:8.2f} s")
    print(f"  isolation forest          {det_res['isolation_forest_s']:8.2f} s")
    print(f"  total                     {det_res['total_s']:8.2f} s")
    print(f"  peak memory               {det_res['peak_rss_mb']:8.0f} MB")
    print()
    print("targets met: " + ", ".join(f"{k}={v}" for k, v in results["pass"].items()))

    sys.path.insert(0, str(HERE.parent))
    from ecrm_lab._io import atomic_path

    RESULTS.mkdir(parents=True, exist_ok=True)
    dest = RESULTS / ("mining_quick.json" if args.quick else "mining.json")
    with atomic_path(dest) as tmp_file:
        tmp_file.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {dest.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
