"""Charts of the Overview page."""

import altair as alt
import polars as pl

from nsm_core._types import Period
from nsm_core.charts._base import IN_PROGRESS, bars, colour_scale, progress_line, titled

_ACTIVE_TITLE = {
    "day": "Daily active users",
    "week": "Weekly active users",
    "month": "Monthly active users",
}


def active_users_chart(data: pl.DataFrame, period: Period) -> alt.Chart:
    """Return active users per period; the unfinished last period is drawn dashed and hollow.

    data(period_start, active_users, complete)

    Example:
        >>> from datetime import date
        >>> df = pl.DataFrame(
        ...     {"period_start": [date(2025, 1, 6)], "active_users": [4], "complete": [True]}
        ... )
        >>> active_users_chart(df, "week").to_dict()["title"]["text"]
        'Weekly active users'
    """
    line = progress_line(
        data,
        x="period_start",
        y="active_users",
        x_title=f"{period.capitalize()} starting",
        y_title="Active users",
    )
    return titled(
        line, _ACTIVE_TITLE[period], ["Distinct users with any event", IN_PROGRESS.capitalize()]
    )


def new_users_chart(data: pl.DataFrame, period: Period, segment_title: str) -> alt.Chart:
    """Return new users per period as stacked bars by first-touch segment.

    data(period_start, segment, new_users)

    Example:
        >>> from datetime import date
        >>> df = pl.DataFrame(
        ...     {"period_start": [date(2025, 1, 1)], "segment": ["ads"], "new_users": [3]}
        ... )
        >>> new_users_chart(df, "month", "channel").to_dict()["encoding"]["y"]["stack"]
        'zero'
    """
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("period_start:T", title=f"{period.capitalize()} of first event"),
            y=alt.Y("new_users:Q", title="New users", stack="zero", axis=alt.Axis(format=",.0f")),
            color=alt.Color("segment:N", title=segment_title, scale=colour_scale()),
            tooltip=[
                alt.Tooltip("period_start:T", title=f"{period.capitalize()} starting"),
                alt.Tooltip("segment:N", title=segment_title),
                alt.Tooltip("new_users:Q", title="New users", format=",.0f"),
            ],
        )
    )
    return titled(
        chart, f"New users by {segment_title}", "Users counted in the period of their first event"
    )


def top_events_chart(catalog: pl.DataFrame, n: int = 15) -> alt.Chart:
    """Return the `n` most frequent events as bars of how many users did each.

    Example:
        >>> df = pl.DataFrame({"event": ["open"], "events": [9], "users": [3]})
        >>> top_events_chart(df).mark.type
        'bar'
    """
    return bars(
        catalog.sort("users", descending=True).head(n),
        category="event",
        value="users",
        title="Top events by users",
        value_title="Users who did it",
        category_title="Event",
    )
