"""Writing to disk without crashing: free-space checks, guarded HDF5 files, clear storage errors.

Every output of a run goes through this module. Three rules make a full disk, a read-only mount
or a missing permission an ordinary, reported :class:`StorageError` instead of a crash or a
half-written file:

1. **Check before writing.** :func:`ensure_free` compares the bytes a file will need (plus a
   margin of :data:`MARGIN_BYTES` and :data:`MARGIN_SHARE`) with the space the file system
   offers to this user (``statvfs``), before any work is done.
2. **Never let HDF5 see a failed write.** The HDF5 library does not recover from a failed
   ``write(2)``: after ``ENOSPC`` its file object is left in a state that crashes the process
   (a segmentation fault) when it is closed or collected. :class:`GuardedFile` is the file
   object HDF5 writes through (h5py's ``fileobj`` driver): it records the first operating-system
   error, reports success to HDF5 and ignores every later write, and the caller raises the
   recorded error once HDF5 has closed the file cleanly (:func:`write_guarded`).
3. **Write under a temporary name, rename when whole.** A file that exists under its final
   name is complete; the temporary file of a failed write is removed.

A run directory also keeps a small reserve file (:func:`make_reserve`): when the disk fills up,
releasing it makes room for the manifest to record what happened.
"""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from posturelab.errors import PosturelabError

MARGIN_BYTES = 1 << 20
"""Free space kept beyond an estimate (1 MiB): metadata, the manifest, the summary."""
MARGIN_SHARE = 0.05
"""Share added to an estimate for the formats' own overhead."""
RESERVE = ".reserve"
RESERVE_BYTES = 256 << 10
"""Size of a run directory's reserve file, freed to record a failure on a full disk."""

_REASONS = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOENT: "no such file or directory",
    errno.ENOTDIR: "a part of the path is not a directory",
    errno.EISDIR: "it is a directory",
    errno.EEXIST: "it already exists",
    errno.EIO: "input/output error",
    errno.EFBIG: "the file is too large for the file system",
    errno.ENAMETOOLONG: "the name is too long",
}


class StorageError(PosturelabError):
    """A file could not be written or read because of the operating system or the disk.

    Attributes
    ----------
    path
        The file or directory concerned.
    reason
        What went wrong, in words (``no space left on the device``, ...).
    errno
        The operating system's error number, when there is one.
    """

    def __init__(
        self, path: Path | str, reason: str, code: int | None = None, *, action: str = "write"
    ) -> None:
        self.path = Path(path)
        self.reason = reason
        self.errno = code
        super().__init__(f"cannot {action} {path}: {reason}")

    @property
    def disk_full(self) -> bool:
        """Whether the cause is a full disk or an exhausted quota or budget."""
        return self.errno in (errno.ENOSPC, errno.EDQUOT)


def storage_error(
    error: OSError, path: Path | str | None = None, *, action: str = "write"
) -> StorageError:
    """The :class:`StorageError` that describes ``error`` (its file name, or ``path``)."""
    where = path if path is not None else (error.filename or "<unknown file>")
    code = error.errno
    reason = _REASONS.get(code, error.strerror or str(error)) if code is not None else str(error)
    if code == errno.ENOSPC:
        free = free_bytes(Path(where).parent)
        reason += f" ({_size(free)} free)"
    return StorageError(where, reason, code, action=action)


@contextmanager
def reported(path: Path | str) -> Iterator[None]:
    """Turn any :class:`OSError` raised in the block into a :class:`StorageError` on ``path``."""
    try:
        yield
    except StorageError:
        raise
    except OSError as error:
        named = error.filename
        temporary = named is not None and Path(str(named)).name.endswith(".tmp")
        raise storage_error(error, path if named is None or temporary else named) from None


def _size(n: int) -> str:
    if n >= 1 << 30:
        return f"{n / (1 << 30):.1f} GiB"
    if n >= 1 << 20:
        return f"{n / (1 << 20):.1f} MiB"
    return f"{n / 1024:.0f} KiB"


def free_bytes(folder: Path) -> int:
    """Bytes this user may still write on the file system holding ``folder`` (or its parent)."""
    probe = Path(folder)
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        stat = os.statvfs(probe)
    except (OSError, AttributeError):  # pragma: no cover - no statvfs: assume room
        return 1 << 62
    return int(stat.f_bavail * stat.f_frsize)


def ensure_writable(target: Path) -> None:
    """Refuse a path under which nothing can be created, before any work is done.

    The nearest existing ancestor of ``target`` must be a directory that accepts a new entry
    (probed by creating and removing a hidden directory): this catches read-only mounts, missing
    permissions and pseudo file systems such as ``/proc``.

    Raises
    ------
    StorageError
        Naming ``target`` and why nothing can be written there.
    """
    ancestor = Path(target)
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if ancestor != Path(target) and not ancestor.is_dir():
        raise StorageError(target, f"{ancestor} is not a directory", errno.ENOTDIR)
    if ancestor == Path(target) and not ancestor.is_dir():
        return  # an existing file: the caller decides whether it may be replaced
    probe = ancestor / f".posturelab-probe-{secrets.token_hex(4)}"
    try:
        probe.mkdir()
        probe.rmdir()
    except OSError as error:
        reason = _REASONS.get(error.errno or 0, error.strerror or str(error))
        raise StorageError(
            target, f"nothing can be created in {ancestor} ({reason})", error.errno
        ) from None


def needed_with_margin(estimate: int) -> int:
    """``estimate`` bytes plus the module's margins."""
    return int(estimate * (1 + MARGIN_SHARE)) + MARGIN_BYTES


