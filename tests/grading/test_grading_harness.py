"""Answers leave the kernel as plain JSON: encoding, decoding, refusing what cannot be graded."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from ecrm_lab.grading.harness import (
    MAX_ANSWER_BYTES,
    AnswerError,
    decode,
    encode,
    harness_source,
    read_answers,
)


def roundtrip(value):
    return decode(json.loads(json.dumps(encode(value), allow_nan=False)))


def test_scalars_and_numpy_become_plain_python():
    assert roundtrip(np.int64(3)) == 3 and type(roundtrip(np.int64(3))) is int
    assert roundtrip(np.float32(0.5)) == 0.5
    assert roundtrip(np.bool_(True)) is True
    assert roundtrip("text") == "text"
    assert roundtrip(None) is None
    assert roundtrip(np.array([[1, 2], [3, 4]])) == [[1, 2], [3, 4]]


def test_non_finite_floats_survive_strict_json():
    out = roundtrip([float("nan"), float("inf"), -float("inf")])
    assert math.isnan(out[0]) and out[1] == float("inf") and out[2] == -float("inf")


def test_sets_encode_sorted_so_equal_sets_are_equal_json():
    a, b = encode({"b", "a", "c"}), encode({"c", "b", "a"})
    assert a == b == {"__set__": ["a", "b", "c"]}
    assert roundtrip(frozenset({frozenset({"x"}), frozenset({"y", "z"})})) == frozenset(
        {frozenset({"x"}), frozenset({"y", "z"})}
    )


def test_frames_and_series_roundtrip():
    df = pd.DataFrame({"k": [1, 2], "v": [0.5, np.nan], "s": ["a", "b"]}, index=[10, 20])
    back = roundtrip(df)
    assert list(back.columns) == ["k", "v", "s"]
    assert back.index.tolist() == [10, 20]
    assert back["k"].tolist() == [1, 2] and math.isnan(back["v"].iloc[1])
    s = pd.Series([1.5, 2.5], index=["x", "y"], name="lift")
    back_s = roundtrip(s)
    assert back_s.name == "lift" and back_s.to_dict() == {"x": 1.5, "y": 2.5}


def test_dates_and_categories_become_strings():
    out = roundtrip({"when": pd.Timestamp("2024-01-02"), "cat": pd.Categorical(["a", "b"])})
    assert out == {"when": "2024-01-02T00:00:00", "cat": ["a", "b"]}


def test_a_subclass_with_a_lying_eq_is_sent_as_its_plain_value():
    class Liar(int):
        def __eq__(self, other):
            return True

        __hash__ = int.__hash__

    sent = roundtrip(Liar(0))
    assert type(sent) is int and sent == 0 and sent != 5


@pytest.mark.parametrize(
    "value, match",
    [
        (lambda x: x, "function cannot be graded"),
        (object(), "object cannot be graded"),
        (list(range(600_000)), "too large"),
        ({(1, 2): 3}, "keys must be strings"),
    ],
)
def test_values_that_cannot_be_graded_are_refused_with_a_reason(value, match):
    with pytest.raises(AnswerError, match=match):
        encode(value)


def test_deep_nesting_is_refused():
    deep: list = []
    for _ in range(30):
        deep = [deep]
    with pytest.raises(AnswerError, match="nested too deeply"):
        encode(deep)


def test_read_answers_never_trusts_the_file(tmp_path):
    p = tmp_path / "answers.json"
    assert read_answers(p)[1].startswith("the notebook wrote no answers")
    p.write_text("{broken")
    assert "not valid JSON" in read_answers(p)[1]
    p.write_text("[1, 2]")
    assert "expected shape" in read_answers(p)[1]
    p.write_text("[" * 100_000 + "]" * 100_000)
    assert read_answers(p)[0] == {}
    p.write_text(json.dumps({"answers": {"a": {"value": 1}, "b": 7, "c": {"missing": True}}}))
    answers, problem = read_answers(p)
    assert problem is None
    assert answers["a"] == {"value": 1} and answers["c"] == {"missing": True}
    assert "error" in answers["b"]
    with p.open("wb") as fh:
        fh.truncate(MAX_ANSWER_BYTES + 1)
    assert "too large" in read_answers(p)[1]


def test_harness_source_is_one_plain_call():
    src = harness_source(["a", "b"], "answers.json")
    compile(src, "<harness>", "exec")
    assert "dump_answers" in src and "['a', 'b']" in src
