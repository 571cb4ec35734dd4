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
# # 12 · The customer lifecycle: acquisition, retention, extension — and what a customer is worth
#
# eCRM follows a customer through three phases:
#
# 1. **Acquisition** — attract visitors and convert them into customers (search engine
#    optimisation, pay-per-click, affiliates, online PR, display advertising, the web
#    catalogue).
# 2. **Retention** — keep them; it is cheaper than finding new ones. Service quality and the
#    first experience decide a lot.
# 3. **Extension** — lengthen and deepen the relationship: up-sell, cross-sell, the next-best
#    product.
#
# The course insists on judging all three with **customer-centric** metrics — customer
# profitability, the return on each interaction, the customer's lifetime value — rather than
# channel metrics. This lesson measures each phase on the synthetic world, models the
# customer as a state machine (prospect → new → active → at risk → lapsed → won back), and
# ends with the question of lesson 09 asked again: *whom should a campaign contact once we
# know what customers are worth?*
#
# Every estimate below comes from the **observed** tables; the world's **truth** (its
# latent traits, true churn dates, true value) is used only to score the estimates.

# %% tags=["parameters"]
domain: str = "bank"  # which synthetic business: 'bank' or 'retail'; one of 'bank', 'retail'
n_customers: int = 2000  # number of customers in the synthetic world; an int in [200, 200000]
seed: int = 42  # random seed: same seed, same data and results; an int in [0, 4294967295]

# %%
import ecrm_lab.lessons as lessons
import ecrm_lab.lifecycle as lc
from ecrm_lab.plotting.lifecycle import plot_state_occupancy
from ecrm_lab.world import generate

lessons.setup_notebook()
world = generate(domain, n_customers, seed)
other_domain = "retail" if domain == "bank" else "bank"
other = generate(other_domain, n_customers, seed)
world

# %% [markdown]
# ## 1 · Acquisition
#
# Each customer was acquired through one channel (`customers.acquisition_channel`); the
# click-stream (`web_sessions.referrer`) tells how many distinct visitors each online channel
# brought. Conversion is new customers over visitors — the channel of the *last* visit gets
# the credit, as web analytics do. Costs follow the channel's pricing: per click (pay-per-click
# at the current cost per click of the keyword portfolio below, display advertising), per
# acquisition (affiliates, referral bonuses, staff time in the branch or store), per month
# (search engine optimisation, online PR) or per letter (direct mail, at the catalogue's price
# of a letter and the response rate of the behaviour model). The last columns set the cost
# of a customer against what the customers of that channel are worth (their lifetime value
# by the retention formula, and the truth).

# %% tags=["nbval-check-output"]
acq = lc.acquisition_channels(world, random_state=seed)
acq.table[["course_name", "visitors", "new_customers", "conversion", "pricing",
           "cost_per_acquisition", "mean_clv", "mean_true_value", "clv_per_cost"]].round(3)

# %%
acq.plot();

# %% [markdown]
# Visitors who land on the **web catalogue** or a product page are the ones the storefront
# must convert; a visitor converts when a session ends on the checkout (application / first
# order) page.

# %% tags=["nbval-check-output"]
lc.landing_conversion(world).round(3)

# %% [markdown]
# ### Pay-per-click: the course's case
#
# The course tells of a pay-per-click account rationalised so that **sales per day doubled
# while the cost per click halved**. The keyword portfolio below is derived from the world:
# for every product (bank) or category (retail) brand, head, product, long-tail and
# informational keywords; who clicks is a look-alike sample of the world's customers weighted
# by their affinity for the product (precise keywords attract the interested, informational
# ones anybody), and a click converts with the visitor's probability of a purchase-intent
# session from the behaviour model. The portfolio is calibrated to the world's observed
# paid-search clicks and acquisitions per day. Its current state is an untuned account: one
# high bid on every keyword, and a daily budget that runs out during the day.
#
# The what-if keeps the budget and tries three levers: cut the keywords whose cost per
# acquisition is above the account's, lower the bids (one bid for all), or choose bids and
# keywords together (a Lagrangian search: maximise sales per day with spend within budget).

# %% tags=["nbval-check-output"]
portfolio = lc.keyword_portfolio(world, random_state=seed)
ppc = lc.ppc_what_if(portfolio)
ppc.table.round(3)

# %%
ppc.plot();

# %% [markdown]
# In a second-price auction a lower bid pays a lower price per click, so the same budget buys
# more clicks all day long; cutting the wasteful keywords raises the conversion of the
# clicks that are bought. Lowering the bids reproduces the course's case; optimising bids and
# keywords together sells even more per day, at a cost per click a little above the minimum.