def ensure_free(folder: Path, estimate: int, what: str) -> None:
    """Refuse to start writing ``what`` when ``folder`` lacks room for ``estimate`` bytes.

    Raises
    ------
    StorageError
        With ``errno.ENOSPC`` when the free space is below the estimate with its margins.
    """
    needed = needed_with_margin(estimate)
    free = free_bytes(folder)
    if free < needed:
        raise StorageError(
            Path(folder) / what,
            f"no space left on the device: about {_size(needed)} needed, {_size(free)} free",
            errno.ENOSPC,
        )


def directory_bytes(folder: Path) -> int:
    """Bytes used by the files under ``folder`` (0 when it does not exist)."""
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                continue
    return total


def ensure_budget(folder: Path, estimate: int, budget: int | None) -> None:
    """Refuse work whose ``estimate`` bytes would take ``folder`` over ``budget`` bytes.

    Raises
    ------
    StorageError
        With ``errno.EDQUOT`` when the folder's files plus the estimate exceed the budget.
    """
    if budget is None:
        return
    used = directory_bytes(folder)
    if used + estimate > budget:
        raise StorageError(
            folder,
            f"disk quota exceeded: the runs directory holds {_size(used)} of its "
            f"{_size(budget)} budget and this job needs about {_size(estimate)}",
            errno.EDQUOT,
        )


class GuardedFile:
    """A binary file for HDF5 to write through that never reports a failed write to it.

    The first :class:`OSError` of a ``write``, ``truncate`` or ``flush`` is kept in
    :attr:`error`; that call and every later write then report success without touching the
    disk, so the HDF5 library finishes and closes its file normally. The owner must check
    :attr:`error` afterwards and discard the file (see :func:`write_guarded`).

    Parameters
    ----------
    path
        The file to create (truncated if it exists).
    raw_write
        The function that writes bytes to the underlying file (``io.FileIO.write`` by default);
        tests substitute one that fails like a full disk.
    """

    def __init__(
        self, path: Path, raw_write: Callable[[Any, Any], int | None] | None = None
    ) -> None:
        self._file = open(path, "w+b", buffering=0)  # noqa: SIM115 - closed by close()
        self._raw_write = raw_write or _write_all
        self.error: OSError | None = None

    def seek(self, offset: int, whence: int = 0) -> int:
        """Move the position (as :meth:`io.IOBase.seek`)."""
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        """The current position."""
        return self._file.tell()

    def readinto(self, buffer: Any) -> int:
        """Read into ``buffer``; after a failed write, what was not written reads as zeros."""
        got = self._file.readinto(buffer) or 0
        if self.error is not None:
            view = memoryview(buffer).cast("B")
            view[got:] = bytes(len(view) - got)
            self._file.seek(len(view) - got, os.SEEK_CUR)
            return len(view)
        return got

    def read(self, size: int = -1) -> bytes:
        """Read up to ``size`` bytes."""
        return self._file.read(size) or b""

    def write(self, data: Any) -> int:
        """Write ``data``; after an error, only advance the position."""
        size = memoryview(data).nbytes
        if self.error is None:
            try:
                self._raw_write(self._file, data)
                return size
            except OSError as error:
                self.error = error
        self._file.seek(size, os.SEEK_CUR)
        return size

    def truncate(self, size: int | None = None) -> int:
        """Set the file's size (skipped after an error)."""
        target = self._file.tell() if size is None else size
        if self.error is None:
            try:
                return self._file.truncate(target)
            except OSError as error:
                self.error = error
        return target

    def flush(self) -> None:
        """Nothing to flush: the file is unbuffered."""

    def sync(self) -> None:
        """Force the written bytes to the disk, keeping a failure like any other."""
        if self.error is None:
            try:
                os.fsync(self._file.fileno())
            except OSError as error:
                self.error = error

    def close(self) -> None:
        """Close the underlying file."""
        self._file.close()


def _write_all(handle: Any, data: Any) -> None:
    view = memoryview(data).cast("B")
    while view.nbytes:
        written = handle.write(view)
        if not written:
            raise OSError(errno.EIO, "the file system accepted no bytes")
        view = view[written:]


def temporary_sibling(path: Path) -> Path:
    """A hidden temporary name next to ``path``."""
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")


def write_guarded(
    path: Path,
    write: Callable[[GuardedFile], None],
    raw_write: Callable[[Any, Any], int | None] | None = None,
) -> None:
    """Write ``path`` through a :class:`GuardedFile` under a temporary name, then rename it.

    Raises
    ------
    StorageError
        When any write failed (the temporary file is removed and ``path`` left untouched).
    """
    temp = temporary_sibling(path)
    try:
        with reported(temp):
            handle = GuardedFile(temp, raw_write)
        try:
            write(handle)
            handle.sync()
        finally:
            handle.close()
        if handle.error is not None:
            raise storage_error(handle.error, path)
        with reported(path):
            os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def make_reserve(folder: Path) -> None:
    """Write the reserve file of ``folder`` (best effort: a disk too full for it is no error)."""
    try:
        with open(folder / RESERVE, "wb") as handle:
            handle.write(bytes(RESERVE_BYTES))
    except OSError:
        (folder / RESERVE).unlink(missing_ok=True)


def release_reserve(folder: Path) -> None:
    """Delete the reserve file of ``folder``, making room to record a failure."""
    with suppress(OSError):
        (folder / RESERVE).unlink(missing_ok=True)
