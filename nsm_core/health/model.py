"""What the health scorecard is made of: readings grouped into metric families."""

from dataclasses import dataclass
from datetime import date
from typing import Final, Literal, TypeAlias

from nsm_core import fmt

Unit: TypeAlias = Literal[
    "money", "share", "count", "number", "minutes", "months", "points", "ms", "ratio"
]
FamilyKey: TypeAlias = Literal[
    "business",
    "funnel",
    "engagement",
    "nps",
    "support",
    "cross_upsell",
    "retention",
    "marketing_roi",
    "customer_roi",
    "technical",
]
FAMILY_TITLES: Final[dict[FamilyKey, str]] = {
    "business": "Business performance",
    "funnel": "Funnel",
    "engagement": "Engagement",
    "nps": "Net Promoter Score",
    "support": "Support",
    "cross_upsell": "Cross-sell and upsell",
    "retention": "Retention",
    "marketing_roi": "Marketing ROI",
    "customer_roi": "Customer ROI",
    "technical": "Technical performance",
}


@dataclass(frozen=True, slots=True)
class Reading:
    """One number of the scorecard, the number it is compared with, and its formula.

    text: the value in words when another page words it (payback "not within 24 months"),
    shown instead of the formatted value so both pages read the same.
    """

    label: str
    value: float | None
    unit: Unit
    formula: str
    previous: float | None = None
    compared_with: str = ""
    higher_is_better: bool = True
    text: str | None = None

    @property
    def change(self) -> float | None:
        """Return value − previous (None when either is missing)."""
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    def shown(self) -> str:
        """Return the value formatted for its unit.

        Example:
            >>> Reading("Churn", 0.0812, "share", "").shown()
            '8.1%'
        """
        return self.text if self.text is not None else show(self.value, self.unit)


@dataclass(frozen=True, slots=True)
class Family:
    """A metric family: its readings, or (when `needs` is set) what would enable it."""

    key: FamilyKey
    readings: tuple[Reading, ...] = ()
    needs: str = ""
    basis: str = ""

    @property
    def title(self) -> str:
        """The family's name."""
        return FAMILY_TITLES[self.key]

    @property
    def available(self) -> bool:
        """True when the data had what the family needs."""
        return not self.needs


@dataclass(frozen=True, slots=True)
class Scorecard:
    """Every family, in display order, as of the last complete month of the data."""

    families: tuple[Family, ...]
    as_of: date | None
    warnings: tuple[str, ...] = ()

    def family(self, key: FamilyKey) -> Family:
        """Return one family."""
        return next(f for f in self.families if f.key == key)


def show(value: float | None, unit: Unit) -> str:
    """Return a value in its unit's words.

    Example:
        >>> show(1234.5, "money"), show(21_963.3, "money"), show(0.25, "share"), show(None, "ms")
        ('$1,234.50', '$22.0k', '25.0%', 'n/a')
    """
    if value is None:
        return "n/a"
    shown = {
        "money": lambda x: fmt.money(x, compact=abs(x) >= 10_000),
        "share": lambda x: fmt.pct(x, 1),
        "count": lambda x: fmt.count(x),
        "number": lambda x: fmt.num(x, 2),
        "minutes": lambda x: f"{fmt.num(x, 1)} min",
        "months": lambda x: f"{fmt.num(x, 1)} months",
        "points": lambda x: f"{x:+.0f}",
        "ms": lambda x: f"{fmt.count(x)} ms",
        "ratio": lambda x: f"{fmt.num(x, 1)}×",
    }
    return shown[unit](value)
