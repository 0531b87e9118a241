"""The health results in words and display tables: deltas, state badges, the status table."""

from typing import Final

import polars as pl

from nsm_core import fmt
from nsm_core.health.guardrails import GuardrailStatus, State
from nsm_core.health.model import Reading, Scorecard, show

STATE_COLOURS: Final[dict[State, str]] = {
    "red": "red",
    "amber": "orange",
    "green": "green",
    "unknown": "gray",
}
STATE_ICONS: Final[dict[State, str]] = {
    "red": ":material/error:",
    "amber": ":material/warning:",
    "green": ":material/check_circle:",
    "unknown": ":material/help:",
}


def delta(reading: Reading) -> str | None:
    """Return the change on the compared period, signed, in the reading's unit, and against what.

    The arrow Streamlit draws follows the sign, so the text must say what it compares with.

    Example:
        >>> delta(
        ...     Reading("Churn", 0.10, "share", "", previous=0.08, compared_with="the month before")
        ... )
        '+2.0 pp vs the month before'
        >>> delta(Reading("Revenue", 22_000.0, "money", "", previous=35_000.0))
        '-$13.0k (-37.1%)'
    """
    change = reading.change
    if change is None:
        return None
    versus = f" vs {reading.compared_with}" if reading.compared_with else ""
    if reading.unit == "share":
        return fmt.points(change) + versus
    text = ("-" if change < 0 else "+") + show(abs(change), reading.unit).lstrip("+")
    if reading.previous:
        text += f" ({change / abs(reading.previous):+.1%})"
    return text + versus


def reading_help(reading: Reading) -> str:
    """Return a reading's tooltip: its formula, what it is compared with, the exact value.

    Example:
        >>> print(
        ...     reading_help(Reading("Revenue", 21_963.3, "money", "Σ revenue", 9.0, "last year"))
        ... )
        Σ revenue. Compared with last year. Exact value: $21,963.30.
    """
    text = reading.formula + "."
    if reading.compared_with:
        text += f" Compared with {reading.compared_with}."
    if reading.value is not None and reading.unit == "money":
        text += f" Exact value: {fmt.money(reading.value)}."
    return text


def as_of_caption(card: Scorecard) -> str:
    """Return which month the scorecard describes, in words.

    Example:
        >>> from datetime import date
        >>> print(as_of_caption(Scorecard((), date(2025, 3, 1))))  # doctest: +NORMALIZE_WHITESPACE
        Monthly numbers are for March 2025, the last complete month, against the month before
        (year to date: against the same months a year before).
    """
    if card.as_of is None:
        return "The data has no complete calendar month yet; monthly numbers are missing."
    return (
        f"Monthly numbers are for {fmt.period_name(card.as_of, 'month')}, the last complete "
        "month, against the month before (year to date: against the same months a year before)."
    )


def missing_families(card: Scorecard) -> str:
    """Return, as Markdown bullets, each family the data cannot compute and what it needs.

    Example:
        >>> from nsm_core.health.model import Family
        >>> print(missing_families(Scorecard((Family("nps", needs="an nps column"),), None)))
        Not computed from this data:
        - **Net Promoter Score** needs an nps column.
    """
    lines = [f"- **{f.title}** needs {f.needs}." for f in card.families if not f.available]
    return "\n".join(["Not computed from this data:", *lines]) if lines else ""


def badge(status: GuardrailStatus) -> str:
    """Return the guardrail's state as a coloured Streamlit Markdown badge.

    Example:
        >>> from nsm_core.health.guardrails import Guardrail
        >>> badge(GuardrailStatus(Guardrail("churn", 0.1), "red", 0.2, None, None, None, ""))
        ':red-badge[:material/error: Customer churn: red]'
    """
    colour, icon = STATE_COLOURS[status.state], STATE_ICONS[status.state]
    return f":{colour}-badge[{icon} {status.guardrail.info.title}: {status.state}]"


def status_table(statuses: tuple[GuardrailStatus, ...]) -> pl.DataFrame:
    """Return one display row per guardrail: state, last value, month before, trend, limit.

    Example:
        >>> from nsm_core.health.guardrails import Guardrail
        >>> s = GuardrailStatus(Guardrail("churn", 0.1), "green", 0.05, 0.06, -0.01, None, "ok")
        >>> status_table((s,)).row(0)[:4]
        ('Customer churn', 'green', '5.0%', '6.0%')
    """
    rows = []
    for s in statuses:
        info = s.guardrail.info
        word = "at most" if info.limit == "max" else "at least"
        trend = (
            None
            if s.slope is None
            else (fmt.points(s.slope) if info.unit == "share" else f"{s.slope:+,.2f}")
        )
        rows.append(
            {
                "Guardrail": info.title,
                "State": s.state,
                "Last complete month": show(s.value, info.unit),
                "Month before": show(s.previous, info.unit),
                "Trend per month": trend or "n/a",
                "Limit": f"{word} {show(s.guardrail.threshold, info.unit)}",
                "Month": fmt.day(s.month) if s.month else "n/a",
                "Why": s.reason,
            }
        )
    return pl.DataFrame(rows)
