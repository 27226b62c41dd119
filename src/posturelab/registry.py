"""The explicit registries of posturelab: indicators and lever roles.

These literal dictionaries are the single list that the scenario schema, the engine, the command
line and the documentation read. Nothing registers itself at import time.

Indicator names are templates expanded from a scenario's structure: ``{contest}`` is a contest id,
``{patron}`` and ``{theatre}`` a patron actor and a theatre it has forces committed to, ``{actor}``
an ally that may be entrapped, ``{bloc}`` a bloc id. :func:`indicator_names` lists the names a
scenario provides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

IndicatorKind = Literal["probability", "series", "distribution"]
Scope = Literal[
    "contest",
    "contest_patron",
    "patron_theatre",
    "campaign",
    "two_front",
    "entrapment",
    "bloc",
    "arms",
]


@dataclass(frozen=True)
class IndicatorSpec:
    """What an indicator measures.

    Attributes
    ----------
    kind
        ``probability``: per member 0 or 1 by the horizon, summarised by its ensemble mean;
        ``series``: a monthly time series per member; ``distribution``: one number per member
        (missing where it does not apply, e.g. a campaign depth when no attack happened).
    scope
        Which part of a scenario the name is expanded over.
    unit
        The unit of the per-member value.
    description
        One sentence for tables and documentation.
    """

    kind: IndicatorKind
    scope: Scope
    unit: str
    description: str


INDICATORS: dict[str, IndicatorSpec] = {
    "p_{contest}": IndicatorSpec(
        "probability", "contest", "probability", "The attack starts by the horizon."
    ),
    "hazard_{contest}": IndicatorSpec(
        "series", "contest", "probability per month", "Monthly probability that the attack starts."
    ),
    "p_win_{contest}": IndicatorSpec(
        "series", "contest", "probability", "The attacker's perceived chance of a quick victory."
    ),
    "force_ratio_{contest}": IndicatorSpec(
        "series",
        "contest",
        "ratio",
        "Attacker's scored forward strength over the defence's scored strength in the theatre.",
    ),
    "{patron}_troops_{theatre}": IndicatorSpec(
        "series", "patron_theatre", "personnel", "The patron's personnel located in the theatre."
    ),
    "credibility_{patron}_{theatre}": IndicatorSpec(
        "series",
        "contest_patron",
        "0-1",
        "Credibility of the patron's commitment to defend the theatre.",
    ),
}

INDICATORS.update(
    {
        "p_two_front_war": IndicatorSpec(
            "probability",
            "two_front",
            "probability",
            "Two wars against the same patron overlap in time by the horizon.",
        ),
        "p_{actor}_entrapped": IndicatorSpec(
            "probability",
            "entrapment",
            "probability",
            "The patron's ally is drawn into the war of a higher-priority contest by the horizon.",
        ),
        "p_{objective}_reached_given_attack": IndicatorSpec(
            "probability",
            "campaign",
            "probability",
            "Among members where the attack happens, the campaign reaches its objective.",
        ),
        "campaign_depth_km_given_attack": IndicatorSpec(
            "distribution",
            "campaign",
            "km",
            "Depth the attacker's campaign reaches, among members where the attack happens.",
        ),
        "campaign_days_given_attack": IndicatorSpec(
            "distribution",
            "campaign",
            "days",
            "Days the campaign runs before a side breaks, the objective falls or the horizon.",
        ),
        "attacker_loss_share_given_attack": IndicatorSpec(
            "distribution",
            "campaign",
            "share",
            "Share of the attacker's initial ground lethality lost in the campaign.",
        ),
        "defender_loss_share_given_attack": IndicatorSpec(
            "distribution",
            "campaign",
            "share",
            "Share of the defender's initial ground lethality lost in the campaign.",
        ),
    }
)

INDICATORS.update(
    {
        "bloc_cohesion_{bloc}": IndicatorSpec(
            "series",
            "bloc",
            "0-1",
            "Cohesion index of the bloc: its landscape-theory energy gap, scaled to [0, 1].",
        ),
        "p_{bloc}_aligned": IndicatorSpec(
            "probability",
            "bloc",
            "probability",
            "At the horizon the global-minimum configuration puts the whole bloc on one side.",
        ),
        "alignment_code_{bloc}": IndicatorSpec(
            "distribution",
            "bloc",
            "code",
            "Code of the global-minimum configuration at the horizon (decode with "
            "posturelab.engine.blocs.decode).",
        ),
        "spending_{actor}": IndicatorSpec(
            "series", "arms", "USD bn a year", "The actor's military spending (Richardson)."
        ),
        "{actor}_warheads": IndicatorSpec(
            "series", "arms", "warheads", "The actor's assembled nuclear warheads."
        ),
        "p_denuclearisation_deal": IndicatorSpec(
            "probability", "arms", "probability", "A denuclearisation deal by the horizon."
        ),
    }
)

# Lever roles: a scenario binds its levers to roles, so the engine never depends on lever names.
LEVER_ROLES: dict[str, str] = {
    "relocation_troops": "Personnel of the patron's relocatable forces leaving the theatre.",
    "relocation_date": "Month the relocation takes effect (YYYY-MM).",
    "strategic_flexibility": (
        "Share (0-1) of the patron's forces in a theatre that may be drawn into a "
        "higher-priority contest when that contest's war starts."
    ),
    "one_theatre": "Whether a single command pools the theatres (true/false).",
    "one_theatre_date": "Month the single-theatre command takes effect (YYYY-MM).",
    "opcon_transfer_date": "Month wartime operational control passes to the host (or 'never').",
    "jfhq_date": "Month the patron's joint force headquarters in the rear becomes operational.",
    "spending_path": "An ally's defence spending target (share of GDP).",
    "modernisation": "Whether the patron modernises its forces in the theatre (true/false).",
    "joint_exercises": "Whether the patron and its ally hold their large combined exercises.",
}


def objective_slug(text: str | None) -> str:
    """Return an objective's name as an identifier part (``"Seoul"`` gives ``seoul``)."""
    if not text:
        return "objective"
    slug = "".join(ch if ch.isalnum() else "_" for ch in text.lower()).strip("_")
    return "_".join(part for part in slug.split("_") if part) or "objective"


