"""Commands ``fit lanchester`` (attrition laws fitted to a daily record) and ``campaign`` (ADM).

``posturelab fit lanchester DATA.csv`` fits a Lanchester law to a combat record with Engel's
estimator or least squares. ``posturelab campaign`` runs one campaign of Epstein's Adaptive
Dynamic Model from a JSON parameter file (defaults: the worked example). The command's pieces are
separate functions so that other front ends (a scenario option, the web API) can reuse them:
:func:`campaign_params_from_mapping` validates a mapping of parameters, :func:`campaign_payload`
turns a result into JSON-ready data and :func:`render_campaign` prints it as tables.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Final

import numpy as np
import typer
from rich import box
from rich.table import Table

from posturelab.cli import milestones
from posturelab.cli.console import out, print_json
from posturelab.engine.compiled import compile_scenario
from posturelab.engine.run import DEFAULT_SEED
from posturelab.engine.scenario_campaign import ScenarioCampaign, scenario_campaign
from posturelab.engine.simulate import sample_parameters
from posturelab.errors import InputError, Problem
from posturelab.models.campaign import SCALAR_FIELDS, STOP_REASONS, ADMParams, simulate_adm
from posturelab.scenario.levers import parse_assignments, resolve_levers
from posturelab.scenario.loader import load_scenario
from posturelab.scenario.schema import Scenario
from posturelab.textfile import read_user_text

if TYPE_CHECKING:
    from posturelab.models.lanchester_fit import LanchesterFit

MAX_PARAM_FILE_BYTES: Final[int] = 1_000_000
MAX_DAYS: Final[int] = 3650
DEFAULT_DAYS: Final[int] = 30


class Law(StrEnum):
    """Lanchester laws offered on the command line."""

    square = "square"
    linear = "linear"
    logarithmic = "logarithmic"
    general = "general"


class FitMethod(StrEnum):
    """Estimators offered on the command line."""

    engel = "engel"
    lsq = "lsq"


# --------------------------------------------------------------------------------------------------
# fit lanchester
# --------------------------------------------------------------------------------------------------


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def lanchester_payload(result: LanchesterFit, source: str) -> dict[str, Any]:
    """Return the JSON-ready description of a fit."""
    return {
        "law": result.law,
        "a": result.a,
        "b": result.b,
        "p": result.p,
        "q": result.q,
        "rmse": _finite(result.rmse),
        "r2": _finite(result.r2),
        "method": result.method,
        "n_days": result.n_days,
        "n_obs": result.n_obs,
        "se": {name: _finite(v) for name, v in result.se.items()},
        "data": source,
        "notes": list(result.notes),
        "fitted": {
            "day": [float(d) for d in result.day],
            "x": [float(v) for v in result.x_fit],
            "y": [float(v) for v in result.y_fit],
        },
    }


def _format_se(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.4g}"


def render_lanchester(payload: Mapping[str, Any]) -> None:
    """Print a fit as a readable table."""
    table = Table(
        title=f"Lanchester {payload['law']} law, {payload['method']} fit: {payload['data']}"
    )
    table.add_column("quantity")
    table.add_column("estimate", justify="right")
    table.add_column("std. error", justify="right")
    se = payload["se"]
    table.add_row("a (y against x)", f"{payload['a']:.6g}", _format_se(se.get("a")))
    table.add_row("b (x against y)", f"{payload['b']:.6g}", _format_se(se.get("b")))
    table.add_row("p", f"{payload['p']:.4g}", _format_se(se.get("p")))
    table.add_row("q", f"{payload['q']:.4g}", _format_se(se.get("q")))
    rmse, r2 = payload["rmse"], payload["r2"]
    table.add_row("RMSE", "n/a" if rmse is None else f"{rmse:.4g}", "")
    table.add_row("R²", "n/a" if r2 is None else f"{r2:.4f}", "")
    table.add_row("days / strengths compared", f"{payload['n_days']} / {payload['n_obs']}", "")
    out.print(table)
    for note in payload["notes"]:
        out.print(f"note: {note}")


def lanchester_command(
    data: Annotated[
        str, typer.Argument(help="CSV with columns day, x, y [, x_reinf, y_reinf, ...]")
    ],
    law: Annotated[Law, typer.Option(help="Attrition law.")] = Law.square,
    method: Annotated[FitMethod, typer.Option(help="Engel's estimator or least squares.")] = (
        FitMethod.engel
    ),
    p: Annotated[
        float | None, typer.Option("--p", help="Exponent p of the general law (fixed).")
    ] = None,
    q: Annotated[
        float | None, typer.Option("--q", help="Exponent q of the general law (fixed).")
    ] = None,
    exclude_day: Annotated[
        list[int] | None,
        typer.Option("--exclude-day", help="Treat this day's strengths and losses as unknown."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Fit a Lanchester law to a daily combat record (a is y's effectiveness against x)."""
    problems: list[Problem] = []
    for name, value in (("p", p), ("q", q)):
        if value is None:
            continue
        if law is not Law.general:
            problems.append(
                Problem("<command line>", None, None, f"--{name}", "only with --law general")
            )
        elif not (math.isfinite(value) and 0.0 <= value <= 3.0):
            problems.append(
                Problem(
                    "<command line>", None, None, f"--{name}", f"must be in [0, 3], got {value}"
                )
            )
    if problems:
        raise InputError(problems)
    from posturelab.data.combat_csv import read_combat_csv
    from posturelab.models.lanchester_fit import fit

    series = read_combat_csv(data)
    if exclude_day:
        series = series.without_days(tuple(float(d) for d in exclude_day))
    try:
        result = fit(series, law.value, method.value, p=p, q=q)
    except ValueError as exc:
        raise InputError.single(data, f"cannot fit: {exc}") from None
    payload = lanchester_payload(result, data)
    if exclude_day:
        payload["excluded_days"] = sorted(set(exclude_day))
    if as_json:
        print_json(payload)
    else:
        render_lanchester(payload)


