"""A candidate's review: evidence, week-to-week sensitivity, vanity flags, rating, sequencing.

`review_candidate` runs the data checks of nsm_core.workshop.checks on one candidate and
turns them into what a workshop discusses: a rating of how well its early value leads
retention beyond general activity, flags for vanity metrics, and a plain caption.
"""

import re
from dataclasses import dataclass
from typing import Final, Literal, TypeAlias

import numpy as np
import polars as pl

from nsm_core import fmt
from nsm_core.metrics import MetricSpec
from nsm_core.overview import DatasetSummary
from nsm_core.workshop.checks import CheckSpec, Evidence, evidence, unit_table, weekly_sensitivity

Rating: TypeAlias = Literal["strong", "moderate", "weak", "none", "n/a"]
# Bands of the adjusted retention lift, in percentage points (like Amplitude's phi bands,
# a reading aid: the CI decides "none").
STRONG_PP: Final = 15.0
MODERATE_PP: Final = 5.0
RATING_ORDER: Final[dict[Rating, int]] = {
    "n/a": 0,
    "none": 1,
    "weak": 2,
    "moderate": 3,
    "strong": 4,
}
CUMULATIVE: Final = re.compile(r"cumulative|total|all[- ]time|lifetime|to date|since launch", re.I)
VIEWS: Final = re.compile(r"view|open|visit|session|impression|screen|page", re.I)
TOP_SHARE_FLAG: Final = 0.2
EVERYONE_SHARE: Final = 0.95
FLAT: Final = 0.01
NOISY: Final = 0.5


@dataclass(frozen=True, slots=True)
class CandidateReview:
    """Everything a workshop sees about one candidate.

    weekly: its weekly series (period_start, value, complete); sensitivity: median
    |week-over-week change| of the last 12 complete weeks; top_share: share of the metric's
    volume that comes from the top 1% of units (volume metrics only).
    """

    spec: MetricSpec
    evidence: Evidence
    weekly: pl.DataFrame
    sensitivity: float | None
    top_share: float | None
    flags: tuple[str, ...]
    rating: Rating
    warnings: tuple[str, ...] = ()


def rating(lift: Evidence) -> Rating:
    """Return how strongly early value leads retention, from the adjusted lift.

    none: the CI includes 0 or the lift is ≤ 0; then weak < 5 pp ≤ moderate < 15 pp ≤ strong.
    """
    est = lift.adjusted_lift
    if est is None:
        return "n/a"
    if est.ci_low <= 0:
        return "none"
    pp = est.value * 100
    return "strong" if pp >= STRONG_PP else "moderate" if pp >= MODERATE_PP else "weak"


def top_share(volume: np.ndarray, top: float = 0.01) -> float | None:
    """Return the share of total volume held by the top `top` fraction of units.

    Example:
        >>> top_share(np.array([99.0] + [1.0] * 99))
        0.5
    """
    total = float(volume.sum())
    if total <= 0 or volume.size == 0:
        return None
    k = max(1, int(np.ceil(volume.size * top)))
    return float(np.sort(volume)[-k:].sum()) / total


def _only_goes_up(weekly: pl.DataFrame) -> bool:
    values = weekly.filter(pl.col("complete")).get_column("value").drop_nulls()
    diffs = values.diff().drop_nulls()
    return values.len() >= 8 and bool((diffs >= 0).all()) and values[-1] > values[0]


def _volume_flags(spec: MetricSpec, share: float | None) -> list[str]:
    if spec.aggregation not in ("events", "property_sum") or spec.per_user:
        return []
    flags = []
    if not spec.events and not spec.filters:
        flags.append("Counts every event: raw volume, which grows with clicks, not with value.")
    elif spec.events and all(VIEWS.search(e) for e in spec.events):
        flags.append("Counts raw views or opens: attention, not value received.")
    if share is not None and share > TOP_SHARE_FLAG:
        flags.append(
            f"The top 1% of units make {fmt.pct(share)} of it: it rises with a few heavy "
            "users (or spam, bots) sending more, not with more customers getting value."
        )
    return flags


