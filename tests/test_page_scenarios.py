"""AppTest of the Scenarios page: presets, the form, views, JSON and URL sharing."""

import json
from datetime import date

import polars as pl
import pytest
from apptest_helpers import TIMEOUT, open_page, texts, upload
from page_sweep import sweep
from streamlit.testing.v1 import AppTest

from components import cached, inputs_scenarios, state
from nsm_core import scenarios
from nsm_core.moments import value_of_moment
from nsm_core.samples import SAMPLES
from nsm_core.scenarios import Plan, Scenario

PAGE = "app_pages/scenarios.py"


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def table(at: AppTest, column: str):
    """The first dataframe on the page that has `column` (the editor is a dataframe too)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def keyed(at: AppTest, kind: str, name: str):
    """The page's widget `name`: its key carries the editor version (it restarts from the plan)."""
    return next(w for w in getattr(at, kind) if w.key.startswith(f"scenario_{name}_"))


def months_input(at: AppTest):
    return keyed(at, "number_input", "months")


def data_mode(at: AppTest) -> AppTest:
    return keyed(at, "button_group", "value_mode").set_value("data").run()


def pick_moment(at: AppTest, event: str, threshold: int = 1) -> AppTest:
    keyed(at, "selectbox", "event").set_value(event)
    keyed(at, "number_input", "threshold").set_value(threshold)
    return submit(at)


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
    keyed(at, "number_input", "plus_minus").set_value(10.0)
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
    at = data_mode(open_page(PAGE, "meals"))
    assert "Pick the high-value moment" in texts(at)  # nothing is estimated before a pick
    pick_moment(at, "save_favorite")
    assert not at.exception
    assert "Value per moment used for every scenario with moments" in texts(at)
    # B's 2,000 moments are now valued at the estimate (a few dollars), not $20
    revenue_b = table(at, "Revenue")["Revenue"].tolist()[1]
    assert 80_000 < revenue_b < 100_000


def test_value_from_the_data_falls_back_when_it_cannot():
    at = data_mode(open_page(PAGE, "cdnow"))
    # every CDNOW customer purchases in their first week: no one to compare with
    pick_moment(at, "purchase")
    assert not at.exception
    assert any("cannot value" in w.value for w in at.warning)
    assert metrics(at)["Revenue, B"] == "$120,000.00"
    assert table(at, "Value source")["Value source"].tolist()[1] == (
        "typed in (± $5.00), not from the data"
    )


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


def editor(at: AppTest):
    """The scenario table as the page shows it (the data editor: a frame with `name`)."""
    return next(d for d in at.dataframe if "name" in d.value.columns)


def shown_columns(at: AppTest) -> list[str]:
    return list(editor(at).proto.column_order)


def test_the_table_shows_the_estimated_value_it_uses_not_the_typed_one():
    at = pick_moment(data_mode(open_page(PAGE, "meals")), "save_favorite")
    events = pl.read_parquet(SAMPLES["meals"].events_path).lazy()
    estimate = value_of_moment(events, event="save_favorite", outcome_window=(8, 97))
    # the editor shows the value used, and hides the typed $20 it does not use
    assert "value_used" in shown_columns(at)
    assert "value_per_moment" not in shown_columns(at)
    assert editor(at).value["value_used"].tolist()[1] == pytest.approx(estimate.value)
    row = table(at, "Value source").iloc[1]
    assert row["Value per moment"] == pytest.approx(estimate.value, abs=0.005)
    assert row["Revenue"] == pytest.approx(80_000 + 2_000 * estimate.value, abs=0.01)
    assert row["Value source"].startswith("estimated from the data: 'save_favorite' ≥ 1×")
    assert row["Value per moment, low end"] == pytest.approx(estimate.ci_low, abs=0.005)
    assert row["Value per moment, high end"] == pytest.approx(estimate.ci_high, abs=0.005)
    assert row["Users behind the value"] == estimate.n
    # typed mode shows the typed value again, editable
    keyed(at, "button_group", "value_mode").set_value("typed").run()
    assert "value_per_moment" in shown_columns(at)
    assert metrics(at)["Revenue, B"] == "$120,000.00"


def no_revenue_csv() -> bytes:
    """Ratings without any money column (MovieLens-like): 200 users over three months, half
    of them adding to their watchlist, enough on each side for an estimate of $0."""
    rows = ["user_id,event,timestamp"]
    for u in range(200):
        for m in range(1, 4):
            rows.append(f"u{u},rate_movie,2024-0{m}-0{1 + u % 7}T10:00:00Z")
            if u % 2:
                rows.append(f"u{u},add_to_watchlist,2024-0{m}-0{1 + u % 7}T11:00:00Z")
    return "\n".join(rows).encode()


