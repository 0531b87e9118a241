"""MetricSpec: a metric computable from events, saved and loaded as JSON.

A spec names what is counted (events, with property filters), how (the aggregation), per
what time grain, for which entity (users or accounts), and what is left out (test and
internal users, refunds, bots). It is frozen and hashable, so it is a cache key as it is.
"""

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Final, Literal, TypeAlias, get_args

from nsm_core._types import PERIODS, Period
from nsm_core.schema import DataError

MetricType: TypeAlias = Literal["usage", "outcome", "revenue-adjacent", "marketplace"]
Aggregation: TypeAlias = Literal[
    "distinct_users", "events", "revenue", "property_sum", "users_reaching", "days_to_value"
]
Entity: TypeAlias = Literal["user", "account"]
FilterOp: TypeAlias = Literal["in", "not_in", "gt", "ge", "lt", "le"]

METRIC_TYPES: Final[tuple[MetricType, ...]] = get_args(MetricType)
AGGREGATIONS: Final[tuple[Aggregation, ...]] = get_args(Aggregation)
ENTITIES: Final[tuple[Entity, ...]] = get_args(Entity)
FILTER_OPS: Final[tuple[FilterOp, ...]] = get_args(FilterOp)
TEXT_OPS: Final = ("in", "not_in")
# Aggregations that are a count of users (or accounts): the only ones where `per_user`
# would be 1 or a share, so it is not offered with them.
ENTITY_COUNTS: Final = ("distinct_users", "users_reaching", "days_to_value")


@dataclass(frozen=True, slots=True)
class Filter:
    """A condition on a property column of an event row.

    in / not_in compare the column as text with `values` (a boolean column reads "true" /
    "false"); gt / ge / lt / le compare it as a number with `number`.
    """

    column: str
    op: FilterOp = "in"
    values: tuple[str, ...] = ()
    number: float | None = None

    def __post_init__(self) -> None:
        _check_choice("filter op", self.op, FILTER_OPS)
        if not self.column:
            raise DataError("A filter needs a column name.")
        if self.op not in TEXT_OPS and self.number is None:
            raise DataError(f"The filter on {self.column!r} ({self.op}) needs a number.")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Filter":
        """Return the filter saved by `dataclasses.asdict` / JSON."""
        data = _known(cls, data, "filter")
        return cls(**{**data, "values": strings(data.get("values", ()), "filter values")})


@dataclass(frozen=True, slots=True)
class Exclusions:
    """Who and what a metric leaves out.

    user_ids: users excluded by id (test accounts, staff). user_filters: a user who matches
    any of these filters on any of their rows is excluded entirely (internal = true,
    email domain in ...). refunds: drop rows with negative revenue. bot_events_per_day: a
    user with more events than this on any one day is treated as a bot and excluded.
    """

    user_ids: tuple[str, ...] = ()
    user_filters: tuple[Filter, ...] = ()
    refunds: bool = False
    bot_events_per_day: int | None = None

    def __post_init__(self) -> None:
        if self.bot_events_per_day is not None and self.bot_events_per_day < 1:
            raise DataError("The bot limit (events per day) must be at least 1.")

    @property
    def any(self) -> bool:
        """True when anything is excluded."""
        return bool(self.user_ids or self.user_filters or self.refunds or self.bot_events_per_day)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Exclusions":
        """Return the exclusions saved by `dataclasses.asdict` / JSON."""
        data = _known(cls, data, "exclusions")
        return cls(
            **{
                **data,
                "user_ids": strings(data.get("user_ids", ()), "excluded user ids"),
                "user_filters": tuple(Filter.from_dict(f) for f in _items(data, "user_filters")),
            }
        )


