"""Display shaping for the Retention page: which rows a chart or table shows, and words.

Pages never touch polars; these functions pick and reshape the small collected results.
"""

from typing import Final

import polars as pl

from nsm_core import fmt
from nsm_core._types import Period
from nsm_core.retention._base import SEGMENT
from nsm_core.retention.leaky import ADJECTIVE
from nsm_core.retention.penny import PennyResult, PennySpec
from nsm_core.retention.summary import RetentionResult

HEATMAP_COHORTS: Final = 60
HEATMAP_PERIODS: Final = 30
CURVE_COHORTS: Final = 8
USER_ONLY: Final = ("active", "rate", "ci_low", "ci_high", "simple_mean")


def segment_values(result: RetentionResult) -> list[str]:
    """Return the segment values of a split result, largest first (empty without a split).

    Example:
        >>> from nsm_core.retention import RetentionSpec
        >>> m = pl.DataFrame({"segment": ["a", "b", "b"], "period": 0, "cohort_size": [1, 2, 3]})
        >>> segment_values(RetentionResult(RetentionSpec(segment="x"), m, m, m))
        ['b', 'a']
    """
    if not result.spec.segment:
        return []
    sizes = (
        result.matrix.filter(pl.col("period") == 0)
        .group_by(SEGMENT)
        .agg(pl.col("cohort_size").sum())
        .sort("cohort_size", SEGMENT, descending=[True, False])
    )
    return sizes[SEGMENT].to_list()


def matrix_for(
    result: RetentionResult,
    value: str | None = None,
    limit: int = HEATMAP_COHORTS,
    periods: int = HEATMAP_PERIODS,
) -> pl.DataFrame:
    """Return the heatmap cells: one segment value (all rows without a split), latest cohorts.

    Only the `limit` most recent cohorts and periods 0 to `periods` are kept, so a year of
    daily cohorts stays legible and light to send; the table and the downloads keep them all.

    Example:
        >>> from datetime import date
        >>> from nsm_core.retention import RetentionSpec
        >>> m = pl.DataFrame(
        ...     {
        ...         "cohort": [date(2025, 1, d) for d in (1, 2, 3, 3)],
        ...         "segment": ["a", "b", "b", "b"],
        ...         "period": [0, 0, 0, 1],
        ...     }
        ... )
        >>> r = RetentionResult(RetentionSpec(segment="x"), m, m, m)
        >>> matrix_for(r, "b", limit=1, periods=0).rows()
        [(datetime.date(2025, 1, 3), 'b', 0)]
    """
    rows = result.matrix.filter(pl.col("period") <= periods)
    if value is not None and result.spec.segment:
        rows = rows.filter(pl.col(SEGMENT) == value)
    latest = rows["cohort"].unique().sort().tail(limit)
    return rows.filter(pl.col("cohort").is_in(latest.implode()))


def heatmap_note(
    result: RetentionResult, limit: int = HEATMAP_COHORTS, periods: int = HEATMAP_PERIODS
) -> str:
    """Return what the heatmap leaves out (older cohorts, later periods), or "".

    Example:
        >>> from datetime import date
        >>> from nsm_core.retention import RetentionSpec
        >>> m = pl.DataFrame({"cohort": [date(2025, 1, d) for d in (1, 2, 3)], "period": 0})
        >>> heatmap_note(RetentionResult(RetentionSpec(), m, m, m), limit=2)
        ' The heatmap shows the latest 2 of 3 cohorts; the table below and the downloads have all.'
    """
    total = result.matrix["cohort"].n_unique()
    longest = result.matrix["period"].max()
    parts = []
    if total > limit:
        parts.append(f"the latest {limit} of {total} cohorts")
    if longest is not None and longest > periods:
        parts.append(f"{result.spec.period}s 0 to {periods} of {longest}")
    if not parts:
        return ""
    return f" The heatmap shows {' and '.join(parts)}; the table below and the downloads have all."


