"""Shared benchmark pieces: cached synthetic events, timing, peak memory, the result row.

Every benchmark module in bench/ exposes `run(sizes: list[int]) -> list[Row]`; __main__
runs them all and prints one markdown table.
"""

import os
import resource
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

CACHE = Path(__file__).resolve().parent / ".cache"
EVENT_TYPES = (*(f"event_{i:02d}" for i in range(28)), "signup", "purchase")
CHANNELS = ("organic", "paid_search", "paid_social", "referral")
START = np.datetime64("2025-01-01T00:00:00", "us")


@dataclass(frozen=True, slots=True)
class Row:
    """One benchmark line: our time, DuckDB's time for the same work, peak memory."""

    task: str
    rows: int
    ours_s: float
    duckdb_s: float | None = None
    peak_mb: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """Our time / DuckDB's time (< 1 means we are faster)."""
        return self.ours_s / self.duckdb_s if self.duckdb_s else None


def _generate(n_rows: int, seed: int = 7) -> pl.DataFrame:
    """Return `n_rows` synthetic canonical events: ~40 per user, decaying activity."""
    rng = np.random.default_rng(seed)
    n_users = max(n_rows // 40, 1)
    signup_day = rng.integers(0, 365, n_users)
    user = rng.zipf(1.3, n_rows) % n_users  # heavy users and a long tail
    offset_days = np.minimum(rng.geometric(0.03, n_rows) - 1, 400)
    seconds = (signup_day[user] + offset_days) * 86_400 + rng.integers(0, 86_400, n_rows)
    event = rng.choice(len(EVENT_TYPES), n_rows, p=_event_weights())
    is_purchase = event == len(EVENT_TYPES) - 1
    revenue = np.where(is_purchase, np.round(rng.gamma(2.0, 15.0, n_rows), 2), 0.0)
    return pl.DataFrame(
        {
            "user_id": pl.Series(user.astype(np.int64)).cast(pl.String).str.zfill(8),
            "event": pl.Series(np.array(EVENT_TYPES)[event]),
            "ts": pl.Series(START + seconds.astype("timedelta64[s]")).dt.replace_time_zone("UTC"),
            "revenue": revenue,
            "channel": pl.Series(np.array(CHANNELS)[user % len(CHANNELS)]),
        }
    ).sort("ts")


def _event_weights() -> np.ndarray:
    weights = np.linspace(3.0, 0.2, len(EVENT_TYPES))
    return weights / weights.sum()


def events_parquet(n_rows: int) -> Path:
    """Return the path of `n_rows` synthetic events as parquet (generated once, cached)."""
    path = CACHE / f"events_{n_rows}.parquet"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        _generate(n_rows).write_parquet(path)
    return path


def events_csv(n_rows: int) -> Path:
    """Return the same events as CSV (ISO timestamps), generated once from the parquet."""
    path = CACHE / f"events_{n_rows}.csv"
    if not path.exists():
        pl.read_parquet(events_parquet(n_rows)).write_csv(path)
    return path


def best_of(fn: Callable[[], Any], repeat: int = 3) -> float:
    """Return the fastest wall time of `repeat` calls of `fn`, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def peak_mb() -> float:
    """Return this process's peak resident memory in MB.

    VmHWM belongs to the process's own address space, so a freshly spawned worker starts
    from zero; ru_maxrss would carry over the peak of the process it was forked from.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed_child(fn: Callable[..., Any], args: tuple, repeat: int) -> tuple[float, float]:
    seconds = best_of(lambda: fn(*args), repeat)
    return seconds, peak_mb()


def isolated(fn: Callable[..., Any], *args: Any, repeat: int = 3) -> tuple[float, float]:
    """Return (best seconds, peak RSS in MB) of `fn(*args)` run in a fresh process.

    A fresh process per measurement keeps one task's memory from counting against the next.
    `fn` must be a module-level function (it is pickled).
    """
    return in_fresh_process(_timed_child, fn, args, repeat)


def in_fresh_process(fn: Callable[..., Any], *args: Any) -> Any:
    """Return `fn(*args)` computed in a freshly spawned Python process."""
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def duckdb_connection() -> Any:
    """Return an in-memory DuckDB connection using every core we have."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads TO {os.cpu_count() or 1}")
    con.execute("SET enable_progress_bar = false")
    return con
