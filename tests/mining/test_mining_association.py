from __future__ import annotations

import json
import math
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import scipy.sparse as sp  # noqa: E402

from ecrm_lab.exceptions import DataError, InvalidParameterError  # noqa: E402
from ecrm_lab.mining import (  # noqa: E402
    association_rules,
    frequent_itemsets,
    make_baskets,
    pair_counts,
    planted_rule_recall,
    prune_redundant,
    recommend,
    sequential_patterns,
)

# The textbook market-basket example (Tan, Steinbach & Kumar, Introduction to Data Mining).
TEXTBOOK = [
    ["bread", "milk"],
    ["bread", "diapers", "beer", "eggs"],
    ["milk", "diapers", "beer", "cola"],
    ["bread", "milk", "diapers", "beer"],
    ["bread", "milk", "diapers", "cola"],
]
METRICS = ["support", "confidence", "lift", "leverage", "conviction"]


def long_table(baskets: list[list[str]]) -> pd.DataFrame:
    rows = [(i + 1, item) for i, b in enumerate(baskets) for item in b]
    return pd.DataFrame(rows, columns=["basket", "item"])


def rule(res, ante: set, cons: set) -> pd.Series:
    r = res.rules
    hit = r[(r["antecedents"] == frozenset(ante)) & (r["consequents"] == frozenset(cons))]
    assert len(hit) == 1, f"rule {ante} -> {cons} not found"
    return hit.iloc[0]


def as_dict(rules: pd.DataFrame) -> dict:
    return {
        (frozenset(a), frozenset(c)): tuple(m)
        for a, c, *m in rules[["antecedents", "consequents", *METRICS]].itertuples(index=False)
    }


# --- hand-computed answers ----------------------------------------------------------------------
@pytest.mark.parametrize("algorithm", ["sparse", "fpgrowth", "apriori"])
def test_textbook_rules_by_hand(algorithm):
    res = association_rules(
        long_table(TEXTBOOK),
        transaction="basket",
        item="item",
        min_support=0.4,
        min_confidence=0.6,
        algorithm=algorithm,
    )
    assert res.n_baskets == 5 and res.n_items == 6
    sup = dict(zip(res.itemsets["itemsets"], res.itemsets["support"], strict=True))
    assert sup[frozenset({"bread"})] == 0.8 and sup[frozenset({"beer"})] == 0.6
    assert sup[frozenset({"milk", "diapers", "beer"})] == 0.4
    assert frozenset({"eggs"}) not in sup  # 1 of 5 baskets
    # beer -> diapers: every beer basket has diapers
    r = rule(res, {"beer"}, {"diapers"})
    assert (r["support"], r["confidence"]) == (0.6, 1.0)
    assert r["lift"] == pytest.approx(1.25) and r["leverage"] == pytest.approx(0.6 - 0.6 * 0.8)
    assert math.isinf(r["conviction"])
    # diapers -> beer: 3 of 4 diapers baskets
    r = rule(res, {"diapers"}, {"beer"})
    assert r["confidence"] == 0.75 and r["conviction"] == pytest.approx(0.4 / 0.25)
    # the book's {milk, diapers} -> {beer}: s = 0.4, c = 0.67
    r = rule(res, {"milk", "diapers"}, {"beer"})
    assert r["support"] == 0.4 and r["confidence"] == pytest.approx(2 / 3)
    assert r["lift"] == pytest.approx((2 / 3) / 0.6)
    # milk -> beer has confidence 0.5 < 0.6
    assert not ((res.rules["antecedents"] == frozenset({"milk"}))
                & (res.rules["consequents"] == frozenset({"beer"}))).any()  # fmt: skip
    # sorted by lift, strongest first
    assert np.all(np.diff(res.rules["lift"].to_numpy()) <= 1e-12)


def test_all_inputs_give_the_same_baskets():
    long = long_table(TEXTBOOK)
    items = sorted({i for b in TEXTBOOK for i in b})
    onehot = pd.DataFrame([[int(i in b) for i in items] for b in TEXTBOOK], columns=items).assign(
        basket=[10, 20, 30, 40, 50]
    )
    a = make_baskets(long, transaction="basket", item="item")
    b = make_baskets(onehot, id_col="basket")
    c = make_baskets(sp.csr_matrix(a.matrix), items=list(a.items))
    for other in (b, c):
        assert list(other.items) == list(a.items)
        assert (other.matrix != a.matrix).nnz == 0
    assert b.basket_ids.tolist() == [10, 20, 30, 40, 50]
    r1 = association_rules(long, transaction="basket", item="item", min_support=0.4)
    r2 = association_rules(onehot, id_col="basket", min_support=0.4)
    assert as_dict(r1.rules) == as_dict(r2.rules)


