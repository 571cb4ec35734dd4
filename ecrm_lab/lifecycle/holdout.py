"""Checking a purchase model against the data: calibration fit and holdout predictions.

* :func:`frequency_fit` compares how many customers made 0, 1, 2, ... repeat purchases in the
  calibration period with what the fitted model expects for customers of the same ages
  (Fader, Hardie & Lee 2005, Figure 2).
* :func:`holdout_check` compares, per calibration-frequency bucket, the mean number of
  purchases customers actually made in the holdout period with the model's conditional
  expectation (their Figure 4), plus overall errors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._result import Result
from .._validation import Interval, check_columns, check_param
from ..exceptions import DataError, InvalidParameterError
from ._common import as_1d_float, check_fitted, check_rfm_arrays
from .bgnbd import BGNBD
from .rfm import RFMSummary

__all__ = ["HoldoutCheck", "FrequencyFit", "holdout_check", "frequency_fit"]


def _bucket_labels(max_frequency: int) -> list[str]:
    return [str(i) for i in range(max_frequency)] + [f"{max_frequency}+"]


def _summary_table(summary, where: str, needed: list[str]) -> pd.DataFrame:
    if isinstance(summary, RFMSummary):
        table = summary.table
    elif isinstance(summary, pd.DataFrame):
        table = summary
    else:
        raise InvalidParameterError(
            f"The 'summary' parameter of {where} must be an RFMSummary or a DataFrame. Got "
            f"{type(summary).__name__} instead."
        )
    check_columns(table, needed, where)
    return table


@dataclass(frozen=True, repr=False, eq=False)
class FrequencyFit(Result):
    """Observed and expected number of customers by calibration repeat purchases.

    Attributes
    ----------
    table : pandas.DataFrame
        Index ``frequency`` (``0``, ``1``, ..., ``'k+'``), columns ``observed`` and
        ``expected`` (customers).
    chi_square : float
        Pearson's chi-square of observed against expected counts (descriptive).
    """

    table: pd.DataFrame
    chi_square: float

    title = "Calibration fit: customers by number of repeat purchases"

    def summary(self) -> pd.DataFrame:
        return self.table

    def plot(self, ax=None, **kwargs):
        from ..plotting.lifecycle import plot_frequency_fit

        return plot_frequency_fit(self, ax=ax, **kwargs)


def frequency_fit(model: BGNBD, frequency, T, max_frequency: int = 7) -> FrequencyFit:
    """How many customers made each number of repeat purchases, observed and expected.

    The expected number with ``x`` repeat purchases is the sum over customers of
    ``P(X(T_i) = x)``; the last bucket collects ``max_frequency`` and more.
    """
    where = "frequency_fit"
    check_fitted(model, "params_")
    max_frequency = check_param(
        max_frequency, "max_frequency", where, int, interval=Interval(1, 100)
    )
    x, t = _freq_t(frequency, T, where)
    ut, counts = np.unique(t, return_counts=True)
    ks = np.arange(max_frequency)
    probs = model.probability_of_purchases(ks[None, :], ut[:, None])
    expected = (counts[:, None] * probs).sum(axis=0)
    expected = np.append(expected, x.size - expected.sum())
    observed = np.bincount(
        np.minimum(x, max_frequency).astype(np.int64), minlength=max_frequency + 1
    )
    table = pd.DataFrame(
        {"observed": observed.astype(np.int64), "expected": expected},
        index=pd.Index(_bucket_labels(max_frequency), name="frequency"),
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        chi = float(np.nansum((observed - expected) ** 2 / expected))
    return FrequencyFit(table=table, chi_square=chi)


def _freq_t(frequency, T, where: str) -> tuple[np.ndarray, np.ndarray]:
    x = as_1d_float(frequency, "frequency", where)
    t = as_1d_float(T, "T", where)
    if x.size != t.size:
        raise DataError(f"{where}: frequency has {x.size} values and T {t.size}.")
    if ((x < 0) | (x != np.round(x))).any():
        raise DataError(f"{where}: frequency must be whole numbers >= 0.")
    if (t < 0).any():
        raise DataError(f"{where}: T must be >= 0.")
    return x, t


@dataclass(frozen=True, repr=False, eq=False)
class HoldoutCheck(Result):
    """Predicted against actual holdout purchases.

    Attributes
    ----------
    table : pandas.DataFrame
        Index ``frequency`` (calibration repeat purchases ``0``, ``1``, ..., ``'k+'`` and
        ``'all'``); columns ``customers``, ``actual`` and ``predicted`` (mean holdout
        purchases per customer), ``actual_total``, ``predicted_total``.
    duration : float
        Length of the holdout period, in the summary's unit.
    n_customers : int
    actual_total, predicted_total : float
        Holdout purchases of all customers, actual and predicted.
    total_error : float
        ``predicted_total / actual_total - 1``.
    mae, rmse : float
        Per-customer mean absolute and root-mean-square error of predicted purchases.
    correlation : float
        Correlation of predicted and actual purchases across customers.
    spend_actual, spend_predicted : float or None
        With a Gamma-Gamma model: among customers who bought in the holdout, their mean
        actual spend per purchase and the mean of their predicted spend per purchase.
    """

    table: pd.DataFrame
    duration: float
    n_customers: int
    actual_total: float
    predicted_total: float
    total_error: float
    mae: float
    rmse: float
    correlation: float
    spend_actual: float | None = None
    spend_predicted: float | None = None

    title = "Holdout check: predicted against actual purchases"

    def metrics(self) -> pd.Series:
        """The overall errors as one Series."""
        out = {
            "customers": self.n_customers,
            "holdout length": self.duration,
            "actual purchases": self.actual_total,
            "predicted purchases": self.predicted_total,
            "total error": self.total_error,
            "MAE per customer": self.mae,
            "RMSE per customer": self.rmse,
            "correlation": self.correlation,
        }
        if self.spend_actual is not None:
            out["mean spend per purchase, actual"] = self.spend_actual
            out["mean spend per purchase, predicted"] = self.spend_predicted
        return pd.Series(out, name="value", dtype=float)

    def summary(self) -> pd.DataFrame:
        return self.table

    def plot(self, ax=None, **kwargs):
        from ..plotting.lifecycle import plot_holdout_check

        return plot_holdout_check(self, ax=ax, **kwargs)


def holdout_check(
    model: BGNBD, summary, *, gamma_gamma=None, max_frequency: int = 7
) -> HoldoutCheck:
    """Compare the model's predicted holdout purchases with the actual ones.

    Parameters
    ----------
    model : BGNBD
        A fitted model (on the calibration part of ``summary``).
    summary : RFMSummary or pandas.DataFrame
        A summary with a holdout: ``frequency``, ``recency``, ``T``, ``frequency_holdout``,
        ``duration_holdout`` (and ``monetary_value``/``monetary_value_holdout`` for the spend
        check).
    gamma_gamma : GammaGamma, optional
        Adds a check of predicted against actual spend per holdout purchase.
    max_frequency : int, default 7
        Calibration frequencies from this value up share the last bucket.
    """
    where = "holdout_check"
    check_fitted(model, "params_")
    max_frequency = check_param(
        max_frequency, "max_frequency", where, int, interval=Interval(1, 100)
    )
    table = _summary_table(
        summary, where, ["frequency", "recency", "T", "frequency_holdout", "duration_holdout"]
    )
    x, tx, t = check_rfm_arrays(table["frequency"], table["recency"], table["T"], where)
    actual = table["frequency_holdout"].to_numpy(dtype=float)
    duration = table["duration_holdout"].to_numpy(dtype=float)
    if (actual < 0).any() or (duration <= 0).any():
        raise DataError(f"{where}: holdout purchases must be >= 0 and the holdout length > 0.")
    predicted = model.expected_purchases(duration, x, tx, t)
    bucket = np.minimum(x, max_frequency).astype(np.int64)
    df = pd.DataFrame({"bucket": bucket, "actual": actual, "predicted": predicted})
    g = df.groupby("bucket")
    rows = pd.DataFrame(
        {
            "customers": g.size(),
            "actual": g["actual"].mean(),
            "predicted": g["predicted"].mean(),
            "actual_total": g["actual"].sum(),
            "predicted_total": g["predicted"].sum(),
        }
    ).reindex(range(max_frequency + 1))
    rows["customers"] = rows["customers"].fillna(0).astype(np.int64)
    rows[["actual_total", "predicted_total"]] = rows[["actual_total", "predicted_total"]].fillna(
        0.0
    )
    rows.index = pd.Index(_bucket_labels(max_frequency), name="frequency")
    n = x.size
    total = pd.DataFrame(
        {
            "customers": [n],
            "actual": [actual.mean()],
            "predicted": [predicted.mean()],
            "actual_total": [actual.sum()],
            "predicted_total": [predicted.sum()],
        },
        index=pd.Index(["all"], name="frequency"),
    )
    out = pd.concat([rows, total])
    err = predicted - actual
    corr = (
        float(np.corrcoef(predicted, actual)[0, 1])
        if n > 1 and actual.std() > 0 and predicted.std() > 0
        else float("nan")
    )
    spend_actual = spend_predicted = None
    if gamma_gamma is not None and {"monetary_value", "monetary_value_holdout"} <= set(
        table.columns
    ):
        bought = actual > 0
        if bought.any():
            pred_spend = gamma_gamma.conditional_expected_spend(
                x[bought], table["monetary_value"].to_numpy(dtype=float)[bought]
            )
            spend_predicted = float(np.mean(pred_spend))
            spend_actual = float(
                table["monetary_value_holdout"].to_numpy(dtype=float)[bought].mean()
            )
    actual_total = float(actual.sum())
    return HoldoutCheck(
        table=out,
        duration=float(np.median(duration)),
        n_customers=int(n),
        actual_total=actual_total,
        predicted_total=float(predicted.sum()),
        total_error=float(predicted.sum() / actual_total - 1.0)
        if actual_total > 0
        else float("nan"),
        mae=float(np.abs(err).mean()),
        rmse=float(np.sqrt((err**2).mean())),
        correlation=corr,
        spend_actual=spend_actual,
        spend_predicted=spend_predicted,
    )
