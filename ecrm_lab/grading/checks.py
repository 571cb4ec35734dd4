"""Checks: tolerance-aware rules with points and partial credit.

A test cell of an exercise is a short list of calls::

    check("top_decile_lift", at_least(1.5), points=1)                 # public
    ### BEGIN HIDDEN TESTS
    check("top_decile_lift", close_to(rel=0.15), points=2)            # hidden
    check("planted_pairs", contains(planted, at_least=0.75), points=2)
    ### END HIDDEN TESTS

``check(answer, rule, points)`` names an answer variable of the notebook, a rule and the
points it is worth. A rule returns the fraction of the points earned (partial credit) and a
message. Rules whose target is :data:`REFERENCE` (the default for :func:`close_to`,
:func:`equals`, :func:`overlaps`, ...) compare with the instructor's solution recomputed for
the same student's data at grading time.

Where a check runs
------------------
* **In the student's notebook** (public checks only, the hidden ones are stripped from the
  released copy): :func:`check` reads the variable from the notebook, passes it through the
  same JSON encoding the grader uses and prints the outcome. Rules that need the reference
  say "checked when graded".
* **At grading time** in a separate checker process: the answers arrive as JSON written by
  the sandboxed kernel, the reference answers come from running the solution on the same
  parameters, and every check (public and hidden) is scored.

Rules never see live student objects, only decoded JSON (numbers, strings, lists, sets,
dicts, DataFrames).

>>> r = close_to(2.0, rel=0.1)
>>> r.evaluate(2.1, None).fraction
1.0
>>> round(r.evaluate(2.3, None).fraction, 2)  # 1.5 tolerances away: half the points
0.5
"""

from __future__ import annotations

import abc
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from ..exceptions import InvalidParameterError
from .harness import AnswerError, decode, encode

__all__ = [
    "REFERENCE",
    "Outcome",
    "Rule",
    "check",
    "equals",
    "close_to",
    "between",
    "at_least",
    "at_most",
    "is_kind",
    "has_columns",
    "has_length",
    "contains",
    "overlaps",
    "detects",
    "frame_close",
    "satisfies",
    "RULES",
    "WrongAnswerKind",
]


class _Reference:
    """Marker: compare with the reference (solution) answer recomputed at grading time."""

    _instance: _Reference | None = None

    def __new__(cls) -> _Reference:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "REFERENCE"

    def __reduce__(self):
        return (_Reference, ())


#: the solution's own answer for the same student's data, computed at grading time
REFERENCE = _Reference()


class WrongAnswerKind(ValueError):
    """The answer is not the kind of value a rule needs (a list where a number was expected)."""


@dataclass(frozen=True)
class Outcome:
    """The result of one rule on one answer: a fraction of the points and why."""

    fraction: float
    message: str

    def __post_init__(self) -> None:
        f = float(self.fraction)
        object.__setattr__(self, "fraction", min(1.0, max(0.0, f)) if math.isfinite(f) else 0.0)


def _fmt(x: Any) -> str:
    if isinstance(x, bool) or x is None:
        return repr(x)
    if isinstance(x, int):
        return f"{x:,}".replace(",", " ") if abs(x) >= 10_000 else str(x)
    if isinstance(x, float):
        if not math.isfinite(x):
            return str(x)
        return f"{x:.4g}"
    text = repr(x)
    return text if len(text) <= 80 else text[:77] + "..."


def _kind_name(value: Any) -> str:
    import pandas as pd

    if value is None:
        return "None"
    if isinstance(value, bool):
        return "a bool"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, pd.DataFrame):
        return "a DataFrame"
    if isinstance(value, pd.Series):
        return "a Series"
    if isinstance(value, frozenset):
        return "a set"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a dict"
    return f"a {type(value).__name__}"


def _number(value: Any, what: str = "answer") -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise WrongAnswerKind(f"the {what} should be a number; got {_kind_name(value)}")
    x = float(value)
    if math.isnan(x):
        raise WrongAnswerKind(f"the {what} is NaN")
    return x


def _normalise_item(item: Any) -> Any:
    """Items compare as plain values: lists become tuples, sets frozensets, numbers floats."""
    if isinstance(item, list | tuple):
        return tuple(_normalise_item(i) for i in item)
    if isinstance(item, set | frozenset):
        return frozenset(_normalise_item(i) for i in item)
    if isinstance(item, bool):
        return item
    if isinstance(item, int | float) and float(item).is_integer():
        return int(item)
    return item


