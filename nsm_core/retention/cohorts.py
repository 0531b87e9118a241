"""Cohort retention: the cohort × period table (docs/definitions/retention.md#cohort).

Notation: t0(u) = the user's first start event; cohort c = calendar period of t0; T_end =
the last timestamp of the data; Δ = 24 h, 7 d or 30 d (anchor "user") or one calendar
period (anchor "calendar", weeks start Monday, UTC).

- period index of a return event at t ≥ t0:  user:  k = floor((t − t0) / Δ)
                                              calendar: k = period(t) − period(t0)
- n_period:  active_c(k) = |{u ∈ c : u has a return event with index k}|
- unbounded: active_c(k) = |{u ∈ c : u has a return event with index ≥ k}|
- rate_c(k) = active_c(k) / |c|
- maturity (cell shown, else null): user: end(c) + (k+1)·Δ ≤ T_end, end(c) = the last
  microsecond of calendar period c (the latest possible entry); calendar: the last
  microsecond of period c + k ≤ T_end.
- measure "revenue": revenue_c(k) = Σ revenue of the cohort's events with index k (every
  event, whatever `return_event` is), revenue_per_user = revenue_c(k) / |c|,
  revenue_retention = revenue_c(k) / revenue_c(0) (net revenue retention; may exceed 1).
"""

from dataclasses import dataclass
from typing import Final, Literal, TypeAlias

import polars as pl

from nsm_core._types import FrameT, Period
from nsm_core.periods import ROLLING_US, US_PER_DAY, epoch_us, period_number, period_start
from nsm_core.retention._base import SEGMENT, Unit, as_unit, named
from nsm_core.schema import EVENT, REVENUE, TS, USER, DataError
from nsm_core.segments import first_touch

Kind: TypeAlias = Literal["n_period", "unbounded"]
Anchor: TypeAlias = Literal["user", "calendar"]
Measure: TypeAlias = Literal["users", "revenue"]

USER_COLUMNS: Final = ("cohort", "period", "cohort_size", "active", "rate")
REVENUE_COLUMNS: Final = ("revenue", "revenue_per_user", "revenue_retention")


@dataclass(frozen=True, slots=True)
class RetentionSpec:
    """How to cut events into cohorts and periods (see the module docstring).

    Attributes:
        period: length of a period and of a cohort ("day", "week", "month").
        kind: "n_period" (active in period k) or "unbounded" (active in k or later).
        anchor: "user" (periods from each user's own start) or "calendar".
        start_event: event that puts a user in a cohort; None = any event.
        return_event: event that counts as coming back; None = any event.
        measure: "users" or "revenue" (adds the revenue columns).
        segment: property whose first-touch value splits each cohort; None = no split.
        max_periods: last period index shown (periods 0..max_periods); None = all.
        unit: count users, or accounts (account_id) for B2B.
    """

    period: Period = "week"
    kind: Kind = "n_period"
    anchor: Anchor = "user"
    start_event: str | None = None
    return_event: str | None = None
    measure: Measure = "users"
    segment: str | None = None
    max_periods: int | None = None
    unit: Unit = "user"

    @property
    def keys(self) -> list[str]:
        """Columns that identify one cohort row of the matrix: c, and segment if any."""
        return ["c", SEGMENT] if self.segment else ["c"]


def _check(events: pl.LazyFrame, spec: RetentionSpec) -> None:
    """Raise DataError when the spec names a column the events lack."""
    names = events.collect_schema().names()
    if spec.segment and spec.segment not in names:
        raise DataError(
            f"There is no column {spec.segment!r} to split cohorts by.",
            fix=f"Pick one of: {', '.join(n for n in names if n not in (USER, EVENT, TS))}.",
        )
    if spec.measure == "revenue" and REVENUE not in names:
        raise DataError(
            "Revenue retention needs a revenue column, and these events have none.",
            fix="Map the amount column to revenue on the Data page.",
        )


def _bucket_is_period(spec: RetentionSpec) -> bool:
    """Return True when the one pass buckets events by the calendar period itself."""
    return spec.anchor == "calendar" and spec.period != "month"


def _daily(events: pl.LazyFrame, spec: RetentionSpec) -> pl.LazyFrame:
    """Return one row per user and time bucket: last return event, first start event[, lo].

    The only pass over every event; the rest works on these (user, bucket) rows. The
    bucket is the calendar day or week itself for those periods (integer arithmetic on
    µs); months and rolling periods use the UTC day, since month numbers are slow per
    event and cheap per user-day. `lo` (first return event) is only needed by the user
    anchor and equals `start` when both events are the same.
    """
    t = pl.col("t")
    day = t.floordiv(US_PER_DAY)
    bucket = (day + 3).floordiv(7) if spec.anchor == "calendar" and spec.period == "week" else day
    returns = t if spec.return_event is None else t.filter(named(spec.return_event))
    starts = t if spec.start_event is None else t.filter(named(spec.start_event))
    aggs = {"hi": returns.max(), "start": starts.min()}
    own_lo = spec.anchor == "user" and spec.return_event != spec.start_event
    if own_lo:
        aggs["lo"] = returns.min()
    out = events.group_by(USER, bucket.alias("bucket")).agg(**aggs)
    return out.with_columns(lo=pl.col("start")) if spec.anchor == "user" and not own_lo else out


