"""Before the data: power and minimum detectable effects, randomisation, the locked plan.

- :func:`design`: the MDE of every (site, outcome, arm) by formula and the
  diagnosands of trustexp's estimator by simulation of the declared design;
- :func:`randomise`: the assignment and its certificate, with the randomiser
  that randomisation inference re-draws with;
- :func:`lock` and :func:`deviations`: ``plan.lock`` and the changes since.
"""

from __future__ import annotations

from trustexp.planning._design import DesignResult, design

__all__ = ["DesignResult", "design"]
