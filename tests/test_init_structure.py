"""trustexp init: cluster and stratum candidates from the data's structure, written into the
drafted trial.toml as commented suggestions with their evidence, in Dutch or English.

The evidence (how many values have one arm, the largest distance of a share from the overall
allocation) is recomputed here with plain loops over the rows, independent of the pandas code."""

from __future__ import annotations

import csv
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest

from trustexp.cli import main
from trustexp.draft import draft

CONTROL, TREATED, REFERENCE = "controle", "begeleiding", "niet-deelnemer"


def _write(folder: Path, rows: list[dict[str, object]]) -> Path:
    folder.mkdir(parents=True)
    with (folder / "deelnemers.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return folder


def _cluster_export(folder: Path, seed: int = 3) -> Path:
    """48 units of 3 to 7 people, the arm drawn per unit; a few non-participants in some units."""
    rng = np.random.default_rng(seed)
    unit_arm = rng.permutation([CONTROL] * 24 + [TREATED] * 24)
    rows, k = [], 0
    for u, arm in enumerate(unit_arm):
        for _ in range(int(rng.integers(3, 8))):
            k += 1
            rows.append({"clientnummer": f"C{k:05d}", "groep": arm, "gemeente": "Tilburg",
                         "datum_loting": "2019-03-01", "unitcode": f"U{u:03d}", "dossier": f"D{k:05d}",
                         "leeftijd": int(rng.integers(20, 64)), "geslacht": int(rng.integers(1, 3))})
        if u % 6 == 0:  # the reference group is not randomised: it does not count
            k += 1
            rows.append({"clientnummer": f"C{k:05d}", "groep": REFERENCE, "gemeente": "Tilburg",
                         "datum_loting": "2019-03-01", "unitcode": f"U{u:03d}", "dossier": f"D{k:05d}",
                         "leeftijd": 40, "geslacht": 1})
    return _write(folder, rows)


def _stratified_export(folder: Path, seed: int = 5) -> Path:
    """Four regions of unequal size, a fixed 1:1 allocation permuted within each region;
    sex drawn independently of everything."""
    rng = np.random.default_rng(seed)
    rows, k = [], 0
    for region, size in (("R1", 120), ("R2", 95), ("R3", 85), ("R4", 70)):
        arms = rng.permutation([CONTROL] * (size // 2) + [TREATED] * (size - size // 2))
        for arm in arms:
            k += 1
            rows.append({"clientnummer": f"C{k:05d}", "groep": arm, "gemeente": "Tilburg",
                         "datum_loting": "2019-03-01", "regio_code": region,
                         "leeftijd": int(rng.integers(20, 64)), "geslacht": int(rng.integers(1, 3))})
    return _write(folder, rows)


def _rows(folder: Path) -> list[dict[str, str]]:
    with (folder / "deelnemers.csv").open(encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["groep"] != REFERENCE]


def _constant_groups(rows: list[dict[str, str]], column: str) -> tuple[int, int, int]:
    arms: dict[str, set[str]] = defaultdict(set)
    size: Counter[str] = Counter()
    for r in rows:
        arms[r[column]].add(r["groep"])
        size[r[column]] += 1
    multi = [v for v in size if size[v] >= 2]
    return sum(len(arms[v]) == 1 for v in multi), len(multi), sum(size[v] for v in multi)


def _largest_share_gap(rows: list[dict[str, str]], column: str) -> float:
    overall = Counter(r["groep"] for r in rows)
    by_level: dict[str, Counter[str]] = defaultdict(Counter)
    for r in rows:
        by_level[r[column]][r["groep"]] += 1
    gap = 0.0
    for counts in by_level.values():
        n = sum(counts.values())
        for arm, total in overall.items():
            gap = max(gap, abs(counts[arm] / n - total / len(rows)))
    return round(gap * 100, 1)


def _chance_as_close(rows: list[dict[str, str]], column: str, draws: int = 600) -> float:
    """Re-draw the arms by shuffling them over the people; how often is every count in every
    level as close to its expected count as observed?"""
    import random

    arms = [r["groep"] for r in rows]
    levels = [r[column] for r in rows]
    total = Counter(arms)
    size = Counter(levels)

    def farthest(assigned: list[str]) -> float:
        cells = Counter(zip(levels, assigned, strict=True))
        return max(abs(cells[(lv, a)] - size[lv] * total[a] / len(rows)) for lv in size for a in total)

    observed = farthest(arms)
    rng = random.Random(1)
    hits = 0
    for _ in range(draws):
        shuffled = arms[:]
        rng.shuffle(shuffled)
        hits += farthest(shuffled) <= observed + 1e-9
    return hits / draws


def _suggestions(text: str, key: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(f"# {key} = ")]


def test_cluster_candidate_from_structure(tmp_path):
    folder = _cluster_export(tmp_path / "export")
    result = draft(folder, lang="en")
    constant, groups, people = _constant_groups(_rows(folder), "unitcode")
    assert constant == groups == 48
    lines = _suggestions(result.text, "cluster")
    assert lines == [
        f'# cluster = "unitcode"  # arm constant within {constant} of {groups} values that group two '
        f"or more people ({people} people): were these clusters randomised?"
    ]
    # the near-unique dossier number, age and sex are no clusters; no stratum is suggested
    assert not any("dossier" in line or "leeftijd" in line for line in lines)
    assert _suggestions(result.text, "strata") == []
    doc = tomllib.loads(result.text)  # the suggestions are comments: the draft is unchanged TOML
    assert "cluster" not in doc["randomisation"]
    assert "unitcode" not in doc["analysis"]["covariates"]


def test_stratum_candidate_from_structure(tmp_path):
    folder = _stratified_export(tmp_path / "export")
    result = draft(folder, lang="en")
    gap = _largest_share_gap(_rows(folder), "regio_code")
    lines = _suggestions(result.text, "strata")
    assert len(lines) == 1 and lines[0].startswith('# strata = ["regio_code"]  # every arm appears within '
                                                   "each of its 4 values")
    assert f"at most {gap:g} percentage points" in lines[0]
    import re

    reported = float(re.search(r"as close as in ([0-9.]+)% of 2000 re-draws", lines[0]).group(1)) / 100
    independent = _chance_as_close(_rows(folder), "regio_code")
    assert reported <= 0.05 and abs(reported - independent) < 0.03  # Monte Carlo error of both
    # sex was not used in the randomisation: a balance this close is common by chance
    assert _chance_as_close(_rows(folder), "geslacht") > 0.1
    assert not any("geslacht" in line for line in lines)
    assert _suggestions(result.text, "cluster") == []
    assert "strata" in tomllib.loads(result.text)["randomisation"]


def test_suggestions_in_dutch_through_the_command_line(tmp_path, capsys):
    folder = _cluster_export(tmp_path / "clusters")
    assert main(["init", str(folder), "--lang", "nl"]) == 0
    capsys.readouterr()
    text = (folder / "trial.toml").read_text("utf-8")
    assert "voorgesteld door de structuur van de gegevens" in text
    assert "groep gelijk binnen 48 van de 48 waarden" in text
    folder = _stratified_export(tmp_path / "strata")
    assert main(["init", str(folder), "--lang", "nl"]) == 0
    gap = _largest_share_gap(_rows(folder), "regio_code")
    text = (folder / "trial.toml").read_text("utf-8")
    assert f"elk van de 4 waarden, het aandeel van elke groep hoogstens {gap:g}".replace(".", ",") in text


def test_no_structure_guess_under_simple_randomisation(tmp_path):
    """Arms drawn person by person: no column is a cluster or a stratum."""
    rng = np.random.default_rng(11)
    rows = [{"clientnummer": f"C{k:05d}", "groep": CONTROL if rng.random() < 0.5 else TREATED,
             "gemeente": "Tilburg", "datum_loting": "2019-03-01", "regio_code": f"R{k % 3}",
             "unitcode": f"U{k // 5:03d}", "leeftijd": int(rng.integers(20, 64))}
            for k in range(300)]
    result = draft(_write(tmp_path / "export", rows), lang="en")
    assert _suggestions(result.text, "strata") == [] and _suggestions(result.text, "cluster") == []
    assert "suggested by the data's structure" not in result.text


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_draft_still_validates(tmp_path, lang, capsys):
    import trustexp

    folder = _cluster_export(tmp_path / "export")
    assert main(["init", str(folder), "--lang", lang]) == 0
    report = trustexp.validate(folder)
    # what is left is the outcome to fill in, which init lists; the suggestions break nothing
    assert {(e.rule, e.column) for e in report.errors} <= {("declared-column", "...")}, report.to_text()
    assert "[[outcomes]]" in capsys.readouterr().out
