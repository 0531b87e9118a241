"""Stage 1 of the health scorecard: every event reduced to one row per calendar month.

One pass over the events counts what the scorecard and the guardrails read: active users,
revenue (gross and refunded), payments, and the events of each signal.
"""

import polars as pl

from nsm_core.economics.tables import last_complete_month
from nsm_core.health.signals import SignalKey, Signals
from nsm_core.periods import period_number, period_start
from nsm_core.schema import EVENT, REVENUE, TS, USER

COUNTED: tuple[tuple[str, SignalKey], ...] = (
    ("refund_events", "refund"),
    ("tickets", "ticket"),
    ("unsubscribes", "unsubscribe"),
    ("errors", "error"),
)


def _count(signals: Signals, key: SignalKey) -> pl.Expr:
    names = list(signals.of(key))
    return pl.col(EVENT).is_in(names).sum().cast(pl.Int64) if names else pl.lit(0, pl.Int64)


def monthly_table(events: pl.LazyFrame, signals: Signals) -> pl.LazyFrame:
    """Return one row per calendar month with the counts the scorecard needs.

    events -> (month, month_start, complete, active_users, events, revenue, gross_revenue,
    refunded, payments, refund_events, tickets, unsubscribes, errors)
    gross_revenue = Σ max(revenue, 0); refunded = Σ max(−revenue, 0); payments = #(revenue > 0);
    complete = the data's last event falls on or after the month's last day.

    Example:
        >>> from datetime import datetime
        >>> ev = pl.LazyFrame(
        ...     {
        ...         "user_id": ["a", "a", "b", "b"],
        ...         "event": ["order", "refund", "order", "contact_support"],
        ...         "ts": [datetime(2025, 1, d) for d in (2, 3, 4, 31)],
        ...         "revenue": [20.0, -5.0, 10.0, 0.0],
        ...     }
        ... )
        >>> sig = Signals((("ticket", ("contact_support",)),))
        >>> monthly_table(ev, sig).select(
        ...     "active_users", "gross_revenue", "refunded", "payments", "tickets", "complete"
        ... ).collect().rows()
        [(2, 30.0, 5.0, 2, 1, True)]
    """
    revenue = pl.col(REVENUE).fill_null(0.0)
    return (
        events.group_by(month=period_number(TS, "month"))
        .agg(
            active_users=pl.col(USER).n_unique().cast(pl.Int64),
            events=pl.len().cast(pl.Int64),
            revenue=revenue.sum(),
            gross_revenue=revenue.clip(lower_bound=0.0).sum(),
            refunded=(-revenue).clip(lower_bound=0.0).sum(),
            payments=(revenue > 0).sum().cast(pl.Int64),
            **{name: _count(signals, key) for name, key in COUNTED},
        )
        .join(last_complete_month(events), how="cross")
        .with_columns(
            month_start=period_start("month", "month"),
            complete=pl.col("month") <= pl.col("last_month"),
        )
        .drop("last_month")
        .sort("month")
        .select("month", "month_start", "complete", pl.exclude("month", "month_start", "complete"))
    )
