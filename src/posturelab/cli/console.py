"""Shared output helpers for the command line: JSON, tables and error messages."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console

from posturelab.errors import InputError

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


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
