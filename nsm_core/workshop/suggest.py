"""Workshop candidates from the data's own events, and the ones its first screen compares.

From each user's first 7 days (`moments.user_table`, users observed through day 35), for
every event E and k in {1, repeat_threshold(median count among users who did E)}:
reach = share of users who did E at least k times; phi = the correlation of "did E ≥ k
times" with retained (any event on days 8–35), what Amplitude Compass and Mixpanel Signal
rank by. The first screen compares two North Star templates that name the product's own
events (a role, then a filter, before the generic active-user ones), then the three events
whose best k has the largest phi, among those reached by 5% to 90% of users (the checks
cannot tell about an early value almost everyone or almost no one reaches), leaving out
views and opens (vanity) and, at k = 1, the events the two templates already count.
"""

from collections.abc import Sequence
from typing import Final

import numpy as np
import polars as pl

from nsm_core.metrics import MetricSpec, TemplateFit, event_metric
from nsm_core.moments import MomentSpec, UserTable
from nsm_core.workshop.review import VIEWS

# What the usage table is measured on: counts in the first 7 days, nothing adjusted.
USAGE_SPEC: Final = MomentSpec(thresholds=(1,), confounders=())
REACH: Final = (0.05, 0.9)
TEMPLATES_SHOWN: Final = 2
EVENTS_SHOWN: Final = 3
FEWEST: Final = 3
_USAGE_SCHEMA: Final = {
    "event": pl.String,
    "threshold": pl.Int64,
    "reach": pl.Float64,
    "phi": pl.Float64,
}


def repeat_threshold(median: float) -> int:
    """Return an event's "often" threshold: its median count rounded down to 2, 5, 10, 20, 50.

    Example:
        >>> [repeat_threshold(m) for m in (1, 2.5, 8, 20, 38, 140)]
        [2, 2, 5, 20, 20, 100]
    """
    steps = [k * 10**p for p in range(7) for k in (1, 2, 5) if k * 10**p >= 2]
    return max([2, *(s for s in steps if s <= median)])


def _phi(treated: np.ndarray, y: np.ndarray) -> float:
    """Return the Pearson correlation of a 0/1 moment with the outcome (NaN if constant)."""
    if treated.all() or not treated.any() or np.ptp(y) == 0:
        return float("nan")
    return float(np.corrcoef(treated.astype(np.float64), y)[0, 1])


def event_usage(table: UserTable | None) -> pl.DataFrame:
    """Return (event, threshold, reach, phi) per event and k of the eligible users.

    Rows for k = 1 and k = repeat_threshold(median first-week count among users who did it);
    no rows when there is no table (no user is observed long enough).
    """
    if table is None:
        return pl.DataFrame(schema=_USAGE_SCHEMA)
    counts, y = table.counts[table.eligible], table.y[table.eligible]
    rows = []
    for j, event in enumerate(table.events):
        did = counts[:, j]
        median = float(np.median(did[did > 0])) if (did > 0).any() else 1.0
        for k in (1, repeat_threshold(median)):
            treated = did >= k
            rows.append((event, k, float(treated.mean()), _phi(treated, y)))
    return pl.DataFrame(rows, schema=_USAGE_SCHEMA, orient="row")


def repeats(usage: pl.DataFrame) -> dict[str, int]:
    """Return each event's "often" threshold (its k above 1 in the usage table).

    Example:
        >>> usage = pl.DataFrame({"event": ["a", "a"], "threshold": [1, 5]})
        >>> repeats(usage)
        {'a': 5}
    """
    often = usage.filter(pl.col("threshold") > 1)
    return dict(often.select("event", "threshold").iter_rows())


def _specific_first(fits: Sequence[TemplateFit]) -> list[MetricSpec]:
    """Return the fitting North Star templates, the most specific to the data first.

    Those counting the data's own events (a role), then those with a filter (paid events),
    then the generic active users; registry order within each.
    """
    stars = [f for f in fits if f.ok and f.spec is not None and f.template.focus == "north_star"]
    order = sorted(
        range(len(stars)),
        key=lambda i: (not stars[i].template.roles, not stars[i].template.spec.filters, i),
    )
    return [stars[i].spec for i in order]


def event_picks(usage: pl.DataFrame, counted: set[str], top: int = EVENTS_SHOWN) -> pl.DataFrame:
    """Return the `top` events (each at its best k) whose early use goes most with staying.

    Leaves out reach outside REACH, views and opens, and k = 1 of the `counted` events.

    Example:
        >>> usage = pl.DataFrame(
        ...     {
        ...         "event": ["open", "tip", "tip", "order", "order", "rare"],
        ...         "threshold": [1, 1, 2, 1, 2, 1],
        ...         "reach": [0.5, 0.3, 0.1, 0.5, 0.2, 0.01],
        ...         "phi": [0.4, 0.2, 0.25, 0.3, 0.1, 0.5],
        ...     }
        ... )
        >>> event_picks(usage, {"order"}).rows()
        [('tip', 2), ('order', 2)]
    """
    low, high = REACH
    return (
        usage.filter(
            pl.col("reach").is_between(low, high),
            pl.col("phi").is_not_nan(),
            ~pl.col("event").str.contains(f"(?i){VIEWS.pattern}"),
            ~(pl.col("event").is_in(list(counted)) & (pl.col("threshold") == 1)),
        )
        .sort(["phi", "event", "threshold"], descending=[True, False, False])
        .unique("event", keep="first", maintain_order=True)
        .head(top)
        .select("event", "threshold")
    )


def first_screen(fits: Sequence[TemplateFit], usage: pl.DataFrame) -> tuple[MetricSpec, ...]:
    """Return the candidates a workshop compares first (see the module), at least FEWEST.

    Two specific North Star templates, then the event picks, then other templates as needed.
    """
    stars = _specific_first(fits)
    chosen = stars[:TEMPLATES_SHOWN]
    counted = {e for spec in chosen for e in spec.events}
    picks = [event_metric(e, k) for e, k in event_picks(usage, counted).iter_rows()]
    spare = stars[TEMPLATES_SHOWN:][: max(0, FEWEST - len(chosen) - len(picks))]
    return (*chosen, *picks, *spare)
