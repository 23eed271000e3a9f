"""A real Evaluation of a small simulated trial, for unit tests of the report templates.

Built from frames by :func:`trustexp.evaluate` itself (so it cannot drift from
what the report receives), on a trial made in memory. Options make the awkward
cases: a site with a tiny arm, hostile labels, one site.
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest
from _evalkit import memory_trial, simulate_tables

from trustexp.evaluation import Evaluation, evaluate

HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'


def _raw(*, hostile: bool, sites: int, reference: bool) -> dict:
    label = (lambda s: f"{s} {HOSTILE}") if hostile else (lambda s: s)
    arms = {
        "control": {"label": label("Controlegroep"), "kind": "control"},
        "exemption": {"label": label("Ontheffing arbeidsverplichtingen"), "kind": "exemption"},
        "extra_earnings": {"label": "Extra vrijlating bijverdiensten", "kind": "extra_earnings"},
    }
    if sites > 1:
        arms["intensive_guidance"] = {"label": "Intensieve begeleiding",
                                      "kind": "intensive_guidance"}
    if reference:
        arms["reference"] = {"label": label("Niet-deelnemers"), "kind": "reference"}
    if sites == 1:
        arms = {"control": "Control", "treated": label("Extra guidance")}
    return {
        "trial": {"name": label("Vertrouwen in de bijstand"), "control_arm": "control",
                  "language": "nl"},
        "arms": arms,
        "randomisation": {"strata": ["site", "stratum"]},
        "analysis": {"covariates": ["age", "prior"], "seed": 20171001,
                     "permutations": 2000, "min_cell": 10},
        "outcomes": [
            {"id": "exit_work_12m", "source": "monthly", "measure": "exit_to_work",
             "window_months": 12, "family": "work", "primary": True,
             "label": label("Uitstroom naar werk (12 maanden)")},
            {"id": "part_time_12m", "source": "monthly", "measure": "part_time_work",
             "window_months": 12, "family": "work", "label": "Deeltijdwerk naast uitkering"},
            {"id": "months_on_benefit_12m", "source": "monthly", "measure": "months_on_benefit",
             "window_months": 12, "family": "work", "label": "Maanden in de bijstand"},
            {"id": "earnings_12m", "source": "monthly", "measure": "earnings_total",
             "window_months": 12, "family": "income"},
            {"id": "wellbeing_t2", "source": "survey", "scale": "wellbeing", "wave": 2,
             "family": "wellbeing", "label": "Welbevinden (eindmeting)"},
        ],
        "scales": [{"id": "wellbeing", "items": ["wb1", "wb2", "wb3", "wb4"], "range": [1, 5], "reverse": ["wb3"],
                    "label": label("Welbevinden")}],
    }


def fake_evaluation(
    *, hostile: bool = False, tiny_site: bool = False, sites: int = 3, reference: bool = True,
    seed: int = 1, permutations: int = 2000,
) -> Evaluation:
    """A real Evaluation of a small simulated trial, with the awkward cases as options.

    ``hostile`` puts markup into labels and a site name, ``tiny_site`` leaves 4
    persons in the last arm of the last site, ``sites`` is 1 or 3.
    """
    cfg_raw = _raw(hostile=hostile, sites=sites, reference=reference)
    site_names = ("Tilburg", "Utrecht", "Wageningen")[:sites] if sites > 1 else ("Pilot",)
    arms = tuple(a for a, v in cfg_raw["arms"].items()
                 if not (isinstance(v, dict) and v.get("kind") == "reference"))
    tables = simulate_tables(seed=seed, n=180 * max(sites, 2), sites=site_names, arms=arms,
                             reference="reference" if reference else None)
    parts = tables["participants"]
    if hostile:
        parts["site"] = parts["site"].replace({"Tilburg": f"Tilburg {HOSTILE}"})
    if tiny_site:
        last_site, last_arm = parts["site"].unique()[-1], arms[-1]
        rows = parts.index[(parts["site"] == last_site) & (parts["arm"] == last_arm)]
        parts = parts.drop(rows[4:]).reset_index(drop=True)
        keep = set(parts["person_id"])
        for name in ("monthly", "survey", "takeup"):
            t = tables[name]
            tables[name] = t[t["person_id"].isin(keep)].reset_index(drop=True)
    tables["participants"] = parts
    warnings = tuple(
        SimpleNamespace(table="participants", row=r, column="age", value=str(90 + r),
                        rule="range", message=f"age {90 + r} in row {r} is unusual",
                        severity="warning")
        for r in range(1, 13)
    ) + (SimpleNamespace(table="monthly", row=3, column="hours", value="700", rule="outlier",
                         message="hours 700 for person P00003", severity="warning"),)
    validation = SimpleNamespace(
        valid=True, errors=(), warnings=warnings,
        files={"trial.toml": "/data/trial/trial.toml",
               "participants": "/data/trial/participants.csv",
               "monthly": "/data/trial/monthly.csv", "survey": "/data/trial/survey.csv"},
        rows={"participants": len(parts), "monthly": len(tables["monthly"]),
              "survey": len(tables["survey"])})
    trial = memory_trial(cfg_raw, tables)
    trial = dataclasses.replace(trial, validation=validation)
    return evaluate(trial, permutations=permutations,
                    command="trustexp report --demo -o demo-report.html")


@pytest.mark.slow
def test_fake_has_the_evaluation_frames():
    ev = fake_evaluation()
    assert list(ev.effects.columns[:16]) == [
        "site", "outcome", "arm", "estimate", "std_error", "ci_low", "ci_high", "p_value", "df",
        "n", "n_arm", "n_control", "control_mean", "se_type", "p_adjusted", "adjustment_method"]
    assert set(ev.effects["site"]) == {"all", "Tilburg", "Utrecht", "Wageningen"}
