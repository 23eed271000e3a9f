"""Evaluate a trial: every effect, design check and fingerprint in one immutable object.

>>> ev = trustexp.evaluate("my-trial")          # doctest: +SKIP
>>> print(ev.summary())                          # doctest: +SKIP
>>> ev.effects.query("site == 'all' and primary")  # doctest: +SKIP

What is estimated, and how, is documented in :mod:`trustexp.outcomes` (the
person-level outcomes), :mod:`trustexp.analysis.samples` (samples, strata, covariates,
seeds), :mod:`trustexp.analysis.effects` (effects, randomisation inference,
multiple testing), :mod:`trustexp.analysis.checks` (balance, flow, attrition,
curves), :mod:`trustexp.analysis.compliers` (complier effects) and
:mod:`trustexp.provenance` (fingerprints).
"""

from __future__ import annotations

import contextlib
import copy
import operator
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from trustexp._version import __version__
from trustexp.analysis import checks as _tables
from trustexp.analysis.compliers import complier_effects
from trustexp.analysis.effects import RECORD_KEYS, estimate_effects
from trustexp.analysis.samples import analysis_samples, effective_se_type
from trustexp.analysis.scales import reliability
from trustexp.config import TrialConfig
from trustexp.errors import ContractError, OptionError
from trustexp.outcomes import derive_outcomes
from trustexp.provenance import provenance as make_provenance
from trustexp.reporting import records as _export

if TYPE_CHECKING:  # pragma: no cover
    from trustexp.trial import Trial

__all__ = ["FRAMES", "Evaluation", "evaluate"]

#: The result frames of an evaluation, each a read-only property of :class:`Evaluation`.
FRAMES = (
    "effects",
    "balance",
    "balance_tests",
    "flow",
    "response",
    "attrition_tests",
    "lee_bounds",
    "monthly_curves",
    "reliability",
    "reference",
    "compliers",
)


def _frame_property(name: str, doc: str) -> property:
    def get(self: Evaluation) -> pd.DataFrame:
        # A shallow copy: with copy-on-write, changing it never changes the evaluation.
        return self._frames[name].copy(deep=False)

    return property(get, doc=doc)


