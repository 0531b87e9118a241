"""Stage 2: the adjusted lift of a moment, by stratifying users on a propensity score.

SEMANTICS.md §6, causal layer. For a candidate X (did event E ≥ k times in the window):
1. an L2-penalised logistic model gives each user's propensity e = P(X = 1 | confounders);
2. users fall into 10 strata, the deciles of logit(e);
3. strata with fewer than 3 users on either side are dropped (overlap trimming);
4. lift (ATE) = Σ_s n_s (ȳ1s − ȳ0s) / Σ_s n_s over the kept strata;
5. the 95% CI is the percentile interval of a Poisson bootstrap over users.

Speed: users with the same confounder values share a propensity, so the model is fitted on
the distinct covariate patterns with their counts (an exact rewrite of the user-level
likelihood). The bootstrap keeps the fitted strata and redraws users: a user-level Poisson
bootstrap only changes each (stratum, arm) cell's count and outcome sum, which are drawn
directly: exactly for 0/1 outcomes (successes and failures are independent Poisson), and
with a normal cell mean for amounts.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import numpy as np
import polars as pl
from scipy import special

from nsm_core import stats
from nsm_core.moments.candidates import ACTIVE_DAYS, EARLY_EVENTS, UserTable

STRATA: Final = 10
MIN_PER_ARM: Final = 3
RIDGE: Final = 1.0
MAX_LEVELS: Final = 10
METHOD: Final = "propensity strata (10, L2 logistic), Poisson bootstrap over users"


@dataclass(frozen=True, slots=True)
class Population:
    """The users an estimate is about, as arrays (row i = one user).

    y: outcome; counts / only_days: (users × events) window counts (see UserTable);
    levels: (users × properties) codes of the first-touch confounders, `sizes` levels each;
    active_days / n_events: early activity, or None when not adjusted for.
    """

    y: np.ndarray
    counts: np.ndarray
    only_days: np.ndarray
    levels: np.ndarray
    sizes: tuple[int, ...]
    active_days: np.ndarray | None
    n_events: np.ndarray | None
    binary: bool


@dataclass(frozen=True, slots=True)
class Adjusted:
    """Per-candidate results (arrays aligned with the candidates).

    cells[c] has shape (3, STRATA, 2): users, Σy and Σy² per (stratum, arm), arm 1 = reached.
    lift = stratified difference; control = Σ n_s ȳ0s / Σ n_s (the adjusted rate without the
    moment); overlap = share of users in kept strata; se = bootstrap standard deviation.
    """

    cells: np.ndarray
    lift: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    se: np.ndarray
    p_value: np.ndarray
    control: np.ndarray
    overlap: np.ndarray


def level_codes(values: pl.Series, max_levels: int = MAX_LEVELS) -> tuple[np.ndarray, int]:
    """Return (codes, number of levels): the most common values 0.., the rest one "other".

    Example:
        >>> codes, size = level_codes(pl.Series(["b", "a", "b", "c"]), max_levels=2)
        >>> codes.tolist(), size
        ([0, 1, 0, 1], 2)
    """
    raw = values.rank("dense").to_numpy().astype(np.int64) - 1
    frequency = np.bincount(raw)
    order = np.lexsort((np.arange(frequency.size), -frequency))
    remap = np.empty_like(order)
    remap[order] = np.minimum(np.arange(order.size), max_levels - 1)
    codes = remap[raw]
    return codes, int(codes.max()) + 1 if codes.size else 1


def population(table: UserTable, mask: np.ndarray, drop: str | None = None) -> Population:
    """Return the users of `table` selected by `mask`, with confounders coded for them.

    `drop` removes one property from the confounders (a segment held constant).
    """
    users = table.users.filter(pl.Series(mask))
    coded = [level_codes(users[p]) for p in table.properties if p != drop]
    n = users.height
    levels = np.column_stack([c for c, _ in coded]) if coded else np.zeros((n, 0), np.int64)
    activity = {
        name: users[column].to_numpy() if name in table.activity else None
        for name, column in ((ACTIVE_DAYS, "active_days"), (EARLY_EVENTS, "n_events"))
    }
    return Population(
        y=users["y"].to_numpy().astype(np.float64),
        counts=table.counts[mask],
        only_days=table.only_days[mask],
        levels=levels,
        sizes=tuple(s for _, s in coded),
        active_days=activity[ACTIVE_DAYS],
        n_events=activity[EARLY_EVENTS],
        binary=table.spec.binary,
    )


def _penalised_loglik(
    design: np.ndarray, successes: np.ndarray, trials: np.ndarray, penalty: np.ndarray
) -> Callable[[np.ndarray], float]:
    """Return β ↦ Σ_g [s_g·η_g − n_g·log(1 + e^η_g)] − ½·Σ_k λ_k β_k²."""

    def value(beta: np.ndarray) -> float:
        eta = design @ beta
        return float(successes @ eta - trials @ np.logaddexp(0, eta) - 0.5 * penalty @ beta**2)

    return value


def fit_logistic(design: np.ndarray, successes: np.ndarray, trials: np.ndarray) -> np.ndarray:
    """Return L2-penalised logistic coefficients fitted by Newton–Raphson on grouped rows.

    maximises Σ_g [s_g·η_g − n_g·log(1 + e^η_g)] − (λ/2)·|β₋₀|², η = Xβ, λ = 1, the
    intercept (column 0) unpenalised. Each Newton step is halved until the objective rises
    (plain Newton can oscillate when a covariate nearly separates the arms).

    Example:
        >>> x = np.ones((2, 1))  # intercept only: the fit is the overall share
        >>> beta = fit_logistic(x, np.array([20.0, 60.0]), np.array([100.0, 100.0]))
        >>> round(float(special.expit(beta[0])), 3)
        0.4
    """
    width = design.shape[1]
    penalty = np.full(width, RIDGE)
    penalty[0] = 1e-9
    objective = _penalised_loglik(design, successes, trials, penalty)
    share = np.clip(successes.sum() / trials.sum(), 1e-6, 1 - 1e-6)
    beta = np.zeros(width)
    beta[0] = np.log(share / (1 - share))
    current = objective(beta)
    for _ in range(100):
        prob = special.expit(design @ beta)
        grad = design.T @ (successes - trials * prob) - penalty * beta
        hess = (design * (trials * prob * (1 - prob))[:, None]).T @ design + np.diag(penalty)
        step = np.linalg.solve(hess, grad)
        size, trial = 1.0, objective(beta + step)
        while trial < current and size > 1e-6:
            size /= 2
            trial = objective(beta + size * step)
        beta, gain, current = beta + size * step, trial - current, trial
        if gain < 1e-10 * (1 + abs(current)):
            break
    return beta


def weighted_strata(score: np.ndarray, weight: np.ndarray, n_strata: int = STRATA) -> np.ndarray:
    """Return each row's stratum 0..n_strata−1: the quantile bin of `score` among users.

    Edges e_q = smallest score whose weighted cumulative share reaches q/n_strata
    (q = 1..n_strata−1); stratum = #{edges < score}. Tied scores share a stratum.

    Example:
        >>> weighted_strata(np.array([0.3, 0.1, 0.2]), np.array([1.0, 1.0, 2.0]), 2).tolist()
        [1, 0, 0]
    """
    order = np.argsort(score, kind="stable")
    cumulative = np.cumsum(weight[order])
    targets = cumulative[-1] * np.arange(1, n_strata) / n_strata
    cuts = np.minimum(np.searchsorted(cumulative, targets, side="left"), score.size - 1)
    return np.searchsorted(score[order][cuts], score, side="left")


def cell_sums(stratum: np.ndarray, treated: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Return (3, STRATA, 2): users, Σy, Σy² per (stratum, arm); arm 1 = treated.

    Example:
        >>> cells = cell_sums(np.array([0, 0, 1]), np.array([True, False, True]), np.ones(3))
        >>> cells[0, :2].tolist()
        [[1.0, 1.0], [0.0, 1.0]]
    """
    key = stratum * 2 + treated
    size = 2 * STRATA
    sums = [np.bincount(key, weights=w, minlength=size) for w in (None, y, y * y)]
    return np.stack(sums).astype(np.float64).reshape(3, STRATA, 2)


