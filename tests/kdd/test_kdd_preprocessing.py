"""Preprocessing: every change reported; what it learns comes from the training rows only."""

import numpy as np
import pandas as pd
import pytest

from ecrm_lab.exceptions import DataError, InvalidParameterError, NotFittedError
from ecrm_lab.kdd import KDDContext, Preprocessing, changes_frame


def _report(out):
    return {(c.action, c.column): c.n for c in out.changes}


def test_duplicates_missing_and_outliers_counted_by_hand():
    df = pd.DataFrame(
        {
            "id": [1, 1, 2, 3, 4, 5],
            "x": [1.0, 1.0, 2.0, np.nan, 100.0, 3.0],
            "c": ["a", "a", None, "b", "a", "b"],
        }
    )
    pre = Preprocessing(outliers="iqr", iqr_factor=1.5)
    out = pre.fit(df).apply(df)
    rep = _report(out)
    # one exact duplicate row
    assert rep[("removed duplicate rows", None)] == 1
    # after dedup x = [1, 2, nan, 100, 3]: Q1 = 1.75, Q3 = 27.25 -> upper fence 65.5
    assert pre.bounds_["x"] == pytest.approx((1.75 - 1.5 * 25.5, 27.25 + 1.5 * 25.5))
    assert rep[("capped outliers", "x")] == 1
    # the median of the observed x values [1, 2, 100, 3] is 2.5
    assert pre.fill_values_["x"] == 2.5
    assert rep[("filled missing values", "x")] == 1
    # the mode of c is 'a'
    assert pre.fill_values_["c"] == "a"
    assert rep[("filled missing values", "c")] == 1
    assert out.frame["x"].isna().sum() == 0
    assert len(out.frame) == 5
    table = changes_frame(out.changes)
    assert list(table.columns) == ["action", "column", "n", "detail"]


def test_id_duplicates_and_missing_target():
    df = pd.DataFrame({"id": [1, 1, 2, 3], "x": [1.0, 2.0, 3.0, 4.0], "y": [0, 0, None, 1]})
    ctx = KDDContext(target="y", id_column="id")
    pre = Preprocessing(duplicates="id", outliers=None)
    out = pre.fit(df, ctx).apply(df, ctx)
    rep = _report(out)
    assert rep[("removed repeated ids (kept the first row)", "id")] == 1
    assert rep[("removed rows with a missing target", "y")] == 1
    assert out.frame["id"].tolist() == [1, 3]
    assert out.frame["x"].tolist() == [1.0, 4.0]


def test_target_and_id_are_never_imputed_or_capped():
    df = pd.DataFrame(
        {"id": [1, 2, 3, 1000], "x": [1.0, 2.0, 3.0, 4.0], "y": [1.0, 2.0, 3.0, 500.0]}
    )
    ctx = KDDContext(target="y", id_column="id")
    pre = Preprocessing(outliers="quantile", quantiles=(0.0, 0.5)).fit(df, ctx)
    assert set(pre.bounds_) == {"x"}
    out = pre.transform(df, ctx)
    assert out["y"].tolist() == [1.0, 2.0, 3.0, 500.0]
    assert out["id"].tolist() == [1, 2, 3, 1000]


def test_leakage_guard_statistics_come_from_training_rows_only():
    train = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, np.nan], "c": ["a", "a", "b", None, "b"]})
    holdout = pd.DataFrame({"x": [np.nan, 1e9, -1e9, 5.0], "c": [None, "z", "z", "z"]})
    pre = Preprocessing(outliers="quantile", quantiles=(0.0, 1.0)).fit(train)
    learned = (dict(pre.fill_values_), dict(pre.bounds_))
    out = pre.apply(holdout)
    # fences = min/max of the training rows; fill = training median; holdout changes nothing
    assert pre.bounds_["x"] == (1.0, 4.0)
    assert pre.fill_values_["x"] == 2.5
    assert out.frame["x"].tolist() == [2.5, 4.0, 1.0, 4.0]
    assert out.frame["c"].tolist() == ["a", "z", "z", "z"]  # mode of training c, tie -> 'a'
    assert (dict(pre.fill_values_), dict(pre.bounds_)) == learned
    # fitting on train + holdout would have learned something else: the guard matters
    both = Preprocessing(outliers="quantile", quantiles=(0.0, 1.0)).fit(pd.concat([train, holdout]))
    assert both.bounds_["x"] != pre.bounds_["x"]


def test_integer_columns_keep_their_dtype():
    df = pd.DataFrame({"n": [1, 2, 3, 4, 50]})
    out = Preprocessing(outliers="quantile", quantiles=(0.0, 0.75)).fit_transform(df)
    assert out["n"].dtype == np.int64
    assert out["n"].tolist() == [1, 2, 3, 4, 4]


def test_drop_strategy_and_constant_fill():
    df = pd.DataFrame({"x": [1.0, np.nan, 3.0], "c": ["a", "b", None]})
    out = (
        Preprocessing(missing="drop", missing_categorical="constant", outliers=None)
        .fit(df)
        .apply(df)
    )
    rep = _report(out)
    assert rep[("removed rows with missing values", "x")] == 1
    assert rep[("filled missing values", "c")] == 1
    assert out.frame["c"].tolist() == ["a", "missing"]


def test_errors():
    with pytest.raises(
        InvalidParameterError, match="'missing' parameter of Preprocessing must be one of"
    ):
        Preprocessing(missing="average")
    with pytest.raises(InvalidParameterError, match="'quantiles' parameter"):
        Preprocessing(quantiles=(0.9, 0.1))
    with pytest.raises(NotFittedError, match="not fitted"):
        Preprocessing().transform(pd.DataFrame({"x": [1.0]}))
    with pytest.raises(DataError, match="column 'x' has no values in the training rows"):
        Preprocessing().fit(pd.DataFrame({"x": [np.nan, np.nan]}))
    with pytest.raises(DataError, match="needs an id column"):
        Preprocessing(duplicates="id").fit(pd.DataFrame({"x": [1.0]}))
