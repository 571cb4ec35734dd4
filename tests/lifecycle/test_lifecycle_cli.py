"""``ecrm-lab clv``: called through ecrm_lab.cli.main, output shape and bad input."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ecrm_lab.cli import main

BASE = ["--customer", "customer_id", "--date", "date", "--amount", "amount"]


def run(capsys, *argv):
    code = main(["clv", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_and_parquet_predictions(cdnow_csv, tmp_path, capsys):
    dest = tmp_path / "pred.parquet"
    code, out, err = run(
        capsys,
        "--data",
        str(cdnow_csv),
        *BASE,
        "--calibration-end",
        "1997-09-30",
        "--unit",
        "week",
        "--holdout-end",
        "1998-06-30",
        "--json",
        "--out",
        str(dest),
    )
    assert code == 0, err
    payload = json.loads(out)
    assert payload["n_customers"] == 2357
    assert payload["bgnbd"]["r"] == pytest.approx(0.243, abs=1e-3)
    assert payload["bgnbd"]["log_likelihood"] == pytest.approx(-9582.4, abs=0.1)
    assert payload["gamma_gamma"]["p"] == pytest.approx(6.25, abs=0.01)
    assert set(payload["gamma_gamma"]) >= {"p", "q", "v"}
    assert payload["holdout"]["actual_purchases"] == 1882
    pred = pd.read_parquet(dest)
    assert len(pred) == 2357
    assert {
        "customer_id",
        "frequency",
        "recency",
        "T",
        "monetary_value",
        "p_alive",
        "expected_purchases",
        "clv",
    } <= set(pred.columns)
    assert not list(tmp_path.glob(".pred.parquet.*"))  # no temporary left behind


def test_text_output_and_csv(cdnow_csv, tmp_path, capsys):
    dest = tmp_path / "pred.csv"
    code, out, _ = run(
        capsys,
        "--data",
        str(cdnow_csv),
        *BASE,
        "--calibration-end",
        "1997-09-30",
        "--horizon",
        "4",
        "--period",
        "quarter",
        "--discount-rate",
        "0.03",
        "--out",
        str(dest),
    )
    assert code == 0
    assert "BG/NBD r" in out and "expected purchases, next 4 quarters" in out
    assert f"wrote 2357 customers' predictions to {dest}" in out
    assert len(pd.read_csv(dest)) == 2357


@pytest.fixture
def log_file(tmp_path):
    def write(df: pd.DataFrame, name: str = "log.csv"):
        path = tmp_path / name
        df.to_csv(path, index=False)
        return str(path)

    return write


GOOD = pd.DataFrame(
    {
        "customer_id": [1, 1, 2, 2, 3, 3, 3, 4],
        "date": [
            "2024-01-01",
            "2024-02-01",
            "2024-01-03",
            "2024-03-01",
            "2024-01-05",
            "2024-01-20",
            "2024-02-20",
            "2024-01-10",
        ],
        "amount": [10.0, 12.0, 5.0, 6.0, 8.0, 9.0, 7.0, 3.0],
    }
)


@pytest.mark.parametrize(
    ("change", "extra", "message"),
    [
        (lambda d: d.drop(columns="amount"), [], "column 'amount' not found"),
        (
            lambda d: d.assign(date=["x", *d["date"][1:]]),
            [],
            "column 'date' has 1 values that are not dates",
        ),
        (lambda d: d.assign(amount=-d["amount"]), [], "column 'amount' has 8 negative values"),
        (lambda d: d, ["--calibration-end", "2023-01-01"], "is before the first transaction"),
        (
            lambda d: d,
            ["--calibration-end", "2024-03-01", "--holdout-end", "2024-02-01"],
            "'holdout_end' parameter of rfm_summary must be after calibration_end",
        ),
        (
            lambda d: d,
            ["--calibration-end", "2024-03-01", "--unit", "month"],
            "'unit' parameter of ecrm-lab clv must be one of 'day', 'week'",
        ),
        (
            lambda d: d,
            ["--calibration-end", "2024-03-01", "--horizon", "soon"],
            "'horizon' parameter of ecrm-lab clv must be an int",
        ),
        (
            lambda d: d,
            ["--calibration-end", "2024-03-01", "--out", "x.xlsx"],
            "must end in .csv or .parquet",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line(log_file, capsys, change, extra, message):
    argv = ["--data", log_file(change(GOOD.copy())), *BASE]
    if not any(a == "--calibration-end" for a in extra):
        argv += ["--calibration-end", "2024-03-01"]
    code, out, err = run(capsys, *argv, *extra)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1 and err.startswith("ecrm-lab: error:")
    assert out == ""


def test_empty_and_missing_files(tmp_path, capsys):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    code, _, err = run(capsys, "--data", str(empty), *BASE, "--calibration-end", "2024-01-01")
    assert code == 2 and "is empty" in err
    code, _, err = run(
        capsys, "--data", str(tmp_path / "nope.csv"), *BASE, "--calibration-end", "2024-01-01"
    )
    assert code == 2 and "does not exist" in err
    header_only = tmp_path / "header.csv"
    header_only.write_text("customer_id,date,amount\n")
    code, _, err = run(capsys, "--data", str(header_only), *BASE, "--calibration-end", "2024-01-01")
    assert code == 2 and "has no data rows" in err


def test_too_few_repeat_customers_is_a_clear_error(log_file, capsys):
    code, _, err = run(capsys, "--data", log_file(GOOD), *BASE, "--calibration-end", "2024-01-10")
    assert code == 2
    assert "repeat purchase" in err and len(err.strip().splitlines()) == 1
