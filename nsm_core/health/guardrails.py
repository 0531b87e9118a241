"""Guardrails: metrics that must not get worse while the North Star grows.

Each guardrail is a monthly series with a limit the user sets. Its state, for the last
complete month's value v against the limit T (an upper limit for refunds, churn, tickets
and unsubscribes; a lower limit for margin):
- red: v is past T;
- amber: v is within `warn` × |T| of T, or the trend would take it past T within
  `horizon` months (v + horizon × slope past T);
- green: otherwise.
The trend is the least-squares slope per month over the last `window` complete months.
"""

from dataclasses import dataclass
from datetime import date
from typing import Final, Literal, TypeAlias

import numpy as np
import polars as pl

from nsm_core import governance
from nsm_core.health.model import Unit, show

GuardrailKey: TypeAlias = Literal["refund_rate", "churn", "tickets", "margin", "unsubscribes"]
State: TypeAlias = Literal["red", "amber", "green", "unknown"]
Limit: TypeAlias = Literal["max", "min"]


@dataclass(frozen=True, slots=True)
class GuardrailInfo:
    """What a guardrail measures: its title, unit, kind of limit, default limit, formula."""

    title: str
    unit: Unit
    limit: Limit
    default: float
    formula: str
    needs: str


GUARDRAILS: Final[dict[GuardrailKey, GuardrailInfo]] = {
    "refund_rate": GuardrailInfo(
        "Refund rate",
        "share",
        "max",
        0.05,
        "refunded ÷ gross revenue (or refund events ÷ payments when refunds carry no money)",
        "negative revenue rows or events named like refund",
    ),
    "churn": GuardrailInfo(
        "Customer churn",
        "share",
        "max",
        0.10,
        "1 − retained ÷ paying customers at the start of the month (logo churn)",
        "a revenue column with payments over at least two months",
    ),
    "tickets": GuardrailInfo(
        "Complaints and tickets",
        "number",
        "max",
        5.0,
        "support tickets and complaints ÷ monthly active users × 100",
        "events named like ticket, support or complaint",
    ),
    "margin": GuardrailInfo(
        "Gross margin",
        "share",
        "min",
        0.30,
        "(revenue − COGS) ÷ revenue",
        "COGS: a cogs column on payments or monthly cogs in the spend table",
    ),
    "unsubscribes": GuardrailInfo(
        "Unsubscribes",
        "number",
        "max",
        1.0,
        "unsubscribe events ÷ monthly active users × 100",
        "events named like unsubscribe or opt_out",
    ),
}


@dataclass(frozen=True, slots=True)
class Guardrail:
    """A guardrail as the user set it (hashable: it can be saved on a governance card)."""

    key: GuardrailKey
    threshold: float
    warn: float = 0.2
    window: int = 6
    horizon: int = 3

    @property
    def info(self) -> GuardrailInfo:
        """What this guardrail measures."""
        return GUARDRAILS[self.key]


@dataclass(frozen=True, slots=True)
class GuardrailStatus:
    """Where a guardrail stands: last value, the month before, trend and state, in words."""

    guardrail: Guardrail
    state: State
    value: float | None
    previous: float | None
    slope: float | None
    month: date | None
    reason: str


def default_guardrails() -> tuple[Guardrail, ...]:
    """Return every guardrail at its default limit.

    Example:
        >>> [g.key for g in default_guardrails()][:2]
        ['refund_rate', 'churn']
    """
    return tuple(Guardrail(key, info.default) for key, info in GUARDRAILS.items())


def slope(values: list[float]) -> float | None:
    """Return the least-squares change per step of a series (None for fewer than 3 points).

    Example:
        >>> round(slope([1.0, 2.0, 3.5]), 6)
        1.25
    """
    if len(values) < 3:
        return None
    x = np.arange(len(values), dtype=float)
    return float(np.polyfit(x, np.asarray(values, dtype=float), 1)[0])


def _past(value: float, guardrail: Guardrail) -> bool:
    if guardrail.info.limit == "max":
        return value > guardrail.threshold
    return value < guardrail.threshold


def _near(value: float, guardrail: Guardrail) -> bool:
    return abs(value - guardrail.threshold) <= guardrail.warn * abs(guardrail.threshold)


