"""Charts of the High-value moments page: naive vs adjusted lifts, segments, tracking."""

import altair as alt
import polars as pl

from nsm_core.charts._base import FORMAT, HEIGHT, colour_scale, titled
from nsm_core.moments.action import NOT_REACHED, REACHED

ROW_HEIGHT = 26


def _unit_format(unit: str) -> tuple[str, str]:
    """Return (axis/tooltip format, unit suffix) of lifts in pp, money or another unit.

    Example:
        >>> _unit_format("pp"), _unit_format("orders")
        (('+.1f', 'pp'), ('+,.2f', 'orders'))
    """
    if unit == "money":
        return "$,.2f", "$"
    return ("+.1f", "pp") if unit == "pp" else ("+,.2f", unit)


def _interval_layers(
    data: pl.DataFrame, *, category: str, group: str, unit: str, x_title: str
) -> alt.LayerChart:
    """Return points with 95% interval rules per category, one offset row per group."""
    fmt, _ = _unit_format(unit)
    tooltip = [
        alt.Tooltip(f"{category}:N", title=category.capitalize()),
        alt.Tooltip(f"{group}:N", title=group.capitalize()),
        alt.Tooltip("lift:Q", title=x_title, format=fmt),
        alt.Tooltip("ci_low:Q", title="95% CI low", format=fmt),
        alt.Tooltip("ci_high:Q", title="95% CI high", format=fmt),
    ]
    base = alt.Chart(data).encode(
        y=alt.Y(f"{category}:N", title=None, sort=None, axis=alt.Axis(labelLimit=260)),
        yOffset=alt.YOffset(f"{group}:N", sort=None),
        color=alt.Color(f"{group}:N", title=None, sort=None, scale=colour_scale()),
        tooltip=tooltip,
    )
    rules = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("ci_low:Q", title=x_title, axis=alt.Axis(format=fmt)), x2="ci_high:Q"
    )
    points = base.mark_point(filled=True, size=70).encode(x="lift:Q")
    zero = alt.Chart(pl.DataFrame({"x": [0.0]})).mark_rule(strokeDash=[4, 4]).encode(x="x:Q")
    return alt.layer(rules, points, zero)


def lift_chart(
    data: pl.DataFrame, unit: str = "pp", *, x_title: str | None = None
) -> alt.LayerChart:
    """Return each candidate's naive and adjusted lift with 95% intervals, side by side.

    data(moment, kind, lift, ci_low, ci_high): two rows per moment (naive, adjusted).
    unit: "pp", "money" or the unit of an amount ("orders"); x_title names the outcome.

    Example:
        >>> df = pl.DataFrame(
        ...     {
        ...         "moment": ["a", "a"],
        ...         "kind": ["naive", "adjusted"],
        ...         "lift": [9.0, 0.5],
        ...         "ci_low": [7.0, -1.0],
        ...         "ci_high": [11.0, 2.0],
        ...     }
        ... )
        >>> lift_chart(df).to_dict()["title"]["text"]
        'Naive vs adjusted lift'
    """
    _, suffix = _unit_format(unit)
    x_title = x_title or (
        "Lift in revenue per user ($)" if unit == "money" else "Lift in retention (pp)"
    )
    layers = _interval_layers(data, category="moment", group="kind", unit=unit, x_title=x_title)
    chart = titled(
        layers,
        "Naive vs adjusted lift",
        [
            "Which moments survive a fair comparison",
            f"Dots: lifts in {suffix}; lines: 95% intervals; dashed: no effect",
        ],
    )
    rows = data.select(pl.col("moment").n_unique()).item()
    return chart.properties(height=max(HEIGHT, ROW_HEIGHT * rows))


def segment_chart(
    data: pl.DataFrame, unit: str = "pp", *, x_title: str | None = None
) -> alt.LayerChart:
    """Return the adjusted lift of the top moments within each segment value, with 95% CIs.

    data(moment, segment, lift, ci_low, ci_high); rows without a lift are left out.

    Example:
        >>> df = pl.DataFrame(
        ...     {
        ...         "moment": ["a"],
        ...         "segment": ["ios"],
        ...         "lift": [4.0],
        ...         "ci_low": [1.0],
        ...         "ci_high": [7.0],
        ...     }
        ... )
        >>> segment_chart(df).to_dict()["title"]["text"]
        'Adjusted lift by segment'
    """
    x_title = x_title or ("Adjusted lift ($ per user)" if unit == "money" else "Adjusted lift (pp)")
    shown = data.filter(pl.col("lift").is_not_null())
    layers = _interval_layers(shown, category="segment", group="moment", unit=unit, x_title=x_title)
    chart = titled(layers, "Adjusted lift by segment", "Lines are 95% intervals")
    rows = shown.select(pl.col("segment").n_unique()).item()
    return chart.properties(height=max(HEIGHT, 2 * ROW_HEIGHT * rows))


