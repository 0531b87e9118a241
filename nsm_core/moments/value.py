"""The money value of one more user reaching a moment, over the days a plan uses it for.

Revenue is counted in each user's own days a..b after the moment window; only users observed
through all of them count (t0 + (b + 1)·24 h ≤ the data's last event), as everywhere on the
High-value moments page, so a longer window rests on fewer users. `moment_value` says how
many, and when a side has too few, the last day b the data support.
"""

from dataclasses import dataclass

import polars as pl

from nsm_core import stats
from nsm_core.moments.candidates import MomentSpec, user_table
from nsm_core.moments.discover import discover
from nsm_core.moments.estimate import METHOD
from nsm_core.periods import US_PER_DAY, epoch_us
from nsm_core.schema import EVENT, TS, USER, DataError


@dataclass(frozen=True, slots=True)
class MomentValue:
    """A moment's revenue value over own days a..b and the users it rests on.

    estimate: the adjusted revenue lift per user who reaches the moment (CI, n = users
    observed through day b, method). users: every user in the data; observed: those
    observed through day b, the only ones counted. supported_end: when a side has too few
    users observed through b, the last day b' ≥ a with at least `min_users` on each side
    observed through it (None: the estimate stands, or no window starting on day a has
    enough users on both sides, say when nearly everyone reaches the moment).
    """

    estimate: stats.Estimate
    outcome_window: tuple[int, int]
    users: int
    observed: int
    supported_end: int | None = None

    @property
    def too_few(self) -> bool:
        """True when the window outruns the data: a shorter one has enough users a side."""
        return self.supported_end is not None


NOT_ENOUGH = "not enough data"
TOO_FEW = f"{NOT_ENOUGH}: fewer than {MomentSpec().min_users} users on a side"


def value_of_moment(
    events: pl.LazyFrame | pl.DataFrame,
    *,
    event: str,
    threshold: int = 1,
    window_days: int = 7,
    outcome_window: tuple[int, int] = (8, 35),
) -> stats.Estimate:
    """Return the adjusted revenue lift per user who reaches the moment, with its 95% CI.

    The estimate of `moment_value` (see there); kept for callers that need only it.

    Example:
        >>> from datetime import datetime
        >>> one = pl.DataFrame(
        ...     {"user_id": ["a"], "event": ["open"], "ts": [datetime(2025, 1, 1)], "revenue": [0]}
        ... )
        >>> value_of_moment(one, event="open").method
        'not enough data: fewer than 50 users on a side'
    """
    return moment_value(
        events,
        event=event,
        threshold=threshold,
        window_days=window_days,
        outcome_window=outcome_window,
    ).estimate


def moment_value(
    events: pl.LazyFrame | pl.DataFrame,
    *,
    event: str,
    threshold: int = 1,
    window_days: int = 7,
    outcome_window: tuple[int, int] = (8, 35),
) -> MomentValue:
    """Return the moment's value over own days a..b, the users behind it and those counted.

    value = the adjusted revenue lift per user: revenue in own days a..b of those who did
    `event` ≥ `threshold` times in their first `window_days` days minus that of those who did
    not, adjusted for the confounders of the High-value moments estimator, over the users
    observed through day b. NaN (with the reason in `method`) when a side has fewer than 50
    such users (then `supported_end` says how far the data reach) or the arms barely overlap.

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
        >>> v = moment_value(ev, event="open", outcome_window=(8, 97))
        >>> v.users, v.observed, v.estimate.method, v.supported_end
        (2, 0, 'not enough data: fewer than 50 users on a side', None)
    """
    spec = MomentSpec(
        window_days=window_days,
        outcome="revenue",
        outcome_window=outcome_window,
        thresholds=(threshold,),
        candidates=(event,),
    )
    spec.check()
    try:
        table = user_table(events, spec)
    except DataError:
        value = _too_few(events, spec)
        if value.observed:
            raise  # users are observed through the window: the problem is something else
        return value
    if not table.events:
        raise DataError(
            f"No user did {event!r} in their first {window_days} days.",
            fix="Pick an event from the High-value moments table.",
        )
    result = discover(table)
    row = result.table.row(0, named=True)
    users = result.users + result.excluded
    if row["lift"] is not None:
        estimate = stats.Estimate(row["lift"], row["ci_low"], row["ci_high"], result.users, METHOD)
        return MomentValue(estimate, outcome_window, users, result.users)
    if min(row["users_reached"], row["non_achievers"]) < spec.min_users:
        return _too_few(events, spec, users)
    nan = float("nan")
    reason = f"{NOT_ENOUGH}: too little overlap between users who did and did not"
    estimate = stats.Estimate(nan, nan, nan, result.users, reason)
    return MomentValue(estimate, outcome_window, users, result.users)