def _theatre_objective(data: Any, theatre: Any) -> str:
    for item in _ids(data, "theatres"):
        if item["id"] == theatre:
            return objective_slug(_text(item.get("objective")))
    return "objective"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _ids(data: Any, section: str) -> list[dict[str, Any]]:
    items = data.get(section) if isinstance(data, dict) else None
    if not isinstance(items, list):
        return []
    return [i for i in items if isinstance(i, dict) and isinstance(i.get("id"), str)]


def _arms_actors(data: Any, *, warheads: bool) -> list[str]:
    """Actors of the ``arms`` section: the warhead actor, or those with a spending series."""
    arms = data.get("arms") if isinstance(data, dict) else None
    if not isinstance(arms, dict):
        return []
    if warheads:
        stock = arms.get("warheads")
        actor = _text(stock.get("actor")) if isinstance(stock, dict) else None
        return [actor] if actor else []
    items = arms.get("actors")
    listed = (
        [_text(i.get("id")) for i in items if isinstance(i, dict)]
        if isinstance(items, list)
        else []
    )
    return [a for a in listed if a]


def indicator_names(data: Any) -> dict[str, str]:
    """Return ``{name: template}`` for every indicator a scenario provides.

    ``data`` is the scenario as plain data (a parsed YAML mapping) or a validated scenario dumped
    with ``model_dump()``; the function is lenient so it can run on invalid input too.
    """
    names: dict[str, str] = {}
    contests = _ids(data, "contests")
    locations = {loc["id"]: _text(loc.get("theatre")) for loc in _ids(data, "locations")}
    stationed = {
        (_text(force.get("actor")), locations.get(_text(force.get("location")) or ""))
        for force in _ids(data, "forces")
    }
    for template, spec in INDICATORS.items():
        if spec.scope == "contest":
            for contest in contests:
                names[template.format(contest=contest["id"])] = template
        elif spec.scope == "patron_theatre":
            for contest in contests:
                patron = _text(contest.get("patron"))
                theatres = contest.get("patron_theatres") or [contest.get("theatre")]
                if not isinstance(theatres, list):
                    continue
                for theatre in map(_text, theatres):
                    if patron and theatre and (patron, theatre) in stationed:
                        names[template.format(patron=patron, theatre=theatre)] = template
        elif spec.scope == "campaign":
            for contest in contests:
                if contest.get("campaign") != "adm":
                    continue
                objective = _theatre_objective(data, contest.get("theatre"))
                names[template.format(objective=objective)] = template
        elif spec.scope == "two_front":
            patrons = [_text(c.get("patron")) for c in contests]
            named = [p for p in patrons if p]
            if len(named) != len(set(named)):
                names[template] = template
        elif spec.scope == "entrapment":
            for contest in contests:
                entrapment = contest.get("entrapment")
                for item in entrapment if isinstance(entrapment, list) else []:
                    actor = _text(item.get("actor")) if isinstance(item, dict) else None
                    if actor:
                        names[template.format(actor=actor)] = template
        elif spec.scope == "bloc":
            for bloc in _ids(data, "blocs"):
                names[template.format(bloc=bloc["id"])] = template
        elif spec.scope == "arms":
            for actor in _arms_actors(
                data, warheads="{actor}" not in template or "warheads" in template
            ):
                names[template.format(actor=actor)] = template
        elif spec.scope == "contest_patron":
            for contest in contests:
                patron, theatre = contest.get("patron"), contest.get("theatre")
                if isinstance(patron, str) and isinstance(theatre, str):
                    names[template.format(patron=patron, theatre=theatre)] = template
    return names
