"""Draft a ``trial.toml`` from an export as it comes (``trustexp init``).

:func:`draft` reads the tables of an export folder and writes a commented
``trial.toml`` that uses the export's own names: the tables found (by their
file names, Dutch or English, with ``[data]`` paths where a name is not the
contract's), ``[columns.<table>]`` guessed from common column names, the arms
from the values of the arm column and their SPSS/Stata value labels (with
their ``code``), the sites, candidate strata and cluster columns, the other
participant columns as covariates (coded or text ones as ``categorical``),
survey items grouped into candidate scales with their range, and the date
formats seen. Every guess is a line that the user can change; what could not
be guessed is named in :attr:`Draft.todo`.

Besides the names, the data's structure suggests clusters and strata
(:func:`structure_guesses`): a column whose values group people with one arm
each, or one with few values within each of which every arm appears near its
overall share. They are written as commented lines with their evidence.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trustexp._message import text as _t
from trustexp.errors import InputError
from trustexp.pseudonym import quasi_identifiers
from trustexp.readers import SUFFIXES, RawTable, read_table
from trustexp.texts import catalogue
from trustexp.validation._columns import as_text

__all__ = ["ClusterGuess", "Draft", "StratumGuess", "draft", "structure_guesses"]

#: File base names (lower case) of each table.
TABLE_NAMES: dict[str, tuple[str, ...]] = {
    "participants": ("participants", "deelnemers", "deelnemer", "clienten", "cliënten", "personen", "loting"),
    "monthly": ("monthly", "maandgegevens", "maanden", "maand", "maandelijks", "uitkeringen", "panel"),
    "survey": ("survey", "enquete", "enquête", "vragenlijst", "vragenlijsten", "metingen"),
    "takeup": ("takeup", "deelname", "gebruik", "opkomst"),
}

#: Common export names of the contract's columns (compared in lower case).
COLUMN_NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "participants": {
        "person_id": ("person_id", "clientnummer", "clientnr", "client_id", "klantnummer", "persoonsnummer",
                      "respondentnummer", "pseudoniem", "id"),
        "site": ("site", "gemeente", "locatie", "vestiging", "stad"),
        "arm": ("arm", "groep", "conditie", "experimentgroep", "interventie", "onderzoeksgroep", "variant"),
        "randomised_on": ("randomised_on", "datum_loting", "lotingsdatum", "loting_datum", "randomisatiedatum",
                          "datum_randomisatie", "randomisatie", "startdatum"),
        "stratum": ("stratum", "blok", "strata", "lotingsblok"),
        "cluster": ("cluster",),
    },
    "monthly": {
        "person_id": ("person_id", "clientnummer", "clientnr", "client_id", "klantnummer", "persoonsnummer",
                      "pseudoniem", "id"),
        "month": ("month", "maand", "periode", "jaarmaand"),
        "on_benefit": ("on_benefit", "uitkering", "bijstand", "in_uitkering", "bijstand_ontvangen"),
        "employed": ("employed", "werk", "werkend", "betaald_werk", "baan", "werkt"),
        "earnings": ("earnings", "inkomsten", "loon", "verdiensten", "inkomen"),
        "hours": ("hours", "uren", "gewerkte_uren", "arbeidsuren"),
    },
    "survey": {
        "person_id": ("person_id", "clientnummer", "clientnr", "client_id", "klantnummer", "persoonsnummer",
                      "respondentnummer", "pseudoniem", "id"),
        "wave": ("wave", "meting", "golf", "ronde", "meetmoment"),
        "responded_on": ("responded_on", "datum", "invuldatum", "datum_ingevuld", "afnamedatum", "ingevuld_op"),
    },
    "takeup": {
        "person_id": ("person_id", "clientnummer", "clientnr", "client_id", "klantnummer", "persoonsnummer",
                      "pseudoniem", "id"),
        "received": ("received", "ontvangen", "deelgenomen", "gebruikt"),
        "dose": ("dose", "aantal_gesprekken", "dosis", "gesprekken"),
    },
}

_CLUSTER_HINTS = re.compile(r"(cluster|wijk|dorp|buurt|team|village|school|klas)", re.IGNORECASE)
_KINDS = (
    ("reference", re.compile(r"(niet[- ]?deelnem|referentie|reference|weiger|declin)", re.IGNORECASE)),
    ("control", re.compile(r"(controle|control|regulier|gewone regels)", re.IGNORECASE)),
    ("combined", re.compile(r"(combin)", re.IGNORECASE)),
    ("exemption", re.compile(r"(onthef|exempt|zelfbepal|regie|vrijstell)", re.IGNORECASE)),
    ("extra_earnings", re.compile(r"(vrijlat|bijverdien|earning|verdien)", re.IGNORECASE)),
    ("intensive_guidance", re.compile(r"(begeleid|guidance|maatwerk|coach)", re.IGNORECASE)),
)


_MEASURE_LABELS = {
    "exit_to_work": ("Uitstroom naar werk", "Exit to work"),
    "part_time_work": ("Deeltijdwerk naast de uitkering", "Part-time work while on benefit"),
}


@dataclass(frozen=True, slots=True)
class Draft:
    """A drafted ``trial.toml``.

    Attributes
    ----------
    text
        The commented TOML.
    tables
        Table name to the file it was found in.
    todo
        What is left to fill in (in the draft's language).
    """

    text: str
    tables: Mapping[str, Path]
    todo: tuple[str, ...]


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
    return slug or "arm"


def _q(text: str) -> str:
    """A TOML basic string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _find_tables(folder: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for entry in sorted(folder.iterdir()):
        if not entry.is_file() or entry.suffix.lower() not in SUFFIXES:
            continue
        stem = entry.stem.lower().strip()
        for table, names in TABLE_NAMES.items():
            if table not in found and (stem in names or any(stem.startswith(n) for n in names[:3])):
                found[table] = entry
                break
    if "participants" not in found:
        listed = ", ".join(sorted(p.name for p in folder.iterdir() if p.is_file()))
        raise InputError(_t("draft.no_participants", folder=folder, suffixes=", ".join(SUFFIXES),
                            files=listed or _t("draft.no_files")))
    return found


def _text_values(table: RawTable, column: str) -> tuple[list[str], bool]:
    col = table.data.column(column)
    if len(col) == 0:
        return [], False
    uniq = pc.unique(col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col)
    if pa.types.is_dictionary(uniq.type):
        uniq = uniq.dictionary_decode()
    text, numeric = as_text(uniq)
    return sorted({v.strip() for v in text.to_pylist() if v is not None and v.strip()}), numeric


def _guess_columns(table: RawTable) -> dict[str, str]:
    lower = {c.strip().lower(): c for c in table.columns}
    out: dict[str, str] = {}
    for contract, names in COLUMN_NAMES.get(table.name, {}).items():
        for n in names:
            if n in lower and lower[n] not in out.values():
                out[contract] = lower[n]
                break
    return out


def _date_shape(values: list[str]) -> str | None:
    from trustexp.validation._report import _shape

    shapes = {_shape(v, True) for v in values[:200]}
    return ", ".join(sorted(shapes)) if shapes else None


def _numeric_range(table: RawTable, column: str) -> tuple[float, float] | None:
    col = table.data.column(column)
    t = col.type
    if not (pa.types.is_integer(t) or pa.types.is_floating(t)):
        values, _ = _text_values(table, column)
        try:
            nums = [float(v.replace(",", ".")) for v in values]
        except ValueError:
            return None
        return (min(nums), max(nums)) if nums else None
    lo, hi = pc.min(col).as_py(), pc.max(col).as_py()
    return None if lo is None or hi is None else (float(lo), float(hi))


def _integral(table: RawTable, column: str) -> bool:
    rng = _numeric_range(table, column)
    if rng is None:
        return False
    values, _ = _text_values(table, column)
    try:
        return all(float(v.replace(",", ".")).is_integer() for v in values)
    except ValueError:
        return False


def draft(export_dir: str | Path, *, lang: str = "nl") -> Draft:
    """Draft a commented ``trial.toml`` for an export folder.

    Parameters
    ----------
    export_dir
        The folder with the export's tables.
    lang
        The language of the comments and of the labels' first language.

    Raises
    ------
    InputError
        The folder or its participants table cannot be found or read.
    """
    folder = Path(export_dir)
    if not folder.is_dir():
        raise InputError(_t("folders.no_such_folder", folder=folder))
    cat = catalogue("init", lang)
    files = _find_tables(folder)
    tables = {name: read_table(path, name) for name, path in files.items()}
    mapping = {name: _guess_columns(t) for name, t in tables.items()}
    todo: list[str] = []

    from trustexp.validation._mapping import bsn_columns

    bsn = {name: bsn_columns(t) for name, t in tables.items()}
    people = tables["participants"]
    pm = mapping["participants"]
    lines = [f"# {cat['header']}", f"# {cat.t('header_folder', folder=folder.name)}", ""]

    # [trial]
    arms = _arms(people, pm.get("arm"))
    control = next((a for a in arms if a[2] == "control"), None)
    lines += ["[trial]", f"name = {_q(folder.name)}  # {cat['trial_name']}"]
    if control is None:
        todo.append(cat["todo_control"])
        first = next((a for a in arms if a[2] != "reference"), arms[0] if arms else None)
        control_id = first[0] if first else "control"
        lines.append(f"control_arm = {_q(control_id)}  # {cat['todo_control']}")
    else:
        lines.append(f"control_arm = {_q(control[0])}")
    lines += [f'language = "{lang}"', ""]

    # [arms]
    lines.append("[arms]")
    if pm.get("arm"):
        lines.append(f"# {cat.t('arms_from', column=pm['arm'])}")
    else:
        todo.append(cat["todo_arm_column"])
    for arm_id, label, kind, code in arms:
        kind_out = "control" if control is not None and arm_id == control[0] else kind
        code_part = f", code = {code}" if code is not None else ""
        lines.append(f"{arm_id} = {{ label = {_q(label)}, kind = \"{kind_out}\"{code_part} }}")
    if len([a for a in arms if a[2] != "reference"]) < 2:
        todo.append(cat["todo_arms"])
    lines.append("")

    # [randomisation]
    site_col = pm.get("site")
    sites = _text_values(people, site_col)[0] if site_col else []
    lines.append("[randomisation]")
    if sites:
        lines.append(f"# {cat.t('sites', sites=', '.join(sites[:20]))}")
    strata = [c for c in ("stratum",) if c in pm]
    lines.append(f"strata = [{', '.join(_q(s) for s in strata)}]  # {cat['strata']}")
    candidates = [c for c in people.columns if _CLUSTER_HINTS.search(c) and c not in pm.values()]
    if candidates:
        lines.append(f"# {cat.t('cluster_candidates', columns=', '.join(candidates))}")
        lines.append(f"# cluster = {_q(candidates[0])}")
    mapped = set(pm.values()) | set(bsn["participants"])
    quasi_people = set(quasi_identifiers([c for c in people.columns if c not in mapped]))
    randomised = {value: arm_id for value, (arm_id, _, kind, _) in zip(
        _text_values(people, pm["arm"])[0] if pm.get("arm") else [], arms, strict=False
    ) if kind != "reference"}
    found_clusters, found_strata = structure_guesses(
        people, pm.get("arm"), randomised, mapped | quasi_people | set(strata))
    if found_clusters or found_strata:
        lines.append(f"# {cat['structure']}")
    for g in found_clusters:
        evidence = cat.t("structure_cluster", constant=g.constant, groups=g.groups, people=g.people)
        lines.append(f"# cluster = {_q(g.column)}  # {evidence}")
    for st in found_strata:
        evidence = cat.t("structure_stratum", levels=st.levels, points=_points(st.points, lang),
                         persons=_points(st.persons, lang), draws=STRATUM_DRAWS,
                         chance=_points(round(st.chance * 100, 1), lang))
        lines.append(f"# strata = [{', '.join(_q(x) for x in [*strata, st.column])}]  # {evidence}")
    lines.append("")

    # [analysis]
    used = mapped | set(candidates) | {g.column for g in found_clusters}
    quasi = set(quasi_identifiers([c for c in people.columns if c not in used]))
    covariates, categorical = [], []
    for c in people.columns:
        if c in used or c in quasi:
            continue
        values, numeric = _text_values(people, c)
        if not values:
            continue
        if c in people.labels or not numeric:
            if len(values) <= 20:
                covariates.append(c)
                categorical.append(c)
        else:
            covariates.append(c)
    lines += ["[analysis]", f"# {cat['covariates']}"]
    lines.append(f"covariates = [{', '.join(_q(c) for c in covariates)}]")
    if categorical:
        lines.append(f"categorical = [{', '.join(_q(c) for c in categorical)}]  # {cat['categorical']}")
    if candidates:
        lines.append(f"# {cat['analysis_cluster']}")
        lines.append(f"# cluster = {_q(candidates[0])}")
    lines += ['adjustment = "additive"', "alpha = 0.05", 'multiple_testing = "holm"', "min_cell = 10", ""]

    # [labels]: the SPSS variable labels of the covariates
    var_labels = _variable_labels(people)
    labelled = [(c, var_labels[c]) for c in covariates if var_labels.get(c)]
    if labelled:
        lines.append("[labels]")
        for c, text in labelled:
            lines.append(f"{_q(c)} = {{ {lang} = {_q(text)} }}")
        lines.append("")

    # [data] for tables whose file name is not the contract's
    data = {name: path.name for name, path in files.items() if path.stem.lower() != name}
    if data:
        lines.append("[data]")
        for name, file in data.items():
            lines.append(f"{name} = {_q(file)}")
        lines.append("")

    # [columns.<table>]
    for name, table in tables.items():
        m = {k: v for k, v in mapping[name].items() if k != v}
        missing = [k for k in ("person_id", "site", "arm", "randomised_on") if name == "participants" and k not in mapping[name]]
        if name == "monthly":
            missing = [k for k in ("person_id", "month", "on_benefit", "employed") if k not in mapping[name]]
        if name == "survey":
            missing = [k for k in ("person_id", "wave", "responded_on") if k not in mapping[name]]
        if not m and not missing and not bsn[name]:
            continue
        lines.append(f"[columns.{name}]")
        lines.append(f"# {cat.t('columns_present', columns=', '.join(table.columns))}")
        for k, v in m.items():
            lines.append(f"{k} = {_q(v)}")
        for k in missing:
            todo.append(cat.t("todo_column", table=name, column=k))
            lines.append(f"# {k} = \"...\"  # {cat.t('todo_column', table=name, column=k)}")
        for k in ("randomised_on", "responded_on"):
            col = mapping[name].get(k)
            if col and (pa.types.is_string(table.data.column(col).type) or pa.types.is_large_string(table.data.column(col).type)):
                shape = _date_shape(_text_values(table, col)[0])
                if shape:
                    lines.append(f"# {cat.t('dates', column=col, shape=shape)}")
        for column, (count, _) in bsn[name].items():
            lines.append(f"# {cat.t('bsn', column=column, count=count)}")
        lines.append("")
    quasi_all = sorted(quasi)
    if quasi_all:
        lines.insert(3, f"# {cat.t('quasi', columns=', '.join(quasi_all))}")

    # [[scales]] and [[outcomes]]
    scales = _scales(tables["survey"], mapping["survey"]) if "survey" in tables else []
    outcomes: list[str] = []
    families: list[str] = []
    if "monthly" in tables:
        families.append('work = { label = { nl = "Werk", en = "Work" } }')
        for measure, family in (("exit_to_work", "work"), ("part_time_work", "work")):
            nl, en = _MEASURE_LABELS[measure]
            outcomes += [
                "[[outcomes]]",
                f'id = "{measure}_12m"',
                f'measure = "{measure}"',
                f"label = {{ nl = {_q(nl)}, en = {_q(en)} }}",
                f"window_months = 12  # {cat['window']}",
                f'family = "{family}"',
                *(["primary = true"] if measure == "exit_to_work" else []),
                "",
            ]
    if scales:
        waves = _waves(tables["survey"], mapping["survey"].get("wave"))
        last = max(waves) if waves else 1
        for sid, _, _ in scales:
            families.append(f"{sid} = {{ label = {{ nl = {_q('Schaal ' + sid)}, en = {_q('Scale ' + sid)} }} }}")
            outcomes += ["[[outcomes]]", f'id = "{sid}_w{last}"', f'scale = "{sid}"',
                         f"label = {{ nl = {_q(f'Schaal {sid}, meting {last}')}, en = {_q(f'Scale {sid}, wave {last}')} }}",
                         f"wave = {last}", f'family = "{sid}"', ""]
    if families:
        lines += ["[families]", *families, ""]
    if not outcomes:
        todo.append(cat["todo_outcomes"])
        outcomes = [f"# {cat['todo_outcomes']}", "[[outcomes]]", 'id = "outcome"', 'column = "..."', ""]
    lines += [f"# {cat['outcomes']}", *outcomes]
    for sid, items, (lo, hi) in scales:
        lines += [
            f"# {cat.t('scale', items=', '.join(items), lo=int(lo), hi=int(hi))}",
            "[[scales]]",
            f'id = "{sid}"',
            f"label = {{ nl = {_q('Schaal ' + sid)}, en = {_q('Scale ' + sid)} }}  # {cat['scale_label']}",
            f"items = [{', '.join(_q(i) for i in items)}]",
            f"range = [{int(lo)}, {int(hi)}]",
            "reverse = []",
            "",
        ]
    return Draft(text="\n".join(lines).rstrip() + "\n", tables=files, todo=tuple(todo))


def _variable_labels(table: RawTable) -> dict[str, str]:
    meta = table.meta
    names = list(getattr(meta, "column_names", None) or [])
    labels = list(getattr(meta, "column_labels", None) or [])
    return {n: lab for n, lab in zip(names, labels, strict=False) if isinstance(lab, str) and lab.strip()}


def _arms(people: RawTable, column: str | None) -> list[tuple[str, str, str, int | str | None]]:
    """(id, label, kind, code) of each value of the arm column."""
    if column is None:
        return []
    values, numeric = _text_values(people, column)
    labels = people.labels.get(column, {})
    out = []
    seen: set[str] = set()
    for v in values:
        label = labels.get(v, v)
        arm_id = _slug(label)
        while arm_id in seen:
            arm_id += "_"
        seen.add(arm_id)
        kind = next((k for k, rx in _KINDS if rx.search(label)), "other")
        code: int | str | None = None
        if numeric or labels:
            code = int(float(v)) if re.fullmatch(r"-?\d+(\.0+)?", v) else _q(v)
        elif arm_id != v:
            code = _q(v)
        out.append((arm_id, label, kind, code))
    return out


def _row_text(table: RawTable, column: str) -> list[str | None]:
    """The values of one column, row by row, as text (stripped; empty is None)."""
    col = table.data.column(column)
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    text, _ = as_text(arr)
    return [None if v is None or not v.strip() else v.strip() for v in text.to_pylist()]


@dataclass(frozen=True, slots=True)
class ClusterGuess:
    """A column whose values group people with one arm each: a randomised cluster?

    Attributes
    ----------
    column
        The export's column.
    constant
        How many of its values (that group two or more randomised people) have one arm.
    groups
        How many of its values group two or more randomised people.
    people
        The randomised people in those groups.
    """

    column: str
    constant: int
    groups: int
    people: int


@dataclass(frozen=True, slots=True)
class StratumGuess:
    """A column with few values, within each of which every arm appears near its overall share.

    Attributes
    ----------
    column
        The export's column.
    levels
        Its number of values.
    points
        The largest distance, in percentage points, between an arm's share within
        a value and the arm's overall share.
    persons
        The largest distance in persons between an arm's count within a value
        and the count its overall share would give.
    chance
        The share of :data:`STRATUM_DRAWS` re-draws of the arms person by person
        (the same arm sizes, no strata) in which every count is as close.
    """

    column: str
    levels: int
    points: float
    persons: float
    chance: float


#: Most values a stratum candidate may have.
MAX_STRATUM_LEVELS = 20
#: Re-draws of the arms that tell a stratum from a balance that chance gives.
STRATUM_DRAWS = 2000
#: The largest share of re-draws as close for a stratum candidate.
STRATUM_CHANCE = 0.05


def _chance_as_close(levels: np.ndarray, arms: np.ndarray, shares: np.ndarray, closest: float,
                     draws: int = STRATUM_DRAWS, seed: int = 0) -> float:
    """The share of re-draws of the arms (a permutation: the same arm sizes, no strata) in
    which no arm's count within a level is farther than ``closest`` from its expected count."""
    n_levels, n_arms = int(levels.max()) + 1, len(shares)
    expected = np.outer(np.bincount(levels, minlength=n_levels), shares)
    rng = np.random.default_rng(seed)
    hits = 0
    for _ in range(draws):
        counts = np.bincount(levels * n_arms + rng.permutation(arms), minlength=n_levels * n_arms)
        hits += bool((np.abs(counts.reshape(n_levels, n_arms) - expected) <= closest + 1e-9).all())
    return hits / draws


def structure_guesses(
    people: RawTable, arm_column: str | None, randomised: Mapping[str, str], skip: set[str],
) -> tuple[list[ClusterGuess], list[StratumGuess]]:
    """Cluster and stratum candidates from the data's structure (not from column names).

    A *cluster* candidate is a column whose values group several randomised
    people (at least two values do, and groups of two or more people hold most
    of them) and within each such value the arm is the same, while the arms
    differ between values: what cluster randomisation leaves behind.

    A *stratum* candidate is a column with 2 to :data:`MAX_STRATUM_LEVELS`
    values, each with at least two people per arm, within each of which every
    arm appears, each arm's count differing from the count of its overall
    share by at most ``max(1.5, 1.5% of the value's people)`` persons: what
    randomisation with a fixed allocation within strata leaves behind. As a
    column with two values can be that balanced by chance, a candidate also
    needs the balance to be rare when the same arms are re-drawn person by
    person (at most :data:`STRATUM_CHANCE` of :data:`STRATUM_DRAWS` re-draws
    as close; seeded, so that the draft is the same every time).

    Parameters
    ----------
    people
        The participants table as read.
    arm_column
        The export's arm column (None: no guesses).
    randomised
        The arm column's values (as text) of the randomised arms, to their arm ids
        (the reference group, not randomised, is left out).
    skip
        Columns not to consider (mapped, BSN, quasi-identifiers).
    """
    import pandas as pd

    if arm_column is None or len(randomised) < 2:
        return [], []
    arm = pd.Series([randomised.get(v) if v is not None else None
                     for v in _row_text(people, arm_column)], dtype=object)
    keep = arm.notna().to_numpy()
    arm = arm[keep].reset_index(drop=True)
    n = len(arm)
    if n < 4:
        return [], []
    overall = arm.value_counts(normalize=True)
    clusters: list[ClusterGuess] = []
    strata: list[StratumGuess] = []
    for column in people.columns:
        if column in skip or column == arm_column:
            continue
        values = pd.Series(_row_text(people, column), dtype=object)[keep].reset_index(drop=True)
        present = values.notna()
        if present.sum() < 4:
            continue
        frame = pd.DataFrame({"value": values[present], "arm": arm[present]})
        sizes = frame.groupby("value").size()
        arms_per_value = frame.groupby("value")["arm"].nunique()
        multi = sizes[sizes >= 2].index
        in_multi = int(sizes[multi].sum())
        if len(multi) >= 2 and in_multi * 2 >= len(frame):
            constant = int((arms_per_value[multi] == 1).sum())
            spans = frame[frame["value"].isin(multi)]["arm"].nunique()
            if constant == len(multi) and spans >= 2:
                clusters.append(ClusterGuess(column, constant, len(multi), in_multi))
                continue
        levels = len(sizes)
        if not 2 <= levels <= MAX_STRATUM_LEVELS or sizes.min() < 2 * len(overall):
            continue
        counts = pd.crosstab(frame["value"], frame["arm"]).reindex(columns=overall.index, fill_value=0)
        if (counts == 0).any(axis=None):
            continue
        expected = pd.DataFrame(np.outer(sizes[counts.index], overall.to_numpy()),
                                index=counts.index, columns=counts.columns)
        off = (counts - expected).abs()
        allowed = np.maximum(1.5, 0.015 * sizes[counts.index].to_numpy())[:, None]
        if (off.to_numpy() <= allowed).all():
            closest = float(off.to_numpy().max())
            level_codes = frame["value"].map({v: i for i, v in enumerate(counts.index)}).to_numpy(int)
            arm_codes = frame["arm"].map({a: i for i, a in enumerate(overall.index)}).to_numpy(int)
            overall_shares = np.bincount(arm_codes, minlength=len(overall)) / len(arm_codes)
            chance = _chance_as_close(level_codes, arm_codes, overall_shares, closest)
            if chance > STRATUM_CHANCE:
                continue
            shares = counts.div(sizes[counts.index], axis=0)
            points = float((shares - overall).abs().to_numpy().max()) * 100
            strata.append(StratumGuess(column, levels, round(points, 1), round(closest, 1), chance))
    return clusters, strata


def _points(value: float, lang: str) -> str:
    text = f"{value:g}"
    return text.replace(".", ",") if lang == "nl" else text


def _waves(table: RawTable, column: str | None) -> list[int]:
    if column is None:
        return []
    values, _ = _text_values(table, column)
    out = []
    for v in values:
        try:
            out.append(int(float(v.replace(",", "."))))
        except ValueError:
            continue
    return out


def _scales(table: RawTable, mapped: Mapping[str, str]) -> list[tuple[str, list[str], tuple[float, float]]]:
    """Candidate scales: survey columns with integer answers sharing a name prefix (``wb1``, ``wb2``)."""
    groups: dict[str, list[str]] = {}
    for c in table.columns:
        if c in mapped.values() or not _integral(table, c):
            continue
        m = re.fullmatch(r"([A-Za-z]+?)[_ ]?(\d+)", c.strip())
        if m:
            groups.setdefault(m.group(1).lower(), []).append(c)
    out = []
    for prefix, items in groups.items():
        if len(items) < 2:
            continue
        ranges = [r for r in (_numeric_range(table, c) for c in items) if r is not None]
        lo = min(r[0] for r in ranges)
        hi = max(r[1] for r in ranges)
        labels = [table.labels.get(c, {}) for c in items]
        missing = {code for c in items for code in table.user_missing.get(c, (0, ()))[1]}
        codes = [float(k) for lab in labels for k in lab if re.fullmatch(r"-?\d+(\.\d+)?", k) and k not in missing]
        if codes:
            lo, hi = min(lo, min(codes)), max(hi, max(codes))
        if hi > lo:
            out.append((_slug(prefix), items, (float(np.floor(lo)), float(np.ceil(hi)))))
    return out
