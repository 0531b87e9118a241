"""The meals sample's planted truths and its hidden per-user table."""

import numpy as np
import polars as pl

from nsm_core.synth import _common as c
from nsm_core.synth import meals as m
from nsm_core.synth._rows import own_day
from nsm_core.synth._stats import Behaviour, Potential, World, moment_truth, per, pp, rate
from nsm_core.synth.truths import Channel, Discount, Leak, Outcome, Truths


def revenue_gain(u: m.Users, p: m.Potentials) -> np.ndarray:
    """Return each user's revenue on own days 8..35 if retained (later-life rows only)."""
    day = own_day(p.ts, u.signup[p.user])
    low, high = c.OUTCOME_WINDOW
    hit = p.later & (day >= low) & (day <= high)
    return np.bincount(p.user[hit], weights=p.revenue[hit], minlength=u.signup.size)


def early_count(u: m.Users, p: m.Potentials, event: str) -> np.ndarray:
    """Return each user's number of `event` rows on own days 0..6."""
    day = own_day(p.ts, u.signup[p.user])
    hit = (p.code == m.EV[event]) & (day < c.EARLY_DAYS) & p.keep
    return np.bincount(p.user[hit], minlength=u.signup.size)


def restrict(pot: Potential, mask: np.ndarray) -> Potential:
    """Return the potential outcomes of the masked units only."""
    return Potential(pot.y0[mask], pot.y1[mask], pot.p0[mask], pot.p1[mask], pot.observed[mask])


def channel_truths(u: m.Users, w: World, p: m.Potentials, spend: dict) -> list[Channel]:
    """Return spend, signups, CAC, customers and retention per channel."""
    eligible = u.signup <= c.ELIGIBLE_CUTOFF_S
    ordered = p.keep & (p.code == m.EV["order"])
    customer = np.bincount(p.user[ordered], minlength=u.signup.size) > 0
    p_obs = np.where(w.moment, w.pot.p1, w.pot.p0)
    out = []
    for i, name in enumerate(m.CHANNELS):
        mine = u.channel == i
        cost = float(np.round(spend[name], 2).sum())
        out.append(
            Channel(
                channel=name,
                ad_spend=round(cost, 2),
                spend_per_month=round(cost / c.MONTHS, 2),
                signups=int(mine.sum()),
                cost_per_signup=per(cost, int(mine.sum())),
                customers=int((mine & customer).sum()),
                cost_per_customer=per(cost, int((mine & customer).sum())),
                retention=rate(w.pot.observed[mine & eligible]),
                expected_retention=rate(p_obs[mine & eligible]),
            )
        )
    return out


def leak_truth(u: m.Users, w: World) -> Leak:
    """Return the onboarding leak: causal drops among affected users, observed before/after."""
    eligible = u.signup <= c.ELIGIBLE_CUTOFF_S
    active = w.early[:, 1:].any(axis=1)
    active_no_leak = w.early_no_leak[:, 1:].any(axis=1)
    hit = u.leak
    return Leak(
        start=m.LEAK_START,
        return_logit_shift=m.LEAK_RETURN,
        retention_logit_shift=m.LEAK_RETENTION,
        activation_drop_pp=pp(np.mean(active_no_leak[hit].astype(float) - active[hit])),
        retention_drop_pp=pp(
            np.mean(w.y_no_leak[hit & eligible].astype(float) - w.pot.observed[hit & eligible])
        ),
        observed_activation_before=rate(active[~hit]),
        observed_activation_after=rate(active[hit]),
        observed_retention_before=rate(w.pot.observed[~hit & eligible]),
        observed_retention_after=rate(w.pot.observed[hit & eligible]),
    )


def discount_truth(events: pl.DataFrame) -> Discount:
    """Return the coupon programme's effect on orders and margins, from the events."""
    program = events.filter(pl.col("event") == "coupon_received").select("user_id", program=True)
    per_user = (
        events.group_by("user_id")
        .agg(
            orders=(pl.col("event") == "order").sum(),
            days=(pl.col("ts") - pl.col("ts").min()).dt.total_days().n_unique(),
        )
        .join(program, on="user_id", how="left")
        .group_by(pl.col("program").fill_null(False))
        .agg(
            per_user=pl.col("orders").mean(), per_day=pl.col("orders").sum() / pl.col("days").sum()
        )
    )
    get = {row["program"]: row for row in per_user.iter_rows(named=True)}
    orders = events.filter(pl.col("event") == "order").join(program, on="user_id", how="left")
    stats = orders.select(
        share=(pl.col("discount") > 0).filter(pl.col("program")).mean(),
        per_order=pl.col("discount").filter(pl.col("discount") > 0).mean(),
        rate=pl.col("discount").filter(pl.col("discount") > 0).sum()
        / (pl.col("revenue") + pl.col("discount")).filter(pl.col("discount") > 0).sum(),
        **{
            f"{name}_{kind}": expr
            for name, keep in (
                ("coupon", pl.col("discount") > 0),
                ("full", pl.col("discount") == 0),
            )
            for kind, expr in (
                ("margin", (pl.col("revenue") - pl.col("cogs")).filter(keep).mean()),
                (
                    "rate",
                    (pl.col("revenue") - pl.col("cogs")).filter(keep).sum()
                    / pl.col("revenue").filter(keep).sum(),
                ),
            )
        },
    ).row(0, named=True)
    r = {k: round(float(v), 4) for k, v in stats.items()}
    return Discount(
        program_event="coupon_received",
        program_share=m.COUPON_SHARE,
        order_rate_multiplier=m.ORDER_MULTIPLIER,
        orders_per_user_program=round(get[True]["per_user"], 4),
        orders_per_user_other=round(get[False]["per_user"], 4),
        orders_per_active_day_ratio=round(get[True]["per_day"] / get[False]["per_day"], 4),
        coupon_order_share=r["share"],
        discount_per_coupon_order=r["per_order"],
        discount_rate=r["rate"],
        margin_per_coupon_order=r["coupon_margin"],
        margin_per_full_price_order=r["full_margin"],
        margin_rate_coupon=r["coupon_rate"],
        margin_rate_full_price=r["full_rate"],
    )


