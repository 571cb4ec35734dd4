"""The customer lifecycle and customer value.

The three phases of the lifecycle, on a synthetic world (:mod:`ecrm_lab.world`):

* **acquisition** (:mod:`~ecrm_lab.lifecycle.acquisition`) — :func:`acquisition_channels`
  (visitors, conversion, cost per acquisition and value per channel),
  :func:`landing_conversion`, the pay-per-click :func:`keyword_portfolio` and
  :func:`ppc_what_if`;
* **retention** (:mod:`~ecrm_lab.lifecycle.retention`) — :func:`cohort_table` /
  :func:`world_cohorts`, :func:`retention_curve`, :func:`churn_hazards` by segment and
  service experience, :func:`retention_offer` (treatment against control);
* **extension** (:mod:`~ecrm_lab.lifecycle.extension`) — :func:`product_adoption` (up-sell,
  cross-sell), :func:`relationship_depth`, :func:`cross_sell` (association rules and
  next-best-product);
* **states** (:mod:`~ecrm_lab.lifecycle.states`) — prospect -> new -> active -> at risk ->
  lapsed -> won back: :func:`state_model` (estimated against true transition matrix) and
  :func:`simulate_base` under a :class:`Policy`.

Customer value (:mod:`~ecrm_lab.lifecycle.value`): :func:`customer_profitability`,
:func:`interaction_roi`, :func:`clv_comparison`, :func:`value_targeting`.

The value models work on any transaction log:

* :func:`rfm_summary` — per-customer frequency, recency, age ``T`` and mean repeat spend,
  following Fader, Hardie & Lee (same-day purchases merged, repeat purchases only);
* :class:`BGNBD` — purchase and dropout model: P(alive), expected purchases;
* :class:`GammaGamma` — spend per purchase;
* :func:`clv` / :func:`clv_analysis` — discounted customer lifetime value;
  :func:`retention_clv` — the retention-rate formula for teaching;
* :func:`frequency_fit` / :func:`holdout_check` — calibration and holdout checks.
"""

from ._common import FitAttempt
from .acquisition import (
    ACQUISITION_COSTS,
    COURSE_NAMES,
    KEYWORD_KINDS,
    PPC_STRATEGIES,
    AcquisitionChannels,
    ChannelCost,
    KeywordKind,
    PPCWhatIf,
    acquisition_channels,
    keyword_portfolio,
    landing_conversion,
    ppc_outcome,
    ppc_what_if,
)
from .bgnbd import BGNBD
from .clv import CLVAnalysis, clv, clv_analysis, expected_purchases_by_period, retention_clv
from .extension import (
    AdoptionResult,
    CrossSellResult,
    DepthResult,
    cross_sell,
    product_adoption,
    relationship_depth,
)
from .gamma_gamma import GammaGamma
from .holdout import FrequencyFit, HoldoutCheck, frequency_fit, holdout_check
from .retention import (
    COHORT_MEASURES,
    HAZARD_GROUPS,
    OFFER_TARGETS,
    CohortTable,
    HazardTable,
    RetentionCurve,
    RetentionOffer,
    churn_hazards,
    cohort_table,
    kaplan_meier,
    retention_curve,
    retention_offer,
    world_cohorts,
)
from .rfm import RFMSummary, rfm_summary
from .states import (
    STATES,
    BaseSimulation,
    Policy,
    StateModel,
    observed_states,
    policy_from_offer,
    simulate_base,
    state_model,
    transition_counts,
    true_states,
)
from .value import (
    CLVComparison,
    InteractionROI,
    Profitability,
    ValueTargeting,
    clv_comparison,
    customer_profitability,
    interaction_roi,
    observed_churn_rate,
    retention_values,
    service_cost_per_request,
    take_up_value,
    value_targeting,
)

__all__ = [
    # customer value models (any transaction log)
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
    # acquisition
    "COURSE_NAMES",
    "ChannelCost",
    "ACQUISITION_COSTS",
    "AcquisitionChannels",
    "acquisition_channels",
    "landing_conversion",
    "KEYWORD_KINDS",
    "KeywordKind",
    "keyword_portfolio",
    "ppc_outcome",
    "PPC_STRATEGIES",
    "PPCWhatIf",
    "ppc_what_if",
    # retention
    "COHORT_MEASURES",
    "CohortTable",
    "cohort_table",
    "world_cohorts",
    "kaplan_meier",
    "RetentionCurve",
    "retention_curve",
    "HAZARD_GROUPS",
    "HazardTable",
    "churn_hazards",
    "OFFER_TARGETS",
    "RetentionOffer",
    "retention_offer",
    # extension
    "AdoptionResult",
    "product_adoption",
    "DepthResult",
    "relationship_depth",
    "CrossSellResult",
    "cross_sell",
    # states
    "STATES",
    "observed_states",
    "true_states",
    "transition_counts",
    "StateModel",
    "state_model",
    "Policy",
    "policy_from_offer",
    "BaseSimulation",
    "simulate_base",
    # customer value on a world
    "service_cost_per_request",
    "Profitability",
    "customer_profitability",
    "InteractionROI",
    "interaction_roi",
    "observed_churn_rate",
    "retention_values",
    "CLVComparison",
    "clv_comparison",
    "take_up_value",
    "ValueTargeting",
    "value_targeting",
]
