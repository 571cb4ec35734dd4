"""KDD step 3 — transformation: feature engineering.

:class:`Transformation` runs a list of operations in order:

- :class:`RFMWindows` — recency, frequency and monetary value per customer from a transaction
  log, over one or more look-back windows ending at ``as_of`` (only events before ``as_of``
  are used: no look-ahead), optionally scored 1..k on quantiles learned on the training rows;
- :class:`Aggregate` — any named aggregates of a side table per entity (sessions, requests…);
- :class:`OneHot` — one 0/1 column per category (categories learned on the training rows);
- :class:`Scale` — standardise / min-max / robust scaling (statistics from the training rows).

Each operation is fitted on the training rows after the previous one has transformed them,
exactly like a scikit-learn ``Pipeline``.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.base import clone

from .._validation import Interval, check_columns, check_param
from ..exceptions import DataError, InvalidParameterError
from ._common import (
    Change,
    KDDContext,
    Step,
    StepOutput,
    categorical_columns,
    numeric_columns,
)

__all__ = [
    "Transformation",
    "RFMWindows",
    "Aggregate",
    "OneHot",
    "Scale",
    "AGGREGATIONS",
    "SCALERS",
]

AGGREGATIONS = ("count", "sum", "mean", "median", "min", "max", "std", "nunique")
SCALERS = ("standard", "minmax", "robust")


def _check_names(value, name: str, where: str, *, nullable: bool = True) -> None:
    if value is None and nullable:
        return
    if (
        isinstance(value, str)
        or not isinstance(value, Sequence)
        or not all(isinstance(c, str) for c in value)
    ):
        raise InvalidParameterError(
            f"The {name!r} parameter of {where} must be a list of column names"
            f"{' or None' if nullable else ''}. Got {value!r} instead."
        )


def _key_column(key: str | Sequence[str] | None, ctx: KDDContext, where: str) -> list[str]:
    """The frame's key column(s): ``key`` or the context's id column."""
    key = key if key is not None else ctx.id_column
    if key is None:
        raise DataError(
            f"{where}: there is no key to attach the features to; pass key= or id_column= to "
            "KDDProcess.run."
        )
    return [key] if isinstance(key, str) else list(key)


def _check_key(value, name: str, where: str) -> None:
    if value is None or isinstance(value, str):
        return
    if not isinstance(value, Sequence) or not value or not all(isinstance(v, str) for v in value):
        raise InvalidParameterError(
            f"The {name!r} parameter of {where} must be a column name, a list of column names or "
            f"None. Got {value!r} instead."
        )


def _as_of(value, where: str) -> pd.Timestamp | str:
    """A fixed as-of date, or the name of a frame column holding each row's own as-of date."""
    ts = None
    if isinstance(value, str):
        try:
            ts = pd.Timestamp(value)
        except (TypeError, ValueError):
            return value  # a column name (checked against the frame when the data arrives)
    elif isinstance(value, datetime.date | np.datetime64):
        ts = pd.Timestamp(value)
    if ts is None or pd.isna(ts):
        raise InvalidParameterError(
            f"The 'as_of' parameter of {where} must be a date such as '2024-07-01' or the name "
            f"of a date column of the frame. Got {value!r} instead."
        )
    return ts


def _as_of_text(value) -> str:
    return (
        f"as of {value.date()}"
        if isinstance(value, pd.Timestamp)
        else f"as of each row's {value!r}"
    )


