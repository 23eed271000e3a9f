"""Intention-to-treat effects of many independent samples, fitted in one pass.

A national trial has a few hundred sites, and each site has its own model of
each outcome: :func:`~trustexp.stats.estimate_itt` over the site's rows. The
fits are small, and one at a time they cost more in Python than in
arithmetic. :func:`estimate_itt_by_segment` takes the stacked rows of several
samples (the *segments*) and fits every segment's model at once, each the
model that :func:`~trustexp.stats.estimate_itt` fits on that segment's rows:

1. The rows are sorted by segment, then stratum. A covariate constant over a
   segment's rows (spread at most :data:`CONSTANT_RTOL` times the larger of 1
   and its largest magnitude, the rule of
   :func:`trustexp.analysis.samples.nonconstant`) is left out of that
   segment's model; the others are centred at the segment's means.
2. The design has the columns of :func:`~trustexp.stats.estimate_itt` in its
   order (centred covariates, arm indicators and, with Lin adjustment, the
   arm-major interactions), over the widest segment: in a segment a column
   of a covariate left out or of an arm without rows is zero.
3. The strata are absorbed (within-transformation, as
   :mod:`trustexp.stats._absorb`); a segment without strata has one group,
   the intercept.
4. Per segment, the Gram matrix ``X~'X~`` (S, K, K) and ``X~'y~`` are segment
   sums (``np.add.reduceat`` over the sorted rows); a column that is zero in
   the segment gets 1 on the diagonal, so every Gram matrix is positive
   definite and the padding changes nothing else.
5. All Cholesky factors are computed column by column at once; from them the
   coefficients, residuals, leverages ``1/n_g + x~_i' G_s^{-1} x~_i`` (each row
   with its own segment's inverse), the rows ``c_i = G_s^{-1} x~_i`` of each
   arm coefficient, the HC variances ``sum_i w_i c_ij^2`` (the sandwich's
   diagonal, ``w_i`` the HC weights of :func:`trustexp.stats._ols.hc_weights`)
   and degrees of freedom ``n_s - k_s`` (absorbed effects included).

Fallback
    The normal equations are exact only where the model is well determined.
    A segment is fitted by :func:`~trustexp.stats.estimate_itt` on its own
    rows (so its result is exactly the documented single fit) when any of
    these holds: cluster-robust (CR) standard errors; no control rows or no
    treatment rows; as many coefficients as rows or more; a Cholesky pivot at
    most :data:`SAFE_PIVOT` times its column's norm (``lm``'s rule of
    :mod:`trustexp.stats._matrices` drops a column at ``1e-7``, so with this
    margin a segment kept here keeps every column under that rule too: no
    arm is "not identified") or at most :data:`ACCURATE_PIVOT` times its
    demeaned column's norm (the normal equations lose about ``eps / r^2`` of
    relative accuracy for a pivot ratio ``r``); a row of a stratum of two or
    more with ``1 - h_ii`` at most :data:`SAFE_LEVERAGE` (an exact fit, which
    :func:`~trustexp.stats.estimate_itt` may report as ``exact_fit``); an arm
    variance at most :data:`SAFE_VARIANCE_RTOL` times ``var(y) (X~'X~)^{-1}_jj``
    (``zero_variance``); or anything not finite. Where none holds, every arm
    of the segment has a standard error and an empty reason, as the single
    fit gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np

from trustexp.errors import OptionError
from trustexp.literals import Adjustment, SeType
from trustexp.stats import _checks, _ols
from trustexp.stats._inference import t_inference
from trustexp.stats._threads import blas_limited
from trustexp.stats.itt import ESTIMANDS, Estimand, ITTResult, estimate_itt

__all__ = [
    "ACCURATE_PIVOT",
    "CONSTANT_RTOL",
    "SAFE_LEVERAGE",
    "SAFE_PIVOT",
    "SAFE_VARIANCE_RTOL",
    "SegmentFits",
    "estimate_itt_by_segment",
]

_FN = "estimate_itt_by_segment"

#: A Cholesky pivot at most this times its column's norm sends the segment to the single fit.
SAFE_PIVOT = 1e-4
#: A Cholesky pivot at most this times its demeaned column's norm sends the segment to the
#: single fit (a loss of accuracy of about ``eps / ACCURATE_PIVOT**2`` at most otherwise).
ACCURATE_PIVOT = 1e-2
#: ``1 - h_ii`` at most this, in a stratum of two or more rows, sends the segment to the
#: single fit.
SAFE_LEVERAGE = 1e-6
#: An arm variance at most this times ``var(y) (X~'X~)^{-1}_jj`` sends the segment to the
#: single fit (far above ``ZERO_VARIANCE_RTOL`` of :mod:`trustexp.stats._ols`).
SAFE_VARIANCE_RTOL = 1e-14
#: A covariate whose spread over a segment's rows is at most this times
#: ``max(1, max |x|)`` is left out of the segment's model.
CONSTANT_RTOL = 1e-12


@dataclass(frozen=True, slots=True)
class SegmentFits:
    """The fit of every segment.

    Attributes
    ----------
    results : tuple of ITTResult, length S
        Entry ``s`` is what :func:`~trustexp.stats.estimate_itt` gives on segment ``s``.
    fallback : (S,) bool
        Which segments were fitted by :func:`~trustexp.stats.estimate_itt` on their
        own rows (see the module notes). Read-only.
    """

    results: tuple[ITTResult, ...]
    fallback: np.ndarray

    def __post_init__(self) -> None:
        self.fallback.flags.writeable = False


@dataclass(frozen=True, slots=True)
class _Checked:
    """The checked arguments, in the caller's row order."""

    y: np.ndarray
    arm: np.ndarray
    segments: np.ndarray
    n_arms: np.ndarray  # (S,)
    covariates: np.ndarray | None
    strata: np.ndarray | None
    clusters: np.ndarray | None
    adjustment: Adjustment
    se_type: SeType
    alpha: float
    estimand: Estimand


