"""The scenario language as pydantic models (DESIGN section 2).

A scenario is one YAML document. Its parts are validated here, structurally and field by field;
references between parts (a force's actor, a number's source) are checked by
:mod:`posturelab.scenario.references`. After validation the engine trusts the objects: they are
frozen.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from posturelab.registry import LEVER_ROLES
from posturelab.scenario.primitives import (
    MAX_LEVER,
    MAX_MONTHS,
    MONTH_RE,
    Id,
    LeverValue,
    Material,
    SlugId,
    Strict,
    Text,
    YearMonth,
    as_number,
    month_index,
    month_of,
    month_problem,
)
from posturelab.scenario.quantity import (
    NonNegative,
    Quantity,
)
from posturelab.scenario.schema_contests import (
    CampaignTerms,
    Contest,
    Reinforcement,
    TheatrePolicy,
)
from posturelab.scenario.schema_dynamics import (
    Arms,
    Bloc,
    Capability,
    EventTrigger,
    LeverTrigger,
    PropensityShift,
    RelationTrigger,
)
from posturelab.scenario.schema_structure import Structure
from posturelab.scenario.schema_world import (
    Actor,
    Distance,
    Force,
    Location,
    Propensity,
    Relation,
    Scoring,
    Source,
    Theatre,
)

__all__ = [
    "CAMPAIGN_QUANTITIES",
    "MAX_LEVER",
    "MAX_MONTHS",
    "MONTH_RE",
    "Actor",
    "Arms",
    "Bloc",
    "CampaignTerms",
    "Capability",
    "Claim",
    "Contest",
    "Discrepancy",
    "Distance",
    "Effect",
    "Event",
    "EventTrigger",
    "Force",
    "ForcePersonnel",
    "Id",
    "LeadershipVacuumEnds",
    "Lever",
    "LeverTrigger",
    "LeverValue",
    "Location",
    "Material",
    "Meta",
    "Outcome",
    "Propensity",
    "PropensityShift",
    "Reinforcement",
    "Relation",
    "RelationEnds",
    "RelationInForce",
    "RelationTrigger",
    "Scenario",
    "Scoring",
    "SlugId",
    "Source",
    "Strict",
    "Structure",
    "Target",
    "Text",
    "Theatre",
    "TheatrePolicy",
    "Variant",
    "YearMonth",
    "as_number",
    "month_index",
    "month_of",
    "month_problem",
]


class Meta(Strict):
    """Identity of the scenario and the simulated period."""

    id: SlugId
    title: Text
    description: Text
    as_of: dt.date
    start: YearMonth
    end: YearMonth
    step: Literal["month"] = "month"
    materiality: Material | None = Field(
        default=None,
        description="Default materiality band of the scenario's claims (see Claim.material).",
    )

    @model_validator(mode="after")
    def _period(self) -> Meta:
        for month in (self.start, self.end):
            problem = month_problem(month)
            if problem:
                raise ValueError(problem)
        span = month_index(self.end) - month_index(self.start) + 1
        if span < 1:
            raise ValueError(f"end ({self.end}) must not come before start ({self.start})")
        if span > MAX_MONTHS:
            raise ValueError(f"the period spans {span} months; at most {MAX_MONTHS} are allowed")
        return self


class Lever(Strict):
    """A policy choice the analyst toggles, with its default and its domain."""

    id: Id
    description: Text
    kind: Literal["number", "month", "month_or_never", "bool"]
    default: LeverValue
    min: float | None = Field(default=None, allow_inf_nan=False)
    max: float | None = Field(default=None, allow_inf_nan=False)
    unit: str | None = None
    role: str | None = None
    source: SlugId | None = None
    rationale: str | None = Field(default=None, description="Why the default is the status quo.")

    @field_validator("role")
    @classmethod
    def _known_role(cls, role: str | None) -> str | None:
        if role is not None and role not in LEVER_ROLES:
            raise ValueError(f"unknown lever role {role!r}; known roles: {sorted(LEVER_ROLES)}")
        return role

    @model_validator(mode="before")
    @classmethod
    def _number_default(cls, data: Any) -> Any:
        # YAML 1.1 reads 1e3 as text; a number lever's default is read as --set reads it.
        if isinstance(data, dict) and data.get("kind") == "number" and "default" in data:
            return {**data, "default": as_number(data["default"])}
        return data

    @model_validator(mode="after")
    def _domain(self) -> Lever:
        if self.kind == "number":
            if self.min is None or self.max is None:
                raise ValueError("a number lever needs 'min' and 'max'")
            if max(abs(self.min), abs(self.max)) > MAX_LEVER:
                raise ValueError(
                    f"min and max must lie within ±{MAX_LEVER:g}, got [{self.min}, {self.max}]"
                )
            if not self.min <= self.max:
                raise ValueError(f"min ({self.min}) must not exceed max ({self.max})")
        elif self.min is not None or self.max is not None:
            raise ValueError(f"a {self.kind} lever takes no 'min' or 'max'")
        problem = self.check(self.default)
        if problem:
            raise ValueError(f"default: {problem}")
        return self

    def check(self, value: LeverValue) -> str | None:
        """Return why ``value`` is outside the lever's domain, or ``None`` if it is inside."""
        match self.kind:
            case "number":
                if isinstance(value, bool) or not isinstance(value, int | float):
                    return f"must be a number in [{self.min:g}, {self.max:g}], got {value!r}"
                assert self.min is not None and self.max is not None
                if not self.min <= value <= self.max:  # NaN is never inside
                    return f"must lie in [{self.min:g}, {self.max:g}], got {value:g}"
            case "bool":
                if not isinstance(value, bool):
                    return f"must be true or false, got {value!r}"
            case "month" | "month_or_never":
                ok = isinstance(value, str) and (
                    MONTH_RE.match(value) or (self.kind == "month_or_never" and value == "never")
                )
                if not ok:
                    extra = " or 'never'" if self.kind == "month_or_never" else ""
                    return f"must be a month YYYY-MM{extra}, got {value!r}"
                if value != "never":
                    assert isinstance(value, str)
                    return month_problem(value)
        return None


