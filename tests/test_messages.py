"""Messages of errors in Dutch and English: every key in both languages, with the same
placeholders; every message the code raises names a key that exists, with exactly its
placeholders; and each reader error, shown by the command line, in Dutch."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import trustexp
from trustexp._message import Message, text
from trustexp.cli import main
from trustexp.errors import InputError, OptionError
from trustexp.texts import LANGUAGES, catalogue

PACKAGE = Path(trustexp.__file__).parent
NAMES = sorted({p.name.split(".")[0] for p in (PACKAGE / "texts").glob("*.toml")})


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}


@pytest.mark.parametrize("name", NAMES)
def test_every_key_in_both_languages_with_the_same_placeholders(name):
    nl, en = catalogue(name, "nl"), catalogue(name, "en")
    assert set(nl) == set(en), set(nl) ^ set(en)
    for key in en:
        assert _fields(nl[key]) == _fields(en[key]), key
        fields = _fields(en[key])
        if not all(f.isidentifier() for f in fields):
            continue  # literal braces (a TOML example such as { label = "..." }): shown as is
        values = {f: "X" for f in fields}
        for lang in LANGUAGES:  # formats: no stray braces, no positional fields
            formatted = catalogue(name, lang).t(key, **values) if values else catalogue(name, lang)[key]
            assert formatted.strip(), (lang, key)


def _message_calls() -> list[tuple[str, str, str, set[str] | None]]:
    """(file, catalogue, key, keyword names or None for **values) of every message built in trustexp."""
    calls = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            first = node.args[0]
            if name not in ("_t", "Message") or not isinstance(first, ast.Constant):
                continue
            if not isinstance(first.value, str):
                continue
            cat = "messages"
            keywords: set[str] | None = set()
            for kw in node.keywords:
                if kw.arg is None:
                    keywords = None
                    break
                if kw.arg == "catalogue" and name == "Message":
                    assert isinstance(kw.value, ast.Constant)
                    cat = str(kw.value.value)
                    continue
                keywords.add(kw.arg)
            calls.append((str(path.relative_to(PACKAGE)), cat, first.value, keywords))
    return calls


CALLS = _message_calls()


def test_the_code_builds_messages():
    files = {f for f, _, _, _ in CALLS}
    assert {"readers.py", "options.py", "pseudonym.py", "_atomic.py", "draft.py"} <= files
    assert len(CALLS) > 100


@pytest.mark.parametrize("where, cat, key, keywords", CALLS, ids=[f"{c[0]}:{c[2]}" for c in CALLS])
def test_every_message_names_a_key_with_its_placeholders(where, cat, key, keywords):
    for lang in LANGUAGES:
        template = catalogue(cat, lang)[key]  # MissingText if absent
        if keywords is not None:
            assert _fields(template) == keywords, (where, lang, key)


def test_every_messages_key_is_used():
    used = {key for _, cat, key, _ in CALLS if cat == "messages"}
    assert set(catalogue("messages", "en")) == used


def test_message_is_english_as_text_and_renders_nested_in_both_languages():
    msg = text("readers.empty", file="p.csv", table="participants")
    assert str(msg) == "p.csv is empty (0 bytes): the participants table needs at least a header"
    assert msg.render("nl") == "p.csv is leeg (0 bytes): de tabel participants heeft minstens een kopregel nodig"
    nested = text("readers.no_such_file", what=text("readers.what.table", table="survey"), path="/x")
    assert nested.render("nl") == "kan de tabel survey niet lezen: het bestand bestaat niet (/x)"
    err = InputError(nested)
    assert str(err) == "cannot read the survey table: no such file (/x)"
    assert err.localised("nl") == nested.render("nl")
    import pickle

    again = pickle.loads(pickle.dumps(err))
    assert isinstance(again.args[0], Message) and again.localised("nl") == err.localised("nl")


def test_option_errors_in_both_languages():
    from trustexp.options import check_options

    with pytest.raises(OptionError) as info:
        check_options("evaluate", {"alpha": 1.5})
    assert str(info.value) == "The 'alpha' parameter of evaluate must be a float in (0, 1). Got 1.5 instead."
    assert info.value.localised("nl") == (
        "De parameter 'alpha' van evaluate moet een getal in (0, 1) zijn. Gekregen: 1.5."
    )
    with pytest.raises(OptionError) as info:
        check_options("evaluate", {"multiple_testng": "holm"})
    assert info.value.localised("nl").endswith("Bedoelt u 'multiple_testing'?")
    assert str(info.value).endswith("Did you mean 'multiple_testing'?")


# -- the command line, in Dutch, for each class of reader error -----------------------------
def _csv(folder: Path, name: str, data: bytes) -> None:
    (folder / f"{name}.csv").write_bytes(data)


def _replace_participants(folder: Path, suffix: str, data: bytes) -> None:
    (folder / "participants.csv").unlink()
    (folder / f"participants{suffix}").write_bytes(data)


def _parquet_list(folder: Path) -> None:
    (folder / "participants.csv").unlink()
    pq.write_table(pa.table({"person_id": ["a"], "x": [[1, 2]]}), folder / "participants.parquet")


def _xlsx_empty(folder: Path) -> None:
    import openpyxl

    (folder / "participants.csv").unlink()
    openpyxl.Workbook().save(folder / "participants.xlsx")


def _second_file(folder: Path) -> None:
    pq.write_table(pa.table({"person_id": ["a"]}), folder / "monthly.parquet")


def _data_path(value: str):
    def setup(folder: Path) -> None:
        toml = (folder / "trial.toml").read_text("utf-8")
        (folder / "trial.toml").write_text(toml + f'\n[data]\nsurvey = "{value}"\n', "utf-8")
    return setup


def _folder_as_table(folder: Path) -> None:
    (folder / "takeup.csv").unlink()
    (folder / "takeup.csv").mkdir()


READER_ERRORS = [
    ("empty", lambda f: _csv(f, "monthly", b""), "is leeg (0 bytes)"),
    ("nul-bytes", lambda f: _csv(f, "monthly", b"\x00\x01" * 50), "bevat NUL-bytes"),
    ("control", lambda f: _csv(f, "monthly", b"a,b\n\x01\x02,3\n"), "bevat stuurtekens"),
    ("encoding", lambda f: _csv(f, "monthly", b"person_id,month\n\x81\x8d,1\n"), "geen tekst in UTF-8 of Windows-1252"),
    ("mixed", lambda f: _csv(f, "monthly", "person_id,x\né,1\n".encode() + b"\xe9,2\n"), "mengt tekensets"),
    ("long-line", lambda f: _csv(f, "monthly", b"person_id,x\n" + b"a" * (1 << 20 + 1) + b"\n"), "is langer dan"),
    ("no-header", lambda f: _csv(f, "monthly", b"\n \n"), "heeft geen kopregel"),
    ("malformed", lambda f: _csv(f, "monthly", b"person_id,x\na,1,2,3\n"), "is geen correct CSV-bestand"),
    ("duplicate", lambda f: _csv(f, "monthly", b"person_id,x,x\na,1,2\n"), "staat twee keer in de kopregel"),
    ("unnamed", lambda f: _csv(f, "monthly", b"person_id,,x\na,1,2\n"), "heeft geen naam"),
    ("columns", lambda f: _csv(f, "monthly", ",".join(f"c{i}" for i in range(10_001)).encode() + b"\n"),
     "een tabel mag er hoogstens 10000 hebben"),
    ("spss", lambda f: _replace_participants(f, ".sav", b"not spss at all" * 10), "geen geldig SPSS (.sav)-bestand"),
    ("stata", lambda f: _replace_participants(f, ".dta", b"not stata at all" * 10), "geen geldig Stata (.dta)-bestand"),
    ("parquet", lambda f: _replace_participants(f, ".parquet", b"not parquet" * 10), "geen geldig Parquet-bestand"),
    ("excel", lambda f: _replace_participants(f, ".xlsx", b"not a workbook" * 10), "geen geldig Excel (.xlsx)-bestand"),
    ("parquet-type", _parquet_list, "dat een tabel van het contract niet kan bevatten"),
    ("excel-empty", _xlsx_empty, "het eerste werkblad is leeg"),
    ("two-files", _second_file, "twee bestanden voor de tabel monthly"),
    ("no-participants", lambda f: (f / "participants.csv").unlink(), "geen deelnemerstabel in"),
    ("data-missing", _data_path("elders/survey.csv"), "het bestand bestaat niet"),
    ("data-suffix", _data_path("survey.txt"), "bestandstype '.txt' wordt niet ondersteund"),
    ("not-regular", _folder_as_table, "is een map, geen gewoon bestand"),
]


@pytest.mark.parametrize("setup, dutch", [(s, d) for _, s, d in READER_ERRORS],
                         ids=[i for i, _, _ in READER_ERRORS])
def test_reader_errors_in_dutch_on_the_command_line(make_trial, capsys, setup, dutch):
    folder = make_trial()
    setup(folder)
    rc = main(["validate", str(folder), "--lang", "nl"])
    out, err = capsys.readouterr()
    assert rc == 2, out + err
    assert dutch in err, err
    assert err.startswith("trustexp: ") and "Traceback" not in err + out


def test_language_from_trial_toml_and_environment(make_trial, capsys, monkeypatch):
    folder = make_trial()
    _csv(folder, "monthly", b"")
    monkeypatch.setenv("TRUSTEXP_LANG", "en")
    assert main(["validate", str(folder)]) == 2
    assert "is empty (0 bytes)" in capsys.readouterr().err
    toml = (folder / "trial.toml").read_text("utf-8")
    (folder / "trial.toml").write_text(toml.replace("[trial]\n", '[trial]\nlanguage = "nl"\n', 1), "utf-8")
    assert main(["validate", str(folder)]) == 2
    assert "is leeg (0 bytes)" in capsys.readouterr().err
    assert main(["validate", str(folder), "--lang", "en"]) == 2  # --lang first
    assert "is empty (0 bytes)" in capsys.readouterr().err
    monkeypatch.setenv("TRUSTEXP_LANG", "nl")
    assert main(["validate", str(folder / "nothing")]) == 2  # no trial.toml: the environment
    assert "de map bestaat niet" in capsys.readouterr().err


def test_option_errors_of_estimate_in_dutch(make_trial, capsys, monkeypatch):
    monkeypatch.setenv("TRUSTEXP_LANG", "nl")
    folder = make_trial()
    assert main(["estimate", str(folder), "--alpha", "2"]) == 2
    err = capsys.readouterr().err
    assert "De parameter 'alpha'" in err and "moet een getal in (0, 1) zijn" in err
    assert main(["estimate", str(folder), "--covariates", "leeftjd"]) == 2
    err = capsys.readouterr().err
    assert "participants heeft geen kolom 'leeftjd'" in err


def test_pseudonymise_and_init_messages_in_dutch(make_trial, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("TRUSTEXP_PSEUDONYM_KEY", raising=False)
    folder = make_trial()
    assert main(["pseudonymise", str(folder), str(tmp_path / "uit"), "--lang", "nl"]) == 2
    assert "geen pseudonimiseringssleutel" in capsys.readouterr().err
    monkeypatch.setenv("TRUSTEXP_PSEUDONYM_KEY", "short")
    assert main(["pseudonymise", str(folder), str(tmp_path / "uit"), "--lang", "nl"]) == 2
    assert "is te kort (5 bytes)" in capsys.readouterr().err
    empty = tmp_path / "leeg"
    empty.mkdir()
    assert main(["init", str(empty), "--lang", "nl"]) == 2
    assert "geen deelnemerstabel in" in capsys.readouterr().err
    assert main(["init", str(tmp_path / "nergens"), "--lang", "nl"]) == 2
    assert "de map bestaat niet" in capsys.readouterr().err
