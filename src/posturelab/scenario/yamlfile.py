"""Safe YAML loading that keeps every node's position, with limits against hostile input.

The document is composed into PyYAML's node graph with the safe loader (no object tags), then turned
into plain Python data while recording the line and column of every mapping key and value. Aliases
are allowed but bounded: expanding them may not produce more than :data:`MAX_NODES` nodes, which
stops "billion laughs" documents quickly. Nesting deeper than :data:`MAX_DEPTH` is refused before
composition, so deeply nested input cannot exhaust the recursion limit, and so is an alias inside
the collection its anchor names (a recursive anchor), which would make the document a cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from posturelab.errors import InputError, Problem

# libyaml's C parser where available (it is in PyYAML's wheels), else the pure-Python one.
SafeLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_BYTES = 5_000_000
MAX_DEPTH = 64
MAX_NODES = 500_000

Path = tuple[str | int, ...]


@dataclass
class Located:
    """Plain data from a YAML or JSON document and the positions of its parts.

    ``positions`` maps a path (keys and list indices from the root) to its 1-based (line, column).
    """

    data: Any
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def position(self, path: Path) -> tuple[int | None, int | None]:
        """Return the position of ``path``, or of its longest located prefix."""
        for cut in range(len(path), -1, -1):
            found = self.positions.get(path[:cut])
            if found is not None:
                return found
        return (None, None)


def _problem(
    name: str, message: str, line: int | None = None, col: int | None = None
) -> InputError:
    return InputError([Problem(name, line, col, "", message)])


def decode(raw: bytes, name: str) -> str:
    """Decode ``raw`` as UTF-8 or raise a located :class:`InputError`."""
    if len(raw) > MAX_BYTES:
        raise _problem(name, f"file is {len(raw):,} bytes; at most {MAX_BYTES:,} are allowed", 1, 1)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise _problem(
            name, f"not valid UTF-8 text (byte 0x{raw[exc.start]:02x})", line, col
        ) from None


def check_encodable(text: str, name: str) -> None:
    r"""Refuse text that cannot be written as UTF-8 (a lone surrogate, as JSON's ``\udfff`` gives).

    Raises
    ------
    InputError
        Located at the line and column of the first lone surrogate.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        before = text[: exc.start]
        line = before.count("\n") + 1
        col = exc.start - (before.rfind("\n") + 1) + 1
        raise _problem(
            name,
            f"not valid Unicode text (lone surrogate U+{ord(text[exc.start]):04X})",
            line,
            col,
        ) from None


def _where(event: yaml.Event) -> tuple[int | None, int | None]:
    mark = event.start_mark
    return (None, None) if mark is None else (mark.line + 1, mark.column + 1)


def _check_events(text: str, name: str) -> None:
    """Refuse too deep nesting and recursive anchors from the parser's events, before composing.

    A recursive anchor is an alias that names a collection still open at that point
    (``a: &a [*a]``): composing it would build a node graph with a cycle, which no scenario needs.
    """
    open_anchors: list[str | None] = []
    try:
        for event in yaml.parse(text, Loader=SafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                open_anchors.append(event.anchor)
                if len(open_anchors) > MAX_DEPTH:
                    raise _problem(
                        name,
                        f"nesting deeper than {MAX_DEPTH} levels is not allowed",
                        *_where(event),
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                open_anchors.pop()
            elif isinstance(event, yaml.AliasEvent) and event.anchor in open_anchors:
                raise _problem(
                    name,
                    f"recursive alias *{event.anchor} refers to the collection that contains it "
                    "(recursive anchors are not allowed)",
                    *_where(event),
                )
    except yaml.YAMLError:
        return  # the composer reports syntax errors with their position


def compose(text: str, name: str) -> yaml.Node:
    """Parse one YAML (or JSON) document into its node tree, under this module's limits.

    Raises
    ------
    InputError
        On syntax errors, forbidden tags, too deep nesting, recursive anchors, alias expansion
        beyond the limit, lone surrogates or an empty document.
    """
    check_encodable(text, name)
    _check_events(text, name)
    try:
        root = yaml.compose(text, Loader=SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise _problem(name, f"invalid YAML: {message}", line, col) from None
    except yaml.YAMLError as exc:
        raise _problem(name, f"invalid YAML: {exc}", 1, 1) from None
    except RecursionError:
        raise _problem(
            name, f"nesting deeper than {MAX_DEPTH} levels is not allowed", 1, 1
        ) from None
    if root is None:
        raise _problem(name, "the file is empty; a scenario is a YAML mapping", 1, 1)
    size = _expanded_size(root, {})
    if size > MAX_NODES:
        raise _problem(
            name,
            f"the document expands to more than {MAX_NODES:,} nodes (alias expansion refused)",
            1,
            1,
        )
    return root


def load_yaml(text: str, name: str) -> Located:
    """Parse one YAML (or JSON) document into plain data with positions.

    Raises
    ------
    InputError
        On syntax errors, forbidden tags, too deep nesting, recursive anchors, alias expansion
        beyond the limit, non-string mapping keys, duplicate keys, lone surrogates or an empty
        document.
    """
    root = compose(text, name)
    located = Located(None)
    budget = [MAX_NODES]
    located.data = _build(root, (), located, name, budget, set())
    return located


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many nodes ``node`` expands to, aliases counted each time they appear.

    Each distinct node is measured once (``sizes``), so a "billion laughs" document is measured
    in time proportional to its text, not to its expansion. Nesting is already bounded and
    recursive anchors refused, so the recursion is shallow and ends.
    """
    key = id(node)
    if key not in sizes:
        sizes[key] = MAX_NODES + 1  # a cycle the event check missed counts as too large
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(_expanded_size(child, sizes) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(_expanded_size(k, sizes) + _expanded_size(v, sizes) for k, v in node.value)
        sizes[key] = min(total, MAX_NODES + 1)
    return sizes[key]


def _scalar(node: yaml.ScalarNode, name: str) -> Any:
    tag = node.tag
    resolvers: dict[str, Callable[[str], Any]] = {
        "tag:yaml.org,2002:null": lambda v: None,
        "tag:yaml.org,2002:bool": lambda v: v.lower() in ("true", "yes", "on"),
        "tag:yaml.org,2002:int": _to_int,
        "tag:yaml.org,2002:float": _to_float,
        "tag:yaml.org,2002:str": str,
        "tag:yaml.org,2002:timestamp": str,
    }
    resolver = resolvers.get(tag)
    if resolver is None:
        mark = node.start_mark
        raise _problem(name, f"tag {tag!r} is not allowed", mark.line + 1, mark.column + 1)
    try:
        return resolver(node.value)
    except ValueError:
        mark = node.start_mark
        raise _problem(
            name,
            f"cannot read {node.value!r} as {tag.rsplit(':', 1)[-1]}",
            mark.line + 1,
            mark.column + 1,
        ) from None


def _to_int(value: str) -> int:
    text = value.replace("_", "")
    sign = -1 if text.startswith("-") else 1
    text = text.lstrip("+-")
    if text.startswith("0x"):
        return sign * int(text[2:], 16)
    if text.startswith("0o"):
        return sign * int(text[2:], 8)
    if text.startswith("0b"):
        return sign * int(text[2:], 2)
    if ":" in text:
        raise ValueError(value)
    return sign * int(text)


def _to_float(value: str) -> float:
    text = value.replace("_", "").lower()
    if text in (".inf", "+.inf"):
        return float("inf")
    if text == "-.inf":
        return float("-inf")
    if text == ".nan":
        return float("nan")
    return float(text)


def _build(
    node: yaml.Node, path: Path, located: Located, name: str, budget: list[int], active: set[int]
) -> Any:
    """Turn ``node`` into plain data; ``active`` holds the collections being built (no cycles)."""
    budget[0] -= 1
    if budget[0] < 0:
        mark = node.start_mark
        raise _problem(
            name,
            f"the document expands to more than {MAX_NODES:,} nodes (alias expansion refused)",
            mark.line + 1,
            mark.column + 1,
        )
    located.positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node, name)
    if id(node) in active:  # a cycle the event check missed: never recurse into it
        mark = node.start_mark
        raise _problem(name, "recursive anchors are not allowed", mark.line + 1, mark.column + 1)
    active.add(id(node))
    try:
        return _collection(node, path, located, name, budget, active)
    finally:
        active.discard(id(node))


def _collection(
    node: yaml.Node, path: Path, located: Located, name: str, budget: list[int], active: set[int]
) -> Any:
    if isinstance(node, yaml.SequenceNode):
        if node.tag != "tag:yaml.org,2002:seq":
            mark = node.start_mark
            raise _problem(name, f"tag {node.tag!r} is not allowed", mark.line + 1, mark.column + 1)
        return [
            _build(child, (*path, i), located, name, budget, active)
            for i, child in enumerate(node.value)
        ]
    if isinstance(node, yaml.MappingNode):
        if node.tag != "tag:yaml.org,2002:map":
            mark = node.start_mark
            raise _problem(name, f"tag {node.tag!r} is not allowed", mark.line + 1, mark.column + 1)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            kmark = key_node.start_mark
            if not isinstance(key_node, yaml.ScalarNode):
                raise _problem(
                    name, "mapping keys must be plain strings", kmark.line + 1, kmark.column + 1
                )
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _problem(
                    name, "merge keys ('<<') are not allowed", kmark.line + 1, kmark.column + 1
                )
            key = str(key_node.value)
            if key in result:
                raise InputError(
                    [
                        Problem(
                            name,
                            kmark.line + 1,
                            kmark.column + 1,
                            ".".join(str(p) for p in (*path, key)),
                            f"duplicate key {key!r}",
                        )
                    ]
                )
            located.positions[(*path, key)] = (kmark.line + 1, kmark.column + 1)
            result[key] = _build(value_node, (*path, key), located, name, budget, active)
        return result
    raise _problem(name, "unsupported YAML node")  # pragma: no cover
