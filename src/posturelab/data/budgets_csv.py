"""Yearly defence budgets of two blocs, read from a CSV (``year,country,bloc,spending``).

Every problem is reported with its file, line, column and field.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

from posturelab.errors import InputError, Problem
from posturelab.textfile import read_user_text

#: Input files larger than this are refused.
MAX_FILE_BYTES = 5_000_000

# --------------------------------------------------------------------------------------------------
# Richardson fit from a CSV of budgets
# --------------------------------------------------------------------------------------------------

_CSV_COLUMNS = ("year", "country", "bloc", "spending")


@dataclass(frozen=True)
class BlocBudgets:
    """Yearly totals of exactly two blocs, read from a CSV."""

    years: tuple[int, ...]
    blocs: tuple[str, str]
    totals: tuple[tuple[float, ...], tuple[float, ...]]


def _column_of(raw_line: str, index: int) -> int | None:
    if '"' in raw_line:
        return None
    parts = raw_line.split(",")
    return 1 + sum(len(part) + 1 for part in parts[:index])


def read_budgets(name: str, text: str) -> BlocBudgets:
    """Parse and check a CSV of yearly budgets (``year,country,bloc,spending``).

    Lines that are blank or start with ``#`` are ignored (sources can be noted there). Extra columns
    are ignored.

    Raises
    ------
    InputError
        Located problems: missing columns, non-numeric or negative cells, duplicate rows, a
        country in two blocs, other than two blocs, gaps in the years, a country missing in a year,
        fewer than three years, an empty file.
    """
    lines = text.splitlines()
    problems: list[Problem] = []
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    header_line = 0
    cols: dict[str, int] = {}
    rows: dict[tuple[int, str], tuple[str, float, int]] = {}
    bloc_of: dict[str, tuple[str, int]] = {}
    try:
        for row in reader:
            line = reader.line_num
            raw = lines[line - 1] if 0 < line <= len(lines) else ""
            if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
                continue
            if header is None:
                header = [c.strip().lower() for c in row]
                header_line = line
                missing = [c for c in _CSV_COLUMNS if c not in header]
                if missing:
                    raise InputError(
                        [
                            Problem(
                                name,
                                line,
                                1,
                                "",
                                f"missing column(s) {', '.join(missing)}; the header "
                                f"must name {', '.join(_CSV_COLUMNS)} (got {', '.join(header)})",
                            )
                        ]
                    )
                dupes = sorted({c for c in header if header.count(c) > 1 and c in _CSV_COLUMNS})
                if dupes:
                    raise InputError(
                        [Problem(name, line, 1, "", f"column(s) named twice: {dupes}")]
                    )
                cols = {c: header.index(c) for c in _CSV_COLUMNS}
                continue
            if len(row) != len(header):
                problems.append(
                    Problem(name, line, 1, "", f"expected {len(header)} fields, got {len(row)}")
                )
                continue
            cells = {c: row[cols[c]].strip() for c in _CSV_COLUMNS}

            def bad(
                column: str,
                message: str,
                _line: int = line,
                _raw: str = raw,
                _cols: dict[str, int] = cols,
            ) -> None:
                problems.append(
                    Problem(name, _line, _column_of(_raw, _cols[column]), column, message)
                )

            year: int | None = None
            try:
                year = int(cells["year"])
            except ValueError:
                bad("year", f"year must be an integer, got {cells['year']!r}")
            spending: float | None = None
            try:
                spending = float(cells["spending"])
            except ValueError:
                bad("spending", f"spending must be a number, got {cells['spending']!r}")
            else:
                if not math.isfinite(spending) or spending < 0:
                    bad("spending", f"spending must be finite and >= 0, got {cells['spending']!r}")
                    spending = None
            for column in ("country", "bloc"):
                if not cells[column]:
                    bad(column, f"{column} must not be empty")
            if year is None or spending is None or not cells["country"] or not cells["bloc"]:
                continue
            country, bloc = cells["country"], cells["bloc"]
            if (year, country) in rows:
                first = rows[(year, country)][2]
                bad("country", f"duplicate row for {country!r} in {year} (first on line {first})")
                continue
            known = bloc_of.setdefault(country, (bloc, line))
            if known[0] != bloc:
                bad(
                    "bloc", f"{country!r} is in bloc {known[0]!r} on line {known[1]}, here {bloc!r}"
                )
                continue
            rows[(year, country)] = (bloc, spending, line)
    except csv.Error as exc:
        raise InputError(
            [Problem(name, reader.line_num, None, "", f"invalid CSV: {exc}")]
        ) from None
    if header is None:
        raise InputError([Problem(name, None, None, "", "empty file: no header and no rows")])
    if problems:
        raise InputError(problems)
    if not rows:
        raise InputError([Problem(name, header_line, None, "", "no data rows")])
    blocs: list[str] = []
    for bloc, _, _ in sorted(rows.values(), key=lambda r: r[2]):
        if bloc not in blocs:
            blocs.append(bloc)
    if len(blocs) != 2:
        raise InputError(
            [
                Problem(
                    name,
                    None,
                    None,
                    "bloc",
                    f"exactly two blocs are needed, found {len(blocs)}: {blocs}",
                )
            ]
        )
    years = sorted({y for y, _ in rows})
    gaps = sorted(set(range(years[0], years[-1] + 1)) - set(years))
    if gaps:
        problems.append(Problem(name, None, None, "year", f"missing years: {gaps}"))
    countries = list(bloc_of)
    missing_rows = [(c, y) for c in countries for y in years if (y, c) not in rows]
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


def read_budgets_file(path: str) -> BlocBudgets:
    """Read and check a CSV of yearly budgets from ``path`` (see :func:`read_budgets`)."""
    return read_budgets(path, read_user_text(path, MAX_FILE_BYTES))
