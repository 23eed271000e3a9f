"""Survey scales: reverse coding, scale scores and Cronbach's alpha.

A scale's score is the mean of its answered items after reverse coding
(``reversed = hi + lo - x``), computed when at least ``min_items`` items are
answered (default: half of them, rounded up); otherwise it is missing.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from trustexp.config import Scale
from trustexp.frames import (
    Fact,
    FrameFacts,
    FrameSpec,
    Inputs,
    count,
    key,
    label,
    register,
    statistic,
)
from trustexp.literals import POOLED

__all__ = ["RELIABILITY_COLUMNS", "reliability", "reverse_coded", "scale_scores", "survey_items"]

RELIABILITY_COLUMNS = ["scale", "wave", "alpha", "n", "n_items"]


def reverse_coded(items: pd.DataFrame, scale: Scale) -> pd.DataFrame:
    """Return the scale's item columns as float, with reversed items recoded.

    Parameters
    ----------
    items
        A frame holding (at least) the scale's item columns; missing columns
        are taken as unanswered.
    scale
        The scale declaration.
    """
    lo, hi = scale.range
    out = {}
    for item in scale.items:
        if item in items.columns:
            x = pd.to_numeric(items[item], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        else:
            x = np.full(len(items), np.nan)
        out[item] = hi + lo - x if item in scale.reverse else x
    return pd.DataFrame(out, index=items.index)


def scale_scores(survey: pd.DataFrame | None, scale: Scale, wave: int) -> pd.Series:
    """Scores of one scale at one wave, indexed by ``person_id``.

    Persons without a row for the wave, or with fewer than the required number
    of answered items, are absent or NaN.
    """
    if survey is None or survey.empty:
        return pd.Series(dtype=float, index=pd.Index([], dtype="str", name="person_id"))
    rows = survey.loc[survey["wave"] == wave]
    items = reverse_coded(rows, scale).to_numpy()
    answered = np.isfinite(items).sum(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows -> NaN
        mean = np.nanmean(items, axis=1) if items.shape[1] else np.full(len(rows), np.nan)
    score = np.where(answered >= scale.required_items, mean, np.nan)
    return pd.Series(score, index=pd.Index(rows["person_id"].astype("str"), name="person_id"))


def survey_items(scales: Sequence[Scale], columns: Sequence[str] = ()) -> list[str]:
    """Every item column of the declared scales, plus extra columns, without repeats."""
    seen: dict[str, None] = {}
    for s in scales:
        for item in s.items:
            seen[item] = None
    for c in columns:
        seen[c] = None
    return list(seen)


def reliability(survey: pd.DataFrame | None, scales: Sequence[Scale]) -> pd.DataFrame:
    """Cronbach's alpha of every scale at every wave.

    Alpha is computed by :func:`pingouin.cronbach_alpha` on the reverse-coded
    items of the wave's respondents, with listwise deletion: ``n`` counts the
    respondents who answered every item of the scale. Alpha is NaN when the
    scale has fewer than two items or fewer than two complete respondents.

    Returns
    -------
    pandas.DataFrame
        Columns ``scale, wave, alpha, n, n_items``.
    """
    if survey is None or survey.empty or not scales:
        return _empty_reliability()
    import pingouin  # imported here: it is slow to import and only needed with scales

    rows = []
    waves = sorted(int(w) for w in pd.unique(survey["wave"]))
    for scale in scales:
        for wave in waves:
            items = reverse_coded(survey.loc[survey["wave"] == wave], scale)
            complete = items.dropna()
            n, k = len(complete), items.shape[1]
            alpha = math.nan
            if k >= 2 and n >= 2 and float(complete.sum(axis=1).var()) > 0:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    alpha = float(pingouin.cronbach_alpha(data=items, nan_policy="listwise")[0])
            rows.append({"scale": scale.id, "wave": wave, "alpha": alpha, "n": n, "n_items": k})
    out = pd.DataFrame(rows, columns=RELIABILITY_COLUMNS)
    return out.astype({"scale": "str", "wave": "int64", "alpha": "float64", "n": "int64",
                       "n_items": "int64"})


def _empty_reliability() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "scale": pd.Series(dtype="str"),
            "wave": pd.Series(dtype="int64"),
            "alpha": pd.Series(dtype="float64"),
            "n": pd.Series(dtype="int64"),
            "n_items": pd.Series(dtype="int64"),
        }
    )


# -- the frame ----------------------------------------------------------------

def _reliability_facts(frame: pd.DataFrame, inp: Inputs) -> FrameFacts:
    """Alpha rests on the respondents who answered every item of the scale at that wave."""
    cells = [{"n": Fact("complete", POOLED, "*", (str(r["scale"]), int(r["wave"])))}
             for r in frame[["scale", "wave"]].to_dict("records")]
    return FrameFacts(cells, [tuple(c.values()) for c in cells])


register(FrameSpec(
    "reliability", "Cronbach's alpha of each survey scale at each wave.",
    (key("scale"), key("wave", dtype="int64"), statistic("alpha"), count("n"),
     label("n_items", "items of the scale", dtype="int64")),
    lambda inp: reliability(inp.trial.survey, inp.config.scales),
    _reliability_facts, order=60))
