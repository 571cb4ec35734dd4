"""Customer service: requests, deflection, look-ups, the queue, proactive chat, retention."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ecrm_lab.exceptions import DataError, InvalidParameterError
from ecrm_lab.operational import (
    SelfService,
    TriggerRule,
    churn_hazard_given_service,
    contract_status,
    deflection,
    erlang_c,
    expected_dissatisfied_contacts,
    proactive_chat,
    service_retention,
    session_signals,
    simulate_queue,
    simulate_requests,
    simulate_sessions,
    staffing,
    warranty_status,
)
from ecrm_lab.operational.service import COST_PER_REQUEST


@pytest.fixture(scope="module")
def requests(bank_traits):
    return simulate_requests(bank_traits, days=30, random_state=1)


# -- requests and self-service ---------------------------------------------------------------
def test_requests_follow_the_behaviour_model(bank_traits, requests):
    from ecrm_lab.world import behaviour

    expected = behaviour.service_request_rate(bank_traits).sum() * 30 / 30.4
    assert abs(len(requests) - expected) < 4 * math.sqrt(expected)
    assert requests["opened_at"].is_monotonic_increasing
    # phone and branch requests arrive in the opening hours of the world's behaviour model
    office = requests["channel"].isin(["phone", "branch"])
    hours = requests.loc[office, "opened_at"].dt.hour
    assert hours.between(7, 19).all()
    assert (behaviour.SERVICE_HOURS_OFFICE[hours.to_numpy()] > 0).all()
    again = simulate_requests(bank_traits, days=30, random_state=1)
    pd.testing.assert_frame_equal(requests, again)


def test_deflection(bank_traits, requests):
    ss = SelfService.default("bank")
    d = deflection(requests, bank_traits, ss, random_state=2)
    t = d.table.set_index("configuration")
    assert t.loc["baseline", "deflected"] == 0
    assert (
        0
        < t.loc["with self-service", "deflected"]
        <= t.loc["with self-service", "tried_self_service"]
    )
    assert t.loc["with self-service", "cost"] < t.loc["baseline", "cost"]
    assert d.cost_saved == pytest.approx(
        t.loc["baseline", "cost"] - t.loc["with self-service", "cost"]
    )
    assert (t[["requests", "deflected", "assisted", "agent_hours", "cost"]] >= 0).all().all()
    # categories the knowledge base does not cover are never deflected
    cat = d.by_category.set_index("category")
    assert (cat.loc[cat["coverage"] == 0, "deflected"] == 0).all()
    # more coverage, more deflection (same draws)
    more = SelfService(
        faq_coverage={k: min(1.0, v + 0.3) for k, v in ss.faq_coverage.items()},
        tracking=True,
        status_pages=True,
        faq_first_share=0.2,
    )
    d2 = deflection(requests, bank_traits, more, random_state=2)
    assert d2.table["deflected"].iloc[1] >= t.loc["with self-service", "deflected"]
    # final channels are valid and priced
    assert set(d.requests["final_channel"]) <= set(COST_PER_REQUEST)


def test_self_service_validation():
    with pytest.raises(
        InvalidParameterError,
        match=r"'faq_coverage' parameter of SelfService "
        r"must be a float in \[0, 1\]. Got 1.5",
    ):
        SelfService(faq_coverage={"complaint": 1.5})
    with pytest.raises(InvalidParameterError, match="'faq_first_share' parameter"):
        SelfService(faq_first_share=-0.1)
    with pytest.raises(InvalidParameterError, match="'faq_coverage' parameter"):
        SelfService(faq_coverage={"weather": 0.5})
    cov = SelfService(tracking=True).coverage("retail")
    assert cov["order_tracking"] == 1.0 and cov["complaint"] == 0.0


def test_deflection_refuses_unknown_channels(bank_traits, requests):
    bad = requests.astype({"channel": str}).copy()
    bad.loc[0, "channel"] = "pigeon"
    with pytest.raises(DataError, match="unknown service channel 'pigeon'"):
        deflection(bad, bank_traits, SelfService.none())


# -- look-ups --------------------------------------------------------------------------------
def test_contract_status_by_hand():
    acc = pd.DataFrame(
        {
            "account_id": [1, 2, 3],
            "customer_id": [7, 7, 8],
            "product_code": ["mortgage", "personal_loan", "savings_account"],
            "open_date": pd.to_datetime(["2020-01-01", "2021-01-01", "2025-06-01"]),
            "close_date": pd.to_datetime([None, "2024-01-01", None]),
        }
    )
    s = contract_status(acc, "2025-01-01")
    assert s["contract_status"].astype(str).tolist() == [
        "in_contract",
        "out_of_contract",
        "not_yet_open",
    ]
    assert s["months_held"].iloc[1] == pytest.approx(36.0, abs=0.1)
    assert contract_status(acc, "2025-01-01", customer_id=8)["account_id"].tolist() == [3]


def test_contract_status_agrees_with_the_worlds_tickets(bank_world):
    req = bank_world["service_requests"]
    acc = bank_world["accounts"]
    row = req.iloc[len(req) // 2]
    s = contract_status(acc, row["opened_at"], customer_id=row["customer_id"])
    got = s.loc[s["account_id"] == row["account_id"], "contract_status"].iloc[0]
    assert str(got) == str(row["contract_status"])


def test_warranty_status(retail_world):
    w = retail_world
    as_of = pd.Timestamp("2024-01-01")
    s = warranty_status(w["orders"], w["order_lines"], w["products"], as_of)
    assert set(s["warranty_status"].astype(str)) <= {"in_warranty", "out_of_warranty"}
    recent = s["order_date"] > as_of - pd.Timedelta(days=300)
    assert (s.loc[recent, "warranty_status"] == "in_warranty").all()
    elec = s["category"] == "electronics"
    assert (s.loc[elec, "warranty_until"] - s.loc[elec, "order_date"]).dt.days.eq(730).all()
    assert (s["days_left"] >= 0).all()


# -- the queue -------------------------------------------------------------------------------
def _erlang_c_direct(a: float, c: int) -> float:
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def test_erlang_c_matches_the_formula():
    r = erlang_c(100, 3.0, [6, 7, 8, 10], target_seconds=20)
    for row in r.itertuples(index=False):
        assert row.p_wait == pytest.approx(_erlang_c_direct(5.0, row.agents))
        asa = row.p_wait * 180 / (row.agents - 5.0)
        assert row.asa_seconds == pytest.approx(asa)
    assert r["service_level"].is_monotonic_increasing
    unstable = erlang_c(100, 3.0, 5)
    assert unstable["service_level"].iloc[0] == 0 and np.isinf(unstable["asa_seconds"].iloc[0])
    with pytest.raises(InvalidParameterError, match="'agents' parameter of erlang_c"):
        erlang_c(100, 3.0, 0)
    with pytest.raises(InvalidParameterError, match="'handle_minutes' parameter"):
        erlang_c(100, 0.0, 3)


def test_staffing_recommendation_is_the_fewest_meeting_the_target():
    s = staffing(250, 4.0, target_seconds=20, service_level_target=0.8)
    sl = erlang_c(250, 4.0, [s.recommended - 1, s.recommended], 20)["service_level"]
    assert sl.iloc[0] < 0.8 <= sl.iloc[1]
    assert (s.table["cost_per_hour"] >= 0).all()


def test_simulate_queue_conserves_requests():
    t0 = pd.Timestamp("2025-01-06")
    arrivals = t0 + pd.to_timedelta(
        np.sort(np.random.default_rng(0).uniform(0, 8 * 60, 400)), unit="min"
    )
    q = simulate_queue(
        arrivals,
        handle_minutes=6.0,
        agents=4,
        step_minutes=5,
        target_minutes=1.0,
        end=t0 + pd.Timedelta(days=1),
    )
    iv = q.intervals
    assert iv["served"].sum() + iv["backlog"].iloc[-1] == pytest.approx(400)
    assert (iv["backlog"] >= 0).all() and (iv["served"] <= iv["capacity"] + 1e-9).all()
    assert (q.waits[~np.isnan(q.waits)] >= 0).all()
    # 400 requests x 6 min over 8 h need 5 agents: 4 build a backlog, 10 do not
    assert q["max_backlog"] > 10
    big = simulate_queue(
        arrivals, handle_minutes=6.0, agents=10, step_minutes=5, target_minutes=1.0
    )
    assert big["max_backlog"] < q["max_backlog"]
    assert big["service_level"] > q["service_level"]
    hourly = np.r_[np.zeros(8), np.full(10, 6.0), np.zeros(6)]
    sched = simulate_queue(arrivals, handle_minutes=6.0, agents=hourly, step_minutes=5)
    assert sched["agent_hours"] == pytest.approx(60.0)
    with pytest.raises(InvalidParameterError, match="'agents' parameter of simulate_queue"):
        simulate_queue(arrivals, handle_minutes=6.0, agents=np.ones(5))
    with pytest.raises(DataError, match="no arrivals"):
        simulate_queue([], handle_minutes=6.0, agents=1)


# -- proactive chat --------------------------------------------------------------------------
def test_simulated_sessions_follow_the_world_model(bank_traits):
    s = simulate_sessions(bank_traits.head(4000), days=14, random_state=3)
    assert set(s["intent"]) <= {"browse", "high_intent", "distressed"}
    assert (
        s["n_page_views"] >= s["product_views"] + s["support_views"] + s["checkout_views"]
    ).all()
    dis = s["intent"] == "distressed"
    assert s.loc[dis, "support_views"].mean() > 3 * s.loc[~dis, "support_views"].mean()
    assert (s["recent_visits"] >= 0).all()
    again = simulate_sessions(bank_traits.head(4000), days=14, random_state=3)
    pd.testing.assert_frame_equal(s, again)


def test_proactive_chat(bank_traits):
    s = simulate_sessions(bank_traits.head(6000), days=14, random_state=3)
    r = proactive_chat(s, bank_traits, TriggerRule(), random_state=4)
    sess = r.sessions
    assert not (sess["accepted"] & (sess["trigger"] == "")).any()  # offers only on a trigger
    assert r["accepted"] <= r["offers"] <= r["sessions"]
    assert r["precision_intent"] > s["intent"].eq("high_intent").mean()
    assert r["precision_distress"] > s["intent"].eq("distressed").mean()
    # conversions only in high-intent sessions; without an offer nothing changes
    assert not sess.loc[sess["intent"] != "high_intent", "converted"].any()
    quiet = sess["accepted"] == False  # noqa: E712
    assert (sess.loc[quiet, "converted"] == sess.loc[quiet, "converted_without"]).all()
    assert r["cost"] >= 0 and r["problems_solved_in_chat"] >= 0
    strict = proactive_chat(
        s, bank_traits, TriggerRule(min_product_views=8, min_support_views=6), random_state=4
    )
    assert strict["offers"] < r["offers"]
    with pytest.raises(InvalidParameterError, match="'offer' parameter of TriggerRule"):
        TriggerRule(offer="fax")
    with pytest.raises(DataError, match="true 'intent'"):
        proactive_chat(s.drop(columns="intent"), bank_traits)


def test_session_signals_from_the_world(bank_world):
    w = bank_world
    sig = session_signals(
        w["web_sessions"],
        w["page_views"],
        w.truth["identity_map"],
        session_truth=w.truth["web_session_truth"],
    )
    assert len(sig) > 0 and sig["customer_id"].isin(w["customers"]["customer_id"]).all()
    pv = w["page_views"]
    one = sig.iloc[0]
    views = pv[pv["session_id"] == one["session_id"]]
    assert one["product_views"] == (views["page_type"] == "product").sum()
    r = proactive_chat(sig, w, random_state=0)
    assert r["sessions"] == len(sig)


# -- service quality and retention -----------------------------------------------------------
def test_service_quality_and_churn(bank_traits):
    h0 = churn_hazard_given_service(bank_traits, 0.0)
    np.testing.assert_array_equal(h0, bank_traits["churn_hazard"].to_numpy())
    better = churn_hazard_given_service(bank_traits, 0.5)
    worse = churn_hazard_given_service(bank_traits, -0.5)
    assert (better <= h0).all() and (worse >= h0).all() and (better < h0).any()
    d0 = expected_dissatisfied_contacts(bank_traits, 0.0)
    d1 = expected_dissatisfied_contacts(bank_traits, 0.5)
    assert (d1 <= d0).all() and (d0 >= 0).all()
    r = service_retention(bank_traits, (-0.2, 0.0, 0.3))
    t = r.table
    assert t["churners_per_1000_year"].is_monotonic_decreasing
    assert t.loc[t["resolution_boost"] == 0.0, "value_change"].iloc[0] == 0.0
    with pytest.raises(InvalidParameterError, match="'resolution_boost' parameter"):
        churn_hazard_given_service(bank_traits, 1.5)
