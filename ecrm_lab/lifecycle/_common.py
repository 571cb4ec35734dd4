"""Shared machinery of the customer-value models: time units, input checks, ML fitting.

The probabilistic models (:mod:`~ecrm_lab.lifecycle.bgnbd`,
:mod:`~ecrm_lab.lifecycle.gamma_gamma`) are fitted the same way: maximum likelihood on the
log scale of the parameters (so every parameter stays positive), with box bounds, from several
deterministic starting points, keeping the best converged optimum (a start converges when the
optimiser reports success, or stops with a negligible gradient); standard errors come from
the observed information matrix (the negative Hessian of the log-likelihood at the optimum,
by central differences of the analytic gradient).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from .._validation import Interval, check_param
from ..exceptions import ConvergenceError, DataError, NotFittedError

__all__ = [
    "UNITS",
    "PERIODS",
    "DAYS_PER",
    "FitAttempt",
    "as_1d_float",
    "check_rfm_arrays",
    "fit_log_scale",
    "observed_information_se",
    "params_table",
    "check_fitted",
    "check_fit_options",
    "vdot",
    "single_threaded_blas",
]

#: time units of a customer summary (recency and T are measured in them)
UNITS = ("day", "week")
#: discount periods for CLV
PERIODS = ("day", "week", "month", "quarter", "year")
#: length of each unit / period in days (a month is 365.25 / 12 days)
DAYS_PER = {
    "day": 1.0,
    "week": 7.0,
    "month": 365.25 / 12.0,
    "quarter": 365.25 / 4.0,
    "year": 365.25,
}

#: bounds of every log-parameter during optimisation (after the data are rescaled)
LOG_BOUND = 18.0
#: a stop is accepted as converged when the gradient of the mean negative log-likelihood in
#: the log-parameters is below this, even if the optimiser reports a line-search failure
GRAD_TOL = 1e-5


def single_threaded_blas():
    """Context limiting BLAS to one thread while fitting.

    The optimiser makes hundreds of tiny BLAS calls (4-vectors); waking OpenBLAS threads for
    each one made fits 5-10 times slower on a busy machine. Without ``threadpoolctl``
    (installed with scikit-learn) this does nothing.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def vdot(a: np.ndarray, b: np.ndarray) -> float:
    """Dot product of two 1-D arrays without BLAS.

    ``einsum`` runs single-threaded with a fixed summation order, so likelihoods are
    reproducible across machines and do not pay for BLAS thread start-up on every call (which
    dominated fitting time on a busy 2-core machine).
    """
    return float(np.einsum("i,i->", a, b))


@dataclass(frozen=True)
class FitAttempt:
    """One start of a maximum-likelihood fit: where it started, where it ended."""

    start: tuple[float, ...]
    params: tuple[float, ...]
    log_likelihood: float
    converged: bool
    n_iter: int
    message: str


def as_1d_float(values, name: str, where: str) -> np.ndarray:
    """``values`` as a 1-D float array of finite numbers, or a clear :class:`DataError`."""
    if isinstance(values, pd.DataFrame):
        raise DataError(f"{where}: {name!r} must be one column (1-D), got a DataFrame.")
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"{where}: {name!r} must be numeric.") from None
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise DataError(f"{where}: {name!r} must be 1-D, got shape {arr.shape}.")
    n_bad = int((~np.isfinite(arr)).sum())
    if n_bad:
        raise DataError(f"{where}: {name!r} has {n_bad} missing or infinite values.")
    return arr