# --------------------------------------------------------------------------------------------------
# campaign
# --------------------------------------------------------------------------------------------------

#: Allowed range of each scalar parameter: (low, low inclusive, high, high inclusive).
_RANGES: Final[dict[str, tuple[float, bool, float, bool]]] = {
    "A0": (0.0, True, math.inf, False),
    "D0": (0.0, True, math.inf, False),
    "alpha0": (0.0, True, 1.0, True),
    "rho": (0.0, False, math.inf, False),
    "W_max": (0.0, False, math.inf, False),
    "alpha_dT": (0.0, True, 1.0, True),
    "alpha_aT": (0.0, False, 1.0, True),
    "k": (0.0, True, math.inf, False),
    "Dcas0": (0.0, True, math.inf, False),
    "Acas0": (0.0, True, math.inf, False),
    "K_d": (0.0, True, math.inf, False),
    "K_a": (0.0, True, math.inf, False),
    "S_d": (0.0, True, math.inf, False),
    "S_a": (0.0, True, math.inf, False),
    "alpha_da": (0.0, True, 1.0, True),
    "alpha_aa": (0.0, True, 1.0, True),
    "objective_km": (0.0, False, math.inf, True),
    "breakpoint_A": (0.0, True, 1.0, False),
    "breakpoint_D": (0.0, True, 1.0, False),
    "breakpoint_A_momentum": (0.0, True, 1.0, True),
    "breakpoint_D_momentum": (0.0, True, 1.0, True),
    "pursuit_km_per_day": (0.0, True, math.inf, False),
    "reform_share": (0.0, False, math.inf, False),
}
_SCHEDULES: Final[tuple[str, ...]] = ("reinforcement_A", "reinforcement_D")
#: Daily factors (entry i is day i): allowed range of each entry.
_FACTORS: Final[dict[str, tuple[float, bool, float, bool]]] = {
    "air_factor_D": (0.0, True, 1.0, True),
    "rho_factor": (0.0, False, math.inf, False),
}
CAMPAIGN_KEYS: Final[tuple[str, ...]] = (*SCALAR_FIELDS, *_SCHEDULES, *_FACTORS, "days")


def _describe_range(low: float, low_in: bool, high: float, high_in: bool) -> str:
    if math.isinf(high):
        return f"{'>=' if low_in else '>'} {low:g}"
    return f"in {'[' if low_in else '('}{low:g}, {high:g}{']' if high_in else ')'}"


