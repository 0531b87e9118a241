"""The moment verdicts over 200 simulated worlds against the issue's targets (slow).

Run with `pytest -m slow tests/test_moments_calibration.py -rxX -s` (about a minute or two on
2 cores) or `python -m bench.calibration`. The targets live in bench.calibration.TARGETS.
Today's estimator misses them (proxies of the hidden trait and followers are called causal):
those tests are marked CALIBRATING and report XFAIL; once the estimator meets them they
report XPASS, and the mark should go.
"""

import pytest

from bench.calibration import TARGETS, Calibration, calibration

CALIBRATING = pytest.mark.xfail(
    strict=False, reason="issue 11: today's estimator adjusts for what follows the moment"
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def result() -> Calibration:
    found = calibration()
    print(
        f"\n{found.worlds} worlds: zero-effect called causal or harmful "
        f"{found.false_positive:.1%} of {found.n_zero} candidates "
        f"({found.false_positive_events:.1%} of events at any threshold); coverage "
        f"{found.coverage:.1%} of {found.n_covered}, causes {found.coverage_causes:.1%} of "
        f"{found.n_causes}; power at +5 pp {found.power_5pp:.1%} of {found.n_5pp}; bias "
        f"{found.bias_pp:+.2f} pp; a cause first in {found.first:.1%} of {found.n_first}"
    )
    return found


def test_the_study_has_enough_of_every_kind(result):
    assert result.worlds == 200
    assert result.n_zero >= 2_000
    assert result.n_causes >= 200
    assert result.n_5pp >= 40  # power at +5 pp rests on enough causes of that size
    assert 0.0 <= result.power_5pp <= 1.0


@CALIBRATING
def test_zero_effect_events_are_rarely_called_causal_or_harmful(result):
    assert result.false_positive <= TARGETS.false_positive


@CALIBRATING
def test_the_interval_covers_the_true_effect(result):
    low, high = TARGETS.coverage
    assert low <= result.coverage <= high


@CALIBRATING
def test_the_interval_covers_the_true_effect_of_causes(result):
    low, high = TARGETS.coverage
    assert low <= result.coverage_causes <= high
