# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 · A synthetic enterprise with planted ground truth
#
# Every later lesson works on data of a business: a **bank** or a **retailer**. Real customer
# data is private, and even when we have it we never know the *answer*: which customers really
# belong together, who would have bought without the mailing, which transactions were fraud.
#
# So `ecrm_lab.world` builds a synthetic enterprise in which every customer is first given a
# **latent profile** (their *traits*), and every data source — the customer master, holdings
# and transactions or orders, campaigns, the web click-stream, service requests, the sales
# funnel, lifecycle events and the raw extracts of several source systems — is generated
# *from those traits*. The traits, and everything else that was planted, are kept aside as
# the **ground truth**. A model never sees it; we use it afterwards to score what the model
# found.
#
# This lesson shows how the world is built, what the traits are, the data dictionary, and
# what the truth is for.

# %% tags=["parameters"]
domain: str = "bank"  # which synthetic business: 'bank' or 'retail'; one of 'bank', 'retail'
n_customers: int = 2000  # number of customers in the synthetic world; an int in [200, 200000]
seed: int = 42  # random seed: same seed, same data and results; an int in [0, 4294967295]

# %%
import tempfile
from pathlib import Path

import ecrm_lab.lessons as lessons
from ecrm_lab.plotting.world import (
    plot_activity,
    plot_profit_curve,
    plot_segment_traits,
    plot_take_up_by_decile,
    plot_uplift_classes,
)
from ecrm_lab.world import generate, load_world
from ecrm_lab.world.describe import (
    schema_frame,
    segment_profile,
    take_up_by_decile,
    truth_overview,
)

lessons.setup_notebook()

# %% [markdown]
# ## One call builds the whole business
#
# `generate(domain, n_customers, seed)` runs the steps in order — traits, customers,
# products, holdings/transactions or orders, campaigns, then the web, service, sales,
# lifecycle and extract sources — and returns a `World`: observed `tables`, the `truth` and
# `meta` data. The horizon is 24 months from 2023-01-01. The same parameters always give the
# same world, byte for byte, on any machine.

# %%
world = generate(domain, n_customers=n_customers, seed=seed)
world

# %% tags=["nbval-check-output"]
world.summary()[["table", "kind", "rows", "columns"]]

# %% [markdown]
# ## The latent customer
#
# Each customer gets one row of `customer_traits`, drawn before anything is observed:
#
# * a true **segment** (bank: young digital, family, affluent, retired, small business;
#   retail: bargain hunter, loyal family, premium, occasional, online native), which sets the
#   distribution of all the others;
# * a **value tier** and **wealth**, **price sensitivity**, a **preferred channel** and an
#   **affinity** for each product (bank) or category (retail);
# * a **purchase rate** and a **dropout probability** — while active a customer buys as a
#   Poisson process, and after each purchase stops for good with that probability (the BG/NBD
#   model of lesson 12 is therefore *true* here);
# * a monthly **churn hazard**, a **service distress** tendency, the marketing **consents**;
# * **campaign responsiveness** without and with a contact, and the resulting **uplift
#   class**; and the customer's **true value**.

# %% tags=["nbval-check-output"]
segment_profile(world).round(3)

# %%
plot_segment_traits(world, "purchase_rate");

# %% [markdown]
# No source invents its own probabilities: the campaign take-up, the number of web visits,
# the chance of a service request or of passing a sales stage all come from functions of the
# traits in `ecrm_lab.world.behaviour`. That is what makes the truth meaningful — the
# patterns in the data are *caused* by the traits.

# %% [markdown]
# ## From traits to observed data
#
# The observed tables look like what a CRM team would extract: a customer master with
# demographics, contact data (with realistic e-mail problems) and consent flags; holdings and
# card/account movements (bank) or orders with their lines (retail); campaign contacts with
# their costs and responses; sessions and page views; service tickets; leads and
# opportunities; lifecycle events; and raw extracts of three source systems that disagree.

