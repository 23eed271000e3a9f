"""Write the data of survival.R and paths.R (run from the worktree root).

``data/survival_demo.csv``: the demo's pooled time_to_exit (time, event, arm, block).
``data/survival_clustered.csv``: a simulated trial with clusters, strata and censoring.
``data/paths_panel.csv``: a simulated monthly panel (persons x 8 months, with gaps and
clusters) for the month-by-month effects.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent / "data"


def demo() -> None:
    import trustexp
    from trustexp.analysis.samples import analysis_samples
    from trustexp.outcomes import derive_outcomes

    trial = trustexp.load_trial(Path(trustexp.__file__).parent / "demo")
    out = derive_outcomes(trial)
    s = analysis_samples(trial.config, trial.participants)[0]
    t = out["time_to_exit_24m"].to_numpy()[s.rows]
    d = out["time_to_exit_24m__event"].to_numpy()[s.rows]
    ok = np.isfinite(t)
    pd.DataFrame({"time": t[ok].astype(int), "event": d[ok].astype(int), "arm": s.arm[ok],
                  "block": s.blocks[ok], "cluster": np.arange(ok.sum())}).to_csv(
        HERE / "survival_demo.csv", index=False)


def clustered() -> None:
    rng = np.random.default_rng(20261201)
    g = 60
    cl_arm = rng.integers(0, 3, g)
    cl_block = np.arange(g) % 4
    size = rng.integers(5, 15, g)
    cl = np.repeat(np.arange(g), size)
    arm, block = cl_arm[cl], cl_block[cl]
    frailty = rng.normal(0, 0.4, g)[cl]
    hazard = 0.06 * np.exp(0.35 * (arm == 1) - 0.2 * (arm == 2) + frailty + 0.1 * block)
    t_exit = rng.geometric(np.clip(hazard, 0, 0.9))
    t_cens = np.where(rng.random(cl.size) < 0.3, rng.integers(1, 25, cl.size), 99)
    tau = 24
    time = np.minimum.reduce([t_exit, t_cens, np.full(cl.size, tau)])
    event = (t_exit <= np.minimum(t_cens, tau)).astype(int)
    pd.DataFrame({"time": time, "event": event, "arm": arm, "block": block,
                  "cluster": cl}).to_csv(HERE / "survival_clustered.csv", index=False)


def panel() -> None:
    rng = np.random.default_rng(7)
    n, months = 240, 8
    cluster = rng.integers(0, 30, n)
    arm = rng.integers(0, 3, n)
    stratum = rng.integers(0, 3, n)
    x = rng.normal(size=n)
    rows = []
    for i in range(n):
        for t in range(1, months + 1):
            if rng.random() < 0.08:
                continue  # a gap
            p = 0.2 + 0.02 * t + 0.05 * (arm[i] == 1) * (t > 3) + 0.05 * x[i]
            rows.append((i, t, int(rng.random() < p), arm[i], stratum[i], x[i], cluster[i]))
    pd.DataFrame(rows, columns=["person", "month", "y", "arm", "stratum", "x", "cluster"]).to_csv(
        HERE / "paths_panel.csv", index=False)


if __name__ == "__main__":
    demo()
    clustered()
    panel()
