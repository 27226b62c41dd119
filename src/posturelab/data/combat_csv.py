"""Reading combat records (CSV) into :class:`~posturelab.models.combat_record.CombatSeries`.

Columns (the file is read by :mod:`posturelab.data.located_csv`):

* time, exactly one of: ``day`` (whole days from any origin, strictly increasing), ``duration``
  (the length in days of the phase ending at the row) or ``duration_hours`` (the same in hours);
  with a duration column the first row is the initial state and its duration is empty or 0, every
  other duration is ``> 0``;
* ``x``, ``y``: strengths, empty where unknown; the first row holds both initial strengths;
* optional ``x_reinf``, ``y_reinf``: arrivals during the phase (empty means 0);
* optional losses per side, one of ``x_losses_cum`` (cumulative, empty where unknown) or
  ``x_losses`` (losses during the phase; an empty cell makes later cumulative losses unknown),
  and the same for ``y``.

Record shapes this covers: strengths with arrivals and losses (Engel's Iwo Jima); strengths and
losses without arrival columns, where a side's arrivals are derived as the change in strength plus
the losses, :math:`R_i = X_i - X_{i-1} + (C_i - C_{i-1})`, wherever both are known (a warning
lists the phases where they come out negative: withdrawals, or inconsistent figures); losses only,
with the initial strengths on the first row; phases of unequal length.

Every number is finite and ``>= 0``. Every problem found is reported, located by file, line,
column and column name, in one :class:`~posturelab.errors.InputError`.
"""

from __future__ import annotations

import math
from importlib import resources
from typing import Final

import numpy as np

from posturelab.data.located_csv import CsvTable, parse_number, read_located_csv
from posturelab.errors import InputError, Problem
from posturelab.models.combat_record import CombatSeries, FitWarning, FloatArray
from posturelab.textfile import read_user_text

TIME_COLUMNS: Final[tuple[str, ...]] = ("day", "duration", "duration_hours")
REQUIRED_COLUMNS: Final[tuple[str, ...]] = ("x", "y")
OPTIONAL_COLUMNS: Final[tuple[str, ...]] = (
    *TIME_COLUMNS,
    "x_reinf",
    "y_reinf",
    "x_losses_cum",
    "y_losses_cum",
    "x_losses",
    "y_losses",
)
MAX_FILE_BYTES: Final[int] = 5_000_000
#: Built-in datasets: name -> file in this package.
BUILTIN: Final[dict[str, str]] = {"iwo_jima": "iwo_jima.csv"}


def read_combat_csv(path: str) -> CombatSeries:
    """Read a combat record from ``path``.

    Raises
    ------
    InputError
        With every problem found: a missing or unreadable file, a missing or unknown column, a
        non-numeric or negative cell, days out of order or repeated, too few rows.
    """
    return parse_combat_csv(read_user_text(path, MAX_FILE_BYTES), path)


def builtin_series(name: str) -> CombatSeries:
    """Read a built-in dataset (see :data:`BUILTIN`), e.g. ``iwo_jima``."""
    text = resources.files("posturelab.data").joinpath(BUILTIN[name]).read_text("utf-8")
    return parse_combat_csv(text, f"<built-in:{name}>")


def _header_problems(table: CsvTable) -> list[Problem]:
    problems: list[Problem] = []
    times = [c for c in TIME_COLUMNS if c in table.columns]
    if len(times) != 1:
        got = ", ".join(times) if times else "none"
        problems.append(
            Problem(
                table.name,
                table.header_line,
                None,
                "day",
                f"give exactly one time column: day, duration (days) or duration_hours (got {got})",
            )
        )
    for side in ("x", "y"):
        if f"{side}_losses" in table.columns and f"{side}_losses_cum" in table.columns:
            problems.append(
                Problem(
                    table.name,
                    table.header_line,
                    None,
                    f"{side}_losses",
                    f"give {side}_losses or {side}_losses_cum, not both",
                )
            )
    return problems


def _times(table: CsvTable, column: str, problems: list[Problem]) -> list[float]:
    """Row times in days from the time column, with every problem located."""
    days: list[float] = []
    if column == "day":
        first_line: dict[float, int] = {}
        previous: float | None = None
        for row in table.rows:
            if row.cells["day"].text == "":
                problems.append(table.problem(row, "day", "day must not be empty"))
            day = parse_number(table, row, "day", problems, whole=True)
            days.append(day)
            if math.isnan(day):
                continue
            if day in first_line:
                problems.append(
                    table.problem(
                        row, "day", f"duplicate day {day:g} (first on line {first_line[day]})"
                    )
                )
            elif previous is not None and day < previous:
                problems.append(
                    table.problem(
                        row, "day", f"days must increase: day {day:g} comes after day {previous:g}"
                    )
                )
            first_line.setdefault(day, row.line)
            previous = day if previous is None else max(previous, day)
        return days
    scale = 24.0 if column == "duration_hours" else 1.0
    elapsed = 0.0
    for k, row in enumerate(table.rows):
        length = parse_number(table, row, column, problems)
        if k == 0:
            if not (math.isnan(length) or length == 0.0):
                problems.append(
                    table.problem(
                        row,
                        column,
                        "the first row is the initial state: its duration must be empty or 0, "
                        f"got {row.cells[column].text}",
                    )
                )
        elif row.cells[column].text == "":
            problems.append(table.problem(row, column, "a phase's duration must not be empty"))
        elif length == 0.0:
            problems.append(table.problem(row, column, "a phase's duration must be > 0"))
        if k > 0 and not math.isnan(length):
            elapsed += length / scale
        days.append(elapsed)
    return days


