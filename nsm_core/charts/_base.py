"""Shared chart pieces: one look for every chart, titles, axis titles and tooltips always."""

import textwrap
from typing import Final

import altair as alt
import polars as pl

HEIGHT: Final = 320
# Readable on Streamlit's light and dark backgrounds alike (marks that are not data colours).
NEUTRAL: Final = "#868e96"
# A hollow point: no fill, so it reads on either background (white would not, in dark mode).
HOLLOW: Final = alt.value("transparent")
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


TITLE_CHARS: Final = 36
SUBTITLE_CHARS: Final = 56


def subtitle_lines(subtitle: str | list[str] | None) -> list[str] | None:
    """Return a subtitle as lines that fit 390 px wide (Vega-Lite does not wrap them).

    Example:
        >>> for line in subtitle_lines("Complete months; dashed: the limit (at most). " * 2):
        ...     print(line)
        Complete months; dashed: the limit (at most). Complete
        months; dashed: the limit (at most).
    """
    if not subtitle:
        return None
    parts = [subtitle] if isinstance(subtitle, str) else subtitle
    return [line for part in parts for line in textwrap.wrap(part, SUBTITLE_CHARS)]


def titled(chart: alt.Chart, title: str, subtitle: str | list[str] | None = None) -> alt.Chart:
    """Return `chart` with a title (and optional subtitle), container width and our height.

    A title is not wrapped by Vega-Lite: keep it within TITLE_CHARS so it fits 390 px wide;
    the subtitle is wrapped into lines that do (`subtitle_lines`).
    """
    return chart.properties(
        title=alt.TitleParams(
            title,
            subtitle=subtitle_lines(subtitle) or alt.Undefined,
            subtitleColor=NEUTRAL,
            anchor="start",
        ),
        width="container",
        height=HEIGHT,
    )


IN_PROGRESS: Final = "dashed and hollow: the period still in progress"


def with_tail(data: pl.DataFrame, *, x: str, series: str | None = None) -> pl.DataFrame:
    """Return `data` with `_tail`: the rows drawn dashed (the last complete one and after).

    The unfinished last period has fewer days in it, so drawn like the others it reads as a
    plunge; the dashed tail joins it to the last complete period without claiming a trend.

    Example:
        >>> from datetime import date
        >>> df = pl.DataFrame({"d": [1, 2, 3], "complete": [True, True, False]})
        >>> with_tail(df, x="d")["_tail"].to_list()
        [False, True, True]
    """
    keys = [series] if series else []
    last_done = pl.col(x).filter(pl.col("complete")).max()
    last_done = last_done.over(keys) if keys else last_done
    return data.with_columns(_tail=~pl.col("complete") | (pl.col(x) == last_done))


def progress_line(
    data: pl.DataFrame,
    *,
    x: str,
    y: str,
    x_title: str,
    y_title: str,
    y_format: str = ",.0f",
    series: str | None = None,
    y_scale: alt.Scale | None = None,
    y_ticks: list[float] | None = None,
    colour: str = PALETTE[0],
) -> alt.LayerChart:
    """Return a line over periods, solid where complete, dashed into the unfinished period.

    data(x, y, complete[, series]); the points of unfinished periods are hollow, and the
    scales are padded so the last point is never clipped by the plot's edge. `y_scale` and
    `y_ticks` replace the linear y scale and its ticks (e.g. a log-like ratio scale).

    Example:
        >>> from datetime import date
        >>> df = pl.DataFrame(
        ...     {"d": [date(2025, 1, 6), date(2025, 1, 13)], "n": [5, 2], "complete": [True, False]}
        ... )
        >>> chart = progress_line(df, x="d", y="n", x_title="Week", y_title="Users")
        >>> [layer["mark"].get("strokeDash") for layer in chart.to_dict()["layer"]]
        [None, [5, 4], None]
    """
    hue = (
        alt.Color(f"{series}:N", title=series, scale=colour_scale())
        if series
        else alt.value(colour)
    )
    tooltip = [
        *([alt.Tooltip(f"{series}:N", title=series)] if series else []),
        alt.Tooltip(f"{x}:T", title=x_title),
        alt.Tooltip(f"{y}:Q", title=y_title, format=y_format),
        alt.Tooltip("complete:N", title="Period complete"),
    ]
    base = alt.Chart(with_tail(data, x=x, series=series)).encode(
        x=alt.X(f"{x}:T", title=x_title, scale=alt.Scale(padding=8)),
        y=alt.Y(
            f"{y}:Q",
            title=y_title,
            axis=alt.Axis(format=y_format, values=y_ticks or alt.Undefined),
            scale=y_scale or alt.Scale(padding=8),
        ),
        color=hue,
        tooltip=tooltip,
        **({"detail": alt.Detail(f"{series}:N")} if series else {}),
    )
    fill = alt.condition("datum.complete", hue, HOLLOW)
    return alt.layer(
        base.transform_filter("datum.complete").mark_line(),
        base.transform_filter("datum._tail").mark_line(strokeDash=[5, 4], opacity=0.7),
        base.mark_point(size=40, filled=False, strokeWidth=1.5).encode(fill=fill),
    )


def colour_scale() -> alt.Scale:
    """Return the categorical colour scale shared by all charts."""
    return alt.Scale(range=list(PALETTE))


def axis_name(column: str) -> str:
    """Return a column name as an axis title, for charts given none ("first_month": "First month").

    Example:
        >>> axis_name("first_month")
        'First month'
    """
    return column.replace("_", " ").capitalize()


def time_series(
    data: pl.DataFrame,
    *,
    x: str,
    y: str,
    title: str,
    y_title: str,
    color: str | None = None,
    y_format: str = "count",
    x_title: str | None = None,
) -> alt.Chart:
    """Return a line chart over dates with points, one line per `color` value.

    Both axes are titled: `x_title` defaults to the date column's name (`axis_name`).

    Example:
        >>> from datetime import date
        >>> df = pl.DataFrame({"d": [date(2025, 1, 1)], "n": [3]})
        >>> time_series(df, x="d", y="n", title="T", y_title="Users").mark.type
        'line'
    """
    fmt = FORMAT[y_format]
    x_title = x_title or axis_name(x)
    tooltip = [
        alt.Tooltip(f"{x}:T", title=x_title),
        alt.Tooltip(f"{y}:Q", title=y_title, format=fmt),
    ]
    encoding = {
        "x": alt.X(f"{x}:T", title=x_title),
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
    category_title: str | None = None,
) -> alt.Chart:
    """Return a horizontal bar chart, largest value on top.

    Both axes are titled: `category_title` defaults to the category column's name.

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
            y=alt.Y(f"{category}:N", title=category_title or axis_name(category), sort="-x"),
            tooltip=[
                alt.Tooltip(f"{category}:N", title=category_title or axis_name(category)),
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