@blas_limited
def estimate_itt_by_segment(
    y: np.ndarray,
    arm: np.ndarray,
    segments: np.ndarray,
    *,
    n_arms: int | np.ndarray,
    covariates: np.ndarray | None = None,
    strata: np.ndarray | None = None,
    clusters: np.ndarray | None = None,
    adjustment: Adjustment = "additive",
    se_type: SeType = "HC2",
    alpha: float = 0.05,
    estimand: Estimand = "sample",
) -> SegmentFits:
    """Fit :func:`~trustexp.stats.estimate_itt` on each segment's rows, all at once.

    Parameters
    ----------
    y : (n,) float
        Outcome, no NaN.
    arm : (n,) int
        Arm codes ``0..n_arms[s]-1`` within segment ``s``; 0 is the control arm.
    segments : (n,) int
        Segment codes ``0..S-1``, each with at least one row; the rows need not be sorted.
    n_arms : int or (S,) int
        Number of arms including control (>= 2), for all segments or per segment.
    covariates : (n, p) float or None
        Baseline covariates, no NaN. In each segment the columns constant over its
        rows are left out (see the module notes), so segments with fewer covariates
        can be padded with zero columns.
    strata : (n,) int or None
        Stratum codes (fixed effects), needed only to be distinct within a segment.
        Code ``-1`` on every row of a segment fits it without strata, as
        ``strata=None`` does. None: no segment has strata.
    clusters : (n,) int or None
        Cluster codes; needed for (and only for) the CR standard errors.
    adjustment : {"additive", "lin"}
    se_type : {"HC0", "HC1", "HC2", "HC3", "CR0", "CR1", "CR2"}
    alpha : float
    estimand : {"sample", "population"}
        As :func:`~trustexp.stats.estimate_itt`.

    Returns
    -------
    SegmentFits
        ``results[s]`` is, to rounding (about 1e-12 relative, see
        :data:`ACCURATE_PIVOT`), what
        :func:`~trustexp.stats.estimate_itt` returns on the rows of segment ``s``
        (in their order here) with the covariates that are not constant there,
        the segment's strata (or None) and clusters, and these options.
    """
    inp = _check(y, arm, segments, n_arms, covariates, strata, clusters, adjustment, se_type,
                 alpha, estimand)
    n_seg = inp.n_arms.size
    if n_seg == 0:
        return SegmentFits((), np.zeros(0, dtype=bool))
    batch = _Batch(inp)
    results: list[ITTResult] = []
    for s in range(n_seg):
        if batch.safe[s]:
            results.append(batch.result(s))
        else:
            results.append(_single(inp, batch, s))
    return SegmentFits(tuple(results), ~batch.safe)


