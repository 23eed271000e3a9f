"""Regenerate the demo trial that ships in ``trustexp/demo/``."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from trustexp.resources import demo_dir
from trustexp.simulation._scenario import DEMO_SEED
from trustexp.simulation._simulate import simulate, write_files

__all__ = ["refresh_demo"]

STALE_SUFFIXES = {".csv", ".parquet", ".sav", ".dta", ".xlsx", ".toml"}


def refresh_demo(folder: str | Path | None = None) -> list[Path]:
    """Write the demo trial (``simulate(seed=DEMO_SEED)``) into the package's demo folder.

    Only the data files and ``trial.toml`` are replaced; ``README.md`` stays.

    Parameters
    ----------
    folder
        Where to write; default :func:`trustexp.resources.demo_dir`.

    Returns
    -------
    list of Path
        The files written.
    """
    target = Path(folder) if folder is not None else demo_dir()
    target.mkdir(parents=True, exist_ok=True)
    trial = simulate(seed=DEMO_SEED)
    with tempfile.TemporaryDirectory(prefix=".demo.", dir=target, ignore_cleanup_errors=True) as tmp:
        written = write_files(trial, Path(tmp))
        out = []
        for path in written:
            os.replace(path, target / path.name)
            out.append(target / path.name)
        # a table is found by its base name: drop the same table in another format
        for path in out:
            for old in target.glob(f"{path.stem}.*"):
                if old != path and old.suffix in STALE_SUFFIXES:
                    old.unlink()
    return out
