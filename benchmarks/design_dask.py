"""Time the design simulation and randomisation inference, in process and on Dask.

    python benchmarks/design_dask.py                 # both, at the sizes below
    python benchmarks/design_dask.py --only ri       # one of them (design, ri)
    python benchmarks/design_dask.py --quick         # a tenth of the work

1. The design simulation (:func:`trustexp.planning.simulate.simulate_design`):
   1,000 simulated trials of 2,000 people, control + 3 arms in 10 strata,
   10 outcomes (5 binary, 5 continuous with a covariate), each trial estimated
   with trustexp's estimator (strata fixed effects, HC2).
2. Randomisation inference as :func:`trustexp.evaluate` runs it: 10,000
   re-randomisations on 100,000 people (control + 3 arms, 20 strata, 2
   covariates, one outcome) from the design's randomiser
   (:func:`trustexp.stats.randomisation.assignment_draws`: one seeded stream in
   blocks of 256 draws, each block drawn where its statistics are computed) and
   tested by :func:`trustexp.stats.permutation_test`.

Each runs in this process and on a ``dask.distributed`` LocalCluster of
``--workers`` worker processes (one thread each), and the results are checked to
be equal bit for bit. Randomisation inference also runs in this process on one
thread (``WORK_THREADS = 1``; by default the blocks run on the machine's cores). Wall times with ``time.perf_counter``; CPU times with
``time.process_time`` of this process plus, on the cluster, of every worker
(the cluster's start-up is timed apart and not included).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from trustexp.executor import DaskExecutor, Executor, executor
from trustexp.planning.simulate import SimOutcome, SimulationSpec, simulate_design
from trustexp.stats import _threads, permutation_test
from trustexp.stats.randomisation import assignment_draws


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


def _worker_cpu(ex: Executor) -> float:
    if not isinstance(ex, DaskExecutor):
        return 0.0
    return float(sum(ex.client.run(time.process_time).values()))


def timed(fn: Callable[[], Any], ex: Executor | None = None) -> tuple[Any, float, float]:
    """(result, wall seconds, CPU seconds of this process and of the cluster's workers)."""
    w0 = _worker_cpu(ex) if ex is not None else 0.0
    c0, t0 = time.process_time(), time.perf_counter()
    out = fn()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    if ex is not None:
        cpu += _worker_cpu(ex) - w0
    return out, wall, cpu


def say(what: str, figures: tuple) -> None:
    """Print one timed phase at once (a run cut short by a time limit keeps its figures)."""
    print(f"{what}: wall {figures[1]:.1f} s, CPU {figures[2]:.1f} s", flush=True)


def _row(name: str, size: str, here: tuple, there: tuple, workers: int, same: bool) -> dict:
    speedup = here[1] / there[1]
    return {"run": name, "size": size, "in_process_wall_s": round(here[1], 1),
            "in_process_cpu_s": round(here[2], 1), "dask_wall_s": round(there[1], 1),
            "dask_cpu_s": round(there[2], 1), "speedup": round(speedup, 2),
            "speedup_per_worker": round(speedup / workers, 2), "identical": same}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a tenth of the simulations and draws")
    ap.add_argument("--only", choices=["design", "ri"], default=None)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--simulations", type=int, default=None, help="design simulations (1,000)")
    ap.add_argument("--draws", type=int, default=None, help="re-randomisations (10,000)")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args(argv)
    sims = args.simulations or (100 if args.quick else 1000)
    draws = args.draws or (1000 if args.quick else 10_000)
    rows: list[dict] = []
    ok = True
    load = os.getloadavg()[0]
    if args.only in (None, "design"):
        spec = design_spec()
        here = timed(lambda: simulate_design(spec, simulations=sims, seed=1))
        say("design, in process", here)
        t0 = time.perf_counter()
        with executor(workers=args.workers) as ex:
            start = time.perf_counter() - t0
            there = timed(lambda: simulate_design(spec, simulations=sims, seed=1, executor=ex), ex)
        say("design, on the cluster", there)
        same = all(np.array_equal(getattr(here[0], f), getattr(there[0], f), equal_nan=True)
                   for f in ("estimate", "std_error", "ci_low", "ci_high", "p_value"))
        ok &= same
        rows.append({**_row("design simulation", f"{sims} trials x 2,000 people x 4 arms x "
                            "10 outcomes", here, there, args.workers, same),
                     "cluster_start_s": round(start, 1)})
    if args.only in (None, "ri"):
        prob = ri_problem()
        y, arm, strata, x = prob["y"], prob["arm"], prob["strata"], prob["covariates"]
        stream = assignment_draws(arm, strata=strata, draws=draws, seed=3)

        def test(ex: Executor | None) -> Any:
            return permutation_test(y, arm, stream, n_arms=4, strata=strata, covariates=x,
                                    executor=ex)

        threads = _threads.WORK_THREADS
        _threads.WORK_THREADS = 1
        try:
            single = timed(lambda: test(None))
        finally:
            _threads.WORK_THREADS = threads
        say("randomisation inference, in process on one thread", single)
        here = timed(lambda: test(None))
        say("randomisation inference, in process", here)
        t0 = time.perf_counter()
        with executor(workers=args.workers) as ex:
            start = time.perf_counter() - t0
            there = timed(lambda: test(ex), ex)
        say("randomisation inference, on the cluster", there)
        same = all(bool(np.array_equal(here[0].t_draws, other[0].t_draws, equal_nan=True)
                        and np.array_equal(here[0].p_value, other[0].p_value))
                   for other in (there, single))
        ok &= same
        rows.append({**_row("randomisation inference (drawn and tested)",
                            f"{draws} draws x 100,000 people", here, there, args.workers, same),
                     "in_process_one_thread_wall_s": round(single[1], 1),
                     "in_process_one_thread_cpu_s": round(single[2], 1),
                     "in_process_threads": threads,
                     "cluster_start_s": round(start, 1)})
    out = {"machine": f"{os.cpu_count()} cores, {platform.machine()}, "
                      f"Python {platform.python_version()}",
           "load_average_start": round(load, 1), "load_average_end": round(os.getloadavg()[0], 1),
           "workers": args.workers, "rows": rows}
    print(json.dumps(out, indent=2))
    if args.json is not None:
        args.json.write_text(json.dumps(out, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
