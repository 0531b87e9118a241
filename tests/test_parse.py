"""Tests for nsm_core.parse: timestamps, money and ids from text, numbers and datetimes.

Expected values are worked by hand or computed with the standard library (datetime,
decimal), never with the functions under test.
"""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from nsm_core.parse import guess_ts_format, parse_id, parse_money, parse_ts
from nsm_core.schema import TS_DTYPE, DataError


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def parsed_ts(values: list, dtype: pl.DataType | None = None) -> list:
    dtype = dtype or pl.String()
    series = pl.Series(values, dtype=dtype)
    return pl.select(parse_ts(pl.lit(series), dtype)).to_series().to_list()


def parsed_money(values: list, dtype: pl.DataType | None = None) -> list:
    dtype = dtype or pl.String()
    series = pl.Series(values, dtype=dtype)
    return pl.select(parse_money(pl.lit(series), dtype)).to_series().to_list()


# ---------------------------------------------------------------- timestamps

TS_CASES = [
    ("2024-01-02T03:04:05Z", utc(2024, 1, 2, 3, 4, 5)),
    ("2024-01-02T03:04:05.123Z", utc(2024, 1, 2, 3, 4, 5, 123000)),
    ("2024-01-02T03:04:05+05:30", utc(2024, 1, 1, 21, 34, 5)),
    ("2024-01-02 03:04:05+0530", utc(2024, 1, 1, 21, 34, 5)),
    ("2024-01-02 03:04:05.5-02", utc(2024, 1, 2, 5, 4, 5, 500000)),
    ("2024-01-02 03:04:05 +01:00", utc(2024, 1, 2, 2, 4, 5)),
    ("2024-01-02 03:04:05 UTC", utc(2024, 1, 2, 3, 4, 5)),  # BigQuery's text form
    ("2024-01-02 03:04:05", utc(2024, 1, 2, 3, 4, 5)),  # naive = UTC
    ("2024-01-02T03:04", utc(2024, 1, 2, 3, 4)),
    ("2024-01-02T03:04+01:00", utc(2024, 1, 2, 2, 4)),
    ("2024-1-2 3:04:05", utc(2024, 1, 2, 3, 4, 5)),
    ("2024-01-02", utc(2024, 1, 2)),
    ("2024/01/02", utc(2024, 1, 2)),
    ("  2024-01-02  ", utc(2024, 1, 2)),
    ("20240102", utc(2024, 1, 2)),  # CDNOW style
    ("1704164645", utc(2024, 1, 2, 3, 4, 5)),  # epoch seconds
    ("1704164645.25", utc(2024, 1, 2, 3, 4, 5, 250000)),
    ("1704164645123", utc(2024, 1, 2, 3, 4, 5, 123000)),  # ms
    ("1704164645123456", utc(2024, 1, 2, 3, 4, 5, 123456)),  # µs (GA4)
    ("1704164645123456789", utc(2024, 1, 2, 3, 4, 5, 123456)),  # ns
    ("yesterday", None),
    ("31/12/2023", None),  # day-first dates are ambiguous: not guessed
    ("2024-13-01", None),
    ("20241301", None),
    ("12345", None),  # too small for any epoch unit since 1973
    ("", None),
    (None, None),
]


@pytest.mark.parametrize(("text", "expected"), TS_CASES)
def test_parse_ts_text(text, expected):
    assert parsed_ts([text]) == [expected]


def test_parse_ts_mixed_column_parses_each_value_on_its_own():
    texts = [t for t, _ in TS_CASES]
    assert parsed_ts(texts) == [e for _, e in TS_CASES]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (20240102, utc(2024, 1, 2)),
        (1704164645, utc(2024, 1, 2, 3, 4, 5)),
        (1704164645123, utc(2024, 1, 2, 3, 4, 5, 123000)),
        (1704164645123456, utc(2024, 1, 2, 3, 4, 5, 123456)),
        (20241340, None),
        (7, None),
        (None, None),
    ],
)
def test_parse_ts_integers_by_magnitude(value, expected):
    assert parsed_ts([value], pl.Int64()) == [expected]


