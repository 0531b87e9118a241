"""Overview aggregates against DuckDB SQL of the same definitions, and a hand-worked case."""

from datetime import UTC, date, datetime, timedelta

import duckdb
import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nsm_core import catalog, overview


def random_events(n: int = 3000, seed: int = 5) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    return pl.DataFrame(
        {
            "user_id": [f"u{i}" for i in rng.integers(0, 300, n)],
            "event": rng.choice(["open", "search", "order", "refund"], n).tolist(),
            "ts": [start + timedelta(seconds=int(s)) for s in rng.integers(0, 200 * 86400, n)],
            "revenue": np.round(rng.normal(5, 10, n), 2),
            "channel": rng.choice(["ads", "seo", None], n).tolist(),
        }
    )


EVENTS = random_events()


@pytest.mark.parametrize(
    ("period", "trunc"), [("day", "day"), ("week", "week"), ("month", "month")]
)
def test_active_users_match_duckdb(period, trunc):
    got = overview.active_users(EVENTS, period).select("period_start", "active_users")
    ref = duckdb.sql(
        f"""select cast(date_trunc('{trunc}', ts at time zone 'UTC') as date) as period_start,
                   count(distinct user_id) as active_users
            from EVENTS group by 1 order by 1"""
    ).pl()
    assert got.rows() == ref.rows()


def test_summary_matches_duckdb():
    s = overview.summary(EVENTS)
    users, n, revenue, paying = duckdb.sql(
        """select count(distinct user_id), count(*), sum(revenue),
                  (select count(*) from
                      (select user_id from EVENTS group by 1 having sum(revenue) > 0))
           from EVENTS"""
    ).fetchall()[0]
    assert (s.users, s.events, s.paying_users) == (users, n, paying)
    assert s.revenue == pytest.approx(revenue)


def test_new_users_first_touch_matches_duckdb():
    got = overview.new_users(EVENTS, "month", "channel").sort("period_start", "segment")
    ref = duckdb.sql(
        """with first as (
               select user_id, min(ts) as first_ts,
                      coalesce(arg_min(channel, (ts, event)) filter (where channel is not null),
                               '(none)') as segment
               from EVENTS group by user_id)
           select cast(date_trunc('month', first_ts at time zone 'UTC') as date) as period_start,
                  segment, count(*) as new_users
           from first group by 1, 2 order by 1, 2"""
    ).pl()
    assert got.rows() == ref.rows()


@given(st.lists(st.tuples(st.sampled_from("abc"), st.integers(0, 60)), min_size=1, max_size=40))
def test_new_users_add_up_to_all_users(rows):
    ev = pl.DataFrame(
        {
            "user_id": [u for u, _ in rows],
            "event": ["e"] * len(rows),
            "ts": [datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=d) for _, d in rows],
            "seg": [str(d % 3) for _, d in rows],
        }
    )
    assert overview.new_users(ev, "week", "seg")["new_users"].sum() == ev["user_id"].n_unique()


def test_last_period_is_marked_incomplete():
    ev = pl.DataFrame(
        {
            "user_id": ["a", "b"],
            "ts": [datetime(2025, 1, 6, tzinfo=UTC), datetime(2025, 1, 14, tzinfo=UTC)],
        }
    )
    assert overview.active_users(ev, "week")["complete"].to_list() == [True, False]
    assert overview.active_users(ev, "week")["period_start"].to_list() == [
        date(2025, 1, 6),
        date(2025, 1, 13),
    ]


def test_event_catalog_matches_duckdb():
    got = catalog.event_catalog(EVENTS).select("event", "events", "users").sort("event")
    ref = duckdb.sql(
        "select event, count(*) as events, count(distinct user_id) as users "
        "from EVENTS group by 1 order by 1"
    ).pl()
    assert got.rows() == ref.rows()


def test_segment_columns_pick_low_cardinality_text():
    ev = EVENTS.with_columns(
        order_id=pl.int_range(pl.len()).cast(pl.String), amount=pl.col("revenue") * 2
    )
    assert catalog.segment_columns(ev) == ["channel"]


def test_property_catalog_counts():
    props = catalog.property_catalog(EVENTS)
    row = props.row(0, named=True)
    assert row["property"] == "channel"
    assert row["distinct_values"] == 2
    assert row["missing_share"] == pytest.approx(EVENTS["channel"].null_count() / EVENTS.height)
