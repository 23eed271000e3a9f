"""Run every benchmark script in this folder, one after the other.

Usage::

    python benchmarks/run_all.py            # all scripts, full size
    python benchmarks/run_all.py --quick    # skip the national-scale validation run

Each script runs in its own Python process (so that its peak memory is its own)
with the interpreter running this file. ``--quick`` skips
``validation_national.py`` and sets ``TRUSTEXP_BENCH_QUICK=1`` in the scripts'
environment, which a script may read to choose a smaller default size. The exit
code is 1 if any script failed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SKIPPED_WHEN_QUICK = {"validation_national.py", "design_dask.py"}


def scripts(quick: bool) -> list[Path]:
    """Benchmark scripts in this folder, in name order (helpers start with ``_``)."""
    found = sorted(p for p in HERE.glob("*.py") if not p.name.startswith("_"))
    found = [p for p in found if p.name != Path(__file__).name]
    if quick:
        found = [p for p in found if p.name not in SKIPPED_WHEN_QUICK]
    return found


def main(argv: list[str] | None = None) -> int:
    """Run the scripts and print a one-line status for each."""
    parser = argparse.ArgumentParser(description="Run every benchmark in benchmarks/.")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="skip validation_national.py and ask scripts for a small size",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        default=None,
        help="run only these scripts (file names, with or without .py)",
    )
    args = parser.parse_args(argv)

    selected = scripts(args.quick)
    if args.only:
        wanted = {name.removesuffix(".py") for name in args.only}
        selected = [p for p in selected if p.stem in wanted]
    env = dict(os.environ)
    if args.quick:
        env["TRUSTEXP_BENCH_QUICK"] = "1"

    status = []
    for script in selected:
        print(f"=== {script.name} ===", flush=True)
        start = time.perf_counter()
        code = subprocess.call([sys.executable, str(script)], env=env, cwd=HERE.parent)
        status.append((script.name, code, time.perf_counter() - start))
        print(flush=True)
    print("=== summary ===")
    for name, code, seconds in status:
        print(f"{name:<32} {'ok' if code == 0 else f'exit {code}':<8} {seconds:8.1f} s")
    if args.quick:
        print("skipped (--quick): " + ", ".join(sorted(SKIPPED_WHEN_QUICK)))
    return 0 if all(code == 0 for _, code, _ in status) else 1


if __name__ == "__main__":
    sys.exit(main())