# %%
world["customers"].head()

# %%
activity = world["transactions"] if domain == "bank" else world["order_lines"]
activity.head()

# %%
plot_activity(world);

# %% [markdown]
# ## The data dictionary
#
# Every table has a declared schema — column types, allowed values and ranges, keys and
# references to other tables. `world.validate()` checks all of them, and the data dictionary
# in `datasets/README.md` is written from the same declarations. Here is the customer master:

# %%
world.validate()
schema_frame("customers", domain)

# %% [markdown]
# ## The ground truth and what it is for
#
# Each truth table answers a question a later lesson asks of the data:

# %% tags=["nbval-check-output"]
truth_overview(world)[["truth table", "rows", "use"]]

# %% [markdown]
# ### Profitability: most customers lose money
#
# The course insists that at a typical bank *most customers are unprofitable*. The world is
# calibrated that way: fees and interest margins of the holdings against a cost to serve that
# is high for branch and phone customers. A few valuable customers carry the rest — the
# "whale curve" rises above 100 % and falls back as the unprofitable tail gives profit away.

# %% tags=["nbval-check-output"]
round(float((world.truth["customer_traits"]["true_value"] < 0).mean()), 3)

# %%
plot_profit_curve(world);

# %% [markdown]
# ### Campaigns: about 1 % untargeted, far more in the best deciles
#
# The historic campaigns were untargeted and randomised: a random control group was held out
# of every campaign. Take-up of contacted customers is about 1 %. Ranked by their *true*
# propensity, take-up is concentrated at the top: in the table below the best decile takes
# up many times the average (on the default bank world about 10–12 %, and the top fifth
# still above the 3–5 % a bank reached with data-mining-based targeting), while the lower
# deciles hardly take up at all. A response model (lesson 04) can be scored against this
# upper bound.

# %% tags=["nbval-check-output"]
take_up_by_decile(world).round(4)

# %%
plot_take_up_by_decile(world);

# %% [markdown]
# The uplift classes explain why "who responds" is the wrong question: *sure things* buy
# anyway, *persuadables* buy only when contacted, and *do-not-disturbs* are put off by the
# contact. The truth table `campaign_uplift` keeps both potential outcomes of every contact.

# %%
plot_uplift_classes(world);

# %% [markdown]
# ### Planted patterns
#
# On top of the latent behaviour, patterns were planted on purpose — co-holding or
# co-purchase rules, sequences and anomalies. A mining method that finds them has found
# something real; one that reports other "strong" patterns is seeing noise.

# %% tags=["nbval-check-output"]
world.truth["planted_rules"][["rule_id", "antecedent", "consequent", "planted_probability"]]

# %% tags=["nbval-check-output"]
world.truth["planted_anomalies"].groupby("kind", observed=True).size()

# %% [markdown]
# ## Saving and loading
#
# `world.save(dir)` writes every table as Parquet (or CSV) with a `world.json` holding the
# parameters and the SHA-256 of every file; the write is atomic. `load_world(dir)` reads it
# back and names any missing or corrupt file. Small canonical worlds are kept in `datasets/`;
# bigger ones come from the command line:
#
# ```
# ecrm-lab generate --domain bank --customers 100000 --seed 7 --out worlds/bank7
# ```

# %% tags=["nbval-check-output"]
with tempfile.TemporaryDirectory() as tmp:
    loaded = load_world(world.save(Path(tmp) / "world"))
    same = all(loaded.tables[name].equals(world.tables[name]) for name in world.tables)
same

# %% [markdown]
# ## Summary
#
# * One latent model of each customer drives every data source; the traits and the planted
#   patterns are kept as ground truth.
# * The defaults look like the business in the course: most bank customers unprofitable,
#   untargeted take-up near 1 %, and several times that in the best-targeted deciles.
# * Everything is deterministic for a seed and validated against declared schemas.

# %%
lessons.run_record(domain=domain, n_customers=n_customers, seed=seed)
