"""Write files and folders so that a reader never sees half of one.

A file is written to a temporary file in the same folder and moved into place
with :func:`os.replace`; a folder is filled under a temporary name and renamed.
On any failure the temporary is removed and an existing target is untouched.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from trustexp.errors import InputError

__all__ = ["atomic_dir", "check_new_dir", "write_atomic"]


def _umask_mode(mode: int = 0o666) -> int:
    umask = os.umask(0)
    os.umask(umask)
    return mode & ~umask


def write_atomic(path: str | Path, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file + :func:`os.replace`).

    Raises
    ------
    InputError
        When the folder of ``path`` does not exist or cannot be written.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"cannot write {path}: the folder {folder} does not exist")
    if path.is_dir():
        raise InputError(f"cannot write {path}: it is a folder")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _umask_mode())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise InputError(f"cannot write {path}: {exc.strerror or exc}") from exc
        raise
    return path


def check_new_dir(path: str | Path) -> Path:
    """Check that ``path`` can become a new export folder: absent, or an empty folder.

    Raises
    ------
    InputError
        When ``path`` is a file or a folder that is not empty, or its parent is missing.
    """
    path = Path(path)
    if path.exists():
        if not path.is_dir():
            raise InputError(f"the export folder {path} exists and is not a folder")
        if any(path.iterdir()):
            raise InputError(
                f"the export folder {path} exists and is not empty; "
                "choose a new folder or remove it first"
            )
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"cannot create the export folder {path}: {parent} does not exist")
    return path


@contextlib.contextmanager
def atomic_dir(path: str | Path) -> Iterator[Path]:
    """Yield a temporary folder next to ``path``; rename it to ``path`` on success.

    ``path`` must be absent or an empty folder (see :func:`check_new_dir`).
    """
    path = check_new_dir(path)
    parent = path.parent if str(path.parent) else Path(".")
    try:
        tmp = Path(tempfile.mkdtemp(dir=parent, prefix=f".{path.name}.", suffix=".tmp"))
    except OSError as exc:
        raise InputError(f"cannot create the export folder {path}: {exc.strerror or exc}") from exc
    try:
        yield tmp
        os.chmod(tmp, _umask_mode(0o777))
        if path.is_dir():
            path.rmdir()  # empty, checked above
        os.rename(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
