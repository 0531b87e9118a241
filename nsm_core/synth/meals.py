"""The meal-delivery sample: a consumer app with orders, refunds, coupons and four channels.

Causal model (per user; E = hidden engagement, N(0, 1) + a channel shift):
- early return:  P(active on own day d in 1..6) = sigmoid(-0.5 + 1.2 E - 0.6 leak)
- the moment:    P(save_favorite in days 0..6) = sigmoid(-1.2 + 0.6 E + channel + device)
- the proxy:     share_dish per early active day ~ Poisson(exp(-2.0 + 0.7 E + channel))
- retention:     P(any event on own days 8..35) = sigmoid(-0.55 + 0.8 E + channel + device
                 - 0.5 leak + 0.6 moment); nothing else enters it
- orders:        P(order | active day) = (0.08 + 0.22 sigmoid(0.8 E)) x 1.6 if in the coupon
                 programme (randomised at signup, 30%)
"""

from dataclasses import dataclass
from typing import Final

import numpy as np
import polars as pl

from nsm_core.synth import _common as c
from nsm_core.synth._rows import Rows, place, realized
from nsm_core.synth._stats import LifeModel, World, live

CHANNELS: Final = ("organic", "paid_search", "paid_social", "referral")
DEVICES: Final = ("ios", "android", "web")
COUNTRIES: Final = ("US", "GB", "CA", "AU")
EVENTS: Final = (
    "signup",
    "app_open",
    "search",
    "view_menu",
    "add_to_cart",
    "order",
    "refund",
    "rate_order",
    "save_favorite",
    "share_dish",
    "enable_notifications",
    "change_address",
    "contact_support",
    "coupon_received",
)
EV: Final = {name: i for i, name in enumerate(EVENTS)} | {
    "support": EVENTS.index("contact_support")
}
COUPONS: Final = ("SAVE20", "FIVEOFF")
LEAK_START: Final = "2025-09-01"

# Channel effects, in CHANNELS order: engagement shift, moment, proxy, retention, lifetime.
ENGAGEMENT_SHIFT: Final = np.array([0.15, 0.0, -0.35, 0.35])
MOMENT_CHANNEL: Final = np.array([0.1, 0.0, -0.3, 0.4])
PROXY_CHANNEL: Final = np.array([0.0, -0.3, 0.5, 0.9])
RETENTION_CHANNEL: Final = np.array([0.1, -0.1, -0.45, 0.35])
LIFETIME_CHANNEL: Final = np.array([0.1, 0.0, -0.3, 0.2])
# Device effects, in DEVICES order.
MOMENT_DEVICE: Final = np.array([0.3, 0.0, -0.5])
RETENTION_DEVICE: Final = np.array([0.15, 0.0, -0.25])
NOTIFY_DEVICE: Final = np.array([0.5, 0.3, 0.08])
DEVICE_MIX: Final = np.array(
    [[0.45, 0.35, 0.2], [0.35, 0.3, 0.35], [0.45, 0.5, 0.05], [0.5, 0.4, 0.1]]
)
BASKET_SCALE: Final = np.array([1.0, 0.9, 0.95, 1.05])
COST_PER_SIGNUP: Final = (30.0, 48.0, 12.0)  # paid_search, paid_social, referral bonus

TAU: Final = 0.6
LEAK_RETURN: Final = -0.6
LEAK_RETENTION: Final = -0.5
COUPON_SHARE: Final = 0.3
ORDER_MULTIPLIER: Final = 1.6
FOOD_COST: Final = 0.62
COURIER_COST: Final = 4.5


@dataclass(frozen=True, slots=True)
class MealsSpec:
    """Seed and size of the meals sample (scale multiplies every channel's signups)."""

    seed: int = 20250101
    scale: float = 1.0


DEFAULT: Final = MealsSpec()


@dataclass(frozen=True, slots=True, eq=False)
class Users:
    """Per-user arrays, indexed by user number (users sorted by signup time)."""

    signup: np.ndarray
    channel: np.ndarray
    device: np.ndarray
    country: np.ndarray
    engagement: np.ndarray
    leak: np.ndarray
    coupon: np.ndarray
    code: np.ndarray


def acquire(rng: np.random.Generator, scale: float) -> tuple[np.ndarray, np.ndarray, dict]:
    """Return each signup's month and channel, and the monthly spend per channel.

    Paid channels buy signups at a fixed cost per signup (Poisson around spend / cost);
    referral costs a bonus per referred signup; organic costs nothing.
    """
    m = np.arange(c.MONTHS)
    noise = 1 + 0.08 * rng.standard_normal((2, c.MONTHS))
    search = 3000 * 1.04**m * noise[0] * scale
    social = 3600 * 1.05**m * noise[1] * scale
    counts = [
        rng.poisson(150 * 1.03**m * scale),
        rng.poisson(search / COST_PER_SIGNUP[0]),
        rng.poisson(social / COST_PER_SIGNUP[1]),
        rng.poisson(70 * 1.05**m * scale),
    ]
    spend = {
        "organic": np.zeros(c.MONTHS),
        "paid_search": search,
        "paid_social": social,
        "referral": COST_PER_SIGNUP[2] * counts[3],
    }
    months = np.concatenate([np.repeat(m, n) for n in counts])
    channel = np.concatenate([np.full(n.sum(), i) for i, n in enumerate(counts)])
    return months, channel, spend