@dataclass(frozen=True, eq=False)
class Evaluation:
    """The results of evaluating one trial. Immutable: every accessor returns a copy.

    Build it with :func:`evaluate`. Frames (columns in the order listed):

    ``effects``
        One row per (site, outcome, arm): ``site, outcome, arm, estimate,
        std_error, ci_low, ci_high, p_value, df, n, n_arm, n_control,
        control_mean, se_type, p_adjusted, adjustment_method``,
        [``p_value_ri`` with permutations], ``family, primary, outcome_type,
        outcome_label, arm_label, statistic``. ``site == "all"`` is pooled.
        Binary outcomes in proportions (0.05 = 5 percentage points).
    ``balance``
        ``site, arm, covariate, mean_arm, sd_arm, mean_control, sd_control,
        std_diff, n_arm, n_control``.
    ``balance_tests``
        ``site, arm, statistic, df1, df2, p_value, n``.
    ``flow``
        ``site, arm, outcome, n_randomised, n_analysed, n_missing``.
    ``response``
        ``site, arm, wave, n_randomised, n_responded, rate``.
    ``attrition_tests``
        ``site, wave, statistic, df1, df2, p_value``.
    ``lee_bounds``
        ``site, outcome, arm, lower, upper, trimming_share, trimmed_group, n``.
    ``monthly_curves``
        ``site, arm, month, n, share_on_benefit, share_employed``.
    ``reliability``
        ``scale, wave, alpha, n, n_items``.
    ``reference``
        ``outcome, arm, mean, n``: descriptive, never an estimate.
    ``compliers``
        ``site, outcome, arm, takeup, estimate, std_error, ci_low, ci_high,
        p_value, n, first_stage, first_stage_f``: complier (IV) effects for
        arms with a ``[[takeup]]`` declaration.

    Attributes
    ----------
    config
        The trial's plan.
    trial
        The loaded trial.
    permutations
        The number of re-randomisations behind ``p_value_ri`` (0: none).
    """

    config: TrialConfig
    trial: Trial = field(repr=False)
    permutations: int
    _frames: Mapping[str, pd.DataFrame] = field(repr=False)
    _outcomes: pd.DataFrame = field(repr=False)
    _provenance: Mapping[str, Any] = field(repr=False)

    effects = _frame_property("effects", "Effects: one row per (site, outcome, arm).")
    balance = _frame_property("balance", "Covariate balance, each arm against control.")
    balance_tests = _frame_property("balance_tests", "Joint balance tests.")
    flow = _frame_property("flow", "Randomised, analysed and missing per outcome and arm.")
    response = _frame_property("response", "Survey response per arm and wave.")
    attrition_tests = _frame_property("attrition_tests", "Tests of differential attrition.")
    lee_bounds = _frame_property("lee_bounds", "Lee (2009) bounds for survey outcomes.")
    monthly_curves = _frame_property("monthly_curves", "Monthly shares by arm.")
    reliability = _frame_property("reliability", "Cronbach's alpha per scale and wave.")
    reference = _frame_property("reference", "Descriptive means of reference groups.")
    compliers = _frame_property("compliers", "Complier (IV) effects.")

    @property
    def provenance(self) -> dict[str, Any]:
        """Fingerprints: ``files``, ``data_sha256``, ``seed``, ``permutations``,
        ``versions``, ``command`` (see :mod:`trustexp.provenance`). A copy."""
        return copy.deepcopy(dict(self._provenance))

    @property
    def data_sha256(self) -> str:
        """The fingerprint of the input files."""
        return str(self._provenance["data_sha256"])

    def outcomes(self) -> pd.DataFrame:
        """The person-level outcomes (see :func:`trustexp.outcomes.derive_outcomes`).

        Person-level data: never part of a report or an export.
        """
        return self._outcomes.copy(deep=False)

    def to_frame(self) -> pd.DataFrame:
        """The effects frame (a copy)."""
        return self.effects

    # -- exports ---------------------------------------------------------------
    def _min_cell(self, min_cell: int | None) -> int:
        if min_cell is None:
            return int(self.config.analysis.min_cell)
        if isinstance(min_cell, bool) or not isinstance(min_cell, int) or min_cell < 0:
            raise OptionError(
                f"The 'min_cell' parameter must be an integer >= 0. Got {min_cell!r} instead."
            )
        return min_cell

    def to_dict(self, *, min_cell: int | None = None) -> dict[str, Any]:
        """The contract's JSON object: ``trial``, ``trustexp_version``, ``data_sha256``, ``effects``.

        Parameters
        ----------
        min_cell
            Counts below it are suppressed (default: ``[analysis] min_cell``;
            0 releases everything).
        """
        return {
            "trial": self.config.name,
            "trustexp_version": __version__,
            "data_sha256": self.data_sha256,
            "effects": _export.effect_records(self._frames["effects"],
                                              min_cell=self._min_cell(min_cell)),
        }

    def to_json(self, *, min_cell: int | None = None) -> str:
        """:meth:`to_dict` as JSON text (deterministic bytes; NaN as null)."""
        return _export.records_json(self.to_dict(min_cell=min_cell))

    def to_csv(self, *, min_cell: int | None = None) -> str:
        """The same records as :meth:`to_dict`, as CSV text (empty field for null)."""
        keys = RECORD_KEYS + (["p_value_ri"] if self.permutations > 0 else [])
        return _export.records_csv(self.to_dict(min_cell=min_cell)["effects"], keys)

    # -- display ---------------------------------------------------------------
    def _title(self) -> list[str]:
        c = self.config
        arm = self.trial.participants["arm"].astype("str")
        n_rand = int(arm.isin([a.id for a in c.randomised_arms]).sum())
        sites = sorted(self.trial.participants["site"].astype("str").unique().tolist())
        an = c.analysis
        se = effective_se_type(c)
        lines = [
            f"Trial: {c.name}",
            f"Randomised: {n_rand} in {len(c.randomised_arms)} arms; "
            f"sites: {len(sites)} ({', '.join(sites)})",
            "Model: OLS on arm indicators"
            + (" + strata fixed effects" if c.strata or len(sites) > 1 else "")
            + (f" + covariates ({', '.join(an.covariates)})" if an.covariates else "")
            + f"; covariate adjustment {an.adjustment}; standard errors {se}",
            f"Multiple testing: {an.multiple_testing} within families; "
            f"permutations: {self.permutations}; alpha = {an.alpha}",
            f"Data sha256: {self.data_sha256}",
            "Binary outcomes in percentage points (pp).",
        ]
        if c.reference_arms:
            refs = ", ".join(a.id for a in c.reference_arms)
            lines.append(f"Reference groups (descriptive only, never estimated): {refs}")
        return lines

    def summary(self) -> str:
        """A plain-text table of every effect (small cells suppressed)."""
        return _export.summary_text(self._title(), self._frames["effects"],
                                    min_cell=int(self.config.analysis.min_cell))

    def _repr_html_(self) -> str:
        return _export.summary_html(self._title(), self._frames["effects"],
                                    min_cell=int(self.config.analysis.min_cell))

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        n = len(self._frames["effects"])
        return f"<Evaluation of {self.config.name!r}: {n} effects, permutations={self.permutations}>"


