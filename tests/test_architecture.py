"""The package's imports: no circle, and no import from a layer above (docs/architecture.md).

The layers, lowest first, are listed in :data:`LAYERS`; a module may import from its own layer and
the layers below it. A module belongs to the layer of its longest matching prefix, so
``posturelab.scenario.loader`` (which checks a scenario's indicator names against the engine) sits
above the engine while the rest of ``posturelab.scenario`` sits below it. The package itself
(``posturelab``, whose ``__init__`` re-exports the public API on first use) is matched exactly and
sits with the API.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "src" / "posturelab"

LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "core",
        (
            "posturelab.errors",
            "posturelab.textfile",
            "posturelab.registry",
            "posturelab.defaults",
            "posturelab.version",
        ),
    ),
    ("models", ("posturelab.models",)),
    ("language", ("posturelab.scenario", "posturelab.data")),
    ("engine", ("posturelab.engine",)),
    ("loading", ("posturelab.scenario.loader", "posturelab.scenario.claims_file")),
    ("analysis", ("posturelab.runners", "posturelab.store", "posturelab.explore")),
    ("report", ("posturelab.report",)),
    ("api", ("posturelab", "posturelab.api")),
    ("faces", ("posturelab.cli", "posturelab.web", "posturelab.__main__")),
]


def modules() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def import_graph() -> dict[str, set[str]]:
    """Module -> the posturelab modules it imports (anywhere in the file)."""
    known = modules()
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in known.items():
        for node in ast.walk(ast.parse(path.read_text())):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # `from package import submodule` imports the submodule; its package is always
                # imported first anyway, so only names that are not submodules count for it.
                subs = [f"{node.module}.{a.name}" for a in node.names]
                targets = [t for t in subs if t in known]
                if len(targets) < len(subs):
                    targets.append(node.module)
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            graph[name] |= {t for t in targets if t in known and t != name}
    return graph


def layer_of(module: str) -> int:
    best, length = -1, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            inside = module.startswith(prefix + ".") and prefix != "posturelab"
            if (module == prefix or inside) and len(prefix) > length:
                best, length = index, len(prefix)
    assert best >= 0, f"{module} belongs to no layer of docs/architecture.md"
    return best


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan 1972)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_planted_circle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle() -> None:
    assert cycles(import_graph()) == []


def test_no_import_from_a_higher_layer() -> None:
    upward = [
        f"{a} ({LAYERS[layer_of(a)][0]}) imports {b} ({LAYERS[layer_of(b)][0]})"
        for a, targets in sorted(import_graph().items())
        for b in sorted(targets)
        if layer_of(b) > layer_of(a)
    ]
    assert upward == []


def test_every_module_has_a_layer_and_models_import_no_other_layer() -> None:
    graph = import_graph()
    for module in modules():
        layer_of(module)
    for module, targets in graph.items():
        if module.startswith("posturelab.models."):
            assert all(t.startswith("posturelab.models") for t in targets), module


def test_the_architecture_page_names_the_layers_and_components_in_order() -> None:
    import re

    from posturelab.engine.components import COMPONENTS

    doc = (ROOT.parents[1] / "docs" / "architecture.md").read_text()
    rows = re.findall(r"^\| (\w+) \| `posturelab", doc, flags=re.M)
    assert rows == [name for name, _ in LAYERS]
    steps = re.findall(r"^\d\. `(\w+)` \(`engine/", doc, flags=re.M)
    assert steps == [c.name for c in COMPONENTS]


def test_no_module_is_over_about_500_lines() -> None:
    """Modules of a few hundred lines: one over 520 fails (about 500, with a small margin)."""
    long = {
        name: n
        for name, path in modules().items()
        if (n := len(path.read_text().splitlines())) > 520
    }
    assert long == {}
