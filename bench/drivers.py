"""Driver-tree node values, beside DuckDB SQL computing the same nodes.

Both engines start from the events in memory (a polars DataFrame; a native DuckDB table)
and return every node per calendar period: the volume tree (purchases = active users ×
purchases per active user, active users by lifecycle, share buying × purchases per buyer)
and the revenue tree (net = gross + refunds, gross = payers × orders per payer × AOV,
payers by lifecycle). "two node edits" is the volume tree with who counts as doing it
picked by the user and a leaf split into a part and everything else. "page interaction"
is everything the Driver tree page computes on a cache miss: the tree, the attribution
of the last change, the snapshot, the history and an experiment-brief baseline.
"""

from pathlib import Path
from typing import Final

import polars as pl

from bench._harness import Row, best_of, duckdb_connection, events_parquet, in_fresh_process
from nsm_core import drivers
from nsm_core.metrics import Filter

DAY_US: Final = 86_400_000_000
VOLUME: Final = drivers.TreeSpec("volume", key_event="purchase", period="week")
REVENUE: Final = drivers.TreeSpec("revenue", key_event="purchase", period="month")
CUT: Final = drivers.TreeSpec("volume", key_event="purchase", period="week", segment="channel")
# The user's picks for nodes: "doing it" = paid-search users who did event_05, and the
# orders per doer split into revenue-carrying purchases and everything else.
EDITED: Final = drivers.TreeSpec(
    "volume",
    key_event="purchase",
    period="week",
    edits=(
        drivers.NodeEdit(
            "doer_share", "step", "event_05", Filter("channel", "in", ("paid_search",))
        ),
        drivers.NodeEdit("per_doer", "part", where=Filter("revenue", "gt", number=0.0)),
    ),
)


def _number(period: str) -> str:
    """SQL calendar period number of ts (as nsm_core.periods.period_number)."""
    if period == "month":
        return "(year(ts) * 12 + month(ts) - 1)"
    return f"((epoch_us(ts) // {DAY_US} + 3) // 7)"


def _lifecycle(name: str, where: str) -> str:
    """SQL CTEs: per-period new / retained / resurrected users doing the `where` rows."""
    return f"""
    {name}_up AS (SELECT DISTINCT user_id, p FROM e WHERE {where}),
    {name}_s AS (SELECT p, lag(p) OVER (PARTITION BY user_id ORDER BY p) AS prev FROM {name}_up),
    {name} AS (SELECT p, count(*) AS active, count(*) FILTER (prev IS NULL) AS new,
        count(*) FILTER (prev = p - 1) AS retained,
        count(*) FILTER (prev < p - 1) AS resurrected FROM {name}_s GROUP BY p)"""


def volume_sql(period: str = "week") -> str:
    """Return DuckDB SQL for every node of the volume tree per period."""
    return f"""
    WITH e AS (SELECT user_id, event, {_number(period)} AS p FROM ev),
    {_lifecycle("life", "true")},
    k AS (SELECT p, count(*) AS volume, count(DISTINCT user_id) AS doers
          FROM e WHERE event = 'purchase' GROUP BY p),
    g AS (SELECT unnest(range(min(p), max(p) + 1)) AS p FROM e)
    SELECT g.p, coalesce(volume, 0) AS volume, coalesce(active, 0) AS active,
        coalesce(new, 0) AS new, coalesce(retained, 0) AS retained,
        coalesce(resurrected, 0) AS resurrected,
        CASE WHEN active > 0 THEN coalesce(volume, 0) / active END AS per_active,
        CASE WHEN active > 0 THEN coalesce(doers, 0) / active END AS doer_share,
        CASE WHEN doers > 0 THEN volume / doers END AS per_doer
    FROM g LEFT JOIN life USING (p) LEFT JOIN k USING (p) ORDER BY g.p"""


def revenue_sql(period: str = "month") -> str:
    """Return DuckDB SQL for every node of the revenue tree per period."""
    paid = "event = 'purchase' AND revenue > 0"
    return f"""
    WITH e AS (SELECT user_id, event, revenue, {_number(period)} AS p FROM ev),
    {_lifecycle("payers", paid)},
    m AS (SELECT p, sum(revenue) AS net,
            coalesce(sum(revenue) FILTER (revenue < 0), 0) AS refunds,
            coalesce(sum(revenue) FILTER ({paid}), 0) AS gross,
            count(*) FILTER ({paid}) AS orders FROM e GROUP BY p),
    g AS (SELECT unnest(range(min(p), max(p) + 1)) AS p FROM e)
    SELECT g.p, coalesce(net, 0) AS net, coalesce(gross, 0) AS gross,
        coalesce(refunds, 0) AS refunds, coalesce(active, 0) AS payers,
        coalesce(new, 0) AS payers_new, coalesce(retained, 0) AS payers_retained,
        coalesce(resurrected, 0) AS payers_resurrected,
        CASE WHEN active > 0 THEN orders / active END AS per_payer,
        CASE WHEN orders > 0 THEN gross / orders END AS aov
    FROM g LEFT JOIN m USING (p) LEFT JOIN payers USING (p) ORDER BY g.p"""


def page_interaction(events: pl.DataFrame, spec: drivers.TreeSpec) -> None:
    """Run what the Driver tree page computes when nothing is cached."""
    values = drivers.compute(events, spec)
    period = drivers.default_period(values)
    drivers.explain(values, period)
    drivers.snapshot(values, period)
    drivers.history(values)
    drivers.driver_baseline(events, values, spec, "per_doer", period)


def ours_times(path: Path, repeat: int = 3) -> dict[str, float]:
    """Return our best time per task on events already in memory (run in a fresh process)."""
    events = pl.read_parquet(path)
    return {
        "driver tree: volume, weekly": best_of(lambda: drivers.compute(events, VOLUME), repeat),
        "driver tree: revenue, monthly": best_of(lambda: drivers.compute(events, REVENUE), repeat),
        "driver tree: volume cut by channel": best_of(lambda: drivers.compute(events, CUT), repeat),
        "driver tree: volume, two node edits": best_of(
            lambda: drivers.compute(events, EDITED), repeat
        ),
        "driver tree: page interaction (no cache)": best_of(
            lambda: page_interaction(events, VOLUME), repeat
        ),
    }


def duck_times(path: Path, repeat: int = 3) -> dict[str, float]:
    """Return DuckDB's best time per task on its own in-memory table (fresh process)."""
    con = duckdb_connection()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"CREATE TABLE ev AS SELECT * FROM read_parquet('{path}')")
    volume, revenue = volume_sql(), revenue_sql()
    return {
        "driver tree: volume, weekly": best_of(lambda: con.sql(volume).fetch_arrow_table(), repeat),
        "driver tree: revenue, monthly": best_of(
            lambda: con.sql(revenue).fetch_arrow_table(), repeat
        ),
    }


def run(sizes: list[int]) -> list[Row]:
    """Time the driver trees at each size, ours and DuckDB's where there is a reference."""
    rows = []
    for n in sizes:
        path = events_parquet(n)
        ours = in_fresh_process(ours_times, path)
        duck = in_fresh_process(duck_times, path)
        rows += [Row(task, n, ours[task], duck.get(task), note="best of 3") for task in ours]
    return rows
