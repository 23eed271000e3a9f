"""The simulation studies run only when asked for (``make simulate``: ``pytest -m slow``).

A plain ``pytest`` (``make test``, CI) skips them: each takes minutes.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config, items):
    if "slow" in (config.option.markexpr or "") and "not slow" not in config.option.markexpr:
        return
    skip = pytest.mark.skip(reason="simulation study: run by `make simulate` (pytest -m slow)")
    for item in items:
        if "tests/simulation/" in item.nodeid.replace("\\", "/"):
            item.add_marker(skip)
