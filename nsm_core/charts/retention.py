"""Charts of the Retention page: cohort heatmap, curves, lifecycle, stickiness, penny gap."""

from typing import Final

import altair as alt
import polars as pl

from nsm_core.charts._base import HEIGHT, PALETTE, colour_scale, titled

ROW_PX: Final = 20
SIZE_COLUMN: Final = "Users"
_LIFECYCLE: Final = ("new", "retained", "resurrected", "dormant")
_LIFECYCLE_COLOURS: Final = (PALETTE[0], PALETTE[2], PALETTE[1], PALETTE[3])
_PENNY: Final = ("never", "once only", "twice or more")
_VALUE: Final = {
    "rate": ("Retention", ".0%"),
    "revenue_retention": ("Revenue retention", ".0%"),
    "revenue_per_user": ("Revenue per user", "$,.2f"),
}


def _cell_tooltip(period: str, value: str) -> list[alt.Tooltip]:
    title, fmt = _VALUE[value]
    return [
        alt.Tooltip("cohort:T", title="Cohort"),
        alt.Tooltip("period:O", title=period.capitalize()),
        alt.Tooltip("cohort_size:Q", title="Cohort size", format=","),
        alt.Tooltip("active:Q", title="Active", format=","),
        alt.Tooltip(f"{value}:Q", title=title, format=fmt),
        alt.Tooltip("ci_low:Q", title="95% CI low", format=".1%"),
        alt.Tooltip("ci_high:Q", title="95% CI high", format=".1%"),
    ]


def _heatmap_data(matrix: pl.DataFrame, value: str) -> pl.DataFrame:
    """Return the matrix cells plus one "Users" cell per cohort holding its size as text."""
    if _VALUE[value][1].endswith("%"):
        text = pl.format("{}%", (pl.col(value) * 100).round(0).cast(pl.Int64))
    else:
        text = pl.format("${}", pl.col(value).round(0).cast(pl.Int64))
    cells = matrix.with_columns(column=pl.col("period").cast(pl.String), label=text)
    sizes = (
        matrix.filter(pl.col("period") == 0)
        .group_by("cohort")
        .agg(pl.col("cohort_size").sum())
        .with_columns(column=pl.lit(SIZE_COLUMN), label=pl.format("{}", pl.col("cohort_size")))
    )
    return pl.concat([cells, sizes], how="diagonal_relaxed")


