"""Stage 1 of unit economics: events reduced to one row per customer and per customer-month.

Everything after this works on the compact tables built here
(docs/architecture.md#stage-1-and-stage-2, "One pipeline, two stages"). Payments are events with
revenue ≠ 0 (refunds are negative payments), or the events named by `EconomicsSpec.payment_event`.
"""

from dataclasses import dataclass
from typing import Final, Literal, TypeAlias

import polars as pl

from nsm_core.economics.rfm import TimeUnit
from nsm_core.periods import first_open_period, period_number
from nsm_core.schema import EVENT, REVENUE, TS, USER
from nsm_core.segments import NO_SEGMENT, first_touch

Curve: TypeAlias = Literal["geometric", "power"]
NO_CHANNEL: Final = "(all)"
COGS: Final = "cogs"
DISCOUNT: Final = "discount"
# Event names that mark subscription-style (recurring) payments, matched case-insensitively.
RECURRING_PATTERN: Final = r"(?i)subscri|renew|recurring"


@dataclass(frozen=True, slots=True)
class EconomicsSpec:
    """Choices behind every unit-economics number (hashable: a cache key).

    Attributes:
        customer: column identifying a customer (user_id; account_id for B2B).
        channel: property holding the acquisition channel (first touch is used).
        payment_event: event that counts as a payment; None = any event with revenue ≠ 0.
        amount_per_payment: what each payment is worth when the payments carry no amount
            (an assumption the user types); None = use the recorded revenue only.
        revenue_net: True when revenue is what customers paid (discounts already taken off);
            False when it is list price, so net revenue = revenue - discount.
        gross_margin: gross margin (0-1) to assume when neither events nor the spend table
            carry COGS; None = 100% (revenue LTV), said in the warnings.
        horizon_months: LTV and ROI horizon, in months.
        discount_rate: monthly discount rate for LTVs over a horizon
        (docs/definitions/economics.md#cohort-ltv). curve: decay curve extrapolating the cohort LTV.
        min_customers: customers at risk a month of life needs to count as observed.
        rfm_unit: time unit of the BG/NBD fit.
        n_boot: bootstrap resamples behind each interval.
        seed: random seed of the bootstrap.
    """

    customer: str = USER
    channel: str = "channel"
    payment_event: str | None = None
    amount_per_payment: float | None = None
    revenue_net: bool = True
    gross_margin: float | None = None
    horizon_months: int = 24
    discount_rate: float = 0.01
    curve: Curve = "geometric"
    min_customers: int = 20
    rfm_unit: TimeUnit = "week"
    n_boot: int = 200
    seed: int = 42

    def stage1(self) -> "EconomicsSpec":
        """Return the spec with only what stage 1 reads: the cache key of the payment tables.

        Stage 1 (payments per customer-month, customers, RFM) depends on who the customer
        is, the channel, what a payment is and what it is worth; every other field only
        changes stage 2, so changing it must not recompute the tables.

        Example:
            >>> EconomicsSpec(horizon_months=6).stage1() == EconomicsSpec().stage1()
            True
        """
        return EconomicsSpec(
            customer=self.customer,
            channel=self.channel,
            payment_event=self.payment_event,
            amount_per_payment=self.amount_per_payment,
            rfm_unit=self.rfm_unit,
        )


def is_payment(spec: EconomicsSpec) -> pl.Expr:
    """Return the filter selecting payment events (revenue ≠ 0, or the named event).

    Example:
        >>> df = pl.DataFrame({"event": ["view", "order", "refund"], "revenue": [0.0, 9.0, -9.0]})
        >>> df.filter(is_payment(EconomicsSpec()))["event"].to_list()
        ['order', 'refund']
    """
    if spec.payment_event is None:
        return pl.col(REVENUE).fill_null(0.0) != 0
    return pl.col(EVENT) == spec.payment_event


def _property_sum(names: set[str], column: str) -> pl.Expr:
    value = pl.col(column).cast(pl.Float64).fill_null(0.0) if column in names else pl.lit(0.0)
    return value.sum().alias(column)