def _items(value: Any, column: str | None, what: str = "answer") -> list[Any]:
    """The items of a collection answer (a list, set, Series or one column of a DataFrame)."""
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        if column is None:
            raise WrongAnswerKind(f"the {what} should be a list or set; got a DataFrame")
        if column not in value.columns:
            raise WrongAnswerKind(f"the {what} has no column {column!r}")
        value = value[column]
    if isinstance(value, pd.Series):
        value = value.tolist()
    if isinstance(value, list | tuple | set | frozenset):
        return [_normalise_item(v) for v in value]
    raise WrongAnswerKind(f"the {what} should be a list or set; got {_kind_name(value)}")


class Rule(abc.ABC):
    """A rule scores one answer; subclasses are frozen dataclasses.

    ``evaluate(answer, reference)`` gets the decoded answer and the decoded reference answer
    (``None`` when the reference is not known, e.g. in the student's notebook).
    """

    #: the rule's name, used in check ids and gradebook columns
    name: str = "rule"

    @property
    def needs_reference(self) -> bool:
        return any(getattr(self, f.name) is REFERENCE for f in fields(self))  # type: ignore[arg-type]

    def _target(self, value: Any, reference: Any) -> Any:
        return reference if value is REFERENCE else value

    @abc.abstractmethod
    def evaluate(self, answer: Any, reference: Any) -> Outcome:
        """Score ``answer`` (decoded JSON); ``reference`` is the solution's decoded answer."""

    @abc.abstractmethod
    def describe(self) -> str:
        """What the rule asks for, in a few words."""


def _decoded(value: Any) -> Any:
    """A target given by the check cell, seen exactly as an answer would be (JSON round trip)."""
    if value is REFERENCE or value is None:
        return value
    return decode(encode(value))


@dataclass(frozen=True)
class Equals(Rule):
    value: Any = REFERENCE
    name = "equals"

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", _decoded(self.value))

    def evaluate(self, answer, reference):
        import pandas as pd

        target = self._target(self.value, reference)
        if isinstance(target, pd.DataFrame | pd.Series):
            same = isinstance(answer, type(target)) and answer.reset_index(drop=True).equals(
                target.reset_index(drop=True)
            )
        else:
            same = _normalise_item(answer) == _normalise_item(target)
        if same:
            return Outcome(1.0, f"{_fmt(answer)} is right")
        return Outcome(0.0, f"got {_fmt(answer)}; expected {_fmt(target)}")

    def describe(self):
        return (
            "equal to the solution" if self.value is REFERENCE else f"equal to {_fmt(self.value)}"
        )


@dataclass(frozen=True)
class CloseTo(Rule):
    value: Any = REFERENCE
    rel: float = 0.0
    abs: float = 0.0
    partial: bool = True
    name = "close_to"

    def __post_init__(self) -> None:
        if self.rel < 0 or self.abs < 0 or (self.rel == 0 and self.abs == 0):
            raise InvalidParameterError(
                "close_to needs a tolerance: rel > 0 or abs > 0 (use equals for exact answers)."
            )

    def evaluate(self, answer, reference):
        target = _number(self._target(self.value, reference), "reference")
        got = _number(answer)
        tol = max(self.abs, self.rel * abs(target))
        err = abs(got - target)
        window = f"expected {_fmt(target)} ± {_fmt(tol)}"
        if err <= tol:
            return Outcome(1.0, f"{_fmt(got)} is within the tolerance ({window})")
        if self.partial and tol > 0 and err < 2 * tol:
            frac = 2.0 - err / tol
            return Outcome(frac, f"{_fmt(got)} is close but outside the tolerance ({window})")
        return Outcome(0.0, f"got {_fmt(got)}; {window}")

    def describe(self):
        tol = []
        if self.rel:
            tol.append(f"{self.rel * 100:g}%")
        if self.abs:
            tol.append(f"±{_fmt(self.abs)}")
        target = "the solution's value" if self.value is REFERENCE else _fmt(self.value)
        return f"within {' or '.join(tol)} of {target}"


