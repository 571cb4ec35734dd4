"""Shared, module-independent fixtures of the operational tests (built once per session)."""

from __future__ import annotations

import pytest

from ecrm_lab.operational import population_traits


@pytest.fixture(scope="session")
def bank_traits():
    return population_traits("bank", 20_000, seed=5)


@pytest.fixture(scope="session")
def retail_traits():
    return population_traits("retail", 8_000, seed=6)


@pytest.fixture(scope="session")
def bank_world():
    from ecrm_lab.world import generate

    return generate("bank", n_customers=800, seed=11, months=12)


@pytest.fixture(scope="session")
def retail_world():
    from ecrm_lab.world import generate

    return generate("retail", n_customers=600, seed=12, months=12)


@pytest.fixture(scope="session")
def bank_audience(bank_traits):
    cols = ["customer_id", "consent_email", "consent_sms", "consent_phone", "consent_post"]
    return bank_traits[cols].copy()
