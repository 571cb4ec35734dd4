"""The ``ecrm-lab engines`` commands, called as a user would."""

import pandas as pd

from ecrm_lab.cli import main


def test_recommend_writes_offers(tmp_path, capsys):
    table = pd.DataFrame({"cust": [1, 1, 2, 2, 3, 3, 4], "sku": list("ababaca")})
    src = tmp_path / "lines.csv"
    table.to_csv(src, index=False)
    out = tmp_path / "offers.csv"
    code = main(
        [
            "engines",
            "recommend",
            str(src),
            "--customer-col",
            "cust",
            "--item-col",
            "sku",
            "--k",
            "2",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    offers = pd.read_csv(out)
    assert set(offers.columns) >= {"customer_id", "rank", "offer", "score"}
    assert offers.loc[offers["customer_id"] == 4, "offer"].tolist() == ["b", "c"]
    assert "4 customers x 3 items" in capsys.readouterr().out


def test_recommend_bad_input_is_one_line(tmp_path, capsys):
    src = tmp_path / "lines.csv"
    pd.DataFrame({"customer_id": [1], "item": ["a"]}).to_csv(src, index=False)
    assert main(["engines", "recommend", str(src), "--k", "0"]) == 2
    err = capsys.readouterr().err
    assert "The 'k' parameter of ecrm-lab engines must be an int in [1, 1000]" in err
    assert main(["engines", "recommend", str(tmp_path / "missing.csv")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["engines", "recommend", str(src), "--item-col", "sku"]) == 2
    assert "column 'sku' not found" in capsys.readouterr().err


def test_email_quality(tmp_path, capsys):
    src = tmp_path / "customers.csv"
    pd.DataFrame({"customer_id": [1, 2, 3], "email": ["A@gmail.com", "b@gmial.com", "n/a"]}).to_csv(
        src, index=False
    )
    out = tmp_path / "status.csv"
    assert main(["engines", "email-quality", str(src), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "mailable: 0.0% as typed, 66.7% after cleaning" in printed
    assert pd.read_csv(out)["status_after"].tolist() == ["valid", "valid", "missing"]
