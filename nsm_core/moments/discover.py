"""Discovery: scan every (event, threshold) candidate, adjust, test, give a verdict, rank.

Rank: candidates whose adjusted CI excludes 0 (q ≤ 0.05) first, by expected gain =
adjusted lift × users who did not reach the moment (the extra retained users, or extra
revenue, if all of them did), each event's phi-best threshold ahead of its other thresholds;
then the rest by p-value; "not enough data" last.
"""

from dataclasses import dataclass, field, fields

import numpy as np
import polars as pl

from nsm_core import stats
from nsm_core.metrics import MetricSpec
from nsm_core.moments import estimate, scores
from nsm_core.moments.candidates import MomentSpec, UserTable, user_table

COLUMNS = (
    "rank",
    "moment",
    "event",
    "threshold",
    "users",
    "users_reached",
    "reach",
    "non_achievers",
    "outcome_reached",
    "outcome_not_reached",
    "phi",
    "odds_ratio",
    "naive_lift",
    "naive_ci_low",
    "naive_ci_high",
    "lift",
    "ci_low",
    "ci_high",
    "p_value",
    "q_value",
    "expected_gain",
    "overlap",
    "e_value",
    "verdict",
)


@dataclass(frozen=True, slots=True)
class MomentsResult:
    """The ranked candidates and what they rest on.

    table: one row per (event, threshold), COLUMNS, best first. users: eligible users
    analysed; excluded: users not yet observed through the outcome window; outcome_mean:
    the outcome over the users analysed; confounders: what the lift is adjusted for.
    """

    table: pl.DataFrame
    spec: MomentSpec
    users: int
    excluded: int
    outcome_mean: float
    confounders: tuple[str, ...]
    method: str = estimate.METHOD
    warnings: tuple[str, ...] = field(default=())


def moment_label(event: str, threshold: int, window_days: int) -> str:
    """Return a candidate's name in words.

    Example:
        >>> moment_label("invite", 3, 7), moment_label("invite", 1, 7)
        ('invite ≥3× in first 7 days', 'invite in first 7 days')
    """
    times = f" ≥{threshold}×" if threshold > 1 else ""
    return f"{event}{times} in first {window_days} days"


