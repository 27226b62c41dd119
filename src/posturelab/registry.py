"""The explicit registry of lever roles, and the form of objective names.

A scenario binds its levers to the roles listed here, so the engine never depends on lever names;
this literal dictionary is the single list that the scenario schema, the engine, the command line
and the documentation read. Nothing registers itself at import time. The engine's components and
the indicators they emit are listed in :mod:`posturelab.engine.components`.
"""

from __future__ import annotations

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


# Relations with alternative functional forms a scenario may declare (its ``structure`` section):
# for each relation, its forms in the order of their codes, each with the terms it needs. A
# member's form is sampled as a code (the form's position here), so these tuples only grow.
STRUCTURAL_RELATIONS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "tripwire": (
        ("saturating", ()),
        ("flat", ()),
        ("threshold", ("threshold",)),
    ),
}


def structural_forms(relation: str) -> tuple[str, ...]:
    """The forms of a structural relation, in the order of their codes."""
    return tuple(name for name, _ in STRUCTURAL_RELATIONS[relation])


def form_terms(relation: str, form: str) -> tuple[str, ...]:
    """The terms one form of a structural relation needs."""
    return dict(STRUCTURAL_RELATIONS[relation])[form]
