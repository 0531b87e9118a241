"""Stage 1 of high-value moments: one row per user, and each event's count in their window.

Landmark design (SEMANTICS.md §6): a user's start t0 is their first event in the upload; the
candidate window is own days 0 .. window_days − 1 and the outcome is measured strictly after
it, in own days a..b of `outcome_window`, so the outcome cannot cause the moment. Own day
k = floor((t − t0) / 24 h). A user is *eligible* (counts in the estimates) only when the data
reach the end of their outcome window: t0 + (b + 1)·24 h ≤ T_end (the last timestamp).

Everything touching events is lazy polars; `user_table` collects once at the edge and hands
stage 2 a `UserTable` of numpy arrays.
"""

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from nsm_core.moments import north_star
from nsm_core.moments.spec import (
    ACTIVE_DAYS,
    ACTIVITY,
    ALL_USERS,
    AUTO_PROPERTIES,
    EARLY_EVENTS,
    MomentSpec,
    Outcome,
    resolve_confounders,
)
from nsm_core.periods import US_PER_DAY, epoch_us, period_number, period_start
from nsm_core.schema import CANONICAL, EVENT, REVENUE, TS, USER, DataError
from nsm_core.segments import first_touch_value

__all__ = [
    "ACTIVE_DAYS",
    "ACTIVITY",
    "ALL_USERS",
    "AUTO_PROPERTIES",
    "EARLY_EVENTS",
    "MomentSpec",
    "Outcome",
    "UserTable",
    "resolve_confounders",
    "user_table",
    "window_frames",
]


@dataclass(frozen=True, slots=True)
class UserTable:
    """Stage-1 result: users (rows aligned with the arrays) and their window counts.

    users: user_id, first_ts, cohort (Monday of the first event's week), one column per kept
    property (first-touch value, "(none)" when missing), n_events and active_days in the
    window, y (the outcome), eligible (observed through the outcome window) and window_done
    (observed through the moment window).
    counts[i, j] = times user i did events[j] in the window; only_days[i, j] = window days on
    which events[j] was the user's only event type.
    """

    users: pl.DataFrame
    events: tuple[str, ...]
    counts: np.ndarray
    only_days: np.ndarray
    properties: tuple[str, ...]
    activity: tuple[str, ...]
    spec: MomentSpec
    warnings: tuple[str, ...] = field(default=())

    @property
    def eligible(self) -> np.ndarray:
        """Return the mask of users observed through the whole outcome window."""
        return self.users["eligible"].to_numpy()

    @property
    def y(self) -> np.ndarray:
        """Return each user's outcome as float64."""
        return self.users["y"].to_numpy().astype(np.float64)


def _outcome(spec: MomentSpec, in_outcome: pl.Expr) -> pl.Expr:
    """Return the per-user outcome aggregation: retained (0/1) or revenue in the window."""
    if spec.outcome == "revenue":
        return pl.col(REVENUE).filter(in_outcome).sum().cast(pl.Float64)
    hit = (
        in_outcome
        if spec.return_event is None
        else in_outcome & (pl.col(EVENT) == spec.return_event)
    )
    return hit.any().cast(pl.Float64)


def _users(timed: pl.LazyFrame, spec: MomentSpec, properties: tuple[str, ...]) -> pl.LazyFrame:
    """Return the lazy per-user frame of `window_frames` (see there)."""
    low, high = spec.outcome_window
    star = spec.north_star
    in_window = pl.col("k") < spec.window_days
    outcome = (
        [] if star is not None else [_outcome(spec, pl.col("k").is_between(low, high)).alias("y")]
    )
    users = (
        timed.group_by("key")
        .agg(
            pl.col(USER).first(),
            *(first_touch_value(p) for p in properties),
            *outcome,
            first_ts=pl.col(TS).min(),
            t0=pl.col("t").min(),
            t_end=pl.col("t_end").first(),
            n_events=in_window.sum().cast(pl.Int64),
        )
        .with_columns(
            eligible=pl.col("t0") + (high + 1) * US_PER_DAY <= pl.col("t_end"),
            window_done=pl.col("t0") + spec.window_days * US_PER_DAY <= pl.col("t_end"),
            cohort=period_start(period_number("first_ts", "week"), "week"),
        )
        .drop("t0", "t_end")
    )
    if star is not None:
        users = north_star.with_outcome(users, timed, star, spec.outcome_window)
    if spec.where is not None:
        users = users.filter(pl.col(spec.where[0]) == spec.where[1])
    return users


