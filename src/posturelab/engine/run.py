"""Running an ensemble: chunks of members through the monthly simulation, then assembly.

:func:`run_ensemble` is the one entry point the command line, the analysis tools and the runners
use. It takes a validated scenario, lever settings and :class:`RunOptions`, and returns a
:class:`EnsembleResult` holding an xarray Dataset (member x month series and per-member scalars)
and the sampled parameters. Chunks are independent: each member's numbers depend only on the seed
and the member's index, never on the chunk size.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from posturelab.engine.compiled import CompiledScenario, compile_scenario
from posturelab.engine.sampling import Sampler
from posturelab.engine.simulate import ChunkOutput, simulate_chunk
from posturelab.scenario.schema import LeverValue, Scenario

DEFAULT_MEMBERS = 1000
DEFAULT_SEED = 20250531
DEFAULT_CHUNK = 2000


@dataclass(frozen=True)
class RunOptions:
    """How to run an ensemble.

    Attributes
    ----------
    members
        Ensemble size (>= 1).
    seed
        Root seed (>= 0); the same seed and size give identical numbers.
    sampler
        Parameter design: ``mc`` (per-member streams), ``lhs`` or ``sobol``.
    chunk_size
        Members per unit of work; results do not depend on it.
    """

    members: int = DEFAULT_MEMBERS
    seed: int = DEFAULT_SEED
    sampler: Sampler = "mc"
    chunk_size: int = DEFAULT_CHUNK

    def __post_init__(self) -> None:
        if self.members < 1:
            raise ValueError(f"members must be >= 1, got {self.members}")
        if self.seed < 0:
            raise ValueError(f"seed must be >= 0, got {self.seed}")
        if self.chunk_size < 1:
            raise ValueError(f"chunk_size must be >= 1, got {self.chunk_size}")


@dataclass
class EnsembleResult:
    """An ensemble's outputs: the dataset, and the settings that produced it."""

    dataset: xr.Dataset
    levers: dict[str, LeverValue]
    options: RunOptions
    uncertain: tuple[str, ...]
    timings: dict[str, float] = field(default_factory=dict)


def uncertain_names(scenario: Scenario) -> tuple[str, ...]:
    """Names of the scenario's uncertain parameters, in the column order of a design."""
    return compile_scenario(scenario, scenario.lever_defaults()).uncertain


def chunks(total: int, size: int) -> list[np.ndarray]:
    """Split member indices ``0..total-1`` into consecutive chunks of at most ``size``."""
    return [np.arange(lo, min(lo + size, total), dtype=np.int64) for lo in range(0, total, size)]


def run_ensemble(
    scenario: Scenario,
    levers: Mapping[str, LeverValue],
    options: RunOptions,
    progress: Callable[[int], None] | None = None,
    design: np.ndarray | None = None,
) -> EnsembleResult:
    """Simulate the whole ensemble in chunks and assemble the results.

    Parameters
    ----------
    scenario
        A validated scenario.
    levers
        A value for every lever (see :func:`posturelab.scenario.levers.resolve_levers`).
    options
        Ensemble size, seed, sampler and chunk size.
    progress
        Called with the number of members finished after each chunk.
    design
        Optional explicit design, shape (members, K), on the unit hypercube with columns in the
        order of :func:`uncertain_names`; it replaces the sampler (used by sensitivity analysis).
    """
    model = compile_scenario(scenario, levers)
    outputs = []
    for chunk in chunks(options.members, options.chunk_size):
        rows = None if design is None else design[chunk]
        outputs.append(
            simulate_chunk(model, options.seed, chunk, options.members, options.sampler, rows)
        )
        if progress is not None:
            progress(chunk.size)
    dataset = assemble(model, outputs)
    return EnsembleResult(dataset, dict(levers), options, model.uncertain)


def assemble(model: CompiledScenario, outputs: list[ChunkOutput]) -> xr.Dataset:
    """Concatenate chunk outputs (in member order) into one Dataset.

    Series become ``(member, month)`` variables; scalars and sampled parameters ``(member,)``
    variables, parameters under the name ``param:NAME``.
    """
    outputs = sorted(outputs, key=lambda o: int(o.members[0]) if o.members.size else 0)
    members = np.concatenate([o.members for o in outputs])
    data_vars: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    for name in outputs[0].series:
        data_vars[name] = (("member", "month"), np.concatenate([o.series[name] for o in outputs]))
    for name in outputs[0].scalars:
        data_vars[name] = (("member",), np.concatenate([o.scalars[name] for o in outputs]))
    for name in model.uncertain:
        data_vars[f"param:{name}"] = (
            ("member",),
            np.concatenate([o.params[name] for o in outputs]),
        )
    return xr.Dataset(
        data_vars, coords={"member": members, "month": np.array(model.months, dtype=object)}
    )
