"""Small simulated products with a known true effect for every candidate moment.

The calibration study (bench/calibration.py) runs the default moments scan on hundreds of
these worlds and compares each verdict and interval with the truth. A world is drawn from a
seed: a few thousand users who sign up over four weeks, a handful of events with planted
roles, and a retention outcome defined as the app defines it (any event on own days 8..35).

Generative model, per user i (z_i is hidden: it is in no column of the events):
    channel c_i ~ Categorical(CHANNEL_SHARES);  engagement z_i ~ N(0, 1);  coin u_i ~ U(0, 1)
    count of event E on own days 0..6:  N_iE ~ Poisson(rate_E · exp(trait_E · z_i + chan_E[c_i]))
        a daily habit: once on each own day 1..6, with probability σ(logit(rate_E/6) + trait_E·z_i)
    a follower F of leader L: each occurrence of L is followed, later the same window, by one
        occurrence of F with probability min(1, rate_F · exp(trait_F · z_i)); F never happens alone
    retention logit  ℓ_i = base + trait_logit · z_i + channel_logit[c_i]
                           + Σ_causes (logit_E + spread_E · z_i) · 1{N_iE ≥ k_E}
    retained_i = 1{u_i < σ(ℓ_i)}; a retained user has events on own days 8..35 (and some later),
        anyone else has none after day 6.
Only causes ("cause" helps, "harmful" hurts) enter ℓ. Proxies of the hidden trait
("trait_proxy"), of the channel ("channel_proxy"), followers, placebos and the signup event
("start", done by everyone) do nothing.

Truth of candidate (E, k) = "did E ≥ k times in own days 0..6", over the eligible users
(observed through day 35, the app's rule: first event + 36 days ≤ the last event):
    ate_pp = 100 · mean(Y_i(1) − Y_i(0)), both potential outcomes simulated with the user's
        own coin: Y_i(x) = 1{u_i < σ(ℓ_i with 1{N_iE ≥ k_E} set to x)}, every other cause
        left as it happened;  expected_pp = 100 · mean(σ(ℓ_i | x=1) − σ(ℓ_i | x=0)).
    Zero-effect events have ate_pp = 0 at every k. A cause's other thresholds (k ≠ k_E) are
    no single intervention (with k_E = 1, "≥ 2 vs < 2" puts users who did it once among
    the untreated), so their truth is null and the study leaves them out.
"""

import zlib
from dataclasses import dataclass, replace
from typing import Final, Literal

import numpy as np
import polars as pl

from nsm_core.synth._common import DAY_S, START_S, finish_events, pick, sigmoid, user_id

Role = Literal["cause", "harmful", "trait_proxy", "channel_proxy", "follower", "placebo", "start"]
ZERO_EFFECT: Final[tuple[Role, ...]] = (
    "trait_proxy",
    "channel_proxy",
    "follower",
    "placebo",
    "start",
)
CHANNELS: Final = ("organic", "paid", "referral")
CHANNEL_SHARES: Final = (0.5, 0.3, 0.2)
THRESHOLDS: Final = (1, 2, 3, 5, 10)
WINDOW_DAYS: Final = 7
OUTCOME_WINDOW: Final = (8, 35)
SIGNUP_DAYS: Final = 28
LATER_DAYS: Final = 90
START: Final = "signup"
# Streams of the per-world generators: one per component, so that changing one event (its
# rate, or removing it) leaves every other draw of the world as it was.
_DESIGN, _USERS, _LATER, _EVENT = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class Planted:
    """One candidate event and what it does (see the module docstring for the model).

    rate: mean count in the window of an average user (followers: chance per leader event);
    trait: log-rate per sd of hidden engagement (daily events: logit per sd); channel:
    log-rate shift per CHANNELS; daily: at most once a day, on each own day 1..6 with
    probability σ(logit(rate / 6) + trait · z), a habit that makes engagement readable from
    active days;
    leader: the event a follower follows; threshold, logit, spread: a cause acts from
    `threshold` times on, adding logit + spread · z to the retention logit.
    """

    event: str
    role: Role
    rate: float
    trait: float = 0.0
    channel: tuple[float, ...] = (0.0, 0.0, 0.0)
    leader: str | None = None
    threshold: int = 1
    logit: float = 0.0
    spread: float = 0.0
    daily: bool = False


