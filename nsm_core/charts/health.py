"""Charts of the Health page: a guardrail's monthly values against its limit."""

import altair as alt
import polars as pl

from nsm_core.charts._base import FORMAT, PALETTE, titled
from nsm_core.health.guardrails import Guardrail

_UNIT_FORMAT = {"share": FORMAT["pct1"], "number": FORMAT["num"], "money": FORMAT["money"]}


def guardrail_chart(series: pl.DataFrame, guardrail: Guardrail) -> alt.LayerChart:
    """Return the guardrail's value per complete month, with its limit as a dashed line.

    series(key, month_start, value) (rows of other guardrails are ignored).

    Example:
        >>> from datetime import date
        >>> s = pl.DataFrame({"key": ["churn"], "month_start": [date(2025, 1, 1)], "value": [0.08]})
        >>> chart = guardrail_chart(s, Guardrail("churn", 0.1))
        >>> [layer["mark"]["type"] for layer in chart.to_dict()["layer"]]
        ['line', 'rule']
    """
    info = guardrail.info
    fmt = _UNIT_FORMAT.get(info.unit, FORMAT["num"])
    data = series.filter(pl.col("key") == guardrail.key).with_columns(
        limit=pl.lit(guardrail.threshold)
    )
    line = (
        alt.Chart(data)
        .mark_line(point=True, color=PALETTE[0])
        .encode(
            x=alt.X("month_start:T", title="Month", axis=alt.Axis(format="%b %Y")),
            y=alt.Y("value:Q", title=info.title, axis=alt.Axis(format=fmt)),
            tooltip=[
                alt.Tooltip("month_start:T", title="Month", format="%B %Y"),
                alt.Tooltip("value:Q", title=info.title, format=fmt),
                alt.Tooltip("limit:Q", title="Limit", format=fmt),
            ],
        )
    )
    rule = (
        alt.Chart(data.head(1))
        .mark_rule(color=PALETTE[3], strokeDash=[6, 4])
        .encode(y="limit:Q", tooltip=[alt.Tooltip("limit:Q", title="Limit", format=fmt)])
    )
    word = "at most" if info.limit == "max" else "at least"
    return titled(
        alt.layer(line, rule),
        f"{info.title} per month",
        f"Complete months only; dashed line: the limit ({word}). {info.formula}",
    )
