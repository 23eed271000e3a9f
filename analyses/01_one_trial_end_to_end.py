"""One trial end to end with the Python API: validate, evaluate, read the results.

Run it on the embedded demo trial, or on your own trial folder:

    python analyses/01_one_trial_end_to_end.py
    python analyses/01_one_trial_end_to_end.py path/to/my-trial

Copy it and adapt it: every step is a plain call of the public API, and every
result is a pandas DataFrame.
"""

from __future__ import annotations

import sys

import pandas as pd

import trustexp


def section(title: str) -> None:
    print(f"\n== {title} ==")


def main(argv: list[str]) -> int:
    folder = argv[0] if argv else None
    where = {"path": folder} if folder else {"demo": True}

    # 1. Does the folder honour the data contract? Every problem is listed at once.
    section("Validation")
    report = trustexp.validate(**where)
    print(f"valid: {report.valid}; errors: {len(report.errors)}; warnings: {len(report.warnings)}")
    if not report.valid:
        print(report.to_text())
        return 1

    # 2. Evaluate: effects, balance, attrition, inference, fingerprints.
    #    (permutations=200 keeps this example quick; leave it out to use the plan's number.)
    ev = trustexp.evaluate(folder, demo=folder is None, permutations=200)
    section("Summary")
    print(ev.summary())

    # 3. The person-level outcomes behind every estimate (never exported).
    section("Person-level outcomes")
    outcomes = ev.outcomes()
    print(outcomes.head().to_string())
    ids = [o.id for o in ev.config.outcomes]
    randomised = [a.id for a in ev.config.randomised_arms]  # never a hard-coded arm id
    missing = outcomes.loc[outcomes["arm"].isin(randomised), ids].isna().sum()
    print("\nMissing per outcome (randomised participants):")
    print(missing.to_string())

    # 4. The pre-registered primary outcomes, pooled over sites.
    section("Primary outcomes")
    effects = ev.effects
    primary = effects.loc[(effects["site"] == "all") & effects["primary"]]
    cols = ["outcome", "arm", "estimate", "ci_low", "ci_high", "p_value", "p_adjusted", "n"]
    if "p_value_ri" in primary.columns:
        cols.insert(-1, "p_value_ri")
    with pd.option_context("display.width", 140, "display.float_format", "{:.4f}".format):
        print(primary[cols].to_string(index=False))

    # 5. Design checks: balance and differential attrition.
    section("Balance")
    tests = ev.balance_tests
    print(tests.loc[tests["site"] == "all"].to_string(index=False))
    section("Attrition")
    print(ev.attrition_tests.loc[lambda d: d["site"] == "all"].to_string(index=False))

    # 6. What exactly was analysed: file fingerprints and versions.
    section("Provenance")
    prov = ev.provenance
    print(f"data_sha256: {prov['data_sha256']}")
    for name, info in prov["files"].items():
        print(f"  {name}: {info['file']} {info['sha256']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