def test_data_without_revenue_refuses_the_estimate_and_says_why():
    at = upload(open_page(PAGE, "meals"), "ratings.csv", no_revenue_csv())
    data_mode(at)
    assert not at.exception
    warning = next(w.value for w in at.warning if "no revenue" in w.value)
    assert "revenue column" in warning  # what would enable it
    assert not any(s.key.startswith("scenario_event_") for s in at.selectbox)
    assert metrics(at)["Revenue, B"] == "$120,000.00"  # the typed $20, not a silent $0.00
    assert table(at, "Value source")["Value per moment"].tolist()[1] == 20.0
    assert "none to offer" in texts(at)  # no base revenue either
    assert not any(b.key == "scenario_use_base" for b in at.button)


def last_complete_months(sample: str, n: int = 3) -> pl.DataFrame:
    """Independent count: net revenue of the last `n` months the data cover to their end."""
    events = pl.read_parquet(SAMPLES[sample].events_path)
    month = pl.col("ts").dt.truncate("1mo").dt.date()
    end = events.select((pl.col("ts").max() + pl.duration(days=1)).dt.truncate("1mo").dt.date())
    return (
        events.group_by(month.alias("month"))
        .agg(pl.col("revenue").sum())
        .filter(pl.col("month") < end.item())
        .sort("month")
        .tail(n)
    )


@pytest.mark.parametrize("sample", ["meals", "teams", "cdnow"])
def test_base_revenue_from_the_data_in_one_click_with_its_period(sample):
    at = open_page(PAGE, sample)
    recent = last_complete_months(sample)
    expected = recent["revenue"].mean()
    first, last = (d.strftime("%b %Y") for d in (recent["month"][0], recent["month"][-1]))
    caption = next(c.value for c in at.caption if c.value.startswith("Base revenue in the data"))
    assert f"${expected:,.2f} a month" in caption
    assert f"3 complete months {first} – {last}" in caption
    at.button(key="scenario_use_base").click().run()
    assert not at.exception
    bases = table(at, "Base revenue")["Base revenue"].tolist()
    assert bases == pytest.approx([3 * expected] * 2, abs=0.05)
    shared = scenarios.from_token(at.query_params[inputs_scenarios.QUERY_KEY])
    assert [s.base_revenue_per_month for s in shared.scenarios] == [round(expected, 2)] * 2


def test_meals_base_covers_the_three_months_before_the_data_end():
    # the meals data end on 1 Feb 2026, so January 2026 is the last complete month
    assert last_complete_months("meals")["month"].to_list() == [
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
    ]


def test_value_from_the_data_on_teams_says_where_it_came_from():
    at = pick_moment(data_mode(open_page(PAGE, "teams")), "send_message", threshold=3)
    assert not at.exception
    events = pl.read_parquet(SAMPLES["teams"].events_path).lazy()
    estimate = value_of_moment(events, event="send_message", threshold=3, outcome_window=(8, 97))
    row = table(at, "Value source").iloc[1]
    assert row["Value source"].startswith("estimated from the data: 'send_message' ≥ 3×")
    # a moment can be worth less than nothing: the comparison says so, it does not hide it
    assert row["Value per moment"] == pytest.approx(estimate.value, abs=0.005)
    assert row["Value per moment"] < 0
    assert row["Users behind the value"] == estimate.n


def test_link_and_file_restore_the_estimated_value():
    at = pick_moment(data_mode(open_page(PAGE, "meals")), "save_favorite", threshold=2)
    token = at.query_params[inputs_scenarios.QUERY_KEY]
    used = table(at, "Value source")["Value per moment"].tolist()[1]
    saved = scenarios.from_token(token)
    assert saved.valuation == scenarios.Valuation("data", 5.0, "save_favorite", 2, 7)
    reopened = _with_link(token)
    assert not reopened.exception
    assert keyed(reopened, "button_group", "value_mode").value == "data"
    assert keyed(reopened, "selectbox", "event").value == "save_favorite"
    assert table(reopened, "Value source")["Value per moment"].tolist()[1] == used
    # the saved JSON carries it too
    fresh = open_page(PAGE, "meals")
    fresh.file_uploader(key="scenario_json").upload(
        "plan.json", scenarios.to_json(saved).encode(), "application/json"
    ).run()
    fresh.button(key="scenario_load").click().run()
    assert keyed(fresh, "number_input", "threshold").value == 2
    assert table(fresh, "Value source")["Value per moment"].tolist()[1] == used


def test_switching_to_data_mode_runs_no_moment_ranking(monkeypatch):
    """The ranking (every event × threshold, bootstrap) took 1.2 s of the click at 1M."""
    ranked = []
    original = cached.moments
    monkeypatch.setattr(cached, "moments", lambda *a: ranked.append(a) or original(*a))
    at = data_mode(open_page(PAGE, "meals"))
    pick_moment(at, "save_favorite")
    assert not at.exception
    assert not ranked


@pytest.mark.sweep
def test_scenarios_page_sweeps_clean_on_an_upload_without_revenue():
    result = sweep(upload(open_page(PAGE, "meals"), "ratings.csv", no_revenue_csv()))
    assert not result.findings, "\n".join(map(str, result.findings))


