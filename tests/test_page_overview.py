"""Overview page: numbers on the sample match the core, and the controls change the charts."""

import io

import polars as pl
import pyarrow.ipc

from nsm_core import overview
from nsm_core.samples import SAMPLES
from tests.apptest_helpers import open_app, texts


def chart_rows(at, index: int = 0) -> pl.DataFrame:
    proto = at.get("vega_lite_chart")[index].proto
    table = pyarrow.ipc.open_stream(io.BytesIO(proto.datasets[0].data.data)).read_all()
    return pl.from_arrow(table)


def test_metrics_match_an_independent_count():
    at = open_app("meals")
    events = pl.read_parquet(SAMPLES["meals"].events_path)
    assert at.metric[0].value == f"{events['user_id'].n_unique():,}"
    assert at.metric[1].value == f"{events.height:,}"


def test_period_control_switches_active_users():
    at = open_app("meals")
    weekly = at.segmented_control(key="overview_period").value
    assert weekly == "week"
    at.segmented_control(key="overview_period").set_value("month").run()
    assert not at.exception
    events = pl.read_parquet(SAMPLES["meals"].events_path)
    expected = overview.active_users(events, "month")
    assert "(the last complete month)" in texts(at)
    assert chart_rows(at, 0)["active_users"].to_list() == expected["active_users"].to_list()


def test_segment_choice_changes_new_users_chart():
    at = open_app("teams")
    at.selectbox(key="overview_segment").set_value("plan").run()
    assert not at.exception
    assert "largest plan is" in texts(at)
