"""The scenario language's world: sources, actors, places, theatres, forces, scoring and relations.

Part of the scenario language assembled in :mod:`posturelab.scenario.schema`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from posturelab.scenario.primitives import (
    Id,
    SlugId,
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

LossShare = Annotated[Quantity, AfterValidator(within(0.0, 0.95))]
"""A share of losses below 1, so that the armour factor 1/(1-s) stays bounded."""


class Source(Strict):
    """A reference that scenario numbers cite by id."""

    id: SlugId
    publisher: Text
    title: Text
    date: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$")]
    url: str | None = None

    @field_validator("date", mode="before")
    @classmethod
    def _year_as_text(cls, value: object) -> object:
        # A bare year (2022) or a date (2025-06-04) is read by YAML as a number or a date.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    via: str | None = Field(default=None, description="The copy the figure was taken from.")
    note: str | None = None


class Actor(Strict):
    """A state or command with the capability data used for sizes and arms dynamics."""

    id: Id
    name: Text
    kind: Literal["state", "alliance_command", "organisation"] = "state"
    personnel: NonNegative | None = None
    spending_usd_bn: NonNegative | None = None
    gdp_usd_bn: NonNegative | None = None
    population: NonNegative | None = None
    nuclear_warheads: NonNegative | None = None
    leadership_vacuum: bool = Field(
        default=False, description="Whether the actor has no settled leadership at the start."
    )


Latitude = Annotated[float, Field(ge=-90.0, le=90.0, allow_inf_nan=False)]
"""Degrees north of the equator (WGS 84), in [-90, 90]."""
Longitude = Annotated[float, Field(ge=-180.0, le=180.0, allow_inf_nan=False)]
"""Degrees east of Greenwich (WGS 84), in [-180, 180]."""


class Point(Strict):
    """A point on the Earth in degrees, with the source of its coordinates."""

    name: Text | None = None
    lat: Latitude
    lon: Longitude
    source: SlugId
    note: str | None = None


class Location(Strict):
    """A place where forces are based: in a theatre, or in the rear (``theatre: null``).

    ``lat`` and ``lon`` (degrees) place it on the theatre map; they are given together, with the
    ``source`` of the coordinates (for a region, the point that stands for it, said in ``note``).
    """

    id: Id
    name: Text
    theatre: Id | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    source: SlugId | None = Field(default=None, description="The source of the coordinates.")
    note: str | None = None

    @model_validator(mode="after")
    def _sourced_coordinates(self) -> Location:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give 'lat' and 'lon' together (degrees), or neither")
        if self.lat is not None and self.source is None:
            raise ValueError("coordinates need their 'source' (a source id)")
        if self.lat is None and self.source is not None:
            raise ValueError("'source' names the source of 'lat' and 'lon'; give them too")
        return self


class Distance(Strict):
    """A distance between two locations (great-circle unless said otherwise)."""

    a: Id
    b: Id
    km: NonNegative


class MilestoneRecord(Strict):
    """When a milestone was reached in history or in a published study, for a hindcast.

    Either dates, with days counted from ``began`` (day 0): reached on day ``reached - began``,
    or between that day and ``reached_by - began``; or a published duration as ``days``
    ``[low, high]`` (for example 36-60 hours as ``[1.5, 2.5]``).
    """

    began: dt.date | None = Field(default=None, description="Day 0: the date the campaign began.")
    reached: dt.date | None = Field(
        default=None, description="The date reached (the first date of a range)."
    )
    reached_by: dt.date | None = Field(default=None, description="The last date of a range.")
    days: tuple[float, float] | None = Field(
        default=None, description="A published duration in days, [low, high]."
    )
    source: SlugId
    note: str | None = None

    @model_validator(mode="after")
    def _one_form(self) -> MilestoneRecord:
        dated = self.began is not None or self.reached is not None or self.reached_by is not None
        if self.days is not None:
            if dated:
                raise ValueError("give either dates (began, reached) or 'days', not both")
            low, high = self.days
            if not 0 <= low <= high:
                raise ValueError(f"days must be [low, high] with 0 <= low <= high, got {self.days}")
            return self
        if self.began is None or self.reached is None:
            raise ValueError("give 'began' and 'reached' (dates), or 'days' [low, high]")
        if self.reached < self.began:
            raise ValueError(f"reached ({self.reached}) comes before began ({self.began})")
        if self.reached_by is not None and self.reached_by < self.reached:
            raise ValueError(
                f"reached_by ({self.reached_by}) comes before reached ({self.reached})"
            )
        return self

    def day_range(self) -> tuple[float, float]:
        """The first and last day of the record (equal for a single date)."""
        if self.days is not None:
            return self.days
        assert self.began is not None and self.reached is not None
        last = self.reached_by or self.reached
        return float((self.reached - self.began).days), float((last - self.began).days)

    def date_range(self) -> tuple[str, str] | None:
        """The first and last date as ``YYYY-MM-DD``, or ``None`` for a published duration."""
        if self.reached is None:
            return None
        return self.reached.isoformat(), (self.reached_by or self.reached).isoformat()


class Milestone(Strict):
    """A named line at a depth along a theatre's axis of advance (km from the start line).

    ``posturelab campaign --scenario`` reports the first day a campaign's displacement reaches
    each milestone, beside the observed record where one is given.
    """

    id: Id
    name: Text
    depth_km: NonNegative
    observed: MilestoneRecord | None = None


class Axis(Strict):
    """A theatre's axis of advance on the map: from a point of the start line toward the objective.

    A campaign's depth (km from the start line) is drawn as the front line crossing the axis at
    that distance from ``start``, in the direction of ``toward``.
    """

    start: Point
    toward: Point

    @model_validator(mode="after")
    def _two_points(self) -> Axis:
        if (self.start.lat, self.start.lon) == (self.toward.lat, self.toward.lon):
            raise ValueError("'start' and 'toward' must be different points")
        return self


class Theatre(Strict):
    """A theatre of operations, its objective and named milestones along the way."""

    id: Id
    name: Text
    objective: str | None = None
    objective_depth_km: NonNegative | None = None
    front_width_km: NonNegative | None = None
    axis: Axis | None = None
    milestones: list[Milestone] = Field(default_factory=list)

    @model_validator(mode="after")
    def _distinct_milestones(self) -> Theatre:
        ids = [m.id for m in self.milestones]
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            raise ValueError(f"milestone ids must be distinct, got {duplicated} more than once")
        return self


class Force(Strict):
    """A unit or an aggregate of one actor's forces at one location.

    Ground strength is scored from ``equipment`` (DESIGN section 4); a force whose inventory is not
    public may give a pre-scored ``lethality`` instead, as a sourced number or a ranged assumption.
    """

    id: Id
    name: Text
    actor: Id
    location: Id
    personnel: NonNegative | None = None
    equipment: dict[Id, NonNegative] = Field(default_factory=dict)
    lethality: NonNegative | None = None
    aircraft: NonNegative | None = None
    readiness: Fraction | None = None
    quality: Positive | None = None
    forward_share: Fraction | None = None
    relocatable: bool = False
    anti_armour: NonNegative | None = Field(
        default=None,
        description=(
            "Effective anti-armour weapons (tanks, anti-tank guns, guided missiles and rocket "
            "launchers able to stop the opposing armour); needs scoring.anti_armour. Where not "
            "given, a force's answer is its count of the armour classes."
        ),
    )

    @model_validator(mode="after")
    def _scored_once(self) -> Force:
        if self.equipment and self.lethality is not None:
            raise ValueError(
                "give either 'equipment' (scored) or 'lethality' (pre-scored), not both"
            )
        return self


class AntiArmour(Strict):
    """Armour valued against the opponent's answer to it (``posturelab.models.scoring``).

    A side's armour score is multiplied by ``1 / (1 - s (1 - min(x / x_ref, 1)))``, where ``x`` is
    the opponent's effective anti-armour weapons per tank of the side.
    """

    armour: Annotated[list[Id], Field(min_length=1)] = Field(
        description="Equipment classes that are armour (their counts and weighted scores)."
    )
    reference_ratio: Positive = Field(
        description="Anti-armour weapons per opposing tank at which the additive weights hold."
    )
    loss_share: LossShare = Field(
        description=(
            "Share of a tank force's combat losses caused by the opponent's anti-armour fire "
            "when the answer is at the reference; at most 0.95."
        )
    )

    @field_validator("armour")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError(f"armour classes must be distinct, got {value}")
        return value


class Scoring(Strict):
    """Weights that turn equipment counts into ground lethality, and aircraft into air strength."""

    weights: dict[Id, NonNegative]
    aircraft_weight: NonNegative
    infantry_weight: NonNegative | None = Field(
        default=None,
        description=(
            "Tank equivalents per soldier of a force scored by its equipment (its personnel "
            "counted as infantry, as weapon-effectiveness schemes count small arms)."
        ),
    )
    anti_armour: AntiArmour | None = Field(
        default=None,
        description="Value armour against the opponent's answer to it in campaigns.",
    )


class Relation(Strict):
    """An alliance, treaty, partnership or command arrangement between actors."""

    id: Id
    kind: Literal["alliance", "treaty", "partnership", "command"]
    members: Annotated[list[Id], Field(min_length=2)]
    description: Text
    source: SlugId
    signed: dt.date | None = None
    in_force: dt.date | None = None
    ends: dt.date | None = None
    commitment: Fraction | None = None
    holder: Id | None = Field(default=None, description="For a command: who holds it at the start.")

    @model_validator(mode="after")
    def _command_has_holder(self) -> Relation:
        if self.kind == "command" and self.holder is None:
            raise ValueError("a command arrangement needs a 'holder' (the actor holding it)")
        if self.kind != "command" and self.holder is not None:
            raise ValueError(f"only a command arrangement takes a 'holder', not a {self.kind}")
        if len(set(self.members)) != len(self.members):
            raise ValueError(f"members must be distinct, got {self.members}")
        return self


class Propensity(Strict):
    """A base propensity between two actors to be on the same side (landscape theory)."""

    a: Id
    b: Id
    value: UnitInterval
