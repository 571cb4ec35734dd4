"""OLAP helpers on a tiny table whose sub-totals are known by hand."""

import duckdb
import pandas as pd
import pytest

from ecrm_lab.exceptions import DataError, InvalidParameterError
from ecrm_lab.warehouse import cube, dice, drill_down, olap_sql, rollup, slice

SUM = {"amount": ("sum", "amount"), "n": ("count", "*")}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("olap") / "tiny.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE sales AS SELECT * FROM (VALUES "
        "('north', 'web', 2023, 10.0), ('north', 'store', 2023, 20.0), ('south', 'web', 2023, 5.0), "
        "('south', 'web', 2024, 7.0), ('north', 'web', 2024, 1.0)) AS v(region, channel, year, amount)"
    )
    con.close()
    return path


def _rows(df, cols):
    return {
        tuple(None if pd.isna(v) else v for v in r): a
        for *r, a in df[[*cols, "amount"]].itertuples(index=False)
    }


def test_rollup(db):
    out = rollup(db, "sales", ["region", "channel"], SUM)
    got = _rows(out, ["region", "channel"])
    assert got == {
        ("north", "store"): 20.0,
        ("north", "web"): 11.0,
        ("south", "web"): 12.0,
        ("north", None): 31.0,
        ("south", None): 12.0,
        (None, None): 43.0,
    }
    assert out["grouping"].tolist() == ["region+channel"] * 3 + ["region"] * 2 + ["(total)"]
    assert out["n"].iloc[-1] == 5


def test_cube_adds_every_combination(db):
    out = cube(db, "sales", ["region", "channel"], SUM)
    got = _rows(out, ["region", "channel"])
    assert got[(None, "web")] == 23.0 and got[(None, "store")] == 20.0
    assert len(out) == 3 + 2 + 2 + 1


def test_drill_down_slice_and_dice(db):
    years = drill_down(db, "sales", ["year", "region"], SUM)
    assert dict(zip(years["year"], years["amount"], strict=True)) == {2023: 35.0, 2024: 8.0}
    regions_2023 = drill_down(db, "sales", ["year", "region"], SUM, path=(2023,))
    assert dict(zip(regions_2023["region"], regions_2023["amount"], strict=True)) == {
        "north": 30.0,
        "south": 5.0,
    }
    s = slice(db, "sales", ["region"], SUM, at={"year": 2024})
    assert dict(zip(s["region"], s["amount"], strict=True)) == {"north": 1.0, "south": 7.0}
    d = dice(
        db,
        "sales",
        ["year"],
        {"amount": ("sum", "amount")},
        where={"region": ["north"], "channel": ["web"]},
    )
    assert dict(zip(d["year"], d["amount"], strict=True)) == {2023: 10.0, 2024: 1.0}
    total = slice(db, "sales", [], {"regions": ("count_distinct", "region")}, at={"channel": "web"})
    assert total["regions"].tolist() == [2]


def test_sql_is_plain_and_parameterised():
    sql, params = olap_sql(
        "sales",
        ["region"],
        {"amount": ("sum", "amount")},
        grouping="rollup",
        filters={"year": [2023, 2024]},
    )
    assert sql == (
        'SELECT "region", SUM("amount") AS "amount", GROUPING("region") AS "_g_0" '
        'FROM "sales" WHERE "year" IN (?, ?) GROUP BY ROLLUP ("region")'
    )
    assert params == [2023, 2024]


def test_errors_name_the_problem(db):
    with pytest.raises(DataError, match="no dimension column 'regoin'. Did you mean 'region'"):
        rollup(db, "sales", ["regoin"], SUM)
    with pytest.raises(DataError, match="the warehouse has no table 'sale'. Did you mean 'sales'"):
        cube(db, "sale", ["region"], SUM)
    with pytest.raises(InvalidParameterError, match="'measures' parameter of rollup"):
        rollup(db, "sales", ["region"], {"amount": ("median", "amount")})
    with pytest.raises(InvalidParameterError, match="'path' parameter of drill_down"):
        drill_down(db, "sales", ["year"], SUM, path=(2023,))
    with pytest.raises(InvalidParameterError, match="'where' parameter of dice"):
        dice(db, "sales", ["year"], SUM, where={"region": "north"})
    with pytest.raises(InvalidParameterError, match="'dimensions' parameter of cube"):
        cube(db, "sales", "region", SUM)


def test_olap_on_the_campaign_mart(retail_wh):
    out = rollup(
        retail_wh.db_path,
        "mart_campaign",
        ["channel"],
        {"contacts": ("sum", "contacts"), "cost": ("sum", "cost")},
    )
    total = out[out["grouping"] == "(total)"]
    detail = out[out["grouping"] == "channel"]
    assert total["contacts"].iloc[0] == detail["contacts"].sum()
