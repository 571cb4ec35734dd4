# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 · The data warehouse of analytical CRM
#
# Analytical CRM answers *why* customers behave as they do — and it can only do so from one
# consistent store of everything the business knows about them. That store is the **data
# warehouse**. The course material gives four reasons for it:
#
# 1. **Integration of many sources.** The web shop, e-mail, the call centre, branches or
#    stores, orders and billing each keep their own records, with their own keys and codes.
#    The warehouse brings them together and makes them agree.
# 2. **Click-stream storage.** Web sessions and page views arrive in huge numbers; the
#    warehouse keeps them, linked to the customers behind them.
# 3. **Campaign support.** Selecting whom to contact, recording contacts and responses, and
#    measuring what each campaign returned.
# 4. **Real-time personalisation.** The signals of a visit (high intent, distress) and the
#    customer's whole history available at the moment of contact.
#
# Analytics then combine **data mining** (the next lessons) with **OLAP** — slicing the
# warehouse's facts by its dimensions. This lesson builds a real warehouse (an on-disk
# [DuckDB](https://duckdb.org) database) from the synthetic world, layer by layer:
# **staging → integration → star schema → marts**.

# %% tags=["parameters"]
domain: str = "bank"  # which synthetic business: 'bank' or 'retail'; one of 'bank', 'retail'
n_customers: int = 2000  # number of customers in the synthetic world; an int in [200, 200000]
seed: int = 42  # random seed: same seed, same data and results; an int in [0, 4294967295]

# %%
import tempfile
from pathlib import Path

import ecrm_lab.lessons as lessons
from ecrm_lab import warehouse
from ecrm_lab.plotting.warehouse import plot_star_schema
from ecrm_lab.warehouse import cube, dice, drill_down, rollup, slice
from ecrm_lab.world import generate

lessons.setup_notebook()

# %% [markdown]
# ## The sources, as they are delivered
#
# The world has a customer master and the event sources of the business — and, as in every
# real company, **raw extracts of the same customers from several systems**: the CRM, the web
# shop / online bank and billing. They disagree on keys (`C0000123`, `wu-3f9a…`, a billing
# number), on formats (ISO dates, `DD/MM/YYYY`, `YYYYMMDD`) and on codes (`F`/`female`, region
# names or letters), and they carry faults: duplicate loads, the same person registered
# twice, missing values, stray capitals and blanks, outliers.

# %%
world = generate(domain, n_customers=n_customers, seed=seed)

# %% tags=["nbval-check-output"]
world["raw_crm_customers"].head(4)

# %%
world["raw_web_customers"].head(4)

# %%
world["raw_billing_customers"].head(4)

# %% [markdown]
# ## Building the warehouse
#
# `warehouse.build` loads every source into a **staging** table exactly as delivered, then
# runs plain SQL files (numbered, in `ecrm_lab/warehouse/sql/`) for the **integration**, the
# **star schema** and the **marts**. The database is written to a temporary file and renamed
# into place only when the build succeeded, so a failed build never leaves half a warehouse.
# The same from the command line: `ecrm-lab warehouse build --world DIR --db FILE`.

# %%
workdir = tempfile.TemporaryDirectory()
db = Path(workdir.name) / f"{domain}.duckdb"
built = warehouse.build(world, db)

# %% tags=["nbval-check-output"]
built.summary().groupby("layer", sort=False).agg(
    tables=("table", "size"), rows=("rows", "sum")
)

# %% [markdown]
# ## The star schema
#
# The heart of the warehouse is a **star schema**: *facts* — events with their measures
# (transactions or order lines, web sessions and page views, campaign contacts and responses,
# service requests, sales opportunities, lifecycle events) — keyed to *dimensions* that say
# who (customer), what (product), when (date), through which channel and in which campaign.
# Every question "how much / how many, by …" becomes a join of one fact with its dimensions.

# %%
plot_star_schema(db);

# %% [markdown]
# ## Integration: making the sources agree
#
# Each integration step reports how many rows or values it changed. Because the world
# planted the faults itself (truth table `data_quality_faults`), we can check the cleaning:
# de-duplication, code harmonisation, format repair, case and blanks, outliers, missing
# values — found exactly as often as they were planted.

