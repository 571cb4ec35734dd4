"""The exercise registry: every graded exercise declared once.

An :class:`Exercise` names its number, slug, title, the eCRM concepts it tests, the lessons
it builds on and its parameters. Every exercise takes the same four: ``student_id``,
``seed``, ``domain`` and ``n_customers``. The seed is never chosen by hand: it is derived from
the student id (:func:`student_seed`), so each student works on their own synthetic business
and the grader can recompute that student's expected answers from the id alone.

The solution notebook of exercise ``NN_slug`` is the jupytext percent script
``notebooks/exercises/NN_slug.py`` (paired with ``NN_slug.ipynb``); the student version is
generated from it by :func:`release` and never kept by hand.

>>> student_seed("alice") == student_seed("alice") != student_seed("bob")
True
"""

from __future__ import annotations

import csv
import functools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._random import seed_from_text
from .._validation import Interval, Param, unknown_param_error, validate_params
from ..exceptions import DataError, InvalidParameterError
from .notebook import Template

__all__ = [
    "Exercise",
    "EXERCISES",
    "get_exercise",
    "exercises_dir",
    "exercise_params",
    "student_seed",
    "check_student_id",
    "read_roster",
    "release",
    "Release",
]

_STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")
DOMAINS = ("bank", "retail")


def check_student_id(student_id: Any, where: str = "the roster") -> str:
    """A student id usable as a file name: letters, digits and ``. _ @ + -`` (1–64 chars)."""
    if not isinstance(student_id, str) or not _STUDENT_ID.match(student_id):
        raise InvalidParameterError(
            f"The 'student_id' parameter of {where} must be 1-64 letters, digits or . _ @ + - "
            f"(starting with a letter or digit), usable as a file name. Got {student_id!r} "
            "instead."
        )
    return student_id


def student_seed(student_id: str) -> int:
    """The seed of a student's synthetic world, derived from the student id."""
    return seed_from_text(check_student_id(student_id, "student_seed"))


def exercise_params(
    domain: str = "bank", n_customers: int = 1000, domains: Sequence[str] = DOMAINS
) -> tuple[Param, ...]:
    """The four parameters every exercise takes (``domains`` restricts the businesses)."""
    return (
        Param("student_id", str, "demo", "whose copy this is; the seed is derived from it"),
        Param(
            "seed",
            int,
            student_seed("demo"),
            "random seed of this student's data (set from student_id, do not edit)",
            Interval(0, 2**32 - 1),
        ),
        Param(
            "domain",
            str,
            domain,
            "which synthetic business: " + " or ".join(repr(d) for d in domains),
            choices=tuple(domains),
        ),
        Param(
            "n_customers",
            int,
            n_customers,
            "number of customers in the synthetic world",
            Interval(200, 50_000),
        ),
    )


def exercises_dir() -> Path:
    """Where the solution notebooks live: ``notebooks/exercises/`` of the clone."""
    from ..lessons.registry import notebooks_dir

    return notebooks_dir() / "exercises"


@functools.lru_cache(maxsize=32)
def _load_template(path: str, mtime_ns: int, name: str, params: tuple[str, ...]) -> Template:
    return Template.from_file(path, name, params)


