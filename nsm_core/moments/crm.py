"""The CRM list: who can still complete a likely driver, in the order achievers complete them.

Moments m = (event E, at least k times in own days 0..w−1), the top likely drivers. T_end is
the data's last event ("now"); user i has first event t0_i and last event last_i.
- *already did it*: E at least k times among all of i's events (in the window or later);
- *can still act*: not already, and inside the window (t0_i + w·24 h > T_end, the table's
  window_done is False) or active in the last N days (T_end − last_i < N·24 h);
- *listed*: can still act and the moment's lift in i's segment is above 0.
Every (user, moment) is exactly one of listed, already did it, inactive for N+ days, or no
gain in their segment, and each is counted.

The sequence: moments sorted by the median time from a user's first event to their k-th E,
over achievers (users who reached the moment in their window); the larger lift first on a
tie. Among users who reached two consecutive steps, the share who reached the earlier one
first is reported beside it as a check. Each user's listed moments follow the sequence
(step 1 = do this next), or their lift with order="lift".
"""

import itertools
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal, TypeAlias

import numpy as np
import polars as pl

from nsm_core.moments.candidates import UserTable
from nsm_core.moments.discover import MomentsResult
from nsm_core.moments.segments import segment_lifts, top_moments
from nsm_core.moments.spec import MomentSpec
from nsm_core.moments.units import scale
from nsm_core.schema import ACCOUNT, EVENT, TS, USER
from nsm_core.segments import first_touch_value

Order: TypeAlias = Literal["sequence", "lift"]
ORDERS: Final[tuple[Order, ...]] = ("sequence", "lift")
US_PER_HOUR: Final = 3_600_000_000
HOURS_PER_DAY: Final = 24
# The CSV a CRM imports: these first, then the context columns.
KEY_COLUMNS: Final = ("user_id", "moment", "step", "reason", "score")
COUNTS: Final = (
    "listed",
    "in_window",
    "active",
    "already_did",
    "did_later",
    "inactive",
    "no_gain",
)


@dataclass(frozen=True, slots=True)
class CrmSpec:
    """Who the CRM list keeps and how it orders each user's moments.

    active_days: a user past their moment window stays on the list when their last event
    is less than this many days before the data's last event. order: "sequence" (the order
    achievers reach the moments) or "lift" (largest lift in the user's segment first).
    segment: the property whose own lifts score users (None: the overall lift). top: how
    many likely drivers (one threshold per event) the list covers.
    """

    active_days: int = 30
    order: Order = "sequence"
    segment: str | None = None
    top: int = 3


@dataclass(frozen=True, slots=True)
class UserFacts:
    """What the CRM list needs beyond the window counts, aligned with `table.users`.

    users: user_id, first_seen, last_seen, days_since_first_event, days_since_last_seen
    (whole days back from data_end) and account_id when the data has one. done[i, j]: times
    user i did moment j's event in all their events; hours[i, j]: hours from their first
    event to the k-th time (NaN when fewer than k).
    """

    users: pl.DataFrame
    done: np.ndarray
    hours: np.ndarray
    data_end: datetime


@dataclass(frozen=True, slots=True)
class CrmList:
    """The list and its counts.

    rows: one row per (user, moment) listed: KEY_COLUMNS, then event, threshold,
    times_done, last_seen, days_since_first_event, days_since_last_seen, [account_id],
    [segment]; by user (in the order of `table.users`, sorted by user_id), then step.
    score = the moment's adjusted lift in the user's segment, in display units (pp for
    rates), to 2 decimals. steps: one row per moment in sequence order: step, moment,
    event, threshold, lift, achievers, median_days, first_share and both (see `sequence`),
    users, then COUNTS (did_later: those of already_did who did it only after their
    window).
    moments: the spec of the analysis; data_end: the data's last event ("now").
    """

    rows: pl.DataFrame
    steps: pl.DataFrame
    spec: CrmSpec
    moments: MomentSpec
    data_end: datetime


def drivers(result: MomentsResult, top: int = 3) -> pl.DataFrame:
    """Return (moment, event, threshold, lift) of the top likely drivers, best first.

    The one place the list reads the ranked table's columns.

    Example:
        >>> from nsm_core.moments.spec import MomentSpec
        >>> ranked = pl.DataFrame(
        ...     {
        ...         "rank": [1, 2],
        ...         "moment": ["a", "b"],
        ...         "event": ["a", "b"],
        ...         "threshold": [1, 1],
        ...         "lift": [0.1, -0.1],
        ...         "verdict": ["likely causal driver", "harmful"],
        ...     }
        ... )
        >>> drivers(MomentsResult(ranked, MomentSpec(), 1, 0, 0.0, ())).rows()
        [('a', 'a', 1, 0.1)]
    """
    return top_moments(result.table, top).select("moment", "event", "threshold", "lift")


