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
# # 13 · Personalization, broadcast and permission: the engines of eCRM
#
# eCRM is customer-centric: one complete view of each customer drives three decisions —
# **which offer**, **which message**, **through which channel** — and it asks for permission
# first. The course names the engines that do this:
#
# | engine | what it does | here (`ecrm_lab.engines`) |
# |---|---|---|
# | 360° customer information | one row per customer, every source joined | `customer_view` |
# | personalization engine | rule-based offers, collaborative filtering, inference models | `RuleEngine`, `ItemItemCF`, `PropensityRecommender`, `HybridRanker` |
# | broadcast engine | multi-channel interaction, channel per customer, no inundation | `choose_channel`, `channel_reach`, `frequency_cap` |
# | transaction engine | one door for every message, contact history, permission marketing | `ConsentLedger`, `gate_messages`, `TransactionEngine`, `email_list_quality` |
# | web self-service | what a logged-in customer sees | `self_service_page` |
#
# The engines read only the *observed* tables of the synthetic world. The latent traits
# (true affinities and take-up probabilities) are used for one thing: to judge the engines
# with the same behaviour model that generated the data.

# %% tags=["parameters"]
domain: str = "bank"  # which synthetic business: 'bank' or 'retail'; one of 'bank', 'retail'
n_customers: int = 2000  # number of customers in the synthetic world; an int in [200, 200000]
seed: int = 42  # random seed: same seed, same data and results; an int in [0, 4294967295]

# %%
import pandas as pd

import ecrm_lab.engines as engines
import ecrm_lab.lessons as lessons
from ecrm_lab.world import generate

lessons.setup_notebook()

# %% [markdown]
# ## 1 · The 360° view at a cut-off date
#
# To judge offers honestly we go back in time: the engines see the world as it was six months
# before the end of the horizon, and we check their offers against what customers really took
# up afterwards (products opened at the bank, categories bought for the first time in retail).

# %%
world = generate(domain, n_customers=n_customers, seed=seed)
data = engines.offer_data(world, holdout_months=6)
print(data.title)

# %% tags=["nbval-check-output"]
data.summary()

# %% [markdown]
# One row per customer, built from customers, holdings or orders, transactions, service
# requests, campaign responses and the click-stream of customers who logged in:

# %%
data.view.head(3).T

# %% [markdown]
# ## 2 · The personalization engine
#
# ### Rule-based offers
#
# Business rules are readable: a name, a condition on the 360° view, an offer and a
# priority. They are evaluated on the whole table at once.

# %% tags=["nbval-check-output"]
rules = engines.default_rules(domain)
rule_engine = engines.RuleEngine(rules).fit(data.owned, data.view)
rule_engine.coverage(data.owned, data.view)[
    ["rule", "condition", "offer", "priority", "fires_for", "eligible"]
]

# %% [markdown]
# ### Item-item collaborative filtering
#
# "Customers who hold X also hold Y": the cosine similarity of the columns of the sparse
# customer x item matrix. A customer's score for an item is the sum of its similarities to
# what they already have.

# %%
cf = engines.ItemItemCF().fit(data.owned)
cf.similarity_frame().round(2)

# %% [markdown]
# ### The engines side by side
#
# Each engine ranks the items a customer does not hold yet. **Hit rate at k**: the share of
# customers who took something up after the cut-off and find it among their top k offers;
# **precision at k**: hits / k. Four engines: the rules above, collaborative filtering, a
# model-based next-best-product (below) and a hybrid of the three. The **popularity** baseline offers everybody the most common
# items; the **oracle** ranks by the true take-up probabilities of the latent traits — the
# ceiling nobody can see. `true_take_up` is the mean true probability that an offer made is
# taken up.

# %%
comparison = engines.compare_engines(data, k=(1, 3, 5))

# %% tags=["nbval-check-output"]
comparison.evaluation.at(1).round(4)

# %% tags=["nbval-check-output"]
comparison.evaluation.at(3).round(4)

# %%
comparison.plot(metric="hit_rate");

# %% [markdown]
# ### Model-based next-best-product
#
# One classifier per item learns who holds it from everything else in the view (without the
# columns that would give the answer away). Non-holders who look like holders are the best
# prospects. The ROC AUC of each item's model is measured on a holdout of customers:

# %% tags=["nbval-check-output"]
comparison.engines["propensity_model"].models_.round(3)

# %% [markdown]
# ### One interface for one customer
#
# Every engine answers the same question. The hybrid ranks rules first whenever one fires
# (they encode what the business knows), then the model and collaborative filtering, and
# says why:

# %%
customer = int(data.heldout.to_frame()["customer_id"].iloc[0])
comparison.offers["hybrid"].for_customer(customer)

# %% [markdown]
# ## 3 · The broadcast engine
#
# Which channel can reach whom? A channel needs **permission** and an **address** (a
# deliverable e-mail, a phone number). Added cheapest first:

# %%
ledger = engines.consent_ledger(world)
quality = engines.email_list_quality(world["customers"],
                                     bounced=engines.email_bounces(world)["email"])
reachable = engines.addressable(world, quality)
consent_now = ledger.state(at=data.cutoff, customer_ids=data.owned.customer_ids)

# %% tags=["nbval-check-output"]
reach = engines.channel_reach(consent_now, reachable)
reach.summary().round(3)

# %%
reach.plot();

# %% [markdown]
# The channel per customer weighs the expected value of the contact — higher through the
# customer's *observed* preferred channel (how they contact service and which campaign
# messages they open) — against the cost per contact, and sends at the customer's usual
# active hour.