def _events_before(
    frame: pd.DataFrame,
    key: list[str],
    as_of: pd.Timestamp | str | None,
    side: pd.DataFrame,
    side_key: list[str],
    date: str | None,
    columns: list[str],
    where: str,
) -> tuple[pd.DataFrame, int]:
    """Side-table rows matching each frame row's key, dated before that row's as-of date.

    Returns a frame with ``_row`` (position of the frame row), ``_days`` (days before the
    as-of date, when there is one) and ``columns``; and the number of (row, event) pairs left
    out because they were dated on or after the as-of date (the look-ahead guard). Works
    for frames with one row per entity and for event-level frames (several rows per entity,
    each with its own as-of date: point-in-time correct features). ``key`` and ``side_key``
    may hold several columns (e.g. customer and offered product).
    """
    if len(key) != len(side_key):
        raise DataError(
            f"{where}: the frame key {key} and the side-table key {side_key} must have the same "
            "number of columns."
        )
    check_columns(frame, key, where)
    check_columns(side, side_key, where)
    names = [f"_k{i}" for i in range(len(key))]
    rows = pd.DataFrame({n: frame[k].to_numpy() for n, k in zip(names, key, strict=True)})
    rows["_row"] = np.arange(len(frame))
    if isinstance(as_of, str):
        check_columns(frame, [as_of], where)
        try:
            rows["_as_of"] = pd.to_datetime(frame[as_of]).to_numpy()
        except (TypeError, ValueError):
            raise DataError(f"{where}: the as-of column {as_of!r} does not hold dates.") from None
    keep = [*side_key, *([date] if date else []), *columns]
    s = side.loc[side[side_key[0]].isin(rows["_k0"]), list(dict.fromkeys(keep))]
    if date is not None:
        s = s.assign(_date=pd.to_datetime(s[date]))
    m = rows.merge(s, left_on=names, right_on=side_key, how="inner", sort=False)
    ignored = 0
    if as_of is not None and date is not None:
        ref = m["_as_of"] if isinstance(as_of, str) else as_of
        late = (m["_date"] >= ref).to_numpy()
        ignored = int(late.sum())
        m = m.loc[~late]
        ref = m["_as_of"] if isinstance(as_of, str) else as_of
        m = m.assign(_days=(ref - m["_date"]).dt.total_seconds().to_numpy() / 86400.0)
    return m, ignored


def _attach(frame: pd.DataFrame, features: pd.DataFrame) -> pd.DataFrame:
    """Join ``features`` (indexed by row position) onto ``frame``, keeping its row order."""
    clash = [c for c in features.columns if c in frame.columns]
    base = frame.drop(columns=clash).reset_index(drop=True)
    aligned = features.reindex(np.arange(len(frame))).reset_index(drop=True)
    return pd.concat([base, aligned], axis=1)


