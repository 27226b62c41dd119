"""Loading scenarios: files or built-ins, validated once, with every problem located.

``load_scenario`` is the boundary: it returns a frozen, fully checked
:class:`~posturelab.scenario.schema.Scenario` or raises a
:class:`~posturelab.errors.ScenarioError` listing every problem found as
``FILE:LINE:COL: field.path: message``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from posturelab.defaults import DEFAULT_SCENARIO as DEFAULT_SCENARIO
from posturelab.engine.indicators import reference_problems
from posturelab.errors import InputError, Problem, ScenarioError
from posturelab.scenario.consistency import check_consistency
from posturelab.scenario.library_index import LIBRARY_PACKAGE as LIBRARY_PACKAGE
from posturelab.scenario.library_index import builtin_ids as builtin_ids
from posturelab.scenario.references import check_references
from posturelab.scenario.schema import Scenario
from posturelab.scenario.yamlfile import Located, check_encodable, decode, load_yaml
from posturelab.textfile import file_kind


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario with where it came from and a hash of its text."""

    scenario: Scenario
    origin: str
    sha256: str
    text: str


def read_source(ref: str | Path) -> tuple[bytes, str]:
    """Return the raw bytes of a built-in id or a file path, and its display name."""
    text_ref = str(ref)
    if text_ref in builtin_ids():
        data = resources.files(LIBRARY_PACKAGE).joinpath(f"{text_ref}.yaml").read_bytes()
        return data, f"<built-in:{text_ref}>"
    path = Path(text_ref)
    if path.is_file():
        try:
            return path.read_bytes(), text_ref
        except OSError as exc:
            raise ScenarioError(
                [Problem(text_ref, None, None, "", f"cannot read: {exc.strerror}")]
            ) from None
    known = ", ".join(builtin_ids())
    kind = file_kind(path)
    what = (
        f"is {kind}, not a scenario file"
        if kind is not None
        else "no such file or built-in scenario"
    )
    raise ScenarioError([Problem(text_ref, None, None, "", f"{what} (built-ins: {known})")])


def load_scenario(ref: str | Path = DEFAULT_SCENARIO) -> LoadedScenario:
    """Load and validate a built-in scenario (by id) or a scenario file (by path)."""
    raw, name = read_source(ref)
    return parse_scenario(raw, name)


def parse_scenario(raw: bytes | str, name: str = "<scenario>") -> LoadedScenario:
    """Validate scenario text; raise :class:`ScenarioError` with every problem located."""
    try:
        text = raw if isinstance(raw, str) else decode(raw, name)
        check_encodable(text, name)
    except InputError as exc:
        raise ScenarioError(exc.problems) from None
    try:
        located = load_yaml(text, name)
    except InputError as exc:
        raise ScenarioError(exc.problems) from None
    if not isinstance(located.data, dict):
        raise ScenarioError(
            [Problem(name, 1, 1, "", f"a scenario is a YAML mapping, got {_kind(located.data)}")]
        )
    problems: list[Problem] = []
    scenario: Scenario | None = None
    try:
        scenario = Scenario.model_validate(located.data)
    except ValidationError as exc:
        problems.extend(pydantic_problems(exc, located, name))
    found = check_references(located.data)
    if scenario is not None and not problems and not found:
        # What a scenario may name as an indicator is what the engine's components emit for it,
        # so this check needs a valid scenario (see docs/architecture.md).
        found = reference_problems(scenario)
    for path, message in found:
        line, col = located.position(path)
        problems.append(Problem(name, line, col, _dotted(path), message))
    if scenario is not None and not problems:
        for path, message in check_consistency(scenario):
            line, col = located.position(path)
            problems.append(Problem(name, line, col, _dotted(path), message))
    if problems or scenario is None:
        raise ScenarioError(sorted_problems(problems))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return LoadedScenario(scenario, name, digest, text)


def _kind(value: Any) -> str:
    return {
        list: "a list",
        str: "a string",
        int: "a number",
        float: "a number",
        bool: "a boolean",
    }.get(type(value), type(value).__name__)


def _dotted(path: tuple[str | int, ...]) -> str:
    return ".".join(str(p) for p in path)


def _data_path(data: Any, loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """Map a pydantic error location onto the data's own path (dropping union-tag elements)."""
    path: list[str | int] = []
    node = data
    for i, element in enumerate(loc):
        in_dict = isinstance(node, dict) and element in node
        in_list = isinstance(node, list) and isinstance(element, int) and 0 <= element < len(node)
        if in_dict or in_list:
            node = node[element]
            path.append(element)
        elif isinstance(element, str) and (
            "[" in element or (isinstance(node, dict) and node.get("kind") == element)
        ):
            continue  # a union tag or validator name, not a key of the file
        elif i == len(loc) - 1:
            path.append(element)  # a missing key: point at its parent, name the key
        else:
            path.append(element)
            node = None
    return tuple(path)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def pydantic_problems(exc: ValidationError, located: Located, name: str) -> list[Problem]:
    """Each of a pydantic validation's errors as a problem located in the document ``located``."""
    problems: list[Problem] = []
    for error in exc.errors(include_url=False):
        path = _data_path(located.data, tuple(error["loc"]))
        kind = error["type"]
        message = str(error["msg"])
        if message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        elif message.startswith("Assertion failed, "):
            message = message.removeprefix("Assertion failed, ")
        if kind == "extra_forbidden":
            message = f"unknown key {path[-1]!r} is not allowed here (a typo?)"
        elif kind == "missing":
            message = f"required key {path[-1]!r} is missing"
        elif kind not in ("value_error", "assertion_error") and "input" in error:
            message = f"{message}, got {_shown(error['input'])}"
        lookup = path[:-1] if kind == "missing" else path
        line, col = located.position(lookup)
        problems.append(Problem(name, line, col, _dotted(path), message))
    return problems


def sorted_problems(problems: list[Problem]) -> list[Problem]:
    """The problems without repeats, in the order of the file (line, column, path)."""
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.line or 0, p.column or 0, p.path))


def parameter_position(loaded: LoadedScenario, dotted: str) -> tuple[int | None, int | None]:
    """Where the number ``dotted`` (such as ``contests.red_attack.beta``) is in the scenario text.

    A segment of ``dotted`` names a key of a mapping, or the ``id`` (or index) of a list item;
    the position is that of the longest prefix found, ``(None, None)`` when none is.

    >>> korea = load_scenario("korea-2025")
    >>> parameter_position(korea, "contests.dprk_attack.beta")[0] > 1
    True
    """
    located = load_yaml(loaded.text, loaded.origin)
    node: Any = located.data
    path: list[str | int] = []
    for segment in dotted.split("."):
        if isinstance(node, dict) and segment in node:
            step: str | int = segment
        elif isinstance(node, list):
            ids = [item.get("id") if isinstance(item, dict) else None for item in node]
            if segment in ids:
                step = ids.index(segment)
            elif segment.isdigit() and int(segment) < len(node):
                step = int(segment)
            else:
                break
        else:
            break
        path.append(step)
        node = node[step]
    return located.position(tuple(path))
