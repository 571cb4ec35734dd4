"""Deviation detection: unusual transactions and changes in a customer's behaviour.

* :func:`isolation_forest` scores the rows of any table by how easily random splits isolate
  them (scikit-learn's ``IsolationForest``): a general-purpose outlier score.
* :func:`robust_zscores` compares every transaction with the same customer's usual amount,
  using the median and the median absolute deviation (MAD), which a few extreme values cannot
  drag along (vectorised with ``groupby``).
* :func:`behaviour_change` compares each customer's recent activity with their own baseline:
  a significant drop in transactions and spend warns of churn.
* :func:`precision_recall_at_k` (on each result) scores the ranking against known anomalies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._random import RandomState
from .._result import Result
from .._validation import Interval, check_numeric_column, check_param
from ..exceptions import DataError
from ._common import (
    TablePrep,
    TruthScore,
    as_id_array,
    check_table,
    make_preprocessor,
    precision_recall_at_k,
    sklearn_seeds,
)

__all__ = [
    "AnomalyResult",
    "isolation_forest",
    "robust_zscores",
    "detect_anomalies",
    "BehaviourChangeResult",
    "behaviour_change",
    "DETECT_METHODS",
]

DETECT_METHODS = ("isolation_forest", "robust_z")

#: scale factor that makes the MAD estimate the standard deviation of normal data
MAD_TO_SD = 1.482602218505602
#: same for the mean absolute deviation (used when the MAD is 0)
MEANAD_TO_SD = 1.2533141373155001


def _k_list(k: int | Sequence[int]) -> list[int]:
    return [k] if isinstance(k, int | np.integer) else list(k)


@dataclass(frozen=True, eq=False, repr=False)
class AnomalyResult(Result):
    """Rows scored by how unusual they are.

    Attributes
    ----------
    method : ``'isolation_forest'`` or ``'robust_z'``
    table : DataFrame
        One row per input row, most anomalous first: ``id``, ``score`` (higher = more
        unusual), ``rank`` (1 = most unusual), ``position`` (row in the input) and, for
        ``robust_z``, ``customer``, ``amount``, ``median``, ``scale``, ``z``.
    columns : the columns the score is based on
    """

    method: str
    table: pd.DataFrame
    columns: tuple[str, ...]
    notes: tuple[str, ...] = ()
    random_state: Any = None

    @property
    def title(self) -> str:  # type: ignore[override]
        return f"Anomalies ({self.method}) among {len(self.table)} rows"

    def top(self, k: int = 20) -> pd.DataFrame:
        """The ``k`` most unusual rows."""
        k = check_param(k, "k", "AnomalyResult.top", int, interval=Interval(1, None))
        return self.table.head(k).reset_index(drop=True)

    def summary(self) -> pd.DataFrame:
        """The 20 most unusual rows."""
        return self.top(20)

    def plot(self, ax=None, **kwargs):
        from ..plotting.mining import plot_anomaly_scores

        return plot_anomaly_scores(self, ax=ax, **kwargs)

    def precision_recall_at_k(
        self, true_ids: Any, k: int | Sequence[int] = (10, 50, 100)
    ) -> TruthScore:
        """Precision and recall of the top-k rows against the ids of known anomalies."""
        ks = _k_list(k)
        detail = precision_recall_at_k(self.table["id"], self.table["score"], true_ids, ks)
        metrics = {}
        for row in detail.itertuples(index=False):
            metrics[f"precision@{row.k}"] = row.precision
            metrics[f"recall@{row.k}"] = row.recall
        return TruthScore(
            task=f"deviation detection ({self.method})", metrics=metrics, detail=detail
        )


def _finish(
    method: str,
    ids: np.ndarray,
    score: np.ndarray,
    extra: dict[str, Any],
    columns: Sequence[str],
    notes: list[str],
    random_state: Any = None,
) -> AnomalyResult:
    n = len(score)
    order = np.argsort(-np.nan_to_num(score, nan=-np.inf), kind="stable")
    table = pd.DataFrame({"id": ids[order], "score": score[order], "rank": np.arange(1, n + 1),
                          "position": order})  # fmt: skip
    for name, values in extra.items():
        table[name] = np.asarray(values)[order]
    return AnomalyResult(
        method=method,
        table=table,
        columns=tuple(columns),
        notes=tuple(notes),
        random_state=random_state if not isinstance(random_state, np.random.Generator) else None,
    )


def isolation_forest(
    data: pd.DataFrame,
    *,
    id_col: str | None = None,
    drop: Sequence[str] = (),
    n_estimators: int = 100,
    max_samples: int = 256,
    random_state: RandomState = 0,
) -> AnomalyResult:
    """Score every row of a table with an isolation forest (higher = more unusual).

    Categorical columns are one-hot encoded and missing values imputed; identifier-like and
    constant columns are dropped; dates become numbers. The score is ``-score_samples``: about
    0.5 for ordinary rows, towards 1 for rows that are isolated in a few random splits.
    """
    where = "isolation_forest"
    n_estimators = check_param(
        n_estimators, "n_estimators", where, int, interval=Interval(1, 10_000)
    )
    max_samples = check_param(max_samples, "max_samples", where, int, interval=Interval(2, None))
    check_table(data, [id_col, *drop], where)
    (seed,) = sklearn_seeds(random_state, 1, where)
    prep = TablePrep(exclude=[c for c in (id_col, *drop) if c is not None])
    try:
        X = prep.fit_transform(data)
    except DataError as exc:
        raise DataError(f"{where}: {exc}") from None
    from sklearn.ensemble import IsolationForest
    from sklearn.pipeline import Pipeline

    model = Pipeline(
        [
            (
                "prep",
                make_preprocessor(prep.numeric_, prep.categorical_, kind="onehot", scale=False),
            ),
            (
                "model",
                IsolationForest(
                    n_estimators=n_estimators,
                    max_samples=min(max_samples, len(X)),
                    random_state=seed,
                    n_jobs=1,
                ),
            ),
        ]
    )
    model.fit(X)
    score = -model.score_samples(X)
    ids = as_id_array(data[id_col]) if id_col else np.arange(len(X), dtype=np.int64)
    return _finish(
        "isolation_forest", ids, score, {}, prep.features_, list(prep.notes_), random_state
    )


def robust_zscores(
    transactions: pd.DataFrame,
    *,
    customer: str,
    amount: str,
    id_col: str | None = None,
    min_history: int = 5,
    side: str = "both",
) -> AnomalyResult:
    """How far each transaction is from the same customer's usual amount, in robust units.

    ``z = (amount - median) / scale`` with the customer's median and ``scale = 1.4826 * MAD``
    (the median absolute deviation, scaled to match a standard deviation for normal data).
    When a customer's MAD is 0 (most amounts identical) the mean absolute deviation
    (× 1.2533) is used, and when that is 0 too, the scale of all transactions. Customers with
    fewer than ``min_history`` transactions are compared with all transactions instead (too
    little history to know what is usual for them).

    Parameters
    ----------
    side : {'both', 'upper', 'lower'}
        Score ``|z|``, ``z`` (unusually large amounts) or ``-z`` (unusually small).
    """
    where = "robust_zscores"
    min_history = check_param(min_history, "min_history", where, int, interval=Interval(1, None))
    side = check_param(side, "side", where, str, choices=("both", "upper", "lower"))
    check_table(transactions, [customer, amount, id_col], where)
    check_numeric_column(transactions, amount, where)
    notes = []
    x = transactions[amount].to_numpy(dtype=float)
    cust = transactions[customer]
    ok = np.isfinite(x) & cust.notna().to_numpy()
    if not ok.any():
        raise DataError(f"{where}: no rows with both a customer and an amount.")
    if not ok.all():
        notes.append(f"{int((~ok).sum())} rows with a missing customer or amount scored 0.")
    codes, _ = pd.factorize(cust.where(ok, None))
    df = pd.DataFrame({"c": codes[ok], "x": x[ok]})
    g = df.groupby("c")["x"]
    med = g.transform("median").to_numpy()
    dev = np.abs(df["x"].to_numpy() - med)
    g_dev = pd.Series(dev).groupby(df["c"].to_numpy())
    mad = g_dev.transform("median").to_numpy() * MAD_TO_SD
    mean_ad = g_dev.transform("mean").to_numpy() * MEANAD_TO_SD
    size = g.transform("size").to_numpy()
    all_x = df["x"].to_numpy()
    g_med = float(np.median(all_x))
    g_dev_all = np.abs(all_x - g_med)
    g_scale = float(np.median(g_dev_all)) * MAD_TO_SD or float(np.mean(g_dev_all)) * MEANAD_TO_SD
    if g_scale == 0:
        g_scale = 1.0
    scale = np.where(mad > 0, mad, np.where(mean_ad > 0, mean_ad, g_scale))
    few = size < min_history
    if few.any():
        notes.append(
            f"{int(few.sum())} transactions of customers with fewer than {min_history} "
            "transactions compared with all transactions."
        )
    med = np.where(few, g_med, med)
    scale = np.where(few, g_scale, scale)
    z_ok = (df["x"].to_numpy() - med) / scale
    z = np.zeros(len(x))
    z[ok] = z_ok
    med_all = np.full(len(x), np.nan)
    med_all[ok] = med
    scale_all = np.full(len(x), np.nan)
    scale_all[ok] = scale
    score = {"both": np.abs(z), "upper": z, "lower": -z}[side]
    ids = as_id_array(transactions[id_col]) if id_col else np.arange(len(x), dtype=np.int64)
    extra = {
        "customer": cust.to_numpy(),
        "amount": x,
        "median": med_all,
        "scale": scale_all,
        "z": z,
    }
    return _finish("robust_z", ids, score, extra, [amount], notes)


def detect_anomalies(
    data: pd.DataFrame,
    *,
    method: str | None = None,
    id_col: str | None = None,
    customer: str | None = None,
    amount: str | None = None,
    drop: Sequence[str] = (),
    random_state: RandomState = 0,
    **kwargs: Any,
) -> AnomalyResult:
    """Score rows by how unusual they are.

    With ``customer`` and ``amount`` (a transaction log) the default method is ``'robust_z'``
    (each amount against the customer's own usual amount); otherwise ``'isolation_forest'``
    on all usable columns.
    """
    where = "detect"
    if method is None:
        method = "robust_z" if customer is not None and amount is not None else "isolation_forest"
    method = check_param(method, "method", where, str, choices=DETECT_METHODS)
    if method == "robust_z":
        if customer is None or amount is None:
            raise DataError(f"{where}: method 'robust_z' needs a customer and an amount column.")
        return robust_zscores(data, customer=customer, amount=amount, id_col=id_col, **kwargs)
    # the customer column identifies, it does not describe: keep it out of the features
    drop = [*drop, *([customer] if customer is not None else [])]
    return isolation_forest(data, id_col=id_col, drop=drop, random_state=random_state, **kwargs)


# ---------------------------------------------------------------------------------------------
# behaviour change
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False, repr=False)
class BehaviourChangeResult(Result):
    """Each customer's recent activity against their own baseline.

    Attributes
    ----------
    table : DataFrame
        One row per customer with a baseline, strongest evidence of a drop first:
        ``customer``, ``baseline_count``, ``baseline_spend``, ``recent_count``,
        ``recent_spend``, ``expected_count`` and ``expected_spend`` (baseline rate × recent
        window), ``spend_ratio`` (recent / expected), ``drop_share`` (1 - spend_ratio),
        ``p_value`` (Poisson probability of so few recent transactions if the rate had not
        changed), ``score`` (-log10 p), ``warning`` and ``rank``.
    as_of, baseline_days, recent_days, alpha, min_drop : the settings
    """

    table: pd.DataFrame
    as_of: pd.Timestamp
    baseline_days: int
    recent_days: int
    alpha: float
    min_drop: float
    n_customers: int
    notes: tuple[str, ...] = ()

    @property
    def title(self) -> str:  # type: ignore[override]
        return (
            f"Behaviour change as of {self.as_of.date()}: {int(self.table['warning'].sum())} "
            f"spend-drop warnings among {len(self.table)} customers with a baseline"
        )

    @property
    def warnings(self) -> pd.DataFrame:
        """Customers with a significant drop."""
        return self.table[self.table["warning"]].reset_index(drop=True)

    def summary(self) -> pd.DataFrame:
        """Headline counts."""
        t = self.table
        return pd.DataFrame(
            {
                "metric": [
                    "customers",
                    "with baseline",
                    "warnings",
                    "warning share",
                    "median spend ratio",
                ],
                "value": [
                    float(self.n_customers),
                    float(len(t)),
                    float(t["warning"].sum()),
                    float(t["warning"].mean()) if len(t) else float("nan"),
                    float(t["spend_ratio"].median()) if len(t) else float("nan"),
                ],
            }
        )

    def plot(self, ax=None, **kwargs):
        from ..plotting.mining import plot_behaviour_change

        return plot_behaviour_change(self, ax=ax, **kwargs)

    def precision_recall_at_k(
        self, true_ids: Any, k: int | Sequence[int] = (10, 50, 100)
    ) -> TruthScore:
        """Precision/recall of the top-k ranked customers against known churners (ids)."""
        ks = _k_list(k)
        detail = precision_recall_at_k(self.table["customer"], self.table["score"], true_ids, ks)
        metrics = {}
        for row in detail.itertuples(index=False):
            metrics[f"precision@{row.k}"] = row.precision
            metrics[f"recall@{row.k}"] = row.recall
        return TruthScore(task="behaviour change", metrics=metrics, detail=detail)


def behaviour_change(
    transactions: pd.DataFrame,
    *,
    customer: str,
    date: str,
    amount: str,
    as_of: Any = None,
    baseline_days: int = 180,
    recent_days: int = 60,
    min_baseline: int = 3,
    alpha: float = 0.01,
    min_drop: float = 0.5,
) -> BehaviourChangeResult:
    """Warn about customers whose recent activity fell well below their own baseline.

    The recent window is ``[as_of - recent_days, as_of)``, the baseline the
    ``baseline_days`` before it. For each customer with at least ``min_baseline``
    transactions in the baseline, the expected number of recent transactions is the baseline
    rate times ``recent_days``; the p-value is the Poisson probability of seeing the observed
    number or fewer. A warning needs ``p_value < alpha`` and a spend drop of at least
    ``min_drop`` (share of the expected spend).

    Examples
    --------
    >>> tx = pd.DataFrame({"c": [1] * 24 + [2] * 24,
    ...                    "d": list(pd.date_range("2024-01-01", periods=24, freq="7D")) * 2,
    ...                    "a": 10.0})
    >>> tx = tx[~((tx["c"] == 2) & (tx["d"] >= "2024-04-01"))]   # customer 2 stops buying
    >>> r = behaviour_change(tx, customer="c", date="d", amount="a", as_of="2024-06-01",
    ...                      baseline_days=90, recent_days=60)
    >>> r.warnings["customer"].tolist()
    [2]
    """
    where = "behaviour_change"
    baseline_days = check_param(
        baseline_days, "baseline_days", where, int, interval=Interval(1, None)
    )
    recent_days = check_param(recent_days, "recent_days", where, int, interval=Interval(1, None))
    min_baseline = check_param(min_baseline, "min_baseline", where, int, interval=Interval(1, None))
    alpha = check_param(alpha, "alpha", where, float, interval=Interval(0, 1, "neither"))
    min_drop = check_param(min_drop, "min_drop", where, float, interval=Interval(0, 1))
    check_table(transactions, [customer, date, amount], where)
    check_numeric_column(transactions, amount, where)
    from scipy import stats

    from .segmentation import _as_datetime

    tx = transactions[[customer, date, amount]].dropna()
    notes = []
    if len(tx) < len(transactions):
        notes.append(f"{len(transactions) - len(tx)} transactions with missing values left out.")
    if len(tx) == 0:
        raise DataError(f"{where}: no transactions with a customer, a date and an amount.")
    t = _as_datetime(tx[date], date, where)
    ref = (t.max() + pd.Timedelta(days=1)).normalize() if as_of is None else pd.Timestamp(as_of)
    recent_start = ref - pd.Timedelta(days=recent_days)
    base_start = recent_start - pd.Timedelta(days=baseline_days)
    codes, uni = pd.factorize(tx[customer], sort=True)
    n = len(uni)
    amt = tx[amount].to_numpy(dtype=float)
    tv = t.to_numpy()
    in_base = (tv >= base_start.to_datetime64()) & (tv < recent_start.to_datetime64())
    in_recent = (tv >= recent_start.to_datetime64()) & (tv < ref.to_datetime64())
    b_cnt = np.bincount(codes[in_base], minlength=n)
    b_amt = np.bincount(codes[in_base], weights=amt[in_base], minlength=n)
    r_cnt = np.bincount(codes[in_recent], minlength=n)
    r_amt = np.bincount(codes[in_recent], weights=amt[in_recent], minlength=n)
    eligible = b_cnt >= min_baseline
    keep = np.flatnonzero(eligible)
    scale = recent_days / baseline_days
    exp_cnt = b_cnt[keep] * scale
    exp_amt = b_amt[keep] * scale
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(exp_amt > 0, r_amt[keep] / exp_amt, np.nan)
    p = stats.poisson.cdf(r_cnt[keep], exp_cnt)
    score = -np.log10(np.clip(p, 1e-300, 1.0))
    drop = 1.0 - ratio
    warning = (p < alpha) & (drop >= min_drop)
    table = pd.DataFrame(
        {
            "customer": as_id_array(np.asarray(uni)[keep]),
            "baseline_count": b_cnt[keep],
            "baseline_spend": b_amt[keep],
            "recent_count": r_cnt[keep],
            "recent_spend": r_amt[keep],
            "expected_count": exp_cnt,
            "expected_spend": exp_amt,
            "spend_ratio": ratio,
            "drop_share": drop,
            "p_value": p,
            "score": score,
            "warning": warning,
        }
    )
    table = table.sort_values(
        ["score", "drop_share", "customer"], ascending=[False, False, True], kind="stable"
    )
    table["rank"] = np.arange(1, len(table) + 1)
    if (~eligible).any():
        notes.append(
            f"{int((~eligible).sum())} customers with fewer than {min_baseline} baseline "
            "transactions not assessed."
        )
    return BehaviourChangeResult(
        table=table.reset_index(drop=True),
        as_of=ref,
        baseline_days=baseline_days,
        recent_days=recent_days,
        alpha=alpha,
        min_drop=min_drop,
        n_customers=n,
        notes=tuple(notes),
    )
