"""The planted truth is in the data, and the defaults look like the business in the course."""

import numpy as np
import pandas as pd
import pytest

from ecrm_lab.world import behaviour as B
from ecrm_lab.world.catalogue import CHANNELS, SEGMENTS


def _sets(lines: pd.DataFrame) -> pd.Series:
    return lines.groupby("product_code", observed=True)["order_id"].agg(set)


def test_planted_basket_rules_have_high_lift(retail_world):
    lines = retail_world["order_lines"]
    n_orders = lines["order_id"].nunique()
    sets = _sets(lines)
    for rule in retail_world.truth["planted_rules"].itertuples():
        ante = set.intersection(*(sets[a] for a in rule.antecedent.split("|")))
        cons = sets[rule.consequent]
        confidence = len(ante & cons) / len(ante)
        lift = confidence / (len(cons) / n_orders)
        assert len(ante) >= 30, rule.antecedent
        assert confidence > 0.8 * rule.planted_probability, rule.description
        assert lift > 3, rule.description


def test_pairs_that_were_not_planted_have_lift_near_one(retail_world):
    lines = retail_world["order_lines"]
    n_orders = lines["order_id"].nunique()
    sets = _sets(lines)
    planted = set()
    for rule in retail_world.truth["planted_rules"].itertuples():
        planted |= {*rule.antecedent.split("|"), rule.consequent}
    top = [c for c in lines["product_code"].value_counts().index[:25] if c not in planted]
    lifts = [
        len(sets[a] & sets[b]) / len(sets[a]) / (len(sets[b]) / n_orders)
        for i, a in enumerate(top)
        for b in top[i + 1 :]
    ]
    assert 0.6 < np.median(lifts) < 1.6  # no structure beyond the customers' tastes
    assert np.quantile(lifts, 0.95) < 3  # every planted rule has lift > 3


def test_planted_sequences_show_in_the_next_order(retail_world):
    orders = retail_world["orders"].sort_values(["customer_id", "order_date"])
    orders = orders[orders["promo_code"].isna()]
    nxt = orders.groupby("customer_id")["order_id"].shift(-1)
    next_of = dict(zip(orders["order_id"], nxt, strict=True))
    sets = _sets(retail_world["order_lines"])
    for seq in retail_world.truth["planted_sequences"].itertuples():
        firsts = [o for o in sets[seq.first] if not np.isnan(next_of.get(o, np.nan))]
        followed = np.mean([next_of[o] in sets[seq.then] for o in firsts])
        base = len(sets[seq.then]) / len(orders)
        assert followed > 0.6 * seq.planted_probability > 3 * base, seq.description


def test_bank_holding_rules_and_sequences(bank_world):
    acc = bank_world["accounts"]
    held = pd.crosstab(acc["customer_id"], acc["product_code"]).clip(upper=1)
    for rule in bank_world.truth["planted_rules"].itertuples():
        with_ante = held[held[rule.antecedent] == 1]
        assert with_ante[rule.consequent].mean() > rule.planted_probability - 0.1
        assert with_ante[rule.consequent].mean() > held[rule.consequent].mean() + 0.2
    core = acc[acc["opened_via"] != "campaign"]  # the rule works on the generator's openings
    opened = core.pivot_table(
        index="customer_id", columns="product_code", values="open_date", aggfunc="min"
    )
    gap = (opened["insurance"] - opened["mortgage"]).dt.days
    # mortgages opened in the horizon by customers without insurance at that time
    new_mortgage = (opened["mortgage"] >= pd.Timestamp(bank_world.meta["start"])) & ~(gap < 0)
    assert new_mortgage.sum() >= 15
    # planted 0.8, less what the end of the horizon cuts off
    assert ((gap[new_mortgage] >= 0) & (gap[new_mortgage] <= 60)).mean() > 0.55


def test_fraud_is_planted_flagged_in_truth_and_looks_different(bank_world):
    tx = bank_world["transactions"]
    anomalies = bank_world.truth["planted_anomalies"]
    assert set(anomalies["kind"]) == {"card_fraud", "account_takeover"}
    assert set(anomalies["record_id"]) <= set(tx["transaction_id"])
    fraud = tx["transaction_id"].isin(anomalies["record_id"])
    assert 0.0005 < fraud.mean() < 0.01
    assert tx.loc[fraud, "amount"].abs().median() > 3 * tx.loc[~fraud, "amount"].abs().median()
    assert (tx.loc[fraud, "country"] != "GB").mean() > 0.6
    night = tx["timestamp"].dt.hour < 6
    assert night[fraud].mean() > 3 * night[~fraud].mean()
    # one case = one burst of one customer
    per_case = anomalies.groupby(["kind", "case_id"], observed=True)["customer_id"].nunique()
    assert (per_case == 1).all()


def test_retail_anomalies_are_in_the_data(retail_world):
    anomalies = retail_world.truth["planted_anomalies"]
    lines = retail_world["order_lines"]
    glitch = anomalies[anomalies["kind"] == "price_glitch"]
    hit = lines.merge(
        glitch, left_on=["order_id", "product_code"], right_on=["record_id", "product_code"]
    )
    assert len(hit) == len(glitch) and (hit["unit_price"] == 0.01).all()
    bulk = anomalies[anomalies["kind"] == "bulk_order"]
    big = lines.groupby("order_id")["quantity"].max()
    assert (big.reindex(bulk["record_id"]) >= 40).all()


