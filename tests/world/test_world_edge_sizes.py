"""Tiny and long worlds: every source copes with empty pieces (no leads, no orders, ...)."""

from __future__ import annotations

import pytest

from ecrm_lab.world import generate

SIZES = [(1, 1), (3, 1), (10, 2), (50, 1), (200, 3), (30, 120)]


@pytest.mark.parametrize("domain", ["bank", "retail"])
@pytest.mark.parametrize(("n_customers", "months"), SIZES)
def test_edge_sized_world_generates_and_validates(domain, n_customers, months):
    w = generate(domain, n_customers, 5, months=months)
    w.validate()
    assert len(w["customers"]) == n_customers
    assert len(w.truth["customer_traits"]) == n_customers
    assert w.meta["months"] == months
