"""A scenario compiled for the engine: flat parameter names, index tables and monthly schedules.

Compilation happens once per run, after validation; the result is plain, picklable data that the
vectorised monthly step reads. Lever settings are resolved here too, so the step never looks a lever
up by name: it reads the values bound to lever *roles* (:data:`posturelab.registry.LEVER_ROLES`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel

from posturelab.engine import arms_race, blocs
from posturelab.registry import objective_slug
from posturelab.scenario.quantity import Quantity
from posturelab.scenario.schema import (
    LeverValue,
    Reinforcement,
    Scenario,
    month_index,
    month_of,
)


def catalogue(scenario: Scenario) -> dict[str, Quantity]:
    """Return every number of a scenario by a stable dotted name.

    The name is the path to the number through the scenario, where a list item is named by its
    ``id`` (or ``A-B`` for items with ``a`` and ``b``, the ``patron`` for theatre policies, else
    its index) and a field called ``value`` is left out. Examples: ``actors.dprk.personnel``,
    ``forces.kpa_ground.equipment.tanks``, ``scoring.weights.artillery``,
    ``distances.camp_humphreys-guam.km``, ``propensities.dprk-rus``,
    ``contests.dprk_attack.campaign_terms.rho``, ``events.rok_election.effects.0.personnel``,
    ``parameters.bloc_cohesion``.
    """
    out: dict[str, Quantity] = {}
    _collect(scenario, "", out)
    return out


def _item_name(item: object, index: int) -> str:
    ident = getattr(item, "id", None)
    if isinstance(ident, str):
        return ident
    a, b = getattr(item, "a", None), getattr(item, "b", None)
    if isinstance(a, str) and isinstance(b, str):
        return f"{a}-{b}"
    patron = getattr(item, "patron", None)
    return patron if isinstance(patron, str) else str(index)


def _collect(node: object, prefix: str, out: dict[str, Quantity]) -> None:
    if isinstance(node, Quantity):
        out[prefix] = node
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            path = prefix if name == "value" else (f"{prefix}.{name}" if prefix else name)
            _collect(getattr(node, name), path, out)
    elif isinstance(node, list | tuple):
        for index, item in enumerate(node):
            _collect(item, f"{prefix}.{_item_name(item, index)}", out)
    elif isinstance(node, dict):
        for key, item in node.items():
            _collect(item, f"{prefix}.{key}", out)


@dataclass(frozen=True)
class ForceTable:
    """Index arrays over the scenario's forces (F of them)."""

    ids: tuple[str, ...]
    actor: tuple[str, ...]
    theatre: tuple[str | None, ...]
    relocatable: NDArray[np.bool_]


@dataclass(frozen=True)
class ReinforcementSpec:
    """A reinforcement resolved for the engine: what arrives, from where, and whose it is."""

    id: str
    actor: str
    force: int  # index of the force a share of which arrives, or -1 for a pre-scored lethality
    distance: str | None  # catalogue name of the origin-destination distance, if any
    origin_theatre: str | None
    to_theatre: str | None


@dataclass(frozen=True)
class EntrapmentSpec:
    """An ally that a contest's war may draw in, and the command relation that decides it."""

    index: int
    actor: str
    command: str


@dataclass(frozen=True)
class ContestSpec:
    """A contest with its force selections resolved to index arrays over forces."""

    id: str
    attacker: str
    defender: str
    patron: str | None
    theatre: str
    patron_theatres: tuple[str, ...]
    partner_relations: tuple[str, ...]
    priority: int
    attacker_forces: NDArray[np.int64]
    defender_forces: NDArray[np.int64]
    patron_forces: NDArray[np.int64]
    patron_home_forces: NDArray[np.int64]  # the patron's forces in the contest's own theatre
    campaign: str = "ratio"
    objective: str | None = None  # catalogue name of the objective depth
    attacker_reinforcements: tuple[ReinforcementSpec, ...] = ()
    defender_reinforcements: tuple[ReinforcementSpec, ...] = ()
    strike_forces: NDArray[np.int64] | None = None
    entrapment: tuple[EntrapmentSpec, ...] = ()


@dataclass(frozen=True)
class PersonnelChange:
    """A dated change of one force's personnel (an event effect)."""

    month: int
    force: int
    parameter: str


