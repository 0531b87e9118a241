"""Cleaning: raw columns -> canonical events, each row marked with why it is dropped.

`normalize` renames and parses the columns of a `Normalize` spec (with `nsm_core.parse`)
and gives every row its first drop reason (or null); duplicates are found by `row_hash`,
lazily (`drop_reason`) or, faster on a collected frame, by `duplicate_reasons`, and are
dropped only when the times carry seconds (`time_resolution`, `schema.Repeats`).
`nsm_core.quality` counts the reasons into the `QualityReport`.
"""

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial, reduce
from typing import Final

import polars as pl

from nsm_core.parse import parse_id, parse_money, parse_ts
from nsm_core.periods import US_PER_DAY, epoch_us
from nsm_core.schema import (
    ACCOUNT,
    CANONICAL,
    EVENT,
    REPEATS_KEPT,
    RESOLUTIONS,
    REVENUE,
    SESSION,
    TS,
    USER,
    Repeats,
)

# Drop reasons, in the order they are checked: a row gets the first that applies.
MISSING_USER: Final = "missing user id"
MISSING_EVENT: Final = "missing event name"
BAD_TS: Final = "unparseable timestamp"
FUTURE_TS: Final = "timestamp in the future"
DUPLICATE: Final = "duplicate row"
DROP_REASONS: Final = (MISSING_USER, MISSING_EVENT, BAD_TS, FUTURE_TS, DUPLICATE)
FUTURE_SLACK: Final = timedelta(days=1)

# Helper columns `normalize` adds; `load_events` removes them.
DROP: Final = "_drop"
ROW: Final = "_row"
RAW_TS: Final = "_raw_ts"
BAD_MONEY: Final = "_bad_revenue"
HASH: Final = "_hash"
HELPERS: Final = (DROP, ROW, RAW_TS, BAD_MONEY)


@dataclass(frozen=True, slots=True)
class Normalize:
    """How raw columns become canonical ones.

    columns: role -> source column (roles are the canonical names; None = not in the source).
    fallbacks: role -> further source columns used where the first is empty, in order
    (Segment's anonymousId behind userId). event_name: the constant event when there is no
    event column. now: rows later than now + 1 day are dropped as in the future.
    ts_format: the format most text times use (`guess_ts_format`), tried first for speed.
    """

    columns: tuple[tuple[str, str | None], ...]
    now: datetime
    event_name: str = "purchase"
    fallbacks: tuple[tuple[str, tuple[str, ...]], ...] = ()
    ts_format: str | None = None

    def source(self, role: str) -> str | None:
        """Return the source column of `role`, or None when the source has none."""
        return dict(self.columns).get(role)


Parser = Callable[[pl.Expr, pl.DataType], pl.Expr]
_RAW_MONEY: Final = "_raw_revenue"
_UNIT_US: Final = (US_PER_DAY, 3_600_000_000, 60_000_000, 1_000_000)


def time_resolution(ts: pl.Expr) -> pl.Expr:
    """Return the coarsest unit every time of `ts` is a whole number of, as a String scalar.

    One of schema.RESOLUTIONS: "day" (every time is 00:00 UTC: dates only), "hour",
    "minute", "second", else "sub-second". Nulls are ignored.

    Example:
        >>> from datetime import datetime
        >>> df = pl.DataFrame({"ts": [datetime(2024, 1, 5), datetime(2024, 1, 6, 13, 45)]})
        >>> df.select(a=time_resolution(pl.col("ts")), b=time_resolution(pl.first("ts"))).row(0)
        ('minute', 'day')
    """
    us = epoch_us(ts)
    whole = [
        pl.when((us % unit == 0).all()).then(pl.lit(name))
        for name, unit in zip(RESOLUTIONS[:-1], _UNIT_US, strict=True)
    ]
    return pl.coalesce(*whole, pl.lit(RESOLUTIONS[-1]))


def _role(schema: pl.Schema, spec: Normalize, role: str, parse: Parser) -> pl.Expr | None:
    """Return the parsed value of `role`: its column, then each fallback where still null."""
    first = spec.source(role)
    if first is None:
        return None
    names = (first, *dict(spec.fallbacks).get(role, ()))
    parsed = [parse(pl.col(c), schema[c]) for c in names if c in schema]
    return (parsed[0] if len(parsed) == 1 else pl.coalesce(parsed)).alias(role)


