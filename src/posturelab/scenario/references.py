"""Checks of the references between a scenario's parts.

They run on the raw data (before or beside structural validation), so that a file with both a
structural problem and a dangling reference reports both at once. Each check yields
``(path, message)`` pairs; the loader locates them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Path = tuple[str | int, ...]
Found = Iterator[tuple[Path, str]]


def _items(data: Any, section: str) -> list[tuple[int, dict[str, Any]]]:
    value = data.get(section) if isinstance(data, dict) else None
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def _ids(data: Any, section: str) -> dict[str, int]:
    return {item["id"]: i for i, item in _items(data, section) if isinstance(item.get("id"), str)}


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
        _target_refs,
        _capability_refs,
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
        for i, item in _items(data, section):
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
    known = set(_ids(data, "sources"))

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


def _ref(ref: Any, known: dict[str, int], kind: str, section: str, path: Path) -> Found:
    if isinstance(ref, str) and ref not in known:
        listed = ", ".join(sorted(known)) or "none"
        yield path, f"unknown {kind} {ref!r} (known: {listed}); add it to '{section}'"


def _actor_refs(data: dict[str, Any]) -> Found:
    actors = _ids(data, "actors")
    theatres = _ids(data, "theatres")
    for i, item in _items(data, "contests"):
        for field in ("attacker", "defender", "patron"):
            yield from _ref(item.get(field), actors, "actor", "actors", ("contests", i, field))
        for j, partner in enumerate(item.get("partners") or []):
            yield from _ref(partner, actors, "actor", "actors", ("contests", i, "partners", j))
        yield from _ref(
            item.get("theatre"), theatres, "theatre", "theatres", ("contests", i, "theatre")
        )
        for j, th in enumerate(item.get("patron_theatres") or []):
            yield from _ref(
                th, theatres, "theatre", "theatres", ("contests", i, "patron_theatres", j)
            )
    for i, item in _items(data, "propensities"):
        for field in ("a", "b"):
            yield from _ref(item.get(field), actors, "actor", "actors", ("propensities", i, field))
        if item.get("a") == item.get("b") and isinstance(item.get("a"), str):
            yield (
                ("propensities", i, "b"),
                f"a propensity needs two different actors, got {item['a']!r} twice",
            )
    for i, item in _items(data, "locations"):
        yield from _ref(
            item.get("theatre"), theatres, "theatre", "theatres", ("locations", i, "theatre")
        )


def _force_refs(data: dict[str, Any]) -> Found:
    actors = _ids(data, "actors")
    locations = _ids(data, "locations")
    for i, item in _items(data, "forces"):
        yield from _ref(item.get("actor"), actors, "actor", "actors", ("forces", i, "actor"))
        yield from _ref(
            item.get("location"), locations, "location", "locations", ("forces", i, "location")
        )
    for i, item in _items(data, "distances"):
        for field in ("a", "b"):
            yield from _ref(
                item.get(field), locations, "location", "locations", ("distances", i, field)
            )


def _relation_refs(data: dict[str, Any]) -> Found:
    actors = _ids(data, "actors")
    relations = _ids(data, "relations")
    forces = _ids(data, "forces")
    for i, item in _items(data, "relations"):
        for j, member in enumerate(item.get("members") or []):
            yield from _ref(member, actors, "actor", "actors", ("relations", i, "members", j))
        yield from _ref(item.get("holder"), actors, "actor", "actors", ("relations", i, "holder"))
    for i, event in _items(data, "events"):
        for j, effect in enumerate(event.get("effects") or []):
            if not isinstance(effect, dict):
                continue
            base = ("events", i, "effects", j)
            yield from _ref(
                effect.get("relation"), relations, "relation", "relations", (*base, "relation")
            )
            yield from _ref(effect.get("actor"), actors, "actor", "actors", (*base, "actor"))
            yield from _ref(effect.get("force"), forces, "force", "forces", (*base, "force"))


def _lever_refs(data: dict[str, Any]) -> Found:
    levers = _ids(data, "levers")
    roles: dict[str, int] = {}
    for i, item in _items(data, "levers"):
        role = item.get("role")
        if isinstance(role, str):
            if role in roles:
                yield (
                    ("levers", i, "role"),
                    f"role {role!r} is already played by levers.{roles[role]}",
                )
            roles[role] = i
    for section, fields in (("claims", ("base", "treatment")), ("variants", ("set",))):
        for i, item in _items(data, section):
            for field in fields:
                settings = item.get(field)
                if isinstance(settings, dict):
                    for key in settings:
                        yield from _ref(key, levers, "lever", "levers", (section, i, field, key))


def _scoring_refs(data: dict[str, Any]) -> Found:
    scoring = data.get("scoring")
    weights = scoring.get("weights") if isinstance(scoring, dict) else None
    anti = scoring.get("anti_armour") if isinstance(scoring, dict) else None
    for i, item in _items(data, "forces") if anti is None else ():
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
    for i, item in _items(data, "forces"):
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
    actors = _ids(data, "actors")
    locations = _ids(data, "locations")
    forces = _ids(data, "forces")
    theatres = _ids(data, "theatres")
    relations = {i["id"]: i for _, i in _items(data, "relations") if isinstance(i.get("id"), str)}
    pairs = set()
    for _, d in _items(data, "distances"):
        if isinstance(d.get("a"), str) and isinstance(d.get("b"), str):
            pairs.add(frozenset((d["a"], d["b"])))
    for i, item in _items(data, "reinforcements"):
        base: Path = ("reinforcements", i)
        yield from _ref(item.get("actor"), actors, "actor", "actors", (*base, "actor"))
        for field in ("to", "origin"):
            yield from _ref(item.get(field), locations, "location", "locations", (*base, field))
        yield from _ref(item.get("force"), forces, "force", "forces", (*base, "force"))
        origin, to = item.get("origin"), item.get("to")
        if (
            isinstance(origin, str)
            and isinstance(to, str)
            and origin in locations
            and to in locations
            and frozenset((origin, to)) not in pairs
        ):
            yield (*base, "origin"), f"no distance between {origin!r} and {to!r} in 'distances'"
    for i, item in _items(data, "theatre_policy"):
        base = ("theatre_policy", i)
        yield from _ref(item.get("patron"), actors, "actor", "actors", (*base, "patron"))
        yield from _ref(
            item.get("jfhq_origin"), locations, "location", "locations", (*base, "jfhq_origin")
        )
        for j, th in enumerate(item.get("pooled_theatres") or []):
            yield from _ref(th, theatres, "theatre", "theatres", (*base, "pooled_theatres", j))
    adm = [i for i, c in _items(data, "contests") if c.get("campaign") == "adm"]
    for i in adm[1:]:
        yield ("contests", i, "campaign"), "only one contest may use the 'adm' campaign model"
    for i, contest in _items(data, "contests"):
        strike = contest.get("strike")
        if isinstance(strike, dict):
            yield from _ref(
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
            yield from _ref(ent.get("actor"), actors, "actor", "actors", (*base, "actor"))
            command = ent.get("command")
            yield from _ref(
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
    actors = _ids(data, "actors")
    relations = _ids(data, "relations")
    events = _ids(data, "events")
    in_landscape: dict[str, int] = {}
    for i, item in _items(data, "propensities"):
        for field in ("a", "b"):
            if isinstance(item.get(field), str):
                in_landscape.setdefault(item[field], i)
    lever_kind = {
        item["role"]: item.get("kind")
        for _, item in _items(data, "levers")
        if isinstance(item.get("role"), str)
    }
    for section in ("blocs", "propensity_shifts"):
        seen: dict[str, int] = {}
        for i, item in _items(data, section):
            ident = item.get("id")
            if isinstance(ident, str) and ident in seen:
                yield (
                    (section, i, "id"),
                    f"duplicate id {ident!r} (first used by {section}.{seen[ident]})",
                )
            elif isinstance(ident, str):
                seen[ident] = i
    for i, item in _items(data, "blocs"):
        for j, member in enumerate(item.get("members") or []):
            path: Path = ("blocs", i, "members", j)
            yield from _ref(member, actors, "actor", "actors", path)
            if isinstance(member, str) and member in actors and member not in in_landscape:
                yield path, f"actor {member!r} has no propensity, so it is not in the landscape"
        yield from _ref(
            item.get("partners_of"), actors, "actor", "actors", ("blocs", i, "partners_of")
        )
    for i, item in _items(data, "propensity_shifts"):
        for field in ("a", "b"):
            yield from _ref(
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
            yield from _ref(
                trigger.get("relation"), relations, "relation", "relations", (*base, "relation")
            )
            yield from _ref(trigger.get("event"), events, "event", "events", (*base, "event"))
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
        item["id"]: item for _, item in _items(data, "actors") if isinstance(item.get("id"), str)
    }
    for i, item in enumerate(arms.get("actors") or []):
        if not isinstance(item, dict):
            continue
        actor = item.get("id")
        yield from _ref(actor, actors, "actor", "actors", ("arms", "actors", i, "id"))
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
                yield from _ref(
                    item.get(field),
                    listed,
                    "arms actor",
                    "arms.actors",
                    ("arms", "reactions", i, field),
                )
    for part, role in (("spending_path", "spending_path"), ("modernisation", "modernisation")):
        entry = arms.get(part)
        if isinstance(entry, dict):
            yield from _ref(
                entry.get("actor"), listed, "arms actor", "arms.actors", ("arms", part, "actor")
            )
            if role not in lever_kind:
                yield ("arms", part), f"no lever of this scenario plays the role {role!r}"
    stock = arms.get("warheads")
    if isinstance(stock, dict):
        actor = stock.get("actor")
        yield from _ref(actor, actors, "actor", "actors", ("arms", "warheads", "actor"))
        for _, item in _items(data, "actors"):
            if item.get("id") == actor and item.get("nuclear_warheads") is None:
                yield (
                    ("arms", "warheads", "actor"),
                    f"actor {actor!r} needs 'nuclear_warheads' (the stock at the start)",
                )


def _month_number(text: str) -> int:
    year, month = text.split("-")
    return 12 * int(year) + int(month) - 1


def _target_refs(data: dict[str, Any]) -> Found:
    """Targets: a campaign, levers and variants that exist, a month inside the period.

    Indicator names are checked after validation with those of claims and outcomes
    (:func:`posturelab.engine.indicators.reference_problems`).
    """
    from pydantic import ValidationError

    from posturelab.scenario.schema import MONTH_RE, Lever

    levers = {
        item["id"]: item for _, item in _items(data, "levers") if isinstance(item.get("id"), str)
    }
    variants = _ids(data, "variants")
    adm = any(c.get("campaign") == "adm" for _, c in _items(data, "contests"))
    meta = data.get("meta")
    start = meta.get("start") if isinstance(meta, dict) else None
    end = meta.get("end") if isinstance(meta, dict) else None
    period: tuple[str, str] | None = None
    if isinstance(start, str) and isinstance(end, str) and MONTH_RE.match(start):
        period = (start, end) if MONTH_RE.match(end) else None
    for i, item in _items(data, "targets"):
        if isinstance(item.get("campaign"), str) and not adm:
            yield (
                ("targets", i, "campaign"),
                "a campaign target needs a contest with campaign: adm; this scenario has none",
            )
        yield from _ref(
            item.get("variant"), variants, "variant", "variants", ("targets", i, "variant")
        )
        month = item.get("month")
        if (
            period
            and isinstance(month, str)
            and MONTH_RE.match(month)
            and not _month_number(period[0]) <= _month_number(month) <= _month_number(period[1])
        ):
            yield (
                ("targets", i, "month"),
                f"month {month} is outside the scenario's period {period[0]} to {period[1]}",
            )
        settings = item.get("set")
        if not isinstance(settings, dict):
            continue
        for key, value in settings.items():
            path: Path = ("targets", i, "set", key)
            if not isinstance(key, str):
                continue
            if key not in levers:
                yield from _ref(key, {k: 0 for k in levers}, "lever", "levers", path)
                continue
            try:
                lever = Lever.model_validate(levers[key])
            except ValidationError:
                continue  # the lever's own problems are reported where it is defined
            value = value.strftime("%Y-%m") if hasattr(value, "strftime") else value
            problem = lever.check(value)
            if problem:
                yield path, f"lever {key!r} {problem}"


def _capability_refs(data: dict[str, Any]) -> Found:
    """References of the capability section: actors with spending, theatres, the levers."""
    section = data.get("capability")
    if not isinstance(section, dict):
        return
    actors, theatres = _ids(data, "actors"), _ids(data, "theatres")
    arms_section = data.get("arms")
    arms: dict[str, Any] = arms_section if isinstance(arms_section, dict) else {}
    listed = {
        item["id"]: i
        for i, item in enumerate(arms.get("actors") or [])
        if isinstance(item, dict) and isinstance(item.get("id"), str)
    }
    roles = {item.get("role") for _, item in _items(data, "levers")}
    for i, item in enumerate(section.get("procurement") or []):
        if isinstance(item, dict):
            path = ("capability", "procurement", i, "id")
            yield from _ref(item.get("id"), listed, "arms actor", "arms.actors", path)
    for part, role in (("modernisation", "modernisation"), ("exercises", "joint_exercises")):
        entry = section.get(part)
        if not isinstance(entry, dict):
            continue
        yield from _ref(
            entry.get("theatre"), theatres, "theatre", "theatres", ("capability", part, "theatre")
        )
        if part == "modernisation":
            yield from _ref(
                entry.get("actor"), actors, "actor", "actors", ("capability", part, "actor")
            )
        for j, actor in enumerate(entry.get("actors") or []):
            yield from _ref(actor, actors, "actor", "actors", ("capability", part, "actors", j))
        if role not in roles:
            yield ("capability", part), f"no lever of this scenario plays the role {role!r}"