# %% tags=["nbval-check-output"]
profile = engines.contact_profile(world, data.cutoff)
values = engines.offer_values(world, data.cutoff)
best_offer = comparison.offers["hybrid"]
plan = engines.choose_channel(
    consent_now, addressable=reachable, preferred=profile["preferred_channel"],
    value=engines.contact_values(best_offer, values), hours=profile["active_hour"],
)
plan.summary().round(3)

# %% [markdown]
# **Frequency capping.** Four campaign waves in one week would send every customer four
# messages. At most two per customer and week (all channels together) keeps them from being
# inundated; the highest-priority messages go first.

# %%
days = pd.date_range(data.cutoff, periods=4, freq="2D")
planned = pd.concat(
    [engines.broadcast_messages(plan, day, offers=best_offer.first(), campaign=f"wave {i + 1}",
                                priority=float(4 - i))
     for i, day in enumerate(days)],
    ignore_index=True,
)
cap = engines.frequency_cap(planned, max_messages=2, period_days=7.0)

# %% tags=["nbval-check-output"]
cap.summary()

# %%
cap.plot();

# %% [markdown]
# ## 4 · The transaction engine and permission marketing
#
# Permission is a history, not a flag: every opt-in and opt-out with its time and source.
# Here the sign-up choices of every customer, then some customers change their mind through
# the preference centre — the customers with the most complaints withdraw permission for
# phone calls and e-mail.

# %% tags=["nbval-check-output"]
complainers = data.view.sort_values(["complaints_180d", "requests_180d"], ascending=False)
leavers = complainers.index[:20].to_numpy()
ledger = ledger.record(leavers, "phone", "opt_out", data.cutoff, "preference_centre")
ledger = ledger.record(leavers, "email", "opt_out", data.cutoff, "preference_centre")
ledger.summary()

# %%
ledger.history(int(leavers[0]))

# %% [markdown]
# Every message leaves through one door. The gate checks permission **at the send time** and
# the cap counts what was already sent; everything sent is written to the contact history.
# A property test over many random worlds checks that no message is ever produced for a
# channel without consent.

# %% tags=["nbval-check-output"]
transactions = engines.TransactionEngine(ledger, max_messages=2, period_days=7.0)
report = transactions.send(planned)
report.summary()

# %% tags=["nbval-check-output"]
report.by_channel()

# %% [markdown]
# **E-mail list quality.** Permission to e-mail is worth little without a deliverable
# address. The list as typed, against the list after cleaning (trimming, lower case, repaired
# domain typos, placeholders removed, one message per address, bounced addresses suppressed):

# %% tags=["nbval-check-output"]
quality.summary()

# %% tags=["nbval-check-output"]
quality.rates().round(3)

# %% [markdown]
# The world planted the faults; the measured statuses find them:

# %% tags=["nbval-check-output"]
planted = world.truth["email_quality"].set_index("customer_id")["email_fault"]
pd.crosstab(planted.reindex(quality.table["customer_id"]).to_numpy(),
            quality.table["status_before"].to_numpy(), rownames=["planted"],
            colnames=["measured"])

# %% [markdown]
# ## 5 · Web self-service: a personalised page
#
# What a logged-in customer sees: their accounts or orders (with tracking), their history,
# open service requests, FAQ suggestions ranked by the pages they looked at recently, and
# their personalised offers.

# %%
visitor = int(engines.recent_visitors(world, days=30).index[0])
page = engines.self_service_page(world, visitor, offers=comparison.offers["hybrid"])

# %% tags=["nbval-check-output"]
page.summary()

# %% tags=["nbval-check-output"]
page.faq.round(3)

# %%
page.holdings.head()

# %% [markdown]
# ## 6 · From one-to-many to one-to-one, in numbers
#
# The same customers, four ways:
#
# 1. **one-to-many** — the offer with the best observed value per contact, by e-mail, to
#    everybody on the e-mail list;
# 2. **one-to-one offers** — the same list, each customer with their own next-best offer;
# 3. **margin-weighted one-to-one offers** — the same, ranking offers by likelihood x margin;
# 4. **one-to-one offers and channels** — everybody who can be reached, through the channel
#    worth most for them, only where the expected value exceeds the cost;
#
# and the **ceiling**: offers and channels chosen with the true probabilities.
#
# Every plan is valued with the world's ONE behaviour model
# (`behaviour.take_up_probability`, contacted and not) and the product economics:
# expected take-ups, response rate, contact cost, gross and net margin.

# %%
plans = engines.mailing_plans(world, data, engine=comparison.engines["propensity_model"])
mailing = engines.compare_mailings(plans, data.traits, random_state=seed)

# %% tags=["nbval-check-output"]
mailing.summary()[["contacts", "offers", "response_rate", "expected_take_ups", "contact_cost",
                   "gross_margin", "net_margin", "roi"]].round(
    {"response_rate": 4, "expected_take_ups": 2, "contact_cost": 2, "gross_margin": 1,
     "net_margin": 1, "roi": 2})

# %%
mailing.plot(metric="response_rate");

# %% [markdown]
# What the numbers say:
#
# * Personal offers raise the **response rate**: each customer hears about something they
#   are more likely to want.
# * **Margin** is another matter: a response is worth what was sold. Offering everybody the
#   product with the highest value can earn more than many small personal sales — so a
#   next-best *offer* weighs likelihood by value.
# * Choosing the **channel** per customer reaches people the e-mail list misses, and
#   contacting only where it pays keeps the cost down.
# * The **ceiling** shows how much better the same customers could be served with perfect
#   knowledge: the gap is what better data and better models are worth.

# %%
lessons.run_record(domain=domain, n_customers=n_customers, seed=seed)
