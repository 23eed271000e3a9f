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

from trustexp.config import SeType
from trustexp.errors import OptionError
from trustexp.stats import _checks
from trustexp.stats import _matrices as _design
from trustexp.stats._threads import blas_limited
from trustexp.stats.balance import JointTest, check_clusters, wald_f
from trustexp.stats.lee import LeeBounds, lee_bounds, trimmed_mean

__all__ = ["LeeBounds", "differential_attrition", "lee_bounds", "trimmed_mean"]


@blas_limited
def differential_attrition(
    responded: np.ndarray,
    arm: np.ndarray,
    *,
    n_arms: int,
    strata: np.ndarray | None = None,
    clusters: np.ndarray | None = None,
    se_type: SeType = "HC2",
) -> JointTest:
    """Test that the response rate does not differ between arms.

    Linear probability model of ``responded`` on the indicators of arms
    1..m (and strata fixed effects); Wald F test that all arm coefficients are
    zero. Arms absent from the data are left out of the test (``df1``).

    Parameters
    ----------
    responded : (n,) 0/1
    arm : (n,) int
        Arm codes ``0..n_arms-1``.
    n_arms : int
    strata, clusters : (n,) int or None
    se_type : {"HC0", "HC1", "HC2", "HC3", "CR0", "CR1", "CR2"}

    Returns
    -------
    JointTest
    """
    fn = "differential_attrition"
    se = _checks.check_choice(fn, "se_type", se_type, _checks.SE_TYPES)
    y = _checks.check_vector(fn, "responded", responded)
    if not np.isin(y, (0.0, 1.0)).all():
        raise OptionError(f"The 'responded' parameter of {fn} must hold 0/1 values.")
    n = y.shape[0]
    n_arms = _checks.check_n_arms(fn, n_arms)
    a = _checks.check_codes(fn, "arm", arm, n, n_arms)
    st = None if strata is None else _checks.check_codes(fn, "strata", strata, n)
    cl = check_clusters(fn, se, clusters, n)
    return wald_f(y, _design.fixed_block(n, st, None), _design.dummies(a, n_arms), se, cl)
