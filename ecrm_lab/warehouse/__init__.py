"""The data warehouse of analytical CRM: staging, integration, star schema and marts in DuckDB.

:func:`build` turns a synthetic world into an on-disk DuckDB database:

- **staging** (``stg_*``): every source as delivered, including the raw CRM, web and billing
  extracts with their conflicting keys, formats and planted faults;
- **integration** (``int_*``): de-duplication, code harmonisation, format repair, identity
  resolution of web visitors, e-mail addresses and customer records — each step's changes in
  ``etl_integration_report``;
- **star schema**: ``dim_customer`` (type-2 history), ``dim_product``, ``dim_date``,
  ``dim_channel``, ``dim_campaign`` and the ``fact_*`` tables;
- **marts**: ``mart_customer_360``, ``mart_clickstream``, ``mart_campaign``.

Read it with :class:`Warehouse` / :func:`query`, analyse it with the OLAP helpers
(:func:`rollup`, :func:`cube`, :func:`drill_down`, :func:`slice`, :func:`dice`), document it
with :func:`schema_reference`.

Examples
--------
>>> from ecrm_lab.world import generate                     # doctest: +SKIP
>>> from ecrm_lab import warehouse                          # doctest: +SKIP
>>> result = warehouse.build(generate("bank", 1000, 1), "bank.duckdb")   # doctest: +SKIP
>>> warehouse.customer_360("bank.duckdb").shape[0]          # doctest: +SKIP
1000
"""

from ._source import REQUIRED_TABLES
from .build import WarehouseBuild, build
from .db import LAYERS, Warehouse, layer_of, open_warehouse, query, table_catalogue
from .marts import campaign_mart, clickstream_mart, customer_360
from .olap import FUNCTIONS, cube, dice, drill_down, olap_sql, rollup, slice
from .schema_doc import schema_reference, write_reference_docs, write_schema_reference

__all__ = [
    "REQUIRED_TABLES",
    "LAYERS",
    "FUNCTIONS",
    "build",
    "WarehouseBuild",
    "Warehouse",
    "open_warehouse",
    "query",
    "table_catalogue",
    "layer_of",
    "customer_360",
    "clickstream_mart",
    "campaign_mart",
    "rollup",
    "cube",
    "drill_down",
    "slice",
    "dice",
    "olap_sql",
    "schema_reference",
    "write_schema_reference",
    "write_reference_docs",
]
