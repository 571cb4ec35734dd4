"""The marts agree with the same figures computed by hand (pandas) from the world's tables."""

import numpy as np
import pandas as pd
import pytest

from ecrm_lab.exceptions import InvalidParameterError
from ecrm_lab.warehouse import Warehouse, campaign_mart, clickstream_mart, customer_360


@pytest.fixture(scope="module")
def c360(bank_wh):
    return customer_360(bank_wh.db_path).set_index("customer_id")


def test_customer_360_rfm_by_hand(bank_world, c360):
    end = pd.Timestamp(bank_world.meta["end"])
    tx = bank_world["transactions"]
    spend = tx[tx["amount"] < 0]
    recent = spend[spend["timestamp"] >= end - pd.Timedelta(days=365)]
    freq = recent.groupby("customer_id").size()
    mon = -recent.groupby("customer_id")["amount"].sum()
    got = c360.loc[freq.index]
    assert (got["frequency_12m"] == freq).all()
    np.testing.assert_allclose(got["monetary_12m"], mon, rtol=1e-9)
    last = spend.groupby("customer_id")["timestamp"].max()
    recency = (end - last.dt.normalize()).dt.days
    assert (c360.loc[recency.index, "recency_days"] == recency).all()


def test_customer_360_holdings_service_campaigns_by_hand(bank_world, c360):
    acc = bank_world["accounts"]
    open_n = acc[acc["status"] == "open"].groupby("customer_id").size()
    assert (c360.loc[open_n.index, "n_holdings"] == open_n).all()
    sr = bank_world["service_requests"].groupby("customer_id").size()
    assert (c360.loc[sr.index, "n_service_requests"] == sr).all()
    assert c360["n_service_requests"].sum() == len(bank_world["service_requests"])
    cc = bank_world["campaign_contacts"]
    treated = cc[cc["group"] == "treatment"].groupby("customer_id").size()
    assert (c360.loc[treated.index, "n_campaign_contacts"] == treated).all()
    cust = bank_world["customers"].set_index("customer_id")
    assert (c360["consent_email"] == cust.loc[c360.index, "consent_email"]).all()
    assert c360.index.is_unique and len(c360) == len(cust)
    assert set(c360["value_tier"]) <= {"low", "medium", "high", "top"}


def test_customer_360_subset_and_errors(bank_wh):
    part = customer_360(bank_wh.db_path, [3, 1, 2])
    assert part["customer_id"].tolist() == [1, 2, 3]
    assert customer_360(bank_wh.db_path, []).empty
    with pytest.raises(InvalidParameterError, match="'customer_ids' parameter of customer_360"):
        customer_360(bank_wh.db_path, ["x"])


def test_campaign_mart_by_hand(retail_world, retail_wh):
    mart = campaign_mart(retail_wh.db_path).set_index("campaign_id")
    cc = retail_world["campaign_contacts"]
    took = retail_world["campaign_responses"]
    took = set(took.loc[took["response_type"] == "took_up", "contact_id"])
    cc = cc.assign(took=cc["contact_id"].isin(took))
    rate = cc.groupby(["campaign_id", "group"], observed=True)["took"].mean().unstack()
    np.testing.assert_allclose(mart.loc[rate.index, "take_up_rate"], rate["treatment"])
    np.testing.assert_allclose(mart.loc[rate.index, "control_take_up_rate"], rate["control"])
    np.testing.assert_allclose(mart["uplift"], mart["take_up_rate"] - mart["control_take_up_rate"])
    cost = cc.groupby("campaign_id")["cost"].sum()
    np.testing.assert_allclose(mart.loc[cost.index, "cost"], cost)
    np.testing.assert_allclose(mart["cost_per_thousand"], 1000 * mart["cost"] / mart["contacts"])


def test_clickstream_mart_paths_by_hand(retail_world, retail_wh):
    mart = clickstream_mart(retail_wh.db_path).set_index("session_id")
    pv = retail_world["page_views"].sort_values(["session_id", "seq"])
    first = (
        pv[pv["seq"] <= 12].groupby("session_id")["page_type"].agg(lambda s: ">".join(map(str, s)))
    )
    assert (mart.loc[first.index, "path"] == first).all()
    checkout = pv.assign(c=pv["page_type"] == "checkout").groupby("session_id")["c"].any()
    assert (mart.loc[checkout.index, "reached_checkout"] == checkout).all()
    assert len(mart) == len(retail_world["web_sessions"])
    assert set(mart["identified_by"]) <= {"login", "campaign_link", "cookie_stitching", "anonymous"}


def test_distress_and_intent_signals_beat_chance(retail_world, retail_wh):
    mart = clickstream_mart(retail_wh.db_path).set_index("session_id")
    truth = retail_world.truth["web_session_truth"].set_index("session_id")
    t = truth.loc[mart.index]
    # the rules flag truly distressed / high-intent sessions far more often than others
    assert (
        mart.loc[t["distressed"], "distress_signal"].mean()
        > 2 * mart.loc[~t["distressed"], "distress_signal"].mean()
    )
    assert (
        mart.loc[t["high_intent"], "high_intent_signal"].mean()
        > 2 * mart.loc[~t["high_intent"], "high_intent_signal"].mean()
    )


def test_warehouse_reader(bank_wh):
    with Warehouse(bank_wh.db_path) as wh:
        assert wh.query("SELECT count(*) AS n FROM dim_product")["n"].iloc[0] == 7
        tables = wh.tables()
        assert {"layer", "kind", "rows", "description"} <= set(tables.columns)
        assert wh.table("dim_channel")["channel_code"].is_unique
        assert "Warehouse(" in repr(wh)
