from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from ecrm_lab.exceptions import DataError, InvalidParameterError  # noqa: E402
from ecrm_lab.mining import (  # noqa: E402
    behaviour_change,
    detect_anomalies,
    isolation_forest,
    precision_recall_at_k,
    robust_zscores,
)
from ecrm_lab.mining.deviation import MAD_TO_SD, MEANAD_TO_SD  # noqa: E402


def test_precision_recall_at_k_by_hand():
    t = precision_recall_at_k(
        ["a", "b", "c", "d", "e"], [5, 4, 3, 2, 1], ["b", "e", "z"], [1, 2, 5, 10]
    )
    assert t["hits"].tolist() == [0, 1, 2, 2]
    assert t["precision"].tolist() == [0.0, 0.5, 0.4, 0.2]
    assert t["recall"].tolist() == pytest.approx([0, 1 / 3, 2 / 3, 2 / 3])
    # ties keep input order
    t = precision_recall_at_k([1, 2, 3], [1.0, 1.0, 1.0], [2], 1)
    assert t["hits"].tolist() == [0]
    with pytest.raises(DataError, match="2 ids but 3 scores"):
        precision_recall_at_k([1, 2], [1, 2, 3], [1], 1)


def test_robust_z_by_hand():
    tx = pd.DataFrame({"tid": range(101, 107), "c": ["x"] * 6, "amt": [10, 10, 12, 11, 9, 100]})
    res = robust_zscores(tx, customer="c", amount="amt", id_col="tid")
    # median 10.5; absolute deviations 0.5 0.5 1.5 0.5 1.5 89.5 -> MAD 1.0
    top = res.table.iloc[0]
    assert top["id"] == 106 and top["rank"] == 1
    assert top["median"] == 10.5
    assert top["scale"] == pytest.approx(MAD_TO_SD)
    assert top["z"] == pytest.approx(89.5 / MAD_TO_SD)
    assert res.table.set_index("id").loc[105, "z"] == pytest.approx(-1.5 / MAD_TO_SD)
    up = robust_zscores(tx, customer="c", amount="amt", side="lower")
    assert up.table.iloc[0]["position"] == 4  # the 9 is the most unusually small amount


def test_robust_z_per_customer_not_global():
    # 500 is ordinary for customer b but extreme for customer a
    tx = pd.DataFrame({
        "c": ["a"] * 6 + ["b"] * 6,
        "amt": [10, 11, 9, 10, 12, 500, 480, 500, 520, 490, 510, 505],
    })  # fmt: skip
    res = robust_zscores(tx, customer="c", amount="amt")
    assert res.table.iloc[0]["position"] == 5
    assert res.table.set_index("position").loc[7, "score"] < 3


def test_robust_z_fallbacks():
    # MAD 0 (most amounts equal) -> mean absolute deviation; short history -> all transactions
    tx = pd.DataFrame({"c": ["a"] * 5 + ["b"] * 2, "amt": [10, 10, 10, 10, 20, 7, 9]})
    res = robust_zscores(tx, customer="c", amount="amt", min_history=5)
    t = res.table.set_index("position")
    assert t.loc[4, "scale"] == pytest.approx(np.mean([0, 0, 0, 0, 10]) * MEANAD_TO_SD)
    all_amt = tx["amt"].to_numpy(float)
    assert t.loc[5, "median"] == np.median(all_amt)
    assert "fewer than 5 transactions" in res.notes[0]


def test_robust_z_bad_input():
    with pytest.raises(DataError, match="column 'amt' must be numeric"):
        robust_zscores(pd.DataFrame({"c": [1], "amt": ["x"]}), customer="c", amount="amt")
    with pytest.raises(InvalidParameterError, match="'side' parameter"):
        robust_zscores(pd.DataFrame({"c": [1], "amt": [1.0]}), customer="c", amount="amt",
                       side="up")  # fmt: skip


@pytest.fixture(scope="module")
def outlier_table():
    rng = np.random.default_rng(7)
    n = 2000
    df = pd.DataFrame({
        "id": np.arange(n) + 1,
        "amount": rng.normal(50, 10, n),
        "items": rng.poisson(3, n).astype(float),
        "channel": rng.choice(["web", "store"], n),
    })  # fmt: skip
    planted = rng.choice(n, 20, replace=False)
    df.loc[planted, "amount"] = rng.normal(400, 50, 20)
    df.loc[planted, "items"] = 30.0
    return df, df["id"].to_numpy()[planted]


