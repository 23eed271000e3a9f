"""Simulate the declared design and score trustexp's own estimator on it.

Every simulated trial re-draws the assignment with the randomiser of the
design (:func:`trustexp.stats.draw_assignments`: the strata's arm counts and
whole clusters kept), draws each outcome with the declared effect in every
treatment arm, the declared cluster correlation, covariate R² and attrition,
and estimates every effect with :func:`trustexp.stats.estimate_itt` (the
default estimate: strata fixed effects, the covariate, HC2 or CR2), pooled and
per site. Trial ``i`` draws from child ``i`` of
``numpy.random.SeedSequence(seed).spawn(simulations)``: the results do not
depend on how the trials are split into chunks nor where the chunks run
(:mod:`trustexp.executor`).

Outcomes:

* continuous ``y = effect + sd * (sqrt(r2) x + sqrt(1 - r2) (sqrt(icc) u_c + sqrt(1 - icc) e))``
  with ``x, u_c, e`` standard normal (``x`` the covariate of the model);
* binary: Bernoulli with probability ``base_rate + effect``, shifted by a 0/1
  covariate that explains the share ``r2`` of the variance (see
  :func:`_binary_covariate`); with clusters the cluster's probability is Beta
  with that mean and intra-cluster correlation ``icc`` (beta-binomial).

Diagnosands (DeclareDesign's names), over the simulated trials, for the effect
``d`` of each (site, outcome, arm): ``power_sim`` the share rejected at the
test level of the row's MDE (``alpha / tests``, the level of Holm's first
step, or under BH and Romano-Wolf the one-test level of the simulated
procedure's MDE, :mod:`trustexp.planning.multiplicity`); ``bias``
mean(estimate) - d; ``rmse``; ``coverage`` of the (1 - alpha) interval;
``type_s`` the share of rejections with the wrong sign; ``type_m`` the mean
|estimate| / |d| among rejections (Gelman and Carlin 2014).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from trustexp.executor import Executor, InProcess, chunk_ranges, spawn_seeds
from trustexp.stats import draw_assignments, estimate_itt
from trustexp.stats._threads import blas_limited

__all__ = ["SimOutcome", "SimulationSpec", "Simulated", "diagnosands", "simulate_design"]


@dataclass(frozen=True, slots=True)
class SimOutcome:
    """One outcome to simulate: ``base_rate`` (binary) or ``sd``, and the effect per arm."""

    binary: bool
    level: float          # base rate (binary) or standard deviation
    effects: tuple[float, ...]   # (m,) the effect of each treatment arm


@dataclass(frozen=True)
class SimulationSpec:
    """The declared design, coded (see :class:`trustexp.planning.layout.Layout`).

    ``sites`` (S,) are the analyses' masks over the N persons (pooled first).
    """

    arm: np.ndarray
    n_arms: int
    strata: np.ndarray | None
    clusters: np.ndarray | None
    site_masks: tuple[np.ndarray, ...]
    outcomes: tuple[SimOutcome, ...]
    icc: float
    r2: float
    attrition: float
    alpha: float
    se_type: str


@dataclass(frozen=True, slots=True)
class Simulated:
    """The estimates of every simulated trial.

    Arrays of shape (simulations, S, K, m): ``estimate``, ``std_error``,
    ``ci_low``, ``ci_high``, ``p_value`` (S analyses, K outcomes, m arms).
    """

    estimate: np.ndarray
    std_error: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    p_value: np.ndarray


def _outcome(spec: SimulationSpec, o: SimOutcome, assign: np.ndarray,
             rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray | None]:
    n = assign.size
    effect = np.r_[0.0, np.asarray(o.effects, float)][assign]
    g = None
    if spec.clusters is not None and spec.icc > 0:
        _, g = np.unique(spec.clusters, return_inverse=True)
    if o.binary:
        x = None
        p = o.level + effect
        if spec.r2 > 0:
            x, shift = _binary_covariate(o.level, spec.r2, n, rng)
            p = p + shift
        p = np.clip(p, 1e-9, 1 - 1e-9)
        if g is not None:
            shape = (1.0 - spec.icc) / spec.icc
            # one uniform per cluster and arm-mean: the cluster's probability
            u = rng.random(int(g.max()) + 1)
            from scipy import stats

            p = stats.beta.ppf(u[g], p * shape, (1 - p) * shape)
        return (rng.random(n) < p).astype(float), (None if x is None else x[:, None])
    x = rng.standard_normal(n)
    noise = rng.standard_normal(n)
    if g is not None:
        u = rng.standard_normal(int(g.max()) + 1)
        noise = np.sqrt(spec.icc) * u[g] + np.sqrt(1.0 - spec.icc) * noise
    y = effect + o.level * (np.sqrt(spec.r2) * x + np.sqrt(1.0 - spec.r2) * noise)
    return y, (x[:, None] if spec.r2 > 0 else None)


def _binary_covariate(base: float, r2: float, n: int,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A 0/1 covariate and the shift of each person's probability that it explains.

    ``x ~ Bernoulli(q)`` moves the probability by ``d (x - q)`` with
    ``d^2 q (1 - q) = r2 base (1 - base)``: the covariate explains the share
    ``r2`` of the control arm's variance; ``q`` is the middle of the range
    that keeps both probabilities within [0, 1].
    """
    v = r2 * base * (1.0 - base)
    lo = r2 * base / (r2 * base + 1.0 - base)        # q >= lo keeps base + (1 - q) d <= 1
    hi = base / (r2 * (1.0 - base) + base)           # q <= hi keeps base - q d >= 0
    q = 0.5 * (lo + hi)
    d = np.sqrt(v / (q * (1.0 - q)))
    x = (rng.random(n) < q).astype(float)
    return x, d * (x - q)


