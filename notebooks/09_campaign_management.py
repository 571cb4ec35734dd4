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
# # 09 · Campaign management: from plan to incremental profit
#
# Campaign management is the marketing-automation part of **operational CRM**. The course
# names six features, and in `ecrm_lab` they are one workflow object, `Campaign`:
#
# | feature | what it does | here |
# |---|---|---|
# | workflow | plan → approve → execute → measure, with an audit trail | `Campaign` states |
# | segmentation | choose the target from segments or model scores | `Campaign.target` |
# | personalisation | offer, message and channel per customer | `Campaign.personalise` |
# | execution | multi-channel sends, cost per contact, consent, frequency caps | `Campaign.execute` |
# | response management | responses within an attribution window, matched to contacts | `match_responses` |
# | response modelling | response and uplift models from a randomised pilot | `TwoModelUplift` |
#
# Every reaction of a customer — opening, clicking, taking the offer up — comes from the same
# latent traits that generated the synthetic world (`ecrm_lab.world.behaviour`). So besides
# what a marketer *measures*, we can always see what really *happened*.

# %% tags=["parameters"]
domain: str = "bank"  # which synthetic business: 'bank' or 'retail'; one of 'bank', 'retail'
n_customers: int = 2000  # number of customers in the synthetic world; an int in [200, 200000]
seed: int = 42  # random seed: same seed, same data and results; an int in [0, 4294967295]
market_customers: int = 15000  # customers in the larger market of the targeting case and the uplift pilot; an int in [2000, 200000]
budget: float = 400.0  # budget of the workflow campaign (fixed cost + contacts); a float in [0, inf)
target_share: float = 0.1  # share of the eligible customers a targeted campaign contacts; a float in (0, 1]

# %%
import pandas as pd

import ecrm_lab.lessons as lessons
from ecrm_lab.engines.world_data import customer_view
from ecrm_lab.mining import classify
from ecrm_lab.operational import (
    CONTACT_COST,
    DEFAULT_OFFER,
    Campaign,
    CampaignPlan,
    TwoModelUplift,
    WorkflowError,
    compare_campaigns,
    compare_channels,
    compare_targeting,
    evaluate_uplift,
    match_responses,
    offer_economics,
    plan_contacts,
    true_treatment_effect,
)
from ecrm_lab.world import behaviour, generate

lessons.setup_notebook()

# %% [markdown]
# ## The business and its customers
#
# The synthetic world runs for 24 months from 2023-01-01; our campaigns start the day after.
# The audience is the customer 360 view of the customers still with the business — observed
# data only: demographics, holdings, activity, service contacts, past campaign responses and
# the marketing **permissions** per channel.
#
# Beside this world of `n_customers` customers, a larger **market** of the same business
# (`market_customers` customers, same latent model, another seed) gives the targeting case
# and the pilot enough contacts to measure anything: at a 1 % take-up rate, a few hundred
# contacts yield a handful of take-ups.

# %%
world = generate(domain, n_customers=n_customers, seed=seed)
market = generate(domain, n_customers=market_customers, seed=seed + 1)
view = customer_view(world).reset_index()
mview = customer_view(market).reset_index()
offer = DEFAULT_OFFER[domain]
start = world.meta["end"]  # the day after the observed history
economics = offer_economics(domain, offer)
history = world["campaign_contacts"]
history = history[history["group"] == "treatment"]

# %% tags=["nbval-check-output"]
pd.DataFrame(
    {
        "customers now": [len(view), len(mview)],
        "offer": [offer, offer],
        "margin per take-up": [economics["margin"], economics["margin"]],
        "holders of the offer": [int(view[f"holds_{offer}"].sum()),
                                 int(mview[f"holds_{offer}"].sum())],
        "e-mail consent": [round(view["consent_email"].mean(), 3),
                           round(mview["consent_email"].mean(), 3)],
    },
    index=["world", "market"],
)

# %% [markdown]
# **The mined propensity.** The classification lesson's propensity-to-buy model, fitted on
# the market: who resembles the customers who already hold the product (a *look-alike*
# model)? Columns that give the holding away — debt, deposits, number of products, views of
# the product's page — are left out.

# %%
leaks = [c for c in (f"views_{offer}_90d", "debt", "deposits", "n_items") if c in mview]
propensity = classify(
    mview, f"holds_{offer}", id_col="customer_id", drop=leaks,
    models=("logistic",), n_repeats=1, random_state=seed,
)

