"""periods.in_dates and in_months: the date range's filters, against plain Python dates."""

from datetime import UTC, date, datetime, timedelta

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from nsm_core.periods import in_dates, in_months
from nsm_core.schema import TS_DTYPE

START = datetime(2024, 12, 30, tzinfo=UTC)


def test_both_days_are_included_to_the_last_microsecond():
    ts = [
        datetime(2025, 1, 1, tzinfo=UTC) - timedelta(microseconds=1),
        datetime(2025, 1, 1, tzinfo=UTC),
        datetime(2025, 1, 2, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(2025, 1, 3, tzinfo=UTC),
    ]
    frame = pl.DataFrame({"ts": ts}, schema={"ts": TS_DTYPE})
    kept = in_dates(frame, date(2025, 1, 1), date(2025, 1, 2))
    assert kept["ts"].to_list() == ts[1:3]
    assert in_dates(frame, None, date(2025, 1, 1))["ts"].to_list() == ts[:2]
    assert in_dates(frame, None, None).height == 4
    assert in_dates(frame.lazy(), date(2025, 1, 3), None).collect()["ts"].to_list() == ts[3:]


def test_months_that_touch_the_range_are_kept():
    months = pl.DataFrame({"month": [date(2025, m, 1) for m in range(1, 6)], "ad_spend": 1.0})
    kept = in_months(months, date(2025, 2, 28), date(2025, 4, 1))
    assert kept["month"].to_list() == [date(2025, 2, 1), date(2025, 3, 1), date(2025, 4, 1)]
    assert in_months(months, None, date(2025, 1, 31))["month"].to_list() == [date(2025, 1, 1)]


@given(
    st.lists(st.integers(0, 20 * 24 * 60), max_size=60),
    st.integers(0, 20),
    st.integers(0, 20),
)
def test_in_dates_keeps_exactly_the_days_in_range(minutes, a, b):
    first, last = sorted((START.date() + timedelta(days=a), START.date() + timedelta(days=b)))
    ts = [START + timedelta(minutes=m) for m in minutes]
    frame = pl.DataFrame({"ts": ts}, schema={"ts": TS_DTYPE})
    expected = [t for t in ts if first <= t.date() <= last]
    assert in_dates(frame, first, last)["ts"].to_list() == expected