def test_parse_ts_floats():
    got = parsed_ts([1704164645.5, 20240102.0, 1704164645123.0, float("nan")], pl.Float64())
    expected = [utc(2024, 1, 2, 3, 4, 5, 500000), utc(2024, 1, 2), utc(2024, 1, 2, 3, 4, 5, 123000)]
    assert got == [*expected, None]


def test_parse_ts_datetimes_and_dates():
    berlin = pl.Series([datetime(2024, 7, 1, 12)]).dt.replace_time_zone("Europe/Berlin")
    assert pl.select(parse_ts(pl.lit(berlin), berlin.dtype)).item() == utc(2024, 7, 1, 10)
    naive = pl.Series([datetime(2024, 7, 1, 12)]).cast(pl.Datetime("ms"))
    assert pl.select(parse_ts(pl.lit(naive), naive.dtype)).item() == utc(2024, 7, 1, 12)
    days = pl.Series([date(2024, 7, 1)])
    out = pl.select(parse_ts(pl.lit(days), pl.Date())).to_series()
    assert out.dtype == TS_DTYPE
    assert out.to_list() == [utc(2024, 7, 1)]


def test_parse_ts_rejects_nested_columns():
    with pytest.raises(DataError, match="nested"):
        parse_ts(pl.col("x"), pl.List(pl.Int64))


# Instants from 1973-03-04 (epoch seconds reach 1e8, the smallest read as a time) on.
INSTANTS = st.datetimes(min_value=datetime(1973, 3, 4), max_value=datetime(2100, 1, 1)).map(
    lambda t: t.replace(tzinfo=UTC)
)
OFFSETS = st.integers(-14 * 4, 14 * 4).map(lambda q: timezone(timedelta(minutes=15 * q)))


