"""The Health page's two results: the scorecard of metric families and guardrail series.

`tables` runs stage 1 once (one `collect_all` over every plan); `scorecard` and
`guardrail_series` are stage 2 on those tables plus the unit economics result.
"""

from dataclasses import dataclass

import polars as pl

from nsm_core import overview
from nsm_core.economics import EconomicsSpec, UnitEconomics, customer_months
from nsm_core.economics.costs import resolve_costs
from nsm_core.economics.formulas import churn_rate, crr
from nsm_core.economics.margins import spend_by_month
from nsm_core.health import activity, families, money
from nsm_core.health.activity import Stage
from nsm_core.health.model import Scorecard
from nsm_core.health.monthly import monthly_table
from nsm_core.health.signals import Signals
from nsm_core.periods import period_start
from nsm_core.schema import REVENUE


@dataclass(frozen=True, slots=True)
class HealthTables:
    """The compact stage-1 tables every family and guardrail reads."""

    signals: Signals
    monthly: pl.DataFrame
    weeks: pl.DataFrame
    sessions: pl.DataFrame
    nps: pl.DataFrame
    latency: pl.DataFrame
    funnel: pl.DataFrame
    stages: tuple[Stage, ...]


def _empty(schema: dict[str, pl.DataType]) -> pl.LazyFrame:
    return pl.LazyFrame(schema=schema)


def tables(events: pl.LazyFrame, signals: Signals) -> HealthTables:
    """Return the stage-1 tables of the scorecard, collected together.

    Example:
        >>> from datetime import datetime
        >>> ev = pl.LazyFrame(
        ...     {
        ...         "user_id": ["a", "b"],
        ...         "event": ["open", "open"],
        ...         "ts": [datetime(2025, 1, 1), datetime(2025, 2, 1)],
        ...         "revenue": [0.0, 0.0],
        ...     }
        ... )
        >>> tables(ev, Signals()).monthly.height
        2
    """
    has_revenue = REVENUE in events.collect_schema().names()
    stages = activity.funnel_stages(signals, has_revenue)
    plans = [
        activity.session_months(events),
        activity.nps_windows(events, signals.nps_column)
        if signals.nps_column
        else _empty({"window": pl.String(), "responses": pl.Int64()}),
        activity.latency_months(events, signals.latency_column)
        if signals.latency_column
        else _empty({"month": pl.Int64(), "p50": pl.Float64(), "p95": pl.Float64()}),
        activity.funnel(events, stages)
        if stages
        else _empty({"step": pl.Int64(), "stage": pl.String(), "users": pl.Int64()}),
    ]
    monthly = monthly_table(events, signals)
    weeks = overview.active_users(events, "week")
    out = pl.collect_all([monthly, weeks, *plans])
    return HealthTables(signals, *out, stages)


def scorecard(t: HealthTables, econ: UnitEconomics | None) -> Scorecard:
    """Return every metric family, computed or saying what it needs.

    `econ` is the unit economics result (None when the data has no payments).
    """
    done = t.monthly.filter(pl.col("complete"))
    as_of = done["month_start"][-1] if done.height else None
    return Scorecard(
        (
            families.business(t.monthly, econ),
            families.funnel(t.funnel, t.stages),
            families.engagement(t.weeks, t.sessions, t.monthly),
            families.nps(t.nps, t.signals.nps_column),
            families.support(t.monthly, t.signals),
            money.cross_upsell(econ),
            money.retention(econ),
            money.marketing_roi(econ),
            money.customer_roi(econ),
            families.technical(t.monthly, t.latency, t.signals),
        ),
        as_of,
        econ.warnings if econ else (),
    )


def _ratio_series(monthly: pl.DataFrame, key: str, num: str, den: str, per: float) -> pl.DataFrame:
    return monthly.select(
        key=pl.lit(key),
        month_start="month_start",
        value=pl.when(pl.col(den) > 0).then(pl.col(num) * per / pl.col(den)),
    )


def _refunds(monthly: pl.DataFrame) -> pl.DataFrame | None:
    if monthly["refunded"].sum() > 0:
        return _ratio_series(monthly, "refund_rate", "refunded", "gross_revenue", 1.0)
    if monthly["refund_events"].sum() > 0:
        return _ratio_series(monthly, "refund_rate", "refund_events", "payments", 1.0)
    return None


def _churn(econ: UnitEconomics | None) -> pl.DataFrame | None:
    """Monthly logo churn from the economics revenue lifecycle (its CRR formula, per month)."""
    if econ is None or econ.movements.is_empty():
        return None
    rows = econ.movements.filter(pl.col("customers_start") > 0)
    values = [
        churn_rate(
            crr(
                r["customers_start"],
                r["customers_end"],
                r["customers_end"] - r["customers_retained"],
            )
        )
        for r in rows.iter_rows(named=True)
    ]
    return pl.DataFrame(
        {"key": "churn", "month_start": rows["month_start"], "value": values},
        schema_overrides={"value": pl.Float64},
    )


def margin_months(
    events: pl.LazyFrame, spend: pl.DataFrame | None, spec: EconomicsSpec
) -> pl.DataFrame:
    """Return gross margin per month, (revenue − COGS) ÷ revenue; empty without COGS.

    COGS is resolved as the unit economics resolves it (the payments' cogs property, else the
    spend table's monthly cogs).

    events -> (month, month_start, revenue, gross_profit, margin)
    """
    cm = customer_months(events, spec).collect()
    names = set(events.collect_schema().names())
    gp, _ = resolve_costs(cm, spend_by_month(spend), names, spec)
    if cm.is_empty() or gp["cogs"].sum() <= 0:
        return pl.DataFrame(
            schema={"month": pl.Int64, "month_start": pl.Date, "margin": pl.Float64}
        )
    return (
        gp.group_by("month")
        .agg(pl.col("revenue", "gross_profit").sum())
        .sort("month")
        .with_columns(
            month_start=period_start("month", "month"),
            margin=pl.when(pl.col("revenue") > 0).then(pl.col("gross_profit") / pl.col("revenue")),
        )
    )


def guardrail_series(
    t: HealthTables, econ: UnitEconomics | None, margins: pl.DataFrame
) -> pl.DataFrame:
    """Return every guardrail's monthly values over complete months.

    -> (key, month_start, value); a guardrail the data cannot measure has no rows.
    margins from `margin_months`.
    """
    done = t.monthly.filter(pl.col("complete"))
    complete = done.select("month_start")
    parts = [
        _refunds(done),
        _churn(econ),
        _ratio_series(done, "tickets", "tickets", "active_users", 100.0)
        if t.signals.of("ticket")
        else None,
        _ratio_series(done, "unsubscribes", "unsubscribes", "active_users", 100.0)
        if t.signals.of("unsubscribe")
        else None,
        margins.join(complete, on="month_start").select(
            key=pl.lit("margin"), month_start="month_start", value="margin"
        ),
    ]
    schema = {"key": pl.String, "month_start": pl.Date, "value": pl.Float64}
    frames = [p.cast(schema) for p in parts if p is not None]
    return (
        pl.concat(frames).join(complete, on="month_start")
        if frames
        else pl.DataFrame(schema=schema)
    )
