r"""Evaluating a scenario's claims (DESIGN 5.7).

A claim names a base and a treatment lever setting, an indicator, a direction (``increase`` or
``decrease``), an optional horizon and a materiality threshold :math:`\tau \ge 0`. Both settings
run on the same members with the same random streams, so the per-member effect

.. math:: d_m = v_m^{\mathrm{treatment}} - v_m^{\mathrm{base}}

isolates the levers (:mod:`posturelab.explore.compare`). For a probability indicator
:math:`v_m` is the member's risk when the hazards allow it, else the 0/1 outcome
(:mod:`posturelab.explore.outcomes`). With :math:`s = +1` for ``increase`` and :math:`-1` for
``decrease`` the claim **holds** for member :math:`m` when :math:`s\,d_m > \tau`.

Verdict rules
-------------
On a per-member basis (a risk, a series value or a distribution value) with
:math:`q` the share of members where the claim holds:

* ``supported`` when :math:`q \ge 0.8`;
* ``contradicted`` when :math:`q \le 0.2` (the effect is absent, immaterial or opposite in
  at least 80% of members);
* ``depends`` otherwise: whether it holds depends on the uncertain parameters, and the drivers
  say which.

On the 0/1 basis (no hazard to give a risk) most members show no difference, so the verdict uses
the paired difference of proportions :math:`\Delta` with its 90% interval (Newcombe 1998,
:func:`posturelab.explore.compare.paired_proportion_interval`):
``supported`` when :math:`s\Delta`'s interval lies above :math:`\tau`, ``contradicted`` when it lies
at or below :math:`\tau`, ``depends`` otherwise (more members may decide).

A claim whose indicator the engine does not produce is ``not_evaluated``, with the reason. An
indicator that applies only to some members (a campaign's depth, given an attack) may have a value
in both settings for few members; below ten the verdict is ``depends`` and the reason says that
more members are needed.

Drivers
-------
When the claim holds for some members and not others (at least ten of each), the drivers explain
the flag "holds": extra-trees feature scores (Geurts et al. 2006) and a PRIM box (Friedman & Fisher
1999; Bryant & Lempert 2010) of parameter ranges where it holds. PRIM searches only the
parameters with the highest feature scores (:data:`posturelab.explore.prim.PRIM_DIMS`), as
peeling in dozens of dimensions at a few thousand members trims slivers off inputs that do not
matter. Otherwise they explain where the
effect :math:`s\,d_m` is largest: scores from an extra-trees regressor and a PRIM box for the
members in the top quarter of the effect.
"""

from __future__ import annotations

import math
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from posturelab.engine.indicators import scenario_indicators
from posturelab.engine.run import EnsembleResult, RunOptions, run_ensemble
from posturelab.explore.compare import effect_on, paired_difference, paired_proportion_interval
from posturelab.explore.features import feature_scores
from posturelab.explore.outcomes import member_values, parameter_matrix
from posturelab.explore.prim import PrimResult, box_limits, prim_on_top
from posturelab.scenario.levers import resolve_levers
from posturelab.scenario.schema import Claim, LeverValue, Scenario

Verdict = Literal["supported", "contradicted", "depends", "not_evaluated"]

SUPPORT_SHARE = 0.8
CONTRADICT_SHARE = 0.2
MIN_CLASS = 10
MIN_PAIRS = 10
TOP_DRIVERS = 5