@dataclass(frozen=True, slots=True)
class Design:
    """A world's parameters: users, the retention model's intercept and confounding, events.

    base: retention logit of an average organic user with no cause; trait_logit: retention
    logit per sd of hidden engagement; channel_logit: retention logit shift per CHANNELS.
    Leaders come before their followers in `planted`.
    """

    seed: int
    users: int
    base: float
    trait_logit: float
    channel_logit: tuple[float, ...]
    planted: tuple[Planted, ...]

    def without(self, event: str) -> "Design":
        """Return the design with `event` never happening (its rate 0), all else the same."""
        return replace(
            self,
            planted=tuple(replace(p, rate=0.0) if p.event == event else p for p in self.planted),
        )


@dataclass(frozen=True, slots=True)
class World:
    """A simulated product: canonical events, the truth of every candidate, hidden per user.

    events: user_id, event, ts (UTC), revenue (0.0), channel (constant per user);
    truth: event, threshold, role, ate_pp, expected_pp, reach, naive_pp, logit_effect
    (one row per planted event × THRESHOLDS; ate_pp null for a cause's other thresholds);
    hidden: user_id, channel, trait, retained, eligible.
    """

    design: Design
    events: pl.DataFrame
    truth: pl.DataFrame
    hidden: pl.DataFrame


def logit(p: float) -> float:
    """Return log(p / (1 − p)).

    Example:
        >>> logit(0.5)
        0.0
    """
    return float(np.log(p / (1.0 - p)))


def logit_for(base: float, pp: float) -> float:
    """Return the logit effect that moves a rate σ(base) by `pp` percentage points.

    logit(σ(base) + pp/100) − base, the rate kept inside [0.02, 0.98].

    Example:
        >>> round(logit_for(0.0, 10.0), 4)  # 50% → 60%
        0.4055
    """
    target = min(max(float(sigmoid(np.array(base))) + pp / 100.0, 0.02), 0.98)
    return logit(target) - base


def _cause(rng: np.random.Generator, name: str, base: float, pp: float) -> Planted:
    """Return a cause moving retention by about `pp` pp, acting from 1, 2 or 3 times."""
    threshold = int(pick(rng, [0.6, 0.2, 0.2], 1)[0]) + 1
    low, high = {1: (0.2, 1.2), 2: (0.8, 2.5), 3: (1.5, 4.0)}[threshold]
    return Planted(
        name,
        "cause" if pp > 0 else "harmful",
        rate=rng.uniform(low, high),
        trait=rng.uniform(0.0, 0.6),
        channel=tuple(rng.normal(0.0, 0.4, len(CHANNELS))),
        threshold=threshold,
        logit=logit_for(base, pp),
        spread=rng.uniform(-0.3, 0.3),
    )


def draw_design(seed: int, users: int | None = None) -> Design:
    """Return the parameters of world `seed`: varied sizes, base rates, reach and confounding.

    Per world: 1–2 causes (4–6 pp in 40% of them, else 1–20 pp), a harmful cause (−3 to
    −12 pp) in 60%, a follower of the first cause (and, in half the worlds, of a trait proxy),
    three to five proxies of the hidden trait (a daily habit and Poisson counts: engaged
    users do more of everything), one of the channel, one or two placebos.
    """
    rng = np.random.default_rng([seed, _DESIGN])
    n = int(rng.integers(2_000, 4_001)) if users is None else users
    base = logit(rng.uniform(0.15, 0.5))
    channel_logit = tuple(rng.normal(0.0, rng.uniform(0.0, 0.8), len(CHANNELS)))
    planted = [Planted(START, "start", 1.0)]
    for i in range(int(rng.integers(1, 3))):
        pp = rng.uniform(4.0, 6.0) if rng.random() < 0.4 else rng.uniform(1.0, 20.0)
        planted.append(_cause(rng, f"cause_{i}", base, pp))
    if rng.random() < 0.6:
        planted.append(_cause(rng, "harm_0", base, -rng.uniform(3.0, 12.0)))
    habit = rng.uniform(0.5, 5.0)
    planted.append(Planted("trait_0", "trait_proxy", habit, rng.uniform(0.3, 1.0), daily=True))
    planted += [
        Planted(f"trait_{i}", "trait_proxy", rng.uniform(0.3, 4.0), rng.uniform(0.2, 0.8))
        for i in range(1, int(rng.integers(3, 6)))
    ]
    shift = tuple(2.0 * np.array(channel_logit) + rng.normal(0.0, 0.2, len(CHANNELS)))
    planted.append(Planted("channel_0", "channel_proxy", rng.uniform(0.3, 2.0), channel=shift))
    leaders = ["cause_0", *(["trait_0"] if rng.random() < 0.5 else [])]
    planted += [
        Planted(
            f"after_{leader}",
            "follower",
            rng.uniform(0.3, 0.9),
            rng.uniform(0.0, 0.5),
            leader=leader,
        )
        for leader in leaders
    ]
    planted += [
        Planted(f"placebo_{i}", "placebo", rng.uniform(0.1, 3.0))
        for i in range(int(rng.integers(1, 3)))
    ]
    return Design(seed, n, base, rng.uniform(0.2, 1.2), channel_logit, tuple(planted))


