"""The scenario language as pydantic models (DESIGN section 2).

A scenario is one YAML document. Its parts are validated here, structurally and field by field;
references between parts (a force's actor, a number's source) are checked by
:mod:`posturelab.scenario.references`. After validation the engine trusts the objects: they are
frozen.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from posturelab.models.adm_domain import ADM_DOMAINS
from posturelab.registry import LEVER_ROLES
from posturelab.scenario.quantity import (
    Fraction,
    NonNegative,
    Positive,
    Quantity,
    UnitInterval,
    support,
    within,
)

Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
"""Identifier of an actor, force, lever, ...: lower case letters, digits and underscores."""
SlugId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=80)]
"""Identifier of a scenario or a source: may also contain hyphens and dots."""
YearMonth = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
"""A month written ``YYYY-MM`` in ASCII digits (its year is checked against the sane range)."""
Text = Annotated[str, StringConstraints(min_length=1, max_length=4000)]
LeverValue = bool | float | str

MONTH_RE = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
MAX_MONTHS = 1200
FIRST_YEAR, LAST_YEAR = 1900, 2200
"""The sane range of years of a month value (a scenario's period, a month lever's value)."""
MAX_LEVER = 1e15
"""Largest magnitude of a number lever's bounds."""


def month_problem(value: str) -> str | None:
    """Return why the ``YYYY-MM`` month ``value`` is outside the sane range, or ``None``."""
    year = int(value[:4])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return f"the year must lie in {FIRST_YEAR} to {LAST_YEAR}, got {value!r}"
    return None


def as_number(value: Any) -> Any:
    """Read a number written as text (``1e3``, as YAML 1.1 leaves it) as a float; else unchanged.

    Only ASCII text is read (Python's ``float`` would also take other scripts' digits).
    """
    if isinstance(value, str) and value.isascii():
        try:
            number = float(value.strip())
        except ValueError:
            return value
        return number if math.isfinite(number) else value
    return value


Material = Annotated[str, StringConstraints(pattern=r"^[0-9]+(\.[0-9]+)?(pp|%)?$")]
"""A materiality band: ``0.5pp`` (percentage points of a probability), ``10%`` (of the base
value) or a plain number in the indicator's unit."""


class Strict(BaseModel):
    """Base of every scenario model: unknown keys are errors and objects are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def month_index(month: str) -> int:
    """Return a month's index ``12 * year + (month - 1)``, for arithmetic on ``YYYY-MM`` strings."""
    year, mon = month.split("-")
    return 12 * int(year) + int(mon) - 1


def month_of(value: dt.date | str) -> str:
    """Return the ``YYYY-MM`` month of a date or of a ``YYYY-MM[-DD]`` string."""
    return value.strftime("%Y-%m") if isinstance(value, dt.date) else value[:7]


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


class Location(Strict):
    """A place where forces are based: in a theatre, or in the rear (``theatre: null``)."""

    id: Id
    name: Text
    theatre: Id | None = None


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


class Theatre(Strict):
    """A theatre of operations, its objective and named milestones along the way."""

    id: Id
    name: Text
    objective: str | None = None
    objective_depth_km: NonNegative | None = None
    front_width_km: NonNegative | None = None
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

    @model_validator(mode="after")
    def _scored_once(self) -> Force:
        if self.equipment and self.lethality is not None:
            raise ValueError(
                "give either 'equipment' (scored) or 'lethality' (pre-scored), not both"
            )
        return self


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


