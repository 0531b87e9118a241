"""Display tables of a workshop: the candidates' evidence side by side, one row each."""

import math

import polars as pl

from nsm_core.stats import Estimate
from nsm_core.workshop.review import CandidateReview


def _num(est: Estimate | None, scale: float = 1.0) -> float | None:
    if est is None or math.isnan(est.value):
        return None
    return est.value * scale


def _low(est: Estimate | None, scale: float = 1.0) -> float | None:
    return None if est is None or math.isnan(est.ci_low) else est.ci_low * scale


def _high(est: Estimate | None, scale: float = 1.0) -> float | None:
    return None if est is None or math.isnan(est.ci_high) else est.ci_high * scale


def evidence_table(reviews: tuple[CandidateReview, ...]) -> pl.DataFrame:
    """Return one row per candidate with its evidence as numbers (lifts in percentage points).

    Columns: candidate, rating, units, reached_early, adjusted_lift_pp, lift_low_pp,
    lift_high_pp, raw_lift_pp, rho_retention, rho_revenue, revenue_lift, revenue_low,
    revenue_high, weekly_change, flags (count).
    """
    rows = [
        {
            "candidate": r.spec.name,
            "rating": r.rating,
            "units": r.evidence.n,
            "reached_early": r.evidence.achievers,
            "adjusted_lift_pp": _num(r.evidence.adjusted_lift, 100),
            "lift_low_pp": _low(r.evidence.adjusted_lift, 100),
            "lift_high_pp": _high(r.evidence.adjusted_lift, 100),
            "raw_lift_pp": _num(r.evidence.raw_lift, 100),
            "rho_retention": _num(r.evidence.rho_retention),
            "rho_revenue": _num(r.evidence.rho_revenue),
            "revenue_lift": _num(r.evidence.revenue_lift),
            "revenue_low": _low(r.evidence.revenue_lift),
            "revenue_high": _high(r.evidence.revenue_lift),
            "weekly_change": r.sensitivity,
            "flags": len(r.flags),
        }
        for r in reviews
    ]
    schema = {
        "candidate": pl.String,
        "rating": pl.String,
        "units": pl.Int64,
        "reached_early": pl.Int64,
        **dict.fromkeys(
            ("adjusted_lift_pp", "lift_low_pp", "lift_high_pp", "raw_lift_pp", "rho_retention",
             "rho_revenue", "revenue_lift", "revenue_low", "revenue_high", "weekly_change"),
            pl.Float64,
        ),
        "flags": pl.Int64,
    }  # fmt: skip
    return pl.DataFrame(rows, schema=schema)


def weekly_series(reviews: tuple[CandidateReview, ...]) -> pl.DataFrame:
    """Return every candidate's weekly series stacked, each scaled to its own mean (= 1).

    index(t) = v(t) / mean over complete weeks of v, so candidates in different units share
    one axis. Columns: candidate, period_start, value, index, complete.
    """
    frames = [
        r.weekly.with_columns(
            candidate=pl.lit(r.spec.name),
            index=pl.col("value") / pl.col("value").filter(pl.col("complete")).mean(),
        )
        for r in reviews
    ]
    columns = ["candidate", "period_start", "value", "index", "complete"]
    return pl.concat([f.select(columns) for f in frames]) if frames else pl.DataFrame()
