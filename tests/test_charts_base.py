"""Shared chart pieces: the unfinished period is a dashed tail, never a plunge."""

from datetime import date

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from nsm_core.charts._base import progress_line, with_tail
from nsm_core.charts.metrics import metric_chart
from nsm_core.charts.overview import active_users_chart


def test_tail_joins_the_last_complete_period_per_series():
    data = pl.DataFrame(
        {
            "d": [1, 2, 3, 1, 2, 3],
            "s": ["a", "a", "a", "b", "b", "b"],
            "complete": [True, True, False, True, False, False],
        }
    )
    assert with_tail(data, x="d", series="s")["_tail"].to_list() == [
        False, True, True, True, True, True,
    ]  # fmt: skip


def test_all_complete_has_only_the_last_point_in_the_tail():
    data = pl.DataFrame({"d": [1, 2], "complete": [True, True]})
    assert with_tail(data, x="d")["_tail"].to_list() == [False, True]


@given(st.lists(st.booleans(), min_size=1, max_size=20))
def test_every_incomplete_period_is_in_the_tail(flags):
    data = pl.DataFrame({"d": list(range(len(flags))), "complete": flags})
    tail = with_tail(data, x="d")
    assert tail.filter(~pl.col("complete"))["_tail"].all()
    # the solid line draws complete periods only; at most one complete point joins the tail
    assert tail.filter(pl.col("complete") & pl.col("_tail")).height <= 1


def _layers(chart):
    spec = chart.to_dict()
    return spec["layer"]


def test_overview_and_metric_charts_draw_the_unfinished_period_dashed():
    weeks = [date(2025, 1, 6), date(2025, 1, 13), date(2025, 1, 20)]
    users = pl.DataFrame(
        {"period_start": weeks, "active_users": [869, 870, 330], "complete": [True, True, False]}
    )
    metric = users.rename({"active_users": "value"}).with_columns(pl.col("value").cast(float))
    for chart in (active_users_chart(users, "week"), metric_chart(metric, "WAU", "users", "week")):
        layers = _layers(chart)
        solid, dashed, points = layers
        assert solid["transform"] == [{"filter": "datum.complete"}]
        assert dashed["mark"]["strokeDash"]
        assert dashed["transform"] == [{"filter": "datum._tail"}]
        assert points["encoding"]["fill"]["condition"]["test"] == "datum.complete"


def test_scales_are_padded_so_the_last_point_is_not_clipped():
    data = pl.DataFrame({"d": [date(2025, 1, 6)], "n": [1], "complete": [False]})
    for layer in _layers(progress_line(data, x="d", y="n", x_title="W", y_title="U")):
        assert layer["encoding"]["x"]["scale"]["padding"] > 0
        assert layer["encoding"]["y"]["scale"]["padding"] > 0