def vanity_flags(
    spec: MetricSpec, ev: Evidence, weekly: pl.DataFrame, share: float | None
) -> tuple[str, ...]:
    """Return the reasons a candidate looks like a vanity metric (empty when none)."""
    flags = []
    if CUMULATIVE.search(spec.name):
        flags.append("Named like a running total: totals only go up and cannot show a bad week.")
    elif _only_goes_up(weekly):
        flags.append("It has only ever gone up week after week: check it is not a running total.")
    flags += _volume_flags(spec, share)
    if ev.n and ev.achievers / ev.n >= EVERYONE_SHARE:
        flags.append(
            "Almost every new unit counts in its first week, so it cannot tell those who "
            "get value from those who do not."
        )
    if ev.adjusted_lift is not None and ev.adjusted_lift.ci_low <= 0:
        flags.append("Reaching it early does not lead retention beyond general activity.")
    return tuple(flags)


def _warnings(ev: Evidence, sensitivity: float | None) -> tuple[str, ...]:
    out = []
    if ev.n < 100:
        out.append(
            f"Only {fmt.count(ev.n)} units are old enough to check retention: read with care."
        )
    if ev.adjusted_lift is not None and ev.coverage < 0.8:
        out.append(f"The adjusted lift covers {fmt.pct(ev.coverage)} of units (thin strata).")
    if sensitivity is not None and sensitivity < FLAT:
        out.append("It barely moves week to week: teams will not see their work in it.")
    if sensitivity is not None and sensitivity > NOISY:
        out.append("It swings by over half week to week: real changes will hide in the noise.")
    return tuple(out)


DEFAULT_CHECK: Final = CheckSpec()


def review_candidate(
    events: pl.LazyFrame | pl.DataFrame, spec: MetricSpec, check: CheckSpec = DEFAULT_CHECK
) -> CandidateReview:
    """Return the data checks of one candidate metric on `events` (see CandidateReview).

    Raises:
        DataError: the spec needs a column the events do not have.
    """
    units = unit_table(events, spec, check).collect()
    ev = evidence(units, spec, check)
    weekly, sensitivity = weekly_sensitivity(events, spec)
    share = top_share(units.get_column("volume").to_numpy())
    return CandidateReview(
        spec=spec,
        evidence=ev,
        weekly=weekly,
        sensitivity=sensitivity,
        top_share=share,
        flags=vanity_flags(spec, ev, weekly, share),
        rating=rating(ev),
        warnings=_warnings(ev, sensitivity),
    )


def caption(review: CandidateReview) -> str:
    """Return the candidate's evidence in one or two plain sentences."""
    ev, who = review.evidence, "teams" if review.spec.entity == "account" else "users"
    if ev.adjusted_lift is None:
        return (
            f"Of {fmt.count(ev.n)} {who} old enough to judge, {fmt.count(ev.achievers)} reached "
            "it in their first week: no comparison group, so no lift can be estimated."
        )
    return (
        f"Of {fmt.count(ev.n)} {who} old enough to judge, {fmt.count(ev.achievers)} reached it in "
        f"their first week. Compared with {who} from the same channel who were as active that "
        f"week (days and events), they were retained {ev.adjusted_lift.describe('pp', who)}."
    )


def sequencing_hint(summary: DatasetSummary, reviews: tuple[CandidateReview, ...]) -> str:
    """Return whether to start with an engagement or a revenue North Star, and why.

    Engagement first when under 20% of users pay or the data covers under 6 months (an
    early-stage product: usage leads, money follows); otherwise a revenue-adjacent candidate
    is viable if one leads retention.
    """
    paying = summary.paying_users / summary.users if summary.users else 0.0
    months = summary.days / 30.4
    facts = f"{fmt.pct(paying)} of users pay and the data covers {fmt.num(months, 1)} months"
    if paying < 0.2 or months < 6:
        return (
            f"Engagement first: {facts}. Pick a usage North Star that leads retention now, "
            "and move to a revenue-adjacent one once it is shown to lead revenue too."
        )
    money = [r for r in reviews if r.spec.kind in ("revenue-adjacent", "marketplace")]
    leading = [r.spec.name for r in money if r.rating in ("strong", "moderate")]
    if leading:
        return f"Revenue is viable: {facts}, and {', '.join(leading)} also leads retention."
    return (
        f"{facts}, but no revenue-adjacent candidate leads retention yet: keep an engagement "
        "North Star and track revenue as a guardrail."
    )
