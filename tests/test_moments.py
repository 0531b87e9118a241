"""High-value moments: stage 1 vs DuckDB, the estimator by hand, fits and bootstrap vs brute force.

Every expected number below is computed independently: worked by hand in the comments,
by DuckDB SQL, by scipy's optimiser, or by a plain-Python loop over users.
"""

import math
from datetime import UTC, datetime, timedelta

import duckdb
import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, special

from bench.moments import world
from nsm_core import moments, stats
from nsm_core.moments import estimate
from nsm_core.schema import DataError

T0 = datetime(2025, 3, 3, 9, tzinfo=UTC)


def _row(user: str, event: str, day: float, channel: str, revenue: float = 0.0) -> dict:
    return {
        "user_id": user,
        "event": event,
        "ts": T0 + timedelta(days=day),
        "revenue": revenue,
        "channel": channel,
    }


def stratified_world() -> pl.DataFrame:
    """Return 100 users in two channels; "tip" is the moment, "return" on day 10 = retained.

    channel a: 40 users, 20 tipped (15 retained), 20 did not (10 retained);
    channel b: 60 users, 10 tipped (4 retained), 50 did not (10 retained).
    User b59 also has an event on day 40, so every user is observed through day 35.
    """
    plan = [("a", 20, 15, True), ("a", 20, 10, False), ("b", 10, 4, True), ("b", 50, 10, False)]
    rows, n = [], 0
    for channel, size, kept, tipped in plan:
        for i in range(size):
            user = f"{channel}{n:03d}"
            rows.append(_row(user, "signup", 0, channel))
            if tipped:
                rows.append(_row(user, "tip", 1.5, channel))
            if i < kept:
                rows.append(_row(user, "return", 10, channel))
            n += 1
    rows.append(_row(user, "later", 40, channel))
    return pl.DataFrame(rows)


def test_stratified_estimate_by_hand():
    # Propensity by channel: a 20/40, b 10/60 -> two strata.
    # ATE = (40·(15/20 − 10/20) + 60·(4/10 − 10/50)) / 100 = (10 + 12) / 100 = 0.22.
    # Naive: 19/30 − 20/70 = 0.347619. 2×2: a=19, b=11, c=20, d=50:
    # phi = (19·50 − 11·20) / sqrt(30·70·39·61) = 730 / 2235.1 = 0.32661;
    # odds ratio (+1) = 20·51 / (12·21) = 4.047619.
    # Adjusted control rate = (40·0.5 + 60·0.2)/100 = 0.32 -> RR = 0.54/0.32 = 1.6875,
    # E-value = 1.6875 + sqrt(1.6875·0.6875) = 2.76461.
    table = moments.find_moments(stratified_world(), confounders=("channel",), min_users=5)
    tip = table.filter(pl.col("event") == "tip").row(0, named=True)
    assert tip["users"] == 100
    assert tip["users_reached"] == 30
    assert tip["lift"] == pytest.approx(0.22)
    assert tip["naive_lift"] == pytest.approx(19 / 30 - 20 / 70)
    assert tip["phi"] == pytest.approx(730 / math.sqrt(30 * 70 * 39 * 61))
    assert tip["odds_ratio"] == pytest.approx(20 * 51 / (12 * 21))
    assert tip["e_value"] == pytest.approx(1.6875 + math.sqrt(1.6875 * 0.6875))
    assert tip["overlap"] == 1.0
    assert tip["expected_gain"] == pytest.approx(0.22 * 70)
    assert tip["ci_low"] < 0.22 < tip["ci_high"]


def test_without_confounders_adjusted_equals_naive():
    table = moments.find_moments(stratified_world(), confounders=(), min_users=5)
    tip = table.filter(pl.col("event") == "tip").row(0, named=True)
    assert tip["lift"] == pytest.approx(tip["naive_lift"])


def test_naive_interval_is_newcombe():
    table = moments.find_moments(stratified_world(), confounders=(), min_users=5)
    tip = table.filter(pl.col("event") == "tip").row(0, named=True)
    low, high = stats.newcombe_interval(19, 30, 20, 70)
    assert (tip["naive_ci_low"], tip["naive_ci_high"]) == pytest.approx((low, high))


def test_fit_logistic_matches_scipy():
    rng = np.random.default_rng(3)
    x = np.column_stack([np.ones(400), rng.normal(size=(400, 3))])
    y = (rng.random(400) < special.expit(x @ np.array([-0.5, 1.0, -2.0, 0.3]))).astype(float)

    def loss(beta):  # the same penalised likelihood, written out again
        eta = x @ beta
        return -(y @ eta - np.logaddexp(0, eta).sum()) + 0.5 * (beta[1:] ** 2).sum()

    expected = optimize.minimize(loss, np.zeros(4), method="BFGS", options={"gtol": 1e-9}).x
    np.testing.assert_allclose(estimate.fit_logistic(x, y, np.ones(400)), expected, atol=1e-4)


