"""Tests for nsm_core.io: formats, sources, detection, mapping, presets, bad input, reports.

Expected frames are typed in by hand from the fixture files (tests/fixtures/io/) or
computed with plain Python (csv module, sets) from generated rows.
"""

import contextlib
import csv
import gzip
import io as stdio
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nsm_core import io, schema
from nsm_core.schema import DataError

FIXTURES = Path(__file__).parent / "fixtures" / "io"
NOW = datetime(2024, 6, 1, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


EVENTS_CSV = (
    "user_id,event,ts,revenue,plan\n"
    "u1,signup,2024-01-01T10:00:00Z,,free\n"
    "u1,purchase,2024-01-02T11:30:00+01:00,$12.50,free\n"
    "u2,signup,2024-01-03 08:00:00,0,pro\n"
    "u2,refund,2024-01-04,-3.20,pro\n"
)
EXPECTED_ROWS = [
    ("u1", "signup", utc(2024, 1, 1, 10), 0.0, "free"),
    ("u1", "purchase", utc(2024, 1, 2, 10, 30), 12.5, "free"),
    ("u2", "signup", utc(2024, 1, 3, 8), 0.0, "pro"),
    ("u2", "refund", utc(2024, 1, 4), -3.2, "pro"),
]
CANONICAL_SCHEMA = {
    "user_id": pl.String,
    "event": pl.String,
    "ts": schema.TS_DTYPE,
    "revenue": pl.Float64,
}


def events_table() -> pl.DataFrame:
    """The same events with real types (what a parquet or JSON export holds)."""
    return pl.DataFrame(
        {
            "user_id": ["u1", "u1", "u2", "u2"],
            "event": ["signup", "purchase", "signup", "refund"],
            "ts": [
                utc(2024, 1, 1, 10),
                utc(2024, 1, 2, 10, 30),
                utc(2024, 1, 3, 8),
                utc(2024, 1, 4),
            ],
            "revenue": [None, 12.5, 0.0, -3.2],
            "plan": ["free", "free", "pro", "pro"],
        }
    )


def encoded(fmt: str) -> bytes:
    """Return the events in `fmt` as bytes."""
    if fmt == "csv":
        return EVENTS_CSV.encode()
    if fmt == "tsv":
        return EVENTS_CSV.replace(",", "\t").encode()
    buffer = stdio.BytesIO()
    if fmt == "parquet":
        events_table().write_parquet(buffer)
    else:
        events_table().with_columns(
            pl.col("ts").dt.to_string("%Y-%m-%dT%H:%M:%S%.f%z")
        ).write_ndjson(buffer)
    return buffer.getvalue()


def assert_expected(frame: pl.DataFrame) -> None:
    assert dict(frame.schema) == {**CANONICAL_SCHEMA, "plan": pl.String}
    assert frame.rows() == EXPECTED_ROWS


def load(source, **kwargs) -> io.Loaded:
    return io.load(source, now=NOW, **kwargs)


def message(source, **kwargs) -> str:
    with pytest.raises(DataError) as err:
        load(source, **kwargs)
    return str(err.value)


# ---------------------------------------------------------------- formats and sources


@pytest.mark.parametrize("fmt", io.FORMATS)
@pytest.mark.parametrize("zipped", [False, True], ids=["plain", "gzip"])
def test_every_format_from_a_path(tmp_path, fmt, zipped):
    data = encoded(fmt)
    path = tmp_path / f"events.{fmt}{'.gz' if zipped else ''}"
    path.write_bytes(gzip.compress(data) if zipped else data)
    assert_expected(load(path).events)
    assert_expected(io.load_events(str(path), now=NOW).collect())


@pytest.mark.parametrize("fmt", io.FORMATS)
@pytest.mark.parametrize("zipped", [False, True], ids=["plain", "gzip"])
def test_every_format_from_bytes_sniffed_or_named(fmt, zipped):
    data = gzip.compress(encoded(fmt)) if zipped else encoded(fmt)
    assert_expected(load(data, format=fmt).events)
    if fmt != "tsv":  # tab-separated text without a name is sniffed as delimited text too
        assert_expected(load(data).events)


def test_file_like_sources():
    binary = stdio.BytesIO(encoded("parquet"))
    binary.name = "upload.parquet"
    binary.read()  # an upload widget may have been read already: we rewind
    assert_expected(load(binary).events)
    assert_expected(load(stdio.StringIO(EVENTS_CSV)).events)


@pytest.mark.parametrize("fmt", io.FORMATS)
@pytest.mark.parametrize("name", ["events.csv", "events.parquet", "export.json", "ml.inter"])
def test_the_contents_decide_the_format_not_a_misleading_name(fmt, name):
    assert_expected(load(encoded(fmt), name=name).events)
    if fmt == "jsonl":  # a spreadsheet tool's UTF-16 text
        assert_expected(load(encoded(fmt).decode().encode("utf-16"), name=name).events)


def test_tsv_sniffed_from_content_without_a_name():
    assert_expected(load(encoded("tsv")).events)


def test_json_array_is_read_too():
    text = events_table().with_columns(pl.col("ts").dt.to_string("%+")).write_json()
    assert_expected(load(text.encode(), format="jsonl").events)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_large_files_are_scanned_lazily(tmp_path, fmt):
    path = tmp_path / f"events.{fmt}"
    path.write_bytes(encoded(fmt))
    plan = io.load_events(path, now=NOW)
    assert isinstance(plan, pl.LazyFrame)
    assert f"{fmt.upper()} SCAN" in plan.explain().upper()


@pytest.mark.parametrize(
    ("extra", "height"),
    [
        # times to the whole hour: the repeat of row 1 is a repeat event, kept
        ("u1,signup,2024-01-01T10:00:00Z,,free\n", 5),
        # times with seconds: the second u3 row is a double export, dropped
        ("u3,open,2024-01-05T10:00:07Z,,free\n" * 2, 5),
    ],
)
def test_load_and_load_events_agree(tmp_path, extra, height):
    path = tmp_path / "events.csv"
    path.write_text(EVENTS_CSV + extra + ",x,2024-01-01,,\n")
    lazy = io.load_events(path, now=NOW).collect()
    assert lazy.equals(load(path).events)
    assert lazy.height == height


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("a.csv", "csv"),
        ("a.CSV.gz", "csv"),
        ("a.txt", "csv"),
        ("a.tsv", "tsv"),
        ("a.tab.gz", "tsv"),
        ("a.parquet", "parquet"),
        ("a.pq", "parquet"),
        ("a.jsonl", "jsonl"),
        ("a.ndjson.gz", "jsonl"),
        ("a.json", "jsonl"),
    ],
)
def test_infer_format(name, fmt):
    assert io.infer_format(name) == fmt


