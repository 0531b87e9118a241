"""High-value moments page on the samples: numbers from the core, every view, the controls."""

import json

import polars as pl
import pytest

from components import state
from nsm_core import fmt, governance, moments
from nsm_core.metrics import MetricSpec
from nsm_core.samples import SAMPLES
from tests.apptest_helpers import open_app, open_page, texts

PAGE = "app_pages/moments.py"


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


@pytest.fixture(scope="module")
def meals():
    return open_page(PAGE, "meals")


def test_meals_headline_names_the_planted_moment(meals):
    assert not meals.exception
    truth_users = moments.user_table(
        pl.read_parquet(SAMPLES["meals"].events_path), moments.MomentSpec()
    ).eligible.sum()
    assert metric(meals, "Users analysed") == fmt.count(truth_users)
    words = texts(meals)
    assert "Strongest likely causal moment: **save_favorite in first 7 days**" in words
    assert "These lifts are observational" in words
    assert "nudge one half toward save_favorite" in words
    ranked = meals.dataframe[0].value
    assert ranked["Moment"].iloc[0] == "save_favorite in first 7 days"
    assert ranked["Verdict"].iloc[0] == moments.DRIVER
    proxies = ranked[ranked["Verdict"] == moments.PROXY]
    top_proxy = proxies.sort_values("Phi (correlation)", ascending=False)["Moment"].iloc[0]
    assert f"{top_proxy} looks strong naively" in words


def test_lift_chart_has_naive_and_adjusted_rows(meals):
    spec = meals.get("vega_lite_chart")[0].proto.spec
    assert "Naive vs adjusted lift" in spec


@pytest.mark.parametrize("view", ["segments", "users", "tracking", "experiments"])
def test_every_view_renders(meals, view):
    meals.segmented_control(key="moments_view").set_value(view).run()
    assert not meals.exception
    if view == "users":
        steps = meals.dataframe[1].value
        assert steps["Moment"].tolist() == ["save_favorite in first 7 days"]
        assert list(meals.dataframe[2].value.columns[:5]) == list(moments.crm.KEY_COLUMNS)
        assert any(b.label == "Download the CRM list (CSV)" for b in meals.get("download_button"))
    if view == "tracking":
        assert len(meals.get("vega_lite_chart")) == 3
    if view == "experiments":
        plans = meals.dataframe[1].value
        assert plans["moment"].iloc[0] == "save_favorite in first 7 days"
        assert plans["users_per_arm"].iloc[0] > 0


def test_revenue_outcome_and_window_controls(meals):
    meals.segmented_control(key="moments_view").set_value("segments").run()
    meals.segmented_control(key="moments_outcome").set_value("revenue").run()
    assert not meals.exception
    assert "revenue per user on days 8–35" in texts(meals)
    meals.slider(key="moments_window").set_value(3).run()
    assert not meals.exception
    assert meals.dataframe[0].value["Moment"].str.contains("first 3 days").all()


def test_too_strict_settings_say_what_to_change(meals):
    meals.number_input(key="moments_min_users").set_value(10_000).run()
    assert not meals.exception
    assert "lower 'Fewest users on each side'" in texts(meals)


@pytest.mark.parametrize("sample", ["teams", "cdnow"])
def test_other_samples_render(sample):
    at = open_page(PAGE, sample)
    assert not at.exception
    if sample == "cdnow":
        assert "Nothing to adjust for" in texts(at)
    else:
        assert "install_integration in first 7 days" in texts(at)


ORDERS = MetricSpec("Weekly orders", events=("order",), aggregation="events", unit="orders")


def _with_card(metric: MetricSpec):
    at = open_app("meals")
    at.session_state[state.NORTH_STAR_CARD] = governance.new_card(metric)
    return at.switch_page(PAGE).run()


def test_adopted_north_star_is_an_outcome():
    at = _with_card(ORDERS)
    control = at.segmented_control(key="moments_outcome")
    assert "Our North Star (Weekly orders)" in control.options
    control.set_value("north_star").run()
    assert not at.exception
    words = texts(at)
    assert "orders per user on days 8–35 (North Star: Weekly orders)" in words
    assert "Lifts are in orders per user" in words
    expected = moments.analyse(
        pl.read_parquet(SAMPLES["meals"].events_path), moments.MomentSpec(outcome=ORDERS)
    )
    assert metric(at, "Average outcome") == f"{expected.outcome_mean:,.2f} orders"
    ranked = at.dataframe[0].value
    row = ranked[ranked["Moment"] == "save_favorite in first 7 days"].iloc[0]
    assert row["Verdict"] == moments.DRIVER
    assert row["Adjusted lift (orders)"] == pytest.approx(
        round(expected.table.filter(pl.col("moment") == row["Moment"])["lift"].item(), 2)
    )
    chart = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert "Lift in orders per user" in json.dumps(chart)
    at.segmented_control(key="moments_view").set_value("tracking").run()
    assert not at.exception


def test_user_counting_north_star_reads_in_points():
    at = _with_card(MetricSpec("Weekly active users"))
    at.segmented_control(key="moments_outcome").set_value("north_star").run()
    assert not at.exception
    words = texts(at)
    assert "counted in Weekly active users (any event on days 8–35)" in words
    assert "Adjusted lift (pp)" in at.dataframe[0].value.columns


def test_days_to_value_north_star_is_explained():
    days = MetricSpec("Days to first order", events=("order",), aggregation="days_to_value")
    at = _with_card(days)
    at.segmented_control(key="moments_outcome").set_value("north_star").run()
    assert not at.exception
    assert "measures how fast users first reach value" in at.error[0].value


def test_without_a_card_a_template_is_offered(meals):
    control = meals.segmented_control(key="moments_outcome")
    control.set_value("north_star").run()
    assert not meals.exception
    assert "No North Star adopted yet" in texts(meals)
    template = meals.selectbox(key="moments_north_star_template")
    assert "Orders per week" in template.options
    template.set_value("Orders per week").run()
    assert not meals.exception
    assert "(North Star: Orders per week)" in texts(meals)
    control.set_value("retained").run()