def _check_permutations(permutations: Any, config: TrialConfig) -> int:
    if permutations is None:
        return int(config.analysis.permutations)
    try:
        value = operator.index(permutations)
    except TypeError:
        value = None
    if value is None or isinstance(permutations, bool) or value < 0:
        raise OptionError(
            "The 'permutations' parameter of evaluate must be an integer >= 0. "
            f"Got {permutations!r} instead."
        )
    return int(value)


def _as_trial(path_or_trial: Any, demo: bool) -> Trial:
    if path_or_trial is not None and not isinstance(path_or_trial, str | Path):
        if demo:
            raise OptionError("evaluate takes a trial or demo=True, not both.")
        validation = getattr(path_or_trial, "validation", None)
        if validation is not None and not validation.valid:
            raise ContractError(validation)
        return path_or_trial
    from trustexp.trial import load_trial

    if demo and path_or_trial is not None:
        raise OptionError("evaluate takes a trial folder or demo=True, not both.")
    return load_trial(path_or_trial, demo=demo)


def evaluate(
    path_or_trial: str | Path | Trial | None = None,
    *,
    demo: bool = False,
    permutations: int | None = None,
    command: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Evaluation:
    """Evaluate a trial: effects, balance, flow, attrition, inference, fingerprints.

    Parameters
    ----------
    path_or_trial
        A trial folder (read and validated by :func:`trustexp.load_trial`) or
        an already loaded trial.
    demo
        Evaluate the embedded demo trial instead.
    permutations
        Re-randomisations for ``p_value_ri``; default ``[analysis]
        permutations`` (0: none).
    command
        The command line that asked for the evaluation, kept in the provenance.
    progress
        Called as ``progress(step, done, total)`` after each outcome of each
        analysis is estimated.

    Raises
    ------
    ContractError
        The trial data break the contract (the validation report is attached).
    OptionError
        An option has an invalid value.
    """
    trial = _as_trial(path_or_trial, demo)
    b = _check_permutations(permutations, trial.config)
    with _single_threaded_blas():
        return _evaluate(trial, b, command, progress)


@contextlib.contextmanager
def _single_threaded_blas() -> Iterator[None]:
    """Run the linear algebra on one BLAS thread (restored afterwards).

    The matrices here are small (thousands of rows, tens of columns): threads
    only add overhead, which on a busy machine is many times the work, and one
    thread keeps the floating-point results the same on every machine.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _evaluate(
    trial: Trial, b: int, command: str | None, progress: Callable[[str, int, int], None] | None
) -> Evaluation:
    config = trial.config
    parts = trial.participants
    outcomes = derive_outcomes(trial)
    samples = analysis_samples(config, parts)
    resp = _tables.responded(config, parts, trial.survey)
    frames = {
        "effects": estimate_effects(config, outcomes, samples, permutations=b, progress=progress),
        "balance": _tables.balance(config, parts, samples),
        "balance_tests": _tables.balance_tests(config, samples),
        "flow": _tables.flow(config, outcomes, samples),
        "response": _tables.response(config, resp, samples),
        "attrition_tests": _tables.attrition_tests(config, resp, samples),
        "lee_bounds": _tables.lee_bounds_frame(config, outcomes, samples),
        "monthly_curves": _tables.monthly_curves(config, parts, trial.monthly, samples),
        "reliability": reliability(trial.survey, config.scales),
        "reference": _tables.reference_means(config, outcomes),
        "compliers": complier_effects(config, outcomes, trial.takeup, samples),
    }
    prov = make_provenance(trial, seed=config.analysis.seed, permutations=b, command=command)
    return Evaluation(
        config=config,
        trial=trial,
        permutations=b,
        _frames=frames,
        _outcomes=outcomes,
        _provenance=prov,
    )
