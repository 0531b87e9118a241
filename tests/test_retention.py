"""Cohort retention worked by hand for every period × kind × anchor, plus the options.

The datasets are in tests/retention_data.py; each expectation below is derived in the
comments from the event times, not from the function's output.
"""

from datetime import date

import polars as pl
import pytest

from nsm_core import retention
from nsm_core.retention import RetentionSpec, retention_table
from nsm_core.schema import DataError
from tests.retention_data import monthly, weekly

WEEK_COHORTS = [date(2025, 1, 6), date(2025, 1, 13), date(2025, 1, 27)]

# Weekly data, start = any event: t0 a Mon 6 Jan 10:00, b Wed 8 Jan 20:00 (cohort W0),
# c Mon 13 Jan 12:00 (W1), d Fri 31 Jan 23:00 (W3). T_end = Wed 5 Mar 12:00 (in W8).
# calendar: a active W0, W1, W5; b W0, W1; c W1, W6 (k 0, 5); d W3, W4, W8 (k 0, 1, 5).
#   A cell is complete when week c + k has ended by T_end: c + k ≤ W7.
# user (7 d): a days 0.96, 8.04, 34.9 -> k 0, 1, 4; b 8.04 -> k 1; c 38 -> k 5;
#   d 2.04, 3.04, 33.5 -> k 0, 0, 4. Complete when the cohort's last possible entry
#   (Sunday 23:59:59.999999) + (k + 1)·7 d ≤ T_end: W0 k ≤ 6, W1 k ≤ 5, W3 k ≤ 3.
#   The last row of a cohort is the last k begun by its first user: W0 58 d -> 8,
#   W1 51 d -> 7, W3 33.5 d -> 4.
N = None
WEEKLY_EXPECTED = {
    ("calendar", "n_period"): [
        [2, 2, 0, 0, 0, 1, 0, 0, N],
        [1, 0, 0, 0, 0, 1, 0, N],
        [1, 1, 0, 0, 0, N],
    ],
    ("calendar", "unbounded"): [
        [2, 2, 1, 1, 1, 1, 0, 0, N],
        [1, 1, 1, 1, 1, 1, 0, N],
        [1, 1, 1, 1, 1, N],
    ],
    ("user", "n_period"): [
        [2, 2, 0, 0, 1, 0, 0, N, N],
        [1, 0, 0, 0, 0, 1, N, N],
        [1, 0, 0, 0, N],
    ],
    ("user", "unbounded"): [
        [2, 2, 1, 1, 1, 0, 0, N, N],
        [1, 1, 1, 1, 1, 1, N, N],
        [1, 1, 1, 1, N],
    ],
}

# Monthly data: p 15 Jan, 20 Feb, 10 Apr; q 31 Jan 22:00, 1 Mar 10:00; r 1 Feb, 5 Mar;
# s 27 Feb, 30 May 12:00 = T_end. Cohorts Jan {p, q}, Feb {r, s}.
# calendar: p k 0, 1, 3; q k 0, 2; r k 0, 1; s k 0, 3. Complete while month c + k ≤ April.
# user (30 d): p 36 d, 85 d -> k 1, 2; q 28.5 d -> k 0; r 32 d -> k 1; s 92.5 d -> k 3.
#   Last entry of Jan = 31 Jan 23:59:59.999999, + 90 d = 1 May ≤ T_end, + 120 d is not:
#   k ≤ 2; Feb: 28 Feb + 90 d = 29 May ≤ T_end: k ≤ 2. Rows: Jan 135.5 d -> 4, Feb 118.5 d -> 3.
MONTHLY_EXPECTED = {
    ("calendar", "n_period"): [[2, 1, 1, 1, N], [2, 1, 0, N]],
    ("calendar", "unbounded"): [[2, 2, 2, 1, N], [2, 2, 1, N]],
    ("user", "n_period"): [[2, 1, 1, N, N], [2, 1, 0, N]],
    ("user", "unbounded"): [[2, 1, 1, N, N], [2, 2, 1, N]],
}

