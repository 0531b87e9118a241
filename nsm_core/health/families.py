"""Stage 2 of the scorecard: each metric family from the compact tables (or what it needs).

Month readings compare the last complete calendar month with the one before; the business
family also compares with the same months a year earlier. Revenue families read the unit
economics result (nsm_core.economics), never recompute it.
"""

import math
from typing import Final

import polars as pl

from nsm_core.economics import UnitEconomics
from nsm_core.health.activity import Stage
from nsm_core.health.model import Family, Reading
from nsm_core.health.signals import SIGNAL_TITLES, Signals
from nsm_core.stats import wilson_interval, z_value

MONTH_BEFORE: Final = "the month before"
YEAR_BEFORE: Final = "the same months a year before"
NEEDS_REVENUE: Final = "a revenue column (money per event; refunds negative)"


def _complete(monthly: pl.DataFrame) -> pl.DataFrame:
    return monthly.filter(pl.col("complete"))


def _last_two(frame: pl.DataFrame, column: str) -> tuple[float | None, float | None]:
    """The column's value in the last row and the row before (None when absent or NaN)."""
    values = [None if v is None or math.isnan(v) else float(v) for v in frame[column].to_list()]
    return (values[-1] if values else None), (values[-2] if len(values) > 1 else None)


def _rate(num: str, den: str, per: float = 1.0) -> pl.Expr:
    return pl.when(pl.col(den) > 0).then(pl.col(num) * per / pl.col(den))


def _ytd(monthly: pl.DataFrame) -> tuple[float, float | None]:
    """Revenue from January to the last complete month, and the same months a year before."""
    last = int(monthly["month"].max())
    start = last - last % 12
    this = monthly.filter(pl.col("month").is_between(start, last))["revenue"].sum()
    covered = int(monthly["month"].min()) <= start - 12
    before = monthly.filter(pl.col("month").is_between(start - 12, last - 12))["revenue"].sum()
    return float(this), (float(before) if covered else None)


def business(monthly: pl.DataFrame, econ: UnitEconomics | None) -> Family:
    """Return YTD and monthly revenue (vs a year before), recurring share and gross margin.

    Example:
        >>> m = pl.DataFrame(
        ...     {"month": [24299, 24300], "complete": [True, True], "revenue": [5.0, 7.0]}
        ... )
        >>> [(r.value, r.previous) for r in business(m, None).readings]
        [(7.0, None), (7.0, 5.0)]
    """
    done = _complete(monthly)
    if done.is_empty() or done["revenue"].abs().sum() == 0:
        return Family("business", needs=f"{NEEDS_REVENUE} and one complete month")
    ytd, ytd_before = _ytd(done)
    # Every monthly reading on the card compares with the month before (the card says so);
    # only year to date, which has no month before, compares with a year earlier.
    last, before = _last_two(done, "revenue")
    readings = [
        Reading(
            "Revenue, year to date",
            ytd,
            "money",
            "Σ revenue, January to the last complete month",
            ytd_before,
            YEAR_BEFORE,
        ),
        Reading(
            "Revenue, last complete month",
            last,
            "money",
            "Σ revenue net of refunds",
            before,
            MONTH_BEFORE,
        ),
    ]
    if econ is not None:
        readings.append(
            Reading(
                "Recurring share of revenue",
                econ.recurring.share,
                "share",
                f"recurring ÷ all revenue; recurring = {econ.recurring.rule}",
            )
        )
    if econ is not None and econ.contribution.cogs > 0:
        readings.append(
            Reading(
                "Gross margin",
                econ.contribution.gross_margin,
                "share",
                f"(revenue − COGS) ÷ revenue; COGS from {econ.costs.cogs}",
            )
        )
    return Family("business", tuple(readings), basis="complete calendar months")


