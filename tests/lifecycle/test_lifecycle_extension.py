"""Extension: adoption, up-sell / cross-sell, depth of relationship and cross-sell offers."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

from ecrm_lab.exceptions import InvalidParameterError
from ecrm_lab.lifecycle import cross_sell, product_adoption, relationship_depth

matplotlib.use("Agg")


def test_bank_adoption_matches_the_lifecycle_events(bank_world):
    a = product_adoption(bank_world)
    ev = bank_world["lifecycle_events"]
    n = (ev["event_type"].astype(str) == "adoption").sum()
    assert a.table["adoptions"].sum() == n
    assert a.monthly.to_numpy().sum() == n
    t = a.table
    np.testing.assert_array_equal(t["up_sell"] + t["cross_sell"], t["adoptions"])
    np.testing.assert_array_equal(
        t[["organic", "rule", "campaign", "sales"]].sum(axis=1), t["adoptions"]
    )
    # a savings account next to the current account deepens the account family: up-sell
    assert t.loc["savings_account", "up_sell"] > t.loc["savings_account", "cross_sell"]
    assert t.loc["mortgage", "cross_sell"] > t.loc["mortgage", "up_sell"]


def test_retail_adoption_kinds(retail_world):
    a = product_adoption(retail_world)
    assert a.by_kind.sum().min() > 0
    ev = retail_world["lifecycle_events"]
    n_cross = (ev["event_type"].astype(str) == "adoption").sum()
    assert a.table["cross_sell"].sum() == n_cross


def test_relationship_depth(bank_world, retail_world):
    for w in (bank_world, retail_world):
        d = relationship_depth(w)
        t = d.table
        shares = t[["share_1", "share_2", "share_3", "share_4plus"]].sum(axis=1)
        np.testing.assert_allclose(shares[t["customers"] > 0], 1.0)
        assert (t["mean_products"] >= 1.0).all()
    # every bank customer holds at least the current account
    d = relationship_depth(bank_world)
    assert d.unit == "open accounts"
    assert len(d.table) == 24
    assert len(relationship_depth(retail_world, window_months=12).table) == 13
    with pytest.raises(InvalidParameterError, match="'window_months' parameter"):
        relationship_depth(bank_world, window_months=0)


def test_cross_sell_offers(bank_world):
    r = cross_sell(bank_world, k=2)
    t = r.evaluation
    assert set(t["engine"]) == {
        "association_rules",
        "next_best_product",
        "popularity",
        "oracle_true_take_up",
    }
    assert t["hit_rate"].between(0, 1).all()
    # hit rate grows with the number of offers
    for _, g in t.groupby("engine"):
        assert (np.diff(g.sort_values("k")["hit_rate"]) >= 0).all()
    # the oracle offers what customers are truly most likely to take up
    k1 = t[t["k"] == 1].set_index("engine")
    assert k1["true_take_up"].idxmax() == "oracle_true_take_up"
    # the planted co-holding rules are found by link analysis
    assert r.planted_recall >= 0.5
    assert len(r.rules) > 0
    assert r.summary().index.tolist()[0] == "association_rules"
    with pytest.raises(InvalidParameterError, match="'k' parameter of cross_sell"):
        cross_sell(bank_world, k=0)
