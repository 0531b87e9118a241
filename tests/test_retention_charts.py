"""Retention charts as Vega-Lite specs: legend order, heights, titles that fit, light payloads.

What a 390 px wide screen can show is checked on the spec (label thinning, text that only
appears when a column is wide enough, title lengths measured in the browser: at 390 px a
title of 36 characters and a subtitle line of 56 fit without being cut).
"""

from datetime import datetime

import polars as pl
import pytest

from nsm_core import retention
from nsm_core.charts import _base
from nsm_core.charts import retention as charts
from nsm_core.retention import RetentionSpec, display, summarize
from nsm_core.samples import SAMPLES

TITLE_CHARS = 36
SUBTITLE_CHARS = 56


@pytest.fixture(scope="module")
def meals() -> pl.DataFrame:
    return pl.read_parquet(SAMPLES["meals"].events_path)


def result_for(events: pl.DataFrame, **options) -> retention.RetentionResult:
    spec = RetentionSpec(**options)
    return summarize(retention.retention_table(events, spec), spec)


@pytest.fixture(scope="module")
def daily(meals):
    return result_for(meals, period="day", max_periods=90)


def layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def rows_sent(spec: dict) -> int:
    return sum(len(rows) for rows in spec.get("datasets", {}).values())


def test_curve_legend_lists_cohorts_in_date_order(daily):
    lines, by = display.curve_lines(daily)
    spec = charts.curves(lines, daily.average, "day", by).to_dict()
    colour = layers(spec)[0]["encoding"]["color"]
    order = colour["sort"]
    dates = [datetime.strptime(label, "%d %b %Y") for label in order]
    assert dates == sorted(dates)
    assert order != sorted(order)  # as text "1 Dec" would come before "1 Sep" and "10 Feb"
    assert set(order) == set(lines["cohort"])


def test_curves_show_a_few_cohorts_evenly_spread(daily):
    lines, _ = display.curve_lines(daily)
    shown = lines["cohort"].unique(maintain_order=True).to_list()
    assert len(shown) == display.CURVE_COHORTS
    later = daily.matrix.drop_nulls("rate").filter(pl.col("period") > 0)["cohort"]
    assert shown[0] == f"{later.min():%-d %b %Y}"
    assert shown[-1] == f"{later.max():%-d %b %Y}"
    total = later.n_unique()
    assert display.curve_note(daily) == (
        f" Thin lines: 8 of {total} cohorts, evenly spaced; the thick line pools them all."
    )


def test_segment_curves_follow_segment_size(meals):
    split = result_for(meals, segment="channel")
    lines, by = display.curve_lines(split)
    spec = charts.curves(lines, split.average, "week", by).to_dict()
    assert layers(spec)[0]["encoding"]["color"]["sort"] == display.segment_values(split)
    assert display.curve_note(split) == ""


def test_quick_ratio_chart_has_full_height_and_a_log_like_scale(meals):
    data = retention.lifecycle(meals, period="week")
    spec = charts.quick_ratio_chart(data, "week").to_dict()
    assert spec["height"] == _base.HEIGHT
    ratio = layers(spec)[0]["encoding"]["y"]
    assert ratio["scale"]["type"] == "symlog"
    assert ratio["axis"]["values"] == [0, 0.5, 1, 2, 4, 8]  # the line at 1 has its label
    assert data["quick_ratio"].max() / data["quick_ratio"].median() > 4  # why not linear
    # why not a plain log scale: a day with nobody new or back has a ratio of 0, and a log
    # scale whose domain holds 0 draws nothing at all (seen in Chromium on teams, daily)
    teams = retention.lifecycle(pl.read_parquet(SAMPLES["teams"].events_path), period="day")
    assert (teams["quick_ratio"] == 0).any()


def all_charts(meals, daily) -> dict[str, dict]:
    weekly = result_for(meals)
    money = result_for(meals, measure="revenue")
    lines, by = display.curve_lines(weekly)
    money_lines, _ = display.curve_lines(money)
    life = retention.lifecycle(meals, period="week")
    sticky = retention.stickiness.summarize(
        retention.daily_stickiness(meals), retention.power_users(meals)
    )
    penny = retention.summarize_penny(
        retention.penny_users(meals, retention.PennySpec()), retention.PennySpec()
    )
    table, penny_by = display.penny_rows(penny)
    built = {
        "heatmap": charts.heatmap(display.matrix_for(daily), "day"),
        "revenue heatmap": charts.heatmap(money.matrix, "week", "revenue_retention"),
        "curves": charts.curves(lines, weekly.average, "week", by),
        "revenue curves": charts.curves(
            money_lines, money.average, "week", by, "revenue_retention"
        ),
        "lifecycle": charts.lifecycle_chart(life, "week"),
        "quick ratio": charts.quick_ratio_chart(life, "week"),
        "stickiness": charts.stickiness_chart(sticky.daily),
        "power": charts.power_chart(display.recent_windows(sticky.power), "month"),
        "penny": charts.penny_chart(table, penny_by),
    }
    return {name: chart.to_dict() for name, chart in built.items()}


