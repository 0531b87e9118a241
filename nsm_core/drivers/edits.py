"""Node edits: the user picks what a node measures where the tree's identities stay exact.

step  The population in the middle of a product telescopes away: with D any set of users,
      (D / active) × (volume / D) = volume / active. So "share of active users doing X ×
      orders per user doing X" is exact for any X (`doer_share`), and so is gross revenue
      = D × (orders / D) × (gross / orders) for paying users replaced by any D (`payers`).
part  An additive leaf N (a count of events or a sum of money, divided by `per` or not)
      splits into the part C of its rows the user picks and everything else:
      N / d = C / d + (N − C) / d. C is N narrowed (one of its events, one more filter),
      so everything else is N on the rows C leaves out.

Whatever the data, each edited node still equals the sum or product of its children,
so the attribution's parts add up to the root's change with no unexplained gap.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final

import polars as pl

from nsm_core.catalog import MAX_SEGMENT_VALUES, property_columns
from nsm_core.drivers.model import Node, Remainder, walk
from nsm_core.drivers.spec import EditKind, NodeEdit
from nsm_core.metrics import Filter, MetricSpec
from nsm_core.metrics.words import filter_words
from nsm_core.schema import REVENUE, DataError

STEP_KEYS: Final = ("doer_share", "payers")
ADDITIVE: Final = ("events", "revenue", "property_sum")
PART: Final = "_part"
REST: Final = "_rest"
MAX_VALUES: Final = 12


@dataclass(frozen=True, slots=True)
class Editable:
    """A node the user may edit: its key, the kind of edit, its label, events offered.

    events: for a part, the events its rows may be narrowed to (() = any event).
    """

    key: str
    kind: EditKind
    label: str
    events: tuple[str, ...] = ()


def _is_additive(node: Node) -> bool:
    m = node.measure
    return (
        isinstance(m, MetricSpec)
        and m.aggregation in ADDITIVE
        and not m.per_user
        and (node.per is None or isinstance(node.per, MetricSpec))
    )


def editable(root: Node) -> tuple[Editable, ...]:
    """Return the nodes of an unedited tree the user may edit: steps first, then leaves.

    Example:
        >>> m = MetricSpec("orders", events=("order",), aggregation="events")
        >>> tree = Node("y", "Y", m, children=(Node("a", "A", m),))
        >>> editable(tree)
        (Editable(key='a', kind='part', label='A', events=('order',)),)
    """
    steps = [Editable(n.key, "step", n.label) for n, _, _ in walk(root) if n.key in STEP_KEYS]
    parts = [
        Editable(n.key, "part", n.label, n.measure.events)
        for n, _, _ in walk(root)
        if n.is_leaf and n is not root and _is_additive(n)
    ]
    return (*steps, *parts)


def step_edit(edits: Sequence[NodeEdit], key: str) -> NodeEdit | None:
    """Return the step edit of node `key`, if the user made one."""
    return next((e for e in edits if e.kind == "step" and e.key == key), None)


def who_words(edit: NodeEdit) -> str:
    """Return who a step edit counts, as a phrase.

    Example:
        >>> who_words(NodeEdit("doer_share", "step", "view_menu", Filter("device", "in", ("ios",))))
        'who did view_menu where device is ios'
    """
    did = f"who did {edit.event}" if edit.event else "doing it"
    return f"{did} where {filter_words(edit.where)}" if edit.where else did


def part_words(edit: NodeEdit) -> str:
    """Return which rows a part counts, as a phrase.

    Example:
        >>> part_words(NodeEdit("aov", "part", where=Filter("coupon", "in", ("SAVE20",))))
        'coupon is SAVE20'
        >>> part_words(NodeEdit("refunds", "part", "refund"))
        'refund events'
    """
    words = [f"{edit.event} events"] if edit.event else []
    words += [filter_words(edit.where)] if edit.where else []
    return " where ".join(words) or "all of it"


def population(base: MetricSpec, edit: NodeEdit | None, name: str) -> MetricSpec:
    """Return the users (or accounts) in the middle of a product: doers of `base`'s rows.

    With a step edit: entities with a row of its event (None = base's events and
    filters) passing its filter; base's entity, grain and exclusions are kept.

    Example:
        >>> base = MetricSpec("orders", events=("order",), aggregation="events")
        >>> population(base, NodeEdit("doer_share", "step", "view_menu"), "viewers").events
        ('view_menu',)
    """
    out = replace(
        base,
        name=name,
        aggregation="distinct_users",
        value_column=None,
        threshold=1,
        per_user=False,
    )
    if edit is None:
        return out
    filters = out.filters if edit.event is None else ()
    return replace(
        out,
        events=(edit.event,) if edit.event else out.events,
        filters=(*filters, *((edit.where,) if edit.where else ())),
    )


def _narrowed(measure: MetricSpec, edit: NodeEdit) -> MetricSpec:
    """Return the part of `measure` an edit picks (its rows of one event, one more filter)."""
    if edit.event and measure.events and edit.event not in measure.events:
        raise DataError(
            f"{edit.event} is not one of the events {measure.name} counts, so it cannot "
            "be a part of it.",
            fix=f"Pick one of: {', '.join(measure.events)}.",
        )
    return replace(
        measure,
        name=f"{measure.name}: {part_words(edit)}",
        events=(edit.event,) if edit.event else measure.events,
        filters=(*measure.filters, *((edit.where,) if edit.where else ())),
    )


def _split(node: Node, edit: NodeEdit) -> Node:
    """Return the leaf as a sum: its part and everything else, over the same `per`."""
    assert isinstance(node.measure, MetricSpec)  # noqa: S101 (editable() checked it)
    part = _narrowed(node.measure, edit)
    common = {"per": node.per, "unit": node.unit, "theme": node.theme}
    children = (
        Node(f"{node.key}{PART}", f"{node.label}: {part_words(edit)}", part, **common),
        Node(
            f"{node.key}{REST}",
            f"{node.label}: everything else",
            Remainder(node.measure, (part,)),
            **common,
        ),
    )
    return replace(node, op="sum", children=children)


def _with_parts(node: Node, parts: dict[str, NodeEdit]) -> Node:
    if node.key in parts and node.is_leaf:
        return _split(node, parts[node.key])
    if node.is_leaf:
        return node
    return replace(node, children=tuple(_with_parts(c, parts) for c in node.children))


def check_edits(root: Node, edits: Sequence[NodeEdit]) -> None:
    """Raise DataError when an edit names a node the tree cannot edit that way, or twice."""
    allowed = {(e.key, e.kind) for e in editable(root)}
    seen: set[str] = set()
    for edit in edits:
        if (edit.key, edit.kind) not in allowed:
            raise DataError(f"The node {edit.key!r} of this tree cannot take a {edit.kind} edit.")
        if edit.key in seen:
            raise DataError(f"The node {edit.key!r} has two edits; keep one.")
        seen.add(edit.key)


def apply_parts(root: Node, edits: Sequence[NodeEdit]) -> Node:
    """Return the tree with each part edit's leaf split into its part and everything else.

    Example:
        >>> m = MetricSpec("orders", events=("order",), aggregation="events")
        >>> tree = Node("y", "Y", m, children=(Node("a", "Orders", m),))
        >>> edit = NodeEdit("a", "part", where=Filter("coupon", "in", ("SAVE20",)))
        >>> [n.label for n, _, _ in walk(apply_parts(tree, (edit,)))][2:]
        ['Orders: coupon is SAVE20', 'Orders: everything else']
    """
    parts = {e.key: e for e in edits if e.kind == "part"}
    return _with_parts(root, parts) if parts else root


def edit_captions(root: Node, edits: Sequence[NodeEdit]) -> tuple[str, ...]:
    """Return one sentence per edit: what changed, and why the tree still adds up."""
    parents = {n.key: p for n, p, _ in walk(root)}
    nodes = {n.key: n for n, _, _ in walk(root)}
    out = []
    for edit in edits:
        node, parent = nodes[edit.key], parents[edit.key]
        if edit.kind == "step" and parent is not None:
            out.append(
                f"Changed: “doing it” now means users {who_words(edit)}. {parent.label} "
                "still equals the product of its drivers exactly: the ratio beside the share "
                "divides the same total by those users, whoever they are."
            )
        elif edit.kind == "part":
            out.append(
                f"Split: {node.label} = the part where {part_words(edit)} + everything else; "
                "the two add up to it exactly."
            )
    return tuple(out)


def _label_columns(events: pl.DataFrame) -> list[str]:
    """Return text, boolean and integer properties with 1 to MAX_SEGMENT_VALUES values.

    Unlike a segment, one value will do: "coupon is SAVE20" against rows without one.
    """
    names = [
        c
        for c in property_columns(events.schema)
        if events.schema[c] in (pl.String, pl.Categorical, pl.Boolean)
        or events.schema[c].is_integer()
    ]
    if not names:
        return []
    distinct = events.select(pl.col(names).drop_nulls().n_unique()).row(0)
    return [c for c, n in zip(names, distinct, strict=True) if 1 <= n <= MAX_SEGMENT_VALUES]


def filter_choices(events: pl.DataFrame) -> tuple[Filter, ...]:
    """Return conditions a user can pick for a node: "<property> is <value>", "<amount> > 0".

    One per value of each label-like property (most common first, at most 12 a column),
    then "more than 0" for revenue and each decimal property (discounted, refunded...).

    Example:
        >>> ev = pl.DataFrame({"user_id": ["a", "b"], "device": ["ios", "web"], "revenue": 1.0})
        >>> [filter_words(f) for f in filter_choices(ev)]
        ['device is ios', 'device is web', 'revenue is more than 0']
    """
    out: list[Filter] = []
    for column in _label_columns(events):
        counts = events.get_column(column).drop_nulls().value_counts(name="_n")
        values = counts.sort(["_n", column], descending=[True, False]).to_series()
        out += [Filter(column, "in", (str(v),)) for v in values.head(MAX_VALUES)]
    amounts = [REVENUE] if REVENUE in events.columns else []
    amounts += [c for c in property_columns(events.schema) if events.schema[c].is_float()]
    out += [Filter(c, "gt", number=0.0) for c in dict.fromkeys(amounts)]
    return tuple(out)
