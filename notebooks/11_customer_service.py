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
# # 11 · Customer service: self-service, the queue, proactive chat and retention
#
# The customer-feedback and service module of an eCRM system offers **multiple channels**
# (web self-service, e-mail, chat, phone, branch or store), a **solutions knowledge base**
# and FAQ pages, **request (ticket) management**, **contract and warranty status**, web
# self-service such as **order and package tracking**, and **callback or chat offered
# automatically** to visitors who show high intent or distress. This lesson puts a number on
# each: requests deflected and money saved, waiting times and agents needed, offers accepted
# and deals won — and, through the latent customer model, what service quality does to
# retention.

# %% tags=["parameters"]
domain: str = "bank"  # which synthetic business: 'bank' or 'retail'; one of 'bank', 'retail'
n_customers: int = 2000  # number of customers in the synthetic world; an int in [200, 200000]
seed: int = 42  # random seed: same seed, same data and results; an int in [0, 4294967295]
call_centre_customers: int = 100000  # customers served by the contact centre of the queue and staffing what-ifs; an int in [1000, 2000000]
service_level_target: float = 0.8  # share of calls to answer within 20 seconds; a float in (0, 1)
faq_first_share: float = 0.2  # share of requests to assisted channels steered to the FAQ first; a float in [0, 1]

# %%
import pandas as pd

import ecrm_lab.lessons as lessons
from ecrm_lab.operational import (
    HANDLE_MINUTES,
    SelfService,
    TriggerRule,
    contract_status,
    deflection,
    hourly_staffing,
    population_traits,
    proactive_chat,
    service_retention,
    session_signals,
    simulate_queue,
    simulate_requests,
    staffing,
    warranty_status,
)
from ecrm_lab.world import generate

lessons.setup_notebook()

# %% [markdown]
# ## 1 · Requests in many channels
#
# The world's `service_requests` table: two years of tickets. How often a customer asks for
# help depends on their latent *service distress*; the channel follows their preferred one.

# %%
world = generate(domain, n_customers=n_customers, seed=seed)
requests = world["service_requests"]

# %% tags=["nbval-check-output"]
pd.crosstab(requests["category"], requests["channel"], margins=True)

# %% [markdown]
# ## 2 · A knowledge base that deflects requests
#
# A request is **deflected** when the customer solves it in self-service: the FAQ covers
# its category and the customer succeeds (distressed customers less often). The
# configuration below answers routine questions (access, fees and statements, address
# changes, product questions...), has an order/package **tracking** page and **contract and
# warranty status** pages, and steers `faq_first_share` of the requests arriving at an agent
# channel to the FAQ first. Both configurations replay the same requests with the same draws.

# %%
knowledge_base = SelfService(
    faq_coverage=SelfService.default(domain).faq_coverage,
    tracking=True,
    status_pages=True,
    faq_first_share=faq_first_share,
)
deflected = deflection(requests, world, knowledge_base, random_state=seed)

# %% tags=["nbval-check-output"]
deflected.summary().round(3)

# %% tags=["nbval-check-output"]
deflected.by_category.round(3)

# %%
deflected.plot();

# %% [markdown]
# Each deflected request saves the agent cost of its channel (a branch visit costs most, an
# e-mail least) minus the small cost of self-service. Disputes, complaints and fraud reports
# stay with people — as they should.

# %% [markdown]
# ## 3 · Contract and warranty status at the agent's fingertips
#
# What the agent (or the status page) shows for the customer of one ticket: their contracts
# (bank accounts) or the warranty of what they bought (retail), as of the day of the request.
# The ticket system recorded the status of the product concerned, so the look-up can be
# checked against it.

