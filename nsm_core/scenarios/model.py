"""Revenue scenarios: base revenue plus revenue from high-value moments, minus campaign cost.

A scenario is a monthly run-rate: every amount is per month except `costs`, which is the
whole campaign's cost over the horizon. Over `months` months, scenario i earns

    base_i    = base_revenue_per_month_i × months
    moments_i = moments_per_month_i × months
    revenue_i = base_i + moments_i × value_per_moment_i
    net_i     = revenue_i − costs_i

Scenario 0 (the first) is the reference the others are compared with.
"""

import math
from dataclasses import dataclass, field, replace
from typing import Final, Literal, TypeAlias

import polars as pl

from nsm_core.schema import DataError

MAX_MONTHS: Final = 120
MAX_SCENARIOS: Final = 20
MAX_NAME: Final = 60
MAX_EVENT: Final = 200
MAX_THRESHOLD: Final = 50
MAX_WINDOW: Final = 30
DAYS_PER_MONTH: Final = 30  # a month of a user's own days, for the value of a moment
ValueMode: TypeAlias = Literal["typed", "data"]
VALUE_MODES: Final[tuple[ValueMode, ...]] = ("typed", "data")


@dataclass(frozen=True, slots=True)
class Scenario:
    """One scenario: monthly base revenue, monthly moments × value, and the campaign's cost.

    `moments_per_month` is per month (it may be fractional: 2,000 moments over 3 months is
    666.67 a month); `costs` is the total over the horizon, spread evenly across its months.
    """

    name: str
    base_revenue_per_month: float
    moments_per_month: float = 0
    value_per_moment: float = 0.0
    costs: float = 0.0

    def __post_init__(self) -> None:
        """Reject what no scenario can be: an empty name, non-finite or negative amounts."""
        if not self.name.strip() or len(self.name) > MAX_NAME:
            raise DataError(
                f"Scenario name {self.name!r} must have 1 to {MAX_NAME} characters.",
                fix="Give every scenario a short name such as A or Campaign.",
            )
        amounts = (self.base_revenue_per_month, self.moments_per_month, self.value_per_moment)
        if not all(math.isfinite(x) for x in (*amounts, self.costs)):
            raise DataError(f"Scenario {self.name!r} has a missing or infinite amount.")
        if self.moments_per_month < 0 or self.costs < 0:
            raise DataError(
                f"Scenario {self.name!r}: moments per month and costs cannot be negative.",
                fix="Enter 0 when the scenario has no campaign.",
            )

    @classmethod
    def from_totals(  # noqa: PLR0913 - the four amounts of a scenario, each one meaningful
        cls,
        name: str,
        months: int,
        base_revenue: float,
        *,
        moments: float = 0,
        value_per_moment: float = 0.0,
        costs: float = 0.0,
    ) -> "Scenario":
        """Return the scenario that earns `base_revenue` and `moments` over `months` months.

        base_revenue_per_month = base_revenue / months; moments_per_month = moments / months.

        Example:
            >>> s = Scenario.from_totals("B", 3, 80_000, moments=2_000, value_per_moment=20)
            >>> round(s.moments_per_month, 2)
            666.67
        """
        return cls(name, base_revenue / months, moments / months, value_per_moment, costs)


@dataclass(frozen=True, slots=True)
class Valuation:
    """How a high-value moment is valued: typed in (± a margin) or estimated from the data.

    mode "typed": each scenario's own value per moment, ± `plus_minus` for the range of
    outcomes. mode "data": the adjusted revenue lift of users who did `event` at least
    `threshold` times in their first `window_days` days (None = not picked yet), over the
    `horizon_months` months after the moment window (None = the plan's months).
    """

    mode: ValueMode = "typed"
    plus_minus: float = 5.0
    event: str | None = None
    threshold: int = 1
    window_days: int = 7
    horizon_months: int | None = None

    def __post_init__(self) -> None:
        """Reject what no valuation can be (it may come from a shared link)."""
        whole = (self.threshold, self.window_days, self.horizon_months or 1)
        if any(isinstance(v, bool) or not isinstance(v, int) for v in whole):
            raise DataError("The moment's threshold, window and horizon must be whole numbers.")
        problems = [
            self.mode not in VALUE_MODES and f"mode must be one of {', '.join(VALUE_MODES)}",
            not (math.isfinite(self.plus_minus) and self.plus_minus >= 0)
            and "the ± margin must be a number of 0 or more",
            self.event is not None
            and not 0 < len(self.event) <= MAX_EVENT
            and f"the event name must have 1 to {MAX_EVENT} characters",
            not 1 <= self.threshold <= MAX_THRESHOLD
            and f"the threshold must be 1 to {MAX_THRESHOLD} times",
            not 1 <= self.window_days <= MAX_WINDOW
            and f"the window must be 1 to {MAX_WINDOW} days",
            self.horizon_months is not None
            and not 1 <= self.horizon_months <= MAX_MONTHS
            and f"the horizon must be 1 to {MAX_MONTHS} months",
        ]
        wrong = [p for p in problems if p]
        if wrong:
            raise DataError(f"The value per moment is not usable: {'; '.join(wrong)}.")

    def horizon(self, months: int) -> int:
        """Return the months of revenue a moment is valued over: its own, else the plan's.

        Example:
            >>> Valuation().horizon(3), Valuation(horizon_months=12).horizon(3)
            (3, 12)
        """
        return self.horizon_months or months

    def outcome_window(self, months: int) -> tuple[int, int]:
        """Return the own days a..b over which revenue is counted, for a plan of `months`.

        a = the day after the moment window (day 8 for a week, as on the High-value moments
        page); b = a + 30 × horizon − 1, so 3 months after a week are own days 8–97.

        Example:
            >>> Valuation().outcome_window(3), Valuation(window_days=30).outcome_window(1)
            ((8, 97), (30, 59))
        """
        low = max(8, self.window_days)
        return low, low + DAYS_PER_MONTH * self.horizon(months) - 1


