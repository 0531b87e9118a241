"""Health scorecard and guardrails on tiny hand-worked data."""

from datetime import date, datetime

import duckdb
import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nsm_core import economics, health
from nsm_core.governance import new_card
from nsm_core.health import (
    Guardrail,
    GuardrailStatus,
    Signals,
    activity,
    attach,
    classify,
    detect,
    evaluate,
    families,
    guardrail_series,
    scorecard,
    slope,
    tables,
)
from nsm_core.health.monthly import monthly_table
from nsm_core.health.signals import matching
from nsm_core.metrics import MetricSpec

UTC = "UTC"


def _events(rows: list[tuple]) -> pl.LazyFrame:
    """rows of (user, event, datetime, revenue[, extra columns...])."""
    return pl.LazyFrame(
        {
            "user_id": [r[0] for r in rows],
            "event": [r[1] for r in rows],
            "ts": [r[2] for r in rows],
            "revenue": [float(r[3]) for r in rows],
        }
    ).with_columns(pl.col("ts").dt.replace_time_zone(UTC))


# Three months of a tiny shop: January and February complete, March is cut short.
SHOP = [
    ("a", "order", datetime(2025, 1, 3), 100),
    ("a", "refund", datetime(2025, 1, 5), -10),
    ("b", "order", datetime(2025, 1, 9), 50),
    ("b", "contact_support", datetime(2025, 1, 9, 1), 0),
    ("c", "open", datetime(2025, 1, 20), 0),
    ("a", "order", datetime(2025, 2, 2), 80),
    ("b", "unsubscribe_email", datetime(2025, 2, 3), 0),
    ("c", "order", datetime(2025, 2, 4), 40),
    ("c", "app_error", datetime(2025, 2, 5), 0),
    ("c", "contact_support", datetime(2025, 2, 6), 0),
    ("c", "complaint", datetime(2025, 2, 7), 0),
    ("a", "order", datetime(2025, 3, 31, 22), 60),
]


def test_matching_splits_words():
    names = ["contact_support", "SupportTicket", "misleading", "lead", "app_error", "NewLead"]
    assert matching(names, "ticket") == ("contact_support", "SupportTicket")
    assert matching(names, "lead") == ("lead", "NewLead")
    assert matching(names, "error") == ("app_error",)


def test_detect_finds_events_and_columns():
    ev = _events(SHOP).with_columns(NPS_Score=pl.lit(None, pl.Int64), latency_ms=pl.lit(5.0))
    signals = detect(ev)
    assert signals.of("ticket") == ("complaint", "contact_support")
    assert signals.of("refund") == ("refund",)
    assert signals.of("unsubscribe") == ("unsubscribe_email",)
    assert signals.of("error") == ("app_error",)
    assert signals.of("lead") == ()
    assert signals.latency_column == "latency_ms"
    assert signals.nps_column == "NPS_Score"  # names match whatever their case
    assert signals.with_events("lead", ("open",)).of("lead") == ("open",)


def test_monthly_table_hand_worked():
    signals = detect(_events(SHOP))
    got = monthly_table(_events(SHOP), signals).collect()
    assert got["month_start"].to_list() == [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)]
    # March's last event is on the 31st, so March is complete too
    assert got["complete"].to_list() == [True, True, True]
    jan, feb = got.row(0, named=True), got.row(1, named=True)
    assert (jan["active_users"], jan["gross_revenue"], jan["refunded"]) == (3, 150.0, 10.0)
    assert (jan["payments"], jan["refund_events"], jan["tickets"]) == (2, 1, 1)
    assert (feb["tickets"], feb["unsubscribes"], feb["errors"], feb["events"]) == (2, 1, 1, 6)


