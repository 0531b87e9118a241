"""Experiment brief: test a driver, with its path to the North Star and a power calculation.

The driver's baseline in the chosen period decides the test:

- a share (share of active users ordering) or a lifecycle state is a proportion p over a
  population of n units: retained(t) / active(t−1) for retained users, state(t) / active(t)
  for new and resurrected users; sample size by `stats.two_proportion_sample_size`.
- anything else is a mean per unit with its standard deviation from the data: per order
  for a value per order (average order value), else per user (or account) of the node's
  population (the `per` measure's users, or everyone active in the period);
  sample size by `stats.two_mean_sample_size`.

Minimum detectable effect with one period's population split into two arms:
proportion: `stats.two_proportion_mde(p, n/2)`; mean: `stats.two_mean_mde(sd, n/2)`.
The impact path reports how a lift of the driver moves every node up to the root (what-if).
"""

import math
from dataclasses import dataclass, replace
from datetime import date
from typing import Final, Literal

import polars as pl

from nsm_core import fmt
from nsm_core.drivers.model import Lifecycle, Node, Remainder, find, path_to, walk
from nsm_core.drivers.spec import TreeSpec
from nsm_core.drivers.tree import TreeValues
from nsm_core.drivers.whatif import project
from nsm_core.metrics import MetricSpec, exclude, filter_expr, metric_frame
from nsm_core.metrics.compute import counted
from nsm_core.periods import period_number, period_start
from nsm_core.schema import ACCOUNT, EVENT, REVENUE, TS, USER, DataError
from nsm_core.stats import (
    two_mean_mde,
    two_mean_sample_size,
    two_proportion_mde,
    two_proportion_sample_size,
)

Kind = Literal["proportion", "mean"]
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
class Baseline:
    """The driver's baseline: a proportion or a mean (with its sd) over `units` units."""

    kind: Kind
    value: float
    units: int
    unit_label: str
    sd: float | None = None


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


def _number(period: date, spec: TreeSpec) -> pl.Expr:
    return period_start(period_number(TS, spec.period), spec.period) == pl.lit(period)


def _in_rows(spec: MetricSpec) -> pl.Expr:
    """Return whether a row is one `spec` counts (its events and filters; see `counted`)."""
    keep = [pl.col(EVENT).is_in(list(spec.events))] if spec.events else []
    return pl.all_horizontal(pl.lit(value=True), *keep, *(filter_expr(f) for f in spec.filters))


def _unit_values(events: pl.LazyFrame, node: Node, spec: TreeSpec, period: date) -> pl.Series:
    """Return the driver's value per unit (per order, or per user of its population)."""
    in_period = _number(period, spec)
    measure, per = node.measure, node.per
    assert isinstance(measure, MetricSpec)  # noqa: S101 (callers route lifecycle elsewhere)
    amount = pl.col(measure.value_column or REVENUE).cast(pl.Float64)
    if isinstance(per, MetricSpec) and per.aggregation == "events":
        rows = counted(exclude(events, per.exclusions), per).filter(in_period)
        # A part of the amount (e.g. coupon revenue per order) is 0 on the other rows.
        value = pl.when(_in_rows(measure)).then(amount).otherwise(0.0)
        return rows.select(value.alias("v")).collect().to_series()
    entity = ACCOUNT if measure.entity == "account" else USER
    source = counted(exclude(events, per.exclusions), per) if per else events
    population = source.filter(in_period).select(entity).unique()
    agg = pl.len().cast(pl.Float64) if measure.aggregation == "events" else amount.sum()
    per_unit = (
        counted(exclude(events, measure.exclusions), measure)
        .filter(in_period)
        .group_by(entity)
        .agg(v=agg)
    )
    joined = population.join(per_unit, on=entity, how="left")
    return joined.select(pl.col("v").fill_null(0.0)).collect().to_series()


