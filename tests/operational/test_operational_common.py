"""Intervals, traits helpers and the shared machinery of the operational modules."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ecrm_lab.exceptions import DataError, InvalidParameterError
from ecrm_lab.operational import (
    bootstrap_sum_diff,
    newcombe_interval,
    population_traits,
    wilson_interval,
)
from ecrm_lab.operational._common import align_traits, as_traits


def test_wilson_matches_published_value():
    # Newcombe (1998a), example 81/263: 0.2553 to 0.3662
    lo, hi = wilson_interval(81, 263)
    assert (round(lo, 4), round(hi, 4)) == (0.2553, 0.3662)


def test_wilson_edge_cases():
    lo, hi = wilson_interval(0, 10)
    assert lo == 0.0 and 0.25 < hi < 0.35  # 0/10: upper bound 0.2775
    lo, hi = wilson_interval(np.array([0, 5]), np.array([0, 10]))
    assert np.isnan(lo[0]) and np.isnan(hi[0])
    assert lo[1] < 0.5 < hi[1]


def test_newcombe_matches_published_values():
    # Newcombe (1998b), table II, method 10
    assert tuple(round(x, 4) for x in newcombe_interval(56, 70, 48, 80)) == (0.0524, 0.3339)
    assert tuple(round(x, 4) for x in newcombe_interval(9, 10, 3, 10)) == (0.1705, 0.8090)


def test_confidence_is_validated():
    with pytest.raises(InvalidParameterError, match="'confidence' parameter of wilson_interval"):
        wilson_interval(1, 10, confidence=1.5)


def test_bootstrap_of_sparse_sums_matches_brute_force():
    rng = np.random.default_rng(0)
    vt = np.where(rng.random(400) < 0.05, rng.uniform(10, 20, 400), 0.0)
    vc = np.where(rng.random(300) < 0.02, rng.uniform(10, 20, 300), 0.0)
    lo, hi, reps = bootstrap_sum_diff(vt, vc, 400.0, n_boot=4000, random_state=1)
    # brute force: resample every row
    b = np.random.default_rng(2)
    brute = np.array(
        [
            400.0 * (vt[b.integers(0, 400, 400)].mean() - vc[b.integers(0, 300, 300)].mean())
            for _ in range(4000)
        ]
    )
    assert abs(reps.mean() - brute.mean()) < 0.1 * brute.std()
    assert abs(reps.std() - brute.std()) < 0.1 * brute.std()
    assert lo < 400.0 * (vt.mean() - vc.mean()) < hi
    # deterministic for a seed
    assert (
        bootstrap_sum_diff(vt, vc, 400.0, random_state=1)[:2]
        == bootstrap_sum_diff(vt, vc, 400.0, random_state=1)[:2]
    )


def test_population_traits_are_the_worlds_traits():
    from ecrm_lab.world import generate

    w = generate("bank", n_customers=300, seed=3, months=6)
    t = population_traits("bank", 300, seed=3, months=6)
    pd.testing.assert_frame_equal(t, w.truth["customer_traits"])


def test_align_traits_orders_and_names_missing(bank_traits):
    got = align_traits(bank_traits, [5, 1, 5], "test")
    assert got["customer_id"].tolist() == [5, 1, 5]
    shuffled = bank_traits.sample(frac=1.0, random_state=0)
    assert align_traits(shuffled, [7, 3], "test")["customer_id"].tolist() == [7, 3]
    with pytest.raises(DataError, match="customer 999999 has no row"):
        align_traits(bank_traits, [1, 999_999], "test")
    with pytest.raises(DataError, match="customer 999999 has no row"):
        align_traits(shuffled, [999_999], "test")


def test_as_traits_accepts_world_or_table(bank_world):
    assert as_traits(bank_world, "t") is bank_world.truth["customer_traits"]
    with pytest.raises(DataError, match="column 'channel_pref' not found"):
        as_traits(pd.DataFrame({"customer_id": [1]}), "t")
    with pytest.raises(DataError, match="expected a world"):
        as_traits([1, 2], "t")


def test_z_value_is_the_normal_quantile():
    from ecrm_lab.operational._common import _z

    assert math.isclose(_z(0.95), 1.959963984540054)
