"""Read the R reference fixtures under tests/reference/ for the stats tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REFERENCE = Path(__file__).parent / "reference"
DATA = REFERENCE / "data"


def load_json(name: str) -> dict[str, Any]:
    """The parsed fixture ``tests/reference/<name>``."""
    return json.loads((REFERENCE / name).read_text(encoding="utf-8"))


def as_array(value: Any) -> np.ndarray:
    """A JSON scalar or list (null = NaN) as a float64 array of at least one entry."""
    arr = np.atleast_1d(np.asarray(value, dtype=object))
    return np.array([np.nan if v is None else float(v) for v in arr], dtype=np.float64)


def read_data(name: str) -> pd.DataFrame:
    """A CSV data set from ``tests/reference/data``."""
    return pd.read_csv(DATA / name)


def subset(frame: pd.DataFrame, rule: dict[str, Any] | None) -> pd.DataFrame:
    """Apply a fixture's subset rule ``{"column", "equals" | "not_equal"}``."""
    if not rule:
        return frame
    column = frame[rule["column"]]
    if "equals" in rule:
        return frame[column == rule["equals"]]
    return frame[column != rule["not_equal"]]


def codes(series: pd.Series) -> np.ndarray:
    """Integer codes of a column."""
    return series.to_numpy(dtype=np.int64)
