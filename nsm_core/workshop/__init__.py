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
    apply_saved,
    default_weights,
    rank,
    result_json,
    result_markdown,
    suggested_scores,
    weights_from,
    winner,
    workshop_result,
)
from nsm_core.workshop.suggest import USAGE_SPEC, event_usage, first_screen, repeats
from nsm_core.workshop.tables import evidence_table, weekly_series

__all__ = [
    "CRITERIA",
    "USAGE_SPEC",
    "CandidateReview",
    "CheckSpec",
    "Evidence",
    "WorkshopResult",
    "apply_saved",
    "caption",
    "default_weights",
    "event_usage",
    "evidence",
    "evidence_table",
    "first_screen",
    "rank",
    "rating",
    "repeats",
    "result_json",
    "result_markdown",
    "review_candidate",
    "sequencing_hint",
    "suggested_scores",
    "unit_table",
    "vanity_flags",
    "weekly_series",
    "weights_from",
    "winner",
    "workshop_result",
]
