"""Shared pieces of the sample generators: the calendar, random helpers, day lives, sessions.

Time inside the generators is Int64 epoch seconds; frames get Datetime("us", "UTC") at the end.
A user's "own day" d = floor((t - signup) / 24 h), as in docs/definitions/periods.md#own-days.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Final

import numpy as np
import polars as pl

from nsm_core.schema import TS_DTYPE
from nsm_core.synth.truths import Truths

START: Final = datetime(2025, 1, 1, tzinfo=UTC)
SIGNUP_END: Final = datetime(2026, 1, 1, tzinfo=UTC)
END: Final = datetime(2026, 2, 1, tzinfo=UTC)
DAY_S: Final = 86_400
EARLY_DAYS: Final = 7
OUTCOME_WINDOW: Final = (8, 35)
# Signups happen between 00:00 and 22:59 UTC, so the eligibility cutoff (END - 36 days, a
# midnight) falls in a signup-free hour: analyses that take T_end = last event (>= 23:00 on
# the last day) select exactly the same eligible users as the truths.
SIGNUP_HOURS: Final = 23
MONTHS: Final = 12


def epoch_s(moment: datetime) -> int:
    """Return whole seconds since 1970-01-01 UTC of an aware datetime.

    Example:
        >>> epoch_s(datetime(1970, 1, 2, tzinfo=UTC))
        86400
    """
    return int(moment.timestamp())


START_S: Final = epoch_s(START)
END_S: Final = epoch_s(END)
ELIGIBLE_CUTOFF_S: Final = END_S - (OUTCOME_WINDOW[1] + 1) * DAY_S


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Return the logistic function 1 / (1 + exp(-x)), elementwise.

    Example:
        >>> float(sigmoid(np.array([0.0]))[0])
        0.5
    """
    return 1.0 / (1.0 + np.exp(-x))


def month_start_s(months: np.ndarray) -> np.ndarray:
    """Return epoch seconds of the first instant of month offsets (0 = January 2025).

    Example:
        >>> int(month_start_s(np.array([1]))[0] - START_S) // DAY_S
        31
    """
    stamps = np.datetime64("2025-01", "M") + months.astype("timedelta64[M]")
    return stamps.astype("datetime64[s]").astype(np.int64)


def month_dates() -> list[date]:
    """Return the first day of each signup month.

    Example:
        >>> month_dates()[-1]
        datetime.date(2025, 12, 1)
    """
    return [date(2025, m + 1, 1) for m in range(MONTHS)]


def signup_times(rng: np.random.Generator, months: np.ndarray) -> np.ndarray:
    """Return a signup second inside each given month, at a waking hour (00:00-22:59 UTC).

    Example:
        >>> s = signup_times(np.random.default_rng(0), np.array([0, 11]))
        >>> bool(((s - START_S) % DAY_S < 23 * 3600).all())
        True
    """
    first = month_start_s(months)
    days = (month_start_s(months + 1) - first) // DAY_S
    day = np.floor(rng.random(months.size) * days).astype(np.int64)
    second = rng.integers(0, SIGNUP_HOURS * 3600, months.size)
    return first + day * DAY_S + second


def steady(rng: np.random.Generator, lam: np.ndarray) -> np.ndarray:
    """Return counts with mean `lam` and little spread: floor(lam + u), u ~ U(0, 1).

    Habits are steadier than Poisson arrivals; under-dispersed counts make the hidden trait
    behind them readable from early activity.

    Example:
        >>> steady(np.random.default_rng(0), np.array([2.0, 2.0])).tolist()
        [2, 2]
    """
    return np.floor(lam + rng.random(lam.size)).astype(np.int64)


def pick(rng: np.random.Generator, probs: np.ndarray | list[float], n: int) -> np.ndarray:
    """Return n category codes drawn with the given probabilities.

    Example:
        >>> pick(np.random.default_rng(0), [0.0, 1.0], 3).tolist()
        [1, 1, 1]
    """
    cum = np.cumsum(np.asarray(probs, dtype=float))
    return np.minimum(np.searchsorted(cum / cum[-1], rng.random(n), side="right"), cum.size - 1)