def _moment_frames(events: pl.LazyFrame, chosen: pl.DataFrame) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """Return lazy (users, per user × moment) frames: first/last seen, count and k-th time."""
    has_account = ACCOUNT in events.collect_schema().names()
    account = [first_touch_value(ACCOUNT)] if has_account else []
    users = events.group_by(USER).agg(
        pl.col(TS).min().alias("first_seen"), pl.col(TS).max().alias("last_seen"), *account
    )
    wanted = chosen.select(EVENT, "threshold").with_row_index("j").lazy()
    per_moment = (
        events.select(USER, EVENT, TS)
        .filter(pl.col(EVENT).is_in(chosen[EVENT].to_list()))
        .join(wanted, on=EVENT, how="inner")
        .group_by(USER, "j")
        .agg(
            done=pl.len().cast(pl.Int64),
            kth=pl.col(TS).sort().get(pl.col("threshold").first() - 1, null_on_oob=True),
        )
    )
    return users, per_moment


def user_facts(
    events: pl.LazyFrame | pl.DataFrame, table: UserTable, chosen: pl.DataFrame
) -> UserFacts:
    """Return the facts of `chosen` moments (event, threshold) per user of `table`.

    One lazy plan over the events, collected once. Days back = floor((T_end − t) / 24 h).

    Example:
        >>> from datetime import timedelta
        >>> from nsm_core.moments.candidates import MomentSpec, user_table
        >>> t0 = datetime(2025, 1, 1)
        >>> ev = pl.DataFrame(
        ...     {
        ...         "user_id": ["a", "a", "a", "b"],
        ...         "event": ["open", "tip", "tip", "open"],
        ...         "ts": [t0, t0 + timedelta(hours=5), t0 + timedelta(days=20), t0],
        ...     }
        ... ).vstack(
        ...     pl.DataFrame({"user_id": ["b"], "event": ["open"], "ts": [t0 + timedelta(days=40)]})
        ... )
        >>> table = user_table(ev, MomentSpec())
        >>> facts = user_facts(ev, table, pl.DataFrame({"event": ["tip"], "threshold": [1]}))
        >>> facts.done.tolist(), facts.hours.tolist()
        ([[2], [0]], [[5.0], [nan]])
        >>> facts.users["days_since_last_seen"].to_list()
        [20, 0]
    """
    lazy = events.lazy()
    users, per_moment = _moment_frames(lazy, chosen)
    end = lazy.select(pl.col(TS).max())
    users, per_moment, end = pl.collect_all([users, per_moment, end])
    data_end = end.item()

    def days_back(column: str) -> pl.Expr:
        return ((pl.lit(data_end) - pl.col(column)).dt.total_hours() // HOURS_PER_DAY).cast(
            pl.Int64
        )

    aligned = (
        table.users.select(USER)
        .join(users, on=USER, how="left", maintain_order="left")
        .with_columns(
            days_since_first_event=days_back("first_seen"),
            days_since_last_seen=days_back("last_seen"),
        )
    )
    done, hours = _dense(per_moment, table.users[USER], aligned["first_seen"], chosen.height)
    return UserFacts(aligned, done, hours, data_end)


