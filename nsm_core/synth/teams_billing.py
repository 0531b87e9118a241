"""Teams: subscriptions (upgrade, monthly payments, cancellation) and teammate invites."""

from dataclasses import dataclass
from typing import Final

import numpy as np

from nsm_core.synth import _common as c
from nsm_core.synth import teams as t
from nsm_core.synth._rows import Rows
from nsm_core.synth._stats import World

NEVER: Final = np.iinfo(np.int64).max // 2
TRIAL_DAYS: Final = 14


@dataclass(frozen=True, slots=True, eq=False)
class Billing:
    """Potential subscription timeline per account (it happens only if the owner is retained).

    pay[a, k]: epoch second of payment k (k = 0 right after the upgrade, then monthly on the
    same day of month, capped at the 28th); paid[a, k]: payment k is due (upgraded, before
    cancellation, before END). cancel / business: epoch seconds, NEVER if they do not happen.
    """

    upgrade: np.ndarray
    pay: np.ndarray
    paid: np.ndarray
    cancel: np.ndarray
    business: np.ndarray


def month_index(seconds: np.ndarray) -> np.ndarray:
    """Return calendar months since January 2025 of epoch seconds.

    Example:
        >>> month_index(np.array([c.START_S + 40 * c.DAY_S])).tolist()
        [1]
    """
    months = seconds.astype("datetime64[s]").astype("datetime64[M]")
    return (months - np.datetime64("2025-01", "M")).astype(np.int64)


def first_hit(hit: np.ndarray) -> np.ndarray:
    """Return the first True column of each row, or the number of columns if none.

    Example:
        >>> first_hit(np.array([[False, True], [False, False]])).tolist()
        [1, 2]
    """
    return np.where(hit.any(axis=1), hit.argmax(axis=1), hit.shape[1])


def billing(rng: np.random.Generator, a: t.Accounts) -> Billing:
    """Return each account's potential subscription: upgrade at day 14, payments, churn."""
    n, k = a.created.size, np.arange(t.PAY_MONTHS)
    upgrade = a.created + TRIAL_DAYS * c.DAY_S + rng.integers(3600, 80_000, n)
    month = month_index(upgrade)
    dom = np.minimum((upgrade - c.month_start_s(month)) // c.DAY_S, 27)
    pay = c.month_start_s(month[:, None] + k) + (dom * c.DAY_S + upgrade % c.DAY_S)[:, None]
    pay[:, 0] = upgrade + 60
    hazard = c.sigmoid(-3.4 - 0.6 * a.engagement + t.CANCEL_CHANNEL[a.channel])
    churn = rng.random((n, k.size)) < hazard[:, None]
    churn[:, 0] = False
    stop = first_hit(churn)
    rows = np.arange(n)
    back = rng.integers(c.DAY_S, 20 * c.DAY_S, n)
    cancel = np.where(stop < k.size, pay[rows, np.minimum(stop, k.size - 1)] - back, NEVER)
    moves = rng.random((n, k.size)) < 0.03
    moves[:, :2] = False
    move = first_hit(moves)
    business = np.where(
        (a.plan == 1) & (move < stop), pay[rows, np.minimum(move, k.size - 1)] - 3600, NEVER
    )
    business = np.where(a.plan == 2, upgrade, business)
    paid = a.upgrades[:, None] & (k < stop[:, None]) & (pay < c.END_S)
    return Billing(upgrade=upgrade, pay=pay, paid=paid, cancel=cancel, business=business)


def paying_days(a: t.Accounts, b: Billing) -> np.ndarray:
    """Return how many days after creation an account keeps paying (0 if it never upgrades)."""
    end = np.minimum(b.cancel, c.END_S)
    return np.where(a.upgrades, (end - a.created) // c.DAY_S, 0)


def invite_rows(rng: np.random.Generator, a: t.Accounts, b: Billing, w: World, rows: Rows) -> None:
    """Add the owners' invites: a wave in days 0..6, then growth invites while paying.

    Owners are users 0..A-1 (user = account). Wave invites fall on day 0 (70%) or another
    early active day; growth invites on later active days >= 36 inside the paid period.
    """
    owner = np.repeat(np.arange(a.created.size), a.wave)
    day = np.where(
        rng.random(owner.size) < 0.7, 0, c.nth_active(w.early, owner, rng.random(owner.size))
    )
    rows.add(owner, day, t.EV["invite_teammate"], 3)
    user, later_day = np.nonzero(w.later)
    when = a.created[user] + later_day * c.DAY_S
    paying = a.upgrades[user] & (when >= b.upgrade[user]) & (when < b.cancel[user])
    hit = paying & (later_day >= 36) & (rng.random(user.size) < a.growth[user])
    rows.add(user[hit], later_day[hit], t.EV["invite_teammate"], 3)