@dataclass(frozen=True)
class Between(Rule):
    low: float | None = None
    high: float | None = None
    name = "between"

    def __post_init__(self) -> None:
        if self.low is None and self.high is None:
            raise InvalidParameterError("between needs a low or a high bound (or both).")
        for bound in (self.low, self.high):
            if bound is not None and bound is not REFERENCE:
                _number(bound, "bound")

    def evaluate(self, answer, reference):
        got = _number(answer)
        lo = self._target(self.low, reference)
        hi = self._target(self.high, reference)
        if lo is not None and got < lo:
            return Outcome(0.0, f"got {_fmt(got)}; it should be at least {_fmt(lo)}")
        if hi is not None and got > hi:
            return Outcome(0.0, f"got {_fmt(got)}; it should be at most {_fmt(hi)}")
        return Outcome(1.0, f"{_fmt(got)} is {self.describe()}")

    def describe(self):
        if self.low is None:
            return f"at most {_fmt(self.high)}"
        if self.high is None:
            return f"at least {_fmt(self.low)}"
        return f"between {_fmt(self.low)} and {_fmt(self.high)}"


_KINDS: dict[str, Callable[[Any], bool]] = {
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "bool": lambda v: isinstance(v, bool),
    "list": lambda v: isinstance(v, list),
    "set": lambda v: isinstance(v, frozenset),
    "dict": lambda v: isinstance(v, dict),
    "frame": lambda v: type(v).__name__ == "DataFrame",
    "series": lambda v: type(v).__name__ == "Series",
}


@dataclass(frozen=True)
class IsKind(Rule):
    kind: str = "number"
    name = "is_kind"

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise InvalidParameterError(
                f"The 'kind' parameter of is_kind must be one of {', '.join(map(repr, _KINDS))}. "
                f"Got {self.kind!r} instead."
            )

    def evaluate(self, answer, reference):
        if _KINDS[self.kind](answer):
            return Outcome(1.0, f"is {self.describe()}")
        return Outcome(0.0, f"should be {self.describe()}; got {_kind_name(answer)}")

    def describe(self):
        article = "an" if self.kind[0] in "aeiou" else "a"
        return f"{article} {self.kind}"


@dataclass(frozen=True)
class HasColumns(Rule):
    columns: tuple[str, ...] = ()
    name = "has_columns"

    def evaluate(self, answer, reference):
        import pandas as pd

        if not isinstance(answer, pd.DataFrame):
            raise WrongAnswerKind(f"the answer should be a DataFrame; got {_kind_name(answer)}")
        have = [c for c in self.columns if c in answer.columns]
        missing = [c for c in self.columns if c not in answer.columns]
        if not missing:
            return Outcome(1.0, "has every expected column")
        return Outcome(len(have) / len(self.columns), f"missing columns: {', '.join(missing)}")

    def describe(self):
        return "a table with columns " + ", ".join(self.columns)


@dataclass(frozen=True)
class HasLength(Rule):
    n: Any = REFERENCE
    rel: float = 0.0
    abs: float = 0.0
    name = "has_length"

    def evaluate(self, answer, reference):
        import pandas as pd

        if not isinstance(answer, list | frozenset | dict | str | pd.DataFrame | pd.Series):
            raise WrongAnswerKind(f"the answer should be a collection; got {_kind_name(answer)}")
        target = self._target(self.n, reference)
        if not isinstance(target, int | float):
            target = len(target)
        tol = max(self.abs, self.rel * target)
        if abs(len(answer) - target) <= tol:
            return Outcome(1.0, f"has {len(answer)} items")
        return Outcome(0.0, f"has {len(answer)} items; expected {_fmt(target)} ± {_fmt(tol)}")

    def describe(self):
        return "as many items as the solution" if self.n is REFERENCE else f"{self.n} items"


@dataclass(frozen=True)
class Contains(Rule):
    items: Any = REFERENCE
    at_least: float = 1.0
    column: str | None = None
    name = "contains"

    def __post_init__(self) -> None:
        if not 0 < self.at_least <= 1:
            raise InvalidParameterError(
                f"The 'at_least' parameter of contains must be a float in (0, 1]. "
                f"Got {self.at_least!r} instead."
            )
        if self.items is not REFERENCE:
            object.__setattr__(self, "items", tuple(_items(_decoded(self.items), None, "items")))

    def evaluate(self, answer, reference):
        got = set(_items(answer, self.column))
        if self.items is REFERENCE:
            wanted = _items(reference, self.column, "reference")
        else:
            wanted = list(self.items)
        wanted = list(dict.fromkeys(wanted))
        if not wanted:
            return Outcome(1.0, "nothing to find")
        found = [w for w in wanted if w in got]
        share = len(found) / len(wanted)
        msg = f"found {len(found)} of the {len(wanted)} expected items ({share:.0%})"
        if share >= self.at_least:
            return Outcome(1.0, msg)
        missing = [w for w in wanted if w not in got][:3]
        return Outcome(share / self.at_least, f"{msg}; for example missing {_fmt(missing)}")

    def describe(self):
        return f"contains at least {self.at_least:.0%} of the expected items"


