"""Reading a user's text file at the boundary: existence, size and UTF-8, with located errors."""

from __future__ import annotations

from pathlib import Path

from posturelab.errors import InputError


def read_user_text(path: str, max_bytes: int) -> str:
    """Return the text of the file ``path`` (UTF-8, an optional byte-order mark removed).

    Raises
    ------
    InputError
        If the file does not exist, is not a regular file, is larger than ``max_bytes`` or is not
        valid UTF-8 (located at the line of the first bad byte).
    """
    p = Path(path)
    if not p.exists():
        raise InputError.single(path, "file not found")
    if not p.is_file():
        raise InputError.single(path, "not a regular file")
    raw = p.read_bytes()
    if len(raw) > max_bytes:
        raise InputError.single(path, f"file is {len(raw):,} bytes; at most {max_bytes:,}")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError.single(path, "not valid UTF-8 text", line=line) from None
