"""Lee (2009) trimming bounds with the design's strata, standard errors and intervals.

The bounds are computed within each cell of the design (a stratum of the
randomisation, so also within each site) and combined with the weight of
each cell's always-responders, as Lee (2009, section 4.2) does with
covariates. In cell ``x`` with ``n_x`` people randomised and response rates
``q_t`` (treated) and ``q_c`` (control), the group with the higher rate is
trimmed by ``p_x = |q_t - q_c| / max(q_t, q_c)`` and the cell's bounds are
those of :func:`trimmed_mean`; the cells are combined with weights
``w_x = n_x min(q_t, q_c) / sum_x n_x min(q_t, q_c)``, the estimated share of
the always-responders who are in cell ``x``. The trimming direction may
differ between cells (monotonicity is assumed within each cell).

Standard errors (Lee 2009, Proposition 3, by the delta method, within each
cell): for a bound that trims the treated respondents from the top,

    V = [s2_kept + p (y_p - mu)^2] / ((1 - p) m_t)
        + (mu - y_p)^2 [(1 - q_t) / (n_t q_t) + (1 - q_c) / (n_c q_c)]
        + s2_c / m_c,

with ``mu`` and ``s2_kept`` the mean and variance of the kept values, ``y_p``
the kept value next to the trimming point, ``m`` respondents and ``n``
people per arm; the other bounds are alike. The cells are independent, and
the variance of the combined bound adds the variance of the estimated
weights (``q_low`` binomial within each cell, the covariance of a cell's
bound and its weight left out). Cells where an arm has fewer than two
respondents are left out (counted in ``cells_dropped``).

Intervals, normal approximation:

* ``ci_low, ci_high``: Imbens and Manski (2004), which covers the effect on
  the always-responders with probability ``1 - alpha``:
  ``[L - c s_L, U + c s_U]`` where ``Phi(c + (U - L) / max(s_L, s_U)) - Phi(-c) = 1 - alpha``.
* ``set_ci_low, set_ci_high``: covers the whole identified set:
  ``[L - z s_L, U + z s_U]`` with ``z = Phi^{-1}(1 - alpha / 2)``.

The delta method treats the quantile as smooth: for discrete outcomes (binary,
few values) the standard errors are approximate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import optimize, stats

from trustexp.errors import OptionError
from trustexp.stats import _checks

__all__ = ["LeeBounds", "imbens_manski_c", "lee_bounds", "trimmed_mean"]

TrimmedGroup = Literal["treated", "control", "none", "mixed"]


@dataclass(frozen=True, slots=True)
class LeeBounds:
    """Lee (2009) bounds on the effect for those who respond in either arm.

    Attributes
    ----------
    lower, upper : float
        Bounds on the difference in mean outcome, treated minus control.
    lower_se, upper_se : float
        Their standard errors (see the module notes).
    ci_low, ci_high : float
        Imbens-Manski interval for the effect, level ``1 - alpha``.
    set_ci_low, set_ci_high : float
        Interval for the identified set ``[lower, upper]``, level ``1 - alpha``.
    trimming_share : float
        Share of the trimmed groups' respondents that was removed (all cells).
    trimmed_group : {"treated", "control", "none", "mixed"}
        The group with the higher response rate ("mixed": it differs by cell).
    n : int
        People in the cells used (respondents and non-respondents, both arms).
    n_arm, n_control : int
        Respondents of the treated and the control arm in the cells used.
    cells, cells_dropped : int
        Cells (strata) used and left out (an arm with fewer than two respondents).
    """

    lower: float
    upper: float
    trimming_share: float
    trimmed_group: TrimmedGroup
    n: int
    lower_se: float = float("nan")
    upper_se: float = float("nan")
    ci_low: float = float("nan")
    ci_high: float = float("nan")
    set_ci_low: float = float("nan")
    set_ci_high: float = float("nan")
    n_arm: int = 0
    n_control: int = 0
    cells: int = 0
    cells_dropped: int = 0


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
    return _trim(np.asarray(values, dtype=np.float64), share, side)[0]


def _trim(values: np.ndarray, share: float, side: str) -> tuple[float, float, float]:
    """(mean, variance, boundary value) of the kept values, with fractional weights."""
    v = np.sort(values)
    if side == "bottom":
        v = v[::-1]
    kept = (1.0 - share) * v.size
    w = np.clip(kept - np.arange(v.size), 0.0, 1.0)
    mean = float(w @ v / kept)
    var = float(w @ (v - mean) ** 2 / kept)
    boundary = float(v[int(np.ceil(kept)) - 1])
    return mean, var, boundary


@dataclass(frozen=True, slots=True)
class _Cell:
    lower: float
    upper: float
    var_lower: float
    var_upper: float
    p: float
    group: TrimmedGroup
    weight: float  # n_x * q_low
    var_weight: float
    n: int
    m_t: int
    m_c: int
    removed: float
    trimmed_respondents: int


def _cell(y1: np.ndarray, y0: np.ndarray, n_t: int, n_c: int) -> _Cell:
    m_t, m_c = y1.size, y0.size
    q_t, q_c = m_t / n_t, m_c / n_c
    var_p = (1 - q_t) / (n_t * q_t) + (1 - q_c) / (n_c * q_c)
    group: TrimmedGroup
    if q_t >= q_c:
        trimmed, other, m_trim, m_other, sign = y1, y0, m_t, m_c, 1.0
        p = (q_t - q_c) / q_t
        group = "treated" if p > 0 else "none"
        q_low, n_low = q_c, n_c
    else:
        trimmed, other, m_trim, m_other, sign = y0, y1, m_c, m_t, -1.0
        p = (q_c - q_t) / q_c
        group = "control"
        q_low, n_low = q_t, n_t
    mu_o, var_o = float(other.mean()), float(other.var(ddof=1)) / m_other
    out = {}
    for side in ("top", "bottom"):
        mu, s2, yq = _trim(trimmed, p, side)
        v = (s2 + p * (yq - mu) ** 2) / ((1 - p) * m_trim) + (mu - yq) ** 2 * var_p + var_o
        if p == 0.0:
            v = float(trimmed.var(ddof=1)) / m_trim + var_o
        out[side] = (sign * (mu - mu_o), v)
    # treated trimmed: the lower bound keeps its smallest values ("top" removed);
    # control trimmed: the lower bound keeps the control's largest ("bottom" removed),
    # and sign * (mu - mu_o) = mu_treated - mu_control in both cases
    lo, hi = (out["top"], out["bottom"]) if sign > 0 else (out["bottom"], out["top"])
    n = n_t + n_c
    return _Cell(
        lower=lo[0], upper=hi[0], var_lower=lo[1], var_upper=hi[1], p=p, group=group,
        weight=n * q_low, var_weight=n**2 * q_low * (1 - q_low) / n_low, n=n,
        m_t=m_t, m_c=m_c, removed=p * m_trim, trimmed_respondents=m_trim,
    )  # fmt: skip


def imbens_manski_c(width: float, se_max: float, alpha: float) -> float:
    """The critical value ``c`` of Imbens and Manski (2004).

    Solves ``Phi(c + width / se_max) - Phi(-c) = 1 - alpha``; ``z_{1-alpha/2}``
    when ``width`` is 0, falling towards ``z_{1-alpha}`` as the set widens.
    """
    hi = float(stats.norm.ppf(1 - alpha / 2))
    if not (np.isfinite(width) and np.isfinite(se_max)) or se_max <= 0 or width <= 0:
        return hi
    shift = width / se_max

    def gap(c: float) -> float:
        return float(stats.norm.cdf(c + shift) - stats.norm.cdf(-c) - (1 - alpha))

    lo = float(stats.norm.ppf(1 - alpha)) - 1e-12
    if gap(lo) >= 0:
        return lo
    return float(optimize.brentq(gap, lo, hi, xtol=1e-14))


def lee_bounds(
    y: np.ndarray,
    treated: np.ndarray,
    observed: np.ndarray,
    *,
    strata: np.ndarray | None = None,
    alpha: float = 0.05,
) -> LeeBounds:
    """Lee (2009) bounds on the treated-control difference, trimmed within strata.

    Parameters
    ----------
    y : (n,) float
        Outcome; only read where ``observed`` (NaN allowed elsewhere).
    treated : (n,) bool
        Treated arm (True) or control (False).
    observed : (n,) bool
        Outcome observed (responded).
    strata : (n,) int or None
        Cells of the design (stratum within site); None is one cell.
    alpha : float
        Intervals at level ``1 - alpha``.

    Returns
    -------
    LeeBounds
        NaN bounds when no cell has two respondents in each arm.
    """
    fn = "lee_bounds"
    a = _checks.check_alpha(fn, alpha)
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
    st = np.zeros(n, np.int64) if strata is None else _checks.check_codes(fn, "strata", strata, n)
    cells, dropped = [], 0
    for s in np.unique(st):
        c = st == s
        y1, y0 = yv[c & t & o], yv[c & ~t & o]
        if y1.size < 2 or y0.size < 2:
            dropped += 1
            continue
        cells.append(_cell(y1, y0, int((c & t).sum()), int((c & ~t).sum())))
    nan = float("nan")
    if not cells:
        return LeeBounds(nan, nan, nan, "none", 0, cells=0, cells_dropped=dropped)
    w = np.array([x.weight for x in cells])
    total = w.sum()
    share = w / total
    bounds = {}
    for name in ("lower", "upper"):
        b = np.array([getattr(x, name) for x in cells])
        v = np.array([getattr(x, "var_" + name) for x in cells])
        est = float(share @ b)
        # delta method for the estimated weights: d est / d w_x = (b_x - est) / total
        v_w = np.array([x.var_weight for x in cells])
        var = float(share**2 @ v + ((b - est) / total) ** 2 @ v_w)
        bounds[name] = (est, float(np.sqrt(var)))
    (lo, se_lo), (hi, se_hi) = bounds["lower"], bounds["upper"]
    c = imbens_manski_c(hi - lo, max(se_lo, se_hi), a)
    z = float(stats.norm.ppf(1 - a / 2))
    groups = {x.group for x in cells} - {"none"}
    group: TrimmedGroup = "none" if not groups else groups.pop() if len(groups) == 1 else "mixed"
    trimmed = sum(x.trimmed_respondents for x in cells if x.group != "none")
    removed = sum(x.removed for x in cells)
    return LeeBounds(
        lower=lo,
        upper=hi,
        trimming_share=float(removed / trimmed) if trimmed else 0.0,
        trimmed_group=group,
        n=int(sum(x.n for x in cells)),
        lower_se=se_lo,
        upper_se=se_hi,
        ci_low=lo - c * se_lo,
        ci_high=hi + c * se_hi,
        set_ci_low=lo - z * se_lo,
        set_ci_high=hi + z * se_hi,
        n_arm=int(sum(x.m_t for x in cells)),
        n_control=int(sum(x.m_c for x in cells)),
        cells=len(cells),
        cells_dropped=dropped,
    )
