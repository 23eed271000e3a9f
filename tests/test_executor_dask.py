"""The executor: the same bits in process, on a Dask LocalCluster, for any chunking."""

from __future__ import annotations

import numpy as np
import pytest

from trustexp.errors import OptionError
from trustexp.executor import chunk_ranges, executor
from trustexp.planning.simulate import SimOutcome, SimulationSpec, simulate_design
from trustexp.stats.chunked import BLOCK, chunked_permutation_test
from trustexp.stats.randomisation import permutation_test

pytest.importorskip("distributed")

FIELDS = ("estimate", "std_error", "ci_low", "ci_high", "p_value")


def _spec() -> SimulationSpec:
    n = 240
    arm = np.tile(np.arange(3), n // 3)
    strata = np.repeat(np.arange(4), n // 4)
    clusters = np.arange(n) // 4 * 3 + arm  # whole clusters within one arm and stratum
    sites = np.repeat([0, 1], n // 2)
    return SimulationSpec(
        arm=arm, n_arms=3, strata=strata, clusters=clusters,
        site_masks=(np.ones(n, bool), sites == 0, sites == 1),
        outcomes=(SimOutcome(True, 0.2, (0.1, 0.05)), SimOutcome(False, 2.0, (0.5, 0.0))),
        icc=0.05, r2=0.3, attrition=0.1, alpha=0.05, se_type="CR2",
    )


def _ri() -> dict:
    rng = np.random.default_rng(2)
    n = 400
    return {"y": rng.normal(size=n), "arm": rng.integers(0, 3, n), "n_arms": 3,
            "strata": rng.integers(0, 4, n), "covariates": rng.normal(size=(n, 1))}


@pytest.fixture(scope="module")
def dask_ex():  # type: ignore[no-untyped-def]
    with executor(workers=2, processes=False) as ex:
        yield ex


@pytest.mark.slow
def test_design_simulation_bit_identical_on_dask(dask_ex) -> None:  # type: ignore[no-untyped-def]
    spec = _spec()
    here = simulate_design(spec, simulations=12, seed=9)
    for chunks in (1, 5, 12):
        there = simulate_design(spec, simulations=12, seed=9, executor=dask_ex, chunks=chunks)
        for f in FIELDS:
            assert np.array_equal(getattr(here, f), getattr(there, f), equal_nan=True), f
    assert np.isfinite(here.estimate).all()


def test_chunked_ri_bit_identical_on_dask(dask_ex) -> None:  # type: ignore[no-untyped-def]
    prob = _ri()
    draws = 2 * BLOCK + 17
    here = chunked_permutation_test(**prob, draws=draws, seed=4)
    assert here.t_draws.shape == (draws, 2)
    for tasks in (1, 2, 3):
        there = chunked_permutation_test(**prob, draws=draws, seed=4, executor=dask_ex, tasks=tasks)
        assert np.array_equal(here.t_draws, there.t_draws)
        assert np.array_equal(here.p_value, there.p_value)


def test_chunked_ri_equals_permutation_test_on_the_same_draws() -> None:
    """The blocks are those of draw_assignments: block 0 from the seed's generator, block 1
    from child 1 of its SeedSequence."""
    from trustexp.stats import draw_assignments

    prob = _ri()
    res = chunked_permutation_test(**prob, draws=BLOCK + 5, seed=4)
    assign = draw_assignments(prob["arm"], strata=prob["strata"], draws=BLOCK + 5, seed=4)
    ref = permutation_test(prob["y"], prob["arm"], assign, n_arms=3, strata=prob["strata"],
                           covariates=prob["covariates"])
    assert np.array_equal(res.t_draws, ref.t_draws)
    assert np.array_equal(res.t_observed, ref.t_observed)
    assert np.array_equal(res.p_value, ref.p_value)


def test_executor_options() -> None:
    assert chunk_ranges(10, 3) == [(0, 3), (3, 7), (7, 10)]
    assert chunk_ranges(2, 5) == [(0, 1), (1, 2)]
    with pytest.raises(OptionError, match="either 'workers' or 'scheduler'"):
        with executor(workers=1, scheduler="tcp://x:1"):
            pass
    with pytest.raises(OptionError, match="The 'workers' parameter of executor"):
        with executor(workers=0):
            pass
