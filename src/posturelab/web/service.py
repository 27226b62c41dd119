"""What the HTTP API computes, as plain functions over validated scenarios and datasets.

Nothing here knows about HTTP: the functions take scenarios, lever mappings and xarray datasets
and return JSON-ready dictionaries. The API (:mod:`posturelab.web.app`) and the HTML report
(:mod:`posturelab.report.html`) call them.

A client names a scenario by a built-in id or sends its text; it never names a file on the
server. Lever values sent as JSON are converted to the text a ``--set LEVER=VALUE`` option would
carry and checked by :func:`posturelab.scenario.levers.parse_assignments`, so the command line and
the API accept exactly the same values.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from posturelab.errors import Problem, ScenarioError
from posturelab.scenario.levers import parse_assignments, resolve_levers
from posturelab.scenario.loader import LoadedScenario, builtin_ids, load_scenario, parse_scenario
from posturelab.scenario.schema import LeverValue, Scenario

REQUEST = "<request>"
"""The file name of problems in a request's fields."""
UPLOAD_NAME = "<upload>"
"""The file name located problems of an uploaded scenario carry."""

QUANTILES = (0.05, 0.5, 0.95)


def resolve_scenario(scenario_id: str | None, text: str | None) -> LoadedScenario:
    """Load a built-in scenario by id, or validate uploaded scenario text.

    Exactly one of ``scenario_id`` and ``text`` must be given. An id is looked up among the
    built-ins only, never as a path.

    Raises
    ------
    ScenarioError
        When neither or both are given, the id is unknown, or the text is not a valid scenario.
    """
    if text is not None and scenario_id is None:
        return parse_scenario(text, UPLOAD_NAME)
    if scenario_id is None or text is not None:
        raise ScenarioError(
            [Problem(REQUEST, None, None, "scenario", "give either 'scenario' or 'text'")]
        )
    known = builtin_ids()
    if scenario_id not in known:
        raise ScenarioError(
            [
                Problem(
                    REQUEST,
                    None,
                    None,
                    "scenario",
                    f"unknown scenario {scenario_id!r} (built-ins: {', '.join(known)})",
                )
            ]
        )
    return load_scenario(scenario_id)


def _as_text(value: LeverValue | int) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def lever_values(
    scenario: Scenario,
    overrides: Mapping[str, LeverValue | int] | None,
    variant: str | None = None,
    option: str = "levers",
) -> dict[str, LeverValue]:
    """Every lever's value: defaults, then ``variant``, then ``overrides`` checked like ``--set``.

    Raises
    ------
    ScenarioError
        Listing every unknown lever and every value outside its lever's domain.
    """
    assignments = [f"{name}={_as_text(value)}" for name, value in (overrides or {}).items()]
    try:
        parsed = parse_assignments(scenario, assignments, option=option)
        return resolve_levers(scenario, parsed, variant)
    except ScenarioError as error:
        raise ScenarioError(
            [Problem(REQUEST, p.line, p.column, p.path, p.message) for p in error.problems]
        ) from None


def lever_controls(scenario: Scenario) -> list[dict[str, Any]]:
    """The scenario's levers as control specifications for a form.

    Each entry has ``id``, ``kind`` (``number``, ``bool``, ``month`` or ``month_or_never``),
    ``default``, ``min`` and ``max`` (numbers only), ``unit``, ``description`` and, for month
    levers, the simulated period's first and last month as ``min_month``/``max_month``.
    """
    controls = []
    for lever in scenario.levers:
        entry: dict[str, Any] = {
            "id": lever.id,
            "kind": lever.kind,
            "default": lever.default,
            "min": lever.min,
            "max": lever.max,
            "unit": lever.unit,
            "description": lever.description,
        }
        if lever.kind in ("month", "month_or_never"):
            entry["min_month"] = scenario.meta.start
            entry["max_month"] = scenario.meta.end
        controls.append(entry)
    return controls


def scenario_detail(loaded: LoadedScenario) -> dict[str, Any]:
    """A scenario's description for a client: meta, lever controls, claims, indicators, variants."""
    s = loaded.scenario
    from posturelab.engine.indicators import reported_names, scenario_indicators

    declared = [o.id for o in s.outcomes]
    indicators = declared or sorted(reported_names(scenario_indicators(s)))
    has_campaign = any(c.campaign == "adm" for c in s.contests)
    return {
        "id": s.meta.id,
        "title": s.meta.title,
        "description": s.meta.description,
        "start": s.meta.start,
        "end": s.meta.end,
        "sha256": loaded.sha256,
        "levers": lever_controls(s),
        "claims": [
            {
                "id": c.id,
                "statement": c.statement,
                "by": c.by,
                "indicator": c.indicator,
                "direction": c.direction,
                "base": c.base,
                "treatment": c.treatment,
            }
            for c in s.claims
        ],
        "indicators": indicators,
        "variants": [{"id": v.id, "description": v.description, "set": v.set} for v in s.variants],
        "campaign": has_campaign,
    }


