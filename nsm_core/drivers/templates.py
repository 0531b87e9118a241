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
(nsm_core.retention.lifecycle). With an adopted North Star at the root (roots.py), every
measure is taken on the North Star's own rows; node edits (edits.py) change who counts as
doing it or split a leaf into a part and everything else.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final

from nsm_core._types import Period
from nsm_core.drivers.edits import apply_parts, check_edits, population, step_edit, who_words
from nsm_core.drivers.model import Lifecycle, Node, State, Theme
from nsm_core.drivers.roots import root_label
from nsm_core.drivers.spec import TemplateKey, TreeSpec
from nsm_core.metrics import Entity, Filter, MetricSpec
from nsm_core.metrics.templates import ROLES
from nsm_core.schema import ACCOUNT, REVENUE

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
    if spec.north_star is not None:
        # The North Star's test users and bots are nobody's active users either.
        fields = {"exclusions": spec.north_star.exclusions, **fields}
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


def _active_node(spec: TreeSpec, label: str, active: MetricSpec | None = None) -> Node:
    users = _entity_noun(spec.entity)
    active = active or _spec(label, spec, spec.activity_event)
    return Node("active", label, active, children=_lifecycle_nodes("", users, active))


def _volume_measure(spec: TreeSpec) -> tuple[MetricSpec, str]:
    """Return what the volume tree counts (the key event, or the North Star) and its noun."""
    ns = spec.north_star
    if ns is None:
        things = event_noun(spec.key_event)
        return _spec(things, spec, spec.key_event, aggregation="events"), things
    named = spec.key_event is not None and ns.aggregation == "events"
    return ns, event_noun(spec.key_event) if named else ns.unit


def _volume(spec: TreeSpec) -> Node:
    users = _entity_noun(spec.entity)
    volume, things = _volume_measure(spec)
    step = step_edit(spec.edits, "doer_share")
    who = who_words(step) if step else "doing it"
    doers = population(volume, step, f"{users} with {things}")
    active = _active_node(spec, f"Active {users}")
    # "Users reaching k" counts users: per active user and per doer it is a share.
    shares = volume.aggregation == "users_reaching"
    unit = "share" if shares else "ratio"
    per_doer_label = (
        f"Share of {users} {who} in the North Star"
        if shares
        else f"{things.capitalize()} per {users[:-1]} {who}"
    )
    per_active_label = (
        f"Share of active {users} in the North Star"
        if shares
        else f"{things.capitalize()} per active {users[:-1]}"
    )
    share = Node(
        "doer_share",
        f"Share of active {users} {who_words(step) if step else f'with {things}'}",
        doers, per=active.measure, unit="share", theme="activation",
    )  # fmt: skip
    per_doer = Node("per_doer", per_doer_label, volume, per=doers, unit=unit, theme="engagement")
    per_active = Node(
        "per_active", per_active_label, volume, per=active.measure, op="product",
        children=(share, per_doer), unit=unit,
    )  # fmt: skip
    label = root_label(spec.north_star) if spec.north_star else f"{ADJECTIVE[spec.period]} {things}"
    return Node(
        "volume", label, volume, op="product", children=(active, per_active), theme="north star"
    )


def _money(spec: TreeSpec) -> tuple[MetricSpec, MetricSpec, MetricSpec]:
    """Return (net revenue, the rows payments come from, refunds) of the revenue tree."""
    ns = spec.north_star
    if ns is not None:
        refunds = replace(ns, name="refunds", filters=(*ns.filters, _REFUND))
        return ns, ns, refunds
    base = _spec("revenue", spec, spec.key_event, aggregation="revenue")
    refunds = _spec("refunds", spec, None, aggregation="revenue", filters=(_REFUND,))
    return _spec("net revenue", spec, None, aggregation="revenue"), base, refunds


