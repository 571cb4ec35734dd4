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
# # Exercise 01 · The KDD process: from raw customer data to a validated finding
#
# The bank wants to know, at the start of 2024, **which of its customers will be high-value
# customers this year** (the top quarter by card and account spending in 2024), so that the
# relationship managers can look after them first. You will walk through the five steps of
# knowledge discovery in databases (KDD) — selection, pre-processing, transformation, data
# mining, interpretation — and answer one question per step.
#
# Your data are your own: the synthetic bank below is generated from a seed derived from your
# student id, so your numbers differ from your classmates'. Run the cells in order. The check
# cells tell you at once whether the *form* of an answer is right; more checks run when your
# notebook is graded.

# %% tags=["parameters"]
student_id: str = "demo"  # whose copy this is; the seed is derived from it
seed: int = 1965174166  # random seed of this student's data (set from student_id, do not edit)
domain: str = "bank"  # which synthetic business: 'bank' or 'retail'
n_customers: int = 1000  # number of customers in the synthetic world

# %%
import pandas as pd
from sklearn.linear_model import LogisticRegression

import ecrm_lab.lessons as lessons
from ecrm_lab import kdd
from ecrm_lab.grading import at_least, between, check, close_to, equals, is_kind
from ecrm_lab.world import generate

w = generate(domain, n_customers=n_customers, seed=seed)
as_of = pd.Timestamp("2024-01-01")  # the day the bank asks the question
transactions = w["transactions"].rename(columns={"timestamp": "date"})
w["customers"].head(3)

# %% [markdown]
# ## 1 · Selection: the target data
#
# Only customers who were already customers on `as_of` can be scored on that day. Build the
# DataFrame `selected` with one row per customer **acquired before `as_of`**, with the
# columns `customer_id`, `region`, `income_band`, `acquisition_channel` and `age` (whole
# years on `as_of`: the number of days between `birth_date` and `as_of`, floor-divided by 365).
# Store the number of rows in `n_selected`.

# %% nbgrader={"grade": false, "grade_id": "q1_selection", "locked": false, "schema_version": 3, "solution": true, "task": false}
# selected: DataFrame; n_selected: int
### BEGIN SOLUTION
customers = w["customers"]
selected = customers[customers["acquisition_date"] < as_of].copy()
selected["age"] = (as_of - selected["birth_date"]).dt.days // 365
selected = selected[["customer_id", "region", "income_band", "acquisition_channel", "age"]]
n_selected = len(selected)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q1_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
check("n_selected", is_kind("integer"), points=1)
### BEGIN HIDDEN TESTS
check("n_selected", equals(), points=2)
### END HIDDEN TESTS

# %% [markdown]
# ## 2 · The target: who is high-value in 2024?
#
# A customer's 2024 spend is the total of their **outgoing** transactions (negative
# `amount`) dated on or after `as_of`, as a positive number (0 for customers without any).
# High-value customers are those whose 2024 spend is **above the 75th percentile** of the
# selected customers' 2024 spend. Add the column `high_value` (1 or 0) to `selected`; store
# the percentile in `spend_cutoff` and the share of high-value customers in `target_rate`.

# %% nbgrader={"grade": false, "grade_id": "q2_target", "locked": false, "schema_version": 3, "solution": true, "task": false}
# spend_cutoff: float; target_rate: float; selected["high_value"]: 0/1
### BEGIN SOLUTION
outgoing = transactions[(transactions["date"] >= as_of) & (transactions["amount"] < 0)]
spend = outgoing.groupby("customer_id")["amount"].sum().abs()
spend_2024 = selected["customer_id"].map(spend).fillna(0.0)
spend_cutoff = float(spend_2024.quantile(0.75))
selected["high_value"] = (spend_2024 > spend_cutoff).astype(int)
target_rate = float(selected["high_value"].mean())
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q2_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
check("target_rate", between(0.15, 0.3), points=1)
### BEGIN HIDDEN TESTS
check("spend_cutoff", close_to(rel=0.001), points=2)
### END HIDDEN TESTS

# %% [markdown]
# ## 3 · Pre-processing: what is missing?
#
# Some customers never told the bank their income band. How many of the selected customers
# have no `income_band`? Store it in `n_missing_income`. (The process in step 5 fills those
# gaps with the most frequent band of the *training* rows — never of the holdout.)

