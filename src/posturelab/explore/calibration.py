r"""Bayesian history matching: rule out the parameter values the calibration targets contradict.

History matching (Craig, Goldstein, Seheult & Smith 1997; Vernon, Goldstein & Bower 2010;
Andrianakis et al. 2015) does not fit a best parameter value and does not give a posterior. It
removes the part of the parameter space where the model's output is too far from the observed
figures, given every source of uncertainty, and keeps the rest: the *not ruled out yet* (NROY)
region.

For a point :math:`x` of the unit hypercube (a design row: one quantile per uncertain parameter)
and a calibration target :math:`t` with figure :math:`z_t`,

.. math::

    I_t(x) = \frac{|E[f_t(x)] - z_t|}{\sqrt{V_{obs,t} + V_{md,t} + V_{ens,t}(x)}},

where :math:`E[f_t(x)]` is the mean of the target's quantity over :math:`R` replicates of the
member (the same parameters, different random event streams) and
:math:`V_{ens,t}(x) = s_t^2(x) (1 + 1/R)` is the stochastic ("ensemble") variance of one
realisation, :math:`s_t^2` the replicates' sample variance, plus the variance of the mean's
estimate (Andrianakis et al. 2015 call :math:`s^2` the ensemble variability of a stochastic
model; the observed world is one realisation). A point survives when
:math:`\max_t I_t(x) \le 3` over the calibration targets where its quantity has a value.
Validation targets are never part of the maximum.

Waves
-----
Wave 1 evaluates a Latin hypercube over the prior (the unit hypercube, through each parameter's
inverse CDF); the share that survives estimates the NROY region's probability under the prior.
Each later wave draws its candidates from a kernel density estimate over the previous wave's
survivors: a survivor picked at random plus a Gaussian jitter of :data:`BANDWIDTH` times the
survivors' standard deviation in each column, reflected at the edges of the cube (the
resample-move step of sequential Monte Carlo samplers, e.g. Beaumont, Cornuet, Marin & Robert
2009). Since the survivors of wave 1 are prior draws restricted to NROY, the candidates
approximate the prior restricted to NROY, and every wave's survivors are again checked against
the simulator itself. Without an emulator every wave uses the same criterion; waves concentrate
the members in the NROY region rather than shrink it.

The seam for an emulator is :class:`Evaluator`: anything that returns, for design rows, the
expected value and a variance of each target's quantity. :class:`SimulatorEvaluator` runs the
ensemble; a Gaussian-process emulator (scikit-learn's ``GaussianProcessRegressor``) would
return its predictive mean and add its predictive variance to the ensemble variance, as in
Andrianakis et al. (2015), so that later waves can screen many candidates before simulating any.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from posturelab.defaults import (
    DEFAULT_CALIBRATION_MEMBERS,
    DEFAULT_CALIBRATION_REPLICATES,
    DEFAULT_CALIBRATION_WAVES,
)
from posturelab.engine.run import DEFAULT_CHUNK, RunOptions, run_ensemble, uncertain_names
from posturelab.engine.sampling import unit_design
from posturelab.explore.targets import (
    CUTOFF,
    CampaignCache,
    TargetReport,
    condition_groups,
    discrepancy_variance,
    evaluate_targets,
    implausibility,
    observation,
    target_member_values,
)
from posturelab.scenario.schema import Scenario, Target

FloatArray = NDArray[np.float64]
BANDWIDTH = 0.25
"""Jitter of a resampled survivor, as a share of the survivors' standard deviation per column."""
DEFAULT_WAVES = DEFAULT_CALIBRATION_WAVES
DEFAULT_MEMBERS = DEFAULT_CALIBRATION_MEMBERS
DEFAULT_REPLICATES = DEFAULT_CALIBRATION_REPLICATES


@dataclass(frozen=True)
class Evaluation:
    """Per design row and target: the expected value and the variance about it.

    ``means`` and ``variances`` have shape (rows, targets); NaN where the quantity has no value
    for the row (a campaign outcome in a member whose attack never came).
    """

    means: FloatArray
    variances: FloatArray


class Evaluator(Protocol):
    """The model as a wave sees it: design rows in, each target's mean and variance out."""

    def evaluate(self, design: FloatArray, seed: int) -> Evaluation:
        """Evaluate the calibration targets at ``design`` (rows of the unit hypercube)."""
        ...


