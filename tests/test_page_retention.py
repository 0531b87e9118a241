"""Retention page on the samples: every view renders, controls change what is computed."""

import json

import duckdb
import polars as pl
import pytest

from nsm_core import fmt
from nsm_core.samples import SAMPLES
from tests.apptest_helpers import open_page, texts
from tests.test_retention_reference import pooled_revenue_sql

PAGE = "app_pages/retention.py"


@pytest.fixture(scope="module")
def meals():
    return open_page(PAGE, "meals")


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_cohort_view_on_meals(meals):
    at = meals
    assert not at.exception
    events = pl.read_parquet(SAMPLES["meals"].events_path)
    assert metric(at, "Users") == f"{events['user_id'].n_unique():,}"
    shown = texts(at)
    assert "Leaky bucket: the 18 most recent weekly cohorts" in shown
    assert "users who joined the week of" in shown
    assert "were active in week 4" in shown
    assert "Across 51 complete cohorts" in shown
    assert len(at.get("vega_lite_chart")) == 2
    wide = at.dataframe[0].value
    assert list(wide.columns[:3]) == ["cohort", "cohort_size", "week 0"]
    assert (wide["week 0"] == 1.0).all()


def test_controls_recompute(meals):
    at = meals
    at.segmented_control(key="retention_period").set_value("month").run()
    at.segmented_control(key="retention_kind").set_value("unbounded").run()
    at.segmented_control(key="retention_anchor").set_value("calendar").run()
    assert not at.exception
    assert "were active in month 4 or later" in texts(at)
    at.selectbox(key="retention_segment").set_value("channel").run()
    assert not at.exception
    assert at.selectbox(key="retention_heatmap_segment").options[0] in {
        "organic",
        "paid_search",
        "paid_social",
        "referral",
    }
    assert "Pooled retention per channel value" in texts(at)
    at.segmented_control(key="retention_measure").set_value("revenue").run()
    assert not at.exception
    assert "per original user" in texts(at)
    at.selectbox(key="retention_segment").set_value("(no split)").run()
    at.selectbox(key="retention_start").set_value("order").run()
    assert not at.exception


def test_other_views(meals):
    at = meals
    at.segmented_control(key="retention_view").set_value("lifecycle").run()
    assert not at.exception
    assert "went dormant" in texts(at)
    assert "Quick ratio" in texts(at)
    at.segmented_control(key="retention_view").set_value("stickiness").run()
    assert not at.exception
    assert "(DAU/MAU)" in texts(at)
    at.segmented_control(key="retention_view").set_value("penny").run()
    assert not at.exception
    assert "paid at least once" in texts(at)
    at.selectbox(key="retention_value_event").set_value("rate_order").run()
    assert "did 'rate_order' at least once" in texts(at)


def test_accounts_on_teams():
    at = open_page(PAGE, "teams")
    assert not at.exception
    users = metric(at, "Users")
    at.segmented_control(key="retention_unit").set_value("account").run()
    assert not at.exception
    accounts = pl.read_parquet(SAMPLES["teams"].events_path)["account_id"].n_unique()
    assert metric(at, "Accounts") == f"{accounts:,}"
    assert users != metric(at, "Accounts")
    heat = chart_specs(at)[0]
    assert heat["title"]["subtitle"][0] == "First column: accounts in the cohort"
    assert "'Accounts'" in heat["layer"][0]["encoding"]["x"]["axis"]["labelExpr"]
    at.segmented_control(key="retention_view").set_value("lifecycle").run()
    assert "accounts were active" in texts(at)


def test_cdnow_has_no_account_control():
    at = open_page(PAGE, "cdnow")
    assert not at.exception
    assert not [s for s in at.segmented_control if s.key == "retention_unit"]
    at.segmented_control(key="retention_period").set_value("day").run()
    assert not at.exception


def pooled_revenue(sample: str) -> dict[int, dict]:
    """DuckDB's pooled revenue retention of the page's default spec (weeks, own start)."""
    events = pl.read_parquet(SAMPLES[sample].events_path)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.register("ev", events.to_arrow())
    rows = con.sql(pooled_revenue_sql("week", "user")).pl()
    con.close()
    return {r["period"]: r for r in rows.iter_rows(named=True)}


