"""The synthetic eCRM world: one latent model of each customer drives every data source.

>>> from ecrm_lab.world import generate
>>> w = generate("bank", n_customers=300, seed=1, months=6)
>>> sorted(w.truth)[:2]
['campaign_uplift', 'customer_traits']
"""

from . import behaviour, catalogue
from ._context import BLOCK_SIZE, WorldContext
from .schema import SCHEMAS, Column, TableSchema, register, validate_table
from .traits import draw_traits

__all__ = [
    "BLOCK_SIZE",
    "Column",
    "SCHEMAS",
    "TableSchema",
    "WorldContext",
    "behaviour",
    "catalogue",
    "draw_traits",
    "register",
    "validate_table",
]
