"""Unit economics page on the three samples: headline numbers, views and assumptions."""

import polars as pl
import pytest

from nsm_core import economics
from nsm_core.samples import SAMPLES
from tests.apptest_helpers import open_page, texts

PAGE = "app_pages/economics.py"


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label))


@pytest.fixture(scope="module")
def meals():
    return open_page(PAGE, "meals")


def test_meals_headline_matches_the_core(meals):
    assert not meals.exception
    events = pl.read_parquet(SAMPLES["meals"].events_path)
    spend = pl.read_parquet(SAMPLES["meals"].spend_path)
    expected = economics.unit_economics(events.lazy(), spend, economics.EconomicsSpec())
    assert metric(meals, "CAC") == f"${expected.cac:,.2f}"
    assert metric(meals, "LTV (Cohort curve)") == f"${expected.ltv('cohort').value:,.2f}"
    assert "rule of thumb" in texts(meals) or "costs more to acquire" in texts(meals)


@pytest.mark.parametrize("view", ["ltv", "cac", "margins", "retention", "model"])
def test_every_view_renders(meals, view):
    meals.segmented_control(key="econ_view").set_value(view).run()
    assert not meals.exception
    if view == "ltv":
        assert meals.dataframe[0].value.shape[0] == 3  # three LTV methods side by side
    if view == "margins":
        assert "COGS from the `cogs` property" in texts(meals)


def test_method_and_horizon_change_the_numbers(meals):
    before = metric(meals, "LTV (Cohort curve)")
    meals.select_slider(key="econ_horizon").set_value(12).run()
    assert metric(meals, "LTV (Cohort curve)") != before
    meals.segmented_control(key="econ_method").set_value("model").run()
    assert not meals.exception
    assert any(m.label == "LTV (BG/NBD model)" for m in meals.metric)


def test_cdnow_has_no_spend_and_says_what_would_enable_cac():
    at = open_page(PAGE, "cdnow")
    assert not at.exception
    assert metric(at, "CAC") == "n/a"
    assert "spend table" in texts(at)
    at.segmented_control(key="econ_view").set_value("model").run()
    assert not at.exception
    assert "Fitted by maximum likelihood" in texts(at)


def test_teams_renders_with_accounts():
    at = open_page(PAGE, "teams")
    assert not at.exception
    at.toggle(key="econ_accounts").set_value(True).run()
    assert not at.exception


def test_entered_margin_is_used_when_the_data_has_no_cogs():
    at = open_page(PAGE, "cdnow")
    assert metric(at, "Gross margin") == "100%"
    at.number_input(key="econ_margin").set_value(40.0).run()
    assert not at.exception
    assert metric(at, "Gross margin") == "40%"
