"""One campaign of Epstein's Adaptive Dynamic Model (``docs/models/campaign.md``).

:func:`campaign` runs the ADM from parameters (a mapping, a JSON file or
:class:`~posturelab.models.campaign.ADMParams`) or from a scenario's forces at a month.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from posturelab.api._display import html_table, number
from posturelab.api.inputs import (
    LeverSettings,
    ScenarioRef,
    bad_option,
    lever_settings,
    month_position,
)
from posturelab.api.inputs import load_scenario as _load
from posturelab.api.milestones import MemberMilestone, member_milestones
from posturelab.defaults import DEFAULT_SEED
from posturelab.errors import InputError
from posturelab.models.campaign import SCALAR_FIELDS, SCHEDULE_FIELDS, ADMParams, one_member

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr
    from matplotlib.figure import Figure

    from posturelab.engine.scenario_campaign import ScenarioCampaign, ScoredForce
    from posturelab.scenario.schema import Scenario

FloatArray = NDArray[np.float64]
TRACE = ("A", "D", "alpha", "W", "X", "alphaA", "alphaD", "Dcas", "Acas")
"""The daily variables of a campaign trace, in the order the command line prints them."""


@dataclass(frozen=True, eq=False)
class Campaign:
    """One campaign of the Adaptive Dynamic Model, day by day.

    Attributes
    ----------
    params, days
        The parameters (one member) and the horizon in days.
    trace
        Each variable of :data:`TRACE` (``A``, ``D`` ground lethality, ``alpha`` prosecution
        rate, ``W`` withdrawal rate in km/day, ``X`` displacement in km, ``alphaA``/``alphaD``
        attrition rates, ``Dcas``/``Acas`` aircraft), ``days + 1`` values from day 0.
    days_run, stop_reason
        The day the campaign stopped, and why.
    objective_km, objective_day
        The objective depth (``None``: none) and the day it was reached (``None``: not reached).
    contest, month, member, forces
        For a campaign built from a scenario: the contest, the month of the theatre, the member
        (``None``: every uncertain number at its median) and the scored forces.
    milestones
        For a campaign built from a scenario: the day each of the theatre's milestones is
        reached, beside its observed record.
    armour_factors
        For a campaign built from a scenario that declares ``scoring.anti_armour``: the factor
        on the attacker's and on the defender's armour (its value against the other side's
        answer, ``docs/models/campaign.md``); ``None`` otherwise.
    """

    params: ADMParams
    days: int
    trace: Mapping[str, FloatArray]
    days_run: int
    stop_reason: str
    objective_km: float | None
    objective_day: int | None
    contest: str | None = None
    month: str | None = None
    member: int | None = None
    forces: tuple[ScoredForce, ...] = ()
    milestones: tuple[MemberMilestone, ...] = ()
    armour_factors: tuple[float, float] | None = None

    @property
    def final(self) -> Mapping[str, float]:
        """Each trace variable on the last day."""
        return {name: float(values[-1]) for name, values in self.trace.items()}

    def to_pandas(self) -> pd.DataFrame:
        """The trace, one row per day."""
        import pandas as pd

        frame = pd.DataFrame({name: self.trace[name] for name in TRACE})
        frame.index.name = "day"
        return frame

    def to_xarray(self) -> xr.Dataset:
        """The trace as a Dataset over ``day``."""
        import xarray as xr

        return xr.Dataset(
            {name: (("day",), self.trace[name]) for name in TRACE},
            coords={"day": np.arange(self.days + 1)},
        )

    def to_json(self) -> dict[str, Any]:
        """What ``posturelab campaign --json`` prints: parameters, trace and summary."""
        params: dict[str, Any] = {}
        for name in SCALAR_FIELDS:
            value = float(np.asarray(getattr(self.params, name)))
            params[name] = None if math.isinf(value) else value
        for name in SCHEDULE_FIELDS:
            schedule = getattr(self.params, name)
            params[name] = [] if schedule is None else [float(v) for v in np.ravel(schedule)]
        params["days"] = self.days
        final = self.final
        payload: dict[str, Any] = {
            "params": params,
            "day": list(range(self.days + 1)),
            **{name: [float(v) for v in self.trace[name]] for name in TRACE},
            "summary": {
                "days_run": self.days_run,
                "final_X": final["X"],
                "final_A": final["A"],
                "final_D": final["D"],
                "final_Dcas": final["Dcas"],
                "final_Acas": final["Acas"],
                "objective_km": self.objective_km,
                "objective_reached": self.objective_day is not None,
                "objective_day": self.objective_day,
                "stop_reason": self.stop_reason,
            },
        }
        if self.contest is not None:
            payload["scenario"] = {
                "contest": self.contest,
                "month": self.month,
                "member": self.member,
                "forces": [f.as_dict() for f in self.forces],
                "armour_factors": None
                if self.armour_factors is None
                else dict(zip(("attacker", "defender"), self.armour_factors, strict=True)),
            }
            payload["milestones"] = [m.to_json() for m in self.milestones]
        return payload

    def plot(self) -> Figure:
        """Ground lethality of both sides and the displacement, day by day."""
        import matplotlib.pyplot as plt

        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
        day = np.arange(self.days + 1)
        left.plot(day, self.trace["A"], label="attacker A")
        left.plot(day, self.trace["D"], label="defender D")
        left.set_xlabel("day")
        left.set_ylabel("ground lethality")
        left.legend(fontsize=8)
        right.plot(day, self.trace["X"], color="#c44e52")
        right.set_xlabel("day")
        right.set_ylabel("displacement X (km)")
        fig.suptitle(f"Adaptive Dynamic Model: {self.stop_reason} after {self.days_run} days")
        fig.tight_layout()
        return fig

    def _repr_html_(self) -> str:
        final = self.final
        rows = [
            ("days run", self.days_run),
            ("stopped", self.stop_reason),
            ("displacement (km)", number(final["X"])),
            ("attacker lethality", number(final["A"])),
            ("defender lethality", number(final["D"])),
            ("objective day", "-" if self.objective_day is None else self.objective_day),
        ]
        title = "ADM campaign" + (f" of {self.contest} in {self.month}" if self.contest else "")
        return html_table(title, ("quantity", "value"), rows)


def _from_scenario(
    scenario: ScenarioRef,
    levers: LeverSettings | None,
    variant: str | None,
    month: str | None,
    member: int | None,
    seed: int,
) -> tuple[ScenarioCampaign, Scenario, dict[str, FloatArray]]:
    from posturelab.engine.compiled import compile_scenario
    from posturelab.engine.scenario_campaign import member_parameters, scenario_campaign

    loaded = _load(scenario)
    model = compile_scenario(loaded.scenario, lever_settings(loaded, levers, variant))
    at = month_position(model, month)
    values = member_parameters(model, seed, member)
    try:
        built = scenario_campaign(model, values, month=at)
    except ValueError as exc:
        raise InputError.single(loaded.origin, str(exc), path="contests") from None
    return built, loaded.scenario, values


def campaign(
    params: ADMParams | Mapping[str, Any] | str | Path | None = None,
    *,
    scenario: ScenarioRef | None = None,
    levers: LeverSettings | None = None,
    variant: str | None = None,
    month: str | None = None,
    member: int | None = None,
    seed: int = DEFAULT_SEED,
    days: int | None = None,
) -> Campaign:
    """Run one campaign of Epstein's Adaptive Dynamic Model.

    Parameters
    ----------
    params
        ADM parameters: :class:`~posturelab.models.campaign.ADMParams`, a mapping of its fields
        (absent ones take Epstein's worked example) or the path of a JSON file of them; ``None``
        (without ``scenario``) runs the worked example.
    scenario
        Build the campaign from this scenario's ADM contest instead: its forces scored at
        ``month`` (default: the last month) with ``levers`` and ``variant``.
    member, seed
        Use this ensemble member's draws (default: every uncertain number at its median).
    days
        Horizon in days (default: the parameters' or the scenario's).

    Raises
    ------
    InputError
        On unknown or out-of-range parameters (located in the file), both or neither source,
        a bad month, lever or member.

    Examples
    --------
    >>> worked = campaign()
    >>> worked.days, worked.stop_reason, round(worked.final["X"], 1) > 0
    (30, 'horizon', True)
    >>> korea = campaign(scenario="korea-2025")
    >>> korea.contest, korea.month
    ('dprk_attack', '2030-12')
    >>> campaign({"rho": -1})
    Traceback (most recent call last):
    ...
    posturelab.errors.InputError: <arguments>: rho: must be > 0, got -1
    """
    from posturelab.data.campaign_params import campaign_params_from_mapping, read_campaign_params
    from posturelab.models.campaign import STOP_REASONS, simulate_adm

    built = None
    if scenario is not None:
        if params is not None:
            raise bad_option(
                "params", "give either {option} or " + _name("scenario") + ", not both"
            )
        if member is not None and member < 0:
            raise bad_option("member", f"{{option}} must be >= 0, got {member}")
        built, s, values = _from_scenario(scenario, levers, variant, month, member, seed)
        adm, horizon = one_member(built.params), days or built.days
    else:
        if levers or variant or month or member is not None:
            raise bad_option(
                "levers",
                "{option}, "
                + ", ".join(_name(n) for n in ("month", "member"))
                + " need "
                + _name("scenario"),
            )
        if params is None:
            adm, horizon = campaign_params_from_mapping({}, "<defaults>", days=days)
        elif isinstance(params, ADMParams):
            adm, horizon = params, days if days is not None else 30
        elif isinstance(params, Mapping):
            adm, horizon = campaign_params_from_mapping(params, _args(), days=days)
        else:
            adm, horizon = read_campaign_params(str(params), days=days)
    result = simulate_adm(adm, horizon, members=1)
    objective = float(np.asarray(adm.objective_km))
    objective_day = int(result.objective_day[0])
    trace = {name: np.asarray(getattr(result, name)[0], dtype=np.float64) for name in TRACE}
    for series in trace.values():
        series.setflags(write=False)
    milestones: tuple[MemberMilestone, ...] = ()
    if built is not None:
        theatre = next(c.theatre for c in s.contests if c.id == built.contest)
        milestones = member_milestones(s, theatre, values, trace["X"])
    return Campaign(
        params=adm,
        days=horizon,
        trace=trace,
        days_run=int(result.days_run[0]),
        stop_reason=STOP_REASONS[int(result.stop_code[0])],
        objective_km=None if math.isinf(objective) else objective,
        objective_day=None if objective_day < 0 else objective_day,
        contest=None if built is None else built.contest,
        month=None if built is None else built.month,
        member=member,
        forces=() if built is None else built.forces,
        milestones=milestones,
        armour_factors=None
        if built is None or built.armour_factors is None
        else (float(built.armour_factors[0]), float(built.armour_factors[1])),
    )


def _name(option: str) -> str:
    from posturelab.api.inputs import option_name

    return option_name(option)


def _args() -> str:
    from posturelab.api.inputs import arguments_file

    return arguments_file()
