"""Checks of the references between a scenario's parts.

They run on the raw data (before or beside structural validation), so that a file with both a
structural problem and a dangling reference reports both at once. Each check yields
``(path, message)`` pairs; the loader locates them.
"""

from __future__ import annotations

from typing import Any

from posturelab.scenario.reference_base import Found, Path, dangling, ids_of, items_of
from posturelab.scenario.reference_sections import capability_refs, target_refs


def check_references(data: Any) -> list[tuple[Path, str]]:
    """Return every dangling reference or duplicate id in ``data``.

    Indicator names in ``claims`` and ``outcomes`` are checked after validation, against what the
    engine emits (:func:`posturelab.engine.indicators.reference_problems`).
    """
    if not isinstance(data, dict):
        return []
    found: list[tuple[Path, str]] = []
    for check in (
        _campaign_refs,
        _duplicates,
        _alignment_refs,
        _sources,
        _actor_refs,
        _force_refs,
        _relation_refs,
        _lever_refs,
        _scoring_refs,
        target_refs,
        capability_refs,
    ):
        found.extend(check(data))
    return found


def _duplicates(data: dict[str, Any]) -> Found:
    for section in (
        "sources",
        "actors",
        "theatres",
        "locations",
        "forces",
        "relations",
        "levers",
        "events",
        "contests",
        "claims",
        "variants",
        "outcomes",
        "targets",
    ):
        seen: dict[str, int] = {}
        for i, item in items_of(data, section):
            ident = item.get("id")
            if isinstance(ident, str):
                if ident in seen:
                    yield (
                        (section, i, "id"),
                        (f"duplicate id {ident!r} (first used by {section}.{seen[ident]})"),
                    )
                else:
                    seen[ident] = i