# %% tags=["nbval-check-output"]
truth = world.truth["data_quality_faults"].rename(
    columns={"table": "source_table", "column": "column_name", "count": "planted"}
)
truth["source_table"] = truth["source_table"].astype(str)
truth["fault"] = truth["fault"].astype(str)
check = truth[["source_table", "fault", "column_name", "planted"]].merge(
    built.integration[["source_table", "fault", "column_name", "stage", "rows_changed"]],
    on=["source_table", "fault", "column_name"],
    how="left",
)
check.head(12)

# %% tags=["nbval-check-output"]
bool((check["planted"] == check["rows_changed"]).all())

# %% [markdown]
# ### Identity resolution
#
# The same person appears under a CRM key, a web account, a billing number and — on the web
# — under the cookie of each device. The warehouse links them: the CRM number printed in the
# web account at onboarding, a unique match of e-mail address and first name, the customer
# number on a billing record; a cookie belongs to the customer who logged in with it or who
# arrived with it from a campaign e-mail. Every anonymous visit of that device is then
# theirs too (**cookie stitching**).

# %% tags=["nbval-check-output"]
identity = warehouse.query(
    db,
    "SELECT system, method, COUNT(*) AS keys FROM int_identity "
    "GROUP BY system, method ORDER BY system, keys DESC",
)
identity

# %% [markdown]
# How good is it? The world knows the true owner of every key (truth `identity_map`):

# %% tags=["nbval-check-output"]
linked = warehouse.query(db, "SELECT system, key, customer_id AS linked_to FROM int_identity")
true_owner = world.truth["identity_map"].astype({"system": str})
scored = linked.merge(true_owner, on=["system", "key"], how="left")
scored.assign(correct=scored["linked_to"] == scored["customer_id"]).groupby("system").agg(
    linked=("key", "size"), precision=("correct", "mean")
).join(true_owner.groupby("system").size().rename("true_keys")).assign(
    recall=lambda t: (t["linked"] / t["true_keys"]).round(3)
)

# %% [markdown]
# Click-stream sessions identified this way — most visits are anonymous until a login or a
# campaign click reveals the visitor:

# %% tags=["nbval-check-output"]
warehouse.query(
    db,
    "SELECT identified_by, COUNT(*) AS sessions, "
    "ROUND(AVG(n_page_views), 2) AS avg_page_views "
    "FROM fact_web_session GROUP BY identified_by ORDER BY sessions DESC",
)

# %% [markdown]
# ### History: a slowly changing customer dimension
#
# Customers change: their value tier moves from year to year, they leave and some come back.
# `dim_customer` keeps **every version** (type-2 history): a new surrogate `customer_key`
# each time a tracked attribute changes, valid from one date to the next. Facts carry the
# key of the version valid *when the event happened*, so last year's transactions stay with
# last year's tier.

# %% tags=["nbval-check-output"]
warehouse.query(
    db,
    "SELECT customer_id, customer_key, version, value_tier, status, valid_from, valid_to "
    "FROM dim_customer WHERE customer_id = ("
    "  SELECT customer_id FROM dim_customer GROUP BY customer_id "
    "  ORDER BY COUNT(*) DESC, customer_id LIMIT 1) "
    "ORDER BY valid_from",
)

# %% [markdown]
# ## The customer 360° view
#
# The first engine of eCRM: everything known about a customer in one row — profile and
# consent (permission marketing), holdings, recency / frequency / monetary value, value,
# channel mix, service history and campaign history.

# %%
c360 = warehouse.customer_360(db)

# %% tags=["nbval-check-output"]
example = c360.sort_values(["n_service_requests", "customer_id"], ascending=[False, True]).iloc[0]
example[
    [
        "customer_id", "age", "region", "value_tier", "status", "consent_email", "n_holdings",
        "holdings", "recency_days", "frequency_12m", "monetary_12m", "margin_12m",
        "top_purchase_channel", "n_web_sessions", "n_service_requests", "n_complaints",
        "avg_satisfaction", "n_campaign_contacts", "n_campaign_take_ups",
    ]
].to_frame("value")

# %% [markdown]
# A first look across customers: value and the channels they use, by observed value tier.

