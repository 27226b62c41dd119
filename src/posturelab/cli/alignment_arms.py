"""Commands ``align`` (landscape theory) and ``fit richardson`` (two-bloc arms race).

``posturelab align FILE`` reads actors with sizes and a symmetric propensity matrix (or a list of
pairs) from YAML or JSON and prints the global minimum, every local minimum with its basin and the
cohesion of a named bloc. ``posturelab fit richardson BUDGETS.csv`` fits the two-bloc reduction of
Richardson's model to yearly budgets. Every input problem is reported with its file, line, column
and field path.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass, field
from typing import Annotated, Any

import numpy as np
import typer
import yaml
from rich.table import Table

from posturelab.cli.console import bold, out, print_json, styled
from posturelab.errors import InputError, Problem
from posturelab.models.alignment import (
    AlignmentParams,
    anneal,
    bloc_cohesion,
    exact_landscape,
)
from posturelab.models.arms import fit_two_bloc
from posturelab.textfile import read_user_text

#: Largest number of actors for which ``align`` enumerates the landscape (annealing beyond).
ALIGN_EXACT_LIMIT = 22
#: Input files larger than this are refused.
MAX_FILE_BYTES = 5_000_000
_TOP_KEYS = {"actors", "propensities", "pairs", "title", "description", "notes", "sources"}
_SHOWN_MINIMA = 25
#: Most actors ``align`` accepts (annealing time grows with the square of the number).
MAX_ACTORS = 500
#: Deepest nesting of lists and mappings accepted in an input file.
MAX_DEPTH = 32
_EXPONENT = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+")


# --------------------------------------------------------------------------------------------------
# Reading YAML or JSON with positions
# --------------------------------------------------------------------------------------------------


@dataclass
class _Document:
    """Plain data of a document and the 1-based (line, column) of every located path."""

    name: str
    data: Any
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)

    def problem(self, path: str, message: str) -> Problem:
        """Build a problem located at ``path`` (or at its nearest located parent)."""
        parts = path.split(".") if path else []
        for cut in range(len(parts), -1, -1):
            pos = self.positions.get(".".join(parts[:cut]))
            if pos is not None:
                return Problem(self.name, pos[0], pos[1], path, message)
        return Problem(self.name, None, None, path, message)


def _read_text(path: str) -> str:
    return read_user_text(path, MAX_FILE_BYTES)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _walk(
    node: yaml.Node, path: str, positions: dict[str, tuple[int, int]], problems: list[Problem]
) -> None:
    positions.setdefault(path, _mark(node))
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            name = str(key.value)
            sub = f"{path}.{name}" if path else name
            if name in seen:
                line, col = _mark(key)
                problems.append(
                    Problem(
                        "", line, col, sub, f"duplicate key {name!r} (first on line {seen[name]})"
                    )
                )
                continue
            seen[name] = _mark(key)[0]
            positions[sub] = _mark(key)
            _walk(value, sub, positions, problems)
    elif isinstance(node, yaml.SequenceNode):
        for k, item in enumerate(node.value):
            _walk(item, f"{path}.{k}" if path else str(k), positions, problems)


def _load_document(name: str, text: str) -> _Document:
    """Parse YAML (or JSON) text, refusing aliases and duplicate keys, keeping node positions."""
    is_json = name.lower().endswith(".json")
    if not text.strip():
        raise InputError.single(name, "empty file")
    data: Any = None
    if is_json:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError.single(
                name, f"invalid JSON: {exc.msg}", line=exc.lineno, column=exc.colno
            ) from None
        except RecursionError:
            raise InputError.single(name, "the document is nested too deeply") from None
    try:
        depth = 0
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    raise InputError.single(
                        name,
                        f"the document is nested more than {MAX_DEPTH} levels deep",
                        line=None if mark is None else mark.line + 1,
                        column=None if mark is None else mark.column + 1,
                    )
            elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                depth -= 1
            elif isinstance(event, yaml.AliasEvent):
                mark = event.start_mark
                raise InputError.single(
                    name,
                    "YAML aliases (*name) are not allowed here",
                    line=None if mark is None else mark.line + 1,
                    column=None if mark is None else mark.column + 1,
                )
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if not is_json:
            data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        if is_json:  # valid JSON that PyYAML cannot read: values are known, positions are not
            return _Document(name, data)
        mark = exc.problem_mark or exc.context_mark
        line = None if mark is None else mark.line + 1
        col = None if mark is None else mark.column + 1
        detail = exc.problem or exc.context or "syntax error"
        raise InputError.single(name, f"invalid YAML: {detail}", line=line, column=col) from None
    except yaml.YAMLError as exc:
        raise InputError.single(name, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise InputError.single(name, "the document is nested too deeply") from None
    doc = _Document(name, data)
    problems: list[Problem] = []
    if node is not None:
        try:
            _walk(node, "", doc.positions, problems)
        except RecursionError:
            raise InputError.single(name, "the document is nested too deeply") from None
    if problems:
        raise InputError(Problem(name, p.line, p.column, p.path, p.message) for p in problems)
    return doc


# --------------------------------------------------------------------------------------------------
# The alignment input
# --------------------------------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    """Return ``value`` as a float if it is a real number (not a bool), else ``None``.

    Strings in exponent notation without a dot (``1e-3``), which YAML 1.1 reads as text, count as
    numbers; integers too large for a float become infinite (and are then refused as non-finite).
    """
    if isinstance(value, str) and _EXPONENT.fullmatch(value.strip()):
        return float(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def parse_alignment(doc: _Document) -> AlignmentParams:
    """Validate an alignment document and build its parameters; all problems are reported together.

    Raises
    ------
    InputError
        With one located problem per rule broken.
    """
    problems: list[Problem] = []
    data = doc.data
    if not isinstance(data, dict):
        raise InputError([doc.problem("", "the file must hold a mapping with 'actors'")])
    for key in data:
        if str(key) not in _TOP_KEYS:
            allowed = ", ".join(sorted(_TOP_KEYS))
            problems.append(doc.problem(str(key), f"unknown key {str(key)!r} (allowed: {allowed})"))
    actors = data.get("actors")
    names: list[str] = []
    sizes: list[float] = []
    if not isinstance(actors, list):
        problems.append(doc.problem("actors", "'actors' must be a list of {name, size}"))
        actors = []
    elif len(actors) < 2:
        problems.append(doc.problem("actors", f"at least two actors are needed, got {len(actors)}"))
    elif len(actors) > MAX_ACTORS:
        problems.append(
            doc.problem("actors", f"at most {MAX_ACTORS} actors are accepted, got {len(actors)}")
        )
        actors = []
    first_seen: dict[str, int] = {}
    for k, actor in enumerate(actors):
        where = f"actors.{k}"
        if not isinstance(actor, dict):
            problems.append(
                doc.problem(where, f"an actor must be a mapping, got {_describe(actor)}")
            )
            names.append(f"#{k}")
            sizes.append(0.0)
            continue
        for key in actor:
            if str(key) not in {"name", "size"}:
                problems.append(doc.problem(f"{where}.{key}", f"unknown key {str(key)!r}"))
        name = actor.get("name")
        if not isinstance(name, str) or not name.strip():
            problems.append(
                doc.problem(
                    f"{where}.name", f"name must be a non-empty string, got {_describe(name)}"
                )
            )
            name = f"#{k}"
        name = name.strip()
        if name in first_seen:
            problems.append(
                doc.problem(
                    f"{where}.name",
                    f"duplicate actor name {name!r} (also actors.{first_seen[name]})",
                )
            )
        first_seen.setdefault(name, k)
        size = _number(actor.get("size"))
        if size is None or not math.isfinite(size) or size < 0:
            problems.append(
                doc.problem(
                    f"{where}.size",
                    f"size must be a finite number >= 0, got {_describe(actor.get('size'))}",
                )
            )
            size = 0.0
        names.append(name)
        sizes.append(size)
    n = len(names)
    p = np.zeros((n, n))
    has_matrix, has_pairs = "propensities" in data, "pairs" in data
    if has_matrix == has_pairs:
        problems.append(doc.problem("", "give exactly one of 'propensities' (a matrix) or 'pairs'"))
    elif has_matrix:
        _parse_matrix(doc, data["propensities"], n, p, problems)
    else:
        _parse_pairs(doc, data["pairs"], first_seen, p, problems)
    if problems:
        raise InputError(problems)
    return AlignmentParams(sizes=np.array(sizes), propensities=p, names=tuple(names))


def _parse_matrix(
    doc: _Document, matrix: Any, n: int, p: np.ndarray, problems: list[Problem]
) -> None:
    if not isinstance(matrix, list) or len(matrix) != n:
        got = len(matrix) if isinstance(matrix, list) else _describe(matrix)
        problems.append(doc.problem("propensities", f"must be a list of {n} rows, got {got}"))
        return
    ok = True
    for i, row in enumerate(matrix):
        if not isinstance(row, list) or len(row) != n:
            got = len(row) if isinstance(row, list) else _describe(row)
            problems.append(
                doc.problem(f"propensities.{i}", f"row must hold {n} numbers, got {got}")
            )
            ok = False
            continue
        for j, cell in enumerate(row):
            value = _number(cell)
            if value is None or not math.isfinite(value):
                problems.append(
                    doc.problem(
                        f"propensities.{i}.{j}", f"must be a finite number, got {_describe(cell)}"
                    )
                )
                ok = False
            else:
                p[i, j] = value
    if not ok:
        return
    for i in range(n):
        for j in range(i + 1, n):
            a, b = p[i, j], p[j, i]
            if abs(a - b) > 1e-9 * max(1.0, abs(a), abs(b)):
                problems.append(
                    doc.problem(
                        f"propensities.{j}.{i}",
                        f"the matrix must be symmetric: p[{j}][{i}] = {float(b)!r} "
                        f"but p[{i}][{j}] = {float(a)!r}",
                    )
                )


def _parse_pairs(
    doc: _Document, pairs: Any, index: dict[str, int], p: np.ndarray, problems: list[Problem]
) -> None:
    if not isinstance(pairs, list):
        problems.append(
            doc.problem("pairs", f"must be a list of {{a, b, p}}, got {_describe(pairs)}")
        )
        return
    seen: dict[tuple[int, int], int] = {}
    for k, pair in enumerate(pairs):
        where = f"pairs.{k}"
        if not isinstance(pair, dict):
            problems.append(doc.problem(where, f"a pair must be a mapping, got {_describe(pair)}"))
            continue
        for key in pair:
            if str(key) not in {"a", "b", "p"}:
                problems.append(doc.problem(f"{where}.{key}", f"unknown key {str(key)!r}"))
        ends: list[int] = []
        for end in ("a", "b"):
            name = pair.get(end)
            if not isinstance(name, str) or name.strip() not in index:
                problems.append(doc.problem(f"{where}.{end}", f"unknown actor {_describe(name)}"))
            else:
                ends.append(index[name.strip()])
        value = _number(pair.get("p"))
        if value is None or not math.isfinite(value):
            problems.append(
                doc.problem(
                    f"{where}.p", f"p must be a finite number, got {_describe(pair.get('p'))}"
                )
            )
        if len(ends) != 2 or value is None or not math.isfinite(value):
            continue
        i, j = ends
        if i == j:
            problems.append(doc.problem(f"{where}.b", "a pair needs two different actors"))
            continue
        key2 = (min(i, j), max(i, j))
        if key2 in seen:
            problems.append(doc.problem(where, f"pair listed twice (also pairs.{seen[key2]})"))
            continue
        seen[key2] = k
        p[i, j] = p[j, i] = value


def _parse_bloc(text: str, names: tuple[str, ...]) -> list[int]:
    index = {name: k for k, name in enumerate(names)}
    members = [m.strip() for m in text.split(",") if m.strip()]
    problems = []
    for m in members:
        if m not in index:
            problems.append(Problem("<command line>", None, None, "--bloc", f"unknown actor {m!r}"))
    if len(set(members)) != len(members):
        problems.append(Problem("<command line>", None, None, "--bloc", "an actor is named twice"))
    if len(members) < 2:
        problems.append(
            Problem(
                "<command line>", None, None, "--bloc", f"a bloc needs two actors, got {text!r}"
            )
        )
    if problems:
        raise InputError(problems)
    return [index[m] for m in members]


def _sides(sides: np.ndarray, names: tuple[str, ...]) -> list[list[str]]:
    return [[names[i] for i in range(len(names)) if int(sides[i]) == s] for s in (0, 1)]


def _clean(value: float) -> float | None:
    return value if math.isfinite(value) else None


def align_report(params: AlignmentParams, bloc: list[int] | None, seed: int) -> dict[str, Any]:
    """Solve an alignment problem and return the JSON-ready report."""
    names = params.names
    n = params.n_actors
    report: dict[str, Any] = {
        "actors": [
            {"name": nm, "size": float(s)} for nm, s in zip(names, params.sizes, strict=True)
        ]
    }
    if n <= ALIGN_EXACT_LIMIT:
        land = exact_landscape(params)
        report["method"] = "exact"
        report["configurations"] = 1 << (n - 1)
        report["global"] = {
            "sides": _sides(land.sides(land.global_code), names),
            "energy": land.global_energy,
        }
        report["minima"] = [
            {"sides": _sides(land.sides(int(c)), names), "energy": float(e), "basin": int(b)}
            for c, e, b in zip(land.minima, land.minimum_energies, land.basins, strict=True)
        ]
        if bloc is None:
            report["cohesion"] = None
        else:
            coh = bloc_cohesion(land, bloc)
            report["cohesion"] = {
                "bloc": [names[i] for i in coh.bloc],
                "cohesion": coh.cohesion,
                "together_energy": coh.together_energy,
                "split_energy": coh.split_energy,
                "global_splits_bloc": coh.global_splits,
                "cheapest_together": {"sides": _sides(land.sides(coh.together_code), names)},
                "cheapest_split": {"sides": _sides(land.sides(coh.split_code), names)},
            }
    else:
        found = anneal(params, np.random.default_rng(seed))
        report["method"] = "annealing"
        report["seed"] = seed
        report["global"] = {"sides": _sides(found.sides, names), "energy": found.energy}
        report["minima"] = []
        report["cohesion"] = None
    return report


def _print_align(report: dict[str, Any]) -> None:
    n = len(report["actors"])
    if report["method"] == "exact":
        head = f"{n} actors; exact search over {report['configurations']:,} configurations"
    else:
        head = (
            f"{n} actors; more than {ALIGN_EXACT_LIMIT}, so simulated annealing (seed "
            f"{report['seed']}): the best configuration found, minima not enumerated"
        )
    out.print(styled(head))
    g = report["global"]
    out.print(bold(f"Global minimum: E = {g['energy']:.6g}"))
    for k, side in enumerate(g["sides"], start=1):
        out.print(styled(f"  side {k}: {', '.join(side) or '(empty)'}"))
    minima = report["minima"]
    if minima:
        total = sum(m["basin"] for m in minima)
        table = Table(title=f"Local minima ({len(minima)})", title_justify="left")
        for col in ("#", "energy", "basin", "share", "side 1", "side 2"):
            table.add_column(
                col, justify="right" if col in {"#", "energy", "basin", "share"} else "left"
            )
        for k, m in enumerate(minima[:_SHOWN_MINIMA], start=1):
            table.add_row(
                str(k),
                f"{m['energy']:.6g}",
                f"{m['basin']:,}",
                f"{m['basin'] / total:.1%}",
                styled(", ".join(m["sides"][0])),
                styled(", ".join(m["sides"][1])),
            )
        out.print(table)
        if len(minima) > _SHOWN_MINIMA:
            out.print(styled(f"… and {len(minima) - _SHOWN_MINIMA} more (see --json)"))
    coh = report["cohesion"]
    if coh is not None:
        bloc = ", ".join(coh["bloc"])
        state = "splits the bloc" if coh["global_splits_bloc"] else "keeps the bloc together"
        out.print(bold(f"Cohesion of bloc {{{bloc}}}: {coh['cohesion']:.6g}"))
        out.print(
            styled(
                f"  the global minimum {state}; cheapest configuration with the bloc "
                f"together: "
                f"E = {coh['together_energy']:.6g}; cheapest split: E = {coh['split_energy']:.6g}"
            )
        )


def align_command(
    file: Annotated[str, typer.Argument(help="YAML or JSON file with actors and propensities.")],
    bloc: Annotated[
        str | None,
        typer.Option("--bloc", help="Comma-separated actor names whose cohesion to report."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    seed: Annotated[
        int,
        typer.Option(
            "--seed", help=f"Seed of the annealing used above {ALIGN_EXACT_LIMIT} actors."
        ),
    ] = 0,
) -> None:
    """Predict alignments by landscape theory (Axelrod & Bennett 1993): minima, basins, cohesion."""
    doc = _load_document(file, _read_text(file))
    params = parse_alignment(doc)
    members = None if bloc is None else _parse_bloc(bloc, params.names)
    if members is not None and params.n_actors > ALIGN_EXACT_LIMIT:
        raise InputError.single(
            "<command line>",
            f"--bloc needs the exact search, which handles at most {ALIGN_EXACT_LIMIT} actors "
            f"(this file has {params.n_actors})",
            path="--bloc",
        )
    report = align_report(params, members, seed)
    if as_json:
        print_json(report)
    else:
        _print_align(report)


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


def richardson_command(
    budgets: Annotated[str, typer.Argument(help="CSV with columns year,country,bloc,spending.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Fit Richardson's two-bloc reduction d(U+V)/dt = (k − α)(U+V) + (g + h) to yearly budgets."""
    data = read_budgets(budgets, _read_text(budgets))
    try:
        fit = fit_two_bloc(data.years, data.totals[0], data.totals[1])
    except ValueError as exc:
        raise InputError.single(budgets, str(exc), path="spending") from None
    report: dict[str, Any] = {
        "slope": fit.slope,
        "zero_point": _clean(fit.zero_point),
        "intercept": fit.intercept,
        "r2": _clean(fit.r2),
        "years": list(fit.years),
        "blocs": list(data.blocs),
        "continuous_rate": _clean(fit.continuous_rate),
    }
    if as_json:
        print_json(report)
        return
    _print_fit(report, data)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.6g}"


