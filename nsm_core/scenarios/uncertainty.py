"""How sure a scenario comparison is: CI band, seeded Monte Carlo, sensitivity (tornado).

The value of a moment is one uncertain number shared by every scenario (it is the same
moment), so all scenarios move together: a draw x of the value per moment gives scenario i
the value v_i + (x − v̂), where v̂ is the estimate's point value. When the values come from
the data, v_i = v̂ and each scenario simply uses x.
"""

from dataclasses import dataclass, replace
from typing import Final, Literal

import numpy as np
import polars as pl

from nsm_core.scenarios.model import MAX_MONTHS, Scenario, check, compare
from nsm_core.stats import Estimate, z_value

Case = Literal["low", "expected", "high"]
Input = Literal["base", "moments", "value", "costs", "months", "reference_base"]

INPUT_LABELS: Final[dict[Input, str]] = {
    "base": "Base revenue per month",
    "moments": "Moments per month",
    "value": "Value per moment",
    "costs": "Campaign cost",
    "months": "Months",
    "reference_base": "Reference's base revenue per month",
}
_FIELD: Final[dict[Input, str]] = {
    "base": "base_revenue_per_month",
    "moments": "moments_per_month",
    "value": "value_per_moment",
    "costs": "costs",
}


@dataclass(frozen=True, slots=True)
class SimulationSpec:
    """How to simulate: draws, seed, and the relative spread of the moments delivered.

    moments_cv: coefficient of variation of each scenario's moment count (0 = delivered as
    planned); the value per moment always varies within its confidence interval.
    """

    draws: int = 4_000
    seed: int = 42
    moments_cv: float = 0.0
    band: float = 0.9


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """Monte Carlo outcome: quantiles per scenario and of cumulative net per month."""

    summary: pl.DataFrame
    monthly: pl.DataFrame
    spec: SimulationSpec
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SensitivitySpec:
    """Which scenario's outcome to vary, and by how much when an input has no interval."""

    target: int = -1
    swing: float = 0.2


def typed_value(value: float, plus_minus: float, confidence: float = 0.95) -> Estimate:
    """Return a typed-in value per moment as an Estimate with the ± the user believes.

    Example:
        >>> e = typed_value(20.0, 5.0)
        >>> e.ci_low, e.ci_high, e.method
        (15.0, 25.0, 'typed in')
    """
    return Estimate(value, value - plus_minus, value + plus_minus, 0, "typed in", confidence)


def _shifted(scenarios: list[Scenario], shift: float) -> list[Scenario]:
    return [
        replace(s, value_per_moment=s.value_per_moment + shift) if s.moments_per_month else s
        for s in scenarios
    ]


def band(scenarios: list[Scenario], months: int, value: Estimate) -> pl.DataFrame:
    """Return each scenario's outcome at the low end, point and high end of the value's CI.

    scenarios -> (scenario, case, value_shift, revenue, net, net_diff) with case in
    (low, expected, high) and value_shift = ci_low − v̂, 0, ci_high − v̂.

    Example:
        >>> b = Scenario("B", 0.0, moments_per_month=10, value_per_moment=20)
        >>> band([Scenario("A", 300.0), b], 1, typed_value(20, 5)).filter(
        ...     pl.col("scenario") == "B"
        ... )["net_diff"].to_list()
        [-150.0, -100.0, -50.0]
    """
    shifts: dict[Case, float] = {
        "low": value.ci_low - value.value,
        "expected": 0.0,
        "high": value.ci_high - value.value,
    }
    return pl.concat(
        compare(_shifted(scenarios, shift), months).select(
            "scenario",
            case=pl.lit(case),
            value_shift=pl.lit(shift, pl.Float64),
            revenue=pl.col("revenue"),
            net=pl.col("net"),
            net_diff=pl.col("net_diff"),
        )
        for case, shift in shifts.items()
    )


def _value_draws(value: Estimate, rng: np.random.Generator, draws: int) -> np.ndarray:
    """Shifts x − v̂ from a split normal whose tails match the (maybe asymmetric) CI."""
    z = rng.standard_normal(draws)
    crit = z_value(value.confidence)
    below = (value.value - value.ci_low) / crit
    above = (value.ci_high - value.value) / crit
    return np.where(z < 0, z * below, z * above)


def _columns(scenarios: list[Scenario]) -> dict[str, np.ndarray]:
    return {
        name: np.array([getattr(s, name) for s in scenarios], dtype=float)
        for name in ("base_revenue_per_month", "moments_per_month", "value_per_moment", "costs")
    }


def _simulate_nets(
    scenarios: list[Scenario], months: int, value: Estimate, spec: SimulationSpec
) -> np.ndarray:
    """Per-month net of each draw and scenario: array (draws, scenarios)."""
    rng = np.random.default_rng(spec.seed)
    cols = _columns(scenarios)
    shift = _value_draws(value, rng, spec.draws)[:, None]
    per_moment = cols["value_per_moment"] + np.where(cols["moments_per_month"] > 0, shift, 0.0)
    noise = rng.standard_normal((spec.draws, len(scenarios))) * spec.moments_cv
    moments = cols["moments_per_month"] * np.clip(1 + noise, 0, None)
    return cols["base_revenue_per_month"] + moments * per_moment - cols["costs"] / months


