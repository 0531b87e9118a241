"""Charts of the Unit economics page."""

import altair as alt
import polars as pl

from nsm_core.charts._base import FORMAT, PALETTE, bars, time_series, titled

MOVEMENT_COLOURS = {
    "new": PALETTE[0],
    "reactivation": PALETTE[5],
    "expansion": PALETTE[2],
    "contraction": PALETTE[1],
    "churn": PALETTE[3],
}
CUSTOMER_COLOURS = {
    "new": PALETTE[0],
    "returning": PALETTE[5],
    "retained": PALETTE[2],
    "lost": PALETTE[3],
}


def ltv_curve_chart(curve: pl.DataFrame, cac: float | None) -> alt.LayerChart:
    """Return cumulative gross profit per acquired customer by month of life, with CAC.

    curve(age, customers, observed, projected, cumulative); months with an observed value are
    solid points, projected ones hollow; a dashed rule marks CAC when there is one.

    Example:
        >>> df = pl.DataFrame(
        ...     {
        ...         "age": [0, 1],
        ...         "customers": [30, 0],
        ...         "observed": [10.0, None],
        ...         "projected": [10.0, 5.0],
        ...         "cumulative": [10.0, 15.0],
        ...     }
        ... )
        >>> ltv_curve_chart(df, 12.0).to_dict()["layer"][0]["mark"]["type"]
        'line'
    """
    data = curve.with_columns(
        month=pl.col("age") + 1,
        source=pl.when(pl.col("observed").is_not_null())
        .then(pl.lit("observed"))
        .otherwise(pl.lit("projected")),
    )
    base = alt.Chart(data).encode(
        x=alt.X("month:Q", title="Month of customer life (1 = month of first payment)"),
        y=alt.Y(
            "cumulative:Q",
            title="Cumulative gross profit per customer",
            axis=alt.Axis(format="$,.0f"),
        ),
        tooltip=[
            alt.Tooltip("month:Q", title="Month of life"),
            alt.Tooltip("cumulative:Q", title="Cumulative gross profit", format="$,.2f"),
            alt.Tooltip("projected:Q", title="Gross profit that month", format="$,.2f"),
            alt.Tooltip("customers:Q", title="Customers observed", format=",.0f"),
            alt.Tooltip("source:N", title="Value"),
        ],
    )
    line = base.mark_line(color=PALETTE[0])
    points = base.mark_point(filled=True, color=PALETTE[0]).encode(
        fill=alt.condition(
            "datum.source == 'observed'", alt.value(PALETTE[0]), alt.value("transparent")
        )
    )
    layers = [line, points]
    if cac is not None:
        rule = (
            alt.Chart(pl.DataFrame({"cac": [cac]}))
            .mark_rule(color=PALETTE[3], strokeDash=[6, 4])
            .encode(y="cac:Q", tooltip=[alt.Tooltip("cac:Q", title="CAC", format="$,.2f")])
        )
        layers.append(rule)
    chart = alt.layer(*layers)
    return titled(
        chart,
        "Gross profit per customer, to date",
        "Cumulative, per acquired customer. Filled: observed; hollow: fitted curve; dashed: CAC",
    )


def cac_chart(by_month: pl.DataFrame) -> alt.Chart:
    """Return CAC per month, one line per channel.

    Example:
        >>> from datetime import date
        >>> df = pl.DataFrame({"month": [date(2024, 1, 1)], "channel": ["ads"], "cac": [50.0]})
        >>> cac_chart(df).mark.type
        'line'
    """
    return time_series(
        by_month,
        x="month",
        y="cac",
        title="CAC by channel and month",
        y_title="CAC",
        color="channel",
        y_format="money",
    )


def roi_chart(by_channel: pl.DataFrame) -> alt.Chart:
    """Return marketing ROI per channel as bars.

    Example:
        >>> df = pl.DataFrame({"channel": ["ads"], "marketing_roi": [0.4]})
        >>> roi_chart(df).mark.type
        'bar'
    """
    return bars(
        by_channel,
        category="channel",
        value="marketing_roi",
        title="Marketing ROI by channel",
        value_title="(revenue − spend) ÷ spend",
        value_format="pct",
    )


