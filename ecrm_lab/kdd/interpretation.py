"""KDD step 5 — interpretation and evaluation of the mined patterns.

:class:`Interpretation` scores the model on the holdout rows it never saw, scores it against
the planted ground truth when there is one, and writes the findings in plain language — the
last rung of data -> information -> knowledge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn import metrics as skm

from .._result import Result
from .._validation import Interval, check_param
from ..exceptions import DataError
from ._common import Change, KDDContext, Step, StepOutput

__all__ = ["Interpretation", "Evaluation", "gains_table", "IMPORTANCE"]

#: where the interpretation step takes the strongest signals from
IMPORTANCE = ("auto", "model", "permutation")

_WHERE = "Interpretation"


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def gains_table(y_true: np.ndarray, score: np.ndarray, n_bins: int = 10) -> pd.DataFrame:
    """Decile (or ``n_bins``) table of a score against 0/1 outcomes, best scores first.

    Columns: ``bin`` (1 = highest scores), ``n``, ``positives``, ``rate``, ``lift`` (rate over
    the overall rate), ``cum_share`` (share of rows up to this bin) and ``cum_capture`` (share
    of all positives found up to this bin). Ties in the score are broken by row order.

    Examples
    --------
    >>> g = gains_table(np.array([1, 0, 1, 0]), np.array([0.9, 0.8, 0.7, 0.1]), n_bins=2)
    >>> g[["bin", "positives", "lift"]].to_dict("list")
    {'bin': [1, 2], 'positives': [1, 1], 'lift': [1.0, 1.0]}
    """
    y = np.asarray(y_true, dtype=float)
    s = np.asarray(score, dtype=float)
    order = np.argsort(-s, kind="stable")
    n = len(y)
    bins = np.minimum((np.arange(n) * n_bins) // max(n, 1), n_bins - 1) + 1
    frame = pd.DataFrame({"bin": bins, "y": y[order]})
    g = frame.groupby("bin")["y"].agg(["size", "sum"]).reset_index()
    g.columns = ["bin", "n", "positives"]
    g["positives"] = g["positives"].astype("int64")
    overall = y.mean() if n else np.nan
    g["rate"] = g["positives"] / g["n"]
    g["lift"] = g["rate"] / overall if overall > 0 else np.nan
    g["cum_share"] = g["n"].cumsum() / n
    g["cum_capture"] = g["positives"].cumsum() / y.sum() if y.sum() > 0 else np.nan
    return g


@dataclass(frozen=True, eq=False, repr=False)
class Evaluation(Result):
    """What the interpretation step found.

    Attributes
    ----------
    task : str
        The mining task evaluated.
    metrics : DataFrame
        ``metric``, ``value``, ``against`` (``'holdout'`` or ``'truth'``), ``meaning``.
    findings : tuple of str
        Plain-language statements, most important first.
    gains : DataFrame
        Decile gains table on the holdout (classification / deviation detection with labels).
    importance : DataFrame
        ``feature``, ``weight``, ``magnitude``, ``source`` (model weight or permutation),
        strongest first (may be empty).
    scored : DataFrame
        The holdout predictions, joined with the truth column when one was given.
    truth_column : str or None
        The ground-truth column scored against.
    target : str or None
        The target column of ``scored``.
    """

    task: str
    metrics: pd.DataFrame
    findings: tuple[str, ...]
    gains: pd.DataFrame = field(default_factory=pd.DataFrame)
    importance: pd.DataFrame = field(default_factory=pd.DataFrame)
    scored: pd.DataFrame = field(default_factory=pd.DataFrame)
    truth_column: str | None = None
    target: str | None = None
    title = "KDD evaluation"

    def summary(self) -> pd.DataFrame:
        """The metrics table."""
        return self.metrics

    def metric(self, name: str) -> float:
        """The value of one metric by name."""
        hit = self.metrics.loc[self.metrics["metric"] == name, "value"]
        if hit.empty:
            raise DataError(
                f"Evaluation has no metric {name!r}; it has: {', '.join(self.metrics['metric'])}."
            )
        return float(hit.iloc[0])

    def plot(self, ax=None, **kwargs):
        """Cumulative gains (classification), predicted vs actual (regression), else metrics."""
        from ..plotting.kdd import plot_evaluation

        return plot_evaluation(self, ax=ax, **kwargs)


class Interpretation(Step):
    """Evaluate the mined model on the holdout and against the ground truth; state findings.

    Parameters
    ----------
    truth_column : str, optional
        The column of the truth table to score against (e.g. the true take-up propensity
        ``response_treated`` or a true label); default the truth table's only non-id column.
    top_fraction : float
        The share of best-scored rows a campaign would contact (for lift and capture).
    n_findings : int
        How many features to name among the strongest signals.
    importance : {'auto', 'model', 'permutation'} or None
        Where the strongest signals come from: the model's own weights (``coef_`` or
        ``feature_importances_``), permutation importance on the holdout (how much the
        holdout score drops when a feature's values are shuffled; 5 repeats, seeded), or
        ``'auto'``: the model's weights when it has them, else permutation.
    n_bootstrap : int
        Bootstrap resamples of the holdout for the 95 % interval of the AUC (0: none). With
        few positives in the holdout the AUC is uncertain; the interval says how much.
    """

    stage = "interpretation"

    def __init__(
        self,
        *,
        truth_column: str | None = None,
        top_fraction: float = 0.1,
        n_findings: int = 3,
        importance: str | None = "auto",
        n_bootstrap: int = 200,
    ) -> None:
        self.truth_column = truth_column
        self.top_fraction = top_fraction
        self.n_findings = n_findings
        self.importance = importance
        self.n_bootstrap = n_bootstrap
        check_param(n_bootstrap, "n_bootstrap", _WHERE, int, interval=Interval(0, 100_000))
        check_param(importance, "importance", _WHERE, str, choices=IMPORTANCE, nullable=True)
        check_param(truth_column, "truth_column", _WHERE, str, nullable=True)
        check_param(top_fraction, "top_fraction", _WHERE, float, interval=Interval(0, 1, "right"))
        check_param(n_findings, "n_findings", _WHERE, int, interval=Interval(0, 50))

    def apply(self, frame: pd.DataFrame, context: KDDContext | None = None) -> StepOutput:
        """Evaluate predictions ``frame`` (no model, no truth): the metrics table."""
        ev = self.evaluate(frame, context=context)
        return StepOutput(ev.metrics, (Change("metrics computed", len(ev.metrics)),))

    # -- evaluation -------------------------------------------------------------------------------
    def _truth(
        self, scored: pd.DataFrame, truth: pd.DataFrame | None, ctx: KDDContext
    ) -> tuple[pd.DataFrame, str | None]:
        if truth is None:
            return scored, None
        if not isinstance(truth, pd.DataFrame):
            raise DataError(f"{_WHERE}: truth must be a DataFrame keyed by the id column.")
        if ctx.id_column is None or ctx.id_column not in truth.columns:
            raise DataError(
                f"{_WHERE}: the truth table needs the id column "
                f"{ctx.id_column!r} to be matched to the predictions; pass id_column= to run."
            )
        col = self.truth_column
        if col is None:
            others = [c for c in truth.columns if c != ctx.id_column]
            if len(others) != 1:
                raise DataError(
                    f"{_WHERE}: the truth table has {len(others)} columns besides the id; say which "
                    "one to score against with Interpretation(truth_column=...)."
                )
            col = others[0]
        if col not in truth.columns:
            from .._validation import check_columns

            check_columns(truth, [col], _WHERE)
        t = truth.loc[:, [ctx.id_column, col]].drop_duplicates(ctx.id_column)
        t = t.rename(columns={col: "truth"})
        merged = scored.merge(t, on=ctx.id_column, how="left", validate="many_to_one")
        if merged["truth"].isna().all():
            raise DataError(f"{_WHERE}: no holdout id was found in the truth table.")
        return merged, col

    def evaluate(
        self,
        predictions: pd.DataFrame,
        *,
        context: KDDContext | None = None,
        mining: Any = None,
        features: pd.DataFrame | None = None,
        truth: pd.DataFrame | None = None,
    ) -> Evaluation:
        """Evaluate holdout ``predictions`` (the output of :meth:`Mining.apply`).

        Parameters
        ----------
        predictions : DataFrame
            Holdout predictions with the id and target columns.
        context : KDDContext
            Names of the id and target columns.
        mining : Mining, optional
            The fitted mining step (task type, feature weights).
        features : DataFrame, optional
            The holdout feature frame (needed for the silhouette of a segmentation).
        truth : DataFrame, optional
            Ground truth keyed by the id column.
        """
        ctx = self._context(context)
        task = getattr(mining, "task_", None) or self._guess(predictions)
        scored, tcol = self._truth(predictions.reset_index(drop=True), truth, ctx)
        rows: list[tuple[str, float, str, str]] = []
        findings: list[str] = []
        gains = pd.DataFrame()
        if task == "classification":
            gains = self._classification(scored, ctx, mining, rows, findings, tcol)
        elif task == "regression":
            self._regression(scored, ctx, rows, findings, tcol)
        elif task == "segmentation":
            self._segmentation(scored, features, mining, rows, findings, tcol)
        elif task == "deviation_detection":
            gains = self._deviation(scored, rows, findings, tcol)
        else:
            rows.append(("n_patterns", float(len(predictions)), "holdout", "patterns found"))
            findings.append(f"The mining step found {len(predictions)} patterns.")
        importance = self._importance(mining, features, ctx, task)
        if len(importance) and self.n_findings:
            findings.append(self._importance_text(importance, task))
        metrics = pd.DataFrame(rows, columns=["metric", "value", "against", "meaning"])
        return Evaluation(
            task=task,
            metrics=metrics,
            findings=tuple(findings),
            gains=gains,
            importance=importance,
            scored=scored,
            truth_column=tcol,
            target=ctx.target,
        )

    def _auc_interval(self, y: np.ndarray, s: np.ndarray) -> tuple[float, float]:
        """Percentile bootstrap interval of the AUC (seeded, so the same data give the same)."""
        if not self.n_bootstrap:
            return np.nan, np.nan
        rng = np.random.default_rng(0)
        n = len(y)
        values = []
        for _ in range(self.n_bootstrap):
            idx = rng.integers(0, n, n)
            yy = y[idx]
            if 0 < yy.sum() < n:
                values.append(skm.roc_auc_score(yy, s[idx]))
        if not values:
            return np.nan, np.nan
        lo, hi = np.quantile(values, [0.025, 0.975])
        return float(lo), float(hi)

    def _importance(
        self, mining: Any, features: pd.DataFrame | None, ctx, task: str
    ) -> pd.DataFrame:
        empty = pd.DataFrame({"feature": [], "weight": [], "magnitude": []})
        if self.importance is None or mining is None or not hasattr(mining, "importance"):
            return empty
        if self.importance in ("auto", "model"):
            table = mining.importance().assign(source="model weight")
            if len(table) or self.importance == "model":
                return table
        if (
            features is None
            or task not in ("classification", "regression")
            or ctx.target is None
            or ctx.target not in features.columns
        ):
            return empty
        from sklearn.inspection import permutation_importance

        X = mining._matrix(features, mining.features_)
        y = features[ctx.target].to_numpy()
        scoring = "r2"
        if task == "classification":
            if len(np.unique(y)) < 2:
                return empty
            scoring = "roc_auc" if len(np.unique(y)) == 2 else "accuracy"
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):  # many small predictions: threads only get in the way
            result = permutation_importance(
                mining.model_, X, y, scoring=scoring, n_repeats=5, random_state=0
            )
        table = pd.DataFrame(
            {
                "feature": mining.features_,
                "weight": result.importances_mean,
                "magnitude": np.abs(result.importances_mean),
                "source": f"permutation ({scoring} drop)",
            }
        )
        return table.sort_values(["weight", "feature"], ascending=[False, True]).reset_index(
            drop=True
        )

    @staticmethod
    def _guess(predictions: pd.DataFrame) -> str:
        cols = set(predictions.columns)
        if "score" in cols:
            return "classification"
        if "cluster" in cols:
            return "segmentation"
        if "anomaly_score" in cols:
            return "deviation_detection"
        if "prediction" in cols:
            return "regression"
        return "link_analysis"

    def _importance_text(self, importance: pd.DataFrame, task: str) -> str:
        top = importance.head(self.n_findings)
        if str(importance["source"].iloc[0]).startswith("permutation"):
            names = ", ".join(map(str, top["feature"]))
            return (
                "The features whose shuffling hurts the holdout score most (permutation "
                f"importance) are {names}."
            )
        signed = task in ("classification", "regression") and (importance["weight"] < 0).any()
        parts = []
        for f, w in zip(top["feature"], top["weight"], strict=True):
            parts.append(f"{f} ({'+' if w >= 0 else '-'})" if signed else str(f))
        tail = " (+ raises, - lowers the prediction)" if signed else ""
        return "The strongest signals in the model are " + ", ".join(parts) + tail + "."

    def _classification(self, scored, ctx, mining, rows, findings, tcol) -> pd.DataFrame:
        if ctx.target is None or ctx.target not in scored.columns:
            raise DataError(f"{_WHERE}: the holdout predictions carry no target column to score.")
        y_raw = scored[ctx.target]
        positive = getattr(mining, "positive_", None)
        if positive is None:
            positive = True if pd.api.types.is_bool_dtype(y_raw) else sorted(y_raw.unique())[-1]
        positive = positive.item() if isinstance(positive, np.generic) else positive
        y = (y_raw == positive).to_numpy(dtype=int)
        n = len(y)
        base = float(y.mean())
        rows.append(("n_holdout", float(n), "holdout", "rows never seen in training"))
        rows.append(("base_rate", base, "holdout", f"share with {ctx.target} = {positive!r}"))
        pred = (scored["prediction"] == positive).to_numpy(dtype=int)
        rows.append(("accuracy", skm.accuracy_score(y, pred), "holdout", "share classified right"))
        rows.append(
            (
                "precision",
                skm.precision_score(y, pred, zero_division=0),
                "holdout",
                "of predicted positives, share right",
            )
        )
        rows.append(
            (
                "recall",
                skm.recall_score(y, pred, zero_division=0),
                "holdout",
                "of true positives, share found",
            )
        )
        gains = pd.DataFrame()
        have_both = 0 < y.sum() < n
        if "score" in scored.columns and have_both:
            s = scored["score"].to_numpy(float)
            auc = skm.roc_auc_score(y, s)
            rows.append(("roc_auc", auc, "holdout", "P(score of a positive > score of a negative)"))
            lo, hi = self._auc_interval(y, s)
            if self.n_bootstrap:
                rows.append(("roc_auc_low", lo, "holdout", "2.5 % bootstrap quantile of the AUC"))
                rows.append(("roc_auc_high", hi, "holdout", "97.5 % bootstrap quantile of the AUC"))
            rows.append(
                (
                    "average_precision",
                    skm.average_precision_score(y, s),
                    "holdout",
                    "area under precision-recall",
                )
            )
            k = max(1, int(round(self.top_fraction * n)))
            top = np.argsort(-s, kind="stable")[:k]
            top_rate = float(y[top].mean())
            lift = top_rate / base
            rows.append(
                (
                    f"rate_top_{self.top_fraction:g}",
                    top_rate,
                    "holdout",
                    f"positive rate among the top {_pct(self.top_fraction)} by score",
                )
            )
            rows.append(
                (f"lift_top_{self.top_fraction:g}", lift, "holdout", "top rate / base rate")
            )
            gains = gains_table(y, s)
            findings.append(
                f"On {n} held-out rows ({int(y.sum())} positive) the model ranks a random positive "
                f"above a random negative {_pct(auc)} of the time (ROC AUC {auc:.3f}"
                + (f", 95 % interval {lo:.2f}-{hi:.2f}" if self.n_bootstrap else "")
                + "; 50 % is guessing)."
            )
            findings.append(
                f"Targeting the top {_pct(self.top_fraction)} by score reaches a rate of "
                f"{_pct(top_rate)} against {_pct(base)} overall: {lift:.1f} times better than "
                "choosing at random."
            )
            if tcol is not None:
                ok = scored["truth"].notna().to_numpy()
                t = pd.to_numeric(scored["truth"], errors="coerce").to_numpy(float)
                rho = float(spearmanr(s[ok], t[ok]).statistic)
                rows.append(
                    (
                        "spearman_with_truth",
                        rho,
                        "truth",
                        f"rank correlation of score with true {tcol}",
                    )
                )
                oracle = skm.roc_auc_score(y[ok], t[ok]) if 0 < y[ok].sum() < ok.sum() else np.nan
                rows.append(("oracle_auc", oracle, "truth", f"AUC if the true {tcol} were known"))
                rows.append(("oracle_gap", oracle - auc, "truth", "oracle AUC minus model AUC"))
                true_top = set(np.argsort(-np.where(ok, t, -np.inf), kind="stable")[:k])
                overlap = len(true_top & set(top)) / k
                rows.append(
                    (
                        f"truth_top_overlap_{self.top_fraction:g}",
                        overlap,
                        "truth",
                        f"share of the model's top {_pct(self.top_fraction)} also in the true top",
                    )
                )
                findings.append(
                    f"Against the planted truth: the scores rank customers like the true {tcol} "
                    f"(Spearman {rho:.2f}); knowing the truth itself would give AUC {oracle:.3f}, "
                    f"so the model is {oracle - auc:.3f} short of the best possible."
                )
        elif not have_both:
            findings.append(
                f"The holdout has only one class of {ctx.target}; AUC cannot be computed."
            )
        return gains

    def _regression(self, scored, ctx, rows, findings, tcol) -> None:
        if ctx.target is None or ctx.target not in scored.columns:
            raise DataError(f"{_WHERE}: the holdout predictions carry no target column to score.")
        y = scored[ctx.target].to_numpy(float)
        p = scored["prediction"].to_numpy(float)
        rmse = float(np.sqrt(np.mean((y - p) ** 2)))
        naive = float(np.sqrt(np.mean((y - y.mean()) ** 2)))
        r2 = skm.r2_score(y, p) if len(y) > 1 else np.nan
        rows += [
            ("n_holdout", float(len(y)), "holdout", "rows never seen in training"),
            ("r2", r2, "holdout", "share of variance explained"),
            ("rmse", rmse, "holdout", "root mean squared error"),
            ("mae", float(np.mean(np.abs(y - p))), "holdout", "mean absolute error"),
            ("naive_rmse", naive, "holdout", "RMSE of always predicting the holdout mean"),
        ]
        findings.append(
            f"On {len(y)} held-out rows the model explains {_pct(r2)} of the variance "
            f"(RMSE {rmse:.4g} against {naive:.4g} for always guessing the mean)."
        )
        if tcol is not None:
            ok = scored["truth"].notna().to_numpy()
            t = pd.to_numeric(scored["truth"], errors="coerce").to_numpy(float)
            rho = float(spearmanr(p[ok], t[ok]).statistic)
            rows.append(("spearman_with_truth", rho, "truth", f"rank correlation with true {tcol}"))
            findings.append(f"Predictions rank rows like the true {tcol} with Spearman {rho:.2f}.")

    def _segmentation(self, scored, features, mining, rows, findings, tcol) -> None:
        labels = scored["cluster"].to_numpy()
        sizes = pd.Series(labels).value_counts().sort_index()
        rows.append(
            ("n_segments", float(len(sizes)), "holdout", "segments found among holdout rows")
        )
        rows.append(
            (
                "largest_share",
                float(sizes.max() / len(labels)),
                "holdout",
                "share of the largest segment",
            )
        )
        if features is not None and mining is not None and 1 < len(sizes) < len(labels):
            X = features.loc[:, mining.features_].to_numpy(float)
            sil = skm.silhouette_score(X[:5000], labels[:5000])
            rows.append(("silhouette", sil, "holdout", "cohesion vs separation in [-1, 1]"))
            findings.append(
                f"The {len(sizes)} segments have a silhouette of {sil:.2f} on the holdout."
            )
        if tcol is not None:
            ok = scored["truth"].notna().to_numpy()
            ari = skm.adjusted_rand_score(scored["truth"].astype(str)[ok], labels[ok])
            rows.append(
                ("adjusted_rand_index", ari, "truth", f"agreement with the true {tcol} (1 = same)")
            )
            findings.append(f"Agreement with the planted {tcol}: adjusted Rand index {ari:.2f}.")

    def _deviation(self, scored, rows, findings, tcol) -> pd.DataFrame:
        flagged = scored["is_anomaly"].to_numpy(bool)
        rows.append(("n_holdout", float(len(flagged)), "holdout", "rows never seen in training"))
        rows.append(
            ("share_flagged", float(flagged.mean()), "holdout", "share flagged as anomalies")
        )
        findings.append(
            f"{int(flagged.sum())} of {len(flagged)} held-out rows are flagged as unusual."
        )
        if tcol is None:
            return pd.DataFrame()
        ok = scored["truth"].notna().to_numpy()
        t = scored["truth"].to_numpy()[ok].astype(bool).astype(int)
        s = scored["anomaly_score"].to_numpy(float)[ok]
        k = max(1, int(round(self.top_fraction * len(t))))
        top = np.argsort(-s, kind="stable")[:k]
        prec = float(t[top].mean())
        rec = float(t[top].sum() / t.sum()) if t.sum() else np.nan
        rows.append(
            (
                f"precision_top_{self.top_fraction:g}",
                prec,
                "truth",
                f"share of true {tcol} among the top {_pct(self.top_fraction)}",
            )
        )
        rows.append(
            (
                f"recall_top_{self.top_fraction:g}",
                rec,
                "truth",
                f"share of all true {tcol} found in the top",
            )
        )
        findings.append(
            f"Of the {k} most unusual rows {_pct(prec)} are truly {tcol}; they hold {_pct(rec)} of all "
            f"true {tcol}."
        )
        return gains_table(t, s) if 0 < t.sum() < len(t) else pd.DataFrame()
