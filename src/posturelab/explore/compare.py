r"""Paired comparison of two lever settings on the same members (common random numbers).

Both settings run with the same seed and ensemble size, so member :math:`m` has the same sampled
parameters and the same random draws in both (DESIGN section 6); only the levers differ. For each
indicator the per-member difference

.. math:: d_m = v_m^{A} - v_m^{B}

isolates the levers' effect on that member (:math:`v_m` from
:func:`posturelab.explore.outcomes.member_values`). Reported are the median of :math:`d_m`, its
5-95% interval over members, and the shares of members with :math:`d_m > 0` and :math:`d_m < 0`.

For a probability indicator two further numbers are given. ``outcome_diff`` is the difference of
the ensemble proportions :math:`\Delta = \hat p_A - \hat p_B` of the 0/1 outcomes, with a 90%
interval for paired proportions: Newcombe's (1998) method 10, which combines the Wilson intervals
:math:`[l_A, u_A]` and :math:`[l_B, u_B]` of the two proportions with the correlation
:math:`\phi` of the paired outcomes (with Newcombe's continuity correction),

.. math::

    L = \Delta - \sqrt{(\hat p_A - l_A)^2 - 2\phi(\hat p_A - l_A)(u_B - \hat p_B)
        + (u_B - \hat p_B)^2},

and symmetrically for the upper limit. It stays sensible when only a few members change outcome,
where the normal approximation of the paired differences does not.
When the dataset can give a per-member risk, :math:`d_m` is the difference of risks (smooth, so
its median and shares are informative); otherwise it is the difference of 0/1 outcomes, which is
zero for most members.

Sharing random numbers makes the variance of the difference
:math:`\operatorname{Var}(v^A) + \operatorname{Var}(v^B) - 2\operatorname{Cov}(v^A, v^B)` small
when the two settings respond alike, which is why a lever that never acts gives exactly zero.
"""

from __future__ import annotations

import math
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from posturelab.engine.component import Indicator, IndicatorKind
from posturelab.engine.indicators import reported_names, scenario_indicators
from posturelab.engine.run import EnsembleResult, RunOptions, run_ensemble
from posturelab.engine.summary import Z90, wilson_interval
from posturelab.explore.outcomes import member_values
from posturelab.scenario.schema import LeverValue, Scenario

ROUNDING = 1e-12


@dataclass(frozen=True)
class Effect:
    """The paired effect on one indicator (see the module docstring)."""

    indicator: str
    kind: IndicatorKind
    basis: str
    month: str
    n: int
    p05: float | None
    p50: float | None
    p95: float | None
    mean: float | None
    share_positive: float | None
    share_negative: float | None
    outcome_diff: float | None = None
    outcome_diff_low: float | None = None
    outcome_diff_high: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {k: _clean(v) for k, v in self.__dict__.items()}


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def paired_difference(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, dict[str, float | None]]:
    """Per-member differences ``a - b`` where both are finite, and their summary statistics.

    Differences within ``ROUNDING`` (relative) of zero count as zero.
    """
    both = np.isfinite(a) & np.isfinite(b)
    d = a[both] - b[both]
    # Rounding noise from summing in a different order is not an effect.
    scale = np.maximum(1.0, np.maximum(np.abs(a[both]), np.abs(b[both])))
    d = np.where(np.abs(d) <= ROUNDING * scale, 0.0, d)
    if d.size == 0:
        empty: dict[str, float | None] = dict.fromkeys(
            ("p05", "p50", "p95", "mean", "share_positive", "share_negative")
        )
        return d, empty
    p05, p50, p95 = np.quantile(d, [0.05, 0.5, 0.95])
    return d, {
        "p05": float(p05),
        "p50": float(p50),
        "p95": float(p95),
        "mean": float(d.mean()),
        "share_positive": float(np.mean(d > 0)),
        "share_negative": float(np.mean(d < 0)),
    }


