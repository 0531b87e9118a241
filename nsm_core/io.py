"""Read event files into the canonical schema: formats, presets, column mapping, cleaning.

The only module that touches files. `load_events` returns a lazy plan (parquet and CSV paths
are scanned, not read whole); `load` runs the same plan once and also returns the quality
report. Both go through `_plan`: read -> flatten nested JSON one level -> pick the column
of each role (mapping, preset, then common names) -> `schema.normalize` marks each row with
the reason it is dropped, or null.
"""

import contextlib
import gzip
import re
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from io import BytesIO
from pathlib import Path
from typing import Any, Final, Literal

import polars as pl

from nsm_core import schema
from nsm_core.schema import (
    ACCOUNT,
    CANONICAL,
    DROP,
    EVENT,
    HELPERS,
    REVENUE,
    ROW,
    SESSION,
    TS,
    USER,
    DataError,
    Normalize,
    QualityReport,
)

Format = Literal["csv", "tsv", "parquet", "jsonl"]
FORMATS: Final[tuple[Format, ...]] = ("csv", "tsv", "parquet", "jsonl")
PRESETS: Final[dict[str, str]] = {
    "amplitude": "Amplitude export",
    "mixpanel": "Mixpanel export",
    "posthog": "PostHog export",
    "segment": "Segment track calls",
    "ga4": "GA4 BigQuery export",
}
SAMPLE_ROWS: Final = 1_000
_HEAD_BYTES: Final = 64 * 1024
_BOM: Final = b"\xef\xbb\xbf"
_EXTENSIONS: Final[dict[str, Format]] = {
    "csv": "csv",
    "txt": "csv",
    "tsv": "tsv",
    "tab": "tsv",
    "parquet": "parquet",
    "pq": "parquet",
    "jsonl": "jsonl",
    "ndjson": "jsonl",
    "json": "jsonl",
}
_SEPARATORS: Final = {",": "a comma", ";": "a semicolon", "\t": "a tab", "|": "a pipe"}
# String columns that exports fill with a JSON object of properties (PostHog, Amplitude CSV).
_JSON_COLUMNS: Final = ("properties", "eventproperties", "userproperties", "context", "traits")

# Common names of each role, best first; compared without case or separators (_ - . $ space).
ALIASES: Final[dict[str, tuple[str, ...]]] = {
    USER: (
        "user_id", "userId", "user", "distinct_id", "customer_id", "customer", "client_id",
        "person_id", "anonymous_id", "amplitude_id", "user_pseudo_id", "visitor_id",
        "member_id", "uid", "cust_id", "email", "device_id",
    ),
    EVENT: (
        "event", "event_type", "event_name", "action", "event_action", "activity", "eventname",
    ),
    TS: (
        "ts", "timestamp", "time", "event_time", "event_timestamp", "datetime", "date_time",
        "occurred_at", "created_at", "created", "event_date", "date", "order_date",
        "purchase_date", "transaction_date", "sent_at", "received_at",
    ),
    REVENUE: (
        "revenue", "amount", "price", "value", "dollar_value", "sales", "total",
        "order_value", "order_total", "total_amount", "net_revenue", "purchase_revenue",
        "event_value_in_usd", "gmv",
    ),
    ACCOUNT: (
        "account_id", "account", "company_id", "group_id", "org_id", "organization_id",
        "organisation_id", "team_id", "workspace_id", "tenant_id",
    ),
    SESSION: ("session_id", "session", "ga_session_id"),
}  # fmt: skip
SPEND_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "month": ("month", "month_start", "date", "day", "period", "week"),
    "channel": ("channel", "source", "utm_source", "medium", "network", "platform"),
    "ad_spend": ("ad_spend", "spend", "ad_cost", "marketing_spend", "cost", "amount", "budget"),
    "discounts": ("discounts", "discount", "coupons", "coupon", "promotions", "promo"),
    "cogs": ("cogs", "cost_of_goods", "cost_of_goods_sold", "cost_of_sales"),
}


