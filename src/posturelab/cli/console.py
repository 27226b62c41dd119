"""Shared output helpers for the command line: JSON, tables and error messages."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

from posturelab.errors import InputError

if TYPE_CHECKING:
    from rich.console import Console


class LazyConsole:
    """A :class:`rich.console.Console` made on first use (rich takes a while to import)."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return getattr(self._console, name)


# On a terminal rich measures the window; piped output gets a width that keeps tables readable.
_PIPE_WIDTH = None if sys.stdout.isatty() else 160
out: Console = LazyConsole(highlight=False, width=_PIPE_WIDTH)  # type: ignore[assignment]
err: Console = LazyConsole(stderr=True, highlight=False)  # type: ignore[assignment]


def print_problems(error: InputError) -> None:
    """Print every located problem of ``error`` on standard error, one per line."""
    for problem in error.problems:
        # Plain write: no markup interpretation of user-provided text.
        sys.stderr.write(f"error: {problem}\n")
    count = len(error.problems)
    sys.stderr.write(f"{count} problem{'s' if count != 1 else ''} found; nothing was written.\n")


def print_json(payload: Any) -> None:
    """Print ``payload`` as indented JSON on standard output."""
    sys.stdout.write(json.dumps(payload, indent=2, allow_nan=False) + "\n")

