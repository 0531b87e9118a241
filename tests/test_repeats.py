"""Identical rows: kept as repeat events on data timed to the minute or coarser, dropped as
double exports when times carry seconds; the bundled and an uploaded CDNOW agree.

Expected counts are worked by hand, or (CDNOW) from the raw master file in plain Python and
the published totals in sample_data/README.md: 69,659 records, 23,570 customers,
$2,500,315.63.
"""

import gzip
import math
from collections import Counter
from datetime import UTC, datetime

import polars as pl
import pytest

from nsm_core import io, quality
from nsm_core.samples import SAMPLES
from nsm_core.schema import Repeats
from nsm_core.synth.cdnow import MASTER

NOW = datetime(2025, 1, 1, tzinfo=UTC)
# u1 buys the same thing twice at the same time; u2 once.
TWICE = "user_id,ts,amount\nu1,{t},5\nu1,{t},5\nu2,{t},7\n"


@pytest.mark.parametrize(
    ("stamp", "resolution"),
    [
        ("2024-01-05", "day"),
        ("2024-01-05 00:00:00", "day"),
        ("2024-01-05 13:00", "hour"),
        ("2024-01-05 13:45", "minute"),
    ],
)
def test_identical_rows_on_coarse_times_are_kept_as_repeat_events(stamp, resolution):
    loaded = io.load(TWICE.format(t=stamp).encode(), now=NOW)
    assert loaded.events.height == 3
    assert loaded.report.drops == ()
    assert loaded.report.revenue_total == 17.0
    assert loaded.report.repeats == Repeats(resolution, identical=1)
    assert io.load_events(TWICE.format(t=stamp).encode(), now=NOW).collect().height == 3


@pytest.mark.parametrize(
    ("stamp", "resolution"),
    [("2024-01-05T13:45:10Z", "second"), ("2024-01-05T13:45:10.250Z", "sub-second")],
)
def test_identical_rows_with_seconds_are_double_exports(stamp, resolution):
    loaded = io.load(TWICE.format(t=stamp).encode(), now=NOW)
    assert loaded.events.height == 2
    assert loaded.report.drops == (("duplicate row", 1),)
    assert loaded.report.revenue_total == 12.0
    assert loaded.report.repeats == Repeats(resolution, identical=1)
    assert io.load_events(TWICE.format(t=stamp).encode(), now=NOW).collect().height == 2


def test_resolution_is_that_of_the_rows_kept():
    # The one timed row has no user: dropped, so the data left carries dates only.
    text = "user_id,ts\nu1,2024-01-05\nu1,2024-01-05\n,2024-01-06T10:11:12Z\n"
    report = io.load(text.encode(), now=NOW).report
    assert report.repeats == Repeats("day", identical=1)
    assert report.drops == (("missing user id", 1),)


def test_the_note_says_which_rule_applied_and_why():
    kept = quality.repeats_note(Repeats("day", identical=255))
    assert kept.startswith("Kept: 255 identical rows on date-only data.")
    assert "real events" in kept
    dropped = quality.repeats_note(Repeats("second", identical=3))
    assert dropped.startswith("Dropped: 3 identical rows as double exports.")
    assert "seconds" in dropped
    assert "there are none" in quality.repeats_note(Repeats("minute", identical=0))


def cdnow_csv() -> bytes:
    """The CDNOW master text (space-aligned) as the CSV a founder would export from it."""
    lines = gzip.decompress(MASTER.read_bytes()).decode("ascii").splitlines()
    return "\n".join(",".join(line.split()) for line in lines).encode()


@pytest.mark.skipif(not MASTER.exists(), reason="CDNOW master file not bundled")
def test_bundled_and_uploaded_cdnow_give_the_same_events_and_revenue():
    bundled = io.load(SAMPLES["cdnow"].events_path).events
    uploaded = io.load(cdnow_csv(), name="CDNOW_master.csv")
    assert uploaded.report.repeats == Repeats("day", identical=255)
    assert uploaded.report.drops == ()
    for events in (bundled, uploaded.events):
        assert events.height == 69_659
        assert events["user_id"].n_unique() == 23_570
        assert math.isclose(events["revenue"].sum(), 2_500_315.63, abs_tol=0.005)

    def records(events: pl.DataFrame) -> Counter:
        cents = (pl.col("revenue") * 100).round().cast(pl.Int64)
        return Counter(events.select("user_id", "ts", cents).rows())

    assert records(bundled) == records(uploaded.events)
