"""Tests for nsm_core.schema: parsers, drop reasons, the quality summary, sessions.

Expected values are worked by hand or computed with the standard library (datetime,
decimal), never with the functions under test.
"""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from nsm_core import schema
from nsm_core.schema import DataError, Normalize, parse_id, parse_money, parse_ts

NOW = datetime(2024, 6, 1, tzinfo=UTC)


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
    assert out.dtype == schema.TS_DTYPE
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
    hint = schema.guess_ts_format(texts)
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


# ---------------------------------------------------------------- normalize and report

RAW = {
    "who": ["a", "a", "a", None, "b", "b", "c", "c"],
    "when": [
        "2024-01-01",
        "2024-01-01",  # exact repeat of row 1
        "2024-01-03",
        "2024-01-04",  # no user
        "not a date",
        "2024-06-03",  # later than NOW + 1 day
        "2024-01-05",
        "2024-01-06",
    ],
    "what": ["buy", "buy", "buy", "buy", "buy", "buy", "refund", None],
    "money": ["$10.00", "$10.00", "5", "1", "1", "1", "(4.50)", "x"],
    "plan": [" pro ", " pro ", "pro", "free", "free", "free", "free", "free"],
}
SPEC = Normalize((("user_id", "who"), ("event", "what"), ("ts", "when"), ("revenue", "money")), NOW)


def normalized() -> pl.DataFrame:
    return schema.normalize(pl.LazyFrame(RAW), SPEC).collect()


def test_normalize_marks_each_row_with_its_first_drop_reason():
    frame = normalized()
    assert frame.get_column(schema.DROP).to_list() == [
        None,
        "duplicate row",
        None,
        "missing user id",
        "unparseable timestamp",
        "timestamp in the future",
        None,
        "missing event name",
    ]
    assert frame.get_column(schema.ROW).to_list() == list(range(1, 9))
    assert frame.get_column(schema.RAW_TS).to_list() == [None] * 4 + [
        "not a date",
        "2024-06-03",
        None,
        None,
    ]


def test_normalize_output_schema_and_values():
    kept = normalized().filter(pl.col(schema.DROP).is_null()).drop(schema.HELPERS)
    assert kept.schema == pl.Schema(
        {
            "user_id": pl.String,
            "event": pl.String,
            "ts": schema.TS_DTYPE,
            "revenue": pl.Float64,
            "plan": pl.String,
        }
    )
    assert kept.rows() == [
        ("a", "buy", utc(2024, 1, 1), 10.0, "pro"),
        ("a", "buy", utc(2024, 1, 3), 5.0, "pro"),
        ("c", "refund", utc(2024, 1, 5), -4.5, "free"),
    ]


def test_summarize_counts_everything():
    report = schema.summarize(normalized(), SPEC, notes=("read as text",))
    assert report.rows_read == 8
    assert report.rows_kept == 3
    assert report.rows_dropped == 5
    assert report.drops == (
        ("missing user id", 1),
        ("missing event name", 1),
        ("unparseable timestamp", 1),
        ("timestamp in the future", 1),
        ("duplicate row", 1),
    )
    assert (report.users, report.event_types) == (2, 2)
    assert (report.first_ts, report.last_ts) == (utc(2024, 1, 1), utc(2024, 1, 5))
    assert report.revenue_total == pytest.approx(10 + 5 - 4.5)
    assert (report.refunds, report.refund_total) == (1, pytest.approx(-4.5))
    assert report.notes[0] == "read as text"
    assert "'not a date' (rows 5)" in report.notes[1]
    assert "'2024-06-03' (rows 6)" in report.notes[2]
    assert report.notes[3].startswith("1 values of 'money' are not amounts")


def test_future_limit_is_now_plus_one_day():
    limit = NOW + timedelta(days=1)
    raw = pl.LazyFrame(
        {"u": ["a", "b"], "t": [limit, limit + timedelta(microseconds=1)]},
        schema={"u": pl.String, "t": schema.TS_DTYPE},
    )
    spec = Normalize((("user_id", "u"), ("ts", "t")), NOW.replace(tzinfo=None))
    reasons = schema.normalize(raw, spec).collect().get_column(schema.DROP).to_list()
    assert reasons == [None, "timestamp in the future"]


