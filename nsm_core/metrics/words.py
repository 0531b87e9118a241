"""A MetricSpec in plain words: the definition, what it includes and what it leaves out."""

from typing import Final

import polars as pl

from nsm_core import fmt
from nsm_core.metrics.spec import Exclusions, Filter, MetricSpec

_OPS: Final = {
    "in": "is",
    "not_in": "is not",
    "gt": "is more than",
    "ge": "is at least",
    "lt": "is less than",
    "le": "is at most",
}
AGGREGATION_WORDS: Final = {
    "distinct_users": "the number of distinct {who} with a counted event",
    "events": "the number of counted events",
    "revenue": "the revenue of counted events (net of refunds unless refunds are excluded)",
    "property_sum": "the sum of {column} over counted events",
    "users_reaching": "the number of {who} with at least {threshold} counted events",
    "days_to_value": "the median days from a {one}'s first event to their first counted event",
}


def filter_words(f: Filter) -> str:
    """Return a property filter as a phrase.

    Example:
        >>> filter_words(Filter("plan", "in", ("pro", "team")))
        'plan is pro or team'
        >>> filter_words(Filter("revenue", "gt", number=0))
        'revenue is more than 0'
    """
    if f.op in ("in", "not_in"):
        joiner = " or " if f.op == "in" else " nor "
        return f"{f.column} {_OPS[f.op]} {joiner.join(f.values) or '(nothing)'}"
    return f"{f.column} {_OPS[f.op]} {f.number:g}"


def events_words(spec: MetricSpec) -> str:
    """Return which events a spec counts.

    Example:
        >>> events_words(MetricSpec("x", events=("order", "reorder")))
        'order or reorder events'
    """
    return f"{' or '.join(spec.events)} events" if spec.events else "any event"


def inclusions(spec: MetricSpec) -> tuple[str, ...]:
    """Return what the metric counts, one phrase per rule.

    Example:
        >>> inclusions(
        ...     MetricSpec("x", events=("order",), filters=(Filter("plan", "in", ("pro",)),))
        ... )
        ('order events', 'where plan is pro')
    """
    account = ("only events of users who belong to an account (account_id set)",)
    return (
        events_words(spec),
        *(f"where {filter_words(f)}" for f in spec.filters),
        *(account if spec.entity == "account" else ()),
    )


def exclusion_words(ex: Exclusions) -> tuple[str, ...]:
    """Return what the metric leaves out, one phrase per rule (empty when nothing).

    Example:
        >>> exclusion_words(Exclusions(user_ids=("qa1", "qa2"), refunds=True))
        ('2 listed users (qa1, qa2)', 'refunds (rows with negative revenue)')
    """
    ids = ", ".join(ex.user_ids[:5]) + (", ..." if len(ex.user_ids) > 5 else "")
    bots = f"bots: users with more than {ex.bot_events_per_day} events on any one day"
    return (
        *((f"{len(ex.user_ids)} listed users ({ids})",) if ex.user_ids else ()),
        *(f"users whose {filter_words(f)} on any event" for f in ex.user_filters),
        *(("refunds (rows with negative revenue)",) if ex.refunds else ()),
        *((bots,) if ex.bot_events_per_day is not None else ()),
    )


def describe(spec: MetricSpec) -> str:
    """Return the metric's definition in one plain sentence.

    Example:
        >>> describe(MetricSpec("Weekly orders", events=("order",), aggregation="events"))
        'Weekly orders: the number of counted events (order events), per calendar week (Monday to Sunday), in users.'
    """  # noqa: E501
    who = "teams" if spec.entity == "account" else "users"
    what = AGGREGATION_WORDS[spec.aggregation].format(
        who=who, one=who[:-1], column=spec.value_column, threshold=spec.threshold
    )
    per = f", divided by the number of {who} with a counted event" if spec.per_user else ""
    grain = {"day": "calendar day (UTC)", "week": "calendar week (Monday to Sunday)"}
    where = "; ".join(inclusions(spec))
    text = f"{spec.name}: {what}{per} ({where}), per {grain.get(spec.grain, 'calendar month')}"
    excluded = exclusion_words(spec.exclusions)
    if excluded:
        text += f", excluding {'; '.join(excluded)}"
    return f"{text}, in {spec.unit}." if spec.unit else f"{text}."


def latest(series: pl.DataFrame) -> tuple[float | None, float | None]:
    """Return the last complete period's value and the one before it (None where missing).

    Example:
        >>> s = pl.DataFrame({"value": [1.0, 2.0, 5.0], "complete": [True, True, False]})
        >>> latest(s)
        (2.0, 1.0)
    """
    done = series.filter(pl.col("complete")).get_column("value").tail(2).to_list()
    padded = [None, None, *done]
    return padded[-1], padded[-2]


def series_caption(series: pl.DataFrame, spec: MetricSpec) -> str:
    """Return the latest complete period of a metric in words, with the change from before.

    Example:
        >>> from datetime import date
        >>> s = pl.DataFrame(
        ...     {
        ...         "period_start": [date(2025, 3, 3), date(2025, 3, 10)],
        ...         "value": [1000.0, 1204.0],
        ...         "complete": [True, True],
        ...     }
        ... )
        >>> series_caption(s, MetricSpec("WAU"))
        'In the week of 10 Mar 2025, WAU was 1,204 users, +20.4% on the week before.'
    """
    done = series.filter(pl.col("complete"))
    if done.is_empty():
        return f"No complete {spec.grain} yet: the data ends inside its first {spec.grain}."
    start, now = done.row(-1)[:2]
    before = done.get_column("value")[-2] if done.height > 1 else None
    shown = fmt.num(now, 0 if float(now or 0).is_integer() else 2)
    text = f"In {fmt.period_name(start, spec.grain)}, {spec.name} was {shown} {spec.unit}".rstrip()
    if before is None or now is None or not before:
        return text + "."
    return f"{text}, {(now / before - 1) * 100:+.1f}% on the {spec.grain} before."


def latest_words(series: pl.DataFrame) -> tuple[str, str | None]:
    """Return the last complete value and its change from the period before, as text.

    Example:
        >>> s = pl.DataFrame({"value": [1.0, 2.5, 9.0], "complete": [True, True, False]})
        >>> latest_words(s)
        ('2.50', '+1.50')
    """
    now, before = latest(series)
    delta = None if now is None or before is None else f"{now - before:+,.2f}"
    return fmt.num(now), delta