def classify(value: float | None, trend: float | None, guardrail: Guardrail) -> State:
    """Return red, amber, green (or unknown without a value) for a value and its trend.

    Example:
        >>> g = Guardrail("refund_rate", 0.05)
        >>> classify(0.06, None, g), classify(0.045, None, g), classify(0.02, 0.015, g)
        ('red', 'amber', 'amber')
    """
    if value is None:
        return "unknown"
    if _past(value, guardrail):
        return "red"
    heading = value + guardrail.horizon * (trend or 0.0)
    return "amber" if _near(value, guardrail) or _past(heading, guardrail) else "green"


def _reason(state: State, value: float, trend: float | None, guardrail: Guardrail) -> str:
    unit, limit = guardrail.info.unit, guardrail.threshold
    word = "at most" if guardrail.info.limit == "max" else "at least"
    text = f"{show(value, unit)} against a limit of {word} {show(limit, unit)}"
    if trend is not None and trend != 0:
        direction = "rising" if trend > 0 else "falling"
        step = f"{abs(trend) * 100:.1f} pp" if unit == "share" else show(abs(trend), unit)
        text += f"; {direction} {step} a month"
    verdict = {
        "red": "past the limit",
        "amber": "close to the limit or heading past it",
        "green": "within the limit",
    }
    return f"{verdict[state].capitalize()}: {text}."


def evaluate(series: pl.DataFrame, guardrail: Guardrail) -> GuardrailStatus:
    """Return the guardrail's state from its monthly series.

    series(key, month_start, value) of complete months (other keys are ignored).

    Example:
        >>> from datetime import date
        >>> s = pl.DataFrame(
        ...     {
        ...         "key": ["churn"] * 3,
        ...         "month_start": [date(2025, m, 1) for m in (1, 2, 3)],
        ...         "value": [0.06, 0.07, 0.08],
        ...     }
        ... )
        >>> st = evaluate(s, Guardrail("churn", 0.10))
        >>> st.state, st.reason
        ('amber', 'Close to the limit or heading past it: 8.0% against a limit of at most 10.0%; rising 1.0 pp a month.')
    """  # noqa: E501 - a doctest's expected output is one line
    rows = series.filter(
        (pl.col("key") == guardrail.key)
        & pl.col("value").is_not_null()
        & pl.col("value").is_not_nan()
    ).sort("month_start")
    if rows.is_empty():
        reason = f"Needs {guardrail.info.needs}."
        return GuardrailStatus(guardrail, "unknown", None, None, None, None, reason)
    values = rows["value"].to_list()
    trend = slope(values[-guardrail.window :])
    state = classify(values[-1], trend, guardrail)
    return GuardrailStatus(
        guardrail,
        state,
        values[-1],
        values[-2] if len(values) > 1 else None,
        trend,
        rows["month_start"][-1],
        _reason(state, values[-1], trend, guardrail),
    )


def card_guardrail(status: GuardrailStatus) -> governance.Guardrail:
    """Return the guardrail as the governance card stores it: its name and limit in words.

    Example:
        >>> g = Guardrail("margin", 0.3)
        >>> card_guardrail(GuardrailStatus(g, "green", 0.41, None, None, None, "")).note
        'Limit: at least 30.0%. Formula: (revenue − COGS) ÷ revenue. Last: 41.0% (green).'
    """
    g, info = status.guardrail, status.guardrail.info
    word = "at most" if info.limit == "max" else "at least"
    note = f"Limit: {word} {show(g.threshold, info.unit)}. Formula: {info.formula}."
    if status.value is not None:
        note += f" Last: {show(status.value, info.unit)} ({status.state})."
    return governance.Guardrail(info.title, None, note)


def attach(
    card: governance.GovernanceCard, statuses: tuple[GuardrailStatus, ...]
) -> governance.GovernanceCard:
    """Return the card with these guardrails added; one already there by name is replaced.

    Example:
        >>> from nsm_core.metrics import MetricSpec
        >>> card = governance.new_card(MetricSpec("WAU"))
        >>> s = GuardrailStatus(Guardrail("churn", 0.1), "red", 0.2, None, None, None, "")
        >>> [g.name for g in attach(attach(card, (s,)), (s,)).guardrails]
        ['Customer churn']
    """
    new = tuple(card_guardrail(s) for s in statuses)
    return governance.with_guardrails(card, (*new, *card.guardrails))