def test_cell_bootstrap_matches_user_level_poisson_bootstrap():
    # Brute force: weight every user by Poisson(1), recompute the stratified difference.
    rng = np.random.default_rng(5)
    n = 3000
    stratum = rng.integers(0, estimate.STRATA, n)
    treated = rng.random(n) < 0.2 + 0.05 * stratum
    y = (rng.random(n) < 0.3 + 0.02 * stratum + 0.1 * treated).astype(float)
    cells = estimate.cell_sums(stratum, treated, y)[None]
    fast = estimate.bootstrap_lifts(cells, True, 2000, seed=1)[:, 0]
    brute = []
    for _ in range(400):
        w = rng.poisson(1.0, n)
        n_b = np.zeros((estimate.STRATA, 2))
        s_b = np.zeros((estimate.STRATA, 2))
        np.add.at(n_b, (stratum, treated.astype(int)), w)
        np.add.at(s_b, (stratum, treated.astype(int)), w * y)
        keep = (n_b > 0).all(-1)
        brute.append(estimate.stratified_difference(n_b, s_b, keep)[0])
    assert np.std(fast) == pytest.approx(np.std(brute), rel=0.12)
    assert np.mean(fast) == pytest.approx(np.mean(brute), abs=0.003)


def _duckdb_window(events: pl.DataFrame) -> pl.DataFrame:
    con = duckdb.connect()
    con.register("ev", events.to_arrow())
    sql = """
        WITH t AS (
            SELECT user_id, event, epoch_us(ts) AS t,
                   min(epoch_us(ts)) OVER (PARTITION BY user_id) AS t0,
                   max(epoch_us(ts)) OVER () AS t_end
            FROM ev
        ), k AS (SELECT *, (t - t0) // 86400000000 AS day FROM t)
        SELECT user_id,
               count(*) FILTER (WHERE day < 7) AS n_events,
               count(DISTINCT day) FILTER (WHERE day < 7) AS active_days,
               CAST(bool_or(day BETWEEN 8 AND 35) AS DOUBLE) AS y,
               any_value(t0) + 36 * 86400000000 <= any_value(t_end) AS eligible,
               count(*) FILTER (WHERE day < 7 AND event = 'browse') AS browse
        FROM k GROUP BY user_id ORDER BY user_id
    """
    return pl.from_arrow(con.sql(sql).to_arrow_table())


def test_stage_one_matches_duckdb():
    events = world(11, n_users=600)
    table = moments.user_table(events, moments.MomentSpec())
    ours = table.users.select("user_id", "n_events", "active_days", "y", "eligible").with_columns(
        browse=pl.Series(table.counts[:, table.events.index("browse")], dtype=pl.Int64)
    )
    expected = _duckdb_window(events).with_columns(pl.col("n_events", "active_days", "browse"))
    assert ours.to_dicts() == expected.cast(ours.schema).to_dicts()


def test_only_days_count_days_with_a_single_event_type():
    # u: day 0 signup + share (2 types), day 1 share only, day 2 share + open -> share alone 1 day.
    rows = [
        _row("u", "signup", 0, "x"),
        _row("u", "share", 0.1, "x"),
        _row("u", "share", 1, "x"),
        _row("u", "share", 2, "x"),
        _row("u", "open", 2.1, "x"),
        _row("u", "open", 40, "x"),
    ]
    table = moments.user_table(pl.DataFrame(rows), moments.MomentSpec())
    assert table.users.select("active_days", "n_events").row(0) == (3, 5)
    assert table.only_days[0, table.events.index("share")] == 1
    assert table.counts[0, table.events.index("share")] == 3


def test_excluded_users_are_counted():
    events = world(2, n_users=400).with_columns(
        pl.when(pl.col("user_id") == "7").then(T0 + timedelta(days=400)).otherwise("ts").alias("ts")
    )
    result = moments.analyse(events, moments.MomentSpec(min_users=10))
    assert result.users + result.excluded == events["user_id"].n_unique()
    assert result.excluded >= 1


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (moments.MomentSpec(outcome_window=(5, 35)), "must start on or after day 7"),
        (moments.MomentSpec(thresholds=()), "Thresholds"),
        (moments.MomentSpec(outcome="orders"), "Unknown outcome 'orders'"),
        (moments.MomentSpec(confounders=("planet",)), "Unknown confounder planet"),
    ],
)
def test_bad_specs_are_explained(spec, message):
    with pytest.raises(DataError, match=message):
        moments.user_table(world(1, n_users=50), spec)


def test_revenue_outcome_needs_revenue_and_observed_users():
    with pytest.raises(DataError, match="revenue column"):
        moments.user_table(world(1, n_users=50), moments.MomentSpec(outcome="revenue"))
    short = pl.DataFrame([_row(u, "signup", 0.1 * i, "x") for i, u in enumerate("abc")])
    with pytest.raises(DataError, match="No user is observed through day 35"):
        moments.user_table(short, moments.MomentSpec())


