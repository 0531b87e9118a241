"""AppTest of the Scenarios page: presets, the form, views, JSON and URL sharing."""

import json

import pytest
from apptest_helpers import TIMEOUT, open_page, texts
from streamlit.testing.v1 import AppTest

from components import inputs_scenarios, state
from nsm_core import scenarios
from nsm_core.scenarios import Plan, Scenario

PAGE = "app_pages/scenarios.py"


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def table(at: AppTest, column: str):
    """The first dataframe on the page that has `column` (the editor is a dataframe too)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def months_input(at: AppTest):
    return next(n for n in at.number_input if n.key.startswith("scenario_months_"))


def submit(at: AppTest) -> AppTest:
    return at.button(key="scenario_go").click().run()


@pytest.mark.parametrize("sample", ["meals", "teams", "cdnow"])
def test_default_preset_shows_exact_totals(sample):
    at = open_page(PAGE, sample)
    assert not at.exception
    shown = metrics(at)
    assert shown["Revenue, A"] == "$90,000.00"
    assert shown["Revenue, B"] == "$120,000.00"
    compared = table(at, "Revenue")
    assert compared["Revenue"].tolist() == [90_000.0, 120_000.0]
    assert compared["Break-even value per moment vs A"].tolist()[1] == 5.0
    assert "it matches A when a moment is worth $5" in texts(at)


def test_months_change_recomputes_on_submit():
    at = open_page(PAGE)
    months_input(at).set_value(6)
    submit(at)
    assert not at.exception
    shown = metrics(at)
    assert shown["Revenue, A"] == "$180,000.00"
    assert shown["Revenue, B"] == "$240,000.00"
    # the link now carries the new plan
    token = at.query_params[inputs_scenarios.QUERY_KEY]
    assert scenarios.from_token(token).months == 6


def test_views_range_and_sensitivity():
    at = open_page(PAGE)
    at.segmented_control(key="scenario_view").set_value("range").run()
    assert not at.exception
    assert "simulated outcomes (central 90%)" in texts(at)
    at.slider(key="scenario_moments_cv").set_value(20).run()
    assert not at.exception
    band = table(at, "Shift in value per moment")
    assert band[band["Scenario"] == "B"]["Revenue"].tolist() == [110_000.0, 120_000.0, 130_000.0]
    at.segmented_control(key="scenario_view").set_value("sensitivity").run()
    assert not at.exception
    assert "moves most with" in texts(at)
    at.slider(key="scenario_swing").set_value(50).run()
    assert not at.exception


def test_typed_uncertainty_moves_the_band():
    at = open_page(PAGE)
    at.number_input(key="scenario_plus_minus").set_value(10.0)
    submit(at)
    at.segmented_control(key="scenario_view").set_value("range").run()
    band = table(at, "Shift in value per moment")
    assert band[band["Scenario"] == "B"]["Revenue"].tolist() == [100_000.0, 120_000.0, 140_000.0]


def test_other_preset():
    at = open_page(PAGE)
    at.selectbox(key="scenario_preset").set_value("paid_campaign").run()
    at.button(key="scenario_use_preset").click().run()
    assert not at.exception
    shown = metrics(at)
    assert shown["Revenue, A"] == "$180,000.00"
    assert shown["Revenue, B"] == "$225,000.00"
    assert table(at, "Return on extra cost")["Return on extra cost"].tolist()[1] == pytest.approx(
        0.8
    )


def test_load_json_file():
    plan = Plan((Scenario("Now", 1_000.0), Scenario("Push", 900.0, 10, 30.0, 500.0)), 2)
    at = open_page(PAGE)
    at.file_uploader(key="scenario_json").upload(
        "plan.json", scenarios.to_json(plan).encode(), "application/json"
    ).run()
    at.button(key="scenario_load").click().run()
    assert not at.exception
    shown = metrics(at)
    assert shown["Revenue, Now"] == "$2,000.00"
    assert shown["Revenue, Push"] == "$2,400.00"


def test_broken_json_file_is_a_clear_error():
    at = open_page(PAGE)
    at.file_uploader(key="scenario_json").upload("plan.json", b"{oops", "application/json").run()
    at.button(key="scenario_load").click().run()
    assert not at.exception
    assert any("not valid JSON" in e.value for e in at.error)
    assert metrics(at)["Revenue, B"] == "$120,000.00"  # the plan in use is unchanged


def test_wrong_json_shape_is_a_clear_error():
    at = open_page(PAGE)
    bad = json.dumps({"months": 3, "scenarios": [{"name": "A", "costs": -5}]}).encode()
    at.file_uploader(key="scenario_json").upload("plan.json", bad, "application/json").run()
    at.button(key="scenario_load").click().run()
    assert any("cannot be negative" in e.value for e in at.error)


def _with_link(token: str) -> AppTest:
    at = AppTest.from_file(str(__import__("apptest_helpers").APP), default_timeout=TIMEOUT)
    at.query_params[inputs_scenarios.QUERY_KEY] = token
    at.run()
    return at.switch_page(PAGE).run()


def test_shared_link_opens_its_scenarios():
    plan = Plan((Scenario("X", 10.0), Scenario("Y", 5.0, 1, 7.0)), 12)
    at = _with_link(scenarios.to_token(plan))
    assert not at.exception
    shown = metrics(at)
    assert shown["Revenue, X"] == "$120.00"
    assert shown["Revenue, Y"] == "$144.00"


def test_damaged_link_falls_back_to_the_preset():
    at = _with_link("definitely-not-a-plan")
    assert not at.exception
    assert any("damaged" in w.value for w in at.warning)
    assert metrics(at)["Revenue, B"] == "$120,000.00"


def test_value_from_the_data_on_meals():
    at = open_page(PAGE, "meals")
    at.segmented_control(key="scenario_value_mode").set_value("data").run()
    # the Moments analysis ranks the planted moment first, so it is the default
    assert at.selectbox(key="scenario_event").value == "save_favorite"
    submit(at)
    assert not at.exception
    assert "Estimated value per moment" in texts(at)
    # B's 2,000 moments are now valued at the estimate (a few dollars), not $20
    revenue_b = table(at, "Revenue")["Revenue"].tolist()[1]
    assert 80_000 < revenue_b < 100_000


def test_value_from_the_data_falls_back_when_it_cannot():
    at = open_page(PAGE, "cdnow")
    at.segmented_control(key="scenario_value_mode").set_value("data").run()
    # every CDNOW customer purchases in their first week: no one to compare with
    at.number_input(key="scenario_threshold").set_value(1)
    submit(at)
    assert not at.exception
    assert any("cannot value" in w.value for w in at.warning)
    assert metrics(at)["Revenue, B"] == "$120,000.00"


def _edit(at: AppTest, edits: dict) -> AppTest:
    """Apply data-editor edits to the scenario table, as the browser sends them, and submit."""
    key = f"scenario_table_{at.session_state[state.SCENARIO_EDITOR]}"
    at.session_state[key] = {"edited_rows": {}, "added_rows": [], "deleted_rows": []} | edits
    return submit(at)


def test_edit_add_and_delete_scenarios():
    at = open_page(PAGE)
    _edit(
        at,
        {
            "edited_rows": {1: {"value_per_moment": 30.0}},
            "added_rows": [{"name": "C", "base_revenue_per_month": 10.0}],
        },
    )
    assert not at.exception
    shown = metrics(at)
    assert shown["Revenue, B"] == "$140,000.00"  # 80,000 + 2,000 × 30
    assert shown["Revenue, C"] == "$30.00"
    _edit(at, {"deleted_rows": [0]})
    assert list(metrics(at)) == ["Revenue, B", "Revenue, C"]


def test_bad_edit_keeps_the_previous_plan():
    at = open_page(PAGE)
    _edit(at, {"edited_rows": {1: {"name": "A"}}})
    assert not at.exception
    assert any("same name" in e.value for e in at.error)
    assert metrics(at)["Revenue, B"] == "$120,000.00"
