"""Tests of the raw extracts: the planted data-quality faults are counted here independently,
from the text of the tables, and must equal the truth ``data_quality_faults``; the identity
map must resolve every key."""

from __future__ import annotations

import pandas as pd
import pytest

from ecrm_lab.world.catalogue import REGIONS
from ecrm_lab.world.customers import PLACEHOLDERS
from ecrm_lab.world.generate import generate
from ecrm_lab.world.sources import extracts


@pytest.fixture(scope="module", params=["bank", "retail"])
def world(request):
    return generate(request.param, n_customers=1500, seed=8, months=24)


def _identity(w, system):
    im = w.truth["identity_map"]
    return im[im["system"] == system].set_index("key")["customer_id"]


def _near_duplicates(df, key, owners):
    """Rows (after removing exact duplicates) of a person already present under another key."""
    distinct = df.drop_duplicates()
    known = distinct[key].astype(str).isin(owners.index)
    who = owners.reindex(distinct.loc[known, key].astype(str)).to_numpy()
    return int(known.sum() - len(set(who)))


def _format(s, pattern):
    """Non-missing values not matching ``pattern``."""
    v = s.dropna().astype(str)
    return int((~v.str.fullmatch(pattern)).sum())


def _years(s, pattern, year_slice):
    v = s.dropna().astype(str)
    v = v[v.str.fullmatch(pattern)]
    return v.str.slice(*year_slice).astype(int)


def _count_crm(w):
    df = w["raw_crm_customers"]
    end_year = w.span()[1].year
    names = {
        c: int((df[c] != df[c].str.strip().str.title()).sum()) for c in ("first_name", "last_name")
    }
    email = df["email"].dropna()
    birth_years = _years(df["birth_date"], r"\d{4}-\d{2}-\d{2}", (0, 4))
    income = df["annual_income"]
    return {
        ("duplicate_exact", "*"): int(df.duplicated().sum()),
        ("duplicate_near", "*"): _near_duplicates(df, "crm_id", _identity(w, "crm")),
        ("case_whitespace", "first_name"): names["first_name"],
        ("case_whitespace", "last_name"): names["last_name"],
        ("case_whitespace", "email"): int((email != email.str.strip().str.lower()).sum()),
        ("inconsistent_code", "gender"): int((~df["gender"].isin(["F", "M", "U"])).sum()),
        ("missing_value", "birth_date"): int(df["birth_date"].isna().sum()),
        ("invalid_format", "birth_date"): _format(df["birth_date"], r"\d{4}-\d{2}-\d{2}"),
        ("outlier", "birth_date"): int(((birth_years < 1905) | (birth_years > end_year)).sum()),
        ("missing_value", "email"): int(df["email"].isna().sum()),
        ("invalid_value", "email"): int(
            (~email.str.contains("@") | email.isin(PLACEHOLDERS)).sum()
        ),
        ("missing_value", "phone"): int(df["phone"].isna().sum()),
        ("invalid_format", "phone"): _format(df["phone"], r"\+44 7\d{3} \d{6}"),
        ("missing_value", "region"): int(df["region"].isna().sum()),
        ("inconsistent_code", "region"): int((~df["region"].dropna().isin(REGIONS)).sum()),
        ("inconsistent_code", "country"): int((df["country"] != "GB").sum()),
        ("missing_value", "annual_income"): int(income.isna().sum()),
        ("outlier", "annual_income"): int(((income < 0) | (income > 5_000_000)).sum()),
    }


def _count_web(w):
    df = w["raw_web_customers"]
    end_year = w.span()[1].year
    name = df["full_name"]
    canonical = name.str.split().str.join(" ").str.title()
    birth_years = _years(df["date_of_birth"], r"\d{2}/\d{2}/\d{4}", (6, 10))
    gender = df["gender"].dropna()
    return {
        ("duplicate_exact", "*"): int(df.duplicated().sum()),
        ("duplicate_near", "*"): _near_duplicates(df, "web_user_id", _identity(w, "web_account")),
        ("case_whitespace", "email"): int(
            (df["email"] != df["email"].str.strip().str.lower()).sum()
        ),
        ("case_whitespace", "full_name"): int((name != canonical).sum()),
        ("missing_value", "gender"): int(df["gender"].isna().sum()),
        ("inconsistent_code", "gender"): int((~gender.isin(["female", "male", "other"])).sum()),
        ("missing_value", "date_of_birth"): int(df["date_of_birth"].isna().sum()),
        ("invalid_format", "date_of_birth"): _format(df["date_of_birth"], r"\d{2}/\d{2}/\d{4}"),
        ("outlier", "date_of_birth"): int(((birth_years < 1905) | (birth_years > end_year)).sum()),
        ("inconsistent_code", "country"): int((df["country"] != "UK").sum()),
    }