def _candidates(table: UserTable) -> pl.DataFrame:
    """Return (j, event, threshold, moment) for every candidate, events in table order."""
    spec = table.spec
    rows = [
        (j, name, k, moment_label(name, k, spec.window_days))
        for j, name in enumerate(table.events)
        for k in sorted(set(spec.thresholds))
    ]
    schema = {"j": pl.Int64, "event": pl.String, "threshold": pl.Int64, "moment": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row")


def adjusted_estimates(
    pop: estimate.Population, cands: pl.DataFrame, estimable: np.ndarray, spec: MomentSpec
) -> estimate.Adjusted:
    """Return the adjusted estimates of the `estimable` candidates (NaN elsewhere)."""
    cells = np.zeros((cands.height, 3, estimate.STRATA, 2))
    picked = cands.with_columns(ok=pl.Series(estimable)).with_row_index("row").filter("ok")
    for (j,), group in picked.group_by("j", maintain_order=True):
        thresholds = group["threshold"].to_list()
        cells[group["row"].to_numpy()] = estimate.event_cells(pop, int(j), thresholds)
    if not estimable.any():
        return estimate.Adjusted(cells, *(np.full(cands.height, np.nan) for _ in range(7)))
    fitted = estimate.adjust(cells[estimable], pop.binary, spec.bootstrap, spec.seed)
    columns = []
    for name in (f.name for f in fields(estimate.Adjusted)):
        column = np.full(cands.height, np.nan)
        column[estimable] = getattr(fitted, name) if name != "cells" else 0.0
        columns.append(cells if name == "cells" else column)
    return estimate.Adjusted(*columns)


def _rank(frame: pl.DataFrame) -> pl.DataFrame:
    """Return `frame` sorted best first with a 1-based rank column.

    Each event's headline threshold is its argmax of phi (as Compass and Signal choose it);
    significant headline candidates come first by expected gain, then other significant
    thresholds by expected gain, then the rest by p-value, then "not enough data".
    """
    judged = pl.col("verdict") != scores.NOT_ENOUGH
    best_phi = pl.col("phi").filter(judged).max().over("event")
    significant = pl.col("verdict").is_in([scores.DRIVER, scores.HARMFUL])
    group = (
        pl.when(significant & (pl.col("phi") == best_phi))
        .then(0)
        .when(significant)
        .then(1)
        .when(judged)
        .then(2)
        .otherwise(3)
    )
    gain = pl.when(group <= 1).then(-pl.col("expected_gain")).otherwise(0.0)
    return (
        frame.sort(
            [group, gain, pl.col("p_value"), -pl.col("users_reached"), "moment"],
            nulls_last=True,
        )
        .with_row_index("rank", offset=1)
        .with_columns(pl.col("rank").cast(pl.Int64))
    )


def _columns(cands: pl.DataFrame, arms: scores.Arms, fit: estimate.Adjusted, binary: bool) -> dict:
    """Return the numeric columns of the candidates table."""
    naive_low, naive_high = scores.naive_interval(arms, binary)
    users = arms.n1 + arms.n0
    return {
        "users": users.astype(np.int64),
        "users_reached": arms.n1.astype(np.int64),
        "reach": arms.n1 / users,
        "non_achievers": arms.n0.astype(np.int64),
        "outcome_reached": arms.mean1,
        "outcome_not_reached": arms.mean0,
        "phi": scores.correlation(arms),
        "odds_ratio": scores.odds_ratio(arms) if binary else np.full(cands.height, np.nan),
        "naive_lift": arms.mean1 - arms.mean0,
        "naive_ci_low": naive_low,
        "naive_ci_high": naive_high,
        "lift": fit.lift,
        "ci_low": fit.ci_low,
        "ci_high": fit.ci_high,
        "p_value": fit.p_value,
        "q_value": stats.bh_qvalues(fit.p_value),
        "expected_gain": fit.lift * arms.n0,
        "overlap": fit.overlap,
        "e_value": scores.e_value(fit.lift, fit.control) if binary else fit.lift * np.nan,
    }


def _adjustment_warnings(table: UserTable) -> tuple[str, ...]:
    """Return a warning when nothing can be adjusted for (adjusted lift = naive lift)."""
    other_events = len(table.events) > 1 and bool(table.activity)
    if table.properties or other_events:
        return ()
    return (
        "Nothing to adjust for: no user property is chosen and there is no other event to "
        "measure early activity, so the adjusted lift is the naive one and says nothing "
        "about cause.",
    )


def discover(table: UserTable, mask: np.ndarray | None = None) -> MomentsResult:
    """Return every candidate of `table` scored, adjusted, tested, judged and ranked.

    `mask` narrows the users further (default: every eligible user).
    """
    spec = table.spec
    chosen = table.eligible if mask is None else table.eligible & mask
    pop = estimate.population(table, chosen)
    cands = _candidates(table)
    treated = pop.counts[:, cands["j"].to_numpy()] >= cands["threshold"].to_numpy()
    arms = scores.arms(treated, pop.y)
    estimable = (arms.n1 >= spec.min_users) & (arms.n0 >= spec.min_users)
    fit = adjusted_estimates(pop, cands, estimable, spec)
    columns = _columns(cands, arms, fit, pop.binary)
    verdict = scores.verdicts(
        estimable,
        np.nan_to_num(fit.overlap),
        columns["q_value"],
        (fit.ci_low, fit.ci_high),
        (columns["naive_ci_low"], columns["naive_ci_high"]),
    )
    frame = cands.with_columns(
        *(pl.Series(name, values).fill_nan(None) for name, values in columns.items()),
        verdict=pl.Series(verdict, dtype=pl.String),
    )
    return MomentsResult(
        table=_rank(frame).select(COLUMNS),
        spec=spec,
        users=int(chosen.sum()),
        excluded=int(table.users.height - table.eligible.sum()),
        outcome_mean=float(pop.y.mean()) if pop.y.size else float("nan"),
        confounders=(*table.properties, *table.activity),
        warnings=(*table.warnings, *_adjustment_warnings(table)),
    )


def analyse(events: pl.LazyFrame | pl.DataFrame, spec: MomentSpec) -> MomentsResult:
    """Return the ranked high-value moments of `events` under `spec` (stage 1, then 2)."""
    return discover(user_table(events, spec))


def find_moments(  # noqa: PLR0913 (the signature DESIGN.md publishes)
    events: pl.LazyFrame | pl.DataFrame,
    *,
    window_days: int = 7,
    outcome: str | MetricSpec = "retained",
    outcome_window: tuple[int, int] = (8, 35),
    confounders: tuple[str, ...] | list[str] | None = None,
    thresholds: tuple[int, ...] | list[int] = (1, 2, 3, 5, 10),
    min_users: int = 50,
) -> pl.DataFrame:
    """Return one row per (event, threshold) candidate, best first (DESIGN.md).

    Columns: COLUMNS, among them users_reached, reach, phi (correlation only), naive_lift,
    lift (adjusted for confounders), ci_low, ci_high, p_value, q_value (Benjamini–Hochberg)
    and verdict. Lifts are absolute: rate points (0.05 = 5 pp) for "retained", currency per
    user for "revenue". `outcome` may also be a North Star MetricSpec: each user's own part
    of it in the outcome window (moments/north_star.py), a 0/1 rate when it counts users,
    else an amount per user in its unit.

    Example:
        >>> from datetime import datetime, timedelta
        >>> t0 = datetime(2025, 1, 1)
        >>> ev = pl.DataFrame(
        ...     {
        ...         "user_id": ["a", "a", "b", "b"],
        ...         "event": ["open", "share", "open", "open"],
        ...         "ts": [t0, t0, t0, t0 + timedelta(days=40)],
        ...     }
        ... )
        >>> find_moments(ev, min_users=1).select("event", "threshold", "verdict").row(0)
        ('open', 1, 'not enough data')
    """
    spec = MomentSpec(
        window_days=window_days,
        outcome=outcome,  # type: ignore[arg-type]
        outcome_window=tuple(outcome_window),  # type: ignore[arg-type]
        confounders=None if confounders is None else tuple(confounders),
        thresholds=tuple(thresholds),
        min_users=min_users,
    )
    return analyse(events, spec).table
