from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ecrm_lab.exceptions import DataError, NotFittedError
from ecrm_lab.mining import TablePrep
from ecrm_lab.mining._common import (
    align_truth,
    frame_records,
    jsonable,
    make_preprocessor,
    sklearn_seeds,
)


def messy() -> pd.DataFrame:
    n = 40
    return pd.DataFrame(
        {
            "customer_id": np.arange(n),
            "age": np.where(np.arange(n) % 7 == 0, np.nan, np.arange(n) + 20.0),
            "region": (["n", "s", None, "e"] * 10),
            "joined": pd.date_range("2023-03-01", periods=n, freq="D").strftime("%Y-%m-%d"),
            "paid": pd.date_range("2023-01-01", periods=n, freq="D"),
            "email": [f"u{i}@x.org" for i in range(n)],
            "plan": "basic",
            "empty": np.nan,
            "amount_text": [f"{1000 + i:,}" for i in range(n)],
            "vip": [True, False] * 20,
            "counter": np.arange(n) * 3,  # unique integers but not an id by name
        }
    )


def test_table_prep_decisions():
    prep = TablePrep(exclude=["customer_id"]).fit(messy())
    assert prep.categorical_ == ["region"]
    assert set(prep.numeric_) == {"age", "joined", "paid", "amount_text", "vip", "counter"}
    assert prep.dropped_ == {
        "email": "identifier or free text (almost every value distinct)",
        "plan": "constant (one value)",
        "empty": "all values missing",
    }
    assert prep.dates_["joined"] == pd.Timestamp("2023-03-01")
    assert any("numbers stored as text" in n for n in prep.notes_)


def test_table_prep_transform_is_model_ready():
    df = messy()
    X = TablePrep(exclude=["customer_id"]).fit_transform(df)
    assert X["joined"].tolist()[:3] == [0.0, 1.0, 2.0]  # days since the first date
    assert X["amount_text"].iloc[1] == 1001.0
    assert X["vip"].dtype == np.float64
    assert X["region"].dtype == object and X["region"].isna().sum() == 10
    assert np.isnan(X["age"].iloc[0])
    # the same preprocessing fits any model: no NaN, all numbers
    Z = make_preprocessor(["age", "joined"], ["region"]).fit_transform(X)
    assert np.isfinite(Z).all() and Z.shape[0] == 40


def test_table_prep_drops_id_like_integers_by_name():
    df = pd.DataFrame({"order_id": np.arange(30), "qty": np.arange(30) % 4, "y": 1})
    prep = TablePrep(exclude=["y"]).fit(df)
    assert "order_id" in prep.dropped_ and prep.numeric_ == ["qty"]


def test_table_prep_errors():
    with pytest.raises(NotFittedError):
        TablePrep().transform(messy())
    with pytest.raises(DataError, match="no usable feature columns left: 'plan' constant"):
        TablePrep(exclude=["customer_id"]).fit(messy()[["customer_id", "plan"]])
    prep = TablePrep(exclude=["customer_id"]).fit(messy())
    with pytest.raises(DataError, match="column 'age' not found"):
        prep.transform(messy().drop(columns="age"))


def test_sklearn_seeds_are_reproducible_and_distinct():
    a = sklearn_seeds(5, 4, "t")
    assert a == sklearn_seeds(5, 4, "t") and len(set(a)) == 4
    assert a != sklearn_seeds(6, 4, "t")
    assert sklearn_seeds(np.random.default_rng(5), 4, "t") == a


def test_jsonable_makes_valid_json():
    obj = {"a": np.float64("inf"), "b": [np.int64(3), np.nan], "c": frozenset({"y", "x"}),
           "d": pd.Timestamp("2024-01-02"), "e": np.bool_(True)}  # fmt: skip
    out = json.loads(json.dumps(jsonable(obj), allow_nan=False))
    assert out == {
        "a": None,
        "b": [3, None],
        "c": ["x", "y"],
        "d": "2024-01-02T00:00:00",
        "e": True,
    }
    recs = frame_records(pd.DataFrame({"x": [1 / 3, np.inf], "s": ["a", None]}), digits=3)
    assert recs == [{"x": 0.333, "s": "a"}, {"x": None, "s": None}]


def test_align_truth():
    truth = np.array([10, 11, 12, 13])
    assert align_truth(truth, 4, None, np.array([1, 3]), "t").tolist() == [11, 13]
    assert align_truth(truth[[1, 3]], 4, None, np.array([1, 3]), "t").tolist() == [11, 13]
    by_id = pd.Series([1.0, 2.0, 3.0], index=["a", "b", "c"])
    got = align_truth(by_id, 3, np.array(["c", "a"], dtype=object), np.array([2, 0]), "t")
    assert got.tolist() == [3.0, 1.0]
    with pytest.raises(DataError, match="no value for 1 of the scored ids"):
        align_truth(by_id, 3, np.array(["z"], dtype=object), np.array([0]), "t")
    with pytest.raises(DataError, match="has 2 values"):
        align_truth([1, 2], 4, None, None, "t")


def test_table_prep_drops_float_ids_and_handles_time_zones():
    df = pd.DataFrame(
        {
            "CustomerID": [1.0, 2.0, np.nan, 4.0],
            "score": [1.0, 2.0, 2.0, 4.0],
            "ts": pd.date_range("2024-01-01", periods=4, tz="UTC"),
        }
    )
    prep = TablePrep().fit(df)
    assert "CustomerID" in prep.dropped_
    assert prep.transform(df)["ts"].tolist() == [0.0, 1.0, 2.0, 3.0]
