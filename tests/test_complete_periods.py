"""Every page agrees on whether a period is complete: the data reach its last day.

Overview, metrics (North Star, Workshop), the driver tree, lifecycle, stickiness, Health and
Unit economics each flag complete periods; they used to disagree on the last month (some
needed an event in a later month, others the month's last day).
"""

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nsm_core import drivers, health, overview, retention
from nsm_core.economics.tables import last_complete_month
from nsm_core.health.monthly import monthly_table
from nsm_core.metrics import MetricSpec, compute_metric


def events_until(last: datetime) -> pl.DataFrame:
    days = (last.date() - date(2025, 1, 1)).days
    ts = [datetime(2025, 1, 1, 12, tzinfo=UTC) + timedelta(days=d) for d in range(days)]
    ts.append(last.replace(tzinfo=UTC))
    return pl.DataFrame(
        {
            "user_id": [f"u{i % 7}" for i in range(len(ts))],
            "event": "order",
            "ts": ts,
            "revenue": 10.0,
        }
    )


def last_month_complete(events: pl.DataFrame) -> dict[str, bool]:
    """Return, per module, whether it calls the data's last calendar month complete."""
    lazy = events.lazy()
    last = events["ts"].max()
    month = date(last.year, last.month, 1)

    def flag(frame: pl.DataFrame, column: str = "period_start") -> bool:
        return frame.filter(pl.col(column) == month)["complete"].unique().item()

    tree = drivers.compute(events, drivers.TreeSpec("volume", key_event="order", period="month"))
    monthly = monthly_table(lazy, health.Signals(())).collect()
    return {
        "overview": flag(overview.active_users(lazy, "month").collect()),
        "metric": flag(compute_metric(lazy, MetricSpec("MAU", grain="month"))),
        "driver tree": flag(tree.values),
        "lifecycle": flag(retention.lifecycle(events, period="month")),
        "stickiness": flag(retention.power_users(events, window="month"), "window_start"),
        "health": flag(monthly, "month_start"),
        "unit economics": last_complete_month(lazy).collect().item()
        == last.year * 12 + last.month - 1,
    }


@pytest.mark.parametrize(
    ("last", "complete"),
    [
        (datetime(2025, 3, 31, 0, 5), True),  # the last day is reached, however early
        (datetime(2025, 3, 31, 23, 59), True),
        (datetime(2025, 3, 30, 23, 59), False),  # one day short
        (datetime(2025, 4, 1, 0, 0), False),  # April has begun: its first day only
    ],
)
def test_every_module_agrees_on_the_last_month(last, complete):
    flags = last_month_complete(events_until(last))
    assert flags == dict.fromkeys(flags, complete)


@given(st.integers(min_value=40, max_value=120), st.integers(min_value=0, max_value=23))
def test_agreement_holds_for_any_last_day(day, hour):
    last = datetime(2025, 1, 1) + timedelta(days=day, hours=hour)
    flags = last_month_complete(events_until(last))
    assert len(set(flags.values())) == 1, flags
    next_day = last.date() + timedelta(days=1)
    assert flags["overview"] == (next_day.month != last.month)
