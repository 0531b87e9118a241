"""Node values from data: every node of a driver tree per calendar period (and segment).

Each distinct measure of the tree is one lazy plan (nsm_core.metrics.metric_frame, or
nsm_core.retention.lifecycle for a lifecycle state); the plans run together with
`pl.collect_all`, and a node's value is its measure divided by its `per` measure.

Segments: a property column counts each user under their first-touch value
(`segments.first_touch`: the value on their earliest event that has one), so segments
partition the users and every sum in the tree holds inside each segment. NEW_VS_RETURNING
splits each period's rows into those of users first seen in that period ("new") and the
rest ("returning"). A user first seen in p can only be new to any activity, so under that
cut a lifecycle splits exactly as new(new) = doers among new users, new(returning) = new −
new(new), and every retained and resurrected user is returning.
"""

from dataclasses import dataclass, replace
from typing import Final, TypeAlias

import polars as pl

from nsm_core._types import Period
from nsm_core.drivers.model import Lifecycle, Measure, Node, Remainder, check_keys, walk
from nsm_core.drivers.spec import TreeSpec
from nsm_core.drivers.templates import NEW_VS_RETURNING, build_tree
from nsm_core.metrics import MetricSpec, exclude, metric_frame
from nsm_core.metrics.compute import counted, needed_columns
from nsm_core.periods import first_open_period, period_number, period_start
from nsm_core.retention import lifecycle
from nsm_core.schema import ACCOUNT, EVENT, REVENUE, TS, USER, DataError
from nsm_core.segments import first_touch

SEGMENT: Final = "segment"
STATES: Final = ("new", "retained", "resurrected")
Source: TypeAlias = MetricSpec | tuple[str, MetricSpec]
_SEG: Final = "_driver_segment"
RESERVED: Final = ("period_start", "complete", SEGMENT)
NO_EVENTS: Final = "The events table is empty."
UNDEFINED: Final = (
    "{label}: in {n} of {total} periods a driver below it has nothing to divide by (nobody "
    "did it then), so the tree cannot split it in those periods."
)


@dataclass(frozen=True, slots=True)
class Cut:
    """The segment values of a cut, and whether it is the new-vs-returning one."""

    values: tuple[str, ...]
    first_seen: bool = False


@dataclass(frozen=True, slots=True)
class TreeValues:
    """Every node's value per period, in total and per segment value.

    values: period_start, complete, one Float64 column per node key (null where a ratio
    divides by 0). by_segment: the same with a `segment` column, or None without a cut.
    """

    root: Node
    period: Period
    values: pl.DataFrame
    by_segment: pl.DataFrame | None = None
    warnings: tuple[str, ...] = ()


def _with_segment(events: pl.LazyFrame, segment: str, period: Period) -> pl.LazyFrame:
    """Return events with the segment each row counts under (see the module docstring)."""
    if segment == NEW_VS_RETURNING:
        p = period_number(TS, period)
        label = pl.when(p == p.min().over(USER)).then(pl.lit("new")).otherwise(pl.lit("returning"))
        return events.with_columns(label.alias(_SEG))
    touched = first_touch(events, segment).select(USER, pl.col(segment).alias(_SEG))
    return events.join(touched, on=USER, how="left")


def _lifecycle_plan(events: pl.LazyFrame, of: MetricSpec, period: Period) -> pl.LazyFrame:
    """Return (period_start, new, retained, resurrected) of the users doing `of`'s rows."""
    rows = counted(exclude(events, of.exclusions), of)
    table = lifecycle(rows, period=period, unit=of.entity)
    return table.select("period_start", pl.col(STATES).cast(pl.Float64))


def _sources(m: Measure) -> tuple[Source, ...]:
    """Return the sources behind a measure (a Remainder needs its total and its parts)."""
    if isinstance(m, Remainder):
        return (m.total, *m.parts)
    return (("lifecycle", m.of),) if isinstance(m, Lifecycle) else (m,)


