r"""Evaluating a scenario's claims (DESIGN 5.7).

A claim names a base and a treatment lever setting, an indicator, a direction (``increase``,
``decrease``, or ``none``: no material effect either way), an optional horizon and a materiality
band :math:`m \ge 0`, the smallest effect that matters. Both settings run on the same members with
the same random streams, so the per-member effect

.. math:: d_m = v_m^{\mathrm{treatment}} - v_m^{\mathrm{base}}

isolates the levers (:mod:`posturelab.explore.compare`). For a probability indicator
:math:`v_m` is the member's risk when the hazards allow it, else the 0/1 outcome
(:mod:`posturelab.explore.outcomes`). With :math:`s = +1` for ``increase`` and :math:`-1` for
``decrease`` the claim **holds** for member :math:`m` when :math:`s\,d_m > m`; a claim of no
material effect (``none``) holds when :math:`|d_m| \le m`.

Materiality
-----------
``material: 0.5pp`` is half a percentage point of a probability; ``material: 10%`` is a tenth of
the base setting's mean value; a plain number is in the indicator's unit. Without one the claim
uses the scenario's ``meta.materiality``, else :data:`DEFAULT_MATERIAL` (10% of the base value:
an effect smaller than a tenth of the quantity it moves is inside the spread of the inputs
behind it and rarely changes a decision). The older ``threshold`` is an absolute band.

Verdict rules
-------------
* ``untestable``: the indicator applies to no member in both settings, or takes one and the same
  value in every member under both (the model gives it no variation here); the reason says which.
* ``no_material_effect``: the central 90% of the per-member effects lies inside the band
  :math:`[-m, m]`.
* ``supported``: the claim holds in at least 80% of members.
* ``contradicted``: the effect is material and opposite to the claim in at least 80% of members.
* ``depends``: otherwise; the reason names the conditions, the parameter ranges of the PRIM box
  where it holds (or where the effect is largest).

A claim of no material effect (``none``, such as "the drawdown would not weaken the defence") is
``supported`` when the central 90% of the per-member effects lies inside :math:`[-m, m]`,
``contradicted`` when the effect is material (either way) in at least 80% of members, and
``depends`` otherwise; on the 0/1 basis, when the interval of :math:`\Delta` lies inside the band,
beyond it, or across its edge.

On the 0/1 basis (no hazard to give a risk) most members show no difference, so the verdict uses
the paired difference of proportions :math:`\Delta` with its 90% interval (Newcombe 1998,
:func:`posturelab.explore.compare.paired_proportion_interval`): ``supported`` when
:math:`s\Delta`'s interval lies above :math:`m`, ``contradicted`` when it lies below :math:`-m`,
``no_material_effect`` when it lies inside :math:`[-m, m]`, ``depends`` otherwise. An indicator
that applies only to some members (a campaign's depth, given an attack) may have a value in both
settings for few members; below ten the verdict is ``depends`` and the reason says that more
members are needed. Every effect is reported in absolute terms and relative to the base setting's
mean (``relative_effect``). Where the scenario samples the form of a relation, each claim is judged
again under each form (:mod:`posturelab.explore.structural`).

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
from posturelab.explore import structural
from posturelab.explore.compare import effect_on, paired_difference, paired_proportion_interval
from posturelab.explore.features import feature_scores
from posturelab.explore.outcomes import member_values, parameter_matrix
from posturelab.explore.prim import PrimResult, box_limits, prim_on_top
from posturelab.scenario.levers import resolve_levers
from posturelab.scenario.schema import Claim, LeverValue, Scenario

Verdict = Literal["supported", "contradicted", "no_material_effect", "depends", "untestable"]

DEFAULT_MATERIAL = "10%"
"""The built-in materiality band of a claim (see the module docstring)."""

SUPPORT_SHARE = 0.8
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
    material: str
    verdict: Verdict
    reason: str
    material_band: float | None = None
    basis: str | None = None
    unit: str = ""
    n: int = 0
    base_mean: float | None = None
    relative_effect: float | None = None
    effect_p05: float | None = None
    effect_p50: float | None = None
    effect_p95: float | None = None
    effect_mean: float | None = None
    share_holds: float | None = None
    share_opposite: float | None = None
    share_immaterial: float | None = None
    outcome_diff: float | None = None
    outcome_diff_low: float | None = None
    outcome_diff_high: float | None = None
    drivers: dict[str, Any] = field(default_factory=dict)
    effects: np.ndarray | None = None
    holds: np.ndarray | None = None
    prim_result: PrimResult | None = None
    prim_box: int | None = None
    structure: list[dict[str, Any]] = field(default_factory=list)
    """The verdict under each sampled form of a relation (:mod:`posturelab.explore.structural`)."""
    mechanisms: list[dict[str, Any]] | None = None
    mechanisms_note: str | None = None

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


def material_band(spec: str, base: np.ndarray) -> float:
    """The absolute band of a materiality spec (``0.5pp``, ``10%`` or a number) for ``base``."""
    if spec.endswith("pp"):
        return float(spec[:-2]) / 100.0
    if spec.endswith("%"):
        level = float(np.mean(np.abs(base))) if base.size else 0.0
        return float(spec[:-1]) / 100.0 * level
    return float(spec)


def _material_spec(scenario: Scenario, claim: Claim) -> str:
    if claim.material is not None:
        return claim.material
    if claim.threshold > 0:
        return repr(claim.threshold)
    return scenario.meta.materiality or DEFAULT_MATERIAL


def _conditions(drivers: dict[str, Any], limit: int = 2) -> str:
    """The PRIM box's first parameter ranges, as text ("" when there is no box)."""
    box = drivers.get("box")
    if not box or not box.get("limits"):
        return ""
    parts = [
        f"{lim['parameter']} in [{lim['lower']:.4g}, {lim['upper']:.4g}]"
        for lim in box["limits"][:limit]
    ]
    where = "it holds" if drivers.get("target") == "holds" else "the effect is largest"
    return f"; {where} mostly where " + " and ".join(parts)