def _quantiles(values: np.ndarray, band: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    tail = (1 - band) / 2
    low, mid, high = np.quantile(values, [tail, 0.5, 1 - tail], axis=0)
    return low, mid, high


def simulate(
    scenarios: list[Scenario],
    months: int,
    value: Estimate,
    spec: SimulationSpec = SimulationSpec(),
) -> SimulationResult:
    """Return the simulated spread of each scenario's net and of its gain over the first.

    Each draw takes one value per moment x from a split normal matching the CI (shared by all
    scenarios), and, when moments_cv > 0, each scenario's moments × max(0, 1 + cv·ε).
    summary(scenario, net_low, net_median, net_high, diff_low, diff_median, diff_high,
    prob_better) with prob_better = P(net_i > net_0); monthly(scenario, month, low, median,
    high) of cumulative net. low/high bound the central `band` share of the draws.

    Example:
        >>> b = Scenario("B", 0.0, moments_per_month=10, value_per_moment=20)
        >>> r = simulate([Scenario("A", 150.0), b], 1, typed_value(20, 5))
        >>> bool(0.95 < r.summary["prob_better"][1] < 0.99)
        True
    """
    check(scenarios, months)
    per_month = _simulate_nets(scenarios, months, value, spec)
    total = per_month * months
    diff = total - total[:, :1]
    names = [s.name for s in scenarios]
    net_q, diff_q = _quantiles(total, spec.band), _quantiles(diff, spec.band)
    summary = pl.DataFrame(
        {
            "scenario": names,
            "net_low": net_q[0],
            "net_median": net_q[1],
            "net_high": net_q[2],
            "diff_low": diff_q[0],
            "diff_median": diff_q[1],
            "diff_high": diff_q[2],
            "prob_better": (diff > 0).mean(axis=0),
        }
    )
    # Cost is spread evenly, so cumulative net at month m is m × the monthly net and its
    # quantiles are m × the monthly quantiles.
    steps = np.arange(1, months + 1, dtype=float)
    low, mid, high = (np.outer(q, steps).ravel() for q in _quantiles(per_month, spec.band))
    curve = pl.DataFrame(
        {
            "scenario": np.repeat(names, months),
            "month": np.tile(np.arange(1, months + 1), len(names)),
            "low": low,
            "median": mid,
            "high": high,
        }
    )
    warnings = ("The value per moment has no interval: the band only shows moment counts.",)
    return SimulationResult(summary, curve, spec, warnings if value.ci_low == value.ci_high else ())


def _vary(scenarios: list[Scenario], index: int, field: str, value: float) -> list[Scenario]:
    out = list(scenarios)
    out[index] = replace(out[index], **{field: value})
    return out


def _outcome(scenarios: list[Scenario], months: int, target: int) -> float:
    table = compare(scenarios, months)
    column = "net_diff" if target else "net"
    return float(table[column][target])


def _ranges(
    scenarios: list[Scenario], months: int, target: int, value: Estimate | None, swing: float
) -> list[tuple[Input, float, float]]:
    """(input, low, high) for each input of the target (and the reference's base)."""
    s = scenarios[target]
    ranges: list[tuple[Input, float, float]] = [
        (name, getattr(s, _FIELD[name]) * (1 - swing), getattr(s, _FIELD[name]) * (1 + swing))
        for name in ("base", "moments", "costs")
    ]
    if value is not None:
        shift = s.value_per_moment - value.value
        ranges.append(("value", value.ci_low + shift, value.ci_high + shift))
    else:
        ranges.append(("value", s.value_per_moment * (1 - swing), s.value_per_moment * (1 + swing)))
    step = max(1, round(months * swing))
    ranges.append(("months", max(1, months - step), min(MAX_MONTHS, months + step)))
    if target:
        base_0 = scenarios[0].base_revenue_per_month
        ranges.append(("reference_base", base_0 * (1 - swing), base_0 * (1 + swing)))
    return ranges


def _evaluate(
    scenarios: list[Scenario], months: int, target: int, name: Input, level: float
) -> float:
    if name == "months":
        return _outcome(scenarios, int(level), target)
    if name == "reference_base":
        return _outcome(_vary(scenarios, 0, "base_revenue_per_month", level), months, target)
    return _outcome(_vary(scenarios, target, _FIELD[name], level), months, target)


def sensitivity(
    scenarios: list[Scenario],
    months: int,
    value: Estimate | None = None,
    spec: SensitivitySpec = SensitivitySpec(),
) -> pl.DataFrame:
    """Return a tornado table: the outcome when each input moves alone to its low and high.

    Outcome = the target scenario's net gain over the first scenario (its net, when the target
    is the first). Each input of the target moves by ±swing (the value per moment moves across
    its CI when `value` is given; months by ±max(1, round(swing × months))), all else fixed.
    -> (input, label, low_input, high_input, outcome_low, outcome_high, expected, spread) with
    spread = |outcome_high − outcome_low|, largest first.

    Example:
        >>> b = Scenario("B", 0.0, moments_per_month=10, value_per_moment=20)
        >>> t = sensitivity([Scenario("A", 150.0), b], 1, typed_value(20, 5))
        >>> t.filter(pl.col("input") == "value").select("outcome_low", "outcome_high").row(0)
        (0.0, 100.0)
    """
    check(scenarios, months)
    target = spec.target % len(scenarios)
    expected = _outcome(scenarios, months, target)
    rows = [
        {
            "input": name,
            "label": INPUT_LABELS[name],
            "low_input": float(low),
            "high_input": float(high),
            "outcome_low": _evaluate(scenarios, months, target, name, low),
            "outcome_high": _evaluate(scenarios, months, target, name, high),
            "expected": expected,
        }
        for name, low, high in _ranges(scenarios, months, target, value, spec.swing)
    ]
    return (
        pl.DataFrame(rows)
        .with_columns(spread=(pl.col("outcome_high") - pl.col("outcome_low")).abs())
        .sort("spread", "input", descending=[True, False])
    )