def _too_few(
    events: pl.LazyFrame | pl.DataFrame, spec: MomentSpec, users: int | None = None
) -> MomentValue:
    """Return the failed estimate of a window too long for the data, and how far they reach."""
    sides = observed_sides(
        events,
        event=spec.candidates[0],
        threshold=spec.thresholds[0],
        window_days=spec.window_days,
    )
    low, high = spec.outcome_window
    observed = sides.filter(pl.col("last_day") >= high)
    end = supported_end(sides, low, spec.min_users)
    nan = float("nan")
    estimate = stats.Estimate(nan, nan, nan, observed.height, TOO_FEW)
    total = sides.height if users is None else users
    return MomentValue(estimate, spec.outcome_window, total, observed.height, end)


def observed_sides(
    events: pl.LazyFrame | pl.DataFrame, *, event: str, threshold: int, window_days: int
) -> pl.DataFrame:
    """Return one row per user: whether they reached the moment, the last day observed.

    events -> (reached, last_day): reached = did `event` ≥ `threshold` times in own days
    0 .. window_days − 1; last_day = floor((T_end − t0) ÷ 24 h) − 1, the last own day b with
    t0 + (b + 1)·24 h ≤ T_end (the data's last event), as `user_table` rules eligibility.

    Example:
        >>> from datetime import datetime, timedelta
        >>> t0 = datetime(2025, 1, 1)
        >>> ev = pl.DataFrame(
        ...     {
        ...         "user_id": ["a", "b", "b"],
        ...         "event": ["fav", "open", "open"],
        ...         "ts": [t0, t0 + timedelta(days=1), t0 + timedelta(days=40)],
        ...     }
        ... )
        >>> observed_sides(ev, event="fav", threshold=1, window_days=7).rows()
        [(True, 39), (False, 38)]
    """
    t = pl.col("t")
    early = (pl.col(EVENT) == event) & (t - t.min() < window_days * US_PER_DAY)
    return (
        events.lazy()
        .with_columns(t=epoch_us(TS))
        .with_columns(t_end=t.max())
        .group_by(USER)
        .agg(t0=t.min(), t_end=pl.col("t_end").first(), hits=early.sum())
        .select(
            reached=pl.col("hits") >= threshold,
            last_day=((pl.col("t_end") - pl.col("t0")).floordiv(US_PER_DAY) - 1).cast(pl.Int64),
        )
        .sort("last_day", "reached", descending=True)
        .collect()
    )


def supported_end(sides: pl.DataFrame, start: int, min_users: int) -> int | None:
    """Return the last day b ≥ start with ≥ `min_users` users on each side observed through b.

    sides = `observed_sides`: per side, the min_users-th latest last_day; the smaller of the
    two, None when it comes before `start` or a side has fewer than min_users users at all.

    Example:
        >>> sides = pl.DataFrame(
        ...     {"reached": [True, True, False, False], "last_day": [90, 40, 60, 50]}
        ... )
        >>> supported_end(sides, 8, 2), supported_end(sides, 45, 2)
        (40, None)
    """
    ends = [
        side.sort("last_day", descending=True)["last_day"][min_users - 1]
        if side.height >= min_users
        else None
        for reached in (True, False)
        for side in [sides.filter(pl.col("reached") == reached)]
    ]
    if None in ends or min(ends) < start:
        return None
    return int(min(ends))