def curve_lines(result: RetentionResult, limit: int = CURVE_COHORTS) -> tuple[pl.DataFrame, str]:
    """Return the thin lines of the curve chart and what they are ("cohort" or "segment").

    With a split, one line per segment value (its pooled average), largest first; else one
    per cohort with a complete cell after period 0, at most `limit` of them evenly spaced
    from the first to the last, oldest first. Columns: <by>, period, <value_column>.

    Example:
        >>> from datetime import date
        >>> from nsm_core.retention import RetentionSpec
        >>> m = pl.DataFrame(
        ...     {
        ...         "cohort": [date(2025, 1, d) for d in (6, 6, 13, 13, 20, 20)],
        ...         "period": [0, 1] * 3,
        ...         "rate": [1.0, 0.4, 1.0, 0.3, 1.0, 0.2],
        ...     }
        ... )
        >>> lines, by = curve_lines(RetentionResult(RetentionSpec(), m, m, m.clear()), limit=2)
        >>> lines[by].unique(maintain_order=True).to_list()
        ['6 Jan 2025', '20 Jan 2025']
    """
    value = value_column(result)
    if result.spec.segment:
        order = segment_values(result)
        lines = result.segments.select(SEGMENT, "period", value).sort(
            pl.col(SEGMENT).replace_strict(order, list(range(len(order))), default=len(order)),
            "period",
        )
        return lines, SEGMENT
    cohorts = _curve_cohorts(result)
    if cohorts.len() > limit:
        n = cohorts.len()
        cohorts = cohorts.gather([round(i * (n - 1) / (limit - 1)) for i in range(limit)])
    lines = result.matrix.drop_nulls(value).filter(pl.col("cohort").is_in(cohorts.implode()))
    return lines.sort("cohort", "period").select(
        pl.col("cohort").dt.strftime("%-d %b %Y"), "period", value
    ), "cohort"


def _curve_cohorts(result: RetentionResult) -> pl.Series:
    """Return the cohorts with a complete cell after period 0, oldest first."""
    later = result.matrix.drop_nulls(value_column(result)).filter(pl.col("period") > 0)
    return later["cohort"].unique().sort()


def curve_note(result: RetentionResult, limit: int = CURVE_COHORTS) -> str:
    """Return which cohorts the thin curves show when not all of them ("" otherwise).

    Example:
        >>> from datetime import date
        >>> from nsm_core.retention import RetentionSpec
        >>> m = pl.DataFrame(
        ...     {"cohort": [date(2025, 1, d) for d in (6, 13, 20)], "period": 1, "rate": 0.5}
        ... )
        >>> curve_note(RetentionResult(RetentionSpec(), m, m, m), limit=2)
        ' Thin lines: 2 of 3 cohorts, evenly spaced; the thick line pools them all.'
    """
    total = _curve_cohorts(result).len()
    if result.spec.segment or total <= limit:
        return ""
    return f" Thin lines: {limit} of {total} cohorts, evenly spaced; the thick line pools them all."


def wide(result: RetentionResult, value: str = "rate") -> pl.DataFrame:
    """Return the matrix as one row per cohort (and segment) and one column per period.

    Example:
        >>> from datetime import date
        >>> from nsm_core.retention import RetentionSpec
        >>> m = pl.DataFrame(
        ...     {
        ...         "cohort": [date(2025, 1, 6)] * 2,
        ...         "period": [0, 1],
        ...         "cohort_size": [10, 10],
        ...         "rate": [1.0, 0.4],
        ...     }
        ... )
        >>> wide(RetentionResult(RetentionSpec(), m, m, m)).columns
        ['cohort', 'cohort_size', 'week 0', 'week 1']
    """
    keys = ["cohort", SEGMENT] if result.spec.segment else ["cohort"]
    named = result.matrix.with_columns(
        column=pl.format("{} {}", pl.lit(result.spec.period), pl.col("period"))
    )
    return named.pivot(
        "column", index=[*keys, "cohort_size"], values=value, sort_columns=False
    ).sort(keys)


