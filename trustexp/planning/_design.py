"""``trustexp.design``: what a trial could detect, before or after the data."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from trustexp.analysis.samples import effective_se_type
from trustexp.config import TrialConfig
from trustexp.errors import ContractError, InputError, OptionError
from trustexp.executor import Executor
from trustexp.planning.layout import Layout, layout_from_participants, layout_from_plan
from trustexp.planning.mde import declared_scale, formula_row, is_binary
from trustexp.planning.settings import DesignSettings, design_settings
from trustexp.planning.simulate import SimOutcome, SimulationSpec, diagnosands, simulate_design

__all__ = ["DesignResult", "design"]

Source = Literal["planned", "randomised", "observed"]


@dataclass(frozen=True)
class DesignResult:
    """The design table of a trial: MDE by formula, simulated diagnosands.

    Attributes
    ----------
    config
        The plan.
    settings
        ``[design]`` with defaults.
    source
        ``"planned"`` (sizes from ``n_per_arm``), ``"randomised"`` (a
        participants table, no outcomes yet) or ``"observed"`` (a full trial:
        sizes, base rates and standard deviations from the data, through the
        disclosure gate).
    records
        The rows (the ``design`` frame's JSON records; withheld values are None
        and listed in ``suppressed``).
    """

    config: TrialConfig
    settings: DesignSettings
    source: Source
    records: tuple[dict[str, Any], ...]

    @cached_property
    def table(self) -> pd.DataFrame:
        """The rows as a data frame (withheld values are NaN)."""
        return pd.DataFrame([{k: v for k, v in r.items() if k != "suppressed"}
                             for r in self.records])

    def to_frame(self) -> pd.DataFrame:
        """A copy of :attr:`table`."""
        return self.table.copy()

    def to_json(self) -> str:
        """The results JSON with the key ``design``."""
        from trustexp._version import __version__

        doc = {"trial": self.config.name, "trustexp_version": __version__, "source": self.source,
               "power": self.settings.power, "alpha": self.settings.alpha,
               "design": list(self.records)}
        return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False, default=_plain) + "\n"

    def summary(self) -> str:
        """A text table: MDE (and the simulated power) per site, outcome and arm."""
        lines = [f"{self.config.name}: what this trial could detect ({self.source} sizes; "
                 f"power {self.settings.power:g}, alpha {self.settings.alpha:g} within each family)",
                 ""]
        head = f"{'site':<12} {'outcome':<26} {'arm':<20} {'n_arm':>6} {'n_ctrl':>6} " \
               f"{'level':>7} {'MDE':>9} {'estimate':>9} {'sim.power':>9} {'bias':>8} {'cover':>6}"
        lines += [head, "-" * len(head)]
        for r in self.records:
            lines.append(
                f"{str(r['site'])[:12]:<12} {str(r['outcome'])[:26]:<26} {str(r['arm'])[:20]:<20} "
                f"{_n(r.get('n_arm')):>6} {_n(r.get('n_control')):>6} {_f(r.get('alpha'), 4):>7} "
                f"{_f(r.get('mde'), 4):>9} {_f(r.get('estimate'), 4):>9} "
                f"{_f(r.get('power_sim'), 3):>9} {_f(r.get('bias'), 4):>8} {_f(r.get('coverage'), 3):>6}"
            )
        methods = sorted({str(r.get("mde_method")) for r in self.records if r.get("mde_method")})
        lines += ["", "level: the test level of the MDE (" + ", ".join(methods) + "; "
                  "holm-first-step: alpha / tests; simulated-*: the level at which one test "
                  "needs the effect that the family's procedure rejects with the power, the "
                  "family's statistics simulated jointly). MDE in the "
                  "outcome's units (binary: proportions; 'standardised': in standard deviations).",
                  "n_arm/n_ctrl: '<' marks a withheld small count."]
        return "\n".join(lines) + "\n"

    def _repr_html_(self) -> str:
        return self.table._repr_html_()

    def __str__(self) -> str:
        return self.summary()


def _plain(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if not np.isfinite(value) else float(value)
    raise TypeError(type(value).__name__)


def _n(v: Any) -> str:
    return "<" if v is None else str(int(v))


def _f(v: Any, digits: int) -> str:
    return "" if v is None or (isinstance(v, float) and not math.isfinite(v)) else f"{v:.{digits}f}"


def _clean(r: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in r.items():
        if isinstance(v, float | np.floating) and not math.isfinite(float(v)):
            v = None
        elif isinstance(v, np.integer):
            v = int(v)
        elif isinstance(v, np.floating):
            v = float(v)
        out[k] = v
    return out


def _config(folder: Path) -> tuple[TrialConfig, Any]:
    from trustexp.validation._config import check_config, read_toml
    from trustexp.validation._report import ValidationReport

    raw = read_toml(folder / "trial.toml")
    problems, pruned, plan = check_config(raw)
    errors = tuple(p for p in problems if p.severity == "error")
    if errors:
        raise ContractError(ValidationReport(errors=errors, files={"trial.toml": folder / "trial.toml"}))
    return TrialConfig.from_dict(pruned, folder), plan


def _participants_only(folder: Path, config: TrialConfig) -> pd.DataFrame | None:
    """The participants of a folder without outcome data yet (None: no participants table)."""
    from trustexp.trial import _frame
    from trustexp.validation._run import check_folder

    try:
        checked = check_folder(folder)
    except InputError as exc:
        if "no participants table" in str(exc):
            return None
        raise
    errors = tuple(p for p in checked.report.errors if p.rule != "missing-table")
    if errors:
        from trustexp.validation._report import ValidationReport

        raise ContractError(ValidationReport(errors=errors, warnings=checked.report.warnings,
                                             files=checked.report.files))
    return _frame(checked.tables["participants"], config)


def _se_type(config: TrialConfig, layout: Layout) -> str:
    """The standard errors of the default estimate, cluster-robust when the design has clusters."""
    se: str = effective_se_type(config)
    if layout.clusters is not None and not se.startswith("CR"):
        se = {"HC0": "CR0", "HC1": "CR1"}.get(se, "CR2")
    return se


def _formula_records(config: TrialConfig, settings: DesignSettings, layout: Layout,
                     min_cell: int) -> list[dict[str, Any]]:
    from trustexp.planning.mde import Hypothesis, simulated_levels

    rows = []
    arm_labels = {a.id: a.label for a in config.treatment_arms}
    keep = 1.0 - settings.attrition
    levels = simulated_levels(config, settings, [
        Hypothesis(site, o.id, arm, layout.cell(site, j).n_arm * keep,
                   layout.cell(site, j).n_control * keep)
        for site in layout.sites for o in config.outcomes
        for j, arm in enumerate(layout.arms, start=1)])
    for site in layout.sites:
        for o in config.outcomes:
            scale = declared_scale(settings, o)
            for j, arm in enumerate(layout.arms, start=1):
                cell = layout.cell(site, j)
                f = formula_row(config, settings, o, cell, scale, len(layout.arms),
                                levels.get((site, o.id, arm)))
                r: dict[str, Any] = {
                    "site": site, "outcome": o.id, "arm": arm,
                    "n": cell.n_arm + cell.n_control, "n_arm": cell.n_arm, "n_control": cell.n_control,
                    "control_mean": scale.base_rate if scale.base_rate is not None else math.nan,
                    "control_sd": scale.sd, **f,
                    "mde_observed": math.nan, "estimate": math.nan, "std_error": math.nan,
                    "ci_low": math.nan, "ci_high": math.nan, "df": math.nan,
                    "se_type": _se_type(config, layout), "outcome_type": o.type,
                    "outcome_label": o.display_label, "arm_label": arm_labels[arm],
                    "mde_correlation": "independent" if levels else "",
                }
                small = [k for k in ("n_arm", "n_control") if 0 < r[k] < min_cell]
                if small and not layout.planned:
                    withheld = ["n", "n_arm", "n_control", "mde", "df"]
                    r.update({k: None for k in withheld})
                    r["suppressed"] = withheld
                rows.append(_clean(r))
    return rows


def _observed_records(folder: Path | None, demo: bool, min_cell: int | None) -> tuple[list[dict], Any]:
    from trustexp.evaluation import evaluate

    ev = evaluate(folder, demo=demo, permutations=0)
    released = ev.released(min_cell=min_cell)
    return [dict(r) for r in released.json_records("design")], ev


def _simulate(config: TrialConfig, settings: DesignSettings, layout: Layout,
              records: list[dict[str, Any]], *, simulations: int, seed: int,
              effects: dict[str, float], executor: Executor | None,
              chunks: int | None) -> None:
    """Add the simulated diagnosands to ``records`` (in place)."""
    arms = layout.arms
    by = {(r["site"], r["outcome"], r["arm"]): r for r in records}
    pooled = layout.sites[0]
    outs, ids = [], []
    for o in config.outcomes:
        found = [by.get((pooled, o.id, a)) for a in arms]
        rows = [r for r in found if r is not None]
        if len(rows) < len(found) or not rows:
            continue
        binary = is_binary(o)
        level = rows[0]["control_mean"] if binary else rows[0]["control_sd"]
        if level is None or not math.isfinite(level) or (binary and not 0 < level < 1):
            continue
        if o.id in effects:
            eff = tuple(float(effects[o.id]) for _ in arms)
        elif o.id in settings.effects:
            eff = tuple(float(settings.effects[o.id]) for _ in arms)
        else:
            eff = tuple(float(r["mde"]) if r["mde"] is not None else math.nan for r in rows)
        if not all(math.isfinite(e) for e in eff):
            continue
        outs.append(SimOutcome(binary, float(level), eff))
        ids.append(o.id)
    if not outs or simulations <= 0:
        return
    se = _se_type(config, layout)
    spec = SimulationSpec(
        arm=layout.arm, n_arms=len(arms) + 1, strata=layout.strata, clusters=layout.clusters,
        site_masks=tuple(layout.mask(s) for s in layout.sites), outcomes=tuple(outs),
        icc=settings.icc if layout.clusters is not None else 0.0, r2=settings.r2,
        attrition=settings.attrition, alpha=settings.alpha, se_type=se,
    )
    sim = simulate_design(spec, simulations=simulations, seed=seed, executor=executor, chunks=chunks)
    shape = (len(layout.sites), len(outs), len(arms))
    effect = np.broadcast_to(np.array([o.effects for o in outs])[None], shape).copy()
    level = np.full(shape, np.nan)
    for s, site in enumerate(layout.sites):
        for k, oid in enumerate(ids):
            for j, a in enumerate(arms):
                r = by.get((site, oid, a))
                level[s, k, j] = r["alpha"] if r is not None and r.get("alpha") is not None else np.nan
    d = diagnosands(sim, effect, level)
    for s, site in enumerate(layout.sites):
        for k, oid in enumerate(ids):
            for j, a in enumerate(arms):
                r = by.get((site, oid, a))
                if r is None:
                    continue
                r["effect_sim"] = float(effect[s, k, j])
                for name, arr in d.items():
                    r[name] = arr[s, k, j]
                r.update(_clean({k2: r[k2] for k2 in ("effect_sim", *d)}))


def design(path: str | Path | None = None, *, demo: bool = False, simulations: int | None = None,
           seed: int | None = None, effects: dict[str, float] | None = None,
           executor: Executor | None = None, chunks: int | None = None,
           min_cell: int | None = None, workers: int | None = None,
           scheduler: str | None = None) -> DesignResult:
    """What a trial could detect: MDE by formula and simulated diagnosands.

    Parameters
    ----------
    path
        The trial folder: only ``trial.toml`` with ``[design] n_per_arm``, or
        with a participants table (outcome tables not needed), or a full trial.
    demo
        Use the embedded demo trial.
    simulations
        Simulated trials (default ``[design] simulations``, 200; 0: formulas only).
    seed
        Root seed of the simulation (default ``[analysis] seed``).
    effects
        The effect to simulate per outcome id (default ``[design] effects``,
        else each (outcome, arm)'s pooled MDE: the simulated power should then
        be the declared power).
    executor
        Where the simulated trials run (:func:`trustexp.executor.executor`).
    workers, scheduler
        Or: run them on a local Dask cluster of this many workers, or on the
        Dask scheduler at this address (checked as the options of
        :func:`trustexp.evaluate` are, :mod:`trustexp.options`). The results
        are the same bits wherever they run.
    chunks
        Chunks of simulated trials (does not change the result).
    min_cell
        Smallest count shown (default ``[analysis] min_cell``).

    Raises
    ------
    ContractError
        ``trial.toml`` or the participants table break the contract.
    ConfigError
        No participants table and no ``n_per_arm``.
    """
    from trustexp.executor import executor as make_executor
    from trustexp.options import check_options
    from trustexp.validation._run import trial_folder

    run = check_options("design", {"workers": workers, "scheduler": scheduler})
    if run and executor is not None:
        raise OptionError("The 'executor' parameter of design cannot be given with 'workers' "
                          "or 'scheduler'.")
    if run:
        with make_executor(**run) as ex:
            return design(path, demo=demo, simulations=simulations, seed=seed, effects=effects,
                          executor=ex, chunks=chunks, min_cell=min_cell)
    if simulations is not None and (isinstance(simulations, bool) or not isinstance(simulations, int)
                                    or simulations < 0):
        raise OptionError(
            f"The 'simulations' parameter of design must be an integer >= 0. Got {simulations!r} instead."
        )
    folder = trial_folder(path, demo=demo)
    config, plan = _config(folder)
    unknown = sorted(set(effects or {}) - {o.id for o in config.outcomes})
    if unknown:
        raise OptionError(
            f"The 'effects' parameter of design names an outcome that trial.toml does not "
            f"declare: {unknown[0]!r} (declared: {', '.join(o.id for o in config.outcomes)})."
        )
    settings = design_settings(config)
    cell_min = config.analysis.min_cell if min_cell is None else int(min_cell)
    participants = _participants_only(folder, config)
    source: Source
    if participants is None:
        layout = layout_from_plan(config, settings)
        records = _formula_records(config, settings, layout, cell_min)
        source = "planned"
    else:
        layout = layout_from_participants(config, participants)
        if all(t in _tables(folder, plan) for t, _ in plan.needs):
            records, _ = _observed_records(None if demo else folder, demo, min_cell)
            source = "observed"
        else:
            records = _formula_records(config, settings, layout, cell_min)
            source = "randomised"
    n_sims = settings.simulations if simulations is None else simulations
    _simulate(config, settings, layout, records, simulations=n_sims,
              seed=config.analysis.seed if seed is None else int(seed),
              effects=dict(effects or {}), executor=executor, chunks=chunks)
    return DesignResult(config, settings, source, tuple(records))


def _tables(folder: Path, plan: Any) -> set[str]:
    from trustexp.readers import locate_tables

    return set(locate_tables(folder, plan.data))
