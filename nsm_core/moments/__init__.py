"""High-value moments: the early actions that cause users to stay and pay, not the proxies.

    from nsm_core import moments
    moments.find_moments(events)                       # DESIGN.md's table
    moments.value_of_moment(events, event="invite")    # stats.Estimate for Scenarios
    moments.find_moments(events, outcome=card.spec)    # the North Star as the outcome
    moments.crm_list(events, table, result, CrmSpec())  # who can still act, in sequence

Stage 1 (`candidates`, lazy polars) reduces events to one row per user; stage 2
(`estimate`, numpy) adjusts each candidate's lift for confounders; `discover` ranks.
"""

from nsm_core.moments import text, units
from nsm_core.moments.action import (
    NOT_REACHED,
    REACHED,
    Tracking,
    experiment_text,
    experiments,
    tracking,
)
from nsm_core.moments.candidates import (
    ACTIVE_DAYS,
    ACTIVITY,
    AUTO_PROPERTIES,
    EARLY_EVENTS,
    MomentSpec,
    Outcome,
    UserTable,
    user_table,
)
from nsm_core.moments.crm import CrmList, CrmSpec, crm_list
from nsm_core.moments.discover import (
    COLUMNS,
    MomentsResult,
    analyse,
    discover,
    find_moments,
    moment_label,
)
from nsm_core.moments.scores import DRIVER, HARMFUL, NO_EFFECT, NOT_ENOUGH, PROXY, VERDICTS
from nsm_core.moments.segments import segment_lifts, top_moments
from nsm_core.moments.spec import OUTCOMES, north_star_problem
from nsm_core.moments.value import value_of_moment

__all__ = [
    "ACTIVE_DAYS",
    "ACTIVITY",
    "AUTO_PROPERTIES",
    "COLUMNS",
    "DRIVER",
    "EARLY_EVENTS",
    "HARMFUL",
    "NOT_ENOUGH",
    "NOT_REACHED",
    "NO_EFFECT",
    "OUTCOMES",
    "PROXY",
    "REACHED",
    "VERDICTS",
    "CrmList",
    "CrmSpec",
    "MomentSpec",
    "MomentsResult",
    "Outcome",
    "Tracking",
    "UserTable",
    "analyse",
    "crm_list",
    "discover",
    "experiment_text",
    "experiments",
    "find_moments",
    "moment_label",
    "north_star_problem",
    "segment_lifts",
    "text",
    "top_moments",
    "tracking",
    "units",
    "user_table",
    "value_of_moment",
]