@dataclass(frozen=True, slots=True)
class MetricSpec:
    """A metric computed from events, per calendar period (see compute.metric_frame).

    events: event names counted (empty = every event); filters: conditions on the counted
    rows. aggregation, per period p, over the counted rows of entity e (user or account):
      distinct_users  |{e}|                         (active users / teams)
      events          #rows                         (orders, messages)
      revenue         Σ revenue                     (net of refunds unless excluded)
      property_sum    Σ value_column                (nights, minutes watched)
      users_reaching  |{e : #rows of e in p ≥ threshold}|  ("ordered ≥ 2 times")
      days_to_value   median over e whose first counted row falls in p of
                      (first counted ts − first ts of any event) in days
    per_user divides events / revenue / property_sum by |{e}| of the counted rows in p.
    """

    name: str
    kind: MetricType = "usage"
    events: tuple[str, ...] = ()
    filters: tuple[Filter, ...] = ()
    aggregation: Aggregation = "distinct_users"
    entity: Entity = "user"
    value_column: str | None = None
    threshold: int = 1
    per_user: bool = False
    unit: str = "users"
    grain: Period = "week"
    exclusions: Exclusions = field(default_factory=Exclusions)
    owner: str = ""
    description: str = ""

    def __post_init__(self) -> None:
        _check_choice("metric type", self.kind, METRIC_TYPES)
        _check_choice("aggregation", self.aggregation, AGGREGATIONS)
        _check_choice("entity", self.entity, ENTITIES)
        _check_choice("time grain", self.grain, PERIODS)
        if not self.name.strip():
            raise DataError("A metric needs a name.")
        if self.aggregation == "property_sum" and not self.value_column:
            raise DataError(f"{self.name!r} sums a property: name its column (value_column).")
        if self.threshold < 1:
            raise DataError(f"{self.name!r}: the threshold must be at least 1.")
        if self.per_user and self.aggregation in ENTITY_COUNTS:
            raise DataError(
                f"{self.name!r}: 'per user' only applies to sums and event counts.",
                fix="Turn 'Per user' off, or count events or sum a property.",
            )

    def to_dict(self) -> dict[str, Any]:
        """Return the spec as plain JSON-ready values (tuples stay tuples)."""
        return asdict(self)

    def to_json(self, indent: int | None = 2) -> str:
        """Return the spec as JSON text (re-read with `MetricSpec.from_json`).

        Example:
            >>> spec = MetricSpec("Weekly orders", events=("order",), aggregation="events")
            >>> MetricSpec.from_json(spec.to_json()) == spec
            True
        """
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "MetricSpec":
        """Return the spec saved by `to_dict`.

        Raises:
            DataError: unknown or missing fields, or values out of range.
        """
        data = _known(cls, data, "metric")
        data["events"] = strings(data.get("events", ()), "events")
        data["filters"] = tuple(Filter.from_dict(f) for f in _items(data, "filters"))
        data["exclusions"] = Exclusions.from_dict(data.get("exclusions") or {})
        try:
            return cls(**data)
        except TypeError as err:
            raise DataError(
                f"The metric definition has a missing or mistyped field: {err}."
            ) from err

    @classmethod
    def from_json(cls, text: str | bytes) -> "MetricSpec":
        """Return the spec saved by `to_json`.

        Raises:
            DataError: the text is not JSON or not a metric definition.
        """
        return cls.from_dict(parse_json(text, "metric definition"))


def parse_json(text: str | bytes, what: str) -> dict[str, Any]:
    """Return the JSON object in `text`, or raise DataError saying what is wrong and where.

    Example:
        >>> parse_json('{"a": 1}', "card")
        {'a': 1}
    """
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        where = f"line {err.lineno}, column {err.colno}" if hasattr(err, "lineno") else ""
        raise DataError(
            f"This file is not valid JSON ({err.msg if hasattr(err, 'msg') else err}).",
            where=where,
            fix=f"Export the {what} again from North Star Lab, or fix the file by hand.",
        ) from err
    if not isinstance(data, dict):
        raise DataError(f"A {what} is a JSON object ({{...}}), not a {type(data).__name__}.")
    return data


def strings(value: object, what: str) -> tuple[str, ...]:
    """Return a JSON list of names as a tuple of strings.

    Example:
        >>> strings(["order", 7], "events")
        ('order', '7')
    """
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise DataError(f'{what.capitalize()} must be a list, e.g. ["order"], not {value!r}.')
    return tuple(str(v) for v in value)


def _items(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key) or []
    if not isinstance(value, list | tuple):
        raise DataError(f"{key} must be a list of objects, not {type(value).__name__}.")
    return list(value)


def _check_choice(what: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise DataError(f"Unknown {what} {value!r}.", fix=f"Use one of: {', '.join(allowed)}.")


def _known(cls: type, data: object, what: str) -> dict[str, Any]:
    """Return `data` as a dict after checking it has no fields `cls` does not know."""
    if not isinstance(data, dict):
        raise DataError(f"A {what} must be a JSON object, not {type(data).__name__}.")
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise DataError(
            f"Unknown {what} field(s): {', '.join(unknown)}.",
            fix=f"Known fields: {', '.join(sorted(names))}.",
        )
    return dict(data)
