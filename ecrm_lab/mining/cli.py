"""``ecrm-lab mine TASK --data FILE ...``: the five mining tasks on any CSV or Parquet table.

Tasks: ``classify``, ``regress``, ``associate``, ``segment``, ``detect``. Without ``--json``
a short plain-text report is printed; with ``--json`` one JSON object (numbers that are not
finite, e.g. the conviction of a rule with confidence 1, are written as ``null``). Bad input
(a missing column or file, a non-numeric regression target, a one-class target, an empty or
unreadable file) exits with code 2 and one line naming the column or file.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import pandas as pd

from .._io import read_table
from .._validation import Interval, Param
from ._common import frame_records, jsonable

__all__ = ["register"]

SEED = Param("seed", int, 0, "random seed", Interval(0, 2**32 - 1))
TOP = Param("top", int, 20, "rows to show", Interval(1, None))
K = Param("k", int, None, "number of segments", Interval(2, 50), nullable=True)


def _add_common(p: argparse.ArgumentParser, seed: bool = True) -> None:
    p.add_argument("--data", required=True, metavar="FILE", help="CSV or Parquet table")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    if seed:
        p.add_argument("--seed", default="0", metavar="N", help="random seed (default 0)")


def register(subparsers: Any) -> None:
    """Add ``mine`` and its tasks to the ``ecrm-lab`` command line."""
    mine = subparsers.add_parser(
        "mine",
        help="run a data-mining task on your own CSV or Parquet table",
        description="Classification, regression, association rules, segmentation and "
        "deviation detection on any CSV or Parquet table.",
    )
    mine.set_defaults(func=lambda args: _no_task(mine))
    tasks = mine.add_subparsers(dest="task", metavar="TASK", parser_class=type(mine))

    for name, helptext in (
        ("classify", "predict a yes/no column: baseline, logistic regression, gradient boosting"),
        ("regress", "predict a numeric column: mean baseline, ridge regression, gradient boosting"),
    ):
        p = tasks.add_parser(name, help=helptext, description=helptext)
        _add_common(p)
        p.add_argument("--target", required=True, metavar="COL", help="the column to predict")
        p.add_argument("--id", dest="id_col", metavar="COL", help="row id column (not a feature)")
        p.add_argument("--drop", action="append", default=[], metavar="COL",
                       help="leave a column out (repeatable)")  # fmt: skip
        p.add_argument("--test-size", default="0.25", metavar="F",
                       help="share of rows held out (default 0.25)")  # fmt: skip
        if name == "classify":
            p.add_argument("--positive", metavar="LABEL", help="the class to predict")
            p.add_argument("--threshold", default="0.5", metavar="F",
                           help="probability threshold for precision/recall (default 0.5)")  # fmt: skip
        p.set_defaults(func=_classify if name == "classify" else _regress)

    p = tasks.add_parser(
        "associate",
        help="association rules from baskets (one-hot or long table)",
        description="Association rules from a one-hot table (one row per basket; --id names "
        "the basket column) or a long table (--transaction and --item). In JSON, a conviction "
        "of null means infinite (confidence 1).",
    )
    _add_common(p, seed=False)
    p.add_argument("--id", dest="id_col", metavar="COL", help="basket id column of a one-hot table")
    p.add_argument("--transaction", metavar="COL", help="basket id column of a long table")
    p.add_argument("--item", metavar="COL", help="item column of a long table")
    p.add_argument("--min-support", default="0.01", metavar="F", help="default 0.01")
    p.add_argument("--min-confidence", default="0.5", metavar="F", help="default 0.5")
    p.add_argument("--max-len", default=None, metavar="N", help="largest itemset (default: any)")
    p.add_argument("--algorithm", default="sparse", metavar="NAME",
                   help="sparse (default), fpgrowth or apriori")  # fmt: skip
    p.add_argument("--prune", action="store_true", help="drop redundant rules")
    p.add_argument("--top", default=None, metavar="N", help="rules to show (JSON: all)")
    p.set_defaults(func=_associate)

    p = tasks.add_parser(
        "segment",
        help="k-means segments of a customer table, or RFM from a transaction log",
        description="Segments a customer feature table (--id, optional --k) with k-means, k "
        "chosen by silhouette; or computes RFM scores and segments from a transaction log "
        "(--customer --date --amount) and clusters the RFM values.",
    )
    _add_common(p)
    p.add_argument("--id", dest="id_col", metavar="COL", help="customer id column")
    p.add_argument("--k", default=None, metavar="N", help="number of segments (default: choose)")
    p.add_argument("--customer", metavar="COL", help="customer column of a transaction log")
    p.add_argument("--date", metavar="COL", help="date column of a transaction log")
    p.add_argument("--amount", metavar="COL", help="amount column of a transaction log")
    p.set_defaults(func=_segment)

    p = tasks.add_parser(
        "detect",
        help="unusual rows: isolation forest, or robust z-scores per customer",
        description="Scores rows by how unusual they are: an isolation forest on a table, or "
        "(with --customer and --amount) each amount against the customer's own median; with "
        "--date also warns of customers whose spend dropped below their own baseline.",
    )
    _add_common(p)
    p.add_argument("--id", dest="id_col", metavar="COL", help="row id column")
    p.add_argument("--customer", metavar="COL", help="customer column of a transaction log")
    p.add_argument("--amount", metavar="COL", help="amount column of a transaction log")
    p.add_argument("--date", metavar="COL", help="date column (adds spend-drop warnings)")
    p.add_argument("--method", default=None, metavar="NAME",
                   help="isolation_forest or robust_z (default: by the columns given)")  # fmt: skip
    p.add_argument("--top", default="20", metavar="N", help="anomalies to report (default 20)")
    p.set_defaults(func=_detect)


def _no_task(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _emit(args: argparse.Namespace, payload: dict[str, Any], text: list[str]) -> int:
    if args.json:
        print(json.dumps(jsonable(payload), indent=2, allow_nan=False))
    else:
        print("\n".join(text))
    return 0


def _table(df: pd.DataFrame) -> str:
    with pd.option_context("display.width", 120, "display.max_columns", 20):
        return df.to_string(index=False, float_format=lambda x: f"{x:.4g}")


def _notes(notes) -> list[str]:
    return [f"note: {n}" for n in notes]


# --- classify / regress -------------------------------------------------------------------------
def _classify(args: argparse.Namespace) -> int:
    from .classification import CLASSIFY_PARAMS, classify

    where = "mine classify"
    spec = {p.name: p for p in CLASSIFY_PARAMS}
    test_size = spec["test_size"].parse(args.test_size, where)
    threshold = spec["threshold"].parse(args.threshold, where)
    seed = SEED.parse(args.seed, where)
    df = read_table(args.data, where)
    res = classify(
        df,
        args.target,
        id_col=args.id_col,
        drop=args.drop,
        positive=args.positive,
        test_size=test_size,
        threshold=threshold,
        random_state=seed,
    )
    best = res.metrics.loc[res.best_model]
    lift = res.lift.rename(columns={"bin": "decile"})[
        ["decile", "n", "positives", "response_rate", "lift", "cum_lift", "cum_gain"]
    ]
    payload = {
        "task": "classify",
        "data": str(args.data),
        "target": args.target,
        "positive": res.positive,
        "model": res.best_model,
        "n_train": res.n_train,
        "n_test": res.n_test,
        "threshold": res.threshold,
        "metrics": {k: float(best[k]) for k in res.metrics.columns},
        "models": {m: dict(res.metrics.loc[m].astype(float)) for m in res.models},
        "lift": frame_records(lift),
        "importance": frame_records(res.importance.head(15)),
        "notes": list(res.notes),
    }
    text = [
        res.title,
        f"train {res.n_train} rows, holdout {res.n_test} rows; threshold {res.threshold:g}",
        "",
        _table(res.summary().reset_index()),
        "",
        "decile lift of the best model:",
        _table(lift),
        "",
        "permutation importance (drop in ROC AUC):",
        _table(res.importance.head(10)),
        *_notes(res.notes),
    ]
    return _emit(args, payload, text)


def _regress(args: argparse.Namespace) -> int:
    from .regression import REGRESS_PARAMS, regress

    where = "mine regress"
    spec = {p.name: p for p in REGRESS_PARAMS}
    test_size = spec["test_size"].parse(args.test_size, where)
    seed = SEED.parse(args.seed, where)
    df = read_table(args.data, where)
    res = regress(
        df, args.target, id_col=args.id_col, drop=args.drop, test_size=test_size, random_state=seed
    )
    best = res.metrics.loc[res.best_model]
    payload = {
        "task": "regress",
        "data": str(args.data),
        "target": args.target,
        "model": res.best_model,
        "n_train": res.n_train,
        "n_test": res.n_test,
        "metrics": {k: float(best[k]) for k in ("r2", "rmse", "mae", "bias")},
        "models": {m: dict(res.metrics.loc[m].astype(float)) for m in res.models},
        "diagnostics": dict(
            zip(res.diagnostics["statistic"], res.diagnostics["value"], strict=True)
        ),
        "importance": frame_records(res.importance.head(15)),
        "notes": list(res.notes),
    }
    text = [
        res.title,
        f"train {res.n_train} rows, holdout {res.n_test} rows",
        "",
        _table(res.summary().reset_index()),
        "",
        "residual diagnostics of the best model:",
        _table(res.diagnostics),
        "",
        "permutation importance (increase in RMSE):",
        _table(res.importance.head(10)),
        *_notes(res.notes),
    ]
    return _emit(args, payload, text)


# --- associate ----------------------------------------------------------------------------------
def _associate(args: argparse.Namespace) -> int:
    from .association import ASSOCIATE_PARAMS, association_rules

    where = "mine associate"
    spec = {p.name: p for p in ASSOCIATE_PARAMS}
    min_support = spec["min_support"].parse(args.min_support, where)
    min_conf = spec["min_confidence"].parse(args.min_confidence, where)
    max_len = spec["max_len"].parse(args.max_len, where) if args.max_len is not None else None
    algorithm = spec["algorithm"].parse(args.algorithm, where)
    top = TOP.parse(args.top, where) if args.top is not None else None
    df = read_table(args.data, where)
    res = association_rules(
        df,
        min_support=min_support,
        min_confidence=min_conf,
        max_len=max_len,
        algorithm=algorithm,
        transaction=args.transaction,
        item=args.item,
        id_col=args.id_col,
    )
    if args.prune:
        res = res.prune()
    payload = {
        "task": "associate",
        "data": str(args.data),
        "n_baskets": res.n_baskets,
        "n_items": res.n_items,
        "n_itemsets": len(res.itemsets),
        "n_rules": len(res.rules),
        "min_support": res.min_support,
        "min_confidence": res.min_confidence,
        "max_len": res.max_len,
        "algorithm": res.algorithm,
        "rules": res.to_records(top),
        "conviction_null_means": "infinite (confidence 1)",
        "notes": list(res.notes),
    }
    shown = res.summary().head(top or 20)
    text = [
        res.title,
        "",
        _table(
            shown[
                [
                    "antecedents",
                    "consequents",
                    "support",
                    "confidence",
                    "lift",
                    "leverage",
                    "conviction",
                ]
            ]
        )  # fmt: skip
        if len(shown)
        else "no rules at these thresholds; try a lower --min-support or --min-confidence.",
        *_notes(res.notes),
    ]
    return _emit(args, payload, text)


# --- segment ------------------------------------------------------------------------------------
def _segment(args: argparse.Namespace) -> int:
    from ..exceptions import DataError
    from .segmentation import kmeans_segments, rfm

    where = "mine segment"
    seed = SEED.parse(args.seed, where)
    k = K.parse(args.k, where) if args.k is not None else None
    log_cols = [args.customer, args.date, args.amount]
    if any(c is not None for c in log_cols) and not all(c is not None for c in log_cols):
        raise DataError(f"{where}: a transaction log needs --customer, --date and --amount.")
    df = read_table(args.data, where)
    payload: dict[str, Any] = {"task": "segment", "data": str(args.data)}
    text: list[str] = []
    if args.customer is not None:
        r = rfm(df, customer=args.customer, date=args.date, amount=args.amount)
        feats = r.table[["customer", "recency_days", "frequency", "monetary"]]
        seg = kmeans_segments(feats, id_col="customer", k=k, random_state=seed)
        rfm_summary = r.summary()
        payload.update(
            mode="rfm",
            n_customers=len(r.table),
            as_of=r.as_of.date().isoformat(),
            rfm_segments=frame_records(rfm_summary),
        )
        text += [r.title, _table(rfm_summary), ""]
        notes = [*r.notes, *seg.notes]
    else:
        seg = kmeans_segments(df, id_col=args.id_col, k=k, random_state=seed)
        payload.update(mode="features", n_customers=len(seg.labels))
        notes = list(seg.notes)
    payload.update(
        k=seg.k,
        silhouette=seg.silhouette,
        sizes={str(i): int(v) for i, v in seg.sizes.items()},
        profiles=frame_records(seg.profiles),
        silhouette_by_k=frame_records(seg.scores),
        features=list(seg.features),
        notes=notes,
    )
    text += [
        seg.title,
        "",
        "silhouette by k:",
        _table(seg.scores),
        "",
        "segment profiles:",
        _table(seg.profiles),
        *_notes(notes),
    ]
    return _emit(args, payload, text)


# --- detect -------------------------------------------------------------------------------------
def _detect(args: argparse.Namespace) -> int:
    from ..exceptions import DataError
    from .deviation import DETECT_METHODS, behaviour_change, detect_anomalies

    where = "mine detect"
    seed = SEED.parse(args.seed, where)
    top = TOP.parse(args.top, where)
    method = (
        Param("method", str, "isolation_forest", "", choices=DETECT_METHODS).parse(
            args.method, where
        )
        if args.method is not None
        else None
    )
    if args.date is not None and (args.customer is None or args.amount is None):
        raise DataError(f"{where}: --date needs --customer and --amount (a transaction log).")
    df = read_table(args.data, where)
    res = detect_anomalies(
        df,
        method=method,
        id_col=args.id_col,
        customer=args.customer,
        amount=args.amount,
        random_state=seed,
    )
    shown = res.top(top).drop(columns=["position"])
    payload: dict[str, Any] = {
        "task": "detect",
        "data": str(args.data),
        "method": res.method,
        "n_rows": len(res.table),
        "columns": list(res.columns),
        "anomalies": frame_records(shown),
        "notes": list(res.notes),
    }
    text = [res.title, "", _table(shown), *_notes(res.notes)]
    if args.date is not None:
        bc = behaviour_change(df, customer=args.customer, date=args.date, amount=args.amount)
        warn = bc.warnings.head(top)[
            ["customer", "baseline_count", "recent_count", "expected_spend", "recent_spend",
             "drop_share", "p_value"]
        ]  # fmt: skip
        payload["behaviour_change"] = {
            "as_of": bc.as_of.date().isoformat(),
            "baseline_days": bc.baseline_days,
            "recent_days": bc.recent_days,
            "n_assessed": len(bc.table),
            "n_warnings": int(bc.table["warning"].sum()),
            "warnings": frame_records(warn),
        }
        text += ["", bc.title, _table(warn) if len(warn) else "no warnings.", *_notes(bc.notes)]
    return _emit(args, payload, text)
