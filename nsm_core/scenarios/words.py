"""The scenario results in plain words, for captions under tables and charts."""

import polars as pl

from nsm_core import fmt
from nsm_core.scenarios.uncertainty import SimulationSpec
from nsm_core.scenarios.value import ValueUsed


def _money(x: float) -> str:
    return fmt.money(x).removesuffix(".00")


def comparison_caption(table: pl.DataFrame) -> str:
    """Return the comparison in words: each scenario's revenue against the first.

    table from `scenarios.compare`.

    Example:
        >>> from nsm_core.scenarios import PRESETS, compare
        >>> plan = PRESETS["a_vs_b"].plan
        >>> print(comparison_caption(compare(list(plan.scenarios), plan.months)))
        Over 3 months, A earns $90,000. B earns $120,000 ($30,000 more than A; it matches A when a moment is worth $5).
    """  # noqa: E501 - a doctest's expected output is one line
    rows = table.rows(named=True)
    first = rows[0]
    parts = [
        f"Over {first['months']} months, {first['scenario']} earns {_money(first['revenue'])}."
    ]
    for row in rows[1:]:
        diff = row["revenue_diff"]
        more = "more" if diff >= 0 else "less"
        text = f"{row['scenario']} earns {_money(row['revenue'])} ({_money(abs(diff))} {more}"
        text += f" than {first['scenario']}"
        if row["costs"]:
            text += f", {_money(row['net'])} after its {_money(row['costs'])} cost"
        if row["break_even_value"] is not None:
            text += (
                f"; it matches {first['scenario']} when a moment is worth "
                f"{_money(row['break_even_value'])}"
            )
        parts.append(text + ").")
    return " ".join(parts)


def simulation_caption(summary: pl.DataFrame, spec: SimulationSpec) -> str:
    """Return the simulated gain of each scenario over the first, in words.

    Example:
        >>> df = pl.DataFrame(
        ...     {
        ...         "scenario": ["A", "B"],
        ...         "diff_low": [0.0, -500.0],
        ...         "diff_high": [0.0, 9_000.0],
        ...         "prob_better": [0.0, 0.93],
        ...     }
        ... )
        >>> print(simulation_caption(df, SimulationSpec()))
        Of 4,000 simulated outcomes (central 90%): B − A in net revenue: -$500 to $9,000; B beats A in 93% of them.
    """  # noqa: E501 - a doctest's expected output is one line
    rows = summary.rows(named=True)
    if len(rows) < 2:
        return f"{fmt.count(spec.draws)} simulated outcomes of {rows[0]['scenario']}."
    first = rows[0]["scenario"]
    lead = f"Of {fmt.count(spec.draws)} simulated outcomes (central {fmt.pct(spec.band)}):"
    parts = [
        f"{row['scenario']} − {first} in net revenue: {_money(row['diff_low'])} to "
        f"{_money(row['diff_high'])}; {row['scenario']} beats {first} in "
        f"{fmt.pct(row['prob_better'])} of them."
        for row in rows[1:]
    ]
    return " ".join([lead, *parts])


def tornado_caption(table: pl.DataFrame, outcome: str) -> str:
    """Return which input moves the outcome most, in words.

    Example:
        >>> df = pl.DataFrame(
        ...     {
        ...         "label": ["Value per moment"],
        ...         "outcome_low": [-2_000.0],
        ...         "outcome_high": [14_000.0],
        ...         "spread": [16_000.0],
        ...     }
        ... )
        >>> tornado_caption(df, "B's net gain over A")
        "B's net gain over A moves most with value per moment: from -$2,000 to $14,000."
    """
    if table.is_empty():
        return "No inputs to vary."
    top = table.row(0, named=True)
    low, high = sorted((top["outcome_low"], top["outcome_high"]))
    return (
        f"{outcome} moves most with {top['label'].lower()}: from {_money(low)} to {_money(high)}."
    )


def comparison_table(table: pl.DataFrame, used: ValueUsed | None = None) -> pl.DataFrame:
    """Return the comparison with plain-language column names, money rounded to cents.

    With `used` (the value per moment the comparison used), each scenario with moments also
    shows where its value came from, the ends of its interval (the value shifted by the
    interval's distances from the point, as `band` does) and the users behind an estimate.

    Example:
        >>> from nsm_core.scenarios import Scenario, compare, typed_value
        >>> from nsm_core.scenarios.value import ValueUsed
        >>> plan = [Scenario("A", 1.0), Scenario("B", 0.0, 1, 2.0)]
        >>> used = ValueUsed(typed_value(2.0, 0.5), "typed in (± $0.50)", False)
        >>> comparison_table(compare(plan, 2), used).select(
        ...     "Value per moment", "Value source", "Value per moment, low end"
        ... ).rows()
        [(0.0, None, None), (2.0, 'typed in (± $0.50)', 1.5)]
    """
    first = table["scenario"][0]
    names = {
        "scenario": "Scenario",
        "months": "Months",
        "base_revenue": "Base revenue",
        "moments": "High-value moments",
        "value_per_moment": "Value per moment",
        "moment_revenue": "Moment revenue",
        "revenue": "Revenue",
        "costs": "Campaign cost",
        "net": "Net revenue",
        "revenue_diff": f"Revenue vs {first}",
        "net_diff": f"Net vs {first}",
        "break_even_value": f"Break-even value per moment vs {first}",
        "roi": "Return on extra cost",
    }
    money = [c for c in names if c not in ("scenario", "months", "moments", "roi")]
    shown = table.with_columns(
        pl.col(money).round(2), pl.col("moments").round(1), pl.col("roi").round(3)
    ).rename(names)
    if used is None:
        return shown
    return shown.with_columns(_provenance(table, used)).select(
        *list(names.values())[:5], *PROVENANCE, *list(names.values())[5:]
    )


PROVENANCE = (
    "Value source",
    "Value per moment, low end",
    "Value per moment, high end",
    "Users behind the value",
)


def _provenance(table: pl.DataFrame, used: ValueUsed) -> list[pl.Expr]:
    est = used.estimate
    moments = table["moments"] > 0
    value = table["value_per_moment"]
    users = est.n if used.estimated else None
    columns = (
        pl.Series([used.source] * table.height, dtype=pl.String),
        (value - (est.value - est.ci_low)).round(2),
        (value + (est.ci_high - est.value)).round(2),
        pl.Series([users] * table.height, dtype=pl.Int64),
    )
    return [
        pl.when(pl.lit(moments)).then(pl.lit(c)).alias(name)
        for c, name in zip(columns, PROVENANCE, strict=True)
    ]


def band_table(band: pl.DataFrame) -> pl.DataFrame:
    """Return `scenarios.band` for display: plain column names, money to the cent.

    Example:
        >>> from nsm_core.scenarios import Scenario, band, typed_value
        >>> plan = [Scenario("A", 1.0), Scenario("B", 0.0, 1, 2.0)]
        >>> band_table(band(plan, 1, typed_value(2.0, 1.0))).columns[:3]
        ['Scenario', 'Value per moment', 'Shift in value per moment']
    """
    first = band["scenario"][0]
    cases = {"low": "Low end of the interval", "expected": "As estimated", "high": "High end"}
    return band.select(
        pl.col("scenario").alias("Scenario"),
        pl.col("case").replace_strict(cases).alias("Value per moment"),
        pl.col("value_shift").round(2).alias("Shift in value per moment"),
        pl.col("revenue").round(2).alias("Revenue"),
        pl.col("net").round(2).alias("Net revenue"),
        pl.col("net_diff").round(2).alias(f"Net vs {first}"),
    ).sort("Scenario", maintain_order=True)
