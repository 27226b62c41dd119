"""The scenario language's dynamics: propensity shifts, blocs, arms and capability.

Propensity shifts and their triggers, tracked blocs, arms (Richardson spending, warheads) and
capability (procurement, modernisation, exercises).

Part of the scenario language assembled in :mod:`posturelab.scenario.schema`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    Field,
    field_validator,
    model_validator,
)

from posturelab.registry import LEVER_ROLES
from posturelab.scenario.primitives import (
    Id,
    Strict,
    Text,
)
from posturelab.scenario.quantity import (
    Fraction,
    NonNegative,
    Positive,
    Quantity,
    UnitInterval,
    within,
)


class LeverTrigger(Strict):
    """Trigger: a lever role is on (a true bool, or a number above ``above``).

    With ``scaled`` the shift is multiplied by the lever's value (for a share in [0, 1]); with
    ``from_role`` it acts only from the month bound to that month-valued role.
    """

    kind: Literal["lever"]
    role: str
    above: float = Field(default=0.0, allow_inf_nan=False)
    scaled: bool = False
    from_role: str | None = None

    @field_validator("role", "from_role")
    @classmethod
    def _known_role(cls, role: str | None) -> str | None:
        if role is not None and role not in LEVER_ROLES:
            raise ValueError(f"unknown lever role {role!r}; known roles: {sorted(LEVER_ROLES)}")
        return role


class RelationTrigger(Strict):
    """Trigger: a relation (treaty, alliance) is in force that month."""

    kind: Literal["relation"]
    relation: Id


class EventTrigger(Strict):
    """Trigger: a dated event has happened (for ``months`` months, or for good)."""

    kind: Literal["event"]
    event: Id
    months: int | None = Field(default=None, ge=1)


Trigger = Annotated[LeverTrigger | RelationTrigger | EventTrigger, Field(discriminator="kind")]


class PropensityShift(Strict):
    """An uncertain shift of the propensity between ``a`` and ``b`` while a trigger is active.

    Active shifts add to the base propensity; the sum is clipped to [-1, 1]. With several
    triggers the shift is active while any of them is (the largest factor counts).
    """

    id: Id
    description: Text
    a: Id
    b: Id
    delta: UnitInterval
    when: Annotated[list[Trigger], Field(min_length=1)]


class Bloc(Strict):
    """A bloc whose cohesion the engine tracks (landscape theory, DESIGN 5.5).

    With ``partners_of`` set, the bloc's cohesion index replaces ``parameters.bloc_cohesion``
    in the attack decision of contests whose attacker is that actor. ``cohesion_scale`` turns the
    energy gap into an index in [0, 1] (see ``docs/models/alignment.md``).
    """

    id: Id
    description: Text
    members: Annotated[list[Id], Field(min_length=2)]
    partners_of: Id | None = None
    cohesion_scale: Positive

    @model_validator(mode="after")
    def _distinct(self) -> Bloc:
        if len(set(self.members)) != len(self.members):
            raise ValueError(f"members must be distinct, got {self.members}")
        return self


class ArmsActor(Strict):
    """An actor of the Richardson system (``id``: the actor), its fatigue and starting trend.

    ``fatigue`` is Richardson's α and ``trend`` the spending growth rate at the start, both per
    year; the grievance is calibrated from the trend (see ``docs/models/arms.md``).
    """

    id: Id
    fatigue: NonNegative
    trend: Annotated[Quantity, AfterValidator(within(-0.5, 0.5))]


class Reaction(Strict):
    """Richardson's reaction coefficient ``K[a, b]`` (per year): how actor ``a`` reacts to ``b``."""

    a: Id
    b: Id
    k: NonNegative


class SpendingPath(Strict):
    """The actor whose spending follows the ``spending_path`` lever (a target share of GDP).

    ``gdp_growth``: the actor's nominal GDP growth a year, so the target grows with the economy.
    """

    actor: Id
    adjustment_years: Positive
    gdp_growth: Annotated[Quantity, AfterValidator(within(-0.2, 0.3))] | None = None


class Modernisation(Strict):
    """Effects of the ``modernisation`` lever on the actor facing it.

    ``grievance``: added grievance, as a share of the actor's initial spending per year;
    ``threat``: added share of the threat the actor perceives (its warhead build-up speeds up).
    """

    actor: Id
    grievance: NonNegative
    threat: NonNegative


class Warheads(Strict):
    """An actor's nuclear warhead stock (the start is the actor's ``nuclear_warheads``)."""

    actor: Id
    capacity: NonNegative
    production_per_year: NonNegative
    assembly_per_year: NonNegative
    threat_elasticity: NonNegative
    deal_rate_per_year: Fraction
    deal_threat_sensitivity: NonNegative
    dismantle_per_year: NonNegative


class Procurement(Strict):
    """An actor whose forces' capability follows its spending (``id``: the actor).

    ``lag_years``: from appropriation to fielded equipment; ``service_life_years``: the life over
    which equipment is written off (``docs/models/capability.md``).
    """

    id: Id
    lag_years: NonNegative
    service_life_years: Positive


class ForceModernisation(Strict):
    """The ``modernisation`` lever's effect on the patron's forces in a theatre."""

    actor: Id
    theatre: Id
    gain: NonNegative
    ramp_years: Positive


class Exercises(Strict):
    """The readiness that the ``joint_exercises`` lever keeps up in the exercising forces."""

    actors: Annotated[list[Id], Field(min_length=1)]
    theatre: Id
    readiness_loss: Fraction
    decay_months: Positive


class Capability(Strict):
    """Capability multipliers on forces' strength: procurement, modernisation, exercises."""

    procurement: list[Procurement] = Field(default_factory=list)
    modernisation: ForceModernisation | None = None
    exercises: Exercises | None = None


class Arms(Strict):
    """Arms dynamics (DESIGN 5.6): Richardson's system over ``actors`` plus a warhead stock."""

    actors: Annotated[list[ArmsActor], Field(min_length=1)]
    reactions: list[Reaction] = Field(default_factory=list)
    spending_path: SpendingPath | None = None
    modernisation: Modernisation | None = None
    warheads: Warheads | None = None


# ---------------------------------------------------------------------------------------- targets
