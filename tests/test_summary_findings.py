"""The summary says what was found: named pairs, adjusted p, labelled intervals, standardised
effects, balance and attrition per site; and the fixed texts read correctly."""

from __future__ import annotations

import re

import numpy as np
import pytest

import trustexp
from trustexp.reporting.disclosure import Disclosure
from trustexp.reporting.i18n import CATALOGUES, Locale
from trustexp.reporting.sections import build_content

# End-to-end runs on module-wide fixtures of several seconds: left out of `make check`.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo():
    return trustexp.evaluate(demo=True, permutations=0)


def _summary(ev, lang="nl"):
    rel = ev.released()
    return build_content(ev, Locale(lang), Disclosure(rel.min_cell), rel).sections["summary"]


@pytest.mark.slow
def test_no_significant_secondary_says_none(demo):
    s = _summary(demo)["secondary"]
    assert "is na correctie voor meervoudig toetsen geen enkele statistisch significant" in s
    assert "zijn 0" not in s
    s = _summary(demo, "en")["secondary"]
    assert "none is statistically significant" in s and " 0 are " not in s


@pytest.mark.slow
def test_significant_pairs_are_named_with_their_adjusted_p(demo):
    ev = demo.with_options(multiple_testing="none")
    eff = ev.effects
    primary = {o.id for o in ev.config.outcomes if o.primary}
    hits = eff[(eff["site"] == "all") & ~eff["outcome"].isin(primary) & (eff["p_adjusted"] < 0.05)]
    assert len(hits) >= 1
    s = _summary(ev)["secondary"]
    said = "één" if len(hits) == 1 else str(len(hits))
    assert f"zonder correctie voor meervoudig toetsen {said} statistisch significant" in s
    loc = Locale("nl")
    for r in hits.itertuples():
        pair = f"{r.outcome_label}, {r.arm_label} ("
        assert pair in s
        tail = s[s.index(pair) + len(pair):]
        # without correction the p is not called adjusted
        assert tail[: tail.index(")") + 1].endswith(f"; {loc.p_stated(r.p_adjusted)})")
        assert not tail[: tail.index(")")].count("gecorrigeerde")
    held = _summary(demo)["secondary"]  # Holm: the pairs that remain carry their adjusted p
    for r in demo.effects[(demo.effects["site"] == "all") & ~demo.effects["outcome"].isin(primary)
                          & (demo.effects["p_adjusted"] < 0.05)].itertuples():
        assert f"{r.outcome_label}, {r.arm_label} (" in held
        assert f"gecorrigeerde {loc.p_stated(r.p_adjusted)})" in held


@pytest.mark.slow
def test_intervals_are_labelled_unadjusted(demo):
    for lang, word in (("nl", "niet-gecorrigeerd 95%-interval"), ("en", "unadjusted 95% interval")):
        findings = [f for o in _summary(demo, lang)["primary"] for f in o["findings"]]
        assert findings and all(word in f for f in findings), findings


def test_control_sd_frame_against_pandas(demo):
    out = demo.outcomes()
    sd = demo.control_sd.set_index(["site", "outcome"])
    eff = demo.effects.set_index(["site", "outcome", "arm"])
    for oid in ("wellbeing_t1", "wellbeing_t2", "self_reliance_t2"):
        rows = out[(out["arm"] == "control") & out[oid].notna()]
        for site, part in [("all", rows), *rows.groupby("site", observed=True)]:
            got = sd.loc[(site, oid)]
            assert got["control_sd"] == pytest.approx(part[oid].std(ddof=1), rel=1e-12)
            assert got["n_control"] == len(part)
            # the same persons as the effect's control group
            assert got["control_mean"] == pytest.approx(
                eff.loc[(site, oid, "exemption"), "control_mean"], rel=1e-12)


@pytest.mark.slow
def test_standardised_effects_for_scales(demo):
    ev = demo.with_options(outcomes=["wellbeing_t2", "self_reliance_t2"])
    s = _summary(ev)
    eff = ev.effects.set_index(["site", "outcome", "arm"])
    sd = ev.control_sd.set_index(["site", "outcome"])["control_sd"]
    loc = Locale("nl")
    for block, oid in zip(s["primary"], ["wellbeing_t2", "self_reliance_t2"], strict=True):
        for arm, finding in zip([a.id for a in ev.config.treatment_arms], block["findings"],
                                strict=True):
            d = eff.loc[("all", oid, arm), "estimate"] / sd.loc[("all", oid)]
            assert f"dat is {loc.number(d, 2, sign=True)} standaardafwijking" in finding
    # a binary outcome has no standardised effect
    assert "standaardafwijking" not in " ".join(
        f for o in _summary(demo)["primary"] for f in o["findings"])


