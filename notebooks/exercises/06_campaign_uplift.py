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
# # Exercise 06 · Campaign ROI and uplift: who should we contact?
#
# Every campaign of the bank kept a random **control group**: customers who were eligible but
# were *not* contacted. That is what lets you measure what a campaign really achieved — the
# take-ups it *caused*, not the take-ups that would have happened anyway. You will measure the
# campaigns, put a return on investment on them, compare your estimate with the true effect the
# synthetic bank knows, and see why targeting the customers most likely to respond is not the
# same as targeting the customers a contact persuades.
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
from ecrm_lab.grading import between, check, close_to, frame_close, has_columns, is_kind
from ecrm_lab.world import generate

w = generate(domain, n_customers=n_customers, seed=seed)
contacts, responses, campaigns = w["campaign_contacts"], w["campaign_responses"], w["campaigns"]
VALUE_PER_TAKE_UP = 150.0  # margin the bank earns on one product taken up
contacts.head(3)

# %% [markdown]
# ## 1 · Treatment against control, campaign by campaign
#
# A contact *took up* if it has a response of type `"took_up"`. For every campaign compute
# the number of contacts in each group and the take-up rate of each group, and the observed
# uplift (treatment rate minus control rate). Store them in the DataFrame
# `campaign_results` with the columns `campaign_id`, `n_treatment`, `n_control`,
# `rate_treatment`, `rate_control` and `uplift`.

# %% nbgrader={"grade": false, "grade_id": "q1_results", "locked": false, "schema_version": 3, "solution": true, "task": false}
# campaign_results: DataFrame
### BEGIN SOLUTION
took = set(responses.loc[responses["response_type"] == "took_up", "contact_id"])
c = contacts.assign(took_up=contacts["contact_id"].isin(took).astype(int))
by_group = c.groupby(["campaign_id", "group"])["took_up"]
sizes = by_group.size().unstack("group", fill_value=0)
rates = by_group.mean().unstack("group")
campaign_results = pd.DataFrame(
    {
        "campaign_id": sizes.index.to_numpy(),
        "n_treatment": sizes["treatment"].to_numpy(),
        "n_control": sizes["control"].to_numpy(),
        "rate_treatment": rates["treatment"].to_numpy(),
        "rate_control": rates["control"].to_numpy(),
    }
)
campaign_results["uplift"] = campaign_results["rate_treatment"] - campaign_results["rate_control"]
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q1_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
check("campaign_results", has_columns("campaign_id", "n_treatment", "n_control",
                                      "rate_treatment", "rate_control", "uplift"), points=1)
### BEGIN HIDDEN TESTS
check("campaign_results", frame_close(key="campaign_id", abs=1e-6), points=2)
### END HIDDEN TESTS

# %%
campaign_results.round(4)

# %% [markdown]
# ## 2 · The return on the campaigns
#
# * `total_cost`: the sum of `cost` over all treatment contacts (control contacts cost
#   nothing: they were not contacted);
# * `incremental_take_ups`: the take-ups the campaigns caused, summed over campaigns:
#   observed uplift × number of treatment contacts;
# * `roi`: `(incremental_take_ups * VALUE_PER_TAKE_UP - total_cost) / total_cost`.
#
# Why would the take-ups of the treatment group alone overstate what the campaigns earned?

# %% nbgrader={"grade": false, "grade_id": "q2_roi", "locked": false, "schema_version": 3, "solution": true, "task": false}
# total_cost: float; incremental_take_ups: float; roi: float
### BEGIN SOLUTION
total_cost = float(contacts.loc[contacts["group"] == "treatment", "cost"].sum())
incremental_take_ups = float((campaign_results["uplift"] * campaign_results["n_treatment"]).sum())
roi = (incremental_take_ups * VALUE_PER_TAKE_UP - total_cost) / total_cost
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q2_check", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
check("roi", is_kind("number"), points=1)
### BEGIN HIDDEN TESTS
check("total_cost", close_to(rel=0.001), points=1)
check("incremental_take_ups", close_to(abs=0.5), points=1)
check("roi", close_to(abs=0.05), points=2)
### END HIDDEN TESTS

# %% [markdown]
# ## 3 · The true effect
#
# The synthetic bank knows each contact's true treatment effect: `true_uplift` in
# `w.truth["campaign_uplift"]` is P(take-up | contacted) − P(take-up | not contacted) for
# that customer and offer. Sum it over the **treatment** contacts and store it in
# `true_incremental`: the take-ups the campaigns caused on average. How far off was your
# estimate from a control group of this size?

# %% nbgrader={"grade": false, "grade_id": "q3_truth", "locked": false, "schema_version": 3, "solution": true, "task": false}
# true_incremental: float
### BEGIN SOLUTION
uplift_truth = w.truth["campaign_uplift"]
treated_ids = contacts.loc[contacts["group"] == "treatment", "contact_id"]
true_incremental = float(
    uplift_truth.loc[uplift_truth["contact_id"].isin(treated_ids), "true_uplift"].sum()
)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q3_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
check("true_incremental", is_kind("number"), points=1)
### BEGIN HIDDEN TESTS
check("true_incremental", close_to(rel=0.01), points=2)
### END HIDDEN TESTS

# %% [markdown]
# ## 4 · Response targeting against uplift targeting
#
# Suppose the bank could contact only 20 % of the rows of `w.truth["campaign_uplift"]` (all
# contacts, both groups). A **response** view ranks them by `p_treated` (how likely they take
# up when contacted); an **uplift** view ranks them by `true_uplift` (how much the contact
# changes that). For the top 20 % of each ranking (the first `int(0.2 * n)` rows after sorting,
# highest first), store the sum of `true_uplift` in `gain_response_top20` and
# `gain_uplift_top20`. Finally store the share of the response view's top 20 % whose customer is
# a **sure thing** (`uplift_class == "sure_thing"` in `w.truth["customer_traits"]`) in
# `sure_things_response_top20`. Who does a response model spend the budget on?

# %% nbgrader={"grade": false, "grade_id": "q4_targeting", "locked": false, "schema_version": 3, "solution": true, "task": false}
# gain_response_top20: float; gain_uplift_top20: float; sure_things_response_top20: float
### BEGIN SOLUTION
k = int(0.2 * len(uplift_truth))
by_response = uplift_truth.sort_values("p_treated", ascending=False, kind="stable").head(k)
by_uplift = uplift_truth.sort_values("true_uplift", ascending=False, kind="stable").head(k)
gain_response_top20 = float(by_response["true_uplift"].sum())
gain_uplift_top20 = float(by_uplift["true_uplift"].sum())
uplift_class = w.truth["customer_traits"].set_index("customer_id")["uplift_class"]
sure_things_response_top20 = float(
    (by_response["customer_id"].map(uplift_class) == "sure_thing").mean()
)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q4_check", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
check("sure_things_response_top20", between(0.0, 1.0), points=1)
### BEGIN HIDDEN TESTS
check("gain_response_top20", close_to(rel=0.02), points=1)
check("gain_uplift_top20", close_to(rel=0.02), points=1)
check("sure_things_response_top20", close_to(abs=0.02), points=2)
### END HIDDEN TESTS

# %%
lessons.run_record(student_id=student_id, seed=seed, domain=domain, n_customers=n_customers)
