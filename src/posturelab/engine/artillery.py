"""Coercion by artillery inside the monthly engine: the bombardment of a city when a war starts.

For each contest with an ``artillery`` section, in the month its war starts, the members' sampled
terms give the casualties of the bombardment (:mod:`posturelab.models.artillery`) in the first
hour, the first day and the section's ``hours``. The component reads only the contests' at-war
flags from the world, so it steps after the contests component; nothing in the decision reads its
results yet (the threat to the city is an outcome here, not a term of the attacker's calculus).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from posturelab.engine.component import Indicator, World
from posturelab.engine.frame import Frame
from posturelab.models.artillery import BombardmentParams, bombardment_casualties
from posturelab.registry import objective_slug
from posturelab.scenario.schema import LeverValue, Scenario

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

PROFILE: tuple[tuple[str, str, str], ...] = (
    ("{target}_casualties_first_hour_given_attack", "first_hour", "in the first hour"),
    ("{target}_casualties_first_day_given_attack", "first_day", "in the first 24 hours"),
    ("{target}_casualties_given_attack", "total", "over the hours of fire the scenario counts"),
)
"""Indicator template, the time it covers, and how its description says so."""


@dataclass(frozen=True)
class Bombardment:
    """One contest's bombardment: its contest, target name, hours counted and parameter prefix."""

    contest: str
    target: str
    hours: int
    prefix: str


@dataclass
class ArtilleryState:
    """Per contest: members whose war has started, and their casualties at each profile time."""

    spec: tuple[Bombardment, ...]
    started: dict[str, BoolArray]
    casualties: dict[str, dict[str, FloatArray]]


def compile_artillery(scenario: Scenario) -> tuple[Bombardment, ...] | None:
    """The contests with an ``artillery`` section (None: none has one)."""
    found = tuple(
        Bombardment(
            c.id,
            objective_slug(c.artillery.target),
            c.artillery.hours,
            f"contests.{c.id}.artillery",
        )
        for c in sorted(scenario.contests, key=lambda c: (c.priority, c.id))
        if c.artillery is not None
    )
    return found or None


def bombardment_params(p: Mapping[str, FloatArray], prefix: str) -> BombardmentParams:
    """The members' terms of one bombardment from the sampled parameters."""
    return BombardmentParams(
        **{name: p[f"{prefix}.{name}"] for name in BombardmentParams.__dataclass_fields__}
    )


class ArtilleryComponent:
    """The bombardment of a city when a contest's war starts (see the module docstring)."""

    name = "artillery"
    reads: tuple[str, ...] = ("at_war",)
    writes: tuple[str, ...] = ()
    fixed_slots = 0

    def compile(
        self, scenario: Scenario, levers: Mapping[str, LeverValue], frame: Frame
    ) -> tuple[Bombardment, ...] | None:
        """The contests with an ``artillery`` section."""
        return compile_artillery(scenario)

    def indicators(self, spec: tuple[Bombardment, ...]) -> tuple[Indicator, ...]:
        """Casualties in the target city in the first hour, the first day and in all."""
        return tuple(
            Indicator(
                template.format(target=b.target),
                template,
                "distribution",
                "casualties",
                f"Casualties of the bombardment of {b.target} {text}, among members where the "
                "attack happens.",
                missing=True,
            )
            for b in spec
            for template, _, text in PROFILE
        )

    def scenario_slots(self, spec: tuple[Bombardment, ...]) -> int:
        """No chance events."""
        return 0

    def init(self, spec: tuple[Bombardment, ...], world: World) -> ArtilleryState:
        """No war has started yet."""
        n = world.n
        return ArtilleryState(
            spec,
            {b.contest: np.zeros(n, dtype=bool) for b in spec},
            {b.contest: {key: np.full(n, np.nan) for _, key, _ in PROFILE} for b in spec},
        )

    def step(self, state: ArtilleryState, month: int, world: World) -> None:
        """The bombardment's casualties for members whose war started this month."""
        for b in state.spec:
            fighting = world.at_war.get(b.contest)
            if fighting is None:
                continue
            new = fighting & ~state.started[b.contest]
            if not new.any():
                continue
            state.started[b.contest] |= new
            params = bombardment_params(world.params, b.prefix)
            hours = {"first_hour": 1.0, "first_day": min(24.0, b.hours), "total": float(b.hours)}
            for key, value in hours.items():
                state.casualties[b.contest][key] = np.where(
                    new, bombardment_casualties(params, value), state.casualties[b.contest][key]
                )

    def record(self, state: ArtilleryState, series: dict[str, FloatArray], month: int) -> None:
        """No monthly series."""

    def scalars(self, state: ArtilleryState) -> dict[str, FloatArray]:
        """The casualties at each time of the profile, NaN where no attack happened."""
        return {
            template.format(target=b.target): state.casualties[b.contest][key]
            for b in state.spec
            for template, key, _ in PROFILE
        }
