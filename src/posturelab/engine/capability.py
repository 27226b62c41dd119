"""Capability through the months: procurement from spending, modernisation, exercise readiness.

The component multiplies each force's strength by a capability factor that it publishes in
:attr:`posturelab.engine.component.World.capability` (1 at the start, so the base hazards are
calibrated on the starting forces); the contests read it through every force's strength factor,
in the force ratio and the campaign alike. Each month, after the arms component has stepped:

* every actor of the ``capability.procurement`` list adds its spending of ``lag_years`` earlier
  to its stock of equipment capital and writes off ``1 / service_life_years`` of it a year
  (:func:`posturelab.models.capability.inventory_step`); its forces' factor is the stock over its
  starting level;
* while the ``modernisation`` lever is on, the named actor's forces in the named theatre gain up
  to ``gain`` over ``ramp_years`` (:func:`posturelab.models.capability.modernisation_factor`);
* while the ``joint_exercises`` lever is off, the exercising actors' forces in the theatre lose
  readiness towards ``readiness_loss`` with time constant ``decay_months``
  (:func:`posturelab.models.capability.exercise_factor`).

The stock is integrated every month, but the forces are re-rated once a year
(:data:`REVIEW_MONTHS`): the factors reach :attr:`World.capability` at the end of each twelfth
month of the run, as new equipment enters service in annual tranches of annual budgets and the
exercise cycle is annual. Members whose factors changed are marked for a new campaign. The series
``procurement_{actor}`` records each procuring actor's stock over its starting level, monthly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from posturelab.engine.component import Indicator, World
from posturelab.engine.frame import Frame
from posturelab.models import capability as model
from posturelab.scenario.schema import LeverValue, Scenario

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

PROCUREMENT = "procurement_{actor}"
MONTH = 1.0 / 12.0
REVIEW_MONTHS = 12
"""Months between two re-ratings of the forces: the factors reach the forces once a year."""


@dataclass(frozen=True)
class CapabilitySpec:
    """The ``capability`` section resolved to force indices and lever settings."""

    procurement: tuple[tuple[str, IntArray], ...]
    """``(actor, its forces)`` for every procuring actor."""
    modernised: IntArray
    """Forces that the modernisation lever upgrades (empty: the lever is off)."""
    unexercised: IntArray
    """Forces whose readiness decays because the exercises are off (empty: they go on)."""
    n_months: int


def compile_capability(
    scenario: Scenario, levers: Mapping[str, LeverValue], frame: Frame
) -> CapabilitySpec | None:
    """Resolve the section (None: the scenario has none)."""
    section = scenario.capability
    if section is None:
        return None
    forces = frame.forces
    empty = np.zeros(0, dtype=np.int64)
    mod = section.modernisation
    modernised = (
        forces.select(mod.actor, (mod.theatre,))
        if mod is not None and frame.roles.get("modernisation") is True
        else empty
    )
    ex = section.exercises
    unexercised = empty
    if ex is not None and frame.roles.get("joint_exercises") is False:
        unexercised = np.concatenate([forces.select(a, (ex.theatre,)) for a in ex.actors])
    return CapabilitySpec(
        procurement=tuple(
            (
                item.id,
                np.array([f for f, a in enumerate(forces.actor) if a == item.id], dtype=np.int64),
            )
            for item in section.procurement
        ),
        modernised=modernised,
        unexercised=unexercised,
        n_months=frame.n_months,
    )


@dataclass
class CapabilityState:
    """Per-member capital stocks and the spending history they draw on (leading axis: member)."""

    spec: CapabilitySpec
    stock: dict[str, FloatArray]
    stock0: dict[str, FloatArray]
    history: dict[str, FloatArray]
    """Spending at the start (column 0) and at the end of each month so far, ``(M, months+1)``."""
    lag_months: dict[str, IntArray]
    life: dict[str, FloatArray]


def init_capability(spec: CapabilitySpec, world: World) -> CapabilityState:
    """Steady-state stocks at the starting spending; every factor 1."""
    p, n = world.params, world.n
    state = CapabilityState(spec, {}, {}, {}, {}, {})
    for actor, _ in spec.procurement:
        x0 = np.asarray(world.spending.get(actor, p[f"actors.{actor}.spending_usd_bn"]))
        prefix = f"capability.procurement.{actor}"
        life = np.asarray(p[f"{prefix}.service_life_years"], dtype=np.float64)
        state.life[actor] = life
        state.stock[actor] = model.steady_stock(x0, life)
        state.stock0[actor] = state.stock[actor].copy()
        state.history[actor] = np.zeros((n, spec.n_months + 1))
        state.history[actor][:, 0] = x0
        state.lag_months[actor] = np.rint(12.0 * p[f"{prefix}.lag_years"]).astype(np.int64)
    world.capability = np.ones_like(world.personnel)
    return state


def step_capability(state: CapabilityState, month: int, world: World) -> None:
    """One month: procurement, modernisation and readiness; publish the factors."""
    spec, p = state.spec, world.params
    factor = np.ones_like(world.personnel)
    rows = np.arange(world.n)
    for actor, forces in spec.procurement:
        history = state.history[actor]
        history[:, month + 1] = world.spending[actor]
        lagged = history[rows, np.maximum(month + 1 - state.lag_months[actor], 0)]
        state.stock[actor] = model.inventory_step(
            state.stock[actor], lagged, state.life[actor], MONTH
        )
        factor[:, forces] *= (state.stock[actor] / state.stock0[actor])[:, None]
    if spec.modernised.size:
        gain = model.modernisation_factor(
            month + 1.0,
            p["capability.modernisation.gain"],
            p["capability.modernisation.ramp_years"],
        )
        factor[:, spec.modernised] *= gain[:, None]
    if spec.unexercised.size:
        kept = model.exercise_factor(
            month + 1.0,
            p["capability.exercises.readiness_loss"],
            p["capability.exercises.decay_months"],
        )
        factor[:, spec.unexercised] *= kept[:, None]
    if (month + 1) % REVIEW_MONTHS:
        return
    assert world.capability is not None
    world.forces_changed |= np.any(factor != world.capability, axis=1)
    world.capability = factor


class CapabilityComponent:
    """Procurement, modernisation and exercise readiness (see the module docstring)."""

    name = "capability"
    reads: tuple[str, ...] = ("spending", "personnel")
    writes: tuple[str, ...] = ("capability", "forces_changed")
    fixed_slots = 0

    def compile(
        self, scenario: Scenario, levers: Mapping[str, LeverValue], frame: Frame
    ) -> CapabilitySpec | None:
        """Resolve the ``capability`` section (None: the scenario has none)."""
        return compile_capability(scenario, levers, frame)

    def indicators(self, spec: CapabilitySpec) -> tuple[Indicator, ...]:
        """``procurement_{actor}`` for every procuring actor."""
        return tuple(
            Indicator(
                PROCUREMENT.format(actor=actor),
                PROCUREMENT,
                "series",
                "ratio to the start",
                "The actor's stock of equipment capital over its starting level (perpetual "
                "inventory of lagged spending); its forces' strength scales with it.",
            )
            for actor, _ in spec.procurement
        )

    def scenario_slots(self, spec: CapabilitySpec) -> int:
        """No chance events."""
        return 0

    def init(self, spec: CapabilitySpec, world: World) -> CapabilityState:
        """Steady-state stocks; capability 1 everywhere."""
        return init_capability(spec, world)

    def step(self, state: CapabilityState, month: int, world: World) -> None:
        """One month of capability."""
        step_capability(state, month, world)

    def record(self, state: CapabilityState, series: dict[str, FloatArray], month: int) -> None:
        """Each procuring actor's stock over its start."""
        for actor, _ in state.spec.procurement:
            series[PROCUREMENT.format(actor=actor)][:, month] = (
                state.stock[actor] / state.stock0[actor]
            )

    def scalars(self, state: CapabilityState) -> dict[str, FloatArray]:
        """No per-member values at the horizon."""
        return {}
