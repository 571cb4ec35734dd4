"""The engines on synthetic worlds: inputs from observed data, invariants against the truth."""

import numpy as np
import pandas as pd
import pytest

from ecrm_lab.engines import (
    ConsentLedger,
    TransactionEngine,
    broadcast_messages,
    choose_channel,
    compare_engines,
    compare_mailings,
    consent_ledger,
    customer_view,
    email_bounces,
    email_list_quality,
    gate_messages,
    mailing_plans,
    offer_data,
    owned_matrix,
    self_service_page,
    session_customers,
)
from ecrm_lab.engines._common import CONTACT_CHANNELS
from ecrm_lab.exceptions import DataError
from ecrm_lab.world import generate


@pytest.fixture(scope="module", params=["bank", "retail"])
def world(request):
    return generate(request.param, n_customers=600, seed=11)


@pytest.fixture(scope="module")
def data(world):
    return offer_data(world)


def test_view_is_observed_and_aligned(world, data):
    view = data.view
    assert view.index.is_unique and view.index.is_monotonic_increasing
    assert np.array_equal(view.index.to_numpy(), data.owned.customer_ids)
    truth_only = {"segment", "affinity_mortgage", "affinity_toys", "response_base", "wealth"}
    assert not truth_only & set(view.columns)
    held = data.owned.dense_bool()
    for j, item in enumerate(data.owned.items):
        assert np.array_equal(view[f"holds_{item}"].to_numpy(), held[:, j])
    again = customer_view(world, data.cutoff)
    pd.testing.assert_frame_equal(view, again)


def test_heldout_is_new_and_after_cutoff(world, data):
    held = data.owned.dense_bool()
    new = data.heldout.dense_bool()
    assert not (held & new).any()
    end = owned_matrix(world, customer_ids=data.owned.customer_ids).dense_bool()
    if world.meta["domain"] == "retail":  # purchases accumulate: new ones are bought by the end
        assert (end | ~new).all()
    assert new.sum() > 0


def test_oracle_offers_the_highest_true_take_up(data):
    from ecrm_lab.engines import ItemItemCF, PopularityRecommender, PropensityRecommender

    engines = {
        "popularity": PopularityRecommender(),
        "cf": ItemItemCF(),
        "model": PropensityRecommender(drop=("n_items", "deposits", "debt")),
    }
    cmp = compare_engines(data, engines, k=(1, 2))
    at1 = cmp.evaluation.at(1)
    for name in engines:
        assert at1.loc["oracle_true_take_up", "true_take_up"] >= at1.loc[name, "true_take_up"]
        offers = cmp.offers[name]
        held = data.owned.dense_bool()
        rows, cols = np.nonzero(offers.index >= 0)
        assert not held[rows, offers.index[rows, cols]].any()
    assert (cmp.summary()[["hit_rate", "precision", "recall"]].stack().between(0, 1)).all()


def test_sessions_are_linked_correctly(world):
    owners = session_customers(world)
    im = world.truth["identity_map"]
    cookie = im[im["system"].astype(str) == "web_cookie"].set_index("key")["customer_id"]
    s = world["web_sessions"].set_index("session_id")
    true = cookie.reindex(s.loc[owners["session_id"], "visitor_id"]).to_numpy()
    assert len(owners) > 0
    assert (true == owners["customer_id"].to_numpy()).mean() > 0.99


def test_bounces_are_faulty_addresses_and_cleaning_repairs_typos(world):
    bounces = email_bounces(world)
    fault = world.truth["email_quality"].set_index("customer_id")["email_fault"].astype(str)
    assert len(bounces) > 0
    assert set(fault.loc[bounces["customer_id"]]) <= {
        "typo_domain",
        "no_at",
        "placeholder",
        "whitespace",
    }
    q = email_list_quality(world["customers"], bounced=bounces["email"])
    t = q.table.set_index("customer_id")
    typos = fault.index[fault == "typo_domain"]
    assert (t.loc[typos, "status_after"] == "valid").mean() > 0.9
    missing = fault.index[fault.isin(["missing", "placeholder"])]
    assert (t.loc[missing, "status_after"] == "missing").all()
    assert q.rates()["mailable_after"] > q.rates()["mailable_before"]


def test_world_ledger_matches_the_consent_flags(world):
    led = consent_ledger(world)
    c = world["customers"].set_index("customer_id")
    state = led.state(customer_ids=c.index)
    for ch in CONTACT_CHANNELS:
        assert np.array_equal(state[f"consent_{ch}"].to_numpy(), c[f"consent_{ch}"].to_numpy())


def test_ceiling_earns_at_least_every_plan(world, data):
    plans = mailing_plans(world, data)
    res = compare_mailings(plans, data.traits).table
    ceiling = res.loc["ceiling (true probabilities)", "net_margin"]
    for name in res.index:
        assert 0 <= res.loc[name, "response_rate"] <= 1
        assert res.loc[name, "expected_take_ups"] <= res.loc[name, "contacts"]
        if name.startswith("one-to-many") or "(same list)" in name:
            assert res.loc[name, "net_margin"] <= ceiling + 1e-6


def test_self_service_page(world):
    owners = session_customers(world)
    cid = int(owners["customer_id"].value_counts().index[0])
    page = self_service_page(world, cid)
    assert page.summary().loc["greeting", "content"].startswith("Welcome back")
    if world.meta["domain"] == "bank":
        acc = world["accounts"]
        assert len(page.holdings) == int((acc["customer_id"] == cid).sum())
    else:
        assert set(page.holdings["status"]) <= {"processing", "in transit", "delivered"}
    assert page.faq["score"].is_monotonic_decreasing
    with pytest.raises(DataError, match="there is no customer 999999"):
        self_service_page(world, 999999)


