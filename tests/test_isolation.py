"""Each browser session sees only its own data (docs/architecture.md#safe-by-default).

Every session uploads a file with the SAME name and DIFFERENT bytes, so a cache keyed on
the name, or state kept in an imported module instead of st.session_state, hands one
session another's numbers. All sessions upload before any reads back (a "last writer wins"
global is invisible if each session reads right after its own write), and the read-back is
on another page and then Overview again (a rerun that does not re-upload). A per-run salt
in the bytes keeps a warm cache from an earlier run from faking or masking a result.

The expected counts come from how each file is built (users x 3 events), not from the app.
"""

import os
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, expect

from components import nav
from tests.apptest_helpers import open_app, upload

FILE_NAME = "events.csv"
EVENTS_PER_USER = 3
APPTEST_SESSIONS = 8
# Three tabs show both leak shapes (first writer wins, last writer wins) in ~15 s on 2 cores;
# ISOLATION_TABS=10 for a rehearsal.
BROWSER_SESSIONS = int(os.environ.get("ISOLATION_TABS", 3))
# After the app reports "script finished", the right number must be there almost at once;
# a short wait keeps a leaking run from sitting out long timeouts in every session.
SETTLED_MS = 10_000
OVERVIEW = nav.page("overview")
OTHER = nav.page("retention")


@dataclass(frozen=True, slots=True)
class SessionFile:
    """One session's upload and the user count the app must show for it."""

    data: bytes
    users: int


def session_file(i: int, salt: int) -> SessionFile:
    """Session i's CSV: 11 + 6i + (salt mod 5) users, each with 3 events a week apart.

    The user counts differ by at least 1 between sessions (steps of 6, offsets below 5),
    and the salt also sits in the bytes (a `run` column), so every run hashes differently.
    """
    users = 11 + 6 * i + salt % 5
    lines = ["user_id,event,timestamp,run"]
    lines += [
        f"s{i}u{u},open,2025-01-{1 + u % 7 + 7 * week:02d}T10:00:00,{salt}"
        for u in range(users)
        for week in range(EVENTS_PER_USER)
    ]
    return SessionFile(("\n".join(lines) + "\n").encode(), users)


def session_files(n: int) -> list[SessionFile]:
    """Return n session files sharing one fresh per-run salt."""
    salt = random.randrange(10**6)
    return [session_file(i, salt) for i in range(n)]


def verdict(files: list[SessionFile], i: int, step: str, shown: str) -> str | None:
    """Return None when session i shows its own user count, else what went wrong.

    A count that belongs to another session is a LEAK; anything else is WRONG (a stale
    sample, an error, a missing metric).
    """
    want = f"{files[i].users:,}"
    if shown == want:
        return None
    owners = [j for j, f in enumerate(files) if f"{f.users:,}" == shown and j != i]
    if owners:
        return f"LEAK: session {i} shows session {owners[0]}'s count at {step} ({shown})"
    return f"WRONG: session {i} at {step}: expected {want} users, saw {shown!r}"


def failures(problems: list[str]) -> str:
    """Return the problems as one assertion message, leaks counted first."""
    leaks = sum(p.startswith("LEAK") for p in problems)
    return f"{leaks} leak(s), {len(problems) - leaks} other problem(s):\n" + "\n".join(problems)


# ---------------------------------------------------------------- AppTest, interleaved


def apptest_users(at: object) -> str:
    """Return the Overview "Users" metric (or what the page shows instead)."""
    if at.exception:
        return f"exception: {at.exception[0].value}"
    shown = [m.value for m in at.metric if m.label == "Users"]
    return shown[0] if shown else f"no Users metric; errors {[e.value for e in at.error]}"


def test_apptest_sessions_see_only_their_own_upload():
    """N AppTests driven one at a time in one thread (AppTest is not thread-safe).

    They share imported modules and the caches with each other, so a module-level global
    or a content-blind cache key leaks here; the server's per-session plumbing is the
    browser test's job.
    """
    files = session_files(APPTEST_SESSIONS)
    sessions, problems = [], []
    for i, f in enumerate(files):
        at = upload(open_app(), FILE_NAME, f.data)
        problems.append(verdict(files, i, "upload", apptest_users(at)))
        sessions.append(at)
    # everybody has uploaded; now each reruns, visits another page and comes back
    for i, at in enumerate(sessions):
        problems.append(verdict(files, i, "rerun", apptest_users(at.run())))
        at.switch_page(OTHER.path).run()
        caption = " ".join(c.value for c in at.sidebar.caption)
        sidebar = re.search(r"([\d,]+) users", caption)
        problems.append(verdict(files, i, OTHER.title, sidebar[1] if sidebar else caption))
        at.switch_page(OVERVIEW.path).run()
        problems.append(verdict(files, i, f"back to {OVERVIEW.title}", apptest_users(at)))
    found = [p for p in problems if p]
    assert not found, failures(found)


