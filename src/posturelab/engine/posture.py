"""Force posture through the months: dated events and levers that move personnel (DESIGN 3, step 1).

Each month, before the other components step:

* an event effect ``force_personnel`` sets a force's personnel to its (sampled) value from the
  event's month on;
* the relocation lever removes ``relocation_troops`` personnel from the patron's relocatable
  forces in the lever's month, in proportion to their size. The troops cannot exceed the
  relocatable pool: a request above the pool's smallest possible size (the sum of the lowest
  personnel of the relocatable forces) is refused at compilation with a message naming the pool.

Personnel lives in :attr:`posturelab.engine.component.World.personnel`, which the contests
component changes too (forces drawn out to a higher-priority war, strikes). Every force's score
scales with its strength factor, current over initial personnel
(:func:`posturelab.models.scoring.strength_factor`). The component records the patron's personnel
in each theatre it has forces committed to, after the month's wars.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from posturelab.engine.component import Indicator, World
from posturelab.engine.frame import Frame
from posturelab.errors import Problem, ScenarioError
from posturelab.scenario.levers import COMMAND_LINE
from posturelab.scenario.quantity import support
from posturelab.scenario.schema import LeverValue, Scenario

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

TROOPS = "{patron}_troops_{theatre}"


@dataclass(frozen=True)
class PersonnelChange:
    """A dated change of one force's personnel (an event effect)."""

    month: int
    force: int
    parameter: str


@dataclass(frozen=True)
class PostureSpec:
    """Dated personnel changes, the relocation lever and the troop counts to record."""

    changes: tuple[PersonnelChange, ...]
    relocatable: BoolArray
    relocation_month: int | None
    relocation_troops: float
    troop_columns: tuple[tuple[str, str, tuple[int, ...]], ...]
    """``(patron, theatre, forces)`` for every patron and theatre its contests commit it to."""


@dataclass
class PostureState:
    """The posture of a chunk: its spec and the world whose personnel it moves."""

    spec: PostureSpec
    world: World


def compile_posture(
    scenario: Scenario, levers: Mapping[str, LeverValue], frame: Frame
) -> PostureSpec:
    """Resolve dated personnel changes, the relocation lever and the troop series to record."""
    changes: list[PersonnelChange] = []
    for event in sorted(scenario.events, key=lambda e: e.date):
        month = frame.first_month(event.date)
        for j, effect in enumerate(event.effects):
            if effect.kind == "force_personnel" and month < frame.n_months:
                changes.append(
                    PersonnelChange(
                        max(month, 0),
                        frame.forces.ids.index(effect.force),
                        f"events.{event.id}.effects.{j}.personnel",
                    )
                )
    forces = frame.forces
    troops = float(frame.roles.get("relocation_troops", 0.0) or 0.0)
    _check_relocation(scenario, frame, troops)
    stationed = list(zip(forces.actor, forces.theatre, strict=True))
    pairs = {
        (c.patron, t)
        for c in scenario.contests
        if c.patron
        for t in c.patron_theatres or [c.theatre]
    }
    troop_columns = tuple(
        (a, t, tuple(f for f, pair in enumerate(stationed) if pair == (a, t)))
        for a, t in sorted(pairs & set(stationed))
        if t is not None
    )
    return PostureSpec(
        changes=tuple(changes),
        relocatable=forces.relocatable,
        relocation_month=frame.role_month("relocation_date"),
        relocation_troops=troops,
        troop_columns=troop_columns,
    )


