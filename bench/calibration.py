"""Calibration of the moment verdicts on simulated worlds they were not tuned on (issue 11).

python -m bench --only calibration
python -m bench.calibration --worlds 200       # the summary and the per-role table, printed

Each world (nsm_core/synth/worlds.py) holds causes of varied size (helpful and harmful),
proxies of a hidden engagement trait and of the acquisition channel, events that only follow
another, placebos and the signup, with the true effect of every (event, threshold) computed
from both potential outcomes of every user. The study runs the app's default scan,
`moments.find_moments(events)`, on each world and compares verdicts and intervals with the
truth. Judged = a verdict other than "not enough data" on a candidate whose truth is defined
(a cause's other thresholds have none).
    false positives: share of judged zero-effect candidates called DRIVER or HARMFUL
    coverage: share of judged candidates whose 95% CI holds ate_pp (all, and true causes)
    power at +5 pp: share of helpful causes with a true 4–6 pp called DRIVER (not enough
        data counts as not found)
    bias: mean of lift − ate_pp over judged candidates, in pp
    first: share of worlds whose rank-1 candidate is a helpful cause
"""

import argparse
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Final

import polars as pl

from bench._harness import Row
from nsm_core import moments
from nsm_core.synth import worlds

WORLDS: Final = 200
WORKERS: Final = 2
FIVE_PP: Final = (4.0, 6.0)
CAUSES: Final = ("cause", "harmful")


@dataclass(frozen=True, slots=True)
class Targets:
    """The issue's targets for the verdicts (one place, read by the slow test)."""

    false_positive: float = 0.05
    coverage: tuple[float, float] = (0.90, 0.97)


TARGETS: Final = Targets()


@dataclass(frozen=True, slots=True)
class Calibration:
    """The study's summary (rates are shares in [0, 1], bias in pp); see the module docstring.

    false_positive_events: share of zero-effect events (world × event) called at any of
    their judged thresholds; n_*: the denominators; by_role / by_verdict: the tables.
    """

    worlds: int
    false_positive: float
    false_positive_events: float
    n_zero: int
    coverage: float
    n_covered: int
    coverage_causes: float
    n_causes: int
    power_5pp: float
    n_5pp: int
    bias_pp: float
    first: float
    n_first: int
    by_role: pl.DataFrame
    by_verdict: pl.DataFrame


def judge(seed: int) -> pl.DataFrame:
    """Return the default scan of world `seed` joined with its truth, one row per candidate."""
    world = worlds.world(seed)
    scan = moments.find_moments(world.events)
    picked = scan.select(
        "rank", "event", "threshold", "verdict", "naive_lift", "lift", "ci_low", "ci_high"
    )
    return picked.join(world.truth, on=["event", "threshold"], how="left").with_columns(
        world=pl.lit(seed, pl.Int64)
    )


def study(n_worlds: int = WORLDS, workers: int = WORKERS) -> pl.DataFrame:
    """Return `judge` of worlds 0 .. n_worlds − 1, concatenated (in parallel processes)."""
    if workers <= 1:
        return pl.concat([judge(seed) for seed in range(n_worlds)])
    # spawn, not fork: polars' thread pool does not survive a fork.
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        return pl.concat(list(pool.map(judge, range(n_worlds), chunksize=4)))


def _flags(rows: pl.DataFrame) -> pl.DataFrame:
    """Return `rows` with judged, zero, called and covers (ci holds the truth) columns."""
    truth = pl.col("ate_pp") / 100
    return rows.with_columns(
        judged=(pl.col("verdict") != moments.NOT_ENOUGH) & pl.col("ate_pp").is_not_null(),
        zero=pl.col("role").is_in(worlds.ZERO_EFFECT),
        called=pl.col("verdict").is_in([moments.DRIVER, moments.HARMFUL]),
        covers=(pl.col("ci_low") <= truth) & (truth <= pl.col("ci_high")),
        error_pp=100 * pl.col("lift") - pl.col("ate_pp"),
    )


def _rates(frame: pl.DataFrame, by: str) -> pl.DataFrame:
    """Return per `by`: judged candidates, shares called DRIVER / HARMFUL, coverage, bias."""
    return (
        frame.filter("judged")
        .group_by(by)
        .agg(
            judged=pl.len(),
            driver=(pl.col("verdict") == moments.DRIVER).mean(),
            harmful=(pl.col("verdict") == moments.HARMFUL).mean(),
            zero_effect=pl.col("zero").mean(),
            coverage=pl.col("covers").mean(),
            bias_pp=pl.col("error_pp").mean(),
            naive_pp=100 * pl.col("naive_lift").mean(),
            lift_pp=100 * pl.col("lift").mean(),
            ate_pp=pl.col("ate_pp").mean(),
        )
        .sort(by)
    )


