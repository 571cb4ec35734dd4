"""The sales funnel: invariants, metrics by hand, what-ifs and lead scoring."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ecrm_lab.exceptions import DataError, InvalidParameterError
from ecrm_lab.operational import (
    SALES_STAGES,
    funnel_metrics,
    lead_scoring_effect,
    leads_from_tables,
    score_leads,
    simulate_funnel,
)


@pytest.fixture(scope="module")
def funnel(bank_traits):
    return simulate_funnel(bank_traits, months=12, random_state=3)


def test_stage_counts_never_grow_down_the_funnel(funnel, retail_traits):
    for f in (funnel, simulate_funnel(retail_traits, months=6, random_state=1)):
        st = f.stages
        assert st["stage"].tolist() == list(SALES_STAGES)
        entered = st["entered"].to_numpy()
        assert (np.diff(entered) <= 0).all()
        assert (st[["entered", "advanced", "lost", "open"]] >= 0).all().all()
        assert (st["entered"] == st["advanced"] + st["lost"] + st["open"]).all()
        assert st["advanced"].iloc[-1] == f["won"]
        assert f["won"] + f["lost"] + f["open"] == f["leads"]
        assert ((st["conversion"] >= 0) & (st["conversion"] <= 1)).all()
        assert f["pipeline_value"] >= f["weighted_pipeline_value"] >= 0
        assert (f.leads["hours"] >= 0).all() and (f.leads["value"] >= 0).all()


def test_funnel_is_deterministic_and_consistent(bank_traits, funnel):
    again = simulate_funnel(bank_traits, months=12, random_state=3)
    pd.testing.assert_frame_equal(funnel.leads, again.leads)
    leads = funnel.leads
    closed = leads["outcome"] != "open"
    assert (leads.loc[closed, "closed_at"] >= leads.loc[closed, "created_at"]).all()
    assert leads.loc[~closed, "closed_at"].isna().all()
    # at most one lead per customer and product
    assert not leads.duplicated(["customer_id", "product_code"]).any()
    # objections only for leads that reached managing objections
    reached = leads["last_stage"].isin(["managing_objections", "closing"])
    assert leads.loc[~reached, "objection"].isna().all()
    assert leads.loc[reached, "objection"].notna().all()


def _hand_leads():
    t0 = pd.Timestamp("2025-01-01")
    return pd.DataFrame(
        {
            "lead_id": [1, 2, 3, 4],
            "customer_id": [10, 11, 12, 13],
            "source": ["web_form", "web_form", "phone_inquiry", "web_form"],
            "product_code": ["mortgage"] * 4,
            "created_at": [t0] * 4,
            "last_stage": ["closing", "prospecting", "managing_objections", "presenting_offer"],
            "outcome": ["won", "lost", "lost", "open"],
            "closed_at": [
                t0 + pd.Timedelta(days=10),
                t0 + pd.Timedelta(days=2),
                t0 + pd.Timedelta(days=20),
                pd.NaT,
            ],
            "objection": ["price", None, "trust", None],
            "value": [1000.0, 50.0, 300.0, 200.0],
        }
    )


def test_funnel_metrics_by_hand():
    f = funnel_metrics(_hand_leads(), as_of="2025-02-01")
    st = f.stages.set_index("stage")
    assert st["entered"].tolist() == [4, 3, 3, 3, 2, 1]
    assert st.loc["prospecting", "lost"] == 1 and st.loc["managing_objections", "lost"] == 1
    assert st.loc["presenting_offer", "open"] == 1
    assert f["win_rate"] == pytest.approx(1 / 3)
    assert f["cycle_days_mean"] == pytest.approx(10.0)  # the sales cycle of won deals
    assert f.leads["cycle_days"].iloc[2] == pytest.approx(20.0)
    assert f["pipeline_value"] == 200.0 and f["won_value"] == 1000.0
    # P(win | presenting offer) = 2/2 x 1/2 x 1/1 from the decided leads
    assert st.loc["presenting_offer", "win_probability"] == pytest.approx(0.5)
    assert f["weighted_pipeline_value"] == pytest.approx(100.0)
    o = f.objections.set_index("objection")
    assert o.loc["price", "raised"] == 1 and o.loc["trust", "lost"] == 1
    assert f.by_source.set_index("source").loc["web_form", "won"] == 1


def test_funnel_metrics_rejects_bad_tables():
    bad = _hand_leads()
    bad.loc[0, "last_stage"] = "negotiating"
    with pytest.raises(DataError, match="unknown stage 'negotiating'"):
        funnel_metrics(bad)
    bad = _hand_leads()
    bad.loc[1, "outcome"] = "won"
    with pytest.raises(DataError, match="only be won at the closing stage"):
        funnel_metrics(bad)
    bad = _hand_leads()
    bad.loc[0, "value"] = -1.0
    with pytest.raises(DataError, match="column 'value' has 1 negative values"):
        funnel_metrics(bad)
    with pytest.raises(DataError, match="column 'outcome' not found"):
        funnel_metrics(_hand_leads().drop(columns="outcome"))


def test_what_if(funnel):
    w = funnel.what_if()
    t = w.table
    assert t["stage"].tolist() == list(SALES_STAGES)
    assert (t["extra_wins"] >= 0).all()  # same draws, higher conversion: never fewer wins
    assert (t["expected_extra_wins"] > 0).all()
    assert (t["conversion_after"] >= t["conversion_before"]).all()
    none = funnel.what_if("closing", leakage_cut=0.0).table
    assert none["extra_wins"].iloc[0] == 0
    allwin = funnel.what_if("closing", leakage_cut=1.0).table
    reached = int(funnel.stages.set_index("stage").loc["closing", "entered"])
    assert allwin["wins_after"].iloc[0] >= reached - funnel["open"]
    with pytest.raises(
        InvalidParameterError,
        match="'leakage_cut' parameter of "
        r"FunnelResult.what_if must be a float in "
        r"\[0, 1\]. Got 1.5 instead.",
    ):
        funnel.what_if("closing", leakage_cut=1.5)
    with pytest.raises(InvalidParameterError, match="'stage' parameter"):
        funnel.what_if("haggling")
    with pytest.raises(DataError, match="only a simulated funnel"):
        funnel_metrics(_hand_leads()).what_if()


def test_lead_scoring(bank_traits, funnel):
    history = simulate_funnel(bank_traits, months=12, start="2024-01-01", random_state=4)
    features = bank_traits[["customer_id", "price_sensitivity", "wealth"]]
    s = score_leads(history.leads, funnel.leads, features=features, random_state=0)
    assert s.shape == (len(funnel.leads),) and ((s >= 0) & (s <= 1)).all()
    eff = lead_scoring_effect(funnel, s, share=0.5).table.set_index("policy")
    everyone = eff.loc["work all leads"]
    for name, row in eff.iterrows():
        assert row["wins"] <= everyone["wins"]  # working fewer leads never wins more
        assert row["sales_hours"] <= everyone["sales_hours"] or name == "work all leads"
    assert eff.loc["top 50% by score", "wins"] > eff.loc["random 50%", "wins"]
    assert eff.loc["top 50% by true P(win)", "wins_per_100_hours"] > everyone["wins_per_100_hours"]
    with pytest.raises(DataError, match="scores for"):
        lead_scoring_effect(funnel, s[:5])
    with pytest.raises(InvalidParameterError, match="'share' parameter"):
        lead_scoring_effect(funnel, s, share=0.0)


def test_funnel_from_the_worlds_tables(bank_world):
    w = bank_world
    leads = leads_from_tables(w["sales_leads"], w["sales_opportunities"], w["sales_stage_events"])
    assert len(leads) == len(w["sales_leads"])
    f = funnel_metrics(leads)
    # the same stage counts as the world's stage events
    ev = w["sales_stage_events"]["stage"].astype(str).value_counts()
    st = f.stages.set_index("stage")["entered"]
    for s in SALES_STAGES:
        assert st[s] == ev.get(s, 0)
    assert (np.diff(st.to_numpy()) <= 0).all()
    won = (w["sales_opportunities"]["outcome"] == "won").sum()
    assert f["won"] == won
