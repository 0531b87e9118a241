"""High-value moments on the sample products: the planted truths (sample_data/README.md).

The generators simulate both potential outcomes of every user and write the truths;
nothing here is derived from the analysis' own output.
"""

import polars as pl
import pytest

from nsm_core import moments
from nsm_core.samples import SAMPLES
from nsm_core.synth import TRUTHS

# README: adjusting for channel, device / company size and early activity "removes most of
# the bias. Expect a residual of about 1-3 pp in favour of the moment", because the hidden
# engagement trait is seen only through its traces.
RESIDUAL = 0.03


@pytest.fixture(scope="module", params=["meals", "teams"])
def sample(request):
    name = request.param
    truths = TRUTHS[name]
    thresholds = tuple(sorted({1, 2, 3, 5, 10, truths.proxy.min_count}))
    events = pl.read_parquet(SAMPLES[name].events_path)
    return truths, moments.analyse(events, moments.MomentSpec(thresholds=thresholds))


def _row(result: moments.MomentsResult, behaviour) -> dict:
    is_it = (pl.col("event") == behaviour.event) & (pl.col("threshold") == behaviour.min_count)
    return result.table.filter(is_it).row(0, named=True)


def test_population_matches_the_truth(sample):
    truths, result = sample
    assert result.users == truths.outcome.eligible
    assert result.outcome_mean == pytest.approx(truths.outcome.retention, abs=5e-5)


def test_correlation_scores_match_the_generator(sample):
    truths, result = sample
    for behaviour in (truths.moment, truths.proxy, truths.neutral):
        row = _row(result, behaviour)
        assert row["reach"] == pytest.approx(behaviour.reach, abs=5e-5)
        assert row["phi"] == pytest.approx(behaviour.phi, abs=5e-5)
        assert row["naive_lift"] * 100 == pytest.approx(behaviour.naive_lift_pp, abs=5e-3)


def test_planted_cause_ranks_first_and_its_ci_covers_the_effect(sample):
    truths, result = sample
    best = result.table.row(0, named=True)
    assert (best["event"], best["threshold"]) == (truths.moment.event, truths.moment.min_count)
    assert best["verdict"] == moments.DRIVER
    ate = truths.moment.ate_pp / 100
    assert best["ci_low"] - RESIDUAL <= ate <= best["ci_high"]
    assert best["lift"] < best["naive_lift"]


def test_planted_proxy_collapses_after_adjustment(sample):
    truths, result = sample
    row = _row(result, truths.proxy)
    assert row["naive_lift"] > 0.15
    assert row["naive_ci_low"] > 0
    assert row["ci_low"] <= 0 <= row["ci_high"]
    assert row["verdict"] == moments.PROXY


def test_neutral_event_is_not_significant(sample):
    truths, result = sample
    row = _row(result, truths.neutral)
    assert row["q_value"] > 0.05
    assert row["verdict"] == moments.NO_EFFECT


def test_value_of_the_meals_moment_covers_its_revenue_effect():
    events = pl.read_parquet(SAMPLES["meals"].events_path)
    value = moments.value_of_moment(events, event="save_favorite")
    assert value.ci_low <= TRUTHS["meals"].moment.revenue_ate <= value.ci_high
    assert value.n == TRUTHS["meals"].outcome.eligible
