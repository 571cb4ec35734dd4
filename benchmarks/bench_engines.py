"""Benchmark of the personalization engine: top-10 offers for N customers (default 1,000,000).

The data: N retail customers drawn from the world's latent model (``draw_traits``), each
buying ``Poisson(12 x purchase_rate)`` basket lines in a year; a line's category comes from
``behaviour.category_weights`` and its SKU from the world's SKU choice model — a sparse
customer x SKU matrix (249 SKUs).

Side by side, on the same matrix, each run in a fresh subprocess (so ``ru_maxrss`` is its own
peak resident memory):

* ``ecrm-lab ItemItemCF`` — cosine item-item similarity from the sparse matrix, top-10 per
  customer in vectorised blocks of NumPy/SciPy, two blocks at a time (``n_jobs=2``);
* ``implicit CosineRecommender`` — the item-item nearest-neighbour recommender of the
  ``implicit`` package (C++, multi-threaded), with ``K`` = all items so both compute the same
  plain cosine scores, and with its default ``K=20`` neighbours;
* ``naive dense`` — scikit-learn ``cosine_similarity`` + a dense ``X @ S`` + full ``argsort``
  (only up to 200,000 customers: it needs the dense customer x item matrix).

Both fit and recommendation are timed; the medians of the repeats are reported with the ratio
to ecrm-lab, and the top-10 lists of ecrm-lab and implicit (K = all) are compared (share of
identical offers).

Usage::

    .venv/bin/python benchmarks/bench_engines.py            # 1,000,000 customers
    .venv/bin/python benchmarks/bench_engines.py --quick    # 20,000 customers, seconds

Writes ``benchmarks/results/engines.json`` (``engines_quick.json`` with ``--quick``).
"""

from __future__ import annotations

import argparse
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
import scipy.sparse as sp

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
K = 10
NAIVE_MAX = 200_000


# ---------------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------------
def make_matrix(n: int, seed: int = 0) -> sp.csr_matrix:
    """Customer x SKU purchase matrix (binary) from the world's latent customer model."""
    import pandas as pd

    from ecrm_lab.world import behaviour
    from ecrm_lab.world._context import WorldContext
    from ecrm_lab.world.products import price_bin, sku_probabilities
    from ecrm_lab.world.traits import draw_traits

    ctx = WorldContext("retail", n, seed, pd.Timestamp("2023-01-01"), 12)
    traits = draw_traits(ctx)
    rng = np.random.default_rng(seed)
    probs, cat, _ = sku_probabilities()  # probs: (price bins, n_skus)
    n_lines = rng.poisson(12.0 * traits["purchase_rate"].to_numpy())
    rows_parts, cols_parts = [], []
    bins = price_bin(traits["price_sensitivity"].to_numpy())
    for lo in range(0, n, 100_000):
        hi = min(lo + 100_000, n)
        t = traits.iloc[lo:hi]
        w = behaviour.category_weights(t)
        k = n_lines[lo:hi]
        row = np.repeat(np.arange(lo, hi), k)
        c = behaviour.draw_categorical(rng, np.repeat(w, k, axis=0))
        # SKU within the category, by the customer's price bin
        b = np.repeat(bins[lo:hi], k)
        sku = np.empty(len(row), dtype=np.int64)
        for bb in np.unique(b):
            for cc in np.unique(c):
                sel = (b == bb) & (c == cc)
                if not sel.any():
                    continue
                cand = np.flatnonzero(cat == cc)
                p = probs[bb, cand] / probs[bb, cand].sum()
                sku[sel] = rng.choice(cand, size=int(sel.sum()), p=p)
        rows_parts.append(row)
        cols_parts.append(sku)
    rows, cols = np.concatenate(rows_parts), np.concatenate(cols_parts)
    X = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(n, len(cat)))
    X.sum_duplicates()
    X.data[:] = 1.0
    return X


