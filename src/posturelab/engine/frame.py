"""The frame of a compiled scenario: its calendar, numbers, forces and dated tables.

Every component compiles its own part of a scenario against the frame
(:meth:`posturelab.engine.component.Component.compile`); the frame holds what several of them read:
the months of the run, the catalogue of numbers and which are uncertain, the forces, which
relations are in force and which actors are in a leadership vacuum in each month, and the lever
settings bound to their roles (:data:`posturelab.registry.LEVER_ROLES`), so no component looks a
lever up by name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from posturelab.scenario.numbers import catalogue
from posturelab.scenario.quantity import Quantity
from posturelab.scenario.schema import LeverValue, Scenario, month_index, month_of

BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class ForceTable:
    """Index arrays over the scenario's forces (F of them)."""

    ids: tuple[str, ...]
    actor: tuple[str, ...]
    theatre: tuple[str | None, ...]
    relocatable: BoolArray
    equipment: dict[str, tuple[str, ...]]
    """Equipment classes counted in each force (empty where it has a pre-scored lethality)."""
    armour: tuple[str, ...] = ()
    """The equipment classes that are armour (``scoring.anti_armour.armour``); empty without it."""

    def select(self, actor: str, theatres: tuple[str, ...]) -> NDArray[np.int64]:
        """Indices of ``actor``'s forces located in any of ``theatres``."""
        return np.array(
            [
                i
                for i, (a, t) in enumerate(zip(self.actor, self.theatre, strict=True))
                if a == actor and t in theatres
            ],
            dtype=np.int64,
        )


@dataclass(frozen=True)
class Frame:
    """What every component compiles against (see the module docstring)."""

    scenario_id: str
    months: tuple[str, ...]
    quantities: dict[str, Quantity]
    uncertain: tuple[str, ...]
    forces: ForceTable
    relation_active: BoolArray
    """``(months, relations)``: whether each relation is in force in each month."""
    relation_ids: tuple[str, ...]
    vacuum: BoolArray
    """``(months, actors)``: whether each actor is in a leadership vacuum in each month."""
    actor_ids: tuple[str, ...]
    levers: dict[str, LeverValue]
    roles: dict[str, LeverValue]

    @property
    def n_months(self) -> int:
        """Number of simulated months."""
        return len(self.months)

    def month_number(self, month: str) -> int:
        """Return the index of ``YYYY-MM`` in the run (may be < 0 or >= n_months)."""
        return month_index(month) - month_index(self.months[0])

    def first_month(self, date: dt.date | None) -> int:
        """Index of the month a date falls in; before the start gives a negative index."""
        if date is None:
            return -(10**6)
        return month_index(month_of(date)) - month_index(self.months[0])

    def role_month(self, role: str) -> int | None:
        """Month index at which a month-valued lever acts; a month before the start acts at once.

        None where the role is unbound, ``never``, or after the period.
        """
        value = self.roles.get(role)
        if not isinstance(value, str) or value == "never":
            return None
        month = self.month_number(value)
        return None if month >= self.n_months else max(month, 0)

    def lever_active(self, role: str, switch: str | None = None) -> BoolArray:
        """Per month, whether a dated lever (optionally gated by a true/false switch) acts."""
        active = np.zeros(self.n_months, dtype=bool)
        if switch is not None and self.roles.get(switch) is not True:
            return active
        month = self.role_month(role)
        if month is not None:
            active[month:] = True
        return active


def _month_list(start: str, end: str) -> tuple[str, ...]:
    first, last = month_index(start), month_index(end)
    return tuple(f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(first, last + 1))


def build_frame(scenario: Scenario, levers: Mapping[str, LeverValue]) -> Frame:
    """Resolve a validated scenario's calendar, numbers, forces and dated tables.

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
    # The structural choices and their terms come last, so that declaring alternative forms
    # leaves every other number's draws (the columns before them) as they were.
    uncertain = tuple(
        sorted(
            (name for name, q in quantities.items() if q.is_uncertain),
            key=lambda name: (name.startswith("structure."), name),
        )
    )
    theatre_of = {loc.id: loc.theatre for loc in scenario.locations}
    forces = ForceTable(
        ids=tuple(f.id for f in scenario.forces),
        actor=tuple(f.actor for f in scenario.forces),
        theatre=tuple(theatre_of.get(f.location) for f in scenario.forces),
        relocatable=np.array([f.relocatable for f in scenario.forces], dtype=bool),
        equipment={f.id: tuple(f.equipment) for f in scenario.forces},
        armour=tuple(scenario.scoring.anti_armour.armour) if scenario.scoring.anti_armour else (),
    )
    frame = Frame(
        scenario_id=scenario.meta.id,
        months=months,
        quantities=quantities,
        uncertain=uncertain,
        forces=forces,
        relation_active=np.zeros((n_months, len(scenario.relations)), dtype=bool),
        relation_ids=tuple(r.id for r in scenario.relations),
        vacuum=np.zeros((n_months, len(scenario.actors)), dtype=bool),
        actor_ids=tuple(a.id for a in scenario.actors),
        levers=dict(levers),
        roles={lv.role: levers[lv.id] for lv in scenario.levers if lv.role is not None},
    )
    active, vacuum = frame.relation_active, frame.vacuum
    for j, relation in enumerate(scenario.relations):
        begins = frame.first_month(relation.in_force or relation.signed)
        ends = n_months if relation.ends is None else frame.first_month(relation.ends)
        active[max(begins, 0) : max(min(ends, n_months), 0), j] = True
    for i, actor in enumerate(scenario.actors):
        vacuum[:, i] = actor.leadership_vacuum
    for event in sorted(scenario.events, key=lambda e: e.date):
        at = max(frame.first_month(event.date), 0)
        for effect in event.effects:
            if effect.kind == "relation_in_force":
                active[at:, frame.relation_ids.index(effect.relation)] = True
            elif effect.kind == "relation_ends":
                active[at:, frame.relation_ids.index(effect.relation)] = False
            elif effect.kind == "leadership_vacuum_ends":
                vacuum[at:, frame.actor_ids.index(effect.actor)] = False
    return frame
