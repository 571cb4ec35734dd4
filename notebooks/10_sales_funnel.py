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
# # 10 · The sales funnel: from lead to closed deal
#
# **Sales management** — sales force automation in operational CRM — follows the sales
# process the course describes:
#
# 1. prospecting / lead generation → 2. initiating contact → 3. identifying needs →
# 4. presenting the offer → 5. managing objections → 6. closing the sale.
#
# At every stage some leads are lost (*leakage*); the funnel chart shows how many are left.
# The sales-force metrics are the **win rate**, the **cycle time** from lead to decision, the
# **pipeline value** of the deals still open, the **leakage per stage** and the **objection
# mix**. In the synthetic world each lead moves on with a probability drawn from the
# customer's latent traits (`ecrm_lab.world.behaviour.stage_conversion_probability`), so a
# what-if — *what if we were better at one stage?* — can be replayed on the very same leads.

# %% tags=["parameters"]
domain: str = "bank"  # which synthetic business: 'bank' or 'retail'; one of 'bank', 'retail'
n_customers: int = 2000  # number of customers in the synthetic world; an int in [200, 200000]
seed: int = 42  # random seed: same seed, same data and results; an int in [0, 4294967295]
market_customers: int = 15000  # customers in the larger market used for the what-if and lead scoring; an int in [2000, 200000]
leakage_cut: float = 0.2  # share of a stage's lost leads won back in the what-if; a float in [0, 1]
work_share: float = 0.5  # share of the leads the sales force works when leads are scored; a float in (0, 1]

# %%
import pandas as pd

import ecrm_lab.lessons as lessons
from ecrm_lab.engines.world_data import customer_view
from ecrm_lab.operational import (
    funnel_metrics,
    lead_scoring_effect,
    leads_from_tables,
    score_leads,
    simulate_funnel,
)
from ecrm_lab.world import generate

lessons.setup_notebook()

# %% [markdown]
# ## 1 · The funnel as the sales-force-automation system records it
#
# The world's `sales_leads`, `sales_stage_events` and `sales_opportunities` tables hold two
# years of leads: big-ticket cross-sell to existing customers (bank: loans, mortgages,
# investment funds; retail: premium electronics and home-and-garden items), each with its
# source, the stages it reached, its outcome, the objection raised and the deal value.

# %%
world = generate(domain, n_customers=n_customers, seed=seed)
leads = leads_from_tables(
    world["sales_leads"], world["sales_opportunities"], world["sales_stage_events"]
)
funnel = funnel_metrics(leads, as_of=world.meta["end"])

# %% tags=["nbval-check-output"]
funnel.summary().round(2).astype({"value": object})

# %%
funnel.plot();

# %% [markdown]
# Stage by stage: how many leads entered, moved on, were lost or are still open; the
# conversion of each stage and its share of all the leakage. `win_probability` is the chance
# that a lead now in the stage is eventually won — the weight of the *weighted* pipeline.

# %% tags=["nbval-check-output"]
funnel.stages.round(3)

# %% [markdown]
# **Objections** are raised when a deal reaches *managing objections*. Price objections
# come from price-sensitive customers, *no need* from customers with little affinity for the
# product, *trust* from customers who have had trouble with the service:

# %% tags=["nbval-check-output"]
funnel.objections.round(3)

# %% tags=["nbval-check-output"]
funnel.by_source.round(3)

# %% [markdown]
# ## 2 · What if one stage converted better?
#
# We simulate the next year of leads for a larger market of the same business
# (`market_customers` customers): the same behaviour model, the same sources and stage
# durations as the recorded funnel. Then each stage in turn wins back `leakage_cut` of the
# leads it loses, *on the same leads with the same random draws*: the difference is the
# effect of that improvement alone. The expected column says the same without the noise of
# one replay.

# %%
market = generate(domain, n_customers=market_customers, seed=seed + 1)
end = market.meta["end"]
next_year = simulate_funnel(market, months=12, start=end, random_state=seed)
what_if = next_year.what_if(leakage_cut=leakage_cut)

# %% tags=["nbval-check-output"]
next_year.summary().round(2).astype({"value": object})

# %% tags=["nbval-check-output"]
what_if.summary().round(2).astype({"extra_value": object})

# %%
what_if.plot();

# %% [markdown]
# Compare the extra wins with the extra hours. Winning back lost deals at a *late* stage
# costs almost no extra sales time — those leads were already worked — while better
# prospecting sends many more leads down the funnel, most of which still leak away later and
# cost hours on the way. Where to invest is a question of wins (and deal value) per hour.

# %% [markdown]
# ## 3 · Lead scoring: which leads deserve the sales force's time?
#
# A classifier learns from last year's closed leads which ones were won — from the lead
# (source, product) and the customer 360 view *as it was before that year*, so the outcome
# of a deal never leaks into its features. It scores next year's leads, and the sales force
# works only the best `work_share` of them (the rest get a quick look and are dropped). On
# the same simulated leads: how many deals, how many sales hours, how many wins per 100
# hours — against working every lead, a random selection, and selection by the true
# P(win) (known only in simulation).

# %%
history = leads_from_tables(
    market["sales_leads"], market["sales_opportunities"], market["sales_stage_events"]
)
last_year = pd.Timestamp(end) - pd.DateOffset(years=1)
train = history[history["created_at"] >= last_year]
features_then = customer_view(market, at=last_year).reset_index()
features_now = customer_view(market).reset_index()
scores = score_leads(
    train, next_year.leads, features=features_then, new_features=features_now,
    random_state=seed,
)
scoring = lead_scoring_effect(next_year, scores, share=work_share, random_state=seed)

# %% tags=["nbval-check-output"]
pd.DataFrame({"training leads (closed)": [int(train["outcome"].isin(["won", "lost"]).sum())],
              "won": [int((train["outcome"] == "won").sum())]})

# %% tags=["nbval-check-output"]
scoring.summary().round(3).astype({"won_value": object})

# %%
scoring.plot();

# %% [markdown]
# Working only the scored top half gives up some deals, but saves proportionally more hours: the win
# rate per lead worked and the wins per sales hour go up. The true-P(win) row is the ceiling
# a perfect score would reach in wins per hour; the gap to it is what better data about the
# customers would buy.

# %%
lessons.run_record(
    domain=domain, n_customers=n_customers, seed=seed, market_customers=market_customers,
    leakage_cut=leakage_cut, work_share=work_share,
)
