"""Customer value on a world: profitability, ROI of interactions, CLV against the truth and
what CLV changes in a campaign decision."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from ecrm_lab.exceptions import DataError, InvalidParameterError
from ecrm_lab.lifecycle import (
    clv_comparison,
    customer_profitability,
    interaction_roi,
    observed_churn_rate,
    retention_clv,
    retention_values,
    service_cost_per_request,
    value_targeting,
)
from ecrm_lab.world import behaviour

matplotlib.use("Agg")


def test_service_cost_per_request_follows_the_behaviour_model():
    # bank: 12 a month per unit of distress, 0.5 more requests a month per unit of distress
    assert service_cost_per_request("bank") == pytest.approx(24.0)
    assert service_cost_per_request("retail") == pytest.approx(2.0 / 0.3)
    with pytest.raises(InvalidParameterError, match="'domain' parameter of"):
        service_cost_per_request("insurer")


def test_most_bank_customers_are_unprofitable(bank_world):
    """The course: at a typical bank most customers are unprofitable — in the world's truth
    and in the estimate from the observed tables."""
    p = customer_profitability(bank_world)
    assert (bank_world.truth["customer_value"]["profit"] <= 0).mean() > 0.5
    assert p.share_unprofitable > 0.5
    assert p.summary().loc["share unprofitable (estimated)", "value"] == p.share_unprofitable


def test_profitability_accounts_add_up(bank_world):
    p = customer_profitability(bank_world)
    t = p.table
    parts = t[["base_cost", "product_cost", "channel_cost", "service_cost", "contact_cost"]]
    np.testing.assert_allclose(parts.sum(axis=1), t["cost"])
    np.testing.assert_allclose(t["revenue"] - t["cost"], t["profit"])
    assert (t["months_active"] >= 0).all() and (t["months_active"] <= 24.1).all()
    assert (parts >= 0).all().all()
    # campaign contacts are charged at their recorded cost
    assert t["contact_cost"].sum() == pytest.approx(bank_world["campaign_contacts"]["cost"].sum())
    # service requests at the model's price
    n_req = len(bank_world["service_requests"])
    assert t["service_cost"].sum() == pytest.approx(24.0 * n_req)
    # the estimate tracks the realised truth closely
    assert np.corrcoef(t["profit"], p.truth["true_profit"])[0, 1] > 0.9
    by = p.by("main_channel")
    assert by["customers"].sum() == len(t)
    with pytest.raises(DataError, match="no column 'segment'"):
        p.by("segment")


def test_profitability_estimate_close_to_truth_on_retail(retail_world):
    p = customer_profitability(retail_world)
    true_share = float((p.truth["true_profit"] <= 0).mean())
    assert abs(p.share_unprofitable - true_share) < 0.1


def test_profitability_up_to_a_date(bank_world):
    early = customer_profitability(bank_world, at="2024-01-01")
    late = customer_profitability(bank_world)
    assert early.table["months_active"].max() <= 12.1
    assert early.table["revenue"].sum() < late.table["revenue"].sum()
    with pytest.raises(DataError, match="outside the horizon"):
        customer_profitability(bank_world, at="2030-01-01")
    with pytest.raises(DataError, match="expected a World"):
        customer_profitability(pd.DataFrame())


def test_interaction_roi_per_campaign(bank_world):
    r = interaction_roi(bank_world)
    cc = bank_world["campaign_contacts"]
    treat = cc[cc["group"].astype(str) == "treatment"]
    assert r.table["contacts"].sum() == len(treat)
    assert r.table["cost"].sum() == pytest.approx(treat["cost"].sum())
    assert np.isfinite(r.table["true_roi"]).all()
    assert set(r.by_channel.index) == set(r.table["channel"])
    lo, hi = r.table["incremental_roi_low"], r.table["incremental_roi_high"]
    assert ((lo <= r.table["incremental_roi"] + 1e-9) | lo.isna()).all()
    assert ((hi >= r.table["incremental_roi"] - 1e-9) | hi.isna()).all()
    with pytest.raises(InvalidParameterError, match="'window_days' parameter of interaction_roi"):
        interaction_roi(bank_world, window_days=0)


def test_observed_churn_rate_matches_the_traits(bank_world):
    c = observed_churn_rate(bank_world)
    h = bank_world.truth["customer_traits"]["churn_hazard"].mean()
    assert 0.6 * h < c < 1.5 * h


def test_retention_values_follow_the_formula(bank_world):
    rv = retention_values(bank_world)
    c = rv.attrs["churn_rate"]
    d = (1.0 + behaviour.ANNUAL_DISCOUNT) ** (1 / 12) - 1
    m = rv["monthly_margin"].to_numpy()[:5]
    t = np.arange(24)
    direct = (m[:, None] * ((1 - c) / (1 + d)) ** t[None, :]).sum(axis=1)
    np.testing.assert_allclose(rv["retention_clv"].to_numpy()[:5], direct)
    np.testing.assert_allclose(direct, m + retention_clv(m, 1 - c, d, horizon=23))


def test_clv_comparison_against_truth(bank_world):
    res = clv_comparison(bank_world)
    t = res.table
    assert len(t) == 2000
    ok = t["bgnbd_clv"].notna()
    assert (t.loc[ok, "bgnbd_clv"] >= 0).all()
    assert ((t.loc[ok, "p_alive"] >= 0) & (t.loc[ok, "p_alive"] <= 1)).all()
    s = res.scores()
    assert s.loc["retention_clv", "spearman_with_true_value"] > 0.3
    assert (s["top_20pct_overlap"].between(0, 1)).all()
    ax = res.plot()
    assert ax.get_xlabel() == "true value (truth)"


def test_value_targeting_invariants(bank_world):
    vt = value_targeting(bank_world, "credit_card", share=0.2)
    t = vt.table
    # the response ranking contacts the customers with the highest take-up probability
    assert t["expected_take_ups"].idxmax() == "response score"
    # the oracle ranks by the true objective
    assert t["net_value"].idxmax() == "oracle: true uplift x take-up value"
    assert (t["contacted"] == t["contacted"].iloc[0]).all()
    consenting = bank_world["customers"]["consent_email"].sum()
    assert t["contacted"].iloc[0] == round(0.2 * consenting)
    assert t.loc["response score", "overlap_with_response"] == 1.0
    # ranking by lifetime value contacts more valuable customers
    assert t.loc["lifetime value", "mean_true_clv"] > t.loc["response score", "mean_true_clv"]


def test_value_targeting_bad_input(bank_world):
    with pytest.raises(InvalidParameterError, match="'share' parameter of value_targeting"):
        value_targeting(bank_world, share=0.0)
    with pytest.raises(InvalidParameterError, match="'product_code' parameter"):
        value_targeting(bank_world, "pasta")
    with pytest.raises(DataError, match="must be a pandas Series"):
        value_targeting(bank_world, clv=[1.0, 2.0])
