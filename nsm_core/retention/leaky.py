"""The leaky-bucket check: do recent cohorts keep fewer users early on than older ones?

Over the cohorts whose period-k cell is complete, sorted by cohort: recent = the last
⌈share · n⌉ cohorts (at least one), older = the rest. With pooled rates
p_recent = Σ active / Σ size over recent cohorts (and p_older likewise), the difference
d = p_recent − p_older gets Newcombe's hybrid-score 95% interval. The bucket is flagged
as leaking when the whole interval lies below 0.
"""

import math
from dataclasses import dataclass
from typing import Final

import polars as pl

from nsm_core import fmt
from nsm_core.stats import Estimate, newcombe_interval

MIN_COHORTS: Final = 4
METHOD: Final = "Newcombe hybrid score"
ADJECTIVE: Final = {"day": "daily", "week": "weekly", "month": "monthly"}


@dataclass(frozen=True, slots=True)
class LeakCheck:
    """The comparison behind the callout: cohorts on each side, their rates, the difference."""

    period: int
    recent_cohorts: int
    older_cohorts: int
    recent_rate: float
    older_rate: float
    difference: Estimate

    @property
    def leaking(self) -> bool:
        """True when recent cohorts retain significantly worse (interval below 0)."""
        return self.difference.ci_high < 0


def compare_cohorts(
    matrix: pl.DataFrame, *, period: int = 1, recent_share: float = 1 / 3
) -> LeakCheck | None:
    """Return recent vs older cohorts' pooled retention at `period`; None if under 4 cohorts.

    matrix(cohort, period, cohort_size, active) -> LeakCheck (segments are pooled).

    Example:
        >>> from datetime import date
        >>> m = pl.DataFrame(
        ...     {
        ...         "cohort": [date(2025, 1, d) for d in (6, 13, 20, 27)],
        ...         "period": 1,
        ...         "cohort_size": 200,
        ...         "active": [80, 84, 78, 40],
        ...     }
        ... )
        >>> check = compare_cohorts(m)
        >>> check.recent_cohorts, check.older_cohorts, check.leaking
        (2, 2, True)
    """
    cells = (
        matrix.filter(pl.col("period") == period, pl.col("active").is_not_null())
        .group_by("cohort")
        .agg(pl.col("cohort_size").sum(), pl.col("active").sum())
        .sort("cohort")
    )
    n = cells.height
    if n < MIN_COHORTS:
        return None
    n_recent = max(1, math.ceil(n * recent_share))
    older, recent = cells.head(n - n_recent), cells.tail(n_recent)
    a1, n1 = recent["active"].sum(), recent["cohort_size"].sum()
    a2, n2 = older["active"].sum(), older["cohort_size"].sum()
    low, high = newcombe_interval(a1, n1, a2, n2)
    return LeakCheck(
        period=period,
        recent_cohorts=n_recent,
        older_cohorts=n - n_recent,
        recent_rate=a1 / n1,
        older_rate=a2 / n2,
        difference=Estimate(a1 / n1 - a2 / n2, low, high, int(n1 + n2), METHOD),
    )


def leak_message(check: LeakCheck | None, period: str, unit: str = "user") -> str | None:
    """Return the leaky-bucket callout in words, or None when there is no significant leak.

    Example:
        >>> est = Estimate(-0.09, -0.121, -0.059, 5000, METHOD)
        >>> msg = leak_message(LeakCheck(1, 17, 35, 0.21, 0.30, est), "week")
        >>> msg[:74]
        'Leaky bucket: the 17 most recent weekly cohorts kept 21% of their users in'
        >>> msg[msg.index("against") :][:60]
        'against 30% for the 35 cohorts before them: -9.0 pp (95% CI '
    """
    if check is None or not check.leaking:
        return None
    diff = check.difference.describe("pp", what=f"{unit}s")
    return (
        f"Leaky bucket: the {check.recent_cohorts} most recent {ADJECTIVE[period]} cohorts kept "
        f"{fmt.pct(check.recent_rate)} of their {unit}s in {period} {check.period}, against "
        f"{fmt.pct(check.older_rate)} for the {check.older_cohorts} cohorts before them: {diff}. "
        "Something in onboarding or acquisition changed; split by a segment to find where."
    )
