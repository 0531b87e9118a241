"""The canonical event schema, the error users see, and the data-quality report.

Every loader returns events with these columns (DESIGN.md, "Canonical event schema"):
user_id (String), event (String), ts (Datetime us UTC), revenue (Float64, 0.0 when absent),
optional account_id and session_id (String); any other column is a property kept as read.

This module turns raw columns into canonical ones with polars expressions only (no Python
per row): `parse_ts`, `parse_money`, `parse_id`, then `normalize` marks each row with the
reason it is dropped (or null), and `summarize` counts the reasons into a `QualityReport`.
"""

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial, reduce
from typing import Final

import polars as pl

from nsm_core._types import FrameT
from nsm_core.periods import epoch_us

USER: Final = "user_id"
EVENT: Final = "event"
TS: Final = "ts"
REVENUE: Final = "revenue"
ACCOUNT: Final = "account_id"
SESSION: Final = "session_id"

REQUIRED: Final = (USER, EVENT, TS)
TS_DTYPE: Final = pl.Datetime("us", "UTC")
CANONICAL_DTYPES: Final[dict[str, pl.DataType]] = {
    USER: pl.String(),
    EVENT: pl.String(),
    TS: TS_DTYPE,
    REVENUE: pl.Float64(),
    ACCOUNT: pl.String(),
    SESSION: pl.String(),
}
CANONICAL: Final = tuple(CANONICAL_DTYPES)

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

# Values that tracking code writes when it has no id ("undefined" from JavaScript, "nan"
# from pandas); they are as missing as an empty cell.
NULL_IDS: Final = ("", "null", "NULL", "Null", "None", "none", "nan", "NaN", "NA", "N/A", "n/a")
NULL_IDS_EXTRA: Final = ("undefined", "-")

# Magnitude bounds of epoch numbers: seconds from 1973-03-03 up to year 5138, then ms, µs
# (ns beyond).
_EPOCH_STEPS: Final = ((10**8, 10**11, 1_000_000), (10**11, 10**14, 1_000), (10**14, 10**17, 1))
_YYYYMMDD: Final = (19000101, 21001231)
# A time of day followed by a zone: Z, ±hh, ±hhmm or ±hh:mm.
_ZONED: Final = r"\d:\d\d(?:[.,]\d+)?\s?(?:Z|[+-]\d\d(?::?\d\d)?)$"
_HINTS: Final = (
    "%Y-%m-%dT%H:%M:%S%.f%#z",
    "%Y-%m-%d %H:%M:%S%.f%#z",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%d",
)
_TS_FORMATS: Final = (
    "%Y-%m-%d %H:%M:%S%.f%#z",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%d %H:%M%#z",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
)


class DataError(ValueError):
    """Input we cannot use, explained: what is wrong, where, and what to do about it.

    The message is written for the person who uploaded the file, e.g.
    "No user column found in events.csv. Found columns: a, b, c. Map one to user_id in
    the column mapping."
    """

    def __init__(self, problem: str, *, where: str = "", fix: str = "") -> None:
        self.problem = problem
        self.where = where
        self.fix = fix
        super().__init__(" ".join(part for part in (problem, where, fix) if part))


@dataclass(frozen=True, slots=True)
class QualityReport:
    """What loading did to the rows: nothing is dropped without being counted here.

    rows_read = rows_kept + sum(drops) (duplicates are one of the drop reasons).
    revenue_total = Σ revenue of kept rows (net of refunds); refunds = #(revenue < 0);
    refund_total = Σ revenue over those rows (a negative number or 0).
    """

    rows_read: int
    rows_kept: int
    drops: tuple[tuple[str, int], ...]
    users: int
    event_types: int
    first_ts: datetime | None
    last_ts: datetime | None
    revenue_total: float
    refunds: int
    refund_total: float
    notes: tuple[str, ...] = field(default=())

    @property
    def rows_dropped(self) -> int:
        """Rows removed in cleaning, all reasons together."""
        return self.rows_read - self.rows_kept


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


