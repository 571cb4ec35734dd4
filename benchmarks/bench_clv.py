"""Benchmark: fitting BG/NBD and Gamma-Gamma, ecrm-lab against lifetimes, side by side.

Customer summaries are simulated from the CDNOW estimates (BG/NBD r=0.243, alpha=4.414,
a=0.793, b=2.426; Gamma-Gamma p=6.25, q=3.74, v=15.44) with ages T uniform in 27..39 weeks;
recency is continuous, so every row is distinct (no help from aggregation). Each fitter runs
on the same arrays; fit times are medians over repeats; peak memory is measured in a separate
run under tracemalloc (numpy reports its buffers to it). The log-likelihood of every
estimate is recomputed with one formula (ecrm-lab's per-customer likelihood), so "same LL"
compares like with like.

Usage::

    .venv/bin/python benchmarks/bench_clv.py            # 100,000 and 1,000,000 customers
    .venv/bin/python benchmarks/bench_clv.py --quick    # 5,000 customers, a few seconds

Writes ``benchmarks/results/clv.json``.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import statistics
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ecrm_lab.lifecycle import BGNBD, GammaGamma

RESULTS = Path(__file__).parent / "results" / "clv.json"
TRUE_BG = (0.243, 4.414, 0.793, 2.426)
TRUE_GG = (6.25, 3.74, 15.44)


def simulate(n: int, seed: int = 2024):
    rng = np.random.default_rng(seed)
    ages = rng.uniform(27.0, 39.0, n)
    data = BGNBD.from_params(*TRUE_BG).sample(n, T=ages, random_state=seed + 1)
    x = data["frequency"].to_numpy(dtype=float)
    spend = GammaGamma.from_params(*TRUE_GG).sample(x, random_state=seed + 2)
    return x, data["recency"].to_numpy(), data["T"].to_numpy(), spend


def lifetimes_status() -> tuple[bool, str]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import lifetimes
            from lifetimes import BetaGeoFitter

            x, tx, t, _ = simulate(500, seed=1)
            BetaGeoFitter().fit(x, tx, t)
    except ImportError as exc:
        return False, f"lifetimes is not installed ({exc})"
    except Exception as exc:  # noqa: BLE001 - report whatever breaks it
        return False, f"lifetimes fails under numpy {np.__version__}: {type(exc).__name__}: {exc}"
    return True, f"lifetimes {lifetimes.__version__}"


def measure(fn: Callable[[], object], repeats: int) -> tuple[list[float], float, object]:
    """Run ``fn`` ``repeats`` times for timing, then once under tracemalloc for peak memory."""
    times, out = [], None
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    gc.collect()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return times, peak / 2**20, out


def bgnbd_ll(params, x, tx, t) -> float:
    return float(BGNBD.from_params(*params).log_likelihood(x, tx, t).sum())


def gg_ll(params, x, m) -> float:
    keep = x > 0
    return float(GammaGamma.from_params(*params).log_likelihood(x[keep], m[keep]).sum())


def make_cases(x, tx, t, m, have_lifetimes: bool) -> list[tuple[str, str, Callable[[], object]]]:
    """(model, fitter name, fit function) for every fitter, all on the same arrays."""
    keep = x > 0
    cases: list[tuple[str, str, Callable[[], object]]] = [
        ("bgnbd", "ecrm-lab BGNBD (5 starts)", lambda: BGNBD(n_starts=5).fit(x, tx, t)),
        ("bgnbd", "ecrm-lab BGNBD (1 start)", lambda: BGNBD(n_starts=1).fit(x, tx, t)),
        ("gamma_gamma", "ecrm-lab GammaGamma (5 starts)", lambda: GammaGamma().fit(x, m)),
        ("gamma_gamma", "ecrm-lab GammaGamma (1 start)", lambda: GammaGamma(n_starts=1).fit(x, m)),
    ]
    if have_lifetimes:
        from lifetimes import BetaGeoFitter, GammaGammaFitter

        cases.insert(2, ("bgnbd", "lifetimes BetaGeoFitter", lambda: BetaGeoFitter().fit(x, tx, t)))
        cases.append(
            (
                "gamma_gamma",
                "lifetimes GammaGammaFitter",
                lambda: GammaGammaFitter().fit(x[keep], m[keep]),
            )
        )
    return cases


def run(sizes: list[int], repeats_for: Callable[[int], int], have_lifetimes: bool) -> list[dict]:
    rows: list[dict] = []
    for n in sizes:
        x, tx, t, m = simulate(n)
        rep = repeats_for(n)
        keep = x > 0
        print(f"\n{n:,} customers ({int(keep.sum()):,} with a repeat purchase), {rep} repeat(s)")
        cases = make_cases(x, tx, t, m, have_lifetimes)
        for model, name, fn in cases:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                times, peak, fitted = measure(fn, rep)
            if name.startswith("ecrm-lab"):
                params = tuple(float(v) for v in fitted.params_)
            elif model == "bgnbd":
                params = tuple(float(fitted.params_[k]) for k in ("r", "alpha", "a", "b"))
            else:
                params = tuple(float(fitted.params_[k]) for k in ("p", "q", "v"))
            ll = bgnbd_ll(params, x, tx, t) if model == "bgnbd" else gg_ll(params, x, m)
            row = {
                "n_customers": n,
                "model": model,
                "fitter": name,
                "repeats": rep,
                "median_s": statistics.median(times),
                "times_s": times,
                "peak_mib": peak,
                "params": params,
                "log_likelihood": ll,
            }
            rows.append(row)
            print(
                f"  {name:32s} {row['median_s']:8.3f} s  peak {peak:8.1f} MiB  "
                f"LL {ll:,.3f}  params {', '.join(f'{p:.4f}' for p in params)}"
            )
    # ratios against the peer, per size and model
    for row in rows:
        peer_name = (
            "lifetimes BetaGeoFitter" if row["model"] == "bgnbd" else "lifetimes GammaGammaFitter"
        )
        peer = next(
            (
                r
                for r in rows
                if r["fitter"] == peer_name and r["n_customers"] == row["n_customers"]
            ),
            None,
        )
        if peer is not None:
            row["time_ratio_vs_lifetimes"] = row["median_s"] / peer["median_s"]
            row["memory_ratio_vs_lifetimes"] = row["peak_mib"] / peer["peak_mib"]
            row["ll_minus_lifetimes"] = row["log_likelihood"] - peer["log_likelihood"]
            row["max_rel_param_diff_vs_lifetimes"] = float(
                np.max(np.abs(np.array(row["params"]) / np.array(peer["params"]) - 1.0))
            )
    return rows


def print_table(rows: list[dict]) -> None:
    print(
        f"\n{'customers':>10} {'fitter':32s} {'median s':>9} {'x peer':>7} {'peak MiB':>9} "
        f"{'x peer':>7} {'LL - peer LL':>13} {'max param diff':>14}"
    )
    for r in rows:
        ratio = r.get("time_ratio_vs_lifetimes")
        mem = r.get("memory_ratio_vs_lifetimes")
        dll = r.get("ll_minus_lifetimes")
        dp = r.get("max_rel_param_diff_vs_lifetimes")
        print(
            f"{r['n_customers']:>10,} {r['fitter']:32s} {r['median_s']:9.3f} "
            f"{'' if ratio is None else f'{ratio:7.2f}':>7} {r['peak_mib']:9.1f} "
            f"{'' if mem is None else f'{mem:7.2f}':>7} "
            f"{'' if dll is None else f'{dll:13.4f}':>13} "
            f"{'' if dp is None else f'{dp:14.2e}':>14}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 customers, one repeat")
    parser.add_argument("--out", default=str(RESULTS), help="where to write the JSON results")
    args = parser.parse_args(argv)

    have, status = lifetimes_status()
    print(f"peer: {status}")
    if args.quick:
        sizes, repeats_for = [5_000], (lambda n: 1)
    else:
        sizes, repeats_for = [100_000, 1_000_000], (lambda n: 3 if n <= 100_000 else 2)
    rows = run(sizes, repeats_for, have)
    print_table(rows)
    import pandas as pd
    import scipy

    payload = {
        "benchmark": "clv",
        "quick": args.quick,
        "peer": status,
        "peer_available": have,
        "data": "simulated from the CDNOW BG/NBD and Gamma-Gamma estimates, T ~ U(27, 39) weeks",
        "environment": {
            "python": sys.version.split()[0],
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "scipy": scipy.__version__,
            "platform": platform.platform(),
        },
        "rows": rows,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    from ecrm_lab._io import atomic_path

    with atomic_path(out) as tmp:
        tmp.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
