"""Fast vectorised string building for generated tables (names, e-mails, phone numbers).

Building a million e-mail addresses with Python string operations is slow; here a string
column is assembled directly as an Arrow string array: each part is a literal or a small
vocabulary indexed per row, and the bytes are copied with NumPy fancy indexing. The result is
a pandas Series of the default string dtype (``str``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

__all__ = ["Vocab", "concat", "to_series", "from_vocab", "STR_DTYPE"]

STR_DTYPE = pd.StringDtype(na_value=np.nan)


class Vocab:
    """A vocabulary of short strings, stored as a fixed-width byte matrix."""

    def __init__(self, words: Sequence[str]):
        enc = [w.encode("utf-8") for w in words]
        self.words = tuple(words)
        self.lens = np.array([len(b) for b in enc], dtype=np.int64)
        width = max(1, int(self.lens.max()) if len(enc) else 1)
        self.matrix = np.zeros((len(enc), width), dtype=np.uint8)
        for i, b in enumerate(enc):
            self.matrix[i, : len(b)] = np.frombuffer(b, dtype=np.uint8)
        self.mask = np.arange(width)[None, :] < self.lens[:, None]

    def __len__(self) -> int:
        return len(self.words)


Part = str | tuple[Vocab, np.ndarray]


def concat(parts: Sequence[Part], n: int, valid: np.ndarray | None = None) -> pa.StringArray:
    """Concatenate ``parts`` row-wise into an Arrow string array of length ``n``.

    Each part is a literal ``str`` (same for every row) or ``(vocab, indices)`` (row ``i``
    gets ``vocab.words[indices[i]]``). ``valid`` (bool array) marks rows that are not null.
    """
    widths = [len(p.encode("utf-8")) if isinstance(p, str) else p[0].matrix.shape[1] for p in parts]
    total_w = int(sum(widths))
    matrix = np.empty((n, total_w), dtype=np.uint8)
    mask = np.empty((n, total_w), dtype=bool)
    row_len = np.zeros(n, dtype=np.int64)  # bytes per row, from the vocabularies' lengths
    col = 0
    for p, w in zip(parts, widths, strict=True):
        if isinstance(p, str):
            matrix[:, col : col + w] = np.frombuffer(p.encode("utf-8"), dtype=np.uint8)
            mask[:, col : col + w] = True
            row_len += w
        else:
            vocab, idx = p
            np.take(vocab.matrix, idx, axis=0, out=matrix[:, col : col + w], mode="clip")
            np.take(vocab.mask, idx, axis=0, out=mask[:, col : col + w], mode="clip")
            row_len += np.take(vocab.lens, idx, mode="clip")
        col += w
    keep = None if valid is None else np.asarray(valid, dtype=bool)
    if keep is not None and not keep.all():
        mask &= keep[:, None]
        row_len *= keep
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(row_len, out=offsets[1:])
    buf = matrix[mask]
    if offsets[-1] < 2**31:
        off_buf = pa.py_buffer(offsets.astype(np.int32))
        typ = pa.string()
    else:  # pragma: no cover - > 2 GB of text in one column
        off_buf = pa.py_buffer(offsets)
        typ = pa.large_string()
    bitmap = None
    null_count = 0
    if keep is not None and not keep.all():
        bitmap = pa.py_buffer(np.packbits(keep, bitorder="little"))
        null_count = int((~keep).sum())
    return pa.Array.from_buffers(
        typ, n, [bitmap, off_buf, pa.py_buffer(buf)], null_count=null_count
    )


def to_series(arr: pa.Array, name: str | None = None) -> pd.Series:
    """An Arrow string array as a pandas Series of the default ``str`` dtype."""
    return pd.Series(arr.to_pandas(types_mapper={arr.type: STR_DTYPE}.get), name=name)


def from_vocab(vocab: Vocab, idx: np.ndarray, name: str | None = None) -> pd.Series:
    """``vocab.words[idx]`` as a ``str`` Series."""
    return to_series(concat([(vocab, idx)], len(idx)), name)
