"""The five classes of data-mining task (ECRM_BRIEF.md §5), one module each.

* :mod:`~ecrm_lab.mining.classification` — propensity to buy, churn: :func:`classify`,
  :func:`lift_table`, :func:`profit_curve`, :class:`CostBenefit`.
* :mod:`~ecrm_lab.mining.regression` — spend, next-period value: :func:`regress`.
* :mod:`~ecrm_lab.mining.association` — link analysis: :func:`association_rules` (mlxtend's
  apriori / fpgrowth or a fast sparse path), :func:`prune_redundant`, :func:`recommend`
  (cross-sell), :func:`sequential_patterns`.
* :mod:`~ecrm_lab.mining.segmentation` — :func:`rfm` with named segments,
  :func:`kmeans_segments` with k chosen by silhouette.
* :mod:`~ecrm_lab.mining.deviation` — :func:`isolation_forest`, :func:`robust_zscores`,
  :func:`behaviour_change`.

Every task returns a result object with ``summary()``, a readable repr and ``plot(ax=None)``,
and methods that score it against planted truth (oracle gap, adjusted Rand index, recall of
planted rules and anomalies), returning a :class:`TruthScore`. The same tasks run on any CSV or
Parquet table from the command line: ``ecrm-lab mine TASK --data FILE ...``.
"""

from ._common import TablePrep, TruthScore, precision_recall_at_k
from .association import (
    ALGORITHMS,
    AssociationResult,
    Baskets,
    Recommendations,
    SequenceResult,
    association_rules,
    frequent_itemsets,
    make_baskets,
    pair_counts,
    planted_rule_recall,
    planted_sequence_recall,
    prune_redundant,
    recommend,
    sequential_patterns,
)
from .classification import (
    CLASSIFIERS,
    ClassificationResult,
    CostBenefit,
    ProfitResult,
    classify,
    lift_table,
    oracle_gap,
    profit_curve,
)
from .deviation import (
    AnomalyResult,
    BehaviourChangeResult,
    behaviour_change,
    detect_anomalies,
    isolation_forest,
    robust_zscores,
)
from .regression import REGRESSORS, RegressionResult, regress, residual_diagnostics
from .segmentation import (
    RFM_SEGMENTS,
    RFMResult,
    SegmentationResult,
    adjusted_rand,
    kmeans_segments,
    rfm,
)

__all__ = [
    # classification
    "CLASSIFIERS",
    "ClassificationResult",
    "CostBenefit",
    "ProfitResult",
    "classify",
    "lift_table",
    "oracle_gap",
    "profit_curve",
    # regression
    "REGRESSORS",
    "RegressionResult",
    "regress",
    "residual_diagnostics",
    # link analysis
    "ALGORITHMS",
    "AssociationResult",
    "Baskets",
    "Recommendations",
    "SequenceResult",
    "association_rules",
    "frequent_itemsets",
    "make_baskets",
    "pair_counts",
    "planted_rule_recall",
    "planted_sequence_recall",
    "prune_redundant",
    "recommend",
    "sequential_patterns",
    # segmentation
    "RFM_SEGMENTS",
    "RFMResult",
    "SegmentationResult",
    "adjusted_rand",
    "kmeans_segments",
    "rfm",
    # deviation detection
    "AnomalyResult",
    "BehaviourChangeResult",
    "behaviour_change",
    "detect_anomalies",
    "isolation_forest",
    "robust_zscores",
    # shared
    "TablePrep",
    "TruthScore",
    "precision_recall_at_k",
]
