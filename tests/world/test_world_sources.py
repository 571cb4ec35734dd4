"""Tests of the world's event sources: web, service, sales, lifecycle (schemas, invariants,
consistency with the core tables, determinism). The raw extracts are tested in
test_world_sources_extracts.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ecrm_lab.world import behaviour
from ecrm_lab.world.behaviour import SALES_STAGES
from ecrm_lab.world.generate import generate
from ecrm_lab.world.schema import SCHEMAS, validate_table
from ecrm_lab.world.sources import SOURCE_ORDER, lifecycle, sales, service, web

N = 1500

SOURCE_TABLES = (
    "web_sessions",
    "page_views",
    "service_requests",
    "sales_leads",
    "sales_opportunities",
    "sales_stage_events",
    "lifecycle_events",
    "raw_crm_customers",
    "raw_web_customers",
    "raw_billing_customers",
)
SOURCE_TRUTH = (
    "web_session_truth",
    "identity_map",
    "service_truth",
    "sales_truth",
    "data_quality_faults",
)


@pytest.fixture(scope="module", params=["bank", "retail"])
def world(request):
    return generate(request.param, n_customers=N, seed=11, months=24)


@pytest.fixture(scope="module")
def bank():
    return generate("bank", n_customers=N, seed=11, months=24)


def _frame(w, name):
    return w.tables[name] if name in w.tables else w.truth[name]


# -- schemas ------------------------------------------------------------------------------
def test_source_order_matches_generator():
    from ecrm_lab.world.generate import SOURCE_MODULES

    assert tuple(SOURCE_MODULES) == SOURCE_ORDER


@pytest.mark.parametrize("name", SOURCE_TABLES + SOURCE_TRUTH)
def test_schema_valid(world, name):
    df = _frame(world, name)
    assert len(df) > 0
    everything = {**world.tables, **world.truth}
    validate_table(df, SCHEMAS[name], domain=world.domain, tables=everything, span=world.span())


def test_schema_rejects_a_broken_table(world):
    df = world["service_requests"].copy()
    df.loc[df.index[0], "customer_id"] = 10**9
    with pytest.raises(Exception, match="service_requests.*customer_id.*not found"):
        validate_table(
            df,
            SCHEMAS["service_requests"],
            domain=world.domain,
            tables=world.tables,
            span=world.span(),
        )


def test_every_column_is_documented():
    for name in SOURCE_TABLES + SOURCE_TRUTH:
        for col in SCHEMAS[name].columns:
            assert col.description.strip().endswith((".", ")")), (name, col.name)
        assert len(SCHEMAS[name].description) > 40, name


# -- customer windows ---------------------------------------------------------------------
def _windows(w):
    """Per customer id: acquisition, churn and win-back timestamps."""
    cust = w["customers"].set_index("customer_id")
    churn = w.truth["true_churn"].set_index("customer_id")["churn_date"]
    ev = w["lifecycle_events"]
    back = ev[ev["event_type"] == "win_back"].set_index("customer_id")["event_at"]
    return pd.DataFrame(
        {"acq": cust["acquisition_date"], "churn": churn, "back": back.reindex(cust.index)}
    )


def _inside_windows(w, customer_id, at, slack_days: float = 0.0):
    """True where ``at`` lies in the customer's active time (with ``slack`` before acquisition)."""
    win = _windows(w).loc[customer_id]
    at = pd.Series(np.asarray(at), index=win.index)
    after_acq = at >= win["acq"] - pd.Timedelta(days=slack_days)
    before_churn = win["churn"].isna() | (at < win["churn"])
    after_back = win["back"].notna() & (at >= win["back"])
    return (after_acq & (before_churn | after_back)).to_numpy()


# -- web ----------------------------------------------------------------------------------
def test_page_views_belong_to_their_session(world):
    ws, pv = world["web_sessions"], world["page_views"]
    counts = pv.groupby("session_id").size()
    assert (counts.reindex(ws["session_id"]).to_numpy() == ws["n_page_views"].to_numpy()).all()
    assert (pv.groupby("session_id")["seq"].min() == 1).all()
    assert (pv.groupby("session_id")["seq"].max() == counts).all()
    s = ws.set_index("session_id").loc[pv["session_id"]]
    assert (pv["viewed_at"].to_numpy() >= s["started_at"].to_numpy()).all()
    assert (pv["viewed_at"].to_numpy() <= s["ended_at"].to_numpy()).all()
    assert (ws["ended_at"] >= ws["started_at"]).all()
    assert pv.groupby("session_id")["viewed_at"].apply(lambda x: x.is_monotonic_increasing).all()
    first = pv[pv["seq"] == 1].set_index("session_id")["page_type"]
    assert (first.reindex(ws["session_id"]).to_numpy() == ws["landing_page"].to_numpy()).all()
    assert ws["started_at"].is_monotonic_increasing