def _clean(values: np.ndarray) -> list[float | None]:
    return [float(v) if math.isfinite(float(v)) else None for v in values]


def series_quantiles(dataset: xr.Dataset, units: Mapping[str, str]) -> dict[str, Any]:
    """Quantiles over members per month of every member x month series, for fan charts.

    Returns ``{"months": [...], "series": {name: {"unit", "p05", "p50", "p95"}}}``; a month
    where no member has a value gives ``null``. Probability indicators that are one number per
    member (``p_*``) also get their share of members by month when the dataset has the matching
    ``attack_month_*`` (the cumulative probability of the event by each month).
    """
    months = [str(m) for m in dataset["month"].values]
    out: dict[str, Any] = {}
    for name in dataset.data_vars:
        key = str(name)
        if key.startswith("param:") or dataset[name].dims != ("member", "month"):
            continue
        values = np.asarray(dataset[name].values, dtype=np.float64)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
            q = np.nanquantile(values, QUANTILES, axis=0)
        out[key] = {
            "unit": units.get(key, ""),
            "p05": _clean(q[0]),
            "p50": _clean(q[1]),
            "p95": _clean(q[2]),
        }
    return {"months": months, "members": int(dataset.sizes["member"]), "series": out}


def _one_member(params: Any) -> Any:
    from posturelab.models.campaign import SCALAR_FIELDS, SCHEDULE_FIELDS, ADMParams

    values: dict[str, Any] = {
        name: float(np.asarray(getattr(params, name)).reshape(-1)[0]) for name in SCALAR_FIELDS
    }
    for name in SCHEDULE_FIELDS:
        schedule = getattr(params, name)
        values[name] = None if schedule is None else np.asarray(schedule).reshape(-1)
    return ADMParams(**values)


def campaign_trace(loaded: LoadedScenario, levers: Mapping[str, LeverValue]) -> dict[str, Any]:
    """One campaign of the scenario's ADM contest, every uncertain number at its median.

    The theatre is taken at the period's last month with the given levers (as ``posturelab
    campaign --scenario`` does). Returns the day-by-day trace (``day``, ``A``, ``D``, ``X``,
    ``Acas``, ``Dcas``), the contest, the month, the scored forces and a short summary.

    Raises
    ------
    ScenarioError
        When the scenario has no contest with an ``adm`` campaign.
    """
    from posturelab.engine.compiled import compile_scenario
    from posturelab.engine.scenario_campaign import scenario_campaign
    from posturelab.engine.simulate import sample_parameters
    from posturelab.models.campaign import STOP_REASONS, simulate_adm

    model = compile_scenario(loaded.scenario, dict(levers))
    design = np.full((1, len(model.uncertain)), 0.5)
    values = sample_parameters(model, 0, np.array([0], dtype=np.int64), 1, "mc", design)
    try:
        built = scenario_campaign(model, values)
    except ValueError as exc:
        raise ScenarioError([Problem(loaded.origin, None, None, "contests", str(exc))]) from None
    params = _one_member(built.params)
    result = simulate_adm(params, built.days, members=1)
    objective_day = int(result.objective_day[0])
    return {
        "contest": built.contest,
        "month": built.month,
        "forces": [f.as_dict() for f in built.forces],
        "day": list(range(built.days + 1)),
        "A": _clean(result.A[0]),
        "D": _clean(result.D[0]),
        "X": _clean(result.X[0]),
        "Acas": _clean(result.Acas[0]),
        "Dcas": _clean(result.Dcas[0]),
        "summary": {
            "days_run": int(result.days_run[0]),
            "final_X_km": float(result.X[0, -1]),
            "objective_day": None if objective_day < 0 else objective_day,
            "stop_reason": STOP_REASONS[int(result.stop_code[0])],
        },
    }


def problems_json(error: ScenarioError) -> list[dict[str, str | int | None]]:
    """The located problems of an error as JSON-ready mappings."""
    return [p.as_dict() for p in error.problems]
