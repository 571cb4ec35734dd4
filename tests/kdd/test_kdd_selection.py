"""Selection: SQL against DataFrames / DuckDB files, filters on a DataFrame, side tables."""

import duckdb
import pandas as pd
import pytest

from ecrm_lab.exceptions import DataError, InvalidParameterError
from ecrm_lab.kdd import Selection, select


@pytest.fixture
def tables():
    customers = pd.DataFrame(
        {
            "customer_id": [1, 2, 3, 4],
            "age": [17, 30, 45, 60],
            "tier": ["low", "high", "low", "top"],
        }
    )
    tx = pd.DataFrame({"customer_id": [1, 1, 3], "amount": [10.0, 5.0, 7.5]})
    return {"customers": customers, "transactions": tx}


def test_filter_and_columns_on_a_dataframe(tables):
    out = select(tables["customers"], columns=["customer_id", "age"], rows="age >= 18")
    assert out["customer_id"].tolist() == [2, 3, 4]
    assert list(out.columns) == ["customer_id", "age"]


def test_filter_reports_what_it_left_out(tables):
    res, _, rows_in = Selection(columns=["customer_id"], rows="age >= 18").select_with_report(
        tables["customers"]
    )
    actions = {c.action: c.n for c in res.changes}
    assert rows_in == 4
    assert actions["left out columns"] == 2
    assert actions["left out rows not matching 'age >= 18'"] == 1


def test_sql_against_a_mapping_of_frames_with_side_tables(tables):
    sel = Selection(
        "SELECT customer_id, tier FROM customers WHERE age > ? ORDER BY customer_id",
        params=[20],
        tables={
            "transactions": "transactions",
            "big": "SELECT * FROM transactions WHERE amount > 6",
        },
    )
    frame, side = sel.select(tables)
    assert frame["customer_id"].tolist() == [2, 3, 4]
    assert len(side["transactions"]) == 3
    assert side["big"]["amount"].tolist() == [10.0, 7.5]


def test_sql_against_a_duckdb_file(tmp_path, tables):
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.register("c", tables["customers"])
    con.execute("CREATE TABLE customers AS SELECT * FROM c")
    con.close()
    out = select(path, "SELECT count(*) AS n FROM customers WHERE tier = 'low'")
    assert out["n"].tolist() == [2]
    assert Selection(table="customers").select(str(path))[0].shape == (4, 3)


def test_bad_sql_is_a_one_line_data_error(tables):
    with pytest.raises(DataError, match="the SQL query failed"):
        select(tables, "SELECT nope FROM customers")


def test_missing_table_and_column_are_named(tables):
    with pytest.raises(DataError, match="table 'orders' not found"):
        Selection(table="orders").select(tables)
    with pytest.raises(DataError, match="column 'agee' not found. Did you mean 'age'"):
        select(tables["customers"], columns=["agee"])
    with pytest.raises(DataError, match="say which one"):
        Selection().select(tables)
    with pytest.raises(DataError, match="does not exist"):
        select("/nonexistent/w.duckdb", "SELECT 1")


def test_parameters_are_validated_before_any_work():
    with pytest.raises(InvalidParameterError, match="'table' parameter of Selection must be None"):
        Selection("SELECT 1", table="x")
    with pytest.raises(InvalidParameterError, match="'columns' parameter of Selection"):
        Selection(columns="age")
    with pytest.raises(InvalidParameterError, match="'source' parameter of Selection"):
        Selection("SELECT 1").select(42)
