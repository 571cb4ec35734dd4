"""The personalization engine: which offer for which customer.

Four ways to rank offers, one interface (:class:`OfferEngine`: ``fit`` then ``recommend``):

* :class:`RuleEngine` — readable business rules (:class:`Rule`) on the customer 360 view and
  recent behaviour ("holds a mortgage but no insurance -> offer insurance"), evaluated
  vectorised on the whole table;
* :class:`ItemItemCF` — item-item collaborative filtering: cosine similarity of the columns of
  the sparse customer x item matrix ("customers who hold X also hold Y"), scored in blocks so
  that top-10 offers for a million customers take seconds;
* :class:`PropensityRecommender` — model-based next-best-product: one classifier per product
  (from :func:`ecrm_lab.mining.classify`) predicts who holds it from everything else known
  about the customer; non-holders who look like holders are the best prospects;
* :class:`PopularityRecommender` — the baseline every engine must beat: the most common items
  the customer does not yet have.

:class:`HybridRanker` blends any of them (rules first, then the models) and is itself an
:class:`OfferEngine`. :class:`AffinityOracle` ranks by the *true* take-up probability from
the latent traits (:func:`ecrm_lab.world.behaviour.take_up_probability`) — the ceiling no real
engine can see. :func:`evaluate_offers` scores offers against purchases held out after a
cut-off date: hit rate, precision and recall at ``k``, and — given the traits — the true
take-up probability of what was offered.

Examples
--------
>>> import pandas as pd
>>> from ecrm_lab.engines import interaction_matrix, ItemItemCF
>>> holdings = pd.DataFrame({"customer_id": [1, 1, 2, 2, 3, 3, 4],
...                          "item": ["card", "loan", "card", "loan", "card", "fund", "card"]})
>>> owned = interaction_matrix(holdings)
>>> offers = ItemItemCF().fit(owned).recommend(owned, k=1)
>>> offers.to_frame().query("customer_id == 4")[["customer_id", "rank", "offer"]]
   customer_id  rank offer
3            4     1  loan
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._random import RandomState
from .._result import Result
from .._validation import Interval, check_param
from ..exceptions import DataError, NotFittedError
from ._common import InteractionMatrix, block_size_for, check_view, iter_blocks, top_k

__all__ = [
    "Offers",
    "OfferEngine",
    "Rule",
    "RuleEngine",
    "PopularityRecommender",
    "ItemItemCF",
    "PropensityRecommender",
    "AffinityOracle",
    "HybridRanker",
    "ValueWeighted",
    "OfferEvaluation",
    "evaluate_offers",
]


# ---------------------------------------------------------------------------------------------
# the result: ranked offers per customer
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False, eq=False)
class Offers(Result):
    """The ``k`` best offers of each customer, from one engine.

    Attributes
    ----------
    engine : str
        Name of the engine that ranked them.
    customer_ids : ndarray of int64, shape (n,)
    items : tuple of str
        The item codes; ``index`` points into it.
    index : ndarray of int32, shape (n, k)
        Item positions, best first; ``-1`` where the customer has fewer than ``k`` offers.
    scores : ndarray of float32, shape (n, k)
        The engine's score of each offer (NaN where there is none).
    reasons : ndarray of int16, shape (n, k), optional
        Why each offer was made, as a position in ``reason_labels`` (``-1``: no reason).
    reason_labels : tuple of str
    k : int
    """

    engine: str
    customer_ids: np.ndarray
    items: tuple[str, ...]
    index: np.ndarray
    scores: np.ndarray
    reasons: np.ndarray | None = None
    reason_labels: tuple[str, ...] = ()
    k: int = 10

    @property
    def title(self) -> str:  # type: ignore[override]
        return f"Top-{self.k} offers of {self.engine!r} for {len(self.customer_ids):,} customers"

    @property
    def n_customers(self) -> int:
        return len(self.customer_ids)

    def first(self) -> pd.Series:
        """The best offer of each customer (``None`` when there is none), indexed by customer."""
        codes = np.asarray(self.items + (None,), dtype=object)
        first = self.index[:, 0] if self.index.shape[1] else np.full(self.n_customers, -1)
        return pd.Series(
            codes[first], index=pd.Index(self.customer_ids, name="customer_id"), name="offer"
        )

    def to_frame(self) -> pd.DataFrame:
        """Long format: ``customer_id``, ``rank`` (1 = best), ``offer``, ``score`` and, when the
        engine gives them, ``reason`` — one row per offer made."""
        n, k = self.index.shape
        ok = self.index >= 0
        rows, cols = np.nonzero(ok)
        out = pd.DataFrame(
            {
                "customer_id": self.customer_ids[rows],
                "rank": (cols + 1).astype(np.int64),
                "offer": pd.Categorical.from_codes(
                    self.index[rows, cols], categories=list(self.items)
                ),
                "score": self.scores[rows, cols].astype(np.float64),
            }
        )
        if self.reasons is not None and self.reason_labels:
            r = self.reasons[rows, cols].astype(np.int64)
            labels = np.asarray(self.reason_labels + ("",), dtype=object)
            out["reason"] = labels[np.where(r >= 0, r, len(self.reason_labels))]
        return out

    def for_customer(self, customer_id: int) -> pd.DataFrame:
        """The ranked offers of one customer."""
        pos = np.searchsorted(self.customer_ids, customer_id)
        if pos >= self.n_customers or self.customer_ids[pos] != customer_id:
            raise DataError(f"Offers.for_customer: customer {customer_id!r} has no offers here.")
        frame = self.to_frame()
        return frame[frame["customer_id"] == customer_id].reset_index(drop=True)

    def offer_matrix(self, k: int | None = None) -> sp.csr_matrix:
        """Sparse (n, n_items) 0/1 matrix of the top-``k`` offers (all ``k`` by default)."""
        kk = self.index.shape[1] if k is None else min(int(k), self.index.shape[1])
        idx = self.index[:, :kk]
        rows, cols = np.nonzero(idx >= 0)
        data = np.ones(len(rows), dtype=np.float32)
        return sp.csr_matrix(
            (data, (rows, idx[rows, cols])), shape=(self.n_customers, len(self.items))
        )

    def summary(self) -> pd.DataFrame:
        """How often each item is the best offer and how often it is in the top ``k``."""
        n = max(self.n_customers, 1)
        first = self.index[:, 0] if self.index.shape[1] else np.full(self.n_customers, -1)
        m = len(self.items)
        n_first = np.bincount(first[first >= 0], minlength=m)
        flat = self.index[self.index >= 0]
        n_top = np.bincount(flat, minlength=m)
        table = pd.DataFrame(
            {
                "best_offer": n_first,
                "best_offer_share": n_first / n,
                f"in_top_{self.k}": n_top,
                f"in_top_{self.k}_share": n_top / n,
            },
            index=pd.Index(self.items, name="offer"),
        )
        return table.sort_values(["best_offer", f"in_top_{self.k}"], ascending=False)

    def plot(self, ax=None, **kwargs):
        from ..plotting.engines import plot_offer_mix

        return plot_offer_mix(self, ax=ax, **kwargs)


# ---------------------------------------------------------------------------------------------
# the one interface
# ---------------------------------------------------------------------------------------------
class OfferEngine(abc.ABC):
    """What every offer engine does: ``fit`` on what customers hold, then ``recommend``.

    ``owned`` is the :class:`~ecrm_lab.engines.InteractionMatrix` of what each customer
    holds / bought; ``view`` is the customer 360 table (one row per customer, indexed by
    ``customer_id`` or with that column) for engines that need it.
    """

    #: name used in results
    name: str = "engine"
    #: whether the engine reads the customer view
    needs_view: bool = False
    #: whether blocks may be scored in parallel threads (pure NumPy/SciPy scoring)
    parallel_safe: bool = False

    def fit(self, owned: InteractionMatrix, view: pd.DataFrame | None = None) -> OfferEngine:
        """Learn from ``owned`` (and ``view``); returns ``self``."""
        _check_owned(owned, f"{type(self).__name__}.fit")
        if self.needs_view and view is None:
            raise DataError(f"{type(self).__name__}.fit needs the customer view.")
        if hasattr(self, "items_"):
            del self.items_  # a failed refit must not leave the engine looking fitted
        self._fit(
            owned,
            None
            if view is None
            else check_view(view, owned.customer_ids, f"{type(self).__name__}.fit"),
        )
        self.items_ = owned.items
        return self

    def _fit(self, owned: InteractionMatrix, view: pd.DataFrame | None) -> None:  # noqa: B027
        """Engine-specific fitting (nothing by default)."""

    @abc.abstractmethod
    def _score_block(
        self, X: sp.csr_matrix, view: pd.DataFrame | None, ids: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Scores (b, m) of a block of customers (``-inf`` = not offered) and optional reasons.

        ``X`` holds the block's rows of the matrix, ``view`` its rows of the customer view
        (or None), ``ids`` its customer ids. The scores must be a new array (the caller
        may change it in place).
        """

    def _reason_labels(self) -> tuple[str, ...]:
        return ()

    def _check_ready(self, owned: InteractionMatrix, view: pd.DataFrame | None, where: str):
        if not hasattr(self, "items_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted; call fit(...) first.")
        _check_owned(owned, where)
        if owned.items != self.items_:
            raise DataError(
                f"{where}: the matrix has items {owned.items[:5]}... but the engine was fitted "
                f"on {self.items_[:5]}...; use the same items in the same order."
            )
        if self.needs_view:
            if view is None:
                raise DataError(f"{where}: {type(self).__name__} needs the customer view.")
            view = check_view(view, owned.customer_ids, where)
        return view

    def score(self, owned: InteractionMatrix, view: pd.DataFrame | None = None) -> np.ndarray:
        """Dense scores (n_customers, n_items); ``-inf`` where an item is not offered at all."""
        where = f"{type(self).__name__}.score"
        view = self._check_ready(owned, view, where)
        out = np.empty((owned.n_customers, owned.n_items), dtype=np.float64)
        for blk in iter_blocks(owned.n_customers, block_size_for(owned.n_items)):
            vb = None if view is None else view.iloc[blk]
            out[blk] = self._score_block(owned.matrix[blk], vb, owned.customer_ids[blk])[0]
        return out

    def recommend(
        self,
        owned: InteractionMatrix,
        view: pd.DataFrame | None = None,
        k: int = 10,
        *,
        exclude_owned: bool = True,
        block_size: int | None = None,
        n_jobs: int = 1,
    ) -> Offers:
        """The ``k`` best offers for every customer (row) of ``owned``.

        Parameters
        ----------
        owned : InteractionMatrix
            What each customer holds (rows = customers to recommend for).
        view : DataFrame, optional
            The customer 360 view (needed by rule and model engines).
        k : int
            Offers per customer.
        exclude_owned : bool
            Never offer an item the customer already has.
        block_size : int, optional
            Customers scored at once (by default so that a block holds ~8 million scores);
            the result does not depend on it.
        n_jobs : int
            Blocks scored at the same time in threads (engines whose scoring is pure
            NumPy/SciPy: collaborative filtering and popularity; the others score one block
            at a time). The result does not depend on it.
        """
        where = f"{type(self).__name__}.recommend"
        check_param(n_jobs, "n_jobs", where, int, interval=Interval(1, 64))
        check_param(k, "k", where, int, interval=Interval(1, None))
        check_param(exclude_owned, "exclude_owned", where, bool)
        if block_size is not None:
            check_param(block_size, "block_size", where, int, interval=Interval(1, None))
        view = self._check_ready(owned, view, where)
        n, m = owned.n_customers, owned.n_items
        kk = min(k, m)
        index = np.empty((n, kk), dtype=np.int32)
        scores = np.empty((n, kk), dtype=np.float32)
        labels = self._reason_labels()
        reasons = np.full((n, kk), -1, dtype=np.int16) if labels else None
        bs = block_size or block_size_for(m)

        def one_block(blk: slice) -> None:
            X = owned.matrix[blk]
            s, r = self._score_block(
                X, None if view is None else view.iloc[blk], owned.customer_ids[blk]
            )
            if exclude_owned:
                s = _mask_owned(s, X)
            idx, sc = top_k(s, kk)
            index[blk] = idx
            scores[blk] = sc
            if reasons is not None and r is not None:
                got = np.take_along_axis(r, np.maximum(idx, 0), axis=1)
                reasons[blk] = np.where(idx >= 0, got, -1)

        blocks = list(iter_blocks(n, bs))
        if n_jobs > 1 and self.parallel_safe and len(blocks) > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=n_jobs) as pool:
                list(pool.map(one_block, blocks))
        else:
            for blk in blocks:
                one_block(blk)
        return Offers(
            engine=self.name,
            customer_ids=owned.customer_ids.copy(),
            items=owned.items,
            index=index,
            scores=scores,
            reasons=reasons,
            reason_labels=labels,
            k=kk,
        )