def test_monthly_table_matches_duckdb():
    rng = np.random.default_rng(3)
    n = 3_000
    names = np.array(["open", "order", "refund", "support_ticket", "opt_out", "crash"])
    ev = pl.DataFrame(
        {
            "user_id": rng.integers(0, 200, n).astype(str),
            "event": names[rng.integers(0, len(names), n)],
            "ts": pl.datetime_range(
                datetime(2024, 1, 1), datetime(2024, 12, 30), "1h", eager=True, time_zone=UTC
            ).sample(n, seed=1, with_replacement=True),
            "revenue": rng.normal(0, 20, n).round(2),
        }
    )
    signals = detect(ev)
    got = monthly_table(ev.lazy(), signals).collect().sort("month")
    expected = duckdb.sql(
        """
        select year(ts) * 12 + month(ts) - 1 as month,
               count(distinct user_id) as active_users,
               sum(greatest(revenue, 0)) as gross_revenue,
               sum(greatest(-revenue, 0)) as refunded,
               count(*) filter (where revenue > 0) as payments,
               count(*) filter (where event = 'support_ticket') as tickets,
               count(*) filter (where event = 'opt_out') as unsubscribes,
               count(*) filter (where event = 'crash') as errors
        from (select user_id, event, ts at time zone 'UTC' as ts, revenue from ev)
        group by 1 order by 1
        """
    ).pl()
    for column in expected.columns:
        assert got[column].to_list() == pytest.approx(expected[column].to_list()), column


def test_funnel_counts_steps_in_order():
    rows = [
        ("a", "lead", datetime(2025, 1, 1), 0),
        ("a", "mql", datetime(2025, 1, 2), 0),
        ("a", "sql", datetime(2025, 1, 3), 0),
        ("a", "purchase", datetime(2025, 1, 4), 99),
        ("b", "mql", datetime(2025, 1, 1), 0),  # MQL before lead: does not count...
        ("b", "lead", datetime(2025, 1, 2), 0),
        ("b", "mql", datetime(2025, 1, 5), 0),  # ...but a later MQL does
        ("c", "lead", datetime(2025, 1, 1), 0),
        ("d", "sql", datetime(2025, 1, 1), 0),  # never a lead
    ]
    ev = _events(rows)
    stages = activity.funnel_stages(detect(ev), has_revenue=True)
    assert [s.label for s in stages] == ["Lead", "MQL", "SQL", "Customer"]
    counts = activity.funnel(ev, stages).collect()
    assert counts["users"].to_list() == [3, 2, 1, 1]
    family = families.funnel(counts, stages)
    assert [r.value for r in family.readings] == [3.0, 2 / 3, 0.5, 1.0]


def test_session_months_hand_worked():
    rows = [
        ("a", "x", datetime(2025, 1, 1, 9, 0), 0),
        ("a", "x", datetime(2025, 1, 1, 9, 20), 0),  # same session: 20 min
        ("a", "x", datetime(2025, 1, 1, 11, 0), 0),  # new session: 0 min
        ("b", "x", datetime(2025, 1, 2, 8, 0), 0),
        ("b", "x", datetime(2025, 1, 2, 8, 10), 0),  # 10 min
    ]
    got = activity.session_months(_events(rows)).collect().row(0, named=True)
    assert (got["sessions"], got["users"]) == (3, 2)
    assert got["median_minutes"] == 10.0
    assert got["mean_minutes"] == pytest.approx(10.0)


def test_nps_from_latest_answer_per_user():
    day = datetime(2025, 6, 30)
    ev = pl.LazyFrame(
        {
            "user_id": ["a", "a", "b", "c", "d", "e", "old"],
            "ts": [datetime(2025, 6, d) for d in (1, 2, 3, 4, 5, 6)] + [datetime(2025, 1, 1)],
            "nps": [0, 10, 9, 7, 3, 11, 10],  # e's 11 is not a 0–10 answer
        }
    ).with_columns(pl.col("ts").dt.replace_time_zone(UTC))
    ev = pl.concat(
        [
            ev,
            pl.LazyFrame({"user_id": ["z"], "ts": [day], "nps": [None]}).with_columns(
                pl.col("ts").dt.replace_time_zone(UTC), pl.col("nps").cast(pl.Int64)
            ),
        ]
    )
    windows = activity.nps_windows(ev, "nps").collect()
    current = windows.row(0, named=True)
    # a:10, b:9 promoters; c:7 passive; d:3 detractor -> NPS = 100 (2 − 1) / 4 = 25
    assert (current["responses"], current["promoters"], current["detractors"]) == (4, 2, 1)
    reading = families.nps(windows, "nps").readings[0]
    assert reading.value == 25.0
    # var = (p + d − (p − d)²) / n = (0.75 − 0.0625) / 4; CI = 25 ± 1.96 · 100 · sqrt(var)
    half = 1.959964 * 100 * np.sqrt((0.75 - 0.0625) / 4)
    assert f"{25 - half:+.0f} to {25 + half:+.0f}" in reading.formula
    assert reading.previous is None  # "old" answered more than 180 days before the end


