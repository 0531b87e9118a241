"""Templates drawn from well-known North Stars, and focus metrics for each.

A template names its events by role ("an order", "a message sent"), each role with the
event names products commonly use for it. `fit_template` maps the roles to the events a
dataset has; when one is missing it says which, instead of failing. Focus metrics follow
the breadth / depth / frequency / efficiency split (Amplitude's North Star Playbook):
how many do it, how much, how often, and how fast new users get there.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Final, Literal, TypeAlias

from nsm_core._types import Period
from nsm_core.metrics.spec import Aggregation, Entity, Filter, MetricSpec, MetricType
from nsm_core.schema import ACCOUNT

Focus: TypeAlias = Literal["north_star", "breadth", "depth", "frequency", "efficiency"]
FOCI: Final[tuple[Focus, ...]] = ("north_star", "breadth", "depth", "frequency", "efficiency")

# Role -> event names that mean it, most specific first (matched case-insensitively).
ROLES: Final[dict[str, tuple[str, ...]]] = {
    "order": (
        "order_placed",
        "order",
        "order_completed",
        "checkout_completed",
        "purchase",
        "transaction",
    ),
    "message": ("message_sent", "send_message", "message", "chat_message", "post_message"),
    "watch": ("watch", "video_watched", "episode_watched", "play", "stream"),
    "booking": ("booking_confirmed", "booking", "reservation", "book"),
}
# Property columns that hold a template's amount, most specific first.
VALUE_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "nights": ("nights", "nights_booked", "num_nights"),
    "minutes": ("watch_minutes", "minutes", "duration_min", "watch_time", "duration"),
}


@dataclass(frozen=True, slots=True)
class Template:
    """A ready-made metric: its spec, with events named by role until fitted to data.

    roles: the event roles counted (keys of ROLES; empty = every event). amount: the key of
    VALUE_COLUMNS summed, for property_sum specs. parent: the North Star template a focus
    metric belongs to ("" for a North Star). example: who made it famous.
    """

    key: str
    spec: MetricSpec
    focus: Focus = "north_star"
    roles: tuple[str, ...] = ()
    amount: str | None = None
    parent: str = ""
    example: str = ""


@dataclass(frozen=True, slots=True)
class TemplateFit:
    """A template mapped to one dataset: the spec to compute, or what the data lacks."""

    template: Template
    spec: MetricSpec | None
    missing: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the template can be computed on this dataset."""
        return self.spec is not None


@dataclass(frozen=True, slots=True)
class _Star:
    """One North Star row of the registry table below (verb and noun name its focus metrics)."""

    key: str
    name: str
    kind: MetricType
    aggregation: Aggregation
    unit: str
    grain: Period
    example: str
    verb: str
    noun: str = ""
    roles: tuple[str, ...] = ()
    entity: Entity = "user"
    amount: str | None = None
    filters: tuple[Filter, ...] = ()


_PAID: Final = (Filter("revenue", "gt", number=0.0),)
_STARS: Final = (
    _Star("mau", "Monthly active users", "usage", "distinct_users", "users", "month",
          "Facebook", "were active"),
    _Star("dau", "Daily active users", "usage", "distinct_users", "users", "day",
          "Snapchat", "were active"),
    _Star("weekly_transactions", "Weekly transactions", "revenue-adjacent", "events",
          "transactions", "week", "eBay, Stripe", "paid", "paid transaction", filters=_PAID),
    _Star("nights_booked", "Nights booked per week", "marketplace", "property_sum", "nights",
          "week", "Airbnb", "booked", "booking", roles=("booking",), amount="nights"),
    _Star("weekly_watch_time", "Weekly watch time", "usage", "property_sum", "minutes", "week",
          "Netflix, YouTube", "watched", "watch", roles=("watch",), amount="minutes"),
    _Star("weekly_active_teams", "Weekly active teams", "usage", "distinct_users", "teams",
          "week", "Slack", "sent a message", "message", roles=("message",), entity="account"),
    _Star("orders_per_week", "Orders per week", "marketplace", "events", "orders", "week",
          "DoorDash, Instacart", "ordered", "order", roles=("order",)),
)  # fmt: skip


def _star(row: _Star) -> Template:
    spec = MetricSpec(
        row.name,
        kind=row.kind,
        filters=row.filters,
        aggregation=row.aggregation,
        entity=row.entity,
        value_column=VALUE_COLUMNS[row.amount][0] if row.amount else None,
        unit=row.unit,
        grain=row.grain,
    )
    return Template(row.key, spec, "north_star", row.roles, row.amount, example=row.example)


def _breadth(row: _Star, base: MetricSpec) -> MetricSpec | None:
    """Return how many do it: entities with a counted row; people, when the star counts teams.

    A North Star that already counts users is its own breadth metric (None).
    """
    entity: Entity = "user" if base.aggregation == "distinct_users" else row.entity
    if base.aggregation == "distinct_users" and row.entity == "user":
        return None
    who = "teams" if entity == "account" else "users"
    return replace(
        base,
        name=f"{who.capitalize()} who {row.verb}, per {row.grain}",
        aggregation="distinct_users",
        entity=entity,
        value_column=None,
        unit=who,
        kind="usage",
    )


