"""Lanchester laws: closed forms, invariants, clamping, reinforcement and the Iwo Jima fixture."""

from __future__ import annotations

import numpy as np
import pytest

from posturelab.models.attrition import (
    LAWS,
    LanchesterParams,
    integrate,
    linear_law_invariant,
    linear_law_solution,
    logarithmic_law_solution,
    square_law_invariant,
    square_law_solution,
)

IWO_REINF = [54_000.0, 0.0, 6_000.0, 0.0, 0.0, 13_000.0]


def test_square_law_matches_closed_form_for_an_ensemble():
    # Five members with different coefficients; 10 days keep every strength positive.
    a = np.array([0.01, 0.02, 0.05, 0.03, 0.004])
    b = np.array([0.008, 0.03, 0.02, 0.01, 0.002])
    x0 = np.array([1000.0, 800.0, 2000.0, 1500.0, 900.0])
    y0 = np.array([700.0, 500.0, 600.0, 1200.0, 1000.0])
    traj = integrate(LanchesterParams(a, b, 1.0, 0.0), x0, y0, 10)
    x_ref, y_ref = square_law_solution(
        a[:, None], b[:, None], x0[:, None], y0[:, None], traj.t[None, :]
    )
    assert np.all(x_ref > 0) and np.all(y_ref > 0)
    # RK4 with h = 0.1 day: relative error well below 1e-8.
    np.testing.assert_allclose(traj.x, x_ref, rtol=1e-8)
    np.testing.assert_allclose(traj.y, y_ref, rtol=1e-8)


def test_square_law_conserves_its_invariant():
    a, b = 0.03, 0.01
    traj = integrate(LanchesterParams(a, b), 5000.0, 2000.0, 30)
    inv = square_law_invariant(traj.x[0], traj.y[0], a, b)
    # Relative drift of b X^2 - a Y^2 below 1e-9 of its initial scale.
    scale = b * 5000.0**2
    assert np.max(np.abs(inv - inv[0])) / scale < 1e-9


def test_linear_law_matches_closed_form_and_conserves_its_invariant():
    a = np.array([2e-5, 1e-5, 3e-5])
    b = np.array([1e-5, 1e-5, 1e-5])
    x0 = np.array([3000.0, 2000.0, 1000.0])
    y0 = np.array([1500.0, 2000.0, 2500.0])  # C = b x0 - a y0: positive, zero, negative
    traj = integrate(LanchesterParams(a, b, 1.0, 1.0), x0, y0, 40)
    x_ref, y_ref = linear_law_solution(
        a[:, None], b[:, None], x0[:, None], y0[:, None], traj.t[None, :]
    )
    np.testing.assert_allclose(traj.x, x_ref, rtol=1e-8)
    np.testing.assert_allclose(traj.y, y_ref, rtol=1e-8)
    inv = linear_law_invariant(traj.x, traj.y, a[:, None], b[:, None])
    assert np.max(np.abs(inv - inv[:, :1])) < 1e-10


def test_logarithmic_law_matches_closed_form():
    traj = integrate(LanchesterParams.for_law("logarithmic", 0.05, 0.02), 1000.0, 800.0, 30)
    x_ref, y_ref = logarithmic_law_solution(0.05, 0.02, 1000.0, 800.0, traj.t)
    np.testing.assert_allclose(traj.x[0], x_ref, rtol=1e-9)
    np.testing.assert_allclose(traj.y[0], y_ref, rtol=1e-9)


def test_named_laws_have_the_documented_exponents():
    assert LAWS == {"square": (1.0, 0.0), "linear": (1.0, 1.0), "logarithmic": (0.0, 1.0)}
    with pytest.raises(ValueError, match="unknown law 'cubic'"):
        LanchesterParams.for_law("cubic", 1.0, 1.0)