@dataclass(frozen=True)
class CompiledScenario:
    """Everything the monthly step needs, resolved from a validated scenario and lever settings."""

    scenario_id: str
    months: tuple[str, ...]
    quantities: dict[str, Quantity]
    uncertain: tuple[str, ...]
    forces: ForceTable
    contests: tuple[ContestSpec, ...]
    relation_active: NDArray[np.bool_]
    relation_ids: tuple[str, ...]
    vacuum: NDArray[np.bool_]
    actor_ids: tuple[str, ...]
    personnel_changes: tuple[PersonnelChange, ...]
    levers: dict[str, LeverValue]
    roles: dict[str, LeverValue] = field(default_factory=dict)
    alignment: blocs.AlignmentSpec | None = None
    arms: arms_race.ArmsSpec | None = None
    equipment_classes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    campaign_days: dict[str, int] = field(default_factory=dict)
    campaign_objective: dict[str, str] = field(default_factory=dict)
    policy_patrons: tuple[str, ...] = ()
    pooled_theatres: dict[str, tuple[str, ...]] = field(default_factory=dict)
    jfhq_origin_theatre: dict[str, str | None] = field(default_factory=dict)
    vacuum_actor_index: dict[str, int] = field(default_factory=dict)

    @property
    def n_months(self) -> int:
        """Number of simulated months."""
        return len(self.months)

    def month_number(self, month: str) -> int:
        """Return the index of ``YYYY-MM`` in the run (may be < 0 or >= n_months)."""
        return month_index(month) - month_index(self.months[0])


def _month_list(start: str, end: str) -> tuple[str, ...]:
    first, last = month_index(start), month_index(end)
    return tuple(f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(first, last + 1))


def _first_month(date: dt.date | None, months: tuple[str, ...]) -> int:
    """Index of the month a date falls in; before the start gives a negative index."""
    if date is None:
        return -(10**6)
    return month_index(month_of(date)) - month_index(months[0])