def _check(
    y: object, arm: object, segments: object, n_arms: object, covariates: object,
    strata: object, clusters: object, adjustment: object, se_type: object, alpha: object,
    estimand: object,
) -> _Checked:
    """Validate and convert the arguments (see :func:`estimate_itt_by_segment`)."""
    a = _checks.check_alpha(_FN, alpha)
    est = cast(Estimand, _checks.check_choice(_FN, "estimand", estimand, ESTIMANDS))
    adj = cast(Adjustment,
               _checks.check_choice(_FN, "adjustment", adjustment, _checks.ADJUSTMENTS))
    se = cast(SeType, _checks.check_choice(_FN, "se_type", se_type, _checks.SE_TYPES))
    yv = _checks.check_vector(_FN, "y", y)
    n = yv.shape[0]
    seg = _checks.check_codes(_FN, "segments", segments, n)
    if seg.size and seg.min() < 0:
        raise OptionError(f"The 'segments' parameter of {_FN} must be codes 0..S-1. "
                          f"Got {seg.min()} instead.")
    n_seg = int(seg.max()) + 1 if seg.size else 0
    if n_seg and np.bincount(seg, minlength=n_seg).min() == 0:
        empty = int(np.flatnonzero(np.bincount(seg, minlength=n_seg) == 0)[0])
        raise OptionError(f"The 'segments' parameter of {_FN} must give every code 0..S-1 "
                          f"some rows. Got none for segment {empty} instead.")
    raw = np.asarray(n_arms)
    if raw.ndim == 0:
        per = np.full(n_seg, _checks.check_n_arms(_FN, n_arms), dtype=np.int64)
    else:
        if raw.shape != (n_seg,):
            raise OptionError(f"The 'n_arms' parameter of {_FN} must be an integer or one per "
                              f"segment ({n_seg}). Got shape {raw.shape} instead.")
        per = np.array([_checks.check_n_arms(_FN, v) for v in raw.tolist()], dtype=np.int64)
    armv = _checks.check_codes(_FN, "arm", arm, n, int(per.max()) if n_seg else None)
    if n and (armv >= per[seg]).any():
        bad = int(np.flatnonzero(armv >= per[seg])[0])
        raise OptionError(f"The 'arm' parameter of {_FN} must be codes 0..n_arms-1 of the "
                          f"row's segment. Got {armv[bad]} at position {bad} instead.")
    cov = None if covariates is None else _checks.check_matrix(_FN, "covariates", covariates, n)
    if cov is not None and cov.shape[1] == 0:
        cov = None
    st = None if strata is None else _checks.check_codes(_FN, "strata", strata, n)
    if st is not None and n:
        lone = (st < 0).astype(np.int64)
        mixed = np.bincount(seg, weights=lone, minlength=n_seg)
        counts = np.bincount(seg, minlength=n_seg)
        if (st < -1).any() or ((mixed > 0) & (mixed < counts)).any():
            raise OptionError(f"The 'strata' parameter of {_FN} must be codes >= 0, or -1 on "
                              "every row of a segment without strata.")
    cl = None if clusters is None else _checks.check_codes(_FN, "clusters", clusters, n)
    if se in _checks.CLUSTER_SE_TYPES and cl is None:
        raise OptionError(f"The 'se_type' parameter of {_FN} is {se!r}, which needs 'clusters'; "
                          "give the cluster codes or use one of 'HC0', 'HC1', 'HC2', 'HC3'.")
    if se not in _checks.CLUSTER_SE_TYPES and cl is not None:
        raise OptionError(f"The 'se_type' parameter of {_FN} is {se!r}, which ignores the "
                          "'clusters' given; use one of 'CR0', 'CR1', 'CR2' with clusters.")
    return _Checked(yv, armv, seg, per, cov, st, cl, adj, se, a, est)


def _single(inp: _Checked, batch: _Batch, s: int) -> ITTResult:
    """:func:`estimate_itt` on segment ``s``'s rows (in the caller's order)."""
    rows = batch.rows_of(s)
    cov = None
    if inp.covariates is not None and batch.active_cov[s].any():
        cov = inp.covariates[np.ix_(rows, np.flatnonzero(batch.active_cov[s]))]
    strata = None
    if inp.strata is not None and inp.strata[rows[0]] >= 0:
        strata = inp.strata[rows]
    return estimate_itt(
        inp.y[rows], inp.arm[rows], n_arms=int(inp.n_arms[s]), covariates=cov, strata=strata,
        clusters=None if inp.clusters is None else inp.clusters[rows],
        adjustment=inp.adjustment, se_type=inp.se_type, alpha=inp.alpha, estimand=inp.estimand,
    )


