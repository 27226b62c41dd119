"""The component protocol of the monthly engine, the indicators components declare, and the world.

The monthly step (DESIGN section 3) is a fixed sequence of *components*, listed once in
:data:`posturelab.engine.components.COMPONENTS`. A component is one sub-model inside the engine:

``compile(scenario, levers, frame) -> spec | None``
    Resolve the component's part of a validated scenario, once per run, into plain picklable data
    (``None``: the scenario does not use it; the component is then skipped).
``indicators(spec) -> tuple[Indicator, ...]``
    Every variable it emits, with kind, unit, description and how derived quantities are made.
``scenario_slots(spec)`` and ``fixed_slots``
    How many uniform event draws per member and month it needs (see :func:`allocate_slots`).
``reads`` and ``writes``
    The :class:`World` fields it takes from other components and those it sets for them: the
    channels of the coupled model (``docs/models/img/channels.png`` is drawn from them).
``init(spec, world) -> state``
    Its per-member state for a chunk, built from the sampled parameters in :class:`World`.
``step(state, month, world)``
    Advance one month, reading and writing the shared :class:`World`.
``record(state, series, month)`` and ``scalars(state)``
    Write this month's values into its monthly series; per-member values at the horizon.

All state is arrays whose leading axis is the member. A component never draws random numbers of
its own: its chance events read the member's event stream at the slots allocated to it, so two
variants of a scenario share their draws (common random numbers).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol, TypeVar

import numpy as np
from numpy.typing import NDArray

from posturelab.engine.forces import ForceScores
from posturelab.engine.frame import Frame
from posturelab.engine.mechanisms import ChannelSwitch
from posturelab.scenario.schema import LeverValue, Scenario

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

IndicatorKind = Literal["probability", "series", "distribution"]

RESERVED_SLOTS = 8
"""Size of the block of event slots for components with a fixed number of draws. It follows the
block of scenario-sized draws, and its size never changes, so that adding a component with fixed
draws does not shift any existing member's numbers."""


@dataclass(frozen=True)
class Indicator:
    """A variable the engine emits, declared by the component that emits it.

    Attributes
    ----------
    name
        The variable's name in a run's dataset, e.g. ``p_dprk_attack``.
    template
        The name pattern it comes from, e.g. ``p_{contest}`` (for documentation and grouping).
    kind
        ``probability``: per member 0 or 1 by the horizon (missing where it does not apply),
        summarised by its ensemble mean; ``series``: a monthly value per member;
        ``distribution``: one number per member, missing where it does not apply.
    unit
        Unit of the per-member value.
    description
        One sentence for tables and documentation.
    risk
        For a probability: the variable holding each member's probability of the event by the
        horizon (its risk), when the component provides one.
    hazard
        For a probability: the monthly hazard series from which the risk by any month is made,
        ``1 - prod(1 - h)`` over the months so far.
    onset
        For a probability: the variable holding the month index at which the event happened, so
        the 0/1 outcome can be read at any month.
    auxiliary
        A variable that supports other indicators (a risk, an onset month) and is not reported on
        its own in summaries.
    missing
        Whether the value may be missing (NaN) where it does not apply: a hazard after the war
        started, a campaign outcome where no attack happened. Any other NaN is a defect.
    """

    name: str
    template: str
    kind: IndicatorKind
    unit: str
    description: str
    risk: str | None = None
    hazard: str | None = None
    onset: str | None = None
    auxiliary: bool = False
    missing: bool = False


