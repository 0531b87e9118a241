"""Retention: cohort retention, lifecycle (growth accounting), stickiness, penny gap.

Definitions follow SEMANTICS.md §1–5; each module's docstring states its formulas.
"""

from nsm_core.retention._base import Unit, as_unit
from nsm_core.retention.cohorts import (
    Anchor,
    Kind,
    Measure,
    RetentionSpec,
    cohort_retention,
    retention_table,
)
from nsm_core.retention.lifecycle import LIFECYCLE_COLUMNS, lifecycle

__all__ = [
    "LIFECYCLE_COLUMNS",
    "Anchor",
    "Kind",
    "Measure",
    "RetentionSpec",
    "Unit",
    "as_unit",
    "cohort_retention",
    "lifecycle",
    "retention_table",
]