@dataclass(frozen=True, slots=True)
class Preset:
    """Column names of one analytics export: role -> candidates, best first.

    Roles in `coalesce` take every candidate present, in order, each filling the cells the
    previous left empty (Segment's anonymousId behind userId).
    """

    columns: dict[str, tuple[str, ...]]
    coalesce: tuple[str, ...] = ()


_PRESETS: Final[dict[str, Preset]] = {
    "amplitude": Preset(
        {
            USER: ("user_id", "amplitude_id"),
            EVENT: ("event_type",),
            TS: ("event_time",),
            REVENUE: ("revenue", "$revenue", "price"),
            SESSION: ("session_id",),
        },
        coalesce=(USER, REVENUE),
    ),
    "mixpanel": Preset(
        {USER: ("distinct_id", "$user_id", "$device_id"), EVENT: ("event",), TS: ("time",)},
        coalesce=(USER,),
    ),
    "posthog": Preset(
        {
            USER: ("distinct_id", "person_id"),
            EVENT: ("event",),
            TS: ("timestamp",),
            REVENUE: ("revenue", "$revenue"),
            SESSION: ("$session_id",),
        }
    ),
    "segment": Preset(
        {
            USER: ("userId", "anonymousId"),
            EVENT: ("event", "type"),
            TS: ("timestamp",),
            REVENUE: ("revenue", "properties.revenue", "total", "value"),
            ACCOUNT: ("groupId",),
        },
        coalesce=(USER, EVENT),
    ),
    "ga4": Preset(
        {
            USER: ("user_pseudo_id",),
            EVENT: ("event_name",),
            TS: ("event_timestamp",),
            REVENUE: ("event_value_in_usd", "purchase_revenue_in_usd", "purchase_revenue"),
        },
        coalesce=(REVENUE,),
    ),
}


@dataclass(frozen=True, slots=True)
class Loaded:
    """Clean canonical events, what cleaning did to them, and the columns used.

    columns: (role, source column) for each role read from the file.
    """

    events: pl.DataFrame
    report: QualityReport
    columns: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class _File:
    """Where the bytes of a source are: a path to scan, or bytes in memory."""

    name: str
    path: Path | None = None
    data: bytes | None = None

    def head(self) -> bytes:
        """Return the first bytes (enough to sniff format, encoding and separator)."""
        if self.path is None:
            return (self.data or b"")[:_HEAD_BYTES]
        with self.path.open("rb") as handle:
            return handle.read(_HEAD_BYTES)

    def read(self) -> bytes:
        """Return all the bytes."""
        return (self.data or b"") if self.path is None else self.path.read_bytes()


@dataclass(frozen=True, slots=True)
class _Options:
    """The caller's reading options, passed along as one value."""

    format: str | None = None
    preset: str | None = None
    mapping: Mapping[str, str | None] | None = None
    event_name: str = "purchase"
    now: datetime | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class _Plan:
    """A lazy normalised frame plus what is needed to report on it."""

    name: str
    frame: pl.LazyFrame
    sample: pl.LazyFrame
    spec: Normalize
    notes: tuple[str, ...] = field(default=())
    table: pl.LazyFrame | None = None


def _squash(name: str) -> str:
    """Return a column name without case or separators, for matching aliases."""
    return re.sub(r"[\s_.$-]", "", name).lower()


def _listing(columns: Sequence[str], limit: int = 30) -> str:
    """Return column names as "a, b, c" (at most `limit`, then how many more)."""
    shown = ", ".join(columns[:limit])
    return shown + (f" and {len(columns) - limit} more" if len(columns) > limit else "")


@contextlib.contextmanager
def _reading(name: str) -> Iterator[None]:
    """Turn reader failures (polars, I/O, decoding) into a DataError about `name`."""
    try:
        yield
    except DataError:
        raise
    except (pl.exceptions.PolarsError, OSError, UnicodeError, EOFError, zlib.error) as err:
        detail = (str(err).strip().splitlines() or [type(err).__name__])[0][:300]
        raise DataError(
            f"Could not read {name}.",
            where=f"The reader said: {detail}",
            fix="Check the format (CSV, TSV, parquet or JSON Lines) and that every line has "
            "the same number of separators, or export the file again.",
        ) from err


