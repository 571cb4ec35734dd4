"""Rules: tolerance, partial credit, wrong kinds of answers, the in-notebook check()."""

import pandas as pd
import pytest

from ecrm_lab.exceptions import InvalidParameterError
from ecrm_lab.grading import (
    REFERENCE,
    at_least,
    at_most,
    between,
    check,
    close_to,
    contains,
    detects,
    equals,
    frame_close,
    has_columns,
    has_length,
    is_kind,
    overlaps,
    satisfies,
)
from ecrm_lab.grading.checks import score


def test_close_to_full_partial_and_zero_credit():
    r = close_to(10.0, rel=0.1)  # tolerance 1.0
    assert r.evaluate(10.9, None).fraction == 1.0
    assert r.evaluate(11.5, None).fraction == pytest.approx(0.5)
    assert r.evaluate(12.0, None).fraction == 0.0
    assert close_to(10.0, rel=0.1, partial=False).evaluate(11.5, None).fraction == 0.0
    assert close_to(0.0, abs=0.01).evaluate(-0.005, None).fraction == 1.0


def test_close_to_compares_with_the_reference_by_default():
    r = close_to(rel=0.05)
    assert r.needs_reference
    assert r.evaluate(2.04, 2.0).fraction == 1.0
    assert "expected 2 ± 0.1" in r.evaluate(3.0, 2.0).message


def test_close_to_needs_a_tolerance():
    with pytest.raises(InvalidParameterError, match="needs a tolerance"):
        close_to(1.0)


def test_wrong_kinds_score_zero_with_a_reason():
    out = score(close_to(1.0, abs=0.1), {"value": [1, 2]}, None)
    assert out.fraction == 0.0 and "should be a number; got a list" in out.message
    out = score(at_least(0), {"value": True}, None)
    assert out.fraction == 0.0 and "got a bool" in out.message
    assert "not defined" in score(at_least(0), {"missing": True}, None).message
    assert "could not be sent" in score(at_least(0), {"error": "too big"}, None).message
    nan = score(at_least(0), {"value": {"__float__": "nan"}}, None)
    assert nan.fraction == 0.0 and "NaN" in nan.message


def test_bounds():
    assert between(1, 2).evaluate(1.0, None).fraction == 1.0
    assert between(1, 2).evaluate(2.5, None).fraction == 0.0
    assert at_least(3).evaluate(2, None).message == "got 2; it should be at least 3"
    assert at_most(3).evaluate(2, None).fraction == 1.0
    with pytest.raises(InvalidParameterError, match="low or a high"):
        between()


def test_equals_normalises_containers():
    assert equals([1, 2]).evaluate([1, 2], None).fraction == 1.0
    assert equals(REFERENCE).evaluate(frozenset({"a", "b"}), frozenset({"b", "a"})).fraction == 1
    assert equals(3).evaluate(3.0, None).fraction == 1.0
    assert equals(3).evaluate(4, None).fraction == 0.0


def test_contains_gives_credit_in_proportion_to_items_found():
    planted = [("bread", "butter"), ("tea", "milk"), ("pasta", "sauce"), ("chips", "dip")]
    rule = contains(planted, at_least=0.75)
    mined = [["bread", "butter"], ["tea", "milk"], ["beer", "nuts"]]
    out = rule.evaluate(mined, None)
    assert out.fraction == pytest.approx((2 / 4) / 0.75)
    assert "found 2 of the 4" in out.message
    mined.append(["pasta", "sauce"])
    assert rule.evaluate(mined, None).fraction == 1.0


def test_contains_reads_a_frame_column():
    df = pd.DataFrame({"id": [1, 2, 3]})
    assert contains([1, 3], column="id").evaluate(df, None).fraction == 1.0
    out = score(contains([1]), {"value": {"__frame__": {"columns": ["id"], "data": [[1]]}}}, None)
    assert out.fraction == 0.0 and "got a DataFrame" in out.message


def test_overlaps_uses_jaccard():
    r = overlaps(at_least=0.8)
    assert r.evaluate([1, 2, 3, 4], [1, 2, 3, 4]).fraction == 1.0
    # 3 shared of 5 in the union: 0.6 -> 0.6 / 0.8
    assert r.evaluate([1, 2, 3, 5], [1, 2, 3, 4]).fraction == pytest.approx(0.75)