def _split_by_first_seen(events: pl.LazyFrame, of: MetricSpec, period: Period) -> pl.LazyFrame:
    """Return a lifecycle split into new and returning users (see the module docstring)."""
    total = _lifecycle_plan(events, of, period)
    doers = metric_frame(events, replace(of, grain=period), _SEG)
    fresh = doers.filter(pl.col(SEGMENT) == "new").select("period_start", _fresh="value")
    both = total.join(fresh, on="period_start", how="left").with_columns(
        pl.col("_fresh").fill_null(0.0)
    )
    zero = pl.lit(0.0)
    new = both.select(
        "period_start", pl.lit("new").alias(SEGMENT), new="_fresh", retained=zero, resurrected=zero
    )
    returning = both.select(
        "period_start",
        pl.lit("returning").alias(SEGMENT),
        new=pl.col("new") - pl.col("_fresh"),
        retained="retained",
        resurrected="resurrected",
    )
    return pl.concat([new, returning])


def _plan(events: pl.LazyFrame, source: Source, period: Period, cut: Cut | None) -> pl.LazyFrame:
    """Return (period_start[, segment], value columns) of one source."""
    if isinstance(source, tuple):
        if cut is None:
            return _lifecycle_plan(events, source[1], period)
        if cut.first_seen:
            return _split_by_first_seen(events, source[1], period)
        parts = [
            _lifecycle_plan(events.filter(pl.col(_SEG) == s), source[1], period).with_columns(
                pl.lit(s).alias(SEGMENT)
            )
            for s in cut.values
        ]
        return pl.concat(parts).select("period_start", SEGMENT, *STATES)
    frame = metric_frame(events, replace(source, grain=period), _SEG if cut else None)
    return frame.select("period_start", *([SEGMENT] if cut else []), "value")


def _measure_expr(m: Measure, index: dict[Source, int]) -> pl.Expr:
    """Return a measure's values from the joined frame (everything else = total − parts)."""
    if isinstance(m, Remainder):
        value = _measure_expr(m.total, index)
        for part in m.parts:
            value = value - _measure_expr(part, index)
        return value
    if isinstance(m, Lifecycle):
        return pl.col(f"_s{index[('lifecycle', m.of)]}_{m.state}")
    return pl.col(f"_s{index[m]}_value")


def _grid(events: pl.LazyFrame, period: Period, cut: Cut | None) -> pl.LazyFrame:
    """Return every period from the first to the last event (× every segment value)."""
    p = period_number(TS, period)
    grid = events.select(
        pl.int_range(p.min(), p.max() + 1).alias("_p"),
        _open=first_open_period(pl.col(TS).max(), period),
    ).select(period_start=period_start("_p", period), complete=pl.col("_p") < pl.col("_open"))
    if cut is None:
        return grid
    return grid.join(pl.LazyFrame({SEGMENT: list(cut.values)}), how="cross")


def _node_expr(node: Node, index: dict[Source, int]) -> pl.Expr:
    value = _measure_expr(node.measure, index)
    if node.per is not None:
        per = _measure_expr(node.per, index)
        value = pl.when(per != 0).then(value / per)
    return value.cast(pl.Float64).alias(node.key)


def node_values(
    events: pl.LazyFrame | pl.DataFrame,
    root: Node,
    period: Period,
    cut: Cut | None = None,
) -> pl.DataFrame:
    """Return each node's value per period (and per segment value of `cut`, if given).

    events(user_id, event, ts, revenue[, _driver_segment]) -> (period_start[, segment],
    complete, <node key>...); value = measure / per (null when per = 0).
    """
    lazy = events.lazy()
    sources = _tree_sources(root)
    index = {source: i for i, source in enumerate(sources)}
    keys = ["period_start", *([SEGMENT] if cut is not None else [])]
    plans = [_plan(lazy, source, period, cut) for source in sources]
    frames = pl.collect_all([_grid(lazy, period, cut), *plans])
    wide = frames[0]
    for i, frame in enumerate(frames[1:]):
        named = frame.rename({c: f"_s{i}_{c}" for c in frame.columns if c not in keys})
        wide = wide.join(named, on=keys, how="left")
    nodes = [_node_expr(n, index) for n, _, _ in walk(root)]
    filled = wide.with_columns(pl.col(r"^_s\d+_.*$").fill_null(0.0))
    return filled.select(*keys, "complete", *nodes).sort(keys)


