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
# # Exercise 04 · Segmentation: RFM scores and k-means clusters
#
# Not every customer deserves the same message. Two classic ways to split a customer base:
#
# * **RFM** — score each customer 1–5 on **r**ecency (days since the last purchase),
#   **f**requency (number of purchases) and **m**onetary value (total spent), and name the
#   segments from the scores (champions, loyal, at risk, can't lose, hibernating, ...);
# * **cluster analysis** — let k-means find groups of similar customers, choosing the number
#   of groups by the silhouette score.
#
# The synthetic retailer knows each customer's *true* segment (it generated their behaviour
# from it), so you can also measure how much of that structure each method recovers.
#
# Your data come from a seed derived from your student id. The check cells show at once
# whether the form of each answer is right; more checks run when your notebook is graded.

# %% tags=["parameters"]
student_id: str = "demo"  # whose copy this is; the seed is derived from it
seed: int = 1965174166  # random seed of this student's data (set from student_id, do not edit)
domain: str = "retail"  # which synthetic business: 'bank' or 'retail'
n_customers: int = 1000  # number of customers in the synthetic world

# %%
import pandas as pd

import ecrm_lab.lessons as lessons
from ecrm_lab.grading import (
    between,
    check,
    close_to,
    equals,
    frame_close,
    has_columns,
    is_kind,
    overlaps,
)
from ecrm_lab.mining import adjusted_rand, kmeans_segments, rfm
from ecrm_lab.world import generate

w = generate(domain, n_customers=n_customers, seed=seed)
orders = w["orders"]
as_of = pd.Timestamp(w.meta["end"])  # the day after the last possible order
orders.head(3)

# %% [markdown]
# ## 1 · RFM scores and segments
#
# Score the customers with
# `rfm(orders, customer="customer_id", date="order_date", amount="order_value", as_of=as_of)`
# and store the result in `rfm_result`. Store the number of customers scored in `n_scored`,
# and the segment sizes as the DataFrame `segment_sizes` with the columns `segment` and
# `n_customers` (one row per segment; `rfm_result.summary()` has them).

# %% nbgrader={"grade": false, "grade_id": "q1_rfm", "locked": false, "schema_version": 3, "solution": true, "task": false}
# rfm_result: RFMResult; n_scored: int; segment_sizes: DataFrame(segment, n_customers)
### BEGIN SOLUTION
rfm_result = rfm(
    orders, customer="customer_id", date="order_date", amount="order_value", as_of=as_of
)
n_scored = len(rfm_result.table)
segment_sizes = rfm_result.summary()[["segment", "n_customers"]]
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q1_check", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
check("segment_sizes", has_columns("segment", "n_customers"), points=1)
### BEGIN HIDDEN TESTS
check("n_scored", equals(), points=1)
check("segment_sizes", frame_close(key="segment", abs=0.5), points=2)
### END HIDDEN TESTS

# %%
rfm_result.summary().round(2)

# %% [markdown]
# ## 2 · Where the revenue comes from
#
# What share of the total revenue (the sum of `monetary` over all scored customers) comes
# from the `champions` segment? Store it in `champions_revenue_share`. Compare it with the
# share of customers who are champions.

# %% nbgrader={"grade": false, "grade_id": "q2_revenue", "locked": false, "schema_version": 3, "solution": true, "task": false}
# champions_revenue_share: float
### BEGIN SOLUTION
scored = rfm_result.table
champions_revenue_share = float(
    scored.loc[scored["segment"] == "champions", "monetary"].sum() / scored["monetary"].sum()
)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q2_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
check("champions_revenue_share", between(0.0, 1.0), points=1)
### BEGIN HIDDEN TESTS
check("champions_revenue_share", close_to(abs=0.01), points=2)
### END HIDDEN TESTS

# %% [markdown]
# ## 3 · Customers the retailer cannot lose
#
# The `cant_lose` segment holds customers who used to buy often and spend a lot but have not
# bought for a long time — the first list for a win-back campaign. Store their customer ids
# as a list in `win_back_list`.

# %% nbgrader={"grade": false, "grade_id": "q3_winback", "locked": false, "schema_version": 3, "solution": true, "task": false}
# win_back_list: list of customer ids
### BEGIN SOLUTION
win_back_list = scored.loc[scored["segment"] == "cant_lose", "customer"].astype(int).tolist()
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q3_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
check("win_back_list", is_kind("list"), points=1)
### BEGIN HIDDEN TESTS
check("win_back_list", overlaps(at_least=0.95), points=2)
### END HIDDEN TESTS

# %% [markdown]
# ## 4 · k-means on the same three numbers
#
# Cluster the customers on `recency_days`, `frequency` and `monetary` (the columns of
# `rfm_result.table`, with `customer` as the id) with
# `kmeans_segments(features, id_col="customer", random_state=0)`, which tries k = 2 … 8 and
# keeps the k with the best silhouette. Store the chosen number of clusters in `best_k`.
#
# Then measure how well each labelling recovers the customers' *true* segments
# (`w.truth["customer_traits"]`, column `segment`) with the adjusted Rand index
# (`adjusted_rand(labels, true_labels)["adjusted_rand"]`; 1 = the same partition, 0 = no
# better than chance): store it in `ari_kmeans` for the k-means clusters and in `ari_rfm` for
# the RFM segments.

# %% nbgrader={"grade": false, "grade_id": "q4_kmeans", "locked": false, "schema_version": 3, "solution": true, "task": false}
# clusters: SegmentationResult; best_k: int; ari_kmeans: float; ari_rfm: float
### BEGIN SOLUTION
features = scored[["customer", "recency_days", "frequency", "monetary"]]
clusters = kmeans_segments(features, id_col="customer", random_state=0)
best_k = int(clusters.k)
true_segment = w.truth["customer_traits"].set_index("customer_id")["segment"]
ari_kmeans = adjusted_rand(clusters.labels, pd.Series(clusters.ids).map(true_segment))[
    "adjusted_rand"
]
ari_rfm = adjusted_rand(scored["segment"], scored["customer"].map(true_segment))["adjusted_rand"]
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q4_check", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
check("best_k", is_kind("integer"), points=1)
check("ari_kmeans", between(-1.0, 1.0), points=1)
### BEGIN HIDDEN TESTS
check("best_k", equals(), points=1)
check("ari_kmeans", close_to(abs=0.03), points=1)
check("ari_rfm", close_to(abs=0.03), points=2)
### END HIDDEN TESTS

# %% [markdown]
# Neither method sees the true segments: they see behaviour, which the segments only shape
# on average. The profiles of the clusters show what k-means found.

# %%
clusters.summary().round(2)

# %%
lessons.run_record(student_id=student_id, seed=seed, domain=domain, n_customers=n_customers)