def _signed_bars(long: pl.DataFrame, value: str, colours: dict[str, str], money: bool) -> alt.Chart:
    """Monthly stacked bars of signed parts (losses below zero), one colour per part."""
    value_format = "$,.2f" if money else ",.0f"
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("yearmonth(month_start):T", title="Month"),
            y=alt.Y(
                f"{value}:Q",
                title="Revenue change" if money else "Paying customers",
                axis=alt.Axis(format=FORMAT["money"] if money else ",.0f"),
            ),
            color=alt.Color(
                "movement:N",
                title="Movement" if money else "Customers",
                scale=alt.Scale(domain=list(colours), range=list(colours.values())),
            ),
            tooltip=[
                alt.Tooltip("yearmonth(month_start):T", title="Month"),
                alt.Tooltip("movement:N", title="Movement"),
                alt.Tooltip(f"{value}:Q", title=value.capitalize(), format=value_format),
            ],
        )
    )


def movements_chart(long: pl.DataFrame) -> alt.Chart:
    """Return monthly revenue movements as stacked bars (losses below zero).

    long(month_start, movement, amount) from `display.movements_long`.

    Example:
        >>> from datetime import date
        >>> df = pl.DataFrame(
        ...     {"month_start": [date(2024, 1, 1)], "movement": ["new"], "amount": [5.0]}
        ... )
        >>> movements_chart(df).mark
        'bar'
    """
    return titled(
        _signed_bars(long, "amount", MOVEMENT_COLOURS, money=True),
        "Revenue movements per month",
        "New, reactivated and expansion revenue above zero; contraction and churn below",
    )


def customers_chart(long: pl.DataFrame) -> alt.Chart:
    """Return paying customers per month: new, returning and retained above zero, lost below.

    long(month_start, movement, customers) from `display.customers_long`.

    Example:
        >>> from datetime import date
        >>> df = pl.DataFrame(
        ...     {"month_start": [date(2024, 1, 1)], "movement": ["new"], "customers": [5]}
        ... )
        >>> customers_chart(df).mark
        'bar'
    """
    return titled(
        _signed_bars(long, "customers", CUSTOMER_COLOURS, money=False),
        "Paying customers per month",
        "New, returning and retained customers above zero; customers who stopped paying below",
    )


def cohort_margin_chart(cohorts: pl.DataFrame) -> alt.Chart:
    """Return contribution margin per customer of each acquisition cohort.

    Example:
        >>> from datetime import date
        >>> df = pl.DataFrame(
        ...     {"cohort": [date(2024, 1, 1)], "per_customer": [-3.0], "customers": [4]}
        ... )
        >>> cohort_margin_chart(df).mark
        'bar'
    """
    chart = (
        alt.Chart(cohorts)
        .mark_bar()
        .encode(
            x=alt.X("yearmonth(cohort):T", title="Acquisition month"),
            y=alt.Y(
                "per_customer:Q",
                title="Contribution per customer",
                axis=alt.Axis(format=FORMAT["money"]),
            ),
            color=alt.condition(
                "datum.per_customer >= 0", alt.value(PALETTE[2]), alt.value(PALETTE[3])
            ),
            tooltip=[
                alt.Tooltip("yearmonth(cohort):T", title="Cohort"),
                alt.Tooltip("customers:Q", title="Customers", format=",.0f"),
                alt.Tooltip("per_customer:Q", title="Contribution per customer", format="$,.2f"),
            ],
        )
    )
    return titled(
        chart, "Margin per customer, by cohort", "Contribution per acquired customer; red: a loss"
    )


def p_alive_chart(bins: pl.DataFrame) -> alt.Chart:
    """Return the distribution of P(alive) across customers, from `display.p_alive_bins`.

    bins(p_from, p_to, customers): one bar per bin, so the browser gets 20 rows, not one
    per customer.

    Example:
        >>> df = pl.DataFrame({"p_from": [0.0], "p_to": [0.05], "customers": [3]})
        >>> p_alive_chart(df).mark.type
        'bar'
    """
    chart = (
        alt.Chart(bins)
        .mark_bar(color=PALETTE[0])
        .encode(
            x=alt.X(
                "p_from:Q",
                bin="binned",
                title="Probability the customer is still active",
                axis=alt.Axis(format=".0%"),
            ),
            x2="p_to:Q",
            y=alt.Y("customers:Q", title="Customers"),
            tooltip=[
                alt.Tooltip("p_from:Q", title="From", format=".0%"),
                alt.Tooltip("p_to:Q", title="To", format=".0%"),
                alt.Tooltip("customers:Q", title="Customers", format=",.0f"),
            ],
        )
    )
    return titled(chart, "Customers still active (BG/NBD)", "Each customer's P(alive), binned")
