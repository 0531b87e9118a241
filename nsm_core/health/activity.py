"""Stage 1 plans behind the event-level families: sessions, NPS, latency and the funnel.

Each function returns a lazy plan; `scorecard` collects them all in one `collect_all`.
"""

from dataclasses import dataclass
from typing import Final

import polars as pl

from nsm_core.health.signals import Signals
from nsm_core.periods import US_PER_DAY, epoch_us, period_number
from nsm_core.schema import EVENT, REVENUE, SESSION, TS, USER, with_sessions

NPS_WINDOW_DAYS: Final = 90
_US_PER_MINUTE: Final = 60_000_000
FIRST_PAYMENT: Final = "first payment"


@dataclass(frozen=True, slots=True)
class Stage:
    """One funnel step: its label and the events that mark it (or the first payment)."""

    label: str
    events: tuple[str, ...] = ()

    def marks(self) -> pl.Expr:
        """Return the filter selecting the events that reach this step."""
        if self.events == (FIRST_PAYMENT,):
            return pl.col(REVENUE).fill_null(0.0) > 0
        return pl.col(EVENT).is_in(list(self.events))


def funnel_stages(signals: Signals, has_revenue: bool) -> tuple[Stage, ...]:
    """Return the funnel steps present: lead, MQL, SQL, customer (deal won or first payment).

    A first payment stands in for the customer step when no event marks it but there are
    earlier steps and revenue.

    Example:
        >>> sig = Signals((("lead", ("lead_created",)), ("sql", ("sql",))))
        >>> [s.label for s in funnel_stages(sig, True)]
        ['Lead', 'SQL', 'Customer']
    """
    labels = (("lead", "Lead"), ("mql", "MQL"), ("sql", "SQL"), ("customer", "Customer"))
    stages = [Stage(label, signals.of(key)) for key, label in labels if signals.of(key)]
    if stages and not signals.of("customer") and has_revenue:
        stages.append(Stage("Customer", (FIRST_PAYMENT,)))
    return tuple(stages)


def funnel(events: pl.LazyFrame, stages: tuple[Stage, ...]) -> pl.LazyFrame:
    """Return how many users reached each step in order.

    A user reaches step k at their first step-k event at or after reaching step k − 1
    (step 1: their first step-1 event); events -> (step, stage, users).

    Example:
        >>> from datetime import datetime
        >>> ev = pl.LazyFrame(
        ...     {
        ...         "user_id": ["a", "a", "b", "b", "c"],
        ...         "event": ["lead", "sql", "sql", "lead", "lead"],
        ...         "ts": [datetime(2025, 1, d) for d in (1, 2, 3, 4, 5)],
        ...     }
        ... )
        >>> funnel(ev, (Stage("Lead", ("lead",)), Stage("SQL", ("sql",)))).collect().rows()
        [(1, 'Lead', 3), (2, 'SQL', 1)]
    """
    reached: pl.LazyFrame | None = None
    counts = []
    for step, stage in enumerate(stages, start=1):
        hits = events.filter(stage.marks()).select(USER, TS)
        if reached is not None:
            hits = hits.join(reached, on=USER).filter(pl.col(TS) >= pl.col("reached"))
        reached = hits.group_by(USER).agg(reached=pl.col(TS).min())
        counts.append(
            reached.select(
                step=pl.lit(step, pl.Int64),
                stage=pl.lit(stage.label),
                users=pl.len().cast(pl.Int64),
            )
        )
    return pl.concat(counts)