def window_frames(
    events: pl.LazyFrame, spec: MomentSpec, properties: tuple[str, ...]
) -> tuple[pl.LazyFrame, ...]:
    """Return lazy (users, counts, only_days, names) frames for the windows of `spec`.

    events(user_id, event, ts[, revenue, properties]) ->
      users(key, user_id, first_ts, cohort, <properties>, n_events, y, eligible, window_done
            [, north_star.KEPT]),
      counts(key, e, count): events per user × event in the window,
      days(key, e, active_days, only_days): e null for all days, else days it was alone,
      names(e, event).
    Each property holds the user's first-touch value (`segments.first_touch_value`).
    key and e are 64-bit hashes of user_id and event: grouping on integers is several times
    faster than on text, and a collision among even 10⁷ ids has odds below 10⁻⁵.
    k = floor((t − t0) / 24 h); window: k < window_days; outcome: a ≤ k ≤ b;
    eligible: t0 + (b + 1)·24 h ≤ T_end; window_done: t0 + window_days·24 h ≤ T_end.
    """
    timed = (
        events.with_columns(key=pl.col(USER).hash(), e=pl.col(EVENT).hash(), t=epoch_us(TS))
        .with_columns(
            k=(pl.col("t") - pl.col("t").min().over("key")).floordiv(US_PER_DAY),
            t_end=pl.col("t").max(),
        )
        .cache()
    )
    users = _users(timed, spec, properties)
    window = timed.filter(pl.col("k") < spec.window_days).cache()
    counts = window.group_by("key", "e").agg(count=pl.len().cast(pl.Int64))
    per_day = window.group_by("key", "k").agg(kinds=pl.col("e").n_unique(), e=pl.col("e").first())
    days = pl.concat(
        [
            per_day.group_by("key").agg(pl.lit(None, pl.UInt64).alias("e"), days=pl.len()),
            per_day.filter(pl.col("kinds") == 1).group_by("key", "e").agg(days=pl.len()),
        ]
    )
    names = window.group_by("e").agg(pl.col(EVENT).first())
    return users.sort(USER), counts, days, names


def _choose_events(
    counts: pl.DataFrame, eligible: pl.DataFrame, names: pl.DataFrame, spec: MomentSpec
) -> pl.DataFrame:
    """Return (e, event, j) of the candidates: the named events, else the most common ones.

    The most common = reached by the most eligible users; at most `spec.max_events`.
    """
    if spec.candidates is not None:
        wanted = pl.DataFrame({EVENT: list(spec.candidates)}, schema={EVENT: pl.String})
        chosen = wanted.join(names, on=EVENT, how="inner", maintain_order="left")
    else:
        chosen = (
            counts.join(eligible, on="key", how="semi")
            .group_by("e")
            .agg(users=pl.len())
            .join(names, on="e")
            .sort(["users", EVENT], descending=[True, False])
            .head(spec.max_events)
        )
    return chosen.select("e", EVENT).with_row_index("j")


