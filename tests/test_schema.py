"""Tests for nsm_core.schema: sessions derived from inactivity gaps.

Expected values are worked by hand or by a plain Python walk, never with the function
under test.
"""

from datetime import datetime, timedelta

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from nsm_core import schema

# ---------------------------------------------------------------- sessions


def test_with_sessions_worked_example():
    ts = [
        datetime(2024, 1, 1, 9, 0),
        datetime(2024, 1, 1, 9, 30),  # exactly 30 min later: same session
        datetime(2024, 1, 1, 10, 0, 1),  # 30 min 1 s later: new session
        datetime(2024, 1, 1, 8, 0),  # earlier row given last: still the first session
        datetime(2024, 1, 1, 9, 0),
    ]
    events = pl.DataFrame({"user_id": ["a", "a", "a", "a", "b"], "ts": ts})
    out = schema.with_sessions(events.lazy())
    assert isinstance(out, pl.LazyFrame)
    assert out.collect().get_column("session_id").to_list() == ["a:2", "a:2", "a:3", "a:1", "b:1"]


def test_with_sessions_keeps_existing_sessions():
    events = pl.DataFrame({"user_id": ["a"], "ts": [datetime(2024, 1, 1)], "session_id": ["s"]})
    assert schema.with_sessions(events).equals(events)


def naive_sessions(users: list[str], minutes: list[int], gap: int) -> list[str]:
    order = sorted(range(len(users)), key=lambda i: (users[i], minutes[i]))
    out, last, number = [""] * len(users), {}, {}
    for i in order:
        u = users[i]
        if u not in last or minutes[i] - last[u] > gap:
            number[u] = number.get(u, 0) + 1
        last[u] = minutes[i]
        out[i] = f"{u}:{number[u]}"
    return out


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from("abc"), st.integers(0, 300)), max_size=30),
    st.sampled_from([10, 30]),
)
def test_with_sessions_matches_a_plain_python_walk(rows, gap):
    users = [u for u, _ in rows]
    minutes = [m for _, m in rows]
    events = pl.DataFrame(
        {"user_id": users, "ts": [datetime(2024, 1, 1) + timedelta(minutes=m) for m in minutes]},
        schema={"user_id": pl.String, "ts": pl.Datetime("us")},
    )
    got = schema.with_sessions(events, gap_minutes=gap).get_column("session_id").to_list()
    assert got == naive_sessions(users, minutes, gap)
