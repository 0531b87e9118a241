"""The calibration worlds: the planted truth checked by hand and by DuckDB on the events,
effects of nothing exactly 0, reproducible from the seed, fast to build."""

import math
import time

import duckdb
import polars as pl
import pytest

from nsm_core.synth.worlds import START, Design, Planted, build, draw_design, world

PURE_LOGIT = 0.5
# σ(0.5) − σ(0) in pp: every user has the same p0 = 0.5, p1 = 0.6224593.
PURE_PP = 100 * (1 / (1 + math.exp(-PURE_LOGIT)) - 0.5)


def pure_cause(users: int = 20_000) -> Design:
    """Return a world with one randomised cause (no trait, no channel effect) and a placebo."""
    planted = (
        Planted(START, "start", 1.0),
        Planted("cause_0", "cause", rate=0.7, logit=PURE_LOGIT),
        Planted("after_cause_0", "follower", rate=0.5, leader="cause_0"),
        Planted("placebo_0", "placebo", rate=1.0),
    )
    return Design(11, users, 0.0, 0.0, (0.0, 0.0, 0.0), planted)


@pytest.fixture(scope="module")
def pure():
    return build(pure_cause())


def flags(events: pl.DataFrame, event: str) -> duckdb.DuckDBPyRelation:
    """Return per user (did `event` in own days 0..6, retained = any event on days 8..35)."""
    db = duckdb.connect()
    db.register("ev", events)
    return db.sql(
        f"""
        with t as (
            select user_id, event,
                   (epoch_us(ts) - min(epoch_us(ts)) over (partition by user_id))
                       // 86400000000 as day
            from ev
        )
        select user_id,
               max(case when event = '{event}' and day < 7 then 1 else 0 end) as did,
               max(case when day between 8 and 35 then 1 else 0 end) as retained
        from t group by user_id
        """
    ).pl()


def test_pure_cause_truth_is_the_planted_logit_effect_in_pp(pure):
    row = pure.truth.filter(event="cause_0", threshold=1).row(0, named=True)
    assert row["expected_pp"] == pytest.approx(PURE_PP, abs=1e-9)  # 12.246 pp by hand
    # ate_pp counts users whose coin falls in [p0, p1): binomial, sd ≈ 0.23 pp at 20k users.
    assert row["ate_pp"] == pytest.approx(PURE_PP, abs=1.0)
    # With the cause randomised, the observed difference (DuckDB on the events) estimates it.
    per_user = flags(pure.events, "cause_0")
    rates = per_user.group_by("did").agg(pl.col("retained").mean()).sort("did")["retained"]
    naive = 100 * (rates[1] - rates[0])
    assert naive == pytest.approx(row["naive_pp"], abs=1e-9)
    assert naive == pytest.approx(PURE_PP, abs=2.0)


def test_events_encode_the_hidden_outcome(pure):
    per_user = flags(pure.events, "cause_0").rename({"retained": "seen"})
    joined = pure.hidden.join(per_user, on="user_id")
    assert joined.height == pure.hidden.height
    assert (joined["seen"] == joined["retained"].cast(pl.Int32)).all()
    assert pure.hidden["eligible"].all()


def test_zero_effect_events_have_truth_zero_and_change_no_outcome(pure):
    truth = pure.truth.filter(pl.col("role").is_in(["follower", "placebo", "start"]))
    assert truth["ate_pp"].to_list() == [0.0] * truth.height
    for event in ("after_cause_0", "placebo_0"):
        without = build(pure_cause().without(event))
        assert without.hidden["retained"].equals(pure.hidden["retained"])
    # The check can see an effect: removing the cause changes who is retained.
    without_cause = build(pure_cause().without("cause_0"))
    assert not without_cause.hidden["retained"].equals(pure.hidden["retained"])


def test_a_follower_only_follows_its_leader(pure):
    first = (
        pure.events.filter(pl.col("event").is_in(["cause_0", "after_cause_0"]))
        .group_by("user_id", "event")
        .agg(pl.col("ts").min())
        .pivot("event", index="user_id", values="ts")
    )
    assert first["after_cause_0"].null_count() < first.height  # it happens
    followers = first.filter(pl.col("after_cause_0").is_not_null())
    assert (followers["cause_0"] < followers["after_cause_0"]).all()


def test_other_thresholds_of_a_cause_have_no_truth(pure):
    cause = pure.truth.filter(event="cause_0").sort("threshold")
    assert cause["ate_pp"].is_null().to_list() == [False, True, True, True, True]


def test_worlds_vary_and_hold_every_role():
    designs = [draw_design(seed) for seed in range(40)]
    roles = {p.role for d in designs for p in d.planted}
    assert roles == {
        "cause", "harmful", "trait_proxy", "channel_proxy", "follower", "placebo", "start"
    }  # fmt: skip
    assert len({round(d.base, 6) for d in designs}) == 40
    sizes = [w.truth.filter(role="cause", threshold=1)["ate_pp"] for w in map(world, range(10))]
    effects = pl.concat(sizes).drop_nulls()
    assert effects.min() < 5 < effects.max()


def test_a_world_is_reproducible_from_its_seed():
    a, b, c = world(5, users=1_000), world(5, users=1_000), world(6, users=1_000)
    assert a.events.equals(b.events)
    assert a.truth.equals(b.truth)
    assert not a.events.equals(c.events)


def test_a_small_world_builds_well_under_a_second():
    world(0, users=3_000)
    start = time.perf_counter()
    world(1, users=3_000)
    assert time.perf_counter() - start < 0.5