def funnel(counts: pl.DataFrame, stages: tuple[Stage, ...]) -> Family:
    """Return users at each funnel step and the conversion from step to step (Wilson 95% CI).

    Example:
        >>> c = pl.DataFrame({"step": [1, 2], "stage": ["Lead", "SQL"], "users": [10, 4]})
        >>> f = funnel(c, (Stage("Lead", ("lead",)), Stage("SQL", ("sql",))))
        >>> [r.value for r in f.readings]
        [10.0, 0.4]
    """
    if len(stages) < 2:
        return Family(
            "funnel",
            needs="events for at least two funnel steps, named like lead, "
            "mql, sql and customer or won (a first payment counts as customer)",
        )
    users = counts.sort("step")["users"].to_list()
    labels = counts.sort("step")["stage"].to_list()
    readings = [Reading(f"{labels[0]}s", float(users[0]), "count", "distinct users")]
    for k in range(1, len(users)):
        low, high = wilson_interval(users[k], users[k - 1])
        readings.append(
            Reading(
                f"{labels[k - 1]} → {labels[k]}",
                users[k] / users[k - 1] if users[k - 1] else None,
                "share",
                f"users reaching {labels[k]} after {labels[k - 1]} ÷ users reaching "
                f"{labels[k - 1]} (95% CI {float(low):.1%}–{float(high):.1%})",
            )
        )
    steps = "; ".join(f"{s.label} = {', '.join(s.events)}" for s in stages)
    return Family("funnel", tuple(readings), basis=steps)


def engagement(weeks: pl.DataFrame, sessions: pl.DataFrame, monthly: pl.DataFrame) -> Family:
    """Return weekly active users and median session length, each vs the period before.

    weeks = overview.active_users(events, "week"); sessions from activity.session_months.

    Example:
        >>> from datetime import date
        >>> w = pl.DataFrame({"active_users": [8, 9, 2], "complete": [True, True, False]})
        >>> s = pl.DataFrame({"month": [1], "median_minutes": [4.0], "sessions": [5]})
        >>> m = pl.DataFrame({"month": [1], "complete": [True], "active_users": [5]})
        >>> [r.value for r in engagement(w, s, m).readings]
        [9.0, 4.0, 1.0]
    """
    wau, wau_before = _last_two(weeks.filter(pl.col("complete")), "active_users")
    done = sessions.join(_complete(monthly).select("month", "active_users"), on="month")
    done = done.with_columns(per_user=_rate("sessions", "active_users"))
    minutes, minutes_before = _last_two(done, "median_minutes")
    per_user, per_user_before = _last_two(done, "per_user")
    readings = (
        Reading(
            "Weekly active users (WAU)",
            wau,
            "count",
            "distinct users with any event in the last complete week (Monday–Sunday, UTC)",
            wau_before,
            "the week before",
        ),
        Reading(
            "Median session length",
            minutes,
            "minutes",
            "median over sessions of last "
            "event − first event (30-minute inactivity ends a session)",
            minutes_before,
            MONTH_BEFORE,
        ),
        Reading(
            "Sessions per active user",
            per_user,
            "number",
            "sessions ÷ monthly active users, last complete month",
            per_user_before,
            MONTH_BEFORE,
        ),
    )
    return Family("engagement", readings, basis="weeks and complete months")


def _nps(row: dict) -> tuple[float, float]:
    """NPS in points and its standard error (multinomial: var = (p+d − (p−d)²) / n)."""
    n = row["responses"]
    p, d = row["promoters"] / n, row["detractors"] / n
    return 100 * (p - d), 100 * math.sqrt(max(p + d - (p - d) ** 2, 0.0) / n)


