"""The money value of one more user reaching a moment, for the Scenarios page."""

import polars as pl

from nsm_core import stats
from nsm_core.moments.candidates import MomentSpec, user_table
from nsm_core.moments.discover import discover
from nsm_core.moments.estimate import METHOD
from nsm_core.schema import DataError


def value_of_moment(
    events: pl.LazyFrame | pl.DataFrame,
    *,
    event: str,
    threshold: int = 1,
    window_days: int = 7,
    outcome_window: tuple[int, int] = (8, 35),
) -> stats.Estimate:
    """Return the adjusted revenue lift per user who reaches the moment, with its 95% CI.

    value = Σ_s n_s (r̄1s − r̄0s) / Σ_s n_s: revenue per user in own days a..b of those who did
    `event` ≥ `threshold` times in their first `window_days` days, minus those who did not,
    within propensity strata (acquisition properties and early activity as confounders).
    n = users observed through the outcome window. The value is NaN (with the reason in
    `method`) when either side has fewer than 50 users or the arms barely overlap.

    Raises DataError when `event` never happens in anyone's window.

    Example:
        >>> from datetime import datetime, timedelta
        >>> t0 = datetime(2025, 1, 1)
        >>> ev = pl.DataFrame(
        ...     {
        ...         "user_id": ["a", "a", "b", "b"],
        ...         "event": ["open", "pay", "open", "open"],
        ...         "ts": [t0, t0 + timedelta(days=9), t0, t0 + timedelta(days=40)],
        ...         "revenue": [0.0, 12.0, 0.0, 0.0],
        ...     }
        ... )
        >>> est = value_of_moment(ev, event="open")
        >>> est.n, est.method
        (2, 'not enough data: fewer than 50 users on a side')
    """
    spec = MomentSpec(
        window_days=window_days,
        outcome="revenue",
        outcome_window=outcome_window,
        thresholds=(threshold,),
        candidates=(event,),
    )
    table = user_table(events, spec)
    if not table.events:
        raise DataError(
            f"No user did {event!r} in their first {window_days} days.",
            fix="Pick an event from the High-value moments table.",
        )
    result = discover(table)
    row = result.table.row(0, named=True)
    if row["lift"] is None:
        reason = (
            "fewer than 50 users on a side"
            if min(row["users_reached"], row["non_achievers"]) < spec.min_users
            else "too little overlap between users who did and did not"
        )
        nan = float("nan")
        return stats.Estimate(nan, nan, nan, result.users, f"not enough data: {reason}")
    return stats.Estimate(row["lift"], row["ci_low"], row["ci_high"], result.users, METHOD)
