"""Start the real app with `streamlit run` on a free loopback port, for browsers to drive.

Used by the browser tests (tests/conftest.py) and the browser benchmark (bench/browser.py):
one way to start the server, wait until it is healthy, and stop it with its children.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

APP_DIR: Final = Path(__file__).resolve().parent.parent
CHROMIUM: Final = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# As root on a closed network: no sandbox, no GPU, and none of Chromium's own connections.
CHROMIUM_ARGS: Final = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float) -> None:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as r:  # noqa: S310 (loopback URL we built)
                if r.status == 200 and r.read() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"streamlit not healthy after {timeout}s")


@contextmanager
def serve(log_path: Path, *, timeout: float = 90) -> Iterator[str]:
    """Run the app until the block ends; yield its base URL (http://127.0.0.1:PORT)."""
    port = free_port()
    with log_path.open("w") as log:
        proc = subprocess.Popen(  # noqa: S603 (fixed argv, our own interpreter)
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.headless",
                "true",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.fileWatcherType",
                "none",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=APP_DIR,
            env=dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false"),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            _wait_healthy(f"http://127.0.0.1:{port}/_stcore/health", proc, timeout)
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
