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
# # Exercise 03 · Cross-sell: association rules from shopping baskets
#
# Link analysis finds the products that are bought together. The retailer wants rules of the
# form *"customers who put A in the basket also put C in it"* to drive its cross-sell: the
# "frequently bought together" block of the web shop, the next-best offer of the e-mail
# campaigns. The synthetic retailer has a few such habits planted in its customers'
# behaviour — your rules should find them.
#
# Your data come from a seed derived from your student id. The check cells show at once
# whether the form of each answer is right; more checks run when your notebook is graded.

# %% tags=["parameters"]
student_id: str = "demo"  # whose copy this is; the seed is derived from it
seed: int = 1965174166  # random seed of this student's data (set from student_id, do not edit)
domain: str = "retail"  # which synthetic business: 'retail'
n_customers: int = 1000  # number of customers in the synthetic world

# %%
import ecrm_lab.lessons as lessons
from ecrm_lab.grading import check, close_to, contains, equals, has_length, is_kind, overlaps
from ecrm_lab.mining import association_rules
from ecrm_lab.world import generate

w = generate(domain, n_customers=n_customers, seed=seed)
orders, order_lines, products = w["orders"], w["order_lines"], w["products"]
order_lines.head()

# %% [markdown]
# ## 1 · Baskets
#
# A basket is one order; its items are the distinct `product_code`s of its order lines. Store
# the number of baskets (orders with at least one line) in `n_baskets` and the mean number of
# distinct products per basket in `mean_basket_size`.

# %% nbgrader={"grade": false, "grade_id": "q1_baskets", "locked": false, "schema_version": 3, "solution": true, "task": false}
# n_baskets: int; mean_basket_size: float
### BEGIN SOLUTION
items_per_basket = order_lines.groupby("order_id")["product_code"].nunique()
n_baskets = int(len(items_per_basket))
mean_basket_size = float(items_per_basket.mean())
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q1_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
check("n_baskets", is_kind("integer"), points=1)
### BEGIN HIDDEN TESTS
check("n_baskets", equals(), points=1)
check("mean_basket_size", close_to(rel=0.01), points=1)
### END HIDDEN TESTS

# %% [markdown]
# ## 2 · Mining the rules
#
# Mine the rules with
# `association_rules(order_lines, transaction="order_id", item="product_code",
# min_support=0.003, min_confidence=0.3, max_len=3)` and store the result in `mined`.
# `mined.rules` has one row per rule, strongest lift first, with `antecedents` and
# `consequents` as frozensets of product codes.
#
# Store every rule in `found_rules` as a list of `[antecedent, consequent]` pairs of strings,
# each itemset written as its product codes **sorted and joined by `"|"`** — for example
# `["PAN01C|PAN02C", "FRE05C"]`.

# %% nbgrader={"grade": false, "grade_id": "q2_rules", "locked": false, "schema_version": 3, "solution": true, "task": false}
# mined: AssociationResult; found_rules: list of [str, str]
### BEGIN SOLUTION
mined = association_rules(
    order_lines,
    transaction="order_id",
    item="product_code",
    min_support=0.003,
    min_confidence=0.3,
    max_len=3,
)
found_rules = [
    ["|".join(sorted(a)), "|".join(sorted(c))]
    for a, c in zip(mined.rules["antecedents"], mined.rules["consequents"], strict=True)
]
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q2_check", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
check("found_rules", is_kind("list"), points=1)
### BEGIN HIDDEN TESTS
planted = w.truth["planted_rules"]
planted_pairs = list(zip(planted["antecedent"], planted["consequent"], strict=True))
check("found_rules", contains(planted_pairs, at_least=0.85), points=3)
check("found_rules", has_length(rel=0.5), points=1)
### END HIDDEN TESTS

# %% [markdown]
# The strongest rules by lift, as a table:

# %%
mined.summary().head(10).round(3)

# %% [markdown]
# ## 3 · The strongest rule
#
# Store the rule with the highest lift (the first row of `mined.rules`) as a
# `[antecedent, consequent]` pair in the same format in `top_rule`, and its lift in
# `top_rule_lift`. What does a lift of that size mean for the consequent's chance of being in
# a basket?

# %% nbgrader={"grade": false, "grade_id": "q3_top", "locked": false, "schema_version": 3, "solution": true, "task": false}
# top_rule: [str, str]; top_rule_lift: float
### BEGIN SOLUTION
top_rule = found_rules[0]
top_rule_lift = float(mined.rules["lift"].iloc[0])
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q3_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
check("top_rule_lift", is_kind("number"), points=1)
### BEGIN HIDDEN TESTS
check("top_rule", equals(), points=1)
check("top_rule_lift", close_to(rel=0.02), points=1)
### END HIDDEN TESTS

# %% [markdown]
# ## 4 · A cross-sell target list
#
# One rule says that nappies (`BAB01C`) go with baby wipes (`BAB02C`). The e-mail team wants
# the customers to offer baby wipes to: those who **bought nappies at least once but never
# baby wipes**. Store their `customer_id`s as a list in `cross_sell_targets` (join
# `order_lines` to `orders` for the customer of each order).

# %% nbgrader={"grade": false, "grade_id": "q4_targets", "locked": false, "schema_version": 3, "solution": true, "task": false}
# cross_sell_targets: list of customer ids
### BEGIN SOLUTION
bought = order_lines.merge(orders[["order_id", "customer_id"]], on="order_id")
nappies = set(bought.loc[bought["product_code"] == "BAB01C", "customer_id"])
wipes = set(bought.loc[bought["product_code"] == "BAB02C", "customer_id"])
cross_sell_targets = sorted(int(c) for c in nappies - wipes)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q4_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
check("cross_sell_targets", is_kind("list"), points=1)
### BEGIN HIDDEN TESTS
check("cross_sell_targets", overlaps(at_least=0.95), points=2)
### END HIDDEN TESTS

# %%
lessons.run_record(student_id=student_id, seed=seed, domain=domain, n_customers=n_customers)
