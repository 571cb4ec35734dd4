"""The KDD process: the five steps run in order, with a ledger.

:class:`KDDProcess` takes the steps (Selection, Preprocessing, Transformation, Mining,
Interpretation — any may be left out, the order is fixed), and :meth:`KDDProcess.run`:

1. runs the selection on the source (a warehouse, a world, DataFrames);
2. splits the selected rows into training and holdout rows (by entity when an id column is
   given, stratified by the target when it is a class label);
3. fits every learning step on the training rows only and applies it to both parts — the
   holdout never influences what a step learns;
4. evaluates the model on the holdout (and against the ground truth, when given).

The ledger records, per step, its parameters, rows and columns in and out, the time taken and
a checksum of its output; the same inputs and ``random_state`` reproduce the same ledger
except for the time column.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone

from .._random import RandomState, check_random_state
from .._result import Result
from .._validation import Interval, check_columns, check_param
from ..exceptions import DataError, InvalidParameterError
from ._common import (
    LEVELS,
    STAGES,
    Change,
    KDDContext,
    Step,
    StepOutput,
    changes_frame,
    format_params,
    frame_checksum,
)
from .interpretation import Evaluation, Interpretation
from .mining import Mining
from .selection import Selection

__all__ = ["KDDProcess", "KDDResult", "holdout_split", "LEDGER_COLUMNS"]

_WHERE = "KDDProcess"

#: columns of the ledger, in order
LEDGER_COLUMNS = (
    "step",
    "stage",
    "level",
    "name",
    "params",
    "rows_in",
    "columns_in",
    "rows_out",
    "columns_out",
    "learned_from",
    "changes",
    "checksum",
    "seconds",
)


def holdout_split(
    frame: pd.DataFrame,
    *,
    test_size: float = 0.3,
    id_column: str | None = None,
    stratify: str | None = None,
    random_state: RandomState = 0,
) -> np.ndarray:
    """A boolean mask: ``True`` for holdout rows.

    Units are the distinct values of ``id_column`` (all rows of an entity fall on the same
    side) or single rows. With ``stratify`` (a column holding a class label), each class
    contributes ``round(test_size * n_class)`` units to the holdout. The assignment depends
    only on the sorted units, their classes and ``random_state`` — not on the row order.

    Examples
    --------
    >>> df = pd.DataFrame({"id": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "y": [0, 1] * 5})
    >>> mask = holdout_split(df, test_size=0.4, id_column="id", stratify="y", random_state=0)
    >>> int(mask.sum()), int(df.loc[mask, "y"].sum())
    (4, 2)
    """
    check_param(test_size, "test_size", "holdout_split", float, interval=Interval(0, 1, "neither"))
    rng = check_random_state(random_state, "holdout_split")
    if id_column is not None:
        check_columns(frame, [id_column], "holdout_split")
        keys = frame[id_column].to_numpy()
    else:
        keys = np.arange(len(frame))
    units, first = np.unique(keys, return_index=True)
    if stratify is not None:
        check_columns(frame, [stratify], "holdout_split")
        labels = frame[stratify].to_numpy()[first]
        strata = pd.Series(labels).astype(str).to_numpy()
    else:
        strata = np.zeros(len(units), dtype=int).astype(str)
    chosen = np.zeros(len(units), dtype=bool)
    for stratum in np.unique(strata):
        idx = np.flatnonzero(strata == stratum)
        k = int(round(test_size * len(idx)))
        if k:
            chosen[rng.permutation(idx)[:k]] = True
    holdout_units = units[chosen]
    return np.isin(keys, holdout_units)


@dataclass(frozen=True, eq=False, repr=False)
class KDDResult(Result):
    """The outcome of :meth:`KDDProcess.run`.

    Attributes
    ----------
    ledger : DataFrame
        One row per step (see :data:`LEDGER_COLUMNS`), ``seconds`` included.
    evaluation : Evaluation or None
        What the interpretation step found (None without an Interpretation step).
    predictions : DataFrame
        The mining step's output on the holdout rows.
    steps : tuple
        The fitted steps (clones; the steps given to the process are never changed).
    changes : DataFrame
        Every change every step reported: ``step``, ``stage``, ``part`` (``'all'``,
        ``'train'`` or ``'holdout'``), ``action``, ``column``, ``n``, ``detail``.
    train, holdout : DataFrame
        The training and holdout rows as they reached the mining step.
    params : dict
        The run's parameters (target, id column, test size, random state).
    """

    ledger: pd.DataFrame
    evaluation: Evaluation | None
    predictions: pd.DataFrame
    steps: tuple
    changes: pd.DataFrame
    train: pd.DataFrame
    holdout: pd.DataFrame
    params: dict = field(default_factory=dict)
    title = "KDD process ledger"

    def summary(self) -> pd.DataFrame:
        """The ledger without the time column (deterministic: same inputs, same table)."""
        return self.ledger.drop(columns=["seconds"])

    @property
    def findings(self) -> tuple[str, ...]:
        """The plain-language findings of the interpretation step."""
        return self.evaluation.findings if self.evaluation is not None else ()

    @property
    def fingerprint(self) -> str:
        """A checksum of :meth:`summary`: two runs with the same fingerprint reproduced each other."""
        return frame_checksum(self.summary())

    def step(self, stage: str) -> Step:
        """The fitted step of ``stage`` (e.g. ``"preprocessing"``)."""
        for s in self.steps:
            if s.stage == stage:
                return s
        raise InvalidParameterError(
            f"The 'stage' parameter of KDDResult.step must be one of "
            f"{', '.join(s.stage for s in self.steps)}. Got {stage!r} instead."
        )

    def plot(self, ax=None, **kwargs):
        """The process as a diagram: one box per step with rows x columns and checksum."""
        from ..plotting.kdd import plot_kdd_ledger

        return plot_kdd_ledger(self, ax=ax, **kwargs)


def _changes_text(changes: Sequence) -> str:
    if not changes:
        return "no change"
    parts = []
    for c in changes:
        col = f" [{c.column}]" if c.column else ""
        parts.append(f"{c.action}{col}: {c.n}")
    return "; ".join(parts)


class KDDProcess:
    """The five KDD steps, run in order, with a ledger.

    Parameters
    ----------
    steps : sequence of steps
        Instances of :class:`Selection`, :class:`Preprocessing`, :class:`Transformation`,
        :class:`Mining` and :class:`Interpretation` (or subclasses), in that order; each stage
        at most once; any may be left out (Interpretation needs Mining).

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> from ecrm_lab.kdd import Preprocessing, Mining, Interpretation
    >>> df = pd.DataFrame({"id": range(40), "x": [i % 7 for i in range(40)],
    ...                    "y": [int(i % 7 > 3) for i in range(40)]})
    >>> res = KDDProcess([Preprocessing(), Mining(LogisticRegression()), Interpretation()]).run(
    ...     df, target="y", id_column="id", random_state=0)
    >>> res.summary()["stage"].tolist()
    ['split', 'preprocessing', 'mining', 'interpretation']
    """

    def __init__(self, steps: Sequence[Step]) -> None:
        if isinstance(steps, Step) or not isinstance(steps, Sequence) or not steps:
            raise InvalidParameterError(
                f"The 'steps' parameter of {_WHERE} must be a non-empty list of KDD steps. "
                f"Got {steps!r} instead."
            )
        order = [s for s in STAGES if s != "split"]
        last = -1
        for s in steps:
            if not isinstance(s, Step) or s.stage not in order:
                raise InvalidParameterError(
                    f"The 'steps' parameter of {_WHERE} must hold Selection, Preprocessing, "
                    "Transformation, Mining and Interpretation steps. "
                    f"Got {type(s).__name__} instead."
                )
            pos = order.index(s.stage)
            if pos <= last:
                raise InvalidParameterError(
                    f"The 'steps' parameter of {_WHERE} must follow the KDD order "
                    f"{' -> '.join(order)}, each stage at most once. Got "
                    f"{' -> '.join(x.stage for x in steps)} instead."
                )
            last = pos
        stages = [s.stage for s in steps]
        if "interpretation" in stages and "mining" not in stages:
            raise InvalidParameterError(
                f"The 'steps' parameter of {_WHERE} must include a Mining step before "
                "Interpretation: there is nothing to interpret otherwise."
            )
        self.steps = tuple(steps)

    def __repr__(self) -> str:
        inner = ",\n ".join(repr(s) for s in self.steps)
        return f"KDDProcess([\n {inner}\n])"

    def run(
        self,
        data: Any,
        *,
        target: str | None = None,
        id_column: str | None = None,
        group_column: str | None = None,
        test_size: float = 0.3,
        stratify: bool = True,
        random_state: RandomState = 0,
        truth: pd.DataFrame | None = None,
        tables: Mapping[str, pd.DataFrame] | None = None,
    ) -> KDDResult:
        """Run the steps on ``data`` and return the result with its ledger.

        Parameters
        ----------
        data : DataFrame, mapping of DataFrames, World, DuckDB connection or database path
            The source. Without a Selection step it must be a DataFrame.
        target : str, optional
            The column to predict (needed by classification and regression).
        id_column : str, optional
            The row's identifier: feature steps join on it by default and the truth is matched
            on it; the split keeps rows with the same id together.
        group_column : str, optional
            When rows are events of an entity (one row per campaign contact, several per
            customer): the entity column. The split keeps each entity's rows on one side, so
            the model is judged on customers it has never seen.
        test_size : float
            Share of entities (or rows) held out for evaluation, in (0, 1).
        stratify : bool
            Keep the class shares of ``target`` equal in both parts (class targets only).
        random_state : int, Generator or None
            Seed of the split (the estimator's own seed is its own parameter).
        truth : DataFrame, optional
            Ground truth keyed by ``id_column`` for the interpretation step.
        tables : mapping of str to DataFrame, optional
            Side tables for feature steps, beside those the Selection loads.
        """
        check_param(target, "target", _WHERE, str, nullable=True)
        check_param(id_column, "id_column", _WHERE, str, nullable=True)
        check_param(group_column, "group_column", _WHERE, str, nullable=True)
        check_param(test_size, "test_size", _WHERE, float, interval=Interval(0, 1, "neither"))
        check_param(stratify, "stratify", _WHERE, bool)
        seed_text = (
            repr(random_state) if not isinstance(random_state, np.random.Generator) else "Generator"
        )
        if tables is not None and not isinstance(tables, Mapping):
            raise InvalidParameterError(
                f"The 'tables' parameter of {_WHERE} must be a mapping of name to DataFrame or "
                f"None. Got {type(tables).__name__} instead."
            )
        steps = [clone(s) for s in self.steps]
        ledger: list[dict[str, Any]] = []
        change_rows: list[pd.DataFrame] = []

        def record(
            i,
            step_name,
            stage,
            params,
            rows_in,
            cols_in,
            out_frames,
            changes,
            t0,
            parts,
            learned=None,
        ):
            frames = [f for f in out_frames if f is not None]
            rows_out = sum(len(f) for f in frames)
            cols_out = frames[0].shape[1] if frames else 0
            checksum = (
                frame_checksum(pd.concat(frames, ignore_index=True))
                if len(frames) > 1
                else frame_checksum(frames[0])
            )
            all_changes = [c for part in changes for c in part]
            ledger.append(
                {
                    "step": i,
                    "stage": stage,
                    "level": LEVELS[stage],
                    "name": step_name,
                    "params": params,
                    "rows_in": rows_in,
                    "columns_in": cols_in,
                    "rows_out": rows_out,
                    "columns_out": cols_out,
                    "learned_from": learned,
                    "changes": _changes_text(all_changes),
                    "checksum": checksum,
                    "seconds": time.perf_counter() - t0,
                }
            )
            for part, ch in zip(parts, changes, strict=True):
                if ch:
                    t = changes_frame(ch)
                    t.insert(0, "part", part)
                    t.insert(0, "stage", stage)
                    t.insert(0, "step", i)
                    change_rows.append(t)

        # 1. selection -------------------------------------------------------------------------
        i = 0
        side: dict[str, pd.DataFrame] = dict(tables or {})
        if steps and isinstance(steps[0], Selection):
            sel = steps.pop(0)
            t0 = time.perf_counter()
            out, loaded, rows_in = sel.select_with_report(data)
            side.update(loaded)
            frame = out.frame
            i += 1
            record(
                i,
                "Selection",
                "selection",
                sel.params_text(),
                rows_in,
                None,
                [frame],
                [out.changes],
                t0,
                ["all"],
            )
            done = [sel]
        else:
            if not isinstance(data, pd.DataFrame):
                raise InvalidParameterError(
                    f"The 'data' parameter of {_WHERE}.run must be a DataFrame when the process "
                    f"has no Selection step. Got {type(data).__name__} instead."
                )
            frame = data.reset_index(drop=True)
            done = []
        if len(frame) == 0:
            raise DataError(f"{_WHERE}: the selection returned no rows; there is nothing to mine.")
        for col in (target, id_column, group_column):
            if col is not None:
                check_columns(frame, [col], _WHERE)
        ctx = KDDContext(target=target, id_column=id_column, tables=side, group_column=group_column)

        # 2. holdout split ---------------------------------------------------------------------------
        t0 = time.perf_counter()
        strat = None
        if stratify and target is not None:
            y = frame[target]
            is_label = (
                pd.api.types.is_bool_dtype(y)
                or not pd.api.types.is_numeric_dtype(y)
                or (pd.api.types.is_integer_dtype(y) and y.nunique() <= 20)
            )
            strat = target if is_label and y.notna().all() else None
        unit = group_column if group_column is not None else id_column
        mask = holdout_split(
            frame,
            test_size=test_size,
            id_column=unit,
            stratify=strat,
            random_state=random_state,
        )
        train = frame.loc[~mask].reset_index(drop=True)
        holdout = frame.loc[mask].reset_index(drop=True)
        if len(train) == 0 or len(holdout) == 0:
            raise DataError(
                f"{_WHERE}: with test_size={test_size} the {len(frame)} selected rows leave an "
                "empty training or holdout part; select more rows or change test_size."
            )
        i += 1
        record(
            i,
            "holdout split",
            "split",
            format_params(
                {
                    "test_size": test_size,
                    "by": unit,
                    "stratify": strat,
                    "random_state": seed_text,
                }
            ),
            len(frame),
            frame.shape[1],
            [train, holdout],
            [(Change("training rows", len(train)), Change("holdout rows", len(holdout)))],
            t0,
            ["all"],
        )

        # 3. preprocessing, transformation, mining ------------------------------------------------
        predictions = pd.DataFrame()
        evaluation = None
        for step in steps:
            t0 = time.perf_counter()
            rows_in = len(train) + len(holdout)
            cols_in = train.shape[1]
            name = type(step).__name__
            if isinstance(step, Interpretation):
                mining = next((s for s in done if isinstance(s, Mining)), None)
                evaluation = step.evaluate(
                    predictions, context=ctx, mining=mining, features=holdout, truth=truth
                )
                i += 1
                record(
                    i,
                    name,
                    "interpretation",
                    step.params_text(),
                    len(predictions),
                    predictions.shape[1],
                    [evaluation.metrics],
                    [
                        (
                            Change("metrics computed", len(evaluation.metrics)),
                            Change("findings written", len(evaluation.findings)),
                        )
                    ],
                    t0,
                    ["holdout"],
                )
                done.append(step)
                continue
            step.fit(train, ctx)
            fit_rows = train
            if isinstance(step, Mining):
                out_h = step.apply(holdout, ctx)
                predictions = out_h.frame
                i += 1
                record(
                    i,
                    name,
                    "mining",
                    step.params_text(),
                    rows_in,
                    cols_in,
                    [predictions],
                    [(), out_h.changes],
                    t0,
                    ["train", "holdout"],
                    len(train),
                )
                done.append(step)
                continue
            out_t: StepOutput = step.apply(train, ctx)
            out_h = step.apply(holdout, ctx)
            train, holdout = out_t.frame, out_h.frame
            if len(train) == 0:
                raise DataError(f"{_WHERE}: the {step.stage} step removed every training row.")
            i += 1
            record(
                i,
                name,
                step.stage,
                step.params_text(),
                rows_in,
                cols_in,
                [train, holdout],
                [out_t.changes, out_h.changes],
                t0,
                ["train", "holdout"],
                len(fit_rows) if step.learns else None,
            )
            done.append(step)

        table = pd.DataFrame(ledger, columns=list(LEDGER_COLUMNS))
        for col in ("rows_in", "columns_in", "rows_out", "columns_out", "learned_from"):
            table[col] = table[col].astype("Int64")
        changes = (
            pd.concat(change_rows, ignore_index=True)
            if change_rows
            else pd.DataFrame(columns=["step", "stage", "part", "action", "column", "n", "detail"])
        )
        return KDDResult(
            ledger=table,
            evaluation=evaluation,
            predictions=predictions,
            steps=tuple(done),
            changes=changes,
            train=train,
            holdout=holdout,
            params={
                "target": target,
                "id_column": id_column,
                "group_column": group_column,
                "test_size": test_size,
                "stratify": strat,
                "random_state": seed_text,
            },
        )
