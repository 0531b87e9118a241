"""Correlation-only scores of a candidate (what other tools rank by) and the verdict rules.

SEMANTICS.md §6: for X = reached the moment, Y = outcome, the 2×2 table a = (X=1, Y=1),
b = (X=1, Y=0), c = (X=0, Y=1), d = (X=0, Y=0).
"""

from dataclasses import dataclass
from typing import Final

import numpy as np

from nsm_core import stats

DRIVER: Final = "likely causal driver"
PROXY: Final = "proxy: correlated, not causal after adjustment"
HARMFUL: Final = "harmful"
NO_EFFECT: Final = "no clear effect"
NOT_ENOUGH: Final = "not enough data"
VERDICTS: Final = (DRIVER, PROXY, HARMFUL, NO_EFFECT, NOT_ENOUGH)
FDR: Final = 0.05
# Shares of users in strata with both arms. Below MIN_OVERLAP nothing is judged; below
# CAUSAL_OVERLAP the lift describes a smaller, different population, and on the samples such
# candidates were where residual confounding showed, so no causal claim is made from them.
MIN_OVERLAP: Final = 0.5
CAUSAL_OVERLAP: Final = 0.8


@dataclass(frozen=True, slots=True)
class Arms:
    """Per-candidate sums over users: count, Σy and Σy² of those who reached it (1) or not (0)."""

    n1: np.ndarray
    s1: np.ndarray
    q1: np.ndarray
    n0: np.ndarray
    s0: np.ndarray
    q0: np.ndarray

    @property
    def mean1(self) -> np.ndarray:
        """Return the outcome mean of users who reached the moment (NaN if none)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.s1 / self.n1

    @property
    def mean0(self) -> np.ndarray:
        """Return the outcome mean of users who did not (NaN if none)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.s0 / self.n0


def arms(treated: np.ndarray, y: np.ndarray) -> Arms:
    """Return the arm sums of each column of the (users × candidates) mask `treated`.

    Example:
        >>> a = arms(np.array([[True], [False], [True]]), np.array([1.0, 0.0, 0.0]))
        >>> a.n1.tolist(), a.s1.tolist(), a.n0.tolist()
        ([2.0], [1.0], [1.0])
    """
    x = treated.astype(np.float64)
    n1, s1, q1 = x.sum(0), y @ x, (y * y) @ x
    return Arms(n1, s1, q1, y.size - n1, y.sum() - s1, (y * y).sum() - q1)


def correlation(a: Arms) -> np.ndarray:
    """Return Pearson r between reaching the moment and the outcome (= phi for 0/1 outcomes).

    r = (Σxy/n − x̄ȳ) / sqrt(x̄(1 − x̄) · (Σy²/n − ȳ²)); for a 2×2 table this is
    phi = (ad − bc) / sqrt((a+b)(c+d)(a+c)(b+d)).

    Example (a, b, c, d = 30, 10, 20, 40: phi = (1200 − 200) / sqrt(40·60·50·50) ≈ 0.408):
        >>> a = Arms(*(np.array([v]) for v in (40.0, 30.0, 30.0, 60.0, 20.0, 20.0)))
        >>> round(float(correlation(a)[0]), 3)
        0.408
    """
    n = a.n1 + a.n0
    with np.errstate(divide="ignore", invalid="ignore"):
        x_bar, y_bar = a.n1 / n, (a.s1 + a.s0) / n
        cov = a.s1 / n - x_bar * y_bar
        var_y = (a.q1 + a.q0) / n - y_bar**2
        return cov / np.sqrt(x_bar * (1 - x_bar) * var_y)


def odds_ratio(a: Arms) -> np.ndarray:
    """Return PostHog's odds ratio with a +1 prior: (a+1)(d+1) / ((b+1)(c+1)) (0/1 outcomes).

    Example:
        >>> a = Arms(*(np.array([v]) for v in (40.0, 30.0, 30.0, 60.0, 20.0, 20.0)))
        >>> round(float(odds_ratio(a)[0]), 3)
        5.502
    """
    return (a.s1 + 1) * (a.n0 - a.s0 + 1) / ((a.n1 - a.s1 + 1) * (a.s0 + 1))


def naive_interval(a: Arms, binary: bool) -> tuple[np.ndarray, np.ndarray]:
    """Return the 95% CI of mean1 − mean0: Newcombe for 0/1 outcomes, Welch normal otherwise."""
    size = a.n1.size
    low, high = np.full(size, np.nan), np.full(size, np.nan)
    ok = (a.n1 > 1) & (a.n0 > 1)
    if binary:
        for i in np.flatnonzero(ok):
            low[i], high[i] = stats.newcombe_interval(a.s1[i], a.n1[i], a.s0[i], a.n0[i])
        return low, high
    with np.errstate(divide="ignore", invalid="ignore"):
        var1 = (a.q1 - a.n1 * a.mean1**2) / (a.n1 - 1)
        var0 = (a.q0 - a.n0 * a.mean0**2) / (a.n0 - 1)
        half = stats.z_value() * np.sqrt(var1 / a.n1 + var0 / a.n0)
    diff = a.mean1 - a.mean0
    return np.where(ok, diff - half, np.nan), np.where(ok, diff + half, np.nan)


def e_value(lift: np.ndarray, control: np.ndarray) -> np.ndarray:
    """Return the E-value of an adjusted risk difference (VanderWeele & Ding 2017).

    RR = (p0 + lift) / p0, taken ≥ 1 (inverted if below); E = RR + sqrt(RR·(RR − 1)): how
    strongly an unmeasured confounder would have to be tied to both the moment and the
    outcome (as a risk ratio) to explain the lift away.

    Example:
        >>> round(float(e_value(np.array([0.1]), np.array([0.2]))[0]), 3)
        2.366
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        rr = (control + lift) / control
        rr = np.where(rr < 1, 1 / rr, rr)
        return rr + np.sqrt(rr * (rr - 1))


def verdicts(
    estimable: np.ndarray,
    overlap: np.ndarray,
    q_value: np.ndarray,
    adjusted: tuple[np.ndarray, np.ndarray],
    naive: tuple[np.ndarray, np.ndarray],
) -> np.ndarray:
    """Return the verdict of each candidate, in plain words.

    not enough data: fewer than min_users on a side, under 50% of users comparable, or a
    significant lift from under 80% comparable users; driver / harmful: BH q ≤ 0.05 and the
    adjusted CI above / below 0; proxy: otherwise, when the naive CI excludes 0; else no
    clear effect.

    Example:
        >>> yes, q = np.array([True]), np.array([0.5])
        >>> low, high = np.array([-0.01]), np.array([0.05])
        >>> str(verdicts(yes, np.array([1.0]), q, (low, high), (high, high))[0])
        'proxy: correlated, not causal after adjustment'
    """
    usable = estimable & (overlap >= MIN_OVERLAP)
    significant = usable & (q_value <= FDR)
    conditions = [
        ~usable | (significant & (overlap < CAUSAL_OVERLAP)),
        significant & (adjusted[0] > 0),
        significant & (adjusted[1] < 0),
        (naive[0] > 0) | (naive[1] < 0),
    ]
    return np.select(conditions, [NOT_ENOUGH, DRIVER, HARMFUL, PROXY], NO_EFFECT)