def infer_format(name: str) -> str:
    """Return the format of a file from its name ("events.csv.gz" -> "csv").

    Raises:
        DataError: the extension is not one of the known formats.

    Example:
        >>> infer_format("export.JSON.gz"), infer_format("events.tsv")
        ('jsonl', 'tsv')
    """
    stem = name.lower().removesuffix(".gz")
    ext = stem.rsplit(".", 1)[-1] if "." in stem else ""
    if ext not in _EXTENSIONS:
        raise DataError(
            f"Cannot tell the format of {name!r} from its name.",
            fix="Use .csv, .tsv, .parquet or .jsonl (optionally .gz), or choose the format.",
        )
    return _EXTENSIONS[ext]


def _open(source: Any, name: str | None) -> _File:
    """Return the bytes or path behind `source`, gunzipped when compressed."""
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise DataError(f"File not found: {path}.", fix="Check the path.")
        file = _File(name or path.name, path=path)
    elif isinstance(source, bytes | bytearray | memoryview):
        file = _File(name or "the uploaded file", data=bytes(source))
    elif hasattr(source, "read"):
        with contextlib.suppress(AttributeError, OSError):
            source.seek(0)
        data = source.read()
        label = name or Path(str(getattr(source, "name", "the uploaded file"))).name
        file = _File(label, data=data.encode("utf-8") if isinstance(data, str) else bytes(data))
    else:
        raise DataError(
            f"Cannot read events from a {type(source).__name__}.",
            fix="Pass a file path, bytes or an open file.",
        )
    if file.head().startswith(b"\x1f\x8b"):
        with _reading(file.name):
            return _File(file.name, data=gzip.decompress(file.read()))
    return file


def _sniff_format(file: _File, head: bytes) -> str:
    """Return the format from magic bytes, the file name, then the first character."""
    if head.startswith(b"PAR1"):
        return "parquet"
    with contextlib.suppress(DataError):
        return infer_format(file.name)
    return "jsonl" if head.lstrip(_BOM + b" \t\r\n").startswith((b"{", b"[")) else "csv"


def _check_text(file: _File, head: bytes) -> None:
    """Raise DataError when the bytes are plainly not text (binary, zip, parquet)."""
    if not head.strip():
        raise DataError(
            f"{file.name} is empty.", fix="Choose a file with a header row and some events."
        )
    if head.startswith(b"PK\x03\x04"):
        raise DataError(
            f"{file.name} is a zip archive or an Excel workbook, not a text file.",
            fix="Export the sheet as CSV (File > Save as > CSV) and upload that.",
        )
    if head.startswith(b"PAR1"):
        raise DataError(f"{file.name} is a parquet file.", fix="Choose the parquet format.")
    controls = sum(byte < 32 and byte not in b"\t\r\n" for byte in head[:4096])
    if controls > len(head[:4096]) // 20:
        raise DataError(
            f"{file.name} does not look like text: {controls} of its first "
            f"{len(head[:4096])} bytes are control characters.",
            fix="Upload a CSV, TSV, JSON Lines or parquet file.",
        )


def _is_utf8(data: bytes, complete: bool) -> bool:
    """Return whether `data` is UTF-8 (a character cut at the end of a head is fine)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        return not complete and err.start >= len(data) - 3
    return True


def _decoded(file: _File, head: bytes) -> tuple[_File, str | None]:
    """Return the file as UTF-8, decoding UTF-16 or Windows-1252 text, and a note."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text, encoding = file.read().decode("utf-16"), "UTF-16"
        _check_text(file, text.encode("utf-8")[:_HEAD_BYTES])
    else:
        _check_text(file, head)
        if _is_utf8(head if file.data is None else file.data, complete=file.data is not None):
            return file, None
        raw = file.read()
        try:
            text, encoding = raw.decode("cp1252"), "Windows-1252"
        except UnicodeDecodeError:
            text, encoding = raw.decode("latin-1"), "Latin-1"
    note = f"{file.name} is not UTF-8; it was read as {encoding} text."
    return _File(file.name, data=text.encode("utf-8")), note


