"""The teams sample's planted truths and its hidden user and account tables."""

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from nsm_core.synth import _common as c
from nsm_core.synth import teams as t
from nsm_core.synth import teams_billing as tb
from nsm_core.synth import teams_build as tbu
from nsm_core.synth._rows import own_day
from nsm_core.synth._stats import Behaviour, Potential, moment_truth, per, pp, rate
from nsm_core.synth.truths import Channel, Expansion, Leak, Moment, Outcome, Truths


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


def early_count(pop: tbu.Population, pot: tbu.Potentials, event: str) -> np.ndarray:
    """Return each user's realised `event` rows on own days 0..6."""
    day = own_day(pot.ts, pop.p.signup[pot.user])
    hit = pot.keep & (pot.code == t.EV[event]) & (day < c.EARLY_DAYS)
    return np.bincount(pot.user[hit], minlength=pop.exists.size)


def behaviours(pop: tbu.Population, pot: tbu.Potentials) -> dict[str, np.ndarray]:
    """Return who did the moment, the proxy (>= 50 messages) and the neutral event."""
    return {
        "install_integration": early_count(pop, pot, "install_integration") >= 1,
        "send_message": early_count(pop, pot, "send_message") >= PROXY_MESSAGES,
        "update_profile": early_count(pop, pot, "update_profile") >= 1,
    }


PROXY_MESSAGES = 50


def leak_truth(pop: tbu.Population) -> Leak:
    """Return the onboarding leak: causal drops among affected users, observed before/after."""
    # Activation needs the whole first week inside the data.
    w = pop.w
    ok = pop.exists & (pop.p.signup + c.EARLY_DAYS * c.DAY_S <= c.END_S)
    eligible = ok & (pop.p.signup <= c.ELIGIBLE_CUTOFF_S)
    active = w.early[:, 1:].any(axis=1)
    active_no_leak = w.early_no_leak[:, 1:].any(axis=1)
    hit = pop.p.leak & ok
    late = pop.p.leak & eligible
    return Leak(
        start=t.LEAK_START,
        return_logit_shift=t.LEAK_RETURN,
        retention_logit_shift=t.LEAK_RETENTION,
        activation_drop_pp=pp(np.mean(active_no_leak[hit].astype(float) - active[hit])),
        retention_drop_pp=pp(np.mean(w.y_no_leak[late].astype(float) - w.pot.observed[late])),
        observed_activation_before=rate(active[ok & ~pop.p.leak]),
        observed_activation_after=rate(active[hit]),
        observed_retention_before=rate(w.pot.observed[eligible & ~pop.p.leak]),
        observed_retention_after=rate(w.pot.observed[late]),
    )


def channel_truths(
    a: t.Accounts, pop: tbu.Population, events: pl.DataFrame, spend: dict
) -> list[Channel]:
    """Return spend, new accounts, CAC, paying accounts and user retention per channel."""
    payers = events.filter(pl.col("event") == "subscription_payment")["account_id"].unique()
    paying = np.isin(np.arange(a.created.size), payers.str.slice(1).cast(pl.Int64).to_numpy())
    eligible = pop.exists & (pop.p.signup <= c.ELIGIBLE_CUTOFF_S)
    user_channel = a.channel[pop.p.account]
    p_obs = np.where(pop.w.moment, pop.w.pot.p1, pop.w.pot.p0)
    out = []
    for i, name in enumerate(t.CHANNELS):
        mine, users = a.channel == i, eligible & (user_channel == i)
        cost = float(np.round(spend[name], 2).sum())
        out.append(
            Channel(
                channel=name,
                ad_spend=round(cost, 2),
                spend_per_month=round(cost / c.MONTHS, 2),
                signups=int(mine.sum()),
                cost_per_signup=per(cost, int(mine.sum())),
                customers=int((mine & paying).sum()),
                cost_per_customer=per(cost, int((mine & paying).sum())),
                retention=rate(pop.w.pot.observed[users]),
                expected_retention=rate(p_obs[users]),
            )
        )
    return out


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


def user_moments(pop: tbu.Population, pot: tbu.Potentials, eligible: np.ndarray) -> dict:
    """Return the user-level moment, proxy and neutral truths over eligible users."""
    did = {k: v[eligible] for k, v in behaviours(pop, pot).items()}
    w = pop.w.pot
    up = Potential(
        w.y0[eligible], w.y1[eligible], w.p0[eligible], w.p1[eligible], w.observed[eligible]
    )
    return {
        "moment": moment_truth(
            Behaviour("install_integration", 1, "cause", did["install_integration"], t.TAU), up
        ),
        "proxy": moment_truth(
            Behaviour("send_message", PROXY_MESSAGES, "proxy", did["send_message"]), up
        ),
        "neutral": moment_truth(
            Behaviour("update_profile", 1, "neutral", did["update_profile"]), up
        ),
    }


@dataclass(frozen=True, slots=True, eq=False)
class Sim:
    """Everything one teams simulation produced, for the truths and hidden tables."""

    a: t.Accounts
    b: tb.Billing
    pop: tbu.Population
    pot: tbu.Potentials
    events: pl.DataFrame
    spend: dict


