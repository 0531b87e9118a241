"""The real server in Debian's Chromium: every page renders, an upload works, no exception box.

Screenshots go to $SCREENSHOT_DIR when set (the README's screenshot comes from here),
otherwise to a pytest temp directory.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from components.nav import PAGES
from nsm_core.samples import SAMPLE_DIR

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = os.environ.get("SCREENSHOT_DIR")
    path = Path(target) if target else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def wait_for_app(page: Page) -> None:
    """Wait until Streamlit is connected and has finished running the script."""
    page.wait_for_timeout(300)  # a rerun may not have flipped the state to "running" yet
    page.locator("[data-testid='stApp'][data-test-connection-state='CONNECTED']").wait_for(
        state="attached"
    )
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(
        state="attached"
    )


def assert_clean(page: Page) -> None:
    expect(page.locator("[data-testid='stException']")).to_have_count(0)


@pytest.mark.parametrize("spec", PAGES, ids=lambda p: p.url_path)
def test_page_renders_in_browser(page: Page, streamlit_server: str, shots: Path, spec):
    # The default page is served at the root URL (Streamlit ignores its url_path).
    page.goto(f"{streamlit_server}/{'' if spec.default else spec.url_path}")
    wait_for_app(page)
    expect(page.get_by_text("Page not found")).to_have_count(0)
    expect(page.get_by_role("heading", name=spec.title, exact=True).first).to_be_visible()
    assert_clean(page)
    content = page.locator(".vega-embed, [data-testid='stDataFrame'], [data-testid='stMetric']")
    expect(content.first).to_be_visible()
    page.screenshot(path=str(shots / f"{spec.url_path}.png"), full_page=True)


def test_upload_csv_then_visit_pages(page: Page, streamlit_server: str, shots: Path):
    page.goto(streamlit_server)
    wait_for_app(page)
    page.get_by_text("Your own file").click()
    wait_for_app(page)
    csv = SAMPLE_DIR / "meals_events_sample.csv"
    page.locator("[data-testid='stFileUploader'] input[type='file']").first.set_input_files(csv)
    expect(page.get_by_text("meals_events_sample.csv").first).to_be_visible()
    wait_for_app(page)
    assert_clean(page)
    expect(page.locator(".vega-embed").first).to_be_visible()
    for spec in PAGES:
        page.locator("[data-testid='stSidebarNav']").get_by_role("link", name=spec.title).click()
        wait_for_app(page)
        expect(page.get_by_role("heading", name=spec.title, exact=True).first).to_be_visible()
        assert_clean(page)
    page.screenshot(path=str(shots / "after_upload.png"), full_page=True)


BACKGROUND_JS = """() => getComputedStyle(document.querySelector('[data-testid="stApp"]'))
  .backgroundColor.match(/\\d+/g).slice(0, 3).map(Number)"""
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll('[data-testid="stMain"] [data-testid]')]
    .filter((el) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.right > width + 2;
    })
    .map((el) => el.getAttribute('data-testid'));
}"""


@pytest.mark.parametrize("spec", PAGES, ids=lambda p: p.url_path)
def test_page_fits_a_phone(browser, streamlit_server: str, shots: Path, spec):
    # 390 px wide (an iPhone 14), dark mode: nothing may stick out sideways (the driver
    # sparklines were 901 px wide), and the page still renders cleanly.
    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme="dark")
    context.set_default_timeout(60_000)
    page = context.new_page()
    try:
        page.goto(f"{streamlit_server}/{'' if spec.default else spec.url_path}")
        wait_for_app(page)
        page.wait_for_timeout(1500)  # charts size themselves after the script ends
        assert_clean(page)
        assert page.evaluate(OVERFLOW_JS) == []
        # The theme follows the browser's dark preference (it was pinned to light).
        background = page.evaluate(BACKGROUND_JS)
        assert sum(background) / 3 < 80, background
        page.screenshot(path=str(shots / f"{spec.url_path}_390_dark.png"))
    finally:
        context.close()
