"""AppTest of the North Star page: define, adopt, change, guardrails, export and import."""

import json
from datetime import date

import pytest
from apptest_helpers import APP, TIMEOUT, open_page, texts
from streamlit.testing.v1 import AppTest

from components import state
from nsm_core import governance as gov
from nsm_core.metrics import MetricSpec

PAGE = "app_pages/north_star.py"


def _pick_template(at, name):
    box = at.selectbox(key="ns_template")
    index = next(i for i, label in enumerate(box.options) if label.startswith(name + " ("))
    return box.set_value(index).run()


def _adopt(at, name):
    _pick_template(at, name)
    at.button[0].click().run()
    assert not at.exception
    return at


@pytest.mark.parametrize(
    ("sample", "star", "missing"),
    [
        ("meals", "Orders per week", "Weekly active teams"),
        ("teams", "Weekly active teams", "Orders per week"),
    ],
)
def test_templates_fit_each_sample(sample, star, missing):
    at = open_page(PAGE, sample)
    assert not at.exception
    labels = at.selectbox(key="ns_template").options
    assert any(label.startswith(star + " (North Star") for label in labels)
    assert not any(label.startswith(missing + " (") for label in labels)
    assert f"**{missing}** needs" in texts(at)


def test_adopt_shows_the_card():
    at = _adopt(open_page(PAGE), "Orders per week")
    shown = texts(at)
    assert "# North Star: Orders per week" in shown
    assert "| Version | 1 |" in shown
    assert "Orders per week was" in shown  # the series caption in words
    card = at.session_state[state.NORTH_STAR_CARD]
    assert card.spec.events == ("order",)
    assert card.spec.aggregation == "events"


def test_change_is_logged_and_recomputed_both_ways():
    at = _adopt(open_page(PAGE), "Orders per week")
    at.segmented_control(key="ns_view_card").set_value("define").run()
    _pick_template(at, "Users who ordered, per week")
    at.text_input(key="ns_author").set_value("Ana")
    at.text_input(key="ns_reason").set_value("count people, not orders")
    at.button[0].click().run()
    assert not at.exception
    card = at.session_state[state.NORTH_STAR_CARD]
    assert card.version == 2
    assert card.changes[0].before.aggregation == "events"
    assert card.changes[0].after.aggregation == "distinct_users"
    at.segmented_control(key="ns_view_card").set_value("card").run()
    shown = texts(at)
    assert "| Version | 2 |" in shown
    assert "count people, not orders" in shown
    assert "On the same events, the new definition averages" in shown
    assert "%)" in shown


def test_change_without_a_reason_is_refused():
    at = _adopt(open_page(PAGE), "Orders per week")
    at.segmented_control(key="ns_view_card").set_value("define").run()
    _pick_template(at, "Users who ordered, per week")
    at.text_input(key="ns_author").set_value("Ana")
    at.button[0].click().run()
    assert not at.exception
    assert "needs an author and a reason" in texts(at)
    assert at.session_state[state.NORTH_STAR_CARD].version == 1


def test_guardrails_sit_beside_the_card():
    at = _adopt(open_page(PAGE), "Orders per week")
    label = next(
        o
        for o in at.multiselect(key="ns_guardrails").options
        if o.startswith("Weekly transactions")
    )
    at.multiselect(key="ns_guardrails").set_value([label]).run()
    at.text_input(key="ns_named_guardrails").set_value("NPS, On-time delivery").run()
    assert not at.exception
    card = at.session_state[state.NORTH_STAR_CARD]
    assert [g.name for g in card.guardrails] == ["Weekly transactions", "NPS", "On-time delivery"]
    assert [m.label for m in at.metric] == ["Weekly transactions"]
    assert "**Weekly transactions**" in texts(at)


def test_import_round_trip_and_broken_files():
    card = gov.change(
        gov.new_card(
            MetricSpec("Weekly orders", events=("order",), aggregation="events", owner="Ana")
        ),
        MetricSpec(
            "Weekly orders", events=("order",), aggregation="events", owner="Ana", grain="month"
        ),
        author="Ben",
        reason="monthly review",
        when=date(2025, 6, 1),
    )
    at = open_page(PAGE)
    at.file_uploader(key="ns_import").upload(
        "card.json", gov.to_json(card).encode(), "application/json"
    ).run()
    assert not at.exception
    assert at.session_state[state.NORTH_STAR_CARD] == card
    assert "Imported the card of Weekly orders (version 2)" in texts(at)

    broken = open_page(PAGE)
    broken.file_uploader(key="ns_import").upload(
        "card.json", b'{"format": ', "application/json"
    ).run()
    assert not broken.exception
    assert "card.json: This file is not valid JSON" in texts(broken)
    assert state.NORTH_STAR_CARD not in broken.session_state

    foreign = open_page(PAGE)
    payload = json.dumps({"name": "not a card"}).encode()
    foreign.file_uploader(key="ns_import").upload("x.json", payload, "application/json").run()
    assert "not a North Star governance card" in texts(foreign)


def test_card_on_other_data_says_what_it_lacks():
    # Adopted on meals, opened on teams: the card used to show 0 orders with no warning.
    at = _adopt(open_page(PAGE, "meals"), "Orders per week")
    assert at.session_state[state.NORTH_STAR_CARD].dataset.startswith("Meal delivery")
    assert not at.warning
    at.selectbox(key=state.SAMPLE).set_value("teams").run()
    warning = " ".join(w.value for w in at.warning)
    assert "counts event 'order'" in warning
    assert "adopted on Meal delivery" in warning
    assert "| Adopted on | Meal delivery" in texts(at)
    at.selectbox(key=state.SAMPLE).set_value("meals").run()
    assert not at.warning


def test_reload_keeps_the_adopted_card_and_the_sample():
    # The link carries the sample and the card: a reload used to lose the adopted card.
    at = open_page(PAGE, "teams")
    at = _adopt(at, "Weekly active teams")
    params = {k: at.query_params[k] for k in (state.LINK_SAMPLE, state.LINK_NORTH_STAR)}
    assert params[state.LINK_SAMPLE] == "teams"

    reloaded = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    reloaded.query_params.update(params)
    reloaded.run()
    reloaded.switch_page(PAGE).run()
    assert not reloaded.exception
    card = reloaded.session_state[state.NORTH_STAR_CARD]
    assert card == at.session_state[state.NORTH_STAR_CARD]
    assert reloaded.session_state[state.SAMPLE] == "teams"
    assert "# North Star: Weekly active teams" in texts(reloaded)


def test_damaged_link_says_so_and_adopts_nothing():
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params[state.LINK_NORTH_STAR] = "damaged"
    at.run()
    assert not at.exception
    assert "The North Star in this link is damaged" in at.warning[0].value
    assert state.NORTH_STAR_CARD not in at.session_state
