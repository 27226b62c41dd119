"""The built-in scenario library at a glance, read without validating the scenarios.

``posturelab scenarios`` lists the built-ins with their titles, periods and sizes; reading the
files with :func:`posturelab.scenario.yamlfile.load_yaml` (the one YAML policy) and counting
their entries takes a fraction of the time a full validation does (the built-ins are validated
by the test suite, and by every command that uses one).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from posturelab.defaults import DEFAULT_SCENARIO

LIBRARY_PACKAGE = "posturelab.scenario.library"


@dataclass(frozen=True)
class LibraryEntry:
    """One built-in scenario: its id, title, period and how many of each part it has."""

    id: str
    title: str
    start: str
    end: str
    actors: int
    forces: int
    levers: int
    claims: int


def builtin_ids() -> list[str]:
    """Return the ids of the scenarios shipped with posturelab, the default first."""
    folder = resources.files(LIBRARY_PACKAGE)
    return sorted(
        (p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")),
        key=lambda ident: (ident != DEFAULT_SCENARIO, ident),
    )


def _children(node: object) -> dict[str, object]:
    """The entries of a mapping node by key (empty for any other node)."""
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): v for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def _text(node: object) -> str:
    import yaml

    return str(node.value) if isinstance(node, yaml.ScalarNode) else ""


def _count(node: object) -> int:
    import yaml

    return len(node.value) if isinstance(node, yaml.SequenceNode) else 0


def library() -> list[LibraryEntry]:
    """Every built-in scenario, by id (from the YAML node tree, without building the data)."""
    from posturelab.scenario.yamlfile import compose, decode

    entries = []
    for ident in builtin_ids():
        name = f"<built-in:{ident}>"
        raw = resources.files(LIBRARY_PACKAGE).joinpath(f"{ident}.yaml").read_bytes()
        top = _children(compose(decode(raw, name), name))
        meta = _children(top.get("meta"))
        entries.append(
            LibraryEntry(
                id=ident,
                title=_text(meta.get("title")),
                start=_text(meta.get("start")),
                end=_text(meta.get("end")),
                actors=_count(top.get("actors")),
                forces=_count(top.get("forces")),
                levers=_count(top.get("levers")),
                claims=_count(top.get("claims")),
            )
        )
    return entries