@dataclass(frozen=True, slots=True)
class _Layout:
    """The rows sorted by segment, then stratum, and where the segments and strata start."""

    order: np.ndarray  # (n,) positions of the sorted rows in the caller's order
    seg: np.ndarray  # (n,) segment of each sorted row
    counts: np.ndarray  # (S,) rows per segment
    starts: np.ndarray  # (S,) first sorted row of each segment
    group: np.ndarray  # (n,) stratum (group) of each sorted row, 0..G-1 over all segments
    group_starts: np.ndarray  # (G,)
    group_size: np.ndarray  # (G,)
    n_groups: np.ndarray  # (S,) strata per segment

    @classmethod
    def of(cls, segments: np.ndarray, strata: np.ndarray | None, n_seg: int) -> _Layout:
        """The layout of rows with these segment codes and strata (-1: none)."""
        n = segments.size
        stratum = strata if strata is not None else np.full(n, -1, dtype=np.int64)
        order = np.lexsort((stratum, segments))
        seg, st = segments[order], stratum[order]
        counts = np.bincount(seg, minlength=n_seg)
        new_group = np.r_[True, (seg[1:] != seg[:-1]) | (st[1:] != st[:-1])]
        group_starts = np.flatnonzero(new_group)
        return cls(
            order=order, seg=seg, counts=counts, starts=np.r_[0, np.cumsum(counts)[:-1]],
            group=np.cumsum(new_group) - 1, group_starts=group_starts,
            group_size=np.diff(np.r_[group_starts, n]),
            n_groups=np.bincount(seg[group_starts], minlength=n_seg),
        )

    def sums(self, a: np.ndarray) -> np.ndarray:
        """Sums of the sorted rows of ``a`` over each segment."""
        return np.add.reduceat(a, self.starts, axis=0)

    def within(self, a: np.ndarray) -> np.ndarray:
        """The sorted rows of ``a`` less their stratum's mean."""
        size = self.group_size if a.ndim == 1 else self.group_size[:, None]
        return a - (np.add.reduceat(a, self.group_starts, axis=0) / size)[self.group]


