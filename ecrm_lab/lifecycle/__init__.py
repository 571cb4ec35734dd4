"""The customer lifecycle and customer value.

Customer value (this part does not need the synthetic world and works on any transaction log):

* :func:`rfm_summary` — per-customer frequency, recency, age ``T`` and mean repeat spend,
  following Fader, Hardie & Lee (same-day purchases merged, repeat purchases only);
* :class:`BGNBD` — purchase and dropout model: P(alive), expected purchases;
* :class:`GammaGamma` — spend per purchase;
* :func:`clv` / :func:`clv_analysis` — discounted customer lifetime value;
  :func:`retention_clv` — the retention-rate formula for teaching;
* :func:`frequency_fit` / :func:`holdout_check` — calibration and holdout checks.
"""

from ._common import FitAttempt
from .bgnbd import BGNBD
from .clv import CLVAnalysis, clv, clv_analysis, expected_purchases_by_period, retention_clv
from .gamma_gamma import GammaGamma
from .holdout import FrequencyFit, HoldoutCheck, frequency_fit, holdout_check
from .rfm import RFMSummary, rfm_summary

__all__ = [
    "rfm_summary",
    "RFMSummary",
    "BGNBD",
    "GammaGamma",
    "FitAttempt",
    "clv",
    "retention_clv",
    "expected_purchases_by_period",
    "clv_analysis",
    "CLVAnalysis",
    "frequency_fit",
    "FrequencyFit",
    "holdout_check",
    "HoldoutCheck",
]
