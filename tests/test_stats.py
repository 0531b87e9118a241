"""nsm_core.stats against published values and straightforward re-computations."""

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as sps

from nsm_core import stats


@given(st.integers(0, 500), st.integers(1, 500))
def test_wilson_contains_estimate_and_stays_in_unit_interval(s, extra):
    n = s + extra
    low, high = stats.wilson_interval(s, n)
    assert 0 <= low <= s / n <= high <= 1


def test_wilson_matches_scipy_binomtest():
    # scipy's BinomTestResult.proportion_ci(method="wilson") is an independent implementation
    for s, n in [(0, 10), (3, 10), (56, 70), (999, 1000)]:
        ref = sps.binomtest(s, n).proportion_ci(0.95, method="wilson")
        low, high = stats.wilson_interval(s, n)
        assert low == pytest.approx(ref.low, abs=1e-9)
        assert high == pytest.approx(ref.high, abs=1e-9)


def test_wilson_exprs_equal_numpy_version():
    df = pl.DataFrame({"s": [0, 3, 56, 7], "n": [10, 10, 70, 0]})
    low, high = stats.wilson_exprs("s", "n")
    got = df.select(low=low, high=high)
    ref_low, ref_high = stats.wilson_interval(df["s"].to_numpy(), df["n"].to_numpy())
    np.testing.assert_allclose(got["low"].to_numpy()[:3], ref_low[:3])
    np.testing.assert_allclose(got["high"].to_numpy()[:3], ref_high[:3])
    assert got["low"][3] is None


def test_newcombe_published_examples():
    # Newcombe (1998), Statistics in Medicine 17:873-890, table II, method 10
    assert [round(x, 4) for x in stats.newcombe_interval(56, 70, 48, 80)] == [0.0524, 0.3339]
    assert [round(x, 4) for x in stats.newcombe_interval(9, 10, 3, 10)] == [0.1705, 0.8090]


def test_bh_matches_hand_computation():
    p = [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216]
    # hand: q_i = min_{j>=i} p_j * 10 / j
    expected = [0.01, 0.04, 0.084, 0.084, 0.084, 0.1, 0.10571, 0.216, 0.216, 0.216]
    np.testing.assert_allclose(stats.bh_qvalues(p), expected, atol=1e-5)


@given(st.lists(st.floats(0, 1), min_size=1, max_size=30))
def test_bh_qvalues_bounded_and_monotone_in_p(p):
    q = stats.bh_qvalues(p)
    assert np.all((q >= np.array(p) - 1e-12) & (q <= 1))
    order = np.argsort(p, kind="stable")
    assert np.all(np.diff(q[order]) >= -1e-12)


def test_sample_size_matches_textbook_formula():
    # Fleiss, Levin & Paik (2003) eq. 4.14 without continuity correction, computed directly
    p1, p2 = 0.2, 0.25
    za, zb = sps.norm.ppf(0.975), sps.norm.ppf(0.8)
    pbar = (p1 + p2) / 2
    n = (
        za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    ) ** 2 / 0.05**2
    assert stats.two_proportion_sample_size(0.2, 0.05) == math.ceil(n)


def test_mde_inverts_sample_size():
    n = stats.two_proportion_sample_size(0.3, 0.04)
    assert stats.two_proportion_mde(0.3, n) == pytest.approx(0.04, abs=5e-4)


def test_two_mean_sample_size_by_simulation_power():
    rng = np.random.default_rng(1)
    n = stats.two_mean_sample_size(sd=1.0, delta=0.4)
    a = rng.normal(0, 1, (2000, n))
    b = rng.normal(0.4, 1, (2000, n))
    z = (b.mean(1) - a.mean(1)) / np.sqrt(2 / n)
    assert abs((np.abs(z) > 1.96).mean() - 0.8) < 0.04


def test_spearman_interval_covers_and_describes():
    rng = np.random.default_rng(3)
    x = rng.normal(size=300)
    y = x + rng.normal(size=300)
    est = stats.spearman_interval(x, y)
    assert est.ci_low < est.value < est.ci_high
    assert est.n == 300
    assert "Spearman" in est.method


def test_estimate_describe_money():
    est = stats.Estimate(12.5, 3.0, 22.0, 120, "regression adjustment")
    assert est.describe("money", "customers") == (
        "$12.50 (95% CI $3.00 to $22.00; 120 customers; regression adjustment)"
    )
    assert est.excludes_zero
