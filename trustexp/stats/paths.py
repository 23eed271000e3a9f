"""Effects month by month: the ITT model of :func:`~trustexp.stats.estimate_itt` for every
month at once, with pointwise intervals and a simultaneous (sup-t) band.

The outcome is a matrix ``Y`` (persons x months). Month ``t``'s effect is what
:func:`~trustexp.stats.estimate_itt` gives for ``Y[:, t]`` over the persons
observed in that month: the same design (intercept, strata dummies, centred
covariates, arm indicators and, with Lin, their interactions; collinear
columns dropped as ``lm`` does), the same robust standard errors and degrees
of freedom. The design matrix depends on the month only through who is
observed, so the months are grouped by their set of observed persons and each
group is one least-squares solve with many right-hand sides (one QR
decomposition, one set of leverages or CR2 adjustment matrices).

Simultaneous band
    Write arm ``j``'s estimate in month ``t`` as ``sum_i a_it y_it`` (``a`` the
    rows of ``X (X'X)^{-1}`` for that coefficient). Its robust variance is
    ``sum_i psi_it^2`` with ``psi_it = a_it e~_it`` (HC: ``e~`` the residual
    scaled as the HC type scales it; CR: summed within clusters, with the CR2
    adjustment). The sandwich covariance of two months' estimates is
    ``sum_i psi_is psi_it`` (sums over clusters with a cluster), which gives
    their correlation matrix ``R``. The band is ``estimate +/- c * std_error``
    where ``c`` is the ``1 - alpha`` quantile of ``max_t |Z_t|`` for
    ``Z ~ N(0, R)``: the sup-t band, with ``c`` from ``draws`` Gaussian draws
    (a Gaussian multiplier bootstrap of the influence terms has exactly this
    distribution, so the draws are taken from ``N(0, R)`` directly). ``c`` is
    never below the pointwise t quantile, so the band always contains the
    pointwise interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg, stats

from trustexp.config import Adjustment, SeType
from trustexp.stats import _absorb, _checks, _ols
from trustexp.stats import _matrices as _design
from trustexp.stats._inference import t_inference
from trustexp.stats._threads import blas_limited
from trustexp.stats.itt import check_inputs

__all__ = ["PathResult", "estimate_paths"]

_FN = "estimate_paths"


@dataclass(frozen=True, slots=True)
class PathResult:
    """Effects of each treatment arm in each month.

    ``T`` months (the columns of ``Y``), ``m = n_arms - 1`` treatment arms.

    Attributes
    ----------
    estimate, std_error, df, statistic, p_value, ci_low, ci_high : (T, m) float64
        As :class:`~trustexp.stats.ITTResult`, month by month.
    band_low, band_high : (T, m) float64
        The simultaneous band over the months, per arm.
    critical : (m,) float64
        The band's critical value per arm.
    n : (T,) int64
        Persons observed in each month.
    n_arm : (T, m) int64
    n_control : (T,) int64
    control_mean : (T,) float64
    se_type : str
    """

    estimate: np.ndarray
    std_error: np.ndarray
    df: np.ndarray
    statistic: np.ndarray
    p_value: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    band_low: np.ndarray
    band_high: np.ndarray
    critical: np.ndarray
    n: np.ndarray
    n_arm: np.ndarray
    n_control: np.ndarray
    control_mean: np.ndarray
    se_type: str


def _nonconstant(x: np.ndarray) -> np.ndarray:
    if x.shape[0] == 0:
        return np.zeros(x.shape[1], dtype=bool)
    return np.ptp(x, axis=0) > 1e-12 * np.maximum(1.0, np.abs(x).max(axis=0))


@blas_limited
def estimate_paths(
    y: np.ndarray,
    arm: np.ndarray,
    *,
    n_arms: int,
    covariates: np.ndarray | None = None,
    strata: np.ndarray | None = None,
    clusters: np.ndarray | None = None,
    adjustment: Adjustment = "additive",
    se_type: SeType = "HC2",
    alpha: float = 0.05,
    draws: int = 10_000,
    seed: int = 0,
    drop_constant: bool = True,
) -> PathResult:
    """Estimate the effect of each arm in each month; see the module documentation.

    Parameters
    ----------
    y : (n, T) float
        The monthly outcome; NaN where a person's month is not observed.
    arm, n_arms, covariates, strata, clusters, adjustment, se_type, alpha
        As :func:`~trustexp.stats.estimate_itt` (``covariates`` without NaN).
    draws : int
        Gaussian draws for the band's critical value.
    seed : int
        Seed of those draws.
    drop_constant : bool
        Leave out, in each month's sample, covariates that are constant there
        (with Lin, also those constant within an arm of two or more persons),
        as :func:`trustexp.analysis.effects.estimate_effects` does.

    Returns
    -------
    PathResult
    """
    a = _checks.check_alpha(_FN, alpha)
    ym = np.asarray(y, dtype=float)
    if ym.ndim != 2:
        raise ValueError(f"The 'y' parameter of {_FN} must be a 2-d array (persons x months). "
                         f"Got an array of shape {ym.shape} instead.")
    inp = check_inputs(_FN, np.zeros(ym.shape[0]), arm, n_arms, covariates, strata, clusters,
                       adjustment, se_type)
    n, t_months = ym.shape
    m = inp.n_arms - 1
    out = {k: np.full((t_months, m), np.nan) for k in ("estimate", "std_error", "df")}
    n_obs = np.zeros(t_months, dtype=np.int64)
    n_arm = np.zeros((t_months, m), dtype=np.int64)
    n_control = np.zeros(t_months, dtype=np.int64)
    control_mean = np.full(t_months, np.nan)
    psi = np.zeros((m, n, t_months))  # influence terms (person level)
    observed = np.isfinite(ym)
    masks, group = _observed_groups(observed)
    hint = None
    if masks.shape[0] > 1:
        union = np.flatnonzero(observed.any(axis=1))
        if np.bincount(inp.arm[union], minlength=inp.n_arms)[0] > 0:
            d_u = _design_over(inp, union)
            hint = (d_u.independent(), d_u.kept)
    for g, mask in enumerate(masks):
        cols = np.flatnonzero(group == g)
        rows = np.flatnonzero(mask)
        counts = np.bincount(inp.arm[rows], minlength=inp.n_arms)
        n_obs[cols] = rows.size
        n_arm[cols] = counts[1:]
        n_control[cols] = counts[0]
        if counts[0] == 0 or rows.size == 0:
            continue
        yg = ym[np.ix_(rows, cols)]
        control_mean[cols] = yg[inp.arm[rows] == 0].mean(axis=0)
        _fit_group(inp, rows, cols, yg, out, psi, hint)
    statistic, p_value, ci_low, ci_high = t_inference(
        out["estimate"].ravel(), out["std_error"].ravel(), out["df"].ravel(), a)
    shape = (t_months, m)
    crit = _critical(psi, out["std_error"], out["df"], a, draws, seed, inp.clusters)
    half = crit[None, :] * out["std_error"]
    return PathResult(
        estimate=out["estimate"], std_error=out["std_error"], df=out["df"],
        statistic=statistic.reshape(shape), p_value=p_value.reshape(shape),
        ci_low=ci_low.reshape(shape), ci_high=ci_high.reshape(shape),
        band_low=out["estimate"] - half, band_high=out["estimate"] + half, critical=crit,
        n=n_obs, n_arm=n_arm, n_control=n_control, control_mean=control_mean,
        se_type=inp.se_type,
    )


def _observed_groups(observed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct sets of observed persons among the months (as (G, n) masks, in order
    of first appearance) and the group of each month, by hashing the packed columns."""
    packed = np.packbits(observed, axis=0)
    index: dict[bytes, int] = {}
    group = np.array([index.setdefault(packed[:, t].tobytes(), len(index))
                      for t in range(observed.shape[1])], dtype=np.int64)
    first = np.array([int(np.argmax(group == g)) for g in range(len(index))], dtype=np.int64)
    return observed[:, first].T, group


