"""Small worlds and their warehouses, built once per test session (n of 500-800)."""

import pytest

from ecrm_lab.warehouse import build
from ecrm_lab.world import generate


@pytest.fixture(scope="session")
def bank_world():
    return generate("bank", n_customers=500, seed=11)


@pytest.fixture(scope="session")
def retail_world():
    return generate("retail", n_customers=400, seed=12)


@pytest.fixture(scope="session")
def bank_wh(bank_world, tmp_path_factory):
    path = tmp_path_factory.mktemp("wh") / "bank.duckdb"
    return build(bank_world, path)


@pytest.fixture(scope="session")
def retail_wh(retail_world, tmp_path_factory):
    path = tmp_path_factory.mktemp("wh") / "retail.duckdb"
    return build(retail_world, path)
