"""Capability over time (models/capability.py, engine/capability.py): known answers, properties."""

import numpy as np
import pytest

from posturelab.engine.capability import CapabilitySpec
from posturelab.engine.compiled import compile_scenario
from posturelab.engine.run import RunOptions, run_ensemble
from posturelab.models import capability as model
from posturelab.scenario.levers import resolve_levers
from posturelab.scenario.loader import load_scenario


def test_constant_spending_keeps_the_steady_stock() -> None:
    x = np.array([10.0, 50.0])
    life = np.array([15.0, 30.0])
    stock = model.steady_stock(x, life)
    for _ in range(120):
        stock = model.inventory_step(stock, x, life, 1 / 12)
    np.testing.assert_allclose(stock, x * life, rtol=1e-12)


def test_inventory_step_known_answer() -> None:
    stock = model.inventory_step(np.array([100.0]), np.array([12.0]), np.array([10.0]), 1 / 12)
    assert stock[0] == pytest.approx(100.0 * (1 - 1 / 120) + 1.0)


def test_modernisation_ramps_linearly_then_holds() -> None:
    gain, ramp = np.array([0.2]), np.array([2.0])
    assert model.modernisation_factor(0.0, gain, ramp)[0] == 1.0
    assert model.modernisation_factor(12.0, gain, ramp)[0] == pytest.approx(1.1)
    assert model.modernisation_factor(60.0, gain, ramp)[0] == pytest.approx(1.2)


def test_readiness_decays_towards_the_loss() -> None:
    loss, decay = np.array([0.1]), np.array([12.0])
    assert model.exercise_factor(0.0, loss, decay)[0] == 1.0
    assert model.exercise_factor(12.0, loss, decay)[0] == pytest.approx(1 - 0.1 * (1 - np.exp(-1)))
    assert model.exercise_factor(1e6, loss, decay)[0] == pytest.approx(0.9)


@pytest.fixture(scope="module")
def korea():
    return load_scenario("korea-2025").scenario


def run(korea, **levers):
    values = resolve_levers(korea, levers)
    return run_ensemble(korea, values, RunOptions(members=200, seed=4)).dataset


def test_the_levers_select_the_forces(korea):
    off = compile_scenario(korea, resolve_levers(korea, {}))
    spec = off.spec("capability", CapabilitySpec)
    assert spec is not None and spec.modernised.size == 0 and spec.unexercised.size == 0
    on = compile_scenario(
        korea, resolve_levers(korea, {"us_modernisation_korea": True, "joint_exercises": False})
    )
    spec = on.spec("capability", CapabilitySpec)
    assert spec is not None
    ids = on.forces.ids
    assert {ids[f] for f in spec.modernised} == {
        "usfk_rotational_bct", "usfk_2id", "usfk_7af", "usfk_patriot", "usfk_support"
    }  # fmt: skip
    assert {"rok_ground", "rok_air", "usfk_2id"} <= {ids[f] for f in spec.unexercised}
    assert "usfj" not in {ids[f] for f in spec.unexercised}


def test_more_spending_buys_more_capability_and_a_better_balance(korea):
    base = run(korea)
    more = run(korea, rok_spending_share=0.04)
    pb, pm = base["procurement_rok"].values, more["procurement_rok"].values
    assert np.all(pm >= pb - 1e-12) and np.all(pm[:, -1] > pb[:, -1])
    rb, rm = base["force_ratio_dprk_attack"].values, more["force_ratio_dprk_attack"].values
    calm = ~np.isfinite(base["attack_month_prc_taiwan_war"].values) & ~np.isfinite(
        more["attack_month_prc_taiwan_war"].values
    )
    assert np.all(rm[calm, -1] < rb[calm, -1])


def test_without_exercises_the_allied_forces_weaken(korea):
    base = run(korea)
    off = run(korea, joint_exercises=False)
    calm = ~np.isfinite(base["attack_month_prc_taiwan_war"].values) & ~np.isfinite(
        off["attack_month_prc_taiwan_war"].values
    )
    loss = off["param:capability.exercises.readiness_loss"].values
    rb, ro = base["force_ratio_dprk_attack"].values, off["force_ratio_dprk_attack"].values
    assert np.all(ro[calm] >= rb[calm] - 1e-12)
    assert np.all(ro[calm & (loss > 0.01), -1] > rb[calm & (loss > 0.01), -1])


def test_bad_capability_references_are_located():
    from posturelab.errors import ScenarioError
    from posturelab.scenario.loader import parse_scenario

    text = load_scenario("korea-2025").text
    bad = text.replace("  procurement:\n    - id: rok\n", "  procurement:\n    - id: twn\n")
    bad = bad.replace(
        "    actors: [us, rok]\n    theatre: korea\n", "    actors: [us, rok]\n    theatre: mars\n"
    )
    assert bad != text
    with pytest.raises(ScenarioError) as info:
        parse_scenario(bad, "k.yaml")
    paths = {p.path for p in info.value.problems}
    assert "capability.procurement.0.id" in paths
    assert "capability.exercises.theatre" in paths
    assert all(p.line is not None for p in info.value.problems)