def _json_positions(text: str) -> dict[str, tuple[int, int]]:
    """Return the (line, column) of each top-level-looking key ``"name":`` in JSON text."""
    positions: dict[str, tuple[int, int]] = {}
    for match in re.finditer(r'"((?:[^"\\]|\\.)*)"\s*:', text):
        key = match.group(1)
        if key in positions:
            continue
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        positions[key] = (line, column)
    return positions


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def campaign_params_from_mapping(
    data: Mapping[str, Any],
    source: str,
    positions: Mapping[str, tuple[int, int]] | None = None,
    *,
    days: int | None = None,
) -> tuple[ADMParams, int]:
    """Validate a mapping of ADM parameters and return the parameters and the horizon.

    Keys are the fields of :class:`~posturelab.models.campaign.ADMParams` and ``days``; absent
    keys take the worked example's values. Schedules are lists (entry ``i`` arrives on day
    ``i + 1``) or mappings from day (``>= 1``) to lethality. ``objective_km`` may be ``null``
    (no objective). ``days`` overrides the mapping's ``days``.

    Raises
    ------
    InputError
        With every unknown key and every non-numeric or out-of-range value, located by
        ``positions`` (key -> (line, column)) when given.
    """
    pos = positions or {}
    problems: list[Problem] = []

    def problem(key: str, message: str) -> None:
        line, column = pos.get(key, (None, None))
        problems.append(Problem(source, line, column, key, message))

    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in CAMPAIGN_KEYS:
            close = difflib.get_close_matches(str(key), CAMPAIGN_KEYS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problem(str(key), f"unknown key {key!r}{hint}")
            continue
        if key == "days":
            number = _number(value)
            if number is None or not number.is_integer():
                problem(key, f"must be a whole number of days, got {json.dumps(value)}")
            elif not 0 <= number <= MAX_DAYS:
                problem(key, f"must be in [0, {MAX_DAYS}], got {value}")
            else:
                values[key] = int(number)
        elif key in _SCHEDULES:
            schedule = _parse_schedule(key, value, problem)
            if schedule is not None:
                values[key] = schedule
        elif key in _FACTORS:
            low, low_in, high, high_in = _FACTORS[key]
            entries = [_number(v) for v in value] if isinstance(value, list) else [None]
            bad = [
                i
                for i, v in enumerate(entries)
                if v is None
                or not (v >= low if low_in else v > low)
                or not (v <= high if high_in else v < high)
            ]
            if bad:
                rule = _describe_range(low, low_in, high, high_in)
                problem(key, f"must be a list of daily factors {rule} (entry i is day i)")
            else:
                values[key] = entries
        elif key == "objective_km" and value is None:
            values[key] = math.inf
        else:
            number = _number(value)
            low, low_in, high, high_in = _RANGES[key]
            if number is None or math.isnan(number):
                problem(key, f"must be a number, got {json.dumps(value)}")
                continue
            ok_low = number >= low if low_in else number > low
            ok_high = number <= high if high_in else number < high
            if not (ok_low and ok_high):
                problem(key, f"must be {_describe_range(low, low_in, high, high_in)}, got {value}")
                continue
            values[key] = number
    horizon = days if days is not None else values.pop("days", DEFAULT_DAYS)
    values.pop("days", None)
    if days is not None and not 0 <= days <= MAX_DAYS:
        problems.append(
            Problem(
                "<command line>", None, None, "--days", f"must be in [0, {MAX_DAYS}], got {days}"
            )
        )
    if problems:
        raise InputError(problems)
    return ADMParams(**values), int(horizon)


def _parse_schedule(key: str, value: Any, problem: Any) -> list[float] | None:
    """Turn a list or a {day: amount} mapping into a daily list (entry i arrives on day i + 1)."""
    if isinstance(value, list):
        amounts: list[float] = []
        for i, item in enumerate(value):
            number = _number(item)
            if number is None or not math.isfinite(number) or number < 0:
                problem(
                    key, f"entry {i} (day {i + 1}) must be a number >= 0, got {json.dumps(item)}"
                )
                return None
            amounts.append(number)
        return amounts
    if isinstance(value, dict):
        by_day: dict[int, float] = {}
        for day_key, item in value.items():
            try:
                day = int(str(day_key))
            except ValueError:
                day = 0
            if day < 1 or day > MAX_DAYS:
                problem(key, f"day {day_key!r} must be a whole number in [1, {MAX_DAYS}]")
                return None
            number = _number(item)
            if number is None or not math.isfinite(number) or number < 0:
                problem(key, f"day {day_key}: must be a number >= 0, got {json.dumps(item)}")
                return None
            by_day[day] = by_day.get(day, 0.0) + number
        schedule = [0.0] * max(by_day, default=0)
        for day, number in by_day.items():
            schedule[day - 1] = number
        return schedule
    problem(
        key, f"must be a list of daily amounts or a mapping day -> amount, got {json.dumps(value)}"
    )
    return None


def read_campaign_params(path: str, *, days: int | None = None) -> tuple[ADMParams, int]:
    """Read and validate a JSON parameter file (see :func:`campaign_params_from_mapping`)."""
    text = read_user_text(path, MAX_PARAM_FILE_BYTES)
    if not text.strip():
        raise InputError.single(path, "empty file: expected a JSON object of parameters", line=1)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError.single(
            path, f"not valid JSON: {exc.msg}", line=exc.lineno, column=exc.colno
        ) from None
    if not isinstance(data, dict):
        raise InputError.single(
            path, f"expected a JSON object of parameters, got {type(data).__name__}", line=1
        )
    return campaign_params_from_mapping(data, path, _json_positions(text), days=days)


def _params_payload(params: ADMParams, days: int) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    for name in SCALAR_FIELDS:
        value = float(np.asarray(getattr(params, name)))
        payload[name] = None if math.isinf(value) else value
    for name in (*_SCHEDULES, *_FACTORS):
        schedule = getattr(params, name)
        payload[name] = [] if schedule is None else [float(v) for v in np.ravel(schedule)]
    payload["days"] = days
    return payload


def campaign_payload(params: ADMParams, days: int) -> dict[str, Any]:
    """Run one campaign (a single member) and return its JSON-ready trace and summary."""
    result = simulate_adm(params, days, members=1)

    def series(values: np.ndarray[Any, Any]) -> list[float]:
        return [float(v) for v in values[0]]

    objective = float(np.asarray(params.objective_km))
    objective_day = int(result.objective_day[0])
    summary = {
        "days_run": int(result.days_run[0]),
        "final_X": float(result.X[0, -1]),
        "final_A": float(result.A[0, -1]),
        "final_D": float(result.D[0, -1]),
        "final_Dcas": float(result.Dcas[0, -1]),
        "final_Acas": float(result.Acas[0, -1]),
        "objective_km": None if math.isinf(objective) else objective,
        "objective_reached": objective_day >= 0,
        "objective_day": None if objective_day < 0 else objective_day,
        "stop_reason": STOP_REASONS[int(result.stop_code[0])],
    }
    return {
        "params": _params_payload(params, days),
        "day": list(range(days + 1)),
        "A": series(result.A),
        "D": series(result.D),
        "alpha": series(result.alpha),
        "W": series(result.W),
        "X": series(result.X),
        "alphaA": series(result.alphaA),
        "alphaD": series(result.alphaD),
        "Dcas": series(result.Dcas),
        "Acas": series(result.Acas),
        "summary": summary,
    }


def render_campaign(payload: Mapping[str, Any], every: int | None = None) -> None:
    """Print a campaign's day-by-day trace (every ``every`` days) and its summary."""
    days = len(payload["day"]) - 1
    summary = payload["summary"]
    step = every if every is not None else max(1, math.ceil(days / 30))
    shown = sorted({*range(0, days + 1, step), summary["days_run"], days})
    table = Table(
        title="Adaptive Dynamic Model: day-by-day trace",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
        pad_edge=False,
        collapse_padding=True,
    )
    for header in ("day", "A", "D", "α", "W", "X km", "αA", "αD", "Dcas", "Acas"):
        table.add_column(header, justify="right", no_wrap=True)
    for t in shown:
        table.add_row(
            str(t),
            f"{payload['A'][t]:,.0f}",
            f"{payload['D'][t]:,.0f}",
            f"{payload['alpha'][t]:.4f}",
            f"{payload['W'][t]:.2f}",
            f"{payload['X'][t]:.1f}",
            f"{payload['alphaA'][t]:.4f}",
            f"{payload['alphaD'][t]:.4f}",
            f"{payload['Dcas'][t]:.1f}",
            f"{payload['Acas'][t]:.1f}",
        )
    out.print(table)
    reached = summary["objective_reached"]
    objective = summary["objective_km"]
    out.print(
        f"Stopped: {summary['stop_reason']} after {summary['days_run']} days; "
        f"displacement {summary['final_X']:.1f} km; "
        f"attacker {summary['final_A']:,.0f}, defender {summary['final_D']:,.0f} lethality."
    )
    if objective is None:
        out.print("No objective depth set.")
    elif reached:
        out.print(f"Objective at {objective:g} km reached on day {summary['objective_day']}.")
    else:
        out.print(f"Objective at {objective:g} km not reached.")


def campaign_command(
    params: Annotated[
        str | None,
        typer.Option(
            "--params", help="JSON file of ADM parameters (defaults: the worked example)."
        ),
    ] = None,
    days: Annotated[
        int | None, typer.Option("--days", help=f"Horizon in days (default {DEFAULT_DAYS}).")
    ] = None,
    every: Annotated[
        int | None, typer.Option("--every", min=1, help="Show every N-th day in the table.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    scenario: Annotated[
        str | None,
        typer.Option(
            "--scenario", help="Build the campaign from a scenario's forces (id or file)."
        ),
    ] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Lever override LEVER=VALUE (repeatable).")
    ] = None,
    month: Annotated[
        str | None,
        typer.Option(help="Month of the scenario's state, YYYY-MM (default: its last month)."),
    ] = None,
    member: Annotated[
        int | None,
        typer.Option(min=0, help="Use this ensemble member's draws (default: every median)."),
    ] = None,
    seed: Annotated[
        int, typer.Option(min=0, help="Root seed for --member and --members.")
    ] = DEFAULT_SEED,
    members: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=100_000,
            help="Run the scenario's campaign for N sampled members and summarise the days to "
            "each milestone.",
        ),
    ] = None,
) -> None:
    """Run one campaign of Epstein's Adaptive Dynamic Model."""
    if scenario is not None:
        if params is not None:
            raise InputError.single(
                "<command line>", "give either --params or --scenario, not both", path="--params"
            )
        if members is not None:
            if member is not None:
                raise InputError.single(
                    "<command line>", "give either --member or --members, not both", path="--member"
                )
            milestones.print_ensemble(scenario, set_ or [], month, members, seed, as_json, days)
            return
        built, values, s = _scenario_campaign(scenario, set_ or [], month, member, seed)
        adm, horizon = _one_member(built.params), days or built.days
        payload = campaign_payload(adm, horizon)
        payload["scenario"] = {
            "contest": built.contest,
            "month": built.month,
            "member": member,
            "forces": [f.as_dict() for f in built.forces],
        }
        theatre = next(c.theatre for c in s.contests if c.id == built.contest)
        payload["milestones"] = milestones.member_milestones(s, theatre, values, payload["X"])
    else:
        if set_ or month or member is not None or members is not None:
            raise InputError.single(
                "<command line>",
                "--set, --month, --member and --members need --scenario",
                path="--set",
            )
        if params is None:
            adm, horizon = campaign_params_from_mapping({}, "<defaults>", days=days)
        else:
            adm, horizon = read_campaign_params(params, days=days)
        payload = campaign_payload(adm, horizon)
    if as_json:
        print_json(payload)
        return
    if "scenario" in payload:
        render_forces(payload["scenario"])
    render_campaign(payload, every)
    if payload.get("milestones"):
        milestones.render_member_milestones(payload["milestones"], payload["summary"])


