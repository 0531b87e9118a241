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
