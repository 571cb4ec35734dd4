"""Offer engines on tiny matrices with answers known by hand."""

import numpy as np
import pandas as pd
import pytest

from ecrm_lab.engines import (
    HybridRanker,
    InteractionMatrix,
    ItemItemCF,
    Offers,
    PopularityRecommender,
    PropensityRecommender,
    Rule,
    RuleEngine,
    evaluate_offers,
    interaction_matrix,
    top_k,
)
from ecrm_lab.exceptions import DataError, InvalidParameterError, NotFittedError


@pytest.fixture()
def owned():
    # 1: {a, b}; 2: {a, b}; 3: {a, c}; 4: {a}; 5: nothing
    df = pd.DataFrame(
        {"customer_id": [1, 1, 2, 2, 3, 3, 4], "item": ["a", "b", "a", "b", "a", "c", "a"]}
    )
    return interaction_matrix(df, customer_ids=[1, 2, 3, 4, 5], items=["a", "b", "c"])


def test_interaction_matrix_counts_and_binary():
    df = pd.DataFrame({"customer_id": [2, 2, 1], "item": ["x", "x", "y"], "qty": [1, 3, 5]})
    m = interaction_matrix(df, weight_col="qty", binary=False)
    assert m.items == ("x", "y")
    assert m.customer_ids.tolist() == [1, 2]
    assert m.matrix.toarray().tolist() == [[0, 5], [4, 0]]
    assert interaction_matrix(df).matrix.toarray().tolist() == [[0, 1], [1, 0]]


def test_interaction_matrix_unknown_ids_are_named():
    df = pd.DataFrame({"customer_id": [1, 9], "item": ["x", "x"]})
    with pytest.raises(DataError, match="customer id that is not in customer_ids .* 9"):
        interaction_matrix(df, customer_ids=[1, 2])
    m = interaction_matrix(df, customer_ids=[1, 2], drop_unknown=True)
    assert m.nnz == 1
    with pytest.raises(DataError, match="item that is not in items .*'x'"):
        interaction_matrix(df, items=["y"])
    with pytest.raises(DataError, match="column 'item' not found"):
        interaction_matrix(df.rename(columns={"item": "sku"}))


def test_minus_gives_new_items(owned):
    later = interaction_matrix(
        pd.DataFrame({"customer_id": [1, 1, 1, 4], "item": ["a", "b", "c", "b"]}),
        customer_ids=owned.customer_ids,
        items=owned.items,
    )
    new = later.minus(owned)
    assert new.to_frame()[["customer_id", "item"]].values.tolist() == [[1, "c"], [4, "b"]]


def test_top_k_ties_and_padding():
    idx, sc = top_k(np.array([[0.2, 0.9, 0.9, -np.inf], [-np.inf, -np.inf, 1.0, np.nan]]), 3)
    assert idx.tolist() == [[1, 2, 0], [2, -1, -1]]
    assert np.isnan(sc[1, 1:]).all()
    # the partition path (many columns) agrees with a full stable sort, ties included
    rng = np.random.default_rng(0)
    s = rng.integers(0, 5, size=(200, 60)).astype(float)
    idx2, _ = top_k(s, 7)
    assert np.array_equal(idx2, np.argsort(-s, axis=1, kind="stable")[:, :7])


def test_item_item_cosine_by_hand(owned):
    cf = ItemItemCF().fit(owned)
    sim = cf.similarity_frame()
    assert sim.loc["a", "b"] == pytest.approx(2 / np.sqrt(4 * 2))
    assert sim.loc["a", "c"] == pytest.approx(1 / np.sqrt(4 * 1))
    assert sim.loc["b", "c"] == 0.0
    assert np.allclose(np.diag(sim), 0.0)
    offers = cf.recommend(owned, k=2)
    first = offers.first()
    assert first[4] == "b"  # holds a: b (0.71) beats c (0.5)
    assert first[3] == "b"
    assert first[1] == "c"
    # nobody is offered what they hold; customer 5 (cold start) gets the most popular items
    held = owned.dense_bool()
    got = offers.index
    for row in range(5):
        assert not any(held[row, j] for j in got[row] if j >= 0)
    assert offers.for_customer(5)["offer"].tolist() == ["a", "b"]