def undefined_warnings(root: Node, values: pl.DataFrame) -> tuple[str, ...]:
    """Return a warning per product that has a value while one of its drivers has none.

    Example:
        >>> from nsm_core.metrics import MetricSpec
        >>> m = MetricSpec("m")
        >>> tree = Node("y", "Y", m, op="product", children=(Node("a", "A", m),))
        >>> undefined_warnings(tree, pl.DataFrame({"y": [1.0, 2.0], "a": [1.0, None]}))[0][:23]
        'Y: in 1 of 2 periods a '
    """
    out = []
    for node, _, _ in walk(root):
        if node.op != "product" or node.is_leaf:
            continue
        drivers = pl.any_horizontal(pl.col(c.key).is_null() for c in node.children)
        n = values.filter(pl.col(node.key).is_not_null() & drivers).height
        if n:
            out.append(UNDEFINED.format(label=node.label, n=n, total=values.height))
    return tuple(out)


def _segment_values(events: pl.LazyFrame) -> tuple[str, ...]:
    return tuple(events.select(pl.col(_SEG).unique().sort()).collect().to_series().to_list())


def compute(events: pl.LazyFrame | pl.DataFrame, spec: TreeSpec) -> TreeValues:
    """Return the values of the tree `spec` names, in total and cut by its segment.

    Raises:
        DataError: the events are empty, or lack a column the tree or the cut needs.

    Example:
        >>> from datetime import datetime
        >>> ev = pl.DataFrame(
        ...     {
        ...         "user_id": ["a", "a", "b", "a"],
        ...         "event": ["order"] * 4,
        ...         "ts": [datetime(2025, 1, d) for d in (6, 7, 8, 13)],
        ...         "revenue": 0.0,
        ...     }
        ... )
        >>> out = compute(ev, TreeSpec("volume", key_event="order"))
        >>> out.values.select("volume", "active", "per_active").rows()
        [(3.0, 2.0, 1.5), (1.0, 1.0, 1.0)]
    """
    totals = tree_totals(events, spec)
    return totals if spec.segment is None else with_segments(events, totals, spec)


def tree_totals(events: pl.LazyFrame | pl.DataFrame, spec: TreeSpec) -> TreeValues:
    """Return the values of the tree `spec` names, uncut (`spec.segment` is not read).

    A page caches these apart from the cut, so cutting by a segment reuses them.

    Raises:
        DataError: the events are empty, or lack a column the tree needs.
    """
    lazy = events.lazy()
    if lazy.select(pl.len()).collect().item() == 0:
        raise DataError(NO_EVENTS)
    root = build_tree(spec)
    check_keys(root)
    totals = node_values(lazy, root, spec.period)
    return TreeValues(root, spec.period, totals, warnings=undefined_warnings(root, totals))


def with_segments(
    events: pl.LazyFrame | pl.DataFrame, totals: TreeValues, spec: TreeSpec
) -> TreeValues:
    """Return `totals` (from `tree_totals` of the same spec) with every node cut by segment.

    Raises:
        DataError: the events lack the segment's column.
    """
    lazy = events.lazy()
    if spec.segment != NEW_VS_RETURNING and spec.segment not in lazy.collect_schema().names():
        raise DataError(f"The events have no column {spec.segment!r} to cut the tree by.")
    # Materialised once, with only the columns the tree reads: every plan below reads the
    # segment, and a lazy window or join would be recomputed by each of them.
    cut = _with_segment(lazy, spec.segment, spec.period)
    cut = cut.select(_columns_read(totals.root, cut.collect_schema().names())).collect().lazy()
    values = Cut(_segment_values(cut), first_seen=spec.segment == NEW_VS_RETURNING)
    by_segment = node_values(cut, totals.root, spec.period, values)
    return replace(totals, by_segment=by_segment)


def _columns_read(root: Node, have: list[str]) -> list[str]:
    """Return the columns of `have` that the tree's metrics (and the cut) read."""
    specs = [s[1] if isinstance(s, tuple) else s for s in _tree_sources(root)]
    need = {USER, EVENT, TS, REVENUE, ACCOUNT, _SEG}.union(*(needed_columns(s) for s in specs))
    return [c for c in have if c in need]


def _tree_sources(root: Node) -> list[Source]:
    measures = [m for n, _, _ in walk(root) for m in (n.measure, n.per) if m is not None]
    return list(dict.fromkeys(s for m in measures for s in _sources(m)))
