r"""Global sensitivity analysis with SALib on the vectorised engine.

Every uncertain parameter :math:`X_i` of a scenario is sampled through its quantile: the engine
maps a point :math:`u \in (0,1)^K` of the unit hypercube to parameter values with each
parameter's inverse CDF (DESIGN section 6). The analysis therefore runs on the unit hypercube, and
SALib's designs are simulated as explicit unit-hypercube rows (the engine's ``design``), one
member per row, with common random numbers within each group of the design
(:func:`ensemble_model`). The output :math:`Y` is one number per member
(:func:`posturelab.explore.outcomes.member_values`).

Sobol' indices
    The first-order index :math:`S_i = \operatorname{Var}(E[Y \mid X_i]) / \operatorname{Var}(Y)`
    is the share of the output variance explained by :math:`X_i` alone; the total index
    :math:`S_{Ti} = E[\operatorname{Var}(Y \mid X_{\sim i})] / \operatorname{Var}(Y)` adds every
    interaction involving :math:`X_i` (Sobol' 2001). They are estimated from a Saltelli design of
    :math:`N(K+2)` points built on a scrambled Sobol' sequence, with Saltelli et al.'s (2010)
    estimator for :math:`S_i` and Jansen's for :math:`S_{Ti}`, and bootstrap confidence intervals.
    Estimates below zero or with wide intervals mean :math:`N` is too small; a warning says so.

Morris elementary effects
    :math:`r` one-at-a-time trajectories on a :math:`p`-level grid give :math:`r` elementary
    effects :math:`EE_i = [Y(u + \Delta e_i) - Y(u)]/\Delta` per parameter; :math:`\mu^*_i` (the
    mean of :math:`|EE_i|`, Campolongo et al. 2007) ranks influence and :math:`\sigma_i` (their
    standard deviation) flags non-linearity or interaction (Morris 1991). The grid levels are
    placed at the centres of :math:`p` equal-probability bins, :math:`(k + 1/2)/p`, so that no
    parameter is evaluated at a quantile of 0 or 1 (infinite for unbounded distributions); effects
    are reported per unit change of a parameter's quantile.

References
----------
Sobol', I. M. (2001). Global sensitivity indices for nonlinear mathematical models and their Monte
Carlo estimates. *Mathematics and Computers in Simulation* 55, 271-280.
doi:10.1016/S0378-4754(00)00270-6.

Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M. and Tarantola, S. (2010). Variance
based sensitivity analysis of model output. *Computer Physics Communications* 181, 259-270.
doi:10.1016/j.cpc.2009.09.018.

Morris, M. D. (1991). Factorial sampling plans for preliminary computational experiments.
*Technometrics* 33, 161-174. doi:10.1080/00401706.1991.10484804.

Campolongo, F., Cariboni, J. and Saltelli, A. (2007). An effective screening design for
sensitivity analysis of large models. *Environmental Modelling & Software* 22, 1509-1518.
doi:10.1016/j.envsoft.2006.10.004.

Herman, J. and Usher, W. (2017). SALib: an open-source Python library for sensitivity analysis.
*Journal of Open Source Software* 2(9), 97. doi:10.21105/joss.00097.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import xarray as xr
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from posturelab.engine.compiled import compile_scenario
from posturelab.engine.run import ChunkDone, RunOptions, compute_chunks, uncertain_names
from posturelab.explore.outcomes import member_values
from posturelab.scenario.schema import LeverValue, Scenario

Method = Literal["sobol", "morris"]
UnitModel = Callable[[np.ndarray], np.ndarray]
"""A model on the unit hypercube: points of shape ``(G, P, K)`` (G groups of P points) to outputs
of shape ``(G, P)``. The points of one group are compared with each other by the estimators."""

NEGATIVE_TOLERANCE = 0.05
WIDE_INTERVAL = 0.1
MORRIS_LEVELS = 4
MIN_TRAJECTORIES = 10


@dataclass
class SensitivityResult:
    """Indices per parameter, most influential first.

    Attributes
    ----------
    method
        ``sobol`` or ``morris``.
    rows
        Sobol: ``{"parameter", "S1", "S1_conf", "ST", "ST_conf"}`` (95% bootstrap half-widths);
        Morris: ``{"parameter", "mu_star", "mu_star_conf", "sigma", "mu"}``.
    evaluations
        Model evaluations (ensemble members) used.
    warnings
        Messages about a sample that is too small or an output that does not vary.
    """

    method: Method
    rows: list[dict[str, Any]]
    evaluations: int
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "method": self.method,
            "evaluations": self.evaluations,
            "warnings": self.warnings,
            "indices": [
                {
                    k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                    for k, v in r.items()
                }
                for r in self.rows
            ],
        }


def _problem(names: list[str]) -> dict[str, Any]:
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def _salib_seed(seed: int, stream: int) -> int:
    """A non-zero 32-bit seed for SALib derived from the run's seed (SALib treats 0 as unseeded)."""
    return int(np.random.SeedSequence([seed, stream]).generate_state(1)[0]) | 1


