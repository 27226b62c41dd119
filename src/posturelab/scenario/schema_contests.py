"""The scenario language's contests: attack decisions, campaigns, reinforcements and policies.

A contest carries its attack decision, its campaign terms, strikes, entrapment, the bombardment of
a city and nuclear terms; reinforcements and the patrons' theatre policies act on contests.

Part of the scenario language assembled in :mod:`posturelab.scenario.schema`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from posturelab.models.adm_domain import ADM_DOMAINS
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
    support,
    within,
)


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