def _check_owned(owned: Any, where: str) -> None:
    if not isinstance(owned, InteractionMatrix):
        raise DataError(
            f"{where}: expected an InteractionMatrix (see engines.interaction_matrix), got "
            f"{type(owned).__name__}."
        )
    if owned.n_items == 0:
        raise DataError(f"{where}: the matrix has no items.")


def _mask_owned(scores: np.ndarray, X: sp.csr_matrix) -> np.ndarray:
    """Set the cells of held items to ``-inf`` (in place: blocks are always fresh arrays)."""
    s = (
        scores
        if scores.dtype == np.float64 and scores.flags.writeable
        else np.array(scores, dtype=np.float64)
    )
    coo = X.tocoo()
    held = coo.data > 0
    s[coo.row[held], coo.col[held]] = -np.inf
    return s


# ---------------------------------------------------------------------------------------------
# baseline: popularity
# ---------------------------------------------------------------------------------------------
class PopularityRecommender(OfferEngine):
    """Offer the items most customers have (the same ranking for everybody).

    Attributes
    ----------
    popularity_ : pandas.Series
        Share of customers holding each item.
    """

    name = "popularity"
    parallel_safe = True

    def _fit(self, owned: InteractionMatrix, view: pd.DataFrame | None) -> None:
        n = max(owned.n_customers, 1)
        self.popularity_ = owned.item_counts() / n

    def _score_block(self, X, view, ids):
        pop = self.popularity_.to_numpy(dtype=np.float64)
        return np.broadcast_to(pop, (X.shape[0], len(pop))).copy(), None


