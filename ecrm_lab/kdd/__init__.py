"""Knowledge discovery in databases (KDD): the five steps as explicit, composable objects.

1. :class:`Selection` — the target data: a SQL query against the warehouse, or a column list
   and row filter on a DataFrame (plus side tables such as a transaction log);
2. :class:`Preprocessing` — cleaning: duplicates, missing values, outliers (each change
   reported);
3. :class:`Transformation` — features: :class:`RFMWindows`, :class:`Aggregate`,
   :class:`OneHot`, :class:`Scale`;
4. :class:`Mining` — any scikit-learn estimator or a callable task;
5. :class:`Interpretation` — holdout evaluation, scoring against the ground truth, findings in
   plain language.

:class:`KDDProcess` runs them in order, fits every learning step on the training rows only
(the holdout never leaks into cleaning or scaling) and keeps a ledger of every step.

Examples
--------
>>> import pandas as pd
>>> from sklearn.linear_model import LogisticRegression
>>> from ecrm_lab import kdd
>>> df = pd.DataFrame({"id": range(60), "x": [i % 5 for i in range(60)],
...                    "seg": ["a", "b", "c"] * 20, "y": [int(i % 5 > 2) for i in range(60)]})
>>> process = kdd.KDDProcess([
...     kdd.Selection(columns=["id", "x", "seg", "y"]),
...     kdd.Preprocessing(),
...     kdd.Transformation([kdd.OneHot(), kdd.Scale()]),
...     kdd.Mining(LogisticRegression()),
...     kdd.Interpretation(),
... ])
>>> result = process.run(df, target="y", id_column="id", random_state=0)
>>> result.summary()["stage"].tolist()
['selection', 'split', 'preprocessing', 'transformation', 'mining', 'interpretation']
"""

from ._common import (
    LEVELS,
    STAGES,
    Change,
    KDDContext,
    Step,
    StepOutput,
    changes_frame,
    frame_checksum,
)
from .interpretation import Evaluation, Interpretation, gains_table
from .mining import TASKS, Mining
from .preprocessing import Preprocessing
from .process import LEDGER_COLUMNS, KDDProcess, KDDResult, holdout_split
from .selection import Selection, select
from .transformation import (
    AGGREGATIONS,
    SCALERS,
    Aggregate,
    OneHot,
    RFMWindows,
    Scale,
    Transformation,
)

__all__ = [
    "STAGES",
    "LEVELS",
    "TASKS",
    "AGGREGATIONS",
    "SCALERS",
    "LEDGER_COLUMNS",
    "KDDContext",
    "Change",
    "StepOutput",
    "Step",
    "Selection",
    "select",
    "Preprocessing",
    "Transformation",
    "RFMWindows",
    "Aggregate",
    "OneHot",
    "Scale",
    "Mining",
    "Interpretation",
    "Evaluation",
    "gains_table",
    "KDDProcess",
    "KDDResult",
    "holdout_split",
    "frame_checksum",
    "changes_frame",
]
