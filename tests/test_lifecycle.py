"""Lifecycle (growth accounting) against a plain-Python oracle and its identities.

The states and identities are those of docs/definitions/retention.md#lifecycle-states.
"""

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nsm_core.retention import LIFECYCLE_COLUMNS, lifecycle
from nsm_core.schema import DataError


def frame(rows: list[tuple[str, datetime]], **extra) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "user_id": [u for u, _ in rows],
            "event": ["open"] * len(rows),
            "ts": [t for _, t in rows],
            **extra,
        }
    ).with_columns(pl.col("ts").dt.replace_time_zone("UTC"))


def week_of(t: datetime) -> int:
    monday = t.date() - timedelta(days=t.weekday())
    return (monday - date(1970, 1, 5)).days // 7


def oracle(rows: list[tuple[str, datetime]]) -> list[tuple[int, int, int, int, int]]:
    """Naive growth accounting by weeks, one period at a time, from sets."""
    periods: dict[str, set[int]] = {}
    for user, t in rows:
        periods.setdefault(user, set()).add(week_of(t))
    all_weeks = [week_of(t) for _, t in rows]
    out = []
    for p in range(min(all_weeks), max(all_weeks) + 1):
        new = sum(1 for s in periods.values() if min(s) == p)
        retained = sum(1 for s in periods.values() if p in s and p - 1 in s)
        resurrected = sum(1 for s in periods.values() if p in s and p - 1 not in s and p > min(s))
        dormant = sum(1 for s in periods.values() if p not in s and p - 1 in s)
        out.append((new, retained, resurrected, dormant, new + retained + resurrected))
    return out


# Worked by hand (weeks starting Monday 6 Jan 2025):
# a: w1, w2, w4     b: w2, w3     c: w4
# w1: a new.                       active 1
# w2: a retained, b new.           active 2
# w3: b retained, a dormant.       active 1
# w4: a resurrected, c new, b dormant. active 2, quick ratio (1 + 1) / 1 = 2
HAND = [
    ("a", datetime(2025, 1, 6, 9)),
    ("a", datetime(2025, 1, 14)),
    ("a", datetime(2025, 1, 15)),
    ("b", datetime(2025, 1, 19, 23, 59)),
    ("b", datetime(2025, 1, 20)),
    ("a", datetime(2025, 1, 27)),
    ("c", datetime(2025, 2, 2)),
]


@pytest.mark.parametrize("kind", [pl.DataFrame, pl.LazyFrame])
def test_hand_worked_weeks(kind):
    out = lifecycle(kind(frame(HAND)), period="week")
    assert type(out) is kind
    out = out.lazy().collect()
    assert out.columns == list(LIFECYCLE_COLUMNS)
    assert out["period_start"].to_list() == [date(2025, 1, d) for d in (6, 13, 20, 27)]
    assert out.select("new", "retained", "resurrected", "dormant", "active").rows() == [
        (1, 0, 0, 0, 1),
        (1, 1, 0, 0, 2),
        (0, 1, 0, 1, 1),
        (1, 0, 1, 1, 2),
    ]
    assert out["quick_ratio"].to_list() == [None, None, 0.0, 2.0]
    # The data reach Sunday 2 Feb, the last day of week 4: every week is complete.
    assert out["complete"].to_list() == [True, True, True, True]
    cut = lifecycle(frame(HAND[:-1]), period="week")  # ends Monday 27 Jan
    assert cut["complete"].to_list() == [True, True, True, False]


def test_activity_event_and_first_period_over_whole_upload():
    rows = frame(HAND).with_columns(
        event=pl.when(pl.col("user_id") == "b").then(pl.lit("pay")).otherwise(pl.lit("open"))
    )
    out = lifecycle(rows, period="week", event="pay")
    # only b pays: new in w2, retained w3, dormant w4
    assert out.select("new", "retained", "dormant").rows() == [
        (0, 0, 0),
        (1, 0, 0),
        (0, 1, 0),
        (0, 0, 1),
    ]


def test_account_unit_counts_accounts():
    rows = frame(HAND, account_id=["x", "x", "x", "x", "x", "x", "y"])
    out = lifecycle(rows, period="week", unit="account")
    assert out["active"].to_list() == [1, 1, 1, 2]
    with pytest.raises(DataError, match="account_id"):
        lifecycle(frame(HAND), unit="account")


START = datetime(2025, 1, 1)
rows_strategy = st.lists(
    st.tuples(st.sampled_from("abcdefg"), st.integers(0, 24 * 70)), min_size=1, max_size=60
)


@settings(max_examples=40, deadline=None)
@given(rows_strategy)
def test_matches_oracle_and_identities(raw):
    rows = [(u, START + timedelta(hours=h)) for u, h in raw]
    out = lifecycle(frame(rows), period="week")
    got = out.select("new", "retained", "resurrected", "dormant", "active").rows()
    assert got == oracle(rows)
    active = out["active"].to_list()
    change = [a - b for a, b in zip(active, [0, *active[:-1]], strict=True)]
    assert change == (out["new"] + out["resurrected"] - out["dormant"]).to_list()
    assert out["new"].sum() == len({u for u, _ in rows})


def test_month_periods_utc():
    rows = [("a", datetime(2025, 1, 31, 23, tzinfo=UTC)), ("a", datetime(2025, 3, 1, tzinfo=UTC))]
    out = lifecycle(frame(rows), period="month")
    assert out.select("period_start", "new", "dormant", "resurrected").rows() == [
        (date(2025, 1, 1), 1, 0, 0),
        (date(2025, 2, 1), 0, 1, 0),
        (date(2025, 3, 1), 0, 0, 1),
    ]
