"""Each rule of the disclosure gate, with a case where it withholds and one where it need not.

The rules (README, "Privacy"): primary suppression of small groups and of every
statistic about one; dominance of euro sums; secondary suppression against
subtraction and joint solving; no extremes; ``min_cell`` with the same meaning
everywhere. Every frame goes through the same gate: the complier, Lee, balance
test, attrition test and period tables withhold a small group exactly as the
effects table does.
"""

from __future__ import annotations

import numpy as np
import pytest
from _evalkit import base_raw, memory_trial, simulate_tables
from test_disclosure_adversary import planted

from trustexp.disclosure import Withheld, release
from trustexp.errors import OptionError
from trustexp.evaluation import evaluate
from trustexp.frames import frame_specs


@pytest.fixture(scope="module")
def tiny():
    trial, plant = planted("small_arm", k=4)
    return evaluate(trial, permutations=0), plant


@pytest.fixture(scope="module")
def roomy():
    trial, plant = planted("small_arm", k=40)
    return evaluate(trial, permutations=0), plant


def _rows(rel, name, **where):
    return [r for r in rel.frame(name) if all(r.get(k) == v for k, v in where.items())]


# -- primary suppression -------------------------------------------------------------


@pytest.mark.slow
def test_small_group_and_its_statistics_are_withheld(tiny):
    ev, plant = tiny
    rel = ev.released()
    eff = _rows(rel, "effects", site=plant["site"], arm=plant["arm"])
    assert eff and all(isinstance(r["n_arm"], Withheld) and r["n_arm"].mark == "<10" for r in eff)
    assert all(isinstance(r["estimate"], Withheld) for r in eff)
    assert all(r["suppressed"]["estimate"] == "small" for r in eff)
    # the frame itself keeps everything (evaluators have the data anyway)
    raw = ev.effects
    n_arm = raw.loc[(raw["site"] == plant["site"]) & (raw["arm"] == plant["arm"]), "n_arm"]
    assert ((n_arm > 0) & (n_arm <= 4)).all()


@pytest.mark.slow
def test_group_at_min_cell_is_released(roomy):
    ev, plant = roomy
    rel = ev.released()
    eff = _rows(rel, "effects", site=plant["site"], arm=plant["arm"])
    assert eff and any(isinstance(r["estimate"], float) for r in eff)
    # the arm itself is not small: nothing is withheld for its size
    assert all(r["suppressed"].get("n_arm") != "small" for r in eff)


@pytest.fixture(scope="module")
def tiny_guidance():
    trial, plant = planted("small_arm", k=4, arm="guidance")  # the arm with take-up
    return evaluate(trial, permutations=0), plant


@pytest.fixture(scope="module")
def roomy_guidance():
    trial, plant = planted("small_arm", k=40, arm="guidance")
    return evaluate(trial, permutations=0), plant


@pytest.mark.parametrize("frame", ["effects", "compliers", "lee_bounds", "balance_tests",
                                   "balance"])
@pytest.mark.slow
def test_every_frame_withholds_the_small_arm_as_effects_do(tiny_guidance, roomy_guidance, frame):
    stats = frame_specs()[frame].of_role("statistic")
    ev, plant = tiny_guidance
    rows = _rows(ev.released(), frame, site=plant["site"], arm=plant["arm"])
    big = _rows(roomy_guidance[0].released(), frame, site=plant["site"], arm=plant["arm"])
    assert big and any(isinstance(r.get(c), float) for r in big for c in stats), frame
    for r in rows:  # the small arm: not one statistic shown
        shown = [c for c in stats if r.get(c) is not None and not isinstance(r[c], Withheld)]
        assert not shown, (frame, shown)


@pytest.mark.slow
def test_attrition_tests_of_a_site_with_a_small_arm_are_withheld(tiny):
    ev, plant = tiny
    rows = _rows(ev.released(), "attrition_tests", site=plant["site"])
    assert rows and all(isinstance(r["p_value"], Withheld) for r in rows if r["p_value"] is not None)
    assert any(isinstance(r["p_value"], float)
               for r in _rows(ev.released(), "attrition_tests", site="all"))


