"""Attrition: does response differ by arm, and what could that do to the effect?

:func:`differential_attrition` tests that the response rate is the same in
all arms (Wald F on the arm indicators, robust covariance; see
:mod:`trustexp.stats.balance`). :func:`lee_bounds` gives Lee's (2009) sharp
bounds on the effect among those who would respond in either arm, by trimming
the group with the higher response rate.

Trimming convention: the trimmed group's observed outcomes are sorted and a
share ``p`` of them is removed, exactly: the kept share ``(1 - p) n`` may be
fractional, and the boundary observation then enters with its fractional
weight. The trimmed mean is the mean of the empirical quantile function over
the kept share, so ties (binary or discrete outcomes) need no rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from trustexp.errors import OptionError
from trustexp.literals import SeType
from trustexp.stats import _checks
from trustexp.stats import _matrices as _design
from trustexp.stats._threads import blas_limited
from trustexp.stats.balance import JointTest, check_clusters, wald_f

__all__ = ["LeeBounds", "differential_attrition", "lee_bounds", "trimmed_mean"]


@dataclass(frozen=True, slots=True)
class LeeBounds:
    """Lee (2009) bounds on the effect for those who respond in either arm.

    Attributes
    ----------
    lower, upper : float
        Bounds on the difference in mean outcome, treated minus control.
    trimming_share : float
        Share ``p = (q_high - q_low) / q_high`` of the observed outcomes of the
        trimmed group that was removed.
    trimmed_group : {"treated", "control", "none"}
        The group with the higher response rate ("none" when they are equal).
    n : int
        People in the two groups (respondents and non-respondents).
    """

    lower: float
    upper: float
    trimming_share: float
    trimmed_group: Literal["treated", "control", "none"]
    n: int


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


def trimmed_mean(values: np.ndarray, share: float, side: Literal["top", "bottom"]) -> float:
    """Mean after removing a share of the values from one side, fractionally.

    Parameters
    ----------
    values : (k,) float
    share : float in [0, 1)
        Share of the values removed.
    side : {"top", "bottom"}
        Remove the largest ("top") or the smallest ("bottom") values.
    """
    v = np.sort(np.asarray(values, dtype=np.float64))
    if side == "bottom":
        v = v[::-1]
    kept = (1.0 - share) * v.size
    whole = int(np.floor(kept))
    total = v[:whole].sum()
    if whole < v.size:
        total += (kept - whole) * v[whole]
    return float(total / kept)


def lee_bounds(y: np.ndarray, treated: np.ndarray, observed: np.ndarray) -> LeeBounds:
    """Lee (2009) trimming bounds on the treated-control difference in means.

    With response rates ``q_t`` and ``q_c``: if ``q_t > q_c`` the treated
    respondents' outcomes are trimmed by ``p = (q_t - q_c) / q_t``, from the top
    for the lower bound and from the bottom for the upper bound; if
    ``q_c > q_t`` the control respondents' outcomes are trimmed by
    ``(q_c - q_t) / q_c``, from the bottom for the lower bound and from the top
    for the upper bound. Fractional trimming (see the module notes).

    Parameters
    ----------
    y : (n,) float
        Outcome; only read where ``observed`` (NaN allowed elsewhere).
    treated : (n,) bool
        Treated arm (True) or control (False).
    observed : (n,) bool
        Outcome observed (responded).

    Returns
    -------
    LeeBounds
        NaN bounds when a group has no respondents.
    """
    fn = "lee_bounds"
    yv = _checks.check_vector(fn, "y", y, finite=False)
    n = yv.shape[0]
    t = np.asarray(treated)
    o = np.asarray(observed)
    for name, arr in (("treated", t), ("observed", o)):
        if arr.shape != (n,) or arr.dtype != bool:
            raise OptionError(
                f"The {name!r} parameter of {fn} must be a boolean array of length {n}. "
                f"Got dtype {arr.dtype}, shape {arr.shape} instead."
            )
    if not np.isfinite(yv[o]).all():
        raise OptionError(f"The 'y' parameter of {fn} must be finite where 'observed' is True.")
    nan = float("nan")
    n_t, n_c = int(t.sum()), int((~t).sum())
    y1, y0 = yv[t & o], yv[~t & o]
    if n_t == 0 or n_c == 0 or y1.size == 0 or y0.size == 0:
        return LeeBounds(nan, nan, nan, "none", n)
    q1, q0 = y1.size / n_t, y0.size / n_c
    if q1 > q0:
        p = (q1 - q0) / q1
        lower = trimmed_mean(y1, p, "top") - y0.mean()
        upper = trimmed_mean(y1, p, "bottom") - y0.mean()
        group: Literal["treated", "control", "none"] = "treated"
    elif q0 > q1:
        p = (q0 - q1) / q0
        lower = y1.mean() - trimmed_mean(y0, p, "bottom")
        upper = y1.mean() - trimmed_mean(y0, p, "top")
        group = "control"
    else:
        p = 0.0
        lower = upper = float(y1.mean() - y0.mean())
        group = "none"
    return LeeBounds(float(lower), float(upper), float(p), group, n)
