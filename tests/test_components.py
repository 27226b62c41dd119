"""The component protocol: the indicator contract and the conformance of every registered component.

Contract: for every built-in scenario and every example scenario, the variables the engine emits
are exactly the names its components declare, with the declared kinds. Conformance: every
registered component, in a scenario that uses it, gives arrays of the declared shape and dtype,
no NaN where its declaration does not allow one and no infinity, the same numbers for the same
seed, and the same numbers whatever the chunking.
"""

from pathlib import Path

import numpy as np
import pytest

from posturelab.engine.compiled import compile_scenario
from posturelab.engine.component import RESERVED_SLOTS, allocate_slots
from posturelab.engine.components import COMPONENTS
from posturelab.engine.indicators import reference_problems, reported_names, scenario_indicators
from posturelab.engine.simulate import simulate_chunk, slot_layout
from posturelab.scenario.levers import resolve_levers
from posturelab.scenario.loader import builtin_ids, load_scenario

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCENARIOS = list(builtin_ids()) + [
    str(p)
    for p in sorted(EXAMPLES.glob("*.yaml"))
    if any(line.startswith("meta:") for line in p.read_text().splitlines())  # scenario files
]
MEMBERS = 24


def _chunk(source: str, members: np.ndarray, total: int = MEMBERS, seed: int = 3):
    scenario = load_scenario(source).scenario
    model = compile_scenario(scenario, resolve_levers(scenario, {}))
    return model, simulate_chunk(model, seed, members, total)


def test_the_scenarios_under_contract_include_every_builtin_and_an_example() -> None:
    assert "korea-2025" in SCENARIOS
    assert any(s.endswith("border-dispute.yaml") for s in SCENARIOS)


@pytest.mark.parametrize("source", SCENARIOS)
def test_the_engine_emits_exactly_the_declared_indicators_with_their_kinds(source: str) -> None:
    model, out = _chunk(source, np.arange(MEMBERS))
    declared = model.indicators()
    series = {n for n, ind in declared.items() if ind.kind == "series"}
    assert set(out.series) == series
    assert set(out.scalars) == set(declared) - series
    for name, values in out.series.items():
        assert values.shape == (MEMBERS, model.n_months), name
    for name, values in out.scalars.items():
        assert values.shape == (MEMBERS,), name
        if declared[name].kind == "probability":
            finite = values[np.isfinite(values)]
            assert np.all((finite == 0) | (finite == 1)), name
    for name, values in {**out.series, **out.scalars}.items():
        assert values.dtype == np.float64, name
        assert not np.isinf(values).any(), name
        if not declared[name].missing:
            assert not np.isnan(values).any(), f"{name} has NaN but is not declared as missing"


@pytest.mark.parametrize("source", SCENARIOS)
def test_declarations_are_consistent(source: str) -> None:
    scenario = load_scenario(source).scenario
    declared = scenario_indicators(scenario)
    for ind in declared.values():
        for ref in (ind.risk, ind.hazard, ind.onset):
            if ref is not None:
                assert ref in declared, (ind.name, ref)
        if ind.hazard is not None:
            assert declared[ind.hazard].kind == "series"
        assert ind.description.endswith("."), ind.name
        assert ind.unit, ind.name
    # Claims and declared outcomes of a valid scenario name declared indicators only.
    assert reference_problems(scenario) == []
    assert set(reported_names(declared)) <= set(declared)


def test_every_registered_component_is_used_by_a_scenario_under_contract() -> None:
    used = set()
    for source in SCENARIOS:
        scenario = load_scenario(source).scenario
        used |= set(compile_scenario(scenario, resolve_levers(scenario, {})).specs)
    assert used == {c.name for c in COMPONENTS}


@pytest.fixture(scope="module")
def korea_runs():
    members = np.arange(MEMBERS, dtype=np.int64)
    model, whole = _chunk("korea-2025", members)
    _, again = _chunk("korea-2025", members)
    _, first = _chunk("korea-2025", members[:10])
    _, second = _chunk("korea-2025", members[10:])
    return model, whole, again, (first, second)


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda c: c.name)
def test_component_conformance(component, korea_runs) -> None:
    model, whole, again, (first, second) = korea_runs
    assert component.name in model.specs, "korea-2025 uses every registered component"
    spec = model.specs[component.name]
    names = [ind.name for ind in component.indicators(spec)]
    assert len(names) == len(set(names))
    assert component.fixed_slots >= 0 and component.scenario_slots(spec) >= 0
    for name in names:
        store = "series" if name in whole.series else "scalars"
        values = getattr(whole, store)[name]
        np.testing.assert_array_equal(values, getattr(again, store)[name], err_msg=name)
        joined = np.concatenate([getattr(first, store)[name], getattr(second, store)[name]])
        np.testing.assert_array_equal(values, joined, err_msg=f"{name} depends on the chunking")


def test_component_names_are_unique_and_in_step_order() -> None:
    assert [c.name for c in COMPONENTS] == [
        "posture",
        "arms",
        "capability",
        "alignment",
        "contests",
        "artillery",
    ]


def test_slot_layout_puts_scenario_sized_draws_first_and_fixed_ones_in_the_reserve() -> None:
    offsets, total = allocate_slots({"a": 0, "contests": 6}, {"arms": 1, "b": 2, "c": 0})
    assert offsets == {"contests": 0, "arms": 6, "b": 7}
    assert total == 6 + RESERVED_SLOTS
    with pytest.raises(ValueError, match="fixed event slots"):
        allocate_slots({}, {"x": RESERVED_SLOTS + 1})


def test_korea_slot_layout_keeps_the_recorded_draws() -> None:
    # Two contests of three draws each, then the deal draw at the start of the reserve.
    scenario = load_scenario("korea-2025").scenario
    model = compile_scenario(scenario, resolve_levers(scenario, {}))
    offsets, total = slot_layout(model)
    assert offsets == {"contests": 0, "arms": 6}
    assert total == 6 + RESERVED_SLOTS
