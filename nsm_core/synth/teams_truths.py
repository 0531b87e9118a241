"""The teams sample's planted truths, its hidden user and account tables, and `generate`."""

from dataclasses import dataclass

import numpy as np
import polars as pl

from nsm_core.synth import _common as c
from nsm_core.synth import teams as t
from nsm_core.synth import teams_accounts as ta
from nsm_core.synth import teams_billing as tb
from nsm_core.synth import teams_build as tbu
from nsm_core.synth._rows import own_day
from nsm_core.synth._stats import Behaviour, Potential, moment_truth, per, pp, rate
from nsm_core.synth.truths import Channel, Leak, Outcome, Truths


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
    aw = ta.account_world(a, pop, sim.pot)
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
        account_moment=ta.account_moment(aw, acc_ok),
        expansion=ta.expansion_truth(sim.events, seed),
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
    aw = ta.account_world(a, sim.pop, sim.pot)
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
