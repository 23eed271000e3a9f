"""The gate's joint check drops relations that cannot help before solving; the answer must be
that of one least-squares solve over the whole component (checked on random relation systems)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from trustexp.disclosure import _Gate


def _determined(gate: SimpleNamespace, unknown: list[int], targets: list[int],
                crel: list[int]) -> set[int]:
    """The gate's answer: its blocks after dropping, each checked exactly."""
    return {j for block in _Gate._blocks(gate, unknown, targets, crel)  # type: ignore[arg-type]
            for j in block.determined()}


def _brute_force(members: list[list[int]], unknown: list[int], targets: list[int]) -> set[int]:
    col = {j: c for c, j in enumerate(unknown)}
    a = np.zeros((len(members), len(unknown)))
    for r, mem in enumerate(members):
        for pos, j in enumerate(mem):
            if j in col:
                a[r, col[j]] += 1.0 if pos == 0 else -1.0
    out = set()
    for j in targets:
        e = np.zeros(len(unknown))
        e[col[j]] = 1.0
        x, *_ = np.linalg.lstsq(a.T, e, rcond=None)
        if np.abs(a.T @ x - e).max() < 1e-8:
            out.add(j)
    return out


@pytest.mark.parametrize("seed", range(40))
def test_dropping_relations_gives_the_answer_of_one_solve(seed):
    rng = np.random.default_rng(seed)
    n_facts = int(rng.integers(6, 30))
    members = []
    for _ in range(int(rng.integers(2, 20))):
        size = int(rng.integers(2, 6))
        members.append([int(v) for v in rng.choice(n_facts, size, replace=False)])
    known = rng.random(n_facts) < 0.4
    unknown = [j for j in range(n_facts) if not known[j]]
    targets = [j for j in unknown if rng.random() < 0.5]
    gate = SimpleNamespace(members=members, note=[])
    crel = [i for i, mem in enumerate(members) if any(j in unknown for j in mem)]
    got = _determined(gate, unknown, targets, crel)
    assert got == _brute_force([members[i] for i in crel], unknown, targets)


def test_a_chain_of_totals_is_solved_after_dropping_the_free_ends():
    # 0 = 1 + 2, 1 = 3 + 4, with 0, 3 known: 2 and 4 unknown but tied (2 = 0 - 3 - 4), and
    # a free relation 5 = 6 + 7 whose unknowns 6, 7 appear nowhere else.
    members = [[0, 1, 2], [1, 3, 4], [5, 6, 7], [4, 8]]
    unknown = [1, 2, 4, 6, 7, 8]
    gate = SimpleNamespace(members=members, note=[])
    # 8 = 4 (last relation) and 4 = 1 - 3: nothing pins 1, 2, 4 or 8 on their own
    assert _determined(gate, unknown, [2, 4, 6], [0, 1, 2, 3]) == set()
    # knowing 1 as well pins 4 (= 1 - 3) and 2 (= 0 - 1)
    unknown = [2, 4, 6, 7, 8]
    assert _determined(gate, unknown, [2, 4, 6], [0, 1, 2, 3]) == {2, 4}
