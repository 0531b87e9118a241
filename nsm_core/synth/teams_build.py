"""Teams: owners, then the members they invite, then billing rows, as one potential table."""

from dataclasses import dataclass

import numpy as np
import polars as pl

from nsm_core.synth import _common as c
from nsm_core.synth import teams as t
from nsm_core.synth import teams_billing as tb
from nsm_core.synth._rows import Rows, place
from nsm_core.synth._stats import Potential, World

INTEGRATIONS = ("github", "jira", "google_drive", "calendar", "zoom", "salesforce")


@dataclass(frozen=True, slots=True, eq=False)
class Population:
    """Owners (users 0..A-1, user a owns account a) then invited members, in one index.

    exists: the user is in the data (a member invited by a later-life invite exists only if
    the owner is retained; a signup after END never happens).
    """

    p: t.People
    w: World
    exists: np.ndarray


@dataclass(frozen=True, slots=True, eq=False)
class Potentials:
    """Every potential row: user, event code, epoch second, later-life flag, integration."""

    user: np.ndarray
    code: np.ndarray
    ts: np.ndarray
    later: np.ndarray
    extra: np.ndarray
    keep: np.ndarray


def stack(first: World, second: World) -> World:
    """Return two batches of lives as one (rows of `first`, then of `second`)."""

    def cat(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.concatenate([x, y])

    pot = Potential(
        *(cat(getattr(first.pot, f), getattr(second.pot, f)) for f in Potential.__slots__)
    )
    return World(
        early=cat(first.early, second.early),
        early_no_leak=cat(first.early_no_leak, second.early_no_leak),
        moment=cat(first.moment, second.moment),
        pot=pot,
        y_no_leak=cat(first.y_no_leak, second.y_no_leak),
        later=cat(first.later, second.later),
    )


def batch_rows(rng: np.random.Generator, a: t.Accounts, p: t.People, w: World) -> Rows:
    """Return the session and first-week rows of a batch of users."""
    rows = t.session_rows(rng, a, p, w)
    t.first_week_rows(rng, p, w, rows)
    return rows


def populate(rng: np.random.Generator, a: t.Accounts, b: tb.Billing) -> tuple[Population, dict]:
    """Return owners and members with their lives, and all their placed rows."""
    owners = t.people(rng, a, a.created, np.arange(a.created.size))
    w_o = t.simulate(rng, a, owners, tb.paying_days(a, b))
    rows_o = batch_rows(rng, a, owners, w_o)
    tb.invite_rows(rng, a, b, w_o, rows_o)
    cols_o = rows_o.columns()
    cols_o["ts"] = place(rng, cols_o, owners.signup)
    invite = cols_o["code"] == t.EV["invite_teammate"]
    account = cols_o["user"][invite]
    signup = cols_o["ts"][invite] + rng.integers(600, 2 * c.DAY_S, int(invite.sum()))
    members = t.people(rng, a, signup, account)
    w_m = t.simulate(rng, a, members, np.zeros(signup.size))
    cols_m = batch_rows(rng, a, members, w_m).columns()
    cols_m["ts"] = place(rng, cols_m, members.signup)
    cols_m["user"] = cols_m["user"] + a.created.size
    via_later = cols_o["day"][invite] >= c.EARLY_DAYS
    member_exists = (~via_later | w_o.pot.observed[account]) & (signup < c.END_S)
    everyone = t.People(
        *(np.concatenate([getattr(owners, f), getattr(members, f)]) for f in t.People.__slots__)
    )
    pop = Population(everyone, stack(w_o, w_m), np.r_[np.ones(a.created.size, bool), member_exists])
    cols = {k: np.concatenate([cols_o[k], cols_m[k]]) for k in ("user", "day", "code", "ts")}
    return pop, cols


def billing_rows(a: t.Accounts, b: tb.Billing, pop: Population) -> dict:
    """Return the owners' billing rows: upgrades, payments, cancellations, seats added."""
    up = np.flatnonzero(a.upgrades)
    moved = np.flatnonzero(a.upgrades & (a.plan == 1) & (b.business < tb.NEVER))
    pay_a, pay_k = np.nonzero(b.paid)
    gone = np.flatnonzero(a.upgrades & (b.cancel < tb.NEVER))
    member = np.flatnonzero(~pop.p.owner & pop.exists)
    acc = pop.p.account[member]
    join = pop.p.signup[member]
    added = (join >= b.upgrade[acc]) & (join < b.cancel[acc]) & a.upgrades[acc]
    parts = (
        (up, b.upgrade[up], "plan_upgraded"),
        (moved, b.business[moved], "plan_upgraded"),
        (pay_a, b.pay[pay_a, pay_k], "subscription_payment"),
        (gone, b.cancel[gone], "subscription_cancelled"),
        (acc[added], join[added] + 30, "seats_added"),
    )
    return {
        "user": np.concatenate([p[0] for p in parts]),
        "ts": np.concatenate([p[1] for p in parts]),
        "code": np.concatenate([np.full(p[0].size, t.EV[p[2]]) for p in parts]),
    }


def potentials(
    rng: np.random.Generator, a: t.Accounts, b: tb.Billing
) -> tuple[Population, Potentials]:
    """Return the population and every potential row, with the realised ones marked."""
    pop, cols = populate(rng, a, b)
    bill = billing_rows(a, b, pop)
    user = np.r_[cols["user"], bill["user"]]
    code = np.r_[cols["code"], bill["code"]]
    ts = np.r_[cols["ts"], bill["ts"]]
    later = np.r_[cols["day"] >= c.EARLY_DAYS, np.ones(bill["ts"].size, bool)]
    extra = np.where(
        code == t.EV["install_integration"], c.pick(rng, [1] * len(INTEGRATIONS), code.size), -1
    )
    keep = pop.exists[user] & (~later | pop.w.pot.observed[user]) & (ts < c.END_S)
    return pop, Potentials(user, code, ts, later, extra, keep)


def plan_at(b: tb.Billing, paying: np.ndarray, account: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """Return the plan code (0 free, 1 team, 2 business) of each account at each time.

    Paid from the upgrade through the cancellation instant; free before and after.
    """
    on = paying[account] & (ts >= b.upgrade[account]) & (ts <= b.cancel[account])
    return np.where(on, np.where(ts >= b.business[account], 2, 1), 0)


def user_rank(pop: Population) -> np.ndarray:
    """Return each user's number by signup time among the users who exist (-1 if not).

    Example:
        >>> p = t.People(*[np.array([5, 3, 4])] * 2, *[np.zeros(3)] * 4)
        >>> user_rank(Population(p, None, np.array([True, True, False]))).tolist()
        [1, 0, -1]
    """
    exists = np.flatnonzero(pop.exists)
    order = exists[np.argsort(pop.p.signup[exists], kind="stable")]
    rank = np.full(pop.exists.size, -1)
    rank[order] = np.arange(order.size)
    return rank


def events_frame(a: t.Accounts, b: tb.Billing, pop: Population, pot: Potentials) -> pl.DataFrame:
    """Return the realised events in the canonical schema with account properties."""
    k = pot.keep
    user, ts = pot.user[k], pot.ts[k]
    account = pop.p.account[user]
    paying = a.upgrades & pop.w.pot.observed[: a.created.size]
    frame = (
        pl.DataFrame(
            {
                "user_id": user_rank(pop)[user],
                "event": pot.code[k],
                "ts": ts,
                "account_id": account,
                "plan_code": plan_at(b, paying, account, ts),
                "channel": a.channel[account],
                "company_size": a.size[account],
                "extra": pot.extra[k],
            }
        )
        .with_columns(
            c.user_id("user_id", "t"),
            c.user_id("account_id", "a", 4),
            c.label("event", t.EVENTS),
            c.label("channel", t.CHANNELS),
            c.label("company_size", t.SIZES),
        )
        .sort("ts", "user_id", "event", maintain_order=True)
    )
    seats = frame.filter(pl.col("event") == "signup").select(
        "account_id", "ts", seats=pl.int_range(1, pl.len() + 1).over("account_id")
    )
    return c.finish_events(
        frame.join_asof(
            seats, on="ts", by="account_id", strategy="backward", check_sortedness=False
        ).select(
            "user_id",
            "event",
            "ts",
            revenue=pl.when(pl.col("event") == "subscription_payment")
            .then(
                pl.col("seats")
                * pl.col("plan_code").replace_strict(dict(enumerate(t.PRICES.tolist())))
            )
            .otherwise(0.0),
            account_id="account_id",
            plan=c.label("plan_code", t.PLANS),
            channel="channel",
            company_size="company_size",
            seats=pl.col("seats").cast(pl.Int64),
            integration=pl.when(pl.col("extra") >= 0).then(
                pl.col("extra").replace_strict(
                    dict(enumerate(INTEGRATIONS)), default=None, return_dtype=pl.String
                )
            ),
        )
    )
