"""The text catalogues of the command line (trustexp/texts/): loader, both languages, no unused key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import trustexp
from trustexp.texts import LANGUAGES, MissingText, catalogue, language

TEXTS = Path(trustexp.__file__).parent / "texts"
SOURCE = "\n".join(p.read_text("utf-8") for p in Path(trustexp.__file__).parent.rglob("*.py"))
NAMES = sorted({p.name.split(".")[0] for p in TEXTS.glob("*.toml")})


def test_catalogues_exist():
    assert NAMES == ["cli", "init", "messages", "pseudonymise", "report", "validate"]


@pytest.mark.parametrize("name", NAMES)
def test_both_languages_have_the_same_keys_and_placeholders(name):
    nl, en = catalogue(name, "nl"), catalogue(name, "en")
    assert set(nl) == set(en)
    for key in nl:
        assert set(re.findall(r"{(\w+)}", nl[key])) == set(re.findall(r"{(\w+)}", en[key])), key
        assert nl[key].strip() and en[key].strip()


def test_read_only_and_missing_key_names_key_and_catalogue():
    cat = catalogue("validate", "nl")
    with pytest.raises(TypeError):
        cat["report.fix"] = "x"  # type: ignore[index]
    with pytest.raises(MissingText, match=r"'validate' \(nl\) has no key 'no.such.key'"):
        cat["no.such.key"]
    with pytest.raises(KeyError):
        cat["no.such.key"]
    with pytest.raises(ValueError, match="must be one of nl, en"):
        catalogue("validate", "de")


def _cli_keys() -> set[str]:
    from trustexp.cli import _register, cli, help_keys

    _register()
    keys = {key for key, _, _ in help_keys(cli)}
    keys.update(k for k in re.findall(r"'(message\.[a-z]+)'", SOURCE))
    keys.update(k for k in re.findall(r'"(message\.[a-z]+)"', SOURCE))
    return keys


def _emitted_rules() -> set[str]:
    src = "\n".join(p.read_text("utf-8") for p in (Path(trustexp.__file__).parent / "validation").glob("*.py"))
    return set(re.findall(r'"([a-z]+(?:-[a-z]+)*)"', src))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.slow
def test_no_unused_key(name, lang):
    cat = catalogue(name, lang)
    if name == "cli":  # every text is used, and every help text is there (tests/test_cli_help.py)
        assert set(cat) == _cli_keys()
        return
    if name == "report":
        _report_keys_used(cat)
        return
    rules = _emitted_rules() | {"other", "type-date"}
    for key in cat:
        m = re.fullmatch(r"rule\.([a-z-]+)\.(title|hint)", key)
        if name == "validate" and m:
            assert m.group(1) in rules, key
            continue
        assert f'"{key}"' in SOURCE or f"'{key}'" in SOURCE, f"{name}.{lang}: {key} is never used"


def test_every_rule_title_has_a_hint():
    cat = catalogue("validate", "en")
    titles = {k[5:-6] for k in cat if k.endswith(".title")}
    hints = {k[5:-5] for k in cat if k.endswith(".hint")}
    assert titles == hints


def test_language_order(monkeypatch):
    for var in ("TRUSTEXP_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    assert language() == "en"
    assert language(None, "nl") == "nl"
    assert language("en", "nl") == "en"
    monkeypatch.setenv("LANG", "nl_NL.UTF-8")
    assert language() == "nl" and language(None, "en") == "en"
    monkeypatch.setenv("TRUSTEXP_LANG", "en")
    assert language() == "en"


def test_help_in_dutch(capsys):
    from trustexp.cli import main

    assert main(["validate", "--help", "--lang", "nl"]) == 0
    out = capsys.readouterr().out
    assert "Controleer TRIAL_DIR tegen het datacontract" in out
    assert main(["init", "--help", "--lang", "en"]) == 0
    assert "Draft a commented trial.toml" in capsys.readouterr().out


#: Report keys built at run time from a prefix (``loc.t(f"kind.{arm.kind}")``).
_DYNAMIC = ("kind.", "method.", "type.", "source.", "section.", "reason.", "attrition.trimmed.",
            "paths.series.", "unit.", "methods.se.", "methods.df.", "repro.", "consort.",
            "options.", "design.", "survival.", "subgroups.", "margins.", "pooling.",
            "registration.", "deviation.", "regtable.", "workbook.", "power.", "adjustment.",
            "sites.method_", "sites.se_", "sites.predict_", "pool.how_", "pool.kind_", "detectable.source_")


def _report_keys_used(cat) -> None:
    templates = Path(trustexp.__file__).parent.parent / "report_templates"
    text = SOURCE + "\n".join(p.read_text("utf-8") for p in templates.rglob("*.j2"))
    unused = [k for k in cat if f'"{k}"' not in text and f"'{k}'" not in text
              and not k.startswith(_DYNAMIC)]
    assert not unused, f"report.{cat.lang}: keys never used: {unused}"


def test_report_texts_can_be_replaced_from_a_template_folder(tmp_path):
    from trustexp.errors import InputError
    from trustexp.reporting.i18n import Locale

    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "report.nl.toml").write_text(
        '"doc.toc" = "Inhoudsopgave"\n', encoding="utf-8")
    loc = Locale("nl").with_texts(tmp_path)
    assert loc.t("doc.toc") == "Inhoudsopgave" and Locale("nl").t("doc.toc") == "Inhoud"
    (tmp_path / "texts" / "report.nl.toml").write_text('"no.such" = "x"\n', encoding="utf-8")
    with pytest.raises(InputError, match="no text 'no.such'"):
        Locale("nl").with_texts(tmp_path)
    with pytest.raises(MissingText, match="no key 'no.such'"):
        Locale("nl").t("no.such")
