"""Display shaping for the Retention page: which rows a chart or table shows, and words.

Pages never touch polars; these functions pick and reshape the small collected results.
"""

import polars as pl

from nsm_core import fmt
from nsm_core._types import Period
from nsm_core.retention._base import SEGMENT
from nsm_core.retention.summary import RetentionResult


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


def matrix_for(result: RetentionResult, value: str | None = None) -> pl.DataFrame:
    """Return the matrix rows of one segment value (all rows without a split).

    Example:
        >>> from nsm_core.retention import RetentionSpec
        >>> m = pl.DataFrame({"segment": ["a", "b"], "period": [0, 0]})
        >>> matrix_for(RetentionResult(RetentionSpec(segment="x"), m, m, m), "b").height
        1
    """
    if value is None or not result.spec.segment:
        return result.matrix
    return result.matrix.filter(pl.col(SEGMENT) == value)


def curve_lines(result: RetentionResult) -> tuple[pl.DataFrame, str]:
    """Return the thin lines of the curve chart and what they are ("cohort" or "segment").

    With a split, one line per segment value (its pooled average); else one per cohort.

    Example:
        >>> from datetime import date
        >>> from nsm_core.retention import RetentionSpec
        >>> m = pl.DataFrame({"cohort": [date(2025, 1, 6)], "period": [1], "rate": [0.4]})
        >>> curve_lines(RetentionResult(RetentionSpec(), m, m, m.clear()))[0].rows()
        [('6 Jan 2025', 1, 0.4)]
    """
    if result.spec.segment:
        return result.segments.select(SEGMENT, "period", "rate"), SEGMENT
    lines = result.matrix.drop_nulls("rate").select(
        pl.col("cohort").dt.strftime("%-d %b %Y"), "period", "rate"
    )
    return lines, "cohort"


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