@pytest.mark.parametrize("name", ["a.xlsx", "events", "a.gz"])
def test_infer_format_unknown(name):
    with pytest.raises(DataError, match="Cannot tell the format"):
        io.infer_format(name)


# ---------------------------------------------------------------- column detection and mapping


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (["userId", "event_type", "timestamp"], ("userId", "event_type", "timestamp", None)),
        (
            ["distinct_id", "event", "time", "$revenue"],
            ("distinct_id", "event", "time", "$revenue"),
        ),
        (["Customer ID", "Date", "Amount"], ("Customer ID", None, "Date", "Amount")),
        (
            ["person_id", "action", "created_at", "price"],
            ("person_id", "action", "created_at", "price"),
        ),
        (
            ["anonymous_id", "Event-Name", "event_time", "value"],
            ("anonymous_id", "Event-Name", "event_time", "value"),
        ),
        (
            ["amplitude_id", "EVENT_TYPE", "DateTime"],
            ("amplitude_id", "EVENT_TYPE", "DateTime", None),
        ),
        (["uid", "x", "ts"], ("uid", None, "ts", None)),
    ],
)
def test_detect_columns_common_names(columns, expected):
    found = io.detect_columns(columns)
    assert (found["user_id"], found["event"], found["ts"], found["revenue"]) == expected


def test_detect_columns_accounts_sessions_and_one_role_per_column():
    found = io.detect_columns(["org_id", "user_id", "sessionId", "date", "order_date"])
    assert found == {
        "user_id": "user_id",
        "event": None,
        "ts": "date",
        "revenue": None,
        "account_id": "org_id",
        "session_id": "sessionId",
    }
    assert io.detect_columns(["team_id", "company_id"])["account_id"] == "company_id"


