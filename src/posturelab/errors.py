"""Exceptions that carry their context.

Every problem with user input (a scenario file, a CSV, a parameter file, a lever on the command
line) is reported as a :class:`Problem` located by file, line, column and field path, and raised
together with all other problems found in the same input as one :class:`InputError`. The command
line prints each problem on its own line as ``FILE:LINE:COL: field.path: message`` and exits with
status 2.
"""

from __future__ import annotations

from collections.abc import Iterable
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
    """One or more problems with a user's input, all reported together."""

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
