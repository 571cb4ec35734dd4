"""Module-wide fixtures of the world tests: small worlds built once per test session."""

import pytest

from ecrm_lab.world import generate


@pytest.fixture(scope="session")
def bank_world():
    return generate("bank", n_customers=2000, seed=42, months=12)


@pytest.fixture(scope="session")
def retail_world():
    return generate("retail", n_customers=2000, seed=42, months=12)
