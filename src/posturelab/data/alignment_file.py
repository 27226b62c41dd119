"""Alignment problems read from YAML or JSON: actors with sizes, propensities or pairs.

:func:`read_alignment_file` reads a file into :class:`~posturelab.models.alignment.AlignmentParams`;
every problem is reported with its file, line, column and field path. :func:`parse_bloc` reads a
comma-separated list of actor names.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import yaml

from posturelab.errors import InputError, Problem
from posturelab.models.alignment import AlignmentParams
from posturelab.textfile import read_user_text

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


def read_alignment_file(path: str) -> AlignmentParams:
    """Read and check an alignment problem from a YAML or JSON file.

    Raises
    ------
    InputError
        Every problem, located by file, line, column and field path.
    """
    return parse_alignment(_load_document(path, _read_text(path)))
