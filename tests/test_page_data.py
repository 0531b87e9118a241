"""Data page: the quality report on samples, uploads that work and uploads that cannot."""

import gzip
from pathlib import Path

import pytest

from components import nav, state
from nsm_core.samples import SAMPLE_DIR
from nsm_core.synth.cdnow import MASTER
from tests.apptest_helpers import open_app, open_page, texts, upload

FIXTURES = Path(__file__).parent / "fixtures" / "io"

SAMPLE_CSV = (SAMPLE_DIR / "meals_events_sample.csv").read_bytes()


def test_sample_shows_quality_report_and_catalog():
    at = open_page("app_pages/data.py", "meals")
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert labels[:3] == ["Rows read", "Rows kept", "Users"]
    assert "Event catalog" in [h.value for h in at.subheader]


def test_csv_upload_is_analysed():
    at = open_page("app_pages/data.py")
    at = upload(at, "export.csv", SAMPLE_CSV)
    assert not at.exception
    assert not at.error
    assert "export.csv" in texts(at) or any("export.csv" in c.value for c in at.sidebar.caption)
    assert at.metric[0].label == "Rows read"


def test_gzipped_upload_is_analysed():
    at = open_page("app_pages/data.py")
    at = upload(at, "export.csv.gz", gzip.compress(SAMPLE_CSV), "application/gzip")
    assert not at.exception
    assert not at.error


def test_garbage_upload_shows_a_clear_error():
    at = open_page("app_pages/data.py")
    at = upload(at, "events.csv", bytes(range(256)) * 40)
    assert not at.exception
    assert at.error, "a broken file must be reported with st.error"


def test_empty_upload_shows_a_clear_error_on_other_pages_too():
    at = open_page("app_pages/overview.py")
    at = upload(at, "empty.csv", b"")
    assert not at.exception
    assert at.error
    assert "Data" in texts(at)


def test_unknown_column_names_are_explained_then_mapped_by_hand():
    at = open_page("app_pages/data.py")
    at = upload(at, "export.csv", b"who,what,when\na,open,2025-01-01\nb,pay,2025-01-02\n")
    assert not at.exception
    assert "Found columns: who, what, when" in texts(at)
    by_label = {box.label: box for box in at.selectbox}
    by_label["User column"].set_value("who")
    by_label["Event column"].set_value("what")
    by_label["Time column"].set_value("when")
    at.button[0].click().run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.metric[0].value == "2"


def test_uploaders_accept_any_file_name():
    # The format comes from the contents: a name filter would reject ml-100k.inter.
    at = open_app()
    at.radio(key=state.KIND).set_value(state.KIND_UPLOAD).run()
    for key in (state.UPLOAD, state.SPEND_UPLOAD):
        assert list(at.file_uploader(key=key).proto.type) == []


def test_recbole_inter_upload_is_analysed():
    at = open_page("app_pages/data.py")
    at = upload(at, "ml-100k.inter", (FIXTURES / "tiny.inter").read_bytes(), "text/plain")
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Rows read"], metrics["Rows kept"], metrics["Users"]) == ("6", "5", "4")
    assert "RecBole atomic file" in texts(at)
    assert not [w for w in at.warning if "sample" in w.value]


@pytest.mark.parametrize("page", [p.path for p in nav.PAGES])
def test_no_file_yet_says_on_every_page_that_the_sample_is_shown(page):
    at = open_page(page, "teams")
    at.radio(key=state.KIND).set_value(state.KIND_UPLOAD).run()
    assert not at.exception
    notice = " ".join(w.value for w in at.warning)
    assert "No file uploaded yet" in notice
    assert "Team chat SaaS" in notice
    assert "not your data" in notice


@pytest.mark.parametrize("page", [p.path for p in nav.PAGES])
def test_an_unreadable_upload_is_an_error_on_every_page_never_the_sample(page):
    at = upload(open_page(page), "ml-100k.user", (FIXTURES / "tiny.user").read_bytes())
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "No time column found in ml-100k.user" in errors
    assert "upload the .inter file" in errors
    assert not at.metric or page == "app_pages/data.py"
    assert "Meal delivery" not in texts(at)


def test_cdnow_uploaded_as_csv_keeps_its_same_day_repeat_purchases():
    lines = gzip.decompress(MASTER.read_bytes()).decode("ascii").splitlines()
    csv = "\n".join(",".join(line.split()) for line in lines).encode()
    at = upload(open_page("app_pages/data.py"), "CDNOW_master.csv", csv)
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    # the published totals (sample_data/README.md): every record kept, $2,500,315.63
    assert (metrics["Rows read"], metrics["Rows kept"]) == ("69,659", "69,659")
    assert metrics["Revenue"] == "$2.5M"
    assert "Kept: 255 identical rows on date-only data." in texts(at)
    assert "Every row was kept." in texts(at)


def test_sample_with_seconds_says_identical_rows_would_be_dropped():
    at = open_page("app_pages/data.py", "meals")
    assert "No identical rows on data timed to the second: there are none." in texts(at)
