"""The thin command line of operational CRM (called, not re-tested through)."""

from __future__ import annotations

import json

import pandas as pd

from ecrm_lab.cli import main


def _tables(tmp_path):
    pd.DataFrame({"customer_id": [1, 2, 3, 4], "group": ["treatment"] * 3 + ["control"]}).to_csv(
        tmp_path / "a.csv", index=False
    )
    pd.DataFrame(
        {
            "contact_id": [1, 2, 3],
            "customer_id": [1, 2, 3],
            "contact_date": ["2025-01-01"] * 3,
            "channel": ["email"] * 3,
            "cost": [0.5, 0.5, 0.5],
        }
    ).to_csv(tmp_path / "c.csv", index=False)
    pd.DataFrame({"customer_id": [1], "response_date": ["2025-01-04"]}).to_csv(
        tmp_path / "r.csv", index=False
    )


def test_campaign_report(tmp_path, capsys):
    _tables(tmp_path)
    argv = [
        "campaign-report",
        "--assignment",
        str(tmp_path / "a.csv"),
        "--contacts",
        str(tmp_path / "c.csv"),
        "--responses",
        str(tmp_path / "r.csv"),
        "--revenue",
        "100",
        "--margin",
        "40",
        "--json",
    ]
    assert main(argv) == 0
    rows = {r["metric"]: r["value"] for r in json.loads(capsys.readouterr().out)}
    assert rows["take_ups"] == 1 and rows["contacts"] == 3
    assert rows["cpa"] == 1.5


def test_campaign_report_bad_input(tmp_path, capsys):
    _tables(tmp_path)
    argv = [
        "campaign-report",
        "--assignment",
        str(tmp_path / "a.csv"),
        "--contacts",
        str(tmp_path / "c.csv"),
        "--responses",
        str(tmp_path / "missing.csv"),
        "--revenue",
        "1",
        "--margin",
        "1",
    ]
    assert main(argv) == 2
    assert "does not exist" in capsys.readouterr().err
    argv[-4:] = ["--window-days", "0", "--revenue", "1"]
    argv[6] = str(tmp_path / "r.csv")
    assert main(argv) == 2
    assert "'window_days' parameter of ecrm-lab campaign-report" in capsys.readouterr().err


def test_staffing(capsys):
    assert main(["staffing", "--arrivals-per-hour", "100", "--handle-minutes", "3"]) == 0
    assert "recommended: 8 agents" in capsys.readouterr().out
    assert main(["staffing", "--service-level", "1.5"]) == 2
    assert "'service_level' parameter of ecrm-lab staffing" in capsys.readouterr().err