@dataclass
class World:
    """What the components of one chunk read from each other (leading axis: member).

    Attributes
    ----------
    params
        Every scenario number sampled per member, by catalogue name.
    draws
        The members' event uniforms, ``(M, months, slots)``.
    slots
        First event slot of each component, by component name.
    scores
        Initial scored forces (:mod:`posturelab.engine.forces`).
    personnel
        Current personnel of every force, ``(M, F)``; levers, events, allocation and strikes
        change it.
    forces_changed
        Members whose theatre balance changed since their campaign was last computed.
    cohesion
        Cohesion index of the bloc backing an attacker, by attacker, this month.
    cohesion_status_quo
        The same in the calibration state (first month, default levers).
    at_war
        Whether each contest's war is on this month, by contest id.
    spending, warheads
        Military spending (USD bn a year) and assembled warheads by actor, this month.
    capability
        Capability multiplier of every force, ``(M, F)`` (1 at the start), set by the capability
        component (procurement, modernisation, exercise readiness); None: 1 everywhere. Every
        force's strength is its personnel share times this multiplier.
    switch
        Records the mechanism terms of the attack decision or replays given values in their
        place (:mod:`posturelab.engine.mechanisms`); None in an ordinary run. An input of the run,
        like the draws, not a channel between components.
    """

    params: Mapping[str, FloatArray]
    draws: FloatArray
    slots: dict[str, int]
    scores: ForceScores
    personnel: FloatArray
    forces_changed: BoolArray
    cohesion: dict[str, FloatArray] = field(default_factory=dict)
    cohesion_status_quo: dict[str, FloatArray] = field(default_factory=dict)
    at_war: dict[str, BoolArray] = field(default_factory=dict)
    spending: dict[str, FloatArray] = field(default_factory=dict)
    warheads: dict[str, FloatArray] = field(default_factory=dict)
    capability: FloatArray | None = None
    switch: ChannelSwitch | None = None

    @property
    def n(self) -> int:
        """Number of members in the chunk."""
        return int(self.draws.shape[0])

    def event_draws(self, component: str, month: int, slot: int = 0) -> FloatArray:
        """The members' uniforms of ``month`` at the component's ``slot``-th event slot."""
        return self.draws[:, month, self.slots[component] + slot]


SpecT = TypeVar("SpecT")
StateT = TypeVar("StateT")


class Component(Protocol[SpecT, StateT]):
    """One sub-model of the monthly step (see the module docstring)."""

    name: str
    """Unique name; also the key of its spec in a compiled scenario and of its event slots."""
    reads: tuple[str, ...]
    """The :class:`World` fields it reads that other components write (its inputs)."""
    writes: tuple[str, ...]
    """The :class:`World` fields it writes for other components (its channels)."""
    fixed_slots: int
    """Event draws per member and month in the reserved block (:data:`RESERVED_SLOTS`)."""

    def compile(
        self, scenario: Scenario, levers: Mapping[str, LeverValue], frame: Frame
    ) -> SpecT | None:
        """Resolve the component's part of the scenario (None: not used by this scenario)."""
        ...

    def indicators(self, spec: SpecT) -> tuple[Indicator, ...]:
        """Every variable the component emits for this spec."""
        ...

    def scenario_slots(self, spec: SpecT) -> int:
        """Event draws per member and month whose number depends on the scenario."""
        ...

    def init(self, spec: SpecT, world: World) -> StateT:
        """The component's state for a chunk; may publish initial values into ``world``."""
        ...

    def step(self, state: StateT, month: int, world: World) -> None:
        """Advance one month."""
        ...

    def record(self, state: StateT, series: dict[str, FloatArray], month: int) -> None:
        """Write this month's values into the component's series (created from its indicators)."""
        ...

    def scalars(self, state: StateT) -> dict[str, FloatArray]:
        """Per-member values at the horizon."""
        ...


def allocate_slots(
    scenario_slots: Mapping[str, int], fixed_slots: Mapping[str, int]
) -> tuple[dict[str, int], int]:
    """Lay out the event slots of the active components, in the order given.

    Scenario-sized draws come first, one block per component; then the reserved block of
    :data:`RESERVED_SLOTS`, in which the components with fixed draws take their slots in order.

    Returns
    -------
    offsets, total
        The first slot of each component and the number of slots per member and month.
    """
    offsets: dict[str, int] = {}
    at = 0
    for name, count in scenario_slots.items():
        if count:
            offsets[name] = at
            at += count
    reserved = at
    for name, count in fixed_slots.items():
        if count:
            offsets[name] = at
            at += count
    if at - reserved > RESERVED_SLOTS:
        raise ValueError(
            f"components need {at - reserved} fixed event slots; only {RESERVED_SLOTS} are reserved"
        )
    return offsets, reserved + RESERVED_SLOTS