def test_products_only_on_product_pages(world):
    pv = world["page_views"]
    assert (pv["product_code"].notna() == (pv["page_type"] == "product")).all()


def test_login_page_iff_identified_by_login(world):
    ws, pv = world["web_sessions"], world["page_views"]
    logins = set(pv.loc[pv["page_type"] == "login", "session_id"])
    assert logins == set(ws.loc[ws["web_user_id"].notna(), "session_id"])
    # every logged-in account exists in the web system's extract
    assert set(ws["web_user_id"].dropna()) <= set(world["raw_web_customers"]["web_user_id"])


def test_campaign_links_are_campaign_clicks(world):
    ws = world["web_sessions"]
    linked = ws[ws["link_customer_ref"].notna()]
    assert (linked["referrer"].isin(["email", "sms"])).all()
    assert ws.loc[ws["referrer"].isin(["email", "sms"]), "link_customer_ref"].notna().all()
    resp = world["campaign_responses"]
    clicks = resp[resp["response_type"] == "clicked"]
    got = pd.DataFrame(
        {
            "customer_id": linked["link_customer_ref"].str[1:].astype(int).to_numpy(),
            "at": linked["started_at"].to_numpy(),
        }
    )
    want = pd.DataFrame(
        {
            "customer_id": clicks["customer_id"].to_numpy(),
            "at": clicks["response_date"].dt.floor("s").to_numpy(),
        }
    )
    key = ["customer_id", "at"]
    pd.testing.assert_frame_equal(
        got.sort_values(key).reset_index(drop=True), want.sort_values(key).reset_index(drop=True)
    )


def test_every_visitor_is_a_customer_or_a_known_prospect(world):
    ws = world["web_sessions"]
    truth = world.truth["web_session_truth"].set_index("session_id").loc[ws["session_id"]]
    ident = world.truth["identity_map"]
    cookies = ident[ident["system"] == "web_cookie"].set_index("key")["customer_id"]
    is_customer = ws["visitor_id"].isin(cookies.index).to_numpy()
    prospect = (truth["phase"] == "prospect").to_numpy()
    assert (is_customer != prospect).all()
    # customers visit while they are customers (signup journeys up to 30 days before)
    own = ws[is_customer]
    cid = cookies.loc[own["visitor_id"]].to_numpy()
    phase = truth["phase"].to_numpy()[is_customer]
    ok = _inside_windows(world, cid, own["started_at"], slack_days=31)
    assert ok.all()
    routine = phase == "customer"
    assert _inside_windows(world, cid[routine], own["started_at"].to_numpy()[routine]).all()


def test_session_truth_signals(world):
    """Distressed visits show more page views and support/faq/tracking loops."""
    ws, pv = world["web_sessions"], world["page_views"]
    truth = world.truth["web_session_truth"]
    assert (truth["high_intent"] == (truth["intent"] == "high_intent")).all()
    assert (truth["distressed"] == (truth["intent"] == "distressed")).all()
    views = ws.set_index("session_id")["n_page_views"]
    intent = truth.set_index("session_id")["intent"]
    mean_views = views.groupby(intent, observed=True).mean()
    assert mean_views["distressed"] > mean_views["browse"] + 2
    help_pages = pv["page_type"].isin(["faq", "support", "tracking"])
    share = help_pages.groupby(intent.loc[pv["session_id"]].to_numpy()).mean()
    assert share["distressed"] > 0.6 > 0.3 > share["browse"]
    # repeat visits: distressed episodes come back within days
    follow = truth.groupby("intent", observed=True)["follow_up"].mean()
    assert follow["distressed"] > follow["browse"]