def check_rfm_arrays(
    frequency, recency, T, where: str, *, allow_empty: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Check a (frequency, recency, T) summary and return it as float arrays.

    frequency are whole numbers >= 0 (repeat purchases); 0 <= recency <= T; recency is 0
    when frequency is 0; T >= 0 (0 for a customer first seen on the last day). Scalars broadcast against arrays.
    """
    x = as_1d_float(frequency, "frequency", where)
    tx = as_1d_float(recency, "recency", where)
    t = as_1d_float(T, "T", where)
    try:
        x, tx, t = (np.ascontiguousarray(a) for a in np.broadcast_arrays(x, tx, t))
    except ValueError:
        raise DataError(
            f"{where}: frequency, recency and T must have the same length; got "
            f"{x.size}, {tx.size} and {t.size}."
        ) from None
    if x.size == 0 and not allow_empty:
        raise DataError(f"{where}: there are no customers (empty frequency, recency and T).")
    tol = 1e-9 * np.maximum(1.0, np.abs(t))
    checks = (
        ((x < 0) | (x != np.round(x)), "frequency must be whole numbers >= 0"),
        (t < 0, "T (time since the first purchase) must be >= 0"),
        (tx < 0, "recency must be >= 0"),
        (tx > t + tol, "recency must not exceed T"),
        ((x == 0) & (tx != 0), "recency must be 0 when frequency is 0"),
    )
    for mask, what in checks:
        n_bad = int(mask.sum())
        if n_bad:
            i = int(np.flatnonzero(mask)[0])
            raise DataError(
                f"{where}: {what}; {n_bad} customers break this (the first at position {i}: "
                f"frequency={x[i]:g}, recency={tx[i]:g}, T={t[i]:g})."
            )
    return x, np.minimum(tx, t), t


def check_fit_options(n_starts, max_iter, where: str) -> tuple[int, int]:
    n_starts = check_param(n_starts, "n_starts", where, int, interval=Interval(1, 100))
    max_iter = check_param(max_iter, "max_iter", where, int, interval=Interval(10, 100_000))
    return n_starts, max_iter


def check_fitted(model, attr: str) -> None:
    if not hasattr(model, attr):
        raise NotFittedError(
            f"This {type(model).__name__} is not fitted yet; call fit(...) before using it."
        )


def fit_log_scale(
    neg_ll_grad: Callable[[np.ndarray], tuple[float, np.ndarray]],
    starts: Sequence[np.ndarray],
    names: Sequence[str],
    where: str,
    max_iter: int,
) -> tuple[np.ndarray, float, tuple[FitAttempt, ...]]:
    """Minimise ``neg_ll_grad`` (mean negative log-likelihood and its gradient, both in the
    log-parameters) from every start; return the best log-parameters, their mean negative
    log-likelihood and a record of every attempt.

    Raises :class:`ConvergenceError` naming the starts and the optimiser's messages when no
    start converges to a finite optimum.
    """
    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(names)
    attempts: list[FitAttempt] = []
    best: tuple[float, np.ndarray] | None = None
    for x0 in starts:
        x0 = np.clip(np.asarray(x0, dtype=float), -LOG_BOUND + 1, LOG_BOUND - 1)
        with np.errstate(all="ignore"), warnings.catch_warnings(), single_threaded_blas():
            warnings.simplefilter("ignore", RuntimeWarning)
            try:
                res = optimize.minimize(
                    neg_ll_grad,
                    x0,
                    jac=True,
                    method="L-BFGS-B",
                    bounds=bounds,
                    options={"maxiter": max_iter, "ftol": 1e-13, "gtol": 1e-9},
                )
                fun, xs, ok = float(res.fun), np.asarray(res.x), bool(res.success)
                nit, msg = int(res.nit), str(res.message)
            except (FloatingPointError, ValueError, OverflowError) as exc:
                fun, xs, ok, nit, msg = np.inf, x0, False, 0, f"{type(exc).__name__}: {exc}"
        ok = ok and np.isfinite(fun) and bool(np.all(np.isfinite(xs)))
        if not ok and np.isfinite(fun) and np.all(np.isfinite(xs)):
            # L-BFGS-B may stop "ABNORMAL" when the line search cannot improve any more at
            # the optimum itself; accept it when the gradient there is negligible
            with np.errstate(all="ignore"), single_threaded_blas():
                g = np.asarray(neg_ll_grad(xs)[1])
            free = np.abs(np.abs(xs) - LOG_BOUND) > 1e-8
            gmax = float(np.max(np.abs(g[free]), initial=0.0))
            if np.isfinite(gmax) and gmax < GRAD_TOL:
                ok = True
                msg += f" (accepted: gradient {gmax:.1e} < {GRAD_TOL:g} at the stop)"
        attempts.append(
            FitAttempt(
                start=tuple(float(v) for v in np.exp(x0)),
                params=tuple(float(v) for v in np.exp(xs)),
                log_likelihood=-fun,
                converged=ok,
                n_iter=nit,
                message=msg,
            )
        )
        if ok and (best is None or fun < best[0]):
            best = (fun, xs)
    if best is None:
        tried = "; ".join(
            "start ("
            + ", ".join(f"{n}={v:.4g}" for n, v in zip(names, a.start, strict=True))
            + f"): {a.message}"
            for a in attempts
        )
        raise ConvergenceError(
            f"{where}: maximum likelihood did not converge from any of {len(attempts)} "
            f"starting points (L-BFGS-B on log-parameters bounded to "
            f"[{np.exp(-LOG_BOUND):.0e}, {np.exp(LOG_BOUND):.0e}]). Tried: {tried}. Check the "
            "data (enough customers, enough repeat purchases) or raise max_iter / n_starts."
        )
    at_bound = [n for n, v in zip(names, best[1], strict=True) if abs(abs(v) - LOG_BOUND) < 1e-6]
    if at_bound:
        warnings.warn(
            f"{where}: the estimate of {', '.join(at_bound)} sits on the bound of the search "
            "range; the data barely identify it and its standard error is not meaningful.",
            RuntimeWarning,
            stacklevel=3,
        )
    return best[1], best[0], tuple(attempts)


def observed_information_se(
    grad: Callable[[np.ndarray], np.ndarray], theta: np.ndarray, where: str
) -> tuple[np.ndarray, np.ndarray]:
    """Standard errors and covariance from the observed information at ``theta``.

    ``grad`` is the gradient of the total log-likelihood in the natural parameters. The
    Hessian is built by central differences of the gradient (relative step 1e-5) and
    symmetrised; the covariance is the inverse of its negative. When that is not positive
    definite, the standard errors are NaN and a warning says so.
    """
    k = theta.size
    hess = np.empty((k, k))
    for i in range(k):
        h = 1e-5 * max(abs(theta[i]), 1e-8)
        up, down = theta.copy(), theta.copy()
        up[i] += h
        down[i] -= h
        hess[:, i] = (grad(up) - grad(down)) / (2 * h)
    hess = 0.5 * (hess + hess.T)
    info = -hess
    try:
        with single_threaded_blas():
            np.linalg.cholesky(info)
            cov = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        warnings.warn(
            f"{where}: the observed information matrix is not positive definite at the "
            "estimate; standard errors are not available (NaN).",
            RuntimeWarning,
            stacklevel=3,
        )
        cov = np.full((k, k), np.nan)
    se = np.sqrt(np.clip(np.diag(cov), 0, None)) if np.all(np.isfinite(cov)) else np.diag(cov)
    return se, cov


def params_table(names: Sequence[str], values: np.ndarray, se: np.ndarray) -> pd.DataFrame:
    """coef / se / 95% interval table, one row per parameter."""
    values = np.asarray(values, dtype=float)
    se = np.asarray(se, dtype=float)
    return pd.DataFrame(
        {
            "coef": values,
            "se": se,
            "lower 95%": values - 1.959964 * se,
            "upper 95%": values + 1.959964 * se,
        },
        index=pd.Index(list(names), name="parameter"),
    )
