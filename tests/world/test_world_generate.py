"""Generation: determinism, chunk invariance, schemas, referential integrity, bad input."""

import sys

import numpy as np
import pandas as pd
import pytest

from ecrm_lab.exceptions import InvalidParameterError, SchemaError
from ecrm_lab.world import SCHEMAS, generate
from ecrm_lab.world._context import WorldContext
from ecrm_lab.world.traits import draw_traits, draw_traits_block


def assert_worlds_equal(a, b):
    assert list(a.tables) == list(b.tables)
    assert list(a.truth) == list(b.truth)
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name], obj=name)
    for name in a.truth:
        pd.testing.assert_frame_equal(a.truth[name], b.truth[name], obj=name)
    assert a.meta == b.meta


@pytest.mark.parametrize("domain", ["bank", "retail"])
def test_same_parameters_same_world_and_another_seed_differs(domain):
    a = generate(domain, n_customers=400, seed=5, months=6)
    b = generate(domain, n_customers=400, seed=5, months=6)
    assert_worlds_equal(a, b)
    c = generate(domain, n_customers=400, seed=6, months=6)
    assert not c["customers"]["birth_date"].equals(a["customers"]["birth_date"])


@pytest.mark.parametrize("domain", ["bank", "retail"])
def test_result_does_not_depend_on_how_blocks_are_run(domain, small_blocks):
    one = generate(domain, n_customers=700, seed=3, months=6, n_jobs=1)
    three = generate(domain, n_customers=700, seed=3, months=6, n_jobs=3)
    assert_worlds_equal(one, three)


def test_each_block_is_drawn_from_its_own_stream(small_blocks):
    ctx = WorldContext("bank", 700, 9, pd.Timestamp("2023-01-01"), 12)
    whole = draw_traits(ctx)
    assert ctx.n_blocks == 5
    # any block can be generated alone (e.g. in another process) and gives the same rows
    rngs = ctx.block_rngs("traits", ctx.n_blocks)
    lo, hi = ctx.block_bounds(3)
    alone = draw_traits_block("bank", rngs[3], lo, hi, 12)
    pd.testing.assert_frame_equal(alone, whole.iloc[lo:hi].reset_index(drop=True))


@pytest.mark.parametrize("fixture", ["bank_world", "retail_world"])
def test_every_table_matches_its_schema(fixture, request):
    world = request.getfixturevalue(fixture)
    world.validate()
    for name in list(world.tables) + list(world.truth):
        assert name in SCHEMAS


def test_contract_tables_exist(bank_world, retail_world):
    common = {
        "customers",
        "products",
        "campaigns",
        "campaign_contacts",
        "campaign_responses",
        "web_sessions",
        "page_views",
        "service_requests",
        "sales_leads",
        "lifecycle_events",
        "raw_crm_customers",
        "raw_web_customers",
    }
    assert common | {"accounts", "transactions"} <= set(bank_world.tables)
    assert common | {"orders", "order_lines"} <= set(retail_world.tables)
    truth = {
        "customer_traits",
        "planted_anomalies",
        "true_churn",
        "campaign_uplift",
        "customer_value",
        "data_quality_faults",
    }
    assert truth | {"planted_rules", "planted_sequences"} <= set(retail_world.truth)
    assert truth <= set(bank_world.truth)


def test_keys_and_references_hold(bank_world, retail_world):
    b = bank_world
    ids = set(b["customers"]["customer_id"])
    assert ids == set(range(1, 2001))
    assert set(b["transactions"]["account_id"]) <= set(b["accounts"]["account_id"])
    assert set(b["accounts"]["customer_id"]) <= ids
    assert set(b["campaign_responses"]["contact_id"]) <= set(b["campaign_contacts"]["contact_id"])
    r = retail_world
    assert set(r["order_lines"]["order_id"]) == set(r["orders"]["order_id"])
    assert set(r["order_lines"]["product_code"]) <= set(r["products"]["product_code"])
    # a broken reference is caught and named
    broken = b.tables["transactions"].copy()
    broken.loc[0, "account_id"] = 7
    with pytest.raises(SchemaError, match="table 'transactions', column 'account_id'.*accounts"):
        type(b)(tables={**b.tables, "transactions": broken}, truth=b.truth, meta=b.meta).validate()