def test_detects_balances_precision_and_recall():
    truth = list(range(10))
    r = detects(truth, min_precision=0.5, min_recall=0.8)
    assert r.evaluate(list(range(8)) + [100, 101], None).fraction == 1.0
    # flags everything: recall 1, precision 10/100 -> half credit for precision
    out = r.evaluate(list(range(100)), None)
    assert out.fraction == pytest.approx(0.5 * (0.1 / 0.5) + 0.5)
    assert r.evaluate([], None).fraction == 0.0


def test_frame_close_matches_rows_by_key_with_tolerance():
    want = pd.DataFrame({"seg": ["a", "b", "c"], "n": [10, 20, 30], "mean": [1.0, 2.0, 3.0]})
    got = pd.DataFrame({"seg": ["c", "b", "a"], "n": [30, 20, 10], "mean": [3.01, 2.5, 1.0]})
    out = frame_close(key="seg", rel=0.01).evaluate(got, want)
    assert out.fraction == pytest.approx(2 / 3) and "2 of 3 rows" in out.message
    missing = frame_close(key="seg").evaluate(got.drop(columns="mean"), want)
    assert missing.fraction == 0.0 and "missing columns: mean" in missing.message


def test_shape_rules():
    df = pd.DataFrame({"a": [1], "b": [2]})
    assert has_columns("a", "b", "c").evaluate(df, None).fraction == pytest.approx(2 / 3)
    assert has_length(3).evaluate([1, 2, 3], None).fraction == 1.0
    assert has_length(rel=0.1).evaluate(list(range(95)), list(range(100))).fraction == 1.0
    assert is_kind("integer").evaluate(3, None).fraction == 1.0
    assert is_kind("integer").evaluate(3.5, None).fraction == 0.0
    with pytest.raises(InvalidParameterError, match="'kind' parameter of is_kind"):
        is_kind("float")


def test_satisfies_takes_a_bool_or_a_fraction():
    assert satisfies(lambda v: v > 2, "above 2").evaluate(3, None).fraction == 1.0
    assert satisfies(lambda v: 0.25, "a quarter").evaluate(0, None).fraction == 0.25


def test_check_in_a_notebook_prints_public_outcomes(capsys):
    global lift  # check() reads the caller's globals, as in a notebook
    lift = 2.5
    check("lift", at_least(1.5), points=2)
    check("lift", close_to(rel=0.1), points=1)
    check("nothing_here", at_least(0))
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "  ✔ lift: 2.5 is at least 1.5 (2/2 pt)"
    assert "checked when graded" in out[1]
    assert "`nothing_here` is not defined yet" in out[2]


def test_check_validates_its_arguments():
    with pytest.raises(InvalidParameterError, match="name of a variable"):
        check("not a name", at_least(0))
    with pytest.raises(InvalidParameterError, match="must be a rule"):
        check("x", 3)
    with pytest.raises(InvalidParameterError, match="points"):
        check("x", at_least(0), points=-1)


def test_gradebook_table_and_plot():
    import matplotlib

    matplotlib.use("Agg")
    from ecrm_lab.grading import Gradebook, StudentGrade

    checks = (
        {"id": "x.equals", "earned": 1.0, "points": 1.0},
        {"id": "y.close_to", "earned": 0.5, "points": 2.0},
    )
    grades = (
        StudentGrade("a", "ok", "", 1.5, 3.0, checks),
        StudentGrade("b", "missing", "no submission", 0.0, 3.0, ()),
    )
    book = Gradebook("99_toy", 3.0, grades, ("x.equals", "y.close_to"), None, 1.0)
    table = book.summary()
    assert table.columns.tolist() == [
        "student_id",
        "total",
        "max_points",
        "status",
        "reason",
        "x.equals",
        "y.close_to",
    ]
    assert table.loc[1, ["x.equals", "y.close_to"]].tolist() == [0.0, 0.0]
    ax = book.plot()
    assert ax.get_xlabel() == "total points"
    assert "Gradebook" in repr(book)
