"""Statistical kernels: pure functions over numpy arrays, immutable result records.

Effects (:func:`estimate_itt`), randomisation inference
(:func:`draw_assignments`, :func:`permutation_test`), multiple testing
(:func:`holm`, :func:`benjamini_hochberg`, :func:`romano_wolf`, :func:`adjust`),
balance (:func:`joint_test`, :func:`standardised_difference`), attrition
(:func:`differential_attrition`, :func:`lee_bounds`), complier effects
(:func:`estimate_iv`) and randomisation-inference intervals
(:func:`ri_confidence_interval`).
"""

from __future__ import annotations

from trustexp.stats.attrition import LeeBounds, differential_attrition, lee_bounds
from trustexp.stats.balance import JointTest, joint_test, standardised_difference
from trustexp.stats.itt import ITTResult, estimate_itt
from trustexp.stats.iv import IVResult, estimate_iv
from trustexp.stats.multiple import adjust, benjamini_hochberg, holm, romano_wolf
from trustexp.stats.randomisation import (
    PermutationResult,
    RIInterval,
    draw_assignments,
    permutation_test,
    ri_confidence_interval,
)

__all__ = [
    "ITTResult",
    "IVResult",
    "JointTest",
    "LeeBounds",
    "PermutationResult",
    "RIInterval",
    "adjust",
    "benjamini_hochberg",
    "differential_attrition",
    "draw_assignments",
    "estimate_itt",
    "estimate_iv",
    "holm",
    "joint_test",
    "lee_bounds",
    "permutation_test",
    "ri_confidence_interval",
    "romano_wolf",
    "standardised_difference",
]