def _verdict(
    signed: np.ndarray, d: np.ndarray, band: float, rule: str
) -> tuple[Verdict, str, float, float]:
    """The verdict on a per-member basis, its reason, and the shares holding and opposite."""
    share = float(np.mean(signed > band))
    opposite = float(np.mean(signed < -band))
    p05, p95 = (float(v) for v in np.quantile(d, [0.05, 0.95]))
    inside = -band <= p05 and p95 <= band
    if inside:
        return (
            "no_material_effect",
            f"90% of the per-member effects lie in [{p05:.4g}, {p95:.4g}], inside the materiality "
            f"band ±{band:.4g} ({rule})",
            share,
            opposite,
        )
    if share >= SUPPORT_SHARE:
        return (
            "supported",
            f"material in the claimed direction in {share:.0%} of members (rule: at least "
            f"{SUPPORT_SHARE:.0%}; band ±{band:.4g}, {rule})",
            share,
            opposite,
        )
    if opposite >= SUPPORT_SHARE:
        return (
            "contradicted",
            f"material and opposite to the claim in {opposite:.0%} of members (rule: at least "
            f"{SUPPORT_SHARE:.0%}; band ±{band:.4g}, {rule})",
            share,
            opposite,
        )
    return (
        "depends",
        f"material in the claimed direction in {share:.0%} of members, opposite in {opposite:.0%}"
        f" and immaterial in {1 - share - opposite:.0%} (band ±{band:.4g}, {rule})",
        share,
        opposite,
    )


