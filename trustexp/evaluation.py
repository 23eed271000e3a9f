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
import dataclasses
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from trustexp._message import text as _t
from trustexp._version import __version__
from trustexp.analysis.samples import analysis_samples, effective_se_type
from trustexp.config import Adjustment, MultipleTesting, SeType, TrialConfig
from trustexp.disclosure import DEFAULT_MIN_CELL, Released, release
from trustexp.errors import ContractError, OptionError
from trustexp.frames import Inputs, frame_specs, typed_frame
from trustexp.literals import POOLED
from trustexp.options import apply_options, check_options, describe_options, execution_options
from trustexp.outcomes import derive_outcomes, panel_memo
from trustexp.provenance import provenance as make_provenance
from trustexp.reporting import records as _export

if TYPE_CHECKING:  # pragma: no cover
    from trustexp.reporting.regression import RegressionTable
    from trustexp.trial import Trial

__all__ = ["Evaluation", "evaluate"]

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
    _trial: Trial = field(repr=False)
    permutations: int
    _frames: Mapping[str, pd.DataFrame] = field(repr=False)
    _outcomes: pd.DataFrame = field(repr=False)
    _provenance: Mapping[str, Any] = field(repr=False)
    _inputs: Inputs = field(repr=False)
    _original_config: TrialConfig | None = field(default=None, repr=False)
    _overrides: Mapping[str, Any] = field(default_factory=dict, repr=False)

    def __getattr__(self, name: str) -> Any:
        frames = self.__dict__.get("_frames")
        if frames is not None and name in frames:
            return frames[name].copy(deep=False)
        raise AttributeError(f"'Evaluation' object has no attribute {name!r}")

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self._frames})

    @property
    def trial(self) -> Trial:
        """The loaded trial; its tables are copies, so changing them changes nothing here."""
        t = self._trial
        return dataclasses.replace(
            t,
            participants=t.participants.copy(deep=False),
            monthly=None if t.monthly is None else t.monthly.copy(deep=False),
            survey=None if t.survey is None else t.survey.copy(deep=False),
            takeup=None if t.takeup is None else t.takeup.copy(deep=False),
        )

    @property
    def frames(self) -> Mapping[str, pd.DataFrame]:
        """Every result frame by name, in the registry's order (copies)."""
        return MappingProxyType({k: v.copy(deep=False) for k, v in self._frames.items()})

    def frame(self, name: str) -> pd.DataFrame:
        """One result frame by name (a copy); see :func:`trustexp.frames.frame_specs`."""
        if name not in self._frames:
            raise OptionError(f"The 'name' parameter of Evaluation.frame must be one of "
                              f"{sorted(self._frames)}. Got {name!r} instead.")
        return self._frames[name].copy(deep=False)

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

    @property
    def options(self) -> dict[str, Any]:
        """The analysis options used (see :func:`trustexp.options.describe_options`)."""
        return copy.deepcopy(dict(self._provenance["options"]))

    def table(
        self,
        *,
        outcomes: list[str] | tuple[str, ...] | None = None,
        site: str = "all",
        beneath: Literal["std_error", "ci"] = "std_error",
        stars: bool = False,
        labels: bool = True,
        lang: Literal["nl", "en"] | None = None,
        min_cell: int | None = None,
    ) -> RegressionTable:
        """The side-by-side regression table: outcomes as columns, arms as rows.

        Each arm's effect with its standard error (or unadjusted confidence
        interval) beneath; then N, the control mean, whether covariates and
        strata fixed effects are in the model, R² and the standard errors.
        Binary outcomes in percentage points. Made from the disclosure gate's
        records only. Show it in a notebook, or call ``.to_frame()``,
        ``.to_html()``, ``.to_latex()``, ``.to_markdown()``, ``.to_docx(path)``.

        Parameters
        ----------
        outcomes
            Declared outcome ids (default: all, in declaration order).
        site
            ``"all"`` (pooled) or a site.
        beneath
            ``"std_error"`` (in parentheses) or ``"ci"`` (in brackets).
        stars
            Mark p < 0.10, 0.05, 0.01 (unadjusted) with stars; off by default.
        labels
            Arm and outcome labels (True) or ids.
        lang
            Language of the row names, notes and numbers (default: the trial's).
        min_cell
            As for :meth:`released`.
        """
        from trustexp.reporting.regression import regression_table

        return regression_table(self, outcomes=outcomes, site=site, beneath=beneath,
                                stars=stars, labels=labels, lang=lang or self.config.language,
                                min_cell=min_cell)

    def with_options(self, **options: Any) -> Evaluation:
        """Evaluate the same trial again with some options changed: a sensitivity run.

        Parameters
        ----------
        **options
            Any of the options of :func:`evaluate` (``covariates``,
            ``adjustment``, ``standard_errors``, ``cluster``,
            ``multiple_testing``, ``alpha``, ``outcomes``, ``permutations``,
            ``seed``, ``min_cell``, and ``workers`` or ``scheduler``, which
            apply to this run only); the others stay as they are here.

        Raises
        ------
        OptionError
            An unknown option or an invalid value.
        """
        checked, run = execution_options(
            check_options("with_options", options, self.config, self._trial.participants))
        base = self._overrides
        merged = {**base, **checked}
        original = self._original_config or self.config
        config = apply_options(original, merged)
        trial = dataclasses.replace(self._trial, config=config)
        with _single_threaded_blas():
            return _evaluate(trial, int(config.analysis.permutations),
                             self._provenance.get("command"), None,
                             original=original, overrides=merged, run=run)

    # -- outputs: everything goes through the disclosure gate ------------------
    def released(self, *, min_cell: int | None = None) -> Released:
        """Every frame after the disclosure gate (:func:`trustexp.disclosure.release`).

        Parameters
        ----------
        min_cell
            The smallest group shown (default: ``[analysis] min_cell``; 0
            releases everything).
        """
        return release(self, min_cell)

    def to_dict(self, *, min_cell: int | None = None,
                released: Released | None = None) -> dict[str, Any]:
        """The contract's results object: ``trial``, ``trustexp_version``, ``data_sha256``,
        ``min_cell`` and one list of records per frame (``effects`` first).

        Parameters
        ----------
        min_cell
            The smallest group shown (default: ``[analysis] min_cell``; 0
            releases everything). A withheld value is ``None`` and named in
            its record's ``"suppressed"``.
        released
            The gate's output, when it has been computed already.
        """
        rel = released if released is not None else self.released(min_cell=min_cell)
        out: dict[str, Any] = {
            "trial": self.config.name,
            "trustexp_version": __version__,
            "data_sha256": self.data_sha256,
            "min_cell": rel.min_cell,
        }
        for name, spec in frame_specs().items():
            if spec.public and name in rel.records:
                out[name] = rel.json_records(name)
        return out

    def to_json(self, *, min_cell: int | None = None) -> str:
        """:meth:`to_dict` as JSON text (deterministic bytes; NaN as null)."""
        return _export.records_json(self.to_dict(min_cell=min_cell))

    def to_csv(self, *, min_cell: int | None = None, frame: str = "effects") -> str:
        """One frame's records (default the effects) as CSV text (empty field for null)."""
        rel = self.released(min_cell=min_cell)
        spec = frame_specs().get(frame)
        if spec is None or frame not in rel.records:
            raise OptionError(f"The 'frame' parameter of to_csv must be one of "
                              f"{sorted(rel.records)}. Got {frame!r} instead.")
        keys = [k for k in spec.record_names if k in self._frames[frame].columns]
        return _export.records_csv(rel.json_records(frame), [*keys, "suppressed"])

    # -- display ---------------------------------------------------------------
    def _title(self, rel: Released) -> list[str]:
        c = self.config
        alloc = {r["arm"]: r["n"] for r in rel.frame("allocation") if r["site"] == POOLED}
        sites = sorted({str(r["site"]) for r in rel.frame("allocation")} - {POOLED})
        an = c.analysis
        se = effective_se_type(c)
        n_sites = max(len(sites), 1)
        lines = [
            f"Trial: {c.name}",
            f"Randomised: {alloc.get('*', '-')} in {len(c.randomised_arms)} arms; "
            f"sites: {n_sites}" + (f" ({', '.join(sites)})" if sites else ""),
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
        if rel.min_cell < DEFAULT_MIN_CELL:
            lines.append(f"Disclosure control: min_cell = {rel.min_cell}"
                         + (" (off: small groups are shown)" if rel.min_cell == 0 else
                            f", below the default of {DEFAULT_MIN_CELL}"))
        return lines

    def summary(self, *, min_cell: int | None = None) -> str:
        """A plain-text table of every effect, after the disclosure gate."""
        rel = self.released(min_cell=min_cell)
        return _export.summary_text(self._title(rel), rel.frame("effects"))

    def _repr_html_(self) -> str:
        rel = self.released()
        return _export.summary_html(self._title(rel), rel.frame("effects"))

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        n = len(self._frames["effects"])
        return f"<Evaluation of {self.config.name!r}: {n} effects, permutations={self.permutations}>"


def _as_trial(path_or_trial: Any, demo: bool) -> Trial:
    if path_or_trial is not None and not isinstance(path_or_trial, str | Path):
        if demo:
            raise OptionError(_t("evaluate.trial_and_demo"))
        validation = getattr(path_or_trial, "validation", None)
        if validation is not None and not validation.valid:
            raise ContractError(validation)
        return path_or_trial
    from trustexp.trial import load_trial

    if demo and path_or_trial is not None:
        raise OptionError(_t("evaluate.folder_and_demo"))
    return load_trial(path_or_trial, demo=demo)


def evaluate(
    path_or_trial: str | Path | Trial | None = None,
    *,
    demo: bool = False,
    covariates: list[str] | tuple[str, ...] | None = None,
    adjustment: Adjustment | None = None,
    standard_errors: SeType | None = None,
    cluster: str | None = None,
    multiple_testing: MultipleTesting | None = None,
    alpha: float | None = None,
    outcomes: list[str] | tuple[str, ...] | None = None,
    permutations: int | None = None,
    seed: int | None = None,
    min_cell: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
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
    covariates, adjustment, standard_errors, multiple_testing, alpha, permutations, seed, min_cell
        Override the key of the same name of ``[analysis]`` in trial.toml,
        checked as that key is (:mod:`trustexp.options`); ``None`` keeps the
        declared value. ``permutations`` re-randomisations give
        ``p_value_ri`` (0: none).
    cluster
        Override ``[randomisation] cluster`` (a column of participants).
    outcomes
        Estimate only these declared outcome ids.
    workers
        Run the randomisation tests on a local ``dask.distributed`` cluster of
        this many worker processes (``pip install 'trustexp[dask]'``).
    scheduler
        Run them on the running Dask scheduler at this address
        (``tcp://host:8786``) instead. Neither: in this process. The results
        are the same bits either way (:func:`trustexp.stats.permutation_test`).
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
    given = {"covariates": covariates, "adjustment": adjustment,
             "standard_errors": standard_errors, "cluster": cluster,
             "multiple_testing": multiple_testing, "alpha": alpha, "outcomes": outcomes,
             "permutations": permutations, "seed": seed, "min_cell": min_cell,
             "workers": workers, "scheduler": scheduler}
    check_options("evaluate", given)  # before reading the data: a typo fails fast
    trial = _as_trial(path_or_trial, demo)
    original = trial.config
    checked, run = execution_options(
        check_options("evaluate", given, original, trial.participants))
    config = apply_options(original, checked)
    trial = dataclasses.replace(trial, config=config)
    with _single_threaded_blas():
        return _evaluate(trial, int(config.analysis.permutations), command, progress,
                         original=original, overrides=checked, run=run)


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
    trial: Trial, b: int, command: str | None, progress: Callable[[str, int, int], None] | None,
    *, original: TrialConfig | None = None, overrides: Mapping[str, Any] | None = None,
    run: Mapping[str, Any] | None = None,
) -> Evaluation:
    from trustexp.executor import executor, running_on

    config = trial.config
    frames = {}
    run = run or {}
    with panel_memo(), executor(workers=run.get("workers"), scheduler=run.get("scheduler")) \
            as ex, running_on(ex):
        outcomes = derive_outcomes(trial)
        samples = analysis_samples(config, trial.participants)
        inputs = Inputs(config, trial, outcomes, tuple(samples), permutations=b,
                        progress=progress)
        for name, spec in frame_specs().items():
            frame = spec.build(inputs)
            drop = [c for c in spec.optional if c not in frame.columns]
            frames[name] = typed_frame(spec, frame, drop=drop)
    prov = make_provenance(trial, seed=config.analysis.seed, permutations=b, command=command)
    prov["options"] = describe_options(config, overrides or {})
    return Evaluation(
        config=config,
        _trial=trial,
        permutations=b,
        _frames=MappingProxyType(frames),
        _outcomes=outcomes,
        _provenance=MappingProxyType(prov),
        _inputs=inputs,
        _original_config=original or config,
        _overrides=MappingProxyType(dict(overrides or {})),
    )
