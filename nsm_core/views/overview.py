"""What the Overview page shows: the dataset's totals, active and new users, top events."""

from typing import Final

import polars as pl

from nsm_core import fmt
from nsm_core._types import Period
from nsm_core.charts import overview as charts
from nsm_core.overview import DatasetSummary
from nsm_core.views._base import ChartView, Headline

PERIOD_LABELS: Final = {"day": "Day", "week": "Week", "month": "Month"}
NO_SEGMENT: Final = (
    "No property to split new users by. Add a column such as channel, device or country to "
    "your events to see where new users come from."
)
DOCS: Final = "docs/definitions/overview.md"
DEFINITIONS: Final = """
- **Active user**: a user with at least one event in the calendar period (UTC).
  Amplitude calls these DAU / WAU / MAU ("Active users"), Mixpanel "Unique users",
  PostHog "Unique users" in a trend.
- **New user**: counted in the period of their first event in the data.
- **Revenue** is net: refunds are negative revenue.
"""


def headlines(totals: DatasetSummary) -> tuple[Headline, ...]:
    """Return the five totals at the top of the page, each with what it counts.

    Example:
        >>> from datetime import datetime
        >>> t = DatasetSummary(5, 9, 2, 12.5, 1, datetime(2025, 1, 1), datetime(2025, 1, 2))
        >>> [(h.label, h.value) for h in headlines(t)][:3]
        [('Users', '5'), ('Events', '9'), ('Revenue', '$12')]
    """
    return (
        Headline("Users", fmt.count(totals.users), "Distinct user_id values in the data."),
        Headline("Events", fmt.count(totals.events), "Rows kept after cleaning."),
        Headline(
            "Revenue",
            fmt.money(totals.revenue, compact=True),
            "Sum of the revenue column, net of refunds (negative revenue).",
        ),
        Headline(
            "Paying users",
            fmt.count(totals.paying_users),
            "Users whose revenue adds up to more than 0.",
        ),
        Headline(
            "Date range",
            f"{fmt.count(totals.days)} days",
            f"{fmt.day(totals.first_ts)} – {fmt.day(totals.last_ts)} (UTC)",
        ),
    )


def active_users(data: pl.DataFrame, period: Period) -> ChartView:
    """Return the active-users chart with its caption (data from `overview.active_users`)."""
    return ChartView(
        charts.active_users_chart(data, period),
        data,
        f"active users per {period}",
        active_users_caption(data, period),
    )


def new_users(data: pl.DataFrame, period: Period, segment: str) -> ChartView:
    """Return new users per period by first-touch segment, with its caption."""
    return ChartView(
        charts.new_users_chart(data, period, segment),
        data,
        f"new users by {segment}",
        new_users_caption(data, period, segment),
    )


def top_events(catalog: pl.DataFrame) -> ChartView:
    """Return the most common events by users who did them (data: the event catalog)."""
    return ChartView(
        charts.top_events_chart(catalog),
        catalog,
        "top events",
        f"{fmt.count(catalog.height)} event types; bars count distinct users.",
    )


def _last_complete(data: pl.DataFrame) -> tuple[dict, dict | None] | None:
    """Return the last complete period's row and the one before it (None if none)."""
    done = data.filter(pl.col("complete"))
    if done.is_empty():
        return None
    rows = done.tail(2).rows(named=True)
    return rows[-1], (rows[0] if len(rows) == 2 else None)


def active_users_caption(data: pl.DataFrame, period: Period) -> str:
    r"""Return the active-users chart in words: the last complete period vs the one before.

    Example:
        >>> from datetime import date
        >>> df = pl.DataFrame(
        ...     {
        ...         "period_start": [date(2025, 3, 3), date(2025, 3, 10), date(2025, 3, 17)],
        ...         "active_users": [1000, 1100, 50],
        ...         "complete": [True, True, False],
        ...     }
        ... )
        >>> print(active_users_caption(df, "week").replace(": ", ":\n"))
        In the week of 10 Mar 2025 (the last complete week), 1,100 users were active:
        +10% on the week before.
    """
    found = _last_complete(data)
    if found is None:
        return f"No complete {period} in the data yet."
    last, before = found
    text = (
        f"In {fmt.period_name(last['period_start'], period)} (the last complete {period}), "
        f"{fmt.count(last['active_users'])} users were active"
    )
    if before is None or before["active_users"] == 0:
        return text + "."
    change = last["active_users"] / before["active_users"] - 1
    return text + f": {change:+.0%} on the {period} before."


def new_users_caption(data: pl.DataFrame, period: Period, segment_title: str) -> str:
    """Return which segment brought the most new users over the whole dataset, in words.

    Example:
        >>> from datetime import date
        >>> df = pl.DataFrame(
        ...     {
        ...         "period_start": [date(2025, 1, 1)] * 2,
        ...         "segment": ["ads", "seo"],
        ...         "new_users": [30, 10],
        ...     }
        ... )
        >>> new_users_caption(df, "month", "channel")
        'Of 40 new users in all, the largest channel is ads with 30 (75%).'
    """
    if data.is_empty():
        return "No users in the data."
    by_segment = (
        data.group_by("segment").agg(pl.col("new_users").sum()).sort("new_users", descending=True)
    )
    total = by_segment["new_users"].sum()
    top, n = by_segment.row(0)
    return (
        f"Of {fmt.count(total)} new users in all, the largest {segment_title} is {top} "
        f"with {fmt.count(n)} ({fmt.pct(n / total)})."
    )
