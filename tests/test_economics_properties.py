"""Properties of the unit-economics numbers, and the model LTV against a simulation."""

from datetime import date

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nsm_core.economics import EconomicsSpec, RFMSpec, rfm_summary, unit_economics
from nsm_core.economics.clv import BGNBD, GammaGamma
from nsm_core.economics.probabilistic import _new_customer_value
from nsm_core.economics.rfm import DAYS_PER_MONTH

SPEND = pl.DataFrame(
    {
        "month": [date(2024, m, 1) for m in range(1, 13)],
        "channel": ["(all)"] * 12,
        "ad_spend": [900.0] * 12,
    }
)


def payments(seed: int, n_customers: int = 250) -> pl.DataFrame:
    """Customers with a personal order rate and lifetime: repeat buyers, churn, refunds."""
    rng = np.random.default_rng(seed)
    start = rng.integers(0, 300, n_customers)
    life = rng.exponential(120, n_customers)
    rate = rng.gamma(1.5, 1 / 20, n_customers)
    n = rng.poisson(rate * life) + 1
    who = np.repeat(np.arange(n_customers), n)
    offset = np.where(
        np.arange(who.size) == np.searchsorted(who, who), 0, rng.uniform(0, 1, who.size)
    )
    day = np.minimum(start[who] + offset * life[who], 364).astype(int)
    revenue = np.round(rng.gamma(3.0, 12.0, who.size), 2)
    refund = rng.random(who.size) < 0.05
    return pl.DataFrame(
        {
            "user_id": who.astype(str),
            "event": np.where(refund, "refund", "order"),
            "ts": pl.Series(
                np.datetime64("2024-01-01", "us") + day.astype("timedelta64[D]")
            ).dt.replace_time_zone("UTC"),
            "revenue": np.where(refund, -revenue / 2, revenue),
        }
    )


EVENTS = payments(seed=3)
BASE = EconomicsSpec(gross_margin=1.0, n_boot=30, horizon_months=12)


@pytest.fixture(scope="module")
def base():
    return unit_economics(EVENTS.lazy(), SPEND, BASE)


@settings(max_examples=6, deadline=None)
@given(margin=st.floats(0.05, 0.95))
def test_every_ltv_is_linear_in_margin(base, margin):
    spec = EconomicsSpec(gross_margin=margin, n_boot=30, horizon_months=12)
    scaled = unit_economics(EVENTS.lazy(), SPEND, spec)
    for method in ("simple", "cohort", "model"):
        assert scaled.ltv(method).value == pytest.approx(margin * base.ltv(method).value, rel=1e-6)


@settings(max_examples=6, deadline=None)
@given(factor=st.floats(1.01, 5.0))
def test_payback_falls_as_arpu_rises(base, factor):
    richer = EVENTS.with_columns(pl.col("revenue") * factor)
    out = unit_economics(richer.lazy(), SPEND, BASE)
    assert out.arpa == pytest.approx(base.arpa * factor)
    assert out.payback().churn_free < base.payback().churn_free
    assert out.payback().churn_free == pytest.approx(base.payback().churn_free / factor)


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_rates_stay_in_bounds_and_movements_add_up(seed):
    out = unit_economics(
        payments(seed, 120).lazy(), None, EconomicsSpec(n_boot=20, min_customers=5)
    )
    r = out.retention
    assert 0 <= r.crr <= 1
    assert 0 <= r.grr <= 1
    assert r.nrr >= r.grr
    assert r.logo_churn == pytest.approx(1 - r.crr)
    assert 0 <= out.recurring.share <= 1
    assert 0 <= out.expansion_share <= 1
    m = out.movements
    identity = (
        m["mrr_start"]
        + m["new"]
        + m["reactivation"]
        + m["expansion"]
        - m["contraction"]
        - m["churn"]
    )
    assert np.allclose(identity.to_numpy(), m["mrr_end"].to_numpy())
    cohort = out.ltv("cohort")
    if cohort.ci_low is not None:
        assert cohort.ci_low <= cohort.value <= cohort.ci_high


def test_result_does_not_depend_on_row_order(base):
    shuffled = unit_economics(EVENTS.sample(fraction=1.0, shuffle=True, seed=1).lazy(), SPEND, BASE)
    for method in ("simple", "cohort", "model"):
        assert shuffled.ltv(method).value == pytest.approx(base.ltv(method).value)
        assert shuffled.ltv(method).ci_low == pytest.approx(base.ltv(method).ci_low)
    assert shuffled.retention == base.retention


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), end=st.dates(date(2024, 3, 1), date(2025, 1, 31)))
def test_rfm_recency_between_zero_and_t(seed, end):
    rfm = rfm_summary(payments(seed, 40).lazy(), RFMSpec(calibration_end=end)).collect()
    assert (rfm["recency"] >= 0).all()
    assert (rfm["recency"] <= rfm["T"]).all()
    assert ((rfm["frequency"] == 0) == (rfm["recency"] == 0)).all()


def test_new_customer_model_value_matches_a_simulation():
    # Independent check of the model-LTV formula: simulate the BG/NBD and Gamma-Gamma story
    # month by month for new customers and average their discounted spend.
    bg = BGNBD(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=0.0, n_customers=0)
    gg = GammaGamma(p=6.25, q=3.74, gamma=15.44, log_likelihood=0.0, n_customers=0)
    spec = EconomicsSpec(horizon_months=12, discount_rate=0.02)
    n, rng = 100_000, np.random.default_rng(9)
    weeks_per_month = DAYS_PER_MONTH / 7
    lam = rng.gamma(bg.r, 1 / bg.alpha, n)
    p = rng.beta(bg.a, bg.b, n)
    nu = rng.gamma(gg.q, 1 / gg.gamma, n)
    alive, clock, value = np.ones(n, bool), np.zeros(n), np.zeros(n)
    while (alive & (clock < 12 * weeks_per_month)).any():  # one purchase at a time
        clock += rng.exponential(1 / lam)
        month = np.minimum(np.floor(clock / weeks_per_month), 12)
        buys = alive & (month < 12)
        spend = rng.gamma(gg.p, 1 / nu)
        value += np.where(buys, spend / (1 + spec.discount_rate) ** month, 0.0)
        alive &= ~(buys & (rng.random(n) < p)) & buys
    expected = _new_customer_value(
        np.array([[bg.r, bg.alpha, bg.a, bg.b]]), np.array([[gg.p, gg.q, gg.gamma]]), 0.0, spec
    )[0]
    assert expected == pytest.approx(value.mean(), rel=0.03), (expected, value.mean())