def test_detect_columns_preset_names_win():
    columns = ["user_id", "user_pseudo_id", "event_date", "event_timestamp", "event_name"]
    assert io.detect_columns(columns)["user_id"] == "user_id"
    found = io.detect_columns(columns, "ga4")
    assert (found["user_id"], found["ts"]) == ("user_pseudo_id", "event_timestamp")


def test_mapping_overrides_detection():
    csv_text = "user_id,email,event,ts,when\na,x@y.z,e,2024-01-01,2024-02-02\n"
    loaded = load(csv_text.encode(), mapping={"user_id": "email", "ts": "when", "event": None})
    assert loaded.events.rows() == [
        ("x@y.z", "purchase", utc(2024, 2, 2), 0.0, "a", "e", "2024-01-01")
    ]
    assert loaded.events.columns[4:] == ["user_id_source", "event_source", "ts_source"]
    assert loaded.columns == (("user_id", "email"), ("ts", "when"))


def test_mapping_to_a_missing_column_lists_the_columns():
    text = message(b"a,b,c\n1,2,3\n", mapping={"user_id": "customer"}, name="orders.csv")
    assert text == (
        "The column mapping names 'customer', not a column of orders.csv. "
        "Found columns: a, b, c. Pick one of these columns."
    )


def test_mapping_with_an_unknown_role():
    assert "unknown roles: customer" in message(EVENTS_CSV.encode(), mapping={"customer": "a"})


def test_no_user_column():
    text = message(b"a,b,c\n1,2024-01-01,3\n", name="events.csv")
    assert text == (
        "No user column found in events.csv. Found columns: a, b, c. "
        "Map one to user_id in the column mapping."
    )


def test_no_time_column():
    text = message(b"user_id,b\n1,2\n", name="events.csv")
    assert text == (
        "No time column found in events.csv. Found columns: user_id, b. "
        "Map one to ts in the column mapping."
    )


def test_missing_event_column_is_a_constant_event_with_a_note():
    loaded = load(b"customer_id,date,dollar_value\n00001,19970101,11.77\n", event_name="order")
    assert loaded.events.rows() == [("00001", "order", utc(1997, 1, 1), 11.77)]
    assert any("no event column" in n and "'order'" in n for n in loaded.report.notes)
    assert loaded.columns == (
        ("user_id", "customer_id"),
        ("ts", "date"),
        ("revenue", "dollar_value"),
    )


def test_other_columns_are_kept_as_read_with_strings_stripped():
    table = events_table().with_columns(seats=pl.Series([1, 2, 3, 4]), plan=pl.lit(" pro "))
    buffer = stdio.BytesIO()
    table.write_parquet(buffer)
    events = load(buffer.getvalue()).events
    assert events.get_column("seats").dtype == pl.Int64
    assert events.get_column("plan").unique().to_list() == ["pro"]


def test_text_columns_of_numbers_in_an_upload_become_numbers():
    text = (
        "user_id,ts,cogs,discount,seats,coupon\n"
        "u1,2024-01-01,3.50,0,2,SAVE10\n"
        "u2,2024-01-02,12,1.25,,007\n"
        "u3,2024-01-03,-0.5,,10,\n"
    )
    loaded = load(text.encode(), name="orders.csv")
    events = loaded.events
    assert {c: events.schema[c] for c in ("cogs", "discount", "seats", "coupon")} == {
        "cogs": pl.Float64,
        "discount": pl.Float64,
        "seats": pl.Int64,
        "coupon": pl.String,
    }
    assert events.get_column("cogs").sum() == pytest.approx(3.5 + 12 - 0.5)
    assert events.get_column("discount").to_list() == [0.0, 1.25, None]
    assert events.get_column("seats").to_list() == [2, None, 10]
    assert events.get_column("coupon").to_list() == ["SAVE10", "007", None]
    assert (
        "Text columns that hold only numbers were read as numbers: 'cogs' (decimals), "
        "'discount' (decimals), 'seats' (whole numbers)."
    ) in loaded.report.notes
    # The lazy plan cannot see the whole column before it runs: properties stay as read.
    lazy = io.load_events(text.encode(), now=NOW).collect()
    assert lazy.get_column("cogs").to_list() == ["3.50", "12", "-0.5"]