def test_latency_percentiles_match_numpy():
    values = np.arange(1, 101, dtype=float)
    ev = pl.LazyFrame({"ts": [datetime(2025, 1, 1)] * 100, "latency_ms": values}).with_columns(
        pl.col("ts").dt.replace_time_zone(UTC)
    )
    got = activity.latency_months(ev, "latency_ms").collect().row(0, named=True)
    assert got["p50"] == np.median(values)
    assert got["p95"] == pytest.approx(np.percentile(values, 95))


def test_scorecard_without_revenue_says_what_is_missing():
    rows = [(u, "open", datetime(2025, m, d), 0) for u in "abc" for m in (1, 2) for d in (1, 8)]
    ev = _events([*rows, ("a", "open", datetime(2025, 3, 31, 23), 0)])
    card = scorecard(tables(ev, detect(ev)), None)
    available = {f.key for f in card.families if f.available}
    assert available == {"engagement"}
    assert "revenue column" in card.family("business").needs
    assert "nps" in card.family("nps").needs
    assert "spend table" in card.family("marketing_roi").needs
    assert "ticket" in card.family("support").needs
    assert card.as_of == date(2025, 3, 1)


def test_scorecard_shop_readings():
    ev = _events(SHOP)
    t = tables(ev, detect(ev))
    econ = economics.unit_economics(ev, None, economics.EconomicsSpec())
    card = scorecard(t, econ)
    business = {r.label: r for r in card.family("business").readings}
    # YTD to March: 150 − 10 + 120 + 60
    assert business["Revenue, year to date"].value == 320.0
    assert business["Revenue, year to date"].previous is None  # no 2024 data
    assert business["Revenue, last complete month"].value == 60.0
    support = card.family("support").readings[0]
    # March has 1 active user and no tickets; February: 2 tickets / 3 users
    assert support.value == 0.0
    assert support.previous == pytest.approx(200 / 3)
    assert card.family("retention").available
    assert card.family("technical").readings[0].previous == pytest.approx(1000 / 6)


def test_guardrail_series_hand_worked():
    ev = _events(SHOP)
    t = tables(ev, detect(ev))
    econ = economics.unit_economics(ev, None, economics.EconomicsSpec())
    series = guardrail_series(t, econ, health.margin_months(ev, None, economics.EconomicsSpec()))
    by_key = {
        k: dict(zip(g["month_start"], g["value"], strict=True))
        for (k,), g in series.group_by("key")
    }
    jan, feb, mar = date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)
    assert by_key["refund_rate"] == {jan: 10 / 150, feb: 0.0, mar: 0.0}
    assert by_key["tickets"][feb] == pytest.approx(200 / 3)
    assert by_key["unsubscribes"] == {jan: 0.0, feb: pytest.approx(100 / 3), mar: 0.0}
    # payers: Jan {a, b}, Feb {a, c}, Mar {a}: churn Feb = 1/2 (b), Mar = 1/2 (c)
    assert by_key["churn"][feb] == 0.5
    assert by_key["churn"][mar] == 0.5
    assert "margin" not in by_key  # no COGS anywhere


