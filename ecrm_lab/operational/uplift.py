"""Response modelling versus uplift modelling.

A *response model* predicts P(take-up | contacted) and targets the customers most likely to
take up. An *uplift model* predicts the *change* a contact makes,
P(take-up | contacted) - P(take-up | not contacted), and targets the customers the contact
persuades. The difference matters because customers fall into four kinds (the world's truth
``uplift_class``):

* persuadables take up only when contacted — the only ones worth paying for;
* sure things take up anyway — a response model loves them, but contacting them is wasted;
* lost causes never take up;
* do-not-disturb customers take up *less* when contacted — contacting them harms the business.

:class:`TwoModelUplift` is the two-model (T-learner) approach: one classifier on the treated
customers of a randomised pilot (which *is* the response model) and one on its control group;
the uplift is the difference. :func:`qini_table` and :func:`evaluate_uplift` draw Qini and
uplift curves from observed outcomes, and — because the world knows every customer's true
treatment effect (:func:`true_treatment_effect`) — the curve each ranking would really achieve.
:func:`compare_targeting` shows, against that truth, where the money of each targeting goes.

Examples
--------
>>> import numpy as np
>>> y = np.array([1, 0, 0, 0, 1, 0, 0, 0])
>>> t = np.array([1, 1, 1, 1, 0, 0, 0, 0], dtype=bool)
>>> q = qini_table(y, t, score=np.array([8, 7, 6, 5, 4, 3, 2, 1]), n_bins=2)
>>> q["qini"].tolist()
[0.0, 1.0, 0.0]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._random import RandomState
from .._result import Result
from .._validation import Interval, check_param
from ..exceptions import DataError, InvalidParameterError, NotFittedError
from ..world import behaviour
from ..world.catalogue import UPLIFT_CLASSES, affinity_codes
from ._common import as_rng, as_traits

__all__ = [
    "UPLIFT_MODELS",
    "true_treatment_effect",
    "TwoModelUplift",
    "qini_table",
    "UpliftEvaluation",
    "evaluate_uplift",
    "TargetingComparison",
    "compare_targeting",
]

#: classifiers :class:`TwoModelUplift` can use in each arm
UPLIFT_MODELS = ("logistic", "gradient_boosting")


def true_treatment_effect(
    traits: Any,
    product_code: str,
    channel: Any = None,
    discount: float = 0.0,
) -> np.ndarray:
    """Each customer's true effect of a contact on take-up of ``product_code``.

    ``take_up_probability(contacted, channel, discount) - take_up_probability(not
    contacted)`` from :mod:`ecrm_lab.world.behaviour` — the offer-specific version of the
    trait ``true_uplift`` (= ``response_treated - response_base`` for a typical offer). Its
    sign follows ``uplift_class``: positive for persuadables, negative for do-not-disturb.
    """
    where = "true_treatment_effect"
    traits = as_traits(traits, where)
    check_param(
        product_code,
        "product_code",
        where,
        str,
        choices=affinity_codes(behaviour.domain_of(traits)),
    )
    treated = behaviour.take_up_probability(traits, product_code, True, channel, discount)
    base = behaviour.take_up_probability(traits, product_code, False)
    return treated - base


# ---------------------------------------------------------------------------------------------
# the two-model uplift learner
# ---------------------------------------------------------------------------------------------
def _feature_kinds(X: pd.DataFrame) -> tuple[list[str], list[str]]:
    numeric, categorical = [], []
    for c in X.columns:
        s = X[c]
        if pd.api.types.is_bool_dtype(s) or (
            pd.api.types.is_numeric_dtype(s) and not isinstance(s.dtype, pd.CategoricalDtype)
        ):
            numeric.append(str(c))
        else:
            categorical.append(str(c))
    return numeric, categorical


class TwoModelUplift:
    """Two-model (T-learner) uplift model; its treated-arm model is the response model.

    Parameters
    ----------
    model : {'logistic', 'gradient_boosting'}
        Classifier of each arm: L2-regularised logistic regression (inverse strength ``C``)
        on median-imputed, scaled numbers and one-hot categories, or histogram gradient
        boosting (shallow, strongly regularised — pilots have few take-ups).
    C : float
        Inverse regularisation strength of the logistic model.
    random_state : int, Generator or None
        Seeds the gradient-boosting models.

    Attributes
    ----------
    response_model_ : sklearn Pipeline
        Fitted on the treated (contacted) customers: P(take-up | contacted, x).
    control_model_ : sklearn Pipeline
        Fitted on the control customers: P(take-up | not contacted, x).
    features_ : list of str
    n_treated_, n_control_, positives_treated_, positives_control_ : int

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"x": rng.normal(size=4000)})
    >>> t = rng.random(4000) < 0.5
    >>> y = rng.random(4000) < np.where(t, 0.1 + 0.08 * (X["x"] > 0), 0.1)
    >>> m = TwoModelUplift().fit(X, y, t)
    >>> u = m.predict_uplift(pd.DataFrame({"x": [-2.0, 2.0]}))
    >>> bool(u[1] > u[0])
    True
    """

    def __init__(
        self, model: str = "logistic", *, C: float = 1.0, random_state: RandomState = None
    ) -> None:
        self.model = model
        self.C = C
        self.random_state = random_state

    def _make(self, numeric: list[str], categorical: list[str], seed: int):
        from sklearn.ensemble import HistGradientBoostingClassifier
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline

        from ..mining._common import make_preprocessor

        if self.model == "logistic":
            est = LogisticRegression(C=self.C, max_iter=2000)
        else:
            est = HistGradientBoostingClassifier(
                max_depth=3,
                learning_rate=0.05,
                max_iter=150,
                min_samples_leaf=50,
                l2_regularization=1.0,
                random_state=seed,
            )
        return Pipeline([("prep", make_preprocessor(numeric, categorical)), ("model", est)])

    def fit(self, X: pd.DataFrame, y: Any, treatment: Any) -> TwoModelUplift:
        """Fit both arms on a randomised pilot.

        Parameters
        ----------
        X : DataFrame
            Observed features, one row per pilot customer (no id column).
        y : array-like of bool / 0-1
            Took up within the attribution window.
        treatment : array-like of bool
            Contacted (treatment group) or not (control group).
        """
        where = "TwoModelUplift"
        check_param(self.model, "model", where, str, choices=UPLIFT_MODELS)
        check_param(self.C, "C", where, float, interval=Interval(0, None, "neither"))
        if not isinstance(X, pd.DataFrame):
            raise InvalidParameterError(
                f"The 'X' parameter of {where}.fit must be a DataFrame of features. Got "
                f"{type(X).__name__} instead."
            )
        yy = np.asarray(y).astype(bool)
        tt = np.asarray(treatment).astype(bool)
        if not (len(yy) == len(tt) == len(X)):
            raise DataError(
                f"{where}.fit: X has {len(X)} rows, y {len(yy)} and treatment {len(tt)}."
            )
        for arm, sel in (("treatment", tt), ("control", ~tt)):
            pos = int(yy[sel].sum())
            if pos < 2 or pos > int(sel.sum()) - 2:
                raise DataError(
                    f"{where}.fit: the {arm} group has {int(sel.sum())} customers and {pos} "
                    "take-ups; a model needs at least 2 of each outcome in each group — run a "
                    "bigger pilot."
                )
        numeric, categorical = _feature_kinds(X)
        seeds = as_rng(self.random_state, where).integers(0, 2**31 - 1, size=2)
        self.features_ = list(map(str, X.columns))
        self.response_model_ = self._make(numeric, categorical, int(seeds[0])).fit(X[tt], yy[tt])
        self.control_model_ = self._make(numeric, categorical, int(seeds[1])).fit(X[~tt], yy[~tt])
        self.n_treated_, self.n_control_ = int(tt.sum()), int((~tt).sum())
        self.positives_treated_ = int(yy[tt].sum())
        self.positives_control_ = int(yy[~tt].sum())
        return self

    def _check(self, X: pd.DataFrame) -> pd.DataFrame:
        if not hasattr(self, "response_model_"):
            raise NotFittedError("TwoModelUplift is not fitted yet; call fit(X, y, treatment).")
        missing = [c for c in self.features_ if c not in X.columns]
        if missing:
            raise DataError(f"TwoModelUplift: feature {missing[0]!r} is missing from X.")
        return X[self.features_]

    def predict_response(self, X: pd.DataFrame) -> np.ndarray:
        """P(take-up | contacted, x): the response model's score."""
        return self.response_model_.predict_proba(self._check(X))[:, 1]

    def predict_control(self, X: pd.DataFrame) -> np.ndarray:
        """P(take-up | not contacted, x)."""
        return self.control_model_.predict_proba(self._check(X))[:, 1]

    def predict_uplift(self, X: pd.DataFrame) -> np.ndarray:
        """Estimated uplift: ``predict_response - predict_control``."""
        Xc = self._check(X)
        return (
            self.response_model_.predict_proba(Xc)[:, 1]
            - self.control_model_.predict_proba(Xc)[:, 1]
        )


