"""Randomisation inference of an evaluation on Dask: the same bits as in this process.

The permutation test's draws are the design's randomiser's (one seeded stream,
drawn where the evaluation runs); the executor only computes their statistics,
in slices that end on the kernel's own batches, and the intervals' inversions.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import trustexp
from trustexp.cli import main
from trustexp.errors import OptionError
from trustexp.executor import InProcess, executor
from trustexp.stats import draw_assignments, permutation_test
from trustexp.stats.randomisation import CHUNK_BYTES, DRAW_BLOCK, kernel_batches

pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def dask_ex():  # type: ignore[no-untyped-def]
    with executor(workers=2, processes=False) as ex:
        yield ex


def _problem(n: int = 1500, k: int = 3):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(11)
    arm = rng.integers(0, 3, n)
    strata = rng.integers(0, 5, n)
    x = rng.normal(size=(n, 2))
    y = x @ np.array([0.4, -0.2])[:, None] + 0.1 * (arm == 1)[:, None] + rng.normal(size=(n, k))
    y[rng.random(n) < 0.05] = np.nan  # some persons without an outcome
    return y, arm, strata, x


@pytest.mark.slow
def test_permutation_test_bit_identical_for_any_tasks(dask_ex) -> None:  # type: ignore[no-untyped-def]
    y, arm, strata, x = _problem()
    assign = draw_assignments(arm, strata=strata, draws=613, seed=8)
    here = permutation_test(y, arm, assign, n_arms=3, strata=strata, covariates=x)
    same_stream = draw_assignments(arm, strata=strata, draws=613, seed=8)
    assert np.array_equal(assign, same_stream)  # the stream does not depend on the executor
    for tasks in (None, 1, 2, 7, 1000):
        there = permutation_test(y, arm, assign, n_arms=3, strata=strata, covariates=x,
                                 executor=dask_ex, tasks=tasks)
        assert np.array_equal(here.t_draws, there.t_draws, equal_nan=True), tasks
        assert np.array_equal(here.t_observed, there.t_observed)
        assert np.array_equal(here.p_value, there.p_value)
    in_process = permutation_test(y, arm, assign, n_arms=3, strata=strata, covariates=x,
                                  executor=InProcess(), tasks=3)
    assert np.array_equal(here.t_draws, in_process.t_draws, equal_nan=True)


def test_the_kernels_batches_never_cross_a_block() -> None:
    assert CHUNK_BYTES > 0
    for lo, hi, batch in ((0, 613, 7), (0, 10, 3), (3, 5, 10), (250, 1000, 1), (100, 900, 256)):
        units = kernel_batches(lo, hi, batch)
        assert units[0][0] == lo and units[-1][1] == hi
        assert all(a[1] == b[0] for a, b in zip(units, units[1:], strict=False))
        assert all(0 < b - a <= batch for a, b in units)
        assert all(a // DRAW_BLOCK == (b - 1) // DRAW_BLOCK for a, b in units)
        # the same batches whatever slice of the draws they are counted in
        mid = units[len(units) // 2][0]
        assert kernel_batches(lo, mid, batch) + kernel_batches(mid, hi, batch) == units


@pytest.mark.slow
def test_evaluate_on_a_scheduler_equals_the_run_here(dask_ex, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import trustexp.executor

    # the demo is small: without this its randomisation inference would stay here
    monkeypatch.setattr(trustexp.executor, "REMOTE_MIN", 0)
    address = dask_ex.client.scheduler.address
    opts = {"permutations": 150, "multiple_testing": "romano-wolf"}
    here = trustexp.evaluate(demo=True, **opts)
    there = trustexp.evaluate(demo=True, scheduler=address, **opts)
    assert "p_value_ri" in here.effects and here.effects["p_value_ri"].notna().any()
    assert here.effects["ri_ci_low"].notna().any()
    pd.testing.assert_frame_equal(here.effects, there.effects, check_exact=True)
    assert here.to_json() == there.to_json()
    # the options say where the work ran, not what the trial is: not recorded as overrides
    assert there.options["overridden"] == here.options["overridden"]
    again = here.with_options(scheduler=address)
    pd.testing.assert_frame_equal(here.effects, again.effects, check_exact=True)


@pytest.mark.slow
def test_cli_workers_give_the_same_json(capsys) -> None:  # type: ignore[no-untyped-def]
    args = ["estimate", "--demo", "--format", "json", "--permutations", "60",
            "--outcomes", "exit_to_work_24m"]
    assert main(args) == 0
    here = capsys.readouterr().out
    assert main([*args, "--workers", "2"]) == 0
    there = capsys.readouterr().out
    assert here == there
    assert any(r.get("p_value_ri") is not None for r in json.loads(here)["effects"])


@pytest.mark.parametrize(("options", "message"), [
    ({"workers": 0}, "The 'workers' parameter of evaluate must be an integer >= 1. Got 0 instead."),
    ({"workers": True}, "The 'workers' parameter of evaluate must be an integer >= 1. Got True"),
    ({"workers": 1.5}, "The 'workers' parameter of evaluate must be an integer >= 1. Got 1.5"),
    ({"scheduler": "localhost"}, "The 'scheduler' parameter of evaluate must be a scheduler "
     "address such as 'tcp://host:8786' (str). Got 'localhost' instead."),
    ({"workers": 2, "scheduler": "tcp://h:8786"}, "cannot both be given"),
])
def test_bad_execution_options(options, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(OptionError) as info:
        trustexp.evaluate(demo=True, **options)
    assert message in str(info.value)


def test_cli_execution_options_checked_alike(capsys) -> None:  # type: ignore[no-untyped-def]
    for cmd in (["estimate", "--demo"], ["design", "--demo"]):
        assert main([*cmd, "--workers", "zero"]) == 2
        err = capsys.readouterr().err
        assert "The 'workers' parameter of" in err and "Got 'zero' instead." in err
        assert "Traceback" not in err
    assert main(["report", "--demo", "-o", "x.html", "--scheduler", "nowhere"]) == 2
    assert "The 'scheduler' parameter of evaluate must be" in capsys.readouterr().err


def test_small_work_stays_in_this_process(dask_ex) -> None:  # type: ignore[no-untyped-def]
    from trustexp.executor import REMOTE_MIN, InProcess, active_for, running_on

    with running_on(dask_ex):
        assert isinstance(active_for(REMOTE_MIN - 1), InProcess)
        assert active_for(REMOTE_MIN) is dask_ex
    assert isinstance(active_for(REMOTE_MIN), InProcess)