def _check_relocation(scenario: Scenario, frame: Frame, troops: float) -> None:
    """Refuse a relocation larger than the smallest relocatable pool (a located lever problem)."""
    if troops <= 0:
        return
    names = [f for f, r in zip(frame.forces.ids, frame.forces.relocatable, strict=True) if r]
    lowest = highest = 0.0
    for name in names:
        q = frame.quantities.get(f"forces.{name}.personnel")
        if q is not None:
            low, high = support(q)
            lowest, highest = lowest + low, highest + high
    if troops <= lowest:
        return
    lever = next(
        (lv.id for lv in scenario.levers if lv.role == "relocation_troops"), "relocation_troops"
    )
    pool = ", ".join(names) or "none"
    raise ScenarioError(
        [
            Problem(
                COMMAND_LINE,
                None,
                None,
                lever,
                f"lever {lever!r} asks to relocate {troops:,.0f} personnel, more than the "
                f"relocatable pool holds (forces marked relocatable: {pool}; "
                f"{lowest:,.0f} to {highest:,.0f} personnel); at most {lowest:,.0f} can be "
                "relocated in every member",
            )
        ]
    )


def relocate(personnel: FloatArray, relocatable: BoolArray, troops: float) -> None:
    """Remove ``troops`` personnel from the relocatable forces, in proportion to their size.

    Compilation refuses a request above the pool's smallest size; a pool that a war has already
    thinned (forces drawn out or struck before the relocation month) loses what remains of it.
    """
    pool = personnel[:, relocatable].sum(axis=1)
    share = np.where(pool > 0, np.minimum(1.0, troops / np.where(pool > 0, pool, 1.0)), 0.0)
    personnel[:, relocatable] *= (1.0 - share)[:, None]


def apply_month(
    spec: PostureSpec, params: Mapping[str, FloatArray], personnel: FloatArray, month: int
) -> bool:
    """Apply the month's personnel changes and relocation; True if the posture changed."""
    changed = False
    for change in spec.changes:
        if change.month == month:
            personnel[:, change.force] = params[change.parameter]
            changed = True
    if month == spec.relocation_month and spec.relocation_troops > 0:
        relocate(personnel, spec.relocatable, spec.relocation_troops)
        changed = True
    return changed


def peacetime_personnel(
    spec: PostureSpec, params: Mapping[str, FloatArray], initial: FloatArray, month: int
) -> FloatArray:
    """Personnel of every force in ``month`` if no war has happened: events and levers only."""
    personnel = initial.copy()
    for m in range(month + 1):
        apply_month(spec, params, personnel, m)
    return personnel


class PostureComponent:
    """Dated events and levers that move personnel (see the module docstring)."""

    name = "posture"
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ("personnel", "forces_changed")
    fixed_slots = 0

    def compile(
        self, scenario: Scenario, levers: Mapping[str, LeverValue], frame: Frame
    ) -> PostureSpec:
        """Resolve the posture's events and levers."""
        return compile_posture(scenario, levers, frame)

    def indicators(self, spec: PostureSpec) -> tuple[Indicator, ...]:
        """``{patron}_troops_{theatre}`` for each patron and theatre its contests commit it to."""
        return tuple(
            Indicator(
                TROOPS.format(patron=a, theatre=t),
                TROOPS,
                "series",
                "personnel",
                "The patron's personnel located in the theatre.",
            )
            for a, t, _ in spec.troop_columns
        )

    def scenario_slots(self, spec: PostureSpec) -> int:
        """No chance events."""
        return 0

    def init(self, spec: PostureSpec, world: World) -> PostureState:
        """Nothing to set up beyond the world's initial personnel."""
        return PostureState(spec, world)

    def step(self, state: PostureState, month: int, world: World) -> None:
        """Apply the month's events and relocation; a change invalidates cached campaigns."""
        if apply_month(state.spec, world.params, world.personnel, month):
            world.forces_changed[:] = True

    def record(self, state: PostureState, series: dict[str, FloatArray], month: int) -> None:
        """The patron's personnel in each committed theatre, after the month's wars."""
        personnel = state.world.personnel
        for a, t, columns in state.spec.troop_columns:
            series[TROOPS.format(patron=a, theatre=t)][:, month] = personnel[:, list(columns)].sum(
                axis=1
            )

    def scalars(self, state: PostureState) -> dict[str, FloatArray]:
        """No per-member values at the horizon."""
        return {}