def behaviours(u: m.Users, w: World, p: m.Potentials) -> dict[str, np.ndarray]:
    """Return who did the moment, the proxy and the neutral event in own days 0..6."""
    return {
        "save_favorite": early_count(u, p, "save_favorite") >= 1,
        "share_dish": early_count(u, p, "share_dish") >= 1,
        "change_address": early_count(u, p, "change_address") >= 1,
    }


def truths(u: m.Users, w: World, p: m.Potentials, events: pl.DataFrame, spend: dict) -> Truths:
    """Return every planted truth of the meals sample."""
    eligible = u.signup <= c.ELIGIBLE_CUTOFF_S
    did = {k: v[eligible] for k, v in behaviours(u, w, p).items()}
    pot = restrict(w.pot, eligible)
    gain = revenue_gain(u, p)[eligible]
    channels = channel_truths(u, w, p, spend)
    return Truths(
        product="meals",
        data_start=c.START.isoformat(),
        data_end=c.END.isoformat(),
        outcome=Outcome(
            unit="user",
            window=c.OUTCOME_WINDOW,
            eligible_cutoff=c.to_iso(c.ELIGIBLE_CUTOFF_S),
            eligible=int(eligible.sum()),
            retention=rate(pot.observed),
        ),
        moment=moment_truth(
            Behaviour("save_favorite", 1, "cause", did["save_favorite"], m.TAU), pot, gain
        ),
        proxy=moment_truth(Behaviour("share_dish", 1, "proxy", did["share_dish"]), pot, gain),
        neutral=moment_truth(
            Behaviour("change_address", 1, "neutral", did["change_address"]), pot, gain
        ),
        only_cause="save_favorite",
        channels=tuple(channels),
        retention_order=tuple(
            ch.channel for ch in sorted(channels, key=lambda ch: -ch.expected_retention)
        ),
        leak=leak_truth(u, w),
        discount=discount_truth(events),
        hidden_tables=("meals_users_truth.parquet",),
    )


def hidden(u: m.Users, w: World, p: m.Potentials) -> pl.DataFrame:
    """Return the per-user truth table: traits, moments, potential outcomes."""
    did = behaviours(u, w, p)
    return pl.DataFrame(
        {
            "user_id": np.arange(u.signup.size),
            "signup_ts": u.signup,
            "channel": u.channel,
            "device": u.device,
            "engagement": np.round(u.engagement, 6),
            "leak": u.leak,
            "coupon_program": u.coupon,
            "moment": did["save_favorite"],
            "proxy": did["share_dish"],
            "neutral": did["change_address"],
            "p0": np.round(w.pot.p0, 6),
            "p1": np.round(w.pot.p1, 6),
            "y0": w.pot.y0,
            "y1": w.pot.y1,
            "retained": w.pot.observed,
            "eligible": u.signup <= c.ELIGIBLE_CUTOFF_S,
            "revenue_if_retained_8_35": np.round(revenue_gain(u, p), 2),
        }
    ).with_columns(
        c.user_id("user_id", "u"),
        c.label("channel", m.CHANNELS),
        c.label("device", m.DEVICES),
        signup_ts=c.to_ts(pl.col("signup_ts")),
    )


def generate(spec: m.MealsSpec = m.DEFAULT) -> c.Product:
    """Return the meals sample: events, spend, the hidden user table and the truths.

    Example:
        >>> prod = generate(m.MealsSpec(scale=0.05))
        >>> prod.events.row(0, named=True)["event"], prod.truths.moment.event
        ('signup', 'save_favorite')
    """
    rng = np.random.default_rng(spec.seed)
    months, channel, spend = m.acquire(rng, spec.scale)
    u = m.make_users(rng, months, channel)
    w = m.simulate(rng, u)
    s = m.sessions(rng, u, w)
    p = m.assemble(rng, u, w, s)
    events = m.events_frame(u, s, p)
    return c.Product(
        events=events,
        spend=c.spend_frame(c.month_dates(), spend),
        hidden={"meals_users_truth": hidden(u, w, p)},
        truths=truths(u, w, p, events, spend),
    )
