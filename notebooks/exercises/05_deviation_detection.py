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
# # Exercise 05 · Deviation detection: finding the planted fraud
#
# Deviation detection looks for the records that do not fit: the card that suddenly buys gift
# cards abroad at night, five times in an hour. Fraud is rare — a few dozen of tens of
# thousands of card payments in your bank — and nobody labels it for you in advance. You will
# build a few features that describe *how unusual* a payment is for its customer, let an
# isolation forest rank every payment, hand the top 50 to the fraud team, and then — because
# the synthetic bank knows which payments were planted fraud — measure how good that list is.
#
# Your data come from a seed derived from your student id. The check cells show at once
# whether the form of each answer is right; more checks run when your notebook is graded.

# %% tags=["parameters"]
student_id: str = "demo"  # whose copy this is; the seed is derived from it
seed: int = 1965174166  # random seed of this student's data (set from student_id, do not edit)
domain: str = "bank"  # which synthetic business: 'bank'
n_customers: int = 2000  # number of customers in the synthetic world

# %%
import ecrm_lab.lessons as lessons
from ecrm_lab.grading import (
    between,
    check,
    close_to,
    detects,
    equals,
    has_length,
    is_kind,
    overlaps,
)
from ecrm_lab.mining import isolation_forest, robust_zscores
from ecrm_lab.world import generate

w = generate(domain, n_customers=n_customers, seed=seed)
transactions = w["transactions"]
RISKY_MERCHANTS = ["gift_cards", "crypto_exchange", "electronics"]
transactions.head(3)

# %% [markdown]
# ## 1 · The card payments
#
# Card fraud shows up in card payments. Keep the transactions whose `channel` is
# `"card_pos"` or `"card_online"` in the DataFrame `cards`, store their number in
# `n_card_payments`, and the share of them made outside Great Britain (`country` other than
# `"GB"`) in `foreign_share`.

# %% nbgrader={"grade": false, "grade_id": "q1_cards", "locked": false, "schema_version": 3, "solution": true, "task": false}
# cards: DataFrame; n_card_payments: int; foreign_share: float
### BEGIN SOLUTION
cards = transactions[transactions["channel"].isin(["card_pos", "card_online"])].copy()
n_card_payments = len(cards)
foreign_share = float((cards["country"] != "GB").mean())
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q1_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
check("foreign_share", between(0.0, 1.0), points=1)
### BEGIN HIDDEN TESTS
check("n_card_payments", equals(), points=1)
check("foreign_share", close_to(abs=0.002), points=1)
### END HIDDEN TESTS

# %% [markdown]
# ## 2 · Features: how unusual is each payment?
#
# Add four columns to `cards`:
#
# * `foreign` — 1 if the payment was made outside GB, else 0;
# * `risky_merchant` — 1 if `merchant_category` is one of `RISKY_MERCHANTS`, else 0;
# * `n_same_day` — how many card payments the same customer made on the same calendar day
#   (this one included);
# * `amount_z` — how unusually *large* the payment is for this customer: the score of
#   `robust_zscores(cards, customer="customer_id", amount="amount", id_col="transaction_id",
#   side="lower")` (payments are negative amounts, so large payments are unusually *low*);
#   its `table` has one row per payment with `id` and `score`.
#
# Store the number of payments with `amount_z` above 5 in `n_extreme_amounts`.

# %% nbgrader={"grade": false, "grade_id": "q2_features", "locked": false, "schema_version": 3, "solution": true, "task": false}
# cards[["foreign", "risky_merchant", "n_same_day", "amount_z"]]; n_extreme_amounts: int
### BEGIN SOLUTION
cards["foreign"] = (cards["country"] != "GB").astype(int)
cards["risky_merchant"] = cards["merchant_category"].isin(RISKY_MERCHANTS).astype(int)
cards["day"] = cards["timestamp"].dt.floor("D")
cards["n_same_day"] = cards.groupby(["customer_id", "day"])["transaction_id"].transform("size")
z = robust_zscores(
    cards, customer="customer_id", amount="amount", id_col="transaction_id", side="lower"
)
cards["amount_z"] = cards["transaction_id"].map(z.table.set_index("id")["score"])
n_extreme_amounts = int((cards["amount_z"] > 5).sum())
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q2_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
check("n_extreme_amounts", is_kind("integer"), points=1)
### BEGIN HIDDEN TESTS
check("n_extreme_amounts", close_to(rel=0.02, abs=1), points=2)
### END HIDDEN TESTS

# %% [markdown]
# ## 3 · Ranking the payments
#
# Score every card payment with an isolation forest on the four features:
# `isolation_forest(cards[["transaction_id", "foreign", "risky_merchant", "n_same_day",
# "amount_z"]], id_col="transaction_id", random_state=0)`. Its `table` lists the payments,
# most unusual first. The fraud team can check 50 payments a day: store the ids of the top 50
# as a list in `flagged`.

# %% nbgrader={"grade": false, "grade_id": "q3_flagged", "locked": false, "schema_version": 3, "solution": true, "task": false}
# flagged: list of 50 transaction ids
### BEGIN SOLUTION
features = cards[["transaction_id", "foreign", "risky_merchant", "n_same_day", "amount_z"]]
forest = isolation_forest(features, id_col="transaction_id", random_state=0)
flagged = forest.table["id"].head(50).astype(int).tolist()
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q3_check", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
check("flagged", has_length(50), points=1)
### BEGIN HIDDEN TESTS
planted = w.truth["planted_anomalies"]
planted_ids = planted.loc[planted["source_table"] == "transactions", "record_id"].tolist()
check("flagged", overlaps(at_least=0.8), points=2)
check("flagged", detects(planted_ids, min_precision=0.05, min_recall=0.35), points=3)
### END HIDDEN TESTS

# %% [markdown]
# ## 4 · How good is the list?
#
# The ground truth `w.truth["planted_anomalies"]` lists the planted fraud; the rows with
# `source_table == "transactions"` name the payments in `record_id`. Store the share of your
# 50 flagged payments that are planted fraud in `precision_at_50`, and the share of all
# planted fraudulent transactions that your list catches in `recall_at_50`. How many times
# better than 50 payments picked at random is the list?

# %% nbgrader={"grade": false, "grade_id": "q4_truth", "locked": false, "schema_version": 3, "solution": true, "task": false}
# precision_at_50: float; recall_at_50: float
### BEGIN SOLUTION
fraud = set(
    w.truth["planted_anomalies"].query("source_table == 'transactions'")["record_id"].tolist()
)
hits = len(fraud & set(flagged))
precision_at_50 = hits / 50
recall_at_50 = hits / len(fraud)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q4_check", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
check("precision_at_50", between(0.0, 1.0), points=1)
check("recall_at_50", between(0.0, 1.0), points=1)
### BEGIN HIDDEN TESTS
check("precision_at_50", close_to(abs=0.05), points=1)
check("recall_at_50", close_to(abs=0.05), points=1)
### END HIDDEN TESTS

# %%
forest.top(10)

# %%
lessons.run_record(student_id=student_id, seed=seed, domain=domain, n_customers=n_customers)
