"""One way to validate parameters and input data, with one message shape.

Parameters are declared as :class:`Param` objects (name, type, default, allowed values, help).
The same declaration validates a Python call, a lesson run and a command-line value, so
messages never disagree::

    >>> from ecrm_lab._validation import Param, Interval
    >>> p = Param("min_support", float, 0.01, "minimum itemset support", Interval(0, 1, "right"))
    >>> p.validate(0.05, where="associate")
    0.05
    >>> p.validate(1.5, where="associate")
    Traceback (most recent call last):
    ...
    ecrm_lab.exceptions.InvalidParameterError: The 'min_support' parameter of associate must be a float in (0, 1]. Got 1.5 instead.

Data checks (:func:`check_columns`, :func:`check_numeric_column`) name the column, the bad
value and what is allowed.
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .exceptions import DataError, InvalidParameterError

__all__ = [
    "REQUIRED",
    "Interval",
    "Param",
    "check_param",
    "validate_params",
    "unknown_param_error",
    "check_columns",
    "check_numeric_column",
    "check_not_empty",
]

REQUIRED = type("Required", (), {"__repr__": lambda self: "REQUIRED"})()
"""Marker for a :class:`Param` without a default."""

_KIND_NAMES = {bool: "a bool", int: "an int", float: "a float", str: "a str"}
_CLOSED = ("both", "left", "right", "neither")


@dataclass(frozen=True)
class Interval:
    """A real interval; ``closed`` is one of ``'both'``, ``'left'``, ``'right'``, ``'neither'``."""

    low: float | None = None
    high: float | None = None
    closed: str = "both"

    def __post_init__(self) -> None:
        if self.closed not in _CLOSED:
            raise ValueError(f"closed must be one of {_CLOSED}, got {self.closed!r}")

    def __contains__(self, value: float) -> bool:
        lo_ok = (
            self.low is None
            or value > self.low
            or (value == self.low and self.closed in ("both", "left"))
        )
        hi_ok = (
            self.high is None
            or value < self.high
            or (value == self.high and self.closed in ("both", "right"))
        )
        return bool(lo_ok and hi_ok)

    def __str__(self) -> str:
        left = "[" if self.closed in ("both", "left") and self.low is not None else "("
        right = "]" if self.closed in ("both", "right") and self.high is not None else ")"
        lo = "-inf" if self.low is None else _fmt_number(self.low)
        hi = "inf" if self.high is None else _fmt_number(self.high)
        return f"{left}{lo}, {hi}{right}"


def _fmt_number(x: float) -> str:
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(float(x))


def _type_name(value: Any) -> str:
    return type(value).__name__


@dataclass(frozen=True)
class Param:
    """Declaration of one parameter.

    Parameters
    ----------
    name : str
        The parameter's name.
    kind : type
        One of ``bool``, ``int``, ``float``, ``str``.
    default : object
        The default value (validated like any other value).
    help : str
        One line of help for tables, ``--help`` and notebook parameter cells.
    interval : Interval, optional
        Allowed range for numbers.
    choices : tuple, optional
        Allowed values (for any kind).
    nullable : bool
        Whether ``None`` is allowed.
    """

    name: str
    kind: type
    default: Any
    help: str = ""
    interval: Interval | None = None
    choices: tuple | None = None
    nullable: bool = False

    def __post_init__(self) -> None:
        if self.kind not in _KIND_NAMES:
            raise TypeError(f"Param kind must be one of bool, int, float, str; got {self.kind!r}")
        if self.default is not REQUIRED:
            self.validate(self.default, where=f"the declaration of {self.name!r}")

    # -- descriptions ---------------------------------------------------------------------
    @property
    def type_name(self) -> str:
        return self.kind.__name__

    def allowed(self) -> str:
        """What values are allowed, in words: ``"an int in [100, 200000]"``."""
        if self.choices is not None:
            text = "one of " + ", ".join(repr(c) for c in self.choices)
        else:
            text = _KIND_NAMES[self.kind]
            if self.interval is not None:
                text += f" in {self.interval}"
        if self.nullable:
            text += " or None"
        return text

    def _fail(self, value: Any, where: str) -> InvalidParameterError:
        got = repr(value)
        if self.kind is not type(value) and not (
            self.kind is float and isinstance(value, numbers.Real) and not isinstance(value, bool)
        ):
            got += f" ({_type_name(value)})"
        return InvalidParameterError(
            f"The {self.name!r} parameter of {where} must be {self.allowed()}. Got {got} instead."
        )

    # -- checking -------------------------------------------------------------------------
    def validate(self, value: Any, where: str) -> Any:
        """Return ``value`` (numpy scalars converted to Python) or raise a clear error."""
        if value is None:
            if self.nullable:
                return None
            raise self._fail(value, where)
        kind = self.kind
        if kind is bool:
            if not isinstance(value, bool | np.bool_):
                raise self._fail(value, where)
            value = bool(value)
        elif kind is int:
            if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
                raise self._fail(value, where)
            value = int(value)
        elif kind is float:
            if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
                raise self._fail(value, where)
            value = float(value)
            if math.isnan(value):
                raise self._fail(value, where)
        elif kind is str:
            if not isinstance(value, str):
                raise self._fail(value, where)
        if self.choices is not None and value not in self.choices:
            raise self._fail(value, where)
        if self.interval is not None and kind in (int, float) and value not in self.interval:
            raise self._fail(value, where)
        return value

    def parse(self, text: str, where: str) -> Any:
        """Convert a command-line string to this parameter's type, then validate it."""
        raw = text.strip()
        if self.nullable and raw.lower() in ("none", "null"):
            return None
        try:
            if self.kind is bool:
                low = raw.lower()
                if low in ("true", "1", "yes"):
                    value: Any = True
                elif low in ("false", "0", "no"):
                    value = False
                else:
                    raise ValueError(raw)
            elif self.kind is int:
                value = int(raw)
            elif self.kind is float:
                value = float(raw)
            else:
                value = raw
        except ValueError:
            raise InvalidParameterError(
                f"The {self.name!r} parameter of {where} must be {self.allowed()}. "
                f"Got {text!r} instead."
            ) from None
        return self.validate(value, where)