def chart_specs(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


@pytest.mark.parametrize(("sample", "unit"), [("meals", "users"), ("cdnow", "users")])
def test_revenue_measure_turns_every_number_to_revenue(sample, unit):
    at = open_page(PAGE, sample)
    at.segmented_control(key="retention_kind").set_value("unbounded").run()
    at.segmented_control(key="retention_measure").set_value("revenue").run()
    assert not at.exception
    duck = pooled_revenue(sample)
    labels = [m.label for m in at.metric]
    assert labels == ["Cohorts", "Revenue, week 0", "Revenue kept, week 1", "Revenue kept, week 4"]
    assert metric(at, "Revenue, week 0") == fmt.money(duck[0]["revenue"], compact=True)
    for k in (1, 4):
        assert metric(at, f"Revenue kept, week {k}") == f"{duck[k]['revenue_retention']:.1%}"
    help_text = next(m.help for m in at.metric if m.label == "Revenue kept, week 1")
    assert "Revenue in week 1 / the same cohorts' week-0 revenue" in help_text
    shown = texts(at)
    assert "were active in" not in shown
    assert f"{unit} who joined the week of" in shown
    assert "brought in $" in shown
    assert f"revenue in week 4 was {duck[4]['revenue_retention']:.0%} of the same cohorts'" in shown
    assert "per original user" in shown
    heat, curves = chart_specs(at)
    assert heat["title"]["text"] == "Revenue retention by cohort"
    assert curves["title"]["text"] == "Revenue retention curves"
    assert {layer["encoding"]["y"]["field"] for layer in curves["layer"]} == {"revenue_retention"}
    # revenue is always that of period k itself: "in k or later" does not apply
    assert at.segmented_control(key="retention_kind").disabled
    assert "revenue in each week / its week-0 revenue" in shown


def test_leak_callout_on_revenue_says_it_counts_users():
    at = open_page(PAGE, "meals")
    at.segmented_control(key="retention_measure").set_value("revenue").run()
    leak = next(w.value for w in at.warning if w.value.startswith("Leaky bucket"))
    assert leak.endswith("This alert counts users who came back, not revenue.")
    at.segmented_control(key="retention_measure").set_value("users").run()
    assert not at.segmented_control(key="retention_kind").disabled


def test_revenue_by_account_on_teams():
    # teams pay monthly after a 14-day trial: no week-0 revenue, so weekly revenue
    # retention is undefined and the page says why; by month it is the planted NRR > 100%
    at = open_page(PAGE, "teams")
    at.segmented_control(key="retention_unit").set_value("account").run()
    at.segmented_control(key="retention_measure").set_value("revenue").run()
    assert not at.exception
    assert "53 of 53 complete cohorts brought no revenue in their week 0" in texts(at)
    assert metric(at, "Revenue kept, week 1") == "n/a"
    at.segmented_control(key="retention_period").set_value("month").run()
    assert not at.exception
    shown = texts(at)
    assert "brought no revenue" not in shown
    assert "accounts who joined" in shown
    assert "per original account" in shown
    help_text = next(m.help for m in at.metric if m.label == "Revenue, month 0")
    assert "accounts of the complete cohorts" in help_text
    kept = float(metric(at, "Revenue kept, month 4").rstrip("%"))
    assert kept > 100


def test_day_period_sends_light_charts():
    at = open_page(PAGE, "meals")
    at.segmented_control(key="retention_period").set_value("day").run()
    assert not at.exception
    sent = sum(
        len(c.proto.spec) + sum(len(d.data.data) for d in c.proto.datasets)
        for c in at.get("vega_lite_chart")
    )
    assert sent < 100_000  # was 565 kB: 365 curves and their legend, every column twice
    curves = chart_specs(at)[1]
    assert len(curves["layer"][0]["encoding"]["color"]["sort"]) == 8
    shown = texts(at)
    assert "The heatmap shows the latest 60 of 365 cohorts" in shown
    assert "Thin lines: 8 of" in shown
    at.selectbox(key="retention_segment").set_value("channel").run()
    assert not at.exception
    assert "The heatmap shows the latest 60 of 365 cohorts" in texts(at)
