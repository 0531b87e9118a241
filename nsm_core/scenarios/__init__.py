"""Revenue scenarios: compare plans with and without high-value moments, and how sure we are.

`compare(scenarios, months)` is the DESIGN.md entry point; `monthly` gives the series,
`band`, `simulate` and `sensitivity` the uncertainty, `to_json`/`to_token` the sharing.
"""

from nsm_core.scenarios.model import (
    MAX_MONTHS,
    MAX_SCENARIOS,
    PRESETS,
    Plan,
    Preset,
    Scenario,
    check,
    compare,
    monthly,
    reference_value,
    with_value,
)
from nsm_core.scenarios.share import (
    from_frame,
    from_json,
    from_token,
    to_frame,
    to_json,
    to_token,
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
    moment_options,
    simulation_caption,
    tornado_caption,
)

__all__ = [
    "INPUT_LABELS",
    "MAX_MONTHS",
    "MAX_SCENARIOS",
    "PRESETS",
    "Plan",
    "Preset",
    "Scenario",
    "SensitivitySpec",
    "SimulationResult",
    "SimulationSpec",
    "band",
    "band_table",
    "check",
    "compare",
    "comparison_caption",
    "comparison_table",
    "from_frame",
    "from_json",
    "from_token",
    "moment_options",
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
    "with_value",
]
