"""Force scoring (models/scoring.py, engine/forces.py): known answers and invariants."""

import numpy as np
import pytest

from posturelab.engine.compiled import compile_scenario
from posturelab.engine.forces import score_forces
from posturelab.engine.simulate import sample_parameters
from posturelab.models import scoring
from posturelab.scenario.levers import resolve_levers
from posturelab.scenario.loader import load_scenario


def test_ground_and_air_scores_known_answers() -> None:
    counts = np.array([[100.0, 50.0]])
    weights = np.array([[1.0, 0.4]])
    one = np.ones(1)
    assert scoring.ground_score(counts, weights, one, one, one)[0] == pytest.approx(120.0)
    half = np.full(1, 0.5)
    assert scoring.ground_score(counts, weights, half, half, half)[0] == pytest.approx(15.0)
    assert scoring.air_score(np.array([40.0]), np.array([2.5]), half, one, one)[0] == 50.0


def test_strength_factor_is_one_without_a_personnel_figure() -> None:
    f = scoring.strength_factor(np.array([[5.0, 3.0]]), np.array([[10.0, 0.0]]))
    assert f.tolist() == [[0.5, 1.0]]


def test_engine_scores_match_the_formula_per_force() -> None:
    scenario = load_scenario("korea-2025").scenario
    model = compile_scenario(scenario, resolve_levers(scenario, {}))
    p = sample_parameters(model, 2, np.arange(5, dtype=np.int64), 5, "mc")
    scores = score_forces(model, p, 5)
    one = np.ones(5)
    for f, force in enumerate(model.forces.ids):
        pre = f"forces.{force}"
        q, r = p.get(f"{pre}.quality", one), p.get(f"{pre}.readiness", one)
        fwd = p.get(f"{pre}.forward_share", one)
        classes = model.forces.equipment.get(force, ())
        infantry = np.zeros(5)
        if classes:
            raw = sum(p[f"{pre}.equipment.{c}"] * p[f"scoring.weights.{c}"] for c in classes)
            # Soldiers count as infantry: per-soldier weight times readiness, no vintage discount.
            infantry = p.get(f"{pre}.personnel", np.zeros(5)) * p["scoring.infantry_weight"]
        else:
            raw = p.get(f"{pre}.lethality", np.zeros(5))
        whole = raw * q * r + infantry * r
        np.testing.assert_allclose(scores.ground_full[:, f], whole, rtol=1e-12)
        np.testing.assert_allclose(scores.ground[:, f], whole * fwd, rtol=1e-12)
        assert np.all(scores.ground[:, f] <= scores.ground_full[:, f] + 1e-9)
    totals = scores.total(np.ones_like(scores.ground))
    np.testing.assert_allclose(totals, scores.ground + scores.aircraft * scores.air_weight[:, None])


def test_infantry_counts_both_sides_by_the_same_rule() -> None:
    # korea-2025 scores the soldiers of both armies with one shared weight: the same personnel
    # add the same infantry score to the North's and the South's ground forces.
    scenario = load_scenario("korea-2025").scenario
    model = compile_scenario(scenario, resolve_levers(scenario, {}))
    p = sample_parameters(model, 2, np.arange(5, dtype=np.int64), 5, "mc")
    base = score_forces(model, p, 5)
    for force in ("kpa_ground", "rok_ground"):
        f = model.forces.ids.index(force)
        more = dict(p)
        more[f"forces.{force}.personnel"] = p[f"forces.{force}.personnel"] + 100_000.0
        gain = score_forces(model, more, 5).ground_full[:, f] - base.ground_full[:, f]
        r = p[f"forces.{force}.readiness"]
        np.testing.assert_allclose(gain, 100_000.0 * p["scoring.infantry_weight"] * r, rtol=1e-9)
