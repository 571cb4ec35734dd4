"""Machinery shared by the five data-mining tasks.

* :class:`TablePrep` turns any user table into model-ready features: it drops identifier-like,
  constant and empty columns, converts dates to numbers, keeps numeric and categorical columns
  apart and writes a note for every decision (so a command-line user sees what happened).
* :func:`make_preprocessor` builds the scikit-learn ``ColumnTransformer`` for those columns
  (imputation, one-hot or ordinal encoding, scaling) — the same one for every task.
* :func:`sklearn_seeds` derives integer seeds for scikit-learn from one
  ``numpy.random.Generator``, so every model is reproducible from the task's ``random_state``.
* :func:`precision_recall_at_k` and :func:`align_truth` score results against given truth;
  :class:`TruthScore` is the result object those scores come in.
* :func:`jsonable` makes numbers JSON-safe (NaN and infinity become ``null``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._random import RandomState, check_random_state
from .._result import Result
from .._validation import check_columns, check_not_empty
from ..exceptions import DataError, NotFittedError

__all__ = [
    "TablePrep",
    "make_preprocessor",
    "sklearn_seeds",
    "precision_recall_at_k",
    "align_truth",
    "TruthScore",
    "jsonable",
    "frame_records",
    "as_id_array",
    "check_table",
]

#: column names that mark an identifier
_ID_NAME = re.compile(
    r"(?i:^id$|_id$|^id_|_key$|_no$|_number$|^uuid|_uuid$)|[a-z](ID|Id)$"  # CustomerID, orderId
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?")

#: most categories a one-hot / ordinal encoder keeps per column (the rest become "infrequent")
MAX_CATEGORIES = 20


def _is_textlike(s: pd.Series) -> bool:
    return (
        pd.api.types.is_object_dtype(s)
        or pd.api.types.is_string_dtype(s)
        or isinstance(s.dtype, pd.CategoricalDtype)
    )


def _whole_numbers(s: pd.Series) -> bool:
    if pd.api.types.is_integer_dtype(s):
        return True
    values = s.dropna().to_numpy(dtype=float)
    return bool(len(values)) and bool(np.all(values == np.round(values)))


def _looks_like_dates(s: pd.Series) -> bool:
    values = s.dropna()
    if len(values) == 0:
        return False
    sample = values.iloc[: min(len(values), 500)].astype(str)
    return bool(sample.str.match(_ISO_DATE).mean() >= 0.95)


def _looks_numeric(s: pd.Series) -> bool:
    values = s.dropna()
    if len(values) == 0:
        return False
    converted = pd.to_numeric(values.astype(str).str.replace(",", "", regex=False), errors="coerce")
    return bool(converted.notna().mean() >= 0.95)


def _to_numeric_text(s: pd.Series) -> pd.Series:
    text = s.astype(object).where(s.notna(), None)
    text = pd.Series(text, index=s.index, dtype=object).map(
        lambda v: v.replace(",", "") if isinstance(v, str) else v
    )
    return pd.to_numeric(text, errors="coerce").astype("float64")


@dataclass
class TablePrep:
    """Learn how to turn the columns of a user table into model features.

    Parameters
    ----------
    exclude : sequence of str
        Columns that are never features (the target, the id column, columns the user drops).
    max_unique_share : float
        A text column whose share of distinct values is at least this (on 20 rows or more) is
        treated as an identifier or free text and dropped.

    Attributes
    ----------
    numeric_ : list of str
        Feature columns used as numbers (including converted dates, booleans and numbers
        stored as text).
    categorical_ : list of str
        Feature columns used as categories.
    dates_ : dict of str to Timestamp
        Date columns and the reference day they are counted from (``<col>`` becomes days
        since the reference).
    dropped_ : dict of str to str
        Columns left out and why.
    notes_ : list of str
        One sentence per decision, for reports and the command line.

    Examples
    --------
    >>> df = pd.DataFrame({"customer_id": [1, 2, 3, 4], "age": [30, None, 50, 41],
    ...                    "region": ["n", "s", None, "n"], "plan": ["a"] * 4})
    >>> prep = TablePrep(exclude=["customer_id"]).fit(df)
    >>> prep.numeric_, prep.categorical_, prep.dropped_
    (['age'], ['region'], {'plan': 'constant (one value)'})
    """

    exclude: Sequence[str] = ()
    max_unique_share: float = 0.9
    numeric_: list[str] = field(default_factory=list, init=False)
    categorical_: list[str] = field(default_factory=list, init=False)
    dates_: dict[str, pd.Timestamp] = field(default_factory=dict, init=False)
    text_numbers_: list[str] = field(default_factory=list, init=False)
    dropped_: dict[str, str] = field(default_factory=dict, init=False)
    notes_: list[str] = field(default_factory=list, init=False)
    fitted_: bool = field(default=False, init=False)

    def fit(self, df: pd.DataFrame) -> TablePrep:
        """Decide, column by column, how each column of ``df`` enters a model."""
        n = len(df)
        skip = set(self.exclude)
        self.numeric_, self.categorical_, self.text_numbers_ = [], [], []
        self.dates_, self.dropped_, self.notes_ = {}, {}, []
        for col in df.columns:
            if col in skip:
                continue
            name = str(col)
            s = df[col]
            if s.isna().all():
                self._drop(name, "all values missing")
                continue
            if s.nunique(dropna=True) <= 1:
                self._drop(name, "constant (one value)")
                continue
            if pd.api.types.is_bool_dtype(s):
                self.numeric_.append(name)
            elif pd.api.types.is_datetime64_any_dtype(s):
                self._date(name, pd.to_datetime(s))
            elif pd.api.types.is_numeric_dtype(s):
                if _ID_NAME.search(name) and _whole_numbers(s) and s.dropna().is_unique:
                    self._drop(name, "identifier (unique integer with an id-like name)")
                else:
                    self.numeric_.append(name)
            elif _is_textlike(s):
                if isinstance(s.dtype, pd.CategoricalDtype):
                    self.categorical_.append(name)
                elif _looks_like_dates(s):
                    parsed = pd.to_datetime(s, errors="coerce", format="ISO8601")
                    self._date(name, parsed)
                elif _looks_numeric(s):
                    self.text_numbers_.append(name)
                    self.numeric_.append(name)
                    self.notes_.append(
                        f"column {name!r} holds numbers stored as text; used as numbers."
                    )
                elif n >= 20 and s.nunique(dropna=True) >= self.max_unique_share * s.notna().sum():
                    self._drop(name, "identifier or free text (almost every value distinct)")
                else:
                    self.categorical_.append(name)
            else:
                self._drop(name, f"unsupported type {s.dtype}")
        if not self.numeric_ and not self.categorical_:
            raise DataError(
                "no usable feature columns left: "
                + "; ".join(f"{c!r} {why}" for c, why in self.dropped_.items())
                if self.dropped_
                else "no feature columns: the table has only the target and id columns."
            )
        self.fitted_ = True
        return self

    def _drop(self, name: str, why: str) -> None:
        self.dropped_[name] = why
        self.notes_.append(f"dropped column {name!r}: {why}.")

    def _date(self, name: str, parsed: pd.Series) -> None:
        if getattr(parsed.dt, "tz", None) is not None:
            parsed = parsed.dt.tz_localize(None)
        ref = parsed.min()
        if pd.isna(ref):
            self._drop(name, "dates could not be read")
            return
        ref = pd.Timestamp(ref).normalize()
        self.dates_[name] = ref
        self.numeric_.append(name)
        self.notes_.append(
            f"date column {name!r} converted to days since {ref.date().isoformat()}."
        )

    @property
    def features_(self) -> list[str]:
        """All feature columns, numeric first."""
        return [*self.numeric_, *self.categorical_]

    def transform(self, df: pd.DataFrame) -> pd.DataFrame:
        """The feature columns of ``df``: numbers as float64 (NaN kept), categories as text."""
        if not self.fitted_:
            raise NotFittedError("TablePrep must be fitted before transform.")
        check_columns(df, self.features_, "TablePrep.transform")
        out: dict[str, pd.Series] = {}
        for name in self.numeric_:
            s = df[name]
            if name in self.dates_:
                if pd.api.types.is_datetime64_any_dtype(s):
                    parsed = pd.to_datetime(s)
                else:
                    parsed = pd.to_datetime(s, errors="coerce", format="ISO8601")
                if getattr(parsed.dt, "tz", None) is not None:
                    parsed = parsed.dt.tz_localize(None)
                days = (parsed - self.dates_[name]) / pd.Timedelta(days=1)
                out[name] = days.astype("float64")
            elif name in self.text_numbers_:
                out[name] = _to_numeric_text(s)
            else:
                out[name] = pd.to_numeric(s, errors="coerce").astype("float64")
        for name in self.categorical_:
            s = df[name]
            missing = s.isna().to_numpy()
            text = s.astype(str).to_numpy(dtype=object)
            text[missing] = np.nan
            out[name] = pd.Series(text, index=df.index, dtype=object)
        return pd.DataFrame(out, index=df.index)

    def fit_transform(self, df: pd.DataFrame) -> pd.DataFrame:
        return self.fit(df).transform(df)


def make_preprocessor(
    numeric: Sequence[str],
    categorical: Sequence[str],
    *,
    kind: str = "onehot",
    scale: bool = True,
):
    """The ``ColumnTransformer`` every task uses.

    Parameters
    ----------
    numeric, categorical : sequence of str
        Column names (from :class:`TablePrep`).
    kind : {'onehot', 'ordinal'}
        ``'onehot'``: numbers are median-imputed (with a missing-value indicator) and scaled,
        categories are one-hot encoded (missing is its own category; at most
        ``MAX_CATEGORIES`` per column, rare ones pooled, unseen ones ignored) — for linear
        models, k-means and isolation forests. ``'ordinal'``: numbers pass through with NaN
        (tree ensembles handle it) and categories become integer codes with NaN for missing
        and unseen — for histogram gradient boosting with native categorical support.
    scale : bool
        Standardise numbers (``'onehot'`` only).
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

    parts = []
    if kind == "onehot":
        if numeric:
            steps = [("impute", SimpleImputer(strategy="median", add_indicator=True))]
            if scale:
                steps.append(("scale", StandardScaler()))
            parts.append(("num", Pipeline(steps), list(numeric)))
        if categorical:
            parts.append(
                (
                    "cat",
                    Pipeline(
                        [
                            ("impute", SimpleImputer(strategy="constant", fill_value="(missing)")),
                            (
                                "onehot",
                                OneHotEncoder(
                                    handle_unknown="infrequent_if_exist",
                                    max_categories=MAX_CATEGORIES,
                                    sparse_output=False,
                                ),
                            ),
                        ]
                    ),
                    list(categorical),
                )
            )
    elif kind == "ordinal":
        if numeric:
            parts.append(("num", "passthrough", list(numeric)))
        if categorical:
            parts.append(
                (
                    "cat",
                    OrdinalEncoder(
                        handle_unknown="use_encoded_value",
                        unknown_value=np.nan,
                        encoded_missing_value=np.nan,
                        max_categories=MAX_CATEGORIES,
                    ),
                    list(categorical),
                )
            )
    else:  # pragma: no cover - internal misuse
        raise ValueError(f"unknown preprocessor kind {kind!r}")
    return ColumnTransformer(parts, remainder="drop", verbose_feature_names_out=False)


