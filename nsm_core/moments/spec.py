"""What a high-value moment is: the windows, the outcome, the confounders (MomentSpec)."""

from dataclasses import dataclass
from typing import Final, Literal

from nsm_core.metrics import MetricSpec
from nsm_core.schema import CANONICAL, DataError

Outcome = Literal["retained", "revenue"]
OUTCOMES: Final[tuple[Outcome, ...]] = ("retained", "revenue")
# North Star aggregations that count users: a user's part in them is 0 or 1.
USER_COUNTS: Final = ("distinct_users", "users_reaching")

ACTIVE_DAYS: Final = "early_active_days"
EARLY_EVENTS: Final = "early_events"
# Early activity is measured without the candidate event itself, so that doing the moment
# more often is not mistaken for being an active user.
ACTIVITY: Final = (ACTIVE_DAYS, EARLY_EVENTS)
# First-touch properties used as confounders when none are named: acquisition and platform.
AUTO_PROPERTIES: Final = (
    "channel",
    "acquisition_channel",
    "utm_source",
    "utm_medium",
    "source",
    "platform",
    "device",
    "os",
    "country",
    "region",
    "plan",
    "company_size",
    "industry",
)
ALL_USERS: Final = "all users"


@dataclass(frozen=True, slots=True)
class MomentSpec:
    """What counts as a moment, what it should lead to, and what to adjust for.

    window_days: the candidate window, own days 0 .. window_days − 1.
    outcome: "retained" (1 if the user was active, or did `return_event`, in the outcome
    window), "revenue" (revenue in the outcome window, per user), or a North Star MetricSpec
    (the user's own part of it in the outcome window; see nsm_core/moments/north_star.py).
    outcome_window: own days (a, b), inclusive, with a ≥ window_days.
    confounders: first-touch properties and/or ACTIVITY names; None = the AUTO_PROPERTIES
    present plus both activity measures.
    thresholds: a candidate is "did the event ≥ k times in the window" for each k.
    min_users: fewest users needed on each side (reached / not reached) for an estimate.
    where: keep only users whose first-touch `property` equals `value`.
    segments: further first-touch properties to keep per user (for per-segment lifts).
    candidates: the events to scan (None = every event, the `max_events` most common).
    bootstrap: replicates for the confidence intervals; seed: their random seed.
    """

    window_days: int = 7
    outcome: Outcome | MetricSpec = "retained"
    outcome_window: tuple[int, int] = (8, 35)
    return_event: str | None = None
    confounders: tuple[str, ...] | None = None
    thresholds: tuple[int, ...] = (1, 2, 3, 5, 10)
    min_users: int = 50
    where: tuple[str, str] | None = None
    segments: tuple[str, ...] = ()
    candidates: tuple[str, ...] | None = None
    max_events: int = 40
    bootstrap: int = 1000
    seed: int = 0

    @property
    def north_star(self) -> MetricSpec | None:
        """Return the North Star the outcome measures (None for retained / revenue)."""
        return self.outcome if isinstance(self.outcome, MetricSpec) else None

    @property
    def binary(self) -> bool:
        """Return True when the outcome is 0/1 per user (its lifts are rate points).

        Example:
            >>> MomentSpec().binary, MomentSpec(outcome="revenue").binary
            (True, False)
            >>> MomentSpec(outcome=MetricSpec("Orders", aggregation="events")).binary
            False
        """
        star = self.north_star
        return self.outcome == "retained" if star is None else star.aggregation in USER_COUNTS

    @property
    def money(self) -> bool:
        """Return True when the outcome is an amount of money per user."""
        star = self.north_star
        return self.outcome == "revenue" if star is None else star.aggregation == "revenue"

    def check(self) -> None:
        """Raise DataError when the windows or thresholds cannot define a landmark design."""
        low, high = self.outcome_window
        if self.north_star is not None:
            check_north_star(self.north_star)
        elif self.outcome not in OUTCOMES:
            raise DataError(
                f"Unknown outcome {self.outcome!r}: use 'retained', 'revenue' or a North Star "
                "metric (MetricSpec)."
            )
        if self.window_days < 1:
            raise DataError("The moment window must be at least 1 day.")
        if not self.window_days <= low <= high:
            raise DataError(
                f"The outcome window (days {low}–{high}) must start on or after day "
                f"{self.window_days}, when the moment window ends, and must not end before "
                "it starts.",
                fix="Move the outcome window later or shorten the moment window.",
            )
        if not self.thresholds or min(self.thresholds) < 1:
            raise DataError("Thresholds must be whole numbers of times, 1 or more.")


def north_star_problem(metric: MetricSpec) -> str | None:
    """Return why a North Star cannot be the outcome of moments (None when it can).

    Example:
        >>> north_star_problem(MetricSpec("Orders", aggregation="events")) is None
        True
        >>> north_star_problem(MetricSpec("Days to order", aggregation="days_to_value"))[:40]
        'Days to order measures how fast users fi'
    """
    if metric.aggregation != "days_to_value":
        return None
    return (
        f"{metric.name} measures how fast users first reach value, which mostly happens inside "
        "the moment window; moments are judged by what users do after it."
    )


def check_north_star(metric: MetricSpec) -> None:
    """Raise DataError when `metric` cannot be the outcome of moments (see north_star_problem)."""
    problem = north_star_problem(metric)
    if problem is not None:
        events = " or ".join(metric.events) or "any event"
        raise DataError(
            problem,
            fix=f"Use the retained outcome with {events} counting as retained, or a North "
            "Star that counts users, events, revenue or an amount.",
        )


def resolve_confounders(spec: MomentSpec, columns: list[str]) -> tuple[tuple[str, ...], ...]:
    """Return (properties, activity measures) to adjust for, checked against the columns.

    Example:
        >>> resolve_confounders(MomentSpec(), ["user_id", "channel", "coupon"])
        (('channel',), ('early_active_days', 'early_events'))
    """
    props = [c for c in columns if c not in CANONICAL]
    if spec.confounders is None:
        return tuple(p for p in AUTO_PROPERTIES if p in props), ACTIVITY
    unknown = [c for c in spec.confounders if c not in props and c not in ACTIVITY]
    if unknown:
        raise DataError(
            f"Unknown confounder {', '.join(unknown)}.",
            fix=f"Choose among the properties ({', '.join(props) or 'none'}) or "
            f"{' / '.join(ACTIVITY)}.",
        )
    chosen = tuple(dict.fromkeys(spec.confounders))
    return tuple(c for c in chosen if c in props), tuple(c for c in ACTIVITY if c in chosen)