def test_long_table_counts_repeats_once_and_drops_missing():
    tx = pd.DataFrame({"t": [1, 1, 1, 2, None], "i": ["a", "a", "b", "a", "b"]})
    b = make_baskets(tx, transaction="t", item="i")
    assert b.matrix.toarray().tolist() == [[True, True], [True, False]]
    assert "1 rows with a missing" in b.notes[0]


def test_onehot_table_accepts_counts_and_missing_values():
    df = pd.DataFrame({"a": [2, 0, np.nan], "b": [True, False, True], "c": [0.0, 1.0, 0.0]})
    b = make_baskets(df)
    assert b.matrix.toarray().tolist() == [[True, True, False], [False, False, True],
                                            [False, True, False]]  # fmt: skip
    assert "1 missing values" in b.notes[0]


def test_onehot_table_rejects_text_and_negative_columns():
    with pytest.raises(DataError, match="column 'name' is not 0/1.*--transaction"):
        make_baskets(pd.DataFrame({"a": [1, 0], "name": ["x", "y"]}))
    with pytest.raises(DataError, match="item column 'a' has negative values"):
        make_baskets(pd.DataFrame({"a": [1, -1]}))
    with pytest.raises(DataError, match="column 'basket' not found"):
        make_baskets(pd.DataFrame({"t": [1]}), transaction="basket", item="t")


# --- the sparse path returns exactly mlxtend's rules ----------------------------------------------
def random_baskets(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(50, 400)), int(rng.integers(4, 14))
    X = rng.random((n, m)) < rng.uniform(0.05, 0.6, m)
    # plant a correlated pair and triple so that longer itemsets exist
    X[:, 1] |= X[:, 0] & (rng.random(n) < 0.7)
    X[:, 2] |= X[:, 0] & X[:, 1] & (rng.random(n) < 0.6)
    return pd.DataFrame(X, columns=[f"item{j:02d}" for j in range(m)])


def mlxtend_rules(df, min_support, min_confidence, max_len, algorithm):
    from mlxtend.frequent_patterns import apriori, fpgrowth
    from mlxtend.frequent_patterns import association_rules as mlx_rules

    fn = apriori if algorithm == "apriori" else fpgrowth
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fi = fn(df, min_support=min_support, use_colnames=True, max_len=max_len)
        if len(fi) == 0:
            return fi, pd.DataFrame(columns=["antecedents", "consequents", *METRICS])
        return fi, mlx_rules(fi, num_itemsets=len(df), metric="confidence",
                             min_threshold=min_confidence)  # fmt: skip


CASES = [  # seed, min_support, min_confidence, max_len
    (0, 0.05, 0.3, None),
    (1, 0.02, 0.0, None),
    (2, 0.1, 0.5, 2),
    (3, 0.03, 0.6, 3),
    (4, 0.2, 0.1, None),
    (5, 0.07, 0.4, None),
    (6, 0.01, 0.8, 4),
    (7, 0.15, 0.0, 1),
    (8, 0.04, 0.25, 2),
    (9, 0.6, 0.5, None),
]


@pytest.mark.parametrize("seed,min_support,min_confidence,max_len", CASES)
def test_sparse_rules_equal_mlxtend(seed, min_support, min_confidence, max_len):
    df = random_baskets(seed)
    ours = association_rules(df, min_support=min_support, min_confidence=min_confidence,
                             max_len=max_len)  # fmt: skip
    fi, ref = mlxtend_rules(df, min_support, min_confidence, max_len, "apriori")
    # the same itemsets with the same supports, the same rules with bit-identical metrics
    assert dict(zip(ours.itemsets["itemsets"], ours.itemsets["support"], strict=True)) == dict(
        zip(fi["itemsets"], fi["support"], strict=True)
    )
    assert as_dict(ours.rules) == as_dict(ref)
    if max_len is not None:
        assert ours.itemsets["length"].max() <= max_len
    # fpgrowth agrees whenever min_support * n has no floating-point rounding
    n = len(df)
    if math.ceil(min_support * n) == min(c for c in range(n + 1) if c / n >= min_support):
        _, ref_fp = mlxtend_rules(df, min_support, min_confidence, max_len, "fpgrowth")
        assert as_dict(ours.rules) == as_dict(ref_fp)
        via = association_rules(df, min_support=min_support, min_confidence=min_confidence,
                                max_len=max_len, algorithm="fpgrowth")  # fmt: skip
        assert as_dict(via.rules) == as_dict(ours.rules)


