"""The control group's standard deviation of each scale outcome, to standardise its effects.

A survey scale has no natural unit; its effect is also reported in standard
deviations of the control group (Glass's delta: the estimate divided by the
control arm's SD in the estimation sample), as reviewers of trials expect.
The report divides the released estimate by the released SD; neither is
shown when the gate withholds it.

Frame ``control_sd``: ``site, outcome, n_control, control_mean, control_sd``,
one row per (analysis, scale outcome), over the control arm's analysed persons
(the rows of the effect's estimation sample).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trustexp.analysis import groups
from trustexp.frames import Fact, FrameFacts, FrameSpec, Inputs, count, key, register, statistic

__all__ = ["CONTROL_SD", "control_sd"]

_COLUMNS = ["site", "outcome", "n_control", "control_mean", "control_sd"]


def control_sd(inp: Inputs) -> pd.DataFrame:
    """The control arm's mean and SD (ddof 1) of every scale outcome, per analysis."""
    rows = []
    scales = [o for o in inp.config.outcomes if o.scale is not None]
    for sample in inp.samples:
        for o in scales:
            y = inp.outcomes[o.id].to_numpy(dtype=float)[sample.rows]
            ctrl = y[np.isfinite(y) & (sample.arm == 0)]
            rows.append({
                "site": sample.site, "outcome": o.id, "n_control": int(ctrl.size),
                "control_mean": float(ctrl.mean()) if ctrl.size else np.nan,
                "control_sd": float(ctrl.std(ddof=1)) if ctrl.size > 1 else np.nan,
            })
    return pd.DataFrame(rows, columns=_COLUMNS)


def _facts(frame: pd.DataFrame, inp: Inputs) -> FrameFacts:
    ctrl = inp.config.control_arm
    cells, rests, values, keys = [], [], [], set()
    for r in groups.rows(frame[["site", "outcome"]]):
        s, o = str(r["site"]), str(r["outcome"])
        cells.append({"n_control": Fact("analysed", s, ctrl, (o,))})
        rests.append(groups.outcome_facts(inp, s, ctrl, o))
        values.append(groups.outcome_values(inp, s, ctrl, o))
        keys.add((s, ctrl, o))
    return groups.merge_facts(FrameFacts(cells, rests, values), groups.value_facts(inp, keys))


CONTROL_SD = register(FrameSpec(
    name="control_sd",
    doc="The control group's mean and standard deviation of each scale outcome (to standardise).",
    columns=(
        key("site", "'all' for the pooled analysis, else the site"),
        key("outcome", "the outcome's id (a survey scale)"),
        count("n_control", "analysed persons of the control arm"),
        statistic("control_mean", "the control arm's mean in the estimation sample"),
        statistic("control_sd", "the control arm's standard deviation (n - 1)"),
    ),
    build=control_sd,
    facts=_facts,
    order=52,
))