# ---------------------------------------------------------------------------------------------
# item-item collaborative filtering
# ---------------------------------------------------------------------------------------------
class ItemItemCF(OfferEngine):
    """Item-item collaborative filtering on the sparse customer x item matrix.

    The similarity of items ``i`` and ``j`` is the cosine of their columns of the binary
    matrix ``X`` (customers holding both / sqrt(holders of i x holders of j)), shrunk towards 0
    when few customers hold both: ``sim = cos x c / (c + shrinkage)`` with ``c`` the number of
    co-holders. A customer's score for item ``j`` is the sum of the similarities of ``j`` to the
    items they hold, ``X @ S``; ties (e.g. customers holding nothing) are broken by popularity.

    Parameters
    ----------
    n_neighbours : int, optional
        Keep only each item's ``n_neighbours`` most similar items (all by default).
    shrinkage : float
        Shrinkage of similarities supported by few co-holders (0 = plain cosine).
    dense_items : int
        Up to this many items the similarity matrix is used dense (fast); above it, sparse.

    Attributes
    ----------
    similarity_ : scipy.sparse.csr_matrix, shape (n_items, n_items)
        Item-item similarities, zero diagonal.
    popularity_ : ndarray
        Share of customers holding each item (the tie-breaker).
    """

    name = "item_item_cf"
    parallel_safe = True

    def __init__(
        self, n_neighbours: int | None = None, shrinkage: float = 0.0, dense_items: int = 4000
    ) -> None:
        where = "ItemItemCF"
        if n_neighbours is not None:
            check_param(n_neighbours, "n_neighbours", where, int, interval=Interval(1, None))
        check_param(shrinkage, "shrinkage", where, float, interval=Interval(0, None))
        check_param(dense_items, "dense_items", where, int, interval=Interval(1, None))
        self.n_neighbours = n_neighbours
        self.shrinkage = float(shrinkage)
        self.dense_items = dense_items

    def _fit(self, owned: InteractionMatrix, view: pd.DataFrame | None) -> None:
        X = owned.binary().matrix
        m = owned.n_items
        if m <= self.dense_items:
            # co-holders counted block by block into a dense m x m matrix (fast for small m)
            dense = np.zeros((m, m))
            for blk in iter_blocks(owned.n_customers, block_size_for(m)):
                Xb = X[blk].astype(np.float64)
                dense += np.asarray(Xb.T @ Xb.toarray())
            co = sp.csr_matrix(dense)
        else:
            Xf = X.astype(np.float64)
            co = (Xf.T @ Xf).tocsr()
        holders = co.diagonal().copy()
        co.setdiag(0.0)
        co.eliminate_zeros()
        c = co.tocoo()
        denom = np.sqrt(holders[c.row] * holders[c.col])
        sim = c.data / np.where(denom > 0, denom, 1.0)
        if self.shrinkage > 0:
            sim = sim * c.data / (c.data + self.shrinkage)
        S = sp.csr_matrix((sim, (c.row, c.col)), shape=co.shape)
        if self.n_neighbours is not None and self.n_neighbours < owned.n_items - 1:
            S = _keep_top_per_column(S, self.n_neighbours)
        self.similarity_ = S
        self.popularity_ = holders / max(owned.n_customers, 1)
        self._S_dense = S.toarray() if owned.n_items <= self.dense_items else None

    def _score_block(self, X, view, ids):
        Xb = X.copy()
        Xb.data = np.ones_like(Xb.data, dtype=np.float64)
        if self._S_dense is not None:
            s = np.asarray(Xb @ self._S_dense)
        else:
            s = (Xb @ self.similarity_).toarray()
        # tie-breaker far below any similarity difference: popularity in [0, 1e-9]
        s += 1e-9 * self.popularity_[None, :]
        return s, None

    def similar_items(self, item: str, n: int = 5) -> pd.Series:
        """The ``n`` items most similar to ``item``."""
        if not hasattr(self, "similarity_"):
            raise NotFittedError("ItemItemCF is not fitted; call fit(...) first.")
        check_param(item, "item", "ItemItemCF.similar_items", str, choices=self.items_)
        row = self.similarity_[self.items_.index(item)].toarray().ravel()
        s = pd.Series(row, index=pd.Index(self.items_, name="item"), name="similarity")
        return s.drop(item).sort_values(ascending=False, kind="stable").head(n)

    def similarity_frame(self) -> pd.DataFrame:
        """The similarity matrix as a labelled DataFrame (small catalogues only)."""
        if not hasattr(self, "similarity_"):
            raise NotFittedError("ItemItemCF is not fitted; call fit(...) first.")
        return pd.DataFrame(
            self.similarity_.toarray(),
            index=pd.Index(self.items_, name="item"),
            columns=pd.Index(self.items_, name="similar_item"),
        )


