"""The attack decision (models/decision.py): known answers and properties."""

import numpy as np
import pytest

from posturelab.engine.compiled import compile_scenario
from posturelab.engine.component import World
from posturelab.engine.contests import ContestsComponent, init_contests
from posturelab.engine.forces import score_forces
from posturelab.engine.simulate import event_uniforms, sample_parameters, slot_layout
from posturelab.models import decision
from posturelab.scenario.levers import resolve_levers
from posturelab.scenario.loader import load_scenario


def params(**overrides) -> decision.DecisionParams:
    base = dict(
        v_win=1.0, c_lose=1.0, c_punish=1.0, c_war=0.5, beta=2.0, h_max=0.5, win_ratio=3.0,
        misperception=0.5, tripwire_half=10_000.0, base_credibility=0.4, distraction_weight=0.5,
    )  # fmt: skip
    base.update(overrides)
    return decision.DecisionParams(**{k: np.atleast_1d(np.float64(v)) for k, v in base.items()})


def test_monthly_and_annual_probabilities_agree() -> None:
    annual = np.array([0.0, 0.01, 0.05, 0.5, 0.99])
    monthly = decision.monthly_from_annual(annual)
    np.testing.assert_allclose(1.0 - (1.0 - monthly) ** 12, annual, rtol=1e-12, atol=1e-15)
    assert decision.monthly_from_annual(np.array([0.12]))[0] == pytest.approx(
        1 - 0.88 ** (1 / 12), rel=1e-12
    )


def test_calibrated_base_gives_the_prior_at_the_status_quo() -> None:
    h0 = decision.monthly_from_annual(np.array([0.02, 0.10]))
    eu0 = np.array([-1.3, 0.4])
    beta = np.array([2.0, 0.7])
    base = decision.calibrate_base(h0, eu0, beta)
    np.testing.assert_allclose(decision.hazard(base, eu0, beta, np.ones(2)), h0, rtol=1e-12)
    # A better expected utility raises the hazard, and the cap holds.
    assert np.all(decision.hazard(base, eu0 + 1.0, beta, np.ones(2)) > h0)
    assert np.all(decision.hazard(base, eu0 + 100.0, beta, np.full(2, 0.3)) == 0.3)


def test_p_win_from_ratio_known_points() -> None:
    r50 = np.array([3.0])
    s = np.array([0.5])
    assert decision.p_win_from_ratio(np.array([3.0]), r50, s)[0] == pytest.approx(0.5)
    assert decision.p_win_from_ratio(np.array([0.0]), r50, s)[0] == 0.0
    up = decision.p_win_from_ratio(np.array([3.0 * np.e**0.5]), r50, s)[0]
    assert up == pytest.approx(1 / (1 + np.exp(-1.0)))
    assert decision.logistic(np.array([1e6, -1e6])).tolist() == [1.0, 0.0]


def test_p_win_from_depth_is_even_at_the_objective() -> None:
    assert decision.p_win_from_depth(np.array([40.0]), np.array([40.0]), np.array([10.0]))[
        0
    ] == pytest.approx(0.5)


def test_credibility_saturates_with_the_tripwire_and_falls_with_distraction() -> None:
    half, base, weight = np.array([10_000.0]), np.array([0.4]), np.array([0.5])
    calm = np.zeros(1, dtype=bool)
    at_half = decision.credibility(np.array([10_000.0]), half, base, weight, calm)[0]
    assert at_half == pytest.approx(0.4 + 0.6 * 0.5)
    assert decision.credibility(np.array([0.0]), half, base, weight, calm)[0] == pytest.approx(0.4)
    busy = decision.credibility(np.array([10_000.0]), half, base, weight, np.ones(1, dtype=bool))
    assert busy[0] == pytest.approx(at_half * 0.5)


def test_partner_support_combines_treaties_as_independent_chances() -> None:
    commitments = np.array([[0.5, 0.4]])
    both = decision.partner_support(commitments, np.array([True, True]), np.array([1.0]))[0]
    assert both == pytest.approx(1 - 0.5 * 0.6)
    one = decision.partner_support(commitments, np.array([True, False]), np.array([0.5]))[0]
    assert one == pytest.approx(0.25)
    assert decision.partner_support(
        np.zeros((3, 0)), np.zeros(0, dtype=bool), np.ones(3)
    ).tolist() == [
        0.0,
        0.0,
        0.0,
    ]


