"""What counts as a payment: payments without an amount, an assumed amount, the two stages."""

from dataclasses import replace
from datetime import UTC, datetime

import polars as pl
import pytest

from nsm_core.economics import (
    EconomicsSpec,
    counts_from_tables,
    from_tables,
    payment_events,
    payment_tables,
    suggested_payments,
    unit_economics,
)
from nsm_core.economics.report import NEEDS_AMOUNT
from nsm_core.schema import DataError


def ts(month: int, day: int) -> datetime:
    return datetime(2024, month, day, 12, tzinfo=UTC)


# A subscription log with no money at all: a pays Jan, Feb, Mar; b pays Jan and Mar; c pays
# Feb only; d never pays. The last event (30 April) closes April: Jan..Apr are complete.
ROWS = [
    ("a", "open", ts(1, 2)),
    ("a", "payment_done", ts(1, 3)),
    ("a", "payment_done", ts(1, 20)),
    ("a", "payment_done", ts(2, 3)),
    ("a", "payment_done", ts(3, 3)),
    ("b", "open", ts(1, 5)),
    ("b", "payment_done", ts(1, 6)),
    ("b", "payment_done", ts(3, 6)),
    ("c", "open", ts(2, 1)),
    ("c", "payment_done", ts(2, 2)),
    ("d", "open", ts(1, 1)),
    ("d", "open", datetime(2024, 4, 30, 23, tzinfo=UTC)),
]
NO_MONEY = pl.DataFrame(
    ROWS,
    schema={"user_id": pl.String, "event": pl.String, "ts": pl.Datetime("us", "UTC")},
    orient="row",
).with_columns(revenue=pl.lit(0.0))
RECORDED = NO_MONEY.with_columns(
    revenue=pl.when(pl.col("event") == "payment_done").then(12.0).otherwise(0.0)
)
PAID = EconomicsSpec(payment_event="payment_done", min_customers=1, n_boot=20, horizon_months=4)


def test_payments_without_amount_still_count_customers_and_retention():
    counts = counts_from_tables(payment_tables(NO_MONEY.lazy(), PAID), None, PAID)
    assert (counts.customers, counts.users, counts.conversion) == (3, 4, 0.75)
    months = counts.months.select(
        "customers_start", "customers_new", "customers_retained", "customers_lost", "payments"
    ).rows()
    assert months == [
        (0, 2, 0, 0, 3),  # Jan: a (2 payments) and b new
        (2, 1, 1, 1, 2),  # Feb: a stays, b stops, c new
        (2, 0, 1, 1, 2),  # Mar: a stays, c stops, b comes back
        (2, 0, 0, 2, 0),  # Apr: nobody pays
    ]
    # CRR pools the months with payers at the start: retained 1 + 1 + 0 of 2 + 2 + 2
    assert counts.retention.crr == pytest.approx(2 / 6)
    assert counts.retention.logo_churn == pytest.approx(4 / 6)
    assert counts.retention.nrr is None
    assert counts.retention.grr is None
    assert NEEDS_AMOUNT in counts.warnings


def test_money_numbers_are_refused_without_an_amount():
    with pytest.raises(DataError, match="carry no amount"):
        unit_economics(NO_MONEY.lazy(), None, PAID)


def test_an_assumed_amount_prices_every_payment_like_recorded_revenue():
    """Typing $12 a payment must give what the same log with revenue = 12 on each gives."""
    assumed = unit_economics(NO_MONEY.lazy(), None, replace(PAID, amount_per_payment=12.0))
    measured = unit_economics(RECORDED.lazy(), None, replace(PAID, payment_event=None))
    assert assumed.amounts.kind == "assumed"
    assert measured.amounts.kind == "revenue"
    assert assumed.arpa == pytest.approx(measured.arpa)
    assert assumed.arpa == pytest.approx(12 * 7 / 6)  # 7 payments in 6 paying customer-months
    assert assumed.ltv("cohort").value == pytest.approx(measured.ltv("cohort").value)
    assert assumed.retention.nrr == pytest.approx(measured.retention.nrr)
    assert assumed.conversion == 0.75


def test_the_payment_event_picks_one_kind_of_payment():
    """Only `order` counts; the `tip` revenue is not a payment under that choice."""
    events = pl.DataFrame(
        {
            "user_id": ["a", "a", "b", "b"],
            "event": ["order", "tip", "order", "tip"],
            "ts": [ts(1, 2), ts(1, 3), ts(1, 4), datetime(2024, 2, 29, 23, tzinfo=UTC)],
            "revenue": [10.0, 5.0, 0.0, 5.0],
        }
    )
    spec = EconomicsSpec(payment_event="order", min_customers=1, n_boot=20)
    out = unit_economics(events.lazy(), None, spec)
    assert out.customers == 1  # b's order has no amount
    assert out.contribution.revenue == 10.0
    assert "1 of 2 'order' events carry no amount" in out.warnings[-1]


def test_nothing_to_count_names_the_fix():
    with pytest.raises(DataError, match="What counts as a payment"):
        payment_tables(NO_MONEY.lazy(), EconomicsSpec())
    with pytest.raises(DataError, match="No 'refund' events"):
        payment_tables(NO_MONEY.lazy(), EconomicsSpec(payment_event="refund"))


def test_payment_names_are_suggested_most_likely_first():
    names = ["open", "order", "checkout", "purchase", "subscription_renewed", "payment_done"]
    assert suggested_payments(names) == [
        "payment_done",
        "purchase",
        "subscription_renewed",
        "checkout",
        "order",
    ]
    assert suggested_payments(["rate_movie", "view_title"]) == []


def test_payment_events_count_amounts_per_event():
    table = payment_events(NO_MONEY.lazy()).collect()
    assert table.rows() == [("payment_done", 7, 0, 0, 0.0), ("open", 5, 0, 0, 0.0)]


def test_stage_two_alone_gives_the_whole_result():
    """The page caches stage 1 per `spec.stage1()`: stage 2 on those tables must match."""
    base = EconomicsSpec(min_customers=1, n_boot=20)
    tables = payment_tables(RECORDED.lazy(), base.stage1())
    for horizon in (4, 12):
        spec = EconomicsSpec(min_customers=1, n_boot=20, horizon_months=horizon)
        assert spec.stage1() == base.stage1()
        staged = from_tables(tables, None, spec)
        whole = unit_economics(RECORDED.lazy(), None, spec)
        assert staged.ltv("cohort").value == pytest.approx(whole.ltv("cohort").value)
        assert staged.arpa == whole.arpa
    assert EconomicsSpec(payment_event="x").stage1() != base.stage1()
    assert EconomicsSpec(amount_per_payment=3.0).stage1() != base.stage1()