def test_read_columns_is_the_flattened_header(tmp_path):
    assert io.read_columns(EVENTS_CSV.encode()) == ["user_id", "event", "ts", "revenue", "plan"]
    assert io.read_columns(FIXTURES / "mixpanel.jsonl")[:3] == ["event", "time", "distinct_id"]
    path = tmp_path / "x.parquet"
    path.write_bytes(encoded("parquet"))
    assert io.read_columns(path) == ["user_id", "event", "ts", "revenue", "plan"]


def test_nested_objects_flatten_one_level_and_clashes_keep_the_parent():
    lines = (
        b'{"user_id": "u", "ts": 1709287200, "plan": "top", '
        b'"properties": {"plan": "inner", "device": {"os": "ios"}, "tags": [1, 2]}}\n'
    )
    loaded = load(lines)
    row = loaded.events.row(0, named=True)
    assert row["plan"] == "top"
    assert row["properties.plan"] == "inner"
    assert row["device"] == '{"os":"ios"}'
    assert "tags" not in row
    assert any("tags" in note for note in loaded.report.notes)


# ---------------------------------------------------------------- presets


def test_presets_are_labelled():
    assert set(io.PRESETS) == {"amplitude", "mixpanel", "posthog", "segment", "ga4"}
    assert io.PRESETS["amplitude"] == "Amplitude export"


def test_preset_amplitude():
    loaded = load(FIXTURES / "amplitude.jsonl", preset="amplitude")
    events = loaded.events
    # Row 5 repeats row 1; row 2 has no user_id so amplitude_id stands in; bob's purchase
    # has no revenue, so the event property price fills it.
    assert events.select("user_id", "event", "ts", "revenue", "session_id").rows() == [
        ("alice", "Purchase", utc(2024, 3, 1, 10), 9.99, "1709287190000"),
        ("222", "Open App", utc(2024, 3, 1, 11, 30, 0, 500000), 0.0, "1709292600000"),
        ("alice", "Refund", utc(2024, 3, 2, 8), -9.99, "1709366400000"),
        ("bob", "Purchase", utc(2024, 3, 2, 12), 4.5, "1709380800000"),
    ]
    assert events.get_column("plan").to_list() == ["pro", None, "pro", "basic"]
    assert events.get_column("cohort").to_list() == ["A", "B", "A", "A"]
    assert loaded.report.drops == (("duplicate row", 1),)
    assert (loaded.report.refunds, loaded.report.refund_total) == (1, pytest.approx(-9.99))


def test_preset_mixpanel():
    events = load(FIXTURES / "mixpanel.jsonl", preset="mixpanel").events
    assert events.select("user_id", "event", "ts", "revenue", "plan").rows() == [
        ("u1", "Sign Up", utc(2024, 3, 1, 10), 0.0, "free"),
        ("u1", "Purchase", utc(2024, 3, 1, 11), 20.0, "pro"),
        ("u2", "Sign Up", utc(2024, 3, 2, 10), 0.0, "free"),
    ]
    assert events.get_column("mp_country_code").to_list() == ["US", "US", "FR"]


def test_preset_posthog_decodes_the_properties_json():
    loaded = load(FIXTURES / "posthog.csv", preset="posthog")
    assert loaded.events.select("user_id", "event", "ts", "revenue", "session_id").rows() == [
        ("ph_u1", "$pageview", utc(2024, 3, 1, 10), 0.0, "s1"),
        ("ph_u1", "purchase", utc(2024, 3, 1, 9, 5), 30.0, "s1"),
        ("ph_u2", "$pageview", utc(2024, 3, 2, 9), 0.0, "s2"),
    ]
    assert loaded.events.get_column("$browser").to_list() == ["Chrome", "Chrome", "Firefox"]
    assert dict(loaded.columns)["ts"] == "timestamp"