def _keep_top_per_column(S: sp.csr_matrix, n: int) -> sp.csr_matrix:
    """Keep the ``n`` largest entries of each column (each item's nearest neighbours)."""
    C = S.tocsc()
    C.sort_indices()
    keep = np.zeros(C.nnz, dtype=bool)
    lengths = np.diff(C.indptr)
    col_of = np.repeat(np.arange(C.shape[1]), lengths)
    order = np.lexsort((-C.data, col_of))  # by column, then descending value
    rank = np.empty(C.nnz, dtype=np.int64)
    starts = np.repeat(C.indptr[:-1], lengths)
    rank[order] = np.arange(C.nnz) - starts
    keep = rank < n
    out = sp.csc_matrix((C.data * keep, C.indices, C.indptr), shape=C.shape)
    out.eliminate_zeros()
    return out.tocsr()


# ---------------------------------------------------------------------------------------------
# rule-based offers
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    """One readable business rule: *if* ``condition`` *then offer* ``offer``.

    Parameters
    ----------
    name : str
        Short name, shown as the reason of the offer.
    condition : str or callable
        A pandas query string over the columns of the customer view (e.g.
        ``"age < 35 and not holds_credit_card"``) or a function ``view -> bool array``.
        ``holds_<item>`` columns are available for every item.
    offer : str
        The item offered when the condition holds.
    priority : float
        Higher wins when several rules offer to one customer.
    description : str
        One line for people reading the rule list.
    """

    name: str
    condition: str | Callable[[pd.DataFrame], Any]
    offer: str
    priority: float = 1.0
    description: str = ""

    def __post_init__(self) -> None:
        where = "Rule"
        check_param(self.name, "name", where, str)
        check_param(self.offer, "offer", where, str)
        check_param(self.priority, "priority", where, float)
        if not (isinstance(self.condition, str) or callable(self.condition)):
            raise DataError(
                f"Rule {self.name!r}: condition must be a query string or a callable, got "
                f"{type(self.condition).__name__}."
            )

    def evaluate(self, view: pd.DataFrame) -> np.ndarray:
        """Boolean mask of the customers (rows of ``view``) the rule fires for."""
        try:
            if isinstance(self.condition, str):
                mask = view.eval(self.condition)
            else:
                mask = self.condition(view)
        except Exception as exc:  # noqa: BLE001 - turn any evaluation error into one message
            raise DataError(
                f"Rule {self.name!r}: cannot evaluate its condition {self.condition!r} on the "
                f"customer view: {type(exc).__name__}: {exc}"
            ) from None
        arr = np.asarray(mask)
        if arr.shape != (len(view),):
            raise DataError(
                f"Rule {self.name!r}: the condition must give one True/False per customer, got "
                f"shape {arr.shape}."
            )
        return pd.Series(arr).fillna(False).to_numpy(dtype=bool)


