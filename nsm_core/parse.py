"""Parsers that turn raw columns of any type into canonical values (polars expressions).

`parse_ts` (times, with `guess_ts_format` for a speed hint), `parse_money` (amounts) and
`parse_id` (ids): each takes an expression and the source dtype, and returns null where a
value cannot be read, never a Python loop over rows.
"""

from typing import Final

import polars as pl

from nsm_core.schema import TS_DTYPE, DataError

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