def test_web_account_probability_in_unit_interval(world):
    p = behaviour.web_account_probability(world.truth["customer_traits"])
    assert ((p >= 0) & (p <= 1)).all()


# -- service ------------------------------------------------------------------------------
def test_service_timestamps_and_status(world):
    sr = world["service_requests"]
    resolved = sr["status"] == "resolved"
    assert (sr["resolved_at"].notna() == resolved).all()
    assert (sr.loc[resolved, "resolved_at"] >= sr.loc[resolved, "opened_at"]).all()
    assert ((sr["n_contacts"] == 1) == (sr["resolution"] == "first_contact")).all()
    assert sr.loc[sr["status"] == "open", "satisfaction"].isna().all()
    assert set(sr["satisfaction"].dropna().unique()) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    assert sr["opened_at"].is_monotonic_increasing
    assert _inside_windows(world, sr["customer_id"].to_numpy(), sr["opened_at"]).all()


def test_service_satisfaction_truth(world):
    sr = world["service_requests"]
    truth = world.truth["service_truth"].set_index("request_id").loc[sr["request_id"]]
    scored = sr["satisfaction"].notna().to_numpy()
    sat = truth["satisfied"].to_numpy()
    assert (sr["satisfaction"].to_numpy()[scored & sat] >= 4).all()
    assert (sr["satisfaction"].to_numpy()[scored & ~sat] <= 3).all()
    # first-contact resolution satisfies more often than abandoned requests
    by_status = pd.Series(sat).groupby(sr["resolution"].astype(str).to_numpy()).mean()
    assert by_status["first_contact"] > by_status["escalated"]


def test_pre_churn_requests_lead_churn(world):
    sr = world["service_requests"]
    truth = world.truth["service_truth"].set_index("request_id").loc[sr["request_id"]]
    pre = truth["pre_churn"].to_numpy()
    assert pre.sum() > 0
    assert not truth["satisfied"].to_numpy()[pre].any()
    churn = world.truth["true_churn"].set_index("customer_id")["churn_date"]
    c = churn.loc[sr["customer_id"].to_numpy()[pre]].to_numpy()
    opened = sr["opened_at"].to_numpy()[pre]
    assert (opened < c).all()
    assert (opened >= c - np.timedelta64(int(service.RECENT_DAYS), "D")).all()


def test_bank_requests_concern_the_customers_accounts(bank):
    sr, acc = bank["service_requests"], bank["accounts"].set_index("account_id")
    a = acc.loc[sr["account_id"]]
    assert (a["customer_id"].to_numpy() == sr["customer_id"].to_numpy()).all()
    assert (a["product_code"].to_numpy() == sr["product_code"].to_numpy()).all()
    assert (a["open_date"].to_numpy() <= sr["opened_at"].to_numpy()).all()
    closed = a["close_date"].notna().to_numpy() & (
        a["close_date"].to_numpy() <= sr["opened_at"].to_numpy()
    )
    assert ((sr["contract_status"] == "out_of_contract").to_numpy() == closed).all()
    # planted fraud is reported
    fr = sr[sr["category"] == "fraud_report"]
    cases = (
        bank.truth["service_truth"].set_index("request_id").loc[fr["request_id"], "fraud_case_id"]
    )
    assert (cases > 0).all()
    an = bank.truth["planted_anomalies"]
    victims = an.set_index("case_id")["customer_id"].groupby(level=0).first()
    assert (victims.loc[cases].to_numpy() == fr["customer_id"].to_numpy()).all()


def test_retail_requests_concern_earlier_orders():
    w = generate("retail", n_customers=800, seed=5, months=12)
    sr, orders = w["service_requests"], w["orders"].set_index("order_id")
    ref = sr[sr["order_ref"].notna()]
    o = orders.loc[ref["order_ref"].astype(int)]
    assert (o["customer_id"].to_numpy() == ref["customer_id"].to_numpy()).all()
    assert (o["order_date"].to_numpy() <= ref["opened_at"].to_numpy()).all()
    assert (sr["order_ref"].isna() == (sr["contract_status"] == "none")).all()
    assert (sr["order_ref"].isna() == sr["product_code"].isna()).all()


