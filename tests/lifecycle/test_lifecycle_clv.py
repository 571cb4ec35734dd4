"""CLV: the retention formula, discounted BG/NBD x Gamma-Gamma CLV, checks and the pipeline."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

from ecrm_lab.exceptions import InvalidParameterError
from ecrm_lab.lifecycle import (
    BGNBD,
    CLVAnalysis,
    GammaGamma,
    clv,
    clv_analysis,
    expected_purchases_by_period,
    frequency_fit,
    holdout_check,
    retention_clv,
    rfm_summary,
)

matplotlib.use("Agg")


def test_retention_formula_by_hand():
    assert retention_clv(100.0, 0.8, 0.1) == pytest.approx(100 * 0.8 / 0.3)
    # three periods: 100 * (0.8/1.1 + (0.8/1.1)**2 + (0.8/1.1)**3)
    rho = 0.8 / 1.1
    assert retention_clv(100.0, 0.8, 0.1, horizon=3) == pytest.approx(100 * (rho + rho**2 + rho**3))
    assert retention_clv(50.0, 1.0, 0.0, horizon=4) == pytest.approx(200.0)
    # the finite sum tends to the closed form
    assert retention_clv(100.0, 0.8, 0.1, horizon=500) == pytest.approx(
        retention_clv(100.0, 0.8, 0.1)
    )
    vals = retention_clv(100.0, np.array([0.5, 0.7, 0.9]), 0.1)
    assert (np.diff(vals) > 0).all()
    with pytest.raises(
        InvalidParameterError,
        match="'retention_rate' parameter of retention_clv must be a float in \\[0, 1\\]",
    ):
        retention_clv(100.0, 1.2, 0.1)
    with pytest.raises(InvalidParameterError, match="unbounded; give a horizon"):
        retention_clv(100.0, 1.0, 0.0)


@pytest.fixture(scope="module")
def models(cdnow_summary):
    s = cdnow_summary
    return BGNBD().fit(s["x"], s["t_x"], s["T"]), GammaGamma().fit(s["x"], s["zbar"])


def test_clv_is_spend_times_discounted_purchases(models, cdnow_summary):
    b, g = models
    s = cdnow_summary.iloc[:50]
    args = (s["x"], s["t_x"], s["T"])
    # without discounting: spend x expected purchases over the horizon (12 months in weeks)
    undiscounted = clv(
        b, g, *args, s["zbar"], horizon=12, period="month", unit="week", discount_rate=0.0
    )
    weeks = 12 * 365.25 / 12 / 7
    expect = g.conditional_expected_spend(s["x"], s["zbar"]) * b.expected_purchases(weeks, *args)
    np.testing.assert_allclose(undiscounted, expect, rtol=1e-10)
    per = expected_purchases_by_period(b, *args, horizon=12, period="month", unit="week")
    assert per.shape == (50, 12) and (per > 0).all()
    np.testing.assert_allclose(per.sum(axis=1), b.expected_purchases(weeks, *args), rtol=1e-10)
    discounted = clv(b, g, *args, s["zbar"], horizon=12, unit="week", discount_rate=0.02)
    assert (discounted < undiscounted).all()
    half = clv(b, g, *args, s["zbar"], horizon=12, unit="week", discount_rate=0.02, margin=0.5)
    np.testing.assert_allclose(half, 0.5 * discounted)
    longer = clv(b, g, *args, s["zbar"], horizon=24, unit="week", discount_rate=0.02)
    assert (longer > discounted).all()
    with pytest.raises(InvalidParameterError, match="'period' parameter of clv must be one of"):
        clv(b, g, *args, s["zbar"], period="fortnight")


def test_frequency_fit_totals(models, cdnow_summary):
    fit = frequency_fit(models[0], cdnow_summary["x"], cdnow_summary["T"])
    t = fit.table
    assert list(t.index) == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert t["observed"].sum() == 2357
    assert t["expected"].sum() == pytest.approx(2357)
    assert t.loc["0", "observed"] == 1411
    # the BG/NBD fits the CDNOW calibration histogram closely (FHL 2005, Figure 2)
    assert t.loc["0", "expected"] == pytest.approx(1411, rel=0.02)
    assert fit.plot() is not None


@pytest.fixture(scope="module")
def cdnow_holdout(cdnow_log):
    return rfm_summary(
        cdnow_log,
        "customer_id",
        "date",
        "amount",
        calibration_end="1997-09-30",
        unit="week",
        holdout_end="1998-06-30",
    )


def test_holdout_check_table_and_errors(models, cdnow_holdout):
    check = holdout_check(models[0], cdnow_holdout, gamma_gamma=models[1])
    t = check.table
    assert t.loc["all", "customers"] == 2357 == t.drop(index="all")["customers"].sum()
    assert t.loc["all", "actual_total"] == cdnow_holdout.table["frequency_holdout"].sum()
    assert t.drop(index="all")["predicted_total"].sum() == pytest.approx(check.predicted_total)
    assert check.duration == pytest.approx(39.0)
    # the model tracks the holdout to within 15% overall and bucket by bucket ordering holds
    assert abs(check.total_error) < 0.15
    assert (np.diff(t.drop(index="all")["predicted"]) > 0).all()
    assert 0.5 < check.correlation < 1
    assert check.spend_actual is not None and check.spend_predicted > 0
    m = check.metrics()
    assert m["customers"] == 2357 and m["MAE per customer"] == pytest.approx(check.mae)
    assert "Holdout check" in repr(check)
    assert check.plot() is not None
    with pytest.raises(Exception, match="column 'frequency_holdout' not found"):
        holdout_check(models[0], cdnow_holdout.table.drop(columns="frequency_holdout"))


def test_clv_analysis_pipeline(cdnow_log):
    res = clv_analysis(
        cdnow_log,
        "customer_id",
        "date",
        "amount",
        calibration_end="1997-09-30",
        unit="week",
        holdout_end="1998-06-30",
        horizon=6,
        period="quarter",
        discount_rate=0.03,
    )
    assert isinstance(res, CLVAnalysis)
    p = res.predictions
    assert len(p) == 2357
    assert {"p_alive", "expected_purchases", "expected_spend", "clv", "frequency_holdout"} <= set(
        p.columns
    )
    assert ((p["p_alive"] >= 0) & (p["p_alive"] <= 1)).all() and (p["clv"] >= 0).all()
    assert res.bgnbd.r_ == pytest.approx(0.243, abs=1e-3)
    assert res.gamma_gamma.p_ == pytest.approx(6.25, abs=0.01)
    assert res.frequency_spend_corr == pytest.approx(0.11, abs=0.01)
    assert res.holdout is not None and res.n_spend_excluded == 0
    # CLV per customer equals the standalone function on the same summary
    direct = clv(
        res.bgnbd,
        res.gamma_gamma,
        p["frequency"],
        p["recency"],
        p["T"],
        p["monetary_value"],
        horizon=6,
        period="quarter",
        unit="week",
        discount_rate=0.03,
    )
    np.testing.assert_allclose(p["clv"], direct, rtol=1e-12)
    summary = res.summary()
    assert summary.loc["customers", "value"] == 2357
    d = res.to_dict()
    assert set(d["bgnbd"]) >= {"r", "alpha", "a", "b", "log_likelihood"}
    assert set(d["gamma_gamma"]) >= {"p", "q", "v"}
    assert d["n_customers"] == 2357
    ax = res.plot()
    assert ax.get_xlabel().startswith("% of customers")


def test_plot_p_alive_matrix(models):
    from ecrm_lab.plotting.lifecycle import plot_p_alive_matrix

    ax = plot_p_alive_matrix(models[0], T=38.86, max_frequency=10)
    img = ax.get_images()[0].get_array()
    assert img.shape == (11, 60)
    assert (img[0] == 1).all()