def test_untargeted_take_up_is_about_one_percent_and_targeting_reaches_3_to_5(bank_world):
    contacts = bank_world["campaign_contacts"]
    took = bank_world["campaign_responses"].query("response_type == 'took_up'")["contact_id"]
    treated = contacts["group"] == "treatment"
    observed = contacts.loc[treated, "contact_id"].isin(took).mean()
    assert 0.004 < observed < 0.02
    u = bank_world.truth["campaign_uplift"]
    p = u.loc[treated.to_numpy(), "p_treated"].to_numpy()
    assert 0.007 < p.mean() < 0.015
    top = np.sort(p)[::-1]
    # best decile: the true propensity must beat the mined one, which reaches 3-5 %
    assert 0.03 < top[: len(p) // 10].mean() < 0.12
    assert 0.025 < top[: len(p) // 5].mean() < 0.07  # best two deciles
    # the control group takes up less: the campaign has a real average effect
    assert (u["p_treated"] - u["p_control"]).mean() > 0


def test_most_bank_customers_are_unprofitable_but_retail_ones_are_not(bank_world, retail_world):
    assert (bank_world.truth["customer_traits"]["true_value"] < 0).mean() > 0.5
    assert (~bank_world.truth["customer_value"]["profitable"]).mean() > 0.5
    assert (retail_world.truth["customer_traits"]["true_value"] < 0).mean() < 0.2
    # profit is concentrated: the top tier is worth far more than the low tier
    t = bank_world.truth["customer_traits"]
    by_tier = t.groupby("value_tier", observed=True)["true_value"].mean()
    assert by_tier["low"] < by_tier["medium"] < 0 < by_tier["high"] < by_tier["top"]
    assert by_tier["top"] > 5 * abs(by_tier["low"])


def test_traits_are_consistent(bank_world, retail_world):
    for world in (bank_world, retail_world):
        t = world.truth["customer_traits"]
        assert np.allclose(t["true_uplift"], t["response_treated"] - t["response_base"])
        persuadable = t["uplift_class"] == "persuadable"
        dnd = t["uplift_class"] == "do_not_disturb"
        assert (t.loc[persuadable, "true_uplift"] > 0).all()
        assert (t.loc[dnd, "true_uplift"] < 0).all()
        assert set(t["segment"].cat.categories) == set(SEGMENTS[world.domain])
        assert set(t["channel_pref"].cat.categories) == set(CHANNELS[world.domain])
        for c in ("consent_email", "consent_sms", "consent_phone", "consent_post"):
            assert (t[c].to_numpy() == world["customers"][c].to_numpy()).all()
    # segments differ the way they were specified: retired customers are older
    c = bank_world["customers"].merge(
        bank_world.truth["customer_traits"][["customer_id", "segment"]]
    )
    age = (pd.Timestamp("2023-01-01") - c["birth_date"]).dt.days / 365.25
    means = age.groupby(c["segment"], observed=True).mean()
    assert means["retired"] > means["family"] > means["young_digital"]


def test_bgnbd_behaviour_arises(retail_world):
    """Frequent buyers buy more; customers with a high dropout probability stop sooner."""
    t = retail_world.truth["customer_traits"].set_index("customer_id")
    n = retail_world["orders"].groupby("customer_id").size().reindex(t.index, fill_value=0)
    fast = t["purchase_rate"] > t["purchase_rate"].median()
    assert n[fast].mean() > 2 * n[~fast].mean()
    churn = retail_world.truth["true_churn"].set_index("customer_id")
    leaky = t["dropout_p"] > t["dropout_p"].quantile(0.75)
    tight = t["dropout_p"] < t["dropout_p"].quantile(0.25)
    assert churn.loc[leaky, "inactive"].mean() > churn.loc[tight, "inactive"].mean() + 0.1


@pytest.mark.parametrize("domain", ["bank", "retail"])
def test_behaviour_functions_return_probabilities(domain, bank_world, retail_world):
    t = (bank_world if domain == "bank" else retail_world).truth["customer_traits"]
    code = "credit_card" if domain == "bank" else "toys"
    arrays = [
        B.take_up_probability(t, code, True, "email", 0.1),
        B.take_up_probability(t, code, False),
        B.open_probability(t, "sms"),
        B.churn_hazard(t, dissatisfied_contacts=2),
        B.win_back_probability(t),
        B.session_intent_probability(t),
        B.distress_probability(t),
        B.satisfaction_probability(t, resolved=np.ones(len(t))),
        B.stage_conversion_probability(t, "closing", code),
    ]
    for a in arrays:
        assert a.shape == (len(t),) and ((a >= 0) & (a <= 1)).all()
    for m in (B.service_channel_probabilities(t), B.objection_probabilities(t, code)):
        assert np.allclose(m.sum(axis=1), 1.0)
    assert (B.service_request_rate(t) > 0).all() and (B.web_session_rate(t) > 0).all()
    # contact through the preferred channel works better
    pref_email = t["channel_pref"] == "email"
    p_email = B.take_up_probability(t, code, True, "email")
    p_sms = B.take_up_probability(t, code, True, "sms")
    assert p_email[pref_email.to_numpy()].mean() > p_sms[pref_email.to_numpy()].mean()
    with pytest.raises(ValueError, match="unknown campaign channel 'fax'"):
        B.take_up_probability(t, code, True, "fax")
