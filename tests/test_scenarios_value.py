"""A moment's value over the plan's horizon: a hand-built log against a plain implementation.

The log has nothing to adjust for (both sides open the app once on day 0; reachers also
save a favourite then), so any estimator's adjusted lift is the plain difference of mean
revenue in own days a..b among users observed through b, which `plain_lift` computes by
walking the rows one by one.
"""

import dataclasses
import math
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from nsm_core import scenarios
from nsm_core.moments.value import moment_value, observed_sides, supported_end
from nsm_core.scenarios import PRESETS, Valuation
from nsm_core.scenarios import value as values

START = datetime(2025, 1, 1, 12, tzinfo=UTC)
LAST_DAY = 200  # the export stops here: users who start late are seen for fewer days


def horizon_log() -> pl.DataFrame:
    """400 users, two starting on each of days 0..199 (noon), the even one saving a favourite.

    Reachers pay 4 (day 20), 5..7 (day 10), 7 (day 50), 11 (day 90) and 100 (day 150);
    the others 3 (day 10), 1 (day 20), 2..6 (day 50) and 1 (day 90). Rows after day 200 are
    not in the export.
    """
    rows = []
    for i in range(400):
        user, start, reached = f"u{i:03d}", i // 2, i % 2 == 0
        rows.append((user, "open", start, 0.0))
        if reached:
            rows.append((user, "save_favorite", start, 0.0))
            pays = {10: 5.0 + i % 3, 20: 4.0, 50: 7.0, 90: 11.0, 150: 100.0}
        else:
            pays = {10: 3.0, 20: 1.0, 50: 2.0 + i % 5, 90: 1.0}
        rows.extend((user, "pay", start + day, amount) for day, amount in pays.items())
    frame = pl.DataFrame(rows, schema=["user_id", "event", "day", "revenue"], orient="row")
    return frame.filter(pl.col("day") <= LAST_DAY).select(
        "user_id",
        "event",
        ts=pl.lit(START) + pl.duration(days=pl.col("day")),
        revenue="revenue",
    )


def plain_lift(events: pl.DataFrame, window: tuple[int, int], moment_days: int = 7) -> tuple:
    """Independent: (lift, users observed through b, all users), one row at a time."""
    first: dict[str, datetime] = {}
    for user, ts in events.select("user_id", "ts").iter_rows():
        first[user] = min(first.get(user, ts), ts)
    end = events["ts"].max()
    revenue = dict.fromkeys(first, 0.0)
    reached = dict.fromkeys(first, False)
    for user, event, ts, amount in events.iter_rows():
        day = (ts - first[user]) // timedelta(days=1)
        if window[0] <= day <= window[1]:
            revenue[user] += amount
        if event == "save_favorite" and day < moment_days:
            reached[user] = True
    seen = [u for u in first if first[u] + timedelta(days=window[1] + 1) <= end]
    yes = [revenue[u] for u in seen if reached[u]]
    no = [revenue[u] for u in seen if not reached[u]]
    return sum(yes) / len(yes) - sum(no) / len(no), len(seen), len(first)


EVENTS = horizon_log()


@pytest.mark.parametrize("window", [(8, 35), (8, 97), (8, 127)])
def test_value_over_a_horizon_is_the_plain_lift_of_users_observed_through_it(window):
    value = moment_value(EVENTS.lazy(), event="save_favorite", outcome_window=window)
    lift, observed, users = plain_lift(EVENTS, window)
    assert value.estimate.value == pytest.approx(lift)
    assert (value.estimate.n, value.observed, value.users) == (observed, observed, users)
    assert value.estimate.ci_low < value.estimate.value < value.estimate.ci_high
    assert "bootstrap" in value.estimate.method  # the estimator keeps its name
    assert value.supported_end is None


def test_the_horizon_changes_the_value_and_who_counts():
    short = moment_value(EVENTS.lazy(), event="save_favorite", outcome_window=(8, 35))
    long = moment_value(EVENTS.lazy(), event="save_favorite", outcome_window=(8, 97))
    # days 8–35: reachers 4 more on day 10 (5..7 vs 3) and 3 more on day 20; days 8–97 add
    # day 50 (7 vs 2..6) and day 90 (11 vs 1), never day 150
    assert short.estimate.value == pytest.approx(plain_lift(EVENTS, (8, 35))[0])
    assert long.estimate.value > short.estimate.value + 10
    # observed through day 97: started by day 102 (2 a day); through day 35: by day 164
    assert (long.observed, short.observed) == (206, 330)


def test_a_horizon_too_long_for_the_data_says_how_far_they_reach():
    value = moment_value(EVENTS.lazy(), event="save_favorite", outcome_window=(8, 187))
    assert math.isnan(value.estimate.value)
    assert value.too_few
    assert value.observed == 26  # 13 start days ≤ 12, two users each: 13 a side < 50
    # each side has one user per start day s, last observed day 199 − s: the 50th latest 150
    assert value.supported_end == 150
    nobody = moment_value(EVENTS.lazy(), event="save_favorite", outcome_window=(8, 300))
    assert (nobody.observed, nobody.supported_end) == (0, 150)


def test_supported_end_by_hand():
    sides = observed_sides(EVENTS, event="save_favorite", threshold=1, window_days=7)
    assert sides.height == 400
    assert sides.filter("reached")["last_day"].max() == 199
    assert supported_end(sides, 8, 50) == 150
    assert supported_end(sides, 151, 50) is None
    assert supported_end(sides, 8, 201) is None  # 200 users a side


def plan_over(months: int, horizon: int | None = None) -> scenarios.Plan:
    valuation = Valuation("data", event="save_favorite", horizon_months=horizon)
    return dataclasses.replace(PRESETS["a_vs_b"].plan, months=months, valuation=valuation)


def test_the_plan_values_a_moment_over_its_own_months_by_default():
    assert plan_over(3).value_window == (8, 97)
    assert plan_over(6).value_window == (8, 187)
    assert plan_over(6, horizon=1).value_window == (8, 37)
    assert dataclasses.replace(plan_over(1), valuation=Valuation(window_days=30)).value_window == (
        30,
        59,
    )


def test_scenarios_state_the_horizon_and_who_counts():
    plan = plan_over(3)
    used = values.estimated(
        moment_value(EVENTS.lazy(), event="save_favorite", outcome_window=plan.value_window), plan
    )
    assert used.estimated
    assert "revenue over own days 8–97 (3 months)" in used.source
    assert values.censoring(used) == (
        "Only users observed through own day 97 count (their first event at least 98 days "
        "before the data end): 206 of 400 users; the other 194 started too recently."
    )
    assert used.offer is None


def test_a_plan_longer_than_the_data_falls_back_and_offers_what_they_support():
    plan = plan_over(6)  # own days 8–187
    value = moment_value(EVENTS.lazy(), event="save_favorite", outcome_window=plan.value_window)
    used = values.estimated(value, plan)
    assert not used.estimated
    assert [s.value_per_moment for s in used.priced(plan)] == [0.0, 20.0]  # the typed values
    assert used.offer == 4  # ⌊(150 − 8 + 1) ÷ 30⌋
    assert "Too few users are observed through own day 187 (6 months after" in used.problem
    assert "26 of 400 users" in used.problem
    assert "up to 4 months" in used.problem
    offered = plan_over(6, horizon=used.offer)
    again = moment_value(EVENTS.lazy(), event="save_favorite", outcome_window=offered.value_window)
    assert values.estimated(again, offered).estimated  # the offer can be valued
