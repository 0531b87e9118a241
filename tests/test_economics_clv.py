"""BG/NBD and Gamma-Gamma: published CDNOW parameters, simulation checks, properties."""

from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import check_grad

from nsm_core.economics import _likelihood, clv
from nsm_core.economics.rfm import RFMSpec, rfm_summary
from nsm_core.schema import DataError

GOLDEN = Path(__file__).parent / "golden" / "CDNOW_sample.txt"
CALIBRATION_END = date(1997, 9, 30)
CDNOW = clv.BGNBD(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=0.0, n_customers=0)


def cdnow_events() -> pl.LazyFrame:
    """The CDNOW 1/10 sample as canonical events (one purchase event per row)."""
    raw = pl.read_csv(GOLDEN, has_header=False, separator="|", new_columns=["line"])
    fields = pl.col("line").str.extract_all(r"\S+")
    return raw.lazy().select(
        user_id=fields.list.get(0),
        event=pl.lit("purchase"),
        ts=fields.list.get(2).str.to_datetime("%Y%m%d", time_zone="UTC", time_unit="us"),
        revenue=fields.list.get(4).cast(pl.Float64),
    )


@pytest.fixture(scope="module")
def cdnow_rfm() -> pl.DataFrame:
    # Every row of the log is a purchase, including 8 of $0 (kept, as in the papers).
    spec = RFMSpec(unit="week", calibration_end=CALIBRATION_END, purchase_event="purchase")
    return rfm_summary(cdnow_events(), spec).collect()


def test_cdnow_bgnbd_reproduces_published_parameters(cdnow_rfm):
    # Source: tests/golden/README.md (Fader, Hardie & Lee 2005, table on the 1/10 sample).
    model = clv.fit_bgnbd(cdnow_rfm["frequency"], cdnow_rfm["recency"], cdnow_rfm["T"])
    assert model.n_customers == 2357
    got = (round(model.r, 3), round(model.alpha, 3), round(model.a, 3), round(model.b, 3))
    assert got == (0.243, 4.414, 0.793, 2.426)
    assert round(model.log_likelihood, 1) == -9582.4  # FHL (2005) report LL = -9582.4
    assert model.cov is not None


def test_cdnow_gamma_gamma_reproduces_published_parameters(cdnow_rfm):
    # Source: tests/golden/README.md (Fader & Hardie 2013, 946 repeat buyers).
    model = clv.fit_gamma_gamma(cdnow_rfm["frequency"], cdnow_rfm["monetary_value"])
    assert model.n_customers == 946
    assert (round(model.p, 2), round(model.q, 2), round(model.gamma, 2)) == (6.25, 3.74, 15.44)


def test_rfm_summary_matches_duckdb_sql(cdnow_rfm):
    events = cdnow_events().collect()  # noqa: F841 (read by duckdb below)
    sql = """
        with days as (
            select user_id, cast(ts as date) as d, sum(revenue) as spend
            from events where cast(ts as date) <= date '1997-09-30'
            group by all
        ), c as (
            select user_id, count(*) - 1 as frequency,
                   date_diff('day', min(d), max(d)) / 7.0 as recency,
                   date_diff('day', min(d), date '1997-09-30') / 7.0 as T,
                   sum(spend) - arg_min(spend, d) as repeat_spend
            from days group by user_id
        )
        select user_id, frequency, recency, T,
               case when frequency > 0 then repeat_spend / frequency else 0 end as monetary_value
        from c order by user_id
    """
    expected = duckdb.sql(sql).pl()
    got = cdnow_rfm.select(expected.columns).sort("user_id")
    assert got["frequency"].to_list() == expected["frequency"].to_list()
    for column in ("recency", "T", "monetary_value"):
        assert np.allclose(got[column].to_numpy(), expected[column].to_numpy(), atol=1e-9)


@pytest.mark.parametrize(
    ("log_params", "which"),
    [(np.zeros(4), "bgnbd"), (np.log([0.3, 4.0, 0.8, 2.4]), "bgnbd"), (np.zeros(3), "gg")],
)
def test_analytic_gradient_matches_finite_differences(log_params, which):
    big_t = np.random.default_rng(0).uniform(1, 39, 3000)
    x, tx = CDNOW.sample(big_t, seed=3)
    if which == "bgnbd":
        objective = _likelihood.bgnbd_objective(x.astype(np.int64), tx, big_t, np.ones(x.size))
    else:
        spend = clv.GammaGamma(6.25, 3.74, 15.44, 0.0, 0).sample(x, seed=4)
        keep = x > 0
        objective = _likelihood.gg_objective(
            x[keep].astype(float), spend[keep], np.ones(keep.sum())
        )
    error = check_grad(lambda v: objective(v)[0], lambda v: objective(v)[1], log_params)
    assert error < 1e-3 * max(1.0, np.linalg.norm(objective(log_params)[1]))


def test_fit_recovers_simulated_parameters_within_their_standard_errors():
    big_t = np.random.default_rng(1).uniform(5, 52, 20_000)
    x, tx = CDNOW.sample(big_t, seed=7)
    model = clv.fit_bgnbd(x, tx, big_t)
    se = np.sqrt(np.diag(np.array(model.cov)))
    z = (
        np.log([model.r, model.alpha, model.a, model.b]) - np.log([0.243, 4.414, 0.793, 2.426])
    ) / se
    assert np.abs(z).max() < 4


