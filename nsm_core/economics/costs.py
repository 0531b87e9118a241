"""Where COGS and discounts come from, resolved once per customer-month.

Order of preference: the payment events' own `cogs` / `discount` properties; else the spend
table's monthly `cogs` / `discounts`, spread over that month's payments in proportion to
revenue; else (COGS only) the gross margin the user entered; else nothing (margin 100%).
"""

from dataclasses import dataclass

import polars as pl

from nsm_core.economics.tables import COGS, DISCOUNT, EconomicsSpec


@dataclass(frozen=True, slots=True)
class CostSources:
    """In words, where COGS and discounts came from, plus what the user should know."""

    cogs: str
    discounts: str
    warnings: tuple[str, ...] = ()


def _spread(column: str) -> pl.Expr:
    """cost_m × revenue / revenue_m: a month's cost shared by that month's payments."""
    return (pl.col("revenue") * pl.col(f"_{column}_rate")).fill_null(0.0).alias(column)


def _rates(cm: pl.DataFrame, monthly: pl.DataFrame) -> pl.DataFrame:
    revenue = cm.group_by("month").agg(_revenue=pl.col("revenue").sum())
    return monthly.join(revenue, on="month").select(
        "month",
        _cogs_rate=pl.col("cogs") / pl.col("_revenue"),
        _discount_rate=pl.col("discounts") / pl.col("_revenue"),
    )


def resolve_costs(
    cm: pl.DataFrame, monthly_spend: pl.DataFrame, event_columns: set[str], spec: EconomicsSpec
) -> tuple[pl.DataFrame, CostSources]:
    """Return cm with cogs, discount and gross_profit filled in, and where they came from.

    cm(customer, month, revenue, cogs, discount, ...), monthly_spend = `spend_by_month(...)`;
    revenue becomes net of discounts (revenue - discount) when spec.revenue_net is False;
    gross_profit = revenue - cogs.

    Example:
        >>> cm = pl.DataFrame(
        ...     {
        ...         "month": [1, 1],
        ...         "revenue": [30.0, 10.0],
        ...         "cogs": [0.0, 0.0],
        ...         "discount": [0.0, 0.0],
        ...     }
        ... )
        >>> sp = pl.DataFrame({"month": [1], "ad_spend": [0.0], "discounts": [4.0], "cogs": [20.0]})
        >>> out, src = resolve_costs(cm, sp, set(), EconomicsSpec())
        >>> out["cogs"].to_list(), out["discount"].to_list()
        ([15.0, 5.0], [3.0, 1.0])
    """
    if not spec.revenue_net:
        cm = cm.with_columns(pl.col("revenue") - pl.col(DISCOUNT))
    out = cm.join(_rates(cm, monthly_spend), on="month", how="left")
    warnings: list[str] = []
    if COGS in event_columns:
        cogs_src = "the `cogs` property of each payment"
    elif float(monthly_spend["cogs"].sum()) > 0:
        out, cogs_src = (
            out.with_columns(_spread(COGS)),
            "spend table (monthly cogs)",
        )
    elif spec.gross_margin is not None:
        out = out.with_columns(cogs=pl.col("revenue") * (1 - spec.gross_margin))
        cogs_src = f"the gross margin you entered ({spec.gross_margin:.0%})"
    else:
        cogs_src = "none found: gross margin taken as 100%"
        warnings.append(
            "No COGS in the events (`cogs` property) or the spend table, and no gross margin "
            "entered: LTVs and margins are revenue, not gross profit."
        )
    if DISCOUNT in event_columns:
        disc_src = "the `discount` property of each payment"
    elif float(monthly_spend["discounts"].sum()) > 0:
        out, disc_src = (
            out.with_columns(_spread(DISCOUNT)),
            "spend table (monthly discounts)",
        )
    else:
        disc_src = "none recorded"
    out = out.drop("_cogs_rate", "_discount_rate").with_columns(
        gross_profit=pl.col("revenue") - pl.col("cogs")
    )
    return out, CostSources(cogs_src, disc_src, tuple(warnings))
