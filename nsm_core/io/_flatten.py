"""Flatten nested properties one level: JSON objects (decoded from text if need be) to columns.

Exports put event properties in an object (`properties`, `context`, `traits`); each field
becomes a column a segment or a moment can use.
"""

import contextlib
from collections.abc import Mapping
from io import BytesIO
from typing import Final

import polars as pl

from nsm_core.io._columns import _listing, _squash

# String columns that exports fill with a JSON object of properties (PostHog, Amplitude CSV).
_JSON_COLUMNS: Final = ("properties", "eventproperties", "userproperties", "context", "traits")


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
