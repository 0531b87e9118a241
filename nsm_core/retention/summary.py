"""Stage 2 of cohort retention: intervals, the average row, warnings and the page's words.

Works on the collected long table of `retention_table` (one row per cohort × period).

- Wilson 95% interval per cell: n = |c|, successes = active_c(k)
  (docs/definitions/retention.md#wilson-interval).
- Pooled average (Amplitude "All users", PostHog "weighted"): over the cohorts whose cell k
  is complete, R(k) = Σ active_c(k) / Σ |c|, with a pooled Wilson interval; "simple mean"
  = mean of R_c(k) over the same cohorts. Incomplete cells never enter.
- Revenue: revenue per user(k) = Σ revenue_c(k) / Σ |c|; revenue retention(k) =
  Σ revenue_c(k) / Σ revenue_c(0), over the cohorts complete at k (no interval: revenue
  is not a count of successes). Revenue is always that of period k itself, whatever the
  kind; the leaky-bucket check stays on users (a binomial comparison) and says so.
"""

from dataclasses import dataclass
from datetime import date
from typing import Final

import polars as pl

from nsm_core import fmt
from nsm_core._types import Period
from nsm_core.retention._base import SEGMENT
from nsm_core.retention.cohorts import RetentionSpec
from nsm_core.retention.leaky import compare_cohorts, leak_message
from nsm_core.stats import wilson_exprs

SMALL_COHORT: Final = 30
NO_COHORTS: Final = "No user did the start event, so there are no cohorts to show."
NO_COMPLETE: Final = (
    "No cohort has lived through a whole period after joining yet: every cell beyond period 0 "
    "is incomplete. Pick a shorter period or load more history."
)
SMALL_COHORTS: Final = (
    "{n} of {total} cohorts have fewer than {small} users; their rates swing widely (see the "
    "interval in each cell's tooltip)."
)
USERS_NOT_REVENUE: Final = " This alert counts {unit}s who came back, not revenue."
NO_BASE_REVENUE: Final = (
    "{n} of {total} complete cohorts brought no revenue in their {period} 0, so their revenue "
    "retention (revenue in {period} k / {period}-0 revenue) is undefined and left blank. When "
    "the first payment comes later (after a trial), pick longer periods or make the first "
    "payment the start event."
)


@dataclass(frozen=True, slots=True)
class RetentionResult:
    """Cohort retention ready to show: cells with intervals, the average rows, warnings.

    matrix: the long table of `retention_table` plus ci_low, ci_high (Wilson, per cell).
    average: period, cohorts, cohort_size, active, rate, ci_low, ci_high, simple_mean
        (+ revenue, base_revenue, revenue_per_user, revenue_retention), pooled over
        complete cells; base_revenue = the same cohorts' period-0 revenue.
    segments: the same per segment value (empty without a segment).
    leak: the leaky-bucket callout (recent cohorts keep fewer users in period 1), or None.
    """

    spec: RetentionSpec
    matrix: pl.DataFrame
    average: pl.DataFrame
    segments: pl.DataFrame
    warnings: tuple[str, ...] = ()
    leak: str | None = None


def with_intervals(table: pl.DataFrame) -> pl.DataFrame:
    """Return `table` with the Wilson 95% interval of each cell's rate (null when incomplete).

    Example:
        >>> t = pl.DataFrame({"cohort_size": [10, 10], "active": [5, None]})
        >>> with_intervals(t)["ci_high"].round(4).to_list()
        [0.7634, None]
    """
    low, high = wilson_exprs("active", "cohort_size")
    return table.with_columns(ci_low=low, ci_high=high)


