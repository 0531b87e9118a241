"""The real uploader in Debian's Chromium takes a file of any name (the browser, not the
server, used to refuse ml-100k.inter as "not allowed") and the Data page reads it."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.test_browser import assert_clean, wait_for_app

pytestmark = pytest.mark.e2e
INTER = Path(__file__).parent / "fixtures" / "io" / "tiny.inter"


def test_a_recbole_inter_file_is_accepted_and_read(page: Page, streamlit_server: str):
    page.goto(f"{streamlit_server}/data")
    wait_for_app(page)
    page.get_by_test_id("stRadioGroup").get_by_text("Your own file").click()
    wait_for_app(page)
    expect(page.get_by_text("No file uploaded yet").first).to_be_visible()
    uploader = page.locator("[data-testid='stFileUploader'] input[type='file']").first
    uploader.set_input_files(
        {
            "name": "ml-100k.inter",
            "mimeType": "application/octet-stream",
            "buffer": INTER.read_bytes(),
        }
    )
    wait_for_app(page)
    expect(page.get_by_text("not allowed")).to_have_count(0)
    expect(page.get_by_text("RecBole atomic file").first).to_be_visible()
    expect(page.get_by_text("No file uploaded yet")).to_have_count(0)
    assert_clean(page)
