"""Reference checks of a scenario's targets and capability sections.

Part of :func:`posturelab.scenario.references.check_references`.
"""

from __future__ import annotations

from typing import Any

from posturelab.scenario.reference_base import Found, Path, dangling, ids_of, items_of


def _month_number(text: str) -> int:
    year, month = text.split("-")
    return 12 * int(year) + int(month) - 1


def target_refs(data: dict[str, Any]) -> Found:
    """Targets: a campaign, levers and variants that exist, a month inside the period.

    Indicator names are checked after validation with those of claims and outcomes
    (:func:`posturelab.engine.indicators.reference_problems`).
    """
    from pydantic import ValidationError

    from posturelab.scenario.schema import MONTH_RE, Lever

    levers = {
        item["id"]: item for _, item in items_of(data, "levers") if isinstance(item.get("id"), str)
    }
    variants = ids_of(data, "variants")
    adm = any(c.get("campaign") == "adm" for _, c in items_of(data, "contests"))
    meta = data.get("meta")
    start = meta.get("start") if isinstance(meta, dict) else None
    end = meta.get("end") if isinstance(meta, dict) else None
    period: tuple[str, str] | None = None
    if isinstance(start, str) and isinstance(end, str) and MONTH_RE.match(start):
        period = (start, end) if MONTH_RE.match(end) else None
    for i, item in items_of(data, "targets"):
        if isinstance(item.get("campaign"), str) and not adm:
            yield (
                ("targets", i, "campaign"),
                "a campaign target needs a contest with campaign: adm; this scenario has none",
            )
        yield from dangling(
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
                yield from dangling(key, {k: 0 for k in levers}, "lever", "levers", path)
                continue
            try:
                lever = Lever.model_validate(levers[key])
            except ValidationError:
                continue  # the lever's own problems are reported where it is defined
            value = value.strftime("%Y-%m") if hasattr(value, "strftime") else value
            problem = lever.check(value)
            if problem:
                yield path, f"lever {key!r} {problem}"


def capability_refs(data: dict[str, Any]) -> Found:
    """References of the capability section: actors with spending, theatres, the levers."""
    section = data.get("capability")
    if not isinstance(section, dict):
        return
    actors, theatres = ids_of(data, "actors"), ids_of(data, "theatres")
    arms_section = data.get("arms")
    arms: dict[str, Any] = arms_section if isinstance(arms_section, dict) else {}
    listed = {
        item["id"]: i
        for i, item in enumerate(arms.get("actors") or [])
        if isinstance(item, dict) and isinstance(item.get("id"), str)
    }
    roles = {item.get("role") for _, item in items_of(data, "levers")}
    for i, item in enumerate(section.get("procurement") or []):
        if isinstance(item, dict):
            path = ("capability", "procurement", i, "id")
            yield from dangling(item.get("id"), listed, "arms actor", "arms.actors", path)
    for part, role in (("modernisation", "modernisation"), ("exercises", "joint_exercises")):
        entry = section.get(part)
        if not isinstance(entry, dict):
            continue
        yield from dangling(
            entry.get("theatre"), theatres, "theatre", "theatres", ("capability", part, "theatre")
        )
        if part == "modernisation":
            yield from dangling(
                entry.get("actor"), actors, "actor", "actors", ("capability", part, "actor")
            )
        for j, actor in enumerate(entry.get("actors") or []):
            yield from dangling(actor, actors, "actor", "actors", ("capability", part, "actors", j))
        if role not in roles:
            yield ("capability", part), f"no lever of this scenario plays the role {role!r}"