def test_preset_segment():
    loaded = load(FIXTURES / "segment.jsonl", preset="segment")
    assert loaded.events.select("user_id", "event", "ts", "revenue").rows() == [
        ("u1", "Order Completed", utc(2024, 3, 1, 10), 25.5),
        ("anon-2", "Product Viewed", utc(2024, 3, 1, 11), 0.0),
        ("u1", "identify", utc(2024, 3, 1, 9), 0.0),
    ]
    assert loaded.events.get_column("plan").to_list() == [None, None, "pro"]
    assert loaded.events.get_column("campaign").to_list() == ['{"source":"google"}', None, None]
    assert any("anonymousId" in note for note in loaded.report.notes)


def test_preset_ga4():
    loaded = load(FIXTURES / "ga4.jsonl", preset="ga4")
    assert loaded.events.select("user_id", "event", "ts", "revenue").rows() == [
        ("1234.5678", "session_start", utc(2024, 3, 1, 10), 0.0),
        ("1234.5678", "purchase", utc(2024, 3, 1, 10, 5, 0, 123456), 42.0),
        ("9999.1111", "purchase", utc(2024, 3, 2, 10), 10.0),
    ]
    assert loaded.events.get_column("user_id_source").to_list() == [None, None, "crm-9"]
    assert loaded.events.get_column("country").to_list() == ["Germany", "Germany", "France"]
    assert "event_params" not in loaded.events.columns
    assert loaded.report.revenue_total == pytest.approx(52.0)


def test_unknown_preset():
    assert "Unknown preset 'heap'" in message(EVENTS_CSV.encode(), preset="heap")


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "events.csv is empty."),
        (b"\n \r\n", "events.csv is empty."),
        (b"user_id,ts\n", "events.csv has column names but no rows. Columns: user_id, ts."),
        (b"user_id,ts\r\n", "events.csv has column names but no rows."),
        (random.Random(1).randbytes(3000), "does not look like text"),
        (b"PK\x03\x04" + b"\x00" * 40, "is a zip archive or an Excel workbook"),
        (b"\x1f\x8b\x08\x00garbage", "Could not read events.csv."),
        (b"user_id,ts\nu1,2024-01-01\nu2,2024-01-02,extra,fields\n", "Could not read events.csv."),
    ],
    ids=[
        "empty",
        "blank",
        "header-only",
        "header-only-crlf",
        "binary",
        "xlsx",
        "bad-gzip",
        "ragged",
    ],
)
def test_bad_files_say_what_is_wrong(data, expected):
    assert expected in message(data, name="events.csv")


def test_corrupt_parquet(tmp_path):
    path = tmp_path / "events.parquet"
    path.write_bytes(b"PAR1" + b"\x00" * 100)
    assert message(path).startswith("Could not read events.parquet.")


def test_parquet_chosen_for_text_and_text_for_parquet():
    assert "is a parquet file" in message(encoded("parquet"), format="csv")
    assert message(EVENTS_CSV.encode(), format="parquet").startswith("Could not read")


def test_invalid_json_lines():
    assert message(b'{"user_id": "a", "ts": 1}\n{"user_id": \n', format="jsonl").startswith(
        "Could not read"
    )


def test_missing_path_and_odd_sources(tmp_path):
    assert message(tmp_path / "nope.csv").startswith("File not found")
    assert message(42).startswith("Cannot read events from a int")
    assert "Unknown format 'xlsx'" in message(EVENTS_CSV.encode(), format="xlsx")


@pytest.mark.parametrize("sep", [";", "|", "\t"])
def test_other_separators_are_sniffed(sep):
    assert_expected(load(EVENTS_CSV.replace(",", sep).encode(), format="csv").events)


def test_comma_file_chosen_as_tsv_still_reads():
    assert_expected(load(EVENTS_CSV.encode(), format="tsv").events)


def test_space_aligned_text_is_one_column_and_says_so():
    text = b" customer_id  date number_of_cds  dollar_value\n 00001 19970101  1   11.77\n"
    got = message(text, name="CDNOW_master.txt")
    assert got.startswith("CDNOW_master.txt was read as a single column named")
    assert "Its header contains a space, which did not split it." in got


