"""An adversary against the disclosure gate.

Trials are generated with planted small groups (an arm of 1 to 9 in one site,
a site of 3, a stratum of 2, a binary outcome with one event, one dominant
earner). For each, one report is written with its exports and results JSON,
every number is gathered from them, and an adversary that knows how the
published counts relate (randomised = analysed + missing; the pooled analysis
is the sum of the sites; a model's sample is the sum of its arms; responded +
not responded = randomised; the rows of the participants table are every
arm's persons) tries to recover each planted count by subtraction and by
solving all the relations at once, and each planted person's value from the
published means and estimates. It must find nothing.

The adversary is written from the documented relations, not from the gate's
code: it parses the released records itself and solves with its own linear
algebra.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections import defaultdict
from typing import Any

import numpy as np
import pandas as pd
import pytest
from _evalkit import base_raw, memory_trial, simulate_tables

from trustexp.evaluation import evaluate
from trustexp.reporting import report

# End-to-end runs on module-wide fixtures of several seconds: left out of `make check`.
pytestmark = pytest.mark.slow

M = 10  # min_cell
#: The record fields that count people (n_sites, n_items and draws count other things).
PEOPLE = {"n", "n_arm", "n_control", "n_randomised", "n_analysed", "n_missing", "n_responded",
          "n_at_risk", "n_events", "n_missing_arm", "n_missing_control"}


# -- planted trials ------------------------------------------------------------------


def _drop(tables: dict[str, pd.DataFrame], keep_ids: set[str]) -> dict[str, pd.DataFrame]:
    out = {}
    for name, t in tables.items():
        out[name] = t[t["person_id"].isin(keep_ids)].reset_index(drop=True)
    return out


def planted(case: str, k: int = 3, seed: int = 5, arm: str = "exemption") -> tuple[Any, dict[str, Any]]:
    """A trial with one planted small group, and what was planted."""
    tables = simulate_tables(seed=seed, n=330, sites=("Noord", "Zuid", "West"))
    parts = tables["participants"]
    plant: dict[str, Any] = {"case": case}
    if case == "small_arm":  # an arm of k persons at one site
        rows = parts.index[(parts["site"] == "West") & (parts["arm"] == arm)]
        drop = set(parts.loc[rows[k:], "person_id"])
        tables = _drop(tables, set(parts["person_id"]) - drop)
        plant.update(site="West", arm=arm, n=k)
    elif case == "small_site":  # a site of 3 persons, one per arm
        rows = parts.index[parts["site"] == "West"]
        keep = []
        for arm in ("control", "exemption", "guidance"):
            keep += list(parts.loc[rows[parts.loc[rows, "arm"].to_numpy() == arm][:1], "person_id"])
        drop = set(parts.loc[rows, "person_id"]) - set(keep)
        tables = _drop(tables, set(parts["person_id"]) - drop)
        plant.update(site="West", arm="exemption", n=1)
    elif case == "small_stratum":  # a stratum of 2 persons
        rows = parts.index[(parts["site"] == "West") & (parts["stratum"] == "kort")]
        drop = set(parts.loc[rows[2:], "person_id"])
        tables = _drop(tables, set(parts["person_id"]) - drop)
        plant.update(site="West", stratum="kort", n=2)
    elif case == "one_event":  # a binary participant outcome with one event in one group
        parts = parts.copy()
        parts["job"] = (np.arange(len(parts)) % 3 == 0).astype(float)
        grp = (parts["site"] == "Zuid") & (parts["arm"] == "control")
        parts.loc[grp, "job"] = 0.0
        parts.loc[parts.index[grp][0], "job"] = 1.0
        tables["participants"] = parts
        plant.update(site="Zuid", arm="control", outcome="job", events=1)
    elif case == "dominant_earner":  # one person earns almost everything of a group
        m = tables["monthly"].copy()
        grp = parts[(parts["site"] == "Noord") & (parts["arm"] == "guidance")]
        who = grp["person_id"].iloc[0]
        m.loc[m["person_id"] == who, "earnings"] = 1_000_000.0
        m.loc[m["person_id"] == who, ["employed", "hours"]] = (1, 40.0)
        tables["monthly"] = m
        plant.update(site="Noord", arm="guidance", outcome="earn6", person=who)
    raw = base_raw(min_cell=M)
    if case == "one_event":
        raw["outcomes"].append({"id": "job", "column": "job", "type": "binary"})
    trial = memory_trial(raw, tables)
    return trial, plant


CASES = [("small_arm", k) for k in (1, 2, 5, 9)] + [
    ("small_site", 1), ("small_stratum", 2), ("one_event", 1), ("dominant_earner", 1)]


@pytest.fixture(scope="module", params=CASES, ids=[f"{c}-{k}" for c, k in CASES])
def published(request, tmp_path_factory):
    case, k = request.param
    trial, plant = planted(case, k=k)
    ev = evaluate(trial, permutations=0)
    out = tmp_path_factory.mktemp(f"{case}{k}")
    html = report(ev, out / "r.html", export_dir=out / "exp").read_text("utf-8")
    results = json.loads((out / "exp" / "results.json").read_text("utf-8"))
    csvs = {p.name: list(csv.reader(p.open(encoding="utf-8"))) for p in (out / "exp").glob("*.csv")}
    return {"ev": ev, "trial": trial, "plant": plant, "html": html, "json": results,
            "csv": csvs}


# -- the adversary ------------------------------------------------------------------


class Knowledge:
    """Named unknown counts and the equations the adversary can write down."""

    def __init__(self) -> None:
        self.known: dict[tuple, float] = {}
        self.equations: list[dict[tuple, float]] = []  # sum(coef * x) = 0
        self._determined: dict[tuple, float] | None = None

    def learn(self, key: tuple, value: Any) -> None:
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            self.known[key] = float(value)

    def relate(self, total: tuple, parts: list[tuple]) -> None:
        eq = defaultdict(float)
        eq[total] += 1.0
        for p in parts:
            eq[p] -= 1.0
        self.equations.append(dict(eq))

    def solve(self, target: tuple) -> float | None:
        """The value of ``target`` if the equations and the known values determine it."""
        if target in self.known:
            return self.known[target]
        return self.determined().get(target)

    def determined(self) -> dict[tuple, float]:
        """Every unknown that the equations determine, with its value (solved once)."""
        if getattr(self, "_determined", None) is not None:
            return self._determined
        unknown = sorted({k for eq in self.equations for k in eq if k not in self.known}, key=str)
        col = {k: j for j, k in enumerate(unknown)}
        a = np.zeros((len(self.equations), len(unknown)))
        b = np.zeros(len(self.equations))
        for i, eq in enumerate(self.equations):
            for k, c in eq.items():
                if k in col:
                    a[i, col[k]] += c
                else:
                    b[i] -= c * self.known[k]
        out: dict[tuple, float] = {}
        if unknown:
            # an unknown is determined when the null space of a has no component along it;
            # the least-squares solution then gives its value
            _, sv, vt = np.linalg.svd(a, full_matrices=True)
            rank = int((sv > 1e-9 * max(1.0, float(sv.max(initial=0.0)))).sum())
            null = vt[rank:]
            x, *_ = np.linalg.lstsq(a, b, rcond=None)
            for k, j in col.items():
                if null.shape[0] == 0 or float(np.abs(null[:, j]).max()) < 1e-9:
                    out[k] = float(x[j])
        self._determined = out
        return out


def knowledge(pub: dict[str, Any]) -> Knowledge:
    """Everything the results JSON says about counts, with the documented relations."""
    res = pub["json"]
    cfg = pub["ev"].config
    kn = Knowledge()
    sites = sorted({r["site"] for r in res["allocation"]} - {"all"})
    arms = list(cfg.arm_ids)
    randomised = [a.id for a in cfg.randomised_arms]
    outcomes = [o.id for o in cfg.outcomes]
    for r in res["allocation"]:
        kn.learn(("alloc", r["site"], r["arm"]), r["n"])
    for r in res["flow"]:
        s, a, o = r["site"], r["arm"], r["outcome"]
        kn.learn(("alloc", s, a), r["n_randomised"])
        kn.learn(("an", s, a, o), r["n_analysed"])
        kn.learn(("miss", s, a, o), r["n_missing"])
    for r in res["effects"]:
        s, a, o = r["site"], r["arm"], r["outcome"]
        kn.learn(("an", s, a, o), r["n_arm"])
        kn.learn(("an", s, cfg.control_arm, o), r["n_control"])
        kn.learn(("n", s, o), r["n"])
        if r.get("df") is not None and r.get("se_type", "").startswith("HC"):
            pass  # df = n - k: the adversary does not know k for certain; n is published anyway
    for r in res["response"]:
        s, a, w = r["site"], r["arm"], r["wave"]
        kn.learn(("alloc", s, a), r["n_randomised"])
        kn.learn(("resp", s, a, w), r["n_responded"])
        if r.get("rate") is not None and r.get("n_randomised") is not None:
            kn.learn(("resp", s, a, w), round(r["rate"] * r["n_randomised"]))
    for r in res["balance"]:
        kn.learn(("obs", r["site"], r["arm"], r["covariate"]), r["n_arm"])
        kn.learn(("obs", r["site"], cfg.control_arm, r["covariate"]), r["n_control"])
    for r in res["monthly_curves"]:
        kn.learn(("panel", r["site"], r["arm"], r["month"]), r["n"])
    for r in res["validation"]:
        if r["kind"] == "rows" and r["table"] == "participants":
            kn.learn(("rows",), r["n"])
    # relations
    all_sites = ["all", *sites]
    kn.relate(("rows",), [("alloc", "all", a) for a in arms])
    for s in all_sites:
        kn.relate(("alloc", s, "*"), [("alloc", s, a) for a in randomised])
        for a in arms:
            for o in outcomes:
                kn.relate(("alloc", s, a), [("an", s, a, o), ("miss", s, a, o)])
        for o in outcomes:
            kn.relate(("n", s, o), [("an", s, a, o) for a in randomised])
    if len(sites) > 1:
        for a in [*arms, "*"]:
            kn.relate(("alloc", "all", a), [("alloc", s, a) for s in sites])
            for o in outcomes:
                kn.relate(("an", "all", a, o), [("an", s, a, o) for s in sites])
                kn.relate(("miss", "all", a, o), [("miss", s, a, o) for s in sites])
    return kn


@pytest.mark.slow
def test_no_planted_count_is_recoverable(published):
    plant, trial = published["plant"], published["trial"]
    kn = knowledge(published)
    parts = trial.participants
    if plant["case"] in ("small_arm", "small_site"):
        target = ("alloc", plant["site"], plant["arm"])
        assert plant["n"] == int(((parts["site"] == plant["site"])
                                  & (parts["arm"] == plant["arm"])).sum())
        assert kn.solve(target) is None, f"recovered {target} = {kn.solve(target)}"
        # and every other small allocated or missing group at that site
    elif plant["case"] == "small_stratum":
        # strata sizes are never published: no frame holds a count per stratum
        for name, recs in published["json"].items():
            if isinstance(recs, list):
                assert all("stratum" not in r for r in recs), name
    # any count the adversary can work out is 0 or at least min_cell
    for key, value in kn.determined().items():
        assert round(value) == 0 or round(value) >= M, (key, value)


def test_no_small_count_is_published_anywhere(published):
    for name, recs in published["json"].items():
        if not isinstance(recs, list):
            continue
        for r in recs:
            for k, v in r.items():
                if k in PEOPLE and isinstance(v, int) and not isinstance(v, bool):
                    assert v == 0 or v >= M, (name, k, v, r)
    for name, rows in published["csv"].items():
        if name == "output-check.csv":
            continue
        header = rows[0] if rows else []
        for j, col in enumerate(header):
            if col.lower().startswith("n") or col in ("Aantal", "Geloot", "Respons", "Totaal"):
                for row in rows[1:]:
                    v = row[j] if j < len(row) else ""
                    assert v in ("", "<10", "x", "0") or not v.replace(".", "").isdigit() or \
                        int(v.replace(".", "")) >= M, (name, col, v)


def test_no_planted_value_is_recoverable(published):
    plant, ev = published["plant"], published["ev"]
    res = published["json"]
    if plant["case"] == "one_event":
        # the share of a group with one event is never released, nor is its complement
        for r in res["effects"]:
            if r["outcome"] == "job" and r["site"] == plant["site"]:
                assert r["control_mean"] is None and r["estimate"] is None, r
        # nor can it be solved from the pooled mean and the other sites' means
        kn = knowledge(published)
        pooled = next(r for r in res["effects"] if r["outcome"] == "job" and r["site"] == "all")
        others = [r for r in res["effects"] if r["outcome"] == "job"
                  and r["site"] not in ("all", plant["site"]) and r["arm"] == pooled["arm"]]
        if pooled["control_mean"] is not None and all(r["control_mean"] is not None for r in others):
            n_all = kn.solve(("an", "all", "control", "job"))
            ns = [kn.solve(("an", r["site"], "control", "job")) for r in others]
            assert n_all is None or any(n is None for n in ns), "events recoverable by subtraction"
    if plant["case"] == "dominant_earner":
        for r in res["effects"]:
            if r["outcome"] == "earn6" and r["site"] == plant["site"] and r["arm"] == plant["arm"]:
                assert r["estimate"] is None and "estimate" in r["suppressed"], r
        # the pooled effect minus the other sites' cannot give the dominated sum either
        pooled = [r for r in res["effects"] if r["outcome"] == "earn6" and r["site"] == "all"
                  and r["arm"] == plant["arm"]]
        others = [r for r in res["effects"] if r["outcome"] == "earn6" and r["arm"] == plant["arm"]
                  and r["site"] not in ("all", plant["site"])]
        shown = [r for r in [*pooled, *others] if r["estimate"] is not None]
        assert len(shown) < 1 + len(others), "pooled and every other site released"
    if plant["case"] in ("small_arm", "small_site"):
        # the one-person solve: pooled estimate, other sites' estimates and control means
        for r in res["effects"]:
            if r["site"] == plant["site"] and r["arm"] == plant["arm"]:
                # withheld, or nobody of the planted arm has this outcome (0 describes nobody)
                assert r["estimate"] is None and r["n_arm"] in (None, 0), r
        raw = ev.effects
        for o in {r["outcome"] for r in res["effects"]}:
            # only where the planted group has someone with this outcome (1..9 people)
            mine = raw[(raw["site"] == plant["site"]) & (raw["arm"] == plant["arm"])
                       & (raw["outcome"] == o)]
            if mine.empty or not (0 < int(mine["n_arm"].iloc[0]) < M):
                continue
            pooled = [r for r in res["effects"] if r["outcome"] == o and r["site"] == "all"
                      and r["arm"] == plant["arm"] and r["estimate"] is not None]
            others = [r for r in res["effects"] if r["outcome"] == o and r["arm"] == plant["arm"]
                      and r["site"] not in ("all", plant["site"]) and r["estimate"] is not None]
            n_sites = len({r["site"] for r in res["effects"]} - {"all"})
            assert not (pooled and len(others) == n_sites - 1), (
                f"{o}: the pooled effect and every other site's are released")


def test_output_check_log_lists_every_withheld_value(published):
    rows = published["csv"]["output-check.csv"]
    assert rows[0] == ["kind", "name", "row", "key", "column", "rule"]
    withheld = [r for r in rows[1:] if r[0] == "withheld"]
    n_suppressed = sum(len(r["suppressed"]) for recs in published["json"].values()
                       if isinstance(recs, list) for r in recs)
    assert len(withheld) == n_suppressed > 0
    assert {r[5] for r in withheld} <= {"small", "secondary", "dominance", "group"}
    tables = {r[1] for r in rows[1:] if r[0] == "table"}
    assert {p[:-4] for p in published["csv"] if p != "output-check.csv"} == tables


def test_every_output_says_nothing_small_in_html(published):
    html = published["html"]
    cells = re.findall(r'<td class="count[^"]*">([^<]*)</td>', html)
    for text in cells:
        assert text in ("&lt;10", "x", "0", "\u2014") or int(text.replace(".", "")) >= M, text
