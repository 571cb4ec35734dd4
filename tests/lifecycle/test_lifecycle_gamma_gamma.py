"""Gamma-Gamma: published CDNOW values, the conditional expectation, recovery, errors."""

from __future__ import annotations

import numpy as np
import pytest

from ecrm_lab.exceptions import ConvergenceError, DataError, NotFittedError
from ecrm_lab.lifecycle import GammaGamma


@pytest.fixture(scope="module")
def cdnow_gg(cdnow_summary):
    return GammaGamma().fit(cdnow_summary["x"], cdnow_summary["zbar"])


def test_cdnow_published_estimates(cdnow_gg, cdnow_summary):
    # Fader & Hardie, "The Gamma-Gamma model of monetary value": p=6.25, q=3.74, gamma=15.44
    assert cdnow_gg.p_ == pytest.approx(6.25, abs=0.01)
    assert cdnow_gg.q_ == pytest.approx(3.74, abs=0.01)
    assert cdnow_gg.v_ == pytest.approx(15.44, abs=0.01)
    assert cdnow_gg.n_customers_ == 946  # customers with frequency 0 are skipped
    per = cdnow_gg.log_likelihood(cdnow_summary["x"], cdnow_summary["zbar"])
    assert np.nansum(per) == pytest.approx(cdnow_gg.log_likelihood_, rel=1e-12)
    assert np.isnan(per[cdnow_summary["x"].to_numpy() == 0]).all()
    # cross-check with lifetimes 0.11.3 GammaGammaFitter (not a published value)
    for k, v in {"p": 1.189687, "q": 0.290166, "v": 4.159994}.items():
        assert cdnow_gg.se_[k] == pytest.approx(v, rel=2e-3)


def test_conditional_expected_spend_by_hand(cdnow_gg):
    p, q, v = cdnow_gg.params_
    got = cdnow_gg.conditional_expected_spend([0, 2, 50], [0.0, 22.35, 22.35])
    assert got[0] == pytest.approx(p * v / (q - 1))  # population mean
    assert got[0] == pytest.approx(cdnow_gg.expected_spend_new())
    assert got[1] == pytest.approx(p * (v + 2 * 22.35) / (2 * p + q - 1))
    # with many purchases the customer's own mean dominates
    assert abs(got[2] - 22.35) < abs(got[1] - 22.35)


@pytest.mark.parametrize(("params", "seed"), [((6.0, 4.0, 15.0), 1), ((2.0, 10.0, 400.0), 2)])
def test_parameter_recovery(params, seed):
    truth = GammaGamma.from_params(*params)
    freq = np.random.default_rng(seed).integers(1, 10, size=8000)
    spend = truth.sample(freq, random_state=seed)
    assert (spend > 0).all()
    model = GammaGamma(random_state=0).fit(freq, spend)
    z = (model.params_ - truth.params_) / model.se_
    assert (z.abs() < 3).all(), z.to_dict()


def test_sample_mean_spend():
    truth = GammaGamma.from_params(6.0, 4.0, 15.0)
    spend = truth.sample(np.ones(200_000), random_state=5)
    # E[z] = p v / (q - 1) = 30; the mean spend has a heavy tail, so a loose bound
    assert spend.mean() == pytest.approx(30.0, rel=0.03)
    assert (truth.sample([0, 3], random_state=1)[0]) == 0.0


def test_errors():
    with pytest.raises(DataError, match="2 customers with repeat purchases have a mean spend of 0"):
        GammaGamma().fit([1, 2, 3, 1, 0], [0.0, 5.0, 6.0, 0.0, 0.0])
    with pytest.raises(DataError, match="monetary_value has 1 negative values"):
        GammaGamma().fit([1, 2, 3], [-1.0, 5.0, 6.0])
    with pytest.raises(DataError, match="only 1 customers have a repeat purchase"):
        GammaGamma().fit([1, 0, 0], [5.0, 0.0, 0.0])
    with pytest.raises(NotFittedError):
        GammaGamma().conditional_expected_spend([1], [2.0])
    freq = np.random.default_rng(0).integers(1, 5, 500)
    spend = GammaGamma.from_params(6.0, 4.0, 15.0).sample(freq, random_state=0)
    with pytest.raises(
        ConvergenceError, match="GammaGamma.fit: maximum likelihood did not converge"
    ):
        GammaGamma(n_starts=1, max_iter=10).fit(freq, spend)