@dataclass(frozen=True, slots=True)
class _Users:
    """Per-user draws shared by every event: channel code, hidden trait, signup, coin."""

    channel: np.ndarray
    trait: np.ndarray
    signup: np.ndarray
    coin: np.ndarray


def _users(design: Design) -> _Users:
    rng = np.random.default_rng([design.seed, _USERS])
    n = design.users
    channel = pick(rng, CHANNEL_SHARES, n)
    trait = rng.normal(0.0, 1.0, n)
    signup = START_S + rng.integers(0, SIGNUP_DAYS * DAY_S, n)
    return _Users(channel, trait, signup, rng.random(n))


def _occurrences(
    design: Design, planted: Planted, users: _Users, done: dict[str, tuple[np.ndarray, ...]]
) -> tuple[np.ndarray, np.ndarray]:
    """Return (user index, epoch second) of every occurrence of `planted` in the window."""
    rng = np.random.default_rng([design.seed, _EVENT, zlib.crc32(planted.event.encode())])
    if planted.role == "start":
        return np.arange(design.users), users.signup.copy()
    window_end = users.signup + WINDOW_DAYS * DAY_S - 1
    if planted.leader is not None:
        who, when = done[planted.leader]
        chance = np.minimum(1.0, planted.rate * np.exp(planted.trait * users.trait[who]))
        follows = rng.random(who.size) < chance
        who, when = who[follows], when[follows]
        gap = np.floor(rng.random(who.size) * np.minimum(DAY_S, window_end[who] - when))
        return who, when + 1 + gap.astype(np.int64)
    if planted.daily:
        chance = sigmoid(logit(min(max(planted.rate, 1e-3), 5.9) / 6) + planted.trait * users.trait)
        who, day = np.nonzero(rng.random((design.users, WINDOW_DAYS - 1)) < chance[:, None])
        return who, users.signup[who] + (day + 1) * DAY_S + rng.integers(0, DAY_S, who.size)
    shift = np.asarray(planted.channel)[users.channel]
    lam = planted.rate * np.exp(planted.trait * users.trait + shift)
    who = np.repeat(np.arange(design.users), rng.poisson(lam))
    offset = 60 + np.floor(rng.random(who.size) * (WINDOW_DAYS * DAY_S - 120))
    return who, users.signup[who] + offset.astype(np.int64)


def _retention_logit(design: Design, users: _Users, counts: dict[str, np.ndarray]) -> np.ndarray:
    """Return ℓ_i, the retention logit of every user with the causes as they happened."""
    out = design.base + design.trait_logit * users.trait
    out = out + np.asarray(design.channel_logit)[users.channel]
    for p in design.planted:
        if p.role in ("cause", "harmful"):
            out = out + (p.logit + p.spread * users.trait) * (counts[p.event] >= p.threshold)
    return out


def _later(design: Design, users: _Users, retained: np.ndarray) -> tuple[np.ndarray, ...]:
    """Return (user, second, event name) of retained users' events after the window.

    Each retained user has 1 + Poisson(2 e^{0.3 z}) events on own days 8..35 and, half of
    them, 1 + Poisson(3) more on days 36..LATER_DAYS − 1, of the non-follower event types.
    """
    rng = np.random.default_rng([design.seed, _LATER])
    kept = np.flatnonzero(retained)
    names = np.array([p.event for p in design.planted if p.leader is None and p.role != "start"])
    weights = np.array([max(p.rate, 0.05) for p in design.planted if p.event in set(names)])
    parts = []
    low, high = OUTCOME_WINDOW
    spans = [(low, high + 1, 1 + rng.poisson(2 * np.exp(0.3 * users.trait[kept])))]
    spans.append(
        (high + 1, LATER_DAYS, (1 + rng.poisson(3, kept.size)) * (rng.random(kept.size) < 0.5))
    )
    for first, last, n in spans:
        who = np.repeat(kept, n)
        day = rng.integers(first, last, who.size)
        parts.append((who, users.signup[who] + day * DAY_S + rng.integers(0, DAY_S, who.size)))
    who = np.concatenate([p[0] for p in parts])
    return who, np.concatenate([p[1] for p in parts]), names[pick(rng, weights, who.size)]


