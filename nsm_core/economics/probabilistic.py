"""Probabilistic LTV: BG/NBD purchase counts × Gamma-Gamma spend.

Definition: docs/definitions/economics.md#model-ltv.

A new customer's value over H months of life (ages k = 0..H-1, as the cohort LTV):
    LTV = GM% · [m̄_1 + E[M] · Σ_k (E[X((k+1)u)] - E[X(k·u)]) / (1+d)^k]
with m̄_1 the mean first-day spend, E[M] = p·γ/(q-1) the mean spend per repeat purchase,
E[X(t)] the BG/NBD expected repeat purchases and u the model time units per month.
Existing customers (lifetimes' `customer_lifetime_value`):
    CLV_i = GM% · E[M | x, m_x] · Σ_{i=1..H} (E[Y(i·u)] - E[Y((i-1)·u)]) / (1+d)^i.
Intervals draw the parameters from their asymptotic normal distribution (log scale).
"""

from dataclasses import dataclass
from typing import Final

import numpy as np
import polars as pl

from nsm_core.economics import _boot
from nsm_core.economics._likelihood import LOG_BOUND
from nsm_core.economics.clv import (
    BGNBD,
    GammaGamma,
    at_bound,
    expected_purchases,
    fit_bgnbd,
    fit_gamma_gamma,
)
from nsm_core.economics.ltv import LTVEstimate
from nsm_core.economics.rfm import DAYS_PER_MONTH, DAYS_PER_UNIT
from nsm_core.economics.tables import EconomicsSpec
from nsm_core.schema import DataError

MIN_REPEAT_BUYERS: Final = 20
MODEL_FORMULA: Final = "LTV = GM% × [first order + E[M] × Σ_k ΔE[X](month k) ÷ (1+d)^k]"


@dataclass(frozen=True, slots=True)
class CustomerModel:
    """The two fitted models and the gross margin their money predictions are taken at.

    Per-customer predictions come from `customer_values(rfm, model.models, ...)`, asked for
    only where they are shown: they cost a pass per month of the horizon over every
    customer, which the LTV alone does not need.
    """

    bgnbd: BGNBD
    gamma_gamma: GammaGamma
    gross_margin: float

    @property
    def models(self) -> tuple[BGNBD, GammaGamma]:
        """Return (BG/NBD, Gamma-Gamma), as `customer_values` takes them."""
        return self.bgnbd, self.gamma_gamma


def _units_per_month(spec: EconomicsSpec) -> float:
    return DAYS_PER_MONTH / DAYS_PER_UNIT[spec.rfm_unit]


def fit_models(rfm: pl.DataFrame) -> tuple[BGNBD, GammaGamma]:
    """Return BG/NBD and Gamma-Gamma fitted to an RFM summary.

    Raises:
        DataError: when fewer than 20 customers bought more than once.

    Example:
        >>> rfm = pl.DataFrame(
        ...     {
        ...         "frequency": [0, 1, 3] * 10,
        ...         "recency": [0.0, 5.0, 20.0] * 10,
        ...         "T": [38.0] * 30,
        ...         "monetary_value": [0.0, 20.0, 30.0] * 10,
        ...     }
        ... )
        >>> bg, gg = fit_models(rfm)
        >>> bg.n_customers, gg.n_customers
        (30, 20)
    """
    repeat = int((rfm["frequency"] > 0).sum())
    if repeat < MIN_REPEAT_BUYERS:
        raise DataError(
            f"Only {repeat} customers bought more than once; the BG/NBD and Gamma-Gamma models "
            f"need at least {MIN_REPEAT_BUYERS}."
        )
    bg = fit_bgnbd(rfm["frequency"], rfm["recency"], rfm["T"])
    gg = fit_gamma_gamma(rfm["frequency"], rfm["monetary_value"])
    return bg, gg


def _draws(mean: tuple[float, ...], cov: tuple | None, n: int, seed: int) -> np.ndarray:
    """Parameter draws (n x k) from N(log θ̂, cov) on the log scale; the point when cov is None."""
    if cov is None:
        return np.tile(np.asarray(mean), (n, 1))
    rng = np.random.default_rng(seed)
    logs = rng.multivariate_normal(np.log(mean), np.asarray(cov), n)
    # Draws stay inside the space the fit searched (e^±LOG_BOUND), so none overflows.
    return np.exp(np.clip(logs, -LOG_BOUND, LOG_BOUND))


def _new_customer_value(
    bg: np.ndarray, gg: np.ndarray, first: float, spec: EconomicsSpec
) -> np.ndarray:
    """Vectorised over parameter rows: bg (n x 4: r, α, a, b), gg (n x 3: p, q, γ)."""
    t = np.arange(spec.horizon_months + 1) * _units_per_month(spec)
    ex = expected_purchases(bg, t)
    discount = (1 + spec.discount_rate) ** -np.arange(spec.horizon_months)
    repeats = np.diff(ex, axis=1) @ discount
    p, q, gamma = gg[:, 0], gg[:, 1], gg[:, 2]
    mean_spend = np.where(q > 1, p * gamma / np.maximum(q - 1, 1e-12), np.nan)
    return first + mean_spend * repeats


