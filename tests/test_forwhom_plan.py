"""The plan of subgroups, margins and pooling: schema errors name the key; bad columns fail clearly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import trustexp
from trustexp.cli import main

REFERENCE = Path(__file__).parent / "reference" / "forwhom_trial"


def _copy(tmp_path: Path, old: str, new: str) -> Path:
    d = tmp_path / "trial"
    shutil.copytree(REFERENCE, d)
    toml = d / "trial.toml"
    text = toml.read_text()
    assert old in text
    toml.write_text(text.replace(old, new, 1))
    return d


@pytest.mark.parametrize(("old", "new", "word"), [
    ("margin = 150", "margin = -150", "margin"),
    ('test = "equivalence"', 'test = "superiority"', "test"),
    ('direction = "higher"', 'direction = "up"', "direction"),
    ("cut = [40]", 'cut = ["forty"]', "cut"),
    ('method = "reml"', 'method = "ml"', "method"),
    ('id = "woman"\ncolumn = "woman"', 'id = "woman"\ncolumn = "woman"\nvalues = ["0", "1"]\ncut = [1]', "cut"),
])
def test_schema_errors_name_the_key(tmp_path, old, new, word):
    report = trustexp.validate(_copy(tmp_path, old, new))
    assert not report.valid
    assert any(word in (e.column or "") + e.message for e in report.errors), report.errors


def test_missing_subgroup_column_is_a_clear_error(tmp_path, capsys):
    d = _copy(tmp_path, 'column = "woman"', 'column = "gender"')
    rc = main(["estimate", str(d), "--format", "json", "--output", str(tmp_path / "out.json")])
    err = capsys.readouterr().err
    assert rc == 2
    assert "subgroup 'woman'" in err and "'gender'" in err and "Traceback" not in err
    assert not (tmp_path / "out.json").exists()
