"""The synthetic eCRM world: one latent model of each customer drives every data source.

``generate(domain, n_customers, seed, start, months)`` builds a bank or retail business: the
latent traits of every customer (kept as ground truth), then customers, products, holdings and
transactions or orders, campaigns, web click-stream, service requests, the sales funnel,
lifecycle events and raw multi-source extracts. The truth (segments, planted rules, sequences
and anomalies, true uplift, churn dates and customer value) is kept beside the observed tables
so that every mined pattern can be scored against what was really planted.

>>> from ecrm_lab.world import generate
>>> w = generate("bank", n_customers=300, seed=1, months=6)
>>> "customer_traits" in w.truth and "transactions" in w.tables
True
"""

from . import behaviour, catalogue, describe
from ._context import BLOCK_SIZE, WorldContext
from .generate import GENERATE_PARAMS, SOURCE_MODULES, generate
from .schema import SCHEMAS, Column, TableSchema, data_dictionary, register, validate_table
from .traits import draw_traits
from .world import FORMATS, SCHEMA_VERSION, World, load_world

__all__ = [
    "BLOCK_SIZE",
    "Column",
    "FORMATS",
    "GENERATE_PARAMS",
    "SCHEMAS",
    "SCHEMA_VERSION",
    "SOURCE_MODULES",
    "TableSchema",
    "World",
    "WorldContext",
    "behaviour",
    "catalogue",
    "describe",
    "data_dictionary",
    "draw_traits",
    "generate",
    "load_world",
    "register",
    "validate_table",
]