@dataclass(frozen=True)
class Overlaps(Rule):
    value: Any = REFERENCE
    at_least: float = 0.8
    column: str | None = None
    name = "overlaps"

    def __post_init__(self) -> None:
        if not 0 < self.at_least <= 1:
            raise InvalidParameterError(
                f"The 'at_least' parameter of overlaps must be a float in (0, 1]. "
                f"Got {self.at_least!r} instead."
            )
        if self.value is not REFERENCE:
            object.__setattr__(self, "value", tuple(_items(_decoded(self.value), None, "value")))

    def evaluate(self, answer, reference):
        got = set(_items(answer, self.column))
        if self.value is REFERENCE:
            want = set(_items(reference, self.column, "reference"))
        else:
            want = set(self.value)
        union = got | want
        jac = len(got & want) / len(union) if union else 1.0
        msg = f"overlap (Jaccard) {jac:.2f} with the expected set of {len(want)}"
        if jac >= self.at_least:
            return Outcome(1.0, msg)
        return Outcome(jac / self.at_least, f"{msg}; {self.at_least:.2f} needed for full points")

    def describe(self):
        return f"overlaps the expected set (Jaccard ≥ {self.at_least:.2f})"


@dataclass(frozen=True)
class Detects(Rule):
    truth: Any = REFERENCE
    min_precision: float = 0.5
    min_recall: float = 0.5
    column: str | None = None
    name = "detects"

    def __post_init__(self) -> None:
        for label, v in (("min_precision", self.min_precision), ("min_recall", self.min_recall)):
            if not 0 < v <= 1:
                raise InvalidParameterError(
                    f"The {label!r} parameter of detects must be a float in (0, 1]. "
                    f"Got {v!r} instead."
                )
        if self.truth is not REFERENCE:
            object.__setattr__(self, "truth", tuple(_items(_decoded(self.truth), None, "truth")))

    def evaluate(self, answer, reference):
        flagged = set(_items(answer, self.column))
        if self.truth is REFERENCE:
            truth = set(_items(reference, self.column, "reference"))
        else:
            truth = set(self.truth)
        hits = len(flagged & truth)
        precision = hits / len(flagged) if flagged else 0.0
        recall = hits / len(truth) if truth else 1.0
        frac = 0.5 * min(1.0, precision / self.min_precision) + 0.5 * min(
            1.0, recall / self.min_recall
        )
        msg = (
            f"flagged {len(flagged)}, {hits} of them true: precision {precision:.2f} "
            f"(need {self.min_precision:.2f}), recall {recall:.2f} (need {self.min_recall:.2f})"
        )
        return Outcome(frac, msg)

    def describe(self):
        return f"precision ≥ {self.min_precision:.2f} and recall ≥ {self.min_recall:.2f}"


