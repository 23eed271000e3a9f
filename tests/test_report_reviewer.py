"""Reviewer conventions in the report: title page metadata, the options used, every method."""

from __future__ import annotations

import shutil

import pytest

import trustexp
from trustexp.reporting.disclosure import Disclosure
from trustexp.reporting.i18n import Locale
from trustexp.reporting.sections import build_content
from trustexp.resources import demo_dir


@pytest.fixture(scope="module")
def registered(tmp_path_factory):
    d = tmp_path_factory.mktemp("registered") / "trial"
    shutil.copytree(demo_dir(), d)
    text = (d / "trial.toml").read_text("utf-8").replace(
        'language = "nl"', 'language = "nl"\nregistry = "AEARCTR-0003592"\n'
        'registered_on = 2017-09-01\nauthors = ["R. Muffels", "A. N. Other"]')
    (d / "trial.toml").write_text(text, "utf-8")
    return trustexp.evaluate(d, permutations=0, alpha=0.1)


def _content(ev, lang="nl"):
    rel = ev.released()
    return build_content(ev, Locale(lang), Disclosure(rel.min_cell), rel)


@pytest.mark.slow
def test_title_page_has_authors_and_registration(registered, tmp_path):
    meta = _content(registered).meta
    assert meta["authors"] == "Auteurs: R. Muffels en A. N. Other"
    assert meta["registry"] == "Trialregistratie: AEARCTR-0003592, geregistreerd op 1 september 2017"
    html = trustexp.report(registered, tmp_path / "r.html", source_date_epoch=1700000000,
                           lang="en").read_text("utf-8")
    head = html[html.index('<header class="doc-header">'):html.index("</header>")]
    assert "Authors: R. Muffels and A. N. Other" in head
    assert "Trial registration: AEARCTR-0003592, registered on 1 September 2017" in head
    assert "14 November 2023" in head  # the date of the report


@pytest.mark.slow
def test_unregistered_trial_says_so():
    ev = trustexp.evaluate(demo=True, permutations=0, outcomes=["exit_to_work_24m"])
    meta = _content(ev, "en").meta
    assert meta["authors"] is None
    assert meta["registry"].startswith("Not registered in advance")


@pytest.mark.slow
def test_options_used_are_in_the_report(registered):
    c = _content(registered, "en")
    table = next(t for t in c.tables if t.id == "options")
    rows = {r[0].text: (r[1].text, r[2].text) for r in table.rows}
    assert rows["alpha"] == ("0.1", "changed")
    assert rows["adjustment"] == ("additive", "trial.toml")
    assert "permutations" not in rows  # in the facts above the table, with its source
    facts = dict((k, v) for k, v, _ in c.sections["reproducibility"]["facts"])
    assert facts["Number of re-randomisations"] == "0 (changed)"
    assert rows["covariates"][0].startswith("age, woman")


@pytest.mark.slow
def test_methods_cover_every_method_used(registered):
    paragraphs = " ".join(_content(registered, "en").sections["methods"]["paragraphs"])
    for phrase in ("Balance at baseline", "Differential attrition", "Lee bounds",
                   "Complier effects", "Time to exit", "Standardised effects",
                   "R² of every model", "heteroskedasticity-robust"):
        assert phrase in paragraphs, phrase
    nl = " ".join(_content(registered, "nl").sections["methods"]["paragraphs"])
    assert "robuust voor heteroskedasticiteit" in nl and "Lee-grenzen" in nl


@pytest.mark.slow
def test_table_one_has_one_column_per_arm(registered):
    c = _content(registered, "en")
    t1 = next(t for t in c.tables if t.id == "balance")
    cfg = registered.config
    arms = [a.label for a in cfg.treatment_arms]
    assert t1.columns[:2] == ("Characteristic", cfg.arm(cfg.control_arm).label) or \
        t1.columns[1] == cfg.arm(cfg.control_arm).label
    assert list(t1.columns[2::2]) == arms and set(t1.columns[3::2]) == {"d"}
    rows = {r[0].text: r for r in t1.rows}
    assert list(rows)[0] == "n"
    assert set(cfg.analysis.covariates) <= set(rows)
    bal = registered.balance
    bal = bal[bal["site"] == "all"].set_index(["covariate", "arm"])
    loc = Locale("en")
    for j, arm in enumerate(a.id for a in cfg.treatment_arms):
        r = bal.loc[("age", arm)]
        assert rows["age"][2 + 2 * j].text == (f"{loc.number(r['mean_arm'], 2)} "
                                               f"({loc.number(r['sd_arm'], 2)})")
        assert rows["age"][3 + 2 * j].text.rstrip("*") == loc.number(r["std_diff"], 3)


