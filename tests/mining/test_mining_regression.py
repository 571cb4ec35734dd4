from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from ecrm_lab.exceptions import DataError, InvalidParameterError  # noqa: E402
from ecrm_lab.mining import regress, residual_diagnostics  # noqa: E402
from ecrm_lab.mining.regression import regression_metrics  # noqa: E402


def test_regression_metrics_hand_example():
    m = regression_metrics([1.0, 2.0, 3.0, 4.0], [2.0, 2.0, 3.0, 2.0])
    # errors 1, 0, 0, -2: RMSE sqrt(5/4), MAE 3/4, SS_res 5, SS_tot 5 -> R2 0
    assert m["rmse"] == pytest.approx(np.sqrt(1.25))
    assert m["mae"] == pytest.approx(0.75)
    assert m["r2"] == pytest.approx(0.0)
    assert m["bias"] == pytest.approx(-0.25)


def test_residual_diagnostics_of_normal_errors():
    rng = np.random.default_rng(0)
    y = rng.normal(size=4000)
    d = residual_diagnostics(y, np.zeros_like(y) + rng.normal(0, 1e-9, 4000)).set_index("statistic")
    assert abs(d.loc["mean", "value"]) < 0.05
    assert d.loc["std", "value"] == pytest.approx(1.0, abs=0.05)
    assert abs(d.loc["skewness", "value"]) < 0.15
    assert d.loc["share_beyond_2sd", "value"] == pytest.approx(0.0455, abs=0.01)


def test_residual_diagnostics_flags_heteroscedasticity():
    rng = np.random.default_rng(1)
    p = rng.uniform(1, 100, 3000)
    y = p + rng.normal(0, 1, 3000) * p * 0.3  # errors grow with the level
    d = residual_diagnostics(y, p).set_index("statistic")
    assert d.loc["spearman_abs_residual_prediction", "value"] > 0.3


@pytest.fixture(scope="module")
def fitted(spend_table):
    df, _ = spend_table
    return regress(df, "spend", id_col="customer_id", random_state=3)


def test_regress_beats_the_baseline(fitted):
    m = fitted.metrics
    assert list(m.index) == ["baseline", "linear", "gradient_boosting"]
    assert m.loc["baseline", "r2"] < 0.01
    assert fitted.best_model in ("linear", "gradient_boosting")
    assert m.loc[fitted.best_model, "r2"] > 0.9
    assert m.loc["linear", "rmse"] < 0.2 * m.loc["baseline", "rmse"]
    assert fitted.importance["feature"].iloc[0] in ("visits", "plan")
    assert set(fitted.importance["feature"].head(2)) == {"visits", "plan"}


def test_regress_result_shape(fitted):
    assert fitted.n_train + fitted.n_test == 800
    assert len(fitted.residuals) == fitted.n_test
    assert set(fitted.diagnostics["statistic"]) >= {"mean", "std", "skewness"}
    assert fitted.summary()["best"].sum() == 1
    assert fitted.predict(
        pd.DataFrame({"visits": [0.0, 10.0], "plan": ["basic", "premium"]})
    ).shape == (2,)


def test_regress_oracle_gap(fitted, spend_table):
    df, mean = spend_table
    s = fitted.oracle_gap(mean)
    # the true mean leaves only the noise (sd 10)
    assert s["rmse_oracle"] == pytest.approx(10, rel=0.15)
    assert s["r2_oracle"] >= s["r2_model"] - 0.01
    s_id = fitted.oracle_gap(pd.Series(mean, index=df["customer_id"].to_numpy()))
    assert s_id.metrics == s.metrics


def test_regress_is_deterministic(spend_table, fitted):
    df, _ = spend_table
    again = regress(df, "spend", id_col="customer_id", random_state=3)
    pd.testing.assert_frame_equal(again.metrics, fitted.metrics)


def test_regress_bad_input():
    df = pd.DataFrame({"x": np.arange(30.0), "y": ["a", "b", "c"] * 10})
    with pytest.raises(DataError, match="column 'y' must be numeric"):
        regress(df, "y")
    with pytest.raises(DataError, match="column 'z' not found"):
        regress(df, "z")
    df["y"] = 5.0
    with pytest.raises(DataError, match="'y' is constant"):
        regress(df, "y")
    with pytest.raises(InvalidParameterError, match="'models' parameter of regress"):
        regress(df, "y", models=["lasso"])


def test_regression_plots(fitted):
    for kind in ("residuals", "predicted", "importance"):
        ax = fitted.plot(kind=kind)
        assert ax.has_data(), kind
        plt.close(ax.figure)
