"""The sites' intention-to-treat fits of one outcome, all sites in one call.

Each site's analysis fits :func:`trustexp.stats.estimate_itt` on the site's
persons whose outcome is observed, with the outcome's covariates that are not
constant there, the site's strata and clusters over those persons (recoded by
:func:`~trustexp.analysis.samples.refactor`) and the site's standard errors.
:func:`fit_sites` stacks those rows, one segment per site, and fits every
site's model at once (:func:`trustexp.stats.segments.estimate_itt_by_segment`),
which gives each site what that call gives. Sites whose covariates are fewer
are padded with zero columns (constant, so left out of their models).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np

from trustexp.analysis.samples import AnalysisSample, refactor
from trustexp.literals import Adjustment, SeType

if TYPE_CHECKING:
    from trustexp.stats import ITTResult

__all__ = ["OutcomeRows", "fit_sites"]


class OutcomeRows(Protocol):
    """One outcome over one analysis's sample: values, observed rows, covariates."""

    @property
    def y(self) -> np.ndarray:
        """The outcome, (n,) over the sample."""
        ...

    @property
    def obs(self) -> np.ndarray:
        """Where the outcome is observed, (n,) bool."""
        ...

    @property
    def cov(self) -> np.ndarray | None:
        """The covariates of the outcome's model, (n, p), or None."""
        ...


def fit_sites(
    samples: Sequence[AnalysisSample],
    data: Sequence[OutcomeRows],
    *,
    adjustment: Adjustment,
    alpha: float,
) -> list[ITTResult]:
    """The fit of one outcome in each of ``samples`` (its rows ``data``, entry by entry).

    Entry ``i`` is what :func:`trustexp.stats.estimate_itt` gives for
    ``data[i]`` over ``samples[i]`` (see the module documentation). Samples
    with different standard errors (or some with clusters and some without)
    are fitted in separate calls.
    """
    from trustexp.stats.segments import estimate_itt_by_segment

    out: list[ITTResult | None] = [None] * len(samples)
    calls: dict[tuple[SeType, bool], list[int]] = {}
    for i, sample in enumerate(samples):
        calls.setdefault((sample.se_type, sample.clusters is None), []).append(i)
    for (se_type, unclustered), members in calls.items():
        width = max(_width(data[i].cov) for i in members)
        ys, arms, segments, covs, strata, clusters = [], [], [], [], [], []
        for code, i in enumerate(members):
            sample, d = samples[i], data[i]
            obs = d.obs
            n = int(obs.sum())
            ys.append(d.y[obs])
            arms.append(sample.arm[obs])
            segments.append(np.full(n, code, dtype=np.int64))
            block = np.zeros((n, width))
            if d.cov is not None:
                block[:, : d.cov.shape[1]] = d.cov[obs]
            covs.append(block)
            st = refactor(None if sample.blocks is None else sample.blocks[obs])
            strata.append(np.full(n, -1, dtype=np.int64) if st is None else st)
            if not unclustered:
                assert sample.clusters is not None
                cl = refactor(sample.clusters[obs])
                assert cl is not None
                clusters.append(cl)
        fits = estimate_itt_by_segment(
            np.concatenate(ys),
            np.concatenate(arms),
            np.concatenate(segments),
            n_arms=np.array([samples[i].n_arms for i in members]),
            covariates=np.concatenate(covs) if width else None,
            strata=np.concatenate(strata),
            clusters=None if unclustered else np.concatenate(clusters),
            adjustment=adjustment,
            se_type=se_type,
            alpha=alpha,
        )
        for code, i in enumerate(members):
            out[i] = fits.results[code]
    done = [r for r in out if r is not None]
    assert len(done) == len(samples)
    return done


def _width(cov: np.ndarray | None) -> int:
    """Columns of a covariate matrix (0 for None)."""
    return 0 if cov is None else int(cov.shape[1])
