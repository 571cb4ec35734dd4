"""Channel choice, multi-channel reach and e-mail list quality."""

import pandas as pd
import pytest

from ecrm_lab.engines import (
    broadcast_messages,
    channel_reach,
    choose_channel,
    email_list_quality,
)
from ecrm_lab.engines.broadcast import DEFAULT_CONTACT_COST
from ecrm_lab.engines.email_lists import edit_distance
from ecrm_lab.exceptions import DataError, InvalidParameterError


@pytest.fixture()
def consent():
    return pd.DataFrame(
        {
            "customer_id": [1, 2, 3, 4, 5],
            "consent_email": [True, True, False, False, True],
            "consent_sms": [True, False, True, False, False],
            "consent_phone": [True, False, False, False, True],
            "consent_post": [False, True, False, False, False],
        }
    )


def test_channel_choice_consent_value_cost(consent):
    pref = pd.Series({1: "phone", 2: "post", 5: "phone"})
    plan = choose_channel(consent, preferred=pref, value=2.0)
    got = plan.plan.set_index("customer_id")["channel"].astype(object).to_dict()
    # 1: phone would be worth 3.0 - 4.5 < email 2.0 - 0.05; 2: post 3.0 - 0.85 > email 1.95
    assert got[1] == "email" and got[2] == "post" and got[3] == "sms"
    assert pd.isna(got[4])  # no consent at all: never planned
    rich = choose_channel(consent, preferred=pref, value=20.0).plan.set_index("customer_id")
    assert rich.loc[1, "channel"] == "phone" and rich.loc[5, "channel"] == "phone"
    # a channel without consent is never chosen, whatever its value
    for v in (0.0, 1.0, 100.0):
        p = choose_channel(consent, preferred=pref, value=v).plan.set_index("customer_id")
        for cid, ch in p["channel"].dropna().items():
            assert consent.set_index("customer_id").loc[cid, f"consent_{ch}"]


def test_channel_choice_addresses_and_hours(consent):
    addr = pd.DataFrame({"customer_id": [1, 5], "email": [False, False]})
    hours = pd.Series({1: 23.0, 2: 7.0})
    plan = choose_channel(consent, addressable=addr, hours=hours).plan.set_index("customer_id")
    assert plan.loc[1, "channel"] == "sms"  # no valid e-mail: next cheapest
    assert plan.loc[1, "send_hour"] == 20.0  # sms not after 20:00
    assert plan.loc[5, "channel"] == "phone"
    assert plan.loc[2, "channel"] == "email" and plan.loc[2, "send_hour"] == 7.0
    s = choose_channel(consent).summary()
    assert s.loc["none", "customers"] == 1
    assert s["cost"].sum() == pytest.approx(
        3 * DEFAULT_CONTACT_COST["email"] + DEFAULT_CONTACT_COST["sms"]
    )
    with pytest.raises(InvalidParameterError, match="'channels' parameter of choose_channel"):
        choose_channel(consent, channels=("fax",))
    with pytest.raises(DataError, match="no consent column"):
        choose_channel(consent[["customer_id"]])


def test_broadcast_messages_only_for_planned_customers(consent):
    plan = choose_channel(consent)
    offers = pd.Series({1: "card", 2: "loan", 3: None, 5: "fund"})
    msgs = broadcast_messages(plan, "2024-03-04", offers=offers, campaign="spring")
    assert msgs["customer_id"].tolist() == [1, 2, 5]
    assert (msgs["send_time"].dt.normalize() == pd.Timestamp("2024-03-04")).all()
    assert msgs["offer"].tolist() == ["card", "loan", "fund"]


def test_reach_incremental(consent):
    r = channel_reach(consent, order=["email", "sms", "post", "phone"])
    t = r.table
    assert t["reach_alone"].tolist() == [3, 2, 1, 2]
    assert t["cumulative_reach"].tolist() == [3, 4, 4, 4]
    assert t["incremental"].sum() == 4
    assert r.overlap.loc["email", "phone"] == 2
    default = channel_reach(consent).table
    assert list(default.index) == sorted(DEFAULT_CONTACT_COST, key=DEFAULT_CONTACT_COST.get)


def test_edit_distance():
    assert edit_distance("gmial.com", "gmail.com") == 2
    assert edit_distance("yahooo.com", "yahoo.com") == 1
    assert edit_distance("", "abc") == 3
    assert edit_distance("same", "same") == 0


def test_email_quality_statuses_and_repairs():
    customers = pd.DataFrame(
        {
            "customer_id": [1, 2, 3, 4, 5, 6, 7, 8],
            "email": [
                "a.b@gmail.com",
                " C.D@Outlook.com",
                "e@hotmial.com",
                "no-at-sign.com",
                "n/a",
                None,
                "a.b@gmail.com",
                "x@yahoo.com",
            ],
        }
    )
    q = email_list_quality(customers, bounced=["X@yahoo.com"])
    t = q.table.set_index("customer_id")
    assert t["status_before"].astype(str).tolist() == [
        "valid",
        "needs_cleaning",
        "typo_domain",
        "invalid",
        "missing",
        "missing",
        "duplicate",
        "bounced",
    ]
    assert t["status_after"].astype(str).tolist() == [
        "valid",
        "valid",
        "valid",
        "invalid",
        "missing",
        "missing",
        "duplicate",
        "bounced",
    ]
    assert t.loc[3, "email_clean"] == "e@hotmail.com"
    assert q.mailable["customer_id"].tolist() == [1, 2, 3]
    r = q.rates()
    assert r["mailable_before"] == pytest.approx(1 / 8)
    assert r["mailable_after"] == pytest.approx(3 / 8)
    assert q.domain_fixes.to_dict("records") == [
        {"domain": "hotmial.com", "fixed_to": "hotmail.com", "addresses": 1}
    ]
    s = q.summary()
    assert s["before"].sum() == s["after"].sum() == 8
    with pytest.raises(DataError, match="column 'mail' not found"):
        email_list_quality(customers, email_col="mail")
