"""Regression: how much will a customer spend next period?

:func:`regress` fits a naive baseline (the training mean), a linear model (ridge regression on
imputed, one-hot encoded, scaled features) and a tree ensemble on a random holdout split of any
table, and reports RMSE, MAE and R², residual diagnostics and permutation feature importance.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> df = pd.DataFrame({"visits": rng.poisson(5, 300), "segment": rng.choice(["a", "b"], 300)})
>>> df["spend"] = 20 * df["visits"] + rng.normal(0, 5, 300)
>>> res = regress(df, "spend", random_state=0)
>>> bool(res.metrics.loc[res.best_model, "r2"] > 0.9)
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
from .._validation import Interval, Param, check_numeric_column, check_param, validate_params
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
    "REGRESSORS",
    "REGRESS_PARAMS",
    "RegressionResult",
    "regress",
    "regression_metrics",
    "residual_diagnostics",
]

#: models :func:`regress` can fit, simplest first
REGRESSORS = ("baseline", "linear", "gradient_boosting", "random_forest")
DEFAULT_REGRESSORS = ("baseline", "linear", "gradient_boosting")

REGRESS_PARAMS = (
    Param(
        "test_size", float, 0.25, "share of rows held out for testing", Interval(0, 1, "neither")
    ),
    Param("n_repeats", int, 5, "shuffles per column for permutation importance", Interval(1, 100)),
)


def regression_metrics(y_true: Any, y_pred: Any) -> dict[str, float]:
    """RMSE, MAE, R² and bias (mean of prediction minus truth).

    >>> regression_metrics([1.0, 2.0, 3.0], [1.0, 2.0, 4.0])["mae"]
    0.3333333333333333
    """
    y = np.asarray(y_true, dtype=float)
    p = np.asarray(y_pred, dtype=float)
    err = p - y
    ss_res = float(np.sum(err**2))
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    return {
        "rmse": float(np.sqrt(np.mean(err**2))),
        "mae": float(np.mean(np.abs(err))),
        "r2": 1.0 - ss_res / ss_tot if ss_tot > 0 else float("nan"),
        "bias": float(np.mean(err)),
    }


def residual_diagnostics(y_true: Any, y_pred: Any) -> pd.DataFrame:
    """Checks on the residuals (truth minus prediction) of a regression.

    Returns a table of ``statistic``, ``value`` and ``reading``: the mean (should be near 0),
    the standard deviation, skewness and excess kurtosis (0 for normal errors), the share of
    residuals beyond 2 standard deviations (about 5% for normal errors), the correlation of
    residuals with the prediction (0 if the model captured the level) and the Spearman
    correlation of the absolute residual with the prediction (> 0 means errors grow with the
    prediction: heteroscedasticity, common for spend).
    """
    from scipy import stats

    y = np.asarray(y_true, dtype=float)
    p = np.asarray(y_pred, dtype=float)
    r = y - p
    sd = float(np.std(r, ddof=1)) if len(r) > 1 else float("nan")
    const_p = np.ptp(p) == 0
    corr = float("nan") if const_p or sd == 0 else float(np.corrcoef(r, p)[0, 1])
    spear = float("nan") if const_p else float(stats.spearmanr(np.abs(r), p).statistic)
    rows = [
        ("mean", float(np.mean(r)), "average error; near 0 means unbiased"),
        ("std", sd, "typical size of an error"),
        ("skewness", float(stats.skew(r)), "0 for symmetric errors"),
        ("excess_kurtosis", float(stats.kurtosis(r)), "0 for normal tails; > 0 heavy tails"),
        (
            "share_beyond_2sd",
            float(np.mean(np.abs(r - r.mean()) > 2 * sd)) if sd > 0 else 0.0,
            "about 0.05 for normal errors",
        ),
        ("corr_residual_prediction", corr, "near 0 if the level is captured"),
        (
            "spearman_abs_residual_prediction",
            spear,
            "> 0 means errors grow with the prediction (heteroscedastic)",
        ),
    ]
    return pd.DataFrame(rows, columns=["statistic", "value", "reading"])


@dataclass(frozen=True, eq=False, repr=False)
class RegressionResult(Result):
    """Models fitted by :func:`regress` and how they did on the holdout.

    Attributes
    ----------
    target : the predicted column
    models : names of the fitted models, simplest first
    metrics : DataFrame, one row per model: ``rmse``, ``mae``, ``r2``, ``bias`` on the holdout
    best_model : the model with the lowest holdout RMSE (the baseline if nothing beats it)
    diagnostics : residual diagnostics of the best model (see :func:`residual_diagnostics`)
    importance : permutation importance of the best model's input columns (RMSE increase)
    y_test, predictions, test_positions, test_ids : holdout truth, each model's predictions,
        the holdout rows' positions in the input and their ids
    """

    target: str
    models: tuple[str, ...]
    metrics: pd.DataFrame
    best_model: str
    diagnostics: pd.DataFrame
    importance: pd.DataFrame
    y_test: np.ndarray
    predictions: Mapping[str, np.ndarray]
    test_positions: np.ndarray
    test_ids: np.ndarray | None
    n_rows: int
    n_train: int
    n_test: int
    pipelines: Mapping[str, Any] = field(repr=False)
    prep: TablePrep = field(repr=False)
    notes: tuple[str, ...] = ()
    random_state: Any = None

    @property
    def title(self) -> str:  # type: ignore[override]
        return (
            f"Regression of {self.target!r}: best model {self.best_model!r}, "
            f"holdout n={self.n_test}"
        )

    def summary(self) -> pd.DataFrame:
        """Holdout metrics of every model, best model marked."""
        table = self.metrics.copy()
        table.insert(0, "best", table.index == self.best_model)
        return table

    @property
    def residuals(self) -> np.ndarray:
        """Holdout residuals (truth minus prediction) of the best model."""
        return self.y_test - self.predictions[self.best_model]

    def plot(self, ax=None, kind: str = "residuals", **kwargs):
        """``kind``: ``'residuals'`` (residual vs. prediction), ``'predicted'`` (prediction vs.
        truth) or ``'importance'``."""
        from ..plotting import mining as mp

        kinds = {
            "residuals": mp.plot_residuals,
            "predicted": mp.plot_predicted,
            "importance": mp.plot_importance,
        }
        check_param(kind, "kind", "RegressionResult.plot", str, choices=list(kinds))
        return kinds[kind](self, ax=ax, **kwargs)

    def predict(self, data: pd.DataFrame, model: str | None = None) -> np.ndarray:
        """Predictions for the rows of a new table with the same columns."""
        name = model or self.best_model
        check_param(name, "model", "predict", str, choices=self.models)
        return self.pipelines[name].predict(self.prep.transform(data))

    def oracle_gap(self, true_mean: Any, model: str | None = None) -> TruthScore:
        """Compare the model with the true expected value (the best possible prediction).

        ``true_mean``: one value per row of the input table (positional), or a Series indexed
        by the id column's values. Reports R² and RMSE of the model and of the truth on the
        holdout and the R² gap.
        """
        name = model or self.best_model
        check_param(name, "model", "oracle_gap", str, choices=self.models)
        truth = align_truth(
            true_mean, self.n_rows, self.test_ids, self.test_positions, "oracle_gap"
        ).astype(float)
        m = regression_metrics(self.y_test, self.predictions[name])
        o = regression_metrics(self.y_test, truth)
        return TruthScore(
            task="regression",
            metrics={
                "r2_model": m["r2"],
                "r2_oracle": o["r2"],
                "rmse_model": m["rmse"],
                "rmse_oracle": o["rmse"],
                "oracle_gap": o["r2"] - m["r2"],
            },
        )


def regress(
    data: pd.DataFrame,
    target: str,
    *,
    id_col: str | None = None,
    drop: Sequence[str] = (),
    models: Sequence[str] = DEFAULT_REGRESSORS,
    test_size: float = 0.25,
    n_repeats: int = 5,
    random_state: RandomState = 0,
) -> RegressionResult:
    """Fit a mean baseline, a linear model and a tree ensemble to predict a numeric target.

    Parameters
    ----------
    data : DataFrame
        Any table; categorical and missing values are handled, identifier-like, constant and
        empty columns dropped, dates converted (see ``result.notes``).
    target : str
        The numeric column to predict.
    id_col : str, optional
        Column identifying the rows.
    drop : sequence of str
        Further columns to leave out.
    models : sequence of str
        Any of ``REGRESSORS``.
    test_size : float
        Share of rows in the random holdout.
    n_repeats : int
        Shuffles per column for permutation importance.
    random_state : int, Generator or None
        Seeds the split and every model.

    Returns
    -------
    RegressionResult
    """
    where = "regress"
    params = validate_params(
        REGRESS_PARAMS, {"test_size": test_size, "n_repeats": n_repeats}, where
    )
    check_param(target, "target", where, str)
    models = tuple(models)
    if not models:
        raise DataError(f"{where}: give at least one model (choose from {REGRESSORS}).")
    for m in models:
        check_param(m, "models", where, str, choices=REGRESSORS)
    seeds = sklearn_seeds(random_state, 2 + len(models), where)
    check_table(data, [target, id_col, *drop], where)
    check_numeric_column(data, target, where)

    sup = prepare_supervised(data, target, id_col, drop, where)
    y = sup.y.astype(float).to_numpy()
    n = len(y)
    if n < 10:
        raise DataError(f"{where}: only {n} rows with a target; regress needs at least 10.")
    if np.ptp(y) == 0:
        raise DataError(f"{where}: target column {target!r} is constant; nothing to predict.")
    notes = list(sup.notes)

    from sklearn.model_selection import train_test_split

    train, test = train_test_split(
        np.arange(n), test_size=params["test_size"], random_state=seeds[0]
    )
    if len(test) < 2 or len(train) < 2:
        raise DataError(f"{where}: {n} rows are too few for a holdout of {test_size}.")
    train, test = np.sort(train), np.sort(test)
    X_train, X_test = sup.X.iloc[train], sup.X.iloc[test]
    y_train, y_test = y[train], y[test]

    pipelines: dict[str, Any] = {}
    preds: dict[str, np.ndarray] = {}
    rows = []
    for name, seed in zip(models, seeds[2:], strict=True):
        model = make_model("regression", name, sup.prep.numeric_, sup.prep.categorical_, seed)
        fit_model(model, name, X_train, y_train, notes)
        p = np.asarray(model.predict(X_test), dtype=float)
        pipelines[name] = model
        preds[name] = p
        rows.append({"model": name, **regression_metrics(y_test, p)})
    metrics = pd.DataFrame(rows).set_index("model")
    best = models[int(np.argmin(metrics["rmse"].to_numpy()))]
    if best == "baseline":
        notes.append("no model beat the mean of the training target.")
    importance = best_model_importance(
        best,
        pipelines[best],
        X_test,
        y_test,
        scoring="neg_root_mean_squared_error",
        n_repeats=params["n_repeats"],
        seed=seeds[1],
    )
    return RegressionResult(
        target=target,
        models=models,
        metrics=metrics,
        best_model=best,
        diagnostics=residual_diagnostics(y_test, preds[best]),
        importance=importance,
        y_test=y_test,
        predictions=preds,
        test_positions=sup.positions[test],
        test_ids=None if sup.ids is None else sup.ids[test],
        n_rows=sup.n_input,
        n_train=len(train),
        n_test=len(test),
        pipelines=pipelines,
        prep=sup.prep,
        notes=tuple(notes),
        random_state=random_state if not isinstance(random_state, np.random.Generator) else None,
    )
