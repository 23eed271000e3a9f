"""The ``trial.toml`` of a simulated trial, written as text (stable byte for byte)."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence

from trustexp.simulation._scenario import ARM_LABELS, REFERENCE_ARM, REFERENCE_LABEL, Scenario
from trustexp.simulation._survey import SCALES

__all__ = ["ANALYSIS_SEED", "trial_toml"]

#: The ``[analysis] seed`` written into simulated trials.
ANALYSIS_SEED = 20171001

COVARIATES = ("age", "woman", "months_on_benefit_before", "education", "migration_background")


def _q(text: str) -> str:
    """A TOML basic string (JSON string syntax is valid TOML for these characters)."""
    return json.dumps(text, ensure_ascii=False)


def _list(values: Sequence[str]) -> str:
    return "[" + ", ".join(_q(v) for v in values) + "]"


def _monthly_outcomes(w: int, min_hours: int) -> list[dict[str, object]]:
    weeks = round(min_hours / (52 / 12))
    return [
        {
            "id": f"exit_to_work_{w}m",
            "measure": "exit_to_work",
            "primary": True,
            "margin": 0.03,
            "test": "non-inferiority",
            "direction": "higher",
            "label": f"Uitstroom naar werk binnen {w} maanden",
        },
        {
            "id": f"part_time_work_{w}m",
            "measure": "part_time_work",
            "primary": True,
            "min_hours": min_hours,
            "label": f"Deeltijdwerk naast de bijstand binnen {w} maanden "
            f"(minstens {min_hours} uur per maand, ongeveer {weeks} uur per week)",
        },
        {
            "id": f"any_work_{w}m",
            "measure": "any_work",
            "label": f"Betaald werk binnen {w} maanden",
        },
        {
            "id": f"months_on_benefit_{w}m",
            "measure": "months_on_benefit",
            "margin": 1,
            "test": "equivalence",
            "direction": "lower",
            "label": f"Maanden in de bijstand (van de {w})",
        },
        {
            "id": f"earnings_total_{w}m",
            "measure": "earnings_total",
            "label": f"Totale verdiensten over {w} maanden (euro)",
        },
        {"id": f"employed_at_{w}m", "measure": "employed_at", "label": f"Werkend in maand {w}"},
        {
            "id": f"time_to_exit_{w}m",
            "measure": "time_to_exit",
            "label": "Tijd tot uitstroom naar werk (maanden)",
        },
    ]


def _survey_outcomes(w: int) -> list[dict[str, object]]:
    mid = w // 2
    return [
        {
            "id": "wellbeing_t1",
            "scale": "wellbeing",
            "wave": 1,
            "label": f"Welbevinden na {mid} maanden",
        },
        {
            "id": "wellbeing_t2",
            "scale": "wellbeing",
            "wave": 2,
            "label": f"Welbevinden na {w} maanden",
        },
        {
            "id": "self_reliance_t2",
            "scale": "self_reliance",
            "wave": 2,
            "label": f"Zelfredzaamheid na {w} maanden",
        },
    ]


def _subgroups_and_pooling() -> list[str]:
    """Pre-declared subgroups (as in Nijmegen: age, migration background) and the pooling plan."""
    return [
        "",
        "[[subgroups]]",
        'id = "age_50"',
        'column = "age"',
        "cut = [50]",
        'label = { nl = "Leeftijd", en = "Age" }',
        "",
        "[[subgroups]]",
        'id = "migration"',
        'column = "migration_background"',
        'values = ["0", "1"]',
        'label = { nl = "Migratieachtergrond", en = "Migration background" }',
        "exploratory = true",
        "",
        "[pooling]",
        'method = "reml"',
        "knapp_hartung = true",
    ]


def _value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    return _q(str(v))


def trial_toml(
    *,
    name: str,
    arms: Sequence[str],
    reference: bool,
    tables: Collection[str],
    sc: Scenario,
) -> str:
    """Write the design and analysis plan of a simulated trial."""
    lines = [
        "# Gesimuleerde gegevens: een fictief vertrouwensexperiment in de bijstand.",
        "# Gemaakt met `trustexp simulate`; geen echte personen.",
        "",
        "[trial]",
        f"name = {_q(name)}",
        'control_arm = "control"',
        'language = "nl"',
        "",
        "[arms]",
    ]
    ids = [*arms, REFERENCE_ARM] if reference else list(arms)
    width = max(len(a) for a in ids)
    for arm in ids:
        label = REFERENCE_LABEL if arm == REFERENCE_ARM else ARM_LABELS[arm]
        lines.append(f"{arm:<{width}} = {{ label = {_q(label)}, kind = {_q(arm)} }}")
    lines += [
        "",
        "[randomisation]",
        'strata = ["site", "stratum"]',
        "",
        "[analysis]",
        f"covariates = {_list(COVARIATES)}",
        'adjustment = "additive"',
        'standard_errors = "HC2"',
        "alpha = 0.05",
        'multiple_testing = "holm"',
        f"seed = {ANALYSIS_SEED}",
        "permutations = 2000",
        "min_cell = 10",
    ]
    outcomes: list[tuple[str, dict[str, object]]] = []
    if "monthly" in tables:
        outcomes += [("work", o) for o in _monthly_outcomes(sc.follow_up, sc.min_hours)]
    if "survey" in tables:
        outcomes += [("wellbeing", o) for o in _survey_outcomes(sc.follow_up)]
    for family, o in outcomes:
        lines += ["", "[[outcomes]]", f"id = {_q(str(o['id']))}"]
        if "measure" in o:
            lines += [
                'source = "monthly"',
                f"measure = {_q(str(o['measure']))}",
                f"window_months = {sc.follow_up}",
            ]
        else:
            lines += ['source = "survey"', f"scale = {_q(str(o['scale']))}", f"wave = {o['wave']}"]
        for key in ("min_hours", "margin", "test", "direction"):
            if key in o:
                lines.append(f"{key} = {_value(o[key])}")
        lines.append(f"family = {_q(family)}")
        if o.get("primary"):
            lines.append("primary = true")
        lines.append(f"label = {_q(str(o['label']))}")
    if "monthly" in tables:
        lines += ["", "[paths]", f"months = {sc.follow_up + sc.after_trial}",
                  f"treatment_months = {sc.follow_up}"]
    if "survey" in tables:
        for s in SCALES:
            lines += [
                "",
                "[[scales]]",
                f"id = {_q(s.id)}",
                f"label = {_q(s.label)}",
                f"items = {_list(s.items)}",
                f"range = [{s.lo}, {s.hi}]",
                f"reverse = {_list(s.reverse)}",
            ]
    lines += _subgroups_and_pooling()
    if "takeup" in tables and "intensive_guidance" in arms:
        lines += ["", "[[takeup]]", 'arm = "intensive_guidance"', 'column = "received"']
    return "\n".join(lines) + "\n"
