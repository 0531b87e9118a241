"""Loading events (parquet, CSV) and the Overview aggregates, beside DuckDB doing the same.

DuckDB's side does the same work as ours: the same cleaning (typed columns, null ids and
future timestamps dropped, exact duplicate rows removed), the same quality report (rows by
drop reason, users, event types, date range, revenue, refunds) and the same four Overview
aggregates.
"""

from pathlib import Path
from typing import Any

import polars as pl

from bench._harness import (
    Row,
    best_of,
    duckdb_connection,
    events_csv,
    events_parquet,
    in_fresh_process,
    isolated,
)
from nsm_core import catalog, io, overview

DUCK_CLEAN = """
create or replace table events as
select distinct user_id::varchar as user_id, event::varchar as event,
       ts::timestamptz as ts, coalesce(revenue, 0)::double as revenue, channel
from {reader}
where user_id is not null and ts is not null and ts <= now() + interval 1 day
"""
DUCK_REPORT = (
    """select count(*), count(*) filter (where user_id is null),
              count(*) filter (where event is null), count(*) filter (where ts is null),
              count(*) filter (where ts > now() + interval 1 day)
       from {reader}""",
    """select count(*), count(distinct user_id), count(distinct event), min(ts), max(ts),
              sum(revenue), count(*) filter (where revenue < 0),
              sum(revenue) filter (where revenue < 0)
       from events""",
)
DUCK_OVERVIEW = (
    """select count(distinct user_id), count(*), count(distinct event), sum(revenue),
              min(ts), max(ts) from events""",
    """select date_trunc('week', ts at time zone 'UTC') as w, count(distinct user_id)
       from events group by 1 order by 1""",
    """with first as (select user_id, min(ts) as first_ts,
                             arg_min(channel, (ts, event)) as channel
                      from events group by 1)
       select date_trunc('week', first_ts at time zone 'UTC'), channel, count(*)
       from first group by 1, 2""",
    """select event, count(*), count(distinct user_id), min(ts), max(ts)
       from events group by 1 order by 2 desc""",
)


def _ours_overview(events: pl.DataFrame) -> None:
    """The Overview page's four computations, as components/cached.py runs them."""
    overview.summary(events)
    lazy = events.lazy()
    overview.active_users(lazy, "week").collect(engine="streaming")
    overview.new_users(lazy, "week", "channel").collect(engine="streaming")
    catalog.event_catalog(lazy).collect(engine="streaming")


def ours_load(path: Path) -> None:
    """Load and clean into memory (what the app does once per dataset)."""
    io.load(path)


def ours_load_overview(path: Path) -> None:
    """Load, clean, and compute every Overview aggregate."""
    _ours_overview(io.load(path).events)


def ours_overview_only(path: Path, repeat: int = 3) -> float:
    """Return the best time of the Overview aggregates on already-loaded events."""
    events = io.load(path).events
    return best_of(lambda: _ours_overview(events), repeat)


def _duck_reader(path: Path) -> str:
    if path.suffix == ".parquet":
        return f"read_parquet('{path}')"
    return f"read_csv('{path}', header=true)"


def _duck_loaded(path: Path) -> Any:
    """Return a DuckDB connection holding the cleaned events, with the report computed."""
    con = duckdb_connection()
    reader = _duck_reader(path)
    con.execute(DUCK_CLEAN.format(reader=reader))
    for sql in DUCK_REPORT:
        con.execute(sql.format(reader=reader)).fetchall()
    return con


def duck_load(path: Path) -> None:
    """DuckDB: the same cleaning into an in-memory table, and the same quality report."""
    _duck_loaded(path)


def duck_load_overview(path: Path) -> None:
    """DuckDB: cleaning and report plus the same four aggregates, fetched."""
    con = _duck_loaded(path)
    for sql in DUCK_OVERVIEW:
        con.execute(sql).fetchall()


def duck_overview_only(path: Path, repeat: int = 3) -> float:
    """Return DuckDB's best time for the aggregates on its already-loaded table."""
    con = _duck_loaded(path)
    return best_of(lambda: [con.execute(sql).fetchall() for sql in DUCK_OVERVIEW], repeat)


def run(sizes: list[int]) -> list[Row]:
    """Time loading and the Overview at each size, ours and DuckDB's."""
    rows = []
    for n in sizes:
        parquet, csv = events_parquet(n), events_csv(n)
        for label, path in (("parquet", parquet), ("CSV", csv)):
            ours, peak = isolated(ours_load, path)
            duck, _ = isolated(duck_load, path)
            rows.append(Row(f"load + clean ({label})", n, ours, duck, peak))
        ours, peak = isolated(ours_load_overview, parquet)
        duck, _ = isolated(duck_load_overview, parquet)
        rows.append(Row("load + Overview (parquet)", n, ours, duck, peak))
        ours = in_fresh_process(ours_overview_only, parquet)
        duck = in_fresh_process(duck_overview_only, parquet)
        rows.append(Row("Overview aggregates (in memory)", n, ours, duck, note="best of 3"))
    return rows
