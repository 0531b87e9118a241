"""MetricSpec round-trips and compute_metric against a plain-Python oracle."""

import json
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from statistics import median

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nsm_core.metrics import (
    AGGREGATIONS,
    METRIC_TYPES,
    Exclusions,
    Filter,
    MetricSpec,
    compute_metric,
    metric_frame,
)
from nsm_core.schema import DataError

EPOCH = date(1970, 1, 1)


def _ev(rows):
    """Rows (user, event, day offset in Jan 2025, hour, revenue, plan, account) -> events."""
    base = datetime(2025, 1, 1, tzinfo=UTC)
    return pl.DataFrame(
        {
            "user_id": [r[0] for r in rows],
            "event": [r[1] for r in rows],
            "ts": [base + timedelta(days=r[2], hours=r[3]) for r in rows],
            "revenue": [float(r[4]) for r in rows],
            "plan": [r[5] for r in rows],
            "account_id": [r[6] for r in rows],
        },
        schema_overrides={"ts": pl.Datetime("us", "UTC")},
    )


# Worked by hand. 2025-01-01 is a Wednesday: week of 30 Dec 2024 holds days 0-4 (1-5 Jan),
# week of 6 Jan holds days 5-11, week of 13 Jan holds day 12 (the last, unfinished).
ROWS = [
    ("a", "open", 0, 9, 0, "free", "t1"),
    ("a", "order", 0, 10, 20, "free", "t1"),
    ("a", "order", 2, 10, 10, "free", "t1"),
    ("b", "open", 1, 8, 0, "pro", "t2"),
    ("b", "order", 3, 8, 30, "pro", "t2"),
    ("b", "refund", 4, 8, -30, "pro", "t2"),
    ("c", "order", 6, 12, 15, "pro", None),
    ("a", "order", 7, 12, 5, "free", "t1"),
    ("qa", "order", 7, 13, 99, "pro", "t9"),
    ("b", "open", 12, 1, 0, "pro", "t2"),
]
WEEKS = [date(2024, 12, 30), date(2025, 1, 6), date(2025, 1, 13)]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (MetricSpec("WAU"), [2, 3, 1]),
        (MetricSpec("Orders", events=("order",), aggregation="events"), [3, 3, 0]),
        (MetricSpec("Revenue", aggregation="revenue"), [30, 119, 0]),
        (MetricSpec("Gross", aggregation="revenue", exclusions=Exclusions(refunds=True)),
         [60, 119, 0]),
        (MetricSpec("2+ orders", events=("order",), aggregation="users_reaching", threshold=2),
         [1, 0, 0]),
        (MetricSpec("Teams", entity="account"), [2, 2, 1]),
        (MetricSpec("Pro orders", events=("order",), aggregation="events",
                    filters=(Filter("plan", "in", ("PRO",)),)), [1, 2, 0]),
        (MetricSpec("No QA", events=("order",), aggregation="events",
                    exclusions=Exclusions(user_ids=("qa",))), [3, 2, 0]),
        (MetricSpec("Orders per orderer", events=("order",), aggregation="events", per_user=True,
                    unit="orders per user"), [1.5, 1.0, None]),
        (MetricSpec("Big orders", events=("order",), aggregation="events",
                    filters=(Filter("revenue", "ge", number=15),)), [2, 2, 0]),
    ],
    ids=lambda x: getattr(x, "name", ""),
)  # fmt: skip
def test_worked_example(spec, expected):
    out = compute_metric(_ev(ROWS), spec)
    assert out.columns == ["period_start", "value", "complete"]
    assert out.schema["value"] == pl.Float64
    assert out.get_column("period_start").to_list() == WEEKS
    assert out.get_column("value").to_list() == expected
    assert out.get_column("complete").to_list() == [True, True, False]