@dataclass
class ClaimResult:
    """The evaluation of one claim (see the module docstring for the rules)."""

    id: str
    statement: str
    indicator: str
    direction: str
    horizon: str | None
    threshold: float
    verdict: Verdict
    reason: str
    basis: str | None = None
    unit: str = ""
    n: int = 0
    effect_p05: float | None = None
    effect_p50: float | None = None
    effect_p95: float | None = None
    effect_mean: float | None = None
    share_holds: float | None = None
    share_opposite: float | None = None
    outcome_diff: float | None = None
    outcome_diff_low: float | None = None
    outcome_diff_high: float | None = None
    drivers: dict[str, Any] = field(default_factory=dict)
    effects: np.ndarray | None = None
    holds: np.ndarray | None = None
    prim_result: PrimResult | None = None
    prim_box: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (without the per-member arrays)."""
        skip = {"effects", "holds", "prim_result", "prim_box"}
        return {
            k: (None if isinstance(v, float) and not math.isfinite(v) else v)
            for k, v in self.__dict__.items()
            if k not in skip
        }


def _key(levers: dict[str, LeverValue]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, repr(v)) for k, v in levers.items()))


class _Runs:
    """Runs of one scenario keyed by lever setting, so claims sharing a base share its run."""

    def __init__(
        self,
        scenario: Scenario,
        options: RunOptions,
        executor: Executor | None = None,
        design: np.ndarray | None = None,
    ) -> None:
        self.scenario = scenario
        self.options = options
        self.executor = executor
        self.design = design
        self.cache: dict[tuple[tuple[str, str], ...], EnsembleResult] = {}

    def get(self, levers: dict[str, LeverValue]) -> EnsembleResult:
        key = _key(levers)
        if key not in self.cache:
            self.cache[key] = run_ensemble(
                self.scenario, levers, self.options, design=self.design, executor=self.executor
            )
        return self.cache[key]


def _drivers(
    x: np.ndarray,
    names: list[str],
    signed: np.ndarray,
    holds: np.ndarray,
    seed: int,
) -> tuple[dict[str, Any], PrimResult | None, int | None]:
    n_hold = int(holds.sum())
    if x.shape[1] == 0 or signed.size < 2 * MIN_CLASS:
        return {"target": None, "feature_scores": [], "box": None}, None, None
    if n_hold >= MIN_CLASS and holds.size - n_hold >= MIN_CLASS:
        target, flag = "holds", holds
        scores = feature_scores(x, holds.astype(np.float64), names, seed=seed, classify=True)
    else:
        target = "large_effect"
        flag = signed >= np.quantile(signed, 0.75)
        if flag.all() or not flag.any():
            return {"target": target, "feature_scores": [], "box": None}, None, None
        scores = feature_scores(x, signed, names, seed=seed, classify=False)
    result, index = prim_on_top(x, flag, names, scores)
    box = result.boxes[index]
    return (
        {
            "target": target,
            "feature_scores": scores[:TOP_DRIVERS],
            "box": {
                "coverage": box.coverage,
                "density": box.density,
                "mass": box.mass,
                "limits": box_limits(result, index),
            },
        },
        result,
        index,
    )


def evaluate_claim(
    scenario: Scenario, claim: Claim, options: RunOptions, runs: _Runs | None = None
) -> ClaimResult:
    """Evaluate one claim on ``options.members`` paired members.

    Parameters
    ----------
    scenario
        A validated scenario.
    claim
        One of its claims.
    options
        Ensemble size, seed and sampler shared by base and treatment.
    runs
        A cache of runs shared between claims (internal).
    """
    runs = runs or _Runs(scenario, options)
    common: dict[str, Any] = {
        "id": claim.id,
        "statement": claim.statement,
        "indicator": claim.indicator,
        "direction": claim.direction,
        "horizon": claim.horizon,
        "threshold": claim.threshold,
    }
    base_levers = resolve_levers(scenario, claim.base)
    treat_levers = resolve_levers(scenario, {**claim.base, **claim.treatment})
    base = runs.get(base_levers)
    treatment = runs.get(treat_levers)
    declared = scenario_indicators(scenario)
    if claim.indicator not in declared:
        available = ", ".join(sorted(declared))
        return ClaimResult(
            **common,
            verdict="not_evaluated",
            reason=(
                f"the engine does not produce indicator {claim.indicator!r} yet "
                f"(available: {available})"
            ),
        )
    indicator = declared[claim.indicator]
    sign = 1.0 if claim.direction == "increase" else -1.0
    vt = member_values(treatment.dataset, indicator, claim.horizon)
    vb = member_values(base.dataset, indicator, claim.horizon)
    both = np.isfinite(vt.values) & np.isfinite(vb.values)
    d, stats = paired_difference(vt.values, vb.values)
    signed = sign * d
    holds = signed > claim.threshold
    share = float(holds.mean()) if d.size else math.nan
    opposite = float(np.mean(signed < -claim.threshold)) if d.size else math.nan
    effect = effect_on(treatment.dataset, base.dataset, indicator, claim.horizon)
    if d.size == 0:
        verdict: Verdict = "not_evaluated"
        reason = f"indicator {claim.indicator!r} applies to no member in both settings"
    elif d.size < MIN_PAIRS:
        verdict = "depends"
        reason = (
            f"only {d.size} member(s) have a value of {claim.indicator!r} in both settings "
            f"(it applies only to some members); too few to decide (at least {MIN_PAIRS} "
            "are needed): raise --members"
        )
    elif vt.basis == "outcome":
        o = vt.values[both] - vb.values[both]
        toward, against = int(np.sum(sign * o > 0)), int(np.sum(sign * o < 0))
        _, low, high = paired_proportion_interval(vt.values[both], vb.values[both])
        lo_s, hi_s = sorted((sign * low, sign * high))
        flips = (
            f" ({toward} member(s) change outcome in the claimed direction, {against} against; "
            f"90% interval of the claimed-direction difference [{lo_s:.4f}, {hi_s:.4f}])"
        )
        if lo_s > claim.threshold:
            verdict = "supported"
            reason = "the interval lies beyond the threshold in the claimed direction" + flips
        elif hi_s <= claim.threshold:
            verdict = "contradicted"
            reason = "the interval lies at or short of the threshold" + flips
        else:
            verdict = "depends"
            reason = "the interval straddles the threshold; more members may decide" + flips
    elif share >= SUPPORT_SHARE:
        verdict = "supported"
        reason = f"holds in {share:.0%} of members (rule: at least {SUPPORT_SHARE:.0%})"
    elif share <= CONTRADICT_SHARE:
        verdict = "contradicted"
        reason = (
            f"holds in only {share:.0%} of members (rule: at most {CONTRADICT_SHARE:.0%}); "
            f"the effect is opposite in {opposite:.0%} and immaterial in "
            f"{1 - share - opposite:.0%}"
        )
    else:
        verdict = "depends"
        reason = (
            f"holds in {share:.0%} of members, between {CONTRADICT_SHARE:.0%} and "
            f"{SUPPORT_SHARE:.0%}: it depends on the uncertain parameters"
        )
    x, names = parameter_matrix(base.dataset)
    drivers, prim_result, prim_box = _drivers(x[both], names, signed, holds, options.seed)
    basis_note = {
        "risk": "per-member risk from the monthly hazards",
        "outcome": "0/1 outcome per member",
        "horizon_value": f"value at {vt.month}",
        "value": "per-member value",
    }[vt.basis]
    return ClaimResult(
        **common,
        verdict=verdict,
        reason=reason,
        basis=basis_note,
        unit=indicator.unit,
        n=int(d.size),
        effect_p05=stats["p05"],
        effect_p50=stats["p50"],
        effect_p95=stats["p95"],
        effect_mean=stats["mean"],
        share_holds=share,
        share_opposite=opposite,
        outcome_diff=effect.outcome_diff,
        outcome_diff_low=effect.outcome_diff_low,
        outcome_diff_high=effect.outcome_diff_high,
        drivers=drivers,
        effects=d,
        holds=holds,
        prim_result=prim_result,
        prim_box=prim_box,
    )


def evaluate_claims(
    scenario: Scenario,
    options: RunOptions,
    ids: list[str] | None = None,
    *,
    executor: Executor | None = None,
    design: np.ndarray | None = None,
) -> list[ClaimResult]:
    """Evaluate the scenario's claims (all, or those in ``ids``) in file order.

    ``executor`` is where the ensembles' chunks run (:func:`posturelab.runners.make_executor`);
    ``None`` runs them in this process. The numbers do not depend on it. ``design`` is an
    optional unit-hypercube design for every run (a calibration's NROY members).
    """
    runs = _Runs(scenario, options, executor, design)
    chosen = [c for c in scenario.claims if ids is None or c.id in ids]
    return [evaluate_claim(scenario, c, options, runs) for c in chosen]