# %% tags=["nbval-check-output"]
propensity.summary()[["roc_auc", "average_precision"]].round(3)

# %% [markdown]
# ## 1 · The workflow: plan → approve → execute → measure
#
# **Segmentation.** The campaign targets the customers of the world who do not hold the
# product yet, ranked by the mined propensity (the budget reaches the best-ranked first).
#
# **Personalisation.** Each customer is reached through the cheapest channel they gave
# permission for; the message names the product.
#
# **Execution.** The plan has a budget, a fixed cost for creative and set-up, a random 20 %
# control group that is *never contacted*, and a frequency cap: nobody gets more than two
# campaign contacts in 90 days (the world's contact history counts).

# %%
not_holders = view[~view[f"holds_{offer}"]]
scores = pd.Series(propensity.predict_proba(not_holders), index=not_holders["customer_id"])
plan = CampaignPlan(
    offer, channels=("email", "sms", "post"), budget=budget, fixed_cost=100.0,
    control_share=0.2, window_days=30, max_contacts=2, cap_days=90, start=start,
    name=f"{offer} cross-sell",
)
campaign = Campaign(plan, view, contact_history=history, random_state=seed)
campaign.target(scores=scores).personalise(channel_rule="cheapest").approve()

# %% [markdown]
# The state machine refuses what the process does not allow — an approved campaign cannot
# be approved again, and nothing can be measured before it was sent:

# %%
try:
    campaign.measure()
except WorkflowError as err:
    print(err)

# %%
campaign.execute(world)
result = campaign.measure()

# %% [markdown]
# Every action is in the **audit trail**, with the business date, the actor and what happened
# (how many were excluded for lack of consent or by the frequency cap, what the budget
# allowed, what was sent):

# %% tags=["nbval-check-output"]
campaign.audit_trail()[["step", "business_date", "action", "to_state", "actor", "detail"]]

# %% [markdown]
# ## 2 · The economics of the campaign
#
# The course's metrics — **response rate**, **take-up rate**, **cost per contact**, **CPM**
# (cost per thousand contacts), **cost per click**, **cost per acquisition**, **revenue**,
# **margin** and **ROI** — count the take-ups *matched to a contact*. That is the naive view:
# it credits the campaign with customers who would have bought anyway. The control group
# gives the honest one: **incremental** take-ups and profit, with 95 % intervals (Wilson for
# rates, Newcombe for differences, a seeded bootstrap for money). The `true_*` rows are what
# the simulation knows and a marketer never sees.

# %% tags=["nbval-check-output"]
metrics = result.summary().set_index("metric").round(4)
metrics.loc[:"roi"]

# %% [markdown]
# Against the control group — and, below the line, the truth:

# %% tags=["nbval-check-output"]
metrics.loc["incremental_take_ups":]

# %%
result.plot();

# %% tags=["nbval-check-output"]
result.by_channel.round(3)

# %% [markdown]
# ## 3 · Response management: the attribution window
#
# A take-up counts as a response when it follows a contact of the same customer within the
# **attribution window**. On the world's own campaign history: the shorter the window, the
# more responses are missed — and customers who were never contacted still buy.

# %%
takeups = world["campaign_responses"]
takeups = takeups[takeups["response_type"] == "took_up"][["customer_id", "response_date"]]
windows = pd.DataFrame(
    {
        "window_days": [3, 7, 14, 30],
        "take-ups matched to a contact": [
            int(match_responses(history, takeups, w)["matched"].sum()) for w in (3, 7, 14, 30)
        ],
    }
)

# %% tags=["nbval-check-output"]
windows.assign(**{"all take-ups": len(takeups)})

# %% [markdown]
# ## 4 · The course's case: mass mailing or targeting by mined propensity?
#
# The course reports a bank whose campaign take-up rose from about **1 %** to **3–5 %** when
# it targeted with data mining. We replay it on the market: one e-mail campaign to *every* eligible
# customer (non-holders with e-mail consent), one to the top `target_share` by the mined
# propensity, and — as a yardstick no marketer has — one to the top by the customers' *true*
# take-up probability.