class CampaignTerms(Strict):
    """Terms of Epstein's Adaptive Dynamic Model for a contest's land campaign (DESIGN 5.2).

    Lethality is in the scenario's scoring unit (tank equivalents); ``k`` converts one armoured
    kill by close air support into that unit. Every term is checked against the model's own
    domain (:data:`posturelab.models.adm_domain.ADM_DOMAINS`), which ``campaign`` also uses.
    """

    days: Annotated[int, Field(ge=1, le=365)]
    alpha0: Quantity
    rho: Quantity
    W_max: Quantity
    alpha_dT: Quantity
    alpha_aT: Quantity
    k: Quantity
    K_d: Quantity
    K_a: Quantity
    S_d: Quantity
    S_a: Quantity
    alpha_da: Quantity
    alpha_aa: Quantity
    breakpoint_A: Quantity
    breakpoint_D: Quantity

    @field_validator(
        "alpha0", "rho", "W_max", "alpha_dT", "alpha_aT", "k", "K_d", "K_a", "S_d", "S_a",
        "alpha_da", "alpha_aa", "breakpoint_A", "breakpoint_D",
    )  # fmt: skip
    @classmethod
    def _in_domain(cls, q: Quantity, info: ValidationInfo) -> Quantity:
        """Every value the quantity can take lies in the model's domain for the parameter."""
        domain = ADM_DOMAINS[str(info.field_name)]
        lo, hi = support(q)
        if not (domain.contains(lo) and domain.contains(hi)):
            raise ValueError(f"must be {domain.describe()}, got {q.describe()}")
        return q

    # Optional mechanisms (docs/models/campaign.md); each is off where the scenario leaves it out.
    breakpoint_A_momentum: Fraction | None = Field(
        default=None, description="Fall of the attacker's breakpoint share at full pace of advance."
    )
    breakpoint_D_momentum: Fraction | None = Field(
        default=None, description="Rise of the defender's breakpoint share at full pace of retreat."
    )
    pursuit_km_per_day: NonNegative | None = Field(
        default=None, description="Advance after the defence breaks (km/day); none: it ends."
    )
    reform_share: Positive | None = Field(
        default=None, description="Share of D0 at which a broken defence re-forms a line."
    )
    warning_days: NonNegative | None = Field(
        default=None, description="Days of warning the defender has before the attack."
    )
    surprise_readiness: Fraction | None = Field(
        default=None, description="Share of the defence (ground and air) ready with no warning."
    )
    readiness_ramp_days: Positive | None = Field(
        default=None, description="Days from warning until the defence is fully ready."
    )
    base_strike_share: Fraction | None = Field(
        default=None, description="Share of defender sorties lost at first to strikes on bases."
    )
    base_repair_days: Positive | None = Field(
        default=None, description="Time constant of the bases' recovery (days)."
    )
    cas_share: Fraction | None = Field(
        default=None, description="Share of each side's combat aircraft flying close air support."
    )
    cas_weather_night: Fraction | None = Field(
        default=None, description="Share of close-air-support sorties lost to weather and night."
    )
    sof_disruption: Fraction | None = Field(
        default=None, description="Share of defender lethality lost at once to special forces."
    )
    chemical_degradation: Fraction | None = Field(
        default=None, description="Fall of the exchange ratio while chemical attacks last."
    )
    chemical_days: NonNegative | None = Field(
        default=None, description="Days over which chemical attacks degrade the defender."
    )

    @model_validator(mode="after")
    def _pairs(self) -> CampaignTerms:
        pairs = (
            ("pursuit_km_per_day", "reform_share"),
            ("warning_days", "surprise_readiness", "readiness_ramp_days"),
            ("base_strike_share", "base_repair_days"),
            ("chemical_degradation", "chemical_days"),
        )
        for group in pairs:
            given = [name for name in group if getattr(self, name) is not None]
            if given and len(given) != len(group):
                missing = [name for name in group if name not in given]
                raise ValueError(f"{', '.join(group)} go together; missing {', '.join(missing)}")
        return self


class Strike(Strict):
    """Strikes by a contest's attacker on the patron's forces in another theatre during its war."""

    theatre: Id
    monthly_base: Fraction
    monthly_per_share: Fraction = Field(
        description="Added monthly probability per unit share of those forces drawn into the war."
    )
    damage: Fraction


class Entrapment(Strict):
    """An ally of the patron drawn into a contest's war, depending on who holds its command."""

    actor: Id
    command: Id = Field(description="The command relation (e.g. wartime operational control).")
    monthly_under_patron: Fraction
    host_command_factor: Fraction = Field(
        description="Multiplier on the monthly probability once the host holds the command."
    )
    after_strike: Fraction = Field(description="Added monthly probability after a strike.")


class Artillery(Strict):
    """A bombardment of a city by the attacker's artillery and rockets once its war starts.

    See ``docs/models/artillery.md``: pieces in range, casualties per piece-hour in the open and
    the share left once people shelter, the time to shelter, the opening barrage and the sustained
    rate of fire after it, and the counter-battery kill rate.
    """

    target: Text = Field(description="The city under fire; it names the indicators.")
    hours: Annotated[
        int, Field(ge=1, le=24 * 365, description="Hours of fire from the war's start counted.")
    ]
    pieces: NonNegative
    lethality_open: NonNegative
    sheltered_share: Fraction
    shelter_hours: Positive
    barrage_hours: Positive
    sustained_share: Fraction
    counter_battery_per_hour: Fraction


class NuclearTerms(Strict):
    """The nuclear terms of an attacker's calculus (``docs/models/decision.md``).

    ``shield_half``: the attacker's warheads at which its shield is half; ``leverage``: the value a
    full shield adds to a quick gain, as a share; ``extended_deterrence``: the chance that the
    patron punishes and answers nuclear use despite the shield; ``use_base`` and ``use_losing``:
    the chance of nuclear use in war with a full shield, whatever happens and added when losing;
    ``c_nuclear``: the cost to the attacker of the patron's answer, in the contest's utility unit.
    """

    shield_half: Positive
    leverage: NonNegative
    extended_deterrence: Fraction
    use_base: Fraction
    use_losing: Fraction
    c_nuclear: NonNegative


