"""Time ``trustexp report --demo`` as a whole command, as a user runs it.

Usage::

    python benchmarks/report_demo.py               # 5 runs after one warm-up
    python benchmarks/report_demo.py --runs 3

The demo trial (about 2,100 participants in three sites, four arms and a
reference group, ten outcomes) asks for randomisation inference with 2,000
draws in its ``trial.toml``; the command validates, derives the outcomes,
estimates every effect pooled and per site, runs the re-randomisations and
renders the HTML report. Each run is a separate process, so its time includes
starting Python and importing the libraries. Target: under 20 s on 2 cores.

Printed: the wall time of each run, their median, and the largest peak
memory (maximum resident set size of the child process).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 20.0


def trustexp_command() -> list[str]:
    """The ``trustexp`` console script beside this interpreter, else ``python -m trustexp``."""
    script = Path(sys.executable).with_name("trustexp")
    return [str(script)] if script.exists() else [sys.executable, "-m", "trustexp"]


def run_once(out: Path) -> float:
    """Run the command once and return its wall time in seconds."""
    start = time.perf_counter()
    subprocess.run(
        [*trustexp_command(), "report", "--demo", "-o", str(out), "--quiet"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """Time the runs and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="counted runs (default 5)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "demo-report.html"
        run_once(out)  # warm-up: file-system caches, compiled bytecode
        times = [run_once(out) for _ in range(args.runs)]
        size = out.stat().st_size
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}")
    print("runs (s): " + ", ".join(f"{t:.2f}" for t in times))
    median = statistics.median(times)
    print(f"median wall time: {median:.2f} s (target {TARGET_SECONDS:.0f} s); "
          f"min {min(times):.2f} s, max {max(times):.2f} s")
    print(f"peak memory: {peak_mib:.0f} MiB; report size {size / 1024:.0f} KiB")
    return 0 if median < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