# ---------------------------------------------------------------------------------------------
# property: no message is ever produced for a channel without consent
# ---------------------------------------------------------------------------------------------
def _brute_force_consent(events: pd.DataFrame, cid: int, channel: str, t: pd.Timestamp) -> bool:
    ev = events[
        (events["customer_id"] == cid)
        & (events["channel"].astype(str) == channel)
        & (events["time"] <= t)
    ]
    if ev.empty:
        return False
    return ev.sort_values(["time", "event_id"]).iloc[-1]["action"] == "opt_in"


@pytest.mark.parametrize(
    ("domain", "n", "seed"),
    [
        ("bank", 250, 1),
        ("retail", 250, 2),
        ("bank", 700, 3),
        ("retail", 500, 4),
        ("bank", 400, 5),
        ("retail", 300, 6),
    ],
)
def test_no_message_without_consent(domain, n, seed):
    world = generate(domain, n_customers=n, seed=seed, months=6)
    rng = np.random.default_rng(seed)
    start, end = pd.Timestamp(world.meta["start"]), pd.Timestamp(world.meta["end"])
    span = (end - start) / pd.Timedelta(seconds=1)
    led = consent_ledger(world)
    ids = world["customers"]["customer_id"].to_numpy()
    # random later opt-outs and opt-ins through the preference centre
    k = n // 2
    led = led.record(
        rng.choice(ids, k),
        rng.choice(CONTACT_CHANNELS, k),
        rng.choice(["opt_in", "opt_out"], k),
        start + pd.to_timedelta(rng.random(k) * span, unit="s"),
    )
    # random message requests, including unknown customers and channels
    m = 3 * n
    msgs = pd.DataFrame(
        {
            "customer_id": np.r_[rng.choice(ids, m - 5), [10**9] * 5],
            "channel": np.r_[rng.choice(CONTACT_CHANNELS, m - 10), ["fax"] * 10],
            "send_time": start + pd.to_timedelta(rng.random(m) * span, unit="s"),
            "priority": rng.random(m),
        }
    )
    report = TransactionEngine(led, max_messages=3, period_days=7.0).send(msgs)
    gate = gate_messages(msgs, led)
    for sent in (report.sent, gate.sent):
        assert led.has_consent(sent["customer_id"], sent["channel"], sent["send_time"]).all()
        for row in sent.sample(min(40, len(sent)), random_state=seed).itertuples():
            assert _brute_force_consent(led.events, row.customer_id, row.channel, row.send_time)
    # whatever was blocked for consent really had none
    no_consent = gate.blocked
    assert not led.has_consent(
        no_consent["customer_id"], no_consent["channel"], no_consent["send_time"]
    ).any()
    assert len(gate.sent) + len(gate.blocked) == len(msgs)
    # the broadcast path: plan at a moment, messages, gate
    at = start + (end - start) / 2
    state = led.state(at=at, customer_ids=ids)
    plan = choose_channel(state, value=float(rng.uniform(0, 20)))
    out = broadcast_messages(plan, at)
    planned = led.has_consent(out["customer_id"], out["channel"], out["send_time"])
    # a plan made at midnight may be overtaken by an opt-out later that day: the gate catches it
    late = gate_messages(out, led)
    assert led.has_consent(
        late.sent["customer_id"], late.sent["channel"], late.sent["send_time"]
    ).all()
    assert planned.mean() > 0.95 if len(out) else True


def test_ledger_rejects_bad_event_tables():
    with pytest.raises(DataError, match="column 'time' not found"):
        ConsentLedger.from_events(
            pd.DataFrame({"customer_id": [1], "channel": ["email"], "action": ["opt_in"]})
        )
    with pytest.raises(DataError, match="'event_id' must hold unique integers"):
        ConsentLedger.from_events(
            pd.DataFrame(
                {
                    "event_id": [1, 1],
                    "customer_id": [1, 2],
                    "channel": "email",
                    "action": "opt_in",
                    "time": pd.Timestamp("2024-01-01"),
                }
            )
        )


def test_engines_run_on_a_warehouse_360(tmp_path, world):
    import duckdb

    from ecrm_lab.engines import PropensityRecommender, Rule, RuleEngine, warehouse_view

    owned = owned_matrix(world)
    # a stand-in for the warehouse's mart_customer_360 (built by ecrm_lab.warehouse.build)
    rng = np.random.default_rng(0)
    mart = pd.DataFrame(
        {
            "customer_id": owned.customer_ids[::-1].copy(),
            "n_complaints": rng.integers(0, 3, owned.n_customers),
            "age": rng.integers(18, 90, owned.n_customers),
        }
    )
    db = tmp_path / "wh.duckdb"
    con = duckdb.connect(str(db))
    con.register("mart_df", mart)
    con.execute("CREATE TABLE mart_customer_360 AS SELECT * FROM mart_df")
    con.close()
    view = warehouse_view(db, owned)
    assert np.array_equal(view.index.to_numpy(), owned.customer_ids)
    item = owned.items[1]
    rules = RuleEngine([Rule("calm", f"n_complaints == 0 and not holds_{item}", item, 2.0)])
    offers = rules.fit(owned, view).recommend(owned, view, k=1).to_frame()
    expected = view.index[(view["n_complaints"] == 0) & ~view[f"holds_{item}"]]
    assert sorted(offers["customer_id"]) == sorted(expected)
    model = PropensityRecommender().fit(owned, view)
    assert model.models_["roc_auc"].dropna().between(0, 1).all()
    with pytest.raises(DataError, match="not in the mart"):
        warehouse_view(db, owned_matrix(world, customer_ids=[10**9]))