@dataclass(frozen=True)
class FrameClose(Rule):
    value: Any = REFERENCE
    key: tuple[str, ...] = ()
    columns: tuple[str, ...] | None = None
    rel: float = 0.0
    abs: float = 0.0
    name = "frame_close"

    def __post_init__(self) -> None:
        if self.value is not REFERENCE:
            object.__setattr__(self, "value", _decoded(self.value))

    def evaluate(self, answer, reference):
        import numpy as np
        import pandas as pd

        target = self._target(self.value, reference)
        if not isinstance(answer, pd.DataFrame):
            raise WrongAnswerKind(f"the answer should be a DataFrame; got {_kind_name(answer)}")
        if not isinstance(target, pd.DataFrame):
            raise WrongAnswerKind("the reference is not a DataFrame")
        key = list(self.key)
        cols = (
            list(self.columns)
            if self.columns is not None
            else [c for c in target.columns if c not in key]
        )
        missing = [c for c in key + cols if c not in answer.columns]
        if missing:
            return Outcome(0.0, f"missing columns: {', '.join(map(str, missing))}")
        if key:
            if answer.duplicated(key).any():
                return Outcome(0.0, f"the key {key} repeats in the answer")
            merged = target[key + cols].merge(
                answer[key + cols], on=key, how="left", suffixes=("_want", "_got"), indicator=True
            )
            present = (merged["_merge"] == "both").to_numpy()
        else:
            if len(answer) != len(target):
                return Outcome(0.0, f"has {len(answer)} rows; expected {len(target)}")
            merged = pd.concat(
                [
                    target[cols].reset_index(drop=True).add_suffix("_want"),
                    answer[cols].reset_index(drop=True).add_suffix("_got"),
                ],
                axis=1,
            )
            present = np.ones(len(merged), dtype=bool)
        ok = present.copy()
        for c in cols:
            want, got = merged[f"{c}_want"], merged[f"{c}_got"]
            if pd.api.types.is_numeric_dtype(want) and not pd.api.types.is_bool_dtype(want):
                w = want.to_numpy(dtype=float)
                g = pd.to_numeric(got, errors="coerce").to_numpy(dtype=float)
                tol = np.maximum(self.abs, self.rel * np.abs(w))
                ok &= np.abs(g - w) <= tol
            else:
                ok &= (want.astype(str) == got.astype(str)).to_numpy()
        share = float(ok.mean()) if len(ok) else 1.0
        msg = f"{int(ok.sum())} of {len(ok)} rows match the solution"
        return Outcome(share, msg)

    def describe(self):
        return "the same table as the solution (within the tolerance)"


@dataclass(frozen=True)
class Satisfies(Rule):
    predicate: Callable[[Any], Any] = field(default=lambda v: True)
    description: str = "satisfies the condition"
    name = "satisfies"

    @property
    def needs_reference(self) -> bool:
        return False

    def evaluate(self, answer, reference):
        result = self.predicate(answer)
        if isinstance(result, bool):
            return Outcome(
                float(result), self.description if result else "does not " + (self.description)
            )
        frac = float(result)
        return Outcome(frac, f"{self.description}: {frac:.0%}")

    def describe(self):
        return self.description


# -- the public constructors (what check cells call) --------------------------------------
def equals(value: Any = REFERENCE) -> Rule:
    """Exactly equal to ``value`` (the solution's answer by default)."""
    return Equals(value)


def close_to(
    value: Any = REFERENCE, *, rel: float = 0.0, abs: float = 0.0, partial: bool = True
) -> Rule:
    """A number within ``max(abs, rel * |value|)`` of ``value``.

    With ``partial=True`` an answer up to twice the tolerance away earns a linearly falling
    share of the points.
    """
    return CloseTo(value, rel, abs, partial)


def between(low: float | None = None, high: float | None = None) -> Rule:
    """A number in ``[low, high]`` (either bound may be ``None``)."""
    return Between(low, high)


def at_least(low: float) -> Rule:
    """A number ``>= low``."""
    return Between(low, None)


def at_most(high: float) -> Rule:
    """A number ``<= high``."""
    return Between(None, high)


def is_kind(kind: str) -> Rule:
    """The answer is a ``number``, ``integer``, ``string``, ``bool``, ``list``, ``set``,
    ``dict``, ``frame`` or ``series``."""
    return IsKind(kind)


def has_columns(*columns: str) -> Rule:
    """A DataFrame with these columns (partial credit per column)."""
    return HasColumns(tuple(columns))


def has_length(n: Any = REFERENCE, *, rel: float = 0.0, abs: float = 0.0) -> Rule:
    """A collection with ``n`` items (or as many as the solution), within a tolerance."""
    return HasLength(n, rel, abs)


def contains(items: Any = REFERENCE, *, at_least: float = 1.0, column: str | None = None) -> Rule:
    """The answer (a list, set, Series or ``column`` of a table) contains the ``items``.

    Full points when at least the share ``at_least`` of them is present; otherwise points in
    proportion (e.g. the planted rules a mined rule set should recover).
    """
    return Contains(items, at_least, column)


def overlaps(value: Any = REFERENCE, *, at_least: float = 0.8, column: str | None = None) -> Rule:
    """The answer's items overlap ``value`` with a Jaccard index of at least ``at_least``."""
    return Overlaps(value, at_least, column)


def detects(
    truth: Any = REFERENCE,
    *,
    min_precision: float = 0.5,
    min_recall: float = 0.5,
    column: str | None = None,
) -> Rule:
    """The answer flags ``truth`` items with enough precision and recall (half the points each)."""
    return Detects(truth, min_precision, min_recall, column)