def _dense(
    per_moment: pl.DataFrame, users: pl.Series, first_seen: pl.Series, moments: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return (done, hours) matrices (users × moments) from the long per-moment frame."""
    index = pl.DataFrame({USER: users}).with_row_index("i")
    picked = per_moment.join(index, on=USER, how="inner")
    i, j = picked["i"].to_numpy(), picked["j"].to_numpy()
    done = np.zeros((users.len(), moments), dtype=np.int64)
    done[i, j] = picked["done"].to_numpy()
    start = first_seen.gather(picked["i"]).dt.epoch("us").to_numpy()
    kth = picked["kth"].dt.epoch("us").to_numpy().astype(np.float64)
    hours = np.full((users.len(), moments), np.nan)
    hours[i, j] = (kth - start) / US_PER_HOUR
    return done, hours


def sequence(table: UserTable, chosen: pl.DataFrame, facts: UserFacts) -> pl.DataFrame:
    """Return `chosen` in the order achievers reach the moments, with the evidence for it.

    (step, moment, event, threshold, lift, achievers, median_days, first_share, both):
    achievers reached the moment in their window (count ≥ k); median_days = the median of
    their hours from the first event to the k-th time, ÷ 24; sorted by it, then by lift
    (larger first). both = users who reached this step and the next; first_share = the
    share of them who reached this step first (a tie counts half); null on the last step.
    """
    reached = _reached(table, chosen)
    median = [
        float(np.median(facts.hours[reached[:, j], j])) if reached[:, j].any() else np.nan
        for j in range(chosen.height)
    ]
    order = sorted(
        range(chosen.height),
        key=lambda j: (np.isnan(median[j]), median[j], -chosen["lift"][j]),
    )
    shares = [_first_share(facts.hours, reached, a, b) for a, b in itertools.pairwise(order)]
    shares += [(None, None)] if order else []
    return chosen[order].select(
        pl.Series("step", np.arange(1, len(order) + 1), dtype=pl.Int64),
        "moment",
        EVENT,
        "threshold",
        "lift",
        pl.Series("achievers", reached[:, order].sum(axis=0), dtype=pl.Int64),
        pl.Series("median_days", [median[j] / HOURS_PER_DAY for j in order], dtype=pl.Float64),
        pl.Series("first_share", [s for s, _ in shares], dtype=pl.Float64),
        pl.Series("both", [n for _, n in shares], dtype=pl.Int64),
    )


def _reached(table: UserTable, chosen: pl.DataFrame) -> np.ndarray:
    """Return the (users × moments) mask of who reached each moment in their window."""
    columns = [table.events.index(e) for e in chosen[EVENT].to_list()]
    return table.counts[:, columns] >= chosen["threshold"].to_numpy()


def _first_share(
    hours: np.ndarray, reached: np.ndarray, a: int, b: int
) -> tuple[float | None, int]:
    """Return (share who reached a before b, users who reached both); a tie counts half."""
    both = reached[:, a] & reached[:, b]
    n = int(both.sum())
    if n == 0:
        return None, 0
    ha, hb = hours[both, a], hours[both, b]
    return float(((ha < hb).sum() + 0.5 * (ha == hb).sum()) / n), n


def _lift_matrix(
    table: UserTable, chosen: pl.DataFrame, by_segment: pl.DataFrame, segment: str | None
) -> np.ndarray:
    """Return (users × moments) expected lifts: the segment's own lift, else the overall one."""
    lifts = np.tile(chosen["lift"].to_numpy(), (table.users.height, 1))
    if segment is None or by_segment.is_empty():
        return lifts
    values = table.users[segment].to_numpy()
    for j, moment in enumerate(chosen["moment"].to_list()):
        own = by_segment.filter((pl.col("moment") == moment) & pl.col("lift").is_not_null())
        for value, lift in own.select("segment", "lift").rows():
            lifts[values == value, j] = lift
    return lifts


def _status(
    table: UserTable, chosen: pl.DataFrame, facts: UserFacts, active_days: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (already, in_window, can_act) masks, users × moments (see the module)."""
    already = facts.done >= chosen["threshold"].to_numpy()
    in_window = np.repeat(~table.users["window_done"].to_numpy()[:, None], chosen.height, 1)
    active = facts.users["days_since_last_seen"].to_numpy()[:, None] < active_days
    return already, in_window, ~already & (in_window | active)


def _counts(masks: tuple[np.ndarray, ...], gain: np.ndarray) -> dict[str, np.ndarray]:
    """Return per-moment counts of every user and of each COUNTS category.

    masks: (already, in_window, can_act, reached in the window), users × moments.
    """
    already, in_window, can_act, reached = masks
    listed = can_act & gain
    return {
        "users": np.full(gain.shape[1], gain.shape[0]),
        "listed": listed.sum(axis=0),
        "in_window": (listed & in_window).sum(axis=0),
        "active": (listed & ~in_window).sum(axis=0),
        "already_did": already.sum(axis=0),
        "did_later": (already & ~reached).sum(axis=0),
        "inactive": (~already & ~can_act).sum(axis=0),
        "no_gain": (can_act & ~gain).sum(axis=0),
    }


def _steps(
    user: np.ndarray, position: np.ndarray, lift: np.ndarray, order: Order
) -> tuple[np.ndarray, np.ndarray]:
    """Return (sort, step): the order of the listed pairs and each one's step in its user.

    Pairs sorted by user, then by sequence position (order="sequence") or by lift, larger
    first, with the position on a tie (order="lift"); step 1 = the user's next moment.
    position[k] is pair k's place in the sequence.
    """
    keys = (position, user) if order == "sequence" else (position, -lift, user)
    sort = np.lexsort(keys)
    user = user[sort]
    first = np.r_[True, user[1:] != user[:-1]] if user.size else np.zeros(0, bool)
    starts = np.flatnonzero(first)
    step = np.arange(user.size) - np.repeat(starts, np.diff(np.r_[starts, user.size])) + 1
    return sort, step


def _reason(window_days: int) -> pl.Expr:
    """Return why a listed user can still act, in words, from their days back."""
    left = window_days - pl.col("days_since_first_event")
    seen = pl.col("days_since_last_seen")
    return (
        pl.when(pl.col("_in_window"))
        .then(
            pl.format(
                "inside their {}-day window, {} left",
                pl.lit(window_days),
                pl.when(left == 1).then(pl.lit("1 day")).otherwise(pl.format("{} days", left)),
            )
        )
        .otherwise(
            pl.format(
                "past their {}-day window, last seen {}",
                pl.lit(window_days),
                pl.when(seen == 0)
                .then(pl.lit("today"))
                .when(seen == 1)
                .then(pl.lit("yesterday"))
                .otherwise(pl.format("{} days ago", seen)),
            )
        )
        .alias("reason")
    )


def crm_list(
    events: pl.LazyFrame | pl.DataFrame, table: UserTable, result: MomentsResult, spec: CrmSpec
) -> CrmList:
    """Return the CRM list of `result`'s top likely drivers under `spec` (see the module)."""
    chosen = drivers(result, spec.top)
    facts = user_facts(events, table, chosen)
    steps = sequence(table, chosen, facts)
    order = [chosen["moment"].to_list().index(m) for m in steps["moment"]]
    by_segment = (
        segment_lifts(table, result, spec.segment, spec.top) if spec.segment else pl.DataFrame()
    )
    lifts = _lift_matrix(table, chosen, by_segment, spec.segment)
    already, in_window, can_act = _status(table, chosen, facts, spec.active_days)
    counts = _counts((already, in_window, can_act, _reached(table, chosen)), lifts > 0)
    steps = steps.with_columns(
        pl.Series(name, counts[name][order], dtype=pl.Int64) for name in ("users", *COUNTS)
    )
    position = np.argsort(order)
    rows = _rows(table, chosen, facts, (can_act & (lifts > 0), lifts, position, in_window), spec)
    return CrmList(rows, steps, spec, table.spec, facts.data_end)


def _rows(
    table: UserTable,
    chosen: pl.DataFrame,
    facts: UserFacts,
    arrays: tuple[np.ndarray, ...],
    spec: CrmSpec,
) -> pl.DataFrame:
    """Return the listed (user, moment) rows with their step, reason, score and context.

    arrays: (listed, lifts, in_window) masks and values, users × moments, and position[j],
    moment j's place in the sequence.
    """
    listed, lifts, position, in_window = arrays
    user, j = np.nonzero(listed)
    sort, step = _steps(user, position[j], lifts[user, j], spec.order)
    user, j = user[sort], j[sort]
    segment = [table.users[spec.segment].gather(user).cast(pl.String)] if spec.segment else []
    return (
        facts.users.gather(user)
        .with_columns(
            moment=chosen["moment"].gather(j),
            step=pl.Series(step, dtype=pl.Int64),
            score=pl.Series(lifts[user, j] * scale(table.spec), dtype=pl.Float64).round(2),
            event=chosen[EVENT].gather(j),
            threshold=chosen["threshold"].gather(j),
            times_done=pl.Series(facts.done[user, j], dtype=pl.Int64),
            _in_window=pl.Series(in_window[user, j], dtype=pl.Boolean),
        )
        .with_columns(*segment)
        .with_columns(_reason(table.spec.window_days))
        .select(
            *KEY_COLUMNS,
            EVENT,
            "threshold",
            "times_done",
            "last_seen",
            "days_since_first_event",
            "days_since_last_seen",
            *([ACCOUNT] if ACCOUNT in facts.users.columns else []),
            *([spec.segment] if spec.segment else []),
        )
    )


__all__ = [
    "CrmList",
    "CrmSpec",
    "UserFacts",
    "crm_list",
    "drivers",
    "sequence",
    "user_facts",
]