def test_cf_shrinkage_and_neighbours(owned):
    plain = ItemItemCF().fit(owned).similarity_frame()
    shrunk = ItemItemCF(shrinkage=2.0).fit(owned).similarity_frame()
    assert shrunk.loc["a", "b"] == pytest.approx(plain.loc["a", "b"] * 2 / (2 + 2))
    one = ItemItemCF(n_neighbours=1).fit(owned).similarity_frame()
    assert (one.to_numpy() > 0).sum(axis=0).max() == 1


def test_recommend_does_not_depend_on_block_size(owned):
    rng = np.random.default_rng(3)
    dense = rng.random((300, 40)) < 0.1
    rows, cols = np.nonzero(dense)
    big = interaction_matrix(
        pd.DataFrame({"customer_id": rows + 1, "item": cols.astype(str)}),
        customer_ids=np.arange(1, 301),
        items=[str(j) for j in range(40)],
    )
    cf = ItemItemCF().fit(big)
    a = cf.recommend(big, k=5, block_size=7)
    b = cf.recommend(big, k=5)
    assert np.array_equal(a.index, b.index)
    threads = cf.recommend(big, k=5, block_size=16, n_jobs=2)
    assert np.array_equal(threads.index, b.index)
    assert np.allclose(a.scores, b.scores, equal_nan=True)
    # sparse similarity path gives the same ranking
    c = ItemItemCF(dense_items=1).fit(big).recommend(big, k=5)
    assert np.array_equal(c.index, b.index)


def test_popularity(owned):
    pop = PopularityRecommender().fit(owned)
    assert pop.popularity_.to_dict() == {"a": 0.8, "b": 0.4, "c": 0.2}
    assert pop.recommend(owned, k=1).first().tolist() == ["c", "c", "b", "b", "a"]


def test_rules_priorities_and_reasons(owned):
    view = pd.DataFrame({"customer_id": [1, 2, 3, 4, 5], "age": [25, 40, 70, 30, 50]})
    rules = [
        Rule("young_c", "age < 35", "c", priority=1),
        Rule("senior_b", lambda v: v["age"] >= 65, "b", priority=2),
        Rule("no_a_gets_a", "not holds_a", "a", priority=5),
    ]
    eng = RuleEngine(rules).fit(owned, view)
    frame = eng.recommend(owned, view, k=3).to_frame()
    got = {(r.customer_id, r.offer): r.reason for r in frame.itertuples()}
    assert got == {
        (1, "c"): "young_c",
        (3, "b"): "senior_b",
        (4, "c"): "young_c",
        (5, "a"): "no_a_gets_a",
    }
    cov = eng.coverage(owned, view).set_index("rule")
    assert cov.loc["young_c", "fires_for"] == 2
    assert cov.loc["young_c", "eligible"] == 2


def test_rule_errors(owned):
    view = pd.DataFrame({"customer_id": [1, 2, 3, 4, 5], "age": [25, 40, 70, 30, 50]})
    with pytest.raises(DataError, match="Rule 'bad'.*cannot evaluate"):
        RuleEngine([Rule("bad", "income > 3", "a")]).fit(owned, view).recommend(owned, view)
    with pytest.raises(DataError, match="rule offer 'zzz' is not an item"):
        RuleEngine([Rule("r", "age > 1", "zzz")]).fit(owned, view)
    with pytest.raises(DataError, match="names must be unique"):
        RuleEngine([Rule("r", "age > 1", "a"), Rule("r", "age > 2", "b")])
    with pytest.raises(DataError, match="needs the customer view"):
        RuleEngine([Rule("r", "age > 1", "a")]).fit(owned)
    with pytest.raises(DataError, match="missing from the customer view"):
        RuleEngine([Rule("r", "age > 1", "a")]).fit(owned, view.iloc[:3])


