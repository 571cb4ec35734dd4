"""Reading a synthetic world for the lifecycle analyses: horizon, months, observed activity.

The lifecycle modules (:mod:`~ecrm_lab.lifecycle.acquisition`,
:mod:`~ecrm_lab.lifecycle.retention`, :mod:`~ecrm_lab.lifecycle.extension`,
:mod:`~ecrm_lab.lifecycle.states`, :mod:`~ecrm_lab.lifecycle.value`) take a
:class:`ecrm_lab.world.World`. Estimates are built from its OBSERVED tables only; the truth
(``world.truth``) is read in clearly named places to score them. Time is counted in calendar
months from the start of the horizon: month ``0`` is the month holding ``start``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_columns
from ..exceptions import DataError

__all__ = [
    "DAYS_PER_MONTH",
    "Horizon",
    "check_world",
    "horizon",
    "month_index",
    "month_starts",
    "traits_of",
    "activity_events",
    "observed_churn",
    "service_months",
]

#: days in an average month (365.25 / 12)
DAYS_PER_MONTH = 365.25 / 12.0


@dataclass(frozen=True)
class Horizon:
    """The observation window of a world: ``[start, end)``, ``months`` calendar months."""

    start: pd.Timestamp
    end: pd.Timestamp
    months: int
    domain: str


def check_world(world: Any, where: str, tables: tuple[str, ...] = ()) -> str:
    """The world's domain (``'bank'`` or ``'retail'``); a clear :class:`DataError` for
    anything that is not a generated or loaded world, or lacks one of ``tables``."""
    meta = getattr(world, "meta", None)
    if (
        not isinstance(meta, dict)
        or meta.get("domain") not in ("bank", "retail")
        or not isinstance(getattr(world, "tables", None), dict)
    ):
        raise DataError(
            f"{where}: expected a World from ecrm_lab.world.generate or load_world, got "
            f"{type(world).__name__}."
        )
    for name in tables:
        if name not in world.tables and name not in world.truth:
            raise DataError(f"{where}: the world has no table {name!r}.")
    return str(meta["domain"])


def horizon(world: Any) -> Horizon:
    """Start, end and number of calendar months of the world's horizon."""
    start = pd.Timestamp(world.meta["start"])
    end = pd.Timestamp(world.meta.get("end", start + pd.DateOffset(months=world.meta["months"])))
    months = int(month_index(np.array([end - pd.Timedelta(1, "ns")]), start)[0]) + 1
    return Horizon(start=start, end=end, months=months, domain=str(world.meta["domain"]))


def month_index(values: Any, start: pd.Timestamp) -> np.ndarray:
    """Calendar months from the month of ``start`` (float; NaN for missing dates)."""
    dt = pd.DatetimeIndex(pd.to_datetime(np.asarray(values).ravel()))
    out = (dt.year - start.year) * 12.0 + (dt.month - start.month)
    out = np.asarray(out, dtype=np.float64)
    out[np.asarray(dt.isna())] = np.nan
    return out


def month_starts(start: pd.Timestamp, n: int) -> pd.DatetimeIndex:
    """The first day of each of ``n`` calendar months from the month of ``start``."""
    first = pd.Timestamp(year=start.year, month=start.month, day=1)
    return pd.date_range(first, periods=n, freq="MS")


def traits_of(world: Any, where: str) -> pd.DataFrame:
    """The truth table ``customer_traits`` sorted by ``customer_id`` (for scoring only)."""
    truth = getattr(world, "truth", {})
    if "customer_traits" not in truth:
        raise DataError(f"{where}: the world has no truth table 'customer_traits'.")
    t = truth["customer_traits"]
    return t.sort_values("customer_id", kind="stable").reset_index(drop=True)


