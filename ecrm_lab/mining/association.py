"""Link analysis: association rules, cross-sell recommendations and sequential patterns.

Three ways to find frequent itemsets, selected with ``algorithm``:

* ``'apriori'`` and ``'fpgrowth'`` — mlxtend's implementations on a dense one-hot table, the
  textbook algorithms (good for teaching; the dense table does not fit in memory on large data);
* ``'sparse'`` (default) — a vectorised path on a ``scipy.sparse`` basket × item matrix: item
  supports are column sums, pair supports one sparse product ``X.T @ X`` (with ``max_len=2``
  that is all it does: the fast pair-counting path), and larger itemsets come from Apriori
  candidate generation counted by intersecting the baskets of each candidate's prefix with the
  candidate's last column.

All three return the same itemsets and :func:`association_rules` the same rules with the same
support, confidence, lift, leverage and conviction as ``mlxtend.frequent_patterns`` (the sparse
path reproduces mlxtend's floating-point arithmetic, so the numbers are bit-identical). The
threshold is ``count / n_baskets >= min_support`` for every itemset length, as in mlxtend's
``apriori``. (mlxtend's ``fpgrowth`` prunes itemsets of two or more items with
``count >= ceil(min_support * n_baskets)``; when ``min_support * n_baskets`` is rounded up by
floating point — e.g. ``0.07 * 100 = 7.000000000000001`` — it drops itemsets whose support
equals ``min_support`` exactly, which ``apriori`` and the sparse path keep.)

Rules then feed :func:`prune_redundant` (drop rules whose extra antecedent items add no
confidence) and :func:`recommend` (cross-sell: the best next products for each customer).
:func:`sequential_patterns` finds "A then B within a window" across a customer's history.

Examples
--------
>>> tx = pd.DataFrame({"basket": [1, 1, 2, 2, 2, 3, 3, 4, 5],
...                    "item": ["milk", "bread", "milk", "bread", "eggs", "milk", "eggs",
...                             "bread", "milk"]})
>>> res = association_rules(tx, transaction="basket", item="item", min_support=0.4,
...                         min_confidence=0.6)
>>> res.summary()[["antecedents", "consequents", "support", "confidence"]]
  antecedents consequents  support  confidence
0        eggs        milk      0.4    1.000000
1       bread        milk      0.4    0.666667

Milk is in 4 of the 5 baskets, eggs in 2 (both with milk): ``eggs -> milk`` has support 2/5,
confidence 2/2 and lift 1 / (4/5) = 1.25.
"""

from __future__ import annotations

import itertools
import math
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._result import Result
from .._validation import Interval, Param, check_param, validate_params
from ..exceptions import DataError
from ._common import TruthScore, as_id_array, check_table, frame_records

__all__ = [
    "ALGORITHMS",
    "ASSOCIATE_PARAMS",
    "Baskets",
    "make_baskets",
    "frequent_itemsets",
    "pair_counts",
    "association_rules",
    "AssociationResult",
    "prune_redundant",
    "recommend",
    "Recommendations",
    "sequential_patterns",
    "SequenceResult",
    "planted_rule_recall",
    "planted_sequence_recall",
    "RULE_COLUMNS",
]

#: ways to find frequent itemsets
ALGORITHMS = ("sparse", "fpgrowth", "apriori")

#: metric columns of a rules table, in mlxtend's names
RULE_COLUMNS = (
    "antecedent support",
    "consequent support",
    "support",
    "confidence",
    "lift",
    "leverage",
    "conviction",
)

ASSOCIATE_PARAMS = (
    Param(
        "min_support",
        float,
        0.01,
        "minimum share of baskets holding an itemset",
        Interval(0, 1, "right"),
    ),
    Param(
        "min_confidence",
        float,
        0.5,
        "minimum confidence P(consequent | antecedent) of a rule",
        Interval(0, 1, "both"),
    ),
    Param(
        "max_len",
        int,
        None,
        "largest itemset size (None: no limit; 2: pairs only, fastest)",
        Interval(1, None),
        nullable=True,
    ),
    Param("algorithm", str, "sparse", "how to find frequent itemsets", choices=ALGORITHMS),
)


# ---------------------------------------------------------------------------------------------
# baskets
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Baskets:
    """A binary basket × item matrix.

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix of bool, shape (n_baskets, n_items)
    items : ndarray of str
        Item names, one per column (sorted when built from a long table).
    basket_ids : ndarray
        Basket (transaction) ids, one per row.
    notes : tuple of str
        What was cleaned on the way in.
    """

    matrix: sp.csr_matrix
    items: np.ndarray
    basket_ids: np.ndarray
    notes: tuple[str, ...] = ()

    @property
    def n_baskets(self) -> int:
        return int(self.matrix.shape[0])

    @property
    def n_items(self) -> int:
        return int(self.matrix.shape[1])

    def __repr__(self) -> str:
        return (
            f"Baskets({self.n_baskets} baskets x {self.n_items} items, "
            f"{self.matrix.nnz} item occurrences)"
        )

    def item_support(self) -> pd.Series:
        """Share of baskets holding each item, largest first."""
        counts = np.bincount(self.matrix.indices, minlength=self.n_items)
        s = pd.Series(counts / self.n_baskets, index=pd.Index(self.items, name="item"))
        return s.sort_values(ascending=False, kind="stable").rename("support")

    def to_frame(self) -> pd.DataFrame:
        """The dense one-hot (bool) table mlxtend expects: one row per basket."""
        return pd.DataFrame(self.matrix.toarray(), columns=list(self.items), index=self.basket_ids)

    @classmethod
    def from_transactions(
        cls, data: pd.DataFrame, transaction: str, item: str, where: str = "make_baskets"
    ) -> Baskets:
        """From a long table: one row per (transaction, item); repeats count once."""
        check_table(data, [transaction, item], where)
        t, it = data[transaction], data[item]
        ok = (t.notna() & it.notna()).to_numpy()
        notes = []
        if not ok.all():
            notes.append(f"{int((~ok).sum())} rows with a missing transaction or item left out.")
            t, it = t[ok], it[ok]
        if len(t) == 0:
            raise DataError(f"{where}: no rows with both a transaction and an item.")
        t_codes, t_uni = pd.factorize(t, sort=True)
        i_codes, i_uni = pd.factorize(it.astype(str), sort=True)
        m = sp.coo_matrix(
            (np.ones(len(t_codes), dtype=np.int32), (t_codes, i_codes)),
            shape=(len(t_uni), len(i_uni)),
        ).tocsr()
        m.sum_duplicates()
        m.data[:] = 1
        return cls(
            matrix=m.astype(bool),
            items=np.asarray([str(x) for x in i_uni], dtype=object),
            basket_ids=as_id_array(t_uni),
            notes=tuple(notes),
        )

    @classmethod
    def from_onehot(
        cls, data: pd.DataFrame, id_col: str | None = None, where: str = "make_baskets"
    ) -> Baskets:
        """From a one-hot table: one row per basket, one 0/1 (or bool, or count) column per item.

        Missing values count as "not in the basket"; counts > 0 as "in the basket".
        """
        check_table(data, [id_col], where)
        cols = [c for c in data.columns if c != id_col]
        if not cols:
            raise DataError(f"{where}: the table has no item columns besides {id_col!r}.")
        rows, colidx, notes = [], [], []
        n_missing = 0
        for j, c in enumerate(cols):
            s = data[c]
            if pd.api.types.is_bool_dtype(s):
                present = s.fillna(False).to_numpy(dtype=bool)
            elif pd.api.types.is_numeric_dtype(s):
                v = s.to_numpy(dtype=float)
                n_missing += int(np.isnan(v).sum())
                if (v[~np.isnan(v)] < 0).any():
                    raise DataError(
                        f"{where}: item column {str(c)!r} has negative values; a one-hot "
                        "table holds 0/1, True/False or counts."
                    )
                present = np.nan_to_num(v, nan=0.0) > 0
            else:
                bad = s.dropna()
                example = f" (for example {bad.iloc[0]!r})" if len(bad) else ""
                raise DataError(
                    f"{where}: column {str(c)!r} is not 0/1{example}; a one-hot table needs "
                    "0/1 or True/False item columns (name the basket column with --id), or "
                    "give a long table with --transaction and --item."
                )
            r = np.flatnonzero(present)
            rows.append(r)
            colidx.append(np.full(len(r), j, dtype=np.int64))
        if n_missing:
            notes.append(f"{n_missing} missing values read as 'not in the basket'.")
        r = np.concatenate(rows)
        c = np.concatenate(colidx)
        m = sp.csr_matrix((np.ones(len(r), dtype=bool), (r, c)), shape=(len(data), len(cols)))
        ids = (
            as_id_array(data[id_col])
            if id_col is not None
            else np.arange(len(data), dtype=np.int64)
        )
        return cls(
            matrix=m,
            items=np.asarray([str(x) for x in cols], dtype=object),
            basket_ids=ids,
            notes=tuple(notes),
        )