def test_isolation_forest_finds_planted_outliers(outlier_table):
    df, planted = outlier_table
    res = isolation_forest(df, id_col="id", random_state=0)
    assert res.method == "isolation_forest" and "id" not in res.columns
    s = res.precision_recall_at_k(planted, k=[20, 40])
    assert s["precision@20"] >= 0.9
    assert s["recall@40"] == 1.0
    assert res.table["rank"].tolist()[:3] == [1, 2, 3]
    again = isolation_forest(df, id_col="id", random_state=0)
    pd.testing.assert_frame_equal(again.table, res.table)


def test_detect_anomalies_picks_the_method(outlier_table):
    df, planted = outlier_table
    df = df.assign(customer=np.arange(len(df)) % 50)
    assert detect_anomalies(df, id_col="id").method == "isolation_forest"
    res = detect_anomalies(df, id_col="id", customer="customer", amount="amount")
    assert res.method == "robust_z"
    assert res.precision_recall_at_k(planted, 20)["precision@20"] == 1.0
    with pytest.raises(DataError, match="needs a customer and an amount"):
        detect_anomalies(df, method="robust_z")
    iso = detect_anomalies(df, method="isolation_forest", customer="customer", amount="amount")
    assert "customer" not in iso.columns and "amount" in iso.columns


def make_log(seed: int = 0):
    """200 customers buying weekly for a year; 20 stop in the last 90 days, 20 halve spend."""
    rng = np.random.default_rng(seed)
    days = np.arange(0, 365, 7)
    rows = []
    stop = set(range(20))
    for c in range(200):
        amount = rng.gamma(4, 10)
        keep = rng.random(len(days)) < 0.9
        for d, k in zip(days, keep, strict=True):
            if not k or (c in stop and d >= 275):
                continue
            rows.append((c, d, amount * (0.5 if 20 <= c < 40 and d >= 275 else 1.0)))
    df = pd.DataFrame(rows, columns=["customer", "day", "amount"])
    df["date"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(df["day"], "D")
    return df, sorted(stop)


def test_behaviour_change_flags_customers_who_stopped():
    log, stopped = make_log()
    res = behaviour_change(log, customer="customer", date="date", amount="amount",
                           as_of="2024-12-31", baseline_days=180, recent_days=90)  # fmt: skip
    assert set(res.warnings["customer"]) == set(stopped)
    s = res.precision_recall_at_k(stopped, k=[20])
    assert s["precision@20"] == 1.0 and s["recall@20"] == 1.0
    t = res.table.set_index("customer")
    assert t.loc[0, "recent_count"] == 0 and t.loc[0, "drop_share"] == 1.0
    # halving spend at the same frequency is not a significant drop in transactions
    assert not t.loc[25, "warning"]
    assert t.loc[25, "spend_ratio"] == pytest.approx(0.5, abs=0.15)
    assert res.summary().set_index("metric").loc["warnings", "value"] == 20


def test_behaviour_change_expected_values_by_hand():
    # 6 purchases of 10 in a 60-day baseline, 1 in the 30-day recent window
    dates = ["2024-01-05", "2024-01-15", "2024-01-25", "2024-02-04", "2024-02-14",
             "2024-02-24", "2024-03-10"]  # fmt: skip
    log = pd.DataFrame({"c": 1, "d": dates, "a": 10.0})
    res = behaviour_change(log, customer="c", date="d", amount="a", as_of="2024-03-31",
                           baseline_days=60, recent_days=30, alpha=0.5)  # fmt: skip
    row = res.table.iloc[0]
    assert (row["baseline_count"], row["recent_count"]) == (6, 1)
    assert row["expected_count"] == 3.0 and row["expected_spend"] == 30.0
    assert row["spend_ratio"] == pytest.approx(1 / 3)
    assert row["p_value"] == pytest.approx(np.exp(-3) * (1 + 3))  # P(Poisson(3) <= 1)
    assert bool(row["warning"])


def test_behaviour_change_skips_customers_without_a_baseline():
    log = pd.DataFrame({"c": [1, 2], "d": ["2024-03-01", "2024-03-02"], "a": [5.0, 6.0]})
    res = behaviour_change(log, customer="c", date="d", amount="a")
    assert len(res.table) == 0 and "not assessed" in res.notes[0]


def test_deviation_plots(outlier_table):
    df, _ = outlier_table
    log, _ = make_log(1)
    for ax in (isolation_forest(df, id_col="id").plot(),
               behaviour_change(log, customer="customer", date="date", amount="amount").plot()):  # fmt: skip
        assert ax.has_data()
        plt.close(ax.figure)