def epoch_us(t: datetime) -> int:
    return (t - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def whole_seconds(t: datetime) -> datetime:
    return t.replace(microsecond=0)


def midnight(t: datetime) -> datetime:
    return t.replace(hour=0, minute=0, second=0, microsecond=0)


# Each formatter returns (text, the UTC instant the text denotes).
FORMATTERS = {
    "iso offset": lambda t, tz: (t.astimezone(tz).isoformat(), t),
    "iso Z": lambda t, _: (t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), t),
    "naive space": lambda t, _: (t.strftime("%Y-%m-%d %H:%M:%S.%f"), t),
    "offset no colon": lambda t, tz: (
        t.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S%z"),
        whole_seconds(t),
    ),
    "date": lambda t, _: (t.strftime("%Y-%m-%d"), midnight(t)),
    "yyyymmdd": lambda t, _: (t.strftime("%Y%m%d"), midnight(t)),
    "epoch s": lambda t, _: (str(epoch_us(t) // 10**6), whole_seconds(t)),
    "epoch ms": lambda t, _: (
        str(epoch_us(t) // 1000),
        t.replace(microsecond=t.microsecond // 1000 * 1000),
    ),
    "epoch us": lambda t, _: (str(epoch_us(t)), t),
}


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(INSTANTS, OFFSETS, st.sampled_from(sorted(FORMATTERS))), max_size=12))
@example([(datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC), UTC, "iso offset")])
@example(
    [(datetime(1999, 12, 31, 23, 30, tzinfo=UTC), timezone(timedelta(hours=14)), "iso offset")]
)
def test_formatted_times_round_trip_to_the_same_utc_instant(cases):
    pairs = [FORMATTERS[name](t, tz) for t, tz, name in cases]
    texts = pl.Series([text for text, _ in pairs], dtype=pl.String)
    expected = [instant for _, instant in pairs]
    assert parsed_ts(texts.to_list()) == expected
    # The speed hint changes nothing but the order in which formats are tried.
    hint = guess_ts_format(texts)
    assert pl.select(parse_ts(pl.lit(texts), pl.String(), hint)).to_series().to_list() == expected


@settings(max_examples=40, deadline=None)
@given(st.lists(INSTANTS, max_size=10), st.sampled_from([1, 1000, 10**6]))
def test_epoch_numbers_round_trip(instants, divisor):
    numbers = [epoch_us(t) // divisor for t in instants]
    expected = [
        datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=n * divisor) for n in numbers
    ]
    assert parsed_ts(numbers, pl.Int64()) == expected


# ---------------------------------------------------------------- money

MONEY_CASES = [
    ("$1,234.50", 1234.5),
    ("-3.20", -3.2),
    ("$-3.20", -3.2),
    ("-$3.20", -3.2),
    ("€12", 12.0),
    ("12 EUR", 12.0),
    ("USD 1,000", 1000.0),
    ("(5.00)", -5.0),
    ("($1,234.56)", -1234.56),
    ("1.234,50", 1234.5),
    ("1 234,50 €", 1234.5),
    ("12,5", 12.5),
    ("1,234", 1234.0),
    ("1.234.567", 1234567.0),
    ("1e3", 1000.0),
    ("  7 ", 7.0),
    ("n/a", None),
    ("", None),
    (None, None),
]


@pytest.mark.parametrize(("text", "expected"), MONEY_CASES)
def test_parse_money_text(text, expected):
    assert parsed_money([text]) == [pytest.approx(expected) if expected is not None else None]


def test_parse_money_numbers():
    assert parsed_money([1, None, -2], pl.Int64()) == [1.0, None, -2.0]
    assert parsed_money([1.5, float("nan")], pl.Float64()) == [1.5, None]


def us_style(amount: Decimal, symbol: str, negative: str) -> str:
    body = f"{symbol}{abs(amount):,.2f}"
    if amount >= 0:
        return body
    return {"minus": f"-{body}", "inner": f"{symbol}-{abs(amount):,.2f}", "parens": f"({body})"}[
        negative
    ]


def european_style(amount: Decimal, symbol: str) -> str:
    grouped = f"{abs(amount):,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"{'-' if amount < 0 else ''}{grouped} {symbol}".strip()


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.decimals(min_value=-(10**7), max_value=10**7, places=2),
            st.sampled_from(["", "$", "€", "£", "USD "]),
            st.sampled_from(["us", "european", "plain"]),
            st.sampled_from(["minus", "inner", "parens"]),
        ),
        max_size=12,
    )
)
@example([(Decimal("-1234.50"), "$", "us", "parens")])
@example([(Decimal("1234.50"), "€", "european", "minus")])
def test_formatted_amounts_parse_back(cases):
    texts = []
    for amount, symbol, style, negative in cases:
        if style == "us":
            texts.append(us_style(amount, symbol, negative))
        elif style == "european":
            texts.append(european_style(amount, symbol))
        else:
            texts.append(str(amount))
    got = parsed_money(texts)
    assert got == [pytest.approx(float(a), abs=1e-6) for a, *_ in cases]


# ---------------------------------------------------------------- ids


def test_parse_id():
    texts = [" u1 ", "", "null", "undefined", "NaN", "-", None, "0042"]
    got = pl.select(parse_id(pl.lit(pl.Series(texts)), pl.String())).to_series().to_list()
    assert got == ["u1", None, None, None, None, None, None, "0042"]
    floats = pl.Series([123.0, 1.5, float("nan"), None])
    assert pl.select(parse_id(pl.lit(floats), pl.Float64())).to_series().to_list() == [
        "123",
        "1.5",
        None,
        None,
    ]
    ints = pl.Series([7, None])
    assert pl.select(parse_id(pl.lit(ints), pl.Int64())).to_series().to_list() == ["7", None]
