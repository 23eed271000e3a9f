"""The report section ``methods``."""

from __future__ import annotations

from typing import Any

from trustexp._version import __version__
from trustexp.reporting.sections import Section, register_section
from trustexp.reporting.sections._context import (
    Context,
    _provenance,
)


def _methods(c: Context) -> dict[str, Any]:
    loc = c.loc
    an = c.cfg.analysis
    se = c.cfg.se_type  # the standard errors used, after a declared cluster
    se_text = loc.t("methods.se.CR" if se.startswith("CR") else "methods.se.HC", se=se)
    if se != an.standard_errors:
        se_text += loc.t("methods.se_declared", declared=an.standard_errors,
                         cluster=c.cfg.cluster or "")
    df_key = ("methods.df.HC" if se.startswith("HC")
              else ("methods.df.CR2" if se == "CR2" else "methods.df.CR"))
    strata = c.cfg.strata
    draws = c.ev.permutations
    seed = _provenance(c.ev).get("seed", an.seed)
    paragraphs = []
    if an.adjustment == "lin" and an.covariates:
        paragraphs.append(loc.t("methods.lin"))
    if any(o.source == "survey" and (o.wave or 0) > 0 for o in c.cfg.outcomes):
        paragraphs.append(loc.t("methods.baseline"))
    if any(o.type == "binary" for o in c.cfg.outcomes):
        paragraphs.append(loc.t("methods.binary"))
    paragraphs.append(loc.t("methods.se", se=se_text, df=loc.t(df_key),
                            alpha=loc.number(an.alpha, 2)))
    paragraphs.append(loc.t("methods.estimand_lin" if an.adjustment == "lin" and an.covariates
                            else "methods.estimand"))
    paragraphs.append(loc.t("methods.checks"))
    paragraphs.append(loc.t("methods.multiple", method=loc.t(f"method.{an.multiple_testing}")))
    paragraphs.append(loc.t("methods.ri", draws=loc.integer(draws), seed=seed) if draws
                      else loc.t("methods.no_ri"))
    paragraphs += _more_methods(c)
    if c.reference_ids:
        paragraphs.append(loc.t("methods.reference"))
    paragraphs.append(loc.t("methods.disclosure", min_cell=c.dc.min_cell))
    versions = dict(_provenance(c.ev).get("versions", {}) or {})
    versions.setdefault("trustexp", __version__)
    vt = c.table("software", loc.t("methods.software_caption"),
                 [loc.t("methods.package"), loc.t("methods.version")])
    for name in sorted(versions, key=lambda k: (k != "trustexp", k != "python", k.lower())):
        vt.add(vt.text(name), vt.text(versions[name]))
    none = loc.t("doc.none")
    return {
        "model_intro": loc.t("methods.model_intro"),
        "strata": bool(strata),
        "covariates": bool(an.covariates),
        "lin": an.adjustment == "lin" and bool(an.covariates),
        "terms": loc.t("methods.model_terms"),
        "covariates_text": loc.t("methods.model_covariates",
                                 strata=loc.join(list(strata)) or none,
                                 covariates=loc.join([c.cfg.column_label(v, loc.lang)
                                                      for v in an.covariates]) or none),
        "paragraphs": paragraphs,
        "software": c.add_table(vt),
    }


def _more_methods(c: Context) -> list[str]:
    """A paragraph for every further method the report's frames use (when they have rows)."""
    loc = c.loc
    out = []

    def has(name: str) -> bool:
        return name in c.rel.records and bool(c.rel.records[name])

    if has("balance_tests") or has("balance"):
        out.append(loc.t("methods.balance_test"))
    if has("attrition_tests"):
        out.append(loc.t("methods.attrition_test"))
    if has("lee_bounds"):
        out.append(loc.t("methods.lee"))
    if has("compliers"):
        out.append(loc.t("methods.compliers"))
    if any(o.measure == "time_to_exit" for o in c.cfg.outcomes):
        out.append(loc.t("methods.time_to_exit"))
    if has("control_sd"):
        out.append(loc.t("methods.standardised"))
    if has("coefficients"):
        out.append(loc.t("methods.fit"))
    return out


register_section(Section("methods", 130, _methods))