def _separator(head: str, fmt: str) -> str:
    """Return the field separator that splits the first lines most consistently."""
    lines = [re.sub(r'"[^"]*"', "", line) for line in head.splitlines()[:20] if line.strip()]
    if len(head) >= _HEAD_BYTES - 4 and len(lines) > 1:
        lines = lines[:-1]
    if not lines or (fmt == "tsv" and "\t" in lines[0]):
        return "\t" if fmt == "tsv" else ","

    def score(sep: str) -> tuple[bool, bool, int]:
        counts = [line.count(sep) for line in lines]
        return counts[0] > 0, len(set(counts)) == 1, counts[0]

    best = max(_SEPARATORS, key=score)
    return best if score(best)[0] else ("\t" if fmt == "tsv" else ",")


def _read_json(file: _File, head: bytes) -> pl.LazyFrame:
    """Return a JSON Lines file (or a JSON array of objects) as a lazy frame."""
    if head.startswith(_BOM):
        file = _File(file.name, data=file.read()[len(_BOM) :])
    if head.lstrip(_BOM + b" \t\r\n").startswith(b"["):
        return pl.read_json(BytesIO(file.read())).lazy()
    if file.path is not None:
        return pl.scan_ndjson(file.path, infer_schema_length=10_000)
    return pl.read_ndjson(BytesIO(file.read()), infer_schema_length=None).lazy()


def _read_csv(file: _File, fmt: str, head: bytes) -> pl.LazyFrame:
    """Return a CSV or TSV file, every column as text (as written), as a lazy frame."""
    text_head = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    options: dict[str, Any] = {
        "separator": _separator(text_head, fmt),
        "infer_schema": False,
        "encoding": "utf8-lossy",
    }
    if file.path is not None:
        return pl.scan_csv(file.path, **options)
    return pl.read_csv(BytesIO(file.read()), **options).lazy()


def _read(file: _File, fmt: str) -> tuple[pl.LazyFrame, list[str]]:
    """Return the table in `file` as read (numbered rows) and notes about the reading."""
    if fmt not in FORMATS:
        raise DataError(f"Unknown format {fmt!r}.", fix=f"Use one of {', '.join(FORMATS)}.")
    notes = []
    if fmt == "parquet":
        if file.path is not None:
            table = pl.scan_parquet(file.path)
        else:
            table = pl.read_parquet(BytesIO(file.read())).lazy()
    else:
        file, note = _decoded(file, file.head())
        notes = [note] if note else []
        read = _read_json if fmt == "jsonl" else partial(_read_csv, fmt=fmt)
        table = read(file, head=file.head())
    return table.with_row_index(ROW, offset=1), notes


def _json_columns(sample: pl.DataFrame) -> dict[str, pl.DataType]:
    """Return the property-bag columns whose text is JSON objects, with their struct type."""
    found = {}
    for name in sample.columns:
        values = sample.get_column(name)
        if _squash(name) not in _JSON_COLUMNS or values.dtype != pl.String:
            continue
        texts = values.drop_nulls().str.strip_chars()
        if texts.len() and texts.str.starts_with("{").all():
            with contextlib.suppress(pl.exceptions.PolarsError):
                parsed = pl.read_ndjson(BytesIO("\n".join(texts).encode()))
                found[name] = parsed.to_struct().dtype
    return found


def _lift(name: str, dtype: pl.Struct, taken: set[str]) -> tuple[list[pl.Expr], list[str]]:
    """Return a struct column's fields as columns, and the names of list fields left out."""
    exprs, dropped = [], []
    for part in dtype.fields:
        alias = part.name if part.name not in taken else f"{name}.{part.name}"
        taken.add(alias)
        value = pl.col(name).struct.field(part.name)
        if isinstance(part.dtype, pl.List | pl.Array):
            dropped.append(alias)
        elif isinstance(part.dtype, pl.Struct):
            exprs.append(pl.when(value.is_not_null()).then(value.struct.json_encode()).alias(alias))
        else:
            exprs.append(value.alias(alias))
    return exprs, dropped


