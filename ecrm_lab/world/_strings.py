"""Fast vectorised string building for generated tables (names, e-mails, phone numbers).

Building a million e-mail addresses with Python string operations is slow; here a string
column is assembled in Arrow: each part is a literal or a small vocabulary indexed per row,
and one ``take`` (in C++, no per-row Python) gathers all parts in row order (see
:func:`concat`). The result is an Arrow string array, or a pandas Series of the default string
dtype (``str``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

__all__ = ["Vocab", "concat", "to_series", "from_vocab", "STR_DTYPE"]

STR_DTYPE = pd.StringDtype(na_value=np.nan)


class Vocab:
    """A vocabulary of short strings (an Arrow string array; rows index into it)."""

    def __init__(self, words: Sequence[str]):
        self.words = tuple(words)
        self.array = pa.array(self.words, type=pa.string())
        self.max_bytes = max((len(w.encode("utf-8")) for w in self.words), default=0)

    def __len__(self) -> int:
        return len(self.words)


Part = str | tuple[Vocab, np.ndarray]


def concat(parts: Sequence[Part], n: int, valid: np.ndarray | None = None) -> pa.StringArray:
    """Concatenate ``parts`` row-wise into an Arrow string array of length ``n``.

    Each part is a literal ``str`` (same for every row) or ``(vocab, indices)`` (row ``i``
    gets ``vocab.words[indices[i]]``). ``valid`` (bool array) marks rows that are not null.

    How: the vocabularies are stacked into one array and a single ``take`` gathers the parts
    of every row *interleaved* (row 0 part 0, row 0 part 1, ..., row 1 part 0, ...); the parts
    of a row are then adjacent in the result's data buffer, so every ``k``-th offset of that
    buffer delimits the joined rows and no byte is copied twice.
    """
    k = len(parts)
    vocabs = [Vocab([p]) if isinstance(p, str) else p[0] for p in parts]
    width = sum(v.max_bytes for v in vocabs)
    large = n * width >= 2**31 - 1
    stacked = pa.concat_arrays([v.array for v in vocabs])
    if large:  # pragma: no cover - > 2 GB of text in one column
        stacked = stacked.cast(pa.large_string())
    idx = np.empty((n, k), dtype=np.int64)
    base = 0
    for j, (p, v) in enumerate(zip(parts, vocabs, strict=True)):
        if isinstance(p, str):
            idx[:, j] = base
        else:
            sub = np.asarray(p[1])
            if len(sub) != n:
                raise ValueError(f"part {j} has {len(sub)} indices for {n} rows")
            idx[:, j] = sub
            idx[:, j] += base
        base += len(v)
    values = stacked.take(pa.array(idx.ravel()))
    off_type = np.int64 if large else np.int32
    offsets = np.frombuffer(values.buffers()[1], dtype=off_type)[values.offset :]
    offsets = np.ascontiguousarray(offsets[: n * k + 1 : k])
    bitmap, nulls = None, 0
    if valid is not None:
        keep = np.asarray(valid, dtype=bool)
        nulls = int(n - np.count_nonzero(keep))
        if nulls:
            bitmap = pa.py_buffer(np.packbits(keep, bitorder="little"))
    return pa.Array.from_buffers(
        pa.large_string() if large else pa.string(),
        n,
        [bitmap, pa.py_buffer(offsets), values.buffers()[2]],
        null_count=nulls,
    )


def to_series(arr: pa.Array | pa.ChunkedArray, name: str | None = None) -> pd.Series:
    """An Arrow string array (or chunked array) as a pandas Series of the default ``str``
    dtype."""
    return pd.Series(arr.to_pandas(types_mapper={arr.type: STR_DTYPE}.get), name=name)


def from_vocab(vocab: Vocab, idx: np.ndarray, name: str | None = None) -> pd.Series:
    """``vocab.words[idx]`` as a ``str`` Series."""
    return to_series(concat([(vocab, idx)], len(idx)), name)
