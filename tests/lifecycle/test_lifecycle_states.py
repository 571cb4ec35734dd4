"""The customer state model: observed and true states, transition matrices, forward
simulation under a policy."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from ecrm_lab.exceptions import DataError, InvalidParameterError
from ecrm_lab.lifecycle import (
    STATES,
    Policy,
    observed_states,
    policy_from_offer,
    retention_offer,
    simulate_base,
    state_model,
    transition_counts,
    true_states,
)

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def model(bank_world):
    return state_model(bank_world)


def _codes(states: pd.DataFrame) -> np.ndarray:
    return np.column_stack([states[c].cat.codes.to_numpy() for c in states.columns])


def test_transition_counts_by_hand():
    cat = pd.CategoricalDtype(STATES)
    states = pd.DataFrame(
        {
            "m0": pd.Categorical(["prospect", "active"], dtype=cat),
            "m1": pd.Categorical(["new", "at_risk"], dtype=cat),
            "m2": pd.Categorical(["active", "lapsed"], dtype=cat),
        }
    )
    c = transition_counts(states)
    assert c.to_numpy().sum() == 4
    assert c.loc["prospect", "new"] == 1 and c.loc["new", "active"] == 1
    assert c.loc["active", "at_risk"] == 1 and c.loc["at_risk", "lapsed"] == 1
    assert transition_counts(states, first=1).to_numpy().sum() == 2


@pytest.mark.parametrize("which", ["observed", "true"])
def test_state_sequences_are_consistent(bank_world, which):
    s = observed_states(bank_world) if which == "observed" else true_states(bank_world)
    codes = _codes(s)
    P, N, A, R, L, W = range(6)
    acq = bank_world["customers"].set_index("customer_id").reindex(s.index)["acquisition_date"]
    new_in = (acq >= "2023-01-01").to_numpy()
    # customers acquired inside the horizon are new exactly once, prospects only before
    assert ((codes == N).sum(axis=1) == new_in).all()
    first_new = np.argmax(codes == N, axis=1)
    months = np.arange(codes.shape[1])[None, :]
    assert ((codes == P) == (new_in[:, None] & (months < first_new[:, None]))).all()
    # a lapsed customer comes back only through won_back
    a, b = codes[:, :-1], codes[:, 1:]
    assert not ((a == L) & (b == A)).any()
    assert not ((a == L) & (b == R)).any()
    assert not ((a == P) & (b != P) & (b != N)).any()


def test_state_model_matrices(model):
    for P in (model.matrix, model.true_matrix):
        rows = P.dropna(how="all")
        np.testing.assert_allclose(rows.sum(axis=1), 1.0)
    # prospects only stay prospects or become new
    assert model.matrix.loc["prospect", ["prospect", "new"]].sum() == pytest.approx(1.0)
    # the same customers and months are counted in both
    assert model.counts.to_numpy().sum() == model.true_counts.to_numpy().sum()
    assert model.confusion.to_numpy().sum() == model.observed.shape[0] * (
        model.window[1] - model.window[0] + 1
    )
    comp = model.comparison
    assert comp["total_variation"].dropna().between(0, 1).all()
    # prospect and new are observed exactly
    assert comp.loc["prospect", "total_variation"] == pytest.approx(0.0)
    assert model.confusion.loc["new", "new"] == model.confusion["new"].sum()
    # the estimated behaviour of active customers is close to the truth
    assert comp.loc["active", "total_variation"] < 0.15
    assert 0 <= model.lapse_churn_share <= 1
    occ = model.occupancy()
    np.testing.assert_allclose(occ.sum(axis=1)[occ.sum(axis=1) > 0], 1.0)


def test_state_model_bad_input(bank_world):
    with pytest.raises(DataError, match="lapse_months \\(2\\) must be larger"):
        observed_states(bank_world, active_months=3, lapse_months=2)
    with pytest.raises(InvalidParameterError, match="'risk_months' parameter of true_states"):
        true_states(bank_world, risk_months=0)


def test_simulate_base_conserves_customers(model):
    sim = simulate_base(model, months=6, n_runs=400, random_state=3)
    total = sim.counts.drop(columns="prospect").sum(axis=1)
    start = total.iloc[0]
    # nobody leaves the base: the total grows by the Poisson inflow of new customers
    expected = start + model.acquisitions_per_month * np.arange(7)
    np.testing.assert_allclose(total, expected, rtol=0.01)
    again = simulate_base(model, months=6, n_runs=400, random_state=3)
    pd.testing.assert_frame_equal(sim.counts, again.counts)


def test_policy_moves_customers_from_lapsed_to_active(model):
    strong = Policy("save everybody at risk", lapse_reduction=1.0, cost_per_contact=0.0)
    P = strong.apply(model.matrix.to_numpy())
    assert P[3, 4] == 0.0
    np.testing.assert_allclose(np.nansum(P, axis=1)[1:], 1.0)
    sim = simulate_base(model, months=12, policy=strong, random_state=1)
    assert sim.policy_counts["lapsed"].iloc[-1] < sim.counts["lapsed"].iloc[-1]
    # a free policy that only saves customers cannot lose value when at-risk customers
    # are worth more than lapsed ones
    if model.state_value["active"] > model.state_value["lapsed"]:
        assert sim.value["cumulative_difference"].iloc[-1] > 0
    with pytest.raises(InvalidParameterError, match="'lapse_reduction' parameter of Policy"):
        Policy("bad", lapse_reduction=1.5)


def test_policy_from_offer(bank_world, model):
    offer = retention_offer(bank_world, random_state=0)
    pol = policy_from_offer(offer, model)
    assert 0 <= pol.lapse_reduction <= 1
    assert pol.cost_per_contact == pytest.approx(offer.effect["cost"] / offer.effect["treated"])
    sim = simulate_base(model, months=3, policy=pol, n_runs=50, random_state=0)
    assert len(sim.value) == 3
    with pytest.raises(DataError, match="must be a RetentionOffer"):
        policy_from_offer(object(), model)