def row_hash(columns: list[str]) -> pl.Expr:
    """Return a 64-bit hash of each row's values in `columns` (UInt64).

    h = hash_1(c_1) XOR hash_2(c_2) XOR ... with a different seed per column, so equal rows
    hash alike and swapped values do not; two different rows share a hash with odds of about
    n² / 2^65 (3e-6 at 10M rows). Per-column hashes are vectorised, unlike a struct hash.

    Example:
        >>> df = pl.DataFrame({"a": [1, 1, 2], "b": ["x", "x", "x"]})
        >>> h = df.select(row_hash(["a", "b"])).to_series()
        >>> h[0] == h[1], h[0] == h[2]
        (True, False)
    """
    return reduce(operator.xor, [pl.col(c).hash(seed=i + 1) for i, c in enumerate(columns)])


def drop_reason(now: datetime, columns: list[str], *, duplicates: bool = True) -> pl.Expr:
    """Return why each canonical row is dropped (one of DROP_REASONS), or null to keep it.

    The first reason that applies wins: missing user id, missing event name, unparseable
    timestamp (ts null), timestamp in the future (ts > now + 1 day), then, when `duplicates`,
    duplicate row (same `row_hash` of `columns` as an earlier row), only when the times of
    the rows left carry seconds (`time_resolution` not in REPEATS_KEPT). Collected loads
    leave duplicates out here and call `duplicates`, which is faster on whole frames.

    Example:
        >>> from datetime import datetime
        >>> from nsm_core.schema import TS_DTYPE
        >>> df = pl.DataFrame({"user_id": ["a", "a", None], "event": "e", "ts": [1, 1, 1]})
        >>> df = df.with_columns(pl.col("ts").cast(TS_DTYPE))
        >>> df.select(drop_reason(datetime(2024, 1, 1), df.columns)).to_series().to_list()
        [None, 'duplicate row', 'missing user id']
    """
    limit = (now if now.tzinfo else now.replace(tzinfo=UTC)) + FUTURE_SLACK
    reason = (
        pl.when(pl.col(USER).is_null())
        .then(pl.lit(MISSING_USER))
        .when(pl.col(EVENT).is_null())
        .then(pl.lit(MISSING_EVENT))
        .when(pl.col(TS).is_null())
        .then(pl.lit(BAD_TS))
        .when(pl.col(TS) > limit)
        .then(pl.lit(FUTURE_TS))
    )
    if duplicates:
        left = pl.col(TS).filter(reason.otherwise(pl.lit(None, pl.String)).is_null())
        repeats_kept = time_resolution(left).is_in(REPEATS_KEPT)
        repeated = ~row_hash(columns).is_first_distinct()
        reason = reason.when(repeated & ~repeats_kept).then(pl.lit(DUPLICATE))
    return reason.otherwise(pl.lit(None, pl.String)).alias(DROP)


def duplicate_reasons(frame: pl.DataFrame) -> pl.Series:
    """Return the _drop column of a collected frame, with duplicate rows marked.

    `frame` is a `normalize(..., duplicates=False)` result. A row whose _hash (`row_hash` of
    its data) equals an earlier row's gets the reason "duplicate row" unless it already has
    one. Sorting the hashes (one fast pass over integers) finds the repeated ones; only those
    rows, a small set, are searched for their first occurrence. Works on the columns alone,
    so a frame of many chunks is not copied.

    Example:
        >>> df = pl.DataFrame({HASH: [7, 7, 9, 7], DROP: [None, "x", None, None]})
        >>> duplicate_reasons(df.cast({DROP: pl.String, HASH: pl.UInt64})).to_list()
        [None, 'x', None, 'duplicate row']
    """
    hashes = frame.get_column(HASH)
    reasons = frame.get_column(DROP).clone()
    ordered = hashes.sort()
    repeated = ordered.filter(ordered == ordered.shift(1))
    if repeated.is_empty():
        return reasons
    at = hashes.is_in(repeated.implode()).arg_true()
    candidates = pl.DataFrame({HASH: hashes.gather(at), "at": at})
    later = candidates.filter(pl.col("at") != pl.col("at").min().over(HASH)).get_column("at")
    return reasons.scatter(later.filter(reasons.gather(later).is_null()), DUPLICATE)


