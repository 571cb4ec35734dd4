"""The small exception hierarchy of ecrm-lab.

Every error the package raises on purpose derives from :class:`EcrmLabError`, so the
command line can turn it into one clear line and exit code 2 instead of a traceback.
"""

from __future__ import annotations

__all__ = [
    "EcrmLabError",
    "InvalidParameterError",
    "DataError",
    "SchemaError",
    "NotFittedError",
    "ConvergenceError",
    "LessonFailed",
]


class EcrmLabError(Exception):
    """Base class of every error ecrm-lab raises on purpose."""


class InvalidParameterError(EcrmLabError, ValueError, TypeError):
    """A parameter has the wrong type, an out-of-range value or an unknown name.

    It is both a ``ValueError`` and a ``TypeError`` (as in scikit-learn), so callers that
    catch either keep working.
    """


class DataError(EcrmLabError, ValueError):
    """Input data cannot be used: a missing column, a bad value, an unreadable file."""


class SchemaError(DataError):
    """A table does not match its declared schema (types, keys, ranges, references)."""


class NotFittedError(EcrmLabError, ValueError, AttributeError):
    """A model was used before ``fit``."""


class ConvergenceError(EcrmLabError, RuntimeError):
    """An optimisation did not converge; the message says what was tried."""


class LessonFailed(EcrmLabError):
    """A lesson notebook raised an error while executing; the message names the cell."""