@pytest.mark.slow
def test_binary_share_with_one_event_is_withheld():
    trial, plant = planted("one_event")
    rel = evaluate(trial, permutations=0).released()
    rows = _rows(rel, "effects", site=plant["site"], outcome="job")
    assert rows and all(isinstance(r["control_mean"], Withheld) for r in rows)
    pooled = _rows(rel, "effects", site="all", outcome="job")
    assert all(isinstance(r["control_mean"], float) for r in pooled)


# -- dominance ---------------------------------------------------------------------------


@pytest.mark.slow
def test_dominant_earner_withholds_the_euro_statistics():
    trial, plant = planted("dominant_earner")
    rel = evaluate(trial, permutations=0).released()
    rows = _rows(rel, "effects", site=plant["site"], outcome="earn6", arm=plant["arm"])
    assert rows and all(r["suppressed"].get("estimate") in ("dominance", "secondary")
                        for r in rows)
    trial, _ = planted("small_arm", k=40)
    rel = evaluate(trial, permutations=0).released()
    rows = _rows(rel, "effects", site=plant["site"], outcome="earn6", arm=plant["arm"])
    assert rows and all("estimate" not in r["suppressed"] for r in rows)


def test_dominance_rule_itself():
    from trustexp.analysis.groups import dominated

    assert dominated(np.array([1000.0, 10, 10, 10]))          # one person over half
    assert dominated(np.array([400.0, 400, 100, 100]))        # two over three quarters
    assert not dominated(np.array([100.0] * 12))
    assert not dominated(np.zeros(5))


# -- secondary suppression ------------------------------------------------------------


@pytest.mark.slow
def test_randomised_minus_analysed_cannot_give_a_small_missing_count(tiny):
    ev, _ = tiny
    rel = ev.released()
    for r in rel.frame("flow"):
        rand, an, miss = r["n_randomised"], r["n_analysed"], r["n_missing"]
        if isinstance(miss, Withheld) and miss.rule == "small":
            assert isinstance(rand, Withheld) or isinstance(an, Withheld), r


@pytest.mark.slow
def test_pooled_minus_sites_cannot_give_the_small_arm(tiny):
    ev, plant = tiny
    alloc = {(r["site"], r["arm"]): r["n"] for r in ev.released().frame("allocation")}
    sites = sorted({s for s, _ in alloc} - {"all"})
    hidden = [s for s in sites if isinstance(alloc[(s, plant["arm"])], Withheld)]
    assert plant["site"] in hidden and len(hidden) >= 2 or isinstance(
        alloc[("all", plant["arm"])], Withheld)


@pytest.mark.slow
def test_nothing_secondary_when_nothing_is_small():
    tables = simulate_tables(seed=3, n=400, gap_rate=0.0)
    tables["participants"]["age"] = tables["participants"]["age"].fillna(40.0)
    raw = base_raw(min_cell=2)
    rel = evaluate(memory_trial(raw, tables), permutations=0).released()
    rules = set(rel.log["rule"])
    assert "secondary" not in rules or "small" in rules


# -- min_cell ------------------------------------------------------------------------------


@pytest.mark.slow
def test_min_cell_means_the_same_everywhere(tiny):
    ev, _ = tiny
    assert release(ev, 0).log.empty
    assert ev.to_dict(min_cell=0)["min_cell"] == 0
    assert all(not r["suppressed"] for r in ev.to_dict(min_cell=0)["effects"])
    for bad in (-1, 2.5, True, "10"):
        with pytest.raises(OptionError, match="min_cell"):
            ev.released(min_cell=bad)
    low = ev.summary(min_cell=3)
    assert "min_cell = 3" in low


@pytest.mark.slow
def test_degrees_of_freedom_go_with_a_withheld_sample_size(tiny):
    ev, _ = tiny
    for r in ev.released().frame("effects"):
        if isinstance(r["n"], Withheld) and r["df"] is not None:
            assert isinstance(r["df"], Withheld), r


def test_no_extreme_of_a_person_level_variable():
    for spec in frame_specs().values():
        for col in spec.names:
            assert not col.startswith(("min_", "max_")) and col not in ("first_date", "last_date")


