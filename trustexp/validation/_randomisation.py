"""Checks of the randomisation design across tables, and the warnings.

Errors: clusters must be nested in strata and lie within one arm.
Warnings: strata with a single arm, arm sizes far from the allocation, gaps in
a person's months inside an outcome window, survey answers far from the wave's
usual timing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from trustexp.validation._collect import Collector
from trustexp.validation._config import Plan
from trustexp.validation._report import Problem
from trustexp.validation._tables import CheckedTable

__all__ = ["ALLOCATION_P", "SURVEY_DAYS", "check_design"]

#: Arm sizes are flagged when a chi-square goodness-of-fit test of the
#: allocation within a site has a p-value below this.
ALLOCATION_P = 0.001
#: Survey answers further than this many days from the wave's median time since
#: randomisation are flagged (about 3 months).
SURVEY_DAYS = 92


def check_design(
    plan: Plan, tables: dict[str, CheckedTable], out: Collector
) -> None:
    """Run the cross-table design checks and warnings."""
    people = tables.get("participants")
    if people is None:
        return
    _clusters(plan, people, out)
    _single_arm_strata(plan, people, out)
    _allocation(plan, people, out)
    if "monthly" in tables:
        _month_gaps(plan, people, tables["monthly"], out)
    if "survey" in tables:
        _survey_timing(people, tables["survey"], out)


def _codes(table: CheckedTable, columns: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray] | None:
    """Group codes over the combination of string columns, and rows usable."""
    if not columns or not all(c in table.parsed for c in columns):
        return None
    parts = [table.parsed[c] for c in columns]
    ok = np.logical_and.reduce([p.ok for p in parts])
    frame = pd.DataFrame({c: p.values for c, p in zip(columns, parts, strict=True)})
    codes = frame.groupby(list(columns), sort=False).ngroup().to_numpy()
    return np.where(ok, codes, -1), ok


def _label(table: CheckedTable, columns: tuple[str, ...], row: int) -> str:
    return ", ".join(f"{c}={table.value(c)(row)!r}" for c in columns)


def _randomised(plan: Plan, people: CheckedTable) -> np.ndarray:
    arm = people.parsed.get("arm")
    if arm is None or plan.randomised_arms is None:
        return np.zeros(people.n, dtype=bool) if arm is None else arm.ok
    known = np.isin(arm.texts, np.asarray(plan.randomised_arms, dtype=object))
    return arm.ok & known[np.maximum(arm.values, 0)] if len(arm.texts) else arm.ok


def _clusters(plan: Plan, people: CheckedTable, out: Collector) -> None:
    if not plan.cluster or plan.cluster not in people.parsed:
        return
    cl = people.parsed[plan.cluster]
    use = _randomised(plan, people) & cl.ok
    checks = []
    strata = _codes(people, plan.strata)
    if strata is not None:
        checks.append(("cluster-strata", strata[0], strata[1], plan.strata))
    arm = people.parsed.get("arm")
    if arm is not None:
        checks.append(("cluster-arm", arm.values, arm.ok, ("arm",)))
    for rule, group, ok, columns in checks:
        rows = np.flatnonzero(use & ok)
        if not len(rows):
            continue
        frame = pd.DataFrame({"cluster": cl.values[rows], "group": group[rows], "row": rows})
        spread = frame.groupby("cluster", sort=True)["group"].nunique()
        for code in spread.index[spread.to_numpy() > 1]:
            sub = frame[frame["cluster"] == code].drop_duplicates("group")
            where = "; ".join(_label(people, columns, int(r)) for r in sub["row"].head(5))
            name = cl.texts[code]
            if rule == "cluster-strata":
                msg = (
                    f"All clusters must be contained within strata: cluster {name!r} has people "
                    f"in {len(sub)} strata ({where})"
                )
            else:
                msg = (
                    f"cluster {name!r} is the unit randomised but has people in {len(sub)} arms "
                    f"({where}); a cluster must lie within one arm. If the people, not the "
                    f"clusters, were randomised and the standard errors should still be clustered "
                    f"by {plan.cluster!r}, declare it as [analysis] cluster = {plan.cluster!r} "
                    "instead of [randomisation] cluster"
                )
            out.add(Problem("participants", None, plan.cluster, str(name), rule, msg))


def _single_arm_strata(plan: Plan, people: CheckedTable, out: Collector) -> None:
    strata = _codes(people, plan.strata)
    arm = people.parsed.get("arm")
    if strata is None or arm is None:
        return
    codes, ok = strata
    use = ok & _randomised(plan, people)
    rows = np.flatnonzero(use)
    if not len(rows):
        return
    frame = pd.DataFrame({"stratum": codes[rows], "arm": arm.values[rows], "row": rows})
    groups = frame.groupby("stratum", sort=True).agg(arms=("arm", "nunique"), row=("row", "first"), n=("arm", "size"))
    for stratum in groups.itertuples():
        if stratum.arms == 1:
            label = _label(people, plan.strata, int(stratum.row))
            only = arm.texts[arm.values[int(stratum.row)]]
            out.add(
                Problem(
                    "participants", None, ", ".join(plan.strata), label, "single-arm-stratum",
                    f"the stratum {label} has all its {stratum.n} randomised people in one arm "
                    f"({only!r}); it adds nothing to the comparison of arms",
                    "warning",
                )
            )


def _allocation(plan: Plan, people: CheckedTable, out: Collector) -> None:
    arm, site = people.parsed.get("arm"), people.parsed.get("site")
    if arm is None or site is None or plan.randomised_arms is None:
        return
    use = _randomised(plan, people) & site.ok
    rows = np.flatnonzero(use)
    if not len(rows):
        return
    frame = pd.DataFrame({"site": site.values[rows], "arm": arm.values[rows]})
    cl = people.parsed.get(plan.cluster) if plan.cluster else None
    unit = "people"
    if cl is not None and cl.kind == "string":  # clusters randomised: count clusters, not people
        frame["cluster"] = np.where(cl.ok[rows], cl.values[rows], -1)
        frame = frame[frame["cluster"] >= 0]
        counts = frame.groupby(["site", "arm"], sort=True)["cluster"].nunique().unstack(fill_value=0)
        unit = "clusters"
    else:
        counts = frame.groupby(["site", "arm"], sort=True).size().unstack(fill_value=0)
    for site_code, row in counts.iterrows():
        names = [arm.texts[c] for c in row.index]
        observed = row.to_numpy(dtype=float)
        if plan.allocation:
            weights = np.array([plan.allocation.get(a, 0.0) for a in names])
            keep = weights > 0
            if keep.sum() < 2:
                continue
            observed, weights, names = observed[keep], weights[keep], [a for a, k in zip(names, keep, strict=True) if k]
            basis = "the declared allocation"
        else:
            keep = observed > 0
            if keep.sum() < 2:
                continue
            observed, names = observed[keep], [a for a, k in zip(names, keep, strict=True) if k]
            weights = np.ones(len(observed))
            basis = "equal allocation"
        expected = observed.sum() * weights / weights.sum()
        p = float(stats.chisquare(observed, expected).pvalue)
        if p < ALLOCATION_P:
            site_name = site.texts[site_code]
            sizes = ", ".join(f"{a}: {int(o)}" for a, o in zip(names, observed, strict=True))
            out.add(
                Problem(
                    "participants", None, "arm", str(site_name), "allocation",
                    f"in site {site_name!r} the arm sizes in {unit} ({sizes}) are far from {basis} "
                    f"(chi-square p = {p:.2g}); check the randomisation or declare "
                    "[randomisation] allocation",
                    "warning",
                )
            )


def _month_gaps(plan: Plan, people: CheckedTable, monthly: CheckedTable, out: Collector) -> None:
    if not plan.windows or monthly.parent_row is None:
        return
    month, rand = monthly.parsed.get("month"), people.parsed.get("randomised_on")
    if month is None or rand is None:
        return
    window = max(w for _, w in plan.windows)
    outcome = next(o for o, w in plan.windows if w == window)
    prow = monthly.parent_row
    ok = (prow >= 0) & month.ok
    ok[ok] &= rand.ok[prow[ok]]
    rows = np.flatnonzero(ok)
    start = _month_of(rand.values[prow[rows]])
    rel = month.values[rows].astype(np.int64) - start
    inside = (rel >= 1) & (rel <= window)
    rows, rel = rows[inside], rel[inside]
    if not len(rows):
        return
    key = prow[rows].astype(np.int64) * (window + 1) + rel
    uniq, first = np.unique(key, return_index=True)
    person, r = uniq // (window + 1), uniq % (window + 1)
    new_person = np.ones(len(uniq), dtype=bool)
    new_person[1:] = person[1:] != person[:-1]
    prev = np.where(new_person, 0, np.roll(r, 1))
    gap = r - prev > 1
    gap_pos = np.flatnonzero(gap)
    # one warning per person: the first gap
    keep = np.ones(len(gap_pos), dtype=bool)
    keep[1:] = person[gap_pos[1:]] != person[gap_pos[:-1]]
    gap_pos = gap_pos[keep]
    at = rows[first[gap_pos]]
    missing_from = dict(zip(at.tolist(), (prev[gap_pos] + 1).tolist(), strict=True))
    missing_to = dict(zip(at.tolist(), (r[gap_pos] - 1).tolist(), strict=True))
    pid = monthly.value("person_id")
    order = np.sort(at)
    out.positions(
        "monthly", "month", "month-gap", order, pid,
        lambda i, v: (
            f"person {v!r} has no row for follow-up month{'s' if missing_to[i] > missing_from[i] else ''} "
            f"{missing_from[i]}" + (f"..{missing_to[i]}" if missing_to[i] > missing_from[i] else "")
            + f" before this row, inside the {window}-month window of outcome {outcome!r}"
        ),
        severity="warning",
        what="month-gap",
    )


def _month_of(days: np.ndarray) -> np.ndarray:
    months = days.astype("datetime64[M]").astype(np.int64)  # months since 1970-01
    return months + 1970 * 12


def _survey_timing(people: CheckedTable, survey: CheckedTable, out: Collector) -> None:
    wave, answered = survey.parsed.get("wave"), survey.parsed.get("responded_on")
    rand = people.parsed.get("randomised_on")
    if wave is None or answered is None or rand is None or survey.parent_row is None:
        return
    prow = survey.parent_row
    ok = (prow >= 0) & wave.ok & answered.ok
    ok[ok] &= rand.ok[prow[ok]]
    rows = np.flatnonzero(ok)
    if not len(rows):
        return
    days = (answered.values[rows] - rand.values[prow[rows]]).astype(np.int64)
    frame = pd.DataFrame({"wave": wave.values[rows], "days": days})
    median = frame.groupby("wave")["days"].transform("median").to_numpy()
    far = np.abs(days - median) > SURVEY_DAYS
    waves = wave.values[rows]
    info = {int(r): (int(d), float(m), int(w)) for r, d, m, w in zip(rows[far], days[far], median[far], waves[far], strict=True)}
    out.positions(
        "survey", "responded_on", "survey-timing", rows[far], survey.value("responded_on"),
        lambda i, v: (
            f"answered {info[i][0]} days after randomisation, while wave {info[i][2]} was usually "
            f"answered {info[i][1]:g} days after (more than 3 months apart)"
        ),
        severity="warning",
    )