def test_equality_cases_reach_long_itemsets():
    # the comparison above covers the candidate-generation path (itemsets of 3+ items)
    res = association_rules(random_baskets(1), min_support=0.02, min_confidence=0.0)
    assert res.itemsets["length"].max() >= 4
    assert (res.rules["antecedents"].map(len) >= 2).any()


def test_support_exactly_at_the_threshold_is_kept():
    # 0.07 * 100 = 7.000000000000001 in floating point; 7 / 100 >= 0.07 is still true
    X = np.zeros((100, 2), dtype=bool)
    X[:7, :] = True
    df = pd.DataFrame(X, columns=["a", "b"])
    res = association_rules(df, min_support=0.07, min_confidence=0.5)
    assert frozenset({"a", "b"}) in set(res.itemsets["itemsets"])
    assert len(res.rules) == 2
    res = association_rules(df, min_support=0.0701, min_confidence=0.5)
    assert len(res.itemsets) == 0 and len(res.rules) == 0


def test_pair_counts_equal_brute_force():
    df = random_baskets(12)
    X = df.to_numpy().astype(int)
    pc = pair_counts(df, min_support=0.01)
    co = X.T @ X
    n = len(df)
    names = list(df.columns)
    expect = {
        (names[a], names[b]): co[a, b]
        for a in range(len(names))
        for b in range(a + 1, len(names))
        if co[a, b] / n >= 0.01 and co[a, a] / n >= 0.01 and co[b, b] / n >= 0.01
    }
    got = dict(zip(zip(pc["item_a"], pc["item_b"], strict=True), pc["count"], strict=True))
    assert got == expect
    row = pc.iloc[0]
    a, b = names.index(row["item_a"]), names.index(row["item_b"])
    assert row["lift"] == pytest.approx((co[a, b] / n) / ((co[a, a] / n) * (co[b, b] / n)))


def test_max_len_two_gives_item_to_item_rules_only():
    res = association_rules(random_baskets(3), min_support=0.02, min_confidence=0.1, max_len=2)
    assert res.itemsets["length"].max() == 2
    assert (res.rules["antecedents"].map(len) == 1).all()
    assert (res.rules["consequents"].map(len) == 1).all()


def test_frequent_itemsets_function_and_parameter_checks():
    fi = frequent_itemsets(long_table(TEXTBOOK), 0.6, transaction="basket", item="item")
    assert set(fi["itemsets"]) == {frozenset({x}) for x in ("bread", "milk", "diapers", "beer")} | {
        frozenset({"bread", "milk"}), frozenset({"bread", "diapers"}),
        frozenset({"milk", "diapers"}), frozenset({"diapers", "beer"}),
    }  # fmt: skip
    assert fi["count"].tolist()[:4] == [4, 4, 4, 3]
    with pytest.raises(
        InvalidParameterError,
        match=r"'min_support' parameter of associate must be a float in \(0, 1\]",
    ):
        association_rules(long_table(TEXTBOOK), transaction="basket", item="item", min_support=1.5)
    with pytest.raises(InvalidParameterError, match="'algorithm' parameter"):
        association_rules(
            long_table(TEXTBOOK), transaction="basket", item="item", algorithm="eclat"
        )
    with pytest.raises(DataError, match="needs both a transaction column and an item column"):
        association_rules(long_table(TEXTBOOK), transaction="basket")


# --- pruning, recommendations, truth -----------------------------------------------------------
def test_prune_redundant_rules():
    res = association_rules(long_table(TEXTBOOK), transaction="basket", item="item",
                            min_support=0.4, min_confidence=0.6)  # fmt: skip
    pruned = res.prune()
    kept = as_dict(pruned.rules)
    # {milk, beer} -> diapers (conf 1) adds nothing to beer -> diapers (conf 1)
    assert (frozenset({"milk", "beer"}), frozenset({"diapers"})) not in kept
    # {milk, diapers} -> beer (2/3) is worse than diapers -> beer (3/4)
    assert (frozenset({"milk", "diapers"}), frozenset({"beer"})) not in kept
    # {diapers, beer} -> milk (2/3) is worse than diapers -> milk (3/4)
    assert (frozenset({"diapers", "beer"}), frozenset({"milk"})) not in kept
    # single-item antecedents always stay
    assert (pruned.rules["antecedents"].map(len) == 1).sum() == (
        res.rules["antecedents"].map(len) == 1
    ).sum()
    assert pruned.rules["improvement"].gt(0).all()
    assert "redundant rules pruned" in pruned.notes[-1]


