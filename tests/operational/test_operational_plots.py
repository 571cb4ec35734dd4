"""Every operational result draws on the Axes it is given (smoke test, Agg backend)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from ecrm_lab.operational import (  # noqa: E402
    Campaign,
    CampaignPlan,
    SelfService,
    compare_campaigns,
    compare_channels,
    compare_targeting,
    deflection,
    evaluate_uplift,
    hourly_staffing,
    plan_contacts,
    proactive_chat,
    service_retention,
    simulate_funnel,
    simulate_queue,
    simulate_requests,
    simulate_sessions,
    staffing,
    true_treatment_effect,
)
from ecrm_lab.world import behaviour  # noqa: E402


@pytest.fixture(scope="module")
def small(bank_traits):
    return bank_traits.head(5000)


def _results(small, bank_audience):
    aud = bank_audience.head(5000)
    res = Campaign(CampaignPlan("credit_card"), aud, random_state=0).approve().execute(small)
    res = res.measure()
    te = true_treatment_effect(small, "credit_card", "email")
    pt = behaviour.take_up_probability(small, "credit_card", True, "email")
    y = np.random.default_rng(0).random(len(te)) < pt
    t = np.arange(len(te)) % 2 == 0
    funnel = simulate_funnel(small, months=6, random_state=0)
    req = simulate_requests(small, days=7, random_state=0)
    calls = req.loc[req["channel"] == "phone", "opened_at"]
    sess = simulate_sessions(small.head(1500), days=7, random_state=0)
    return [
        res,
        compare_campaigns({"a": res, "b": res}),
        plan_contacts(
            small["customer_id"],
            te,
            margin_per_take_up=64.0,
            cost_per_contact=0.05,
            budget=50.0,
            true_uplift=te,
        ),
        compare_channels(small, "credit_card"),
        evaluate_uplift(y, t, {"response": pt}, true_effect=te),
        compare_targeting(
            {"response": pt},
            true_effect=te,
            p_treated=pt,
            uplift_class=small["uplift_class"],
            cost_per_contact=0.05,
            margin_per_take_up=64.0,
        ),
        funnel,
        funnel.what_if(),
        deflection(req, small, SelfService.default("bank"), random_state=0),
        staffing(60, 5.0),
        simulate_queue(
            calls, handle_minutes=8.0, agents=hourly_staffing(calls, 8.0)["agents"].to_numpy()
        ),
        proactive_chat(sess, small, random_state=0),
        service_retention(small, (0.0, 0.2)),
    ]


def test_every_result_plots_on_the_given_axes(small, bank_audience):
    for result in _results(small, bank_audience):
        fig, ax = plt.subplots()
        out = result.plot(ax=ax)
        assert out is ax, type(result).__name__
        assert isinstance(result.summary(), pd.DataFrame)
        assert type(result).__name__ in repr(result) or result.title in repr(result)
        plt.close(fig)
    fig, ax = plt.subplots()
    ev = _results(small, bank_audience)[4]
    assert ev.plot(ax=ax, kind="true") is ax
    with pytest.raises(ValueError, match="'kind' parameter of plot_uplift_curves"):
        ev.plot(ax=ax, kind="pie")
    plt.close(fig)
