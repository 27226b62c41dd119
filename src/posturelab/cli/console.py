r"""Shared output helpers for the command line: JSON, tables and error messages.

Everything printed may contain user text (titles, descriptions, assumptions, file paths, lever
values), so the consoles never read strings as Rich markup (``[low/high]`` prints as written and
``[/]`` cannot fail) nor as emoji codes, and every string that reaches them, table cells and
titles included, has its control characters neutralised by :func:`clean`: a terminal escape
sequence in a scenario title prints as ``\x1b[2J`` instead of clearing the screen. Styling is
given with :class:`rich.text.Text` objects (see :func:`bold`), never with markup in a string.
"""

from __future__ import annotations

import json
import re
import sys
from typing import TYPE_CHECKING, Any

from posturelab.errors import InputError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

# C0 and C1 control characters except tab and newline, DEL, and the Unicode bidirectional
# controls that can make text display in another order than it is read.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    r"""Return ``text`` with every control character written as a visible escape (``\x1b``)."""
    return _CONTROL.sub(
        lambda m: (
            f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}"
        ),
        text,
    )


def _safe_console(**options: Any) -> Console:
    """A Rich console that prints strings literally: no markup, no emoji, no control characters."""
    from rich.console import Console

    class SafeConsole(Console):
        def render_str(self, text: str, **kwargs: Any) -> Text:
            kwargs["markup"] = False
            kwargs["emoji"] = False
            return super().render_str(clean(text), **kwargs)

    return SafeConsole(markup=False, emoji=False, highlight=False, **options)


class LazyConsole:
    """A safe console (:func:`_safe_console`) made on first use (rich takes a while to import)."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            self._console = _safe_console(**self._options)
        return getattr(self._console, name)


def bold(text: str) -> Text:
    """``text`` in bold, literally (control characters neutralised)."""
    from rich.text import Text

    return Text(clean(text), style="bold")


def styled(*parts: str | tuple[str, str]) -> Text:
    """A line of literal parts, each a string or a ``(string, style)`` pair."""
    from rich.text import Text

    line = Text()
    for part in parts:
        if isinstance(part, tuple):
            line.append(clean(part[0]), style=part[1])
        else:
            line.append(clean(part))
    return line


# On a terminal rich measures the window; piped output gets a width that keeps tables readable.
_PIPE_WIDTH = None if sys.stdout.isatty() else 160
out: Console = LazyConsole(width=_PIPE_WIDTH)  # type: ignore[assignment]
err: Console = LazyConsole(stderr=True)  # type: ignore[assignment]


def print_problems(error: InputError) -> None:
    """Print every located problem of ``error`` on standard error, one per line."""
    for problem in error.problems:
        # Plain write, control characters neutralised: the problem quotes user text.
        sys.stderr.write(f"error: {clean(str(problem))}\n")
    count = len(error.problems)
    sys.stderr.write(f"{count} problem{'s' if count != 1 else ''} found; nothing was written.\n")


def print_json(payload: Any) -> None:
    """Print ``payload`` as indented JSON on standard output."""
    sys.stdout.write(json.dumps(payload, indent=2, allow_nan=False) + "\n")