def test_events_stay_inside_the_customer_lifetime(bank_world, retail_world):
    for world, table, col in (
        (bank_world, "transactions", "timestamp"),
        (retail_world, "orders", "order_date"),
    ):
        ev = world[table].merge(world.truth["true_churn"], on="customer_id")
        ev = ev.merge(world["customers"][["customer_id", "acquisition_date"]], on="customer_id")
        assert (ev[col] >= ev["acquisition_date"]).all()
        # nothing between churn and a win-back; a won-back customer buys again
        churned = ev["churn_date"].notna()
        gone = churned & (ev[col] >= ev["churn_date"])
        assert (
            ev.loc[gone, "won_back"] & (ev.loc[gone, col] >= ev.loc[gone, "win_back_date"])
        ).all()
        assert gone.any(), "no won-back customer bought again"
    # BG/NBD: nobody buys after becoming inactive (campaign and sales orders, numbered after
    # the generator's own orders, can win a customer back)
    orders = retail_world["orders"]
    first_later = orders.loc[orders["promo_code"].notna(), "order_id"].min()
    core = orders[orders["order_id"] < first_later]
    o = core.merge(retail_world.truth["true_churn"], on="customer_id")
    inactive = o["inactive_date"].notna()
    assert (o.loc[inactive, "order_date"] <= o.loc[inactive, "inactive_date"]).all()


def test_bank_transactions_are_ordered_and_signed(bank_world):
    tx = bank_world["transactions"]
    assert tx["transaction_id"].is_monotonic_increasing
    assert (tx.groupby("customer_id")["timestamp"].diff().dropna() >= pd.Timedelta(0)).all()
    assert (tx.loc[tx["channel"] == "transfer_in", "amount"] > 0).all()
    assert (tx.loc[tx["channel"] != "transfer_in", "amount"] < 0).all()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"domain": "shop"}, r"'domain' parameter of generate must be one of 'bank', 'retail'"),
        ({"n_customers": 0}, r"'n_customers' parameter of generate must be an int in \[1, "),
        ({"n_customers": -5}, r"'n_customers' parameter"),
        ({"n_customers": 2.5}, r"'n_customers' parameter"),
        ({"months": 0}, r"'months' parameter of generate must be an int in \[1, 120\]"),
        ({"months": 121}, r"'months' parameter"),
        ({"seed": -1}, r"'seed' parameter"),
        ({"start": "2023-02-30"}, r"'start' parameter of generate must be a date"),
        ({"start": "2023-01-01 10:00"}, r"'start' parameter"),
        ({"start": 2023}, r"'start' parameter"),
        ({"n_jobs": 0}, r"'n_jobs' parameter"),
    ],
)
def test_bad_input_is_refused_before_any_work(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        generate(**{"domain": "bank", "n_customers": 10, "seed": 1, **kwargs})


def test_start_and_months_set_the_horizon():
    w = generate("retail", n_customers=200, seed=2, start="2021-07-01", months=3)
    assert w.meta["start"] == "2021-07-01" and w.meta["end"] == "2021-10-01"
    dates = w["orders"]["order_date"]
    assert dates.min() >= pd.Timestamp("2021-07-01") and dates.max() < pd.Timestamp("2021-10-01")
    assert np.isin(w["customers"]["acquisition_date"].dt.year, np.arange(2016, 2022)).all()


@pytest.mark.parametrize("domain", ["bank", "retail"])
@pytest.mark.parametrize("n, months", [(1, 1), (3, 1), (40, 2), (30, 120)])
def test_core_steps_handle_tiny_and_long_worlds(domain, n, months, monkeypatch):
    """The core generator copes with 1 customer or 10 years (sources switched off here)."""
    gen = sys.modules["ecrm_lab.world.generate"]
    for module in (gen.web, gen.service, gen.sales, gen.lifecycle, gen.extracts):
        monkeypatch.setattr(module, "generate", lambda ctx: None)
    w = generate(domain, n_customers=n, seed=5, months=months)
    assert len(w["customers"]) == n
    w.validate()


def test_a_won_back_customer_starts_a_new_relationship(bank_world, retail_world):
    for world in (bank_world, retail_world):
        tc = world.truth["true_churn"].set_index("customer_id")
        back = tc[tc["won_back"]]
        assert len(back) and back["churned"].all()
        assert (back["win_back_date"] - back["churn_date"] >= pd.Timedelta(days=29)).all()
        # their status at the end is that of the new relationship
        assert not (back["status_at_end"] == "churned").any()
        assert (tc.loc[tc["churned"] & ~tc["won_back"], "status_at_end"] == "churned").all()
    # bank: the return reopens a current account, and the new transactions go to it
    acc, tx = bank_world["accounts"], bank_world["transactions"]
    tc = bank_world.truth["true_churn"].set_index("customer_id")
    reopened = acc[acc["opened_via"] == "win_back"].set_index("customer_id")
    won = tc.index[tc["won_back"]]
    assert sorted(reopened.index) == sorted(won)
    assert (reopened["product_code"] == "current_account").all()
    assert (reopened["open_date"] == tc.loc[reopened.index, "win_back_date"]).all()
    assert reopened["close_date"].isna().all()
    after = tx.merge(tc[["win_back_date"]], left_on="customer_id", right_index=True)
    after = after[after["timestamp"] >= after["win_back_date"]]
    assert len(after)
    assert after["account_id"].isin(reopened["account_id"]).all()