def _pooled(table: pl.DataFrame, by: list[str], revenue: bool) -> pl.DataFrame:
    """Return the pooled average per `by` + period over complete cells."""
    complete = table.filter(pl.col("active").is_not_null())
    aggs = [
        pl.len().alias("cohorts"),
        pl.col("cohort_size").sum(),
        pl.col("active").sum(),
        pl.col("rate").mean().alias("simple_mean"),
    ]
    if revenue:
        aggs += [pl.col("revenue").sum(), pl.col("base_revenue").sum()]
    out = complete.group_by(*by, "period").agg(aggs).sort(*by, "period")
    out = with_intervals(out.with_columns(rate=pl.col("active") / pl.col("cohort_size")))
    if revenue:
        base = pl.col("base_revenue")
        out = out.with_columns(
            revenue_per_user=pl.col("revenue") / pl.col("cohort_size"),
            revenue_retention=pl.when(base != 0).then(pl.col("revenue") / base),
        )
    return out


def averages(table: pl.DataFrame, spec: RetentionSpec) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return the pooled average rows overall and per segment (formulas in the module doc).

    Example:
        >>> from datetime import date
        >>> t = pl.DataFrame(
        ...     {
        ...         "cohort": [date(2025, 1, 6)] * 2 + [date(2025, 1, 13)] * 2,
        ...         "period": [0, 1, 0, 1],
        ...         "cohort_size": [10, 10, 30, 30],
        ...         "active": [10, 5, 30, None],
        ...         "rate": [1.0, 0.5, 1.0, None],
        ...     }
        ... )
        >>> avg, _ = averages(t, RetentionSpec())
        >>> avg.select("period", "cohorts", "cohort_size", "rate").rows()
        [(0, 2, 40, 1.0), (1, 1, 10, 0.5)]
    """
    revenue = spec.measure == "revenue"
    if revenue:
        keys = ["cohort", SEGMENT] if spec.segment else ["cohort"]
        first = pl.col("revenue").filter(pl.col("period") == 0).first().over(keys)
        table = table.with_columns(base_revenue=pl.when(pl.col("active").is_not_null()).then(first))
    overall = _pooled(table, [], revenue)
    by_segment = _pooled(table, [SEGMENT], revenue) if spec.segment else overall.clear()
    return overall, by_segment


def _no_base_revenue(table: pl.DataFrame, spec: RetentionSpec) -> list[str]:
    """Return a warning when complete cohorts have no period-0 revenue to compare with."""
    if spec.measure != "revenue":
        return []
    first = table.filter(pl.col("period") == 0).drop_nulls("revenue")
    # a cohort split by segment has a base when any of its segments has one
    bases = first.group_by("cohort").agg(pl.col("revenue_retention").is_not_null().any())
    missing = bases.filter(~pl.col("revenue_retention")).height
    if not missing:
        return []
    return [NO_BASE_REVENUE.format(n=missing, total=bases.height, period=spec.period)]


def _warnings(table: pl.DataFrame, spec: RetentionSpec) -> tuple[str, ...]:
    """Return what the reader should know: no cohorts, nothing complete, small cohorts.

    With revenue also the cohorts whose revenue retention is undefined (no period-0 revenue).
    """
    if table.is_empty():
        return (NO_COHORTS,)
    out = []
    if table.filter(pl.col("period") > 0)["active"].drop_nulls().is_empty():
        out.append(NO_COMPLETE)
    sizes = table.filter(pl.col("period") == 0).group_by("cohort").agg(pl.col("cohort_size").sum())
    small = sizes.filter(pl.col("cohort_size") < SMALL_COHORT).height
    if small:
        out.append(SMALL_COHORTS.format(n=small, total=sizes.height, small=SMALL_COHORT))
    return (*out, *_no_base_revenue(table, spec))


def summarize(table: pl.DataFrame, spec: RetentionSpec) -> RetentionResult:
    """Return the result the page shows from the collected `retention_table` output.

    Example:
        >>> from datetime import date
        >>> t = pl.DataFrame(
        ...     {
        ...         "cohort": [date(2025, 1, 6)] * 2,
        ...         "period": [0, 1],
        ...         "cohort_size": [40, 40],
        ...         "active": [40, 10],
        ...         "rate": [1.0, 0.25],
        ...     }
        ... )
        >>> summarize(t, RetentionSpec()).average["ci_low"].round(3).to_list()
        [0.912, 0.142]
    """
    overall, by_segment = averages(table, spec)
    leak = leak_message(compare_cohorts(table), spec.period, spec.unit)
    if leak and spec.measure == "revenue":
        leak += USERS_NOT_REVENUE.format(unit=spec.unit)
    return RetentionResult(
        spec=spec,
        matrix=with_intervals(table),
        average=overall,
        segments=by_segment,
        warnings=_warnings(table, spec),
        leak=leak,
    )


def period_words(k: int, spec: RetentionSpec) -> str:
    """Return period k in words ("week 4", "week 4 or later").

    Example:
        >>> period_words(4, RetentionSpec(kind="unbounded"))
        'week 4 or later'
    """
    words = f"{spec.period} {k}"
    return f"{words} or later" if spec.kind == "unbounded" else words


def focus_period(result: RetentionResult, wanted: int = 4) -> int | None:
    """Return the period the captions talk about: `wanted`, or the last complete one before it.

    Example:
        >>> avg = pl.DataFrame({"period": [0, 1, 2]})
        >>> r = RetentionResult(RetentionSpec(), avg, avg, avg.clear())
        >>> focus_period(r)
        2
    """
    periods = result.average["period"]
    later = periods.filter((periods > 0) & (periods <= wanted))
    return later.max() if not later.is_empty() else None


def _joined(cohort: date, period: Period) -> str:
    """Return "joined the week of 3 Mar 2025" ("joined on 3 Mar 2025" for days)."""
    when = fmt.period_name(cohort, period)
    return f"joined {when}" if period != "day" else f"joined on {when}"


def cohort_caption(result: RetentionResult, k: int) -> str:
    """Return the latest cohort that is complete at period k, in words (users or revenue).

    Example:
        >>> t = pl.DataFrame(
        ...     {
        ...         "cohort": [date(2025, 3, 3)],
        ...         "period": [4],
        ...         "cohort_size": [1204],
        ...         "active": [373],
        ...         "rate": [373 / 1204],
        ...     }
        ... )
        >>> cohort_caption(summarize(t, RetentionSpec(anchor="calendar")), 4)
        'Of 1,204 users who joined the week of 3 Mar 2025, 31% were active in week 4.'
    """
    spec = result.spec
    if spec.measure == "revenue":
        return _cohort_revenue_caption(result, k)
    cells = result.matrix.filter(pl.col("period") == k, pl.col("active").is_not_null())
    if cells.is_empty():
        return f"No cohort has a complete {spec.period} {k} yet."
    latest = cells.filter(pl.col("cohort") == cells["cohort"].max())
    size, active = latest["cohort_size"].sum(), latest["active"].sum()
    return (
        f"Of {fmt.count(size)} {spec.unit}s who {_joined(latest['cohort'][0], spec.period)}, "
        f"{fmt.pct(active / size)} were active in {period_words(k, spec)}."
    )


def _cohort_revenue_caption(result: RetentionResult, k: int) -> str:
    r"""Return the latest cohort with period-0 revenue complete at period k, in words.

    Its revenue in period k against its own period-0 revenue (revenue retention).

    Example:
        >>> t = pl.DataFrame(
        ...     {
        ...         "cohort": [date(2025, 3, 3)] * 2,
        ...         "period": [0, 4],
        ...         "cohort_size": [10, 10],
        ...         "active": [10, 3],
        ...         "rate": [1.0, 0.3],
        ...         "revenue": [200.0, 250.0],
        ...         "revenue_retention": [1.0, 1.25],
        ...     }
        ... )
        >>> r = summarize(t, RetentionSpec(measure="revenue"))
        >>> print(_cohort_revenue_caption(r, 4).replace(": ", ":\n"))
        The 10 users who joined the week of 3 Mar 2025 brought in $250.00 in week 4:
        125% of their $200.00 in week 0.
    """
    spec = result.spec
    cells = result.matrix.filter(pl.col("period") == k, pl.col("revenue_retention").is_not_null())
    if cells.is_empty():
        return f"No cohort with {spec.period}-0 revenue has a complete {spec.period} {k} yet."
    keys = ["cohort", SEGMENT] if spec.segment else ["cohort"]
    base = result.matrix.filter(pl.col("period") == 0).select(*keys, base="revenue")
    latest = cells.filter(pl.col("cohort") == cells["cohort"].max()).join(base, on=keys)
    size, revenue, first = (latest[c].sum() for c in ("cohort_size", "revenue", "base"))
    return (
        f"The {fmt.count(size)} {spec.unit}s who {_joined(latest['cohort'][0], spec.period)} "
        f"brought in {fmt.money(revenue)} in {spec.period} {k}: {fmt.pct(revenue / first)} of "
        f"their {fmt.money(first)} in {spec.period} 0."
    )


def average_caption(result: RetentionResult, k: int) -> str:
    """Return the pooled average at period k in words: users with their interval, or revenue.

    Example:
        >>> t = pl.DataFrame(
        ...     {
        ...         "cohort": [date(2025, 1, 6), date(2025, 1, 13)],
        ...         "period": [1, 1],
        ...         "cohort_size": [100, 300],
        ...         "active": [30, 70],
        ...         "rate": [0.3, 70 / 300],
        ...     }
        ... )
        >>> average_caption(summarize(t, RetentionSpec()), 1)
        'Across 2 complete cohorts (400 users), 25% were active in week 1 (95% CI 21% to 29%).'
    """
    if result.spec.measure == "revenue":
        return revenue_caption(result, k)
    row = result.average.filter(pl.col("period") == k)
    if row.is_empty():
        return f"No cohort has a complete {result.spec.period} {k} yet."
    r = row.row(0, named=True)
    return (
        f"Across {fmt.count(r['cohorts'])} complete cohorts ({fmt.count(r['cohort_size'])} "
        f"{result.spec.unit}s), {fmt.pct(r['rate'])} were active in "
        f"{period_words(k, result.spec)} (95% CI {fmt.pct(r['ci_low'])} to "
        f"{fmt.pct(r['ci_high'])})."
    )


def revenue_caption(result: RetentionResult, k: int) -> str:
    r"""Return the pooled revenue retention and revenue per user at period k, in words.

    Pooled over the cohorts complete at k: Σ revenue_c(k) / Σ revenue_c(0), and
    Σ revenue_c(k) / Σ |c| per original user.

    Example:
        >>> avg = pl.DataFrame(
        ...     {
        ...         "period": [2],
        ...         "cohorts": [5],
        ...         "cohort_size": [100],
        ...         "revenue": [1240.0],
        ...         "base_revenue": [1107.0],
        ...         "revenue_per_user": [12.4],
        ...         "revenue_retention": [1240 / 1107],
        ...     }
        ... )
        >>> r = RetentionResult(RetentionSpec(period="month"), avg, avg, avg.clear())
        >>> print(revenue_caption(r, 2).replace(", r", ",\nr").replace(": ", ":\n"))
        Across 5 complete cohorts (100 users),
        revenue in month 2 was 112% of the same cohorts' month-0 revenue ($1,240.00 of $1,107.00):
        $12.40 per original user.
    """
    spec = result.spec
    row = result.average.filter(pl.col("period") == k)
    if row.is_empty() or "revenue_per_user" not in row.columns:
        return f"No cohort has a complete {spec.period} {k} yet."
    r = row.row(0, named=True)
    if r["revenue_retention"] is None:
        return f"The cohorts complete at {spec.period} {k} had no {spec.period}-0 revenue."
    return (
        f"Across {fmt.count(r['cohorts'])} complete cohorts ({fmt.count(r['cohort_size'])} "
        f"{spec.unit}s), revenue in {spec.period} {k} was {fmt.pct(r['revenue_retention'])} of "
        f"the same cohorts' {spec.period}-0 revenue ({fmt.money(r['revenue'])} of "
        f"{fmt.money(r['base_revenue'])}): {fmt.money(r['revenue_per_user'])} per original "
        f"{spec.unit}."
    )
