"""Charts of the Retention page: cohort heatmap, curves, lifecycle, stickiness, penny gap."""

from typing import Final

import altair as alt
import polars as pl

from nsm_core.charts._base import HEIGHT, PALETTE, colour_scale, progress_line, titled

ROW_PX: Final = 20
TEXT_PX: Final = 26  # "100%" at 10 px fits in a column this wide
# numbers fit 26 columns of a 690 px grid (a 1280 px screen); with more they are left out
# rather than drawn invisible, which costs the browser a fifth of a second at 60 × 32 cells
TEXT_COLUMNS: Final = 26
LEGEND_PX: Final = 80  # room for a legend of up to 4 rows below the plot
SIZE_FILL: Final = "#495057"  # dark grey: white size numbers read on it in both themes
AVERAGE: Final = PALETTE[8]  # a mid grey reads on light and dark backgrounds
_LIFECYCLE: Final = ("new", "retained", "resurrected", "dormant")
_LIFECYCLE_COLOURS: Final = (PALETTE[0], PALETTE[2], PALETTE[1], PALETTE[3])
_PENNY: Final = ("never", "once only", "twice or more")
_VALUE: Final = {
    "rate": ("Retention", ".0%"),
    "revenue_retention": ("Revenue retention", ".0%"),
}


def _cell_tooltip(period: str, value: str) -> list[alt.Tooltip]:
    """Return a heatmap cell's tooltip: users with their interval, or revenue."""
    title, fmt = _VALUE[value]
    cell = [
        alt.Tooltip("cohort:T", title="Cohort"),
        alt.Tooltip("period:O", title=period.capitalize()),
        alt.Tooltip("cohort_size:Q", title="Cohort size", format=","),
    ]
    if value == "rate":
        return [
            *cell,
            alt.Tooltip("active:Q", title="Active", format=","),
            alt.Tooltip("rate:Q", title=title, format=fmt),
            alt.Tooltip("ci_low:Q", title="95% CI low", format=".1%"),
            alt.Tooltip("ci_high:Q", title="95% CI high", format=".1%"),
        ]
    return [
        *cell,
        alt.Tooltip("revenue:Q", title=f"Revenue in this {period}", format="$,.2f"),
        alt.Tooltip(f"{value}:Q", title=f"{title} (vs {period} 0)", format=fmt),
        alt.Tooltip("revenue_per_user:Q", title="Per original user", format="$,.2f"),
    ]


def _heatmap_cells(matrix: pl.DataFrame, value: str) -> pl.DataFrame:
    """Return only what the heatmap draws or shows in tooltips, as light as it can be sent."""
    extra = ("active",) if value == "rate" else ()
    shares = ("ci_low", "ci_high") if value == "rate" else ("revenue", "revenue_per_user")
    return matrix.select(
        "cohort",
        pl.col("period").cast(pl.Int16),
        "cohort_size",
        *extra,
        *(pl.col(c).cast(pl.Float32) for c in (value, *shares)),
    )


def _fits(columns: int) -> alt.ExprRef:
    """Return an opacity that shows cell text only when a column is wide enough for it."""
    return alt.ExprRef(f"width / {columns} >= {TEXT_PX} ? 1 : 0")


def _colour(cells: pl.DataFrame, value: str) -> tuple[alt.Color, str]:
    """Return the cell colour and the test for white text on the darker cells.

    The scale ends at the highest value after period 0 (period 0 is 100% by definition and
    would leave every later cell pale); period-0 cells are clamped to its darkest blue.
    """
    title, fmt = _VALUE[value]
    later = cells.filter(pl.col("period") > 0)[value].drop_nulls()
    top = float(later.max()) if not later.is_empty() and later.max() > 0 else 1.0
    colour = alt.Color(
        f"{value}:Q",
        title=title,
        scale=alt.Scale(scheme="blues", domain=[0, top], clamp=True),
        legend=alt.Legend(format=fmt, orient="bottom", direction="horizontal"),
    )
    return colour, f"datum.{value} > {0.6 * top:.4f}"


