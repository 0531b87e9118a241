"""Revenue retention in every number the cohort view shows, worked by hand on tiny data.

Weekly data (tests/retention_data.py), calendar anchor, start = return = any event.
Revenue per cohort and week since joining (from the event rows):
  W0 = week of 6 Jan {a, b}: k0 = a 10 (7 Jan) + b 5 (8 Jan) = 15; k1 = b -2 (16 Jan);
       k5 = a 30 (10 Feb); other weeks 0.
  W1 = week of 13 Jan {c}: no revenue at all (retention undefined: no week-0 base).
  W3 = week of 27 Jan {d}: k0 = 7 (31 Jan); k1 = 20 (4 Feb); d's 5 Mar is week 8.
T_end = 5 Mar 12:00, so a cell is complete while week c + k ≤ W7 (24 Feb – 2 Mar):
  k1: W0, W1, W3 complete -> Σ revenue = -2 + 0 + 20 = 18 of base 15 + 0 + 7 = 22: 81.8%,
       18 / 4 users = $4.50 per original user.
  k5: W0 (W5) and W1 (W6) complete, W3 (W8) not -> 30 of 15 + 0 = 200% (above 100%).
"""

import polars as pl
import pytest

from nsm_core import retention
from nsm_core.retention import RetentionSpec, display, summarize, summary
from nsm_core.samples import SAMPLES
from tests.retention_data import weekly

SPEC = RetentionSpec(anchor="calendar", measure="revenue")


@pytest.fixture(scope="module")
def result():
    return summarize(retention.retention_table(weekly(), SPEC), SPEC)


def test_pooled_revenue_retention_by_hand(result):
    rows = {r["period"]: r for r in result.average.iter_rows(named=True)}
    assert (rows[1]["revenue"], rows[1]["base_revenue"]) == (18.0, 22.0)
    assert rows[1]["revenue_retention"] == pytest.approx(18 / 22)
    assert (rows[5]["cohorts"], rows[5]["revenue"], rows[5]["base_revenue"]) == (2, 30.0, 15.0)
    assert rows[5]["revenue_retention"] == 2.0


def test_headline_is_about_revenue(result):
    assert display.headline(result, 5) == [
        ("Cohorts", "3", "Weekly cohorts in the data."),
        (
            "Revenue, week 0",
            "$22",
            "What the 4 users of the complete cohorts brought in their first week: the base "
            "of revenue retention.",
        ),
        (
            "Revenue kept, week 1",
            "81.8%",
            "Revenue in week 1 / the same cohorts' week-0 revenue, pooled over the cohorts "
            "that have completed week 1; above 100% when those who stay spend more.",
        ),
        (
            "Revenue kept, week 5",
            "200.0%",
            "Revenue in week 5 / the same cohorts' week-0 revenue, pooled over the cohorts "
            "that have completed week 5; above 100% when those who stay spend more.",
        ),
    ]


def test_captions_are_about_revenue(result):
    # latest cohort complete at k5 with a week-0 base: W0 (W1 has none)
    assert summary.cohort_caption(result, 5) == (
        "The 2 users who joined the week of 6 Jan 2025 brought in $30.00 in week 5: 200% of "
        "their $15.00 in week 0."
    )
    assert summary.average_caption(result, 1) == (
        "Across 3 complete cohorts (4 users), revenue in week 1 was 82% of the same cohorts' "
        "week-0 revenue ($18.00 of $22.00): $4.50 per original user."
    )
    assert "No cohort with week-0 revenue has a complete week 8" in (
        summary.cohort_caption(result, 8)
    )


def test_cohorts_without_period_0_revenue_are_named(result):
    assert result.warnings[-1].startswith(
        "1 of 3 complete cohorts brought no revenue in their week 0, so their revenue "
        "retention (revenue in week k / week-0 revenue) is undefined and left blank."
    )


def test_curves_and_downloads_carry_revenue(result):
    lines, by = display.curve_lines(result)
    assert by == "cohort"
    assert lines.columns == ["cohort", "period", "revenue_retention"]
    # W1 has no base, so no line; W0 k5 is 200%, W3 k1 is 20 / 7
    w0 = lines.filter(pl.col("cohort") == "6 Jan 2025")
    assert w0.filter(pl.col("period") == 5)["revenue_retention"].item() == 2.0
    assert set(lines["cohort"]) == {"6 Jan 2025", "27 Jan 2025"}
    for frame in (result.matrix, result.average):
        shown = display.shown_columns(frame, result)
        assert "revenue_retention" in shown.columns
        assert not {"active", "rate", "ci_low", "ci_high"} & set(shown.columns)
    assert display.value_column(result) == "revenue_retention"
    assert display.wide(result, "revenue_retention")["week 5"].to_list() == [2.0, None, None]


def test_users_result_keeps_its_user_columns():
    spec = RetentionSpec(anchor="calendar")
    users = summarize(retention.retention_table(weekly(), spec), spec)
    assert display.shown_columns(users.matrix, users).columns == users.matrix.columns
    assert display.headline(users, 1)[1] == ("Users", "4", "Users with a start event.")


def test_leak_callout_says_it_counts_users_when_revenue_is_shown():
    events = pl.read_parquet(SAMPLES["meals"].events_path)
    users = summarize(retention.retention_table(events, RetentionSpec()), RetentionSpec())
    spec = RetentionSpec(measure="revenue")
    money = summarize(retention.retention_table(events, spec), spec)
    assert users.leak is not None
    assert "not revenue" not in users.leak
    assert money.leak == users.leak + " This alert counts users who came back, not revenue."
