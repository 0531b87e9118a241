"""High-value moments page on the samples: numbers from the core, every view, the controls."""

import polars as pl
import pytest

from nsm_core import fmt, moments
from nsm_core.samples import SAMPLES
from tests.apptest_helpers import open_page, texts

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
        summary = meals.dataframe[1].value
        assert list(summary.columns) == ["Moment", "1st for", "2nd for", "3rd for"]
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