def heatmap(
    matrix: pl.DataFrame, period: str, value: str = "rate", unit: str = "user"
) -> alt.LayerChart:
    """Return the cohort × period heatmap with the value in each cell and a size column.

    matrix(cohort, period, cohort_size, <value> + active, ci_low, ci_high for "rate" or
    revenue, revenue_per_user for revenue); incomplete cells (null value) stay blank. The
    first column ("Users", "Accounts" for unit="account") is each cohort's size. Numbers
    are written in the cells only when a column is at least TEXT_PX wide and there are at
    most TEXT_COLUMNS columns (the colour and tooltip always carry them), and axis labels
    that would overlap are thinned out, so the grid reads at 390 px.

    Example:
        >>> from datetime import date
        >>> m = pl.DataFrame(
        ...     {
        ...         "cohort": [date(2025, 1, 6)] * 2,
        ...         "period": [0, 1],
        ...         "cohort_size": [10, 10],
        ...         "active": [10, 4],
        ...         "rate": [1.0, 0.4],
        ...         "ci_low": [0.7, 0.2],
        ...         "ci_high": [1.0, 0.7],
        ...     }
        ... )
        >>> heatmap(m, "week").to_dict()["title"]["text"]
        'Retention by cohort'
    """
    title = _VALUE[value][0]
    cells = _heatmap_cells(matrix, value)
    # the size column is period -1 on the same ordinal axis, labelled "Users"
    sizes = (
        cells.filter(pl.col("period") == 0)
        .group_by("cohort")
        .agg(pl.col("cohort_size").sum())
        .with_columns(period=pl.lit(-1, pl.Int16))
    )
    columns = cells["period"].n_unique() + 1
    x = alt.X(
        "period:O",
        title=f"{period.capitalize()}s since joining",
        axis=alt.Axis(
            labelAngle=0,
            orient="top",
            labelOverlap="parity",
            labelExpr=f"datum.value == -1 ? '{unit.capitalize()}s' : datum.label",
        ),
    )
    y = alt.Y(
        "cohort:O",
        title=f"{period.capitalize()} joined",
        timeUnit="yearmonthdate",
        axis=alt.Axis(format="%-d %b %Y", labelOverlap="parity"),
    )
    colour, dark = _colour(cells, value)
    tooltip = _cell_tooltip(period, value)
    grid = alt.Chart(cells).encode(x=x, y=y, tooltip=tooltip)
    numbers = (
        grid.transform_filter(f"isValid(datum.{value})")
        .mark_text(fontSize=10, opacity=_fits(columns))
        .encode(
            text=alt.Text(f"{value}:Q", format=".0%"),
            color=alt.condition(dark, alt.value("white"), alt.value("black")),  # on its cell
        )
    )
    size = alt.Chart(sizes).encode(
        x=x, y=y, tooltip=[alt.Tooltip("cohort_size:Q", title="Cohort size", format=",")]
    )
    on_fill = "white"  # on its cell: the dark SIZE_FILL, in either theme
    size_text = size.mark_text(fontSize=10, opacity=_fits(columns), color=on_fill).encode(
        text=alt.Text("cohort_size:Q", format=",")
    )
    blank = "not complete yet" if value == "rate" else f"not complete, or no {period}-0 revenue"
    layers = [grid.mark_rect().encode(color=colour), size.mark_rect(color=SIZE_FILL), size_text]
    if columns <= TEXT_COLUMNS:
        layers.insert(1, numbers)
    return alt.layer(*layers).properties(
        title=alt.TitleParams(
            f"{title} by cohort",
            subtitle=[f"First column: {unit}s in the cohort", f"Blank: {blank}"],
            subtitleColor=AVERAGE,  # the theme leaves subtitles black, unreadable in dark mode
            anchor="start",
        ),
        width="container",
        height=ROW_PX * matrix["cohort"].n_unique(),
        # the grid (not the whole chart) is ROW_PX per cohort; only the width is fitted
        autosize=alt.AutoSizeParams(type="fit-x", contains="padding"),
    )