def summarise(rows: pl.DataFrame) -> Calibration:
    """Return the calibration summary of `study` rows."""
    frame = _flags(rows)
    judged = frame.filter("judged")
    zero = judged.filter("zero")
    events = zero.group_by("world", "event").agg(pl.col("called").any())
    scored = judged.filter(pl.col("ci_low").is_not_null())
    causes = scored.filter(pl.col("role").is_in(CAUSES))
    five = frame.filter(
        (pl.col("role") == "cause") & pl.col("ate_pp").is_between(*FIVE_PP, closed="left")
    )
    tops = frame.filter(
        pl.col("world").is_in(frame.filter(role="cause")["world"].implode()), rank=1
    )
    return Calibration(
        worlds=frame["world"].n_unique(),
        false_positive=_mean(zero["called"]),
        false_positive_events=_mean(events["called"]),
        n_zero=zero.height,
        coverage=_mean(scored["covers"]),
        n_covered=scored.height,
        coverage_causes=_mean(causes["covers"]),
        n_causes=causes.height,
        power_5pp=_mean(five["verdict"] == moments.DRIVER),
        n_5pp=five.height,
        bias_pp=_mean(judged["error_pp"]),
        first=_mean(tops["role"] == "cause"),
        n_first=tops.height,
        by_role=_rates(frame, "role"),
        by_verdict=_rates(frame, "verdict"),
    )


def _mean(values: pl.Series) -> float:
    """Return the mean of a boolean or numeric series as a float (NaN when empty)."""
    return float(values.cast(pl.Float64).mean()) if values.len() else float("nan")


def calibration(n_worlds: int = WORLDS, workers: int = WORKERS) -> Calibration:
    """Return the calibration summary over `n_worlds` worlds (what the slow test checks)."""
    return summarise(study(n_worlds, workers))


def rows(result: Calibration, seconds: float) -> list[Row]:
    """Return the bench rows of a calibration summary: each rate with its target."""
    fp, low_high = TARGETS.false_positive, TARGETS.coverage
    cover = f"target {low_high[0]:.0%}–{low_high[1]:.0%}"
    n = f"{result.worlds} worlds"
    lines = [
        (
            "zero-effect events called causal or harmful",
            result.n_zero,
            f"{result.false_positive:.1%} of judged candidates, {result.false_positive_events:.1%}"
            f" of events at any threshold (target ≤ {fp:.0%}), {n}",
        ),
        ("95% CI coverage, all judged", result.n_covered, f"{result.coverage:.1%} ({cover})"),
        (
            "95% CI coverage, true causes",
            result.n_causes,
            f"{result.coverage_causes:.1%} ({cover})",
        ),
        ("power, +5 pp cause (4–6 pp)", result.n_5pp, f"{result.power_5pp:.1%} called driver"),
        ("bias of the adjusted lift", result.n_covered, f"mean {result.bias_pp:+.2f} pp"),
        ("a true cause ranks first", result.n_first, f"{result.first:.1%} of worlds with one"),
    ]
    out = [Row(f"calibration: {task}", count, seconds, note=note) for task, count, note in lines]
    for role in result.by_role.iter_rows(named=True):
        note = (
            f"driver {role['driver']:.1%}, harmful {role['harmful']:.1%}, coverage "
            f"{role['coverage']:.1%}, naive {role['naive_pp']:+.1f} pp → adjusted "
            f"{role['lift_pp']:+.1f} pp (true {role['ate_pp']:+.1f})"
        )
        out.append(Row(f"calibration: {role['role']}", role["judged"], seconds, note=note))
    return out


def run(sizes: list[int]) -> list[Row]:
    """Return the calibration rows over WORLDS worlds (the sizes of other modules do not apply)."""
    del sizes
    start = time.perf_counter()
    result = calibration()
    return rows(result, time.perf_counter() - start)


def main() -> None:
    """Print the calibration summary and the per-role and per-verdict tables."""
    from bench.__main__ import table

    parser = argparse.ArgumentParser(prog="python -m bench.calibration")
    parser.add_argument("--worlds", type=int, default=WORLDS, help="number of worlds")
    parser.add_argument("--workers", type=int, default=WORKERS, help="processes")
    args = parser.parse_args()
    start = time.perf_counter()
    result = calibration(args.worlds, args.workers)
    print(table(rows(result, time.perf_counter() - start)))
    with pl.Config(tbl_rows=20, tbl_cols=20, tbl_width_chars=200, float_precision=3):
        print(result.by_role)
        print(result.by_verdict)


if __name__ == "__main__":
    main()
