"""The CRM list view of the Moments page: its counts, controls and order, checked independently.

Counts come from DuckDB SQL written from the definitions (nsm_core/moments/crm.py); the
order from a plain-Python median over the raw rows of an uploaded world with two causes.
"""

import statistics
from datetime import UTC, datetime, timedelta

import duckdb
import numpy as np
import polars as pl
import pytest

from nsm_core import fmt
from nsm_core.samples import SAMPLES
from tests.apptest_helpers import open_page, texts, upload

PAGE = "app_pages/moments.py"
SAVE = "save_favorite in first 7 days"


def _crm_view(at):
    at.segmented_control(key="moments_view").set_value("users").run()
    assert not at.exception
    return at


def _steps(at):
    return at.dataframe[1].value


def _preview(at):
    return at.dataframe[2].value


def meals_counts(event: str, active_days: int) -> dict[str, int]:
    """Return the list's counts for `event` (once, 7-day window) on meals, by DuckDB SQL."""
    con = duckdb.connect()
    con.register("ev", pl.read_parquet(SAMPLES["meals"].events_path).to_arrow())
    return dict(
        zip(
            ("listed", "already", "later", "inactive"),
            con.sql(
                f"""
                WITH u AS (
                    SELECT user_id, min(ts) AS t0, max(ts) AS last_ts,
                           count(*) FILTER (WHERE event = '{event}') AS done
                    FROM ev GROUP BY user_id
                ), w AS (
                    SELECT u.*, (SELECT count(*) FROM ev e WHERE e.user_id = u.user_id
                                 AND e.event = '{event}'
                                 AND e.ts < u.t0 + INTERVAL 7 DAY) AS in_window,
                           (epoch_us((SELECT max(ts) FROM ev)) - epoch_us(last_ts))
                               // 86400000000 AS seen,
                           u.t0 + INTERVAL 7 DAY > (SELECT max(ts) FROM ev) AS inside
                    FROM u
                )
                SELECT count(*) FILTER (WHERE done = 0 AND (inside OR seen < {active_days})),
                       count(*) FILTER (WHERE done > 0),
                       count(*) FILTER (WHERE done > 0 AND in_window = 0),
                       count(*) FILTER (WHERE done = 0 AND NOT inside AND seen >= {active_days})
                FROM w
                """
            ).fetchall()[0],
            strict=True,
        )
    )


@pytest.fixture(scope="module")
def meals():
    return _crm_view(open_page(PAGE, "meals"))


def _sentence(counts: dict[str, int], active_days: int) -> str:
    return (
        f"**{fmt.count(counts['listed'])} users can still act**, 0 inside their 7-day window "
        f"and {fmt.count(counts['listed'])} active in the last {active_days} days. Left out: "
        f"{fmt.count(counts['inactive'])} inactive for {active_days}+ days, "
        f"{fmt.count(counts['already'])} who already did it ({fmt.count(counts['later'])} of "
        "them after their window)."
    )


def test_meals_list_leaves_out_who_cannot_act_and_says_how_many(meals):
    counts = meals_counts("save_favorite", 30)
    shown = texts(meals)
    assert _sentence(counts, 30) in shown
    steps = _steps(meals)
    assert steps["Moment"].tolist() == [SAVE]
    assert steps["Can still act"].iloc[0] == counts["listed"]
    preview = _preview(meals)
    assert len(preview) == min(counts["listed"], 500)
    assert (preview["days_since_last_seen"] < 30).all()
    assert (preview["times_done"] == 0).all()
    assert preview["reason"].str.startswith("past their 7-day window, last seen").all()
    assert f"of {fmt.count(counts['listed'])} rows" in shown


def test_active_days_control_moves_users_between_listed_and_inactive(meals):
    meals.number_input(key="moments_crm_active_days").set_value(90).run()
    assert not meals.exception
    counts = meals_counts("save_favorite", 90)
    assert _sentence(counts, 90) in texts(meals)
    assert _steps(meals)["Inactive 90+ days"].iloc[0] == counts["inactive"]
    assert (_preview(meals)["days_since_last_seen"] < 90).all()


def test_split_by_control_scores_users_by_their_own_segment(meals):
    meals.selectbox(key="moments_users_segment").set_value("device").run()
    assert not meals.exception
    preview = _preview(meals)
    assert "device" in preview.columns
    assert "channel" not in preview.columns
    assert "adjusted lift in their device" in texts(meals)
    # One score per device: the moment's lift in that device (or the overall lift).
    assert preview.groupby("device")["score"].nunique().max() == 1