def stratified_difference(
    n: np.ndarray, total: np.ndarray, keep: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return (lift, control mean) from cell counts and sums over the kept strata.

    n, total: (..., S, 2) users and Σy per stratum and arm; keep: (..., S).
    lift = Σ_s w_s (ȳ1s − ȳ0s) / Σ_s w_s, control = Σ_s w_s ȳ0s / Σ_s w_s, w_s = n_s·keep_s.

    Example (two strata of 10 and 30 users, differences 0.2 and 0.4):
        >>> n = np.array([[5.0, 5.0], [15.0, 15.0]])
        >>> total = np.array([[1.0, 2.0], [3.0, 9.0]])
        >>> [round(float(v), 3) for v in stratified_difference(n, total, np.array([True, True]))]
        [0.35, 0.2]
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(n > 0, total / n, 0.0)
        weight = n.sum(-1) * keep
        kept = weight.sum(-1)
        lift = (weight * (mean[..., 1] - mean[..., 0])).sum(-1) / kept
        control = (weight * mean[..., 0]).sum(-1) / kept
    return lift, control


def _overlap(cells: np.ndarray) -> np.ndarray:
    """Return the strata with at least MIN_PER_ARM users in each arm."""
    return (cells[..., 0, :, :] >= MIN_PER_ARM).all(-1)


def bootstrap_lifts(cells: np.ndarray, binary: bool, replicates: int, seed: int) -> np.ndarray:
    """Return (replicates, candidates) bootstrap lifts with the strata held fixed.

    Poisson bootstrap: each user's weight w ~ Poisson(1). Per cell, 0/1 outcomes give
    Σw·y ~ Poisson(Σy) and Σw·(1 − y) ~ Poisson(n − Σy), independent. For amounts the cell
    count is Poisson(n) and its mean Normal(ȳ, s²/n*), s the cell's standard deviation.
    """
    rng = np.random.default_rng(seed)
    n, total, squares = (cells[:, i] for i in range(3))
    shape = (replicates, *n.shape)
    if binary:
        hits = rng.poisson(total, shape).astype(np.float64)
        n_b = hits + rng.poisson(n - total, shape)
        total_b = hits
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = np.where(n > 0, total / n, 0.0)
            var = np.where(n > 1, (squares - n * mean**2) / (n - 1), 0.0).clip(min=0)
        n_b = rng.poisson(n, shape).astype(np.float64)
        noise = rng.standard_normal(shape) * np.sqrt(var / np.maximum(n_b, 1))
        total_b = (mean + noise) * n_b
    keep = _overlap(cells) & (n_b > 0).all(-1)
    lift, _ = stratified_difference(n_b, total_b, keep)
    return lift


def _design(levels: np.ndarray, sizes: tuple[int, ...], numeric: np.ndarray) -> np.ndarray:
    """Return [1, one-hot levels (first level dropped), standardised numeric and squares]."""
    dummies = [(levels[:, j : j + 1] == np.arange(1, s)).astype(float) for j, s in enumerate(sizes)]
    spread = numeric.std(axis=0)
    z = (numeric[:, spread > 0] - numeric[:, spread > 0].mean(axis=0)) / spread[spread > 0]
    return np.column_stack([np.ones(levels.shape[0]), *dummies, z, z**2])


def _patterns(pop: Population, event: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (design rows, users per row, row of each user) over distinct covariate values.

    The activity confounders leave out the candidate event: active days without the days
    it was the only event, and events in the window minus its count.
    """
    n = pop.y.size
    zero = np.zeros(n, np.int64)
    days = zero if pop.active_days is None else pop.active_days - pop.only_days[:, event]
    other = zero if pop.n_events is None else pop.n_events - pop.counts[:, event]
    key = np.zeros(n, np.int64)
    for j, size in enumerate(pop.sizes):
        key = key * size + pop.levels[:, j]
    key = (key * (days.max() + 1) + days) * (other.max() + 1) + other
    _, first, inverse, weight = np.unique(
        key, return_index=True, return_inverse=True, return_counts=True
    )
    numeric = np.column_stack([days[first], np.log1p(other[first])]).astype(float)
    return _design(pop.levels[first], pop.sizes, numeric), weight.astype(float), inverse


def event_cells(pop: Population, event: int, thresholds: list[int]) -> np.ndarray:
    """Return (len(thresholds), 3, STRATA, 2) cells for "did `event` ≥ k times", each k.

    One propensity model per threshold, fitted on the covariate patterns of this event.
    """
    design, weight, inverse = _patterns(pop, event)
    out = np.zeros((len(thresholds), 3, STRATA, 2))
    for c, k in enumerate(thresholds):
        treated = pop.counts[:, event] >= k
        reached = np.bincount(inverse, weights=treated, minlength=weight.size)
        if 0 < reached.sum() < weight.sum():
            stratum = weighted_strata(design @ fit_logistic(design, reached, weight), weight)
        else:
            stratum = np.zeros(weight.size, np.int64)
        out[c] = cell_sums(stratum[inverse], treated, pop.y)
    return out


def adjust(cells: np.ndarray, binary: bool, replicates: int, seed: int) -> Adjusted:
    """Return lifts, bootstrap CIs and p-values (normal, bootstrap SE) for each candidate."""
    keep = _overlap(cells)
    lift, control = stratified_difference(cells[:, 0], cells[:, 1], keep)
    draws = bootstrap_lifts(cells, binary, replicates, seed)
    usable = (np.isfinite(draws).sum(axis=0) > 1) & np.isfinite(lift)
    bounds = np.full((lift.size, 2), np.nan)
    se = np.full(lift.size, np.nan)
    for c in np.flatnonzero(usable):
        bounds[c] = stats.bootstrap_interval(draws[:, c])
        se[c] = np.nanstd(draws[:, c], ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.abs(lift) / se
    p_value = np.where(se > 0, 2 * special.ndtr(-np.abs(z)), np.where(lift == 0, 1.0, 0.0))
    p_value = np.where(usable, p_value, np.nan)
    overlap = (cells[:, 0].sum(-1) * keep).sum(-1) / cells[:, 0].sum((-1, -2))
    return Adjusted(cells, lift, bounds[:, 0], bounds[:, 1], se, p_value, control, overlap)