def _flatten(
    table: pl.LazyFrame, bags: Mapping[str, pl.DataType]
) -> tuple[pl.LazyFrame, list[str]]:
    """Return the table with object fields lifted to columns (one level), and notes.

    JSON text in `bags` columns is decoded first. A field keeps its own name
    (properties.plan -> plan) unless that is taken, then it is "parent.field". Deeper
    objects become JSON text; lists cannot be segments and are left out with a note.
    """
    table = table.with_columns(pl.col(name).str.json_decode(dtype) for name, dtype in bags.items())
    schema = table.collect_schema()
    if not any(isinstance(d, pl.Struct | pl.List | pl.Array) for d in schema.dtypes()):
        return table, []
    taken = set(schema.names())
    exprs, dropped = [], []
    for name, dtype in schema.items():
        if isinstance(dtype, pl.Struct):
            lifted, lost = _lift(name, dtype, taken)
            exprs += lifted
            dropped += lost
        elif isinstance(dtype, pl.List | pl.Array):
            dropped.append(name)
        else:
            exprs.append(pl.col(name))
    notes = [f"Nested lists are not kept as properties: {_listing(dropped)}."] if dropped else []
    return table.select(exprs), notes


def _matches(columns: Sequence[str], names: Sequence[str], taken: set[str]) -> list[str]:
    """Return the columns equal to any of `names` (ignoring case and separators), in order."""
    by_key: dict[str, list[str]] = {}
    for column in columns:
        if column not in taken:
            by_key.setdefault(_squash(column), []).append(column)
    hits = [c for name in names for c in by_key.get(_squash(name), [])]
    return list(dict.fromkeys(hits))


def detect_columns(columns: Sequence[str], preset: str | None = None) -> dict[str, str | None]:
    """Return the column of each role (None when absent): preset names, then common names.

    Names match without case or separators (userId = user_id = "User ID"); a column
    serves one role at most, roles taken in order user_id, event, ts, revenue, account_id,
    session_id.

    Example:
        >>> detect_columns(["Customer ID", "Date", "Amount", "plan"])
        {'user_id': 'Customer ID', 'event': None, 'ts': 'Date', 'revenue': 'Amount', 'account_id': None, 'session_id': None}
    """  # noqa: E501
    spec = _preset(preset)
    taken: set[str] = set()
    found: dict[str, str | None] = {}
    for role in CANONICAL:
        names = (*spec.columns.get(role, ()), *ALIASES[role])
        hits = _matches(columns, names, taken)
        found[role] = hits[0] if hits else None
        taken.update(hits[:1])
    return found


def _preset(key: str | None) -> Preset:
    """Return the preset called `key` (an empty one for None)."""
    if key is None:
        return Preset({})
    if key not in _PRESETS:
        raise DataError(f"Unknown preset {key!r}.", fix=f"Use one of {', '.join(PRESETS)}.")
    return _PRESETS[key]


def _check_mapping(mapping: Mapping[str, str | None], columns: Sequence[str], name: str) -> None:
    """Raise DataError when the mapping names an unknown role or a column not in the file."""
    unknown = [role for role in mapping if role not in CANONICAL]
    if unknown:
        raise DataError(
            f"The column mapping has unknown roles: {', '.join(unknown)}.",
            fix=f"Use the roles {', '.join(CANONICAL)}.",
        )
    missing = [c for c in mapping.values() if c and c not in columns]
    if missing:
        raise DataError(
            f"The column mapping names {', '.join(map(repr, missing))}, not a column of {name}.",
            where=f"Found columns: {_listing(columns)}.",
            fix="Pick one of these columns.",
        )


def _require(found: Mapping[str, str | None], columns: Sequence[str], name: str) -> None:
    """Raise DataError when no column plays user_id or ts."""
    for role, label in ((USER, "user"), (TS, "time")):
        if found[role] is None:
            raise DataError(
                f"No {label} column found in {name}.",
                where=f"Found columns: {_listing(columns)}.",
                fix=f"Map one to {role} in the column mapping.",
            )


