"""Numbers and dates in words: every figure the app shows goes through here.

Pure functions, no locale magic: thousands with commas, money with a currency symbol,
shares as percentages, dates as "3 Mar 2025".
"""

import math
from datetime import date, datetime

from nsm_core._types import Period

_COMPACT = ((1e9, "B"), (1e6, "M"), (1e3, "k"))


def _missing(x: float | None) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def count(n: float | None) -> str:
    """Return a whole count with thousands separators ("1,204"); "n/a" when missing.

    Example:
        >>> count(1204)
        '1,204'
    """
    return "n/a" if _missing(n) else f"{round(n):,}"


def num(x: float | None, digits: int = 2) -> str:
    """Return a number with thousands separators and `digits` decimals.

    Example:
        >>> num(1234.5678, 1)
        '1,234.6'
    """
    return "n/a" if _missing(x) else f"{x:,.{digits}f}"


def pct(share: float | None, digits: int = 0) -> str:
    """Return a share (0.31) as a percentage ("31%").

    Example:
        >>> pct(0.3149, 1)
        '31.5%'
    """
    return "n/a" if _missing(share) else f"{share * 100:.{digits}f}%"


def points(diff: float | None, digits: int = 1) -> str:
    """Return a difference of two shares in signed percentage points ("+4.2 pp").

    Example:
        >>> points(-0.042)
        '-4.2 pp'
    """
    return "n/a" if _missing(diff) else f"{diff * 100:+.{digits}f} pp"


def money(x: float | None, currency: str = "$", *, compact: bool = False) -> str:
    """Return an amount of money ("$1,234.50", or "$1.2M" when compact).

    Example:
        >>> money(-1234.5), money(1_250_000, compact=True)
        ('-$1,234.50', '$1.2M')
    """
    if _missing(x):
        return "n/a"
    sign = "-" if x < 0 else ""
    value = abs(x)
    if compact:
        for size, suffix in _COMPACT:
            if value >= size:
                return f"{sign}{currency}{value / size:.1f}{suffix}"
        return f"{sign}{currency}{value:,.0f}"
    return f"{sign}{currency}{value:,.2f}"


def day(d: date | datetime | None) -> str:
    """Return a date as "3 Mar 2025".

    Example:
        >>> day(date(2025, 3, 3))
        '3 Mar 2025'
    """
    return "n/a" if d is None else f"{d.day} {d:%b %Y}"


def period_name(start: date, period: Period) -> str:
    """Return a calendar period in words, from its first day.

    Example:
        >>> period_name(date(2025, 3, 3), "week"), period_name(date(2025, 3, 1), "month")
        ('the week of 3 Mar 2025', 'March 2025')
    """
    if period == "month":
        return f"{start:%B %Y}"
    return f"the week of {day(start)}" if period == "week" else day(start)
