r"""Targets: a scenario's outputs held against the published figures it lists.

A target (``targets:`` in a scenario, :class:`~posturelab.scenario.schema.Target`) names a
quantity, the lever settings it holds under and a published figure :math:`z`. Each member of an
ensemble is reduced to one number :math:`f_m` for the quantity:

* an **indicator** is reduced as the analysis commands reduce it
  (:func:`posturelab.explore.outcomes.member_values`): a series gives its value at ``month``, a
  probability the member's risk by ``month``, a distribution (``..._given_attack``) its value among
  the members where the event happens (missing elsewhere);
* a **campaign** quantity runs Epstein's Adaptive Dynamic Model for every member as if the attack
  of the scenario's ``adm`` contest started in ``month``, from the theatre's peacetime state that
  month (:func:`posturelab.engine.campaigns.scenario_campaign`): ``depth_km`` (displacement
  reached), ``days`` (days fought), ``objective_reached`` (0 or 1) or ``days_to_depth`` (first
  day the front passes ``depth_km``; missing where it never does).

The figure is a point ``value`` with an observation standard deviation ``sd``, so
:math:`V_{obs} = sd^2`, or a bracket ``range: [a, b]``, read as :math:`z = (a+b)/2` with
:math:`V_{obs} = ((b-a)/4)^2` (the bracket as a two-standard-deviation interval of the
observation error). A model-discrepancy allowance adds :math:`V_{md} = sd_{md}^2`.

The implausibility of the history-matching literature (Craig, Goldstein, Seheult & Smith 1997;
Vernon, Goldstein & Bower 2010; Andrianakis et al. 2015) is

.. math:: I = \frac{|E[f] - z|}{\sqrt{V_{obs} + V_{ens} + V_{md}}},

and a target is *consistent* when :math:`I \le 3` (Pukelsheim's three-sigma rule: any unimodal
distribution puts at least 95% of its mass within three standard deviations). For the scenario
as a whole (:func:`evaluate_targets`), :math:`E[f]` and :math:`V_{ens}` are the mean and variance
of :math:`f_m` over the ensemble's members: the question is whether the published figure lies
within the scenario's own predictive spread. Per member, as a calibration needs it, see
:mod:`posturelab.explore.calibration`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import asdict, dataclass, field
from math import isfinite
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from posturelab.engine.indicators import scenario_indicators
from posturelab.engine.run import RunOptions, run_ensemble
from posturelab.explore.outcomes import member_values
from posturelab.scenario.levers import resolve_levers
from posturelab.scenario.schema import LeverValue, Scenario, Target

if TYPE_CHECKING:
    import xarray as xr

    from posturelab.engine.compiled import CompiledScenario

FloatArray = NDArray[np.float64]
CUTOFF = 3.0
"""Largest implausibility of a consistent target (the three-sigma rule)."""
Status = Literal["consistent", "inconsistent", "no value"]
CAMPAIGN_UNITS = {
    "depth_km": "km",
    "days": "days",
    "objective_reached": "0-1",
    "days_to_depth": "days",
}


@dataclass(frozen=True)
class Observation:
    """A published figure as history matching reads it.

    Attributes
    ----------
    z
        The figure (a range's midpoint).
    v_obs
        Observation variance.
    low, high
        The published bracket, or ``z -+ 2 sd`` for a point figure (for tables and figures).
    """

    z: float
    v_obs: float
    low: float
    high: float


def observation(target: Target) -> Observation:
    """The figure ``z`` and observation variance of a target (see the module docstring)."""
    if target.range is not None:
        low, high = target.range
        return Observation((low + high) / 2.0, ((high - low) / 4.0) ** 2, low, high)
    assert target.value is not None and target.sd is not None  # the schema guarantees it
    return Observation(
        target.value, target.sd**2, target.value - 2 * target.sd, target.value + 2 * target.sd
    )


def discrepancy_variance(target: Target) -> float:
    """The model-discrepancy variance :math:`V_{md}` (0 without an allowance)."""
    return 0.0 if target.discrepancy is None else target.discrepancy.sd**2


def quantity_label(target: Target) -> str:
    """A short description of the target's quantity, for tables."""
    if target.indicator is not None:
        return target.indicator + (f" @ {target.month}" if target.month else "")
    extra = f" {target.depth_km:g} km" if target.depth_km is not None else ""
    return f"campaign {target.campaign}{extra}" + (f" @ {target.month}" if target.month else "")


def target_levers(scenario: Scenario, target: Target) -> dict[str, LeverValue]:
    """Every lever's value under the target's conditions (defaults, variant, ``set``)."""
    return resolve_levers(scenario, dict(target.set), target.variant)


def condition_groups(
    scenario: Scenario, targets: Sequence[Target]
) -> list[tuple[dict[str, LeverValue], list[Target]]]:
    """Targets grouped by the lever settings they hold under (one ensemble per group)."""
    groups: dict[tuple[tuple[str, str], ...], tuple[dict[str, LeverValue], list[Target]]] = {}
    for target in targets:
        levers = target_levers(scenario, target)
        key = tuple(sorted((k, repr(v)) for k, v in levers.items()))
        groups.setdefault(key, (levers, []))[1].append(target)
    return list(groups.values())


@dataclass
class CampaignCache:
    """Campaign traces per month of one ensemble (a campaign is run once per member and month)."""

    traces: dict[int, tuple[FloatArray, FloatArray, FloatArray]] = field(default_factory=dict)


def _member_parameters(
    scenario: Scenario, levers: Mapping[str, LeverValue], dataset: xr.Dataset
) -> tuple[CompiledScenario, dict[str, FloatArray]]:
    from posturelab.engine.compiled import compile_scenario

    model = compile_scenario(scenario, levers)
    n = int(dataset.sizes["member"])
    values: dict[str, FloatArray] = {}
    for name, quantity in model.quantities.items():
        key = f"param:{name}"
        if key in dataset.data_vars:
            values[name] = np.asarray(dataset[key].values, dtype=np.float64)
        else:
            values[name] = np.full(n, quantity.nominal)
    return model, values


def campaign_traces(
    scenario: Scenario, levers: Mapping[str, LeverValue], dataset: xr.Dataset, month: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Run every member's campaign as if the attack started in month ``month``.

    Returns
    -------
    tuple
        The displacement trace ``X`` (members, days + 1), the days fought and whether the
        objective was reached (1.0 or 0.0), per member.
    """
    from posturelab.engine.scenario_campaign import theatre_at_peace
    from posturelab.models.campaign import simulate_adm

    model, values = _member_parameters(scenario, levers, dataset)
    n = int(dataset.sizes["member"])
    at_peace = theatre_at_peace(model, values, n, month=month)
    result = simulate_adm(at_peace.params, at_peace.days, members=n, keep_trace=True)
    return (
        np.asarray(result.X, dtype=np.float64),
        np.asarray(result.days_run, dtype=np.float64),
        np.asarray(result.objective_reached, dtype=np.float64),
    )


def _month_number(dataset: xr.Dataset, month: str | None) -> int:
    months = [str(m) for m in dataset["month"].values]
    return len(months) - 1 if month is None else months.index(month)


def target_member_values(
    scenario: Scenario,
    levers: Mapping[str, LeverValue],
    dataset: xr.Dataset,
    target: Target,
    cache: CampaignCache | None = None,
) -> FloatArray:
    """The target's quantity per member of ``dataset`` (NaN where it does not apply)."""
    if target.indicator is not None:
        indicator = scenario_indicators(scenario)[target.indicator]
        reduced = member_values(dataset, indicator, target.month)
        return np.asarray(reduced.values, dtype=np.float64)
    index = _month_number(dataset, target.month)
    cache = cache if cache is not None else CampaignCache()
    if index not in cache.traces:
        cache.traces[index] = campaign_traces(scenario, levers, dataset, index)
    trace, days, reached = cache.traces[index]
    match target.campaign:
        case "depth_km":
            return np.asarray(trace[:, -1], dtype=np.float64)
        case "days":
            return days.copy()
        case "objective_reached":
            return reached.copy()
        case _:
            assert target.depth_km is not None
            passed = trace >= target.depth_km
            first = np.argmax(passed, axis=1).astype(np.float64)
            return np.where(passed.any(axis=1), first, np.nan)


def implausibility(mean: FloatArray | float, variance: FloatArray | float, z: float) -> FloatArray:
    """The implausibility ``|E[f] - z| / sqrt(V)``: 0 where both are 0, inf where only V is."""
    mean = np.asarray(mean, dtype=np.float64)
    variance = np.asarray(variance, dtype=np.float64)
    gap = np.abs(mean - z)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = gap / np.sqrt(variance)
    ratio = np.where(variance > 0, ratio, np.where(gap > 0, np.inf, 0.0))
    return np.asarray(np.where(np.isfinite(mean), ratio, np.nan), dtype=np.float64)


@dataclass(frozen=True)
class TargetRow:
    """One target held against an ensemble.

    ``model_*`` are over the members where the quantity has a value (``members_with_value``);
    ``direction`` says whether the model's mean lies ``above`` or ``below`` the figure when the
    target is inconsistent.
    """

    id: str
    statement: str
    use: str
    why: str
    source: str
    quantity: str
    unit: str
    conditions: dict[str, LeverValue]
    published: float
    published_low: float
    published_high: float
    published_is_range: bool
    model_mean: float | None
    model_p05: float | None
    model_p50: float | None
    model_p95: float | None
    members_with_value: int
    v_obs: float
    v_ens: float | None
    v_md: float
    discrepancy_reason: str | None
    implausibility: float | None
    status: Status
    direction: str | None


def row_dict(row: TargetRow) -> dict[str, object]:
    """A row as JSON-ready data: an infinite implausibility (no variance at all) becomes null."""
    data = asdict(row)
    data.update({k: None for k, v in data.items() if isinstance(v, float) and not isfinite(v)})
    return data


@dataclass(frozen=True)
class TargetReport:
    """Every evaluated target of a scenario, on one ensemble design."""

    scenario: str
    members: int
    seed: int
    calibration: str | None
    rows: tuple[TargetRow, ...]

    def inconsistent(self, use: str | None = None) -> list[TargetRow]:
        """Rows whose status is ``inconsistent`` (of one ``use``, or all)."""
        return [
            r for r in self.rows if r.status == "inconsistent" and (use is None or r.use == use)
        ]


def targets_json(report: TargetReport) -> dict[str, object]:
    """A report as JSON-ready data (``posturelab targets --json`` and the API)."""
    return {
        "scenario": report.scenario,
        "members": report.members,
        "seed": report.seed,
        "calibration": report.calibration,
        "targets": [row_dict(r) for r in report.rows],
    }


def _unit(scenario: Scenario, target: Target) -> str:
    if target.campaign is not None:
        return CAMPAIGN_UNITS[target.campaign]
    declared = scenario_indicators(scenario)
    name = target.indicator or ""
    return declared[name].unit if name in declared else ""


def summarise_target(
    scenario: Scenario, target: Target, levers: Mapping[str, LeverValue], values: FloatArray
) -> TargetRow:
    """The table row of a target from its per-member values over an ensemble."""
    obs = observation(target)
    v_md = discrepancy_variance(target)
    finite = values[np.isfinite(values)]
    n = int(finite.size)
    conditions = {k: v for k, v in levers.items() if k in target.set} | (
        {"variant": target.variant} if target.variant else {}
    )
    common = {
        "id": target.id,
        "statement": target.statement,
        "use": target.use,
        "why": target.why,
        "source": target.source,
        "quantity": quantity_label(target),
        "unit": _unit(scenario, target),
        "conditions": conditions,
        "published": obs.z,
        "published_low": obs.low,
        "published_high": obs.high,
        "published_is_range": target.range is not None,
        "members_with_value": n,
        "v_obs": obs.v_obs,
        "v_md": v_md,
        "discrepancy_reason": None if target.discrepancy is None else target.discrepancy.reason,
    }
    if n == 0:
        return TargetRow(
            **common,  # type: ignore[arg-type]
            model_mean=None,
            model_p05=None,
            model_p50=None,
            model_p95=None,
            v_ens=None,
            implausibility=None,
            status="no value",
            direction=None,
        )
    mean = float(finite.mean())
    v_ens = float(finite.var(ddof=1)) if n > 1 else 0.0
    i_value = float(implausibility(mean, obs.v_obs + v_ens + v_md, obs.z))
    consistent = i_value <= CUTOFF
    p05, p50, p95 = (float(q) for q in np.quantile(finite, [0.05, 0.5, 0.95]))
    return TargetRow(
        **common,  # type: ignore[arg-type]
        model_mean=mean,
        model_p05=p05,
        model_p50=p50,
        model_p95=p95,
        v_ens=v_ens,
        implausibility=i_value,
        status="consistent" if consistent else "inconsistent",
        direction=None if consistent else ("above" if mean > obs.z else "below"),
    )


def evaluate_targets(
    scenario: Scenario,
    options: RunOptions,
    *,
    targets: Sequence[Target] | None = None,
    design: FloatArray | None = None,
    calibration: str | None = None,
    executor: Executor | None = None,
) -> TargetReport:
    """Run one ensemble per set of conditions and hold every target against it.

    Parameters
    ----------
    scenario
        A validated scenario.
    options
        Ensemble size and seed; every condition set runs on the same members and random streams.
    targets
        The targets to evaluate (default: all of the scenario's).
    design
        Optional unit-hypercube design (a calibration's members), shape (members, K).
    calibration
        Name of the calibration file the design came from, for the report.
    executor
        Where to run the chunks.
    """
    chosen = list(scenario.targets if targets is None else targets)
    rows: dict[str, TargetRow] = {}
    for levers, group in condition_groups(scenario, chosen):
        result = run_ensemble(scenario, levers, options, design=design, executor=executor)
        cache = CampaignCache()
        for target in group:
            values = target_member_values(scenario, levers, result.dataset, target, cache)
            rows[target.id] = summarise_target(scenario, target, levers, values)
    ordered = tuple(rows[t.id] for t in chosen)
    return TargetReport(scenario.meta.id, options.members, options.seed, calibration, ordered)