def sklearn_seeds(random_state: RandomState, n: int, where: str) -> list[int]:
    """``n`` integer seeds for scikit-learn, drawn from one Generator built from ``random_state``.

    >>> sklearn_seeds(7, 3, "example") == sklearn_seeds(7, 3, "example")
    True
    """
    rng = check_random_state(random_state, where)
    return [int(x) for x in rng.integers(0, 2**31 - 1, size=n)]


def as_id_array(values: Any) -> np.ndarray:
    """A 1-d numpy array of ids (object dtype unless the ids are numbers)."""
    arr = np.asarray(pd.Series(values).to_numpy())
    if arr.dtype.kind in "iub":
        return arr.astype(np.int64)
    if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
        return arr.astype(np.int64)
    return arr.astype(object)


def precision_recall_at_k(
    ids: Iterable,
    scores: Iterable[float],
    true_ids: Iterable,
    k: int | Sequence[int],
) -> pd.DataFrame:
    """Precision and recall of the ``k`` highest-scoring ids against a set of true ids.

    Ties in score are broken by the order of ``ids`` (stable), so the answer is deterministic.

    Parameters
    ----------
    ids : iterable
        One id per scored item.
    scores : iterable of float
        Higher means more suspicious / more likely.
    true_ids : iterable
        The ids that truly are anomalies (or churners, ...).
    k : int or sequence of int
        Cut-offs.

    Returns
    -------
    DataFrame
        One row per k: ``k``, ``hits``, ``precision``, ``recall``.

    Examples
    --------
    >>> precision_recall_at_k([1, 2, 3, 4], [0.9, 0.1, 0.8, 0.2], true_ids=[1, 4], k=[1, 2])
       k  hits  precision  recall
    0  1     1        1.0     0.5
    1  2     1        0.5     0.5
    """
    ids_arr = np.asarray(list(ids), dtype=object)
    score_arr = np.asarray(list(scores), dtype=float)
    if len(ids_arr) != len(score_arr):
        raise DataError(f"precision_recall_at_k: {len(ids_arr)} ids but {len(score_arr)} scores.")
    truth = set(pd.Series(list(true_ids), dtype=object).tolist())
    ks = [k] if isinstance(k, int | np.integer) else list(k)
    order = np.argsort(-np.nan_to_num(score_arr, nan=-np.inf), kind="stable")
    hit = np.fromiter((x in truth for x in ids_arr[order]), dtype=bool, count=len(order))
    cum = np.cumsum(hit)
    rows = []
    for kk in ks:
        kk = int(kk)
        if kk < 1:
            raise DataError(f"precision_recall_at_k: k must be >= 1, got {kk}.")
        top = min(kk, len(order))
        hits = int(cum[top - 1]) if top else 0
        rows.append(
            {
                "k": kk,
                "hits": hits,
                "precision": hits / kk,
                "recall": hits / len(truth) if truth else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def align_truth(
    truth: Any,
    n_rows: int,
    ids: np.ndarray | None,
    positions: np.ndarray | None,
    where: str,
) -> np.ndarray:
    """Line up a truth vector with the rows a result scored.

    ``truth`` is either positional (a list, array or a Series without a meaningful index) with
    one value per row of the table the task was run on, or a pandas Series indexed by the id
    column's values (when the task was given an id column). ``positions`` are the row
    positions the result scored (e.g. the holdout); ``ids`` their ids.
    """
    if isinstance(truth, pd.Series) and ids is not None:
        index_ids = truth.index
        if not isinstance(index_ids, pd.RangeIndex) or len(truth) != n_rows:
            got = truth.reindex(pd.Index(ids))
            if got.isna().any():
                missing = pd.Index(ids)[got.isna().to_numpy()]
                raise DataError(
                    f"{where}: the truth has no value for {len(missing)} of the scored ids "
                    f"(for example {missing[0]!r})."
                )
            return got.to_numpy()
    arr = np.asarray(truth.to_numpy() if isinstance(truth, pd.Series) else truth)
    if arr.ndim != 1:
        raise DataError(f"{where}: the truth must be one-dimensional, got shape {arr.shape}.")
    if len(arr) == n_rows:
        return arr if positions is None else arr[positions]
    if positions is not None and len(arr) == len(positions):
        return arr
    raise DataError(
        f"{where}: the truth has {len(arr)} values; expected one per row of the input "
        f"table ({n_rows})"
        + (f" or one per scored row ({len(positions)})." if positions is not None else ".")
    )


@dataclass(frozen=True, eq=False, repr=False)
class TruthScore(Result):
    """How a mining result compares with the planted truth of the synthetic world.

    Attributes
    ----------
    task : str
        Which result was scored (``'classification'``, ``'segmentation'``, ...).
    metrics : dict of str to float
        The headline numbers (e.g. ``auc_model``, ``auc_oracle``, ``oracle_gap``).
    detail : DataFrame
        Per-item detail (e.g. which planted rules were found and at what rank).
    """

    task: str
    metrics: Mapping[str, float]
    detail: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def title(self) -> str:  # type: ignore[override]
        return f"Truth score ({self.task})"

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame(
            {"metric": list(self.metrics), "value": [float(v) for v in self.metrics.values()]}
        )

    def plot(self, ax=None, **kwargs):
        from ..plotting.mining import plot_truth_score

        return plot_truth_score(self, ax=ax, **kwargs)

    def __getitem__(self, key: str) -> float:
        return float(self.metrics[key])


def jsonable(value: Any) -> Any:
    """Convert numpy scalars and containers to JSON-safe Python; NaN and ±inf become ``None``."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset | np.ndarray):
        seq = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [jsonable(v) for v in seq]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if value is None or isinstance(value, int | str):
        return value
    if pd.isna(value):
        return None
    return str(value)


def frame_records(df: pd.DataFrame, digits: int | None = 6) -> list[dict[str, Any]]:
    """A DataFrame as a list of JSON-safe records (floats rounded to ``digits``)."""
    out = []
    for rec in df.to_dict(orient="records"):
        clean = {}
        for k, v in rec.items():
            v = jsonable(v)
            if digits is not None and isinstance(v, float):
                v = round(v, digits)
            clean[str(k)] = v
        out.append(clean)
    return out


def check_table(df: pd.DataFrame, columns: Iterable[str | None], where: str) -> None:
    """The table is a non-empty DataFrame with every named column."""
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"{where}: expected a pandas DataFrame, got {type(df).__name__}.")
    check_not_empty(df, where)
    check_columns(df, [c for c in columns if c is not None], where)


@dataclass(frozen=True)
class Supervised:
    """A user table made ready for a supervised task (rows with a target, features prepared)."""

    X: pd.DataFrame
    y: pd.Series
    prep: TablePrep
    positions: np.ndarray
    ids: np.ndarray | None
    n_input: int
    notes: tuple[str, ...]


def prepare_supervised(
    data: pd.DataFrame,
    target: str,
    id_col: str | None,
    drop: Sequence[str],
    where: str,
) -> Supervised:
    """Check the columns, drop rows without a target and prepare the feature columns."""
    check_table(data, [target, id_col, *drop], where)
    notes: list[str] = []
    y_all = data[target]
    keep = y_all.notna().to_numpy()
    if not keep.any():
        raise DataError(f"{where}: target column {target!r} has no values (all missing).")
    if not keep.all():
        notes.append(f"{int((~keep).sum())} rows without a value in {target!r} left out.")
    positions = np.flatnonzero(keep)
    rows = data.iloc[positions]
    prep = TablePrep(exclude=[c for c in (target, id_col, *drop) if c is not None])
    try:
        X = prep.fit_transform(rows)
    except DataError as exc:
        raise DataError(f"{where}: {exc}") from None
    notes.extend(prep.notes_)
    ids = as_id_array(rows[id_col]) if id_col is not None else None
    return Supervised(
        X=X.reset_index(drop=True),
        y=y_all.iloc[positions].reset_index(drop=True),
        prep=prep,
        positions=positions,
        ids=ids,
        n_input=len(data),
        notes=tuple(notes),
    )


def permutation_table(
    model: Any,
    X: pd.DataFrame,
    y: np.ndarray,
    *,
    scoring: str,
    n_repeats: int,
    seed: int,
    max_rows: int = 5000,
) -> pd.DataFrame:
    """Permutation importance of each input column on held-out data, largest first.

    Columns: ``feature``, ``importance_mean``, ``importance_std`` (drop in the score when the
    column is shuffled; averaged over ``n_repeats`` shuffles of at most ``max_rows`` rows).
    """
    from sklearn.inspection import permutation_importance

    max_samples = min(len(X), max_rows)
    with openmp_threads(max_samples):
        res = permutation_importance(
            model,
            X,
            y,
            scoring=scoring,
            n_repeats=n_repeats,
            random_state=seed,
            max_samples=max_samples,
        )
    table = pd.DataFrame(
        {
            "feature": list(X.columns),
            "importance_mean": res.importances_mean,
            "importance_std": res.importances_std,
        }
    )
    return table.sort_values(
        ["importance_mean", "feature"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)


def make_model(task: str, name: str, numeric: list[str], categorical: list[str], seed: int):
    """One candidate model of :func:`~ecrm_lab.mining.classify` (``task='classification'``) or
    :func:`~ecrm_lab.mining.regress` (``'regression'``), with its preprocessing.

    ``'baseline'`` predicts the class prior / the mean; the linear model (``'logistic'`` /
    ``'linear'``: logistic regression / ridge) sees one-hot features; ``'gradient_boosting'``
    (histogram boosting with native categories) and ``'random_forest'`` see ordinal ones.
    """
    from sklearn import dummy, ensemble, linear_model
    from sklearn.pipeline import Pipeline

    clf = task == "classification"
    if name == "baseline":
        return (
            dummy.DummyClassifier(strategy="prior")
            if clf
            else dummy.DummyRegressor(strategy="mean")
        )
    if name in ("logistic", "linear"):
        model = (
            linear_model.LogisticRegression(max_iter=2000) if clf else linear_model.Ridge(alpha=1.0)
        )
        kind = "onehot"
    elif name == "gradient_boosting":
        boost = (
            ensemble.HistGradientBoostingClassifier
            if clf
            else ensemble.HistGradientBoostingRegressor
        )
        mask = [False] * len(numeric) + [True] * len(categorical)
        model = boost(categorical_features=mask if categorical else None, random_state=seed)
        kind = "ordinal"
    else:  # random_forest
        forest = ensemble.RandomForestClassifier if clf else ensemble.RandomForestRegressor
        model = forest(n_estimators=200, min_samples_leaf=5, random_state=seed, n_jobs=1)
        kind = "ordinal"
    return Pipeline(
        [("prep", make_preprocessor(numeric, categorical, kind=kind)), ("model", model)]
    )


def fit_model(model: Any, name: str, X: pd.DataFrame, y: np.ndarray, notes: list[str]) -> Any:
    """Fit a candidate model (OpenMP on one thread for small data); a fit that does not
    converge adds a note instead of a warning."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings(record=True) as caught, openmp_threads(len(y)):
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(X, y)
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        notes.append(f"model {name!r} did not fully converge.")
    return model


def best_model_importance(
    best: str,
    pipeline: Any,
    X: pd.DataFrame,
    y: np.ndarray,
    *,
    scoring: str,
    n_repeats: int,
    seed: int,
) -> pd.DataFrame:
    """:func:`permutation_table` of the best model on held-out data (all zero for the
    baseline, which uses no input)."""
    if best == "baseline":
        return pd.DataFrame(
            {"feature": list(X.columns), "importance_mean": 0.0, "importance_std": 0.0}
        )
    return permutation_table(pipeline, X, y, scoring=scoring, n_repeats=n_repeats, seed=seed)


#: below this many rows OpenMP-parallel estimators run on one thread: on small data the thread
#: start-up costs more than it saves (and on a busy machine far more)
SMALL_DATA_ROWS = 50_000


def openmp_threads(n_rows: int):
    """A context that runs OpenMP code (k-means, gradient boosting) on one thread for small data.

    Results do not depend on the number of threads; only the speed does.
    """
    import contextlib

    if n_rows >= SMALL_DATA_ROWS:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="openmp")