def test_days_to_value_by_hand():
    # a: first event day 0 09:00, first order day 0 10:00 -> 1/24 day, in week 1.
    # b: first day 1 08:00, first order day 3 08:00 -> 2 days, week 1. c: 0 days, week 2.
    spec = MetricSpec("TTV", events=("order",), aggregation="days_to_value", unit="days")
    values = compute_metric(_ev(ROWS), spec).get_column("value").to_list()
    assert values[0] == pytest.approx(median([1 / 24, 2.0]))
    assert values[1] == pytest.approx(median([0.0, 0.0]))  # c and qa both start with an order
    assert values[2] is None


def test_internal_users_by_property_are_excluded_entirely():
    rows = [*ROWS, ("b", "open", 9, 1, 0, "staff", "t2")]
    spec = MetricSpec(
        "WAU", exclusions=Exclusions(user_filters=(Filter("plan", "in", ("staff",)),))
    )
    assert compute_metric(_ev(rows), spec).get_column("value").to_list() == [1, 3, 0]


def test_bots_by_daily_volume():
    rows = ROWS + [("bot", "open", 5, h, 0, "free", None) for h in range(10)]
    spec = MetricSpec("WAU", exclusions=Exclusions(bot_events_per_day=5))
    assert compute_metric(_ev(rows), spec).get_column("value").to_list() == [2, 3, 1]
    assert compute_metric(_ev(rows), MetricSpec("WAU")).get_column("value").to_list() == [2, 4, 1]


def test_segment_split_and_zero_fill():
    spec = MetricSpec("Orders", events=("order",), aggregation="events")
    out = compute_metric(_ev(ROWS), spec, segment="plan")
    got = {(r["period_start"], r["segment"]): r["value"] for r in out.iter_rows(named=True)}
    assert got[(WEEKS[0], "free")] == 2
    assert got[(WEEKS[0], "pro")] == 1
    assert got[(WEEKS[2], "pro")] == 0
    assert out.height == 6


def test_month_and_day_grain():
    months = compute_metric(_ev(ROWS), MetricSpec("MAU", grain="month"))
    assert months.rows() == [(date(2025, 1, 1), 4.0, False)]
    days = compute_metric(_ev(ROWS), MetricSpec("DAU", grain="day"))
    assert days.height == 13
    assert days.get_column("value").sum() == 9  # user-days: a 0,2,7; b 1,3,4,12; c 6; qa 7


def test_missing_column_is_a_clear_error():
    spec = MetricSpec("Nights", aggregation="property_sum", value_column="nights", unit="nights")
    with pytest.raises(DataError, match="nights"):
        compute_metric(_ev(ROWS), spec)


def test_lazy_in_lazy_out():
    lf = _ev(ROWS).lazy()
    assert isinstance(metric_frame(lf, MetricSpec("WAU")), pl.LazyFrame)


@pytest.mark.parametrize(
    "bad",
    [
        {"name": ""},
        {"name": "x", "aggregation": "median"},
        {"name": "x", "grain": "year"},
        {"name": "x", "aggregation": "property_sum"},
        {"name": "x", "threshold": 0},
        {"name": "x", "aggregation": "distinct_users", "per_user": True},
        {"name": "x", "colour": "red"},
        {"name": "x", "events": "order"},
        {"name": "x", "filters": [{"column": "plan", "op": "gt"}]},
        {"kind": "usage"},
    ],
)
def test_invalid_specs_raise_data_error(bad):
    with pytest.raises(DataError):
        MetricSpec.from_dict(bad)


def test_broken_json_says_where():
    with pytest.raises(DataError, match="line 1"):
        MetricSpec.from_json('{"name": ')
    with pytest.raises(DataError, match="JSON object"):
        MetricSpec.from_json("[1, 2]")


# ---- property tests -------------------------------------------------------------------

names = st.text(min_size=1, max_size=12).filter(lambda s: s.strip() != "")
filters = st.one_of(
    st.builds(
        Filter, names, st.sampled_from(["in", "not_in"]), st.lists(names, max_size=3).map(tuple)
    ),
    st.builds(
        Filter, names, st.sampled_from(["gt", "ge", "lt", "le"]),
        number=st.floats(-1e6, 1e6, allow_nan=False),
    ),
)  # fmt: skip