# -- sales --------------------------------------------------------------------------------
def test_funnel_never_grows(world):
    ev = world["sales_stage_events"]
    counts = ev["stage"].value_counts().reindex(list(SALES_STAGES)).to_numpy()
    assert counts[0] == len(world["sales_leads"])
    assert (np.diff(counts) <= 0).all()
    # each lead enters stages 1..k in order, at non-decreasing times
    g = ev.groupby("lead_id")
    assert (g["stage_no"].min() == 1).all()
    assert (g["stage_no"].max() == g.size()).all()
    assert g["entered_at"].apply(lambda x: x.is_monotonic_increasing).all()


def test_opportunities_are_the_qualified_leads(world):
    leads, opp = world["sales_leads"], world["sales_opportunities"]
    qualified = leads.loc[leads["qualified_at"].notna(), "lead_id"]
    assert set(opp["lead_id"]) == set(qualified)
    assert ((leads["status"] == "converted") == leads["qualified_at"].notna()).all()
    assert (leads["contacted_at"].notna() | leads["qualified_at"].isna()).all()
    won = opp["outcome"] == "won"
    assert (opp.loc[won, "stage"] == "closing").all()
    assert (opp.loc[won, "closed_at"] >= opp.loc[won, "closing_at"]).all()
    lost = opp["outcome"] == "lost"
    assert (opp.loc[lost, "lost_stage"] == opp.loc[lost, "stage"]).all()
    assert opp.loc[~lost, "lost_stage"].isna().all()
    assert opp.loc[opp["outcome"] == "open", "closed_at"].isna().all()
    reached_objections = opp["objections_at"].notna()
    assert (opp["objection"].notna() == reached_objections).all()
    assert (opp["closed_at"].isna() | (opp["closed_at"] >= opp["opened_at"])).all()
    assert _inside_windows(world, leads["customer_id"].to_numpy(), leads["created_at"]).all()


def test_won_deals_are_real_sales(world):
    opp = world["sales_opportunities"]
    won = opp[opp["outcome"] == "won"]
    assert len(won) > 0
    day = won["closed_at"].dt.floor("D").to_numpy()
    if world.domain == "bank":
        acc = world["accounts"]
        s = acc[acc["opened_via"] == "sales"]
        got = s[["customer_id", "product_code", "open_date"]].astype(str)
        want = pd.DataFrame(
            {
                "customer_id": won["customer_id"].to_numpy(),
                "product_code": won["product_code"].to_numpy(),
                "open_date": day,
            }
        ).astype(str)
        assert (s["account_id"] % 10 == 2).all()
    else:
        orders, lines = world["orders"], world["order_lines"]
        first = int(orders["order_id"].max()) - len(won) + 1
        o = orders[orders["order_id"] >= first]
        assert (o["channel"] == "store").all()
        sku = lines.set_index("order_id").loc[o["order_id"], "product_code"].to_numpy()
        got = pd.DataFrame(
            {
                "customer_id": o["customer_id"].to_numpy(),
                "product_code": sku,
                "open_date": o["order_date"].to_numpy(),
            }
        ).astype(str)
        want = pd.DataFrame(
            {
                "customer_id": won["customer_id"].to_numpy(),
                "product_code": won["product_code"].to_numpy(),
                "open_date": won["closed_at"].dt.floor("s").to_numpy(),
            }
        ).astype(str)
    key = ["customer_id", "product_code", "open_date"]
    pd.testing.assert_frame_equal(
        got.sort_values(key).reset_index(drop=True), want.sort_values(key).reset_index(drop=True)
    )


def test_sales_truth_predicts_the_outcome(world):
    opp = world["sales_opportunities"]
    truth = world.truth["sales_truth"].set_index("lead_id")
    closed = opp[opp["outcome"] != "open"]
    p = truth.loc[closed["lead_id"], "p_win"].to_numpy()
    won = (closed["outcome"] == "won").to_numpy()
    assert p[won].mean() > p[~won].mean()
    assert (truth["p_win"] <= truth["p_qualify"]).all()


