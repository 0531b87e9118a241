"""Lifecycle (growth accounting): new, retained, resurrected and dormant users per period.

docs/definitions/retention.md#lifecycle-states. P_u = calendar periods in which u did the
activity event; first_u = min P_u over the whole upload (not only a chart window).

- new(p)         = |{u : p = first_u}|
- retained(p)    = |{u : p ∈ P_u, p−1 ∈ P_u}|
- resurrected(p) = |{u : p ∈ P_u, p−1 ∉ P_u, p > first_u}|
- dormant(p)     = |{u : p ∉ P_u, p−1 ∈ P_u}|   (a positive count; charts draw it below 0)
- active(p)      = new + retained + resurrected
- quick ratio    = (new + resurrected) / dormant; null ("n/a") when dormant = 0

Identity: active(p) − active(p−1) = new(p) + resurrected(p) − dormant(p).
"""

import polars as pl

from nsm_core._types import FrameT, Period
from nsm_core.periods import first_open_period, period_number, period_start
from nsm_core.retention._base import Unit, active_periods, as_unit
from nsm_core.schema import TS, USER

LIFECYCLE_COLUMNS = (
    "period_start",
    "new",
    "retained",
    "resurrected",
    "dormant",
    "active",
    "quick_ratio",
    "complete",
)


def _states(active: pl.LazyFrame) -> pl.LazyFrame:
    """Return (user, p) rows with each user's previous and next active period."""
    by_user = {"partition_by": USER, "order_by": "p"}
    return active.with_columns(
        prev=pl.col("p").shift(1).over(**by_user),
        next=pl.col("p").shift(-1).over(**by_user),
    )


def lifecycle(
    events: FrameT, *, period: Period = "week", event: str | None = None, unit: Unit = "user"
) -> FrameT:
    """Return new, retained, resurrected and dormant users per calendar period.

    events(user_id, event, ts) -> (period_start, new, retained, resurrected, dormant, active,
    quick_ratio, complete), one row per period from the first to the last period of the
    data (periods with nobody active included). Formulas in the module docstring; dormant
    is a positive count. complete = the period ended before the last event of the data.
    `event` is the activity event (None = any event); unit="account" counts accounts.

    Example:
        >>> from datetime import datetime
        >>> ev = pl.DataFrame(
        ...     {
        ...         "user_id": ["a", "a", "b", "a"],
        ...         "event": "open",
        ...         "ts": [datetime(2025, m, 1) for m in (1, 2, 2, 4)],
        ...     }
        ... )
        >>> lifecycle(ev, period="month").select(
        ...     "new", "retained", "resurrected", "dormant", "active"
        ... ).rows()
        [(1, 0, 0, 0, 1), (1, 1, 0, 0, 2), (0, 0, 0, 2, 0), (0, 0, 1, 0, 1)]
    """
    lazy = events.lazy()
    # the periods span the whole upload, also when account level drops rows
    bounds = lazy.select(
        first=period_number(pl.col(TS).min(), period),
        last=period_number(pl.col(TS).max(), period),
        open=first_open_period(pl.col(TS).max(), period),
    )
    states = _states(active_periods(as_unit(lazy, unit), period, event)).cache()
    gain = states.group_by("p").agg(
        new=pl.col("prev").is_null().sum(),
        retained=(pl.col("prev") == pl.col("p") - 1).sum(),
        resurrected=(pl.col("prev") < pl.col("p") - 1).sum(),
    )
    gone = pl.col("next").is_null() | (pl.col("next") > pl.col("p") + 1)
    loss = states.filter(gone).group_by(p=pl.col("p") + 1).agg(dormant=pl.len())
    counts = ("new", "retained", "resurrected", "dormant")
    out = (
        bounds.select(
            # no events: an empty range rather than a null one
            p=pl.int_range(
                pl.col("first").first().fill_null(0), pl.col("last").first().fill_null(-1) + 1
            ),
            open=pl.col("open").first(),
        )
        .join(gain, on="p", how="left")
        .join(loss, on="p", how="left")
        .with_columns(pl.col(*counts).fill_null(0).cast(pl.Int64))
        .sort("p")
        .select(
            period_start("p", period).alias("period_start"),
            *counts,
            active=pl.col("new") + pl.col("retained") + pl.col("resurrected"),
            quick_ratio=pl.when(pl.col("dormant") > 0).then(
                (pl.col("new") + pl.col("resurrected")) / pl.col("dormant")
            ),
            complete=pl.col("p") < pl.col("open"),
        )
    )
    return out if isinstance(events, pl.LazyFrame) else out.collect()
