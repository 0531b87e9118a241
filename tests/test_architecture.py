"""Import contract: the core is UI-free, pages do no dataframe work, pages stay small."""

import ast
import re
from pathlib import Path

import pytest

from components.nav import PAGES

ROOT = Path(__file__).parents[1]


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    return {name.split(".")[0] for name in names}


@pytest.mark.parametrize("path", sorted((ROOT / "nsm_core").rglob("*.py")), ids=str)
def test_core_is_ui_free(path):
    assert not imported_roots(path) & {"streamlit", "components", "app_pages"}


@pytest.mark.parametrize("path", sorted((ROOT / "app_pages").glob("*.py")), ids=str)
def test_pages_do_no_dataframe_work(path):
    assert not imported_roots(path) & {"polars", "pandas", "numpy", "duckdb"}
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 250


@pytest.mark.parametrize("path", sorted((ROOT / "components").glob("*.py")), ids=str)
def test_components_never_import_pages(path):
    assert "app_pages" not in imported_roots(path)


def test_only_cached_module_caches():
    for path in [*ROOT.glob("app_pages/*.py"), *ROOT.glob("components/*.py"), ROOT / "app.py"]:
        if path.name != "cached.py":
            assert "st.cache_" not in path.read_text(encoding="utf-8"), path


def test_only_state_module_touches_session_state():
    for path in [*ROOT.glob("app_pages/*.py"), *ROOT.glob("components/*.py"), ROOT / "app.py"]:
        if path.name != "state.py":
            assert "session_state" not in path.read_text(encoding="utf-8"), path


def test_every_registered_page_exists_and_every_page_is_registered():
    registered = {p.path for p in PAGES}
    on_disk = {f"app_pages/{p.name}" for p in (ROOT / "app_pages").glob("*.py")}
    assert registered == on_disk
    assert sum(p.default for p in PAGES) == 1


def test_no_unsafe_html():
    for path in [ROOT / "app.py", *ROOT.glob("app_pages/*.py"), *ROOT.glob("components/*.py")]:
        assert not re.search(r"unsafe_allow_html\s*=\s*True", path.read_text("utf-8")), path


@pytest.mark.parametrize("path", sorted((ROOT / "nsm_core" / "charts").glob("*.py")), ids=str)
def test_charts_read_in_dark_mode(path):
    # White fills and black rules vanish on one of the two themes; text on a filled cell
    # is the one exception, and says so on its line.
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if re.search(r"[\"'](white|black)[\"']", line):
            assert "on its cell" in line, f"{path.name}:{number}: {line.strip()}"
