"""Machinery shared by the source modules (web, service, sales, lifecycle, extracts).

Everything is vectorised over rows and draws random numbers only from the
``numpy.random.Generator`` it is given. Time is handled as float *day offsets* from
``ctx.start`` (see :mod:`ecrm_lab.world._context`).

Customer windows
----------------
A customer can act (visit the web site, contact service, be a sales lead) from
``max(acquisition, start)`` until the true churn date, and again from a win-back date until the
end of the horizon. Win-back is drawn once, with the churn dates, and kept in ``true_churn``
(:func:`win_back_days` reads it), so that every source agrees on it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import _strings as S
from .._context import WorldContext, categorical

__all__ = [
    "DAYS_PER_MONTH",
    "Windows",
    "customer_windows",
    "win_back_days",
    "to_secs",
    "days_to_datetime",
    "scramble",
    "hex_keys",
    "digit_keys",
    "fixed_strings",
    "vocab_strings",
    "DATE_FORMATS",
    "date_chars",
    "choose_strings",
    "ragged_strings",
    "civil_date",
    "decimal_strings",
    "cumcount",
    "permute_segments",
    "segment_cumsum",
    "categorical",
    "label_codes",
    "string_codes",
    "draw_grouped",
    "draw_columns",
]

DAYS_PER_MONTH = 365.25 / 12

_MASK40 = np.uint64((1 << 40) - 1)
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


# -- customer windows ----------------------------------------------------------------------
def win_back_days(ctx: WorldContext) -> np.ndarray:
    """Day offset at which each churned customer was won back (NaN: never), from truth
    ``true_churn`` (drawn with the churn dates, :func:`ecrm_lab.world.customers.draw_win_back`)."""
    return ctx.to_days(ctx.truth["true_churn"]["win_back_date"].to_numpy())


def _churn_days(ctx: WorldContext) -> np.ndarray:
    churn = ctx.truth["true_churn"]["churn_date"].to_numpy()
    return ctx.to_days(churn)


@dataclass
class Windows:
    """Where each customer can act, in day offsets (arrays of length ``n_customers``).

    ``a0, a1``: first window ``[max(acquisition, 0), churn or horizon)``; ``b0, b1``: second
    window after a win-back (empty, ``b0 == b1``, when not won back); ``acq``: acquisition
    day (negative before the horizon); ``churn`` and ``back``: churn and win-back days (NaN when
    none).
    """

    acq: np.ndarray
    a0: np.ndarray
    a1: np.ndarray
    b0: np.ndarray
    b1: np.ndarray
    churn: np.ndarray
    back: np.ndarray

    def slice(self, lo: int, hi: int) -> Windows:
        """The windows of customers ``lo+1 .. hi``."""
        return Windows(*(getattr(self, f)[lo:hi] for f in self.__dataclass_fields__))


def customer_windows(ctx: WorldContext) -> Windows:
    """The :class:`Windows` of every customer (churn from truth ``true_churn``)."""
    h = ctx.horizon_days
    acq = ctx.to_days(ctx.tables["customers"]["acquisition_date"].to_numpy())
    churn = _churn_days(ctx)
    back = win_back_days(ctx)
    a0 = np.clip(acq, 0.0, h)
    a1 = np.where(np.isnan(churn), h, np.maximum(churn, a0))
    b0 = np.where(np.isnan(back), h, back)
    return Windows(acq=acq, a0=a0, a1=a1, b0=b0, b1=np.full_like(a0, h), churn=churn, back=back)


# -- time -------------------------------------------------------------------------------
def to_secs(days: np.ndarray) -> np.ndarray:
    """Day offsets to whole seconds (rounded down; robust to float error, so a time that came
    from whole seconds maps back to the same second)."""
    return np.floor(np.asarray(days, dtype=np.float64) * 86_400.0 + 1e-6).astype(np.int64)


def days_to_datetime(ctx: WorldContext, days: np.ndarray) -> np.ndarray:
    """Day offsets (NaN allowed) to ``datetime64[ns]`` at whole seconds (NaN -> NaT)."""
    return ctx.to_datetime(days)


# -- arrivals ------------------------------------------------------------------------------
# -- keys and strings ----------------------------------------------------------------------
def scramble(values: np.ndarray, salt: int) -> np.ndarray:
    """A fixed bijection of 40-bit integers (multiply-xorshift rounds), to hide sequence.

    Distinct inputs below 2**40 give distinct outputs below 2**40; ``salt`` selects one of
    many bijections (web cookies and web accounts use different salts).
    """
    x = (np.asarray(values, dtype=np.uint64) + np.uint64(salt)) & _MASK40
    x = (x * np.uint64(0x9E3779B97F4A7C15)) & _MASK40
    x ^= x >> np.uint64(21)
    x = (x * np.uint64(0xBF58476D1CE4E5B9)) & _MASK40
    x ^= x >> np.uint64(19)
    x = (x * np.uint64(0x94D049BB133111EB)) & _MASK40
    return x


def fixed_strings(chars: np.ndarray, valid: np.ndarray | None = None) -> pd.Series:
    """Rows of an ``(n, w)`` ASCII byte matrix as a ``str`` Series (``valid`` False -> NaN)."""
    chars = np.ascontiguousarray(chars, dtype=np.uint8)
    n, w = chars.shape
    offsets = (np.arange(n + 1, dtype=np.int64) * w).astype(np.int32)
    bitmap, nulls = None, 0
    if valid is not None and not np.all(valid):
        valid = np.asarray(valid, dtype=bool)
        bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
        nulls = int((~valid).sum())
    arr = pa.Array.from_buffers(
        pa.string(),
        n,
        [bitmap, pa.py_buffer(offsets), pa.py_buffer(chars.ravel())],
        null_count=nulls,
    )
    return S.to_series(arr)


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    v = np.asarray(values, dtype=np.int64).copy()
    out = np.empty((len(v), width), dtype=np.uint8)
    for j in range(width - 1, -1, -1):
        out[:, j] = 48 + v % 10
        v //= 10
    return out


def _prefixed(prefix: str, body: np.ndarray) -> np.ndarray:
    pre = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    return np.hstack([np.broadcast_to(pre, (len(body), len(pre))), body])


def digit_keys(prefix: str, values: np.ndarray, width: int, valid=None) -> pd.Series:
    """Keys like ``'C0000123'``: ``prefix`` + ``values`` zero-padded to ``width`` digits."""
    return fixed_strings(_prefixed(prefix, _digits(values, width)), valid)


def hex_keys(prefix: str, values: np.ndarray, width: int = 10, valid=None) -> pd.Series:
    """Keys like ``'ck-3fa9c01b2e'``: ``prefix`` + the low ``width`` hex digits of ``values``."""
    v = np.asarray(values, dtype=np.uint64)
    body = np.empty((len(v), width), dtype=np.uint8)
    for j in range(width):
        shift = np.uint64(4 * (width - 1 - j))
        body[:, j] = _HEX[((v >> shift) & np.uint64(15)).astype(np.int64)]
    return fixed_strings(_prefixed(prefix, body), valid)


def decimal_strings(values: np.ndarray, valid=None) -> pd.Series:
    """Non-negative ints as decimal text without padding (``'123'``); ``valid`` False -> NaN."""
    v = np.asarray(values, dtype=np.int64)
    v = np.where(v < 0, 0, v)
    width = max(1, len(str(int(v.max())))) if len(v) else 1
    chars = _digits(v, width)
    n_digits = np.maximum(1, np.floor(np.log10(np.maximum(v, 1))).astype(np.int64) + 1)
    mask = np.arange(width)[None, :] >= (width - n_digits)[:, None]
    keep = np.ones(len(v), dtype=bool) if valid is None else np.asarray(valid, dtype=bool)
    mask &= keep[:, None]
    offsets = np.zeros(len(v) + 1, dtype=np.int64)
    np.cumsum(mask.sum(axis=1), out=offsets[1:])
    bitmap, nulls = None, 0
    if not keep.all():
        bitmap = pa.py_buffer(np.packbits(keep, bitorder="little"))
        nulls = int((~keep).sum())
    arr = pa.Array.from_buffers(
        pa.string(),
        len(v),
        [bitmap, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(chars[mask])],
        null_count=nulls,
    )
    return S.to_series(arr)


#: text date formats: name -> (order of the Y/M/D fields, separator)
DATE_FORMATS = {
    "iso": ("YMD", "-"),  # 2023-04-09
    "dmy": ("DMY", "/"),  # 09/04/2023
    "dmy_dash": ("DMY", "-"),  # 09-04-2023
    "compact": ("YMD", ""),  # 20230409
}


def civil_date(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day of day numbers since 1970-01-01 (proleptic Gregorian, integer
    arithmetic only)."""
    z = np.asarray(days, dtype=np.int64) + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = np.where(mp < 10, mp + 3, mp - 9)
    y = yoe + era * 400 + (m <= 2)
    return y, m, d


