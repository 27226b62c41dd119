import re
import time

import pytest
import yaml

from posturelab.errors import ScenarioError
from posturelab.scenario.loader import builtin_ids, load_scenario, parse_scenario
from posturelab.scenario.numbers import catalogue

LOCATED = re.compile(r"^error: (?P<file>[^:]+):(?P<line>\d+)(:(?P<col>\d+))?: ")

MINIMAL = """\
meta:
  id: tiny
  title: Tiny
  description: A minimal scenario.
  as_of: 2025-01-01
  start: 2025-01
  end: 2025-06
sources:
  - {id: src, publisher: P, title: T, date: 2025}
actors:
  - {id: a, name: A}
  - {id: b, name: B}
theatres:
  - {id: t, name: T}
locations:
  - {id: l, name: L, theatre: t}
scoring:
  weights:
    tanks: {value: 1, source: src}
  aircraft_weight: {value: 1, source: src}
forces:
  - id: fa
    name: FA
    actor: a
    location: l
    equipment: {tanks: {value: 10, source: src}}
  - id: fb
    name: FB
    actor: b
    location: l
    equipment: {tanks: {value: 10, source: src}}
contests:
  - id: a_attack
    description: A attacks B.
    attacker: a
    defender: b
    theatre: t
    prior_annual: {value: 0.01, source: src}
    v_win: {value: 1, source: src}
    c_lose: {value: 1, source: src}
    c_punish: {value: 1, source: src}
    c_war: {value: 0.1, source: src}
    beta: {value: 1, source: src}
    h_max: {value: 0.1, source: src}
    win_ratio: {value: 2, source: src}
    misperception: {value: 0.5, source: src}
    tripwire_half: {value: 1000, source: src}
    base_credibility: {value: 0.3, source: src}
    distraction_weight: {value: 0.3, source: src}
"""


def problems_of(text: str | bytes) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "s.yaml")
    return [str(p) for p in info.value.problems]


def test_builtin_library_loads():
    assert "korea-2025" in builtin_ids()
    loaded = load_scenario("korea-2025")
    assert loaded.scenario.meta.id == "korea-2025"
    assert len(loaded.sha256) == 64


def test_minimal_scenario_is_valid():
    assert parse_scenario(MINIMAL, "s.yaml").scenario.meta.id == "tiny"


def test_every_korea_number_has_provenance():
    assert len(catalogue(load_scenario("korea-2025").scenario)) > 100


@pytest.mark.parametrize("ident", builtin_ids())
def test_every_builtin_number_has_provenance(ident):
    scenario = load_scenario(ident).scenario
    source_ids = {s.id for s in scenario.sources}
    numbers = catalogue(scenario)
    assert numbers
    for name, q in numbers.items():
        assert (q.source in source_ids) != (q.assumption is not None), name
        if q.assumption is not None:
            assert q.is_uncertain, f"{name} is an assumption without a range"


def _cited(node, texts, refs):
    if isinstance(node, dict):
        if isinstance(node.get("source"), str):
            refs.add(node["source"])
        for key, value in node.items():
            if key in {"note", "assumption", "rationale", "description"} and isinstance(value, str):
                texts.append(value)
            _cited(value, texts, refs)
    elif isinstance(node, list):
        for value in node:
            _cited(value, texts, refs)


@pytest.mark.parametrize("ident", builtin_ids())
def test_every_builtin_source_is_cited(ident):
    """A declared source is named by a ``source:`` field or by id in a note or an assumption."""
    data = yaml.safe_load(load_scenario(ident).text)
    texts: list[str] = []
    refs: set[str] = set()
    _cited({k: v for k, v in data.items() if k != "sources"}, texts, refs)
    words = set(re.findall(r"[a-z0-9][a-z0-9_.-]*[a-z0-9]", " ".join(texts)))
    unused = [s["id"] for s in data["sources"] if s["id"] not in refs | words]
    assert not unused, f"{ident}: sources declared but never cited: {unused}"