# Daily data (the weekly table), as cohort -> (size, last row k, last complete k, {k: active}).
# calendar: complete while day c + k ≤ 4 Mar. a days 0, 1, 8, 35; b 0, 8; c 0, 38;
#   d 0, 3, 4, 33 (5 Mar, k 33, is the unfinished last day: null, yet it keeps d in the
#   "unbounded" count of every complete day).
# user (24 h): a 23 h, 8 d 1 h, 34 d 22 h -> k 0, 8, 34; b 8 d 1 h -> 8; c 38 d -> 38;
#   d 2 d 1 h, 3 d 1 h, 32 d 13 h -> 2, 3, 32 (k 32 is past d's last complete day, 31).
DAILY_EXPECTED = {
    "calendar": {
        date(2025, 1, 6): (58, 57, [0, 1, 8, 35]),
        date(2025, 1, 8): (56, 55, [0, 8]),
        date(2025, 1, 13): (51, 50, [0, 38]),
        date(2025, 1, 31): (33, 32, [0, 3, 4, 33]),
    },
    "user": {
        date(2025, 1, 6): (58, 56, [0, 8, 34]),
        date(2025, 1, 8): (55, 54, [0, 8]),
        date(2025, 1, 13): (51, 49, [0, 38]),
        date(2025, 1, 31): (32, 31, [0, 2, 3, 32]),
    },
}


def active_lists(table: pl.DataFrame) -> list[list[int | None]]:
    return [
        g["active"].to_list()
        for _, g in table.sort("cohort", "period").group_by("cohort", maintain_order=True)
    ]


@pytest.mark.parametrize(("anchor", "kind"), list(WEEKLY_EXPECTED))
@pytest.mark.parametrize("frame", [pl.DataFrame, pl.LazyFrame])
def test_weekly_by_hand(anchor, kind, frame):
    out = retention.cohort_retention(frame(weekly()), period="week", kind=kind, anchor=anchor)
    assert type(out) is frame
    out = out.lazy().collect()
    assert out.columns == ["cohort", "period", "cohort_size", "active", "rate"]
    assert out.schema["cohort"] == pl.Date
    assert out.schema["period"] == pl.Int32
    assert out["cohort"].unique(maintain_order=True).to_list() == WEEK_COHORTS
    assert active_lists(out) == WEEKLY_EXPECTED[anchor, kind]
    sizes = dict(zip(out["cohort"], out["cohort_size"], strict=True))
    assert sizes == dict(zip(WEEK_COHORTS, [2, 1, 1], strict=True))
    rates = out.filter(pl.col("active").is_not_null())
    assert (rates["rate"] == rates["active"] / rates["cohort_size"]).all()
    assert out.filter(pl.col("active").is_null())["rate"].null_count() == out["active"].null_count()


@pytest.mark.parametrize(("anchor", "kind"), list(MONTHLY_EXPECTED))
def test_monthly_by_hand(anchor, kind):
    out = retention.cohort_retention(monthly(), period="month", kind=kind, anchor=anchor)
    assert out["cohort"].unique(maintain_order=True).to_list() == [
        date(2025, 1, 1),
        date(2025, 2, 1),
    ]
    assert active_lists(out) == MONTHLY_EXPECTED[anchor, kind]
    assert out.filter(pl.col("period") == 0)["cohort_size"].to_list() == [2, 2]


@pytest.mark.parametrize("kind", ["n_period", "unbounded"])
@pytest.mark.parametrize("anchor", ["calendar", "user"])
def test_daily_by_hand(anchor, kind):
    out = retention.cohort_retention(weekly(), period="day", kind=kind, anchor=anchor)
    for cohort, (last_k, last_complete, days) in DAILY_EXPECTED[anchor].items():
        rows = out.filter(pl.col("cohort") == cohort).sort("period")
        assert rows["period"].to_list() == list(range(last_k + 1))
        assert rows["cohort_size"].unique().to_list() == [1]
        complete = [k for k in range(last_k + 1) if k <= last_complete]
        if kind == "n_period":
            expected = [int(k in days) for k in complete]
        else:
            expected = [int(k <= max(days)) for k in complete]
        assert rows["active"].to_list() == expected + [None] * (last_k - last_complete)


def test_start_and_return_events_differ():
    # start = signup: d's cohort is now W4 (3 Feb) and its 31 Jan open, before t0, is ignored.
    # return = open: b opens only in W1, so W0 keeps 1 of 2 in period 0.
    out = retention.cohort_retention(
        weekly(), period="week", anchor="calendar", start_event="signup", return_event="open"
    )
    assert out["cohort"].unique(maintain_order=True).to_list() == [
        date(2025, 1, 6),
        date(2025, 1, 13),
        date(2025, 2, 3),
    ]
    assert active_lists(out) == [
        [1, 2, 0, 0, 0, 1, 0, 0, N],
        [0, 0, 0, 0, 0, 1, 0, N],
        [1, 0, 0, 0, N],
    ]
    assert out["rate"].head(2).to_list() == [0.5, 1.0]