class RFMWindows(Step):
    """Recency, frequency and monetary value from a transaction log, over look-back windows.

    For each row of the frame (a customer, or an event of a customer) and each window ``w``
    days ending at ``as_of``:
    ``{prefix}frequency_{w}d`` (number of events), ``{prefix}monetary_{w}d`` (sum of amounts);
    and ``{prefix}recency_days`` (days since the last event before ``as_of``). Customers with no
    event get frequency and monetary 0 and a recency one day beyond the largest recency seen
    in the training rows (or the largest window). With ``scores=k`` the R, F and M scores
    1..k of the largest window are added, on quantile edges learned from the training rows.

    Parameters
    ----------
    table : str
        Name of the side table holding the log.
    as_of : date-like or str
        The reference date — only events strictly before it are used — or the name of a date
        column of the frame: each row then uses its own as-of date (point-in-time features
        for event-level rows, e.g. one row per campaign contact, several per customer).
    windows : sequence of int
        Look-back windows in days.
    key : str, optional
        The frame's entity column (default: the context's id column).
    customer, date, amount : str
        Column names in the log.
    scores : int, optional
        Number of quantile classes for R/F/M scores (e.g. 5), or None.
    prefix : str
        Prefix of the new columns.
    """

    stage = "transformation"
    learns = True

    def __init__(
        self,
        table: str = "transactions",
        *,
        as_of,
        windows: Sequence[int] = (90, 365),
        key: str | None = None,
        customer: str = "customer_id",
        date: str = "date",
        amount: str = "amount",
        scores: int | None = None,
        prefix: str = "rfm_",
    ) -> None:
        self.table = table
        self.as_of = as_of
        self.windows = windows
        self.key = key
        self.customer = customer
        self.date = date
        self.amount = amount
        self.scores = scores
        self.prefix = prefix
        where = "RFMWindows"
        check_param(table, "table", where, str)
        _as_of(as_of, where)
        if (
            isinstance(windows, str)
            or not isinstance(windows, Sequence)
            or not windows
            or not all(
                isinstance(w, int | np.integer) and not isinstance(w, bool) and w > 0
                for w in windows
            )
        ):
            raise InvalidParameterError(
                f"The 'windows' parameter of {where} must be a non-empty list of positive ints "
                f"(days). Got {windows!r} instead."
            )
        check_param(key, "key", where, str, nullable=True)
        for name in ("customer", "date", "amount", "prefix"):
            check_param(getattr(self, name), name, where, str)
        check_param(scores, "scores", where, int, interval=Interval(2, 100), nullable=True)

    def _features(self, frame: pd.DataFrame, ctx: KDDContext) -> tuple[pd.DataFrame, int]:
        where = "RFMWindows"
        key = _key_column(self.key, ctx, where)
        log = ctx.table(self.table, where)
        check_columns(log, [self.customer, self.date, self.amount], where)
        as_of = _as_of(self.as_of, where)
        m, ignored = _events_before(
            frame, key[:1], as_of, log, [self.customer], self.date, [self.amount], where
        )
        g = pd.DataFrame(
            {
                "_row": m["_row"].to_numpy(),
                "days": m["_days"].to_numpy(),
                "amount": pd.to_numeric(m[self.amount], errors="coerce").to_numpy(),
            }
        )
        feats = pd.DataFrame(index=pd.Index(np.unique(g["_row"])))
        feats[f"{self.prefix}recency_days"] = np.floor(g.groupby("_row")["days"].min())
        for w in self.windows:
            inside = g.loc[g["days"] <= w].groupby("_row")["amount"]
            feats[f"{self.prefix}frequency_{w}d"] = inside.size()
            feats[f"{self.prefix}monetary_{w}d"] = inside.sum()
        return feats, ignored

    def fit(self, frame: pd.DataFrame, context: KDDContext | None = None) -> RFMWindows:
        ctx = self._context(context)
        feats, _ = self._features(frame, ctx)
        rec = feats[f"{self.prefix}recency_days"]
        self.recency_fill_ = float(max(rec.max() if len(rec) else 0.0, max(self.windows)) + 1)
        self.edges_: dict[str, np.ndarray] = {}
        if self.scores:
            full = self._fill(_attach(frame.iloc[:, :0], feats))
            w = max(self.windows)
            qs = np.linspace(0, 1, self.scores + 1)[1:-1]
            for name, col in (
                ("r", f"{self.prefix}recency_days"),
                ("f", f"{self.prefix}frequency_{w}d"),
                ("m", f"{self.prefix}monetary_{w}d"),
            ):
                self.edges_[name] = np.unique(np.quantile(full[col].to_numpy(float), qs))
        self.fitted_ = True
        return self

    def _fill(self, frame: pd.DataFrame) -> pd.DataFrame:
        frame[f"{self.prefix}recency_days"] = frame[f"{self.prefix}recency_days"].fillna(
            self.recency_fill_ if hasattr(self, "recency_fill_") else np.nan
        )
        for w in self.windows:
            for kind in ("frequency", "monetary"):
                col = f"{self.prefix}{kind}_{w}d"
                frame[col] = frame[col].fillna(0)
            frame[f"{self.prefix}frequency_{w}d"] = frame[f"{self.prefix}frequency_{w}d"].astype(
                "int64"
            )
        return frame

    def apply(self, frame: pd.DataFrame, context: KDDContext | None = None) -> StepOutput:
        self._check_fitted()
        ctx = self._context(context)
        feats, ignored = self._features(frame, ctx)
        out = self._fill(_attach(frame, feats))
        no_events = len(frame) - len(feats)
        changes = [
            Change(
                f"added recency/frequency/monetary over windows {tuple(int(w) for w in self.windows)} days",
                len(feats.columns),
                detail=f"{_as_of_text(_as_of(self.as_of, 'RFMWindows'))} from side table "
                f"{self.table!r}",
            )
        ]
        if ignored:
            changes.append(
                Change(
                    "ignored log rows dated on or after as_of (no look-ahead)", ignored, self.table
                )
            )
        if no_events:
            changes.append(
                Change(
                    "rows without any event before as_of (recency set to "
                    f"{self.recency_fill_:g} days, F and M to 0)",
                    no_events,
                )
            )
        if self.scores:
            w = max(self.windows)
            for name, col in (
                ("r", f"{self.prefix}recency_days"),
                ("f", f"{self.prefix}frequency_{w}d"),
                ("m", f"{self.prefix}monetary_{w}d"),
            ):
                score = (
                    np.searchsorted(self.edges_[name], out[col].to_numpy(float), side="right") + 1
                )
                if name == "r":  # recent = small recency = high score
                    score = len(self.edges_[name]) + 2 - score
                out[f"{self.prefix}{name}_score"] = score.astype("int64")
            changes.append(
                Change(
                    f"added R, F, M scores 1..{self.scores} on quantiles learned on the training rows",
                    3,
                )
            )
        return StepOutput(out, tuple(changes))


