"""Armour valued against its answer (models/scoring.armour_factor, engine/campaigns.py).

Closed-form values of the factor, its bounds and monotonicity, no effect where the answer is
ample, the engine's use of it in the campaign, the scalar oracle and located schema errors.
"""

import numpy as np
import pytest

from oracle import run_member
from posturelab.engine.campaigns import TheatreContext, armour_factors, campaign_inputs
from posturelab.engine.compiled import compile_scenario
from posturelab.engine.contest_specs import ContestsSpec
from posturelab.engine.forces import score_forces
from posturelab.engine.simulate import event_uniforms, sample_parameters, simulate_chunk
from posturelab.models import scoring
from posturelab.scenario.levers import resolve_levers
from posturelab.scenario.loader import load_scenario, parse_scenario
from test_scenario_loader import MINIMAL, problems_of

SECTION = """\
  anti_armour:
    armour: [tanks]
    reference_ratio: {value: 1.0, source: src}
    loss_share: {value: 0.5, source: src}
"""


def _with_section(text: str, answer: str | None = None) -> str:
    text = text.replace("forces:\n", SECTION + "forces:\n", 1)
    if answer is not None:
        text = text.replace(
            "    equipment: {tanks: {value: 10, source: src}}\ncontests:",
            f"    equipment: {{tanks: {{value: 10, source: src}}}}\n"
            f"    anti_armour: {answer}\ncontests:",
        )
    return text


def test_factor_closed_form_values() -> None:
    x = np.array([0.0, 0.25, 0.5, 1.0, 2.0, np.inf])
    m = scoring.armour_factor(x, np.full(6, 1.0), np.full(6, 0.5))
    # 1 / (1 - 0.5 (1 - min(x, 1))): 2, 1/(1-0.375) = 1.6, 1/(1-0.25) = 4/3, then 1.
    np.testing.assert_allclose(m, [2.0, 1.6, 4.0 / 3.0, 1.0, 1.0, 1.0], rtol=1e-15)
    # The bound 1/(1-s) with no answer, and the reference scales x.
    assert scoring.armour_factor(np.zeros(1), np.ones(1), np.full(1, 0.75))[0] == 4.0
    half = scoring.armour_factor(np.full(1, 0.5), np.full(1, 2.0), np.full(1, 0.5))[0]
    assert half == pytest.approx(1.0 / (1.0 - 0.5 * 0.75), rel=1e-15)


def test_factor_equals_the_ratio_of_loss_rates() -> None:
    # Derivation: loss rate lambda(x) = l0 + a x; the factor is lambda(x_ref) / lambda(x) below
    # the reference, with s = a x_ref / lambda(x_ref).
    l0, a, x_ref = 0.02, 0.05, 1.2
    s = a * x_ref / (l0 + a * x_ref)
    for x in (0.0, 0.3, 0.9, 1.19):
        m = scoring.armour_factor(np.array([x]), np.array([x_ref]), np.array([s]))[0]
        assert m == pytest.approx((l0 + a * x_ref) / (l0 + a * x), rel=1e-12)


def test_factor_is_bounded_and_never_rises_with_the_answer() -> None:
    rng = np.random.default_rng(3)
    n = 10_000
    ref = rng.uniform(0.1, 3.0, n)
    share = rng.uniform(0.0, 0.95, n)
    x = np.sort(rng.exponential(1.0, (n, 20)), axis=1)
    m = scoring.armour_factor(x, ref[:, None], share[:, None])
    assert np.all(np.diff(m, axis=1) <= 1e-12)  # more answer never raises the value
    assert np.all(m >= 1.0)
    assert np.all(m <= 1.0 / (1.0 - share[:, None]) + 1e-12)
    ample = x >= ref[:, None]
    assert np.all(m[ample] == 1.0)  # exactly no effect at or above the reference


TERMS = """\
    campaign: adm
    campaign_terms:
      days: 10
"""
_VALUES = {
    "alpha0": 0.02, "rho": 1.5, "W_max": 20, "alpha_dT": 0.05, "alpha_aT": 0.075, "k": 0.5,
    "K_d": 0.5, "K_a": 0.1, "S_d": 1.5, "S_a": 0.75, "alpha_da": 0.05, "alpha_aa": 0.1,
    "breakpoint_A": 0.5, "breakpoint_D": 0.3,
}  # fmt: skip


def _with_campaign(text: str) -> str:
    lines = "".join(f"      {k}: {{value: {v}, source: src}}\n" for k, v in _VALUES.items())
    return text + TERMS + lines


def _model(text: str):  # type: ignore[no-untyped-def]
    scenario = parse_scenario(text, "s.yaml").scenario
    return compile_scenario(scenario, resolve_levers(scenario, {}))


def _a0(text: str) -> float:
    model = _model(_with_campaign(text))
    spec = model.spec("contests", ContestsSpec)
    p = sample_parameters(model, 1, np.arange(1, dtype=np.int64), 1, "mc")
    scores = score_forces(model, p, 1)
    strength = np.ones_like(scores.ground)
    context = TheatreContext(0, np.zeros(1, dtype=bool), False, False)
    params, _ = campaign_inputs(
        spec, spec.contests[0], p, scores, strength, np.arange(1, dtype=np.int64), context
    )
    return float(np.asarray(params.A0).reshape(-1)[0])