def _with_entry(daily: pl.LazyFrame, spec: RetentionSpec) -> pl.LazyFrame:
    """Return the (user, bucket) rows of users with a start event, with their t0 and c."""
    t0 = pl.col("start").min().over(USER)
    return (
        daily.with_columns(t0=t0)
        .filter(pl.col("t0").is_not_null())
        .with_columns(c=period_number(pl.col("t0").cast(pl.Datetime("us", "UTC")), spec.period))
    )


def _entries(marked: pl.LazyFrame, segments: pl.LazyFrame | None) -> pl.LazyFrame:
    """Return one row per user with a start event: USER, t0 (µs), c[, segment].

    The bucket holding t0 is the one whose first start event is t0 (buckets are disjoint).
    """
    entries = marked.filter(pl.col("start") == pl.col("t0")).select(USER, "t0", "c")
    return entries if segments is None else entries.join(segments, on=USER)


def _activity(
    marked: pl.LazyFrame, segments: pl.LazyFrame | None, spec: RetentionSpec
) -> pl.LazyFrame:
    """Return the distinct (user, k) pairs with a return event at t ≥ t0, with the keys.

    calendar: k = period(bucket) − c for every bucket with a return event at or after t0.
    user: within one day, times at or after t0 span less than Δ (≥ 24 h), so their k
    take at most two neighbouring values, those of the day's first time at or after t0
    and of its last; the first is t0 itself on the entry day, else the day's first time.
    """
    days = marked.filter(pl.col("hi") >= pl.col("t0"))
    if segments is not None:
        days = days.join(segments, on=USER)
    if _bucket_is_period(spec):
        index = pl.col("bucket") - pl.col("c")
    elif spec.anchor == "calendar":
        date = pl.col("bucket").cast(pl.Int32).cast(pl.Date)
        index = period_number(date, spec.period) - pl.col("c")
    else:
        delta = ROLLING_US[spec.period]
        first = pl.max_horizontal("lo", "t0")
        index = pl.concat_list(
            (first - pl.col("t0")).floordiv(delta), (pl.col("hi") - pl.col("t0")).floordiv(delta)
        )
    out = days.select(USER, *spec.keys, k=index)
    if spec.anchor == "user":
        out = out.explode("k")
    # one bucket per period already gives distinct (user, k)
    return out if _bucket_is_period(spec) else out.unique()


def _period_us(number: pl.Expr, period: Period) -> pl.Expr:
    """Return the first microsecond of calendar period `number` (epoch µs)."""
    return epoch_us(period_start(number, period).cast(pl.Datetime("us")))


def _grid(entries: pl.LazyFrame, t_end: pl.LazyFrame, spec: RetentionSpec) -> pl.LazyFrame:
    """Return every (cohort, k) cell from 0 to the last period begun, with size and maturity."""
    if spec.anchor == "calendar":
        last_k = pl.col("p_end") - pl.col("c")
        end_of_k = _period_us(pl.col("c") + pl.col("k") + 1, spec.period) - 1
    else:
        delta = ROLLING_US[spec.period]
        last_k = (pl.col("t_end") - pl.col("first_t0")).floordiv(delta)
        end_of_k = _period_us(pl.col("c") + 1, spec.period) - 1 + (pl.col("k") + 1) * delta
    if spec.max_periods is not None:
        last_k = pl.min_horizontal(last_k, spec.max_periods)
    return (
        entries.group_by(spec.keys)
        .agg(cohort_size=pl.len(), first_t0=pl.col("t0").min())
        .join(t_end, how="cross")
        .with_columns(k=pl.int_ranges(0, last_k + 1))
        .explode("k")
        .with_columns(mature=end_of_k <= pl.col("t_end"))
    )


def _active_counts(activity: pl.LazyFrame, spec: RetentionSpec) -> pl.LazyFrame:
    """Return active users per cell; "unbounded" counts users whose last k is ≥ the cell's."""
    if spec.kind == "n_period":
        return activity.group_by(*spec.keys, "k").agg(active=pl.len())
    last = pl.col("k").max()
    if spec.max_periods is not None:
        last = pl.min_horizontal(last, spec.max_periods)
    return (
        activity.group_by(USER, *spec.keys).agg(last).group_by(*spec.keys, "k").agg(active=pl.len())
    )


def _revenue(events: pl.LazyFrame, entries: pl.LazyFrame, spec: RetentionSpec) -> pl.LazyFrame:
    """Return revenue per cell: Σ revenue of every event of the cohort at t ≥ t0."""
    if spec.anchor == "calendar":
        index = period_number(TS, spec.period) - pl.col("c")
    else:
        index = (pl.col("t") - pl.col("t0")).floordiv(ROLLING_US[spec.period])
    return (
        events.filter(pl.col(REVENUE).fill_null(0.0) != 0)
        .join(entries, on=USER)
        .filter(pl.col("t") >= pl.col("t0"))
        .group_by(*spec.keys, k=index)
        .agg(revenue=pl.col(REVENUE).sum())
    )