def _ts_from_int(x: pl.Expr) -> pl.Expr:
    """Return UTC datetimes from integers: YYYYMMDD, or epoch s / ms / µs by magnitude."""
    us = pl.when(x >= 10**17).then(x // 1_000)  # nanoseconds
    for low, high, scale in reversed(_EPOCH_STEPS):
        us = pl.when(x.is_between(low, high, closed="left")).then(x * scale).otherwise(us)
    ymd = pl.when(x.is_between(*_YYYYMMDD)).then(x).cast(pl.String)
    return pl.coalesce(
        ymd.str.to_date("%Y%m%d", strict=False).cast(TS_DTYPE),
        us.cast(TS_DTYPE),
    )


def _ts_from_float(x: pl.Expr) -> pl.Expr:
    """Return UTC datetimes from floats (fractional epoch seconds, or integral values)."""
    f = pl.field
    fraction = pl.when(f("x").is_between(10**8, 10**11, closed="left") & (f("x") != f("whole")))
    return (
        pl.struct(x=x.fill_nan(None))
        .struct.with_fields(whole=f("x").round())
        .struct.with_fields(
            out=pl.coalesce(
                fraction.then(
                    (f("x") * 1_000_000).round().cast(pl.Int64, strict=False).cast(TS_DTYPE)
                ),
                _ts_from_int(f("whole").cast(pl.Int64, strict=False)),
            )
        )
        .struct.field("out")
    )


def _to_utc(text: pl.Expr, fmt: str) -> pl.Expr:
    """Return `text` parsed with `fmt` as UTC (naive times are UTC), null where it fails."""
    return text.str.to_datetime(fmt, time_unit="us", time_zone="UTC", strict=False)


def _ts_from_string(raw: pl.Expr, hint: str | None = None) -> pl.Expr:
    """Return UTC datetimes from text: ISO 8601 (offset or naive = UTC), dates, or numbers.

    The `hint` format (the one most of the column uses) is tried on every value; the other
    formats only see the values still unparsed, and each only those whose shape fits it, so
    a column costs about one parse. Intermediate values live in struct fields (`pl.field`)
    so that each is computed once: polars does not share repeated sub-expressions here.
    """
    f = pl.field
    iso, zoned, short = f("iso"), f("zoned"), f("short")
    first = _to_utc(f("raw"), hint) if hint else pl.lit(None, TS_DTYPE)
    return (
        pl.struct(raw=raw)
        .struct.with_fields(first=first)
        .struct.with_fields(text=pl.when(f("first").is_null()).then(f("raw")).str.strip_chars())
        .struct.with_fields(
            iso=f("text")
            .str.strip_suffix(" UTC")
            .str.replace("T", " ", literal=True)
            .str.replace_all("/", "-", literal=True),
            whole=f("text").cast(pl.Int64, strict=False),
        )
        .struct.with_fields(zoned=iso.str.contains(_ZONED), short=iso.str.len_bytes() <= 10)
        .struct.with_fields(
            full_zoned=_to_utc(pl.when(zoned).then(iso), _TS_FORMATS[0]),
            full_naive=_to_utc(pl.when(~zoned & ~short).then(iso), _TS_FORMATS[1]),
        )
        .struct.with_fields(
            out=pl.coalesce(
                f("first"),
                f("full_zoned"),
                f("full_naive"),
                _to_utc(pl.when(zoned & f("full_zoned").is_null()).then(iso), _TS_FORMATS[2]),
                _to_utc(pl.when(~short & f("full_naive").is_null()).then(iso), _TS_FORMATS[3]),
                _to_utc(pl.when(short).then(iso), _TS_FORMATS[4]),
                _ts_from_int(f("whole")),
                _ts_from_float(
                    pl.when(f("whole").is_null()).then(f("text")).cast(pl.Float64, strict=False)
                ),
            )
        )
        .struct.field("out")
    )


def guess_ts_format(values: pl.Series) -> str | None:
    """Return the strptime format that parses most of `values` (text), or None.

    Passed to `parse_ts` as its hint, it makes a uniform column cost one parse.

    Example:
        >>> guess_ts_format(pl.Series(["2024-01-02T03:04:05Z", "2024-01-03T00:00:00.5Z"]))
        '%Y-%m-%dT%H:%M:%S%.f%#z'
    """
    if values.dtype != pl.String:
        return None
    counts = {fmt: values.str.to_datetime(fmt, strict=False).count() for fmt in _HINTS}
    best = max(counts, key=lambda fmt: counts[fmt])
    return best if counts[best] else None


def parse_ts(expr: pl.Expr, dtype: pl.DataType, hint: str | None = None) -> pl.Expr:
    """Return `expr` (of type `dtype`) as Datetime("us", "UTC"); null where it is not a time.

    Datetimes with a zone are converted, naive ones are taken as UTC. Integers and numeric
    strings are YYYYMMDD (19000101..21001231) or epoch seconds / ms / µs / ns chosen by
    magnitude: |x| in [1e8, 1e11) s, [1e11, 1e14) ms, [1e14, 1e17) µs. Strings are ISO 8601
    (T or space, optional fraction, Z or ±hh[:mm], or " UTC"), dates, or YYYY/MM/DD;
    `hint` (from `guess_ts_format`) is a strptime format tried first, for speed only.

    Example:
        >>> s = pl.Series(["2024-01-02T03:04:05+01:00", "20240102", "1704164645000", "x"])
        >>> for t in pl.select(parse_ts(pl.lit(s), pl.String())).to_series():
        ...     print(t)
        2024-01-02 02:04:05+00:00
        2024-01-02 00:00:00+00:00
        2024-01-02 03:04:05+00:00
        None
    """
    if dtype.is_nested():
        raise DataError(
            "The time column holds nested values (lists or objects).",
            fix="Map a column of dates, times or epoch numbers to ts.",
        )
    if isinstance(dtype, pl.Datetime):
        zoned = expr.dt.replace_time_zone("UTC") if dtype.time_zone is None else expr
        return zoned.dt.convert_time_zone("UTC").cast(TS_DTYPE)
    kinds = (
        (isinstance(dtype, pl.Date), lambda e: e.cast(TS_DTYPE)),
        (dtype.is_integer(), lambda e: _ts_from_int(e.cast(pl.Int64))),
        (dtype.is_numeric(), lambda e: _ts_from_float(e.cast(pl.Float64))),
        (_is_text(dtype), lambda e: _ts_from_string(e.cast(pl.String), hint)),
    )
    parse = next((fn for matches, fn in kinds if matches), lambda _: pl.lit(None, TS_DTYPE))
    return parse(expr)


def _is_text(dtype: pl.DataType) -> bool:
    """Return whether values of `dtype` are text (String, Categorical or Enum)."""
    return isinstance(dtype, pl.String | pl.Categorical | pl.Enum)


def _money_from_string(raw: pl.Expr) -> pl.Expr:
    """Return amounts from text with currency signs, separators and accounting negatives."""
    f = pl.field
    body, last = f("body"), f("last")
    # The last separator is the decimal one when both appear ("1.234,50"); a lone comma is a
    # decimal comma unless it groups thousands ("1,234"); repeated dots group ("1.234.567").
    european = ((last == ",") & ~body.str.contains(r"^\d{1,3}(,\d{3})+(\.\d*)?$")) | (
        body.str.contains(r"^\d{1,3}(\.\d{3}){2,}$")
    )
    plain = (
        pl.when(european)
        .then(body.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True))
        .otherwise(body.str.replace_all(",", "", literal=True))
        .cast(pl.Float64, strict=False)
    )
    return (
        pl.struct(raw=raw)
        .struct.with_fields(direct=f("raw").cast(pl.Float64, strict=False))
        .struct.with_fields(text=pl.when(f("direct").is_null()).then(f("raw")).str.strip_chars())
        .struct.with_fields(body=f("text").str.replace_all(r"[^0-9.,]", ""))
        .struct.with_fields(last=body.str.extract(r"([.,])\d*$", 1))
        .struct.with_fields(
            out=pl.coalesce(
                f("direct"),
                pl.when(f("text").str.contains(r"^\(.*\)$|-")).then(-plain).otherwise(plain),
            )
        )
        .struct.field("out")
    )