# ---------------------------------------------------------------------------------------------
# Qini and uplift curves
# ---------------------------------------------------------------------------------------------
def _ranking(score: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
    """Order by score, highest first; ties broken at random (or by position)."""
    if rng is None:
        return np.argsort(-score, kind="stable")
    return np.lexsort((rng.random(len(score)), -score))


def qini_table(
    y: Any,
    treatment: Any,
    score: Any,
    n_bins: int = 10,
    *,
    true_effect: Any = None,
) -> pd.DataFrame:
    """Qini and uplift curve of a ranking, at ``n_bins`` equal shares of the customers.

    Customers are ranked by ``score`` (highest first). At each cut ``k``:

    * ``qini`` = ``r_t - r_c * n_t / n_c`` — incremental take-ups among the treated of the
      top ``k`` (Radcliffe's Qini curve);
    * ``uplift`` = ``(r_t / n_t - r_c / n_c) * k`` — incremental take-ups if all the top
      ``k`` were contacted;
    * ``true_incremental`` (when ``true_effect`` is given) = the sum of the true treatment
      effects of the top ``k`` — what contacting them really gains, noise-free.

    Returns
    -------
    DataFrame
        ``share``, ``k``, ``n_treated``, ``n_control``, ``takeups_treated``,
        ``takeups_control``, ``qini``, ``uplift`` (and ``true_incremental``), from share 0.
    """
    where = "qini_table"
    check_param(n_bins, "n_bins", where, int, interval=Interval(1, None))
    yy = np.asarray(y).astype(np.float64)
    tt = np.asarray(treatment).astype(bool)
    s = np.asarray(score, dtype=np.float64)
    n = len(yy)
    if not (len(tt) == len(s) == n):
        raise DataError(f"{where}: y has {n} values, treatment {len(tt)} and score {len(s)}.")
    if np.isnan(s).any():
        raise DataError(f"{where}: the score has missing values.")
    order = _ranking(s, None)
    ys, ts = yy[order], tt[order]
    cut = np.unique(np.round(np.linspace(0, n, n_bins + 1)).astype(np.int64))
    c_nt = np.r_[0, np.cumsum(ts)][cut]
    c_nc = np.r_[0, np.cumsum(~ts)][cut]
    c_rt = np.r_[0, np.cumsum(ys * ts)][cut]
    c_rc = np.r_[0, np.cumsum(ys * ~ts)][cut]
    with np.errstate(divide="ignore", invalid="ignore"):
        qini = np.where(c_nc > 0, c_rt - c_rc * c_nt / c_nc, c_rt)
        uplift = np.where((c_nt > 0) & (c_nc > 0), (c_rt / c_nt - c_rc / c_nc) * cut, 0.0)
    out = pd.DataFrame(
        {
            "share": cut / max(n, 1),
            "k": cut,
            "n_treated": c_nt,
            "n_control": c_nc,
            "takeups_treated": c_rt,
            "takeups_control": c_rc,
            "qini": qini,
            "uplift": uplift,
        }
    )
    if true_effect is not None:
        te = np.asarray(true_effect, dtype=np.float64)
        if len(te) != n:
            raise DataError(f"{where}: true_effect has {len(te)} values, expected {n}.")
        out["true_incremental"] = np.r_[0.0, np.cumsum(te[order])][cut]
    return out


def _area(share: np.ndarray, values: np.ndarray) -> float:
    return float(np.sum((values[1:] + values[:-1]) / 2.0 * np.diff(share)))


@dataclass(frozen=True, eq=False, repr=False)
class UpliftEvaluation(Result):
    """Qini and uplift curves of several rankings on one randomised campaign.

    Attributes
    ----------
    curves : DataFrame
        :func:`qini_table` of each ranking, stacked, with a ``ranking`` column; ``random``
        (the diagonal) and, with the truth, ``true uplift (oracle)``.
    table : DataFrame
        Per ranking: ``qini_coefficient`` (area between its Qini curve and the random
        diagonal, per treated customer), ``incremental_at_<share>`` (observed, from the
        uplift curve) and, with the truth, ``true_incremental_at_<share>`` and
        ``true_area`` (area between its true-incremental curve and random's, per customer).
    at_share : float
        The share at which the table reports the incremental take-ups.
    """

    curves: pd.DataFrame
    table: pd.DataFrame
    at_share: float
    title = "Uplift evaluation"

    def summary(self) -> pd.DataFrame:
        return self.table

    def plot(self, ax=None, *, kind: str = "qini", **kwargs):
        from ..plotting.operational import plot_uplift_curves

        return plot_uplift_curves(self, ax=ax, kind=kind, **kwargs)


def evaluate_uplift(
    y: Any,
    treatment: Any,
    scores: Mapping[str, Any],
    *,
    true_effect: Any = None,
    n_bins: int = 10,
    at_share: float = 0.2,
) -> UpliftEvaluation:
    """Compare rankings (response scores, uplift scores...) on a randomised campaign.

    Parameters
    ----------
    y, treatment : array-like
        Take-up and contacted flags of each customer of a campaign with a random control
        group (not the pilot the models were trained on).
    scores : mapping of name to array-like
        One score per customer for each ranking.
    true_effect : array-like, optional
        True treatment effects (:func:`true_treatment_effect`); adds each ranking's true
        incremental curve and the oracle ranking.
    n_bins : int
        Points of the curves.
    at_share : float
        Share of customers at which the table compares the rankings.
    """
    where = "evaluate_uplift"
    check_param(at_share, "at_share", where, float, interval=Interval(0, 1, "right"))
    if not isinstance(scores, Mapping) or not scores:
        raise InvalidParameterError(
            f"The 'scores' parameter of {where} must be a non-empty mapping of name to scores."
        )
    yy = np.asarray(y).astype(np.float64)
    tt = np.asarray(treatment).astype(bool)
    n = len(yy)
    named = dict(scores)
    te = None if true_effect is None else np.asarray(true_effect, dtype=np.float64)
    if te is not None:
        named["true uplift (oracle)"] = te
    frames, rows = [], []
    for name, sc in named.items():
        q = qini_table(yy, tt, sc, n_bins, true_effect=te)
        q.insert(0, "ranking", name)
        frames.append(q)
    # random targeting: straight lines from 0 to the totals
    last = frames[0].iloc[-1]
    share = frames[0]["share"].to_numpy()
    rand = pd.DataFrame(
        {
            "ranking": "random",
            "share": share,
            "k": frames[0]["k"].to_numpy(),
            "n_treated": share * last["n_treated"],
            "n_control": share * last["n_control"],
            "takeups_treated": share * last["takeups_treated"],
            "takeups_control": share * last["takeups_control"],
            "qini": share * last["qini"],
            "uplift": share * last["uplift"],
        }
    )
    if te is not None:
        rand["true_incremental"] = share * te.sum()
    frames.append(rand)
    curves = pd.concat(frames, ignore_index=True)
    n_t = max(int(tt.sum()), 1)
    for name, q in curves.groupby("ranking", sort=False):
        s = q["share"].to_numpy()
        row = {
            "ranking": name,
            "qini_coefficient": (_area(s, q["qini"].to_numpy()) - _area(s, rand["qini"].to_numpy()))
            / n_t,
            f"incremental_at_{at_share:g}": float(np.interp(at_share, s, q["uplift"].to_numpy())),
        }
        if te is not None:
            tv = q["true_incremental"].to_numpy()
            row[f"true_incremental_at_{at_share:g}"] = float(np.interp(at_share, s, tv))
            row["true_area"] = (_area(s, tv) - _area(s, rand["true_incremental"].to_numpy())) / n
        rows.append(row)
    return UpliftEvaluation(curves=curves, table=pd.DataFrame(rows), at_share=at_share)


# ---------------------------------------------------------------------------------------------
# where the money goes: targeting against the truth
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False, repr=False)
class TargetingComparison(Result):
    """Who each targeting contacts and what it really gains, measured on the truth.

    Attributes
    ----------
    table : DataFrame
        One row per ranking (plus ``random`` and ``true uplift (oracle)``): ``contacted``;
        ``share_<class>`` for the four uplift classes; ``expected_take_ups`` (take-ups among
        the contacted — what a response model maximises and naive attribution reports);
        ``true_incremental`` (take-ups the contacts really add); ``harm`` (take-ups lost by
        contacting do-not-disturb customers, <= 0); ``cost``; ``wasted_cost`` (spent on
        customers whose contact gains nothing or harms: sure things, lost causes,
        do-not-disturb); ``apparent_profit`` (margin of all take-ups of the contacted minus
        cost) and ``true_profit`` (margin of the incremental take-ups minus cost).
    share : float
        Share of customers each ranking contacts.
    """

    table: pd.DataFrame
    share: float
    title = "Response versus uplift targeting, against the truth"

    def summary(self) -> pd.DataFrame:
        return self.table

    def plot(self, ax=None, **kwargs):
        from ..plotting.operational import plot_targeting_comparison

        return plot_targeting_comparison(self, ax=ax, **kwargs)


