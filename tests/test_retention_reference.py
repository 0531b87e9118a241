"""Cohort retention against DuckDB SQL of the same definitions, on generated data and CDNOW.

The SQL is written from docs/definitions/retention.md, independently of the polars code:
DuckDB's own date_trunc / date arithmetic / intervals instead of our integer period numbers.
"""

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from nsm_core import retention

ROOT = Path(__file__).resolve().parents[1]
CDNOW_PARQUET = ROOT / "sample_data" / "cdnow_events.parquet"
CDNOW_TXT = Path("/work/shared/data/CDNOW_master.txt")
DELTA_US = {"day": 86_400_000_000, "week": 7 * 86_400_000_000, "month": 30 * 86_400_000_000}
INTERVAL = {"day": "to_days", "week": "to_weeks", "month": "to_months"}


def calendar_diff(period: str, a: str, b: str) -> str:
    """Whole calendar periods from timestamp a to timestamp b, in DuckDB terms."""
    if period == "month":
        return f"((year({b}) * 12 + month({b})) - (year({a}) * 12 + month({a})))"
    days = f"(date_trunc('{period}', {b})::DATE - date_trunc('{period}', {a})::DATE)"
    return days if period == "day" else f"({days} // 7)"


def periods_sql(period: str, anchor: str) -> tuple[str, str, str]:
    """Return SQL for an event's k (e, c), a cohort's last k begun (s, b) and the end of k (g)."""
    delta = DELTA_US[period]
    if anchor == "calendar":
        k = calendar_diff(period, "c.t0", "e.ts")
        last_k = calendar_diff(period, "s.first_t0", "b.t_end")
        end_of_k = f"g.cohort + {INTERVAL[period]}(k + 1) - INTERVAL 1 MICROSECOND"
    else:
        k = f"(epoch_us(e.ts) - epoch_us(c.t0)) // {delta}"
        last_k = f"(epoch_us(b.t_end) - epoch_us(s.first_t0)) // {delta}"
        end_of_k = (
            f"make_timestamp(epoch_us(g.cohort + {INTERVAL[period]}(1)) - 1 + (k + 1) * {delta})"
        )
    return k, last_k, end_of_k


def reference_sql(period: str, anchor: str, kind: str, start: str | None, ret: str | None) -> str:
    k, last_k, end_of_k = periods_sql(period, anchor)
    start_filter = f"event = '{start}'" if start else "TRUE"
    return_filter = f"e.event = '{ret}'" if ret else "TRUE"
    if kind == "n_period":
        active = "(SELECT count(*) FROM ret r WHERE r.cohort = g.cohort AND r.k = g.k)"
    else:
        active = "(SELECT count(*) FROM last r WHERE r.cohort = g.cohort AND r.last_k >= g.k)"
    return f"""
    WITH bounds AS (SELECT max(ts) AS t_end FROM ev),
    coh AS (
        SELECT user_id, min(ts) AS t0, date_trunc('{period}', min(ts)) AS cohort
        FROM ev WHERE {start_filter} GROUP BY user_id
    ),
    ret AS (
        SELECT DISTINCT c.user_id, c.cohort, {k} AS k
        FROM ev e JOIN coh c USING (user_id)
        WHERE {return_filter} AND e.ts >= c.t0
    ),
    last AS (SELECT user_id, cohort, max(k) AS last_k FROM ret GROUP BY ALL),
    sizes AS (SELECT cohort, count(*) AS cohort_size, min(t0) AS first_t0 FROM coh GROUP BY 1),
    grid AS (
        SELECT s.cohort, s.cohort_size, b.t_end, unnest(range(0, {last_k} + 1)) AS k
        FROM sizes s, bounds b
    )
    SELECT g.cohort::DATE AS cohort, g.k::INTEGER AS period, g.cohort_size,
        CASE WHEN ({end_of_k}) <= g.t_end
             THEN {active} END AS active
    FROM grid g ORDER BY 1, 2
    """


