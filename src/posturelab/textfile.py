"""Reading a user's text file at the boundary: existence, kind, size and UTF-8, located errors."""

from __future__ import annotations

import stat
from pathlib import Path

from posturelab.errors import InputError

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
)


def file_kind(path: str | Path) -> str | None:
    """What ``path`` is when it exists but is not a regular file (``None`` otherwise).

    >>> file_kind("/dev/null")
    'a character device'
    """
    try:
        mode = Path(path).stat().st_mode
    except (OSError, ValueError):
        return None
    for test, name in _KINDS:
        if test(mode):
            return name
    return None


def read_user_text(path: str, max_bytes: int) -> str:
    """Return the text of the file ``path`` (UTF-8, an optional byte-order mark removed).

    Raises
    ------
    InputError
        If the file does not exist, is not a regular file (a device, a FIFO, a directory: named
        as such, and never read), is larger than ``max_bytes``, cannot be read, or is not valid
        UTF-8 (located at the line of the first bad byte).
    """
    p = Path(path)
    kind = file_kind(p)
    if kind is not None:
        raise InputError.single(path, f"not a regular file: it is {kind}")
    if not p.exists():
        raise InputError.single(path, "file not found")
    try:
        with p.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as error:
        raise InputError.single(path, f"cannot read: {error.strerror or error}") from None
    if len(raw) > max_bytes:
        raise InputError.single(path, f"file is larger than {max_bytes:,} bytes")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError.single(path, "not valid UTF-8 text", line=line) from None
