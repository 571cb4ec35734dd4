"""Building the warehouse: layers, star schema invariants, atomic writes and clear errors."""

import os

import duckdb
import pandas as pd
import pytest

from ecrm_lab.exceptions import DataError, InvalidParameterError
from ecrm_lab.warehouse import REQUIRED_TABLES, build, table_catalogue
from ecrm_lab.world import World, generate


def _q(wh, sql):
    con = duckdb.connect(str(wh.db_path), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def test_every_layer_is_built(bank_wh, retail_wh):
    for wh, domain_facts in (
        (bank_wh, {"fact_transaction", "fact_holding"}),
        (retail_wh, {"fact_order", "fact_order_line"}),
    ):
        tables = set(wh.tables["table"])
        for t in REQUIRED_TABLES[wh.domain]:
            assert f"stg_{t}" in tables
        assert {"dim_customer", "dim_product", "dim_date", "dim_channel", "dim_campaign"} <= tables
        assert {
            "fact_web_session",
            "fact_page_view",
            "fact_campaign_contact",
            "fact_campaign_response",
            "fact_service_request",
            "fact_sales_opportunity",
        } <= tables
        assert domain_facts <= tables
        assert {"mart_customer_360", "mart_clickstream", "mart_campaign"} <= tables
        assert (wh.tables.loc[wh.tables["layer"] != "metadata", "description"] != "").all()
    assert "fact_order" not in set(bank_wh.tables["table"])


def test_facts_keep_every_source_row(bank_world, bank_wh, retail_world, retail_wh):
    rows = dict(zip(bank_wh.tables["table"], bank_wh.tables["rows"], strict=True))
    assert rows["fact_transaction"] == len(bank_world["transactions"])
    assert rows["fact_web_session"] == len(bank_world["web_sessions"])
    assert rows["fact_page_view"] == len(bank_world["page_views"])
    assert rows["fact_campaign_contact"] == len(bank_world["campaign_contacts"])
    assert rows["fact_service_request"] == len(bank_world["service_requests"])
    assert rows["mart_customer_360"] == bank_world.meta["n_customers"]
    rrows = dict(zip(retail_wh.tables["table"], retail_wh.tables["rows"], strict=True))
    assert rrows["fact_order_line"] == len(retail_world["order_lines"])
    # the retail order margin is the sum of its lines' margins
    diff = _q(
        retail_wh,
        "SELECT MAX(ABS(o.order_margin - l.m)) AS d FROM fact_order o JOIN "
        "(SELECT order_id, SUM(line_margin) m FROM fact_order_line GROUP BY 1) l USING (order_id)",
    )
    assert diff["d"].iloc[0] < 1e-6


def test_every_customer_fact_finds_the_version_valid_at_its_time(bank_wh):
    missing = _q(bank_wh, "SELECT COUNT(*) AS n FROM fact_transaction WHERE customer_key IS NULL")
    assert missing["n"].iloc[0] == 0
    wrong = _q(
        bank_wh,
        "SELECT COUNT(*) AS n FROM fact_transaction f JOIN dim_customer d USING (customer_key) "
        "WHERE f.customer_id <> d.customer_id OR f.transaction_at < d.valid_from "
        "OR f.transaction_at >= d.valid_to",
    )
    assert wrong["n"].iloc[0] == 0


def test_type2_history_is_contiguous_with_one_current_version(bank_wh):
    d = _q(
        bank_wh,
        "SELECT customer_id, customer_key, version, valid_from, valid_to, is_current, "
        "value_tier, status FROM dim_customer ORDER BY customer_id, valid_from",
    )
    assert d["customer_key"].is_unique
    assert (d.groupby("customer_id")["is_current"].sum() == 1).all()
    nxt = d.groupby("customer_id")["valid_from"].shift(-1)
    inner = nxt.notna()
    assert (d.loc[inner, "valid_to"] == nxt[inner]).all()  # no gaps, no overlaps
    first = d.groupby("customer_id")["valid_from"].min()
    assert (first == pd.Timestamp("1900-01-01")).all()
    # consecutive versions differ in a tracked attribute
    prev = d.groupby("customer_id")[["value_tier", "status"]].shift(1)
    later = prev["value_tier"].notna()
    changed = (d.loc[later, "value_tier"] != prev.loc[later, "value_tier"]) | (
        d.loc[later, "status"] != prev.loc[later, "status"]
    )
    assert changed.all()
    assert d["customer_id"].duplicated().any()  # some customers do have history
    assert set(d["value_tier"]) <= {"low", "medium", "high", "top"}


def test_churned_customers_are_churned_in_their_current_version(bank_world, bank_wh):
    ev = bank_world["lifecycle_events"]
    last = ev[ev["event_type"].isin(["churn", "win_back"])].sort_values("event_at")
    last = last.groupby("customer_id")["event_type"].last()
    cur = _q(bank_wh, "SELECT customer_id, status FROM dim_customer WHERE is_current").set_index(
        "customer_id"
    )["status"]
    expected = last.map({"churn": "churned", "win_back": "active"})
    assert (cur.loc[expected.index] == expected).all()


def test_rebuild_replaces_atomically_and_failure_keeps_the_old_file(bank_world, tmp_path):
    small = generate("bank", n_customers=200, seed=6)
    db = tmp_path / "w.duckdb"
    build(small, db)
    before = os.path.getsize(db)
    build(small, db)  # rebuild over an existing file
    assert db.exists() and os.path.getsize(db) > 0
    broken = World(
        tables={k: v for k, v in small.tables.items() if k != "page_views"},
        truth=small.truth,
        meta=small.meta,
    )
    with pytest.raises(DataError, match="missing the table 'page_views'"):
        build(broken, db)
    assert os.path.getsize(db) >= before * 0.5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.duckdb"]  # no temp files left
    table_catalogue(db)  # still a valid warehouse


def test_a_failing_sql_step_leaves_nothing_behind(tmp_path):
    small = generate("retail", n_customers=200, seed=4)
    bad = dict(small.tables)
    bad["orders"] = bad["orders"].drop(columns=["order_value"])  # the SQL needs it
    with pytest.raises(DataError, match=r"warehouse build: 27_int_activity\.retail\.sql failed"):
        build(World(tables=bad, truth=small.truth, meta=small.meta), tmp_path / "x.duckdb")
    assert list(tmp_path.iterdir()) == []


def test_build_from_saved_parquet_and_csv_worlds(tmp_path):
    small = generate("retail", n_customers=200, seed=5)
    small.save(tmp_path / "pq")
    small.save(tmp_path / "csv", format="csv")
    a = build(tmp_path / "pq", tmp_path / "a.duckdb")
    b = build(tmp_path / "csv", tmp_path / "b.duckdb")
    assert a.domain == b.domain == "retail"
    pd.testing.assert_frame_equal(
        a.tables[["table", "rows", "columns"]], b.tables[["table", "rows", "columns"]]
    )
    (tmp_path / "pq" / "tables" / "web_sessions.parquet").unlink()
    with pytest.raises(DataError, match=r"missing the table 'web_sessions' \(expected the file"):
        build(tmp_path / "pq", tmp_path / "c.duckdb")
    with pytest.raises(DataError, match="is not a saved world"):
        build(tmp_path, tmp_path / "c.duckdb")


def test_bad_parameters(bank_world, tmp_path):
    with pytest.raises(InvalidParameterError, match="'memory_limit' parameter of build"):
        build(bank_world, tmp_path / "x.duckdb", memory_limit="lots")
    with pytest.raises(InvalidParameterError, match="'threads' parameter of build"):
        build(bank_world, tmp_path / "x.duckdb", threads=0)
    with pytest.raises(InvalidParameterError, match="'world_or_dir' parameter of build"):
        build(42, tmp_path / "x.duckdb")
    with pytest.raises(DataError, match="is a directory"):
        build(bank_world, tmp_path)


def test_the_build_does_not_depend_on_duckdb_threads(bank_world, tmp_path):
    """Parallel sums of doubles depend on the order DuckDB's threads finish in; the value tiers
    (and so the type-2 history and every fact's customer_key) must not."""
    one = build(bank_world, tmp_path / "one.duckdb", threads=1)
    four = build(bank_world, tmp_path / "four.duckdb", threads=4)
    for table, key in (
        ("int_value_year", "customer_id, year"),
        ("dim_customer", "customer_key"),
        ("mart_customer_360", "customer_id"),
    ):
        sql = f"SELECT * FROM {table} ORDER BY {key}"
        pd.testing.assert_frame_equal(_q(one, sql), _q(four, sql), check_exact=True)
