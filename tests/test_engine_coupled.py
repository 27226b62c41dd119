"""The coupled engine against its scalar oracle, and its monotonicity properties."""

import numpy as np
import pytest

from oracle import run_member
from posturelab.engine.campaigns import TheatreContext, campaign_inputs
from posturelab.engine.compiled import compile_scenario
from posturelab.engine.contest_specs import ContestsSpec
from posturelab.engine.forces import score_forces
from posturelab.engine.run import RunOptions, run_ensemble
from posturelab.engine.simulate import event_uniforms, sample_parameters, simulate_chunk
from posturelab.scenario.levers import resolve_levers
from posturelab.scenario.loader import load_scenario


@pytest.fixture(scope="module")
def korea():
    return load_scenario("korea-2025").scenario


@pytest.fixture(scope="module")
def korea_fixed_blocs(korea):
    # The oracle checks the deterrence, theatre and campaign step; the alignment sub-model that
    # sets the partners' cohesion is checked against its own exact solver in test_engine_blocs.py,
    # so here the cohesion is the scenario's constant.
    return korea.model_copy(update={"blocs": []})


def run(scenario, members=100, seed=11, **levers):
    values = resolve_levers(scenario, levers)
    return run_ensemble(scenario, values, RunOptions(members=members, seed=seed)).dataset


ORACLE_CASES = [
    {},
    {"relocation_troops": 4500.0, "relocation_date": "2026-01"},
    {
        "strategic_flexibility": 0.7,
        "one_theatre": True,
        "one_theatre_date": "2025-09",
        "opcon_transfer_date": "2027-01",
        "usfj_jfhq_date": "2025-12",
    },
    {
        "us_modernisation_korea": True,
        "joint_exercises": False,
        "rok_spending_share": 0.04,
        "strategic_flexibility": 0.3,
    },
]


@pytest.mark.parametrize("levers", ORACLE_CASES)
def test_engine_matches_scalar_oracle(korea_fixed_blocs, levers):
    korea = korea_fixed_blocs
    # Members are picked so that wars happen: a high seed-independent hazard is not needed, the
    # oracle is compared on every member of the chunk, whatever happens to it.
    values = resolve_levers(korea, levers)
    model = compile_scenario(korea, values)
    members = np.arange(40, dtype=np.int64)
    seed = 5
    p = sample_parameters(model, seed, members, 40, "mc")
    draws = event_uniforms(model, seed, members)
    # Make some wars happen by lowering the draws of a few members (same for both sides).
    draws[::3, :, 0] *= 0.02
    draws[::4, :, 3] *= 0.02
    out = _simulate_with_draws(model, seed, members, draws)
    for i in range(members.size):
        expected = run_member(model, p, draws, i, out.series)
        for c in model.spec("contests", ContestsSpec).contests:
            got = out.series[f"hazard_{c.id}"][i]
            np.testing.assert_allclose(
                got, expected["hazards"][c.id], rtol=1e-9, atol=1e-15, err_msg=f"member {i}, {c.id}"
            )
            start = out.scalars[f"attack_month_{c.id}"][i]
            assert np.nan_to_num(start, nan=-1) == expected["start"][c.id], (i, c.id)
        assert out.scalars["p_rok_entrapped"][i] == expected["entrapped"][("prc_taiwan_war", "rok")]
        if "dprk_attack" in expected["outcome"]:
            camp = expected["outcome"]["dprk_attack"]
            assert out.scalars["campaign_depth_km_given_attack"][i] == pytest.approx(
                camp["front"], rel=1e-9, abs=1e-9
            )
            assert out.scalars["campaign_days_given_attack"][i] == camp["days"]
        use = expected["nuclear_use"].get("dprk_attack")
        got_use = out.scalars["p_nuclear_use_given_war"][i]
        if use is None:
            assert np.isnan(got_use)
        else:
            assert got_use == pytest.approx(use, rel=1e-9, abs=1e-15)


def _simulate_with_draws(model, seed, members, draws):
    import posturelab.engine.simulate as sim

    original = sim.event_uniforms
    sim.event_uniforms = lambda *_: draws
    try:
        return simulate_chunk(model, seed, members, members.size)
    finally:
        sim.event_uniforms = original


def test_some_oracle_members_go_to_war(korea_fixed_blocs):
    korea = korea_fixed_blocs
    # Guards the oracle test: with the lowered draws, wars and entrapment do happen.
    values = resolve_levers(korea, ORACLE_CASES[2])
    model = compile_scenario(korea, values)
    members = np.arange(40, dtype=np.int64)
    draws = event_uniforms(model, 5, members)
    draws[::3, :, 0] *= 0.02
    draws[::4, :, 3] *= 0.02
    out = _simulate_with_draws(model, 5, members, draws)
    assert out.scalars["p_dprk_attack"].sum() >= 3
    assert out.scalars["p_prc_taiwan_war"].sum() >= 3


def test_removing_troops_never_lowers_the_hazard(korea):
    base = run(korea)
    for troops in (1000.0, 4500.0, 12000.0):
        moved = run(korea, relocation_troops=troops, relocation_date="2025-06")
        hb, hm = base["hazard_dprk_attack"].values, moved["hazard_dprk_attack"].values
        both = np.isfinite(hb) & np.isfinite(hm)
        assert np.all(hm[both] >= hb[both] * (1 - 1e-12))
        # Strictly higher nearly everywhere under the saturating tripwire, where every soldier
        # counts; the flat form ignores them, and a threshold may not be crossed.
        form = base["param:structure.tripwire.form"].values
        saturating = both & (form[:, None] == 0)
        assert np.mean(hm[saturating] > hb[saturating]) > 0.9


def test_a_taiwan_war_never_speeds_reinforcement(korea):
    values = resolve_levers(korea, {})
    model = compile_scenario(korea, values)
    members = np.arange(200, dtype=np.int64)
    p = sample_parameters(model, 3, members, 200, "mc")
    scores = score_forces(model, p, 200)
    strength = np.ones_like(scores.ground)
    spec = model.spec("contests", ContestsSpec)
    contest = next(c for c in spec.contests if c.id == "dprk_attack")
    rows = np.arange(200)
    totals = {}
    for flag in (False, True):
        context = TheatreContext(0, np.full(200, flag), False, False)
        params, _ = campaign_inputs(spec, contest, p, scores, strength, rows, context)
        totals[flag] = np.cumsum(params.reinforcement_D, axis=1)
    assert np.all(totals[True] <= totals[False] + 1e-9)
    assert np.all(totals[True][:, -1] < totals[False][:, -1])


def test_opcon_transfer_never_raises_entrapment(korea):
    never = run(korea, members=400, opcon_transfer_date="never")
    early = run(korea, members=400, opcon_transfer_date="2025-06")
    a, b = never["p_rok_entrapped"].values, early["p_rok_entrapped"].values
    assert np.all(b <= a)
    assert a.sum() > b.sum()


def test_two_front_and_campaign_indicators(korea):
    ds = run(korea, members=300)
    attacked = ds["p_dprk_attack"].values == 1
    depth = ds["campaign_depth_km_given_attack"].values
    assert np.all(np.isfinite(depth[attacked])) and np.all(np.isnan(depth[~attacked]))
    assert np.all(depth[attacked] >= 0)
    two = ds["p_two_front_war"].values == 1
    assert np.all(attacked[two]) and np.all(ds["p_prc_taiwan_war"].values[two] == 1)
    risk = ds["risk_dprk_attack"].values
    assert np.all((risk >= 0) & (risk <= 1))
