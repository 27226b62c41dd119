"""One reader for every CSV the tool reads: cells that remember their line and column.

A file is a header line naming the columns, then one row per line. Blank lines and lines whose
first non-blank character is ``#`` are skipped (sources can be noted there). A cell may be wrapped
in double quotes (``""`` inside quotes is a quote); a quoted cell cannot span lines. Column names
are compared after stripping spaces (and lower-casing, if asked). Every structural problem (an
unknown, duplicate or missing column, a row with the wrong number of cells, an empty file) is
reported located by file, line and column, all together in one
:class:`~posturelab.errors.InputError`; readers of particular files (combat records, budgets) then
check the cells, with :func:`cell_problem` to locate what they find.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from posturelab.errors import InputError, Problem


@dataclass(frozen=True)
class Cell:
    """One cell: its text (stripped) and its 1-based line and column."""

    text: str
    line: int
    column: int


@dataclass(frozen=True)
class CsvRow:
    """One data row: its line and its cells by column name."""

    line: int
    cells: Mapping[str, Cell]


@dataclass(frozen=True)
class CsvTable:
    """A parsed file: its name, the header's line, the columns in order and the rows."""

    name: str
    header_line: int
    columns: tuple[str, ...]
    rows: tuple[CsvRow, ...]

    def problem(self, row: CsvRow, column: str, message: str) -> Problem:
        """A problem located at ``column`` of ``row``."""
        return cell_problem(self.name, row.cells[column], column, message)


def cell_problem(name: str, cell: Cell, column: str, message: str) -> Problem:
    """A problem located at ``cell`` of the file ``name``."""
    return Problem(name, cell.line, cell.column, column, message)


def split_fields(line: str) -> list[tuple[int, str]]:
    """Split a CSV line into (1-based start column, value) pairs; double quotes may wrap a cell."""
    fields: list[tuple[int, str]] = []
    start = 0
    value: list[str] = []
    quoted = False
    i = 0
    while i < len(line):
        ch = line[i]
        if quoted:
            if ch == '"' and i + 1 < len(line) and line[i + 1] == '"':
                value.append('"')
                i += 1
            elif ch == '"':
                quoted = False
            else:
                value.append(ch)
        elif ch == '"':
            quoted = True
        elif ch == ",":
            fields.append((start + 1, "".join(value)))
            start = i + 1
            value = []
        else:
            value.append(ch)
        i += 1
    fields.append((start + 1, "".join(value)))
    return fields


def read_located_csv(
    text: str,
    name: str,
    *,
    required: Iterable[str],
    optional: Iterable[str] = (),
    extra: Literal["error", "ignore"] = "error",
    lowercase: bool = False,
) -> CsvTable:
    """Parse ``text`` (the file ``name``) into located cells.

    Parameters
    ----------
    required, optional
        Column names that must, or may, appear in the header.
    extra
        ``error`` refuses any other column; ``ignore`` keeps it out of the rows.
    lowercase
        Compare column names without regard to case.

    Raises
    ------
    InputError
        With every structural problem found (see the module docstring).
    """
    required = tuple(required)
    allowed = (*required, *optional)
    numbered = [
        (n, line)
        for n, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not numbered:
        raise InputError.single(
            name, f"empty file: expected a header line naming the columns {', '.join(required)}"
        )
    problems: list[Problem] = []
    header_line, header_text = numbered[0]
    header: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for col, raw in split_fields(header_text):
        cell = raw.strip().lower() if lowercase else raw.strip()
        header.append((col, cell))
        if cell not in allowed:
            if extra == "error":
                problems.append(
                    Problem(
                        name,
                        header_line,
                        col,
                        cell,
                        f"unknown column {cell!r}; expected {', '.join(allowed)}",
                    )
                )
        elif cell in seen:
            problems.append(Problem(name, header_line, col, cell, f"duplicate column {cell!r}"))
        seen.setdefault(cell, col)
    for column in required:
        if column not in seen:
            problems.append(
                Problem(name, header_line, None, column, f"missing required column {column!r}")
            )
    if problems:
        raise InputError(problems)
    kept = [(k, cell) for k, (_, cell) in enumerate(header) if cell in allowed]
    rows: list[CsvRow] = []
    for line_no, line in numbered[1:]:
        fields = split_fields(line)
        if len(fields) != len(header):
            problems.append(
                Problem(
                    name,
                    line_no,
                    None,
                    "",
                    f"expected {len(header)} cells like the header, found {len(fields)}",
                )
            )
            continue
        cells = {column: Cell(fields[k][1].strip(), line_no, fields[k][0]) for k, column in kept}
        rows.append(CsvRow(line_no, cells))
    if problems:
        raise InputError(problems)
    return CsvTable(name, header_line, tuple(cell for _, cell in kept), tuple(rows))


def parse_number(
    table: CsvTable,
    row: CsvRow,
    column: str,
    problems: list[Problem],
    *,
    minimum: float | None = 0.0,
    whole: bool = False,
) -> float:
    """Read ``column`` of ``row`` as a finite number; NaN (and a located problem) when it is not.

    An empty cell gives NaN without a problem; callers decide whether empty is allowed.
    """
    cell = row.cells[column]
    if cell.text == "":
        return math.nan
    try:
        number = float(cell.text)
    except ValueError:
        problems.append(table.problem(row, column, f"must be a number, got {cell.text!r}"))
        return math.nan
    if not math.isfinite(number):
        problems.append(table.problem(row, column, f"must be a finite number, got {cell.text!r}"))
        return math.nan
    if whole and not number.is_integer():
        problems.append(table.problem(row, column, f"must be a whole number, got {cell.text!r}"))
    if minimum is not None and number < minimum:
        problems.append(table.problem(row, column, f"must be >= {minimum:g}, got {cell.text}"))
    return number