def duplicates(frame: pl.DataFrame) -> tuple[pl.Series, Repeats]:
    """Return the _drop column of a collected frame under the repeats rule, and the repeats.

    `frame` is a `normalize(..., duplicates=False)` result. The time resolution is that of
    the rows with no drop reason yet; rows identical to an earlier one
    (`duplicate_reasons`) are counted, and marked "duplicate row" only when the times carry
    seconds; on coarser times they stay, as repeat events.

    Example:
        >>> from datetime import datetime
        >>> df = pl.DataFrame({TS: [datetime(2024, 1, 5)] * 2, HASH: [7, 7], DROP: [None, None]})
        >>> df = df.cast({DROP: pl.String, HASH: pl.UInt64})
        >>> reasons, repeats = duplicates(df)
        >>> reasons.to_list(), repeats
        ([None, None], Repeats(resolution='day', identical=1))
    """
    left = pl.col(TS).filter(pl.col(DROP).is_null())
    resolution = frame.select(time_resolution(left)).item()
    marked = duplicate_reasons(frame)
    repeats = Repeats(resolution, marked.eq(DUPLICATE).sum())
    return (frame.get_column(DROP) if repeats.kept else marked), repeats


def _properties(schema: pl.Schema, used: set[str]) -> list[pl.Expr]:
    """Return the other columns, strings stripped, renamed if they clash with a canonical."""
    exprs = []
    for name in schema.names():
        if name in used or name in HELPERS:
            continue
        expr = pl.col(name)
        if isinstance(schema[name], pl.String):
            expr = expr.str.strip_chars()
        exprs.append(expr.alias(f"{name}_source" if name in CANONICAL else name))
    return exprs


def _canonical(schema: pl.Schema, spec: Normalize) -> list[pl.Expr]:
    """Return the canonical columns (revenue still null where unparsed) and raw helpers."""
    event = _role(schema, spec, EVENT, parse_id)
    revenue = _role(schema, spec, REVENUE, parse_money)
    ts_source, money_source = spec.source(TS), spec.source(REVENUE)
    exprs = [
        _role(schema, spec, USER, parse_id),
        pl.lit(spec.event_name, pl.String).alias(EVENT) if event is None else event,
        _role(schema, spec, TS, partial(parse_ts, hint=spec.ts_format)),
        pl.lit(None, pl.Float64).alias(REVENUE) if revenue is None else revenue,
        _role(schema, spec, ACCOUNT, parse_id),
        _role(schema, spec, SESSION, parse_id),
        pl.col(ROW),
        pl.col(ts_source).alias(RAW_TS) if ts_source else pl.lit(None).alias(RAW_TS),
        pl.col(money_source).alias(_RAW_MONEY) if money_source else pl.lit(None).alias(_RAW_MONEY),
    ]
    return [e for e in exprs if e is not None]


def data_columns(frame: pl.DataFrame | pl.LazyFrame) -> list[str]:
    """Return the columns of a `normalize` result that hold data (not helpers)."""
    return [c for c in frame.collect_schema().names() if c not in (*HELPERS, HASH)]


def normalize(raw: pl.LazyFrame, spec: Normalize, *, duplicates: bool = True) -> pl.LazyFrame:
    """Return canonical events with the helper columns _row, _drop, _raw_ts, _bad_revenue.

    _row numbers the source rows from 1; _drop is the drop reason or null (`drop_reason`;
    without `duplicates`, rows get a _hash column instead for `duplicate_reasons`);
    _raw_ts keeps the source time of rows dropped for their time; _bad_revenue flags
    revenue cells that are present but are not amounts (they count as 0.0).
    """
    if ROW not in raw.collect_schema():
        raw = raw.with_row_index(ROW, offset=1)
    schema = raw.collect_schema()
    used = {c for _, c in spec.columns if c is not None}
    out = raw.select(*_canonical(schema, spec), *_properties(schema, used))
    money = pl.col(_RAW_MONEY)
    if isinstance(out.collect_schema()[_RAW_MONEY], pl.String):
        money = money.str.strip_chars().replace("", None)
    data = [c for c in out.collect_schema().names() if c not in (*HELPERS, _RAW_MONEY)]
    return out.with_columns(
        pl.col(REVENUE).fill_null(0.0),
        (money.is_not_null() & pl.col(REVENUE).is_null()).alias(BAD_MONEY),
        drop_reason(spec.now, data, duplicates=duplicates),
        *([] if duplicates else [row_hash(data).alias(HASH)]),
    ).select(
        pl.exclude(RAW_TS, _RAW_MONEY),
        pl.when(pl.col(DROP).is_in((BAD_TS, FUTURE_TS)))
        .then(pl.col(RAW_TS).cast(pl.String))
        .alias(RAW_TS),
    )
