"""The workshop's scoring matrix: criteria, suggested scores, weights, votes, live ranking.

Scores are 1 (poor) to 5 (excellent) per candidate and criterion. The data suggests three
of them (reflects customer value, leads revenue, not vanity) and two more from the spec
(measurable often, understandable); the facilitator overrides any, sets the weights and
enters votes. score(c) = Σ_k w_k s_ck / Σ_k w_k over the criteria k with a score.
"""

import json
import math
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from nsm_core import fmt
from nsm_core.metrics import MetricSpec
from nsm_core.workshop.review import CandidateReview, sequencing_hint

CRITERIA: Final = (
    "Reflects customer value",
    "Leads revenue",
    "Actionable by teams",
    "Understandable",
    "Measurable often",
    "Not vanity",
)
CANDIDATE: Final = "Candidate"
VOTES: Final = "Votes"
_VALUE_SCORE: Final = {"strong": 5, "moderate": 4, "weak": 2, "none": 1, "n/a": 3}
_PLAIN: Final = {"distinct_users": 4, "events": 4, "revenue": 4, "users_reaching": 3}


def _revenue_score(review: CandidateReview) -> int:
    est = review.evidence.revenue_lift
    if est is None:
        return 3
    return 4 if est.ci_low > 0 else 2 if est.value > 0 else 1


def _often_score(review: CandidateReview) -> int:
    base = 3 if review.spec.grain == "month" else 5
    steady = review.sensitivity is not None and 0.01 <= review.sensitivity <= 0.5
    return base if steady else base - 1


def suggested_scores(reviews: tuple[CandidateReview, ...]) -> pl.DataFrame:
    """Return the starting matrix: one row per candidate, a 1..5 column per criterion, votes 0.

    Reflects customer value: strong 5, moderate 4, weak 2, none 1 (unknown 3). Leads revenue:
    4 when the adjusted revenue lift's CI is above 0, 2 when positive but uncertain, else 1.
    Actionable: 4 for a named behaviour, 2 for "any event". Understandable: 4 counts and
    sums, 3 thresholds, 2 ratios and days-to-value. Measurable often: 5 daily/weekly, 3
    monthly, −1 when flat or noisy. Not vanity: 5 − 2 per vanity flag, at least 1.
    """
    rows = [
        {
            CANDIDATE: r.spec.name,
            "Reflects customer value": _VALUE_SCORE[r.rating],
            "Leads revenue": _revenue_score(r),
            "Actionable by teams": 4 if r.spec.events else 2,
            "Understandable": 2 if r.spec.per_user else _PLAIN.get(r.spec.aggregation, 2),
            "Measurable often": _often_score(r),
            "Not vanity": max(1, 5 - 2 * len(r.flags)),
            VOTES: 0,
        }
        for r in reviews
    ]
    schema = {CANDIDATE: pl.String, **dict.fromkeys(CRITERIA, pl.Int64), VOTES: pl.Int64}
    return pl.DataFrame(rows, schema=schema)


def default_weights() -> pl.DataFrame:
    """Return equal weights (1.0) for every criterion.

    Example:
        >>> default_weights().height
        6
    """
    return pl.DataFrame({"Criterion": list(CRITERIA), "Weight": [1.0] * len(CRITERIA)})


def rank(scores: pl.DataFrame, weights: pl.DataFrame) -> pl.DataFrame:
    """Return the candidates ranked by weighted score, ties broken by votes.

    scores(Candidate, <criteria> 1..5, Votes), weights(Criterion, Weight ≥ 0)
      -> (Rank, Candidate, Score, Votes). Scores are clipped to 1..5; a missing score
    leaves that criterion out of that candidate's mean; negative weights count as 0.

    Example:
        >>> s = suggested_scores(()).vstack(
        ...     pl.DataFrame(
        ...         [["A", 5, 5, 5, 5, 5, 1, 0], ["B", 3, 3, 3, 3, 3, 3, 2]],
        ...         schema=suggested_scores(()).schema,
        ...         orient="row",
        ...     )
        ... )
        >>> w = default_weights().with_columns(Weight=pl.Series([1.0, 0, 0, 0, 0, 4]))
        >>> rank(s, w).rows()
        [(1, 'B', 3.0, 2), (2, 'A', 1.8, 0)]
    """
    w = dict(weights.select("Criterion", pl.col("Weight").fill_null(0).clip(0)).iter_rows())
    total = pl.sum_horizontal(
        pl.col(c).cast(pl.Float64).clip(1, 5) * w.get(c, 0.0) for c in CRITERIA
    )
    weight = pl.sum_horizontal(pl.col(c).is_not_null() * w.get(c, 0.0) for c in CRITERIA)
    return (
        scores.with_columns(
            Score=pl.when(weight > 0).then(total / weight).round(2),
            Votes=pl.col(VOTES).fill_null(0).cast(pl.Int64),
        )
        .sort(["Score", VOTES, CANDIDATE], descending=[True, True, False], nulls_last=True)
        .with_row_index("Rank", offset=1)
        .select(pl.col("Rank").cast(pl.Int64), CANDIDATE, "Score", VOTES)
    )


