"""Randomisation inference with many strata: time and peak memory of permutation_test.

One synthetic trial (default 100,000 people in 600 strata, 2 covariates,
control + 3 arms, 10% of outcomes missing) and ``--draws`` re-randomisations
within strata (whole clusters of about 20 people, nested in the strata, for the
CR types); prints the wall and CPU time of one ``permutation_test`` call and
the process's peak resident memory. ``--save`` writes the (draws, m) t
statistics to a ``.npy`` file, to compare two versions of the code on the same
draws. ``permutation_test`` runs with one BLAS thread (see
``trustexp/stats/_threads.py``).
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np

from trustexp.stats import draw_assignments, permutation_test

QUICK = os.environ.get("TRUSTEXP_BENCH_QUICK") == "1"  # set by run_all.py --quick


def main(argv: list[str] | None = None) -> int:
    """Build the trial, time one permutation_test call and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20_000 if QUICK else 100_000)
    parser.add_argument("--strata", type=int, default=600)
    parser.add_argument("--draws", type=int, default=200)
    parser.add_argument("--se-type", default="HC2")
    parser.add_argument("--save", default=None, help="write the t statistics here (.npy)")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(20240601)
    n = args.people
    strata = rng.integers(0, args.strata, n)
    cluster_se = args.se_type.startswith("CR")
    clusters = strata * 10_000 + rng.integers(0, max(1, n // (20 * args.strata)), n)
    if cluster_se:
        units, unit_of = np.unique(clusters, return_inverse=True)
        arm = rng.integers(0, 4, units.size)[unit_of]
    else:
        arm = rng.integers(0, 4, n)
    cov = rng.normal(size=(n, 2))
    y = 0.1 * arm + 0.01 * strata + cov @ np.array([0.3, -0.2]) + rng.normal(size=n)
    y[rng.random(n) < 0.1] = np.nan
    assignments = draw_assignments(arm, strata=strata, draws=args.draws, seed=7,
                                   clusters=clusters if cluster_se else None)
    wall, cpu = time.perf_counter(), time.process_time()
    res = permutation_test(y, arm, assignments, n_arms=4, covariates=cov, strata=strata,
                           clusters=clusters if cluster_se else None, se_type=args.se_type)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"people {n:,}, strata {args.strata}, draws {args.draws}, {args.se_type}: "
          f"permutation_test {wall:.2f} s wall, {cpu:.2f} s CPU; peak RSS {peak:.0f} MiB")
    print("t observed", np.round(res.t_observed, 6), "p", np.round(res.p_value, 4))
    if args.save:
        np.save(args.save, res.t_draws)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