class Aggregate(Step):
    """Named aggregates of a side table per entity, joined onto the frame.

    Parameters
    ----------
    table : str
        Name of the side table.
    aggregations : mapping
        New column -> ``(source column, function)`` with function one of
        :data:`AGGREGATIONS`, e.g. ``{"n_sessions": ("session_id", "count")}``.
    key : str or list of str, optional
        The frame's entity column(s) (default: the context's id column). Several columns match
        on all of them, e.g. ``["customer_id", "offer"]`` counts only the views of the product
        each row offers.
    on : str or list of str, optional
        The side table's matching column(s) (default: the same names as ``key``).
    date, as_of : optional
        With both: only side-table rows whose ``date`` is before ``as_of`` are used; ``as_of``
        is a date or the name of a date column of the frame (each row's own as-of date).
    where : str, optional
        A pandas query expression filtering the side table first.
    fill_value : float or None
        Value for entities without any side-table row (``None`` leaves them missing).
    """

    stage = "transformation"

    def __init__(
        self,
        table: str,
        aggregations: Mapping[str, tuple[str, str]],
        *,
        key: str | Sequence[str] | None = None,
        on: str | Sequence[str] | None = None,
        date: str | None = None,
        as_of=None,
        where: str | None = None,
        fill_value: float | None = 0.0,
    ) -> None:
        self.table = table
        self.aggregations = aggregations
        self.key = key
        self.on = on
        self.date = date
        self.as_of = as_of
        self.where = where
        self.fill_value = fill_value
        w = "Aggregate"
        check_param(table, "table", w, str)
        if (
            not isinstance(aggregations, Mapping)
            or not aggregations
            or not all(
                isinstance(k, str)
                and isinstance(v, tuple | list)
                and len(v) == 2
                and isinstance(v[0], str)
                and v[1] in AGGREGATIONS
                for k, v in aggregations.items()
            )
        ):
            raise InvalidParameterError(
                f"The 'aggregations' parameter of {w} must be a non-empty mapping of new column "
                f"-> (column, function) with function one of {', '.join(AGGREGATIONS)}. "
                f"Got {aggregations!r} instead."
            )
        for name in ("key", "on"):
            _check_key(getattr(self, name), name, w)
        for name in ("date", "where"):
            check_param(getattr(self, name), name, w, str, nullable=True)
        if (date is None) != (as_of is None):
            raise InvalidParameterError(
                f"The 'as_of' parameter of {w} must be given together with 'date'. "
                f"Got as_of={as_of!r}, date={date!r} instead."
            )
        if as_of is not None:
            _as_of(as_of, w)
        check_param(fill_value, "fill_value", w, float, nullable=True)

    def apply(self, frame: pd.DataFrame, context: KDDContext | None = None) -> StepOutput:
        w = "Aggregate"
        ctx = self._context(context)
        key = _key_column(self.key, ctx, w)
        on = key if self.on is None else ([self.on] if isinstance(self.on, str) else list(self.on))
        side = ctx.table(self.table, w)
        check_columns(side, [*on, *(c for c, _ in self.aggregations.values())], w)
        changes: list[Change] = []
        if self.date is not None:
            check_columns(side, [self.date], w)
        if self.where is not None:
            try:
                side = side.query(self.where)
            except Exception as exc:  # pandas raises many types for a bad expression
                raise DataError(f"{w}: the filter {self.where!r} failed: {exc}") from None
        as_of = _as_of(self.as_of, w) if self.as_of is not None else None
        m, ignored = _events_before(
            frame, key, as_of, side, on, self.date, [c for c, _ in self.aggregations.values()], w
        )
        if ignored:
            changes.append(
                Change(
                    "ignored side rows dated on or after as_of (no look-ahead)", ignored, self.table
                )
            )
        named = {new: pd.NamedAgg(column=c, aggfunc=f) for new, (c, f) in self.aggregations.items()}
        feats = (
            m.groupby("_row", sort=True).agg(**named)
            if len(m)
            else pd.DataFrame(columns=list(self.aggregations), dtype="float64")
        )
        out = _attach(frame, feats)
        missing = len(frame) - len(feats)
        if self.fill_value is not None:
            for col in self.aggregations:
                out[col] = out[col].fillna(self.fill_value)
        changes.insert(
            0,
            Change(
                f"added aggregates of side table {self.table!r}",
                len(self.aggregations),
                detail=", ".join(f"{k}={f}({c})" for k, (c, f) in self.aggregations.items()),
            ),
        )
        if missing:
            filled = (
                f"set to {self.fill_value:g}" if self.fill_value is not None else "left missing"
            )
            changes.append(Change(f"rows without side-table rows ({filled})", missing))
        return StepOutput(out, tuple(changes))


