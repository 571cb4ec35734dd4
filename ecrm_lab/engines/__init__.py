"""The engines of eCRM: which message, which offer, through which channel — with permission.

* **Personalization engine** (:mod:`~ecrm_lab.engines.personalization`): rule-based offers,
  item-item collaborative filtering, model-based next-best-product, a popularity baseline and a
  hybrid, behind one interface (``fit`` then ``recommend``); :func:`evaluate_offers` scores
  them on held-out take-up.
* **Broadcast engine** (:mod:`~ecrm_lab.engines.broadcast`): channel per customer, multi-channel
  reach, frequency capping.
* **Transaction engine and permission marketing** (:mod:`~ecrm_lab.engines.permission`,
  :mod:`~ecrm_lab.engines.transaction`, :mod:`~ecrm_lab.engines.email_lists`): consent per
  channel with its opt-in / opt-out history, the message gate that never lets a message through
  without consent, the contact history, and e-mail list quality.
* **Web self-service** (:mod:`~ecrm_lab.engines.self_service`): what a logged-in customer sees.
* **From one-to-many to one-to-one** (:mod:`~ecrm_lab.engines.mailing`): a mass mailing against
  personalised offers, valued with the world's behaviour model.
* **The world adapter** (:mod:`~ecrm_lab.engines.world_data`): the customer view, holdings and
  held-out take-up of a synthetic world at a cut-off date.
"""

from ._common import CONTACT_CHANNELS, InteractionMatrix, interaction_matrix, top_k
from .broadcast import (
    CapResult,
    ChannelPlan,
    ReachResult,
    broadcast_messages,
    channel_reach,
    choose_channel,
    frequency_cap,
)
from .email_lists import EmailQuality, email_list_quality
from .mailing import (
    MailingComparison,
    compare_mailings,
    contact_values,
    mass_mailing,
    offer_margin,
    oracle_mailing,
    personalised_mailing,
)
from .permission import CONSENT_ACTIONS, ConsentLedger, GateResult, gate_messages
from .personalization import (
    AffinityOracle,
    HybridRanker,
    ItemItemCF,
    OfferEngine,
    OfferEvaluation,
    Offers,
    PopularityRecommender,
    PropensityRecommender,
    Rule,
    RuleEngine,
    ValueWeighted,
    evaluate_offers,
)
from .self_service import FAQ, FAQ_ENTRIES, SelfServicePage, rank_faq, self_service_page
from .transaction import SendReport, TransactionEngine
from .world_data import (
    HOLDING_AGGREGATES,
    EngineComparison,
    OfferData,
    addressable,
    compare_engines,
    consent_ledger,
    contact_profile,
    customer_view,
    default_engines,
    default_rules,
    email_bounces,
    heldout_matrix,
    mailing_plans,
    offer_data,
    offer_values,
    owned_matrix,
    recent_visitors,
    session_customers,
    warehouse_view,
)

__all__ = [
    # shared
    "CONTACT_CHANNELS",
    "InteractionMatrix",
    "interaction_matrix",
    "top_k",
    # personalization
    "Offers",
    "OfferEngine",
    "Rule",
    "RuleEngine",
    "PopularityRecommender",
    "ItemItemCF",
    "PropensityRecommender",
    "AffinityOracle",
    "HybridRanker",
    "ValueWeighted",
    "OfferEvaluation",
    "evaluate_offers",
    # broadcast
    "ChannelPlan",
    "choose_channel",
    "ReachResult",
    "channel_reach",
    "CapResult",
    "frequency_cap",
    "broadcast_messages",
    # permission and transactions
    "CONSENT_ACTIONS",
    "ConsentLedger",
    "GateResult",
    "gate_messages",
    "SendReport",
    "TransactionEngine",
    "EmailQuality",
    "email_list_quality",
    # one-to-many against one-to-one
    "offer_margin",
    "mass_mailing",
    "personalised_mailing",
    "contact_values",
    "oracle_mailing",
    "MailingComparison",
    "compare_mailings",
    # self-service
    "FAQ",
    "FAQ_ENTRIES",
    "SelfServicePage",
    "rank_faq",
    "self_service_page",
    # the synthetic world's data for the engines
    "OfferData",
    "offer_data",
    "customer_view",
    "owned_matrix",
    "heldout_matrix",
    "session_customers",
    "recent_visitors",
    "consent_ledger",
    "email_bounces",
    "contact_profile",
    "addressable",
    "offer_values",
    "default_rules",
    "default_engines",
    "HOLDING_AGGREGATES",
    "EngineComparison",
    "compare_engines",
    "mailing_plans",
    "warehouse_view",
]
