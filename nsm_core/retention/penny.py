"""The penny gap: how many users do the value event once, and how many come back for more.

Per user u (cohort = calendar period of u's first event): n_u = number of distinct times u
did the value event (default: any event with revenue > 0, i.e. a payment); t1, t2 = the
first and second of those times.

- once = |{u : n_u ≥ 1}|, twice = |{u : n_u ≥ 2}|, share_once = once / users,
  share_twice = twice / users
- repeat_rate = twice / once (with a Wilson 95% interval): the step from first to second
- days_to_second = median over repeaters of (t2 − t1) in days

Recent cohorts have had less time to come back, so their repeat rates run low.
"""

from dataclasses import dataclass
from typing import Final

import polars as pl

from nsm_core import fmt
from nsm_core._types import FrameT, Period
from nsm_core.periods import US_PER_DAY, epoch_us, period_number, period_start
from nsm_core.retention._base import SEGMENT, Unit, as_unit
from nsm_core.schema import EVENT, REVENUE, TS, USER, DataError
from nsm_core.segments import first_touch
from nsm_core.stats import wilson_exprs

PENNY_COLUMNS: Final = (
    "users",
    "once",
    "twice",
    "share_once",
    "share_twice",
    "repeat_rate",
    "ci_low",
    "ci_high",
    "days_to_second",
)


@dataclass(frozen=True, slots=True)
class PennySpec:
    """Which event is the value event, and how users are grouped.

    Attributes:
        value_event: the event that delivers value (None = any event with revenue > 0).
        period: cohort length (a user's cohort is the period of their first event).
        segment: property whose first-touch value splits the table; None = no split.
        unit: count users, or accounts (account_id).
    """

    value_event: str | None = None
    period: Period = "month"
    segment: str | None = None
    unit: Unit = "user"


def _is_value(spec: PennySpec, names: list[str]) -> pl.Expr:
    """Return the filter of value events; raise when the default needs a missing revenue."""
    if spec.value_event is not None:
        return pl.col(EVENT) == spec.value_event
    if REVENUE not in names:
        raise DataError(
            "The penny gap's default value event is a payment (revenue > 0), and these events "
            "have no revenue column.",
            fix="Pick the value event in the controls, or map an amount column to revenue.",
        )
    return pl.col(REVENUE).fill_null(0.0) > 0


def penny_users(events: FrameT, spec: PennySpec) -> FrameT:
    """Return one row per user: cohort, [segment], uses, days_to_second.

    events(user_id, event, ts[, revenue]) -> (user_id, cohort, [segment], uses,
    days_to_second); uses = n_u and days_to_second = (t2 − t1) / 24 h (null if n_u < 2).

    Example:
        >>> from datetime import datetime
        >>> ev = pl.DataFrame(
        ...     {
        ...         "user_id": ["a", "a", "a", "b"],
        ...         "event": ["open", "pay", "pay", "open"],
        ...         "ts": [datetime(2025, 1, d) for d in (1, 2, 5, 3)],
        ...     }
        ... )
        >>> penny_users(ev, PennySpec(value_event="pay")).sort("user_id").select(
        ...     "uses", "days_to_second"
        ... ).rows()
        [(2, 3.0), (0, None)]
    """
    lazy = as_unit(events.lazy(), spec.unit).with_columns(t=epoch_us(TS))
    value = _is_value(spec, lazy.collect_schema().names())
    t = pl.col("t")
    first = t.filter(value).min()
    second = t.filter(value & (t > first)).min()
    per_user = lazy.group_by(USER).agg(
        c=period_number(pl.col(TS).min(), spec.period),
        uses=t.filter(value).n_unique().cast(pl.Int64),
        days_to_second=(second - first) / US_PER_DAY,
    )
    if spec.segment:
        touched = first_touch(lazy, spec.segment).rename({spec.segment: SEGMENT})
        per_user = per_user.join(touched, on=USER)
    out = per_user.select(
        USER,
        period_start("c", spec.period).alias("cohort"),
        *([SEGMENT] if spec.segment else []),
        "uses",
        "days_to_second",
    )
    return out if isinstance(events, pl.LazyFrame) else out.collect()