class OneHot(Step):
    """One 0/1 column ``{column}={category}`` per category; the original column is dropped.

    Categories are learned on the training rows (at most ``max_categories`` most frequent per
    column). Missing, rarer or unseen categories get all zeros — counted in the report.

    Parameters
    ----------
    columns : sequence of str, optional
        Columns to encode; default every text / categorical column except the id and target.
    max_categories : int
        Keep at most this many categories per column.
    drop_first : bool
        Leave out the first category (useful for unregularised linear models).
    """

    stage = "transformation"
    learns = True

    def __init__(
        self,
        columns: Sequence[str] | None = None,
        *,
        max_categories: int = 20,
        drop_first: bool = False,
    ) -> None:
        self.columns = columns
        self.max_categories = max_categories
        self.drop_first = drop_first
        _check_names(columns, "columns", "OneHot")
        check_param(max_categories, "max_categories", "OneHot", int, interval=Interval(1, None))
        check_param(drop_first, "drop_first", "OneHot", bool)

    def fit(self, frame: pd.DataFrame, context: KDDContext | None = None) -> OneHot:
        ctx = self._context(context)
        if self.columns is not None:
            check_columns(frame, self.columns, "OneHot")
            cols = [c for c in self.columns if c not in ctx.protected]
        else:
            cols = categorical_columns(frame, ctx.protected)
        self.categories_: dict[str, list[str]] = {}
        for col in cols:
            counts = frame[col].dropna().astype(str).value_counts()
            ordered = sorted(counts.index, key=lambda v: (-counts[v], v))[: self.max_categories]
            cats = sorted(ordered)
            self.categories_[col] = cats[1:] if self.drop_first else cats
        self.fitted_ = True
        return self

    def apply(self, frame: pd.DataFrame, context: KDDContext | None = None) -> StepOutput:
        self._check_fitted()
        changes: list[Change] = []
        new: dict[str, np.ndarray] = {}
        for col, cats in self.categories_.items():
            check_columns(frame, [col], "OneHot")
            text = frame[col].astype(str).where(frame[col].notna(), None)
            hit = np.zeros(len(frame), dtype=bool)
            for cat in cats:
                v = (text == cat).to_numpy(dtype=bool, na_value=False)
                hit |= v
                new[f"{col}={cat}"] = v.astype("int8")
            changes.append(Change("one-hot encoded into columns", len(cats), col))
            unseen = int((~hit & frame[col].notna().to_numpy()).sum())
            if unseen and not self.drop_first:
                changes.append(
                    Change("values of categories unseen in training (all zeros)", unseen, col)
                )
        out = frame.drop(columns=list(self.categories_))
        out = pd.concat([out.reset_index(drop=True), pd.DataFrame(new)], axis=1)
        return StepOutput(out, tuple(changes))


