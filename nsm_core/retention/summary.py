"""Stage 2 of cohort retention: intervals, the average row, warnings and the page's words.

Works on the collected long table of `retention_table` (one row per cohort × period).

- Wilson 95% interval per cell: n = |c|, successes = active_c(k) (SEMANTICS.md §2).
- Pooled average (Amplitude "All users", PostHog "weighted"): over the cohorts whose cell k
  is complete, R(k) = Σ active_c(k) / Σ |c|, with a pooled Wilson interval; "simple mean"
  = mean of R_c(k) over the same cohorts. Incomplete cells never enter.
- Revenue: revenue per user(k) = Σ revenue_c(k) / Σ |c|; revenue retention(k) =
  Σ revenue_c(k) / Σ revenue_c(0), over the cohorts complete at k.
"""

from dataclasses import dataclass
from typing import Final

import polars as pl

from nsm_core import fmt
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


@dataclass(frozen=True, slots=True)
class RetentionResult:
    """Cohort retention ready to show: cells with intervals, the average rows, warnings.

    matrix: the long table of `retention_table` plus ci_low, ci_high (Wilson, per cell).
    average: period, cohorts, cohort_size, active, rate, ci_low, ci_high, simple_mean
        (+ revenue_per_user, revenue_retention), pooled over complete cells.
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
        ).drop("revenue", "base_revenue")
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


def _warnings(table: pl.DataFrame) -> tuple[str, ...]:
    """Return what the reader should know: no cohorts, nothing complete, small cohorts."""
    if table.is_empty():
        return (NO_COHORTS,)
    out = []
    if table.filter(pl.col("period") > 0)["active"].drop_nulls().is_empty():
        out.append(NO_COMPLETE)
    sizes = table.filter(pl.col("period") == 0).group_by("cohort").agg(pl.col("cohort_size").sum())
    small = sizes.filter(pl.col("cohort_size") < SMALL_COHORT).height
    if small:
        out.append(SMALL_COHORTS.format(n=small, total=sizes.height, small=SMALL_COHORT))
    return tuple(out)


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
    return RetentionResult(
        spec=spec,
        matrix=with_intervals(table),
        average=overall,
        segments=by_segment,
        warnings=_warnings(table),
        leak=leak_message(compare_cohorts(table), spec.period, spec.unit),
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


def cohort_caption(result: RetentionResult, k: int) -> str:
    """Return the latest cohort that is complete at period k, in words.

    Example:
        >>> from datetime import date
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
    cells = result.matrix.filter(pl.col("period") == k, pl.col("active").is_not_null())
    if cells.is_empty():
        return f"No cohort has a complete {spec.period} {k} yet."
    latest = cells.filter(pl.col("cohort") == cells["cohort"].max())
    size, active = latest["cohort_size"].sum(), latest["active"].sum()
    when = fmt.period_name(latest["cohort"][0], spec.period)
    joined = f"joined {when}" if spec.period != "day" else f"joined on {when}"
    return (
        f"Of {fmt.count(size)} {spec.unit}s who {joined}, {fmt.pct(active / size)} were "
        f"active in {period_words(k, spec)}."
    )


def average_caption(result: RetentionResult, k: int) -> str:
    """Return the pooled average at period k, with its interval, in words.

    Example:
        >>> from datetime import date
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
    r"""Return the pooled revenue per user and revenue retention at period k, in words.

    Example:
        >>> avg = pl.DataFrame(
        ...     {
        ...         "period": [2],
        ...         "cohorts": [5],
        ...         "revenue_per_user": [12.4],
        ...         "revenue_retention": [1.12],
        ...     }
        ... )
        >>> r = RetentionResult(RetentionSpec(period="month"), avg, avg, avg.clear())
        >>> print(revenue_caption(r, 2).replace(": ", ":\n"))
        In month 2, complete cohorts brought $12.40 per original user:
        112% of their month-0 revenue.
    """
    row = result.average.filter(pl.col("period") == k)
    if row.is_empty() or "revenue_per_user" not in row.columns:
        return f"No cohort has a complete {result.spec.period} {k} yet."
    r = row.row(0, named=True)
    return (
        f"In {result.spec.period} {k}, complete cohorts brought "
        f"{fmt.money(r['revenue_per_user'])} per original {result.spec.unit}: "
        f"{fmt.pct(r['revenue_retention'])} of their {result.spec.period}-0 revenue."
    )
