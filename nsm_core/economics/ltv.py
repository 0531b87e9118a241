"""LTV by formula and by observed cohorts, and LTV:CAC; payback is payback.py.

Definitions: docs/definitions/economics.md#ltv-formula.

Every LTV is an `LTVEstimate`: value, a 95% bootstrap interval over customers, the number of
customers behind it, the method's name, its formula and its assumptions in words.
"""

from dataclasses import dataclass
from typing import Final, Literal, TypeAlias

import numpy as np
import polars as pl

from nsm_core.economics import _boot
from nsm_core.economics.tables import Curve, EconomicsSpec

Method: TypeAlias = Literal["simple", "cohort", "model"]
RULE_OF_THUMB: Final = 3.0


@dataclass(frozen=True, slots=True)
class LTVEstimate:
    """One lifetime value (gross profit per customer) with its interval and assumptions."""

    method: Method
    label: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    n_customers: int
    formula: str
    assumptions: str
    warnings: tuple[str, ...] = ()


SIMPLE_FORMULA: Final = "LTV = ARPA × GM% ÷ monthly revenue churn"
COHORT_FORMULA: Final = "LTV = Σ_{k<H} g(k) ÷ (1+d)^k, g(k) = gross profit per acquired customer"


def _simple_stat(t: np.ndarray) -> np.ndarray:
    gp, active, start, lost = np.moveaxis(t, -1, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (gp / active) / (lost / start)


def simple_ltv(per_customer: pl.DataFrame, spec: EconomicsSpec) -> LTVEstimate:
    """Return the formula LTV = ARPA × GM% ÷ monthly revenue churn.

    per_customer(customer, gross_profit, active_months, start_revenue, lost_revenue):
    ARPA × GM% = Σ gross_profit / Σ active_months (paying customer-months); revenue churn =
    Σ lost_revenue / Σ start_revenue, where start_revenue sums a customer's previous-month
    revenue m0 and lost_revenue sums max(m0 - m1, 0) (churn + contraction, = 1 - GRR).

    Example:
        >>> pc = pl.DataFrame(
        ...     {
        ...         "user_id": ["a", "b"],
        ...         "gross_profit": [30.0, 10.0],
        ...         "active_months": [3, 1],
        ...         "start_revenue": [20.0, 0.0],
        ...         "lost_revenue": [10.0, 0.0],
        ...     }
        ... )
        >>> simple_ltv(pc, EconomicsSpec(n_boot=50)).value
        20.0
    """
    cols = ["gross_profit", "active_months", "start_revenue", "lost_revenue"]
    per_bucket = _bucketed(per_customer, spec.customer, cols)
    value = float(_simple_stat(per_bucket.sum(axis=0)))
    low, high = _boot.interval(
        _simple_stat(_boot.replicate_totals(per_bucket, spec.n_boot, spec.seed))
    )
    finite = np.isfinite(value)
    warnings = () if finite else ("No revenue churn observed yet: the formula LTV is unbounded.",)
    return LTVEstimate(
        method="simple",
        label="Formula (ARPA × margin ÷ churn)",
        value=value if finite else None,
        ci_low=low,
        ci_high=high,
        n_customers=per_customer.height,
        formula=SIMPLE_FORMULA,
        assumptions="Steady state: today's ARPA, margin and monthly revenue churn last forever; "
        "no horizon, no discounting.",
        warnings=warnings,
    )


def _bucketed(frame: pl.DataFrame, customer: str, cols: list[str]) -> np.ndarray:
    sums = frame.group_by(_boot.bucket(customer)).agg(pl.col(cols).cast(pl.Float64).sum())
    return _boot.dense(sums, cols)


def age_table(
    gp: pl.DataFrame, customers: pl.DataFrame, last_month: int, customer: str
) -> np.ndarray:
    """Return per-bucket gross profit and customers at risk by age: (buckets x ages x 2).

    gp(customer, month, gross_profit), customers(customer, first_month); age = month -
    first_month; a customer is at risk at age k when first_month + k ≤ last_month.

    Example:
        >>> gp = pl.DataFrame({"c": ["a", "a"], "month": [5, 6], "gross_profit": [4.0, 2.0]})
        >>> cu = pl.DataFrame({"c": ["a", "b"], "first_month": [5, 6]})
        >>> t = age_table(gp, cu, 6, "c").sum(axis=0)
        >>> t[:, 0].tolist(), t[:, 1].tolist()
        ([4.0, 2.0], [2.0, 1.0])
    """
    seen = customers.filter(pl.col("first_month") <= last_month)
    ages = last_month - int(seen["first_month"].min()) + 1 if seen.height else 1
    profit = (
        gp.join(seen.select(customer, "first_month"), on=customer)
        .filter(pl.col("month") <= last_month)
        .group_by(_boot.bucket(customer), age=pl.col("month") - pl.col("first_month"))
        .agg(pl.col("gross_profit").sum())
    )
    lived = seen.group_by(_boot.bucket(customer), age=last_month - pl.col("first_month")).len()
    out = np.zeros((_boot.N_BUCKETS, ages, 2))
    # (bucket, age) pairs are unique after group_by, so plain assignment is a scatter-add
    out[profit["bucket"].to_numpy(), profit["age"].to_numpy(), 0] = profit[
        "gross_profit"
    ].to_numpy()
    out[lived["bucket"].to_numpy(), lived["age"].to_numpy(), 1] = lived["len"].to_numpy()
    out[:, :, 1] = np.cumsum(out[:, ::-1, 1], axis=1)[:, ::-1]  # alive through age k = max age ≥ k
    return out


def _design(ages: np.ndarray, curve: Curve) -> np.ndarray:
    return ages - 1.0 if curve == "geometric" else np.log(np.maximum(ages, 1.0))


def _fit_decay(g: np.ndarray, weight: np.ndarray, curve: Curve) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least squares of ln g(k) on the design (k-1 or ln k), one fit per row."""
    ages = np.arange(g.shape[-1], dtype=float)
    x = _design(ages, curve)
    w = np.where((g > 0) & (ages >= 1), weight, 0.0)
    y = np.log(np.where(g > 0, g, 1.0))
    sw, swx, swy = w.sum(-1), (w * x).sum(-1), (w * y).sum(-1)
    swxx, swxy = (w * x * x).sum(-1), (w * x * y).sum(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        # A curve that grows would explode when extrapolated: hold it flat instead.
        slope = np.minimum((sw * swxy - swx * swy) / (sw * swxx - swx**2), 0.0)
        slope = np.where(np.isfinite(slope), slope, 0.0)
        intercept = (swy - slope * swx) / sw
    return intercept, slope


def project(g: np.ndarray, observed: np.ndarray, spec: EconomicsSpec) -> np.ndarray:
    """Return g(k) for ages 0..H-1: observed where `observed`, else the fitted decay curve.

    geometric: g(k) = A·ρ^(k-1); power: g(k) = A·k^(-β); fitted by weighted least squares of
    ln g on k - 1 (or ln k) over observed ages ≥ 1, weights = customers at risk.

    Example:
        >>> g = np.array([[10.0, 4.0, 2.0, 1.0, 0.0, 0.0]])
        >>> obs = np.array([True, True, True, True, False, False])
        >>> project(g, obs, EconomicsSpec(horizon_months=6)).round(2).tolist()
        [[10.0, 4.0, 2.0, 1.0, 0.5, 0.25]]
    """
    horizon = spec.horizon_months
    weight = np.where(observed, 1.0, 0.0)
    intercept, slope = _fit_decay(g, weight, spec.curve)
    ages = np.arange(horizon, dtype=float)
    fitted = np.exp(intercept[..., None] + slope[..., None] * _design(ages, spec.curve))
    known = np.zeros(horizon, dtype=bool)
    known[: min(horizon, observed.size)] = observed[:horizon]
    padded = np.zeros((*g.shape[:-1], horizon))
    padded[..., : min(horizon, g.shape[-1])] = g[..., :horizon]
    return np.where(known, padded, fitted)


def cohort_ltv(table: np.ndarray, spec: EconomicsSpec) -> tuple[LTVEstimate, pl.DataFrame]:
    """Return the cohort-observed LTV and its curve by age (months since first payment).

    table = `age_table(...)`. g(k) = Σ gross profit at age k ÷ customers at risk at age k
    (pooled over cohorts old enough, docs/definitions/retention.md#pooled-average); ages with ≥
    spec.min_customers customers at risk are observed, later ones come from the fitted decay curve.
    LTV = Σ_{k<H} g(k)/(1+d)^k.
    Curve columns: age, customers, observed, projected, cumulative (undiscounted).

    Example:
        >>> t = np.zeros((1000, 3, 2))
        >>> t[0] = [[900.0, 30], [300.0, 30], [150.0, 30]]
        >>> est, curve = cohort_ltv(
        ...     t, EconomicsSpec(horizon_months=4, discount_rate=0.0, n_boot=20)
        ... )
        >>> round(est.value, 2), curve["projected"].round(2).to_list()
        (47.5, [30.0, 10.0, 5.0, 2.5])
    """
    totals = table.sum(axis=0)
    at_risk = totals[:, 1]
    observed = at_risk >= spec.min_customers
    discount = (1 + spec.discount_rate) ** -np.arange(spec.horizon_months)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = totals[:, 0] / at_risk
        reps = _boot.replicate_totals(table, spec.n_boot, spec.seed)
        g_reps = reps[..., 0] / reps[..., 1]
    g = np.where(observed, g, 0.0)
    point = project(g[None, :], observed, spec)[0]
    boot = project(np.where(observed, g_reps, 0.0), observed, spec) @ discount
    warnings = _cohort_warnings(observed, spec)
    value = float(point @ discount) if observed[:1].all() else None
    low, high = _boot.interval(boot)
    curve = pl.DataFrame(
        {
            "age": np.arange(spec.horizon_months),
            "customers": np.pad(at_risk, (0, max(0, spec.horizon_months - at_risk.size)))[
                : spec.horizon_months
            ],
            "observed": np.where(observed, g, np.nan)[: spec.horizon_months].tolist()
            + [None] * max(0, spec.horizon_months - g.size),
            "projected": point,
            "cumulative": np.cumsum(point),
        }
    ).with_columns(pl.col("observed").fill_nan(None), pl.col("customers").cast(pl.Int64))
    estimate = LTVEstimate(
        method="cohort",
        label=f"Cohort curve ({spec.curve} decay)",
        value=value,
        ci_low=low,
        ci_high=high,
        n_customers=int(at_risk[0]) if at_risk.size else 0,
        formula=COHORT_FORMULA,
        assumptions=f"Observed gross profit per acquired customer by month of life, pooled over "
        f"cohorts; months not yet observed follow a fitted {spec.curve} decay; horizon "
        f"{spec.horizon_months} months, discount {spec.discount_rate:.1%} a month.",
        warnings=warnings,
    )
    return estimate, curve


def _cohort_warnings(observed: np.ndarray, spec: EconomicsSpec) -> tuple[str, ...]:
    n_obs = int(observed.sum())
    if not observed[:1].all():
        return (f"Fewer than {spec.min_customers} customers: no cohort LTV.",)
    if n_obs < 3 and spec.horizon_months > n_obs:
        return (f"Only {n_obs} month(s) of life observed: the decay curve is a rough guess.",)
    return ()


def ltv_cac_verdict(ratio: float | None) -> str:
    """Return the LTV:CAC ratio in words against the 3:1 rule of thumb.

    Example:
        >>> ltv_cac_verdict(4.2)
        '4.2:1, at or above the 3:1 rule of thumb'
    """
    if ratio is None:
        return "n/a (needs both an LTV and a CAC)"
    if ratio >= RULE_OF_THUMB:
        return f"{ratio:.1f}:1, at or above the 3:1 rule of thumb"
    if ratio >= 1:
        return f"{ratio:.1f}:1, below the 3:1 rule of thumb"
    return f"{ratio:.1f}:1, each customer costs more to acquire than they bring in"