def simulate_calibration_and_holdout(n: int, horizon: float, seed: int) -> tuple:
    """Plain simulation of the BG/NBD story with explicit arrival times (independent of sample)."""
    rng = np.random.default_rng(seed)
    big_t = rng.uniform(5, 39, n)
    lam = rng.gamma(CDNOW.r, 1 / CDNOW.alpha, n)
    p = rng.beta(CDNOW.a, CDNOW.b, n)
    arrivals = np.cumsum(rng.exponential(1 / lam[:, None], (n, 300)), axis=1)
    alive_through = rng.geometric(p)[:, None] >= np.arange(1, 301)  # purchase j happens if j <= D
    made = alive_through & (arrivals <= big_t[:, None] + horizon)
    in_calibration = made & (arrivals <= big_t[:, None])
    x = in_calibration.sum(axis=1)
    tx = np.where(x > 0, np.where(in_calibration, arrivals, 0.0).max(axis=1), 0.0)
    return x, tx, big_t, (made & ~in_calibration).sum(axis=1)


def test_conditional_expectation_matches_simulated_holdout():
    x, tx, big_t, holdout = simulate_calibration_and_holdout(30_000, 39.0, seed=11)
    predicted = CDNOW.conditional_expected_purchases(39.0, x, tx, big_t)
    for group in (x == 0, x == 1, x == 2, x >= 3):
        assert predicted[group].sum() == pytest.approx(holdout[group].sum(), rel=0.06)


def test_unconditional_expectation_matches_simulation():
    x, _ = CDNOW.sample(np.full(400_000, 39.0), seed=5)
    assert float(CDNOW.expected_purchases(39.0)) == pytest.approx(x.mean(), rel=0.01)


def test_p_alive_and_expected_spend_hand_worked():
    # x = 2, t_x = 30, T = 38: odds of having dropped = a/(b+1) · ((α+T)/(α+t_x))^(r+2)
    odds = 0.793 / 3.426 * (42.414 / 34.414) ** 2.243
    assert CDNOW.p_alive([2], [30.0], [38.0])[0] == pytest.approx(1 / (1 + odds))
    assert CDNOW.p_alive([0], [0.0], [38.0])[0] == 1.0
    gg = clv.GammaGamma(p=6.25, q=3.74, gamma=15.44, log_likelihood=0.0, n_customers=0)
    assert gg.expected_spend([2], [40.0])[0] == pytest.approx(6.25 * 95.44 / 15.24)
    assert gg.mean_spend == pytest.approx(6.25 * 15.44 / 2.74)


def test_weights_equal_repeated_rows():
    x, tx, big_t = [0, 1, 2, 0], [0.0, 3.0, 9.0, 0.0], [10.0, 12.0, 20.0, 5.0]
    counts = [3, 1, 2, 4]
    weighted = clv.fit_bgnbd(x, tx, big_t, weights=counts)
    repeated = clv.fit_bgnbd(np.repeat(x, counts), np.repeat(tx, counts), np.repeat(big_t, counts))
    assert weighted.n_customers == repeated.n_customers == 10
    assert weighted.log_likelihood == pytest.approx(repeated.log_likelihood)
    assert weighted.r == pytest.approx(repeated.r, rel=1e-4)


@pytest.mark.parametrize(
    ("x", "tx", "big_t"),
    [
        ([], [], []),
        ([-1], [0.0], [3.0]),
        ([1], [5.0], [3.0]),
        ([1.5], [1.0], [3.0]),
        ([1], [0], [3]),
    ],
)
def test_bad_rfm_raises_data_error(x, tx, big_t):
    with pytest.raises(DataError):
        clv.fit_bgnbd(x, tx, big_t)


def test_gamma_gamma_needs_repeat_buyers():
    with pytest.raises(DataError, match="repeat buyers"):
        clv.fit_gamma_gamma([0, 0], [0.0, 0.0])


@settings(max_examples=40, deadline=None)
@given(
    x=st.integers(0, 60),
    share=st.floats(0, 1),
    big_t=st.floats(0.5, 200),
    t=st.floats(0.1, 200),
)
def test_predictions_stay_in_bounds(x, share, big_t, t):
    tx = share * big_t if x > 0 else 0.0
    tx = max(tx, 1e-3) if x > 0 else 0.0
    alive = CDNOW.p_alive([x], [tx], [big_t])[0]
    expected = CDNOW.conditional_expected_purchases(t, [x], [tx], [big_t])[0]
    assert 0.0 <= alive <= 1.0
    assert 0.0 <= expected < np.inf


def test_predictions_stay_finite_without_dropout_heterogeneity():
    # A fit on few customers can push a and b to the bounds (dropout p fixed at a/(a+b)).
    flat = clv.BGNBD(r=0.6, alpha=1.16, a=9586.0, b=112133.0, log_likelihood=0.0, n_customers=0)
    x, tx, big_t = np.array([0, 3, 10]), np.array([0.0, 20.0, 30.0]), np.array([0.0, 40.0, 40.0])
    got = flat.conditional_expected_purchases(4.35, x, tx, big_t)
    assert np.isfinite(got).all()
    assert (got >= 0).all()
