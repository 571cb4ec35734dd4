"""KDD step 4 — data mining.

:class:`Mining` wraps any scikit-learn style estimator (anything with ``fit`` and ``predict``)
or a callable task, fits it on the training rows and produces predictions for other rows. The
task type — one of the five classes of data-mining task — is read from the estimator
(classifier, regressor, clusterer, outlier detector) or given explicitly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone, is_classifier, is_clusterer, is_outlier_detector, is_regressor

from .._validation import check_columns, check_param
from ..exceptions import DataError, InvalidParameterError
from ._common import Change, KDDContext, Step, StepOutput

__all__ = ["Mining", "TASKS"]

#: the five classes of data-mining task (ECRM brief §5)
TASKS = ("classification", "regression", "link_analysis", "segmentation", "deviation_detection")
_SUPERVISED = ("classification", "regression")
_WHERE = "Mining"


def _infer_task(model: Any) -> str | None:
    if is_classifier(model):
        return "classification"
    if is_regressor(model):
        return "regression"
    if is_outlier_detector(model):
        return "deviation_detection"
    if is_clusterer(model):
        return "segmentation"
    return None


class Mining(Step):
    """Fit a model on the training rows; predict, score, assign or flag other rows.

    Parameters
    ----------
    estimator : estimator or callable
        A scikit-learn style estimator (cloned before fitting, so the one passed in is never
        changed) or a callable ``task(X, y) -> fitted`` returning an object with ``predict``
        (and optionally ``predict_proba`` / ``score_samples``), or — for pattern tasks such as
        link analysis — a DataFrame or result object with ``summary()`` holding the patterns.
    features : sequence of str, optional
        Feature columns; default every column except the id, group and target columns and
        date columns (dates are context, such as a row's as-of date; turn them into features
        in the Transformation step).
    task : str, optional
        One of :data:`TASKS`; default read from the estimator.

    Attributes
    ----------
    model_ : object
        The fitted model.
    task_ : str
        The task type.
    features_ : list of str
        The feature columns, in the order the model saw them.

    Notes
    -----
    Outputs of :meth:`apply` (beside the id and target columns when present):
    ``prediction`` and ``score`` (probability of the positive class, binary) for
    classification; ``prediction`` for regression; ``cluster`` for segmentation;
    ``anomaly_score`` (higher = more unusual) and ``is_anomaly`` for deviation detection; the
    pattern table for link analysis.
    """

    stage = "mining"
    learns = True

    def __init__(
        self,
        estimator: Any,
        *,
        features: Sequence[str] | None = None,
        task: str | None = None,
    ) -> None:
        self.estimator = estimator
        self.features = features
        self.task = task
        if not (hasattr(estimator, "fit") or callable(estimator)):
            raise InvalidParameterError(
                f"The 'estimator' parameter of {_WHERE} must be an estimator with fit/predict or "
                f"a callable task(X, y). Got {type(estimator).__name__} instead."
            )
        check_param(task, "task", _WHERE, str, choices=TASKS, nullable=True)
        if features is not None and (
            isinstance(features, str) or not all(isinstance(c, str) for c in features)
        ):
            raise InvalidParameterError(
                f"The 'features' parameter of {_WHERE} must be a list of column names or None. "
                f"Got {features!r} instead."
            )
        if task is None and hasattr(estimator, "fit") and _infer_task(estimator) is None:
            raise InvalidParameterError(
                f"The 'task' parameter of {_WHERE} must be one of {', '.join(map(repr, TASKS))} "
                f"when the estimator's kind cannot be recognised. Got None instead."
            )

    # -- helpers ------------------------------------------------------------------------------
    def _matrix(self, frame: pd.DataFrame, features: list[str]) -> pd.DataFrame:
        check_columns(frame, features, _WHERE)
        X = frame.loc[:, features]
        for col in features:
            s = X[col]
            if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
                raise DataError(
                    f"{_WHERE}: feature column {col!r} is not numeric (dtype {s.dtype}); encode it "
                    "with OneHot in the Transformation step or leave it out with features=."
                )
        X = X.astype("float64")
        bad = X.columns[X.isna().any().to_numpy()]
        if len(bad) and not getattr(self, "_allow_nan", False):
            n = int(X[bad[0]].isna().sum())
            raise DataError(
                f"{_WHERE}: feature column {bad[0]!r} has {n} missing values; fill them in the "
                "Preprocessing step (missing='median') or leave the column out."
            )
        return X

    def _allow_missing(self, model: Any) -> bool:
        try:
            return bool(model.__sklearn_tags__().input_tags.allow_nan)
        except AttributeError:
            return False

    # -- fit / apply ------------------------------------------------------------------------------
    def fit(self, frame: pd.DataFrame, context: KDDContext | None = None) -> Mining:
        """Fit the model on the training rows."""
        ctx = self._context(context)
        features = (
            list(self.features)
            if self.features is not None
            else [
                c
                for c in frame.columns
                if c not in ctx.protected and not pd.api.types.is_datetime64_any_dtype(frame[c])
            ]
        )
        if not features:
            raise DataError(f"{_WHERE}: there are no feature columns left to learn from.")
        is_estimator = hasattr(self.estimator, "fit")
        task = self.task or (_infer_task(self.estimator) if is_estimator else None)
        self._allow_nan = is_estimator and self._allow_missing(self.estimator)
        X = self._matrix(frame, features)
        y = None
        if ctx.target is not None and ctx.target in frame.columns:
            y = frame[ctx.target]
        if task in _SUPERVISED or (task is None and y is not None):
            if y is None:
                raise DataError(
                    f"{_WHERE}: a {task or 'supervised'} model needs a target column; pass "
                    "target= to KDDProcess.run."
                )
            if task == "classification" and y.nunique() < 2:
                raise DataError(
                    f"{_WHERE}: the target {ctx.target!r} has only one class in the training "
                    "rows; a classifier needs at least two."
                )
        if is_estimator:
            model = clone(self.estimator)
            if task in _SUPERVISED:
                model.fit(X, y.to_numpy())
            else:
                model.fit(X)
        else:
            fn: Callable = self.estimator
            model = fn(X, None if y is None else y)
            task = task or _infer_task(model)
            if task is None:
                raise DataError(
                    f"{_WHERE}: cannot tell what the task {getattr(fn, '__name__', fn)!r} "
                    "returned; pass task= (one of " + ", ".join(TASKS) + ")."
                )
        self.model_ = model
        self.task_ = task
        classes = list(getattr(model, "classes_", []))
        #: the class whose probability is the ``score`` (binary classification), else None
        self.positive_ = classes[1] if task == "classification" and len(classes) == 2 else None
        self.features_ = features
        self.n_train_ = len(frame)
        self.fitted_ = True
        return self

    def apply(self, frame: pd.DataFrame, context: KDDContext | None = None) -> StepOutput:
        """Predictions (or patterns) for ``frame``."""
        self._check_fitted()
        ctx = self._context(context)
        keep = [c for c in ctx.protected if c in frame.columns]
        out = frame.loc[:, keep].reset_index(drop=True)
        model = self.model_
        if self.task_ == "link_analysis":
            table = model.summary() if hasattr(model, "summary") else model
            if not isinstance(table, pd.DataFrame):
                raise DataError(
                    f"{_WHERE}: a link-analysis task must return a DataFrame of patterns or an "
                    f"object with summary(); got {type(model).__name__}."
                )
            return StepOutput(table.reset_index(drop=True), (Change("patterns found", len(table)),))
        X = self._matrix(frame, self.features_)
        if self.task_ == "classification":
            out["prediction"] = model.predict(X)
            if hasattr(model, "predict_proba"):
                proba = np.asarray(model.predict_proba(X))
                classes = list(getattr(model, "classes_", range(proba.shape[1])))
                out["score"] = proba[:, 1] if len(classes) == 2 else proba.max(axis=1)
            elif hasattr(model, "decision_function"):
                out["score"] = np.asarray(model.decision_function(X), dtype=float)
            what = "scored and classified rows"
        elif self.task_ == "regression":
            out["prediction"] = np.asarray(model.predict(X), dtype=float)
            what = "predicted values for rows"
        elif self.task_ == "segmentation":
            if not hasattr(model, "predict"):
                raise DataError(
                    f"{_WHERE}: {type(model).__name__} cannot assign new rows to segments (it has "
                    "no predict); choose a clusterer such as KMeans."
                )
            out["cluster"] = np.asarray(model.predict(X), dtype="int64")
            what = "assigned rows to segments"
        else:  # deviation_detection
            if hasattr(model, "score_samples"):
                out["anomaly_score"] = -np.asarray(model.score_samples(X), dtype=float)
            elif hasattr(model, "decision_function"):
                out["anomaly_score"] = -np.asarray(model.decision_function(X), dtype=float)
            out["is_anomaly"] = np.asarray(model.predict(X)) == -1
            what = "scored rows for anomalies"
        return StepOutput(out, (Change(what, len(out), detail=f"{len(self.features_)} features"),))

    def importance(self) -> pd.DataFrame:
        """The model's own feature weights (``coef_`` or ``feature_importances_``), largest first.

        Columns: ``feature``, ``weight`` (signed for linear models), ``magnitude``. Empty when
        the model exposes neither.
        """
        self._check_fitted()
        model = getattr(self.model_, "steps", [[None, self.model_]])[-1][1]
        if hasattr(model, "coef_"):
            coef = np.asarray(model.coef_, dtype=float)
            weight = coef.ravel() if coef.ndim == 1 or coef.shape[0] == 1 else np.abs(coef).mean(0)
        elif hasattr(model, "feature_importances_"):
            weight = np.asarray(model.feature_importances_, dtype=float)
        else:
            return pd.DataFrame({"feature": [], "weight": [], "magnitude": []})
        if len(weight) != len(self.features_):
            return pd.DataFrame({"feature": [], "weight": [], "magnitude": []})
        table = pd.DataFrame(
            {"feature": self.features_, "weight": weight, "magnitude": np.abs(weight)}
        )
        return table.sort_values(["magnitude", "feature"], ascending=[False, True]).reset_index(
            drop=True
        )
