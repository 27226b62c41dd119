"""The explicit registries: lever roles, objective names and the component list."""

import re

from posturelab.engine.components import COMPONENTS
from posturelab.registry import LEVER_ROLES, objective_slug
from posturelab.scenario.loader import load_scenario

ENGINE = "src/posturelab/engine"


def test_objective_slug_known_answers() -> None:
    assert objective_slug("Seoul") == "seoul"
    assert objective_slug("  Pusan perimeter!  ") == "pusan_perimeter"
    assert objective_slug(None) == "objective"
    assert objective_slug("***") == "objective"


# Roles that no component reads by name (none: every role acts in a component).
NOT_READ_BY_ROLE: set[str] = set()


def test_every_lever_role_is_read_by_the_engine_and_documented() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    engine_text = "\n".join(p.read_text() for p in (root / ENGINE).glob("*.py"))
    unread = set()
    for role, text in LEVER_ROLES.items():
        assert text.endswith((".", ")")), role
        if not re.search(rf'"{role}"', engine_text):
            unread.add(role)
    assert unread == NOT_READ_BY_ROLE


def test_korea_binds_the_article_levers_to_roles() -> None:
    scenario = load_scenario("korea-2025").scenario
    roles = {lever.role for lever in scenario.levers if lever.role}
    assert {"relocation_troops", "relocation_date", "strategic_flexibility", "one_theatre",
            "opcon_transfer_date", "jfhq_date"} <= roles  # fmt: skip


def test_components_have_unique_names() -> None:
    names = [c.name for c in COMPONENTS]
    assert len(names) == len(set(names))