def curves(
    lines: pl.DataFrame, average: pl.DataFrame, period: str, by: str, value: str = "rate"
) -> alt.LayerChart:
    """Return retention curves, one thin line per cohort or segment, with the pooled average.

    lines(<by>, period, <value>); average(period, <value>[, ci_low, ci_high]). The legend
    lists the lines in the order of `lines` (cohorts by date, not as text). `value` is
    "rate" (share of users retained, with the average's 95% band) or "revenue_retention"
    (revenue in k / the cohorts' period-0 revenue, no band).

    Example:
        >>> lines = pl.DataFrame({"cohort": ["2025-01-06"], "period": [1], "rate": [0.4]})
        >>> avg = pl.DataFrame({"period": [1], "rate": [0.4], "ci_low": [0.3], "ci_high": [0.5]})
        >>> curves(lines, avg, "week", "cohort").to_dict()["title"]["text"]
        'Retention curves'
    """
    title, fmt = _VALUE[value]
    users = value == "rate"
    y_title = "Retained" if users else f"Share of {period}-0 revenue"
    x = alt.X("period:Q", title=f"{period.capitalize()}s since joining")
    y = alt.Y(f"{value}:Q", title=y_title, axis=alt.Axis(format=fmt))
    thin = (
        alt.Chart(lines)
        .mark_line(strokeWidth=1.5, opacity=0.7)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                f"{by}:N",
                title=by.capitalize(),
                sort=lines[by].unique(maintain_order=True).to_list(),
                scale=colour_scale(),
                legend=alt.Legend(orient="bottom", columns=2),
            ),
            tooltip=[
                alt.Tooltip(f"{by}:N", title=by.capitalize()),
                alt.Tooltip("period:Q", title=period.capitalize()),
                alt.Tooltip(f"{value}:Q", title=y_title, format=".1%"),
            ],
        )
    )
    pooled = "Weighted average" if users else "All cohorts pooled"
    mean = (
        alt.Chart(average)
        .mark_line(strokeWidth=3, color=AVERAGE, point=alt.OverlayMarkDef(color=AVERAGE))
        .encode(
            x=x,
            y=y,
            tooltip=[
                alt.Tooltip("period:Q", title=period.capitalize()),
                alt.Tooltip(f"{value}:Q", title=pooled, format=".1%"),
                *(
                    [
                        alt.Tooltip("ci_low:Q", title="95% CI low", format=".1%"),
                        alt.Tooltip("ci_high:Q", title="95% CI high", format=".1%"),
                    ]
                    if users
                    else []
                ),
            ],
        )
    )
    layers = [thin, mean]
    if users:
        band = (
            alt.Chart(average)
            .mark_area(opacity=0.2, color=AVERAGE)
            .encode(x=x, y="ci_low:Q", y2="ci_high:Q")
        )
        layers.insert(1, band)
    subtitle = (
        "Grey: all cohorts, weighted by size, with its 95% CI"
        if users
        else f"Grey: all cohorts pooled, revenue / {period}-0 revenue"
    )
    return titled(alt.layer(*layers), f"{title} curves", subtitle).properties(
        height=HEIGHT + LEGEND_PX
    )


