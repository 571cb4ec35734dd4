"""Lessons: the registry, the runner and the helpers every notebook calls.

A lesson notebook starts with ``setup_notebook()`` (house plotting style, stable table
display) and ends with ``run_record(...)`` (the parameters and package versions of the run).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .registry import DOMAINS, LESSONS, Lesson, data_params, get_lesson, notebooks_dir

__all__ = [
    "DOMAINS",
    "LESSONS",
    "Lesson",
    "data_params",
    "get_lesson",
    "notebooks_dir",
    "setup_notebook",
    "run_record",
    "package_versions",
]

#: packages whose versions a run records
RECORDED_PACKAGES = (
    "ecrm-lab",
    "numpy",
    "pandas",
    "scipy",
    "scikit-learn",
    "mlxtend",
    "duckdb",
    "pyarrow",
    "matplotlib",
    "seaborn",
    "papermill",
)


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that decide a lesson's results."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in RECORDED_PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def setup_notebook() -> None:
    """Call once at the top of a lesson: house plotting style and stable table display.

    Numbers are shown with 4 significant decimals so that committed outputs compare equal
    across machines whose floating-point results differ in the last bits.
    """
    from ..plotting import use_style

    use_style()
    pd.set_option("display.precision", 4)
    pd.set_option("display.max_columns", 30)
    pd.set_option("display.width", 120)
    pd.set_option("display.max_rows", 30)


def run_record(**params: Any) -> pd.DataFrame:
    """The parameters of this run and the package versions, as one table for the last cell."""
    rows = [("parameter", k, repr(v)) for k, v in params.items()]
    rows += [("version", k, v) for k, v in package_versions().items()]
    return pd.DataFrame(rows, columns=["kind", "name", "value"])
