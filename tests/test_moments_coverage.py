"""Coverage of the adjusted lift's 95% CI over 200 simulated worlds with a known effect (slow).

Run with `pytest -m slow tests/test_moments_coverage.py` or `python -m bench.moments`.
"""

import pytest

from bench.moments import TAU, coverage


@pytest.mark.slow
def test_ci_covers_the_planted_effect_about_95_percent_of_the_time():
    share, mean_lift = coverage(200)
    # 200 Bernoulli(0.95) draws: 2 standard errors ≈ ±3 points.
    assert 0.91 <= share <= 0.99
    assert mean_lift == pytest.approx(TAU, abs=0.01)
