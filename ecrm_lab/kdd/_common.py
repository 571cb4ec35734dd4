"""Machinery shared by the five KDD steps.

Every step is a small scikit-learn style object: ``__init__`` stores its parameters as given
(so :func:`sklearn.base.clone` and ``get_params`` work), steps that learn from data have
``fit(frame, context)`` returning ``self`` and keep what they learned in attributes ending in
``_``, and every step has ``apply(frame, context) -> StepOutput``: the output frame plus a
list of :class:`Change` records saying what it did. ``transform`` is ``apply(...).frame``.

The :class:`KDDContext` travels with the data: which column is the target, which identifies
the entity (customer), and the side tables (e.g. a transaction log) that feature steps read.
"""

from __future__ import annotations

import abc
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from ..exceptions import DataError, NotFittedError

__all__ = [
    "STAGES",
    "LEVELS",
    "KDDContext",
    "Change",
    "StepOutput",
    "Step",
    "frame_checksum",
    "changes_frame",
    "format_params",
    "numeric_columns",
    "categorical_columns",
]

#: the five KDD steps in order, with the holdout split between selection and preprocessing
STAGES = ("selection", "split", "preprocessing", "transformation", "mining", "interpretation")

#: where each stage sits on the data -> information -> knowledge ladder
LEVELS = {
    "selection": "data",
    "split": "data",
    "preprocessing": "data",
    "transformation": "information",
    "mining": "information",
    "interpretation": "knowledge",
}


@dataclass(frozen=True)
class KDDContext:
    """What travels with the data from step to step.

    Parameters
    ----------
    target : str, optional
        The column to predict (kept out of imputation, scaling and the model's features).
    id_column : str, optional
        The column that identifies the entity (e.g. ``customer_id``); never transformed.
    tables : mapping of str to DataFrame
        Side tables (e.g. ``"transactions"``) that feature steps aggregate onto the frame.
    group_column : str, optional
        The entity the rows belong to when rows are events (e.g. ``customer_id`` for one row
        per campaign contact): the holdout split keeps a group's rows together.
    """

    target: str | None = None
    id_column: str | None = None
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    group_column: str | None = None

    @property
    def protected(self) -> tuple[str, ...]:
        """Columns no step may alter or learn from: the id, the group and the target."""
        return tuple(
            dict.fromkeys(
                c for c in (self.id_column, self.group_column, self.target) if c is not None
            )
        )

    def table(self, name: str, where: str) -> pd.DataFrame:
        """The side table ``name`` or a :class:`DataError` listing the available ones."""
        if name not in self.tables:
            have = ", ".join(sorted(self.tables)) or "none"
            raise DataError(
                f"{where}: side table {name!r} is not available. Available side tables: {have}. "
                "Load it with Selection(..., tables={...}) or pass tables= to KDDProcess.run."
            )
        return self.tables[name]


@dataclass(frozen=True)
class Change:
    """One thing a step did to the data: ``n`` rows or values affected by ``action``."""

    action: str
    n: int
    column: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class StepOutput:
    """The frame a step produced and the changes it made on the way."""

    frame: pd.DataFrame
    changes: tuple[Change, ...] = ()


def changes_frame(changes: tuple[Change, ...] | list[Change]) -> pd.DataFrame:
    """Changes as a table with columns ``action``, ``column``, ``n``, ``detail``."""
    return pd.DataFrame(
        {
            "action": [c.action for c in changes],
            "column": [c.column if c.column is not None else "" for c in changes],
            "n": np.array([c.n for c in changes], dtype="int64"),
            "detail": [c.detail for c in changes],
        }
    )