# ---------------------------------------------------------------------------------------------
# one run (in a subprocess)
# ---------------------------------------------------------------------------------------------
def worker(method: str, path: str, out: str) -> None:
    import warnings

    warnings.simplefilter("ignore")  # implicit's notes about input formats
    if method == "make":
        sp.save_npz(out, make_matrix(int(path)))
        return
    X = sp.csr_matrix(sp.load_npz(path), dtype=np.float32)
    n, m = X.shape
    result: dict = {"method": method}
    if method == "ecrm_lab":
        from ecrm_lab.engines import InteractionMatrix, ItemItemCF

        owned = InteractionMatrix(
            X, np.arange(1, n + 1, dtype=np.int64), tuple(f"s{j}" for j in range(m))
        )
        t0 = time.perf_counter()
        cf = ItemItemCF().fit(owned)
        t1 = time.perf_counter()
        offers = cf.recommend(owned, k=K, n_jobs=2)
        t2 = time.perf_counter()
        top = offers.index
    elif method.startswith("implicit"):
        from implicit.nearest_neighbours import CosineRecommender
        from threadpoolctl import threadpool_limits

        kk = m if method == "implicit_all" else 20
        with threadpool_limits(1, "blas"):
            t0 = time.perf_counter()
            model = CosineRecommender(K=kk)
            model.fit(X, show_progress=False)
            t1 = time.perf_counter()
            ids, _ = model.recommend(np.arange(n), X, N=K, filter_already_liked_items=True)
            t2 = time.perf_counter()
        top = np.asarray(ids)
    elif method == "naive_dense":
        from sklearn.metrics.pairwise import cosine_similarity

        t0 = time.perf_counter()
        S = cosine_similarity(X.T.toarray())
        np.fill_diagonal(S, 0.0)
        t1 = time.perf_counter()
        dense = X.toarray()
        scores = dense @ S
        scores[dense > 0] = -np.inf
        top = np.argsort(-scores, axis=1, kind="stable")[:, :K]
        t2 = time.perf_counter()
    else:  # pragma: no cover
        raise SystemExit(f"unknown method {method}")
    result["fit_s"] = t1 - t0
    result["recommend_s"] = t2 - t1
    result["total_s"] = t2 - t0
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    np.save(out + ".npy", top.astype(np.int32))
    Path(out).write_text(json.dumps(result))


def run(method: str, path: str, tmp: str, i: int) -> tuple[dict, str]:
    """One run in a fresh process started from this small one (a child inherits its parent's
    peak RSS in ``ru_maxrss``, so the parent never holds the big data)."""
    out = os.path.join(tmp, f"{method}_{i}.json")
    subprocess.run([sys.executable, __file__, "--worker", method, path, out], check=True)
    return json.loads(Path(out).read_text()), out + ".npy"


def overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Share of the top-k offers of ``a`` that are also in ``b``'s top-k (row by row)."""
    a = np.where(a < 0, -1, a)
    hits = (a[:, :, None] == b[:, None, :]).any(axis=2) & (a >= 0)
    return float(hits.sum() / max((a >= 0).sum(), 1))


