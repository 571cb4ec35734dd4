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
# # 03 · The knowledge-discovery process (KDD)
#
# A warehouse full of data is not yet knowledge. **Knowledge discovery in databases** turns
# one into the other in five steps, always in this order:
#
# 1. **Selection** of the target data — the rows and columns the question needs;
# 2. **Pre-processing** — cleaning: duplicates, missing values, outliers;
# 3. **Transformation** — features: aggregates, recency / frequency / monetary value,
#    encodings, scaling;
# 4. **Data mining** — a model finds the pattern;
# 5. **Interpretation / evaluation** — is the pattern real, how good is it, what does it
#    mean for the business?
#
# The data climb a ladder on the way: **data** (rows in tables) → **information** (features
# that describe each customer) → **knowledge** (a tested statement the business can act on).
#
# This lesson carries one question through all five steps:
#
# > *When we contact a customer with an offer, will they take it up?*
#
# A bank or retailer that can answer it contacts fewer people for the same take-ups. The
# world planted the true take-up probability of every contact, so at the end we can say how
# close the discovered knowledge comes to the truth.

# %% tags=["parameters"]
domain: str = "bank"  # which synthetic business: 'bank' or 'retail'; one of 'bank', 'retail'
n_customers: int = 2000  # number of customers in the synthetic world; an int in [200, 200000]
seed: int = 42  # random seed: same seed, same data and results; an int in [0, 4294967295]

# %%
import tempfile
from pathlib import Path

from sklearn.linear_model import LogisticRegression

import ecrm_lab.lessons as lessons
from ecrm_lab import kdd, warehouse
from ecrm_lab.world import generate

lessons.setup_notebook()

# %% [markdown]
# ## The data: a warehouse
#
# We start where lesson 02 ended: the world's sources integrated into a warehouse.

# %%
world = generate(domain, n_customers=n_customers, seed=seed)
workdir = tempfile.TemporaryDirectory()
db = Path(workdir.name) / f"{domain}.duckdb"
built = warehouse.build(world, db)

# %% [markdown]
# ## Step 1 · Selection
#
# One row per **campaign contact** (the treated customers of every campaign), with what was
# known about the customer *at the time of the contact*: the customer version valid then
# (type-2 history: the value tier of that year), age and tenure on that day — and the
# outcome, `took_up`. The Selection also loads **side tables** the transformation will turn
# into features: purchases, earlier campaign responses, page views, web visits.

# %%
contacts_sql = """
SELECT k.contact_id, k.customer_id, k.contacted_at,
       c.offer, c.channel_code AS channel,
       d.gender, d.region, d.value_tier, d.has_web_account,
       (CAST(k.contacted_at AS DATE) - d.birth_date) / 365.25 AS age,
       (CAST(k.contacted_at AS DATE) - d.acquisition_date) / 365.25 AS tenure_years,
       CASE WHEN k.took_up THEN 1 ELSE 0 END AS took_up
FROM fact_campaign_contact AS k
JOIN dim_campaign AS c ON c.campaign_key = k.campaign_key
JOIN dim_customer AS d ON d.customer_key = k.customer_key
WHERE k.contact_group = 'treatment'
ORDER BY k.contact_id
"""
side_tables = {
    "purchases": "SELECT customer_id, activity_at, value FROM int_activity",
    "contacts": "SELECT customer_id, contacted_at FROM fact_campaign_contact "
    "WHERE contact_group = 'treatment'",
    "responses": "SELECT customer_id, responded_at, response_type FROM fact_campaign_response "
    "WHERE contact_group = 'treatment'",
    "views": "SELECT v.customer_id, v.viewed_at, "
    "CASE WHEN r.domain = 'bank' THEN p.product_code ELSE p.category END AS offer "
    "FROM fact_page_view AS v JOIN dim_product AS p ON p.product_key = v.product_key "
    "CROSS JOIN etl_run AS r WHERE v.customer_id IS NOT NULL",
    "web": "SELECT customer_id, started_at, n_page_views FROM fact_web_session "
    "WHERE customer_id IS NOT NULL",
}
selection = kdd.Selection(contacts_sql, tables=side_tables)

# %% [markdown]
# ## Step 2 · Pre-processing
#
# Exact duplicates are removed, rows without an outcome dropped, numeric outliers capped at
# Tukey's far-out fences, gaps filled with the median (numbers) or the most frequent value
# (categories). The fences and fill values are **learned on the training rows only** and
# then applied unchanged to the holdout: the customers we evaluate on never influence the
# cleaning (no leakage).

# %%
preprocessing = kdd.Preprocessing(outliers="iqr", iqr_factor=3.0, missing="median")

# %% [markdown]
# ## Step 3 · Transformation
#
# Every feature is computed **as of the moment of each contact** — only events *before*
# `contacted_at` count (point-in-time correctness: the model must not see the future):
#
# * recency, frequency and monetary value of purchases over the last 90 and 365 days;
# * earlier campaign history: contacts, opens, clicks and take-ups;
# * how often the customer looked at the offered product (or category) on the web;
# * web visits;
#
# then the categories are one-hot encoded and the numbers standardised (with statistics of
# the training rows).