def _focus_specs(row: _Star, base: MetricSpec) -> dict[Focus, MetricSpec]:
    """Return the breadth, depth, frequency and efficiency specs behind a North Star."""
    who = "teams" if row.entity == "account" else "users"
    counts = row.unit if row.unit not in ("users", "teams") else f"{row.noun or 'event'}s"
    sums = base.aggregation in ("property_sum", "revenue")
    specs: dict[Focus, MetricSpec] = {}
    breadth = _breadth(row, base)
    if breadth is not None:
        specs["breadth"] = breadth
    specs["depth"] = replace(
        base,
        name=f"{counts.capitalize()} per {who[:-1]} who {row.verb}, per {row.grain}",
        aggregation=base.aggregation if sums else "events",
        per_user=True,
        unit=f"{counts} per {who[:-1]}",
        kind="usage",
    )
    specs["frequency"] = replace(
        base,
        name=f"{who.capitalize()} who {row.verb} 2+ times a {row.grain}",
        aggregation="users_reaching",
        threshold=2,
        value_column=None,
        unit=who,
        kind="usage",
    )
    if row.noun:
        specs["efficiency"] = replace(
            base,
            name=f"Days from first visit to first {row.noun}",
            aggregation="days_to_value",
            value_column=None,
            unit="days",
            kind="outcome",
        )
    return specs


def _templates(row: _Star) -> tuple[Template, ...]:
    star = _star(row)
    focus = tuple(
        Template(f"{row.key}__{name}", spec, name, row.roles, row.amount, parent=row.key)
        for name, spec in _focus_specs(row, star.spec).items()
    )
    return (star, *focus)


TEMPLATES: Final[dict[str, Template]] = {t.key: t for row in _STARS for t in _templates(row)}


def north_stars() -> tuple[Template, ...]:
    """Return the North Star templates (no focus metrics), in registry order.

    Example:
        >>> [t.key for t in north_stars()][:3]
        ['mau', 'dau', 'weekly_transactions']
    """
    return tuple(t for t in TEMPLATES.values() if t.focus == "north_star")


def focus_metrics(parent: str) -> tuple[Template, ...]:
    """Return the breadth, depth, frequency and efficiency templates of a North Star.

    Example:
        >>> [t.focus for t in focus_metrics("orders_per_week")]
        ['breadth', 'depth', 'frequency', 'efficiency']
    """
    return tuple(t for t in TEMPLATES.values() if t.parent == parent)


def _pick(wanted: tuple[str, ...], have: Iterable[str]) -> str | None:
    """Return the first of `wanted` present in `have` (case-insensitive), as spelt in `have`."""
    lower = {h.lower(): h for h in have}
    return next((lower[w] for w in wanted if w in lower), None)


def fit_template(
    template: Template, event_names: Iterable[str], columns: Iterable[str]
) -> TemplateFit:
    """Return the template's spec mapped to a dataset's events, or what the dataset lacks.

    Each role takes the first of its event names the dataset has; the amount takes the first
    matching property column; account metrics need an account_id column.

    Example:
        >>> fit = fit_template(TEMPLATES["orders_per_week"], ["open", "Order"], ["user_id"])
        >>> fit.spec.events
        ('Order',)
        >>> fit_template(TEMPLATES["nights_booked"], ["open"], ["user_id"]).missing
        ('an event meaning booking (booking_confirmed, booking, reservation, book)', 'a property column holding nights (nights, nights_booked, num_nights)')
    """  # noqa: E501
    names, cols = list(event_names), list(columns)
    events = {role: _pick(ROLES[role], names) for role in template.roles}
    missing = [
        f"an event meaning {role} ({', '.join(ROLES[role])})"
        for role, name in events.items()
        if name is None
    ]
    value_column = _pick(VALUE_COLUMNS[template.amount], cols) if template.amount else None
    if template.amount and value_column is None and template.spec.aggregation == "property_sum":
        wanted = ", ".join(VALUE_COLUMNS[template.amount])
        missing.append(f"a property column holding {template.amount} ({wanted})")
    if template.spec.entity == "account" and ACCOUNT not in cols:
        missing.append(f"an {ACCOUNT} column (the team or company of each user)")
    if missing:
        return TemplateFit(template, None, tuple(missing))
    spec = replace(template.spec, events=tuple(n for n in events.values() if n is not None))
    if spec.aggregation == "property_sum":
        spec = replace(spec, value_column=value_column)
    return TemplateFit(template, spec)


def fit_all(event_names: Iterable[str], columns: Iterable[str]) -> tuple[TemplateFit, ...]:
    """Return every template fitted to a dataset (see fit_template), in registry order."""
    names, cols = list(event_names), list(columns)
    return tuple(fit_template(t, names, cols) for t in TEMPLATES.values())


def event_metric(event: str, threshold: int = 1) -> MetricSpec:
    """Return a candidate built from one event: users who did it (threshold k+ times) a week.

    Example:
        >>> event_metric("save_favorite").name
        'Users who did save_favorite, per week'
        >>> spec = event_metric("send_message", 20)
        >>> spec.name, spec.aggregation, spec.threshold
        ('Users who did send_message 20+ times a week', 'users_reaching', 20)
    """
    if threshold <= 1:
        return MetricSpec(f"Users who did {event}, per week", events=(event,), unit="users")
    return MetricSpec(
        f"Users who did {event} {threshold}+ times a week",
        events=(event,),
        aggregation="users_reaching",
        threshold=threshold,
        unit="users",
    )


def event_metrics(
    event_names: Iterable[str],
    repeats: Mapping[str, int] | None = None,
    skip: tuple[str, ...] = ("signup",),
) -> tuple[MetricSpec, ...]:
    """Return candidates from the data's own events: who did each, and who did it often.

    One breadth metric per event (users who did it, per week), and for each event in
    `repeats` a frequency metric (users who did it at least that many times a week).

    Example:
        >>> [s.name for s in event_metrics(["signup", "share_dish"], {"share_dish": 2})]
        ['Users who did share_dish, per week', 'Users who did share_dish 2+ times a week']
    """
    repeats = repeats or {}
    return tuple(
        event_metric(name, k)
        for name in sorted(set(event_names))
        if name not in skip
        for k in (1, *([repeats[name]] if repeats.get(name, 1) > 1 else []))
    )