class RuleEngine(OfferEngine):
    """Offers from a list of readable :class:`Rule` objects.

    Every rule is evaluated once on the whole customer view (vectorised). An item's score for a
    customer is the highest priority among the rules that fire and offer it (``-inf`` if none
    does); the reason of the offer is that rule's name.

    Parameters
    ----------
    rules : sequence of Rule

    Examples
    --------
    >>> import pandas as pd
    >>> from ecrm_lab.engines import interaction_matrix
    >>> owned = interaction_matrix(pd.DataFrame({"customer_id": [1, 2], "item": ["a", "b"]}))
    >>> view = pd.DataFrame({"customer_id": [1, 2], "age": [25, 60]})
    >>> eng = RuleEngine([Rule("young_b", "age < 30", "b", 2.0)]).fit(owned, view)
    >>> eng.recommend(owned, view, k=1).to_frame()[["customer_id", "offer", "reason"]]
       customer_id offer   reason
    0            1     b  young_b
    """

    name = "rules"
    needs_view = True

    def __init__(self, rules: Sequence[Rule]) -> None:
        rules = tuple(rules)
        if not rules:
            raise DataError("RuleEngine needs at least one rule.")
        for r in rules:
            if not isinstance(r, Rule):
                raise DataError(f"RuleEngine: expected Rule objects, got {type(r).__name__}.")
        names = [r.name for r in rules]
        if len(set(names)) != len(names):
            raise DataError("RuleEngine: rule names must be unique.")
        self.rules = rules

    def _fit(self, owned: InteractionMatrix, view: pd.DataFrame | None) -> None:
        unknown = [r.offer for r in self.rules if r.offer not in owned.items]
        if unknown:
            raise DataError(
                f"RuleEngine: rule offer {unknown[0]!r} is not an item; items are {owned.items}."
            )
        self._item_pos = {it: j for j, it in enumerate(owned.items)}

    def _reason_labels(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.rules)

    def _with_holdings(self, X: sp.csr_matrix, view: pd.DataFrame) -> pd.DataFrame:
        held = X.toarray() > 0
        extra = {
            f"holds_{it}": held[:, j]
            for j, it in enumerate(self.items_)
            if f"holds_{it}" not in view.columns
        }
        if not extra:
            return view
        return pd.concat([view, pd.DataFrame(extra, index=view.index)], axis=1)

    def _score_block(self, X, view, ids):
        view = self._with_holdings(X, view)
        b, m = X.shape[0], len(self.items_)
        scores = np.full((b, m), -np.inf)
        reasons = np.full((b, m), -1, dtype=np.int16)
        for r_i, rule in enumerate(self.rules):
            mask = rule.evaluate(view)
            j = self._item_pos[rule.offer]
            better = mask & (rule.priority > scores[:, j])
            scores[better, j] = rule.priority
            reasons[better, j] = r_i
        return scores, reasons

    def coverage(self, owned: InteractionMatrix, view: pd.DataFrame) -> pd.DataFrame:
        """How many customers each rule fires for (and how many of them lack the offer)."""
        view = self._check_ready(owned, view, "RuleEngine.coverage")
        full = self._with_holdings(owned.matrix, view)
        held = owned.dense_bool()
        rows = []
        for rule in self.rules:
            mask = rule.evaluate(full)
            j = self._item_pos[rule.offer]
            rows.append(
                {
                    "rule": rule.name,
                    "offer": rule.offer,
                    "priority": rule.priority,
                    "fires_for": int(mask.sum()),
                    "fires_share": float(mask.mean()),
                    "eligible": int((mask & ~held[:, j]).sum()),
                    "condition": rule.condition
                    if isinstance(rule.condition, str)
                    else getattr(rule.condition, "__name__", "callable"),
                }
            )
        return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# model-based next-best-product
# ---------------------------------------------------------------------------------------------
class PropensityRecommender(OfferEngine):
    """Model-based next-best-product: one classifier per item, trained on the customer view.

    For every item the classifier learns who holds it from the other columns of the view
    (demographics, behaviour, the *other* holdings) — a look-alike model. A non-holder's
    predicted probability says how much they look like the holders: the propensity to take the
    item up. Columns that would give the answer away are left out of the item's model: those
    whose name contains the item code as a word (``holds_mortgage``, ``views_mortgage_90d``)
    and the ``drop`` columns (aggregates of the holdings such as the number of products).

    The features are prepared once as in :func:`ecrm_lab.mining.classify`
    (:class:`~ecrm_lab.mining._common.TablePrep` and its imputation, encoding and scaling);
    each item's model then uses the encoded columns that do not come from its own columns. Its
    ROC AUC on a stratified holdout of ``test_size`` is kept in :attr:`models_`, then the model
    is refitted on all customers.

    Parameters
    ----------
    model : {'logistic', 'gradient_boosting'}
    min_class : int
        Items with fewer holders (or non-holders) than this get their base rate as score.
    drop : sequence of str
        View columns never used as features.
    test_size : float
        Share of customers held out to measure each model's ROC AUC.
    random_state : int, Generator or None
        Seeds the holdout splits and the models.

    Attributes
    ----------
    models_ : DataFrame
        Per item: holders, base rate, holdout ROC AUC (NaN for base-rate items), features.
    """

    name = "propensity_model"
    needs_view = True
    MODELS = ("logistic", "gradient_boosting")

    def __init__(
        self,
        model: str = "logistic",
        min_class: int = 10,
        drop: Sequence[str] = (),
        test_size: float = 0.25,
        random_state: RandomState = 0,
    ) -> None:
        where = "PropensityRecommender"
        check_param(model, "model", where, str, choices=self.MODELS)
        check_param(min_class, "min_class", where, int, interval=Interval(2, None))
        check_param(test_size, "test_size", where, float, interval=Interval(0, 1, "neither"))
        self.model = model
        self.min_class = min_class
        self.drop = tuple(drop)
        self.test_size = float(test_size)
        self.random_state = random_state

    def _make(self, seed: int):
        from sklearn.ensemble import HistGradientBoostingClassifier
        from sklearn.linear_model import LogisticRegression

        if self.model == "logistic":
            return LogisticRegression(max_iter=500, solver="newton-cholesky")
        return HistGradientBoostingClassifier(random_state=seed)

    def _fit(self, owned: InteractionMatrix, view: pd.DataFrame | None) -> None:
        from threadpoolctl import threadpool_limits

        # small dense problems: one BLAS thread is faster than two fighting for the cores
        with threadpool_limits(limits=1, user_api="blas"):
            self._fit_models(owned, view)

    def _fit_models(self, owned: InteractionMatrix, view: pd.DataFrame | None) -> None:
        import re

        from sklearn.metrics import roc_auc_score
        from sklearn.model_selection import train_test_split

        from ..mining._common import TablePrep, make_preprocessor, sklearn_seeds

        assert view is not None
        held = owned.dense_bool()
        seeds = sklearn_seeds(self.random_state, 2 * owned.n_items, "PropensityRecommender")
        base = view.drop(columns=[c for c in self.drop if c in view.columns])
        # one preparation for all items (unsupervised: imputation, encoding, scaling); each
        # item's model then leaves out the encoded columns that come from its own columns
        self._prep = TablePrep().fit(base)
        kind = "onehot" if self.model == "logistic" else "ordinal"
        self._encoder = make_preprocessor(self._prep.numeric_, self._prep.categorical_, kind=kind)
        Z = np.asarray(self._encoder.fit_transform(self._prep.transform(base)), dtype=np.float64)
        names = [str(n) for n in self._encoder.get_feature_names_out()]
        self._fitted: dict[str, Any] = {}
        self._keep: dict[str, np.ndarray] = {}
        rows = []
        for j, item in enumerate(owned.items):
            y = held[:, j].astype(np.int64)
            n_pos = int(y.sum())
            row: dict[str, Any] = {
                "item": item,
                "holders": n_pos,
                "base_rate": n_pos / max(len(y), 1),
            }
            if min(n_pos, len(y) - n_pos) < self.min_class:
                row.update(roc_auc=np.nan, scored_by="base rate", features=0)
                self._fitted[item] = float(row["base_rate"])
                rows.append(row)
                continue
            leak = re.compile(rf"(^|_){re.escape(item)}($|_)")
            keep = np.array([not leak.search(n) for n in names], dtype=bool)
            Zj = Z[:, keep]
            train, test = train_test_split(
                np.arange(len(y)), test_size=self.test_size, stratify=y, random_state=seeds[2 * j]
            )
            m = self._make(seeds[2 * j + 1]).fit(Zj[train], y[train])
            auc = float(roc_auc_score(y[test], m.predict_proba(Zj[test])[:, 1]))
            self._fitted[item] = self._make(seeds[2 * j + 1]).fit(Zj, y)
            self._keep[item] = keep
            row.update(roc_auc=auc, scored_by=self.model, features=int(keep.sum()))
            rows.append(row)
        self.models_ = pd.DataFrame(rows).set_index("item")

    def _score_block(self, X, view, ids):
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):
            Z = np.asarray(self._encoder.transform(self._prep.transform(view)), dtype=np.float64)
            out = np.empty((X.shape[0], len(self.items_)))
            for j, item in enumerate(self.items_):
                fitted = self._fitted[item]
                if isinstance(fitted, float):
                    out[:, j] = fitted
                else:
                    out[:, j] = fitted.predict_proba(Z[:, self._keep[item]])[:, 1]
        return out, None