def session_months(events: pl.LazyFrame) -> pl.LazyFrame:
    """Return sessions per month of their start: count, users and length in minutes.

    A session's length = its last event's ts − its first (one-event sessions last 0 min);
    sessions come from session_id, else from 30-minute inactivity gaps.
    events -> (month, sessions, users, median_minutes, mean_minutes)

    Example:
        >>> from datetime import datetime
        >>> ev = pl.LazyFrame(
        ...     {
        ...         "user_id": ["a", "a", "b"],
        ...         "ts": [
        ...             datetime(2025, 1, 1, 9),
        ...             datetime(2025, 1, 1, 9, 10),
        ...             datetime(2025, 1, 2),
        ...         ],
        ...     }
        ... )
        >>> session_months(ev).select("sessions", "median_minutes").collect().rows()
        [(2, 5.0)]
    """
    minutes = (epoch_us(TS).max() - epoch_us(TS).min()) / _US_PER_MINUTE
    return (
        with_sessions(events)
        .group_by(USER, SESSION)
        .agg(month=period_number(pl.col(TS).min(), "month"), minutes=minutes)
        .group_by("month")
        .agg(
            sessions=pl.len().cast(pl.Int64),
            users=pl.col(USER).n_unique().cast(pl.Int64),
            median_minutes=pl.col("minutes").median(),
            mean_minutes=pl.col("minutes").mean(),
        )
        .sort("month")
    )


def nps_windows(events: pl.LazyFrame, column: str, days: int = NPS_WINDOW_DAYS) -> pl.LazyFrame:
    """Return promoters, passives and detractors in the last `days` days and the days before.

    Each user's latest 0–10 score in a window counts once; promoters score 9–10, detractors
    0–6. events -> (window, responses, promoters, passives, detractors), window "current" =
    (T − days, T], "previous" = (T − 2·days, T − days], T = the data's last event.

    Example:
        >>> from datetime import datetime
        >>> ev = pl.LazyFrame(
        ...     {
        ...         "user_id": ["a", "a", "b", "c"],
        ...         "ts": [datetime(2025, 3, d) for d in (1, 2, 3, 4)],
        ...         "nps": [3, 10, 7, None],
        ...     }
        ... )
        >>> nps_windows(ev, "nps").collect().rows()
        [('current', 2, 1, 1, 0)]
    """
    end = epoch_us(TS).max()
    age = (end - epoch_us(TS)) // (days * US_PER_DAY)
    latest = (
        events.with_columns(age=age)
        .filter(pl.col(column).is_between(0, 10) & (pl.col("age") < 2))
        .group_by(USER, "age")
        # Same-instant answers: the higher score wins, so row order never decides.
        .agg(score=pl.col(column).sort_by(TS, column).last().cast(pl.Float64))
    )
    return (
        latest.group_by("age")
        .agg(
            responses=pl.len().cast(pl.Int64),
            promoters=(pl.col("score") >= 9).sum().cast(pl.Int64),
            passives=pl.col("score").is_between(7, 9, closed="left").sum().cast(pl.Int64),
            detractors=(pl.col("score") < 7).sum().cast(pl.Int64),
        )
        .sort("age")
        .select(
            pl.when(pl.col("age") == 0)
            .then(pl.lit("current"))
            .otherwise(pl.lit("previous"))
            .alias("window"),
            "responses",
            "promoters",
            "passives",
            "detractors",
        )
    )


def latency_months(events: pl.LazyFrame, column: str) -> pl.LazyFrame:
    """Return the median and 95th percentile of a latency column per month.

    events -> (month, measurements, p50, p95); nulls and negative values are left out.

    Example:
        >>> from datetime import datetime
        >>> ev = pl.LazyFrame(
        ...     {"ts": [datetime(2025, 1, d) for d in (1, 2, 3)], "latency_ms": [100, 300, -1]}
        ... )
        >>> latency_months(ev, "latency_ms").select("measurements", "p50").collect().rows()
        [(2, 200.0)]
    """
    value = pl.col(column).cast(pl.Float64)
    return (
        events.filter(value >= 0)
        .group_by(month=period_number(TS, "month"))
        .agg(
            measurements=pl.len().cast(pl.Int64),
            p50=value.median(),
            p95=value.quantile(0.95, interpolation="linear"),
        )
        .sort("month")
    )