def lifecycle_chart(data: pl.DataFrame, period: str) -> alt.Chart:
    """Return growth accounting as stacked bars per period, dormant users below zero.

    data(period_start, new, retained, resurrected, dormant, complete)

    Example:
        >>> from datetime import date
        >>> d = pl.DataFrame(
        ...     {
        ...         "period_start": [date(2025, 1, 6)],
        ...         "new": [5],
        ...         "retained": [3],
        ...         "resurrected": [1],
        ...         "dormant": [2],
        ...         "complete": [True],
        ...     }
        ... )
        >>> lifecycle_chart(d, "week").to_dict()["title"]["text"]
        'Who is active, and who went dormant'
    """
    long = data.unpivot(
        on=list(_LIFECYCLE), index=["period_start", "complete"], variable_name="state"
    ).with_columns(
        users=pl.when(pl.col("state") == "dormant").then(-pl.col("value")).otherwise("value")
    )
    chart = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("period_start:T", title=f"{period.capitalize()} starting"),
            y=alt.Y("users:Q", title="Users", stack="zero", axis=alt.Axis(format=",.0f")),
            color=alt.Color(
                "state:N",
                title="State",
                sort=list(_LIFECYCLE),
                scale=alt.Scale(domain=list(_LIFECYCLE), range=list(_LIFECYCLE_COLOURS)),
            ),
            opacity=alt.condition("datum.complete", alt.value(1.0), alt.value(0.45)),
            tooltip=[
                alt.Tooltip("period_start:T", title=f"{period.capitalize()} starting"),
                alt.Tooltip("state:N", title="State"),
                alt.Tooltip("value:Q", title="Users", format=","),
                alt.Tooltip("complete:N", title="Period complete"),
            ],
        )
    )
    return titled(
        chart,
        "Who is active, and who went dormant",
        "Dormant users below zero; faded bar: period not over",
    )


def _ratio_ticks(top: float | None) -> list[float]:
    """Return the ticks 0, 0.5, 1, 2, 4, ... up to the first at or above `top`.

    Example:
        >>> _ratio_ticks(4.5)
        [0.0, 0.5, 1.0, 2.0, 4.0, 8.0]
    """
    ticks = [0.0, 0.5, 1.0]
    while ticks[-1] < (top or 1.0):
        ticks.append(ticks[-1] * 2)
    return ticks


def quick_ratio_chart(data: pl.DataFrame, period: str) -> alt.LayerChart:
    """Return the quick ratio per period on a log-like scale, dashed line at 1 (blank at 0 dormant).

    data(period_start, quick_ratio, complete). A ratio is read by its factor, so a symmetric-log
    scale (log-like above 1, linear near 0, and a ratio of 0 still has a place, which a
    log scale cannot draw at all) keeps one early outlier from flattening the rest; the
    chart has the full height of the others.

    Example:
        >>> from datetime import date
        >>> d = pl.DataFrame(
        ...     {"period_start": [date(2025, 1, 6)], "quick_ratio": [3.0], "complete": [True]}
        ... )
        >>> quick_ratio_chart(d, "week").to_dict()["title"]["text"]
        'Quick ratio'
    """
    ratio = progress_line(
        data.select("period_start", "quick_ratio", "complete"),
        x="period_start",
        y="quick_ratio",
        x_title=f"{period.capitalize()} starting",
        y_title="Quick ratio (log-like scale)",
        y_format="~g",
        y_scale=alt.Scale(type="symlog"),
        y_ticks=_ratio_ticks(data["quick_ratio"].max()),
        colour=PALETTE[4],
    )
    one = (
        alt.Chart(pl.DataFrame({"y": [1.0]}))
        .mark_rule(strokeDash=[4, 4], color=AVERAGE)
        .encode(y="y:Q")
    )
    return titled(
        alt.layer(*ratio.layer, one),
        "Quick ratio",
        "(new + resurrected) / dormant; dashed: in progress",
    )


def stickiness_chart(daily: pl.DataFrame) -> alt.Chart:
    """Return DAU/MAU and WAU/MAU per day.

    daily(date, dau_mau, wau_mau)

    Example:
        >>> from datetime import date
        >>> d = pl.DataFrame({"date": [date(2025, 2, 1)], "dau_mau": [0.2], "wau_mau": [0.5]})
        >>> stickiness_chart(d).to_dict()["title"]["text"]
        'Stickiness'
    """
    long = daily.unpivot(on=["dau_mau", "wau_mau"], index="date", variable_name="ratio")
    long = long.with_columns(
        pl.col("ratio").replace_strict({"dau_mau": "DAU/MAU", "wau_mau": "WAU/MAU"})
    )
    chart = (
        alt.Chart(long)
        .mark_line()
        .encode(
            x=alt.X("date:T", title="Day"),
            y=alt.Y("value:Q", title="Share of monthly active users", axis=alt.Axis(format=".0%")),
            color=alt.Color("ratio:N", title="Ratio", scale=colour_scale()),
            tooltip=[
                alt.Tooltip("date:T", title="Day"),
                alt.Tooltip("ratio:N", title="Ratio"),
                alt.Tooltip("value:Q", title="Value", format=".1%"),
            ],
        )
    )
    return titled(chart, "Stickiness", "Active on the day (or in 7 days) / active in 30 days")