# %%
eligible = mview[~mview[f"holds_{offer}"] & mview["consent_email"]]
mined = pd.Series(propensity.predict_proba(eligible), index=eligible["customer_id"])
m_traits = market.truth["customer_traits"].set_index("customer_id").loc[eligible["customer_id"]]
perfect = pd.Series(
    behaviour.take_up_probability(m_traits, offer, True, "email"), index=eligible["customer_id"]
)
email = CampaignPlan(offer, channels=("email",), control_share=0.1, start=start)
mass = Campaign(email, eligible, random_state=seed).approve().execute(market).measure()
targeted = (
    Campaign(email, eligible, random_state=seed + 1)
    .target(scores=mined, top_share=target_share).approve().execute(market).measure()
)
ideal = (
    Campaign(email, eligible, random_state=seed + 2)
    .target(scores=perfect, top_share=target_share).approve().execute(market).measure()
)
case = compare_campaigns(
    {"mass mailing": mass, "mined propensity": targeted, "perfect knowledge": ideal}
)

# %% tags=["nbval-check-output"]
case.summary().round(4)

# %%
case.plot();

# %% [markdown]
# Read the intervals, not just the points: a few hundred contacts give a wide interval, and
# the black diamonds (the expected rate, known only in simulation) show how far a single
# campaign can fall from it. The untargeted mailing lands near 1 %, as in the course. The
# *mined* propensity brings the course's case within reach: on the default bank world it
# raises the expected rate to about 3.9 % (3 % observed), some three and a half times the
# mass mailing's. The latent responsiveness that drives take-up leaves a trace in the observed
# data (holdings, activity), and the look-alike model picks part of it up. Targeting by the
# true probability shows how much more is there to be had (about 9.5 % on the default bank
# world); better data (past responses, web behaviour) is what closes the gap. Read the profit
# columns with the same care: a 10 % control group of a targeted campaign is only a few dozen
# customers, so its measured incremental profit can land far from the true one, and its
# interval reaches well below zero.

# %% [markdown]
# ## 5 · Response modelling versus uplift modelling
#
# A **response model** predicts P(take-up | contacted); an **uplift model** predicts the
# *change* a contact makes. We run a randomised pilot on half of the eligible market (half
# contacted, half held out) and fit the two-model (T-learner) uplift model: its
# contacted-arm model *is* the response model. Both then rank the other half.

# %%
pilot_plan = CampaignPlan(offer, channels=("email",), control_share=0.5, start=start,
                          name="pilot")
pilot_campaign = Campaign(pilot_plan, eligible, random_state=seed + 3).target(sample_share=0.5)
pilot = pilot_campaign.approve().execute(market).measure()
x_cols = [c for c in eligible.columns if c != "customer_id" and not c.startswith("consent_")]
pilot_x = eligible.set_index("customer_id").loc[pilot.outcomes["customer_id"], x_cols]
uplift_model = TwoModelUplift(C=0.01, random_state=seed).fit(
    pilot_x, pilot.outcomes["took_up"], pilot.outcomes["group"] == "treatment"
)
rest = eligible[~eligible["customer_id"].isin(pilot.outcomes["customer_id"])]
rest_x = rest[x_cols]
rest_traits = m_traits.loc[rest["customer_id"]]
true_effect = true_treatment_effect(rest_traits, offer, "email")
p_contacted = behaviour.take_up_probability(rest_traits, offer, True, "email")

# %% tags=["nbval-check-output"]
pd.DataFrame(
    {
        "pilot customers": [uplift_model.n_treated_ + uplift_model.n_control_],
        "take-ups, contacted": [uplift_model.positives_treated_],
        "take-ups, control": [uplift_model.positives_control_],
    }
)

# %% [markdown]
# That is the first lesson of uplift modelling: a pilot of a few thousand customers at a
# 1 % take-up rate gives at most a couple of dozen take-ups per arm — far too few to learn
# who is *persuadable*. Real uplift programmes randomise tens of thousands of contacts. So below,
# next to the two learned rankings, two *perfect* ones show what is at stake.