def wide_caption(result: RetentionResult) -> str:
    """Return the caption of the one-row-per-cohort table, in the result's measure.

    Example:
        >>> from nsm_core.retention import RetentionSpec
        >>> m = pl.DataFrame()
        >>> wide_caption(RetentionResult(RetentionSpec(measure="revenue"), m, m, m))[:60]
        'One row per cohort: its revenue in each week / its week-0 re'
    """
    spec = result.spec
    if spec.measure == "revenue":
        return (
            f"One row per cohort: its revenue in each {spec.period} / its {spec.period}-0 "
            f"revenue; empty cells are {spec.period}s not yet complete, or cohorts without "
            f"{spec.period}-0 revenue."
        )
    return (
        f"One row per cohort: the share of its {spec.unit}s active in each {spec.period}; "
        f"empty cells are {spec.period}s not yet complete."
    )


def segment_caption(result: RetentionResult) -> str:
    """Return the caption of the per-segment table, in the result's measure.

    Example:
        >>> from nsm_core.retention import RetentionSpec
        >>> m = pl.DataFrame()
        >>> segment_caption(RetentionResult(RetentionSpec(segment="channel"), m, m, m))
        'Pooled retention per channel value, complete cells only.'
    """
    what = "revenue retention" if result.spec.measure == "revenue" else "retention"
    return f"Pooled {what} per {result.spec.segment} value, complete cells only."


def lifecycle_caption(data: pl.DataFrame, period: Period, unit: str = "user") -> str:
    r"""Return the last complete period of the lifecycle table in words.

    Example:
        >>> from datetime import date
        >>> d = pl.DataFrame(
        ...     {
        ...         "period_start": [date(2025, 3, 10)],
        ...         "new": [120],
        ...         "retained": [340],
        ...         "resurrected": [45],
        ...         "dormant": [98],
        ...         "active": [505],
        ...         "quick_ratio": [165 / 98],
        ...         "complete": [True],
        ...     }
        ... )
        >>> print(lifecycle_caption(d, "week").replace("; ", ";\n"))
        In the week of 10 Mar 2025, 505 users were active: 120 new, 340 retained, 45 resurrected;
        98 went dormant. Quick ratio 1.68: the active base grew.
    """
    done = data.filter(pl.col("complete"))
    if done.is_empty():
        return f"No complete {period} in the data yet."
    r = done.row(-1, named=True)
    text = (
        f"In {fmt.period_name(r['period_start'], period)}, {fmt.count(r['active'])} {unit}s "
        f"were active: {fmt.count(r['new'])} new, {fmt.count(r['retained'])} retained, "
        f"{fmt.count(r['resurrected'])} resurrected; {fmt.count(r['dormant'])} went dormant."
    )
    ratio = r["quick_ratio"]
    if ratio is None:
        return text + " Quick ratio n/a: nobody went dormant."
    trend = "grew" if ratio > 1 else "shrank" if ratio < 1 else "held steady"
    return text + f" Quick ratio {fmt.num(ratio)}: the active base {trend}."


def has_cells(result: RetentionResult) -> bool:
    """Return True when there is at least one cohort to show.

    Example:
        >>> from nsm_core.retention import RetentionSpec
        >>> m = pl.DataFrame({"period": [0]})
        >>> has_cells(RetentionResult(RetentionSpec(), m, m, m))
        True
    """
    return not result.matrix.is_empty()


def value_column(result: RetentionResult) -> str:
    """Return the matrix column the heatmap shows: rate, or revenue retention for revenue.

    Example:
        >>> from nsm_core.retention import RetentionSpec
        >>> m = pl.DataFrame()
        >>> value_column(RetentionResult(RetentionSpec(measure="revenue"), m, m, m))
        'revenue_retention'
    """
    return "revenue_retention" if result.spec.measure == "revenue" else "rate"


