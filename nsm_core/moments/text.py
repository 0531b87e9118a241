"""The moments page in words and display tables: captions, the callout, definitions."""

from typing import Final

import polars as pl

from nsm_core import fmt
from nsm_core.metrics.words import describe
from nsm_core.moments import scores
from nsm_core.moments.action import experiment_text
from nsm_core.moments.candidates import ACTIVE_DAYS, EARLY_EVENTS, MomentSpec
from nsm_core.moments.crm import CrmList
from nsm_core.moments.discover import MomentsResult
from nsm_core.moments.segments import top_moments
from nsm_core.moments.units import (
    amount,
    gain_words,
    header_unit,
    kind,
    lift_words,
    measure,
    north_star_rule,
    outcome_words,
    scale,
    unit,
)
from nsm_core.schema import USER

__all__ = [
    "ADJUSTED",
    "CONFOUNDER_LABELS",
    "NAIVE",
    "amount",
    "axis_title",
    "callout",
    "chart_caption",
    "chart_data",
    "choices",
    "crm_counts",
    "crm_headline",
    "crm_list_caption",
    "crm_order_caption",
    "crm_steps",
    "default_choices",
    "definitions",
    "display_table",
    "headline",
    "in_units",
    "measure",
    "outcome_caption",
    "outcome_words",
    "unit",
    "verdict_counts",
]

NAIVE: Final = "naive (correlation)"
ADJUSTED: Final = "adjusted for confounders"
CONFOUNDER_LABELS: Final = {
    ACTIVE_DAYS: "active days in the window",
    EARLY_EVENTS: "other events in the window",
}


def headline(result: MomentsResult) -> str:
    """Return the page's headline: who was analysed and the strongest likely driver.

    Example:
        >>> empty = pl.DataFrame(schema={"rank": int, "event": str, "verdict": str})
        >>> res = MomentsResult(empty, MomentSpec(), 900, 100, 0.3, ())
        >>> headline(res)[:60]
        'Of 900 users observed through day 35 (100 more are too recen'
    """
    spec = result.spec
    level = amount(result.outcome_mean, spec, signed=False)
    intro = (
        f"Of {fmt.count(result.users)} users observed through day {spec.outcome_window[1]} "
        f"({fmt.count(result.excluded)} more are too recent to judge), {level} on average "
        f"were {outcome_words(spec)}."
        if spec.binary
        else f"Of {fmt.count(result.users)} users observed through day "
        f"{spec.outcome_window[1]} ({fmt.count(result.excluded)} more are too recent to "
        f"judge), the average {outcome_words(spec)} was {level}."
    )
    best = top_moments(result.table, 1)
    if best.is_empty():
        return intro + " No early action passes as a likely causal driver with these settings."
    row = best.row(0, named=True)
    return (
        f"{intro} Strongest likely causal moment: **{row['moment']}**, "
        f"{amount(row['lift'], spec)} (95% CI {amount(row['ci_low'], spec)} to "
        f"{amount(row['ci_high'], spec)}) after adjustment; {fmt.count(row['users_reached'])} "
        f"users reached it. If the {fmt.count(row['non_achievers'])} who did not had, expect "
        f"{gain_words(row['expected_gain'], spec)}."
    )


def outcome_caption(spec: MomentSpec) -> str:
    """Return the outcome in words: what it measures, its North Star, the unit of lifts.

    Example:
        >>> outcome_caption(MomentSpec())
        'Outcome: retained (any activity on days 8–35). Lifts are in percentage points (pp) of users retained.'
    """  # noqa: E501
    star = spec.north_star
    source = f" North Star: {describe(star)}" if star is not None else ""
    return f"Outcome: {outcome_words(spec)}.{source} Lifts are in {lift_words(spec)}."


def callout(result: MomentsResult) -> str:
    """Return the observational-limits callout, naming the experiment that would confirm."""
    best = top_moments(result.table, 1)
    test = (
        experiment_text(best.row(0, named=True)["moment"], result)
        if not best.is_empty()
        else "Nudge a random half of new users toward a candidate and compare the halves."
    )
    return (
        "**These lifts are observational.** Users who reach a moment differ from those who "
        "do not; we compare like with like (same "
        f"{', '.join(_confounder_names(result)) or 'nothing'}; activity leaves out the moment's "
        "own event), but an unmeasured difference "
        "(need, motivation) can still explain part of a lift. Only an experiment confirms a "
        f"driver: {test}"
    )


