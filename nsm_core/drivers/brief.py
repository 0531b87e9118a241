"""Experiment brief: test a driver, with its path to the North Star and a power calculation.

The driver's baseline in the chosen period (`drivers.baseline`) decides the test: a
proportion is sized by `stats.two_proportion_sample_size`, a mean per unit (with its sd) by
`stats.two_mean_sample_size`.

Minimum detectable effect with one period's population split into two arms:
proportion: `stats.two_proportion_mde(p, n/2)`; mean: `stats.two_mean_mde(sd, n/2)`.
The impact path reports how a lift of the driver moves every node up to the root (what-if).
"""

import math
from dataclasses import dataclass
from datetime import date
from typing import Final

from nsm_core import fmt
from nsm_core.drivers.baseline import Baseline, period_row
from nsm_core.drivers.model import Node, find, path_to, walk
from nsm_core.drivers.tree import TreeValues
from nsm_core.drivers.whatif import project
from nsm_core.schema import DataError
from nsm_core.stats import (
    two_mean_mde,
    two_mean_sample_size,
    two_proportion_mde,
    two_proportion_sample_size,
)

MAX_GUARDRAILS: Final = 5
OBSERVATIONAL: Final = (
    "The tree shows how the drivers add up, not what causes what: only the experiment "
    "tells whether moving this driver moves the North Star."
)
LIFT_TOO_BIG: Final = "A {lift} lift would push the share past 100%; pick a smaller lift."
ZERO_SHARE: Final = (
    "The share is 0% in this period, so a relative lift of it is 0; pick another period."
)
NO_SPREAD: Final = (
    "The driver does not vary between units in this period (or is 0), so no power calculation."
)
NO_BASELINE: Final = "{label} has no baseline in {period} (nobody to measure)."


@dataclass(frozen=True, slots=True)
class BriefSpec:
    """What to test: a driver (node key), the hypothesis, the lift to detect, α and power."""

    driver: str
    hypothesis: str = ""
    lift: float = 0.05
    alpha: float = 0.05
    power: float = 0.8


@dataclass(frozen=True, slots=True)
class Brief:
    """An experiment brief; `markdown()` renders it for export."""

    title: str
    hypothesis: str
    driver: str
    baseline: Baseline
    path: tuple[tuple[str, float | None], ...]
    n_per_arm: int | None
    periods_needed: int | None
    mde_relative: float | None
    guardrails: tuple[str, ...]
    spec: BriefSpec
    period: str
    warnings: tuple[str, ...] = ()

    def markdown(self) -> str:
        """Return the brief as Markdown."""
        return brief_markdown(self)


def _proportion_sizes(
    base: Baseline, spec: BriefSpec
) -> tuple[int | None, float | None, list[str]]:
    lift = base.value * spec.lift
    if base.value <= 0:
        return None, None, [ZERO_SHARE]
    if base.value + lift >= 1:
        return None, None, [LIFT_TOO_BIG.format(lift=fmt.pct(spec.lift))]
    n = two_proportion_sample_size(base.value, lift, spec.alpha, spec.power)
    mde = two_proportion_mde(base.value, base.units / 2, spec.alpha, spec.power) / base.value
    return n, (None if math.isnan(mde) else mde), []


def _sizes(base: Baseline, spec: BriefSpec) -> tuple[int | None, float | None, list[str]]:
    """Return (units per arm, relative MDE with one period's units, warnings)."""
    if base.kind == "proportion":
        return _proportion_sizes(base, spec)
    if not base.value or not base.sd:
        return None, None, [NO_SPREAD]
    n = two_mean_sample_size(base.sd, base.value * spec.lift, spec.alpha, spec.power)
    mde = two_mean_mde(base.sd, base.units / 2, spec.alpha, spec.power)
    return n, mde / abs(base.value), []


def _guardrails(root: Node, path: tuple[Node, ...]) -> tuple[str, ...]:
    """Return nodes to watch: product siblings on the path, then retention and money nodes."""
    on_path = {n.key for n in path}
    siblings = [c for p in path[1:] if p.op == "product" for c in p.children]
    watch = [n for n, _, _ in walk(root) if n.theme in ("retention", "monetization")]
    picks = [n.label for n in (*siblings, *watch) if n.key not in on_path]
    return tuple(dict.fromkeys(picks))[:MAX_GUARDRAILS]