def paired_proportion_interval(
    a: np.ndarray, b: np.ndarray, z: float = Z90
) -> tuple[float, float, float]:
    """Difference of paired proportions ``mean(a) - mean(b)`` with Newcombe's interval.

    Parameters
    ----------
    a, b
        0/1 outcomes of the same members under two settings.
    z
        Standard normal quantile of the two-sided level (90% by default).

    References
    ----------
    Newcombe, R. G. (1998). Improved confidence intervals for the difference between binomial
    proportions based on paired data. *Statistics in Medicine* 17, 2635-2650 (method 10).
    """
    n = int(a.size)
    if n == 0:
        return (math.nan, math.nan, math.nan)
    both = float(np.sum((a > 0) & (b > 0)))
    only_a = float(np.sum((a > 0) & (b <= 0)))
    only_b = float(np.sum((a <= 0) & (b > 0)))
    neither = n - both - only_a - only_b
    pa, pb = (both + only_a) / n, (both + only_b) / n
    la, ua = wilson_interval(both + only_a, n, z)
    lb, ub = wilson_interval(both + only_b, n, z)
    denom = (both + only_a) * (only_b + neither) * (both + only_b) * (only_a + neither)
    # Newcombe's continuity-corrected phi: ad - bc shrunk by n/2 towards zero when positive.
    cross = both * neither - only_a * only_b
    cross = cross - n / 2 if cross > n / 2 else (cross if cross < 0 else 0.0)
    phi = cross / math.sqrt(denom) if denom > 0 else 0.0
    diff = pa - pb
    low = diff - math.sqrt(
        max(0.0, (pa - la) ** 2 - 2 * phi * (pa - la) * (ub - pb) + (ub - pb) ** 2)
    )
    high = diff + math.sqrt(
        max(0.0, (ua - pa) ** 2 - 2 * phi * (ua - pa) * (pb - lb) + (pb - lb) ** 2)
    )
    return (diff, max(-1.0, low), min(1.0, high))


def mean_difference_interval(d: np.ndarray, z: float = Z90) -> tuple[float, float, float]:
    """Mean of paired differences with a normal-approximation interval ``mean ± z s/√n``."""
    if d.size == 0:
        return (math.nan, math.nan, math.nan)
    mean = float(d.mean())
    half = z * float(d.std(ddof=1)) / math.sqrt(d.size) if d.size > 1 else math.nan
    return (mean, mean - half, mean + half)


def effect_on(
    a: xr.Dataset, b: xr.Dataset, indicator: Indicator, month: str | None = None
) -> Effect:
    """The paired effect ``A - B`` on one indicator."""
    name, kind = indicator.name, indicator.kind
    va = member_values(a, indicator, month)
    vb = member_values(b, indicator, month)
    d, stats = paired_difference(va.values, vb.values)
    extra: dict[str, float | None] = {}
    if kind == "probability":
        oa = member_values(a, indicator, month, prefer_risk=False).values
        ob = member_values(b, indicator, month, prefer_risk=False).values
        both = np.isfinite(oa) & np.isfinite(ob)
        mean, low, high = paired_proportion_interval(oa[both], ob[both])
        extra = {"outcome_diff": mean, "outcome_diff_low": low, "outcome_diff_high": high}
    return Effect(
        indicator=name,
        kind=kind,
        basis=va.basis,
        month=va.month,
        n=int(d.size),
        p05=stats["p05"],
        p50=stats["p50"],
        p95=stats["p95"],
        mean=stats["mean"],
        share_positive=stats["share_positive"],
        share_negative=stats["share_negative"],
        **{k: _clean(v) for k, v in extra.items()},
    )


@dataclass
class Comparison:
    """Two paired ensembles and the effects ``A - B`` per indicator."""

    a: EnsembleResult
    b: EnsembleResult
    effects: dict[str, Effect]
    indicators: dict[str, Indicator]
    """The declarations of the scenario's indicators."""


def compare(
    scenario: Scenario,
    levers_a: dict[str, LeverValue],
    levers_b: dict[str, LeverValue],
    options: RunOptions,
    *,
    indicators: list[str] | None = None,
    month: str | None = None,
    executor: Executor | None = None,
    design: np.ndarray | None = None,
) -> Comparison:
    """Run settings A and B on the same members and return the paired effects ``A - B``.

    Parameters
    ----------
    scenario
        A validated scenario.
    levers_a, levers_b
        A value for every lever (:func:`posturelab.scenario.levers.resolve_levers`).
    options
        Ensemble size, seed and sampler, shared by both runs.
    indicators
        Which indicators to compare; default every indicator the engine produced.
    month
        Horizon ``YYYY-MM`` for series and probabilities; default the last month.
    executor
        Where the chunks run (:func:`posturelab.runners.make_executor`); ``None`` runs them in
        this process. The numbers do not depend on it.
    design
        Optional unit-hypercube design shared by both runs (a calibration's NROY members).
    """
    a = run_ensemble(scenario, levers_a, options, design=design, executor=executor)
    b = run_ensemble(scenario, levers_b, options, design=design, executor=executor)
    declared = scenario_indicators(scenario)
    names = indicators if indicators is not None else reported_names(declared)
    effects = {
        n: effect_on(a.dataset, b.dataset, declared[n], month) for n in names if n in declared
    }
    return Comparison(a, b, effects, declared)


def lever_changes(
    levers_a: dict[str, LeverValue], levers_b: dict[str, LeverValue]
) -> dict[str, dict[str, LeverValue | None]]:
    """The levers whose values differ: ``{lever: {"a": ..., "b": ...}}``."""
    return {
        k: {"a": levers_a[k], "b": levers_b.get(k)}
        for k in levers_a
        if levers_a[k] != levers_b.get(k)
    }