def make_baskets(
    data: Any,
    *,
    transaction: str | None = None,
    item: str | None = None,
    id_col: str | None = None,
    items: Sequence[str] | None = None,
    where: str = "make_baskets",
) -> Baskets:
    """Build :class:`Baskets` from a long table, a one-hot table or a sparse matrix.

    Parameters
    ----------
    data : DataFrame, Baskets or scipy.sparse matrix
    transaction, item : str, optional
        Give both for a long table (one row per item in a basket).
    id_col : str, optional
        The basket id column of a one-hot table (left out of the items).
    items : sequence of str, optional
        Item names for a sparse matrix (default ``"0"``, ``"1"``, ...).
    """
    if isinstance(data, Baskets):
        return data
    if sp.issparse(data):
        m = sp.csr_matrix(data)
        m.sum_duplicates()
        m.eliminate_zeros()
        m = m.astype(bool)
        m.sort_indices()
        names = (
            np.asarray([str(x) for x in items], dtype=object)
            if items is not None
            else np.asarray([str(i) for i in range(m.shape[1])], dtype=object)
        )
        if len(names) != m.shape[1]:
            raise DataError(f"{where}: {len(names)} item names for {m.shape[1]} columns.")
        if m.shape[0] == 0:
            raise DataError(f"{where}: the matrix has no baskets (0 rows).")
        return Baskets(m, names, np.arange(m.shape[0], dtype=np.int64))
    if (transaction is None) != (item is None):
        raise DataError(
            f"{where}: a long table needs both a transaction column and an item column."
        )
    if transaction is not None:
        return Baskets.from_transactions(data, transaction, item, where)
    return Baskets.from_onehot(data, id_col, where)


# ---------------------------------------------------------------------------------------------
# the sparse path
# ---------------------------------------------------------------------------------------------
def _min_count(min_support: float, n: int) -> int:
    """Smallest count c with ``c / n >= min_support`` in floating point (mlxtend's test)."""
    c = max(int(math.ceil(min_support * n)), 0)
    while c > 0 and (c - 1) / n >= min_support:
        c -= 1
    while c / n < min_support:
        c += 1
    return c


def _keys(arr: np.ndarray) -> np.ndarray:
    """One opaque, sortable key per row of a 2-d int array (for set lookups)."""
    a = np.ascontiguousarray(arr, dtype=np.int64)
    return a.view(np.dtype((np.void, a.dtype.itemsize * a.shape[1]))).ravel()