def test_semicolon_file_chosen_as_tsv_is_sniffed():
    assert_expected(load(EVENTS_CSV.replace(",", ";").encode(), format="tsv").events)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_bom_and_crlf(fmt):
    data = b"\xef\xbb\xbf" + encoded(fmt).replace(b"\n", b"\r\n")
    assert_expected(load(data).events)


@pytest.mark.parametrize(
    ("encoding", "label"), [("cp1252", "Windows-1252"), ("latin-1", "Windows-1252")]
)
def test_non_utf8_text_is_decoded(encoding, label):
    text = "user_id,ts,revenue,city\nu1,2024-01-01,12,Zürich\nu2,2024-01-02,3,Málaga\n"
    loaded = load(text.encode(encoding))
    assert loaded.events.get_column("city").to_list() == ["Zürich", "Málaga"]
    assert any(label in note for note in loaded.report.notes)


def test_cp1252_euro_sign_and_undefined_bytes():
    loaded = load("user_id,ts,revenue\nu1,2024-01-01,€12\n".encode("cp1252"))
    assert loaded.events.get_column("revenue").to_list() == [12.0]
    latin = load(b"user_id,ts,note\nu1,2024-01-01,\x81\x8d\n")
    assert latin.events.get_column("note").to_list() == ["\x81\x8d"]
    assert any("Latin-1" in note for note in latin.report.notes)


def test_utf16_spreadsheet_export():
    data = EVENTS_CSV.replace(",", "\t").encode("utf-16")
    assert_expected(load(data, name="export.txt").events)


def test_cleaning_counts_each_reason():
    text = (
        "user_id,event,ts,revenue\n"
        "u1,open,2024-01-01T09:30:15,1\n"  # kept
        "u1,open,2024-01-01T09:30:15,1\n"  # duplicate: times carry seconds
        ",open,2024-01-02,1\n"  # no user
        "null,open,2024-01-02,1\n"  # no user
        "u2,,2024-01-02,1\n"  # no event
        "u2,open,01/02/2024,1\n"  # unparseable
        "u2,open,2031-01-01,1\n"  # future
        "u2,open,2024-01-03,oops\n"  # kept, revenue 0 with a note
        "u2,open,2024-01-01,1\n"  # kept: differs from row 1 in user
    )
    loaded = load(text.encode())
    assert loaded.report.drops == (
        ("missing user id", 2),
        ("missing event name", 1),
        ("unparseable timestamp", 1),
        ("timestamp in the future", 1),
        ("duplicate row", 1),
    )
    assert (loaded.report.rows_read, loaded.report.rows_kept) == (9, 3)
    assert loaded.events.get_column("revenue").to_list() == [1.0, 0.0, 1.0]
    notes = " ".join(loaded.report.notes)
    assert "'01/02/2024' (rows 6)" in notes
    assert "'2031-01-01' (rows 7)" in notes
    assert "1 values of 'revenue' are not amounts" in notes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "user_id,ts\n,2024-01-01\nnull,2024-01-02\n ,2024-01-03\n",
            "Every row of events.csv was dropped: 3 of 3 rows have 'missing user id'. "
            "Column 'user_id': rows 1, 2, 3. Map another column to user_id",
        ),
        (
            "user_id,ts\na,31.12.2023\nb,soon\nc,?\nd,x\n",
            "Every row of events.csv was dropped: 4 of 4 rows have 'unparseable timestamp'. "
            "Column 'ts': '31.12.2023', 'soon', '?' (rows 1, 2, 3).",
        ),
        (
            "user_id,ts\na,2099-01-01\n",
            "Every row of events.csv was dropped: 1 of 1 rows have 'timestamp in the future'. "
            "Column 'ts': '2099-01-01' (rows 1).",
        ),
    ],
)
def test_every_row_dropped_is_an_error_with_examples(text, expected):
    assert message(text.encode(), name="events.csv").startswith(expected)
    with pytest.raises(DataError, match="Every row"):
        io.load_events(text.encode(), now=NOW)


