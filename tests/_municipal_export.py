"""A municipal export as it comes: SPSS participants, a Dutch Excel CSV panel, an XLSX survey.

The participants file has the export's own names (``clientnummer``, ``groep``,
``gemeente``, ``datum_loting``, ...), numeric arm codes 1-4 and 9 with value
labels, DD-MM-YYYY dates as text, coded covariates with value labels and an
SPSS user-missing code, and a leftover ``BSN`` column. Built from a seed, so
that every test sees the same bytes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

ARM_LABELS = {
    1.0: "Controlegroep",
    2.0: "Ontheffing arbeidsverplichtingen",
    3.0: "Extra vrijlating bijverdiensten",
    4.0: "Intensieve begeleiding",
    9.0: "Niet-deelnemers",
}


def valid_bsns(n: int, rng: np.random.Generator) -> list[int]:
    """``n`` distinct nine-digit numbers that pass the 11-test."""
    out: set[int] = set()
    weights = np.array([9, 8, 7, 6, 5, 4, 3, 2, -1])
    while len(out) < n:
        d = rng.integers(0, 10, size=9)
        d[0] = rng.integers(1, 10)
        if int(d @ weights) % 11 == 0:
            out.add(int("".join(map(str, d))))
    return sorted(out)


def build_export(folder: Path, *, n: int = 240, seed: int = 9) -> Path:
    """Write the export into ``folder`` (created); return it."""
    import openpyxl
    import pyreadstat

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    ids = [f"C{i:05d}" for i in range(1, n + 1)]
    arm = rng.choice([1.0, 2.0, 3.0, 4.0, 9.0], size=n, p=[0.24, 0.22, 0.22, 0.22, 0.10])
    site = rng.choice(["Tilburg", "Wageningen"], size=n)
    start = np.array([dt.date(2018, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 300, n)])
    age = rng.integers(20, 64, n).astype(float)
    age[:3] = 999.0  # SPSS user-missing code
    sex = rng.choice([1.0, 2.0], size=n)
    edu = rng.choice([1.0, 2.0, 3.0, 9.0], size=n, p=[0.35, 0.35, 0.25, 0.05])
    people = pd.DataFrame({
        "clientnummer": ids,
        "groep": arm,
        "gemeente": site,
        "datum_loting": [d.strftime("%d-%m-%Y") for d in start],
        "leeftijd": age,
        "geslacht": sex,
        "opleiding": edu,
        "BSN": valid_bsns(n, rng),
    })
    pyreadstat.write_sav(
        people, str(folder / "deelnemers.sav"),
        column_labels=["Clientnummer", "Onderzoeksgroep", "Gemeente", "Datum loting", "Leeftijd",
                       "Geslacht", "Opleidingsniveau", "Burgerservicenummer"],
        variable_value_labels={
            "groep": ARM_LABELS,
            "geslacht": {1.0: "man", 2.0: "vrouw"},
            "opleiding": {1.0: "laag", 2.0: "midden", 3.0: "hoog", 9.0: "onbekend"},
        },
        missing_ranges={"leeftijd": [999.0], "opleiding": [9.0]},
    )
    # the monthly panel: Dutch Excel CSV (semicolons, decimal comma, Windows-1252)
    rows = []
    for pid, a, d in zip(ids, arm, start, strict=True):
        m0 = d.year * 12 + d.month - 1
        p_work = 0.12 + 0.04 * (a in (3.0, 4.0))
        for k in range(0, 14):
            m = m0 + k
            employed = int(k > 0 and rng.random() < p_work)
            on_benefit = int(not (employed and rng.random() < 0.4))
            hours = "" if employed and rng.random() < 0.1 else (f"{rng.uniform(20, 120):.1f}".replace(".", ",") if employed else "0")
            earnings = f"{rng.uniform(100, 900):.2f}".replace(".", ",") if employed else "0"
            rows.append(f"{pid};{m // 12}-{m % 12 + 1:02d};{on_benefit};{employed};{earnings};{hours}")
    text = "clientnummer;maand;uitkering;werk;inkomsten;uren\r\n" + "\r\n".join(rows) + "\r\n"
    (folder / "maandgegevens.csv").write_bytes(text.encode("cp1252"))
    # the survey: XLSX, baseline before randomisation and a wave a year later
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["clientnummer", "meting", "datum", "wb1", "wb2", "wb3", "wb4"])
    for pid, d in zip(ids, start, strict=True):
        for wave, days in ((0, -7), (1, 365)):
            if wave == 1 and rng.random() < 0.2:
                continue
            answers = [int(x) for x in rng.integers(1, 6, 4)]
            sheet.append([pid, wave, dt.datetime.combine(d + dt.timedelta(days=days), dt.time()), *answers])
    book.save(folder / "enquete.xlsx")
    return folder
