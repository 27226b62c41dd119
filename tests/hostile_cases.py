"""Generated hostile inputs: scenario files, lever settings and command lines.

Every case here must be refused cleanly: a located message and exit status 2 on the command line,
a JSON error with located problems over HTTP, and nothing written. ``tests/test_hostile_inputs.py``
runs them.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

EXAMPLE_PATH = Path(__file__).resolve().parents[1] / "examples" / "border-dispute.yaml"
EXAMPLE = EXAMPLE_PATH.read_text(encoding="utf-8")
BASE: dict[str, Any] = yaml.safe_load(EXAMPLE)

Data = dict[str, Any]


# ------------------------------------------------------------------------------ raw documents
def _billion_laughs() -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


RAW: dict[str, bytes] = {
    "recursive-sequence": b"a: &a [*a]\n",
    "recursive-mapping": b"a: &a {b: *a}\n",
    "recursive-block": b"meta: &m\n  id: x\n  self: *m\n",
    "recursive-deep": b"a: &a [1, [2, [3, {b: *a}]]]\n",
    "recursive-in-example": EXAMPLE.replace(
        "meta:\n  id: border-dispute", "meta: &m\n  loop: [*m]\n  id: border-dispute", 1
    ).encode(),
    "billion-laughs": _billion_laughs().encode(),
    "deep-flow": b"a: " + b"[" * 100 + b"]" * 100 + b"\n",
    "deep-block": "".join(f"{'  ' * i}k{i}:\n" for i in range(70)).encode() + b"  " * 70 + b"x\n",
    "python-tag": b"a: !!python/object/apply:os.system ['echo owned']\n",
    "binary-tag": b"a: !!binary aGVsbG8=\n",
    "custom-tag": b"a: !custom 1\n",
    "set-tag": b"a: !!set {x, y}\n",
    "merge-key": b"base: &b {x: 1}\nother:\n  <<: *b\n",
    "duplicate-key": b"meta: 1\nmeta: 2\n",
    "duplicate-key-example": (EXAMPLE + "\nmeta: {id: again}\n").encode(),
    "nul-byte": b"meta:\x00 1\n",
    "utf16": EXAMPLE.encode("utf-16"),
    "invalid-utf8": b"meta: \xff\xfe\n",
    "encoded-surrogate": b"a: \xed\xbf\xbf\n",
    "empty": b"",
    "only-comment": b"# nothing here\n",
    "only-document-marker": b"---\n",
    "top-level-list": b"- 1\n- 2\n",
    "top-level-scalar": b"42\n",
    "too-large": b"a: " + b"x" * 5_000_001 + b"\n",
    "unclosed-flow": b"a: [1,\n",
    "mapping-in-scalar": b"a: b: c\n",
    "tab-indentation": b"a:\n\tb: 1\n",
    "two-documents": b"a: 1\n---\nb: 2\n",
    "complex-key": b"? [a, b]\n: 1\n",
    "control-characters": b"meta: \x1b[2J\x07\n",
    "nan-value": EXAMPLE.replace("{value: 900,", "{value: .nan,", 1).encode(),
    "inf-value": EXAMPLE.replace("{value: 900,", "{value: .inf,", 1).encode(),
    "bare-number": EXAMPLE.replace("{value: 900, source: example-brief}", "900", 1).encode(),
    "markup-and-bad-month": EXAMPLE.replace(
        "title: An invented", "title: '[/] [bold]x[/bold] [low/high]' #", 1
    )
    .replace("start: 2025-01", "start: 2025-13", 1)
    .encode(),
}


# --------------------------------------------------------------------------- data mutations
def _quantity_paths(node: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    if isinstance(node, dict):
        if "value" in node or "dist" in node:
            yield path
            return
        for key, value in node.items():
            yield from _quantity_paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _quantity_paths(value, (*path, i))


QUANTITY_PATHS = list(_quantity_paths(BASE))

QUANTITY_ATTACKS: dict[str, Data] = {
    # Defect 4: distributions that validate but sample inf or NaN.
    "far-tail-truncnormal": {
        "dist": "truncnormal", "mean": 0, "sd": 1, "low": 1000, "high": 1001,
        "assumption": "mass far in the tail",
    },
    "huge-lognormal-sigma": {
        "dist": "lognormal", "median": 1, "sigma": 700, "assumption": "absurd spread",
    },
    "overflowing-value": {"value": 1e200, "source": "example-brief"},
    "inverted-uniform": {"dist": "uniform", "low": 5, "high": 1, "assumption": "low above high"},
    "nan-value": {"value": float("nan"), "source": "example-brief"},
}  # fmt: skip


def _set(data: Data, path: tuple[str | int, ...], value: Any) -> None:
    node: Any = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


def _mutation(change: Callable[[Data], None]) -> bytes:
    data = copy.deepcopy(BASE)
    change(data)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode("utf-8")


def _event(date: dt.date) -> Callable[[Data], None]:
    def change(d: Data) -> None:
        d["events"] = [
            {"id": "e", "date": date, "description": "x", "source": "example-brief", "effects": []}
        ]

    return change


def _setter(*path: str | int, value: Any) -> Callable[[Data], None]:
    return lambda d: _set(d, path, value)


def _relation(**dates: dt.date) -> Callable[[Data], None]:
    return lambda d: d["relations"][0].update(dates)


SEMANTIC: dict[str, Callable[[Data], None]] = {
    # Defect 11: contests, relations, events, months.
    "attacker-is-defender": _setter("contests", 0, "defender", value="red"),
    "patron-is-attacker": _setter("contests", 0, "patron", value="red"),
    "patron-is-defender": _setter("contests", 0, "patron", value="blue"),
    "relation-ends-before-signed": _relation(signed=dt.date(2020, 1, 1), ends=dt.date(2019, 1, 1)),
    "relation-in-force-before-signed": _relation(
        signed=dt.date(2020, 1, 1), in_force=dt.date(2019, 6, 1)
    ),
    "relation-ends-before-in-force": _relation(
        in_force=dt.date(2020, 1, 1), ends=dt.date(2019, 1, 1)
    ),
    "event-before-period": _event(dt.date(2024, 6, 1)),
    "event-after-period": _event(dt.date(2027, 3, 1)),
    "start-before-1900": _setter("meta", "start", value="1899-01"),
    "end-after-2200": _setter("meta", "end", value="2201-01"),
    "start-year-zero": _setter("meta", "start", value="0000-01"),
    "period-too-long": lambda d: d["meta"].update(start="1900-01", end="2150-12"),
    "start-arabic-digits": _setter("meta", "start", value="٢٠٢٥-01"),
    "start-fullwidth-digits": _setter("meta", "start", value="２０２５-07"),
    "end-devanagari-digits": _setter("meta", "end", value="२०२६-12"),
    "lever-month-9999": _setter("levers", 1, "default", value="9999-12"),
    "lever-month-1899": _setter("levers", 1, "default", value="1899-12"),
    "lever-month-arabic": _setter("levers", 1, "default", value="١٩٩٩-01"),
    "lever-month-13": _setter("levers", 1, "default", value="2025-13"),
    "source-date-fullwidth": _setter("sources", 0, "date", value="２０２５"),
    "claim-horizon-outside": _setter("claims", 0, "horizon", value="2030-01"),
    # Defect 10: what later commands check.
    "claim-treatment-outside-domain": _setter(
        "claims", 0, "treatment", value={"garrison_withdrawal": 5000}
    ),
    "claim-base-outside-domain": _setter("claims", 0, "base", value={"garrison_withdrawal": -1}),
    "claim-month-outside-range": _setter(
        "claims", 0, "treatment", value={"withdrawal_date": "1899-12"}
    ),
    "claim-treatment-text": _setter(
        "claims", 0, "treatment", value={"garrison_withdrawal": "lots"}
    ),
    "variant-outside-domain": lambda d: d.update(
        variants=[{"id": "v", "description": "x", "set": {"garrison_withdrawal": 1e9}}]
    ),
    "lever-default-text": _setter("levers", 0, "default", value="abc"),
    "lever-default-outside": _setter("levers", 0, "default", value=1e4),
    "lever-max-huge": _setter("levers", 0, "max", value=1e300),
    "lever-max-inf": _setter("levers", 0, "max", value=float("inf")),
    # Defect 4, named cases.
    "beta-1e300": _setter(
        "contests", 0, "beta",
        value={"dist": "uniform", "low": 1e300, "high": 1.1e300, "assumption": "absurd"},
    ),
    "tanks-1e200": _setter(
        "forces", 0, "equipment", "tanks", value={"value": 1e200, "source": "example-brief"}
    ),
    # Structure.
    "no-sources": lambda d: d.pop("sources"),
    "no-contests": _setter("contests", value=[]),
    "unknown-top-key": lambda d: d.update(extra_section={"a": 1}),
    "duplicate-actor-id": lambda d: d["actors"].append(dict(d["actors"][0])),
    "dangling-actor": _setter("contests", 0, "attacker", value="purple"),
    "unknown-source": _setter(
        "actors", 0, "personnel", value={"value": 1, "source": "nowhere"}
    ),
    "assumption-without-range": _setter(
        "actors", 0, "personnel", value={"value": 1, "assumption": "a guess"}
    ),
    "title-too-long": _setter("meta", "title", value="x" * 5000),
}  # fmt: skip


def scenario_cases() -> dict[str, bytes]:
    """Every hostile scenario file by name (raw bytes)."""
    cases = dict(RAW)
    for name, change in SEMANTIC.items():
        cases[f"semantic-{name}"] = _mutation(change)
    for path in QUANTITY_PATHS:
        for attack, quantity in QUANTITY_ATTACKS.items():
            where = ".".join(str(p) for p in path)
            cases[f"quantity-{attack}-{where}"] = _mutation(
                lambda d, p=path, q=quantity: _set(d, p, dict(q))
            )
    return cases


# ------------------------------------------------------------------------------ lever values
LEVER_VALUES: list[tuple[str, str]] = [
    ("relocation_troops", value)
    for value in ("nan", "inf", "-inf", "1e300", "-1", "99999", "abc", "", "0x10", "1_0e999")
] + [
    ("relocation_date", value)
    for value in (
        "2025-13", "2025-1", "٢٠٢٥-01", "２０２５-07", "1899-12", "2201-01", "9999-12",
        "0000-01", "never", " ", "2026-01-01",
    )
] + [
    ("opcon_transfer_date", "sometime"),
    ("opcon_transfer_date", "2025-00"),
    ("one_theatre", "maybe"),
    ("one_theatre", "2"),
    ("no_such_lever", "1"),
]  # fmt: skip
"""``(lever, value)`` pairs of korea-2025 that ``--set`` and the API must refuse."""
