"""Time the per-site effects: all sites' fits of an outcome in one pass, against one per site.

The trial folder is that of ``evaluate_national.py`` (N participants, 300
municipalities x 2 strata, 3 arms and control, 2 covariates, 2 outcomes;
cached under ``benchmarks/out/``). Two timings, each the best of ``--repeat``
runs with 1 BLAS thread:

* ``estimate_effects`` (the effects frame, no permutations) with the sites'
  models fitted together (:mod:`trustexp.analysis.site_fits`) and with one
  :func:`trustexp.stats.estimate_itt` call per site and outcome; the two frames
  are checked to agree (1e-10 relative in the floats, exactly elsewhere);
* the fits alone: :func:`trustexp.analysis.site_fits.fit_sites` (stacking the
  site rows of each outcome and :func:`trustexp.stats.segments.estimate_itt_by_segment`)
  against the loop of ``estimate_itt``.

Usage::

    python benchmarks/site_fits.py [--people 20000] [--adjustment additive|lin] [--repeat 5]

A measurement, not a unit test; the machine may be shared.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evaluate_national import folder_for


def best(function: Callable[[], object], repeat: int) -> tuple[float, object]:
    """The shortest wall time of ``repeat`` calls, and the last call's result."""
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = function()
        times.append(time.perf_counter() - start)
    return min(times), out


def main(argv: list[str] | None = None) -> int:
    """Time both ways on the national folder and print the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20000)
    parser.add_argument("--adjustment", choices=["additive", "lin"], default="additive")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    from threadpoolctl import threadpool_limits

    from trustexp.analysis import effects
    from trustexp.analysis.samples import analysis_samples
    from trustexp.options import apply_options
    from trustexp.outcomes import derive_outcomes
    from trustexp.stats import estimate_itt
    from trustexp.trial import load_trial

    trial = load_trial(folder_for(args.people, 60))
    config = apply_options(trial.config, {"adjustment": args.adjustment})
    outcomes = derive_outcomes(trial)
    samples = analysis_samples(config, trial.participants)
    sites = [s for s in samples if s.site != "all"]
    print(f"{args.people} people, {len(sites)} sites, {len(config.outcomes)} outcomes, "
          f"{args.adjustment}")

    def frame() -> object:
        return effects.estimate_effects(config, outcomes, samples)

    with threadpool_limits(limits=1, user_api="blas"):
        frame()
        together, new = best(frame, args.repeat)
        site_fits = effects._site_fits
        effects._site_fits = lambda *a: {}
        try:
            apart, old = best(frame, args.repeat)
        finally:
            effects._site_fits = site_fits
        for column in new.columns:
            a, b = new[column], old[column]
            if a.dtype == np.float64:
                np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-10, atol=0)
            else:
                assert a.equals(b), column
        print(f"estimate_effects: {apart:.3f} s one fit per site, {together:.3f} s sites "
              f"together ({apart / together:.1f}x); frames agree")

        stacks = []
        for outcome in config.outcomes:
            data = [effects._outcome_data(config, outcomes, s, outcome) for s in sites]
            keep = [i for i, d in enumerate(data) if d.estimable]
            rows = [(sites[i], data[i]) for i in keep]
            stacks.append(rows)

        def kernel() -> object:
            from trustexp.analysis.site_fits import fit_sites

            return [fit_sites([s for s, _ in rows], [d for _, d in rows],
                              adjustment=args.adjustment, alpha=0.05) for rows in stacks]

        def loop() -> object:
            from trustexp.analysis.samples import refactor

            out = []
            for rows in stacks:
                for s, d in rows:
                    o = d.obs
                    out.append(estimate_itt(
                        d.y[o], s.arm[o], n_arms=s.n_arms,
                        covariates=None if d.cov is None else d.cov[o],
                        strata=refactor(None if s.blocks is None else s.blocks[o]),
                        adjustment=args.adjustment, se_type=s.se_type))
            return out

        batched, _ = best(kernel, args.repeat)
        single, _ = best(loop, args.repeat)
        n_fits = sum(len(rows) for rows in stacks)
        print(f"fits alone: {single:.3f} s for {n_fits} estimate_itt calls, {batched:.3f} s "
              f"batched ({single / batched:.1f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