class Scale(Step):
    """Scale numeric columns with statistics learned on the training rows.

    ``'standard'``: ``(x - mean) / sd``; ``'minmax'``: ``(x - min) / (max - min)``;
    ``'robust'``: ``(x - median) / IQR``. A zero spread leaves the column centred only.
    Columns holding only 0 and 1 in the training rows (indicators, one-hot columns) are left
    as they are unless named in ``columns``.

    Parameters
    ----------
    columns : sequence of str, optional
        Columns to scale; default every numeric non-indicator column except id and target.
    method : {'standard', 'minmax', 'robust'}
    """

    stage = "transformation"
    learns = True

    def __init__(self, columns: Sequence[str] | None = None, *, method: str = "standard") -> None:
        self.columns = columns
        self.method = method
        _check_names(columns, "columns", "Scale")
        check_param(method, "method", "Scale", str, choices=SCALERS)

    def fit(self, frame: pd.DataFrame, context: KDDContext | None = None) -> Scale:
        ctx = self._context(context)
        if self.columns is not None:
            check_columns(frame, self.columns, "Scale")
            cols = [c for c in self.columns if c not in ctx.protected]
            bad = [c for c in cols if c not in numeric_columns(frame)]
            if bad:
                raise DataError(f"Scale: column {bad[0]!r} is not numeric and cannot be scaled.")
        else:
            cols = [
                c
                for c in numeric_columns(frame, ctx.protected)
                if not frame[c].dropna().isin([0, 1]).all()
            ]
        self.center_: dict[str, float] = {}
        self.scale_: dict[str, float] = {}
        for col in cols:
            x = frame[col].astype("float64").dropna().to_numpy()
            if len(x) == 0:
                raise DataError(f"Scale: column {col!r} has no values in the training rows.")
            if self.method == "standard":
                c, s = x.mean(), x.std()
            elif self.method == "minmax":
                c, s = x.min(), x.max() - x.min()
            else:
                q1, med, q3 = np.quantile(x, [0.25, 0.5, 0.75])
                c, s = med, q3 - q1
            self.center_[col] = float(c)
            self.scale_[col] = float(s) if s > 0 else 1.0
        self.fitted_ = True
        return self

    def apply(self, frame: pd.DataFrame, context: KDDContext | None = None) -> StepOutput:
        self._check_fitted()
        out = frame.copy()
        for col in self.center_:
            check_columns(out, [col], "Scale")
            out[col] = (out[col].astype("float64") - self.center_[col]) / self.scale_[col]
        change = Change(
            f"scaled ({self.method}) with statistics learned on the training rows",
            len(self.center_),
            detail=", ".join(self.center_)[:200],
        )
        return StepOutput(out, (change,))


class Transformation(Step):
    """The transformation step: feature operations run in order.

    Parameters
    ----------
    operations : sequence of steps
        E.g. ``[RFMWindows(as_of="2024-07-01"), OneHot(), Scale()]``. Each is fitted on the
        training rows as transformed by the operations before it.

    Examples
    --------
    >>> import pandas as pd
    >>> t = Transformation([OneHot(["tier"]), Scale(["age"])])
    >>> train = pd.DataFrame({"tier": ["a", "b", "a"], "age": [20.0, 30.0, 40.0]})
    >>> t.fit_transform(train).columns.tolist()
    ['age', 'tier=a', 'tier=b']
    """

    stage = "transformation"
    learns = True

    def __init__(self, operations: Sequence[Step] = ()) -> None:
        self.operations = operations
        if (
            isinstance(operations, Step)
            or not isinstance(operations, Sequence)
            or not all(isinstance(op, Step) and op.stage == "transformation" for op in operations)
        ):
            raise InvalidParameterError(
                "The 'operations' parameter of Transformation must be a list of transformation "
                "operations (RFMWindows, Aggregate, OneHot, Scale). "
                f"Got {operations!r} instead."
            )

    def fit(self, frame: pd.DataFrame, context: KDDContext | None = None) -> Transformation:
        ctx = self._context(context)
        self.operations_ = []
        for op in self.operations:
            fitted = clone(op).fit(frame, ctx)
            frame = fitted.apply(frame, ctx).frame
            self.operations_.append(fitted)
        self.fitted_ = True
        return self

    def apply(self, frame: pd.DataFrame, context: KDDContext | None = None) -> StepOutput:
        self._check_fitted()
        ctx = self._context(context)
        changes: list[Change] = []
        for op in self.operations_:
            result = op.apply(frame, ctx)
            frame = result.frame
            changes.extend(result.changes)
        return StepOutput(frame, tuple(changes))

    def params_text(self) -> str:
        return "; ".join(
            op.__class__.__name__ + "(" + op.params_text() + ")" for op in self.operations
        )
