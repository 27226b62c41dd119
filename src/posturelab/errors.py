"""Exceptions that carry their context.

Every problem with user input (a scenario file, a CSV, a parameter file, a lever on the command
line) is reported as a :class:`Problem` located by file, line, column and field path, and raised
together with all other problems found in the same input as one :class:`InputError`. The command
line prints each problem on its own line as ``FILE:LINE:COL: field.path: message`` and exits with
status 2; the Python API (:mod:`posturelab.api`) raises the same :class:`InputError`.

Problems with the arguments of a call name them as the caller spelled them: ``month`` and
``<arguments>`` from Python, ``--month`` and ``<command line>`` inside
:func:`command_line_names` (which the command line enters).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One located problem in an input.

    Parameters
    ----------
    file
        The input's name as the user gave it (a path, ``<command line>`` or ``<built-in:ID>``).
    line, column
        1-based position in the file, or ``None`` when the problem has no position (a missing file).
    path
        Dotted field path inside the input (``forces.3.count``), or ``""`` for the whole input.
    message
        What is wrong: the rule that failed and the offending value.
    """

    file: str
    line: int | None
    column: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field = f" {self.path}:" if self.path else ""
        return f"{where}:{field} {self.message}"

    def as_dict(self) -> dict[str, str | int | None]:
        """Return the problem as a JSON-ready mapping."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "message": self.message,
        }


class PosturelabError(Exception):
    """Base class of every error posturelab raises on purpose."""


class InputError(PosturelabError, ValueError):
    """One or more problems with a user's input, all reported together.

    The one exception type for bad input, from every face. ``problems`` holds each located
    :class:`Problem`; ``str(error)`` lists them one a line.
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        if not self.problems:
            raise ValueError("InputError needs at least one problem")
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(
        cls,
        file: str,
        message: str,
        *,
        path: str = "",
        line: int | None = None,
        column: int | None = None,
    ) -> InputError:
        """Build an error holding a single problem."""
        return cls([Problem(file, line, column, path, message)])


class ScenarioError(InputError):
    """Problems in a scenario file, or in lever and parameter overrides applied to one."""


_COMMAND_LINE_STYLE: ContextVar[bool] = ContextVar("posturelab_command_line_style", default=False)
_FLAGS = {
    "levers": "--set",
    "levers_a": "--set",
    "levers_b": "--vs-set",
    "variant_a": "--variant",
    "variant_b": "--vs-variant",
    "indicators": "--indicator",
    "ids": "--claim",
    "params": "--params",
    "claims_file": "--claims",
}


@contextmanager
def command_line_names() -> Iterator[None]:
    """Within the block, problems name options as the command line spells them (``--month``)."""
    token = _COMMAND_LINE_STYLE.set(True)
    try:
        yield
    finally:
        _COMMAND_LINE_STYLE.reset(token)


def option_name(option: str) -> str:
    """How a problem names an argument: ``month`` from Python, ``--month`` on the command line.

    >>> option_name("mass_min")
    'mass_min'
    >>> with command_line_names():
    ...     option_name("mass_min"), option_name("levers_b")
    ('--mass-min', '--vs-set')
    """
    if not _COMMAND_LINE_STYLE.get():
        return option
    return _FLAGS.get(option, "--" + option.replace("_", "-"))


def arguments_file() -> str:
    """The file name problems with arguments carry: ``<arguments>`` or ``<command line>``."""
    return "<command line>" if _COMMAND_LINE_STYLE.get() else "<arguments>"
