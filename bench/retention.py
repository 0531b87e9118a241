"""Cohort retention and lifecycle, beside DuckDB SQL computing the same tables.

Both engines start from the events in memory (a polars DataFrame; a native DuckDB table)
and return the full table: every cohort × period cell with its maturity (null when
incomplete), or one lifecycle row per period. DuckDB's SQL uses the same integer period
numbers as nsm_core/periods.py.

The page rows time each control of the Retention page as a user clicks it: the whole
page script run in Streamlit's AppTest on an upload of the events, with the retention
results not cached (the server's part of click to render), and the bytes of chart spec
and data it sends to the browser.
"""

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import polars as pl

from bench._harness import Row, best_of, duckdb_connection, events_parquet, in_fresh_process
from nsm_core import retention

DAY_US: Final = 86_400_000_000
DELTA_US: Final = {"week": 7 * DAY_US, "month": 30 * DAY_US}
CASES: Final = tuple(
    (period, anchor, kind)
    for period in ("week", "month")
    for anchor in ("calendar", "user")
    for kind in ("n_period", "unbounded")
)


def _number(period: str, t: str) -> str:
    """SQL period number of epoch-µs column `t` (as nsm_core.periods.period_number)."""
    if period == "month":
        ts = f"make_timestamp({t})"
        return f"(year({ts}) * 12 + month({ts}) - 1)"
    day = f"({t} // {DAY_US})"
    return day if period == "day" else f"(({day} + 3) // 7)"


def _start_us(period: str, number: str) -> str:
    """SQL epoch µs of the first instant of period `number`."""
    if period == "month":
        return f"epoch_us(make_timestamp(({number}) // 12, ({number}) % 12 + 1, 1, 0, 0, 0))"
    return f"(({number}) * 7 - 3) * {DAY_US}"


def retention_sql(period: str, anchor: str, kind: str) -> str:
    """Return DuckDB SQL for the cohort retention table (start and return = any event)."""
    delta = DELTA_US[period]
    if anchor == "calendar":
        activity = """SELECT DISTINCT e.user_id, u.c, e.p - u.c AS k
            FROM (SELECT DISTINCT user_id, p FROM e) e JOIN u USING (user_id)"""
        last_k = "b.p_end - s.c"
        end_of_k = f"{_start_us(period, 'g.c + g.k + 1')} - 1"
    else:
        activity = f"""SELECT DISTINCT e.user_id, u.c, (e.t - u.t0) // {delta} AS k
            FROM e JOIN u USING (user_id)"""
        last_k = f"(b.t_end - s.first_t0) // {delta}"
        end_of_k = f"{_start_us(period, 'g.c + 1')} - 1 + (g.k + 1) * {delta}"
    if kind == "n_period":
        counts = "SELECT c, k, count(*) AS n FROM a GROUP BY ALL"
        active = "coalesce(n.n, 0)"
    else:
        last = "SELECT c, max(k) AS k FROM a GROUP BY user_id, c"
        counts = f"SELECT c, k, count(*) AS n FROM ({last}) GROUP BY ALL"
        active = "sum(coalesce(n.n, 0)) OVER (PARTITION BY g.c ORDER BY g.k DESC)"
    return f"""
    WITH e AS (SELECT user_id, epoch_us(ts) AS t, {_number(period, "epoch_us(ts)")} AS p FROM ev),
    u AS (SELECT user_id, min(t) AS t0, {_number(period, "min(t)")} AS c FROM e GROUP BY user_id),
    b AS (SELECT max(t) AS t_end, {_number(period, "max(t)")} AS p_end FROM e),
    a AS ({activity}),
    n AS ({counts}),
    s AS (SELECT c, count(*) AS cohort_size, min(t0) AS first_t0 FROM u GROUP BY c),
    g AS (SELECT s.c, s.cohort_size, b.t_end, unnest(range(0, {last_k} + 1)) AS k FROM s, b)
    SELECT g.c, g.k, g.cohort_size,
        CASE WHEN {end_of_k} <= g.t_end THEN {active} END AS active,
        active / g.cohort_size AS rate
    FROM g LEFT JOIN n USING (c, k)
    """


