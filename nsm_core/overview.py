"""The home page's numbers: dataset totals, active users over time, new users by segment."""

from dataclasses import dataclass
from datetime import datetime

import polars as pl

from nsm_core._types import FrameT, Period
from nsm_core.periods import first_open_period, period_number, period_start
from nsm_core.schema import EVENT, REVENUE, TS, USER
from nsm_core.segments import first_touch


@dataclass(frozen=True, slots=True)
class DatasetSummary:
    """Totals of a dataset; revenue is net of refunds."""

    users: int
    events: int
    event_types: int
    revenue: float
    paying_users: int
    first_ts: datetime | None
    last_ts: datetime | None

    @property
    def days(self) -> int:
        """Calendar days covered, first to last event inclusive (0 when empty)."""
        if self.first_ts is None or self.last_ts is None:
            return 0
        return (self.last_ts.date() - self.first_ts.date()).days + 1


def summary(events: pl.LazyFrame | pl.DataFrame) -> DatasetSummary:
    """Return users, events, event types, net revenue, paying users and the date range.

    paying users = users whose revenue sums to more than 0.

    Example:
        >>> ev = pl.DataFrame(
        ...     {
        ...         "user_id": ["a", "a", "b"],
        ...         "event": ["open", "pay", "open"],
        ...         "ts": [datetime(2025, 1, d) for d in (1, 2, 3)],
        ...         "revenue": [0.0, 9.5, 0.0],
        ...     }
        ... )
        >>> s = summary(ev)
        >>> s.users, s.events, s.revenue, s.paying_users, s.days
        (2, 3, 9.5, 1, 3)
    """
    per_user = events.lazy().group_by(USER).agg(revenue=pl.col(REVENUE).sum())
    totals = events.lazy().select(
        users=pl.col(USER).n_unique(),
        events=pl.len(),
        event_types=pl.col(EVENT).n_unique(),
        revenue=pl.col(REVENUE).sum(),
        first_ts=pl.col(TS).min(),
        last_ts=pl.col(TS).max(),
    )
    paying = per_user.select(paying_users=(pl.col(REVENUE) > 0).sum())
    row = (
        pl.concat([totals, paying], how="horizontal").collect(engine="streaming").row(0, named=True)
    )
    return DatasetSummary(**row)


def active_users(events: FrameT, period: Period) -> FrameT:
    """Return distinct active users per calendar period, flagging the unfinished last one.

    events(user_id, ts) -> (period_start, active_users, complete)
    active_users(p) = |{u : u has an event in p}|; complete = the data reach p's last day
    (periods.first_open_period).

    Example:
        >>> ev = pl.DataFrame(
        ...     {"user_id": ["a", "b", "a"], "ts": [datetime(2025, 1, d) for d in (1, 2, 9)]}
        ... )
        >>> active_users(ev, "week").rows()
        [(datetime.date(2024, 12, 30), 2, True), (datetime.date(2025, 1, 6), 1, False)]
    """
    return (
        events.select(USER, p=period_number(TS, period), last=pl.col(TS).max())
        .group_by("p")
        .agg(active_users=pl.col(USER).n_unique(), last=pl.col("last").first())
        .with_columns(
            complete=pl.col("p") < first_open_period("last", period),
            period_start=period_start("p", period),
        )
        .sort("p")
        .select("period_start", pl.col("active_users").cast(pl.Int64), "complete")
    )


def new_users(events: FrameT, period: Period, segment: str | None = None) -> FrameT:
    """Return users by the period of their first event, split by a first-touch segment.

    events(user_id, ts[, segment]) -> (period_start, segment, new_users)
    A user's segment is their first-touch value (`segments.first_touch`: the value on their
    earliest event that has one, ties broken by event name; "(none)" if they have none).

    Example:
        >>> ev = pl.DataFrame(
        ...     {
        ...         "user_id": ["a", "a", "b"],
        ...         "event": ["x", "y", "x"],
        ...         "ts": [datetime(2025, 1, 1), datetime(2025, 1, 2), datetime(2025, 1, 3)],
        ...         "channel": ["ads", "seo", None],
        ...     }
        ... )
        >>> new_users(ev, "month", "channel").rows()
        [(datetime.date(2025, 1, 1), '(none)', 1), (datetime.date(2025, 1, 1), 'ads', 1)]
    """
    firsts = events.group_by(USER).agg(first_ts=pl.col(TS).min())
    if segment:
        touched = first_touch(events, segment).rename({segment: "segment"})
        firsts = firsts.join(touched, on=USER, how="left")
    else:
        firsts = firsts.with_columns(segment=pl.lit("all users"))
    return (
        firsts.with_columns(period_start=period_start(period_number("first_ts", period), period))
        .group_by("period_start", "segment")
        .agg(new_users=pl.len().cast(pl.Int64))
        .sort("period_start", "new_users", "segment", descending=[False, True, False])
    )