def test_korea_encodes_the_article_facts():
    s = load_scenario("korea-2025").scenario
    levers = {lever.id: lever for lever in s.levers}
    assert levers["relocation_troops"].max == 17000  # the smallest relocatable pool
    for required in (
        "relocation_troops",
        "relocation_date",
        "strategic_flexibility",
        "one_theatre",
        "one_theatre_date",
        "opcon_transfer_date",
        "usfj_jfhq_date",
    ):
        assert required in levers
    relations = {r.id: r for r in s.relations}
    assert relations["wartime_opcon"].holder == "us"
    assert str(relations["rus_dprk_treaty"].in_force) == "2024-12-04"
    assert str(relations["prc_dprk_treaty"].signed) == "1961-07-11"
    assert [e.date.isoformat() for e in s.events if e.id == "rok_election"] == ["2025-06-03"]
    assert next(a for a in s.actors if a.id == "rok").leadership_vacuum
    assert any(
        "4,500" in v.description or v.set.get("relocation_troops") == 4500 for v in s.variants
    )


def test_unknown_key_is_located():
    text = MINIMAL.replace("  title: Tiny\n", "  title: Tiny\n  titel: typo\n")
    (problem,) = problems_of(text)
    assert problem == "s.yaml:4:3: meta.titel: unknown key 'titel' is not allowed here (a typo?)"


def test_bare_number_and_unknown_source_reported_together():
    text = MINIMAL.replace("tanks: {value: 10, source: src}}\n  - id: fb", "tanks: 10}\n  - id: fb")
    text = text.replace("beta: {value: 1, source: src}", "beta: {value: 1, source: nowhere}")
    problems = problems_of(text)
    assert len(problems) == 2
    assert "forces.0.equipment.tanks: a number needs its provenance" in problems[0]
    assert re.search(
        r"s\.yaml:\d+:\d+: contests\.0\.beta\.source: unknown source 'nowhere'", problems[1]
    )


def test_dangling_references_and_bad_values():
    text = MINIMAL.replace("actor: b\n", "actor: zz\n").replace(
        "h_max: {value: 0.1", "h_max: {value: 1.5"
    )
    problems = problems_of(text)
    assert any("forces.1.actor: unknown actor 'zz'" in p for p in problems)
    assert any("contests.0.h_max: must lie in [0, 1], got 1.5" in p for p in problems)


def test_missing_key_names_the_key():
    text = MINIMAL.replace("    v_win: {value: 1, source: src}\n", "")
    (problem,) = problems_of(text)
    assert problem.endswith("contests.0.v_win: required key 'v_win' is missing")
    assert problem.startswith("s.yaml:33:5:")  # the contest entry


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("meta: [unclosed\n", "invalid YAML"),
        ("- a\n- b\n", "a scenario is a YAML mapping, got a list"),
        ("meta: !!python/object:os.system {}\n", "is not allowed"),
        ("a: 1\na: 2\n", "duplicate key 'a'"),
        (b"meta: \xff\xfe\n", "not valid UTF-8"),
    ],
)
def test_broken_files(text, message):
    problems = problems_of(text)
    assert any(message in p for p in problems), problems
    assert all(re.match(r"s\.yaml:\d+:\d+: ", p) for p in problems), problems


def test_alias_bomb_is_refused_quickly():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 12):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    start = time.perf_counter()
    problems = problems_of("\n".join(lines) + "\n")
    assert time.perf_counter() - start < 5
    assert any("alias expansion refused" in p for p in problems)


def test_deep_nesting_is_refused_quickly():
    start = time.perf_counter()
    problems = problems_of("a: " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert time.perf_counter() - start < 5
    assert any("nesting" in p for p in problems)


def test_validate_command_reports_located_errors(tmp_path, run_cli):
    bad = tmp_path / "bad.yaml"
    bad.write_text(MINIMAL.replace("title: Tiny", "title: Tiny\n  colour: red"))
    good = tmp_path / "good.yaml"
    good.write_text(MINIMAL)
    result = run_cli("validate", str(good), str(bad))
    assert result.code == 2
    assert "good.yaml: valid" in result.out
    lines = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert lines and all(LOCATED.match(line) for line in lines)
    assert "Traceback" not in result.err


def test_validate_missing_file(run_cli, tmp_path):
    result = run_cli("validate", str(tmp_path / "nope.yaml"))
    assert result.code == 2
    assert "no such file or built-in scenario" in result.err


def test_moderately_deep_nesting_names_the_limit():
    problems = problems_of("a: " + "[" * 100 + "]" * 100 + "\n")
    assert any("nesting deeper than 64 levels" in p for p in problems)