@st.composite
def specs(draw):
    aggregation = draw(st.sampled_from(AGGREGATIONS))
    per_user = aggregation in ("events", "revenue", "property_sum") and draw(st.booleans())
    return MetricSpec(
        name=draw(names),
        kind=draw(st.sampled_from(METRIC_TYPES)),
        events=tuple(draw(st.lists(names, max_size=3))),
        filters=tuple(draw(st.lists(filters, max_size=2))),
        aggregation=aggregation,
        entity=draw(st.sampled_from(["user", "account"])),
        value_column=draw(names) if aggregation == "property_sum" else draw(st.none() | names),
        threshold=draw(st.integers(1, 10)),
        per_user=per_user,
        unit=draw(st.text(max_size=10)),
        grain=draw(st.sampled_from(["day", "week", "month"])),
        exclusions=Exclusions(
            user_ids=tuple(draw(st.lists(names, max_size=3))),
            user_filters=tuple(draw(st.lists(filters, max_size=1))),
            refunds=draw(st.booleans()),
            bot_events_per_day=draw(st.none() | st.integers(1, 1000)),
        ),
        owner=draw(st.text(max_size=10)),
        description=draw(st.text(max_size=30)),
    )


@settings(max_examples=50, deadline=None)
@given(specs())
def test_spec_json_round_trip(spec):
    assert MetricSpec.from_json(spec.to_json()) == spec
    assert MetricSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
    assert hash(MetricSpec.from_json(spec.to_json(indent=None))) == hash(spec)


def _period(ts: datetime, grain: str) -> int:
    d = (ts.date() - EPOCH).days
    return {"day": d, "week": (d + 3) // 7, "month": ts.year * 12 + ts.month - 1}[grain]


def _oracle(rows, spec):
    """Plain-Python value per period number for the counted-row aggregations."""
    base = datetime(2025, 1, 1, tzinfo=UTC)
    kept = [r for r in rows if not (spec.exclusions.refunds and r[4] < 0)]
    groups = defaultdict(list)
    for r in kept:
        if spec.events and r[1] not in spec.events:
            continue
        groups[_period(base + timedelta(days=r[2], hours=r[3]), spec.grain)].append(r)
    all_p = [_period(base + timedelta(days=r[2], hours=r[3]), spec.grain) for r in rows]
    out = {}
    for p in range(min(all_p), max(all_p) + 1):
        g = groups.get(p, [])
        per_user = defaultdict(int)
        for r in g:
            per_user[r[0]] += 1
        out[p] = {
            "distinct_users": len(per_user),
            "events": len(g),
            "revenue": sum(r[4] for r in g),
            "users_reaching": sum(1 for n in per_user.values() if n >= spec.threshold),
        }[spec.aggregation]
    return [out[p] for p in sorted(out)]


row = st.tuples(
    st.sampled_from(["u1", "u2", "u3", "u4"]),
    st.sampled_from(["open", "order", "refund"]),
    st.integers(0, 70),
    st.integers(0, 23),
    st.integers(-20, 50),
    st.just("free"),
    st.just("t1"),
)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(row, min_size=1, max_size=40),
    st.sampled_from(["distinct_users", "events", "revenue", "users_reaching"]),
    st.sampled_from(["day", "week", "month"]),
    st.sampled_from([(), ("order",), ("order", "refund")]),
    st.integers(1, 3),
)
def test_compute_matches_plain_python(rows, aggregation, grain, events, threshold):
    spec = MetricSpec(
        "m", events=events, aggregation=aggregation, grain=grain, threshold=threshold,
        exclusions=Exclusions(refunds=threshold == 2),
    )  # fmt: skip
    got = compute_metric(_ev(rows), spec).get_column("value").to_list()
    assert got == pytest.approx(_oracle(rows, spec))
    shuffled = _ev(rows).sample(fraction=1.0, shuffle=True, seed=1)
    assert compute_metric(shuffled, spec).get_column("value").to_list() == pytest.approx(got)
