"""Stickiness, the power-user curve and the penny gap against naive Python over sets."""

from collections import Counter
from datetime import date, datetime, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nsm_core import retention
from nsm_core.retention import PennySpec, display, penny, stickiness
from nsm_core.schema import DataError

START = datetime(2025, 1, 1)
rows_strategy = st.lists(
    st.tuples(st.sampled_from("abcdef"), st.integers(0, 24 * 75 - 1)), min_size=1, max_size=60
)


def frame(rows: list[tuple[str, datetime]], event: str = "open", **extra) -> pl.DataFrame:
    return pl.DataFrame(
        {"user_id": [u for u, _ in rows], "event": event, "ts": [t for _, t in rows], **extra}
    ).with_columns(pl.col("ts").dt.replace_time_zone("UTC"))


def naive_daily(rows: list[tuple[str, datetime]]) -> list[tuple[date, int, int, int]]:
    active: dict[date, set[str]] = {}
    for user, t in rows:
        active.setdefault(t.date(), set()).add(user)
    first, last = min(t.date() for _, t in rows), max(t.date() for _, t in rows)
    out = []
    day = first + timedelta(days=29)
    while day < last:

        def window(width: int, day: date = day) -> set[str]:
            users: set[str] = set()
            for back in range(width):
                users |= active.get(day - timedelta(days=back), set())
            return users

        out.append((day, len(active.get(day, set())), len(window(7)), len(window(30))))
        day += timedelta(days=1)
    return out


@settings(max_examples=40, deadline=None)
@given(rows_strategy)
def test_daily_counts_match_naive_windows(raw):
    rows = [(u, START + timedelta(hours=h)) for u, h in raw]
    got = retention.daily_stickiness(frame(rows))
    assert got.select("date", "dau", "wau", "mau").rows() == naive_daily(rows)
    ok = got.filter(pl.col("mau") > 0)
    assert (ok["dau_mau"] == ok["dau"] / ok["mau"]).all()


def test_stickiness_summary_and_caption():
    # a is active every day of January and February, b on the 10th of each month.
    rows = [("a", START + timedelta(days=d)) for d in range(59)]
    rows += [("b", datetime(2025, 1, 10)), ("b", datetime(2025, 2, 10))]
    daily = retention.daily_stickiness(frame(rows))
    # days 30 Jan .. 27 Feb (the last day, 28 Feb, is left out). b's 10 Jan counts in the
    # 30-day windows up to 8 Feb, its 10 Feb from then on: MAU 2 except on 9 Feb (1).
    # DAU/MAU = 1/2 on 27 days, 1/1 on 9 Feb, 2/2 on 10 Feb -> mean (27 / 2 + 2) / 29.
    assert daily["date"].to_list()[0] == date(2025, 1, 30)
    assert daily["date"].to_list()[-1] == date(2025, 2, 27)
    assert daily.filter(pl.col("mau") == 1)["date"].to_list() == [date(2025, 2, 9)]
    power = retention.power_users(frame(rows))
    result = stickiness.summarize(daily, power)
    assert result.dau_mau == pytest.approx((27 / 2 + 2) / 29)
    assert stickiness.stickiness_caption(result).startswith("Over 29 days, an average day saw")


def test_power_users_match_naive_counts():
    rows = [
        ("a", datetime(2025, 1, 1, 9)),
        ("a", datetime(2025, 1, 1, 18)),
        ("a", datetime(2025, 1, 2)),
        ("b", datetime(2025, 1, 31, 23)),
        ("c", datetime(2025, 2, 1)),
        ("c", datetime(2025, 2, 3)),
        ("c", datetime(2025, 3, 1)),
    ]
    out = retention.power_users(frame(rows), window="month")
    jan = out.filter(pl.col("window_start") == date(2025, 1, 1))
    assert jan.height == 31
    assert jan.filter(pl.col("users") > 0).select("days_active", "users", "share").rows() == [
        (1, 1, 0.5),
        (2, 1, 0.5),
    ]
    assert jan["share_at_least"].to_list()[:3] == [1.0, 0.5, 0.0]
    assert out.filter(pl.col("window_start") == date(2025, 2, 1)).height == 28
    complete = dict(out.select("window_start", "complete").unique().iter_rows())
    assert complete == {date(2025, 1, 1): True, date(2025, 2, 1): True, date(2025, 3, 1): False}
    assert stickiness.power_caption(out).startswith("In February 2025, 1 users were active")
    weeks = retention.power_users(frame(rows), window="week")
    assert set(weeks.group_by("window_start").len()["len"]) == {7}
    assert display.recent_windows(out, 1)["window_start"].unique().to_list() == [date(2025, 2, 1)]


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from("abcde"), st.integers(0, 24 * 60), st.booleans()),
        min_size=1,
        max_size=40,
    )
)
def test_penny_gap_matches_naive(raw):
    rows = [(u, START + timedelta(hours=h)) for u, h, _ in raw]
    events = frame(rows).with_columns(
        event=pl.Series(["order" if paid else "open" for _, _, paid in raw])
    )
    users = penny.penny_users(events, PennySpec(value_event="order", period="month"))
    times: dict[str, set[datetime]] = {}
    first: dict[str, datetime] = {}
    for (user, t), (_, _, paid) in zip(rows, raw, strict=True):
        first[user] = min(first.get(user, t), t)
        if paid:
            times.setdefault(user, set()).add(t)
    uses = dict(users.select("user_id", "uses").iter_rows())
    assert uses == {u: len(times.get(u, ())) for u in first}
    for user, days in users.select("user_id", "days_to_second").iter_rows():
        ordered = sorted(times.get(user, ()))
        expected = (ordered[1] - ordered[0]) / timedelta(days=1) if len(ordered) > 1 else None
        assert days == pytest.approx(expected) if expected is not None else days is None
    table = penny.penny_table(users, [])
    counts = Counter(min(len(times.get(u, ())), 2) for u in first)
    assert table.select("users", "once", "twice").row(0) == (
        len(first),
        counts[1] + counts[2],
        counts[2],
    )


def test_penny_gap_default_is_payments_and_needs_revenue():
    rows = [("a", datetime(2025, 1, 1)), ("a", datetime(2025, 1, 4)), ("b", datetime(2025, 1, 2))]
    events = frame(rows, revenue=[10.0, 5.0, 0.0], channel=["ads", "ads", "seo"])
    result = retention.summarize_penny(
        penny.penny_users(events, PennySpec(segment="channel")), PennySpec(segment="channel")
    )
    assert result.overall.select("once", "twice", "repeat_rate", "days_to_second").row(0) == (
        1,
        1,
        1.0,
        3.0,
    )
    assert result.by_segment["segment"].to_list() == ["ads", "seo"]
    assert penny.penny_caption(result.overall, "paid").startswith(
        "Of 2 users, 50% paid at least once and 50% twice or more: 100% of first-timers"
    )
    with pytest.raises(DataError, match="revenue"):
        penny.penny_users(frame(rows), PennySpec())
