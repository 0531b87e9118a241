"""Payback counting churn: a hand-worked cohort, the geometric sum's closed form, Health."""

import math
from datetime import UTC, date, datetime

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nsm_core.economics import EconomicsSpec, unit_economics
from nsm_core.economics.payback import cac_payback, disagreement, formula_months, sentence
from nsm_core.health.money import customer_roi

# 64 customers come through "ads" in January 2024 and pay $10 on the 5th of every month they
# stay; half of those paying stop each month: 64, 32, 16, 8, 4, 2 pay in January..June. So
# gross profit per acquired customer by month of life is 10, 5, 2.5, 1.25, 0.625, 0.3125
# (cumulative 10, 15, 17.5, 18.75, 19.375, 19.6875), ARPA = $10 exactly, and the monthly
# revenue churn is 50% (lost 62 × $10 of 124 × $10 paying at the start of Jan..May).
ALIVE = (64, 32, 16, 8, 4, 2)
CUMULATIVE = (10.0, 15.0, 17.5, 18.75, 19.375, 19.6875)


def halving_cohort() -> pl.DataFrame:
    rows = []
    for i in range(64):
        rows.append((f"c{i:02d}", "signup", datetime(2024, 1, 2, 9, tzinfo=UTC), 0.0, "ads"))
        months = sum(i < n for n in ALIVE)
        rows.extend(
            (f"c{i:02d}", "order", datetime(2024, m, 5, 12, tzinfo=UTC), 10.0, None)
            for m in range(1, months + 1)
        )
    rows.append(("c00", "view", datetime(2024, 6, 30, 23, tzinfo=UTC), 0.0, None))  # June ends
    schema = {
        "user_id": pl.String,
        "event": pl.String,
        "ts": pl.Datetime("us", "UTC"),
        "revenue": pl.Float64,
        "channel": pl.String,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


def spend(cac: float) -> pl.DataFrame:
    return pl.DataFrame({"month": [date(2024, 1, 1)], "channel": ["ads"], "ad_spend": [64 * cac]})


SPEC = EconomicsSpec(horizon_months=6, discount_rate=0.0, n_boot=20)


def economics(cac: float, spec: EconomicsSpec = SPEC):
    return unit_economics(halving_cohort().lazy(), spend(cac), spec)


def test_the_halving_cohort_is_what_the_comment_says():
    result = economics(18.0)
    assert result.cac == pytest.approx(18.0)
    assert result.arpa == pytest.approx(10.0)
    assert result.retention.revenue_churn == pytest.approx(0.5)
    assert result.ltv_curve["cumulative"].to_list() == pytest.approx(CUMULATIVE)


def test_payback_counts_churn_on_the_hand_worked_cohort():
    payback = economics(18.0).payback()
    # cumulative per acquired customer: 17.5 after 3 months, 18.75 ≥ 18 after 4
    assert (payback.source, payback.months, payback.text()) == ("cohort", 4, "4 months")
    # formula with churn: ⌈log(1 − 18 × 0.5 ÷ 10) ÷ log(0.5)⌉ = ⌈3.32⌉ = 4, the same month
    assert payback.with_churn == 4
    # the churn-free formula says 18 ÷ 10 = 1.8 months: two months early, so it is flagged
    assert payback.churn_free == pytest.approx(1.8)
    assert payback.disagrees
    assert "payback is 4 months" in disagreement(payback)
    assert "paid back in month 4 of a customer's life on the cohort curve" in sentence(payback)


def test_payback_that_never_comes_says_not_within_the_horizon():
    payback = economics(25.0).payback()  # above the formula LTV 10 ÷ 0.5 = $20
    assert (payback.months, payback.with_churn) == (None, None)
    assert payback.text() == "not within 6 months"
    assert payback.reached == pytest.approx(19.6875)
    assert "reaches $19.69 by month 6" in sentence(payback)
    assert "never pays it back" in sentence(payback)
    assert payback.slow


def test_without_a_cohort_curve_the_formula_with_churn_is_the_headline():
    few = EconomicsSpec(horizon_months=6, discount_rate=0.0, n_boot=20, min_customers=100)
    result = economics(18.0, few)
    assert result.ltv("cohort").value is None  # 64 customers < 100
    payback = result.payback()
    assert (payback.source, payback.months) == ("formula", 4)
    assert "on the formula with churn" in sentence(payback)
    # 10 × (1 − 0.5⁶) ÷ 0.5 = 19.6875: the formula's cumulative by month 6
    assert payback.reached == pytest.approx(19.6875)
    short = cac_payback(18.0, 10.0, 0.5, None, 3)
    assert (short.months, short.with_churn, short.text()) == (None, 4, "not within 3 months")


@pytest.mark.parametrize(
    ("cac", "profit", "churn", "months"),
    [
        (100.0, 40.0, 0.2, 4),  # 40, 72, 97.6, 118.08
        (100.0, 10.0, 0.2, None),  # the whole sum is 10 ÷ 0.2 = 50
        (100.0, 20.0, 0.2, None),  # the whole sum is exactly 100: reached only in the limit
        (100.0, 25.0, 0.0, 4),  # no churn: 100 ÷ 25, exactly 4 months
        (30.0, 40.0, 0.9, 1),  # the first month pays it back
        (0.0, 5.0, 0.5, 1),
        (50.0, 40.0, 1.0, None),  # everyone leaves after the first month
    ],
)
def test_formula_months_by_hand(cac, profit, churn, months):
    assert formula_months(cac, profit, churn) == months


def summed_months(cac: float, profit: float, churn: float, limit: int = 5_000) -> int | None:
    """Independent count: add each month's m·ARPA·(1−c)^t until the total reaches CAC."""
    total = 0.0
    for n in range(1, limit + 1):
        total += profit * (1 - churn) ** (n - 1)
        if total >= cac * (1 - 1e-12):
            return n
    return None


@settings(max_examples=300, deadline=None)
@given(
    cac=st.floats(1.0, 5_000.0),
    profit=st.floats(0.5, 500.0),
    churn=st.floats(0.0, 0.95),
)
def test_closed_form_matches_summing_month_by_month(cac, profit, churn):
    closed = formula_months(cac, profit, churn)
    if closed is None:
        assert cac * churn >= profit  # never: the geometric sum m·ARPA ÷ c stays below CAC
    elif closed <= 5_000 and not math.isclose(cac * churn, profit, rel_tol=1e-6):
        assert closed == summed_months(cac, profit, churn)
        assert closed >= math.ceil(cac / profit - 1e-9)  # churn never makes payback sooner


def test_health_shows_the_same_payback_as_unit_economics():
    result = economics(18.0)
    family = customer_roi(result)
    reading = next(r for r in family.readings if r.label == "Payback")
    assert reading.shown() == result.payback().text() == "4 months"
    labels = [r.label for r in family.readings]
    assert "LTV:CAC (cohort curve)" in labels
    never = customer_roi(economics(25.0))
    assert next(r for r in never.readings if r.label == "Payback").shown() == (
        "not within 6 months"
    )
