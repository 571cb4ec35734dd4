"""Transformation: RFM windows, aggregates, one-hot and scaling on tiny known fixtures."""

import numpy as np
import pandas as pd
import pytest

from ecrm_lab.exceptions import DataError, InvalidParameterError
from ecrm_lab.kdd import Aggregate, KDDContext, OneHot, RFMWindows, Scale, Transformation


@pytest.fixture
def ctx():
    log = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 2, 2, 3, 1],
            "date": pd.to_datetime(
                [
                    "2024-06-21",
                    "2024-03-01",
                    "2023-08-01",
                    "2024-05-31",
                    "2024-06-30",
                    "2024-07-01",
                    "2024-08-01",
                ]
            ),
            "amount": [10.0, 20.0, 40.0, 5.0, 5.0, 99.0, 1000.0],
        }
    )
    return KDDContext(id_column="customer_id", tables={"transactions": log})


def test_rfm_windows_by_hand(ctx):
    frame = pd.DataFrame({"customer_id": [1, 2, 3, 4]})
    rfm = RFMWindows(as_of="2024-07-01", windows=(30, 365))
    out = rfm.fit(frame, ctx).apply(frame, ctx)
    f = out.frame.set_index("customer_id")
    # customer 1: events 10 days (Jun 21), 122 days (Mar 1), 335 days (Aug 1) before as_of
    assert f.loc[1, "rfm_recency_days"] == 10
    assert f.loc[1, "rfm_frequency_30d"] == 1 and f.loc[1, "rfm_monetary_30d"] == 10.0
    assert f.loc[1, "rfm_frequency_365d"] == 3 and f.loc[1, "rfm_monetary_365d"] == 70.0
    # customer 2: 31 days and 1 day before
    assert f.loc[2, "rfm_recency_days"] == 1
    assert f.loc[2, "rfm_frequency_30d"] == 1 and f.loc[2, "rfm_frequency_365d"] == 2
    # customer 3 bought on as_of itself (not before it) and 4 never: no events
    assert f.loc[3, "rfm_frequency_365d"] == 0 and f.loc[4, "rfm_monetary_365d"] == 0.0
    # recency fill = max(largest training recency 10, largest window 365) + 1
    assert f.loc[3, "rfm_recency_days"] == 366
    actions = {c.action: c.n for c in out.changes}
    # the look-ahead guard: customer 3's as_of purchase and customer 1's August purchase
    assert actions["ignored log rows dated on or after as_of (no look-ahead)"] == 2


def test_rfm_scores_use_training_quantiles(ctx):
    train = pd.DataFrame({"customer_id": [1, 2]})
    rfm = RFMWindows(as_of="2024-07-01", windows=(365,), scores=2).fit(train, ctx)
    # 2 classes -> one edge each, at the training median
    assert rfm.edges_["m"].tolist() == [40.0]  # median of monetary [70, 10]
    out = rfm.transform(pd.DataFrame({"customer_id": [1, 2, 4]}), ctx)
    assert out["rfm_m_score"].tolist() == [2, 1, 1]
    assert out["rfm_r_score"].tolist() == [1, 2, 1]  # recency 10 vs 1: the more recent scores 2


def test_point_in_time_features_for_event_rows(ctx):
    """Several rows per customer, each with its own as-of date: no row sees its own future."""
    frame = pd.DataFrame(
        {
            "customer_id": [1, 1, 2],
            "contacted_at": pd.to_datetime(["2024-03-02", "2024-07-01", "2024-06-01"]),
        }
    )
    out = RFMWindows(as_of="contacted_at", windows=(365,)).fit(frame, ctx).apply(frame, ctx)
    f = out.frame
    # customer 1 on 2024-03-02 has seen the purchases of 2023-08-01 and 2024-03-01
    assert f["rfm_frequency_365d"].tolist() == [2, 3, 1]
    assert f["rfm_monetary_365d"].tolist() == [60.0, 70.0, 5.0]
    assert f["rfm_recency_days"].tolist() == [1, 10, 1]
    ignored = {c.action: c.n for c in out.changes}[
        "ignored log rows dated on or after as_of (no look-ahead)"
    ]
    # row 1 must not see Jun 21 and Aug 1; row 2 not Aug 1; row 3 (customer 2) not Jun 30
    assert ignored == 2 + 1 + 1
    agg = Aggregate("transactions", {"n": ("amount", "count")}, date="date", as_of="contacted_at")
    assert agg.fit(frame, ctx).transform(frame, ctx)["n"].tolist() == [2, 3, 1]


