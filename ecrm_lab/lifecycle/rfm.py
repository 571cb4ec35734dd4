"""From a transaction log to the customer summary the CLV models need.

Conventions of Fader, Hardie & Lee (2005), as used in their CDNOW analyses and by
``lifetimes``:

* several transactions of one customer on one calendar day count as ONE purchase (their
  amounts are summed);
* ``frequency`` is the number of REPEAT purchases (purchase days after the first one) up to
  the end of calibration;
* ``recency`` is the time from the first purchase to the last one, ``T`` the time from the
  first purchase to the end of calibration, both in days or (fractional) weeks;
* ``monetary_value`` is the mean value of the repeat purchases (0 for customers without one);
  the first purchase is left out because its value is often atypical;
* customers whose first purchase falls after the end of calibration are not part of the
  calibration cohort and are left out (their number is reported).

The calibration period ends at the end of the day ``calibration_end`` (inclusive). With
``holdout_end`` the purchases in ``(calibration_end, holdout_end]`` are counted per customer as
the holdout to check predictions against.

>>> import pandas as pd
>>> from ecrm_lab.lifecycle import rfm_summary
>>> log = pd.DataFrame({
...     "customer": ["a", "a", "a", "b"],
...     "date": ["2024-01-01", "2024-01-01", "2024-01-08", "2024-01-05"],
...     "amount": [10.0, 5.0, 20.0, 7.0],
... })
>>> s = rfm_summary(log, "customer", "date", "amount", calibration_end="2024-01-15")
>>> s.table.loc["a", ["frequency", "recency", "T", "monetary_value"]].tolist()
[1.0, 7.0, 14.0, 20.0]
>>> s.table.loc["b", ["frequency", "recency", "T", "monetary_value"]].tolist()
[0.0, 0.0, 10.0, 0.0]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._result import Result
from .._validation import check_columns, check_not_empty, check_param
from ..exceptions import DataError, InvalidParameterError
from ._common import DAYS_PER, UNITS

__all__ = ["RFMSummary", "rfm_summary", "parse_dates"]


@dataclass(frozen=True, repr=False, eq=False)
class RFMSummary(Result):
    """A customer summary for the CLV models.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per customer of the calibration cohort (indexed by customer id):
        ``frequency``, ``recency``, ``T``, ``first_purchase``, and with amounts
        ``monetary_value``; with a holdout also ``frequency_holdout``, ``duration_holdout``
        and (with amounts) ``monetary_value_holdout`` (mean value of the holdout purchases,
        0 when there is none).
    unit : str
        ``'day'`` or ``'week'``: the unit of ``recency``, ``T`` and ``duration_holdout``.
    calibration_end, holdout_end : pandas.Timestamp or None
        The ends of the two periods (inclusive days).
    n_transactions : int
        Transactions read (rows of the log up to the end of the last period).
    n_purchases : int
        Purchases after merging same-day transactions (cohort customers, both periods).
    n_excluded : int
        Customers left out because their first purchase is after ``calibration_end``.
    """

    table: pd.DataFrame
    unit: str
    calibration_end: pd.Timestamp
    holdout_end: pd.Timestamp | None
    n_transactions: int
    n_purchases: int
    n_excluded: int

    title = "Customer summary (frequency, recency, T, monetary value)"

    @property
    def n_customers(self) -> int:
        return len(self.table)

    @property
    def has_holdout(self) -> bool:
        return "frequency_holdout" in self.table.columns

    @property
    def has_monetary(self) -> bool:
        return "monetary_value" in self.table.columns

    def summary(self) -> pd.DataFrame:
        t = self.table
        rows = {
            "customers": self.n_customers,
            "customers excluded (first purchase after calibration)": self.n_excluded,
            "transactions read": self.n_transactions,
            "purchases (same-day merged)": self.n_purchases,
            "customers with a repeat purchase": int((t["frequency"] > 0).sum()),
            "mean frequency": float(t["frequency"].mean()),
            f"mean recency ({self.unit}s)": float(t["recency"].mean()),
            f"mean T ({self.unit}s)": float(t["T"].mean()),
        }
        if self.has_monetary:
            rep = t["frequency"] > 0
            rows["mean repeat-purchase value"] = (
                float(t.loc[rep, "monetary_value"].mean()) if rep.any() else 0.0
            )
        if self.has_holdout:
            rows["holdout purchases"] = int(t["frequency_holdout"].sum())
            rows[f"holdout length ({self.unit}s)"] = float(t["duration_holdout"].iloc[0])
        return pd.DataFrame({"value": pd.Series(rows, dtype=object)})

    def plot(self, ax=None, **kwargs):
        from ..plotting.lifecycle import plot_rfm_summary

        return plot_rfm_summary(self, ax=ax, **kwargs)


def parse_dates(values: pd.Series, column: str, where: str, date_format: str | None = None):
    """Parse a date column; name the column and count the values that do not parse.

    Integers such as ``19970101`` are read as ``YYYYMMDD``; time-zone-aware values are
    converted to naive local time.
    """
    s = values
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        return s.dt.tz_localize(None)
    if pd.api.types.is_datetime64_any_dtype(s):
        return s
    if pd.api.types.is_bool_dtype(s):
        raise DataError(f"{where}: column {column!r} holds booleans, not dates.")
    fmt = date_format
    if fmt is None and pd.api.types.is_numeric_dtype(s):
        nonnull = s.dropna()
        if len(nonnull) and ((nonnull >= 1_000_01_01) & (nonnull <= 9_999_12_31)).all():
            fmt = "%Y%m%d"
            s = s.astype("Int64").astype("string")
        else:
            raise DataError(
                f"{where}: column {column!r} holds numbers that are not YYYYMMDD dates; "
                "convert it to dates or give the date format."
            )
    try:
        if fmt is not None:
            parsed = pd.to_datetime(s, format=fmt, errors="coerce")
        else:
            parsed = pd.to_datetime(s, errors="coerce", format="mixed")
    except (TypeError, ValueError) as exc:
        raise DataError(f"{where}: column {column!r} cannot be read as dates: {exc}") from None
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_localize(None)
    bad = parsed.isna() & values.notna()
    n_bad = int(bad.sum())
    if n_bad:
        example = values[bad].iloc[0]
        raise DataError(
            f"{where}: column {column!r} has {n_bad} values that are not dates (for example "
            f"{example!r})."
        )
    n_missing = int(values.isna().sum())
    if n_missing:
        raise DataError(f"{where}: column {column!r} has {n_missing} missing dates.")
    return parsed


def _timestamp(value, name: str, where: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        ts = None
    if ts is None or ts is pd.NaT:
        raise InvalidParameterError(
            f"The {name!r} parameter of {where} must be a date (for example '2024-06-30'). "
            f"Got {value!r} instead."
        )
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


def rfm_summary(
    transactions: pd.DataFrame,
    customer_col: str,
    date_col: str,
    amount_col: str | None = None,
    calibration_end=None,
    unit: str = "day",
    holdout_end=None,
    *,
    date_format: str | None = None,
) -> RFMSummary:
    """Summarise a transaction log per customer for the BG/NBD and Gamma-Gamma models.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per transaction.
    customer_col, date_col : str
        Columns with the customer id and the transaction date (dates, ISO strings or
        ``YYYYMMDD`` integers; times of day are ignored).
    amount_col : str, optional
        Column with the transaction value (>= 0). Without it there is no monetary value.
    calibration_end : date-like
        Last day of the calibration period (inclusive). Defaults to the last day in the log.
    unit : {'day', 'week'}
        Unit of recency and T; weeks are fractional (days / 7).
    holdout_end : date-like, optional
        Last day of a holdout period after ``calibration_end``.
    date_format : str, optional
        ``strftime`` format of the dates when they are text in an unusual format.

    Returns
    -------
    RFMSummary
        See its attributes; ``.table`` is the per-customer summary.
    """
    where = "rfm_summary"
    unit = check_param(unit, "unit", where, str, choices=UNITS)
    if not isinstance(transactions, pd.DataFrame):
        raise InvalidParameterError(
            f"The 'transactions' parameter of {where} must be a pandas DataFrame. Got "
            f"{type(transactions).__name__} instead."
        )
    for name, col in (("customer_col", customer_col), ("date_col", date_col)):
        check_param(col, name, where, str)
    if amount_col is not None:
        check_param(amount_col, "amount_col", where, str)
    if date_format is not None:
        check_param(date_format, "date_format", where, str)
    cal_end = (
        None if calibration_end is None else _timestamp(calibration_end, "calibration_end", where)
    )
    hold_end = None if holdout_end is None else _timestamp(holdout_end, "holdout_end", where)
    if hold_end is not None and cal_end is not None and hold_end <= cal_end:
        raise InvalidParameterError(
            f"The 'holdout_end' parameter of {where} must be after calibration_end "
            f"({cal_end.date()}). Got {hold_end.date()} instead."
        )

    cols = [customer_col, date_col] + ([amount_col] if amount_col is not None else [])
    check_columns(transactions, cols, where)
    check_not_empty(transactions, where)
    n_missing_id = int(transactions[customer_col].isna().sum())
    if n_missing_id:
        raise DataError(
            f"{where}: column {customer_col!r} has {n_missing_id} missing customer ids."
        )
    day = parse_dates(transactions[date_col], date_col, where, date_format).dt.normalize()
    data = pd.DataFrame({"customer": transactions[customer_col].to_numpy(), "day": day.to_numpy()})
    if amount_col is not None:
        amount = transactions[amount_col]
        if not pd.api.types.is_numeric_dtype(amount) or pd.api.types.is_bool_dtype(amount):
            converted = pd.to_numeric(amount, errors="coerce")
            n_bad = int((converted.isna() & amount.notna()).sum())
            raise DataError(
                f"{where}: column {amount_col!r} must be numeric; {n_bad} values are not "
                f"numbers (for example {amount[converted.isna() & amount.notna()].iloc[0]!r})."
            )
        n_nan = int(amount.isna().sum())
        if n_nan:
            raise DataError(f"{where}: column {amount_col!r} has {n_nan} missing amounts.")
        n_neg = int((amount < 0).sum())
        if n_neg:
            raise DataError(
                f"{where}: column {amount_col!r} has {n_neg} negative values; refunds and "
                "returns must be netted out of the purchases before summarising."
            )
        data["amount"] = amount.to_numpy(dtype=float)

    first_day, last_day = data["day"].min(), data["day"].max()
    if cal_end is None:
        cal_end = last_day
        if hold_end is not None and hold_end <= cal_end:
            raise InvalidParameterError(
                f"The 'holdout_end' parameter of {where} must be after calibration_end "
                f"({cal_end.date()}). Got {hold_end.date()} instead."
            )
    if cal_end < first_day:
        raise DataError(
            f"{where}: calibration_end {cal_end.date()} is before the first transaction "
            f"({first_day.date()}); there is nothing to calibrate on."
        )
    first_any = data.groupby("customer", sort=False, observed=True)["day"].min()
    n_excluded = int((first_any > cal_end).sum())
    end = hold_end if hold_end is not None else cal_end
    data = data[data["day"] <= end]
    n_transactions = len(data)

    # one purchase per customer and day
    if amount_col is not None:
        daily = data.groupby(["customer", "day"], sort=True, observed=True)["amount"].sum()
        daily = daily.reset_index()
    else:
        daily = data.drop_duplicates(["customer", "day"]).sort_values(["customer", "day"])
    first = daily.groupby("customer", sort=True, observed=True)["day"].min()
    cohort = first.index[first <= cal_end]
    if len(cohort) == 0:
        raise DataError(
            f"{where}: no customer made a first purchase on or before calibration_end "
            f"{cal_end.date()}."
        )
    daily = daily[daily["customer"].isin(cohort)]
    cal = daily[daily["day"] <= cal_end]
    g = cal.groupby("customer", sort=True, observed=True)
    days_per = DAYS_PER[unit]
    n_cal = g["day"].size()
    first_c = g["day"].min()
    last_c = g["day"].max()
    table = pd.DataFrame(
        {
            "frequency": (n_cal - 1).astype(np.int64),
            "recency": (last_c - first_c).dt.days / days_per,
            "T": (cal_end - first_c).dt.days / days_per,
        }
    )
    table.index.name = customer_col
    if amount_col is not None:
        total = g["amount"].sum()
        first_amount = g["amount"].first()  # sorted by day: the first purchase's value
        repeat = (total - first_amount).clip(lower=0.0)
        table["monetary_value"] = np.where(
            table["frequency"] > 0, repeat / table["frequency"].clip(lower=1), 0.0
        )
    table["first_purchase"] = first_c
    if hold_end is not None:
        hold = daily[daily["day"] > cal_end]
        gh = hold.groupby("customer", sort=True, observed=True)
        table["frequency_holdout"] = (
            gh["day"].size().reindex(table.index, fill_value=0).astype(np.int64)
        )
        table["duration_holdout"] = float((hold_end - cal_end).days) / days_per
        if amount_col is not None:
            table["monetary_value_holdout"] = (
                gh["amount"].mean().reindex(table.index, fill_value=0.0).astype(float)
            )
    return RFMSummary(
        table=table,
        unit=unit,
        calibration_end=cal_end,
        holdout_end=hold_end,
        n_transactions=int(n_transactions),
        n_purchases=int(len(daily)),
        n_excluded=n_excluded,
    )
