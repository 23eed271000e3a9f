"""The built wheel works on its own: schemas and demo come from the installed package."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_installs_and_validates_demo(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "-q", "-w", str(wheels), str(ROOT)],
        check=True, capture_output=True, text=True,
    )
    (wheel,) = wheels.glob("trustexp-*.whl")
    fresh = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(fresh)], check=True)
    python = fresh / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-index", "--no-deps",
         "-q", str(wheel)],
        check=True, capture_output=True, text=True,
    )
    # the dependencies come from the current environment, never the repository itself
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PYTHONPATH"] = sysconfig.get_paths()["purelib"]
    work = tmp_path / "elsewhere"
    work.mkdir()
    where = subprocess.run(
        [str(python), "-c", "import trustexp, trustexp.resources as r; print(trustexp.__file__); print(r.schema_dir())"],
        cwd=work, env=env, check=True, capture_output=True, text=True,
    ).stdout.splitlines()
    site = fresh.resolve()
    assert Path(where[0]).resolve().is_relative_to(site), where
    assert Path(where[1]).resolve().is_relative_to(site)
    assert Path(where[1]).parts[-3:] == ("trustexp", "_resources", "data_schemas")
    assert not Path(where[0]).resolve().is_relative_to(ROOT)

    result = subprocess.run(
        [str(fresh / "bin" / "trustexp"), "validate", "--demo"],
        cwd=work, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # the text report follows [trial] language (the demo is Dutch) or --lang
    assert ("follows the contract" in result.stdout
            or "voldoet aan het contract" in result.stdout), result.stdout