# %% [markdown]
# Against the truth, at the top 20 % of each ranking: where do the contacts go, and what do
# they really gain? The *perfect response model* knows every customer's true P(take-up |
# contacted) and still spends a third of its contacts on **sure things** (who buy anyway):
# it has the most take-ups among the contacted — what naive attribution reports — but fewer
# *incremental* take-ups and less true profit than the perfect uplift ranking (the oracle),
# which contacts mostly persuadables. Untargeted contacts (random) also reach
# **do-not-disturb** customers, whose take-up a contact *lowers* (the `harm` column: take-ups
# lost). The learned rankings, trained on the small pilot, do clearly better than random —
# the observed data carry a trace of who responds — but stay well short of the perfect ones,
# and the uplift model does no better than the response model: the pilot is too small to
# tell persuadables from sure things.

# %%
targeting = compare_targeting(
    {
        "response model": uplift_model.predict_response(rest_x),
        "uplift model": uplift_model.predict_uplift(rest_x),
        "perfect response model": p_contacted,
    },
    true_effect=true_effect,
    p_treated=p_contacted,
    uplift_class=rest_traits["uplift_class"],
    cost_per_contact=0.05,
    margin_per_take_up=economics["margin"],
    share=0.2,
    random_state=seed,
)

# %% tags=["nbval-check-output"]
targeting.summary().round(3)

# %%
targeting.plot();

# %% [markdown]
# **Qini curves** are what a marketer can draw: a randomised campaign on the other half
# scores each ranking by its observed incremental take-ups. At this size they are mostly
# noise; the *true* curves (expected incremental take-ups of each ranking, from the truth)
# show how much each ranking really gains, and how far the oracle is ahead.

# %%
holdout_campaign = Campaign(pilot_plan, rest, random_state=seed + 4)
holdout = holdout_campaign.approve().execute(market).measure()
h_ids = holdout.outcomes["customer_id"]
h_x = rest.set_index("customer_id").loc[h_ids, x_cols]
h_traits = m_traits.loc[h_ids]
evaluation = evaluate_uplift(
    holdout.outcomes["took_up"],
    holdout.outcomes["group"] == "treatment",
    {
        "response model": uplift_model.predict_response(h_x),
        "uplift model": uplift_model.predict_uplift(h_x),
    },
    true_effect=true_treatment_effect(h_traits, offer, "email"),
    n_bins=10,
)

# %% tags=["nbval-check-output"]
evaluation.summary().round(4)

# %%
evaluation.plot(kind="qini");

# %%
evaluation.plot(kind="true");

# %% [markdown]
# ## 6 · How many to contact under a budget?
#
# With an estimate of each customer's uplift, the expected profit of a contact is *uplift ×
# margin − cost*. Take a direct-mail version of the offer: at 0.85 a letter, only customers
# whose uplift exceeds 0.85 / margin pay back. Contacting customers in order of expected
# profit, the plan stops where the expected profit peaks or the budget runs out. The
# estimates come from the e-mail pilot; the dashed line is what letters really earn (from
# the truth) — a letter persuades a little less than an e-mail, and the estimates are noisy.

# %%
letter = CONTACT_COST["post"]
contact_plan = plan_contacts(
    rest["customer_id"],
    uplift_model.predict_uplift(rest_x),
    margin_per_take_up=economics["margin"],
    cost_per_contact=letter,
    budget=budget,
    true_uplift=true_treatment_effect(rest_traits, offer, "post"),
)

# %% tags=["nbval-check-output"]
contact_plan.summary().round(2)

# %%
contact_plan.plot();

# %% [markdown]
# ## 7 · Online versus traditional direct marketing
#
# The course lists what online campaigns change: shorter creation and cycle time, faster
# response, lower cost, more precise targeting. From the behaviour model's channel costs and
# response probabilities (expected values over the customers who gave each permission):

# %%
channels = compare_channels(market, offer)

# %% tags=["nbval-check-output"]
channels.summary()[
    ["channel", "online", "reachable", "cost_per_contact", "response_rate", "take_up_rate",
     "cost_per_incremental", "profit_per_1000", "cycle_days"]
].round(4)

# %%
channels.plot();

# %% [markdown]
# E-mail is cheapest per incremental take-up, and the online channels (e-mail, SMS) are the
# fastest from idea to responses; the phone
# persuades best per contact but costs ninety times as much; direct mail takes weeks to
# create and deliver. That is the shift the course describes — from monologue to dialogue,
# one-to-many to one-to-one — made measurable.

# %%
lessons.run_record(
    domain=domain, n_customers=n_customers, seed=seed, market_customers=market_customers,
    budget=budget, target_share=target_share,
)