def generated_events(n_users: int = 150, seed: int = 3) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    start = np.datetime64("2025-01-01T00:00:00", "us")
    n = n_users * 12
    user = rng.integers(0, n_users, n)
    first_day = rng.integers(0, 120, n_users)
    seconds = (first_day[user] + rng.geometric(0.04, n) - 1) * 86_400 + rng.integers(0, 86_400, n)
    return pl.DataFrame(
        {
            "user_id": pl.Series(user).cast(pl.String),
            "event": pl.Series(rng.choice(["signup", "open", "order"], n, p=[0.2, 0.6, 0.2])),
            "ts": pl.Series(start + seconds.astype("timedelta64[s]")).dt.replace_time_zone("UTC"),
            "revenue": np.round(rng.gamma(2.0, 10.0, n), 2),
        }
    )


@pytest.fixture(scope="module")
def con():
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    yield connection
    connection.close()


def duckdb_table(con, events: pl.DataFrame, sql: str) -> pl.DataFrame:
    con.register("ev", events.to_arrow())
    try:
        return con.sql(sql).pl()
    finally:
        con.unregister("ev")


def ours(events: pl.DataFrame, **options) -> pl.DataFrame:
    return retention.cohort_retention(events, **options).select(
        "cohort", "period", "cohort_size", "active"
    )


@pytest.mark.parametrize("kind", ["n_period", "unbounded"])
@pytest.mark.parametrize("anchor", ["user", "calendar"])
@pytest.mark.parametrize("period", ["day", "week", "month"])
def test_matches_duckdb_cell_for_cell(con, period, anchor, kind):
    events = generated_events()
    expected = duckdb_table(con, events, reference_sql(period, anchor, kind, None, None))
    got = ours(events, period=period, anchor=anchor, kind=kind)
    assert got.height > 20
    assert got["active"].null_count() > 0
    assert_frame_equal(got, expected, check_dtypes=False)


@pytest.mark.parametrize("anchor", ["user", "calendar"])
def test_start_and_return_events_match_duckdb(con, anchor):
    events = generated_events(seed=11)
    sql = reference_sql("week", anchor, "n_period", "signup", "order")
    got = ours(events, period="week", anchor=anchor, start_event="signup", return_event="order")
    assert_frame_equal(got, duckdb_table(con, events, sql), check_dtypes=False)


def test_revenue_matches_duckdb(con):
    events = generated_events(seed=5)
    got = retention.cohort_retention(events, period="month", anchor="calendar", measure="revenue")
    sql = """
    WITH coh AS (SELECT user_id, min(ts) AS t0, date_trunc('month', min(ts)) AS cohort
                 FROM ev GROUP BY 1)
    SELECT c.cohort::DATE AS cohort,
           ((year(e.ts) * 12 + month(e.ts)) - (year(c.t0) * 12 + month(c.t0)))::INT AS period,
           sum(e.revenue) AS revenue
    FROM ev e JOIN coh c USING (user_id) GROUP BY ALL
    """
    expected = duckdb_table(con, events, sql)
    joined = got.drop_nulls("revenue").join(expected, on=["cohort", "period"], how="left")
    assert joined.height > 5
    assert np.allclose(joined["revenue"], joined["revenue_right"].fill_null(0.0))
    base = joined.filter(pl.col("period") == 0).select("cohort", base="revenue")
    check = joined.join(base, on="cohort")
    assert np.allclose(check["revenue_retention"], check["revenue"] / check["base"])