@pytest.mark.parametrize("clock", ["", "T10:00:05"])
def test_quality_report_matches_a_plain_python_count(tmp_path, clock):
    # Dates only: identical rows are repeat events, kept; with seconds, double exports.
    rng = random.Random(7)
    rows = []
    for _ in range(400):
        day = (date(2024, 1, 1) + timedelta(days=rng.randrange(140))).isoformat() + clock
        rows.append(
            {
                "uid": rng.choice(["", "u1", "u2", "u3", "u4", "u5"]),
                "event": rng.choice(["open", "buy", "refund"]),
                "event_time": rng.choice([day, day, "bad", "2030-01-01"]),
                "amount": rng.choice(["", "5", "-2.50", "10"]),
            }
        )
    path = tmp_path / "gen.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    seen, kept, reasons, identical = set(), [], {}, 0
    for row in rows:
        reason = None
        if not row["uid"]:
            reason = "missing user id"
        elif row["event_time"] == "bad":
            reason = "unparseable timestamp"
        elif row["event_time"] == "2030-01-01":
            reason = "timestamp in the future"
        elif tuple(row.values()) in seen:
            identical += 1
            reason = "duplicate row" if clock else None
        seen.add(tuple(row.values()))
        if reason:
            reasons[reason] = reasons.get(reason, 0) + 1
        else:
            kept.append(row)
    amounts = [float(r["amount"] or 0) for r in kept]

    report = load(path).report
    assert report.rows_read == 400
    assert report.rows_kept == len(kept)
    assert dict(report.drops) == reasons
    assert report.users == len({r["uid"] for r in kept})
    assert report.event_types == len({r["event"] for r in kept})
    assert identical > 0
    assert report.repeats == schema.Repeats("second" if clock else "day", identical)
    assert report.first_ts.date() == min(date.fromisoformat(r["event_time"][:10]) for r in kept)
    assert report.last_ts.date() == max(date.fromisoformat(r["event_time"][:10]) for r in kept)
    assert report.revenue_total == pytest.approx(sum(amounts))
    assert report.refunds == sum(a < 0 for a in amounts)
    assert report.refund_total == pytest.approx(sum(a for a in amounts if a < 0))


def test_sessions_can_be_derived_from_loaded_events():
    events = io.load_events(EVENTS_CSV.encode(), now=NOW)
    sessions = schema.with_sessions(events).collect().get_column("session_id").to_list()
    assert sessions == ["u1:1", "u1:2", "u2:1", "u2:2"]


PREFIXES = [b"", b"\x1f\x8b", b"PAR1", b"\xef\xbb\xbf", b"\xff\xfe", b"{", b"[", b"user_id,ts\n"]


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(PREFIXES), st.binary(max_size=300))
def test_random_bytes_give_a_data_error_or_events(prefix, data):
    try:
        loaded = io.load(prefix + data, name="fuzz", now=NOW)
    except DataError:
        return
    assert loaded.report.rows_kept == loaded.events.height > 0


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
        min_size=2,
        max_size=8,
    )
)
def test_random_text_lines_give_a_data_error_or_events(lines):
    with contextlib.suppress(DataError):
        io.load("\n".join(["user_id,ts,x", *lines]).encode(), now=NOW)


# ---------------------------------------------------------------- spend


def test_load_spend_sums_days_into_months():
    text = (
        "date,channel,spend,discounts,cogs\n"
        "2024-01-03,paid search,$100.00,5,1\n"
        "2024-01-20,paid search,50,,2\n"
        "2024-01-20,social,1,0,0\n"
        '2024-02-01,paid search,"1,000",0,3\n'
    )
    spend = io.load_spend(text.encode())
    assert dict(spend.schema) == {
        "month": pl.Date,
        "channel": pl.String,
        "ad_spend": pl.Float64,
        "discounts": pl.Float64,
        "cogs": pl.Float64,
    }
    assert spend.rows() == [
        (date(2024, 1, 1), "paid search", 150.0, 5.0, 3.0),
        (date(2024, 1, 1), "social", 1.0, 0.0, 0.0),
        (date(2024, 2, 1), "paid search", 1000.0, 0.0, 3.0),
    ]