@dataclass(frozen=True)
class Exercise:
    """One graded exercise."""

    number: int
    slug: str
    title: str
    concepts: tuple[str, ...]
    lessons: tuple[int, ...]
    params: tuple[Param, ...]
    #: the solution script; default ``notebooks/exercises/NN_slug.py``
    source: Path | None = None

    @property
    def name(self) -> str:
        return f"{self.number:02d}_{self.slug}"

    @property
    def script(self) -> Path:
        """The solution notebook as a jupytext percent script (the reviewed source)."""
        return self.source if self.source is not None else exercises_dir() / f"{self.name}.py"

    @property
    def notebook(self) -> Path:
        """The paired ``.ipynb`` of the solution (generated from :attr:`script`)."""
        return self.script.with_suffix(".ipynb")

    def template(self) -> Template:
        """The validated solution notebook (re-read when the script changes)."""
        path = self.script
        if not path.is_file():
            from .notebook import ExerciseError

            raise ExerciseError(f"exercise {self.name}: the solution {str(path)!r} is missing")
        return _load_template(
            str(path), path.stat().st_mtime_ns, self.name, tuple(p.name for p in self.params)
        )

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise unknown_param_error(name, [p.name for p in self.params], f"exercise {self.name}")

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def values(self, student_id: str, overrides: Mapping[str, Any] | None = None) -> dict:
        """The validated parameters of one student's copy; the seed comes from the id."""
        overrides = dict(overrides or {})
        for fixed in ("student_id", "seed"):
            if fixed in overrides:
                raise InvalidParameterError(
                    f"exercise {self.name}: {fixed!r} cannot be set; it comes from the student "
                    "id (the roster or the submission's file name)."
                )
        values = {**overrides, "student_id": check_student_id(student_id, f"exercise {self.name}")}
        values["seed"] = student_seed(student_id)
        return validate_params(self.params, values, f"exercise {self.name}")

    def parse(self, pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
        """``NAME VALUE`` strings from the command line, validated (not student_id/seed)."""
        out: dict[str, Any] = {}
        for name, text in pairs:
            out[name] = self.param(name).parse(text, f"exercise {self.name}")
        self.values("demo", out)  # validates names and the fixed ones
        return out

    def parameters_source(self, values: Mapping[str, Any]) -> str:
        """The ``parameters`` cell for these values: ``name: type = value  # help``."""
        lines = []
        for p in self.params:
            v = values.get(p.name, p.default)
            text = json.dumps(v) if isinstance(v, str) else repr(v)
            lines.append(f"{p.name}: {p.type_name} = {text}  # {p.help}")
        return "\n".join(lines)


EXERCISES: tuple[Exercise, ...] = (
    Exercise(
        1,
        "kdd_process",
        "The KDD process: from raw customer data to a validated finding",
        ("KDD process", "selection", "pre-processing", "transformation", "interpretation"),
        (2, 3),
        exercise_params("bank", 1000),
    ),
    Exercise(
        2,
        "classification_lift",
        "Propensity to buy: a classifier judged by its lift",
        ("classification", "propensity to buy", "lift", "gains", "campaign targeting"),
        (4,),
        exercise_params("bank", 2000),
    ),
    Exercise(
        3,
        "association_rules",
        "Cross-sell: association rules from shopping baskets",
        ("link analysis", "association rules", "support", "confidence", "lift", "cross-sell"),
        (5,),
        exercise_params("retail", 1000, ("retail",)),
    ),
    Exercise(
        4,
        "rfm_segmentation",
        "Segmentation: RFM scores and k-means clusters",
        ("segmentation", "RFM", "k-means", "cluster profiles"),
        (6,),
        exercise_params("retail", 1000),
    ),
    Exercise(
        5,
        "deviation_detection",
        "Deviation detection: finding the planted fraud",
        ("deviation detection", "anomalies", "fraud", "precision", "recall"),
        (7,),
        exercise_params("bank", 2000, ("bank",)),
    ),
    Exercise(
        6,
        "campaign_uplift",
        "Campaign ROI and uplift: who should we contact?",
        ("campaign management", "response rate", "ROI", "uplift", "control group"),
        (8,),
        exercise_params("bank", 2000),
    ),
)


def get_exercise(key: str | int | Exercise) -> Exercise:
    """Find an exercise by number (``2``, ``"02"``), slug or full name (``"02_classification_lift"``)."""
    if isinstance(key, Exercise):
        return key
    text = str(key).strip()
    for ex in EXERCISES:
        if text in (ex.name, ex.slug) or (text.isdigit() and int(text) == ex.number):
            return ex
    known = ", ".join(ex.name for ex in EXERCISES)
    raise InvalidParameterError(f"There is no exercise {key!r}. Known exercises: {known}.")


def read_roster(path: str | Path) -> list[str]:
    """Student ids from a roster CSV with a ``student_id`` column (other columns ignored)."""
    p = Path(path)
    if not p.is_file():
        raise DataError(f"the roster {str(p)!r} does not exist")
    try:
        with p.open(newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"cannot read the roster {str(p)!r}: {exc}") from None
    if not rows or "student_id" not in rows[0]:
        raise DataError(f"the roster {str(p)!r} needs a 'student_id' column and at least one row")
    ids: list[str] = []
    for i, row in enumerate(rows, start=2):
        sid = (row.get("student_id") or "").strip()
        try:
            check_student_id(sid, f"the roster (line {i})")
        except InvalidParameterError as exc:
            raise DataError(str(exc)) from None
        if sid in ids:
            raise DataError(f"the roster {str(p)!r} lists student {sid!r} twice (line {i})")
        ids.append(sid)
    return ids


@dataclass(frozen=True)
class Release:
    """What :func:`release` wrote: one notebook per exercise (and student)."""

    out: Path
    notebooks: tuple[Path, ...]
    manifest: Path


def release(
    exercises: Sequence[Exercise | str | int] | None,
    out: str | Path,
    *,
    students: Sequence[str] | None = None,
    params: Mapping[str, Any] | None = None,
    overwrite: bool = False,
) -> Release:
    """Write the student versions of ``exercises`` (all by default) to ``out``.

    Without ``students``: ``out/NN_slug.ipynb`` with the default (``demo``) parameters. With
    a list of student ids: ``out/NN_slug/<student_id>.ipynb``, each parameterised with that
    student's seed. ``out/release.json`` records the exercises, the parameters and each
    student's seed. The folder is written atomically.
    """
    from .._io import atomic_dir
    from ..lessons.notebooks import write_notebook

    chosen = [get_exercise(e) for e in (exercises or EXERCISES)]
    ids = [check_student_id(s) for s in students] if students else None
    if ids is not None and len(set(ids)) != len(ids):
        raise InvalidParameterError("the list of students has duplicates")
    written: list[Path] = []
    manifest: dict[str, Any] = {"exercises": {}, "students": {}}
    out = Path(out)
    with atomic_dir(out, overwrite=overwrite) as tmp:
        for ex in chosen:
            template = ex.template()
            who = ids or ["demo"]
            values_of = {sid: ex.values(sid, params) for sid in who}
            for sid, values in values_of.items():
                nb = template.student_notebook(
                    ex.parameters_source(values), student_id=sid if ids else None
                )
                rel = Path(ex.name) / f"{sid}.ipynb" if ids else Path(f"{ex.name}.ipynb")
                write_notebook(nb, tmp / rel)
                written.append(out / rel)
            first = next(iter(values_of.values()))
            manifest["exercises"][ex.name] = {
                "title": ex.title,
                "template_sha256": template.sha256,
                "max_points": template.max_points,
                "public_points": template.public_points,
                "parameters": {k: v for k, v in first.items() if k not in ("student_id", "seed")},
            }
        if ids:
            manifest["students"] = {sid: {"seed": student_seed(sid)} for sid in ids}
        (tmp / "release.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return Release(out, tuple(written), out / "release.json")