def lifecycle_sql(period: str) -> str:
    """Return DuckDB SQL for the lifecycle table (activity = any event)."""
    number = _number(period, "epoch_us(ts)")
    return f"""
    WITH up AS (SELECT DISTINCT user_id, {number} AS p FROM ev),
    s AS (SELECT p, lag(p) OVER w AS prev, lead(p) OVER w AS nxt FROM up
          WINDOW w AS (PARTITION BY user_id ORDER BY p)),
    gain AS (SELECT p, count(*) FILTER (prev IS NULL) AS new,
                    count(*) FILTER (prev = p - 1) AS retained,
                    count(*) FILTER (prev < p - 1) AS resurrected FROM s GROUP BY p),
    loss AS (SELECT p + 1 AS p, count(*) AS dormant FROM s
             WHERE nxt IS NULL OR nxt > p + 1 GROUP BY 1),
    b AS (SELECT min({number}) AS first, max({number}) AS last,
                 {_number(period, f"(epoch_us(max(ts)) + {DAY_US})")} AS open FROM ev),
    g AS (SELECT unnest(range(first, last + 1)) AS p, open FROM b)
    SELECT g.p, coalesce(new, 0) AS new, coalesce(retained, 0) AS retained,
        coalesce(resurrected, 0) AS resurrected, coalesce(dormant, 0) AS dormant,
        coalesce(new, 0) + coalesce(retained, 0) + coalesce(resurrected, 0) AS active,
        CASE WHEN dormant > 0 THEN (coalesce(new, 0) + coalesce(resurrected, 0)) / dormant END,
        g.p < g.open AS complete  -- the data reach the period's last day
    FROM g LEFT JOIN gain USING (p) LEFT JOIN loss USING (p) ORDER BY g.p
    """


def _label(period: str, anchor: str, kind: str) -> str:
    return f"retention {period}ly, {anchor} anchor, {kind}"


def ours_times(path: Path, repeat: int = 3) -> dict[str, float]:
    """Return our best time per task on events already in memory (run in a fresh process)."""
    events = pl.read_parquet(path)
    times = {}
    for period, anchor, kind in CASES:
        spec = retention.RetentionSpec(period=period, anchor=anchor, kind=kind)
        times[_label(period, anchor, kind)] = best_of(
            lambda spec=spec: retention.retention_table(events.lazy(), spec).collect(), repeat
        )
    for period in ("week", "month"):
        times[f"lifecycle {period}ly"] = best_of(
            lambda period=period: retention.lifecycle(events.lazy(), period=period).collect(),
            repeat,
        )
    return times


def _page_views(events: pl.DataFrame) -> dict[str, object]:
    """Return what each Retention page view computes on a change of its controls."""
    lazy = events.lazy()
    spec = retention.RetentionSpec()
    penny = retention.PennySpec()
    return {
        "cohorts (weekly, default)": lambda: retention.summarize(
            retention.retention_table(lazy, spec).collect(), spec
        ),
        "lifecycle (weekly)": lambda: retention.lifecycle(lazy, period="week").collect(),
        "stickiness (DAU/MAU + power users)": lambda: pl.collect_all(
            [retention.daily_stickiness(lazy), retention.power_users(lazy)]
        ),
        "penny gap (monthly cohorts)": lambda: retention.summarize_penny(
            retention.penny_users(lazy, penny).collect(), penny
        ),
    }


def page_times(path: Path, repeat: int = 3) -> dict[str, float]:
    """Return the best time of each Retention page view's recompute (fresh process)."""
    views = _page_views(pl.read_parquet(path))
    return {f"page recompute: {name}": best_of(fn, repeat) for name, fn in views.items()}


@dataclass(frozen=True, slots=True)
class Click:
    """One control change: widget kind, key and the value set (SECOND = its second option).

    `before` are changes made first (not timed); `fresh` clears the retention results
    before the timed run, as on a user's first click (False: the page reuses them).
    """

    name: str
    kind: str
    key: str
    value: Any
    before: tuple[tuple[str, str, Any], ...] = ()
    fresh: bool = True