def test_teams_list_names_each_users_account():
    at = _crm_view(open_page(PAGE, "teams"))
    preview = _preview(at)
    events = pl.read_parquet(SAMPLES["teams"].events_path)
    accounts = dict(events.group_by("user_id").agg(pl.col("account_id").first()).iter_rows())
    assert preview["account_id"].tolist() == [accounts[u] for u in preview["user_id"]]
    assert "Reached before the next step (%)" in _steps(at).columns


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def two_moment_world(n: int = 3000, seed: int = 1) -> pl.DataFrame:
    """Return events where "invite" (hours 1–20) and "connect" (days 2–5) both raise retention.

    invite adds 12 pp and connect 20 pp to P(return on days 8–35); the channel (observed,
    first touch) drives both and retention. Signups over 80 days, so some users are recent.
    """
    rng = np.random.default_rng(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    signup = rng.uniform(0, 80, n)
    seo = rng.random(n) < 0.5
    invite = rng.random(n) < _sigmoid(-0.5 + 0.8 * seo)
    connect = rng.random(n) < _sigmoid(-1 + 0.8 * seo)
    stays = rng.random(n) < 0.15 + 0.15 * seo + 0.12 * invite + 0.2 * connect
    rows = [(i, "signup", signup[i]) for i in range(n)]
    rows += [(i, "invite", signup[i] + rng.uniform(1, 20) / 24) for i in np.flatnonzero(invite)]
    rows += [(i, "connect", signup[i] + rng.uniform(2, 5)) for i in np.flatnonzero(connect)]
    rows += [(i, "return", signup[i] + rng.uniform(8, 35)) for i in np.flatnonzero(stays)]
    return pl.DataFrame(
        {
            "user_id": [f"u{i:04d}" for i, _, _ in rows],
            "event": [e for _, e, _ in rows],
            "ts": [start + timedelta(days=float(d)) for _, _, d in rows],
            "channel": [("seo" if seo[i] else "ads") for i, _, _ in rows],
        }
    ).sort("ts")


def _median_days(events: pl.DataFrame, event: str) -> float:
    """Return the median days from first event to `event` among users who did it in 7 days."""
    first, done = {}, {}
    for user, name, ts in events.select("user_id", "event", "ts").iter_rows():
        first.setdefault(user, ts)
        if name == event and user not in done and ts - first[user] < timedelta(days=7):
            done[user] = (ts - first[user]) / timedelta(days=1)
    return statistics.median(done.values())


@pytest.fixture(scope="module")
def two_moments():
    events = two_moment_world()
    data = events.with_columns(pl.col("ts").dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ")).write_csv()
    at = _crm_view(upload(open_page(PAGE), "two_moments.csv", data.encode()))
    at.number_input(key="moments_crm_active_days").set_value(3650).run()
    assert not at.exception
    return at, events


def test_steps_follow_the_median_day_achievers_reach_them(two_moments):
    at, events = two_moments
    steps = _steps(at)
    medians = {e: _median_days(events, e) for e in ("invite", "connect")}
    assert medians["invite"] < medians["connect"]
    assert steps["Moment"].tolist() == ["invite in first 7 days", "connect in first 7 days"]
    assert steps["Median days to reach it"].tolist() == [
        round(medians["invite"], 1),
        round(medians["connect"], 1),
    ]
    preview = _preview(at)
    both = preview.groupby("user_id").filter(lambda g: len(g) == 2)
    assert len(both) > 0
    first = both[both["step"] == 1]["moment"]
    assert (first == "invite in first 7 days").all()
    assert "step 1 is the next one to nudge" in texts(at)


def test_order_control_puts_the_larger_lift_first(two_moments):
    at, _ = two_moments
    at.segmented_control(key="moments_crm_order").set_value("lift").run()
    assert not at.exception
    preview = _preview(at)
    both = preview.groupby("user_id").filter(lambda g: len(g) == 2)
    assert len(both) > 0
    ordered = both.sort_values(["user_id", "step"])
    firsts, seconds = ordered["score"].to_numpy()[::2], ordered["score"].to_numpy()[1::2]
    assert (firsts >= seconds).all()
    assert (both[both["step"] == 1]["moment"] == "connect in first 7 days").all()
    # The steps table keeps the sequence; the caption says each user's order differs.
    assert _steps(at)["Moment"].tolist()[0] == "invite in first 7 days"
    assert "ordered by their lift instead" in texts(at)
