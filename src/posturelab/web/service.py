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
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from posturelab.errors import Problem, ScenarioError
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
    from posturelab.api.inputs import lever_settings

    return lever_settings(scenario, overrides, variant, option=option, file=REQUEST)


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
        "targets": target_entries(s),
    }


def target_entries(scenario: Scenario) -> list[dict[str, Any]]:
    """The scenario's targets for a client: statement, quantity, published figure and its source.

    ``published`` is ``{"range": [low, high]}`` or ``{"value": v, "sd": sd}``; ``source`` is the
    source's id, publisher, title, date and address (``url``, or ``None``).
    """
    from posturelab.explore.targets import quantity_label

    sources = {src.id: src for src in scenario.sources}
    out = []
    for t in scenario.targets:
        src = sources.get(t.source)
        out.append(
            {
                "id": t.id,
                "statement": t.statement,
                "use": t.use,
                "quantity": quantity_label(t),
                "published": {"range": list(t.range)}
                if t.range is not None
                else {"value": t.value, "sd": t.sd},
                "source": {
                    "id": t.source,
                    "publisher": None if src is None else src.publisher,
                    "title": None if src is None else src.title,
                    "date": None if src is None else src.date,
                    "url": None if src is None else src.url,
                },
            }
        )
    return out


def _clean(values: np.ndarray) -> list[float | None]:
    return [float(v) if math.isfinite(float(v)) else None for v in values]


@dataclass(frozen=True)
class Quantiles:
    """One series' 5%, 50% and 95% quantiles over members, month by month (``None``: no value)."""

    unit: str
    p05: tuple[float | None, ...]
    p50: tuple[float | None, ...]
    p95: tuple[float | None, ...]


@dataclass(frozen=True)
class SeriesQuantiles:
    """Quantiles over members per month of every member x month series of an ensemble."""

    months: tuple[str, ...]
    members: int
    series: Mapping[str, Quantiles]

    def to_json(self) -> dict[str, Any]:
        """``{"months": [...], "members": N, "series": {name: {"unit", "p05", "p50", "p95"}}}``."""
        return {
            "months": list(self.months),
            "members": self.members,
            "series": {
                name: {"unit": q.unit, "p05": list(q.p05), "p50": list(q.p50), "p95": list(q.p95)}
                for name, q in self.series.items()
            },
        }


def series_quantiles(dataset: xr.Dataset, units: Mapping[str, str]) -> SeriesQuantiles:
    """Quantiles over members per month of every member x month series, for fan charts.

    A month where no member has a value gives ``None``.
    """
    months = tuple(str(m) for m in dataset["month"].values)
    found: dict[str, Quantiles] = {}
    for name in dataset.data_vars:
        key = str(name)
        if key.startswith("param:") or dataset[name].dims != ("member", "month"):
            continue
        values = np.asarray(dataset[name].values, dtype=np.float64)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
            q = np.nanquantile(values, QUANTILES, axis=0)
        found[key] = Quantiles(
            units.get(key, ""), tuple(_clean(q[0])), tuple(_clean(q[1])), tuple(_clean(q[2]))
        )
    return SeriesQuantiles(months, int(dataset.sizes["member"]), found)


def campaign_trace(loaded: LoadedScenario, levers: Mapping[str, LeverValue]) -> dict[str, Any]:
    """One campaign of the scenario's ADM contest, every uncertain number at its median.

    The theatre is taken at the period's last month with the given levers, by
    :func:`posturelab.api.campaign` (as ``posturelab campaign --scenario`` does). Returns the
    day-by-day trace (``day``, ``A``, ``D``, ``X``, ``Acas``, ``Dcas``), the contest, the month,
    the scored forces and a short summary.

    Raises
    ------
    ScenarioError
        When the scenario has no contest with an ``adm`` campaign.
    """
    from posturelab.api import campaign
    from posturelab.errors import InputError

    try:
        trace = campaign(scenario=loaded, levers=levers)
    except InputError as error:
        raise ScenarioError(error.problems) from None
    return {
        "contest": trace.contest,
        "month": trace.month,
        "forces": [dict(f.__dict__) for f in trace.forces],
        "day": list(range(trace.days + 1)),
        **{name: _clean(trace.trace[name]) for name in ("A", "D", "X", "Acas", "Dcas")},
        "summary": {
            "days_run": trace.days_run,
            "final_X_km": float(trace.trace["X"][-1]),
            "objective_day": trace.objective_day,
            "stop_reason": trace.stop_reason,
        },
    }


def problems_json(error: ScenarioError) -> list[dict[str, str | int | None]]:
    """The located problems of an error as JSON-ready mappings."""
    return [p.as_dict() for p in error.problems]