def _lookup(table_keys_sorted: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Positions of ``queries`` in the sorted key table (all queries must be present)."""
    pos = np.searchsorted(table_keys_sorted, queries)
    if len(queries) and (
        pos.max() >= len(table_keys_sorted) or (table_keys_sorted[pos] != queries).any()
    ):
        raise AssertionError("an itemset subset is missing from the frequent itemsets")
    return pos


def _candidates(prev: np.ndarray) -> np.ndarray:
    """Apriori candidate generation from sorted frequent (k-1)-itemsets (rows sorted)."""
    n, k1 = prev.shape
    if n < 2:
        return np.empty((0, k1 + 1), dtype=np.int64)
    if k1 == 1:
        starts = np.array([0])
        ends = np.array([n])
    else:
        change = np.any(prev[1:, : k1 - 1] != prev[:-1, : k1 - 1], axis=1)
        starts = np.flatnonzero(np.r_[True, change])
        ends = np.r_[starts[1:], n]
    parts = []
    for s, e in zip(starts, ends, strict=True):
        g = e - s
        if g < 2:
            continue
        iu, ju = np.triu_indices(g, 1)
        parts.append(np.column_stack([prev[s + iu], prev[s + ju, -1]]))
    if not parts:
        return np.empty((0, k1 + 1), dtype=np.int64)
    cand = np.concatenate(parts)
    if k1 >= 2:
        # every (k-1)-subset must be frequent; dropping either of the last two positions gives
        # the two parents, which are frequent by construction
        prev_keys = np.sort(_keys(prev))
        keep = np.ones(len(cand), dtype=bool)
        for d in range(k1 - 1):
            sub = _keys(np.delete(cand, d, axis=1))
            pos = np.searchsorted(prev_keys, sub)
            pos_ok = pos < len(prev_keys)
            found = np.zeros(len(cand), dtype=bool)
            found[pos_ok] = prev_keys[pos[pos_ok]] == sub[pos_ok]
            keep &= found
        cand = cand[keep]
    return cand


#: up to this many frequent items, pairs are counted into a dense m x m table by enumerating
#: the item pairs of every basket; beyond it by the sparse product X.T @ X
_DENSE_PAIR_ITEMS = 4096
#: item pairs enumerated per chunk (bounds the memory of the pair-counting path)
_PAIRS_PER_CHUNK = 4_000_000


def _pair_counts_dense(X: sp.csr_matrix, m: int) -> np.ndarray:
    """Co-occurrence counts of item pairs ``i < j`` as a flat array indexed ``i * m + j``.

    ``X`` must have sorted column indices. Every basket's item pairs are enumerated with
    vectorised index arithmetic (the i-th item of a basket pairs with the items after it) in
    chunks of at most ``_PAIRS_PER_CHUNK`` pairs and counted with ``np.bincount`` — the same
    numbers as the upper triangle of ``X.T @ X``, several times faster for few items.
    """
    idx = X.indices.astype(np.int64)
    nnz = len(idx)
    lengths = np.diff(X.indptr)
    after = np.repeat(X.indptr[1:], lengths) - np.arange(nnz) - 1
    cum = np.cumsum(after)
    out = np.zeros(m * m, dtype=np.int64)
    start = 0
    while start < nnz:
        base = cum[start - 1] if start else 0
        end = max(int(np.searchsorted(cum, base + _PAIRS_PER_CHUNK, side="right")), start + 1)
        end = min(end, nnz)
        cnt = after[start:end]
        total = int(cnt.sum())
        if total:
            p = np.repeat(np.arange(start, end), cnt)
            q = p + 1 + (np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt))
            out += np.bincount(idx[p] * m + idx[q], minlength=m * m)
        start = end
    return out


def _mine_sparse(
    X: sp.csr_matrix, min_support: float, max_len: int | None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Frequent itemsets of a binary CSR matrix, level by level.

    Returns one ``(itemsets, counts)`` pair per itemset length: ``itemsets`` an int64 array of
    sorted column indices (rows in lexicographic order), ``counts`` the number of baskets.
    """
    n, m = X.shape
    min_count = _min_count(min_support, n)
    counts1 = np.bincount(X.indices, minlength=m).astype(np.int64)
    f1 = np.flatnonzero(counts1 >= min_count)
    levels = [(f1[:, None].astype(np.int64), counts1[f1])]
    if (max_len is not None and max_len < 2) or len(f1) < 2:
        return levels
    # keep frequent columns only (local ids follow the original order)
    Xf = X[:, f1].tocsr()
    Xf.sort_indices()
    m1 = len(f1)
    if m1 <= _DENSE_PAIR_ITEMS:
        flat = _pair_counts_dense(Xf, m1)
        code = np.flatnonzero(flat >= min_count)
        a, b, c = code // m1, code % m1, flat[code]
    else:
        Xi = sp.csr_matrix((np.ones(Xf.nnz, dtype=np.int32), Xf.indices, Xf.indptr), shape=Xf.shape)
        pair = sp.triu(Xi.T @ Xi, k=1).tocoo()
        ok = pair.data >= min_count
        a, b, c = pair.row[ok].astype(np.int64), pair.col[ok].astype(np.int64), pair.data[ok]
        del pair, Xi
    order = np.lexsort((b, a))
    local = [np.column_stack([a[order], b[order]])]
    counts = [c[order].astype(np.int64)]
    if len(local[0]) and (max_len is None or max_len > 2):
        Xc = Xf.tocsc()
        Xc.sort_indices()
        col_ptr, col_rows = Xc.indptr, Xc.indices
        col_len = np.diff(col_ptr)
        mask = np.zeros(n, dtype=bool)
        k = 3
        while max_len is None or k <= max_len:
            cand = _candidates(local[-1])
            if len(cand) == 0:
                break
            prefix = cand[:, :-1]
            change = np.r_[True, np.any(prefix[1:] != prefix[:-1], axis=1)]
            starts = np.flatnonzero(change)
            ends = np.r_[starts[1:], len(cand)]
            cand_counts = np.empty(len(cand), dtype=np.int64)
            for s, e in zip(starts, ends, strict=True):
                items = prefix[s]
                # baskets holding the whole prefix: intersect its columns, shortest first
                by_len = items[np.argsort(col_len[items], kind="stable")]
                rows = col_rows[col_ptr[by_len[0]] : col_ptr[by_len[0] + 1]]
                for j in by_len[1:]:
                    col = col_rows[col_ptr[j] : col_ptr[j + 1]]
                    mask[col] = True
                    rows = rows[mask[rows]]
                    mask[col] = False
                ext = cand[s:e, -1]
                if len(rows) == 0:
                    cand_counts[s:e] = 0
                    continue
                mask[rows] = True
                segs = [col_rows[col_ptr[j] : col_ptr[j + 1]] for j in ext]
                lens = col_len[ext]
                hits = mask[np.concatenate(segs)]
                mask[rows] = False
                offsets = np.r_[0, np.cumsum(lens)[:-1]]
                cand_counts[s:e] = np.add.reduceat(hits.astype(np.int64), offsets)
            ok = cand_counts >= min_count
            if not ok.any():
                break
            local.append(cand[ok])
            counts.append(cand_counts[ok])
            k += 1
    for loc, cnt in zip(local, counts, strict=True):
        levels.append((f1[loc], cnt))
    return levels


def _rules_from_levels(
    levels: list[tuple[np.ndarray, np.ndarray]], n: int, min_confidence: float
) -> dict[str, np.ndarray | list]:
    """All rules ``A -> C`` with ``A ∪ C`` frequent and confidence >= ``min_confidence``.

    Metrics use mlxtend's floating-point expressions, so they match it bit for bit.
    """
    items1, counts1 = levels[0][0][:, 0], levels[0][1]
    count_by_item = np.zeros(int(items1.max()) + 1 if len(items1) else 0, dtype=np.int64)
    count_by_item[items1] = counts1
    tables = {}
    for size, (sets, cnt) in enumerate(levels[1:], start=2):
        keys = _keys(sets)
        order = np.argsort(keys, kind="stable")
        tables[size] = (keys[order], cnt[order])
    ant_list: list[np.ndarray] = []
    con_list: list[np.ndarray] = []
    cols: dict[str, list[np.ndarray]] = {c: [] for c in ("sAC", "sA", "sC")}

    def support_of(sets: np.ndarray) -> np.ndarray:
        if sets.shape[1] == 1:
            return count_by_item[sets[:, 0]]
        keys_sorted, counts_sorted = tables[sets.shape[1]]
        return counts_sorted[_lookup(keys_sorted, _keys(sets))]

    for size in range(2, len(levels) + 1):
        sets, cnt = levels[size - 1]
        if len(sets) == 0:
            continue
        sAC = cnt / float(n)
        for a_size in range(size - 1, 0, -1):
            for combo in itertools.combinations(range(size), a_size):
                rest = [i for i in range(size) if i not in combo]
                A, C = sets[:, list(combo)], sets[:, rest]
                sA = support_of(A) / float(n)
                sC = support_of(C) / float(n)
                conf = (sAC * n) / (sA * n)
                keep = conf >= min_confidence
                if not keep.any():
                    continue
                ant_list.append(A[keep])
                con_list.append(C[keep])
                cols["sAC"].append(sAC[keep])
                cols["sA"].append(sA[keep])
                cols["sC"].append(sC[keep])
    if not ant_list:
        return {"ant": [], "con": [], "sAC": np.array([]), "sA": np.array([]), "sC": np.array([])}
    return {
        "ant": [row for block in ant_list for row in block],
        "con": [row for block in con_list for row in block],
        **{k: np.concatenate(v) for k, v in cols.items()},
    }


def _rule_frame(
    ants: list, cons: list, sAC: np.ndarray, sA: np.ndarray, sC: np.ndarray, n: int
) -> pd.DataFrame:
    sAC, sA, sC = (np.asarray(x, dtype=float) for x in (sAC, sA, sC))
    conf = (sAC * n) / (sA * n)
    conviction = np.full(conf.shape, np.inf)
    below = conf < 1.0
    conviction[below] = (1.0 - sC[below]) / (1.0 - conf[below])
    return pd.DataFrame(
        {
            "antecedents": pd.Series(ants, dtype=object),
            "consequents": pd.Series(cons, dtype=object),
            "antecedent support": sA,
            "consequent support": sC,
            "support": sAC,
            "confidence": conf,
            "lift": conf / sC,
            "leverage": sAC - sA * sC,
            "conviction": conviction,
        }
    )


def _sort_rules(rules: pd.DataFrame) -> pd.DataFrame:
    if len(rules) == 0:
        return rules.reset_index(drop=True)
    a_txt = rules["antecedents"].map(lambda s: ", ".join(sorted(s)))
    c_txt = rules["consequents"].map(lambda s: ", ".join(sorted(s)))
    order = np.lexsort(
        (
            c_txt.to_numpy(dtype=str),
            a_txt.to_numpy(dtype=str),
            -rules["support"].to_numpy(),
            -rules["confidence"].to_numpy(),
            -rules["lift"].to_numpy(),
        )
    )
    return rules.iloc[order].reset_index(drop=True)


def _itemset_frame(levels, items: np.ndarray, n: int) -> pd.DataFrame:
    sets, counts = [], []
    for idx, cnt in levels:
        names = items[idx]
        sets.extend(frozenset(row) for row in names.tolist())
        counts.append(cnt)
    cnt = np.concatenate(counts) if counts else np.array([], dtype=np.int64)
    df = pd.DataFrame(
        {
            "support": cnt / float(n),
            "itemsets": pd.Series(sets, dtype=object),
            "count": cnt.astype(np.int64),
            "length": np.array([len(s) for s in sets], dtype=np.int64),
        }
    )
    return df


def _mlxtend_itemsets(baskets: Baskets, min_support: float, max_len: int | None, algorithm: str):
    from mlxtend.frequent_patterns import apriori, fpgrowth

    frame = baskets.to_frame()
    fn = fpgrowth if algorithm == "fpgrowth" else apriori
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        fi = fn(frame, min_support=min_support, use_colnames=True, max_len=max_len)
    fi = fi.reset_index(drop=True)
    fi["count"] = np.rint(fi["support"].to_numpy() * baskets.n_baskets).astype(np.int64)
    fi["length"] = fi["itemsets"].map(len).astype(np.int64)
    return fi


def _check_assoc_params(min_support, min_confidence, max_len, algorithm, where) -> dict:
    return validate_params(
        ASSOCIATE_PARAMS,
        {
            "min_support": min_support,
            "min_confidence": min_confidence,
            "max_len": max_len,
            "algorithm": algorithm,
        },
        where,
    )


def frequent_itemsets(
    data: Any,
    min_support: float = 0.01,
    *,
    max_len: int | None = None,
    algorithm: str = "sparse",
    transaction: str | None = None,
    item: str | None = None,
    id_col: str | None = None,
) -> pd.DataFrame:
    """Itemsets held by at least ``min_support`` of the baskets.

    Parameters
    ----------
    data : DataFrame, Baskets or scipy.sparse matrix
        See :func:`make_baskets`.
    min_support : float
        In (0, 1]: an itemset is frequent when ``count / n_baskets >= min_support``.
    max_len : int, optional
        Largest itemset size.
    algorithm : {'sparse', 'fpgrowth', 'apriori'}

    Returns
    -------
    DataFrame
        ``support``, ``itemsets`` (frozensets of item names), ``count``, ``length``; sorted by
        length, then support (descending).
    """
    where = "frequent_itemsets"
    p = _check_assoc_params(min_support, 0.5, max_len, algorithm, where)
    baskets = make_baskets(data, transaction=transaction, item=item, id_col=id_col, where=where)
    return _find_itemsets(baskets, p["min_support"], p["max_len"], p["algorithm"])[0]


def _find_itemsets(baskets: Baskets, min_support: float, max_len: int | None, algorithm: str):
    n = baskets.n_baskets
    if algorithm == "sparse":
        levels = _mine_sparse(baskets.matrix, min_support, max_len)
        itemsets = _itemset_frame(levels, baskets.items, n)
    else:
        levels = None
        itemsets = _mlxtend_itemsets(baskets, min_support, max_len, algorithm)
    itemsets = itemsets.assign(_txt=itemsets["itemsets"].map(lambda s: ", ".join(sorted(s))))
    itemsets = itemsets.sort_values(
        ["length", "support", "_txt"], ascending=[True, False, True], kind="stable"
    )
    return itemsets.drop(columns="_txt").reset_index(drop=True), levels


def pair_counts(
    data: Any,
    min_support: float = 0.0001,
    *,
    transaction: str | None = None,
    item: str | None = None,
    id_col: str | None = None,
) -> pd.DataFrame:
    """Co-occurrence counts of every frequent item pair, from one sparse product ``X.T @ X``.

    Returns a DataFrame with ``item_a``, ``item_b`` (``item_a < item_b`` in column order),
    ``count``, ``support``, ``support_a``, ``support_b`` and ``lift``, largest count first.
    """
    where = "pair_counts"
    p = _check_assoc_params(min_support, 0.5, 2, "sparse", where)
    baskets = make_baskets(data, transaction=transaction, item=item, id_col=id_col, where=where)
    levels = _mine_sparse(baskets.matrix, p["min_support"], 2)
    n = baskets.n_baskets
    single = np.zeros(baskets.n_items, dtype=np.int64)
    single[levels[0][0][:, 0]] = levels[0][1]
    if len(levels) < 2 or len(levels[1][0]) == 0:
        return pd.DataFrame(
            columns=["item_a", "item_b", "count", "support", "support_a", "support_b", "lift"]
        )
    pairs, cnt = levels[1]
    ca, cb = single[pairs[:, 0]], single[pairs[:, 1]]
    s, sa, sb = cnt / n, ca / n, cb / n
    out = pd.DataFrame(
        {
            "item_a": baskets.items[pairs[:, 0]],
            "item_b": baskets.items[pairs[:, 1]],
            "count": cnt,
            "support": s,
            "support_a": sa,
            "support_b": sb,
            "lift": s / (sa * sb),
        }
    )
    return out.sort_values(
        ["count", "item_a", "item_b"], ascending=[False, True, True]
    ).reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# rules
# ---------------------------------------------------------------------------------------------
def _fmt(s: frozenset) -> str:
    return ", ".join(sorted(s))


@dataclass(frozen=True, eq=False, repr=False)
class AssociationResult(Result):
    """Frequent itemsets and association rules.

    Attributes
    ----------
    rules : DataFrame
        ``antecedents`` and ``consequents`` (frozensets of item names) and the metric columns
        ``RULE_COLUMNS`` (plus ``improvement`` after :meth:`prune`); strongest lift first.
    itemsets : DataFrame
        ``support``, ``itemsets``, ``count``, ``length``.
    n_baskets, n_items : size of the data
    min_support, min_confidence, max_len, algorithm : the settings
    notes : what was cleaned or decided
    """

    rules: pd.DataFrame
    itemsets: pd.DataFrame
    n_baskets: int
    n_items: int
    min_support: float
    min_confidence: float
    max_len: int | None
    algorithm: str
    notes: tuple[str, ...] = ()

    @property
    def title(self) -> str:  # type: ignore[override]
        return (
            f"Association rules ({self.algorithm}): {len(self.rules)} rules from "
            f"{len(self.itemsets)} frequent itemsets in {self.n_baskets} baskets "
            f"(min_support={self.min_support}, min_confidence={self.min_confidence})"
        )

    def summary(self) -> pd.DataFrame:
        """The rules with item lists as text."""
        out = self.rules.copy()
        out["antecedents"] = out["antecedents"].map(_fmt)
        out["consequents"] = out["consequents"].map(_fmt)
        return out

    def plot(self, ax=None, kind: str = "scatter", **kwargs):
        """``kind``: ``'scatter'`` (support vs. confidence, coloured by lift) or ``'top'``
        (the strongest rules by lift)."""
        from ..plotting.mining import plot_rules, plot_top_rules

        check_param(kind, "kind", "AssociationResult.plot", str, choices=("scatter", "top"))
        fn = plot_rules if kind == "scatter" else plot_top_rules
        return fn(self, ax=ax, **kwargs)

    def prune(self, min_improvement: float = 0.0) -> AssociationResult:
        """Drop redundant rules (see :func:`prune_redundant`)."""
        kept = prune_redundant(self.rules, self.itemsets, min_improvement=min_improvement)
        note = f"{len(self.rules) - len(kept)} redundant rules pruned (min_improvement={min_improvement})."
        return replace(self, rules=kept, notes=(*self.notes, note))

    def recommend(self, holdings: pd.DataFrame, **kwargs) -> Recommendations:
        """Cross-sell recommendations from these rules (see :func:`recommend`)."""
        return recommend(self.rules, holdings, **kwargs)

    def planted_recall(self, planted: pd.DataFrame, **kwargs) -> TruthScore:
        """Share of planted rules found (see :func:`planted_rule_recall`)."""
        return planted_rule_recall(self.rules, planted, **kwargs)

    def to_records(self, top: int | None = None) -> list[dict[str, Any]]:
        """Rules as JSON-safe dicts (item lists sorted; infinite conviction becomes ``None``)."""
        rules = self.rules if top is None else self.rules.head(top)
        table = pd.DataFrame(
            {
                "antecedents": rules["antecedents"].map(lambda s: sorted(s)),
                "consequents": rules["consequents"].map(lambda s: sorted(s)),
                "support": rules["support"],
                "confidence": rules["confidence"],
                "lift": rules["lift"],
                "leverage": rules["leverage"],
                "conviction": rules["conviction"],
            }
        )
        return frame_records(table, digits=None)


def association_rules(
    data: Any,
    *,
    min_support: float = 0.01,
    min_confidence: float = 0.5,
    max_len: int | None = None,
    algorithm: str = "sparse",
    transaction: str | None = None,
    item: str | None = None,
    id_col: str | None = None,
) -> AssociationResult:
    """Association rules ``A -> C`` with support, confidence, lift, leverage and conviction.

    Parameters
    ----------
    data : DataFrame, Baskets or scipy.sparse matrix
        A long table (give ``transaction`` and ``item``), a one-hot table (``id_col`` names the
        basket column to leave out) or a sparse basket × item matrix.
    min_support : float
        Minimum share of baskets holding ``A ∪ C``.
    min_confidence : float
        Minimum ``support(A ∪ C) / support(A)``.
    max_len : int, optional
        Largest ``|A ∪ C|``; ``2`` gives item-to-item rules from one sparse product.
    algorithm : {'sparse', 'fpgrowth', 'apriori'}
        How to find the frequent itemsets (the rules are the same).

    Returns
    -------
    AssociationResult
        Rules sorted by lift, confidence and support (descending), then by item names.
        ``conviction`` is ``inf`` for rules with confidence 1.
    """
    where = "associate"
    p = _check_assoc_params(min_support, min_confidence, max_len, algorithm, where)
    baskets = make_baskets(data, transaction=transaction, item=item, id_col=id_col, where=where)
    n = baskets.n_baskets
    itemsets, levels = _find_itemsets(baskets, p["min_support"], p["max_len"], p["algorithm"])
    if levels is not None:
        raw = _rules_from_levels(levels, n, p["min_confidence"])
        names = baskets.items
        ants = [frozenset(names[a].tolist()) for a in raw["ant"]]
        cons = [frozenset(names[c].tolist()) for c in raw["con"]]
        rules = _rule_frame(ants, cons, raw["sAC"], raw["sA"], raw["sC"], n)
    elif len(itemsets) == 0:
        rules = _rule_frame([], [], [], [], [], n)
    else:
        from mlxtend.frequent_patterns import association_rules as mlx_rules

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            raw = mlx_rules(
                itemsets[["support", "itemsets"]],
                num_itemsets=n,
                metric="confidence",
                min_threshold=p["min_confidence"],
            )
        rules = raw[["antecedents", "consequents", *RULE_COLUMNS]].copy()
        rules = rules.astype({c: float for c in RULE_COLUMNS})
    return AssociationResult(
        rules=_sort_rules(rules),
        itemsets=itemsets,
        n_baskets=n,
        n_items=baskets.n_items,
        min_support=p["min_support"],
        min_confidence=p["min_confidence"],
        max_len=p["max_len"],
        algorithm=p["algorithm"],
        notes=baskets.notes,
    )


def prune_redundant(
    rules: pd.DataFrame, itemsets: pd.DataFrame | None = None, *, min_improvement: float = 0.0
) -> pd.DataFrame:
    """Drop rules whose extra antecedent items add no confidence.

    The *improvement* of ``A -> C`` is its confidence minus the best confidence of a rule
    ``A' -> C`` with a smaller antecedent ``A' ⊂ A`` (Bayardo et al., 1999). A rule is
    redundant when its improvement is ``<= min_improvement``: the simpler rule predicts ``C``
    at least as well. Rules with a one-item antecedent are never redundant (improvement is
    their confidence). Confidences of simpler rules missing from ``rules`` are computed from
    ``itemsets`` when given (all subsets of a frequent itemset are frequent); without it only
    the rules in the table are compared, which is exact for ``min_improvement <= 0``.

    Returns the kept rules with an ``improvement`` column, in their original order.
    """
    min_improvement = check_param(min_improvement, "min_improvement", "prune_redundant", float)
    if len(rules) == 0:
        return rules.assign(improvement=pd.Series(dtype=float))
    support: dict[frozenset, float] = {}
    if itemsets is not None and len(itemsets):
        support = dict(
            zip(itemsets["itemsets"].map(frozenset), itemsets["support"].to_numpy(), strict=True)
        )
    conf = {
        (a, c): f
        for a, c, f in zip(
            rules["antecedents"], rules["consequents"], rules["confidence"].to_numpy(), strict=True
        )
    }
    improvement = np.empty(len(rules))
    for i, (a, c, f) in enumerate(
        zip(rules["antecedents"], rules["consequents"], rules["confidence"].to_numpy(), strict=True)
    ):
        best = 0.0
        items = sorted(a)
        for size in range(1, len(items)):
            for sub in itertools.combinations(items, size):
                sa = frozenset(sub)
                g = conf.get((sa, c))
                if g is None and support:
                    s_ac, s_a = support.get(sa | c), support.get(sa)
                    g = s_ac / s_a if s_ac is not None and s_a else None
                if g is not None and g > best:
                    best = g
        improvement[i] = f - best
    out = rules.assign(improvement=improvement)
    return out[out["improvement"] > min_improvement].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# cross-sell recommendations
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False, repr=False)
class Recommendations(Result):
    """Next-best products per customer from association rules.

    Attributes
    ----------
    table : DataFrame
        ``customer``, ``rank``, ``item``, ``score`` (the rule metric), ``because`` (the
        antecedent of the rule that recommends it), ``confidence``, ``lift``.
    metric : the rule metric used to rank
    top_n : recommendations per customer (at most)
    n_customers : customers given
    """

    table: pd.DataFrame
    metric: str
    top_n: int
    n_customers: int
    title = "Cross-sell recommendations"

    def summary(self) -> pd.DataFrame:
        """How often each item is recommended and its average score."""
        if len(self.table) == 0:
            return pd.DataFrame(columns=["item", "n_customers", "mean_score", "share_first"])
        g = self.table.groupby("item")
        out = pd.DataFrame(
            {
                "n_customers": g["customer"].nunique(),
                "mean_score": g["score"].mean(),
                "share_first": g["rank"].apply(lambda r: float((r == 1).mean())),
            }
        ).reset_index()
        return out.sort_values(["n_customers", "item"], ascending=[False, True]).reset_index(
            drop=True
        )

    def plot(self, ax=None, **kwargs):
        from ..plotting.mining import plot_recommendations

        return plot_recommendations(self, ax=ax, **kwargs)

    def for_customer(self, customer: Any) -> pd.DataFrame:
        """The recommendations of one customer."""
        return self.table[self.table["customer"] == customer].reset_index(drop=True)


