from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from ecrm_lab.exceptions import DataError, InvalidParameterError  # noqa: E402
from ecrm_lab.mining import (  # noqa: E402
    ClassificationResult,
    CostBenefit,
    classify,
    lift_table,
    oracle_gap,
    profit_curve,
)


# --- lift table -------------------------------------------------------------------------------
def test_lift_table_perfect_classifier():
    # 10 positives ranked first among 100: decile 1 holds them all
    y = np.r_[np.ones(10), np.zeros(90)]
    t = lift_table(y, np.linspace(1, 0, 100))
    assert t["n"].tolist() == [10] * 10
    assert t["positives"].tolist() == [10] + [0] * 9
    assert t.loc[0, "lift"] == pytest.approx(10.0)
    assert t["cum_gain"].tolist() == pytest.approx([1.0] * 10)
    assert t["cum_lift"].tolist() == pytest.approx([10 / (k + 1) for k in range(10)])
    assert t["cum_share"].iloc[-1] == 1.0


def test_lift_table_hand_example_with_quartiles():
    # 8 cases, 4 bins of 2; scores rank positives 1st, 3rd, 4th, 8th
    y = [1, 0, 1, 1, 0, 0, 0, 1]
    s = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2]
    t = lift_table(y, s, n_bins=4)
    assert t["positives"].tolist() == [1, 2, 0, 1]
    assert t["response_rate"].tolist() == [0.5, 1.0, 0.0, 0.5]
    assert t["lift"].tolist() == [1.0, 2.0, 0.0, 1.0]
    assert t["cum_gain"].tolist() == [0.25, 0.75, 0.75, 1.0]
    assert t["min_score"].tolist() == [0.8, 0.6, 0.4, 0.2]


def test_lift_table_invariants_on_random_scores():
    rng = np.random.default_rng(0)
    y = rng.random(1003) < 0.1
    t = lift_table(y, rng.random(1003))
    assert t["n"].sum() == 1003
    assert t["positives"].sum() == y.sum()
    assert np.all(np.diff(t["cum_gain"]) >= 0)
    assert t["cum_gain"].iloc[-1] == pytest.approx(1.0)
    assert t["cum_lift"].iloc[-1] == pytest.approx(1.0)


def test_lift_table_rejects_bad_input():
    with pytest.raises(DataError, match="0/1"):
        lift_table([0, 2, 1], [0.1, 0.2, 0.3], n_bins=2)
    with pytest.raises(DataError, match="3 labels but 2 scores"):
        lift_table([0, 1, 1], [0.1, 0.2], n_bins=2)
    with pytest.raises(InvalidParameterError, match="'n_bins' parameter of lift_table"):
        lift_table([0, 1], [0.1, 0.2], n_bins=1)


# --- profit -----------------------------------------------------------------------------------
def test_profit_curve_hand_example():
    # targeting top 1, 2, 3, 4: profit 10, 6, 16, 12 -> best: top 3, threshold 0.7
    r = profit_curve([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1], CostBenefit(tp=10, fp=-4))
    assert r.curve["profit"].tolist() == [0.0, 10.0, 6.0, 16.0, 12.0]
    assert (r.threshold, r.profit, r.n_targeted) == (0.7, 16.0, 3)
    assert r.summary().loc[0, "profit_target_all"] == 12.0


def test_profit_curve_keeps_ties_together_and_counts_missed_sales():
    # the two 0.5 scores must be targeted together; a missed sale costs 5
    r = profit_curve([1, 1, 0], [0.5, 0.5, 0.1], CostBenefit(tp=10, fp=-1, fn=-5))
    assert r.curve["n_targeted"].tolist() == [0, 2, 3]
    assert r.curve["profit"].tolist() == [-10.0, 20.0, 19.0]
    assert r.threshold == 0.5


def test_profit_curve_targets_nobody_when_contacts_never_pay():
    r = profit_curve([0, 0, 1], [0.9, 0.8, 0.1], CostBenefit(tp=1, fp=-10))
    assert r.n_targeted == 0 and r.threshold == np.inf and r.profit == 0.0


def test_cost_benefit_campaign_and_validation():
    assert CostBenefit.campaign(value=50, contact_cost=2) == CostBenefit(48.0, -2.0, 0.0, 0.0)
    with pytest.raises(InvalidParameterError, match="'tp' parameter of CostBenefit"):
        CostBenefit(tp="a lot", fp=-1)


# --- classify -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fitted(propensity_table) -> ClassificationResult:
    df, _ = propensity_table
    return classify(
        df,
        "bought",
        id_col="customer_id",
        payoff=CostBenefit.campaign(value=30.0, contact_cost=3.0),
        random_state=1,
    )


def test_classify_reports_every_model_and_finds_the_signal(fitted):
    assert fitted.models == ("baseline", "logistic", "gradient_boosting")
    assert fitted.positive == "yes"
    assert fitted.metrics.loc["baseline", "roc_auc"] == pytest.approx(0.5)
    assert fitted.metrics.loc["logistic", "roc_auc"] > 0.75
    assert fitted.best_model != "baseline"
    assert fitted.n_train + fitted.n_test == 1500
    assert fitted.summary()["best"].sum() == 1
    assert fitted.title in repr(fitted)