def test_a_second_change_after_a_submit_is_not_lost():
    """The widgets drawn after a submit must be the ones the next click goes to."""
    at = open_page(PAGE)
    months_input(at).set_value(6)
    submit(at)
    months_input(at).set_value(9)
    submit(at)
    assert metrics(at)["Revenue, A"] == "$270,000.00"
    keyed(at, "number_input", "plus_minus").set_value(1.0)
    submit(at)
    assert "± $1.00" in texts(at)


def observed_through(sample: str, last_day: int) -> tuple[int, int]:
    """Independent count: (users whose first event is ≥ last_day + 1 days before the data
    end, all users)."""
    events = pl.read_parquet(SAMPLES[sample].events_path)
    end = events["ts"].max()
    first = events.group_by("user_id").agg(pl.col("ts").min())
    seen = first.filter(pl.col("ts") + pl.duration(days=last_day + 1) <= end)
    return seen.height, first.height


def revenue_vs_a(at: AppTest) -> float:
    return table(at, "Revenue vs A")["Revenue vs A"].tolist()[1]


def test_meals_values_the_moment_over_the_plans_three_months():
    """It was valued over own days 8–35 whatever the horizon: $2.50, and B lost to A."""
    at = pick_moment(data_mode(open_page(PAGE, "meals")), "save_favorite")
    assert not at.exception
    events = pl.read_parquet(SAMPLES["meals"].events_path).lazy()
    estimate = value_of_moment(events, event="save_favorite", outcome_window=(8, 97))
    row = table(at, "Value source").iloc[1]
    assert row["Value source"].endswith("revenue over own days 8–97 (3 months)")
    assert row["Value per moment"] == pytest.approx(estimate.value, abs=0.005)
    assert 7 < row["Value per moment"] < 10  # $8.30; over days 8–35 it was $2.50
    seen, users = observed_through("meals", 97)
    assert row["Users behind the value"] == seen
    assert (
        f"Only users observed through own day 97 count (their first event at least 98 days "
        f"before the data end): {seen:,} of {users:,} users"
    ) in texts(at)
    assert revenue_vs_a(at) > 0  # B (2,000 moments) now beats A's $90,000
    # one month after the window (own days 8–37) the moment is worth too little for B
    keyed(at, "selectbox", "horizon").set_value(1)
    submit(at)
    assert table(at, "Value source").iloc[1]["Value source"].endswith("8–37 (1 month)")
    assert revenue_vs_a(at) < 0
    assert scenarios.from_token(at.query_params[inputs_scenarios.QUERY_KEY]).valuation == (
        scenarios.Valuation("data", 5.0, "save_favorite", 1, 7, 1)
    )


def test_the_horizon_follows_the_plans_months_unless_chosen():
    at = pick_moment(data_mode(open_page(PAGE, "meals")), "save_favorite")
    months_input(at).set_value(6)
    submit(at)
    assert not at.exception
    assert "own days 8–187 (6 months)" in table(at, "Value source").iloc[1]["Value source"]
    assert keyed(at, "selectbox", "horizon").value is None  # "the plan's 6 months"


def test_a_horizon_longer_than_the_data_offers_the_longest_they_support():
    at = pick_moment(data_mode(open_page(PAGE, "meals")), "save_favorite")
    keyed(at, "selectbox", "horizon").set_value(18)
    submit(at)
    assert not at.exception
    warning = next(w.value for w in at.warning if "Too few users" in w.value)
    seen, users = observed_through("meals", 8 + 18 * 30 - 1)
    assert "observed through own day 547 (18 months after the moment window)" in warning
    assert f"{seen:,} of {users:,} users" in warning
    assert "The data can value it over up to 12 months." in warning
    assert metrics(at)["Revenue, B"] == "$120,000.00"  # the typed $20 meanwhile
    at.button(key="scenario_use_horizon").click().run()
    assert not at.exception
    assert keyed(at, "selectbox", "horizon").value == 12
    row = table(at, "Value source").iloc[1]
    assert row["Value source"].endswith("own days 8–367 (12 months)")
    assert row["Users behind the value"] == observed_through("meals", 367)[0]
    reopened = _with_link(at.query_params[inputs_scenarios.QUERY_KEY])
    assert keyed(reopened, "selectbox", "horizon").value == 12
    assert table(reopened, "Value source").iloc[1]["Value source"].endswith("(12 months)")


@pytest.mark.sweep
@pytest.mark.parametrize(
    ("sample", "event"),
    [("meals", "save_favorite"), ("teams", "install_integration"), ("cdnow", "purchase")],
)
def test_scenarios_page_sweeps_clean_with_a_moment_valued_from_the_data(sample, event):
    """Every horizon, down to those past the data (the offer), with a moment picked."""
    at = pick_moment(data_mode(open_page(PAGE, sample)), event)
    result = sweep(at)
    assert "selectbox:Revenue counted over#0" in result.seen
    assert not result.findings, "\n".join(map(str, result.findings))