@dataclass(frozen=True, slots=True)
class _Design:
    """The regressors over some rows, as estimate_itt builds them.

    Without strata ``x`` is ``[1, centred covariates, arm block]``; with strata the
    strata effects are absorbed (``groups``, ``n_groups``) and ``x`` is
    ``[centred covariates, arm block]``. ``kept`` says which covariates were kept (as
    bytes, to compare two designs).
    """

    x: np.ndarray
    arm_cols: np.ndarray
    kept: bytes
    groups: np.ndarray | None
    n_groups: int

    def independent(self) -> np.ndarray:
        """The columns the exact rule keeps (``lm``'s order, strata first)."""
        if self.groups is None:
            return _design.independent_columns(self.x)
        return _design.absorbed_independent_columns(self.x, self.groups, self.n_groups)

    def within(self, a: np.ndarray) -> np.ndarray:
        """``a`` demeaned within strata (unchanged without strata)."""
        if self.groups is None:
            return a
        return _design.demean(a, self.groups, self.n_groups)


def _design_over(inp, rows: np.ndarray) -> _Design:
    """The design over ``rows`` (see :class:`_Design`)."""
    n = rows.size
    arm = inp.arm[rows]
    cov = None if inp.covariates is None else inp.covariates[rows]
    kept = b""
    if cov is not None:
        keep_cov = _nonconstant(cov)
        if inp.adjustment == "lin":
            for j in range(inp.n_arms):
                sel = arm == j
                if sel.sum() >= 2:
                    keep_cov &= _nonconstant(cov[sel])
        kept = keep_cov.tobytes()
        cov = cov[:, keep_cov] if keep_cov.any() else None
    xc = _design.centre(cov)
    block = _design.arm_block(arm, inp.n_arms, xc if inp.adjustment == "lin" else None)
    if inp.strata is None:
        w = _design.fixed_block(n, None, xc)
        groups, n_groups = None, 0
    else:
        w = np.empty((n, 0)) if xc is None else xc
        groups, n_groups = _design.factorize(inp.strata[rows])
    x = np.hstack([w, block])
    return _Design(x, w.shape[1] + np.arange(inp.n_arms - 1), kept, groups, n_groups)