def test_classify_holdout_is_stratified(fitted, propensity_table):
    df, _ = propensity_table
    rate_all = (df["bought"] == "yes").mean()
    assert fitted.y_test.mean() == pytest.approx(rate_all, abs=0.01)
    assert fitted.n_test == pytest.approx(0.25 * 1500, abs=1)


def test_classify_handles_categories_missing_values_and_dates(fitted):
    assert set(fitted.prep.categorical_) == {"region"}
    assert "since" in fitted.prep.dates_
    assert "customer_id" not in fitted.prep.features_
    assert any("since" in n for n in fitted.notes)


def test_classify_confusion_lift_importance_profit(fitted):
    cm = fitted.confusion.to_numpy()
    assert cm.sum() == fitted.n_test
    assert cm[1].sum() == fitted.y_test.sum()
    assert fitted.lift["cum_gain"].iloc[-1] == pytest.approx(1.0)
    assert fitted.lift.loc[0, "lift"] > 1.5
    top = fitted.importance["feature"].head(3).tolist()
    assert "region" in top and "tenure" in top
    assert fitted.profit is not None and fitted.profit.profit >= fitted.profit.curve["profit"].max()


def test_classify_is_deterministic(propensity_table):
    df, _ = propensity_table
    runs = [
        classify(df.head(500), "bought", models=["logistic", "gradient_boosting"], n_repeats=2,
                 random_state=7)
        for _ in range(2)
    ]  # fmt: skip
    pd.testing.assert_frame_equal(runs[0].metrics, runs[1].metrics)
    pd.testing.assert_frame_equal(runs[0].importance, runs[1].importance)
    np.testing.assert_array_equal(runs[0].test_positions, runs[1].test_positions)


def test_oracle_gap_positional_and_by_id(fitted, propensity_table):
    df, p = propensity_table
    by_pos = fitted.oracle_gap(p)
    by_id = fitted.oracle_gap(pd.Series(p, index=df["customer_id"].to_numpy()))
    assert by_pos.metrics == by_id.metrics
    m = by_pos.metrics
    assert m["auc_model"] == pytest.approx(fitted.metrics.loc[fitted.best_model, "roc_auc"])
    assert m["oracle_gap"] == pytest.approx(m["auc_oracle"] - m["auc_model"])
    assert 0.7 < m["auc_oracle"] < 1 and abs(m["oracle_gap"]) < 0.1
    with pytest.raises(DataError, match="expected one per row"):
        fitted.oracle_gap(p[:10])


def test_oracle_gap_function_hand_example():
    s = oracle_gap([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9], [0.1, 0.2, 0.8, 0.9])
    assert s["auc_model"] == 0.75 and s["auc_oracle"] == 1.0 and s["oracle_gap"] == 0.25


def test_predict_proba_on_new_rows(fitted, propensity_table):
    df, _ = propensity_table
    p = fitted.predict_proba(df.head(5).drop(columns="bought"))
    assert p.shape == (5,) and np.all((p >= 0) & (p <= 1))


def test_classify_picks_the_positive_class():
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    df = pd.DataFrame({"x": x, "churn": (x + rng.normal(size=200) > 1).astype(int)})
    assert classify(df, "churn", models=["baseline"]).positive == 1
    df["label"] = np.where(df["churn"] == 1, "left", "stayed")
    res = classify(df.drop(columns="churn"), "label", models=["baseline"])
    assert res.positive == "left"  # the rarer class


def test_classify_multiclass_needs_positive():
    df = pd.DataFrame({"x": np.arange(60.0), "y": ["a", "b", "c"] * 20})
    with pytest.raises(DataError, match="3 classes"):
        classify(df, "y")
    res = classify(df, "y", positive="c", models=["baseline", "logistic"])
    assert res.y_test.mean() == pytest.approx(1 / 3, abs=0.1)
    with pytest.raises(DataError, match="'z' does not occur"):
        classify(df, "y", positive="z")


def test_classify_bad_input():
    df = pd.DataFrame({"x": np.arange(20.0), "y": ["a"] * 20})
    with pytest.raises(DataError, match="only one class"):
        classify(df, "y")
    with pytest.raises(DataError, match="column 'nope' not found"):
        classify(df, "nope")
    df2 = pd.DataFrame({"x": np.arange(20.0), "y": [1] + [0] * 19})
    with pytest.raises(DataError, match="at least 2 of each"):
        classify(df2, "y")
    with pytest.raises(InvalidParameterError, match="'test_size' parameter of classify"):
        classify(df2, "y", test_size=0)
    with pytest.raises(InvalidParameterError, match="'models' parameter of classify"):
        classify(df2, "y", models=["svm"])


def test_classification_plots(fitted):
    for kind in ("gains", "lift", "roc", "importance", "confusion", "profit"):
        ax = fitted.plot(kind=kind)
        assert ax.has_data() or ax.images, kind
        plt.close(ax.figure)
    with pytest.raises(InvalidParameterError, match="'kind' parameter"):
        fitted.plot(kind="pie")
