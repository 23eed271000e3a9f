"""Statistical kernels: pure functions over numpy arrays, immutable result records.

Effects (:func:`estimate_itt`), randomisation inference
(:func:`draw_assignments`, :func:`permutation_test`), multiple testing
(:func:`holm`, :func:`benjamini_hochberg`, :func:`romano_wolf`, :func:`adjust`),
balance (:func:`joint_test`, :func:`standardised_difference`) and attrition
(:func:`differential_attrition`, :func:`lee_bounds`).
"""

from __future__ import annotations

from trustexp.stats.attrition import LeeBounds, differential_attrition, lee_bounds
from trustexp.stats.balance import JointTest, joint_test, standardised_difference
from trustexp.stats.itt import ITTResult, estimate_itt
from trustexp.stats.multiple import adjust, benjamini_hochberg, holm, romano_wolf
from trustexp.stats.randomisation import PermutationResult, draw_assignments, permutation_test

__all__ = [
    "ITTResult",
    "JointTest",
    "LeeBounds",
    "PermutationResult",
    "adjust",
    "benjamini_hochberg",
    "differential_attrition",
    "draw_assignments",
    "estimate_itt",
    "holm",
    "joint_test",
    "lee_bounds",
    "permutation_test",
    "romano_wolf",
    "standardised_difference",
]