# %%
if domain == "bank":
    ticket = requests.iloc[len(requests) // 2]
    lookup = contract_status(world["accounts"], ticket["opened_at"],
                             customer_id=ticket["customer_id"])
else:
    about_orders = requests[requests["order_ref"].notna()]
    ticket = about_orders.iloc[len(about_orders) // 2]
    lookup = warranty_status(world["orders"], world["order_lines"], world["products"],
                             ticket["opened_at"], customer_id=ticket["customer_id"])
    lookup = lookup[lookup["order_id"] == int(ticket["order_ref"])]

# %% tags=["nbval-check-output"]
ticket.reindex(["request_id", "customer_id", "channel", "category", "product_code",
                "account_id", "order_ref", "contract_status", "opened_at"]).to_frame("ticket")

# %% tags=["nbval-check-output"]
lookup

# %% [markdown]
# ## 4 · Request management as a queue: how many agents?
#
# A contact centre serving `call_centre_customers` customers (the same latent model, drawn
# without building the tables). A week of requests; the phone calls queue for agents who take
# about eight minutes a call. **Erlang C** — the M/M/c queue every call centre plans with —
# gives the service level (share answered within 20 s), the average speed of answer and the
# occupancy for each number of agents, at the busiest hour:

# %%
population = population_traits(domain, call_centre_customers, seed=seed)
week = simulate_requests(population, days=7, start=world.meta["end"], random_state=seed)
calls = week.loc[week["channel"] == "phone", "opened_at"]
schedule = hourly_staffing(calls, HANDLE_MINUTES["phone"],
                           service_level_target=service_level_target)
peak = schedule["arrivals_per_hour"].max()
peak_staffing = staffing(peak, HANDLE_MINUTES["phone"],
                         service_level_target=service_level_target)

# %% tags=["nbval-check-output"]
peak_staffing.summary().round(3)

# %%
peak_staffing.plot();

# %% [markdown]
# Calls do not arrive evenly: none at night, a peak late in the morning. A **schedule** that
# follows the arrivals (Erlang C hour by hour) against a flat roster with the same number of
# agents all day long — replayed on the week's real arrivals by a discrete-time simulation of
# the queue (backlog carried from one 5-minute step to the next). The simulation treats the
# work inside a step as smooth, so it shows the backlogs that build when arrivals outrun the
# agents for hours; Erlang C adds the short waits caused by random bursts.

# %%
by_schedule = simulate_queue(calls, handle_minutes=HANDLE_MINUTES["phone"],
                             agents=schedule["agents"].to_numpy(), step_minutes=5,
                             target_minutes=20 / 60)
flat = int(round(schedule.loc[schedule["agents"] > 0, "agents"].mean()))
flat_roster = simulate_queue(calls, handle_minutes=HANDLE_MINUTES["phone"], agents=flat,
                             step_minutes=5, target_minutes=20 / 60)
understaffed = simulate_queue(calls, handle_minutes=HANDLE_MINUTES["phone"],
                              agents=(schedule["agents"] - 1).clip(lower=0).to_numpy(),
                              step_minutes=5, target_minutes=20 / 60)

# %% tags=["nbval-check-output"]
pd.concat(
    {
        "hourly schedule": by_schedule.summary().set_index("metric")["value"],
        f"flat roster of {flat}": flat_roster.summary().set_index("metric")["value"],
        "schedule minus one agent": understaffed.summary().set_index("metric")["value"],
    },
    axis=1,
).round(3)

# %%
understaffed.plot();

# %% [markdown]
# ## 5 · Proactive chat for visitors who show intent or distress
#
# The click-stream shows what a visitor is doing: many product pages and a look at the
# checkout suggest **purchase intent**; FAQ, support and tracking pages again and again, or
# repeated visits, suggest **distress**. A trigger rule offers chat; some visitors accept. A
# chat with a shopper works like a personal contact (it helps persuadables, puts
# do-not-disturb customers off); a chat with a distressed customer solves the problem before
# it turns into a dissatisfying ticket. The world's sessions of known customers, with their
# true intent to score the rule:

# %%
signals = session_signals(
    world["web_sessions"], world["page_views"], world.truth["identity_map"],
    session_truth=world.truth["web_session_truth"],
)
rules = {
    "default rule": TriggerRule(),
    "intent only": TriggerRule(min_support_views=0, min_recent_visits=0),
    "strict": TriggerRule(min_product_views=6, min_page_views=9, min_support_views=5,
                          min_recent_visits=3),
}
proactive = {name: proactive_chat(signals, world, rule, random_state=seed)
             for name, rule in rules.items()}

# %% tags=["nbval-check-output"]
pd.concat({name: r.summary().set_index("metric")["value"] for name, r in proactive.items()},
          axis=1).round(3)

# %%
proactive["default rule"].plot();

# %% [markdown]
# Precision says how many offers reach the right visitors, recall how many of those visitors
# get one. Intent chats are paid back by the *incremental* sales only — customers who would
# have bought anyway (sure things) add cost, not margin — so whether they pay depends on the
# margin of the products and the cost of an agent's minutes; a stricter rule makes fewer,
# better-aimed offers. Distress chats cost money and pay back in problems solved and churn
# avoided, which this table does not turn into money.

# %% [markdown]
# ## 6 · Service quality and retention
#
# In the world, every dissatisfying service contact multiplies the customer's monthly churn
# hazard by 2.5 for three months. First, what the data show: of the requests whose
# satisfaction survey was answered (at least 90 days before the end of the data), how often
# did the customer leave within the next 90 days — after a satisfying (4–5) and after a
# dissatisfying (1–3) experience?

# %%
rated = requests.dropna(subset=["satisfaction"])
rated = rated[rated["opened_at"] <= pd.Timestamp(world.meta["end"]) - pd.Timedelta(days=90)]
events = world["lifecycle_events"]
churn_at = events[events["event_type"] == "churn"].groupby("customer_id")["event_at"].min()
left_at = rated["customer_id"].map(churn_at)
after = pd.DataFrame(
    {
        "experience": rated["satisfaction"].ge(4).map({True: "satisfied (4-5)",
                                                       False: "dissatisfied (1-3)"}),
        "left within 90 days": (left_at > rated["opened_at"])
        & (left_at <= rated["opened_at"] + pd.Timedelta(days=90)),
    }
)

# %% tags=["nbval-check-output"]
after.groupby("experience")["left within 90 days"].agg(["size", "mean"]).rename(
    columns={"size": "rated requests", "mean": "share who left"}
).round(4)

# %% [markdown]
# The model behind it answers the what-if: if first-contact resolution improved (a share of
# the requests not solved at once now solved at once) or got worse, how would churn and
# customer value change? `churn_hazard_given_service` — the same function the lifecycle
# lessons use — gives each customer's monthly hazard under the new service quality.

# %%
retention = service_retention(world, (-0.3, -0.1, 0.0, 0.1, 0.3, 0.6), months=24)

# %% tags=["nbval-check-output"]
retention.summary().round(4)

# %%
retention.plot();

# %% [markdown]
# Better service keeps customers — but keeping a customer longer is worth only what that
# customer earns, and at a bank most customers are unprofitable: the value column (the sum of
# the customers' discounted profit over two years) moves far less than churn. Whether better
# first-contact resolution is worth its cost is decided by customer-centric metrics —
# profitability and lifetime value — not by channel metrics such as waiting time.

# %%
lessons.run_record(
    domain=domain, n_customers=n_customers, seed=seed,
    call_centre_customers=call_centre_customers, service_level_target=service_level_target,
    faq_first_share=faq_first_share,
)
