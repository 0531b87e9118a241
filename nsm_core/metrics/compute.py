"""compute_metric: the time series of a MetricSpec, as one lazy polars plan.

Stage 1 (docs/architecture.md#stage-1-and-stage-2): exclusions, the counted rows and the
per-period aggregate are lazy expressions over integer period numbers (nsm_core/periods.py);
the result is collected once, at the edge, by `compute_metric`. The aggregations are
defined in docs/definitions/metrics.md#aggregations.
"""

from collections.abc import Iterable
from typing import Final

import polars as pl

from nsm_core._types import FrameT
from nsm_core.metrics.spec import Exclusions, Filter, MetricSpec
from nsm_core.periods import (
    US_PER_DAY,
    day_number,
    epoch_us,
    first_open_period,
    period_number,
    period_start,
)
from nsm_core.schema import ACCOUNT, EVENT, REVENUE, TS, USER, DataError
from nsm_core.segments import first_touch_value

P: Final = "_p"
ENTITY: Final = "_entity"
SEGMENT: Final = "segment"
COLUMNS: Final = ("period_start", "value", "complete")


def filter_expr(f: Filter) -> pl.Expr:
    """Return the boolean expression of one property filter (null cells never match).

    Example:
        >>> df = pl.DataFrame({"plan": ["pro", "free", None], "n": [3, 1, 2]})
        >>> df.filter(filter_expr(Filter("plan", "not_in", ("free",)))).height
        1
        >>> df.filter(filter_expr(Filter("n", "ge", number=2))).height
        2
    """
    column = pl.col(f.column)
    if f.op in ("in", "not_in"):
        hit = column.cast(pl.String).str.to_lowercase().is_in([v.lower() for v in f.values])
        return (hit if f.op == "in" else ~hit).fill_null(value=False)
    number = column.cast(pl.Float64, strict=False)
    compare = {"gt": number > f.number, "ge": number >= f.number, "lt": number < f.number}
    return compare.get(f.op, number <= f.number).fill_null(value=False)


def exclude(events: FrameT, ex: Exclusions) -> FrameT:
    """Return `events` without excluded users and rows (see Exclusions).

    Example:
        >>> df = pl.DataFrame({"user_id": ["a", "b", "c"], "revenue": [5.0, -5.0, 1.0]})
        >>> exclude(df, Exclusions(user_ids=("c",), refunds=True)).get_column("user_id").to_list()
        ['a']
    """
    out = events
    if ex.refunds:
        out = out.filter(pl.col(REVENUE) >= 0)
    if ex.user_ids:
        out = out.filter(~pl.col(USER).is_in(list(ex.user_ids)))
    if ex.user_filters:
        flagged = pl.any_horizontal(filter_expr(f) for f in ex.user_filters)
        out = out.filter(~flagged.any().over(USER))
    if ex.bot_events_per_day is not None:
        per_day = pl.len().over(USER, day_number(TS))
        out = out.with_columns(_bot=per_day).filter(
            pl.col("_bot").max().over(USER) <= ex.bot_events_per_day
        )
        out = out.drop("_bot")
    return out


def counted(events: FrameT, spec: MetricSpec) -> FrameT:
    """Return the rows `spec` counts: its events, passing every filter, with an entity."""
    keep = [pl.col(EVENT).is_in(list(spec.events))] if spec.events else []
    keep += [filter_expr(f) for f in spec.filters]
    if spec.entity == "account":
        keep.append(pl.col(ACCOUNT).is_not_null())
    return events.filter(*keep) if keep else events


def _aggregate(rows: pl.LazyFrame, spec: MetricSpec, keys: list[str]) -> pl.LazyFrame:
    """Return the value per `keys` (period [, segment]) of the counted rows."""
    entities = pl.col(ENTITY).n_unique()
    if spec.aggregation == "users_reaching":
        per_entity = rows.group_by(*keys, ENTITY).agg(n=pl.len())
        return per_entity.group_by(keys).agg(value=(pl.col("n") >= spec.threshold).sum())
    total = {
        "distinct_users": entities,
        "events": pl.len(),
        "revenue": pl.col(REVENUE).sum(),
        "property_sum": pl.col(spec.value_column or REVENUE).cast(pl.Float64).sum(),
    }[spec.aggregation]
    value = total / entities if spec.per_user else total
    return rows.group_by(keys).agg(value=value)


def _days_to_value(kept: pl.LazyFrame, spec: MetricSpec, keys: list[str]) -> pl.LazyFrame:
    """Return the median days from an entity's first event to its first counted row.

    With a segment, the entity counts under the segment of its first counted row
    (`segments.first_touch_value` of the counted rows: ties break by event, then value).
    """
    start = kept.group_by(ENTITY).agg(_start=epoch_us(TS).min())
    extra = [first_touch_value(SEGMENT)] if SEGMENT in keys else []
    first = (
        counted(kept, spec)
        .group_by(ENTITY)
        .agg(*extra, _first=epoch_us(TS).min(), _first_ts=pl.col(TS).min())
        .join(start, on=ENTITY)
        .with_columns(period_number("_first_ts", spec.grain).alias(P))
    )
    days = (pl.col("_first") - pl.col("_start")) / US_PER_DAY
    return first.group_by(keys).agg(value=days.median())


