"""Classification: who will buy, who will churn.

:func:`classify` fits a baseline (the class prior), a linear model (logistic regression on
imputed, one-hot encoded, scaled features) and a tree ensemble (histogram gradient boosting or
a random forest) on a stratified holdout split of any table, and reports ROC AUC,
precision/recall, the confusion matrix, a decile lift and cumulative gains table, permutation
feature importance and — given a :class:`CostBenefit` matrix — the profit-optimal threshold.

Building blocks usable on their own: :func:`lift_table` (deciles of a score) and
:func:`profit_curve` (expected profit of targeting the top of a ranking).

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> df = pd.DataFrame({"tenure": rng.integers(1, 60, 400), "region": rng.choice(["n", "s"], 400)})
>>> df["churned"] = (rng.random(400) < 1 / (1 + np.exp(0.1 * df["tenure"] - 2))).astype(int)
>>> res = classify(df, "churned", random_state=0)
>>> res.best_model in res.models
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._random import RandomState
from .._result import Result
from .._validation import Interval, Param, check_param, validate_params
from ..exceptions import DataError
from ._common import (
    TablePrep,
    TruthScore,
    align_truth,
    best_model_importance,
    check_table,
    fit_model,
    make_model,
    prepare_supervised,
    sklearn_seeds,
)

__all__ = [
    "CLASSIFIERS",
    "CLASSIFY_PARAMS",
    "CostBenefit",
    "ProfitResult",
    "ClassificationResult",
    "classify",
    "lift_table",
    "profit_curve",
    "oracle_gap",
]

#: models :func:`classify` can fit, simplest first
CLASSIFIERS = ("baseline", "logistic", "gradient_boosting", "random_forest")
DEFAULT_CLASSIFIERS = ("baseline", "logistic", "gradient_boosting")

#: parameters shared by the Python function and ``ecrm-lab mine classify``
CLASSIFY_PARAMS = (
    Param(
        "test_size", float, 0.25, "share of rows held out for testing", Interval(0, 1, "neither")
    ),
    Param(
        "threshold",
        float,
        0.5,
        "probability at or above which a case is predicted positive",
        Interval(0, 1, "both"),
    ),
    Param("n_bins", int, 10, "number of equal-size bins of the lift table", Interval(2, 100)),
    Param("n_repeats", int, 5, "shuffles per column for permutation importance", Interval(1, 100)),
)

_POSITIVE_WORDS = (
    "1", "1.0", "true", "yes", "y", "churn", "churned", "positive", "pos", "buy", "bought",
    "responded", "response", "took_up", "converted",
)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# lift and profit
# ---------------------------------------------------------------------------------------------
def _binary(y: Any, where: str) -> np.ndarray:
    arr = np.asarray(y)
    if arr.dtype == bool:
        return arr.astype(np.int8)
    vals = pd.unique(pd.Series(arr))
    if not set(pd.Series(vals).tolist()) <= {0, 1}:
        raise DataError(f"{where}: y_true must hold 0/1 (or False/True) values, got {vals[:5]!r}.")
    return arr.astype(np.int8)


def lift_table(y_true: Any, scores: Any, n_bins: int = 10) -> pd.DataFrame:
    """Decile (or ``n_bins``) lift and cumulative gains of a score.

    Cases are sorted by score, highest first (ties keep their input order), and cut into
    ``n_bins`` bins of equal size; bin 1 holds the highest scores.

    Returns
    -------
    DataFrame
        One row per bin: ``bin``, ``n``, ``positives``, ``response_rate``, ``lift`` (response
        rate / overall rate), ``cum_n``, ``cum_share`` (share of cases targeted),
        ``cum_positives``, ``cum_response_rate``, ``cum_lift``, ``cum_gain`` (share of all
        positives captured), ``min_score``, ``max_score``.

    Examples
    --------
    A perfect ranking of 10 positives among 100 cases puts every positive in the first decile:

    >>> y = np.r_[np.ones(10), np.zeros(90)]
    >>> t = lift_table(y, scores=np.linspace(1, 0, 100))
    >>> t.loc[0, ["lift", "cum_gain"]].tolist()
    [10.0, 1.0]
    """
    n_bins = check_param(n_bins, "n_bins", "lift_table", int, interval=Interval(2, None))
    y = _binary(y_true, "lift_table")
    s = np.asarray(scores, dtype=float)
    if len(s) != len(y):
        raise DataError(f"lift_table: {len(y)} labels but {len(s)} scores.")
    n = len(y)
    if n < n_bins:
        raise DataError(f"lift_table: {n} cases cannot fill {n_bins} bins.")
    order = np.argsort(-s, kind="stable")
    ys, ss = y[order], s[order]
    bins = (np.arange(n) * n_bins) // n
    count = np.bincount(bins, minlength=n_bins)
    pos = np.bincount(bins, weights=ys, minlength=n_bins)
    rate_all = y.mean()
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = pos / count
        cum_n = np.cumsum(count)
        cum_pos = np.cumsum(pos)
        cum_rate = cum_pos / cum_n
        table = pd.DataFrame(
            {
                "bin": np.arange(1, n_bins + 1),
                "n": count,
                "positives": pos.astype(np.int64),
                "response_rate": rate,
                "lift": rate / rate_all if rate_all > 0 else np.nan,
                "cum_n": cum_n,
                "cum_share": cum_n / n,
                "cum_positives": cum_pos.astype(np.int64),
                "cum_response_rate": cum_rate,
                "cum_lift": cum_rate / rate_all if rate_all > 0 else np.nan,
                "cum_gain": cum_pos / y.sum() if y.sum() > 0 else np.nan,
                "min_score": pd.Series(ss).groupby(bins).min().to_numpy(),
                "max_score": pd.Series(ss).groupby(bins).max().to_numpy(),
            }
        )
    return table


@dataclass(frozen=True)
class CostBenefit:
    """The payoff of each outcome of targeting one customer (benefits > 0, costs < 0).

    Parameters
    ----------
    tp : float
        Targeted and responds (e.g. margin of the sale minus the contact cost).
    fp : float
        Targeted, does not respond (e.g. minus the contact cost).
    fn : float
        Not targeted, would have responded (usually 0: the sale is simply missed).
    tn : float
        Not targeted, would not have responded (usually 0).

    Examples
    --------
    >>> CostBenefit.campaign(value=50.0, contact_cost=2.0)
    CostBenefit(tp=48.0, fp=-2.0, fn=0.0, tn=0.0)
    """

    tp: float
    fp: float
    fn: float = 0.0
    tn: float = 0.0

    def __post_init__(self) -> None:
        for name in ("tp", "fp", "fn", "tn"):
            value = check_param(getattr(self, name), name, "CostBenefit", float)
            object.__setattr__(self, name, value)

    @classmethod
    def campaign(cls, value: float, contact_cost: float) -> CostBenefit:
        """A campaign: a response is worth ``value``; every contact costs ``contact_cost``."""
        value = check_param(value, "value", "CostBenefit.campaign", float)
        cost = check_param(contact_cost, "contact_cost", "CostBenefit.campaign", float)
        return cls(tp=value - cost, fp=-cost)


@dataclass(frozen=True, eq=False, repr=False)
class ProfitResult(Result):
    """Expected profit of targeting the top of a ranking, and the best cut-off.

    Attributes
    ----------
    payoff : CostBenefit
    curve : DataFrame
        ``n_targeted``, ``share_targeted``, ``threshold`` (target scores >= it), ``tp``,
        ``fp``, ``profit`` — one row per distinct cut-off, from nobody to everybody.
    threshold : float
        The profit-optimal score threshold (``inf`` when targeting nobody is best).
    profit : float
        Profit at that threshold on the scored cases.
    n_targeted : int
    n : int
    """

    payoff: CostBenefit
    curve: pd.DataFrame
    threshold: float
    profit: float
    n_targeted: int
    n: int
    title = "Profit-optimal threshold"

    def summary(self) -> pd.DataFrame:
        c = self.curve
        return pd.DataFrame(
            {
                "threshold": [self.threshold],
                "n_targeted": [self.n_targeted],
                "share_targeted": [self.n_targeted / self.n],
                "profit": [self.profit],
                "profit_per_case": [self.profit / self.n],
                "profit_target_all": [float(c["profit"].iloc[-1])],
                "profit_target_none": [float(c["profit"].iloc[0])],
            }
        )

    def plot(self, ax=None, **kwargs):
        from ..plotting.mining import plot_profit

        return plot_profit(self, ax=ax, **kwargs)


def profit_curve(y_true: Any, scores: Any, payoff: CostBenefit) -> ProfitResult:
    """Profit of targeting every case scoring at or above each distinct threshold.

    Examples
    --------
    >>> r = profit_curve([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1], CostBenefit(tp=10, fp=-4))
    >>> r.threshold, r.profit, r.n_targeted
    (0.7, 16.0, 3)
    """
    if not isinstance(payoff, CostBenefit):
        raise DataError(f"profit_curve: payoff must be a CostBenefit, got {type(payoff).__name__}.")
    y = _binary(y_true, "profit_curve").astype(np.int64)
    s = np.asarray(scores, dtype=float)
    if len(s) != len(y):
        raise DataError(f"profit_curve: {len(y)} labels but {len(s)} scores.")
    n = len(y)
    order = np.argsort(-s, kind="stable")
    ys, ss = y[order], s[order]
    tp = np.r_[0, np.cumsum(ys)]
    fp = np.r_[0, np.cumsum(1 - ys)]
    # a cut after position j is allowed only between distinct scores (ties go together)
    cut = np.r_[True, np.r_[ss[:-1] > ss[1:], True]] if n else np.array([True])
    j = np.flatnonzero(cut)
    tp, fp = tp[j], fp[j]
    n_pos, n_neg = int(y.sum()), n - int(y.sum())
    profit = (
        tp * payoff.tp + fp * payoff.fp + (n_pos - tp) * payoff.fn + (n_neg - fp) * payoff.tn
    ).astype(float)
    thresholds = np.r_[np.inf, ss][j]
    curve = pd.DataFrame(
        {
            "n_targeted": j,
            "share_targeted": j / max(n, 1),
            "threshold": thresholds,
            "tp": tp,
            "fp": fp,
            "profit": profit,
        }
    )
    best = int(np.argmax(profit))
    return ProfitResult(
        payoff=payoff,
        curve=curve,
        threshold=float(thresholds[best]),
        profit=float(profit[best]),
        n_targeted=int(j[best]),
        n=n,
    )


def oracle_gap(y_true: Any, model_scores: Any, true_propensity: Any) -> TruthScore:
    """Compare a model's ROC AUC with the AUC of the true propensity on the same cases.

    The true propensity is the best any model could do (the "oracle"); the gap is how much
    ranking quality the model leaves on the table.
    """
    from sklearn.metrics import roc_auc_score

    y = _binary(y_true, "oracle_gap")
    if len(np.unique(y)) < 2:
        raise DataError("oracle_gap: the scored cases hold only one class; AUC is undefined.")
    auc_model = float(roc_auc_score(y, np.asarray(model_scores, dtype=float)))
    auc_oracle = float(roc_auc_score(y, np.asarray(true_propensity, dtype=float)))
    return TruthScore(
        task="classification",
        metrics={
            "auc_model": auc_model,
            "auc_oracle": auc_oracle,
            "oracle_gap": auc_oracle - auc_model,
        },
    )


# ---------------------------------------------------------------------------------------------
# the models
# ---------------------------------------------------------------------------------------------
def _pick_positive(values: pd.Series, where: str, target: str, positive: Any) -> tuple[Any, str]:
    classes = pd.unique(values)
    shown = ", ".join(repr(_py(c)) for c in classes[:6])
    if len(classes) < 2:
        raise DataError(
            f"{where}: target column {target!r} has only one class ({shown}); a classifier "
            "needs at least two."
        )
    if positive is not None:
        match = [c for c in classes if c == positive or str(c) == str(positive)]
        if not match:
            raise DataError(
                f"{where}: the positive class {positive!r} does not occur in target column "
                f"{target!r} (classes: {shown})."
            )
        return _py(match[0]), f"positive class {_py(match[0])!r} given."
    if len(classes) > 2:
        raise DataError(
            f"{where}: target column {target!r} has {len(classes)} classes ({shown}); name the "
            "class to predict against the rest with positive= (--positive on the command line)."
        )
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        pos = max(classes)
        return _py(pos), f"positive class {_py(pos)!r} (the larger value)."
    words = [c for c in classes if str(c).strip().lower() in _POSITIVE_WORDS]
    if len(words) == 1:
        return _py(words[0]), f"positive class {_py(words[0])!r} (its name says so)."
    counts = values.value_counts()
    smallest = counts[counts == counts.min()].index
    pos = sorted(smallest, key=str)[-1]
    return _py(pos), f"positive class {_py(pos)!r} (the rarer class)."


def _py(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _metrics(y: np.ndarray, p: np.ndarray, threshold: float) -> dict[str, float]:
    from sklearn.metrics import (
        accuracy_score,
        average_precision_score,
        brier_score_loss,
        f1_score,
        precision_score,
        recall_score,
        roc_auc_score,
    )

    pred = (p >= threshold).astype(int)
    return {
        "roc_auc": float(roc_auc_score(y, p)),
        "average_precision": float(average_precision_score(y, p)),
        "accuracy": float(accuracy_score(y, pred)),
        "precision": float(precision_score(y, pred, zero_division=0)),
        "recall": float(recall_score(y, pred, zero_division=0)),
        "f1": float(f1_score(y, pred, zero_division=0)),
        "brier": float(brier_score_loss(y, p)),
    }


# ---------------------------------------------------------------------------------------------
# the result
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False, repr=False)
class ClassificationResult(Result):
    """Models fitted by :func:`classify` and how they did on the holdout.

    Attributes
    ----------
    target, positive : the target column and the class predicted as positive
    models : names of the fitted models, simplest first
    metrics : DataFrame, one row per model (``roc_auc``, ``average_precision``, ``accuracy``,
        ``precision``, ``recall``, ``f1``, ``brier``) on the holdout
    best_model : the model with the highest holdout ROC AUC
    threshold : the probability threshold used for accuracy / precision / recall
    lift : decile lift and gains table of the best model (see :func:`lift_table`)
    confusion : 2x2 confusion matrix of the best model at ``threshold``
    importance : permutation importance of the best model's input columns (ROC AUC drop)
    profit : profit-optimal threshold of the best model, when a payoff was given
    y_test, scores, test_positions, test_ids : the holdout labels, each model's probabilities,
        the holdout rows' positions in the input table and their ids (if an id column was given)
    """

    target: str
    positive: Any
    models: tuple[str, ...]
    metrics: pd.DataFrame
    best_model: str
    threshold: float
    lift: pd.DataFrame
    confusion: pd.DataFrame
    importance: pd.DataFrame
    y_test: np.ndarray
    scores: Mapping[str, np.ndarray]
    test_positions: np.ndarray
    test_ids: np.ndarray | None
    n_rows: int
    n_train: int
    n_test: int
    pipelines: Mapping[str, Any] = field(repr=False)
    prep: TablePrep = field(repr=False)
    profit: ProfitResult | None = None
    notes: tuple[str, ...] = ()
    random_state: Any = None

    @property
    def title(self) -> str:  # type: ignore[override]
        return (
            f"Classification of {self.target!r} (positive={self.positive!r}): best model "
            f"{self.best_model!r}, holdout n={self.n_test}"
        )

    def summary(self) -> pd.DataFrame:
        """Holdout metrics of every model, best model marked."""
        table = self.metrics.copy()
        table.insert(0, "best", table.index == self.best_model)
        return table

    def plot(self, ax=None, kind: str = "gains", **kwargs):
        """``kind``: ``'gains'`` (cumulative gains), ``'lift'``, ``'roc'``, ``'importance'``,
        ``'confusion'`` or ``'profit'``."""
        from ..plotting import mining as mp

        kinds = {
            "gains": mp.plot_gains,
            "lift": mp.plot_lift,
            "roc": mp.plot_roc,
            "importance": mp.plot_importance,
            "confusion": mp.plot_confusion,
        }
        if kind == "profit":
            if self.profit is None:
                raise DataError("no profit curve: call classify(..., payoff=CostBenefit(...)).")
            return mp.plot_profit(self.profit, ax=ax, **kwargs)
        check_param(kind, "kind", "ClassificationResult.plot", str, choices=[*kinds, "profit"])
        return kinds[kind](self, ax=ax, **kwargs)

    @property
    def best_scores(self) -> np.ndarray:
        """The best model's holdout probabilities."""
        return self.scores[self.best_model]

    def predict_proba(self, data: pd.DataFrame, model: str | None = None) -> np.ndarray:
        """Probability of the positive class for the rows of a new table with the same columns."""
        name = model or self.best_model
        check_param(name, "model", "predict_proba", str, choices=self.models)
        X = self.prep.transform(data)
        return self.pipelines[name].predict_proba(X)[:, 1]

    def profit_curve(self, payoff: CostBenefit, model: str | None = None) -> ProfitResult:
        """Profit of targeting the holdout by a model's score, for a cost/benefit matrix."""
        name = model or self.best_model
        check_param(name, "model", "profit_curve", str, choices=self.models)
        return profit_curve(self.y_test, self.scores[name], payoff)

    def oracle_gap(self, true_propensity: Any, model: str | None = None) -> TruthScore:
        """AUC of a model vs. AUC of the true propensity on the holdout.

        ``true_propensity``: one value per row of the table given to :func:`classify`
        (positional), or a Series indexed by the id column's values.
        """
        name = model or self.best_model
        check_param(name, "model", "oracle_gap", str, choices=self.models)
        truth = align_truth(
            true_propensity, self.n_rows, self.test_ids, self.test_positions, "oracle_gap"
        )
        return oracle_gap(self.y_test, self.scores[name], truth)


