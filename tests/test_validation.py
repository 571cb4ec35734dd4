"""One way to validate parameters, one message shape."""

import numpy as np
import pandas as pd
import pytest

from ecrm_lab._validation import (
    Interval,
    Param,
    check_columns,
    check_numeric_column,
    check_param,
    validate_params,
)
from ecrm_lab.exceptions import DataError, InvalidParameterError

MIN_SUPPORT = Param("min_support", float, 0.01, "minimum support", Interval(0, 1, "right"))
DOMAIN = Param("domain", str, "bank", "business", choices=("bank", "retail"))
N = Param("n_customers", int, 2000, "customers", Interval(200, 200_000))


def test_message_names_parameter_value_and_what_is_allowed():
    with pytest.raises(
        InvalidParameterError,
        match=r"^The 'min_support' parameter of associate must be a float in \(0, 1\]\. Got 1\.5 instead\.$",
    ):
        MIN_SUPPORT.validate(1.5, "associate")


@pytest.mark.parametrize(
    ("spec", "value", "allowed"),
    [
        (N, 5, r"an int in \[200, 200000\]\. Got 5 instead"),
        (N, 2000.0, r"an int in \[200, 200000\]\. Got 2000\.0 \(float\) instead"),
        (N, True, r"Got True \(bool\) instead"),
        (N, "500", r"Got '500' \(str\) instead"),
        (DOMAIN, "insurance", r"one of 'bank', 'retail'\. Got 'insurance' instead"),
        (MIN_SUPPORT, 0.0, r"a float in \(0, 1\]"),
        (MIN_SUPPORT, float("nan"), r"Got nan instead"),
    ],
)
def test_bad_values_are_refused(spec, value, allowed):
    with pytest.raises(InvalidParameterError, match=allowed):
        spec.validate(value, "x")


def test_numpy_scalars_are_accepted_and_converted():
    assert N.validate(np.int64(500), "x") == 500
    assert type(N.validate(np.int64(500), "x")) is int
    assert MIN_SUPPORT.validate(1, "x") == 1.0  # an int is a fine float


def test_invalid_parameter_error_is_both_value_and_type_error():
    with pytest.raises(ValueError):
        N.validate(1, "x")
    with pytest.raises(TypeError):
        N.validate("a", "x")


def test_parse_from_command_line_text():
    assert N.parse("5000", "lesson 01") == 5000
    assert Param("flag", bool, False, "").parse("true", "x") is True
    with pytest.raises(
        InvalidParameterError, match=r"'n_customers' parameter of lesson 01 .* Got 'many'"
    ):
        N.parse("many", "lesson 01")


def test_validate_params_fills_defaults_and_refuses_unknown_names_with_a_hint():
    assert validate_params([N, DOMAIN], {"domain": "retail"}, "lesson 01") == {
        "n_customers": 2000,
        "domain": "retail",
    }
    with pytest.raises(
        InvalidParameterError, match=r"has no parameter 'n_customer'\. Did you mean 'n_customers'\?"
    ):
        validate_params([N, DOMAIN], {"n_customer": 10}, "lesson 01")


def test_check_param_and_interval_text():
    assert check_param(3, "k", "segment", int, interval=Interval(2, None)) == 3
    assert str(Interval(0, None, "neither")) == "(0, inf)"
    with pytest.raises(
        InvalidParameterError, match=r"'k' parameter of segment must be an int in \[2, inf\)"
    ):
        check_param(1, "k", "segment", int, interval=Interval(2, None))


def test_a_declared_default_must_itself_be_valid():
    with pytest.raises(InvalidParameterError):
        Param("n", int, 0, "", Interval(1, 10))


def test_data_checks_name_the_column():
    df = pd.DataFrame({"amount": ["1", "x"], "customer": [1, 2]})
    with pytest.raises(DataError, match=r"column 'amont' not found\. Did you mean 'amount'\?"):
        check_columns(df, ["amont"], "segment")
    with pytest.raises(DataError, match=r"column 'amount' must be numeric .*'x'"):
        check_numeric_column(df, "amount", "regress")
    with pytest.raises(DataError, match=r"column 'v' has 1 negative values"):
        check_numeric_column(pd.DataFrame({"v": [1.0, -2.0]}), "v", "clv", allow_negative=False)