def headline(result: RetentionResult, k: int | None) -> list[tuple[str, str, str]]:
    """Return (label, value, help) of the page's four metrics, in the result's measure.

    Users: cohorts, users, and the pooled share retained at periods 1 and k. Revenue:
    cohorts, period-0 revenue, and the pooled revenue retention at 1 and k.

    Example:
        >>> from nsm_core.retention import RetentionSpec
        >>> m = pl.DataFrame({"period": [0, 0], "cohort_size": [10, 20]})
        >>> avg = pl.DataFrame({"period": [0, 1], "rate": [1.0, 0.4]})
        >>> [v for _, v, _ in headline(RetentionResult(RetentionSpec(), m, avg, m), 1)]
        ['2', '30', '40.0%', '40.0%']
    """
    spec = result.spec
    first = result.matrix.filter(pl.col("period") == 0)
    cohorts = (
        "Cohorts",
        fmt.count(first.height),
        f"{ADJECTIVE[spec.period].capitalize()} cohorts in the data.",
    )
    if spec.measure == "revenue":
        return [cohorts, *_revenue_headline(result, k)]
    rate = dict(result.average.select("period", "rate").iter_rows())
    name = f"{spec.unit}s".capitalize()
    size = (name, fmt.count(first["cohort_size"].sum()), f"{name} with a start event.")
    return [cohorts, size] + [
        (
            f"Retained, {spec.period} {period}",
            fmt.pct(rate.get(period), 1),
            f"{name} active in {spec.period} {period} / cohort size, pooled over the cohorts "
            f"that have completed {spec.period} {period}.",
        )
        for period in (1, k)
    ]


def _revenue_headline(result: RetentionResult, k: int | None) -> list[tuple[str, str, str]]:
    """Return the revenue metrics: period-0 revenue and revenue retention at 1 and k."""
    spec = result.spec
    rows = {r["period"]: r for r in result.average.iter_rows(named=True)}
    first = rows.get(0, {})
    base = (
        f"Revenue, {spec.period} 0",
        fmt.money(first.get("revenue"), compact=True),
        f"What the {fmt.count(first.get('cohort_size'))} {spec.unit}s of the complete cohorts "
        f"brought in their first {spec.period}: the base of revenue retention.",
    )
    return [base] + [
        (
            f"Revenue kept, {spec.period} {period}",
            fmt.pct(rows.get(period, {}).get("revenue_retention"), 1),
            f"Revenue in {spec.period} {period} / the same cohorts' {spec.period}-0 revenue, "
            f"pooled over the cohorts that have completed {spec.period} {period}; above 100% "
            "when those who stay spend more.",
        )
        for period in (1, k)
    ]


def shown_columns(frame: pl.DataFrame, result: RetentionResult) -> pl.DataFrame:
    """Return `frame` (matrix or average rows) without the other measure's columns.

    With revenue the user counts, rates and their intervals go, so a download says what the
    chart shows; with users there are no revenue columns to drop.

    Example:
        >>> from nsm_core.retention import RetentionSpec
        >>> m = pl.DataFrame({"period": [0], "rate": [1.0], "revenue_retention": [1.0]})
        >>> shown_columns(m, RetentionResult(RetentionSpec(measure="revenue"), m, m, m)).columns
        ['period', 'revenue_retention']
    """
    if result.spec.measure != "revenue":
        return frame
    return frame.drop(USER_ONLY, strict=False)


def recent_windows(power: pl.DataFrame, n: int = 3) -> pl.DataFrame:
    """Return the power-user curve of the last `n` complete windows.

    Example:
        >>> from datetime import date
        >>> p = pl.DataFrame(
        ...     {"window_start": [date(2025, m, 1) for m in (1, 2, 3)], "complete": [True] * 3}
        ... )
        >>> recent_windows(p, 2)["window_start"].dt.month().to_list()
        [2, 3]
    """
    done = power.filter(pl.col("complete"))
    keep = done["window_start"].unique().sort().tail(n)
    return done.filter(pl.col("window_start").is_in(keep.implode()))


def penny_rows(result: PennyResult) -> tuple[pl.DataFrame, str]:
    """Return the penny-gap table the page shows and its grouping column.

    Example:
        >>> from datetime import date
        >>> from nsm_core.retention import PennySpec
        >>> t = pl.DataFrame({"cohort": [date(2025, 1, 1)], "users": [3]})
        >>> penny_rows(PennyResult(PennySpec(), t, t.clear(), t))[1]
        'cohort'
    """
    if result.spec.segment:
        return result.by_segment, SEGMENT
    return result.by_cohort, "cohort"