def _with_entity(events: pl.LazyFrame, spec: MetricSpec, segment: str | None) -> pl.LazyFrame:
    entity = pl.col(ACCOUNT if spec.entity == "account" else USER).alias(ENTITY)
    extra = [pl.col(segment).cast(pl.String).fill_null("(none)").alias(SEGMENT)] if segment else []
    return events.with_columns(entity, period_number(TS, spec.grain).alias(P), *extra)


def needed_columns(spec: MetricSpec) -> set[str]:
    """Return the columns a metric reads beyond user, event and time (filters, sums, accounts).

    Example:
        >>> sorted(needed_columns(MetricSpec("Seats", entity="account")))
        ['account_id']
    """
    need = {f.column for f in (*spec.filters, *spec.exclusions.user_filters)}
    need |= (
        {spec.value_column} if spec.aggregation == "property_sum" and spec.value_column else set()
    )
    return need | ({ACCOUNT} if spec.entity == "account" else set())


def data_gaps(
    spec: MetricSpec, event_names: Iterable[str], columns: Iterable[str]
) -> tuple[str, ...]:
    """Return what a metric counts that a dataset lacks, in words (empty when it fits).

    A metric defined on one dataset and opened on another can read 0 everywhere; this says
    why before anyone acts on the 0.

    Example:
        >>> data_gaps(MetricSpec("Orders", events=("order",)), ["message"], ["user_id"])
        ("event 'order'",)
    """
    names, have = set(event_names), set(columns)
    events = [f"event {e!r}" for e in spec.events if e not in names]
    return (*events, *(f"column {c!r}" for c in sorted(needed_columns(spec) - have)))


def _require_columns(events: pl.LazyFrame, spec: MetricSpec, segment: str | None) -> None:
    have = set(events.collect_schema().names())
    missing = sorted(needed_columns(spec) - have | ({segment} - have if segment else set()))
    if missing:
        raise DataError(
            f"The metric {spec.name!r} needs column(s) {', '.join(missing)}, "
            "which this dataset does not have.",
            fix="Choose another metric, or load data with these columns.",
        )


def metric_frame(
    events: pl.LazyFrame | pl.DataFrame, spec: MetricSpec, segment: str | None = None
) -> pl.LazyFrame:
    """Return the lazy plan of `compute_metric` (see there)."""
    lazy = events.lazy()
    _require_columns(lazy, spec, segment)
    kept = _with_entity(exclude(lazy, spec.exclusions), spec, segment)
    keys = [P, SEGMENT] if segment else [P]
    if spec.aggregation == "days_to_value":
        values = _days_to_value(kept, spec, keys)
    else:
        values = _aggregate(counted(kept, spec), spec, keys)
    # Every calendar period of the whole upload gets a row, so two specs (or a spec before
    # and after a change) line up period by period and a quiet week shows as 0, not a gap.
    # Period numbers are monotone in time: number the first and last instants only.
    first = period_number(pl.col(TS).min(), spec.grain).fill_null(0)
    last = period_number(pl.col(TS).max(), spec.grain).fill_null(-1)
    grid = lazy.select(
        pl.int_range(first, last + 1, dtype=pl.Int64).alias(P),
        _open=first_open_period(pl.col(TS).max(), spec.grain),
    )
    if segment:
        grid = grid.join(values.select(SEGMENT).unique(), how="cross")
    value = pl.col("value").cast(pl.Float64)
    if spec.aggregation != "days_to_value" and not spec.per_user:
        value = value.fill_null(0.0)
    return (
        grid.join(values, on=keys, how="left", nulls_equal=True)
        .with_columns(
            period_start=period_start(P, spec.grain),
            value=value,
            complete=pl.col(P) < pl.col("_open"),
        )
        .sort(keys)
        .select("period_start", *([SEGMENT] if segment else []), "value", "complete")
    )


def compute_metric(
    events: pl.LazyFrame | pl.DataFrame, spec: MetricSpec, segment: str | None = None
) -> pl.DataFrame:
    """Return the metric's value per calendar period (and per segment value, if asked).

    events(user_id, event, ts, revenue[, account_id, properties])
      -> (period_start Date, [segment String], value Float64, complete Boolean)

    One row per period from the first to the last event of the whole upload (0 where
    nothing was counted; null for days_to_value and per-user ratios with no one to divide
    by). complete = false for the last period, which the data ends inside. See MetricSpec
    for the formula of each aggregation. With `segment`, rows are split by that property's
    value on each counted row ("(none)" when empty); a user with rows in two segments counts
    in both.

    Raises:
        DataError: the spec needs a column the events do not have.

    Example:
        >>> from datetime import datetime as dt
        >>> ev = pl.DataFrame(
        ...     {
        ...         "user_id": ["a", "a", "b", "a"],
        ...         "event": ["order", "order", "order", "order"],
        ...         "ts": [dt(2025, 1, 6), dt(2025, 1, 7), dt(2025, 1, 8), dt(2025, 1, 13)],
        ...         "revenue": [10.0, 5.0, 7.0, 3.0],
        ...     }
        ... )
        >>> spec = MetricSpec("Repeat orderers", aggregation="users_reaching", threshold=2)
        >>> compute_metric(ev, spec).rows()
        [(datetime.date(2025, 1, 6), 1.0, True), (datetime.date(2025, 1, 13), 0.0, False)]
    """
    return metric_frame(events, spec, segment).collect()