def activity_events(world: Any) -> pd.DataFrame:
    """Every OBSERVED sign of life of a customer: ``customer_id`` and ``at``.

    Bank: transactions; retail: orders; both: service requests and the lifecycle events
    (acquisition, adoption, win-back). Sorted by customer and time.
    """
    domain = world.meta["domain"]
    parts = []
    if domain == "bank":
        tx = world["transactions"]
        parts.append((tx["customer_id"].to_numpy(np.int64), tx["timestamp"].to_numpy()))
    else:
        o = world["orders"]
        parts.append((o["customer_id"].to_numpy(np.int64), o["order_date"].to_numpy()))
    sr = world["service_requests"]
    parts.append((sr["customer_id"].to_numpy(np.int64), sr["opened_at"].to_numpy()))
    ev = world["lifecycle_events"]
    keep = ev["event_type"].astype(str).isin(("acquisition", "adoption", "win_back")).to_numpy()
    parts.append((ev["customer_id"].to_numpy(np.int64)[keep], ev["event_at"].to_numpy()[keep]))
    cust = np.concatenate([p[0] for p in parts])
    at = np.concatenate([p[1].astype("datetime64[ns]") for p in parts])
    order = np.lexsort((at, cust))
    return pd.DataFrame({"customer_id": cust[order], "at": at[order]})


def observed_churn(world: Any) -> tuple[pd.Series, pd.Series]:
    """Observed churn and win-back dates per customer (NaT when none), indexed by customer.

    Bank churn is observed when all accounts close; retail churn only when a loyalty-card
    holder cancels the card (``lifecycle_events``).
    """
    ids = np.sort(world["customers"]["customer_id"].to_numpy(np.int64))
    ev = world["lifecycle_events"]
    check_columns(ev, ["customer_id", "event_type", "event_at"], "lifecycle_events")
    kind = ev["event_type"].astype(str).to_numpy()
    out = []
    for k in ("churn", "win_back"):
        sel = ev.loc[kind == k, ["customer_id", "event_at"]]
        first = sel.groupby("customer_id")["event_at"].min()
        out.append(first.reindex(ids).rename(f"{k}_at"))
    return out[0], out[1]


def service_months(
    world: Any, n_months: int, window_months: int = 3, truth: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Service requests per customer and month, and the dissatisfying ones, summed over the
    trailing ``window_months`` months (the month itself included).

    Observed: a request is dissatisfying when its survey ``satisfaction`` is 1 or 2 (many
    requests are not surveyed). With ``truth=True`` the true satisfaction of every request
    (truth ``service_truth``) is used instead. Returns two arrays of shape
    ``(n_customers, n_months)`` in the order of the sorted customer ids.
    """
    start = horizon(world).start
    ids = np.sort(world["customers"]["customer_id"].to_numpy(np.int64))
    sr = world["service_requests"]
    rows = np.searchsorted(ids, sr["customer_id"].to_numpy(np.int64))
    m = month_index(sr["opened_at"].to_numpy(), start)
    ok = (m >= 0) & (m < n_months)
    if truth:
        st = world.truth["service_truth"].set_index("request_id")["satisfied"]
        bad = ~st.reindex(sr["request_id"].to_numpy()).to_numpy(dtype=bool)
    else:
        sat = sr["satisfaction"].to_numpy(dtype=np.float64)
        bad = np.nan_to_num(sat, nan=5.0) <= 2.0
    n = len(ids)
    flat = rows[ok] * n_months + m[ok].astype(np.int64)
    req = np.bincount(flat, minlength=n * n_months).reshape(n, n_months).astype(np.float64)
    dis = np.bincount(flat, weights=bad[ok].astype(np.float64), minlength=n * n_months).reshape(
        n, n_months
    )
    return _trailing(req, window_months), _trailing(dis, window_months)


def _trailing(a: np.ndarray, w: int) -> np.ndarray:
    """Sum over the trailing ``w`` columns (the column itself included)."""
    c = np.cumsum(a, axis=1)
    out = c.copy()
    out[:, w:] = c[:, w:] - c[:, :-w]
    return out
