"""Segmentation: RFM scoring with named segments, and k-means clusters with profiles.

* :func:`rfm` scores every customer of a transaction log on Recency, Frequency and Monetary
  value (quintiles: 5 = best) and names the segment from the R and F scores — champions,
  loyal, potential loyalist, new, promising, need attention, about to sleep, at risk,
  can't lose, hibernating (the widely used RFM grid).
* :func:`kmeans_segments` clusters any customer feature table with k-means, choosing k by the
  silhouette score. On large tables the models are fitted on a random sample and the
  silhouette is computed on a smaller one (both sample sizes are parameters), then every
  customer is assigned to its nearest centre — so a million customers take seconds.

Both results score themselves against known segments with the adjusted Rand index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._random import RandomState, check_random_state
from .._result import Result
from .._validation import Interval, Param, check_numeric_column, check_param, validate_params
from ..exceptions import DataError
from ._common import (
    TablePrep,
    TruthScore,
    align_truth,
    as_id_array,
    check_table,
    make_preprocessor,
    openmp_threads,
)

__all__ = [
    "RFM_SEGMENTS",
    "RFM_GRID",
    "SEGMENT_PARAMS",
    "RFMResult",
    "rfm",
    "SegmentationResult",
    "kmeans_segments",
    "adjusted_rand",
]

#: RFM segment names, best customers first
RFM_SEGMENTS = (
    "champions",
    "loyal",
    "potential_loyalist",
    "new",
    "promising",
    "need_attention",
    "about_to_sleep",
    "at_risk",
    "cant_lose",
    "hibernating",
)

#: segment of each (R score, F score) cell: RFM_GRID[r - 1][f - 1]
RFM_GRID = (
    ("hibernating", "hibernating", "at_risk", "at_risk", "cant_lose"),
    ("hibernating", "hibernating", "at_risk", "at_risk", "cant_lose"),
    ("about_to_sleep", "about_to_sleep", "need_attention", "loyal", "loyal"),
    ("promising", "potential_loyalist", "potential_loyalist", "loyal", "loyal"),
    ("new", "potential_loyalist", "potential_loyalist", "champions", "champions"),
)

SEGMENT_PARAMS = (
    Param("k", int, None, "number of segments (None: choose by silhouette)", Interval(2, 50),
          nullable=True),
    Param("k_min", int, 2, "smallest k tried", Interval(2, 50)),
    Param("k_max", int, 8, "largest k tried", Interval(2, 50)),
    Param("fit_size", int, 20_000, "rows the k-means models are fitted on (sampled)",
          Interval(100, None)),
    Param("sample_size", int, 3_000, "rows the silhouette is computed on (sampled)",
          Interval(100, None)),
    Param("n_init", int, 4, "k-means restarts per k", Interval(1, 100)),
)  # fmt: skip


def _score(values: np.ndarray, n_bins: int) -> np.ndarray:
    """Quantile scores 1..n_bins from average ranks: ties share a score, larger is higher."""
    ranks = pd.Series(values).rank(method="average").to_numpy()
    n = len(values)
    return (np.floor((ranks - 1) * n_bins / n) + 1).astype(np.int64)


def _as_datetime(s: pd.Series, name: str, where: str) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(s):
        out = pd.to_datetime(s)
    else:
        out = pd.to_datetime(s, errors="coerce", format="mixed")
        bad = out.isna() & s.notna()
        if bad.any():
            raise DataError(
                f"{where}: column {name!r} holds {int(bad.sum())} values that are not dates "
                f"(for example {s[bad].iloc[0]!r})."
            )
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_localize(None)
    return out


# ---------------------------------------------------------------------------------------------
# RFM
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False, repr=False)
class RFMResult(Result):
    """RFM scores and named segments.

    Attributes
    ----------
    table : DataFrame
        One row per customer: ``customer``, ``recency_days`` (days from the last purchase to
        ``as_of``), ``frequency`` (transactions), ``monetary`` (total amount), ``R``, ``F``,
        ``M`` (1-5, 5 = best), ``rfm_cell`` (e.g. ``"545"``), ``rfm_score`` (R+F+M) and
        ``segment``.
    as_of : the reference day
    n_bins : scores run from 1 to n_bins
    """

    table: pd.DataFrame
    as_of: pd.Timestamp
    n_bins: int
    notes: tuple[str, ...] = ()

    @property
    def title(self) -> str:  # type: ignore[override]
        return f"RFM segments of {len(self.table)} customers as of {self.as_of.date()}"

    def summary(self) -> pd.DataFrame:
        """Per segment: customers, share, mean recency/frequency/monetary, revenue share."""
        t = self.table
        g = t.groupby("segment", observed=True)
        out = pd.DataFrame(
            {
                "n_customers": g.size(),
                "share": g.size() / len(t),
                "recency_days": g["recency_days"].mean(),
                "frequency": g["frequency"].mean(),
                "monetary": g["monetary"].mean(),
                "revenue_share": g["monetary"].sum() / t["monetary"].sum()
                if t["monetary"].sum() != 0
                else np.nan,
            }
        )
        order = [s for s in RFM_SEGMENTS if s in out.index]
        return out.loc[order].rename_axis("segment").reset_index()

    @property
    def sizes(self) -> pd.Series:
        """Customers per segment."""
        return self.summary().set_index("segment")["n_customers"]

    def plot(self, ax=None, kind: str = "segments", **kwargs):
        """``kind``: ``'segments'`` (customers and revenue per segment) or ``'grid'`` (customers
        per R x F cell)."""
        from ..plotting.mining import plot_rfm_grid, plot_rfm_segments

        check_param(kind, "kind", "RFMResult.plot", str, choices=("segments", "grid"))
        fn = plot_rfm_segments if kind == "segments" else plot_rfm_grid
        return fn(self, ax=ax, **kwargs)

    def adjusted_rand(self, true_segments: Any) -> TruthScore:
        """Agreement of the RFM segments with known segments (a Series indexed by customer, or
        one value per row of ``table``)."""
        truth = align_truth(
            true_segments,
            len(self.table),
            self.table["customer"].to_numpy(),
            None,
            "RFMResult.adjusted_rand",
        )
        return adjusted_rand(self.table["segment"].to_numpy(), truth, task="RFM segmentation")


def rfm(
    transactions: pd.DataFrame,
    *,
    customer: str,
    date: str,
    amount: str,
    as_of: Any = None,
    n_bins: int = 5,
) -> RFMResult:
    """Recency, frequency and monetary scores from a transaction log, with named segments.

    Parameters
    ----------
    transactions : DataFrame
        One row per transaction.
    customer, date, amount : str
        Column names. Dates may be text; amounts must be numbers.
    as_of : date-like, optional
        The day recency is measured to (default: the day after the last transaction).
    n_bins : int
        Score levels (5 = quintiles). Segment names need ``n_bins=5``; other values leave
        ``segment`` empty.

    Notes
    -----
    Scores come from average ranks (``score = floor((rank - 1) * n_bins / n) + 1``), so
    customers with equal values get equal scores; recency is scored so that the most
    recent customers get 5.

    Examples
    --------
    >>> tx = pd.DataFrame({"c": [1, 1, 1, 2, 3, 3, 4, 5],
    ...                    "d": ["2024-01-01", "2024-03-01", "2024-03-30", "2023-06-01",
    ...                          "2024-02-01", "2024-03-20", "2024-03-31", "2023-01-01"],
    ...                    "a": [10, 20, 30, 5, 50, 50, 8, 2]})
    >>> r = rfm(tx, customer="c", date="d", amount="a")
    >>> r.table[["customer", "R", "F", "M", "segment"]]
       customer  R  F  M             segment
    0         1  4  5  4               loyal
    1         2  2  2  2         hibernating
    2         3  3  4  5               loyal
    3         4  5  2  3  potential_loyalist
    4         5  1  2  1         hibernating
    """
    where = "rfm"
    n_bins = check_param(n_bins, "n_bins", where, int, interval=Interval(2, 10))
    check_table(transactions, [customer, date, amount], where)
    check_numeric_column(transactions, amount, where)
    notes = []
    tx = transactions[[customer, date, amount]]
    ok = tx.notna().all(axis=1).to_numpy()
    if not ok.all():
        notes.append(f"{int((~ok).sum())} transactions with missing values left out.")
        tx = tx[ok]
    if len(tx) == 0:
        raise DataError(f"{where}: no transactions with a customer, a date and an amount.")
    t = _as_datetime(tx[date], date, where)
    if as_of is None:
        ref = (t.max() + pd.Timedelta(days=1)).normalize()
    else:
        ref = pd.Timestamp(as_of)
        later = int((t >= ref).sum())
        if later:
            notes.append(f"{later} transactions on or after as_of={ref.date()} left out.")
            keep = (t < ref).to_numpy()
            tx, t = tx[keep], t[keep]
            if len(tx) == 0:
                raise DataError(f"{where}: no transactions before as_of={ref.date()}.")
    codes, uni = pd.factorize(tx[customer], sort=True)
    n = len(uni)
    days = ((t - ref) / pd.Timedelta(days=1)).to_numpy(dtype=float)
    last = np.full(n, -np.inf)
    np.maximum.at(last, codes, days)
    recency = -last
    frequency = np.bincount(codes, minlength=n).astype(np.int64)
    monetary = np.bincount(codes, weights=tx[amount].to_numpy(dtype=float), minlength=n)
    R = _score(-recency, n_bins)
    F = _score(frequency.astype(float), n_bins)
    M = _score(monetary, n_bins)
    if n_bins == 5:
        grid = np.asarray(RFM_GRID, dtype=object)
        segment = pd.Categorical(grid[R - 1, F - 1], categories=RFM_SEGMENTS)
    else:
        segment = pd.Categorical([None] * n, categories=RFM_SEGMENTS)
        notes.append("segment names need n_bins=5; segment left empty.")
    table = pd.DataFrame(
        {
            "customer": as_id_array(uni),
            "recency_days": recency,
            "frequency": frequency,
            "monetary": monetary,
            "R": R,
            "F": F,
            "M": M,
            "rfm_cell": (
                pd.Series(R).astype(str) + pd.Series(F).astype(str) + pd.Series(M).astype(str)
            ).to_numpy(dtype=object),
            "rfm_score": R + F + M,
            "segment": segment,
        }
    )
    return RFMResult(table=table, as_of=ref, n_bins=n_bins, notes=tuple(notes))


# ---------------------------------------------------------------------------------------------
# k-means
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False, repr=False)
class SegmentationResult(Result):
    """k-means segments of a customer table.

    Attributes
    ----------
    k : number of segments
    silhouette : silhouette score of the chosen k (on the silhouette sample)
    scores : DataFrame of ``k``, ``silhouette``, ``inertia`` for every k tried
    labels : segment of every row (0 = largest segment)
    ids : the id column's values (if given)
    sizes : Series of customers per segment
    profiles : DataFrame, one row per segment: ``n``, ``share`` and the mean of every numeric
        feature (raw units) and the most common value of every categorical feature
    features : columns used; notes : what was dropped or transformed
    """

    k: int
    silhouette: float
    scores: pd.DataFrame
    labels: np.ndarray
    ids: np.ndarray | None
    sizes: pd.Series
    profiles: pd.DataFrame
    features: tuple[str, ...]
    standardized_profiles: pd.DataFrame
    model: Any = field(repr=False)
    prep: TablePrep = field(repr=False)
    notes: tuple[str, ...] = ()
    random_state: Any = None

    @property
    def title(self) -> str:  # type: ignore[override]
        return (
            f"k-means segmentation: k={self.k}, silhouette={self.silhouette:.3f}, "
            f"{len(self.labels)} rows"
        )

    def summary(self) -> pd.DataFrame:
        """The segment profiles."""
        return self.profiles.copy()

    def plot(self, ax=None, kind: str = "profiles", **kwargs):
        """``kind``: ``'profiles'`` (heatmap of standardised feature means), ``'silhouette'``
        (silhouette by k) or ``'sizes'``."""
        from ..plotting import mining as mp

        kinds = {
            "profiles": mp.plot_segment_profiles,
            "silhouette": mp.plot_silhouette,
            "sizes": mp.plot_segment_sizes,
        }
        check_param(kind, "kind", "SegmentationResult.plot", str, choices=list(kinds))
        return kinds[kind](self, ax=ax, **kwargs)

    def predict(self, data: pd.DataFrame) -> np.ndarray:
        """Segments of the rows of a new table with the same columns."""
        return _relabel_apply(self.model, self.prep.transform(data), self._mapping)

    @property
    def _mapping(self) -> np.ndarray:
        return self.model["mapping"]

    def adjusted_rand(self, true_segments: Any) -> TruthScore:
        """Agreement with known segments: one value per row of the input table, or a Series
        indexed by the id column's values."""
        truth = align_truth(
            true_segments, len(self.labels), self.ids, None, "SegmentationResult.adjusted_rand"
        )
        return adjusted_rand(self.labels, truth, task="k-means segmentation")


