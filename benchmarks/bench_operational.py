"""Benchmark: a campaign over a million customers, simulated and evaluated end to end.

The issue asks that a campaign over 1,000,000 customers simulates and evaluates in under 30
seconds. The traits of the population are drawn with the world's trait model
(``population_traits``, no tables) and reported separately; the campaign then goes through
``approve`` (eligibility, channels, control group), ``execute`` (consent check of every
send, opens, clicks, take-ups from the behaviour model) and ``measure`` (response matching,
metrics, Wilson/Newcombe intervals, a 2,000-replicate bootstrap of the incremental profit).

No library simulates campaigns, so the two heavy steps of the evaluation are compared side by
side with the straightforward implementation an analyst would write first:

* **response matching** — ``match_responses`` (one sorted as-of merge) against a pandas
  merge of every response with every contact of its customer, filtered to the window and
  reduced to the latest contact;
* **bootstrap of the incremental margin** — ``bootstrap_sum_diff`` (exact for sparse
  outcomes: only the non-zero rows are resampled) against resampling every row
  (``rng.integers(0, n, n)`` per replicate), at the same number of replicates.

Times are medians over repeats; peak memory is measured in a separate run under tracemalloc
(numpy reports its buffers to it).

Usage::

    .venv/bin/python benchmarks/bench_operational.py           # 1,000,000 customers
    .venv/bin/python benchmarks/bench_operational.py --quick   # 50,000 customers, seconds

Writes ``benchmarks/results/operational.json`` (``operational_quick.json`` with --quick).
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import statistics
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from ecrm_lab.operational import (
    Campaign,
    CampaignPlan,
    bootstrap_sum_diff,
    match_responses,
    population_traits,
)

RESULTS = Path(__file__).parent / "results"
CONSENTS = ["customer_id", "consent_email", "consent_sms", "consent_phone", "consent_post"]


def measure(fn: Callable[[], object], repeats: int, peak: bool = True):
    """Median-able times of ``repeats`` runs, then one run under tracemalloc for the peak."""
    times, out = [], None
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    mem = float("nan")
    if peak:
        gc.collect()
        tracemalloc.start()
        fn()
        _, p = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        mem = p / 2**20
    return times, mem, out


def run_campaign(traits: pd.DataFrame, audience: pd.DataFrame, seed: int):
    """Plan, approve, execute and measure one multi-channel campaign; step times."""
    plan = CampaignPlan(
        "personal_loan", channels=("email", "sms", "post"), control_share=0.1, fixed_cost=2_000.0
    )
    steps = {}
    t0 = time.perf_counter()
    c = Campaign(plan, audience, random_state=seed).approve()
    steps["approve"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    c.execute(traits)
    steps["execute"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    res = c.measure()
    steps["measure"] = time.perf_counter() - t2
    steps["total"] = time.perf_counter() - t0
    return c, res, steps


def naive_match(contacts: pd.DataFrame, responses: pd.DataFrame, window: int) -> pd.DataFrame:
    """Every response joined with every contact of its customer, filtered and reduced."""
    r = responses.reset_index(drop=True).assign(_row=lambda d: np.arange(len(d)))
    j = r.merge(
        contacts[["customer_id", "contact_id", "contact_date"]], on="customer_id", how="left"
    )
    gap = (j["response_date"] - j["contact_date"]) / pd.Timedelta(days=1)
    ok = (gap >= 0) & (gap <= window)
    j = j[ok].sort_values(["_row", "contact_date"]).drop_duplicates("_row", keep="last")
    out = r.merge(j[["_row", "contact_id"]], on="_row", how="left")
    out["matched"] = out["contact_id"].notna()
    return out


def naive_bootstrap(vt: np.ndarray, vc: np.ndarray, scale: float, n_boot: int, seed: int):
    rng = np.random.default_rng(seed)
    reps = np.empty(n_boot)
    for b in range(n_boot):
        reps[b] = scale * (
            vt[rng.integers(0, len(vt), len(vt))].mean()
            - vc[rng.integers(0, len(vc), len(vc))].mean()
        )
    return np.quantile(reps, [0.025, 0.975])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="50,000 customers, one repeat")
    ap.add_argument("--customers", type=int, default=None, help="population size")
    ap.add_argument("--repeats", type=int, default=None, help="timed repeats per case")
    args = ap.parse_args(argv)
    n = args.customers or (50_000 if args.quick else 1_000_000)
    repeats = args.repeats or (1 if args.quick else 3)
    n_boot_peer = 100 if args.quick else 200

    print(f"operational benchmark: {n:,} customers, {repeats} repeat(s)")
    t0 = time.perf_counter()
    traits = population_traits("bank", n, seed=42)
    t_traits = time.perf_counter() - t0
    audience = traits[CONSENTS]

    # -- the campaign end to end ---------------------------------------------------------
    step_times: dict[str, list[float]] = {"approve": [], "execute": [], "measure": [], "total": []}
    res = camp = None
    for r in range(repeats):
        gc.collect()
        camp, res, steps = run_campaign(traits, audience, seed=r)
        for k, v in steps.items():
            step_times[k].append(v)
    gc.collect()
    tracemalloc.start()
    run_campaign(traits, audience, seed=0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    campaign_peak = peak / 2**20
    med = {k: statistics.median(v) for k, v in step_times.items()}

    # invariants of the big run
    assert camp is not None and res is not None
    control = set(camp.assignment.loc[camp.assignment["group"] == "control", "customer_id"])
    assert control.isdisjoint(set(camp.contacts["customer_id"].tolist()))
    assert bool(camp.contacts["consent_checked"].all())

    # -- side by side: response matching ---------------------------------------------------
    contacts, responses = camp.contacts, camp.responses
    ours_t, ours_m, ours = measure(lambda: match_responses(contacts, responses, 30), repeats)
    peer_t, peer_m, peer = measure(lambda: naive_match(contacts, responses, 30), repeats)
    same_match = bool(np.array_equal(ours["matched"].to_numpy(), peer["matched"].to_numpy()))

    # -- side by side: bootstrap of the incremental margin ---------------------------------
    o = res.outcomes
    is_t = (o["group"] == "treatment").to_numpy()
    m = o["margin"].to_numpy()
    vt, vc, scale = m[is_t], m[~is_t], float(is_t.sum())
    boot_t, boot_m, (blo, bhi, _) = measure(
        lambda: bootstrap_sum_diff(vt, vc, scale, n_boot=n_boot_peer, random_state=1), repeats
    )
    nboot_t, nboot_m, (nlo, nhi) = measure(
        lambda: naive_bootstrap(vt, vc, scale, n_boot_peer, 1), repeats
    )

    rows = [
        ("draw traits (world's trait model)", t_traits, float("nan"), float("nan")),
        ("campaign: approve", med["approve"], float("nan"), float("nan")),
        ("campaign: execute", med["execute"], float("nan"), float("nan")),
        ("campaign: measure", med["measure"], float("nan"), float("nan")),
        ("campaign: simulate + evaluate", med["total"], campaign_peak, float("nan")),
        (
            "match responses: ecrm-lab (as-of merge)",
            statistics.median(ours_t),
            ours_m,
            float("nan"),
        ),
        (
            "match responses: naive merge + filter",
            statistics.median(peer_t),
            peer_m,
            statistics.median(peer_t) / statistics.median(ours_t),
        ),
        (
            f"bootstrap x{n_boot_peer}: ecrm-lab (sparse exact)",
            statistics.median(boot_t),
            boot_m,
            float("nan"),
        ),
        (
            f"bootstrap x{n_boot_peer}: naive resampling",
            statistics.median(nboot_t),
            nboot_m,
            statistics.median(nboot_t) / statistics.median(boot_t),
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"\n{'case':<{width}}  {'median s':>9}  {'peak MiB':>9}  {'peer/ours':>9}")
    for name, t, mem, ratio in rows:
        print(f"{name:<{width}}  {t:9.3f}  {mem:9.1f}  {ratio:9.2f}")
    print(
        f"\ncontacts {len(contacts):,}, take-ups {len(responses):,}; same matches: "
        f"{same_match}; bootstrap CI ours [{blo:,.0f}, {bhi:,.0f}] vs naive "
        f"[{nlo:,.0f}, {nhi:,.0f}]"
    )
    ok = med["total"] < 30.0
    print(
        f"target: simulate + evaluate < 30 s -> {'met' if ok else 'NOT met'} ({med['total']:.1f} s)"
    )

    out = {
        "benchmark": "operational",
        "customers": n,
        "repeats": repeats,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "machine": platform.machine(),
        "traits_seconds": t_traits,
        "campaign_seconds_median": med,
        "campaign_seconds_all": step_times,
        "campaign_peak_mib": campaign_peak,
        "target_30s_met": ok,
        "contacts": len(contacts),
        "take_ups": len(responses),
        "match_responses": {
            "ours_s": ours_t,
            "naive_s": peer_t,
            "ours_peak_mib": ours_m,
            "naive_peak_mib": peer_m,
            "ratio_naive_over_ours": statistics.median(peer_t) / statistics.median(ours_t),
            "same_result": same_match,
        },
        "bootstrap": {
            "replicates": n_boot_peer,
            "ours_s": boot_t,
            "naive_s": nboot_t,
            "ours_peak_mib": boot_m,
            "naive_peak_mib": nboot_m,
            "ratio_naive_over_ours": statistics.median(nboot_t) / statistics.median(boot_t),
            "ours_ci": [blo, bhi],
            "naive_ci": [float(nlo), float(nhi)],
        },
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    dest = RESULTS / ("operational_quick.json" if args.quick else "operational.json")
    dest.write_text(json.dumps(out, indent=2))
    print(f"wrote {dest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