def truths(sim: Sim, seed: int) -> Truths:
    """Return every planted truth of the teams sample."""
    pop, a = sim.pop, sim.a
    eligible = pop.exists & (pop.p.signup <= c.ELIGIBLE_CUTOFF_S)
    acc_ok = a.created <= c.ELIGIBLE_CUTOFF_S
    aw = account_world(a, pop, sim.pot)
    channels = channel_truths(a, pop, sim.events, sim.spend)
    cutoff = c.to_iso(c.ELIGIBLE_CUTOFF_S)
    return Truths(
        product="teams",
        data_start=c.START.isoformat(),
        data_end=c.END.isoformat(),
        outcome=Outcome(
            "user",
            c.OUTCOME_WINDOW,
            cutoff,
            int(eligible.sum()),
            rate(pop.w.pot.observed[eligible]),
        ),
        **user_moments(pop, sim.pot, eligible),
        only_cause="install_integration",
        channels=tuple(channels),
        retention_order=tuple(
            ch.channel for ch in sorted(channels, key=lambda ch: -ch.expected_retention)
        ),
        leak=leak_truth(pop),
        account_outcome=Outcome(
            "account", c.OUTCOME_WINDOW, cutoff, int(acc_ok.sum()), rate(aw.observed[acc_ok])
        ),
        account_moment=account_moment(aw, acc_ok),
        expansion=expansion_truth(sim.events, seed),
        hidden_tables=("teams_users_truth.parquet", "teams_accounts_truth.parquet"),
    )


def hidden_users(sim: Sim) -> pl.DataFrame:
    """Return the per-user truth table (users who exist): traits, moments, potential outcomes."""
    pop, ok = sim.pop, sim.pop.exists
    did = behaviours(pop, sim.pot)
    w = pop.w.pot
    return (
        pl.DataFrame(
            {
                "user_id": tbu.user_rank(pop)[ok],
                "account_id": pop.p.account[ok],
                "is_owner": pop.p.owner[ok],
                "channel": sim.a.channel[pop.p.account[ok]],
                "company_size": sim.a.size[pop.p.account[ok]],
                "signup_ts": pop.p.signup[ok],
                "engagement": np.round(pop.p.engagement[ok], 6),
                "leak": pop.p.leak[ok],
                "moment": did["install_integration"][ok],
                "proxy": did["send_message"][ok],
                "neutral": did["update_profile"][ok],
                "p0": np.round(w.p0[ok], 6),
                "p1": np.round(w.p1[ok], 6),
                "y0": w.y0[ok],
                "y1": w.y1[ok],
                "retained": w.observed[ok],
                "eligible": pop.p.signup[ok] <= c.ELIGIBLE_CUTOFF_S,
            }
        )
        .with_columns(
            c.user_id("user_id", "t"),
            c.user_id("account_id", "a", 4),
            c.label("channel", t.CHANNELS),
            c.label("company_size", t.SIZES),
            signup_ts=c.to_ts(pl.col("signup_ts")),
        )
        .sort("user_id")
    )


def hidden_accounts(sim: Sim) -> pl.DataFrame:
    """Return the per-account truth table: traits and account-level potential outcomes."""
    a = sim.a
    aw = account_world(a, sim.pop, sim.pot)
    return pl.DataFrame(
        {
            "account_id": np.arange(a.created.size),
            "created_ts": a.created,
            "channel": a.channel,
            "company_size": a.size,
            "engagement": np.round(a.engagement, 6),
            "wave_invites": a.wave,
            "moment": aw.moment,
            "r0": aw.r0,
            "r1": aw.r1,
            "p_r0": np.round(aw.e0, 6),
            "p_r1": np.round(aw.e1, 6),
            "retained": aw.observed,
            "eligible": a.created <= c.ELIGIBLE_CUTOFF_S,
        }
    ).with_columns(
        c.user_id("account_id", "a", 4),
        c.label("channel", t.CHANNELS),
        c.label("company_size", t.SIZES),
        created_ts=c.to_ts(pl.col("created_ts")),
    )


def generate(spec: t.TeamsSpec = t.DEFAULT) -> c.Product:
    """Return the teams sample: events, spend, hidden user/account tables and the truths.

    Example:
        >>> prod = generate(t.TeamsSpec(scale=0.5))
        >>> prod.truths.moment.event, prod.events["account_id"].null_count()
        ('install_integration', 0)
    """
    rng = np.random.default_rng(spec.seed)
    months, channel, spend = t.acquire(rng, spec.scale)
    a = t.make_accounts(rng, months, channel)
    b = tb.billing(rng, a)
    pop, pot = tbu.potentials(rng, a, b)
    sim = Sim(a, b, pop, pot, tbu.events_frame(a, b, pop, pot), spend)
    return c.Product(
        events=sim.events,
        spend=c.spend_frame(c.month_dates(), spend),
        hidden={
            "teams_users_truth": hidden_users(sim),
            "teams_accounts_truth": hidden_accounts(sim),
        },
        truths=truths(sim, spec.seed),
    )