@dataclass(frozen=True, slots=True)
class Plan:
    """Scenarios side by side over one horizon (hashable: a cache key and what gets shared).

    `valuation` says how the moments are valued, so a saved file or a link restores the
    value the comparison used, not only the numbers typed in the table.
    """

    scenarios: tuple[Scenario, ...]
    months: int
    valuation: Valuation = field(default_factory=Valuation)

    def __post_init__(self) -> None:
        """Check the horizon, the number of scenarios and that names are unique."""
        check(list(self.scenarios), self.months)

    @property
    def value_window(self) -> tuple[int, int]:
        """Return the own days a..b a moment's revenue is counted over (`Valuation`)."""
        return self.valuation.outcome_window(self.months)


@dataclass(frozen=True, slots=True)
class Preset:
    """A ready-made plan with a sentence saying what it shows."""

    title: str
    description: str
    plan: Plan


def check(scenarios: list[Scenario], months: int) -> None:
    """Raise DataError unless 1..MAX_SCENARIOS uniquely named scenarios and 1..MAX_MONTHS months.

    Example:
        >>> check([Scenario("A", 1.0)], 3) is None
        True
    """
    if not 1 <= len(scenarios) <= MAX_SCENARIOS:
        raise DataError(f"Compare 1 to {MAX_SCENARIOS} scenarios; got {len(scenarios)}.")
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_MONTHS:
        raise DataError(f"The horizon must be a whole number of months from 1 to {MAX_MONTHS}.")
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise DataError(
            "Two scenarios have the same name.", fix="Give every scenario its own name."
        )


def with_value(scenarios: list[Scenario], value: float) -> list[Scenario]:
    """Return the scenarios with every moment-driven one valued at `value` per moment.

    Scenarios without moments keep their value (it multiplies 0 moments anyway).

    Example:
        >>> [s.value_per_moment for s in with_value([Scenario("A", 1.0, 5, 2.0)], 9.5)]
        [9.5]
    """
    return [replace(s, value_per_moment=value) if s.moments_per_month else s for s in scenarios]


def with_base(plan: Plan, base_per_month: float) -> Plan:
    """Return the plan with every scenario's base revenue per month set to `base_per_month`.

    Example:
        >>> plan = Plan((Scenario("A", 1.0), Scenario("B", 2.0, 3, 4.0)), 2)
        >>> [s.base_revenue_per_month for s in with_base(plan, 9.0).scenarios]
        [9.0, 9.0]
    """
    scenarios = tuple(replace(s, base_revenue_per_month=base_per_month) for s in plan.scenarios)
    return replace(plan, scenarios=scenarios)


def reference_value(scenarios: list[Scenario]) -> float:
    """Return the value per moment of the first scenario with moments (0 when none has any).

    Example:
        >>> reference_value([Scenario("A", 1.0), Scenario("B", 1.0, 5, 20.0)])
        20.0
    """
    return next((float(s.value_per_moment) for s in scenarios if s.moments_per_month), 0.0)


def _inputs(scenarios: list[Scenario]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "scenario": [s.name for s in scenarios],
            "base_per_month": [float(s.base_revenue_per_month) for s in scenarios],
            "moments_per_month": [float(s.moments_per_month) for s in scenarios],
            "value_per_moment": [float(s.value_per_moment) for s in scenarios],
            "costs": [float(s.costs) for s in scenarios],
        },
        schema_overrides={"scenario": pl.String},
    )


