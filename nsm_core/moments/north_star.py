"""The North Star as the outcome of moments: each user's own part of it after the window.

For a North Star `MetricSpec`, a user's outcome is their own contribution to it on own days
a..b (the outcome window, strictly after the moment window), over the rows the metric
counts: its events and property filters (`metrics.compute.counted`), after its exclusions
(`metrics.compute.exclude`), so the outcome is the same metric the North Star page shows.

    distinct_users   y = 1 if the user has a counted row in the window, else 0
    users_reaching   y = 1 if, in some calendar period of the metric's grain, the user has
                     ≥ threshold counted rows inside the window, else 0
    events           y = #counted rows in the window
    revenue          y = Σ revenue of the counted rows in the window
    property_sum     y = Σ value_column of the counted rows in the window

The first two count users, so lifts are rate points; the others are amounts per user.
Users the metric leaves out as a whole (listed ids, user filters, bots) are left out of the
analysis too; refunds, a row-level exclusion, only leave the outcome's rows. An account
North Star is read per user: each user's own counted rows (those that carry an account).
"""

from dataclasses import replace
from typing import Final

import polars as pl

from nsm_core.metrics import MetricSpec, exclude
from nsm_core.metrics.compute import _require_columns, counted
from nsm_core.metrics.words import events_words
from nsm_core.periods import period_number
from nsm_core.schema import EVENT, REVENUE, TS, DataError

__all__ = [
    "KEPT",
    "check_columns",
    "drop_excluded",
    "missing_events",
    "notes",
    "outcome_frame",
    "present_events",
    "with_outcome",
]

KEPT: Final = "kept_by_north_star"


def _amount(metric: MetricSpec) -> pl.Expr:
    """Return a user's total of the counted rows in the window (see the module docstring)."""
    if metric.aggregation == "revenue":
        return pl.col(REVENUE).sum().cast(pl.Float64)
    if metric.aggregation == "property_sum":
        return pl.col(metric.value_column or REVENUE).cast(pl.Float64).sum()
    return pl.len().cast(pl.Float64)


def outcome_frame(timed: pl.LazyFrame, metric: MetricSpec, window: tuple[int, int]) -> pl.LazyFrame:
    """Return (key, y): each user's part of `metric` on own days window[0]..window[1].

    timed(key, k, ts, event, ...) has k = the row's own day; users with no counted row in
    the window are absent (their y is 0).

    Example:
        >>> from datetime import datetime
        >>> rows = pl.LazyFrame(
        ...     {
        ...         "key": [1, 1, 1, 2],
        ...         "k": [3, 9, 10, 9],
        ...         "user_id": ["a", "a", "a", "b"],
        ...         "event": ["order", "order", "order", "open"],
        ...         "ts": [datetime(2025, 1, d) for d in (4, 10, 11, 10)],
        ...     }
        ... )
        >>> orders = MetricSpec("Orders", events=("order",), aggregation="events")
        >>> outcome_frame(rows, orders, (8, 35)).collect().rows()
        [(1, 2.0)]
    """
    low, high = window
    rows = counted(exclude(timed, metric.exclusions), metric).filter(
        pl.col("k").is_between(low, high)
    )
    if metric.aggregation == "users_reaching":
        per_period = rows.group_by("key", period_number(TS, metric.grain).alias("_p")).agg(
            n=pl.len()
        )
        reached = (pl.col("n") >= metric.threshold).any().cast(pl.Float64)
        return per_period.group_by("key").agg(y=reached).filter(pl.col("y") > 0)
    if metric.aggregation == "distinct_users":
        return rows.group_by("key").agg(y=pl.lit(1.0))
    return rows.group_by("key").agg(y=_amount(metric))


