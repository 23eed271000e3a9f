"""The regression table (ev.table): layout, formats, and the disclosure gate.

The numbers are the effects frame's (checked against estimatr elsewhere),
formatted; here they are checked cell by cell against the frame, and against
the gate: no number of a withheld record may appear.
"""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

import trustexp
from trustexp.disclosure import Withheld
from trustexp.errors import OptionError
from trustexp.reporting.i18n import Locale
from trustexp.reporting.units import unit_for

REFERENCE = Path(__file__).resolve().parent / "reference" / "evaluation_trial"


@pytest.fixture(scope="module")
def ev():
    return trustexp.evaluate(REFERENCE, permutations=0, min_cell=0)


def _digits(ev, site="all"):
    """The decimals shown: one more than the report shows for the outcome's unit."""
    eff = ev.effects[ev.effects["site"] == site]
    vals = [*eff["estimate"], *eff["control_mean"]]
    return unit_for("continuous", None, vals).digits + 1


@pytest.mark.slow
def test_layout_and_numbers(ev):
    d = _digits(ev)
    tab = ev.table(lang="en")
    df = tab.to_frame()
    assert list(df.columns) == ["income"]
    assert list(df.index) == ["Exemption", "", "Guidance", "",
                              "N", "Control mean", "Covariates", "Strata fixed effects", "R²",
                              "Standard errors"]
    eff = ev.effects.set_index(["site", "arm"])
    loc = Locale("en")
    for i, arm in enumerate(["exemption", "guidance"]):
        row = eff.loc[("all", arm)]
        assert df.iloc[2 * i, 0] == loc.number(row["estimate"], d)
        assert df.iloc[2 * i + 1, 0] == f"({loc.number(row['std_error'], d)})"
    fit = ev.model_fit.set_index("site").loc["all"]
    assert df.loc["R²", "income"] == loc.number(fit["r_squared"], 3)
    assert df.loc["N", "income"] == loc.integer(eff.loc[("all", "exemption"), "n"])
    assert df.loc["Standard errors", "income"] == "CR2"
    assert df.loc["Covariates", "income"] == "yes"
    assert "*" not in "".join(df.to_numpy().ravel())  # stars are off by default


def test_interval_and_stars(ev):
    df = ev.table(beneath="ci", stars=True, lang="en").to_frame()
    row = ev.effects.set_index(["site", "arm"]).loc[("all", "exemption")]
    loc = Locale("en")
    d = _digits(ev)
    assert df.iloc[1, 0] == f"[{loc.number(row['ci_low'], d)}, {loc.number(row['ci_high'], d)}]"
    p = row["p_value"]
    stars = "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.1 else ""
    assert df.iloc[0, 0] == loc.number(row["estimate"], d) + stars


def test_formats(ev, tmp_path):
    tab = ev.table(lang="en")
    latex = tab.to_latex()
    assert latex.startswith("\\begin{tabular}{lc}") and "\\toprule" in latex
    assert "R$^2$" in latex and latex.rstrip().endswith("\\end{tabular}")
    md = tab.to_markdown()
    assert md.splitlines()[0] == "|  | income |"
    html = tab._repr_html_()
    assert html.startswith('<table class="regression-table">') and "<tfoot>" in html
    path = tab.to_docx(tmp_path / "table.docx")
    d = docx.Document(str(path))
    cells = [[c.text for c in r.cells] for r in d.tables[0].rows]
    assert cells[0] == ["", "income"]
    assert [r[1] for r in cells[1:]] == list(tab.to_frame()["income"])


def test_site_table_and_dutch(ev):
    df = ev.table(site="Deventer", lang="nl", labels=False).to_frame()
    assert list(df.index[:4]) == ["exemption", "", "guidance", ""]
    assert "Gemiddelde controlegroep" in df.index
    row = ev.effects.set_index(["site", "arm"]).loc[("Deventer", "guidance")]
    assert df.iloc[2, 0] == Locale("nl").number(row["estimate"], _digits(ev, "Deventer"))


@pytest.mark.slow
def test_no_number_of_a_withheld_record(ev):
    """Through a strict gate every estimate, error, N and R² is its mark, never a number."""
    strict = ev.released(min_cell=40)
    withheld = 0
    effects = {(r["site"], r["arm"]): r for r in strict.frame("effects")}
    for site in ("all", "Deventer", "Nijmegen"):
        df = ev.table(site=site, lang="en", min_cell=40).to_frame()
        for i, arm in enumerate(["exemption", "guidance"]):
            rec = effects[(site, arm)]
            raw = ev.effects.set_index(["site", "arm"]).loc[(site, arm)]
            for j, col in ((2 * i, "estimate"), (2 * i + 1, "std_error")):
                if isinstance(rec[col], Withheld):
                    withheld += 1
                    assert df.iloc[j, 0].strip("()") == rec[col].mark
                    assert Locale("en").number(raw[col], _digits(ev, site)) \
                        not in "".join(df["income"])
    assert withheld >= 2  # the sites' estimates
    # the strictest gate leaves no number at all in the body
    df = ev.table(lang="en", min_cell=100_000).to_frame()
    body = "".join(df.iloc[:4, 0])
    assert not any(ch.isdigit() for ch in body.replace("<100000", ""))


def test_bad_arguments(ev):
    with pytest.raises(OptionError, match="The 'beneath' parameter of table must be one of"):
        ev.table(beneath="se")
    with pytest.raises(OptionError, match="The 'outcomes' parameter of table"):
        ev.table(outcomes=["nope"])
    with pytest.raises(OptionError, match="The 'site' parameter of table must be one of"):
        ev.table(site="Utrecht")
    with pytest.raises(OptionError, match="The 'stars' parameter of table must be a bool"):
        ev.table(stars="yes")


def test_validation_report_shows_as_html_table(tmp_path):
    rep = trustexp.validate(REFERENCE)
    html = rep._repr_html_()
    assert html.startswith("<p><strong>The trial folder follows the contract")
    assert "<td>participants</td>" in html
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(REFERENCE, bad)
    text = (bad / "trial.toml").read_text("utf-8").replace('standard_errors = "CR2"',
                                                            'standard_errors = "<b>CR9</b>"')
    (bad / "trial.toml").write_text(text, "utf-8")
    html = trustexp.validate(bad)._repr_html_()
    assert "breaks the contract: 1 error" in html
    assert "<td>error</td><td>trial.toml</td>" in html
    assert "&lt;b&gt;CR9&lt;/b&gt;" in html and "<b>CR9" not in html