def _fallbacks(
    columns: Sequence[str], found: Mapping[str, str | None], opts: _Options
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Return, for the preset's coalesced roles, the further columns that fill empty cells."""
    spec, mapped = _preset(opts.preset), opts.mapping or {}
    out = []
    for role in spec.coalesce:
        first = found[role]
        if first is None or role in mapped:
            continue
        taken = {c for c in found.values() if c}
        others = _matches(columns, spec.columns[role], taken)
        if others:
            out.append((role, tuple(others)))
    return tuple(out)


def _resolve(columns: Sequence[str], opts: _Options, name: str) -> tuple[Normalize, list[str]]:
    """Return how to normalise a table with `columns`, and notes on the choices made."""
    mapping = dict(opts.mapping or {})
    _check_mapping(mapping, columns, name)
    mapped = {role: column or None for role, column in mapping.items()}
    rest = [c for c in columns if c not in mapped.values()]
    found = {**detect_columns(rest, opts.preset), **mapped}
    _require(found, columns, name)
    fallbacks = _fallbacks(rest, found, opts)
    notes = [
        f"{role} comes from {found[role]!r}, or {' then '.join(map(repr, more))} where it is empty."
        for role, more in fallbacks
    ]
    if found[EVENT] is None:
        notes.append(
            f"{name} has no event column, so every row is the event {opts.event_name!r} "
            "(a purchase log). Map an event column if there is one."
        )
    used = {c for c in found.values() if c}
    notes += [
        f"Column {c!r} is kept as {c + '_source'!r}: {c} comes from {found[c]!r}."
        for c in CANONICAL
        if c in columns and c not in used
    ]
    now = opts.now or datetime.now(UTC)
    spec = Normalize(tuple(found.items()), now, opts.event_name, fallbacks)
    return spec, notes


def _with_ts_format(spec: Normalize, sample: pl.DataFrame) -> Normalize:
    """Return `spec` with the format most sampled text times use (a speed hint)."""
    hint = schema.guess_ts_format(sample.get_column(spec.source(TS) or ""))
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


def _table(
    source: Any, opts: _Options, rows: int
) -> tuple[pl.LazyFrame, pl.DataFrame, _File, list[str]]:
    """Return the flattened table, its first `rows` rows, the file, and reading notes."""
    file = _open(source, opts.name)
    with _reading(file.name):
        fmt = opts.format or _sniff_format(file, file.head())
        table, notes = _read(file, fmt)
        head = table.head(rows).collect()
        bags = _json_columns(head)
        table, flat_notes = _flatten(table, bags)
        sample = _flatten(head.lazy(), bags)[0].collect()
    _check_shape(sample, file.name, fmt)
    return table, sample, file, [*notes, *flat_notes]


def _plan(source: Any, opts: _Options) -> _Plan:
    """Return the lazy normalised events of `source` and what is needed to report on them."""
    table, sample, file, notes = _table(source, opts, SAMPLE_ROWS)
    columns = [c for c in sample.columns if c != ROW]
    spec, resolve_notes = _resolve(columns, opts, file.name)
    spec = _with_ts_format(spec, sample)
    with _reading(file.name):
        frame = schema.normalize(table, spec)
        checked = schema.normalize(sample.lazy(), spec)
    return _Plan(file.name, frame, checked, spec, (*notes, *resolve_notes), table)


def load_events(  # noqa: PLR0913 - the public signature of DESIGN.md
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
    unparseable or future time, exact duplicate) are left out; `load` also counts them.
    The header and the first rows are checked now, so a file that cannot work fails here.

    Raises:
        DataError: the file cannot be read or has no usable user or time column.

    Example:
        >>> csv = b"customer,date,amount\nc1,2024-01-05,$12.50\nc1,2024-01-05,$12.50\n"
        >>> load_events(csv).collect().rows()
        [('c1', 'purchase', datetime.datetime(2024, 1, 5, 0, 0, tzinfo=zoneinfo.ZoneInfo(key='UTC')), 12.5)]
    """  # noqa: E501
    opts = _Options(format, preset, mapping, event_name, now)
    plan = _plan(source, opts)
    with _reading(plan.name):
        schema.require_rows(plan.sample.collect(), plan.spec, plan.name)
    return plan.frame.filter(pl.col(DROP).is_null()).drop(HELPERS)


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
    `name` is the file name used in messages (defaults to the path's or file's name).

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
        frame = schema.normalize(plan.table, plan.spec, duplicates=False).collect()
        frame.replace_column(frame.get_column_index(DROP), schema.duplicate_reasons(frame))
    schema.require_rows(frame, plan.spec, plan.name)
    # The frame holds one chunk per row group; contiguous events make every later
    # computation (each page's) much cheaper.
    kept = frame.get_column(DROP).is_null()
    keep_all = kept.all()
    # Column by column, so that only one column's intermediate copy exists at a time.
    events = pl.DataFrame(
        [
            (column if keep_all else column.filter(kept)).rechunk()
            for column in (frame.get_column(c) for c in schema.data_columns(frame))
        ]
    )
    report = schema.summarize(frame, plan.spec, plan.notes, kept=events)
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


def _month(column: str, dtype: pl.DataType) -> pl.Expr:
    """Return the first day of the month (Date) of a month or date column."""
    value = pl.col(column)
    if dtype == pl.String:
        text = value.str.strip_chars()
        value = pl.when(text.str.contains(r"^\d{4}-\d{1,2}$")).then(text + "-01").otherwise(text)
    return schema.parse_ts(value, dtype).dt.date().dt.month_start()


def _spend_error(frame: pl.DataFrame, bad: pl.Expr, problem: str, fix: str) -> None:
    """Raise DataError showing three rows of the spend table where `bad` holds."""
    rows = frame.filter(bad)
    if rows.height:
        shown = "; ".join(str(r) for r in rows.drop(ROW).head(3).iter_rows())
        raise DataError(
            f"{rows.height} rows of the spend table {problem}.",
            where=f"Rows {', '.join(map(str, rows[ROW].head(3)))}: {shown}.",
            fix=fix,
        )


def load_spend(source: Any, *, format: str | None = None) -> pl.DataFrame:  # noqa: A002
    r"""Return the marketing spend table: month, channel, ad_spend (+ discounts, cogs).

    One row per (month, channel), amounts summed over the source rows of that month, so a
    daily table works too. month is the first day of the month (Date); a missing channel
    column gives the single channel "all"; empty amounts count as 0.

    Raises:
        DataError: no month/date or spend column, or a row whose month or amount is unreadable.

    Example:
        >>> csv = b"date,channel,spend\n2024-01-03,ads,$100\n2024-01-20,ads,50\n2024-02,seo,0\n"
        >>> load_spend(csv).rows()
        [(datetime.date(2024, 1, 1), 'ads', 150.0), (datetime.date(2024, 2, 1), 'seo', 0.0)]
    """
    table, _, file, _ = _table(source, _Options(format=format), rows=100)
    with _reading(file.name):
        raw = table.collect()
    columns = [c for c in raw.columns if c != ROW]
    found = {role: _matches(columns, names, set()) for role, names in SPEND_ALIASES.items()}
    for role, label in (("month", "month or date"), ("ad_spend", "ad spend")):
        if not found[role]:
            raise DataError(
                f"No {label} column found in the spend table {file.name}.",
                where=f"Found columns: {_listing(columns)}.",
                fix="Name the columns month (or date), channel, ad_spend, discounts, cogs.",
            )
    month = found["month"][0]
    money = [role for role in ("ad_spend", "discounts", "cogs") if found[role]]
    parsed = raw.select(
        pl.col(ROW),
        _month(month, raw.schema[month]).alias("month"),
        schema.parse_id(pl.col(found["channel"][0]), raw.schema[found["channel"][0]])
        .fill_null("all")
        .alias("channel")
        if found["channel"]
        else pl.lit("all").alias("channel"),
        *(schema.parse_money(pl.col(found[r][0]), raw.schema[found[r][0]]).alias(r) for r in money),
    )
    _spend_error(parsed, pl.col("month").is_null(), f"have no readable {month!r}",
                 "Write months as 2024-01 or dates as 2024-01-31.")  # fmt: skip
    unreadable = pl.any_horizontal(
        raw.get_column(found[r][0]).is_not_null() & pl.col(r).is_null() for r in money
    )
    _spend_error(parsed, unreadable, "have an amount that is not a number",
                 "Write amounts as numbers such as 1234.50.")  # fmt: skip
    return (
        parsed.group_by("month", "channel")
        .agg(pl.col(money).fill_null(0.0).sum())
        .sort("month", "channel")
    )