class Contest(Strict):
    """A potential attack: who might attack whom, where, and the terms of its decision (DESIGN 5.3).

    All utilities are in one arbitrary unit per contest; only their ratios and ``beta`` matter.
    With ``campaign: adm`` the attacker's chance of a quick win comes from the campaign model
    (``campaign_terms``) and ``misperception`` is in km; with ``campaign: ratio`` it comes from
    the scored force ratio against ``win_ratio`` and ``misperception`` is in log-ratio units.
    """

    id: Id
    description: Text
    attacker: Id
    defender: Id
    patron: Id | None = None
    theatre: Id
    patron_theatres: list[Id] = Field(
        default_factory=list,
        description="Theatres whose patron forces count as committed (default: the theatre).",
    )
    partners: list[Id] = Field(default_factory=list)
    priority: int = Field(default=1, ge=1, description="The patron's priority order (1 = first).")
    prior_annual: Fraction
    v_win: NonNegative
    c_lose: NonNegative
    c_punish: NonNegative
    c_war: NonNegative | None = Field(
        default=None,
        description=(
            "A constant cost of war (default 0). It cancels in the calibrated hazard unless the "
            "contest's other terms make it matter; see docs/models/decision.md."
        ),
    )
    beta: Positive
    h_max: Fraction
    win_ratio: Positive | None = Field(
        default=None, description="Needed with campaign: ratio (the ratio of even odds)."
    )
    misperception: Positive
    tripwire_half: Positive
    base_credibility: Fraction
    distraction_weight: Fraction | None = Field(
        default=None,
        description="Credibility lost while the patron fights a higher-priority war (default 0).",
    )
    war_months: NonNegative | None = Field(
        default=None, description="How long a war lasts once started (default: to the end)."
    )
    campaign: Literal["ratio", "adm"] = "ratio"
    campaign_terms: CampaignTerms | None = None
    strike: Strike | None = None
    artillery: Artillery | None = None
    nuclear: NuclearTerms | None = Field(
        default=None,
        description="Nuclear terms of the decision; the attacker's warheads come from 'arms'.",
    )
    entrapment: list[Entrapment] = Field(default_factory=list)

    @model_validator(mode="after")
    def _campaign_terms(self) -> Contest:
        if self.campaign == "adm" and self.campaign_terms is None:
            raise ValueError("campaign 'adm' needs 'campaign_terms'")
        if self.campaign == "ratio" and self.campaign_terms is not None:
            raise ValueError("'campaign_terms' only apply with campaign: adm")
        if self.campaign == "ratio" and self.win_ratio is None:
            raise ValueError("campaign 'ratio' needs 'win_ratio'")
        return self


class Reinforcement(Strict):
    """Forces that arrive in a theatre after a war starts (DESIGN 4).

    Either a share of an existing ``force`` (its ground score at the war's start) or a
    pre-scored ``lethality`` arrives at ``to``, beginning ``prep_days`` plus the transit time
    (distance over ``lift_km_per_day``) after the war starts and spread over ``spread_days``.
    A leadership vacuum of the actor adds ``vacuum_extra_days``.
    """

    id: Id
    name: Text
    actor: Id
    to: Id
    origin: Id | None = Field(
        default=None, description="Location it comes from (for the distance)."
    )
    force: Id | None = None
    share: Fraction | None = None
    lethality: NonNegative | None = None
    prep_days: NonNegative
    lift_km_per_day: Positive | None = None
    spread_days: Positive
    vacuum_extra_days: NonNegative | None = None

    @model_validator(mode="after")
    def _what_arrives(self) -> Reinforcement:
        if (self.force is None) == (self.lethality is None):
            raise ValueError("give either 'force' (with 'share') or 'lethality'")
        if self.force is not None and self.share is None:
            raise ValueError("a force reinforcement needs 'share'")
        if (self.origin is None) != (self.lift_km_per_day is None):
            raise ValueError("'origin' and 'lift_km_per_day' go together")
        return self


class TheatrePolicy(Strict):
    """The patron's allocation policy across theatres (DESIGN 5.4)."""

    patron: Id
    floor_personnel: NonNegative = Field(
        description="Personnel kept in a lower-priority theatre whatever the flexibility share."
    )
    one_theatre_draw: Fraction = Field(
        description="Extra share of the remaining forces drawn out under a one-theatre command."
    )
    one_theatre_delay_factor: Fraction = Field(
        description="Multiplier on reinforcement delays from pooled theatres under one command."
    )
    pooled_theatres: list[Id] = Field(default_factory=list)
    jfhq_origin: Id | None = Field(
        default=None, description="Location whose reinforcements a joint headquarters speeds."
    )
    jfhq_delay_factor: Fraction
    distracted_delay_factor: Annotated[Quantity, AfterValidator(within(1.0, 100.0))] = Field(
        description="Multiplier on the patron's reinforcement delays while it fights elsewhere."
    )
    distracted_share_factor: Fraction = Field(
        description="Share of the patron's reinforcements still sent while it fights elsewhere."
    )
    anticipation: Fraction | None = Field(
        default=None,
        description=(
            "Share of the forces that the policy may draw out of a lower-priority theatre which "
            "that theatre's attacker already discounts before they leave."
        ),
    )
    one_theatre_pooled_weight: Fraction | None = Field(
        default=None,
        description=(
            "Weight with which the patron's forces in the other pooled theatres count towards a "
            "theatre's committed forces under a one-theatre command."
        ),
    )
    jfhq_pooled_weight: Fraction | None = Field(
        default=None,
        description=(
            "Weight with which the patron's forces at the joint headquarters' origin count "
            "towards the committed forces of the theatres it reinforces, once it operates."
        ),
    )


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
    direction: Literal["increase", "decrease"]
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
