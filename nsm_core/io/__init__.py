"""Read event files into the canonical schema: formats, presets, column mapping, cleaning.

The only package that touches files. `load_events` returns a lazy plan, `load` the
collected events with their quality report (`_load`); `_read` opens, decodes and reads
CSV, TSV, parquet and JSON Lines; `_flatten` lifts nested properties to columns;
`_columns` finds the column of each role; `_spend` reads the marketing spend table.
"""

from nsm_core.io._columns import ALIASES, PRESETS, Preset, detect_columns
from nsm_core.io._load import SAMPLE_ROWS, Loaded, load, load_events, read_columns
from nsm_core.io._read import FORMATS, Format, infer_format
from nsm_core.io._spend import SPEND_ALIASES, load_spend

__all__ = [
    "ALIASES",
    "FORMATS",
    "PRESETS",
    "SAMPLE_ROWS",
    "SPEND_ALIASES",
    "Format",
    "Loaded",
    "Preset",
    "detect_columns",
    "infer_format",
    "load",
    "load_events",
    "load_spend",
    "read_columns",
]
