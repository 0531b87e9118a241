"""The page registry, as data: app.py builds the navigation from it and tests walk it."""

from dataclasses import dataclass
from typing import Final

import streamlit as st


@dataclass(frozen=True, slots=True)
class PageSpec:
    """One page: its file, title, Material icon, navigation section and URL path."""

    path: str
    title: str
    icon: str
    section: str
    url_path: str
    default: bool = False


SECTIONS: Final = ("Data", "Define", "Analyse", "Decide")

PAGES: Final[tuple[PageSpec, ...]] = (
    PageSpec(
        "app_pages/overview.py", "Overview", ":material/home:", "Data", "overview", default=True
    ),
    PageSpec("app_pages/data.py", "Data", ":material/table_chart:", "Data", "data"),
    PageSpec("app_pages/north_star.py", "North Star", ":material/star:", "Define", "north-star"),
    PageSpec("app_pages/workshop.py", "Workshop", ":material/groups:", "Define", "workshop"),
    PageSpec(
        "app_pages/retention.py", "Retention", ":material/event_repeat:", "Analyse", "retention"
    ),
    PageSpec(
        "app_pages/drivers.py", "Driver tree", ":material/account_tree:", "Analyse", "drivers"
    ),
    PageSpec("app_pages/moments.py", "High-value moments", ":material/bolt:", "Analyse", "moments"),
    PageSpec(
        "app_pages/scenarios.py", "Scenarios", ":material/compare_arrows:", "Decide", "scenarios"
    ),
    PageSpec(
        "app_pages/economics.py", "Unit economics", ":material/payments:", "Decide", "economics"
    ),
    PageSpec("app_pages/health.py", "Health", ":material/monitor_heart:", "Decide", "health"),
)


def page(url_path: str) -> PageSpec:
    """Return the registered page with this URL path."""
    return next(p for p in PAGES if p.url_path == url_path)


def navigation() -> "st.navigation":
    """Return st.navigation over PAGES, grouped by section (sections without pages hidden)."""
    sections = {
        section: [
            st.Page(p.path, title=p.title, icon=p.icon, url_path=p.url_path, default=p.default)
            for p in PAGES
            if p.section == section
        ]
        for section in SECTIONS
    }
    return st.navigation({name: pages for name, pages in sections.items() if pages})
