"""Issue 9, "Done when": a municipal export goes init -> edit two lines -> validate ->
pseudonymise -> validate (valid) -> report, without renaming anything in the export.

The export (tests/_municipal_export.py) is an SPSS participants file with its own column
names, numeric arm codes with value labels, DD-MM-YYYY text dates, coded covariates, a
user-missing code and a leftover BSN column; a Dutch Excel CSV panel; an XLSX survey.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pyreadstat
import pytest
from _municipal_export import ARM_LABELS, build_export

from trustexp.cli import main

KEY = "municipal-secret-key-0123456789abcdef"


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    return build_export(tmp_path_factory.mktemp("municipal") / "export")


@pytest.mark.slow
def test_export_as_it_comes_from_init_to_report(export, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TRUSTEXP_PSEUDONYM_KEY", KEY)
    before = _hashes(export)

    # init drafts trial.toml from the export, in Dutch
    assert main(["init", str(export), "--lang", "nl"]) == 0
    out = capsys.readouterr().out
    assert "opgesteld" in out
    toml = (export / "trial.toml").read_text("utf-8")
    assert 'person_id = "clientnummer"' in toml and 'arm = "groep"' in toml
    assert 'participants = "deelnemers.sav"' in toml
    assert 'categorical = ["geslacht", "opleiding"]' in toml
    assert "code = 9" in toml and 'kind = "reference"' in toml
    assert "BSN" in toml and "240" in toml  # the BSN column is named, with its count
    # init never overwrites
    assert main(["init", str(export)]) == 2
    assert "never overwrites" in capsys.readouterr().err
    assert (export / "trial.toml").read_text("utf-8") == toml

    # the researcher edits two lines: the trial's name and the window of the primary outcome
    edited = toml.replace('name = "export"', 'name = "Vertrouwen in de bijstand"', 1)
    edited = edited.replace("window_months = 12", "window_months = 6", 1)
    assert edited.count("\n") == toml.count("\n") and edited != toml
    (export / "trial.toml").write_text(edited, "utf-8")

    # validate: the leftover BSN column is the one error, named with its count, no values
    assert main(["validate", str(export), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert [(e["table"], e["column"], e["rule"], e["value"]) for e in data["errors"]] == [
        ("participants", "BSN", "bsn", None)
    ]
    assert "240 values" in data["errors"][0]["message"]
    assert {(w["column"], w["rule"]) for w in data["warnings"]} >= {
        ("leeftijd", "user-missing"), ("opleiding", "user-missing")
    }
    assert main(["validate", str(export)]) == 1
    text = capsys.readouterr().out
    assert "burgerservicenummers" in text and "Fouten (1 in 1 groepen)" in text

    # pseudonymise stops on the BSN column by default, then drops it when told
    out_dir = tmp_path / "gepseudonimiseerd"
    assert main(["pseudonymise", str(export), str(out_dir)]) == 1
    err = capsys.readouterr().err
    assert "participants.BSN (240)" in err and "Er is niets geschreven" in err and not out_dir.exists()
    assert main(["pseudonymise", str(export), str(out_dir), "--bsn-columns", "drop"]) == 0
    summary = capsys.readouterr().out
    assert "participants.BSN: weggelaten" in summary and "formaat behouden" in summary
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "monthly.csv", "participants.sav", "survey.xlsx", "trial.toml"
    ]
    frame, meta = pyreadstat.read_sav(str(out_dir / "participants.sav"))
    assert "BSN" not in frame.columns
    assert meta.variable_value_labels["groep"] == ARM_LABELS  # SPSS labels kept
    assert frame["clientnummer"].str.fullmatch(r"p[0-9a-f]{16}").all()
    assert (out_dir / "monthly.csv").read_bytes().splitlines()[0].count(b";") == 5

    # the pseudonymised folder validates
    assert main(["validate", str(out_dir), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["valid"] is True

    # and gives a report, with labels where the plan has them
    html = tmp_path / "rapport.html"
    assert main(["report", str(out_dir), "-o", str(html), "--quiet"]) == 0
    page = html.read_text("utf-8")
    assert "Vertrouwen in de bijstand" in page
    assert "Uitstroom naar werk" in page and "Controlegroep" in page
    assert "Geslacht: man" in page and "Opleidingsniveau: hoog" in page
    assert not re.search(r">\s*exit_to_work_12m\s*<", page)  # no raw id where a label exists

    # nothing in the export was renamed or changed (trial.toml is the only new file)
    after = _hashes(export)
    del after["trial.toml"]
    assert after == before
