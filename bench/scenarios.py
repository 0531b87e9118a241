"""Scenarios and Health pages: the scenario maths, and the health scorecard's stage 1.

- scenarios: 20 scenarios over 120 months, compare + monthly + 4,000-draw simulation +
  tornado, the whole recompute of the page after a submit. No DuckDB equivalent.
- scenarios, value from the data: the server work of "Estimated from the data" once a
  moment is picked (the adjusted revenue lift of one event × threshold over the preset's 3
  months after the moment window, own days 8–97, 1,000-replicate bootstrap). No DuckDB
  equivalent (propensity strata).
- scenarios, a horizon past the data: the same for 36 months, which no user is observed
  through, so the page falls back and offers the longest horizon the data support (one
  more pass over the events).
- scenarios, base revenue from the data: net revenue, paying and active users per month
  over the last three complete months, beside DuckDB SQL computing the same.
- health monthly counts: `monthly_table` (one pass over all events) beside DuckDB SQL
  computing the same table.
- health stage 1: every table of the scorecard (monthly counts, WAU, sessions from 30-minute
  gaps, funnel), collected together, as the page's cache fills it.
"""

from pathlib import Path
from typing import Final

import polars as pl

from bench._harness import (
    Row,
    best_of,
    duckdb_connection,
    events_parquet,
    in_fresh_process,
    peak_mb,
)
from nsm_core import health, scenarios
from nsm_core.health.monthly import monthly_table
from nsm_core.moments.value import moment_value

# The bench events have neutral names: give three of them the roles the scorecard looks for.
SIGNALS: Final = health.Signals(
    (
        ("ticket", ("event_20",)),
        ("unsubscribe", ("event_25",)),
        ("error", ("event_27",)),
        ("lead", ("signup",)),
        ("customer", ("purchase",)),
    )
)
MONTHLY_SQL: Final = """
SELECT year(ts) * 12 + month(ts) - 1 AS month,
       count(DISTINCT user_id) AS active_users, count(*) AS events,
       sum(revenue) AS revenue, sum(greatest(revenue, 0)) AS gross_revenue,
       sum(greatest(-revenue, 0)) AS refunded, count(*) FILTER (revenue > 0) AS payments,
       count(*) FILTER (event = 'event_20') AS tickets,
       count(*) FILTER (event = 'event_25') AS unsubscribes,
       count(*) FILTER (event = 'event_27') AS errors
FROM (SELECT user_id, event, timezone('UTC', ts) AS ts, revenue FROM ev)
GROUP BY ALL ORDER BY 1
"""


def scenario_time() -> tuple[float, float]:
    """Return (best seconds, peak MB) of the Scenarios page's recompute (child)."""
    plan = [
        scenarios.Scenario(f"S{i}", 30_000.0 - 500 * i, 100.0 * i, 20.0, 1_000.0 * i)
        for i in range(20)
    ]
    value = scenarios.typed_value(20.0, 5.0)

    def page() -> None:
        scenarios.compare(plan, 120)
        scenarios.monthly(plan, 120)
        scenarios.simulate(plan, 120, value, scenarios.SimulationSpec(moments_cv=0.2))
        scenarios.sensitivity(plan, 120, value)

    return best_of(page, 3), peak_mb()


BASE_SQL: Final = """
WITH m AS (
    SELECT year(ts) * 12 + month(ts) - 1 AS month, sum(revenue) AS revenue,
           count(DISTINCT user_id) FILTER (revenue > 0) AS customers,
           count(DISTINCT user_id) AS users
    FROM (SELECT user_id, timezone('UTC', ts) AS ts, revenue FROM ev) GROUP BY 1
), last AS (
    SELECT year(t) * 12 + month(t) - 2 AS m
    FROM (SELECT timezone('UTC', max(ts)) + INTERVAL 1 DAY AS t FROM ev)
)
SELECT avg(revenue), avg(customers), avg(users)
FROM (SELECT * FROM m, last WHERE month <= last.m ORDER BY month DESC LIMIT 3)
"""


VALUE_TASKS: Final = (
    ("scenarios: value of a moment over 3 months (days 8–97)", (8, 97)),
    ("scenarios: value over 36 months, past the data (offers the longest)", (8, 1087)),
)


def value_time(path: Path, window: tuple[int, int]) -> tuple[float, float]:
    """Return (best seconds, peak MB) of valuing one moment over own days a..b (child)."""
    events = pl.read_parquet(path)

    def value() -> None:
        moment_value(events.lazy(), event="event_11", threshold=2, outcome_window=window)

    return best_of(value, 3), peak_mb()


def base_ours(path: Path) -> tuple[float, float]:
    """Return (best seconds, peak MB) of the base revenue from events in memory (child)."""
    events = pl.read_parquet(path)
    seconds = best_of(lambda: scenarios.base_revenue(events.lazy()), 3)
    return seconds, peak_mb()


def monthly_ours(path: Path) -> tuple[float, float]:
    """Return (best seconds, peak MB) of the health monthly counts on events in memory."""
    events = pl.read_parquet(path)
    seconds = best_of(lambda: monthly_table(events.lazy(), SIGNALS).collect(), 3)
    return seconds, peak_mb()


def duckdb_time(path: Path, sql: str) -> float:
    """Return DuckDB's best seconds for `sql` on the events as its own table (child)."""
    con = duckdb_connection()
    con.execute(f"CREATE TABLE ev AS SELECT * FROM read_parquet('{path}')")
    return best_of(lambda: con.execute(sql).fetchall(), 3)


def stage1_time(path: Path) -> tuple[float, float]:
    """Return (best seconds, peak MB) of every scorecard table, collected together."""
    events = pl.read_parquet(path)
    seconds = best_of(lambda: health.tables(events.lazy(), SIGNALS), 3)
    return seconds, peak_mb()


def run(sizes: list[int]) -> list[Row]:
    """Time the scenario recompute once, and the health stage 1 at each size."""
    seconds, peak = in_fresh_process(scenario_time)
    rows = [Row("scenarios page recompute (20 × 120 months)", 20, seconds, None, peak, "best of 3")]
    for n in sizes:
        path = events_parquet(n)
        for task, window in VALUE_TASKS:
            value, peak = in_fresh_process(value_time, path, window)
            rows.append(Row(task, n, value, None, peak, "best of 3"))
        ours, peak = in_fresh_process(base_ours, path)
        duck = in_fresh_process(duckdb_time, path, BASE_SQL)
        rows.append(Row("scenarios: base revenue from the data", n, ours, duck, peak, "best of 3"))
        ours, peak = in_fresh_process(monthly_ours, path)
        duck = in_fresh_process(duckdb_time, path, MONTHLY_SQL)
        rows.append(Row("health monthly counts", n, ours, duck, peak, "best of 3"))
        stage1, peak = in_fresh_process(stage1_time, path)
        rows.append(Row("health scorecard stage 1", n, stage1, None, peak, "best of 3"))
    return rows
