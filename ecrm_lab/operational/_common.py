"""Machinery the three operational modules share.

* the latent customer: :func:`as_traits` (a world or a ``customer_traits`` table),
  :func:`align_traits` (traits in the order of a list of customers) and
  :func:`population_traits` (traits of a large population drawn with the world's own trait
  model, without generating any table — used for big simulations and benchmarks);
* intervals: :func:`wilson_interval` (a proportion), :func:`newcombe_interval` (a difference
  of two proportions) and :func:`bootstrap_sum_diff` (a bootstrap interval for the difference
  of two group totals, exact and fast for sparse outcomes such as take-ups);
* :class:`WorkflowError`, raised by an action the current state of a workflow forbids;
* small helpers: :func:`safe_ratio`, :func:`as_rng`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._random import RandomState, check_random_state
from .._validation import Interval, check_columns, check_param
from ..exceptions import DataError, EcrmLabError

__all__ = [
    "WorkflowError",
    "TRAIT_NEEDS",
    "as_traits",
    "align_traits",
    "population_traits",
    "wilson_interval",
    "newcombe_interval",
    "bootstrap_sum_diff",
    "safe_ratio",
    "as_rng",
    "check_confidence",
]

#: trait columns every operational simulation needs
TRAIT_NEEDS = (
    "customer_id",
    "channel_pref",
    "price_sensitivity",
    "response_base",
    "response_treated",
    "service_distress",
    "churn_hazard",
)


class WorkflowError(EcrmLabError, RuntimeError):
    """An action that the current state of a workflow does not allow (for example executing
    a campaign that was never approved). The message names the state and the allowed
    actions."""


# -- the latent customer -------------------------------------------------------------------
def as_traits(source: Any, where: str) -> pd.DataFrame:
    """The ``customer_traits`` table of a world, or ``source`` itself if it is that table
    (``customer_id`` may be a column or the index).

    Raises
    ------
    DataError
        When ``source`` is neither a world with the truth table ``customer_traits`` nor a
        DataFrame with the trait columns the operational simulations need.
    """
    truth = getattr(source, "truth", None)
    if isinstance(truth, dict):
        if "customer_traits" not in truth:
            raise DataError(f"{where}: the world has no truth table 'customer_traits'.")
        source = truth["customer_traits"]
    if not isinstance(source, pd.DataFrame):
        raise DataError(
            f"{where}: expected a world (ecrm_lab.world.generate) or its 'customer_traits' "
            f"table, got {type(source).__name__}."
        )
    if "customer_id" not in source.columns and source.index.name == "customer_id":
        source = source.reset_index()
    check_columns(source, TRAIT_NEEDS, where)
    return source


def align_traits(traits: pd.DataFrame, customer_ids: Any, where: str) -> pd.DataFrame:
    """The rows of ``traits`` for ``customer_ids``, in that order (index reset).

    Fast path when ``traits.customer_id`` is ``1..n`` in order (as the world draws it).

    Raises
    ------
    DataError
        Naming the first customer without traits.
    """
    ids = np.asarray(customer_ids, dtype=np.int64)
    tid = traits["customer_id"].to_numpy(dtype=np.int64)
    n = len(tid)
    if n and tid[0] == 1 and tid[-1] == n and (n < 2 or bool((np.diff(tid) == 1).all())):
        bad = (ids < 1) | (ids > n)
        if bad.any():
            raise DataError(
                f"{where}: customer {int(ids[bad][0])} has no row in customer_traits "
                f"(ids run 1..{n})."
            )
        return traits.iloc[ids - 1].reset_index(drop=True)
    pos = pd.Index(tid).get_indexer(ids)
    if (pos < 0).any():
        raise DataError(f"{where}: customer {int(ids[pos < 0][0])} has no row in customer_traits.")
    return traits.iloc[pos].reset_index(drop=True)


def population_traits(
    domain: str = "bank", n_customers: int = 100_000, seed: int = 42, months: int = 24
) -> pd.DataFrame:
    """Latent traits of a population drawn with the world's own trait model, no tables.

    The result is exactly the ``customer_traits`` truth table that
    ``ecrm_lab.world.generate(domain, n_customers, seed, months=months)`` would hold (same
    blocks, same streams), so simulations of a million customers need not build the
    observed tables.

    Examples
    --------
    >>> t = population_traits("bank", 500, seed=1)
    >>> len(t), int(t["customer_id"].iloc[-1])
    (500, 500)
    """
    from ..world._context import WorldContext
    from ..world.traits import draw_traits

    where = "population_traits"
    check_param(domain, "domain", where, str, choices=("bank", "retail"))
    check_param(n_customers, "n_customers", where, int, interval=Interval(1, None))
    check_param(seed, "seed", where, int, interval=Interval(0, None))
    check_param(months, "months", where, int, interval=Interval(1, None))
    ctx = WorldContext(domain, n_customers, seed, pd.Timestamp("2023-01-01"), months)
    return draw_traits(ctx)


# -- intervals -----------------------------------------------------------------------------
def check_confidence(confidence: float, where: str) -> float:
    """Validate a confidence level in (0, 1)."""
    return check_param(confidence, "confidence", where, float, interval=Interval(0, 1, "neither"))


def _z(confidence: float) -> float:
    from statistics import NormalDist

    return float(NormalDist().inv_cdf(0.5 + confidence / 2.0))


def wilson_interval(successes, n, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion ``successes / n`` (vectorised).

    Returns ``(low, high)``; NaN where ``n == 0``.

    Examples
    --------
    >>> lo, hi = wilson_interval(10, 1000)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.0054, 0.0183)
    """
    k = np.asarray(successes, dtype=np.float64)
    m = np.asarray(n, dtype=np.float64)
    z = _z(check_confidence(confidence, "wilson_interval"))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / m
        denom = 1.0 + z * z / m
        centre = (p + z * z / (2 * m)) / denom
        half = z * np.sqrt(p * (1 - p) / m + z * z / (4 * m * m)) / denom
        lo = np.where(m > 0, np.where(k == 0, 0.0, np.clip(centre - half, 0.0, 1.0)), np.nan)
        hi = np.where(m > 0, np.where(k == m, 1.0, np.clip(centre + half, 0.0, 1.0)), np.nan)
    if lo.ndim == 0:
        return float(lo), float(hi)
    return lo, hi


