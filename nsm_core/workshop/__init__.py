"""Workshop mode: candidate North Stars checked on the team's data, scored and ranked."""

from nsm_core.workshop.checks import CheckSpec, Evidence, evidence, unit_table
from nsm_core.workshop.review import (
    CandidateReview,
    caption,
    rating,
    review_candidate,
    sequencing_hint,
    vanity_flags,
)
from nsm_core.workshop.scoring import (
    CRITERIA,
    WorkshopResult,
    default_weights,
    rank,
    result_json,
    result_markdown,
    suggested_scores,
    workshop_result,
)

__all__ = [
    "CRITERIA",
    "CandidateReview",
    "CheckSpec",
    "Evidence",
    "WorkshopResult",
    "caption",
    "default_weights",
    "evidence",
    "rank",
    "rating",
    "result_json",
    "result_markdown",
    "review_candidate",
    "sequencing_hint",
    "suggested_scores",
    "unit_table",
    "vanity_flags",
    "workshop_result",
]
