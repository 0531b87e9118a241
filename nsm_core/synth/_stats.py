"""Truth numbers from simulated arrays: potential-outcome effects, observed lifts, rates."""

from dataclasses import dataclass

import numpy as np

from nsm_core.synth._common import EARLY_DAYS, early_days, later_days, sigmoid
from nsm_core.synth.truths import Moment, Role


@dataclass(frozen=True, slots=True)
class Potential:
    """Per-unit potential outcomes of the retention model, over the eligible units only.

    y0, y1: retained without / with the moment (same coin flip u < p); p0, p1: their
    probabilities; observed: the realised outcome (y1 where the moment happened, else y0).
    """

    y0: np.ndarray
    y1: np.ndarray
    p0: np.ndarray
    p1: np.ndarray
    observed: np.ndarray


@dataclass(frozen=True, slots=True)
class Behaviour:
    """An early behaviour to score: its definition, its role, and who did it (eligible units)."""

    event: str
    min_count: int
    role: Role
    did: np.ndarray
    logit_effect: float = 0.0


def pp(x: float) -> float:
    """Return a share as percentage points rounded to 3 decimals.

    Example:
        >>> pp(0.123456)
        12.346
    """
    return round(100.0 * float(x), 3)


def phi(x: np.ndarray, y: np.ndarray) -> float:
    """Return the phi coefficient (Pearson r of two 0/1 arrays), rounded to 4 decimals.

    phi = (ad - bc) / sqrt((a+b)(c+d)(a+c)(b+d)).

    Example:
        >>> phi(np.array([1, 1, 0, 0]), np.array([1, 0, 0, 0]))
        0.5774
    """
    x, y = x.astype(bool), y.astype(bool)
    a = float(np.sum(x & y))
    b = float(np.sum(x & ~y))
    c = float(np.sum(~x & y))
    d = float(np.sum(~x & ~y))
    den = np.sqrt((a + b) * (c + d) * (a + c) * (b + d))
    return round(float((a * d - b * c) / den), 4) if den > 0 else 0.0


def lift(did: np.ndarray, outcome: np.ndarray) -> float:
    """Return mean(outcome | did) - mean(outcome | not did).

    Example:
        >>> lift(np.array([True, False]), np.array([1.0, 0.0]))
        1.0
    """
    return float(outcome[did].mean() - outcome[~did].mean())


def moment_truth(
    behaviour: Behaviour, pot: Potential, revenue_gain: np.ndarray | None = None
) -> Moment:
    """Return the `Moment` truth of a behaviour: causal effects if it is the cause, else 0.

    revenue_gain: per-unit revenue in own days 8..35 gained if retained (for revenue_ate).
    """
    did = behaviour.did.astype(bool)
    cause = behaviour.role == "cause"
    diff = (pot.y1.astype(float) - pot.y0) if cause else np.zeros(did.size)
    pdiff = (pot.p1 - pot.p0) if cause else np.zeros(did.size)
    revenue = None
    if revenue_gain is not None:
        revenue = round(float(np.mean(diff * revenue_gain)), 4)
    observed = pot.observed.astype(bool)
    return Moment(
        event=behaviour.event,
        min_count=behaviour.min_count,
        window_days=7,
        role=behaviour.role,
        ate_pp=pp(diff.mean()),
        expected_ate_pp=pp(pdiff.mean()),
        att_pp=pp(diff[did].mean()),
        naive_lift_pp=pp(lift(did, observed.astype(float))),
        phi=phi(did, observed),
        reach=round(float(did.mean()), 4),
        logit_effect=behaviour.logit_effect,
        revenue_ate=revenue,
    )


def per(total: float, count: int) -> float:
    """Return total / count rounded to cents, or 0.0 when count is 0.

    Example:
        >>> per(10.0, 3), per(5.0, 0)
        (3.33, 0.0)
    """
    return round(total / count, 2) if count else 0.0


def rate(x: np.ndarray) -> float:
    """Return the mean of a 0/1 array rounded to 4 decimals (0.0 when empty).

    Example:
        >>> rate(np.array([True, False, False, False]))
        0.25
    """
    return round(float(np.mean(x)), 4) if x.size else 0.0


@dataclass(frozen=True, slots=True, eq=False)
class LifeModel:
    """Per-user logits and rates of the shared life model (see the product modules).

    P(return on own day d in 1..6) = sigmoid(return_logit + leak_return * leak)
    P(moment in days 0..6)         = sigmoid(moment_logit)
    P(retained)                    = sigmoid(retention_logit + leak_retention * leak + tau * moment)
    later life: own days 7..life_end, each active with probability later_q.
    """

    return_logit: np.ndarray
    moment_logit: np.ndarray
    retention_logit: np.ndarray
    leak: np.ndarray
    leak_return: float
    leak_retention: float
    tau: float
    later_q: np.ndarray
    life_end: np.ndarray


@dataclass(frozen=True, slots=True, eq=False)
class World:
    """Simulated lives: early days (with and without the leak), moment, outcomes, later life."""

    early: np.ndarray
    early_no_leak: np.ndarray
    moment: np.ndarray
    pot: Potential
    y_no_leak: np.ndarray
    later: np.ndarray


def live(rng: np.random.Generator, lm: LifeModel) -> World:
    """Return simulated lives; both potential outcomes share one coin flip per user.

    Example:
        >>> n = 3
        >>> lm = LifeModel(
        ...     *[np.zeros(n)] * 3,
        ...     np.zeros(n, bool),
        ...     -1.0,
        ...     -1.0,
        ...     1.0,
        ...     np.full(n, 0.1),
        ...     np.full(n, 60),
        ... )
        >>> w = live(np.random.default_rng(0), lm)
        >>> bool((w.pot.y1 >= w.pot.y0).all()), w.early.shape
        (True, (3, 7))
    """
    draw = rng.random((lm.leak.size, EARLY_DAYS))
    early = early_days(draw, sigmoid(lm.return_logit + lm.leak_return * lm.leak))
    early_no_leak = early_days(draw, sigmoid(lm.return_logit))
    moment = rng.random(lm.leak.size) < sigmoid(lm.moment_logit)
    coin = rng.random(lm.leak.size)
    base = lm.retention_logit + lm.leak_retention * lm.leak
    p0, p1 = sigmoid(base), sigmoid(base + lm.tau)
    y0, y1 = coin < p0, coin < p1
    y_no_leak = coin < sigmoid(lm.retention_logit + lm.tau * moment)
    later = later_days(rng, lm.later_q, lm.life_end)
    pot = Potential(y0=y0, y1=y1, p0=p0, p1=p1, observed=np.where(moment, y1, y0))
    return World(early, early_no_leak, moment, pot, y_no_leak, later)