#: day numbers (since 1970-01-01) covered by the cached date tables: 1890-01-01 .. 2110-12-31
_TABLE_DAYS = (-29_220, 51_500)
_DATE_TABLES: dict[str, np.ndarray] = {}


def _date_chars_direct(day_no: np.ndarray, fmt: str) -> np.ndarray:
    order, sep = DATE_FORMATS[fmt]
    y, m, d = civil_date(day_no)
    fields = {"Y": _digits(y, 4), "M": _digits(m, 2), "D": _digits(d, 2)}
    sep_arr = np.frombuffer(sep.encode("ascii"), dtype=np.uint8)
    pieces = []
    for i, f in enumerate(order):
        if i and len(sep_arr):
            pieces.append(np.broadcast_to(sep_arr, (len(day_no), len(sep_arr))))
        pieces.append(fields[f])
    return np.hstack(pieces)


def date_chars(values: np.ndarray, fmt: str) -> np.ndarray:
    """``datetime64`` values as an ``(n, w)`` ASCII matrix in one of :data:`DATE_FORMATS`
    (a gather from a cached table of every day 1890-2110)."""
    day_no = np.asarray(values).astype("datetime64[D]").astype(np.int64)
    if fmt not in _DATE_TABLES:
        _DATE_TABLES[fmt] = _date_chars_direct(np.arange(*_TABLE_DAYS), fmt)
    table = _DATE_TABLES[fmt]
    lo, hi = _TABLE_DAYS
    if len(day_no) and (day_no.min() < lo or day_no.max() >= hi):
        return _date_chars_direct(day_no, fmt)
    return table[day_no - lo]


