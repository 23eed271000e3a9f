"""Simulation study: the formula's MDE against trustexp's estimator on the declared design.

For each design, ``trustexp.design`` computes the MDE by formula and simulates
2,000 trials with the MDE as the effect; the simulated power (rejection at the
family's level alpha / tests) must be within 2 Monte Carlo standard errors of
the declared 0.8 (averaged over the arms, which share the control arm), and
the interval's coverage within 3 of 0.95. Run with ``make simulate``; the
table is in tests/simulation/README.md.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from trustexp.planning import design

HEAD = """\
[trial]
name = "{name}"
control_arm = "control"

[arms]
{arms}

[analysis]
seed = 2026

[[outcomes]]
id = "y"
source = "monthly"
measure = "{measure}"
window_months = 12
family = "f"

[design]
power = 0.8
simulations = 2000
{design}
"""

DESIGNS = {
    "two arms, continuous, 200 per arm": (
        2, "earnings_total", 'n_per_arm = 200\nsd = { y = 1000 }'),
    "four arms, binary 15%, 150 per arm, R2 0.2, Holm over 3": (
        4, "exit_to_work", 'n_per_arm = 150\nbase_rate = { y = 0.15 }\nr2 = 0.2'),
    "three arms, continuous, clusters of 10 (ICC 0.05), 300 per arm": (
        3, "earnings_total", 'n_per_arm = 300\nsd = { y = 1000 }\nicc = 0.05\ncluster_size = 10'),
    "two arms, binary 40%, 2:1 allocation, attrition 10%": (
        2, "exit_to_work",
        'n_per_arm = { control = 300, arm1 = 150 }\nbase_rate = { y = 0.4 }\nattrition = 0.1'),
}


def run(name: str, tmp: Path) -> list[dict]:
    k, measure, extra = DESIGNS[name]
    arms = "\n".join(['control = "Control"', *[f'arm{i} = "Arm {i}"' for i in range(1, k)]])
    folder = tmp / f"d{abs(hash(name))}"
    folder.mkdir()
    (folder / "trial.toml").write_text(HEAD.format(name=name, arms=arms, measure=measure,
                                                   design=extra), encoding="utf-8")
    return design(folder).table.to_dict("records")


@pytest.mark.slow
@pytest.mark.parametrize("name", list(DESIGNS))
def test_simulated_power_at_the_formula_mde(name: str, tmp_path: Path) -> None:
    rows = run(name, tmp_path)
    power = np.mean([r["power_sim"] for r in rows])
    mcse = max(r["power_mcse"] for r in rows)
    cover = np.mean([r["coverage"] for r in rows])
    for r in rows:
        print(f"| {name} | {r['arm']} | {r['alpha']:.4f} | {r['mde']:.4g} | {r['power_sim']:.3f} "
              f"| {r['power_mcse']:.3f} | {r['coverage']:.3f} | {r['bias']:.3g} | {r['type_m']:.2f} |")
    assert abs(power - 0.8) <= 2 * mcse
    assert abs(cover - 0.95) <= 3 * np.sqrt(0.95 * 0.05 / 2000)