def _count_billing(w):
    df = w["raw_billing_customers"]
    holder = df["account_holder"]
    owners = _identity(w, "billing")
    owners.index = owners.index.astype(str)
    return {
        ("duplicate_exact", "*"): int(df.duplicated().sum()),
        ("duplicate_near", "*"): _near_duplicates(df, "billing_id", owners),
        ("missing_value", "customer_ref"): int(df["customer_ref"].isna().sum()),
        ("invalid_format", "customer_ref"): _format(df["customer_ref"], r"[1-9]\d*"),
        ("case_whitespace", "account_holder"): int(
            (holder != holder.str.strip().str.upper()).sum()
        ),
        ("inconsistent_code", "region_code"): int((~df["region_code"].isin(list("NSEWC"))).sum()),
        ("inconsistent_code", "currency"): int((df["currency"] != "GBP").sum()),
        ("missing_value", "balance_due"): int(df["balance_due"].isna().sum()),
        ("outlier", "balance_due"): int((df["balance_due"] > 1_000_000).sum()),
        ("missing_value", "last_payment_date"): int(df["last_payment_date"].isna().sum()),
        ("invalid_format", "last_payment_date"): _format(df["last_payment_date"], r"\d{8}"),
    }


COUNTERS = {
    "raw_crm_customers": _count_crm,
    "raw_web_customers": _count_web,
    "raw_billing_customers": _count_billing,
}


@pytest.mark.parametrize("table", extracts.RAW_TABLES)
def test_fault_counts_equal_the_truth(world, table):
    truth = world.truth["data_quality_faults"]
    truth = truth[truth["table"] == table]
    recorded = {
        (str(f), c): int(n)
        for f, c, n in zip(truth["fault"], truth["column"], truth["count"], strict=True)
    }
    counted = COUNTERS[table](world)
    assert counted == recorded


def test_faults_were_planted(world):
    truth = world.truth["data_quality_faults"]
    per_fault = truth.groupby("fault", observed=True)["count"].sum()
    assert (per_fault > 0).all()
    assert set(per_fault.index) == set(extracts.FAULTS)
    planted = truth.dropna(subset=["planted_rate"])
    assert ((planted["planted_rate"] > 0) & (planted["planted_rate"] < 0.1)).all()


def test_every_key_resolves(world):
    crm = _identity(world, "crm")
    assert set(world["raw_crm_customers"]["crm_id"]) == set(crm.index)
    assert crm.index.is_unique
    web = world["raw_web_customers"]
    own = _identity(world, "web_account")
    customers_rows = web["crm_customer_no"].notna()
    linked = web[customers_rows & web["web_user_id"].isin(own.index)]
    # the CRM number in the web system is the true owner (plain digits vs 'C0000123')
    assert (
        linked["crm_customer_no"].astype(int).to_numpy()
        == own.loc[linked["web_user_id"]].to_numpy()
    ).all()
    bill = _identity(world, "billing")
    assert set(world["raw_billing_customers"]["billing_id"].astype(str)) == set(bill.index)
    refs = world["raw_billing_customers"].dropna(subset=["customer_ref"])
    assert (
        refs["customer_ref"].astype(int).to_numpy()
        == bill.loc[refs["billing_id"].astype(str)].to_numpy()
    ).all()
    # every CRM key 'C' + digits that is not a near duplicate is the customer id
    originals = crm[crm.index.str.slice(1).astype(int) <= world.meta["n_customers"]]
    assert (originals.index.str.slice(1).astype(int) == originals.to_numpy()).all()
    assert len(set(crm)) == world.meta["n_customers"]


def test_prospects_have_web_accounts_but_no_identity(world):
    web = world["raw_web_customers"]
    own = _identity(world, "web_account")
    prospects = web[~web["web_user_id"].isin(own.index)]
    assert len(prospects) > 0
    assert prospects["crm_customer_no"].isna().all()


def test_systems_disagree_on_formats(world):
    crm, web = world["raw_crm_customers"], world["raw_web_customers"]
    assert crm["crm_id"].str.fullmatch(r"C\d{7}").all()
    assert web["web_user_id"].str.fullmatch(r"wu-[0-9a-f]{10}").all()
    assert (crm["country"] == "GB").mean() > 0.9 and (web["country"] == "UK").mean() > 0.9
    assert crm["customer_since"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert web["signup_date"].str.fullmatch(r"\d{2}/\d{2}/\d{4}").all()


def test_extracts_are_deterministic():
    a = generate("bank", n_customers=500, seed=3, months=12)
    b = generate("bank", n_customers=500, seed=3, months=12)
    for name in extracts.RAW_TABLES:
        pd.testing.assert_frame_equal(a[name], b[name])
    pd.testing.assert_frame_equal(a.truth["data_quality_faults"], b.truth["data_quality_faults"])