def model_ltv(
    rfm: pl.DataFrame,
    gross_margin: float,
    spec: EconomicsSpec,
    models: tuple[BGNBD, GammaGamma] | None = None,
) -> tuple[LTVEstimate, CustomerModel]:
    """Return the BG/NBD × Gamma-Gamma LTV of a new customer and the fitted customer model.

    rfm = `rfm_summary(...)` collected (with first_value); models = the two models already
    fitted to it (`fit_models(rfm)`), None to fit them here. See the module docstring.

    Raises:
        DataError: when the models cannot be fitted (too few repeat buyers).
    """
    bg, gg = fit_models(rfm) if models is None else models
    first = float(rfm["first_value"].mean())
    point = _new_customer_value(
        np.array([[bg.r, bg.alpha, bg.a, bg.b]]), np.array([[gg.p, gg.q, gg.gamma]]), first, spec
    )[0]
    bg_draws = _draws((bg.r, bg.alpha, bg.a, bg.b), bg.cov, spec.n_boot, spec.seed)
    gg_draws = _draws((gg.p, gg.q, gg.gamma), gg.cov, spec.n_boot, spec.seed + 1)
    warnings = _model_warnings(bg, gg)
    if warnings or not np.isfinite(point):
        value, low, high = None, None, None
    else:
        value = float(point * gross_margin)
        draws = _new_customer_value(bg_draws, gg_draws, first, spec) * gross_margin
        low, high = _boot.interval(draws)
    estimate = LTVEstimate(
        method="model",
        label="BG/NBD × Gamma-Gamma",
        value=value,
        ci_low=low,
        ci_high=high,
        n_customers=bg.n_customers,
        formula=MODEL_FORMULA,
        assumptions=f"Customers buy at a steady personal rate until they silently drop out "
        f"(BG/NBD, fitted in {spec.rfm_unit}s); spend per order varies around a personal mean "
        f"(Gamma-Gamma); horizon {spec.horizon_months} months, discount "
        f"{spec.discount_rate:.1%} a month; interval from parameter uncertainty.",
        warnings=warnings,
    )
    return estimate, CustomerModel(bg, gg, gross_margin)


def _model_warnings(bg: BGNBD, gg: GammaGamma) -> tuple[str, ...]:
    out = []
    if at_bound(bg.r, bg.alpha, bg.a, bg.b):
        out.append(
            "The BG/NBD fit ran into a parameter limit: these purchases do not follow the "
            "model's story of irregular buying and silent dropout (regular subscription "
            "payments do not). No model LTV; use the cohort curve."
        )
    if gg.q <= 1:
        out.append("Gamma-Gamma q ≤ 1: mean spend per order is unbounded; no model LTV.")
    return tuple(out)


def customer_values(
    rfm: pl.DataFrame, models: tuple[BGNBD, GammaGamma], gross_margin: float, spec: EconomicsSpec
) -> pl.DataFrame:
    """Return the RFM summary with p_alive, expected purchases over H months, spend and CLV.

    Predictions are computed once per distinct (frequency, recency, T, monetary_value),
    which real data (whole days) repeats a lot. Sorted by CLV, highest first.

    Example:
        >>> rfm = pl.DataFrame(
        ...     {
        ...         "c": ["a", "b"],
        ...         "frequency": [0, 4],
        ...         "recency": [0.0, 30.0],
        ...         "T": [38.0, 38.0],
        ...         "monetary_value": [0.0, 25.0],
        ...     }
        ... )
        >>> bg = BGNBD(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=0, n_customers=2)
        >>> gg = GammaGamma(p=6.25, q=3.74, gamma=15.44, log_likelihood=0, n_customers=1)
        >>> customer_values(rfm, (bg, gg), 1.0, EconomicsSpec(horizon_months=12))["c"].to_list()
        ['b', 'a']
    """
    bg, gg = models
    keys = ["frequency", "recency", "T", "monetary_value"]
    distinct = rfm.select(keys).unique()
    x, tx, big_t, m = (distinct[k].to_numpy() for k in keys)
    steps = np.arange(spec.horizon_months + 1) * _units_per_month(spec)
    cumulative = np.stack(
        [bg.conditional_expected_purchases(t, x, tx, big_t) for t in steps[1:]], axis=1
    )
    per_month = np.diff(np.concatenate([np.zeros((x.size, 1)), cumulative], axis=1), axis=1)
    discount = (1 + spec.discount_rate) ** -np.arange(1, spec.horizon_months + 1)
    spend = gg.expected_spend(x, m)
    predicted = distinct.with_columns(
        p_alive=bg.p_alive(x, tx, big_t),
        expected_purchases=cumulative[:, -1],
        expected_spend=spend,
        clv=gross_margin * spend * (per_month @ discount),
    )
    return rfm.join(predicted, on=keys, how="left", nulls_equal=True).sort("clv", descending=True)