def _confounder_names(result: MomentsResult) -> list[str]:
    """Return the confounders in words."""
    return [CONFOUNDER_LABELS.get(c, c) for c in result.confounders]


def display_table(result: MomentsResult) -> pl.DataFrame:
    """Return the ranked table for display: rates in pp (or the unit), rounded, plain headers."""
    factor = scale(result.spec)
    unit = header_unit(result.spec)
    t = result.table
    return t.select(
        pl.col("rank").alias("Rank"),
        pl.col("moment").alias("Moment"),
        pl.col("verdict").alias("Verdict"),
        pl.col("users_reached").alias("Users reached"),
        (pl.col("reach") * 100).round(1).alias("Reach (%)"),
        pl.col("phi").round(3).alias("Phi (correlation)"),
        (pl.col("naive_lift") * factor).round(2).alias(f"Naive lift ({unit})"),
        (pl.col("lift") * factor).round(2).alias(f"Adjusted lift ({unit})"),
        (pl.col("ci_low") * factor).round(2).alias(f"95% CI low ({unit})"),
        (pl.col("ci_high") * factor).round(2).alias(f"95% CI high ({unit})"),
        pl.col("q_value").round(4).alias("q-value (BH)"),
        pl.col("expected_gain").round(0).alias("Expected gain if all reach it"),
        (pl.col("overlap") * 100).round(0).alias("Comparable users (%)"),
    )


def chart_data(result: MomentsResult, top: int = 15) -> pl.DataFrame:
    """Return (moment, kind, lift, ci_low, ci_high, verdict) for the naive-vs-adjusted chart.

    The `top` best-ranked candidates that have an estimate; lifts in pp for rates.
    """
    factor = scale(result.spec)
    shown = result.table.filter(pl.col("lift").is_not_null()).head(top)
    pieces = [
        shown.select(
            "moment",
            pl.lit(kind).alias("kind"),
            (pl.col(value) * factor).alias("lift"),
            (pl.col(low) * factor).alias("ci_low"),
            (pl.col(high) * factor).alias("ci_high"),
            "verdict",
        )
        for kind, value, low, high in (
            (NAIVE, "naive_lift", "naive_ci_low", "naive_ci_high"),
            (ADJUSTED, "lift", "ci_low", "ci_high"),
        )
    ]
    return pl.concat(pieces)


def in_units(frame: pl.DataFrame, spec: MomentSpec) -> pl.DataFrame:
    """Return `frame` with lift, ci_low and ci_high in chart units (pp for rates).

    Example:
        >>> df = pl.DataFrame({"lift": [0.05], "ci_low": [0.01], "ci_high": [0.09]})
        >>> in_units(df, MomentSpec()).row(0)
        (5.0, 1.0, 9.0)
    """
    return frame.with_columns(pl.col("lift", "ci_low", "ci_high") * scale(spec))


def chart_caption(result: MomentsResult) -> str:
    """Return the naive-vs-adjusted chart's caption, naming the proxy with the largest phi."""
    proxies = result.table.filter(pl.col("verdict") == scores.PROXY)
    base = (
        "Each moment's lift twice: as other tools show it (naive: achievers minus the rest) "
        "and adjusted for confounders; lines are 95% intervals."
    )
    if proxies.is_empty():
        return base
    # The proxy other tools would rank highest: the largest phi.
    row = proxies.sort("phi", descending=True).row(0, named=True)
    return (
        f"{base} {row['moment']} looks strong naively ({amount(row['naive_lift'], result.spec)})"
        f" but shrinks to {amount(row['lift'], result.spec)} once like is compared with like: "
        "a proxy."
    )


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{fmt.count(n)} days"


def crm_headline(crm: CrmList) -> str:
    """Return who the CRM list reaches, and when "now" is.

    Example:
        >>> from datetime import datetime
        >>> from nsm_core.moments.crm import CrmSpec
        >>> rows = pl.DataFrame({"user_id": ["a", "a", "b"]})
        >>> crm = CrmList(rows, pl.DataFrame(), CrmSpec(), MomentSpec(), datetime(2026, 1, 31))
        >>> crm_headline(crm)
        '**2 users can still act** (3 suggestions). Days are counted back from the last event in the data, 31 Jan 2026.'
    """  # noqa: E501
    users = crm.rows[USER].n_unique() if crm.rows.height else 0
    return (
        f"**{fmt.count(users)} users can still act** ({fmt.count(crm.rows.height)} "
        f"suggestions). Days are counted back from the last event in the data, "
        f"{fmt.day(crm.data_end)}."
    )