def recommend(
    rules: pd.DataFrame,
    holdings: pd.DataFrame,
    *,
    customer: str = "customer_id",
    item: str = "item",
    top_n: int = 3,
    metric: str = "confidence",
) -> Recommendations:
    """Turn rules into cross-sell offers: for each customer, the items that rules whose
    antecedent the customer already holds point to, best first, excluding items held.

    Parameters
    ----------
    rules : DataFrame
        A rules table (``AssociationResult.rules``).
    holdings : DataFrame
        Long table of what each customer has: one row per (customer, item).
    customer, item : str
        Column names in ``holdings``.
    top_n : int
        Recommendations per customer.
    metric : {'confidence', 'lift', 'leverage'}
        How to rank items; an item recommended by several rules keeps its best rule.
    """
    where = "recommend"
    top_n = check_param(top_n, "top_n", where, int, interval=Interval(1, None))
    metric = check_param(metric, "metric", where, str, choices=("confidence", "lift", "leverage"))
    check_table(holdings, [customer, item], where)
    h = holdings[[customer, item]].dropna()
    cust_codes, cust_uni = pd.factorize(h[customer], sort=True)
    n_cust = len(cust_uni)
    empty = pd.DataFrame(
        columns=["customer", "rank", "item", "score", "because", "confidence", "lift"]
    )
    if len(rules) == 0 or n_cust == 0:
        return Recommendations(empty, metric, top_n, n_cust)
    universe = sorted(set().union(*rules["antecedents"], *rules["consequents"]))
    pos = {name: i for i, name in enumerate(universe)}
    m = len(universe)
    item_codes = h[item].astype(str).map(pos)
    known = item_codes.notna().to_numpy()
    held = sp.csr_matrix(
        (
            np.ones(int(known.sum()), dtype=np.int32),
            (cust_codes[known], item_codes[known].to_numpy(dtype=np.int64)),
        ),
        shape=(n_cust, m),
    )
    held.sum_duplicates()
    held.data[:] = 1
    n_rules = len(rules)
    a_rows = np.repeat(np.arange(n_rules), rules["antecedents"].map(len).to_numpy())
    a_cols = np.array([pos[x] for s in rules["antecedents"] for x in sorted(s)], dtype=np.int64)
    A = sp.csr_matrix((np.ones(len(a_rows), dtype=np.int32), (a_rows, a_cols)), shape=(n_rules, m))
    a_len = rules["antecedents"].map(len).to_numpy()
    fired = (held @ A.T).tocoo()
    ok = fired.data == a_len[fired.col]
    f_cust, f_rule = fired.row[ok], fired.col[ok]
    c_rule = np.repeat(np.arange(n_rules), rules["consequents"].map(len).to_numpy())
    c_item = np.array([pos[x] for s in rules["consequents"] for x in sorted(s)], dtype=np.int64)
    cons = pd.DataFrame({"rule": c_rule, "item_code": c_item})
    cand = pd.DataFrame({"cust": f_cust, "rule": f_rule}).merge(cons, on="rule")
    held_keys = np.sort(held.tocoo().row.astype(np.int64) * m + held.tocoo().col)
    cand_keys = cand["cust"].to_numpy(dtype=np.int64) * m + cand["item_code"].to_numpy()
    cand = cand[~np.isin(cand_keys, held_keys)]
    if len(cand) == 0:
        return Recommendations(empty, metric, top_n, n_cust)
    cand = cand.assign(
        score=rules[metric].to_numpy()[cand["rule"].to_numpy()],
        conf=rules["confidence"].to_numpy()[cand["rule"].to_numpy()],
    )
    cand = cand.sort_values(
        ["cust", "item_code", "score", "conf", "rule"],
        ascending=[True, True, False, False, True],
        kind="stable",
    ).drop_duplicates(["cust", "item_code"])
    cand = cand.sort_values(
        ["cust", "score", "conf", "item_code"], ascending=[True, False, False, True], kind="stable"
    )
    cand["rank"] = cand.groupby("cust").cumcount() + 1
    cand = cand[cand["rank"] <= top_n]
    rule_idx = cand["rule"].to_numpy()
    table = pd.DataFrame(
        {
            "customer": np.asarray(cust_uni)[cand["cust"].to_numpy()],
            "rank": cand["rank"].to_numpy(),
            "item": np.asarray(universe, dtype=object)[cand["item_code"].to_numpy()],
            "score": cand["score"].to_numpy(),
            "because": rules["antecedents"].map(_fmt).to_numpy()[rule_idx],
            "confidence": rules["confidence"].to_numpy()[rule_idx],
            "lift": rules["lift"].to_numpy()[rule_idx],
        }
    )
    return Recommendations(table.reset_index(drop=True), metric, top_n, n_cust)