def test_prune_uses_itemsets_for_simpler_rules_below_min_confidence():
    # a -> c and b -> c have confidence 3/6 (below 0.6: not in the table); {a, b} -> c has 2/3
    baskets = [["a", "b", "c"], ["a", "b", "c"], ["a", "b"], ["a", "c"], ["a"], ["a"],
               ["b", "c"], ["b"], ["b"]]  # fmt: skip
    res = association_rules(long_table(baskets), transaction="basket", item="item",
                            min_support=0.2, min_confidence=0.6)  # fmt: skip
    key = (frozenset({"a", "b"}), frozenset({"c"}))
    assert as_dict(res.rules)[key][1] == pytest.approx(2 / 3)
    with_itemsets = prune_redundant(res.rules, res.itemsets, min_improvement=0.2)
    without = prune_redundant(res.rules, None, min_improvement=0.2)
    assert key not in as_dict(with_itemsets)  # improvement 2/3 - 1/2 = 1/6 <= 0.2
    assert key in as_dict(without)  # no simpler rule known: improvement 2/3
    imp = without.set_index(["antecedents", "consequents"])["improvement"]
    assert imp[key] == pytest.approx(2 / 3)


def test_recommend_hand_example():
    res = association_rules(long_table(TEXTBOOK), transaction="basket", item="item",
                            min_support=0.4, min_confidence=0.6)  # fmt: skip
    holdings = pd.DataFrame({"customer_id": [1, 2, 2, 3],
                             "item": ["beer", "diapers", "beer", "caviar"]})  # fmt: skip
    rec = res.recommend(holdings, customer="customer_id", item="item", top_n=2)
    one = rec.for_customer(1)
    # beer -> diapers has confidence 1
    assert one["item"].tolist()[0] == "diapers" and one["score"].iloc[0] == 1.0
    two = rec.for_customer(2)
    assert "beer" not in set(two["item"]) and "diapers" not in set(two["item"])
    # {diapers, beer} -> milk (2/3) vs diapers -> bread / milk (3/4): the best rule per item wins
    assert two["score"].iloc[0] == pytest.approx(0.75)
    assert rec.for_customer(3).empty  # caviar is in no rule
    assert rec.table["rank"].max() <= 2
    assert set(rec.summary()["item"]) <= {"bread", "milk", "diapers", "beer", "cola"}


def test_recommend_with_no_rules():
    empty = association_rules(long_table(TEXTBOOK), transaction="basket", item="item",
                              min_support=0.9)  # fmt: skip
    rec = recommend(empty.rules, pd.DataFrame({"customer_id": [1], "item": ["beer"]}))
    assert rec.table.empty


def test_planted_rule_recall():
    res = association_rules(long_table(TEXTBOOK), transaction="basket", item="item",
                            min_support=0.4, min_confidence=0.6)  # fmt: skip
    planted = pd.DataFrame({"antecedent": ["beer", "milk,diapers", "cola"],
                            "consequent": ["diapers", "beer", "eggs"]})  # fmt: skip
    s = res.planted_recall(planted)
    assert s["recall"] == pytest.approx(2 / 3)
    assert s.detail["found"].tolist() == [True, True, False]
    assert s.detail["rank"].iloc[0] >= 1
    reversed_ = pd.DataFrame({"antecedent": [["diapers"]], "consequent": [["beer", "milk"]]})
    assert planted_rule_recall(res.rules, reversed_)["recall"] == 0.0
    assert planted_rule_recall(res.rules, reversed_, match="either_direction")["recall"] == 1.0


def test_rule_records_are_valid_json():
    res = association_rules(long_table(TEXTBOOK), transaction="basket", item="item",
                            min_support=0.4, min_confidence=0.6)  # fmt: skip
    recs = res.to_records()
    text = json.dumps(recs, allow_nan=False)
    first = json.loads(text)[0]
    assert set(first) == {"antecedents", "consequents", *METRICS}
    assert any(r["conviction"] is None for r in recs)  # confidence 1 -> infinite conviction
    assert all(isinstance(r["antecedents"], list) for r in recs)