def test_aggregate_with_as_of_and_fill(ctx):
    frame = pd.DataFrame({"customer_id": [2, 1, 4]})
    agg = Aggregate(
        "transactions",
        {"n_tx": ("amount", "count"), "avg_tx": ("amount", "mean")},
        date="date",
        as_of="2024-07-01",
    )
    out = agg.fit(frame, ctx).apply(frame, ctx)
    assert out.frame["n_tx"].tolist() == [2, 3, 0]
    assert out.frame["avg_tx"].tolist() == [5.0, pytest.approx(70 / 3), 0.0]
    actions = {c.action: c.n for c in out.changes}
    assert actions["rows without side-table rows (set to 0)"] == 1


def test_onehot_learns_categories_on_train_and_counts_unseen():
    train = pd.DataFrame({"tier": ["low", "high", "low"], "x": [1, 2, 3]})
    oh = OneHot().fit(train)
    assert oh.categories_ == {"tier": ["high", "low"]}
    out = oh.apply(pd.DataFrame({"tier": ["low", "top", None], "x": [1, 2, 3]}))
    assert out.frame.columns.tolist() == ["x", "tier=high", "tier=low"]
    assert out.frame["tier=low"].tolist() == [1, 0, 0]
    actions = {c.action: c.n for c in out.changes}
    assert actions["values of categories unseen in training (all zeros)"] == 1


def test_scale_uses_training_statistics_and_leaves_indicators():
    train = pd.DataFrame({"x": [1.0, 3.0], "flag": [0, 1]})
    sc = Scale().fit(train)
    assert sc.center_ == {"x": 2.0} and sc.scale_ == {"x": 1.0}
    out = sc.transform(pd.DataFrame({"x": [5.0], "flag": [1]}))
    assert out["x"].tolist() == [3.0] and out["flag"].tolist() == [1]
    mm = Scale(method="minmax").fit(train)
    assert mm.transform(pd.DataFrame({"x": [2.0], "flag": [0]}))["x"].tolist() == [0.5]


def test_transformation_chains_and_fits_each_on_transformed_rows(ctx):
    frame = pd.DataFrame({"customer_id": [1, 2], "tier": ["a", "b"]})
    t = Transformation([RFMWindows(as_of="2024-07-01", windows=(365,)), OneHot(), Scale()])
    out = t.fit(frame, ctx).transform(frame, ctx)
    assert "tier=a" in out.columns
    assert out["rfm_monetary_365d"].mean() == pytest.approx(0.0)
    # the fitted copies live in operations_; the given operations are untouched
    assert not hasattr(t.operations[0], "recency_fill_")
    assert hasattr(t.operations_[0], "recency_fill_")


def test_errors(ctx):
    with pytest.raises(InvalidParameterError, match="'windows' parameter of RFMWindows"):
        RFMWindows(as_of="2024-01-01", windows=(0,))
    with pytest.raises(InvalidParameterError, match="'as_of' parameter of RFMWindows"):
        RFMWindows(as_of=12.5)
    with pytest.raises(DataError, match="column 'contact_date' not found"):
        RFMWindows(as_of="contact_date").fit(pd.DataFrame({"customer_id": [1]}), ctx)
    with pytest.raises(InvalidParameterError, match="'aggregations' parameter of Aggregate"):
        Aggregate("transactions", {"n": ("amount", "mode")})
    with pytest.raises(InvalidParameterError, match="'method' parameter of Scale"):
        Scale(method="zscore")
    with pytest.raises(InvalidParameterError, match="'operations' parameter of Transformation"):
        Transformation([Scale(), "x"])
    with pytest.raises(DataError, match="side table 'orders' is not available"):
        RFMWindows("orders", as_of="2024-01-01").fit(pd.DataFrame({"customer_id": [1]}), ctx)
    with pytest.raises(DataError, match="no key"):
        RFMWindows(as_of="2024-01-01").fit(
            pd.DataFrame({"customer_id": [1]}), KDDContext(tables=ctx.tables)
        )
    assert np.isfinite(Scale().fit(pd.DataFrame({"x": [2.0, 2.0, 2.0]})).scale_["x"])
