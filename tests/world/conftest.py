"""Module-wide fixtures of the world tests: small worlds built once per test session."""

import sys

import pytest

from ecrm_lab.world import generate


@pytest.fixture(scope="session")
def bank_world():
    return generate("bank", n_customers=2000, seed=42, months=12)


@pytest.fixture(scope="session")
def retail_world():
    return generate("retail", n_customers=2000, seed=42, months=12)


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 150 customers, so that a small world has several blocks."""
    for name, mod in list(sys.modules.items()):
        if name.startswith("ecrm_lab.world") and hasattr(mod, "BLOCK_SIZE"):
            monkeypatch.setattr(mod, "BLOCK_SIZE", 150)