@pytest.mark.slow
def test_effects_tables_have_a_standard_error_column(registered):
    c = _content(registered, "en")
    effect_tables = [t for t in c.tables if t.id.startswith(("effects-", "sites-"))
                     and not t.id.startswith("sites-pooled")]  # pooling has its own columns
    for t in effect_tables:
        assert "Std. error" in t.columns, t.id
    ses = [float(x) for x in registered.effects["std_error"]]
    shown = 0
    for t in effect_tables:
        if True:
            j = t.columns.index("Std. error")
            for row in t.rows:
                v = row[j].value
                if v is not None:
                    shown += 1
                    # binary outcomes in percentage points
                    assert any(abs(v - se * k) < 1e-8 for se in ses for k in (1, 100)), v
    assert shown >= 10


@pytest.mark.slow
def test_detectable_sites_share_one_table_and_lose_no_number(registered):
    """With several sites, one table holds every site's MDEs; the group sizes, estimates
    and intervals it leaves out are the very numbers of the tables of effects per site."""
    from trustexp.disclosure import Withheld
    from trustexp.reporting.sections._context import POOLED

    c = _content(registered, "en")
    tables = {t.id: t for t in c.tables}
    compact = tables["detectable-1"]
    assert compact.caption == Locale("en").t("detectable.caption_sites")
    assert "detectable-2" not in tables
    rel = registered.released()
    design = rel.frame("design")
    sites = sorted({str(r["site"]) for r in design} - {POOLED})
    assert len(sites) >= 2 and len(compact.columns) == 2 + 2 * (len(sites) + 1)
    effects = {(str(r["site"]), str(r["outcome"]), str(r["arm"])): r
               for r in rel.frame("effects")}
    shown = 0
    for r in design:
        e = effects[(str(r["site"]), str(r["outcome"]), str(r["arm"]))]
        assert str(r["n_arm"]) == str(e["n_arm"])
        if any(isinstance(r.get(k), Withheld) for k in ("mde", "estimate", "ci_low", "ci_high")):
            continue
        for k in ("estimate", "ci_low", "ci_high"):
            assert float(r[k]) == pytest.approx(float(e[k]), rel=1e-9, abs=1e-12)
        shown += 1
    assert shown > 0
    # every MDE of the design frame is in the table (in the table's unit)
    cells = {round(cell.value, 6) for row in compact.rows for cell in row[2:]
             if cell.value is not None}
    for r in design:
        if isinstance(r.get("mde"), Withheld):
            continue
        # a share's MDE is shown in percentage points
        assert {round(float(r["mde"]), 6), round(100 * float(r["mde"]), 6)} & cells, r


@pytest.mark.slow
def test_rows_left_out_of_print_repeat_printed_numbers(registered, tmp_path):
    """The pooled row of each table of effects per site is printed once, in the table of
    effects: its estimate, interval and p-values are that table's row for the arm, its
    counts those of the participant flow table."""
    c = _content(registered, "en")
    loc = Locale("en")
    tables = {t.id: t for t in c.tables}
    effects = [t for t in c.tables if t.id.startswith("effects-")]
    flow = tables["flow"]
    analysed = dict(flow.groups)[loc.t("flow.n_analysed")]
    per_site = [t for t in c.tables if t.id.startswith("sites-") and t.id != "sites-pooled"]
    assert per_site
    for t in c.tables:
        if t not in per_site:
            assert not t.repeats, t.id
    for t in per_site:
        assert len(t.repeats) == len(t.groups)  # one pooled row per arm
        for g, r in sorted(t.repeats):
            arm, row = t.groups[g][0], t.groups[g][1][r]
            assert row[0].text == loc.t("doc.pooled")
            assert not any(t.repeated(g, i) for i in range(len(t.groups[g][1])) if i != r)
            shown = [cell.text for cell in row[1:-2]]
            assert any(e.columns[1:len(row) - 2] == t.columns[1:len(row) - 2]
                       and [cell.text for cell in er[1:len(row) - 2]] == shown
                       for e in effects for er in e.rows if er[0].text == arm), (t.id, arm)
            outcome = t.caption.removeprefix(loc.t("sites.caption", outcome=""))
            counts = next(fr for fr in analysed if fr[0].text == outcome)
            assert row[-2].text == counts[flow.columns.index(arm)].text
            assert row[-1].text == counts[1].text  # the control group comes first
    html = trustexp.report(registered, tmp_path / "r.html").read_text("utf-8")
    assert html.count('<tr class="repeat">') == sum(len(t.repeats) for t in per_site)
