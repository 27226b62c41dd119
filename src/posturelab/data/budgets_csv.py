"""Reading yearly defence budgets (CSV) into the two blocs' totals that Richardson's fits use.

The header names ``year``, ``country``, ``bloc`` and ``spending`` in any order and case; other
columns are ignored. Lines that are blank or start with ``#`` are skipped (sources can be noted
there). The file is read by :mod:`posturelab.data.located_csv`, so every problem is located by
file, line, column and column name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from posturelab.data.located_csv import CsvRow, CsvTable, read_located_csv
from posturelab.errors import InputError, Problem
from posturelab.textfile import read_user_text

COLUMNS: Final[tuple[str, ...]] = ("year", "country", "bloc", "spending")
MAX_FILE_BYTES: Final[int] = 5_000_000


@dataclass(frozen=True)
class BlocBudgets:
    """Yearly totals of exactly two blocs, read from a CSV."""

    years: tuple[int, ...]
    blocs: tuple[str, str]
    totals: tuple[tuple[float, ...], tuple[float, ...]]


def read_budgets_file(path: str) -> BlocBudgets:
    """Read and check the budget file ``path`` (see :func:`read_budgets`)."""
    return read_budgets(path, read_user_text(path, MAX_FILE_BYTES))


def _row(
    table: CsvTable, row: CsvRow, problems: list[Problem]
) -> tuple[int, str, str, float] | None:
    """The checked (year, country, bloc, spending) of a row, or ``None`` with its problems."""
    cells = {c: row.cells[c].text for c in COLUMNS}
    ok = True
    year = 0
    try:
        year = int(cells["year"])
    except ValueError:
        problems.append(
            table.problem(row, "year", f"year must be an integer, got {cells['year']!r}")
        )
        ok = False
    spending = math.nan
    try:
        spending = float(cells["spending"])
    except ValueError:
        problems.append(
            table.problem(row, "spending", f"spending must be a number, got {cells['spending']!r}")
        )
        ok = False
    else:
        if not math.isfinite(spending) or spending < 0:
            problems.append(
                table.problem(
                    row, "spending", f"spending must be finite and >= 0, got {cells['spending']!r}"
                )
            )
            ok = False
    for column in ("country", "bloc"):
        if not cells[column]:
            problems.append(table.problem(row, column, f"{column} must not be empty"))
            ok = False
    return (year, cells["country"], cells["bloc"], spending) if ok else None


def read_budgets(name: str, text: str) -> BlocBudgets:
    """Parse and check a CSV of yearly budgets (``year,country,bloc,spending``).

    Raises
    ------
    InputError
        Located problems: missing columns, non-numeric or negative cells, duplicate rows, a
        country in two blocs, other than two blocs, gaps in the years, a country missing in a year,
        fewer than three years, an empty file.
    """
    if not text.strip():
        raise InputError.single(name, "empty file: no header and no rows", line=1)
    table = read_located_csv(text, name, required=COLUMNS, extra="ignore", lowercase=True)
    problems: list[Problem] = []
    rows: dict[tuple[int, str], tuple[str, float, int]] = {}
    bloc_of: dict[str, tuple[str, int]] = {}
    for row in table.rows:
        parsed = _row(table, row, problems)
        if parsed is None:
            continue
        year, country, bloc, spending = parsed
        if (year, country) in rows:
            first = rows[(year, country)][2]
            problems.append(
                table.problem(
                    row,
                    "country",
                    f"duplicate row for {country!r} in {year} (first on line {first})",
                )
            )
            continue
        known = bloc_of.setdefault(country, (bloc, row.line))
        if known[0] != bloc:
            problems.append(
                table.problem(
                    row,
                    "bloc",
                    f"{country!r} is in bloc {known[0]!r} on line {known[1]}, here {bloc!r}",
                )
            )
            continue
        rows[(year, country)] = (bloc, spending, row.line)
    if problems:
        raise InputError(problems)
    if not rows:
        raise InputError.single(name, "no data rows", line=table.header_line)
    blocs: list[str] = []
    for bloc, _, _ in sorted(rows.values(), key=lambda r: r[2]):
        if bloc not in blocs:
            blocs.append(bloc)
    if len(blocs) != 2:
        raise InputError.single(
            name, f"exactly two blocs are needed, found {len(blocs)}: {blocs}", path="bloc"
        )
    years = sorted({y for y, _ in rows})
    gaps = sorted(set(range(years[0], years[-1] + 1)) - set(years))
    if gaps:
        problems.append(Problem(name, None, None, "year", f"missing years: {gaps}"))
    missing_rows = [(c, y) for c in bloc_of for y in years if (y, c) not in rows]
    if missing_rows:
        shown = ", ".join(f"{c} {y}" for c, y in missing_rows[:10])
        more = f" and {len(missing_rows) - 10} more" if len(missing_rows) > 10 else ""
        problems.append(Problem(name, None, None, "year", f"missing rows: {shown}{more}"))
    if len(years) < 3:
        problems.append(
            Problem(name, None, None, "year", f"at least 3 years are needed, got {years}")
        )
    if problems:
        raise InputError(problems)
    totals = tuple(
        tuple(
            sum(s for (y, _), (b, s, _) in rows.items() if y == year and b == bloc)
            for year in years
        )
        for bloc in blocs
    )
    return BlocBudgets(tuple(years), (blocs[0], blocs[1]), (totals[0], totals[1]))
