"""Compare the sites of a multi-site trial: per-site effects side by side, and heterogeneity.

    python analyses/02_compare_sites.py                 # the demo trial
    python analyses/02_compare_sites.py path/to/my-trial

For every (outcome, arm) the script lists each site's own estimate with its
standard error, the pooled estimate, and Cochran's Q test of whether the
sites' effects differ by more than chance: with site estimates b_i and
standard errors s_i, weights w_i = 1 / s_i**2, the fixed-effect mean
b = sum(w_i b_i) / sum(w_i), Q = sum(w_i (b_i - b)**2) on k - 1 degrees of
freedom, and I^2 = max(0, (Q - (k - 1)) / Q). With three sites Q has little
power: a large p-value is not evidence that the effects are the same.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from scipy import stats

import trustexp


def cochran_q(estimates: np.ndarray, std_errors: np.ndarray) -> dict[str, float]:
    """Cochran's Q for k independent estimates (NaNs dropped).

    Returns ``k``, ``fixed_effect`` (inverse-variance mean), its ``std_error``,
    ``q``, ``df``, ``p_value`` (chi-squared, upper tail) and ``i2``.
    """
    b = np.asarray(estimates, dtype=float)
    s = np.asarray(std_errors, dtype=float)
    ok = np.isfinite(b) & np.isfinite(s) & (s > 0)
    b, s = b[ok], s[ok]
    k = len(b)
    if k < 2:
        return {"k": k, "fixed_effect": np.nan, "std_error": np.nan, "q": np.nan,
                "df": np.nan, "p_value": np.nan, "i2": np.nan}
    w = 1.0 / s**2
    mean = float(np.sum(w * b) / np.sum(w))
    q = float(np.sum(w * (b - mean) ** 2))
    df = k - 1
    return {
        "k": k,
        "fixed_effect": mean,
        "std_error": float(np.sqrt(1.0 / np.sum(w))),
        "q": q,
        "df": float(df),
        "p_value": float(stats.chi2.sf(q, df)),
        "i2": max(0.0, (q - df) / q) if q > 0 else 0.0,
    }


def main(argv: list[str]) -> int:
    folder = argv[0] if argv else None
    ev = trustexp.evaluate(folder, demo=folder is None, permutations=0)
    effects = ev.effects
    sites = [s for s in effects["site"].unique() if s != "all"]
    if not sites:
        print("This trial has a single site: nothing to compare.")
        return 0

    print("== Per-site effects ==")
    cell = effects.assign(
        cell=[f"{e:.3f} ({s:.3f})" for e, s in zip(effects["estimate"], effects["std_error"],
                                                  strict=True)]
    )
    wide = cell.pivot_table(index=["outcome", "arm"], columns="site", values="cell",
                            aggfunc="first", sort=False)
    wide = wide[["all", *sites]]
    with pd.option_context("display.width", 160, "display.max_columns", None):
        print(wide.to_string())
    print("(estimate (standard error); binary outcomes as proportions)")

    print("\n== Heterogeneity across sites (Cochran's Q) ==")
    rows = []
    per_site = effects.loc[effects["site"] != "all"]
    for (outcome, arm), g in per_site.groupby(["outcome", "arm"], sort=False):
        q = cochran_q(g["estimate"].to_numpy(), g["std_error"].to_numpy())
        rows.append({"outcome": outcome, "arm": arm, **q})
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 160, "display.float_format", "{:.3f}".format):
        print(table.to_string(index=False))
    flagged = table.loc[table["p_value"] < 0.05]
    print(f"\n{len(flagged)} of {len(table)} (outcome, arm) pairs with Q p-value < 0.05 "
          "(not corrected for multiple testing).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
