"""The adopted North Star as the root of a driver tree, when a standard tree can split it.

A North Star (a MetricSpec) roots the tree whose root it can be exactly:

    distinct users (MAU, weekly active teams)   active  = new + retained + resurrected
    revenue                                     revenue = gross (payers × orders per payer
                                                          × AOV) + refunds
    events, a property sum, users reaching k    volume  = active × doer share × per doer

Every node below is measured on the North Star's own rows (its events, filters and
exclusions) for its entity and grain, so the root is the North Star itself. A ratio ("per
user") and a median (days to value) are not sums or products of counts: they cannot root
these trees, and `fit_north_star` says why.
"""

from dataclasses import dataclass
from typing import Final

from nsm_core.drivers.spec import NodeEdit, TemplateKey, TreeSpec
from nsm_core.metrics import MetricSpec
from nsm_core.schema import DataError

_FITS: Final[dict[str, TemplateKey]] = {
    "distinct_users": "active",
    "revenue": "revenue",
    "events": "volume",
    "property_sum": "volume",
    "users_reaching": "volume",
}
_SPLITS: Final[dict[TemplateKey, str]] = {
    "active": "new + retained + resurrected",
    "revenue": "gross revenue (paying users × orders per payer × average value) + refunds",
    "volume": "active users × share doing it × amount per doer",
}


@dataclass(frozen=True, slots=True)
class RootFit:
    """Whether the North Star can root a standard tree: the template, and why, in words."""

    template: TemplateKey | None
    reason: str

    @property
    def ok(self) -> bool:
        """True when a standard tree can have the North Star at its root."""
        return self.template is not None


def root_label(north_star: MetricSpec) -> str:
    """Return the root's label for the adopted North Star.

    Example:
        >>> root_label(MetricSpec("Orders per week"))
        'Our North Star (Orders per week)'
    """
    return f"Our North Star ({north_star.name})"


def fit_north_star(north_star: MetricSpec) -> RootFit:
    """Return the standard tree the North Star can root, or why none can.

    Example:
        >>> fit_north_star(MetricSpec("WAU")).template
        'active'
        >>> fit = fit_north_star(MetricSpec("Days to value", aggregation="days_to_value"))
        >>> fit.ok, fit.reason.split(":")[0]
        (False, 'Days to value is a median of days')
    """
    name = north_star.name
    if north_star.per_user:
        return RootFit(
            None,
            f"{name} is a ratio per user: an average is not a sum or a product of counts, "
            "so these trees cannot split it. Make the North Star the total (untick “per "
            "user”) to see its drivers.",
        )
    template = _FITS.get(north_star.aggregation)
    if template is None:
        return RootFit(
            None,
            f"{name} is a median of days: a typical time is not a sum or a product of "
            "counts, so these trees cannot split it. Its drivers are the events new users "
            "reach first: see Moments.",
        )
    return RootFit(template, f"{name} = {_SPLITS[template]}, measured on its own events.")


def north_star_spec(
    north_star: MetricSpec,
    *,
    activity_event: str | None = None,
    segment: str | None = None,
    edits: tuple[NodeEdit, ...] = (),
) -> TreeSpec:
    """Return the tree rooted in the North Star: its template, entity and grain.

    Raises:
        DataError: no standard tree can split this North Star (see fit_north_star).

    Example:
        >>> ns = MetricSpec("Orders per week", events=("order",), aggregation="events")
        >>> spec = north_star_spec(ns, activity_event="app_open")
        >>> spec.template, spec.key_event, spec.period, spec.north_star is ns
        ('volume', 'order', 'week', True)
    """
    fit = fit_north_star(north_star)
    if fit.template is None:
        raise DataError(fit.reason)
    return TreeSpec(
        fit.template,
        key_event=north_star.events[0] if len(north_star.events) == 1 else None,
        activity_event=activity_event,
        entity=north_star.entity,
        period=north_star.grain,
        segment=segment,
        north_star=north_star,
        edits=edits,
    )
