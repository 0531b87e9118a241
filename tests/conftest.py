"""Project-wide test settings and the browser-test fixtures.

Browser tests start the real `streamlit run` server and drive Debian's Chromium through
Playwright (never `playwright install`: it downloads a browser and fails offline).
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from bench._server import CHROMIUM, CHROMIUM_ARGS, serve

# ci: derandomised, so a run is reproducible (what `make test` and .ci/run use); dev: fresh
# random examples and more of them, to find what ci has not (HYPOTHESIS_PROFILE=dev).
settings.register_profile("ci", derandomize=True, deadline=None, max_examples=40)
settings.register_profile("dev", deadline=None, max_examples=200)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# AppTest modules (the real app, headless) take most of the non-browser time; they carry the
# `apptest` marker so `make test-fast` can leave them to the full suite.
APPTEST_MODULES = ("test_page_", "test_app.py", "test_isolation.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in an AppTest module `apptest`."""
    for item in items:
        if item.path.name.startswith(APPTEST_MODULES):
            item.add_marker(pytest.mark.apptest)


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
