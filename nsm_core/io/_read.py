"""Open, decode and read a source: path, bytes or file; gzip; CSV, TSV, parquet, JSON Lines.

`_open` finds the bytes, `_sniff_format` the format, `_decoded` re-encodes UTF-16 or
Windows-1252 text as UTF-8, `_separator` picks a CSV's field separator, `_atomic` takes
RecBole's `:type` off the column names, and `_read` returns the table as read, rows
numbered. Reader failures become a `DataError` in `_reading`.
"""

import contextlib
import gzip
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import partial
from io import BytesIO
from pathlib import Path
from typing import Any, Final, Literal

import polars as pl

from nsm_core.cleaning import ROW
from nsm_core.schema import DataError

Format = Literal["csv", "tsv", "parquet", "jsonl"]
FORMATS: Final[tuple[Format, ...]] = ("csv", "tsv", "parquet", "jsonl")
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
# RecBole "atomic" files (.inter, .user, .item) type every header: user_id:token, rating:float.
_ATOMIC: Final = re.compile(r"^(.+):(token|token_seq|float|float_seq)$")


@dataclass(frozen=True, slots=True)
class _Reading:
    """A table as read (rows numbered), notes on the reading, and columns declared text."""

    table: pl.LazyFrame
    notes: tuple[str, ...] = ()
    text: tuple[str, ...] = ()


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
    """Return the format from the contents, whatever the file is called.

    Parquet's magic bytes, else JSON Lines when the text starts with { or [ (in UTF-8 or
    UTF-16), else delimited text: TSV when the name says so (the separator is sniffed in
    any case), CSV otherwise.
    """
    if head.startswith(b"PAR1"):
        return "parquet"
    encoding = "utf-16" if head.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8"
    if head.decode(encoding, errors="ignore").lstrip("\ufeff \t\r\n").startswith(("{", "[")):
        return "jsonl"
    with contextlib.suppress(DataError):
        return "tsv" if infer_format(file.name) == "tsv" else "csv"
    return "csv"


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


def _atomic(table: pl.LazyFrame, name: str) -> _Reading:
    """Return a RecBole atomic table with bare column names, or the table unchanged.

    Only when every header is name:type (token, token_seq, float, float_seq): the type
    goes, and columns typed token or *_seq are declared text, so that an id such as
    item_id:token stays text even when its values look like numbers.

    Example:
        >>> t = pl.LazyFrame({"user_id:token": ["7"], "rating:float": ["4"]})
        >>> r = _atomic(t, "x.inter")
        >>> r.table.collect_schema().names(), r.text
        (['user_id', 'rating'], ('user_id',))
    """
    headers = table.collect_schema().names()
    typed = [_ATOMIC.match(h) for h in headers]
    if not headers or not all(typed):
        return _Reading(table)
    names = {m.group(0): m.group(1) for m in typed if m}
    text = tuple(m.group(1) for m in typed if m and m.group(2) != "float")
    note = (
        f"{name} is a RecBole atomic file: the types were taken off its column names "
        f"({', '.join(list(names)[:6])}{' …' if len(names) > 6 else ''})."
    )
    return _Reading(table.rename(names), (note,), text)


def _read(file: _File, fmt: str) -> _Reading:
    """Return the table in `file` as read (numbered rows), notes, and columns declared text."""
    if fmt not in FORMATS:
        raise DataError(f"Unknown format {fmt!r}.", fix=f"Use one of {', '.join(FORMATS)}.")
    if fmt == "parquet":
        if file.path is not None:
            table = pl.scan_parquet(file.path)
        else:
            table = pl.read_parquet(BytesIO(file.read())).lazy()
        reading = _Reading(table)
    else:
        file, note = _decoded(file, file.head())
        read = _read_json if fmt == "jsonl" else partial(_read_csv, fmt=fmt)
        reading = _atomic(read(file, head=file.head()), file.name)
        reading = replace(reading, notes=(*([note] if note else []), *reading.notes))
    return replace(reading, table=reading.table.with_row_index(ROW, offset=1))
