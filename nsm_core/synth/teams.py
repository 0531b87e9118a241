"""The team-chat SaaS sample: accounts, members, messages, integrations and subscriptions.

Causal model (E_u = hidden engagement of user u = account trait E_a + N(0, 0.6^2)):
- early return:  P(active on own day d in 1..6) = sigmoid(1.2 E_u - 0.8 leak)
- the moment:    P(install_integration in days 0..6) = sigmoid(-1.3 + 0.6 E_u + channel + size)
- the proxy:     send_message per early active day = 1 + Poisson(exp(1.0 + 0.8 E_u + chattiness
                 + channel)), chattiness ~ N(0, 0.5^2) a personal style with no other effect
- retention:     P(any event on own days 8..35) = sigmoid(-0.4 + 0.8 E_u + channel + size
                 - 0.9 leak + 0.65 moment); nothing else enters it
- accounts:      the owner invites a wave of teammates in days 0..6; at day 14 a retained
                 owner may upgrade (team $8 or business $15 per seat and month), then pays
                 monthly until a cancellation; accounts whose owner invited >= 3 teammates
                 keep hiring (growth invites), so their seats and payments expand.
"""

from dataclasses import dataclass
from typing import Final

import numpy as np

from nsm_core.synth import _common as c
from nsm_core.synth._rows import Rows
from nsm_core.synth._stats import LifeModel, World, live

CHANNELS: Final = ("organic", "paid_search", "partner", "outbound")
SIZES: Final = ("1-10", "11-50", "51-200", "201-1000")
PLANS: Final = ("free", "team", "business")
PRICES: Final = np.array([0.0, 8.0, 15.0])
EVENTS: Final = (
    "signup",
    "accept_invite",
    "app_open",
    "create_channel",
    "send_message",
    "invite_teammate",
    "install_integration",
    "start_call",
    "upload_file",
    "update_profile",
    "plan_upgraded",
    "seats_added",
    "subscription_payment",
    "subscription_cancelled",
)
EV: Final = {name: i for i, name in enumerate(EVENTS)}
LEAK_START: Final = "2025-10-01"

# By channel (CHANNELS order): engagement shift, moment, proxy, retention, upgrade, cancel.
ENGAGEMENT_SHIFT: Final = np.array([0.1, -0.25, 0.3, 0.0])
MOMENT_CHANNEL: Final = np.array([0.0, -0.2, 0.4, 0.2])
PROXY_CHANNEL: Final = np.array([0.0, -0.2, 0.2, 0.3])
RETENTION_CHANNEL: Final = np.array([0.2, -0.35, 0.5, -0.1])
UPGRADE_CHANNEL: Final = np.array([0.0, -0.2, 0.3, 0.6])
CANCEL_CHANNEL: Final = np.array([0.0, 0.3, -0.3, -0.1])
SIZE_MIX: Final = np.array(
    [
        [0.55, 0.3, 0.12, 0.03],
        [0.5, 0.33, 0.13, 0.04],
        [0.3, 0.4, 0.22, 0.08],
        [0.1, 0.35, 0.35, 0.2],
    ]
)
# By company size (SIZES order).
MOMENT_SIZE: Final = np.array([-0.2, 0.0, 0.2, 0.3])
RETENTION_SIZE: Final = np.array([-0.2, 0.0, 0.15, 0.25])
WAVE_MEAN: Final = np.array([2.0, 4.0, 6.5, 9.0])
BUSINESS_SHARE: Final = np.array([0.1, 0.2, 0.4, 0.6])

TAU: Final = 0.65
LEAK_RETURN: Final = -0.8
LEAK_RETENTION: Final = -0.9
INVITE_THRESHOLD: Final = 3
GROWTH_INVITE_RATE: Final = (0.015, 0.15)  # per owner active day: < 3 / >= 3 wave invites
COST: Final = {"paid_search": 350.0, "partner": 450.0, "outbound": 1500.0}
PAY_MONTHS: Final = 14


@dataclass(frozen=True, slots=True)
class TeamsSpec:
    """Seed and size of the teams sample (scale multiplies every channel's new accounts)."""

    seed: int = 20250202
    scale: float = 1.0


DEFAULT: Final = TeamsSpec()


@dataclass(frozen=True, slots=True, eq=False)
class Accounts:
    """Per-account arrays, indexed by account number (sorted by creation time)."""

    created: np.ndarray
    channel: np.ndarray
    size: np.ndarray
    engagement: np.ndarray
    wave: np.ndarray
    upgrades: np.ndarray
    plan: np.ndarray
    growth: np.ndarray


@dataclass(frozen=True, slots=True, eq=False)
class People:
    """Per-user arrays for a batch of users (owners, or the members they invited)."""

    signup: np.ndarray
    account: np.ndarray
    engagement: np.ndarray
    leak: np.ndarray
    owner: np.ndarray
    chattiness: np.ndarray


def acquire(rng: np.random.Generator, scale: float) -> tuple[np.ndarray, np.ndarray, dict]:
    """Return each new account's month and channel, and the monthly spend per channel.

    paid_search buys accounts at ~$350 each, outbound (sales team) at ~$1,500; partners
    earn a $450 commission per referred account; organic costs nothing.
    """
    m = np.arange(c.MONTHS)
    noise = 1 + 0.08 * rng.standard_normal((2, c.MONTHS))
    search = 3000 * 1.04**m * noise[0] * scale
    outbound = 7500 * 1.03**m * noise[1] * scale
    counts = [
        rng.poisson(8.5 * 1.03**m * scale),
        rng.poisson(search / COST["paid_search"]),
        rng.poisson(5.5 * 1.04**m * scale),
        rng.poisson(outbound / COST["outbound"]),
    ]
    spend = {
        "organic": np.zeros(c.MONTHS),
        "paid_search": search,
        "partner": COST["partner"] * counts[2],
        "outbound": outbound,
    }
    months = np.concatenate([np.repeat(m, n) for n in counts])
    channel = np.concatenate([np.full(n.sum(), i) for i, n in enumerate(counts)])
    return months, channel, spend


