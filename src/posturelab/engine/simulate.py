"""The coupled monthly simulation of one chunk of members (DESIGN section 3).

:func:`simulate_chunk` samples every scenario number for the chunk's members
(:func:`sample_parameters`), draws their event uniforms (:func:`event_uniforms`), builds the shared
:class:`~posturelab.engine.component.World`, initialises the components the scenario uses in the
order of :data:`~posturelab.engine.components.COMPONENTS`, and then, each month, lets every
component step and then every component record its indicators. The components, their monthly
order and what each reads from the others are described in ``docs/architecture.md``.

All state is arrays whose leading axis is the member. Nothing here draws from a global random
state: every chance event uses the member's own event stream (one uniform per member, month and
slot, laid out by :func:`~posturelab.engine.component.allocate_slots`), so two variants of a
scenario share their draws (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from posturelab.engine import sampling
from posturelab.engine.compiled import CompiledScenario
from posturelab.engine.component import World, allocate_slots
from posturelab.engine.forces import score_forces
from posturelab.engine.mechanisms import ChannelSwitch
from posturelab.engine.sampling import EVENTS, Sampler, member_stream, ppf, unit_design

FloatArray = NDArray[np.float64]


@dataclass
class ChunkOutput:
    """Results for a chunk of members: parameters, monthly series and per-member scalars."""

    members: NDArray[np.int64]
    params: dict[str, FloatArray]
    series: dict[str, FloatArray]
    scalars: dict[str, FloatArray]


def slot_layout(model: CompiledScenario) -> tuple[dict[str, int], int]:
    """First event slot of each active component, and the slots per member and month."""
    active = model.active_components()
    return allocate_slots(
        {c.name: c.scenario_slots(spec) for c, spec in active},
        {c.name: c.fixed_slots for c, _ in active},
    )


def sample_parameters(
    model: CompiledScenario,
    seed: int,
    members: NDArray[np.int64],
    total: int,
    sampler: Sampler,
    design: FloatArray | None = None,
) -> dict[str, FloatArray]:
    """Return every scenario number as an array over the chunk's members.

    ``design``, when given, holds the chunk's rows of an explicit design on the unit hypercube
    (columns in the order of ``model.uncertain``), for example a Sobol' or Morris design built by
    a sensitivity analysis; otherwise the ``sampler`` builds it.
    """
    if design is None:
        design = unit_design(sampler, seed, members, total, len(model.uncertain))
    elif design.shape != (members.size, len(model.uncertain)):
        raise ValueError(
            f"design rows must have shape {(members.size, len(model.uncertain))}, "
            f"got {design.shape}"
        )
    column = {name: j for j, name in enumerate(model.uncertain)}
    values: dict[str, FloatArray] = {}
    for name, quantity in model.quantities.items():
        if name in column:
            values[name] = ppf(quantity, design[:, column[name]])
        else:
            values[name] = np.full(members.size, quantity.nominal)
    sampling.check_finite(values, "sampling", {name: name for name in values})
    return values


def event_slots(model: CompiledScenario) -> int:
    """Number of event draws per member and month."""
    return slot_layout(model)[1]


def event_uniforms(model: CompiledScenario, seed: int, members: NDArray[np.int64]) -> FloatArray:
    """Return each member's event draws, shape (members, months, slots)."""
    out = np.empty((members.size, model.n_months, event_slots(model)))
    for row, member in enumerate(members):
        out[row] = member_stream(seed, int(member), EVENTS).random(out.shape[1:])
    return out


def simulate_chunk(
    model: CompiledScenario,
    seed: int,
    members: NDArray[np.int64],
    total: int,
    sampler: Sampler = "mc",
    design: FloatArray | None = None,
) -> ChunkOutput:
    """Simulate the members ``members`` of an ensemble of ``total`` for the whole period.

    Parameters
    ----------
    model
        The compiled scenario with its lever settings.
    seed
        The run's root seed.
    members
        Indices of this chunk's members.
    total
        Size of the whole ensemble (needed by the Latin hypercube and Sobol' designs).
    sampler
        The parameter design: ``mc``, ``lhs`` or ``sobol``.
    design
        Optional explicit unit-hypercube rows for these members (overrides ``sampler``).
    """
    members = np.asarray(members, dtype=np.int64)
    p = sample_parameters(model, seed, members, total, sampler, design)
    return simulate_rows(model, members, p, event_uniforms(model, seed, members))


def simulate_rows(
    model: CompiledScenario,
    members: NDArray[np.int64],
    params: dict[str, FloatArray],
    draws: FloatArray,
    switch: ChannelSwitch | None = None,
) -> ChunkOutput:
    """Simulate rows whose parameters and event draws are given (one row per entry of ``members``).

    :func:`simulate_chunk` samples them; an analysis that runs the same members several times
    (the mechanism split, :mod:`posturelab.explore.mechanisms`) samples once and repeats the rows.
    ``switch`` records the mechanism terms of the attack decision or replays given values in
    their place (:mod:`posturelab.engine.mechanisms`).
    """
    members = np.asarray(members, dtype=np.int64)
    n, n_months = members.size, model.n_months
    scores = score_forces(model, params, n)
    world = World(
        params=params,
        draws=draws,
        slots=slot_layout(model)[0],
        scores=scores,
        personnel=scores.personnel.copy(),
        forces_changed=np.ones(n, dtype=bool),
        switch=switch,
    )
    active = model.active_components()
    states = [component.init(spec, world) for component, spec in active]
    series = {
        name: np.full((n, n_months), np.nan)
        for name, indicator in model.indicators().items()
        if indicator.kind == "series"
    }
    for month in range(n_months):
        for (component, _), state in zip(active, states, strict=True):
            component.step(state, month, world)
        for (component, _), state in zip(active, states, strict=True):
            component.record(state, series, month)
    scalars: dict[str, FloatArray] = {}
    for (component, _), state in zip(active, states, strict=True):
        scalars.update(component.scalars(state))
    return ChunkOutput(members, params, series, scalars)
