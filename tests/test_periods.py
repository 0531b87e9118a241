"""Integer period numbers against a naive datetime oracle, with calendar traps pinned."""

from datetime import UTC, date, datetime, timedelta

import polars as pl
from hypothesis import example, given
from hypothesis import strategies as st

from nsm_core.periods import US_PER_DAY, period_number, period_start, rolling_index

EPOCH = date(1970, 1, 1)


def monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def number(ts: datetime, period: str) -> int:
    return pl.select(period_number(pl.lit(ts).dt.replace_time_zone("UTC"), period)).item()


@given(st.datetimes(datetime(1990, 1, 1), datetime(2040, 12, 31)))
@example(datetime(2020, 12, 27, 23, 59))  # Sunday night stays in the week starting Monday 21st
@example(datetime(2026, 12, 31))  # ISO week 53 of 2026
@example(datetime(1970, 1, 1))  # the epoch was a Thursday
def test_week_and_month_numbers_match_naive(ts):
    week = number(ts, "week")
    assert (
        week - number(datetime(2000, 1, 3), "week")
        == (monday(ts.date()) - date(2000, 1, 3)).days // 7
    )
    assert number(ts, "month") == ts.year * 12 + ts.month - 1
    assert number(ts, "day") == (ts.date() - EPOCH).days


@given(st.dates(date(1990, 1, 1), date(2040, 12, 31)), st.sampled_from(["day", "week", "month"]))
def test_period_start_inverts_period_number(d, period):
    ts = datetime(d.year, d.month, d.day, 13, tzinfo=UTC)
    start = pl.select(period_start(period_number(pl.lit(ts), period), period)).item()
    expected = {"day": d, "week": monday(d), "month": d.replace(day=1)}[period]
    assert start == expected


@given(st.integers(0, 10**6), st.integers(0, 10**4))
def test_rolling_index_is_floor_division(start_s, gap_s):
    start, ts = start_s * 10**6, (start_s + gap_s * 60) * 10**6
    got = pl.select(rolling_index(pl.lit(ts), pl.lit(start), "day")).item()
    assert got == (ts - start) // US_PER_DAY