def test_revenue_measure():
    # Calendar weeks, start = any event. W0 {a, b}: k0 a 10 + b 5 = 15, k1 b refund -2,
    # k5 a 30. W1 {c}: no revenue (retention undefined). W3 {d}: k0 7, k1 20 (286%).
    out = retention.cohort_retention(weekly(), period="week", anchor="calendar", measure="revenue")
    assert out.columns[-3:] == ["revenue", "revenue_per_user", "revenue_retention"]
    w0, w1, w3 = (out.filter(pl.col("cohort") == c) for c in WEEK_COHORTS)
    assert w0["revenue"].to_list() == [15.0, -2.0, 0.0, 0.0, 0.0, 30.0, 0.0, 0.0, None]
    assert w0["revenue_per_user"].to_list()[:2] == [7.5, -1.0]
    assert w0["revenue_retention"].to_list()[5] == 2.0
    assert w1["revenue_retention"].null_count() == w1.height
    assert w3["revenue"].to_list() == [7.0, 20.0, 0.0, 0.0, 0.0, None]
    assert w3["revenue_retention"][1] == pytest.approx(20 / 7)


def test_revenue_before_start_event_is_not_counted():
    out = retention.cohort_retention(
        weekly(), period="week", anchor="calendar", start_event="signup", measure="revenue"
    )
    assert out.filter(pl.col("cohort") == date(2025, 2, 3))["revenue"].to_list()[:2] == [20.0, 0.0]


def test_segment_first_touch_splits_cohorts():
    # a ads; b's signup has no channel, its first value is seo; c ads; d's first event seo.
    out = retention.cohort_retention(weekly(), period="week", anchor="calendar", segment="channel")
    assert out.columns[:2] == ["cohort", "segment"]
    sizes = out.filter(pl.col("period") == 0).select("cohort", "segment", "cohort_size").rows()
    assert sizes == [
        (date(2025, 1, 6), "ads", 1),
        (date(2025, 1, 6), "seo", 1),
        (date(2025, 1, 13), "ads", 1),
        (date(2025, 1, 27), "seo", 1),
    ]
    b = out.filter(pl.col("segment") == "seo", pl.col("cohort") == date(2025, 1, 6))
    assert b["active"].to_list() == [1, 1, 0, 0, 0, 0, 0, 0, None]


def test_segment_ties_break_by_time_then_event():
    extra = pl.DataFrame(
        {
            "user_id": ["e", "e"],
            "event": ["zz", "aa"],
            "ts": [weekly()["ts"][6]] * 2,
            "revenue": [0.0, 0.0],
            "channel": ["late", "early"],
            "account_id": [None, None],
        }
    )
    out = retention.cohort_retention(pl.concat([weekly(), extra]), segment="channel")
    assert "early" in out["segment"].to_list()
    assert "late" not in out["segment"].to_list()


def test_max_periods_caps_and_unbounded_counts_later_activity():
    out = retention.cohort_retention(
        weekly(), period="week", anchor="calendar", kind="unbounded", max_periods=2
    )
    assert active_lists(out) == [[2, 2, 1], [1, 1, 1], [1, 1, 1]]


def test_account_unit():
    # accounts: x = {a, b} (W0), y = {c} (W1); d has no account and is left out.
    out = retention_table(weekly(), RetentionSpec(anchor="calendar", unit="account"))
    assert out.filter(pl.col("period") == 0).select("cohort", "cohort_size").rows() == [
        (date(2025, 1, 6), 1),
        (date(2025, 1, 13), 1),
    ]
    assert active_lists(out)[0] == [1, 1, 0, 0, 0, 1, 0, 0, N]


def test_missing_columns_raise_data_error():
    with pytest.raises(DataError, match="plan"):
        retention.cohort_retention(weekly(), segment="plan")
    with pytest.raises(DataError, match="revenue"):
        retention.cohort_retention(weekly().drop("revenue"), measure="revenue")


def test_no_start_event_gives_empty_table():
    out = retention.cohort_retention(weekly(), start_event="never")
    assert out.height == 0
    assert out.columns == ["cohort", "period", "cohort_size", "active", "rate"]
