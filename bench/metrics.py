"""compute_metric beside DuckDB SQL of the same series, the workshop check and event candidates.

Both engines start from the events in memory (a polars DataFrame; a native DuckDB table)
and return one row per calendar period from the first to the last event, zero-filled, with
the same integer period numbers as nsm_core/periods.py. Results are compared, not only timed.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import polars as pl

from bench._harness import Row, best_of, duckdb_connection, events_parquet, in_fresh_process
from nsm_core.metrics import MetricSpec, compute_metric
from nsm_core.moments import user_table
from nsm_core.workshop import USAGE_SPEC, event_usage, review_candidate

DAY_US: Final = 86_400_000_000
EVENT: Final = "purchase"


@dataclass(frozen=True, slots=True)
class Task:
    """One benchmarked metric: its spec and the aggregate in SQL."""

    label: str
    spec: MetricSpec


TASKS: Final = (
    Task("metric: weekly active users", MetricSpec("WAU")),
    Task(
        "metric: weekly orders (event count)",
        MetricSpec("Weekly orders", events=(EVENT,), aggregation="events", unit="orders"),
    ),
    Task(
        "metric: users ordering 2+ times a week",
        MetricSpec("Repeat buyers", events=(EVENT,), aggregation="users_reaching", threshold=2),
    ),
    Task("metric: monthly active users", MetricSpec("MAU", grain="month")),
)


def _number(grain: str) -> str:
    """SQL period number of `ts` (as nsm_core.periods.period_number)."""
    if grain == "month":
        return "(year(ts) * 12 + month(ts) - 1)"
    day = f"(epoch_us(ts) // {DAY_US})"
    return day if grain == "day" else f"(({day} + 3) // 7)"


def _start(grain: str, p: str = "g.p") -> str:
    """SQL first date of period number `p`."""
    if grain == "month":
        return f"make_date(({p}) // 12, ({p}) % 12 + 1, 1)"
    days = p if grain == "day" else f"(({p}) * 7 - 3)"
    return f"(DATE '1970-01-01' + ({days})::INTEGER)"


def metric_sql(spec: MetricSpec) -> str:
    """Return DuckDB SQL for the series of a spec (distinct users, events or users reaching).

    Only the aggregations benchmarked here are translated; the filters are the event names.
    """
    where = f"WHERE event IN ({', '.join(repr(e) for e in spec.events)})" if spec.events else ""
    values = {
        "distinct_users": f"SELECT p, count(DISTINCT user_id) AS value FROM e {where} GROUP BY p",
        "events": f"SELECT p, count(*) AS value FROM e {where} GROUP BY p",
        "users_reaching": f"""SELECT p, count(*) AS value FROM (
            SELECT p, user_id FROM e {where} GROUP BY p, user_id
            HAVING count(*) >= {spec.threshold}) GROUP BY p""",
    }[spec.aggregation]
    return f"""
    WITH e AS (SELECT user_id, event, ts, {_number(spec.grain)} AS p FROM ev),
    b AS (SELECT min(p) AS first, max(p) AS last, max(ts)::DATE AS last_day FROM e),
    g AS (SELECT unnest(range(first, last + 1)) AS p, last_day FROM b),
    v AS ({values})
    SELECT {_start(spec.grain)} AS period_start, coalesce(v.value, 0)::DOUBLE AS value,
        -- complete when the data reach the period's last day
        {_start(spec.grain, "g.p + 1")} - 1 <= g.last_day AS complete
    FROM g LEFT JOIN v USING (p) ORDER BY g.p
    """


def ours(path: Path, repeat: int = 3) -> dict[str, tuple[float, pl.DataFrame]]:
    """Return our best time and result per task on events already in memory."""
    events = pl.read_parquet(path)
    out = {}
    for task in TASKS:
        seconds = best_of(lambda task=task: compute_metric(events.lazy(), task.spec), repeat)
        out[task.label] = (seconds, compute_metric(events.lazy(), task.spec))
    review = MetricSpec("Buyers", events=(EVENT,))
    out["workshop: one candidate's data checks"] = (
        best_of(lambda: review_candidate(events.lazy(), review), repeat),
        pl.DataFrame(),
    )
    out["workshop: candidates from the data's events"] = (
        best_of(lambda: event_usage(user_table(events.lazy(), USAGE_SPEC)), repeat),
        pl.DataFrame(),
    )
    return out


def duck(path: Path, repeat: int = 3) -> dict[str, tuple[float, pl.DataFrame]]:
    """Return DuckDB's best time and result per task on its own in-memory table."""
    con = duckdb_connection()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"CREATE TABLE ev AS SELECT * FROM read_parquet('{path}')")
    out = {}
    for task in TASKS:
        sql = metric_sql(task.spec)
        seconds = best_of(lambda sql=sql: con.sql(sql).to_arrow_table(), repeat)
        out[task.label] = (seconds, pl.from_arrow(con.sql(sql).to_arrow_table()))
    return out


def _same(a: pl.DataFrame, b: pl.DataFrame) -> bool:
    return a.rows() == b.select(a.columns).rows()


def run(sizes: list[int]) -> list[Row]:
    """Time each metric at each size, ours and DuckDB's, and check the series agree."""
    rows = []
    for n in sizes:
        path = events_parquet(n)
        mine = in_fresh_process(ours, path)
        theirs = in_fresh_process(duck, path)
        for label, (seconds, result) in mine.items():
            if label not in theirs:
                rows.append(Row(label, n, seconds, note="best of 3; page budget 1 s at 1M"))
                continue
            agree = "same series" if _same(result, theirs[label][1]) else "SERIES DIFFER"
            rows.append(Row(label, n, seconds, theirs[label][0], note=f"best of 3; {agree}"))
    return rows