def adjusted_rand(labels: Any, true_labels: Any, task: str = "segmentation") -> TruthScore:
    """Adjusted Rand index (and normalised mutual information) of two labellings.

    1 means the same partition, about 0 a random one. ``detail`` is the cross-table of found
    (rows) against true (columns) segments.

    >>> adjusted_rand([0, 0, 1, 1], ["a", "a", "b", "b"])["adjusted_rand"]
    1.0
    """
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    a = pd.Series(np.asarray(labels)).astype(str).to_numpy()
    b = pd.Series(np.asarray(true_labels)).astype(str).to_numpy()
    if len(a) != len(b):
        raise DataError(f"adjusted_rand: {len(a)} labels but {len(b)} true labels.")
    detail = pd.crosstab(pd.Series(a, name="found"), pd.Series(b, name="true"))
    return TruthScore(
        task=task,
        metrics={
            "adjusted_rand": float(adjusted_rand_score(b, a)),
            "normalized_mutual_info": float(normalized_mutual_info_score(b, a)),
            "n_found": float(len(np.unique(a))),
            "n_true": float(len(np.unique(b))),
        },
        detail=detail,
    )


def _relabel_apply(model: dict, X: pd.DataFrame, mapping: np.ndarray) -> np.ndarray:
    Z = model["transform"](X)
    return mapping[model["kmeans"].predict(Z)]


