"""Every engine result draws itself, summarises itself and is deterministic for a seed."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from ecrm_lab import engines  # noqa: E402
from ecrm_lab.world import generate  # noqa: E402


@pytest.fixture(scope="module")
def world():
    return generate("retail", n_customers=300, seed=5)


@pytest.fixture(scope="module")
def data(world):
    return engines.offer_data(world)


@pytest.fixture(scope="module")
def cmp(data):
    return engines.compare_engines(data, k=(1, 2))


def test_results_summarise_and_plot(world, data, cmp):
    ledger = engines.consent_ledger(world)
    consent = ledger.state(at=data.cutoff, customer_ids=data.owned.customer_ids)
    quality = engines.email_list_quality(
        world["customers"], bounced=engines.email_bounces(world)["email"]
    )
    plan = engines.choose_channel(consent, addressable=engines.addressable(world, quality))
    msgs = engines.broadcast_messages(plan, data.cutoff, offers=cmp.offers["hybrid"].first())
    cap = engines.frequency_cap(pd.concat([msgs, msgs], ignore_index=True), max_messages=1)
    gate = engines.gate_messages(msgs, ledger)
    report = engines.TransactionEngine(ledger).send(msgs)
    visitor = int(engines.recent_visitors(world, days=60).index[0])
    page = engines.self_service_page(world, visitor, offers=cmp.offers["hybrid"], days=60)
    plans = engines.mailing_plans(world, data, engine=cmp.engines["propensity_model"])
    mailing = engines.compare_mailings(plans, data.traits)
    results = [
        cmp,
        cmp.evaluation,
        cmp.offers["rules"],
        data,
        ledger,
        quality,
        plan,
        engines.channel_reach(consent),
        cap,
        gate,
        report,
        page,
        mailing,
    ]
    for res in results:
        table = res.summary()
        assert isinstance(table, pd.DataFrame) and len(table)
        assert repr(res) and res._repr_html_().startswith("<p><b>")
        fig, ax = plt.subplots()
        assert res.plot(ax=ax) is ax
        plt.close(fig)


def test_same_seed_same_offers_and_outcomes(world, data, cmp):
    fresh = {
        "item_item_cf": engines.ItemItemCF(),
        "propensity_model": engines.PropensityRecommender(drop=engines.HOLDING_AGGREGATES),
    }
    b = engines.compare_engines(engines.offer_data(world), fresh, k=(1, 2))
    for name in fresh:
        assert np.array_equal(cmp.offers[name].index, b.offers[name].index)
        pd.testing.assert_frame_equal(
            cmp.evaluation.at(2).loc[[name]], b.evaluation.at(2).loc[[name]]
        )
    plans = engines.mailing_plans(
        world, data, engine=cmp.engines["propensity_model"], with_ceiling=False
    )
    one = engines.compare_mailings(plans, data.traits, random_state=3).table
    two = engines.compare_mailings(plans, data.traits, random_state=3).table
    pd.testing.assert_frame_equal(one, two)
