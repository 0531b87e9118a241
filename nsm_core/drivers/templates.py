"""Standard driver trees, each node measured from the events.

The North Star sits at the root; drivers for acquisition, activation, engagement,
retention and monetization sit below it.

volume   {orders} = active users × {orders} per active user
           active users = new + retained + resurrected users
           {orders} per active user = share of active users placing them × {orders} per placer
revenue  net revenue = gross revenue + refunds (refunds ≤ 0)
           gross revenue = paying users × paid {orders} per paying user × average {order} value
           paying users = new + retained + resurrected paying users
active   active users = new + retained + resurrected users

Each product's ratios telescope (a / b × b / c = a / c), so the data satisfy the formulas
exactly; the node values come from `MetricSpec`s (nsm_core.metrics) and lifecycle states
(nsm_core.retention.lifecycle).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from nsm_core._types import Period
from nsm_core.drivers.model import Lifecycle, Node, State, Theme
from nsm_core.metrics import Entity, Filter, MetricSpec
from nsm_core.metrics.templates import ROLES
from nsm_core.schema import ACCOUNT, REVENUE

TemplateKey = Literal["volume", "revenue", "active"]
NEW_VS_RETURNING: Final = "new vs returning"
ADJECTIVE: Final[dict[Period, str]] = {"day": "Daily", "week": "Weekly", "month": "Monthly"}
_NOUNS: Final = {"order": "orders", "message": "messages", "watch": "plays", "booking": "bookings"}
_STATE_THEME: Final[dict[State, Theme]] = {
    "new": "acquisition",
    "retained": "retention",
    "resurrected": "retention",
}
_PAID: Final = Filter(REVENUE, "gt", number=0.0)
_REFUND: Final = Filter(REVENUE, "lt", number=0.0)


@dataclass(frozen=True, slots=True)
class TreeTemplate:
    """A standard tree's name, what it explains, and whether it needs revenue."""

    key: TemplateKey
    title: str
    description: str
    needs_revenue: bool = False


TEMPLATES: Final[dict[TemplateKey, TreeTemplate]] = {
    t.key: t
    for t in (
        TreeTemplate(
            "volume",
            "Volume of a key event",
            "Key events = active users × key events per active user; active users = new + "
            "retained + resurrected; per active user = share doing it × times per doer.",
        ),
        TreeTemplate(
            "revenue",
            "Revenue",
            "Net revenue = gross revenue + refunds; gross revenue = paying users × paid "
            "orders per paying user × average order value; paying users by lifecycle.",
            needs_revenue=True,
        ),
        TreeTemplate(
            "active",
            "Active users",
            "Active users = new + retained + resurrected (growth accounting).",
        ),
    )
}


@dataclass(frozen=True, slots=True)
class TreeSpec:
    """Which standard tree, on which events, per what period, cut by which segment.

    key_event: the event counted (orders, messages; None = every event); activity_event:
    what makes a user active (None = any event); entity: users or accounts (teams);
    segment: a property column (each user counted under their first-touch value) or
    NEW_VS_RETURNING (new = the period of the user's first event).
    """

    template: TemplateKey = "volume"
    key_event: str | None = None
    activity_event: str | None = None
    entity: Entity = "user"
    period: Period = "week"
    segment: str | None = None


def event_noun(event: str | None) -> str:
    """Return a plural noun for an event ("orders" for order_placed, else "<name> events").

    Example:
        >>> event_noun("order_placed"), event_noun("Message_Sent"), event_noun("open")
        ('orders', 'messages', 'open events')
    """
    if event is None:
        return "events"
    lower = event.lower()
    role = next((r for r, names in ROLES.items() if lower in names), None)
    return _NOUNS.get(role, f"{event} events")


def _entity_noun(entity: Entity) -> str:
    return "accounts" if entity == "account" else "users"


def _spec(name: str, spec: TreeSpec, event: str | None, **fields: object) -> MetricSpec:
    events = (event,) if event else ()
    return MetricSpec(name, events=events, entity=spec.entity, grain=spec.period, **fields)


def _lifecycle_nodes(prefix: str, noun: str, active: MetricSpec) -> tuple[Node, ...]:
    return tuple(
        Node(
            f"{prefix}{state}",
            f"{state.capitalize()} {noun}",
            Lifecycle(state, active),
            theme=_STATE_THEME[state],
        )
        for state in ("new", "retained", "resurrected")
    )


def _active_node(spec: TreeSpec, label: str) -> Node:
    users = _entity_noun(spec.entity)
    active = _spec(label, spec, spec.activity_event)
    return Node("active", label, active, children=_lifecycle_nodes("", users, active))


