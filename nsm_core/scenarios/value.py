"""The value per moment a comparison uses, and where it came from, stated next to it.

Typed in, a moment is worth what each scenario says, ± a margin. Estimated, every
moment-driven scenario takes the data's adjusted revenue lift over the plan's horizon (the
months after the moment window; only users observed through all of them count). When the
data cannot give one (no revenue at all, too few users, the event never early), the typed
values are used and `problem` says why, so the page never shows a value it did not use;
when the horizon is longer than the data can follow, `offer` is the longest they can.
"""

import math
from dataclasses import dataclass

from nsm_core import fmt
from nsm_core.moments.value import MomentValue
from nsm_core.scenarios.model import (
    DAYS_PER_MONTH,
    Plan,
    Scenario,
    Valuation,
    reference_value,
    with_value,
)
from nsm_core.scenarios.uncertainty import typed_value
from nsm_core.stats import Estimate

NO_REVENUE = (
    "This data records no revenue (every event's revenue is 0 or missing), so what a moment "
    "is worth cannot be estimated from it; the values typed in the table are used. Load "
    "events with a revenue column (or map one on the Data page) to estimate it."
)
NO_EVENT = (
    "Pick the high-value moment (an event) to value, then compare; until then the values "
    "typed in the table are used."
)
TYPED_USED = "the values typed in the table are used"


@dataclass(frozen=True, slots=True)
class ValueUsed:
    """The value per moment used: its estimate and interval, where it came from, any problem.

    estimate.method is "typed in" for typed values; n = users behind an estimate (0 typed).
    basis: what an estimate rests on (its days and the users observed through them);
    offer: the longest horizon, in months, the data can value the moment over, when the
    plan's is too long for them (None otherwise).
    """

    estimate: Estimate
    source: str
    estimated: bool
    problem: str | None = None
    basis: MomentValue | None = None
    offer: int | None = None

    def priced(self, plan: Plan) -> list[Scenario]:
        """Return the scenarios as computed: estimated values replace the typed ones.

        Example:
            >>> from nsm_core.scenarios.model import PRESETS
            >>> plan = PRESETS["a_vs_b"].plan
            >>> v = MomentValue(Estimate(2.5, 1.0, 4.0, 900, "m"), (8, 97), 1_000, 900)
            >>> [s.value_per_moment for s in estimated(v, plan).priced(plan)]
            [0.0, 2.5]
        """
        scenarios = list(plan.scenarios)
        return with_value(scenarios, self.estimate.value) if self.estimated else scenarios


def typed(
    plan: Plan,
    problem: str | None = None,
    basis: MomentValue | None = None,
    offer: int | None = None,
) -> ValueUsed:
    """Return the typed values as used: the first moment scenario's value ± the margin.

    basis and offer: what an estimate that could not be used found (see ValueUsed).

    Example:
        >>> from nsm_core.scenarios.model import PRESETS
        >>> typed(PRESETS["a_vs_b"].plan).source
        'typed in (± $5.00)'
    """
    margin = plan.valuation.plus_minus
    value = typed_value(reference_value(list(plan.scenarios)), margin)
    source = f"typed in (± {fmt.money(margin)})" + (", not from the data" if problem else "")
    return ValueUsed(value, source, False, problem, basis, offer)


def months_words(months: int) -> str:
    """Return a number of months in words.

    Example:
        >>> months_words(1), months_words(3)
        ('1 month', '3 months')
    """
    return f"{months} month" + ("s" if months != 1 else "")


def moment_words(valuation: Valuation, months: int) -> str:
    """Return the moment and the revenue window of an estimate, in words.

    Example:
        >>> moment_words(Valuation("data", event="fav", threshold=2), 3)
        "'fav' ≥ 2× in the first 7 days; revenue over own days 8–97 (3 months)"
    """
    low, high = valuation.outcome_window(months)
    return (
        f"{valuation.event!r} ≥ {valuation.threshold}× in the first {valuation.window_days} "
        f"days; revenue over own days {low}–{high} ({months_words(valuation.horizon(months))})"
    )


