"""Which uncertain parameters move any engine output: elementary effects under common draws.

A Morris design (Morris 1991; SALib's trajectories on a 4-level grid) over every uncertain
parameter of a scenario is run as one chunk, every point of a trajectory as the same member, so
all points of a trajectory share their event draws; a parameter is *alive* where one of its
elementary effects changes some series or scalar the engine emits (relative change above 1e-9).
Terms that act only once a war has started (campaign outcomes, strikes, entrapment, the
bombardment) are exposed by a second pass with lowered draws: the trajectories draw the first
contest's attack, the second's or both 50 times likelier, and the first contest's strikes and
entrapment three times likelier, which changes which members go to war and never how the model
computes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
from SALib.sample import morris as morris_sample

import posturelab.engine.simulate as sim
from posturelab.engine.compiled import compile_scenario
from posturelab.engine.contests import SLOTS_PER_CONTEST
from posturelab.scenario.schema import LeverValue, Scenario

LEVELS = 4


def _outputs(scenario: Scenario, levers, design: np.ndarray, groups: int, seed: int, wars: bool):
    model = compile_scenario(scenario, levers)
    members = np.repeat(np.arange(groups, dtype=np.int64), design.shape[0] // groups)
    draws = sim.event_uniforms(model, seed, members)
    if wars:
        first = sim.slot_layout(model)[0]["contests"]
        kind = members % 3
        draws[kind != 1, :, first] *= 0.02
        draws[kind != 0, :, first + SLOTS_PER_CONTEST] *= 0.02
        draws[:, :, first + 1 : first + SLOTS_PER_CONTEST] *= 0.3
    original = sim.event_uniforms
    sim.event_uniforms = lambda *_: draws
    try:
        out = sim.simulate_chunk(model, seed, members, int(members.max()) + 1, design=design)
    finally:
        sim.event_uniforms = original
    cols = [np.nan_to_num(out.series[n], nan=-1.0) for n in sorted(out.series)]
    cols += [np.nan_to_num(out.scalars[n], nan=-1.0)[:, None] for n in sorted(out.scalars)]
    return np.concatenate(cols, axis=1)


def dead_parameters(
    scenario: Scenario,
    settings: Iterable[Mapping[str, LeverValue]],
    trajectories: int = 8,
    seed: int = 7,
) -> list[str]:
    """Uncertain parameters with no elementary effect on any output under any lever setting."""
    names = compile_scenario(scenario, scenario.lever_defaults()).uncertain
    k = len(names)
    problem = {"num_vars": k, "names": list(names), "bounds": [[0.0, 1.0]] * k}
    grid = morris_sample.sample(problem, trajectories, num_levels=LEVELS, seed=seed)
    design = (grid * (LEVELS - 1) + 0.5) / LEVELS
    steps = np.diff(grid.reshape(trajectories, k + 1, k), axis=1)
    moved = np.argmax(np.abs(steps) > 0, axis=2)
    alive = np.zeros(k, dtype=bool)
    for levers in settings:
        for wars in (False, True):
            y = _outputs(scenario, levers, design, trajectories, seed, wars)
            y = y.reshape(trajectories, k + 1, -1)
            scale = np.maximum(1.0, np.abs(y[:, :-1]))
            effect = (np.abs(np.diff(y, axis=1)) / scale).max(axis=2)
            alive[moved[effect > 1e-9]] = True
    return [n for n, a in zip(names, alive, strict=True) if not a]
