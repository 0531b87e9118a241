"""Load events: read -> flatten -> resolve the columns -> clean -> report.

`load_events` returns a lazy plan (parquet and CSV paths are scanned, not read whole);
`load` runs the same plan once and also returns the quality report. Both go through
`_plan`: read -> flatten nested JSON one level -> pick the column of each role (mapping,
preset, then common names) -> `cleaning.normalize` marks each row with the reason it is
dropped, or null.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Final

import polars as pl

from nsm_core import cleaning, parse, properties, quality
from nsm_core.cleaning import DROP, HELPERS, ROW, Normalize
from nsm_core.io._columns import _listing, _Options, _resolve
from nsm_core.io._flatten import _flatten, _json_columns
from nsm_core.io._read import (
    _SEPARATORS,
    _File,
    _open,
    _read,
    _Reading,
    _reading,
    _sniff_format,
)
from nsm_core.schema import TS, DataError, QualityReport

SAMPLE_ROWS: Final = 1_000


@dataclass(frozen=True, slots=True)
class Loaded:
    """Clean canonical events, what cleaning did to them, and the columns used.

    columns: (role, source column) for each role read from the file.
    """

    events: pl.DataFrame
    report: QualityReport
    columns: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class _Plan:
    """A lazy normalised frame plus what is needed to report on it."""

    name: str
    frame: pl.LazyFrame
    sample: pl.LazyFrame
    spec: Normalize
    notes: tuple[str, ...] = field(default=())
    table: pl.LazyFrame | None = None
    text: tuple[str, ...] = ()


def _with_ts_format(spec: Normalize, sample: pl.DataFrame) -> Normalize:
    """Return `spec` with the format most sampled text times use (a speed hint)."""
    hint = parse.guess_ts_format(sample.get_column(spec.source(TS) or ""))
    return replace(spec, ts_format=hint)


def _check_shape(sample: pl.DataFrame, name: str, fmt: str) -> None:
    """Raise DataError for a table with no rows, or text read as a single column."""
    columns = [c for c in sample.columns if c != ROW]
    if not columns:
        raise DataError(f"{name} is empty.", fix="Choose a file with some events.")
    if len(columns) == 1 and fmt in ("csv", "tsv"):
        seps = [
            label for sep, label in {**_SEPARATORS, " ": "a space"}.items() if sep in columns[0]
        ]
        raise DataError(
            f"{name} was read as a single column named {columns[0][:80]!r}.",
            where=f"Its header contains {' and '.join(seps)}, which did not split it."
            if seps
            else "No comma, semicolon, tab or | separates its values.",
            fix="Save it as CSV (comma-separated) or TSV (tab-separated) with one header row.",
        )
    if sample.height == 0:
        raise DataError(
            f"{name} has column names but no rows.",
            where=f"Columns: {_listing(columns)}.",
            fix="Export the events themselves, not only the header.",
        )


def _table(source: Any, opts: _Options, rows: int) -> tuple[_Reading, pl.DataFrame, _File]:
    """Return the flattened table (with reading notes), its first `rows` rows, and the file."""
    file = _open(source, opts.name)
    with _reading(file.name):
        fmt = opts.format or _sniff_format(file, file.head())
        read = _read(file, fmt)
        head = read.table.head(rows).collect()
        bags = _json_columns(head)
        table, flat_notes = _flatten(read.table, bags)
        sample = _flatten(head.lazy(), bags)[0].collect()
    _check_shape(sample, file.name, fmt)
    return replace(read, table=table, notes=(*read.notes, *flat_notes)), sample, file


def _plan(source: Any, opts: _Options) -> _Plan:
    """Return the lazy normalised events of `source` and what is needed to report on them."""
    read, sample, file = _table(source, opts, SAMPLE_ROWS)
    columns = [c for c in sample.columns if c != ROW]
    spec, resolve_notes = _resolve(columns, opts, file.name)
    spec = _with_ts_format(spec, sample)
    with _reading(file.name):
        frame = cleaning.normalize(read.table, spec)
        checked = cleaning.normalize(sample.lazy(), spec)
    notes = (*read.notes, *resolve_notes)
    return _Plan(file.name, frame, checked, spec, notes, read.table, read.text)


def load_events(  # noqa: PLR0913 - the public signature (docs/architecture.md#public-api)
    source: Any,
    *,
    format: str | None = None,  # noqa: A002
    preset: str | None = None,
    mapping: Mapping[str, str | None] | None = None,
    event_name: str = "purchase",
    now: datetime | None = None,
) -> pl.LazyFrame:
    r"""Return the clean canonical events of `source` as a lazy frame.

    source: a path, bytes or an open file; CSV, TSV, parquet or JSON Lines, gzipped or not.
    Parquet and CSV paths are scanned lazily. Rows failing cleaning (missing user or event,
    unparseable or future time, exact duplicate when times carry seconds: on dates only,
    identical rows are repeat events) are left out; `load` also counts them.
    Properties are kept as read (a CSV's as text): typing a column of numbers needs all of
    it, which `load` does.
    The header and the first rows are checked now, so a file that cannot work fails here.

    Raises:
        DataError: the file cannot be read or has no usable user or time column.

    Example:
        >>> row = b"c1,2024-01-05 09:30:15,$12.50\n"  # twice, to the second: a double export
        >>> load_events(b"customer,time,amount\n" + row + row).collect().rows()
        [('c1', 'purchase', datetime.datetime(2024, 1, 5, 9, 30, 15, tzinfo=zoneinfo.ZoneInfo(key='UTC')), 12.5)]
    """  # noqa: E501
    opts = _Options(format, preset, mapping, event_name, now)
    plan = _plan(source, opts)
    with _reading(plan.name):
        quality.require_rows(plan.sample.collect(), plan.spec, plan.name)
    return plan.frame.filter(pl.col(DROP).is_null()).drop(HELPERS)


def _numbers_note(types: Mapping[str, pl.DataType]) -> tuple[str, ...]:
    """Return a note naming the text columns read as numbers (none when there are none)."""
    if not types:
        return ()
    kinds = ", ".join(
        f"{c!r} ({'whole numbers' if d == pl.Int64 else 'decimals'})" for c, d in types.items()
    )
    return (f"Text columns that hold only numbers were read as numbers: {kinds}.",)


def load(  # noqa: PLR0913 - the public signature the app codes against
    source: Any,
    *,
    format: str | None = None,  # noqa: A002
    preset: str | None = None,
    mapping: Mapping[str, str | None] | None = None,
    event_name: str = "purchase",
    now: datetime | None = None,
    name: str | None = None,
) -> Loaded:
    r"""Return the clean events of `source` collected, with the quality report.

    Same reading and cleaning as `load_events`; every row dropped is counted by reason.
    Text property columns that hold only numbers become Int64 or Float64
    (`properties.numbers_from_text`), with a note. `name` is the file name used in
    messages (defaults to the path's or file's name).

    Raises:
        DataError: the file cannot be read, has no user or time column, or every row is
            dropped (the message names the main reason with three examples).

    Example:
        >>> csv = b"user,ts,event\nu1,2024-01-05T10:00:00Z,open\n,2024-01-06,open\n"
        >>> loaded = load(csv, name="events.csv")
        >>> loaded.report.rows_read, loaded.report.drops, loaded.columns
        (2, (('missing user id', 1),), (('user_id', 'user'), ('event', 'event'), ('ts', 'ts')))
    """
    opts = _Options(format, preset, mapping, event_name, now, name)
    plan = _plan(source, opts)
    with _reading(plan.name):
        # Duplicates are marked on the collected frame: a sort of one integer column, far
        # faster than a per-row is_first_distinct over millions of rows.
        frame = cleaning.normalize(plan.table, plan.spec, duplicates=False).collect()
        reasons, repeats = cleaning.duplicates(frame)
        frame.replace_column(frame.get_column_index(DROP), reasons)
    quality.require_rows(frame, plan.spec, plan.name)
    # The frame holds one chunk per row group; contiguous events make every later
    # computation (each page's) much cheaper.
    kept = frame.get_column(DROP).is_null()
    keep_all = kept.all()
    # Column by column, so that only one column's intermediate copy exists at a time.
    events = pl.DataFrame(
        [
            (column if keep_all else column.filter(kept)).rechunk()
            for column in (frame.get_column(c) for c in cleaning.data_columns(frame))
        ]
    )
    events, types = properties.numbers_from_text(events, keep=plan.text)
    notes = (*plan.notes, *_numbers_note(types))
    report = quality.summarize(frame, plan.spec, notes, kept=events, repeats=repeats)
    columns = tuple((role, column) for role, column in plan.spec.columns if column)
    return Loaded(events, report, columns)


def read_columns(source: Any, *, format: str | None = None) -> list[str]:  # noqa: A002
    r"""Return the column names of `source` as the mapping sees them (objects flattened).

    Reads the header and a few rows only.

    Example:
        >>> read_columns(b'{"event": "a", "properties": {"distinct_id": "u", "time": 1}}\n')
        ['event', 'distinct_id', 'time']
    """
    sample = _table(source, _Options(format=format), rows=100)[1]
    return [c for c in sample.columns if c != ROW]