#: Cholesky pivots of the Gram matrix at most this (relative to the column's norm) send a
#: group to the exact column selection (a margin above COLLINEARITY_TOL).
_SAFE_PIVOT = 1e-4


def _fit_group(inp, rows: np.ndarray, cols: np.ndarray, yg: np.ndarray,
               out: dict[str, np.ndarray], psi: np.ndarray,
               hint: tuple[np.ndarray, bytes] | None = None) -> None:
    """One solve for the months ``cols`` that share the observed persons ``rows``.

    With strata the strata effects are absorbed (:mod:`trustexp.stats._absorb`): the
    regressors and outcomes are demeaned within strata, the leverages are ``1/n_g`` plus
    those of the demeaned regressors, and the CR2 adjustment uses each cluster's block of
    the full hat matrix, exactly as the dummy columns give.

    ``hint``: the columns kept in the design over every person observed in some month,
    and its covariates. A column collinear there is collinear in every subset, so when the
    covariates agree and the Cholesky factor of the kept columns' Gram matrix shows no
    further collinearity, those columns are the ones the exact rule would keep, and the
    fit is by the normal equations; otherwise by the exact selection and QR.
    """
    n = rows.size
    d = _design_over(inp, rows)
    y_var = yg.var(axis=0)
    yg = d.within(yg)
    chol = None
    if hint is not None and hint[1] == d.kept and hint[0].size == d.x.shape[1]:
        keep = hint[0]
        xk = d.x[:, keep]
        norms = np.sqrt(np.einsum("ij,ij->j", xk, xk))
        xk = d.within(xk)
        gram = xk.T @ xk
        try:
            chol = np.linalg.cholesky(gram)  # lower
            if not np.all(np.diag(chol) > _SAFE_PIVOT * norms):
                chol = None
        except np.linalg.LinAlgError:
            chol = None
    if chol is None:
        keep = d.independent()
        xk = d.within(d.x[:, keep])
    identified = keep[d.arm_cols]
    k = int(keep.sum()) + d.n_groups  # coefficients of the full model
    if not identified.any() or k >= n:
        return
    wanted = (np.cumsum(keep) - 1)[d.arm_cols[identified]]
    if chol is not None:
        r = chol.T
        r_inv = linalg.solve_triangular(r, np.eye(r.shape[0]))
        q = xk @ r_inv
    else:
        q, r = np.linalg.qr(xk)
        r_inv = linalg.solve_triangular(r, np.eye(r.shape[0]))
    coef = r_inv @ (q.T @ yg)
    resid = yg - xk @ coef
    bread = r_inv @ r_inv.T
    weights = xk @ bread[:, wanted]  # (n, j): coefficient = weights' y
    lev = np.einsum("ij,ij->i", q, q)
    if d.groups is not None:
        lev = lev + 1.0 / np.bincount(d.groups, minlength=d.n_groups)[d.groups]
    se_type = inp.se_type
    if se_type.startswith("HC"):
        one_minus_h = 1.0 - lev
        exact = one_minus_h <= _ols.LEVERAGE_TOL
        if se_type in ("HC0", "HC1"):
            scale = np.ones(n) * (np.sqrt(n / (n - k)) if se_type == "HC1" else 1.0)
        else:
            power = 0.5 if se_type == "HC2" else 1.0
            scale = np.where(exact, 0.0, 1.0 / np.where(exact, 1.0, one_minus_h) ** power)
        terms = weights[:, :, None] * (resid * scale[:, None])[:, None, :]  # (n, j, months)
        var = np.einsum("ijt,ijt->tj", terms, terms)
        df = np.full(wanted.size, float(n - k))
    else:
        cl = inp.clusters[rows]
        adj = weights
        if se_type == "CR2":
            df, adj = _cr2_adjusted(xk, coef[:, 0], resid[:, 0], bread, lev, d, cl,
                                    wanted, weights)
        else:
            g_count = int(np.unique(cl).size)
            df = np.full(wanted.size, float(g_count - 1))
        terms = adj[:, :, None] * resid[:, None, :]
        codes = np.unique(cl, return_inverse=True)[1]
        sums = np.zeros((int(codes.max()) + 1, *terms.shape[1:]))
        np.add.at(sums, codes, terms)
        if se_type == "CR1":
            g_count = sums.shape[0]
            factor = np.sqrt(g_count / (g_count - 1) * (n - 1) / (n - k))
            terms = terms * factor
            sums = sums * factor
        var = np.einsum("gjt,gjt->tj", sums, sums)
    bread_diag = np.diag(bread)[wanted]
    zero = _ols.zero_variance(var, y_var[:, None], bread_diag[None, :])
    var = np.where(zero, np.nan, var)
    arms = np.flatnonzero(identified)
    est = out["estimate"]
    for jj, j in enumerate(arms):
        est[cols, j] = coef[wanted[jj]]
        out["std_error"][cols, j] = np.sqrt(var[:, jj])
        out["df"][cols, j] = df[jj]
        psi[j][np.ix_(rows, cols)] = terms[:, jj, :]