# %% nbgrader={"grade": false, "grade_id": "q3_missing", "locked": false, "schema_version": 3, "solution": true, "task": false}
# n_missing_income: int
### BEGIN SOLUTION
n_missing_income = int(selected["income_band"].isna().sum())
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q3_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check("n_missing_income", is_kind("integer"), points=1)
### BEGIN HIDDEN TESTS
check("n_missing_income", equals(), points=1)
### END HIDDEN TESTS

# %% [markdown]
# ## 4 · Transformation: behaviour before `as_of`
#
# Behaviour is the strongest signal, but only behaviour **before** `as_of` may be used (the
# model must work on the day the question is asked). For each selected customer count the
# transactions in the 365 days before `as_of` (dates in `[as_of - 365 days, as_of)`; 0 for
# customers without any). Store the mean over the selected customers in
# `mean_frequency_365d`, and the number of selected customers with **no transaction at all
# before `as_of`** in `n_without_history`.

# %% nbgrader={"grade": false, "grade_id": "q4_features", "locked": false, "schema_version": 3, "solution": true, "task": false}
# mean_frequency_365d: float; n_without_history: int
### BEGIN SOLUTION
before = transactions[transactions["date"] < as_of]
last_year = before[before["date"] >= as_of - pd.Timedelta(days=365)]
frequency = selected["customer_id"].map(last_year.groupby("customer_id").size()).fillna(0)
mean_frequency_365d = float(frequency.mean())
n_without_history = int((~selected["customer_id"].isin(before["customer_id"])).sum())
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q4_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
check("mean_frequency_365d", at_least(0), points=1)
### BEGIN HIDDEN TESTS
check("mean_frequency_365d", close_to(rel=0.01), points=1)
check("n_without_history", equals(), points=1)
### END HIDDEN TESTS

# %% [markdown]
# ## 5 · Mining and interpretation
#
# Run the whole process with `kdd.KDDProcess`: pre-processing with the defaults; a
# transformation made of `kdd.RFMWindows(as_of=as_of, windows=(90, 365))`, `kdd.OneHot()`
# and `kdd.Scale()`; mining with `LogisticRegression(max_iter=1000)`; and interpretation.
# Run it on `selected` with `target="high_value"`, `id_column="customer_id"`,
# `random_state=0` and `tables={"transactions": transactions}`.
#
# From the result store the holdout ROC AUC in `holdout_auc`, the lift of the top 10 % in
# `top_decile_lift` (both are in `result.evaluation.summary()`), and the list of stages the
# ledger records, in order, in `stages` (`result.summary()["stage"]`).

# %% nbgrader={"grade": false, "grade_id": "q5_mining", "locked": false, "schema_version": 3, "solution": true, "task": false}
# result: KDDResult; holdout_auc: float; top_decile_lift: float; stages: list of str
### BEGIN SOLUTION
process = kdd.KDDProcess(
    [
        kdd.Preprocessing(),
        kdd.Transformation(
            [kdd.RFMWindows(as_of=as_of, windows=(90, 365)), kdd.OneHot(), kdd.Scale()]
        ),
        kdd.Mining(LogisticRegression(max_iter=1000)),
        kdd.Interpretation(),
    ]
)
result = process.run(
    selected,
    target="high_value",
    id_column="customer_id",
    random_state=0,
    tables={"transactions": transactions},
)
metrics = result.evaluation.summary().set_index("metric")["value"]
holdout_auc = float(metrics["roc_auc"])
top_decile_lift = float(metrics["lift_top_0.1"])
stages = result.summary()["stage"].tolist()
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q5_check", "locked": true, "points": 7, "schema_version": 3, "solution": false, "task": false}
check("holdout_auc", between(0.5, 1.0), points=1)
check("stages", is_kind("list"), points=1)
### BEGIN HIDDEN TESTS
check("holdout_auc", close_to(abs=0.03), points=1)
check("holdout_auc", at_least(0.75), points=1)
check("top_decile_lift", close_to(rel=0.15), points=2)
check("stages", equals(["split", "preprocessing", "transformation", "mining", "interpretation"]),
      points=1)
### END HIDDEN TESTS

# %% [markdown]
# The interpretation step turns the metrics into plain findings — knowledge the bank can act
# on. Read them: which signals does the model rely on, and how much better than a random
# choice is the top tenth?

# %%
for finding in result.findings:
    print("-", finding)

# %%
lessons.run_record(student_id=student_id, seed=seed, domain=domain, n_customers=n_customers)
