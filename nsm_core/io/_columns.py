"""Which column plays each role: aliases, export presets, detection and the user's mapping.

`detect_columns` matches common names (and a preset's names first) without case or
separators; `_resolve` adds the user's mapping, checks it, and returns the `Normalize`
spec that `cleaning.normalize` applies, with notes on the choices made.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from nsm_core.cleaning import Normalize
from nsm_core.schema import ACCOUNT, CANONICAL, EVENT, REVENUE, SESSION, TS, USER, DataError

PRESETS: Final[dict[str, str]] = {
    "amplitude": "Amplitude export",
    "mixpanel": "Mixpanel export",
    "posthog": "PostHog export",
    "segment": "Segment track calls",
    "ga4": "GA4 BigQuery export",
}

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
        "event_value_in_usd", "gmv", "transaction_value", "transaction_amount",
        "order_amount", "payment_amount", "sale_amount", "sales_amount", "purchase_amount",
        "purchase_value", "amount_paid", "total_price", "grand_total", "subtotal",
        "net_amount", "gross_revenue", "charge_amount", "invoice_amount",
    ),
    ACCOUNT: (
        "account_id", "account", "company_id", "group_id", "org_id", "organization_id",
        "organisation_id", "team_id", "workspace_id", "tenant_id",
    ),
    SESSION: ("session_id", "session", "ga_session_id"),
}  # fmt: skip


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
class _Options:
    """The caller's reading options, passed along as one value."""

    format: str | None = None
    preset: str | None = None
    mapping: Mapping[str, str | None] | None = None
    event_name: str = "purchase"
    now: datetime | None = None
    name: str | None = None


def _squash(name: str) -> str:
    """Return a column name without case or separators, for matching aliases."""
    return re.sub(r"[\s_.$-]", "", name).lower()


def _listing(columns: Sequence[str], limit: int = 30) -> str:
    """Return column names as "a, b, c" (at most `limit`, then how many more)."""
    shown = ", ".join(columns[:limit])
    return shown + (f" and {len(columns) - limit} more" if len(columns) > limit else "")


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
            fix = f"Map one to {role} in the column mapping."
            if name.lower().endswith((".user", ".item")):
                fix = "A RecBole .user or .item file describes users or items, not events: "
                fix += "upload the .inter file (user_id, item_id, timestamp) instead."
            raise DataError(
                f"No {label} column found in {name}.",
                where=f"Found columns: {_listing(columns)}.",
                fix=fix,
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
