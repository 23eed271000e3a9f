"""Attrition: does response differ by arm, and what could that do to the effect?

:func:`differential_attrition` tests that the response rate is the same in
all arms (Wald F on the arm indicators, robust covariance; see
:mod:`trustexp.stats.balance`). :func:`lee_bounds` (:mod:`trustexp.stats.lee`)
gives Lee's (2009) sharp bounds on the effect among those who would respond in
either arm, by trimming the group with the higher response rate within each
stratum, with standard errors and Imbens-Manski intervals.

Trimming convention: the trimmed group's observed outcomes are sorted and a
share ``p`` of them is removed, exactly: the kept share ``(1 - p) n`` may be
fractional, and the boundary observation then enters with its fractional
weight. The trimmed mean is the mean of the empirical quantile function over
the kept share, so ties (binary or discrete outcomes) need no rule.
"""

from __future__ import annotations

import numpy as np

from trustexp.errors import OptionError
from trustexp.literals import SeType
from trustexp.stats import _checks
from trustexp.stats import _matrices as _design
from trustexp.stats._threads import blas_limited
from trustexp.stats.balance import (
    JOINT_METHODS,
    JointMethod,
    JointTest,
    check_clusters,
    htz_f,
    randomisation_wald,
    tested_columns,
    wald_f,
)
from trustexp.stats.lee import LeeBounds, lee_bounds, trimmed_mean

__all__ = [
    "MIN_MINORITY",
    "LeeBounds",
    "differential_attrition",
    "lee_bounds",
    "trimmed_mean",
]


#: Fewer people than this on the smaller side of the response (responded or
#: not) make the test "not testable": the response is constant or nearly so.
MIN_MINORITY = 2


@blas_limited
def differential_attrition(
    responded: np.ndarray,
    arm: np.ndarray,
    *,
    n_arms: int,
    strata: np.ndarray | None = None,
    clusters: np.ndarray | None = None,
    se_type: SeType = "HC2",
    method: JointMethod = "randomisation",
    draws: int = 1000,
    seed: int = 0,
) -> JointTest:
    """Test that the response rate does not differ between arms.

    Linear probability model of ``responded`` on the indicators of arms
    1..m (and strata fixed effects); Wald F statistic that all arm
    coefficients are zero, with its p-value from the randomisation test
    (default: the arms re-drawn within strata, whole clusters, counts fixed)
    from the HTZ test of ``clubSandwich`` (``method="htz"``) or from the F
    distribution (``method="wald"``); see
    :mod:`trustexp.stats.balance`. Arms absent from the data are left out of
    the test (``df1``). A response that is constant, or with fewer than
    :data:`MIN_MINORITY` people on its smaller side, is not testable (no
    statistic, no p-value, ``testable=False``): a Wald F there measures
    floating-point noise.

    Parameters
    ----------
    responded : (n,) 0/1
    arm : (n,) int
        Arm codes ``0..n_arms-1``.
    n_arms : int
    strata, clusters : (n,) int or None
    se_type : {"HC0", "HC1", "HC2", "HC3", "CR0", "CR1", "CR2"}
    method : {"randomisation", "htz", "wald"}
    draws : int
        Re-randomisations of the randomisation test.
    seed : int

    Returns
    -------
    JointTest
    """
    from trustexp.stats.randomisation import DrawReader, assignment_draws

    fn = "differential_attrition"
    se = _checks.check_choice(fn, "se_type", se_type, _checks.SE_TYPES)
    how = _checks.check_choice(fn, "method", method, JOINT_METHODS)
    y = _checks.check_vector(fn, "responded", responded)
    if not np.isin(y, (0.0, 1.0)).all():
        raise OptionError(f"The 'responded' parameter of {fn} must hold 0/1 values.")
    n = y.shape[0]
    n_arms = _checks.check_n_arms(fn, n_arms)
    a = _checks.check_codes(fn, "arm", arm, n, n_arms)
    st = None if strata is None else _checks.check_codes(fn, "strata", strata, n)
    cl = check_clusters(fn, se, clusters, n)
    present = np.unique(a)
    minority = int(min(y.sum(), n - y.sum()))
    if minority < MIN_MINORITY:
        nan = float("nan")
        return JointTest(nan, int(present.size - 1), nan, nan, n, method=how, testable=False,
                         reason="constant response" if minority == 0
                         else "nearly constant response")
    if how == "htz":
        return htz_f(y, st, _design.dummies(a, n_arms), se, cl, fn)
    observed = wald_f(y, st, _design.dummies(a, n_arms), se, cl)
    if how == "wald":
        return observed
    b = _checks.check_n_draws(fn, draws)
    assignments = DrawReader(assignment_draws(a, strata=st, clusters=cl, draws=b, seed=seed))
    tested_arms = present[present > 0]
    # the arm columns wald_f keeps (an arm that makes up whole strata is not identified)
    keep = tested_columns(st, _design.dummies(a, n_arms))
    codes = np.flatnonzero(keep) + 1
    codes = codes[np.isin(codes, tested_arms)]

    def tested(lo: int, hi: int) -> np.ndarray:
        return (assignments(lo, hi)[:, :, None] == codes[None, None, :]).astype(np.float64)

    return randomisation_wald(observed, lambda lo, hi: y, st, tested, se, cl, b)
