"""Retention page on the samples: every view renders, controls change what is computed."""

import polars as pl
import pytest

from nsm_core.samples import SAMPLES
from tests.apptest_helpers import open_page, texts

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
    at.segmented_control(key="retention_view").set_value("lifecycle").run()
    assert "accounts were active" in texts(at)


def test_cdnow_has_no_account_control():
    at = open_page(PAGE, "cdnow")
    assert not at.exception
    assert not [s for s in at.segmented_control if s.key == "retention_unit"]
    at.segmented_control(key="retention_period").set_value("day").run()
    assert not at.exception
