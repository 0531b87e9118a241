"""Open the real app headless (streamlit AppTest) on a bundled sample or an upload."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from components import state

APP = Path(__file__).resolve().parents[1] / "app.py"
# The first run imports polars, altair and scipy; a loaded 2-core CI box needs slack.
TIMEOUT = 60


def open_app(sample: str = "meals") -> AppTest:
    """Return the app after its first run on a bundled sample (the Overview page)."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.session_state[state.SAMPLE] = sample
    return at.run()


def open_page(path: str, sample: str = "meals") -> AppTest:
    """Return the app switched to the page file `path` (e.g. "app_pages/data.py")."""
    return open_app(sample).switch_page(path).run()


def upload(at: AppTest, name: str, content: bytes, mime: str = "text/csv") -> AppTest:
    """Choose "Your own file" in the sidebar and upload `content` as `name`."""
    at.radio(key=state.KIND).set_value(state.KIND_UPLOAD).run()
    return at.file_uploader(key=state.UPLOAD).upload(name, content, mime).run()


def texts(at: AppTest) -> str:
    """Return every markdown, caption, info, warning and error text on the page, joined."""
    parts = [
        e.value
        for kind in ("markdown", "caption", "info", "warning", "error", "success")
        for e in getattr(at, kind)
    ]
    return "\n".join(str(p) for p in parts)
