"""Integer time: epoch microseconds and period numbers (docs/definitions/periods.md).

Stage-1 code works on Int64 numbers, not datetimes: it is the fast path in polars and
ports unchanged to DuckDB and Spark.

- day number   d = ts_us // 86_400_000_000            (days since 1970-01-01, UTC)
- week number  w = (d + 3) // 7                       (weeks start on Monday)
- month number m = year * 12 + month - 1
"""

from datetime import date
from typing import Final

import polars as pl

from nsm_core._types import FrameT, IntoExpr, Period, col

US_PER_DAY: Final = 86_400_000_000
# Rolling ("user"-anchored) period lengths, as Amplitude and Mixpanel count them.
ROLLING_US: Final[dict[Period, int]] = {
    "day": US_PER_DAY,
    "week": 7 * US_PER_DAY,
    "month": 30 * US_PER_DAY,
}
PERIOD_LABEL: Final[dict[Period, str]] = {"day": "day", "week": "week", "month": "month"}
_EPOCH: Final = date(1970, 1, 1)


def epoch_us(ts: IntoExpr = "ts") -> pl.Expr:
    """Return microseconds since 1970-01-01 UTC as Int64.

    Example:
        >>> from datetime import datetime
        >>> pl.select(epoch_us(pl.lit(datetime(1970, 1, 2)))).item()
        86400000000
    """
    return col(ts).dt.epoch("us")


def day_number(ts: IntoExpr = "ts") -> pl.Expr:
    """Return whole days since 1970-01-01 (UTC) of a datetime column.

    d = floor(ts_us / 86_400_000_000)

    Example:
        >>> from datetime import datetime
        >>> pl.select(day_number(pl.lit(datetime(1970, 1, 3, 23)))).item()
        2
    """
    return epoch_us(ts).floordiv(US_PER_DAY)


def period_number(ts: IntoExpr, period: Period) -> pl.Expr:
    """Return the calendar period number of a datetime column (Int64).

    day: d; week: (d + 3) // 7 (Monday weeks, as 1970-01-01 was a Thursday);
    month: year * 12 + month - 1.

    Example:
        >>> from datetime import datetime
        >>> df = pl.DataFrame({"ts": [datetime(2024, 1, 7), datetime(2024, 1, 8)]})
        >>> df.select(period_number("ts", "week")).to_series().diff().to_list()
        [None, 1]
    """
    if period == "month":
        ts_expr = col(ts)
        return ts_expr.dt.year().cast(pl.Int64) * 12 + ts_expr.dt.month().cast(pl.Int64) - 1
    day = day_number(ts)
    return day if period == "day" else (day + 3).floordiv(7)


def first_open_period(last_ts: IntoExpr, period: Period) -> pl.Expr:
    """Return the number of the first calendar period the data do not cover to its end.

    One rule for every page: a period is complete when the data reach its last day, i.e.
    the last event falls on that day or later (exports are cut at a day boundary, and
    date-only data stamp every event at midnight). p is complete ⇔ p < period_number of
    the day after the last event's day.

    Example:
        >>> from datetime import datetime
        >>> last = pl.lit(datetime(2024, 3, 31, 0, 5))
        >>> pl.select(first_open_period(last, "month")).item() == 2024 * 12 + 3  # April
        True
    """
    return period_number(col(last_ts) + pl.duration(days=1), period)


def period_start(number: IntoExpr, period: Period) -> pl.Expr:
    """Return the first date (pl.Date) of a calendar period number.

    Inverse of `period_number`: day d -> date(d); week w -> date(7w - 3) (a Monday);
    month m -> date(m // 12, m % 12 + 1, 1).

    Example:
        >>> pl.select(period_start(pl.lit(2024 * 12 + 1), "month")).item()
        datetime.date(2024, 2, 1)
    """
    n = col(number).cast(pl.Int64)
    if period == "month":
        return pl.date(n.floordiv(12), n.mod(12) + 1, 1)
    days = n if period == "day" else n * 7 - 3
    return days.cast(pl.Int32).cast(pl.Date)


def rolling_index(ts_us: IntoExpr, start_us: IntoExpr, period: Period) -> pl.Expr:
    """Return whole rolling periods (24 h, 7 d, 30 d) from `start_us` to `ts_us`.

    k = floor((t - t0) / Δ), both in epoch microseconds.

    Example:
        >>> pl.select(rolling_index(pl.lit(8 * US_PER_DAY), pl.lit(US_PER_DAY), "week")).item()
        1
    """
    return (col(ts_us) - col(start_us)).floordiv(ROLLING_US[period])


def _day(day: date) -> int:
    """Return the day number d of a calendar date (days since 1970-01-01)."""
    return (day - _EPOCH).days


def in_dates(frame: FrameT, start: date | None, end: date | None, ts: str = "ts") -> FrameT:
    """Return the rows whose time falls on a UTC day from `start` to `end`, both included.

    start <= day(ts) <= end, compared as day numbers; None leaves that side open.

    Example:
        >>> from datetime import datetime
        >>> t = [datetime(2025, 1, 1, 23, 59), datetime(2025, 1, 2), datetime(2025, 1, 3)]
        >>> in_dates(pl.DataFrame({"ts": t}), date(2025, 1, 2), None).height
        2
    """
    day = day_number(ts)
    return _within(frame, day, start and _day(start), end and _day(end))


def in_months(frame: FrameT, start: date | None, end: date | None, month: str = "month") -> FrameT:
    """Return the rows of a monthly table whose month overlaps the days `start` to `end`.

    month (the month's first day, a Date) from start's month to end; None leaves a side open.

    Example:
        >>> months = pl.DataFrame({"month": [date(2025, m, 1) for m in (1, 2, 3)]})
        >>> in_months(months, date(2025, 1, 20), date(2025, 2, 3)).height
        2
    """
    return _within(frame, pl.col(month), start and start.replace(day=1), end)


def _within(frame: FrameT, value: pl.Expr, low: object, high: object) -> FrameT:
    """Return the rows with low <= value <= high; a bound of None is open."""
    keep = [value >= low] if low is not None else []
    keep += [value <= high] if high is not None else []
    return frame.filter(*keep) if keep else frame