# %%
point_in_time = {"key": "customer_id", "as_of": "contacted_at"}
transformation = kdd.Transformation(
    [
        kdd.RFMWindows(
            "purchases", date="activity_at", amount="value", windows=(90, 365), **point_in_time
        ),
        kdd.Aggregate(
            "contacts", {"earlier_contacts": ("contacted_at", "count")},
            date="contacted_at", **point_in_time,
        ),
        kdd.Aggregate(
            "responses", {"earlier_opens": ("response_type", "count")},
            date="responded_at", where="response_type == 'opened'", **point_in_time,
        ),
        kdd.Aggregate(
            "responses", {"earlier_clicks": ("response_type", "count")},
            date="responded_at", where="response_type == 'clicked'", **point_in_time,
        ),
        kdd.Aggregate(
            "responses", {"earlier_take_ups": ("response_type", "count")},
            date="responded_at", where="response_type == 'took_up'", **point_in_time,
        ),
        kdd.Aggregate(
            "views", {"views_of_offer": ("offer", "count")},
            key=["customer_id", "offer"], date="viewed_at", as_of="contacted_at",
        ),
        kdd.Aggregate(
            "web", {"web_sessions": ("n_page_views", "count")},
            date="started_at", **point_in_time,
        ),
        kdd.OneHot(),
        kdd.Scale(),
    ]
)

# %% [markdown]
# ## Step 4 · Data mining
#
# A classification task: a strongly regularised logistic regression learns P(take-up) from
# the features of the training contacts. It is fast, and its weights can be read: which
# features raise the chance of a take-up, which lower it.

# %%
mining = kdd.Mining(LogisticRegression(C=0.05, max_iter=2000))

# %% [markdown]
# ## Step 5 · Interpretation
#
# The model is scored on the **holdout** — 30 % of the *customers*, whose contacts it never
# saw — and against the **planted truth**: the true take-up probability of every contact
# (`p_treated` in the world's truth table `campaign_uplift`), which no model ever sees.

# %%
interpretation = kdd.Interpretation(truth_column="p_treated", top_fraction=0.1)
truth = world.truth["campaign_uplift"][["contact_id", "p_treated"]]

# %% [markdown]
# ## The process, and its ledger
#
# `KDDProcess` runs the five steps in order, splits training and holdout rows right after
# the selection (keeping each customer's contacts on one side), fits every learning step on
# the training rows only, and keeps a **ledger**: for each step its parameters, rows and
# columns in and out, how many training rows it learned from, what it changed, and a
# checksum of its output.

# %%
process = kdd.KDDProcess([selection, preprocessing, transformation, mining, interpretation])
result = process.run(
    db,
    target="took_up",
    id_column="contact_id",
    group_column="customer_id",
    truth=truth,
    random_state=seed,
)

# %% tags=["nbval-check-output"]
result.summary()[
    ["step", "stage", "level", "name", "rows_in", "rows_out", "columns_out", "learned_from",
     "checksum"]
]

# %%
result.plot();

# %% [markdown]
# What each step changed, on the training and the holdout rows (note the look-ahead guard:
# events after each contact were left out of its features):

# %% tags=["nbval-check-output"]
result.changes[result.changes["stage"].isin(["preprocessing", "transformation"])][
    ["stage", "part", "action", "column", "n"]
].head(16)

# %% [markdown]
# ## From information to knowledge
#
# The evaluation on the holdout, and against the truth:

# %% tags=["nbval-check-output"]
result.evaluation.summary()[["metric", "value", "against"]].round(4)

# %% [markdown]
# Take-up is rare (about one contact in a hundred), so the holdout holds fewer than twenty
# takers and the AUC is uncertain — the bootstrap interval says how much. The comparison
# with the truth is steadier: it uses every holdout contact, and the *oracle* AUC — what
# knowing each contact's true probability would achieve on the same contacts — is the
# ceiling no model can pass.
#
# The same in words — the findings of the interpretation step:

# %% tags=["nbval-check-output"]
for finding in result.findings:
    print("•", finding)

# %% [markdown]
# The cumulative gains chart: contacting customers in the order of the model's score
# reaches the takers faster than contacting at random; the dashed line is the ceiling — the
# order of the *true* probabilities.

# %%
result.evaluation.plot();

# %% [markdown]
# In campaign terms — how many take-ups per thousand contacts, contacting the top 10 % by
# the model, by the truth, or at random:

# %% tags=["nbval-check-output"]
scored = result.evaluation.scored
top = max(1, round(0.1 * len(scored)))
{
    "random": round(1000 * float(scored["took_up"].mean()), 1),
    "model top 10 %": round(1000 * float(scored.nlargest(top, "score")["took_up"].mean()), 1),
    "truth top 10 %": round(1000 * float(scored.nlargest(top, "truth")["took_up"].mean()), 1),
}

# %% [markdown]
# ## Reproducible, and no leakage
#
# The same inputs reproduce the same ledger — every checksum equal (only the timings
# differ):

# %% tags=["nbval-check-output"]
again = process.run(
    db, target="took_up", id_column="contact_id", group_column="customer_id",
    truth=truth, random_state=seed,
)
same = again.fingerprint == result.fingerprint
same

# %% [markdown]
# And what the pre-processing learned came from the training rows alone — for example the
# capping fences and fill values it applies to every row:

# %% tags=["nbval-check-output"]
cleaning = result.step("preprocessing")
{"fences": {k: tuple(round(v, 2) for v in b) for k, b in cleaning.bounds_.items()},
 "fill values": {k: (round(v, 2) if isinstance(v, float) else v)
                 for k, v in cleaning.fill_values_.items()}}

# %% [markdown]
# ## Summary
#
# * **Selection** chose one row per contact, with the customer as they were then.
# * **Pre-processing** and **transformation** turned data into information — features
#   computed only from the past of each contact, with statistics from the training rows.
# * **Mining** found a pattern; **interpretation** tested it on customers the model never saw
#   and against the planted truth, and stated it as knowledge: how much better than random
#   the targeting is, and how far from the best possible.
# * The ledger makes the whole process auditable and reproducible.

# %%
workdir.cleanup()

# %%
lessons.run_record(domain=domain, n_customers=n_customers, seed=seed)