def _scenario_campaign(
    ref: str, assignments: list[str], month: str | None, member: int | None, seed: int
) -> tuple[ScenarioCampaign, dict[str, Any], Scenario]:
    loaded = load_scenario(ref)
    s = loaded.scenario
    levers = resolve_levers(s, parse_assignments(s, assignments))
    model = compile_scenario(s, levers)
    at = milestones.month_option(model, month)
    if member is None:
        rows = np.array([0], dtype=np.int64)
        design = np.full((1, len(model.uncertain)), 0.5)
        values = sample_parameters(model, seed, rows, 1, "mc", design)
    else:
        rows = np.array([member], dtype=np.int64)
        values = sample_parameters(model, seed, rows, member + 1, "mc")
    try:
        return scenario_campaign(model, values, month=at), values, s
    except ValueError as exc:
        raise InputError.single(loaded.origin, str(exc), path="contests") from None


def _one_member(params: ADMParams) -> ADMParams:
    """The same parameters with every array of one member reduced to a scalar or a 1-D schedule."""
    values: dict[str, Any] = {
        name: float(np.asarray(getattr(params, name)).reshape(-1)[0]) for name in SCALAR_FIELDS
    }
    for name in (*_SCHEDULES, *_FACTORS):
        schedule = getattr(params, name)
        values[name] = None if schedule is None else np.asarray(schedule).reshape(-1)
    return ADMParams(**values)


def render_forces(info: Mapping[str, Any]) -> None:
    """Print the scored forces a scenario campaign used."""
    who = (
        "every uncertain number at its median"
        if info["member"] is None
        else f"member {info['member']}"
    )
    table = Table(title=f"Scored forces of {info['contest']} in {info['month']} ({who})")
    for header in ("side", "force", "actor", "personnel", "ground (tank eq.)", "aircraft (eff.)"):
        table.add_column(
            header, justify="left" if header in ("side", "force", "actor") else "right"
        )
    for row in info["forces"]:
        table.add_row(
            row["side"],
            row["force"],
            row["actor"],
            f"{row['personnel']:,.0f}",
            f"{row['ground']:,.0f}",
            f"{row['aircraft']:,.1f}",
        )
    out.print(table)


def register(app: typer.Typer, fit_app: typer.Typer) -> None:
    """Add ``campaign`` to ``app`` and ``lanchester`` to ``fit_app``."""
    app.command("campaign")(campaign_command)
    fit_app.command("lanchester")(lanchester_command)
