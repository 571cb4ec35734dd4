"""Shared machinery of the engines: the customer x item matrix, blocks and top-k selection.

Every offer engine works on an :class:`InteractionMatrix`: a sparse customer x item matrix
(holdings at the bank, purchases by category in retail, or any table a user brings) whose rows
are labelled with customer ids and whose columns are item codes. Scoring is done in blocks of
customers (:func:`iter_blocks`) so that memory stays bounded whatever the number of customers,
and the best ``k`` items of each row are picked by :func:`top_k` — vectorised, deterministic,
ties broken by item order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._validation import Interval, check_columns, check_not_empty, check_param
from ..exceptions import DataError

__all__ = [
    "CONTACT_CHANNELS",
    "CONSENT_COLUMNS",
    "InteractionMatrix",
    "interaction_matrix",
    "iter_blocks",
    "top_k",
    "block_size_for",
]

#: channels a marketing message can use, and the consent column each needs
CONTACT_CHANNELS: tuple[str, ...] = ("email", "sms", "phone", "post")
CONSENT_COLUMNS: dict[str, str] = {ch: f"consent_{ch}" for ch in CONTACT_CHANNELS}

#: number of score cells (customers x items) held in memory at once while scoring
SCORE_CELLS_PER_BLOCK = 8_000_000


@dataclass(frozen=True, repr=False, eq=False)
class InteractionMatrix:
    """A customer x item matrix of interactions (holdings, purchases, clicks).

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix
        Shape ``(n_customers, n_items)``, float32; a positive cell means the customer holds /
        bought the item (the value is the count or weight), zero means no interaction.
    customer_ids : numpy.ndarray
        int64 customer ids labelling the rows, strictly increasing.
    items : tuple of str
        Item codes labelling the columns.
    """

    matrix: sp.csr_matrix
    customer_ids: np.ndarray
    items: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.matrix.shape != (len(self.customer_ids), len(self.items)):
            raise DataError(
                f"InteractionMatrix: matrix shape {self.matrix.shape} does not match "
                f"{len(self.customer_ids)} customer ids x {len(self.items)} items."
            )
        ids = self.customer_ids
        if len(ids) > 1 and not bool(np.all(ids[1:] > ids[:-1])):
            raise DataError("InteractionMatrix: customer_ids must be strictly increasing.")

    @property
    def n_customers(self) -> int:
        return len(self.customer_ids)

    @property
    def n_items(self) -> int:
        return len(self.items)

    @property
    def nnz(self) -> int:
        """Number of (customer, item) pairs with an interaction."""
        return int(self.matrix.nnz)

    def __repr__(self) -> str:
        return (
            f"InteractionMatrix({self.n_customers:,} customers x {self.n_items} items, "
            f"{self.nnz:,} interactions)"
        )

    def binary(self) -> InteractionMatrix:
        """The same matrix with every interaction set to 1."""
        m = self.matrix.copy()
        m.data = np.ones_like(m.data)
        return InteractionMatrix(m, self.customer_ids, self.items)

    def positions(self, customer_ids: Any, where: str = "InteractionMatrix") -> np.ndarray:
        """Row positions of ``customer_ids``; raises :class:`DataError` naming unknown ids."""
        ids = np.asarray(customer_ids, dtype=np.int64).ravel()
        pos = np.searchsorted(self.customer_ids, ids)
        pos_c = np.minimum(pos, max(self.n_customers - 1, 0))
        bad = (pos >= self.n_customers) | (self.customer_ids[pos_c] != ids)
        if bad.any():
            raise DataError(
                f"{where}: {int(bad.sum())} customer ids are not in the matrix "
                f"(for example {int(ids[bad][0])})."
            )
        return pos_c

    def subset(self, customer_ids: Any) -> InteractionMatrix:
        """The rows of ``customer_ids`` (sorted, unique)."""
        ids = np.unique(np.asarray(customer_ids, dtype=np.int64))
        return InteractionMatrix(self.matrix[self.positions(ids)], ids, self.items)

    def item_counts(self) -> pd.Series:
        """Number of customers with each item."""
        counts = np.asarray((self.matrix > 0).sum(axis=0)).ravel()
        return pd.Series(counts, index=pd.Index(self.items, name="item"), name="customers")

    def dense_bool(self) -> np.ndarray:
        """The matrix as a dense bool array (small matrices only)."""
        return self.matrix.toarray() > 0

    def to_frame(self) -> pd.DataFrame:
        """Long format: ``customer_id``, ``item``, ``value`` (one row per interaction)."""
        coo = self.matrix.tocoo()
        order = np.lexsort((coo.col, coo.row))
        return pd.DataFrame(
            {
                "customer_id": self.customer_ids[coo.row[order]],
                "item": np.asarray(self.items, dtype=object)[coo.col[order]],
                "value": coo.data[order],
            }
        )

    def minus(self, other: InteractionMatrix) -> InteractionMatrix:
        """Interactions of ``self`` that ``other`` (same rows and items) does not have.

        With ``self`` the holdings at the end and ``other`` those at a cut-off date, this is
        what customers newly took up after the cut-off.
        """
        if other.items != self.items or not np.array_equal(other.customer_ids, self.customer_ids):
            raise DataError("InteractionMatrix.minus: both matrices need the same rows and items.")
        a = (self.matrix > 0).astype(np.int8)
        b = (other.matrix > 0).astype(np.int8)
        new = (a - a.multiply(b)).tocsr()
        new.eliminate_zeros()
        return InteractionMatrix(new.astype(np.float32), self.customer_ids, self.items)


def interaction_matrix(
    data: pd.DataFrame,
    customer_col: str = "customer_id",
    item_col: str = "item",
    weight_col: str | None = None,
    *,
    customer_ids: Any = None,
    items: Sequence[str] | None = None,
    binary: bool = True,
    drop_unknown: bool = False,
) -> InteractionMatrix:
    """Build the sparse customer x item matrix from a long table of interactions.

    Parameters
    ----------
    data : DataFrame
        One row per interaction (a holding, an order line, a click).
    customer_col, item_col : str
        Columns with the customer id (integer) and the item code.
    weight_col : str, optional
        Numeric column summed per (customer, item); by default each row counts 1.
    customer_ids : array-like, optional
        The rows of the matrix (customers without interactions get an empty row). By default
        the customers that appear in ``data``.
    items : sequence of str, optional
        The columns of the matrix, in this order. By default the sorted item codes of ``data``.
    binary : bool
        Store 1 for every (customer, item) with an interaction instead of the summed weight.
    drop_unknown : bool
        Leave out rows whose customer or item is not in ``customer_ids`` / ``items``
        (otherwise they raise :class:`DataError`).

    Examples
    --------
    >>> df = pd.DataFrame({"customer_id": [1, 1, 2], "item": ["a", "b", "a"]})
    >>> m = interaction_matrix(df, customer_ids=[1, 2, 3])
    >>> m.matrix.toarray().tolist()
    [[1.0, 1.0], [1.0, 0.0], [0.0, 0.0]]
    """
    where = "interaction_matrix"
    check_param(binary, "binary", where, bool)
    check_param(drop_unknown, "drop_unknown", where, bool)
    cols = [customer_col, item_col] + ([weight_col] if weight_col else [])
    check_columns(data, cols, where)
    cust = pd.to_numeric(data[customer_col], errors="coerce")
    if cust.isna().any():
        raise DataError(
            f"{where}: column {customer_col!r} has {int(cust.isna().sum())} missing or "
            "non-numeric customer ids."
        )
    cust = cust.to_numpy(dtype=np.int64)
    item = data[item_col].astype(str).to_numpy(dtype=object)
    if weight_col:
        weight = pd.to_numeric(data[weight_col], errors="coerce").to_numpy(dtype=np.float64)
        if np.isnan(weight).any():
            raise DataError(f"{where}: column {weight_col!r} has missing or non-numeric values.")
    else:
        weight = np.ones(len(cust))

    ids = np.unique(cust) if customer_ids is None else np.asarray(customer_ids, dtype=np.int64)
    if customer_ids is not None:
        if len(np.unique(ids)) != len(ids):
            raise DataError(f"{where}: customer_ids has duplicates.")
        ids = np.sort(ids)
    item_list = tuple(sorted(set(item))) if items is None else tuple(map(str, items))
    if len(set(item_list)) != len(item_list):
        raise DataError(f"{where}: items has duplicates.")

    row = np.searchsorted(ids, cust)
    row_c = np.minimum(row, max(len(ids) - 1, 0))
    ok_row = (row < len(ids)) & (ids[row_c] == cust) if len(ids) else np.zeros(len(cust), bool)
    col = pd.Index(list(item_list)).get_indexer(item).astype(np.int64)
    ok_col = col >= 0
    ok = ok_row & ok_col
    if not ok.all() and not drop_unknown:
        if not ok_row.all():
            raise DataError(
                f"{where}: {int((~ok_row).sum())} rows have a customer id that is not in "
                f"customer_ids (for example {int(cust[~ok_row][0])}); pass drop_unknown=True "
                "to leave them out."
            )
        raise DataError(
            f"{where}: {int((~ok_col).sum())} rows have an item that is not in items (for "
            f"example {item[~ok_col][0]!r}); pass drop_unknown=True to leave them out."
        )
    m = sp.csr_matrix(
        (weight[ok], (row_c[ok], col[ok])), shape=(len(ids), len(item_list)), dtype=np.float64
    )
    m.sum_duplicates()
    if binary:
        m.data = (m.data > 0).astype(np.float64)
    m.eliminate_zeros()
    return InteractionMatrix(m.astype(np.float32), ids, item_list)


def block_size_for(n_items: int, cells: int = SCORE_CELLS_PER_BLOCK) -> int:
    """Customers per scoring block so that a block's dense scores hold about ``cells`` cells."""
    return max(256, cells // max(n_items, 1))


def iter_blocks(n: int, block_size: int) -> Iterator[slice]:
    """Consecutive slices ``[lo, hi)`` of at most ``block_size`` rows covering ``range(n)``."""
    check_param(block_size, "block_size", "iter_blocks", int, interval=Interval(1, None))
    for lo in range(0, n, block_size):
        yield slice(lo, min(lo + block_size, n))


def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best columns of each row, best first.

    Cells equal to ``-inf`` or NaN are not eligible. Ties are broken by column order, so the
    answer is deterministic. Rows with fewer than ``k`` eligible columns are padded with
    index ``-1`` and score NaN.

    Parameters
    ----------
    scores : ndarray, shape (n, m)
    k : int

    Returns
    -------
    index : ndarray of int32, shape (n, min(k, m))
    score : ndarray of float32, same shape

    Examples
    --------
    >>> idx, sc = top_k(np.array([[0.1, 0.5, 0.5, -np.inf]]), 3)
    >>> idx.tolist(), sc.tolist()
    ([[1, 2, 0]], [[0.5, 0.5, 0.10000000149011612]])
    """
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 2:
        raise DataError(f"top_k: scores must be a 2-d array, got {s.ndim} dimensions.")
    n, m = s.shape
    kk = min(int(k), m)
    if kk <= 0 or n == 0:
        return np.zeros((n, max(kk, 0)), np.int32), np.zeros((n, max(kk, 0)), np.float32)
    if np.isnan(s).any():
        s = np.where(np.isnan(s), -np.inf, s)
    if kk < m and m > 32:
        # the kk largest of each row (unordered), then ordered by (-score, column)
        part = np.argpartition(s, m - kk, axis=1)[:, m - kk :]
        cand = np.take_along_axis(s, part, axis=1)
        order = np.lexsort((part, -cand), axis=1)
        idx = np.take_along_axis(part, order, axis=1)
        best = np.take_along_axis(cand, order, axis=1)
        # a tie across the cut (another column equal to the k-th score) may have been left
        # out in favour of a later column: redo those rows with a stable sort
        kth = best[:, -1:]
        tied = np.flatnonzero(((s >= kth).sum(axis=1) > kk) & np.isfinite(kth[:, 0]))
        if len(tied):
            idx[tied] = np.argsort(-s[tied], axis=1, kind="stable")[:, :kk]
            best[tied] = np.take_along_axis(s[tied], idx[tied], axis=1)
    else:
        idx = np.argsort(-s, axis=1, kind="stable")[:, :kk]
        best = np.take_along_axis(s, idx, axis=1)
    bad = np.isneginf(best)
    idx = idx.astype(np.int32)
    idx[bad] = -1
    out = best.astype(np.float32)
    out[bad] = np.nan
    return idx, out


def check_view(view: pd.DataFrame, customer_ids: np.ndarray, where: str) -> pd.DataFrame:
    """Align a customer table (indexed by or with a ``customer_id`` column) to ``customer_ids``."""
    if not isinstance(view, pd.DataFrame):
        raise DataError(
            f"{where}: the customer view must be a DataFrame, got {type(view).__name__}."
        )
    check_not_empty(view, where)
    if "customer_id" in view.columns:
        view = view.set_index("customer_id")
    idx = pd.Index(view.index)
    if idx.has_duplicates:
        raise DataError(f"{where}: the customer view has duplicate customer ids.")
    missing = ~pd.Index(customer_ids).isin(idx)
    if missing.any():
        raise DataError(
            f"{where}: {int(missing.sum())} customers of the matrix are missing from the "
            f"customer view (for example {int(customer_ids[missing][0])})."
        )
    return view.loc[customer_ids]