# ---------------------------------------------------------------------------------------------
# sequential patterns
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False, repr=False)
class SequenceResult(Result):
    """Sequential patterns "A then B within ``window_days``".

    Attributes
    ----------
    patterns : DataFrame
        ``antecedent``, ``consequent``, ``n_customers`` (with A followed by B in the window),
        ``support`` (their share of all customers), ``confidence`` (share of customers with A
        who then bought B in the window), ``lift`` (confidence / share of customers with B),
        ``median_gap_days``; strongest lift first.
    window_days, min_support, min_confidence : the settings
    n_customers : customers in the data
    """

    patterns: pd.DataFrame
    window_days: float
    min_support: float
    min_confidence: float
    n_customers: int
    notes: tuple[str, ...] = ()

    @property
    def title(self) -> str:  # type: ignore[override]
        return (
            f"Sequential patterns: {len(self.patterns)} 'A then B within {self.window_days:g} "
            f"days' among {self.n_customers} customers"
        )

    def summary(self) -> pd.DataFrame:
        return self.patterns.copy()

    def plot(self, ax=None, **kwargs):
        from ..plotting.mining import plot_sequences

        return plot_sequences(self, ax=ax, **kwargs)

    def planted_recall(self, planted: pd.DataFrame, **kwargs) -> TruthScore:
        """Share of planted sequences found (see :func:`planted_sequence_recall`)."""
        return planted_sequence_recall(self.patterns, planted, **kwargs)