def make_users(rng: np.random.Generator, months: np.ndarray, channel: np.ndarray) -> Users:
    """Return the users with their traits, sorted by signup time."""
    signup = c.signup_times(rng, months)
    order = np.lexsort((channel, signup))
    signup, channel = signup[order], channel[order]
    n = signup.size
    leak_s = c.epoch_s(c.datetime.fromisoformat(LEAK_START).replace(tzinfo=c.UTC))
    return Users(
        signup=signup,
        channel=channel,
        device=c.pick_rows(rng, DEVICE_MIX[channel]),
        country=c.pick(rng, [0.5, 0.2, 0.15, 0.15], n),
        engagement=rng.standard_normal(n) + ENGAGEMENT_SHIFT[channel],
        leak=signup >= leak_s,
        coupon=rng.random(n) < COUPON_SHARE,
        code=(rng.random(n) < 0.5).astype(np.int64),
    )


def simulate(rng: np.random.Generator, u: Users) -> World:
    """Return the users' lives: who returns early, who does the moment, who is retained."""
    e = u.engagement
    life = 36 + rng.exponential(75 * np.exp(0.4 * e + LIFETIME_CHANNEL[u.channel]))
    lm = LifeModel(
        return_logit=-0.5 + 1.2 * e,
        moment_logit=-1.2 + 0.6 * e + MOMENT_CHANNEL[u.channel] + MOMENT_DEVICE[u.device],
        retention_logit=-0.55 + 0.8 * e + RETENTION_CHANNEL[u.channel] + RETENTION_DEVICE[u.device],
        leak=u.leak,
        leak_return=LEAK_RETURN,
        leak_retention=LEAK_RETENTION,
        tau=TAU,
        later_q=c.sigmoid(-2.35 + 0.5 * e),
        life_end=np.minimum(life, c.horizon_days(u.signup) - 1),
    )
    return live(rng, lm)


@dataclass(frozen=True, slots=True, eq=False)
class Sessions:
    """One entry per potential active user-day, with what happens in it."""

    user: np.ndarray
    day: np.ndarray
    ordered: np.ndarray
    gross: np.ndarray
    discount: np.ndarray
    refunded: np.ndarray
    lag: np.ndarray


def sessions(rng: np.random.Generator, u: Users, w: World) -> Sessions:
    """Return every potential active day (early and later) and its order, if any."""
    eu, ed = np.nonzero(w.early)
    lu, ld = np.nonzero(w.later)
    user, day = np.r_[eu, lu], np.r_[ed, ld]
    p_order = (0.08 + 0.22 * c.sigmoid(0.8 * u.engagement)) * np.where(
        u.coupon, ORDER_MULTIPLIER, 1.0
    )
    ordered = rng.random(user.size) < p_order[user]
    gross = (
        np.exp(np.log(27.0) + 0.45 * rng.standard_normal(user.size)) * BASKET_SCALE[u.country[user]]
    )
    gross = np.round(np.maximum(gross, 8.0), 2)
    uses = ordered & u.coupon[user] & (rng.random(user.size) < 0.8)
    save20 = np.minimum(np.round(0.2 * gross, 2), 10.0)
    five = np.where(gross >= 20.0, 5.0, 0.0)
    discount = np.where(uses, np.where(u.code[user] == 0, save20, five), 0.0)
    refunded = ordered & (rng.random(user.size) < 0.045)
    lag = rng.integers(1800, c.DAY_S, user.size)
    return Sessions(user, day, ordered, gross, discount, refunded, lag)


def session_rows(rng: np.random.Generator, u: Users, s: Sessions) -> Rows:
    """Return the rows of each session: open, browse, cart, order, rating, shares."""
    rows = Rows()
    idx = np.arange(s.user.size)
    e = u.engagement[s.user]
    later = s.day >= c.EARLY_DAYS

    def add(code: str, stage: int, counts: np.ndarray) -> None:
        pick = np.repeat(idx, counts.astype(np.int64))
        rows.add_session(s.user[pick], s.day[pick], EV[code], stage, pick)

    # The first week is exploratory: more opens and browsing per day than later on.
    calm = np.where(later, -1.2, 0.0)
    add("app_open", 2, 1 + c.steady(rng, np.exp(-0.4 + calm + 1.0 * e)))
    add("search", 3, rng.poisson(np.exp(-0.6 + calm + 0.4 * e)))
    add("view_menu", 3, 1 + c.steady(rng, np.exp(-0.5 + calm + 0.6 * e)))
    browse_cart = (rng.random(idx.size) < 0.3) * (1 + rng.poisson(0.3, idx.size))
    add("add_to_cart", 4, np.where(s.ordered, 1 + rng.poisson(0.5, idx.size), browse_cart))
    add("order", 5, s.ordered)
    add("rate_order", 6, s.ordered & (rng.random(idx.size) < 0.35))
    share_base = np.where(later, -2.6, -2.0) + 0.7 * e + PROXY_CHANNEL[u.channel[s.user]]
    add("share_dish", 3, rng.poisson(np.exp(share_base)))
    add("save_favorite", 3, later & (rng.random(idx.size) < 0.04))
    add("change_address", 3, later & (rng.random(idx.size) < 0.01))
    add("contact_support", 6, rng.random(idx.size) < 0.01)
    return rows


