"""Every control of the Data and Overview pages, swept on every sample, shows no error box."""

import pytest

from nsm_core.samples import SAMPLES
from tests.apptest_helpers import open_page
from tests.page_sweep import sweep


@pytest.mark.parametrize("sample", list(SAMPLES))
@pytest.mark.parametrize("page", ["app_pages/data.py", "app_pages/overview.py"])
def test_sweep_finds_nothing(page, sample):
    result = sweep(open_page(page, sample))
    assert not result.findings, "\n".join(map(str, result.findings))
