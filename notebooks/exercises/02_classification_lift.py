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
# # Exercise 02 · Propensity to buy: a classifier judged by its lift
#
# The bank's campaigns reach about 1 % take-up when it contacts customers at random. The
# course material reports that a bank which targeted its campaigns with data mining raised
# take-up to **3–5 %**. Here you check that claim on your own synthetic bank: build the
# modelling table from the campaign history, fit a propensity model, read its **lift**, and
# compare it with the best any model could do — ranking by the *true* propensity, which only
# the ground truth knows.
#
# Your data come from a seed derived from your student id. The check cells show at once
# whether the form of each answer is right; more checks run when your notebook is graded.

# %% tags=["parameters"]
student_id: str = "demo"  # whose copy this is; the seed is derived from it
seed: int = 1965174166  # random seed of this student's data (set from student_id, do not edit)
domain: str = "bank"  # which synthetic business: 'bank' or 'retail'
n_customers: int = 2000  # number of customers in the synthetic world

# %%
import pandas as pd

import ecrm_lab.lessons as lessons
from ecrm_lab.grading import at_least, between, check, close_to, equals, is_kind
from ecrm_lab.mining import classify, lift_table
from ecrm_lab.world import generate

w = generate(domain, n_customers=n_customers, seed=seed)
contacts, responses, campaigns = w["campaign_contacts"], w["campaign_responses"], w["campaigns"]
campaigns[["campaign_id", "name", "product_code", "channel", "n_treatment", "n_control"]]

# %% [markdown]
# ## 1 · The modelling table
#
# One row per **treatment** contact (customers in the control group were not contacted).
# Build `table` with the columns `contact_id`, the campaign's `product_code` and `channel`,
# the customer's `region`, `income_band` and `age` (whole years on 2024-01-01: days since
# `birth_date` floor-divided by 365), `n_products` (the number of distinct products the
# customer holds in `accounts`) and `took_up` (1 if the contact has a response of type
# `"took_up"`, else 0). Store the number of rows in `n_contacts` and the overall take-up rate
# in `take_up_rate`.

# %% nbgrader={"grade": false, "grade_id": "q1_table", "locked": false, "schema_version": 3, "solution": true, "task": false}
# table: DataFrame; n_contacts: int; take_up_rate: float
### BEGIN SOLUTION
treated = contacts[contacts["group"] == "treatment"]
took = responses.loc[responses["response_type"] == "took_up", "contact_id"]
customers = w["customers"].copy()
customers["age"] = (pd.Timestamp("2024-01-01") - customers["birth_date"]).dt.days // 365
holdings = (
    w["accounts"].groupby("customer_id")["product_code"].nunique().rename("n_products").reset_index()
)
table = (
    treated[["contact_id", "campaign_id", "customer_id"]]
    .merge(campaigns[["campaign_id", "product_code", "channel"]], on="campaign_id")
    .merge(customers[["customer_id", "region", "income_band", "age"]], on="customer_id")
    .merge(holdings, on="customer_id", how="left")
)
table["took_up"] = table["contact_id"].isin(took).astype(int)
table = table.drop(columns=["campaign_id", "customer_id"])
n_contacts = len(table)
take_up_rate = float(table["took_up"].mean())
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q1_check", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
check("take_up_rate", between(0.0, 0.05), points=1)
### BEGIN HIDDEN TESTS
check("n_contacts", equals(), points=2)
check("take_up_rate", close_to(abs=0.0005), points=1)
### END HIDDEN TESTS

# %% [markdown]
# ## 2 · A propensity model
#
# Fit the models with
# `classify(table, "took_up", id_col="contact_id", models=("baseline", "logistic"),
# n_repeats=1, random_state=0)` and store the result in `result`. Store the logistic model's
# holdout ROC AUC (in `result.metrics`) in `logistic_auc`.