def kmeans_segments(
    data: pd.DataFrame,
    *,
    id_col: str | None = None,
    features: Sequence[str] | None = None,
    k: int | None = None,
    k_min: int = 2,
    k_max: int = 8,
    fit_size: int = 20_000,
    sample_size: int = 3_000,
    n_init: int = 4,
    random_state: RandomState = 0,
) -> SegmentationResult:
    """Cluster customers with k-means; choose k by the silhouette score.

    Parameters
    ----------
    data : DataFrame
        One row per customer. Numeric and categorical columns are used (one-hot encoded,
        imputed, standardised); skewed non-negative numbers (skewness > 2, e.g. spend) are
        log-transformed first; identifier-like and constant columns are dropped.
    id_col : str, optional
        The customer id column (left out of the features).
    features : sequence of str, optional
        Use only these columns.
    k : int, optional
        Number of segments; by default the k in ``k_min..k_max`` with the best silhouette.
    fit_size, sample_size : int
        Rows (random samples) the models are fitted on and the silhouette is computed on.
        Centres estimated from 20,000 customers hardly move with more data, and the mean
        silhouette of 3,000 points has a standard error of a few thousandths, while the
        silhouette's cost grows with the square of the rows.
    n_init : int
        k-means restarts per k.
    random_state : int, Generator or None

    Returns
    -------
    SegmentationResult
        Segments are numbered by size (0 = largest).
    """
    where = "segment"
    p = validate_params(
        SEGMENT_PARAMS,
        {"k": k, "k_min": k_min, "k_max": k_max, "fit_size": fit_size,
         "sample_size": sample_size, "n_init": n_init},
        where,
    )  # fmt: skip
    if p["k_min"] > p["k_max"]:
        raise DataError(f"{where}: k_min ({p['k_min']}) is larger than k_max ({p['k_max']}).")
    check_table(data, [id_col, *(features or ())], where)
    rng = check_random_state(random_state, where)
    table = data if features is None else data[[*([id_col] if id_col else []), *features]]
    prep = TablePrep(exclude=[id_col] if id_col else [])
    try:
        X = prep.fit_transform(table)
    except DataError as exc:
        raise DataError(f"{where}: {exc}") from None
    notes = list(prep.notes_)
    n = len(X)
    ks = [p["k"]] if p["k"] is not None else list(range(p["k_min"], p["k_max"] + 1))
    if n <= max(ks):
        raise DataError(f"{where}: {n} rows are too few for {max(ks)} segments.")
    logged = []
    for col in prep.numeric_:
        v = X[col]
        if v.min(skipna=True) >= 0 and v.skew(skipna=True) > 2:
            logged.append(col)
    if logged:
        notes.append("log-transformed skewed columns: " + ", ".join(logged) + ".")

    pre = make_preprocessor(prep.numeric_, prep.categorical_, kind="onehot", scale=True)

    def log_skewed(frame: pd.DataFrame) -> pd.DataFrame:
        if not logged:
            return frame
        out = frame.copy()
        out[logged] = np.log1p(out[logged].clip(lower=0))
        return out

    fit_idx = np.sort(rng.choice(n, size=min(n, p["fit_size"]), replace=False))
    sil_idx = np.sort(rng.choice(n, size=min(n, p["sample_size"]), replace=False))
    seeds = [int(x) for x in rng.integers(0, 2**31 - 1, size=len(ks))]
    pre.fit(log_skewed(X.iloc[fit_idx]))

    def transform(frame: pd.DataFrame) -> np.ndarray:
        return np.asarray(pre.transform(log_skewed(frame)), dtype=float)

    Z_fit = transform(X.iloc[fit_idx])
    Z_sil = transform(X.iloc[sil_idx])
    if np.ptp(Z_fit, axis=0).max() == 0:
        raise DataError(f"{where}: every row has the same features; nothing to segment.")

    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from threadpoolctl import threadpool_limits

    rows, fitted = [], {}
    for kk, seed in zip(ks, seeds, strict=True):
        with openmp_threads(len(Z_fit)):
            km = KMeans(n_clusters=kk, n_init=p["n_init"], random_state=seed).fit(Z_fit)
        lab = km.predict(Z_sil)
        with threadpool_limits(limits=1):
            sil = float(silhouette_score(Z_sil, lab)) if len(np.unique(lab)) > 1 else float("nan")
        rows.append({"k": kk, "silhouette": sil, "inertia": float(km.inertia_)})
        fitted[kk] = km
    scores = pd.DataFrame(rows)
    sil_values = scores["silhouette"].to_numpy()
    best_k = ks[int(np.nanargmax(sil_values))] if np.isfinite(sil_values).any() else ks[0]
    km = fitted[best_k]

    raw_labels = np.empty(n, dtype=np.int64)
    step = 200_000
    for start in range(0, n, step):
        raw_labels[start : start + step] = km.predict(transform(X.iloc[start : start + step]))
    counts = np.bincount(raw_labels, minlength=best_k)
    first_coord = km.cluster_centers_[:, 0]
    order = np.lexsort((first_coord, -counts))
    mapping = np.empty(best_k, dtype=np.int64)
    mapping[order] = np.arange(best_k)
    labels = mapping[raw_labels]

    sizes = pd.Series(np.bincount(labels, minlength=best_k), name="n").rename_axis("segment")
    profiles = _profiles(X, labels, prep, best_k)
    std = _standardized(X[prep.numeric_], labels, best_k)
    model = {"kmeans": km, "transform": transform, "mapping": mapping}
    return SegmentationResult(
        k=best_k,
        silhouette=float(scores.loc[scores["k"] == best_k, "silhouette"].iloc[0]),
        scores=scores,
        labels=labels,
        ids=as_id_array(data[id_col]) if id_col else None,
        sizes=sizes,
        profiles=profiles,
        features=tuple(prep.features_),
        standardized_profiles=std,
        model=model,
        prep=prep,
        notes=tuple(notes),
        random_state=random_state if not isinstance(random_state, np.random.Generator) else None,
    )


def _profiles(X: pd.DataFrame, labels: np.ndarray, prep: TablePrep, k: int) -> pd.DataFrame:
    g = X.groupby(labels)
    out = pd.DataFrame({"n": g.size(), "share": g.size() / len(X)})
    if prep.numeric_:
        out = out.join(g[prep.numeric_].mean())
    for col in prep.categorical_:
        mode = (
            X.assign(_seg=labels)
            .groupby("_seg")[col]
            .agg(lambda s: s.value_counts().index[0] if s.notna().any() else None)
        )
        out[col] = mode
    out.index.name = "segment"
    return out.reindex(range(k)).reset_index()


def _standardized(Xn: pd.DataFrame, labels: np.ndarray, k: int) -> pd.DataFrame:
    """Segment means of each numeric feature in standard deviations from the overall mean."""
    if Xn.shape[1] == 0:
        return pd.DataFrame(index=pd.RangeIndex(k, name="segment"))
    mu, sd = Xn.mean(), Xn.std(ddof=0).replace(0, np.nan)
    means = Xn.groupby(labels).mean().reindex(range(k))
    out = (means - mu) / sd
    out.index.name = "segment"
    return out
