"""AppTest of the Workshop page: candidates, checks side by side, scoring, winner, custom."""

import pytest
from apptest_helpers import open_app, open_page, texts

from components import state
from nsm_core import governance
from nsm_core.metrics import MetricSpec

PAGE = "app_pages/workshop.py"
CAUSE = "Users who did save_favorite, per week"
PROXY = "Users who did share_dish, per week"
NEUTRAL = "Users who did change_address, per week"


def _ranking(at):
    return at.dataframe[-1].value  # the ranking is the last read-only table


FIRST_SCREEN = {
    "meals": [
        "Orders per week (North Star, like DoorDash, Instacart)",
        "Weekly transactions (North Star, like eBay, Stripe)",
        CAUSE,
        "Users who did share_dish 2+ times a week",
        "Users who did search 2+ times a week",
    ],
    "teams": [
        "Weekly active teams (North Star, like Slack)",
        "Weekly transactions (North Star, like eBay, Stripe)",
        "Users who did send_message 20+ times a week",
        "Users who did install_integration, per week",
        "Users who did start_call, per week",
    ],
    "cdnow": [
        "Orders per week (North Star, like DoorDash, Instacart)",
        "Weekly transactions (North Star, like eBay, Stripe)",
        "Users who did purchase 2+ times a week",
    ],
}


@pytest.mark.parametrize("sample", sorted(FIRST_SCREEN))
def test_first_screen_compares_templates_with_the_datas_own_events(sample):
    at = open_page(PAGE, sample)
    assert not at.exception
    assert at.multiselect[0].value == FIRST_SCREEN[sample]
    names = [label.split(" (North Star")[0] for label in FIRST_SCREEN[sample]]
    assert sorted(_ranking(at)["Candidate"]) == sorted(names)
    shown = texts(at)
    assert all(f"**{name}**" in shown for name in names)
    assert len(at.get("vega_lite_chart")) == 2


def test_first_screen_rates_the_planted_cause_strong_on_meals():
    at = open_page(PAGE)
    assert f"**{CAUSE}**  \n:green-badge[strong lead]" in texts(at)
    assert "of users pay and the data covers" in texts(at)


def test_event_candidates_are_offered_beside_the_templates():
    options = open_page(PAGE).multiselect[0].options
    assert "Users who did rate_order, per week" in options
    assert "Users who did share_dish 2+ times a week" in options
    assert "Orders per week (North Star, like DoorDash, Instacart)" in options


def test_adopted_north_star_comes_first_on_the_first_screen():
    at = open_app("meals")
    at.session_state[state.NORTH_STAR_CARD] = governance.new_card(
        MetricSpec("Weekly savers", events=("save_favorite",))
    )
    at = at.switch_page(PAGE).run()
    assert not at.exception
    chosen = at.multiselect[0].value
    assert chosen[0] == "Weekly savers (our North Star)"
    assert chosen[1:] == FIRST_SCREEN["meals"]


def test_planted_cause_beats_the_proxy_and_wins():
    at = open_page(PAGE)
    at.multiselect[0].set_value([PROXY, CAUSE, NEUTRAL]).run()
    assert not at.exception
    shown = texts(at)
    assert f"**{CAUSE}**  \n:green-badge[strong lead]" in shown
    assert f"**{PROXY}**  \n:red-badge[no lead]" in shown
    ranking = _ranking(at)
    assert ranking["Candidate"].tolist()[0] == CAUSE
    assert len(at.data_editor) == 2
    scores = next(e.value for e in at.data_editor if "Candidate" in e.value.columns)
    assert scores.set_index("Candidate").loc[CAUSE, "Reflects customer value"] == 5
    make = next(b for b in at.button if b.label.startswith("Make "))
    assert make.label == f"Make {CAUSE} our North Star"
    make.click().run()
    assert not at.exception
    assert at.session_state[state.NORTH_STAR_DRAFT].events == ("save_favorite",)


def test_saved_scores_and_votes_drive_the_ranking():
    at = open_page(PAGE)
    at.multiselect[0].set_value([PROXY, CAUSE, NEUTRAL]).run()
    session = at.session_state[state.WORKSHOP]
    low = (CAUSE, 1, 1, 1, 1, 1, 1, 0)
    high = (NEUTRAL, 5, 5, 5, 5, 5, 5, 9)
    at.session_state[state.WORKSHOP] = state.WorkshopSession(
        chosen=session.chosen, scores=(low, high), editor_version=1
    )
    at.run()
    assert not at.exception
    ranking = _ranking(at)
    assert ranking["Candidate"].tolist()[0] == NEUTRAL
    assert ranking["Candidate"].tolist()[-1] == CAUSE
    assert ranking["Votes"].tolist()[0] == 9
    at.button[1].click().run()  # reset to the data's suggestions
    assert _ranking(at)["Candidate"].tolist()[0] == CAUSE


def test_fewer_than_three_candidates_asks_for_more():
    at = open_page(PAGE)
    at.multiselect[0].set_value([CAUSE]).run()
    assert not at.exception
    assert "Pick at least three candidates" in texts(at)


def test_custom_candidate_is_added():
    at = open_page(PAGE)
    at.text_input(key="ws_custom_name").set_value("Raters")
    at.multiselect(key="ws_custom_events").set_value(["rate_order"])
    at.button[0].click().run()
    assert not at.exception
    assert "Raters (custom)" in at.multiselect[0].value
    assert "**Raters**" in texts(at)


def test_teams_checks_accounts():
    at = open_page(PAGE, "teams")
    assert not at.exception
    assert any(label.startswith("Weekly active teams") for label in at.multiselect[0].value)
    assert "teams old enough to judge" in texts(at)
