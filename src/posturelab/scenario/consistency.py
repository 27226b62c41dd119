"""Checks across a validated scenario's parts that later commands would otherwise trip over.

They run once the scenario has passed structural validation and the reference checks, so that
``validate`` refuses everything ``run``, ``claims`` and the API would refuse later:

- every lever value a claim (``base``, ``treatment``) or a variant (``set``) gives lies inside its
  lever's domain, as ``--set LEVER=VALUE`` would require;
- a contest's attacker, defender and patron are three different actors;
- a relation is not in force before it is signed, and does not end before it is signed or in
  force;
- events and claim horizons lie inside the scenario's period;
- the ``structure`` section names known relations, forms, terms and contests, and each
  relation's weights sum to 1 (:mod:`posturelab.scenario.schema_structure`).

Each check yields ``(path, message)`` pairs; the loader locates them in the file.
"""

from __future__ import annotations

from collections.abc import Iterator

from posturelab.scenario.schema import Scenario, month_index, month_of
from posturelab.scenario.schema_structure import structure_problems

Path = tuple[str | int, ...]
Found = Iterator[tuple[Path, str]]


def check_consistency(scenario: Scenario) -> list[tuple[Path, str]]:
    """Return every inconsistency between the parts of a structurally valid ``scenario``."""
    found: list[tuple[Path, str]] = []
    for check in (_lever_settings, _contest_actors, _relation_dates, _period):
        found.extend(check(scenario))
    found.extend(structure_problems(scenario.structure, {c.id for c in scenario.contests}))
    return found


def _lever_settings(scenario: Scenario) -> Found:
    levers = {lever.id: lever for lever in scenario.levers}
    sections: list[tuple[str, int, str, dict[str, object]]] = []
    for i, claim in enumerate(scenario.claims):
        sections.append(("claims", i, "base", dict(claim.base)))
        sections.append(("claims", i, "treatment", dict(claim.treatment)))
    for i, variant in enumerate(scenario.variants):
        sections.append(("variants", i, "set", dict(variant.set)))
    for section, i, field, settings in sections:
        for key, value in settings.items():
            lever = levers.get(key)
            if lever is None:
                continue  # an unknown lever is reported by the reference checks
            problem = lever.check(value)  # type: ignore[arg-type]
            if problem:
                yield (section, i, field, key), f"lever {key!r} {problem}"


def _contest_actors(scenario: Scenario) -> Found:
    for i, c in enumerate(scenario.contests):
        if c.attacker == c.defender:
            yield (
                ("contests", i, "defender"),
                f"the defender must differ from the attacker, both are {c.attacker!r}",
            )
        if c.patron is not None and c.patron in (c.attacker, c.defender):
            role = "attacker" if c.patron == c.attacker else "defender"
            yield (
                ("contests", i, "patron"),
                f"the patron must differ from the {role}, both are {c.patron!r}",
            )


def _relation_dates(scenario: Scenario) -> Found:
    for i, r in enumerate(scenario.relations):
        if r.signed and r.in_force and r.in_force < r.signed:
            yield (
                ("relations", i, "in_force"),
                f"in force ({r.in_force}) before it is signed ({r.signed})",
            )
        for name, start in (("signed", r.signed), ("in force", r.in_force)):
            if r.ends and start and r.ends < start:
                yield (("relations", i, "ends"), f"ends ({r.ends}) before it is {name} ({start})")
                break


def _period(scenario: Scenario) -> Found:
    start, end = scenario.meta.start, scenario.meta.end
    first, last = month_index(start), month_index(end)
    for i, e in enumerate(scenario.events):
        if not first <= month_index(month_of(e.date)) <= last:
            yield (
                ("events", i, "date"),
                f"event date {e.date} lies outside the scenario period {start} to {end}",
            )
    for i, c in enumerate(scenario.claims):
        if c.horizon is not None and not first <= month_index(c.horizon) <= last:
            yield (
                ("claims", i, "horizon"),
                f"horizon {c.horizon} lies outside the scenario period {start} to {end}",
            )
