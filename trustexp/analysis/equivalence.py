"""Tests against a margin: equivalence (two one-sided tests) and non-inferiority.

For each outcome with a ``margin`` ``m`` (in the outcome's units) and each of
its effect rows (pooled and per site), with the effect's estimate ``b``, its
declared standard error ``se`` and degrees of freedom ``df``:

``test = "equivalence"`` (the default with a margin)
    Two one-sided t tests (Schuirmann 1987) of ``H0: b <= -m`` (``p_lower``,
    from ``(b + m) / se``) and of ``H0: b >= m`` (``p_upper``, from
    ``(b - m) / se``); ``p_value`` is the larger. Equivalence is shown
    (``ruled_out = 1``) when it is below ``alpha``: exactly when the
    ``1 - 2 alpha`` interval ``ci_low``..``ci_high`` lies inside ``(-m, m)``.
``test = "non-inferiority"``
    One one-sided test that the arm is not worse by ``m`` or more: with
    ``direction = "higher"`` (more is better) ``H0: b <= -m``, with
    ``"lower"`` ``H0: b >= m``. ``statistic`` and ``p_value`` are that test's.

``bound`` is the effect that the data rule out at level ``alpha``: the
``1 - 2 alpha`` interval's end on the side of harm (non-inferiority), or the
larger of its ends' absolute values (equivalence): effects beyond ``bound``
(that way) are ruled out, whether or not that is beyond the margin.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from trustexp.analysis.declared import margins
from trustexp.analysis.effects import effect_facts, effects_of
from trustexp.frames import (
    FrameFacts,
    FrameSpec,
    Inputs,
    count,
    key,
    label,
    register,
    statistic,
    typed_frame,
)

__all__ = ["EQUIVALENCE", "margin_tests", "tost"]


def tost(estimate: np.ndarray, std_error: np.ndarray, df: np.ndarray, margin: float,
         *, test: str = "equivalence", direction: str = "higher", alpha: float = 0.05) -> dict[str, np.ndarray]:
    """The tests of the module documentation, elementwise over arrays of effects.

    Returns
    -------
    dict of (m,) arrays
        ``statistic, p_value, p_lower, p_upper, ci_low, ci_high, bound, ruled_out``.
    """
    b, se, d = (np.asarray(x, dtype=float) for x in (estimate, std_error, df))
    with np.errstate(invalid="ignore", divide="ignore"):
        dd = np.where(d > 0, d, np.nan)
        t_lo = (b + margin) / se
        t_hi = (b - margin) / se
        p_lo = stats.t.sf(t_lo, dd)
        p_hi = stats.t.cdf(t_hi, dd)
        crit = stats.t.ppf(1 - alpha, dd)
        ci_low, ci_high = b - crit * se, b + crit * se
    if test == "equivalence":
        p = np.fmax(p_lo, p_hi)
        stat = np.where(p_lo >= p_hi, t_lo, t_hi)
        bound = np.fmax(np.abs(ci_low), np.abs(ci_high))
    elif direction == "higher":
        p, stat, bound = p_lo, t_lo, ci_low
    else:
        p, stat, bound = p_hi, t_hi, ci_high
    ok = np.isfinite(p)
    ruled = np.where(ok, (p < alpha).astype(float), np.nan)
    return {"statistic": stat, "p_value": p, "p_lower": p_lo, "p_upper": p_hi,
            "ci_low": ci_low, "ci_high": ci_high, "bound": bound, "ruled_out": ruled}


def margin_tests(effects: pd.DataFrame, config) -> pd.DataFrame:
    """The ``equivalence`` frame from an effects frame and the plan."""
    rows = []
    alpha = config.analysis.alpha
    for oid, m in margins(config).items():
        e = effects[effects["outcome"] == oid]
        if e.empty:
            continue
        res = tost(e["estimate"].to_numpy(float), e["std_error"].to_numpy(float), e["df"].to_numpy(float),
                   m.margin, test=m.test, direction=m.direction, alpha=alpha)
        for i, r in enumerate(e.to_dict("records")):
            rows.append({
                "site": r["site"], "outcome": oid, "arm": r["arm"],
                "estimate": r["estimate"], "std_error": r["std_error"], "df": r["df"],
                "n": r["n"], "n_arm": r["n_arm"], "n_control": r["n_control"], "se_type": r["se_type"],
                "test": m.test, "direction": m.direction, "margin": m.margin, "alpha": alpha,
                **{k: float(v[i]) for k, v in res.items()},
            })
    return typed_frame(EQUIVALENCE, rows)


def _build(inp: Inputs) -> pd.DataFrame:
    return margin_tests(effects_of(inp), inp.config)


def _facts(frame: pd.DataFrame, inp: Inputs) -> FrameFacts:
    return effect_facts(frame, inp)


EQUIVALENCE = register(FrameSpec(
    name="equivalence",
    doc="Equivalence (two one-sided tests) or non-inferiority of each arm against the outcome's margin.",
    columns=(
        key("site"), key("outcome"), key("arm"),
        statistic("estimate"), statistic("std_error"), statistic("df"),
        count("n"), count("n_arm"), count("n_control"),
        label("se_type"),
        label("test", "'equivalence' or 'non-inferiority'"),
        label("direction", "which way is better: 'higher' or 'lower'"),
        label("margin", "the declared margin, in the outcome's units", dtype="float64"),
        label("alpha", "the level of each one-sided test", dtype="float64"),
        statistic("statistic", "the t statistic of the deciding one-sided test"),
        statistic("p_value", "the test's p-value (equivalence: the larger one-sided p-value)"),
        statistic("p_lower", "p-value of H0: effect <= -margin"),
        statistic("p_upper", "p-value of H0: effect >= margin"),
        statistic("ci_low", "the 1 - 2 alpha interval"),
        statistic("ci_high"),
        statistic("bound", "effects beyond this one (on the side of the test) are ruled out"),
        statistic("ruled_out", "1 when effects beyond the margin are ruled out, else 0"),
    ),
    build=_build,
    facts=_facts,
    order=3,
    implies={"df": "n"},
    weight=40,
))