def ragged_strings(chars: np.ndarray, lens: np.ndarray, valid=None) -> pd.Series:
    """Row ``i`` is the first ``lens[i]`` bytes of ``chars[i]`` (``valid`` False -> NaN)."""
    n, width = chars.shape
    mask = np.arange(width)[None, :] < np.asarray(lens)[:, None]
    keep = np.ones(n, dtype=bool) if valid is None else np.asarray(valid, dtype=bool)
    mask &= keep[:, None]
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(mask.sum(axis=1), out=offsets[1:])
    bitmap, nulls = _validity(keep, n)
    arr = pa.Array.from_buffers(
        pa.string(),
        n,
        [bitmap, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(chars[mask])],
        null_count=nulls,
    )
    return S.to_series(arr)


def choose_strings(pieces: list[tuple[np.ndarray, np.ndarray]], n: int, valid=None) -> pd.Series:
    """Strings assembled from ``(rows, chars)`` pieces: row ``rows[j]`` is the text of
    ``chars[j]`` (ASCII matrices of any widths); rows not covered are missing."""
    pieces = [(rows, c) for rows, c in pieces if len(c)]  # empty pieces may have any width
    widths = {c.shape[1] for _, c in pieces}
    if len(widths) == 1:  # one width: no compaction needed
        width = widths.pop()
        chars = np.zeros((n, width), dtype=np.uint8)
        covered = np.zeros(n, dtype=bool)
        for rows, c in pieces:
            chars[rows] = c
            covered[rows] = True
        keep = covered if valid is None else covered & np.asarray(valid, dtype=bool)
        return fixed_strings(chars, keep)
    width = max(list(widths) + [1])
    chars = np.zeros((n, width), dtype=np.uint8)
    lens = np.zeros(n, dtype=np.int64)
    covered = np.zeros(n, dtype=bool)
    for rows, c in pieces:
        chars[rows, : c.shape[1]] = c
        lens[rows] = c.shape[1]
        covered[rows] = True
    keep = covered if valid is None else covered & np.asarray(valid, dtype=bool)
    return ragged_strings(chars, lens, keep)


def _validity(valid, n: int):
    if valid is None:
        return None, 0
    valid = np.asarray(valid, dtype=bool)
    if valid.all():
        return None, 0
    return pa.py_buffer(np.packbits(valid, bitorder="little")), int(n - valid.sum())


