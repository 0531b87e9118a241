"""Banded segments: numeric properties cut into bands of users with readable edges.

Edges and labels are worked by hand; the properties check every value against the edges
with plain Python (bisect), never with the band expression under test.
"""

import bisect
import math
import random
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nsm_core import catalog, overview
from nsm_core.segments import (
    NO_SEGMENT,
    Banding,
    band,
    band_edges,
    band_labels,
    banding,
    first_touch,
    numeric_bandings,
    round_edge,
    with_bands,
)

START = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("x", "digits", "integer", "expected"),
    [
        (27.8, 1, True, 30),
        (33.0, 1, True, 30),
        (44.9, 2, True, 45),
        (7.2, 3, True, 8),  # whole-number data: an edge between 7 and 8 is 8
        (1234.0, 1, False, 1000.0),
        (1250.0, 2, False, 1300.0),  # half up
        (0.0345, 1, False, 0.03),
        (-27.0, 1, False, -30.0),
        (0.0, 1, False, 0.0),
    ],
)
def test_round_edge_by_hand(x, digits, integer, expected):
    assert round_edge(x, digits, integer=integer) == expected


def test_ages_get_decades():
    # 18..67 twice: the quintiles (values at positions 20, 40, 60, 80 of 0..99) are 28, 38,
    # 48, 58, and round to 30, 40, 50, 60.
    ages = pl.Series(list(range(18, 68)) * 2)
    assert band_edges(ages, integer=True) == (30, 40, 50, 60)
    got = banding("age", ages)
    assert got == Banding(
        "age", (30, 40, 50, 60), ("18–29", "30–39", "40–49", "50–59", "60–67"), integer=True
    )


def test_edges_keep_more_digits_rather_than_merge_bands():
    # 100..140: one digit would put every edge at 100; quintiles 108, 116, 124, 132 stay
    # (positions 8, 16, 24, 32 of 0..40).
    values = pl.Series(list(range(100, 141)))
    assert band_edges(values, integer=True) == (108, 116, 124, 132)


def test_ties_give_fewer_bands_never_empty_ones():
    # Mostly no discount: the quintiles (positions 20, 40, 60, 80 of 0..99) are 0, 0, 0,
    # 5 -> one edge, at 5.
    values = pl.Series([0.0] * 80 + [5.0] * 10 + [10.0] * 10)
    got = banding("discount", values)
    assert got.edges == (5.0,)
    assert got.labels == ("0–4", "5–10")  # whole amounts: whole-number labels
    halves = banding("discount", pl.Series([0.0] * 80 + [2.5] * 10 + [10.0] * 10))
    assert halves.labels == ("under 2.5", "2.5 or more")


def test_labels_by_hand():
    assert band_labels((30, 40), 18, 67, integer=True) == ("18–29", "30–39", "40–67")
    assert band_labels((2, 3), 1, 42, integer=True) == ("1", "2", "3–42")
    assert band_labels((1000, 2500), 5, 9000, integer=True) == (
        "5–999",
        "1,000–2,499",
        "2,500–9,000",
    )
    assert band_labels((5, 20.5), 0.5, 99.9, integer=False) == ("under 5", "5–20.5", "20.5 or more")


def test_a_constant_or_empty_property_has_no_bands():
    assert banding("x", pl.Series([3.0] * 10)) is None
    assert banding("x", pl.Series([None, None], dtype=pl.Float64)) is None


def events_with(**props: list) -> pl.DataFrame:
    n = len(next(iter(props.values())))
    return pl.DataFrame(
        {
            "user_id": [f"u{i // 2}" for i in range(n)],
            "event": "open",
            "ts": [START + timedelta(hours=i) for i in range(n)],
            **props,
        }
    )


