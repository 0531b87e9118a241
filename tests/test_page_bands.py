"""Banded segments in the app: an uploaded age column is offered as "age (bands)" on every
page that splits by segment, and the Data page lists how it was banded."""

import io
import random
from collections import Counter
from datetime import date, timedelta

import polars as pl
import pyarrow.ipc
import pytest

from tests.apptest_helpers import open_page, texts, upload

EDGES = (30, 40, 50, 60)  # the quintiles of the ages below, rounded (worked in test_bands)


def ages_csv() -> tuple[bytes, dict[str, int]]:
    """100 users with an age each (18..67, twice), three events each, times with seconds."""
    rng = random.Random(5)
    ages = {f"u{i:03d}": 18 + i % 50 for i in range(100)}
    lines = ["user_id,event,ts,age,channel"]
    for user, age in ages.items():
        start = date(2025, 1, 1) + timedelta(days=rng.randrange(90))
        for n in range(3):
            day = start + timedelta(days=7 * n)
            event = "signup" if n == 0 else "open"
            lines.append(f"{user},{event},{day}T10:00:{n:02d}Z,{age},{rng.choice('ab')}")
    return "\n".join(lines).encode(), ages


def band_of(age: int) -> str:
    labels = ("18–29", "30–39", "40–49", "50–59", "60–67")
    return labels[sum(age >= e for e in EDGES)]


def chart_rows(at, index: int) -> pl.DataFrame:
    proto = at.get("vega_lite_chart")[index].proto
    return pl.from_arrow(
        pyarrow.ipc.open_stream(io.BytesIO(proto.datasets[0].data.data)).read_all()
    )


def test_data_page_lists_the_banded_segment():
    at = upload(open_page("app_pages/data.py"), "ages.csv", ages_csv()[0])
    assert not at.exception
    assert "Banded segments" in [h.value for h in at.subheader]
    table = next(df.value for df in at.dataframe if "how" in df.value.columns)
    row = table.iloc[0].to_dict()
    assert row["segment"] == "age (bands)"
    assert row["bands"] == "18–29 · 30–39 · 40–49 · 50–59 · 60–67"
    assert row["how"].startswith("cut at 30, 40, 50, 60")


def test_overview_splits_new_users_by_age_band():
    data, ages = ages_csv()
    at = upload(open_page("app_pages/overview.py"), "ages.csv", data)
    box = at.selectbox(key="overview_segment")
    assert "age (bands)" in box.options
    assert "age" not in box.options
    box.set_value("age (bands)").run()
    assert not at.exception
    rows = chart_rows(at, 1)
    by_band = rows.group_by("segment").agg(pl.col("new_users").sum())
    assert dict(by_band.rows()) == dict(Counter(band_of(a) for a in ages.values()))


@pytest.mark.parametrize(
    ("page", "label"),
    [("app_pages/retention.py", "Split by"), ("app_pages/drivers.py", "Cut every node by")],
)
def test_every_page_with_segments_offers_the_band(page, label):
    at = upload(open_page(page), "ages.csv", ages_csv()[0])
    boxes = [b for b in at.selectbox if b.label == label]
    assert boxes, texts(at)[:500]
    assert "age (bands)" in boxes[0].options
    boxes[0].set_value("age (bands)").run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]


def test_moments_can_adjust_for_the_band():
    at = upload(open_page("app_pages/moments.py"), "ages.csv", ages_csv()[0])
    adjust = at.multiselect(key="moments_confounders")
    assert "age (bands) (first touch)" in adjust.options