def _cr2_adjusted(xk: np.ndarray, coef: np.ndarray, resid: np.ndarray, bread: np.ndarray,
                  lev: np.ndarray, d: _Design, cl: np.ndarray, wanted: np.ndarray,
                  weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The CR2 degrees of freedom of ``wanted`` and the weights times each cluster's
    adjustment ``A_g = (I - H_gg)^{-1/2}`` (``H`` the full model's hat matrix)."""
    adj = np.empty_like(weights)
    groups = d.groups
    if groups is None:
        _, dfs = _ols._cr2(_ols.LinearFit(xk, coef, resid, bread, lev), cl, wanted)
    else:
        sizes = np.bincount(groups, minlength=d.n_groups).astype(np.int64)
        absorbed = _absorb.AbsorbedFit(xk, coef, resid, bread, lev, groups, sizes)
        _, dfs = _absorb._cr2(absorbed, cl, wanted)
    inv_size = None if groups is None else 1.0 / np.bincount(groups, minlength=d.n_groups)
    for idx in _ols._cluster_groups(cl):
        xg = xk[idx]
        h = xg @ bread @ xg.T
        if groups is not None and inv_size is not None:
            gg = groups[idx]
            h = h + (gg[:, None] == gg[None, :]) * inv_size[gg][:, None]
        adj[idx] = _ols.inverse_sqrt_psd(np.eye(idx.size) - h) @ weights[idx]
    return dfs[wanted], adj


def _critical(psi: np.ndarray, se: np.ndarray, df: np.ndarray, alpha: float, draws: int,
              seed: int, clusters: np.ndarray | None) -> np.ndarray:
    """The sup-t critical value of each arm over its months (see the module documentation)."""
    m = psi.shape[0]
    crit = np.full(m, np.nan)
    rng = np.random.default_rng(seed)
    for j in range(m):
        ok = np.isfinite(se[:, j]) & (se[:, j] > 0)
        if not ok.any():
            continue
        p = psi[j][:, ok]
        if clusters is not None:
            codes = np.unique(clusters, return_inverse=True)[1]
            sums = np.zeros((int(codes.max()) + 1, p.shape[1]))
            np.add.at(sums, codes, p)
            p = sums
        cov = p.T @ p
        sd = np.sqrt(np.diag(cov))
        corr = cov / np.outer(sd, sd)
        vals, vecs = np.linalg.eigh(corr)
        root = vecs * np.sqrt(np.clip(vals, 0.0, None))
        z = rng.standard_normal((draws, corr.shape[0])) @ root.T
        c = float(np.quantile(np.abs(z).max(axis=1), 1.0 - alpha))
        pointwise = float(stats.t.ppf(1.0 - alpha / 2.0, np.nanmin(df[ok, j])))
        crit[j] = max(c, pointwise)
    return crit
