"""Tests for nsm_core.cleaning and nsm_core.quality: drop reasons, the quality summary.

Expected values are worked by hand, never with the functions under test.
"""

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from nsm_core.cleaning import DROP, HELPERS, RAW_TS, ROW, Normalize, normalize
from nsm_core.quality import require_rows, summarize
from nsm_core.schema import TS_DTYPE, DataError

NOW = datetime(2024, 6, 1, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


RAW = {
    "who": ["a", "a", "a", None, "b", "b", "c", "c"],
    "when": [
        "2024-01-01T09:30:15",
        "2024-01-01T09:30:15",  # exact repeat of row 1, to the second: a double export
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
    return normalize(pl.LazyFrame(RAW), SPEC).collect()


def test_normalize_marks_each_row_with_its_first_drop_reason():
    frame = normalized()
    assert frame.get_column(DROP).to_list() == [
        None,
        "duplicate row",
        None,
        "missing user id",
        "unparseable timestamp",
        "timestamp in the future",
        None,
        "missing event name",
    ]
    assert frame.get_column(ROW).to_list() == list(range(1, 9))
    assert frame.get_column(RAW_TS).to_list() == [None] * 4 + [
        "not a date",
        "2024-06-03",
        None,
        None,
    ]


def test_normalize_output_schema_and_values():
    kept = normalized().filter(pl.col(DROP).is_null()).drop(HELPERS)
    assert kept.schema == pl.Schema(
        {
            "user_id": pl.String,
            "event": pl.String,
            "ts": TS_DTYPE,
            "revenue": pl.Float64,
            "plan": pl.String,
        }
    )
    assert kept.rows() == [
        ("a", "buy", utc(2024, 1, 1, 9, 30, 15), 10.0, "pro"),
        ("a", "buy", utc(2024, 1, 3), 5.0, "pro"),
        ("c", "refund", utc(2024, 1, 5), -4.5, "free"),
    ]


def test_summarize_counts_everything():
    report = summarize(normalized(), SPEC, notes=("read as text",))
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
    assert (report.first_ts, report.last_ts) == (utc(2024, 1, 1, 9, 30, 15), utc(2024, 1, 5))
    assert report.revenue_total == pytest.approx(10 + 5 - 4.5)
    assert (report.refunds, report.refund_total) == (1, pytest.approx(-4.5))
    assert report.notes[0] == "read as text"
    assert "'not a date' (rows 5)" in report.notes[1]
    assert "'2024-06-03' (rows 6)" in report.notes[2]
    assert report.notes[3].startswith("1 values of 'money' are not amounts")


def test_identical_rows_on_dates_only_are_kept():
    raw = {**RAW, "when": ["2024-01-01", "2024-01-01", *RAW["when"][2:]]}
    reasons = normalize(pl.LazyFrame(raw), SPEC).collect().get_column(DROP).to_list()
    assert reasons[:2] == [None, None]
    assert reasons.count("duplicate row") == 0


def test_future_limit_is_now_plus_one_day():
    limit = NOW + timedelta(days=1)
    raw = pl.LazyFrame(
        {"u": ["a", "b"], "t": [limit, limit + timedelta(microseconds=1)]},
        schema={"u": pl.String, "t": TS_DTYPE},
    )
    spec = Normalize((("user_id", "u"), ("ts", "t")), NOW.replace(tzinfo=None))
    reasons = normalize(raw, spec).collect().get_column(DROP).to_list()
    assert reasons == [None, "timestamp in the future"]


def test_canonical_names_in_properties_are_renamed():
    raw = pl.LazyFrame({"uid": ["a"], "ts": ["2024-01-01"], "date": ["2024-02-02"]})
    spec = Normalize((("user_id", "uid"), ("ts", "date")), NOW)
    out = normalize(raw, spec).collect()
    assert out.get_column("ts").to_list() == [utc(2024, 2, 2)]
    assert out.get_column("ts_source").to_list() == ["2024-01-01"]


def test_fallbacks_fill_empty_cells_in_order():
    raw = pl.LazyFrame(
        {"uid": [None, "a", None], "anon": ["x", "y", None], "t": ["2024-01-01"] * 3}
    )
    spec = Normalize((("user_id", "uid"), ("ts", "t")), NOW, fallbacks=(("user_id", ("anon",)),))
    out = normalize(raw, spec).collect()
    assert out.get_column("user_id").to_list() == ["x", "a", None]


def test_require_rows_names_the_reason_and_three_examples():
    raw = pl.LazyFrame({"u": list("abcd"), "t": ["soon", "later", "never", "tbd"]})
    spec = Normalize((("user_id", "u"), ("ts", "t")), NOW)
    frame = normalize(raw, spec).collect()
    with pytest.raises(DataError) as err:
        require_rows(frame, spec, "events.csv")
    message = str(err.value)
    assert message.startswith(
        "Every row of events.csv was dropped: 4 of 4 rows have 'unparseable timestamp'."
    )
    assert "Column 't': 'soon', 'later', 'never' (rows 1, 2, 3)." in message
    assert "ISO 8601" in message


def test_require_rows_passes_when_a_row_survives():
    require_rows(normalized(), SPEC, "x")