# -- the methods section states the standard errors used --------------------------------

@pytest.mark.parametrize("declared", ["HC0", "HC1", "HC2", "HC3", "CR0", "CR1", "CR2"])
@pytest.mark.parametrize("clustered", [False, True])
@pytest.mark.slow
def test_methods_state_the_effective_standard_errors(declared, clustered, tmp_path):
    from trustexp.reporting import report

    if declared.startswith("CR") and not clustered:
        pytest.skip("cluster-robust errors need a cluster")
    tables = simulate_tables(seed=8, n=160)
    parts = tables["participants"]
    parts["cluster"] = parts["site"] + "-" + parts["arm"] + "-" + (parts.index % 6).astype(str)
    raw = base_raw(standard_errors=declared)
    raw["outcomes"] = [o for o in raw["outcomes"] if o["id"] in ("income", "exit12")]
    if clustered:
        raw["randomisation"]["cluster"] = "cluster"
    ev = evaluate(memory_trial(raw, tables), permutations=0)
    used = ev.config.se_type
    expected = {"HC0": "CR0", "HC1": "CR1", "HC2": "CR2", "HC3": "CR2"}.get(declared, declared)
    assert used == (expected if clustered else declared)
    assert set(ev.effects["se_type"]) == {used}
    html = report(ev, tmp_path / "r.html", lang="en").read_text("utf-8")
    methods = html[html.index('<section id="methods"'):]
    assert f"({used}, as in the R package estimatr)" in methods
    df = {"CR2": "Bell-McCaffrey", "CR0": "G − 1", "CR1": "G − 1"}.get(used, "n − k")
    assert df in methods
    assert ("the plan named" in methods) == (used != declared)


# -- the public gate for frames of one's own (trustexp pool) ---------------------------
def _own_frame():
    import pandas as pd

    from trustexp.frames import Fact, FrameFacts, FrameSpec, Relation, count, key, statistic

    spec = FrameSpec("groups", "two groups and their total", (key("group"), count("n"), statistic("mean")),
                     lambda inp: None, lambda frame, inp: FrameFacts())  # type: ignore[arg-type,return-value]
    frame = pd.DataFrame({"group": ["a", "b", "total"], "n": [4, 40, 44], "mean": [1.5, 2.0, 1.95]})
    facts = {f"{g}": Fact("people", "x", g) for g in ("a", "b", "total")}

    def declared(s, f):
        assert s is spec and f is frame
        return FrameFacts(cells=[{"n": facts[g]} for g in frame["group"]],
                          rests=[(facts[g],) for g in frame["group"]],
                          relations=[Relation(facts["total"], (facts["a"], facts["b"]))])
    return spec, frame, declared


def test_release_frames_applies_every_rule_to_declared_facts():
    from trustexp.disclosure import release_frames

    spec, frame, declared = _own_frame()
    rel = release_frames([(spec, frame)], declared, 10)
    recs = {r["group"]: r for r in rel.frame("groups")}
    assert isinstance(recs["a"]["n"], Withheld) and recs["a"]["suppressed"]["n"] == "small"
    assert isinstance(recs["a"]["mean"], Withheld)
    # a = total - b: one of the two is withheld as well
    assert sum(isinstance(recs[g]["n"], Withheld) for g in ("b", "total")) == 1
    assert set(rel.log["column"]) == {"n", "mean"} and (rel.log["frame"] == "groups").all()
    assert rel.json_records("groups", spec)[0]["n"] is None
    off = release_frames([(spec, frame)], declared, 0)
    assert [r["n"] for r in off.frame("groups")] == [4, 40, 44]


def test_release_frames_refuses_bad_arguments():
    from trustexp.disclosure import release_frames

    spec, frame, declared = _own_frame()
    with pytest.raises(OptionError, match="'min_cell' parameter of release_frames"):
        release_frames([(spec, frame)], declared, -1)
    with pytest.raises(OptionError, match="name each frame once"):
        release_frames([(spec, frame), (spec, frame)], declared, 10)
