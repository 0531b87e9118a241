"""Retention: cohort retention, lifecycle (growth accounting), stickiness, penny gap.

Definitions: docs/definitions/retention.md; each module's docstring states its formulas.
Stage 1 (every event, lazy): `retention_table` / `cohort_retention`, `lifecycle`,
`daily_stickiness`, `power_users`, `penny_users`. Stage 2 (collected, small):
`summarize`, `compare_cohorts`, `penny_table` and the caption functions.
"""

from nsm_core.retention._base import SEGMENT, Available, Unit, as_unit, available
from nsm_core.retention.cohorts import (
    Anchor,
    Kind,
    Measure,
    RetentionSpec,
    cohort_retention,
    retention_table,
)
from nsm_core.retention.leaky import LeakCheck, compare_cohorts, leak_message
from nsm_core.retention.lifecycle import LIFECYCLE_COLUMNS, lifecycle
from nsm_core.retention.penny import (
    PennyResult,
    PennySpec,
    penny_table,
    penny_users,
    summarize_penny,
)
from nsm_core.retention.stickiness import Stickiness, Window, daily_stickiness, power_users
from nsm_core.retention.summary import RetentionResult, summarize

__all__ = [
    "LIFECYCLE_COLUMNS",
    "SEGMENT",
    "Anchor",
    "Available",
    "Kind",
    "LeakCheck",
    "Measure",
    "PennyResult",
    "PennySpec",
    "RetentionResult",
    "RetentionSpec",
    "Stickiness",
    "Unit",
    "Window",
    "as_unit",
    "available",
    "cohort_retention",
    "compare_cohorts",
    "daily_stickiness",
    "leak_message",
    "lifecycle",
    "penny_table",
    "penny_users",
    "power_users",
    "retention_table",
    "summarize",
    "summarize_penny",
]