# %% [markdown]
# ## 2 · Retention
#
# **Cohorts.** Customers acquired in the same month form a cohort; the table shows the share
# of each cohort active (a transaction or an order) in every month since acquisition. The
# upper-left triangle is observed; later months have not happened yet. Month 0 is only part
# of a month (from the day of acquisition), so it can show less activity than month 1.

# %%
cohorts = lc.world_cohorts(world, "active")
cohorts.plot();

# %% tags=["nbval-check-output"]
cohorts.summary().round(3)

# %% [markdown]
# **Retention curve.** Kaplan-Meier survival of the observed churn (bank: accounts closed;
# retail: only loyalty-card holders can be seen leaving) — next to the curve of the true churn
# dates and the survival the behaviour model expects from each customer's churn hazard.

# %% tags=["nbval-check-output"]
curve = lc.retention_curve(world)
curve.summary().round(3)

# %%
curve.plot();

# %% [markdown]
# **Churn hazard by segment and by service experience.** The monthly hazard is churns per
# customer-month at risk. The segments are the world's true segments (to see what kinds of
# customers leave); service experience is observed: dissatisfied surveys (1–2 of 5) in the
# three months before. The diamonds are the behaviour model's hazard for the same
# customer-months: each dissatisfying contact multiplies the hazard by 2.5.

# %% tags=["nbval-check-output"]
lc.churn_hazards(world, "segment").table.round(4)

# %%
by_service = lc.churn_hazards(world, "service")
by_service.plot();

# %% tags=["nbval-check-output"]
by_service.table.round(4)

# %% [markdown]
# **A retention offer, measured against a control group.** The customers with a dissatisfied
# survey in the last 90 days are split at random: the treatment group is called with an offer,
# the control group is not. The behaviour model decides what happens: a call that solves the
# problem (resolution and satisfaction probabilities) or an accepted offer removes the extra
# hazard of the recent dissatisfaction. The *simulated* difference is what an experiment would
# see — its confidence interval is wide with a few dozen customers — the *expected* difference
# is the true incremental effect. Whether the months saved are worth anything depends on who
# is saved and what they earn: here the expected incremental profit is negative even before
# the cost of the calls (the customers kept longer are, on balance, unprofitable), so the net
# is negative and retention offers deserve the same value test as any
# other interaction.

# %% tags=["nbval-check-output"]
offer = lc.retention_offer(world, targets="dissatisfied", channel="phone", random_state=seed)
offer.table.round(3)

# %% tags=["nbval-check-output"]
offer.summary().round(4)

# %% [markdown]
# ## 3 · Extension
#
# **Adoption over time.** New products (bank) or categories (retail) taken up each month:
# *cross-sell* is something new, *up-sell* is more of what the customer already has (bank: a
# product of a family already held, such as a savings account next to the current account;
# retail: the first premium variant in a category bought before).

# %% tags=["nbval-check-output"]
adoption = lc.product_adoption(world)
adoption.table

# %%
adoption.plot();

# %% [markdown]
# **Depth of relationship**: products per customer (bank: open accounts; retail: categories
# bought in the last twelve months).

# %%
depth = lc.relationship_depth(world)
depth.plot();

# %% tags=["nbval-check-output"]
depth.summary().round(3)

# %% [markdown]
# **Cross-sell offers** made at a cut-off six months before the end: association rules mined
# on the holdings (link analysis, lesson 06), the model-based next-best product (lesson 13), a
# popularity baseline and the oracle of the true take-up probabilities — judged on what the
# customers really took up afterwards.

# %% tags=["nbval-check-output"]
xsell = lc.cross_sell(world, k=3, random_state=seed)
xsell.summary()[["customers", "hit_rate", "precision", "recall", "true_take_up"]].round(3)

# %%
xsell.plot();

# %% [markdown]
# ## 4 · The customer as a state machine
#
# Every customer is put in one state per month, from the observed data: **prospect** (before
# acquisition), **new**, **active** (recent activity), **at risk** (quiet for three months, or
# a recent dissatisfied survey), **lapsed** (churned, or quiet for six months), **won back**.
# The same is done from the truth: true churn, true drop-out of activity, and "at risk" meaning
# the customer truly lapses within three months. Counting month-to-month moves gives two
# transition matrices.

# %%
model = lc.state_model(world)
model.plot();

# %%
model.plot(truth=True);

# %% tags=["nbval-check-output"]
model.comparison.round(3)

