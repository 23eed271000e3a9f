"""Write files and folders so that a reader never sees half of one.

A file is written to a temporary file in the same folder and moved into place
with :func:`os.replace`; a folder is filled under a temporary name beside it and
renamed. On any failure the temporary is removed and an existing target is
untouched.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from trustexp.errors import InputError

__all__ = ["atomic_dir", "check_folder_of", "check_new_dir", "write_atomic"]


def _umask_mode(mode: int) -> int:
    umask = os.umask(0)
    os.umask(umask)
    return mode & ~umask


def check_folder_of(path: str | Path) -> Path:
    """Return ``path`` as a :class:`~pathlib.Path` once its folder is known to exist.

    Raises
    ------
    InputError
        When the folder of ``path`` does not exist.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise InputError(f"cannot write {path}: the folder {path.parent} does not exist")
    return path


def write_atomic(path: str | Path, data: bytes | str, *, private: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file + :func:`os.replace`).

    Parameters
    ----------
    path
        The file to write; its folder must exist. An existing file is replaced
        only once the new one is completely written.
    data
        The content; text is written as UTF-8, line ends unchanged.
    private
        Leave the file readable by its owner only (the mode of the temporary
        file) instead of giving it the mode a new file gets under the umask.

    Returns
    -------
    Path
        ``path`` as a :class:`~pathlib.Path`.

    Raises
    ------
    InputError
        When the folder of ``path`` does not exist, ``path`` is a folder, or the
        file cannot be written.
    """
    path = check_folder_of(path)
    if path.is_dir():
        raise InputError(f"cannot write {path}: it is a folder")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        if not private:
            os.chmod(tmp, _umask_mode(0o666))
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise InputError(f"cannot write {path}: {exc.strerror or exc}") from exc
        raise
    return path


def check_new_dir(path: str | Path, *, not_folder: str, not_empty: str) -> Path:
    """Return ``path`` as a :class:`~pathlib.Path` once it is known to be absent or empty.

    Parameters
    ----------
    path
        The folder to check.
    not_folder, not_empty
        The messages for a ``path`` that is not a folder (a dangling symbolic
        link included) and for a folder that is not empty; ``{path}`` in them
        is replaced by ``path``.

    Raises
    ------
    InputError
        When ``path`` is a file or a folder that is not empty.
    """
    path = Path(path)
    if path.exists() or path.is_symlink():
        if not path.is_dir():
            raise InputError(not_folder.format(path=path))
        if any(path.iterdir()):
            raise InputError(not_empty.format(path=path))
    return path


@contextlib.contextmanager
def atomic_dir(
    path: str | Path, *, kind: str = "the folder", parents: bool = False, private: bool = False
) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; rename it to ``path`` on success.

    ``path`` must be absent or an empty folder (see :func:`check_new_dir`); an
    empty folder is replaced. On any exception the temporary folder is removed
    and the exception passes on unchanged.

    Parameters
    ----------
    path
        The folder to create.
    kind
        How the error message names the folder, as in ``"cannot create the
        folder <path>: <reason>"``.
    parents
        Create the missing parent folders of ``path``.
    private
        Leave the folder readable by its owner only (the mode of the temporary
        folder) instead of giving it the mode a new folder gets under the umask.

    Raises
    ------
    InputError
        When the temporary folder (or, with ``parents``, a parent) cannot be
        created.
    """
    path = Path(path)
    parent = path.absolute().parent
    try:
        if parents:
            parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=parent, prefix=f".{path.name}.", suffix=".tmp"))
    except OSError as exc:
        raise InputError(f"cannot create {kind} {path}: {exc.strerror or exc}") from exc
    try:
        yield tmp
        if not private:
            os.chmod(tmp, _umask_mode(0o777))
        if path.is_dir():
            path.rmdir()  # empty, checked before
        os.rename(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
