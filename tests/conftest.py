"""Project-wide test settings and the browser-test fixtures.

Browser tests start the real `streamlit run` server and drive Debian's Chromium through
Playwright (never `playwright install`: it downloads a browser and fails offline).
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from bench._server import CHROMIUM, CHROMIUM_ARGS, serve

settings.register_profile("ci", derandomize=True, deadline=None, max_examples=40)
settings.load_profile("ci")


@pytest.fixture(scope="session")
def streamlit_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start the app with `streamlit run` on a free loopback port; yield its URL."""
    with serve(tmp_path_factory.mktemp("streamlit") / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Yield Debian's Chromium, driven by Playwright."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS), headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser: object, streamlit_server: str) -> Iterator[object]:
    """Yield a fresh browser tab (its own Streamlit session) 1280 px wide."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(60_000)
    tab = context.new_page()
    yield tab
    context.close()
