"""The business as the events show it today: the base revenue a scenario starts from."""

from dataclasses import dataclass
from datetime import date
from typing import Final

import polars as pl

from nsm_core import fmt
from nsm_core.economics.tables import last_complete_month
from nsm_core.periods import period_number, period_start
from nsm_core.schema import REVENUE, TS, USER

RECENT_MONTHS: Final = 3


@dataclass(frozen=True, slots=True)
class BaseRevenue:
    """Revenue per month over the last complete calendar months, and who brings it in.

    per_month = Σ net revenue of those months ÷ their number; customers = mean users with a
    payment (revenue > 0) a month, users = mean active users a month, over the same months.
    """

    per_month: float
    first_month: date
    last_month: date
    months: int
    customers: float
    users: float

    @property
    def period(self) -> str:
        """Return the months measured, in words ("Oct 2025 – Dec 2025").

        Example:
            >>> BaseRevenue(1.0, date(2025, 10, 1), date(2025, 12, 1), 3, 1.0, 2.0).period
            'Oct 2025 – Dec 2025'
        """
        first, last = (d.strftime("%b %Y") for d in (self.first_month, self.last_month))
        return first if first == last else f"{first} – {last}"

    def sentence(self) -> str:
        """Return the base revenue with the period it is measured over and who earns it.

        Example:
            >>> print(
            ...     BaseRevenue(
            ...         9_000.0, date(2025, 10, 1), date(2025, 12, 1), 3, 120, 900
            ...     ).sentence()
            ... )
            $9,000.00 a month: the mean net revenue of the 3 complete months Oct 2025 – Dec 2025, from 120 paying customers among 900 active users a month.
        """  # noqa: E501 - a doctest's expected output is one line
        months = "the complete month" if self.months == 1 else f"the {self.months} complete months"
        return (
            f"{fmt.money(self.per_month)} a month: the mean net revenue of {months} "
            f"{self.period}, from {fmt.count(round(self.customers))} paying customers among "
            f"{fmt.count(round(self.users))} active users a month."
        )


def monthly_base(events: pl.LazyFrame) -> pl.LazyFrame:
    """Return net revenue, paying users and active users per calendar month.

    events -> (month, revenue, customers, users), month = year·12 + month − 1, sorted.

    Example:
        >>> from datetime import datetime
        >>> ev = pl.LazyFrame(
        ...     {
        ...         "user_id": ["a", "a", "b"],
        ...         "ts": [datetime(2025, 1, 2), datetime(2025, 1, 9), datetime(2025, 2, 1)],
        ...         "revenue": [5.0, 0.0, 0.0],
        ...     }
        ... )
        >>> monthly_base(ev).select("revenue", "customers", "users").collect().rows()
        [(5.0, 1, 1), (0.0, 0, 1)]
    """
    revenue = pl.col(REVENUE).fill_null(0.0)
    return (
        events.group_by(month=period_number(TS, "month"))
        .agg(
            revenue=revenue.sum(),
            customers=pl.col(USER).filter(revenue > 0).n_unique().cast(pl.Int64),
            users=pl.col(USER).n_unique().cast(pl.Int64),
        )
        .sort("month")
    )


def base_revenue(events: pl.LazyFrame, recent: int = RECENT_MONTHS) -> BaseRevenue | None:
    """Return the base revenue per month of the last `recent` complete months (None if none).

    A month is complete when the data reach its last day (`last_complete_month`), so a
    partial final month does not drag the run-rate down.

    Example:
        >>> from datetime import datetime
        >>> ev = pl.LazyFrame(
        ...     {
        ...         "user_id": ["a", "b", "a"],
        ...         "ts": [datetime(2025, 1, 2), datetime(2025, 2, 3), datetime(2025, 2, 28, 23)],
        ...         "revenue": [30.0, 10.0, 20.0],
        ...     }
        ... )
        >>> base_revenue(ev).per_month, base_revenue(ev).months
        (30.0, 2)
    """
    monthly, last = pl.collect_all([monthly_base(events), last_complete_month(events)])
    complete = monthly.filter(pl.col("month") <= last.item()).tail(recent)
    if complete.is_empty():
        return None
    row = complete.select(
        pl.col("revenue", "customers", "users").mean(),
        first=period_start(pl.col("month").min(), "month"),
        last=period_start(pl.col("month").max(), "month"),
    ).row(0, named=True)
    return BaseRevenue(
        per_month=float(row["revenue"]),
        first_month=row["first"],
        last_month=row["last"],
        months=complete.height,
        customers=float(row["customers"]),
        users=float(row["users"]),
    )
