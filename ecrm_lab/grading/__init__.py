"""Graded exercises and a safe autograder for instructors.

* :mod:`~ecrm_lab.grading.exercises` — the exercise registry (:data:`EXERCISES`), per-student
  seeds and :func:`release` of the student versions;
* :mod:`~ecrm_lab.grading.notebook` — solution templates with nbgrader metadata, the
  generated student version and the rebuild of a submission from its answer cells;
* :mod:`~ecrm_lab.grading.checks` — :func:`check` and tolerance-aware rules with partial
  credit (:func:`close_to`, :func:`contains`, :func:`detects`, ...);
* :mod:`~ecrm_lab.grading.harness` — answers leave the kernel as plain JSON;
* :mod:`~ecrm_lab.grading.sandbox` — child process, resource limits, whole-tree kill;
* :mod:`~ecrm_lab.grading.grader` — :func:`grade` a folder of submissions into a
  :class:`Gradebook` (``gradebook.csv`` and one feedback file per student).

In an exercise notebook::

    from ecrm_lab.grading import check, close_to, at_least
    check("top_decile_lift", at_least(1.5), points=1)
"""

import importlib
from typing import Any

from .checks import (
    REFERENCE,
    RULES,
    Outcome,
    Rule,
    at_least,
    at_most,
    between,
    check,
    close_to,
    contains,
    detects,
    equals,
    frame_close,
    has_columns,
    has_length,
    is_kind,
    overlaps,
    satisfies,
)

# the machinery below needs nbformat, pandas and psutil; it loads on first use so that a
# student's notebook importing `check` stays light
_LAZY = {
    "EXERCISES": "exercises",
    "Exercise": "exercises",
    "Release": "exercises",
    "check_student_id": "exercises",
    "exercise_params": "exercises",
    "exercises_dir": "exercises",
    "get_exercise": "exercises",
    "read_roster": "exercises",
    "release": "exercises",
    "student_seed": "exercises",
    "STATUSES": "grader",
    "Gradebook": "grader",
    "StudentGrade": "grader",
    "grade": "grader",
    "grade_submission": "grader",
    "check_solution": "grader",
    "CheckSpec": "notebook",
    "ExerciseError": "notebook",
    "Template": "notebook",
    "Limits": "sandbox",
    "RunResult": "sandbox",
    "kill_tree": "sandbox",
    "run_notebook": "sandbox",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


#: the rules and ``check`` (loaded with the package), then the lazily loaded machinery
__all__ = [
    "REFERENCE",
    "RULES",
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
    *_LAZY,
]