def penny_table(users: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Return the penny gap per group `by` (e.g. ["cohort"], ["segment"], or [] for all).

    users(cohort, [segment], uses, days_to_second) -> (by..., users, once, twice,
    share_once, share_twice, repeat_rate, ci_low, ci_high, days_to_second).

    Example:
        >>> u = pl.DataFrame({"uses": [0, 1, 2, 3], "days_to_second": [None, None, 4.0, 6.0]})
        >>> penny_table(u, []).select("once", "twice", "repeat_rate", "days_to_second").rows()
        [(3, 2, 0.6666666666666666, 5.0)]
    """
    aggs = [
        pl.len().alias("users"),
        (pl.col("uses") >= 1).sum().alias("once"),
        (pl.col("uses") >= 2).sum().alias("twice"),
        pl.col("days_to_second").median(),
    ]
    grouped = users.group_by(by).agg(aggs).sort(by) if by else users.select(aggs)
    low, high = wilson_exprs("twice", "once")
    return grouped.with_columns(
        pl.col("users", "once", "twice").cast(pl.Int64),
        share_once=pl.col("once") / pl.col("users"),
        share_twice=pl.col("twice") / pl.col("users"),
        repeat_rate=pl.when(pl.col("once") > 0).then(pl.col("twice") / pl.col("once")),
        ci_low=low,
        ci_high=high,
    ).select(*by, *PENNY_COLUMNS)


def penny_caption(overall: pl.DataFrame, action: str, unit: str = "user") -> str:
    r"""Return the overall penny gap in words; `action` is the value event as a verb phrase.

    Example:
        >>> t = pl.DataFrame(
        ...     {
        ...         "users": [5840],
        ...         "once": [2400],
        ...         "twice": [1300],
        ...         "share_once": [2400 / 5840],
        ...         "share_twice": [1300 / 5840],
        ...         "repeat_rate": [1300 / 2400],
        ...         "ci_low": [0.52],
        ...         "ci_high": [0.56],
        ...         "days_to_second": [9.0],
        ...     }
        ... )
        >>> print(penny_caption(t, "paid").replace(": ", ":\n"))
        Of 5,840 users, 41% paid at least once and 22% twice or more:
        54% of first-timers came back (95% CI 52% to 56%), a median 9.0 days after their first.
    """
    r = overall.row(0, named=True)
    if not r["once"]:
        return f"None of the {fmt.count(r['users'])} {unit}s {action} yet."
    text = (
        f"Of {fmt.count(r['users'])} {unit}s, {fmt.pct(r['share_once'])} {action} at least once "
        f"and {fmt.pct(r['share_twice'])} twice or more: {fmt.pct(r['repeat_rate'])} of "
        f"first-timers came back (95% CI {fmt.pct(r['ci_low'])} to {fmt.pct(r['ci_high'])})"
    )
    if r["days_to_second"] is None:
        return text + "."
    return text + f", a median {fmt.num(r['days_to_second'], 1)} days after their first."


@dataclass(frozen=True, slots=True)
class PennyResult:
    """The penny gap by cohort, by segment (empty without one) and over everyone."""

    spec: PennySpec
    by_cohort: pl.DataFrame
    by_segment: pl.DataFrame
    overall: pl.DataFrame


def summarize_penny(users: pl.DataFrame, spec: PennySpec) -> PennyResult:
    """Return the penny gap tables from the collected `penny_users` output.

    Example:
        >>> from datetime import date
        >>> u = pl.DataFrame(
        ...     {"cohort": [date(2025, 1, 1)] * 2, "uses": [1, 2], "days_to_second": [None, 3.0]}
        ... )
        >>> summarize_penny(u, PennySpec()).overall["repeat_rate"].to_list()
        [0.5]
    """
    overall = penny_table(users, [])
    return PennyResult(
        spec=spec,
        by_cohort=penny_table(users, ["cohort"]),
        by_segment=penny_table(users, [SEGMENT]) if spec.segment else overall.clear(),
        overall=overall,
    )