# %% [markdown]
# The total variation distance per row says how far the estimated transitions are from the
# true ones. Observed "at risk" is a symptom (silence, a complaint); true "at risk" is the
# outcome (the customer is about to leave), so the at-risk row disagrees most — the
# confusion table shows which observed states the truly lapsing customers were in.

# %% tags=["nbval-check-output"]
model.confusion

# %%
plot_state_occupancy(model);

# %% [markdown]
# **Forward simulation under a policy.** Starting from today's states, new customers arrive at
# the observed rate and each month every state's customers move by a multinomial draw from
# the estimated matrix. The policy contacts every customer at risk each month with the
# retention offer measured above: it lowers the at-risk → lapsed probability by the offer's
# relative churn reduction (only for the part of lapsing that is churn), at the offer's cost
# per contact. Both runs share their random numbers, so the difference is the policy's. Read
# the sign of the cumulative difference: a policy that calls every customer at risk every
# month pays for many calls that change nothing — the customers who are merely quiet are not
# leaving because of a problem a call can solve.

# %% tags=["nbval-check-output"]
policy = lc.policy_from_offer(offer, model)
sim = lc.simulate_base(model, months=12, policy=policy, n_runs=200, random_state=seed)
sim.summary().round(1)

# %%
sim.plot();

# %% [markdown]
# ## 5 · What is a customer worth?
#
# **Customer profitability**: revenue (fees and interest margins, or gross margins) minus the
# cost to serve — the base cost of any customer, the running cost of the products, the cost of
# the channel the customer uses (branch and phone are dear), every service request and every
# campaign contact. The whale curve ranks customers from the most to the least profitable: a
# minority earns more than all the profit, the rest give part of it back.

# %% tags=["nbval-check-output"]
profit = lc.customer_profitability(world)
profit.summary().round(3)

# %%
profit.plot();

# %% tags=["nbval-check-output"]
profit.by("main_channel").round(2)

# %% [markdown]
# The same on the other domain: the course's claim that *most customers are unprofitable* is
# a claim about banks, where serving a customer is expensive and most of the margin comes from
# a few large balances.

# %% tags=["nbval-check-output"]
lc.customer_profitability(other).summary().round(3)

# %% [markdown]
# **Return on investment of customer interactions.** Every campaign of the world, measured
# three ways: the naive ROI credits every matched take-up to the campaign; the incremental
# ROI subtracts what the random control group did anyway; the true ROI uses the world's true
# uplift of every contact.

# %% tags=["nbval-check-output"]
roi = lc.interaction_roi(world, random_state=seed)
roi.summary().round(3)

# %%
roi.plot();

# %% [markdown]
# **Customer lifetime value**, three ways, against the world's true value (the expected
# discounted profit over two years): historical profit, the retention formula on each
# customer's monthly margin with the observed churn rate, and BG/NBD + Gamma-Gamma on the
# transaction log. BG/NBD values purchases — it was built for retailers; a bank's value
# lies in balances and the cost to serve, which the purchase models do not see. Compare the
# rank correlations on both domains below: on the default worlds the purchase model trails
# the two simpler estimates on both.

# %% tags=["nbval-check-output"]
values = lc.clv_comparison(world)
values.scores().round(3)

# %%
values.plot();

# %% tags=["nbval-check-output"]
lc.clv_comparison(other).scores().round(3)

# %% [markdown]
# ## 6 · What lifetime value changes in the campaign decision
#
# Lesson 09 ranked customers by their response score. Here the same budget — the top 20% of
# the customers who allow e-mail — is spent four ways: by response score (the true
# probability of taking the offer up, i.e. a perfect response model), by estimated lifetime
# value, by response × value, and by the oracle (true uplift × the value of a take-up for
# that customer). Each list is judged with the behaviour model: incremental take-ups, the
# value of those take-ups for the customers who make them (the product's margin over the
# customer's expected lifetime), the cost, and who gets contacted.

# %% tags=["nbval-check-output"]
targeting = lc.value_targeting(world, share=0.2, clv=values.table["retention_clv"])
targeting.table.round(3)

# %%
targeting.plot();

# %% [markdown]
# Ranking by lifetime value contacts far more valuable and fewer unprofitable customers — the
# relationships worth protecting — but it is not the same as the value of the *campaign*: the
# value a campaign creates is the incremental take-up times what a take-up is worth for that
# customer, which depends on how likely the contact changes the decision and on how long the
# customer will stay, not on how profitable the customer is today. Lifetime value belongs in
# the campaign decision as the value of the outcome, next to an uplift model — not instead of
# it.

# %%
lessons.run_record(domain=domain, n_customers=n_customers, seed=seed)