def test_engine_parameter_and_state_errors(owned):
    with pytest.raises(InvalidParameterError, match="'k' parameter of ItemItemCF.recommend"):
        ItemItemCF().fit(owned).recommend(owned, k=0)
    with pytest.raises(InvalidParameterError, match="'shrinkage' parameter of ItemItemCF"):
        ItemItemCF(shrinkage=-1.0)
    with pytest.raises(NotFittedError, match="not fitted"):
        ItemItemCF().recommend(owned)
    other = InteractionMatrix(owned.matrix[:, :2], owned.customer_ids, ("a", "b"))
    with pytest.raises(DataError, match="same items in the same order"):
        ItemItemCF().fit(owned).recommend(other)


def test_hybrid_rules_first_then_cf(owned):
    view = pd.DataFrame({"customer_id": [1, 2, 3, 4, 5], "age": [25, 40, 70, 30, 50]})
    hy = HybridRanker(
        {"rules": RuleEngine([Rule("young_c", "age < 35", "c")]), "cf": ItemItemCF()},
        weights={"rules": 10.0},
    ).fit(owned, view)
    offers = hy.recommend(owned, view, k=2)
    f4 = offers.for_customer(4)
    assert f4["offer"].tolist() == ["c", "b"]  # rule wins over CF's first choice b
    assert f4["reason"].tolist() == ["rules: young_c", "cf"]
    assert offers.for_customer(2)["reason"].tolist() == ["cf"]


def test_evaluate_offers_by_hand(owned):
    heldout = interaction_matrix(
        pd.DataFrame({"customer_id": [3, 4, 4], "item": ["b", "c", "b"]}),
        customer_ids=owned.customer_ids,
        items=owned.items,
    )
    index = np.array([[2, -1], [2, -1], [1, -1], [2, 1], [0, 1]], dtype=np.int32)
    offers = Offers(
        "hand", owned.customer_ids, owned.items, index, np.ones(index.shape, np.float32), k=2
    )
    ev = evaluate_offers(offers, heldout, k=(1, 2))
    t = ev.at(1)
    # evaluated: customers 3 (new b) and 4 (new b, c); top-1: 3 -> b hit, 4 -> c hit
    assert ev.n_evaluated == 2
    assert t.loc["hand", "hit_rate"] == 1.0
    assert t.loc["hand", "recall"] == pytest.approx((1 / 1 + 1 / 2) / 2)
    t2 = ev.at(2)
    assert t2.loc["hand", "precision"] == pytest.approx((1 / 2 + 2 / 2) / 2)
    with pytest.raises(DataError, match="only 2 offers per customer"):
        evaluate_offers(offers, heldout, k=3)


def test_propensity_model_finds_planted_signal():
    rng = np.random.default_rng(0)
    n = 600
    x = rng.normal(size=n)
    holds_b = rng.random(n) < 1 / (1 + np.exp(-3 * x))
    rows = [(i + 1, "a") for i in range(n)] + [(i + 1, "b") for i in np.flatnonzero(holds_b)]
    rows += [(i + 1, "c") for i in np.flatnonzero(rng.random(n) < 0.3)]
    owned = interaction_matrix(
        pd.DataFrame(rows, columns=["customer_id", "item"]), customer_ids=np.arange(1, n + 1)
    )
    view = pd.DataFrame({"customer_id": np.arange(1, n + 1), "x": x, "noise": rng.normal(size=n)})
    eng = PropensityRecommender(random_state=1).fit(owned, view)
    assert eng.models_.loc["a", "scored_by"] == "base rate"
    assert eng.models_.loc["b", "roc_auc"] > 0.8
    scores = eng.score(owned, view)
    assert np.corrcoef(scores[:, 1], x)[0, 1] > 0.8
    again = PropensityRecommender(random_state=1).fit(owned, view).score(owned, view)
    assert np.array_equal(scores, again)


def test_offers_result_shape(owned):
    offers = ItemItemCF().fit(owned).recommend(owned, k=2)
    s = offers.summary()
    assert s["best_offer"].sum() == 5
    assert "Top-2 offers" in repr(offers)
    assert offers.offer_matrix().sum() == (offers.index >= 0).sum()
    with pytest.raises(DataError, match="customer 99"):
        offers.for_customer(99)
