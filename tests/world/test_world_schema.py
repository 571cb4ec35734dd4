"""The schema framework: each check names the table and the column."""

import numpy as np
import pandas as pd
import pytest

from ecrm_lab.exceptions import SchemaError
from ecrm_lab.world import SCHEMAS
from ecrm_lab.world.schema import (
    Column,
    TableSchema,
    coerce_table,
    data_dictionary,
    validate_table,
)

PETS = TableSchema(
    "pets",
    "Pets of customers.",
    (
        Column("pet_id", "int64", "Key.", unique=True, low=1),
        Column("owner_id", "int64", "Owner.", references="owners.owner_id"),
        Column("kind", "category", "Kind.", choices=("cat", "dog")),
        Column("name", "string", "Name.", nullable=True),
        Column("weight", "float64", "Kilograms.", low=0.0, high=80.0),
        Column("born", "date", "Birth day.", high="end"),
        Column("seen", "datetime64[ns]", "Last visit.", low="start", high="end", nullable=True),
        Column("vaccinated", "bool", "Vaccinated."),
        Column("chip", "string", "Chip number.", domains=("bank",)),
    ),
    primary_key=("pet_id",),
)
SPAN = (pd.Timestamp("2023-01-01"), pd.Timestamp("2024-01-01"))


def pets() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "pet_id": np.array([1, 2, 3], dtype=np.int64),
            "owner_id": np.array([10, 10, 11], dtype=np.int64),
            "kind": pd.Categorical(["cat", "dog", "cat"], categories=["cat", "dog"]),
            "name": pd.array(["Tom", None, "Kit"], dtype="str"),
            "weight": [4.0, 30.5, 3.2],
            "born": pd.to_datetime(["2020-05-01", "2019-01-31", "2023-06-30"]).as_unit("ns"),
            "seen": pd.to_datetime(["2023-02-01 10:00", None, "2023-12-31 23:59"]).as_unit("ns"),
            "vaccinated": [True, False, True],
        }
    )


OWNERS = {"owners": pd.DataFrame({"owner_id": np.array([10, 11], dtype=np.int64)})}


def check(df, **kw):
    validate_table(df, PETS, domain="retail", tables=OWNERS, span=SPAN, **kw)


def test_a_valid_table_passes():
    check(pets())


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda d: d.drop(columns="weight"), r"table 'pets', column 'weight': missing column"),
        (lambda d: d.assign(extra=1), r"column 'extra': column not declared"),
        (
            lambda d: d.assign(weight=d["weight"].astype("float32")),
            r"column 'weight': dtype must be float64, got float32",
        ),
        (lambda d: d.assign(weight=[4.0, np.nan, 1.0]), r"column 'weight': 1 missing value"),
        (
            lambda d: d.assign(weight=[4.0, 99.0, 1.0]),
            r"column 'weight': 1 value\(s\) above the maximum 80",
        ),
        (
            lambda d: d.assign(pet_id=np.array([1, 1, 0], dtype=np.int64)),
            r"column 'pet_id': 1 value\(s\) below the minimum 1",
        ),
        (
            lambda d: d.assign(pet_id=np.array([1, 1, 2], dtype=np.int64)),
            r"column 'pet_id': values must be unique; 1 occurs",
        ),
        (
            lambda d: d.assign(kind=pd.Categorical(["cat", "cow", "dog"])),
            r"column 'kind': value 'cow' is not one of 'cat', 'dog'",
        ),
        (
            lambda d: d.assign(owner_id=np.array([10, 12, 11], dtype=np.int64)),
            r"column 'owner_id': 1 value\(s\) not found in owners.owner_id \(for example 12\)",
        ),
        (
            lambda d: d.assign(born=d["born"] + pd.Timedelta(hours=3)),
            r"column 'born': 3 value\(s\) are not at midnight",
        ),
        (
            lambda d: d.assign(seen=pd.to_datetime(["2024-01-01", None, None]).as_unit("ns")),
            r"column 'seen': 1 value\(s\) at or after the end 2024-01-01",
        ),
        (lambda d: d.assign(name=d["name"].astype(object)), r"column 'name': dtype must be string"),
    ],
)
def test_each_fault_names_table_and_column(change, match):
    with pytest.raises(SchemaError, match=match):
        check(change(pets()))


def test_primary_key_and_domain_columns():
    two_keys = TableSchema(
        "pairs",
        "Pairs.",
        (Column("a", "int64", "A."), Column("b", "int64", "B.")),
        primary_key=("a", "b"),
    )
    df = pd.DataFrame(
        {"a": np.array([1, 1], dtype=np.int64), "b": np.array([2, 2], dtype=np.int64)}
    )
    with pytest.raises(SchemaError, match=r"table 'pairs': primary key \('a', 'b'\) is not unique"):
        validate_table(df, two_keys)
    # the bank has a 'chip' column, the retailer does not
    with pytest.raises(SchemaError, match="column 'chip': missing column"):
        validate_table(pets(), PETS, domain="bank", tables=OWNERS, span=SPAN)
    only_bank = TableSchema("vaults", "Vaults.", (Column("v", "int64", "V."),), domains=("bank",))
    with pytest.raises(SchemaError, match="does not exist in the 'retail' domain"):
        validate_table(pd.DataFrame({"v": [1]}), only_bank, domain="retail")


def test_coerce_restores_dtypes_after_a_csv_round_trip(tmp_path):
    df = pets()
    df.to_csv(tmp_path / "p.csv", index=False)
    back = pd.read_csv(
        tmp_path / "p.csv",
        dtype={"kind": "str", "name": "str"},
        keep_default_na=False,
        na_values=[""],
    )
    back = coerce_table(back, PETS, domain="retail")
    pd.testing.assert_frame_equal(back, df)
    check(back)


def test_column_declarations_are_checked():
    with pytest.raises(ValueError, match="dtype must be one of"):
        Column("x", "int32", "no")
    with pytest.raises(ValueError, match="duplicate column names"):
        TableSchema("t", "T.", (Column("x", "int64", "."), Column("x", "float64", ".")))


def test_data_dictionary_covers_every_registered_table():
    text = data_dictionary()
    for name in ("customers", "transactions", "orders", "customer_traits", "planted_rules"):
        assert f"### `{name}`" in text
    assert "| `churn_hazard` | float64 |" in text
    assert all(s.description for s in SCHEMAS.values())
    assert all(c.description for s in SCHEMAS.values() for c in s.columns)
