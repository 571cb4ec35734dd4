"""KDDProcess: order of steps, the ledger, reproducibility and the leakage guard."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.ensemble import IsolationForest
from sklearn.linear_model import LinearRegression, LogisticRegression

from ecrm_lab.exceptions import DataError, InvalidParameterError
from ecrm_lab.kdd import (
    LEDGER_COLUMNS,
    Interpretation,
    KDDProcess,
    Mining,
    OneHot,
    Preprocessing,
    RFMWindows,
    Scale,
    Selection,
    Transformation,
    holdout_split,
)


def _world(n=300, seed=0):
    rng = np.random.default_rng(seed)
    age = rng.normal(45, 12, n)
    customers = pd.DataFrame(
        {
            "customer_id": np.arange(1, n + 1),
            "age": age,
            "income": rng.lognormal(10, 0.5, n),
            "tier": rng.choice(["low", "mid", "high"], n),
        }
    )
    p = 1 / (1 + np.exp(-(age - 45) / 6))
    customers["took_up"] = (rng.random(n) < p).astype(int)
    customers.loc[rng.choice(n, 20, replace=False), "income"] = np.nan
    tx = pd.DataFrame(
        {
            "customer_id": rng.integers(1, n + 1, 3000),
            "date": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 700, 3000), "D"),
            "amount": rng.gamma(2.0, 30.0, 3000),
        }
    )
    truth = pd.DataFrame({"customer_id": customers["customer_id"], "propensity": p})
    return {"customers": customers, "transactions": tx}, truth


def _process(seed=0):
    return KDDProcess(
        [
            Selection(
                "SELECT * FROM customers ORDER BY customer_id",
                tables={"transactions": "transactions"},
            ),
            Preprocessing(outliers="quantile", quantiles=(0.02, 0.98)),
            Transformation([RFMWindows(as_of="2024-06-01", windows=(90, 365)), OneHot(), Scale()]),
            Mining(LogisticRegression(max_iter=1000)),
            Interpretation(),
        ]
    )


@pytest.fixture(scope="module")
def run():
    data, truth = _world()
    return _process().run(
        data, target="took_up", id_column="customer_id", truth=truth, random_state=3
    )


def test_ledger_has_one_row_per_step_in_kdd_order(run):
    ledger = run.ledger
    assert list(ledger.columns) == list(LEDGER_COLUMNS)
    assert ledger["stage"].tolist() == [
        "selection",
        "split",
        "preprocessing",
        "transformation",
        "mining",
        "interpretation",
    ]
    assert ledger["level"].tolist() == [
        "data",
        "data",
        "data",
        "information",
        "information",
        "knowledge",
    ]
    # rows: 300 selected, split 210 / 90, mining predicts the 90 holdout rows
    assert ledger["rows_out"].tolist()[:3] == [300, 300, 300]
    assert ledger.loc[ledger["stage"] == "mining", "rows_out"].item() == 90
    assert ledger.loc[ledger["stage"] == "preprocessing", "learned_from"].item() == 210
    assert ledger["checksum"].str.len().eq(16).all()
    assert (ledger["seconds"] >= 0).all()
    assert "seconds" not in run.summary().columns


def test_changes_are_reported_per_part(run):
    ch = run.changes
    filled = ch[(ch["stage"] == "preprocessing") & (ch["action"] == "filled missing values")]
    # the 20 planted missing incomes are filled, split across train and holdout
    assert filled["n"].sum() == 20
    assert set(filled["part"]) <= {"train", "holdout"}


def test_same_inputs_reproduce_the_same_ledger_except_time():
    data, truth = _world()
    a = _process().run(data, target="took_up", id_column="customer_id", truth=truth, random_state=3)
    b = _process().run(data, target="took_up", id_column="customer_id", truth=truth, random_state=3)
    pd.testing.assert_frame_equal(a.summary(), b.summary())
    assert a.fingerprint == b.fingerprint
    c = _process().run(data, target="took_up", id_column="customer_id", truth=truth, random_state=4)
    assert c.ledger["checksum"].iloc[1] != a.ledger["checksum"].iloc[1]
    assert c.ledger["checksum"].iloc[0] == a.ledger["checksum"].iloc[0]  # same selection


def test_leakage_guard_holdout_rows_never_influence_what_is_learned():
    """Wreck every holdout feature value: everything learned on the training rows is unchanged."""
    data, truth = _world()
    clean = _process().run(data, target="took_up", id_column="customer_id", random_state=3)
    holdout_ids = clean.predictions["customer_id"].to_numpy()
    wrecked = {k: v.copy() for k, v in data.items()}
    c = wrecked["customers"]
    hit = c["customer_id"].isin(holdout_ids)
    c.loc[hit, "age"] = 1e6
    c.loc[hit, "income"] = np.nan
    c.loc[hit, "tier"] = "never_seen"
    t = wrecked["transactions"]
    t.loc[t["customer_id"].isin(holdout_ids), "amount"] = 1e9
    dirty = _process().run(wrecked, target="took_up", id_column="customer_id", random_state=3)

    assert np.array_equal(np.sort(dirty.predictions["customer_id"]), np.sort(holdout_ids))
    pre_a, pre_b = clean.step("preprocessing"), dirty.step("preprocessing")
    assert pre_a.fill_values_ == pre_b.fill_values_
    assert pre_a.bounds_ == pre_b.bounds_
    tr_a, tr_b = clean.step("transformation"), dirty.step("transformation")
    assert tr_a.operations_[0].recency_fill_ == tr_b.operations_[0].recency_fill_
    assert tr_a.operations_[1].categories_ == tr_b.operations_[1].categories_
    assert tr_a.operations_[2].center_ == tr_b.operations_[2].center_
    assert tr_a.operations_[2].scale_ == tr_b.operations_[2].scale_
    np.testing.assert_array_equal(
        clean.step("mining").model_.coef_, dirty.step("mining").model_.coef_
    )
    pd.testing.assert_frame_equal(clean.train, dirty.train)
    # the holdout itself did change (so the test could have failed)
    assert not clean.holdout.equals(dirty.holdout)
    # and the wrecked holdout ages are capped to the training fence, not learned from
    assert dirty.step("preprocessing").bounds_["age"][1] < 1e6


def test_interpretation_scores_against_truth(run):
    ev = run.evaluation
    assert ev.metric("roc_auc") > 0.6
    assert ev.metric("spearman_with_truth") > 0.8
    assert ev.metric("oracle_gap") == pytest.approx(ev.metric("oracle_auc") - ev.metric("roc_auc"))
    assert ev.gains["n"].sum() == 90
    assert len(run.findings) == 4
    assert "ROC AUC" in run.findings[0]
    assert "planted truth" in run.findings[2]


def test_plots_return_axes(run):
    ax = run.plot()
    assert len(ax.patches) >= 6
    ax2 = run.evaluation.plot()
    assert ax2.get_legend() is not None
    matplotlib.pyplot.close("all")


def test_holdout_split_is_stratified_grouped_and_order_free():
    df = pd.DataFrame({"id": [1, 1, 2, 3, 4, 5, 6, 7, 8, 9], "y": [1, 1, 0, 0, 1, 0, 1, 0, 1, 0]})
    mask = holdout_split(df, test_size=0.5, id_column="id", stratify="y", random_state=1)
    # all rows of id 1 on the same side
    assert mask[0] == mask[1]
    # 9 ids: 4 positives -> 2 held out, 5 negatives -> round(2.5) = 2 held out
    held = df.loc[mask].drop_duplicates("id")
    assert len(held) == 4 and held["y"].sum() == 2
    shuffled = df.sample(frac=1.0, random_state=0)
    mask2 = holdout_split(shuffled, test_size=0.5, id_column="id", stratify="y", random_state=1)
    assert set(shuffled.loc[mask2, "id"]) == set(df.loc[mask, "id"])


def test_other_task_types():
    data, truth = _world()
    frame = data["customers"].drop(columns=["tier"]).fillna(0.0)
    reg = KDDProcess([Mining(LinearRegression()), Interpretation()]).run(
        frame.drop(columns=["took_up"]), target="age", id_column="customer_id"
    )
    assert reg.evaluation.task == "regression"
    assert reg.evaluation.metric("rmse") > 0
    seg = KDDProcess(
        [Transformation([Scale()]), Mining(KMeans(3, n_init=3, random_state=0)), Interpretation()]
    ).run(frame.drop(columns=["took_up"]), id_column="customer_id")
    assert seg.evaluation.task == "segmentation"
    assert seg.evaluation.metric("n_segments") == 3
    dev = KDDProcess(
        [Mining(IsolationForest(random_state=0)), Interpretation(truth_column="is_odd")]
    ).run(
        frame.drop(columns=["took_up"]),
        id_column="customer_id",
        truth=pd.DataFrame({"customer_id": frame["customer_id"], "is_odd": frame["age"] > 70}),
    )
    assert dev.evaluation.task == "deviation_detection"
    assert 0 <= dev.evaluation.metric("precision_top_0.1") <= 1


def test_callable_task():
    data, _ = _world()
    frame = data["customers"][["customer_id", "age", "took_up"]]

    def threshold_model(X, y):
        return LogisticRegression().fit(X, y)

    res = KDDProcess([Mining(threshold_model, task="classification"), Interpretation()]).run(
        frame, target="took_up", id_column="customer_id"
    )
    assert "score" in res.predictions.columns


def test_errors():
    with pytest.raises(InvalidParameterError, match="must follow the KDD order"):
        KDDProcess([Mining(LogisticRegression()), Preprocessing()])
    with pytest.raises(InvalidParameterError, match="must include a Mining step"):
        KDDProcess([Preprocessing(), Interpretation()])
    with pytest.raises(InvalidParameterError, match="'steps' parameter of KDDProcess"):
        KDDProcess([])
    frame = pd.DataFrame({"id": range(10), "tier": ["a", "b"] * 5, "y": [0, 1] * 5})
    with pytest.raises(DataError, match="feature column 'tier' is not numeric"):
        KDDProcess([Mining(LogisticRegression())]).run(frame, target="y", id_column="id")
    with pytest.raises(DataError, match="has 1 missing values"):
        KDDProcess([Mining(LogisticRegression())]).run(
            frame.assign(tier=[np.nan] + [1.0] * 9), target="y", id_column="id"
        )
    with pytest.raises(
        InvalidParameterError,
        match="'test_size' parameter of KDDProcess must be a float in \\(0, 1\\)",
    ):
        KDDProcess([Mining(LogisticRegression())]).run(frame, target="y", test_size=1.5)
    with pytest.raises(
        InvalidParameterError, match="must be a DataFrame when the process has no Selection"
    ):
        KDDProcess([Mining(LogisticRegression())]).run({"x": frame}, target="y")
    with pytest.raises(DataError, match="column 'yy' not found"):
        KDDProcess([Mining(LogisticRegression())]).run(frame, target="yy")


def test_event_rows_keep_each_customer_on_one_side():
    """One row per contact, several per customer: split by customer, truth by contact."""
    rng = np.random.default_rng(5)
    n = 600
    customer = rng.integers(1, 151, n)
    x = rng.normal(0, 1, n)
    p = 1 / (1 + np.exp(-2 * x))
    frame = pd.DataFrame(
        {
            "contact_id": np.arange(1, n + 1),
            "customer_id": customer,
            "contacted_at": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 300, n), "D"),
            "x": x,
            "took_up": (rng.random(n) < p).astype(int),
        }
    )
    truth = pd.DataFrame({"contact_id": frame["contact_id"], "p": p})
    res = KDDProcess([Mining(LogisticRegression()), Interpretation()]).run(
        frame,
        target="took_up",
        id_column="contact_id",
        group_column="customer_id",
        truth=truth,
        random_state=0,
    )
    assert not set(res.train["customer_id"]) & set(res.holdout["customer_id"])
    assert res.step("mining").features_ == ["x"]  # no ids, no dates
    ev = res.evaluation
    assert ev.metric("roc_auc_low") <= ev.metric("roc_auc") <= ev.metric("roc_auc_high")
    assert ev.metric("spearman_with_truth") > 0.99  # one feature: the score ranks like p
    assert "95 % interval" in res.findings[0]


def test_permutation_importance_for_models_without_weights():
    from sklearn.neighbors import KNeighborsClassifier

    data, _ = _world()
    frame = data["customers"][["customer_id", "age", "took_up"]].assign(
        noise=np.random.default_rng(0).normal(size=300)
    )
    res = KDDProcess([Mining(KNeighborsClassifier(15)), Interpretation()]).run(
        frame, target="took_up", id_column="customer_id", random_state=1
    )
    imp = res.evaluation.importance
    assert imp["source"].iloc[0].startswith("permutation")
    assert imp["feature"].iloc[0] == "age"  # the only informative feature
    assert "permutation importance" in res.findings[-1]
