"""Driver tree page: renders on every sample; its controls change what it shows."""

import polars as pl
import pytest

from components import state
from nsm_core.governance import new_card
from nsm_core.metrics import TEMPLATES, fit_template
from tests.apptest_helpers import open_app, open_page, texts, upload

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


def with_north_star(sample, spec):
    """Open the page with `spec` adopted as the North Star (its governance card in state)."""
    at = open_app(sample)
    at.session_state[state.NORTH_STAR_CARD] = new_card(spec)
    return at.switch_page(PAGE).run()


def fitted(sample, template):
    frame = pl.read_parquet(f"sample_data/{sample}_events.parquet", columns=["event"])
    names = frame.get_column("event").unique().to_list()
    columns = pl.read_parquet_schema(f"sample_data/{sample}_events.parquet").names()
    return fit_template(TEMPLATES[template], names, columns).spec


def dot(at):
    return at.get("graphviz_chart")[0].proto.spec


def change_words(at):
    """The root's 'went from A to B' numbers in the attribution caption."""
    text = next(c.value for c in at.caption if " went from " in c.value)
    return text.split(" went from ")[1].split(" in the ")[0]


def test_north_star_root_on_meals():
    at = with_north_star("meals", fitted("meals", "orders_per_week"))
    assert not at.exception
    assert "Our North Star (Orders per week)" in dot(at)
    assert "Orders per week = active users × share doing it" in texts(at)
    ours = change_words(at)
    # The same numbers as the standard volume tree on the order event.
    at.segmented_control(key="drivers_root").set_value("template").run()
    at.selectbox(key="drivers_template_meals").set_value("volume").run()
    at.selectbox(key="drivers_key_meals_volume").set_value("order").run()
    assert "Weekly orders" in dot(at)
    assert change_words(at) == ours


def test_north_star_root_on_teams():
    at = with_north_star("teams", fitted("teams", "weekly_active_teams"))
    assert not at.exception
    assert "Our North Star (Weekly active teams)" in dot(at)
    assert "Retained accounts" in dot(at)
    assert "counting accounts (teams), as the North Star is defined" in texts(at)
    # Growth accounting has no node whose metric can change: no edit form.
    assert not [b for b in at.button if b.label == "Apply"]


def test_a_north_star_no_tree_can_split():
    at = with_north_star("meals", fitted("meals", "orders_per_week__efficiency"))
    assert not at.exception
    assert "cannot split it" in at.info[0].value
    assert "Showing a standard tree instead" in at.info[0].value
    assert "Weekly orders" in dot(at)


def apply_edits(at, prefix, **picks):
    for name, value in picks.items():
        at.selectbox(key=f"{prefix}_{name}").set_value(value)
    at.button(key=f"{prefix}_apply").click().run()
    assert not at.exception
    assert not at.error
    return at


def test_node_edits_on_meals():
    at = with_north_star("meals", fitted("meals", "orders_per_week"))
    before = change_words(at)
    apply_edits(
        at,
        "drivers_edit_meals_volume_order",
        doer_share_event="view_menu",
        doer_share_where="device is ios",
        per_doer_where="coupon is SAVE20",
    )
    shown = texts(at)
    assert "Changed: “doing it” now means users who did view_menu where device is ios" in shown
    assert "Split: Orders per user who did view_menu where device is ios = the part" in shown
    assert "view_menu where device is ios: everything else" in dot(at)
    # Who counts as doing it and how a leaf is split never change the North Star itself.
    assert change_words(at) == before
    at.segmented_control(key="drivers_level").set_value("leaves").run()
    assert not at.exception

    view(at, "brief")
    options = at.selectbox(key="drivers_brief_driver").options
    assert "Orders per user who did view_menu where device is ios: coupon is SAVE20" in options
    assert not [o for o in options if o.endswith("everything else")]


def test_node_edits_on_teams():
    at = open_page(PAGE, "teams")
    at.selectbox(key="drivers_template_teams").set_value("volume").run()
    key = at.selectbox(key="drivers_key_teams_volume").value
    prefix = f"drivers_edit_teams_volume_{key}"
    plans = [o for o in at.selectbox(key=f"{prefix}_doer_share_where").options if "plan is" in o]
    apply_edits(at, prefix, doer_share_event="upload_file", doer_share_where=plans[0])
    assert f"users who did upload_file where {plans[0]}" in texts(at)
    assert f"who did upload_file where {plans[0]}" in dot(at)
    view(at, "what_if")
    at.slider(key="drivers_shock_doer_share").set_value(10)
    next(b for b in at.button if b.label == "Project").click().run()
    # The root is a product through the share: +10% there is +10% at the root.
    assert at.metric[0].delta == "10.0%"


@pytest.mark.parametrize("sample", ["meals", "teams", "cdnow"])
def test_switching_to_month_keeps_a_month_to_explain(sample):
    # A week picked on the "period to explain" slider is not a month: it used to crash.
    at = open_page(PAGE, sample)
    at.segmented_control(key=f"drivers_period_{sample}").set_value("month").run()
    assert not at.exception, at.exception
    picked = at.select_slider(key="drivers_period_pick").value
    assert picked.day == 1
    assert "Monthly" in at.get("graphviz_chart")[0].proto.spec


def ratings_csv() -> bytes:
    """A MovieLens-like ratings log: no event column, no money, two months of rows."""
    rows = [
        f"u{user},{day},{(user + day) % 5 + 1},{1_700_000_000 + day * 86_400}"
        for day in range(60)
        for user in range(day % 7 + 3)
    ]
    return "\n".join(["user_id,item_id,rating,timestamp", *rows]).encode()


def test_money_less_data_gets_a_volume_tree_and_revenue_says_why_it_is_zero():
    # A ratings log used to get an all-zero revenue tree by default.
    at = upload(open_app("meals"), "ratings.csv", ratings_csv())
    at.switch_page(PAGE).run()
    assert not at.exception
    template = next(s for s in at.selectbox if s.label == "Tree")
    assert template.value == "volume"
    assert not any("no revenue" in w.value for w in at.warning)
    template.set_value("revenue").run()
    assert any("no revenue" in w.value for w in at.warning)
