"""Data checks of a candidate North Star: does a unit's early value lead retention and revenue?

For each unit u (a user, or an account when the metric counts accounts), start t0(u) = its
first event and own day d = floor((t − t0) / 24 h). Then
- x_u, the early value = the metric's amount over the unit's counted rows on own days
  0..early_days−1 (number of rows; Σ revenue or Σ property for sum metrics);
- achiever_u = x_u ≥ threshold (the metric's threshold; > 0 for sums);
- retained_u = any event on own days a..b (default 8..35, SEMANTICS.md section 6);
- revenue_u = Σ revenue on own days a..b.
Only units whose days 0..b are all observed are eligible. Stage 1 (the per-unit table) is one
lazy plan; stage 2 works on the collected per-unit table with nsm_core.stats.
"""

from dataclasses import dataclass, replace
from typing import Final

import numpy as np
import polars as pl

from nsm_core import stats
from nsm_core.metrics import MetricSpec, compute_metric, exclude
from nsm_core.metrics.compute import filter_expr
from nsm_core.periods import US_PER_DAY, epoch_us, rolling_index
from nsm_core.schema import ACCOUNT, EVENT, REVENUE, TS, USER
from nsm_core.segments import first_touch_value

# First-touch columns taken as the acquisition channel, in order of preference.
CHANNEL_COLUMNS: Final = ("channel", "acquisition_channel", "utm_source", "source")
UNIT: Final = "unit"
EARLY_DAYS: Final = "early_active_days"
EARLY_EVENTS: Final = "early_events"
VOLUME_BAND: Final = "early_volume_quintile"
NONE: Final = "(none)"
STRATUM_WORDS: Final = {
    "channel": "channel",
    EARLY_DAYS: "first-week active days",
    VOLUME_BAND: "first-week events (fifths)",
}


@dataclass(frozen=True, slots=True)
class CheckSpec:
    """Windows of the data checks (own days from each unit's first event)."""

    early_days: int = 7
    outcome_window: tuple[int, int] = (8, 35)
    confidence: float = 0.95


@dataclass(frozen=True, slots=True)
class Evidence:
    """How a candidate's early value relates to later retention and revenue.

    rho_*: Spearman rank correlation of x with retained / revenue. raw_lift: retention rate
    of achievers − others (Newcombe). adjusted_lift / revenue_lift: the same difference
    within strata of acquisition channel × first-week active days × quintile of first-week
    events, size-weighted (observational: it removes what general early activity explains,
    not every confounder). coverage: share of units in strata with both groups.
    """

    n: int
    achievers: int
    rho_retention: stats.Estimate
    rho_revenue: stats.Estimate | None
    raw_lift: stats.Estimate | None
    adjusted_lift: stats.Estimate | None
    revenue_lift: stats.Estimate | None
    strata: tuple[str, ...]
    coverage: float


def channel_column(columns: list[str]) -> str | None:
    """Return the column used as acquisition channel, if the data has one.

    Example:
        >>> channel_column(["user_id", "utm_source", "channel"])
        'channel'
    """
    return next((c for c in CHANNEL_COLUMNS if c in columns), None)


def _amount(spec: MetricSpec) -> pl.Expr:
    if spec.aggregation == "revenue":
        return pl.col(REVENUE)
    if spec.aggregation == "property_sum":
        return pl.col(spec.value_column or REVENUE).cast(pl.Float64).fill_null(0.0)
    return pl.lit(1.0)


def _counted_mask(spec: MetricSpec) -> pl.Expr:
    keep = [pl.col(EVENT).is_in(list(spec.events))] if spec.events else []
    keep += [filter_expr(f) for f in spec.filters]
    return pl.all_horizontal(keep) if keep else pl.lit(value=True)


