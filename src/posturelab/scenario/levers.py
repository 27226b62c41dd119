"""Lever settings: defaults, named variants and ``--set LEVER=VALUE`` overrides.

Every override is checked against the lever's domain here, at the boundary; all problems are
reported together as a :class:`~posturelab.errors.ScenarioError` located at ``<command line>`` with
the option that caused them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from posturelab.errors import Problem, ScenarioError
from posturelab.scenario.schema import Lever, LeverValue, Scenario, as_number

COMMAND_LINE = "<command line>"


def parse_value(lever: Lever, text: str) -> LeverValue:
    """Convert the text of ``--set LEVER=TEXT`` to the lever's type (unchecked domain)."""
    value = text.strip()
    match lever.kind:
        case "bool":
            lowered = value.lower()
            if lowered in ("true", "yes", "on", "1"):
                return True
            if lowered in ("false", "no", "off", "0"):
                return False
            return value
        case "number":
            number: LeverValue = as_number(value)
            return number
        case _:
            return value


def parse_assignments(
    scenario: Scenario, assignments: Iterable[str], option: str = "--set"
) -> dict[str, LeverValue]:
    """Parse ``LEVER=VALUE`` strings into checked lever values.

    Raises
    ------
    ScenarioError
        Listing every malformed assignment, unknown lever or value outside a lever's domain.
    """
    levers = {lever.id: lever for lever in scenario.levers}
    values: dict[str, LeverValue] = {}
    problems: list[Problem] = []
    for text in assignments:
        name, sep, raw = text.partition("=")
        name = name.strip()
        where = f"{option} {text}"
        if not sep or not name:
            problems.append(Problem(COMMAND_LINE, None, None, where, "expected LEVER=VALUE"))
            continue
        lever = levers.get(name)
        if lever is None:
            known = ", ".join(sorted(levers)) or "none"
            problems.append(
                Problem(
                    COMMAND_LINE, None, None, where, f"unknown lever {name!r} (levers: {known})"
                )
            )
            continue
        value = parse_value(lever, raw)
        problem = lever.check(value)
        if problem:
            problems.append(Problem(COMMAND_LINE, None, None, where, f"lever {name!r} {problem}"))
            continue
        values[name] = value
    if problems:
        raise ScenarioError(problems)
    return values


def resolve_levers(
    scenario: Scenario,
    overrides: Mapping[str, LeverValue] | None = None,
    variant: str | None = None,
) -> dict[str, LeverValue]:
    """Return a value for every lever: defaults, then a named variant, then ``overrides``."""
    values = scenario.lever_defaults()
    if variant is not None:
        found = {v.id: v for v in scenario.variants}
        if variant not in found:
            known = ", ".join(sorted(found)) or "none"
            raise ScenarioError(
                [
                    Problem(
                        COMMAND_LINE,
                        None,
                        None,
                        "--variant",
                        f"unknown variant {variant!r} (variants: {known})",
                    )
                ]
            )
        values.update(found[variant].set)
    values.update(overrides or {})
    problems = [
        Problem(COMMAND_LINE, None, None, lever.id, f"lever {lever.id!r} {message}")
        for lever in scenario.levers
        if (message := lever.check(values[lever.id]))
    ]
    if problems:
        raise ScenarioError(problems)
    return values
