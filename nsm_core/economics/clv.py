"""Customer-base models: BG/NBD for purchase counts, Gamma-Gamma for spend, and CLV.

Fitted by maximum likelihood (scipy L-BFGS-B on log-parameters, analytic log-likelihood and
gradient) as in Fader, Hardie & Lee (2005), "Counting your customers the easy way", and
Fader & Hardie (2013), "The Gamma-Gamma model of monetary value". Inputs are the RFM summary
(`nsm_core.economics.rfm`): x = repeat purchase count, t_x = recency, T = age, all in one
time unit (weeks by default), and m_x = mean spend per repeat purchase.

Terms that depend on x only are evaluated once per distinct x and weighted by counts, so a
fit costs a few vectorised passes over the customers per iteration.
"""

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, hyp2f1

from nsm_core.economics._likelihood import (
    LOG_BOUND,
    Array,
    bgnbd_objective,
    distinct_rows,
    gg_objective,
    maximise,
    thinned,
)
from nsm_core.schema import DataError


@dataclass(frozen=True, slots=True)
class BGNBD:
    """A fitted BG/NBD model: purchase rate λ ~ Gamma(r, α), dropout p ~ Beta(a, b).

    `cov` is the asymptotic covariance of (ln r, ln α, ln a, ln b), or None when the
    information matrix was not invertible.
    """

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    n_customers: int
    cov: tuple[tuple[float, ...], ...] | None = None

    def expected_purchases(self, t: Array | float) -> Array:
        """Return E[X(t)], repeat purchases in t units by a customer acquired at time 0.

        E[X(t)] = (a+b-1)/(a-1) · [1 - (α/(α+t))^r · 2F1(r, b; a+b-1; t/(α+t))]

        Example:
            >>> m = BGNBD(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=0, n_customers=1)
            >>> round(float(m.expected_purchases(39.0)), 3)
            1.197
        """
        return expected_purchases(np.array([self.r, self.alpha, self.a, self.b]), t)

    def p_alive(self, frequency: Array, recency: Array, T: Array) -> Array:  # noqa: N803
        """Return P(alive | x, t_x, T) per customer.

        P = 1 / (1 + δ(x>0) · a/(b+x-1) · ((α+T)/(α+t_x))^(r+x))

        Example:
            >>> m = BGNBD(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=0, n_customers=1)
            >>> m.p_alive(np.array([0, 2]), np.array([0.0, 30.0]), np.array([38.0, 38.0])).round(3)
            array([1.  , 0.73])
        """
        x, tx, big_t = _as_rfm(frequency, recency, T)
        log_odds = (
            np.log(self.a)
            - np.log(np.maximum(self.b + x - 1, 1e-300))
            + (self.r + x) * (np.log(self.alpha + big_t) - np.log(self.alpha + tx))
        )
        return np.where(x > 0, expit(-log_odds), 1.0)

    def conditional_expected_purchases(
        self,
        t: float,
        frequency: Array,
        recency: Array,
        T: Array,  # noqa: N803
    ) -> Array:
        """Return E[Y(t) | x, t_x, T], repeat purchases in the next t units per customer.

        E = (a+b+x-1)/(a-1) · [1 - (1-z)^(a-1) · 2F1(a+b-1-r, a-1; a+b+x-1; z)] · P(alive),
        z = t/(α+T+t); the 2F1 is FHL (2005) eq. 10 after Euler's transformation, which
        stays finite for heavy buyers (eq. 10 as printed is used where it does not).

        Example:
            >>> m = BGNBD(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=0, n_customers=1)
            >>> m.conditional_expected_purchases(39.0, [2], [30.0], [38.0]).round(3)
            array([1.253])
        """
        x, tx, big_t = _as_rfm(frequency, recency, T)
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        # z < 1 keeps (1 - z)^(a - 1) finite when a fit drives α to 0 for customers with T = 0
        z = np.minimum(t / (alpha + big_t + t), 1 - 1e-12)
        with np.errstate(all="ignore"):
            euler = (1 - z) ** (a - 1) * hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
            # a, b huge (no dropout heterogeneity): 0 · inf above; the direct form is fine there
            direct = (1 - z) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z)
        bracket = 1 - np.where(np.isfinite(euler), euler, direct)
        return (a + b + x - 1) / (a - 1) * bracket * self.p_alive(x, tx, big_t)

    def sample(self, T: Array, seed: int = 42) -> tuple[Array, Array]:  # noqa: N803
        """Return (frequency, recency) drawn from the model for customers of ages T.

        λ ~ Gamma(r, rate α), p ~ Beta(a, b); repeat purchases arrive as Poisson(λ) and the
        customer drops out after each one with probability p. x = min(N(T), D) with
        N(T) ~ Poisson(λT), D ~ Geometric(p); given N(T) = n, the x-th arrival time is
        T · Beta(x, n - x + 1).

        Example:
            >>> m = BGNBD(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=0, n_customers=1)
            >>> x, tx = m.sample(np.full(5, 38.0), seed=1)
            >>> bool((tx <= 38.0).all() and (x >= 0).all())
            True
        """
        rng = np.random.default_rng(seed)
        big_t = np.asarray(T, dtype=float)
        lam = rng.gamma(self.r, 1 / self.alpha, big_t.size)
        p = rng.beta(self.a, self.b, big_t.size)
        n = rng.poisson(lam * big_t)
        x = np.minimum(n, rng.geometric(p))
        share = rng.beta(np.maximum(x, 1), n - x + 1)
        return x, np.where(x > 0, big_t * share, 0.0)


