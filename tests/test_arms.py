"""Richardson's arms dynamics, the two-bloc fit and North Korea's warhead step."""

from __future__ import annotations

import math

import numpy as np
import pytest

from posturelab.models.arms import (
    WarheadParams,
    apply_propagator,
    deal_hazard,
    deal_occurs,
    fit_two_bloc,
    richardson_equilibrium,
    richardson_propagator,
    richardson_simulate,
    richardson_stable,
    richardson_step,
    warhead_step,
)
from posturelab.models.arms_fit import pair_fit, two_bloc_inference


def stable_members(rng: np.random.Generator, m: int, n: int) -> tuple[np.ndarray, ...]:
    k = rng.uniform(0.0, 0.2, size=(m, n, n))
    k[:, np.arange(n), np.arange(n)] = 0.0
    alpha = rng.uniform(0.5, 1.0, size=(m, n))  # fatigue dominates reactions: stable
    g = rng.uniform(-1.0, 2.0, size=(m, n))
    x0 = rng.uniform(0.0, 5.0, size=(m, n))
    return k, alpha, g, x0


def test_stable_system_converges_to_the_equilibrium() -> None:
    rng = np.random.default_rng(0)
    k, alpha, g, x0 = stable_members(rng, 50, 4)
    assert np.all(richardson_stable(k, alpha))
    x_star = richardson_equilibrium(k, alpha, g)
    a = k - alpha[:, :, None] * np.eye(4)
    np.testing.assert_allclose(x_star, -np.linalg.solve(a, g[..., None])[..., 0], rtol=1e-12)
    x = x0
    for _ in range(20):
        x = richardson_step(x, k, alpha, g, dt=5.0)
    np.testing.assert_allclose(x, x_star, rtol=0, atol=1e-9)
    # the fixed point does not move
    np.testing.assert_allclose(richardson_step(x_star, k, alpha, g, 0.7), x_star, atol=1e-12)


def test_one_actor_matches_the_exponential_solution() -> None:
    # dx/dt = -a x + g  =>  x(t) = g/a + (x0 - g/a) exp(-a t); and a growing case, a < 0
    for a, g, x0, t in [(0.3, 2.0, 1.0, 4.0), (-0.1, 0.5, 3.0, 2.5), (1.7, -1.0, 0.0, 0.25)]:
        x = richardson_step(np.array([[x0]]), np.zeros((1, 1)), np.array([a]), np.array([g]), t)
        expected = g / a + (x0 - g / a) * math.exp(-a * t)
        assert x[0, 0] == pytest.approx(expected, rel=1e-12)


def test_singular_matrix_is_handled_exactly() -> None:
    # k = alpha: A is singular; the sum grows linearly, dx/dt = g exactly when K - diag(alpha) = 0
    x = richardson_step(
        np.array([[1.0, 2.0]]), np.zeros((2, 2)), np.zeros(2), np.array([0.5, -1]), 3
    )
    np.testing.assert_allclose(x, [[2.5, -1.0]], rtol=1e-12)
    # two blocs with k = alpha: d(U+V)/dt = g + h, constant; the difference decays at rate 2·alpha
    k = np.array([[0.0, 0.4], [0.4, 0.0]])
    alpha = np.array([0.4, 0.4])
    g = np.array([1.0, 2.0])
    x0 = np.array([[3.0, 1.0]])
    t = 2.0
    x = richardson_step(x0, k, alpha, g, t)
    assert x.sum() == pytest.approx(4.0 + 3.0 * t, rel=1e-12)
    diff0, dg = 2.0, -1.0  # d(U-V)/dt = -2 alpha (U-V) + (g - h)
    expected_diff = dg / 0.8 + (diff0 - dg / 0.8) * math.exp(-0.8 * t)
    assert x[0, 0] - x[0, 1] == pytest.approx(expected_diff, rel=1e-12)
    with pytest.raises(ValueError, match="singular"):
        richardson_equilibrium(k, alpha, g)


def test_two_half_steps_equal_one_full_step() -> None:
    rng = np.random.default_rng(1)
    k = rng.normal(0, 0.5, size=(30, 5, 5))  # includes unstable members
    alpha = rng.uniform(0, 1, size=(30, 5))
    g = rng.normal(size=(30, 5))
    x0 = rng.uniform(0, 3, size=(30, 5))
    full = richardson_step(x0, k, alpha, g, 1.0)
    half = richardson_step(richardson_step(x0, k, alpha, g, 0.5), k, alpha, g, 0.5)
    np.testing.assert_allclose(half, full, rtol=1e-11, atol=1e-11)
    twelve = richardson_simulate(x0, k, alpha, g, 1.0 / 12.0, 12)[-1]
    np.testing.assert_allclose(twelve, full, rtol=1e-10, atol=1e-10)