# --- sequences -------------------------------------------------------------------------------
def test_sequential_patterns_hand_example():
    day = pd.Timestamp("2024-01-01")
    ev = pd.DataFrame(
        [
            ("c1", 0, "A"), ("c1", 5, "B"),             # A then B within 30 days
            ("c2", 0, "A"), ("c2", 40, "B"),            # too late
            ("c3", 0, "B"), ("c3", 3, "A"),             # the other order
            ("c4", 0, "A"), ("c4", 0, "B"),             # same day: not a sequence
            ("c5", 10, "A"), ("c5", 12, "C"), ("c5", 20, "B"),
        ],
        columns=["customer", "day", "item"],
    )  # fmt: skip
    ev["date"] = day + pd.to_timedelta(ev["day"], "D")
    res = sequential_patterns(ev, customer="customer", date="date", item="item",
                              window_days=30, min_support=0.2)  # fmt: skip
    p = res.patterns.set_index(["antecedent", "consequent"])
    assert p.loc[("A", "B"), "n_customers"] == 2  # c1 and c5
    assert p.loc[("A", "B"), "support"] == pytest.approx(0.4)
    assert p.loc[("A", "B"), "confidence"] == pytest.approx(0.4)  # all 5 bought A
    assert p.loc[("A", "B"), "median_gap_days"] == pytest.approx(7.5)  # gaps 5 and 10
    assert p.loc[("B", "A"), "n_customers"] == 1
    assert p.loc[("A", "C"), "n_customers"] == 1 and p.loc[("C", "B"), "n_customers"] == 1
    assert p.loc[("C", "B"), "lift"] == pytest.approx(1.0)  # every customer bought B
    # chunking does not change the answer
    small = sequential_patterns(ev, customer="customer", date="date", item="item",
                                window_days=30, min_support=0.2, max_pairs_per_chunk=1000)  # fmt: skip
    pd.testing.assert_frame_equal(small.patterns, res.patterns)
    s = res.planted_recall(pd.DataFrame({"antecedent": ["A", "B"], "consequent": ["B", "C"]}))
    assert s["recall"] == 0.5


def test_sequential_patterns_chunking_on_random_data():
    rng = np.random.default_rng(4)
    n = 3000
    ev = pd.DataFrame({
        "c": rng.integers(0, 150, n),
        "d": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 200, n), "D"),
        "i": rng.choice(list("abcdef"), n),
    })  # fmt: skip
    a = sequential_patterns(ev, customer="c", date="d", item="i", min_support=0.05)
    b = sequential_patterns(ev, customer="c", date="d", item="i", min_support=0.05,
                            max_pairs_per_chunk=1000)  # fmt: skip
    pd.testing.assert_frame_equal(a.patterns, b.patterns)
    assert len(a.patterns) > 0 and a.patterns["support"].ge(0.05).all()


def test_sequential_patterns_rejects_bad_dates():
    ev = pd.DataFrame({"c": [1, 1], "d": ["2024-01-01", "soon"], "i": ["a", "b"]})
    with pytest.raises(DataError, match="column 'd' holds 1 values that are not dates"):
        sequential_patterns(ev, customer="c", date="d", item="i")


def test_association_plots():
    res = association_rules(long_table(TEXTBOOK), transaction="basket", item="item",
                            min_support=0.4, min_confidence=0.6)  # fmt: skip
    for ax in (res.plot(), res.plot(kind="top"),
               res.recommend(pd.DataFrame({"customer_id": [1], "item": ["beer"]})).plot()):  # fmt: skip
        assert ax.has_data()
        plt.close(ax.figure)
    assert "Association rules (sparse)" in repr(res)


@pytest.mark.parametrize("dense_items,chunk", [(2, 4_000_000), (4096, 7)])
def test_pair_counting_paths_agree(monkeypatch, dense_items, chunk):
    # the sparse product X.T @ X (many items) and the chunked pair enumeration (few items)
    import ecrm_lab.mining.association as assoc

    df = random_baskets(21)
    expected = association_rules(df, min_support=0.02, min_confidence=0.2)
    monkeypatch.setattr(assoc, "_DENSE_PAIR_ITEMS", dense_items)
    monkeypatch.setattr(assoc, "_PAIRS_PER_CHUNK", chunk)
    got = association_rules(df, min_support=0.02, min_confidence=0.2)
    assert as_dict(got.rules) == as_dict(expected.rules)
    assert len(got.itemsets) == len(expected.itemsets)
