"""Charts of the North Star and Workshop pages: a metric over time, before/after, evidence."""

import altair as alt
import polars as pl

from nsm_core.charts._base import IN_PROGRESS, PALETTE, colour_scale, progress_line, titled

_GRAIN = {"day": "Day", "week": "Week", "month": "Month"}


def metric_chart(data: pl.DataFrame, name: str, unit: str, grain: str) -> alt.LayerChart:
    """Return a metric per period; the unfinished last period is drawn dashed and hollow.

    data(period_start, value, complete)

    Example:
        >>> from datetime import date
        >>> df = pl.DataFrame(
        ...     {"period_start": [date(2025, 1, 6)], "value": [4.0], "complete": [True]}
        ... )
        >>> metric_chart(df, "Weekly orders", "orders", "week").to_dict()["title"]["text"]
        'Weekly orders'
    """
    line = progress_line(
        data,
        x="period_start",
        y="value",
        x_title=f"{_GRAIN[grain]} starting",
        y_title=unit.capitalize() or "Value",
        y_format=",.4~f",
    )
    return titled(line, name, IN_PROGRESS.capitalize())


def both_ways_chart(data: pl.DataFrame, name: str, unit: str) -> alt.Chart:
    """Return the metric under the old and the new definition, one line each.

    data(definition, period_start, value, complete)

    Example:
        >>> from datetime import date
        >>> df = pl.DataFrame(
        ...     {
        ...         "definition": ["before", "after"],
        ...         "period_start": [date(2025, 1, 6)] * 2,
        ...         "value": [3.0, 2.0],
        ...         "complete": [True, True],
        ...     }
        ... )
        >>> both_ways_chart(df, "WAU", "users").mark.type
        'line'
    """
    chart = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("period_start:T", title="Period starting"),
            y=alt.Y("value:Q", title=unit.capitalize() or "Value"),
            color=alt.Color(
                "definition:N",
                title="Definition",
                sort=["before", "after"],
                scale=alt.Scale(domain=["before", "after"], range=[PALETTE[8], PALETTE[0]]),
            ),
            strokeDash=alt.StrokeDash("definition:N", sort=["before", "after"], legend=None),
            tooltip=[
                alt.Tooltip("definition:N", title="Definition"),
                alt.Tooltip("period_start:T", title="Period starting"),
                alt.Tooltip("value:Q", title=unit or "Value", format=",.2f"),
                alt.Tooltip("complete:N", title="Period complete"),
            ],
        )
    )
    # The metric's name can be long: it goes in the subtitle, which wraps, not the title.
    return titled(chart, "Old and new definition", f"{name}, recomputed on the same events")


def lift_chart(data: pl.DataFrame) -> alt.LayerChart:
    """Return each candidate's adjusted retention lift (pp) with its confidence interval.

    data(candidate, adjusted_lift_pp, lift_low_pp, lift_high_pp, rating)

    Example:
        >>> df = pl.DataFrame(
        ...     {
        ...         "candidate": ["A"],
        ...         "adjusted_lift_pp": [5.0],
        ...         "lift_low_pp": [1.0],
        ...         "lift_high_pp": [9.0],
        ...         "rating": ["moderate"],
        ...     }
        ... )
        >>> lift_chart(df).to_dict()["title"]["text"]
        'Does doing it early lead retention?'
    """
    base = alt.Chart(data).encode(y=alt.Y("candidate:N", title="Candidate", sort=None))
    tooltip = [
        alt.Tooltip("candidate:N", title="Candidate"),
        alt.Tooltip("adjusted_lift_pp:Q", title="Adjusted lift (pp)", format="+.1f"),
        alt.Tooltip("lift_low_pp:Q", title="95% CI low (pp)", format="+.1f"),
        alt.Tooltip("lift_high_pp:Q", title="95% CI high (pp)", format="+.1f"),
        alt.Tooltip("rating:N", title="Rating"),
    ]
    bars = base.mark_rule(strokeWidth=2, color=PALETTE[8]).encode(
        x=alt.X("lift_low_pp:Q", title="Retention lift of early achievers (pp)"),
        x2="lift_high_pp:Q",
        tooltip=tooltip,
    )
    points = base.mark_point(filled=True, size=90).encode(
        x="adjusted_lift_pp:Q",
        color=alt.Color("rating:N", title="Rating", scale=colour_scale()),
        tooltip=tooltip,
    )
    zero = alt.Chart(pl.DataFrame({"x": [0.0]})).mark_rule(strokeDash=[4, 4]).encode(x="x:Q")
    return titled(
        alt.layer(bars, points, zero),
        "Does doing it early lead retention?",
        ["Adjusted for channel and first-week activity", "Bars: 95% intervals"],
    )


def weekly_index_chart(data: pl.DataFrame) -> alt.Chart:
    """Return every candidate's weekly series as an index (1 = its own average).

    data(candidate, period_start, index, value, complete)

    Example:
        >>> from datetime import date
        >>> df = pl.DataFrame(
        ...     {
        ...         "candidate": ["A"],
        ...         "period_start": [date(2025, 1, 6)],
        ...         "index": [1.0],
        ...         "value": [3.0],
        ...         "complete": [True],
        ...     }
        ... )
        >>> weekly_index_chart(df).mark
        'line'
    """
    chart = (
        alt.Chart(data.filter(pl.col("complete")))
        .mark_line()
        .encode(
            x=alt.X("period_start:T", title="Week starting"),
            y=alt.Y("index:Q", title="Index (1 = its average week)"),
            color=alt.Color("candidate:N", title="Candidate", scale=colour_scale()),
            tooltip=[
                alt.Tooltip("candidate:N", title="Candidate"),
                alt.Tooltip("period_start:T", title="Week starting"),
                alt.Tooltip("value:Q", title="Value", format=",.2f"),
                alt.Tooltip("index:Q", title="Index", format=".2f"),
            ],
        )
    )
    return titled(chart, "Week-to-week swing of each candidate", "Complete weeks only")