def test_shared_and_per_member_parameters_agree() -> None:
    rng = np.random.default_rng(2)
    k, alpha, g, _ = stable_members(rng, 1, 3)
    x = rng.uniform(size=(7, 3))
    shared = richardson_step(x, k[0], alpha[0], g[0], 0.4)
    per_member = richardson_step(
        x, np.repeat(k, 7, 0), np.repeat(alpha, 7, 0), np.repeat(g, 7, 0), 0.4
    )
    np.testing.assert_allclose(shared, per_member, rtol=1e-13)
    assert richardson_propagator(k[0], alpha[0], g[0], 0.4).shape == (4, 4)


def test_floors_and_paths() -> None:
    k = np.zeros((2, 2))
    alpha = np.array([1.0, 1.0])
    g = np.zeros(2)
    x0 = np.array([[10.0, 10.0], [10.0, 10.0]])
    prop = richardson_propagator(k, alpha, g, 1.0)
    free = apply_propagator(prop, x0)
    np.testing.assert_allclose(free, 10 * math.exp(-1.0) * np.ones((2, 2)))
    floored = apply_propagator(prop, x0, floor=np.array([5.0, -np.inf]))
    np.testing.assert_allclose(floored[:, 0], 5.0)
    np.testing.assert_allclose(floored[:, 1], free[:, 1])
    path = np.array([[np.nan, 7.0], [np.nan, np.nan]])
    pathed = apply_propagator(prop, x0, floor=8.0, path=path)
    np.testing.assert_allclose(pathed, [[8.0, 7.0], [8.0, 8.0]])
    traj = richardson_simulate(x0, k, alpha, g, 1.0, 3, paths=np.array([np.nan, 9.0]))
    np.testing.assert_allclose(traj[1:, :, 1], 9.0)
    assert traj.shape == (4, 2, 2)


def exact_totals(a: float, c: float, total0: float, n_years: int) -> np.ndarray:
    t = np.arange(n_years)
    fixed = -c / a
    return fixed + (total0 - fixed) * np.exp(a * t)


@pytest.mark.parametrize(("a", "c"), [(-0.2, 3.0), (0.15, -1.0), (0.05, 2.0)])
def test_fit_recovers_known_coefficients_from_exact_data(a: float, c: float) -> None:
    total = exact_totals(a, c, 10.0, 8)
    u = 0.6 * total
    fit = fit_two_bloc(np.arange(1900, 1908), u, total - u)
    assert fit.slope == pytest.approx(2 * math.tanh(a / 2), rel=1e-9)
    assert fit.continuous_rate == pytest.approx(a, rel=1e-9)
    assert fit.zero_point == pytest.approx(-c / a, rel=1e-9)
    assert fit.intercept == pytest.approx(-fit.slope * fit.zero_point, rel=1e-12)
    assert fit.r2 == pytest.approx(1.0, abs=1e-12)
    assert fit.years == tuple(range(1900, 1908))


def test_fit_on_budgets_simulated_by_the_richardson_step() -> None:
    # two blocs, k = l = 0.3, alpha = beta = 0.2, g + h = 1.5: slope 2 tanh(0.05), zero point -15
    k = np.array([[0.0, 0.3], [0.3, 0.0]])
    traj = richardson_simulate(np.array([[4.0, 6.0]]), k, np.array([0.2, 0.2]), [0.5, 1.0], 1.0, 9)
    fit = fit_two_bloc(np.arange(10), traj[:, 0, 0], traj[:, 0, 1])
    assert fit.continuous_rate == pytest.approx(0.1, rel=1e-9)
    assert fit.zero_point == pytest.approx(-15.0, rel=1e-9)


def test_fit_with_noise_stays_within_tolerance() -> None:
    rng = np.random.default_rng(3)
    total = exact_totals(0.1, 2.0, 50.0, 30)
    noisy = total * (1 + rng.normal(0, 0.002, size=total.shape))
    fit = fit_two_bloc(np.arange(30), noisy / 2, noisy / 2)
    assert fit.continuous_rate == pytest.approx(0.1, abs=0.01)
    assert fit.r2 > 0.95


