"""What the checks of a scenario's references share: the path and result types, and readers.

See :mod:`posturelab.scenario.references`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Path = tuple[str | int, ...]
Found = Iterator[tuple[Path, str]]


def items_of(data: Any, section: str) -> list[tuple[int, dict[str, Any]]]:
    """The mappings listed under ``section``, with their positions (nothing if it is no list)."""
    value = data.get(section) if isinstance(data, dict) else None
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def ids_of(data: Any, section: str) -> dict[str, int]:
    """Each id declared under ``section``, with its position."""
    return {item["id"]: i for i, item in items_of(data, section) if isinstance(item.get("id"), str)}


def dangling(ref: Any, known: dict[str, int], kind: str, section: str, path: Path) -> Found:
    """The problem of a reference ``ref`` to a ``kind`` that ``section`` does not declare."""
    if isinstance(ref, str) and ref not in known:
        listed = ", ".join(sorted(known)) or "none"
        yield path, f"unknown {kind} {ref!r} (known: {listed}); add it to '{section}'"