class _Batch:
    """The normal-equation fits of all segments (module notes, steps 1-5).

    ``safe[s]`` says whether segment ``s``'s fit here is its result; the others'
    numbers are not used.
    """

    def __init__(self, inp: _Checked) -> None:
        self.inp = inp
        n_seg = inp.n_arms.size
        self.layout = lay = _Layout.of(inp.segments, inp.strata, n_seg)
        self.y = inp.y[lay.order]
        self.arm = inp.arm[lay.order]
        self.m = m = int(inp.n_arms.max()) - 1
        self.arm_count = np.bincount(lay.seg * (m + 1) + self.arm,
                                     minlength=n_seg * (m + 1)).reshape(n_seg, m + 1)
        # overflow or 0/0 only reach segments that the checks send to the single fit
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            self.active_cov, x, active = self._design()
            self.k_total = lay.n_groups + active.sum(axis=1)  # coefficients, strata included
            self.safe = self._counts_allow()
            xt, resid, coef, l_inv, bread = self._solve(x, active)
            var = self._variances(x, xt, resid, coef, l_inv, bread)
            control = np.bincount(lay.seg, weights=np.where(self.arm == 0, self.y, 0.0),
                                  minlength=n_seg)
            self.control_mean = control / self.arm_count[:, 0]
        p = self.active_cov.shape[1]
        arm_cols = p + np.arange(m)
        used = active[:, arm_cols] & self.safe[:, None]
        estimate = np.where(used, coef[:, arm_cols], np.nan)
        std_error = np.sqrt(np.where(used, var, np.nan))
        df = np.where(used, (lay.counts - self.k_total).astype(np.float64)[:, None], np.nan)
        stat, p_value, ci_low, ci_high = (
            v.reshape(estimate.shape)
            for v in t_inference(estimate.ravel(), std_error.ravel(), df.ravel(), inp.alpha)
        )
        self.fields = {"estimate": estimate, "std_error": std_error, "df": df,
                       "statistic": stat, "p_value": p_value, "ci_low": ci_low,
                       "ci_high": ci_high}

    def _design(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The covariates kept per segment (S, p), the design columns over the widest
        segment (sorted rows, (n, K)) and the columns in each segment's model (S, K)."""
        inp, lay = self.inp, self.layout
        n_seg = lay.counts.size
        present = self.arm_count[:, 1:] > 0
        if inp.covariates is None:
            xc = np.empty((lay.seg.size, 0))
            active_cov = np.zeros((n_seg, 0), dtype=bool)
        else:
            xs = inp.covariates[lay.order]
            spread = (np.maximum.reduceat(xs, lay.starts, axis=0)
                      - np.minimum.reduceat(xs, lay.starts, axis=0))
            scale = np.maximum(1.0, np.maximum.reduceat(np.abs(xs), lay.starts, axis=0))
            active_cov = spread > CONSTANT_RTOL * scale
            xc = xs - (lay.sums(xs) / lay.counts[:, None])[lay.seg]
            xc = np.where(active_cov[lay.seg], xc, 0.0)
        d = (self.arm[:, None] == np.arange(1, self.m + 1)[None, :]).astype(np.float64)
        parts = [xc, d]
        active = [active_cov, present]
        if inp.adjustment == "lin" and xc.shape[1]:
            parts.append((d[:, :, None] * xc[:, None, :]).reshape(d.shape[0], -1))
            active.append((present[:, :, None] & active_cov[:, None, :]).reshape(n_seg, -1))
        return active_cov, np.hstack(parts), np.hstack(active)

    def _counts_allow(self) -> np.ndarray:
        """Segments with control and treated rows, more rows than coefficients, HC errors."""
        safe = ((self.arm_count[:, 0] > 0) & (self.arm_count[:, 1:].sum(axis=1) > 0)
                & (self.k_total < self.layout.counts))
        if self.inp.se_type in _checks.CLUSTER_SE_TYPES:
            safe[:] = False
        return safe

    def _solve(
        self, x: np.ndarray, active: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Demeaned design (n, K), residuals (n,), coefficients (S, K), inverse Cholesky
        factors and ``(X~'X~)^{-1}`` (S, K, K); segments with an unsafe pivot leave
        ``safe``."""
        lay = self.layout
        n_seg, k = active.shape
        norms = np.sqrt(lay.sums(x * x))
        xt = lay.within(x)
        yt = lay.within(self.y)
        gram = np.empty((n_seg, k, k))
        for c in range(k):
            gram[:, c, :] = lay.sums(xt[:, c, None] * xt)
        diag = np.arange(k)
        gram[:, diag, diag] = np.where(active, gram[:, diag, diag], 1.0)
        rhs = lay.sums(xt * yt[:, None])
        floor = np.maximum(SAFE_PIVOT * norms, ACCURATE_PIVOT * np.sqrt(gram[:, diag, diag]))
        chol, pivots_ok = _cholesky(gram, np.where(active, floor, 0.0))
        self.safe &= (pivots_ok & np.isfinite(gram).all(axis=(1, 2))
                      & np.isfinite(rhs).all(axis=1))
        chol[~self.safe] = np.eye(k)
        rhs = np.where(self.safe[:, None], rhs, 0.0)
        l_inv = np.linalg.inv(chol)  # lower triangular
        coef = np.einsum("sdc,sd->sc", l_inv, np.einsum("scd,sd->sc", l_inv, rhs))
        self.safe &= np.isfinite(coef).all(axis=1)
        resid = yt - np.einsum("nk,nk->n", xt, coef[lay.seg])
        return xt, resid, coef, l_inv, np.einsum("skc,skd->scd", l_inv, l_inv)

    def _variances(
        self, x: np.ndarray, xt: np.ndarray, resid: np.ndarray, coef: np.ndarray,
        l_inv: np.ndarray, bread: np.ndarray,
    ) -> np.ndarray:
        """The arm coefficients' HC variances (S, m); segments with an exact fit or a
        variance that is (nearly) zero leave ``safe``."""
        inp, lay = self.inp, self.layout
        n_seg, k = coef.shape
        p, m = self.active_cov.shape[1], self.m
        h = np.zeros(lay.seg.size)
        for c in range(k):
            h += np.einsum("nd,nd->n", l_inv[lay.seg, c, :], xt) ** 2
        leverage = 1.0 / lay.group_size[lay.group] + h
        exact = (lay.group_size[lay.group] >= 2) & (1.0 - leverage <= SAFE_LEVERAGE)
        self.safe &= np.bincount(lay.seg, weights=exact, minlength=n_seg) == 0
        arm_cols = p + np.arange(m)
        influence = np.column_stack(
            [np.einsum("nd,nd->n", bread[lay.seg, :, j], xt) for j in arm_cols]
        )
        se_type = inp.se_type if inp.se_type.startswith("HC") else "HC0"
        omega = _ols.hc_weights(resid, leverage, se_type)
        var = lay.sums(omega[:, None] * influence**2)
        if se_type == "HC1":
            var *= (lay.counts / (lay.counts - self.k_total))[:, None]
        if inp.estimand == "population" and inp.adjustment == "lin" and p:
            var += self._covariate_mean_variance(x[:, :p], coef)
        y_dev = self.y - (lay.sums(self.y) / lay.counts)[lay.seg]
        y_var = lay.sums(y_dev * y_dev) / lay.counts
        arm_active = self.arm_count[:, 1:] > 0
        small = ~(var > SAFE_VARIANCE_RTOL * y_var[:, None] * bread[:, arm_cols, arm_cols])
        self.safe &= ~(arm_active & small).any(axis=1)
        self.safe &= np.isfinite(np.where(arm_active, var, 0.0)).all(axis=1)
        return var

    def _covariate_mean_variance(self, xc: np.ndarray, coef: np.ndarray) -> np.ndarray:
        """``g_j' S_x g_j / n`` per segment and arm (:func:`estimate_itt`'s population
        estimand; covariates left out of a segment are zero, as their interactions)."""
        lay = self.layout
        n_seg, p, m = coef.shape[0], xc.shape[1], self.m
        s_x = np.empty((n_seg, p, p))
        for c in range(p):
            s_x[:, c, :] = lay.sums(xc[:, c, None] * xc)
        s_x /= np.maximum(lay.counts - 1, 1)[:, None, None]
        g = coef[:, p + m :].reshape(n_seg, m, p)
        return np.einsum("sjp,spq,sjq->sj", g, s_x, g) / lay.counts[:, None]

    def rows_of(self, s: int) -> np.ndarray:
        """Segment ``s``'s rows, in the caller's order."""
        lay = self.layout
        start = int(lay.starts[s])
        return np.sort(lay.order[start : start + int(lay.counts[s])])

    def result(self, s: int) -> ITTResult:
        """Segment ``s``'s result from the batch."""
        m = int(self.inp.n_arms[s]) - 1
        f = {name: v[s, :m].copy() for name, v in self.fields.items()}
        return ITTResult(
            **f,
            n=int(self.layout.counts[s]),
            n_arm=self.arm_count[s, 1 : m + 1].astype(np.int64),
            n_control=int(self.arm_count[s, 0]),
            control_mean=float(self.control_mean[s]),
            se_type=self.inp.se_type,
            reason=("",) * m,
        )


def _cholesky(gram: np.ndarray, floor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lower Cholesky factors of a stack of Gram matrices (S, K, K), column by column.

    Returns the factors and, per matrix, whether every pivot exceeds its ``floor``
    (S, K). A pivot at or below its floor (or not a number) is replaced by 1 so that
    the factor stays invertible; that matrix's factor is then not used.
    """
    n_seg, k, _ = gram.shape
    chol = np.zeros_like(gram)
    ok = np.ones(n_seg, dtype=bool)
    for j in range(k):
        left = chol[:, j, :j]
        d = gram[:, j, j] - np.einsum("sk,sk->s", left, left)
        pivot = np.sqrt(np.maximum(d, 0.0))
        good = pivot > floor[:, j]
        ok &= good
        pivot = np.where(good, pivot, 1.0)
        chol[:, j, j] = pivot
        if j + 1 < k:
            below = gram[:, j + 1 :, j] - np.einsum("sik,sk->si", chol[:, j + 1 :, :j], left)
            chol[:, j + 1 :, j] = below / pivot[:, None]
    return chol, ok
