"""A driver's baseline in one period: the proportion or the mean an experiment would move.

- a share (share of active users ordering) or a lifecycle state is a proportion p over a
  population of n units: retained(t) / active(t−1) for retained users, state(t) / active(t)
  for new and resurrected users;
- anything else is a mean per unit with its standard deviation from the data: per order
  for a value per order (average order value), else per user (or account) of the node's
  population (the `per` measure's users, or everyone active in the period).
"""

from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

import polars as pl

from nsm_core.drivers.model import Lifecycle, Node, Remainder, find, walk
from nsm_core.drivers.spec import TreeSpec
from nsm_core.drivers.tree import TreeValues
from nsm_core.metrics import MetricSpec, exclude, filter_expr, metric_frame
from nsm_core.metrics.compute import counted
from nsm_core.periods import period_number, period_start
from nsm_core.schema import ACCOUNT, EVENT, REVENUE, TS, USER

Kind = Literal["proportion", "mean"]


@dataclass(frozen=True, slots=True)
class Baseline:
    """The driver's baseline: a proportion or a mean (with its sd) over `units` units."""

    kind: Kind
    value: float
    units: int
    unit_label: str
    sd: float | None = None


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


def period_row(values: TreeValues, period: date, offset: int = 0) -> dict[str, float] | None:
    """Return every node's value in `period` shifted by `offset` periods (None if absent)."""
    rows = values.values.with_row_index("_i")
    hit = rows.filter(pl.col("period_start") == period)
    if hit.is_empty():
        return None
    i = int(hit.item(0, "_i")) + offset
    return rows.row(i, named=True) if 0 <= i < rows.height else None


def _count_node(root: Node, measure: object) -> Node | None:
    return next((n for n, _, _ in walk(root) if n.measure == measure and n.per is None), None)


def _proportion(values: TreeValues, node: Node, period: date) -> Baseline | None:
    row = period_row(values, period)
    if row is None:
        return None
    if isinstance(node.measure, Lifecycle):
        active = _count_node(values.root, node.measure.of)
        base_row = period_row(values, period, -1) if node.measure.state == "retained" else row
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
    row = period_row(values, period)
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
    row = period_row(values, period)
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
