"""Integration: each step changes exactly the faults the world planted; identities resolve right."""

import duckdb
import pytest


def _faults(world):
    t = world.truth["data_quality_faults"].rename(
        columns={"table": "source_table", "column": "column_name"}
    )
    t["source_table"] = t["source_table"].astype(str)
    t["fault"] = t["fault"].astype(str)
    return t


@pytest.mark.parametrize("domain", ["bank", "retail"])
def test_every_planted_fault_is_changed_exactly(domain, request):
    world = request.getfixturevalue(f"{domain}_world")
    wh = request.getfixturevalue(f"{domain}_wh")
    truth = _faults(world)
    merged = truth.merge(
        wh.integration,
        on=["source_table", "fault", "column_name"],
        how="left",
        validate="one_to_one",
    )
    assert merged["rows_changed"].notna().all(), merged[merged["rows_changed"].isna()]
    mismatch = merged[merged["count"] != merged["rows_changed"]]
    assert mismatch.empty, mismatch[
        ["source_table", "fault", "column_name", "count", "rows_changed"]
    ]
    # and the world did plant something of every kind the report covers
    assert set(truth["fault"]) >= {
        "duplicate_exact",
        "duplicate_near",
        "missing_value",
        "inconsistent_code",
        "invalid_format",
        "case_whitespace",
    }


def test_customer_email_problems_match_email_quality(bank_world, bank_wh):
    truth = bank_world.truth["email_quality"]["email_fault"].astype(str).value_counts()
    rep = bank_wh.integration[bank_wh.integration["source_table"] == "customers"]
    found = dict(zip(rep["fault"], rep["rows_changed"], strict=True))
    for fault in ("missing", "placeholder", "no_at", "whitespace", "uppercase", "typo_domain"):
        assert found.get(fault, 0) == truth.get(fault, 0), fault
    # shared addresses: every planted household share is found (same names may collide too)
    assert found["shared"] >= truth.get("shared", 0)
    con = duckdb.connect(str(bank_wh.db_path), read_only=True)
    flagged = set(
        con.execute("SELECT customer_id FROM int_customer_email WHERE is_shared").df()[
            "customer_id"
        ]
    )
    con.close()
    eq = bank_world.truth["email_quality"]
    planted = set(eq.loc[eq["email_fault"] == "shared", "customer_id"])
    assert planted <= flagged


@pytest.mark.parametrize("domain", ["bank", "retail"])
def test_identity_resolution_is_precise(domain, request):
    world = request.getfixturevalue(f"{domain}_world")
    wh = request.getfixturevalue(f"{domain}_wh")
    con = duckdb.connect(str(wh.db_path), read_only=True)
    ours = con.execute("SELECT system, key, customer_id AS resolved, method FROM int_identity").df()
    con.close()
    truth = world.truth["identity_map"].copy()
    truth["system"] = truth["system"].astype(str)
    j = ours.merge(truth, on=["system", "key"], how="left", validate="one_to_one")
    # every key we resolved belongs to the customer we named
    assert (j["resolved"] == j["customer_id"]).mean() >= 0.998
    recall = ours.groupby("system").size() / truth.groupby("system").size()
    assert recall["crm"] == 1.0
    assert recall["billing"] >= 0.97
    assert recall["web_account"] >= 0.9
    # cookies: only those seen in a logged-in or campaign-link session can be resolved
    assert 0.2 < recall["web_cookie"] < 1.0


def test_deduplicated_crm_has_one_record_per_customer(bank_world, bank_wh):
    con = duckdb.connect(str(bank_wh.db_path), read_only=True)
    crm = con.execute("SELECT customer_id, gender, region, country FROM int_crm_customer").df()
    con.close()
    assert len(crm) == bank_world.meta["n_customers"]
    assert crm["customer_id"].is_unique
    assert set(crm["gender"].dropna()) <= {"F", "M", "U"}
    assert set(crm["region"].dropna()) <= {"north", "south", "east", "west", "capital"}
    assert set(crm["country"]) == {"GB"}
    # regions missing in the CRM were filled from the customer master
    assert crm["region"].notna().all()


def test_report_lists_identity_resolution(bank_wh):
    rep = bank_wh.integration
    ident = rep[rep["source_table"] == "identity"]
    assert set(ident["column_name"]) == {"crm", "web_account", "billing", "web_cookie"}
    assert (ident["rows_changed"] >= 0).all()
    assert list(rep["stage_no"]) == sorted(rep["stage_no"])
