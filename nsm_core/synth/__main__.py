"""Rebuild the bundled samples: python -m nsm_core.synth [--out DIR] [--only meals teams ...]."""

import argparse
import sys
import time
from pathlib import Path

from nsm_core.samples import SAMPLE_DIR
from nsm_core.synth.build import PRODUCTS, build
from nsm_core.synth.cdnow import MASTER


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, rebuild, report the files written; return the exit code."""
    parser = argparse.ArgumentParser(prog="python -m nsm_core.synth", description=__doc__)
    parser.add_argument("--out", type=Path, default=SAMPLE_DIR, help="output directory")
    parser.add_argument("--only", nargs="+", choices=PRODUCTS, default=list(PRODUCTS))
    parser.add_argument("--cdnow", type=Path, default=MASTER, help="CDNOW_master.txt(.gz)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    paths = build(args.out, tuple(args.only), args.cdnow)
    if "cdnow" in args.only and not args.cdnow.exists():
        sys.stderr.write(f"CDNOW source not found at {args.cdnow}; cdnow_events.parquet kept.\n")
    for path in paths:
        sys.stdout.write(f"{path.stat().st_size:>10,}  {path}\n")
    sys.stdout.write(f"done in {time.perf_counter() - started:.1f} s\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
