"""Stickiness: DAU/MAU, WAU/MAU and the power-user curve (docs/definitions/retention.md#stickiness).

- DAU(d) = users active on day d; WAU(d), MAU(d) = users active on any day of
  [d − 6, d] and [d − 29, d]. DAU/MAU = mean over days d of DAU(d) / MAU(d), over the days
  whose 30-day window lies inside the data (the first 29 days are left out) and that have
  ended (the last, partial day is left out).
- Power-user curve: in each window W (calendar month or Monday week), d_u = distinct active
  days of u in W, for users with d_u ≥ 1. exact s(k) = |{u : d_u = k}| / |{u : d_u ≥ 1}|;
  at least s(≥k) = |{u : d_u ≥ k}| / |{u : d_u ≥ 1}|. A user counts once per window.
"""

from dataclasses import dataclass
from typing import Final, Literal, TypeAlias

import polars as pl

from nsm_core import fmt
from nsm_core._types import FrameT
from nsm_core.periods import day_number, first_open_period, period_number, period_start
from nsm_core.retention._base import Unit, as_unit, named
from nsm_core.schema import TS, USER

Window: TypeAlias = Literal["month", "week"]
ROLLING: Final = {"wau": 7, "mau": 30}


def _active_days(events: pl.LazyFrame, event: str | None) -> pl.LazyFrame:
    """Return distinct (user_id, day) pairs of the activity event."""
    return events.filter(named(event)).select(USER, day=day_number(TS)).unique()


def _rolling_counts(days: pl.LazyFrame, width: int, name: str) -> pl.LazyFrame:
    """Return (day, name): distinct users active on any of the `width` days ending at day.

    Each active day d of a user covers days d .. min(d + width − 1, next active day − 1),
    so each user is counted once per day; the count is a running sum of +1 / −1 marks.
    """
    following = pl.col("day").shift(-1).over(USER, order_by="day")
    end = pl.min_horizontal(pl.col("day") + width, following.fill_null(pl.col("day") + width))
    spans = days.select("day", end=end)
    marks = pl.concat(
        [
            spans.select("day", step=pl.lit(1, pl.Int64)),
            spans.select(day="end", step=pl.lit(-1, pl.Int64)),
        ]
    )
    return (
        marks.group_by("day")
        .agg(pl.col("step").sum())
        .sort("day")
        .select("day", pl.col("step").cum_sum().alias(name))
    )


def daily_stickiness(events: FrameT, *, event: str | None = None, unit: Unit = "user") -> FrameT:
    """Return DAU, WAU, MAU and the DAU/MAU and WAU/MAU ratios per day.

    events(user_id, event, ts) -> (date, dau, wau, mau, dau_mau, wau_mau), one row per day
    from the 30th day of the data to the last complete day (formulas in the module doc).

    Example:
        >>> from datetime import datetime, timedelta
        >>> ev = pl.DataFrame(
        ...     {
        ...         "user_id": ["a"] * 31 + ["b"],
        ...         "event": "open",
        ...         "ts": [datetime(2025, 1, 1) + timedelta(days=d) for d in range(31)]
        ...         + [datetime(2025, 1, 10)],
        ...     }
        ... )
        >>> daily_stickiness(ev).select("dau", "wau", "mau", "dau_mau").rows()
        [(1, 1, 2, 0.5)]
    """
    lazy = events.lazy()
    bounds = lazy.select(first=day_number(pl.col(TS).min()), last=day_number(pl.col(TS).max()))
    days = _active_days(as_unit(lazy, unit), event).cache()
    dau = days.group_by("day").agg(dau=pl.len())
    out = (
        bounds.select(
            day=pl.int_range(
                pl.col("first").first().fill_null(0) + 29, pl.col("last").first().fill_null(0)
            )
        )
        .join(dau, on="day", how="left")
        .sort("day")
        .join_asof(_rolling_counts(days, ROLLING["wau"], "wau"), on="day")
        .join_asof(_rolling_counts(days, ROLLING["mau"], "mau"), on="day")
        .with_columns(pl.col("dau", "wau", "mau").fill_null(0).cast(pl.Int64))
        .select(
            date=pl.col("day").cast(pl.Int32).cast(pl.Date),
            dau="dau",
            wau="wau",
            mau="mau",
            dau_mau=pl.when(pl.col("mau") > 0).then(pl.col("dau") / pl.col("mau")),
            wau_mau=pl.when(pl.col("mau") > 0).then(pl.col("wau") / pl.col("mau")),
        )
    )
    return out if isinstance(events, pl.LazyFrame) else out.collect()


