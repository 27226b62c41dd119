"""Shared output helpers for the command line: JSON, tables and error messages."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console

from posturelab.errors import InputError

# On a terminal rich measures the window; piped output gets a width that keeps tables readable.
_PIPE_WIDTH = None if sys.stdout.isatty() else 160
out = Console(highlight=False, width=_PIPE_WIDTH)
err = Console(stderr=True, highlight=False)


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

