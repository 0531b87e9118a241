"""Deterministic sample products with planted, documented ground truth.

`python -m nsm_core.synth` rebuilds sample_data/ byte for byte (fixed seeds). The truths of
each synthetic product (a moment that causes retention, a proxy that only correlates with
it, a neutral event, channels, a leaky onboarding, coupons or seat expansion) are in
`TRUTHS` (read from sample_data/truths.json) and in sample_data/README.md.

Example:
    >>> from nsm_core.synth import TRUTHS
    >>> TRUTHS["meals"].moment.event, TRUTHS["meals"].proxy.ate_pp
    ('save_favorite', 0.0)
"""

from functools import cache
from typing import Any

from nsm_core.samples import SAMPLE_DIR
from nsm_core.synth.build import PRODUCTS, TRUTHS_FILE, build, export_csv
from nsm_core.synth.cdnow import convert as convert_cdnow
from nsm_core.synth.meals_truths import generate as generate_meals
from nsm_core.synth.teams_truths import generate as generate_teams
from nsm_core.synth.truths import (
    Channel,
    Discount,
    Expansion,
    Leak,
    Moment,
    Outcome,
    Truths,
    load_truths,
)

__all__ = [
    "PRODUCTS",
    "TRUTHS",
    "Channel",
    "Discount",
    "Expansion",
    "Leak",
    "Moment",
    "Outcome",
    "Truths",
    "build",
    "convert_cdnow",
    "export_csv",
    "generate_meals",
    "generate_teams",
    "load_truths",
    "truths",
]


@cache
def truths() -> dict[str, Truths]:
    """Return the planted truths of the bundled samples (sample_data/truths.json)."""
    return load_truths(SAMPLE_DIR / TRUTHS_FILE)


def __getattr__(name: str) -> Any:
    """Return `TRUTHS` lazily, so importing the package reads no file."""
    if name == "TRUTHS":
        return truths()
    raise AttributeError(name)
