"""What tree to build: the template, its events, the root, and the user's node edits.

A TreeSpec is frozen and hashable, so it is the cache key of a tree as it is. Its root is
a standard template measured on a key event, or the adopted North Star (`north_star`, a
MetricSpec) when it fits a template (nsm_core.drivers.roots). Node edits change what a
node measures only where the tree's identities stay exact (nsm_core.drivers.edits):

step  the population in the middle of a product: a / b × b / c = a / c for any b, so
      "share of active users doing X × times per doer" keeps its product whatever X is.
part  an additive leaf N (events or money, over `per` or not) splits into a custom part
      C and everything else: N / d = C / d + (N − C) / d.
"""

from dataclasses import dataclass
from typing import Literal

from nsm_core._types import Period
from nsm_core.metrics import Entity, Filter, MetricSpec

TemplateKey = Literal["volume", "revenue", "active"]
EditKind = Literal["step", "part"]


@dataclass(frozen=True, slots=True)
class NodeEdit:
    """A user's choice of what one node measures.

    kind "step": who counts as doing it (node `doer_share` or `payers`): entities with an
    `event` row (None = the tree's own events) passing `where`. kind "part": split the
    additive leaf `key` into its rows of `event` (None = all of its events) passing
    `where`, and everything else.
    """

    key: str
    kind: EditKind
    event: str | None = None
    where: Filter | None = None


@dataclass(frozen=True, slots=True)
class TreeSpec:
    """Which standard tree, on which events, per what period, cut by which segment.

    key_event: the event counted (orders, messages; None = every event); activity_event:
    what makes a user active (None = any event); entity: users or accounts (teams);
    segment: a property column (each user counted under their first-touch value) or
    NEW_VS_RETURNING (new = the period of the user's first event). north_star: the
    adopted North Star as the root (its events, filters, exclusions, entity and grain
    then define the tree; see roots.north_star_spec). edits: node edits, at most one per
    node.
    """

    template: TemplateKey = "volume"
    key_event: str | None = None
    activity_event: str | None = None
    entity: Entity = "user"
    period: Period = "week"
    segment: str | None = None
    north_star: MetricSpec | None = None
    edits: tuple[NodeEdit, ...] = ()