@blas_limited
def _one_trial(spec: SimulationSpec, seq: np.random.SeedSequence) -> np.ndarray:
    """(5, S, K, m): estimate, std_error, ci_low, ci_high, p_value of one simulated trial."""
    rng = np.random.default_rng(seq)
    assign = draw_assignments(spec.arm, strata=spec.strata, clusters=spec.clusters, draws=1,
                              seed=int(rng.integers(2**63)))[0].astype(np.int64)
    m = spec.n_arms - 1
    out = np.full((5, len(spec.site_masks), len(spec.outcomes), m), np.nan)
    for k, o in enumerate(spec.outcomes):
        y, x = _outcome(spec, o, assign, rng)
        observed = rng.random(assign.size) >= spec.attrition
        for s, mask in enumerate(spec.site_masks):
            rows = mask & observed
            a = assign[rows]
            if not (a == 0).any() or np.unique(a).size < 2:
                continue
            res = estimate_itt(
                y[rows], a, n_arms=spec.n_arms,
                covariates=None if x is None else x[rows],
                strata=None if spec.strata is None else spec.strata[rows],
                clusters=None if spec.clusters is None else spec.clusters[rows],
                se_type=spec.se_type, alpha=spec.alpha,  # type: ignore[arg-type]
            )  # fmt: skip
            out[:, s, k, :] = (res.estimate, res.std_error, res.ci_low, res.ci_high, res.p_value)
    return out


def _chunk(spec: SimulationSpec, seqs: Sequence[np.random.SeedSequence]) -> np.ndarray:
    return np.stack([_one_trial(spec, q) for q in seqs]) if seqs else np.empty((0,))


def simulate_design(spec: SimulationSpec, *, simulations: int, seed: int,
                    executor: Executor | None = None, chunks: int | None = None) -> Simulated:
    """Simulate ``simulations`` trials of the design (see the module docstring).

    Parameters
    ----------
    spec
        The coded design and the outcomes to simulate.
    simulations
        Simulated trials.
    seed
        Root of :func:`trustexp.executor.spawn_seeds`: trial ``i`` uses child ``i``.
    executor
        Where the chunks run (default: this process).
    chunks
        Chunks to split the trials into (default: 4 per worker); does not change the result.
    """
    ex = executor if executor is not None else InProcess()
    seqs = spawn_seeds(seed, simulations)
    n_chunks = chunks if chunks is not None else 4 * max(1, int(getattr(ex, "workers", 1)))
    parts = ex.map(_chunk, spec, [seqs[lo:hi] for lo, hi in chunk_ranges(simulations, n_chunks)])
    m = spec.n_arms - 1
    arr = (np.concatenate([p for p in parts if p.size], axis=0) if simulations
           else np.empty((0, 5, len(spec.site_masks), len(spec.outcomes), m)))
    return Simulated(*(np.ascontiguousarray(arr[:, i]) for i in range(5)))


def diagnosands(sim: Simulated, effect: np.ndarray, level: np.ndarray) -> dict[str, np.ndarray]:
    """Power, bias, RMSE, coverage, type-S and type-M, each of shape (S, K, m).

    ``effect`` (S, K, m) is the simulated effect, ``level`` (S, K, m) the
    family's test level; trials where an effect is not estimable are left out.
    """
    est, p = sim.estimate, sim.p_value
    ok = np.isfinite(est) & np.isfinite(p)
    n = ok.sum(axis=0)
    sig = ok & (p < level[None])
    with np.errstate(invalid="ignore", divide="ignore"):
        nsig = sig.sum(axis=0)
        err = np.where(ok, est - effect[None], 0.0)
        cover = ok & (sim.ci_low <= effect[None]) & (effect[None] <= sim.ci_high)
        wrong = sig & (np.sign(est) != np.sign(effect[None]))
        mag = np.where(sig, np.abs(est), 0.0).sum(axis=0)
        power = np.where(n > 0, nsig / n, np.nan)
        return {
            "simulations": n.astype(np.int64),
            "power_sim": power,
            "power_mcse": np.sqrt(power * (1 - power) / np.where(n > 0, n, np.nan)),
            "bias": np.where(n > 0, err.sum(axis=0) / n, np.nan),
            "rmse": np.where(n > 0, np.sqrt((err**2).sum(axis=0) / n), np.nan),
            "coverage": np.where(n > 0, cover.sum(axis=0) / n, np.nan),
            "type_s": np.where((nsig > 0) & (effect != 0), wrong.sum(axis=0) / nsig, np.nan),
            "type_m": np.where((nsig > 0) & (effect != 0), mag / nsig / np.abs(effect), np.nan),
        }