def vocab_strings(words, idx: np.ndarray, valid=None) -> pd.Series:
    """``words[idx]`` as a ``str`` Series (``valid`` False -> NaN), without Python loops."""
    idx = np.ascontiguousarray(np.where(np.asarray(idx) < 0, 0, idx), dtype=np.int32)
    bitmap, nulls = _validity(valid, len(idx))
    indices = pa.Array.from_buffers(
        pa.int32(), len(idx), [bitmap, pa.py_buffer(idx)], null_count=nulls
    )
    vocab = words.words if isinstance(words, S.Vocab) else words
    return S.to_series(pa.array(list(vocab), type=pa.string()).take(indices))


def draw_grouped(rng: np.random.Generator, table: np.ndarray, group: np.ndarray) -> np.ndarray:
    """One category per row from the probability row ``table[group[i]]`` (rows need not be
    normalised): a single sorted search over the stacked cumulative rows."""
    table = np.asarray(table, dtype=np.float64)
    g, k = table.shape
    cum = np.cumsum(table, axis=1) / table.sum(axis=1, keepdims=True)
    cum[:, -1] = 1.0
    flat = (cum + np.arange(g)[:, None]).ravel()
    group = np.asarray(group, dtype=np.int64)
    idx = np.searchsorted(flat, rng.random(len(group)) + group, side="right") - group * k
    return np.clip(idx, 0, k - 1)


def draw_columns(rng: np.random.Generator, columns) -> np.ndarray:
    """One category per row with weights given column by column (``columns[j][i]`` is the
    weight of category ``j`` for row ``i``; rows need not be normalised)."""
    total = np.zeros(len(columns[0]))
    for c in columns:
        total += c
    u = rng.random(len(total)) * total
    idx = np.zeros(len(total), dtype=np.int64)
    cum = np.zeros(len(total))
    for c in columns[:-1]:
        cum += c
        idx += u >= cum
    return idx


def label_codes(series: pd.Series, labels) -> np.ndarray:
    """Position in ``labels`` of each value of a categorical Series (-1: missing or absent),
    computed on the codes (no per-row strings)."""
    labels = list(labels)
    lut = np.array(
        [labels.index(c) if c in labels else -1 for c in series.cat.categories] + [-1],
        dtype=np.int64,
    )
    return lut[series.cat.codes.to_numpy()]


def string_codes(values, labels) -> np.ndarray:
    """Position in ``labels`` of each string of ``values`` (-1: missing or not a label),
    computed in Arrow (no per-row Python)."""
    if isinstance(values, pa.ChunkedArray):  # may have no chunks (then pa.array is untyped)
        values = values.combine_chunks()
    arr = pa.array(values)
    if len(arr) == 0 or pa.types.is_null(arr.type):
        return np.full(len(arr), -1, dtype=np.int64)
    idx = pc.index_in(arr, value_set=pa.array(list(labels), type=arr.type))
    return idx.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


# -- segments (runs of rows) ---------------------------------------------------------------
def cumcount(counts: np.ndarray) -> np.ndarray:
    """``0, 1, .., c-1`` for each count ``c``, concatenated (position within each run)."""
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    starts = np.cumsum(counts) - counts
    return np.arange(total, dtype=np.int64) - np.repeat(starts, counts)


def permute_segments(counts: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Row index that reorders runs of rows: run ``order[0]`` first, then ``order[1]``, ...

    ``counts[i]`` is the length of run ``i`` (runs stored one after the other).
    """
    counts = np.asarray(counts, dtype=np.int64)
    starts = np.cumsum(counts) - counts
    new_counts = counts[order]
    return np.repeat(starts[order], new_counts) + cumcount(new_counts)


def segment_cumsum(values: np.ndarray, counts: np.ndarray, exclusive: bool = False) -> np.ndarray:
    """Cumulative sums of ``values`` restarting at each run (runs of lengths ``counts``).

    With ``exclusive=True`` each run starts at 0 (the sum of the values before the row).
    """
    values = np.asarray(values, dtype=np.float64)
    counts = np.asarray(counts, dtype=np.int64)
    if len(values) == 0:
        return values.copy()
    cs = np.cumsum(values)
    starts = np.cumsum(counts) - counts
    nonempty = counts > 0
    before = np.zeros(len(counts))
    before[nonempty] = cs[starts[nonempty]] - values[starts[nonempty]]
    out = cs - np.repeat(before, counts)
    return out - values if exclusive else out
