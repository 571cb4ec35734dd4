"""rfm_summary: the Fader-Hardie-Lee conventions on hand-made logs, and the CDNOW summary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ecrm_lab.exceptions import DataError, InvalidParameterError
from ecrm_lab.lifecycle import RFMSummary, rfm_summary


@pytest.fixture
def tiny_log() -> pd.DataFrame:
    # a: 2 transactions on Jan 1 (one purchase of 15), then Jan 8 (20) and Jan 15 (two: 4+6)
    # b: one purchase on Jan 5
    # c: first purchase after calibration end -> excluded
    # a buys again on Jan 20 (holdout), b on Jan 25 twice (one holdout purchase of 12), and
    # a buys on Feb 10 after the holdout end (ignored)
    return pd.DataFrame(
        {
            "cust": ["a", "a", "a", "a", "a", "b", "c", "a", "b", "b", "a"],
            "when": [
                "2024-01-01 09:00",
                "2024-01-01 17:30",
                "2024-01-08",
                "2024-01-15 08:00",
                "2024-01-15 20:00",
                "2024-01-05",
                "2024-01-20",
                "2024-01-20",
                "2024-01-25",
                "2024-01-25",
                "2024-02-10",
            ],
            "value": [10.0, 5.0, 20.0, 4.0, 6.0, 7.0, 3.0, 8.0, 5.0, 7.0, 99.0],
        }
    )


def test_same_day_merged_and_repeat_monetary_in_days(tiny_log):
    s = rfm_summary(tiny_log, "cust", "when", "value", calibration_end="2024-01-15")
    assert isinstance(s, RFMSummary)
    t = s.table
    assert list(t.index) == ["a", "b"]
    # a: purchase days Jan 1, 8, 15 -> 2 repeat purchases, recency 14 days, T 14 days
    assert t.loc["a", "frequency"] == 2
    assert t.loc["a", "recency"] == 14.0
    assert t.loc["a", "T"] == 14.0
    # repeat purchases are 20 and 4+6=10 -> mean 15; the first (10+5) is left out
    assert t.loc["a", "monetary_value"] == pytest.approx(15.0)
    assert t.loc["b", "frequency"] == 0
    assert t.loc["b", "recency"] == 0.0
    assert t.loc["b", "T"] == 10.0
    assert t.loc["b", "monetary_value"] == 0.0
    assert s.n_excluded == 1  # customer c
    assert s.unit == "day"
    assert not s.has_holdout


def test_weeks_are_fractional_days_over_seven(tiny_log):
    s = rfm_summary(tiny_log, "cust", "when", "value", calibration_end="2024-01-15", unit="week")
    assert s.table.loc["a", "recency"] == pytest.approx(2.0)
    assert s.table.loc["b", "T"] == pytest.approx(10 / 7)


def test_holdout_counts_purchases_and_mean_value(tiny_log):
    s = rfm_summary(
        tiny_log, "cust", "when", "value", calibration_end="2024-01-15", holdout_end="2024-01-31"
    )
    t = s.table
    assert s.has_holdout
    assert t.loc["a", "frequency_holdout"] == 1
    assert t.loc["b", "frequency_holdout"] == 1  # two transactions on one day
    assert t.loc["b", "monetary_value_holdout"] == pytest.approx(12.0)
    assert t.loc["a", "monetary_value_holdout"] == pytest.approx(8.0)
    assert (t["duration_holdout"] == 16.0).all()
    # customer c first bought in the holdout: still not part of the calibration cohort
    assert "c" not in t.index and s.n_excluded == 1
    # Feb 10 is after the holdout and not read
    assert s.n_transactions == 10


def test_without_amount_there_is_no_monetary_value(tiny_log):
    s = rfm_summary(tiny_log, "cust", "when", calibration_end="2024-01-15")
    assert "monetary_value" not in s.table.columns
    assert s.table.loc["a", "frequency"] == 2


def test_yyyymmdd_integers_and_timezones():
    log = pd.DataFrame({"id": [1, 1, 2], "d": [20240101, 20240111, 20240105], "v": [1.0, 2, 3]})
    s = rfm_summary(log, "id", "d", "v", calibration_end=pd.Timestamp("2024-01-11"))
    assert s.table.loc[1, "recency"] == 10.0
    tz = log.assign(d=pd.to_datetime(log["d"].astype(str)).dt.tz_localize("Europe/Paris"))
    s2 = rfm_summary(tz, "id", "d", "v", calibration_end="2024-01-11")
    pd.testing.assert_frame_equal(s.table, s2.table)


def test_cdnow_log_reproduces_the_published_summary(cdnow_log, cdnow_summary):
    s = rfm_summary(
        cdnow_log, "customer_id", "date", "amount", calibration_end="1997-09-30", unit="week"
    )
    assert s.n_customers == 2357 and s.n_excluded == 0
    t = s.table.reindex(cdnow_summary.index)
    np.testing.assert_array_equal(t["frequency"], cdnow_summary["x"])
    # the published file rounds to 2 decimals
    np.testing.assert_allclose(t["recency"], cdnow_summary["t_x"], atol=0.0051)
    np.testing.assert_allclose(t["T"], cdnow_summary["T"], atol=0.0051)
    np.testing.assert_allclose(t["monetary_value"], cdnow_summary["zbar"], atol=0.0051)
    # merging same-day transactions matters here: counting rows would give other frequencies
    rows = cdnow_log[cdnow_log["date"] <= 19970930].groupby("customer_id").size() - 1
    assert (rows.reindex(cdnow_summary.index) != cdnow_summary["x"]).sum() > 0


def test_summary_and_plot(tiny_log):
    import matplotlib

    matplotlib.use("Agg")
    s = rfm_summary(tiny_log, "cust", "when", "value", calibration_end="2024-01-15")
    table = s.summary()
    assert table.loc["customers", "value"] == 2
    assert "Customer summary" in repr(s)
    ax = s.plot()
    assert [p.get_height() for p in ax.patches][:3] == [1, 0, 1]


# -- bad input ----------------------------------------------------------------------------
def test_missing_column_is_named(tiny_log):
    with pytest.raises(DataError, match="column 'amount' not found.*Available columns"):
        rfm_summary(tiny_log, "cust", "when", "amount", calibration_end="2024-01-15")


def test_unparseable_dates_are_counted(tiny_log):
    bad = tiny_log.assign(when=tiny_log["when"].where(tiny_log.index > 1, "yesterday"))
    with pytest.raises(DataError, match="column 'when' has 2 values that are not dates"):
        rfm_summary(bad, "cust", "when", "value", calibration_end="2024-01-15")


def test_negative_amounts_are_counted(tiny_log):
    bad = tiny_log.assign(value=-tiny_log["value"].where(tiny_log.index < 3, -1.0))
    with pytest.raises(DataError, match="column 'value' has 3 negative values; refunds"):
        rfm_summary(bad, "cust", "when", "value", calibration_end="2024-01-15")


def test_text_amounts_and_missing_values(tiny_log):
    with pytest.raises(DataError, match="column 'value' must be numeric"):
        rfm_summary(
            tiny_log.assign(value="ten"), "cust", "when", "value", calibration_end="2024-01-15"
        )
    with pytest.raises(DataError, match="column 'cust' has 1 missing customer ids"):
        rfm_summary(
            tiny_log.assign(cust=tiny_log["cust"].where(tiny_log.index > 0)),
            "cust",
            "when",
            "value",
            calibration_end="2024-01-15",
        )


def test_calibration_end_before_all_data(tiny_log):
    with pytest.raises(
        DataError, match="calibration_end 2023-12-31 is before the first transaction"
    ):
        rfm_summary(tiny_log, "cust", "when", "value", calibration_end="2023-12-31")


def test_holdout_end_must_follow_calibration_end(tiny_log):
    with pytest.raises(
        InvalidParameterError, match="'holdout_end' parameter of rfm_summary must be after"
    ):
        rfm_summary(
            tiny_log,
            "cust",
            "when",
            "value",
            calibration_end="2024-01-15",
            holdout_end="2024-01-10",
        )


def test_bad_parameters(tiny_log):
    with pytest.raises(
        InvalidParameterError, match="'unit' parameter of rfm_summary must be one of 'day', 'week'"
    ):
        rfm_summary(tiny_log, "cust", "when", "value", calibration_end="2024-01-15", unit="month")
    with pytest.raises(
        InvalidParameterError, match="'calibration_end' parameter .* must be a date"
    ):
        rfm_summary(tiny_log, "cust", "when", "value", calibration_end="someday")
    with pytest.raises(DataError, match="the table is empty"):
        rfm_summary(tiny_log.iloc[:0], "cust", "when", "value", calibration_end="2024-01-15")
