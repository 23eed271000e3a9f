"""Time the design simulation and chunked randomisation inference, in process and on Dask.

    python benchmarks/design_dask.py            # the issue's sizes (several minutes on 2 cores)
    python benchmarks/design_dask.py --quick    # a tenth of the work

1. The design simulation (:func:`trustexp.planning.simulate.simulate_design`):
   1,000 simulated trials of 2,000 people, control + 3 arms in 10 strata,
   10 outcomes (5 binary, 5 continuous with a covariate), each trial estimated
   with trustexp's estimator (strata fixed effects, HC2).
2. Randomisation inference (:func:`trustexp.stats.chunked.chunked_permutation_test`):
   10,000 re-randomisations on 100,000 people (control + 3 arms, 20 strata,
   2 covariates, one outcome).

Each runs in this process and on a 2-worker ``dask.distributed`` LocalCluster
(worker processes, one thread each), and the results are checked to be equal
bit for bit. Wall times with ``time.perf_counter``; the cluster's start-up is
timed apart.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from trustexp.executor import executor
from trustexp.planning.simulate import SimOutcome, SimulationSpec, simulate_design
from trustexp.stats.chunked import chunked_permutation_test


def design_spec(n: int = 2000, arms: int = 4, outcomes: int = 10) -> SimulationSpec:
    arm = np.tile(np.arange(arms), n // arms)
    strata = np.repeat(np.arange(10), n // 10)
    outs = tuple(SimOutcome(k % 2 == 0, 0.2 if k % 2 == 0 else 1.0, (0.05,) * (arms - 1))
                 for k in range(outcomes))
    return SimulationSpec(arm=arm, n_arms=arms, strata=strata, clusters=None,
                          site_masks=(np.ones(n, bool),), outcomes=outs, icc=0.0, r2=0.2,
                          attrition=0.05, alpha=0.05, se_type="HC2")


def ri_problem(n: int = 100_000) -> dict:
    rng = np.random.default_rng(7)
    strata = rng.integers(0, 20, n)
    arm = rng.integers(0, 4, n)
    x = rng.normal(size=(n, 2))
    y = x @ np.array([0.5, -0.3]) + 0.05 * (arm == 2) + rng.normal(size=n)
    return {"y": y, "arm": arm, "n_arms": 4, "strata": strata, "covariates": x}


def timed(fn):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a tenth of the simulations and draws")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--simulations", type=int, default=None, help="design simulations (1,000)")
    ap.add_argument("--draws", type=int, default=None, help="re-randomisations (10,000)")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args(argv)
    sims = args.simulations or (100 if args.quick else 1000)
    draws = args.draws or (1000 if args.quick else 10_000)
    spec = design_spec()
    rows = {}
    local, t_local = timed(lambda: simulate_design(spec, simulations=sims, seed=1))
    t0 = time.perf_counter()
    with executor(workers=args.workers) as ex:
        t_start = time.perf_counter() - t0
        dask_res, t_dask = timed(lambda: simulate_design(spec, simulations=sims, seed=1, executor=ex))
        same_sim = all(np.array_equal(getattr(local, f), getattr(dask_res, f), equal_nan=True)
                       for f in ("estimate", "std_error", "ci_low", "ci_high", "p_value"))
        prob = ri_problem()
        ri_local, t_ri_local = timed(lambda: chunked_permutation_test(**prob, draws=draws, seed=3))
        ri_dask, t_ri_dask = timed(lambda: chunked_permutation_test(**prob, draws=draws, seed=3,
                                                                    executor=ex))
        same_ri = np.array_equal(ri_local.t_draws, ri_dask.t_draws, equal_nan=True)
    rows = {
        "machine": f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
                   f"Python {platform.python_version()}",
        "design_simulations": sims, "design_in_process_s": round(t_local, 1),
        "design_dask_s": round(t_dask, 1), "design_speedup": round(t_local / t_dask, 2),
        "design_identical": same_sim,
        "ri_draws": draws, "ri_in_process_s": round(t_ri_local, 1), "ri_dask_s": round(t_ri_dask, 1),
        "ri_speedup": round(t_ri_local / t_ri_dask, 2), "ri_identical": same_ri,
        "workers": args.workers, "cluster_start_s": round(t_start, 1),
    }
    print(json.dumps(rows, indent=2))
    if args.json is not None:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0 if same_sim and same_ri else 1


if __name__ == "__main__":
    sys.exit(main())