SECOND: Final = object()
DAY: Final = ("segmented_control", "retention_period", "day")
SPLIT: Final = ("selectbox", "retention_segment", "channel")
CLICKS: Final = (
    Click("period: day", *DAY),
    Click("split by segment (daily)", *SPLIT, before=(DAY,)),
    Click(
        "heatmap for: another segment (daily)",
        "selectbox",
        "retention_heatmap_segment",
        SECOND,
        before=(DAY, SPLIT),
    ),
    Click("period: month", "segmented_control", "retention_period", "month"),
    Click("counts as retained: in k or later", "segmented_control", "retention_kind", "unbounded"),
    Click("periods counted from: calendar", "segmented_control", "retention_anchor", "calendar"),
    Click("start event", "selectbox", "retention_start", "signup"),
    Click("return event", "selectbox", "retention_return", "purchase"),
    Click("measure: revenue", "segmented_control", "retention_measure", "revenue"),
    Click(
        "measure: revenue (daily)",
        "segmented_control",
        "retention_measure",
        "revenue",
        before=(DAY,),
    ),
    Click("periods shown: 52 weeks", "slider", "retention_max_periods_week", 52),
    Click("periods shown: 90 days", "slider", "retention_max_periods_day", 90, before=(DAY,)),
    Click("view: lifecycle", "segmented_control", "retention_view", "lifecycle"),
    Click("view: stickiness", "segmented_control", "retention_view", "stickiness"),
    Click("view: penny gap", "segmented_control", "retention_view", "penny"),
)


def _widget(at: Any, kind: str, key: str) -> Any:
    return getattr(at, kind)(key=key)


def _set(at: Any, kind: str, key: str, value: Any) -> Any:
    """Set a widget (SECOND picks its second option); return the value it had."""
    widget = _widget(at, kind, key)
    old = widget.value
    widget.set_value(widget.options[1] if value is SECOND else value)
    return old


def chart_bytes(at: Any) -> int:
    """Return the bytes of Vega-Lite spec and data the page's charts send to the browser."""
    return sum(
        len(c.proto.spec) + sum(len(d.data.data) for d in c.proto.datasets)
        for c in at.get("vega_lite_chart")
    )


def _click_time(at: Any, click: Click, repeat: int) -> tuple[float, int]:
    """Return the best page run after `click` with cleared retention caches, and its bytes."""
    from components import cached

    bridges = (cached.retention, cached.lifecycle, cached.stickiness, cached.penny_gap)
    undo = [(kind, key, _set(at, kind, key, value)) for kind, key, value in click.before]
    at.run()
    times = []
    for _ in range(repeat):
        old = _set(at, click.kind, click.key, click.value)
        for bridge in bridges if click.fresh else ():
            bridge.clear()
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
        if at.exception:
            raise RuntimeError(f"{click.name}: {at.exception[0].value}")
        sent = chart_bytes(at)
        _set(at, click.kind, click.key, old)
        at.run()
    for kind, key, value in reversed(undo):
        _set(at, kind, key, value)
    at.run()
    return min(times), sent


def click_times(path: Path, repeat: int = 3) -> dict[str, tuple[float, int]]:
    """Return (best server seconds, chart bytes) of each Retention control (fresh process)."""
    from tests.apptest_helpers import open_app, upload

    at = upload(open_app(), path.name, path.read_bytes(), "application/octet-stream")
    at = at.switch_page("app_pages/retention.py").run()
    return {click.name: _click_time(at, click, repeat) for click in CLICKS}


def duck_times(path: Path, repeat: int = 3) -> dict[str, float]:
    """Return DuckDB's best time per task on its own in-memory table (fresh process)."""
    con = duckdb_connection()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"CREATE TABLE ev AS SELECT * FROM read_parquet('{path}')")
    times = {}
    for case in CASES:
        sql = retention_sql(*case)
        times[_label(*case)] = best_of(lambda sql=sql: con.sql(sql).to_arrow_table(), repeat)
    for period in ("week", "month"):
        sql = lifecycle_sql(period)
        times[f"lifecycle {period}ly"] = best_of(
            lambda sql=sql: con.sql(sql).to_arrow_table(), repeat
        )
    return times


def run(sizes: list[int]) -> list[Row]:
    """Time every retention table and the lifecycle at each size, ours and DuckDB's."""
    rows = []
    for n in sizes:
        path = events_parquet(n)
        ours = in_fresh_process(ours_times, path)
        duck = in_fresh_process(duck_times, path)
        rows += [Row(task, n, ours[task], duck[task], note="best of 3") for task in ours]
        pages = in_fresh_process(page_times, path)
        rows += [
            Row(task, n, seconds, note="target < 1 s at 1M") for task, seconds in pages.items()
        ]
        clicks = in_fresh_process(click_times, path)
        rows += [
            Row(
                f"retention page click: {task}",
                n,
                seconds,
                note=f"server, best of 3; charts {sent / 1000:,.0f} kB",
            )
            for task, (seconds, sent) in clicks.items()
        ]
    return rows