def _cumulative(daily: list[float]) -> FloatArray:
    """Cumulative losses from per-phase losses: 0 on row 0, unknown after an unknown phase."""
    values = np.asarray(daily, dtype=np.float64)
    values[0] = 0.0
    return np.asarray(np.cumsum(values), dtype=np.float64)


def _derived_arrivals(
    side: str, day: FloatArray, strength: FloatArray, cum: FloatArray
) -> tuple[FloatArray, list[FitWarning]]:
    """Arrivals R_i = X_i - X_{i-1} + (C_i - C_{i-1}) where all four are known, else 0."""
    with np.errstate(invalid="ignore"):
        derived = np.diff(strength) + np.diff(cum)
    derived = np.where(np.isfinite(derived), derived, 0.0)
    arrivals = np.concatenate(([0.0], derived))
    warnings: list[FitWarning] = []
    negative = np.flatnonzero(arrivals < -1e-9)
    if negative.size:
        shown = ", ".join(f"day {day[i]:g} ({arrivals[i]:g})" for i in negative[:8])
        more = f" and {negative.size - 8} more" if negative.size > 8 else ""
        warnings.append(
            FitWarning(
                "negative_arrivals",
                "warning",
                f"{side}'s arrivals, derived as change in strength plus losses, are negative on "
                f"{shown}{more}: withdrawals, or strengths and losses that disagree",
            )
        )
    return arrivals, warnings


def parse_combat_csv(text: str, name: str) -> CombatSeries:
    """Parse the text of a combat record; ``name`` locates problems (as :func:`read_combat_csv`)."""
    if not text.strip():
        raise InputError.single(
            name, "empty file: expected a header line naming the columns day, x, y", line=1
        )
    table = read_located_csv(text, name, required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS)
    problems = _header_problems(table)
    if problems:
        raise InputError(problems)
    if len(table.rows) < 2:
        raise InputError.single(
            name,
            "a record needs at least two days (an initial state and one more), "
            f"found {len(table.rows)}",
            line=table.header_line,
        )
    time_column = next(c for c in TIME_COLUMNS if c in table.columns)
    day = _times(table, time_column, problems)
    values: dict[str, list[float]] = {}
    for column in table.columns:
        if column in TIME_COLUMNS:
            continue
        values[column] = [parse_number(table, row, column, problems) for row in table.rows]
    first = table.rows[0]
    for column in ("x", "y"):
        if math.isnan(values[column][0]) and first.cells[column].text == "":
            problems.append(
                table.problem(
                    first,
                    column,
                    "the first row is the initial state: both strengths must be given, "
                    f"{column} is empty",
                )
            )
    for side in ("x", "y"):
        column = f"{side}_losses"
        value = values[column][0] if column in values else 0.0
        if math.isfinite(value) and value != 0.0:
            problems.append(
                table.problem(
                    first,
                    column,
                    "the first row is the initial state: its losses must be empty or 0, "
                    f"got {first.cells[column].text}",
                )
            )
    if problems:
        raise InputError(problems)
    days = np.asarray(day, dtype=np.float64)
    arrays: dict[str, FloatArray | None] = {}
    warnings: list[FitWarning] = []
    for side in ("x", "y"):
        strength = np.asarray(values[side], dtype=np.float64)
        if f"{side}_losses" in values:
            cum: FloatArray | None = _cumulative(values[f"{side}_losses"])
        elif f"{side}_losses_cum" in values:
            cum = np.asarray(values[f"{side}_losses_cum"], dtype=np.float64)
        else:
            cum = None
        arrays[f"{side}_losses_cum"] = cum
        if f"{side}_reinf" in values:
            arrays[f"{side}_reinf"] = np.nan_to_num(np.asarray(values[f"{side}_reinf"]), nan=0.0)
        elif cum is not None and np.count_nonzero(~np.isnan(strength)) > 1:
            arrivals, found = _derived_arrivals(side, days, strength, cum)
            arrays[f"{side}_reinf"] = arrivals
            warnings.extend(found)
        else:
            arrays[f"{side}_reinf"] = None
    return CombatSeries.from_arrays(
        days,
        np.asarray(values["x"]),
        np.asarray(values["y"]),
        x_reinf=arrays["x_reinf"],
        y_reinf=arrays["y_reinf"],
        x_losses_cum=arrays["x_losses_cum"],
        y_losses_cum=arrays["y_losses_cum"],
        warnings=tuple(warnings),
    )