@dataclass(frozen=True, slots=True)
class GammaGamma:
    """A fitted Gamma-Gamma spend model: spend per purchase ~ Gamma(p, ν), ν ~ Gamma(q, γ).

    `cov` is the asymptotic covariance of (ln p, ln q, ln γ), or None.
    """

    p: float
    q: float
    gamma: float
    log_likelihood: float
    n_customers: int
    cov: tuple[tuple[float, ...], ...] | None = None

    @property
    def mean_spend(self) -> float:
        """Population mean spend per purchase, E[M] = p·γ / (q - 1) (infinite if q ≤ 1)."""
        return self.p * self.gamma / (self.q - 1) if self.q > 1 else float("inf")

    def expected_spend(self, frequency: Array, monetary_value: Array) -> Array:
        """Return E[M | x, m_x], the expected mean spend per purchase of each customer.

        E = p·(γ + x·m_x) / (p·x + q - 1); for x = 0 it is the population mean p·γ/(q-1).

        Example:
            >>> gg = GammaGamma(p=6.25, q=3.74, gamma=15.44, log_likelihood=0, n_customers=1)
            >>> gg.expected_spend(np.array([0, 2]), np.array([0.0, 40.0])).round(2)
            array([35.22, 39.14])
        """
        x = np.asarray(frequency, dtype=float)
        m = np.where(x > 0, np.asarray(monetary_value, dtype=float), 0.0)
        return self.p * (self.gamma + x * m) / (self.p * x + self.q - 1)

    def sample(self, frequency: Array, seed: int = 42) -> Array:
        """Return mean spend per repeat purchase drawn from the model (0 where x = 0).

        ν ~ Gamma(q, rate γ); the mean of x spends Gamma(p, rate ν) is Gamma(p·x, rate ν·x).

        Example:
            >>> gg = GammaGamma(p=6.25, q=3.74, gamma=15.44, log_likelihood=0, n_customers=1)
            >>> m = gg.sample(np.array([0, 3]), seed=1)
            >>> bool(m[0] == 0 and m[1] > 0)
            True
        """
        rng = np.random.default_rng(seed)
        x = np.asarray(frequency, dtype=float)
        nu = rng.gamma(self.q, 1 / self.gamma, x.size)
        draw = rng.gamma(np.maximum(self.p * x, 1e-12), 1 / (nu * np.maximum(x, 1)))
        return np.where(x > 0, draw, 0.0)


def expected_purchases(params: Array, t: Array | float) -> Array:
    """Return E[X(t)] for BG/NBD parameter rows (..., 4) = (r, α, a, b), broadcast against t.

    E[X(t)] = (a+b-1)/(a-1) · [1 - (α/(α+t))^r · 2F1(r, b; a+b-1; t/(α+t))]

    Example:
        >>> params = np.array([[0.243, 4.414, 0.793, 2.426], [0.5, 4.0, 0.8, 2.4]])
        >>> expected_purchases(params, np.array([1.0, 39.0])).round(3).tolist()
        [[0.053, 1.197], [0.12, 2.377]]
    """
    p = np.asarray(params, dtype=float)
    r, alpha, a, b = (p[..., i : i + 1] for i in range(4))
    t = np.asarray(t, dtype=float)
    # A degenerate fit (every customer paid once: a → 1, parameters at their bounds) gives
    # NaN here, which the caller reports as "no model LTV"; numpy need not warn about it.
    with np.errstate(divide="ignore", invalid="ignore"):
        head = (a + b - 1) / (a - 1)
        out = head * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))
    return out[0] if p.ndim == 1 else out


def at_bound(*params: float) -> bool:
    """Return True when a fitted parameter sits at the optimiser's limit (e^±12).

    A parameter there means the likelihood kept improving towards 0 or ∞: the data lack the
    heterogeneity the model describes (e.g. regular subscription payments for BG/NBD).

    Example:
        >>> at_bound(0.24, 162754.79), at_bound(0.24, 4.4)
        (True, False)
    """
    return bool(np.any(np.abs(np.log(np.asarray(params, dtype=float))) >= LOG_BOUND - 0.01))


