"""Turning moments into action: completion tracking by cohort, and the experiment to confirm."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import polars as pl

from nsm_core import stats
from nsm_core.moments.candidates import UserTable
from nsm_core.moments.discover import MomentsResult, moment_label
from nsm_core.moments.segments import top_moments
from nsm_core.moments.units import measure
from nsm_core.schema import DataError

REACHED: Final = "reached it"
NOT_REACHED: Final = "did not"
UPTAKE: Final = 0.25


@dataclass(frozen=True, slots=True)
class Tracking:
    """Weekly-cohort views of chosen moments.

    completion: cohort, moment, users, reached, rate, ci_low, ci_high (Wilson), over users
    whose moment window has ended. outcomes: cohort, moment, group (REACHED / NOT_REACHED),
    users, outcome, ci_low, ci_high, over users observed through the outcome window.
    """

    completion: pl.DataFrame
    outcomes: pl.DataFrame


def _long(table: UserTable, moments: Sequence[tuple[str, int]]) -> pl.DataFrame:
    """Return one row per user × chosen moment: cohort, flags, outcome, reached (bool)."""
    index = {name: j for j, name in enumerate(table.events)}
    missing = [event for event, _ in moments if event not in index]
    if missing:
        raise DataError(f"{', '.join(missing)} is not among the scanned candidate events.")
    base = table.users.select("cohort", "window_done", "eligible", "y")
    days = table.spec.window_days
    return pl.concat(
        [
            base.with_columns(
                moment=pl.lit(moment_label(event, k, days)),
                reached=pl.Series(table.counts[:, index[event]] >= k),
            )
            for event, k in moments
        ]
    )


def _outcome_interval(binary: bool) -> tuple[pl.Expr, pl.Expr]:
    """Return the CI of a group's outcome: Wilson for rates, normal for amounts."""
    if binary:
        return stats.wilson_exprs("hits", "users")
    half = stats.z_value() * pl.col("sd").fill_null(0.0) / pl.col("users").sqrt()
    return pl.col("outcome") - half, pl.col("outcome") + half


def tracking(table: UserTable, moments: Sequence[tuple[str, int]]) -> Tracking:
    """Return completion rates and achievers' vs others' outcomes by weekly cohort.

    rate(c, m) = users of cohort c who reached m / users of c whose window has ended;
    outcome(c, m, g) = mean outcome of group g (reached m or not) among users of c
    observed through the outcome window.

    Example:
        >>> from datetime import datetime, timedelta
        >>> from nsm_core.moments.candidates import MomentSpec, user_table
        >>> t0 = datetime(2025, 1, 6)
        >>> ev = pl.DataFrame(
        ...     {
        ...         "user_id": ["a", "a", "b", "b"],
        ...         "event": ["open", "share", "open", "open"],
        ...         "ts": [t0, t0, t0, t0 + timedelta(days=40)],
        ...     }
        ... )
        >>> done = tracking(user_table(ev, MomentSpec()), [("share", 1)]).completion
        >>> done.select("users", "reached", "rate").row(0)
        (2, 1, 0.5)
    """
    long = _long(table, moments)
    low, high = stats.wilson_exprs("reached", "users")
    completion = (
        long.filter("window_done")
        .group_by("cohort", "moment")
        .agg(users=pl.len().cast(pl.Int64), reached=pl.col("reached").sum().cast(pl.Int64))
        .with_columns(rate=pl.col("reached") / pl.col("users"), ci_low=low, ci_high=high)
        .sort("moment", "cohort")
    )
    low, high = _outcome_interval(table.spec.binary)
    outcomes = (
        long.filter("eligible")
        .group_by("cohort", "moment", "reached")
        .agg(
            users=pl.len().cast(pl.Int64),
            outcome=pl.col("y").mean(),
            hits=pl.col("y").sum(),
            sd=pl.col("y").std(),
        )
        .with_columns(
            group=pl.when("reached").then(pl.lit(REACHED)).otherwise(pl.lit(NOT_REACHED)),
            ci_low=low,
            ci_high=high,
        )
        .sort("moment", "cohort", "group")
        .select("cohort", "moment", "group", "users", "outcome", "ci_low", "ci_high")
    )
    return Tracking(completion, outcomes)


def _weekly_new_users(table: UserTable) -> float:
    """Return the mean number of users starting per week over the weeks in the data."""
    weeks = table.users.select(pl.col("cohort").n_unique()).item()
    return table.users.height / max(weeks, 1)


def _per_arm(binary: bool, baseline: float, effect: float, sd: float) -> int | None:
    """Return users per arm to detect `effect` (80% power, 5% two-sided); None if impossible."""
    if not effect or math.isnan(effect) or effect <= 0:
        return None
    if binary:
        if baseline + effect >= 1:
            return None
        return stats.two_proportion_sample_size(baseline, effect)
    return stats.two_mean_sample_size(sd, effect)


def experiment_text(moment: str, result: MomentsResult) -> str:
    """Return the nudge test that would confirm a moment, in words.

    Example:
        >>> from nsm_core.moments.candidates import MomentSpec
        >>> res = MomentsResult(pl.DataFrame(), MomentSpec(), 10, 0, 0.3, ())
        >>> experiment_text("invite in first 7 days", res)[:61]
        'Randomly split new users in two; nudge one half toward invite'
    """
    spec = result.spec
    low, high = spec.outcome_window
    what = "revenue" if spec.outcome == "revenue" else measure(spec)
    return (
        f"Randomly split new users in two; nudge one half toward {moment} (an onboarding "
        f"prompt, a checklist item or an email) and leave the other half as is; compare "
        f"{what} on days {low}–{high} between the halves."
    )


def experiments(table: UserTable, result: MomentsResult, top: int = 3) -> pl.DataFrame:
    """Return the confirming experiment of each top moment and the users it needs.

    A nudge moves some users who would not have reached the moment; with uptake u among
    them, the effect on the nudged half is δ = lift × (1 − reach) × u over the baseline
    (the outcome of all users). users_per_arm: two-proportion (0/1 outcomes) or two-mean
    (revenue and other amounts) z-test, 80% power, 5% two-sided, at u = 25%;
    users_per_arm_all at u = 100%; weeks = 2 × users_per_arm / new users per week.
    """
    moments = top_moments(result.table, top)
    binary = table.spec.binary
    y = table.y[table.eligible]
    sd = float(y.std(ddof=1)) if y.size > 1 else float("nan")
    weekly = _weekly_new_users(table)
    rows = []
    for moment, lift, reach in moments.select("moment", "lift", "reach").rows():
        full = lift * (1 - reach)
        n_all = _per_arm(binary, result.outcome_mean, full, sd)
        n_uptake = _per_arm(binary, result.outcome_mean, full * UPTAKE, sd)
        weeks = None if n_uptake is None else math.ceil(2 * n_uptake / max(weekly, 1e-9))
        text = experiment_text(moment, result)
        rows.append((moment, text, result.outcome_mean, full, n_all, UPTAKE, n_uptake, weeks))
    schema = {
        "moment": pl.String,
        "experiment": pl.String,
        "baseline": pl.Float64,
        "effect_if_all": pl.Float64,
        "users_per_arm_all": pl.Int64,
        "uptake": pl.Float64,
        "users_per_arm": pl.Int64,
        "weeks": pl.Int64,
    }
    return pl.DataFrame(rows, schema=schema, orient="row").with_columns(
        effect=pl.col("effect_if_all") * pl.col("uptake")
    )
