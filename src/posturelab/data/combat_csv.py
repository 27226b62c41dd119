"""Reading daily combat records (CSV) into :class:`~posturelab.models.lanchester_fit.CombatSeries`.

The columns are ``day``, ``x``, ``y`` (strengths; a cell may be empty where unknown) and,
optionally, ``x_reinf``, ``y_reinf`` (arrivals during the day; empty means 0) and
``x_losses_cum``, ``y_losses_cum`` (cumulative losses; empty where unknown). Days are whole numbers
in strictly increasing order; every number is finite and ``>= 0``; the first row holds both
initial strengths. Every problem found is reported, located by file, line, column and column
name, in one :class:`~posturelab.errors.InputError`.
"""

from __future__ import annotations

import math
from importlib import resources
from typing import Final

import numpy as np

from posturelab.errors import InputError, Problem
from posturelab.models.lanchester_fit import CombatSeries
from posturelab.textfile import read_user_text

REQUIRED_COLUMNS: Final[tuple[str, ...]] = ("day", "x", "y")
OPTIONAL_COLUMNS: Final[tuple[str, ...]] = ("x_reinf", "y_reinf", "x_losses_cum", "y_losses_cum")
_ALL_COLUMNS: Final[tuple[str, ...]] = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
MAX_FILE_BYTES: Final[int] = 5_000_000
#: Built-in datasets: name -> file in this package.
BUILTIN: Final[dict[str, str]] = {"iwo_jima": "iwo_jima.csv"}


def _split_fields(line: str) -> list[tuple[int, str]]:
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


def _read_text(path: str) -> str:
    return read_user_text(path, MAX_FILE_BYTES)


def read_combat_csv(path: str) -> CombatSeries:
    """Read a combat record from ``path``.

    Raises
    ------
    InputError
        With every problem found: a missing or unreadable file, a missing or unknown column, a
        non-numeric or negative cell, days out of order or repeated, too few rows.
    """
    return parse_combat_csv(_read_text(path), path)


def builtin_series(name: str) -> CombatSeries:
    """Read a built-in dataset (see :data:`BUILTIN`), e.g. ``iwo_jima``."""
    text = resources.files("posturelab.data").joinpath(BUILTIN[name]).read_text("utf-8")
    return parse_combat_csv(text, f"<built-in:{name}>")


def parse_combat_csv(text: str, name: str) -> CombatSeries:
    """Parse the text of a combat record; ``name`` locates problems (as :func:`read_combat_csv`)."""
    lines = text.splitlines()
    numbered = [(n, line) for n, line in enumerate(lines, start=1) if line.strip()]
    if not numbered:
        raise InputError.single(
            name, "empty file: expected a header line naming the columns day, x, y", line=1
        )
    problems: list[Problem] = []
    header_line, header_text = numbered[0]
    header = [(col, cell.strip()) for col, cell in _split_fields(header_text)]
    names = [cell for _, cell in header]
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    seen: dict[str, int] = {}
    for col, cell in header:
        if cell not in known:
            problems.append(
                Problem(
                    name,
                    header_line,
                    col,
                    cell,
                    f"unknown column {cell!r}; expected {', '.join(_ALL_COLUMNS)}",
                )
            )
        elif cell in seen:
            problems.append(Problem(name, header_line, col, cell, f"duplicate column {cell!r}"))
        seen.setdefault(cell, col)
    for required in REQUIRED_COLUMNS:
        if required not in seen:
            problems.append(
                Problem(name, header_line, None, required, f"missing required column {required!r}")
            )
    if problems:
        raise InputError(problems)
    rows = numbered[1:]
    if len(rows) < 2:
        problems.append(
            Problem(
                name,
                header_line,
                None,
                "",
                "a record needs at least two days (an initial state and one more), "
                f"found {len(rows)}",
            )
        )
        raise InputError(problems)

    values: dict[str, list[float]] = {column: [] for column in names}
    day_lines: dict[float, int] = {}
    previous_day: float | None = None
    for line_no, line in rows:
        cells = _split_fields(line)
        if len(cells) != len(names):
            problems.append(
                Problem(
                    name,
                    line_no,
                    None,
                    "",
                    f"expected {len(names)} cells like the header, found {len(cells)}",
                )
            )
            for column in names:
                values[column].append(math.nan)
            continue
        for column, (col, raw) in zip(names, cells, strict=True):
            cell = raw.strip()
            if cell == "":
                if column == "day":
                    problems.append(Problem(name, line_no, col, column, "day must not be empty"))
                values[column].append(0.0 if column in ("x_reinf", "y_reinf") else math.nan)
                continue
            try:
                number = float(cell)
            except ValueError:
                problems.append(
                    Problem(name, line_no, col, column, f"must be a number, got {cell!r}")
                )
                values[column].append(math.nan)
                continue
            if not math.isfinite(number):
                problems.append(
                    Problem(name, line_no, col, column, f"must be a finite number, got {cell!r}")
                )
                number = math.nan
            elif column == "day" and not number.is_integer():
                problems.append(
                    Problem(name, line_no, col, column, f"must be a whole number, got {cell!r}")
                )
            elif number < 0:
                problems.append(Problem(name, line_no, col, column, f"must be >= 0, got {cell}"))
            values[column].append(number)
        day = values["day"][-1]
        if not math.isnan(day):
            day_col = cells[names.index("day")][0]
            if day in day_lines:
                problems.append(
                    Problem(
                        name,
                        line_no,
                        day_col,
                        "day",
                        f"duplicate day {day:g} (first on line {day_lines[day]})",
                    )
                )
            elif previous_day is not None and day < previous_day:
                problems.append(
                    Problem(
                        name,
                        line_no,
                        day_col,
                        "day",
                        f"days must increase: day {day:g} comes after day {previous_day:g}",
                    )
                )
            day_lines.setdefault(day, line_no)
            previous_day = day if previous_day is None else max(previous_day, day)
    first_line = rows[0][0]
    for column in ("x", "y"):
        if math.isnan(values[column][0]):
            first_cells = _split_fields(rows[0][1])
            same_width = len(first_cells) == len(names)
            where = first_cells[names.index(column)][0] if same_width else None
            problems.append(
                Problem(
                    name,
                    first_line,
                    where,
                    column,
                    "the first row is the initial state: both strengths must be given, "
                    f"{column} is empty",
                )
            )
    if problems:
        raise InputError(problems)

    return CombatSeries.from_arrays(
        np.asarray(values["day"]),
        np.asarray(values["x"]),
        np.asarray(values["y"]),
        x_reinf=values.get("x_reinf"),
        y_reinf=values.get("y_reinf"),
        x_losses_cum=values.get("x_losses_cum"),
        y_losses_cum=values.get("y_losses_cum"),
    )