def is_power_of_two(n: int) -> bool:
    """Whether ``n`` is a positive power of two (Sobol' sequences need one)."""
    return n > 0 and (n & (n - 1)) == 0


def sobol_indices(
    model: UnitModel, names: list[str], n: int, seed: int, *, resamples: int = 100
) -> SensitivityResult:
    """First and total Sobol' indices of ``model`` over the unit hypercube.

    Parameters
    ----------
    model
        Maps the design, shape ``(N, K+2, K)`` in (0, 1) (SALib's rows grouped by base point),
        to one finite output per point, shape ``(N, K+2)``.
    names
        The K input names.
    n
        Base sample size :math:`N`, a power of two.
    seed
        Root seed; the design's scrambling and the bootstrap derive from it.
    resamples
        Bootstrap resamples for the confidence intervals.
    """
    if not is_power_of_two(n):
        raise ValueError(f"the Sobol' base sample size must be a power of two, got {n}")
    problem = _problem(names)
    x = sobol_sample.sample(problem, n, calc_second_order=False, seed=_salib_seed(seed, 1))
    k = len(names)
    y = np.asarray(model(x.reshape(n, k + 2, k)), dtype=np.float64).reshape(-1)
    _check_output(y)
    warnings: list[str] = []
    if np.ptp(y) == 0:
        rows: list[dict[str, Any]] = [
            {"parameter": p, "S1": 0.0, "S1_conf": 0.0, "ST": 0.0, "ST_conf": 0.0} for p in names
        ]
        warnings.append("the output does not vary across the design; every index is zero")
        return SensitivityResult("sobol", rows, int(y.size), warnings)
    si = sobol_analyze.analyze(
        problem, y, calc_second_order=False, num_resamples=resamples, seed=_salib_seed(seed, 2)
    )
    rows = [
        {
            "parameter": p,
            "S1": float(si["S1"][i]),
            "S1_conf": float(si["S1_conf"][i]),
            "ST": float(si["ST"][i]),
            "ST_conf": float(si["ST_conf"][i]),
        }
        for i, p in enumerate(names)
    ]
    rows.sort(key=lambda r: -r["ST"])
    negative = [r["parameter"] for r in rows if min(r["S1"], r["ST"]) < -NEGATIVE_TOLERANCE]
    if negative:
        warnings.append(
            f"{len(negative)} parameter(s) have indices below -{NEGATIVE_TOLERANCE} "
            f"(e.g. {negative[0]}): the sample is too small; raise --n"
        )
    wide = [r["parameter"] for r in rows if max(r["S1_conf"], r["ST_conf"]) > WIDE_INTERVAL]
    if wide:
        warnings.append(
            f"{len(wide)} parameter(s) have 95% intervals wider than ±{WIDE_INTERVAL} "
            f"(e.g. {wide[0]}): the sample is too small to rank them; raise --n"
        )
    return SensitivityResult("sobol", rows, int(y.size), warnings)


def morris_indices(
    model: UnitModel, names: list[str], trajectories: int, seed: int, *, levels: int = MORRIS_LEVELS
) -> SensitivityResult:
    r"""Morris screening (:math:`\mu^*`, :math:`\sigma`) of ``model`` over the unit hypercube.

    Parameters
    ----------
    model
        Maps the design, shape ``(r, K+1, K)`` in (0, 1) (one trajectory per group), to one finite
        output per point, shape ``(r, K+1)``.
    names
        The K input names.
    trajectories
        Number of trajectories :math:`r`.
    seed
        Root seed.
    levels
        Grid levels :math:`p` (even).
    """
    problem = _problem(names)
    grid = morris_sample.sample(problem, trajectories, num_levels=levels, seed=_salib_seed(seed, 3))
    centred = (grid * (levels - 1) + 0.5) / levels
    k = len(names)
    y = np.asarray(model(centred.reshape(trajectories, k + 1, k)), dtype=np.float64).reshape(-1)
    _check_output(y)
    si = morris_analyze.analyze(
        problem, grid, y, num_levels=levels, num_resamples=100, seed=_salib_seed(seed, 4)
    )
    scale = levels / (levels - 1)  # SALib's step on the grid over the step between bin centres
    rows: list[dict[str, Any]] = [
        {
            "parameter": p,
            "mu_star": float(si["mu_star"][i]) * scale,
            "mu_star_conf": float(si["mu_star_conf"][i]) * scale,
            "sigma": float(si["sigma"][i]) * scale,
            "mu": float(si["mu"][i]) * scale,
        }
        for i, p in enumerate(names)
    ]
    rows.sort(key=lambda r: -r["mu_star"])
    warnings: list[str] = []
    if trajectories < MIN_TRAJECTORIES:
        warnings.append(
            f"only {trajectories} trajectories: Morris rankings need about "
            f"{MIN_TRAJECTORIES} or more; raise --n"
        )
    top = [r for r in rows[:5] if r["mu_star"] > 0 and r["mu_star_conf"] > 0.5 * r["mu_star"]]
    if top:
        warnings.append(
            f"the 95% interval of mu* exceeds half of mu* for {len(top)} of the leading "
            f"parameters (e.g. {top[0]['parameter']}): raise --n"
        )
    return SensitivityResult("morris", rows, int(y.size), warnings)


