"""Retention: cohorts, Kaplan-Meier curves, churn hazards and retention offers."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from ecrm_lab.exceptions import DataError, InvalidParameterError
from ecrm_lab.lifecycle import (
    churn_hazards,
    cohort_table,
    kaplan_meier,
    retention_curve,
    retention_offer,
    world_cohorts,
)

matplotlib.use("Agg")


def test_cohort_table_by_hand():
    log = pd.DataFrame(
        {
            "c": ["a", "a", "a", "b", "c", "c"],
            "d": pd.to_datetime(
                ["2024-01-03", "2024-02-10", "2024-03-01", "2024-01-20", "2024-02-02", "2024-02-20"]
            ),
        }
    )
    t = cohort_table(log, "c", "d", end="2024-04-01")
    # January cohort (a, b): month 0 both, month 1 only a, month 2 only a
    np.testing.assert_allclose(t.table.iloc[0, :3], [1.0, 0.5, 0.5])
    assert t.table.shape == (2, 3)
    # February cohort (c): active in month 0, not in month 1, month 2 not observed
    np.testing.assert_allclose(t.table.iloc[1, :2], [1.0, 0.0])
    assert np.isnan(t.table.iloc[1, 2])
    assert t.sizes.tolist() == [2, 1]
    # pooled curve weights cohorts by size: month 1 = (0.5 * 2 + 0 * 1) / 3
    assert t.curve().iloc[1] == pytest.approx(1.0 / 3.0)
    churn = pd.Series(pd.to_datetime(["2024-02-15", None, None]), index=["a", "b", "c"])
    r = cohort_table(log, "c", "d", end="2024-04-01", churn=churn, measure="retained")
    np.testing.assert_allclose(r.table.iloc[0, :3], [1.0, 0.5, 0.5])


def test_cohort_table_bad_input():
    log = pd.DataFrame({"c": [1], "d": ["not a date"]})
    with pytest.raises(DataError, match="not dates"):
        cohort_table(log, "c", "d")
    with pytest.raises(DataError, match="column 'day' not found"):
        cohort_table(log, "c", "day")
    with pytest.raises(InvalidParameterError, match="'measure' parameter of cohort_table"):
        cohort_table(log, "c", "d", measure="alive")
    ok = pd.DataFrame({"c": [1], "d": ["2024-01-01"]})
    with pytest.raises(DataError, match="needs the churn dates"):
        cohort_table(ok, "c", "d", measure="retained")


def test_kaplan_meier_with_censoring():
    s, at_risk, ev = kaplan_meier([1, 2, 3, 4], [1, 0, 1, 0], [0, 1, 2, 3, 4])
    np.testing.assert_allclose(s, [1.0, 0.75, 0.75, 0.375, 0.375])
    np.testing.assert_allclose(at_risk, [4, 4, 3, 2, 1])
    np.testing.assert_allclose(ev, [0, 1, 1, 2, 2])


def test_world_cohorts(bank_world):
    act = world_cohorts(bank_world)
    ret = world_cohorts(bank_world, "retained")
    n_new = (bank_world["customers"]["acquisition_date"] >= "2023-01-01").sum()
    assert act.sizes.sum() == n_new
    v = ret.table.to_numpy()
    ok = ~np.isnan(v)
    assert ((v[ok] >= 0) & (v[ok] <= 1)).all()
    # retained never grows with time since acquisition
    diffs = np.diff(ret.table.to_numpy(), axis=1)
    assert (diffs[~np.isnan(diffs)] <= 1e-12).all()
    # the upper-left triangle is observed, the rest is not
    assert ret.table.iloc[-1].notna().sum() == 1


def test_retention_curve_bank(bank_world):
    r = retention_curve(bank_world)
    t = r.table
    # bank churn is observed exactly: the observed and true curves coincide
    np.testing.assert_allclose(t["observed"], t["true"])
    assert (np.diff(t["observed"]) <= 1e-12).all()
    assert t.loc[0, "observed"] == 1.0
    # and the behaviour model expects about the same
    assert abs(t.loc[12, "observed"] - t.loc[12, "expected"]) < 0.03


def test_retention_curve_retail_uses_loyalty_members(retail_world):
    r = retention_curve(retail_world)
    assert r.population == "loyalty-card holders"
    assert r.table.loc[0, "at_risk"] == retail_world["customers"]["loyalty_member"].sum()


def test_churn_hazards(bank_world):
    tables = {
        by: churn_hazards(bank_world, by).table
        for by in ("segment", "acquisition_channel", "service")
    }
    exposure = {by: t["customer_months"].sum() for by, t in tables.items()}
    churns = {by: t["churns"].sum() for by, t in tables.items()}
    assert len(set(exposure.values())) == 1 and len(set(churns.values())) == 1
    ev = bank_world["lifecycle_events"]
    assert churns["segment"] == (ev["event_type"].astype(str) == "churn").sum()
    s = tables["service"]
    # the behaviour model: every dissatisfying contact multiplies the hazard by 1.5
    assert s.loc["2+ dissatisfied", "true_hazard"] > s.loc["1 dissatisfied", "true_hazard"]
    assert s.loc["1 dissatisfied", "true_hazard"] > s.loc["no request", "true_hazard"]
    # and the data show it: dissatisfied customers churn more
    assert s.loc["1 dissatisfied", "hazard"] > s.loc["no request", "hazard"]
    seg = tables["segment"]
    assert ((seg["hazard_low"] <= seg["hazard"]) & (seg["hazard"] <= seg["hazard_high"])).all()
    assert churn_hazards(bank_world, "segment").truth_grouping
    with pytest.raises(InvalidParameterError, match="'by' parameter of churn_hazards"):
        churn_hazards(bank_world, "age")


def test_retention_offer(bank_world):
    a = retention_offer(bank_world, random_state=5)
    b = retention_offer(bank_world, random_state=5)
    pd.testing.assert_frame_equal(a.customers, b.customers)
    t = a.table
    assert t["customers"].sum() == a.effect["eligible"]
    assert t.loc["control", "recovered"] == 0 and t.loc["control", "accepted"] == 0
    # a recovered customer can only be safer (behaviour model)
    assert a.effect["expected_incremental_retention"] >= 0
    assert a.effect["relative_churn_reduction"] >= 0
    assert a.effect["low"] <= a.effect["incremental_retention"] <= a.effect["high"]
    c = a.customers
    assert (c.loc[c["group"] == "control", "recovered"] == 0).all()
    assert c["p_recover"].between(0, 1).all()
    # only customers whose recent dissatisfaction can be removed gain months
    gain = c["expected_extra_months"]
    assert (gain[c["dissatisfied"] == 0].abs() < 1e-12).all()
    assert (gain >= -1e-12).all()
    # a post offer solves no service problem: only the discount can recover anybody
    post = retention_offer(bank_world, channel="post", random_state=5)
    assert (post.customers["p_recover"] <= a.customers["p_recover"].max() + 1e-12).all()


def test_retention_offer_bad_input(bank_world):
    with pytest.raises(InvalidParameterError, match="'targets' parameter of retention_offer"):
        retention_offer(bank_world, targets="everybody")
    with pytest.raises(InvalidParameterError, match="'treatment_share' parameter"):
        retention_offer(bank_world, treatment_share=1.0)
    with pytest.raises(DataError, match="outside the horizon"):
        retention_offer(bank_world, at="2019-01-01")
