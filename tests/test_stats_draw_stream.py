"""The seeded stream of re-randomisations in blocks: its definition (checked against a loop
written from the documentation), its blocks drawn anywhere with the same bits, and the
consumers that never hold the (draws, N) matrix."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

import trustexp
from trustexp.stats import _threads, draw_assignments, permutation_test
from trustexp.stats import randomisation as rnd
from trustexp.stats.randomisation import (
    DRAW_BLOCK,
    AssignmentDraws,
    DrawReader,
    assignment_draws,
    prepare_permutation_test,
    redrawn_statistics,
)


def _design(n: int = 240, n_strata: int = 5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    strata = rng.integers(0, n_strata, n)
    arm = rng.integers(0, 3, n)
    return arm, strata


def _by_the_book(arm: np.ndarray, strata: np.ndarray, draws: int, seed: int) -> np.ndarray:
    """The documented stream, one draw block at a time: block 0 from default_rng(seed),
    block b from child b of SeedSequence(seed); within a block, the strata in order of their
    codes, each permuted along the draws' rows by Generator.permuted."""
    out = np.empty((draws, arm.size), dtype=np.int8)
    children = np.random.SeedSequence(seed).spawn(max(1, -(-draws // 256)))
    for b, lo in enumerate(range(0, draws, 256)):
        hi = min(draws, lo + 256)
        rng = np.random.default_rng(seed) if b == 0 else np.random.default_rng(children[b])
        for s in np.unique(strata):
            idx = np.flatnonzero(strata == s)
            block = np.tile(arm[idx].astype(np.int64), (hi - lo, 1))
            rng.permuted(block, axis=1, out=block)
            out[lo:hi, idx] = block
    return out


def test_the_stream_is_the_documented_one() -> None:
    arm, strata = _design()
    for draws in (1, 255, 256, 257, 700):
        np.testing.assert_array_equal(draw_assignments(arm, strata=strata, draws=draws, seed=11),
                                      _by_the_book(arm, strata, draws, 11))
    assert DRAW_BLOCK == 256


def test_the_first_block_is_the_seeds_own_generator() -> None:
    # one draw (the lottery of trustexp randomise) and up to 256 draws are what they were
    # before the stream had blocks: the permutations of default_rng(seed) in turn
    arm, strata = _design()
    rng = np.random.default_rng(5)
    first = np.empty(arm.size, dtype=np.int64)
    for s in np.unique(strata):
        idx = np.flatnonzero(strata == s)
        block = arm[idx].astype(np.int64)[None, :].copy()
        rng.permuted(block, axis=1, out=block)
        first[idx] = block[0]
    np.testing.assert_array_equal(draw_assignments(arm, strata=strata, draws=1, seed=5)[0], first)


def test_a_block_does_not_depend_on_the_number_of_draws_or_the_others() -> None:
    # the full blocks are the same for any number of draws (the last, shorter block
    # permutes each stratum over fewer rows, so it is its own)
    arm, strata = _design()
    long = draw_assignments(arm, strata=strata, draws=3 * DRAW_BLOCK + 9, seed=2)
    short = draw_assignments(arm, strata=strata, draws=2 * DRAW_BLOCK + 4, seed=2)
    np.testing.assert_array_equal(long[: 2 * DRAW_BLOCK], short[: 2 * DRAW_BLOCK])
    stream = assignment_draws(arm, strata=strata, draws=3 * DRAW_BLOCK + 9, seed=2)
    for b in reversed(range(stream.n_blocks)):  # any order
        lo, hi = stream.bounds(b)
        np.testing.assert_array_equal(stream.block(b), long[lo:hi])
    assert stream.n_blocks == 4 and stream.bounds(3) == (3 * DRAW_BLOCK, 3 * DRAW_BLOCK + 9)


def test_blocks_keep_the_strata_counts_and_move_whole_clusters() -> None:
    rng = np.random.default_rng(3)
    clusters = np.repeat(np.arange(60), 4)
    strata = np.repeat(np.arange(60) % 3, 4)
    arm = np.repeat(rng.integers(0, 2, 60), 4)
    stream = assignment_draws(arm, strata=strata, clusters=clusters, draws=600, seed=9)
    for b in range(stream.n_blocks):
        block = stream.block(b)
        for s in range(3):
            in_s = strata == s
            assert (block[:, in_s].sum(axis=1) == arm[in_s].sum()).all()
        within = block.reshape(block.shape[0], 60, 4)
        assert (within == within[:, :, :1]).all()


def test_the_matrix_is_the_same_on_any_number_of_threads(monkeypatch) -> None:
    arm, strata = _design(n=500)
    many = draw_assignments(arm, strata=strata, draws=1000, seed=4)
    monkeypatch.setattr(_threads, "WORK_THREADS", 1)
    np.testing.assert_array_equal(draw_assignments(arm, strata=strata, draws=1000, seed=4), many)


@pytest.mark.parametrize("chunks", [[1000], [1, 255, 1, 300, 443], [7] * 143, [256, 256, 488]])
def test_the_reader_gives_the_matrix_in_any_chunks(chunks: list[int]) -> None:
    arm, strata = _design()
    stream = assignment_draws(arm, strata=strata, draws=sum(chunks), seed=6)
    whole = stream.matrix()
    read = DrawReader(stream)
    lo = 0
    for size in chunks:
        np.testing.assert_array_equal(read(lo, lo + size), whole[lo : lo + size])
        lo += size
    np.testing.assert_array_equal(read(3, 3), whole[3:3])


def test_seed_and_draws_are_checked() -> None:
    arm, strata = _design()
    with pytest.raises(trustexp.OptionError, match="'seed' parameter of draw_assignments"):
        assignment_draws(arm, strata=strata, draws=3, seed=-1)
    with pytest.raises(trustexp.OptionError, match="'draws' parameter"):
        assignment_draws(arm, strata=strata, draws=-3, seed=1)
    assert assignment_draws(arm, draws=0, seed=1).matrix().shape == (0, arm.size)


class _Here:
    """An executor that runs the tasks here (to check the split into tasks alone)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.tasks: list[Any] = []

    def map(self, fn: Callable[[Any, Any], Any], shared: Any, items: Sequence[Any]) -> list[Any]:
        self.tasks.extend(items)
        return [fn(shared, item) for item in items]


def _problem(n: int = 300) -> dict[str, Any]:
    rng = np.random.default_rng(8)
    arm, strata = _design(n=n, seed=8)
    y = rng.normal(size=n) + 0.3 * (arm == 1)
    y[rng.random(n) < 0.1] = np.nan
    return dict(y=y, arm=arm, strata=strata, covariates=rng.normal(size=(n, 2)), n_arms=3)


def test_permutation_test_on_the_stream_equals_the_matrix(monkeypatch) -> None:
    p = _problem()
    draws = 2 * DRAW_BLOCK + 37
    stream = assignment_draws(p["arm"], strata=p["strata"], draws=draws, seed=12)
    kw = dict(n_arms=3, strata=p["strata"], covariates=p["covariates"], adjustment="lin")
    ref = permutation_test(p["y"], p["arm"], stream.matrix(), **kw)
    monkeypatch.setattr(AssignmentDraws, "matrix", _never)
    for ex, tasks in ((None, None), (_Here(1), None), (_Here(2), 3), (_Here(3), 100)):
        res = permutation_test(p["y"], p["arm"], stream, executor=ex, tasks=tasks, **kw)
        assert np.array_equal(res.t_draws, ref.t_draws, equal_nan=True)
        assert np.array_equal(res.p_value, ref.p_value)
    # the batches of the kernel are the same in any slicing of given draws
    monkeypatch.setattr(rnd, "CHUNK_BYTES", 1)
    one = permutation_test(p["y"], p["arm"], stream, **kw)
    matrix = np.concatenate([stream.block(b) for b in range(stream.n_blocks)])
    for tasks in (1, 2, 5, 1000):
        sliced = permutation_test(p["y"], p["arm"], matrix, executor=_Here(2), tasks=tasks, **kw)
        assert np.array_equal(sliced.t_draws, one.t_draws, equal_nan=True)


_matrix = AssignmentDraws.matrix


def _never(self: AssignmentDraws) -> np.ndarray:
    # one block may be drawn whole (the subgroups' tests use at most 200 draws)
    if self.n_blocks > 1:
        raise AssertionError("the whole (draws, N) matrix was drawn")
    return _matrix(self)


def test_a_stream_of_the_wrong_design_is_refused() -> None:
    p = _problem()
    other = assignment_draws(p["arm"][:-1], draws=5, seed=1)
    with pytest.raises(trustexp.OptionError, match="must re-randomise the 300 rows"):
        permutation_test(p["y"], p["arm"], other, n_arms=3)
    four = assignment_draws(np.r_[p["arm"][:-1], 3], draws=5, seed=1)
    with pytest.raises(trustexp.OptionError, match="codes 0..2"):
        permutation_test(p["y"], p["arm"], four, n_arms=3)


def test_several_statistics_share_each_block() -> None:
    p = _problem()
    stream = assignment_draws(p["arm"], strata=p["strata"], draws=600, seed=3)
    drawn: list[int] = []

    class Counted:
        def __init__(self, inner: AssignmentDraws) -> None:
            self.inner = inner

        def __getattr__(self, name: str) -> Any:
            return getattr(self.inner, name)

        def block(self, b: int) -> np.ndarray:
            drawn.append(b)
            return self.inner.block(b)

    first = prepare_permutation_test(p["y"], p["arm"], n_arms=3, strata=p["strata"])
    second = prepare_permutation_test(p["y"], p["arm"], n_arms=3, strata=p["strata"],
                                      covariates=p["covariates"], se_type="HC1")

    def means(assign: np.ndarray, start: int = 0) -> np.ndarray:
        return assign.mean(axis=1)

    out = redrawn_statistics(Counted(stream), [first, second, means],  # type: ignore[arg-type]
                             executor=_Here(2))
    assert sorted(drawn) == [0, 1, 2]  # each block drawn once for the three statistics
    matrix = stream.matrix()
    for stat, got in zip((first, second), out, strict=False):
        assert np.array_equal(got, stat(matrix), equal_nan=True)
    np.testing.assert_array_equal(out[2], matrix.mean(axis=1))
    empty = assignment_draws(p["arm"], draws=0, seed=3)
    assert [a.shape[0] for a in redrawn_statistics(empty, [first, means])] == [0, 0]


def test_nested_pieces_run_on_their_own_thread(monkeypatch) -> None:
    import threading

    monkeypatch.setattr(_threads, "WORK_THREADS", 2)
    outer: dict[int, set[int]] = {}

    def piece(i: int) -> int:
        inner = _threads.on_threads(lambda j: threading.get_ident(), range(4))
        outer[i] = set(inner)
        return i

    assert _threads.on_threads(piece, range(3)) == [0, 1, 2]
    assert all(len(ids) == 1 for ids in outer.values())


def test_evaluate_never_draws_the_whole_matrix(monkeypatch) -> None:
    # the effects, balance and attrition tests all read the stream block by block; the
    # randomisation-inference intervals (left out here) invert their test on one arm
    # pair's draws held whole, as test inversion reads them many times
    import trustexp.analysis.effects as effects

    monkeypatch.setattr(AssignmentDraws, "matrix", _never)
    monkeypatch.setattr(effects, "_ri_intervals", lambda *args: None)
    ev = trustexp.evaluate(demo=True, permutations=300)
    assert ev.effects["p_value_ri"].notna().any()
    assert (ev.balance_tests["method"] == "randomisation").any()


def test_evaluate_is_the_same_on_one_thread(monkeypatch) -> None:
    many = trustexp.evaluate(demo=True, permutations=300)
    monkeypatch.setattr(_threads, "WORK_THREADS", 1)
    one = trustexp.evaluate(demo=True, permutations=300)
    for name in ("effects", "balance_tests", "attrition_tests"):
        a, b = many.frame(name), one.frame(name)
        assert a.equals(b), name
