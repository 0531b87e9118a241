"""Business health: a scorecard of metric families and guardrails with red/amber/green states.

`tables(events, signals)` is stage 1; `scorecard(tables, econ)` and
`guardrail_series(tables, econ, margin_months(...))` are stage 2; `evaluate` gives a
guardrail's state for the limit the user set.
"""

from nsm_core.health.guardrails import (
    GUARDRAILS,
    Guardrail,
    GuardrailInfo,
    GuardrailKey,
    GuardrailStatus,
    attach,
    card_guardrail,
    classify,
    default_guardrails,
    evaluate,
    slope,
)
from nsm_core.health.model import FAMILY_TITLES, Family, Reading, Scorecard, show
from nsm_core.health.scorecard import (
    HealthTables,
    guardrail_series,
    margin_months,
    scorecard,
    tables,
)
from nsm_core.health.signals import (
    SIGNAL_TITLES,
    SignalKey,
    Signals,
    detect,
    numeric_properties,
)
from nsm_core.health.words import (
    as_of_caption,
    badge,
    delta,
    missing_families,
    reading_help,
    status_table,
)

__all__ = [
    "FAMILY_TITLES",
    "GUARDRAILS",
    "SIGNAL_TITLES",
    "Family",
    "Guardrail",
    "GuardrailInfo",
    "GuardrailKey",
    "GuardrailStatus",
    "HealthTables",
    "Reading",
    "Scorecard",
    "SignalKey",
    "Signals",
    "as_of_caption",
    "attach",
    "badge",
    "card_guardrail",
    "classify",
    "default_guardrails",
    "delta",
    "detect",
    "evaluate",
    "guardrail_series",
    "margin_months",
    "missing_families",
    "numeric_properties",
    "reading_help",
    "scorecard",
    "show",
    "slope",
    "status_table",
    "tables",
]
