"""``--help`` in Dutch and English: every command and option of the command tree has a
catalogue text in both languages (no fallback), the English texts are those of the
commands' definitions, and ``--help`` shows the chosen language."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

import trustexp
from trustexp.cli import _register, cli, help_keys, main
from trustexp.texts import LANGUAGES, catalogue

ROOT = Path(trustexp.__file__).resolve().parent.parent


def _tree() -> list[tuple[str, click.Command, click.Option | None]]:
    _register()
    return list(help_keys(cli))


def _commands() -> list[str]:
    _register()
    return sorted(cli.commands)


def test_the_tree_has_every_command_and_option():
    keys = {k for k, _, _ in _tree()}
    # the commands added after the first catalogue, and the analysis options
    for name in ("design", "randomise", "lock", "pool", "simulate", "init", "validate", "estimate",
                 "report", "pseudonymise"):
        assert f"{name}.help" in keys
    for key in ("design.option.workers", "design.option.scheduler", "estimate.option.covariates",
                "report.option.covariates", "report.option.standard_errors", "randomise.option.ratios",
                "lock.option.force", "pool.option.plan", "group.option.version", "option.help"):
        assert key in keys
    options = [o for _, _, o in _tree() if o is not None]
    assert len(options) > 60


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_command_and_option_has_a_text_in_both_languages(lang):
    cat = catalogue("cli", lang)
    missing = [key for key, _, _ in _tree() if key not in cat]
    assert missing == []
    for key, _, _ in _tree():
        assert cat[key].strip(), key


def test_dutch_differs_from_english_where_it_is_a_sentence():
    nl, en = catalogue("cli", "nl"), catalogue("cli", "en")
    same = {k for k, _, _ in _tree() if nl[k] == en[k]}
    # option lists such as "HC0, HC1, ... or CR2." translate their "or"; identical texts are none
    assert same == set()


_DEFINITIONS = r"""
import inspect, json, click
from trustexp.cli import _register, cli, help_keys
_register()
out = {}
for key, command, option in help_keys(cli):
    if option is not None:
        out[key] = option.help
    elif key == "option.help":
        out[key] = "Show this message and exit."
    else:
        out[key] = inspect.cleandoc(command.help or "")
print(json.dumps(out))
"""


def test_english_catalogue_is_the_definitions_text():
    """The help written beside each option in the code and cli.en.toml say the same (a fresh process:
    the command tree of this one may already be localised)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-c", _DEFINITIONS], capture_output=True, text=True,
                         env=env, timeout=120, check=True)
    definitions = json.loads(run.stdout)
    en = catalogue("cli", "en")
    group = definitions.pop("group.help")
    assert en["group.help"].split("\n")[0] == group.split("\n")[0]
    assert {k: en[k] for k in definitions} == definitions


def _flat(text: str) -> str:
    return "".join(text.split())  # click rewraps, also after a hyphen


@pytest.mark.parametrize("command", _commands())
@pytest.mark.parametrize("lang", LANGUAGES)
def test_help_shows_the_language(command, lang, capsys, monkeypatch):
    monkeypatch.setenv("TRUSTEXP_LANG", lang)
    assert main([command, "--help"]) == 0
    shown = _flat(capsys.readouterr().out)
    cat = catalogue("cli", lang)
    other = catalogue("cli", "en" if lang == "nl" else "nl")
    for key, cmd, option in _tree():
        if cmd is not cli.commands[command] or key == "option.help":
            continue
        text = _flat(cat[key])
        assert text in shown, key  # the command's own text and each option's, rewrapped
        if option is not None:
            assert _flat(other[key]) not in shown, key
    assert _flat(cat["option.help"]) in shown


def test_group_help_in_dutch(capsys, monkeypatch):
    monkeypatch.setenv("TRUSTEXP_LANG", "nl")
    assert main(["-h"]) == 0
    shown = _flat(capsys.readouterr().out)
    assert "Toondeversieenstop." in shown and "-h,--helpToondezehulptekstenstop." in shown
    assert "Verdeeldepersonen" in shown and "SchrijfTRIAL_DIR/plan.lock" in shown