def compare_targeting(
    scores: Mapping[str, Any],
    *,
    true_effect: Any,
    p_treated: Any,
    uplift_class: Any,
    cost_per_contact: Any,
    margin_per_take_up: float,
    share: float = 0.2,
    random_state: RandomState = 0,
) -> TargetingComparison:
    """Contact the top ``share`` of each ranking and account for it with the true effects.

    Parameters
    ----------
    scores : mapping of name to array-like
        Rankings to compare (e.g. ``{"response model": ..., "uplift model": ...}``).
    true_effect : array-like
        True treatment effect of each customer (:func:`true_treatment_effect`).
    p_treated : array-like
        True P(take-up | contacted) of each customer.
    uplift_class : array-like
        True uplift class of each customer (truth ``uplift_class``).
    cost_per_contact : float or array-like
    margin_per_take_up : float
    share : float
        Share of customers contacted by every ranking.
    random_state : int, Generator or None
        Breaks ties in the rankings.
    """
    where = "compare_targeting"
    check_param(share, "share", where, float, interval=Interval(0, 1, "right"))
    margin = check_param(margin_per_take_up, "margin_per_take_up", where, float)
    if not isinstance(scores, Mapping) or not scores:
        raise InvalidParameterError(
            f"The 'scores' parameter of {where} must be a non-empty mapping of name to scores."
        )
    te = np.asarray(true_effect, dtype=np.float64)
    pt = np.asarray(p_treated, dtype=np.float64)
    cls = np.asarray(pd.Series(uplift_class).astype(str).to_numpy(), dtype=object)
    n = len(te)
    cost = np.broadcast_to(np.asarray(cost_per_contact, dtype=np.float64), (n,))
    for name, arr in (("p_treated", pt), ("uplift_class", cls)):
        if len(arr) != n:
            raise DataError(f"{where}: {name} has {len(arr)} values, expected {n}.")
    if (cost < 0).any():
        raise DataError(f"{where}: cost_per_contact has negative values; costs are >= 0.")
    rng = as_rng(random_state, where)
    k = int(round(share * n))
    named = dict(scores)
    named["true uplift (oracle)"] = te
    rows = []

    def account(name: str, weight: np.ndarray) -> dict[str, Any]:
        row: dict[str, Any] = {"ranking": name, "contacted": float(weight.sum())}
        for c in UPLIFT_CLASSES:
            row[f"share_{c}"] = float(weight[cls == c].sum() / max(weight.sum(), 1e-12))
        row["expected_take_ups"] = float((weight * pt).sum())
        row["true_incremental"] = float((weight * te).sum())
        row["harm"] = float((weight * np.minimum(te, 0.0))[cls == "do_not_disturb"].sum())
        row["cost"] = float((weight * cost).sum())
        row["wasted_cost"] = float((weight * cost)[cls != "persuadable"].sum())
        row["apparent_profit"] = row["expected_take_ups"] * margin - row["cost"]
        row["true_profit"] = row["true_incremental"] * margin - row["cost"]
        return row

    for name, sc in named.items():
        s = np.asarray(sc, dtype=np.float64)
        if len(s) != n:
            raise DataError(f"{where}: scores {name!r} has {len(s)} values, expected {n}.")
        w = np.zeros(n)
        w[_ranking(s, rng)[:k]] = 1.0
        rows.append(account(name, w))
    rows.append(account("random", np.full(n, k / max(n, 1))))
    return TargetingComparison(table=pd.DataFrame(rows), share=share)
