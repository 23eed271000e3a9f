"""Write files and folders so that a reader never sees half of one.

A file is written to a temporary file in the same folder and moved into place
with :func:`os.replace`; a folder is filled under a temporary name beside it and
renamed. On any failure the temporary is removed and an existing target is
untouched.

Three more promises:

* **One writer per target.** While a file or folder is written, its writer
  holds an exclusive lock (``flock``) on a lock file beside it
  (``.<name>.lock``, removed afterwards); a second writer of the same target
  gets a clear message instead of racing the first.
* **No leftovers.** A temporary is named ``.<name>.trustexp-XXXXXXXX.tmp``;
  whoever holds a target's lock removes the temporaries that interrupted runs
  (a power cut, ``kill -9``) left for it. The command line turns SIGTERM and
  SIGHUP into an exception, so that a terminated run cleans up too.
* **Outputs as one unit.** Inside :func:`atomic_group`, every file and folder
  written is staged and only moved into place when the block ends without an
  error, folders first; if a move fails, the folders already moved are removed
  again, so that a report and its exports appear together or not at all.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from trustexp._message import Message
from trustexp._message import text as _t
from trustexp.errors import InputError, OptionError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "atomic_dir",
    "atomic_group",
    "check_folder_of",
    "check_new_dir",
    "check_output",
    "write_atomic",
]

_TMP_TAG = "trustexp-"


def _tmp_prefix(path: Path) -> str:
    return f".{path.name}.{_TMP_TAG}"


def _stale_pattern(path: Path) -> re.Pattern[str]:
    # This version's names, and those of earlier versions (".<name>.XXXXXXXX.tmp").
    return re.compile(rf"\.{re.escape(path.name)}\.(?:{_TMP_TAG})?[A-Za-z0-9_]{{8}}\.tmp")


def _clean_stale(path: Path) -> None:
    """Remove temporaries of ``path`` left by interrupted runs (the caller holds its lock)."""
    pattern = _stale_pattern(path)
    try:
        entries = list(path.absolute().parent.iterdir())
    except OSError:
        return
    for entry in entries:
        if pattern.fullmatch(entry.name):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    entry.unlink()


@dataclass
class _Lock:
    path: Path
    fd: int | None

    def release(self) -> None:
        if self.fd is None:
            return
        with contextlib.suppress(OSError):
            os.unlink(self.path)  # while still holding it: the next writer makes a new one
        with contextlib.suppress(OSError):
            os.close(self.fd)
        self.fd = None


def _lock(target: Path) -> _Lock:
    """Take the exclusive lock of ``target`` and clean its stale temporaries.

    Raises
    ------
    InputError
        Another process holds the lock (it is writing the same target now).
    """
    lockfile = target.absolute().parent / f".{target.name}.lock"
    if fcntl is None:  # pragma: no cover
        return _Lock(lockfile, None)
    while True:
        try:
            fd = os.open(lockfile, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise InputError(_t("write.cannot", path=target, reason=exc.strerror or exc)) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise InputError(_t("write.locked", path=target)) from None
        try:  # the lock file may have been removed by the writer before us: take a new one
            same = os.stat(lockfile).st_ino == os.fstat(fd).st_ino
        except OSError:
            same = False
        if same:
            lock = _Lock(lockfile, fd)
            _clean_stale(target)
            return lock
        os.close(fd)


@dataclass
class _Group:
    """Staged outputs: (temporary, target, lock), moved into place together."""

    dirs: list[tuple[Path, Path, _Lock]] = field(default_factory=list)
    files: list[tuple[Path, Path, _Lock]] = field(default_factory=list)

    def commit(self) -> None:
        moved: list[Path] = []
        try:
            for tmp, target, _ in self.dirs:
                if target.is_dir():
                    target.rmdir()  # empty, checked before
                os.rename(tmp, target)
                moved.append(target)
            for tmp, target, _ in self.files:
                os.replace(tmp, target)
        except BaseException as exc:
            for target in moved:
                shutil.rmtree(target, ignore_errors=True)
            self.discard()
            if isinstance(exc, OSError):
                raise InputError(_t("write.cannot", path=exc.filename or _t("write.the_output"),
                                    reason=exc.strerror or exc)) from None
            raise
        self.release()

    def discard(self) -> None:
        for tmp, _, _ in self.dirs:
            shutil.rmtree(tmp, ignore_errors=True)
        for tmp, _, _ in self.files:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        self.release()

    def release(self) -> None:
        for _, _, lock in [*self.dirs, *self.files]:
            lock.release()
        self.dirs.clear()
        self.files.clear()


_GROUP: contextvars.ContextVar[_Group | None] = contextvars.ContextVar("trustexp_group",
                                                                      default=None)


@contextlib.contextmanager
def atomic_group() -> Iterator[None]:
    """Stage every :func:`write_atomic` and :func:`atomic_dir` of the block; move them in at its end.

    On an exception in the block nothing is moved into place (the staged
    temporaries are removed) and the exception passes on. Groups do not nest:
    an inner group joins the outer one.
    """
    if _GROUP.get() is not None:
        yield
        return
    group = _Group()
    token = _GROUP.set(group)
    try:
        yield
    except BaseException:
        group.discard()
        raise
    finally:
        _GROUP.reset(token)
    group.commit()


def check_output(
    path: str | Path, *, what: str, inputs: Iterable[str | Path] = (),
    folder: str | Path | None = None,
) -> Path:
    """Return ``path`` once it is known to be neither an input nor inside the trial folder.

    Parameters
    ----------
    path
        The output file or folder.
    what
        How the message names it, e.g. ``"--output"``.
    inputs
        The files read (a path equal to one of them is refused).
    folder
        The trial folder (a path inside it is refused: the next run would read
        it as part of the trial, or it would change the user's folder).

    Raises
    ------
    OptionError
        When ``path`` is an input or lies inside ``folder``.
    """
    path = Path(path)
    try:
        real = path.resolve()
        reals = {Path(p).resolve() for p in inputs}
        root = Path(folder).resolve() if folder is not None else None
        if root is not None and root.is_dir():  # the folder's own files count as inputs
            reals.update(p.resolve() for p in root.iterdir() if p.is_file())
    except (OSError, RuntimeError) as exc:
        raise OptionError(_t("write.cannot_use", what=what, path=path, reason=exc)) from None
    if real in reals:
        raise OptionError(_t("write.is_input", what=what, path=path))
    if root is not None and (real == root or real.is_relative_to(root)):
        raise OptionError(_t("write.inside_trial", what=what, path=path, folder=folder))
    return path


def _umask_mode(mode: int) -> int:
    umask = os.umask(0)
    os.umask(umask)
    return mode & ~umask


def _is_dir(path: Path) -> bool:
    """Whether ``path`` is a folder; a path the system refuses (too long) is a message."""
    try:
        return os.path.isdir(path) if len(os.fsencode(path.name)) <= 255 else _too_long(path)
    except (OSError, ValueError) as exc:
        raise InputError(_t("write.cannot", path=path,
                            reason=getattr(exc, "strerror", None) or exc)) from None


def _too_long(path: Path) -> bool:
    raise InputError(_t("write.name_too_long", path=path, name=path.name[:40]))


def check_folder_of(path: str | Path) -> Path:
    """Return ``path`` as a :class:`~pathlib.Path` once its folder is known to exist.

    Raises
    ------
    InputError
        When the folder of ``path`` does not exist.
    """
    path = Path(path)
    if "\x00" in str(path):
        raise InputError(_t("write.nul", path=repr(str(path))))
    try:
        folder_exists = path.parent.is_dir()
    except OSError as exc:
        raise InputError(_t("write.cannot", path=path, reason=exc.strerror or exc)) from None
    if not folder_exists:
        raise InputError(_t("write.no_folder", path=path, folder=path.parent))
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
    if _is_dir(path):
        raise InputError(_t("write.is_folder", path=path))
    # a file name that is not UTF-8 (lone surrogates) is written with escapes, never an error
    payload = data.encode("utf-8", "backslashreplace") if isinstance(data, str) else data
    lock = _lock(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_tmp_prefix(path), suffix=".tmp")
    except OSError as exc:
        lock.release()
        raise InputError(_t("write.cannot", path=path, reason=exc.strerror or exc)) from None
    group = _GROUP.get()
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        if not private:
            os.chmod(tmp, _umask_mode(0o666))
        if group is not None:
            group.files.append((Path(tmp), path, lock))
            return path
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        lock.release()
        if isinstance(exc, OSError):
            raise InputError(_t("write.cannot", path=path, reason=exc.strerror or exc)) from None
        raise
    lock.release()
    return path


def check_new_dir(path: str | Path, *, not_folder: str | Message, not_empty: str | Message) -> Path:
    """Return ``path`` as a :class:`~pathlib.Path` once it is known to be absent or empty.

    Parameters
    ----------
    path
        The folder to check.
    not_folder, not_empty
        The messages for a ``path`` that is not a folder (a dangling symbolic
        link included) and for a folder that is not empty; ``{path}`` in them
        is replaced by ``path`` (a :class:`~trustexp._message.Message` is
        shown as it is).

    Raises
    ------
    InputError
        When ``path`` is a file or a folder that is not empty.
    """
    path = Path(path)
    _is_dir(path)  # a name too long: a message here
    if path.exists() or path.is_symlink():
        if not path.is_dir():
            raise InputError(_with_path(not_folder, path))
        if any(path.iterdir()):
            raise InputError(_with_path(not_empty, path))
    return path


def _with_path(message: str | Message, path: Path) -> str | Message:
    return message if isinstance(message, Message) else message.format(path=path)


@contextlib.contextmanager
def atomic_dir(
    path: str | Path, *, kind: str | Message | None = None, parents: bool = False, private: bool = False
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
    kind = _t("write.kind.folder") if kind is None else kind
    parent = path.absolute().parent
    try:
        if parents:
            parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(_t("write.cannot_create", kind=kind, path=path, reason=exc.strerror or exc)) from None
    lock = _lock(path)
    try:
        tmp = Path(tempfile.mkdtemp(dir=parent, prefix=_tmp_prefix(path), suffix=".tmp"))
    except OSError as exc:
        lock.release()
        raise InputError(_t("write.cannot_create", kind=kind, path=path, reason=exc.strerror or exc)) from None
    group = _GROUP.get()
    try:
        yield tmp
        if not private:
            os.chmod(tmp, _umask_mode(0o777))
        if group is not None:
            group.dirs.append((tmp, path, lock))
            return
        if path.is_dir():
            path.rmdir()  # empty, checked before
        os.rename(tmp, path)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        lock.release()
        if isinstance(exc, OSError) and not isinstance(exc, InputError):
            raise InputError(_t("write.cannot_create", kind=kind, path=path, reason=exc.strerror or exc)) from None
        raise
    lock.release()
