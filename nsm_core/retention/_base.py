"""Shared pieces: who counts as one unit (user or account), which events count, activity."""

from dataclasses import dataclass
from typing import Final, Literal, TypeAlias

import polars as pl

from nsm_core._types import FrameT, Period
from nsm_core.periods import day_number, period_number
from nsm_core.schema import ACCOUNT, EVENT, REVENUE, TS, USER, DataError

Unit: TypeAlias = Literal["user", "account"]
SEGMENT: Final = "segment"


def as_unit(events: FrameT, unit: Unit) -> FrameT:
    """Return `events` with user_id holding the unit that is counted (user or account).

    For unit="account" user_id is replaced by account_id and rows without an account are
    dropped, so every table counts accounts (B2B roll-up) with the same code.

    Raises:
        DataError: unit="account" and the events have no account_id column.

    Example:
        >>> ev = pl.DataFrame({"user_id": ["a", "b", "c"], "account_id": ["x", "x", None]})
        >>> as_unit(ev, "account")["user_id"].to_list()
        ['x', 'x']
    """
    if unit == "user":
        return events
    if ACCOUNT not in events.collect_schema().names():
        raise DataError(
            "Account-level tables need an account_id column, and these events have none.",
            fix="Map the column that names the team or company to account_id on the Data page.",
        )
    return events.filter(pl.col(ACCOUNT).is_not_null()).with_columns(pl.col(ACCOUNT).alias(USER))


def named(event: str | None) -> pl.Expr:
    """Return a filter that keeps rows of `event` (every row when None).

    Example:
        >>> pl.DataFrame({"event": ["a", "b"]}).filter(named("b")).height
        1
    """
    return pl.lit(value=True) if event is None else pl.col(EVENT) == event


def active_periods(events: FrameT, period: Period, event: str | None = None) -> FrameT:
    """Return the distinct (user_id, p) pairs: user active in calendar period number p.

    Month numbers come from distinct user-days, since computing them for every event is
    slow and for every user-day is cheap.

    Example:
        >>> from datetime import datetime
        >>> ev = pl.DataFrame(
        ...     {
        ...         "user_id": ["a", "a"],
        ...         "event": "x",
        ...         "ts": [datetime(2025, 1, 1), datetime(2025, 1, 9)],
        ...     }
        ... )
        >>> active_periods(ev, "month").rows()
        [('a', 24300)]
    """
    chosen = events.filter(named(event))
    if period != "month":
        return chosen.select(USER, p=period_number(TS, period)).unique()
    days = chosen.select(USER, day=day_number(TS)).unique()
    date = pl.col("day").cast(pl.Int32).cast(pl.Date)
    return days.select(USER, p=period_number(date, period)).unique()


@dataclass(frozen=True, slots=True)
class Available:
    """What the data allow: event names, and whether revenue and accounts are present."""

    events: tuple[str, ...]
    has_revenue: bool
    has_account: bool


def available(events: pl.DataFrame) -> Available:
    """Return the event names (most users first) and which optional columns have data.

    Example:
        >>> ev = pl.DataFrame({"user_id": ["a", "b"], "event": ["x", "y"], "revenue": [0.0, 2.0]})
        >>> available(ev)
        Available(events=('x', 'y'), has_revenue=True, has_account=False)
    """
    names = events.columns
    counts = (
        events.group_by(EVENT)
        .agg(pl.col(USER).n_unique())
        .sort(USER, EVENT, descending=[True, False])
    )
    has_revenue = REVENUE in names and bool(events[REVENUE].fill_null(0.0).abs().sum() > 0)
    has_account = ACCOUNT in names and events[ACCOUNT].drop_nulls().len() > 0
    return Available(tuple(counts[EVENT].to_list()), has_revenue, has_account)
