"""Benchmark of effects month by month: 10,000 people x 36 months x 4 arms, under 2 s.

``python benchmarks/paths.py`` times :func:`trustexp.stats.paths.estimate_paths` (one
stacked computation: one solve per set of observed persons, HC2, 20 strata, 5
covariates, 10,000 Gaussian draws for the sup-t band) on a binary monthly series with
and without gaps, and, for comparison, one :func:`trustexp.stats.estimate_itt` call per
month. Best of 3 runs each. Exit code 1 when the stacked computation takes 2 s or more,
or when its estimates differ from the per-month loop.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from trustexp.stats import estimate_itt
from trustexp.stats.paths import estimate_paths

TARGET = 2.0


def make(n: int, months: int, gaps: float, seed: int = 20171001):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    arm = rng.permutation(np.arange(n) % 4)
    strata = rng.integers(0, 20, n)
    x = rng.normal(size=(n, 5))
    p = 0.2 + 0.01 * np.arange(months)[None, :] + 0.03 * (arm[:, None] == 1)
    y = (rng.random((n, months)) < p).astype(float)
    if gaps:
        # register-like censoring: rows stop after a person's last month
        last = np.where(rng.random(n) < gaps, rng.integers(1, months, n), months)
        y[np.arange(months)[None, :] >= last[:, None]] = np.nan
    return y, arm, strata, x


def best(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--months", type=int, default=36)
    args = ap.parse_args(argv)
    ok = True
    for label, gaps in (("complete panel", 0.0), ("10% leave early", 0.10)):
        y, arm, strata, x = make(args.n, args.months, gaps)

        def stacked(y=y, arm=arm, strata=strata, x=x):  # type: ignore[no-untyped-def]
            return estimate_paths(y, arm, n_arms=4, covariates=x, strata=strata,
                                  se_type="HC2", draws=10_000)

        def loop(y=y, arm=arm, strata=strata, x=x):  # type: ignore[no-untyped-def]
            out = []
            for t in range(y.shape[1]):
                o = np.isfinite(y[:, t])
                out.append(estimate_itt(y[o, t], arm[o], n_arms=4, covariates=x[o],
                                        strata=strata[o], se_type="HC2").estimate)
            return np.array(out)

        stacked()
        t_stacked = best(stacked)
        t_loop = best(loop, 1)
        same = np.allclose(stacked().estimate, loop(), rtol=1e-10, atol=1e-12)
        ok &= same and t_stacked < TARGET
        print(f"{label}: {args.n:,} people x {args.months} months x 4 arms: "
              f"stacked {t_stacked:.2f} s (target < {TARGET:.0f} s), "
              f"one estimate_itt per month {t_loop:.2f} s (no band); same estimates: {same}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
