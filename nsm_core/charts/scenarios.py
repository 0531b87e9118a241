"""Charts of the Scenarios page: monthly revenue by source, outcome band, tornado."""

import altair as alt
import polars as pl

from nsm_core.charts._base import FORMAT, NEUTRAL, PALETTE, colour_scale, titled

_MONEY = FORMAT["money"]
_SOURCES = {"base_revenue": "Base revenue", "moment_revenue": "Moment revenue"}
_ENDS = {"low": "Input at its low", "high": "Input at its high"}


def monthly_revenue_chart(data: pl.DataFrame) -> alt.Chart:
    """Return monthly revenue as bars per scenario, stacked base vs moment revenue.

    data(scenario, month, base_revenue, moment_revenue, ...) from `scenarios.monthly`.

    Example:
        >>> df = pl.DataFrame(
        ...     {"scenario": ["A"], "month": [1], "base_revenue": [9.0], "moment_revenue": [1.0]}
        ... )
        >>> monthly_revenue_chart(df).to_dict()["encoding"]["y"]["stack"]
        'zero'
    """
    long = data.unpivot(
        index=["scenario", "month"],
        on=list(_SOURCES),
        variable_name="source",
        value_name="revenue",
    ).with_columns(
        # Vega-Lite stacks the lowest `order` nearest zero: base revenue at the bottom.
        order=pl.col("source").replace_strict({k: i for i, k in enumerate(_SOURCES)}),
        source=pl.col("source").replace_strict(_SOURCES),
    )
    chart = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("month:O", title="Month", axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("scenario:N", title="Scenario"),
            y=alt.Y("revenue:Q", title="Revenue", stack="zero", axis=alt.Axis(format=_MONEY)),
            color=alt.Color(
                "source:N",
                title="Source",
                scale=alt.Scale(domain=list(_SOURCES.values()), range=[PALETTE[0], PALETTE[1]]),
            ),
            order=alt.Order("order:Q", sort="ascending"),
            tooltip=[
                alt.Tooltip("scenario:N", title="Scenario"),
                alt.Tooltip("month:O", title="Month"),
                alt.Tooltip("source:N", title="Source"),
                alt.Tooltip("revenue:Q", title="Revenue", format=_MONEY),
            ],
        )
    )
    return titled(
        chart,
        "Monthly revenue by scenario",
        "One bar per scenario in each month (in table order); moment revenue stacked on base",
    )


def band_chart(data: pl.DataFrame, band: float) -> alt.LayerChart:
    """Return cumulative net per scenario: median line inside its simulated band.

    data(scenario, month, low, median, high) from `scenarios.simulate(...).monthly`.

    Example:
        >>> df = pl.DataFrame(
        ...     {"scenario": ["A"], "month": [1], "low": [1.0], "median": [2.0], "high": [3.0]}
        ... )
        >>> [layer["mark"]["type"] for layer in band_chart(df, 0.9).to_dict()["layer"]]
        ['area', 'line']
    """
    share = f"{band:.0%}"
    base = alt.Chart(data).encode(
        x=alt.X("month:Q", title="Month", axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.Color("scenario:N", title="Scenario", scale=colour_scale()),
        tooltip=[
            alt.Tooltip("scenario:N", title="Scenario"),
            alt.Tooltip("month:Q", title="Month"),
            alt.Tooltip("median:Q", title="Median cumulative net", format=_MONEY),
            alt.Tooltip("low:Q", title=f"Low end of {share} band", format=_MONEY),
            alt.Tooltip("high:Q", title=f"High end of {share} band", format=_MONEY),
        ],
    )
    area = base.mark_area(opacity=0.2).encode(
        y=alt.Y("low:Q", title="Cumulative net revenue", axis=alt.Axis(format=_MONEY)),
        y2="high:Q",
    )
    line = base.mark_line(point=True).encode(y="median:Q")
    return titled(
        alt.layer(area, line),
        "Cumulative net revenue, simulated",
        f"Line: median of the simulations; shaded: the central {share} of them",
    )


def tornado_chart(data: pl.DataFrame, outcome: str) -> alt.LayerChart:
    """Return a tornado: how far the outcome moves when each input goes to its low and high.

    data(label, low_input, high_input, outcome_low, outcome_high, expected, spread) from
    `scenarios.sensitivity`, largest spread first.

    Example:
        >>> df = pl.DataFrame(
        ...     {
        ...         "label": ["Value"],
        ...         "low_input": [1.0],
        ...         "high_input": [3.0],
        ...         "outcome_low": [5.0],
        ...         "outcome_high": [15.0],
        ...         "expected": [10.0],
        ...         "spread": [10.0],
        ...     }
        ... )
        >>> tornado_chart(df, "Net gain").to_dict()["layer"][0]["mark"]["type"]
        'bar'
    """
    order = data["label"].to_list()
    long = pl.concat(
        [
            data.select(
                "label",
                "expected",
                "spread",
                end=pl.lit(name),
                input_value=pl.col(f"{side}_input"),
                outcome=pl.col(f"outcome_{side}"),
            )
            for side, name in _ENDS.items()
        ]
    )
    y = alt.Y("label:N", title="Input", sort=order, axis=alt.Axis(labelLimit=260))
    bars = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=y,
            x=alt.X("expected:Q", title=outcome, axis=alt.Axis(format=_MONEY)),
            x2="outcome:Q",
            color=alt.Color(
                "end:N",
                title="Input moved to",
                scale=alt.Scale(domain=list(_ENDS.values()), range=[PALETTE[1], PALETTE[0]]),
            ),
            tooltip=[
                alt.Tooltip("label:N", title="Input"),
                alt.Tooltip("end:N", title="Moved to"),
                alt.Tooltip("input_value:Q", title="Input value", format=",.2f"),
                alt.Tooltip("outcome:Q", title=outcome, format=_MONEY),
                alt.Tooltip("expected:Q", title="As planned", format=_MONEY),
            ],
        )
    )
    rule = alt.Chart(data.head(1)).mark_rule(color=NEUTRAL).encode(x="expected:Q")
    return titled(
        alt.layer(bars, rule),
        "What moves the outcome most",
        f"{outcome} when one input moves and the rest stay as planned; line = as planned",
    )