def sequential_patterns(
    events: pd.DataFrame,
    *,
    customer: str,
    date: str,
    item: str,
    window_days: float = 30.0,
    min_support: float = 0.01,
    min_confidence: float = 0.0,
    max_pairs_per_chunk: int = 5_000_000,
) -> SequenceResult:
    """Find "customers who buy A buy B within ``window_days`` after" patterns.

    A customer supports ``A -> B`` when some purchase of B comes strictly after (a later
    timestamp) and at most ``window_days`` after some purchase of A (A ≠ B). Supports are
    shares of customers. Items bought by fewer than ``min_support`` of customers are left out
    first (they cannot be in a frequent pattern). Work is done in chunks of customers of at
    most ``max_pairs_per_chunk`` event pairs, vectorised within a chunk.
    """
    where = "sequential_patterns"
    window = check_param(
        window_days, "window_days", where, float, interval=Interval(0, None, "right")
    )
    min_support = check_param(
        min_support, "min_support", where, float, interval=Interval(0, 1, "right")
    )
    min_confidence = check_param(
        min_confidence, "min_confidence", where, float, interval=Interval(0, 1)
    )
    max_pairs_per_chunk = check_param(
        max_pairs_per_chunk, "max_pairs_per_chunk", where, int, interval=Interval(1000, None)
    )
    check_table(events, [customer, date, item], where)
    notes = []
    ev = events[[customer, date, item]].dropna()
    if len(ev) < len(events):
        notes.append(f"{len(events) - len(ev)} rows with missing values left out.")
    t = _as_datetime(ev[date], date, where)
    c_codes, c_uni = pd.factorize(ev[customer], sort=True)
    i_codes, i_uni = pd.factorize(ev[item].astype(str), sort=True)
    n_cust = len(c_uni)
    if n_cust == 0:
        raise DataError(f"{where}: no events with a customer, a date and an item.")
    days = (t - t.min()) / pd.Timedelta(days=1)
    frame = pd.DataFrame({"c": c_codes, "i": i_codes, "t": days.to_numpy(dtype=float)})
    frame = frame.drop_duplicates()
    m = len(i_uni)
    cust_item = np.unique(frame["c"].to_numpy(np.int64) * m + frame["i"].to_numpy())
    item_cust = np.bincount(cust_item % m, minlength=m)
    min_cust = _min_count(min_support, n_cust)
    frequent = item_cust >= min_cust
    frame = frame[frequent[frame["i"].to_numpy()]]
    frame = frame.sort_values(["c", "t", "i"], kind="stable")
    c = frame["c"].to_numpy(np.int64)
    i = frame["i"].to_numpy(np.int64)
    tt = frame["t"].to_numpy(float)
    found = []
    if len(c):
        run_start = np.r_[0, np.flatnonzero(np.diff(c)) + 1]
        run_len = np.diff(np.r_[run_start, len(c)])
        run_end = run_start + run_len
        # event e is followed by run_end - e - 1 later events of the same customer
        after = np.repeat(run_end, run_len) - np.arange(len(c)) - 1
        per_cust = run_len * (run_len - 1) // 2
        cum = np.cumsum(per_cust)
        u = 0
        while u < len(run_start):
            # customers u..v-1: as many as fit in max_pairs_per_chunk pairs (at least one)
            base = cum[u] - per_cust[u]
            v = max(int(np.searchsorted(cum, base + max_pairs_per_chunk, side="right")), u + 1)
            lo, hi = run_start[u], run_end[v - 1]
            cnt = after[lo:hi]
            p = np.repeat(np.arange(lo, hi), cnt)
            q = p + 1 + (np.arange(len(p)) - np.repeat(np.cumsum(cnt) - cnt, cnt))
            gap = tt[q] - tt[p]
            keep = (gap > 0) & (gap <= window) & (i[p] != i[q])
            if keep.any():
                pk, qk = p[keep], q[keep]
                found.append(pd.DataFrame({"c": c[pk], "a": i[pk], "b": i[qk], "gap": gap[keep]}))
            u = v
    cols = ["antecedent", "consequent", "n_customers", "support", "confidence", "lift",
            "median_gap_days"]  # fmt: skip
    if not found:
        patterns = pd.DataFrame(columns=cols)
    else:
        pairs = pd.concat(found, ignore_index=True)
        first = pairs.groupby(["c", "a", "b"], sort=False)["gap"].min().reset_index()
        g = first.groupby(["a", "b"])
        stats = pd.DataFrame({"n": g.size(), "gap": g["gap"].median()}).reset_index()
        stats = stats[stats["n"] >= min_cust]
        sup = stats["n"].to_numpy() / n_cust
        sup_a = item_cust[stats["a"].to_numpy()] / n_cust
        sup_b = item_cust[stats["b"].to_numpy()] / n_cust
        conf = sup / sup_a
        patterns = pd.DataFrame(
            {
                "antecedent": np.asarray(i_uni, dtype=object)[stats["a"].to_numpy()],
                "consequent": np.asarray(i_uni, dtype=object)[stats["b"].to_numpy()],
                "n_customers": stats["n"].to_numpy(np.int64),
                "support": sup,
                "confidence": conf,
                "lift": conf / sup_b,
                "median_gap_days": stats["gap"].to_numpy(float),
            }
        )
        patterns = patterns[patterns["confidence"] >= min_confidence]
        patterns = patterns.sort_values(
            ["lift", "confidence", "antecedent", "consequent"],
            ascending=[False, False, True, True],
            kind="stable",
        ).reset_index(drop=True)
    return SequenceResult(
        patterns=patterns,
        window_days=window,
        min_support=min_support,
        min_confidence=min_confidence,
        n_customers=n_cust,
        notes=tuple(notes),
    )


