"""BG/NBD: published CDNOW values, formulas, simulation and parameter recovery, errors."""

from __future__ import annotations

import numpy as np
import pytest

from ecrm_lab.exceptions import ConvergenceError, DataError, InvalidParameterError, NotFittedError
from ecrm_lab.lifecycle import BGNBD
from ecrm_lab.lifecycle.bgnbd import _Data, _loglik


@pytest.fixture(scope="module")
def cdnow_model(cdnow_summary):
    s = cdnow_summary
    return BGNBD().fit(s["x"], s["t_x"], s["T"])


def test_cdnow_published_estimates(cdnow_model):
    m = cdnow_model
    # Fader, Hardie & Lee (2005): r=0.243, alpha=4.414, a=0.793, b=2.426, LL=-9582.4
    assert m.r_ == pytest.approx(0.243, abs=5e-4)
    assert m.alpha_ == pytest.approx(4.414, abs=5e-4)
    assert m.a_ == pytest.approx(0.793, abs=5e-4)
    assert m.b_ == pytest.approx(2.426, abs=5e-4)
    assert m.log_likelihood_ == pytest.approx(-9582.4, abs=0.05)
    assert m.n_customers_ == 2357
    assert all(a.converged for a in m.fit_attempts_) and len(m.fit_attempts_) == 5


def test_cdnow_standard_errors_match_lifetimes(cdnow_model):
    # cross-check with lifetimes 0.11.3 BetaGeoFitter on the same file (not a published value)
    expected = {"r": 0.012557, "alpha": 0.378221, "a": 0.185719, "b": 0.705345}
    for k, v in expected.items():
        assert cdnow_model.se_[k] == pytest.approx(v, rel=2e-3)
    table = cdnow_model.summary()
    assert list(table.columns) == ["coef", "se", "lower 95%", "upper 95%"]
    assert (table["lower 95%"] < table["coef"]).all()


def test_hardie_excel_conditional_expectation(cdnow_model):
    got = cdnow_model.expected_purchases(39, 2, 30.43, 38.86)
    assert got[0] == pytest.approx(1.226, abs=1e-3)


def test_hardie_excel_unconditional_expectation(cdnow_model):
    times = np.array([0.1429, 1.0, 3.00, 31.8571, 32.00, 78.00])
    expected = np.array([0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576])
    np.testing.assert_allclose(cdnow_model.expected_purchases_new(times), expected, atol=1e-3)


def test_probability_alive_properties(cdnow_model, cdnow_summary):
    s = cdnow_summary
    p = cdnow_model.probability_alive(s["x"], s["t_x"], s["T"])
    assert ((p >= 0) & (p <= 1)).all()
    assert (p[s["x"].to_numpy() == 0] == 1).all()
    # a customer who bought recently is more likely alive than one who stopped long ago
    recent, old = cdnow_model.probability_alive([5, 5], [35.0, 5.0], [38.0, 38.0])
    assert recent > old
    # hand computation for x=2, t_x=30.43, T=38.86
    r, al, a, b = cdnow_model.params_
    hand = 1 / (1 + a / (b + 1) * ((al + 38.86) / (al + 30.43)) ** (r + 2))
    assert cdnow_model.probability_alive(2, 30.43, 38.86)[0] == pytest.approx(hand, rel=1e-12)


def test_expectations_grow_with_time_and_start_at_zero(cdnow_model):
    t = np.linspace(0, 100, 21)
    e = cdnow_model.expected_purchases(t, 3, 20.0, 38.0)
    assert e[0] == 0 and (np.diff(e) > 0).all()
    new = cdnow_model.expected_purchases_new(t)
    assert new[0] == 0 and (np.diff(new) > 0).all()


def test_likelihood_matches_per_customer_sum_and_gradient(cdnow_model, cdnow_summary):
    s = cdnow_summary
    per = cdnow_model.log_likelihood(s["x"], s["t_x"], s["T"])
    assert per.sum() == pytest.approx(cdnow_model.log_likelihood_, rel=1e-12)
    d = _Data.build(*(s[c].to_numpy(float) for c in ("x", "t_x", "T")), np.ones(len(s)))
    theta = np.array([0.3, 5.0, 1.2, 3.0])
    _, grad = _loglik(theta, d)
    num = np.empty(4)
    for i in range(4):
        h = 1e-6 * theta[i]
        up, dn = theta.copy(), theta.copy()
        up[i] += h
        dn[i] -= h
        num[i] = (_loglik(up, d, False) - _loglik(dn, d, False)) / (2 * h)
    np.testing.assert_allclose(grad, num, rtol=1e-5)


def test_purchase_count_distribution(cdnow_model):
    x = np.arange(400)
    probs = cdnow_model.probability_of_purchases(x, 39.0)
    assert probs.sum() == pytest.approx(1.0, abs=1e-9)
    assert (x * probs).sum() == pytest.approx(cdnow_model.expected_purchases_new(39.0)[0], rel=1e-6)