def test_event_everyone_does_is_not_enough_data():
    table = moments.find_moments(world(4, n_users=500), min_users=20)
    signup = table.filter(pl.col("event") == "signup")
    assert set(signup["verdict"]) == {moments.NOT_ENOUGH}
    assert signup["lift"].is_null().all()


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), shift=st.integers(0, 999))
def test_result_ignores_row_order_and_user_names(seed, shift):
    events = world(seed, n_users=300)
    renamed = events.with_columns(
        user_id=pl.lit("z") + (pl.col("user_id").cast(pl.Int64) + shift).cast(pl.String)
    ).sample(fraction=1.0, shuffle=True, seed=seed)
    spec = moments.MomentSpec(min_users=10, bootstrap=200)
    cols = ["moment", "users_reached", "phi", "naive_lift", "lift", "ci_low", "p_value"]
    first = moments.analyse(events, spec).table.select(cols).sort("moment")
    second = moments.analyse(renamed, spec).table.select(cols).sort("moment")
    assert first["moment"].to_list() == second["moment"].to_list()
    for name in cols[1:]:
        np.testing.assert_allclose(
            first[name].to_numpy().astype(float), second[name].to_numpy().astype(float), 1e-9
        )


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_scores_stay_in_range(seed):
    table = moments.find_moments(world(seed, n_users=300), min_users=10)
    assert table["reach"].is_between(0, 1).all()
    judged = table.filter(pl.col("p_value").is_not_null())
    assert (judged["q_value"] >= judged["p_value"] - 1e-12).all()
    assert (judged["ci_low"] <= judged["ci_high"]).all()
    assert table["phi"].drop_nulls().is_between(-1, 1).all()
    assert table["rank"].to_list() == list(range(1, table.height + 1))


def test_planted_effect_found_in_a_small_world():
    # Browsing raises retention too in this world (0.05 per browse, up to 6), so both are
    # drivers; "noise" does nothing.
    table = moments.find_moments(world(0, n_users=4000), min_users=30)
    cause = table.filter(pl.col("event") == "cause").row(0, named=True)
    assert cause["verdict"] == moments.DRIVER
    assert cause["ci_low"] <= 0.10 <= cause["ci_high"]
    assert set(table.head(3)["event"]) <= {"cause", "browse"}
    noise = table.filter(pl.col("event") == "noise").row(0, named=True)
    assert noise["q_value"] > 0.05


def _small() -> tuple[moments.UserTable, moments.MomentsResult]:
    spec = moments.MomentSpec(min_users=30, segments=("channel",), thresholds=(1, 2, 3))
    table = moments.user_table(world(8, n_users=3000), spec)
    return table, moments.discover(table)


def test_tracking_matches_plain_python():
    table, _ = _small()
    tracked = moments.tracking(table, [("cause", 1)])
    j = table.events.index("cause")
    cohorts: dict = {}
    for i, user in enumerate(table.users.rows(named=True)):
        if user["window_done"]:
            n, hit = cohorts.get(user["cohort"], (0, 0))
            cohorts[user["cohort"]] = (n + 1, hit + int(table.counts[i, j] >= 1))
    got = {r["cohort"]: (r["users"], r["reached"]) for r in tracked.completion.rows(named=True)}
    assert got == cohorts
    first = tracked.completion.row(0, named=True)
    users, reached = cohorts[first["cohort"]]
    low, high = stats.wilson_interval(reached, users)
    assert (first["ci_low"], first["ci_high"]) == pytest.approx((float(low), float(high)))
    groups = set(tracked.outcomes["group"])
    assert groups == {moments.REACHED, moments.NOT_REACHED}


def test_experiment_size_follows_the_nudge_arithmetic():
    table, result = _small()
    plans = moments.experiments(table, result)
    top = moments.top_moments(result.table).row(0, named=True)
    plan = plans.row(0, named=True)
    effect = top["lift"] * (1 - top["reach"]) * 0.25
    assert plan["effect"] == pytest.approx(effect)
    assert plan["users_per_arm"] == stats.two_proportion_sample_size(result.outcome_mean, effect)
    assert "nudge one half toward" in plan["experiment"]


def test_value_of_moment_recovers_planted_revenue():
    # Retained users pay 20 on their return day, so the moment is worth 0.10 × 20 = 2.0.
    events = world(3, n_users=6000).with_columns(
        revenue=pl.when(pl.col("event") == "return").then(20.0).otherwise(0.0)
    )
    value = moments.value_of_moment(events, event="cause")
    assert value.ci_low <= 2.0 <= value.ci_high
    assert value.n == 6000
    assert "bootstrap" in value.method
    with pytest.raises(DataError, match="No user did 'nope'"):
        moments.value_of_moment(events, event="nope")