def test_load_spend_months_and_no_channel(tmp_path):
    path = tmp_path / "spend.parquet"
    pl.DataFrame({"month": ["2024-01", "2024-2"], "ad_spend": [10, 20]}).write_parquet(path)
    assert io.load_spend(path).rows() == [
        (date(2024, 1, 1), "all", 10.0),
        (date(2024, 2, 1), "all", 20.0),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"channel,spend\nads,1\n", "No month or date column found in the spend table"),
        (b"month,channel\n2024-01,ads\n", "No ad spend column found"),
        (
            b"month,spend\n2024-01,1\nJanuary,2\n",
            "1 rows of the spend table have no readable 'month'",
        ),
        (
            b"month,spend\n2024-01,lots\n",
            "1 rows of the spend table have an amount that is not a number",
        ),
        (b"", "is empty"),
    ],
)
def test_load_spend_errors(text, expected):
    with pytest.raises(DataError, match=expected):
        io.load_spend(text)


MONEY_NAMES = [
    "transaction_value", "transaction_amount", "TransactionAmount", "order_amount",
    "payment_amount", "Payment Amount", "gmv", "sale_amount", "sales_amount",
    "purchase_amount", "purchase_value", "amount_paid", "total_price", "grand_total",
    "subtotal", "net_amount", "gross_revenue", "charge_amount", "invoice_amount",
]  # fmt: skip
NOT_MONEY = ["rating", "score", "quantity", "qty", "count", "age", "seats", "items", "rank"]


@pytest.mark.parametrize("name", MONEY_NAMES)
def test_common_money_columns_are_revenue(name):
    assert io.detect_columns(["customer_id", "date", "rating", "quantity", name])["revenue"] == name


def test_transaction_value_is_loaded_as_revenue():
    text = b"customer_id,date,transaction_value\nc1,2024-01-05,$12.50\nc2,2024-01-06,3\n"
    loaded = load(text)
    assert loaded.events.get_column("revenue").to_list() == [12.5, 3.0]
    assert ("revenue", "transaction_value") in loaded.columns


def test_counts_and_ratings_are_never_revenue():
    assert io.detect_columns(["user_id", "ts", *NOT_MONEY])["revenue"] is None


# ---------------------------------------------------------------- RecBole atomic files


def test_recbole_inter_file_loads_with_the_types_taken_off_the_names():
    # tests/fixtures/io/tiny.inter: MovieLens-style, epoch seconds; row 4 repeats row 3.
    loaded = load(FIXTURES / "tiny.inter")
    events = loaded.events
    assert events.columns == ["user_id", "event", "ts", "revenue", "item_id", "rating"]
    assert events.select("user_id", "ts", "item_id", "rating").rows() == [
        ("7", utc(1997, 12, 4, 15, 55, 49), "42", 4.0),
        ("7", utc(1997, 12, 4, 16), "107", 5.0),
        ("12", utc(1998, 4, 4, 19, 22, 22), "42", 3.0),
        ("30", utc(1997, 11, 7, 7, 18, 36), "911", 1.0),
        ("45", utc(1997, 11, 27, 5, 2, 3), "107", 2.5),
    ]
    # a token is text even when it looks like a number; rating is never revenue
    assert events.schema["item_id"] == pl.String
    assert events.get_column("revenue").to_list() == [0.0] * 5
    assert loaded.report.drops == (("duplicate row", 1),)
    assert any("RecBole" in note and "user_id:token" in note for note in loaded.report.notes)


def test_recbole_header_is_detected_from_the_contents_not_the_name():
    data = (FIXTURES / "tiny.inter").read_bytes()
    for name in ("ml-100k.inter", "ratings", "ratings.txt", "ratings.csv"):
        assert load(data, name=name).events.height == 5
    assert io.read_columns(data) == ["user_id", "item_id", "rating", "timestamp"]


def test_a_recbole_user_table_is_explained():
    got = message((FIXTURES / "tiny.user").read_bytes(), name="ml-100k.user")
    assert got.startswith("No time column found in ml-100k.user.")
    assert "Found columns: user_id, age, gender, occupation, zip_code." in got
    assert "upload the .inter file" in got


def test_a_colon_in_some_headers_only_is_left_alone():
    text = b"user_id,ts,note:token\nu1,2024-01-01,x\n"
    assert load(text).events.columns[-1] == "note:token"