def make_accounts(rng: np.random.Generator, months: np.ndarray, channel: np.ndarray) -> Accounts:
    """Return the accounts with their traits and potential plan choice, by creation time."""
    created = c.signup_times(rng, months)
    order = np.lexsort((channel, created))
    created, channel = created[order], channel[order]
    n = created.size
    size = c.pick_rows(rng, SIZE_MIX[channel])
    e = 0.8 * rng.standard_normal(n) + ENGAGEMENT_SHIFT[channel]
    wave = np.minimum(rng.poisson(WAVE_MEAN[size] * np.exp(0.5 * e)), 25)
    p_up = c.sigmoid(-0.2 + 0.8 * e + UPGRADE_CHANNEL[channel] + 0.2 * size)
    return Accounts(
        created=created,
        channel=channel,
        size=size,
        engagement=e,
        wave=wave,
        upgrades=rng.random(n) < p_up,
        plan=np.where(rng.random(n) < BUSINESS_SHARE[size], 2, 1),
        growth=np.where(wave >= INVITE_THRESHOLD, *GROWTH_INVITE_RATE[::-1]),
    )


def people(
    rng: np.random.Generator, a: Accounts, signup: np.ndarray, account: np.ndarray
) -> People:
    """Return users of the given accounts (the first user of each account is its owner)."""
    leak_s = c.epoch_s(c.datetime.fromisoformat(LEAK_START).replace(tzinfo=c.UTC))
    return People(
        signup=signup,
        account=account,
        engagement=a.engagement[account] + 0.6 * rng.standard_normal(signup.size),
        leak=signup >= leak_s,
        owner=signup == a.created[account],
        chattiness=0.5 * rng.standard_normal(signup.size),
    )


def simulate(rng: np.random.Generator, a: Accounts, p: People, min_life: np.ndarray) -> World:
    """Return the users' lives; `min_life` keeps paying owners active while they pay."""
    e, ch, size = p.engagement, a.channel[p.account], a.size[p.account]
    life = 36 + rng.exponential(90 * np.exp(0.4 * e))
    lm = LifeModel(
        return_logit=1.2 * e,
        moment_logit=-1.3 + 0.6 * e + MOMENT_CHANNEL[ch] + MOMENT_SIZE[size],
        retention_logit=-0.4 + 0.8 * e + RETENTION_CHANNEL[ch] + RETENTION_SIZE[size],
        leak=p.leak,
        leak_return=LEAK_RETURN,
        leak_retention=LEAK_RETENTION,
        tau=TAU,
        later_q=c.sigmoid(-2.4 + 0.5 * e),
        life_end=np.minimum(np.maximum(life, min_life), c.horizon_days(p.signup) - 1),
    )
    return live(rng, lm)


def session_rows(rng: np.random.Generator, a: Accounts, p: People, w: World) -> Rows:
    """Return the rows of each active day: messages, channels, files, calls, integrations."""
    rows = Rows()
    eu, ed = np.nonzero(w.early)
    lu, ld = np.nonzero(w.later)
    user, day = np.r_[eu, lu], np.r_[ed, ld]
    later = day >= c.EARLY_DAYS
    e = p.engagement[user]
    # Message volume also reflects a personal style (chattiness) that does not affect retention.
    chat = np.where(later, -1.0, 1.0) + 0.8 * e + p.chattiness[user]
    chat += PROXY_CHANNEL[a.channel[p.account[user]]]

    def add(code: str, stage: int, counts: np.ndarray) -> None:
        pick = np.repeat(np.arange(user.size), counts.astype(np.int64))
        rows.add(user[pick], day[pick], EV[code], stage)

    add("app_open", 1, 1 + c.steady(rng, np.exp(np.where(later, -1.8, -0.5) + 0.9 * e)))
    add("send_message", 3, 1 + rng.poisson(np.exp(chat)))
    add("create_channel", 2, rng.random(user.size) < 0.08)
    add("upload_file", 3, rng.poisson(np.exp(-1.2 + 0.4 * e)))
    add("start_call", 3, rng.random(user.size) < c.sigmoid(-1.5 + 0.4 * e))
    add("install_integration", 2, later & (rng.random(user.size) < 0.02))
    return rows


def first_week_rows(rng: np.random.Generator, p: People, w: World, rows: Rows) -> None:
    """Add once-per-user rows: signup, accept_invite, profile, channels, the moment."""
    n = p.signup.size
    everyone = np.arange(n)
    zero = np.zeros(n, dtype=np.int64)
    rows.add(everyone, zero, EV["signup"], 0)
    rows.add(everyone[~p.owner], zero[~p.owner], EV["accept_invite"], 1)
    owners = np.repeat(everyone[p.owner], 1 + rng.poisson(1.0, int(p.owner.sum())))
    rows.add(owners, np.zeros(owners.size), EV["create_channel"], 2)
    installs = np.repeat(everyone[w.moment], 1 + rng.poisson(0.4, int(w.moment.sum())))
    day = c.nth_active(w.early, installs, rng.random(installs.size))
    rows.add(installs, day, EV["install_integration"], 2)
    neutral = everyone[rng.random(n) < 0.3]
    rows.add(
        neutral, c.nth_active(w.early, neutral, rng.random(neutral.size)), EV["update_profile"], 2
    )