@dataclass(frozen=True)
class SimulatorEvaluator:
    """Runs the ensemble: each design row ``replicates`` times, one ensemble per condition set."""

    scenario: Scenario
    targets: tuple[Target, ...]
    replicates: int = DEFAULT_REPLICATES
    executor: Executor | None = None
    chunk_size: int = DEFAULT_CHUNK

    def evaluate(self, design: FloatArray, seed: int) -> Evaluation:
        """Mean over replicates and :math:`s^2 (1 + 1/R)` per row and target."""
        rows, reps = design.shape[0], self.replicates
        means = np.full((rows, len(self.targets)), np.nan)
        variances = np.full((rows, len(self.targets)), np.nan)
        column = {t.id: j for j, t in enumerate(self.targets)}
        full = np.repeat(design, reps, axis=0)
        options = RunOptions(members=rows * reps, seed=seed, chunk_size=self.chunk_size)
        for levers, group in condition_groups(self.scenario, self.targets):
            result = run_ensemble(
                self.scenario, levers, options, design=full, executor=self.executor
            )
            cache = CampaignCache()
            for target in group:
                values = target_member_values(
                    self.scenario, levers, result.dataset, target, cache
                ).reshape(rows, reps)
                mean, var = _replicate_moments(values)
                means[:, column[target.id]] = mean
                variances[:, column[target.id]] = var
        return Evaluation(means, variances)


def _replicate_moments(values: FloatArray) -> tuple[FloatArray, FloatArray]:
    finite = np.isfinite(values)
    count = finite.sum(axis=1)
    total = np.where(finite, values, 0.0).sum(axis=1)
    mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    dev = np.where(finite, values - mean[:, None], 0.0)
    s2 = np.where(count > 1, (dev**2).sum(axis=1) / np.maximum(count - 1, 1), 0.0)
    var = np.where(count > 0, s2 * (1.0 + 1.0 / np.maximum(count, 1)), np.nan)
    return mean, var


def max_implausibility(
    evaluation: Evaluation, targets: Sequence[Target]
) -> tuple[FloatArray, FloatArray]:
    """Each row's implausibility per target (rows, targets) and its maximum over the targets.

    A target whose quantity has no value for a row does not count for that row; a row with no
    value for any target has maximum 0 (nothing rules it out).
    """
    per_target = np.full(evaluation.means.shape, np.nan)
    for j, target in enumerate(targets):
        obs = observation(target)
        variance = obs.v_obs + discrepancy_variance(target) + evaluation.variances[:, j]
        per_target[:, j] = implausibility(evaluation.means[:, j], variance, obs.z)
    filled = np.where(np.isnan(per_target), 0.0, per_target)
    return per_target, filled.max(axis=1, initial=0.0)


def _wave_seed(seed: int, wave: int, which: int) -> int:
    state = np.random.SeedSequence(seed, spawn_key=(wave, which)).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))


def propose(survivors: FloatArray, count: int, rng: np.random.Generator) -> FloatArray:
    """Candidates from a kernel density estimate over ``survivors`` (see the module docstring)."""
    picks = rng.integers(0, survivors.shape[0], size=count)
    scale = BANDWIDTH * survivors.std(axis=0)
    moved = survivors[picks] + rng.standard_normal((count, survivors.shape[1])) * scale
    moved = np.abs(moved)  # reflect at 0
    moved = np.where(moved >= 1.0, 2.0 - moved, moved)  # reflect at 1
    return np.asarray(np.clip(moved, 0.0, np.nextafter(1.0, 0.0)), dtype=np.float64)


@dataclass(frozen=True)
class WaveStats:
    """One wave: candidates simulated, survivors, and how many each target ruled out.

    ``box_low`` and ``box_high`` bound the wave's survivors in each unit-hypercube column
    (in the order of the uncertain parameters; empty when none survived).
    """

    wave: int
    candidates: int
    survivors: int
    fraction: float
    ruled_out_by: dict[str, int]
    max_implausibility_p50: float
    box_low: tuple[float, ...]
    box_high: tuple[float, ...]


@dataclass(frozen=True)
class ParameterRange:
    """A parameter's prior against its surviving values.

    Values are in the parameter's units; ``kept_share`` is the width of the survivors' 5-95%
    range in prior quantiles over the prior's own (0.9): 1 means not constrained at all.
    """

    name: str
    prior_p05: float
    prior_p95: float
    nroy_min: float
    nroy_max: float
    nroy_p05: float
    nroy_p95: float
    kept_share: float


@dataclass(frozen=True)
class Calibration:
    """A finished history match: the NROY members and how the waves went."""

    scenario: str
    origin: str
    sha256: str
    seed: int
    members: int
    replicates: int
    cutoff: float
    uncertain: tuple[str, ...]
    calibration_targets: tuple[str, ...]
    validation_targets: tuple[str, ...]
    waves: tuple[WaveStats, ...]
    design: FloatArray
    parameters: dict[str, FloatArray]
    ranges: tuple[ParameterRange, ...]
    validation: TargetReport | None

    @property
    def prior_fraction(self) -> float:
        """Share of wave 1's prior sample that survived: the NROY region's prior probability."""
        return self.waves[0].fraction if self.waves else 0.0


