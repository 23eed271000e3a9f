"""Person-level outcomes, derived from the trial's tables as the contract defines them.

:func:`derive_outcomes` returns one row per participant (reference arms
included) with one column per declared outcome. The rules:

Monthly measures
    Month 0 is the calendar month of ``randomised_on``; the window of an
    outcome is follow-up months 1..W (``window_months = W``). A month counts as
    *work* where ``employed = 1``, and, when the outcome sets ``min_hours = H``,
    also ``hours >= H``. A measure is missing (never zero) unless every month
    1..W has a row in the panel and the months whose values are unknown
    cannot change it (contract v1.1): with ``min_hours``, a month with
    ``employed = 1`` and no ``hours`` has an unknown work status, and a month
    with ``employed = 1`` and no ``earnings`` has unknown earnings (a month
    without work and without earnings has none). ``exit_to_work``,
    ``part_time_work`` and ``any_work`` are 1 once a known month qualifies,
    whatever the unknown months hold, and 0 only when no unknown month could
    qualify; ``time_to_exit`` is known when no unknown month before the first
    known exit could be an exit; a count or a sum with an unknown month is
    missing; ``employed_at`` reads month W only (but still needs the whole
    window observed). ``tests/test_outcomes.py`` checks this against an
    enumeration of every completion of the unknown months.

``time_to_exit``
    The first follow-up month with ``on_benefit = 0`` and work, censored at the
    end of the window: the value is ``min(T, W)`` and a person without an exit
    in months 1..W gets W. The mean of this value is the *restricted mean time
    to exit* over the window, so an ITT effect on it is a difference in
    restricted mean survival times. It is computed, like every monthly measure,
    only for persons whose window is fully observed. The column
    ``f"{id}__event"`` is 1 where the exit was observed within the window and
    0 where the value is censored at W.

Survey outcomes
    A scale's score at a wave (see :mod:`trustexp.analysis.scales`), or a single survey
    column at a wave. An outcome at a wave after baseline also gets
    ``f"{id}__baseline"``: the same scale's (or column's) value at wave 0,
    missing where the person has none. The estimation layer handles a missing
    baseline (see :mod:`trustexp.analysis.samples`). A survey outcome without ``wave``
    uses the last wave in the survey table.

Participant outcomes
    The declared ``column`` of the participants table, as a float.

A monthly outcome without ``window_months`` uses the *common follow-up*: the
shortest last follow-up month among randomised participants with any
follow-up month in the panel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from trustexp.analysis.scales import scale_scores
from trustexp.config import Outcome, TrialConfig

if TYPE_CHECKING:  # pragma: no cover
    from trustexp.trial import Trial

__all__ = [
    "BASELINE_SUFFIX",
    "EVENT_SUFFIX",
    "derive_outcomes",
    "follow_up_months",
    "month_zero",
    "monthly_measure",
    "outcome_window",
]

BASELINE_SUFFIX = "__baseline"
EVENT_SUFFIX = "__event"

_WORK_MEASURES = {
    "exit_to_work",
    "part_time_work",
    "any_work",
    "months_employed",
    "employed_at",
    "time_to_exit",
}


def month_zero(randomised_on: pd.Series) -> np.ndarray:
    """Month index (``year * 12 + month - 1``) of each randomisation date."""
    d = pd.DatetimeIndex(pd.to_datetime(randomised_on))
    return (d.year.to_numpy() * 12 + d.month.to_numpy() - 1).astype(np.int64)


def follow_up_months(participants: pd.DataFrame, monthly: pd.DataFrame | None) -> pd.DataFrame:
    """The monthly panel with each row's month since randomisation.

    Returns the panel's rows for persons in ``participants`` with an extra
    integer column ``rel_month`` (0 = the month of randomisation) and ``row``,
    the person's position in ``participants``.
    """
    if monthly is None or monthly.empty:
        return pd.DataFrame(
            {"row": pd.Series(dtype="int64"), "rel_month": pd.Series(dtype="int64")}
        )
    ids = pd.Index(participants["person_id"].astype("str"))
    pos = ids.get_indexer(monthly["person_id"].astype("str"))
    keep = pos >= 0
    m0 = month_zero(participants["randomised_on"])
    panel = monthly.loc[keep].copy()
    panel["row"] = pos[keep].astype(np.int64)
    panel["rel_month"] = panel["month"].to_numpy(dtype=np.int64) - m0[pos[keep]]
    return panel


class _Panel:
    """The follow-up panel as (persons x months 1..horizon) float arrays, NaN = no row."""

    def __init__(self, panel: pd.DataFrame, n: int, horizon: int) -> None:
        self.horizon = horizon
        sel = panel.loc[(panel["rel_month"] >= 1) & (panel["rel_month"] <= horizon)]
        r = sel["row"].to_numpy(dtype=np.int64)
        c = sel["rel_month"].to_numpy(dtype=np.int64) - 1
        self.present = np.zeros((n, horizon), dtype=bool)
        self.present[r, c] = True
        self.values: dict[str, np.ndarray] = {}
        for col in ("on_benefit", "employed", "earnings", "hours"):
            arr = np.full((n, horizon), np.nan)
            if col in sel.columns:
                arr[r, c] = pd.to_numeric(sel[col], errors="coerce").to_numpy(
                    dtype=float, na_value=np.nan
                )
            self.values[col] = arr


def outcome_window(outcome: Outcome, panel: pd.DataFrame, randomised: np.ndarray) -> int:
    """The window W of a monthly outcome (its ``window_months``, or the common follow-up)."""
    if outcome.window_months is not None:
        return int(outcome.window_months)
    fu = panel.loc[panel["rel_month"] >= 1]
    fu = fu.loc[randomised[fu["row"].to_numpy(dtype=np.int64)]]
    if fu.empty:
        return 1
    return max(1, int(fu.groupby("row")["rel_month"].max().min()))


def monthly_measure(
    panel: _Panel, measure: str, window: int, min_hours: float | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """One monthly measure for every person.

    Returns
    -------
    value : numpy.ndarray
        Shape (n,), NaN where the window is not fully observed.
    event : numpy.ndarray or None
        For ``time_to_exit``: shape (n,), 1.0 exit observed, 0.0 censored,
        NaN where ``value`` is missing; None for other measures.
    """
    w = window
    present = panel.present[:, :w]
    ob = panel.values["on_benefit"][:, :w]
    emp = panel.values["employed"][:, :w]
    known = present.all(axis=1) & np.isfinite(ob).all(axis=1) & np.isfinite(emp).all(axis=1)
    employed = emp == 1
    work = employed
    unknown = np.zeros_like(employed)
    if min_hours is not None and measure in _WORK_MEASURES:
        hours = panel.values["hours"][:, :w]
        unknown = employed & ~np.isfinite(hours)
        with np.errstate(invalid="ignore"):
            work = employed & (hours >= min_hours)
    may_work = work | unknown  # work in some completion of the unknown months
    on = ob == 1
    off = ob == 0
    event = None
    if measure in ("exit_to_work", "part_time_work", "any_work"):
        status = {"exit_to_work": off, "part_time_work": on, "any_work": np.ones_like(on)}[measure]
        sure = (work & status).any(axis=1)
        possible = (may_work & status).any(axis=1)
        known &= sure | ~possible  # 1 once a known month qualifies; 0 only if none can
        value = sure.astype(float)
    elif measure == "months_on_benefit":
        value = on.sum(axis=1).astype(float)
    elif measure == "months_employed":
        known &= ~unknown.any(axis=1)  # a count with an unknown month is missing
        value = work.sum(axis=1).astype(float)
    elif measure == "earnings_total":
        earn = panel.values["earnings"][:, :w]
        # a month with employed = 1 and no earnings has unknown earnings; without work, none
        known &= ~(employed & ~np.isfinite(earn)).any(axis=1)
        value = np.where(np.isfinite(earn), earn, 0.0).sum(axis=1)
    elif measure == "employed_at":
        known &= ~unknown[:, -1]
        value = work[:, -1].astype(float)
    elif measure == "time_to_exit":
        exits = work & off
        maybe = may_work & off
        any_exit = exits.any(axis=1)
        first = exits.argmax(axis=1) + 1
        first_maybe = maybe.argmax(axis=1) + 1
        # determined: no month can be an exit, or no unknown month before the first known exit
        known &= ~maybe.any(axis=1) | (any_exit & (first_maybe == first))
        value = np.where(any_exit, first, w).astype(float)
        event = np.where(known, any_exit.astype(float), np.nan)
    else:
        raise ValueError(f"unknown monthly measure {measure!r}")
    return np.where(known, value, np.nan), event


def derive_outcomes(trial: Trial) -> pd.DataFrame:
    """Derive every declared outcome for every participant.

    Parameters
    ----------
    trial
        A loaded, validated trial (:func:`trustexp.load_trial`).

    Returns
    -------
    pandas.DataFrame
        One row per participant, in the order of the participants table
        (reference arms included): ``person_id``, ``site``, ``arm``, then one
        float column per declared outcome in declaration order; a survey
        outcome at a wave after baseline is followed by
        ``f"{id}__baseline"``, a ``time_to_exit`` outcome by ``f"{id}__event"``.
        The rules are in the module documentation of :mod:`trustexp.outcomes`.
    """
    config: TrialConfig = trial.config
    parts = trial.participants
    n = len(parts)
    out: dict[str, object] = {
        "person_id": parts["person_id"].astype("str").to_numpy(),
        "site": parts["site"].astype("str").to_numpy(),
        "arm": parts["arm"].astype("str").to_numpy(),
    }
    randomised_ids = {a.id for a in config.randomised_arms}
    randomised = np.isin(out["arm"], list(randomised_ids))

    monthly = [o for o in config.outcomes if o.source == "monthly"]
    panel_frame = follow_up_months(parts, trial.monthly) if monthly else None
    windows = {o.id: outcome_window(o, panel_frame, randomised) for o in monthly}
    panel = _Panel(panel_frame, n, max(windows.values())) if monthly else None

    ids = pd.Index(out["person_id"])
    survey = trial.survey
    last_wave = (
        int(survey["wave"].max()) if survey is not None and not survey.empty else 0
    )
    for o in config.outcomes:
        if o.source == "monthly":
            assert panel is not None
            value, event = monthly_measure(panel, o.measure or "", windows[o.id], o.min_hours)
            out[o.id] = value
            if event is not None:
                out[o.id + EVENT_SUFFIX] = event
        elif o.source == "survey":
            wave = o.wave if o.wave is not None else last_wave
            out[o.id] = _survey_values(trial, o, wave).reindex(ids).to_numpy(dtype=float)
            if wave > 0:
                base = _survey_values(trial, o, 0).reindex(ids)
                out[o.id + BASELINE_SUFFIX] = base.to_numpy(dtype=float)
        else:
            col = o.column or o.id
            out[o.id] = pd.to_numeric(parts[col], errors="coerce").to_numpy(
                dtype=float, na_value=np.nan
            )
    frame = pd.DataFrame(out)
    return frame.astype({"person_id": "str", "site": "str", "arm": "str"})


def _survey_values(trial: Trial, outcome: Outcome, wave: int) -> pd.Series:
    survey = trial.survey
    if outcome.scale is not None:
        return scale_scores(survey, trial.config.scale(outcome.scale), wave)
    if survey is None or survey.empty or outcome.column not in survey.columns:
        return pd.Series(dtype=float, index=pd.Index([], dtype="str"))
    rows = survey.loc[survey["wave"] == wave]
    values = pd.to_numeric(rows[outcome.column], errors="coerce").to_numpy(
        dtype=float, na_value=np.nan
    )
    return pd.Series(values, index=pd.Index(rows["person_id"].astype("str")))
