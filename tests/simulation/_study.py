"""Shared pieces of the simulation studies: designs, Monte Carlo summaries, the record.

Every study is seeded, runs a fixed number of replications, and records one row per
quantity: the nominal level, the observed rate, its Monte Carlo standard error
``sqrt(r (1 - r) / reps)`` and the number of replications. The rows are appended to
``tests/simulation/results/<study>.json`` (rewritten by each run), from which the table
in ``tests/simulation/README.md`` is made (``python -m tests.simulation._study``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from trustexp.stats import draw_assignments

RESULTS = Path(__file__).parent / "results"


def mc_se(rate: float, reps: int) -> float:
    """Monte Carlo standard error of a rate."""
    return math.sqrt(max(rate * (1 - rate), 1e-12) / reps)


def record(study: str, rows: list[dict]) -> None:
    """Write a study's rows (each: quantity, design, nominal, observed, reps)."""
    RESULTS.mkdir(exist_ok=True)
    for r in rows:
        r["mc_se"] = mc_se(r["observed"], r["reps"])
    (RESULTS / f"{study}.json").write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")


def check_size(observed: float, reps: int, nominal: float = 0.05) -> None:
    """A test's rejection rate: at most 0.06, or within 2 Monte Carlo s.e. of nominal."""
    assert observed <= max(0.06, nominal + 2 * mc_se(nominal, reps)), observed


def check_coverage(observed: float, reps: int, floor: float) -> None:
    """An interval's coverage: at least ``floor`` (0.94, or 0.93 with few clusters)."""
    assert observed >= floor, observed


def assign(rng: np.random.Generator, template: np.ndarray, strata=None, clusters=None):
    """One complete randomisation with the arm counts of ``template`` (within strata)."""
    return draw_assignments(template, strata=strata, clusters=clusters, draws=1,
                            seed=int(rng.integers(2**62)))[0].astype(np.int64)


def clustered_template(n_clusters: int, size: int, n_arms: int = 2) -> tuple:
    """Arm codes (balanced over clusters) and cluster codes for ``n_clusters`` of ``size``."""
    clusters = np.repeat(np.arange(n_clusters), size)
    unit_arm = np.resize(np.arange(n_arms), n_clusters)
    return unit_arm[clusters], clusters


def table() -> str:
    """The markdown table of every recorded study."""
    lines = ["| study | quantity | design | nominal | observed | MC s.e. | reps |",
             "|---|---|---|---|---|---|---|"]
    for path in sorted(RESULTS.glob("*.json")):
        for r in json.loads(path.read_text(encoding="utf-8")):
            lines.append(f"| {path.stem} | {r['quantity']} | {r['design']} | {r['nominal']} | "
                         f"{r['observed']:.3f} | {r['mc_se']:.3f} | {r['reps']} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