def test_campaign_values_armour_against_the_declared_answer() -> None:
    # Ten tanks a side: the defender's default answer is its ten tanks, x = 1 = x_ref, no effect.
    assert _a0(MINIMAL) == pytest.approx(10.0)
    assert _a0(_with_section(MINIMAL)) == pytest.approx(10.0)
    # A defender that answers with nothing: 10 tanks count 1/(1-0.5) = 2 each.
    assert _a0(_with_section(MINIMAL, "{value: 0, source: src}")) == pytest.approx(20.0)
    # Five answers for ten tanks: x = 0.5, factor 1/(1-0.25).
    five = _a0(_with_section(MINIMAL, "{value: 5, source: src}"))
    assert five == pytest.approx(10.0 / 0.75)
    # An ample answer leaves the additive score.
    assert _a0(_with_section(MINIMAL, "{value: 40, source: src}")) == pytest.approx(10.0)


def test_more_defender_answer_never_raises_the_attacker_in_korea_1950() -> None:
    scenario = load_scenario("korea-1950").scenario
    model = compile_scenario(scenario, resolve_levers(scenario, {}))
    spec = model.spec("contests", ContestsSpec)
    assert spec is not None
    contest = next(c for c in spec.contests if c.campaign == "adm")
    n = 200
    rows = np.arange(n, dtype=np.int64)
    p = sample_parameters(model, 4, rows, n, "mc")
    strength = np.ones((n, len(model.forces.ids)))
    context = TheatreContext(0, np.zeros(n, dtype=bool), False, False)
    previous = None
    for answer in (0.0, 20.0, 100.0, 300.0, 1000.0):
        q = dict(p)
        q["forces.rok_army.anti_armour"] = np.full(n, answer)
        scores = score_forces(model, q, n)
        params, _ = campaign_inputs(spec, contest, q, scores, strength, rows, context)
        a0 = np.asarray(params.A0)
        if previous is not None:
            assert np.all(a0 <= previous + 1e-9)
        previous = a0
        defending = np.concatenate([contest.defender_forces, contest.patron_home_forces])
        m_a, m_d = armour_factors(contest.attacker_forces, defending, q, scores, strength, rows)
        assert np.all(m_d == 1.0)  # the South had no tanks: nothing of its own to value
        if answer == 1000.0:
            assert np.all(m_a == 1.0)  # ample: the additive score is untouched


def test_korea_1950_oracle_matches_engine() -> None:
    scenario = load_scenario("korea-1950").scenario
    model = compile_scenario(scenario, resolve_levers(scenario, {}))
    members = np.arange(30, dtype=np.int64)
    seed = 7
    p = sample_parameters(model, seed, members, 30, "mc")
    draws = event_uniforms(model, seed, members)
    draws[:, :, 0] *= 0.01  # every member goes to war in its first months

    import posturelab.engine.simulate as sim

    original = sim.event_uniforms
    sim.event_uniforms = lambda *_: draws
    try:
        out = simulate_chunk(model, seed, members, members.size)
    finally:
        sim.event_uniforms = original
    compared = 0
    for i in range(members.size):
        expected = run_member(model, p, draws, i, out.series)
        if "kpa_invasion" in expected["outcome"]:
            camp = expected["outcome"]["kpa_invasion"]
            got = out.scalars["campaign_depth_km_given_attack"][i]
            assert got == pytest.approx(camp["front"], rel=1e-9, abs=1e-9), i
            assert out.scalars["campaign_days_given_attack"][i] == camp["days"], i
            compared += 1
    assert compared >= 20


def test_schema_errors_are_located() -> None:
    # A force's anti_armour without the section.
    text = MINIMAL.replace(
        "    equipment: {tanks: {value: 10, source: src}}\ncontests:",
        "    equipment: {tanks: {value: 10, source: src}}\n"
        "    anti_armour: {value: 3, source: src}\ncontests:",
    )
    (problem,) = problems_of(text)
    assert "s.yaml:" in problem
    assert "forces.1.anti_armour: a force's anti_armour needs a scoring.anti_armour" in problem
    # An armour class with no weight, a loss share of 1 (unbounded factor), a zero reference and
    # a negative answer.
    bad = _with_section(MINIMAL, "{value: -1, source: src}")
    bad = bad.replace("armour: [tanks]", "armour: [tanks, hovercraft]")
    bad = bad.replace("loss_share: {value: 0.5", "loss_share: {value: 1.0")
    bad = bad.replace("reference_ratio: {value: 1.0", "reference_ratio: {value: 0")
    problems = problems_of(bad)
    joined = "\n".join(problems)
    assert "scoring.anti_armour.armour.1: armour class 'hovercraft' has no weight" in joined
    assert "scoring.anti_armour.loss_share: must lie in [0, 0.95], got 1" in joined
    assert "scoring.anti_armour.reference_ratio: must lie in" in joined
    assert "forces.1.anti_armour: must lie in [0, inf], got -1" in joined
    assert all(problem.startswith("s.yaml:") for problem in problems)


def test_campaign_command_reports_the_factors(run_cli) -> None:  # type: ignore[no-untyped-def]
    import json

    korea = json.loads(run_cli("campaign", "--scenario", "korea-1950", "--json").out)
    factors = korea["scenario"]["armour_factors"]
    # At every median: about 10 effective answers x 0.415 forward against 204 T-34s, x ~ 0.02,
    # x_ref = 1 and the median s of triangular(0.3, 0.5, 0.75), 0.513: 1/(1 - 0.513 * 0.98) = 2.01.
    assert 1.9 < factors["attacker"] < 2.1
    assert factors["defender"] == 1.0
    text = run_cli("campaign", "--scenario", "korea-1950").out
    assert "Armour valued against its answer" in text
    modern = json.loads(run_cli("campaign", "--scenario", "korea-2025", "--json").out)
    assert modern["scenario"]["armour_factors"] == {"attacker": 1.0, "defender": 1.0}