def test_canonical_names_in_properties_are_renamed():
    raw = pl.LazyFrame({"uid": ["a"], "ts": ["2024-01-01"], "date": ["2024-02-02"]})
    spec = Normalize((("user_id", "uid"), ("ts", "date")), NOW)
    out = schema.normalize(raw, spec).collect()
    assert out.get_column("ts").to_list() == [utc(2024, 2, 2)]
    assert out.get_column("ts_source").to_list() == ["2024-01-01"]


def test_fallbacks_fill_empty_cells_in_order():
    raw = pl.LazyFrame(
        {"uid": [None, "a", None], "anon": ["x", "y", None], "t": ["2024-01-01"] * 3}
    )
    spec = Normalize((("user_id", "uid"), ("ts", "t")), NOW, fallbacks=(("user_id", ("anon",)),))
    out = schema.normalize(raw, spec).collect()
    assert out.get_column("user_id").to_list() == ["x", "a", None]


def test_require_rows_names_the_reason_and_three_examples():
    raw = pl.LazyFrame({"u": list("abcd"), "t": ["soon", "later", "never", "tbd"]})
    spec = Normalize((("user_id", "u"), ("ts", "t")), NOW)
    frame = schema.normalize(raw, spec).collect()
    with pytest.raises(DataError) as err:
        schema.require_rows(frame, spec, "events.csv")
    message = str(err.value)
    assert message.startswith(
        "Every row of events.csv was dropped: 4 of 4 rows have 'unparseable timestamp'."
    )
    assert "Column 't': 'soon', 'later', 'never' (rows 1, 2, 3)." in message
    assert "ISO 8601" in message


def test_require_rows_passes_when_a_row_survives():
    schema.require_rows(normalized(), SPEC, "x")


# ---------------------------------------------------------------- sessions


def test_with_sessions_worked_example():
    ts = [
        datetime(2024, 1, 1, 9, 0),
        datetime(2024, 1, 1, 9, 30),  # exactly 30 min later: same session
        datetime(2024, 1, 1, 10, 0, 1),  # 30 min 1 s later: new session
        datetime(2024, 1, 1, 8, 0),  # earlier row given last: still the first session
        datetime(2024, 1, 1, 9, 0),
    ]
    events = pl.DataFrame({"user_id": ["a", "a", "a", "a", "b"], "ts": ts})
    out = schema.with_sessions(events.lazy())
    assert isinstance(out, pl.LazyFrame)
    assert out.collect().get_column("session_id").to_list() == ["a:2", "a:2", "a:3", "a:1", "b:1"]


def test_with_sessions_keeps_existing_sessions():
    events = pl.DataFrame({"user_id": ["a"], "ts": [datetime(2024, 1, 1)], "session_id": ["s"]})
    assert schema.with_sessions(events).equals(events)


def naive_sessions(users: list[str], minutes: list[int], gap: int) -> list[str]:
    order = sorted(range(len(users)), key=lambda i: (users[i], minutes[i]))
    out, last, number = [""] * len(users), {}, {}
    for i in order:
        u = users[i]
        if u not in last or minutes[i] - last[u] > gap:
            number[u] = number.get(u, 0) + 1
        last[u] = minutes[i]
        out[i] = f"{u}:{number[u]}"
    return out


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from("abc"), st.integers(0, 300)), max_size=30),
    st.sampled_from([10, 30]),
)
def test_with_sessions_matches_a_plain_python_walk(rows, gap):
    users = [u for u, _ in rows]
    minutes = [m for _, m in rows]
    events = pl.DataFrame(
        {"user_id": users, "ts": [datetime(2024, 1, 1) + timedelta(minutes=m) for m in minutes]},
        schema={"user_id": pl.String, "ts": pl.Datetime("us")},
    )
    got = schema.with_sessions(events, gap_minutes=gap).get_column("session_id").to_list()
    assert got == naive_sessions(users, minutes, gap)
