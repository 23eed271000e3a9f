"""Survey waves: response, attrition and item answers of two scales.

Wave 0 is the baseline (answered up to two weeks before randomisation), wave 1
comes about ``follow_up / 2`` months after randomisation and wave 2 about
``follow_up`` months after. Answering a follow-up wave depends on the arm, on
employability and on a persistent willingness to answer (people who skipped
wave 1 tend to skip wave 2).

Items are rounded, clipped noisy indicators of a latent trait; the reverse-coded
item is stored reversed (``hi + lo - x``), as a questionnaire asks it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtr

from trustexp.simulation._people import People
from trustexp.simulation._scenario import Scenario

__all__ = ["SCALES", "ScaleSpec", "draw_survey"]


@dataclass(frozen=True, slots=True)
class ScaleSpec:
    """A simulated survey scale."""

    id: str
    label: str
    items: tuple[str, ...]
    lo: int
    hi: int
    intercepts: tuple[float, ...]
    loading: float
    noise: float
    reverse: tuple[str, ...] = ()


SCALES: tuple[ScaleSpec, ...] = (
    ScaleSpec(
        id="wellbeing",
        label="Welbevinden",
        items=("wb1", "wb2", "wb3", "wb4", "wb5"),
        lo=0,
        hi=5,
        intercepts=(3.0, 2.8, 3.2, 2.6, 2.9),
        loading=0.9,
        noise=0.7,
        reverse=("wb4",),
    ),
    ScaleSpec(
        id="self_reliance",
        label="Zelfredzaamheid",
        items=("zr1", "zr2", "zr3", "zr4", "zr5", "zr6"),
        lo=1,
        hi=5,
        intercepts=(3.4, 3.1, 3.6, 3.0, 3.3, 3.2),
        loading=0.75,
        noise=0.6,
    ),
)


def _items(rng: np.random.Generator, spec: ScaleSpec, latent: np.ndarray) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for item, c in zip(spec.items, spec.intercepts, strict=True):
        x = c + spec.loading * latent + rng.normal(0.0, spec.noise, size=latent.shape)
        x = np.clip(np.rint(x), spec.lo, spec.hi)
        if item in spec.reverse:
            x = spec.hi + spec.lo - x
        out[item] = x
    return out


def draw_survey(
    rng: np.random.Generator, people: People, effects: dict[str, np.ndarray], sc: Scenario
) -> pd.DataFrame:
    """Draw the answers of waves 0, 1 and 2 (one row per person per answered wave)."""
    n = people.n
    ref = ~people.randomised
    z = people.z

    # response: wave 0 independent; waves 1 and 2 through a persistent willingness
    will = rng.normal(size=n)
    responded = [rng.random(n) < np.where(ref, sc.response_reference[0], sc.baseline_response)]
    for w in (1, 2):
        target = np.where(
            ref, sc.response_reference[w], sc.response_control[w - 1] + effects["response"]
        )
        rate = np.clip(target + 0.06 * z, 0.02, 0.99)
        latent = np.sqrt(0.6) * will + np.sqrt(0.4) * rng.normal(size=n)
        responded.append(ndtr(latent) < rate)

    # latent traits: a persistent part, a wave-specific part, the planted effect
    person_wb = rng.normal(0.0, 0.8, size=n)
    person_sr = 0.5 * person_wb + rng.normal(0.0, 0.7, size=n)
    share = (0.0, 0.5, 1.0)
    half = sc.follow_up / 2

    frames = []
    for w in (0, 1, 2):
        wb = 0.3 * z + person_wb + rng.normal(0.0, 0.5, size=n) + share[w] * effects["wellbeing"]
        sr = (
            0.4 * z + person_sr + rng.normal(0.0, 0.5, size=n) + share[w] * effects["self_reliance"]
        )
        answers = _items(rng, SCALES[0], wb) | _items(rng, SCALES[1], sr)
        if w == 0:
            days = -rng.integers(0, 15, size=n)
        else:
            days = np.rint(w * half * 30.44).astype(int) + rng.integers(-20, 46, size=n)
        when = people.randomised_on + days.astype("timedelta64[D]")
        # item non-response: scattered, plus a few who skip most of the questionnaire
        names = list(answers)
        sparse = rng.random(n) < 0.01
        p_missing = np.where(sparse, 0.6, sc.item_missing)[:, None]
        missing = rng.random((n, len(names))) < p_missing
        keep = responded[w]
        frame = {
            "person_id": people.person_id[keep].astype(str),
            "wave": np.full(keep.sum(), w, dtype=np.int64),
            "responded_on": np.datetime_as_string(when[keep], unit="D"),
        }
        for j, name in enumerate(names):
            values = pd.array(answers[name][keep].astype(np.int64), dtype="Int64")
            values[missing[keep, j]] = pd.NA
            frame[name] = values
        frames.append(pd.DataFrame(frame))
    survey = pd.concat(frames, ignore_index=True)
    return survey.sort_values(["person_id", "wave"], kind="stable", ignore_index=True)
