"""`trustexp validate` and `trustexp pseudonymise` on the command line: output and exit codes."""

from __future__ import annotations

import json

import pytest
from conftest import trial_tables

import trustexp.cli as cli_module
from trustexp.cli import pseudonymise as pseudonymise_cli
from trustexp.cli import validate as validate_cli

KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def run(monkeypatch, capsys):
    """Run ``trustexp ARGS`` through the real ``main`` with the data-layer commands."""

    def register() -> None:
        for module in (validate_cli, pseudonymise_cli):
            cli_module.cli.add_command(module.command)

    monkeypatch.setattr(cli_module, "_register", register)

    def invoke(*args: str) -> tuple[int, str, str]:
        rc = cli_module.main([str(a) for a in args])
        out, err = capsys.readouterr()
        return rc, out, err

    return invoke


def test_valid_folder_exit_0(run, make_trial):
    rc, out, err = run("validate", make_trial())
    assert rc == 0, out + err
    assert "follows the contract" in out


def test_broken_folder_exit_1_text(run, make_trial):
    t = trial_tables()
    t["participants"].loc[0, "arm"] = "nope"
    rc, out, _ = run("validate", make_trial(tables=t))
    assert rc == 1
    assert "participants, column arm: 1 row:" in out and "[arm]" in out
    assert "rows: 1 (spreadsheet row 2)" in out


def test_json_format_shape(run, make_trial):
    t = trial_tables()
    t["monthly"].loc[4, "hours"] = 1000
    rc, out, _ = run("validate", make_trial(tables=t), "--format", "json")
    assert rc == 1
    data = json.loads(out)
    assert list(data) == ["valid", "errors", "warnings", "counts"]
    assert data["counts"] == [{"table": "monthly", "column": "hours", "rule": "maximum", "severity": "error", "count": 1}]
    (error,) = data["errors"]
    assert list(error) == ["table", "row", "column", "value", "rule", "message"]
    assert (error["table"], error["row"], error["column"], error["value"], error["rule"]) == (
        "monthly", 5, "hours", "1000.0", "maximum"
    )


def test_valid_json(run, make_trial):
    rc, out, _ = run("validate", make_trial(), "--format", "json")
    assert rc == 0 and json.loads(out) == {"valid": True, "errors": [], "warnings": [], "counts": []}


@pytest.mark.parametrize(
    "setup, message",
    [
        (lambda f: f / "missing", "no such folder"),
        (lambda f: (f / "trial.toml").unlink() or f, "no trial.toml"),
        (lambda f: (f / "trial.toml").write_text("[trial\n") and f, "not valid TOML"),
        (lambda f: (f / "monthly.csv").write_bytes(b"\x00\x01" * 50) and f, "monthly.csv is not a text CSV"),
    ],
    ids=["no-folder", "no-toml", "toml-syntax", "binary-csv"],
)
def test_cannot_run_exit_2(run, make_trial, setup, message):
    folder = setup(make_trial())
    rc, out, err = run("validate", folder)
    assert rc == 2
    assert message in err and "Traceback" not in err + out


def test_usage_errors_exit_2(run, make_trial):
    rc, _, _ = run("validate", make_trial(), "--format", "xml")
    assert rc == 2
    rc, _, err = run("validate")
    assert rc == 2 and "no trial folder" in err


def test_demo_flag(run, monkeypatch, make_trial):
    import trustexp.validation._run as vrun

    folder = make_trial()
    monkeypatch.setattr(vrun, "demo_dir", lambda: folder)
    rc, out, _ = run("validate", "--demo")
    assert rc == 0, out


def test_pseudonymise_cli(run, make_trial, monkeypatch, tmp_path):
    folder = make_trial()
    monkeypatch.delenv("TRUSTEXP_PSEUDONYM_KEY", raising=False)
    rc, _, err = run("pseudonymise", folder, tmp_path / "out")
    assert rc == 2 and "no pseudonymisation key" in err
    assert not (tmp_path / "out").exists()
    monkeypatch.setenv("TRUSTEXP_PSEUDONYM_KEY", KEY)
    rc, out, err = run("pseudonymise", folder, tmp_path / "out")
    assert rc == 0, err
    assert "participants: participants.csv (48 rows; format kept)" in out
    assert "48 distinct person ids replaced" in out
    rc, _, err = run("pseudonymise", folder, tmp_path / "out")
    assert rc == 2 and "already exists" in err
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")
    monkeypatch.delenv("TRUSTEXP_PSEUDONYM_KEY")
    rc, _, err = run("pseudonymise", folder, tmp_path / "out2", "--key-file", key_file)
    assert rc == 0, err
    assert (tmp_path / "out" / "participants.csv").read_bytes() == (tmp_path / "out2" / "participants.csv").read_bytes()
    rc, _, err = run("validate", tmp_path / "out2")
    assert rc == 0, err
