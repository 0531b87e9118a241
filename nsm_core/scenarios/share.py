"""Scenarios as files and links: JSON to save and load, a compact token for the URL.

Both decoders treat their input as untrusted: size limits before parsing, a bounded
decompression, and every field checked, each problem raised as a DataError that says what
was wrong and how to fix it.
"""

import base64
import binascii
import json
import math
import zlib
from dataclasses import replace
from typing import Any, Final

import polars as pl

from nsm_core.scenarios.model import MAX_SCENARIOS, Plan, Scenario, Valuation
from nsm_core.schema import DataError

VERSION: Final = 1
MAX_JSON_BYTES: Final = 200_000
MAX_TOKEN_CHARS: Final = 4_000
_MAX_INFLATED: Final = 64_000
_FIELDS: Final = (
    "name",
    "base_revenue_per_month",
    "moments_per_month",
    "value_per_moment",
    "costs",
)
FRAME_SCHEMA: Final = {
    "name": pl.String(),
    "base_revenue_per_month": pl.Float64(),
    "moments_per_month": pl.Float64(),
    "value_per_moment": pl.Float64(),
    "costs": pl.Float64(),
}
_VALUE_FIELDS: Final = (
    "mode",
    "plus_minus",
    "event",
    "threshold",
    "window_days",
    "horizon_months",
)
_FIX: Final = "Save scenarios from this page and load that file, or fix the field named here."


def _rows(plan: Plan) -> list[list[Any]]:
    return [[getattr(s, f) for f in _FIELDS] for s in plan.scenarios]


def _value(plan: Plan, *, changed_only: bool = False) -> dict[str, Any]:
    defaults = Valuation()
    return {
        f: getattr(plan.valuation, f)
        for f in _VALUE_FIELDS
        if not changed_only or getattr(plan.valuation, f) != getattr(defaults, f)
    }


def to_json(plan: Plan) -> str:
    """Return the plan as readable JSON (version, months, scenarios, how moments are valued).

    Example:
        >>> print(to_json(Plan((Scenario("A", 10.0),), 3)).splitlines()[1])
          "version": 1,
    """
    payload = {
        "version": VERSION,
        "months": plan.months,
        "scenarios": [dict(zip(_FIELDS, row, strict=True)) for row in _rows(plan)],
        "value_per_moment": _value(plan),
    }
    return json.dumps(payload, indent=2)


def _valuation(item: object) -> Valuation:
    """Return the valuation saved by `_value`; a file or link from before it had none."""
    if item is None:
        return Valuation()
    where = "value_per_moment"
    if not isinstance(item, dict) or set(item) - set(_VALUE_FIELDS):
        raise DataError(f"{where} must list only {', '.join(_VALUE_FIELDS)}.", fix=_FIX)
    defaults = Valuation()
    got = {f: item.get(f, getattr(defaults, f)) for f in _VALUE_FIELDS}
    if not isinstance(got["mode"], str) or not (
        got["event"] is None or isinstance(got["event"], str)
    ):
        raise DataError(f"{where}: mode and event must be text.", fix=_FIX)
    got["plus_minus"] = _number(got["plus_minus"], f"{where} plus_minus")
    return Valuation(**got)


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise DataError(f"{where} must be a number, not {json.dumps(value)[:40]}.", fix=_FIX)
    return float(value)


def _scenario(item: object, index: int) -> Scenario:
    where = f"Scenario {index + 1}"
    if isinstance(item, dict):
        unknown = set(item) - set(_FIELDS)
        if unknown:
            raise DataError(f"{where} has unknown fields: {', '.join(sorted(unknown))}.", fix=_FIX)
        item = [item.get("name"), *(item.get(f, 0) for f in _FIELDS[1:])]
    if not isinstance(item, list) or len(item) != len(_FIELDS):
        raise DataError(f"{where} must list {', '.join(_FIELDS)}.", fix=_FIX)
    name = item[0]
    if not isinstance(name, str):
        raise DataError(f"{where}: the name must be text.", fix=_FIX)
    amounts = [_number(v, f"{where} {f}") for v, f in zip(item[1:], _FIELDS[1:], strict=True)]
    return Scenario(name, *amounts)


def _plan(months: object, items: object, value: object = None) -> Plan:
    if isinstance(months, bool) or not isinstance(months, int):
        raise DataError("months must be a whole number.", fix=_FIX)
    if not isinstance(items, list) or not items:
        raise DataError("The file lists no scenarios.", fix=_FIX)
    if len(items) > MAX_SCENARIOS:
        raise DataError(f"At most {MAX_SCENARIOS} scenarios; the file has {len(items)}.")
    scenarios = tuple(_scenario(item, i) for i, item in enumerate(items))
    return Plan(scenarios, months, _valuation(value))


