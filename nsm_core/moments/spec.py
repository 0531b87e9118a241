"""What a high-value moment is: the windows, the outcome, the confounders (MomentSpec)."""

from dataclasses import dataclass
from typing import Final, Literal

from nsm_core.schema import CANONICAL, DataError

Outcome = Literal["retained", "revenue"]

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
    window) or "revenue" (revenue in the outcome window, per user).
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
    outcome: Outcome = "retained"
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

    def check(self) -> None:
        """Raise DataError when the windows or thresholds cannot define a landmark design."""
        low, high = self.outcome_window
        if self.outcome not in ("retained", "revenue"):
            raise DataError(f"Unknown outcome {self.outcome!r}: use 'retained' or 'revenue'.")
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