def crm_counts(crm: CrmList) -> list[str]:
    """Return, per step, who is listed and who is left out and why (every user counted).

    Example:
        >>> from datetime import datetime
        >>> from nsm_core.moments.crm import CrmSpec
        >>> steps = pl.DataFrame(
        ...     {
        ...         "step": [1],
        ...         "moment": ["tip in first 7 days"],
        ...         "median_days": [1.25],
        ...         "listed": [12],
        ...         "in_window": [2],
        ...         "active": [10],
        ...         "already_did": [30],
        ...         "did_later": [4],
        ...         "inactive": [50],
        ...         "no_gain": [0],
        ...     }
        ... )
        >>> crm = CrmList(pl.DataFrame(), steps, CrmSpec(), MomentSpec(), datetime(2026, 1, 31))
        >>> crm_counts(crm)[0]
        '**Step 1 · tip in first 7 days** (achievers reach it a median 1.2 days after their first event): **12 users can still act**, 2 inside their 7-day window and 10 active in the last 30 days. Left out: 50 inactive for 30+ days, 30 who already did it (4 of them after their window).'
    """  # noqa: E501
    days, window = crm.spec.active_days, crm.moments.window_days
    lines = []
    for r in crm.steps.iter_rows(named=True):
        left_out = [
            f"{fmt.count(r['inactive'])} inactive for {days}+ days",
            f"{fmt.count(r['already_did'])} who already did it ({fmt.count(r['did_later'])} "
            "of them after their window)",
        ]
        if r["no_gain"]:
            left_out.append(f"{fmt.count(r['no_gain'])} with no gain expected in their segment")
        lines.append(
            f"**Step {r['step']} · {r['moment']}** (achievers reach it a median "
            f"{fmt.num(r['median_days'], 1)} days after their first event): "
            f"**{fmt.count(r['listed'])} users can still act**, {fmt.count(r['in_window'])} "
            f"inside their {window}-day window and {fmt.count(r['active'])} active in the last "
            f"{_days(days)}. Left out: {', '.join(left_out)}."
        )
    return lines


def crm_steps(crm: CrmList) -> pl.DataFrame:
    """Return the sequence and its counts for display: one row per step, plain headers."""
    days = crm.spec.active_days
    return crm.steps.select(
        pl.col("step").alias("Step"),
        pl.col("moment").alias("Moment"),
        pl.col("median_days").round(1).alias("Median days to reach it"),
        (pl.col("first_share") * 100).round(0).alias("Reached before the next step (%)"),
        pl.col("both").alias("Users who reached both"),
        pl.col("listed").alias("Can still act"),
        pl.col("in_window").alias("Inside their window"),
        pl.col("active").alias(f"Active in the last {_days(days)}"),
        pl.col("already_did").alias("Already did it"),
        pl.col("inactive").alias(f"Inactive {days}+ days"),
        pl.col("no_gain").alias("No gain in their segment"),
        pl.col("users").alias("Users"),
    )


def crm_order_caption(crm: CrmList) -> str:
    """Return how the steps and each user's moments are ordered."""
    rule = (
        "Steps follow the order achievers reach the moments: the median time from a user's "
        "first event to the moment, among users who reached it in their window (the larger "
        "lift first on a tie). 'Reached before the next step' checks it on the users who "
        "reached both: near 50% means users do the two in either order."
    )
    if crm.spec.order == "lift":
        return f"{rule} Each user's moments are ordered by their lift instead, largest first."
    return f"{rule} Each user's moments follow these steps; step 1 is the next one to nudge."


def crm_list_caption(crm: CrmList, shown: int) -> str:
    """Return the list's caption: what score means and what the CSV holds."""
    segment = f"their {crm.spec.segment}" if crm.spec.segment else "all users"
    return (
        f"The first {fmt.count(shown)} of {fmt.count(crm.rows.height)} rows. score = the "
        f"moment's adjusted lift in {segment}, in {lift_words(crm.moments)}. The CSV starts "
        "with user_id, moment, step, reason and score for a CRM to import; the other columns "
        "are context."
    )


