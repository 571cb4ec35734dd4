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
# # 07 · Segmentation: groups of customers to treat alike
#
# **Segmentation** splits the customer base into groups that are alike inside and different
# from each other, so that each group gets its own offer, channel and service level. Two
# classic ways:
#
# * **RFM** — rule-based: score every customer 1–5 on **R**ecency (days since the last
#   purchase), **F**requency (number of purchases) and **M**onetary value (total spend), and
#   name the cells of the R × F grid (champions, loyal, at risk, hibernating, …). Simple,
#   explainable, directly actionable.
# * **Cluster analysis (k-means)** — data-driven: put customers with similar features in the
#   same cluster; the number of clusters *k* is chosen by the **silhouette** score (how much
#   closer each customer is to its own cluster than to the next one, from −1 to 1).
#
# The world planted every customer's true segment, so we can measure with the **adjusted
# Rand index** (ARI: 0 = chance agreement, 1 = identical partitions) how much of it each
# method recovers.

# %% tags=["parameters"]
domain: str = "bank"  # which synthetic business: 'bank' or 'retail'; one of 'bank', 'retail'
n_customers: int = 2000  # number of customers in the synthetic world; an int in [200, 200000]
seed: int = 42  # random seed: same seed, same data and results; an int in [0, 4294967295]

# %%
import pandas as pd

import ecrm_lab.lessons as lessons
from ecrm_lab.engines.world_data import customer_view
from ecrm_lab.mining import kmeans_segments, rfm
from ecrm_lab.world import generate

lessons.setup_notebook()

# %% [markdown]
# ## RFM from the purchase log
#
# Bank: every payment out of a customer's accounts is a "purchase"; retail: every order.

# %%
world = generate(domain, n_customers=n_customers, seed=seed)
tables = world.tables
if domain == "bank":
    purchases = (tables["transactions"].query("amount < 0")
                 .assign(date=lambda d: d["timestamp"], value=lambda d: -d["amount"]))
else:
    purchases = tables["orders"].assign(date=lambda d: d["order_date"],
                                        value=lambda d: d["order_value"])
segments_rfm = rfm(purchases, customer="customer_id", date="date", amount="value")
segments_rfm

# %% tags=["nbval-check-output"]
segments_rfm.summary().round(2)

# %%
segments_rfm.plot(kind="grid");

# %% [markdown]
# Each named segment comes with an action — this is what makes RFM popular with marketing:

# %% tags=["nbval-check-output"]
actions = {
    "champions": "reward; early access; ask for referrals and reviews",
    "loyal": "up-sell higher-value products; loyalty programme",
    "potential_loyalist": "membership or loyalty offer; recommend related products",
    "new": "onboarding journey; first-month support",
    "promising": "build the relationship: brand content, free trials",
    "need_attention": "limited-time personalised offer",
    "about_to_sleep": "reactivate with a relevant offer before they drift off",
    "at_risk": "win-back campaign; personal contact; find out what went wrong",
    "cant_lose": "call them: high value, fading — win back at almost any cost",
    "hibernating": "low-cost reactivation only; otherwise let go",
}
(segments_rfm.summary()[["segment", "n_customers"]]
 .assign(action=lambda t: t["segment"].map(actions)))

# %% [markdown]
# ## k-means on behaviour
#
# The clustering uses a few behavioural features of the customer 360 view (the view has
# dozens of columns; most are noise for segmentation and would drown the structure).

# %%
features = {
    "bank": ["age", "online_share", "income_90d", "deposits", "debt"],
    "retail": ["age", "n_orders", "spend_total", "avg_order_value", "online_share",
               "promo_share", "holds_baby"],
}[domain]
view = customer_view(world).reset_index()
clusters = kmeans_segments(view, id_col="customer_id", features=features, random_state=seed)
clusters

# %% tags=["nbval-check-output"]
clusters.scores.round(4)

# %%
clusters.plot(kind="silhouette");

# %% [markdown]
# The **profiles**: size and the average of every feature per cluster — this is where the
# analyst gives each cluster a name.

# %% tags=["nbval-check-output"]
clusters.profiles.round(2)

# %%
clusters.plot(kind="profiles");

# %% [markdown]
# ## Interpretation: against the planted truth
#
# The world knows each customer's true segment (for example a bank's *retired*,
# *young_digital*, *affluent* …). ARI of the RFM segments, of k-means with the
# silhouette's k, and of k-means forced to the true number of segments:

# %%
traits = world.truth["customer_traits"].set_index("customer_id")
true_segment = traits["segment"]
clusters_k = kmeans_segments(view, id_col="customer_id", features=features,
                             k=true_segment.nunique(), random_state=seed)

# %% tags=["nbval-check-output"]
pd.DataFrame({
    "segments": [segments_rfm.table["segment"].nunique(), clusters.k, clusters_k.k],
    "adjusted Rand index": [segments_rfm.adjusted_rand(true_segment)["adjusted_rand"],
                            clusters.adjusted_rand(true_segment)["adjusted_rand"],
                            clusters_k.adjusted_rand(true_segment)["adjusted_rand"]],
}, index=["RFM", "k-means, k by silhouette", "k-means, k = true number"]).round(4)

# %% [markdown]
# Which true segments end up in which cluster (share of each cluster):

# %% tags=["nbval-check-output"]
pd.crosstab(clusters_k.labels, true_segment.loc[clusters_k.ids].to_numpy(),
            normalize="index", rownames=["cluster"], colnames=["true segment"]).round(2)

# %% [markdown]
# RFM does not try to find the planted personas — it ranks *engagement*. Its test is whether
# the names mean what they say: do "champions" have a high true value and "hibernating"
# customers a high true churn?

# %% tags=["nbval-check-output"]
churned = world.truth["true_churn"].set_index("customer_id")["churned"]
(segments_rfm.table.set_index("customer")[["segment"]]
 .assign(true_value=traits["true_value"], churned=churned)
 .groupby("segment").agg(customers=("true_value", "size"),
                         mean_true_value=("true_value", "mean"),
                         churn_rate=("churned", "mean"))
 .sort_values("mean_true_value", ascending=False).round(3))

# %% [markdown]
# **Reading.** The planted segments are only partly visible in behaviour: k-means forced to
# the true number of segments reaches an ARI clearly above 0 (chance) but far from 1, and
# the silhouette's choice of k follows the *geometry* of the features, not the business
# meaning — it need not equal the number of true segments, and need not recover them as
# well (compare the two k-means rows in the table above). RFM agrees with the personas
# even less, by design. Its names carry some meaning, but not all the names suggest: on the
# default bank world *hibernating*, *at risk* and *can't lose* customers do churn far more
# than *champions*, who rarely churn — yet champions are not the most valuable
# segment; the high-spending *can't lose*, *loyal* and even *at risk* customers are worth
# more (spend is not profit). Compare true value and true churn across its segments above.
#
# What the business would do: run the RFM actions (reward champions, win back *at risk* and
# *can't lose* customers, reactivate cheaply or let go the hibernating), and use the k-means
# profiles to design offers and channels per cluster (e.g. digital-first service for the
# online cluster) — checking segment by segment with a test campaign that the difference in
# treatment pays.

# %%
lessons.run_record(domain=domain, n_customers=n_customers, seed=seed)