# %% nbgrader={"grade": false, "grade_id": "q2_model", "locked": false, "schema_version": 3, "solution": true, "task": false}
# result: ClassificationResult; logistic_auc: float
### BEGIN SOLUTION
result = classify(
    table,
    "took_up",
    id_col="contact_id",
    models=("baseline", "logistic"),
    n_repeats=1,
    random_state=0,
)
logistic_auc = float(result.metrics.loc["logistic", "roc_auc"])
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q2_check", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
check("logistic_auc", between(0.0, 1.0), points=1)
### BEGIN HIDDEN TESTS
check("logistic_auc", close_to(abs=0.05), points=2)
check("logistic_auc", at_least(0.55), points=1)
### END HIDDEN TESTS

# %% [markdown]
# ## 3 · Lift
#
# `result.lift` is the decile lift table of the best model on the holdout: bin 1 holds the
# tenth of contacts the model scores highest. Store the lift of bin 1 in `top_decile_lift`
# and its take-up rate in `top_decile_rate`. How does it compare with 1 %?

# %% nbgrader={"grade": false, "grade_id": "q3_lift", "locked": false, "schema_version": 3, "solution": true, "task": false}
# top_decile_lift: float; top_decile_rate: float
### BEGIN SOLUTION
top_decile_lift = float(result.lift.loc[0, "lift"])
top_decile_rate = float(result.lift.loc[0, "response_rate"])
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q3_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
check("top_decile_lift", is_kind("number"), points=1)
### BEGIN HIDDEN TESTS
check("top_decile_lift", close_to(rel=0.25), points=1)
check("top_decile_rate", close_to(rel=0.25), points=1)
### END HIDDEN TESTS

# %% [markdown]
# ## 4 · The oracle: the best any model could do
#
# The ground truth table `w.truth["campaign_uplift"]` holds, for every contact, the true
# probability of taking up when contacted (`p_treated`). Rank **all** rows of `table` by that
# probability with `lift_table(table["took_up"], scores)` and store the take-up rate of the top
# decile in `oracle_top_decile_rate`. This is the case figure of the course material: where
# does it land relative to the 1 % of random contacts?

# %% nbgrader={"grade": false, "grade_id": "q4_oracle", "locked": false, "schema_version": 3, "solution": true, "task": false}
# oracle_top_decile_rate: float
### BEGIN SOLUTION
p_true = w.truth["campaign_uplift"].set_index("contact_id")["p_treated"]
oracle = lift_table(table["took_up"], table["contact_id"].map(p_true))
oracle_top_decile_rate = float(oracle.loc[0, "response_rate"])
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q4_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
check("oracle_top_decile_rate", between(0.0, 1.0), points=1)
### BEGIN HIDDEN TESTS
check("oracle_top_decile_rate", close_to(rel=0.02), points=1)
check("oracle_top_decile_rate", between(0.02, 0.12), points=1)
### END HIDDEN TESTS

# %% [markdown]
# ## 5 · How many contacts for half the take-ups?
#
# From the cumulative gains of the model (`cum_share` and `cum_gain` in `result.lift`), find
# the smallest share of the holdout contacts that, taken from the top of the model's ranking,
# captures at least half of the holdout's take-ups. Store it in `share_for_half`.

# %% nbgrader={"grade": false, "grade_id": "q5_gains", "locked": false, "schema_version": 3, "solution": true, "task": false}
# share_for_half: float
### BEGIN SOLUTION
gains = result.lift
share_for_half = float(gains.loc[gains["cum_gain"] >= 0.5, "cum_share"].min())
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q5_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check("share_for_half", between(0.0, 1.0), points=1)
### BEGIN HIDDEN TESTS
check("share_for_half", close_to(abs=0.1), points=1)
### END HIDDEN TESTS

# %% [markdown]
# The cumulative gains curve shows the same story as a picture: the further the curve bends
# above the diagonal, the fewer contacts the campaign needs.

# %%
lessons.setup_notebook()  # the house plotting style
result.plot(kind="gains");

# %%
lessons.run_record(student_id=student_id, seed=seed, domain=domain, n_customers=n_customers)
