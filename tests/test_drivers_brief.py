"""Experiment brief: baselines checked by plain Python on the events, sizes, Markdown."""

import math
import statistics
from datetime import timedelta

import polars as pl
import pytest
from test_drivers_tree import EVENTS

from nsm_core.drivers.baseline import driver_baseline
from nsm_core.drivers.brief import OBSERVATIONAL, ZERO_SHARE, BriefSpec, experiment_brief
from nsm_core.drivers.templates import TreeSpec
from nsm_core.drivers.tree import compute
from nsm_core.stats import two_mean_sample_size, two_proportion_sample_size

VOLUME = TreeSpec("volume", key_event="order_placed")
VALUES = compute(EVENTS, VOLUME)
WEEK = VALUES.values.get_column("period_start")[4]


def rows_in_week(week_start):
    ts = EVENTS.with_columns(day=pl.col("ts").dt.date())
    return ts.filter(pl.col("day").is_between(week_start, week_start + timedelta(days=6)))


def test_orders_per_orderer_baseline_by_hand():
    week = rows_in_week(WEEK)
    counts = {}
    for user, event in week.select("user_id", "event").iter_rows():
        if event == "order_placed":
            counts[user] = counts.get(user, 0) + 1
    base = driver_baseline(EVENTS, VALUES, VOLUME, "per_doer", WEEK)
    assert base.kind == "mean"
    assert base.units == len(counts)
    assert base.value == pytest.approx(statistics.mean(counts.values()))
    assert base.sd == pytest.approx(statistics.stdev(counts.values()))
    brief = experiment_brief(VALUES, base, BriefSpec("per_doer", lift=0.1), WEEK)
    assert brief.n_per_arm == two_mean_sample_size(base.sd, base.value * 0.1)
    assert brief.periods_needed == math.ceil(2 * brief.n_per_arm / base.units)


def test_share_and_retention_baselines_by_hand():
    week = rows_in_week(WEEK)
    active = set(week.get_column("user_id"))
    doers = set(week.filter(pl.col("event") == "order_placed").get_column("user_id"))
    share = driver_baseline(EVENTS, VALUES, VOLUME, "doer_share", WEEK)
    assert (share.kind, share.units) == ("proportion", len(active))
    assert share.value == pytest.approx(len(doers) / len(active))
    brief = experiment_brief(VALUES, share, BriefSpec("doer_share", lift=0.1), WEEK)
    assert brief.n_per_arm == two_proportion_sample_size(share.value, share.value * 0.1)

    last_week = set(rows_in_week(WEEK - timedelta(days=7)).get_column("user_id"))
    retained = driver_baseline(EVENTS, VALUES, VOLUME, "retained", WEEK)
    assert retained.units == len(last_week)
    assert retained.value == pytest.approx(len(active & last_week) / len(last_week))


def test_average_order_value_is_per_order():
    spec = TreeSpec("revenue", key_event="order_placed")
    values = compute(EVENTS, spec)
    paid = rows_in_week(WEEK).filter((pl.col("event") == "order_placed") & (pl.col("revenue") > 0))
    base = driver_baseline(EVENTS, values, spec, "aov", WEEK)
    assert base.units == paid.height
    assert base.value == pytest.approx(paid.get_column("revenue").mean())
    brief = experiment_brief(values, base, BriefSpec("aov", "Bundles raise basket size"), WEEK)
    text = brief.markdown()
    for part in ("# Experiment brief", "Bundles raise basket size", "Impact path", "Guardrails"):
        assert part in text
    # Net revenue moves more than gross when refunds are negative: 5% of gross / net.
    (_, aov), (_, gross), (_, net) = brief.path
    assert aov == pytest.approx(0.05)
    assert gross == pytest.approx(0.05)
    row = values.values.filter(pl.col("period_start") == WEEK).row(0, named=True)
    assert net == pytest.approx(0.05 * row["gross"] / row["net"])
    assert "Refunds (negative)" in brief.guardrails


def test_zero_share_and_observational_warning():
    base = driver_baseline(EVENTS, VALUES, VOLUME, "new", WEEK)
    brief = experiment_brief(VALUES, base, BriefSpec("new"), WEEK)
    assert brief.warnings[0] == OBSERVATIONAL
    if base.value == 0:
        assert ZERO_SHARE in brief.warnings
        assert brief.n_per_arm is None
