"""Run every benchmark module in bench/ and print one markdown table.

python -m bench                      # 1M and 10M events, all modules
python -m bench --sizes 1000000      # one size
python -m bench --only load,retention
"""

import argparse
import importlib
import pkgutil
import platform
import sys
import time
from pathlib import Path

import polars as pl

from bench._harness import Row

DEFAULT_SIZES = (1_000_000, 10_000_000)


def _modules(only: set[str] | None) -> list[str]:
    names = [
        m.name
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if not m.name.startswith("_")
    ]
    return [n for n in sorted(names) if only is None or n in only]


def _fmt(x: float | None, unit: str = "") -> str:
    return "" if x is None else f"{x:,.2f}{unit}"


def table(rows: list[Row]) -> str:
    """Return the rows as a markdown table."""
    lines = [
        "| task | events | ours (s) | DuckDB (s) | ours / DuckDB | peak memory (MB) | note |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    lines += [
        f"| {r.task} | {r.rows:,} | {_fmt(r.ours_s)} | {_fmt(r.duckdb_s)} | "
        f"{_fmt(r.ratio, '×')} | {_fmt(r.peak_mb)} | {r.note} |"
        for r in rows
    ]
    return "\n".join(lines)


def main() -> None:
    """Parse arguments, run the selected benchmarks, print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)))
    parser.add_argument("--only", default=None, help="comma-separated module names")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    only = set(args.only.split(",")) if args.only else None
    rows: list[Row] = []
    for name in _modules(only):
        start = time.perf_counter()
        module = importlib.import_module(f"bench.{name}")
        rows += module.run(sizes)
        print(f"[{name}] done in {time.perf_counter() - start:,.0f} s", file=sys.stderr)
    print(
        f"\nMachine: {platform.machine()}, {pl.thread_pool_size()} threads, "
        f"polars {pl.__version__}, Python {platform.python_version()}\n"
    )
    print(table(rows))


if __name__ == "__main__":
    main()
