"""CAC by channel and month, marketing ROI and customer ROI (docs/definitions/economics.md#cac).

New paying customers are counted in the month of their first payment, under their
first-touch channel; spend comes from the spend table (month, channel, ad_spend).
"""

import polars as pl

from nsm_core.economics.tables import NO_CHANNEL
from nsm_core.periods import period_number, period_start


def _spend_by(spend: pl.DataFrame, by_channel: bool) -> pl.DataFrame:
    channel = pl.col("channel").cast(pl.String) if by_channel else pl.lit(NO_CHANNEL)
    return spend.group_by(
        period_number("month", "month").alias("month"), channel.alias("channel")
    ).agg(ad_spend=pl.col("ad_spend").cast(pl.Float64).fill_null(0.0).sum())


def by_channel(customers: pl.DataFrame) -> bool:
    """Return whether customers carry a real acquisition channel (not the "(all)" fallback).

    Example:
        >>> by_channel(pl.DataFrame({"channel": ["(all)"]}))
        False
    """
    return bool((customers["channel"] != NO_CHANNEL).any())


def cac_table(customers: pl.DataFrame, spend: pl.DataFrame) -> pl.DataFrame:
    """Return CAC per spend month and channel.

    customers(customer, first_month, channel), spend(month, channel, ad_spend) ->
    (month, channel, ad_spend, new_customers, cac); CAC = ad_spend ÷ new paying customers
    acquired that month through that channel (null when there are none). When customers
    have no channel, spend is summed over channels and compared with all new customers.

    Example:
        >>> from datetime import date
        >>> cu = pl.DataFrame(
        ...     {"c": ["a", "b", "d"], "first_month": [24288] * 3, "channel": ["ads", "ads", "seo"]}
        ... )
        >>> sp = pl.DataFrame(
        ...     {"month": [date(2024, 1, 1)], "channel": ["ads"], "ad_spend": [100.0]}
        ... )
        >>> cac_table(cu, sp).select("channel", "new_customers", "cac").rows()
        [('ads', 2, 50.0)]
    """
    new = customers.group_by(pl.col("first_month").alias("month"), "channel").agg(
        new_customers=pl.len().cast(pl.Int64)
    )
    return (
        _spend_by(spend, by_channel(customers))
        .join(new, on=["month", "channel"], how="left")
        .with_columns(pl.col("new_customers").fill_null(0))
        .with_columns(
            cac=pl.when(pl.col("new_customers") > 0).then(
                pl.col("ad_spend") / pl.col("new_customers")
            )
        )
        .sort("month", "channel")
        .select(period_start("month", "month").alias("month"), pl.exclude("month"))
    )


def blended_cac(customers: pl.DataFrame, spend: pl.DataFrame) -> tuple[float | None, int]:
    """Return (blended CAC, new customers) over the spend table's months.

    Blended CAC = Σ ad_spend ÷ all new paying customers in those months, organic included.

    Example:
        >>> from datetime import date
        >>> cu = pl.DataFrame(
        ...     {"first_month": [24288, 24288, 24300], "channel": ["ads", "seo", "ads"]}
        ... )
        >>> sp = pl.DataFrame({"month": [date(2024, 1, 1)], "channel": ["ads"], "ad_spend": [90.0]})
        >>> blended_cac(cu, sp)
        (45.0, 2)
    """
    months = spend.select(period_number("month", "month").alias("first_month")).unique()
    new = customers.join(months, on="first_month").height
    total = float(spend["ad_spend"].cast(pl.Float64).fill_null(0.0).sum())
    return (total / new if new else None), new


def channel_roi(cac: pl.DataFrame, cohort_value: pl.DataFrame) -> pl.DataFrame:
    """Return marketing ROI and customer ROI per channel over the value horizon.

    cac = `cac_table(...)`; cohort_value(channel, month, revenue, gross_profit) = revenue and
    gross profit within the horizon of the customers acquired per channel and month ->
    (channel, ad_spend, new_customers, cac, revenue, gross_profit, marketing_roi,
    customer_roi). Marketing ROI = (revenue - spend) ÷ spend; customer ROI = (gross profit
    per customer - CAC) ÷ CAC. Only months with spend count.

    Example:
        >>> from datetime import date
        >>> cac = pl.DataFrame(
        ...     {
        ...         "month": [date(2024, 1, 1)],
        ...         "channel": ["ads"],
        ...         "ad_spend": [100.0],
        ...         "new_customers": [2],
        ...     }
        ... )
        >>> val = pl.DataFrame(
        ...     {
        ...         "month": [date(2024, 1, 1)],
        ...         "channel": ["ads"],
        ...         "revenue": [300.0],
        ...         "gross_profit": [150.0],
        ...     }
        ... )
        >>> channel_roi(cac, val).select("marketing_roi", "customer_roi").rows()
        [(2.0, 0.5)]
    """
    spend = pl.col("ad_spend")
    return (
        cac.join(cohort_value, on=["month", "channel"], how="left")
        .group_by("channel")
        .agg(pl.col("ad_spend", "new_customers", "revenue", "gross_profit").fill_null(0).sum())
        .with_columns(
            cac=pl.when(pl.col("new_customers") > 0).then(spend / pl.col("new_customers"))
        )
        .with_columns(
            marketing_roi=pl.when(spend > 0).then((pl.col("revenue") - spend) / spend),
            customer_roi=pl.when(spend > 0).then((pl.col("gross_profit") - spend) / spend),
        )
        .sort("channel")
    )


def cohort_value(
    gp: pl.DataFrame, customers: pl.DataFrame, horizon_months: int, customer: str
) -> pl.DataFrame:
    """Return revenue and gross profit within the horizon per acquisition month and channel.

    gp(customer, month, revenue, gross_profit) -> (month, channel, revenue, gross_profit),
    counting payments at ages 0..H-1 months after the first payment.

    Example:
        >>> gp = pl.DataFrame(
        ...     {
        ...         "c": ["a", "a"],
        ...         "month": [24288, 24300],
        ...         "revenue": [10.0, 7.0],
        ...         "gross_profit": [4.0, 3.0],
        ...     }
        ... )
        >>> cu = pl.DataFrame({"c": ["a"], "first_month": [24288], "channel": ["ads"]})
        >>> cohort_value(gp, cu, 12, "c").select("revenue", "gross_profit").rows()
        [(10.0, 4.0)]
    """
    return (
        gp.join(customers, on=customer)
        .filter((pl.col("month") - pl.col("first_month")).is_between(0, horizon_months - 1))
        .group_by("first_month", "channel")
        .agg(pl.col("revenue", "gross_profit").sum())
        .select(
            period_start("first_month", "month").alias("month"),
            "channel",
            "revenue",
            "gross_profit",
        )
    )


def unmatched_channels(customers: pl.DataFrame, spend: pl.DataFrame) -> tuple[str, ...]:
    """Return spend-table channels that no customer was acquired through (sorted).

    Example:
        >>> cu = pl.DataFrame({"channel": ["ads"]})
        >>> unmatched_channels(cu, pl.DataFrame({"channel": ["ads", "tv"]}))
        ('tv',)
    """
    if not by_channel(customers):
        return ()
    known = set(customers["channel"].unique().to_list())
    spent = set(spend["channel"].cast(pl.String).drop_nulls().unique().to_list())
    return tuple(sorted(spent - known))
