"""``ecrm-lab mine ...`` on small tables written to tmp_path (the CLI is thin: shapes and errors)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ecrm_lab.cli import main


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *argv) -> dict:
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.fixture(scope="module")
def customers(tmp_path_factory) -> str:
    """A messy customer table: categories, missing values, a date, an e-mail, a constant."""
    rng = np.random.default_rng(0)
    n = 300
    age = rng.integers(18, 80, n).astype(float)
    region = rng.choice(["north", "south", "east"], n)
    logit = -1 + 0.05 * (age - 45) + 1.5 * (region == "north")
    df = pd.DataFrame(
        {
            "cust_id": np.arange(1, n + 1),
            "age": age,
            "region": region,
            "joined": pd.date_range("2021-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
            "email": [f"c{i}@example.com" for i in range(n)],
            "country": "NL",
            "churned": np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no"),
            "spend": 10 * age + 200 * (region == "north") + rng.normal(0, 20, n),
        }
    )
    df.loc[rng.random(n) < 0.1, "age"] = np.nan
    df.loc[rng.random(n) < 0.1, "region"] = None
    path = tmp_path_factory.mktemp("cli") / "customers.csv"
    df.to_csv(path, index=False)
    return str(path)


def test_classify_json(capsys, customers):
    out = run_json(capsys, "mine", "classify", "--data", customers, "--target", "churned",
                   "--id", "cust_id", "--drop", "spend", "--seed", "3")  # fmt: skip
    assert set(out["metrics"]) >= {"roc_auc", "accuracy", "precision", "recall"}
    assert out["model"] in out["models"]
    assert out["n_train"] + out["n_test"] == 300
    assert out["metrics"]["roc_auc"] == out["models"][out["model"]]["roc_auc"]
    assert [d["decile"] for d in out["lift"]] == list(range(1, 11))
    assert out["lift"][-1]["cum_gain"] == pytest.approx(1.0)
    assert out["positive"] == "yes"
    notes = " ".join(out["notes"])
    assert "'email'" in notes and "'country'" in notes and "'joined'" in notes
    assert {d["feature"] for d in out["importance"]} == {"age", "region", "joined"}


def test_classify_text_report(capsys, customers):
    code, out, _ = run(capsys, "mine", "classify", "--data", customers, "--target", "churned",
                       "--id", "cust_id")  # fmt: skip
    assert code == 0
    assert "decile lift of the best model" in out and "gradient_boosting" in out


def test_regress_json_on_parquet(capsys, customers, tmp_path):
    pq = tmp_path / "customers.parquet"
    pd.read_csv(customers).to_parquet(pq)
    out = run_json(capsys, "mine", "regress", "--data", str(pq), "--target", "spend",
                   "--id", "cust_id", "--drop", "churned", "--test-size", "0.3")  # fmt: skip
    assert set(out["metrics"]) >= {"r2", "rmse", "mae"}
    assert out["metrics"]["r2"] > 0.8
    assert out["n_test"] == 90
    assert out["model"] != "baseline"


@pytest.fixture(scope="module")
def baskets(tmp_path_factory) -> tuple[str, str]:
    base = tmp_path_factory.mktemp("baskets")
    long = pd.DataFrame(
        {"order": [1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5],
         "product": ["bread", "milk", "bread", "diapers", "beer", "eggs", "milk", "diapers",
                     "beer", "cola", "bread", "milk", "diapers", "beer", "bread", "milk",
                     "diapers", "cola"]}
    )  # fmt: skip
    long.to_csv(base / "long.csv", index=False)
    onehot = pd.crosstab(long["order"], long["product"]).clip(upper=1).reset_index()
    onehot.to_csv(base / "onehot.csv", index=False)
    return str(base / "long.csv"), str(base / "onehot.csv")


def test_associate_long_and_onehot(capsys, baskets):
    long, onehot = baskets
    a = run_json(capsys, "mine", "associate", "--data", long, "--transaction", "order",
                 "--item", "product", "--min-support", "0.4", "--min-confidence", "0.6")  # fmt: skip
    b = run_json(capsys, "mine", "associate", "--data", onehot, "--id", "order",
                 "--min-support", "0.4", "--min-confidence", "0.6")  # fmt: skip
    assert a["rules"] == b["rules"]
    assert a["n_baskets"] == 5 and a["n_itemsets"] == 17  # 5 items, 8 pairs, 4 triples
    rule = next(
        r
        for r in a["rules"]
        if r["antecedents"] == ["diapers", "milk"] and r["consequents"] == ["beer"]
    )
    assert rule["support"] == 0.4 and rule["confidence"] == pytest.approx(2 / 3)
    assert set(rule) == {"antecedents", "consequents", "support", "confidence", "lift",
                         "leverage", "conviction"}  # fmt: skip
    beer = next(r for r in a["rules"] if r["antecedents"] == ["beer"])
    assert beer["conviction"] is None  # confidence 1: infinite conviction


def test_associate_max_len_algorithm_and_prune(capsys, baskets):
    long, _ = baskets
    base = ["mine", "associate", "--data", long, "--transaction", "order", "--item", "product",
            "--min-support", "0.4", "--min-confidence", "0.6"]  # fmt: skip
    pairs = run_json(capsys, *base, "--max-len", "2", "--algorithm", "fpgrowth")
    assert all(len(r["antecedents"]) == 1 for r in pairs["rules"])
    pruned = run_json(capsys, *base, "--prune")
    full = run_json(capsys, *base)
    assert 0 < pruned["n_rules"] < full["n_rules"]
    code, out, _ = run(capsys, *base[:-4], "--min-support", "0.99")
    assert code == 0 and "no rules" in out


def test_segment_feature_table_and_rfm(capsys, customers, tmp_path):
    out = run_json(capsys, "mine", "segment", "--data", customers, "--id", "cust_id", "--k", "3")
    assert out["k"] == 3 and sum(out["sizes"].values()) == 300
    assert len(out["profiles"]) == 3 and -1 <= out["silhouette"] <= 1
    rng = np.random.default_rng(1)
    log = pd.DataFrame({
        "cust": rng.integers(1, 60, 800),
        "when": (pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, 800), "D"))
        .strftime("%Y-%m-%d"),
        "amount": rng.gamma(2, 25, 800),
    })  # fmt: skip
    log.to_csv(tmp_path / "log.csv", index=False)
    out = run_json(capsys, "mine", "segment", "--data", str(tmp_path / "log.csv"),
                   "--customer", "cust", "--date", "when", "--amount", "amount")  # fmt: skip
    assert out["mode"] == "rfm" and 2 <= out["k"] <= 8
    assert sum(s["n_customers"] for s in out["rfm_segments"]) == out["n_customers"]
    assert set(out["profiles"][0]) >= {"segment", "n", "recency_days", "frequency", "monetary"}


def test_detect_numeric_table_and_transaction_log(capsys, tmp_path):
    rng = np.random.default_rng(2)
    n = 400
    df = pd.DataFrame({"tid": np.arange(n) + 1, "cust": np.arange(n) % 20,
                       "amount": rng.normal(50, 5, n),
                       "date": (pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(n) % 200, "D"))
                       .strftime("%Y-%m-%d")})  # fmt: skip
    df.loc[17, "amount"] = 900.0
    df.to_csv(tmp_path / "tx.csv", index=False)
    out = run_json(capsys, "mine", "detect", "--data", str(tmp_path / "tx.csv"), "--id", "tid",
                   "--top", "5")  # fmt: skip
    assert out["method"] == "isolation_forest" and len(out["anomalies"]) == 5
    assert out["anomalies"][0]["id"] == 18
    out = run_json(capsys, "mine", "detect", "--data", str(tmp_path / "tx.csv"), "--id", "tid",
                   "--customer", "cust", "--amount", "amount", "--date", "date")  # fmt: skip
    assert out["method"] == "robust_z"
    assert out["anomalies"][0]["id"] == 18 and out["anomalies"][0]["score"] > 10
    assert "warnings" in out["behaviour_change"]


BAD = [
    (["classify", "--target", "nope"], "column 'nope' not found"),
    (["regress", "--target", "region"], "column 'region' must be numeric"),
    (["classify", "--target", "country"], "target column 'country' has only one class"),
    (
        ["classify", "--target", "churned", "--test-size", "2"],
        "'test_size' parameter of mine classify",
    ),
    (["segment", "--id", "missing_col"], "column 'missing_col' not found"),
    (["segment", "--customer", "cust_id"], "needs --customer, --date and --amount"),
    (["associate", "--id", "cust_id"], "column 'region' is not 0/1"),
    (["associate", "--transaction", "cust_id"], "needs both a transaction column and an item"),
    (["detect", "--method", "magic"], "'method' parameter of mine detect"),
    (["regress", "--target", "spend", "--seed", "-1"], "'seed' parameter of mine regress"),
]


@pytest.mark.parametrize("argv,message", BAD)
def test_bad_input_exits_2_with_one_line(capsys, customers, argv, message):
    code, out, err = run(capsys, "mine", argv[0], "--data", customers, *argv[1:])
    assert code == 2 and out == ""
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("content,message", [
    (b"", "is empty"),
    (b"a,b\n", "has no data rows"),
    (b"PAR1\x00\x01broken", "cannot read"),
])  # fmt: skip
def test_bad_files_exit_2_naming_the_file(capsys, tmp_path, content, message):
    path = tmp_path / ("bad.parquet" if content.startswith(b"PAR1") else "bad.csv")
    path.write_bytes(content)
    code, _, err = run(capsys, "mine", "classify", "--data", str(path), "--target", "y")
    assert code == 2 and message in err and str(path) in err


def test_missing_file_and_missing_task(capsys, tmp_path):
    code, _, err = run(capsys, "mine", "detect", "--data", str(tmp_path / "none.csv"))
    assert code == 2 and "none.csv" in err and "does not exist" in err
    code, _, err = run(capsys, "mine")
    assert code == 2 and "classify" in err
