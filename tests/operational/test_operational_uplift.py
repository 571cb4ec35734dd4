"""Response versus uplift modelling, scored against the true treatment effects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ecrm_lab.exceptions import DataError, InvalidParameterError, NotFittedError
from ecrm_lab.operational import (
    TwoModelUplift,
    compare_targeting,
    evaluate_uplift,
    qini_table,
    true_treatment_effect,
)
from ecrm_lab.world import behaviour


def test_qini_table_by_hand():
    y = np.array([1, 0, 0, 0, 1, 0, 0, 0])
    t = np.array([1, 1, 1, 1, 0, 0, 0, 0], dtype=bool)
    # interleaved ranking: t, c, t, c, ...
    score = np.array([8, 6, 4, 2, 7, 5, 3, 1])
    q = qini_table(y, t, score, n_bins=4, true_effect=np.full(8, 0.5))
    # top 2: one treated responder, one control responder -> qini 1 - 1 x 1/1 = 0
    assert q["k"].tolist() == [0, 2, 4, 6, 8]
    assert q["qini"].tolist() == [0.0, 0.0, 0.0, 0.0, 0.0]
    assert q["true_incremental"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    # ranking the treated responder first and the control responder last
    q2 = qini_table(y, t, np.array([8, 4, 3, 2, 1, 5, 6, 7]), n_bins=4)
    assert q2["qini"].max() > 0
    with pytest.raises(DataError, match="y has 8 values, treatment 8 and score 3"):
        qini_table(y, t, [1, 2, 3])


def test_true_treatment_effect_follows_the_uplift_class(bank_traits):
    te = true_treatment_effect(bank_traits, "credit_card", "email")
    cls = bank_traits["uplift_class"].astype(str).to_numpy()
    assert (te[cls == "persuadable"] > 0).all()
    assert (te[cls == "do_not_disturb"] < 0).all()
    # lost causes barely move (only the channel match nudges them)
    assert abs(te[cls == "lost_cause"]).mean() < 0.1 * te[cls == "persuadable"].mean()
    with pytest.raises(InvalidParameterError, match="'product_code' parameter"):
        true_treatment_effect(bank_traits, "electronics")


def test_two_model_uplift_finds_the_persuadable_group():
    rng = np.random.default_rng(0)
    n = 6000
    X = pd.DataFrame({"x": rng.normal(size=n), "g": rng.choice(["a", "b"], n)})
    t = rng.random(n) < 0.5
    # group b is persuadable: contact raises take-up from 5 % to 20 %; group a sure things
    p = np.where(X["g"] == "b", np.where(t, 0.20, 0.05), 0.15)
    y = rng.random(n) < p
    m = TwoModelUplift(random_state=0).fit(X, y, t)
    u = m.predict_uplift(pd.DataFrame({"x": [0.0, 0.0], "g": ["a", "b"]}))
    r = m.predict_response(pd.DataFrame({"x": [0.0, 0.0], "g": ["a", "b"]}))
    assert u[1] > u[0] + 0.08
    assert abs(r[0] - r[1]) < 0.08  # the response model cannot tell them apart
    assert m.n_treated_ + m.n_control_ == n and m.positives_treated_ > 0
    small = slice(0, 1500)
    gb = TwoModelUplift("gradient_boosting", random_state=0).fit(X[small], y[small], t[small])
    assert gb.predict_uplift(X[small]).shape == (1500,)


def test_two_model_uplift_errors():
    X = pd.DataFrame({"x": np.arange(10.0)})
    with pytest.raises(NotFittedError, match="not fitted"):
        TwoModelUplift().predict_uplift(X)
    with pytest.raises(DataError, match="bigger pilot"):
        TwoModelUplift().fit(X, np.zeros(10), np.arange(10) % 2 == 0)
    with pytest.raises(InvalidParameterError, match="'model' parameter of TwoModelUplift"):
        TwoModelUplift("forest").fit(X, np.arange(10) % 3 == 0, np.arange(10) % 2 == 0)
    with pytest.raises(InvalidParameterError, match="must be a DataFrame"):
        TwoModelUplift().fit(np.ones((10, 1)), np.zeros(10), np.zeros(10))


def test_oracle_ranking_gains_most(bank_traits):
    te = true_treatment_effect(bank_traits, "personal_loan", "email")
    pt = behaviour.take_up_probability(bank_traits, "personal_loan", True, "email")
    rng = np.random.default_rng(1)
    t = rng.random(len(te)) < 0.5
    p = np.where(t, pt, pt - te)
    y = rng.random(len(te)) < p
    ev = evaluate_uplift(y, t, {"response": pt}, true_effect=te, n_bins=10)
    tab = ev.table.set_index("ranking")
    assert tab.loc["true uplift (oracle)", "true_area"] >= tab.loc["response", "true_area"]
    assert tab.loc["response", "true_area"] > tab.loc["random", "true_area"] - 1e-12
    assert set(ev.curves["ranking"]) == {"response", "true uplift (oracle)", "random"}
    with pytest.raises(InvalidParameterError, match="'scores' parameter"):
        evaluate_uplift(y, t, {})


def test_response_targeting_wastes_money_on_sure_things(bank_traits):
    te = true_treatment_effect(bank_traits, "personal_loan", "email")
    pt = behaviour.take_up_probability(bank_traits, "personal_loan", True, "email")
    cmp = compare_targeting(
        {"perfect response model": pt},
        true_effect=te,
        p_treated=pt,
        uplift_class=bank_traits["uplift_class"],
        cost_per_contact=0.05,
        margin_per_take_up=324.0,
        share=0.2,
    )
    tab = cmp.table.set_index("ranking")
    resp, upl = tab.loc["perfect response model"], tab.loc["true uplift (oracle)"]
    assert resp["share_sure_thing"] > upl["share_sure_thing"]
    assert resp["expected_take_ups"] > upl["expected_take_ups"]  # looks better ...
    assert resp["true_incremental"] < upl["true_incremental"]  # ... but gains less
    assert resp["wasted_cost"] > upl["wasted_cost"]
    assert (tab["harm"] <= 0).all() and upl["harm"] == 0
    # random contacts reach more do-not-disturb customers (each harmed less: a responsive
    # do-not-disturb customer loses more take-up probability)
    assert tab.loc["random", "share_do_not_disturb"] > resp["share_do_not_disturb"]
    assert np.isclose(tab["contacted"], 0.2 * len(te)).all()
    with pytest.raises(DataError, match="p_treated has 3 values"):
        compare_targeting(
            {"x": te},
            true_effect=te,
            p_treated=pt[:3],
            uplift_class=te,
            cost_per_contact=1.0,
            margin_per_take_up=1.0,
        )
