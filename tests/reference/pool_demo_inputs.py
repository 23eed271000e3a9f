"""Write pool_demo_inputs.json: each trial's estimates when the demo is pooled with a
second simulated trial (other sites, no intensive guidance), for pool_demo.R.

Run from the repository root: python tests/reference/pool_demo_inputs.py
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from trustexp.pool import pool_trials
from trustexp.simulation import simulate

#: The second trial: three other cities, one arm fewer than the demo.
SECOND = {"seed": 20180501, "sites": {"Utrecht": 380, "Nijmegen": 300, "Deventer": 300},
          "arms": ("control", "exemption", "extra_earnings"), "name": "Tweede gesimuleerd experiment"}


def second_trial(folder: Path) -> Path:
    """Simulate the second trial into ``folder / "tweede"``."""
    out = folder / "tweede"
    simulate(out, **SECOND)  # type: ignore[arg-type]
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        result = pool_trials([second_trial(Path(tmp))], demo=True)
    rows = result.frames["pool_trials"][["trial", "outcome", "arm", "estimate", "std_error"]]
    Path(__file__).with_name("pool_demo_inputs.json").write_text(
        json.dumps(rows.to_dict("records"), indent=1) + "\n")


if __name__ == "__main__":
    main()
