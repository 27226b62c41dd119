"""Sobol' and Morris through SALib: the Ishigami function's analytic indices, a linear model,
warnings for small samples, and the engine path."""

from __future__ import annotations

import math

import numpy as np
import pytest

from posturelab.explore.sensitivity import (
    engine_sensitivity,
    is_power_of_two,
    morris_indices,
    sobol_indices,
)
from posturelab.scenario.levers import resolve_levers
from posturelab.scenario.loader import load_scenario

A, B = 7.0, 0.1


def ishigami(points: np.ndarray) -> np.ndarray:
    """Ishigami & Homma (1990) on [-pi, pi]^3, from unit-hypercube points of shape (G, P, 3)."""
    x = -math.pi + 2.0 * math.pi * points
    return np.sin(x[..., 0]) + A * np.sin(x[..., 1]) ** 2 + B * x[..., 2] ** 4 * np.sin(x[..., 0])


def ishigami_analytic() -> tuple[list[float], list[float]]:
    """First and total indices in closed form (Sobol' & Levitan 1999)."""
    v1 = 0.5 * (1 + B * math.pi**4 / 5) ** 2
    v2 = A**2 / 8
    v13 = B**2 * math.pi**8 * (1 / 18 - 1 / 50)
    var = v1 + v2 + v13
    return [v1 / var, v2 / var, 0.0], [(v1 + v13) / var, v2 / var, v13 / var]


def test_analytic_values_are_the_textbook_ones() -> None:
    s1, st = ishigami_analytic()
    assert s1 == pytest.approx([0.3139, 0.4424, 0.0], abs=1e-3)
    assert st == pytest.approx([0.5576, 0.4424, 0.2437], abs=1e-3)


def test_sobol_recovers_ishigami_indices() -> None:
    result = sobol_indices(ishigami, ["x1", "x2", "x3"], 4096, seed=7)
    got = {r["parameter"]: r for r in result.rows}
    s1, st = ishigami_analytic()
    for i, name in enumerate(["x1", "x2", "x3"]):
        # Tolerance: 0.03 absolute at N = 4096 (bootstrap half-widths are about 0.01-0.035).
        assert got[name]["S1"] == pytest.approx(s1[i], abs=0.03)
        assert got[name]["ST"] == pytest.approx(st[i], abs=0.03)
        assert 0 < got[name]["ST_conf"] < 0.05
    assert result.evaluations == 4096 * 5
    assert result.warnings == []
    assert [r["parameter"] for r in result.rows] == ["x1", "x2", "x3"]  # by total index


def test_sobol_is_reproducible_from_the_seed() -> None:
    a = sobol_indices(ishigami, ["x1", "x2", "x3"], 256, seed=3)
    b = sobol_indices(ishigami, ["x1", "x2", "x3"], 256, seed=3)
    assert a.rows == b.rows


def test_small_sample_warns() -> None:
    result = sobol_indices(ishigami, ["x1", "x2", "x3"], 16, seed=1)
    assert any("too small" in w for w in result.warnings)


def test_sobol_needs_a_power_of_two_and_finite_output() -> None:
    assert is_power_of_two(64) and not is_power_of_two(96) and not is_power_of_two(0)
    with pytest.raises(ValueError, match="power of two"):
        sobol_indices(ishigami, ["a", "b", "c"], 100, seed=1)

    def missing(points: np.ndarray) -> np.ndarray:
        out = ishigami(points)
        out[0, 0] = np.nan
        return out

    with pytest.raises(ValueError, match="missing for 1 of"):
        sobol_indices(missing, ["a", "b", "c"], 16, seed=1)


def test_constant_output_gives_zero_indices_with_a_warning() -> None:
    result = sobol_indices(lambda p: np.zeros(p.shape[:2]), ["a", "b"], 16, seed=1)
    assert all(r["S1"] == 0.0 and r["ST"] == 0.0 for r in result.rows)
    assert "does not vary" in result.warnings[0]


def test_morris_on_a_linear_model_gives_its_slopes() -> None:
    slopes = np.array([2.0, -0.5, 0.0])
    result = morris_indices(lambda p: p @ slopes, ["a", "b", "c"], 20, seed=5)
    got = {r["parameter"]: r for r in result.rows}
    assert got["a"]["mu_star"] == pytest.approx(2.0)
    assert got["b"]["mu_star"] == pytest.approx(0.5)
    assert got["b"]["mu"] == pytest.approx(-0.5)
    assert got["c"]["mu_star"] == pytest.approx(0.0, abs=1e-12)
    assert got["a"]["sigma"] == pytest.approx(0.0, abs=1e-9)
    assert result.evaluations == 20 * 4
    assert result.warnings == []


def test_morris_ranks_ishigami_and_warns_on_few_trajectories() -> None:
    result = morris_indices(ishigami, ["x1", "x2", "x3"], 4, seed=2)
    assert any("trajectories" in w for w in result.warnings)


def test_engine_sensitivity_on_korea() -> None:
    loaded = load_scenario("korea-2025")
    s = loaded.scenario
    levers = resolve_levers(s, {})
    result = engine_sensitivity(s, levers, "p_dprk_attack", method="sobol", n=8, seed=11)
    k = len(result.rows)
    assert result.evaluations == 8 * (k + 2)
    assert result.warnings  # N = 8 is far too small, and the command says so
    # The attack prior sets the status-quo risk. Sobol' total indices at N = 8 are too noisy to
    # rank ~200 parameters, but Morris's elementary effects on 8 trajectories rank it first.
    screened = engine_sensitivity(s, levers, "p_dprk_attack", method="morris", n=8, seed=11)
    assert screened.evaluations == 8 * (k + 1)
    assert screened.rows[0]["parameter"] == "contests.dprk_attack.prior_annual"