def _volume(spec: TreeSpec) -> Node:
    users, things = _entity_noun(spec.entity), event_noun(spec.key_event)
    volume = _spec(things, spec, spec.key_event, aggregation="events")
    active = _active_node(spec, f"Active {users}")
    doers = _spec(f"{users} with {things}", spec, spec.key_event)
    share = Node(
        "doer_share",
        f"Share of active {users} with {things}",
        doers,
        per=active.measure,
        unit="share",
        theme="activation",
    )
    per_doer = Node(
        "per_doer", f"{things.capitalize()} per {users[:-1]} doing it", volume, per=doers,
        unit="ratio", theme="engagement",
    )  # fmt: skip
    per_active = Node(
        "per_active", f"{things.capitalize()} per active {users[:-1]}", volume,
        per=active.measure, op="product", children=(share, per_doer), unit="ratio",
    )  # fmt: skip
    return Node(
        "volume", f"{ADJECTIVE[spec.period]} {things}", volume, op="product",
        children=(active, per_active), theme="north star",
    )  # fmt: skip


def _revenue(spec: TreeSpec) -> Node:
    users = _entity_noun(spec.entity)
    things = event_noun(spec.key_event) if spec.key_event else "payments"
    paid = {"filters": (_PAID,)}
    gross = _spec("gross revenue", spec, spec.key_event, aggregation="revenue", **paid)
    orders = _spec(f"paid {things}", spec, spec.key_event, aggregation="events", **paid)
    buyers = _spec(f"paying {users}", spec, spec.key_event, **paid)
    money: dict[str, object] = {"unit": "money", "theme": "monetization"}
    payers = Node(
        "payers", f"Paying {users}", buyers, children=_lifecycle_nodes("payers_", "payers", buyers)
    )
    frequency = Node(
        "per_payer", f"Paid {things} per paying {users[:-1]}", orders, per=buyers, unit="ratio"
    )
    aov = Node("aov", f"Average {things[:-1]} value", gross, per=orders, **money)
    gross_node = Node(
        "gross", "Gross revenue", gross, op="product", children=(payers, frequency, aov), **money
    )
    refunds = _spec("refunds", spec, None, aggregation="revenue", filters=(_REFUND,))
    net = _spec("net revenue", spec, None, aggregation="revenue")
    return Node(
        "net", f"{ADJECTIVE[spec.period]} net revenue", net,
        children=(gross_node, Node("refunds", "Refunds (negative)", refunds, **money)),
        unit="money", theme="north star",
    )  # fmt: skip


def build_tree(spec: TreeSpec) -> Node:
    """Return the standard tree `spec` names, its measures fitted to the chosen events.

    Example:
        >>> tree = build_tree(TreeSpec("volume", key_event="order_placed"))
        >>> tree.label, [c.label for c in tree.children]
        ('Weekly orders', ['Active users', 'Orders per active user'])
    """
    if spec.template == "revenue":
        return _revenue(spec)
    if spec.template == "active":
        label = f"{ADJECTIVE[spec.period]} active {_entity_noun(spec.entity)}"
        root = _active_node(spec, label)
        return Node(root.key, root.label, root.measure, children=root.children, theme="north star")
    return _volume(spec)


def _pick(names: Sequence[str], roles: tuple[str, ...]) -> str | None:
    lower = {n.lower(): n for n in names}
    return next((lower[w] for r in roles for w in ROLES[r] if w in lower), None)


def suggest_spec(event_names: Sequence[str], columns: Sequence[str]) -> TreeSpec:
    """Return a sensible first tree for a dataset, from its event names and columns.

    A purchase log (one event type) gets the revenue tree; a product with an order-like
    event gets its volume tree; a B2B product with messages and accounts gets weekly active
    teams (accounts sending messages); otherwise the volume of the most common event.
    `event_names` are ordered most common first.

    Example:
        >>> suggest_spec(["open", "message_sent"], ["user_id", "account_id"])
        TreeSpec(template='active', key_event='message_sent', activity_event='message_sent', entity='account', period='week', segment=None)
    """  # noqa: E501
    if len(event_names) == 1:
        return TreeSpec("revenue", key_event=event_names[0], period="month")
    order = _pick(event_names, ("order", "booking", "watch"))
    if order is not None:
        return TreeSpec("volume", key_event=order)
    message = _pick(event_names, ("message",))
    if message is not None and ACCOUNT in columns:
        return TreeSpec("active", key_event=message, activity_event=message, entity="account")
    return TreeSpec("volume", key_event=message or (event_names[0] if event_names else None))