def _revenue(spec: TreeSpec) -> Node:
    users = _entity_noun(spec.entity)
    things = event_noun(spec.key_event) if spec.key_event else "payments"
    net, base, refunds = _money(spec)
    gross = replace(
        base, name="gross revenue", aggregation="revenue", filters=(*base.filters, _PAID)
    )
    orders = replace(gross, name=f"paid {things}", aggregation="events")
    step = step_edit(spec.edits, "payers")
    buyers = population(gross, step, f"paying {users}")
    who = f"{users} {who_words(step)}" if step else "payers"
    money: dict[str, object] = {"unit": "money", "theme": "monetization"}
    payers = Node(
        "payers",
        who.capitalize() if step else f"Paying {users}",
        buyers,
        children=_lifecycle_nodes("payers_", who, buyers),
    )
    per_who = f"{users[:-1]} {who_words(step)}" if step else f"paying {users[:-1]}"
    frequency = Node("per_payer", f"Paid {things} per {per_who}", orders, per=buyers, unit="ratio")
    aov = Node("aov", f"Average {things[:-1]} value", gross, per=orders, **money)
    gross_node = Node(
        "gross", "Gross revenue", gross, op="product", children=(payers, frequency, aov), **money
    )
    label = (
        root_label(spec.north_star) if spec.north_star else f"{ADJECTIVE[spec.period]} net revenue"
    )
    return Node(
        "net", label, net,
        children=(gross_node, Node("refunds", "Refunds (negative)", refunds, **money)),
        unit="money", theme="north star",
    )  # fmt: skip


def _standard(spec: TreeSpec) -> Node:
    if spec.template == "revenue":
        return _revenue(spec)
    if spec.template == "volume":
        return _volume(spec)
    ns = spec.north_star
    label = root_label(ns) if ns else f"{ADJECTIVE[spec.period]} active {_entity_noun(spec.entity)}"
    root = _active_node(spec, label, ns)
    return Node(root.key, root.label, root.measure, children=root.children, theme="north star")


def build_tree(spec: TreeSpec) -> Node:
    """Return the tree `spec` names, its measures fitted to the chosen events and edits.

    Raises:
        DataError: an edit names a node the tree cannot edit that way.

    Example:
        >>> tree = build_tree(TreeSpec("volume", key_event="order_placed"))
        >>> tree.label, [c.label for c in tree.children]
        ('Weekly orders', ['Active users', 'Orders per active user'])
    """
    root = _standard(spec)
    check_edits(root, spec.edits)
    return apply_parts(root, spec.edits)


def _pick(names: Sequence[str], roles: tuple[str, ...]) -> str | None:
    lower = {n.lower(): n for n in names}
    return next((lower[w] for r in roles for w in ROLES[r] if w in lower), None)


def suggest_spec(
    event_names: Sequence[str], columns: Sequence[str], *, has_revenue: bool = True
) -> TreeSpec:
    """Return a sensible first tree for a dataset, from its event names and columns.

    A purchase log (one event type, with amounts) gets the revenue tree, never data without
    money (a ratings log would read $0 everywhere); a product with an order-like
    event gets its volume tree; a B2B product with messages and accounts gets weekly active
    teams (accounts sending messages); otherwise the volume of the most common event.
    `event_names` are ordered most common first.

    Example:
        >>> s = suggest_spec(["open", "message_sent"], ["user_id", "account_id"])
        >>> s.template, s.key_event, s.activity_event, s.entity
        ('active', 'message_sent', 'message_sent', 'account')
        >>> suggest_spec(["rating"], ["user_id"], has_revenue=False).template
        'volume'
    """
    if len(event_names) == 1 and has_revenue:
        return TreeSpec("revenue", key_event=event_names[0], period="month")
    order = _pick(event_names, ("order", "booking", "watch"))
    if order is not None:
        return TreeSpec("volume", key_event=order)
    message = _pick(event_names, ("message",))
    if message is not None and ACCOUNT in columns:
        return TreeSpec("active", key_event=message, activity_event=message, entity="account")
    return TreeSpec("volume", key_event=message or (event_names[0] if event_names else None))