def from_json(text: str | bytes) -> Plan:
    """Return the plan saved by `to_json`; raise DataError saying what is wrong otherwise.

    Example:
        >>> from_json('{"months": 2, "scenarios": [{"name": "A", "base_revenue_per_month": 5}]}')
        Plan(scenarios=(Scenario(name='A', base_revenue_per_month=5.0, moments_per_month=0.0, value_per_moment=0.0, costs=0.0),), months=2, valuation=Valuation(mode='typed', plus_minus=5.0, event=None, threshold=1, window_days=7, horizon_months=None))
    """  # noqa: E501 - a doctest's expected output is one line
    if len(text) > MAX_JSON_BYTES:
        raise DataError(f"The scenario file is larger than {MAX_JSON_BYTES:,} bytes.", fix=_FIX)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as err:
        raise DataError(f"The scenario file is not valid JSON ({err}).", fix=_FIX) from None
    if not isinstance(data, dict) or "scenarios" not in data or "months" not in data:
        raise DataError('The scenario file needs "months" and "scenarios" at the top.', fix=_FIX)
    if data.get("version", VERSION) != VERSION:
        raise DataError(f"Unknown scenario file version {data['version']!r}.", fix=_FIX)
    return _plan(data["months"], data["scenarios"], data.get("value_per_moment"))


def to_token(plan: Plan) -> str:
    """Return the plan as a short URL-safe token (compact JSON, deflated, base64url).

    The JSON is [months, scenario rows..., valuation]; the valuation is an object of its
    fields that differ from the default, left out when none does (and in links made before
    it was saved, which still open).

    Example:
        >>> plan = Plan((Scenario("A", 10.0),), 3, Valuation("data", event="fav"))
        >>> from_token(to_token(plan)) == plan
        True
    """
    value = _value(plan, changed_only=True)
    payload = [plan.months, *_rows(plan), *([value] if value else [])]
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode().rstrip("=")


def from_token(token: str) -> Plan:
    """Return the plan in a URL token; raise DataError when the link is damaged.

    Example:
        >>> from_token("not a token")
        Traceback (most recent call last):
        ...
        nsm_core.schema.DataError: The scenarios in this link are damaged. Choose a preset or load a saved file instead.
    """  # noqa: E501 - a doctest's expected output is one line
    damaged = DataError(
        "The scenarios in this link are damaged.",
        fix="Choose a preset or load a saved file instead.",
    )
    if not token or len(token) > MAX_TOKEN_CHARS:
        raise damaged
    try:
        packed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed, _MAX_INFLATED)
        if inflater.unconsumed_tail or not inflater.eof:
            raise damaged
        data = json.loads(raw)
    except (binascii.Error, ValueError, RecursionError, zlib.error):
        raise damaged from None
    if not isinstance(data, list) or len(data) < 2:
        raise damaged
    value = data.pop() if isinstance(data[-1], dict) else None
    return _plan(data[0], data[1:], value)


def to_frame(plan: Plan) -> pl.DataFrame:
    """Return the scenarios as an editable table, one row each (the fields of `Scenario`).

    Example:
        >>> to_frame(Plan((Scenario("A", 10.0),), 3)).columns[:2]
        ['name', 'base_revenue_per_month']
    """
    return pl.DataFrame(_rows(plan), schema=FRAME_SCHEMA, orient="row")


def value_column(scenarios: list[Scenario]) -> pl.Series:
    """Return the value per moment each scenario is computed with (null without moments).

    Example:
        >>> value_column([Scenario("A", 1.0), Scenario("B", 1.0, 5, 2.5)]).to_list()
        [None, 2.5]
    """
    return pl.Series(
        [float(s.value_per_moment) if s.moments_per_month else None for s in scenarios],
        dtype=pl.Float64,
    )


def from_frame(frame: pl.DataFrame, months: int, valuation: Valuation | None = None) -> Plan:
    """Return the plan in an edited table; blank amounts count as 0, blank rows are skipped.

    Columns other than the scenario's fields (a shown value, say) are ignored.

    Example:
        >>> table = pl.DataFrame({"name": ["A", None], "base_revenue_per_month": [5.0, None]})
        >>> [s.name for s in from_frame(table, 2).scenarios]
        ['A']
    """
    missing = [c for c in ("name", "base_revenue_per_month") if c not in frame.columns]
    if missing:
        raise DataError(f"The scenario table has no {', '.join(missing)} column.")
    table = (
        frame.select(
            pl.col(c).cast(FRAME_SCHEMA[c])
            if c in frame.columns
            else pl.lit(None, FRAME_SCHEMA[c]).alias(c)
            for c in _FIELDS
        )
        .with_columns(pl.col("name").str.strip_chars())
        .filter(~pl.all_horizontal(pl.all().is_null() | (pl.all().cast(pl.String) == "")))
        .with_columns(pl.col(_FIELDS[1:]).fill_null(0.0), pl.col("name").fill_null(""))
    )
    plan = _plan(months, [list(row) for row in table.rows()])
    return plan if valuation is None else replace(plan, valuation=valuation)