def with_outcome(
    users: pl.LazyFrame, timed: pl.LazyFrame, metric: MetricSpec, window: tuple[int, int]
) -> pl.LazyFrame:
    """Return `users` with y (the user's part of `metric`) and KEPT when users are excluded.

    KEPT is False for users the metric's exclusions leave out as a whole (see
    `drop_excluded`); it is only added when the metric excludes users.
    """
    outcome = outcome_frame(timed, metric, window)
    out = users.join(outcome, on="key", how="left").with_columns(pl.col("y").fill_null(0.0))
    whole = replace(metric.exclusions, refunds=False)
    if not whole.any:
        return out
    kept = exclude(timed, whole).select("key").unique().with_columns(pl.lit(True).alias(KEPT))
    return out.join(kept, on="key", how="left").with_columns(pl.col(KEPT).fill_null(value=False))


def drop_excluded(users: pl.DataFrame, metric: MetricSpec) -> tuple[pl.DataFrame, tuple[str, ...]]:
    """Return the users the North Star keeps, and a note of how many it leaves out.

    Example:
        >>> users = pl.DataFrame({"key": [1, 2, 3], KEPT: [True, False, True]})
        >>> kept, note = drop_excluded(users, MetricSpec("WAU"))
        >>> kept.height, note
        (2, ('1 user is left out, as WAU excludes them (test users, staff or bots).',))
    """
    if KEPT not in users.columns:
        return users, ()
    dropped = users.height - int(users[KEPT].sum())
    kept = users.filter(KEPT).drop(KEPT)
    if not dropped:
        return kept, ()
    who = "1 user is" if dropped == 1 else f"{dropped:,} users are"
    return kept, (f"{who} left out, as {metric.name} excludes them (test users, staff or bots).",)


def present_events(events: pl.LazyFrame, metric: MetricSpec) -> pl.LazyFrame:
    """Return (event) the names among `metric.events` that occur in `events` (lazy).

    A metric that counts every event needs no scan: the frame is then empty.
    """
    if not metric.events:
        return pl.LazyFrame(schema={EVENT: pl.String})
    return events.filter(pl.col(EVENT).is_in(list(metric.events))).select(pl.col(EVENT).unique())


def missing_events(metric: MetricSpec, present: pl.DataFrame) -> tuple[str, ...]:
    """Return a note on the metric's events the data lack; raise DataError if it has none.

    Example:
        >>> spec = MetricSpec("Orders", events=("order", "reorder"), aggregation="events")
        >>> missing_events(spec, pl.DataFrame({"event": ["order"]}))
        ('Orders counts reorder events, which this dataset does not have; they add nothing.',)
    """
    have = set(present[EVENT].to_list())
    lacking = [e for e in metric.events if e not in have]
    if not lacking:
        return ()
    if len(lacking) == len(metric.events):
        raise DataError(
            f"The North Star {metric.name!r} counts {events_words(metric)}, which this dataset "
            "does not have.",
            fix="Pick the North Star of this product, or another outcome.",
        )
    return (
        f"{metric.name} counts {' or '.join(lacking)} events, which this dataset does not "
        "have; they add nothing.",
    )


def check_columns(events: pl.LazyFrame, metric: MetricSpec) -> None:
    """Raise DataError when the events lack a column the North Star needs."""
    # The metrics module's own check: filter, exclusion, amount and account columns.
    _require_columns(events, metric, None)
    if REVENUE not in events.collect_schema().names() and (
        metric.aggregation == "revenue" or metric.exclusions.refunds
    ):
        raise DataError(
            f"The North Star {metric.name!r} needs a revenue column, which this dataset does "
            "not have.",
            fix="Map a money column to revenue, or choose another outcome.",
        )


def notes(metric: MetricSpec) -> tuple[str, ...]:
    """Return what to keep in mind when reading the North Star per user.

    Example:
        >>> notes(MetricSpec("Weekly active teams", entity="account"))[0][:40]
        'Weekly active teams counts teams; each u'
    """
    if metric.entity != "account":
        return ()
    return (
        f"{metric.name} counts teams; each user's outcome is their own part of it (their "
        "counted events in a team), so a moment is judged by what its user goes on to do.",
    )