def frame_checksum(frame: pd.DataFrame, length: int = 16) -> str:
    """A stable hash of a DataFrame's column names, dtypes and values (in row order).

    The index is ignored. The same frame gives the same checksum in every run on the same
    installation, which is what the KDD ledger uses to show that a run was reproduced.

    Examples
    --------
    >>> import pandas as pd
    >>> frame_checksum(pd.DataFrame({"a": [1, 2]})) == frame_checksum(pd.DataFrame({"a": [1, 2]}))
    True
    >>> frame_checksum(pd.DataFrame({"a": [1, 2]})) == frame_checksum(pd.DataFrame({"a": [2, 1]}))
    False
    """
    h = hashlib.sha256()
    h.update(json.dumps([[str(c), str(t)] for c, t in frame.dtypes.items()]).encode())
    h.update(str(len(frame)).encode())
    for col in frame.columns:
        series = frame[col]
        try:
            values = pd.util.hash_pandas_object(series, index=False).to_numpy()
        except TypeError:  # unhashable cells (lists, dicts): hash their text
            values = pd.util.hash_pandas_object(series.astype(str), index=False).to_numpy()
        h.update(values.tobytes())
    return h.hexdigest()[:length]


def _short(value: Any, limit: int = 60) -> str:
    if isinstance(value, BaseEstimator):
        text = repr(value)
    elif isinstance(value, str):
        text = repr(" ".join(value.split()))
    elif isinstance(value, pd.DataFrame):
        text = f"<DataFrame {value.shape[0]}x{value.shape[1]}>"
    elif callable(value):
        text = getattr(value, "__name__", type(value).__name__)
    else:
        text = repr(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_params(params: Mapping[str, Any], limit: int = 60) -> str:
    """Parameters as one short, deterministic line: ``"a=1, b='x'"`` (defaults included)."""
    return ", ".join(f"{k}={_short(v, limit)}" for k, v in sorted(params.items()))


class Step(BaseEstimator, abc.ABC):
    """Base class of the KDD steps (and of the operations inside :class:`Transformation`).

    Subclasses set :attr:`stage`, store their parameters in ``__init__`` (validated there, not
    changed), learn in :meth:`fit` and implement :meth:`apply`.
    """

    #: the KDD stage this step belongs to (one of :data:`STAGES`)
    stage: ClassVar[str] = ""
    #: whether the step learns something from the training rows in ``fit``
    learns: ClassVar[bool] = False

    def fit(self, frame: pd.DataFrame, context: KDDContext | None = None) -> Step:
        """Learn from the training rows ``frame`` (steps that learn nothing just return self)."""
        self.fitted_ = True
        return self

    @abc.abstractmethod
    def apply(self, frame: pd.DataFrame, context: KDDContext | None = None) -> StepOutput:
        """Transform ``frame`` and report the changes made."""

    def transform(self, frame: pd.DataFrame, context: KDDContext | None = None) -> pd.DataFrame:
        """Transform ``frame`` with what was learned in :meth:`fit`."""
        return self.apply(frame, context).frame

    def fit_transform(self, frame: pd.DataFrame, context: KDDContext | None = None) -> pd.DataFrame:
        """``fit(frame).transform(frame)``."""
        return self.fit(frame, context).transform(frame, context)

    def _check_fitted(self) -> None:
        if not getattr(self, "fitted_", False):
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet; call fit(...) on the training "
                "rows first (KDDProcess.run does it for you)."
            )

    @staticmethod
    def _context(context: KDDContext | None) -> KDDContext:
        return context if context is not None else KDDContext()

    def params_text(self) -> str:
        """The step's parameters as one deterministic line (for the ledger)."""
        return format_params(self.get_params(deep=False))


def numeric_columns(frame: pd.DataFrame, exclude: tuple[str, ...] = ()) -> list[str]:
    """Numeric (not boolean) columns of ``frame`` that are not in ``exclude``."""
    return [
        c
        for c in frame.columns
        if c not in exclude
        and pd.api.types.is_numeric_dtype(frame[c])
        and not pd.api.types.is_bool_dtype(frame[c])
    ]


def categorical_columns(frame: pd.DataFrame, exclude: tuple[str, ...] = ()) -> list[str]:
    """Text, categorical and object columns of ``frame`` that are not in ``exclude``."""
    out = []
    for c in frame.columns:
        if c in exclude:
            continue
        s = frame[c]
        if (
            isinstance(s.dtype, pd.CategoricalDtype)
            or pd.api.types.is_string_dtype(s)
            or pd.api.types.is_object_dtype(s)
        ):
            out.append(c)
    return out
