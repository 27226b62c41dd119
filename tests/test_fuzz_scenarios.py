"""Property-based fuzzing of scenario files: each mutation is valid or fails with located errors."""

import copy
import re
from importlib import resources
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "border-dispute.yaml"
KOREA = resources.files("posturelab.scenario.library").joinpath("korea-2025.yaml").read_text()
BASES = {"example": EXAMPLE.read_text(), "korea": KOREA}
LOCATED = re.compile(r"^error: .+?:\d+(:\d+)?: ")

WRONG_VALUES = st.sampled_from(
    [
        None,
        "text",
        -1,
        -1e9,
        1e300,
        0,
        [],
        {},
        [1, 2],
        {"value": 1},
        {"value": -5, "source": "example-brief"},
        {"dist": "uniform", "low": 5, "high": 1, "assumption": "bad range"},
        True,
        float("nan"),
        "2025-13",
    ]
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*prefix, i))


def _parent(data, path):
    for part in path[:-1]:
        data = data[part]
    return data


@st.composite
def mutated(draw):
    base = draw(st.sampled_from(sorted(BASES)))
    text = BASES[base]
    kind = draw(
        st.sampled_from(["delete", "retype", "unknown_key", "text_insert", "text_cut", "raw"])
    )
    if kind in ("delete", "retype", "unknown_key"):
        data = copy.deepcopy(yaml.safe_load(text))
        paths = [p for p in _paths(data) if p]
        path = draw(st.sampled_from(paths))
        parent = _parent(data, path)
        if kind == "delete":
            del parent[path[-1]]
        elif kind == "retype":
            parent[path[-1]] = draw(WRONG_VALUES)
        else:
            target = parent[path[-1]]
            if isinstance(target, dict):
                target[draw(st.sampled_from(["colour", "valu", "sorce", "x"]))] = 1
            else:
                parent[path[-1]] = {"unexpected": target}
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode()
    raw = text.encode()
    if kind == "text_insert":
        at = draw(st.integers(0, len(raw)))
        junk = draw(
            st.sampled_from(
                [
                    b":",
                    b"- ",
                    b"{",
                    b"]",
                    b"\t",
                    b"&a ",
                    b"*a",
                    b"!!python/name:os ",
                    b"'",
                    b"\n  x",
                ]
            )
        )
        return raw[:at] + junk + raw[at:]
    if kind == "text_cut":
        at = draw(st.integers(0, len(raw)))
        return raw[:at]
    return draw(st.sampled_from(sorted(RAW_FILES)))


# Whole-file cases, built on demand so that hypothesis never holds (or prints) megabytes.
RAW_FILES = {
    "empty": lambda: b"",
    "binary": lambda: b"\xff\xfe\x00\x01",
    "nul bytes": lambda: b"\x00" * 10,
    "long mapping": lambda: b"a: b\n" * 20_000,
    "huge": lambda: b"#" * 6_000_000,
    "deep flow": lambda: b"[" * 5000,
    "latin-1": lambda: "meta: \u00fcn\u00efcode\n".encode("latin-1"),
    "list": lambda: b"- 1\n- 2\n",
    "scalar": lambda: b"42\n",
}


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(content=mutated())
def test_mutations_are_valid_or_located(content, tmp_path_factory, run_cli):
    path = tmp_path_factory.mktemp("fuzz") / "scenario.yaml"
    path.write_bytes(RAW_FILES[content]() if isinstance(content, str) else content)
    result = run_cli("validate", str(path))
    assert "Traceback" not in result.err
    if result.code == 0:
        assert "valid" in result.out
        return
    assert result.code == 2, result.err
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert errors, result.err
    for line in errors:
        assert LOCATED.match(line), line