def unit_table(
    events: pl.LazyFrame | pl.DataFrame, spec: MetricSpec, check: CheckSpec
) -> pl.LazyFrame:
    """Return one row per unit: x, volume, early activity, retained, revenue, eligible, channel.

    events -> (unit, x Float64, volume Float64, early_active_days UInt32, early_events UInt32,
    retained Boolean, revenue Float64, eligible Boolean, channel String). volume = the unit's
    counted amount over the whole upload; early_* count distinct own days and events on days
    0..early_days−1; eligible = t0 + (b + 1) days ≤ the last event of the upload; channel =
    the unit's first touch (`segments.first_touch_value`) of the first CHANNEL_COLUMNS column
    present.
    """
    lazy = exclude(events.lazy(), spec.exclusions)
    entity = ACCOUNT if spec.entity == "account" else USER
    first, last = check.outcome_window
    channel = channel_column(lazy.collect_schema().names())
    day = pl.col("_day")
    early = day < check.early_days
    counted = _counted_mask(spec)
    channel_expr = first_touch_value(channel) if channel else pl.lit(NONE)
    return (
        lazy.filter(pl.col(entity).is_not_null())
        .with_columns(
            pl.col(entity).alias(UNIT),
            _us=epoch_us(TS),
            _end=epoch_us(TS).max(),
            _amount=_amount(spec),
        )
        .with_columns(_start=pl.col("_us").min().over(UNIT))
        .with_columns(_day=rolling_index("_us", "_start", "day"))
        .group_by(UNIT)
        .agg(
            x=pl.col("_amount").filter(counted & early).sum(),
            volume=pl.col("_amount").filter(counted).sum(),
            early_active_days=day.filter(early).n_unique(),
            early_events=early.sum(),
            retained=day.is_between(first, last).any(),
            revenue=pl.col(REVENUE).filter(day.is_between(first, last)).sum(),
            eligible=(pl.col("_start").first() + (last + 1) * US_PER_DAY) <= pl.col("_end").first(),
            channel=channel_expr,
        )
        .sort(UNIT)
    )


def achievers(units: pl.DataFrame, spec: MetricSpec) -> np.ndarray:
    """Return who reached the metric early: x ≥ threshold for counts, x > 0 for sums.

    Example:
        >>> units = pl.DataFrame({"x": [0.0, 1.0, 3.0]})
        >>> achievers(units, MetricSpec("m", aggregation="users_reaching", threshold=2)).tolist()
        [False, False, True]
    """
    x = units.get_column("x").to_numpy()
    if spec.aggregation in ("revenue", "property_sum"):
        return x > 0
    return x >= spec.threshold


def stratified_difference(
    frame: pl.DataFrame, outcome: str, strata: list[str], confidence: float = 0.95
) -> tuple[stats.Estimate | None, float]:
    """Return the size-weighted within-stratum difference of means (treated − control).

    frame(treated Boolean, <outcome>, <strata>...). D = Σ_s w_s (ȳ1s − ȳ0s), w_s = n_s / Σ n_s
    over strata with ≥ 2 units in each arm; Var(D) = Σ_s w_s² (v1s / n1s + v0s / n0s), v the
    sample variance (ddof = 1); CI = D ± z·sqrt(Var). Also returns the share of units kept.

    Example (two strata, differences 0.5 and 0.0, equal sizes):
        >>> df = pl.DataFrame(
        ...     {
        ...         "treated": [1, 1, 0, 0, 1, 1, 0, 0],
        ...         "y": [1, 1, 0, 1, 1, 0, 1, 0],
        ...         "s": ["a"] * 4 + ["b"] * 4,
        ...     }
        ... ).with_columns(pl.col("treated") == 1)
        >>> est, kept = stratified_difference(df, "y", ["s"])
        >>> round(est.value, 3), kept
        (0.25, 1.0)
    """
    y = pl.col(outcome).cast(pl.Float64)
    arms = [
        agg
        for side, name in ((pl.col("treated"), "1"), (~pl.col("treated"), "0"))
        for agg in (
            y.filter(side).len().alias(f"n{name}"),
            y.filter(side).mean().alias(f"m{name}"),
            y.filter(side).var().alias(f"v{name}"),
        )
    ]
    cells = frame.group_by(strata).agg(*arms).filter((pl.col("n1") >= 2) & (pl.col("n0") >= 2))
    kept = int(cells.select((pl.col("n1") + pl.col("n0")).sum()).item() or 0)
    if kept == 0:
        return None, 0.0
    w = (pl.col("n1") + pl.col("n0")) / kept
    row = cells.select(
        d=(w * (pl.col("m1") - pl.col("m0"))).sum(),
        var=(w**2 * (pl.col("v1") / pl.col("n1") + pl.col("v0") / pl.col("n0"))).sum(),
    ).row(0, named=True)
    half = stats.z_value(confidence) * float(np.sqrt(row["var"]))
    method = f"matched on {', '.join(STRATUM_WORDS.get(s, s) for s in strata)} (observational)"
    estimate = stats.Estimate(row["d"], row["d"] - half, row["d"] + half, kept, method, confidence)
    return estimate, kept / frame.height