def agreement_up_to_ties(
    path: str, ours: np.ndarray, theirs: np.ndarray, sample: int = 20_000
) -> float:
    """Share of (sampled) customers whose two top-k lists have the same ecrm-lab cosine scores
    — the lists differ at most in the order of tied items. Where the peer returns fewer than
    k offers (implicit leaves out items with similarity 0, ecrm-lab fills the list with the
    most popular ones), only the offers it returns are compared."""
    from ecrm_lab.engines import InteractionMatrix, ItemItemCF

    X = sp.csr_matrix(sp.load_npz(path), dtype=np.float32)
    n, m = X.shape
    owned = InteractionMatrix(
        X, np.arange(1, n + 1, dtype=np.int64), tuple(f"s{j}" for j in range(m))
    )
    cf = ItemItemCF().fit(owned)
    rows = np.random.default_rng(0).choice(n, size=min(sample, n), replace=False)
    rows.sort()
    S = cf._S_dense
    Xb = X[rows].astype(np.float64)
    scores = np.asarray(Xb @ S)
    scores[Xb.toarray() > 0] = -np.inf
    a = np.take_along_axis(scores, np.maximum(ours[rows], 0), axis=1)
    b = np.take_along_axis(scores, np.maximum(theirs[rows], 0), axis=1)
    a[ours[rows] < 0] = -np.inf
    b[theirs[rows] < 0] = -np.inf
    a, b = -np.sort(-a, axis=1), -np.sort(-b, axis=1)
    same = np.isclose(a, b, rtol=1e-5, atol=1e-6) | np.isneginf(b)
    return float(same.all(axis=1).mean())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="20,000 customers, 1 run each")
    ap.add_argument("--n", type=int, default=None, help="number of customers")
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    n = args.n or (20_000 if args.quick else 1_000_000)
    repeats = args.repeats or (1 if args.quick else 3)
    try:
        import implicit  # noqa: F401

        has_implicit = True
    except ImportError:
        has_implicit = False
    methods = ["ecrm_lab"]
    if has_implicit:
        methods += ["implicit_all", "implicit_k20"]
    if n <= NAIVE_MAX:
        methods.append("naive_dense")

    rows = []
    tops = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "X.npz")
        t0 = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--worker", "make", str(n), path], check=True)
        gen_s = time.perf_counter() - t0
        X = sp.load_npz(path)
        n_items, nnz = int(X.shape[1]), int(X.nnz)
        del X
        print(
            f"data: {n:,} customers x {n_items} SKUs, {nnz:,} purchases "
            f"({nnz / n:.1f} per customer), built in {gen_s:.1f} s"
        )
        for method in methods:
            runs = []
            for i in range(repeats):
                res, top = run(method, path, tmp, i)
                runs.append(res)
                tops[method] = top
            rows.append(
                {
                    "method": method,
                    "fit_s": statistics.median(r["fit_s"] for r in runs),
                    "recommend_s": statistics.median(r["recommend_s"] for r in runs),
                    "total_s": statistics.median(r["total_s"] for r in runs),
                    "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
                    "repeats": repeats,
                }
            )
        agreement = {}
        for other in ("implicit_all", "naive_dense"):
            if other in tops:
                ours, theirs = np.load(tops["ecrm_lab"]), np.load(tops[other])
                agreement[other] = {
                    "same_offers": overlap(ours, theirs),
                    "same_scores_up_to_ties": agreement_up_to_ties(path, ours, theirs),
                    "peer_short_lists": float((theirs < 0).any(axis=1).mean()),
                }
    base = rows[0]["total_s"]
    for r in rows:
        r["ratio_to_ecrm_lab"] = r["total_s"] / base

    print(f"\ntop-{K} offers for {n:,} customers (median of {repeats} runs, each a fresh process)")
    print(
        f"{'method':<16}{'fit s':>9}{'top-k s':>10}{'total s':>10}{'x ecrm-lab':>12}"
        f"{'peak RSS MB':>13}"
    )
    for r in rows:
        print(
            f"{r['method']:<16}{r['fit_s']:>9.2f}{r['recommend_s']:>10.2f}{r['total_s']:>10.2f}"
            f"{r['ratio_to_ecrm_lab']:>12.2f}{r['peak_rss_mb']:>13.0f}"
        )
    for other, agree in agreement.items():
        print(
            f"top-{K} agreement ecrm-lab vs {other}: {agree['same_offers']:.4f} of the offers "
            f"identical; {agree['same_scores_up_to_ties']:.4f} of the customers get lists "
            "with the same cosine scores (differences are ties); the peer returns fewer than "
            f"{K} offers to {agree['peer_short_lists']:.4f} of them"
        )
    if not has_implicit:
        print("(implicit is not installed: `pip install implicit` to run the peer)")
    target = rows[0]["total_s"] < 60.0
    print(
        f"target (< 60 s for top-10 offers): {'met' if target else 'NOT met'} "
        f"({rows[0]['total_s']:.1f} s)"
    )

    RESULTS.mkdir(exist_ok=True)
    name = "engines_quick.json" if args.quick else "engines.json"
    payload = {
        "benchmark": "top-10 item-item offers",
        "n_customers": n,
        "n_items": n_items,
        "purchases": nnz,
        "k": K,
        "repeats": repeats,
        "results": rows,
        "agreement_top_k": agreement,
        "target_under_60s": bool(target),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
    }
    (RESULTS / name).write_text(json.dumps(payload, indent=2) + "\n")
    print(f"wrote {RESULTS / name}")


if __name__ == "__main__":
    main()
