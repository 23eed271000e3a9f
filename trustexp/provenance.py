"""Fingerprints of the data and of the software behind an evaluation.

``data_sha256`` identifies the inputs of an evaluation: the SHA-256 of the
UTF-8 text made of one line ``"<name>  <sha256>\\n"`` (two spaces, as
``sha256sum`` prints) for ``trial.toml`` and for each table read, where
``<name>`` is ``trial.toml`` or the table's name (``participants``,
``monthly``, ``survey``, ``takeup``), ``<sha256>`` the lowercase hex digest of
the file's bytes, and the lines sorted by name. So a reviewer can check it
with ``sha256sum`` and a text editor.

A trial built in memory has no files: each of its tables is then hashed as
the UTF-8 CSV that :meth:`pandas.DataFrame.to_csv` writes without the index
(and ``trial.toml`` is left out), which identifies the data but not any file.
"""

from __future__ import annotations

import hashlib
import platform
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trustexp.literals import TABLES

if TYPE_CHECKING:  # pragma: no cover
    from trustexp.trial import Trial

__all__ = ["PACKAGES", "data_sha256", "file_sha256", "provenance", "versions"]

#: The packages whose versions are recorded.
PACKAGES = ("trustexp", "numpy", "pandas", "scipy", "statsmodels", "linearmodels", "pingouin")



def file_sha256(path: str | Path) -> str:
    """The SHA-256 hex digest of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def data_sha256(digests: Mapping[str, str]) -> str:
    """The combined fingerprint of named digests (see the module documentation)."""
    text = "".join(f"{name}  {digests[name]}\n" for name in sorted(digests))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def versions() -> dict[str, str]:
    """Versions of Python and of the packages in :data:`PACKAGES` (``"absent"`` if missing)."""
    out = {"python": platform.python_version()}
    for pkg in PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "absent"
    if out["trustexp"] == "absent":
        from trustexp._version import __version__

        out["trustexp"] = __version__
    return out


def provenance(
    trial: Trial, *, seed: int, permutations: int, command: str | None = None
) -> dict[str, Any]:
    """The provenance record of an evaluation.

    Returns
    -------
    dict
        ``files`` ({name: {"file": basename, "sha256": hex}}), ``data_sha256``,
        ``seed``, ``permutations``, ``versions`` ({package: version}) and
        ``command``.
    """
    files: dict[str, dict[str, str]] = {}
    for name, path in sorted((trial.files or {}).items()):
        files[name] = {"file": Path(path).name, "sha256": file_sha256(path)}
    if not files:
        for name in TABLES:
            table = getattr(trial, name, None)
            if table is not None:
                digest = hashlib.sha256(table.to_csv(index=False).encode("utf-8")).hexdigest()
                files[name] = {"file": f"<{name} in memory>", "sha256": digest}
    return {
        "files": files,
        "data_sha256": data_sha256({k: v["sha256"] for k, v in files.items()}),
        "seed": int(seed),
        "permutations": int(permutations),
        "versions": versions(),
        "command": command,
    }