def completion_chart(data: pl.DataFrame) -> alt.LayerChart:
    """Return the share of each weekly cohort that reached each moment, with Wilson bands.

    data(cohort, moment, users, reached, rate, ci_low, ci_high)

    Example:
        >>> from datetime import date
        >>> df = pl.DataFrame(
        ...     {
        ...         "cohort": [date(2025, 1, 6)],
        ...         "moment": ["a"],
        ...         "users": [10],
        ...         "reached": [4],
        ...         "rate": [0.4],
        ...         "ci_low": [0.2],
        ...         "ci_high": [0.6],
        ...     }
        ... )
        >>> completion_chart(df).to_dict()["title"]["text"]
        'Who reaches each moment, by week of first visit'
    """
    pct = FORMAT["pct1"]
    base = alt.Chart(data).encode(
        x=alt.X("cohort:T", title="Week of first event"),
        color=alt.Color("moment:N", title="Moment", scale=colour_scale()),
    )
    band = base.mark_area(opacity=0.15).encode(y="ci_low:Q", y2="ci_high:Q")
    line = base.mark_line(point=True).encode(
        y=alt.Y("rate:Q", title="Reached the moment", axis=alt.Axis(format=FORMAT["pct"])),
        tooltip=[
            alt.Tooltip("cohort:T", title="Week of"),
            alt.Tooltip("moment:N", title="Moment"),
            alt.Tooltip("users:Q", title="Users", format=FORMAT["count"]),
            alt.Tooltip("rate:Q", title="Reached", format=pct),
            alt.Tooltip("ci_low:Q", title="95% CI low", format=pct),
            alt.Tooltip("ci_high:Q", title="95% CI high", format=pct),
        ],
    )
    return titled(
        alt.layer(band, line),
        "Who reaches each moment, by week of first visit",
        "Bands are 95% Wilson intervals; only weeks whose moment window has ended",
    )


def outcome_chart(data: pl.DataFrame, unit: str = "pp", *, y_title: str | None = None) -> alt.Chart:
    """Return the outcome of users who reached each moment vs the rest, by weekly cohort.

    data(cohort, moment, group, users, outcome, ci_low, ci_high)

    Example:
        >>> from datetime import date
        >>> df = pl.DataFrame(
        ...     {
        ...         "cohort": [date(2025, 1, 6)],
        ...         "moment": ["a"],
        ...         "group": ["reached it"],
        ...         "users": [10],
        ...         "outcome": [0.5],
        ...         "ci_low": [0.2],
        ...         "ci_high": [0.8],
        ...     }
        ... )
        >>> outcome_chart(df).to_dict()["title"]["text"]
        'Outcome of achievers vs the rest, by week of first visit'
    """
    fmt = {"money": FORMAT["money2"], "pp": FORMAT["pct"]}.get(unit, ",.2f")
    y_title = y_title or ("Revenue per user" if unit == "money" else "Retained")
    chart = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("cohort:T", title="Week of first event"),
            y=alt.Y("outcome:Q", title=y_title, axis=alt.Axis(format=fmt)),
            color=alt.Color("moment:N", title="Moment", scale=colour_scale()),
            strokeDash=alt.StrokeDash(
                "group:N",
                title="Users who",
                scale=alt.Scale(domain=[REACHED, NOT_REACHED], range=[[1, 0], [5, 4]]),
            ),
            tooltip=[
                alt.Tooltip("cohort:T", title="Week of"),
                alt.Tooltip("moment:N", title="Moment"),
                alt.Tooltip("group:N", title="Users who"),
                alt.Tooltip("users:Q", title="Users", format=FORMAT["count"]),
                alt.Tooltip("outcome:Q", title=y_title, format=fmt),
                alt.Tooltip("ci_low:Q", title="95% CI low", format=fmt),
                alt.Tooltip("ci_high:Q", title="95% CI high", format=fmt),
            ],
        )
    )
    return titled(
        chart,
        "Outcome of achievers vs the rest, by week of first visit",
        "Solid: reached the moment; dashed: did not (users observed through the outcome window)",
    )