def _lift(did: np.ndarray, outcome: np.ndarray) -> float | None:
    """Return 100 · (mean outcome of those who did − of those who did not), None if a side is empty.

    Example:
        >>> _lift(np.array([True, False]), np.array([True, False])), _lift(np.array([True]), None)
        (100.0, None)
    """
    if did.all() or not did.any():
        return None
    return 100.0 * float(outcome[did].mean() - outcome[~did].mean())


def _gaps(
    p: Planted, users: _Users, counts: dict[str, np.ndarray], logit_now: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return per user (Y(1) − Y(0), σ(ℓ | x=1) − σ(ℓ | x=0)) of cause `p` at its threshold."""
    acts = p.logit + p.spread * users.trait
    without = logit_now - acts * (counts[p.event] >= p.threshold)
    p0, p1 = sigmoid(without), sigmoid(without + acts)
    return (users.coin < p1).astype(float) - (users.coin < p0), p1 - p0


def _truth_rows(
    design: Design, users: _Users, counts: dict[str, np.ndarray], eligible: np.ndarray
) -> pl.DataFrame:
    """Return the truth table (see World) from both potential outcomes of every user."""
    logit_now = _retention_logit(design, users, counts)
    observed = (users.coin < sigmoid(logit_now))[eligible]
    rows = []
    for p in design.planted:
        gaps = (np.zeros(design.users), np.zeros(design.users))
        if p.role in ("cause", "harmful"):
            gaps = _gaps(p, users, counts, logit_now)
        for k in THRESHOLDS:
            did = counts[p.event][eligible] >= k
            defined = p.role in ZERO_EFFECT or k == p.threshold
            ate, expected = (100.0 * float(g[eligible].mean()) if defined else None for g in gaps)
            rows.append(
                (p.event, k, p.role, ate, expected, did.mean(), _lift(did, observed), p.logit)
            )
    schema = {
        "event": pl.String,
        "threshold": pl.Int64,
        "role": pl.String,
        "ate_pp": pl.Float64,
        "expected_pp": pl.Float64,
        "reach": pl.Float64,
        "naive_pp": pl.Float64,
        "logit_effect": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


def build(design: Design) -> World:
    """Return the world of `design`: its events, the truth of every candidate, hidden draws."""
    users = _users(design)
    done: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    counts: dict[str, np.ndarray] = {}
    for p in design.planted:
        done[p.event] = _occurrences(design, p, users, done)
        counts[p.event] = np.bincount(done[p.event][0], minlength=design.users)
    retained = users.coin < sigmoid(_retention_logit(design, users, counts))
    later_who, later_ts, later_names = _later(design, users, retained)
    who = np.concatenate([*(d[0] for d in done.values()), later_who])
    ts = np.concatenate([*(d[1] for d in done.values()), later_ts])
    names = np.concatenate([*(np.full(d[0].size, e) for e, d in done.items()), later_names])
    # The app's eligibility: first event + (35 + 1) days ≤ the last event in the data.
    eligible = users.signup + (OUTCOME_WINDOW[1] + 1) * DAY_S <= ts.max()
    events = finish_events(
        pl.DataFrame({"n": who, "event": names, "ts": ts}).select(
            user_id("n", "u").alias("user_id"),
            "event",
            "ts",
            revenue=pl.lit(0.0),
            channel=pl.Series(np.array(CHANNELS)[users.channel[who]]),
        )
    )
    hidden = pl.DataFrame(
        {
            "n": np.arange(design.users),
            "channel": np.array(CHANNELS)[users.channel],
            "trait": users.trait,
            "retained": retained,
            "eligible": eligible,
        }
    ).select(user_id("n", "u").alias("user_id"), pl.exclude("n"))
    return World(design, events, _truth_rows(design, users, counts, eligible), hidden)


def world(seed: int, users: int | None = None) -> World:
    """Return world `seed` (the same world for the same seed).

    Example:
        >>> w = world(3, users=500)
        >>> w.events.columns, w.truth.filter(role="placebo")["ate_pp"].unique().to_list()
        (['user_id', 'event', 'ts', 'revenue', 'channel'], [0.0])
    """
    return build(draw_design(seed, users))
