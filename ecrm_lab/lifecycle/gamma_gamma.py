"""The Gamma-Gamma model of spend per purchase (Fader, Hardie & Lee 2005; Colombo & Jiang 1999).

A customer's purchase values are ``Gamma(p, nu)`` (shape ``p``, rate ``nu``) around a personal
mean ``p / nu``, and across customers ``nu ~ Gamma(q, v)`` (shape ``q``, rate ``v``, written
gamma in the papers). The model is fitted on customers with at least one repeat purchase, on
the mean value of their repeat purchases ``m`` over ``x`` purchases, and gives each customer's
expected spend per future purchase: a weighted average of the population mean
``p v / (q - 1)`` and the customer's own mean, weighted by ``x``.

The model assumes that spend per purchase does not depend on how often a customer buys; check
that the correlation between frequency and mean spend is weak before relying on it.

References: P. S. Fader, B. G. S. Hardie and K. L. Lee (2005), "RFM and CLV: using iso-value
curves for customer base analysis", *Journal of Marketing Research* 42(4), 415–430;
P. S. Fader and B. G. S. Hardie (2013), "The Gamma-Gamma model of monetary value".

>>> import numpy as np
>>> from ecrm_lab.lifecycle import GammaGamma
>>> truth = GammaGamma.from_params(p=6.0, q=4.0, v=15.0)
>>> freq = np.random.default_rng(0).integers(1, 10, size=4000)
>>> spend = truth.sample(freq, random_state=1)
>>> model = GammaGamma(random_state=0).fit(freq, spend)
>>> bool(abs(model.p_ - 6.0) < 4 * model.se_["p"])
True
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from scipy.special import gammaln, psi

from .._random import RandomState, check_random_state
from .._validation import Interval, check_param
from ..exceptions import DataError
from ._common import (
    as_1d_float,
    check_fit_options,
    check_fitted,
    fit_log_scale,
    observed_information_se,
    params_table,
    vdot,
)

__all__ = ["GammaGamma"]

_NAMES = ("p", "q", "v")


def _check_spend(frequency, monetary_value, where: str) -> tuple[np.ndarray, np.ndarray]:
    x = as_1d_float(frequency, "frequency", where)
    m = as_1d_float(monetary_value, "monetary_value", where)
    if x.size != m.size:
        raise DataError(
            f"{where}: frequency and monetary_value must have the same length; got {x.size} "
            f"and {m.size}."
        )
    bad = (x < 0) | (x != np.round(x))
    if bad.any():
        raise DataError(f"{where}: frequency must be whole numbers >= 0; {int(bad.sum())} are not.")
    if (m < 0).any():
        raise DataError(
            f"{where}: monetary_value has {int((m < 0).sum())} negative values; spend per "
            "purchase must be >= 0 (net refunds out before summarising)."
        )
    return x, m


def _loglik(theta: np.ndarray, x, log_x, m, log_m, ux, inv, cx, with_grad: bool = True):
    """Total log-likelihood of mean spends ``m`` over ``x`` purchases (and its gradient).

    ln f = ln G(px+q) - ln G(px) - ln G(q) + q ln v + px ln x + (px-1) ln m - (px+q) ln(v+xm)
    """
    p, q, v = (float(t) for t in theta)
    pux = p * ux
    lv_xm = np.log(v + x * m)
    px = p * x
    ll = (
        vdot(cx, gammaln(pux + q) - gammaln(pux))
        + cx.sum() * (q * np.log(v) - gammaln(q))
        + vdot(px, log_x + log_m)
        - log_m.sum()
        - vdot(px + q, lv_xm)
    )
    if not with_grad:
        return ll
    psi_diff = psi(pux + q)
    d_p = vdot(cx * ux, psi_diff - psi(pux)) + vdot(x, log_x + log_m - lv_xm)
    d_q = vdot(cx, psi_diff) + cx.sum() * (np.log(v) - psi(q)) - lv_xm.sum()
    d_v = cx.sum() * q / v - vdot(px + q, 1.0 / (v + x * m))
    return ll, np.array([d_p, d_q, d_v])


class GammaGamma:
    """Gamma-Gamma model of the mean spend per repeat purchase, fitted by maximum likelihood.

    Parameters
    ----------
    n_starts : int, default 5
        Number of starting points of the optimiser (a data-driven one, then perturbations of
        it drawn from ``random_state``); the best converged optimum is kept.
    max_iter : int, default 2000
        Iteration limit of each L-BFGS-B run.
    random_state : int, numpy.random.Generator or None, default 0
        Seed of the starting points.

    Attributes
    ----------
    p_, q_, v_ : float
        Maximum-likelihood estimates (``v_`` is in the currency unit of the data).
    params_, se_ : pandas.Series
        Estimates and their standard errors (observed information).
    cov_ : pandas.DataFrame
        Estimated covariance of the estimates.
    log_likelihood_ : float
        Maximised log-likelihood.
    n_customers_ : int
        Customers used in the fit (those with frequency >= 1).
    fit_attempts_ : tuple of FitAttempt
        Every start of the optimiser and where it ended.
    """

    param_names = _NAMES

    def __init__(self, n_starts: int = 5, max_iter: int = 2000, random_state: RandomState = 0):
        self.n_starts = n_starts
        self.max_iter = max_iter
        self.random_state = random_state

    def __repr__(self) -> str:
        if hasattr(self, "params_"):
            inner = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        else:
            inner = f"n_starts={self.n_starts!r}, max_iter={self.max_iter!r}"
        return f"GammaGamma({inner})"

    @classmethod
    def from_params(cls, p: float, q: float, v: float) -> GammaGamma:
        """A model with known parameters (for simulation and what-if), without fitting."""
        where = "GammaGamma.from_params"
        vals = [
            check_param(val, n, where, float, interval=Interval(0, None, "neither"))
            for val, n in zip((p, q, v), _NAMES, strict=True)
        ]
        model = cls()
        model._set_params(np.array(vals), np.full(3, np.nan), np.full((3, 3), np.nan))
        model.log_likelihood_ = float("nan")
        model.n_customers_ = 0
        model.fit_attempts_ = ()
        return model

    def _set_params(self, theta, se, cov) -> None:
        self.p_, self.q_, self.v_ = (float(t) for t in theta)
        self.params_ = pd.Series(theta, index=list(_NAMES), name="coef", dtype=float)
        self.se_ = pd.Series(se, index=list(_NAMES), name="se", dtype=float)
        self.cov_ = pd.DataFrame(cov, index=list(_NAMES), columns=list(_NAMES))

    def fit(self, frequency, monetary_value) -> GammaGamma:
        """Fit on customers with at least one repeat purchase.

        Parameters
        ----------
        frequency : array-like
            Number of repeat purchases per customer; customers with 0 are skipped.
        monetary_value : array-like
            Mean value of each customer's repeat purchases (must be > 0 where frequency >= 1).

        Returns
        -------
        GammaGamma
            ``self``, fitted.
        """
        where = "GammaGamma.fit"
        n_starts, max_iter = check_fit_options(self.n_starts, self.max_iter, where)
        rng = check_random_state(self.random_state, where)
        x_all, m_all = _check_spend(frequency, monetary_value, where)
        keep = x_all >= 1
        x, m = x_all[keep], m_all[keep]
        if x.size < 3:
            raise DataError(
                f"{where}: only {x.size} customers have a repeat purchase; the model needs "
                "more (at least 3, in practice hundreds)."
            )
        n_zero = int((m <= 0).sum())
        if n_zero:
            raise DataError(
                f"{where}: {n_zero} customers with repeat purchases have a mean spend of 0; "
                "the Gamma-Gamma model needs positive values (leave those customers out)."
            )
        scale = float(np.median(m))
        ms = m / scale
        ux, inv = np.unique(x, return_inverse=True)
        cx = np.bincount(inv, minlength=ux.size).astype(float)
        log_x = np.log(x)
        n = float(x.size)

        def objective(u):
            theta = np.exp(u)
            ll, g = _loglik(theta, x, log_x, ms, np.log(ms), ux, inv, cx)
            return -ll / n, -(g * theta) / n

        # moments: m has mean ~ p v/(q-1); start from p=1, q=3 and a matching v
        base = np.log([1.0, 3.0, 2.0 * float(np.mean(ms))])
        starts = [base] + [base + rng.normal(0.0, 1.0, 3) for _ in range(n_starts - 1)]
        u, _, attempts = fit_log_scale(objective, starts, _NAMES, where, max_iter)
        theta = np.exp(u) * np.array([1.0, 1.0, scale])
        log_m = np.log(m)

        se, cov = observed_information_se(
            lambda th: _loglik(th, x, log_x, m, log_m, ux, inv, cx)[1], theta, where
        )
        self._set_params(theta, se, cov)
        self.log_likelihood_ = float(
            _loglik(theta, x, log_x, m, log_m, ux, inv, cx, with_grad=False)
        )
        self.n_customers_ = int(x.size)
        shift = -np.log(scale) * n  # Jacobian of the spend rescaling
        fac = np.array([1.0, 1.0, scale])
        self.fit_attempts_ = tuple(
            replace(
                a,
                start=tuple(float(s) for s in np.array(a.start) * fac),
                params=tuple(float(s) for s in np.array(a.params) * fac),
                log_likelihood=float(a.log_likelihood * n + shift),
            )
            for a in attempts
        )
        if self.q_ <= 1.0:
            import warnings

            warnings.warn(
                f"{where}: q = {self.q_:.3g} <= 1, so the population mean spend p v / (q - 1) "
                "is infinite; expected spend of customers without repeat purchases is not "
                "defined.",
                RuntimeWarning,
                stacklevel=2,
            )
        return self

    def summary(self) -> pd.DataFrame:
        """Estimates with standard errors and 95% intervals."""
        check_fitted(self, "params_")
        return params_table(_NAMES, self.params_.to_numpy(), self.se_.to_numpy())

    def log_likelihood(self, frequency, monetary_value) -> np.ndarray:
        """Per-customer log-likelihood (customers with frequency >= 1 and spend > 0)."""
        check_fitted(self, "params_")
        x, m = _check_spend(frequency, monetary_value, "GammaGamma.log_likelihood")
        p, q, v = self.p_, self.q_, self.v_
        with np.errstate(divide="ignore", invalid="ignore"):
            out = (
                gammaln(p * x + q)
                - gammaln(p * x)
                - gammaln(q)
                + q * np.log(v)
                + p * x * np.log(x)
                + (p * x - 1) * np.log(m)
                - (p * x + q) * np.log(v + x * m)
            )
        return np.where((x >= 1) & (m > 0), out, np.nan)

    def expected_spend_new(self) -> float:
        """Population mean spend per purchase ``p v / (q - 1)`` (infinite when ``q <= 1``)."""
        check_fitted(self, "params_")
        return self.p_ * self.v_ / (self.q_ - 1.0) if self.q_ > 1 else float("inf")

    def conditional_expected_spend(self, frequency, monetary_value) -> np.ndarray:
        """Expected spend per future purchase given ``x`` repeat purchases of mean ``m``.

        ``p (v + x m) / (p x + q - 1)``: the population mean for ``x = 0``, moving towards
        the customer's own mean as ``x`` grows.
        """
        check_fitted(self, "params_")
        x, m = _check_spend(frequency, monetary_value, "GammaGamma.conditional_expected_spend")
        p, q, v = self.p_, self.q_, self.v_
        denom = p * x + q - 1.0
        with np.errstate(divide="ignore"):
            return np.where(denom > 0, p * (v + x * m) / np.where(denom > 0, denom, 1.0), np.inf)

    def sample(self, frequency, random_state: RandomState = None) -> np.ndarray:
        """Simulate each customer's mean spend over ``frequency`` purchases (0 where none).

        ``nu ~ Gamma(q, v)`` per customer; the sum of ``x`` purchase values is
        ``Gamma(p x, nu)``, so the mean is ``Gamma(p x, rate nu x)``.
        """
        check_fitted(self, "params_")
        where = "GammaGamma.sample"
        rng = check_random_state(random_state, where)
        x = as_1d_float(frequency, "frequency", where)
        if ((x < 0) | (x != np.round(x))).any():
            raise DataError(f"{where}: frequency must be whole numbers >= 0.")
        nu = rng.gamma(self.q_, 1.0 / self.v_, size=x.size)
        pos = x > 0
        shape = np.where(pos, self.p_ * x, 1.0)
        mean = rng.gamma(shape, 1.0 / (nu * np.where(pos, x, 1.0)))
        return np.where(pos, mean, 0.0)