# %% tags=["nbval-check-output"]
c360.groupby("value_tier").agg(
    customers=("customer_id", "size"),
    margin_12m=("margin_12m", "mean"),
    digital_purchase_share=("digital_purchase_share", "mean"),
    service_requests=("n_service_requests", "mean"),
).round(3)

# %% [markdown]
# ## OLAP on the click-stream
#
# OLAP looks at a measure along the dimensions of a fact. **Roll-up** aggregates from detail
# to totals (`GROUP BY ROLLUP`), **drill-down** goes the other way along a hierarchy,
# **slice** fixes one dimension to one value, **dice** keeps a sub-cube, a **cube** computes
# every combination of sub-totals (`GROUP BY CUBE`).

# %% tags=["nbval-check-output"]
visits = {
    "sessions": ("count", "*"),
    "checkouts": ("sum", "reached_checkout"),
    "conversions": ("sum", "converted_within_7d"),
}
rollup(db, "mart_clickstream", ["device", "landing_page"], visits).head(10)

# %% [markdown]
# Drill down along the calendar: the years first, then the months of the first year.

# %% tags=["nbval-check-output"]
drill_down(db, "mart_clickstream", ["year", "month"], visits)

# %% tags=["nbval-check-output"]
first_year = int(world.meta["start"][:4])
drill_down(db, "mart_clickstream", ["year", "month"], visits, path=(first_year,))

# %% [markdown]
# Slice the click-stream to one referrer, and dice it to the visits of identified customers
# on phones and tablets:

# %% tags=["nbval-check-output"]
slice(db, "mart_clickstream", ["landing_page"], visits, at={"referrer": "email"})

# %% tags=["nbval-check-output"]
dice(
    db,
    "mart_clickstream",
    ["device", "identified_by"],
    visits,
    where={"device": ["mobile", "tablet"], "identified_by": ["login", "cookie_stitching"]},
)

# %% [markdown]
# ## OLAP on campaigns
#
# The campaign mart holds one row per campaign: contacts and a random control group, take-up
# with and without contact (the **uplift**), cost per thousand contacts (CPM), per click, per
# acquisition and per incremental take-up, and the return on investment.

# %% tags=["nbval-check-output"]
warehouse.campaign_mart(db)[
    [
        "campaign_code", "offer", "channel", "contacts", "take_up_rate", "control_take_up_rate",
        "uplift", "cost", "cost_per_thousand", "cost_per_acquisition", "roi",
    ]
].round(4)

# %% [markdown]
# A cube of the contacts by channel and year — every sub-total at once:

# %% tags=["nbval-check-output"]
cube(
    db,
    "mart_campaign",
    ["channel", "year"],
    {"contacts": ("sum", "contacts"), "take_ups": ("sum", "take_ups"), "cost": ("sum", "cost")},
).round(2)

# %% [markdown]
# ## Real-time personalisation
#
# The click-stream mart turns every visit into signals a web site can act on while the
# visitor is still there: **high intent** (many product pages, the checkout reached) →
# offer a chat with an adviser; **distress** (repeated help pages, a return within two days)
# → offer a callback. The world knows the true intent of every visit, so we can see how well
# these simple rules pick them out:

# %% tags=["nbval-check-output"]
clicks = warehouse.clickstream_mart(db).merge(
    world.truth["web_session_truth"][["session_id", "intent"]], on="session_id"
)
clicks.groupby("intent", observed=True).agg(
    sessions=("session_id", "size"),
    high_intent_signal=("high_intent_signal", "mean"),
    distress_signal=("distress_signal", "mean"),
).round(3)

# %% [markdown]
# ## Summary
#
# * The warehouse integrates many sources: staging keeps them as delivered; integration
#   removes duplicates, harmonises codes and formats and resolves identities — and the
#   changes match the faults the world planted.
# * The star schema (facts + dimensions, with type-2 customer history) stores transactions,
#   the click-stream, campaigns, service and sales in one consistent model.
# * The marts serve the engines of eCRM: the customer 360° view, click-stream analysis and
#   campaign support, with OLAP roll-up, drill-down, slice, dice and cube.
# * Next: the knowledge-discovery process that turns this data into knowledge (lesson 03).

# %%
workdir.cleanup()

# %%
lessons.run_record(domain=domain, n_customers=n_customers, seed=seed)
