"""A driver tree as data: nodes with a formula (sum or product of their children).

A node's value in a period comes from the data (a `MetricSpec`, or a lifecycle state of
one, optionally divided by a second `MetricSpec`), and its formula says how its children
make it up:

    sum:     value = Σ children            (active users = new + retained + resurrected)
    product: value = Π children            (orders = active users × orders per active user)

A `Remainder` measure is what is left of a measure after parts of it: "everything else".

Templates pick measures so that the identity holds by construction (a ratio child is the
parent's measure divided by its sibling's). When a user's own choice breaks it, the gap is
shown as an "unexplained" part rather than hidden.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final, Literal, TypeAlias

from nsm_core.metrics.spec import MetricSpec

Op = Literal["sum", "product"]
Unit = Literal["count", "money", "ratio", "share"]
Theme = Literal[
    "north star", "acquisition", "activation", "engagement", "retention", "monetization"
]
State = Literal["new", "retained", "resurrected"]

THEMES: Final[tuple[Theme, ...]] = (
    "north star",
    "acquisition",
    "activation",
    "engagement",
    "retention",
    "monetization",
)
UNEXPLAINED: Final = "unexplained"


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """Users (or accounts) in one lifecycle state of an activity, per period.

    The activity is the rows `of` counts (its events, filters, exclusions and entity);
    new + retained + resurrected = the distinct users doing it in the period
    (docs/definitions/retention.md#lifecycle-states).
    """

    state: State
    of: MetricSpec


@dataclass(frozen=True, slots=True)
class Remainder:
    """Everything else: `total` minus its `parts`, per period (total − Σ parts).

    With parts measured on a subset of the total's rows, it is the total on the other rows.
    """

    total: MetricSpec
    parts: tuple[MetricSpec, ...]


Measure: TypeAlias = MetricSpec | Lifecycle | Remainder


@dataclass(frozen=True, slots=True)
class Node:
    """One driver: its label, how it is measured, and how its children make it up.

    value(p) = measure(p) / per(p) when `per` is set, else measure(p);
    a node with children also satisfies value = op(children) (sum or product).
    """

    key: str
    label: str
    measure: Measure
    per: Measure | None = None
    op: Op = "sum"
    children: tuple["Node", ...] = ()
    unit: Unit = "count"
    theme: Theme = "engagement"

    @property
    def is_leaf(self) -> bool:
        """True when the node has no children."""
        return not self.children


def walk(root: Node) -> Iterator[tuple[Node, Node | None, int]]:
    """Yield (node, parent, depth) for every node, parents before children (pre-order).

    Example:
        >>> M = MetricSpec("Users")
        >>> leaf = Node("b", "B", M)
        >>> [(n.key, p and p.key, d) for n, p, d in walk(Node("a", "A", M, children=(leaf,)))]
        [('a', None, 0), ('b', 'a', 1)]
    """
    stack: list[tuple[Node, Node | None, int]] = [(root, None, 0)]
    while stack:
        node, parent, depth = stack.pop()
        yield node, parent, depth
        stack.extend((child, node, depth + 1) for child in reversed(node.children))


def find(root: Node, key: str) -> Node:
    """Return the node with this key (KeyError when the tree has none)."""
    for node, _, _ in walk(root):
        if node.key == key:
            return node
    raise KeyError(key)


def path_to(root: Node, key: str) -> tuple[Node, ...]:
    """Return the nodes from `key` up to the root: the driver's impact path.

    Example:
        >>> M = MetricSpec("Users")
        >>> c = Node("c", "C", M)
        >>> tree = Node("a", "A", M, children=(Node("b", "B", M, children=(c,)),))
        >>> [n.key for n in path_to(tree, "c")]
        ['c', 'b', 'a']
    """
    parents = {node.key: parent for node, parent, _ in walk(root)}
    if key not in parents:
        raise KeyError(key)
    path = [find(root, key)]
    while (parent := parents[path[-1].key]) is not None:
        path.append(parent)
    return tuple(path)


def check_keys(root: Node) -> None:
    """Raise ValueError when two nodes share a key or a node uses the reserved key."""
    keys = [node.key for node, _, _ in walk(root)]
    if len(keys) != len(set(keys)):
        raise ValueError(f"Node keys must be unique in a tree: {sorted(keys)}")
    if any(k.endswith(UNEXPLAINED) for k in keys):
        raise ValueError(f"Node keys may not end in '{UNEXPLAINED}'.")