# ---------------------------------------------------------------- real browsers


def users_metric(page: Page, want: str) -> str:
    """Return the "Users" metric once it reads exactly `want`, else what it settles on.

    Called only where no stale "Users" metric can match early: after the upload (the stale
    one is the sample's) or once the new page has finished running.
    """
    label = page.locator("[data-testid='stMetricLabel']", has_text=re.compile(r"^\s*Users\s*$"))
    value = page.locator("[data-testid='stMetric']", has=label).locator(
        "[data-testid='stMetricValue']"
    )
    return settled_count(value.first, want, r"^\s*{}\s*$")


def sidebar_users(page: Page, want: str) -> str:
    """Return the user count in the sidebar's dataset caption ("... · 13 users")."""
    caption = page.locator("[data-testid='stSidebar'] [data-testid='stCaptionContainer']")
    return settled_count(caption.filter(has_text=" users").first, want, r"(?<![\d,]){} users")


def settled_count(element: Locator, want: str, template: str) -> str:
    """Return `want` once the element's text matches `template` with it, else what it shows.

    `template` has one {} for the count and anchors it, so "13" never matches "113". After
    SETTLED_MS the count the element shows instead is returned (the whole text if none).
    """
    try:
        expect(element).to_contain_text(
            re.compile(template.format(re.escape(want))), timeout=SETTLED_MS
        )
    except AssertionError:
        try:
            text = element.inner_text(timeout=1_000).strip()
        except PlaywrightError:
            return "nothing (element missing)"
        found = re.search(template.format(r"([\d,]+)"), text)
        return found[1] if found else text
    return want


def arrive(page: Page, spec: nav.PageSpec) -> None:
    """Wait for the page's heading, then for the run that drew it to finish."""
    expect(page.get_by_role("heading", name=spec.title, exact=True).first).to_be_visible()
    page.locator(
        "[data-testid='stApp'][data-test-connection-state='CONNECTED']"
        "[data-test-script-state='notRunning']"
    ).wait_for(state="attached")


def click_nav(page: Page, spec: nav.PageSpec) -> None:
    """Click the page's link in the sidebar navigation."""
    page.locator("[data-testid='stSidebarNav']").get_by_role("link", name=spec.title).click()


@pytest.fixture
def tabs(browser: object, streamlit_server: str) -> Iterator[list[Page]]:
    """Yield BROWSER_SESSIONS tabs, each in its own context (own cookies, own session)."""
    contexts = []
    try:
        for _ in range(BROWSER_SESSIONS):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.set_default_timeout(30_000)
            contexts.append(context)
        yield [context.new_page() for context in contexts]
    finally:
        for context in contexts:
            context.close()


def upload_in_each(tabs: list[Page], url: str, files: list[SessionFile]) -> None:
    """Open the app in every tab, choose "Your own file" and upload under the shared name.

    Each step is issued to all tabs before the next, so the server runs the sessions'
    reruns side by side while the test walks the tabs.
    """
    for page in tabs:
        page.goto(url, wait_until="commit")  # the tabs load their scripts side by side
    for page in tabs:
        page.get_by_text("Your own file").click()
    for page, f in zip(tabs, files, strict=True):
        page.locator("[data-testid='stFileUploader'] input[type='file']").first.set_input_files(
            files={"name": FILE_NAME, "mimeType": "text/csv", "buffer": f.data}
        )


@pytest.mark.e2e
def test_browser_sessions_see_only_their_own_upload(tabs: list[Page], streamlit_server: str):
    """Real frontend, real uploader, one server: N tabs in separate browser contexts."""
    files = session_files(len(tabs))
    want = [f"{f.users:,}" for f in files]
    upload_in_each(tabs, streamlit_server, files)
    problems = [verdict(files, i, "upload", users_metric(p, want[i])) for i, p in enumerate(tabs)]
    # everybody has uploaded; now each visits another page and comes back
    for page in tabs:
        click_nav(page, OTHER)
    for i, page in enumerate(tabs):
        arrive(page, OTHER)
        problems.append(verdict(files, i, OTHER.title, sidebar_users(page, want[i])))
        click_nav(page, OVERVIEW)
    for i, page in enumerate(tabs):
        arrive(page, OVERVIEW)
        problems.append(verdict(files, i, f"back to {OVERVIEW.title}", users_metric(page, want[i])))
    found = [p for p in problems if p]
    assert not found, failures(found)