# -- lifecycle ----------------------------------------------------------------------------
def test_lifecycle_matches_the_other_tables(world):
    ev, cust = world["lifecycle_events"], world["customers"]
    start, end = world.span()
    acq = ev[ev["event_type"] == "acquisition"].set_index("customer_id")["event_at"]
    inside = cust[(cust["acquisition_date"] >= start) & (cust["acquisition_date"] < end)]
    assert (
        acq.sort_index() == inside.set_index("customer_id")["acquisition_date"].sort_index()
    ).all()
    churn = ev[ev["event_type"] == "churn"].set_index("customer_id")["event_at"]
    truth = world.truth["true_churn"].set_index("customer_id")["churn_date"].dropna()
    truth = truth.dt.floor("s")
    if world.domain == "bank":
        assert churn.sort_index().equals(truth.sort_index().rename("event_at"))
    else:  # only loyalty-card holders announce it
        members = cust.set_index("customer_id")["loyalty_member"]
        assert set(churn.index) == set(truth.index[members.loc[truth.index].to_numpy()])
        assert (churn == truth.loc[churn.index]).all()
    back = ev[ev["event_type"] == "win_back"].set_index("customer_id")["event_at"]
    assert set(back.index) <= set(truth.index)
    assert (back - truth.loc[back.index] >= pd.Timedelta(days=30)).all()
    assert ev["event_at"].is_monotonic_increasing
    # adoptions happen while a customer, after the acquisition
    adopt = ev[ev["event_type"] == "adoption"]
    assert _inside_windows(world, adopt["customer_id"].to_numpy(), adopt["event_at"]).all()


def test_bank_adoptions_are_account_openings(bank):
    ev, acc = bank["lifecycle_events"], bank["accounts"]
    start = bank.span()[0]
    # every account opened in the horizon after acquisition, except a won-back customer's
    # reopened current account, is an adoption
    new = acc[
        (acc["open_date"] >= start)
        & ~acc["opened_via"].isin(["existing", "acquisition", "win_back"])
    ]
    adopt = ev[ev["event_type"] == "adoption"]
    assert len(adopt) == len(new)
    assert sorted(adopt["detail"]) == sorted(new["opened_via"].astype(str))


# -- determinism --------------------------------------------------------------------------
def test_same_seed_same_sources():
    a = generate("retail", n_customers=600, seed=21, months=12)
    b = generate("retail", n_customers=600, seed=21, months=12)
    c = generate("retail", n_customers=600, seed=22, months=12)
    for name in SOURCE_TABLES:
        pd.testing.assert_frame_equal(a[name], b[name])
    for name in SOURCE_TRUTH:
        pd.testing.assert_frame_equal(a.truth[name], b.truth[name])
    assert not a["web_sessions"].equals(c["web_sessions"])


def test_chunking_and_threads_do_not_change_the_sources(monkeypatch):
    import ecrm_lab.world._context as context

    monkeypatch.setattr(context, "BLOCK_SIZE", 250)
    one = generate("bank", n_customers=900, seed=4, months=12, n_jobs=1)
    two = generate("bank", n_customers=900, seed=4, months=12, n_jobs=3)
    for name in SOURCE_TABLES + ("accounts",):
        pd.testing.assert_frame_equal(one[name], two[name])
    for name in SOURCE_TRUTH:
        pd.testing.assert_frame_equal(one.truth[name], two.truth[name])


def test_modules_expose_generate():
    for mod in (web, service, sales, lifecycle):
        assert callable(mod.generate)


def test_behavioural_functions_of_the_sources(bank):
    """The behavioural functions the sources draw from use only the traits and give
    sensible values."""
    traits = bank.truth["customer_traits"]
    distress = traits["service_distress"].to_numpy()
    assert web.INTENTS == behaviour.SESSION_INTENTS
    for k, name in enumerate(behaviour.SESSION_INTENTS):
        assert (behaviour.repeat_visit_rate(traits, k) >= 0).all()
        assert (behaviour.extra_page_views(traits, name) > 0).all()
        np.testing.assert_array_equal(
            behaviour.extra_page_views(traits, k), behaviour.extra_page_views(traits, name)
        )
    distressed = behaviour.extra_page_views(traits, "distressed")
    assert np.corrcoef(distressed, distress)[0, 1] > 0.99
    p = behaviour.abandon_probability(traits)
    assert ((p >= 0.1) & (p <= 0.4)).all()
    f = behaviour.stage_duration_factor(traits)
    assert ((f >= 0.7) & (f <= 1.3)).all()
    p = behaviour.web_account_probability(traits)
    digital = traits["channel_pref"].isin(["web", "mobile"]).to_numpy()
    assert p[digital].mean() > p[~digital].mean()
