"""``trustexp randomise``: the assignment of a trial, and the certificate to rerun it.

The randomiser is :func:`trustexp.stats.draw_assignments`, the one that
randomisation inference re-draws with: within each stratum the arm labels of
a fixed allocation (the stratum's arm counts, from the allocation ratios) are
permuted over the units (persons, or whole clusters). The assignment is draw 0
of ``draw_assignments(allocation, strata=..., clusters=..., draws=1, seed=seed)``,
so the design that was run is the design that randomisation inference
re-randomises, and any permutation test of the result draws from the same
distribution.

Inputs are put in a canonical order first (persons sorted by ``person_id``,
strata and clusters coded in sorted order), so the result depends only on the
set of persons, the design and the seed, never on the row order of the file.

The counts per stratum: ``floor(n_s * w_a)`` for every arm, the remaining
units to the arms with the largest remainders (ties: arms in declared order,
rotated by one per stratum, so no arm gets every spare unit).
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trustexp.errors import OptionError
from trustexp.stats import draw_assignments

__all__ = ["Randomisation", "allocation_counts", "randomise_table"]

METHOD = ("permutation of a fixed allocation within strata "
          "(trustexp.stats.draw_assignments, numpy default_rng, draw 0)")


@dataclass(frozen=True)
class Randomisation:
    """An assignment and its certificate.

    Attributes
    ----------
    assignment
        ``person_id``, ``arm``, ``stratum`` (the stratum used, its columns
        joined by ``|``), ``cluster`` (when clustered); sorted by ``person_id``.
    certificate
        The method, seed, strata and cluster columns, allocation ratios, arm
        counts per stratum, and the SHA-256 of the sorted input ids and of the
        assignment's CSV bytes.
    """

    assignment: pd.DataFrame
    certificate: Mapping[str, Any]

    def csv_bytes(self) -> bytes:
        """The assignment as CSV (UTF-8, ``\\n`` line ends): the bytes the certificate hashes."""
        return _csv(self.assignment)

    def certificate_json(self) -> str:
        """The certificate as JSON text."""
        return json.dumps(self.certificate, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def _csv(frame: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    frame.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8")


def allocation_counts(n: int, arms: Sequence[str], ratios: Mapping[str, float],
                      rotate: int = 0) -> dict[str, int]:
    """Units per arm for a stratum of ``n`` units (see the module docstring)."""
    w = np.array([float(ratios.get(a, 1.0)) for a in arms])
    share = n * w / w.sum()
    base = np.floor(share).astype(int)
    rest = n - int(base.sum())
    order = [(i + rotate) % len(arms) for i in range(len(arms))]
    frac = share - base
    ranked = sorted(order, key=lambda i: (-round(float(frac[i]), 12), order.index(i)))
    for i in ranked[:rest]:
        base[i] += 1
    return {a: int(base[i]) for i, a in enumerate(arms)}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def randomise_table(participants: pd.DataFrame, *, arms: Sequence[str], seed: int,
                    strata: Sequence[str] = (), cluster: str | None = None,
                    ratios: Mapping[str, float] | None = None,
                    table: str = "participants") -> Randomisation:
    """Randomise the persons of ``participants`` (see the module docstring).

    Parameters
    ----------
    participants
        One row per person: ``person_id`` and the strata and cluster columns.
    arms
        The randomised arms (control first), in declared order.
    seed
        Seed of the randomiser.
    strata
        Columns whose combinations are the strata (none: one stratum).
    cluster
        Column of the unit randomised (each cluster within one stratum).
    ratios
        Allocation ratio per arm (default: equal).
    table
        The table's name, for messages.

    Raises
    ------
    OptionError
        A column is missing, a ``person_id`` is empty or repeated, a cluster
        spans strata, or the seed or ratios are not valid.
    """
    fn = "randomise"
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise OptionError(f"The 'seed' parameter of {fn} must be an integer >= 0. Got {seed!r} instead.")
    if len(arms) < 2:
        raise OptionError(f"The 'arms' parameter of {fn} must name at least 2 arms. Got {list(arms)!r}.")
    ratios = dict(ratios or {})
    for a, v in ratios.items():
        if a not in arms or not isinstance(v, int | float) or isinstance(v, bool) or v <= 0:
            raise OptionError(
                f"The 'ratios' parameter of {fn} must give a number > 0 for arms among "
                f"{list(arms)}. Got {a!r} = {v!r} instead."
            )
    need = ["person_id", *strata, *([cluster] if cluster else [])]
    missing = [c for c in need if c not in participants.columns]
    if missing:
        raise OptionError(f"{table}: no column {missing[0]!r} (needed for the randomisation: "
                          f"{', '.join(need)})")
    p = participants[need].copy()
    p["person_id"] = p["person_id"].astype(str)
    for c in need[1:]:
        p[c] = p[c].astype(str)
    empty = np.flatnonzero((p["person_id"].str.strip() == "").to_numpy())
    if empty.size:
        raise OptionError(f"{table}, row {int(empty[0]) + 1}, column 'person_id': empty (rule: non-empty)")
    dup = np.flatnonzero(p["person_id"].duplicated().to_numpy())
    if dup.size:
        raise OptionError(f"{table}, row {int(dup[0]) + 1}, column 'person_id': "
                          f"{p['person_id'].iloc[dup[0]]!r} repeats (rule: unique)")
    p = p.sort_values("person_id", kind="stable").reset_index(drop=True)
    stratum = (p[list(strata)].agg("|".join, axis=1) if strata
               else pd.Series(["all"] * len(p), dtype=str))
    s_names, s_codes = np.unique(stratum.to_numpy(dtype=str), return_inverse=True)
    if cluster:
        c_names, c_codes = np.unique(p[cluster].to_numpy(dtype=str), return_inverse=True)
        first = pd.Series(s_codes).groupby(c_codes).nunique()
        bad = first[first > 1]
        if not bad.empty:
            name = c_names[int(bad.index[0])]
            raise OptionError(f"{table}, column {cluster!r}: the cluster {name!r} spans strata "
                              "(rule: every cluster lies within one stratum)")
        unit_of_row, unit_stratum = c_codes, np.zeros(c_names.size, np.int64)
        unit_stratum[c_codes] = s_codes
    else:
        unit_of_row, unit_stratum = np.arange(len(p)), s_codes
    template = np.empty(unit_stratum.size, np.int64)
    counts: dict[str, dict[str, int]] = {}
    for k, name in enumerate(s_names):
        idx = np.flatnonzero(unit_stratum == k)
        per = allocation_counts(idx.size, arms, ratios, rotate=k)
        template[idx] = np.repeat(np.arange(len(arms)), [per[a] for a in arms])
        counts[str(name)] = per
    arm_of_row = template[unit_of_row]
    drawn = draw_assignments(arm_of_row, strata=s_codes,
                             clusters=unit_of_row if cluster else None, draws=1, seed=int(seed))[0]
    out = pd.DataFrame({"person_id": p["person_id"], "arm": np.asarray(arms, dtype=object)[drawn]})
    out["stratum"] = stratum.to_numpy(dtype=str)
    if cluster:
        out["cluster"] = p[cluster].to_numpy(dtype=str)
        persons = {str(s): {a: int(((s_codes == k) & (drawn == i)).sum()) for i, a in enumerate(arms)}
                   for k, s in enumerate(s_names)}
    from trustexp._version import __version__

    ids = ("\n".join(p["person_id"].tolist()) + "\n").encode("utf-8")
    cert: dict[str, Any] = {
        "method": METHOD,
        "trustexp_version": __version__,
        "numpy_version": np.__version__,
        "seed": int(seed),
        "arms": list(arms),
        "allocation": {a: float(ratios.get(a, 1.0)) for a in arms},
        "strata": list(strata),
        "cluster": cluster,
        "units": "clusters" if cluster else "persons",
        "n": int(len(p)),
        "counts": counts,
        **({"persons": persons} if cluster else {}),
        "input_ids_sha256": _sha(ids),
        "output_sha256": _sha(_csv(out)),
    }
    return Randomisation(out, cert)


def read_certificate(path: Path) -> dict[str, Any]:
    """A certificate written by ``trustexp randomise``."""
    return json.loads(path.read_text(encoding="utf-8"))
