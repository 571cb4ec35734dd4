"""Acquisition: channels, conversion, cost per acquisition and the pay-per-click what-if."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from ecrm_lab.exceptions import DataError, InvalidParameterError
from ecrm_lab.lifecycle import (
    ACQUISITION_COSTS,
    ChannelCost,
    acquisition_channels,
    keyword_portfolio,
    landing_conversion,
    ppc_outcome,
    ppc_what_if,
)

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def portfolio(bank_world):
    return keyword_portfolio(bank_world, random_state=42)


def _one_keyword(bid: float, median: float = 2.0, sigma: float = 0.8) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "searches_per_day": [1000.0],
            "ctr": [0.1],
            "conversion_rate": [0.05],
            "competitor_median": [median],
            "competitor_sigma": [sigma],
            "current_bid": [bid],
        }
    )


def test_second_price_auction_by_hand():
    # a bid at the competitors' median wins half the auctions
    half = ppc_outcome(_one_keyword(2.0))
    assert half["clicks_per_day"] == pytest.approx(50.0)
    assert half["sales_per_day"] == pytest.approx(2.5)
    # a huge bid wins all and pays the mean competing bid, median * exp(sigma^2 / 2)
    top = ppc_outcome(_one_keyword(1e6))
    assert top["clicks_per_day"] == pytest.approx(100.0)
    assert top["cpc"] == pytest.approx(2.0 * np.exp(0.32))
    # paying the second price: never more than the bid
    assert half["cpc"] < 2.0
    # a daily budget thins the auctions the ad enters, not the price
    capped = ppc_outcome(_one_keyword(1e6), budget=top["spend_per_day"] / 4)
    assert capped["clicks_per_day"] == pytest.approx(25.0)
    assert capped["cpc"] == pytest.approx(top["cpc"])
    off = ppc_outcome(_one_keyword(0.0))
    assert off["clicks_per_day"] == 0.0 and np.isnan(off["cpc"])


def test_portfolio_reproduces_the_observed_paid_search(bank_world, portfolio):
    days = 731  # 2023-01-01 .. 2025-01-01
    ws = bank_world["web_sessions"]
    clicks = (ws["referrer"].astype(str) == "paid_search").sum() / days
    c = bank_world["customers"]
    new = c["acquisition_date"] >= "2023-01-01"
    sales = (c.loc[new, "acquisition_channel"].astype(str) == "paid_search").sum() / days
    now = ppc_outcome(portfolio)
    assert now["clicks_per_day"] == pytest.approx(clicks)
    assert now["sales_per_day"] == pytest.approx(sales)
    assert now["spend_per_day"] == pytest.approx(portfolio.attrs["daily_budget"])
    assert portfolio["conversion_rate"].between(0, 1).all()
    assert set(portfolio["kind"]) == {"brand", "head", "product", "long_tail", "informational"}


def test_portfolio_is_seeded(bank_world, portfolio):
    again = keyword_portfolio(bank_world, random_state=42)
    pd.testing.assert_frame_equal(portfolio, again)
    other = keyword_portfolio(bank_world, random_state=7)
    assert not np.allclose(other["searches_per_day"], portfolio["searches_per_day"])


def test_ppc_what_if_reproduces_the_course_case(portfolio):
    """The course: sales per day doubled while the cost per click halved."""
    r = ppc_what_if(portfolio)
    t = r.table
    assert t.loc["as_is", "sales_ratio"] == 1.0
    # every strategy keeps to the budget
    assert (t["spend_per_day"] <= r.budget * (1 + 1e-6)).all()
    # lowering the bids doubles sales and halves the cost per click at the same budget
    assert t.loc["lower_bids", "sales_ratio"] >= 2.0
    assert t.loc["lower_bids", "cpc_ratio"] <= 0.55
    # the joint optimisation of bids and keywords sells at least as much as any other
    assert r.sales_ratio >= 2.0
    assert r.sales_ratio >= 0.99 * t["sales_ratio"].max()
    # cutting the wasteful keywords raises the conversion of the clicks bought
    assert t.loc["cut_keywords", "conversion"] > t.loc["as_is", "conversion"]
    assert t.loc["cut_keywords", "keywords"] < t.loc["as_is", "keywords"]
    assert {"bid_optimal", "sales_optimal"} <= set(r.keywords.columns)


def test_ppc_what_if_bad_input(portfolio):
    with pytest.raises(InvalidParameterError, match="'budget' parameter of ppc_what_if"):
        ppc_what_if(portfolio, budget=-1.0)
    with pytest.raises(InvalidParameterError, match="'n_grid' parameter of ppc_what_if"):
        ppc_what_if(portfolio, n_grid=3)
    with pytest.raises(DataError, match="column 'ctr' not found"):
        ppc_what_if(portfolio.drop(columns="ctr"))
    bad = portfolio.copy()
    bad.loc[0, "conversion_rate"] = 1.5
    with pytest.raises(DataError, match="probabilities in \\[0, 1\\]"):
        ppc_what_if(bad)
    with pytest.raises(InvalidParameterError, match="'budget_share' parameter"):
        keyword_portfolio(pd.DataFrame(), budget_share=2.0)


def test_acquisition_channels(bank_world):
    a = acquisition_channels(bank_world, random_state=42)
    t = a.table
    c = bank_world["customers"]
    n_new = (c["acquisition_date"] >= "2023-01-01").sum()
    assert t["new_customers"].sum() == n_new
    assert a.monthly.to_numpy().sum() == n_new
    online = t["visitors"].notna()
    assert set(t.index[online]) == {
        "organic_search",
        "paid_search",
        "affiliate",
        "online_pr",
        "display_ads",
    }
    assert t.loc[online, "conversion"].between(0, 1).all()
    # per-acquisition channels cost their rate per customer
    assert t.loc["affiliate", "cost_per_acquisition"] == pytest.approx(
        ACQUISITION_COSTS["bank"]["affiliate"].rate
    )
    # pay-per-click is priced at the portfolio's current cost per click
    cpc = ppc_outcome(keyword_portfolio(bank_world, random_state=42))["cpc"]
    assert t.loc["paid_search", "cost"] == pytest.approx(cpc * t.loc["paid_search", "sessions"])
    cheaper = acquisition_channels(
        bank_world, costs={"affiliate": ChannelCost("per_acquisition", 30.0, "test")}
    )
    assert cheaper.table.loc["affiliate", "cost_per_acquisition"] == pytest.approx(30.0)
    with pytest.raises(DataError, match="unknown channel 'tv'"):
        acquisition_channels(bank_world, costs={"tv": ChannelCost("per_month", 1.0, "")})


def test_landing_conversion(retail_world):
    t = landing_conversion(retail_world)
    assert t["conversion"].between(0, 1).all()
    assert t["visitors"].sum() == retail_world["web_sessions"]["visitor_id"].nunique()
    assert (t["converted"] <= t["visitors"]).all()