def _check_output(y: np.ndarray) -> None:
    if not np.all(np.isfinite(y)):
        missing = int(np.sum(~np.isfinite(y)))
        raise ValueError(
            f"the output is missing for {missing} of {y.size} design points; variance-based "
            "indices need a value at every point (choose an indicator defined for every member)"
        )


def ensemble_model(
    scenario: Scenario,
    levers: dict[str, LeverValue],
    indicator: str,
    *,
    seed: int,
    month: str | None = None,
    chunk_size: int = 2048,
    executor: Executor | None = None,
) -> UnitModel:
    """The engine as a function of unit-hypercube points, with common random numbers.

    Points of shape ``(G, P, K)`` (columns in :func:`posturelab.engine.run.uncertain_names`
    order) are simulated in one vectorised pass, point ``(g, p)`` as **member g** of the run with
    the given seed: its parameters come from the point, its own random draws (attack draws and
    the like) from the seed and the member index alone. Every point of group ``g`` therefore
    shares the same draws, and the estimators, which compare points within a group, see the
    parameters rather than the dice. Chunks of points run on ``executor`` when one is given
    (:func:`posturelab.runners.make_executor`); the numbers do not depend on it.
    """
    model_spec = compile_scenario(scenario, levers)
    declared = model_spec.indicators()
    if indicator not in declared:
        listed = ", ".join(sorted(declared))
        raise ValueError(f"unknown indicator {indicator!r}; this scenario provides: {listed}")
    reads = declared[indicator]

    def model(points: np.ndarray) -> np.ndarray:
        design = np.clip(np.asarray(points, dtype=np.float64), 1e-9, 1.0 - 1e-9)
        groups, per_group, k = design.shape
        flat = design.reshape(groups * per_group, k)
        members = np.repeat(np.arange(groups, dtype=np.int64), per_group)
        out = np.empty(flat.shape[0])
        starts = range(0, flat.shape[0], chunk_size)
        plan = {i: members[lo : lo + chunk_size] for i, lo in enumerate(starts)}
        rows = {i: flat[lo : lo + chunk_size] for i, lo in enumerate(starts)}

        def place(done: ChunkDone) -> None:
            chunk = done.output
            variables: dict[str, tuple[tuple[str, ...], np.ndarray]] = {
                n: (("member", "month"), v) for n, v in chunk.series.items()
            }
            variables.update({n: (("member",), v) for n, v in chunk.scalars.items()})
            dataset = xr.Dataset(variables, coords={"month": list(model_spec.months)})
            lo = done.index * chunk_size
            out[lo : lo + chunk.members.size] = member_values(dataset, reads, month).values

        options = RunOptions(members=groups, seed=seed)
        compute_chunks(model_spec, options, plan, place, executor=executor, chunk_designs=rows)
        return out.reshape(groups, per_group)

    return model


def engine_sensitivity(
    scenario: Scenario,
    levers: dict[str, LeverValue],
    indicator: str,
    *,
    method: Method,
    n: int,
    seed: int,
    month: str | None = None,
    executor: Executor | None = None,
    box: tuple[np.ndarray, np.ndarray] | None = None,
) -> SensitivityResult:
    """Sobol' (base size ``n``) or Morris (``n`` trajectories) indices of one indicator.

    ``executor`` is where the engine's chunks run; ``None`` runs them in this process. ``box``
    (lower and upper unit-hypercube corners, e.g. of a calibration's NROY members) restricts
    every parameter to its part of the prior: point ``u`` is simulated at
    ``lower + u (upper - lower)``, so the indices describe the variation inside the box.
    """
    names = list(uncertain_names(scenario))
    model = ensemble_model(scenario, levers, indicator, seed=seed, month=month, executor=executor)
    if box is not None:
        lower, upper = box
        whole = model

        def model(points: np.ndarray) -> np.ndarray:
            return whole(lower + np.asarray(points, dtype=np.float64) * (upper - lower))

    if method == "sobol":
        return sobol_indices(model, names, n, seed)
    return morris_indices(model, names, n, seed)