def _as_datetime(s: pd.Series, name: str, where: str) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(s):
        return pd.to_datetime(s)
    parsed = pd.to_datetime(s, errors="coerce", format="mixed")
    bad = parsed.isna() & s.notna()
    if bad.any():
        raise DataError(
            f"{where}: column {name!r} holds {int(bad.sum())} values that are not dates "
            f"(for example {s[bad].iloc[0]!r})."
        )
    return parsed


# ---------------------------------------------------------------------------------------------
# scoring against planted truth
# ---------------------------------------------------------------------------------------------
_SPLIT = re.compile(r"\s*[,;|+]\s*")


def _itemset(value: Any) -> frozenset:
    if isinstance(value, frozenset | set | list | tuple | np.ndarray):
        return frozenset(str(x) for x in value)
    if isinstance(value, str):
        return frozenset(x for x in _SPLIT.split(value.strip()) if x)
    return frozenset({str(value)})


def planted_rule_recall(
    rules: pd.DataFrame,
    planted: pd.DataFrame,
    *,
    antecedent: str = "antecedent",
    consequent: str = "consequent",
    match: str = "exact",
) -> TruthScore:
    """Share of planted rules that the mined rules recover.

    Parameters
    ----------
    rules : DataFrame
        Mined rules (``AssociationResult.rules``).
    planted : DataFrame
        One row per planted rule; ``antecedent`` and ``consequent`` hold an item name, a list
        of names or a comma-separated string.
    match : {'exact', 'either_direction'}
        ``'exact'``: a mined rule with the same antecedent and consequent. ``'either_direction'``:
        also accept the reversed rule (co-occurrence is symmetric; the direction comes from
        confidence).

    Returns
    -------
    TruthScore
        ``recall``, ``n_planted``, ``n_found``, ``n_rules``; ``detail`` lists each planted
        rule with ``found``, its ``rank`` among mined rules (by lift) and its metrics.
    """
    where = "planted_rule_recall"
    match = check_param(match, "match", where, str, choices=("exact", "either_direction"))
    check_table(planted, [antecedent, consequent], where)
    lookup: dict[tuple[frozenset, frozenset], int] = {}
    for rank, (a, c) in enumerate(zip(rules["antecedents"], rules["consequents"], strict=True)):
        lookup.setdefault((frozenset(a), frozenset(c)), rank)
    rows = []
    for a_val, c_val in zip(planted[antecedent], planted[consequent], strict=True):
        a, c = _itemset(a_val), _itemset(c_val)
        rank = lookup.get((a, c))
        if rank is None and match == "either_direction":
            rank = lookup.get((c, a))
        row = {"antecedent": _fmt(a), "consequent": _fmt(c), "found": rank is not None}
        row["rank"] = rank + 1 if rank is not None else np.nan
        for col in ("support", "confidence", "lift"):
            row[col] = float(rules[col].iloc[rank]) if rank is not None else np.nan
        rows.append(row)
    detail = pd.DataFrame(rows)
    n_found = int(detail["found"].sum()) if len(detail) else 0
    return TruthScore(
        task="link analysis",
        metrics={
            "recall": n_found / len(detail) if len(detail) else float("nan"),
            "n_planted": float(len(detail)),
            "n_found": float(n_found),
            "n_rules": float(len(rules)),
        },
        detail=detail,
    )


