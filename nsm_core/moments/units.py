"""The outcome of moments in words and units: what it measures and how its lifts read.

Three kinds of outcome: a rate (retained, or a North Star that counts users: lifts in pp),
money (revenue, or a revenue North Star: lifts in $ per user) and an amount (a North Star
that counts events or sums a property: lifts in its own unit per user).
"""

import math
from typing import Final, Literal, TypeAlias

from nsm_core import fmt
from nsm_core.metrics import MetricSpec
from nsm_core.metrics.words import inclusions
from nsm_core.moments.spec import MomentSpec

Kind: TypeAlias = Literal["rate", "money", "amount"]
# Units that name who is counted, not what: an amount per user needs the thing counted.
PEOPLE: Final = ("", "users", "teams", "accounts", "customers")


def kind(spec: MomentSpec) -> Kind:
    """Return whether the outcome is a rate, money or another amount per user.

    Example:
        >>> kind(MomentSpec()), kind(MomentSpec(outcome=MetricSpec("x", aggregation="events")))
        ('rate', 'amount')
    """
    if spec.binary:
        return "rate"
    return "money" if spec.money else "amount"


def amount_unit(metric: MetricSpec) -> str:
    """Return the unit of a user's part of `metric`: its unit, unless that names people.

    Example:
        >>> amount_unit(MetricSpec("Orders", aggregation="events", unit="orders"))
        'orders'
        >>> amount_unit(MetricSpec("Orders", aggregation="events"))
        'events'
    """
    if metric.unit.strip().lower() not in PEOPLE:
        return metric.unit.strip()
    return metric.value_column if metric.aggregation == "property_sum" else "events"


def unit(spec: MomentSpec) -> str:
    """Return the chart unit of lifts: "pp" for rates, "money", or the amount's unit.

    Example:
        >>> unit(MomentSpec()), unit(MomentSpec(outcome="revenue"))
        ('pp', 'money')
    """
    found = kind(spec)
    if found == "amount":
        return amount_unit(spec.north_star)
    return "pp" if found == "rate" else "money"


def header_unit(spec: MomentSpec) -> str:
    """Return the unit in table headers: "pp", "$" or the amount's unit."""
    found = unit(spec)
    return "$" if found == "money" else found


def scale(spec: MomentSpec) -> float:
    """Return the factor from the outcome's scale to display units (rates in pp)."""
    return 100.0 if spec.binary else 1.0


def measure(spec: MomentSpec) -> str:
    """Return what the outcome measures as a short noun phrase (for titles and tests).

    Example:
        >>> measure(MomentSpec()), measure(MomentSpec(outcome=MetricSpec("WAU")))
        ('retention', 'share of users counted in WAU')
    """
    star = spec.north_star
    found = kind(spec)
    if found == "money":
        return "revenue per user"
    if star is None:
        return "retention"
    if found == "rate":
        return f"share of users counted in {star.name}"
    return f"{amount_unit(star)} per user"


def _counted(metric: MetricSpec) -> str:
    """Return what a user must do to count toward a user-counting North Star."""
    what = ", ".join(inclusions(metric)[: 1 + len(metric.filters)])
    if metric.aggregation == "users_reaching":
        return f"{metric.threshold}+ {what} in one calendar {metric.grain}"
    return what


def outcome_words(spec: MomentSpec) -> str:
    """Return what the outcome measures, in words.

    Example:
        >>> outcome_words(MomentSpec())
        'retained (any activity on days 8–35)'
        >>> outcome_words(MomentSpec(outcome=MetricSpec("WAU")))
        'counted in WAU (any event on days 8–35)'
    """
    low, high = spec.outcome_window
    star = spec.north_star
    days = f"on days {low}–{high}"
    if star is not None and spec.binary:
        return f"counted in {star.name} ({_counted(star)} {days})"
    if star is not None:
        return f"{measure(spec)} {days} (North Star: {star.name})"
    if spec.outcome == "revenue":
        return f"revenue per user {days}"
    what = "any activity" if spec.return_event is None else f"did {spec.return_event}"
    return f"retained ({what} {days})"


def amount(value: float | None, spec: MomentSpec, *, signed: bool = True) -> str:
    """Return a lift (or level) in the outcome's unit: pp / % for rates, money, or the unit.

    Example:
        >>> amount(0.052, MomentSpec()), amount(0.31, MomentSpec(), signed=False)
        ('+5.2 pp', '31%')
        >>> orders = MetricSpec("Orders", aggregation="events", unit="orders")
        >>> amount(0.125, MomentSpec(outcome=orders))
        '+0.12 orders'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    found = kind(spec)
    if found == "money":
        text = fmt.money(value)
        return f"+{text}" if signed and value >= 0 else text
    if found == "amount":
        number = f"{value:+,.2f}" if signed else fmt.num(value)
        return f"{number} {unit(spec)}"
    return fmt.points(value) if signed else fmt.pct(value)


def lift_words(spec: MomentSpec) -> str:
    """Return the unit lifts are in, in words.

    Example:
        >>> lift_words(MomentSpec()), lift_words(MomentSpec(outcome=MetricSpec("WAU")))
        ('percentage points (pp) of users retained', 'percentage points (pp) of users counted in WAU')
    """  # noqa: E501
    star = spec.north_star
    found = kind(spec)
    if found == "money":
        return "$ of revenue per user"
    if found == "amount":
        return f"{unit(spec)} per user"
    who = "retained" if star is None else f"counted in {star.name}"
    return f"percentage points (pp) of users {who}"


def gain_words(gain: float, spec: MomentSpec) -> str:
    """Return an expected gain in words ("about 570 more retained users").

    Example:
        >>> gain_words(570.4, MomentSpec(outcome=MetricSpec("WAU")))
        'about 570 more users counted in WAU'
    """
    star = spec.north_star
    found = kind(spec)
    if found == "money":
        return f"about {fmt.money(gain, compact=True)} more revenue"
    if found == "amount":
        return f"about {fmt.count(gain)} more {unit(spec)}"
    who = "retained users" if star is None else f"users counted in {star.name}"
    return f"about {fmt.count(gain)} more {who}"


RULES: Final = {
    "distinct_users": "1 if they had a counted event in the window, else 0",
    "users_reaching": "1 if they had {threshold}+ counted events in one calendar {grain} of "
    "the window, else 0",
    "events": "their number of counted events in the window",
    "revenue": "the revenue of their counted events in the window",
    "property_sum": "the sum of {column} over their counted events in the window",
}


def north_star_rule(metric: MetricSpec) -> str:
    """Return how one user's outcome is read from the North Star, in words.

    Example:
        >>> north_star_rule(MetricSpec("Orders", aggregation="events"))
        'their number of counted events in the window'
    """
    rule = RULES.get(metric.aggregation, "")
    return rule.format(threshold=metric.threshold, grain=metric.grain, column=metric.value_column)