def _revenue_columns(spec: RetentionSpec) -> list[pl.Expr]:
    """Return the revenue, revenue per user and revenue retention columns of mature cells."""
    revenue = pl.when("mature").then(pl.col("revenue").fill_null(0.0))
    first = pl.col("revenue").fill_null(0.0).filter(pl.col("k") == 0).first()
    base = first.over(spec.keys)
    return [
        revenue.alias("revenue"),
        (revenue / pl.col("cohort_size")).alias("revenue_per_user"),
        pl.when(base != 0).then(revenue / base).alias("revenue_retention"),
    ]


def _finish(cells: pl.LazyFrame, spec: RetentionSpec) -> pl.LazyFrame:
    """Return the public columns, in order, sorted by cohort, segment, period."""
    if spec.kind == "unbounded":
        # users whose last period is k are active in every period up to k
        total = pl.col("active").fill_null(0).cum_sum(reverse=True).over(spec.keys, order_by="k")
    else:
        total = pl.col("active").fill_null(0)
    active = pl.when("mature").then(total)
    out = [
        period_start("c", spec.period).alias("cohort"),
        *([pl.col(SEGMENT)] if spec.segment else []),
        pl.col("k").cast(pl.Int32).alias("period"),
        pl.col("cohort_size").cast(pl.Int64),
        active.cast(pl.Int64).alias("active"),
        (active / pl.col("cohort_size")).alias("rate"),
    ]
    if spec.measure == "revenue":
        out += _revenue_columns(spec)
    return cells.select(out).sort("cohort", *spec.keys[1:], "period")


def retention_table(events: FrameT, spec: RetentionSpec) -> FrameT:
    """Return the long cohort × period retention table of `spec` (formulas in the module doc).

    events(user_id, event, ts[, revenue][, segment]) -> (cohort, [segment], period,
    cohort_size, active, rate[, revenue, revenue_per_user, revenue_retention]); one row per
    cohort (and segment value) and period from 0 to the last period the cohort has begun;
    cells not yet complete have null active, rate and revenue columns.

    Raises:
        DataError: the segment or revenue column is missing, or unit="account" without
            account_id.

    Example:
        >>> from datetime import datetime
        >>> ev = pl.DataFrame(
        ...     {
        ...         "user_id": ["a", "a", "b", "c"],
        ...         "event": "open",
        ...         "ts": [datetime(2025, 1, d) for d in (6, 14, 7, 30)],
        ...     }
        ... )
        >>> spec = RetentionSpec(period="week", anchor="calendar")
        >>> retention_table(ev, spec).select("period", "cohort_size", "active").rows()
        [(0, 2, 2), (1, 2, 1), (2, 2, 0), (3, 2, None), (0, 1, None)]
    """
    # T_end is the end of the whole upload, also when account level drops rows
    t_end = events.lazy().select(
        t_end=epoch_us(pl.col(TS).max()), p_end=period_number(pl.col(TS).max(), spec.period)
    )
    lazy = as_unit(events.lazy(), spec.unit)
    _check(lazy, spec)
    lazy = lazy.with_columns(t=epoch_us(TS))
    marked = _with_entry(_daily(lazy, spec), spec).cache()
    segments = None
    if spec.segment:
        segments = first_touch(lazy, spec.segment).rename({spec.segment: SEGMENT}).cache()
    entries = _entries(marked, segments)
    cells = _grid(entries, t_end, spec).join(
        _active_counts(_activity(marked, segments, spec), spec),
        on=[*spec.keys, "k"],
        how="left",
    )
    if spec.measure == "revenue":
        cells = cells.join(_revenue(lazy, entries, spec), on=[*spec.keys, "k"], how="left")
    out = _finish(cells, spec)
    return out if isinstance(events, pl.LazyFrame) else out.collect()


def cohort_retention(  # noqa: PLR0913 -- the public signature (docs/architecture.md#public-api)
    events: FrameT,
    *,
    period: Period = "week",
    kind: Kind = "n_period",
    anchor: Anchor = "user",
    start_event: str | None = None,
    return_event: str | None = None,
    measure: Measure = "users",
    segment: str | None = None,
    max_periods: int | None = None,
) -> FrameT:
    """Return the long cohort × period retention table (see `retention_table`).

    Example:
        >>> from datetime import datetime
        >>> ev = pl.DataFrame(
        ...     {
        ...         "user_id": ["a", "a", "b"],
        ...         "event": "open",
        ...         "ts": [datetime(2025, 1, 1), datetime(2025, 1, 9), datetime(2025, 1, 20)],
        ...     }
        ... )
        >>> cohort_retention(ev, period="week").select("period", "active", "rate").rows()
        [(0, 1, 1.0), (1, 1, 1.0), (2, None, None), (0, None, None)]
    """
    spec = RetentionSpec(
        period=period,
        kind=kind,
        anchor=anchor,
        start_event=start_event,
        return_event=return_event,
        measure=measure,
        segment=segment,
        max_periods=max_periods,
    )
    return retention_table(events, spec)
