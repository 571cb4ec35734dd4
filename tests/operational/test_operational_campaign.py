"""Campaign management: the workflow, its invariants and the economics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ecrm_lab.exceptions import DataError, InvalidParameterError
from ecrm_lab.operational import (
    CHANNEL_CODES,
    Campaign,
    CampaignPlan,
    WorkflowError,
    compare_channels,
    evaluate_campaign,
    match_responses,
    offer_economics,
    plan_contacts,
)
from ecrm_lab.operational.campaign import CONSENT_COLUMNS, DELIVERY_DAYS


def _run(traits, audience, seed=1, **plan_kw):
    plan = CampaignPlan(
        **{"product_code": "personal_loan", "channels": ("email", "sms", "post"), **plan_kw}
    )
    c = Campaign(plan, audience, random_state=seed)
    c.approve().execute(traits)
    return c, c.measure()


# -- plan validation -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kw", "message"),
    [
        (
            {"budget": -5.0},
            r"The 'budget' parameter of CampaignPlan must be a float in \[0, inf\) "
            r"or None. Got -5.0 instead.",
        ),
        (
            {"window_days": 0},
            r"The 'window_days' parameter of CampaignPlan must be an int in "
            r"\[1, 365\]. Got 0 instead.",
        ),
        (
            {"control_share": 1.0},
            r"'control_share' parameter of CampaignPlan must be a float in "
            r"\[0, 1\)",
        ),
        ({"discount": 1.2}, r"'discount' parameter of CampaignPlan"),
        ({"channels": ("email", "fax")}, r"'channels' parameter of CampaignPlan"),
        ({"channels": ()}, r"'channels' parameter of CampaignPlan"),
        ({"product_code": "yacht"}, r"'product_code' parameter of CampaignPlan"),
        ({"start": "not a date"}, r"'start' parameter of CampaignPlan"),
        ({"revenue_per_take_up": 10.0, "margin_per_take_up": 20.0}, r"must not exceed"),
        ({"budget": 10.0, "fixed_cost": 50.0}, r"must cover the fixed cost"),
        ({"max_contacts": 0}, r"'max_contacts' parameter of CampaignPlan"),
    ],
)
def test_plan_rejects_bad_parameters(kw, message):
    with pytest.raises(InvalidParameterError, match=message):
        CampaignPlan(**kw)


def test_plan_accepts_ints_and_normalises_channels():
    p = CampaignPlan("credit_card", channels="sms", budget=100, fixed_cost=10)
    assert p.channels == ("sms",) and p.budget == 100.0 and isinstance(p.budget, float)
    assert set(p.to_frame()["parameter"]) >= {"channels", "budget", "window_days"}


def test_offer_economics_by_hand():
    # credit card: 12 x (1 fee + 0.10 / 12 x 1000 balance) = 112 revenue, minus 12 x 4 cost
    assert offer_economics("bank", "credit_card") == {"revenue": 112.0, "margin": 64.0}
    # retail beauty: (1 + 2.5 items) x mean price, at the category's gross margin
    e = offer_economics("retail", "beauty")
    assert e["margin"] == pytest.approx(e["revenue"] * 0.45)
    with pytest.raises(InvalidParameterError, match="'product_code' parameter"):
        offer_economics("bank", "beauty")


# -- the workflow ----------------------------------------------------------------------------
def test_states_and_audit_trail(bank_traits, bank_audience):
    c = Campaign(CampaignPlan("credit_card"), bank_audience, random_state=0)
    assert c.state == "planned"
    with pytest.raises(
        WorkflowError,
        match="is planned: it cannot execute. Allowed now: target, personalise, approve, cancel",
    ):
        c.execute(bank_traits)
    with pytest.raises(WorkflowError, match="cannot measure"):
        c.measure()
    c.target(sample_share=0.1).approve()
    assert c.state == "approved"
    with pytest.raises(WorkflowError, match="is approved: it cannot approve"):
        c.approve()
    with pytest.raises(WorkflowError, match="cannot target"):
        c.target(sample_share=0.5)
    c.execute(bank_traits)
    with pytest.raises(WorkflowError, match="is executed: it cannot cancel"):
        c.cancel()
    c.measure()
    c.measure(window_days=7)  # a second measurement is allowed
    trail = c.audit_trail()
    assert trail["action"].tolist() == [
        "plan",
        "target",
        "approve",
        "execute",
        "measure",
        "measure",
    ]
    assert trail["to_state"].tolist() == [
        "planned",
        "planned",
        "approved",
        "executed",
        "measured",
        "measured",
    ]
    assert trail["business_date"].is_monotonic_increasing
    assert trail["step"].tolist() == list(range(1, 7))


def test_cancelled_campaign_does_nothing(bank_traits, bank_audience):
    c = Campaign(CampaignPlan("credit_card"), bank_audience).approve().cancel("budget cut")
    assert c.state == "cancelled"
    for action in (lambda: c.execute(bank_traits), lambda: c.approve(), lambda: c.measure()):
        with pytest.raises(WorkflowError, match="is cancelled: it cannot .* Allowed now: nothing"):
            action()
    assert c.audit_trail()["detail"].iloc[-1] == "budget cut"


def test_audience_and_plan_are_checked(bank_audience):
    with pytest.raises(DataError, match="column 'consent_post' not found"):
        Campaign(
            CampaignPlan("credit_card", channels=("post",)),
            bank_audience.drop(columns="consent_post"),
        )
    with pytest.raises(DataError, match="more than once"):
        Campaign(CampaignPlan(), pd.concat([bank_audience.head(3), bank_audience.head(1)]))
    with pytest.raises(InvalidParameterError, match="'plan' parameter of Campaign"):
        Campaign({"product_code": "credit_card"}, bank_audience)


# -- invariants ------------------------------------------------------------------------------
def test_no_contact_without_consent_and_control_untouched(bank_traits, bank_audience):
    c, res = _run(bank_traits, bank_audience, control_share=0.2)
    contacts = c.contacts.merge(bank_audience, on="customer_id", how="left")
    for ch, col in CONSENT_COLUMNS.items():
        sel = contacts["channel"] == ch
        assert contacts.loc[sel, col].all(), f"{ch} contacts without consent"
    control = set(c.assignment.loc[c.assignment["group"] == "control", "customer_id"])
    assert control and control.isdisjoint(set(c.contacts["customer_id"]))
    assert res["customers_control"] == len(control)
    # nobody without any consent was selected
    none = bank_audience.loc[
        ~bank_audience[list(CONSENT_COLUMNS.values())[:3]].any(axis=1), "customer_id"
    ]
    assert set(none).isdisjoint(set(c.assignment["customer_id"]))


def test_consent_withdrawn_after_approval_blocks_the_send(bank_traits, bank_audience):
    plan = CampaignPlan("credit_card", channels=("email",), control_share=0.0)
    c = Campaign(plan, bank_audience, random_state=3).target(sample_share=0.2).approve()
    later = bank_audience.copy()
    withdrawn = c.assignment["customer_id"].to_numpy()[:50]
    later.loc[later["customer_id"].isin(withdrawn), "consent_email"] = False
    c.execute(bank_traits, consents=later)
    assert set(c.blocked["customer_id"]) == set(withdrawn)
    assert (c.blocked["reason"] == "no_consent").all()
    assert set(withdrawn).isdisjoint(set(c.contacts["customer_id"]))
    assert c.contacts["consent_checked"].all()


def test_frequency_cap_excludes_customers_at_the_cap(bank_traits, bank_audience):
    ids = bank_audience["customer_id"].to_numpy()[:300]
    history = pd.DataFrame(
        {
            "customer_id": np.r_[ids, ids[:100], ids[:100]],
            "contact_date": pd.Timestamp("2024-12-20"),
        }
    )
    old = pd.DataFrame({"customer_id": ids[100:200], "contact_date": pd.Timestamp("2024-06-01")})
    plan = CampaignPlan(
        "credit_card",
        channels=("email", "sms", "post"),
        max_contacts=2,
        cap_days=30,
        control_share=0.0,
    )
    c = (
        Campaign(plan, bank_audience, contact_history=pd.concat([history, old]), random_state=0)
        .approve()
        .execute(bank_traits)
    )
    sent = set(c.contacts["customer_id"])
    assert set(ids[:100]).isdisjoint(sent)  # two recent contacts: at the cap
    eligible = bank_audience.set_index("customer_id").loc[ids[100:300]]
    reachable = eligible.index[
        eligible[["consent_email", "consent_sms", "consent_post"]].any(axis=1)
    ]
    assert set(reachable) <= sent  # one recent contact (or an old one) is fine
    assert ", 100 at the frequency cap;" in c.audit_trail()["detail"].iloc[1]


def test_budget_is_respected_and_reaches_the_best_scores(bank_traits, bank_audience):
    scores = pd.Series(
        np.arange(len(bank_audience), 0, -1, dtype=float),
        index=bank_audience["customer_id"].to_numpy(),
    )
    plan = CampaignPlan(
        "credit_card", channels=("email", "post"), budget=300.0, fixed_cost=50.0, control_share=0.1
    )
    c = Campaign(plan, bank_audience, random_state=2).target(scores=scores).approve()
    spent = c.assignment["planned_cost"].sum() + plan.fixed_cost
    assert spent <= 300.0 + 1e-9
    c.execute(bank_traits)
    res = c.measure()
    assert res["total_cost"] <= 300.0 + 1e-9
    assert (c.contacts["cost"] >= 0).all()
    # the best-ranked customers come first
    assert c.assignment["score"].is_monotonic_decreasing


def test_costs_and_counts_are_never_negative(bank_traits, bank_audience):
    _, res = _run(bank_traits, bank_audience)
    m = res.metrics.set_index("metric")["value"]
    for name in (
        "contacts",
        "opens",
        "clicks",
        "take_ups",
        "contact_cost",
        "total_cost",
        "cost_per_contact",
        "cpm",
        "cpc",
        "cpa",
        "revenue",
    ):
        assert m[name] >= 0, name
    assert m["opens"] <= m["contacts"] and m["clicks"] <= m["opens"]
    assert m["take_ups"] <= m["contacts"]
    bc = res.by_channel
    assert (bc[["contacts", "cost", "opens", "clicks", "take_ups"]] >= 0).all().all()
    assert set(bc["channel"].astype(str)) <= set(CHANNEL_CODES)


def test_deterministic_for_a_seed(bank_traits, bank_audience):
    c1, r1 = _run(bank_traits, bank_audience, seed=9)
    c2, r2 = _run(bank_traits, bank_audience, seed=9)
    pd.testing.assert_frame_equal(c1.contacts, c2.contacts)
    pd.testing.assert_frame_equal(c1.responses, c2.responses)
    pd.testing.assert_frame_equal(r1.metrics, r2.metrics)
    _, r3 = _run(bank_traits, bank_audience, seed=10)
    assert not r1.metrics.equals(r3.metrics)


def test_contacts_land_within_the_delivery_period(bank_traits, bank_audience):
    c, _ = _run(bank_traits, bank_audience)
    start = c.plan.start_date
    days = (c.contacts["contact_date"] - start) / pd.Timedelta(days=1)
    span = c.contacts["channel"].astype(str).map(DELIVERY_DAYS)
    assert (days >= 0).all() and (days < span + 1).all()
    # take-ups come at least a day after the (would-be) contact
    assert (c.responses["response_date"] > start + pd.Timedelta(days=1)).all()


def test_the_campaign_moves_take_up_as_the_behaviour_model_says(bank_traits, bank_audience):
    from ecrm_lab.world import behaviour

    c, res = _run(bank_traits, bank_audience, control_share=0.3, window_days=365)
    a = c.assignment
    t = bank_traits.set_index("customer_id").loc[a["customer_id"]]
    is_t = (a["group"] == "treatment").to_numpy()
    ch = a["channel"].astype(str).to_numpy()
    p_t = behaviour.take_up_probability(t[is_t], "personal_loan", True, ch[is_t])
    p_c = behaviour.take_up_probability(t[~is_t], "personal_loan", False)
    k_t, k_c = res["treatment_take_up_rate"], res["control_take_up_rate"]
    lo_t, hi_t = res.interval("treatment_take_up_rate")
    lo_c, hi_c = res.interval("control_take_up_rate")
    assert lo_t <= p_t.mean() <= hi_t and lo_c <= p_c.mean() <= hi_c
    assert k_t > k_c
    lo, hi = res.interval("incremental_take_up_rate")
    assert lo < p_t.mean() - p_c.mean() < hi


def test_personalisation_offers_discounts_and_channels(bank_traits, bank_audience):
    ids = bank_audience["customer_id"].to_numpy()
    offers = pd.Series(np.where(ids % 2 == 0, "mortgage", "insurance"), index=ids)
    discounts = pd.Series(0.1, index=ids[:100])
    pref = pd.Series("sms", index=ids)
    plan = CampaignPlan("credit_card", channels=("email", "sms"), control_share=0.0)
    c = (
        Campaign(plan, bank_audience, random_state=4)
        .personalise(offers=offers, discounts=discounts, channel_rule=pref)
        .approve()
    )
    a = c.assignment.set_index("customer_id")
    even = a.index % 2 == 0
    assert (a.loc[even, "product_code"] == "mortgage").all()
    assert (a.loc[~even, "product_code"] == "insurance").all()
    got = a.loc[a.index.isin(ids[:100]), "discount"]
    assert (got == 0.1).all() and (a.loc[~a.index.isin(ids[:100]), "discount"] == 0).all()
    sms_ok = bank_audience.set_index("customer_id").loc[a.index, "consent_sms"].to_numpy()
    assert (a.loc[sms_ok, "channel"] == "sms").all()
    assert (a.loc[~sms_ok, "channel"] == "email").all()
    assert a["message"].astype(str).str.contains("% off").sum() == len(got)
    with pytest.raises(InvalidParameterError, match="'channel_rule' parameter"):
        Campaign(plan, bank_audience).personalise(channel_rule="loudest")
    with pytest.raises(InvalidParameterError, match="'discounts' parameter .* \\[0, 1\\)"):
        Campaign(plan, bank_audience).personalise(discounts=pd.Series(1.5, index=ids[:3]))
    with pytest.raises(InvalidParameterError, match="unknown products"):
        Campaign(plan, bank_audience).personalise(offers=pd.Series("yacht", index=ids[:3]))


def test_cheapest_channel_rule(bank_traits, bank_audience):
    plan = CampaignPlan("credit_card", channels=("post", "sms", "email"), control_share=0.0)
    c = Campaign(plan, bank_audience).personalise(channel_rule="cheapest").approve()
    a = c.assignment.merge(bank_audience, on="customer_id")
    assert (a.loc[a["consent_email"], "channel"] == "email").all()
    assert (a.loc[~a["consent_email"] & a["consent_sms"], "channel"] == "sms").all()


def test_target_by_segments_and_scores(bank_audience):
    ids = bank_audience["customer_id"].to_numpy()
    seg = pd.Series(np.where(ids % 3 == 0, "a", "b"), index=ids)
    c = Campaign(CampaignPlan(), bank_audience).target(segments=seg, include=["a"])
    assert (c._target["customer_id"] % 3 == 0).all()
    scores = pd.Series(ids.astype(float), index=ids)
    c = Campaign(CampaignPlan(), bank_audience).target(scores=scores, top_n=10)
    assert sorted(c._target["customer_id"]) == sorted(ids[-10:])
    with pytest.raises(InvalidParameterError, match="need scores="):
        Campaign(CampaignPlan(), bank_audience).target(top_share=0.1)
    with pytest.raises(InvalidParameterError, match="'top_share' parameter of Campaign.target"):
        Campaign(CampaignPlan(), bank_audience).target(scores=scores, top_share=1.5)


# -- response management and the economics by hand -----------------------------------------------
def test_match_responses_by_hand():
    contacts = pd.DataFrame(
        {
            "contact_id": [1, 2, 3],
            "customer_id": [7, 7, 8],
            "contact_date": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-01-01"]),
        }
    )
    responses = pd.DataFrame(
        {
            "customer_id": [7, 7, 8, 9, 8],
            "response_date": pd.to_datetime(
                ["2025-01-10", "2025-02-03", "2025-02-15", "2025-01-02", "2025-01-31"]
            ),
        }
    )
    m = match_responses(contacts, responses, window_days=30)
    assert m["matched"].tolist() == [True, True, False, False, True]
    assert m["contact_id"].tolist()[:2] == [1, 2]  # the latest contact before the response
    assert m["days_after_contact"].iloc[0] == 9.0
    with pytest.raises(InvalidParameterError, match="'window_days' parameter of match_responses"):
        match_responses(contacts, responses, window_days=0)
    with pytest.raises(DataError, match="column 'response_date' not found"):
        match_responses(contacts, responses.rename(columns={"response_date": "d"}))


def _tiny():
    assignment = pd.DataFrame(
        {
            "customer_id": np.arange(1, 11),
            "group": ["treatment"] * 6 + ["control"] * 4,
        }
    )
    contacts = pd.DataFrame(
        {
            "contact_id": np.arange(1, 7),
            "customer_id": np.arange(1, 7),
            "contact_date": pd.Timestamp("2025-01-01"),
            "channel": ["email"] * 4 + ["post"] * 2,
            "cost": [0.5] * 4 + [2.0] * 2,
            "opened": [True, True, True, False, True, False],
            "clicked": [True, True, False, False, False, False],
        }
    )
    responses = pd.DataFrame(
        {
            "customer_id": [1, 5, 9, 2],
            "response_date": pd.to_datetime(
                ["2025-01-05", "2025-01-10", "2025-01-08", "2025-03-01"]
            ),
        }
    )
    return assignment, contacts, responses


def test_evaluate_campaign_by_hand():
    a, c, r = _tiny()
    res = evaluate_campaign(
        a,
        c,
        r,
        window_days=30,
        revenue_per_take_up=100.0,
        margin_per_take_up=40.0,
        fixed_cost=4.0,
        random_state=0,
    )
    m = res.metrics.set_index("metric")["value"]
    assert m["contacts"] == 6 and m["opens"] == 4 and m["clicks"] == 2
    assert m["take_ups"] == 2  # customers 1 and 5; customer 2 responded after the window
    assert m["responses"] == 3  # clicks of 1 and 2, the post take-up of 5
    assert m["take_up_rate"] == pytest.approx(2 / 6)
    assert m["treatment_take_up_rate"] == pytest.approx(2 / 6)
    assert m["control_take_up_rate"] == pytest.approx(1 / 4)
    assert m["contact_cost"] == pytest.approx(6.0) and m["total_cost"] == pytest.approx(10.0)
    assert m["cpm"] == pytest.approx(1000.0) and m["cpc"] == pytest.approx(5.0)
    assert m["cpa"] == pytest.approx(5.0)
    assert m["revenue"] == pytest.approx(200.0) and m["margin"] == pytest.approx(80.0)
    assert m["roi"] == pytest.approx(7.0)
    # incremental: 6 x (2/6 - 1/4) take-ups x 40 margin - 10 cost
    assert m["incremental_take_ups"] == pytest.approx(0.5)
    assert m["incremental_profit"] == pytest.approx(6 * (2 / 6 - 1 / 4) * 40 - 10)
    lo, hi = res.interval("incremental_profit")
    assert lo <= m["incremental_profit"] <= hi
    email = res.by_channel.set_index("channel").loc["email"]
    assert email["contacts"] == 4 and email["take_ups"] == 1 and email["cpa"] == 2.0
    assert res.outcomes["took_up"].sum() == 3
    # a shorter window loses the take-up of day 9 of customer 5
    short = evaluate_campaign(
        a, c, r, window_days=5, revenue_per_take_up=100.0, margin_per_take_up=40.0
    )
    assert short["take_ups"] == 1


def test_evaluate_campaign_refuses_bad_tables():
    a, c, r = _tiny()
    kw = {"revenue_per_take_up": 1.0, "margin_per_take_up": 1.0}
    bad = c.copy()
    bad.loc[0, "customer_id"] = 9  # a control customer
    with pytest.raises(DataError, match="1 customers of the control group were contacted"):
        evaluate_campaign(a, bad, r, **kw)
    neg = c.copy()
    neg.loc[0, "cost"] = -1.0
    with pytest.raises(DataError, match="column 'cost' has 1 negative values"):
        evaluate_campaign(a, neg, r, **kw)
    g = a.copy()
    g.loc[0, "group"] = "vip"
    with pytest.raises(DataError, match="values other than 'treatment' or 'control'"):
        evaluate_campaign(g, c, r, **kw)
    with pytest.raises(DataError, match="give revenue_per_take_up="):
        evaluate_campaign(a, c, r)
    with pytest.raises(InvalidParameterError, match="'fixed_cost' parameter"):
        evaluate_campaign(a, c, r, fixed_cost=-1.0, **kw)


# -- how many to contact -------------------------------------------------------------------------
def test_plan_contacts_by_hand():
    p = plan_contacts(
        [1, 2, 3, 4], [0.10, 0.05, 0.02, 0.001], margin_per_take_up=100.0, cost_per_contact=2.0
    )
    # expected profit per contact: 8, 3, 0, -1.9 -> contact the first two (third adds 0)
    assert p.n in (2, 3) and p.expected_profit == pytest.approx(11.0)
    assert list(p.selected.index[:2]) == [1, 2]
    limited = plan_contacts(
        [1, 2, 3, 4],
        [0.10, 0.05, 0.02, 0.001],
        margin_per_take_up=100.0,
        cost_per_contact=2.0,
        budget=3.0,
    )
    assert limited.n == 1 and limited.cost <= 3.0
    none = plan_contacts(
        [1, 2],
        [0.10, 0.05],
        margin_per_take_up=100.0,
        cost_per_contact=2.0,
        budget=5.0,
        fixed_cost=20.0,
    )
    assert none.n == 0 and none.expected_profit == 0.0
    with pytest.raises(InvalidParameterError, match="'budget' parameter of plan_contacts"):
        plan_contacts([1], [0.1], margin_per_take_up=1.0, cost_per_contact=1.0, budget=-1.0)
    with pytest.raises(DataError, match="negative values"):
        plan_contacts([1], [0.1], margin_per_take_up=1.0, cost_per_contact=-1.0)


def test_plan_contacts_with_the_truth(bank_traits):
    from ecrm_lab.operational import true_treatment_effect

    te = true_treatment_effect(bank_traits, "personal_loan", "email")
    p = plan_contacts(
        bank_traits["customer_id"],
        te,
        margin_per_take_up=324.0,
        cost_per_contact=0.05,
        budget=200.0,
        true_uplift=te,
    )
    s = p.summary()
    assert s["true_profit"].iloc[0] == pytest.approx(p.expected_profit)
    assert p.cost <= 200.0 + 1e-6


# -- channels ----------------------------------------------------------------------------------
def test_online_channels_are_cheaper_and_faster(bank_traits):
    t = compare_channels(bank_traits, "credit_card").table.set_index("channel")
    for online in ("email", "sms"):
        for offline in ("post", "phone"):
            assert t.loc[online, "cost_per_contact"] < t.loc[offline, "cost_per_contact"]
            assert t.loc[online, "cycle_days"] < t.loc[offline, "cycle_days"]
    assert (t["reachable"] > 0).all()
    assert ((t["take_up_rate"] > 0) & (t["take_up_rate"] < 1)).all()
    with pytest.raises(InvalidParameterError, match="'channels' parameter of compare_channels"):
        compare_channels(bank_traits, "credit_card", channels=("fax",))


def test_campaign_on_the_world(bank_world):
    cust = bank_world["customers"]
    hist = bank_world["campaign_contacts"]
    hist = hist[hist["group"] == "treatment"]
    plan = CampaignPlan(
        "insurance", channels=("email", "post"), start="2024-01-01", max_contacts=1, cap_days=365
    )
    c = Campaign(plan, cust, contact_history=hist, random_state=1).approve()
    capped = set(hist.loc[hist["contact_date"] >= "2023-01-01", "customer_id"])
    assert capped.isdisjoint(set(c.assignment["customer_id"]))
    res = c.execute(bank_world).measure()
    assert res["contacts"] == len(c.contacts) > 0
    # the world's own history: responses matched to its contacts
    resp = bank_world["campaign_responses"]
    took = resp[resp["response_type"] == "took_up"]
    m = match_responses(hist, took, window_days=30)
    treated = took["contact_id"].isin(hist["contact_id"]).to_numpy()
    assert m["matched"].to_numpy()[treated].all()  # take-ups of the contacted: matched
    assert not m["matched"].to_numpy()[~treated].any()  # of the control group: organic
    assert (m.loc[treated, "contact_id"].to_numpy() == took.loc[treated, "contact_id"]).all()


def test_money_interval_is_not_too_narrow_without_control_take_ups():
    a, c, r = _tiny()
    r = r[r["customer_id"] != 9]  # the control group has no take-up at all
    res = evaluate_campaign(
        a, c, r, window_days=30, revenue_per_take_up=100.0, margin_per_take_up=40.0
    )
    lo, hi = res.interval("incremental_margin")
    d_lo, d_hi = res.interval("incremental_take_up_rate")
    assert d_lo < 0  # the rate difference is not significant ...
    assert lo <= 6 * 40.0 * d_lo < 0  # ... and neither is the margin
