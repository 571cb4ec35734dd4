"""Consent ledger, message gate, transaction engine and frequency cap."""

import pandas as pd
import pytest

from ecrm_lab.engines import ConsentLedger, TransactionEngine, frequency_cap, gate_messages
from ecrm_lab.exceptions import DataError, InvalidParameterError

T = pd.Timestamp


@pytest.fixture()
def ledger():
    return ConsentLedger.from_events(
        pd.DataFrame(
            {
                "customer_id": [1, 1, 1, 2, 3],
                "channel": ["email", "email", "email", "sms", "post"],
                "action": ["opt_in", "opt_out", "opt_in", "opt_in", "opt_out"],
                "time": pd.to_datetime(
                    ["2024-01-01", "2024-03-01", "2024-05-01", "2024-01-15", "2024-01-01"]
                ),
                "source": [
                    "sign_up",
                    "unsubscribe_link",
                    "preference_centre",
                    "sign_up",
                    "sign_up_declined",
                ],
            }
        )
    )


def test_state_follows_the_latest_event(ledger):
    at = {
        d: ledger.state(at=d).loc[1, "consent_email"]
        for d in ("2023-12-31", "2024-02-01", "2024-03-01", "2024-04-01", "2024-06-01")
    }
    assert at == {
        "2023-12-31": False,
        "2024-02-01": True,
        "2024-03-01": False,
        "2024-04-01": False,
        "2024-06-01": True,
    }
    now = ledger.state()
    assert now.loc[2].tolist() == [False, True, False, False]
    assert not now.loc[3].any()
    assert ledger.state(customer_ids=[1, 99]).loc[99].sum() == 0


def test_has_consent_is_an_as_of_lookup(ledger):
    got = ledger.has_consent(
        [1, 1, 1, 2, 2, 4, 1],
        ["email", "email", "email", "sms", "email", "email", "fax"],
        pd.to_datetime(
            [
                "2024-02-29",
                "2024-03-01",
                "2024-05-01",
                "2024-01-15",
                "2024-02-01",
                "2024-02-01",
                "2024-02-01",
            ]
        ),
    )
    assert got.tolist() == [True, False, True, True, False, False, False]


def test_history_and_record_append(ledger):
    assert ledger.history(1)["action"].tolist() == ["opt_in", "opt_out", "opt_in"]
    new = ledger.record(2, "sms", "opt_out", "2024-06-01", "complaint")
    assert len(new.events) == len(ledger.events) + 1
    assert len(ledger.events) == 5  # the old ledger is unchanged
    assert new.events["event_id"].is_unique
    assert not new.state().loc[2, "consent_sms"]
    with pytest.raises(DataError, match="not a contact channel .*'fax'"):
        ledger.record(2, "fax", "opt_in", "2024-06-01")
    with pytest.raises(DataError, match="other than 'opt_in' / 'opt_out'"):
        ledger.record(2, "sms", "maybe", "2024-06-01")


def test_from_flags_records_grants_and_declines():
    customers = pd.DataFrame(
        {
            "customer_id": [1, 2],
            "acquisition_date": pd.to_datetime(["2020-01-01", "2023-06-01"]),
            "consent_email": [True, False],
            "consent_sms": [False, True],
        }
    )
    led = ConsentLedger.from_flags(customers)
    assert len(led.events) == 4
    assert led.state().loc[1].tolist() == [True, False, False, False]
    assert not led.state(at="2023-01-01").loc[2, "consent_sms"]
    assert set(led.events["source"]) == {"sign_up", "sign_up_declined"}
    with pytest.raises(DataError, match="no consent column"):
        ConsentLedger.from_flags(customers[["customer_id", "acquisition_date"]])


def test_gate_never_lets_through_without_consent(ledger):
    msgs = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 3, 4, 2],
            "channel": ["email", "email", "sms", "post", "email", "pigeon"],
            "send_time": pd.to_datetime(
                ["2024-02-01", "2024-04-01", "2024-02-01", "2024-02-01", "2024-02-01", "2024-02-01"]
            ),
            "offer": list("abcdef"),
        }
    )
    gate = gate_messages(msgs, ledger)
    assert gate.sent["offer"].tolist() == ["a", "c"]
    assert dict(zip(gate.blocked["offer"], gate.blocked["reason"], strict=True)) == {
        "b": "opted out",
        "d": "never opted in",
        "e": "unknown customer",
        "f": "unknown channel",
    }
    assert len(gate.sent) + len(gate.blocked) == len(msgs)
    s = gate.summary()
    assert s.loc["email", "sent"] == 1 and s.loc["email", "blocked"] == 2


def test_frequency_cap_by_priority_and_history():
    msgs = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 1, 2],
            "send_time": pd.to_datetime(
                ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-08", "2024-01-01"]
            ),  # 2024-01-01 is a Monday
            "priority": [1, 5, 3, 1, 1],
        }
    )
    cap = frequency_cap(msgs, max_messages=2, period_days=7.0)
    assert cap.kept.index.tolist() == [1, 2, 3, 4]  # the lowest priority in week 1 goes
    s = cap.summary()
    assert s.loc["before cap", "max_per_period"] == 3
    assert s.loc["after cap", "max_per_period"] == 2
    hist = pd.DataFrame({"customer_id": [1], "send_time": [T("2024-01-04")]})
    capped = frequency_cap(msgs, max_messages=2, period_days=7.0, history=hist)
    assert capped.kept.index.tolist() == [1, 3, 4]
    assert frequency_cap(msgs, max_messages=0).kept.empty
    with pytest.raises(InvalidParameterError, match="'period_days' parameter of frequency_cap"):
        frequency_cap(msgs, period_days=0.0)


def test_transaction_engine_writes_history_and_respects_opt_out(ledger):
    eng = TransactionEngine(ledger, max_messages=1, period_days=7.0)
    msgs = pd.DataFrame(
        {
            "customer_id": [1, 1, 2],
            "channel": ["email", "email", "sms"],
            "send_time": pd.to_datetime(["2024-05-06", "2024-05-07", "2024-05-06"]),
        }
    )
    r1 = eng.send(msgs)
    assert r1.sent["customer_id"].tolist() == [1, 2]
    assert r1.blocked["reason"].tolist() == ["frequency cap"]
    # the history counts: the same week again sends nothing to customer 1
    r2 = eng.send(msgs.iloc[[1]])
    assert r2.sent.empty
    eng.record_consent(2, "sms", "opt_out", "2024-05-20")
    r3 = eng.send(msgs.assign(send_time=T("2024-06-03")))
    assert r3.sent["customer_id"].tolist() == [1]
    assert eng.history["message_id"].tolist() == [1, 2, 3]
    assert set(r3.blocked["reason"]) == {"opted out", "frequency cap"}