# ---------------------------------------------------------------------------------------------
# the oracle: true take-up probabilities from the latent traits
# ---------------------------------------------------------------------------------------------
class AffinityOracle(OfferEngine):
    """Rank offers by the TRUE probability of take-up (:func:`behaviour.take_up_probability`).

    Uses the latent traits of the synthetic world, which no real engine can see: it is the
    ceiling against which the real engines are judged. Items must be affinity codes (bank
    product codes, retail category codes).

    Parameters
    ----------
    traits : DataFrame
        The truth table ``customer_traits``.
    channel : str, optional
        Campaign channel of the contact (``email``, ``sms``, ``post``, ``phone``).
    """

    name = "oracle_true_take_up"

    def __init__(self, traits: pd.DataFrame, channel: str | None = None) -> None:
        if not isinstance(traits, pd.DataFrame) or "customer_id" not in traits.columns:
            raise DataError("AffinityOracle needs the customer_traits table (with customer_id).")
        if channel is not None:
            from ..world.catalogue import CAMPAIGN_CHANNELS

            check_param(
                channel,
                "channel",
                "AffinityOracle",
                str,
                choices=[c.code for c in CAMPAIGN_CHANNELS],
            )
        self.traits = traits.set_index("customer_id", drop=False)
        self.channel = channel

    def _fit(self, owned: InteractionMatrix, view: pd.DataFrame | None) -> None:
        missing = [it for it in owned.items if f"affinity_{it}" not in self.traits.columns]
        if missing:
            raise DataError(
                f"AffinityOracle: no trait 'affinity_{missing[0]}'; the items must be the "
                "world's product (bank) or category (retail) codes."
            )

    def _score_block(self, X, view, ids):
        from ..world.behaviour import take_up_probability

        known = pd.Index(ids).isin(self.traits.index)
        if not known.all():
            raise DataError(
                f"AffinityOracle: {int((~known).sum())} customers have no traits (for example "
                f"{int(ids[~known][0])})."
            )
        t = self.traits.loc[ids]
        out = np.empty((len(ids), len(self.items_)))
        for j, item in enumerate(self.items_):
            out[:, j] = take_up_probability(t, item, treated=True, channel=self.channel)
        return out, None


