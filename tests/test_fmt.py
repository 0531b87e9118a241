"""Formatting of numbers, money, shares and dates."""

from datetime import date

import pytest

from nsm_core import fmt


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, "$0.00"), (12.5, "$12.50"), (-3.2, "-$3.20"), (1234567.891, "$1,234,567.89")],
)
def test_money(value, expected):
    assert fmt.money(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [(999, "$999"), (1500, "$1.5k"), (2_500_000, "$2.5M"), (-3e9, "-$3.0B")]
)
def test_money_compact(value, expected):
    assert fmt.money(value, compact=True) == expected


def test_missing_values_say_na():
    assert fmt.count(None) == fmt.pct(float("nan")) == fmt.money(None) == "n/a"


def test_shares_and_points():
    assert fmt.pct(0.2349) == "23%"
    assert fmt.points(0.0123) == "+1.2 pp"


def test_period_names():
    assert fmt.period_name(date(2025, 3, 3), "day") == "3 Mar 2025"
    assert fmt.period_name(date(2025, 3, 1), "month") == "March 2025"
