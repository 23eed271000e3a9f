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
    A censored duration (contract 1.1): the first month of the window with
    ``on_benefit = 0`` and work is an event; a person without one is censored
    at the last month observed without a gap from month 1 (a missing row, an
    unknown ``on_benefit`` or ``employed``, or work with unknown hours with
    ``min_hours``, ends the observed run); a person with no follow-up month is
    missing. The column ``f"{id}__event"`` is 1 for an observed exit and 0
    for a censored time. It is analysed as survival
    (:mod:`trustexp.analysis.survival`), never as a complete-case value.

Windows
    ``window = [A, B]`` means follow-up months A..B (``window_months = W`` is
    ``[1, W]``): a measure over ``[25, 36]`` is the year after a two-year trial.

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

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from trustexp.analysis.scales import scale_scores
from trustexp.config import Outcome, TrialConfig
from trustexp.measures import MEASURES, WindowArrays

if TYPE_CHECKING:  # pragma: no cover
    from trustexp.trial import Trial

__all__ = [
    "BASELINE_SUFFIX",
    "EVENT_SUFFIX",
    "derive_outcomes",
    "follow_up_months",
    "month_zero",
    "monthly_measure",
    "outcome_span",
    "outcome_window",
    "time_to_exit",
    "window_arrays",
]

BASELINE_SUFFIX = "__baseline"
EVENT_SUFFIX = "__event"

def month_zero(randomised_on: pd.Series) -> np.ndarray:
    """Month index (``year * 12 + month - 1``) of each randomisation date."""
    d = pd.DatetimeIndex(pd.to_datetime(randomised_on))
    return (d.year.to_numpy() * 12 + d.month.to_numpy() - 1).astype(np.int64)


#: Panels computed within :func:`panel_memo`, by the identity of their two tables.
_PANELS: list[dict[tuple[int, int], tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]]] = []


@contextmanager
def panel_memo() -> Iterator[None]:
    """Within the block :func:`follow_up_months` computes each panel once.

    One evaluation asks for the same panel several times (outcomes, monthly curves,
    month-by-month effects); at national scale each costs seconds. The panels are
    held for the block only, and keyed by the tables themselves, which an evaluation
    does not change.
    """
    _PANELS.append({})
    try:
        yield
    finally:
        _PANELS.pop()


def follow_up_months(participants: pd.DataFrame, monthly: pd.DataFrame | None) -> pd.DataFrame:
    """The monthly panel with each row's month since randomisation.

    Returns the panel's rows for persons in ``participants`` with an extra
    integer column ``rel_month`` (0 = the month of randomisation) and ``row``,
    the person's position in ``participants``. Within :func:`panel_memo` the
    same frame is returned for the same tables: do not change it.
    """
    if _PANELS and monthly is not None:
        memo = _PANELS[-1]
        key = (id(participants), id(monthly))
        hit = memo.get(key)
        if hit is not None and hit[0] is participants and hit[1] is monthly:
            return hit[2]
        panel = _follow_up_months(participants, monthly)
        memo[key] = (participants, monthly, panel)
        return panel
    return _follow_up_months(participants, monthly)


def _follow_up_months(participants: pd.DataFrame, monthly: pd.DataFrame | None) -> pd.DataFrame:
    if monthly is None or monthly.empty:
        return pd.DataFrame(
            {"row": pd.Series(dtype="int64"), "rel_month": pd.Series(dtype="int64")}
        )
    pos = _positions(monthly["person_id"], participants["person_id"])
    keep = pos >= 0
    m0 = month_zero(participants["randomised_on"])
    panel = monthly.loc[keep].copy()
    panel["row"] = pos[keep].astype(np.int64)
    panel["rel_month"] = panel["month"].to_numpy(dtype=np.int64) - m0[pos[keep]]
    return panel


def _positions(values: pd.Series, ids: pd.Series) -> np.ndarray:
    """The position of each of ``values`` in the (unique) ``ids``, -1 where absent; by
    Arrow's hash lookup (a panel has tens of millions of rows)."""
    needles = pa.array(values.astype("str"))
    keys = pa.array(ids.astype("str")).cast(needles.type)
    return pc.fill_null(pc.index_in(needles, value_set=keys), -1).to_numpy(
        zero_copy_only=False).astype(np.int64)


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
    """The last month B of a monthly outcome's window (see :func:`outcome_span`)."""
    return outcome_span(outcome, panel, randomised)[1]


def outcome_span(
    outcome: Outcome, panel: pd.DataFrame, randomised: np.ndarray
) -> tuple[int, int]:
    """The window ``(A, B)`` of a monthly outcome: its ``window = [A, B]``, else
    ``(1, window_months)``, else ``(1, common follow-up)``."""
    if outcome.window is not None:
        a, b = outcome.window
        return int(a), max(int(a), int(b))
    if outcome.window_months is not None:
        return 1, int(outcome.window_months)
    fu = panel.loc[panel["rel_month"] >= 1]
    fu = fu.loc[randomised[fu["row"].to_numpy(dtype=np.int64)]]
    if fu.empty:
        return 1, 1
    return 1, max(1, int(fu.groupby("row")["rel_month"].max().min()))