def _print_fit(report: dict[str, Any], data: BlocBudgets) -> None:
    u_name, v_name = data.blocs
    table = Table(title="Yearly totals", title_justify="left")
    for col in ("year", u_name, v_name, "total", "increment"):
        table.add_column(styled(col), justify="right")
    u, v = data.totals
    for k, year in enumerate(data.years):
        inc = "" if k + 1 == len(data.years) else f"{(u[k + 1] + v[k + 1]) - (u[k] + v[k]):.6g}"
        table.add_row(str(year), f"{u[k]:.6g}", f"{v[k]:.6g}", f"{u[k] + v[k]:.6g}", inc)
    out.print(table)
    zero = report["zero_point"]
    shift = "n/a" if zero is None else (f"− {zero:.6g}" if zero >= 0 else f"+ {-zero:.6g}")
    out.print(
        bold(
            f"increment = {report['slope']:.6g} · (total {shift})   "
            f"[intercept {report['intercept']:.6g}, R² {_fmt(report['r2'])}]"
        )
    )
    rate, zero = report["continuous_rate"], report["zero_point"]
    grievance = None if rate is None or zero is None else -rate * zero
    out.print(
        styled(f"continuous model: k − α ≈ {_fmt(rate)} a year, g + h ≈ {_fmt(grievance)} a year")
    )


def register(app: typer.Typer, fit_app: typer.Typer) -> None:
    """Add ``align`` to ``app`` and ``richardson`` to ``fit_app``."""
    app.command("align")(align_command)
    fit_app.command("richardson")(richardson_command)