def test_fit_refuses_bad_series() -> None:
    with pytest.raises(ValueError, match="at least 3"):
        fit_two_bloc([1, 2], [1.0, 2.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="consecutive"):
        fit_two_bloc([1, 2, 4], [1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="does not change"):
        fit_two_bloc([1, 2, 3], [1.0, 1.0, 1.0], [2.0, 2.0, 2.0])


def test_warheads_grow_six_a_year_at_baseline() -> None:
    params = WarheadParams()
    w = np.full(3, params.initial_warheads)
    cap = np.full(3, params.initial_capacity)
    for _ in range(12):
        w, cap = warhead_step(w, cap, np.ones(3), params)
    np.testing.assert_allclose(w, 56.0, rtol=1e-12)
    np.testing.assert_allclose(cap, 96.0, rtol=1e-12)


def test_threat_speeds_assembly_until_the_fissile_cap_binds() -> None:
    params = WarheadParams()
    w = np.array([50.0, 50.0])
    cap = np.array([90.0, 90.0])
    m = np.array([1.0, 3.0])
    months = 0
    while months < 120:
        w, cap = warhead_step(w, cap, m, params)
        months += 1
        if months == 12:
            np.testing.assert_allclose(w, [56.0, 68.0], rtol=1e-12)
    # after 10 years at triple threat the stock equals the cap: 90 + 6 * 10 = 150
    assert w[1] == pytest.approx(150.0, rel=1e-12)
    assert w[0] == pytest.approx(110.0, rel=1e-12)
    assert np.all(w <= cap + 1e-12)


def test_deal_freezes_or_dismantles() -> None:
    params = WarheadParams(dismantle_per_year=12.0)
    w, cap = warhead_step(
        np.array([50.0, 50.0]),
        np.array([90.0, 90.0]),
        1.0,
        params,
        deal_in_force=np.array([True, False]),
    )
    np.testing.assert_allclose(w, [49.0, 50.5])
    np.testing.assert_allclose(cap, [90.0, 90.5])


def test_deal_hazard_is_small_and_falls_with_threat() -> None:
    params = WarheadParams()
    h = deal_hazard(np.array([0.5, 1.0, 2.0]), params)
    assert h[1] == pytest.approx(1 - math.exp(-0.01 / 12), rel=1e-12)
    assert h[0] > h[1] > h[2] > 0
    yearly = deal_hazard(1.0, params, dt_months=12.0)
    assert float(yearly) == pytest.approx(1 - math.exp(-0.01), rel=1e-12)
    np.testing.assert_array_equal(deal_occurs(h, [0.0, 0.5, 1.0]), [True, False, False])
    rng = np.random.default_rng(9)
    draws = deal_occurs(np.full(200_000, 0.05), rng.random(200_000))
    assert draws.mean() == pytest.approx(0.05, abs=0.003)


def test_warhead_params_are_validated() -> None:
    with pytest.raises(ValueError, match="exceeds"):
        WarheadParams(initial_warheads=100.0)
    with pytest.raises(ValueError, match=">= 0"):
        WarheadParams(production_per_year=-1.0)
    with pytest.raises(ValueError, match="threat_multiplier"):
        warhead_step(np.ones(1), np.ones(1), np.array([-1.0]), WarheadParams())


# --- intervals and tests of the Richardson fits ---------------------------------------------------


def _pair_series(years: int, seed: int, noise: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """Yearly steps of dU = 0.3 V - 0.4 U + 2, dV = 0.25 U - 0.35 V + 1.5 with Gaussian noise."""
    rng = np.random.default_rng(seed)
    u, v = [10.0], [12.0]
    for _ in range(years - 1):
        a, b = u[-1], v[-1]
        u.append(a + 0.3 * b - 0.4 * a + 2.0 + noise * rng.standard_normal())
        v.append(b + 0.25 * a - 0.35 * b + 1.5 + noise * rng.standard_normal())
    return np.array(u), np.array(v)


def test_pair_fit_recovers_reaction_and_fatigue_with_intervals() -> None:
    u, v = _pair_series(200, seed=2, noise=1.0)
    result = pair_fit(np.arange(200), u, v, level=0.95)
    for name, truth in (("reaction", 0.3), ("fatigue", 0.4), ("grievance", 2.0)):
        c = result[name]
        assert c.low is not None and c.high is not None and c.low <= truth <= c.high, c
        assert c.p_value is not None and c.p_value < 0.01
    assert result["reaction"].estimate == pytest.approx(0.3, abs=0.1)
    assert result["fatigue"].estimate == pytest.approx(0.4, abs=0.1)


def test_two_bloc_inference_agrees_with_the_point_fit() -> None:
    u, v = _pair_series(30, seed=1)
    years = np.arange(1950, 1980)
    point = fit_two_bloc(years, u, v)
    result = two_bloc_inference(years, u, v)
    assert result["slope"].estimate == pytest.approx(point.slope, rel=1e-9)
    assert result["intercept"].estimate == pytest.approx(point.intercept, rel=1e-9)
    slope = result["slope"]
    assert (
        slope.low is not None and slope.high is not None and slope.low < slope.estimate < slope.high
    )
    assert result.dof == 27


def test_a_plain_trend_is_flagged() -> None:
    rng = np.random.default_rng(4)
    t = np.arange(25)
    u = 50.0 + 2.0 * t + rng.standard_normal(25)
    v = 40.0 + 1.5 * t + rng.standard_normal(25)
    assert two_bloc_inference(t, u, v).trend.explains
    assert pair_fit(t, u, v).trend.explains
    assert pair_fit(t, v, u).trend.explains


def test_too_few_years_leave_intervals_undefined() -> None:
    result = two_bloc_inference([1, 2, 3], [1.0, 2.0, 4.0], [1.0, 2.0, 3.0])
    assert result["slope"].low is None and result.trend.p_value is None
    assert not result.trend.explains
