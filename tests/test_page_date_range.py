"""The sidebar's date range: it narrows the events of every page, is part of the cache key,
survives page switches, and says how many events it leaves out.

Expected numbers are counted straight from the sample's parquet with datetime bounds, not
with the filter under test.
"""

import io
from datetime import UTC, date, datetime, timedelta

import polars as pl
import pyarrow.ipc
import pytest

from nsm_core.samples import SAMPLES
from tests.apptest_helpers import open_app, texts, upload

MARCH = (date(2025, 3, 1), date(2025, 3, 31))


def events(sample: str = "meals") -> pl.DataFrame:
    return pl.read_parquet(SAMPLES[sample].events_path)


def in_days(frame: pl.DataFrame, start: date, end: date) -> pl.DataFrame:
    low = datetime(start.year, start.month, start.day, tzinfo=UTC)
    high = datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1)
    return frame.filter((pl.col("ts") >= low) & (pl.col("ts") < high))


def sidebar_caption(at) -> str:
    return "\n".join(c.value for c in at.sidebar.caption)


def chart_rows(at, index: int) -> pl.DataFrame:
    proto = at.get("vega_lite_chart")[index].proto
    return pl.from_arrow(
        pyarrow.ipc.open_stream(io.BytesIO(proto.datasets[0].data.data)).read_all()
    )


def test_defaults_to_the_whole_data():
    at = open_app("meals")
    ev = events()
    first, last = ev["ts"].min().date(), ev["ts"].max().date()
    assert at.date_input[0].value == (first, last)
    assert at.metric[1].value == f"{ev.height:,}"
    assert "left out" not in sidebar_caption(at) + texts(at)


def test_a_range_changes_the_overview_to_the_events_inside_it():
    at = open_app("meals")
    at.date_input[0].set_value(MARCH).run()
    assert not at.exception
    ev, march = events(), in_days(events(), *MARCH)
    assert 0 < march.height < ev.height
    assert at.metric[0].value == f"{march['user_id'].n_unique():,}"
    assert at.metric[1].value == f"{march.height:,}"
    assert at.metric[2].value == f"${march['revenue'].sum() / 1000:,.1f}k"
    left_out = f"{ev.height - march.height:,}"
    assert f"{march.height:,} of {ev.height:,} events" in sidebar_caption(at)
    assert f"{left_out} events left out" in sidebar_caption(at)
    assert f"{march.height:,} of {ev.height:,} events, {left_out} left out." in texts(at)
    # a user first seen before March counts as new at their first March event
    fresh = chart_rows(at, 1)
    assert fresh["new_users"].sum() == march["user_id"].n_unique()


def test_the_range_survives_page_switches():
    at = open_app("meals")
    at.date_input[0].set_value(MARCH).run()
    shown = at.metric[1].value
    at.switch_page("app_pages/retention.py").run()
    assert not at.exception
    assert at.date_input[0].value == MARCH
    assert "events left out" in sidebar_caption(at)
    at.switch_page("app_pages/overview.py").run()
    assert at.date_input[0].value == MARCH
    assert at.metric[1].value == shown


def test_each_dataset_keeps_its_own_range():
    at = open_app("meals")
    at.date_input[0].set_value(MARCH).run()
    at.selectbox(key="sample_key").set_value("teams").run()
    assert at.metric[1].value == f"{events('teams').height:,}"
    at.selectbox(key="sample_key").set_value("meals").run()
    assert at.date_input[0].value == MARCH
    assert at.metric[1].value == f"{in_days(events(), *MARCH).height:,}"


def test_picking_the_whole_span_clears_the_range():
    at = open_app("meals")
    whole = at.date_input[0].value
    at.date_input[0].set_value(MARCH).run()
    at.date_input[0].set_value(whole).run()
    assert at.metric[1].value == f"{events().height:,}"
    assert "left out" not in sidebar_caption(at) + texts(at)


def test_a_range_still_being_picked_changes_nothing():
    at = open_app("meals")
    at.date_input[0].set_value(MARCH).run()
    at.date_input[0].set_value((date(2025, 6, 1),)).run()
    assert not at.exception
    assert at.metric[1].value == f"{in_days(events(), *MARCH).height:,}"


def test_a_range_without_events_is_an_error_not_a_crash():
    csv = b"user_id,ts\na,2025-01-01\nb,2025-01-10\n"
    at = upload(open_app(), "gap.csv", csv)
    at.date_input[0].set_value((date(2025, 1, 3), date(2025, 1, 5))).run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "No events from 3 Jan 2025 to 5 Jan 2025" in errors
    assert "the data runs from 1 Jan 2025 to 10 Jan 2025" in errors
    assert not at.metric


@pytest.mark.parametrize("page", ["app_pages/data.py", "app_pages/economics.py"])
def test_other_pages_run_on_a_range(page):
    at = open_app("meals")
    at.date_input[0].set_value(MARCH).run()
    at.switch_page(page).run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