def compile_scenario(scenario: Scenario, levers: Mapping[str, LeverValue]) -> CompiledScenario:
    """Resolve a validated scenario and complete lever settings into engine tables.

    Parameters
    ----------
    scenario
        A validated scenario.
    levers
        A value for every lever of the scenario (defaults merged with overrides).
    """
    months = _month_list(scenario.meta.start, scenario.meta.end)
    n_months = len(months)
    quantities = catalogue(scenario)
    uncertain = tuple(sorted(name for name, q in quantities.items() if q.is_uncertain))

    location_theatre = {loc.id: loc.theatre for loc in scenario.locations}
    forces = ForceTable(
        ids=tuple(f.id for f in scenario.forces),
        actor=tuple(f.actor for f in scenario.forces),
        theatre=tuple(location_theatre.get(f.location) for f in scenario.forces),
        relocatable=np.array([f.relocatable for f in scenario.forces], dtype=bool),
    )

    relation_ids = tuple(r.id for r in scenario.relations)
    active = np.zeros((n_months, len(relation_ids)), dtype=bool)
    for j, relation in enumerate(scenario.relations):
        begins = _first_month(relation.in_force or relation.signed, months)
        ends = n_months if relation.ends is None else _first_month(relation.ends, months)
        active[max(begins, 0) : max(min(ends, n_months), 0), j] = True

    actor_ids = tuple(a.id for a in scenario.actors)
    vacuum = np.zeros((n_months, len(actor_ids)), dtype=bool)
    for i, actor in enumerate(scenario.actors):
        vacuum[:, i] = actor.leadership_vacuum

    changes: list[PersonnelChange] = []
    force_index = {f: i for i, f in enumerate(forces.ids)}
    for event in sorted(scenario.events, key=lambda e: e.date):
        month = _first_month(event.date, months)
        for j, effect in enumerate(event.effects):
            at = max(month, 0)
            if effect.kind == "relation_in_force":
                active[at:, relation_ids.index(effect.relation)] = True
            elif effect.kind == "relation_ends":
                active[at:, relation_ids.index(effect.relation)] = False
            elif effect.kind == "leadership_vacuum_ends":
                vacuum[at:, actor_ids.index(effect.actor)] = False
            elif effect.kind == "force_personnel" and month < n_months:
                changes.append(
                    PersonnelChange(
                        at, force_index[effect.force], f"events.{event.id}.effects.{j}.personnel"
                    )
                )

    location_of = {loc.id: loc for loc in scenario.locations}
    distance_name = {}
    for d in scenario.distances:
        distance_name[frozenset((d.a, d.b))] = f"distances.{d.a}-{d.b}.km"

    def reinforcement(r: object) -> ReinforcementSpec:
        assert isinstance(r, Reinforcement)
        origin = location_of[r.origin].theatre if r.origin else None
        return ReinforcementSpec(
            id=r.id,
            actor=r.actor,
            force=force_index[r.force] if r.force else -1,
            distance=distance_name.get(frozenset((r.origin, r.to))) if r.origin else None,
            origin_theatre=origin,
            to_theatre=location_of[r.to].theatre,
        )

    contests: list[ContestSpec] = []
    for contest in sorted(scenario.contests, key=lambda c: (c.priority, c.id)):
        patron_theatres = tuple(contest.patron_theatres) or (contest.theatre,)
        partner_relations = tuple(
            r.id
            for r in scenario.relations
            if r.kind != "command"
            and contest.attacker in r.members
            and any(p in r.members for p in contest.partners)
        )
        contests.append(
            ContestSpec(
                id=contest.id,
                attacker=contest.attacker,
                defender=contest.defender,
                patron=contest.patron,
                theatre=contest.theatre,
                patron_theatres=patron_theatres,
                partner_relations=partner_relations,
                priority=contest.priority,
                attacker_forces=_select(forces, contest.attacker, (contest.theatre,)),
                defender_forces=_select(forces, contest.defender, (contest.theatre,)),
                patron_forces=(
                    _select(forces, contest.patron, patron_theatres)
                    if contest.patron
                    else np.zeros(0, dtype=np.int64)
                ),
                patron_home_forces=(
                    _select(forces, contest.patron, (contest.theatre,))
                    if contest.patron
                    else np.zeros(0, dtype=np.int64)
                ),
                campaign=contest.campaign,
                objective=(
                    f"theatres.{contest.theatre}.objective_depth_km"
                    if f"theatres.{contest.theatre}.objective_depth_km" in quantities
                    else None
                ),
                attacker_reinforcements=tuple(
                    reinforcement(r)
                    for r in scenario.reinforcements
                    if r.actor == contest.attacker and location_of[r.to].theatre == contest.theatre
                ),
                defender_reinforcements=tuple(
                    reinforcement(r)
                    for r in scenario.reinforcements
                    if r.actor in (contest.defender, contest.patron)
                    and location_of[r.to].theatre == contest.theatre
                ),
                strike_forces=(
                    _select(forces, contest.patron, (contest.strike.theatre,))
                    if contest.strike and contest.patron
                    else None
                ),
                entrapment=tuple(
                    EntrapmentSpec(j, e.actor, e.command) for j, e in enumerate(contest.entrapment)
                ),
            )
        )

    roles = {lever.role: levers[lever.id] for lever in scenario.levers if lever.role is not None}
    policies = scenario.theatre_policy
    return CompiledScenario(
        scenario_id=scenario.meta.id,
        months=months,
        quantities=quantities,
        uncertain=uncertain,
        forces=forces,
        contests=tuple(contests),
        relation_active=active,
        relation_ids=relation_ids,
        vacuum=vacuum,
        actor_ids=actor_ids,
        personnel_changes=tuple(changes),
        levers=dict(levers),
        roles=roles,
        alignment=blocs.compile_alignment(scenario, levers, months, active, relation_ids),
        arms=arms_race.compile_arms(scenario, levers),
        equipment_classes={f.id: tuple(f.equipment) for f in scenario.forces},
        campaign_objective={
            c.id: objective_slug(next(t.objective for t in scenario.theatres if t.id == c.theatre))
            for c in scenario.contests
        },
        campaign_days={
            c.id: c.campaign_terms.days for c in scenario.contests if c.campaign_terms is not None
        },
        policy_patrons=tuple(tp.patron for tp in policies),
        pooled_theatres={tp.patron: tuple(tp.pooled_theatres) for tp in policies},
        jfhq_origin_theatre={
            tp.patron: (location_of[tp.jfhq_origin].theatre if tp.jfhq_origin else None)
            for tp in policies
        },
        vacuum_actor_index={a: i for i, a in enumerate(actor_ids)},
    )


def _select(forces: ForceTable, actor: str, theatres: tuple[str, ...]) -> NDArray[np.int64]:
    return np.array(
        [
            i
            for i, (a, t) in enumerate(zip(forces.actor, forces.theatre, strict=True))
            if a == actor and t in theatres
        ],
        dtype=np.int64,
    )
