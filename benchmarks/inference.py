"""Inference benchmark: effects table, randomisation inference and Romano-Wolf.

One synthetic trial (default 10,000 participants, control + 3 arms, 20 strata,
2 covariates, 6 continuous and 4 binary outcomes) is analysed three ways in one
process and the wall times are compared:

* trustexp's kernels (``estimate_itt``, ``draw_assignments``,
  ``permutation_test``, ``romano_wolf``), and ``trustexp.evaluate`` on the same
  data written as a trial folder when that API is available;
* a naive loop that refits ``statsmodels`` OLS with HC2 standard errors once per
  outcome and re-randomisation, run for a few draws on trustexp's own
  assignments and extrapolated linearly to the full number of draws (its
  p-values on the common draws are compared with trustexp's as a check);
* pyfixest: ``feols`` for the table, ``Feols.ritest`` for randomisation
  inference and ``pyfixest.rwolf`` (wild bootstrap) for Romano-Wolf.

Run ``python benchmarks/inference.py --help`` for the options. The default run
takes about 3 minutes on two cores; every tool runs with one BLAS and numba
thread unless ``--threads`` says otherwise. The exit code is 1 if trustexp and
the naive loop disagree on the common draws.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import io
import json
import os
import platform
import resource
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _synthetic import SyntheticTrial, make_trial

SEED = 20171001
RI_TARGET = 20.0  # trustexp must be at least this many times faster than the naive loop
QUICK = os.environ.get("TRUSTEXP_BENCH_QUICK") == "1"  # set by run_all.py --quick


# --------------------------------------------------------------------------- helpers


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """Best wall time over ``repeat`` calls of ``fn`` and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def machine() -> dict[str, Any]:
    """CPU, memory and library versions of this machine."""
    cpu = "unknown"
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_gib = float("nan")
    with contextlib.suppress(OSError), open("/proc/meminfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("MemTotal"):
                mem_gib = int(line.split()[1]) / 1024.0**2
                break
    versions = {"python": platform.python_version()}
    for package in (
        "trustexp",
        "numpy",
        "scipy",
        "pandas",
        "statsmodels",
        "pyfixest",
        "numba",
        "wildboottest",
    ):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = "not installed"
    blas = "unknown"
    with contextlib.suppress(ImportError):
        from threadpoolctl import threadpool_info

        blas = ", ".join(
            f"{p['internal_api']} {p['version']} ({p['num_threads']} threads)"
            for p in threadpool_info()
            if p["user_api"] == "blas"
        )
    return {
        "nproc": os.cpu_count(),
        "blas": blas,
        "load_average_1min": os.getloadavg()[0],
        "usable_cpus": len(os.sched_getaffinity(0)),
        "memory_gib": round(mem_gib, 1),
        "cpu": cpu,
        "versions": versions,
    }


def ri_p_values(t_observed: np.ndarray, t_draws: np.ndarray) -> np.ndarray:
    """(1 + #{|t_b| >= |t_obs|}) / (B + 1), column by column."""
    exceed = np.abs(t_draws) >= np.abs(t_observed)[None, :]
    return (1.0 + exceed.sum(axis=0)) / (t_draws.shape[0] + 1.0)


def stepdown_loop(t_observed: np.ndarray, t_draws: np.ndarray) -> np.ndarray:
    """Romano-Wolf step-down p-values, written as the textbook loop.

    Hypotheses are taken in decreasing order of |t|; the s-th is compared with the
    maximum |t| over the draws of the hypotheses not yet rejected, and the
    p-values are made monotone.
    """
    abs_obs, abs_draws = np.abs(t_observed), np.abs(t_draws)
    order = np.argsort(-abs_obs, kind="stable")
    adjusted = np.empty_like(abs_obs)
    running = 0.0
    for s, j in enumerate(order):
        remaining = order[s:]
        max_stat = abs_draws[:, remaining].max(axis=1)
        p = (1.0 + np.sum(max_stat >= abs_obs[j])) / (t_draws.shape[0] + 1.0)
        running = max(running, p)
        adjusted[j] = running
    return adjusted


def design_matrix(trial: SyntheticTrial, arm: np.ndarray) -> np.ndarray:
    """Constant, arm dummies, centred covariates and stratum dummies (first dropped)."""
    n = trial.n
    arms = (arm[:, None] == np.arange(1, trial.n_arms)[None, :]).astype(np.float64)
    covariates = trial.covariates - trial.covariates.mean(axis=0)
    strata = np.eye(int(trial.strata.max()) + 1)[trial.strata][:, 1:]
    return np.column_stack([np.ones(n), arms, covariates, strata])


# --------------------------------------------------------------------------- trustexp


def run_trustexp(trial: SyntheticTrial, draws: int) -> dict[str, Any]:
    """Effects table, randomisation inference and Romano-Wolf with trustexp's kernels."""
    from trustexp.stats.itt import estimate_itt
    from trustexp.stats.multiple import romano_wolf
    from trustexp.stats.randomisation import draw_assignments, permutation_test

    k = trial.y.shape[1]
    m = trial.n_arms - 1
    common = {
        "n_arms": trial.n_arms,
        "covariates": trial.covariates,
        "strata": trial.strata,
        "se_type": "HC2",
    }

    # warm-up: imports, first calls, BLAS buffers
    warm = draw_assignments(trial.arm, strata=trial.strata, draws=20, seed=1)
    estimate_itt(trial.y[:, 0], trial.arm, **common)
    permutation_test(trial.y[:, 0], trial.arm, warm, **common)

    def table() -> list[Any]:
        return [estimate_itt(trial.y[:, j], trial.arm, **common) for j in range(k)]

    t_table, effects = timed(table, repeat=3)

    t_draw, assignments = timed(
        lambda: draw_assignments(trial.arm, strata=trial.strata, draws=draws, seed=SEED)
    )

    def tests() -> list[Any]:
        return [permutation_test(trial.y[:, j], trial.arm, assignments, **common) for j in range(k)]

    t_tests, results = timed(tests)
    t_observed = np.concatenate([r.t_observed for r in results])  # outcome-major, (k*m,)
    t_draws = np.concatenate([r.t_draws for r in results], axis=1)  # (draws, k*m)
    t_rw, p_rw = timed(lambda: romano_wolf(t_observed, t_draws), repeat=3)

    # all outcomes in one call (y of shape (N, K)), where the kernel accepts it
    t_joint, joint_diff = None, None
    try:
        permutation_test(trial.y[:, :2], trial.arm, warm, **common)
    except (ValueError, TypeError) as exc:
        print(f"  permutation_test with a 2-D y not supported ({exc}); per-outcome calls only")
    else:
        t_joint, joint = timed(lambda: permutation_test(trial.y, trial.arm, assignments, **common))
        joint_diff = float(np.nanmax(np.abs(joint.t_draws.reshape(draws, k * m) - t_draws)))
    times = {
        "table": t_table,
        "draw_assignments": t_draw,
        "permutation_tests": t_tests,
        "ri": t_draw + t_tests,
        "romano_wolf_stepdown": t_rw,
        "rw": t_draw + t_tests + t_rw,
    }
    if t_joint is not None:
        times |= {
            "permutation_test_all_outcomes": t_joint,
            "ri_joint": t_draw + t_joint,
            "rw_joint": t_draw + t_joint + t_rw,
        }
    return {
        "effects": effects,
        "estimate": np.array([e.estimate for e in effects]),
        "std_error": np.array([e.std_error for e in effects]),
        "assignments": assignments,
        "t_observed": t_observed,
        "t_draws": t_draws,
        "p_ri": np.concatenate([r.p_value for r in results]),
        "p_rw": p_rw,
        "time": times,
        "joint_vs_separate_max_abs_diff": joint_diff,
        "m": m,
    }


def write_trial_folder(trial: SyntheticTrial, folder: Path, draws: int, method: str) -> None:
    """Write the synthetic trial as a trial folder that follows the data contract.

    All outcomes form one family, so ``method`` (multiple testing) runs jointly
    over every (outcome, arm) pair.
    """
    frame = trial.frame()
    names = ["control", "exemption", "extra_earnings", "intensive_guidance"][: trial.n_arms]
    participants = frame[["stratum", *trial.covariate_names, *trial.outcome_names]].copy()
    participants.insert(0, "person_id", [f"P{i:06d}" for i in range(trial.n)])
    participants.insert(1, "site", "Synthstad")
    participants.insert(2, "arm", [names[a] for a in trial.arm])
    participants.insert(3, "randomised_on", "2018-01-15")
    participants["stratum"] = [f"s{s:02d}" for s in trial.strata]
    participants.to_csv(folder / "participants.csv", index=False)
    lines = [
        "[trial]",
        'name = "Synthetic benchmark trial"',
        'control_arm = "control"',
        "",
        "[arms]",
        *[f'{a} = {{ label = "{a}", kind = "{a}" }}' for a in names],
        "",
        "[randomisation]",
        'strata = ["stratum"]',
        "",
        "[analysis]",
        "covariates = [" + ", ".join(f'"{c}"' for c in trial.covariate_names) + "]",
        'standard_errors = "HC2"',
        f'multiple_testing = "{method}"',
        f"seed = {SEED}",
        f"permutations = {draws}",
        "",
    ]
    for name, is_binary in zip(trial.outcome_names, trial.binary, strict=True):
        kind = "binary" if is_binary else "continuous"
        lines += [
            "[[outcomes]]",
            f'id = "{name}"',
            f'column = "{name}"',
            f'type = "{kind}"',
            'family = "all"',
            "",
        ]
    (folder / "trial.toml").write_text("\n".join(lines), encoding="utf-8")


def run_evaluate(trial: SyntheticTrial, draws: int) -> dict[str, Any] | None:
    """Time ``trustexp.evaluate`` end to end on the trial written as a folder."""
    try:
        from trustexp.evaluation import evaluate
    except ImportError as exc:
        print(f"  trustexp.evaluate not available ({exc}); skipped")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        holm, rw = Path(tmp, "holm"), Path(tmp, "romano-wolf")
        for folder in (holm, rw):
            folder.mkdir()
            write_trial_folder(trial, folder, draws, folder.name)
        try:
            t_first, _ = timed(lambda: evaluate(holm, permutations=0))  # warm-up, imports
            t_table, ev = timed(lambda: evaluate(holm, permutations=0), repeat=2)
            t_full, ev_full = timed(lambda: evaluate(rw, permutations=draws))
        except Exception as exc:  # report and carry on: this part is optional
            print(f"  trustexp.evaluate failed: {type(exc).__name__}: {exc}")
            return None
    pooled = ev.effects[ev.effects["site"] == "all"]
    methods = sorted(set(ev_full.effects["adjustment_method"].astype(str)))
    return {
        "time": {"first_call": t_first, "table": t_table, "ri_rw": t_full},
        "rows": len(pooled),
        "adjustment": methods,
        "rows_ri": int(ev_full.effects["p_value_ri"].notna().sum())
        if "p_value_ri" in ev_full.effects
        else 0,
    }


# --------------------------------------------------------------------------- naive loop


def run_naive(trial: SyntheticTrial, assignments: np.ndarray, naive_draws: int) -> dict[str, Any]:
    """statsmodels OLS + HC2 refitted per outcome and per re-randomisation."""
    import statsmodels.api as sm

    k = trial.y.shape[1]
    m = trial.n_arms - 1
    x_obs = design_matrix(trial, trial.arm)
    sm.OLS(trial.y[:, 0], x_obs).fit(cov_type="HC2")  # warm-up

    def table() -> list[Any]:
        return [sm.OLS(trial.y[:, j], x_obs).fit(cov_type="HC2") for j in range(k)]

    t_table, fits = timed(table, repeat=3)
    t_observed = np.concatenate([f.tvalues[1 : 1 + m] for f in fits])

    def refits() -> np.ndarray:
        out = np.empty((naive_draws, k * m))
        for b in range(naive_draws):
            x_b = design_matrix(trial, assignments[b].astype(np.int64))
            for j in range(k):
                fit = sm.OLS(trial.y[:, j], x_b).fit(cov_type="HC2")
                out[b, j * m : (j + 1) * m] = fit.tvalues[1 : 1 + m]
        return out

    t_refit, t_draws = timed(refits)
    t_step, p_rw = timed(lambda: stepdown_loop(t_observed, t_draws))
    return {
        "estimate": np.array([f.params[1 : 1 + m] for f in fits]),
        "std_error": np.array([f.bse[1 : 1 + m] for f in fits]),
        "t_observed": t_observed,
        "t_draws": t_draws,
        "p_ri": ri_p_values(t_observed, t_draws),
        "p_rw": p_rw,
        "time": {"table": t_table, "refits_measured": t_refit, "stepdown_measured": t_step},
    }


# --------------------------------------------------------------------------- pyfixest


def run_pyfixest(
    trial: SyntheticTrial, draws: int, t_draws: int, ri_outcomes: int
) -> dict[str, Any] | None:
    """pyfixest: feols table, ritest (randomization-c and -t) and rwolf (wild bootstrap)."""
    try:
        import pyfixest as pf
    except ImportError:
        print("  pyfixest not installed (pip install -e '.[bench]'); skipped")
        return None
    warnings.filterwarnings("ignore", module="pyfixest")
    frame = trial.frame()
    m = trial.n_arms - 1
    arms = " + ".join(f"d{a}" for a in range(1, trial.n_arms))
    covs = " + ".join(trial.covariate_names)
    lhs = " + ".join(trial.outcome_names)
    quiet = contextlib.redirect_stderr(io.StringIO())  # ritest-t shows a progress bar

    # (a) table: HC2 needs stratum dummies (pyfixest refuses HC2 with absorbed effects)
    # and k_adj=False for plain HC2 (pyfixest scales by (n-1)/(n-k) by default).
    table_fml = f"{lhs} ~ {arms} + {covs} + C(stratum)"

    def table() -> Any:
        return pf.feols(table_fml, data=frame, vcov="HC2", ssc=pf.ssc(k_adj=False))

    t_table_first, _ = timed(table)
    t_table, multi = timed(table, repeat=3)
    fits = multi.to_list()
    names = [f"d{a}" for a in range(1, trial.n_arms)]
    estimate = np.array([f.coef()[names].to_numpy() for f in fits])
    std_error = np.array([f.se()[names].to_numpy() for f in fits])

    # (b) ritest: stratum fixed effects absorbed (the fast, numba path for randomization-c)
    ri_fits = pf.feols(f"{lhs} ~ {arms} + {covs} | stratum", data=frame, vcov="hetero").to_list()
    rng = np.random.default_rng(SEED)
    t_ri_first, _ = timed(lambda: ri_fits[0].ritest("d1", reps=10, rng=rng, type="randomization-c"))

    ri_outcomes = max(1, min(ri_outcomes, len(ri_fits)))

    def ritest_c() -> None:
        for fit in ri_fits[:ri_outcomes]:
            for name in names:
                fit.ritest(name, reps=draws, rng=rng, type="randomization-c")

    t_ri_c_measured, _ = timed(ritest_c)
    t_ri_c = t_ri_c_measured * len(ri_fits) / ri_outcomes

    def ritest_t() -> None:
        with quiet:
            for fit in ri_fits:
                for name in names:
                    fit.ritest(name, reps=t_draws, rng=rng, type="randomization-t")

    t_ri_t, _ = timed(ritest_t)

    # (c) rwolf: wild bootstrap (Rademacher, null imposed, HC) over the 10 outcome models,
    # one call per arm coefficient (pyfixest adjusts one parameter across models).
    t_rw_first, _ = timed(lambda: pf.rwolf(ri_fits, "d1", reps=10, seed=SEED))

    def rwolf() -> list[Any]:
        return [pf.rwolf(ri_fits, name, reps=draws, seed=SEED) for name in names]

    t_rw, _ = timed(rwolf)
    return {
        "estimate": estimate,
        "std_error": std_error,
        "m": m,
        "ri_outcomes": ri_outcomes,
        "numba_threads": _numba_threads(),
        "time": {
            "table_first": t_table_first,
            "table": t_table,
            "ritest_first_call_10_reps": t_ri_first,
            "ritest_c_measured": t_ri_c_measured,
            "ritest_c": t_ri_c,
            "ritest_t_measured": t_ri_t,
            "rwolf_first_call_10_reps": t_rw_first,
            "rwolf": t_rw,
        },
    }


def _numba_threads() -> int | None:
    """numba's thread count, if numba is loaded."""
    numba = sys.modules.get("numba")
    return None if numba is None else int(numba.get_num_threads())


# --------------------------------------------------------------------------- report


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the timings, ratios and checks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="participants (default 10000)")
    parser.add_argument(
        "--draws",
        type=int,
        default=2_000 if QUICK else 10_000,
        help="re-randomisations / bootstrap draws (default 10000; 2000 "
        "when TRUSTEXP_BENCH_QUICK=1)",
    )
    parser.add_argument(
        "--naive-draws",
        type=int,
        default=50 if QUICK else 150,
        help="draws actually run by the statsmodels loop (default 150; 50 "
        "when TRUSTEXP_BENCH_QUICK=1)",
    )
    parser.add_argument(
        "--pyfixest-draws",
        type=int,
        default=None,
        help="draws for pyfixest ritest-c and rwolf (default: --draws)",
    )
    parser.add_argument(
        "--pyfixest-t-draws",
        type=int,
        default=10,
        help="draws actually run by pyfixest ritest randomization-t (default 10)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="BLAS/LAPACK (through threadpoolctl) and numba threads for every "
        "tool (default 1, as trustexp's kernels use; 0: each library's own "
        "default)",
    )
    parser.add_argument(
        "--pyfixest-ri-outcomes",
        type=int,
        default=1,
        help="outcomes whose 3 arm tests pyfixest ritest-c runs at the full "
        "draws; the time is scaled to all outcomes (default 1; 10 runs all)",
    )
    parser.add_argument("--skip-pyfixest", action="store_true")
    parser.add_argument("--skip-evaluate", action="store_true")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    draws = args.draws
    pf_draws = args.pyfixest_draws or draws
    naive_draws = min(args.naive_draws, draws)

    if args.threads > 0:
        os.environ["NUMBA_NUM_THREADS"] = str(args.threads)  # read when numba is imported
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            print("threadpoolctl not installed: BLAS threads left at the libraries' default")
        else:
            threadpool_limits(limits=args.threads, user_api="blas")
    info = machine()
    print("Inference benchmark")
    print(
        f"machine: {info['nproc']} CPUs ({info['usable_cpus']} usable), "
        f"{info['memory_gib']} GiB, {info['cpu']}"
    )
    print("versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()))
    print(f"BLAS: {info['blas']}; load average at start {info['load_average_1min']:.2f}")

    trial = make_trial(args.n, seed=SEED)
    k, m = trial.y.shape[1], trial.n_arms - 1
    print(
        f"trial: n={trial.n}, arms={trial.n_arms} (control + {m}), "
        f"strata={trial.strata.max() + 1}, covariates={trial.covariates.shape[1]}, "
        f"outcomes={k} ({sum(trial.binary)} binary); hypotheses={k * m}; draws={draws}"
    )
    memory = {"start": peak_rss_mb()}

    print("\n[trustexp kernels]")
    te = run_trustexp(trial, draws)
    memory["after_trustexp"] = peak_rss_mb()
    for name, value in te["time"].items():
        print(f"  {name:<24} {value:9.3f} s")

    ev = None
    if not args.skip_evaluate:
        print("\n[trustexp.evaluate on a trial folder]")
        ev = run_evaluate(trial, draws)
        if ev is not None:
            print(f"  first call (imports)           {ev['time']['first_call']:9.3f} s")
            print(
                f"  evaluate, Holm, no draws       {ev['time']['table']:9.3f} s "
                f"({ev['rows']} pooled effect rows)"
            )
            print(
                f"  evaluate, {draws} permutations {ev['time']['ri_rw']:9.3f} s "
                f"({ev['rows_ri']} rows with p_value_ri; adjustment "
                f"{', '.join(ev['adjustment'])})"
            )
        memory["after_evaluate"] = peak_rss_mb()

    print(
        f"\n[naive statsmodels loop: {naive_draws} draws measured, extrapolated x"
        f"{draws / naive_draws:g} to {draws}]"
    )
    nv = run_naive(trial, te["assignments"], naive_draws)
    memory["after_naive"] = peak_rss_mb()
    scale = draws / naive_draws
    nv["time"]["ri_extrapolated"] = nv["time"]["refits_measured"] * scale
    nv["time"]["rw_extrapolated"] = (
        nv["time"]["refits_measured"] + nv["time"]["stepdown_measured"]
    ) * scale
    print(f"  table                    {nv['time']['table']:9.3f} s")
    print(
        f"  refits, {naive_draws} draws measured {nv['time']['refits_measured']:9.3f} s"
        f"  -> {draws} draws (extrapolated) {nv['time']['ri_extrapolated']:9.1f} s"
    )

    # checks on the common draws
    checks = {
        "table_estimate_max_abs_diff": float(np.max(np.abs(te["estimate"] - nv["estimate"]))),
        "table_se_max_rel_diff": float(np.max(np.abs(te["std_error"] / nv["std_error"] - 1))),
        "t_observed_max_abs_diff": float(np.max(np.abs(te["t_observed"] - nv["t_observed"]))),
        "t_draws_max_abs_diff": float(np.max(np.abs(te["t_draws"][:naive_draws] - nv["t_draws"]))),
    }
    from trustexp.stats.multiple import romano_wolf

    p_te_common = ri_p_values(te["t_observed"], te["t_draws"][:naive_draws])
    rw_te_common = romano_wolf(te["t_observed"], te["t_draws"][:naive_draws])
    checks["ri_p_max_abs_diff_common_draws"] = float(np.max(np.abs(p_te_common - nv["p_ri"])))
    checks["rw_p_max_abs_diff_common_draws"] = float(np.max(np.abs(rw_te_common - nv["p_rw"])))
    checks["trustexp_ri_p_matches_formula"] = float(
        np.max(np.abs(te["p_ri"] - ri_p_values(te["t_observed"], te["t_draws"])))
    )
    checks["trustexp_rw_matches_loop"] = float(
        np.max(np.abs(te["p_rw"] - stepdown_loop(te["t_observed"], te["t_draws"])))
    )
    print(f"  checks on the {naive_draws} common draws (trustexp vs statsmodels):")
    for name, value in checks.items():
        print(f"    {name:<36} {value:.3g}")

    pf = None
    if not args.skip_pyfixest:
        print(
            f"\n[pyfixest: ritest-c and rwolf {pf_draws} draws; ritest-t {args.pyfixest_t_draws}"
            f" draws measured, extrapolated x{pf_draws / args.pyfixest_t_draws:g}]"
        )
        pf = run_pyfixest(trial, pf_draws, args.pyfixest_t_draws, args.pyfixest_ri_outcomes)
        memory["after_pyfixest"] = peak_rss_mb()
        if pf is not None:
            pf["time"]["ritest_t_extrapolated"] = (
                pf["time"]["ritest_t_measured"] * pf_draws / args.pyfixest_t_draws
            )
            print(
                f"  numba threads {pf['numba_threads']}; ritest-c measured on "
                f"{pf['ri_outcomes']} of {k} outcomes ({pf['ri_outcomes'] * m} tests) at "
                f"{pf_draws} draws, scaled x{k / pf['ri_outcomes']:g} to {k * m} tests"
            )
            for name, value in pf["time"].items():
                print(f"  {name:<26} {value:9.3f} s")
            checks["pyfixest_table_estimate_max_abs_diff"] = float(
                np.max(np.abs(pf["estimate"] - te["estimate"]))
            )
            checks["pyfixest_table_se_max_rel_diff"] = float(
                np.max(np.abs(pf["std_error"] / te["std_error"] - 1))
            )
            print(
                f"  estimates vs trustexp: max |diff| "
                f"{checks['pyfixest_table_estimate_max_abs_diff']:.3g}, "
                f"HC2 SE max rel diff {checks['pyfixest_table_se_max_rel_diff']:.3g}"
            )

    # summary
    tt, nt = te["time"], nv["time"]
    pf_scale = draws / pf_draws
    pft = pf["time"] if pf else {}
    ri_c = pft["ritest_c"] * pf_scale if pf else None
    ri_t = pft["ritest_t_extrapolated"] * pf_scale if pf else None
    rwolf = pft["rwolf"] * pf_scale if pf else None
    joint = "ri_joint" in tt
    rows = [
        ("(a) effects table, 10 x 3, HC2", tt["table"], nt["table"], pft.get("table")),
        (f"(b) RI {draws}, 10 calls (one per outcome)", tt["ri"], nt["ri_extrapolated"], ri_c),
    ]
    if joint:
        rows.append(
            (f"(b) RI {draws}, one call (y is N x 10)", tt["ri_joint"], nt["ri_extrapolated"], ri_c)
        )
    best_ri = tt["ri_joint"] if joint else tt["ri"]
    rows.append(("    same, vs pyfixest ritest-t", best_ri, None, ri_t))
    rows.append(
        (f"(c) RW {draws}, 10 calls (one per outcome)", tt["rw"], nt["rw_extrapolated"], rwolf)
    )
    if joint:
        rows.append(
            (
                f"(c) RW {draws}, one call (y is N x 10)",
                tt["rw_joint"],
                nt["rw_extrapolated"],
                rwolf,
            )
        )
    if ev is not None:
        rows.append(
            ("evaluate(): table only (Holm)", ev["time"]["table"], nt["table"], pft.get("table"))
        )
        rows.append(
            (
                f"evaluate(): RI + RW {draws}",
                ev["time"]["ri_rw"],
                nt["rw_extrapolated"],
                None if not pf else ri_c + rwolf,
            )
        )
    print(
        f"\nSummary (seconds; naive = statsmodels loop extrapolated from {naive_draws} draws; "
        f"pyfixest ritest-t extrapolated from {args.pyfixest_t_draws} draws, ritest-c "
        f"from {pf['ri_outcomes'] if pf else 0} of {k} outcomes"
        + ("" if pf_draws == draws else f", ritest-c and rwolf from {pf_draws} draws")
        + "; trustexp RI and "
        "RW include drawing the assignments)"
    )
    print(
        f"  {'component':<42} {'trustexp':>9} {'naive':>9} {'pyfixest':>9} "
        f"{'naive/te':>9} {'pf/te':>8}"
    )
    summary = []
    for label, a, b, c in rows:
        r1 = b / a if b is not None else None
        r2 = c / a if c is not None else None
        summary.append(
            {
                "component": label.strip(),
                "trustexp": a,
                "naive": b,
                "pyfixest": c,
                "naive_over_trustexp": r1,
                "pyfixest_over_trustexp": r2,
            }
        )
        print(
            f"  {label:<42} {a:9.2f} "
            f"{'' if b is None else f'{b:9.1f}':>9} {'' if c is None else f'{c:9.1f}':>9} "
            f"{'' if r1 is None else f'{r1:9.0f}':>9} {'' if r2 is None else f'{r2:8.1f}':>8}"
        )
    info["load_average_1min_end"] = os.getloadavg()[0]
    print(
        f"load average at end {info['load_average_1min_end']:.2f} (timings are only "
        "comparable on an otherwise idle machine)"
    )
    print("peak RSS (MiB, cumulative): " + ", ".join(f"{k} {v:.0f}" for k, v in memory.items()))

    best_rw = tt["rw_joint"] if joint else tt["rw"]
    met_naive = min(nt["ri_extrapolated"] / best_ri, nt["rw_extrapolated"] / best_rw) >= RI_TARGET
    met_pf = pf is None or (min(ri_c, ri_t) > best_ri and rwolf > best_rw)
    print(
        f"targets (fastest trustexp path): RI and RW >= {RI_TARGET:g}x faster than naive: "
        f"{'met' if met_naive else 'MISSED'}; faster than pyfixest: "
        f"{'met' if met_pf else 'MISSED'}{' (not run)' if pf is None else ''}"
    )
    if te["joint_vs_separate_max_abs_diff"] is not None:
        checks["trustexp_one_call_vs_per_outcome_t_max_abs_diff"] = te[
            "joint_vs_separate_max_abs_diff"
        ]
    ok = (
        checks["t_draws_max_abs_diff"] < 1e-6
        and checks["ri_p_max_abs_diff_common_draws"] == 0
        and checks["rw_p_max_abs_diff_common_draws"] < 1e-12
        and checks.get("trustexp_one_call_vs_per_outcome_t_max_abs_diff", 0.0) < 1e-8
    )
    print(f"sanity (trustexp == statsmodels on common draws): {'ok' if ok else 'FAILED'}")

    if args.json is not None:
        payload = {
            "machine": info,
            "draws": draws,
            "naive_draws": naive_draws,
            "pyfixest_draws": pf_draws,
            "trustexp": te["time"],
            "naive": nv["time"],
            "pyfixest": pf["time"] if pf else None,
            "evaluate": ev["time"] if ev else None,
            "summary": summary,
            "checks": checks,
            "peak_rss_mib": memory,
        }
        args.json.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
