"""AppTest of the Health page: scorecard per sample, event overrides, limits, attaching."""

import pytest
from apptest_helpers import open_page, texts
from streamlit.testing.v1 import AppTest

from components import state
from nsm_core.governance import new_card
from nsm_core.metrics import MetricSpec

PAGE = "app_pages/health.py"


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def guardrails(at: AppTest):
    return next(d.value for d in at.dataframe if "Guardrail" in d.value.columns).set_index(
        "Guardrail"
    )


@pytest.mark.parametrize(
    ("sample", "shown", "missing"),
    [
        ("meals", "Tickets per 100 active users", "Net Promoter Score"),
        ("teams", "Dollar retention (NRR / DRR)", "Support"),
        ("cdnow", "Customer retention rate (CRR)", "Marketing ROI"),
    ],
)
def test_scorecard_on_each_sample(sample, shown, missing):
    at = open_page(PAGE, sample)
    assert not at.exception
    assert shown in metrics(at)
    words = texts(at)
    assert f"**{missing}** needs" in words
    assert "Weekly active users (WAU)" in metrics(at)
    table = guardrails(at)
    assert set(table["State"]) <= {"red", "amber", "green", "unknown"}
    assert table.loc["Unsubscribes", "State"] == "unknown"


def test_meals_guardrails_follow_the_limits():
    at = open_page(PAGE, "meals")
    assert guardrails(at).loc["Refund rate", "State"] in {"amber", "green", "red"}
    at.number_input(key="guardrail_refund_rate").set_value(0.0)
    at.number_input(key="guardrail_margin").set_value(0.0)
    at.button(key="guardrail_apply").click().run()
    assert not at.exception
    table = guardrails(at)
    assert table.loc["Refund rate", "State"] == "red"  # any refund is past a 0% limit
    assert table.loc["Gross margin", "State"] == "green"  # any margin is at least 0%
    assert table.loc["Refund rate", "Limit"] == "at most 0.0%"


def test_plot_another_guardrail():
    at = open_page(PAGE, "meals")
    at.segmented_control(key="guardrail_plot").set_value("tickets").run()
    assert not at.exception
    assert "against a limit of at most" in texts(at)


def test_override_which_events_count():
    at = open_page(PAGE, "teams")
    assert "**Support** needs" in texts(at)
    at.multiselect(key="health_signal_ticket").set_value(["subscription_cancelled"]).run()
    assert not at.exception
    assert "Tickets per 100 active users" in metrics(at)
    assert guardrails(at).loc["Complaints and tickets", "State"] != "unknown"


def test_attach_guardrails_to_the_north_star_card():
    at = open_page(PAGE, "meals")
    assert "Create the North Star's governance card" in texts(at)
    at.session_state[state.NORTH_STAR_CARD] = new_card(MetricSpec("Weekly ordering users"))
    at.run()
    at.button(key="guardrail_attach").click().run()
    assert not at.exception
    card = at.session_state[state.NORTH_STAR_CARD]
    names = [g.name for g in card.guardrails]
    assert names == ["Refund rate", "Customer churn", "Complaints and tickets", "Gross margin"]
    assert "at most 5.0%" in card.guardrails[0].note


@pytest.mark.parametrize("sample", ["meals", "teams", "cdnow"])
def test_monthly_revenue_arrow_compares_with_the_month_before(sample):
    # The card says "against the month before": the revenue arrow used to compare with a
    # year before, so a fall from $35.0k to $22.0k showed a green "+$13.3k".
    import polars as pl

    from nsm_core.samples import SAMPLES

    events = pl.read_parquet(SAMPLES[sample].events_path)
    monthly = (
        events.group_by(pl.col("ts").dt.truncate("1mo").alias("m"))
        .agg(pl.col("revenue").sum())
        .sort("m")
    )
    # A month is complete when the data reach its last day.
    last_day = events["ts"].max().date()
    complete = monthly.filter(
        (pl.col("m").dt.offset_by("1mo").dt.date() - pl.duration(days=1)) <= last_day
    )
    now, before = complete["revenue"].to_list()[-1], complete["revenue"].to_list()[-2]
    at = open_page(PAGE, sample)
    reading = next(m for m in at.metric if m.label == "Revenue, last complete month")
    assert reading.delta.startswith("-" if now < before else "+")
    assert reading.delta.endswith("vs the month before")
    assert f"{(now - before) / abs(before):+.1%}" in reading.delta