def _north_star_definition(spec: MomentSpec) -> str:
    """Return the definition of a North Star outcome (empty for retained / revenue)."""
    star = spec.north_star
    if star is None:
        return ""
    left_out = (
        " Users it excludes as a whole (listed ids, user filters, bots) are left out of the "
        "analysis; excluded refunds leave only the outcome."
        if star.exclusions.any
        else ""
    )
    return (
        f"- **North Star outcome**: {describe(star)} Each user's outcome is their own part of "
        f"it: {north_star_rule(star)}.{left_out}\n"
    )


def definitions(spec: MomentSpec) -> str:
    """Return the page's definitions, with the names other tools use."""
    low, high = spec.outcome_window
    return f"""{_north_star_definition(spec)}
- **Moment**: did an event at least *k* times in the first {spec.window_days} days after the
  user's first event (own days 0–{spec.window_days - 1}; day = 24 h from the first event).
- **Outcome**: {outcome_words(spec)}, measured strictly after the moment window (landmark
  design), so the outcome cannot cause the moment. Only users observed through day {high}
  count; more recent users are reported as excluded.
- **Phi** = (ad − bc) / √((a+b)(c+d)(a+c)(b+d)) over the 2×2 table of moment × outcome: the
  correlation Amplitude **Compass** and Mixpanel **Signal** rank by (for revenue, the same
  Pearson correlation). PostHog's funnel **correlation analysis** shows an odds ratio instead.
- **Naive lift** = outcome of users who reached the moment − outcome of those who did not
  (pp for rates; 95% CI Newcombe, or Welch for revenue and other amounts).
- **Adjusted lift**: an L2-logistic propensity model of reaching the moment from the
  confounders; users split into 10 strata of its logit; lift = Σ n_s (ȳ1s − ȳ0s) / Σ n_s over
  strata with ≥ 3 users on each side (the share of users kept is "Comparable users"); 95% CI
  by Poisson bootstrap over users; p from the bootstrap SE; q = Benjamini–Hochberg over all
  candidates. This is our addition (a pattern like Mixpanel's causal-impact analysis).
- **Verdict**: *likely causal driver* / *harmful* when q ≤ 0.05 and the adjusted CI is above
  / below 0; *proxy* when only the naive lift is clear; *not enough data* below
  {spec.min_users} users on a side, under half the users comparable, or a clear adjusted lift
  that rests on under 80% of users.
- **Expected gain** = adjusted lift × users who did not reach it; the table is ranked by it
  among moments whose adjusted CI excludes 0. Outcome window: days {low}–{high}.
"""


def axis_title(spec: MomentSpec, prefix: str = "Lift") -> str:
    """Return a chart axis title for lifts in the outcome, with its unit.

    Example:
        >>> axis_title(MomentSpec()), axis_title(MomentSpec(outcome="revenue"), "Adjusted lift")
        ('Lift in retention (pp)', 'Adjusted lift in revenue per user ($)')
    """
    if kind(spec) == "amount":
        return f"{prefix} in {measure(spec)}"
    return f"{prefix} in {measure(spec)} ({header_unit(spec)})"


def verdict_counts(result: MomentsResult) -> dict[str, int]:
    """Return how many candidates got each verdict (every verdict present, 0 if none).

    Example:
        >>> res = MomentsResult(
        ...     pl.DataFrame({"verdict": [scores.PROXY]}), MomentSpec(), 1, 0, 0.0, ()
        ... )
        >>> verdict_counts(res)[scores.PROXY], verdict_counts(res)[scores.DRIVER]
        (1, 0)
    """
    found = dict(result.table.group_by("verdict").len().rows())
    return {v: int(found.get(v, 0)) for v in scores.VERDICTS}


def choices(result: MomentsResult) -> dict[str, tuple[str, int]]:
    """Return label -> (event, threshold) of the candidates with an estimate, best first.

    Example:
        >>> table = pl.DataFrame(
        ...     {
        ...         "moment": ["x ≥2×", "y"],
        ...         "event": ["x", "y"],
        ...         "threshold": [2, 1],
        ...         "lift": [0.1, None],
        ...     }
        ... )
        >>> choices(MomentsResult(table, MomentSpec(), 1, 0, 0.0, ()))
        {'x ≥2×': ('x', 2)}
    """
    shown = result.table.filter(pl.col("lift").is_not_null())
    return {m: (e, k) for m, e, k in shown.select("moment", "event", "threshold").rows()}


def default_choices(result: MomentsResult, top: int = 3) -> list[str]:
    """Return the labels of the top likely drivers (what tracking starts with)."""
    return top_moments(result.table, top)["moment"].to_list()
