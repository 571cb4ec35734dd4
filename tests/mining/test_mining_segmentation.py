from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from ecrm_lab.exceptions import DataError, InvalidParameterError  # noqa: E402
from ecrm_lab.mining import RFM_SEGMENTS, adjusted_rand, kmeans_segments, rfm  # noqa: E402
from ecrm_lab.mining.segmentation import RFM_GRID  # noqa: E402

LOG = pd.DataFrame(
    {
        "c": [1, 1, 1, 2, 3, 3, 4, 5],
        "d": ["2024-01-01", "2024-03-01", "2024-03-30", "2023-06-01", "2024-02-01",
              "2024-03-20", "2024-03-31", "2023-01-01"],
        "a": [10, 20, 30, 5, 50, 50, 8, 2],
    }
)  # fmt: skip


def test_rfm_by_hand():
    r = rfm(LOG, customer="c", date="d", amount="a")
    t = r.table.set_index("customer")
    assert r.as_of == pd.Timestamp("2024-04-01")  # the day after the last transaction
    assert t["recency_days"].tolist() == [2.0, 305.0, 12.0, 1.0, 456.0]
    assert t["frequency"].tolist() == [3, 1, 2, 1, 1]
    assert t["monetary"].tolist() == [60.0, 5.0, 100.0, 8.0, 2.0]
    # five customers: each rank is its own quintile, ties (frequency 1 x3) share a score
    assert t["R"].tolist() == [4, 2, 3, 5, 1]
    assert t["F"].tolist() == [5, 2, 4, 2, 2]
    assert t["M"].tolist() == [4, 2, 5, 3, 1]
    assert t.loc[1, "rfm_cell"] == "454" and t.loc[1, "rfm_score"] == 13
    assert t["segment"].astype(str).tolist() == [
        "loyal", "hibernating", "loyal", "potential_loyalist", "hibernating"]  # fmt: skip
    s = r.summary().set_index("segment")
    assert s.loc["loyal", "n_customers"] == 2
    assert s["revenue_share"].sum() == pytest.approx(1.0)
    assert r.sizes.sum() == 5


def test_rfm_as_of_leaves_later_transactions_out():
    r = rfm(LOG, customer="c", date="d", amount="a", as_of="2024-03-15")
    t = r.table.set_index("customer")
    assert 4 not in t.index  # only bought on 2024-03-31
    assert t.loc[1, "frequency"] == 2 and t.loc[1, "recency_days"] == 14.0
    assert "on or after as_of" in r.notes[0]


def test_rfm_scores_are_quintiles_on_a_large_log():
    rng = np.random.default_rng(0)
    n = 5000
    tx = pd.DataFrame({
        "c": rng.integers(0, 1000, n),
        "d": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n), "D"),
        "a": rng.gamma(2, 30, n),
    })  # fmt: skip
    r = rfm(tx, customer="c", date="d", amount="a")
    counts = r.table["M"].value_counts().sort_index()
    assert len(counts) == 5 and counts.max() - counts.min() <= 1  # no ties in spend
    assert set(r.table["segment"].astype(str)) <= set(RFM_SEGMENTS)
    # more recent customers never get a lower R score
    t = r.table.sort_values("recency_days")
    assert np.all(np.diff(t["R"].to_numpy()) <= 0)


def test_rfm_grid_names_every_cell():
    names = {name for row in RFM_GRID for name in row}
    assert names == set(RFM_SEGMENTS)
    assert RFM_GRID[4][4] == "champions" and RFM_GRID[0][0] == "hibernating"
    assert RFM_GRID[4][0] == "new" and RFM_GRID[0][4] == "cant_lose"


def test_rfm_bad_input():
    with pytest.raises(DataError, match="column 'a' must be numeric"):
        rfm(LOG.assign(a="x"), customer="c", date="d", amount="a")
    with pytest.raises(DataError, match="column 'd' holds 1 values that are not dates"):
        rfm(LOG.assign(d=["2024-01-01"] * 7 + ["later"]), customer="c", date="d", amount="a")
    with pytest.raises(DataError, match="column 'cust' not found"):
        rfm(LOG, customer="cust", date="d", amount="a")