def supported_months(value: MomentValue) -> int | None:
    """Return the longest whole horizon, in months, the data can value the moment over.

    months = ⌊(b' − a + 1) ÷ 30⌋ for the last supported day b' (`MomentValue.supported_end`);
    None when not even one month is supported.

    Example:
        >>> nan = float("nan")
        >>> v = MomentValue(Estimate(nan, nan, nan, 0, "too few"), (8, 367), 9, 0, 290)
        >>> supported_months(v)
        9
    """
    if value.supported_end is None:
        return None
    low = value.outcome_window[0]
    months = (value.supported_end - low + 1) // DAYS_PER_MONTH
    return months or None


def _too_few(value: MomentValue, plan: Plan) -> ValueUsed:
    """Return the typed values, saying the horizon outruns the data and what they support."""
    months = plan.valuation.horizon(plan.months)
    high = value.outcome_window[1]
    offer = supported_months(value)
    reach = (
        f"The data can value it over up to {months_words(offer)}."
        if offer
        else "The data do not follow enough users on both sides even one month past the "
        "moment window."
    )
    problem = (
        f"Too few users are observed through own day {high} ({months_words(months)} after the "
        f"moment window) to value {plan.valuation.event!r}: {fmt.count(value.observed)} of "
        f"{fmt.count(value.users)} users, fewer than 50 on a side. {reach} Until then "
        f"{TYPED_USED}."
    )
    return typed(plan, problem, value, offer)


def estimated(value: MomentValue, plan: Plan) -> ValueUsed:
    """Return the data's estimate of the plan's moment as used, or the typed values if NaN.

    Example:
        >>> from dataclasses import replace
        >>> from nsm_core.scenarios.model import PRESETS
        >>> plan = replace(PRESETS["a_vs_b"].plan, valuation=Valuation("data", event="fav"))
        >>> v = MomentValue(Estimate(2.5, 1.0, 4.0, 900, "m"), (8, 97), 1_000, 900)
        >>> used = estimated(v, plan)
        >>> used.estimated, used.source
        (True, "estimated from the data: 'fav' ≥ 1× in the first 7 days; revenue over own days 8–97 (3 months)")
        >>> nan = float("nan")
        >>> v = MomentValue(Estimate(nan, nan, nan, 400, "overlap"), (8, 97), 1_000, 400)
        >>> estimated(v, plan).problem
        "The data cannot value 'fav' (overlap): the values typed in the table are used."
    """  # noqa: E501 - a doctest's expected output is one line
    estimate = value.estimate
    if not math.isnan(estimate.value):
        words = moment_words(plan.valuation, plan.months)
        return ValueUsed(estimate, f"estimated from the data: {words}", True, basis=value)
    if value.too_few:
        return _too_few(value, plan)
    event = plan.valuation.event
    problem = f"The data cannot value {event!r} ({estimate.method}): {TYPED_USED}."
    return typed(plan, problem, value)


def censoring(used: ValueUsed) -> str:
    """Return who an estimate counts: the users observed through its whole horizon.

    Example:
        >>> v = MomentValue(Estimate(8.3, 5.6, 11.5, 4_509, "m"), (8, 97), 7_000, 4_509)
        >>> print(censoring(ValueUsed(v.estimate, "data", True, basis=v)))
        Only users observed through own day 97 count (their first event at least 98 days before the data end): 4,509 of 7,000 users; the other 2,491 started too recently.
    """  # noqa: E501 - a doctest's expected output is one line
    value = used.basis
    if value is None:
        return ""
    high = value.outcome_window[1]
    return (
        f"Only users observed through own day {high} count (their first event at least "
        f"{high + 1} days before the data end): {fmt.count(value.observed)} of "
        f"{fmt.count(value.users)} users; the other {fmt.count(value.users - value.observed)} "
        "started too recently."
    )