class RelationInForce(Strict):
    """Effect: a relation (treaty, alliance) comes into force."""

    kind: Literal["relation_in_force"]
    relation: Id


class RelationEnds(Strict):
    """Effect: a relation ends."""

    kind: Literal["relation_ends"]
    relation: Id


class LeadershipVacuumEnds(Strict):
    """Effect: an actor's leadership vacuum ends (a government takes office)."""

    kind: Literal["leadership_vacuum_ends"]
    actor: Id


class ForcePersonnel(Strict):
    """Effect: a force's personnel changes to a new level (equipment scales with it)."""

    kind: Literal["force_personnel"]
    force: Id
    personnel: NonNegative


Effect = Annotated[
    RelationInForce | RelationEnds | LeadershipVacuumEnds | ForcePersonnel,
    Field(discriminator="kind"),
]


class Event(Strict):
    """A dated fact that changes the state in its month."""

    id: Id
    date: dt.date
    description: Text
    source: SlugId
    effects: list[Effect] = Field(default_factory=list)


class Outcome(Strict):
    """An indicator the scenario reports."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
    description: str | None = None


class Claim(Strict):
    """A statement under test (DESIGN 5.7): a paired experiment between two lever settings."""

    id: Id
    statement: Text
    by: Text
    source: SlugId
    base: dict[Id, LeverValue] = Field(default_factory=dict)
    treatment: dict[Id, LeverValue]
    indicator: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
    direction: Literal["increase", "decrease", "none"] = Field(
        description="What the claim says the treatment does to the indicator: increase it, "
        "decrease it, or (none) make no material difference either way."
    )
    horizon: YearMonth | None = None
    threshold: float = Field(default=0.0, ge=0.0, allow_inf_nan=False)
    material: Material | None = Field(
        default=None,
        description="Smallest effect that matters: 0.5pp, 10% (of the base value) or a number in "
        "the indicator's unit; default: the scenario's meta.materiality, else 10%.",
    )

    @model_validator(mode="after")
    def _one_band(self) -> Claim:
        if self.threshold > 0 and self.material is not None:
            raise ValueError("give either 'material' or the older 'threshold', not both")
        return self


class Variant(Strict):
    """A named set of lever overrides."""

    id: Id
    description: Text
    set: dict[Id, LeverValue]


CAMPAIGN_QUANTITIES = ("depth_km", "days", "objective_reached", "days_to_depth")
"""Campaign quantities a target may name (see :mod:`posturelab.explore.targets`)."""


class Discrepancy(Strict):
    """A model-discrepancy allowance: the standard deviation the model may miss by, and why."""

    sd: Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
    reason: Text


class Target(Strict):
    """A published figure the scenario's outputs must face (history matching).

    The quantity is either an ``indicator`` (reduced as the analysis commands reduce it: a series
    at ``month``, a probability as the risk by ``month``, a distribution among the members where
    its event happens) or a ``campaign`` quantity of the scenario's ``adm`` contest, fought as if
    the attack started in ``month``. The figure is a ``value`` with its observation ``sd`` or a
    ``range: [low, high]``. ``use: calibration`` lets it rule out parameter values;
    ``use: validation`` only checks them.
    """

    id: Id
    statement: Text
    indicator: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")] | None = None
    campaign: Literal["depth_km", "days", "objective_reached", "days_to_depth"] | None = None
    depth_km: Annotated[float, Field(gt=0.0, allow_inf_nan=False)] | None = Field(
        default=None, description="The depth whose first day days_to_depth counts."
    )
    month: YearMonth | None = Field(
        default=None, description="Horizon or campaign month (default: the last month)."
    )
    set: dict[Id, LeverValue] = Field(
        default_factory=dict, description="Lever settings the figure holds under."
    )
    variant: Id | None = None
    value: float | None = Field(default=None, allow_inf_nan=False)
    sd: Annotated[float, Field(ge=0.0, allow_inf_nan=False)] | None = Field(
        default=None, description="Observation uncertainty of value (a standard deviation)."
    )
    range: tuple[float, float] | None = Field(
        default=None, description="The published figure as a bracket [low, high]."
    )
    source: SlugId
    use: Literal["calibration", "validation"]
    why: Text = Field(description="Why the figure calibrates or only validates.")
    discrepancy: Discrepancy | None = None

    @model_validator(mode="after")
    def _well_formed(self) -> Target:
        if (self.indicator is None) == (self.campaign is None):
            raise ValueError("give either 'indicator' or 'campaign' (the quantity), not both")
        if (self.campaign == "days_to_depth") != (self.depth_km is not None):
            raise ValueError("'depth_km' goes with campaign: days_to_depth, and only with it")
        if (self.value is None) == (self.range is None):
            raise ValueError("give the figure as 'value' (with 'sd') or as 'range', not both")
        if self.value is not None and self.sd is None:
            raise ValueError("a 'value' needs its observation uncertainty 'sd'")
        if self.range is not None:
            if self.sd is not None:
                raise ValueError("a 'range' carries its own uncertainty; drop 'sd'")
            low, high = self.range
            if not (math.isfinite(low) and math.isfinite(high)):
                raise ValueError(f"range bounds must be finite, got {list(self.range)}")
            if low > high:
                raise ValueError(f"range: low ({low:g}) must not exceed high ({high:g})")
        return self


class Scenario(Strict):
    """A whole scenario file."""

    meta: Meta
    sources: Annotated[list[Source], Field(min_length=1)]
    actors: Annotated[list[Actor], Field(min_length=2)]
    theatres: Annotated[list[Theatre], Field(min_length=1)]
    locations: list[Location] = Field(default_factory=list)
    distances: list[Distance] = Field(default_factory=list)
    forces: list[Force] = Field(default_factory=list)
    scoring: Scoring
    relations: list[Relation] = Field(default_factory=list)
    propensities: list[Propensity] = Field(default_factory=list)
    levers: list[Lever] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    contests: Annotated[list[Contest], Field(min_length=1)]
    reinforcements: list[Reinforcement] = Field(default_factory=list)
    theatre_policy: list[TheatrePolicy] = Field(default_factory=list)
    parameters: dict[Id, Quantity] = Field(default_factory=dict)
    outcomes: list[Outcome] = Field(default_factory=list)
    claims: list[Claim] = Field(default_factory=list)
    variants: list[Variant] = Field(default_factory=list)
    blocs: list[Bloc] = Field(default_factory=list)
    propensity_shifts: list[PropensityShift] = Field(default_factory=list)
    arms: Arms | None = None
    capability: Capability | None = None
    targets: list[Target] = Field(default_factory=list)
    structure: list[Structure] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _number_settings(cls, data: Any) -> Any:
        # Claims and variants set number levers as --set does: 1e3 (text to YAML 1.1) is 1000.
        if not isinstance(data, dict) or not isinstance(data.get("levers"), list):
            return data
        numbers = {
            lever.get("id")
            for lever in data["levers"]
            if isinstance(lever, dict) and lever.get("kind") == "number"
        }
        data = dict(data)
        for section, fields in (("claims", ("base", "treatment")), ("variants", ("set",))):
            items = data.get(section)
            if not isinstance(items, list):
                continue
            converted = []
            for item in items:
                if isinstance(item, dict):
                    item = dict(item)
                    for field in fields:
                        settings = item.get(field)
                        if isinstance(settings, dict):
                            item[field] = {
                                k: as_number(v) if k in numbers else v for k, v in settings.items()
                            }
                converted.append(item)
            data[section] = converted
        return data

    def lever(self, lever_id: str) -> Lever:
        """Return the lever with id ``lever_id`` (``KeyError`` if there is none)."""
        for lever in self.levers:
            if lever.id == lever_id:
                return lever
        raise KeyError(lever_id)

    def lever_defaults(self) -> dict[str, LeverValue]:
        """Return every lever's default value by id."""
        return {lever.id: lever.default for lever in self.levers}