def parameter_values(scenario: Scenario, design: FloatArray) -> dict[str, FloatArray]:
    """The uncertain parameters' values at design rows (through each inverse CDF)."""
    from posturelab.engine.compiled import compile_scenario
    from posturelab.engine.sampling import ppf

    model = compile_scenario(scenario, scenario.lever_defaults())
    return {
        name: ppf(model.quantities[name], design[:, j]) for j, name in enumerate(model.uncertain)
    }


def parameter_ranges(scenario: Scenario, design: FloatArray) -> tuple[ParameterRange, ...]:
    """Every uncertain parameter's prior 5-95% range against the NROY members' values."""
    from posturelab.engine.compiled import compile_scenario
    from posturelab.engine.sampling import ppf

    model = compile_scenario(scenario, scenario.lever_defaults())
    out: list[ParameterRange] = []
    if design.shape[0] == 0:
        return ()
    for j, name in enumerate(model.uncertain):
        q = model.quantities[name]
        prior = ppf(q, np.array([0.05, 0.95]))
        column = design[:, j]
        lo, hi = np.quantile(column, [0.05, 0.95])
        kept = np.array([column.min(), column.max(), lo, hi])
        values = ppf(q, kept)
        out.append(
            ParameterRange(
                name,
                float(prior[0]),
                float(prior[1]),
                float(values[0]),
                float(values[1]),
                float(values[2]),
                float(values[3]),
                float((hi - lo) / 0.9),
            )
        )
    return tuple(sorted(out, key=lambda r: (r.kept_share, r.name)))


def history_match(
    scenario: Scenario,
    origin: str,
    sha256: str,
    *,
    waves: int = DEFAULT_WAVES,
    members: int = DEFAULT_MEMBERS,
    replicates: int = DEFAULT_REPLICATES,
    seed: int = 0,
    evaluator: Evaluator | None = None,
    executor: Executor | None = None,
    chunk_size: int = DEFAULT_CHUNK,
) -> Calibration:
    """Run ``waves`` waves of history matching against the scenario's calibration targets.

    Parameters
    ----------
    scenario, origin, sha256
        The validated scenario, where it came from and the hash of its text.
    waves, members, replicates
        Waves, candidates per wave and replicates per candidate.
    seed
        Root seed: the same seed gives the same calibration, bit for bit.
    evaluator
        The model as the waves see it (default: :class:`SimulatorEvaluator`).
    executor, chunk_size
        Where the simulator runs its chunks, and their size (the result does not depend on
        either).

    Raises
    ------
    ValueError
        When the scenario has no calibration target.
    """
    calibration = tuple(t for t in scenario.targets if t.use == "calibration")
    validation = tuple(t for t in scenario.targets if t.use == "validation")
    if not calibration:
        raise ValueError("the scenario has no target with use: calibration")
    model = evaluator or SimulatorEvaluator(scenario, calibration, replicates, executor, chunk_size)
    uncertain = uncertain_names(scenario)
    dims = len(uncertain)
    stats: list[WaveStats] = []
    survivors = np.zeros((0, dims))
    for wave in range(1, waves + 1):
        if wave == 1:
            candidates = unit_design(
                "lhs", _wave_seed(seed, wave, 0), np.arange(members), members, dims
            )
        elif survivors.shape[0] == 0:
            break
        else:
            rng = np.random.Generator(np.random.PCG64(_wave_seed(seed, wave, 0)))
            candidates = propose(survivors, members, rng)
        evaluation = model.evaluate(candidates, _wave_seed(seed, wave, 1))
        per_target, worst = max_implausibility(evaluation, calibration)
        keep = worst <= CUTOFF
        survivors = candidates[keep]
        stats.append(
            WaveStats(
                wave,
                members,
                int(keep.sum()),
                float(keep.mean()),
                {t.id: int(np.sum(per_target[:, j] > CUTOFF)) for j, t in enumerate(calibration)},
                float(np.median(worst)),
                tuple(float(v) for v in survivors.min(axis=0)) if survivors.size else (),
                tuple(float(v) for v in survivors.max(axis=0)) if survivors.size else (),
            )
        )
    checked = None
    if validation and survivors.shape[0] > 0:
        checked = evaluate_targets(
            scenario,
            RunOptions(members=survivors.shape[0], seed=seed),
            targets=validation,
            design=survivors,
            calibration="the NROY members of this calibration",
            executor=executor,
        )
    return Calibration(
        scenario=scenario.meta.id,
        origin=origin,
        sha256=sha256,
        seed=seed,
        members=members,
        replicates=replicates,
        cutoff=CUTOFF,
        uncertain=uncertain,
        calibration_targets=tuple(t.id for t in calibration),
        validation_targets=tuple(t.id for t in validation),
        waves=tuple(stats),
        design=survivors,
        parameters=parameter_values(scenario, survivors),
        ranges=parameter_ranges(scenario, survivors),
        validation=checked,
    )
