"""Time ``trustexp validate`` on a national-scale trial.

Generates (once, cached under ``benchmarks/out/national/``) a trial of 450,000
participants with 60 months each: 27 million monthly rows in Parquet. Then runs
``trustexp validate`` on it as a separate process and reports the wall time and
the peak memory (maximum resident set size) of that process.

Usage::

    python benchmarks/validation_national.py [--people 450000] [--months 60] [--regenerate]

The target is under 60 seconds and under 6 GB on a machine with 2 cores. This
is a measurement, not a unit test.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"

TRIAL_TOML = """\
[trial]
name = "National-scale benchmark (simulated)"
control_arm = "control"

[arms]
control = { label = "Control", kind = "control" }
exemption = { label = "Exemption", kind = "exemption" }
extra_earnings = { label = "Extra earnings", kind = "extra_earnings" }
intensive_guidance = { label = "Intensive guidance", kind = "intensive_guidance" }

[randomisation]
strata = ["site", "stratum"]

[analysis]
covariates = ["age", "months_on_benefit_before"]

[[outcomes]]
id = "exit_to_work_24m"
source = "monthly"
measure = "exit_to_work"
window_months = 24

[[outcomes]]
id = "months_on_benefit_24m"
source = "monthly"
measure = "months_on_benefit"
window_months = 24
"""


def generate(folder: Path, people: int, months: int, seed: int = 1) -> None:
    """Write the trial (vectorised; the monthly table in row groups of 50,000 people)."""
    rng = np.random.default_rng(seed)
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    ids = pa.array(np.char.add("N", np.char.zfill(np.arange(people).astype(str), 7)))
    sites = np.array([f"gemeente_{i:03d}" for i in range(300)])
    site = rng.integers(0, len(sites), people)
    arms = np.array(["control", "exemption", "extra_earnings", "intensive_guidance"])
    arm = rng.permutation(np.arange(people) % 4)
    start = rng.integers(2017 * 12 + 9, 2018 * 12 + 6, people)  # month index of randomisation
    day = rng.integers(1, 29, people)
    year, month = start // 12, start % 12 + 1
    dates = (
        np.char.add(np.char.add(year.astype(str), "-"), np.char.zfill((month).astype(str), 2))
    )
    dates = np.char.add(np.char.add(dates, "-"), np.char.zfill(day.astype(str), 2))
    participants = pa.table(
        {
            "person_id": ids,
            "site": pa.array(sites[site]),
            "arm": pa.array(arms[arm]),
            "randomised_on": pa.array(dates),
            "stratum": pa.array(np.where(rng.random(people) < 0.5, "short", "long")),
            "age": pa.array(rng.integers(18, 67, people).astype(np.float64)),
            "months_on_benefit_before": pa.array(rng.integers(0, 120, people).astype(np.float64)),
        }
    )
    pq.write_table(participants, tmp / "participants.parquet")

    first = start - 6
    labels = np.array([f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(first.min(), first.max() + months)])
    block = 50_000
    schema = pa.schema(
        [
            ("person_id", pa.string()),
            ("month", pa.string()),
            ("on_benefit", pa.int8()),
            ("employed", pa.int8()),
            ("earnings", pa.float64()),
            ("hours", pa.float64()),
        ]
    )
    with pq.ParquetWriter(tmp / "monthly.parquet", schema) as writer:
        for lo in range(0, people, block):
            hi = min(lo + block, people)
            n = (hi - lo) * months
            person = np.repeat(np.arange(lo, hi), months)
            offset = np.tile(np.arange(months), hi - lo)
            month_code = first[person] - first.min() + offset
            employed = (rng.random(n) < 0.3).astype(np.int8)
            on_benefit = (rng.random(n) < 0.7).astype(np.int8)
            hours = np.where(employed == 1, rng.integers(8, 160, n), 0).astype(np.float64)
            earnings = np.round(hours * rng.uniform(11, 20, n), 2)
            batch = pa.table(
                {
                    "person_id": pc_take(ids, person),
                    "month": pc_take(pa.array(labels), month_code),
                    "on_benefit": on_benefit,
                    "employed": employed,
                    "earnings": earnings,
                    "hours": hours,
                },
                schema=schema,
            )
            writer.write_table(batch, row_group_size=1_000_000)
    (tmp / "trial.toml").write_text(TRIAL_TOML, encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)


def pc_take(values: pa.Array, indices: np.ndarray) -> pa.Array:
    import pyarrow.compute as pc

    return pc.take(values, pa.array(indices))


def machine() -> str:
    """nproc, memory and CPU model of this machine."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown memory"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024**2:.1f} GiB RAM"
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({model}), {mem}, Python {platform.python_version()}, {platform.system()}"


# `trustexp validate DIR`, the command itself (independent of the other commands).
_RUN_VALIDATE = (
    "import sys; from trustexp.cli.validate import command; "
    "sys.exit(command.main(args=sys.argv[1:], standalone_mode=False))"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=450_000)
    parser.add_argument("--months", type=int, default=60)
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args(argv)

    folder = OUT / f"national_{args.people}x{args.months}"
    if args.regenerate or not (folder / "trial.toml").is_file():
        t0 = time.perf_counter()
        generate(folder, args.people, args.months)
        print(f"generated {folder} in {time.perf_counter() - t0:.1f} s")
    rows = pq.ParquetFile(folder / "monthly.parquet").metadata.num_rows
    size = sum(p.stat().st_size for p in folder.iterdir()) / 1024**2

    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _RUN_VALIDATE, str(folder), "--format", "json"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))},
    )
    wall = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"machine: {machine()}")
    print(f"trial: {args.people:,} participants, {rows:,} monthly rows, {size:.0f} MiB on disk")
    print(f"trustexp validate: exit {proc.returncode}, wall {wall:.1f} s, peak memory {peak_kb / 1024**2:.2f} GiB")
    if proc.returncode not in (0, 1):
        print(proc.stderr, file=sys.stderr)
    else:
        import json

        report = json.loads(proc.stdout)
        print(f"report: valid={report['valid']}, {len(report['errors'])} errors, {len(report['warnings'])} warnings")
    ok = wall < 60 and peak_kb < 6 * 1024**2
    print("target (< 60 s, < 6 GB):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
