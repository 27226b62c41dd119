import numpy as np
import pytest
import xarray as xr

from posturelab.engine.compiled import compile_scenario
from posturelab.engine.run import RunOptions, run_ensemble
from posturelab.engine.sampling import member_streams, unit_design
from posturelab.models import decision
from posturelab.scenario.levers import resolve_levers
from posturelab.scenario.loader import load_scenario


@pytest.fixture(scope="module")
def korea():
    return load_scenario("korea-2025").scenario


def run(scenario, members=64, seed=7, chunk=1000, sampler="mc", **levers):
    values = resolve_levers(scenario, levers)
    options = RunOptions(members=members, seed=seed, chunk_size=chunk, sampler=sampler)
    return run_ensemble(scenario, values, options).dataset


def test_same_seed_same_numbers(korea):
    a, b = run(korea), run(korea)
    xr.testing.assert_identical(a, b)
    c = run(korea, seed=8)
    assert not np.array_equal(a["hazard_dprk_attack"].values, c["hazard_dprk_attack"].values)


@pytest.mark.parametrize("sampler", ["mc", "lhs", "sobol"])
def test_chunking_does_not_change_results(korea, sampler):
    whole = run(korea, members=40, chunk=1000, sampler=sampler)
    pieces = run(korea, members=40, chunk=7, sampler=sampler)
    xr.testing.assert_identical(whole, pieces)


def test_member_stream_is_independent_of_ensemble_size(korea):
    small = run(korea, members=10)
    large = run(korea, members=30)
    xr.testing.assert_identical(small, large.isel(member=slice(0, 10)))


def test_member_streams_are_distinct():
    a = member_streams(1, 0)[0].random(4)
    b = member_streams(1, 1)[0].random(4)
    assert not np.allclose(a, b)


def test_designs_are_stratified():
    lhs = unit_design("lhs", 3, np.arange(100), 100, 2)
    # Latin hypercube: exactly one point per 1/100 stratum in every column.
    for column in lhs.T:
        assert sorted(np.floor(column * 100).astype(int)) == list(range(100))
    sobol = unit_design("sobol", 3, np.arange(64), 64, 3)
    assert np.all((sobol >= 0) & (sobol < 1))


def test_status_quo_hazard_matches_the_prior(korea):
    # Without the trends (warheads, procurement) month 0 is the calibration state, so each
    # member's hazard there is exactly the monthly probability implied by its own annual prior
    # (tolerance: floating-point rounding only). Members whose Taiwan war starts in month 0 are
    # distracted there and left out.
    korea = korea.model_copy(update={"arms": None, "capability": None})
    ds = run(korea, members=50)
    calm = ds["attack_month_prc_taiwan_war"].values != 0
    prior = ds["param:contests.dprk_attack.prior_annual"].values
    h0 = decision.monthly_from_annual(prior)
    np.testing.assert_allclose(ds["hazard_dprk_attack"].values[calm, 0], h0[calm], rtol=1e-12)
    assert calm.sum() >= 45


def test_relocation_never_lowers_the_hazard(korea):
    base = run(korea, members=80)
    moved = run(korea, members=80, relocation_troops=4500.0, relocation_date="2026-01")
    hb, hm = base["hazard_dprk_attack"].values, moved["hazard_dprk_attack"].values
    both = np.isfinite(hb) & np.isfinite(hm)
    assert np.all(hm[both] >= hb[both] - 1e-15)
    month = list(base["month"].values).index("2026-01")
    # Under the saturating tripwire every soldier counts, so the hazard rises in every member
    # that drew that form; the flat form (and a threshold not crossed) leaves it as it was.
    saturating = base["param:structure.tripwire.form"].values == 0
    rises = both[:, month] & saturating
    assert rises.sum() >= 15
    assert np.all(hm[:, month][rises] > hb[:, month][rises])
    troops = moved["us_troops_korea"].values
    np.testing.assert_allclose(troops[:, month - 1] - troops[:, month], 4500.0, rtol=1e-9)


def test_common_random_numbers_share_event_draws(korea):
    # A lever that never acts (relocation after the end) leaves every number unchanged.
    base = run(korea, members=30)
    idle = run(korea, members=30, relocation_troops=4500.0, relocation_date="2035-01")
    np.testing.assert_array_equal(base["p_dprk_attack"].values, idle["p_dprk_attack"].values)


def test_strategic_flexibility_cuts_both_ways(korea):
    # The force-allocation channel alone: without propensity shifts, flexibility cannot act on
    # North Korea's partners' cohesion (tests/test_engine_blocs.py covers that channel). Before
    # any war, the forces that may leave count towards Taiwan and are discounted in Korea.
    korea = korea.model_copy(update={"propensity_shifts": []})
    base = run(korea, members=300)
    flex = run(korea, members=300, strategic_flexibility=1.0)
    taiwan = base["attack_month_prc_taiwan_war"].values
    no_war = ~np.isfinite(taiwan)
    # Members at peace with Taiwan in both runs (a Taiwan war distracts the patron in Korea).
    calm = no_war & ~np.isfinite(flex["attack_month_prc_taiwan_war"].values)
    hb, hf = base["hazard_dprk_attack"].values[calm], flex["hazard_dprk_attack"].values[calm]
    both = np.isfinite(hb) & np.isfinite(hf)
    assert np.all(hf[both] >= hb[both] - 1e-15)
    # Forces discounted in Korea lower credibility wherever the tripwire counts soldiers: every
    # member under the saturating form (the flat form ignores them; a threshold may not bind).
    form = base["param:structure.tripwire.form"].values[calm]
    saturating = both & (form[:, None] == 0)
    assert np.mean(hf[saturating] > hb[saturating]) > 0.99
    tb, tf = base["hazard_prc_taiwan_war"].values, flex["hazard_prc_taiwan_war"].values
    both = np.isfinite(tb) & np.isfinite(tf)
    assert np.all(tf[both] <= tb[both] + 1e-15)
    assert np.mean(tf[both] < tb[both]) > 0.99
    # With full flexibility everything above the policy's floor leaves when the Taiwan war starts
    # (tolerance: rounding only); a strike may cut the remainder further.
    floor = flex["param:theatre_policy.us.floor_personnel"].values
    troops = flex["us_troops_korea"].values
    taiwan = flex["attack_month_prc_taiwan_war"].values
    war = np.isfinite(taiwan)
    assert war.sum() >= 5
    for m, start in zip(np.where(war)[0], taiwan[war], strict=True):
        before = troops[m, int(start) - 1] if start > 0 else troops[m, 0]
        assert troops[m, int(start)] <= min(before, floor[m]) + 1e-6


def test_compiled_relations_follow_dates(korea):
    model = compile_scenario(korea, korea.lever_defaults())
    column = model.relation_ids.index("rus_dprk_treaty")
    assert model.relation_active[:, column].all()  # in force since December 2024
    rok = model.actor_ids.index("rok")
    assert next(a for a in korea.actors if a.id == "rok").leadership_vacuum
    # The run starts in April 2025; the 3 June 2025 election ends the vacuum in the third month.
    assert model.vacuum[:2, rok].all() and not model.vacuum[2:, rok].any()


def test_member_stream_children_match_spawned_children():
    root = np.random.SeedSequence(42, spawn_key=(7,))
    params, events = root.spawn(2)
    a, b = member_streams(42, 7)
    assert a.random(3).tolist() == np.random.Generator(np.random.PCG64(params)).random(3).tolist()
    assert b.random(3).tolist() == np.random.Generator(np.random.PCG64(events)).random(3).tolist()