def experiment_brief(
    values: TreeValues, baseline: Baseline | None, spec: BriefSpec, period: date
) -> Brief:
    """Return the experiment brief for moving `spec.driver` by `spec.lift` (relative).

    Raises:
        DataError: the period is not in the tree's values.
    """
    row = period_row(values, period)
    if row is None:
        raise DataError(f"No values for the period starting {fmt.day(period)}.")
    driver = find(values.root, spec.driver)
    path = path_to(values.root, spec.driver)
    period_words = fmt.period_name(period, values.period)
    warnings = [OBSERVATIONAL]
    n = mde = periods = None
    if baseline is None:
        warnings.append(NO_BASELINE.format(label=driver.label, period=period_words))
        baseline = Baseline("mean", float("nan"), 0, "users")
    else:
        n, mde, extra = _sizes(baseline, spec)
        warnings += extra
        periods = math.ceil(2 * n / baseline.units) if n else None
    clean = {k: (v if v is not None else float("nan")) for k, v in row.items()}
    moved = project(values.root, clean, {spec.driver: spec.lift})
    steps = tuple((n_.label, _rel(moved[n_.key], clean[n_.key])) for n_ in path)
    return Brief(
        title=f"Experiment brief: move {driver.label.lower()}",
        hypothesis=spec.hypothesis.strip()
        or f"If we raise {driver.label.lower()}, {values.root.label.lower()} grows.",
        driver=driver.label,
        baseline=baseline,
        path=steps,
        n_per_arm=n,
        periods_needed=periods,
        mde_relative=mde,
        guardrails=_guardrails(values.root, path),
        spec=spec,
        period=period_words,
        warnings=tuple(warnings),
    )


def _rel(new: float, old: float) -> float | None:
    return new / old - 1 if old and not math.isnan(old) else None


def _baseline_words(b: Baseline) -> str:
    if b.kind == "proportion":
        return f"{fmt.pct(b.value, 1)} of {fmt.count(b.units)} {b.unit_label}"
    return f"mean {fmt.num(b.value)} (sd {fmt.num(b.sd)}) per unit over {fmt.count(b.units)} {b.unit_label}"  # noqa: E501


def brief_markdown(brief: Brief) -> str:
    """Return the brief as Markdown: hypothesis, path, design, sample size, guardrails."""
    s = brief.spec
    path = "\n".join(
        f"{i + 1}. {label}: {fmt.pct(rel, 1) if rel is not None else 'n/a'}"
        for i, (label, rel) in enumerate(brief.path)
    )
    size = (
        f"{fmt.count(brief.n_per_arm)} per arm ({fmt.count(brief.periods_needed)} "
        f"period(s) of traffic like {brief.period})"
        if brief.n_per_arm
        else "not computable (see notes)"
    )
    mde = fmt.pct(brief.mde_relative, 1) if brief.mde_relative is not None else "n/a"
    lines = [
        f"# {brief.title}",
        "",
        f"**Hypothesis.** {brief.hypothesis}",
        "",
        f"**Driver.** {brief.driver}; baseline in {brief.period}: {_baseline_words(brief.baseline)}.",  # noqa: E501
        "",
        f"**Impact path** (a {fmt.pct(s.lift, 1)} lift in the driver, all else equal):",
        path,
        "",
        f"**Design.** Two arms, α = {s.alpha:g} (two-sided), power = {s.power:.0%}.",
        f"- Sample size to detect a {fmt.pct(s.lift, 1)} relative lift: {size}.",
        f"- Smallest lift detectable with one period's units split in two: {mde}.",
        "",
        "**Guardrails to watch.** " + (", ".join(brief.guardrails) or "none in this tree"),
        "",
        "**Notes.**",
        *(f"- {w}" for w in brief.warnings),
    ]
    return "\n".join(lines) + "\n"
