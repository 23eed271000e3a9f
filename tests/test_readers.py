"""Readers: every supported format and CSV dialect gives the same valid trial."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from conftest import TRIAL_TOML, trial_tables

import trustexp
from trustexp.errors import InputError
from trustexp.readers import locate_tables, read_table, sniff_csv


def _dutch(t: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    t["participants"].loc[t["participants"]["site"] == "Utrecht", "site"] = "Súdwest-Fryslân"
    return t


def _write(folder, tables, writer):
    folder.mkdir()
    (folder / "trial.toml").write_text(TRIAL_TOML, encoding="utf-8")
    for name, frame in tables.items():
        writer(folder, name, frame)


def _csv(sep, encoding, decimal="."):
    def write(folder, name, frame):
        frame.to_csv(folder / f"{name}.csv", sep=sep, decimal=decimal, encoding=encoding, index=False)

    return write


def _parquet(folder, name, frame):
    frame.to_parquet(folder / f"{name}.parquet", index=False)


def _sav(folder, name, frame):
    import pyreadstat

    pyreadstat.write_sav(frame, str(folder / f"{name}.sav"))


def _dta(folder, name, frame):
    import pyreadstat

    pyreadstat.write_dta(frame, str(folder / f"{name}.dta"))


def _xlsx(folder, name, frame):
    frame.to_excel(folder / f"{name}.xlsx", index=False)


WRITERS = {
    "csv-comma-utf8": _csv(",", "utf-8"),
    "csv-comma-utf8-bom": _csv(",", "utf-8-sig"),
    "csv-dutch-cp1252": _csv(";", "cp1252", ","),
    "csv-dutch-utf8-bom": _csv(";", "utf-8-sig", ","),
    "csv-dutch-utf8": _csv(";", "utf-8", ","),
    "parquet": _parquet,
    "sav": _sav,
    "dta": _dta,
    "xlsx": _xlsx,
}


@pytest.mark.parametrize("fmt", list(WRITERS))
@pytest.mark.slow
def test_every_format_validates_and_loads_the_same(tmp_path, fmt):
    tables = _dutch(trial_tables())
    folder = tmp_path / fmt
    _write(folder, tables, WRITERS[fmt])
    report = trustexp.validate(folder)
    assert report.valid, report.to_text()
    assert not report.warnings, report.to_text()
    trial = trustexp.load_trial(folder)
    p = trial.participants
    assert list(p["person_id"]) == list(tables["participants"]["person_id"])
    assert "Súdwest-Fryslân" in set(p["site"])
    np.testing.assert_allclose(p["income"], tables["participants"]["income"])
    assert p["randomised_on"].dtype == "datetime64[ns]"
    assert trial.monthly["month"].dtype == np.int32
    assert trial.monthly["on_benefit"].dtype == np.int8
    np.testing.assert_allclose(trial.monthly["earnings"], tables["monthly"]["earnings"])
    assert trial.survey["wb1"].dtype == np.float64
    assert trial.takeup["received"].dtype == np.float64


def test_typed_dates_and_numeric_ids_from_spss(tmp_path):
    t = trial_tables()
    p = t["participants"]
    p["randomised_on"] = pd.to_datetime(p["randomised_on"])
    folder = tmp_path / "spss"
    _write(folder, {"participants": p}, _sav)
    toml = TRIAL_TOML.split('[[outcomes]]\nid = "exit_6m"')[0].replace("[[takeup]]", "")
    (folder / "trial.toml").write_text(toml)
    assert trustexp.validate(folder).valid
    # a numeric person id loses a BSN's leading zero: 8 digits are tested zero-padded
    p = p.assign(person_id=np.arange(len(p)) + 1000.0)
    p.loc[0, "person_id"] = 11_222_333.0  # "011222333" fails the 11-test
    p.loc[1, "person_id"] = 12_345_672.0  # "012345672" passes it
    folder2 = tmp_path / "spss2"
    _write(folder2, {"participants": p}, _sav)
    (folder2 / "trial.toml").write_text(toml)
    report = trustexp.validate(folder2)
    assert [(e.row, e.rule, e.value) for e in report.errors] == [(2, "bsn", None)]  # v1.1: never the value


def test_sniff_dialects(tmp_path):
    f = tmp_path / "a.csv"
    f.write_bytes("\ufeffperson_id;site\np1;Gr\u00f6ningen\n".encode())
    d = sniff_csv(f)
    assert (d.delimiter, d.encoding, d.bom, d.decimal_comma) == (";", "utf-8", True, True)
    f.write_bytes("person_id;site\np1;Gr\u00f6ningen\n".encode("cp1252"))
    assert sniff_csv(f).encoding == "cp1252"
    f.write_bytes(b"person_id,site\np1,x\n")
    assert (sniff_csv(f).delimiter, sniff_csv(f).decimal_comma) == (",", False)


def test_csv_is_read_as_text(tmp_path):
    f = tmp_path / "participants.csv"
    f.write_text("person_id,age\n007,1e3\n0100,\n")
    table = read_table(f, "participants")
    assert table.data.schema.types == [pa.string(), pa.string()]
    assert table.data.column("person_id").to_pylist() == ["007", "0100"]
    assert table.data.column("age").to_pylist() == ["1e3", ""]


def test_decimal_comma_with_thousands(tmp_path):
    from trustexp.validation._columns import parse

    col = pa.chunked_array([pa.array(["1.234,5", "12,25", "7", "-3,0", "1,2,3", " ", "abc"])])
    p = parse(col, "number", decimal_comma=True)
    np.testing.assert_allclose(p.values[:4], [1234.5, 12.25, 7.0, -3.0])
    assert p.invalid.tolist() == [False, False, False, False, True, False, True]
    assert p.missing.tolist() == [False] * 5 + [True, False]


def test_locate_is_case_insensitive_and_ignores_other_files(tmp_path):
    (tmp_path / "Participants.CSV").write_text("person_id\n")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "monthly_old.csv").write_text("x")
    assert set(locate_tables(tmp_path)) == {"participants"}


def test_xlsx_empty_sheet(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.save(tmp_path / "takeup.xlsx")
    with pytest.raises(InputError, match="first sheet is empty"):
        read_table(tmp_path / "takeup.xlsx", "takeup")


def test_xlsx_mixed_column_becomes_text(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["person_id", "received"])
    sheet.append([101, 1])
    sheet.append(["P2", "ja"])
    book.save(tmp_path / "takeup.xlsx")
    table = read_table(tmp_path / "takeup.xlsx", "takeup")
    assert table.data.column("person_id").to_pylist() == ["101", "P2"]
    assert table.data.column("received").to_pylist() == ["1", "ja"]
