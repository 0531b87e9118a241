"""Click to render in a real browser: the interactions users wait for, at 1M events.

The real server (`streamlit run`) and Debian's Chromium through Playwright. The events
(bench/_harness.py, ~40 per user, a `channel` property) are uploaded through the sidebar
as a user would; each row is the wall time from the click until Streamlit has finished
the rerun, no spinner is left and every chart on the page has drawn. The first click of
each control is timed (nothing cached for it yet), as a user meets it. Target: < 1 s.

python -m bench --only browser --sizes 1000000
"""

import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from bench._harness import Row, events_parquet
from bench._server import CHROMIUM, CHROMIUM_ARGS, serve

TARGET_S: Final = 1.0
# Done: the script has stopped, no spinner is left, and every chart has drawn its canvas.
DONE_JS: Final = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.dataset.testScriptState !== 'notRunning') return false;
  if (document.querySelector('[data-testid="stSpinner"], [data-stale="true"]')) return false;
  return [...document.querySelectorAll('.vega-embed')].every((e) => e.querySelector('canvas, svg'));
}"""

# An action readies the control (opens a list, focuses a slider) and returns the final
# click or key press: the clock starts just before it, as the user's wait does.
Action = Callable[[object], Callable[[], None]]


def _widget(page: object, label: str) -> object:
    """Return the element container of the widget labelled `label`, opening its expander."""
    name = re.compile(rf"^\s*{re.escape(label)}\s*$")
    labels = page.locator("[data-testid='stWidgetLabel']").filter(has_text=name)
    widget = page.locator("[data-testid='stElementContainer']").filter(has=labels).first
    if not widget.is_visible():  # inside a closed expander, as a user first finds it
        expander = page.locator("[data-testid='stExpander']").filter(has=widget).first
        expander.locator("summary").click()
        widget.wait_for(state="visible")
        page.wait_for_timeout(500)  # the expander animates open; let positions settle
    return widget


def segmented(label: str, option: str) -> Action:
    """Click `option` of the segmented control (or radio) labelled `label`."""

    def ready(page: object) -> Callable[[], None]:
        return _widget(page, label).get_by_text(option, exact=True).first.click

    return ready


def _choose_typing(page: object, label: str, option: str) -> None:
    """Open the select box `label` and type `option`, so a long list shows it."""
    box = page.get_by_role("combobox", name=label).first
    box.click()
    box.fill(option)


def select(label: str, option: str) -> Action:
    """Open the select box labelled `label` and pick `option`."""

    def ready(page: object) -> Callable[[], None]:
        _choose_typing(page, label, option)
        return page.get_by_role("option", name=option, exact=True).click

    return ready


def slide(label: str, fraction: float) -> Action:
    """Click the slider labelled `label` at `fraction` of its track (0 = left end)."""

    def ready(page: object) -> Callable[[], None]:
        track = _widget(page, label).locator("[role='group']").first
        box = track.bounding_box()
        x, y = box["x"] + box["width"] * fraction, box["y"] + box["height"] / 2
        return lambda: page.mouse.click(x, y)

    return ready


def submit_with(label: str, option: str, button: str) -> Action:
    """Pick `option` in the form's select box `label`, then click the form's `button`."""

    def ready(page: object) -> Callable[[], None]:
        _choose_typing(page, label, option)
        page.get_by_role("option", name=option, exact=True).click()
        return page.get_by_role("button", name=button).click

    return ready


@dataclass(frozen=True, slots=True)
class Interaction:
    """One thing a user clicks, on one page; act=None times opening the page itself."""

    task: str
    page: str
    act: Action | None = None


INTERACTIONS: Final = (
    Interaction("Retention: period → Day", "Retention", segmented("Period", "Day")),
    Interaction("Retention: split by channel", "Retention", select("Split by", "channel")),
    Interaction(
        "Driver tree: cut every node by channel",
        "Driver tree",
        select("Cut every node by", "channel"),
    ),
    Interaction(
        "Scenarios: value per moment estimated from the data",
        "Scenarios",
        segmented("Value per moment", "Estimated from the data"),
    ),
    Interaction(
        "Scenarios: value a moment from the data (pick, compare)",
        "Scenarios",
        submit_with("High-value moment (event)", "event_03", "Compare scenarios"),
    ),
    Interaction("Unit economics: first open", "Unit economics"),
    Interaction(
        "Unit economics: LTV horizon → 6 months",
        "Unit economics",
        slide("LTV horizon (months)", 0.05),
    ),
)


@dataclass(frozen=True, slots=True)
class Wait:
    """What a user waited for after a click: in all, and until the server's rerun ended."""

    total: float
    script: float