def planted_sequence_recall(
    patterns: pd.DataFrame,
    planted: pd.DataFrame,
    *,
    antecedent: str = "antecedent",
    consequent: str = "consequent",
) -> TruthScore:
    """Share of planted "A then B" sequences among the mined patterns (same order)."""
    where = "planted_sequence_recall"
    check_table(planted, [antecedent, consequent], where)
    lookup: dict[tuple[str, str], int] = {}
    for rank, (a, b) in enumerate(zip(patterns["antecedent"], patterns["consequent"], strict=True)):
        lookup.setdefault((str(a), str(b)), rank)
    rows = []
    for a, b in zip(planted[antecedent].astype(str), planted[consequent].astype(str), strict=True):
        rank = lookup.get((a, b))
        rows.append(
            {
                "antecedent": a,
                "consequent": b,
                "found": rank is not None,
                "rank": rank + 1 if rank is not None else np.nan,
                "confidence": float(patterns["confidence"].iloc[rank])
                if rank is not None
                else np.nan,
                "lift": float(patterns["lift"].iloc[rank]) if rank is not None else np.nan,
            }
        )
    detail = pd.DataFrame(rows)
    n_found = int(detail["found"].sum()) if len(detail) else 0
    return TruthScore(
        task="sequential patterns",
        metrics={
            "recall": n_found / len(detail) if len(detail) else float("nan"),
            "n_planted": float(len(detail)),
            "n_found": float(n_found),
            "n_patterns": float(len(patterns)),
        },
        detail=detail,
    )