def _raw_lift(
    treated: np.ndarray, retained: np.ndarray, confidence: float
) -> stats.Estimate | None:
    n1, n0 = int(treated.sum()), int((~treated).sum())
    if n1 == 0 or n0 == 0:
        return None
    a1, a0 = int(retained[treated].sum()), int(retained[~treated].sum())
    low, high = stats.newcombe_interval(a1, n1, a0, n0, confidence)
    method = "difference of retention rates, Newcombe hybrid score (unadjusted)"
    return stats.Estimate(a1 / n1 - a0 / n0, low, high, n1 + n0, method, confidence)


def _strata(eligible: pl.DataFrame, treated: np.ndarray) -> tuple[pl.DataFrame, list[str]]:
    """Return the units with their treatment and stratum columns, and the stratum names."""
    # Early activity stands in for the hidden engagement that drives both early use and
    # retention; matching on it is what separates a moment from a proxy of engagement.
    band = (pl.col(EARLY_EVENTS).rank("min") * 5 // (pl.len() + 1)).alias(VOLUME_BAND)
    channels = eligible.get_column("channel").n_unique() > 1
    strata = [*(["channel"] if channels else []), EARLY_DAYS, VOLUME_BAND]
    return eligible.with_columns(band, treated=pl.Series(treated, dtype=pl.Boolean)), strata


def evidence(units: pl.DataFrame, spec: MetricSpec, check: CheckSpec) -> Evidence:
    """Return how the eligible units' early value relates to retention and revenue.

    units: the collected `unit_table`. See Evidence for the estimates.
    """
    eligible = units.filter(pl.col("eligible"))
    treated = achievers(eligible, spec)
    x = eligible.get_column("x").to_numpy()
    retained = eligible.get_column("retained").to_numpy()
    revenue = eligible.get_column("revenue").to_numpy()
    has_revenue = bool(np.any(revenue != 0))
    frame, strata = _strata(eligible, treated)
    adjusted, coverage = stratified_difference(frame, "retained", strata, check.confidence)
    revenue_lift = stratified_difference(frame, "revenue", strata, check.confidence)[0]
    return Evidence(
        n=eligible.height,
        achievers=int(treated.sum()),
        rho_retention=stats.spearman_interval(x, retained.astype(float), check.confidence),
        rho_revenue=stats.spearman_interval(x, revenue, check.confidence) if has_revenue else None,
        raw_lift=_raw_lift(treated, retained, check.confidence),
        adjusted_lift=adjusted,
        revenue_lift=revenue_lift if has_revenue else None,
        strata=tuple(strata),
        coverage=coverage,
    )


def weekly_sensitivity(
    events: pl.LazyFrame | pl.DataFrame, spec: MetricSpec, last: int = 12
) -> tuple[pl.DataFrame, float | None]:
    """Return the weekly series and the median |week-over-week change| of its last weeks.

    s = median over the last `last` complete weeks t (with v(t−1) > 0) of |v(t) / v(t−1) − 1|.
    """
    weekly = compute_metric(events, replace(spec, grain="week"))
    values = (
        weekly.filter(pl.col("complete"))
        .select(change=(pl.col("value") / pl.col("value").shift(1) - 1).abs())
        .filter(pl.col("change").is_finite())
        .tail(last)
        .get_column("change")
    )
    return weekly, (float(values.median()) if values.len() else None)