def check_param(
    value: Any,
    name: str,
    where: str,
    kind: type,
    *,
    interval: Interval | None = None,
    choices: Iterable | None = None,
    nullable: bool = False,
) -> Any:
    """Validate one value without declaring a :class:`Param` first.

    >>> check_param(3, "k", "segment", int, interval=Interval(2, None))
    3
    """
    spec = Param(
        name,
        kind,
        REQUIRED,
        interval=interval,
        choices=None if choices is None else tuple(choices),
        nullable=nullable,
    )
    return spec.validate(value, where)


def validate_params(
    specs: Sequence[Param] | Mapping[str, Param],
    values: Mapping[str, Any],
    where: str,
    *,
    fill_defaults: bool = True,
) -> dict[str, Any]:
    """Validate ``values`` against ``specs``; refuse unknown names; fill in defaults.

    >>> specs = [Param("seed", int, 0, "random seed", Interval(0, None))]
    >>> validate_params(specs, {}, "lesson 00")
    {'seed': 0}
    """
    by_name = dict(specs) if isinstance(specs, Mapping) else {p.name: p for p in specs}
    unknown = [k for k in values if k not in by_name]
    if unknown:
        raise unknown_param_error(unknown[0], list(by_name), where)
    out: dict[str, Any] = {}
    for name, spec in by_name.items():
        if name in values:
            out[name] = spec.validate(values[name], where)
        elif fill_defaults:
            if spec.default is REQUIRED:
                raise InvalidParameterError(
                    f"{where} needs the parameter {name!r}: {spec.allowed()}."
                )
            out[name] = spec.default
    return out


def unknown_param_error(name: str, known: Sequence[str], where: str) -> InvalidParameterError:
    """The error for a parameter name that ``where`` does not take."""
    hint = difflib.get_close_matches(name, list(known), n=1)
    did_you = f" Did you mean {hint[0]!r}?" if hint else ""
    allowed = ", ".join(known) or "none"
    return InvalidParameterError(
        f"{where} has no parameter {name!r}.{did_you} Allowed parameters: {allowed}."
    )


# -- data checks ---------------------------------------------------------------------------
def check_not_empty(df: Any, where: str) -> None:
    """Refuse a table with no rows."""
    if len(df) == 0:
        raise DataError(f"{where}: the table is empty (0 rows); there is nothing to work on.")


def check_columns(df: Any, columns: Iterable[str], where: str) -> None:
    """Raise :class:`DataError` naming the first missing column and the available ones."""
    have = list(map(str, df.columns))
    for col in columns:
        if col not in have:
            hint = difflib.get_close_matches(str(col), have, n=1)
            did_you = f" Did you mean {hint[0]!r}?" if hint else ""
            shown = ", ".join(have[:20]) + (", ..." if len(have) > 20 else "")
            raise DataError(
                f"{where}: column {col!r} not found.{did_you} Available columns: {shown}."
            )


def check_numeric_column(df: Any, column: str, where: str, *, allow_negative: bool = True) -> None:
    """Raise :class:`DataError` if ``column`` is not numeric (or has negative values)."""
    import pandas as pd

    check_columns(df, [column], where)
    series = df[column]
    if not (pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)):
        converted = pd.to_numeric(series, errors="coerce")
        bad = series[converted.isna() & series.notna()]
        example = f" (for example {bad.iloc[0]!r})" if len(bad) else ""
        raise DataError(
            f"{where}: column {column!r} must be numeric but has dtype {series.dtype}{example}."
        )
    if not allow_negative:
        n_neg = int((series < 0).sum())
        if n_neg:
            raise DataError(
                f"{where}: column {column!r} has {n_neg} negative values; only values >= 0 "
                "are allowed here."
            )
