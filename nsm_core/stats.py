"""Shared statistics: intervals, multiple-testing correction, power. One way to do each.

Every number that drives a decision is an `Estimate`: a value, its confidence interval,
the number of units behind it and the method's name.
"""

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl
from scipy.special import ndtri

from nsm_core import fmt
from nsm_core._types import IntoExpr, col

Unit = Literal["pp", "money", "number", "share"]


@dataclass(frozen=True, slots=True)
class Estimate:
    """A decision number with its uncertainty: value, CI, units behind it, method."""

    value: float
    ci_low: float
    ci_high: float
    n: int
    method: str
    confidence: float = 0.95

    @property
    def excludes_zero(self) -> bool:
        """True when the whole interval lies on one side of 0."""
        return self.ci_low > 0 or self.ci_high < 0

    def describe(self, unit: Unit = "number", what: str = "users") -> str:
        """Return the estimate in words.

        Example:
            >>> Estimate(0.123, 0.081, 0.164, 3412, "inverse-propensity weighting").describe("pp")
            '+12.3 pp (95% CI +8.1 to +16.4 pp; 3,412 users; inverse-propensity weighting)'
        """
        show = _SHOW[unit]
        level = f"{self.confidence:.0%}"
        ci = f"{show(self.ci_low)} to {show(self.ci_high)}"
        if unit == "pp":
            ci += " pp"
        value = show(self.value) + (" pp" if unit == "pp" else "")
        return f"{value} ({level} CI {ci}; {fmt.count(self.n)} {what}; {self.method})"


_SHOW = {
    "pp": lambda x: f"{x * 100:+.1f}",
    "money": lambda x: fmt.money(x),
    "number": lambda x: fmt.num(x),
    "share": lambda x: fmt.pct(x, 1),
}


def z_value(confidence: float = 0.95) -> float:
    """Return the two-sided standard-normal critical value (1.96 for 95%).

    Example:
        >>> round(z_value(0.95), 3)
        1.96
    """
    return float(ndtri(1 - (1 - confidence) / 2))


