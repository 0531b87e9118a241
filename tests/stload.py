"""A browserless Streamlit session for load tests, and the server's CPU time.

`StSession` speaks the app's own websocket protocol (/_stcore/stream, Streamlit's
BackMsg/ForwardMsg protobufs) the way the web frontend does: connect, rerun, switch pages
by page_script_hash. It is Streamlit's internal protocol, checked on streamlit 1.67: if an
upgrade breaks it, the browser tests still stand. `websockets` comes with streamlit.
How the load and isolation tests use it: docs/architecture.md#load-and-isolation-tests.
"""

import asyncio
import concurrent.futures
import os
import time
from collections.abc import Callable, Coroutine
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetStates

RERUN_SUPERSEDED = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_EARLY_FOR_RERUN")
TEXT_KINDS = ("markdown", "heading", "metric", "alert")


class StSession:
    """One browser-less session: `async with StSession(url) as s: await s.switch_page(...)`."""

    def __init__(self, base_url: str, timeout_s: float = 60) -> None:
        self.base = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.pages: dict[str, str] = {}  # page title -> page_script_hash
        self.page_hash = ""
        self.elements: dict[tuple[int, ...], object] = {}  # delta path -> element of this run
        self.opened_s = 0.0  # seconds the first run (the default page) took
        self._ws = None

    async def __aenter__(self) -> "StSession":
        url = self.base.replace("http", "ws", 1) + "/_stcore/stream"
        self._ws = await websockets.connect(
            url, subprotocols=["streamlit"], max_size=None, open_timeout=self.timeout_s
        )
        self.opened_s = await self.rerun()  # the frontend's first request on connecting
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._ws.close()

    def _handle(self, m: ForwardMsg) -> bool:
        """Record what the message changes; return True when the run is over."""
        kind = m.WhichOneof("type")
        if kind == "new_session":
            self.page_hash = m.new_session.page_script_hash
            self.elements = {}
        elif kind == "navigation":
            self.pages = {p.page_name: p.page_script_hash for p in m.navigation.app_pages}
            self.page_hash = m.navigation.page_script_hash or self.page_hash
        elif kind == "delta" and m.delta.WhichOneof("type") == "new_element":
            self.elements[tuple(m.metadata.delta_path)] = m.delta.new_element
        return kind == "script_finished" and m.script_finished != RERUN_SUPERSEDED

    async def _run(self, page_hash: str) -> float:
        """Ask for a run of `page_hash`; return the seconds until the script finished."""
        back = BackMsg()
        back.rerun_script.CopyFrom(
            ClientState(query_string="", page_script_hash=page_hash, widget_states=WidgetStates())
        )
        start = time.monotonic()
        await self._ws.send(back.SerializeToString())
        async with asyncio.timeout(self.timeout_s):
            async for raw in self._ws:
                m = ForwardMsg()
                m.ParseFromString(raw)
                if self._handle(m):
                    return time.monotonic() - start
        raise ConnectionError("the server closed the websocket mid-run")

    async def rerun(self) -> float:
        """Rerun the current page; return the seconds it took."""
        return await self._run(self.page_hash)

    async def switch_page(self, title: str) -> float:
        """Open the page with this title (the default page's URL path is ""); return seconds."""
        return await self._run(self.pages[title])

    def texts(self) -> list[str]:
        """Return the bodies of the markdown, heading, metric and alert elements drawn."""
        kinds = (e.WhichOneof("type") for e in self.elements.values())
        return [
            getattr(e, kind).body
            for e, kind in zip(self.elements.values(), kinds, strict=True)
            if kind in TEXT_KINDS
        ]


def run_async(make: Callable[[], Coroutine], timeout_s: float) -> object:
    """Return asyncio.run(make()) run in a fresh thread, bounded by timeout_s.

    A session-scoped sync Playwright browser keeps an event loop running in the main
    thread, and asyncio.run() refuses to start inside it; a new thread has none.
    """

    async def bounded() -> object:
        return await asyncio.wait_for(make(), timeout_s)

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, bounded()).result()


def server_pid(url: str) -> int:
    """Return the pid of this process's `streamlit run` child serving `url` (Linux /proc)."""
    port = url.rsplit(":", 1)[1].strip("/")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            argv = (stat.parent / "cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError):
            continue  # the process ended while we looked
        if ppid == os.getpid() and b"streamlit" in argv and port.encode() in argv:
            return int(stat.parent.name)
    raise LookupError(f"no streamlit child of this process on port {port}")


def cpu_seconds(pid: int) -> float:
    """Return the user + system CPU seconds process `pid` has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    """Return the nearest-rank p-th percentile (p in 0..100) of a non-empty list.

    rank = ceil(p/100 * n), 1-based.
    """
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]
