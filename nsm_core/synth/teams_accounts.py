"""Teams: account-level potential outcomes and dollar retention (expansion, churn)."""

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from nsm_core.synth import _common as c
from nsm_core.synth import teams as t
from nsm_core.synth import teams_build as tbu
from nsm_core.synth._rows import own_day
from nsm_core.synth._stats import Behaviour, Potential, moment_truth
from nsm_core.synth.truths import Expansion, Moment


@dataclass(frozen=True, slots=True, eq=False)
class AccountWorld:
    """Per-account outcome on account days 8..35 under "every member's moment = x".

    r0, r1: realised under x = 0 / 1 (same draws); e0, e1: their probabilities;
    observed: as realised; moment: any member installed an integration on account days 0..6.
    """

    r0: np.ndarray
    r1: np.ndarray
    e0: np.ndarray
    e1: np.ndarray
    observed: np.ndarray
    moment: np.ndarray


def account_day(a: t.Accounts, pop: tbu.Population, pot: tbu.Potentials) -> np.ndarray:
    """Return each potential row's day index since its account's creation."""
    return own_day(pot.ts, a.created[pop.p.account[pot.user]])


def any_by(group: np.ndarray, flag: np.ndarray, n: int) -> np.ndarray:
    """Return, per group 0..n-1, whether any member's flag is set.

    Example:
        >>> any_by(np.array([0, 0, 1]), np.array([False, True, False]), 2).tolist()
        [True, False]
    """
    return np.bincount(group, weights=flag.astype(float), minlength=n) > 0


def account_world(a: t.Accounts, pop: tbu.Population, pot: tbu.Potentials) -> AccountWorld:
    """Return the accounts' potential outcomes (members' first-week installs set to 0 / 1).

    R_a(x) = any member j with an early event in the window (installs left out) or
    (retained_j(x) and a later-life event in the window); P(R_a(x)) multiplies the members'
    independent coins: 1 - prod_j (1 - p_j(x)) over members with only later-life events there.
    """
    n, day = a.created.size, account_day(a, pop, pot)
    low, high = c.OUTCOME_WINDOW
    win = (day >= low) & (day <= high) & pop.exists[pot.user]
    size = pop.exists.size
    install = pot.code == t.EV["install_integration"]
    early = np.bincount(pot.user[win & ~pot.later & ~install], minlength=size) > 0
    later = np.bincount(pot.user[win & pot.later], minlength=size) > 0
    acc, w = pop.p.account, pop.w.pot
    sure = any_by(acc, early, n)

    def chance(p: np.ndarray) -> np.ndarray:
        miss = np.where(later & ~early, np.log1p(-np.minimum(p, 1 - 1e-12)), 0.0)
        return np.where(sure, 1.0, 1.0 - np.exp(np.bincount(acc, weights=miss, minlength=n)))

    keep_win = pot.keep & (day >= low) & (day <= high)
    did = pot.keep & install & (day < c.EARLY_DAYS)
    return AccountWorld(
        r0=sure | any_by(acc, w.y0 & later, n),
        r1=sure | any_by(acc, w.y1 & later, n),
        e0=chance(w.p0),
        e1=chance(w.p1),
        observed=any_by(pop.p.account[pot.user], keep_win, n),
        moment=any_by(pop.p.account[pot.user], did, n),
    )


def account_moment(aw: AccountWorld, eligible: np.ndarray) -> Moment:
    """Return the account-level truth of the integration moment over eligible accounts."""
    pot = Potential(
        y0=aw.r0[eligible],
        y1=aw.r1[eligible],
        p0=aw.e0[eligible],
        p1=aw.e1[eligible],
        observed=aw.observed[eligible],
    )
    return moment_truth(
        Behaviour("install_integration", 1, "cause", aw.moment[eligible], t.TAU), pot
    )


def mrr_pairs(events: pl.DataFrame) -> pl.DataFrame:
    """Return, per account first paying in 2025-01..2025-07, MRR in its first month and 6 later.

    Also flags accounts whose first 7 days had >= 3 invite_teammate events ("inviters").
    """
    pay = events.filter(pl.col("event") == "subscription_payment").select(
        "account_id", "revenue", month=pl.col("ts").dt.truncate("1mo")
    )
    mrr = pay.group_by("account_id", "month").agg(mrr=pl.col("revenue").sum())
    first = mrr.group_by("account_id").agg(first=pl.col("month").min())
    start = events.group_by("account_id").agg(start=pl.col("ts").min())
    invites = (
        events.join(start, on="account_id")
        .filter(
            (pl.col("event") == "invite_teammate")
            & ((pl.col("ts") - pl.col("start")).dt.total_days() < c.EARLY_DAYS)
        )
        .group_by("account_id")
        .agg(invites=pl.len())
    )
    return (
        first.filter(pl.col("first") < date(2025, 8, 1))
        .join(mrr.rename({"month": "first", "mrr": "m0"}), on=["account_id", "first"])
        .join(
            mrr.with_columns(pl.col("month").dt.offset_by("-6mo")).rename(
                {"month": "first", "mrr": "m6"}
            ),
            on=["account_id", "first"],
            how="left",
        )
        .join(invites, on="account_id", how="left")
        .select(
            "account_id",
            "m0",
            m6=pl.col("m6").fill_null(0.0),
            inviter=pl.col("invites").fill_null(0) >= t.INVITE_THRESHOLD,
        )
        .sort("account_id")
    )


def nrr(m0: np.ndarray, m6: np.ndarray) -> float:
    """Return sum(m6) / sum(m0) rounded to 4 decimals.

    Example:
        >>> nrr(np.array([10.0, 10.0]), np.array([0.0, 30.0]))
        1.5
    """
    return round(float(m6.sum() / m0.sum()), 4)


def expansion_truth(events: pl.DataFrame, seed: int) -> Expansion:
    """Return seat expansion and churn: 6-month NRR overall, for inviters, and GRR."""
    pairs = mrr_pairs(events)
    m0, m6 = pairs["m0"].to_numpy(), pairs["m6"].to_numpy()
    inv = pairs["inviter"].to_numpy()
    rng = np.random.default_rng(seed)
    idx = np.flatnonzero(inv)
    draws = rng.choice(idx, size=(400, idx.size))
    boot = m6[draws].sum(axis=1) / m0[draws].sum(axis=1)
    payments = events.filter(pl.col("event") == "subscription_payment")
    cancels = int((events["event"] == "subscription_cancelled").sum())
    return Expansion(
        invite_threshold=t.INVITE_THRESHOLD,
        prices=tuple(zip(t.PLANS[1:], t.PRICES[1:].tolist(), strict=True)),
        monthly_cancel_rate=round(cancels / payments.height, 4),
        nrr_6m=nrr(m0, m6),
        nrr_6m_inviters=nrr(m0[inv], m6[inv]),
        nrr_6m_others=nrr(m0[~inv], m6[~inv]),
        grr_6m=nrr(m0, np.minimum(m6, m0)),
        expected_nrr_6m_inviters=(
            round(float(np.quantile(boot, 0.05)), 4),
            round(float(np.quantile(boot, 0.95)), 4),
        ),
        paying_accounts=int(payments["account_id"].n_unique()),
        cancelled_accounts=cancels,
    )