# Every change of the app's script state, stamped in the page's own clock, so a rerun
# shorter than any polling interval is still seen, and none is mistaken for another.
WATCH_JS: Final = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  window.__states = [];
  window.__t0 = performance.now();
  if (!window.__watching) {
    new MutationObserver(() => window.__states.push(
      [app.dataset.testScriptState, performance.now()])
    ).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
    window.__watching = true;
  }
}"""
# Settled: a rerun has run, the app has been idle for QUIET_MS (a rerun the page starts
# itself, after a submit, counts too), and the page is drawn; the first moment it was drawn
# after the last state change is kept as the end of the wait.
QUIET_MS: Final = 250
SETTLED_JS: Final = (
    """(quiet) => {
  const s = window.__states;
  if (!s.some((x) => x[0] === 'running')) return false;
  const last = s[s.length - 1];
  if (last[0] !== 'notRunning') { window.__drawn = null; return false; }
  const drawn = ("""
    + DONE_JS
    + """)();
  if (drawn && (window.__drawn == null || window.__drawn < last[1])) {
    window.__drawn = performance.now();
  }
  return window.__drawn != null && performance.now() - last[1] > quiet;
}"""
)
ENDS_JS: Final = """() => [
  (window.__states.at(-1)[1] - window.__t0) / 1000, (window.__drawn - window.__t0) / 1000]"""


def _timed(page: object, final: Callable[[], None]) -> Wait:
    """Return the wait from `final()` (a click) until its reruns have fully rendered."""
    page.evaluate(WATCH_JS)
    final()
    page.wait_for_function(SETTLED_JS, arg=QUIET_MS, timeout=180_000, polling="raf")
    script, drawn = page.evaluate(ENDS_JS)
    return Wait(max(drawn, script), script)


def _open(page: object, title: str) -> Wait:
    link = page.locator("[data-testid='stSidebarNav']").get_by_role("link", name=title)
    return _timed(page, link.click)


def _upload(page: object, url: str, path: Path) -> Wait:
    page.goto(url)
    page.wait_for_function(DONE_JS, timeout=180_000)
    page.get_by_text("Your own file").click()
    page.wait_for_function(DONE_JS, timeout=180_000)
    uploader = page.locator("[data-testid='stFileUploader'] input[type='file']").first
    return _timed(page, lambda: uploader.set_input_files(path))


def _cold_start(browser: object) -> Wait:
    """Seconds from a fresh server's first page request to the Overview drawn (sample)."""
    with tempfile.TemporaryDirectory() as tmp, serve(Path(tmp) / "cold.log") as url:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        start = time.perf_counter()
        page.goto(url)
        page.get_by_role("heading", name="Overview").wait_for(timeout=180_000)
        page.wait_for_function(DONE_JS, timeout=180_000, polling="raf")
        drawn = time.perf_counter() - start
        page.close()
        return Wait(drawn, drawn)


def _row(task: str, rows: int, wait: Wait, *, target: bool = True) -> Row:
    split = f"rerun ends at {wait.script:.2f} s, then drawing {wait.total - wait.script:.2f} s"
    verdict = "; ok" if wait.total < TARGET_S else f"; over the {TARGET_S:.0f} s target"
    return Row(task, rows, wait.total, note=split + (verdict if target else ""))


LABELS_JS: Final = """() => [...document.querySelectorAll('[data-testid="stWidgetLabel"]')]
  .map((e) => e.textContent.trim())"""


def _act(page: object, step: Interaction, n_rows: int) -> Row:
    """Time one interaction; a control that cannot be found is a row that says so."""
    try:
        return _row(step.task, n_rows, _timed(page, step.act(page)))
    except Exception as err:  # Playwright's TimeoutError: report it and go on
        shown = ", ".join(page.evaluate(LABELS_JS))
        note = f"not measured: {type(err).__name__}; controls on the page: {shown}"
        return Row(step.task, n_rows, float("nan"), note=note)


def measure(n_rows: int) -> list[Row]:
    """Return one row per interaction (and the upload, and a cold start) at `n_rows` events."""
    from playwright.sync_api import sync_playwright

    path = events_parquet(n_rows)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        rows = [_row("Cold start: first page on the sample", 0, _cold_start(browser), target=False)]
        with tempfile.TemporaryDirectory() as tmp, serve(Path(tmp) / "bench.log") as url:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(20_000)
            uploaded = _upload(page, url, path)
            rows.append(_row("Upload parquet → Overview drawn", n_rows, uploaded, target=False))
            current = None
            for step in INTERACTIONS:
                if step.page != current:
                    opened = _open(page, step.page)
                    current = step.page
                    if step.act is None:
                        rows.append(_row(step.task, n_rows, opened))
                        continue
                rows.append(_act(page, step, n_rows))
        browser.close()
    return rows


def run(sizes: list[int]) -> list[Row]:
    """Return the browser rows at the sizes asked for that are 1M events or fewer."""
    return [row for n in sizes if n <= 1_000_000 for row in measure(n)]
