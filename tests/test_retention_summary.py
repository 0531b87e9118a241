"""Stage-2 retention: pooled averages, intervals, captions, the leaky-bucket check."""

import math
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from nsm_core import retention
from nsm_core.retention import RetentionSpec, compare_cohorts, display, summarize, summary
from tests.retention_data import weekly

MEALS = Path(__file__).resolve().parents[1] / "sample_data" / "meals_events.parquet"


def wilson(s: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = s / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def test_pooled_average_uses_complete_cells_only():
    # weekly data, calendar anchor, n_period (see test_retention.py): sizes 2, 1, 1.
    # period 1: W0 2/2, W1 0/1, W3 1/1 -> pooled 3/4, simple mean (1 + 0 + 1) / 3.
    # period 5: W0 1/2, W1 1/1, W3 incomplete -> 2/3 over 2 cohorts.
    spec = RetentionSpec(anchor="calendar")
    result = summarize(retention.retention_table(weekly(), spec), spec)
    avg = {r["period"]: r for r in result.average.iter_rows(named=True)}
    assert (avg[1]["active"], avg[1]["cohort_size"], avg[1]["cohorts"]) == (3, 4, 3)
    assert avg[1]["rate"] == 0.75
    assert avg[1]["simple_mean"] == pytest.approx(2 / 3)
    assert (avg[5]["active"], avg[5]["cohort_size"], avg[5]["cohorts"]) == (2, 3, 2)
    assert avg[5]["ci_low"] == pytest.approx(wilson(2, 3)[0])
    assert avg[5]["ci_high"] == pytest.approx(wilson(2, 3)[1])
    assert 8 not in avg  # only W0 reaches week 8, and it is not complete
    cell = result.matrix.filter(pl.col("cohort") == date(2025, 1, 6), pl.col("period") == 5)
    assert cell["ci_low"].item() == pytest.approx(wilson(1, 2)[0])


def test_pooled_revenue_retention():
    # W0: k0 15, k1 -2; W3: k0 7, k1 20; W1 has no revenue. Pooled k1 = (-2 + 0 + 20) / 22.
    spec = RetentionSpec(anchor="calendar", measure="revenue")
    result = summarize(retention.retention_table(weekly(), spec), spec)
    row = result.average.filter(pl.col("period") == 1).row(0, named=True)
    assert row["revenue_retention"] == pytest.approx(18 / 22)
    assert row["revenue_per_user"] == pytest.approx(18 / 4)
    assert "$4.50 per original user" in summary.revenue_caption(result, 1)


def test_segment_averages_and_display_helpers():
    spec = RetentionSpec(anchor="calendar", segment="channel")
    result = summarize(retention.retention_table(weekly(), spec), spec)
    assert display.segment_values(result) == ["seo", "ads"] or display.segment_values(result) == [
        "ads",
        "seo",
    ]
    by_seg = result.segments.filter(pl.col("period") == 0)
    assert by_seg["cohort_size"].sum() == 4
    assert display.matrix_for(result, "ads")["segment"].unique().to_list() == ["ads"]
    lines, by = display.curve_lines(result)
    assert by == "segment"
    assert set(lines["segment"]) == {"ads", "seo"}
    wide = display.wide(result)
    assert wide.columns[:3] == ["cohort", "segment", "cohort_size"]
    assert "week 8" in wide.columns


def test_captions_in_words():
    spec = RetentionSpec(anchor="calendar")
    result = summarize(retention.retention_table(weekly(), spec), spec)
    assert summary.cohort_caption(result, 1) == (
        "Of 1 users who joined the week of 27 Jan 2025, 100% were active in week 1."
    )
    assert summary.average_caption(result, 1).startswith(
        "Across 3 complete cohorts (4 users), 75% were active in week 1 (95% CI "
    )
    assert summary.focus_period(result) == 4
    assert "No cohort has a complete week 9" in summary.cohort_caption(result, 9)


def test_warnings_for_small_and_empty_cohorts():
    spec = RetentionSpec(anchor="calendar")
    result = summarize(retention.retention_table(weekly(), spec), spec)
    assert any("fewer than 30 users" in w for w in result.warnings)
    empty_spec = RetentionSpec(start_event="never")
    empty = summarize(retention.retention_table(weekly(), empty_spec), empty_spec)
    assert empty.warnings == (summary.NO_COHORTS,)
    assert not display.has_cells(empty)


def cohort_cells(rates: list[float], size: int = 400) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "cohort": [
                date(2025, 1, 6 + 7 * i) if i < 4 else date(2025, 2, 3 + 7 * (i - 4))
                for i in range(len(rates))
            ],
            "period": 1,
            "cohort_size": size,
            "active": [round(r * size) for r in rates],
        }
    )


def test_leak_check_by_hand():
    # older 3 cohorts 120 + 120 + 120 of 1,200 = 30%; recent 2: 80 + 80 of 800 = 20%.
    check = compare_cohorts(cohort_cells([0.3, 0.3, 0.3, 0.2, 0.2]), recent_share=0.4)
    assert (check.recent_cohorts, check.older_cohorts) == (2, 3)
    assert (check.recent_rate, check.older_rate) == (0.2, 0.3)
    assert check.difference.value == pytest.approx(-0.1)
    assert check.leaking
    assert check.difference.ci_high < 0 < check.difference.ci_high + 0.1
    message = retention.leak_message(check, "week")
    assert message.startswith("Leaky bucket: the 2 most recent weekly cohorts kept 20%")


def test_no_leak_when_recent_cohorts_hold_up():
    assert not compare_cohorts(cohort_cells([0.3, 0.31, 0.29, 0.3, 0.3, 0.31])).leaking
    assert retention.leak_message(compare_cohorts(cohort_cells([0.3, 0.3, 0.31])), "week") is None
    assert compare_cohorts(cohort_cells([0.3, 0.3, 0.31])) is None  # fewer than 4 cohorts


@pytest.mark.parametrize(
    ("period", "earliest"), [("week", date(2025, 8, 25)), ("month", date(2025, 8, 1))]
)
def test_planted_leak_in_meals_is_flagged(period, earliest):
    # sample_data/README.md: meals cohorts from 1 Sep 2025 return less (the leak)
    events = pl.read_parquet(MEALS)
    spec = RetentionSpec(period=period)
    result = summarize(retention.retention_table(events.lazy(), spec).collect(), spec)
    assert result.leak is not None
    check = compare_cohorts(result.matrix)
    recent = result.matrix.filter(pl.col("period") == 1).drop_nulls("active")
    first_recent = recent["cohort"].sort().tail(check.recent_cohorts)[0]
    assert first_recent >= earliest
    assert check.difference.value < -0.03


def test_no_leak_in_cdnow():
    events = pl.read_parquet(MEALS.with_name("cdnow_events.parquet"))
    spec = RetentionSpec(period="week", anchor="calendar")
    result = summarize(retention.retention_table(events.lazy(), spec).collect(), spec)
    assert result.leak is None