def wilson_interval(
    successes: np.ndarray | float, n: np.ndarray | float, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Return the Wilson score interval of a binomial proportion (vectorised).

    p = s/n, centre = (p + z²/2n) / (1 + z²/n),
    half = z·sqrt(p(1−p)/n + z²/4n²) / (1 + z²/n); NaN when n = 0.

    Example:
        >>> low, high = wilson_interval(0, 10)
        >>> float(low), round(float(high), 4)
        (0.0, 0.2775)
    """
    s = np.asarray(successes, dtype=float)
    m = np.asarray(n, dtype=float)
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = s / m
        denom = 1 + z**2 / m
        centre = (p + z**2 / (2 * m)) / denom
        half = z * np.sqrt(p * (1 - p) / m + z**2 / (4 * m**2)) / denom
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def wilson_exprs(
    successes: IntoExpr, n: IntoExpr, confidence: float = 0.95
) -> tuple[pl.Expr, pl.Expr]:
    """Return polars expressions for the Wilson interval's low and high ends (null if n = 0).

    Example:
        >>> df = pl.DataFrame({"s": [0, 5], "n": [10, 10]})
        >>> low, high = wilson_exprs("s", "n")
        >>> df.select(high.round(4)).to_series().to_list()
        [0.2775, 0.7634]
    """
    z = z_value(confidence)
    s, m = col(successes).cast(pl.Float64), col(n).cast(pl.Float64)
    m = pl.when(m > 0).then(m)
    p = s / m
    denom = 1 + z**2 / m
    centre = (p + z**2 / (2 * m)) / denom
    half = z * (p * (1 - p) / m + z**2 / (4 * m**2)).sqrt() / denom
    return (centre - half).clip(0, 1), (centre + half).clip(0, 1)


def newcombe_interval(
    a1: float, n1: float, a2: float, n2: float, confidence: float = 0.95
) -> tuple[float, float]:
    """Return the CI of p1 − p2 by Newcombe's hybrid score method (method 10, 1998).

    d = p1 − p2; low = d − sqrt((p1 − l1)² + (u2 − p2)²); high = d + sqrt((u1 − p1)² + (p2 − l2)²)
    with (l, u) the Wilson interval of each proportion.

    Example (Newcombe 1998, table II, 56/70 vs 48/80):
        >>> [round(x, 4) for x in newcombe_interval(56, 70, 48, 80)]
        [0.0524, 0.3339]
    """
    l1, u1 = (float(x) for x in wilson_interval(a1, n1, confidence))
    l2, u2 = (float(x) for x in wilson_interval(a2, n2, confidence))
    p1, p2 = a1 / n1, a2 / n2
    d = p1 - p2
    return d - math.hypot(p1 - l1, u2 - p2), d + math.hypot(u1 - p1, p2 - l2)


def bh_qvalues(p_values: np.ndarray | list[float]) -> np.ndarray:
    """Return Benjamini–Hochberg adjusted p-values (q-values); NaNs stay NaN.

    q_(i) = min_{j ≥ i} p_(j) · m / j over the m non-missing p-values sorted ascending.

    Example:
        >>> bh_qvalues([0.01, 0.04, 0.03, 0.2]).round(3).tolist()
        [0.04, 0.053, 0.053, 0.2]
    """
    p = np.asarray(p_values, dtype=float)
    q = np.full_like(p, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m == 0:
        return q
    order = np.argsort(p[ok])
    ranked = p[ok][order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1].clip(max=1.0)
    q_ok = np.empty(m)
    q_ok[order] = adjusted
    q[ok] = q_ok
    return q


def two_proportion_sample_size(
    p_base: float, lift_abs: float, alpha: float = 0.05, power: float = 0.8
) -> int:
    """Return users per arm to detect p_base → p_base + lift_abs (two-sided z-test).

    n = (z_{1−α/2}·sqrt(2·p̄(1−p̄)) + z_{power}·sqrt(p1(1−p1) + p2(1−p2)))² / δ², p̄ = (p1+p2)/2.

    Example:
        >>> two_proportion_sample_size(0.10, 0.02)
        3841
    """
    return math.ceil(_n_two_proportions(p_base, lift_abs, alpha, power))


def _n_two_proportions(p1: float, delta: float, alpha: float, power: float) -> float:
    p2 = p1 + delta
    pbar = (p1 + p2) / 2
    za, zb = z_value(1 - alpha), float(ndtri(power))
    numerator = za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(
        p1 * (1 - p1) + p2 * (1 - p2)
    )
    return numerator**2 / delta**2


def two_proportion_mde(
    p_base: float, n_per_arm: float, alpha: float = 0.05, power: float = 0.8
) -> float:
    """Return the smallest absolute lift detectable with `n_per_arm` users per arm.

    Solves two_proportion_sample_size(p_base, δ) = n for δ > 0.

    Example:
        >>> round(two_proportion_mde(0.10, 3841), 4)
        0.02
    """
    upper = 1 - p_base - 1e-9
    if _n_two_proportions(p_base, upper, alpha, power) > n_per_arm:
        return float("nan")
    # scipy.optimize and scipy.stats take seconds to import: only the pages that need them
    # pay for them, so the first page of a cold start does not.
    from scipy import optimize

    return float(
        optimize.brentq(
            lambda d: _n_two_proportions(p_base, d, alpha, power) - n_per_arm, 1e-9, upper
        )
    )


def two_mean_sample_size(sd: float, delta: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """Return units per arm to detect a mean difference `delta` (two-sided z-test).

    n = 2·(z_{1−α/2} + z_{power})²·sd² / δ²

    Example:
        >>> two_mean_sample_size(10, 2)
        393
    """
    za, zb = z_value(1 - alpha), float(ndtri(power))
    return math.ceil(2 * (za + zb) ** 2 * sd**2 / delta**2)


def two_mean_mde(sd: float, n_per_arm: float, alpha: float = 0.05, power: float = 0.8) -> float:
    """Return the smallest mean difference detectable with `n_per_arm` units per arm.

    δ = (z_{1−α/2} + z_{power})·sd·sqrt(2 / n), the inverse of `two_mean_sample_size`.

    Example:
        >>> round(two_mean_mde(10, 393), 3)
        1.999
    """
    za, zb = z_value(1 - alpha), float(ndtri(power))
    return (za + zb) * sd * math.sqrt(2 / n_per_arm)


def spearman_interval(x: np.ndarray, y: np.ndarray, confidence: float = 0.95) -> Estimate:
    """Return Spearman's rank correlation with a Fisher-z CI (Bonett–Wright SE).

    z = atanh(ρ), SE = sqrt((1 + ρ²/2) / (n − 3)), CI = tanh(z ± z_crit·SE).

    Example:
        >>> est = spearman_interval(np.arange(20), np.arange(20) ** 2)
        >>> est.value, est.n
        (1.0, 20)
    """
    n = len(x)
    method = "Spearman rank correlation, Fisher z (Bonett–Wright)"
    constant = n > 0 and (np.ptp(x) == 0 or np.ptp(y) == 0)
    # A constant column (everyone reached a metric on day one) has no rank correlation.
    from scipy import stats  # slow to import: only the Workshop needs it (see above)

    rho = float(stats.spearmanr(x, y).statistic) if n > 2 and not constant else float("nan")
    if n <= 3 or math.isnan(rho):
        return Estimate(rho, float("nan"), float("nan"), n, method, confidence)
    clipped = min(max(rho, -0.999999), 0.999999)
    se = math.sqrt((1 + clipped**2 / 2) / (n - 3))
    z = math.atanh(clipped)
    half = z_value(confidence) * se
    return Estimate(rho, math.tanh(z - half), math.tanh(z + half), n, method, confidence)


def bootstrap_interval(replicates: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """Return the percentile interval of bootstrap replicates (NaNs ignored).

    Example:
        >>> [round(x, 6) for x in bootstrap_interval(np.arange(101.0))]
        [2.5, 97.5]
    """
    tail = (1 - confidence) / 2 * 100
    low, high = np.nanpercentile(np.asarray(replicates, dtype=float), [tail, 100 - tail])
    return float(low), float(high)