def compare(scenarios: list[Scenario], months: int) -> pl.DataFrame:
    """Return one row per scenario: totals, difference to the first, break-even, ROI.

    scenarios -> (scenario, months, base_revenue, moments, value_per_moment, moment_revenue,
    revenue, costs, net, revenue_diff, net_diff, break_even_value, roi)

    revenue_diff_i = revenue_i − revenue_0; net_diff_i = net_i − net_0;
    break_even_value_i = (net_0 − base_i + costs_i) / moments_i, the value per moment at
    which scenario i nets exactly what scenario 0 nets (null for scenario 0 or no moments);
    roi_i = net_diff_i / (costs_i − costs_0), the return on each extra unit of campaign cost
    (null unless scenario i costs more than scenario 0).

    Example:
        >>> a = Scenario("A", 30_000)
        >>> b = Scenario.from_totals("B", 3, 80_000, moments=2_000, value_per_moment=20)
        >>> compare([a, b], 3).select("scenario", "revenue", "net_diff", "break_even_value").rows()
        [('A', 90000.0, 0.0, None), ('B', 120000.0, 30000.0, 5.0)]
    """
    check(scenarios, months)
    moments = pl.col("moments_per_month") * months
    net_0 = pl.col("net").first()
    extra_cost = pl.col("costs") - pl.col("costs").first()
    return (
        _inputs(scenarios)
        .with_columns(
            months=pl.lit(months, pl.Int64),
            base_revenue=pl.col("base_per_month") * months,
            moments=moments,
            moment_revenue=moments * pl.col("value_per_moment"),
        )
        .with_columns(revenue=pl.col("base_revenue") + pl.col("moment_revenue"))
        .with_columns(net=pl.col("revenue") - pl.col("costs"))
        .with_columns(
            revenue_diff=pl.col("revenue") - pl.col("revenue").first(),
            net_diff=pl.col("net") - net_0,
            break_even_value=pl.when((pl.int_range(pl.len()) > 0) & (pl.col("moments") > 0)).then(
                (net_0 - pl.col("base_revenue") + pl.col("costs")) / pl.col("moments")
            ),
            roi=pl.when(extra_cost > 0).then((pl.col("net") - net_0) / extra_cost),
        )
        .select(
            "scenario",
            "months",
            "base_revenue",
            "moments",
            "value_per_moment",
            "moment_revenue",
            "revenue",
            "costs",
            "net",
            "revenue_diff",
            "net_diff",
            "break_even_value",
            "roi",
        )
    )


def monthly(scenarios: list[Scenario], months: int) -> pl.DataFrame:
    """Return each scenario's month-by-month revenue, cost and cumulative net.

    scenarios -> (scenario, month, base_revenue, moment_revenue, costs, net, cumulative_net)
    with month = 1..months, costs = campaign cost / months, net = base + moments − costs.

    Example:
        >>> monthly([Scenario("A", 10.0, 2, 1.0, costs=6.0)], 3)["cumulative_net"].to_list()
        [10.0, 20.0, 30.0]
    """
    check(scenarios, months)
    return (
        _inputs(scenarios)
        .with_columns(month=pl.int_ranges(1, months + 1))
        .explode("month")
        .with_columns(
            base_revenue=pl.col("base_per_month"),
            moment_revenue=pl.col("moments_per_month") * pl.col("value_per_moment"),
            costs=pl.col("costs") / months,
        )
        .with_columns(net=pl.col("base_revenue") + pl.col("moment_revenue") - pl.col("costs"))
        .with_columns(cumulative_net=pl.col("net").cum_sum().over("scenario"))
        .select(
            "scenario",
            pl.col("month").cast(pl.Int64),
            "base_revenue",
            "moment_revenue",
            "costs",
            "net",
            "cumulative_net",
        )
    )


PRESETS: Final[dict[str, Preset]] = {
    "a_vs_b": Preset(
        "Scenario A vs B",
        "A earns $90,000 over 3 months with no high-value moments. B earns $80,000 of base "
        "revenue over 3 months plus 2,000 high-value moments worth $20 each: $120,000.",
        Plan(
            (
                Scenario.from_totals("A", 3, 90_000),
                Scenario.from_totals("B", 3, 80_000, moments=2_000, value_per_moment=20),
            ),
            3,
        ),
    ),
    "paid_campaign": Preset(
        "Paid campaign vs none",
        "A keeps $30,000 a month. B spends $25,000 on a 6-month campaign that brings 500 "
        "extra high-value moments a month worth $15 each, on the same base revenue.",
        Plan(
            (
                Scenario("A", 30_000),
                Scenario("B", 30_000, moments_per_month=500, value_per_moment=15, costs=25_000),
            ),
            6,
        ),
    ),
}
