"""The value per moment a comparison uses, and where it came from, stated next to it.

Typed in, a moment is worth what each scenario says, ± a margin. Estimated, every
moment-driven scenario takes the data's adjusted revenue lift. When the data cannot give
one (no revenue at all, too few users, the event never early), the typed values are used
and `problem` says why, so the page never shows a value it did not use.
"""

import math
from dataclasses import dataclass

from nsm_core import fmt
from nsm_core.scenarios.model import Plan, Scenario, Valuation, reference_value, with_value
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


@dataclass(frozen=True, slots=True)
class ValueUsed:
    """The value per moment used: its estimate and interval, where it came from, any problem.

    estimate.method is "typed in" for typed values; n = users behind an estimate (0 typed).
    """

    estimate: Estimate
    source: str
    estimated: bool
    problem: str | None = None

    def priced(self, plan: Plan) -> list[Scenario]:
        """Return the scenarios as computed: estimated values replace the typed ones.

        Example:
            >>> from nsm_core.scenarios.model import PRESETS
            >>> plan = PRESETS["a_vs_b"].plan
            >>> used = estimated(Estimate(2.5, 1.0, 4.0, 900, "m"), plan)
            >>> [s.value_per_moment for s in used.priced(plan)]
            [0.0, 2.5]
        """
        scenarios = list(plan.scenarios)
        return with_value(scenarios, self.estimate.value) if self.estimated else scenarios


def typed(plan: Plan, problem: str | None = None) -> ValueUsed:
    """Return the typed values as used: the first moment scenario's value ± the margin.

    Example:
        >>> from nsm_core.scenarios.model import PRESETS
        >>> typed(PRESETS["a_vs_b"].plan).source
        'typed in (± $5.00)'
    """
    margin = plan.valuation.plus_minus
    value = typed_value(reference_value(list(plan.scenarios)), margin)
    source = f"typed in (± {fmt.money(margin)})" + (", not from the data" if problem else "")
    return ValueUsed(value, source, estimated=False, problem=problem)


def moment_words(valuation: Valuation) -> str:
    """Return the moment and the revenue window of an estimate, in words.

    Example:
        >>> moment_words(Valuation("data", event="fav", threshold=2))
        "'fav' ≥ 2× in the first 7 days; revenue over own days 8–35"
    """
    low, high = valuation.outcome_window
    return (
        f"{valuation.event!r} ≥ {valuation.threshold}× in the first {valuation.window_days} "
        f"days; revenue over own days {low}–{high}"
    )


def estimated(estimate: Estimate, plan: Plan) -> ValueUsed:
    """Return the data's estimate of the plan's moment as used, or the typed values if NaN.

    Example:
        >>> from dataclasses import replace
        >>> from nsm_core.scenarios.model import PRESETS
        >>> plan = replace(PRESETS["a_vs_b"].plan, valuation=Valuation("data", event="fav"))
        >>> used = estimated(Estimate(2.5, 1.0, 4.0, 900, "m"), plan)
        >>> used.estimated, used.source
        (True, "estimated from the data: 'fav' ≥ 1× in the first 7 days; revenue over own days 8–35")
        >>> estimated(Estimate(math.nan, math.nan, math.nan, 40, "too few"), plan).problem
        "The data cannot value 'fav' (too few): the values typed in the table are used."
    """  # noqa: E501 - a doctest's expected output is one line
    if math.isnan(estimate.value):
        event = plan.valuation.event
        return typed(
            plan,
            f"The data cannot value {event!r} ({estimate.method}): the values typed in the "
            "table are used.",
        )
    return ValueUsed(estimate, f"estimated from the data: {moment_words(plan.valuation)}", True)