def power_users(
    events: FrameT, *, window: Window = "month", event: str | None = None, unit: Unit = "user"
) -> FrameT:
    """Return the power-user curve: users by number of active days in each window.

    events(user_id, event, ts) -> (window_start, days_active, users, share, share_at_least,
    complete), one row per window and k = 1 .. the window's length in days; complete = the
    window ended before the last event of the data.

    Example:
        >>> from datetime import datetime
        >>> ev = pl.DataFrame(
        ...     {
        ...         "user_id": ["a", "a", "b", "c"],
        ...         "event": "open",
        ...         "ts": [datetime(2025, 1, d) for d in (1, 2, 3, 3)],
        ...     }
        ... )
        >>> power_users(ev).head(3).select("days_active", "users", "share_at_least").rows()
        [(1, 2, 1.0), (2, 1, 0.3333333333333333), (3, 0, 0.0)]
    """
    lazy = events.lazy()
    last = lazy.select(open=first_open_period(pl.col(TS).max(), window))
    days = _active_days(as_unit(lazy, unit), event)
    date = pl.col("day").cast(pl.Int32).cast(pl.Date)
    per_user = days.group_by(USER, w=period_number(date, window)).agg(k=pl.len())
    counts = per_user.group_by("w", "k").agg(users=pl.len())
    length = period_start(pl.col("w") + 1, window) - period_start("w", window)
    grid = (
        per_user.select(pl.col("w").unique())
        .with_columns(k=pl.int_ranges(1, length.dt.total_days() + 1))
        .explode("k")
    )
    out = (
        grid.join(counts, on=["w", "k"], how="left")
        .join(last, how="cross")
        .with_columns(pl.col("users").fill_null(0).cast(pl.Int64))
        .with_columns(
            total=pl.col("users").sum().over("w"),
            at_least=pl.col("users").cum_sum(reverse=True).over("w", order_by="k"),
        )
        .sort("w", "k")
        .select(
            window_start=period_start("w", window),
            days_active=pl.col("k").cast(pl.Int32),
            users="users",
            share=pl.col("users") / pl.col("total"),
            share_at_least=pl.col("at_least") / pl.col("total"),
            complete=pl.col("w") < pl.col("open"),
        )
    )
    return out if isinstance(events, pl.LazyFrame) else out.collect()


@dataclass(frozen=True, slots=True)
class Stickiness:
    """Stickiness ready to show: the daily ratios, the power-user curve, their averages."""

    daily: pl.DataFrame
    power: pl.DataFrame
    dau_mau: float | None
    wau_mau: float | None


def summarize(daily: pl.DataFrame, power: pl.DataFrame) -> Stickiness:
    """Return the daily table, the power-user curve and mean DAU/MAU and WAU/MAU.

    Example:
        >>> d = pl.DataFrame({"dau_mau": [0.2, 0.3], "wau_mau": [0.5, 0.6]})
        >>> s = summarize(d, pl.DataFrame())
        >>> round(s.dau_mau, 2), round(s.wau_mau, 2)
        (0.25, 0.55)
    """
    means = daily.select(pl.col("dau_mau").mean(), pl.col("wau_mau").mean()).row(0)
    return Stickiness(daily=daily, power=power, dau_mau=means[0], wau_mau=means[1])


def stickiness_caption(result: Stickiness, unit: str = "user") -> str:
    r"""Return mean DAU/MAU and WAU/MAU in words.

    Example:
        >>> s = Stickiness(pl.DataFrame({"x": [1] * 60}), pl.DataFrame(), 0.21, 0.55)
        >>> print(stickiness_caption(s).replace("; ", ";\n"))
        Over 60 days, an average day saw 21% of the month's active users (DAU/MAU);
        an average week 55% (WAU/MAU).
    """
    if result.dau_mau is None:
        return "The data cover less than 31 days, too short for DAU/MAU."
    return (
        f"Over {fmt.count(result.daily.height)} days, an average day saw "
        f"{fmt.pct(result.dau_mau)} of the month's active {unit}s (DAU/MAU); an average week "
        f"{fmt.pct(result.wau_mau)} (WAU/MAU)."
    )


def power_caption(power: pl.DataFrame, window: Window = "month") -> str:
    """Return the last complete window's power-user curve in words.

    Example:
        >>> from datetime import date
        >>> p = pl.DataFrame(
        ...     {
        ...         "window_start": [date(2025, 1, 1)] * 2,
        ...         "days_active": [1, 2],
        ...         "users": [30, 10],
        ...         "share": [0.75, 0.25],
        ...         "share_at_least": [1.0, 0.25],
        ...         "complete": [True, True],
        ...     }
        ... )
        >>> power_caption(p)
        'In January 2025, 40 users were active; 75% on a single day, 0% on 10 days or more.'
    """
    done = power.filter(pl.col("complete"))
    if done.is_empty():
        return f"No complete {window} in the data yet."
    last = done.filter(pl.col("window_start") == done["window_start"].max())
    total = last["users"].sum()
    single = last.filter(pl.col("days_active") == 1)["share"].sum()
    heavy = last.filter(pl.col("days_active") >= 10)["users"].sum()
    return (
        f"In {fmt.period_name(last['window_start'][0], window)}, {fmt.count(total)} users were "
        f"active; {fmt.pct(single)} on a single day, {fmt.pct(heavy / total)} on 10 days or more."
    )