def user_rows(rng: np.random.Generator, u: Users, w: World, rows: Rows) -> None:
    """Add the once-per-user rows of the first week: signup, coupon, notifications, moment."""
    n = u.signup.size
    everyone = np.arange(n)
    zero = np.zeros(n, dtype=np.int64)
    rows.add(everyone, zero, EV["signup"], 0)
    rows.add(everyone[u.coupon], zero[u.coupon], EV["coupon_received"], 1)
    notify = rng.random(n) < NOTIFY_DEVICE[u.device]
    rows.add(everyone[notify], zero[notify], EV["enable_notifications"], 1)
    favs = np.repeat(everyone[w.moment], 1 + rng.poisson(0.6, int(w.moment.sum())))
    rows.add(favs, c.nth_active(w.early, favs, rng.random(favs.size)), EV["save_favorite"], 3)
    moved = everyone[rng.random(n) < 0.12]
    day = c.nth_active(w.early, moved, rng.random(moved.size))
    rows.add(moved, day, EV["change_address"], 3)


@dataclass(frozen=True, slots=True, eq=False)
class Potentials:
    """Every potential event row (the realised ones are `keep`), with its revenue."""

    user: np.ndarray
    code: np.ndarray
    ts: np.ndarray
    session: np.ndarray
    later: np.ndarray
    revenue: np.ndarray
    keep: np.ndarray


def assemble(rng: np.random.Generator, u: Users, w: World, s: Sessions) -> Potentials:
    """Return all potential rows with times; refunds follow their order by `lag` seconds."""
    rows = session_rows(rng, u, s)
    user_rows(rng, u, w, rows)
    cols = rows.columns()
    ts = place(rng, cols, u.signup)
    is_order = cols["code"] == EV["order"]
    order_ts = np.zeros(s.user.size, dtype=np.int64)
    order_ts[cols["session"][is_order]] = ts[is_order]
    ref = np.flatnonzero(s.refunded)
    refund_ts = order_ts[ref] + s.lag[ref]
    support_ts = refund_ts - rng.integers(60, 900, ref.size)
    user = np.r_[cols["user"], s.user[ref], s.user[ref]]
    code = np.r_[cols["code"], np.full(ref.size, EV["refund"]), np.full(ref.size, EV["support"])]
    session = np.r_[cols["session"], ref, np.full(ref.size, -1)]
    later = np.r_[cols["day"], s.day[ref], s.day[ref]] >= c.EARLY_DAYS
    all_ts = np.r_[ts, refund_ts, support_ts]
    net = np.round(s.gross - s.discount, 2)[np.maximum(session, 0)]
    revenue = np.where(code == EV["order"], net, np.where(code == EV["refund"], -net, 0.0))
    keep = realized(later.astype(np.int64), w.pot.observed[user], all_ts)
    return Potentials(user, code, all_ts, session, later, revenue, keep)


def events_frame(u: Users, s: Sessions, p: Potentials) -> pl.DataFrame:
    """Return the realised events in the canonical schema with their properties."""
    k = p.keep
    user, code, session = p.user[k], p.code[k], p.session[k]
    sess = np.maximum(session, 0)
    is_order = pl.col("event") == "order"
    frame = pl.DataFrame(
        {
            "user_id": user,
            "event": code,
            "ts": p.ts[k],
            "revenue": p.revenue[k],
            "channel": u.channel[user],
            "device": u.device[user],
            "country": u.country[user],
            "session": np.where(np.isin(code, [EV["order"], EV["refund"]]), session, -1),
            "code": u.code[user],
            "discount": s.discount[sess],
            "gross": s.gross[sess],
        }
    ).with_columns(
        c.label("event", EVENTS),
        c.label("channel", CHANNELS),
        c.label("device", DEVICES),
        c.label("country", COUNTRIES),
        c.label("code", COUPONS),
        user_id=c.user_id("user_id", "u"),
    )
    orders = (
        frame.filter(is_order)
        .sort("ts", "user_id")
        .select(
            "session",
            order_id=pl.format("o{}", pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(6)),
        )
    )
    return c.finish_events(
        frame.join(orders, on="session", how="left", maintain_order="left").select(
            "user_id",
            "event",
            "ts",
            "revenue",
            "channel",
            "device",
            "country",
            "order_id",
            coupon=pl.when(is_order & (pl.col("discount") > 0)).then("code"),
            discount=pl.when(is_order).then("discount"),
            cogs=pl.when(is_order).then((FOOD_COST * pl.col("gross") + COURIER_COST).round(2)),
        )
    )