def newcombe_interval(k1, n1, k2, n2, confidence: float = 0.95) -> tuple[float, float]:
    """Newcombe's hybrid Wilson interval of the difference ``k1/n1 - k2/n2``.

    Method 10 of Newcombe (1998): built from the two Wilson intervals; good coverage for
    small rates such as campaign take-up.

    Examples
    --------
    Newcombe's own example, 56/70 against 48/80:

    >>> lo, hi = newcombe_interval(56, 70, 48, 80)
    >>> round(lo, 4), round(hi, 4)
    (0.0524, 0.3339)
    """
    if min(n1, n2) <= 0:
        return float("nan"), float("nan")
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson_interval(k1, n1, confidence)
    l2, u2 = wilson_interval(k2, n2, confidence)
    d = p1 - p2
    lo = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    hi = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return float(lo), float(hi)


def _bootstrap_sums(values: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """``n_boot`` bootstrap replicates of ``values.sum()`` (resampling all rows).

    Exact and fast when most values are zero: the number of non-zero rows in a resample is
    Binomial(n, k/n), and those rows are a resample of the k non-zero values.
    """
    n = len(values)
    nz = values[values != 0]
    k = len(nz)
    if n == 0 or k == 0:
        return np.zeros(n_boot)
    if k == n:
        counts = np.full(n_boot, n)
    else:
        counts = rng.binomial(n, k / n, size=n_boot)
    total = int(counts.sum())
    draws = nz[rng.integers(0, k, size=total)]
    out = np.zeros(n_boot)
    has = counts > 0
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    if has.any():
        out[has] = np.add.reduceat(draws, starts[has]) if total else 0.0
    return out


def bootstrap_sum_diff(
    values_t: np.ndarray,
    values_c: np.ndarray,
    scale: float,
    *,
    n_boot: int = 2000,
    confidence: float = 0.95,
    random_state: RandomState = None,
) -> tuple[float, float, np.ndarray]:
    """Percentile bootstrap interval of ``scale * (mean(values_t) - mean(values_c))``.

    Each group is resampled with replacement (stratified bootstrap). Used for the
    incremental margin of a campaign: ``values`` are each customer's margin (zero for
    customers who did not take up) and ``scale`` the number of treated customers.

    Returns
    -------
    (low, high, replicates)
    """
    rng = check_random_state(random_state, "bootstrap_sum_diff")
    conf = check_confidence(confidence, "bootstrap_sum_diff")
    vt = np.asarray(values_t, dtype=np.float64)
    vc = np.asarray(values_c, dtype=np.float64)
    if len(vt) == 0 or len(vc) == 0:
        return float("nan"), float("nan"), np.full(n_boot, np.nan)
    st = _bootstrap_sums(vt, n_boot, rng) / len(vt)
    sc = _bootstrap_sums(vc, n_boot, rng) / len(vc)
    reps = scale * (st - sc)
    a = (1.0 - conf) / 2.0
    lo, hi = np.quantile(reps, [a, 1.0 - a])
    return float(lo), float(hi), reps


# -- small helpers -------------------------------------------------------------------------
def safe_ratio(num: float, den: float) -> float:
    """``num / den`` as a float, NaN when ``den`` is 0."""
    return float(num) / float(den) if den else float("nan")


def as_rng(random_state: RandomState, where: str) -> np.random.Generator:
    """The Generator for ``random_state`` (see :func:`ecrm_lab._random.check_random_state`)."""
    return check_random_state(random_state, where)