def fit_bgnbd(
    frequency: Array,
    recency: Array,
    T: Array,  # noqa: N803
    *,
    weights: Array | None = None,
) -> BGNBD:
    """Return the maximum-likelihood BG/NBD model of an RFM summary.

    Per customer (FHL 2005, eq. 6): ℓ = ln Γ(r+x) - ln Γ(r) + r ln α + ln B(a, b+x) - ln B(a, b)
    + ln[(α+T)^-(r+x) + δ(x>0) · a/(b+x-1) · (α+t_x)^-(r+x)]; the fit maximises Σ w·ℓ.

    Args:
        frequency: repeat purchases x (integers ≥ 0).
        recency: t_x, time of the last purchase since the first (0 when x = 0).
        T: time from the first purchase to the end of calibration, same unit.
        weights: optional number of customers behind each row (for pre-aggregated input).

    Raises:
        DataError: on empty or inconsistent input (negative x, recency > T, ...).

    Example:
        >>> m = fit_bgnbd(
        ...     [0, 1, 3, 0, 2], [0.0, 5.0, 20.0, 0.0, 30.0], [38.0, 38.0, 38.0, 20.0, 31.0]
        ... )
        >>> m.n_customers, m.r > 0, m.log_likelihood < 0
        (5, True, True)
    """
    x, tx, big_t = _as_rfm(frequency, recency, T)
    _check_rfm(x, tx, big_t)
    w = np.ones(x.size) if weights is None else np.asarray(weights, dtype=float)
    x, tx, big_t, w_rows = distinct_rows(x, tx, big_t, w)
    columns = (x.astype(np.int64), tx, big_t, w_rows)
    sample = thinned(*columns)
    warm = None if sample is None else bgnbd_objective(*sample)
    params, log_lik, cov = maximise(bgnbd_objective(*columns), 4, warm)
    r, alpha, a, b = params
    return BGNBD(r, alpha, a, b, log_lik, round(float(w.sum())), cov)


def fit_gamma_gamma(
    frequency: Array,
    monetary_value: Array,
    *,
    weights: Array | None = None,
) -> GammaGamma:
    """Return the maximum-likelihood Gamma-Gamma spend model of the repeat buyers.

    Customers with x = 0 carry no spend information and are left out. Per repeat buyer:
    ℓ = ln Γ(px+q) - ln Γ(px) - ln Γ(q) + q ln γ + (px-1) ln m_x + px ln x - (px+q) ln(γ+x·m_x).

    Raises:
        DataError: when there are no repeat buyers or a repeat buyer's mean spend is ≤ 0.

    Example:
        >>> gg = fit_gamma_gamma([1, 2, 3, 1, 0], [20.0, 35.0, 18.0, 60.0, 0.0])
        >>> gg.n_customers, gg.p > 0
        (4, True)
    """
    x = np.asarray(frequency, dtype=float)
    m = np.asarray(monetary_value, dtype=float)
    w = np.ones(x.size) if weights is None else np.asarray(weights, dtype=float)
    keep = x > 0
    if not keep.any():
        raise DataError("Gamma-Gamma needs repeat buyers; no customer bought twice.")
    if (m[keep] <= 0).any() or not np.isfinite(m[keep]).all():
        raise DataError("Mean spend per repeat purchase must be positive for repeat buyers.")
    columns = (x[keep], m[keep], w[keep])
    sample = thinned(*columns)
    warm = None if sample is None else gg_objective(*sample)
    (p, q, gamma), log_lik, cov = maximise(gg_objective(*columns), 3, warm)
    return GammaGamma(p, q, gamma, log_lik, round(float(w[keep].sum())), cov)


def _as_rfm(frequency: Array, recency: Array, T: Array) -> tuple[Array, Array, Array]:  # noqa: N803
    return (
        np.asarray(frequency, dtype=float),
        np.asarray(recency, dtype=float),
        np.asarray(T, dtype=float),
    )


def _check_rfm(x: Array, tx: Array, big_t: Array) -> None:
    if x.size == 0:
        raise DataError("No customers to fit: the RFM summary is empty.")
    if not (x.shape == tx.shape == big_t.shape):
        raise DataError("frequency, recency and T must have the same length.")
    if (x < 0).any() or (x != np.round(x)).any():
        raise DataError("frequency must be whole numbers ≥ 0 (repeat purchase counts).")
    if (tx < 0).any() or (tx > big_t + 1e-9).any() or ((x > 0) & (tx <= 0)).any():
        raise DataError("Need 0 ≤ recency ≤ T, and recency > 0 for repeat buyers.")
