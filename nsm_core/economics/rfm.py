"""RFM summary (frequency, recency, T, monetary value) of canonical events, lazily.

The summary the BG/NBD and Gamma-Gamma models take, built as in Fader, Hardie & Lee (2005)
and lifetimes' `summary_data_from_transaction_data`: purchases are grouped by customer and
calendar day (UTC), so several orders on one day are one purchase occasion.

- frequency x = distinct purchase days after the first, up to the calibration end
- recency t_x = (last purchase day - first purchase day) / unit
- T = (calibration end day - first purchase day) / unit
- monetary value m_x = mean spend per repeat purchase day (0 when x = 0)
"""

from dataclasses import dataclass
from datetime import date
from typing import Final, Literal, TypeAlias

import polars as pl

from nsm_core._types import FrameT
from nsm_core.periods import day_number
from nsm_core.schema import EVENT, REVENUE, TS, USER

TimeUnit: TypeAlias = Literal["week", "day", "month"]
DAYS_PER_UNIT: Final[dict[TimeUnit, float]] = {"day": 1.0, "week": 7.0, "month": 365.25 / 12}
DAYS_PER_MONTH: Final = DAYS_PER_UNIT["month"]


@dataclass(frozen=True, slots=True)
class RFMSpec:
    """How to turn events into an RFM summary.

    Attributes:
        unit: time unit of recency and T (weeks, as in the CDNOW papers).
        calibration_end: last day counted (inclusive); None = the last purchase day in the data.
        purchase_event: event name that counts as a purchase; None = any event with revenue > 0.
        customer: column that identifies a customer (user_id, or account_id for B2B).
    """

    unit: TimeUnit = "week"
    calibration_end: date | None = None
    purchase_event: str | None = None
    customer: str = USER


def purchases(events: FrameT, spec: RFMSpec = RFMSpec()) -> FrameT:
    """Return one row per customer and purchase day: (customer, day, spend).

    events(customer, event, ts, revenue) -> (customer, day, spend); day = days since
    1970-01-01 UTC; spend = Σ revenue of that day's purchases.

    Example:
        >>> from datetime import datetime
        >>> ev = pl.DataFrame(
        ...     {
        ...         "user_id": ["a", "a", "a"],
        ...         "event": ["purchase"] * 3,
        ...         "ts": [datetime(2024, 1, 1, 9), datetime(2024, 1, 1, 18), datetime(2024, 1, 3)],
        ...         "revenue": [10.0, 5.0, 7.0],
        ...     }
        ... )
        >>> purchases(ev).sort("day")["spend"].to_list()
        [15.0, 7.0]
    """
    is_purchase = (
        pl.col(REVENUE) > 0 if spec.purchase_event is None else pl.col(EVENT) == spec.purchase_event
    )
    return (
        events.filter(is_purchase)
        .group_by(pl.col(spec.customer), day_number(TS).alias("day"))
        .agg(spend=pl.col(REVENUE).fill_null(0.0).sum())
    )


def rfm_summary(events: FrameT, spec: RFMSpec = RFMSpec()) -> FrameT:
    """Return the RFM summary: one row per customer whose first purchase is in calibration.

    events -> (customer, frequency, recency, T, monetary_value, first_value, first_day);
    see the module docstring for the formulas. first_value is the spend of the first day.

    Example:
        >>> from datetime import datetime
        >>> ev = pl.DataFrame(
        ...     {
        ...         "user_id": ["a", "a", "a", "b"],
        ...         "event": ["purchase"] * 4,
        ...         "ts": [datetime(2024, 1, d) for d in (1, 8, 15, 8)],
        ...         "revenue": [10.0, 20.0, 40.0, 5.0],
        ...     }
        ... )
        >>> spec = RFMSpec(calibration_end=date(2024, 1, 22))
        >>> rfm_summary(ev, spec).sort("user_id").select(
        ...     "frequency", "recency", "T", "monetary_value"
        ... ).rows()
        [(2, 2.0, 3.0, 30.0), (0, 0.0, 2.0, 0.0)]
    """
    days = purchases(events, spec)
    if spec.calibration_end is None:
        end_day = pl.col("day").max()
    else:
        end_day = pl.lit((spec.calibration_end - date(1970, 1, 1)).days)
    unit = DAYS_PER_UNIT[spec.unit]
    calib = days.with_columns(end_day=end_day).filter(pl.col("day") <= pl.col("end_day"))
    per_customer = calib.group_by(spec.customer).agg(
        first_day=pl.col("day").min(),
        last_day=pl.col("day").max(),
        end_day=pl.col("end_day").first(),
        n_days=pl.len(),
        total=pl.col("spend").sum(),
        first_value=pl.col("spend").sort_by("day").first(),
    )
    frequency = pl.col("n_days") - 1
    return per_customer.select(
        pl.col(spec.customer),
        frequency.cast(pl.Int64).alias("frequency"),
        ((pl.col("last_day") - pl.col("first_day")) / unit).alias("recency"),
        ((pl.col("end_day") - pl.col("first_day")) / unit).alias("T"),
        pl.when(frequency > 0)
        .then((pl.col("total") - pl.col("first_value")) / frequency)
        .otherwise(0.0)
        .alias("monetary_value"),
        pl.col("first_value"),
        pl.col("first_day"),
    )
