"""Shared fixtures of the mining tests: small synthetic tables with a known truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="module")
def propensity_table() -> tuple[pd.DataFrame, np.ndarray]:
    """1,500 customers whose purchase depends on tenure, income and region (true p known)."""
    rng = np.random.default_rng(11)
    n = 1500
    tenure = rng.integers(1, 120, n)
    income = rng.lognormal(10, 0.5, n)
    region = rng.choice(["north", "south", "west"], n)
    logit = -2.5 + 0.02 * tenure + 1.0 * np.log(income / 22_000) + 1.5 * (region == "north")
    p = 1 / (1 + np.exp(-logit))
    y = rng.random(n) < p
    df = pd.DataFrame(
        {
            "customer_id": np.arange(1, n + 1),
            "tenure": tenure,
            "income": income,
            "region": region,
            "since": (
                pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), "D")
            ).strftime("%Y-%m-%d"),
            "bought": np.where(y, "yes", "no"),
        }
    )
    df.loc[rng.random(n) < 0.08, "income"] = np.nan
    df.loc[rng.random(n) < 0.05, "region"] = None
    return df, p


@pytest.fixture(scope="module")
def spend_table() -> tuple[pd.DataFrame, np.ndarray]:
    """800 customers whose spend is linear in visits and plan, plus noise (true mean known)."""
    rng = np.random.default_rng(5)
    n = 800
    visits = rng.poisson(6, n).astype(float)
    plan = rng.choice(["basic", "plus", "premium"], n)
    mean = 15 * visits + np.select([plan == "plus", plan == "premium"], [40, 120], 0)
    df = pd.DataFrame(
        {
            "customer_id": np.arange(n),
            "visits": visits,
            "plan": plan,
            "spend": mean + rng.normal(0, 10, n),
        }
    )
    df.loc[rng.random(n) < 0.05, "visits"] = np.nan
    return df, mean


@pytest.fixture(scope="module")
def blobs() -> tuple[pd.DataFrame, np.ndarray]:
    """600 customers in three well-separated groups."""
    rng = np.random.default_rng(3)
    centers = np.array([[0, 0, 0], [8, 8, 0], [0, 8, 8]], dtype=float)
    truth = np.repeat(np.array(["a", "b", "c"]), [300, 200, 100])
    codes = np.repeat([0, 1, 2], [300, 200, 100])
    X = centers[codes] + rng.normal(0, 1, (600, 3))
    order = rng.permutation(600)
    df = pd.DataFrame(X[order], columns=["x1", "x2", "x3"])
    df.insert(0, "customer_id", np.arange(1000, 1600))
    return df, truth[order]