def window_arrays(
    panel: _Panel, first: int, last: int, min_hours: float | None, uses_hours: bool = True
) -> tuple[WindowArrays, np.ndarray]:
    """The panel over months ``first..last`` and, per person and month, whether the
    month has a row with ``on_benefit`` and ``employed`` known."""
    cols = slice(first - 1, last)
    present = panel.present[:, cols]
    ob = panel.values["on_benefit"][:, cols]
    emp = panel.values["employed"][:, cols]
    known = present & np.isfinite(ob) & np.isfinite(emp)
    work = emp == 1
    unknown = np.zeros_like(work)
    if min_hours is not None and uses_hours:
        hours = panel.values["hours"][:, cols]
        unknown = work & ~np.isfinite(hours)
        with np.errstate(invalid="ignore"):
            work = work & (hours >= min_hours)
    arrays = WindowArrays(on=known & (ob == 1), off=known & (ob == 0), work=known & work,
                          work_unknown=known & unknown,
                          earnings=np.where(present, panel.values["earnings"][:, cols], np.nan))
    return arrays, known


def monthly_measure(
    panel: _Panel,
    measure: str,
    window: int | tuple[int, int],
    min_hours: float | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """One monthly measure for every person, over the window ``(A, B)`` (an int W: ``(1, W)``).

    Returns
    -------
    value : numpy.ndarray
        Shape (n,), NaN where the window is not fully observed (or, for
        ``time_to_exit``, where no month of the window is observed).
    event : numpy.ndarray or None
        For ``time_to_exit``: shape (n,), 1.0 exit observed, 0.0 censored,
        NaN where ``value`` is missing; None for other measures.
    """
    first, last = (1, window) if isinstance(window, int) else window
    spec = MEASURES.get(measure)
    if spec is None:
        raise ValueError(f"unknown monthly measure {measure!r}")
    if spec.compute is None:
        return time_to_exit(panel, first, last, min_hours)
    arrays, month_known = window_arrays(panel, first, last, min_hours, spec.uses_hours)
    value, determined = spec.compute(arrays)
    known = month_known.all(axis=1) & determined
    return np.where(known, value, np.nan), None


def time_to_exit(
    panel: _Panel, first: int, last: int, min_hours: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """Time to exit as a censored duration, as the contract defines it.

    A person's *observed run* is the months from month 1 up to the first month
    that has no row, an unknown ``on_benefit`` or ``employed``, or (with
    ``min_hours``) work with unknown hours. The event is the first month
    ``t`` of the window ``A..B`` within the run with ``on_benefit = 0`` and
    work; the value is ``t - A + 1`` (months since the window began; with
    ``A = 1`` the month itself). A person without one is censored at the last
    month of the run (at most ``B``), value ``end - A + 1``. A person whose run
    ends before month ``A`` is missing (a person with no follow-up month at
    all, for ``A = 1``).

    Returns
    -------
    value, event : (n,) float
        ``event`` 1.0 for an observed exit, 0.0 for a censored time, NaN with ``value``.
    """
    arrays, month_known = window_arrays(panel, 1, last, min_hours)
    ok = month_known & ~arrays.work_unknown
    # the observed run: months 1..run without a gap
    run = np.where(ok.all(axis=1), last, np.argmin(ok, axis=1))
    exits = arrays.work & arrays.off
    exits[:, : first - 1] = False
    exits &= np.arange(1, last + 1)[None, :] <= run[:, None]
    any_exit = exits.any(axis=1)
    month = np.where(any_exit, exits.argmax(axis=1) + 1, run)
    missing = run < first
    value = np.where(missing, np.nan, month - first + 1).astype(float)
    event = np.where(missing, np.nan, any_exit.astype(float))
    return value, event


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
    arm = parts["arm"].astype("str").to_numpy()
    out: dict[str, object] = {
        "person_id": parts["person_id"].astype("str").to_numpy(),
        "site": parts["site"].astype("str").to_numpy(),
        "arm": arm,
    }
    randomised_ids = {a.id for a in config.randomised_arms}
    randomised = np.isin(arm, list(randomised_ids))

    monthly = [o for o in config.outcomes if o.source == "monthly"]
    panel_frame = follow_up_months(parts, trial.monthly) if monthly else None
    windows = {o.id: outcome_span(o, panel_frame, randomised) for o in monthly}
    horizon = max(b for _, b in windows.values()) if monthly else 0
    panel = _Panel(panel_frame, n, horizon) if monthly else None

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
