"""The moment verdicts over 200 simulated worlds against the issue's targets (slow), and the
study's arithmetic on a hand-worked table (fast).

Run with `pytest -m slow tests/test_moments_calibration.py -rxX -s` (one to two minutes on
2 cores) or `python -m bench.calibration`. The targets live in bench.calibration.TARGETS.
Today's estimator misses them (proxies of the hidden trait and followers are called causal):
those tests are marked CALIBRATING and report XFAIL; once the estimator meets them they
report XPASS, and the mark should go.

The same scan given the hidden trait (the oracle) must be calibrated today: it checks the
worlds' truth and the harness, and that the interval covers the truth when every confounder
is observed (what tests/test_moments_coverage.py checked on one kind of world).
"""

import polars as pl
import pytest

from bench.calibration import TARGETS, Calibration, calibration, summarise
from nsm_core import moments

# The oracle's bounds: those of the coverage test it replaces, and ±1 pp of bias.
ORACLE_COVERAGE = (0.91, 0.99)
ORACLE_BIAS_PP = 1.0

CALIBRATING = pytest.mark.xfail(
    strict=False,
    reason="issue 11: the estimator calls proxies of a hidden trait and followers causal",
)


def report(name: str, found: Calibration) -> None:
    """Print the study's numbers (seen with -s)."""
    print(
        f"\n{name}, {found.worlds} worlds: zero-effect called causal or harmful "
        f"{found.false_positive:.1%} of {found.n_zero} candidates "
        f"({found.false_positive_events:.1%} of events at any threshold); coverage "
        f"{found.coverage:.1%} of {found.n_covered}, causes {found.coverage_causes:.1%} of "
        f"{found.n_causes}; power at +5 pp {found.power_5pp:.1%} of {found.n_5pp}; bias "
        f"{found.bias_pp:+.2f} pp; a cause first in {found.first:.1%} of {found.n_first}"
    )


@pytest.fixture(scope="module")
def result() -> Calibration:
    found = calibration()
    report("default scan", found)
    return found


@pytest.fixture(scope="module")
def oracle() -> Calibration:
    found = calibration(oracle=True)
    report("hidden trait given (followers left out)", found)
    return found


@pytest.mark.slow
def test_the_study_has_enough_of_every_kind(result):
    assert result.worlds == 200
    assert result.n_zero >= 2_000
    assert result.n_causes >= 200
    assert result.n_5pp >= 40  # power at +5 pp rests on enough causes of that size
    assert 0.0 <= result.power_5pp <= 1.0


@pytest.mark.slow
@CALIBRATING
def test_zero_effect_events_are_rarely_called_causal_or_harmful(result):
    assert result.false_positive <= TARGETS.false_positive


@pytest.mark.slow
@CALIBRATING
def test_the_interval_covers_the_true_effect(result):
    low, high = TARGETS.coverage
    assert low <= result.coverage <= high


@pytest.mark.slow
@CALIBRATING
def test_the_interval_covers_the_true_effect_of_causes(result):
    low, high = TARGETS.coverage
    assert low <= result.coverage_causes <= high


@pytest.mark.slow
def test_given_the_hidden_trait_zero_effect_events_are_rarely_called(oracle):
    assert oracle.false_positive <= TARGETS.false_positive


@pytest.mark.slow
def test_given_the_hidden_trait_the_interval_covers_the_truth(oracle):
    low, high = ORACLE_COVERAGE
    assert low <= oracle.coverage <= high
    assert low <= oracle.coverage_causes <= high


@pytest.mark.slow
def test_given_the_hidden_trait_causes_are_estimated_without_bias(oracle):
    causes = oracle.by_role.filter(role="cause")
    assert causes["judged"].item() >= 200
    assert abs(causes["bias_pp"].item()) <= ORACLE_BIAS_PP


def test_the_summary_counts_as_by_hand():
    d, h, n, x, p = (
        moments.DRIVER,
        moments.HARMFUL,
        moments.NO_EFFECT,
        moments.NOT_ENOUGH,
        moments.PROXY,
    )
    rows = pl.DataFrame(
        [
            (0, 1, "cause_0", 1, d, 0.05, 0.01, 0.09, "cause", 4.5),
            (0, 2, "trait_0", 1, d, 0.04, 0.01, 0.07, "trait_proxy", 0.0),
            (0, 3, "trait_0", 2, n, 0.01, -0.02, 0.04, "trait_proxy", 0.0),
            (0, 4, "placebo_0", 1, x, None, None, None, "placebo", 0.0),
            (0, 5, "cause_0", 2, p, 0.02, -0.01, 0.05, "cause", None),
            (1, 1, "placebo_0", 1, h, -0.03, -0.05, -0.01, "placebo", 0.0),
            (1, 2, "cause_0", 1, x, None, None, None, "cause", 5.0),
        ],
        schema=["world", "rank", "event", "threshold", "verdict", "lift", "ci_low", "ci_high",
                "role", "ate_pp"],
        orient="row",
    ).with_columns(naive_lift=pl.col("lift"))  # fmt: skip
    found = summarise(rows)
    # Judged zero-effect: trait_0 ≥1 (driver), trait_0 ≥2, placebo in world 1 (harmful).
    assert (found.n_zero, found.false_positive) == (3, pytest.approx(2 / 3))
    assert found.false_positive_events == 1.0  # (0, trait_0) and (1, placebo_0), both called
    # With an interval: cause ✓, trait_0 ≥1 ✗, trait_0 ≥2 ✓, placebo ✗.
    assert (found.n_covered, found.coverage) == (4, 0.5)
    assert (found.n_causes, found.coverage_causes) == (1, 1.0)
    assert (found.n_5pp, found.power_5pp) == (2, 0.5)  # not enough data counts as not found
    assert found.bias_pp == pytest.approx((0.5 + 4 + 1 - 3) / 4)
    assert (found.n_first, found.first) == (2, 0.5)