def test_weights_equal_repeated_rows(cdnow_summary):
    s = cdnow_summary.iloc[:600]
    grouped = s.groupby(["x", "t_x", "T"]).size().reset_index(name="n")
    rep = np.repeat(grouped[["x", "t_x", "T"]].to_numpy(), 2, axis=0)
    a = BGNBD(n_starts=2).fit(grouped["x"], grouped["t_x"], grouped["T"], weights=2 * grouped["n"])
    b = BGNBD(n_starts=2).fit(
        np.repeat(rep[:, 0], np.repeat(grouped["n"], 2)),
        np.repeat(rep[:, 1], np.repeat(grouped["n"], 2)),
        np.repeat(rep[:, 2], np.repeat(grouped["n"], 2)),
    )
    np.testing.assert_allclose(a.params_, b.params_, rtol=1e-5)
    assert a.log_likelihood_ == pytest.approx(b.log_likelihood_, rel=1e-9)


# -- simulation -----------------------------------------------------------------------------
def test_sample_invariants_and_moments():
    truth = BGNBD.from_params(r=0.25, alpha=4.0, a=0.8, b=2.5)
    n = 100_000
    T = np.random.default_rng(3).uniform(27, 39, n)
    d = truth.sample(n, T=T, random_state=4, holdout=39.0)
    assert (d["recency"] <= d["T"]).all() and (d["recency"] >= 0).all()
    assert ((d["frequency"] == 0) == (d["recency"] == 0)).all()
    assert (d.loc[~d["alive"], "frequency_holdout"] == 0).all()
    # simulated means agree with the closed forms (within 4 standard errors of the mean)
    se = d["frequency"].std() / np.sqrt(n)
    assert abs(d["frequency"].mean() - truth.expected_purchases_new(T).mean()) < 4 * se
    pred = truth.expected_purchases(39.0, d["frequency"], d["recency"], d["T"])
    se_h = d["frequency_holdout"].std() / np.sqrt(n)
    assert abs(d["frequency_holdout"].mean() - pred.mean()) < 4 * se_h
    p_alive = truth.probability_alive(d["frequency"], d["recency"], d["T"])
    assert abs(d["alive"].mean() - p_alive.mean()) < 4 * np.sqrt(0.25 / n)
    # same seed, same customers
    again = truth.sample(n, T=T, random_state=4, holdout=39.0)
    assert again.equals(d)


@pytest.mark.parametrize(
    ("params", "T", "seed"),
    [
        ((0.25, 4.0, 0.8, 2.5), (27.0, 39.0), 11),  # CDNOW-like, weeks
        ((2.0, 60.0, 1.5, 6.0), (100.0, 365.0), 12),  # frequent buyers, days
    ],
)
def test_parameter_recovery(params, T, seed):
    truth = BGNBD.from_params(*params)
    n = 10_000
    ages = np.random.default_rng(seed).uniform(*T, n)
    d = truth.sample(n, T=ages, random_state=seed)
    model = BGNBD(random_state=0).fit(d["frequency"], d["recency"], d["T"])
    z = (model.params_ - truth.params_) / model.se_
    assert (z.abs() < 3).all(), z.to_dict()


def test_fits_are_deterministic_for_a_seed(cdnow_summary):
    s = cdnow_summary
    a = BGNBD(random_state=7).fit(s["x"], s["t_x"], s["T"])
    b = BGNBD(random_state=7).fit(s["x"], s["t_x"], s["T"])
    assert a.fit_attempts_ == b.fit_attempts_


# -- errors ---------------------------------------------------------------------------------
def test_no_start_converges_raises_convergence_error(cdnow_summary):
    s = cdnow_summary
    with pytest.raises(
        ConvergenceError, match=r"did not converge from any of 2 starting points.*start \(r=1"
    ):
        BGNBD(n_starts=2, max_iter=10).fit(s["x"], s["t_x"], s["T"])


def test_bad_data_is_named():
    with pytest.raises(DataError, match="recency must not exceed T; 1 customers"):
        BGNBD().fit([1, 2], [5.0, 12.0], [10.0, 10.0])
    with pytest.raises(DataError, match="frequency must be whole numbers"):
        BGNBD().fit([1.5, 2], [5.0, 6.0], [10.0, 10.0])
    with pytest.raises(DataError, match="recency must be 0 when frequency is 0"):
        BGNBD().fit([0, 2], [5.0, 6.0], [10.0, 10.0])
    with pytest.raises(DataError, match="no customer made a repeat purchase"):
        BGNBD().fit([0, 0], [0.0, 0.0], [10.0, 10.0])
    with pytest.raises(DataError, match="same length"):
        BGNBD().fit([0, 0, 1], [0.0, 0.0], [10.0, 10.0])
    with pytest.raises(DataError, match="'frequency' has 1 missing"):
        BGNBD().fit([np.nan, 1], [0.0, 2.0], [10.0, 10.0])


def test_bad_parameters_and_not_fitted():
    with pytest.raises(
        InvalidParameterError,
        match="'n_starts' parameter of BGNBD.fit must be an int in \\[1, 100\\]",
    ):
        BGNBD(n_starts=0).fit([1, 0], [2.0, 0.0], [5.0, 5.0])
    with pytest.raises(InvalidParameterError, match="'alpha' parameter of BGNBD.from_params"):
        BGNBD.from_params(r=1.0, alpha=-1.0, a=1.0, b=1.0)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        BGNBD().probability_alive([1], [1.0], [2.0])
    with pytest.raises(InvalidParameterError, match="'random_state' parameter"):
        BGNBD.from_params(1.0, 1.0, 1.0, 1.0).sample(10, random_state="x")
