"""The BG/NBD model of repeat purchasing and dropout (Fader, Hardie & Lee 2005).

Each customer buys at a Poisson rate ``lambda`` while active, and after every repeat purchase
drops out for good with probability ``p``. Across customers ``lambda ~ Gamma(r, alpha)``
(shape ``r``, rate ``alpha``) and ``p ~ Beta(a, b)``. From a customer's summary — ``frequency``
(number of repeat purchases ``x``), ``recency`` (time of the last purchase ``t_x``) and ``T``
(time since the first purchase), all measured from the first purchase — the model gives the
probability that the customer is still active and the purchases to expect in any horizon.

Reference: P. S. Fader, B. G. S. Hardie and K. L. Lee (2005), "Counting your customers the
easy way: an alternative to the Pareto/NBD model", *Marketing Science* 24(2), 275–284.

>>> from ecrm_lab.lifecycle import BGNBD
>>> truth = BGNBD.from_params(r=0.25, alpha=4.0, a=0.8, b=2.5)
>>> data = truth.sample(3000, T=39.0, random_state=1)
>>> model = BGNBD(random_state=0).fit(data["frequency"], data["recency"], data["T"])
>>> bool(abs(model.r_ - 0.25) < 4 * model.se_["r"])
True
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.special import betaln, expit, gammaln, hyp2f1, psi

from .._random import RandomState, check_random_state
from .._validation import Interval, check_param
from ..exceptions import DataError
from ._common import (
    FitAttempt,
    as_1d_float,
    check_fit_options,
    check_fitted,
    check_rfm_arrays,
    fit_log_scale,
    observed_information_se,
    params_table,
    vdot,
)

__all__ = ["BGNBD"]

_NAMES = ("r", "alpha", "a", "b")


@dataclass(frozen=True)
class _Data:
    """A summary prepared for repeated likelihood evaluations."""

    x: np.ndarray
    tx: np.ndarray
    T: np.ndarray
    w: np.ndarray
    ux: np.ndarray  # distinct frequencies
    inv: np.ndarray  # row -> index into ux
    wx: np.ndarray  # total weight of each distinct frequency

    @classmethod
    def build(cls, x, tx, T, w) -> _Data:
        ux, inv = np.unique(x, return_inverse=True)
        wx = np.bincount(inv, weights=w, minlength=ux.size)
        return cls(x, tx, T, w, ux, inv, wx)

    def scaled(self, s: float) -> _Data:
        return _Data(self.x, self.tx / s, self.T / s, self.w, self.ux, self.inv, self.wx)


def _loglik(theta: np.ndarray, d: _Data, with_grad: bool = True):
    """Total log-likelihood (and its gradient in r, alpha, a, b) of a prepared summary.

    ln L_i = ln G(r+x) - ln G(r) + r ln(alpha)
             + logaddexp( ln B(a, b+x) - ln B(a, b) - (r+x) ln(alpha+T),
                          [x>0] (ln B(a+1, b+x-1) - ln B(a, b) - (r+x) ln(alpha+t_x)) )
    """
    r, alpha, a, b = (float(v) for v in theta)
    ux, inv = d.ux, d.inv
    pos = ux > 0
    lab = betaln(a, b)
    const_x = gammaln(r + ux) - gammaln(r) + r * np.log(alpha)
    b1 = betaln(a, b + ux) - lab
    b2 = np.full(ux.shape, -np.inf)
    b2[pos] = betaln(a + 1.0, b + ux[pos] - 1.0) - lab
    rx = r + d.x
    la_t = np.log(alpha + d.T)
    la_tx = np.log(alpha + d.tx)
    l1 = b1[inv] - rx * la_t
    l2 = b2[inv] - rx * la_tx
    lse = np.logaddexp(l1, l2)
    ll = vdot(d.wx, const_x) + vdot(d.w, lse)
    if not with_grad:
        return ll
    w1 = np.exp(l1 - lse)
    w2 = np.exp(l2 - lse)
    ww1, ww2 = d.w * w1, d.w * w2
    s1 = np.bincount(inv, weights=ww1, minlength=ux.size)
    s2 = np.bincount(inv, weights=ww2, minlength=ux.size)
    d_r = vdot(d.wx, psi(r + ux) - psi(r) + np.log(alpha)) - vdot(ww1, la_t) - vdot(ww2, la_tx)
    d_alpha = (
        d.wx.sum() * r / alpha
        - vdot(ww1 * rx, 1.0 / (alpha + d.T))
        - vdot(ww2 * rx, 1.0 / (alpha + d.tx))
    )
    psi_ab = psi(a + b)
    psi_abx = psi(a + b + ux)
    d_a = vdot(s1, psi_ab - psi_abx)
    d_b = vdot(s1, psi(b + ux) - psi_abx - psi(b) + psi_ab)
    if pos.any():
        d_a += vdot(s2[pos], psi(a + 1.0) - psi_abx[pos] - psi(a) + psi_ab)
        d_b += vdot(s2[pos], psi(b + ux[pos] - 1.0) - psi_abx[pos] - psi(b) + psi_ab)
    return ll, np.array([d_r, d_alpha, d_a, d_b])


def _safe_a(a: float) -> float:
    # the expectations divide by (a - 1); a == 1 is a removable singularity
    return a if abs(a - 1.0) > 1e-7 else 1.0 + 1e-7


class BGNBD:
    """Beta-geometric / negative binomial distribution model, fitted by maximum likelihood.

    Parameters
    ----------
    n_starts : int, default 5
        Number of starting points of the optimiser: a data-driven one, then ``n_starts - 1``
        perturbations of it drawn from ``random_state``. The best converged optimum is kept.
    max_iter : int, default 2000
        Iteration limit of each L-BFGS-B run.
    random_state : int, numpy.random.Generator or None, default 0
        Seed of the starting points (fits are deterministic for an int).

    Attributes
    ----------
    r_, alpha_, a_, b_ : float
        Maximum-likelihood estimates (``alpha_`` is in the time unit of the data).
    params_ : pandas.Series
        The four estimates by name.
    se_ : pandas.Series
        Standard errors from the observed information matrix.
    cov_ : pandas.DataFrame
        Estimated covariance matrix of the estimates.
    log_likelihood_ : float
        Maximised log-likelihood.
    n_customers_ : int
        Number of customers (sum of the weights) the model was fitted on.
    fit_attempts_ : tuple of FitAttempt
        Every start of the optimiser and where it ended.

    Notes
    -----
    The likelihood is evaluated with ``gammaln``/``betaln`` and a log-sum-exp of its two
    terms, with the analytic gradient; the parameters are optimised on the log scale within
    bounds after rescaling time so that the mean ``T`` is 1 (``alpha`` is scaled back).
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
        return f"BGNBD({inner})"

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_params(cls, r: float, alpha: float, a: float, b: float) -> BGNBD:
        """A model with known parameters (for simulation and what-if), without fitting."""
        where = "BGNBD.from_params"
        vals = [
            check_param(v, n, where, float, interval=Interval(0, None, "neither"))
            for v, n in zip((r, alpha, a, b), _NAMES, strict=True)
        ]
        model = cls()
        model._set_params(np.array(vals), se=np.full(4, np.nan), cov=np.full((4, 4), np.nan))
        model.log_likelihood_ = float("nan")
        model.n_customers_ = 0
        model.fit_attempts_ = ()
        return model

    def _set_params(self, theta: np.ndarray, se: np.ndarray, cov: np.ndarray) -> None:
        self.r_, self.alpha_, self.a_, self.b_ = (float(v) for v in theta)
        self.params_ = pd.Series(theta, index=list(_NAMES), name="coef", dtype=float)
        self.se_ = pd.Series(se, index=list(_NAMES), name="se", dtype=float)
        self.cov_ = pd.DataFrame(cov, index=list(_NAMES), columns=list(_NAMES))

    # -- fitting ------------------------------------------------------------------------
    def fit(self, frequency, recency, T, weights=None) -> BGNBD:
        """Fit the model to customer summaries by maximum likelihood.

        Parameters
        ----------
        frequency, recency, T : array-like
            Number of repeat purchases, time of the last purchase and time since the first
            purchase, per customer, in one time unit (see :func:`rfm_summary`).
        weights : array-like, optional
            Number of customers each row stands for (for pre-aggregated summaries).

        Returns
        -------
        BGNBD
            ``self``, fitted.

        Raises
        ------
        ConvergenceError
            When no starting point converges.
        """
        where = "BGNBD.fit"
        n_starts, max_iter = check_fit_options(self.n_starts, self.max_iter, where)
        rng = check_random_state(self.random_state, where)
        x, tx, t = check_rfm_arrays(frequency, recency, T, where)
        if weights is None:
            w = np.ones_like(x)
        else:
            w = as_1d_float(weights, "weights", where)
            if w.size != x.size:
                raise DataError(f"{where}: weights has {w.size} values for {x.size} customers.")
            if (w < 0).any() or w.sum() <= 0:
                raise DataError(f"{where}: weights must be >= 0 with a positive total.")
        if not (x > 0).any():
            raise DataError(
                f"{where}: no customer made a repeat purchase (all frequencies are 0); the "
                "model cannot separate purchasing from dropout."
            )
        data = _Data.build(x, tx, t, w)
        scale = float(np.average(t, weights=w))
        sdata = data.scaled(scale)
        wsum = float(w.sum())

        def objective(u):
            theta = np.exp(u)
            ll, g = _loglik(theta, sdata)
            return -ll / wsum, -(g * theta) / wsum

        mean_x = float(np.average(x, weights=w))
        r0 = 1.0
        alpha0 = r0 / max(mean_x, 0.05)  # rate ~ mean(x) / mean(T) with mean(T) == 1
        base = np.log([r0, alpha0, 1.0, 3.0])
        starts = [base] + [base + rng.normal(0.0, 1.0, 4) for _ in range(n_starts - 1)]
        u, _, attempts = fit_log_scale(objective, starts, _NAMES, where, max_iter)
        theta = np.exp(u) * np.array([1.0, scale, 1.0, 1.0])

        se, cov = observed_information_se(lambda th: _loglik(th, data)[1], theta, where)
        self._set_params(theta, se, cov)
        self.log_likelihood_ = float(_loglik(theta, data, with_grad=False))
        self.n_customers_ = int(round(wsum))
        ll_shift = -np.log(scale) * vdot(w, x)  # Jacobian of the time rescaling
        self.fit_attempts_ = tuple(_rescale_attempt(a, scale, wsum, ll_shift) for a in attempts)
        return self

    def log_likelihood(self, frequency, recency, T) -> np.ndarray:
        """Per-customer log-likelihood under the fitted parameters."""
        check_fitted(self, "params_")
        x, tx, t = check_rfm_arrays(frequency, recency, T, "BGNBD.log_likelihood")
        r, alpha, a, b = self.r_, self.alpha_, self.a_, self.b_
        b1 = betaln(a, b + x) - betaln(a, b)
        with np.errstate(invalid="ignore"):
            b2 = np.where(x > 0, betaln(a + 1.0, b + x - 1.0) - betaln(a, b), -np.inf)
        lse = np.logaddexp(b1 - (r + x) * np.log(alpha + t), b2 - (r + x) * np.log(alpha + tx))
        return gammaln(r + x) - gammaln(r) + r * np.log(alpha) + lse

    def summary(self) -> pd.DataFrame:
        """Estimates with standard errors and 95% intervals."""
        check_fitted(self, "params_")
        return params_table(_NAMES, self.params_.to_numpy(), self.se_.to_numpy())

    # -- predictions --------------------------------------------------------------------
    def probability_alive(self, frequency, recency, T) -> np.ndarray:
        """P(the customer is still active at T | frequency, recency, T).

        ``1 / (1 + [x>0] a / (b+x-1) * ((alpha+T) / (alpha+t_x))**(r+x))``; customers with
        no repeat purchase are alive with probability 1 under the BG/NBD assumptions.
        """
        check_fitted(self, "params_")
        x, tx, t = check_rfm_arrays(frequency, recency, T, "BGNBD.probability_alive")
        return self._p_alive(x, tx, t)

    def _p_alive(self, x, tx, t) -> np.ndarray:
        r, alpha, a, b = self.r_, self.alpha_, self.a_, self.b_
        pos = x > 0
        log_odds = np.full(x.shape, -np.inf)
        log_odds[pos] = (
            np.log(a)
            - np.log(b + x[pos] - 1.0)
            + (r + x[pos]) * (np.log(alpha + t[pos]) - np.log(alpha + tx[pos]))
        )
        return expit(-log_odds)

    def expected_purchases(self, t, frequency, recency, T) -> np.ndarray:
        """Expected number of purchases in the next ``t`` time units for each customer.

        The conditional expectation ``E[Y(t) | x, t_x, T]`` of Fader, Hardie & Lee (2005,
        eq. 10). ``t`` is a scalar or an array broadcasting against the customers.
        """
        check_fitted(self, "params_")
        where = "BGNBD.expected_purchases"
        x, tx, tt = check_rfm_arrays(frequency, recency, T, where)
        t = as_1d_float(t, "t", where)
        if (t < 0).any():
            raise DataError(f"{where}: the horizon t must be >= 0.")
        try:
            t, x, tx, tt = np.broadcast_arrays(t, x, tx, tt)
        except ValueError:
            raise DataError(f"{where}: t has {t.size} values for {x.size} customers.") from None
        return self._expected(t, x, tx, tt)

    def _expected(self, t, x, tx, tt) -> np.ndarray:
        r, alpha, b = self.r_, self.alpha_, self.b_
        a = _safe_a(self.a_)
        z = t / (alpha + tt + t)
        log_ratio = (r + x) * (np.log(alpha + tt) - np.log(alpha + tt + t))
        h = hyp2f1(r + x, b + x, a + b + x - 1.0, z)
        bracket = -np.expm1(log_ratio + np.log(h))
        out = (a + b + x - 1.0) / (a - 1.0) * bracket * self._p_alive(x, tx, tt)
        return np.where(t == 0, 0.0, out)

    def expected_purchases_new(self, t) -> np.ndarray:
        """Expected purchases ``E[X(t)]`` of a new customer in ``(0, t]`` after the first one.

        ``(a+b-1)/(a-1) * [1 - (alpha/(alpha+t))**r * 2F1(r, b; a+b-1; t/(alpha+t))]``.
        """
        check_fitted(self, "params_")
        t = as_1d_float(t, "t", "BGNBD.expected_purchases_new")
        if (t < 0).any():
            raise DataError("BGNBD.expected_purchases_new: t must be >= 0.")
        r, alpha, b = self.r_, self.alpha_, self.b_
        a = _safe_a(self.a_)
        h = hyp2f1(r, b, a + b - 1.0, t / (alpha + t))
        bracket = -np.expm1(r * (np.log(alpha) - np.log(alpha + t)) + np.log(h))
        return (a + b - 1.0) / (a - 1.0) * bracket

    def probability_of_purchases(self, x, t) -> np.ndarray:
        """P(X(t) = x): probability that a new customer makes ``x`` repeat purchases in ``t``.

        Fader, Hardie & Lee (2005, eq. 8), written with the negative binomial distribution
        ``NB(r, alpha / (alpha + t))`` of purchase counts of a customer who never drops out::

            B(a, b+x)/B(a, b) * NB.pmf(x) + [x>0] B(a+1, b+x-1)/B(a, b) * NB.sf(x-1)

        ``x`` and ``t`` broadcast against each other (any shapes).
        """
        from scipy.stats import nbinom

        check_fitted(self, "params_")
        where = "BGNBD.probability_of_purchases"
        xs = np.atleast_1d(np.asarray(x, dtype=float))
        ts = np.atleast_1d(np.asarray(t, dtype=float))
        if not (np.isfinite(xs).all() and np.isfinite(ts).all()):
            raise DataError(f"{where}: x and t must be finite numbers.")
        if ((xs < 0) | (xs != np.round(xs))).any():
            raise DataError(f"{where}: x must be whole numbers >= 0.")
        if (ts < 0).any():
            raise DataError(f"{where}: t must be >= 0.")
        try:
            xs, ts = (np.array(v) for v in np.broadcast_arrays(xs, ts))
        except ValueError:
            raise DataError(f"{where}: x {xs.shape} and t {ts.shape} do not broadcast.") from None
        r, alpha, a, b = self.r_, self.alpha_, self.a_, self.b_
        q = alpha / (alpha + ts)
        lab = betaln(a, b)
        out = np.exp(betaln(a, b + xs) - lab) * nbinom.pmf(xs, r, q)
        pos = xs > 0
        if pos.any():
            out[pos] += np.exp(betaln(a + 1.0, b + xs[pos] - 1.0) - lab) * nbinom.sf(
                xs[pos] - 1, r, q[pos]
            )
        return out

    # -- simulation ---------------------------------------------------------------------
    def sample(
        self, n: int, T=39.0, random_state: RandomState = None, holdout: float | None = None
    ) -> pd.DataFrame:
        """Simulate ``n`` customers from the model's parameters.

        Each customer makes the first purchase at time 0 and is observed until ``T`` (a scalar
        or one value per customer); with ``holdout`` the purchases in ``(T, T + holdout]`` are
        counted too. Exact and vectorised: given ``N`` Poisson events in ``(0, T]`` and a
        geometric number ``K`` of repeat purchases before dropout, ``x = min(N, K)`` and the
        ``x``-th event time is ``T * Beta(x, N - x + 1)``.

        Returns
        -------
        pandas.DataFrame
            ``frequency``, ``recency``, ``T``, the true ``lambda`` and ``p``, ``alive`` (at T)
            and, with ``holdout``, ``frequency_holdout`` and ``duration_holdout``.
        """
        check_fitted(self, "params_")
        where = "BGNBD.sample"
        n = check_param(n, "n", where, int, interval=Interval(1, None))
        rng = check_random_state(random_state, where)
        t = as_1d_float(T, "T", where)
        if (t <= 0).any():
            raise DataError(f"{where}: T must be > 0.")
        if t.size not in (1, n):
            raise DataError(f"{where}: T must be a scalar or have n={n} values, got {t.size}.")
        t = np.broadcast_to(t, (n,)).astype(float)
        if holdout is not None:
            holdout = check_param(holdout, "holdout", where, float, interval=Interval(0, None))
        lam = rng.gamma(self.r_, 1.0 / self.alpha_, size=n)
        p = np.clip(rng.beta(self.a_, self.b_, size=n), 1e-12, 1.0)
        horizon = t + (holdout or 0.0)
        n_total = rng.poisson(lam * horizon)
        if holdout:
            n_cal = rng.binomial(n_total, t / horizon)
        else:
            n_cal = n_total
        k = rng.geometric(p)
        x = np.minimum(n_cal, k)
        alive = n_cal < k
        pos = x > 0
        u = rng.beta(np.where(pos, x, 1), np.where(pos, n_cal - x + 1, 1))
        tx = np.where(pos, t * u, 0.0)
        out = pd.DataFrame(
            {
                "frequency": x.astype(np.int64),
                "recency": tx,
                "T": t,
                "lambda": lam,
                "p": p,
                "alive": alive,
            }
        )
        if holdout is not None:
            out["frequency_holdout"] = np.where(
                alive, np.minimum(n_total - n_cal, k - n_cal), 0
            ).astype(np.int64)
            out["duration_holdout"] = float(holdout)
        return out


def _rescale_attempt(att: FitAttempt, scale: float, wsum: float, ll_shift: float) -> FitAttempt:
    """An attempt recorded on rescaled time, expressed in the data's time unit."""
    fac = np.array([1.0, scale, 1.0, 1.0])
    return replace(
        att,
        start=tuple(float(v) for v in np.array(att.start) * fac),
        params=tuple(float(v) for v in np.array(att.params) * fac),
        log_likelihood=float(att.log_likelihood * wsum + ll_shift),
    )