def pooled_revenue_sql(period: str, anchor: str) -> str:
    """Pooled revenue retention per k: Σ revenue in k / Σ the same cohorts' k = 0 revenue.

    Over the cohorts whose cell k is complete; revenue of every event at or after t0.
    """
    k, last_k, end_of_k = periods_sql(period, anchor)
    return f"""
    WITH bounds AS (SELECT max(ts) AS t_end FROM ev),
    coh AS (
        SELECT user_id, min(ts) AS t0, date_trunc('{period}', min(ts)) AS cohort
        FROM ev GROUP BY user_id
    ),
    sizes AS (SELECT cohort, count(*) AS cohort_size, min(t0) AS first_t0 FROM coh GROUP BY 1),
    grid AS (
        SELECT s.cohort, s.cohort_size, b.t_end, unnest(range(0, {last_k} + 1)) AS k
        FROM sizes s, bounds b
    ),
    rev AS (
        SELECT c.cohort, {k} AS k, sum(e.revenue) AS revenue
        FROM ev e JOIN coh c USING (user_id) WHERE e.ts >= c.t0 GROUP BY ALL
    ),
    cells AS (
        SELECT g.cohort, g.k, g.cohort_size, coalesce(r.revenue, 0) AS revenue
        FROM grid g LEFT JOIN rev r USING (cohort, k) WHERE ({end_of_k}) <= g.t_end
    )
    SELECT c.k::INTEGER AS period, count(*) AS cohorts, sum(c.cohort_size) AS cohort_size,
        sum(c.revenue) AS revenue, sum(b.revenue) AS base_revenue,
        sum(c.revenue) / sum(c.cohort_size) AS revenue_per_user,
        sum(c.revenue) / sum(b.revenue) AS revenue_retention
    FROM cells c JOIN cells b ON b.cohort = c.cohort AND b.k = 0
    GROUP BY c.k ORDER BY 1
    """


POOLED_REVENUE = ["period", "cohorts", "cohort_size", "revenue", "base_revenue"]


@pytest.mark.parametrize("anchor", ["user", "calendar"])
@pytest.mark.parametrize("period", ["day", "week", "month"])
def test_pooled_revenue_retention_matches_duckdb(con, period, anchor):
    events = generated_events(seed=9)
    spec = retention.RetentionSpec(period=period, anchor=anchor, measure="revenue")
    average = retention.summarize(retention.retention_table(events, spec), spec).average
    expected = duckdb_table(con, events, pooled_revenue_sql(period, anchor))
    assert expected.height > 3
    cols = [*POOLED_REVENUE, "revenue_per_user", "revenue_retention"]
    assert_frame_equal(average.select(cols), expected.select(cols), check_dtypes=False)


def cdnow_events() -> pl.DataFrame:
    if CDNOW_PARQUET.exists():
        return pl.read_parquet(CDNOW_PARQUET)
    if not CDNOW_TXT.exists():
        pytest.skip("CDNOW data not available")
    raw = pl.read_csv(
        CDNOW_TXT,
        separator="\n",
        has_header=False,
        skip_rows=1,
        new_columns=["line"],
    )
    parts = raw.select(
        pl.col("line").str.strip_chars().str.extract_groups(r"^(\d+)\s+(\d{8})\s+(\d+)\s+([\d.]+)")
    ).unnest("line")
    return parts.select(
        user_id=pl.col("1"),
        event=pl.lit("purchase"),
        ts=pl.col("2").str.to_datetime("%Y%m%d", time_zone="UTC", time_unit="us"),
        revenue=pl.col("4").cast(pl.Float64),
    )


def test_cdnow_monthly_calendar_matches_duckdb(con):
    events = cdnow_events()
    assert events["user_id"].n_unique() == 23_570
    got = ours(events, period="month", anchor="calendar")
    expected = duckdb_table(con, events, reference_sql("month", "calendar", "n_period", None, None))
    assert_frame_equal(got, expected, check_dtypes=False)
    # every customer's first purchase is in Q1 1997: three cohorts, none partial
    assert got["cohort"].unique().len() == 3
    assert got.filter(pl.col("period") == 0)["cohort_size"].sum() == 23_570
    assert got["cohort"].min() == datetime(1997, 1, 1, tzinfo=UTC).date()