def penny_action(spec: PennySpec) -> str:
    """Return the value event as words for captions ("paid", "did order").

    Example:
        >>> penny_action(PennySpec(value_event="order"))
        "did 'order'"
    """
    return "paid" if spec.value_event is None else f"did {spec.value_event!r}"


# Where each view's numbers are written out in full.
DOCS: Final = {
    "cohorts": "docs/definitions/retention.md#cohort",
    "lifecycle": "docs/definitions/retention.md#lifecycle-states",
    "stickiness": "docs/definitions/retention.md#stickiness",
    "penny": "docs/definitions/retention.md#penny-gap",
}
DEFINITIONS: Final = {
    "cohorts": """
- **Cohort**: the users whose *first* start event fell in the same day, Monday week or month
  (UTC). Amplitude and Mixpanel call this the starting event, PostHog the "performed event".
- **Retained in period k**: did the return event in period k (Amplitude *N-day*, Mixpanel
  *On*, PostHog *retention*). **In that period or later**: in k or any later period (Amplitude
  *Unbounded*, Mixpanel *On or after*); it never rises with k.
- **Own start (rolling)**: period k = the k-th 24 h / 7 d / 30 d window after each user's own
  start (Amplitude and Mixpanel default). **Calendar**: whole calendar periods between the
  cohort's period and the activity (PostHog default).
- **Blank cells** are periods a cohort has not fully lived through: the *latest* possible
  joiner of the cohort plus k + 1 periods must lie before the last event. They are left out of
  every average (Amplitude and Mixpanel mark them with an asterisk).
- **Average**: pooled, Σ retained / Σ cohort size over complete cells (Amplitude "All users",
  PostHog "weighted"), with a Wilson 95% interval; every cell has its own in the tooltip.
- **Revenue retention** (Measure: Revenue): revenue of the cohort in period k / in period 0
  (net revenue retention); it exceeds 100% when those who stay spend more. Refunds count as
  negative. It is always the revenue of period k itself ("in k or later" is for users), and
  undefined for a cohort with no period-0 revenue. The average is Σ revenue in k / Σ
  period-0 revenue over the cohorts complete at k; there is no interval.
- **Leaky bucket**: recent cohorts (the last third) vs older ones at period 1, with a
  Newcombe 95% interval on the difference; flagged only when the whole interval is below 0.
  It compares users who came back, also when revenue is shown.
""",
    "lifecycle": """
- **New**: active for the first time in the data. **Retained**: active this period and the
  one before. **Resurrected**: active, not in the period before, but earlier.
  **Dormant**: active in the period before, not in this one (drawn below zero).
- Active = new + retained + resurrected; active − active before = new + resurrected − dormant.
- **Quick ratio** = (new + resurrected) / dormant; above 1 the active base grows ("n/a" when
  nobody went dormant). Amplitude calls this view *Lifecycle* and the ratio *Pulse*; PostHog
  *Lifecycle* (new, returning, resurrecting, dormant); Mixpanel has no built-in equivalent.
""",
    "stickiness": """
- **DAU/MAU**: the mean over days of (users active that day) / (users active in the 30 days
  ending that day); **WAU/MAU** the same with the last 7 days. Only days with a full 30-day
  window and the last complete day count.
- **Power-user curve**: for each calendar month (or week), the share of that period's active
  users by their number of active days (Amplitude and PostHog *Stickiness*, Mixpanel
  *Frequency*). A bump at the right end is a core of daily users.
""",
    "penny": """
- **The penny gap**: the distance between doing the value event once and doing it again.
  *Once* = at least once, *twice* = at least twice (distinct times), per cohort of first
  event. **Came back** = twice / once, with a Wilson 95% interval; the median days from the
  first to the second time. Recent cohorts have had less time to come back.
- Amplitude: a funnel "event → same event again"; Mixpanel: *Frequency* of the event;
  PostHog: *Stickiness* on the event.
""",
}