@pytest.mark.slow
def test_balance_and_attrition_per_site(demo):
    """Each test below alpha is named by its site and arm (or wave), with its p and its
    Holm-adjusted p named as such; the verdict follows the adjusted p."""
    from trustexp.stats import holm

    notes = _summary(demo)["notes"]
    loc = Locale("nl")
    tests = demo.balance_tests[demo.balance_tests["testable"]]
    adj = holm(tests["p_value"].to_numpy())
    flagged = [(r, a) for r, a in zip(tests.itertuples(), adj, strict=True) if r.p_value < 0.05]
    assert len(flagged) >= 1
    balance = next(n for n in notes if "vergelijkbaarheid bij de start" in n)
    assert f"Holm-correctie voor {len(tests)} gezamenlijke toetsen" in balance
    for r, a in flagged:
        label = demo.config.arm(r.arm).label
        where = ", alle locaties samen" if r.site == "all" else f" in {r.site}"
        assert f"{label}{where} ({loc.p_stated(r.p_value)}; gecorrigeerde " \
            f"{loc.p_stated(a)})" in balance, (r, balance)
    # in the demo no balance test survives the correction: the sentence says so first
    assert (adj >= 0.05).all() and balance.startswith("Na Holm-correctie")
    assert "door toeval te verwachten" in balance
    att = demo.attrition_tests
    att = att[(att["wave"] > 0) & att["testable"]]
    att_adj = holm(att["p_value"].to_numpy())
    hits = [(r, a) for r, a in zip(att.itertuples(), att_adj, strict=True) if r.p_value < 0.05]
    assert hits
    attrition = next(n for n in notes if "selectieve uitval" in n)
    assert f"Holm-correctie voor {len(att)} toetsen op selectieve uitval" in attrition
    for r, a in hits:
        where = ", alle locaties samen" if r.site == "all" else f" in {r.site}"
        assert f"meting {r.wave}{where} ({loc.p_stated(r.p_value)}; gecorrigeerde " \
            f"{loc.p_stated(a)})" in attrition
    # no "p = < 0,001" anywhere in the summary
    assert "= <" not in " ".join(notes)


def test_fixed_texts_read_correctly():
    nl, en = CATALOGUES["nl"], CATALOGUES["en"]
    text = " ".join(nl.values())
    assert "heteroskedasticiteit-robuust" not in text
    assert "robuust voor heteroskedasticiteit" in nl["methods.se.HC"]
    assert not re.search(r"\{k\} \{verb\}|\{verb\} \{k\}", nl["summary.secondary_none"])
    assert set(nl) == set(en)


@pytest.mark.slow
def test_reference_group_label_not_repeated(demo):
    from trustexp.reporting.sections import build_content as build

    ev = demo
    object.__setattr__(ev.config.arm("reference"), "label", "Referentiegroep")
    try:
        rel = ev.released()
        meta = build(ev, Locale("nl"), Disclosure(rel.min_cell), rel).meta
        assert meta["reference_warning"].startswith("De referentiegroep is niet door loting")
    finally:
        object.__setattr__(ev.config.arm("reference"), "label",
                           "Niet-deelnemers (afgezien van deelname)")
    rel = ev.released()
    meta = build(ev, Locale("nl"), Disclosure(rel.min_cell), rel).meta
    assert meta["reference_warning"].startswith(
        "De referentiegroep (Niet-deelnemers (afgezien van deelname)) is")
    assert np.isfinite(1.0)


def test_margin_sentences_name_outcome_and_arm_with_one_colon(demo):
    """"Outcome: Arm: a fall of more than ..." read as two headings; the outcome and the arm
    are one subject now."""
    for lang in ("nl", "en"):
        text = " ".join(_summary(demo, lang)["notes"])
        arms = [a.label for a in demo.config.arms]
        assert not re.search(r": (" + "|".join(map(re.escape, arms)) + r"): ", text)
        assert re.search(r" \N{EN DASH} (" + "|".join(map(re.escape, arms)) + r"): ", text)