def test_which_properties_are_banded():
    rng = random.Random(1)
    n = 400
    events = events_with(
        age=[rng.randrange(18, 80) for _ in range(n)],
        seats=[rng.randrange(1, 10) for _ in range(n)],  # few values: a segment as it is
        order_value=[round(rng.uniform(5, 300), 2) for _ in range(n)],
        item_id=[rng.randrange(1000) for _ in range(n)],
        zip_code=[rng.randrange(10_000, 99_999) for _ in range(n)],
        created_at=[1_700_000_000 + rng.randrange(10**6) for _ in range(n)],
        row=list(range(n)),
        plan=[rng.choice(["free", "pro"]) for _ in range(n)],
    )
    bands = {b.column: b for b in numeric_bandings(events)}
    assert set(bands) == {"age", "order_value"}
    assert bands["age"].integer
    assert not bands["order_value"].integer
    banded = with_bands(events, tuple(bands.values()))
    segments = catalog.segment_columns(banded)
    assert {"age (bands)", "order_value (bands)", "seats", "plan"} <= set(segments)
    assert "age" not in segments


def test_a_users_band_is_the_band_of_their_first_value():
    events = events_with(age=[30, 61, 45, None, None, None, 52, 19])
    b = Banding("age", (30, 50), ("18–29", "30–49", "50–61"), integer=True)
    touched = dict(first_touch(with_bands(events, [b]), "age (bands)").rows())
    # u0: 30 then 61; u1: 45; u2: no age; u3: 52 then 19; the band of the first value
    assert touched == {"u0": "30–49", "u1": "30–49", "u2": NO_SEGMENT, "u3": "50–61"}


values = st.one_of(
    st.lists(st.integers(-1000, 100_000), min_size=2, max_size=200),
    st.lists(st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False), min_size=2, max_size=200),
    st.lists(st.sampled_from([0.0, 0.5, 5.0, 12.25, 99.0]), min_size=2, max_size=200),
)


@given(values)
def test_every_value_lands_in_exactly_one_band_and_bands_are_ordered(raw):
    got = banding("x", pl.Series(raw))
    if got is None:
        # no quintile above the minimum: 80% or more of the values are the smallest one
        assert sorted(raw)[math.ceil(0.8 * (len(raw) - 1))] == min(raw)
        return
    edges = list(got.edges)
    assert edges == sorted(set(edges)), "edges strictly increasing"
    assert len(got.labels) == len(edges) + 1 == len(set(got.labels))
    bounds = [float("-inf"), *edges, float("inf")]
    index = [bisect.bisect_right(edges, v) for v in raw]
    for v, i in zip(raw, index, strict=True):
        inside = [j for j in range(len(bounds) - 1) if bounds[j] <= v < bounds[j + 1]]
        assert inside == [i], "exactly one band"
    assert set(index) == set(range(len(got.labels))), "no band is empty"
    labelled = pl.DataFrame({"x": raw}).select(band(got)).to_series().to_list()
    assert labelled == [got.labels[i] for i in index]
    if got.integer:
        lows = [int(label.split("–")[0].replace(",", "")) for label in got.labels]
        assert lows == sorted(lows)
        assert lows[0] == min(raw)


@given(
    st.lists(st.tuples(st.integers(0, 30), st.one_of(st.none(), st.integers(0, 120))), min_size=1)
)
def test_every_user_lands_in_exactly_one_band(rows):
    events = pl.DataFrame(
        {
            "user_id": [f"u{u}" for u, _ in rows],
            "event": "open",
            "ts": [START + timedelta(minutes=i) for i in range(len(rows))],
            "age": [a for _, a in rows],
        },
        schema_overrides={"age": pl.Int64},
    )
    b = banding("age", pl.Series([a for _, a in rows], dtype=pl.Int64))
    if b is None:
        return
    touched = first_touch(with_bands(events, [b]), "age (bands)")
    assert touched.height == len({u for u, _ in rows})
    for user, label in touched.rows():
        ages = [a for u, a in rows if f"u{u}" == user and a is not None]
        expected = b.labels[bisect.bisect_right(b.edges, ages[0])] if ages else NO_SEGMENT
        assert label == expected


def test_new_users_by_band_add_up():
    rng = random.Random(3)
    events = events_with(age=[rng.randrange(18, 70) for _ in range(300)])
    banded = with_bands(events, numeric_bandings(events))
    fresh = overview.new_users(banded.lazy(), "week", "age (bands)").collect()
    assert fresh.get_column("new_users").sum() == events.get_column("user_id").n_unique()
