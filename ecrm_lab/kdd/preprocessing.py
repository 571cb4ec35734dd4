"""KDD step 2 — pre-processing: duplicates, missing values and outliers.

:class:`Preprocessing` cleans the selected data and reports every change it made. What it
learns — the values used to fill gaps, the fences used to cap outliers — is learned in
``fit`` from the training rows only and then applied unchanged to any other rows, so the
holdout never influences the cleaning (no leakage).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._validation import Interval, check_param
from ..exceptions import DataError, InvalidParameterError
from ._common import (
    Change,
    KDDContext,
    Step,
    StepOutput,
    categorical_columns,
    numeric_columns,
)

__all__ = ["Preprocessing", "DUPLICATES", "MISSING", "MISSING_CATEGORICAL", "OUTLIERS"]

_WHERE = "Preprocessing"
DUPLICATES = ("rows", "id")
MISSING = ("median", "mean", "constant", "drop")
MISSING_CATEGORICAL = ("most_frequent", "constant", "drop")
OUTLIERS = ("iqr", "quantile", "zscore")


def _num(x: float) -> str:
    return f"{x:.4g}"


class Preprocessing(Step):
    """Clean the data: remove duplicates, cap outliers, fill missing values.

    The order of the work is fixed: duplicates, rows without a target, outlier capping,
    missing values. Fill values and outlier fences come from the rows given to :meth:`fit`.

    Parameters
    ----------
    columns : sequence of str, optional
        Columns to clean; default every column except the id and the target.
    duplicates : {'rows', 'id'} or None
        ``'rows'`` removes exact duplicate rows; ``'id'`` keeps the first row per id column;
        ``None`` keeps duplicates.
    missing : {'median', 'mean', 'constant', 'drop'} or None
        Numeric gaps: fill with the training median / mean / ``fill_value``, or drop the row.
    missing_categorical : {'most_frequent', 'constant', 'drop'} or None
        Text/categorical gaps: fill with the training mode / ``fill_category``, or drop the row.
    outliers : {'iqr', 'quantile', 'zscore'} or None
        How the capping fences are set on the training rows: Tukey fences
        ``[Q1 - k IQR, Q3 + k IQR]`` with ``k = iqr_factor``, the ``quantiles`` pair, or
        ``mean ± zscore * sd``. Values outside are capped to the fence (winsorised).
    iqr_factor : float
        ``k`` of the Tukey fences (3.0 = "far out" values only).
    quantiles : (float, float)
        Lower and upper quantile for ``outliers='quantile'``.
    zscore : float
        Number of standard deviations for ``outliers='zscore'``.
    fill_value : float
        Value for ``missing='constant'``.
    fill_category : str
        Value for ``missing_categorical='constant'``.
    drop_missing_target : bool
        Remove rows whose target is missing (they can be neither learned from nor scored).

    Attributes
    ----------
    fill_values_ : dict
        Column -> value used to fill gaps (learned on the training rows).
    bounds_ : dict
        Column -> (low, high) capping fences (learned on the training rows).

    Examples
    --------
    >>> import pandas as pd
    >>> train = pd.DataFrame({"x": [1.0, 2.0, None, 4.0]})
    >>> pre = Preprocessing(outliers=None).fit(train)
    >>> pre.fill_values_
    {'x': 2.0}
    >>> pre.transform(pd.DataFrame({"x": [None, 9.0]}))["x"].tolist()
    [2.0, 9.0]
    """

    stage = "preprocessing"
    learns = True

    def __init__(
        self,
        *,
        columns: Sequence[str] | None = None,
        duplicates: str | None = "rows",
        missing: str | None = "median",
        missing_categorical: str | None = "most_frequent",
        outliers: str | None = "iqr",
        iqr_factor: float = 3.0,
        quantiles: tuple[float, float] = (0.01, 0.99),
        zscore: float = 4.0,
        fill_value: float = 0.0,
        fill_category: str = "missing",
        drop_missing_target: bool = True,
    ) -> None:
        self.columns = columns
        self.duplicates = duplicates
        self.missing = missing
        self.missing_categorical = missing_categorical
        self.outliers = outliers
        self.iqr_factor = iqr_factor
        self.quantiles = quantiles
        self.zscore = zscore
        self.fill_value = fill_value
        self.fill_category = fill_category
        self.drop_missing_target = drop_missing_target
        check_param(duplicates, "duplicates", _WHERE, str, choices=DUPLICATES, nullable=True)
        check_param(missing, "missing", _WHERE, str, choices=MISSING, nullable=True)
        check_param(
            missing_categorical,
            "missing_categorical",
            _WHERE,
            str,
            choices=MISSING_CATEGORICAL,
            nullable=True,
        )
        check_param(outliers, "outliers", _WHERE, str, choices=OUTLIERS, nullable=True)
        check_param(iqr_factor, "iqr_factor", _WHERE, float, interval=Interval(0, None, "neither"))
        check_param(zscore, "zscore", _WHERE, float, interval=Interval(0, None, "neither"))
        check_param(fill_value, "fill_value", _WHERE, float)
        check_param(fill_category, "fill_category", _WHERE, str)
        check_param(drop_missing_target, "drop_missing_target", _WHERE, bool)
        if (
            not isinstance(quantiles, tuple | list)
            or len(quantiles) != 2
            or not all(isinstance(q, int | float) and 0 <= q <= 1 for q in quantiles)
            or not quantiles[0] < quantiles[1]
        ):
            raise InvalidParameterError(
                f"The 'quantiles' parameter of {_WHERE} must be a pair (low, high) with "
                f"0 <= low < high <= 1. Got {quantiles!r} instead."
            )
        if columns is not None and (
            isinstance(columns, str) or not all(isinstance(c, str) for c in columns)
        ):
            raise InvalidParameterError(
                f"The 'columns' parameter of {_WHERE} must be a list of column names or None. "
                f"Got {columns!r} instead."
            )

    # -- helpers ----------------------------------------------------------------------------
    def _targets(self, frame: pd.DataFrame, ctx: KDDContext) -> tuple[list[str], list[str]]:
        protect = ctx.protected
        if self.columns is not None:
            from .._validation import check_columns

            check_columns(frame, self.columns, _WHERE)
            chosen = frame.loc[:, [c for c in self.columns if c not in protect]]
            return numeric_columns(chosen), categorical_columns(chosen)
        return numeric_columns(frame, protect), categorical_columns(frame, protect)

    def _stateless(self, frame: pd.DataFrame, ctx: KDDContext) -> tuple[pd.DataFrame, list[Change]]:
        changes: list[Change] = []
        if self.duplicates == "rows":
            dup = frame.duplicated(keep="first")
            if dup.any():
                changes.append(Change("removed duplicate rows", int(dup.sum())))
                frame = frame.loc[~dup]
        elif self.duplicates == "id":
            if ctx.id_column is None:
                raise DataError(
                    f"{_WHERE}: duplicates='id' needs an id column; pass id_column= to "
                    "KDDProcess.run (or a KDDContext with id_column)."
                )
            from .._validation import check_columns

            check_columns(frame, [ctx.id_column], _WHERE)
            dup = frame.duplicated(subset=[ctx.id_column], keep="first")
            if dup.any():
                changes.append(
                    Change(
                        "removed repeated ids (kept the first row)", int(dup.sum()), ctx.id_column
                    )
                )
                frame = frame.loc[~dup]
        if self.drop_missing_target and ctx.target is not None and ctx.target in frame.columns:
            na = frame[ctx.target].isna()
            if na.any():
                changes.append(
                    Change("removed rows with a missing target", int(na.sum()), ctx.target)
                )
                frame = frame.loc[~na]
        return frame, changes

    # -- fit / apply --------------------------------------------------------------------------
    def fit(self, frame: pd.DataFrame, context: KDDContext | None = None) -> Preprocessing:
        """Learn fill values and capping fences from the training rows ``frame``."""
        ctx = self._context(context)
        frame, _ = self._stateless(frame, ctx)
        num, cat = self._targets(frame, ctx)
        self.numeric_columns_ = num
        self.categorical_columns_ = cat
        self.fill_values_: dict[str, object] = {}
        self.bounds_: dict[str, tuple[float, float]] = {}
        for col in num:
            values = frame[col].astype("float64").dropna().to_numpy()
            is_int = pd.api.types.is_integer_dtype(frame[col])
            if self.outliers is not None and len(values):
                lo, hi = self._fences(values)
                if is_int:
                    lo, hi = float(np.floor(lo)), float(np.ceil(hi))
                self.bounds_[col] = (lo, hi)
            if self.missing in ("median", "mean", "constant"):
                if self.missing == "constant":
                    value = float(self.fill_value)
                elif len(values) == 0:
                    raise DataError(
                        f"{_WHERE}: column {col!r} has no values in the training rows, so there is "
                        f"no {self.missing} to fill with; leave it out of the selection or use "
                        "missing='constant'."
                    )
                else:
                    value = float(np.median(values) if self.missing == "median" else values.mean())
                self.fill_values_[col] = float(np.round(value)) if is_int else value
        for col in cat:
            if self.missing_categorical == "most_frequent":
                counts = frame[col].dropna().astype(str).value_counts()
                if len(counts) == 0:
                    raise DataError(
                        f"{_WHERE}: column {col!r} has no values in the training rows, so there is "
                        "no most frequent value; use missing_categorical='constant'."
                    )
                top = counts[counts == counts.max()].index.min()  # ties: alphabetically first
                self.fill_values_[col] = top
            elif self.missing_categorical == "constant":
                self.fill_values_[col] = self.fill_category
        self.fitted_ = True
        return self

    def _fences(self, values: np.ndarray) -> tuple[float, float]:
        if self.outliers == "iqr":
            q1, q3 = np.quantile(values, [0.25, 0.75])
            k = float(self.iqr_factor)
            return float(q1 - k * (q3 - q1)), float(q3 + k * (q3 - q1))
        if self.outliers == "quantile":
            lo, hi = np.quantile(values, list(self.quantiles))
            return float(lo), float(hi)
        mean, sd = values.mean(), values.std()
        z = float(self.zscore)
        return float(mean - z * sd), float(mean + z * sd)

    def apply(self, frame: pd.DataFrame, context: KDDContext | None = None) -> StepOutput:
        """Clean ``frame`` with the fill values and fences learned in :meth:`fit`."""
        self._check_fitted()
        ctx = self._context(context)
        frame, changes = self._stateless(frame, ctx)
        frame = frame.copy()
        for col, (lo, hi) in self.bounds_.items():
            if col not in frame.columns:
                continue
            s = frame[col]
            low, high = (s < lo), (s > hi)
            n = int(low.sum() + high.sum())
            if n:
                capped = s.clip(lower=lo, upper=hi)
                frame[col] = capped.astype(s.dtype) if pd.api.types.is_integer_dtype(s) else capped
                changes.append(
                    Change(
                        "capped outliers",
                        n,
                        col,
                        f"to [{_num(lo)}, {_num(hi)}] learned on the training rows",
                    )
                )
        drop_cols = []
        for col in self.numeric_columns_ + self.categorical_columns_:
            if col not in frame.columns:
                continue
            na = frame[col].isna()
            n = int(na.sum())
            if not n:
                continue
            is_num = col in self.numeric_columns_
            rule = self.missing if is_num else self.missing_categorical
            if rule == "drop":
                drop_cols.append(col)
            elif col in self.fill_values_:
                value = self.fill_values_[col]
                s = frame[col]
                if isinstance(s.dtype, pd.CategoricalDtype) and value not in s.cat.categories:
                    s = s.cat.add_categories([value])
                frame[col] = s.fillna(value)
                how = f"with {rule} {_num(value) if is_num else repr(value)}" + (
                    " learned on the training rows" if rule != "constant" else ""
                )
                changes.append(Change("filled missing values", n, col, how))
        if drop_cols:
            na = frame[drop_cols].isna().any(axis=1)
            changes.append(
                Change(
                    "removed rows with missing values",
                    int(na.sum()),
                    ", ".join(drop_cols),
                )
            )
            frame = frame.loc[~na]
        return StepOutput(frame.reset_index(drop=True), tuple(changes))