def power_chart(power: pl.DataFrame, window: str) -> alt.Chart:
    """Return the power-user curve: share of active users by active days in the window.

    power(window_start, days_active, users, share, share_at_least)

    Example:
        >>> from datetime import date
        >>> p = pl.DataFrame(
        ...     {
        ...         "window_start": [date(2025, 1, 1)],
        ...         "days_active": [1],
        ...         "users": [3],
        ...         "share": [1.0],
        ...         "share_at_least": [1.0],
        ...     }
        ... )
        >>> power_chart(p, "month").mark.type
        'bar'
    """
    chart = (
        alt.Chart(power.with_columns(window=pl.col("window_start").cast(pl.String)))
        .mark_bar(opacity=0.8)
        .encode(
            x=alt.X("days_active:O", title=f"Active days in the {window}"),
            y=alt.Y("share:Q", title="Share of active users", axis=alt.Axis(format=".0%")),
            xOffset="window:N",
            color=alt.Color(
                "window:N", title=f"{window.capitalize()} starting", scale=colour_scale()
            ),
            tooltip=[
                alt.Tooltip("window:N", title=f"{window.capitalize()} starting"),
                alt.Tooltip("days_active:O", title="Active days"),
                alt.Tooltip("users:Q", title="Users", format=","),
                alt.Tooltip("share:Q", title="Share", format=".1%"),
                alt.Tooltip("share_at_least:Q", title="This many days or more", format=".1%"),
            ],
        )
    )
    return titled(chart, "Power-user curve", "A smile on the right means a core of daily users")


def penny_chart(table: pl.DataFrame, by: str) -> alt.Chart:
    """Return, per cohort or segment, the shares who never, once, or repeatedly did it.

    table(<by>, users, once, twice, share_once, share_twice, repeat_rate)

    Example:
        >>> t = pl.DataFrame(
        ...     {
        ...         "cohort": ["2025-01-01"],
        ...         "users": [10],
        ...         "once": [6],
        ...         "twice": [3],
        ...         "share_once": [0.6],
        ...         "share_twice": [0.3],
        ...         "repeat_rate": [0.5],
        ...     }
        ... )
        >>> penny_chart(t, "cohort").to_dict()["title"]["text"]
        'The penny gap'
    """
    shares = table.select(
        pl.col(by).cast(pl.String),
        "users",
        "repeat_rate",
        never=1 - pl.col("share_once"),
        once_only=pl.col("share_once") - pl.col("share_twice"),
        twice=pl.col("share_twice"),
    ).rename({"once_only": _PENNY[1], "twice": _PENNY[2]})
    long = shares.unpivot(
        on=list(_PENNY),
        index=[by, "users", "repeat_rate"],
        variable_name="group",
        value_name="share",
    )
    chart = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X(f"{by}:N", title=by.capitalize()),
            y=alt.Y("share:Q", title="Share of users", stack="zero", axis=alt.Axis(format=".0%")),
            color=alt.Color(
                "group:N",
                title="Did it",
                sort=list(_PENNY),
                scale=alt.Scale(domain=list(_PENNY), range=[PALETTE[8], PALETTE[1], PALETTE[0]]),
            ),
            order=alt.Order("group:N", sort="ascending"),
            tooltip=[
                alt.Tooltip(f"{by}:N", title=by.capitalize()),
                alt.Tooltip("group:N", title="Did it"),
                alt.Tooltip("share:Q", title="Share", format=".1%"),
                alt.Tooltip("users:Q", title="Users", format=","),
                alt.Tooltip("repeat_rate:Q", title="Came back after the first", format=".1%"),
            ],
        )
    )
    return titled(chart, "The penny gap", "How many do it once, and how many come back for more")