def classify(
    data: pd.DataFrame,
    target: str,
    *,
    id_col: str | None = None,
    drop: Sequence[str] = (),
    positive: Any = None,
    models: Sequence[str] = DEFAULT_CLASSIFIERS,
    test_size: float = 0.25,
    threshold: float = 0.5,
    n_bins: int = 10,
    n_repeats: int = 5,
    payoff: CostBenefit | None = None,
    random_state: RandomState = 0,
) -> ClassificationResult:
    """Fit a baseline, a linear model and a tree ensemble to predict a binary target.

    Parameters
    ----------
    data : DataFrame
        Any table: one row per case (e.g. customer), the target and feature columns.
        Categorical and missing values are encoded and imputed; identifier-like, constant and
        empty columns are dropped; date columns become "days since" (see ``result.notes``).
    target : str
        The column to predict. Two classes, or more with ``positive`` naming one.
    id_col : str, optional
        Column identifying the rows (kept out of the features, used to align truth).
    drop : sequence of str
        Further columns to leave out (e.g. ones that leak the target).
    positive : optional
        The class to predict. By default: the larger value of a numeric/bool target, a class
        named like "yes"/"churned"/"1", else the rarer class.
    models : sequence of str
        Any of ``CLASSIFIERS``.
    test_size : float
        Share of rows in the stratified holdout.
    threshold : float
        Probability threshold for accuracy, precision, recall and the confusion matrix.
    n_bins : int
        Bins of the lift table (10 = deciles).
    n_repeats : int
        Shuffles per column for permutation importance.
    payoff : CostBenefit, optional
        Payoffs of the four outcomes; adds the profit-optimal threshold to the result.
    random_state : int, Generator or None
        Seeds the split and every model.

    Returns
    -------
    ClassificationResult
    """
    where = "classify"
    params = validate_params(
        CLASSIFY_PARAMS,
        {"test_size": test_size, "threshold": threshold, "n_bins": n_bins, "n_repeats": n_repeats},
        where,
    )
    check_param(target, "target", where, str)
    models = tuple(models)
    if not models:
        raise DataError(f"{where}: give at least one model (choose from {CLASSIFIERS}).")
    for m in models:
        check_param(m, "models", where, str, choices=CLASSIFIERS)
    if payoff is not None and not isinstance(payoff, CostBenefit):
        raise DataError(f"{where}: payoff must be a CostBenefit, got {type(payoff).__name__}.")
    seeds = sklearn_seeds(random_state, 2 + len(models), where)

    check_table(data, [target, id_col, *drop], where)
    positive, why = _pick_positive(data[target].dropna(), where, target, positive)
    sup = prepare_supervised(data, target, id_col, drop, where)
    notes = [*sup.notes, why]
    y = (sup.y == positive).to_numpy().astype(np.int64)
    n = len(y)
    n_pos = int(y.sum())
    if n < 10:
        raise DataError(f"{where}: only {n} rows with a target; classify needs at least 10.")
    if min(n_pos, n - n_pos) < 2:
        raise DataError(
            f"{where}: target column {target!r} has only {min(n_pos, n - n_pos)} row(s) of one "
            "class; a stratified holdout needs at least 2 of each."
        )

    from sklearn.model_selection import train_test_split

    idx = np.arange(n)
    try:
        train, test = train_test_split(
            idx, test_size=params["test_size"], stratify=y, random_state=seeds[0]
        )
    except ValueError as exc:
        raise DataError(
            f"{where}: cannot split {n} rows into a stratified holdout: {exc}"
        ) from None
    train, test = np.sort(train), np.sort(test)
    X_train, X_test = sup.X.iloc[train], sup.X.iloc[test]
    y_train, y_test = y[train], y[test]
    if len(np.unique(y_test)) < 2 or len(np.unique(y_train)) < 2:
        raise DataError(
            f"{where}: the holdout or training part has one class only; use a larger test_size "
            "or more data."
        )

    pipelines: dict[str, Any] = {}
    scores: dict[str, np.ndarray] = {}
    rows = []
    for name, seed in zip(models, seeds[2:], strict=True):
        model = make_model("classification", name, sup.prep.numeric_, sup.prep.categorical_, seed)
        fit_model(model, name, X_train, y_train, notes)
        p = model.predict_proba(X_test)[:, 1]
        pipelines[name] = model
        scores[name] = p
        rows.append({"model": name, **_metrics(y_test, p, params["threshold"])})
    metrics = pd.DataFrame(rows).set_index("model")
    auc = metrics["roc_auc"].to_numpy()
    best = models[int(np.nanargmax(auc))] if np.isfinite(auc).any() else models[0]

    p_best = scores[best]
    lift = lift_table(y_test, p_best, n_bins=params["n_bins"])
    from sklearn.metrics import confusion_matrix

    cm = confusion_matrix(y_test, (p_best >= params["threshold"]).astype(int), labels=[0, 1])
    confusion = pd.DataFrame(
        cm,
        index=pd.Index(["actual negative", "actual positive"], name="actual"),
        columns=pd.Index(["predicted negative", "predicted positive"], name="predicted"),
    )
    importance = best_model_importance(
        best,
        pipelines[best],
        X_test,
        y_test,
        scoring="roc_auc",
        n_repeats=params["n_repeats"],
        seed=seeds[1],
    )
    profit = profit_curve(y_test, p_best, payoff) if payoff is not None else None
    positions = sup.positions[test]
    return ClassificationResult(
        target=target,
        positive=positive,
        models=models,
        metrics=metrics,
        best_model=best,
        threshold=params["threshold"],
        lift=lift,
        confusion=confusion,
        importance=importance,
        y_test=y_test,
        scores=scores,
        test_positions=positions,
        test_ids=None if sup.ids is None else sup.ids[test],
        n_rows=sup.n_input,
        n_train=len(train),
        n_test=len(test),
        pipelines=pipelines,
        prep=sup.prep,
        profit=profit,
        notes=tuple(notes),
        random_state=random_state if not isinstance(random_state, np.random.Generator) else None,
    )