def test_expected_utility_known_answer() -> None:
    q = params()
    eu = decision.expected_utility(np.array([0.2]), np.array([0.7]), np.array([0.5]), q)[0]
    assert eu == pytest.approx(0.2 * 1.0 - 0.8 * 1.0 * 0.5 - 1.0 * 0.7 - 0.5)


def test_engine_calibration_reproduces_the_stated_prior_at_the_status_quo() -> None:
    # In korea-2025 at default levers, every member's status-quo hazard equals its prior.
    scenario = load_scenario("korea-2025").scenario
    model = compile_scenario(scenario, resolve_levers(scenario, {}))
    members = np.arange(50, dtype=np.int64)
    p = sample_parameters(model, 1, members, 50, "mc")
    scores = score_forces(model, p, 50)
    world = World(p, event_uniforms(model, 1, members), slot_layout(model)[0], scores,
                  scores.personnel.copy(), np.ones(50, dtype=bool))  # fmt: skip
    spec = model.specs[ContestsComponent.name]
    state = init_contests(spec, world)
    calm = np.zeros(50, dtype=bool)
    for i, c in enumerate(spec.contests):
        eu0 = state.expected_utility(i, 0, calm, status_quo=True)[0]
        q = state.params[c.id]
        h = decision.hazard(state.h_base[c.id], eu0, q.beta, np.ones(50))
        prior = decision.monthly_from_annual(p[f"contests.{c.id}.prior_annual"])
        np.testing.assert_allclose(h, prior, rtol=1e-10)


def nuclear(**overrides) -> decision.NuclearParams:
    base = dict(
        shield_half=30.0, leverage=0.2, extended_deterrence=0.6, use_base=0.1, use_losing=0.4,
        c_nuclear=4.0,
    )  # fmt: skip
    base.update(overrides)
    return decision.NuclearParams(**{k: np.atleast_1d(np.float64(v)) for k, v in base.items()})


def test_nuclear_terms_known_answer() -> None:
    p, n = params(), nuclear()
    w = np.array([30.0])  # a shield of one half
    p_win, cred, support = np.array([0.2]), np.array([0.8]), np.array([0.5])
    shield = decision.nuclear_shield(w, n.shield_half)
    assert shield[0] == pytest.approx(0.5)
    use = decision.p_nuclear_use(shield, p_win, n)
    assert use[0] == pytest.approx(0.5 * (0.1 + 0.4 * 0.8))
    eu = decision.expected_utility(p_win, cred, support, p, n, w)
    expected = (
        0.2 * 1.0 * (1 + 0.2 * 0.5)
        - 0.8 * 1.0 * 0.5
        - 1.0 * 0.8 * (1 - 0.5 * (1 - 0.6))
        - 0.5
        - 0.5 * (0.1 + 0.4 * 0.8) * 4.0 * 0.6
    )
    assert eu[0] == pytest.approx(expected, rel=1e-12)


def test_no_warheads_gives_the_conventional_calculus() -> None:
    p, n = params(), nuclear()
    p_win, cred, support = np.array([0.3]), np.array([0.7]), np.array([0.2])
    without = decision.expected_utility(p_win, cred, support, p)
    zero = decision.expected_utility(p_win, cred, support, p, n, np.array([0.0]))
    np.testing.assert_allclose(zero, without, rtol=1e-15)


def test_full_extended_deterrence_leaves_punishment_whole() -> None:
    # With e = 1 the shield removes no punishment; with e = 0 it removes the share S.
    p_win, cred, support = np.array([0.1]), np.array([0.9]), np.array([0.0])
    w = np.array([60.0])
    quiet = nuclear(leverage=0.0, use_base=0.0, use_losing=0.0)
    whole = decision.expected_utility(p_win, cred, support, params(), quiet, w)
    plain = decision.expected_utility(p_win, cred, support, params())
    none = nuclear(leverage=0.0, use_base=0.0, use_losing=0.0, extended_deterrence=1.0)
    np.testing.assert_allclose(
        decision.expected_utility(p_win, cred, support, params(), none, w), plain, rtol=1e-15
    )
    shield = 60.0 / 90.0
    assert whole[0] - plain[0] == pytest.approx(1.0 * 0.9 * shield * 0.4, rel=1e-12)


def test_nuclear_use_rises_as_the_attack_fails_and_stays_a_probability() -> None:
    n = nuclear(use_base=0.5, use_losing=0.9)
    shield = np.full(5, 0.99)
    p_win = np.linspace(1.0, 0.0, 5)
    use = decision.p_nuclear_use(shield, p_win, n)
    assert np.all(np.diff(use) >= 0) and np.all((use >= 0) & (use <= 1))
    assert use[-1] == 1.0