def test_strengths_are_clamped_at_zero_and_stay_there():
    # The square-law winner's survivors: X_end = sqrt(X0^2 - (a/b) Y0^2) once Y is annihilated.
    a, b = 0.02, 0.02
    traj = integrate(LanchesterParams(a, b), 1000.0, 600.0, 200, substeps=50)
    assert np.all(traj.x >= 0) and np.all(traj.y >= 0)
    zero_from = int(np.argmax(traj.y[0] == 0.0))
    assert zero_from > 0 and np.all(traj.y[0, zero_from:] == 0.0)
    # After Y is gone X no longer changes; the survivors match the invariant within 0.5%.
    assert np.all(traj.x[0, zero_from:] == traj.x[0, -1])
    assert traj.x[0, -1] == pytest.approx(np.sqrt(1000.0**2 - 600.0**2), rel=5e-3)


def test_reinforcement_arrives_in_full_without_fighting():
    traj = integrate(
        LanchesterParams(0.0, 0.0), 100.0, 50.0, 6, reinforcement_x=IWO_REINF, reinforcement_y=[5.0]
    )
    np.testing.assert_allclose(traj.x[0], 100.0 + np.concatenate(([0.0], np.cumsum(IWO_REINF))))
    np.testing.assert_allclose(traj.y[0], [50.0, 55.0, 55.0, 55.0, 55.0, 55.0, 55.0])


def test_per_member_schedules_and_parameters_match_single_runs():
    rng = np.random.default_rng(7)
    a = rng.uniform(0.01, 0.06, 4)
    b = rng.uniform(0.005, 0.02, 4)
    sched = rng.uniform(0, 3000, (4, 10))
    batch = integrate(LanchesterParams(a, b, 1.0, 0.0), 0.0, 21_500.0, 12, reinforcement_x=sched)
    for i in range(4):
        one = integrate(LanchesterParams(a[i], b[i]), 0.0, 21_500.0, 12, reinforcement_x=sched[i])
        np.testing.assert_allclose(batch.x[i], one.x[0], rtol=1e-13)
        np.testing.assert_allclose(batch.y[i], one.y[0], rtol=1e-13)


def test_iwo_jima_model_trajectory_regression():
    # Fixture [D] of validation-data.md section 1 (RK4, h = 0.001 day); our h = 0.1 day.
    fixture = {
        1: (52826, 21220),
        2: (51687, 20666),
        3: (56577, 20092),
        6: (66445, 18275),
        10: (62769, 15538),
        20: (56053, 9270),
        30: (52586, 3540),
        36: (51973, 221),
    }
    traj = integrate(LanchesterParams(0.0544, 0.0106), 0.0, 21_500.0, 36, reinforcement_x=IWO_REINF)
    for day, (us, jp) in fixture.items():
        # Within 0.05% for the US strength and 10 men for the Japanese.
        assert traj.x[0, day] == pytest.approx(us, rel=5e-4), day
        assert traj.y[0, day] == pytest.approx(jp, abs=10), day


def test_substeps_converge_at_fourth_order():
    params = LanchesterParams(0.0544, 0.0106)
    ref = integrate(params, 0.0, 21_500.0, 36, reinforcement_x=IWO_REINF, substeps=200)
    e1 = np.abs(
        integrate(params, 0.0, 21_500.0, 36, reinforcement_x=IWO_REINF, substeps=2).y - ref.y
    )
    e2 = np.abs(
        integrate(params, 0.0, 21_500.0, 36, reinforcement_x=IWO_REINF, substeps=4).y - ref.y
    )
    # Halving the step divides the error by about 2^4 = 16 (at least 10 here).
    assert e1.max() / e2.max() > 10


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="days must be >= 0"):
        integrate(LanchesterParams(0.1, 0.1), 1.0, 1.0, -1)
    with pytest.raises(ValueError, match="substeps must be >= 1"):
        integrate(LanchesterParams(0.1, 0.1), 1.0, 1.0, 3, substeps=0)
    with pytest.raises(ValueError, match=r"must have shape \(3,\), got \(2,\)"):
        integrate(LanchesterParams([0.1, 0.2], 0.1), 1.0, 1.0, 3, reinforcement_x=np.ones((3, 3)))
