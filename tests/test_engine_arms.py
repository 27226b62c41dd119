"""Arms dynamics inside the engine: Richardson spending, the spending path, warheads, the deal."""

import numpy as np
import pytest

from posturelab.engine import arms_race
from posturelab.engine.compiled import compile_scenario
from posturelab.engine.run import RunOptions, run_ensemble
from posturelab.engine.simulate import sample_parameters
from posturelab.models.arms import WarheadParams, richardson_step, warhead_step
from posturelab.scenario.levers import resolve_levers
from posturelab.scenario.loader import load_scenario

SEED = 5
MEMBERS = 120


@pytest.fixture(scope="module")
def korea():
    return load_scenario("korea-2025").scenario


def run(scenario, members=MEMBERS, **levers):
    values = resolve_levers(scenario, levers)
    return run_ensemble(scenario, values, RunOptions(members=members, seed=SEED)).dataset


@pytest.fixture(scope="module")
def base(korea):
    return run(korea)


def test_warheads_grow_at_the_assembly_rate_and_never_pass_capacity(base):
    w = base["dprk_warheads"].values
    assembly = base["param:arms.warheads.assembly_per_year"].values
    production = base["param:arms.warheads.production_per_year"].values
    deal = base["p_denuclearisation_deal"].values.astype(bool)
    first_year = w[:, 11] - 50.0
    months = np.arange(1, w.shape[1] + 1)
    capacity = 90.0 + production[:, None] * months[None, :] / 12.0
    # Baseline threat barely moves, so a year's growth is close to the assembly rate (median 8),
    # unless the fissile material on hand caps it.
    assert 6.0 < np.median(first_year[~deal]) < 11.0
    expected = np.minimum(assembly, capacity[:, 11] - 50.0)
    np.testing.assert_allclose(first_year[~deal], expected[~deal], rtol=0.1)
    assert np.all(w <= capacity + 1e-9)
    assert np.all(np.diff(w[~deal], axis=1) >= 0)


def test_modernisation_never_slows_the_build_up(korea, base):
    mod = run(korea, us_modernisation_korea=True)
    wb, wm = base["dprk_warheads"].values, mod["dprk_warheads"].values
    assert np.all(wm >= wb - 1e-9)
    assert np.median(wm[:, -1] - wb[:, -1]) > 1.0
    assert mod["p_denuclearisation_deal"].values.sum() <= base["p_denuclearisation_deal"].sum()
    assert np.all(mod["spending_dprk"].values >= base["spending_dprk"].values - 1e-9)


def test_a_deal_stops_the_growth(korea):
    model = compile_scenario(korea, korea.lever_defaults())
    p = sample_parameters(model, SEED, np.arange(8), 8, "mc")
    state = arms_race.init_arms(model.specs["arms"], p, 8)
    assert state is not None and state.warheads is not None
    arms_race.step_arms(state, 0, np.ones(8))  # no deal: uniforms of 1 never fall below a hazard
    before, cap = state.warheads.copy(), state.capacity.copy()
    arms_race.step_arms(state, 1, np.zeros(8))  # a deal in every member
    assert state.deal.all()
    np.testing.assert_array_equal(state.capacity, cap)
    assert np.all(state.warheads <= before)
    for month in range(2, 12):
        arms_race.step_arms(state, month, np.ones(8))
    assert state.deal.all() and np.all(state.warheads <= before)


def test_warhead_step_matches_the_sub_model(korea):
    model = compile_scenario(korea, korea.lever_defaults())
    p = sample_parameters(model, SEED, np.arange(6), 6, "mc")
    state = arms_race.init_arms(model.specs["arms"], p, 6)
    assert state is not None and state.warheads is not None and state.capacity is not None
    w0, c0 = state.warheads.copy(), state.capacity.copy()
    arms_race.step_arms(state, 0, np.ones(6))
    m = arms_race.threat_multiplier(state)
    for k in range(6):
        r = {name: float(v[k]) for name, v in state.rates.items() if name != "threat_bonus"}
        params = WarheadParams(
            initial_warheads=float(w0[k]),
            initial_capacity=r["capacity"],
            production_per_year=r["production_per_year"],
            assembly_per_year=r["assembly_per_year"],
            dismantle_per_year=r["dismantle_per_year"],
            deal_rate_per_year=r["deal_rate_per_year"],
            deal_threat_sensitivity=r["deal_threat_sensitivity"],
        )
        w1, c1 = warhead_step(w0[k : k + 1], c0[k : k + 1], m[k : k + 1], params)
        np.testing.assert_allclose(state.warheads[k], w1[0], rtol=1e-12)
        np.testing.assert_allclose(state.capacity[k], c1[0], rtol=1e-12)


def test_spending_follows_richardson_and_the_path(korea):
    levers = resolve_levers(korea, {"rok_spending_share": 0.035})
    model = compile_scenario(korea, levers)
    p = sample_parameters(model, SEED, np.arange(10), 10, "mc")
    state = arms_race.init_arms(model.specs["arms"], p, 10)
    assert "arms" in model.specs
    actors = model.specs["arms"].actors
    x0 = state.spending.copy()
    n = len(actors)
    k = np.zeros((10, n, n))
    for i, j, name in model.specs["arms"].reactions:
        k[:, i, j] = p[name]
    alpha = np.stack([p[f"arms.actors.{a}.fatigue"] for a in actors], axis=1)
    trend = np.stack([p[f"arms.actors.{a}.trend"] for a in actors], axis=1)
    g = (trend + alpha) * x0 - np.einsum("mij,mj->mi", k, x0)
    # At the start every actor grows at its trend: dx/dt = r x.
    np.testing.assert_allclose(np.einsum("mij,mj->mi", k, x0) - alpha * x0 + g, trend * x0)
    arms_race.step_arms(state, 0, np.ones(10))
    expected = richardson_step(x0, k, alpha, g, 1.0 / 12.0, floor=0.0)
    rok = actors.index("rok")
    others = [a for a in range(n) if a != rok]
    np.testing.assert_allclose(state.spending[:, others], expected[:, others], rtol=1e-12)
    for month in range(1, model.n_months):
        arms_race.step_arms(state, month, np.ones(10))
    target = 0.035 * p["actors.rok.gdp_usd_bn"]
    years = model.n_months / 12.0
    tau = p["arms.spending_path.adjustment_years"]
    growth = p["arms.spending_path.gdp_growth"]
    path = target * (1 + growth) ** years + (x0[:, rok] - target) * np.exp(-years / tau)
    np.testing.assert_allclose(state.spending[:, rok], path, rtol=1e-12)
    assert np.all(state.spending[:, rok] > x0[:, rok])


def test_the_deal_uses_its_own_event_slot(korea, base):
    # Attack decisions keep their draws whatever the arms model does: a lever acting only on
    # arms (the modernisation lever) leaves the Taiwan contest untouched.
    mod = run(korea, us_modernisation_korea=True)
    np.testing.assert_array_equal(
        base["hazard_prc_taiwan_war"].values, mod["hazard_prc_taiwan_war"].values
    )
    assert arms_race.DEAL_SLOT == 0