def test_titles_and_subtitles_fit_at_390_px(meals, daily):
    for name, spec in all_charts(meals, daily).items():
        title = spec["title"]
        subtitle = title.get("subtitle", [])
        lines = [subtitle] if isinstance(subtitle, str) else subtitle
        assert len(title["text"]) <= TITLE_CHARS, name
        assert all(len(line) <= SUBTITLE_CHARS for line in lines), (name, lines)


def test_heatmap_labels_thin_out_instead_of_overlapping(daily, meals):
    spec = charts.heatmap(display.matrix_for(daily), "day").to_dict()
    rect, _, sizes = layers(spec)  # 32 columns: no numbers in the cells, even on wide screens
    assert rect["encoding"]["x"]["axis"]["labelOverlap"] == "parity"
    assert rect["encoding"]["y"]["axis"]["labelOverlap"] == "parity"
    columns = display.HEATMAP_PERIODS + 2  # the size column and periods 0 to 30
    assert sizes["mark"]["opacity"]["expr"] == f"width / {columns} >= {charts.TEXT_PX} ? 1 : 0"
    assert rect["encoding"]["color"]["legend"]["orient"] == "bottom"
    # the grid keeps ROW_PX per cohort; only the width is fitted to the screen
    assert spec["height"] == charts.ROW_PX * display.HEATMAP_COHORTS
    assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}
    weekly = result_for(meals, max_periods=12)  # 14 columns: numbers where they fit
    numbers = layers(charts.heatmap(weekly.matrix, "week").to_dict())[1]
    assert numbers["mark"]["type"] == "text"
    assert numbers["mark"]["opacity"]["expr"] == f"width / 14 >= {charts.TEXT_PX} ? 1 : 0"


def test_heatmap_sends_a_capped_grid(daily):
    shown = display.matrix_for(daily)
    assert shown["cohort"].n_unique() == display.HEATMAP_COHORTS
    assert shown["period"].max() == display.HEATMAP_PERIODS
    assert daily.matrix["period"].max() == 90
    cells = display.HEATMAP_COHORTS * (display.HEATMAP_PERIODS + 1)
    spec = charts.heatmap(shown, "day").to_dict()
    assert rows_sent(spec) == cells + display.HEATMAP_COHORTS  # plus one size cell per cohort
    assert len(spec["datasets"]) == 2  # every layer of a kind shares one copy
    total = daily.matrix["cohort"].n_unique()
    assert display.heatmap_note(daily) == (
        f" The heatmap shows the latest 60 of {total} cohorts and days 0 to 30 of 90; the "
        "table below and the downloads have all."
    )


def test_heatmap_colours_spread_over_the_periods_after_0(daily):
    spec = charts.heatmap(display.matrix_for(daily), "day").to_dict()
    scale = layers(spec)[0]["encoding"]["color"]["scale"]
    later = display.matrix_for(daily).filter(pl.col("period") > 0)["rate"].max()
    assert scale["domain"] == [0, pytest.approx(later, rel=1e-6)]
    assert scale["clamp"] is True
    assert later < 0.7  # period 0 (100%) would otherwise leave later cells pale


def test_revenue_charts_show_revenue(meals):
    money = result_for(meals, measure="revenue")
    heat = charts.heatmap(money.matrix, "week", "revenue_retention").to_dict()
    rect = layers(heat)[0]
    assert rect["encoding"]["color"]["field"] == "revenue_retention"
    assert rect["encoding"]["color"]["title"] == "Revenue retention"
    fields = {t["field"] for t in rect["encoding"]["tooltip"]}
    assert {"revenue", "revenue_retention", "revenue_per_user"} <= fields
    assert not {"active", "ci_low", "ci_high"} & fields
    assert heat["title"]["text"] == "Revenue retention by cohort"
    lines, by = display.curve_lines(money)
    spec = charts.curves(lines, money.average, "week", by, "revenue_retention").to_dict()
    assert spec["title"]["text"] == "Revenue retention curves"
    for layer in layers(spec):
        assert layer["encoding"]["y"]["field"] == "revenue_retention"
        assert layer["mark"]["type"] == "line"  # no user-rate interval band
    assert layers(spec)[0]["encoding"]["y"]["title"] == "Share of week-0 revenue"