def parse_money(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Return `expr` as Float64 money; null where the value is missing or not an amount.

    Text may carry currency signs or codes ("$1,234.50", "€12", "12 EUR"), thousands
    separators ("1,234.50", "1.234,50", "1 234,50") and negatives as "-3.20", "$-3.20" or
    "(5.00)".

    Example:
        >>> s = pl.Series(["$1,234.50", "(5.00)", "€12", "1.234,5", "n/a"])
        >>> pl.select(parse_money(pl.lit(s), pl.String())).to_series().to_list()
        [1234.5, -5.0, 12.0, 1234.5, None]
    """
    if _is_text(dtype):
        return _money_from_string(expr.cast(pl.String))
    if dtype.is_numeric() or isinstance(dtype, pl.Boolean):
        return expr.cast(pl.Float64).fill_nan(None)
    return pl.lit(None, pl.Float64)


def parse_id(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Return `expr` as a stripped String id; null for empty cells and "null"-like tokens.

    Float ids with no fraction lose the ".0" a spreadsheet adds (123.0 -> "123").

    Example:
        >>> s = pl.Series([" u1 ", "", "undefined", None])
        >>> pl.select(parse_id(pl.lit(s), pl.String())).to_series().to_list()
        ['u1', None, None, None]
    """
    if dtype.is_float():
        whole = expr.fill_nan(None)
        text = pl.when(whole == whole.round()).then(whole.cast(pl.Int64, strict=False))
        return text.cast(pl.String).fill_null(whole.cast(pl.String))
    if dtype.is_nested():
        raise DataError(
            "An id column holds nested values (lists or objects).",
            fix="Map a column of plain text or numbers instead.",
        )
    return expr.cast(pl.String).str.strip_chars().replace([*NULL_IDS, *NULL_IDS_EXTRA], None)


Parser = Callable[[pl.Expr, pl.DataType], pl.Expr]
_RAW_MONEY: Final = "_raw_revenue"


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
    duplicate row (same `row_hash` of `columns` as an earlier row). Collected loads leave
    duplicates out here and call `duplicate_reasons`, which is faster on whole frames.

    Example:
        >>> from datetime import datetime
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
        reason = reason.when(~row_hash(columns).is_first_distinct()).then(pl.lit(DUPLICATE))
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


def _examples(frame: pl.DataFrame, reason: str, limit: int = 3) -> str:
    """Return up to `limit` source values (for time reasons) and row numbers of `reason`."""
    # Gather the few rows by position: filtering would copy every column of a large frame.
    at = frame.get_column(DROP).eq(reason).arg_true().head(limit)
    rows = ", ".join(str(r) for r in frame.get_column(ROW).gather(at))
    if reason not in (BAD_TS, FUTURE_TS):
        return f"rows {rows}"
    values = ", ".join(repr(v) for v in frame.get_column(RAW_TS).gather(at))
    return f"{values} (rows {rows})"


_ADVICE: Final = {
    MISSING_USER: "Map another column to user_id in the column mapping.",
    MISSING_EVENT: "Map another column to event, or none to give every row the same name.",
    BAD_TS: (
        "Use ISO 8601 times (2024-01-31 or 2024-01-31T13:45:00Z), YYYYMMDD, or epoch "
        "seconds, milliseconds or microseconds, or map another column to ts."
    ),
    FUTURE_TS: "Check the time unit and the clock of the system that exported the file.",
    DUPLICATE: "Nothing to do: exact repeats of a row are kept once.",
}


def drop_counts(frame: pl.DataFrame) -> tuple[tuple[str, int], ...]:
    """Return (reason, rows) for each drop reason that occurs, in DROP_REASONS order."""
    counts = dict(frame.get_column(DROP).drop_nulls().value_counts().iter_rows())
    return tuple((reason, counts[reason]) for reason in DROP_REASONS if reason in counts)


def require_rows(frame: pl.DataFrame, spec: Normalize, name: str) -> None:
    """Raise DataError when `normalize` dropped every row, naming the main reason.

    Raises:
        DataError: every row has a drop reason; the message shows three examples.
    """
    drops = drop_counts(frame)
    if not drops or frame.get_column(DROP).null_count():
        return
    reason, count = max(drops, key=lambda pair: pair[1])
    column = spec.source({MISSING_USER: USER, MISSING_EVENT: EVENT}.get(reason, TS))
    raise DataError(
        f"Every row of {name} was dropped: {count} of {frame.height} rows have {reason!r}.",
        where=f"Column {column!r}: {_examples(frame, reason)}.",
        fix=_ADVICE[reason],
    )


def _notes(frame: pl.DataFrame, spec: Normalize) -> list[str]:
    """Return what the reader should know about dropped times and unreadable amounts."""
    notes = []
    for reason in (BAD_TS, FUTURE_TS):
        n = frame.get_column(DROP).eq(reason).sum()
        if n:
            where = _examples(frame, reason)
            notes.append(f"{n} rows dropped for {reason!r} in {spec.source(TS)!r}, e.g. {where}.")
    bad_money = frame.get_column(BAD_MONEY).sum()
    if bad_money:
        notes.append(
            f"{bad_money} values of {spec.source(REVENUE)!r} are not amounts and count as 0 "
            "revenue."
        )
    return notes


def summarize(
    frame: pl.DataFrame,
    spec: Normalize,
    notes: tuple[str, ...] = (),
    kept: pl.DataFrame | None = None,
) -> QualityReport:
    """Return the quality report of a collected `normalize` result.

    `kept` are its rows without a drop reason, when the caller has them already (so the
    totals need no second filter of the frame).

    Example:
        >>> from datetime import datetime
        >>> raw = pl.LazyFrame({"u": ["a", "a", None], "t": ["2024-01-01"] * 3, "r": [5, -2, 1]})
        >>> spec = Normalize(
        ...     (("user_id", "u"), ("ts", "t"), ("revenue", "r")), datetime(2025, 1, 1)
        ... )
        >>> report = summarize(normalize(raw, spec).collect(), spec)
        >>> report.rows_kept, report.drops, report.revenue_total, report.refund_total
        (2, (('missing user id', 1),), 3.0, -2.0)
    """
    refund = pl.col(REVENUE).filter(pl.col(REVENUE) < 0)
    # Lazy, so that only the columns the totals need are filtered.
    rows = kept.lazy() if kept is not None else frame.lazy().filter(pl.col(DROP).is_null())
    stats = (
        rows.select(
            rows_kept=pl.len(),
            users=pl.col(USER).n_unique(),
            event_types=pl.col(EVENT).n_unique(),
            first_ts=pl.col(TS).min(),
            last_ts=pl.col(TS).max(),
            revenue_total=pl.col(REVENUE).sum(),
            refunds=refund.len(),
            refund_total=refund.sum(),
        )
        # The streaming engine counts distinct users without a second copy of the ids.
        .collect(engine="streaming")
        .row(0, named=True)
    )
    return QualityReport(
        rows_read=frame.height,
        drops=drop_counts(frame),
        notes=(*notes, *_notes(frame, spec)),
        **stats,
    )


def with_sessions(events: FrameT, gap_minutes: int = 30) -> FrameT:
    """Return `events` with session_id derived from inactivity gaps, when it has none.

    A user's session starts at their first event and at every event more than
    `gap_minutes` after their previous one; session_id = "<user_id>:<n>" with n = 1, 2, ...
    counted in time order. Lazy expressions only; row order is unchanged.

    Example:
        >>> from datetime import datetime as dt
        >>> ts = [dt(2024, 1, 1, 9), dt(2024, 1, 1, 9, 20), dt(2024, 1, 1, 10), dt(2024, 1, 1)]
        >>> df = pl.DataFrame({"user_id": ["a", "a", "a", "b"], "ts": ts})
        >>> with_sessions(df).get_column("session_id").to_list()
        ['a:1', 'a:1', 'a:2', 'b:1']
    """
    if SESSION in events.collect_schema().names():
        return events
    gap = epoch_us(TS).diff().over(USER, order_by=TS)
    starts = (gap.is_null() | (gap > gap_minutes * 60_000_000)).alias(SESSION)
    number = pl.col(SESSION).cum_sum().over(USER, order_by=TS)
    return events.with_columns(starts).with_columns(
        pl.concat_str(pl.col(USER), pl.lit(":"), number.cast(pl.String)).alias(SESSION)
    )