def pick_rows(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """Return one category code per row of a (n, k) probability matrix.

    Example:
        >>> pick_rows(np.random.default_rng(0), np.array([[0.0, 1.0], [1.0, 0.0]])).tolist()
        [1, 0]
    """
    cum = np.cumsum(probs, axis=1)
    draw = rng.random(probs.shape[0])[:, None] * cum[:, -1:]
    return np.minimum((cum <= draw).sum(axis=1), probs.shape[1] - 1)


def horizon_days(signup_s: np.ndarray) -> np.ndarray:
    """Return how many own days (complete or partial) each user has before END.

    Example:
        >>> horizon_days(np.array([END_S - DAY_S - 1])).tolist()
        [2]
    """
    return -((signup_s - END_S) // DAY_S)


def early_days(uniform: np.ndarray, p_return: np.ndarray) -> np.ndarray:
    """Return the (n, 7) activity of own days 0..6: day 0 always, day d >= 1 if u[d] < p.

    Example:
        >>> early_days(np.full((1, 7), 0.5), np.array([0.6])).sum()
        np.int64(7)
    """
    active = uniform < p_return[:, None]
    active[:, 0] = True
    return active


def later_days(rng: np.random.Generator, q: np.ndarray, life_end: np.ndarray) -> np.ndarray:
    """Return the (n, H) potential activity of own days >= 7 for a user who is retained.

    A day d in 7..life_end is active with probability q; a user with no active day in the
    outcome window 8..35 gets one forced there (uniform), so "retained" always shows.

    Example:
        >>> life = later_days(np.random.default_rng(1), np.array([0.0]), np.array([40]))
        >>> int(life[0, 8:36].sum()), int(life.sum())
        (1, 1)
    """
    width = int(horizon_days(np.array([START_S])).max()) + 1
    day = np.arange(width)
    active = (rng.random((q.size, width)) < q[:, None]) & (day >= EARLY_DAYS)
    active &= day <= life_end[:, None]
    low, high = OUTCOME_WINDOW
    forced = low + np.floor(rng.random(q.size) * (high - low + 1)).astype(np.int64)
    lonely = ~active[:, low : high + 1].any(axis=1)
    active[np.flatnonzero(lonely), forced[lonely]] = True
    return active


def nth_active(active: np.ndarray, rows: np.ndarray, uniform: np.ndarray) -> np.ndarray:
    """Return, for each row index, a uniformly chosen active column of that row.

    Example:
        >>> act = np.array([[True, False, True]])
        >>> nth_active(act, np.array([0, 0]), np.array([0.1, 0.9])).tolist()
        [0, 2]
    """
    counts = active[rows].sum(axis=1)
    k = np.floor(uniform * counts).astype(np.int64)
    cum = np.cumsum(active[rows], axis=1)
    return (cum > k[:, None]).argmax(axis=1)


def sequence_offsets(rng: np.random.Generator, key: np.ndarray, stage: np.ndarray) -> np.ndarray:
    """Return each row's second within its user-day, as one session in stage order.

    Rows sharing `key` (user * 1000 + own day) form a session: ordered by stage (random
    within a stage), 1-90 s apart. Day 0 starts at second 0 (the signup); other days start
    at a random second chosen so the session ends before the day does.

    Example:
        >>> off = sequence_offsets(np.random.default_rng(0), np.array([0, 0, 0]), np.arange(3))
        >>> off[0], bool(off[0] < off[1] < off[2])
        (np.int64(0), True)
    """
    # One float sort key: session, then stage, then a random tie-break in [0, 0.5).
    order = np.argsort(key * 16.0 + stage + 0.5 * rng.random(key.size), kind="stable")
    sorted_key = key[order]
    first = np.r_[True, sorted_key[1:] != sorted_key[:-1]]
    gap = np.where(first, 0, rng.integers(1, 91, key.size))
    run = np.cumsum(gap)
    group = np.cumsum(first) - 1
    run -= run[first][group]
    span = np.maximum.reduceat(run, np.flatnonzero(first))
    starts = 1 + np.floor(rng.random(span.size) * (DAY_S - 2 - span)).astype(np.int64)
    starts[sorted_key[first] % 1000 == 0] = 0
    offsets = np.empty(key.size, dtype=np.int64)
    offsets[order] = starts[group] + run
    return offsets


def label(column: str, labels: tuple[str, ...]) -> pl.Expr:
    """Return an integer code column as its String labels.

    Example:
        >>> pl.DataFrame({"c": [1, 0]}).select(label("c", ("a", "b")))["c"].to_list()
        ['b', 'a']
    """
    return pl.col(column).replace_strict(dict(enumerate(labels)), return_dtype=pl.String)


def user_id(column: str, prefix: str, width: int = 5) -> pl.Expr:
    """Return an integer column as zero-padded ids: prefix + number.

    Example:
        >>> pl.DataFrame({"n": [7]}).select(user_id("n", "u"))["n"].item()
        'u00007'
    """
    return pl.format(prefix + "{}", pl.col(column).cast(pl.String).str.zfill(width))


def to_ts(seconds: pl.Expr) -> pl.Expr:
    """Return epoch seconds as Datetime("us", "UTC").

    Example:
        >>> pl.select(to_ts(pl.lit(86400))).item().isoformat()
        '1970-01-02T00:00:00+00:00'
    """
    return (seconds.cast(pl.Int64) * 1_000_000).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")


def spend_frame(months: list[date], table: dict[str, np.ndarray]) -> pl.DataFrame:
    """Return the long spend table (month, channel, ad_spend) of channel -> monthly arrays.

    Example:
        >>> spend_frame(month_dates()[:1], {"organic": np.array([0.0])}).row(0)
        (datetime.date(2025, 1, 1), 'organic', 0.0)
    """
    return pl.DataFrame(
        {
            "month": [m for _ in table for m in months],
            "channel": [c for c in table for _ in months],
            "ad_spend": np.round(np.concatenate(list(table.values())), 2),
        },
        schema={"month": pl.Date, "channel": pl.String, "ad_spend": pl.Float64},
    ).sort("month", "channel")


def finish_events(frame: pl.DataFrame) -> pl.DataFrame:
    """Return events with ts as Datetime("us", "UTC"), sorted by ts, user_id, event.

    Example:
        >>> df = pl.DataFrame({"user_id": ["b", "a"], "event": ["x", "x"], "ts": [5, 5]})
        >>> finish_events(df)["user_id"].to_list()
        ['a', 'b']
    """
    return frame.with_columns(to_ts(pl.col("ts")).cast(TS_DTYPE)).sort(
        "ts", "user_id", "event", maintain_order=True
    )


def write_parquet(frame: pl.DataFrame, path: Path) -> Path:
    """Write `frame` as one zstd parquet file (same bytes for the same frame) and return path.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as d:
        ...     write_parquet(pl.DataFrame({"a": [1]}), Path(d) / "a.parquet").name
        'a.parquet'
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(path, compression="zstd", compression_level=9, statistics=True)
    return path


@dataclass(frozen=True, slots=True)
class Product:
    """One generated sample: canonical events, spend table, hidden per-unit truth, truths."""

    events: pl.DataFrame
    spend: pl.DataFrame
    hidden: dict[str, pl.DataFrame]
    truths: Truths


def to_iso(seconds: int) -> str:
    """Return epoch seconds as an ISO 8601 UTC string.

    Example:
        >>> to_iso(0)
        '1970-01-01T00:00:00+00:00'
    """
    return datetime.fromtimestamp(seconds, tz=UTC).isoformat()
