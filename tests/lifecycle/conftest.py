"""Shared fixtures of the lifecycle tests: the CDNOW sample (see data/README.md)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def cdnow_log() -> pd.DataFrame:
    """The raw CDNOW sample transaction log (6,919 transactions of 2,357 customers)."""
    return pd.read_csv(
        DATA / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "cds", "amount"],
    )


@pytest.fixture(scope="session")
def cdnow_summary() -> pd.DataFrame:
    """The published calibration summary: x, t_x, T (weeks) and zbar."""
    return pd.read_csv(DATA / "cdnow_customers_summary_with_transactions.csv").set_index("ID")


@pytest.fixture(scope="session")
def cdnow_csv(cdnow_log, tmp_path_factory) -> Path:
    """The CDNOW log as a CSV file with a header, for the command line."""
    path = tmp_path_factory.mktemp("cdnow") / "cdnow.csv"
    cdnow_log.to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def bank_world():
    """The default bank world of the lessons (2,000 customers, seed 42)."""
    from ecrm_lab.world import generate

    return generate("bank", 2000, 42)


@pytest.fixture(scope="session")
def retail_world():
    """A small retail world (800 customers, seed 3)."""
    from ecrm_lab.world import generate

    return generate("retail", 800, 3)