def _verdict_none(d: np.ndarray, band: float, rule: str) -> tuple[Verdict, str, float, float]:
    """The verdict on a claim of no material effect, its reason, and the shares (see above)."""
    share = float(np.mean(np.abs(d) <= band))
    opposite = 1.0 - share
    p05, p95 = (float(v) for v in np.quantile(d, [0.05, 0.95]))
    up, down = float(np.mean(d > band)), float(np.mean(d < -band))
    spread = f"material upward in {up:.0%} and downward in {down:.0%} of members"
    if -band <= p05 and p95 <= band:
        return (
            "supported",
            f"as claimed, 90% of the per-member effects lie in [{p05:.4g}, {p95:.4g}], inside the "
            f"materiality band ±{band:.4g} ({rule})",
            share,
            opposite,
        )
    if opposite >= SUPPORT_SHARE:
        return (
            "contradicted",
            f"the effect is {spread} (rule: material in at least {SUPPORT_SHARE:.0%}; band "
            f"±{band:.4g}, {rule})",
            share,
            opposite,
        )
    return (
        "depends",
        f"immaterial in {share:.0%} of members, {spread} (band ±{band:.4g}, {rule})",
        share,
        opposite,
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
    rule = _material_spec(scenario, claim)
    common: dict[str, Any] = {
        "id": claim.id,
        "statement": claim.statement,
        "indicator": claim.indicator,
        "direction": claim.direction,
        "horizon": claim.horizon,
        "material": rule,
    }
    base_levers = resolve_levers(scenario, claim.base)
    treat_levers = resolve_levers(scenario, {**claim.base, **claim.treatment})
    base = runs.get(base_levers)
    treatment = runs.get(treat_levers)
    declared = scenario_indicators(scenario)
    if claim.indicator not in declared:
        listed = ", ".join(sorted(declared))
        return ClaimResult(
            **common,
            verdict="untestable",
            reason=f"the scenario provides no indicator {claim.indicator!r} (it has: {listed})",
        )
    indicator = declared[claim.indicator]
    none = claim.direction == "none"
    sign = -1.0 if claim.direction == "decrease" else 1.0
    vt = member_values(treatment.dataset, indicator, claim.horizon)
    vb = member_values(base.dataset, indicator, claim.horizon)
    both = np.isfinite(vt.values) & np.isfinite(vb.values)
    d, stats = paired_difference(vt.values, vb.values)
    base_values = vb.values[both]
    band = material_band(rule, base_values)
    base_mean = float(base_values.mean()) if base_values.size else math.nan
    signed = np.abs(d) if none else sign * d
    holds = signed <= band if none else signed > band
    x, names = parameter_matrix(base.dataset)
    drivers, prim_result, prim_box = _drivers(x[both], names, signed, holds, options.seed)
    share = opposite = math.nan
    if d.size == 0:
        verdict: Verdict = "untestable"
        reason = (
            f"indicator {claim.indicator!r} applies to no member in both settings (it is defined "
            "only where its event happens)"
        )
    elif np.ptp(vb.values[both]) == 0 and np.ptp(vt.values[both]) == 0 and not np.any(d):
        verdict = "untestable"
        reason = (
            f"indicator {claim.indicator!r} is {base_values[0]:.4g} in every member under both "
            "settings: the model gives it no variation here, so the claim cannot be tested"
        )
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
        claimed = "up" if none else "in the claimed direction"
        flips = (
            f" ({toward} member(s) change outcome {claimed}, {against} against; "
            f"90% interval of the {'' if none else 'claimed-direction '}difference "
            f"[{lo_s:.4f}, {hi_s:.4f}]; band ±{band:.4g}, {rule})"
        )
        share, opposite = float(np.mean(sign * o > 0)), float(np.mean(sign * o < 0))
        if none:
            share, opposite = float(np.mean(o == 0)), float(np.mean(o != 0))
            if -band <= lo_s and hi_s <= band:
                verdict, reason = (
                    "supported",
                    "as claimed, the interval lies inside the band" + flips,
                )
            elif lo_s > band or hi_s < -band:
                verdict, reason = "contradicted", "the interval lies beyond the band" + flips
            else:
                verdict = "depends"
                reason = "the interval straddles the band; more members may decide" + flips
        elif lo_s > band:
            verdict, reason = "supported", "the interval lies beyond the band" + flips
        elif hi_s < -band:
            verdict, reason = "contradicted", "the interval lies beyond the band, opposite" + flips
        elif -band <= lo_s and hi_s <= band:
            verdict, reason = "no_material_effect", "the interval lies inside the band" + flips
        else:
            verdict = "depends"
            reason = "the interval straddles the band; more members may decide" + flips
    else:
        if none:
            verdict, reason, share, opposite = _verdict_none(d, band, rule)
        else:
            verdict, reason, share, opposite = _verdict(signed, d, band, rule)
        if verdict == "depends":
            reason += _conditions(drivers)
    effect = effect_on(treatment.dataset, base.dataset, indicator, claim.horizon)
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
        material_band=band,
        basis=basis_note,
        unit=indicator.unit,
        n=int(d.size),
        base_mean=base_mean,
        relative_effect=(
            stats["mean"] / abs(base_mean) if base_mean and stats["mean"] is not None else None
        ),
        effect_p05=stats["p05"],
        effect_p50=stats["p50"],
        effect_p95=stats["p95"],
        effect_mean=stats["mean"],
        share_holds=share,
        share_opposite=opposite,
        share_immaterial=(1.0 - share - opposite) if d.size else None,
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
    results = [evaluate_claim(scenario, c, options, runs) for c in chosen]
    structural.by_form(scenario, chosen, results, runs, options, evaluate_claim)
    return results