# ---------------------------------------------------------------------------------------------
# one ranking from several engines
# ---------------------------------------------------------------------------------------------
class HybridRanker(OfferEngine):
    """Blend several engines into one ranking.

    Each engine's scores are turned into within-customer ranks scaled to (0, 1] (1 = the
    engine's best item for that customer, 0 = not offered by it), multiplied by the engine's
    weight and added. The reason of an offer is the engine (and, for rules, the rule) that
    contributed most. Give rules a large weight and they come first whenever they fire; the
    models fill the remaining places.

    Parameters
    ----------
    engines : mapping of name -> OfferEngine
    weights : mapping of name -> float, optional
        Default 1 for every engine.
    name : str
        Name of the blend in results.
    refit : bool
        Fit every engine in :meth:`fit` (default). With False, engines already fitted on the
        same items (e.g. the same objects fitted just before) are used as they are.
    """

    def __init__(
        self,
        engines: Mapping[str, OfferEngine],
        weights: Mapping[str, float] | None = None,
        name: str = "hybrid",
        refit: bool = True,
    ) -> None:
        engines = dict(engines)
        if not engines:
            raise DataError("HybridRanker needs at least one engine.")
        for key, eng in engines.items():
            if not isinstance(eng, OfferEngine):
                raise DataError(
                    f"HybridRanker: engine {key!r} is a {type(eng).__name__}, not an OfferEngine."
                )
        weights = {key: 1.0 for key in engines} if weights is None else dict(weights)
        unknown = set(weights) - set(engines)
        if unknown:
            raise DataError(f"HybridRanker: weight for unknown engine {sorted(unknown)[0]!r}.")
        for key in engines:
            weights.setdefault(key, 1.0)
            check_param(
                weights[key], f"weights[{key!r}]", "HybridRanker", float, interval=Interval(0, None)
            )
        check_param(name, "name", "HybridRanker", str)
        self.engines = engines
        self.weights = {k: float(v) for k, v in weights.items()}
        self.name = name
        self.refit = check_param(refit, "refit", "HybridRanker", bool)
        self.needs_view = any(e.needs_view for e in engines.values())

    def _fit(self, owned: InteractionMatrix, view: pd.DataFrame | None) -> None:
        for eng in self.engines.values():
            if self.refit or getattr(eng, "items_", None) != owned.items:
                eng.fit(owned, view)
        labels: list[str] = []
        self._offsets: dict[str, int] = {}
        for key, eng in self.engines.items():
            self._offsets[key] = len(labels)
            sub = eng._reason_labels()
            labels += [f"{key}: {lab}" for lab in sub] if sub else [key]
        self._labels = tuple(labels)

    def _reason_labels(self) -> tuple[str, ...]:
        return self._labels

    def _score_block(self, X, view, ids):
        from scipy.stats import rankdata

        b, m = X.shape[0], len(self.items_)
        total = np.zeros((b, m))
        best = np.full((b, m), -1.0)
        reasons = np.full((b, m), -1, dtype=np.int16)
        offered = np.zeros((b, m), dtype=bool)
        for key, eng in self.engines.items():
            vb = view if eng.needs_view else None
            s, r = eng._score_block(X, vb, ids)
            s = np.where(np.isfinite(s), s, np.nan)
            fin = ~np.isnan(s)
            n_fin = fin.sum(axis=1, keepdims=True)
            ranks = rankdata(s, axis=1, nan_policy="omit") if fin.any() else np.zeros_like(s)
            contrib = np.where(fin, np.nan_to_num(ranks) / np.maximum(n_fin, 1), 0.0)
            contrib *= self.weights[key]
            total += contrib
            offered |= fin
            win = contrib > best
            best = np.where(win, contrib, best)
            own = self._offsets[key] + (np.maximum(r, 0) if r is not None else 0)
            if r is not None:
                own = np.where(r >= 0, own, self._offsets[key])
            reasons = np.where(win & fin, own, reasons).astype(np.int16)
        total[~offered] = -np.inf
        return total, reasons


class ValueWeighted(OfferEngine):
    """Next-best *offer*: another engine's scores times what a take-up of each item is worth.

    The most likely purchase is not always the best offer: a mortgage taken up by one customer
    in a hundred can be worth more than a credit card taken up by one in fifty. This engine
    ranks by ``score x value[item]`` (items worth nothing or less are not offered); with
    a propensity model's probabilities as scores that is the expected margin of the offer.

    Parameters
    ----------
    engine : OfferEngine
        The engine whose scores are weighted (fitted by this one's ``fit``).
    values : mapping item -> float
        Value of one take-up of each item (e.g. ``offer_values(...)['margin_per_take_up']``).
    name : str, optional
        Name in results (default ``'<engine name> x value'``).
    refit : bool
        Fit ``engine`` in :meth:`fit` (default). With False an engine that is already fitted
        on the same items is used as it is.
    """

    def __init__(
        self,
        engine: OfferEngine,
        values: Mapping[str, float] | pd.Series,
        name: str | None = None,
        refit: bool = True,
    ) -> None:
        if not isinstance(engine, OfferEngine):
            raise DataError(
                f"ValueWeighted: engine must be an OfferEngine, got {type(engine).__name__}."
            )
        self.engine = engine
        self.values = {str(k): float(v) for k, v in dict(values).items()}
        self.name = name or f"{engine.name} x value"
        self.needs_view = engine.needs_view
        self.refit = check_param(refit, "refit", "ValueWeighted", bool)

    def _fit(self, owned: InteractionMatrix, view: pd.DataFrame | None) -> None:
        missing = [it for it in owned.items if it not in self.values]
        if missing:
            raise DataError(f"ValueWeighted: no value for item {missing[0]!r}.")
        if self.refit or getattr(self.engine, "items_", None) != owned.items:
            self.engine.fit(owned, view)
        self._v = np.array([self.values[it] for it in owned.items])

    def _reason_labels(self) -> tuple[str, ...]:
        return self.engine._reason_labels()

    def _score_block(self, X, view, ids):
        s, r = self.engine._score_block(X, view if self.engine.needs_view else None, ids)
        out = np.where(np.isfinite(s), s * self._v[None, :], -np.inf)
        out[:, self._v <= 0] = -np.inf
        return out, r


# ---------------------------------------------------------------------------------------------
# evaluation on held-out purchases
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False, eq=False)
class OfferEvaluation(Result):
    """Offers of several engines scored against what customers took up later.

    Attributes
    ----------
    table : DataFrame
        One row per engine and ``k``: ``customers`` evaluated (those with at least one
        held-out item), ``hit_rate`` (share with at least one held-out item among the top
        ``k``), ``precision`` (hits / k), ``recall`` (hits / held-out items); with traits
        also ``true_take_up`` (mean true P(take-up) of the offers in the top ``k``, over every
        customer offered) and ``affinity`` (mean true affinity for them).
    n_customers : int
        Customers offered to.
    n_evaluated : int
        Customers with at least one held-out item.
    heldout_rate : float
        Share of customers with at least one held-out item.
    """

    table: pd.DataFrame
    n_customers: int
    n_evaluated: int
    heldout_rate: float
    ks: tuple[int, ...]
    title = "Offers against held-out take-up"

    def summary(self) -> pd.DataFrame:
        return self.table

    def at(self, k: int) -> pd.DataFrame:
        """The rows for one ``k``, indexed by engine."""
        check_param(k, "k", "OfferEvaluation.at", int, choices=self.ks)
        return self.table[self.table["k"] == k].set_index("engine").drop(columns="k")

    def plot(self, ax=None, metric: str = "hit_rate", **kwargs):
        from ..plotting.engines import plot_offer_evaluation

        return plot_offer_evaluation(self, metric=metric, ax=ax, **kwargs)


