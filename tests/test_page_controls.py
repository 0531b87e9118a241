"""Every control of every page, through every option, on every sample: nothing breaks.

A user who clicks through a page must never see an exception box, nor an error box other
than the messages a page gives on purpose when a choice cannot be computed (listed below,
each with why it is intended). See tests/page_sweep.py for what a sweep does.
"""

import pytest

from components.nav import PAGES
from nsm_core.samples import SAMPLES
from tests.apptest_helpers import open_page
from tests.page_sweep import Limits, sweep

pytestmark = pytest.mark.sweep

# Intended error messages, by page: a choice the user made that the data cannot answer.
INTENDED: dict[str, tuple[str, ...]] = {
    # A custom metric's form submitted with a numeric condition but no number, or with
    # "per user" on a count of users (a form cannot hide options until it is submitted).
    "north-star": ("needs a number", "'per user' only applies"),
    "workshop": ("needs a number", "'per user' only applies"),
    # Every threshold removed from the multiselect.
    "moments": ("Thresholds must be whole numbers",),
}


@pytest.mark.parametrize("sample", sorted(SAMPLES))
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.url_path)
def test_every_control_every_option(page, sample):
    at = open_page(page.path, sample)
    result = sweep(at, Limits(allowed=INTENDED.get(page.url_path, ())))
    assert result.runs > 0
    assert not result.findings, "\n".join(map(str, result.findings))
