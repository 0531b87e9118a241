"""Every registered page renders on every bundled sample without an exception."""

import pytest

from components.nav import PAGES
from nsm_core.samples import SAMPLES
from tests.apptest_helpers import open_app, open_page


@pytest.mark.parametrize("sample", sorted(SAMPLES))
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.url_path)
def test_page_renders_on_sample(page, sample):
    at = open_page(page.path, sample)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == page.title


def test_home_is_overview_with_numbers():
    at = open_app("meals")
    assert not at.exception
    assert at.title[0].value == "Overview"
    labels = [m.label for m in at.metric]
    assert labels[:5] == ["Users", "Events", "Revenue", "Paying users", "Date range"]


TITLE_CHARS = 36  # Vega-Lite does not wrap titles: these fit 390 px wide
SUBTITLE_CHARS = 56


def _titles(spec: dict) -> list[tuple[str, list[str]]]:
    """Return (title, subtitle lines) of a chart spec and of its sub-charts."""
    found = []
    title = spec.get("title")
    if isinstance(title, dict):
        sub = title.get("subtitle", [])
        found.append((title.get("text", ""), [sub] if isinstance(sub, str) else list(sub)))
    elif isinstance(title, str):
        found.append((title, []))
    for key in ("layer", "hconcat", "vconcat", "concat"):
        for child in spec.get(key, []):
            found += _titles(child)
    return found


@pytest.mark.parametrize("sample", sorted(SAMPLES))
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.url_path)
def test_chart_titles_fit_a_phone(page, sample):
    # Titles were clipped at 390 px: every chart a page draws keeps them short.
    import json

    at = open_page(page.path, sample)
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        for title, lines in _titles(spec):
            assert len(title) <= TITLE_CHARS, title
            assert all(len(line) <= SUBTITLE_CHARS for line in lines), lines