def customer_months(events: pl.LazyFrame, spec: EconomicsSpec) -> pl.LazyFrame:
    """Return payments per customer and calendar month.

    events -> (customer, month, revenue, orders, cogs, discount, event_recurring); month is
    the month number year·12 + month - 1; revenue is net of refunds; orders counts payments
    with revenue > 0; cogs and discount sum the event properties of those names (0 when the
    events lack them); event_recurring is the revenue of subscription-like events.

    Example:
        >>> from datetime import datetime
        >>> ev = pl.LazyFrame(
        ...     {
        ...         "user_id": ["a", "a", "a"],
        ...         "event": ["order", "order", "refund"],
        ...         "ts": [datetime(2024, 1, 5), datetime(2024, 1, 9), datetime(2024, 2, 1)],
        ...         "revenue": [10.0, 20.0, -5.0],
        ...         "cogs": [4.0, 8.0, None],
        ...     }
        ... )
        >>> customer_months(ev, EconomicsSpec()).sort("month").select(
        ...     "revenue", "orders", "cogs"
        ... ).collect().rows()
        [(30.0, 2, 12.0), (-5.0, 0, 0.0)]
    """
    names = set(events.collect_schema().names())
    revenue = pl.col(REVENUE).fill_null(0.0)
    return (
        events.filter(is_payment(spec))
        .group_by(pl.col(spec.customer), period_number(TS, "month").alias("month"))
        .agg(
            revenue.sum().alias("revenue"),
            (revenue > 0).sum().cast(pl.Int64).alias("orders"),
            _property_sum(names, COGS),
            _property_sum(names, DISCOUNT),
            revenue.filter(pl.col(EVENT).str.contains(RECURRING_PATTERN))
            .sum()
            .alias("event_recurring"),
        )
    )


def customers(events: pl.LazyFrame, spec: EconomicsSpec) -> pl.LazyFrame:
    """Return one row per paying customer: acquisition month and first-touch channel.

    events -> (customer, first_month, channel). first_month = month of the first payment with
    revenue > 0; channel = the customer's first touch of the channel property
    (`segments.first_touch`, "(none)" when they have no value), or "(all)" when the events
    have no such column or no paying customer has a value.

    Example:
        >>> from datetime import datetime
        >>> ev = pl.LazyFrame(
        ...     {
        ...         "user_id": ["a", "a", "b"],
        ...         "event": ["signup", "order", "signup"],
        ...         "ts": [datetime(2024, 1, 5), datetime(2024, 3, 9), datetime(2024, 1, 1)],
        ...         "revenue": [0.0, 20.0, 0.0],
        ...         "channel": ["ads", None, "seo"],
        ...     }
        ... )
        >>> customers(ev, EconomicsSpec()).collect().rows()
        [('a', 24290, 'ads')]
    """
    first_pay = (
        events.filter(is_payment(spec) & (pl.col(REVENUE) > 0))
        .group_by(spec.customer)
        .agg(first_month=period_number(TS, "month").min())
    )
    if spec.channel not in events.collect_schema().names():
        return first_pay.with_columns(channel=pl.lit(NO_CHANNEL))
    touch = first_touch(events, spec.channel, unit=spec.customer)
    channel = pl.col(spec.channel)
    # Customers without a channel are "(none)", as on every page; when no customer has one
    # the column carries no channel information, so CAC falls back to all channels.
    known = pl.when((channel != NO_SEGMENT).any()).then(channel).otherwise(pl.lit(NO_CHANNEL))
    return first_pay.join(touch, on=spec.customer, how="left").select(
        spec.customer, "first_month", known.fill_null(NO_CHANNEL).alias("channel")
    )


def last_complete_month(events: pl.LazyFrame) -> pl.LazyFrame:
    """Return a one-row frame: the last calendar month fully observed, as a month number.

    A month is complete when the data's last event falls on that month's last day or later,
    so a partial final month never reads as churn.

    Example:
        >>> from datetime import datetime
        >>> ev = pl.LazyFrame({"ts": [datetime(2024, 3, 31, 23), datetime(2024, 4, 2)]})
        >>> last_complete_month(ev).collect().item() == 2024 * 12 + 2
        True
    """
    return events.select(last_month=first_open_period(pl.col(TS).max(), "month") - 1)
