"""Workshop candidates from the data's own events: usage by plain Python, the first screen.

Reach and phi are recomputed from the raw rows with a 2×2 table per event; the first
screens are checked against what each sample's truths say it should compare.
"""

import json
import math
import statistics
from datetime import timedelta

import polars as pl
import pytest

from bench.moments import world
from nsm_core import metrics, moments, workshop
from nsm_core.samples import SAMPLE_DIR, SAMPLES
from nsm_core.workshop import suggest


def _plain_usage(events: pl.DataFrame) -> dict[tuple[str, int], tuple[float, float]]:
    """Return (event, k) -> (reach, phi) over users observed through day 35, by plain Python."""
    end = events["ts"].max()
    users: dict = {}
    for user, event, ts in events.sort("ts").select("user_id", "event", "ts").iter_rows():
        users.setdefault(user, []).append((event, ts))
    table = []
    for rows in users.values():
        t0 = rows[0][1]
        if t0 + timedelta(days=36) > end:
            continue
        week: dict = {}
        for event, ts in rows:
            if ts - t0 < timedelta(days=7):
                week[event] = week.get(event, 0) + 1
        day = [(ts - t0) // timedelta(days=1) for _, ts in rows]
        table.append((week, any(8 <= d <= 35 for d in day)))
    out = {}
    for event in {e for week, _ in table for e in week}:
        median = statistics.median(week[event] for week, _ in table if event in week)
        for k in sorted({1, suggest.repeat_threshold(median)}):
            a = sum(1 for w, r in table if w.get(event, 0) >= k and r)
            b = sum(1 for w, r in table if w.get(event, 0) >= k and not r)
            c = sum(1 for w, r in table if w.get(event, 0) < k and r)
            d = sum(1 for w, r in table if w.get(event, 0) < k and not r)
            denominator = math.sqrt((a + b) * (c + d) * (a + c) * (b + d))
            phi = (a * d - b * c) / denominator if denominator else math.nan
            out[event, k] = ((a + b) / len(table), phi)
    return out


def test_usage_matches_a_plain_two_by_two_table():
    events = world(4, n_users=800)
    usage = workshop.event_usage(moments.user_table(events, workshop.USAGE_SPEC))
    expected = _plain_usage(events)
    got = {(e, k): (reach, phi) for e, k, reach, phi in usage.rows()}
    assert got.keys() == expected.keys()
    for key, (reach, phi) in expected.items():
        assert got[key][0] == pytest.approx(reach)
        assert got[key][1] == pytest.approx(phi, nan_ok=True)


def test_no_observed_user_gives_no_usage_and_templates_only():
    usage = workshop.event_usage(None)
    assert usage.is_empty()
    fits = metrics.fit_all(["order", "open"], ["user_id", "revenue"])
    names = [s.name for s in workshop.first_screen(fits, usage)]
    assert names == ["Orders per week", "Weekly transactions", "Monthly active users"]


def test_frequency_candidates_use_each_events_own_threshold():
    specs = metrics.event_metrics(["send_message", "signup", "tip"], {"send_message": 20})
    assert [(s.name, s.aggregation, s.threshold) for s in specs] == [
        ("Users who did send_message, per week", "distinct_users", 1),
        ("Users who did send_message 20+ times a week", "users_reaching", 20),
        ("Users who did tip, per week", "distinct_users", 1),
    ]


def _screen(sample: str) -> tuple[list[str], pl.DataFrame]:
    events = pl.read_parquet(SAMPLES[sample].events_path)
    usage = workshop.event_usage(moments.user_table(events, workshop.USAGE_SPEC))
    fits = metrics.fit_all(events["event"].unique().to_list(), events.columns)
    return [s.name for s in workshop.first_screen(fits, usage)], usage


@pytest.mark.parametrize("sample", ["meals", "teams"])
def test_first_screen_puts_the_planted_cause_beside_the_templates(sample):
    names, usage = _screen(sample)
    truth = json.loads((SAMPLE_DIR / "truths.json").read_text())[sample]
    assert len(names) == 5
    assert f"Users who did {truth['moment']['event']}, per week" in names
    # Two templates first, then three events, none of them views or opens.
    assert not any(word in n for n in names[2:] for word in ("open", "view"))
    picked = usage.filter(pl.col("reach").is_between(0.05, 0.9))
    assert picked.height > 3


def test_first_screen_on_teams_names_the_message_proxy_at_its_own_threshold():
    names, usage = _screen("teams")
    k = usage.filter((pl.col("event") == "send_message") & (pl.col("threshold") > 1))
    assert f"Users who did send_message {k['threshold'].item()}+ times a week" in names
    # At k = 1 every user messages: the template already counts it, and it is not offered.
    assert "Users who did send_message, per week" not in names


def test_first_screen_on_cdnow_adds_repeat_purchases():
    names, _ = _screen("cdnow")
    assert names == [
        "Orders per week",
        "Weekly transactions",
        "Users who did purchase 2+ times a week",
    ]