def _row(values: TreeValues, period: date, offset: int = 0) -> dict[str, float] | None:
    rows = values.values.with_row_index("_i")
    hit = rows.filter(pl.col("period_start") == period)
    if hit.is_empty():
        return None
    i = int(hit.item(0, "_i")) + offset
    return rows.row(i, named=True) if 0 <= i < rows.height else None


def _count_node(root: Node, measure: object) -> Node | None:
    return next((n for n, _, _ in walk(root) if n.measure == measure and n.per is None), None)


def _proportion(values: TreeValues, node: Node, period: date) -> Baseline | None:
    row = _row(values, period)
    if row is None:
        return None
    if isinstance(node.measure, Lifecycle):
        active = _count_node(values.root, node.measure.of)
        base_row = _row(values, period, -1) if node.measure.state == "retained" else row
        n = base_row[active.key] if base_row else 0
        hits = row[node.key]
        label = f"{active.label.lower()} {'last period' if base_row is not row else ''}".strip()
    else:
        active = _count_node(values.root, node.per)
        if active is None or row[node.key] is None:
            return None
        n, hits, label = row[active.key], row[node.key] * row[active.key], active.label.lower()
    if not n:
        return None
    return Baseline("proportion", hits / n, int(n), label)


def _reach(events: pl.LazyFrame, values: TreeValues, node: Node, period: date) -> Baseline | None:
    """Return a count of users as a share of every user seen by the end of the period."""
    row = _row(values, period)
    entity = (
        ACCOUNT
        if isinstance(node.measure, MetricSpec) and node.measure.entity == "account"
        else USER
    )
    first = events.group_by(entity).agg(p=period_number(pl.col(TS).min(), values.period))
    p = period_number(pl.lit(period).cast(pl.Datetime("us", "UTC")), values.period)
    seen = first.filter(pl.col("p") <= p).select(pl.len()).collect().item()
    if not seen or row is None:
        return None
    noun = "accounts" if entity == ACCOUNT else "users"
    return Baseline("proportion", row[node.key] / seen, seen, f"{noun} seen so far")


def _share_of(
    events: pl.LazyFrame, values: TreeValues, node: Node, period: date
) -> Baseline | None:
    """Return a share whose population is no node of the tree, counting it from the events."""
    row = _row(values, period)
    if not isinstance(node.per, MetricSpec) or row is None or row[node.key] is None:
        return None
    frame = metric_frame(events, replace(node.per, grain=values.period))
    n = frame.filter(pl.col("period_start") == period).select("value").collect()
    if n.is_empty() or not n.item():
        return None
    return Baseline("proportion", row[node.key], int(n.item()), node.per.name)


def driver_baseline(
    events: pl.LazyFrame | pl.DataFrame, values: TreeValues, spec: TreeSpec, key: str, period: date
) -> Baseline | None:
    """Return the driver's baseline in `period` (None when it has nobody to measure).

    Kinds and populations as in the module docstring; sd is the sample sd (ddof = 1).
    """
    node = find(values.root, key)
    lazy = events.lazy()
    if isinstance(node.measure, Remainder):
        # "Everything else" is no one thing an experiment could move.
        return None
    if node.unit == "share" or isinstance(node.measure, Lifecycle):
        share = _proportion(values, node, period)
        return share if share is not None else _share_of(lazy, values, node, period)
    if node.per is None and node.measure.aggregation == "distinct_users":
        return _reach(lazy, values, node, period)
    return _mean(lazy, node, spec, period)


def _mean(events: pl.LazyFrame, node: Node, spec: TreeSpec, period: date) -> Baseline | None:
    """Return the driver's mean per unit and its sd (None with fewer than 2 units)."""
    units = _unit_values(events, node, spec, period)
    if units.len() < 2:
        return None
    per_order = isinstance(node.per, MetricSpec) and node.per.aggregation == "events"
    label = "orders" if per_order else ("accounts" if spec.entity == "account" else "users")
    return Baseline("mean", float(units.mean()), units.len(), label, float(units.std()))


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
    row = _row(values, period)
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
