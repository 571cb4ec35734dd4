"""The context every generation step shares.

:func:`ecrm_lab.world.generate` creates one :class:`WorldContext` and hands it to each step in
turn (traits, customers, products, holdings/orders, campaigns, then the source modules in
:mod:`ecrm_lab.world.sources`). A step reads what earlier steps put in ``ctx.tables`` (observed
data) and ``ctx.truth`` (ground truth) and adds its own.

Randomness
----------
Every step draws from its own named stream, ``ctx.rng("web", "sessions")``, so adding a new step
never changes the data of the others. Work that scales with the number of customers is done in
fixed-size customer blocks (:data:`BLOCK_SIZE` customers each) with one stream per block from
``ctx.block_rngs(name, ctx.n_blocks)``: block ``b`` always gets the same stream, so the result
does not depend on how many blocks are processed together or in which worker.

Time
----
The observed horizon is ``[ctx.start, ctx.end)`` with ``ctx.end = ctx.start + months``. Event
times are generated as fractional *day offsets* from ``ctx.start`` (float64) and converted with
:meth:`WorldContext.to_datetime`, which always returns ``datetime64[ns]`` (pandas 3 would
otherwise pick microseconds for parsed strings).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
import pandas as pd

from .._random import block_rngs, child_rng

__all__ = ["WorldContext", "BLOCK_SIZE", "NS_PER_DAY", "categorical"]

T = TypeVar("T")

#: customers per generation block (fixed: changing it would change the data)
BLOCK_SIZE = 25_000

#: nanoseconds in a day
NS_PER_DAY = 86_400 * 10**9


@dataclass
class WorldContext:
    """Parameters and the growing tables of one world being generated.

    Attributes
    ----------
    domain : str
        ``"bank"`` or ``"retail"``.
    n_customers : int
        Number of customers; ``customer_id`` runs ``1..n_customers``.
    seed : int
        The world's seed; every stream is derived from it.
    start : pandas.Timestamp
        First instant of the observed horizon (midnight).
    months : int
        Length of the horizon in calendar months.
    end : pandas.Timestamp
        ``start + months`` (exclusive end of the horizon); computed when not given.
    tables : dict[str, pandas.DataFrame]
        Observed tables, filled step by step.
    truth : dict[str, pandas.DataFrame]
        Ground-truth tables, filled step by step (never shown to models).
    n_jobs : int
        Threads used by :meth:`map_blocks` (the result never depends on it).

    Examples
    --------
    >>> ctx = WorldContext("bank", 10, 1, pd.Timestamp("2023-01-01"), 12)
    >>> ctx.end
    Timestamp('2024-01-01 00:00:00')
    >>> ctx.horizon_days
    365.0
    """

    domain: str
    n_customers: int
    seed: int
    start: pd.Timestamp
    months: int
    end: pd.Timestamp | None = None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    truth: dict[str, pd.DataFrame] = field(default_factory=dict)
    n_jobs: int = 1

    def __post_init__(self) -> None:
        self.start = pd.Timestamp(self.start).as_unit("ns")
        if self.end is None:
            self.end = self.start + pd.DateOffset(months=int(self.months))
        self.end = pd.Timestamp(self.end).as_unit("ns")

    # -- random streams -------------------------------------------------------------------
    def rng(self, *names: str) -> np.random.Generator:
        """An independent stream for one named step: ``child_rng(seed, domain, *names)``."""
        return child_rng(self.seed, self.domain, *names)

    def block_rngs(self, name: str, n_blocks: int) -> list[np.random.Generator]:
        """``n_blocks`` per-block streams of the named source (block ``b`` is always the same)."""
        return block_rngs(self.seed, f"{self.domain}:{name}", n_blocks)

    # -- customer blocks ------------------------------------------------------------------
    @property
    def n_blocks(self) -> int:
        """Number of customer blocks of :data:`BLOCK_SIZE` (the last may be partial)."""
        return -(-self.n_customers // BLOCK_SIZE)

    def block_bounds(self, block: int) -> tuple[int, int]:
        """Row range ``[lo, hi)`` of customer block ``block`` (ids ``lo+1 .. hi``)."""
        lo = block * BLOCK_SIZE
        return lo, min(lo + BLOCK_SIZE, self.n_customers)

    def block_index(self, lo: int) -> int:
        """The block that starts at customer row ``lo``."""
        return lo // BLOCK_SIZE

    def blocks(self, name: str) -> Iterator[tuple[int, int, np.random.Generator]]:
        """Iterate ``(lo, hi, rng)`` over the customer blocks with the streams of ``name``."""
        for b, rng in enumerate(self.block_rngs(name, self.n_blocks)):
            lo, hi = self.block_bounds(b)
            yield lo, hi, rng

    def map_blocks(self, name: str, fn: Callable[[int, int, np.random.Generator], T]) -> list[T]:
        """``[fn(lo, hi, rng) for each block]`` with the streams of ``name``, in block order.

        With ``n_jobs > 1`` blocks run in a thread pool (NumPy releases the GIL in its array
        work); each block has its own stream and the results are returned in block order, so
        the outcome is identical to a sequential run. ``fn`` must not modify shared state.
        """
        jobs = list(self.blocks(name))
        if self.n_jobs <= 1 or len(jobs) <= 1:
            return [fn(lo, hi, rng) for lo, hi, rng in jobs]
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(self.n_jobs, len(jobs))) as pool:
            return list(pool.map(lambda job: fn(*job), jobs))

    def fill_blocks(
        self,
        name: str,
        columns: dict[str, np.dtype | type | str],
        fn: Callable[[int, int, np.random.Generator], tuple[dict[str, np.ndarray], T]],
    ) -> tuple[dict[str, np.ndarray], list[T]]:
        """Per-customer columns generated block by block straight into preallocated arrays.

        ``fn(lo, hi, rng)`` returns ``(arrays, extra)``: ``arrays`` holds the block's values of
        each of ``columns`` (name -> dtype; length ``hi - lo``), which are copied into rows
        ``lo:hi`` of the whole columns, and ``extra`` is anything else the block produces
        (e.g. its Arrow string arrays), returned in block order. Blocks run as in
        :meth:`map_blocks`; no per-block frames are built and nothing is concatenated.
        """
        out = {col: np.empty(self.n_customers, dtype=dt) for col, dt in columns.items()}

        def run(lo: int, hi: int, rng: np.random.Generator) -> T:
            arrays, extra = fn(lo, hi, rng)
            if arrays.keys() != out.keys():
                raise KeyError(
                    f"block of {name!r} returned columns {sorted(arrays)}, expected {sorted(out)}"
                )
            for col, values in arrays.items():
                out[col][lo:hi] = values
            return extra

        return out, self.map_blocks(name, run)

    # -- time -----------------------------------------------------------------------------
    @property
    def horizon_days(self) -> float:
        """Length of the horizon in days (float)."""
        return (self.end - self.start) / pd.Timedelta(days=1)

    def to_datetime(self, days: np.ndarray) -> np.ndarray:
        """Day offsets from ``start`` (float, may be negative; NaN for none) to
        ``datetime64[ns]`` values (NaT for NaN).

        Offsets are rounded down to whole seconds so that CSV and Parquet files round-trip
        exactly (``to_datetime(secs / 86400)`` gives back the same whole seconds).
        """
        days = np.asarray(days, dtype=np.float64)
        nat = np.isnan(days)
        # (+1e-6 s: whole seconds divided by 86400 and multiplied back stay whole)
        secs = np.floor(np.where(nat, 0.0, days) * 86_400.0 + 1e-6).astype(np.int64)
        out = (self.start.value + secs * 10**9).astype("datetime64[ns]")
        if nat.any():
            out[nat] = np.datetime64("NaT")
        return out

    def to_days(self, values) -> np.ndarray:
        """``datetime64`` values to float day offsets from ``start`` (NaT becomes NaN)."""
        arr = np.asarray(values, dtype="datetime64[ns]")
        out = (arr.astype(np.int64) - self.start.value) / NS_PER_DAY
        return np.where(np.isnat(arr), np.nan, out)

    def month_starts(self) -> np.ndarray:
        """Day offsets of the first day of each month of the horizon (``months + 1`` values,
        the last one is ``horizon_days``)."""
        dates = pd.DatetimeIndex(
            [self.start + pd.DateOffset(months=i) for i in range(self.months + 1)]
        ).as_unit("ns")
        return self.to_days(dates.values)


def categorical(codes: np.ndarray, categories) -> pd.Categorical:
    """A ``Categorical`` from integer codes into ``categories`` (``-1`` = missing)."""
    codes = np.asarray(codes)
    if codes.dtype.kind not in "iu":
        codes = codes.astype(np.int64)
    return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(list(categories)))