def frame_close(
    value: Any = REFERENCE,
    *,
    key: str | Sequence[str] = (),
    columns: Sequence[str] | None = None,
    rel: float = 0.0,
    abs: float = 0.0,
) -> Rule:
    """A table matching ``value`` row by row (joined on ``key``), numbers within tolerance.

    Partial credit: the share of expected rows that match.
    """
    key_t = (key,) if isinstance(key, str) else tuple(key)
    return FrameClose(value, key_t, None if columns is None else tuple(columns), rel, abs)


def satisfies(predicate: Callable[[Any], Any], description: str) -> Rule:
    """A custom condition: ``predicate(answer)`` returns a bool or a fraction in [0, 1]."""
    return Satisfies(predicate, description)


#: the rule constructors a check cell may call, by name
RULES: dict[str, Callable[..., Rule]] = {
    f.__name__: f
    for f in (
        equals,
        close_to,
        between,
        at_least,
        at_most,
        is_kind,
        has_columns,
        has_length,
        contains,
        overlaps,
        detects,
        frame_close,
        satisfies,
    )
}


def score(rule: Rule, entry: dict[str, Any] | None, reference: Any) -> Outcome:
    """Score one answer entry (``{"value": ...}``, ``{"missing": True}``, ``{"error": ...}``).

    Never raises: a wrong kind of answer or a rule that trips over it scores 0 with a reason.
    """
    if entry is None or entry.get("missing"):
        return Outcome(0.0, "no answer: the variable was not defined")
    if "error" in entry:
        return Outcome(0.0, f"the answer could not be sent: {entry['error']}")
    try:
        answer = decode(entry["value"])
        return rule.evaluate(answer, reference)
    except WrongAnswerKind as exc:
        return Outcome(0.0, str(exc))
    except Exception as exc:  # any odd value the rule cannot read scores zero, with a reason
        return Outcome(0.0, f"the answer could not be checked ({type(exc).__name__}: {exc})")


# -- where check() reports to --------------------------------------------------------------
#: collectors installed by the checker process (objects with ``record(answer, rule, points)``)
_SESSION: list[Any] = []


def _install(session: Any) -> None:
    _SESSION.append(session)


def _uninstall() -> None:
    _SESSION.pop()


def _in_notebook(answer: str, rule: Rule, points: float, namespace: dict[str, Any]) -> Outcome:
    if answer not in namespace:
        outcome = Outcome(0.0, f"`{answer}` is not defined yet")
    else:
        try:
            entry = {"value": encode(namespace[answer])}
        except AnswerError as exc:
            entry = {"error": str(exc)}
        if rule.needs_reference and "value" in entry:
            outcome = None
        else:
            outcome = score(rule, entry, None)
    if outcome is None:
        line = f"  • {answer}: {rule.describe()} — checked when graded ({points:g} pt)"
        print(line)
        return Outcome(0.0, "checked when graded")
    mark = "✔" if outcome.fraction >= 1 else ("◐" if outcome.fraction > 0 else "✘")
    earned = round(points * outcome.fraction, 2)
    print(f"  {mark} {answer}: {outcome.message} ({earned:g}/{points:g} pt)")
    return outcome


def check(answer: str, rule: Rule, points: float = 1) -> None:
    """Check the notebook variable named ``answer`` with ``rule``, worth ``points``.

    In a student's notebook this prints the outcome of the check right away (rules that need
    the solution's answer are marked "checked when graded"). At grading time the checker
    process records it instead.
    """
    if not isinstance(answer, str) or not answer.isidentifier():
        raise InvalidParameterError(
            f"The 'answer' parameter of check must be the name of a variable. Got {answer!r} "
            "instead."
        )
    if not isinstance(rule, Rule):
        raise InvalidParameterError(
            f"The 'rule' parameter of check must be a rule such as close_to(...). Got "
            f"{rule!r} instead."
        )
    if isinstance(points, bool) or not isinstance(points, int | float) or points < 0:
        raise InvalidParameterError(
            f"The 'points' parameter of check must be a number >= 0. Got {points!r} instead."
        )
    if _SESSION:
        _SESSION[-1].record(answer, rule, float(points))
        return None
    namespace = sys._getframe(1).f_globals
    _in_notebook(answer, rule, float(points), namespace)
    return None
