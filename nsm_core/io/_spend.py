"""The marketing spend table: month, channel and amounts, one row per (month, channel)."""

from typing import Any, Final

import polars as pl

from nsm_core import parse
from nsm_core.cleaning import ROW
from nsm_core.io._columns import _listing, _matches, _Options
from nsm_core.io._load import _table
from nsm_core.io._read import _reading
from nsm_core.schema import DataError

SPEND_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "month": ("month", "month_start", "date", "day", "period", "week"),
    "channel": ("channel", "source", "utm_source", "medium", "network", "platform"),
    "ad_spend": ("ad_spend", "spend", "ad_cost", "marketing_spend", "cost", "amount", "budget"),
    "discounts": ("discounts", "discount", "coupons", "coupon", "promotions", "promo"),
    "cogs": ("cogs", "cost_of_goods", "cost_of_goods_sold", "cost_of_sales"),
}


def _month(column: str, dtype: pl.DataType) -> pl.Expr:
    """Return the first day of the month (Date) of a month or date column."""
    value = pl.col(column)
    if dtype == pl.String:
        text = value.str.strip_chars()
        value = pl.when(text.str.contains(r"^\d{4}-\d{1,2}$")).then(text + "-01").otherwise(text)
    return parse.parse_ts(value, dtype).dt.date().dt.month_start()


def _spend_error(frame: pl.DataFrame, bad: pl.Expr, problem: str, fix: str) -> None:
    """Raise DataError showing three rows of the spend table where `bad` holds."""
    rows = frame.filter(bad)
    if rows.height:
        shown = "; ".join(str(r) for r in rows.drop(ROW).head(3).iter_rows())
        raise DataError(
            f"{rows.height} rows of the spend table {problem}.",
            where=f"Rows {', '.join(map(str, rows[ROW].head(3)))}: {shown}.",
            fix=fix,
        )


def load_spend(source: Any, *, format: str | None = None) -> pl.DataFrame:  # noqa: A002
    r"""Return the marketing spend table: month, channel, ad_spend (+ discounts, cogs).

    One row per (month, channel), amounts summed over the source rows of that month, so a
    daily table works too. month is the first day of the month (Date); a missing channel
    column gives the single channel "all"; empty amounts count as 0.

    Raises:
        DataError: no month/date or spend column, or a row whose month or amount is unreadable.

    Example:
        >>> csv = b"date,channel,spend\n2024-01-03,ads,$100\n2024-01-20,ads,50\n2024-02,seo,0\n"
        >>> load_spend(csv).rows()
        [(datetime.date(2024, 1, 1), 'ads', 150.0), (datetime.date(2024, 2, 1), 'seo', 0.0)]
    """
    read, _, file = _table(source, _Options(format=format), rows=100)
    with _reading(file.name):
        raw = read.table.collect()
    columns = [c for c in raw.columns if c != ROW]
    found = {role: _matches(columns, names, set()) for role, names in SPEND_ALIASES.items()}
    for role, label in (("month", "month or date"), ("ad_spend", "ad spend")):
        if not found[role]:
            raise DataError(
                f"No {label} column found in the spend table {file.name}.",
                where=f"Found columns: {_listing(columns)}.",
                fix="Name the columns month (or date), channel, ad_spend, discounts, cogs.",
            )
    month = found["month"][0]
    money = [role for role in ("ad_spend", "discounts", "cogs") if found[role]]
    parsed = raw.select(
        pl.col(ROW),
        _month(month, raw.schema[month]).alias("month"),
        parse.parse_id(pl.col(found["channel"][0]), raw.schema[found["channel"][0]])
        .fill_null("all")
        .alias("channel")
        if found["channel"]
        else pl.lit("all").alias("channel"),
        *(parse.parse_money(pl.col(found[r][0]), raw.schema[found[r][0]]).alias(r) for r in money),
    )
    _spend_error(parsed, pl.col("month").is_null(), f"have no readable {month!r}",
                 "Write months as 2024-01 or dates as 2024-01-31.")  # fmt: skip
    unreadable = pl.any_horizontal(
        raw.get_column(found[r][0]).is_not_null() & pl.col(r).is_null() for r in money
    )
    _spend_error(parsed, unreadable, "have an amount that is not a number",
                 "Write amounts as numbers such as 1234.50.")  # fmt: skip
    return (
        parsed.group_by("month", "channel")
        .agg(pl.col(money).fill_null(0.0).sum())
        .sort("month", "channel")
    )
