"""A validated trial: the plan from ``trial.toml`` and the typed tables.

:func:`load_trial` reads and validates a trial folder and, when the folder
honours the contract, returns a :class:`Trial` whose tables have the types that
every later layer relies on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from trustexp.config import TrialConfig
from trustexp.errors import ContractError
from trustexp.validation import ValidationReport
from trustexp.validation._columns import Parsed
from trustexp.validation._run import check_folder
from trustexp.validation._tables import CheckedTable, text_column

__all__ = ["Trial", "load_trial", "month_index"]


@dataclass(frozen=True)
class Trial:
    """A trial folder that honours the contract.

    Attributes
    ----------
    config
        The design and analysis plan, with defaults filled in.
    participants
        One row per randomised person (reference arms included): ``person_id``,
        ``site``, ``arm`` (str), ``randomised_on`` (``datetime64[ns]``, a date),
        ``stratum`` / ``cluster`` (str) when present, covariates and
        participant-level outcome columns (float64), other columns as read.
    monthly
        ``person_id`` (str), ``month`` (int32, ``year*12 + month - 1``),
        ``on_benefit``, ``employed`` (int8), ``earnings``, ``hours`` (float64,
        NaN when absent); None without a monthly table.
    survey
        ``person_id``, ``wave`` (int64), ``responded_on`` (``datetime64[ns]``),
        item and outcome columns (float64, NaN = no answer); or None.
    takeup
        ``person_id`` and ``received`` and/or ``dose`` (float64); or None.
    validation
        The report of the validation (warnings may be present).
    files
        ``"trial.toml"`` and each table to the file read.
    """

    config: TrialConfig
    participants: pd.DataFrame
    monthly: pd.DataFrame | None
    survey: pd.DataFrame | None
    takeup: pd.DataFrame | None
    validation: ValidationReport
    files: Mapping[str, Path]


def month_index(dates: object) -> np.ndarray:
    """Month index ``year*12 + month - 1`` of dates (anything numpy or pandas reads as dates).

    Parameters
    ----------
    dates
        Array-like of dates, datetimes or ``"YYYY-MM"`` / ``"YYYY-MM-DD"`` strings.

    Returns
    -------
    numpy.ndarray
        int32 month indices.
    """
    values = np.asarray(pd.to_datetime(pd.Series(np.asarray(dates).ravel())), dtype="datetime64[M]")
    return (values.astype(np.int64) + 1970 * 12).astype(np.int32)


def load_trial(path: str | Path | None = None, *, demo: bool = False) -> Trial:
    """Read and validate a trial folder.

    Parameters
    ----------
    path
        The trial folder (holding ``trial.toml``).
    demo
        Load the demo trial that ships with trustexp instead.

    Raises
    ------
    ContractError
        The folder breaks the contract; ``exc.report`` lists every problem.
    InputError, ConfigError
        The folder or a file cannot be read.
    """
    checked = check_folder(path, demo=demo)
    report = checked.report
    if not report.valid:
        raise ContractError(report)
    # the same parse as the validator's plan (a valid folder has nothing pruned)
    config = checked.plan.config or TrialConfig.from_dict(checked.raw_config, checked.folder)
    tables = checked.tables
    participants = _frame(tables["participants"], config)
    survey = _frame(tables["survey"], config) if "survey" in tables else None
    if survey is not None:
        survey = _without_late_baselines(survey, participants)
    return Trial(
        config=config,
        participants=participants,
        monthly=_frame(tables["monthly"], config) if "monthly" in tables else None,
        survey=survey,
        takeup=_frame(tables["takeup"], config) if "takeup" in tables else None,
        validation=report,
        files=dict(report.files),
    )


def _without_late_baselines(survey: pd.DataFrame, participants: pd.DataFrame) -> pd.DataFrame:
    """The survey without wave-0 answers dated after randomisation (contract v1.1: a missing baseline)."""
    rand = participants.set_index("person_id")["randomised_on"]
    when = survey["person_id"].map(rand)
    late = (survey["wave"] == 0) & (survey["responded_on"] > when)
    return survey.loc[~late.to_numpy()].reset_index(drop=True) if late.any() else survey


#: Integer columns kept as integers; every other integer column becomes float64 (NaN = missing).
_INTEGERS = {
    ("monthly", "on_benefit"): np.int8,
    ("monthly", "employed"): np.int8,
    ("survey", "wave"): np.int64,
}


def _frame(table: CheckedTable, config: TrialConfig) -> pd.DataFrame:
    """The typed frame of a validated table, in the column order of the file."""
    columns: dict[str, object] = {}
    for name in table.raw.columns:
        p = table.parsed.get(name)
        if p is None:
            columns[name] = table.raw.data.column(name).to_pandas()
            continue
        columns[name] = _typed(p, _INTEGERS.get((table.name, name)))
    if table.name == "monthly":
        for optional in ("earnings", "hours"):
            columns.setdefault(optional, np.full(table.n, np.nan))
    return pd.DataFrame(columns)


def _typed(p: Parsed, integer: type | None) -> object:
    if p.kind == "string":
        return text_column(p).to_pandas()
    if p.kind == "date":
        return p.values.astype("datetime64[ns]")
    if p.kind == "yearmonth":
        return p.values.astype(np.int32)
    if p.kind == "integer" and integer is not None:
        return p.values.astype(integer)
    return np.where(p.missing, np.nan, p.values.astype(np.float64))
