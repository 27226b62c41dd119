"""PRIM on data with a planted box: peeling, pasting, the trajectory, box selection."""

from __future__ import annotations

import numpy as np
import pytest

from posturelab.explore.prim import (
    box_limits,
    prim,
    prim_on_top,
    select_box,
    simplify_box,
    trajectory,
)


def planted(n: int = 2000, k: int = 5, noise: float = 0.0, seed: int = 1):
    rng = np.random.default_rng(seed)
    x = rng.random((n, k))
    y = ((x[:, 0] > 0.6) & (x[:, 1] < 0.4)).astype(float)
    flip = rng.random(n) < noise
    y[flip] = 1.0 - y[flip]
    return x, y


def limits_of(result, index):
    return {d["parameter"]: (d["lower"], d["upper"]) for d in box_limits(result, index)}


def test_finds_the_planted_box_without_noise() -> None:
    x, y = planted()
    result = prim(x, y, [f"x{j}" for j in range(5)])
    index = select_box(result, min_coverage=0.8)
    box = result.boxes[index]
    assert box.density == 1.0
    assert box.coverage >= 0.9
    found = limits_of(result, index)
    assert set(found) == {"x0", "x1"}
    assert found["x0"][0] == pytest.approx(0.6, abs=0.03)
    assert found["x1"][1] == pytest.approx(0.4, abs=0.03)


def test_noisy_box_is_recovered_and_simplified() -> None:
    x, y = planted(noise=0.05, seed=2)
    result = prim(x, y, [f"x{j}" for j in range(5)])
    index = select_box(result, min_coverage=0.7)
    simple = simplify_box(result, index)
    found = limits_of(simple, index)
    assert {"x0", "x1"} <= set(found)
    assert len(found) <= 3
    assert found["x0"][0] == pytest.approx(0.6, abs=0.05)
    assert found["x1"][1] == pytest.approx(0.4, abs=0.05)
    assert simple.boxes[index].density > 0.85


def test_trajectory_starts_with_everything_and_trades_coverage_for_density() -> None:
    x, y = planted(noise=0.02, seed=3)
    result = prim(x, y)
    rows = trajectory(result)
    assert rows[0] == {
        "box": 0,
        "coverage": 1.0,
        "density": pytest.approx(y.mean()),
        "mass": 1.0,
        "restricted": 0,
    }
    assert rows[-1]["density"] > rows[0]["density"] + 0.5
    assert rows[-1]["coverage"] < 1.0
    assert all(r["mass"] >= 0.05 - 1e-12 for r in rows)


def test_mass_min_stops_peeling() -> None:
    x, y = planted()
    result = prim(x, y, mass_min=0.3)
    assert min(b.mass for b in result.boxes) >= 0.3


def test_pasting_widens_an_over_peeled_box() -> None:
    # A single coarse peel overshoots the boundary at 0.5; pasting brings it back.
    rng = np.random.default_rng(4)
    x = rng.random((1000, 1))
    y = (x[:, 0] > 0.5).astype(float)
    peeled_only = prim(x, y, alpha=0.3, paste_alpha=0.01)
    last = peeled_only.boxes[-1]
    assert last.density == 1.0
    assert last.lower[0] == pytest.approx(0.5, abs=0.02)


def test_discrete_inputs_and_constant_outcome() -> None:
    rng = np.random.default_rng(5)
    x = rng.integers(0, 3, size=(600, 2)).astype(float)
    y = (x[:, 0] == 2).astype(float)
    result = prim(x, y)
    index = select_box(result)
    assert result.boxes[index].density == 1.0
    assert limits_of(result, index)["x0"][0] == 2.0
    flat = prim(x, np.zeros(600))
    assert len(flat.boxes) == 1


def test_prim_on_top_searches_the_best_scored_inputs() -> None:
    x, y = planted(k=8)
    names = [f"x{j}" for j in range(8)]
    scores = [{"parameter": "x1", "score": 0.5}, {"parameter": "x0", "score": 0.4}]
    result, index = prim_on_top(x, y, names, scores, dims=2)
    assert result.names == ["x1", "x0"]
    assert set(limits_of(result, index)) == {"x0", "x1"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"alpha": 0.6}, "alpha"), ({"mass_min": 0.0}, "mass_min")],
)
def test_bad_settings_are_refused(kwargs, message) -> None:
    x, y = planted(n=50)
    with pytest.raises(ValueError, match=message):
        prim(x, y, **kwargs)


def test_bad_shapes_and_missing_values_are_refused() -> None:
    x, y = planted(n=50)
    with pytest.raises(ValueError, match="must be"):
        prim(x, y[:10])
    x[0, 0] = np.nan
    with pytest.raises(ValueError, match="finite"):
        prim(x, y)