def test_margin_series_from_cogs_property():
    ev = _events(SHOP[:3]).with_columns(cogs=pl.Series([40.0, None, 20.0]))
    got = health.margin_months(ev, None, economics.EconomicsSpec())
    # January: revenue 150 − 10 = 140, COGS 60 -> margin 80 / 140
    assert got["margin"].to_list() == [pytest.approx(80 / 140)]


@pytest.mark.parametrize(
    ("values", "threshold", "state"),
    [
        ([0.02, 0.02, 0.06], 0.05, "red"),  # past the limit
        ([0.02, 0.02, 0.045], 0.05, "amber"),  # within 20% of it
        ([0.01, 0.02, 0.03], 0.05, "amber"),  # 0.03 + 3 × 0.01 = 0.06 by the trend
        ([0.03, 0.02, 0.01], 0.05, "green"),
        ([0.01], 0.05, "green"),  # too short for a trend
    ],
)
def test_guardrail_states(values, threshold, state):
    series = pl.DataFrame(
        {
            "key": ["refund_rate"] * len(values),
            "month_start": [date(2025, m + 1, 1) for m in range(len(values))],
            "value": values,
        }
    )
    status = evaluate(series, Guardrail("refund_rate", threshold))
    assert status.state == state
    assert status.value == values[-1]
    assert status.month == date(2025, len(values), 1)


def test_margin_guardrail_is_a_floor():
    g = Guardrail("margin", 0.30)
    assert classify(0.25, None, g) == "red"
    assert classify(0.33, None, g) == "amber"
    assert classify(0.50, -0.05, g) == "green"  # heading for 0.35 in 3 months: still above
    assert classify(0.50, -0.08, g) == "amber"  # heading for 0.26: below the floor
    assert classify(0.50, 0.0, g) == "green"


def test_unmeasurable_guardrail_is_unknown():
    empty = pl.DataFrame(schema={"key": pl.String, "month_start": pl.Date, "value": pl.Float64})
    status = evaluate(empty, Guardrail("unsubscribes", 1.0))
    assert status.state == "unknown"
    assert "unsubscribe" in status.reason


def test_slope_matches_polyfit():
    assert slope([1.0, 2.0]) is None
    assert slope([1.0, 2.0, 3.0]) == pytest.approx(1.0)
    values = [0.3, 0.1, 0.4, 0.2, 0.5]
    assert slope(values) == pytest.approx(np.polyfit(range(5), values, 1)[0])


ORDER = {"green": 0, "amber": 1, "red": 2}


@given(
    a=st.floats(0, 1),
    b=st.floats(0, 1),
    trend=st.floats(-0.1, 0.1),
    threshold=st.floats(0.01, 1),
)
@settings(max_examples=50, deadline=None)
def test_worse_value_never_looks_better(a, b, trend, threshold):
    low, high = sorted((a, b))
    ceiling = Guardrail("churn", threshold)
    assert ORDER[classify(low, trend, ceiling)] <= ORDER[classify(high, trend, ceiling)]
    floor = Guardrail("margin", threshold)
    assert ORDER[classify(high, trend, floor)] <= ORDER[classify(low, trend, floor)]


def test_attach_to_governance_card():
    card = new_card(MetricSpec("WAU"))
    red = GuardrailStatus(Guardrail("refund_rate", 0.05), "red", 0.08, 0.04, None, None, "")
    later = attach(card, (red,))
    assert [g.name for g in later.guardrails] == ["Refund rate"]
    assert "at most 5.0%" in later.guardrails[0].note
    assert "8.0% (red)" in later.guardrails[0].note
    again = attach(
        later, (GuardrailStatus(Guardrail("refund_rate", 0.03), "red", 0.08, None, None, None, ""),)
    )
    assert len(again.guardrails) == 1
    assert "at most 3.0%" in again.guardrails[0].note


def test_signals_are_hashable_cache_keys():
    s = Signals((("ticket", ("a",)),), "nps", None)
    assert hash(s) == hash(Signals((("ticket", ("a",)),), "nps", None))
