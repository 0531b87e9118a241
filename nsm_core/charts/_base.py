"""Shared chart pieces: one look for every chart, titles, axis titles and tooltips always."""

from typing import Final

import altair as alt
import polars as pl

HEIGHT: Final = 320
BAR_PX: Final = 24
PALETTE: Final = (
    "#3b5bdb",
    "#f08c00",
    "#2f9e44",
    "#e03131",
    "#7048e8",
    "#1098ad",
    "#d6336c",
    "#5c940d",
    "#868e96",
    "#ae3ec9",
)
FORMAT: Final[dict[str, str]] = {
    "count": ",.0f",
    "pct": ".0%",
    "pct1": ".1%",
    "money": "$,.0f",
    "money2": "$,.2f",
    "num": ",.2f",
}


def titled(chart: alt.Chart, title: str, subtitle: str | None = None) -> alt.Chart:
    """Return `chart` with a title (and optional subtitle), container width and our height."""
    return chart.properties(
        title=alt.TitleParams(title, subtitle=subtitle or alt.Undefined, anchor="start"),
        width="container",
        height=HEIGHT,
    )


def colour_scale() -> alt.Scale:
    """Return the categorical colour scale shared by all charts."""
    return alt.Scale(range=list(PALETTE))


def time_series(
    data: pl.DataFrame,
    *,
    x: str,
    y: str,
    title: str,
    y_title: str,
    color: str | None = None,
    y_format: str = "count",
) -> alt.Chart:
    """Return a line chart over dates with points, one line per `color` value.

    Example:
        >>> from datetime import date
        >>> df = pl.DataFrame({"d": [date(2025, 1, 1)], "n": [3]})
        >>> time_series(df, x="d", y="n", title="T", y_title="Users").mark.type
        'line'
    """
    fmt = FORMAT[y_format]
    tooltip = [
        alt.Tooltip(f"{x}:T", title="Date"),
        alt.Tooltip(f"{y}:Q", title=y_title, format=fmt),
    ]
    encoding = {
        "x": alt.X(f"{x}:T", title=None),
        "y": alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=fmt)),
    }
    if color:
        encoding["color"] = alt.Color(f"{color}:N", title=color, scale=colour_scale())
        tooltip.insert(0, alt.Tooltip(f"{color}:N", title=color))
    chart = alt.Chart(data).mark_line(point=True).encode(**encoding, tooltip=tooltip)
    return titled(chart, title)


def bars(
    data: pl.DataFrame,
    *,
    category: str,
    value: str,
    title: str,
    value_title: str,
    value_format: str = "count",
) -> alt.Chart:
    """Return a horizontal bar chart, largest value on top.

    Example:
        >>> df = pl.DataFrame({"event": ["open", "pay"], "n": [5, 2]})
        >>> bars(df, category="event", value="n", title="T", value_title="Events").mark.type
        'bar'
    """
    fmt = FORMAT[value_format]
    chart = (
        alt.Chart(data)
        .mark_bar(color=PALETTE[0], height={"band": 0.8})
        .encode(
            x=alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(format=fmt)),
            y=alt.Y(f"{category}:N", title=None, sort="-x"),
            tooltip=[
                alt.Tooltip(f"{category}:N", title=category),
                alt.Tooltip(f"{value}:Q", title=value_title, format=fmt),
            ],
        )
    )
    # Every category gets room for its label, however many there are: the plot (not the
    # whole chart with title and axes) is BAR_PX per bar, and only the width is fitted.
    return titled(chart, title).properties(
        height=max(HEIGHT, BAR_PX * data.height),
        autosize=alt.AutoSizeParams(type="fit-x", contains="padding"),
    )
