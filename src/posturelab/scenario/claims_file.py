"""Claims from another analysis, audited against an existing scenario (``--claims FILE``).

A claims file holds ``sources:`` (the analysis the claims come from, each with the fields of a
scenario's source) and ``claims:`` with the schema of a scenario's ``claims`` section
(:class:`~posturelab.scenario.schema.Claim`). It is read with the project's one YAML policy
(:mod:`posturelab.scenario.yamlfile`) and checked as if its sources were added to the scenario's
and its claims replaced the scenario's: every source a claim cites must be one of the file's
sources or the scenario's, every lever a claim sets must be one of the scenario's levers with a
value in its domain, every indicator must be one the scenario's engine emits, every horizon must
lie in the scenario's period. Every problem is located in the claims file
(``FILE:LINE:COL: claims.0.indicator: message``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError

from posturelab.engine.indicators import reference_problems
from posturelab.errors import InputError, Problem, ScenarioError
from posturelab.scenario.consistency import check_consistency
from posturelab.scenario.loader import LoadedScenario, pydantic_problems, sorted_problems
from posturelab.scenario.primitives import Strict
from posturelab.scenario.references import check_references
from posturelab.scenario.schema import Claim, Scenario
from posturelab.scenario.schema_world import Source
from posturelab.scenario.yamlfile import Located, check_encodable, decode, load_yaml
from posturelab.textfile import file_kind


class ClaimsDocument(Strict):
    """The shape of a claims file: its own sources and the claims that cite them."""

    sources: Annotated[list[Source], Field(min_length=1)]
    claims: Annotated[list[Claim], Field(min_length=1)]


@dataclass(frozen=True)
class ClaimsFile:
    """A validated claims file and the scenario it is audited against.

    Attributes
    ----------
    origin, sha256
        The file's name as given and the SHA-256 of its text.
    sources, claims
        The file's sources and claims.
    scenario
        The scenario with the file's sources added and its claims replaced by the file's: what
        the claim audit runs.
    """

    origin: str
    sha256: str
    sources: tuple[Source, ...]
    claims: tuple[Claim, ...]
    scenario: Scenario


def read_claims_file(path: str | Path, loaded: LoadedScenario) -> ClaimsFile:
    """Read and check a claims file against ``loaded`` (see the module docstring).

    Raises
    ------
    ScenarioError
        Every problem of the file, located; or a path that is not a readable file.
    """
    name = str(path)
    where = Path(name)
    if not where.is_file():
        kind = file_kind(where)
        what = "file not found" if kind is None else f"is {kind}, not a file"
        raise ScenarioError([Problem(name, None, None, "", what)])
    try:
        raw = where.read_bytes()
    except OSError as exc:
        problem = Problem(name, None, None, "", f"cannot read: {exc.strerror}")
        raise ScenarioError([problem]) from None
    return parse_claims(raw, name, loaded)


def parse_claims(raw: bytes | str, name: str, loaded: LoadedScenario) -> ClaimsFile:
    """Check the text of a claims file against ``loaded``; see :func:`read_claims_file`."""
    import hashlib

    try:
        text = raw if isinstance(raw, str) else decode(raw, name)
        check_encodable(text, name)
        located = load_yaml(text, name)
    except InputError as exc:
        raise ScenarioError(exc.problems) from None
    if not isinstance(located.data, dict):
        raise ScenarioError(
            [Problem(name, 1, 1, "", "a claims file is a YAML mapping with sources: and claims:")]
        )
    try:
        document = ClaimsDocument.model_validate(located.data)
    except ValidationError as exc:
        raise ScenarioError(sorted_problems(pydantic_problems(exc, located, name))) from None
    scenario = _audited(located, name, loaded)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return ClaimsFile(name, digest, tuple(document.sources), tuple(document.claims), scenario)


def _audited(located: Located, name: str, loaded: LoadedScenario) -> Scenario:
    """The scenario with the file's sources added and its claims in place of its own."""
    base = load_yaml(loaded.text, loaded.origin).data
    own = [s.id for s in loaded.scenario.sources]
    problems: list[Problem] = []
    for i, source in enumerate(located.data["sources"]):
        if source.get("id") in own:
            line, column = located.position(("sources", i, "id"))
            problems.append(
                Problem(
                    name, line, column, f"sources.{i}.id",
                    f"the scenario already has a source {source['id']!r}: cite it as it is, or "
                    "give this one another id",
                )
            )  # fmt: skip
    if problems:
        raise ScenarioError(problems)
    data: dict[str, Any] = dict(base)
    data["sources"] = [*base["sources"], *located.data["sources"]]
    data["claims"] = located.data["claims"]
    offset = len(base["sources"])

    def locate(path: tuple[str | int, ...]) -> Problem | None:
        """Where a problem of the combined scenario lies in the claims file (``None``: nowhere)."""
        if path[:1] == ("claims",):
            return Problem(name, *located.position(path), _dotted(path), "")
        index = path[1] if path[:1] == ("sources",) and len(path) > 1 else None
        if isinstance(index, int) and index >= offset:
            moved = ("sources", index - offset, *path[2:])
            return Problem(name, *located.position(moved), _dotted(moved), "")
        return None

    found = list(check_references(data))
    scenario: Scenario | None = None
    if not found:
        try:
            scenario = Scenario.model_validate(data)
        except ValidationError as exc:
            for p in pydantic_problems(exc, Located(data, {}), name):
                path = tuple(int(k) if k.isdigit() else k for k in p.path.split(".") if k)
                found.append((path, p.message))
    if scenario is not None and not found:
        found = [*reference_problems(scenario), *check_consistency(scenario)]
    for path, message in found:
        at = locate(path)
        if at is None:  # a problem of the scenario itself, which loaded cleanly
            at = Problem(loaded.origin, None, None, _dotted(path), "")
        problems.append(Problem(at.file, at.line, at.column, at.path, message))
    if problems or scenario is None:
        raise ScenarioError(sorted_problems(problems))
    return scenario


def _dotted(path: tuple[str | int, ...]) -> str:
    return ".".join(str(p) for p in path)