@pytest.fixture(scope="module")
def seg(blobs):
    df, _ = blobs
    return kmeans_segments(df, id_col="customer_id", random_state=0)


def test_kmeans_finds_the_three_groups(seg, blobs):
    df, truth = blobs
    assert seg.k == 3
    assert seg.scores["k"].tolist() == list(range(2, 9))
    assert seg.silhouette == seg.scores["silhouette"].max()
    assert seg.sizes.tolist() == [300, 200, 100]  # numbered by size
    score = seg.adjusted_rand(truth)
    assert score["adjusted_rand"] == pytest.approx(1.0)
    by_id = seg.adjusted_rand(pd.Series(truth, index=df["customer_id"].to_numpy()))
    assert by_id.metrics == score.metrics


def test_kmeans_profiles(seg):
    p = seg.profiles.set_index("segment")
    assert p["n"].tolist() == [300, 200, 100]
    assert p["share"].sum() == pytest.approx(1.0)
    assert p.loc[0, "x1"] == pytest.approx(0, abs=0.3)  # the 300-customer group sits at 0
    assert p.loc[1, "x2"] == pytest.approx(8, abs=0.3)
    assert seg.standardized_profiles.shape == (3, 3)
    assert seg.features == ("x1", "x2", "x3")


def test_kmeans_on_samples_and_determinism(blobs, seg):
    df, truth = blobs
    small = kmeans_segments(df, id_col="customer_id", fit_size=150, sample_size=120,
                            random_state=0)  # fmt: skip
    assert small.k == 3
    assert small.adjusted_rand(truth)["adjusted_rand"] > 0.95
    again = kmeans_segments(df, id_col="customer_id", random_state=0)
    np.testing.assert_array_equal(again.labels, seg.labels)
    np.testing.assert_array_equal(seg.predict(df.head(10)), seg.labels[:10])


def test_kmeans_fixed_k_and_categorical_features(blobs):
    df, _ = blobs
    df = df.assign(channel=np.where(df["x1"] > 4, "web", "store"))
    res = kmeans_segments(df, id_col="customer_id", k=4, random_state=1)
    assert res.k == 4 and len(res.scores) == 1
    assert "channel" in res.profiles.columns
    assert set(res.profiles["channel"]) <= {"web", "store"}


def test_kmeans_log_transforms_skewed_spend():
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"spend": rng.lognormal(3, 1.5, 400), "visits": rng.normal(10, 2, 400)})
    res = kmeans_segments(df, k=2, random_state=0)
    assert any("log-transformed skewed columns: spend" in n for n in res.notes)


def test_kmeans_bad_input(blobs):
    df, _ = blobs
    with pytest.raises(InvalidParameterError, match="'k' parameter of segment"):
        kmeans_segments(df, k=1)
    with pytest.raises(DataError, match="k_min .* is larger than k_max"):
        kmeans_segments(df, k_min=5, k_max=3)
    with pytest.raises(DataError, match="too few"):
        kmeans_segments(df.head(3), id_col="customer_id", k=4)
    with pytest.raises(DataError, match="no usable feature columns"):
        kmeans_segments(pd.DataFrame({"id": range(30), "const": 1}), id_col="id")


def test_adjusted_rand_hand_example():
    assert adjusted_rand([0, 0, 1, 1], ["a", "a", "b", "b"])["adjusted_rand"] == 1.0
    s = adjusted_rand([0, 0, 0, 0], ["a", "a", "b", "b"])
    assert s["adjusted_rand"] == 0.0 and s.detail.shape == (1, 2)


def test_segmentation_plots(seg):
    r = rfm(LOG, customer="c", date="d", amount="a")
    axes = [seg.plot(), seg.plot(kind="silhouette"), seg.plot(kind="sizes"), r.plot(),
            r.plot(kind="grid"), seg.adjusted_rand(seg.labels).plot()]  # fmt: skip
    for ax in axes:
        assert ax.has_data() or ax.images
        plt.close(ax.figure)