def apply_saved(suggested: pl.DataFrame, saved: tuple[tuple[object, ...], ...]) -> pl.DataFrame:
    """Return the suggested matrix with each candidate's row replaced by its saved edits.

    saved: rows (Candidate, criteria..., Votes) as the facilitator left them; rows of
    candidates no longer in `suggested` are ignored, new candidates keep the suggestion.

    Example:
        >>> s = suggested_scores(()).vstack(
        ...     pl.DataFrame(
        ...         [["A", 3, 3, 3, 3, 3, 3, 0]], schema=suggested_scores(()).schema, orient="row"
        ...     )
        ... )
        >>> apply_saved(s, (("A", 5, 5, 5, 5, 5, 5, 7), ("Gone", 1, 1, 1, 1, 1, 1, 1))).row(0)
        ('A', 5, 5, 5, 5, 5, 5, 7)
    """
    if not saved:
        return suggested
    edits = pl.DataFrame(list(saved), schema=suggested.columns, orient="row")
    edits = edits.cast(suggested.schema, strict=False)
    return suggested.update(edits, on=CANDIDATE, how="left", include_nulls=True)


def weights_from(saved: tuple[tuple[str, float], ...]) -> pl.DataFrame:
    """Return the weights table: the saved weights, equal weights for criteria not saved.

    Example:
        >>> weights_from((("Leads revenue", 3.0),)).row(1)
        ('Leads revenue', 3.0)
    """
    given = dict(saved)
    return default_weights().with_columns(
        pl.col("Criterion")
        .replace_strict(given, default=1.0, return_dtype=pl.Float64)
        .alias("Weight")
    )


@dataclass(frozen=True, slots=True)
class WorkshopResult:
    """What a workshop session decided: candidates' reviews, the matrix, weights, ranking."""

    reviews: tuple[CandidateReview, ...]
    scores: pl.DataFrame
    weights: pl.DataFrame
    ranking: pl.DataFrame
    hint: str


def _estimate(est: Any) -> dict[str, Any] | None:
    if est is None:
        return None
    keys = ("value", "ci_low", "ci_high", "n", "method", "confidence")
    values = {k: getattr(est, k) for k in keys}
    # JSON has no NaN: an undefined correlation (a constant column) is written as null.
    return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in values.items()}


def _review_dict(r: CandidateReview) -> dict[str, Any]:
    ev = r.evidence
    return {
        "spec": r.spec.to_dict(),
        "rating": r.rating,
        "units": ev.n,
        "achievers": ev.achievers,
        "rho_retention": _estimate(ev.rho_retention),
        "rho_revenue": _estimate(ev.rho_revenue),
        "raw_retention_lift": _estimate(ev.raw_lift),
        "adjusted_retention_lift": _estimate(ev.adjusted_lift),
        "adjusted_revenue_lift": _estimate(ev.revenue_lift),
        "sensitivity": r.sensitivity,
        "flags": list(r.flags),
    }


def result_json(result: WorkshopResult) -> str:
    """Return the session's result as JSON: candidates with their checks, matrix, ranking."""
    data = {
        "format": "north-star-lab/workshop",
        "hint": result.hint,
        "candidates": [_review_dict(r) for r in result.reviews],
        "weights": result.weights.to_dicts(),
        "scores": result.scores.to_dicts(),
        "ranking": result.ranking.to_dicts(),
    }
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False, default=str)


def _table(frame: pl.DataFrame) -> list[str]:
    head = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "---|" * frame.width
    body = [
        "| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |" for row in frame.rows()
    ]
    return [head, rule, *body]


def _review_lines(r: CandidateReview) -> list[str]:
    ev = r.evidence
    lines = [f"### {r.spec.name}", "", f"- Rating: **{r.rating}**"]
    if ev.adjusted_lift is not None:
        lines.append(f"- Adjusted retention lift: {ev.adjusted_lift.describe('pp')}")
    lines.append(f"- Rank correlation with retention: {ev.rho_retention.describe('number')}")
    if ev.revenue_lift is not None:
        lines.append(f"- Adjusted revenue lift: {ev.revenue_lift.describe('money')}")
    lines.append(f"- Week-to-week change (median): {fmt.pct(r.sensitivity, 1)}")
    lines += [f"- Flag: {flag}" for flag in r.flags]
    return [*lines, ""]


def result_markdown(result: WorkshopResult) -> str:
    """Return the session's result as a Markdown report: ranking, hint, checks, matrix."""
    lines = ["# North Star workshop", "", "## Ranking", "", *_table(result.ranking), ""]
    lines += ["## Sequencing", "", result.hint, "", "## Candidates", ""]
    for review in result.reviews:
        lines += _review_lines(review)
    lines += [
        "## Scores",
        "",
        *_table(result.scores),
        "",
        "## Weights",
        "",
        *_table(result.weights),
    ]
    return "\n".join(lines) + "\n"


def workshop_result(
    reviews: tuple[CandidateReview, ...],
    scores: pl.DataFrame,
    weights: pl.DataFrame,
    summary: Any,
) -> WorkshopResult:
    """Return the session's result: the ranking of `scores` under `weights` and the hint."""
    return WorkshopResult(
        reviews, scores, weights, rank(scores, weights), sequencing_hint(summary, reviews)
    )


def winner(result: WorkshopResult) -> MetricSpec | None:
    """Return the spec of the top-ranked candidate (None when nothing is ranked)."""
    if result.ranking.is_empty():
        return None
    top = result.ranking.get_column(CANDIDATE)[0]
    return next((r.spec for r in result.reviews if r.spec.name == top), None)
