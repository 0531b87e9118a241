"""Driver tree page: renders on every sample; its controls change what it shows."""

import pytest

from tests.apptest_helpers import open_page, texts

PAGE = "app_pages/drivers.py"


def view(at, name):
    at.segmented_control(key="drivers_view").set_value(name).run()
    assert not at.exception
    return at


@pytest.mark.parametrize("sample", ["meals", "teams", "cdnow"])
def test_tree_renders_on_every_sample(sample):
    at = open_page(PAGE, sample)
    assert not at.exception
    assert not at.error
    dot = at.get("graphviz_chart")[0].proto.spec
    assert dot.startswith("digraph")
    assert "went from" in texts(at)


def test_controls_on_meals():
    at = open_page(PAGE, "meals")
    assert "Weekly" in at.get("graphviz_chart")[0].proto.spec
    at.segmented_control(key="drivers_method").set_value("lmdi").run()
    at.segmented_control(key="drivers_level").set_value("leaves").run()
    assert not at.exception

    view(at, "what_if")
    at.slider(key="drivers_shock_per_doer").set_value(10)
    next(b for b in at.button if b.label == "Project").click().run()
    # The root is a product through "per active user": +10% there is +10% at the root.
    assert at.metric[0].delta == "10.0%"

    at.selectbox(key="drivers_segment_meals").set_value("new vs returning").run()
    view(at, "segments")
    assert "by new vs returning" in texts(at)

    view(at, "brief")
    at.text_area(key="drivers_brief_hypothesis").input("Reorder nudges lift frequency").run()
    brief = texts(at)
    assert "Reorder nudges lift frequency" in brief
    assert "Impact path" in brief

    at.selectbox(key="drivers_template_meals").set_value("revenue").run()
    view(at, "why")
    assert "net revenue went from" in texts(at)
