"""Revenue scenarios: compare plans with and without high-value moments, and how sure we are.

`compare(scenarios, months)` is the published entry point (docs/architecture.md#public-api);
`monthly` gives the series, `band`, `simulate` and `sensitivity` the uncertainty,
`to_json`/`to_token` the sharing; `value` says which value per moment is used and where it came
from, `base_revenue` what the data earn a month today.
"""

from nsm_core.scenarios import value
from nsm_core.scenarios.base import BaseRevenue, base_revenue
from nsm_core.scenarios.model import (
    MAX_MONTHS,
    MAX_SCENARIOS,
    MAX_THRESHOLD,
    MAX_WINDOW,
    PRESETS,
    VALUE_MODES,
    Plan,
    Preset,
    Scenario,
    Valuation,
    ValueMode,
    check,
    compare,
    monthly,
    reference_value,
    with_base,
    with_value,
)
from nsm_core.scenarios.share import (
    from_frame,
    from_json,
    from_token,
    to_frame,
    to_json,
    to_token,
    value_column,
)
from nsm_core.scenarios.uncertainty import (
    INPUT_LABELS,
    SensitivitySpec,
    SimulationResult,
    SimulationSpec,
    band,
    sensitivity,
    simulate,
    typed_value,
)
from nsm_core.scenarios.words import (
    band_table,
    comparison_caption,
    comparison_table,
    simulation_caption,
    tornado_caption,
)

__all__ = [
    "INPUT_LABELS",
    "MAX_MONTHS",
    "MAX_SCENARIOS",
    "MAX_THRESHOLD",
    "MAX_WINDOW",
    "PRESETS",
    "VALUE_MODES",
    "BaseRevenue",
    "Plan",
    "Preset",
    "Scenario",
    "SensitivitySpec",
    "SimulationResult",
    "SimulationSpec",
    "Valuation",
    "ValueMode",
    "band",
    "band_table",
    "base_revenue",
    "check",
    "compare",
    "comparison_caption",
    "comparison_table",
    "from_frame",
    "from_json",
    "from_token",
    "monthly",
    "reference_value",
    "sensitivity",
    "simulate",
    "simulation_caption",
    "to_frame",
    "to_json",
    "to_token",
    "tornado_caption",
    "typed_value",
    "value",
    "value_column",
    "with_base",
    "with_value",
]