def _locate(rows: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (row index, found) of each key among the user keys `rows`."""
    if rows.size == 0:
        return np.zeros(keys.size, np.int64), np.zeros(keys.size, bool)
    order = np.argsort(rows)
    i = order[np.minimum(np.searchsorted(rows, keys, sorter=order), rows.size - 1)]
    return i, rows[i] == keys


def _dense(frame: pl.DataFrame, value: str, rows: np.ndarray, chosen: pl.DataFrame) -> np.ndarray:
    """Return a (users × candidates) int32 matrix of `value` from (key, e, value) rows."""
    picked = frame.join(chosen.select("e", "j"), on="e", how="inner")
    i, found = _locate(rows, picked["key"].to_numpy())
    dense = np.zeros((rows.size, chosen.height), dtype=np.int32)
    dense[i[found], picked["j"].to_numpy()[found]] = picked[value].to_numpy()[found]
    return dense


def _per_user(frame: pl.DataFrame, value: str, rows: np.ndarray) -> np.ndarray:
    """Return `value` of (key, value) rows as a vector aligned with the users (0 if absent)."""
    i, found = _locate(rows, frame["key"].to_numpy())
    out = np.zeros(rows.size, dtype=np.int64)
    out[i[found]] = frame[value].to_numpy()[found]
    return out


def _kept_properties(spec: MomentSpec, properties: tuple[str, ...], columns: list[str]) -> tuple:
    """Return confounder properties, then segments and the filter's property (no repeats)."""
    extra = [*spec.segments, *([spec.where[0]] if spec.where else [])]
    missing = [c for c in extra if c not in columns or c in CANONICAL]
    if missing:
        raise DataError(f"No property column named {', '.join(missing)} in the events.")
    return tuple(dict.fromkeys((*properties, *extra)))


def _check_columns(spec: MomentSpec, events: pl.LazyFrame) -> None:
    """Raise DataError when the events lack what the outcome needs."""
    if spec.north_star is not None:
        north_star.check_columns(events, spec.north_star)
    elif spec.outcome == "revenue" and REVENUE not in events.collect_schema().names():
        raise DataError(
            "The revenue outcome needs a revenue column.",
            fix="Map a money column to revenue, or use the retained outcome.",
        )


def _collect(
    lazy: pl.LazyFrame, spec: MomentSpec, kept: tuple[str, ...]
) -> tuple[tuple[pl.DataFrame, ...], tuple[str, ...]]:
    """Return the collected window frames and the North Star's notes (one collect)."""
    star = spec.north_star
    frames = window_frames(lazy, spec, kept)
    if star is None:
        return pl.collect_all(frames), ()
    users, *rest, present = pl.collect_all([*frames, north_star.present_events(lazy, star)])
    users, dropped = north_star.drop_excluded(users, star)
    lacking = north_star.missing_events(star, present)
    return (users, *rest), (*lacking, *dropped, *north_star.notes(star))


def user_table(events: pl.LazyFrame | pl.DataFrame, spec: MomentSpec) -> UserTable:
    """Return the stage-1 per-user table of `events` under `spec` (collected once).

    Raises DataError when the spec is inconsistent, a named column is missing, or no user
    is observed through the outcome window.

    Example:
        >>> from datetime import datetime, timedelta
        >>> t0 = datetime(2025, 1, 1)
        >>> ev = pl.DataFrame(
        ...     {
        ...         "user_id": ["a", "a", "a", "b", "b"],
        ...         "event": ["open", "share", "open", "open", "open"],
        ...         "ts": [t0, t0, t0 + timedelta(days=9), t0, t0 + timedelta(days=40)],
        ...     }
        ... )
        >>> table = user_table(ev, MomentSpec())
        >>> table.events, table.counts.tolist(), table.y.tolist()
        (('open', 'share'), [[1, 1], [1, 0]], [1.0, 0.0])
    """
    spec.check()
    lazy = events.lazy()
    columns = lazy.collect_schema().names()
    _check_columns(spec, lazy)
    properties, activity = resolve_confounders(spec, columns)
    kept = _kept_properties(spec, properties, columns)
    (users, counts, days, names), notes = _collect(lazy, spec, kept)
    if not users["eligible"].any():
        raise DataError(
            f"No user is observed through day {spec.outcome_window[1]} after their first "
            "event, so no outcome can be measured.",
            fix="Shorten the outcome window or load a longer stretch of data.",
        )
    chosen = _choose_events(counts, users.filter("eligible").select("key"), names, spec)
    rows = users["key"].to_numpy()
    active = _per_user(days.filter(pl.col("e").is_null()), "days", rows)
    users = users.with_columns(active_days=pl.Series(active, dtype=pl.Int64))
    dense = _dense(counts, "count", rows, chosen)
    only = _dense(days.filter(pl.col("e").is_not_null()), "days", rows, chosen)
    warnings = notes
    if spec.candidates is None and names.height > chosen.height:
        warnings += (
            f"Only the {chosen.height} most common events were scanned as candidate moments.",
        )
    names_out = tuple(chosen[EVENT].to_list())
    return UserTable(users, names_out, dense, only, properties, activity, spec, warnings)