def _as_offer_map(offers: Any) -> dict[str, Offers]:
    if isinstance(offers, Offers):
        return {offers.engine: offers}
    if isinstance(offers, Mapping):
        out = dict(offers)
    else:
        out = {}
        for o in offers:
            if not isinstance(o, Offers):
                raise DataError(f"evaluate_offers: expected Offers, got {type(o).__name__}.")
            if o.engine in out:
                raise DataError(f"evaluate_offers: two offer lists are named {o.engine!r}.")
            out[o.engine] = o
    for key, o in out.items():
        if not isinstance(o, Offers):
            raise DataError(f"evaluate_offers: {key!r} is a {type(o).__name__}, not Offers.")
    if not out:
        raise DataError("evaluate_offers: give at least one list of offers.")
    return out


def evaluate_offers(
    offers: Offers | Sequence[Offers] | Mapping[str, Offers],
    heldout: InteractionMatrix,
    k: int | Sequence[int] = (1, 3, 5),
    traits: pd.DataFrame | None = None,
) -> OfferEvaluation:
    """Hit rate, precision and recall at ``k`` of offers against held-out take-up.

    Parameters
    ----------
    offers : Offers, sequence of Offers or mapping name -> Offers
        The engines to compare (usually fitted on data up to a cut-off date).
    heldout : InteractionMatrix
        What customers newly took up after the cut-off (same items; its rows must include the
        customers offered to).
    k : int or sequence of int
        Cut-offs (each at most the number of offers per customer).
    traits : DataFrame, optional
        ``customer_traits`` of a synthetic world: adds the mean TRUE take-up probability and
        affinity of the offers (items must be affinity codes).

    Returns
    -------
    OfferEvaluation
    """
    where = "evaluate_offers"
    omap = _as_offer_map(offers)
    _check_owned(heldout, where)
    ks = (k,) if isinstance(k, int | np.integer) else tuple(k)
    if not ks:
        raise DataError(f"{where}: give at least one k.")
    for kk in ks:
        check_param(kk, "k", where, int, interval=Interval(1, None))
    ks = tuple(sorted({int(x) for x in ks}))
    rows = []
    n_cust = n_eval = 0
    rate = float("nan")
    for name, off in omap.items():
        if off.items != heldout.items:
            raise DataError(
                f"{where}: offers {name!r} and the held-out matrix have different items."
            )
        if max(ks) > off.index.shape[1]:
            raise DataError(
                f"{where}: k={max(ks)} but {name!r} has only {off.index.shape[1]} offers per "
                "customer; recommend with a larger k."
            )
        pos = heldout.positions(off.customer_ids, where)
        H = heldout.matrix[pos]
        n_new = np.asarray((H > 0).sum(axis=1)).ravel()
        evaluated = n_new > 0
        n_cust, n_eval = off.n_customers, int(evaluated.sum())
        rate = n_eval / max(n_cust, 1)
        hit = _hits(H, off.index[:, : max(ks)])
        cum = np.cumsum(hit, axis=1)
        true_p = true_a = None
        if traits is not None:
            true_p, true_a = _true_value_of_offers(off, traits, max(ks), where)
        for kk in ks:
            hits_k = cum[:, kk - 1]
            row: dict[str, Any] = {
                "engine": name,
                "k": kk,
                "customers": n_eval,
                "hit_rate": float((hits_k[evaluated] > 0).mean()) if n_eval else np.nan,
                "precision": float((hits_k[evaluated] / kk).mean()) if n_eval else np.nan,
                "recall": float((hits_k[evaluated] / n_new[evaluated]).mean())
                if n_eval
                else np.nan,
            }
            if true_p is not None and true_a is not None:
                has = off.index[:, :kk] >= 0
                row["true_take_up"] = float(np.nanmean(np.where(has, true_p[:, :kk], np.nan)))
                row["affinity"] = float(np.nanmean(np.where(has, true_a[:, :kk], np.nan)))
            rows.append(row)
    return OfferEvaluation(
        table=pd.DataFrame(rows), n_customers=n_cust, n_evaluated=n_eval, heldout_rate=rate, ks=ks
    )


def _hits(H: sp.csr_matrix, index: np.ndarray) -> np.ndarray:
    """hit[i, r] = 1 when the r-th offer of row i is held out for that row."""
    n, k = index.shape
    out = np.zeros((n, k), dtype=np.int8)
    m = H.shape[1]
    for blk in iter_blocks(n, block_size_for(m)):
        dense = H[blk].toarray() > 0
        idx = index[blk]
        got = np.take_along_axis(dense, np.maximum(idx, 0), axis=1)
        out[blk] = (got & (idx >= 0)).astype(np.int8)
    return out


def _true_value_of_offers(
    off: Offers, traits: pd.DataFrame, k: int, where: str
) -> tuple[np.ndarray, np.ndarray]:
    """True P(take-up | contacted) and affinity of each of the top-k offers, shape (n, k)."""
    from ..world.behaviour import take_up_probability

    t = traits.set_index("customer_id", drop=False) if "customer_id" in traits.columns else traits
    known = pd.Index(off.customer_ids).isin(t.index)
    if not known.all():
        raise DataError(f"{where}: {int((~known).sum())} offered customers have no traits.")
    t = t.loc[off.customer_ids]
    idx = off.index[:, :k]
    p = np.full(idx.shape, np.nan)
    a = np.full(idx.shape, np.nan)
    for j, item in enumerate(off.items):
        col = f"affinity_{item}"
        if col not in t.columns:
            raise DataError(f"{where}: no trait {col!r}; items must be affinity codes.")
        rows, ranks = np.nonzero(idx == j)
        if len(rows) == 0:
            continue
        sub = t.iloc[np.unique(rows)]
        prob = pd.Series(take_up_probability(sub, item, treated=True), index=np.unique(rows))
        p[rows, ranks] = prob.loc[rows].to_numpy()
        a[rows, ranks] = t[col].to_numpy(dtype=np.float64)[rows]
    return p, a