def heatmap(matrix: pl.DataFrame, period: str, value: str = "rate") -> alt.LayerChart:
    """Return the cohort × period heatmap with the value in each cell and a size column.

    matrix(cohort, period, cohort_size, active, ci_low, ci_high, <value>); incomplete cells
    (null value) stay blank. The first column ("Users") is each cohort's size.

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
    title, fmt = _VALUE[value]
    data = _heatmap_data(matrix, value)
    order = [SIZE_COLUMN, *(str(k) for k in sorted(matrix["period"].unique().to_list()))]
    base = alt.Chart(data).encode(
        x=alt.X(
            "column:O",
            sort=order,
            title=f"{period.capitalize()}s since joining",
            axis=alt.Axis(labelAngle=0, orient="top"),
        ),
        y=alt.Y(
            "cohort:O", title=None, timeUnit="yearmonthdate", axis=alt.Axis(format="%-d %b %Y")
        ),
    )
    cells = (
        base.transform_filter(f"datum.column != '{SIZE_COLUMN}'")
        .mark_rect()
        .encode(
            color=alt.Color(
                f"{value}:Q",
                title=title,
                scale=alt.Scale(scheme="blues"),
                legend=alt.Legend(format=fmt),
            ),
            tooltip=_cell_tooltip(period, value),
        )
    )
    dark = f"datum.{value} > 0.6" if fmt.endswith("%") else "false"
    text = (
        base.transform_filter("isValid(datum.label)")
        .mark_text(fontSize=10)
        .encode(
            text="label:N",
            color=alt.condition(dark, alt.value("white"), alt.value("black")),
            tooltip=[alt.Tooltip("cohort_size:Q", title="Cohort size", format=",")],
        )
    )
    height = max(ROW_PX * matrix["cohort"].n_unique(), 60)
    return alt.layer(cells, text).properties(
        title=alt.TitleParams(
            f"{title} by cohort",
            subtitle="First column: cohort size. Blank cells are periods a cohort has not "
            "fully lived through yet",
            anchor="start",
        ),
        width="container",
        height=height,
    )


def curves(lines: pl.DataFrame, average: pl.DataFrame, period: str, by: str) -> alt.LayerChart:
    """Return retention curves, one thin line per cohort or segment, with the pooled average.

    lines(<by>, period, rate); average(period, rate, ci_low, ci_high).

    Example:
        >>> lines = pl.DataFrame({"cohort": ["2025-01-06"], "period": [1], "rate": [0.4]})
        >>> avg = pl.DataFrame({"period": [1], "rate": [0.4], "ci_low": [0.3], "ci_high": [0.5]})
        >>> curves(lines, avg, "week", "cohort").to_dict()["title"]["text"]
        'Retention curves'
    """
    x = alt.X("period:Q", title=f"{period.capitalize()}s since joining")
    y = alt.Y("rate:Q", title="Retained", axis=alt.Axis(format=".0%"))
    thin = (
        alt.Chart(lines)
        .mark_line(strokeWidth=1, opacity=0.55)
        .encode(
            x=x,
            y=y,
            color=alt.Color(f"{by}:N", title=by.capitalize(), scale=colour_scale()),
            tooltip=[
                alt.Tooltip(f"{by}:N", title=by.capitalize()),
                alt.Tooltip("period:Q", title=period.capitalize()),
                alt.Tooltip("rate:Q", title="Retained", format=".1%"),
            ],
        )
    )
    band = (
        alt.Chart(average)
        .mark_area(opacity=0.15, color="black")
        .encode(x=x, y="ci_low:Q", y2="ci_high:Q")
    )
    mean = (
        alt.Chart(average)
        .mark_line(strokeWidth=3, color="black", point=True)
        .encode(
            x=x,
            y=y,
            tooltip=[
                alt.Tooltip("period:Q", title=period.capitalize()),
                alt.Tooltip("rate:Q", title="Weighted average", format=".1%"),
                alt.Tooltip("ci_low:Q", title="95% CI low", format=".1%"),
                alt.Tooltip("ci_high:Q", title="95% CI high", format=".1%"),
            ],
        )
    )
    return titled(
        alt.layer(thin, band, mean),
        "Retention curves",
        "Black: average weighted by cohort size over complete cells, with its 95% interval",
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
        "Dormant users are drawn below zero; a faded bar is a period in progress",
    )


def quick_ratio_chart(data: pl.DataFrame, period: str) -> alt.LayerChart:
    """Return the quick ratio per period with a dashed line at 1 (blank where dormant = 0).

    data(period_start, quick_ratio)

    Example:
        >>> from datetime import date
        >>> d = pl.DataFrame({"period_start": [date(2025, 1, 6)], "quick_ratio": [3.0]})
        >>> quick_ratio_chart(d, "week").to_dict()["title"]["text"]
        'Quick ratio = (new + resurrected) / dormant'
    """
    x = alt.X("period_start:T", title=f"{period.capitalize()} starting")
    ratio = (
        alt.Chart(data)
        .mark_line(point=True, color=PALETTE[4])
        .encode(
            x=x,
            y=alt.Y("quick_ratio:Q", title="Quick ratio"),
            tooltip=[
                alt.Tooltip("period_start:T", title=f"{period.capitalize()} starting"),
                alt.Tooltip("quick_ratio:Q", title="Quick ratio", format=".2f"),
            ],
        )
    )
    one = alt.Chart(pl.DataFrame({"y": [1.0]})).mark_rule(strokeDash=[4, 4]).encode(y="y:Q")
    return titled(
        alt.layer(ratio, one),
        "Quick ratio = (new + resurrected) / dormant",
        "Above the dashed line at 1 the active base grows; blank where nobody left",
    ).properties(height=HEIGHT // 2)


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
            x=alt.X("date:T", title=None),
            y=alt.Y("value:Q", title="Share of monthly active users", axis=alt.Axis(format=".0%")),
            color=alt.Color("ratio:N", title="Ratio", scale=colour_scale()),
            tooltip=[
                alt.Tooltip("date:T", title="Day"),
                alt.Tooltip("ratio:N", title="Ratio"),
                alt.Tooltip("value:Q", title="Value", format=".1%"),
            ],
        )
    )
    return titled(chart, "Stickiness", "Active users of the day (or last 7 days) / of the last 30")


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
