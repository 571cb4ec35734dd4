"""ecrm-lab: a workbench for learning, teaching and prototyping eCRM.

The package mirrors the eCRM architecture: a synthetic world of customers and the sources
that record them (:mod:`ecrm_lab.world`), lessons and their runner (:mod:`ecrm_lab.lessons`),
the architecture map (:mod:`ecrm_lab.architecture`), plotting (:mod:`ecrm_lab.plotting`) and a
thin command line (:mod:`ecrm_lab.cli`).
"""

from importlib.metadata import PackageNotFoundError, version

from .exceptions import (
    ConvergenceError,
    DataError,
    EcrmLabError,
    InvalidParameterError,
    NotFittedError,
    SchemaError,
)

try:
    __version__ = version("ecrm-lab")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+local"

__all__ = [
    "__version__",
    "EcrmLabError",
    "InvalidParameterError",
    "DataError",
    "SchemaError",
    "NotFittedError",
    "ConvergenceError",
]