def _sources(data: dict[str, Any]) -> Found:
    """Every ``source:`` (and ``signs:`` side) outside the source list must name a listed source."""
    known = set(ids_of(data, "sources"))

    def walk(node: Any, path: Path) -> Found:
        if isinstance(node, dict):
            ref = node.get("source")
            if isinstance(ref, str) and ref not in known:
                yield (*path, "source"), f"unknown source {ref!r}; add it to 'sources'"
            signs = node.get("signs")
            if isinstance(signs, dict):
                for side in ("positive", "negative"):
                    ref = signs.get(side)
                    if isinstance(ref, str) and ref not in known:
                        yield (
                            (*path, "signs", side),
                            f"unknown source {ref!r}; add it to 'sources'",
                        )
            for key, value in node.items():
                yield from walk(value, (*path, key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from walk(value, (*path, i))

    for key, value in data.items():
        if key != "sources":
            yield from walk(value, (key,))


def _actor_refs(data: dict[str, Any]) -> Found:
    actors = ids_of(data, "actors")
    theatres = ids_of(data, "theatres")
    for i, item in items_of(data, "contests"):
        for field in ("attacker", "defender", "patron"):
            yield from dangling(item.get(field), actors, "actor", "actors", ("contests", i, field))
        for j, partner in enumerate(item.get("partners") or []):
            yield from dangling(partner, actors, "actor", "actors", ("contests", i, "partners", j))
        yield from dangling(
            item.get("theatre"), theatres, "theatre", "theatres", ("contests", i, "theatre")
        )
        for j, th in enumerate(item.get("patron_theatres") or []):
            yield from dangling(
                th, theatres, "theatre", "theatres", ("contests", i, "patron_theatres", j)
            )
    for i, item in items_of(data, "propensities"):
        for field in ("a", "b"):
            yield from dangling(
                item.get(field), actors, "actor", "actors", ("propensities", i, field)
            )
        if item.get("a") == item.get("b") and isinstance(item.get("a"), str):
            yield (
                ("propensities", i, "b"),
                f"a propensity needs two different actors, got {item['a']!r} twice",
            )
    for i, item in items_of(data, "locations"):
        yield from dangling(
            item.get("theatre"), theatres, "theatre", "theatres", ("locations", i, "theatre")
        )


def _force_refs(data: dict[str, Any]) -> Found:
    actors = ids_of(data, "actors")
    locations = ids_of(data, "locations")
    for i, item in items_of(data, "forces"):
        yield from dangling(item.get("actor"), actors, "actor", "actors", ("forces", i, "actor"))
        yield from dangling(
            item.get("location"), locations, "location", "locations", ("forces", i, "location")
        )
    for i, item in items_of(data, "distances"):
        for field in ("a", "b"):
            yield from dangling(
                item.get(field), locations, "location", "locations", ("distances", i, field)
            )


def _relation_refs(data: dict[str, Any]) -> Found:
    actors = ids_of(data, "actors")
    relations = ids_of(data, "relations")
    forces = ids_of(data, "forces")
    for i, item in items_of(data, "relations"):
        for j, member in enumerate(item.get("members") or []):
            yield from dangling(member, actors, "actor", "actors", ("relations", i, "members", j))
        yield from dangling(
            item.get("holder"), actors, "actor", "actors", ("relations", i, "holder")
        )
    for i, event in items_of(data, "events"):
        for j, effect in enumerate(event.get("effects") or []):
            if not isinstance(effect, dict):
                continue
            base = ("events", i, "effects", j)
            yield from dangling(
                effect.get("relation"), relations, "relation", "relations", (*base, "relation")
            )
            yield from dangling(effect.get("actor"), actors, "actor", "actors", (*base, "actor"))
            yield from dangling(effect.get("force"), forces, "force", "forces", (*base, "force"))


def _lever_refs(data: dict[str, Any]) -> Found:
    levers = ids_of(data, "levers")
    roles: dict[str, int] = {}
    for i, item in items_of(data, "levers"):
        role = item.get("role")
        if isinstance(role, str):
            if role in roles:
                yield (
                    ("levers", i, "role"),
                    f"role {role!r} is already played by levers.{roles[role]}",
                )
            roles[role] = i
    for section, fields in (("claims", ("base", "treatment")), ("variants", ("set",))):
        for i, item in items_of(data, section):
            for field in fields:
                settings = item.get(field)
                if isinstance(settings, dict):
                    for key in settings:
                        yield from dangling(
                            key, levers, "lever", "levers", (section, i, field, key)
                        )


def _scoring_refs(data: dict[str, Any]) -> Found:
    scoring = data.get("scoring")
    weights = scoring.get("weights") if isinstance(scoring, dict) else None
    anti = scoring.get("anti_armour") if isinstance(scoring, dict) else None
    for i, item in items_of(data, "forces") if anti is None else ():
        if item.get("anti_armour") is not None:
            need = "a scoring.anti_armour section (the armour classes, reference_ratio, loss_share)"
            yield (("forces", i, "anti_armour"), f"a force's anti_armour needs {need}")
    if not isinstance(weights, dict):
        return
    armour = anti.get("armour") if isinstance(anti, dict) else None
    for j, key in enumerate(armour if isinstance(armour, list) else ()):
        if isinstance(key, str) and key not in weights:
            known = ", ".join(sorted(weights))
            message = f"armour class {key!r} has no weight in scoring.weights (known: {known})"
            yield (("scoring", "anti_armour", "armour", j), message)
    for i, item in items_of(data, "forces"):
        equipment = item.get("equipment")
        if isinstance(equipment, dict):
            for key in equipment:
                if key not in weights:
                    yield (
                        ("forces", i, "equipment", key),
                        (
                            f"equipment class {key!r} has no weight in scoring.weights "
                            f"(known: {', '.join(sorted(weights))})"
                        ),
                    )


def _campaign_refs(data: dict[str, Any]) -> Found:
    """References of reinforcements, theatre policies, strikes and entrapment."""
    actors = ids_of(data, "actors")
    locations = ids_of(data, "locations")
    forces = ids_of(data, "forces")
    theatres = ids_of(data, "theatres")
    relations = {i["id"]: i for _, i in items_of(data, "relations") if isinstance(i.get("id"), str)}
    pairs = set()
    for _, d in items_of(data, "distances"):
        if isinstance(d.get("a"), str) and isinstance(d.get("b"), str):
            pairs.add(frozenset((d["a"], d["b"])))
    for i, item in items_of(data, "reinforcements"):
        base: Path = ("reinforcements", i)
        yield from dangling(item.get("actor"), actors, "actor", "actors", (*base, "actor"))
        for field in ("to", "origin"):
            yield from dangling(item.get(field), locations, "location", "locations", (*base, field))
        yield from dangling(item.get("force"), forces, "force", "forces", (*base, "force"))
        origin, to = item.get("origin"), item.get("to")
        if (
            isinstance(origin, str)
            and isinstance(to, str)
            and origin in locations
            and to in locations
            and frozenset((origin, to)) not in pairs
        ):
            yield (*base, "origin"), f"no distance between {origin!r} and {to!r} in 'distances'"
    for i, item in items_of(data, "theatre_policy"):
        base = ("theatre_policy", i)
        yield from dangling(item.get("patron"), actors, "actor", "actors", (*base, "patron"))
        yield from dangling(
            item.get("jfhq_origin"), locations, "location", "locations", (*base, "jfhq_origin")
        )
        for j, th in enumerate(item.get("pooled_theatres") or []):
            yield from dangling(th, theatres, "theatre", "theatres", (*base, "pooled_theatres", j))
    adm = [i for i, c in items_of(data, "contests") if c.get("campaign") == "adm"]
    for i in adm[1:]:
        yield ("contests", i, "campaign"), "only one contest may use the 'adm' campaign model"
    for i, contest in items_of(data, "contests"):
        strike = contest.get("strike")
        if isinstance(strike, dict):
            yield from dangling(
                strike.get("theatre"),
                theatres,
                "theatre",
                "theatres",
                ("contests", i, "strike", "theatre"),
            )
        for j, ent in enumerate(contest.get("entrapment") or []):
            if not isinstance(ent, dict):
                continue
            base = ("contests", i, "entrapment", j)
            yield from dangling(ent.get("actor"), actors, "actor", "actors", (*base, "actor"))
            command = ent.get("command")
            yield from dangling(
                command, {k: 0 for k in relations}, "relation", "relations", (*base, "command")
            )
            if (
                isinstance(command, str)
                and command in relations
                and relations[command].get("kind") != "command"
            ):
                yield (*base, "command"), f"relation {command!r} is not a command arrangement"


def _alignment_refs(data: dict[str, Any]) -> Found:
    """References of blocs, propensity shifts and the arms section."""
    actors = ids_of(data, "actors")
    relations = ids_of(data, "relations")
    events = ids_of(data, "events")
    in_landscape: dict[str, int] = {}
    for i, item in items_of(data, "propensities"):
        for field in ("a", "b"):
            if isinstance(item.get(field), str):
                in_landscape.setdefault(item[field], i)
    lever_kind = {
        item["role"]: item.get("kind")
        for _, item in items_of(data, "levers")
        if isinstance(item.get("role"), str)
    }
    for section in ("blocs", "propensity_shifts"):
        seen: dict[str, int] = {}
        for i, item in items_of(data, section):
            ident = item.get("id")
            if isinstance(ident, str) and ident in seen:
                yield (
                    (section, i, "id"),
                    f"duplicate id {ident!r} (first used by {section}.{seen[ident]})",
                )
            elif isinstance(ident, str):
                seen[ident] = i
    for i, item in items_of(data, "blocs"):
        for j, member in enumerate(item.get("members") or []):
            path: Path = ("blocs", i, "members", j)
            yield from dangling(member, actors, "actor", "actors", path)
            if isinstance(member, str) and member in actors and member not in in_landscape:
                yield path, f"actor {member!r} has no propensity, so it is not in the landscape"
        yield from dangling(
            item.get("partners_of"), actors, "actor", "actors", ("blocs", i, "partners_of")
        )
    for i, item in items_of(data, "propensity_shifts"):
        for field in ("a", "b"):
            yield from dangling(
                item.get(field), actors, "actor", "actors", ("propensity_shifts", i, field)
            )
            actor = item.get(field)
            if isinstance(actor, str) and actor in actors and actor not in in_landscape:
                yield (
                    ("propensity_shifts", i, field),
                    f"actor {actor!r} has no propensity, so it is not in the landscape",
                )
        if isinstance(item.get("a"), str) and item.get("a") == item.get("b"):
            yield (
                ("propensity_shifts", i, "b"),
                f"a shift needs two different actors, got {item['a']!r} twice",
            )
        for j, trigger in enumerate(item.get("when") or []):
            if not isinstance(trigger, dict):
                continue
            base = ("propensity_shifts", i, "when", j)
            yield from dangling(
                trigger.get("relation"), relations, "relation", "relations", (*base, "relation")
            )
            yield from dangling(trigger.get("event"), events, "event", "events", (*base, "event"))
            for field, kinds in (("role", ("bool", "number")), ("from_role", ("month",))):
                role = trigger.get(field)
                if not isinstance(role, str):
                    continue
                if role not in lever_kind:
                    yield (*base, field), f"no lever of this scenario plays the role {role!r}"
                elif lever_kind[role] not in kinds:
                    yield (
                        (*base, field),
                        f"the lever playing {role!r} is a {lever_kind[role]} lever; "
                        f"a trigger's {field} needs a {' or '.join(kinds)} lever",
                    )
    arms = data.get("arms")
    if not isinstance(arms, dict):
        return
    listed: dict[str, int] = {}
    fields = {
        item["id"]: item for _, item in items_of(data, "actors") if isinstance(item.get("id"), str)
    }
    for i, item in enumerate(arms.get("actors") or []):
        if not isinstance(item, dict):
            continue
        actor = item.get("id")
        yield from dangling(actor, actors, "actor", "actors", ("arms", "actors", i, "id"))
        if isinstance(actor, str) and actor in listed:
            yield ("arms", "actors", i, "id"), f"actor {actor!r} is listed twice"
        elif isinstance(actor, str):
            listed[actor] = i
            if actor in fields and fields[actor].get("spending_usd_bn") is None:
                yield (
                    ("arms", "actors", i, "id"),
                    f"actor {actor!r} needs 'spending_usd_bn' (the spending at the start)",
                )
    path_actor = arms.get("spending_path")
    if isinstance(path_actor, dict):
        actor = path_actor.get("actor")
        if isinstance(actor, str) and actor in fields and fields[actor].get("gdp_usd_bn") is None:
            yield (
                ("arms", "spending_path", "actor"),
                f"actor {actor!r} needs 'gdp_usd_bn' (the path is a share of GDP)",
            )
    for i, item in enumerate(arms.get("reactions") or []):
        if isinstance(item, dict):
            for field in ("a", "b"):
                yield from dangling(
                    item.get(field),
                    listed,
                    "arms actor",
                    "arms.actors",
                    ("arms", "reactions", i, field),
                )
    for part, role in (("spending_path", "spending_path"), ("modernisation", "modernisation")):
        entry = arms.get(part)
        if isinstance(entry, dict):
            yield from dangling(
                entry.get("actor"), listed, "arms actor", "arms.actors", ("arms", part, "actor")
            )
            if role not in lever_kind:
                yield ("arms", part), f"no lever of this scenario plays the role {role!r}"
    stock = arms.get("warheads")
    if isinstance(stock, dict):
        actor = stock.get("actor")
        yield from dangling(actor, actors, "actor", "actors", ("arms", "warheads", "actor"))
        for _, item in items_of(data, "actors"):
            if item.get("id") == actor and item.get("nuclear_warheads") is None:
                yield (
                    ("arms", "warheads", "actor"),
                    f"actor {actor!r} needs 'nuclear_warheads' (the stock at the start)",
                )
