"""Customer lifetime value: a retention formula for teaching and the BG/NBD + Gamma-Gamma
model used in practice.

* :func:`retention_clv` — the textbook formula: a customer who yields ``margin`` per period
  and stays each period with probability ``retention_rate`` is worth
  ``margin * r / (1 + d - r)`` at discount rate ``d`` per period (margins at the end of each
  period, infinite horizon), or the finite sum over ``horizon`` periods.
* :func:`clv` — discounted expected value of each customer's future purchases: for each period
  ``k = 1..horizon`` the BG/NBD expected purchases in that period times the Gamma-Gamma
  expected spend per purchase (times ``margin``), discounted by ``(1 + d) ** k``.
* :func:`clv_analysis` — the whole path from a transaction log: summary, both models, per
  customer P(alive), expected purchases and CLV, and a holdout check when asked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._random import RandomState
from .._result import Result
from .._validation import Interval, check_param
from ..exceptions import DataError, InvalidParameterError
from ._common import DAYS_PER, PERIODS, UNITS, as_1d_float, check_fitted, check_rfm_arrays
from .bgnbd import BGNBD
from .gamma_gamma import GammaGamma
from .holdout import HoldoutCheck, holdout_check
from .rfm import RFMSummary, rfm_summary

__all__ = ["retention_clv", "clv", "expected_purchases_by_period", "CLVAnalysis", "clv_analysis"]


def retention_clv(margin, retention_rate, discount_rate, horizon: int | None = None):
    """Lifetime value of a customer under a constant retention rate.

    Convention: the customer is acquired now (time 0, its margin not counted), is still a
    customer after period ``t`` with probability ``r ** t`` and then yields ``margin`` at the
    end of that period, discounted by ``(1 + d) ** t``::

        CLV = sum_{t=1..H} margin * (r / (1 + d)) ** t
            = margin * r / (1 + d - r)               (H infinite)

    Add ``margin`` to include the margin of the current period.

    Parameters
    ----------
    margin : float or array-like
        Margin (profit) per period of an active customer.
    retention_rate : float or array-like
        Probability of staying from one period to the next, in [0, 1].
    discount_rate : float or array-like
        Discount rate per period, >= 0.
    horizon : int, optional
        Number of periods; ``None`` for the infinite-horizon formula.

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> round(retention_clv(100.0, 0.8, 0.1), 2)
    266.67
    >>> round(retention_clv(100.0, 0.8, 0.1, horizon=3), 2)
    164.09
    """
    where = "retention_clv"
    m = np.asarray(margin, dtype=float)
    r = np.asarray(retention_rate, dtype=float)
    d = np.asarray(discount_rate, dtype=float)
    for arr, name, ok, allowed in (
        (m, "margin", np.isfinite(m), "a finite number"),
        (r, "retention_rate", (r >= 0) & (r <= 1), "a float in [0, 1]"),
        (d, "discount_rate", (d >= 0) & np.isfinite(d), "a float in [0, inf)"),
    ):
        if not np.all(ok):
            bad = arr[~ok] if arr.ndim else arr
            raise InvalidParameterError(
                f"The {name!r} parameter of {where} must be {allowed}. Got "
                f"{np.ravel(bad)[0]!r} instead."
            )
    rho = r / (1.0 + d)
    if horizon is None:
        if np.any(rho >= 1.0):
            raise InvalidParameterError(
                f"{where}: with retention_rate 1 and discount_rate 0 the infinite-horizon value "
                "is unbounded; give a horizon."
            )
        out = m * r / (1.0 + d - r)
    else:
        h = check_param(horizon, "horizon", where, int, interval=Interval(1, None))
        flat = np.isclose(rho, 1.0)
        safe = np.where(flat, 0.5, rho)
        out = m * np.where(flat, float(h), safe * (1.0 - safe**h) / (1.0 - safe))
    return float(out) if np.ndim(out) == 0 else out


def _check_clv_options(horizon, period, unit, discount_rate, margin, where):
    horizon = check_param(horizon, "horizon", where, int, interval=Interval(1, 10_000))
    period = check_param(period, "period", where, str, choices=PERIODS)
    unit = check_param(unit, "unit", where, str, choices=UNITS)
    discount_rate = check_param(
        discount_rate, "discount_rate", where, float, interval=Interval(0, 1)
    )
    margin = check_param(margin, "margin", where, float, interval=Interval(0, 1, "right"))
    return horizon, period, unit, discount_rate, margin


def expected_purchases_by_period(
    model: BGNBD,
    frequency,
    recency,
    T,
    *,
    horizon: int = 12,
    period: str = "month",
    unit: str = "day",
) -> np.ndarray:
    """Expected purchases of each customer in each of the next ``horizon`` periods.

    Returns an array of shape ``(n_customers, horizon)``: column ``k`` is
    ``E[Y((k+1) L)] - E[Y(k L)]`` with ``L`` the period length in the summary's unit.
    """
    where = "expected_purchases_by_period"
    check_fitted(model, "params_")
    horizon = check_param(horizon, "horizon", where, int, interval=Interval(1, 10_000))
    period = check_param(period, "period", where, str, choices=PERIODS)
    unit = check_param(unit, "unit", where, str, choices=UNITS)
    x, tx, t = check_rfm_arrays(frequency, recency, T, where)
    length = DAYS_PER[period] / DAYS_PER[unit]
    out = np.empty((x.size, horizon))
    previous = np.zeros(x.size)
    for k in range(horizon):
        cum = model._expected(np.full(x.size, (k + 1) * length), x, tx, t)
        out[:, k] = cum - previous
        previous = cum
    return out


def clv(
    bgnbd: BGNBD,
    gamma_gamma: GammaGamma,
    frequency,
    recency,
    T,
    monetary_value,
    *,
    horizon: int = 12,
    period: str = "month",
    unit: str = "day",
    discount_rate: float = 0.01,
    margin: float = 1.0,
) -> np.ndarray:
    """Discounted customer lifetime value over ``horizon`` periods.

    ``CLV_i = margin * E[spend_i] * sum_{k=1..horizon} E[purchases_i in period k] / (1+d)**k``
    with purchases from the BG/NBD model and spend per purchase from the Gamma-Gamma model.

    Parameters
    ----------
    bgnbd, gamma_gamma : fitted models
    frequency, recency, T, monetary_value : array-like
        The customers' summary (as from :func:`rfm_summary`), ``recency`` and ``T`` in
        ``unit``.
    horizon : int, default 12
        Number of discount periods.
    period : {'day', 'week', 'month', 'quarter', 'year'}, default 'month'
        Length of a discount period (a month is 365.25 / 12 days).
    unit : {'day', 'week'}, default 'day'
        Time unit of recency and T (and of the fitted BG/NBD).
    discount_rate : float, default 0.01
        Discount rate per period, in [0, 1].
    margin : float, default 1.0
        Share of revenue that is profit, in (0, 1]; 1 gives revenue lifetime value.

    Returns
    -------
    numpy.ndarray
        One value per customer, in the currency of ``monetary_value``.
    """
    where = "clv"
    horizon, period, unit, discount_rate, margin = _check_clv_options(
        horizon, period, unit, discount_rate, margin, where
    )
    check_fitted(bgnbd, "params_")
    check_fitted(gamma_gamma, "params_")
    x, tx, t = check_rfm_arrays(frequency, recency, T, where)
    m = as_1d_float(monetary_value, "monetary_value", where)
    if m.size != x.size:
        raise DataError(f"{where}: monetary_value has {m.size} values for {x.size} customers.")
    per_period = expected_purchases_by_period(
        bgnbd, x, tx, t, horizon=horizon, period=period, unit=unit
    )
    discount = (1.0 + discount_rate) ** -np.arange(1, horizon + 1)
    spend = gamma_gamma.conditional_expected_spend(x, m)
    return margin * spend * (per_period * discount).sum(axis=1)


@dataclass(frozen=True, repr=False, eq=False)
class CLVAnalysis(Result):
    """Customer lifetime value from a transaction log.

    Attributes
    ----------
    rfm : RFMSummary
        The customer summary the models were fitted on.
    bgnbd : BGNBD
        Fitted purchase and dropout model.
    gamma_gamma : GammaGamma
        Fitted spend model.
    predictions : pandas.DataFrame
        Per customer: ``frequency``, ``recency``, ``T``, ``monetary_value``, ``p_alive``,
        ``expected_purchases`` (in the horizon), ``expected_spend`` (per purchase) and
        ``clv``; with a holdout also ``frequency_holdout``.
    horizon, period, discount_rate, margin :
        The CLV settings.
    holdout : HoldoutCheck or None
        The holdout check, when the summary has a holdout.
    n_spend_excluded : int
        Repeat customers left out of the Gamma-Gamma fit because their mean spend is 0.
    frequency_spend_corr : float
        Correlation of frequency and mean spend among repeat customers (the Gamma-Gamma
        model assumes it is near 0).
    """

    rfm: RFMSummary
    bgnbd: BGNBD
    gamma_gamma: GammaGamma
    predictions: pd.DataFrame
    horizon: int
    period: str
    discount_rate: float
    margin: float
    holdout: HoldoutCheck | None
    n_spend_excluded: int
    frequency_spend_corr: float

    title = "Customer lifetime value (BG/NBD + Gamma-Gamma)"

    def summary(self) -> pd.DataFrame:
        p = self.predictions
        rows: dict[str, float] = {
            "customers": len(p),
            "customers with a repeat purchase": int((p["frequency"] > 0).sum()),
        }
        for k, v in self.bgnbd.params_.items():
            rows[f"BG/NBD {k}"] = v
        rows["BG/NBD log-likelihood"] = self.bgnbd.log_likelihood_
        for k, v in self.gamma_gamma.params_.items():
            rows[f"Gamma-Gamma {k}"] = v
        rows["corr(frequency, mean spend)"] = self.frequency_spend_corr
        rows["mean P(alive)"] = float(p["p_alive"].mean())
        rows[f"expected purchases, next {self.horizon} {self.period}s"] = float(
            p["expected_purchases"].sum()
        )
        rows["total CLV"] = float(p["clv"].sum())
        rows["mean CLV"] = float(p["clv"].mean())
        top = np.sort(p["clv"].to_numpy())[::-1]
        n_top = max(1, int(np.ceil(0.2 * len(top))))
        rows["share of CLV in top 20% customers"] = (
            float(top[:n_top].sum() / top.sum()) if top.sum() > 0 else float("nan")
        )
        if self.holdout is not None:
            rows["holdout purchases, actual"] = self.holdout.actual_total
            rows["holdout purchases, predicted"] = self.holdout.predicted_total
        return pd.DataFrame({"value": pd.Series(rows, dtype=float)})

    def to_dict(self, include_customers: bool = False) -> dict:
        """A JSON-ready dict of the fitted parameters and totals (the CLI's ``--json``)."""
        b, g = self.bgnbd, self.gamma_gamma
        out: dict = {
            "n_customers": int(len(self.predictions)),
            "n_excluded": int(self.rfm.n_excluded),
            "unit": self.rfm.unit,
            "calibration_end": str(self.rfm.calibration_end.date()),
            "bgnbd": {
                "r": b.r_,
                "alpha": b.alpha_,
                "a": b.a_,
                "b": b.b_,
                "log_likelihood": b.log_likelihood_,
                "se": {k: _num(v) for k, v in b.se_.items()},
            },
            "gamma_gamma": {
                "p": g.p_,
                "q": g.q_,
                "v": g.v_,
                "log_likelihood": g.log_likelihood_,
                "n_customers": g.n_customers_,
                "se": {k: _num(v) for k, v in g.se_.items()},
            },
            "clv": {
                "horizon": self.horizon,
                "period": self.period,
                "discount_rate": self.discount_rate,
                "margin": self.margin,
                "total": float(self.predictions["clv"].sum()),
                "mean": float(self.predictions["clv"].mean()),
            },
        }
        if self.holdout is not None:
            h = self.holdout
            out["holdout_end"] = str(self.rfm.holdout_end.date())
            out["holdout"] = {
                k.replace(" ", "_").replace(",", "").lower(): _num(v)
                for k, v in h.metrics().items()
            }
        if include_customers:
            out["customers"] = self.predictions.reset_index().to_dict(orient="records")
        return out

    def plot(self, ax=None, **kwargs):
        from ..plotting.lifecycle import plot_clv_concentration

        return plot_clv_concentration(self, ax=ax, **kwargs)


def _num(v) -> float | None:
    v = float(v)
    return v if np.isfinite(v) else None


def clv_analysis(
    transactions: pd.DataFrame,
    customer_col: str,
    date_col: str,
    amount_col: str,
    calibration_end=None,
    unit: str = "day",
    holdout_end=None,
    *,
    horizon: int = 12,
    period: str = "month",
    discount_rate: float = 0.01,
    margin: float = 1.0,
    date_format: str | None = None,
    n_starts: int = 5,
    random_state: RandomState = 0,
) -> CLVAnalysis:
    """From a transaction log to per-customer lifetime value.

    Summarises the log (:func:`rfm_summary`), fits :class:`BGNBD` on all calibration
    customers and :class:`GammaGamma` on those with a repeat purchase of positive value,
    predicts P(alive), expected purchases and discounted CLV over ``horizon`` periods, and,
    with ``holdout_end``, checks the purchase predictions on the holdout period.

    The predictions are made at the end of calibration: with a holdout they are the ones to
    compare with what happened; without one, use ``calibration_end`` = the last day of data.
    """
    where = "clv_analysis"
    horizon, period, unit, discount_rate, margin = _check_clv_options(
        horizon, period, unit, discount_rate, margin, where
    )
    rfm = rfm_summary(
        transactions,
        customer_col,
        date_col,
        amount_col,
        calibration_end=calibration_end,
        unit=unit,
        holdout_end=holdout_end,
        date_format=date_format,
    )
    table = rfm.table
    x = table["frequency"].to_numpy(dtype=float)
    tx = table["recency"].to_numpy(dtype=float)
    t = table["T"].to_numpy(dtype=float)
    m = table["monetary_value"].to_numpy(dtype=float)
    bgnbd = BGNBD(n_starts=n_starts, random_state=random_state).fit(x, tx, t)
    usable = (x > 0) & (m > 0)
    n_spend_excluded = int(((x > 0) & (m <= 0)).sum())
    gg = GammaGamma(n_starts=n_starts, random_state=random_state).fit(x[usable], m[usable])
    corr = (
        float(np.corrcoef(x[usable], m[usable])[0, 1])
        if usable.sum() > 2 and np.std(x[usable]) > 0 and np.std(m[usable]) > 0
        else float("nan")
    )
    per_period = expected_purchases_by_period(
        bgnbd, x, tx, t, horizon=horizon, period=period, unit=unit
    )
    discount = (1.0 + discount_rate) ** -np.arange(1, horizon + 1)
    spend = gg.conditional_expected_spend(x, m)
    predictions = pd.DataFrame(
        {
            "frequency": table["frequency"],
            "recency": table["recency"],
            "T": table["T"],
            "monetary_value": table["monetary_value"],
            "p_alive": bgnbd.probability_alive(x, tx, t),
            "expected_purchases": per_period.sum(axis=1),
            "expected_spend": spend,
            "clv": margin * spend * (per_period * discount).sum(axis=1),
        },
        index=table.index,
    )
    check = None
    if rfm.has_holdout:
        predictions["frequency_holdout"] = table["frequency_holdout"]
        check = holdout_check(bgnbd, rfm, gamma_gamma=gg)
    return CLVAnalysis(
        rfm=rfm,
        bgnbd=bgnbd,
        gamma_gamma=gg,
        predictions=predictions,
        horizon=horizon,
        period=period,
        discount_rate=discount_rate,
        margin=margin,
        holdout=check,
        n_spend_excluded=n_spend_excluded,
        frequency_spend_corr=corr,
    )