def nps(windows: pl.DataFrame, column: str | None) -> Family:
    """Return NPS over the last 90 days with its 95% CI, vs the 90 days before.

    NPS = 100 × (promoters − detractors) ÷ responses.

    Example:
        >>> w = pl.DataFrame(
        ...     {
        ...         "window": ["current"],
        ...         "responses": [10],
        ...         "promoters": [5],
        ...         "passives": [3],
        ...         "detractors": [2],
        ...     }
        ... )
        >>> nps(w, "nps").readings[0].value
        30.0
    """
    current = windows.filter(pl.col("window") == "current")
    if column is None or current.is_empty():
        return Family(
            "nps", needs="a 0–10 score column named nps or nps_score (one survey answer per row)"
        )
    value, se = _nps(current.row(0, named=True))
    before = windows.filter(pl.col("window") == "previous")
    previous = _nps(before.row(0, named=True))[0] if before.height else None
    z = z_value()
    n = int(current["responses"][0])
    reading = Reading(
        "NPS, last 90 days",
        value,
        "points",
        f"% promoters (9–10) − % detractors (0–6), each user's latest answer; 95% CI "
        f"{value - z * se:+.0f} to {value + z * se:+.0f} from {n:,} answers",
        previous,
        "the 90 days before",
    )
    return Family("nps", (reading,), basis=f"column {column}")


def support(monthly: pl.DataFrame, signals: Signals) -> Family:
    """Return support tickets per 100 active users in the last complete month, vs before.

    Example:
        >>> m = pl.DataFrame({"complete": [True], "tickets": [3], "active_users": [150]})
        >>> support(m, Signals((("ticket", ("contact_support",)),))).readings[0].value
        2.0
    """
    names = signals.of("ticket")
    if not names:
        return Family(
            "support",
            needs=f"events for {SIGNAL_TITLES['ticket']} (a name with "
            "ticket, support or complaint)",
        )
    done = _complete(monthly).with_columns(rate=_rate("tickets", "active_users", 100.0))
    rate, before = _last_two(done, "rate")
    count, _ = _last_two(done, "tickets")
    readings = (
        Reading(
            "Tickets per 100 active users",
            rate,
            "number",
            "tickets ÷ monthly active users × 100",
            before,
            MONTH_BEFORE,
            higher_is_better=False,
        ),
        Reading(
            "Tickets, last complete month",
            count,
            "count",
            "events " + ", ".join(names),
            higher_is_better=False,
        ),
    )
    return Family("support", readings, basis=", ".join(names))


def technical(monthly: pl.DataFrame, latency: pl.DataFrame, signals: Signals) -> Family:
    """Return errors per 1,000 events and latency p50 / p95 in the last complete month.

    latency from activity.latency_months (empty when there is no latency column).

    Example:
        >>> m = pl.DataFrame({"month": [1], "complete": [True], "errors": [4], "events": [2000]})
        >>> lat = pl.DataFrame({"month": [1], "p50": [120.0], "p95": [900.0]})
        >>> [r.value for r in technical(m, lat, Signals((("error", ("app_error",)),))).readings]
        [2.0, 120.0, 900.0]
    """
    names = signals.of("error")
    if not names and latency.is_empty():
        return Family(
            "technical",
            needs=f"events for {SIGNAL_TITLES['error']} (a name with "
            "error, crash or exception) or a latency_ms column",
        )
    done = _complete(monthly)
    readings = []
    if names:
        rate, before = _last_two(done.with_columns(r=_rate("errors", "events", 1000.0)), "r")
        readings.append(
            Reading(
                "Errors per 1,000 events",
                rate,
                "number",
                "error events ÷ all events × 1,000",
                before,
                MONTH_BEFORE,
                False,
            )
        )
    if not latency.is_empty():
        timed = latency.join(done.select("month"), on="month")
        for column, label in (("p50", "Median latency"), ("p95", "95th percentile latency")):
            value, before = _last_two(timed, column)
            readings.append(
                Reading(
                    label,
                    value,
                    "ms",
                    f"{column} of the latency column, last complete month",
                    before,
                    MONTH_BEFORE,
                    False,
                )
            )
    return Family("technical", tuple(readings), basis=", ".join(names) or "latency column")
