"""Validate a trial folder: read ``trial.toml`` and the tables, run every check."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trustexp._message import text as _t
from trustexp.errors import InputError
from trustexp.readers import TABLES, RawTable, locate_tables, read_table
from trustexp.resources import demo_dir
from trustexp.validation._collect import Collector
from trustexp.validation._config import Plan, check_config, read_toml
from trustexp.validation._randomisation import check_design
from trustexp.validation._report import Problem, ValidationReport
from trustexp.validation._schema import table_spec
from trustexp.validation._tables import CheckedTable, check_table

__all__ = ["Checked", "check_folder", "trial_folder", "validate"]


@dataclass(frozen=True)
class Checked:
    """Everything a validation run produced, for :func:`trustexp.load_trial`."""

    folder: Path
    report: ValidationReport
    raw_config: dict[str, Any]
    plan: Plan
    tables: dict[str, CheckedTable]


def trial_folder(path: str | Path | None, *, demo: bool) -> Path:
    """Resolve the trial folder (or the embedded demo trial).

    Raises
    ------
    InputError
        No path given, or the folder does not exist.
    """
    if demo:
        if path is not None:
            raise InputError(_t("folders.demo_and_folder"))
        folder = demo_dir()
        if not (folder / "trial.toml").is_file():
            raise InputError(_t("folders.no_demo", folder=folder))
        return folder
    if path is None:
        raise InputError(_t("folders.none_given"))
    folder = Path(path).expanduser()
    if "\x00" in str(folder):
        raise InputError(_t("folders.nul", folder=repr(str(folder))))
    try:
        exists, is_dir = folder.exists(), folder.is_dir()
    except OSError as exc:  # a name too long, a loop of links, no permission
        raise InputError(_t("folders.cannot_use", folder=folder, reason=exc.strerror or exc)) from None
    if not exists:
        raise InputError(_t("folders.no_such_folder", folder=folder))
    if not is_dir:
        raise InputError(_t("folders.not_a_folder", folder=folder))
    return folder


def check_folder(path: str | Path | None = None, *, demo: bool = False) -> Checked:
    """Read and check a trial folder; return the report with the parsed tables."""
    folder = trial_folder(path, demo=demo)
    toml = folder / "trial.toml"
    raw = read_toml(toml)
    out = Collector()
    problems, pruned, plan = check_config(raw, folder)
    out.extend(problems)

    files = {"trial.toml": toml}
    files.update(locate_tables(folder, plan.data))
    raws: dict[str, RawTable] = {name: read_table(files[name], name) for name in TABLES if name in files}

    for table, outcome in plan.needs:
        if table not in raws:
            out.add(
                Problem(
                    table, None, None, None, "missing-table",
                    f"outcome {outcome!r} needs the {table} table, but the folder has none "
                    f"({table}.csv, .parquet, .sav, .dta or .xlsx)",
                )
            )
    if plan.takeup_columns and "takeup" not in raws:
        out.add(
            Problem("takeup", None, None, None, "missing-table",
                    "trial.toml declares [[takeup]], but the folder has no takeup table")
        )
    checked: dict[str, CheckedTable] = {}
    people = check_table(raws["participants"], table_spec("participants"), plan, out)
    checked["participants"] = people
    for name in TABLES[1:]:
        if name in raws:
            checked[name] = check_table(raws[name], table_spec(name), plan, out, people)
    check_design(plan, checked, out)

    report = ValidationReport(
        errors=tuple(out.errors),
        warnings=tuple(out.warnings),
        files={k: v for k, v in files.items()},
        rows={name: t.n for name, t in checked.items()},
        counts=out.counts(),
        language=_declared_language(raw),
        export_names={k: dict(v) for k, v in out.renamed.items()},
    )
    return Checked(folder=folder, report=report, raw_config=pruned, plan=plan, tables=checked)


def _declared_language(raw: Any) -> str | None:
    trial = raw.get("trial") if isinstance(raw, dict) else None
    lang = trial.get("language") if isinstance(trial, dict) else None
    return lang if lang in ("nl", "en") else None


def validate(path: str | Path | None = None, *, demo: bool = False) -> ValidationReport:
    """Check a trial folder against the data contract.

    Every problem is collected in one run: problems of ``trial.toml`` and of
    every table. A ``trial.toml`` that breaks the contract does not stop the
    checks of the tables.

    Parameters
    ----------
    path
        The trial folder (holding ``trial.toml``).
    demo
        Validate the demo trial that ships with trustexp instead.

    Returns
    -------
    ValidationReport
        ``report.valid`` is True when there are no errors.

    Raises
    ------
    InputError
        The folder, ``trial.toml`` or the participants table is missing, or a
        table file cannot be read.
    ConfigError
        ``trial.toml`` is not valid TOML.
    """
    return check_folder(path, demo=demo).report
